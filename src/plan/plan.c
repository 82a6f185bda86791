#include "plan/plan.h"

#include <sched.h>

#include "base/error.h"
#include "plan/sysctls.h"

#include <sys/capability.h>

static void
mount_op_clear (gpointer data)
{
  SbMountOp *op = data;

  g_free (op->source);
  g_free (op->dest);
  g_strfreev (op->overlay_sources);
  g_free (op->overlay_workdir);
}

const SbNamespaceKind sb_namespace_kinds[SB_N_NAMESPACE_KINDS] = {
  { SB_NS_USER, "user", CLONE_NEWUSER },
  { SB_NS_IPC, "ipc", CLONE_NEWIPC },
  { SB_NS_PID, "pid", CLONE_NEWPID },
  { SB_NS_NET, "net", CLONE_NEWNET },
  { SB_NS_UTS, "uts", CLONE_NEWUTS },
  { SB_NS_CGROUP, "cgroup", CLONE_NEWCGROUP },
  { SB_NS_MNT, "mnt", CLONE_NEWNS },
  { SB_NS_TIME, "time", CLONE_NEWTIME },
};

guint
sb_namespace_index (SbNamespace ns)
{
  for (guint i = 0; i < SB_N_NAMESPACE_KINDS; i++)
    if (sb_namespace_kinds[i].ns == ns)
      return i;
  g_assert_not_reached ();
}

unsigned long
sb_namespace_clone_flags (SbNamespace ns)
{
  unsigned long flags = 0;

  for (guint i = 0; i < SB_N_NAMESPACE_KINDS; i++)
    if ((ns & sb_namespace_kinds[i].ns) != 0)
      flags |= (unsigned long) sb_namespace_kinds[i].clone_flag;
  return flags;
}

SbPlan *
sb_plan_new (SbPersonality personality)
{
  SbPlan *plan = g_new0 (SbPlan, 1);

  plan->personality = personality;
  plan->userns_fd = -1;
  plan->userns2_fd = -1;
  plan->pidns_fd = -1;
  plan->uid = -1;
  plan->gid = -1;
  plan->ops = g_array_new (FALSE, TRUE, sizeof (SbMountOp));
  g_array_set_clear_func (plan->ops, mount_op_clear);
  plan->lock_files = g_ptr_array_new_with_free_func (g_free);
  plan->seccomp_fd = -1;
  plan->seccomp_fds = g_array_new (FALSE, FALSE, sizeof (int));
  plan->info_fd = -1;
  plan->json_status_fd = -1;
  plan->block_fd = -1;
  plan->userns_block_fd = -1;
  plan->sync_fd = -1;
  plan->warnings = g_ptr_array_new_with_free_func (g_free);
  plan->envp = g_new0 (char *, 1);
  sb_limits_init (&plan->limits);
  sb_idmapping_init (&plan->idmapping);
  plan->sysctls = sb_sysctls_new ();

  if (personality == SB_PERSONALITY_SANDBOX)
    {
      plan->unshare = SB_NS_ALL;
      plan->unshare_try = SB_NS_USER | SB_NS_CGROUP;
      plan->usr_merge_symlinks = true;
      plan->drop_root_caps = true;
      plan->seccomp_profile = SB_SECCOMP_PROFILE_DEFAULT;
    }
  else
    {
      plan->seccomp_profile = SB_SECCOMP_PROFILE_NONE;
      plan->allow_nesting = true;
      plan->keep_orphans = true;
    }

  return plan;
}

void
sb_plan_free (SbPlan *plan)
{
  if (plan == NULL)
    return;
  sb_host_facts_clear (&plan->host);
  g_free (plan->hostname);
  g_free (plan->name);
  g_array_unref (plan->ops);
  g_ptr_array_unref (plan->lock_files);
  g_free (plan->chdir_path);
  g_strfreev (plan->envp);
  g_free (plan->argv0);
  g_strfreev (plan->command);
  g_array_unref (plan->seccomp_fds);
  g_free (plan->seccomp_profile_path);
  g_free (plan->exec_label);
  g_free (plan->file_label);
  g_ptr_array_unref (plan->warnings);
  sb_limits_clear (&plan->limits);
  sb_idmapping_clear (&plan->idmapping);
  g_array_unref (plan->sysctls);
  g_free (plan);
}

