/* The parser engine: walks argv (with --args content spliced in place),
 * dispatches to the option table, applies the implied settings.  It reads
 * --args fds and nothing else. */
#include "cli/options.h"

#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/values.h"
#include "base/error.h"
#include "base/glib-compat.h"

#define BWRAP_COMPATIBLE_VERSION "0.11.1"

/* --help puts the text of each option at this column, as bwrap does. */
#define HELP_INDENT 4
#define HELP_NAME_WIDTH 29

#define DANGLING_OVERLAY_SRC \
  "--overlay-src must be followed by another --overlay-src or one of " \
  "--overlay, --tmp-overlay, or --ro-overlay"

SbPersonality
sb_cli_personality_from_argv0 (const char *argv0)
{
  g_autofree char *base = argv0 != NULL ? g_path_get_basename (argv0) : NULL;

  return g_strcmp0 (base, "bwrap") == 0 ? SB_PERSONALITY_BWRAP : SB_PERSONALITY_SANDBOX;
}

char *
sb_cli_version (SbPersonality personality)
{
  if (personality == SB_PERSONALITY_BWRAP)
    return g_strdup ("bubblewrap " BWRAP_COMPATIBLE_VERSION "\n");
  return g_strdup ("sandbox " SANDBOX_VERSION
                   " (bubblewrap " BWRAP_COMPATIBLE_VERSION " compatible)\n");
}

char *
sb_cli_usage (SbPersonality personality, const char *program_name)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "usage: %s [OPTIONS...] [--] COMMAND [ARGS...]\n\n",
                          program_name);
  for (const SbCliOption *option = sb_cli_options; option->name != NULL; option++)
    {
      g_autofree char *left = option->metavar != NULL
                                ? g_strconcat (option->name, " ", option->metavar, NULL)
                                : g_strdup (option->name);
      g_auto(GStrv) lines = g_strsplit (option->help, "\n", -1);

      if (strlen (left) >= HELP_NAME_WIDTH)
        g_string_append_printf (out, "%*s%s\n%*s", HELP_INDENT, "", left,
                                HELP_INDENT + HELP_NAME_WIDTH, "");
      else
        g_string_append_printf (out, "%*s%-*s", HELP_INDENT, "", HELP_NAME_WIDTH, left);
      for (guint i = 0; lines[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_printf (out, "%*s", HELP_INDENT + HELP_NAME_WIDTH, "");
          g_string_append_printf (out, "%s\n", lines[i]);
        }
    }
  return g_string_free (out, FALSE);
}

/* Replaces the "--args FD" at parser->current with the arguments read from
 * FD: they are parsed next, in place. */
static gboolean
splice_args (SbCliParser *parser, const SbCliOption *option, const char *fd_text, GError **error)
{
  g_autofd int fd = -1;
  g_autoptr(GPtrArray) data = NULL;

  if (parser->current < parser->file_end)
    return sb_throw (error, SB_ERROR_USAGE, "--args not supported in arguments file");
  if (!sb_cli_read_fd (parser, option, fd_text, &fd, error))
    return FALSE;
  /* Read, then closed as bwrap does: the data fd must not reach the command. */
  data = sb_args_read (fd, error);
  if (data == NULL)
    return FALSE;
  parser->total_args += data->len;
  if (parser->total_args > SB_CLI_MAX_ARGS)
    return sb_throw (error, SB_ERROR_USAGE, "Exceeded maximum number of arguments %u",
                     SB_CLI_MAX_ARGS);

  g_ptr_array_remove_range (parser->args, parser->current, 2);
  for (guint i = 0; i < data->len; i++)
    g_ptr_array_insert (parser->args, parser->current + i, data->pdata[i]);
  parser->pos = parser->current;
  parser->file_end = parser->current + data->len;
  g_ptr_array_add (parser->args_data, g_steal_pointer (&data));
  return TRUE;
}

static gboolean
check_arity (const SbCliParser *parser, const SbCliOption *option, GError **error)
{
  /* An option's values come from the same place as the option: an --args
   * file cannot leave them to the command line. */
  guint limit = parser->pos < parser->file_end ? parser->file_end : parser->args->len;
  static const char *const counts[] = { NULL, "an argument", "two arguments", "three arguments" };

  if (parser->pos + option->n_values < limit)
    return TRUE;
  return sb_throw (error, SB_ERROR_USAGE, "%s takes %s", option->name,
                   (option->flags & SB_CLI_SAYS_ONE) ? "one argument" : counts[option->n_values]);
}

/* --perms, --size and --overlay-src apply to the next option only: it must be
 * one that uses them. */
