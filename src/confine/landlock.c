/* Landlock rules from the Plan, and their application (landlock.h). */
#include "confine/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"

/* The kernel's structures, spelled out because the build host's headers
 * may predate the fields of ABI 4 and 6; the kernel takes the size. */
typedef struct {
  __u64 handled_access_fs;
  __u64 handled_access_net;  /* ABI 4 */
  __u64 scoped;              /* ABI 6 */
} RulesetAttr;

typedef struct __attribute__ ((packed)) {
  __u64 allowed_access;
  __s32 parent_fd;
} PathBeneathAttr;

#define RULE_PATH_BENEATH 1
#define CREATE_RULESET_VERSION (1U << 0)
#define NET_BIND_TCP (G_GUINT64_CONSTANT (1) << 0)
#define NET_CONNECT_TCP (G_GUINT64_CONSTANT (1) << 1)
#define SCOPE_ABSTRACT_UNIX_SOCKET (G_GUINT64_CONSTANT (1) << 0)
#define SCOPE_SIGNAL (G_GUINT64_CONSTANT (1) << 1)

/* ABI 1 has the rights up to MAKE_SYM; each later one adds its own. */
static guint64
handled_fs (int abi)
{
  guint64 rights = (SB_LANDLOCK_FS_MAKE_SYM << 1) - 1;

  if (abi >= 2)
    rights |= SB_LANDLOCK_FS_REFER;
  if (abi >= 3)
    rights |= SB_LANDLOCK_FS_TRUNCATE;
  if (abi >= 5)
    rights |= SB_LANDLOCK_FS_IOCTL_DEV;
  return rights;
}

static void
rule_clear (gpointer data)
{
  SbLandlockRule *rule = data;

  g_free (rule->path);
}

void
sb_landlock_ruleset_free (SbLandlockRuleset *ruleset)
{
  if (ruleset == NULL)
    return;
  g_array_unref (ruleset->rules);
  g_free (ruleset);
}

/* The standard devices --dev gives, with what the command may do on each:
 * terminals need their ioctls (tcgetattr, window size). */
static const struct {
  const char *name;
  guint64 access;
} standard_devices[] = {
  { "null", SB_LANDLOCK_FS_READ_FILE | SB_LANDLOCK_FS_WRITE_FILE | SB_LANDLOCK_FS_TRUNCATE },
  { "zero", SB_LANDLOCK_FS_READ_FILE | SB_LANDLOCK_FS_WRITE_FILE | SB_LANDLOCK_FS_TRUNCATE },
  { "full", SB_LANDLOCK_FS_READ_FILE | SB_LANDLOCK_FS_WRITE_FILE | SB_LANDLOCK_FS_TRUNCATE },
  { "random", SB_LANDLOCK_FS_READ_FILE | SB_LANDLOCK_FS_WRITE_FILE },
  { "urandom", SB_LANDLOCK_FS_READ_FILE | SB_LANDLOCK_FS_WRITE_FILE },
  { "tty", SB_LANDLOCK_FS_READ_FILE | SB_LANDLOCK_FS_WRITE_FILE | SB_LANDLOCK_FS_IOCTL_DEV },
  { "ptmx", SB_LANDLOCK_FS_READ_FILE | SB_LANDLOCK_FS_WRITE_FILE | SB_LANDLOCK_FS_IOCTL_DEV },
  { "pts", SB_LANDLOCK_READ | SB_LANDLOCK_FS_WRITE_FILE | SB_LANDLOCK_FS_IOCTL_DEV },
  { "shm", SB_LANDLOCK_READ_WRITE & ~SB_LANDLOCK_FS_EXECUTE },
};

/* PATH without empty and "." components or a trailing slash; ".." stays,
 * as only the host's symlinks could say where it leads. */
static char *
lexical_path (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  GString *out = g_string_new (NULL);

  for (char **part = parts; *part != NULL; part++)
    if (**part != '\0' && strcmp (*part, ".") != 0)
      g_string_append_printf (out, "/%s", *part);
  if (out->len == 0)
    g_string_append_c (out, '/');
  return g_string_free (out, FALSE);
}

