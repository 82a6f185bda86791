/* The Plan: validation (bwrap's rules and texts) and the canonical dump. */
#include <string.h>

#include "cli/cli.h"
#include "base/error.h"
#include "plan/plan.h"

#define ROOT 0
#define USER 1000

static const char *const test_env[] = { "HOME=/root", NULL };

static SbPlan *
parse_as (SbPersonality personality, uid_t uid, const char *line)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  SbCliContext context = { personality, test_env, { .uid = uid, .gid = uid, .cwd = "/" } };
  SbPlan *plan;

  if (*line != '\0')
    g_assert_true (g_shell_parse_argv (line, NULL, &words, NULL));
  g_ptr_array_add (argv, "bwrap");
  for (char **word = words; word != NULL && *word != NULL; word++)
    g_ptr_array_add (argv, *word);
  plan = sb_cli_parse (&context, argv->len, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plan);
  return plan;
}

static void
assert_valid_as (SbPersonality personality, uid_t uid, const char *line)
{
  g_autoptr(SbPlan) plan = parse_as (personality, uid, line);
  g_autoptr(GError) error = NULL;

  g_test_message ("valid: %s", line);
  g_assert_true (sb_plan_validate (plan, &error));
  g_assert_no_error (error);
}

static void
assert_invalid_as (SbPersonality personality, uid_t uid, const char *line, const char *message)
{
  g_autoptr(SbPlan) plan = parse_as (personality, uid, line);
  g_autoptr(GError) error = NULL;

  g_test_message ("invalid: %s", line);
  g_assert_false (sb_plan_validate (plan, &error));
  g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, message);
}

/* Root under bwrap: nothing implied, so every rule shows. */
static void
assert_valid (const char *line)
{
  assert_valid_as (SB_PERSONALITY_BWRAP, ROOT, line);
}

static void
assert_invalid (const char *line, const char *message)
{
  assert_invalid_as (SB_PERSONALITY_BWRAP, ROOT, line, message);
}

static void
test_validate_command (void)
{
  g_autoptr(SbPlan) plan = parse_as (SB_PERSONALITY_BWRAP, USER, "--unshare-pid");
  g_autoptr(SbPlan) dashdash = parse_as (SB_PERSONALITY_SANDBOX, USER, "--");
  g_autoptr(GError) error = NULL;

  g_assert_false (sb_plan_validate (plan, &error));
  g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
  g_assert_cmpstr (error->message, ==, "No command specified");
  g_clear_error (&error);
  g_assert_false (sb_plan_validate (dashdash, &error));
  g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
  /* --seccomp-print runs nothing. */
  assert_valid_as (SB_PERSONALITY_SANDBOX, USER, "--seccomp-print");
  assert_valid ("true");
  assert_valid_as (SB_PERSONALITY_SANDBOX, ROOT, "true");
  assert_valid_as (SB_PERSONALITY_SANDBOX, USER, "true");
  assert_valid_as (SB_PERSONALITY_BWRAP, USER, "true");
}

static void
test_validate_ids (void)
{
  assert_invalid ("--uid 5 true", "Specifying --uid requires --unshare-user or --userns");
  assert_invalid ("--gid 5 true", "Specifying --gid requires --unshare-user or --userns");
  assert_invalid ("--uid 5 --unshare-pid true", "Specifying --uid requires --unshare-user or --userns");
  assert_valid ("--uid 5 --gid 5 --unshare-user true");
  assert_valid ("--uid 5 --unshare-user-try true");
  assert_valid ("--uid 5 --unshare-all true");
  assert_valid ("--uid 5 --userns 3 true");
  /* Root's own ids need no user namespace, as in bwrap. */
  assert_valid ("--uid 0 --gid 0 true");
  /* A non-root caller always has one. */
  assert_valid_as (SB_PERSONALITY_BWRAP, USER, "--uid 5 --gid 7 true");
  assert_valid_as (SB_PERSONALITY_SANDBOX, ROOT, "--uid 5 true");
}

