/* Process file descriptors, and what to do without them.
 *
 * A pidfd names one process for good: a signal sent through it can never
 * reach another process that got the pid after the first was reaped.
 * pidfd_open is Linux 5.3; an older kernel answers ENOSYS, and so may a
 * container's seccomp profile that predates it (or EPERM).  Without a
 * pidfd, a pid is only safe to signal while it is our own child and we have
 * not reaped it: a zombie keeps its pid.  sb_pidfd_signal holds that rule
 * for its callers. */
#pragma once

#include <glib.h>
#include <signal.h>
#include <sys/types.h>

/* A pidfd (close-on-exec) for PID, or -1 with errno set.  After the first
 * ENOSYS or EPERM it answers ENOSYS without asking the kernel again. */
int sb_pidfd_open (pid_t pid);

/* Sends SIG to the process that PIDFD names or, with PIDFD -1 (or no
 * pidfd_send_signal), to PID if PID_IS_UNREAPED_CHILD (PID is our child and
 * not reaped yet); else does nothing and fails with ESRCH, as for a process
 * that is gone.  With VALUE, the signal carries it as sigqueue(3)'s does.
 * 0, or -1 with errno set. */
int sb_pidfd_signal (int pidfd, pid_t pid, gboolean pid_is_unreaped_child, int sig,
                     const union sigval *value);
