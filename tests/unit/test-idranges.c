/* The subordinate id ranges: --map-users text, /etc/subuid lines, podman's
 * layout for --map-auto, the checks against the grant, the map text. */
#include <string.h>

#include "base/error.h"
#include "plan/idranges.h"

static GArray *
new_ranges (void)
{
  return g_array_new (FALSE, FALSE, sizeof (SbIdRange));
}

static void
add_range (GArray *ranges, guint32 inside, guint32 outside, guint32 count)
{
  SbIdRange range = { inside, outside, count };

  g_array_append_val (ranges, range);
}

static void
assert_range (const GArray *ranges, guint i, guint32 inside, guint32 outside, guint32 count)
{
  const SbIdRange *range;

  g_assert_cmpuint (i, <, ranges->len);
  range = &g_array_index (ranges, SbIdRange, i);
  g_assert_cmpuint (range->inside, ==, inside);
  g_assert_cmpuint (range->outside, ==, outside);
  g_assert_cmpuint (range->count, ==, count);
}

static void
test_parse_good (void)
{
  g_autoptr(GArray) ranges = new_ranges ();
  g_autoptr(GError) error = NULL;

  g_assert_true (sb_idranges_parse ("--map-users", "0:165536:65536", ranges, &error));
  g_assert_true (sb_idranges_parse ("--map-users", "65536:1000:1", ranges, &error));
  g_assert_true (sb_idranges_parse ("--map-users", "4294967294:0:1", ranges, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ranges->len, ==, 3);
  assert_range (ranges, 0, 0, 165536, 65536);
  assert_range (ranges, 1, 65536, 1000, 1);
  assert_range (ranges, 2, 4294967294u, 0, 1);
}

static void
test_parse_bad (void)
{
  static const char *const bad[] = {
    "", "0", "0:1", "0:1:", ":1:1", "0:1:1:", "0:1:1 ", "-1:0:1", "+1:0:1", "0x1:0:1",
    "0:1:0", "4294967295:0:1", "4294967294:0:2", "0:4294967290:10", "99999999999:0:1",
    "0,1,1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GArray) ranges = new_ranges ();
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", bad[i]);
      g_assert_false (sb_idranges_parse ("--map-groups", bad[i], ranges, &error));
      g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
      g_assert_true (g_str_has_prefix (error->message, "--map-groups "));
      g_assert_null (strchr (error->message, '\n'));
      g_assert_cmpuint (ranges->len, ==, 0);
    }
}

static void
test_subids_names_and_uids (void)
{
  g_autoptr(GArray) grants = new_ranges ();
  const char *text =
    "# comment\n"
    "alice:100000:65536\n"
    "bob:165536:65536\n"
    "  alice:300000:10  \n"
    "1001:400000:5\n"
    "alice:bad:1\n"
    "alice:1:0\n"
    "alice:5\n"
    "\n"
    "alicex:500000:1\n"
    "#alice:600000:1\n";

  g_assert_cmpuint (sb_subids_parse (text, "alice", 1001, grants), ==, 3);
  assert_range (grants, 0, 0, 100000, 65536);
  assert_range (grants, 1, 0, 300000, 10);
  assert_range (grants, 2, 0, 400000, 5);

  g_array_set_size (grants, 0);
  /* A uid without a name: only numeric lines. */
  g_assert_cmpuint (sb_subids_parse (text, NULL, 1001, grants), ==, 1);
  assert_range (grants, 0, 0, 400000, 5);

  g_array_set_size (grants, 0);
  g_assert_cmpuint (sb_subids_parse (text, "carol", 2000, grants), ==, 0);
  g_assert_cmpuint (sb_subids_parse ("", "alice", 1001, grants), ==, 0);
}

static void
test_passwd_name (void)
{
  const char *text = "root:x:0:0:root:/root:/bin/bash\n"
                     "broken\n"
                     "sandbox-test:x:1001:1001::/home/sandbox-test:/bin/sh\n";
  g_autofree char *root = sb_passwd_name (text, 0);
  g_autofree char *user = sb_passwd_name (text, 1001);
  g_autofree char *none = sb_passwd_name (text, 4242);

  g_assert_cmpstr (root, ==, "root");
  g_assert_cmpstr (user, ==, "sandbox-test");
  g_assert_null (none);
}

/* --map-auto's layout for alice, uid 1001, at INSIDE_OWN. */
static GArray *
auto_layout (guint32 inside_own, const GArray *grants, guint expected_len)
{
  g_autoptr(GError) error = NULL;
  GArray *ranges = sb_idranges_auto ("--map-auto", "/etc/subuid", "alice", 1001, inside_own,
                                     grants, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ranges->len, ==, expected_len);
  return ranges;
}

/* podman's: the caller at 0, the grant from 1. */
static void
test_auto_root (void)
{
  g_autoptr(GArray) grants = new_ranges ();
  g_autoptr(GArray) ranges = NULL;
  g_autofree char *text = NULL;

  add_range (grants, 0, 100000, 65536);
  ranges = auto_layout (0, grants, 2);
  assert_range (ranges, 0, 0, 1001, 1);
  assert_range (ranges, 1, 1, 100000, 65536);
  text = sb_idranges_format (ranges);
  g_assert_cmpstr (text, ==, "0 1001 1\n1 100000 65536\n");
}

/* --uid 1000: the grant fills 0..999 and goes on after 1000; two grants
 * follow each other. */
static void
test_auto_other_uid (void)
{
  g_autoptr(GArray) grants = new_ranges ();
  g_autoptr(GArray) ranges = NULL;

  add_range (grants, 0, 100000, 65536);
  add_range (grants, 0, 300000, 10);
  ranges = auto_layout (1000, grants, 4);
  assert_range (ranges, 0, 1000, 1001, 1);
  assert_range (ranges, 1, 0, 100000, 1000);
  assert_range (ranges, 2, 1001, 101000, 64536);
  assert_range (ranges, 3, 65537, 300000, 10);
}

static void
test_auto_no_grant (void)
{
  g_autoptr(GArray) grants = new_ranges ();
  g_autoptr(GError) error = NULL;
  GArray *ranges = sb_idranges_auto ("--map-auto", "/etc/subgid", NULL, 4242, 0, grants, &error);

  g_assert_null (ranges);
  g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "--map-auto: /etc/subgid grants no subordinate ids to uid 4242 (add a line "
                   "such as \"4242:100000:65536\", e.g. with usermod --add-subuids and "
                   "--add-subgids)");
}