static void
test_validate_hostname_and_pid1 (void)
{
  assert_invalid ("--hostname h true", "Specifying --hostname requires --unshare-uts");
  assert_invalid_as (SB_PERSONALITY_BWRAP, USER, "--unshare-user-try --hostname h true",
                     "Specifying --hostname requires --unshare-uts");
  assert_invalid_as (SB_PERSONALITY_SANDBOX, USER, "--share-uts --hostname h true",
                     "Specifying --hostname requires --unshare-uts");
  assert_invalid ("--unshare-all --share-uts --hostname h true",
                  "Specifying --hostname requires --unshare-uts");
  assert_valid ("--unshare-uts --hostname h true");
  assert_valid ("--unshare-all --share-net --hostname h true");
  assert_valid_as (SB_PERSONALITY_SANDBOX, USER, "--hostname h true");

  assert_invalid ("--as-pid-1 true", "Specifying --as-pid-1 requires --unshare-pid");
  assert_invalid ("--pidns 3 --as-pid-1 true", "Specifying --as-pid-1 requires --unshare-pid");
  assert_invalid ("--lock-file /x --as-pid-1 --unshare-pid true",
                  "Specifying --as-pid-1 and --lock-file is not permitted");
  assert_valid ("--unshare-pid --as-pid-1 true");
  assert_valid ("--unshare-all --as-pid-1 true");
  assert_valid ("--unshare-pid --lock-file /x true");
  assert_invalid_as (SB_PERSONALITY_SANDBOX, USER, "--share-pid --as-pid-1 true",
                     "Specifying --as-pid-1 requires --unshare-pid");
  assert_valid_as (SB_PERSONALITY_SANDBOX, USER, "--as-pid-1 true");
}

static void
test_validate_userns (void)
{
  assert_invalid ("--userns 3 --unshare-user true", "--userns not compatible --unshare-user");
  assert_invalid ("--userns 3 --unshare-user-try true", "--userns not compatible --unshare-user-try");
  assert_invalid ("--unshare-all --userns 3 true", "--userns not compatible --unshare-user-try");
  assert_invalid ("--unshare-user-try --unshare-user --userns 3 true",
                  "--userns not compatible --unshare-user");
  assert_invalid_as (SB_PERSONALITY_SANDBOX, ROOT, "--unshare-user --userns 3 true",
                     "--userns not compatible --unshare-user");
  assert_valid ("--userns 3 --userns2 4 --pidns 5 --assert-userns-disabled true");
  assert_valid_as (SB_PERSONALITY_BWRAP, USER, "--userns 3 --unshare-pid true");
  /* The default user namespace of "sandbox" gives way to --userns. */
  assert_valid_as (SB_PERSONALITY_SANDBOX, USER, "--userns 3 true");
}

/* Checks a plan adjusted by hand after parsing: for rules that the parser
 * already enforces on a command line, validation still guards the plan. */
static void
assert_invalid_plan (SbPlan *plan, const char *message)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sb_plan_validate (plan, &error));
  g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_validate_disable_userns (void)
{
  g_autoptr(SbPlan) none = parse_as (SB_PERSONALITY_BWRAP, ROOT, "true");
  g_autoptr(SbPlan) user_try = parse_as (SB_PERSONALITY_BWRAP, ROOT, "--unshare-user-try true");

  none->disable_userns = true;
  assert_invalid_plan (none, "--disable-userns requires --unshare-user");
  user_try->disable_userns = true;
  assert_invalid_plan (user_try, "--disable-userns requires --unshare-user");
  assert_invalid ("--unshare-user --disable-userns --userns-block-fd 3 --info-fd 4 true",
                  "--disable-userns is not compatible with --userns-block-fd");
  assert_valid ("--unshare-user --disable-userns true");
  assert_valid ("--unshare-all --unshare-user --disable-userns --assert-userns-disabled true");
  assert_valid_as (SB_PERSONALITY_BWRAP, USER, "--unshare-user --disable-userns true");
  assert_valid_as (SB_PERSONALITY_SANDBOX, USER, "--unshare-user --disable-userns true");
}

static void
test_validate_userns_block_fd (void)
{
  g_autoptr(SbPlan) none = parse_as (SB_PERSONALITY_BWRAP, ROOT, "--info-fd 4 true");

  none->userns_block_fd = 3;
  assert_invalid_plan (none, "--userns-block-fd requires --unshare-user");
  assert_invalid ("--userns-block-fd 3 --unshare-user true", "--userns-block-fd requires --info-fd");
  assert_invalid_as (SB_PERSONALITY_BWRAP, USER, "--unshare-user --userns-block-fd 3 true",
                     "--userns-block-fd requires --info-fd");
  assert_valid ("--userns-block-fd 3 --info-fd 4 --unshare-user true");
}