static gboolean
check_modifiers (const SbCliParser *parser, const SbCliOption *option, GError **error)
{
  if (option->flags & (SB_CLI_MODIFIER | SB_CLI_TRANSPARENT))
    return TRUE;
  if (parser->next_perms >= 0 && !(option->flags & SB_CLI_USES_PERMS))
    return sb_throw (error, SB_ERROR_USAGE,
                     "--perms must be followed by an option that creates a file");
  if (parser->next_size > 0 && !(option->flags & SB_CLI_USES_SIZE))
    return sb_throw (error, SB_ERROR_USAGE, "--size must be followed by --tmpfs");
  if (parser->overlay_sources->len > 0 && !(option->flags & SB_CLI_USES_LAYERS))
    return sb_throw (error, SB_ERROR_USAGE, DANGLING_OVERLAY_SRC);
  return TRUE;
}

/* "--ro-bind=/usr": bwrap's options take their values as separate
 * arguments; ours says so. */
static gboolean
throw_unknown_option (const SbCliParser *parser, const char *arg, GError **error)
{
  const char *equals = strchr (arg, '=');
  g_autofree char *name = equals != NULL ? g_strndup (arg, equals - arg) : NULL;
  const SbCliOption *meant = name != NULL ? sb_cli_option_lookup (name) : NULL;

  if (parser->context->personality == SB_PERSONALITY_BWRAP || meant == NULL)
    return sb_throw (error, SB_ERROR_USAGE, "Unknown option %s", arg);
  if (meant->metavar == NULL)
    return sb_throw (error, SB_ERROR_USAGE, "Unknown option %s: %s takes no value", arg,
                     meant->name);
  return sb_throw (error, SB_ERROR_USAGE,
                   "Unknown option %s: write \"%s %s\", each value a separate argument", arg,
                   meant->name, meant->metavar);
}

/* Under the sandbox personality, a missing COMMAND is one line saying what
 * the last argument was taken for: usually the command was eaten as an
 * option's value (`--bind /usr sh`). */
static gboolean
throw_no_command (const SbCliParser *parser, const char *program, GError **error)
{
  g_autofree char *base = g_path_get_basename (program);
  const SbCliOption *last = parser->last_option;

  if (last == NULL)
    return sb_throw (error, SB_ERROR_USAGE,
                     "no COMMAND given: usage: %s [OPTIONS...] [--] COMMAND [ARGS...] "
                     "(%s --help lists the options)", base, base);
  if (parser->last_value != NULL)
    {
      const char *metavar = strrchr (last->metavar, ' ');

      return sb_throw (error, SB_ERROR_USAGE,
                       "no COMMAND after the options (\"%s\" was taken as the %s of %s); "
                       "%s --help lists the options", parser->last_value,
                       metavar != NULL ? metavar + 1 : last->metavar, last->name, base);
    }
  return sb_throw (error, SB_ERROR_USAGE,
                   "no COMMAND after the options (the last one is %s); "
                   "%s --help lists the options", last->name, base);
}

static gboolean
parse_options (SbCliParser *parser, GError **error)
{
  while (parser->pos < parser->args->len && !parser->stop)
    {
      const char *arg = parser->args->pdata[parser->pos];
      const SbCliOption *option;
      const char *const *values;

      if (parser->pos < parser->file_end && (arg[0] != '-' || strcmp (arg, "--") == 0))
        {
          /* bwrap stops reading an --args file there and drops the rest of
           * it: the command comes from the command line only. */
          g_ptr_array_remove_range (parser->args, parser->pos, parser->file_end - parser->pos);
          parser->file_end = parser->pos;
          continue;
        }
      if (strcmp (arg, "--") == 0)
        {
          parser->pos++;
          return TRUE;
        }
      if (arg[0] != '-')
        return TRUE;
      option = sb_cli_option_lookup (arg);
      if (option == NULL)
        return throw_unknown_option (parser, arg, error);
      if (!check_arity (parser, option, error) || !check_modifiers (parser, option, error))
        return FALSE;
      parser->current = parser->pos;
      parser->pos += 1 + option->n_values;
      values = (const char *const *) &parser->args->pdata[parser->current + 1];
      if ((option->flags & SB_CLI_ARGS_FILE) ? !splice_args (parser, option, values[0], error)
                                             : !option->handler (parser, option, values, error))
        return FALSE;
      if (!(option->flags & SB_CLI_ARGS_FILE))
        {
          parser->last_option = option;
          parser->last_value = option->n_values > 0 ? values[option->n_values - 1] : NULL;
        }
    }
  return TRUE;
}

