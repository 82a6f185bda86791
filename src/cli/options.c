/* The option table: every option declared once, with the handler that
 * records it in the plan.  Handlers only record; parse.c drives the parse. */
#include "cli/options.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "base/error.h"
#include "cli/values.h"
#include "plan/sysctls.h"

#define NS_TRY (1u << 16)
#define OP(kind, flags) ((kind) | ((flags) << 8))

/* Called when a single-valued option is given again. */
static void
warn_last (SbCliParser *parser, const SbCliOption *option)
{
  if (option->flags & SB_CLI_WARN_LAST)
    g_ptr_array_add (parser->plan->warnings,
                     g_strdup_printf ("Only the last %s option will take effect", option->name));
}

char *
sb_cli_canonical_dest (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  g_autofree char *joined = NULL;

  for (char **part = parts; *part != NULL; part++)
    {
      if (**part == '\0' || strcmp (*part, ".") == 0)
        continue;
      if (strcmp (*part, "..") == 0)
        {
          /* ".." of the root is the root, as in the kernel's lookup. */
          if (kept->len > 0)
            g_ptr_array_remove_index (kept, kept->len - 1);
          continue;
        }
      g_ptr_array_add (kept, *part);
    }
  g_ptr_array_add (kept, NULL);
  joined = g_strjoinv ("/", (char **) kept->pdata);
  return g_strconcat ("/", joined, NULL);
}

/* Relative host paths are made absolute against the caller's cwd, dropping
 * "." and empty components on the way.  ".." stays: resolving it lexically
 * would be wrong across host symlinks.  Absolute paths stay as typed. */
static char *
host_path (const SbCliParser *parser, const char *path)
{
  g_autofree char *joined = NULL;
  g_auto(GStrv) parts = NULL;
  GString *out;

  if (path[0] == '/' || parser->context->host.cwd == NULL)
    return g_strdup (path);
  joined = g_strconcat (parser->context->host.cwd, "/", path, NULL);
  parts = g_strsplit (joined, "/", -1);
  out = g_string_new (NULL);
  for (char **part = parts; *part != NULL; part++)
    if (**part != '\0' && strcmp (*part, ".") != 0)
      g_string_append_printf (out, "/%s", *part);
  if (out->len == 0 || g_str_has_suffix (path, "/"))
    g_string_append_c (out, '/');
  return g_string_free (out, FALSE);
}

static gboolean
check_source (const SbCliOption *option, const char *path, GError **error)
{
  if (*path == '\0')
    return sb_throw (error, SB_ERROR_USAGE, "%s: the source path is empty", option->name);
  return TRUE;
}

static SbMountOp *
add_op (SbCliParser *parser, const SbCliOption *option, SbOpKind kind, SbOpFlags flags,
        const char *dest)
{
  SbMountOp op = {
    .kind = kind,
    .flags = flags,
    .option = option->name,
    .dest = sb_cli_canonical_dest (dest),
    .fd = -1,
    .mode = SB_MODE_UNSET,
  };

  /* parse.c refused a pending modifier before any option that does not use it. */
  if (parser->next_perms >= 0)
    op.mode = (guint32) parser->next_perms;
  op.size = parser->next_size;
  parser->next_perms = -1;
  parser->next_size = 0;
  return sb_plan_add_op (parser->plan, &op);
}

static gboolean
handle_help (SbCliParser *parser, const SbCliOption *option, const char *const *values,
             GError **error)
{
  parser->plan->show_help = true;
  parser->stop = true;
  return TRUE;
}

static gboolean
handle_version (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                GError **error)
{
  parser->plan->show_version = true;
  parser->stop = true;
  return TRUE;
}

static gboolean
handle_argv0 (SbCliParser *parser, const SbCliOption *option, const char *const *values,
              GError **error)
{
  if (parser->plan->argv0 != NULL)
    return sb_throw (error, SB_ERROR_USAGE, "--argv0 used multiple times");
  parser->plan->argv0 = g_strdup (values[0]);
  return TRUE;
}

/* The stores behind the typed setters below: each takes a pointer to a Plan
 * field of its own type. */
static gboolean
store_flag (SbCliParser *parser, const SbCliOption *option, const char *const *values,
            bool *field, GError **error)
{
  *field = true;
  return TRUE;
}

static gboolean
handle_allow_nesting (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                      GError **error)
{
  parser->plan->allow_nesting = true;
  parser->allow_nesting_explicit = true;
  return TRUE;
}

/* bwrap keeps "-try" and the definite request as two flags, the definite
 * one winning whatever the order; unshare_try is the "-try only" subset. */
static void
request_ns (SbCliParser *parser, SbNamespace ns, bool try_only)
{
  SbPlan *plan = parser->plan;

  if (!try_only)
    plan->unshare_try &= ~ns;
  else if ((plan->unshare & ns) == 0)
    plan->unshare_try |= ns;
  plan->unshare |= ns;
  if (ns & SB_NS_USER)
    parser->user_ns_explicit = true;
}

