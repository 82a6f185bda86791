/* Inputs that the fuzzers of tests/fuzz found to crash or misbehave, as
 * unit tests.  Each also lives in tests/fuzz/corpus/TARGET/regression-*,
 * which the fuzz suite replays; here it runs in every build, and under the
 * sanitizers with tests/sanitize/run. */
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "plan/plan.h"
#include "confine/seccomp-policy.h"
#include "confine/seccomp-programs.h"

/* fuzz-seccomp-policy, regression-empty-file-ubsan: an empty policy file
 * made read_policy_file() pass NULL to memchr() (undefined behaviour,
 * reported by UBSan).  An empty file is an empty policy: allow all. */
static void
test_empty_policy_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("sbtest-policy-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  plan->seccomp_profile = SB_SECCOMP_PROFILE_FILE;
  plan->seccomp_profile_path = g_strdup (path);
  set = sb_seccomp_prepare (plan, &error);
  g_unlink (path);
  g_assert_no_error (error);
  g_assert_nonnull (set);
}

static void
test_empty_policy_text (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbSeccompPolicy) policy = sb_seccomp_policy_parse ("", "empty", FALSE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (policy);
  g_assert_cmpuint (policy->rules->len, ==, 0);
  g_assert_cmpint (policy->default_action, ==, SB_SECCOMP_ALLOW);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fuzz-regressions/seccomp-policy/empty-file", test_empty_policy_file);
  g_test_add_func ("/fuzz-regressions/seccomp-policy/empty-text", test_empty_policy_text);
  return g_test_run ();
}
