/* pathsafe.c on a scratch tree, once with openat2 and once with the
 * userspace walk: both must agree, and neither may leave the root. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/glib-compat.h"
#include "rootfs/pathsafe.h"

/* The tree, under a fresh temporary directory that plays "/":
 *   a/            directory
 *   a/b           file
 *   abs -> /a     absolute symlink, meant inside the root
 *   up -> ../../../../a
 *   out -> /etc   outside if followed from the host's root
 *   loop1 -> loop2, loop2 -> loop1
 *   dangling -> /created
 *   rel -> a/b */
typedef struct {
  char *dir;
  int root_fd;
} Tree;

static void
tree_setup (Tree *tree, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  static const char *const links[][2] = {
    { "/a", "abs" }, { "../../../../a", "up" }, { "/etc", "out" }, { "loop2", "loop1" },
    { "loop1", "loop2" }, { "/created", "dangling" }, { "a/b", "rel" },
  };

  sb_pathsafe_set_fallback (GPOINTER_TO_INT (data));
  tree->dir = g_dir_make_tmp ("test-pathsafe-XXXXXX", &error);
  g_assert_no_error (error);
  a = g_build_filename (tree->dir, "a", NULL);
  b = g_build_filename (a, "b", NULL);
  g_assert_cmpint (g_mkdir (a, 0755), ==, 0);
  g_file_set_contents (b, "b", 1, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *path = g_build_filename (tree->dir, links[i][1], NULL);
      g_assert_cmpint (symlink (links[i][0], path), ==, 0);
    }
  tree->root_fd = open (tree->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_assert_cmpint (tree->root_fd, >=, 0);
}

static void
tree_teardown (Tree *tree, gconstpointer data)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", tree->dir);

  g_assert_cmpint (system (command), ==, 0);
  close (tree->root_fd);
  g_free (tree->dir);
  sb_pathsafe_set_fallback (FALSE);
}

/* Opens PATH and checks it is the same file as HOST_PATH under the tree. */
static void
assert_resolves_to (Tree *tree, const char *path, int flags, const char *host_path)
{
  g_autofd int fd = sb_pathsafe_open (tree->root_fd, path, flags, 0);
  g_autofree char *expected_path = g_build_filename (tree->dir, host_path, NULL);
  struct stat got, expected;

  if (fd < 0)
    g_error ("%s: %s", path, g_strerror (errno));
  g_assert_cmpint (fstat (fd, &got), ==, 0);
  g_assert_cmpint (lstat (expected_path, &expected), ==, 0);
  g_assert_cmpuint (got.st_ino, ==, expected.st_ino);
  g_assert_cmpuint (got.st_dev, ==, expected.st_dev);
}

static void
assert_fails (Tree *tree, const char *path, int flags, int errsv)
{
  int fd = sb_pathsafe_open (tree->root_fd, path, flags, 0);

  if (fd >= 0)
    close (fd);
  g_assert_cmpint (fd, ==, -1);
  g_assert_cmpint (errno, ==, errsv);
}

static void
test_inside (Tree *tree, gconstpointer data)
{
  assert_resolves_to (tree, "/a/b", O_PATH, "a/b");
  assert_resolves_to (tree, "a/./b", O_PATH, "a/b");
  assert_resolves_to (tree, "/", O_PATH, ".");
  assert_resolves_to (tree, "", O_PATH, ".");
  assert_resolves_to (tree, "/rel", O_PATH, "a/b");
  assert_resolves_to (tree, "/abs/b", O_PATH, "a/b");
  assert_resolves_to (tree, "/abs", O_PATH | O_DIRECTORY, "a");
  assert_resolves_to (tree, "/abs", O_PATH | O_NOFOLLOW, "abs");
}

static void
test_dotdot_stops_at_root (Tree *tree, gconstpointer data)
{
  assert_resolves_to (tree, "/../../a/b", O_PATH, "a/b");
  assert_resolves_to (tree, "/a/../../..", O_PATH, ".");
  assert_resolves_to (tree, "/up/b", O_PATH, "a/b");
}

