#include <elf.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/diag.h"

/* A minimal ELF image: header, one PT_INTERP program header, the string. */
static GByteArray *
make_elf (gboolean is64, gboolean big_endian, const char *interp)
{
  GByteArray *elf = g_byte_array_new ();
  guint ehsize = is64 ? 64 : 52;
  guint phentsize = is64 ? 56 : 32;
  guint interp_offset = ehsize + phentsize;
  gsize len = interp_offset + (interp ? strlen (interp) + 1 : 0);
  guint8 *d;

  g_byte_array_set_size (elf, len);
  d = elf->data;
  memset (d, 0, len);
  memcpy (d, ELFMAG, SELFMAG);
  d[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
  d[EI_DATA] = big_endian ? ELFDATA2MSB : ELFDATA2LSB;

#define PUT(off, size, value)                                                   \
  for (guint i_ = 0; i_ < (size); i_++)                                         \
    d[(off) + i_] = (guint8) ((guint64) (value) >> (8 * (big_endian ? (size) - 1 - i_ : i_)))

  PUT (is64 ? 32 : 28, is64 ? 8 : 4, ehsize);     /* e_phoff */
  PUT (is64 ? 54 : 42, 2, phentsize);             /* e_phentsize */
  PUT (is64 ? 56 : 44, 2, 1);                     /* e_phnum */
  PUT (ehsize, 4, interp ? PT_INTERP : PT_LOAD);  /* p_type */
  if (interp)
    {
      PUT (ehsize + (is64 ? 8 : 4), is64 ? 8 : 4, interp_offset);          /* p_offset */
      PUT (ehsize + (is64 ? 32 : 16), is64 ? 8 : 4, strlen (interp) + 1);  /* p_filesz */
      memcpy (d + interp_offset, interp, strlen (interp) + 1);
    }
#undef PUT
  return elf;
}

static void
test_elf_interp_variants (void)
{
  const struct {
    gboolean is64, big;
  } cases[] = { { TRUE, FALSE }, { TRUE, TRUE }, { FALSE, FALSE }, { FALSE, TRUE } };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) elf = make_elf (cases[i].is64, cases[i].big, "/lib/ld-test.so.1");
      g_autofree char *interp = sb_diag_elf_interp (elf->data, elf->len);
      g_assert_cmpstr (interp, ==, "/lib/ld-test.so.1");
    }
}

static void
test_elf_interp_none (void)
{
  g_autoptr(GByteArray) static_elf = make_elf (TRUE, FALSE, NULL);
  g_autoptr(GByteArray) elf = make_elf (TRUE, FALSE, "/lib64/ld.so");
  const guint8 script[] = "#!/bin/sh\necho hi\n";

  g_assert_null (sb_diag_elf_interp (static_elf->data, static_elf->len));
  g_assert_null (sb_diag_elf_interp (script, sizeof script));
  g_assert_null (sb_diag_elf_interp (script, 0));
  /* Truncated anywhere: never read past the end. */
  for (guint len = 0; len < elf->len - 1; len++)
    {
      g_autofree char *interp = sb_diag_elf_interp (elf->data, len);
      g_assert_true (interp == NULL || strlen (interp) < strlen ("/lib64/ld.so"));
    }
}

static void
test_elf_interp_of_sh (void)
{
  g_autofree char *data = NULL;
  g_autofree char *interp = NULL;
  gsize len;

  if (!g_file_get_contents ("/bin/sh", &data, &len, NULL))
    {
      g_test_skip ("no /bin/sh");
      return;
    }
  interp = sb_diag_elf_interp ((const guint8 *) data, len);
  if (interp == NULL)
    {
      g_test_skip ("/bin/sh is static");
      return;
    }
  g_assert_true (g_str_has_prefix (interp, "/"));
  g_assert_true (g_file_test (interp, G_FILE_TEST_EXISTS));
}

typedef struct {
  char *dir;
} Tree;

