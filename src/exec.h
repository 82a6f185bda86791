/* The last steps of the command's process: working directory, environment,
 * exec. */
#pragma once

#include "plan.h"

/* Changes directory as bwrap does: to --chdir, else to OLD_CWD (the caller's,
 * may be NULL) when it exists in the sandbox, else to $HOME of the sandbox's
 * environment, else stays at "/".  Returns plan->envp with PWD set to it. */
char **sb_exec_enter_cwd (const SbPlan *plan, const char *old_cwd, GError **error);

/* execvp of plan->command with ENVP, searching the PATH of ENVP, with
 * argv[0] replaced by --argv0.  Returns only on failure, with an error that
 * says why (a missing program, interpreter, permission). */
void sb_exec_command (const SbPlan *plan, char **envp, GError **error);
