#include <glib.h>
#include <linux/capability.h>

#include "sandbox/caps.h"

#define BIT(cap) (G_GUINT64_CONSTANT (1) << (cap))

static void
test_guard_prefers_the_least_powerful (void)
{
  guint64 all = BIT (CAP_LAST_CAP + 1) - 1;

  g_assert_cmphex (sb_caps_ptrace_guard (all, 0), ==, BIT (CAP_WAKE_ALARM));
  g_assert_cmphex (sb_caps_ptrace_guard (all, BIT (CAP_WAKE_ALARM)), ==, BIT (CAP_BLOCK_SUSPEND));
  g_assert_cmphex (sb_caps_ptrace_guard (all, BIT (CAP_WAKE_ALARM) | BIT (CAP_BLOCK_SUSPEND)),
                   ==, BIT (CAP_LEASE));
}

static void
test_guard_is_one_the_command_lacks (void)
{
  guint64 held = BIT (CAP_CHOWN) | BIT (CAP_SYS_ADMIN) | BIT (CAP_NET_RAW);

  /* None of the preferred ones is held: the lowest that is. */
  g_assert_cmphex (sb_caps_ptrace_guard (held, 0), ==, BIT (CAP_CHOWN));
  g_assert_cmphex (sb_caps_ptrace_guard (held, BIT (CAP_CHOWN)), ==, BIT (CAP_NET_RAW));
}

static void
test_no_guard_when_the_command_holds_everything (void)
{
  guint64 held = BIT (CAP_CHOWN) | BIT (CAP_WAKE_ALARM);

  g_assert_cmphex (sb_caps_ptrace_guard (held, held), ==, 0);
  g_assert_cmphex (sb_caps_ptrace_guard (held, G_MAXUINT64), ==, 0);
  g_assert_cmphex (sb_caps_ptrace_guard (0, 0), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/caps/guard/least-powerful", test_guard_prefers_the_least_powerful);
  g_test_add_func ("/caps/guard/lacked-by-command", test_guard_is_one_the_command_lacks);
  g_test_add_func ("/caps/guard/none", test_no_guard_when_the_command_holds_everything);
  return g_test_run ();
}
