/* The last steps of the command's process: working directory, environment,
 * exec. */
#pragma once

#include "plan/plan.h"

#define SB_EXEC_MAX_DIRS 3

/* What the command's exec needs, prepared by the monitor before clone: the
 * sandbox's processes then only pick among it, allocating nothing and
 * touching no more code (each page they touch stays in their memory). */
typedef struct {
  char **argv;              /* plan->command with argv[0] replaced by --argv0 */
  char **envp;              /* plan->envp with PWD=, whose entry is envp[pwd]; the
                               strings are the plan's and pwd_entries' */
  guint pwd;
  guint n_dirs;
  const char *dirs[SB_EXEC_MAX_DIRS];   /* where to try to go, in order */
  char *pwd_entries[SB_EXEC_MAX_DIRS];  /* "PWD=DIR" for each */
  gboolean dir_required;    /* --chdir: the one directory must be entered */
  const char *dir_failure;  /* what an error entering it starts with: "--chdir: "
                               under the sandbox personality, "" under bwrap's */
} SbExecPrep;

/* Fills PREP for PLAN (and the caller's working directory in its host
 * facts).  Free with sb_exec_prep_clear. */
void sb_exec_prepare (SbExecPrep *prep, const SbPlan *plan);
void sb_exec_prep_clear (SbExecPrep *prep);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SbExecPrep, sb_exec_prep_clear)

/* Changes directory as bwrap does: to --chdir, else to the caller's
 * working directory when it exists in the sandbox, else to $HOME of the
 * sandbox's environment, else stays at "/", and sets PWD of prep->envp to
 * it. */
gboolean sb_exec_enter_cwd (SbExecPrep *prep, GError **error);

/* execvp of plan->command[0] with prep->argv and prep->envp, searching the
 * PATH of that environment.  Returns only on failure, with an error that
 * says why (a missing program, interpreter, permission). */
void sb_exec_command (const SbPlan *plan, const SbExecPrep *prep, GError **error);
