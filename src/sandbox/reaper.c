#include "sandbox/reaper.h"

#include <errno.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/channel.h"

/* Passed on under the sandbox personality. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

static gboolean
ignored_by_caller (int signo)
{
  struct sigaction action;

  return sigaction (signo, NULL, &action) == 0 && action.sa_handler == SIG_IGN;
}

void
sb_reaper_signals (const SbPlan *plan, sigset_t *set)
{
  sigemptyset (set);
  sigaddset (set, SIGCHLD);
  sigaddset (set, sb_reaper_signal_all_request ());
  if (plan->personality == SB_PERSONALITY_BWRAP)
    return;
  /* A caller that ignores a signal (nohup, a shell's background job)
   * asks the sandbox to ignore it too, as the command inherits it. */
  for (guint i = 0; i < G_N_ELEMENTS (forwarded); i++)
    if (!ignored_by_caller (forwarded[i]))
      sigaddset (set, forwarded[i]);
}

int
sb_reaper_signal_all_request (void)
{
  return SIGRTMIN;
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

/* kill(-1) from pid 1 of a pid namespace reaches every other process of
 * it, those forked meanwhile included; anywhere else it would reach every
 * process of the caller's uid on the host, so there only the command gets
 * the signal. */
static void
signal_all (const SbReaper *reaper, int signo, gboolean command_alive)
{
  if (signo <= 0 || signo >= SIGRTMIN)
    return;
  if (getpid () == 1)
    kill (-1, signo);
  else if (command_alive)
    kill (reaper->command, signo);
}

/* The command's orphans are ours before it is a zombie: once it is reaped,
 * none can come. */
static gboolean
has_children (void)
{
  siginfo_t info;

  return waitid (P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* Reaps every exited child and reports the command's stops.  Returns
 * FALSE once no child is left, or once the command is gone when
 * stop_with_command. */
static gboolean
reap (const SbReaper *reaper, GArray *joined, int *command_status)
{
  int flags = WNOHANG | (reaper->report_stops ? WUNTRACED : 0);

  for (;;)
    {
      int status;
      pid_t pid = waitpid (-1, &status, flags);

      if (pid < 0 && errno == EINTR)
        continue;
      if (pid < 0)
        return FALSE;
      if (pid == 0)
        return TRUE;
      if (pid != reaper->command)
        {
          sb_join_reaped (reaper->join, joined, pid, status);
          continue;
        }
      if (WIFSTOPPED (status))
        {
          sb_channel_send (reaper->channel, SB_MSG_STOPPED, WSTOPSIG (status));
          continue;
        }
      *command_status = sb_reaper_exit_status (status);
      /* Told to stop, or left alone, we exit with the command's status
       * (which kills the rest of a pid namespace of ours): the monitor
       * learns both when it reaps us, after --sync-fd and the locks are
       * released, but for the signal that killed the command, which the
       * exit status cannot tell from an exit code.  Otherwise we stay
       * while other processes of the sandbox live, holding --sync-fd and
       * the locks, and the monitor exits now, as bwrap's does. */
      gboolean last = reaper->stop_with_command || !has_children ();

      if (!last || WIFSIGNALED (status))
        sb_channel_send (reaper->channel, SB_MSG_EXITED, status);
      if (last)
        return FALSE;
    }
}

int
sb_reaper_run (const SbReaper *reaper)
{
  g_autoptr(GArray) joined = g_array_new (FALSE, FALSE, sizeof (SbJoined));
  int join_fd = reaper->join->channel;
  int command_status = -1;

  for (;;)
    {
      struct pollfd fds[2] = {
        { .fd = reaper->signal_fd, .events = POLLIN },
        { .fd = join_fd, .events = POLLIN },
      };
      struct signalfd_siginfo si;
      ssize_t n;

      if (poll (fds, join_fd >= 0 ? 2 : 1, -1) < 0)
        continue;
      if (join_fd >= 0 && fds[1].revents != 0 && !sb_join_serve (reaper->join, joined))
        join_fd = -1;
      if (fds[0].revents == 0)
        continue;
      n = read (reaper->signal_fd, &si, sizeof si);

      if (n < 0 && errno == EINTR)
        continue;
      if (n != sizeof si)
        break;
      if (si.ssi_signo == SIGCHLD)
        {
          if (!reap (reaper, joined, &command_status))
            break;
        }
      else if ((int) si.ssi_signo == sb_reaper_signal_all_request ())
        signal_all (reaper, si.ssi_int, command_status < 0);
      else if (command_status < 0 && sb_reaper_should_forward (si.ssi_code, FALSE))
        kill (reaper->command, si.ssi_signo);
    }
  return command_status < 0 ? 1 : command_status;
}
