#include "exec.h"

#include <errno.h>
#include <unistd.h>

#include "diag.h"
#include "error.h"

char **
sb_exec_enter_cwd (const SbPlan *plan, const char *old_cwd, GError **error)
{
  const char *cwd = "/";
  const char *home = g_environ_getenv (plan->envp, "HOME");

  if (plan->chdir_path != NULL)
    {
      if (chdir (plan->chdir_path) != 0)
        {
          sb_throw_errno (error, "Can't chdir to %s", plan->chdir_path);
          return NULL;
        }
      cwd = plan->chdir_path;
    }
  else if (old_cwd != NULL && chdir (old_cwd) == 0)
    cwd = old_cwd;
  else if (home != NULL && chdir (home) == 0)
    cwd = home;

  return g_environ_setenv (g_strdupv (plan->envp), "PWD", cwd, TRUE);
}

void
sb_exec_command (const SbPlan *plan, char **envp, GError **error)
{
  const char *program = plan->command[0];
  g_autofree char **argv = g_memdup2 (plan->command,
                                      sizeof (char *) * (g_strv_length (plan->command) + 1));
  g_autofree char *message = NULL;
  int errsv;

  if (plan->argv0 != NULL)
    argv[0] = plan->argv0;

  /* execvp searches the PATH of environ: make it the sandbox's. */
  environ = envp;
  execvp (program, argv);
  errsv = errno;

  /* Callers of bwrap match its exact text: the explanation is ours alone. */
  if (plan->personality == SB_PERSONALITY_BWRAP)
    message = g_strdup_printf ("execvp %s: %s", program, g_strerror (errsv));
  else
    message = sb_diag_exec_failure (program, g_environ_getenv (envp, "PATH"), errsv);
  g_set_error_literal (error, SB_ERRNO_ERROR, errsv, message);
}
