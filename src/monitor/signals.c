#include "monitor/signals.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/pidfd.h"
#include "sandbox/reaper.h"

/* The signals that end a foreground job: these go to every process. */
static gboolean
ends_a_job (int signo)
{
  return signo == SIGINT || signo == SIGTERM || signo == SIGHUP || signo == SIGQUIT;
}

/* Through the pidfd: a pid may name another process once the sandbox's
 * is reaped. */
static gboolean
send (const SbSandboxTarget *target, int signo, const union sigval *value)
{
  return sb_pidfd_signal (target->pidfd, target->pid, target->pid_is_unreaped_child, signo, value) == 0
         || errno == ESRCH;
}

gboolean
sb_signals_send_to_target (const SbSandboxTarget *target, int signo, GError **error)
{
  if (!send (target, signo, NULL))
    return sb_throw_errno (error, "sending signal %d to the sandbox", signo);
  return TRUE;
}

gboolean
sb_signals_send_to_sandbox (const SbSandboxTarget *target, int signo, GError **error)
{
  if (target->reaper)
    {
      union sigval value = { .sival_int = signo };

      if (!send (target, sb_reaper_signal_all_request (), &value))
        return sb_throw_errno (error, "sending signal %d to the sandbox", signo);
      return TRUE;
    }
  if (!send (target, signo, NULL))
    return sb_throw_errno (error, "sending signal %d to the command", signo);
  return TRUE;
}

gboolean
sb_signals_relay (const SbSandboxTarget *target, const struct signalfd_siginfo *si,
                  gboolean terminal_reached_sandbox, GError **error)
{
  int signo = (int) si->ssi_signo;

  if (!sb_reaper_should_forward (si->ssi_code, !terminal_reached_sandbox))
    return TRUE;
  if (ends_a_job (signo))
    return sb_signals_send_to_sandbox (target, signo, error);
  /* SIGUSR1, SIGUSR2: the command's business; our pid 1 passes them on. */
  if (!send (target, signo, NULL))
    return sb_throw_errno (error, "sending signal %d to the command", signo);
  return TRUE;
}

int
sb_signals_tool_dies_of (const SbPlan *plan, int command_wait_status, const sigset_t *received,
                         gboolean held_terminal)
{
  int signo;

  if (plan->personality != SB_PERSONALITY_SANDBOX || !WIFSIGNALED (command_wait_status))
    return 0;
  signo = WTERMSIG (command_wait_status);
  if (!ends_a_job (signo) || !(held_terminal || sigismember (received, signo) == 1))
    return 0;
  return signo;
}

void
sb_signals_die_of (int signo)
{
  struct sigaction default_action = { .sa_handler = SIG_DFL };
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, signo);
  if (sigaction (signo, &default_action, NULL) == 0 && sigprocmask (SIG_UNBLOCK, &set, NULL) == 0)
    raise (signo);
  /* Only if the signal could not end us: the status a shell gives it. */
  _exit (128 + signo);
}