static void
test_validate_seccomp (void)
{
  {
    g_autoptr(SbPlan) both = parse_as (SB_PERSONALITY_BWRAP, ROOT, "--seccomp 3 true");
    int fd = 4;

    g_array_append_val (both->seccomp_fds, fd);
    assert_invalid_plan (both, "--seccomp cannot be combined with --add-seccomp-fd");
  }
  assert_valid ("--seccomp 3 true");
  assert_valid ("--add-seccomp-fd 3 --add-seccomp-fd 4 true");
  assert_invalid ("--seccomp-log true",
                  "--seccomp-log needs a policy of ours to log: "
                  "add --seccomp-profile default or --seccomp-profile FILE");
  assert_invalid_as (SB_PERSONALITY_SANDBOX, USER, "--seccomp 3 --seccomp-log true",
                     "--seccomp-log needs a policy of ours to log: "
                     "add --seccomp-profile default or --seccomp-profile FILE");
  assert_valid ("--seccomp-profile default --seccomp-log true");
  assert_valid_as (SB_PERSONALITY_SANDBOX, USER, "--seccomp-log true");
  assert_valid_as (SB_PERSONALITY_SANDBOX, USER, "--seccomp-profile default --seccomp 3 true");
}

static void
test_dump_defaults (void)
{
  g_autoptr(SbPlan) plan = parse_as (SB_PERSONALITY_BWRAP, ROOT, "true");
  g_autofree char *dump = sb_plan_dump (plan);

  /* Pins the canonical form: tests and tools compare it as text. */
  g_assert_cmpstr (dump, ==,
                   "personality: bwrap\n"
                   "unshare: none\n"
                   "userns-fd: -1\n"
                   "userns2-fd: -1\n"
                   "pidns-fd: -1\n"
                   "disable-userns: no\n"
                   "assert-userns-disabled: no\n"
                   "uid: -1\n"
                   "gid: -1\n"
                   "hostname: (unset)\n" "name: (unset)\n"
                   "usr-merge-symlinks: no\n"
                   "chdir: (unset)\n"
                   "env: HOME=/root\n"
                   "argv0: (unset)\n"
                   "command: true\n"
                   "new-session: no\n"
                   "die-with-parent: no\n"
                   "as-pid-1: no\n"
                   "cap-add: none\n"
                   "cap-drop: none\n"
                   "drop-root-caps: no\n"
                   "seccomp-fd: -1\n"
                   "seccomp-profile: none\n"
                   "seccomp-log: no\n"
                   "seccomp-print: no\n"
                   "allow-nesting: yes\n"
                   "info-fd: -1\n"
                   "json-status-fd: -1\n"
                   "block-fd: -1\n"
                   "userns-block-fd: -1\n"
                   "sync-fd: -1\n"
                   "exec-label: (unset)\n"
                   "file-label: (unset)\n"
                   "level-prefix: no\n"
                   "show-help: no\n"
                   "show-version: no\n");
}

static void
test_dump_ops_built_by_hand (void)
{
  g_autoptr(SbPlan) plan = sb_plan_new (SB_PERSONALITY_SANDBOX);
  char *layers[] = { g_strdup ("/a"), g_strdup ("/b c"), NULL };
  SbMountOp overlay = {
    .kind = SB_OP_OVERLAY,
    .option = "--overlay",
    .source = g_strdup ("/up"),
    .dest = g_strdup ("/m"),
    .fd = -1,
    .mode = SB_MODE_UNSET,
    .overlay_sources = g_memdup2 (layers, sizeof layers),
    .overlay_workdir = g_strdup ("/work"),
  };
  SbMountOp tmpfs = {
    .kind = SB_OP_TMPFS,
    .flags = SB_OP_FLAG_RO | SB_OP_FLAG_DEV | SB_OP_FLAG_TRY,
    .option = "--tmpfs",
    .dest = g_strdup ("/odd\\path\ttab"),
    .fd = -1,
    .mode = 01777,
    .size = 4096,
  };
  SbMountOp *added;
  g_autofree char *dump = NULL;

  added = sb_plan_add_op (plan, &overlay);
  g_assert_true (added == sb_plan_op (plan, 0));
  g_assert_cmpstr (added->dest, ==, "/m");
  sb_plan_add_op (plan, &tmpfs);
  g_assert_cmpuint (plan->ops->len, ==, 2);
  dump = sb_plan_dump (plan);
  g_assert_nonnull (strstr (dump, "\nop: overlay layer=/a layer=/b c source=/up workdir=/work dest=/m\n"
                                  "op: tmpfs flags=ro,dev,try mode=1777 size=4096 "
                                  "dest=/odd\\\\path\\x09tab\n"));
  g_assert_nonnull (strstr (dump, "\nunshare: user? ipc pid net uts cgroup?\n"));
  g_assert_nonnull (strstr (dump, "\ncommand: (none)\n"));
  g_assert_nonnull (strstr (dump, "\nenv: (none)\n"));
}

