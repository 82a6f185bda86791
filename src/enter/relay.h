/* The monitor's side of a named sandbox: the name held in the registry,
 * the requests of `sandbox enter` and `sandbox kill` taken on its socket
 * (only from the sandbox's own user: SO_PEERCRED) and passed on to the
 * sandbox's pid 1 over a socket pair, whose answers go back to the caller
 * they are for. */
#pragma once

#include <poll.h>

#include "plan/plan.h"

typedef struct _SbEnterRelay SbEnterRelay;

/* Polled fds: the socket, pid 1's, and one per caller. */
#define SB_ENTER_RELAY_MAX_CALLERS 16
#define SB_ENTER_RELAY_MAX_POLL (2 + SB_ENTER_RELAY_MAX_CALLERS)

/* Claims plan->name (NULL without --name: nothing to do, no error).
 * CONFINEMENT is what `sandbox list` shows: "namespaces" or "in-place". */
SbEnterRelay *sb_enter_relay_open (const SbPlan *plan, const char *confinement, GError **error);

/* pid 1's end of the socket pair: it is to keep it, the command not. */
int sb_enter_relay_sandbox_end (const SbEnterRelay *relay);

/* The sandbox runs, its pid 1 is SANDBOX_PID: the registry says so, and
 * the monitor closes pid 1's end. */
void sb_enter_relay_started (SbEnterRelay *relay, pid_t sandbox_pid);

/* Fills up to MAX pollfds; returns how many. */
guint sb_enter_relay_poll_fds (const SbEnterRelay *relay, struct pollfd *fds, guint max);

/* What `sandbox kill` asks: SIG to every process of the sandbox. */
typedef void (*SbEnterSignalSandbox) (void *data, int sig);

/* Serves the relay's fds of FDS that are ready. */
void sb_enter_relay_dispatch (SbEnterRelay *relay, const struct pollfd *fds, guint n,
                              SbEnterSignalSandbox signal_sandbox, void *data);

/* Releases the name; callers still connected see their socket closed. */
void sb_enter_relay_free (SbEnterRelay *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbEnterRelay, sb_enter_relay_free)
