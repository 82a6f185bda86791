#include "sandbox/terminal.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "base/error.h"

/* tcsetpgrp from a background group stops the caller with SIGTTOU unless
 * it is blocked.  Returns 0 or the errno. */
static int
set_foreground (pid_t group)
{
  sigset_t ttou, saved;
  int errsv = 0;

  sigemptyset (&ttou);
  sigaddset (&ttou, SIGTTOU);
  if (sigprocmask (SIG_BLOCK, &ttou, &saved) != 0)
    return errno;
  if (tcsetpgrp (STDIN_FILENO, group) != 0)
    errsv = errno;
  sigprocmask (SIG_SETMASK, &saved, NULL);
  return errsv;
}

gboolean
sb_terminal_hand_over (const SbPlan *plan, SbTerminal *terminal)
{
  *terminal = (SbTerminal) { 0 };
  if (plan->personality != SB_PERSONALITY_SANDBOX || plan->new_session)
    return FALSE;
  if (!isatty (STDIN_FILENO) || !isatty (STDOUT_FILENO))
    return FALSE;
  terminal->own_group = getpgrp ();
  if (tcgetpgrp (STDIN_FILENO) != terminal->own_group)
    return FALSE;
  terminal->handed = TRUE;
  return TRUE;
}

gboolean
sb_terminal_take_foreground (GError **error)
{
  int errsv;

  if (setpgid (0, 0) != 0)
    return sb_throw_errno (error, "giving the command a process group of its own");
  errsv = set_foreground (getpid ());
  if (errsv != 0)
    {
      errno = errsv;
      return sb_throw_errno (error, "giving the command the terminal's foreground");
    }
  return TRUE;
}

void
sb_terminal_suspend (SbTerminal *terminal, int stop_signal)
{
  if (terminal->handed)
    {
      pid_t group = tcgetpgrp (STDIN_FILENO);

      if (group > 0 && group != terminal->own_group)
        terminal->sandbox_group = group;
      if (set_foreground (terminal->own_group) != 0)
        g_debug ("taking the terminal back: %s", g_strerror (errno));
      terminal->handed = FALSE;
    }
  /* Stopped by ^Z or by reading the terminal from the background, as the
   * caller's shell tells apart; SIGTSTP in an orphaned process group (no
   * shell to continue us) is discarded by the kernel, SIGSTOP would not
   * be. */
  if (stop_signal != SIGTTIN && stop_signal != SIGTTOU)
    stop_signal = SIGTSTP;
  kill (getpid (), stop_signal);

  if (terminal->sandbox_group <= 0)
    return;
  /* Continued by `fg`: the foreground is ours again, pass it on; by `bg`,
   * the sandbox runs in the background. */
  if (tcgetpgrp (STDIN_FILENO) == terminal->own_group)
    terminal->handed = set_foreground (terminal->sandbox_group) == 0;
  if (killpg (terminal->sandbox_group, SIGCONT) != 0)
    g_debug ("continuing the sandbox: %s", g_strerror (errno));
}

void
sb_terminal_take_back (SbTerminal *terminal)
{
  pid_t group;

  if (!terminal->handed)
    return;
  terminal->handed = FALSE;
  group = tcgetpgrp (STDIN_FILENO);
  /* Someone stopped us with SIGSTOP and the caller's shell took the
   * terminal meanwhile: it is not ours to take. */
  if (group == terminal->own_group || group == getpgid (getppid ()))
    return;
  if (set_foreground (terminal->own_group) != 0)
    g_debug ("taking the terminal back: %s", g_strerror (errno));
}
