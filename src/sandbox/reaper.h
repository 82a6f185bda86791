/* pid 1 of the sandbox: reaps zombies, passes signals on to the command
 * (or to every process of its pid namespace) and reports the command's
 * exit status. */
#pragma once

#include <glib.h>
#include <signal.h>
#include <sys/types.h>

#include "plan/plan.h"
#include "sandbox/join.h"

/* Fills SET with the signals the monitor and pid 1 block from before clone
 * and read from a signalfd: SIGCHLD, the signal-all request (below) and,
 * under the sandbox personality, SIGINT SIGTERM SIGHUP SIGQUIT SIGUSR1
 * SIGUSR2, unless the caller ignores them.  Under the bwrap personality
 * the others keep their default action, as with bubblewrap: the tool dies
 * of them. */
void sb_reaper_signals (const SbPlan *plan, sigset_t *set);

/* The signal-all request: a real-time signal whose value (si_int) is a
 * signal number, sent to pid 1, which sends that signal to every process
 * of its pid namespace (kill(-1)).  Pid 1 blocks it under both
 * personalities. */
int sb_reaper_signal_all_request (void);

/* Whether a signal read from a signalfd is passed on to a process that is
 * in our session (OTHER_SESSION false) or not.  Signals the kernel sends on
 * its own (a terminal's ^C goes to the whole foreground process group)
 * already reached the processes of our session; passing them on would
 * deliver them twice.  A signal sent with kill() is always passed on. */
gboolean sb_reaper_should_forward (int si_code, gboolean other_session);

/* The tool's exit status for a wait(2) status: the code, or 128+N. */
int sb_reaper_exit_status (int wait_status);

typedef struct {
  pid_t command;
  /* pid 1 of a pid namespace of ours: its exit kills every other process
   * there, so it exits as soon as the command is gone. */
  gboolean stop_with_command;
  /* The command holds the terminal's foreground (sandbox/terminal.h): its
   * stops are reported (SB_MSG_STOPPED), so that the monitor stops too. */
  gboolean report_stops;
  int signal_fd;  /* of sb_reaper_signals */
  int channel;
  const SbJoinTarget *join;  /* `sandbox enter` requests (join->channel -1: none) */
} SbReaper;

/* Runs pid 1's loop: passes the signals read from the signalfd on to the
 * command while it runs, and signal-all requests on to every process.
 * Returns the command's exit status as soon as the command is gone if
 * stop_with_command (after SB_MSG_EXITED, when a signal killed it); else
 * sends SB_MSG_EXITED when the command exits, reaps the remaining
 * processes and returns once no child is left. */
int sb_reaper_run (const SbReaper *reaper);
