/* sandbox: parse → validate → launch → exit status.  The one place that
 * prints errors. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/error.h"
#include "base/glib-compat.h"
#include "enter/client.h"
#include "enter/registry.h"
#include "monitor/confinement.h"
#include "monitor/launch.h"
#include "monitor/status.h"
#include "monitor/signals.h"
#include "plan/plan.h"
#include "confine/seccomp-programs.h"

typedef struct {
  const char *prefix;     /* "sandbox" or "bwrap" */
  gboolean level_prefix;  /* --level-prefix: syslog levels for journald */
} Output;

/* Not g_printerr: it converts to the locale's charset, and paths are bytes. */
static void
print_message (const Output *out, const char *level, const char *message)
{
  fprintf (stderr, "%s%s: %s\n", out->level_prefix ? level : "", out->prefix, message);
}

static int
fail (const Output *out, const GError *error)
{
  print_message (out, "<3>", error->message);
  return 1;
}

/* Errors before the parser ran get the level prefix too if it was asked
 * for on the command line itself. */
static gboolean
argv_has_level_prefix (int argc, char **argv)
{
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--level-prefix") == 0)
      return TRUE;
  return FALSE;
}

/* Setuid installs of bubblewrap were a source of privilege escalations
 * (CVE-2016-8659, CVE-2020-5291).  We need no privileges: refuse them. */
static gboolean
refuse_privileged_install (GError **error)
{
  struct stat st;

  if (getuid () != geteuid () || getgid () != getegid ()
      || (stat ("/proc/self/exe", &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)) != 0))
    return sb_throw (error, SB_ERROR_SETUP,
                     "refusing to run setuid or setgid: this tool needs no privileges "
                     "(chmod u-s,g-s the binary)");
  if (getxattr ("/proc/self/exe", "security.capability", NULL, 0) >= 0)
    return sb_throw (error, SB_ERROR_SETUP,
                     "refusing to run with file capabilities: this tool needs no privileges "
                     "(setcap -r the binary)");
  return TRUE;
}

/* --help, --version, --seccomp-print: a reader that got a truncated text
 * (a full disk, a closed pipe) must not see success. */
static int
print_to_stdout (const Output *out, const char *text)
{
  g_autoptr(GError) error = NULL;

  fputs (text, stdout);
  if (fflush (stdout) == 0 && !ferror (stdout))
    return 0;
  sb_throw_errno (&error, "writing to standard output");
  return fail (out, error);
}

/* bwrap without SELinux refuses labels rather than ignore them; so do we. */
static gboolean
check_labels (const SbPlan *plan, GError **error)
{
  if (plan->exec_label == NULL && plan->file_label == NULL)
    return TRUE;
  if (access ("/sys/fs/selinux/enforce", F_OK) != 0)
    return sb_throw (error, SB_ERROR_INVALID, "labeling not supported on this system");
  return TRUE;
}

/* Before a command that runs without namespaces. */
static void
print_notice (const char *notice, gpointer data)
{
  print_message (data, "<4>", notice);
}

/* The launch, the note on a limit that ended the command (bwrap says
 * nothing of its own after the command ran), and the death of the signal
 * that killed the command where the caller expects it. */
static gboolean
launch (const Output *out, const SbPlan *plan, SbSeccompSet *filters, int *status, GError **error)
{
  g_autofree char *note = NULL;
  SbExitStatus exit_status = { .code = 1 };

  if (!sb_confinement_run (plan, filters, print_notice, (gpointer) out, &exit_status, &note, error))
    return FALSE;
  if (note != NULL && plan->personality == SB_PERSONALITY_SANDBOX)
    print_message (out, "<5>", note);
  if (exit_status.signal != 0)
    sb_signals_die_of (exit_status.signal);
  *status = exit_status.code;
  return TRUE;
}

static int
run (const Output *out, const SbPlan *plan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbSeccompSet) filters = NULL;
  int status = 1;

  if (!sb_plan_validate (plan, &error))
    return fail (out, error);
  if (plan->seccomp_print)
    {
      g_autofree char *text = sb_seccomp_describe (plan, &error);
      if (text == NULL)
        return fail (out, error);
      return print_to_stdout (out, text);
    }
  if (!check_labels (plan, &error))
    return fail (out, error);
  filters = sb_seccomp_prepare (plan, &error);
  if (filters == NULL)
    return fail (out, error);
  if (!launch (out, plan, filters, &status, &error))
    return fail (out, error);
  return status;
}

