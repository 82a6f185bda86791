/* pid 1 of the sandbox: reaps zombies, passes signals on to the command
 * and reports the command's exit status. */
#pragma once

#include <glib.h>
#include <signal.h>
#include <sys/types.h>

/* Fills SET with the signals the monitor and pid 1 pass on to the sandbox
 * (SIGINT SIGTERM SIGHUP SIGQUIT SIGUSR1 SIGUSR2), plus SIGCHLD.  Both block
 * them from before clone and read them from a signalfd. */
void sb_reaper_signals (sigset_t *set);

/* Whether a signal read from a signalfd is passed on to a process that is
 * in our session (OTHER_SESSION false) or not.  Signals the kernel sends on
 * its own (a terminal's ^C goes to the whole foreground process group)
 * already reached the processes of our session; passing them on would
 * deliver them twice.  A signal sent with kill() is always passed on. */
gboolean sb_reaper_should_forward (int si_code, gboolean other_session);

/* The tool's exit status for a wait(2) status: the code, or 128+N. */
int sb_reaper_exit_status (int wait_status);

/* Runs pid 1's loop: passes the signals read from SIGNAL_FD on to COMMAND
 * while it runs.  Returns the command's exit status as soon as the command
 * is gone if STOP_WITH_COMMAND (pid 1 of a pid namespace: its exit kills
 * every other process there); else sends SB_MSG_EXITED on CHANNEL when the
 * command exits, reaps the remaining processes and returns once no child is
 * left. */
int sb_reaper_run (pid_t command, gboolean stop_with_command, int signal_fd, int channel);
