/* Creating the sandbox and watching it: clone, id maps, the monitor loop. */
#pragma once

#include "plan/plan.h"
#include "confine/landlock.h"
#include "confine/seccomp-programs.h"

typedef struct {
  int code;    /* the command's exit status, or 128+N when signal N killed it, or 124 after
                  --timeout */
  int signal;  /* non-zero: the tool is to die of this signal instead (monitor/signals.h) */
} SbExitStatus;

/* Runs the plan in new namespaces, with the LANDLOCK ruleset (or NULL) on
 * top; a ruleset in place stands for the namespaces, none are made.  On
 * success *exit_status says how the tool ends; *note says in one line when a
 * limit ended the command (NULL otherwise).
 * SB_ERROR_USERNS_REFUSED: the host refused the user namespace. */
gboolean sb_launch_run (const SbPlan *plan, const SbSeccompSet *filters,
                        const SbLandlockRuleset *landlock, SbExitStatus *exit_status, char **note,
                        GError **error);

/* --die-with-parent: SIGKILL when PARENT (our parent as first seen) dies.
 * Fails if it is already gone, since the setting would then never fire.
 * The kernel clears it on credential changes: call again after each. */
gboolean sb_launch_arm_parent_death (pid_t parent, GError **error);