/* Whether A is B or a directory above it, or the other way round. */
static gboolean
paths_nest (const char *a, const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  const char *shorter = la <= lb ? a : b, *longer = la <= lb ? b : a;
  gsize n = MIN (la, lb);

  if (strncmp (shorter, longer, n) != 0)
    return FALSE;
  return longer[n] == '\0' || longer[n] == '/' || (n == 1 && shorter[0] == '/');
}

static void
add_rule (SbLandlockRuleset *ruleset, const SbMountOp *op, const char *path, guint64 access)
{
  SbLandlockRule rule = {
    .path = g_strdup (path),
    .access = access,
    .optional = op->kind == SB_OP_DEV || (op->flags & SB_OP_FLAG_TRY) != 0,
    .adds_only = op->kind != SB_OP_BIND,
    .option = op->option,
  };

  g_array_append_val (ruleset->rules, rule);
}

static gboolean
refuse (GError **error, const char *what, const char *reason, const char *why)
{
  return sb_throw (error, SB_ERROR_INVALID, "%s: %s, and %s", what, reason, why);
}

#define NEEDS_MOUNT_NS "needs a mount namespace"

/* One mount op as rules, or the reason it needs a mount namespace. */
static gboolean
add_op_rules (SbLandlockRuleset *ruleset, const SbMountOp *op, const char *why, GError **error)
{
  g_autofree char *what = g_strdup_printf ("%s %s", op->option, op->dest);

  switch (op->kind)
    {
    case SB_OP_BIND:
      {
        g_autofree char *source = lexical_path (op->source);
        guint64 access = (op->flags & SB_OP_FLAG_RO) != 0    ? SB_LANDLOCK_READ_EXEC
                         : (op->flags & SB_OP_FLAG_DEV) != 0 ? SB_LANDLOCK_DEVICES
                                                             : SB_LANDLOCK_READ_WRITE;

        if (strcmp (source, op->dest) != 0)
          {
            g_free (what);
            what = g_strdup_printf ("%s %s %s", op->option, op->source, op->dest);
            return refuse (error, what, "a source other than the destination " NEEDS_MOUNT_NS,
                           why);
          }
        add_rule (ruleset, op, op->dest, access);
        return TRUE;
      }
    case SB_OP_PROC:
      if (strcmp (op->dest, "/proc") != 0)
        return refuse (error, what, "a procfs elsewhere than /proc " NEEDS_MOUNT_NS, why);
      /* The host's, read-only: host processes stay visible, and only those
       * of the sandbox's domain can be ptraced or have their memory read. */
      add_rule (ruleset, op, "/proc", SB_LANDLOCK_READ);
      return TRUE;
    case SB_OP_DEV:
      if (strcmp (op->dest, "/dev") != 0)
        return refuse (error, what, "devices elsewhere than /dev " NEEDS_MOUNT_NS, why);
      for (guint i = 0; i < G_N_ELEMENTS (standard_devices); i++)
        {
          g_autofree char *path = g_strconcat ("/dev/", standard_devices[i].name, NULL);
          add_rule (ruleset, op, path, standard_devices[i].access);
        }
      return TRUE;
    case SB_OP_CHMOD:
      return refuse (error, what, "it would change the host's file, as there is no mount namespace",
                     why);
    case SB_OP_BIND_FD:
    case SB_OP_REMOUNT_RO:
    case SB_OP_TMPFS:
    case SB_OP_MQUEUE:
    case SB_OP_DIR:
    case SB_OP_FILE:
    case SB_OP_BIND_DATA:
    case SB_OP_SYMLINK:
    case SB_OP_OVERLAY:
    case SB_OP_TMP_OVERLAY:
    case SB_OP_RO_OVERLAY:
    default:
      return refuse (error, what, NEEDS_MOUNT_NS, why);
    }
}

/* A ruleset only adds rights: a later bind cannot take away under its path
 * what an earlier one grants around it (--bind / / --ro-bind /usr /usr),
 * nor can a later one that covers an earlier one (which a mount namespace
 * would hide) keep it from granting its own.  --dev and --proc only add
 * what the command needs there (--ro-bind / / --dev /dev is common).
 * Checks the rules from FIRST_NEW on against those before them. */