SbMountOp *
sb_plan_add_op (SbPlan *plan, const SbMountOp *op)
{
  g_array_append_vals (plan->ops, op, 1);
  return sb_plan_op (plan, plan->ops->len - 1);
}

static gboolean
has_user_ns (const SbPlan *plan)
{
  return (plan->unshare & SB_NS_USER) != 0 || plan->userns_fd >= 0;
}

/* A user namespace that will exist for sure: not a "-try" that may be skipped. */
static gboolean
has_definite_user_ns (const SbPlan *plan)
{
  return (plan->unshare & ~plan->unshare_try & SB_NS_USER) != 0;
}

/* A sysctl is written into the sandbox's own namespace, which must be
 * one it makes for sure (not a "-try" one). */
static gboolean
validate_sysctls (const SbPlan *plan, GError **error)
{
  const SbSysctl *unowned = sb_sysctls_find_unowned (plan->sysctls,
                                                     plan->unshare & ~plan->unshare_try);
  const char *name;

  if (unowned == NULL)
    return TRUE;
  name = sb_namespace_kinds[sb_namespace_index (unowned->ns)].name;
  return sb_throw (error, SB_ERROR_INVALID, "--sysctl %s: the sandbox has no %s namespace of "
                   "its own to set it in (add --unshare-%s%s)", unowned->key, name,
                   unowned->ns == SB_NS_NET ? "net" : name,
                   plan->personality == SB_PERSONALITY_SANDBOX ? ", or drop --share-*" : "");
}

/* The maps beyond one id are written into a user namespace of ours, and
 * --uid/--gid must be among the ids they map. */
static gboolean
validate_idmapping (const SbPlan *plan, GError **error)
{
  const SbIdMapping *mapping = &plan->idmapping;

  if (!sb_idmapping_wanted (mapping))
    return TRUE;
  if (plan->userns_fd >= 0)
    return sb_throw (error, SB_ERROR_INVALID, "%s cannot be combined with --userns: the maps "
                     "are written into a user namespace the sandbox makes", mapping->option);
  if (plan->disable_userns)
    return sb_throw (error, SB_ERROR_INVALID, "%s cannot be combined with --disable-userns, "
                     "whose nested user namespace would map one id only", mapping->option);
  if (!has_definite_user_ns (plan))
    return sb_throw (error, SB_ERROR_INVALID, "%s requires --unshare-user", mapping->option);
  if (mapping->users->len > 0 && plan->uid >= 0
      && !sb_idranges_maps (mapping->users, (guint32) plan->uid))
    return sb_throw (error, SB_ERROR_INVALID, "--uid %" G_GINT64_FORMAT " is not mapped by "
                     "--map-users", plan->uid);
  if (mapping->groups->len > 0 && plan->gid >= 0
      && !sb_idranges_maps (mapping->groups, (guint32) plan->gid))
    return sb_throw (error, SB_ERROR_INVALID, "--gid %" G_GINT64_FORMAT " is not mapped by "
                     "--map-groups", plan->gid);
  return TRUE;
}

/* bwrap's checks after parsing, with its texts, plus the ones our own
 * options need.  The order matters only for which message wins. */
