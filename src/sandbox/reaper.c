#include "sandbox/reaper.h"

#include <errno.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/channel.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

void
sb_reaper_signals (sigset_t *set)
{
  sigemptyset (set);
  for (guint i = 0; i < G_N_ELEMENTS (forwarded); i++)
    sigaddset (set, forwarded[i]);
  sigaddset (set, SIGCHLD);
}

gboolean
sb_reaper_should_forward (int si_code, gboolean other_session)
{
  return si_code != SI_KERNEL || other_session;
}

int
sb_reaper_exit_status (int wait_status)
{
  if (WIFSIGNALED (wait_status))
    return 128 + WTERMSIG (wait_status);
  return WEXITSTATUS (wait_status);
}

/* Reaps every exited child.  Returns FALSE once no child is left, or
 * once the command is gone when STOP_WITH_COMMAND. */
static gboolean
reap (pid_t command, gboolean stop_with_command, int channel, int *command_status)
{
  for (;;)
    {
      int status;
      pid_t pid = waitpid (-1, &status, WNOHANG);

      if (pid < 0 && errno == EINTR)
        continue;
      if (pid < 0)
        return FALSE;
      if (pid == 0)
        return TRUE;
      if (pid == command)
        {
          *command_status = sb_reaper_exit_status (status);
          /* Told to stop, we exit with the command's status, which kills
           * the rest of the pid namespace: the monitor learns both when it
           * reaps us.  Otherwise we stay while other processes of the
           * sandbox live, holding --sync-fd and the locks, and the monitor
           * exits now, as bwrap's does. */
          if (stop_with_command)
            return FALSE;
          sb_channel_send (channel, SB_MSG_EXITED, *command_status);
        }
    }
}

int
sb_reaper_run (pid_t command, gboolean stop_with_command, int signal_fd, int channel)
{
  int command_status = -1;

  for (;;)
    {
      struct signalfd_siginfo si;
      ssize_t n = read (signal_fd, &si, sizeof si);

      if (n < 0 && errno == EINTR)
        continue;
      if (n != sizeof si)
        break;
      if (si.ssi_signo == SIGCHLD)
        {
          if (!reap (command, stop_with_command, channel, &command_status))
            break;
        }
      else if (command_status < 0 && sb_reaper_should_forward (si.ssi_code, FALSE))
        kill (command, si.ssi_signo);
    }
  return command_status < 0 ? 1 : command_status;
}