static gboolean
check_rights_only_grow (const SbLandlockRuleset *ruleset, guint first_new, const char *why,
                        GError **error)
{
  for (guint later = first_new; later < ruleset->rules->len; later++)
    {
      const SbLandlockRule *b = &g_array_index (ruleset->rules, SbLandlockRule, later);

      for (guint earlier = 0; earlier < later; earlier++)
        {
          const SbLandlockRule *a = &g_array_index (ruleset->rules, SbLandlockRule, earlier);
          g_autofree char *what = NULL;

          if (b->adds_only || (a->access & ~b->access) == 0 || !paths_nest (a->path, b->path))
            continue;
          what = g_strdup_printf ("%s %s", b->option, b->path);
          return sb_throw (error, SB_ERROR_INVALID,
                           "%s: would take away rights that %s %s grants, which needs a mount "
                           "namespace (Landlock only adds rights), and %s",
                           what, a->option, a->path, why);
        }
    }
  return TRUE;
}

/* What the Plan asks for besides the filesystem that needs namespaces. */
static gboolean
check_other_options (const SbPlan *plan, uid_t caller_uid, gid_t caller_gid, const char *why,
                     GError **error)
{
  g_autofree char *what = NULL;

  if (plan->unshare_option != NULL)
    return refuse (error, plan->unshare_option, "a new namespace was asked for", why);
  if (plan->hostname != NULL)
    return refuse (error, "--hostname", "needs a uts namespace", why);
  if (plan->uid >= 0 && plan->uid != (gint64) caller_uid)
    {
      what = g_strdup_printf ("--uid %" G_GINT64_FORMAT, plan->uid);
      return refuse (error, what, "another uid than the caller's needs a user namespace", why);
    }
  if (plan->gid >= 0 && plan->gid != (gint64) caller_gid)
    {
      what = g_strdup_printf ("--gid %" G_GINT64_FORMAT, plan->gid);
      return refuse (error, what, "another gid than the caller's needs a user namespace", why);
    }
  if (plan->caps.add != 0)
    return refuse (error, "--cap-add", "capabilities need a user namespace", why);
  if (plan->pidns_fd >= 0)
    return refuse (error, "--pidns", "joining a pid namespace needs a mount namespace", why);
  if (plan->userns2_fd >= 0)
    return refuse (error, "--userns2", "needs a user namespace of ours", why);
  return TRUE;
}

static SbLandlockRuleset *
ruleset_new (SbLandlockMode mode)
{
  SbLandlockRuleset *ruleset = g_new0 (SbLandlockRuleset, 1);

  ruleset->mode = mode;
  ruleset->rules = g_array_new (FALSE, TRUE, sizeof (SbLandlockRule));
  g_array_set_clear_func (ruleset->rules, rule_clear);
  return ruleset;
}

SbLandlockRuleset *
sb_landlock_scope_abstract (int abi)
{
  SbLandlockRuleset *ruleset = ruleset_new (SB_LANDLOCK_SCOPE_ABSTRACT);

  ruleset->abi = abi;
  return ruleset;
}

SbLandlockRuleset *
sb_landlock_rules_from_plan (const SbPlan *plan, uid_t caller_uid, gid_t caller_gid,
                             const char *why, GError **error)
{
  g_autoptr(SbLandlockRuleset) ruleset = ruleset_new (SB_LANDLOCK_IN_PLACE);

  ruleset->deny_tcp = (plan->unshare & SB_NS_NET) != 0;

  /* In command-line order, so that the first option refused is named. */
  for (guint i = 0; i < plan->ops->len; i++)
    {
      guint first_new = ruleset->rules->len;

      if (!add_op_rules (ruleset, sb_plan_op (plan, i), why, error)
          || !check_rights_only_grow (ruleset, first_new, why, error))
        return NULL;
    }
  if (!check_other_options (plan, caller_uid, caller_gid, why, error))
    return NULL;
  return g_steal_pointer (&ruleset);
}