gboolean
sb_plan_validate (const SbPlan *plan, GError **error)
{
  if (!plan->seccomp_print && (plan->command == NULL || plan->command[0] == NULL))
    return sb_throw (error, SB_ERROR_USAGE, "No command specified");

  if (plan->userns_fd >= 0 && (plan->unshare & SB_NS_USER))
    return sb_throw (error, SB_ERROR_INVALID, "--userns not compatible --unshare-user%s",
                     (plan->unshare_try & SB_NS_USER) ? "-try" : "");
  if (plan->disable_userns && !has_definite_user_ns (plan))
    return sb_throw (error, SB_ERROR_INVALID, "--disable-userns requires --unshare-user");
  if (plan->disable_userns && plan->userns_block_fd >= 0)
    return sb_throw (error, SB_ERROR_INVALID,
                     "--disable-userns is not compatible with --userns-block-fd");
  if (plan->userns_block_fd >= 0 && !has_definite_user_ns (plan))
    return sb_throw (error, SB_ERROR_INVALID, "--userns-block-fd requires --unshare-user");
  if (plan->userns_block_fd >= 0 && plan->info_fd < 0)
    return sb_throw (error, SB_ERROR_INVALID, "--userns-block-fd requires --info-fd");

  if (!validate_idmapping (plan, error) || !validate_sysctls (plan, error))
    return FALSE;

  if (plan->uid != -1 && !has_user_ns (plan))
    return sb_throw (error, SB_ERROR_INVALID, "Specifying --uid requires --unshare-user or --userns");
  if (plan->gid != -1 && !has_user_ns (plan))
    return sb_throw (error, SB_ERROR_INVALID, "Specifying --gid requires --unshare-user or --userns");
  if (plan->hostname != NULL && (plan->unshare & SB_NS_UTS) == 0)
    return sb_throw (error, SB_ERROR_INVALID, "Specifying --hostname requires --unshare-uts");
  if (plan->as_pid_1 && (plan->unshare & SB_NS_PID) == 0)
    return sb_throw (error, SB_ERROR_INVALID, "Specifying --as-pid-1 requires --unshare-pid");
  if (plan->as_pid_1 && plan->lock_files->len > 0)
    return sb_throw (error, SB_ERROR_INVALID,
                     "Specifying --as-pid-1 and --lock-file is not permitted");
  /* Entering forks from our pid 1 (enter/README.md). */
  if (plan->as_pid_1 && plan->name != NULL)
    return sb_throw (error, SB_ERROR_INVALID,
                     "--name: a named sandbox needs our pid 1, which --as-pid-1 leaves out");

  if (plan->seccomp_fd >= 0 && plan->seccomp_fds->len > 0)
    return sb_throw (error, SB_ERROR_INVALID, "--seccomp cannot be combined with --add-seccomp-fd");
  if (plan->seccomp_log && plan->seccomp_profile == SB_SECCOMP_PROFILE_NONE)
    return sb_throw (error, SB_ERROR_INVALID,
                     "--seccomp-log needs a policy of ours to log: "
                     "add --seccomp-profile default or --seccomp-profile FILE");
  return TRUE;
}

/* Keeps a dump line one line whatever the value holds. */
static void
append_escaped (GString *out, const char *value)
{
  if (value == NULL)
    {
      g_string_append (out, "(unset)");
      return;
    }
  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == '\\')
        g_string_append (out, "\\\\");
      else if ((guchar) *c < 0x20 || *c == 0x7f)
        g_string_append_printf (out, "\\x%02x", (guchar) *c);
      else
        g_string_append_c (out, *c);
    }
}

static void
dump_string (GString *out, const char *key, const char *value)
{
  g_string_append_printf (out, "%s: ", key);
  append_escaped (out, value);
  g_string_append_c (out, '\n');
}

static void
dump_bool (GString *out, const char *key, bool value)
{
  g_string_append_printf (out, "%s: %s\n", key, value ? "yes" : "no");
}

static void
dump_int (GString *out, const char *key, gint64 value)
{
  g_string_append_printf (out, "%s: %" G_GINT64_FORMAT "\n", key, value);
}

static void
dump_namespaces (GString *out, SbNamespace unshare, SbNamespace unshare_try)
{
  g_string_append (out, "unshare:");
  if (unshare == 0)
    g_string_append (out, " none");
  for (guint i = 0; i < SB_N_NAMESPACE_KINDS; i++)
    if (unshare & sb_namespace_kinds[i].ns)
      g_string_append_printf (out, " %s%s", sb_namespace_kinds[i].name,
                              (unshare_try & sb_namespace_kinds[i].ns) ? "?" : "");
  g_string_append_c (out, '\n');
}

static void
dump_caps (GString *out, const char *key, guint64 mask)
{
  g_string_append_printf (out, "%s:", key);
  if (mask == 0)
    g_string_append (out, " none");
  else if (mask == G_MAXUINT64)
    g_string_append (out, " all");
  else
    for (cap_value_t cap = 0; cap < 64; cap++)
      if (mask & (G_GUINT64_CONSTANT (1) << cap))
        {
          char *name = cap_to_name (cap);

          g_string_append_printf (out, " %s", name != NULL ? name : "?");
          cap_free (name);
        }
  g_string_append_c (out, '\n');
}