/* `sandbox list [--json]`: the caller's named sandboxes. */
static int
list_sandboxes (const Output *out, const SbHostFacts *host, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  gboolean json = argc == 3 && strcmp (argv[2], "--json") == 0;

  if (argc > 3 || (argc == 3 && !json))
    {
      sb_throw (&error, SB_ERROR_USAGE, "list: unexpected argument %s (only --json)", argv[2]);
      return fail (out, error);
    }
  entries = sb_registry_list (host->runtime_dir, host->uid, &error);
  if (entries == NULL)
    return fail (out, error);
  if (json)
    g_string_append_c (text, '[');
  for (guint i = 0; i < entries->len; i++)
    {
      const SbRegistryEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *command = g_strjoinv (" ", entry->command);

      if (!json)
        {
          g_string_append_printf (text, "%s\t%d\t%d\t%" G_GINT64_FORMAT "\t%s\t%s\n", entry->name,
                                  (int) entry->pid, (int) entry->sandbox_pid, entry->started,
                                  entry->confinement, command);
          continue;
        }
      g_string_append (text, i > 0 ? ", {\"name\": " : "{\"name\": ");
      sb_status_json_escape (text, entry->name);
      g_string_append_printf (text, ", \"pid\": %d, \"sandbox-pid\": %d, \"started\": %"
                              G_GINT64_FORMAT ", \"confinement\": ", (int) entry->pid,
                              (int) entry->sandbox_pid, entry->started);
      sb_status_json_escape (text, entry->confinement);
      g_string_append (text, ", \"command\": [");
      for (guint k = 0; entry->command[k] != NULL; k++)
        {
          if (k > 0)
            g_string_append (text, ", ");
          sb_status_json_escape (text, entry->command[k]);
        }
      g_string_append (text, "]}");
    }
  if (json)
    g_string_append (text, "]\n");
  return print_to_stdout (out, text->str);
}

/* `sandbox enter NAME|PID [--] [COMMAND...]` and `sandbox kill NAME|PID
 * [SIGNAL]`: requests to the monitor of one of the caller's sandboxes. */
static int
enter_or_kill (const Output *out, const SbHostFacts *host, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbRegistryEntry) entry = NULL;
  g_autofd int connection = -1;
  gboolean kill_verb = strcmp (argv[1], "kill") == 0;
  int first = 3, status = 1, sig = SIGTERM;

  if (argc < 3)
    {
      sb_throw (&error, SB_ERROR_USAGE, "%s: which sandbox? (NAME or PID, see sandbox list)", argv[1]);
      return fail (out, error);
    }
  if (kill_verb && argc > 4)
    {
      sb_throw (&error, SB_ERROR_USAGE, "kill: unexpected argument %s", argv[4]);
      return fail (out, error);
    }
  if (kill_verb && argc == 4 && !sb_cli_read_signal (argv[3], &sig))
    {
      sb_throw (&error, SB_ERROR_USAGE, "kill: %s is not a signal (a number or a name: TERM, KILL...)",
                argv[3]);
      return fail (out, error);
    }
  entry = sb_registry_find (host->runtime_dir, host->uid, argv[2], NULL, &error);
  if (entry == NULL)
    return fail (out, error);
  connection = sb_registry_connect (host->runtime_dir, host->uid, entry, &error);
  if (connection < 0)
    return fail (out, error);
  if (kill_verb)
    return sb_enter_signal_sandbox (connection, sig, &error) ? 0 : fail (out, error);
  if (first < argc && strcmp (argv[first], "--") == 0)
    first++;
  if (!sb_enter_command (connection, g_getenv ("TERM"), (const char *const *) argv + first, &status,
                         &error))
    return fail (out, error);
  return status;
}

int
main (int argc, char **argv)
{
  SbPersonality personality = sb_cli_personality_from_argv0 (argv[0]);
  Output out = {
    .prefix = personality == SB_PERSONALITY_BWRAP ? "bwrap" : "sandbox",
    .level_prefix = argv_has_level_prefix (argc, argv),
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = NULL;
  g_auto(SbHostFacts) host = { 0 };
  SbCliContext context;

  /* First, to know whether the caller is already gone by the time
   * --die-with-parent is seen. */
  sb_host_facts_gather (&host);
  if (!refuse_privileged_install (&error))
    return fail (&out, error);

  /* Verbs: the sandbox personality's, first argument only. */
  if (personality == SB_PERSONALITY_SANDBOX && argc >= 2 && strcmp (argv[1], "list") == 0)
    return list_sandboxes (&out, &host, argc, argv);
  if (personality == SB_PERSONALITY_SANDBOX && argc >= 2
      && (strcmp (argv[1], "enter") == 0 || strcmp (argv[1], "kill") == 0))
    return enter_or_kill (&out, &host, argc, argv);

  /* The context borrows host's strings. */
  context = (SbCliContext) {
    .personality = personality,
    .envp = (const char *const *) environ,
    .host = host,
    .explain_no_command = personality == SB_PERSONALITY_SANDBOX,
  };
  plan = sb_cli_parse (&context, argc, (const char *const *) argv, &error);
  if (plan == NULL)
    return fail (&out, error);
  out.level_prefix = plan->level_prefix;
  /* Before the slower steps (policy compilation): no window in which the
   * caller dies unnoticed. */
  if (plan->die_with_parent && !sb_launch_arm_parent_death (plan->host.parent, &error))
    return fail (&out, error);

  for (guint i = 0; i < plan->warnings->len; i++)
    print_message (&out, "<4>", g_ptr_array_index (plan->warnings, i));

  if (plan->show_help || plan->show_version)
    {
      g_autofree char *text = plan->show_help ? sb_cli_usage (personality, argv[0])
                                              : sb_cli_version (personality);
      return print_to_stdout (&out, text);
    }
  if (!plan->seccomp_print && (plan->command == NULL || plan->command[0] == NULL))
    {
      g_autofree char *usage = sb_cli_usage (personality, argv[0]);
      fputs (usage, stderr);
      return 1;
    }
  return run (&out, plan);
}
