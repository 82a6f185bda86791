/* The pure parts of mountapi.c and of the rootfs files: option strings and
 * the host mount table of the legacy backend. */
#include <glib.h>

#include "rootfs/mountapi.h"
#include "rootfs/internal.h"

static const char mountinfo[] =
  "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
  "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
  "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw\n"
  "25 24 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"
  "30 25 0:27 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"
  "40 27 0:40 / /mnt/with\\040space rw - tmpfs tmpfs rw\n"
  "41 27 0:41 / /mnt/with\\134backslash rw - tmpfs tmpfs rw\n"
  "42 27 0:42 / /devices rw - tmpfs tmpfs rw\n";

static void
test_parse_mount_points (void)
{
  g_autoptr (GPtrArray) points = sb_mountapi_parse_mount_points (mountinfo);
  static const char *const expected[] = {
    "/", "/dev", "/dev/shm", "/devices", "/mnt/with space", "/mnt/with\\backslash", "/proc",
  };

  g_assert_cmpuint (points->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < points->len; i++)
    g_assert_cmpstr (points->pdata[i], ==, expected[i]);
}

static void
assert_below (GPtrArray *points, const char *path, const char *first, guint count)
{
  guint lo, hi;

  sb_mountapi_mounts_below (points, path, &lo, &hi);
  g_assert_cmpuint (hi - lo, ==, count);
  if (count > 0)
    g_assert_cmpstr (points->pdata[lo], ==, first);
}

static void
test_mounts_below (void)
{
  g_autoptr (GPtrArray) points = sb_mountapi_parse_mount_points (mountinfo);

  assert_below (points, "/", "/dev", 6);
  /* /devices shares a prefix with /dev but is not below it. */
  assert_below (points, "/dev", "/dev/shm", 1);
  assert_below (points, "/dev/shm", NULL, 0);
  assert_below (points, "/mnt", "/mnt/with space", 2);
  assert_below (points, "/nowhere", NULL, 0);
  assert_below (points, "/zzz", NULL, 0);
}

static void
test_join_options (void)
{
  static const char *const tmpfs[] = { "mode", "755", "size", "4096", NULL };
  static const char *const devpts[] = { "newinstance", NULL, "ptmxmode", "0666", NULL };
  static const char *const label[] = { "context", "system_u:object_r:t:s0:c1,c2", NULL };
  g_autofree char *a = sb_mountapi_join_options (tmpfs);
  g_autofree char *b = sb_mountapi_join_options (devpts);
  g_autofree char *c = sb_mountapi_join_options (label);
  g_autofree char *d = sb_mountapi_join_options (NULL);

  g_assert_cmpstr (a, ==, "mode=755,size=4096");
  g_assert_cmpstr (b, ==, "newinstance,ptmxmode=0666");
  g_assert_cmpstr (c, ==, "context=\"system_u:object_r:t:s0:c1,c2\"");
  g_assert_cmpstr (d, ==, "");
}

static void
test_tmpfs_options (void)
{
  g_auto (GStrv) plain = sb_rootfs_tmpfs_options (0755, 0, NULL);
  g_auto (GStrv) full = sb_rootfs_tmpfs_options (01777, 1048576, "ctx");
  g_autofree char *a = sb_mountapi_join_options ((const char *const *) plain);
  g_autofree char *b = sb_mountapi_join_options ((const char *const *) full);

  g_assert_cmpstr (a, ==, "mode=755");
  g_assert_cmpstr (b, ==, "mode=1777,size=1048576,context=ctx");
}

static void
test_op_mode (void)
{
  g_autoptr (SbPlan) plan = sb_plan_new (SB_PERSONALITY_BWRAP);
  SbMountOp op = { 0 };

  op.mode = SB_MODE_UNSET;
  op.dest = (char *) "/x";
  op.kind = SB_OP_DIR;
  g_assert_cmpuint (sb_rootfs_op_mode (plan, &op), ==, 0755);
  op.kind = SB_OP_TMPFS;
  g_assert_cmpuint (sb_rootfs_op_mode (plan, &op), ==, 0755);
  op.kind = SB_OP_FILE;
  g_assert_cmpuint (sb_rootfs_op_mode (plan, &op), ==, 0666);
  op.kind = SB_OP_BIND_DATA;
  g_assert_cmpuint (sb_rootfs_op_mode (plan, &op), ==, 0600);
  op.kind = SB_OP_BIND;
  g_assert_cmpuint (sb_rootfs_op_mode (plan, &op), ==, 0);
  op.mode = 0700;
  op.kind = SB_OP_FILE;
  g_assert_cmpuint (sb_rootfs_op_mode (plan, &op), ==, 0700);
  /* --chmod's mode is not a creation mode. */
  op.kind = SB_OP_CHMOD;
  g_assert_cmpuint (sb_rootfs_op_mode (plan, &op), ==, 0);
}

