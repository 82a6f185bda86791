/* sandbox-scope NAME.scope PID: moves PID (the tool, which runs this
 * helper from cgroup.c) into a new transient scope of the caller's systemd
 * user instance, delegated to the caller (scope.h).  Exits 0 once PID is
 * there; otherwise prints the one-line reason on stderr, for the tool's
 * refusal, and exits 1.  A helper of its own because the tool is linked
 * statically without GIO (scope.h says why). */
#include "cgroup/scope.h"

/* For the reply and again for the job: systemd answers in milliseconds;
 * a manager that hangs must not hang the tool. */
#define TIMEOUT_MS 10000

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  const char *manager = NULL;
  guint64 pid;

  if (argc != 3 || !g_str_has_suffix (argv[1], ".scope")
      || !g_ascii_string_to_unsigned (argv[2], 10, 1, G_MAXINT, &pid, NULL))
    {
      g_printerr ("usage: sandbox-scope NAME.scope PID\n");
      return 2;
    }
  connection = sb_scope_connect (&manager, &error);
  if (connection == NULL
      || !sb_scope_start (connection, manager, argv[1], (pid_t) pid, TIMEOUT_MS, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  return 0;
}