static void
write_file (const char *path, const void *data, gsize len, int mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static void
tree_setup (Tree *tree, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) elf = make_elf (TRUE, FALSE, "/nonexistent-sbtest/ld-test.so.2");
  g_autofree char *bin = NULL;
  g_autofree char *path = NULL;

  tree->dir = g_dir_make_tmp ("test-diag-XXXXXX", &error);
  g_assert_no_error (error);
  bin = g_build_filename (tree->dir, "bin", NULL);
  g_assert_cmpint (g_mkdir (bin, 0755), ==, 0);

  path = g_build_filename (bin, "elfprog", NULL);
  write_file (path, elf->data, elf->len, 0755);
  g_free (path);
  path = g_build_filename (bin, "script", NULL);
  write_file (path, "#!/nonexistent-sbtest/python3 -u\nprint(1)\n", 41, 0755);
  g_free (path);
  path = g_build_filename (bin, "plain", NULL);
  write_file (path, "data\n", 5, 0644);
  g_free (path);
  path = g_build_filename (bin, "subdir", NULL);
  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  g_free (path);
  path = g_build_filename (bin, "dangling", NULL);
  g_assert_cmpint (symlink ("/nonexistent-sbtest/target", path), ==, 0);
}

static void
tree_teardown (Tree *tree, gconstpointer data)
{
  const char *names[] = { "elfprog", "script", "plain", "dangling" };
  g_autofree char *bin = g_build_filename (tree->dir, "bin", NULL);
  g_autofree char *subdir = g_build_filename (bin, "subdir", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (bin, names[i], NULL);
      g_unlink (path);
    }
  g_rmdir (subdir);
  g_rmdir (bin);
  g_rmdir (tree->dir);
  g_free (tree->dir);
}

static char *
search_path (Tree *tree)
{
  return g_strdup_printf ("/nonexistent-sbtest/bin:%s/bin", tree->dir);
}

static void
test_exec_not_in_path (Tree *tree, gconstpointer data)
{
  g_autofree char *path = search_path (tree);
  g_autofree char *message = sb_diag_exec_failure ("nosuchprog", path, ENOENT);
  g_autofree char *expected = g_strdup_printf (
    "execvp nosuchprog: No such file or directory (not found in the sandbox's PATH %s)", path);

  g_assert_cmpstr (message, ==, expected);
}

static void
test_exec_path_unset (Tree *tree, gconstpointer data)
{
  g_autofree char *message = sb_diag_exec_failure ("nosuchprog-sbtest", NULL, ENOENT);

  g_assert_cmpstr (message, ==,
                   "execvp nosuchprog-sbtest: No such file or directory (not found in the "
                   "sandbox: PATH is unset, so only /bin:/usr/bin was searched)");
}

static void
test_exec_missing_elf_interp (Tree *tree, gconstpointer data)
{
  g_autofree char *path = search_path (tree);
  g_autofree char *message = sb_diag_exec_failure ("elfprog", path, ENOENT);
  g_autofree char *expected = g_strdup_printf (
    "execvp elfprog: No such file or directory (%s/bin/elfprog: its ELF interpreter "
    "/nonexistent-sbtest/ld-test.so.2 is missing in the sandbox; bind it, e.g. "
    "--ro-bind /nonexistent-sbtest /nonexistent-sbtest)", tree->dir);

  g_assert_cmpstr (message, ==, expected);
}

static void
test_exec_missing_script_interp (Tree *tree, gconstpointer data)
{
  g_autofree char *prog = g_build_filename (tree->dir, "bin", "script", NULL);
  g_autofree char *message = sb_diag_exec_failure (prog, "/usr/bin", ENOENT);
  g_autofree char *expected = g_strdup_printf (
    "execvp %s: No such file or directory (%s: its interpreter /nonexistent-sbtest/python3 "
    "(from its #! line) is missing in the sandbox)", prog, prog);

  g_assert_cmpstr (message, ==, expected);
}

static void
test_exec_not_executable (Tree *tree, gconstpointer data)
{
  g_autofree char *path = search_path (tree);
  g_autofree char *message = sb_diag_exec_failure ("plain", path, EACCES);
  g_autofree char *expected = g_strdup_printf (
    "execvp plain: Permission denied (%s/bin/plain is not executable)", tree->dir);

  g_assert_cmpstr (message, ==, expected);
}

static void
test_exec_directory (Tree *tree, gconstpointer data)
{
  g_autofree char *path = search_path (tree);
  g_autofree char *message = sb_diag_exec_failure ("subdir", path, EACCES);
  g_autofree char *expected = g_strdup_printf (
    "execvp subdir: Permission denied (%s/bin/subdir is a directory)", tree->dir);

  g_assert_cmpstr (message, ==, expected);
}

static void
test_exec_dangling_symlink (Tree *tree, gconstpointer data)
{
  g_autofree char *path = search_path (tree);
  g_autofree char *message = sb_diag_exec_failure ("dangling", path, ENOENT);
  g_autofree char *expected = g_strdup_printf (
    "execvp dangling: No such file or directory (%s/bin/dangling is a dangling symlink to "
    "/nonexistent-sbtest/target)", tree->dir);

  g_assert_cmpstr (message, ==, expected);
}

