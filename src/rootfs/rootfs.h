/* The new root: built on a tmpfs from the plan's mount ops, in order. */
#pragma once

#include "plan/plan.h"

/* Runs in the child, inside the new mount namespace, with uid/gid maps
 * already written.  PROC_FD is a procfs (the caller checked), opened
 * before any op could cover /proc: the ops reach /proc/self/fd through it.  Makes the host mounts slaves, builds the new root,
 * runs every op in command-line order, pivots into it, detaches the old root
 * and leaves the working directory at the new "/".  Nothing it does is
 * visible in the caller's mount namespace. */
gboolean sb_rootfs_build (const SbPlan *plan, int proc_fd, GError **error);