static const char *
op_kind_name (SbOpKind kind)
{
  switch (kind)
    {
    case SB_OP_BIND: return "bind";
    case SB_OP_BIND_FD: return "bind-fd";
    case SB_OP_REMOUNT_RO: return "remount-ro";
    case SB_OP_TMPFS: return "tmpfs";
    case SB_OP_PROC: return "proc";
    case SB_OP_DEV: return "dev";
    case SB_OP_MQUEUE: return "mqueue";
    case SB_OP_DIR: return "dir";
    case SB_OP_FILE: return "file";
    case SB_OP_BIND_DATA: return "bind-data";
    case SB_OP_SYMLINK: return "symlink";
    case SB_OP_CHMOD: return "chmod";
    case SB_OP_OVERLAY: return "overlay";
    case SB_OP_TMP_OVERLAY: return "tmp-overlay";
    case SB_OP_RO_OVERLAY: return "ro-overlay";
    }
  return "?";
}

/* "op: bind flags=ro,try source=/usr dest=/usr": only the fields in use. */
static void
dump_op (GString *out, const SbMountOp *op)
{
  g_string_append_printf (out, "op: %s", op_kind_name (op->kind));
  if (op->flags != 0)
    g_string_append_printf (out, " flags=%s%s%s",
                            (op->flags & SB_OP_FLAG_RO) ? "ro," : "",
                            (op->flags & SB_OP_FLAG_DEV) ? "dev," : "",
                            (op->flags & SB_OP_FLAG_TRY) ? "try," : "");
  if (op->flags != 0)
    g_string_truncate (out, out->len - 1);
  for (char **layer = op->overlay_sources; layer != NULL && *layer != NULL; layer++)
    {
      g_string_append (out, " layer=");
      append_escaped (out, *layer);
    }
  if (op->source != NULL)
    {
      g_string_append (out, " source=");
      append_escaped (out, op->source);
    }
  if (op->overlay_workdir != NULL)
    {
      g_string_append (out, " workdir=");
      append_escaped (out, op->overlay_workdir);
    }
  if (op->fd >= 0)
    g_string_append_printf (out, " fd=%d", op->fd);
  if (op->mode != SB_MODE_UNSET)
    g_string_append_printf (out, " mode=%04o", op->mode);
  if (op->size != 0)
    g_string_append_printf (out, " size=%" G_GUINT64_FORMAT, op->size);
  g_string_append (out, " dest=");
  append_escaped (out, op->dest);
  g_string_append_c (out, '\n');
}

static void
dump_strv (GString *out, const char *key, char **values)
{
  if (values == NULL || values[0] == NULL)
    g_string_append_printf (out, "%s: (none)\n", key);
  for (char **value = values; value != NULL && *value != NULL; value++)
    dump_string (out, key, *value);
}

/* Only the limits given: most plans have none. */
static void
dump_limits (GString *out, const SbLimits *limits)
{
  for (guint i = 0; i < limits->rlimits->len; i++)
    {
      const SbRlimit *limit = &g_array_index (limits->rlimits, SbRlimit, i);

      g_string_append_printf (out, "rlimit: %s=", sb_limits_rlimit_name (limit->resource));
      if (limit->soft == SB_RLIM_UNLIMITED)
        g_string_append (out, "unlimited:");
      else
        g_string_append_printf (out, "%" G_GUINT64_FORMAT ":", limit->soft);
      if (limit->hard == SB_RLIM_UNLIMITED)
        g_string_append (out, "unlimited\n");
      else
        g_string_append_printf (out, "%" G_GUINT64_FORMAT "\n", limit->hard);
    }
  if (limits->memory != 0)
    dump_int (out, "memory", (gint64) limits->memory);
  if (limits->pids != 0)
    dump_int (out, "pids", (gint64) limits->pids);
  if (limits->cpu_quota_us != 0)
    dump_int (out, "cpu-quota-us", (gint64) limits->cpu_quota_us);
  if (limits->timeout_us != 0)
    {
      dump_int (out, "timeout-us", limits->timeout_us);
      dump_int (out, "kill-after-us", limits->kill_after_us);
    }
}

/* Only what was asked for: most plans map one id. */
static void
dump_idmapping (GString *out, const SbIdMapping *mapping)
{
  const struct { const char *key; const GArray *ranges; } sides[] = {
    { "map-users", mapping->users },
    { "map-groups", mapping->groups },
  };

  if (mapping->map_auto)
    dump_bool (out, "map-auto", TRUE);
  for (guint s = 0; s < G_N_ELEMENTS (sides); s++)
    for (guint i = 0; i < sides[s].ranges->len; i++)
      {
        g_autofree char *text = sb_idrange_describe (&g_array_index (sides[s].ranges, SbIdRange, i));
        dump_string (out, sides[s].key, text);
      }
}

