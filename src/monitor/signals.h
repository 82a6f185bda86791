/* The signals sent to the tool.  Under the bwrap personality the monitor
 * takes none of them, as bubblewrap: SIGINT, SIGTERM, SIGHUP... keep their
 * default action and the tool dies of them, leaving the sandbox to
 * --die-with-parent.  Under the sandbox personality it passes SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT on to every process of the sandbox (as a
 * terminal's ^C reaches a whole foreground job), SIGUSR1 and SIGUSR2 to
 * the command, and dies of the signal that killed the command when it
 * came that way. */
#pragma once

#include <glib.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include "plan/plan.h"

/* How the monitor reaches the sandbox's processes. */
typedef struct {
  pid_t pid;        /* the sandbox's first process, as the monitor sees it */
  int pidfd;        /* PID's pidfd, or -1: then PID is signalled only if... */
  gboolean pid_is_unreaped_child;  /* ...it is our child, not reaped yet */
  gboolean reaper;  /* it is our pid 1 (sandbox/reaper.c), not the command */
} SbSandboxTarget;

/* Sends SIGNO to every process of the sandbox, under either personality:
 * through pid 1's signal-all request, which reaches every process of its
 * pid namespace (kill(-1)), or the command only when the pid namespace is
 * not the sandbox's own (--share-pid, --pidns without --unshare-pid).
 * Without pid 1 of ours the command gets it, which as pid 1 itself
 * (--as-pid-1) takes only the signals it handles. */
gboolean sb_signals_send_to_sandbox (const SbSandboxTarget *target, int signo, GError **error);

/* Passes a signal that the monitor read from its signalfd on, under the
 * sandbox personality.  TERMINAL_REACHED_SANDBOX: the terminal sent it to
 * a process group that holds the sandbox's processes too (the monitor's,
 * when the command did not get the terminal's foreground and there is no
 * --new-session), which already delivered it there; it is not sent
 * twice. */
/* SIGNO to the target process alone (SIGKILL to pid 1 ends its pid
 * namespace).  A target that is gone is no failure. */
gboolean sb_signals_send_to_target (const SbSandboxTarget *target, int signo, GError **error);

gboolean sb_signals_relay (const SbSandboxTarget *target, const struct signalfd_siginfo *si,
                           gboolean terminal_reached_sandbox, GError **error);

/* The signal the tool is to die of, or 0: under the sandbox personality,
 * the SIGINT, SIGTERM, SIGHUP or SIGQUIT that killed the command
 * (COMMAND_WAIT_STATUS) if it was sent to the tool (RECEIVED) or the
 * command held the terminal (HELD_TERMINAL), whose keys send them to the
 * command's group instead of the tool's. */
int sb_signals_tool_dies_of (const SbPlan *plan, int command_wait_status, const sigset_t *received,
                             gboolean held_terminal);

/* Dies of SIGNO, so that the caller's wait(2) sees WIFSIGNALED and a
 * calling shell stops as for the command: default action, unblocked,
 * raised. */
G_GNUC_NORETURN void sb_signals_die_of (int signo);
