#include <glib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/status.h"

static char *
escape (const char *s)
{
  GString *out = g_string_new (NULL);

  sb_status_json_escape (out, s);
  return g_string_free (out, FALSE);
}

static void
test_escape_plain (void)
{
  g_autofree char *a = escape ("child-pid");
  g_autofree char *b = escape ("");
  g_autofree char *c = escape ("/home/été/ü ✓");

  g_assert_cmpstr (a, ==, "\"child-pid\"");
  g_assert_cmpstr (b, ==, "\"\"");
  /* Valid UTF-8 passes through unchanged. */
  g_assert_cmpstr (c, ==, "\"/home/été/ü ✓\"");
}

static void
test_escape_specials (void)
{
  g_autofree char *a = escape ("say \"hi\" \\ bye");
  g_autofree char *b = escape ("a\nb\tc\rd\be\ff");
  g_autofree char *c = escape ("\x01\x1f\x7f");

  g_assert_cmpstr (a, ==, "\"say \\\"hi\\\" \\\\ bye\"");
  g_assert_cmpstr (b, ==, "\"a\\nb\\tc\\rd\\be\\ff\"");
  /* g_strescape would give octal escapes such as \001, which JSON lacks. */
  g_assert_cmpstr (c, ==, "\"\\u0001\\u001f\\u007f\"");
}

static void
test_escape_invalid_utf8 (void)
{
  g_autofree char *a = escape ("a\xff" "b");
  g_autofree char *b = escape ("\xc3");        /* truncated sequence */
  g_autofree char *c = escape ("\xe2\x9c" "x"); /* truncated, then ASCII */

  g_assert_cmpstr (a, ==, "\"a\\ufffdb\"");
  g_assert_cmpstr (b, ==, "\"\\ufffd\"");
  g_assert_cmpstr (c, ==, "\"\\ufffd\\ufffdx\"");
}

static void
test_info_bwrap_layout (void)
{
  SbStatusInfo info = { .child_pid = 19339 };
  g_autofree char *text = NULL;
  g_autofree char *start = NULL;

  info.ns_inode[sb_namespace_index (SB_NS_CGROUP)] = 4026532185;
  info.ns_inode[sb_namespace_index (SB_NS_IPC)] = 4026532183;
  info.ns_inode[sb_namespace_index (SB_NS_MNT)] = 4026532181;
  info.ns_inode[sb_namespace_index (SB_NS_NET)] = 4026532186;
  info.ns_inode[sb_namespace_index (SB_NS_PID)] = 4026532184;
  info.ns_inode[sb_namespace_index (SB_NS_UTS)] = 4026532182;
  text = sb_status_format_info (&info);
  start = sb_status_format_start (&info);

  /* Byte for byte what bwrap 0.8 writes for --unshare-all. */
  g_assert_cmpstr (text, ==,
                   "{\n"
                   "    \"child-pid\": 19339,\n"
                   "    \"cgroup-namespace\": 4026532185,\n"
                   "    \"ipc-namespace\": 4026532183,\n"
                   "    \"mnt-namespace\": 4026532181,\n"
                   "    \"net-namespace\": 4026532186,\n"
                   "    \"pid-namespace\": 4026532184,\n"
                   "    \"uts-namespace\": 4026532182\n"
                   "}\n");
  g_assert_cmpstr (start, ==,
                   "{ \"child-pid\": 19339, \"cgroup-namespace\": 4026532185, "
                   "\"ipc-namespace\": 4026532183, \"mnt-namespace\": 4026532181, "
                   "\"net-namespace\": 4026532186, \"pid-namespace\": 4026532184, "
                   "\"uts-namespace\": 4026532182 }\n");
}