char *
sb_plan_dump (const SbPlan *plan)
{
  GString *out = g_string_new (NULL);
  static const char *const profiles[] = {
    [SB_SECCOMP_PROFILE_DEFAULT] = "default",
    [SB_SECCOMP_PROFILE_NONE] = "none",
    [SB_SECCOMP_PROFILE_FILE] = "file",
  };

  dump_string (out, "personality", plan->personality == SB_PERSONALITY_BWRAP ? "bwrap" : "sandbox");
  dump_namespaces (out, plan->unshare, plan->unshare_try);
  dump_int (out, "userns-fd", plan->userns_fd);
  dump_int (out, "userns2-fd", plan->userns2_fd);
  dump_int (out, "pidns-fd", plan->pidns_fd);
  dump_bool (out, "disable-userns", plan->disable_userns);
  dump_bool (out, "assert-userns-disabled", plan->assert_userns_disabled);
  dump_int (out, "uid", plan->uid);
  dump_int (out, "gid", plan->gid);
  dump_idmapping (out, &plan->idmapping);
  if (plan->time_offsets.has_monotonic)
    dump_int (out, "monotonic-offset-ns", plan->time_offsets.monotonic_ns);
  if (plan->time_offsets.has_boottime)
    dump_int (out, "boottime-offset-ns", plan->time_offsets.boottime_ns);
  for (guint i = 0; i < plan->sysctls->len; i++)
    {
      const SbSysctl *sysctl = &g_array_index (plan->sysctls, SbSysctl, i);
      g_autofree char *text = g_strdup_printf ("%s=%s", sysctl->key, sysctl->value);

      dump_string (out, "sysctl", text);
    }
  dump_string (out, "hostname", plan->hostname);
  dump_string (out, "name", plan->name);
  for (guint i = 0; i < plan->ops->len; i++)
    dump_op (out, sb_plan_op (plan, i));
  for (guint i = 0; i < plan->lock_files->len; i++)
    dump_string (out, "lock-file", g_ptr_array_index (plan->lock_files, i));
  dump_bool (out, "usr-merge-symlinks", plan->usr_merge_symlinks);
  dump_string (out, "chdir", plan->chdir_path);
  dump_strv (out, "env", plan->envp);
  dump_string (out, "argv0", plan->argv0);
  dump_strv (out, "command", plan->command);
  dump_bool (out, "new-session", plan->new_session);
  dump_bool (out, "die-with-parent", plan->die_with_parent);
  dump_bool (out, "as-pid-1", plan->as_pid_1);
  dump_caps (out, "cap-add", plan->caps.add);
  dump_caps (out, "cap-drop", plan->caps.drop);
  dump_bool (out, "drop-root-caps", plan->drop_root_caps);
  dump_limits (out, &plan->limits);
  dump_int (out, "seccomp-fd", plan->seccomp_fd);
  for (guint i = 0; i < plan->seccomp_fds->len; i++)
    dump_int (out, "add-seccomp-fd", g_array_index (plan->seccomp_fds, int, i));
  dump_string (out, "seccomp-profile", profiles[plan->seccomp_profile]);
  if (plan->seccomp_profile == SB_SECCOMP_PROFILE_FILE)
    dump_string (out, "seccomp-profile-path", plan->seccomp_profile_path);
  dump_bool (out, "seccomp-log", plan->seccomp_log);
  dump_bool (out, "seccomp-print", plan->seccomp_print);
  dump_bool (out, "allow-nesting", plan->allow_nesting);
  dump_int (out, "info-fd", plan->info_fd);
  dump_int (out, "json-status-fd", plan->json_status_fd);
  dump_int (out, "block-fd", plan->block_fd);
  dump_int (out, "userns-block-fd", plan->userns_block_fd);
  dump_int (out, "sync-fd", plan->sync_fd);
  dump_string (out, "exec-label", plan->exec_label);
  dump_string (out, "file-label", plan->file_label);
  dump_bool (out, "level-prefix", plan->level_prefix);
  for (guint i = 0; i < plan->warnings->len; i++)
    dump_string (out, "warning", g_ptr_array_index (plan->warnings, i));
  dump_bool (out, "show-help", plan->show_help);
  dump_bool (out, "show-version", plan->show_version);
  return g_string_free (out, FALSE);
}