static void
test_dump_everything_set (void)
{
  g_autoptr(SbPlan) plan = parse_as (SB_PERSONALITY_SANDBOX, USER,
                                     "--seccomp-profile ./p.policy --cap-add CAP_NET_RAW "
                                     "--cap-drop ALL --cap-add CAP_CHOWN --add-seccomp-fd 3 "
                                     "--lock-file /l --chdir /c --argv0 zero --uid 5 --uid 6 "
                                     "--help");
  g_autofree char *dump = sb_plan_dump (plan);

  g_assert_nonnull (strstr (dump, "\nseccomp-profile: file\nseccomp-profile-path: /p.policy\n"));
  g_assert_nonnull (strstr (dump, "\ncap-add: cap_chown\n"));
  g_assert_nonnull (strstr (dump, "\nadd-seccomp-fd: 3\n"));
  g_assert_nonnull (strstr (dump, "\nlock-file: /l\n"));
  g_assert_nonnull (strstr (dump, "\nargv0: zero\n"));
  g_assert_nonnull (strstr (dump, "\nwarning: Only the last --uid option will take effect\n"));
  g_assert_nonnull (strstr (dump, "\nshow-help: yes\n"));
  g_assert_true (g_str_has_suffix (dump, "show-version: no\n"));
  /* One fact a line: every line has "key: value". */
  {
    g_auto(GStrv) lines = g_strsplit (dump, "\n", -1);

    for (char **line = lines; *line != NULL && **line != '\0'; line++)
      g_assert_nonnull (strstr (*line, ": "));
  }
}

/* --map-*: into a user namespace of ours, with --uid/--gid among the ids
 * mapped. */
static void
test_validate_idmapping (void)
{
  assert_valid ("--map-users 0:100000:10 --uid 9 true");
  assert_invalid ("--map-users 0:100000:10 --uid 10 true",
                  "--uid 10 is not mapped by --map-users");
  assert_invalid ("--map-groups 0:100000:10 --gid 10 true",
                  "--gid 10 is not mapped by --map-groups");
  assert_invalid ("--map-auto --userns 3 true",
                  "--map-auto cannot be combined with --userns: the maps are written into "
                  "a user namespace the sandbox makes");
  assert_invalid ("--unshare-user --map-auto --disable-userns true",
                  "--map-auto cannot be combined with --disable-userns, whose nested user "
                  "namespace would map one id only");
}

/* --sysctl: only into a namespace the sandbox makes for sure. */
static void
test_validate_sysctls (void)
{
  assert_valid ("--unshare-net --sysctl net.ipv4.ip_unprivileged_port_start=80 true");
  assert_valid ("--unshare-ipc --sysctl kernel.shmmax=1 --unshare-user "
                "--sysctl user.max_user_namespaces=1 true");
  assert_invalid ("--sysctl net.ipv4.ip_unprivileged_port_start=80 true",
                  "--sysctl net.ipv4.ip_unprivileged_port_start: the sandbox has no net "
                  "namespace of its own to set it in (add --unshare-net)");
  assert_invalid ("--unshare-net --sysctl fs.mqueue.msg_max=20 true",
                  "--sysctl fs.mqueue.msg_max: the sandbox has no ipc namespace of its own to "
                  "set it in (add --unshare-ipc)");
  assert_invalid ("--unshare-user-try --sysctl user.max_user_namespaces=1 true",
                  "--sysctl user.max_user_namespaces: the sandbox has no user namespace of its "
                  "own to set it in (add --unshare-user)");
  assert_invalid_as (SB_PERSONALITY_SANDBOX, USER,
                     "--share-net --sysctl net.ipv4.ip_forward=1 true",
                     "--sysctl net.ipv4.ip_forward: the sandbox has no net namespace of its own "
                     "to set it in (add --unshare-net, or drop --share-*)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plan/validate/command", test_validate_command);
  g_test_add_func ("/plan/validate/ids", test_validate_ids);
  g_test_add_func ("/plan/validate/hostname-pid1", test_validate_hostname_and_pid1);
  g_test_add_func ("/plan/validate/userns", test_validate_userns);
  g_test_add_func ("/plan/validate/idmapping", test_validate_idmapping);
  g_test_add_func ("/plan/validate/sysctls", test_validate_sysctls);
  g_test_add_func ("/plan/validate/disable-userns", test_validate_disable_userns);
  g_test_add_func ("/plan/validate/userns-block-fd", test_validate_userns_block_fd);
  g_test_add_func ("/plan/validate/seccomp", test_validate_seccomp);
  g_test_add_func ("/plan/dump/defaults", test_dump_defaults);
  g_test_add_func ("/plan/dump/by-hand", test_dump_ops_built_by_hand);
  g_test_add_func ("/plan/dump/everything", test_dump_everything_set);

  return g_test_run ();
}
