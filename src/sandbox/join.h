/* pid 1's side of `sandbox enter`: the entered command is a fork of pid 1,
 * so it has the sandbox's confinement exactly as pid 1 holds it (every
 * namespace, the nested user namespace included, root, cwd, cgroup, the
 * bounding set, NO_NEW_PRIVS, Landlock, every seccomp program, rlimits),
 * with nothing to re-derive; it takes the command's capabilities (within
 * what pid 1 holds), environment and signal mask, the caller's stdio, and
 * nothing else (enter/README.md says why this way). */
#pragma once

#include <glib.h>
#include <signal.h>
#include <sys/types.h>

typedef struct {
  int channel;           /* pid 1's end of the monitor's socket pair, -1 without --name */
  char *const *envp;     /* the command's environment, PWD included */
  const sigset_t *mask;  /* the caller's signal mask, as the command gets it */
  guint64 caps;          /* the command's capabilities */
  gboolean ambient;
} SbJoinTarget;

/* Serves one request from target->channel: SB_WIRE_RUN forks the entered
 * command (recorded in JOINED, of SbJoined), SB_WIRE_FORWARD signals one.
 * FALSE once the monitor is gone. */
gboolean sb_join_serve (const SbJoinTarget *target, GArray *joined);

typedef struct {
  pid_t pid;
  guint32 id;
} SbJoined;

/* PID was reaped with STATUS: if it was an entered command, the monitor
 * is told and it is forgotten.  Whether it was one. */
gboolean sb_join_reaped (const SbJoinTarget *target, GArray *joined, pid_t pid, int status);