/* A definite request, unlike the defaults: confinement in place names it
 * when it refuses. */
static void
note_unshare_option (SbCliParser *parser, const SbCliOption *option)
{
  if (parser->plan->unshare_option == NULL)
    parser->plan->unshare_option = option->name;
}

static gboolean
handle_unshare (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                GError **error)
{
  request_ns (parser, option->data & (SB_NS_ALL | SB_NS_TIME), (option->data & NS_TRY) != 0);
  if ((option->data & NS_TRY) == 0)
    note_unshare_option (parser, option);
  return TRUE;
}

static gboolean
handle_unshare_all (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                    GError **error)
{
  note_unshare_option (parser, option);
  request_ns (parser, SB_NS_USER, true);
  request_ns (parser, SB_NS_IPC | SB_NS_PID | SB_NS_NET | SB_NS_UTS, false);
  request_ns (parser, SB_NS_CGROUP, true);
  return TRUE;
}

static gboolean
handle_share (SbCliParser *parser, const SbCliOption *option, const char *const *values,
              GError **error)
{
  parser->plan->unshare &= ~option->data;
  parser->plan->unshare_try &= ~option->data;
  return TRUE;
}

static gboolean
store_fd (SbCliParser *parser, const SbCliOption *option, const char *const *values,
          int *field, GError **error)
{
  int fd = -1;

  if (!sb_cli_read_fd (parser, option, values[0], &fd, error))
    return FALSE;
  if (*field != -1)
    warn_last (parser, option);
  *field = fd;
  return TRUE;
}

/* bwrap refuses mixing the two forms as soon as it sees the second one. */
static gboolean
handle_seccomp (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                GError **error)
{
  if (parser->plan->seccomp_fds->len > 0)
    return sb_throw (error, SB_ERROR_USAGE, "--seccomp cannot be combined with --add-seccomp-fd");
  return store_fd (parser, option, values, &parser->plan->seccomp_fd, error);
}

static gboolean
handle_add_seccomp_fd (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                       GError **error)
{
  int fd;

  if (parser->plan->seccomp_fd != -1)
    return sb_throw (error, SB_ERROR_USAGE, "--add-seccomp-fd cannot be combined with --seccomp");
  if (!sb_cli_read_fd (parser, option, values[0], &fd, error))
    return FALSE;
  g_array_append_val (parser->plan->seccomp_fds, fd);
  return TRUE;
}

/* --uid / --gid: bwrap's "Invalid uid: X" (after the option's name under
 * the sandbox personality).  (uid_t) -1 is no id. */
static gboolean
store_id (SbCliParser *parser, const SbCliOption *option, const char *const *values,
          gint64 *field, GError **error)
{
  guint64 id;

  if (!sb_cli_read_decimal (values[0], G_MAXUINT32 - 1, &id))
    return sb_cli_throw (parser, option, error, "Invalid %s: %s", option->name + 2, values[0]);
  if (*field != -1)
    warn_last (parser, option);
  *field = (gint64) id;
  return TRUE;
}

static gboolean
store_string (SbCliParser *parser, const SbCliOption *option, const char *const *values,
              char **field, GError **error)
{

  if (*field != NULL)
    warn_last (parser, option);
  g_free (*field);
  *field = g_strdup (values[0]);
  return TRUE;
}

/* Typed setters: one handler per Plan field, so that a field of the wrong
 * type for its option does not compile. */
#define SETTER(kind, field)                                                              \
  static gboolean set_##field (SbCliParser *parser, const SbCliOption *option,           \
                               const char *const *values, GError **error)                \
  {                                                                                      \
    return store_##kind (parser, option, values, &parser->plan->field, error);          \
  }

SETTER (flag, level_prefix)
SETTER (fd, userns_fd)
SETTER (fd, userns2_fd)
SETTER (flag, disable_userns)
SETTER (flag, assert_userns_disabled)
SETTER (fd, pidns_fd)
SETTER (id, uid)
SETTER (id, gid)
SETTER (string, chdir_path)
SETTER (fd, sync_fd)
SETTER (string, exec_label)
SETTER (string, file_label)
SETTER (flag, seccomp_log)
SETTER (flag, seccomp_print)
SETTER (fd, block_fd)
SETTER (fd, userns_block_fd)
SETTER (fd, info_fd)
SETTER (fd, json_status_fd)
SETTER (flag, new_session)
SETTER (flag, die_with_parent)
SETTER (flag, as_pid_1)
SETTER (flag, strict)
SETTER (flag, share_abstract_sockets)

/* The kernel's limit (HOST_NAME_MAX): past it sethostname fails only once
 * the sandbox is half built.  bwrap fails there; ours refuses now. */
#define KERNEL_HOSTNAME_MAX 64

