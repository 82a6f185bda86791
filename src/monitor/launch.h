/* Creating the sandbox and watching it: clone, id maps, the monitor loop. */
#pragma once

#include "plan/plan.h"
#include "confine/seccomp-programs.h"

typedef struct {
  int code;    /* the command's exit status, or 128+N when signal N killed it */
  int signal;  /* non-zero: the tool is to die of this signal instead (monitor/signals.h) */
} SbExitStatus;

/* Runs the plan.  On success *exit_status says how the tool ends. */
gboolean sb_launch_run (const SbPlan *plan, const SbSeccompSet *filters, SbExitStatus *exit_status,
                        GError **error);

/* --die-with-parent: SIGKILL when PARENT (our parent as first seen) dies.
 * Fails if it is already gone, since the setting would then never fire.
 * The kernel clears it on credential changes: call again after each. */
gboolean sb_launch_arm_parent_death (pid_t parent, GError **error);