int
sb_landlock_abi (GError **error)
{
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, CREATE_RULESET_VERSION);

  if (abi < 0)
    {
      int errsv = errno;
      const char *reason = errsv == ENOSYS       ? "the kernel lacks it or a seccomp filter hides it"
                           : errsv == EOPNOTSUPP ? "it is disabled at boot (lsm=)"
                                                 : g_strerror (errsv);

      sb_throw_errno_value (error, errsv, "Landlock is not available (%s)", reason);
      return 0;
    }
  return (int) abi;
}

char *
sb_landlock_gaps (int abi, bool deny_tcp)
{
  g_autoptr(GPtrArray) gaps = g_ptr_array_new ();

  if (abi < 2)
    g_ptr_array_add (gaps, "files cannot be moved between directories");
  if (abi < 3)
    g_ptr_array_add (gaps, "truncate(2) is not confined");
  if (abi < 4 && deny_tcp)
    g_ptr_array_add (gaps, "TCP is refused by seccomp alone");
  if (abi < 5)
    g_ptr_array_add (gaps, "device ioctls are not confined");
  if (abi < 6)
    g_ptr_array_add (gaps, "host processes of the caller can be signalled and its abstract "
                           "sockets reached");
  if (gaps->len == 0)
    return NULL;
  g_ptr_array_add (gaps, NULL);
  return g_strjoinv ("; ", (char **) gaps->pdata);
}

/* One rule: the path's fd, with only the rights that make sense for what
 * it is (a file takes no directory rights). */
static gboolean
add_path_rule (int ruleset_fd, const SbLandlockRule *rule, guint64 handled, GError **error)
{
  g_autofd int fd = open (rule->path, O_PATH | O_CLOEXEC);
  PathBeneathAttr attr = { .allowed_access = rule->access & handled };
  struct stat st;

  if (fd < 0 && errno == ENOENT && rule->optional)
    return TRUE;
  if (fd < 0)
    return sb_throw_errno (error, "%s %s", rule->option, rule->path);
  if (fstat (fd, &st) != 0)
    return sb_throw_errno (error, "%s %s", rule->option, rule->path);
  if (!S_ISDIR (st.st_mode))
    attr.allowed_access &= SB_LANDLOCK_FILE_RIGHTS;
  attr.parent_fd = fd;
  if (attr.allowed_access != 0
      && syscall (SYS_landlock_add_rule, ruleset_fd, RULE_PATH_BENEATH, &attr, 0) != 0)
    return sb_throw_errno (error, "adding the Landlock rule for %s %s", rule->option, rule->path);
  return TRUE;
}

gboolean
sb_landlock_apply (const SbLandlockRuleset *ruleset, GError **error)
{
  RulesetAttr attr = { .handled_access_fs = handled_fs (ruleset->abi) };
  gsize size = sizeof attr.handled_access_fs;
  g_autofd int fd = -1;

  /* The file system and the network are the namespaces' business. */
  if (ruleset->mode == SB_LANDLOCK_SCOPE_ABSTRACT)
    {
      attr = (RulesetAttr) { .scoped = SCOPE_ABSTRACT_UNIX_SOCKET };
      size = sizeof attr;
    }
  else if (ruleset->abi >= 4)
    {
      size = G_STRUCT_OFFSET (RulesetAttr, scoped);
      if (ruleset->deny_tcp)
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
    }
  if (ruleset->mode == SB_LANDLOCK_IN_PLACE && ruleset->abi >= 6)
    {
      size = sizeof attr;
      attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL;
    }
  fd = syscall (SYS_landlock_create_ruleset, &attr, size, 0);
  if (fd < 0)
    return sb_throw_errno (error, "creating the Landlock ruleset");
  for (guint i = 0; i < ruleset->rules->len; i++)
    if (!add_path_rule (fd, &g_array_index (ruleset->rules, SbLandlockRule, i),
                        attr.handled_access_fs, error))
      return FALSE;
  if (syscall (SYS_landlock_restrict_self, fd, 0) != 0)
    return sb_throw_errno (error, "restricting the sandbox with Landlock");
  return TRUE;
}