/* A --tmpfs on /tmp or /var/tmp: 01777 under the sandbox personality,
 * bwrap's 0755 under its own, --perms wins under both. */
static void
test_op_mode_shared_tmp (void)
{
  g_autoptr (SbPlan) sandbox = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr (SbPlan) bwrap = sb_plan_new (SB_PERSONALITY_BWRAP);
  SbMountOp op = { .kind = SB_OP_TMPFS, .mode = SB_MODE_UNSET, .dest = (char *) "/tmp" };

  g_assert_cmpuint (sb_rootfs_op_mode (sandbox, &op), ==, 01777);
  g_assert_cmpuint (sb_rootfs_op_mode (bwrap, &op), ==, 0755);
  op.dest = (char *) "/var/tmp";
  g_assert_cmpuint (sb_rootfs_op_mode (sandbox, &op), ==, 01777);
  g_assert_cmpuint (sb_rootfs_op_mode (bwrap, &op), ==, 0755);
  op.dest = (char *) "/tmp/sub";
  g_assert_cmpuint (sb_rootfs_op_mode (sandbox, &op), ==, 0755);
  op.dest = (char *) "/tmp";
  op.mode = 0700;
  g_assert_cmpuint (sb_rootfs_op_mode (sandbox, &op), ==, 0700);
  op.kind = SB_OP_DIR;
  op.mode = SB_MODE_UNSET;
  g_assert_cmpuint (sb_rootfs_op_mode (sandbox, &op), ==, 0755);
}

static void
test_overlay_options (void)
{
  char *two[] = { "/bottom", "/top", NULL };
  char *odd[] = { "/a,b", "/c:d\\e", NULL };
  SbMountOp op = { 0 };
  g_autofree char *rw = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *ro = NULL;
  g_autofree char *escaped = NULL;

  op.kind = SB_OP_OVERLAY;
  op.source = "/up";
  op.overlay_workdir = "/work";
  op.overlay_sources = two;
  rw = sb_overlay_options (&op, NULL, NULL);
  g_assert_cmpstr (rw, ==, "upperdir=/up,workdir=/work,lowerdir=/top:/bottom,userxattr");

  op.kind = SB_OP_TMP_OVERLAY;
  op.source = NULL;
  op.overlay_workdir = NULL;
  tmp = sb_overlay_options (&op, "/proc/self/fd/5", "/proc/self/fd/6");
  g_assert_cmpstr (tmp, ==, "upperdir=/proc/self/fd/5,workdir=/proc/self/fd/6,lowerdir=/top:/bottom,userxattr");

  op.kind = SB_OP_RO_OVERLAY;
  ro = sb_overlay_options (&op, NULL, NULL);
  g_assert_cmpstr (ro, ==, "lowerdir=/top:/bottom,userxattr");

  op.overlay_sources = odd;
  escaped = sb_overlay_options (&op, NULL, NULL);
  g_assert_cmpstr (escaped, ==, "lowerdir=/c\\:d\\\\e:/a\\,b,userxattr");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mountapi/parse-mount-points", test_parse_mount_points);
  g_test_add_func ("/mountapi/mounts-below", test_mounts_below);
  g_test_add_func ("/mountapi/join-options", test_join_options);
  g_test_add_func ("/rootfs/tmpfs-options", test_tmpfs_options);
  g_test_add_func ("/rootfs/op-mode", test_op_mode);
  g_test_add_func ("/rootfs/op-mode/shared-tmp", test_op_mode_shared_tmp);
  g_test_add_func ("/rootfs/overlay-options", test_overlay_options);
  return g_test_run ();
}