static gboolean
set_hostname (SbCliParser *parser, const SbCliOption *option, const char *const *values,
              GError **error)
{
  if (strlen (values[0]) > KERNEL_HOSTNAME_MAX
      && parser->context->personality == SB_PERSONALITY_SANDBOX)
    return sb_cli_throw (parser, option, error, "%zu bytes is longer than the kernel's limit of %d",
                         strlen (values[0]), KERNEL_HOSTNAME_MAX);
  return store_string (parser, option, values, &parser->plan->hostname, error);
}

/* Names are file names in the registry (enter/registry.h), and typed
 * on command lines: nothing that needs quoting, no hidden ".name". */
#define SANDBOX_NAME_MAX 64

static gboolean
set_name (SbCliParser *parser, const SbCliOption *option, const char *const *values,
          GError **error)
{
  const char *name = values[0];
  size_t length = strlen (name);

  if (length == 0 || length > SANDBOX_NAME_MAX)
    return sb_cli_throw (parser, option, error, "a name has 1 to %d characters", SANDBOX_NAME_MAX);
  if (name[0] == '.' || name[0] == '-')
    return sb_cli_throw (parser, option, error, "'%s': a name starts with a letter, a digit or '_'",
                         name);
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return sb_cli_throw (parser, option, error,
                           "'%s': a name has only letters, digits, '.', '_' and '-'", name);
  return store_string (parser, option, values, &parser->plan->name, error);
}

/* The resource limits (sandbox only): their values are read by
 * plan/limits.c, whose messages name the option. */
static gboolean
handle_rlimit (SbCliParser *parser, const SbCliOption *option, const char *const *values,
               GError **error)
{
  return sb_limits_add_rlimit (&parser->plan->limits, values[0], error);
}

static gboolean
handle_memory (SbCliParser *parser, const SbCliOption *option, const char *const *values,
               GError **error)
{
  return sb_limits_parse_size (option->name, values[0], &parser->plan->limits.memory, error);
}

static gboolean
handle_pids (SbCliParser *parser, const SbCliOption *option, const char *const *values,
             GError **error)
{
  return sb_limits_parse_count (option->name, values[0], &parser->plan->limits.pids, error);
}

static gboolean
handle_cpus (SbCliParser *parser, const SbCliOption *option, const char *const *values,
             GError **error)
{
  return sb_limits_parse_cpus (option->name, values[0], &parser->plan->limits.cpu_quota_us,
                               error);
}

static gboolean
handle_timeout (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                GError **error)
{
  return sb_limits_parse_seconds (option->name, values[0], FALSE,
                                  &parser->plan->limits.timeout_us, error);
}

static gboolean
handle_kill_after (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                   GError **error)
{
  return sb_limits_parse_seconds (option->name, values[0], TRUE,
                                  &parser->plan->limits.kill_after_us, error);
}

static gboolean
handle_clearenv (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                 GError **error)
{
  g_strfreev (parser->plan->envp);
  parser->plan->envp = g_new0 (char *, 1);
  return TRUE;
}

/* setenv(3) refuses these names; bwrap reports its failure as "setenv
 * failed", and side-by-side tests compare that text. */
static gboolean
check_env_name (const SbCliParser *parser, const SbCliOption *option, const char *name,
                GError **error)
{
  if (*name != '\0' && strchr (name, '=') == NULL)
    return TRUE;
  if (parser->context->personality == SB_PERSONALITY_BWRAP)
    return sb_throw (error, SB_ERROR_USAGE, "%s failed", option->name + 2);
  return sb_cli_throw (parser, option, error,
                       "invalid variable name \"%s\" (it must be non-empty, without '=')", name);
}

static gboolean
handle_setenv (SbCliParser *parser, const SbCliOption *option, const char *const *values,
               GError **error)
{
  if (!check_env_name (parser, option, values[0], error))
    return FALSE;
  parser->plan->envp = g_environ_setenv (parser->plan->envp, values[0], values[1], TRUE);
  return TRUE;
}

static gboolean
handle_unsetenv (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                 GError **error)
{
  if (!check_env_name (parser, option, values[0], error))
    return FALSE;
  parser->plan->envp = g_environ_unsetenv (parser->plan->envp, values[0]);
  return TRUE;
}

static gboolean
handle_lock_file (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                  GError **error)
{
  g_ptr_array_add (parser->plan->lock_files, sb_cli_canonical_dest (values[0]));
  return TRUE;
}

