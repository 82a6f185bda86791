/* Landlock: the Plan → rules (pure), and what it refuses. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "confine/landlock.h"
#include "plan/plan.h"

#define CALLER 1000
#define WHY "this host refuses user namespaces"

static void
add_op (SbPlan *plan, SbOpKind kind, SbOpFlags flags, const char *option, const char *source,
        const char *dest)
{
  SbMountOp op = {
    .kind = kind,
    .flags = flags,
    .option = option,
    .source = g_strdup (source),
    .dest = g_strdup (dest),
    .fd = -1,
    .mode = SB_MODE_UNSET,
  };

  sb_plan_add_op (plan, &op);
}

static SbLandlockRuleset *
rules (const SbPlan *plan)
{
  g_autoptr(GError) error = NULL;
  SbLandlockRuleset *ruleset = sb_landlock_rules_from_plan (plan, CALLER, CALLER, WHY, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ruleset);
  return ruleset;
}

static void
assert_refused (const SbPlan *plan, const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbLandlockRuleset) ruleset
    = sb_landlock_rules_from_plan (plan, CALLER, CALLER, WHY, &error);

  g_assert_null (ruleset);
  g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, message);
}

static const SbLandlockRule *
rule_at (const SbLandlockRuleset *ruleset, guint i)
{
  g_assert_cmpuint (i, <, ruleset->rules->len);
  return &g_array_index (ruleset->rules, SbLandlockRule, i);
}

static void
test_binds (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbLandlockRuleset) ruleset = NULL;

  add_op (plan, SB_OP_BIND, SB_OP_FLAG_RO, "--ro-bind", "/usr", "/usr");
  add_op (plan, SB_OP_BIND, 0, "--bind", "/home/u/work/", "/home/u/work");
  add_op (plan, SB_OP_BIND, SB_OP_FLAG_DEV, "--dev-bind", "/dev/dri", "/dev/dri");
  add_op (plan, SB_OP_BIND, SB_OP_FLAG_RO | SB_OP_FLAG_TRY, "--ro-bind-try", "/opt//x/.", "/opt/x");
  ruleset = rules (plan);

  g_assert_cmpuint (ruleset->rules->len, ==, 4);
  g_assert_cmpstr (rule_at (ruleset, 0)->path, ==, "/usr");
  g_assert_cmphex (rule_at (ruleset, 0)->access, ==, SB_LANDLOCK_READ_EXEC);
  g_assert_false (rule_at (ruleset, 0)->optional);
  g_assert_cmpstr (rule_at (ruleset, 1)->path, ==, "/home/u/work");
  g_assert_cmphex (rule_at (ruleset, 1)->access, ==, SB_LANDLOCK_READ_WRITE);
  g_assert_true ((rule_at (ruleset, 1)->access & SB_LANDLOCK_FS_IOCTL_DEV) == 0);
  g_assert_cmphex (rule_at (ruleset, 2)->access, ==, SB_LANDLOCK_DEVICES);
  g_assert_true ((rule_at (ruleset, 2)->access & SB_LANDLOCK_FS_IOCTL_DEV) != 0);
  g_assert_cmpstr (rule_at (ruleset, 3)->path, ==, "/opt/x");
  g_assert_true (rule_at (ruleset, 3)->optional);
  /* The sandbox personality's default: no network. */
  g_assert_true (ruleset->deny_tcp);
}

static void
test_dev_proc (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbLandlockRuleset) ruleset = NULL;
  gboolean seen_null = FALSE, seen_pts = FALSE;

  add_op (plan, SB_OP_BIND, SB_OP_FLAG_RO, "--ro-bind", "/", "/");
  add_op (plan, SB_OP_PROC, 0, "--proc", NULL, "/proc");
  add_op (plan, SB_OP_DEV, 0, "--dev", NULL, "/dev");
  plan->unshare &= ~SB_NS_NET;
  ruleset = rules (plan);

  g_assert_false (ruleset->deny_tcp);
  g_assert_cmpstr (rule_at (ruleset, 1)->path, ==, "/proc");
  g_assert_cmphex (rule_at (ruleset, 1)->access, ==, SB_LANDLOCK_READ);
  for (guint i = 2; i < ruleset->rules->len; i++)
    {
      const SbLandlockRule *rule = rule_at (ruleset, i);

      g_assert_true (g_str_has_prefix (rule->path, "/dev/"));
      g_assert_true (rule->optional);
      g_assert_true ((rule->access & SB_LANDLOCK_FS_EXECUTE) == 0);
      if (strcmp (rule->path, "/dev/null") == 0)
        seen_null = (rule->access & SB_LANDLOCK_FS_WRITE_FILE) != 0;
      if (strcmp (rule->path, "/dev/pts") == 0)
        seen_pts = (rule->access & SB_LANDLOCK_FS_IOCTL_DEV) != 0;
    }
  g_assert_true (seen_null);
  g_assert_true (seen_pts);
}

