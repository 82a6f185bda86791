/* Seccomp filters: our policy as BPF (the default policy compiled at build
 * time, a policy file compiled now with libseccomp) and the caller's
 * precompiled programs read and checked, all before clone, so every error is
 * known before any namespace exists; loaded in order as the last step before
 * exec, with no allocation on the way. */
#include "confine/seccomp-programs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/error.h"
#include "base/read.h"
#include "base/glib-compat.h"
#include "confine/seccomp-builtin.h"
#include "confine/seccomp-compile.h"
#include "confine/seccomp-policy.h"

struct SbSeccompSet
{
  GArray *programs; /* of struct sock_fprog, in load order; owns the filters */
  guint shared;     /* how many of the first may be loaded before the fork */
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

/* More than the kernel loads: a policy file of ours is a few KiB. */
#define MAX_PROGRAM_BYTES (BPF_MAXINSNS * sizeof (struct sock_filter))
#define MAX_POLICY_FILE_BYTES (1024 * 1024)

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
read_caller_program (SbSeccompSet *set, int fd, GError **error)
{
  g_autoptr(GByteArray) data = sb_read_to_eof (fd, MAX_PROGRAM_BYTES);

  if (data == NULL && errno == EFBIG)
    return sb_throw (error, SB_ERROR_INVALID, "Invalid seccomp data, more than %d instructions",
                     BPF_MAXINSNS);
  if (data == NULL)
    return sb_throw_errno (error, "Can't read seccomp data");
  /* bwrap closes the fd once read: the command must not inherit it either. */
  if (fcntl (fd, F_SETFD, FD_CLOEXEC) != 0)
    return sb_throw_errno (error, "setting close-on-exec on seccomp fd %d", fd);
  return add_program (set, data, error);
}

/* bwrap's texts do not say which fd was bad; ours do. */
static gboolean
add_caller_program (SbSeccompSet *set, const SbPlan *plan, const char *option, int fd,
                    GError **error)
{
  if (read_caller_program (set, fd, error))
    return TRUE;
  if (plan->personality == SB_PERSONALITY_SANDBOX && error != NULL)
    sb_error_add_hint (*error, "%s %d", option, fd);
  return FALSE;
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
  data = sb_read_to_eof (fd, MAX_POLICY_FILE_BYTES);
  if (data == NULL && errno == EFBIG)
    {
      sb_throw (error, SB_ERROR_INVALID, "--seccomp-profile: %s is larger than %d bytes", path,
                MAX_POLICY_FILE_BYTES);
      return NULL;
    }
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

/* What libseccomp 2.5 checks before it accepts a log action (so before it
 * would compile the --seccomp-log variant): a seccomp() call that refuses
 * this invalid request (strict mode takes no flags) with EINVAL, and
 * SECCOMP_RET_LOG in the kernel. */
static gboolean
kernel_accepts_log (void)
{
  uint32_t action = SECCOMP_RET_LOG;

  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_STRICT, 1, NULL) == 0 || errno != EINVAL)
    return FALSE;
  return syscall (SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

/* The default policy as compiled at build time, when this build has it: the
 * same program as compiling it now, without running libseccomp.  FALSE when
 * the policy must be compiled (a policy file, a cross build, or a kernel
 * whose refusal of --seccomp-log the compiler must report). */
static gboolean
add_builtin_policy (SbSeccompSet *set, const SbPlan *plan)
{
  const struct sock_filter *filter;
  struct sock_fprog program;
  gsize len;

  if (plan->seccomp_profile != SB_SECCOMP_PROFILE_DEFAULT)
    return FALSE;
  filter = sb_seccomp_builtin (plan->allow_nesting, plan->seccomp_log, &len);
  if (filter == NULL || (plan->seccomp_log && !kernel_accepts_log ()))
    return FALSE;

  program.len = len;
  program.filter = g_memdup2 (filter, len * sizeof *filter);
  g_array_append_val (set->programs, program);
  /* It refuses nothing that the tool's last steps before exec call. */
  set->shared = 1;
  return TRUE;
}

static gboolean
add_policy (SbSeccompSet *set, const SbPlan *plan, GError **error)
{
  g_autoptr(SbSeccompPolicy) policy = NULL;
  g_autoptr(GByteArray) program = NULL;

  if (add_builtin_policy (set, plan))
    return TRUE;
  if (!plan_policy (plan, &policy, error))
    return FALSE;
  if (policy == NULL)
    return TRUE;
  program = sb_seccomp_compile (policy, error);
  if (program == NULL)
    return FALSE;
  return add_program (set, program, error);
}

SbSeccompSet *
sb_seccomp_prepare (const SbPlan *plan, GError **error)
{
  g_autoptr(SbSeccompSet) set = set_new ();

  /* Load order: our policy first, then the caller's programs as given.  The
   * kernel runs all of them; the most recently loaded decides ties. */
  if (!add_policy (set, plan, error))
    return NULL;

  if (plan->seccomp_fd >= 0
      && !add_caller_program (set, plan, "--seccomp", plan->seccomp_fd, error))
    return NULL;
  for (guint i = 0; i < plan->seccomp_fds->len; i++)
    if (!add_caller_program (set, plan, "--add-seccomp-fd",
                             g_array_index (plan->seccomp_fds, int, i), error))
      return NULL;

  return g_steal_pointer (&set);
}

/* Without a network namespace of ours, what keeps the command off the
 * host's network beside Landlock's TCP rules. */
static const char socket_policy[] =
  "deny socket EAFNOSUPPORT if arg0 != AF_UNIX  # UDP, raw, netlink: Landlock covers TCP alone\n"
  "deny socketcall EAFNOSUPPORT  # 32-bit x86 passes the family in memory, out of seccomp's reach\n"
  "deny io_uring_setup  # its socket operation would bypass the rule on socket\n";

gboolean
sb_seccomp_add_socket_filter (SbSeccompSet *set, GError **error)
{
  g_autoptr(SbSeccompPolicy) policy
    = sb_seccomp_policy_parse (socket_policy, "the in-place network policy", TRUE, error);
  g_autoptr(GByteArray) program = NULL;

  if (policy == NULL)
    return FALSE;
  program = sb_seccomp_compile (policy, error);
  return program != NULL && add_program (set, program, error);
}

static gboolean
load_range (const SbSeccompSet *set, guint from, guint to, GError **error)
{
  for (guint i = from; i < to; i++)
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

gboolean
sb_seccomp_load_shared (const SbSeccompSet *set, GError **error)
{
  return set == NULL || load_range (set, 0, set->shared, error);
}

gboolean
sb_seccomp_load (const SbSeccompSet *set, GError **error)
{
  return set == NULL || load_range (set, set->shared, set->programs->len, error);
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
