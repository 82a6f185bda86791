/* (b) of cgroup.h: a transient scope on the caller's systemd user
 * instance, delegated to the caller (what `systemd-run --user --scope`
 * asks for), over D-Bus with GDBus.
 *
 * GIO cannot be linked statically here (no static libmount), and a dynamic
 * tool would pay the loader on every start: so this code runs only in the
 * helper sandbox-scope (scope-helper.c), which the tool spawns when (a)
 * failed, and in the unit tests.  It is not part of sandbox-core. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

/* The systemd user instance, in this order: its private socket
 * ($XDG_RUNTIME_DIR/systemd/private, peer to peer, which systemd-run
 * --user prefers too), else the session bus (DBUS_SESSION_BUS_ADDRESS, or
 * $XDG_RUNTIME_DIR/bus) where systemd1 is a name on the bus.  Sets
 * *MANAGER to the name to address: NULL on the private socket.  Never
 * autolaunches a bus. */
GDBusConnection *sb_scope_connect (const char **manager, GError **error);

/* Asks the manager for the transient scope UNIT ("NAME.scope") holding PID,
 * delegated (Delegate=yes), in mode "fail" (an existing unit of that name
 * is an error, not replaced), and waits until its job is removed: TRUE
 * when the job's result is "done", PID is then in the scope's cgroup.  The
 * scope ends, and systemd removes its cgroup, once no process is left in
 * it.  Waits at most TIMEOUT_MS for the reply and for the job. */
gboolean sb_scope_start (GDBusConnection *connection, const char *manager, const char *unit,
                         pid_t pid, int timeout_ms, GError **error);