static void
test_needs_mount_ns (void)
{
  static const struct {
    SbOpKind kind;
    const char *option, *source, *dest, *message;
  } cases[] = {
    { SB_OP_BIND, "--bind", "/srv/a", "/a",
      "--bind /srv/a /a: a source other than the destination needs a mount namespace, and " WHY },
    { SB_OP_BIND, "--ro-bind", "/usr/../etc", "/etc",
      "--ro-bind /usr/../etc /etc: a source other than the destination needs a mount namespace, "
      "and " WHY },
    { SB_OP_TMPFS, "--tmpfs", NULL, "/tmp", "--tmpfs /tmp: needs a mount namespace, and " WHY },
    { SB_OP_DIR, "--dir", NULL, "/x", "--dir /x: needs a mount namespace, and " WHY },
    { SB_OP_SYMLINK, "--symlink", "usr/lib", "/lib",
      "--symlink /lib: needs a mount namespace, and " WHY },
    { SB_OP_FILE, "--file", NULL, "/f", "--file /f: needs a mount namespace, and " WHY },
    { SB_OP_BIND_DATA, "--ro-bind-data", NULL, "/f",
      "--ro-bind-data /f: needs a mount namespace, and " WHY },
    { SB_OP_REMOUNT_RO, "--remount-ro", NULL, "/usr",
      "--remount-ro /usr: needs a mount namespace, and " WHY },
    { SB_OP_TMP_OVERLAY, "--tmp-overlay", NULL, "/usr",
      "--tmp-overlay /usr: needs a mount namespace, and " WHY },
    { SB_OP_MQUEUE, "--mqueue", NULL, "/dev/mqueue",
      "--mqueue /dev/mqueue: needs a mount namespace, and " WHY },
    { SB_OP_PROC, "--proc", NULL, "/p",
      "--proc /p: a procfs elsewhere than /proc needs a mount namespace, and " WHY },
    { SB_OP_DEV, "--dev", NULL, "/d",
      "--dev /d: devices elsewhere than /dev needs a mount namespace, and " WHY },
    { SB_OP_CHMOD, "--chmod", NULL, "/usr",
      "--chmod /usr: it would change the host's file, as there is no mount namespace, and " WHY },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);

      /* The first such option is named, not a later one. */
      add_op (plan, SB_OP_BIND, SB_OP_FLAG_RO, "--ro-bind", "/usr", "/usr");
      add_op (plan, cases[i].kind, 0, cases[i].option, cases[i].source, cases[i].dest);
      add_op (plan, SB_OP_TMPFS, 0, "--tmpfs", NULL, "/later");
      assert_refused (plan, cases[i].message);
    }
}

static void
test_other_options (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);

  plan->uid = CALLER;
  plan->gid = CALLER;
  sb_landlock_ruleset_free (rules (plan));

  plan->unshare_option = "--unshare-pid";
  assert_refused (plan, "--unshare-pid: a new namespace was asked for, and " WHY);
  plan->unshare_option = NULL;

  plan->hostname = g_strdup ("box");
  assert_refused (plan, "--hostname: needs a uts namespace, and " WHY);
  g_clear_pointer (&plan->hostname, g_free);

  plan->uid = 0;
  assert_refused (plan, "--uid 0: another uid than the caller's needs a user namespace, and " WHY);
  plan->uid = -1;
  plan->gid = 5;
  assert_refused (plan, "--gid 5: another gid than the caller's needs a user namespace, and " WHY);
  plan->gid = -1;

  plan->caps.add = 1;
  assert_refused (plan, "--cap-add: capabilities need a user namespace, and " WHY);
}

