/* The cgroup stage against a fake cgroupfs: a temporary directory standing
 * in for /sys/fs/cgroup, with made-up /proc/self/cgroup and mountinfo. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "base/error.h"
#include "cgroup/cgroup.h"

#define V2_MOUNTS "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
#define HYBRID_MOUNTS                                                                  \
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"         \
  "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n" \
  "39 31 0:36 /outer /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"        \
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"

static void
put (const char *dir, const char *file, const char *text)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static char *
get (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static void
remove_all (const char *path)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", path);

  g_assert_cmpint (system (command), ==, 0);
}

static void
test_own_dir (void)
{
  SbCgroupHost host = {
    .prefix = "",
    .membership = "12:pids:/outer/job\n4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/\n",
    .mountinfo = HYBRID_MOUNTS,
  };
  g_autofree char *memory = sb_cgroup_own_dir (&host, "memory");
  g_autofree char *cpu = sb_cgroup_own_dir (&host, "cpu");
  g_autofree char *cpuacct = sb_cgroup_own_dir (&host, "cpuacct");
  g_autofree char *pids = sb_cgroup_own_dir (&host, "pids");
  g_autofree char *v2 = sb_cgroup_own_dir (&host, NULL);
  g_autofree char *blkio = sb_cgroup_own_dir (&host, "blkio");

  g_assert_cmpstr (memory, ==, "/sys/fs/cgroup/memory/process_api/abc");
  g_assert_cmpstr (cpu, ==, "/sys/fs/cgroup/cpu,cpuacct");
  g_assert_cmpstr (cpuacct, ==, "/sys/fs/cgroup/cpu,cpuacct");
  /* A mount of a subtree shows the path below its root. */
  g_assert_cmpstr (pids, ==, "/sys/fs/cgroup/pids/job");
  g_assert_cmpstr (v2, ==, "/sys/fs/cgroup/unified");
  g_assert_null (blkio);
}

static void
test_names (void)
{
  pid_t pid;
  guint64 start;

  g_assert_true (sb_cgroup_parse_name ("sandbox-123-456789", &pid, &start));
  g_assert_cmpint (pid, ==, 123);
  g_assert_cmpuint (start, ==, 456789);
  for (const char *const *bad = (const char *const[]) { "sandbox-", "sandbox-12", "sandbox-0-1",
                                                        "sandbox-1-", "sandbox-1-2x", "other-1-2",
                                                        "sandbox--1-2", NULL };
       *bad != NULL; bad++)
    g_assert_false (sb_cgroup_parse_name (*bad, &pid, &start));
}

/* (a): a delegated v2 cgroup.  The tool moves into its own leaf before the
 * controllers are handed down; the sandbox's leaf gets the limits. */
static void
test_v2_delegated (void)
{
  g_autofree char *top = g_dir_make_tmp ("sb-cgroup-XXXXXX", NULL);
  g_autofree char *own = g_build_filename (top, "sys/fs/cgroup/user.slice/me", NULL);
  g_autofree char *stale = g_build_filename (own, "sandbox-2147483646-5", NULL);
  g_autofree char *other = g_build_filename (own, "keep-me", NULL);
  g_autofree char *parent = g_build_filename (own, "sandbox-4242-99", NULL);
  g_autofree char *monitor = g_build_filename (parent, "monitor", NULL);
  g_autofree char *sandbox = g_build_filename (parent, "sandbox", NULL);
  SbCgroupHost host = {
    .prefix = top,
    .membership = "0::/user.slice/me\n",
    .mountinfo = V2_MOUNTS,
    .pid = 4242,
    .start_time = 99,
  };
  SbLimits limits = { .memory = 100 << 20, .pids = 50, .cpu_quota_us = 25000 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SbCgroup) cgroup = NULL;
  SbCgroupReport report;
  g_autofree char *procs = NULL, *enabled = NULL, *inner = NULL, *memory = NULL, *pids = NULL;
  g_autofree char *cpu = NULL;
  guint n_fds;

  put (own, "cgroup.controllers", "cpuset cpu io memory pids\n");
  put (own, "cgroup.subtree_control", "");
  g_assert_cmpint (g_mkdir (stale, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (other, 0755), ==, 0);

  cgroup = sb_cgroup_create (&host, &limits, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cgroup);
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (other, G_FILE_TEST_IS_DIR));

  procs = get (monitor, "cgroup.procs");
  enabled = get (own, "cgroup.subtree_control");
  inner = get (parent, "cgroup.subtree_control");
  memory = get (sandbox, "memory.max");
  pids = get (sandbox, "pids.max");
  cpu = get (sandbox, "cpu.max");
  g_assert_cmpstr (procs, ==, "4242");
  g_assert_cmpstr (enabled, ==, "+memory +pids +cpu");
  g_assert_cmpstr (inner, ==, "+memory +pids +cpu");
  g_assert_cmpstr (memory, ==, "104857600");
  g_assert_cmpstr (pids, ==, "50");
  g_assert_cmpstr (cpu, ==, "25000 100000");
  g_assert_cmpint (sb_cgroup_clone_fd (cgroup), >=, 0);
  sb_cgroup_join_fds (cgroup, &n_fds);
  g_assert_cmpuint (n_fds, ==, 1);  /* for a child born outside it */

  put (sandbox, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  put (sandbox, "memory.peak", "104857600\n");
  put (sandbox, "cpu.stat", "usage_usec 12345\nuser_usec 12000\n");
  sb_cgroup_report (cgroup, &report);
  g_assert_true (report.oom_killed);
  g_assert_true (report.has_memory_peak);
  g_assert_cmpuint (report.memory_peak, ==, 104857600);
  g_assert_true (report.has_cpu_usage);
  g_assert_cmpuint (report.cpu_usage_us, ==, 12345);

  g_clear_pointer (&cgroup, sb_cgroup_destroy);
  remove_all (top);
}

/* (d): nothing usable, one line that says why and what would help. */
static void
test_refused (void)
{
  g_autofree char *top = g_dir_make_tmp ("sb-cgroup-XXXXXX", NULL);
  g_autofree char *own = g_build_filename (top, "sys/fs/cgroup/unified", NULL);
  SbCgroupHost host = {
    .prefix = top,
    .membership = "0::/\n",
    .mountinfo = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
    .pid = 4242,
    .start_time = 99,
  };
  SbLimits limits = { .memory = 1 << 20, .cpu_quota_us = 1000 };
  g_autoptr(GError) error = NULL;

  put (own, "cgroup.controllers", "hugetlb\n");
  g_assert_null (sb_cgroup_create (&host, &limits, &error));
  g_assert_error (error, SB_ERROR, SB_ERROR_SETUP);
  g_assert_cmpstr (error->message, ==,
                   "--memory, --cpus need a cgroup of its own and none is available: the cgroup "
                   "v2 hierarchy offers no memory controller in /sys/fs/cgroup/unified; no "
                   "systemd user scope: the cgroup v2 hierarchy has no memory controller at "
                   "all; there is no cgroup v1 memory hierarchy (run in a systemd user session "
                   "or in a cgroup delegated to this user, or use --rlimit for per-process "
                   "limits)");
  remove_all (top);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cgroup/own-dir", test_own_dir);
  g_test_add_func ("/cgroup/names", test_names);
  g_test_add_func ("/cgroup/v2-delegated", test_v2_delegated);
  g_test_add_func ("/cgroup/refused", test_refused);
  return g_test_run ();
}