static void
test_exec_absolute_missing (void)
{
  g_autofree char *message = sb_diag_exec_failure ("/nonexistent-sbtest/prog", "/usr/bin", ENOENT);

  g_assert_cmpstr (message, ==,
                   "execvp /nonexistent-sbtest/prog: No such file or directory "
                   "(/nonexistent-sbtest/prog does not exist in the sandbox)");
}

static void
test_exec_unexplained (void)
{
  g_autofree char *message = sb_diag_exec_failure ("/bin/sh", "/usr/bin", E2BIG);

  g_assert_cmpstr (message, ==, "execvp /bin/sh: Argument list too long");
}

static void
test_userns_causes (void)
{
  const struct {
    SbUsernsFacts facts;
    int errsv;
    const char *needle;
  } cases[] = {
    { { 1, 1000, -1, FALSE, FALSE }, EPERM, "kernel.apparmor_restrict_unprivileged_userns=1" },
    { { -1, 0, -1, FALSE, FALSE }, ENOSPC, "user.max_user_namespaces=0" },
    { { -1, 1000, 0, FALSE, FALSE }, EPERM, "kernel.unprivileged_userns_clone=0" },
    { { -1, 1000, -1, TRUE, TRUE }, EPERM, "seccomp filter" },
    { { -1, 1000, -1, FALSE, TRUE }, EPERM, "container" },
    { { -1, 1000, -1, FALSE, FALSE }, EPERM, "likely causes" },
    { { -1, 1000, -1, FALSE, FALSE }, ENOSPC, "nesting depth" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *cause = sb_diag_userns_cause (&cases[i].facts, cases[i].errsv);
      g_assert_nonnull (strstr (cause, cases[i].needle));
    }
}

static void
test_clone_failure_bwrap_texts (void)
{
  SbUsernsFacts facts = { 1, 1000, -1, FALSE, FALSE };
  g_autofree char *eperm = sb_diag_clone_failure (SB_PERSONALITY_BWRAP, SB_NS_USER, EPERM, &facts);
  g_autofree char *enospc = sb_diag_clone_failure (SB_PERSONALITY_BWRAP, SB_NS_USER, ENOSPC, &facts);
  g_autofree char *other = sb_diag_clone_failure (SB_PERSONALITY_BWRAP, SB_NS_NET, EPERM, &facts);
  g_autofree char *ours = sb_diag_clone_failure (SB_PERSONALITY_SANDBOX, SB_NS_USER, EPERM, &facts);

  /* Texts that callers (glycin) match. */
  g_assert_true (g_str_has_prefix (eperm, "No permissions to create a new namespace"));
  g_assert_nonnull (strstr (eperm, "apparmor"));
  g_assert_true (g_str_has_prefix (enospc, "Creating new namespace failed"));
  g_assert_cmpstr (other, ==, "Creating new namespace failed: Operation not permitted");
  g_assert_true (g_str_has_prefix (ours, "creating a user namespace was refused"));
  g_assert_nonnull (strstr (ours, "apparmor"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/diag/elf/interp-variants", test_elf_interp_variants);
  g_test_add_func ("/diag/elf/no-interp", test_elf_interp_none);
  g_test_add_func ("/diag/elf/bin-sh", test_elf_interp_of_sh);
#define TREE_TEST(name, func) g_test_add (name, Tree, NULL, tree_setup, func, tree_teardown)
  TREE_TEST ("/diag/exec/not-in-path", test_exec_not_in_path);
  TREE_TEST ("/diag/exec/path-unset", test_exec_path_unset);
  TREE_TEST ("/diag/exec/missing-elf-interpreter", test_exec_missing_elf_interp);
  TREE_TEST ("/diag/exec/missing-script-interpreter", test_exec_missing_script_interp);
  TREE_TEST ("/diag/exec/not-executable", test_exec_not_executable);
  TREE_TEST ("/diag/exec/directory", test_exec_directory);
  TREE_TEST ("/diag/exec/dangling-symlink", test_exec_dangling_symlink);
#undef TREE_TEST
  g_test_add_func ("/diag/exec/absolute-missing", test_exec_absolute_missing);
  g_test_add_func ("/diag/exec/unexplained", test_exec_unexplained);
  g_test_add_func ("/diag/userns/causes", test_userns_causes);
  g_test_add_func ("/diag/clone/bwrap-texts", test_clone_failure_bwrap_texts);
  return g_test_run ();
}