/* Under the sandbox personality: how the sandbox is confined. */
static void
test_info_confinement (void)
{
  SbStatusInfo in_namespaces = { .child_pid = 7, .confinement_keys = TRUE };
  SbStatusInfo in_place = { .child_pid = 7, .command_pid = 7, .confinement_keys = TRUE,
                            .in_place = TRUE, .landlock_abi = 7 };
  g_autofree char *namespaces = NULL;
  g_autofree char *landlock = sb_status_format_start (&in_place);

  in_namespaces.ns_inode[sb_namespace_index (SB_NS_MNT)] = 42;
  namespaces = sb_status_format_start (&in_namespaces);

  g_assert_cmpstr (namespaces, ==,
                   "{ \"child-pid\": 7, \"mnt-namespace\": 42, \"confinement\": \"namespaces\" }\n");
  g_assert_cmpstr (landlock, ==,
                   "{ \"child-pid\": 7, \"command-pid\": 7, \"confinement\": \"landlock\", "
                   "\"landlock-abi\": 7 }\n");
}

static void
test_info_only_unshared (void)
{
  SbStatusInfo info = { .child_pid = 7, .command_pid = 9 };
  g_autofree char *start = NULL;
  g_autofree char *text = NULL;

  info.ns_inode[sb_namespace_index (SB_NS_MNT)] = 42;
  start = sb_status_format_start (&info);
  text = sb_status_format_info (&info);

  g_assert_cmpstr (start, ==, "{ \"child-pid\": 7, \"mnt-namespace\": 42, \"command-pid\": 9 }\n");
  g_assert_cmpstr (text, ==,
                   "{\n    \"child-pid\": 7,\n    \"mnt-namespace\": 42,\n"
                   "    \"command-pid\": 9\n}\n");
}

static void
test_exit_line (void)
{
  g_autofree char *a = sb_status_format_exit (&(SbStatusExit) { .exit_code = 3 });
  g_autofree char *b = sb_status_format_exit (&(SbStatusExit) { .exit_code = 137 });
  g_autofree char *c = sb_status_format_exit (&(SbStatusExit) {
    .exit_code = 124, .timed_out = TRUE, .oom_killed = TRUE,
    .has_memory_peak = TRUE, .memory_peak = 104857600, .has_cpu_usage = TRUE, .cpu_usage_us = 0 });

  g_assert_cmpstr (a, ==, "{ \"exit-code\": 3 }\n");
  g_assert_cmpstr (b, ==, "{ \"exit-code\": 137 }\n");
  g_assert_cmpstr (c, ==, "{ \"exit-code\": 124, \"timed-out\": true, \"oom-killed\": true, "
                          "\"memory-peak\": 104857600, \"cpu-usage-us\": 0 }\n");
}

static void
test_read_own_namespaces (void)
{
  SbStatusInfo info = { .child_pid = getpid () };
  g_autoptr(GError) error = NULL;

  g_assert_true (sb_status_read_namespaces (&info, SB_NS_NET, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.ns_inode[sb_namespace_index (SB_NS_MNT)], !=, 0);
  g_assert_cmpuint (info.ns_inode[sb_namespace_index (SB_NS_NET)], !=, 0);
  g_assert_cmpuint (info.ns_inode[sb_namespace_index (SB_NS_PID)], ==, 0);
  g_assert_cmpuint (info.ns_inode[sb_namespace_index (SB_NS_IPC)], ==, 0);
}

static void
test_read_missing_process (void)
{
  SbStatusInfo info = { .child_pid = G_MAXINT32 };
  g_autoptr(GError) error = NULL;

  g_assert_false (sb_status_read_namespaces (&info, 0, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "mnt namespace"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/status/escape/plain", test_escape_plain);
  g_test_add_func ("/status/escape/specials", test_escape_specials);
  g_test_add_func ("/status/escape/invalid-utf8", test_escape_invalid_utf8);
  g_test_add_func ("/status/info/bwrap-layout", test_info_bwrap_layout);
  g_test_add_func ("/status/info/only-unshared", test_info_only_unshared);
  g_test_add_func ("/status/info/confinement", test_info_confinement);
  g_test_add_func ("/status/exit-line", test_exit_line);
  g_test_add_func ("/status/namespaces/own", test_read_own_namespaces);
  g_test_add_func ("/status/namespaces/missing-process", test_read_missing_process);
  return g_test_run ();
}
