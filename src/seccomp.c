/* Seccomp filters: our policy compiled to BPF with libseccomp and the
 * caller's precompiled programs read and checked, all before clone, so every
 * error is known before any namespace exists; loaded in order as the last step
 * before exec, with no allocation on the way. */
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <libseccomp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "error.h"
#include "glib-compat.h"
#include "seccomp-policy.h"

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (scmp_filter_ctx, seccomp_release, NULL)

struct SbSeccompSet
{
  GArray *programs; /* of struct sock_fprog, in load order; owns the filters */
};

static void
program_clear (gpointer data)
{
  struct sock_fprog *program = data;

  g_free (program->filter);
}

static SbSeccompSet *
set_new (void)
{
  SbSeccompSet *set = g_new0 (SbSeccompSet, 1);

  set->programs = g_array_new (FALSE, TRUE, sizeof (struct sock_fprog));
  g_array_set_clear_func (set->programs, program_clear);
  return set;
}

void
sb_seccomp_set_free (SbSeccompSet *set)
{
  if (set == NULL)
    return;
  g_array_unref (set->programs);
  g_free (set);
}

guint
sb_seccomp_set_count (const SbSeccompSet *set)
{
  return set != NULL ? set->programs->len : 0;
}

/* Reads fd to its end.  NULL with errno set on failure. */
static GByteArray *
read_all (int fd)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  guint8 buffer[16384];

  for (;;)
    {
      ssize_t n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return NULL;
      if (n == 0)
        return g_steal_pointer (&data);
      g_byte_array_append (data, buffer, n);
    }
}

/* bwrap's checks and messages; the kernel's own limits are checked here too,
 * so that a bad program is refused before clone rather than at load time. */
