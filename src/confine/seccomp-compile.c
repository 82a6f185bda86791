/* A policy → libseccomp → BPF.  Runs in the sandbox for policy files and in
 * seccomp-gen at build time for the default policy: both must give the same
 * program for the same policy, so everything that shapes it is here. */
#include "confine/seccomp-compile.h"

#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (scmp_filter_ctx, seccomp_release, NULL)

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

/* libseccomp 2.5 exports to an fd only. */
static gboolean
export (scmp_filter_ctx ctx, GByteArray *program, GError **error)
{
  g_autofd int fd = memfd_create ("sandbox-seccomp", MFD_CLOEXEC);
  struct stat st;
  ssize_t n;
  int r;

  if (fd < 0)
    return sb_throw_errno (error, "creating a memfd for the seccomp filter");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return sb_throw_errno_value (error, -r, "compiling the seccomp policy");
  if (fstat (fd, &st) != 0)
    return sb_throw_errno (error, "reading the compiled seccomp filter");
  g_byte_array_set_size (program, st.st_size);
  n = pread (fd, program->data, program->len, 0);
  if (n < 0)
    return sb_throw_errno (error, "reading the compiled seccomp filter");
  if ((gsize) n != program->len)
    return sb_throw (error, SB_ERROR_SETUP, "reading the compiled seccomp filter: short read");
  return TRUE;
}

static gboolean
compile (const SbSeccompPolicy *policy, GByteArray *program, GError **error)
{
  uint32_t default_action = scmp_action (policy->default_action, policy->default_errnum);
  g_auto(scmp_filter_ctx) ctx = seccomp_init (default_action);
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

  return export (ctx, program, error);
}

GByteArray *
sb_seccomp_compile (const SbSeccompPolicy *policy, GError **error)
{
  g_autoptr(GByteArray) program = g_byte_array_new ();

  if (!compile (policy, program, error))
    return NULL;
  return g_steal_pointer (&program);
}