/* Landlock cannot take away what an enclosing rule grants. */
static void
test_rights_only_grow (void)
{
  g_autoptr(SbPlan) narrowing = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbPlan) covering = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbPlan) widening = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbPlan) siblings = sb_plan_new (SB_PERSONALITY_SANDBOX);

  add_op (narrowing, SB_OP_BIND, 0, "--bind", "/home", "/home");
  add_op (narrowing, SB_OP_BIND, SB_OP_FLAG_RO, "--ro-bind", "/home/u/.ssh", "/home/u/.ssh");
  assert_refused (narrowing, "--ro-bind /home/u/.ssh: would take away rights that --bind /home "
                             "grants, which needs a mount namespace (Landlock only adds rights), "
                             "and " WHY);

  add_op (covering, SB_OP_BIND, 0, "--bind", "/srv/x", "/srv/x");
  add_op (covering, SB_OP_BIND, SB_OP_FLAG_RO, "--ro-bind", "/", "/");
  assert_refused (covering, "--ro-bind /: would take away rights that --bind /srv/x grants, which "
                            "needs a mount namespace (Landlock only adds rights), and " WHY);

  add_op (widening, SB_OP_BIND, SB_OP_FLAG_RO, "--ro-bind", "/", "/");
  add_op (widening, SB_OP_BIND, 0, "--bind", "/home/u", "/home/u");
  add_op (widening, SB_OP_DEV, 0, "--dev", NULL, "/dev");
  add_op (widening, SB_OP_PROC, 0, "--proc", NULL, "/proc");
  sb_landlock_ruleset_free (rules (widening));

  /* /usr2 is not under /usr. */
  add_op (siblings, SB_OP_BIND, 0, "--bind", "/usr2", "/usr2");
  add_op (siblings, SB_OP_BIND, SB_OP_FLAG_RO, "--ro-bind", "/usr", "/usr");
  sb_landlock_ruleset_free (rules (siblings));
}

static void
test_gaps (void)
{
  g_autofree char *abi1 = sb_landlock_gaps (1, true);
  g_autofree char *abi5 = sb_landlock_gaps (5, false);

  g_assert_null (sb_landlock_gaps (6, true));
  g_assert_null (sb_landlock_gaps (7, true));
  g_assert_nonnull (strstr (abi1, "truncate(2) is not confined"));
  g_assert_nonnull (strstr (abi1, "TCP is refused by seccomp alone"));
  g_assert_cmpstr (abi5, ==, "host processes of the caller can be signalled and its abstract "
                             "sockets reached");
}

/* The rules applied, in a child process, at every ABI up to the kernel's
 * (the kernel takes the rulesets of older ones): what they grant works, the
 * rest fails with EACCES, truncate(2) only from ABI 3. */
static void
test_apply (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  g_autoptr(SbLandlockRuleset) ruleset = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-landlock-XXXXXX", &error);
  g_autofree char *inside = g_build_filename (dir, "inside", NULL);
  g_autofree char *other = g_dir_make_tmp ("test-landlock-XXXXXX", NULL);
  g_autofree char *outside = g_build_filename (other, "outside", NULL);
  int abi = sb_landlock_abi (&error);
  int status;
  pid_t pid;

  if (abi == 0)
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  add_op (plan, SB_OP_BIND, 0, "--bind", dir, dir);
  add_op (plan, SB_OP_BIND, SB_OP_FLAG_RO | SB_OP_FLAG_TRY, "--ro-bind-try", "/nonexistent",
          "/nonexistent");
  ruleset = rules (plan);
  g_assert_true (g_file_set_contents (outside, "x", 1, NULL));

  for (ruleset->abi = 1; ruleset->abi <= abi; ruleset->abi++)
    {
      g_test_message ("ABI %d", ruleset->abi);
      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          int fd;

          if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || !sb_landlock_apply (ruleset, NULL))
            _exit (10);
          fd = open (inside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
          if (fd < 0)
            _exit (11);
          close (fd);
          if (open ("/etc/passwd", O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES)
            _exit (12);
          if (unlink (inside) != 0)
            _exit (13);
          /* Outside the rules, but not a right before ABI 3. */
          if ((truncate (outside, 0) == 0) != (ruleset->abi < 3))
            _exit (14);
          _exit (0);
        }
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }
  g_assert_cmpint (unlink (outside), ==, 0);
  g_assert_cmpint (rmdir (dir), ==, 0);
  g_assert_cmpint (rmdir (other), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/landlock/binds", test_binds);
  g_test_add_func ("/landlock/dev-proc", test_dev_proc);
  g_test_add_func ("/landlock/needs-mount-ns", test_needs_mount_ns);
  g_test_add_func ("/landlock/other-options", test_other_options);
  g_test_add_func ("/landlock/rights-only-grow", test_rights_only_grow);
  g_test_add_func ("/landlock/gaps", test_gaps);
  g_test_add_func ("/landlock/apply", test_apply);
  return g_test_run ();
}