/* alice, uid 1001, mapping users. */
static gboolean
check_alice (const char *option, const GArray *ranges, const GArray *grants, gboolean unchecked,
             GError **error)
{
  return sb_idranges_check (option, "/etc/subuid", "alice", 1001, ranges, grants, unchecked,
                            error);
}

static void
test_check_grant (void)
{
  g_autoptr(GArray) grants = new_ranges ();
  g_autoptr(GArray) ok = new_ranges ();
  g_autoptr(GArray) outside = new_ranges ();
  g_autoptr(GError) error = NULL;

  /* Two touching grants make one. */
  add_range (grants, 0, 100000, 65536);
  add_range (grants, 0, 165536, 65536);
  add_range (ok, 0, 130000, 60000);
  add_range (ok, 60000, 100000, 30000);
  add_range (ok, 200000, 1001, 1);
  g_assert_true (check_alice ("--map-users", ok, grants, FALSE, &error));
  g_assert_no_error (error);

  add_range (outside, 0, 200000, 65536);
  g_assert_false (check_alice ("--map-users", outside, grants, FALSE, &error));
  g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "--map-users 0:200000:65536: ids 200000-265535 outside are not granted to "
                   "alice by /etc/subuid, nor its own id");
  g_clear_error (&error);

  /* A caller who may map anything. */
  g_assert_true (check_alice ("--map-users", outside, grants, TRUE, &error));
  g_assert_no_error (error);

  /* Nothing granted at all: what to add. */
  g_array_set_size (grants, 0);
  g_assert_false (check_alice ("--map-users", outside, grants, FALSE, &error));
  g_assert_true (strstr (error->message, "grants no subordinate ids to alice") != NULL);
}

static void
test_check_overlap (void)
{
  static const struct {
    const char *option;
    SbIdRange first, second;
    const char *message;
  } cases[] = {
    { "--map-users", { 0, 100000, 10 }, { 9, 200000, 1 },
      "--map-users 9:200000:1 overlaps 0:100000:10 inside the sandbox" },
    { "--map-groups", { 0, 100000, 10 }, { 10, 100009, 1 },
      "--map-groups 10:100009:1 overlaps 0:100000:10 outside the sandbox" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GArray) grants = new_ranges ();
      g_autoptr(GArray) ranges = new_ranges ();
      g_autoptr(GError) error = NULL;

      g_array_append_val (ranges, cases[i].first);
      g_array_append_val (ranges, cases[i].second);
      g_assert_false (check_alice (cases[i].option, ranges, grants, TRUE, &error));
      g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_maps (void)
{
  g_autoptr(GArray) ranges = new_ranges ();

  add_range (ranges, 0, 100000, 10);
  add_range (ranges, 1000, 1001, 1);
  g_assert_true (sb_idranges_maps (ranges, 0));
  g_assert_true (sb_idranges_maps (ranges, 9));
  g_assert_false (sb_idranges_maps (ranges, 10));
  g_assert_true (sb_idranges_maps (ranges, 1000));
  g_assert_false (sb_idranges_maps (ranges, 1001));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/idranges/parse/good", test_parse_good);
  g_test_add_func ("/idranges/parse/bad", test_parse_bad);
  g_test_add_func ("/idranges/subids/names-and-uids", test_subids_names_and_uids);
  g_test_add_func ("/idranges/passwd-name", test_passwd_name);
  g_test_add_func ("/idranges/auto/root", test_auto_root);
  g_test_add_func ("/idranges/auto/other-uid", test_auto_other_uid);
  g_test_add_func ("/idranges/auto/no-grant", test_auto_no_grant);
  g_test_add_func ("/idranges/check/grant", test_check_grant);
  g_test_add_func ("/idranges/check/overlap", test_check_overlap);
  g_test_add_func ("/idranges/maps", test_maps);
  return g_test_run ();
}
