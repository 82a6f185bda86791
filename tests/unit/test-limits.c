/* The limit parsers: --rlimit, sizes, counts, CPUs and seconds. */
#include <string.h>
#include <sys/resource.h>

#include "base/error.h"
#include "plan/limits.h"

static void
test_rlimit_forms (void)
{
  g_auto(SbLimits) limits;
  g_autoptr(GError) error = NULL;
  const SbRlimit *limit;

  sb_limits_init (&limits);
  g_assert_true (sb_limits_add_rlimit (&limits, "nofile=64:128", &error));
  g_assert_true (sb_limits_add_rlimit (&limits, "as=1G", &error));
  g_assert_true (sb_limits_add_rlimit (&limits, "core=0:unlimited", &error));
  g_assert_true (sb_limits_add_rlimit (&limits, "fsize=4k", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (limits.rlimits->len, ==, 4);

  limit = &g_array_index (limits.rlimits, SbRlimit, 0);
  g_assert_cmpint (limit->resource, ==, RLIMIT_NOFILE);
  g_assert_cmpuint (limit->soft, ==, 64);
  g_assert_cmpuint (limit->hard, ==, 128);
  /* HARD defaults to SOFT. */
  limit = &g_array_index (limits.rlimits, SbRlimit, 1);
  g_assert_cmpint (limit->resource, ==, RLIMIT_AS);
  g_assert_cmpuint (limit->soft, ==, G_GUINT64_CONSTANT (1) << 30);
  g_assert_cmpuint (limit->hard, ==, limit->soft);
  limit = &g_array_index (limits.rlimits, SbRlimit, 2);
  g_assert_cmpuint (limit->soft, ==, 0);
  g_assert_cmpuint (limit->hard, ==, SB_RLIM_UNLIMITED);
  limit = &g_array_index (limits.rlimits, SbRlimit, 3);
  g_assert_cmpuint (limit->soft, ==, 4096);
}

static void
test_rlimit_last_wins (void)
{
  g_auto(SbLimits) limits;
  g_autoptr(GError) error = NULL;

  sb_limits_init (&limits);
  g_assert_true (sb_limits_add_rlimit (&limits, "nproc=10", &error));
  g_assert_true (sb_limits_add_rlimit (&limits, "nproc=20:30", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (limits.rlimits->len, ==, 1);
  g_assert_cmpuint (g_array_index (limits.rlimits, SbRlimit, 0).soft, ==, 20);
  g_assert_cmpuint (g_array_index (limits.rlimits, SbRlimit, 0).hard, ==, 30);
}

static void
test_rlimit_bad (void)
{
  static const struct {
    const char *text;
    const char *message;
  } cases[] = {
    { "nofile", "--rlimit nofile: expected NAME=SOFT[:HARD]" },
    { "files=10", "--rlimit files=10: unknown limit \"files\" (as, core, cpu, data, fsize, "
                  "locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
                  "sigpending, stack)" },
    { "nofile=", "--rlimit nofile=: a value is a number (with K, M or G) or \"unlimited\"" },
    { "nofile=ten", NULL },
    { "nofile=-1", NULL },
    { "nofile=1:2:3", NULL },
    { "nofile=1X", NULL },
    { "nofile=10KB", NULL },
    { "nofile=1:", NULL },
    { "nofile=99999999999999999999", NULL },
    { "nofile=18446744073709551615", NULL },
    { "as=20000000000000000G", NULL },
    { "nofile=20:10", "--rlimit nofile=20:10: the soft limit is above the hard limit" },
    { "nofile=unlimited:10", "--rlimit nofile=unlimited:10: the soft limit is above the hard limit" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(SbLimits) limits;
      g_autoptr(GError) error = NULL;

      sb_limits_init (&limits);
      g_test_message ("%s", cases[i].text);
      g_assert_false (sb_limits_add_rlimit (&limits, cases[i].text, &error));
      g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
      g_assert_null (strchr (error->message, '\n'));
      g_assert_true (g_str_has_prefix (error->message, "--rlimit "));
      if (cases[i].message != NULL)
        g_assert_cmpstr (error->message, ==, cases[i].message);
      g_assert_cmpuint (limits.rlimits->len, ==, 0);
    }
}

static void
test_sizes (void)
{
  g_autoptr(GError) error = NULL;
  guint64 bytes;

  g_assert_true (sb_limits_parse_size ("--memory", "100M", &bytes, &error));
  g_assert_cmpuint (bytes, ==, 100 * 1024 * 1024);
  g_assert_true (sb_limits_parse_size ("--memory", "2G", &bytes, &error));
  g_assert_cmpuint (bytes, ==, G_GUINT64_CONSTANT (2) << 30);
  g_assert_true (sb_limits_parse_size ("--memory", "4096", &bytes, &error));
  g_assert_cmpuint (bytes, ==, 4096);
  g_assert_no_error (error);

  for (const char *const *bad = (const char *const[]) { "0", "", "M", "1.5G", "-1", "1 G", "1P",
                                                        "99999999999T", NULL };
       *bad != NULL; bad++)
    {
      g_autoptr(GError) local_error = NULL;

      g_assert_false (sb_limits_parse_size ("--memory", *bad, &bytes, &local_error));
      g_assert_error (local_error, SB_ERROR, SB_ERROR_USAGE);
      g_assert_true (g_str_has_prefix (local_error->message, "--memory "));
    }
}

static void
test_counts_and_cpus (void)
{
  g_autoptr(GError) error = NULL;
  guint64 value;

  g_assert_true (sb_limits_parse_count ("--pids", "512", &value, &error));
  g_assert_cmpuint (value, ==, 512);
  g_assert_true (sb_limits_parse_cpus ("--cpus", "0.25", &value, &error));
  g_assert_cmpuint (value, ==, 25000);
  g_assert_true (sb_limits_parse_cpus ("--cpus", "2", &value, &error));
  g_assert_cmpuint (value, ==, 200000);
  g_assert_true (sb_limits_parse_cpus ("--cpus", "0.01", &value, &error));
  g_assert_cmpuint (value, ==, 1000);
  g_assert_no_error (error);

  for (const char *const *bad = (const char *const[]) { "0", "1.5", "-3", "ten", "", "1K", NULL };
       *bad != NULL; bad++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *expected = g_strdup_printf ("--pids %s: expected a positive whole number",
                                                   *bad);

      g_assert_false (sb_limits_parse_count ("--pids", *bad, &value, &local_error));
      g_assert_cmpstr (local_error->message, ==, expected);
    }
  for (const char *const *bad = (const char *const[]) { "0", "0.001", "-1", ".5", "1.", "1e3",
                                                        "0.1234567", NULL };
       *bad != NULL; bad++)
    {
      g_autoptr(GError) local_error = NULL;
      g_assert_false (sb_limits_parse_cpus ("--cpus", *bad, &value, &local_error));
      g_assert_error (local_error, SB_ERROR, SB_ERROR_USAGE);
    }
}

static void
test_seconds (void)
{
  g_autoptr(GError) error = NULL;
  gint64 us;

  g_assert_true (sb_limits_parse_seconds ("--timeout", "1.5", FALSE, &us, &error));
  g_assert_cmpint (us, ==, 1500000);
  g_assert_true (sb_limits_parse_seconds ("--timeout", "3600", FALSE, &us, &error));
  g_assert_cmpint (us, ==, (gint64) 3600 * G_USEC_PER_SEC);
  g_assert_true (sb_limits_parse_seconds ("--timeout", "0.000001", FALSE, &us, &error));
  g_assert_cmpint (us, ==, 1);
  g_assert_true (sb_limits_parse_seconds ("--kill-after", "0", TRUE, &us, &error));
  g_assert_cmpint (us, ==, 0);
  g_assert_no_error (error);

  g_assert_false (sb_limits_parse_seconds ("--timeout", "0", FALSE, &us, &error));
  g_assert_cmpstr (error->message, ==,
                   "--timeout 0: expected a positive number of seconds, e.g. 1.5");
  g_clear_error (&error);
  for (const char *const *bad = (const char *const[]) { "", "1s", "-1", "1,5", "inf", "nan",
                                                        "99999999999999999999", NULL };
       *bad != NULL; bad++)
    {
      g_autoptr(GError) local_error = NULL;
      g_assert_false (sb_limits_parse_seconds ("--kill-after", *bad, TRUE, &us, &local_error));
      g_assert_true (g_str_has_prefix (local_error->message, "--kill-after "));
    }
}

static void
test_format_size (void)
{
  static const struct {
    guint64 bytes;
    const char *text;
  } cases[] = {
    { 100 * 1024 * 1024, "100M" }, { G_GUINT64_CONSTANT (2) << 30, "2G" }, { 1536, "1536" }, { 3072, "3K" }, { 1000, "1000" },
    { G_GUINT64_CONSTANT (1) << 50, "1024T" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = sb_limits_format_size (cases[i].bytes);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/limits/rlimit/forms", test_rlimit_forms);
  g_test_add_func ("/limits/rlimit/last-wins", test_rlimit_last_wins);
  g_test_add_func ("/limits/rlimit/bad", test_rlimit_bad);
  g_test_add_func ("/limits/sizes", test_sizes);
  g_test_add_func ("/limits/counts-and-cpus", test_counts_and_cpus);
  g_test_add_func ("/limits/seconds", test_seconds);
  g_test_add_func ("/limits/format-size", test_format_size);
  return g_test_run ();
}