/* What the options imply once they are all known. */
static gboolean
apply_implied (SbCliParser *parser, GError **error)
{
  SbPlan *plan = parser->plan;
  const SbCliContext *context = parser->context;

  if (parser->overlay_sources->len > 0)
    return sb_throw (error, SB_ERROR_USAGE, DANGLING_OVERLAY_SRC);

  /* Joining a user namespace replaces the one the defaults would create. */
  if (plan->userns_fd >= 0 && !parser->user_ns_explicit)
    {
      plan->unshare &= ~SB_NS_USER;
      plan->unshare_try &= ~SB_NS_USER;
    }
  /* Maps beyond one id need a user namespace of ours, and put the command
   * at 0 unless --uid/--gid say otherwise, as podman does. */
  if (sb_idmapping_wanted (&plan->idmapping) && plan->userns_fd < 0)
    {
      plan->unshare |= SB_NS_USER;
      plan->unshare_try &= ~SB_NS_USER;
      if (plan->uid < 0)
        plan->uid = 0;
      if (plan->gid < 0)
        plan->gid = 0;
    }
  /* bwrap checks these two before it implies the user namespace below: they
   * need --unshare-user on the command line, "-try" or implied is not enough. */
  if ((plan->unshare & ~plan->unshare_try & SB_NS_USER) == 0)
    {
      if (plan->disable_userns)
        return sb_throw (error, SB_ERROR_USAGE, "--disable-userns requires --unshare-user");
      if (plan->userns_block_fd >= 0)
        return sb_throw (error, SB_ERROR_USAGE, "--userns-block-fd requires --unshare-user");
    }
  /* Without privileges, nothing else works (bwrap does the same). */
  if (context->host.uid != 0 && plan->userns_fd < 0)
    {
      plan->unshare |= SB_NS_USER;
      plan->unshare_try &= ~SB_NS_USER;
    }
  /* bwrap only requires a user namespace for an id other than the caller's. */
  if ((plan->unshare & SB_NS_USER) == 0 && plan->userns_fd < 0)
    {
      if (plan->uid == (gint64) context->host.uid)
        plan->uid = -1;
      if (plan->gid == (gint64) context->host.gid)
        plan->gid = -1;
    }

  /* The caller's filter replaces our default policy unless asked for both. */
  if ((plan->seccomp_fd >= 0 || plan->seccomp_fds->len > 0) && !parser->seccomp_profile_explicit)
    plan->seccomp_profile = SB_SECCOMP_PROFILE_NONE;

  if (plan->disable_userns)
    {
      if (parser->allow_nesting_explicit)
        return sb_throw (error, SB_ERROR_USAGE,
                         "--allow-nesting cannot be combined with --disable-userns");
      plan->allow_nesting = false;
    }
  return TRUE;
}

/* Errors echo arguments; a newline or an escape sequence in one must not
 * turn the one-line message into several lines or terminal commands. */
static void
escape_controls (GError *error)
{
  GString *escaped;

  if (error == NULL)
    return;
  escaped = g_string_new (NULL);
  for (const char *c = error->message; *c != '\0'; c++)
    {
      if ((guchar) *c < 0x20 || *c == 0x7f)
        g_string_append_printf (escaped, "\\x%02x", (guchar) *c);
      else
        g_string_append_c (escaped, *c);
    }
  g_free (error->message);
  error->message = g_string_free (escaped, FALSE);
}

static void
parser_clear (SbCliParser *parser)
{
  g_clear_pointer (&parser->args, g_ptr_array_unref);
  g_clear_pointer (&parser->args_data, g_ptr_array_unref);
  g_clear_pointer (&parser->overlay_sources, g_ptr_array_unref);
}

SbPlan *
sb_cli_parse (const SbCliContext *context, int argc, const char *const *argv, GError **error)
{
  g_autoptr(SbPlan) plan = sb_plan_new (context->personality);
  SbCliParser parser = {
    .context = context,
    .plan = plan,
    .args = g_ptr_array_new (),
    .args_data = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref),
    .total_args = argc > 0 ? (guint) argc - 1 : 0,
    .next_perms = -1,
    .overlay_sources = g_ptr_array_new_with_free_func (g_free),
  };
  gboolean ok;

  sb_host_facts_copy (&plan->host, &context->host);
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (parser.args, (gpointer) argv[i]);
  g_strfreev (plan->envp);
  plan->envp = context->envp != NULL ? g_strdupv ((char **) context->envp) : g_new0 (char *, 1);

  if (parser.total_args > SB_CLI_MAX_ARGS)
    ok = sb_throw (error, SB_ERROR_USAGE, "Exceeded maximum number of arguments %u",
                   SB_CLI_MAX_ARGS);
  else
    ok = parse_options (&parser, error) && (parser.stop || apply_implied (&parser, error));

  if (ok && !parser.stop && parser.pos >= parser.args->len && !plan->seccomp_print
      && context->explain_no_command)
    ok = throw_no_command (&parser, argc > 0 ? argv[0] : "sandbox", error);
  if (ok && !parser.stop && parser.pos < parser.args->len)
    {
      guint n = parser.args->len - parser.pos;

      plan->command = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        plan->command[i] = g_strdup (parser.args->pdata[parser.pos + i]);
    }
  parser_clear (&parser);
  if (!ok)
    {
      escape_controls (error != NULL ? *error : NULL);
      return NULL;
    }
  return g_steal_pointer (&plan);
}
