/* The sandbox's side of a launch: everything from clone to exec. */
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "sandbox/exec.h"
#include "plan/plan.h"
#include "confine/landlock.h"
#include "confine/seccomp-programs.h"

typedef struct {
  const SbPlan *plan;
  const SbSeccompSet *filters;
  SbNamespace created;       /* the namespaces of the sandbox (try ones resolved) */
  SbNamespace made_inside;   /* ... of which the child makes these, after clone */
  const SbLandlockRuleset *landlock;  /* loaded before seccomp, or NULL; in place, created is 0 */
  gboolean nested_pid_ns;    /* --pidns with --unshare-pid: the pid namespace is made here */
  guint64 caller_caps;       /* the caller's permitted capabilities */
  guint64 command_caps;      /* the capabilities the command keeps */
  gboolean command_ambient;  /* ... also as inheritable and ambient ones */
  guint32 outside_uid;       /* the caller's ids in the parent of the new user namespace */
  guint32 outside_gid;
  SbExecPrep *exec;          /* the command's argv, environment and directories */
  int channel;               /* our end of the report socket */
  int monitor_channel;       /* the monitor's end, closed first */
  pid_t monitor_pid;         /* our parent, as seen before clone */
  sigset_t saved_mask;       /* the caller's signal mask, restored before exec */
  const int *cgroup_fds;     /* cgroup.procs files to join before anything else */
  guint n_cgroup_fds;
  int join_fd;               /* --name: pid 1's end of the monitor's socket pair, else -1 */
  gboolean take_terminal;    /* the command takes the terminal's foreground (sandbox/terminal.h) */
} SbChildContext;

/* Whether the sandbox gets a pid 1 of ours (sandbox/reaper.h) above the
 * command: in a pid namespace made for it, or to hold --lock-file and
 * --sync-fd; never with --as-pid-1. */
gboolean sb_child_needs_pid1 (const SbPlan *plan, SbNamespace created, gboolean nested_pid_ns);

/* Of CREATED, the namespaces that the child makes itself, in the nested
 * user namespace, so that the command's capabilities act on them; clone
 * must not make them.  OUTSIDE_UID and OUTSIDE_GID are the caller's ids in
 * the parent of the new user namespace. */
SbNamespace sb_child_namespaces_made_inside (const SbPlan *plan, SbNamespace created, guint32 outside_uid,
                                             guint32 outside_gid);

/* Runs in the process clone created: sets up the sandbox, forks pid 1 when
 * one is needed, and executes the command.  Errors are sent to the monitor
 * over the report socket; never returns. */
G_GNUC_NORETURN void sb_child_run (const SbChildContext *ctx);
