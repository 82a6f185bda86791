/* The time namespace's offsets: reading SECONDS, the kernel's text. */
#include "base/error.h"
#include "plan/timens.h"

static void
test_parse_good (void)
{
  static const struct {
    const char *text;
    gint64 ns;
  } cases[] = {
    { "0", 0 },
    { "3600", G_GINT64_CONSTANT (3600000000000) },
    { "+1", 1000000000 },
    { "-86400", G_GINT64_CONSTANT (-86400000000000) },
    { "1.5", 1500000000 },
    { "-0.000000001", -1 },
    { "2.123456789", 2123456789 },
    { "9000000000", G_GINT64_CONSTANT (9000000000) * 1000000000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 ns = 42;

      g_test_message ("%s", cases[i].text);
      g_assert_true (sb_time_offset_parse ("--boottime-offset", cases[i].text, &ns, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ns, ==, cases[i].ns);
    }
}

static void
test_parse_bad (void)
{
  static const char *const bad[] = {
    "", "-", "+", "1.", ".5", "1.1234567891", "1e3", "0x10", " 1", "1 ", "--1", "9000000001",
    "99999999999999999999",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 ns = 42;

      g_test_message ("%s", bad[i]);
      g_assert_false (sb_time_offset_parse ("--monotonic-offset", bad[i], &ns, &error));
      g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
      g_assert_true (g_str_has_prefix (error->message, "--monotonic-offset "));
      g_assert_cmpint (ns, ==, 42);
    }
}

static void
test_format (void)
{
  SbTimeOffsets none = { 0 };
  SbTimeOffsets both = { true, -1500000000, true, G_GINT64_CONSTANT (86400000000000) };
  SbTimeOffsets boottime = { false, 0, true, 1 };
  g_autofree char *both_text = sb_time_offsets_format (&both);
  g_autofree char *boottime_text = sb_time_offsets_format (&boottime);

  g_assert_null (sb_time_offsets_format (&none));
  /* Whole seconds rounded down, the nanoseconds never negative. */
  g_assert_cmpstr (both_text, ==, "monotonic -2 500000000\nboottime 86400 0\n");
  g_assert_cmpstr (boottime_text, ==, "boottime 0 1\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/timens/parse/good", test_parse_good);
  g_test_add_func ("/timens/parse/bad", test_parse_bad);
  g_test_add_func ("/timens/format", test_format);
  return g_test_run ();
}
