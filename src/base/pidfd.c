#include "base/pidfd.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

static gboolean pidfd_missing;

int
sb_pidfd_open (pid_t pid)
{
  int fd;

  if (pidfd_missing)
    {
      errno = ENOSYS;
      return -1;
    }
  /* pidfds are close-on-exec without asking. */
  fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    {
      pidfd_missing = TRUE;
      errno = ENOSYS;
    }
  return fd;
}

int
sb_pidfd_signal (int pidfd, pid_t pid, gboolean pid_is_unreaped_child, int sig,
                 const union sigval *value)
{
  if (pidfd >= 0)
    {
      siginfo_t info = { .si_signo = sig, .si_code = SI_QUEUE };
      int result;

      if (value != NULL)
        {
          info.si_pid = getpid ();
          info.si_uid = getuid ();
          info.si_value = *value;
        }
      result = (int) syscall (SYS_pidfd_send_signal, pidfd, sig, value != NULL ? &info : NULL, 0);
      /* A filter may hide this call and not pidfd_open. */
      if (result == 0 || errno != ENOSYS)
        return result;
    }
  if (!pid_is_unreaped_child || pid <= 0)
    {
      errno = ESRCH;
      return -1;
    }
  return value != NULL ? sigqueue (pid, sig, *value) : kill (pid, sig);
}