static gboolean
handle_bind (SbCliParser *parser, const SbCliOption *option, const char *const *values,
             GError **error)
{
  SbOpFlags flags = option->data >> 8;
  const char *source = values[0];
  g_autofree char *host_source = NULL;
  SbMountOp *op;

  if (*source == '\0')
    {
      /* bwrap resolves "" to "/" for the -try forms (bwrap #715); callers
       * may rely on it.  Elsewhere it can only be a mistake. */
      if ((flags & SB_OP_FLAG_TRY) == 0)
        return check_source (option, source, error);
      source = "/";
    }
  /* The host path first, then the op: the value goes one way, into the Plan. */
  host_source = host_path (parser, source);
  op = add_op (parser, option, SB_OP_BIND, flags, values[1]);
  op->source = g_steal_pointer (&host_source);
  return TRUE;
}

/* Options of the form "DEST" or "FD DEST" that make one mount op. */
static gboolean
handle_dest_op (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                GError **error)
{
  int fd = -1;

  if (option->n_values == 2 && !sb_cli_read_fd (parser, option, values[0], &fd, error))
    return FALSE;
  add_op (parser, option, option->data & 0xff, option->data >> 8,
          values[option->n_values - 1])->fd = fd;
  return TRUE;
}

static gboolean
handle_symlink (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                GError **error)
{
  add_op (parser, option, SB_OP_SYMLINK, 0, values[1])->source = g_strdup (values[0]);
  return TRUE;
}

static gboolean
handle_chmod (SbCliParser *parser, const SbCliOption *option, const char *const *values,
              GError **error)
{
  guint32 mode;

  if (!sb_cli_read_octal (values[0], 07777, &mode))
    return sb_throw (error, SB_ERROR_USAGE, "--chmod takes an octal argument <= 07777");
  add_op (parser, option, SB_OP_CHMOD, 0, values[1])->mode = mode;
  return TRUE;
}

static gboolean
handle_overlay_src (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                    GError **error)
{
  if (!check_source (option, values[0], error))
    return FALSE;
  g_ptr_array_add (parser->overlay_sources, host_path (parser, values[0]));
  return TRUE;
}

static gboolean
handle_overlay (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                GError **error)
{
  SbOpKind kind = option->data & 0xff;
  guint needed = kind == SB_OP_RO_OVERLAY ? 2 : 1;
  SbMountOp *op;

  if (kind == SB_OP_OVERLAY
      && (!check_source (option, values[0], error) || !check_source (option, values[1], error)))
    return FALSE;
  if (parser->overlay_sources->len < needed)
    return sb_throw (error, SB_ERROR_USAGE, "%s requires at least %s --overlay-src",
                     option->name, needed == 2 ? "two" : "one");
  op = add_op (parser, option, kind, option->data >> 8, values[option->n_values - 1]);
  if (kind == SB_OP_OVERLAY)
    {
      op->source = host_path (parser, values[0]);
      op->overlay_workdir = host_path (parser, values[1]);
    }
  g_ptr_array_add (parser->overlay_sources, NULL);
  op->overlay_sources = (char **) g_ptr_array_steal (parser->overlay_sources, NULL);
  return TRUE;
}

static gboolean
handle_seccomp_profile (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                        GError **error)
{
  SbPlan *plan = parser->plan;

  if (*values[0] == '\0')
    return sb_throw (error, SB_ERROR_USAGE,
                     "--seccomp-profile takes default, none or the path of a policy file");
  if (parser->seccomp_profile_explicit)
    warn_last (parser, option);
  parser->seccomp_profile_explicit = true;
  g_clear_pointer (&plan->seccomp_profile_path, g_free);
  if (strcmp (values[0], "default") == 0)
    plan->seccomp_profile = SB_SECCOMP_PROFILE_DEFAULT;
  else if (strcmp (values[0], "none") == 0)
    plan->seccomp_profile = SB_SECCOMP_PROFILE_NONE;
  else
    {
      plan->seccomp_profile = SB_SECCOMP_PROFILE_FILE;
      plan->seccomp_profile_path = host_path (parser, values[0]);
    }
  return TRUE;
}

/* The --cap-add/--cap-drop sequence folds into two masks: the last option
 * naming a capability decides for it. */
static gboolean
handle_cap (SbCliParser *parser, const SbCliOption *option, const char *const *values,
            GError **error)
{
  SbCapChanges *caps = &parser->plan->caps;
  guint64 mask;

  if (g_ascii_strcasecmp (values[0], "ALL") == 0)
    mask = G_MAXUINT64;
  else
    {
      cap_value_t cap;

      if (cap_from_name (values[0], &cap) != 0 || cap < 0 || cap > 63)
        return parser->context->personality == SB_PERSONALITY_BWRAP
                 ? sb_throw (error, SB_ERROR_USAGE, "unknown cap: %s", values[0])
                 : sb_cli_throw (parser, option, error,
                                 "unknown capability \"%s\" (a name of capabilities(7), "
                                 "e.g. CAP_NET_BIND_SERVICE, or ALL)", values[0]);
      mask = G_GUINT64_CONSTANT (1) << cap;
    }
  if (option->data)
    {
      caps->add |= mask;
      caps->drop &= ~mask;
    }
  else
    {
      caps->drop |= mask;
      caps->add &= ~mask;
    }
  return TRUE;
}