static gboolean
add_program (SbSeccompSet *set, const GByteArray *data, GError **error)
{
  struct sock_fprog program;

  if (data->len % sizeof (struct sock_filter) != 0)
    return sb_throw (error, SB_ERROR_INVALID, "Invalid seccomp data, must be multiple of 8");
  if (data->len == 0)
    return sb_throw (error, SB_ERROR_INVALID, "Invalid seccomp data, must not be empty");
  if (data->len / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return sb_throw (error, SB_ERROR_INVALID, "Invalid seccomp data, more than %d instructions",
                     BPF_MAXINSNS);

  program.len = data->len / sizeof (struct sock_filter);
  program.filter = g_memdup2 (data->data, data->len);
  g_array_append_val (set->programs, program);
  return TRUE;
}

static gboolean
add_caller_program (SbSeccompSet *set, int fd, GError **error)
{
  g_autoptr(GByteArray) data = read_all (fd);

  if (data == NULL)
    return sb_throw_errno (error, "Can't read seccomp data");
  /* bwrap closes the fd once read: the command must not inherit it either. */
  if (fcntl (fd, F_SETFD, FD_CLOEXEC) != 0)
    return sb_throw_errno (error, "setting close-on-exec on seccomp fd %d", fd);
  return add_program (set, data, error);
}

static SbSeccompPolicy *
read_policy_file (const char *path, gboolean allow_nesting, GError **error)
{
  g_autofd int fd = open (path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
  g_autoptr(GByteArray) data = NULL;

  if (fd < 0)
    {
      sb_throw_errno (error, "--seccomp-profile: opening %s", path);
      return NULL;
    }
  data = read_all (fd);
  if (data == NULL)
    {
      sb_throw_errno (error, "--seccomp-profile: reading %s", path);
      return NULL;
    }
  if (data->len > 0 && memchr (data->data, '\0', data->len) != NULL)
    {
      sb_throw (error, SB_ERROR_INVALID, "%s: not a text file", path);
      return NULL;
    }
  g_byte_array_append (data, (const guint8 *) "", 1);
  return sb_seccomp_policy_parse ((const char *) data->data, path, allow_nesting, error);
}

/* Our policy for this plan; NULL in *policy for --seccomp-profile none. */
static gboolean
plan_policy (const SbPlan *plan, SbSeccompPolicy **policy, GError **error)
{
  g_autoptr(SbSeccompPolicy) result = NULL;

  switch (plan->seccomp_profile)
    {
    case SB_SECCOMP_PROFILE_NONE:
      *policy = NULL;
      return TRUE;

    case SB_SECCOMP_PROFILE_DEFAULT:
      result = sb_seccomp_policy_new_default (plan->allow_nesting);
      break;

    case SB_SECCOMP_PROFILE_FILE:
      result = read_policy_file (plan->seccomp_profile_path, plan->allow_nesting, error);
      if (result == NULL)
        return FALSE;
      break;

    default:
      g_assert_not_reached ();
    }

  if (plan->seccomp_log)
    sb_seccomp_policy_log_denials (result);
  *policy = g_steal_pointer (&result);
  return TRUE;
}

static uint32_t
scmp_action (SbSeccompAction action, int errnum)
{
  switch (action)
    {
    case SB_SECCOMP_ALLOW:
      return SCMP_ACT_ALLOW;
    case SB_SECCOMP_DENY:
      return SCMP_ACT_ERRNO (errnum);
    case SB_SECCOMP_LOG:
      return SCMP_ACT_LOG;
    default:
      g_assert_not_reached ();
    }
}

static const enum scmp_compare scmp_ops[] = {
  [SB_SECCOMP_EQ] = SCMP_CMP_EQ,
  [SB_SECCOMP_NE] = SCMP_CMP_NE,
  [SB_SECCOMP_LT] = SCMP_CMP_LT,
  [SB_SECCOMP_LE] = SCMP_CMP_LE,
  [SB_SECCOMP_GT] = SCMP_CMP_GT,
  [SB_SECCOMP_GE] = SCMP_CMP_GE,
  [SB_SECCOMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* The architectures this host can run: a 64-bit process may enter the kernel
 * through the 32-bit (and x32) entry points, with other syscall numbers. */
static const uint32_t host_arches[] = {
  SCMP_ARCH_NATIVE,
#if defined(__x86_64__)
  SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
  SCMP_ARCH_ARM,
#elif defined(__s390x__)
  SCMP_ARCH_S390,
#endif
};

static gboolean
add_rule (scmp_filter_ctx ctx, uint32_t default_action, const SbSeccompRule *rule, GError **error)
{
  uint32_t action = scmp_action (rule->action, rule->errnum);
  struct scmp_arg_cmp cmps[SB_SECCOMP_MAX_CONDS];
  int nr = seccomp_syscall_resolve_name (rule->syscall);
  int r;

  /* Such a rule changes nothing, and libseccomp refuses it. */
  if (action == default_action)
    return TRUE;
  if (nr == __NR_SCMP_ERROR)
    return sb_throw (error, SB_ERROR_INVALID, "unknown system call \"%s\"", rule->syscall);

  for (guint i = 0; i < rule->n_conds; i++)
    {
      const SbSeccompCond *cond = &rule->conds[i];
      gboolean masked = cond->op == SB_SECCOMP_MASKED_EQ;

      cmps[i] = (struct scmp_arg_cmp) {
        .arg = cond->arg,
        .op = scmp_ops[cond->op],
        .datum_a = masked ? cond->mask : cond->value,
        .datum_b = masked ? cond->value : 0,
      };
    }

  r = seccomp_rule_add_array (ctx, action, nr, rule->n_conds, cmps);
  if (r < 0)
    return sb_throw_errno_value (error, -r, "seccomp rule for %s", rule->syscall);
  return TRUE;
}

static gboolean
add_compiled_policy (SbSeccompSet *set, const SbSeccompPolicy *policy, GError **error)
{
  uint32_t default_action = scmp_action (policy->default_action, policy->default_errnum);
  g_auto(scmp_filter_ctx) ctx = seccomp_init (default_action);
  g_autoptr(GByteArray) data = NULL;
  g_autofd int fd = -1;
  int r;

  if (ctx == NULL)
    return sb_throw (error, SB_ERROR_SETUP, "libseccomp refused the default action of the policy");

  /* Errno, never kill, even for a call from an architecture left out above. */
  r = seccomp_attr_set (ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO (ENOSYS));
  if (r < 0)
    return sb_throw_errno_value (error, -r, "setting the seccomp action for other architectures");

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
  /* A binary search on the syscall number instead of a linear scan of every
   * rule.  An older shared libseccomp refuses the attribute (EINVAL); the
   * filter is then only slower. */
  r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  if (r < 0 && r != -EINVAL)
    return sb_throw_errno_value (error, -r, "asking libseccomp for a binary-tree filter");
#endif

  for (gsize i = 0; i < G_N_ELEMENTS (host_arches); i++)
    {
      r = seccomp_arch_add (ctx, host_arches[i]);
      if (r < 0 && r != -EEXIST)
        return sb_throw_errno_value (error, -r, "adding architecture %u to the seccomp filter",
                                    host_arches[i]);
    }

  for (guint i = 0; i < policy->rules->len; i++)
    if (!add_rule (ctx, default_action, &g_array_index (policy->rules, SbSeccompRule, i), error))
      return FALSE;

  /* libseccomp 2.5 exports to an fd only. */
  fd = memfd_create ("sandbox-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return sb_throw_errno (error, "creating a memfd for the seccomp filter");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return sb_throw_errno_value (error, -r, "compiling the seccomp policy");
  if (lseek (fd, 0, SEEK_SET) < 0)
    return sb_throw_errno (error, "rewinding the compiled seccomp filter");
  data = read_all (fd);
  if (data == NULL)
    return sb_throw_errno (error, "reading the compiled seccomp filter");
  return add_program (set, data, error);
}

SbSeccompSet *
sb_seccomp_prepare (const SbPlan *plan, GError **error)
{
  g_autoptr(SbSeccompSet) set = set_new ();
  g_autoptr(SbSeccompPolicy) policy = NULL;

  /* Load order: our policy first, then the caller's programs as given.  The
   * kernel runs all of them; the most recently loaded decides ties. */
  if (!plan_policy (plan, &policy, error))
    return NULL;
  if (policy != NULL && !add_compiled_policy (set, policy, error))
    return NULL;

  if (plan->seccomp_fd >= 0 && !add_caller_program (set, plan->seccomp_fd, error))
    return NULL;
  for (guint i = 0; i < plan->seccomp_fds->len; i++)
    if (!add_caller_program (set, g_array_index (plan->seccomp_fds, int, i), error))
      return NULL;

  return g_steal_pointer (&set);
}

gboolean
sb_seccomp_load (const SbSeccompSet *set, GError **error)
{
  for (guint i = 0; i < sb_seccomp_set_count (set); i++)
    {
      const struct sock_fprog *program = &g_array_index (set->programs, struct sock_fprog, i);

      if (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, program) != 0)
        {
          if (errno == EINVAL)
            return sb_throw (error, SB_ERROR_SETUP,
                             "Unable to set up system call filtering as requested: "
                             "prctl(PR_SET_SECCOMP) reported EINVAL. (Hint: this requires a kernel "
                             "configured with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER.)");
          return sb_throw_errno (error, "Unable to set up system call filtering");
        }
    }
  return TRUE;
}

char *
sb_seccomp_describe (const SbPlan *plan, GError **error)
{
  g_autoptr(SbSeccompPolicy) policy = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *rules = NULL;

  if (!plan_policy (plan, &policy, error))
    return NULL;

  switch (plan->seccomp_profile)
    {
    case SB_SECCOMP_PROFILE_DEFAULT:
      g_string_append_printf (out, "# The built-in policy%s.\n",
                              plan->allow_nesting ? ", with --allow-nesting" : "");
      break;
    case SB_SECCOMP_PROFILE_FILE:
      g_string_append_printf (out, "# The policy of %s, expanded.\n", plan->seccomp_profile_path);
      break;
    case SB_SECCOMP_PROFILE_NONE:
      g_string_append (out, "# No policy of ours (--seccomp-profile none).\n");
      break;
    default:
      g_assert_not_reached ();
    }
  if (plan->seccomp_log)
    g_string_append (out, "# --seccomp-log: refused calls are logged and run.\n");
  if (plan->seccomp_fd >= 0)
    g_string_append_printf (out, "# Loaded after it: the program from --seccomp %d (not shown).\n",
                            plan->seccomp_fd);
  for (guint i = 0; i < plan->seccomp_fds->len; i++)
    g_string_append_printf (out, "# Loaded after it: the program from --add-seccomp-fd %d (not shown).\n",
                            g_array_index (plan->seccomp_fds, int, i));

  rules = policy != NULL ? sb_seccomp_policy_format (policy) : g_strdup ("default allow\n");
  g_string_append (out, rules);
  return g_string_free (g_steal_pointer (&out), FALSE);
}
