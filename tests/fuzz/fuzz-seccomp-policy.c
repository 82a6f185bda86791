/* libFuzzer target: the seccomp policy-file parser and printer
 * (sb_seccomp_policy_parse, sb_seccomp_policy_format), and the compiler
 * behind --seccomp-profile FILE (sb_seccomp_prepare).
 *
 * Input: one byte of flags (bit 0: --allow-nesting, bit 1: also compile
 * the policy with libseccomp, bit 2: --seccomp-log), then the file's text
 * (up to the first NUL byte).  Properties:
 *  - a parse error is "fuzz.policy:LINE: reason" on one clean line;
 *  - a parsed policy prints to a text that parses again, to the same text
 *    (the header's promise: "parses back to the same");
 *  - compiling a policy that parsed does not crash. */
#include <sys/mman.h>
#include <unistd.h>

#include "base/error.h"
#include "fuzz-common.h"
#include "plan/plan.h"
#include "confine/seccomp-policy.h"
#include "confine/seccomp-programs.h"

#define FILENAME "fuzz.policy"

static void
compile (const char *text, gboolean allow_nesting, gboolean log)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbSeccompSet) set = NULL;
  g_autoptr(GError) error = NULL;
  int fd = memfd_create ("fuzz-policy", MFD_CLOEXEC);
  size_t len = strlen (text);

  if (fd < 0 || write (fd, text, len) != (ssize_t) len)
    abort ();
  plan->seccomp_profile = SB_SECCOMP_PROFILE_FILE;
  plan->seccomp_profile_path = g_strdup_printf ("/proc/self/fd/%d", fd);
  plan->allow_nesting = allow_nesting;
  plan->seccomp_log = log;
  set = sb_seccomp_prepare (plan, &error);
  if (set == NULL)
    FUZZ_CHECK (error != NULL && fuzz_is_one_clean_line (error->message),
                "compile error: %s", error != NULL ? error->message : "(none)");
  close (fd);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SbSeccompPolicy) policy = NULL;
  gboolean allow_nesting;
  guint8 flags;

  if (size < 1)
    return 0;
  flags = data[0];
  allow_nesting = (flags & 1) != 0;
  text = g_strndup ((const char *) data + 1, size - 1);

  policy = sb_seccomp_policy_parse (text, FILENAME, allow_nesting, &error);
  if (policy == NULL)
    {
      FUZZ_CHECK (error != NULL, "no policy and no error");
      FUZZ_CHECK (g_str_has_prefix (error->message, FILENAME ":"), "error: %s", error->message);
      FUZZ_CHECK (fuzz_is_one_clean_line (error->message), "error: %s", error->message);
      return 0;
    }
  {
    g_autofree char *printed = sb_seccomp_policy_format (policy);
    g_autofree char *reprinted = NULL;
    g_autoptr(GError) again_error = NULL;
    g_autoptr(SbSeccompPolicy) again = sb_seccomp_policy_parse (printed, FILENAME, allow_nesting,
                                                                &again_error);

    FUZZ_CHECK (again != NULL, "the printed policy does not parse: %s\n--- printed:\n%s",
                again_error->message, printed);
    reprinted = sb_seccomp_policy_format (again);
    FUZZ_CHECK (strcmp (printed, reprinted) == 0, "printing is not stable\n--- first:\n%s"
                "\n--- second:\n%s", printed, reprinted);
  }
  if (flags & 2)
    compile (text, allow_nesting, (flags & 4) != 0);
  return 0;
}