/* --map-auto, --map-users, --map-groups: maps written from outside into a
 * user namespace of ours, which they therefore ask for (parse.c). */
static void
note_idmapping (SbCliParser *parser, const SbCliOption *option)
{
  if (parser->plan->idmapping.option == NULL)
    parser->plan->idmapping.option = option->name;
  note_unshare_option (parser, option);
}

static gboolean
handle_map_auto (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                 GError **error)
{
  parser->plan->idmapping.map_auto = true;
  note_idmapping (parser, option);
  return TRUE;
}

static gboolean
handle_map_ranges (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                   GError **error)
{
  SbIdMapping *mapping = &parser->plan->idmapping;

  note_idmapping (parser, option);
  return sb_idranges_parse (option->name, values[0], option->data ? mapping->groups
                                                                  : mapping->users, error);
}

/* --sysctl: written inside the sandbox's own namespaces, which confinement
 * in place does not have. */
static gboolean
handle_sysctl (SbCliParser *parser, const SbCliOption *option, const char *const *values,
               GError **error)
{
  note_unshare_option (parser, option);
  return sb_sysctl_parse (values[0], parser->plan->sysctls, error);
}

/* --monotonic-offset, --boottime-offset: offsets of a time namespace,
 * which they ask for. */
static gboolean
handle_time_offset (SbCliParser *parser, const SbCliOption *option, const char *const *values,
                    GError **error)
{
  SbTimeOffsets *offsets = &parser->plan->time_offsets;
  gboolean boottime = option->data != 0;

  if (!sb_time_offset_parse (option->name, values[0],
                             boottime ? &offsets->boottime_ns : &offsets->monotonic_ns, error))
    return FALSE;
  if (boottime ? offsets->has_boottime : offsets->has_monotonic)
    warn_last (parser, option);
  if (boottime)
    offsets->has_boottime = true;
  else
    offsets->has_monotonic = true;
  request_ns (parser, SB_NS_TIME, false);
  note_unshare_option (parser, option);
  return TRUE;
}

static gboolean
handle_perms (SbCliParser *parser, const SbCliOption *option, const char *const *values,
              GError **error)
{
  guint32 mode;

  if (parser->next_perms >= 0)
    return sb_throw (error, SB_ERROR_USAGE, "--perms given twice for the same action");
  if (!sb_cli_read_octal (values[0], 07777, &mode))
    return sb_throw (error, SB_ERROR_USAGE, "--perms takes an octal argument <= 07777");
  parser->next_perms = mode;
  return TRUE;
}

static gboolean
handle_size (SbCliParser *parser, const SbCliOption *option, const char *const *values,
             GError **error)
{
  const char *text = values[0];
  guint64 size;
  char *end;

  if (parser->next_size > 0)
    return sb_throw (error, SB_ERROR_USAGE, "--size given twice for the same action");
  /* bwrap reads it with strtoull base 0, so 0x10 is 16; no sign, no blanks. */
  errno = 0;
  size = g_ascii_isdigit (text[0]) ? g_ascii_strtoull (text, &end, 0) : 0;
  if (size == 0 || errno != 0 || *end != '\0')
    return sb_throw (error, SB_ERROR_USAGE, "--size takes a non-zero number of bytes");
  if (size > SIZE_MAX / 2)
    return sb_throw (error, SB_ERROR_USAGE, "--size (for tmpfs) is limited to %zu",
                     (size_t) (SIZE_MAX / 2));
  parser->next_size = size;
  return TRUE;
}

/* Metavars and help texts are what --help prints; callers grep it for
 * option names, so every option is listed, ours included. */
