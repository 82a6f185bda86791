#include "sandbox/exec.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/diag.h"
#include "base/error.h"

static void
add_dir (SbExecPrep *prep, const char *dir)
{
  prep->dirs[prep->n_dirs] = dir;
  prep->pwd_entries[prep->n_dirs] = g_strconcat ("PWD=", dir, NULL);
  prep->n_dirs++;
}

void
sb_exec_prepare (SbExecPrep *prep, const SbPlan *plan)
{
  const char *home = g_environ_getenv (plan->envp, "HOME");
  guint n;

  memset (prep, 0, sizeof *prep);
  prep->argv = g_memdup2 (plan->command, sizeof (char *) * (g_strv_length (plan->command) + 1));
  if (plan->argv0 != NULL)
    prep->argv[0] = plan->argv0;

  if (plan->chdir_path != NULL)
    {
      add_dir (prep, plan->chdir_path);
      prep->dir_required = TRUE;
      prep->dir_failure = plan->personality == SB_PERSONALITY_BWRAP ? "" : "--chdir: ";
    }
  else
    {
      if (plan->host.cwd != NULL)
        add_dir (prep, plan->host.cwd);
      if (home != NULL)
        add_dir (prep, home);
      /* Where the sandbox starts: no chdir needed. */
      add_dir (prep, "/");
    }

  /* The plan's strings, with the PWD entry in place of the first one or
   * appended. */
  n = g_strv_length (plan->envp);
  prep->envp = g_new0 (char *, n + 2);
  prep->pwd = n;
  for (guint i = 0; i < n; i++)
    {
      prep->envp[i] = plan->envp[i];
      if (prep->pwd == n && g_str_has_prefix (plan->envp[i], "PWD="))
        prep->pwd = i;
    }
  prep->envp[prep->pwd] = prep->pwd_entries[0];
}

void
sb_exec_prep_clear (SbExecPrep *prep)
{
  g_free (prep->envp);
  for (guint i = 0; i < prep->n_dirs; i++)
    g_free (prep->pwd_entries[i]);
  g_free (prep->argv);
  memset (prep, 0, sizeof *prep);
}

gboolean
sb_exec_enter_cwd (SbExecPrep *prep, GError **error)
{
  for (guint i = 0; i < prep->n_dirs; i++)
    {
      gboolean last = i + 1 == prep->n_dirs;

      if ((last && !prep->dir_required) || chdir (prep->dirs[i]) == 0)
        {
          prep->envp[prep->pwd] = prep->pwd_entries[i];
          return TRUE;
        }
    }
  return sb_throw_errno (error, "%sCan't chdir to %s", prep->dir_failure, prep->dirs[0]);
}

void
sb_exec_command (const SbPlan *plan, const SbExecPrep *prep, GError **error)
{
  const char *program = plan->command[0];
  char **envp = prep->envp;
  g_autofree char *message = NULL;
  int errsv;

  /* execvp searches the PATH of environ: make it the sandbox's. */
  environ = envp;
  execvp (program, prep->argv);
  errsv = errno;

  /* Callers of bwrap match its exact text: the explanation is ours alone. */
  if (plan->personality == SB_PERSONALITY_BWRAP)
    message = g_strdup_printf ("execvp %s: %s", program, g_strerror (errsv));
  else
    message = sb_diag_exec_failure (program, g_environ_getenv (envp, "PATH"), errsv);
  g_set_error_literal (error, SB_ERRNO_ERROR, errsv, message);
}
