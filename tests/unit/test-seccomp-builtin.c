/* The default policy compiled at build time (seccomp-builtin.h) against the
 * same policy compiled now with libseccomp: byte for byte, for every variant,
 * so the two can never drift; and the proof that a default start uses it. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan/plan.h"
#include "confine/seccomp-builtin.h"
#include "confine/seccomp-compile.h"
#include "confine/seccomp-policy.h"
#include "confine/seccomp-programs.h"

static gboolean
build_has_programs (void)
{
  gsize len;

  return sb_seccomp_builtin (FALSE, FALSE, &len) != NULL;
}

static void
check_variant (gboolean allow_nesting, gboolean log)
{
  g_autoptr(SbSeccompPolicy) policy = sb_seccomp_policy_new_default (allow_nesting);
  g_autoptr(GByteArray) compiled = NULL;
  g_autoptr(GError) error = NULL;
  const struct sock_filter *builtin;
  gsize len;

  g_test_message ("allow_nesting %d, log %d", allow_nesting, log);
  if (log)
    sb_seccomp_policy_log_denials (policy);
  compiled = sb_seccomp_compile (policy, &error);
  builtin = sb_seccomp_builtin (allow_nesting, log, &len);

  /* Only a build kernel without SECCOMP_RET_LOG leaves out a variant, and
   * libseccomp then refuses it here too. */
  if (compiled == NULL)
    {
      g_assert_true (log);
      g_assert_null (builtin);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (builtin);
  g_assert_cmpmem (builtin, len * sizeof *builtin, compiled->data, compiled->len);
}

static void
test_same_as_compiled (void)
{
  if (!build_has_programs ())
    {
      g_test_skip ("a cross build: the policy is compiled at run time");
      return;
    }
  for (int allow_nesting = 0; allow_nesting <= 1; allow_nesting++)
    for (int log = 0; log <= 1; log++)
      check_variant (allow_nesting, log);
}

/* Compiling needs a memfd (seccomp_export_bpf writes to an fd): with
 * memfd_create refused, preparing succeeds only without libseccomp. */
static gboolean
refuse_memfd (void)
{
  struct sock_filter insns[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_memfd_create, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = { G_N_ELEMENTS (insns), insns };

  return prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
         && prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

/* 0: prepared one program; 1: failed; 2: the test's own setup failed. */
static int
prepare_without_memfd (const SbPlan *plan)
{
  int status;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autoptr(SbSeccompSet) set = NULL;

      if (!refuse_memfd ())
        _exit (2);
      set = sb_seccomp_prepare (plan, NULL);
      _exit (set != NULL && sb_seccomp_set_count (set) == 1 ? 0 : 1);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_prepare_uses_it (void)
{
  g_autoptr(SbPlan) file_plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd;

  if (!build_has_programs ())
    {
      g_test_skip ("a cross build: the policy is compiled at run time");
      return;
    }
  for (int allow_nesting = 0; allow_nesting <= 1; allow_nesting++)
    for (int log = 0; log <= 1; log++)
      {
        g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);

        g_test_message ("allow_nesting %d, log %d", allow_nesting, log);
        plan->allow_nesting = allow_nesting;
        plan->seccomp_log = log;
        g_assert_cmpint (prepare_without_memfd (plan), ==, 0);
      }

  /* The same policy from a file is compiled: the check above can fail. */
  fd = g_file_open_tmp ("sandbox-policy-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, "include default\n", -1, &error));
  g_assert_no_error (error);
  file_plan->seccomp_profile = SB_SECCOMP_PROFILE_FILE;
  file_plan->seccomp_profile_path = g_strdup (path);
  g_assert_cmpint (prepare_without_memfd (file_plan), ==, 1);
  g_assert_no_errno (g_unlink (path));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/seccomp-builtin/same-as-compiled", test_same_as_compiled);
  g_test_add_func ("/seccomp-builtin/prepare-uses-it", test_prepare_uses_it);
  return g_test_run ();
}
