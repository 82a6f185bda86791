#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "base/error.h"
#include "sandbox/idmap.h"

static void
test_format (void)
{
  g_autofree char *a = sb_idmap_format (1000, 1000);
  g_autofree char *b = sb_idmap_format (0, 1001);
  g_autofree char *c = sb_idmap_format (4294967294u, 0);

  g_assert_cmpstr (a, ==, "1000 1000 1\n");
  g_assert_cmpstr (b, ==, "0 1001 1\n");
  g_assert_cmpstr (c, ==, "4294967294 0 1\n");
}

/* A stand-in for /proc: DIR/PID/{uid_map,gid_map,setgroups} as plain files. */
typedef struct {
  char *dir;
  int fd;
} FakeProc;

static void
fake_proc_setup (FakeProc *fake, gconstpointer data)
{
  const char *const *files = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_dir = NULL;

  fake->dir = g_dir_make_tmp ("test-idmap-XXXXXX", &error);
  g_assert_no_error (error);
  pid_dir = g_build_filename (fake->dir, "self", NULL);
  g_assert_cmpint (g_mkdir (pid_dir, 0700), ==, 0);
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (pid_dir, files[i], NULL);
      g_file_set_contents (path, "", 0, &error);
      g_assert_no_error (error);
    }
  fake->fd = open (fake->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (fake->fd, >=, 0);
}

static void
fake_proc_teardown (FakeProc *fake, gconstpointer data)
{
  const char *names[] = { "uid_map", "gid_map", "setgroups" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (fake->dir, "self", names[i], NULL);
      g_unlink (path);
    }
  {
    g_autofree char *self = g_build_filename (fake->dir, "self", NULL);
    g_rmdir (self);
  }
  g_rmdir (fake->dir);
  g_free (fake->dir);
  close (fake->fd);
}

static char *
read_fake (FakeProc *fake, const char *name)
{
  g_autofree char *path = g_build_filename (fake->dir, "self", name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static const char *all_files[] = { "uid_map", "gid_map", "setgroups", NULL };
static const char *no_setgroups[] = { "uid_map", "gid_map", NULL };
static const char *no_uid_map[] = { "gid_map", "setgroups", NULL };

static void
test_write_all (FakeProc *fake, gconstpointer data)
{
  SbIdMap map = { .uid_inside = 0, .uid_outside = 1001, .gid_inside = 5, .gid_outside = 1002 };
  g_autoptr(GError) error = NULL;
  g_autofree char *uid_map = NULL;
  g_autofree char *gid_map = NULL;
  g_autofree char *setgroups = NULL;

  g_assert_true (sb_idmap_write (fake->fd, "self", &map, &error));
  g_assert_no_error (error);
  uid_map = read_fake (fake, "uid_map");
  gid_map = read_fake (fake, "gid_map");
  setgroups = read_fake (fake, "setgroups");
  g_assert_cmpstr (uid_map, ==, "0 1001 1\n");
  g_assert_cmpstr (gid_map, ==, "5 1002 1\n");
  g_assert_cmpstr (setgroups, ==, "deny\n");
}

static void
test_old_kernel_without_setgroups (FakeProc *fake, gconstpointer data)
{
  SbIdMap map = { .uid_inside = 1000, .uid_outside = 1000, .gid_inside = 1000, .gid_outside = 1000 };
  g_autoptr(GError) error = NULL;
  g_autofree char *gid_map = NULL;

  g_assert_true (sb_idmap_write (fake->fd, "self", &map, &error));
  g_assert_no_error (error);
  gid_map = read_fake (fake, "gid_map");
  g_assert_cmpstr (gid_map, ==, "1000 1000 1\n");
}

static void
test_uid_map_failure_message (FakeProc *fake, gconstpointer data)
{
  SbIdMap map = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *gid_map = NULL;

  g_assert_false (sb_idmap_write (fake->fd, "self", &map, &error));
  g_assert_error (error, SB_ERRNO_ERROR, ENOENT);
  /* The text bwrap prints and callers such as glycin match. */
  g_assert_cmpstr (error->message, ==, "setting up uid map: No such file or directory");
  /* Nothing else was written after the failure. */
  gid_map = read_fake (fake, "gid_map");
  g_assert_cmpstr (gid_map, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/idmap/format", test_format);
  g_test_add ("/idmap/write/all", FakeProc, all_files, fake_proc_setup, test_write_all,
              fake_proc_teardown);
  g_test_add ("/idmap/write/no-setgroups", FakeProc, no_setgroups, fake_proc_setup,
              test_old_kernel_without_setgroups, fake_proc_teardown);
  g_test_add ("/idmap/write/uid-map-fails", FakeProc, no_uid_map, fake_proc_setup,
              test_uid_map_failure_message, fake_proc_teardown);
  return g_test_run ();
}