const SbCliOption sb_cli_options[] = {
  { "--help", 0, NULL, "Print this help", handle_help, 0, SB_CLI_TRANSPARENT },
  { "--version", 0, NULL, "Print version", handle_version, 0, SB_CLI_TRANSPARENT },
  { "--args", 1, "FD", "Parse NUL-separated args from FD", NULL, 0, SB_CLI_TRANSPARENT | SB_CLI_ARGS_FILE },
  { "--argv0", 1, "VALUE", "Set argv[0] to the value VALUE before running the program",
    handle_argv0, 0, SB_CLI_SAYS_ONE },
  { "--level-prefix", 0, NULL, "Prepend e.g. <3> to diagnostic messages",
    set_level_prefix, 0, 0 },
  { "--unshare-all", 0, NULL, "Unshare every namespace we support by default",
    handle_unshare_all, 0, 0 },
  { "--share-net", 0, NULL, "Retain the network namespace (cancels --unshare-net, --unshare-all)",
    handle_share, SB_NS_NET, 0 },
  { "--share-ipc", 0, NULL, "Retain the ipc namespace (cancels --unshare-ipc, --unshare-all)",
    handle_share, SB_NS_IPC, 0 },
  { "--share-pid", 0, NULL, "Retain the pid namespace (cancels --unshare-pid, --unshare-all)",
    handle_share, SB_NS_PID, 0 },
  { "--share-uts", 0, NULL, "Retain the uts namespace (cancels --unshare-uts, --unshare-all)",
    handle_share, SB_NS_UTS, 0 },
  { "--share-cgroup", 0, NULL,
    "Retain the cgroup namespace (cancels --unshare-cgroup[-try], --unshare-all)",
    handle_share, SB_NS_CGROUP, 0 },
  { "--unshare-user", 0, NULL, "Create new user namespace (implied when not run by root)",
    handle_unshare, SB_NS_USER, 0 },
  { "--unshare-user-try", 0, NULL,
    "Create new user namespace if possible else continue by skipping it",
    handle_unshare, SB_NS_USER | NS_TRY, 0 },
  { "--unshare-ipc", 0, NULL, "Create new ipc namespace", handle_unshare, SB_NS_IPC, 0 },
  { "--unshare-pid", 0, NULL, "Create new pid namespace", handle_unshare, SB_NS_PID, 0 },
  { "--unshare-net", 0, NULL, "Create new network namespace", handle_unshare, SB_NS_NET, 0 },
  { "--unshare-uts", 0, NULL, "Create new uts namespace", handle_unshare, SB_NS_UTS, 0 },
  { "--unshare-cgroup", 0, NULL, "Create new cgroup namespace",
    handle_unshare, SB_NS_CGROUP, 0 },
  { "--unshare-cgroup-try", 0, NULL,
    "Create new cgroup namespace if possible else continue by skipping it",
    handle_unshare, SB_NS_CGROUP | NS_TRY, 0 },
  { "--unshare-time", 0, NULL, "Create new time namespace (not part of --unshare-all)",
    handle_unshare, SB_NS_TIME, 0 },
  { "--monotonic-offset", 1, "SECONDS",
    "Offset CLOCK_MONOTONIC in the sandbox by SECONDS (implies --unshare-time)",
    handle_time_offset, 0, SB_CLI_WARN_LAST },
  { "--boottime-offset", 1, "SECONDS",
    "Offset CLOCK_BOOTTIME and /proc/uptime by SECONDS (implies --unshare-time)",
    handle_time_offset, 1, SB_CLI_WARN_LAST },
  { "--userns", 1, "FD", "Use this user namespace (cannot combine with --unshare-user)",
    set_userns_fd, 0, SB_CLI_WARN_LAST },
  { "--userns2", 1, "FD", "After setup switch to this user namespace, only useful with --userns",
    set_userns2_fd, 0, SB_CLI_WARN_LAST },
  { "--disable-userns", 0, NULL, "Disable further use of user namespaces inside sandbox",
    set_disable_userns, 0, 0 },
  { "--assert-userns-disabled", 0, NULL,
    "Fail unless further use of user namespace inside sandbox is disabled",
    set_assert_userns_disabled, 0, 0 },
  { "--allow-nesting", 0, NULL, "Allow new namespaces and mounts inside the sandbox",
    handle_allow_nesting, 0, 0 },
  { "--share-abstract-sockets", 0, NULL,
    "With --share-net, keep the host's abstract unix sockets (X11, D-Bus) reachable",
    set_share_abstract_sockets, 0, 0 },
  { "--strict", 0, NULL,
    "Refuse rather than confine in place (Landlock) where user namespaces are refused",
    set_strict, 0, 0 },
  { "--pidns", 1, "FD", "Use this pid namespace (as parent namespace if using --unshare-pid)",
    set_pidns_fd, 0, SB_CLI_WARN_LAST },
  { "--uid", 1, "UID", "Custom uid in the sandbox (requires --unshare-user or --userns)",
    set_uid, 0, SB_CLI_WARN_LAST },
  { "--gid", 1, "GID", "Custom gid in the sandbox (requires --unshare-user or --userns)",
    set_gid, 0, SB_CLI_WARN_LAST },
  { "--map-auto", 0, NULL,
    "Map the caller's ids and its subordinate ids (/etc/subuid, /etc/subgid)",
    handle_map_auto, 0, 0 },
  { "--map-users", 1, "IN:OUT:COUNT",
    "Map COUNT uids from OUT up to IN up (repeatable; within /etc/subuid)",
    handle_map_ranges, 0, 0 },
  { "--map-groups", 1, "IN:OUT:COUNT",
    "Map COUNT gids from OUT up to IN up (repeatable; within /etc/subgid)",
    handle_map_ranges, 1, 0 },
  { "--sysctl", 1, "KEY=VALUE",
    "Set a sysctl of the sandbox's own namespaces (net.*, kernel.shm*, ...)",
    handle_sysctl, 0, 0 },
  { "--hostname", 1, "NAME", "Custom hostname in the sandbox (requires --unshare-uts)",
    set_hostname, 0, SB_CLI_WARN_LAST },
  { "--name", 1, "NAME",
    "Register the sandbox as NAME, for sandbox enter, list and kill",
    set_name, 0, SB_CLI_WARN_LAST },
  { "--chdir", 1, "DIR", "Change directory to DIR",
    set_chdir_path, 0, SB_CLI_WARN_LAST | SB_CLI_SAYS_ONE },
  { "--clearenv", 0, NULL, "Unset all environment variables", handle_clearenv, 0, 0 },
  { "--setenv", 2, "VAR VALUE", "Set an environment variable", handle_setenv, 0, 0 },
  { "--unsetenv", 1, "VAR", "Unset an environment variable", handle_unsetenv, 0, 0 },
  { "--lock-file", 1, "DEST", "Take a lock on DEST while sandbox is running",
    handle_lock_file, 0, 0 },
  { "--sync-fd", 1, "FD", "Keep this fd open while sandbox is running",
    set_sync_fd, 0, SB_CLI_WARN_LAST },
  { "--bind", 2, "SRC DEST", "Bind mount the host path SRC on DEST",
    handle_bind, OP (SB_OP_BIND, 0), 0 },
  { "--bind-try", 2, "SRC DEST", "Equal to --bind but ignores non-existent SRC",
    handle_bind, OP (SB_OP_BIND, SB_OP_FLAG_TRY), 0 },
  { "--dev-bind", 2, "SRC DEST", "Bind mount the host path SRC on DEST, allowing device access",
    handle_bind, OP (SB_OP_BIND, SB_OP_FLAG_DEV), 0 },
  { "--dev-bind-try", 2, "SRC DEST", "Equal to --dev-bind but ignores non-existent SRC",
    handle_bind, OP (SB_OP_BIND, SB_OP_FLAG_DEV | SB_OP_FLAG_TRY), 0 },
  { "--ro-bind", 2, "SRC DEST", "Bind mount the host path SRC readonly on DEST",
    handle_bind, OP (SB_OP_BIND, SB_OP_FLAG_RO), 0 },
  { "--ro-bind-try", 2, "SRC DEST", "Equal to --ro-bind but ignores non-existent SRC",
    handle_bind, OP (SB_OP_BIND, SB_OP_FLAG_RO | SB_OP_FLAG_TRY), 0 },
  { "--bind-fd", 2, "FD DEST", "Bind open directory or path fd on DEST",
    handle_dest_op, OP (SB_OP_BIND_FD, 0), 0 },
  { "--ro-bind-fd", 2, "FD DEST", "Bind open directory or path fd read-only on DEST",
    handle_dest_op, OP (SB_OP_BIND_FD, SB_OP_FLAG_RO), 0 },
  { "--remount-ro", 1, "DEST", "Remount DEST as readonly; does not recursively remount",
    handle_dest_op, OP (SB_OP_REMOUNT_RO, 0), SB_CLI_SAYS_ONE },
  { "--overlay-src", 1, "SRC", "Read files from SRC in the following overlay",
    handle_overlay_src, 0, SB_CLI_MODIFIER },
  { "--overlay", 3, "RWSRC WORKDIR DEST",
    "Mount overlayfs on DEST, with RWSRC as the host path for writes and\n"
    "WORKDIR an empty directory on the same filesystem as RWSRC",
    handle_overlay, OP (SB_OP_OVERLAY, 0), SB_CLI_USES_LAYERS },
  { "--tmp-overlay", 1, "DEST", "Mount overlayfs on DEST, with writes going to an invisible tmpfs",
    handle_overlay, OP (SB_OP_TMP_OVERLAY, 0), SB_CLI_USES_LAYERS },
  { "--ro-overlay", 1, "DEST", "Mount overlayfs read-only on DEST",
    handle_overlay, OP (SB_OP_RO_OVERLAY, SB_OP_FLAG_RO), SB_CLI_USES_LAYERS },
  { "--exec-label", 1, "LABEL", "Exec label for the sandbox",
    set_exec_label, 0, 0 },
  { "--file-label", 1, "LABEL", "File label for temporary sandbox content",
    set_file_label, 0, 0 },
  { "--proc", 1, "DEST", "Mount new procfs on DEST", handle_dest_op, OP (SB_OP_PROC, 0), 0 },
  { "--dev", 1, "DEST", "Mount new dev on DEST", handle_dest_op, OP (SB_OP_DEV, 0), 0 },
  { "--tmpfs", 1, "DEST", "Mount new tmpfs on DEST",
    handle_dest_op, OP (SB_OP_TMPFS, 0), SB_CLI_USES_PERMS | SB_CLI_USES_SIZE },
  { "--mqueue", 1, "DEST", "Mount new mqueue on DEST", handle_dest_op, OP (SB_OP_MQUEUE, 0), 0 },
  { "--dir", 1, "DEST", "Create dir at DEST",
    handle_dest_op, OP (SB_OP_DIR, 0), SB_CLI_USES_PERMS },
  { "--file", 2, "FD DEST", "Copy from FD to destination DEST",
    handle_dest_op, OP (SB_OP_FILE, 0), SB_CLI_USES_PERMS },
  { "--bind-data", 2, "FD DEST", "Copy from FD to file which is bind-mounted on DEST",
    handle_dest_op, OP (SB_OP_BIND_DATA, 0), SB_CLI_USES_PERMS },
  { "--ro-bind-data", 2, "FD DEST", "Copy from FD to file which is readonly bind-mounted on DEST",
    handle_dest_op, OP (SB_OP_BIND_DATA, SB_OP_FLAG_RO), SB_CLI_USES_PERMS },
  { "--symlink", 2, "SRC DEST", "Create symlink at DEST with target SRC",
    handle_symlink, 0, 0 },
  { "--seccomp", 1, "FD", "Load and use seccomp rules from FD (not repeatable)",
    handle_seccomp, 0, SB_CLI_WARN_LAST },
  { "--add-seccomp-fd", 1, "FD", "Load and use seccomp rules from FD (repeatable)",
    handle_add_seccomp_fd, 0, 0 },
  { "--seccomp-profile", 1, "PROFILE",
    "Seccomp policy of ours: default, none, or the path of a policy file",
    handle_seccomp_profile, 0, SB_CLI_WARN_LAST },
  { "--seccomp-log", 0, NULL, "Log the calls the seccomp policy denies instead of denying them",
    set_seccomp_log, 0, 0 },
  { "--seccomp-print", 0, NULL, "Print the effective seccomp policy and exit",
    set_seccomp_print, 0, 0 },
  { "--block-fd", 1, "FD", "Block on FD until some data to read is available",
    set_block_fd, 0, SB_CLI_WARN_LAST },
  { "--userns-block-fd", 1, "FD", "Block on FD until the user namespace is ready",
    set_userns_block_fd, 0, SB_CLI_WARN_LAST },
  { "--info-fd", 1, "FD", "Write information about the running container to FD",
    set_info_fd, 0, SB_CLI_WARN_LAST },
  { "--json-status-fd", 1, "FD", "Write container status to FD as multiple JSON documents",
    set_json_status_fd, 0, SB_CLI_WARN_LAST },
  { "--new-session", 0, NULL, "Create a new terminal session",
    set_new_session, 0, 0 },
  { "--die-with-parent", 0, NULL,
    "Kills with SIGKILL child process (COMMAND) when bwrap or bwrap's parent dies.",
    set_die_with_parent, 0, 0 },
  { "--as-pid-1", 0, NULL, "Do not install a reaper process with PID=1",
    set_as_pid_1, 0, 0 },
  { "--rlimit", 1, "NAME=SOFT[:HARD]",
    "Set a resource limit of the sandbox's processes (prlimit names: nofile, nproc, as...)",
    handle_rlimit, 0, 0 },
  { "--memory", 1, "SIZE", "Limit the sandbox's memory (and swap) to SIZE, e.g. 100M (cgroup)",
    handle_memory, 0, 0 },
  { "--pids", 1, "N", "Limit the sandbox to N processes and threads (cgroup)",
    handle_pids, 0, 0 },
  { "--cpus", 1, "FRACTION", "Limit the sandbox's CPU time to FRACTION CPUs, e.g. 0.5 (cgroup)",
    handle_cpus, 0, 0 },
  { "--timeout", 1, "SECONDS", "End the sandbox after SECONDS (SIGTERM, then SIGKILL); exit 124",
    handle_timeout, 0, 0 },
  { "--kill-after", 1, "SECONDS", "SIGKILL this long after --timeout's SIGTERM (default 5)",
    handle_kill_after, 0, 0 },
  { "--cap-add", 1, "CAP", "Add cap CAP when running as privileged user", handle_cap, 1, 0 },
  { "--cap-drop", 1, "CAP", "Drop cap CAP when running as privileged user", handle_cap, 0, 0 },
  { "--perms", 1, "OCTAL", "Set permissions of next argument (--bind-data, --file, etc.)",
    handle_perms, 0, SB_CLI_MODIFIER },
  { "--size", 1, "BYTES", "Set size of next argument (only for --tmpfs)",
    handle_size, 0, SB_CLI_MODIFIER },
  { "--chmod", 2, "OCTAL PATH", "Change permissions of PATH (must already exist)",
    handle_chmod, 0, 0 },
  { NULL },
};

const SbCliOption *
sb_cli_option_lookup (const char *name)
{
  for (const SbCliOption *option = sb_cli_options; option->name != NULL; option++)
    if (strcmp (option->name, name) == 0)
      return option;
  return NULL;
}