static void
test_symlink_out_stays_in (Tree *tree, gconstpointer data)
{
  /* The host has /etc/passwd; the tree has no etc. */
  assert_fails (tree, "/out/passwd", O_PATH, ENOENT);
  assert_fails (tree, "/a/b/c", O_PATH, ENOTDIR);
  assert_fails (tree, "/a/b", O_PATH | O_DIRECTORY, ENOTDIR);
  assert_fails (tree, "/loop1", O_PATH, ELOOP);
}

static void
test_create_through_dangling (Tree *tree, gconstpointer data)
{
  g_autofd int fd = sb_pathsafe_open (tree->root_fd, "/dangling", O_WRONLY | O_CREAT, 0640);
  g_autofree char *created = g_build_filename (tree->dir, "created", NULL);
  struct stat st;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (lstat (created, &st), ==, 0);
  g_assert_true (S_ISREG (st.st_mode));
}

static void
test_mkdirs (Tree *tree, gconstpointer data)
{
  g_autofd int fd = sb_pathsafe_mkdirs (tree->root_fd, "/x/y/z", 0700);
  g_autofd int through = sb_pathsafe_mkdirs (tree->root_fd, "/abs/new", 0755);
  g_autofree char *x = g_build_filename (tree->dir, "x", NULL);
  g_autofree char *z = g_build_filename (tree->dir, "x/y/z", NULL);
  g_autofree char *new_dir = g_build_filename (tree->dir, "a/new", NULL);
  struct stat st;
  int bad;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (through, >=, 0);
  g_assert_cmpint (stat (z, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));
  g_assert_cmpint (stat (x, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700 & ~umask (umask (0)));
  g_assert_cmpint (stat (new_dir, &st), ==, 0);

  bad = sb_pathsafe_mkdirs (tree->root_fd, "/a/b/x", 0755);
  g_assert_cmpint (bad, ==, -1);
  g_assert_cmpint (errno, ==, ENOTDIR);
  /* A symlink out of the root must not create anything outside it. */
  bad = sb_pathsafe_mkdirs (tree->root_fd, "/out/sandbox-test-pathsafe", 0755);
  g_assert_cmpint (bad, ==, -1);
  g_assert_false (g_file_test ("/etc/sandbox-test-pathsafe", G_FILE_TEST_EXISTS));
}

static void
test_parent_mode (void)
{
  g_assert_cmpuint (sb_pathsafe_parent_mode (07777), ==, 0755);
  g_assert_cmpuint (sb_pathsafe_parent_mode (0755), ==, 0755);
  g_assert_cmpuint (sb_pathsafe_parent_mode (0700), ==, 0700);
  g_assert_cmpuint (sb_pathsafe_parent_mode (0640), ==, 0750);
  g_assert_cmpuint (sb_pathsafe_parent_mode (0604), ==, 0705);
  g_assert_cmpuint (sb_pathsafe_parent_mode (0), ==, 0700);
}

static void
add_tree_test (const char *name, void (*func) (Tree *, gconstpointer))
{
  static const char *const backends[] = { "kernel", "walk" };

  for (guint i = 0; i < G_N_ELEMENTS (backends); i++)
    {
      g_autofree char *path = g_strdup_printf ("/pathsafe/%s/%s", backends[i], name);

      g_test_add (path, Tree, GINT_TO_POINTER (i), tree_setup, func, tree_teardown);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  add_tree_test ("inside", test_inside);
  add_tree_test ("dotdot-stops-at-root", test_dotdot_stops_at_root);
  add_tree_test ("symlink-out-stays-in", test_symlink_out_stays_in);
  add_tree_test ("create-through-dangling", test_create_through_dangling);
  add_tree_test ("mkdirs", test_mkdirs);
  g_test_add_func ("/pathsafe/parent-mode", test_parent_mode);
  return g_test_run ();
}
