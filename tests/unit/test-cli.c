/* The command-line parser, checked through sb_plan_dump(): no namespaces,
 * no processes.  The error texts are bwrap 0.8.0's where it has the option. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/options.h"
#include "base/error.h"

#define ROOT 0
#define BWRAP_OPTION_COUNT 67
#define USER 1000

static const char *const test_env[] = { "PATH=/usr/bin:/bin", "HOME=/home/u", "LANG=C", NULL };

/* Parses a shell-quoted command line (without the program name). */
static SbPlan *
parse_with (SbPersonality personality, uid_t uid, const char *line, GError **error)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  SbCliContext context = {
    .personality = personality,
    .envp = test_env,
    .host = { .uid = uid, .gid = uid, .cwd = "/work/dir" },
    .explain_no_command = personality == SB_PERSONALITY_SANDBOX,
  };

  if (*line != '\0')
    g_assert_true (g_shell_parse_argv (line, NULL, &words, NULL));
  g_ptr_array_add (argv, personality == SB_PERSONALITY_BWRAP ? "bwrap" : "sandbox");
  for (char **word = words; word != NULL && *word != NULL; word++)
    g_ptr_array_add (argv, *word);
  return sb_cli_parse (&context, argv->len, (const char *const *) argv->pdata, error);
}

static SbPlan *
parse_ok (SbPersonality personality, uid_t uid, const char *line)
{
  g_autoptr(GError) error = NULL;
  SbPlan *plan = parse_with (personality, uid, line, &error);

  g_assert_no_error (error);
  g_assert_nonnull (plan);
  return plan;
}

/* Most tests: bwrap's personality, an ordinary user. */
static SbPlan *
parse (const char *line)
{
  return parse_ok (SB_PERSONALITY_BWRAP, USER, line);
}

static void
assert_parse_error_as (SbPersonality personality, const char *line, const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = parse_with (personality, USER, line, &error);

  g_assert_null (plan);
  g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
  g_assert_cmpstr (error->message, ==, message);
}

static void
assert_parse_error (const char *line, const char *message)
{
  assert_parse_error_as (SB_PERSONALITY_BWRAP, line, message);
}

/* Fails showing the whole dump when LINE is not one of its lines. */
static void
assert_has_line (const SbPlan *plan, const char *line)
{
  g_autofree char *dump = sb_plan_dump (plan);
  g_autofree char *haystack = g_strconcat ("\n", dump, NULL);
  g_autofree char *needle = g_strconcat ("\n", line, "\n", NULL);

  if (strstr (haystack, needle) == NULL)
    g_assert_cmpstr (dump, ==, line);
}

/* The lines starting with PREFIX, joined with "|", in dump order. */
static char *
lines_with (const SbPlan *plan, const char *prefix)
{
  g_autofree char *dump = sb_plan_dump (plan);
  g_auto(GStrv) lines = g_strsplit (dump, "\n", -1);
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  for (char **line = lines; *line != NULL; line++)
    if (g_str_has_prefix (*line, prefix))
      g_ptr_array_add (found, *line);
  g_ptr_array_add (found, NULL);
  return g_strjoinv ("|", (char **) found->pdata);
}

static void
assert_lines (const SbPlan *plan, const char *prefix, const char *expected)
{
  g_autofree char *found = lines_with (plan, prefix);

  g_assert_cmpstr (found, ==, expected);
}

/* --- subordinate id maps --- */

/* The maps need a user namespace of ours, even as root under bwrap's
 * personality, and put the command at 0 unless --uid says otherwise. */
static void
test_map_auto_implies (void)
{
  g_autoptr(SbPlan) root = parse_ok (SB_PERSONALITY_BWRAP, ROOT, "--map-auto true");
  g_autoptr(SbPlan) user = parse_ok (SB_PERSONALITY_SANDBOX, USER, "--map-auto --uid 1000 true");

  assert_has_line (root, "unshare: user");
  g_assert_cmpint (root->unshare_try & SB_NS_USER, ==, 0);
  assert_has_line (root, "map-auto: yes");
  assert_has_line (root, "uid: 0");
  assert_has_line (root, "gid: 0");
  g_assert_cmpint (user->unshare_try & SB_NS_USER, ==, 0);
  assert_has_line (user, "uid: 1000");
  assert_has_line (user, "gid: 0");
  g_assert_cmpstr (user->unshare_option, ==, "--map-auto");
}

static void
test_map_ranges (void)
{
  g_autoptr(SbPlan) plan = parse ("--map-users 0:165536:65536 --map-users 65536:1000:1 "
                                  "--map-groups 0:165536:65536 true");
  g_autoptr(GError) error = NULL;

  assert_lines (plan, "map-", "map-users: 0:165536:65536|map-users: 65536:1000:1|"
                "map-groups: 0:165536:65536");
  g_assert_cmpstr (plan->idmapping.option, ==, "--map-users");
  g_assert_true (sb_plan_validate (plan, &error));
  g_assert_no_error (error);
  assert_parse_error ("--map-users 0:1 true",
                      "--map-users 0:1: expected IN:OUT:COUNT in decimal, e.g. 0:100000:65536");
  assert_parse_error ("--map-groups 0:1:0 true",
                      "--map-groups 0:1:0: COUNT must be at least 1 and both ranges end by id "
                      "4294967294");
}

static void
test_sysctl (void)
{
  g_autoptr(SbPlan) plan = parse_ok (SB_PERSONALITY_SANDBOX, USER,
                                     "--sysctl net.ipv4.ip_unprivileged_port_start=80 "
                                     "--sysctl 'kernel.sem=1 2 3 4' true");

  assert_lines (plan, "sysctl: ", "sysctl: net.ipv4.ip_unprivileged_port_start=80|"
                "sysctl: kernel.sem=1 2 3 4");
  /* Confinement in place has no namespace to write them in. */
  g_assert_cmpstr (plan->unshare_option, ==, "--sysctl");
  assert_parse_error_as (SB_PERSONALITY_SANDBOX, "--sysctl kernel.panic=1 true",
                         "--sysctl kernel.panic: not a sysctl of a namespace the sandbox can make "
                         "(net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, "
                         "user.max_*_namespaces): it would change the host");
}

/* Not part of --unshare-all; the offsets ask for it. */
static void
test_time_namespace (void)
{
  g_autoptr(SbPlan) defaults = parse_ok (SB_PERSONALITY_SANDBOX, USER, "true");
  g_autoptr(SbPlan) all = parse ("--unshare-all true");
  g_autoptr(SbPlan) time = parse ("--unshare-time true");
  g_autoptr(SbPlan) offsets = parse ("--monotonic-offset -1.5 --boottime-offset 86400 "
                                     "--boottime-offset 3600 true");

  g_assert_cmpint (defaults->unshare & SB_NS_TIME, ==, 0);
  g_assert_cmpint (all->unshare & SB_NS_TIME, ==, 0);
  assert_has_line (time, "unshare: user time");
  assert_has_line (offsets, "unshare: user time");
  assert_has_line (offsets, "monotonic-offset-ns: -1500000000");
  assert_has_line (offsets, "boottime-offset-ns: 3600000000000");
  assert_has_line (offsets, "warning: Only the last --boottime-offset option will take effect");
  g_assert_cmpstr (offsets->unshare_option, ==, "--monotonic-offset");
  assert_parse_error ("--boottime-offset soon true",
                      "--boottime-offset soon: expected seconds, e.g. 3600, -86400 or 0.5 (at "
                      "most nine decimals)");
}

/* --- help, version, personality --- */

static void
test_help_format (void)
{
  g_autofree char *usage = sb_cli_usage (SB_PERSONALITY_BWRAP, "bwrap");

  g_assert_true (g_str_has_prefix (usage, "usage: bwrap [OPTIONS...] [--] COMMAND [ARGS...]\n\n"));
  /* Lines as bwrap 0.8.0 prints them, column for column. */
  g_assert_nonnull (strstr (usage, "\n    --help                       Print this help\n"));
  g_assert_nonnull (strstr (usage, "\n    --args FD                    Parse NUL-separated args from FD\n"));
  g_assert_nonnull (strstr (usage, "\n    --bind SRC DEST              Bind mount the host path SRC on DEST\n"));
  g_assert_nonnull (strstr (usage, "\n    --setenv VAR VALUE           Set an environment variable\n"));
  g_assert_nonnull (strstr (usage, "\n    --chmod OCTAL PATH           Change permissions of PATH (must already exist)\n"));
  g_assert_nonnull (strstr (usage, "\n    --as-pid-1                   Do not install a reaper process with PID=1\n"));
  /* A help text on two lines keeps its column. */
  g_assert_nonnull (strstr (usage, "\n    --overlay RWSRC WORKDIR DEST Mount overlayfs on DEST, with RWSRC"));
  g_assert_nonnull (strstr (usage, "\n                                 WORKDIR an empty directory"));
  g_assert_true (g_str_has_suffix (usage, "(must already exist)\n"));
}

static void
test_help_lists_every_option (void)
{
  g_autofree char *usage = sb_cli_usage (SB_PERSONALITY_SANDBOX, "sandbox");
  guint count = 0;

  g_assert_true (g_str_has_prefix (usage, "usage: sandbox "));
  for (const SbCliOption *option = sb_cli_options; option->name != NULL; option++)
    {
      g_autofree char *needle = g_strdup_printf ("\n    %s%s%s ", option->name,
                                                 option->metavar ? " " : "",
                                                 option->metavar ? option->metavar : "");

      g_assert_nonnull (strstr (usage, needle));
      g_assert_true (sb_cli_option_lookup (option->name) == option);
      if (option->metavar == NULL)
        g_assert_cmpuint (option->n_values, ==, 0);
      else
        {
          g_auto(GStrv) words = g_strsplit (option->metavar, " ", -1);

          g_assert_cmpuint (option->n_values, ==, g_strv_length (words));
        }
      count++;
    }
  /* bwrap 0.11.1's options, our 10, the 6 resource limits, the 3 id maps, --sysctl and the 3 of
   * the time namespace, --name. */
  g_assert_cmpuint (count, ==, BWRAP_OPTION_COUNT + 10 + 6 + 3 + 1 + 3 + 1);
  for (const char *const *name = (const char *const[]) { "--share-ipc", "--share-pid", "--share-uts",
                                                         "--share-cgroup", "--seccomp-profile",
                                                         "--seccomp-log", "--seccomp-print",
                                                         "--allow-nesting", "--strict",
                                                         "--share-abstract-sockets", "--argv0",
                                                         "--level-prefix", "--overlay-src",
                                                         "--tmp-overlay", "--ro-overlay",
                                                         "--bind-fd", "--ro-bind-fd", "--rlimit",
                                                         "--memory", "--pids", "--cpus",
                                                         "--timeout", "--kill-after", NULL };
       *name != NULL; name++)
    g_assert_nonnull (sb_cli_option_lookup (*name));
}

static void
test_version (void)
{
  g_autofree char *bwrap = sb_cli_version (SB_PERSONALITY_BWRAP);
  g_autofree char *sandbox = sb_cli_version (SB_PERSONALITY_SANDBOX);

  g_assert_cmpstr (bwrap, ==, "bubblewrap 0.11.1\n");
  g_assert_cmpstr (sandbox, ==, "sandbox " SANDBOX_VERSION " (bubblewrap 0.11.1 compatible)\n");
}

static void
test_personality (void)
{
  g_assert_cmpint (sb_cli_personality_from_argv0 ("bwrap"), ==, SB_PERSONALITY_BWRAP);
  g_assert_cmpint (sb_cli_personality_from_argv0 ("/usr/bin/bwrap"), ==, SB_PERSONALITY_BWRAP);
  g_assert_cmpint (sb_cli_personality_from_argv0 ("./bwrap"), ==, SB_PERSONALITY_BWRAP);
  g_assert_cmpint (sb_cli_personality_from_argv0 ("sandbox"), ==, SB_PERSONALITY_SANDBOX);
  g_assert_cmpint (sb_cli_personality_from_argv0 ("bwrap2"), ==, SB_PERSONALITY_SANDBOX);
  g_assert_cmpint (sb_cli_personality_from_argv0 ("/bwrap/sandbox"), ==, SB_PERSONALITY_SANDBOX);
  g_assert_cmpint (sb_cli_personality_from_argv0 (NULL), ==, SB_PERSONALITY_SANDBOX);
}

static void
test_help_stops_parsing (void)
{
  g_autoptr(SbPlan) help = parse ("--help --no-such-option");
  g_autoptr(SbPlan) version = parse ("--bind /a /b --version --bind");

  g_assert_true (help->show_help);
  g_assert_true (version->show_version);
  g_assert_false (version->show_help);
  assert_parse_error ("--no-such-option --help", "Unknown option --no-such-option");
}

/* --- defaults --- */

static void
test_defaults_bwrap (void)
{
  g_autoptr(SbPlan) root = parse_ok (SB_PERSONALITY_BWRAP, ROOT, "true");
  g_autoptr(SbPlan) user = parse_ok (SB_PERSONALITY_BWRAP, USER, "true");

  assert_has_line (root, "personality: bwrap");
  assert_has_line (root, "unshare: none");
  assert_has_line (root, "seccomp-profile: none");
  assert_has_line (root, "allow-nesting: yes");
  assert_has_line (root, "drop-root-caps: no");
  assert_has_line (root, "usr-merge-symlinks: no");
  assert_has_line (root, "uid: -1");
  assert_has_line (root, "command: true");
  assert_lines (root, "env: ", "env: PATH=/usr/bin:/bin|env: HOME=/home/u|env: LANG=C");
  assert_has_line (user, "unshare: user");
  g_assert_cmpint (user->unshare_try, ==, 0);
  g_assert_cmpuint (user->ops->len, ==, 0);
  g_assert_cmpuint (user->warnings->len, ==, 0);
}

static void
test_defaults_sandbox (void)
{
  g_autoptr(SbPlan) root = parse_ok (SB_PERSONALITY_SANDBOX, ROOT, "true");
  g_autoptr(SbPlan) user = parse_ok (SB_PERSONALITY_SANDBOX, USER, "true");

  assert_has_line (root, "personality: sandbox");
  assert_has_line (root, "unshare: user? ipc pid net uts cgroup?");
  assert_has_line (root, "seccomp-profile: default");
  assert_has_line (root, "allow-nesting: no");
  assert_has_line (root, "drop-root-caps: yes");
  assert_has_line (root, "usr-merge-symlinks: yes");
  /* A non-root caller gets its user namespace for sure, not "try". */
  assert_has_line (user, "unshare: user ipc pid net uts cgroup?");
}

static void
test_no_command (void)
{
  g_autoptr(SbPlan) empty = parse ("");
  g_autoptr(SbPlan) dashdash = parse ("--unshare-pid --");

  g_assert_null (empty->command);
  g_assert_null (dashdash->command);
  assert_has_line (dashdash, "command: (none)");
}

/* --- options, one by one --- */

typedef struct {
  const char *args;
  const char *line;
} OptionCase;

static const OptionCase option_cases[] = {
  { "--bind /a /b", "op: bind source=/a dest=/b" },
  { "--bind-try a b", "op: bind flags=try source=/work/dir/a dest=/b" },
  { "--bind-try '' /x", "op: bind flags=try source=/ dest=/x" },
  { "--dev-bind /dev /dev", "op: bind flags=dev source=/dev dest=/dev" },
  { "--dev-bind-try /d /e", "op: bind flags=dev,try source=/d dest=/e" },
  { "--ro-bind /usr /usr", "op: bind flags=ro source=/usr dest=/usr" },
  { "--ro-bind-try /o /p", "op: bind flags=ro,try source=/o dest=/p" },
  { "--bind-fd 3 /app", "op: bind-fd fd=3 dest=/app" },
  { "--ro-bind-fd 4 usr", "op: bind-fd flags=ro fd=4 dest=/usr" },
  { "--remount-ro /a/./b/", "op: remount-ro dest=/a/b" },
  { "--proc /proc", "op: proc dest=/proc" },
  { "--dev /dev", "op: dev dest=/dev" },
  { "--tmpfs /tmp", "op: tmpfs dest=/tmp" },
  { "--mqueue /dev/mqueue", "op: mqueue dest=/dev/mqueue" },
  { "--dir /a//b", "op: dir dest=/a/b" },
  { "--file 5 /etc/passwd", "op: file fd=5 dest=/etc/passwd" },
  { "--bind-data 6 /x", "op: bind-data fd=6 dest=/x" },
  { "--ro-bind-data 7 /.flatpak-info", "op: bind-data flags=ro fd=7 dest=/.flatpak-info" },
  { "--symlink usr/lib /lib", "op: symlink source=usr/lib dest=/lib" },
  { "--symlink ../x /a/../b", "op: symlink source=../x dest=/b" },
  { "--chmod 0755 /x", "op: chmod mode=0755 dest=/x" },
  { "--chmod 4755 /y", "op: chmod mode=4755 dest=/y" },
  { "--overlay-src /l --tmp-overlay /m", "op: tmp-overlay layer=/l dest=/m" },
  { "--overlay-src /l1 --overlay-src l2 --overlay /up work /m",
    "op: overlay layer=/l1 layer=/work/dir/l2 source=/up workdir=/work/dir/work dest=/m" },
  { "--overlay-src /a --overlay-src /b --ro-overlay /m",
    "op: ro-overlay flags=ro layer=/a layer=/b dest=/m" },
  { "--perms 0700 --dir /d", "op: dir mode=0700 dest=/d" },
  { "--perms 644 --file 3 /f", "op: file fd=3 mode=0644 dest=/f" },
  { "--perms 0600 --bind-data 3 /f", "op: bind-data fd=3 mode=0600 dest=/f" },
  { "--perms 0400 --ro-bind-data 3 /f", "op: bind-data flags=ro fd=3 mode=0400 dest=/f" },
  { "--perms 01777 --tmpfs /tmp", "op: tmpfs mode=1777 dest=/tmp" },
  { "--size 1024 --tmpfs /tmp", "op: tmpfs size=1024 dest=/tmp" },
  { "--size 0x10 --tmpfs /tmp", "op: tmpfs size=16 dest=/tmp" },
  { "--size 9223372036854775807 --tmpfs /t", "op: tmpfs size=9223372036854775807 dest=/t" },
  { "--perms 0700 --size 4096 --tmpfs /t", "op: tmpfs mode=0700 size=4096 dest=/t" },
  { "--size 4096 --perms 0700 --tmpfs /t", "op: tmpfs mode=0700 size=4096 dest=/t" },
  { "--lock-file /run/.lock", "lock-file: /run/.lock" },
  { "--lock-file x/../y", "lock-file: /y" },
  { "--userns 3", "userns-fd: 3" },
  { "--userns2 4", "userns2-fd: 4" },
  { "--pidns 5", "pidns-fd: 5" },
  { "--unshare-user --disable-userns", "disable-userns: yes" },
  { "--assert-userns-disabled", "assert-userns-disabled: yes" },
  { "--uid 0", "uid: 0" },
  { "--uid 4294967294", "uid: 4294967294" },
  { "--gid 100", "gid: 100" },
  { "--hostname box", "hostname: box" },
  { "--hostname 'a\nb'", "hostname: a\\x0ab" },
  { "--chdir /srv", "chdir: /srv" },
  { "--chdir rel", "chdir: rel" },
  { "--argv0 name", "argv0: name" },
  { "--sync-fd 9", "sync-fd: 9" },
  { "--info-fd 10", "info-fd: 10" },
  { "--json-status-fd 11", "json-status-fd: 11" },
  { "--block-fd 12", "block-fd: 12" },
  { "--unshare-user --userns-block-fd 13", "userns-block-fd: 13" },
  { "--seccomp 14", "seccomp-fd: 14" },
  { "--seccomp 2147483647", "seccomp-fd: 2147483647" },
  { "--add-seccomp-fd 0", "add-seccomp-fd: 0" },
  { "--seccomp-profile default", "seccomp-profile: default" },
  { "--seccomp-profile none", "seccomp-profile: none" },
  { "--seccomp-profile my.policy", "seccomp-profile-path: /work/dir/my.policy" },
  { "--seccomp-log", "seccomp-log: yes" },
  { "--seccomp-print", "seccomp-print: yes" },
  { "--allow-nesting", "allow-nesting: yes" },
  { "--new-session", "new-session: yes" },
  { "--die-with-parent", "die-with-parent: yes" },
  { "--as-pid-1", "as-pid-1: yes" },
  { "--level-prefix", "level-prefix: yes" },
  { "--exec-label system_u:x", "exec-label: system_u:x" },
  { "--file-label system_u:y", "file-label: system_u:y" },
  { "--cap-add CAP_NET_RAW", "cap-add: cap_net_raw" },
  { "--cap-add cap_sys_admin", "cap-add: cap_sys_admin" },
  { "--cap-add 12", "cap-add: cap_net_admin" },
  { "--cap-drop CAP_CHOWN", "cap-drop: cap_chown" },
  { "--cap-add all", "cap-add: all" },
  { "--cap-drop ALL", "cap-drop: all" },
  { "--unshare-user", "unshare: user" },
  { "--unshare-ipc", "unshare: user ipc" },
  { "--unshare-pid", "unshare: user pid" },
  { "--unshare-net", "unshare: user net" },
  { "--unshare-uts", "unshare: user uts" },
  { "--unshare-cgroup", "unshare: user cgroup" },
  { "--unshare-cgroup-try", "unshare: user cgroup?" },
  { "--unshare-all", "unshare: user ipc pid net uts cgroup?" },
  { "--unshare-all --share-net", "unshare: user ipc pid uts cgroup?" },
  { "--unshare-all --share-ipc --share-pid", "unshare: user net uts cgroup?" },
  { "--unshare-all --share-uts --share-cgroup", "unshare: user ipc pid net" },
  { "--share-net --unshare-net", "unshare: user net" },
  { "--unshare-cgroup-try --unshare-cgroup", "unshare: user cgroup" },
  { "--unshare-cgroup --unshare-cgroup-try", "unshare: user cgroup" },
  { "--clearenv", "env: (none)" },
  { "--clearenv --setenv A 1", "env: A=1" },
  { "--setenv A 'x y'", "env: A=x y" },
  { "--setenv A ''", "env: A=" },
  { "--setenv PATH /opt", "env: PATH=/opt" },
};

static void
test_option_cases (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (option_cases); i++)
    {
      g_autofree char *line = g_strconcat (option_cases[i].args, " cmd", NULL);
      g_autoptr(SbPlan) plan = parse (line);

      g_test_message ("%s", line);
      assert_has_line (plan, option_cases[i].line);
      assert_has_line (plan, "command: cmd");
      g_assert_cmpuint (plan->warnings->len, ==, 0);
    }
}

static void
test_root_options (void)
{
  g_autoptr(SbPlan) all = parse_ok (SB_PERSONALITY_BWRAP, ROOT, "--unshare-all true");
  g_autoptr(SbPlan) user_try = parse_ok (SB_PERSONALITY_BWRAP, ROOT, "--unshare-user-try true");
  g_autoptr(SbPlan) both = parse_ok (SB_PERSONALITY_BWRAP, ROOT,
                                     "--unshare-user --unshare-user-try true");
  g_autoptr(SbPlan) both2 = parse_ok (SB_PERSONALITY_BWRAP, ROOT,
                                      "--unshare-user-try --unshare-user true");

  assert_has_line (all, "unshare: user? ipc pid net uts cgroup?");
  assert_has_line (user_try, "unshare: user?");
  assert_has_line (both, "unshare: user");
  assert_has_line (both2, "unshare: user");
}

static void
test_environment (void)
{
  g_autoptr(SbPlan) plan = parse ("--unsetenv HOME --setenv X 1 --setenv LANG fr --unsetenv NOPE true");
  g_autoptr(SbPlan) cleared = parse ("--setenv A 1 --clearenv --setenv B 2 --unsetenv B true");

  assert_lines (plan, "env: ", "env: PATH=/usr/bin:/bin|env: LANG=fr|env: X=1");
  g_assert_cmpstr (g_environ_getenv (plan->envp, "X"), ==, "1");
  assert_lines (cleared, "env: ", "env: (none)");
  /* bwrap's texts, from setenv(3) failing. */
  assert_parse_error ("--setenv A=B c true", "setenv failed");
  assert_parse_error ("--setenv '' c true", "setenv failed");
  assert_parse_error ("--unsetenv A=B true", "unsetenv failed");
}

static void
test_caps_fold_in_order (void)
{
  g_autoptr(SbPlan) add_then_drop = parse ("--cap-add CAP_SYS_ADMIN --cap-drop CAP_SYS_ADMIN true");
  g_autoptr(SbPlan) drop_then_add = parse ("--cap-drop CAP_SYS_ADMIN --cap-add CAP_SYS_ADMIN true");
  g_autoptr(SbPlan) all_but = parse ("--cap-drop ALL --cap-add CAP_NET_RAW --cap-add CAP_CHOWN true");
  g_autoptr(SbPlan) add_all = parse ("--cap-add ALL --cap-drop CAP_SYS_ADMIN true");
  guint64 sys_admin = G_GUINT64_CONSTANT (1) << CAP_SYS_ADMIN;
  guint64 net_raw = G_GUINT64_CONSTANT (1) << CAP_NET_RAW;
  guint64 chown_cap = G_GUINT64_CONSTANT (1) << CAP_CHOWN;

  g_assert_cmphex (add_then_drop->caps.add, ==, 0);
  g_assert_cmphex (add_then_drop->caps.drop, ==, sys_admin);
  g_assert_cmphex (drop_then_add->caps.add, ==, sys_admin);
  g_assert_cmphex (drop_then_add->caps.drop, ==, 0);
  g_assert_cmphex (all_but->caps.add, ==, net_raw | chown_cap);
  g_assert_cmphex (all_but->caps.drop, ==, G_MAXUINT64 & ~(net_raw | chown_cap));
  assert_has_line (all_but, "cap-add: cap_chown cap_net_raw");
  g_assert_cmphex (add_all->caps.add, ==, G_MAXUINT64 & ~sys_admin);
  g_assert_cmphex (add_all->caps.drop, ==, sys_admin);
  assert_parse_error ("--cap-add FOO true", "unknown cap: FOO");
  assert_parse_error ("--cap-drop CAP_NOPE true", "unknown cap: CAP_NOPE");
  assert_parse_error ("--cap-add sys_admin true", "unknown cap: sys_admin");
  assert_parse_error ("--cap-add '' true", "unknown cap: ");
}

/* --- errors --- */

/* Every option that takes values, given too few: bwrap's wording. */
static void
test_missing_values (void)
{
  guint checked = 0;

  for (const SbCliOption *option = sb_cli_options; option->name != NULL; option++)
    for (guint given = 0; given < option->n_values; given++)
      {
        GString *line = g_string_new (option->name);
        g_autofree char *expected = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(SbPlan) plan = NULL;
        g_autofree char *text = NULL;

        for (guint i = 0; i < given; i++)
          g_string_append (line, " 1");
        text = g_string_free (line, FALSE);
        if (option->n_values == 1)
          expected = g_strdup_printf ("%s takes %s", option->name,
                                      (option->flags & SB_CLI_SAYS_ONE) ? "one argument"
                                                                        : "an argument");
        else
          expected = g_strdup_printf ("%s takes %s arguments", option->name,
                                      option->n_values == 2 ? "two" : "three");
        plan = parse_with (SB_PERSONALITY_BWRAP, USER, text, &error);
        g_assert_null (plan);
        g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
        g_assert_cmpstr (error->message, ==, expected);
        checked++;
      }
  g_assert_cmpuint (checked, >, 60);
  /* The texts bwrap uses, spelled out for a few. */
  assert_parse_error ("--bind /a", "--bind takes two arguments");
  assert_parse_error ("--uid", "--uid takes an argument");
  assert_parse_error ("--chdir", "--chdir takes one argument");
  assert_parse_error ("--remount-ro", "--remount-ro takes one argument");
  assert_parse_error ("--chmod 0777", "--chmod takes two arguments");
  assert_parse_error ("--overlay a b", "--overlay takes three arguments");
  assert_parse_error ("--argv0", "--argv0 takes one argument");
}

static void
test_unknown_options (void)
{
  assert_parse_error ("--foo", "Unknown option --foo");
  assert_parse_error ("-x true", "Unknown option -x");
  assert_parse_error ("- true", "Unknown option -");
  assert_parse_error ("--bind=/a /b true", "Unknown option --bind=/a");
  assert_parse_error ("--BIND /a /b true", "Unknown option --BIND");
  assert_parse_error ("'--x\n\033[2J' true", "Unknown option --x\\x0a\\x1b[2J");
  assert_parse_error ("--bind /a /b --unshare-everything true", "Unknown option --unshare-everything");
}

static void
test_bad_fds (void)
{
  static const char *const bad[] = { "x", "-1", "1x", "+3", " 3", "0x3", "2147483648",
                                     "99999999999999999999" };
  guint checked = 0;

  for (const SbCliOption *option = sb_cli_options; option->name != NULL; option++)
    {
      if (option->metavar == NULL || !g_str_has_prefix (option->metavar, "FD"))
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
        {
          g_autofree char *quoted = g_shell_quote (bad[i]);
          g_autofree char *line = g_strdup_printf ("%s %s%s true", option->name, quoted,
                                                   option->n_values == 2 ? " /dest" : "");
          g_autofree char *expected = g_strdup_printf ("Invalid fd: %s", bad[i]);

          assert_parse_error (line, expected);
          checked++;
        }
    }
  /* --args --bind-fd --ro-bind-fd --file --bind-data --ro-bind-data
   * --userns --userns2 --pidns --sync-fd --seccomp --add-seccomp-fd
   * --block-fd --userns-block-fd --info-fd --json-status-fd */
  g_assert_cmpuint (checked, ==, 16 * G_N_ELEMENTS (bad));
  assert_parse_error ("--info-fd '' true", "Invalid fd: ");
}

static void
test_bad_ids (void)
{
  assert_parse_error ("--uid abc true", "Invalid uid: abc");
  assert_parse_error ("--uid -1 true", "Invalid uid: -1");
  assert_parse_error ("--uid 12x true", "Invalid uid: 12x");
  assert_parse_error ("--uid 4294967295 true", "Invalid uid: 4294967295");
  assert_parse_error ("--uid 99999999999 true", "Invalid uid: 99999999999");
  assert_parse_error ("--uid '' true", "Invalid uid: ");
  assert_parse_error ("--gid x true", "Invalid gid: x");
  assert_parse_error ("--gid 4294967296 true", "Invalid gid: 4294967296");
  /* Ours names the option first. */
  assert_parse_error_as (SB_PERSONALITY_SANDBOX, "--uid abc true", "--uid: Invalid uid: abc");
  assert_parse_error_as (SB_PERSONALITY_SANDBOX, "--gid x true", "--gid: Invalid gid: x");
}

static void
test_bad_modes_and_sizes (void)
{
  static const char *const bad_modes[] = { "8", "10000", "-1", "0x1", "", "0779", "7777 " };
  static const char *const bad_sizes[] = { "0", "x", "", "1k", "-1", " 1", "+1", "00",
                                           "99999999999999999999" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_modes); i++)
    {
      g_autofree char *quoted = g_shell_quote (bad_modes[i]);
      g_autofree char *perms = g_strdup_printf ("--perms %s --dir /x true", quoted);
      g_autofree char *chmod = g_strdup_printf ("--chmod %s /x true", quoted);

      assert_parse_error (perms, "--perms takes an octal argument <= 07777");
      assert_parse_error (chmod, "--chmod takes an octal argument <= 07777");
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_sizes); i++)
    {
      g_autofree char *quoted = g_shell_quote (bad_sizes[i]);
      g_autofree char *line = g_strdup_printf ("--size %s --tmpfs /x true", quoted);

      assert_parse_error (line, "--size takes a non-zero number of bytes");
    }
  assert_parse_error ("--size 9223372036854775808 --tmpfs /x true",
                      "--size (for tmpfs) is limited to 9223372036854775807");
  assert_parse_error ("--size 18446744073709551615 --tmpfs /x true",
                      "--size (for tmpfs) is limited to 9223372036854775807");
}

static void
test_modifiers_apply_to_next_op_only (void)
{
  g_autoptr(SbPlan) perms = parse ("--perms 0700 --dir /a --dir /b --perms 0711 --tmpfs /c true");
  g_autoptr(SbPlan) size = parse ("--size 100 --tmpfs /a --tmpfs /b true");
  g_autoptr(SbPlan) dangling = parse ("--dir /a --perms 0700 -- true");
  g_autoptr(SbPlan) dangling_size = parse ("--size 10 true");

  assert_lines (perms, "op: ", "op: dir mode=0700 dest=/a|op: dir dest=/b|op: tmpfs mode=0711 dest=/c");
  assert_lines (size, "op: ", "op: tmpfs size=100 dest=/a|op: tmpfs dest=/b");
  /* bwrap ignores a modifier that nothing follows. */
  assert_lines (dangling, "op: ", "op: dir dest=/a");
  g_assert_cmpuint (dangling_size->ops->len, ==, 0);

  assert_parse_error ("--perms 0777 --perms 0777 --dir /x true", "--perms given twice for the same action");
  assert_parse_error ("--size 1 --size 2 --tmpfs /x true", "--size given twice for the same action");
  assert_parse_error ("--perms 0777 --bind / / true",
                      "--perms must be followed by an option that creates a file");
  assert_parse_error ("--perms 0777 --chmod 0777 /x true",
                      "--perms must be followed by an option that creates a file");
  assert_parse_error ("--perms 0777 --unshare-pid --dir /x true",
                      "--perms must be followed by an option that creates a file");
  assert_parse_error ("--perms 0777 --symlink a /b true",
                      "--perms must be followed by an option that creates a file");
  assert_parse_error ("--size 10 --dir /x true", "--size must be followed by --tmpfs");
  assert_parse_error ("--perms 0700 --size 10 --dir /x true", "--size must be followed by --tmpfs");
  assert_parse_error ("--size 10 --bind /a /b true", "--size must be followed by --tmpfs");
}

static void
test_overlay_errors (void)
{
  static const char dangling[] = "--overlay-src must be followed by another --overlay-src or one "
                                 "of --overlay, --tmp-overlay, or --ro-overlay";

  assert_parse_error ("--overlay /u /w /m true", "--overlay requires at least one --overlay-src");
  assert_parse_error ("--tmp-overlay /m true", "--tmp-overlay requires at least one --overlay-src");
  assert_parse_error ("--ro-overlay /m true", "--ro-overlay requires at least two --overlay-src");
  assert_parse_error ("--overlay-src /a --ro-overlay /m true",
                      "--ro-overlay requires at least two --overlay-src");
  assert_parse_error ("--overlay-src /a true", dangling);
  assert_parse_error ("--overlay-src /a", dangling);
  assert_parse_error ("--overlay-src /a -- true", dangling);
  assert_parse_error ("--overlay-src /a --bind /b /c true", dangling);
  /* Sources go to the next overlay only. */
  assert_parse_error ("--overlay-src /a --tmp-overlay /m --tmp-overlay /n true",
                      "--tmp-overlay requires at least one --overlay-src");
}

static void
test_seccomp_mix (void)
{
  /* bwrap's text depends on which came second. */
  assert_parse_error ("--seccomp 3 --add-seccomp-fd 4 true",
                      "--add-seccomp-fd cannot be combined with --seccomp");
  assert_parse_error ("--add-seccomp-fd 4 --seccomp 3 true",
                      "--seccomp cannot be combined with --add-seccomp-fd");
}

static void
test_bind_empty_source (void)
{
  assert_parse_error ("--bind '' /x true", "--bind: the source path is empty");
  assert_parse_error ("--ro-bind '' /x true", "--ro-bind: the source path is empty");
  assert_parse_error ("--dev-bind '' /x true", "--dev-bind: the source path is empty");
  assert_parse_error ("--overlay-src '' --tmp-overlay /x true",
                      "--overlay-src: the source path is empty");
  assert_parse_error ("--overlay-src /a --overlay '' /w /x true", "--overlay: the source path is empty");
  assert_parse_error ("--overlay-src /a --overlay /u '' /x true", "--overlay: the source path is empty");
}

static void
test_paths (void)
{
  static const char *const cases[][2] = {
    { "/", "/" }, { "", "/" }, { "//", "/" }, { "a", "/a" }, { "/a/", "/a" },
    { "//a///b//", "/a/b" }, { "/a/./b/.", "/a/b" }, { "/a/../b", "/b" },
    { "/../../x", "/x" }, { "..", "/" }, { "a/b/../../..", "/" }, { "/a/..b/c..", "/a/..b/c.." },
    { "/.x/...", "/.x/..." },
  };
  g_autoptr(SbPlan) plan = parse ("--bind /h//x/../y /d --ro-bind rel/./s ../d2 --symlink ./t //s "
                                  "--bind ./../up/ /u --bind-try . /v true");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *canonical = sb_cli_canonical_dest (cases[i][0]);

      g_assert_cmpstr (canonical, ==, cases[i][1]);
    }
  /* Relative host sources are made absolute; ".." is the host's business. */
  assert_lines (plan, "op: ", "op: bind source=/h//x/../y dest=/d|"
                              "op: bind flags=ro source=/work/dir/rel/s dest=/d2|"
                              "op: symlink source=./t dest=/s|"
                              "op: bind source=/work/dir/../up/ dest=/u|"
                              "op: bind flags=try source=/work/dir dest=/v");
}

static void
test_relative_source_without_cwd (void)
{
  const char *argv[] = { "bwrap", "--bind", "rel", "/d", "true", NULL };
  SbCliContext context = { SB_PERSONALITY_BWRAP, test_env, { .uid = USER, .gid = USER, .cwd = NULL } };
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = sb_cli_parse (&context, 5, argv, &error);

  g_assert_no_error (error);
  assert_has_line (plan, "op: bind source=rel dest=/d");
}

static void
test_null_environment (void)
{
  const char *argv[] = { "bwrap", "--setenv", "A", "1", "true", NULL };
  SbCliContext context = { SB_PERSONALITY_BWRAP, NULL, { .uid = USER, .gid = USER, .cwd = "/" } };
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = sb_cli_parse (&context, 5, argv, &error);

  g_assert_no_error (error);
  assert_lines (plan, "env: ", "env: A=1");
}

/* --- the command, "--" --- */

static void
test_command (void)
{
  g_autoptr(SbPlan) dashdash = parse ("--unshare-pid -- --x --bind /a /b");
  g_autoptr(SbPlan) first = parse ("--unshare-pid ls --bind /a /b -- c");
  g_autoptr(SbPlan) twice = parse ("-- -- x");

  assert_lines (dashdash, "command: ", "command: --x|command: --bind|command: /a|command: /b");
  g_assert_cmpuint (dashdash->ops->len, ==, 0);
  assert_lines (first, "command: ", "command: ls|command: --bind|command: /a|command: /b|"
                                    "command: --|command: c");
  g_assert_cmpuint (first->ops->len, ==, 0);
  assert_lines (twice, "command: ", "command: --|command: x");
}

static void
test_op_order (void)
{
  g_autoptr(SbPlan) plan = parse ("--ro-bind /usr /usr --tmpfs /tmp --proc /proc --dev /dev "
                                  "--dir /tmp/a --symlink usr/bin /bin --remount-ro /usr "
                                  "--bind-data 3 /etc/x --chmod 0644 /etc/x --mqueue /mq true");

  assert_lines (plan, "op: ",
                "op: bind flags=ro source=/usr dest=/usr|op: tmpfs dest=/tmp|op: proc dest=/proc|"
                "op: dev dest=/dev|op: dir dest=/tmp/a|op: symlink source=usr/bin dest=/bin|"
                "op: remount-ro dest=/usr|op: bind-data fd=3 dest=/etc/x|"
                "op: chmod mode=0644 dest=/etc/x|op: mqueue dest=/mq");
  g_assert_cmpstr (sb_plan_op (plan, 0)->option, ==, "--ro-bind");
  g_assert_cmpstr (sb_plan_op (plan, 7)->option, ==, "--bind-data");
  g_assert_cmpint (sb_plan_op (plan, 0)->fd, ==, -1);
  g_assert_cmpuint (sb_plan_op (plan, 1)->mode, ==, SB_MODE_UNSET);
}

/* --- last one wins --- */

static void
test_last_wins_warnings (void)
{
  static const char *const cases[][3] = {
    { "--chdir", "/a", "/b" }, { "--hostname", "a", "b" }, { "--uid", "1", "2" },
    { "--gid", "1", "2" }, { "--seccomp", "3", "4" }, { "--userns", "3", "4" },
    { "--userns2", "3", "4" }, { "--pidns", "3", "4" }, { "--info-fd", "3", "4" },
    { "--json-status-fd", "3", "4" }, { "--block-fd", "3", "4" },
    { "--userns-block-fd", "3", "4" }, { "--sync-fd", "3", "4" },
    { "--seccomp-profile", "none", "default" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *line = g_strdup_printf ("--unshare-user %s %s %s %s true", cases[i][0], cases[i][1],
                                               cases[i][0], cases[i][2]);
      g_autofree char *warning = g_strdup_printf ("Only the last %s option will take effect",
                                                  cases[i][0]);
      g_autoptr(SbPlan) plan = parse (line);

      g_assert_cmpuint (plan->warnings->len, ==, 1);
      g_assert_cmpstr (g_ptr_array_index (plan->warnings, 0), ==, warning);
    }
  {
    g_autoptr(SbPlan) plan = parse ("--chdir /a --chdir /b --chdir /c --hostname h true");

    g_assert_cmpuint (plan->warnings->len, ==, 2);
    assert_has_line (plan, "chdir: /c");
    assert_has_line (plan, "warning: Only the last --chdir option will take effect");
  }
  {
    /* Not single-valued in bwrap: no warning. */
    g_autoptr(SbPlan) plan = parse ("--exec-label a --exec-label b --add-seccomp-fd 3 "
                                    "--add-seccomp-fd 4 --lock-file /a --lock-file /b "
                                    "--unshare-pid --unshare-pid true");

    g_assert_cmpuint (plan->warnings->len, ==, 0);
    assert_has_line (plan, "exec-label: b");
    assert_lines (plan, "add-seccomp-fd: ", "add-seccomp-fd: 3|add-seccomp-fd: 4");
    assert_lines (plan, "lock-file: ", "lock-file: /a|lock-file: /b");
  }
  assert_parse_error ("--argv0 a --argv0 b true", "--argv0 used multiple times");
}

/* --- --args --- */

static int
memfd_with (const void *data, gsize len, gboolean seal)
{
  int fd = memfd_create ("args", MFD_CLOEXEC | MFD_ALLOW_SEALING);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, data, len), ==, (gssize) len);
  g_assert_cmpint (lseek (fd, 0, SEEK_SET), ==, 0);
  if (seal)
    g_assert_cmpint (fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL),
                     ==, 0);
  return fd;
}

static int
pipe_with (const void *data, gsize len)
{
  int fds[2];

  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  g_assert_cmpint (write (fds[1], data, len), ==, (gssize) len);
  close (fds[1]);
  return fds[0];
}

static gboolean
fd_is_open (int fd)
{
  return fcntl (fd, F_GETFD) >= 0;
}

#define DATA(literal) literal, sizeof literal - 1

static void
test_args_memfd (void)
{
  int fd = memfd_with (DATA ("--unshare-pid\0--bind\0/a\0/b\0--setenv\0K\0v w\0"), TRUE);
  g_autofree char *line = g_strdup_printf ("--args %d --dir /after true", fd);
  g_autoptr(SbPlan) plan = parse (line);

  assert_has_line (plan, "unshare: user pid");
  assert_lines (plan, "op: ", "op: bind source=/a dest=/b|op: dir dest=/after");
  g_assert_cmpstr (g_environ_getenv (plan->envp, "K"), ==, "v w");
  assert_has_line (plan, "command: true");
  /* Read, then closed as bwrap does, so that it does not reach the command. */
  g_assert_false (fd_is_open (fd));
}

static void
test_args_pipe (void)
{
  int fd = pipe_with (DATA ("--dir\0/p\0--perms\0" "0700\0--dir\0/q"));
  g_autofree char *line = g_strdup_printf ("--dir /before --args %d true", fd);
  g_autoptr(SbPlan) plan = parse (line);

  /* The last argument needs no terminating NUL. */
  assert_lines (plan, "op: ", "op: dir dest=/before|op: dir dest=/p|op: dir mode=0700 dest=/q");
  g_assert_false (fd_is_open (fd));
}

static void
test_args_modifier_before (void)
{
  /* In place: a modifier before --args applies to the file's first option. */
  int fd = memfd_with (DATA ("--dir\0/x\0"), TRUE);
  int empty = memfd_with ("", 0, TRUE);
  g_autofree char *line = g_strdup_printf ("--perms 0750 --args %d true", fd);
  g_autofree char *bad = g_strdup_printf ("--perms 0750 --args %d --bind /a /b true", empty);
  g_autoptr(SbPlan) plan = parse (line);

  assert_lines (plan, "op: ", "op: dir mode=0750 dest=/x");
  assert_parse_error (bad, "--perms must be followed by an option that creates a file");
}

static void
test_args_regular_file (void)
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("sandbox-args-XXXXXX", &path, NULL);
  g_autofree char *line = NULL;
  g_autoptr(SbPlan) plan = NULL;

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, DATA ("--tmpfs\0/t\0")), ==, 11);
  g_assert_cmpint (lseek (fd, 0, SEEK_SET), ==, 0);
  g_unlink (path);
  line = g_strdup_printf ("--args %d true", fd);
  plan = parse (line);
  assert_lines (plan, "op: ", "op: tmpfs dest=/t");
}

static void
test_args_repeated_and_empty (void)
{
  int first = memfd_with (DATA ("--dir\0/1\0"), TRUE);
  int empty = memfd_with ("", 0, FALSE);
  int second = pipe_with (DATA ("--dir\0/2\0--setenv\0E\0\0"));
  g_autofree char *line = g_strdup_printf ("--args %d --args %d --dir /mid --args %d true",
                                           first, empty, second);
  g_autoptr(SbPlan) plan = parse (line);

  assert_lines (plan, "op: ", "op: dir dest=/1|op: dir dest=/mid|op: dir dest=/2");
  /* An empty argument is an argument. */
  g_assert_cmpstr (g_environ_getenv (plan->envp, "E"), ==, "");
}

static void
test_args_with_command (void)
{
  /* As bwrap: a command (or "--") ends the file, whose rest is dropped; the
   * command comes from the command line. */
  int dashdash = memfd_with (DATA ("--dir\0/d\0--\0ls\0-l\0"), TRUE);
  int word = memfd_with (DATA ("--dir\0/d\0ls\0--bind\0/a\0/b\0"), TRUE);
  int only = memfd_with (DATA ("ls\0"), TRUE);
  g_autofree char *dashdash_line = g_strdup_printf ("--args %d /tmp", dashdash);
  g_autofree char *word_line = g_strdup_printf ("--args %d --tmpfs /t true", word);
  g_autofree char *only_line = g_strdup_printf ("--args %d", only);
  g_autoptr(SbPlan) dashdash_plan = parse (dashdash_line);
  g_autoptr(SbPlan) word_plan = parse (word_line);
  g_autoptr(SbPlan) only_plan = parse (only_line);

  assert_lines (dashdash_plan, "op: ", "op: dir dest=/d");
  assert_lines (dashdash_plan, "command: ", "command: /tmp");
  assert_lines (word_plan, "op: ", "op: dir dest=/d|op: tmpfs dest=/t");
  assert_lines (word_plan, "command: ", "command: true");
  g_assert_null (only_plan->command);
}

static void
test_args_errors (void)
{
  int nested = memfd_with (DATA ("--dir\0/a\0--args\0" "0\0"), TRUE);
  int split = memfd_with (DATA ("--bind\0/a\0"), TRUE);
  int unknown = pipe_with (DATA ("--frobnicate\0"));
  g_autofree char *nested_line = g_strdup_printf ("--args %d true", nested);
  g_autofree char *split_line = g_strdup_printf ("--args %d /b true", split);
  g_autofree char *unknown_line = g_strdup_printf ("--args %d true", unknown);
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = NULL;
  int closed;

  assert_parse_error (nested_line, "--args not supported in arguments file");
  /* An option's values must come from the same file as the option. */
  assert_parse_error (split_line, "--bind takes two arguments");
  assert_parse_error (unknown_line, "Unknown option --frobnicate");
  assert_parse_error ("--args x true", "Invalid fd: x");

  closed = memfd_with ("", 0, FALSE);
  close (closed);
  {
    g_autofree char *line = g_strdup_printf ("--args %d true", closed);

    plan = parse_with (SB_PERSONALITY_BWRAP, USER, line, &error);
  }
  g_assert_null (plan);
  g_assert_error (error, SB_ERRNO_ERROR, EBADF);
  g_assert_cmpstr (error->message, ==, "Can't read --args data: Bad file descriptor");
}

/* Builds "--unshare-pid" repeated, then "true": N arguments in total. */
static GPtrArray *
many_args (guint n)
{
  GPtrArray *argv = g_ptr_array_new ();

  g_ptr_array_add (argv, "bwrap");
  for (guint i = 0; i + 1 < n; i++)
    g_ptr_array_add (argv, "--unshare-pid");
  g_ptr_array_add (argv, "true");
  return argv;
}

static void
test_args_limit (void)
{
  SbCliContext context = { SB_PERSONALITY_BWRAP, test_env, { .uid = USER, .gid = USER, .cwd = "/" } };
  g_autoptr(GPtrArray) ok_argv = many_args (9000);
  g_autoptr(GPtrArray) bad_argv = many_args (9001);
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) ok = sb_cli_parse (&context, ok_argv->len, (const char *const *) ok_argv->pdata, &error);
  g_autoptr(SbPlan) bad = NULL;
  g_autoptr(GString) data = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (ok);
  bad = sb_cli_parse (&context, bad_argv->len, (const char *const *) bad_argv->pdata, &error);
  g_assert_null (bad);
  g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
  g_assert_cmpstr (error->message, ==, "Exceeded maximum number of arguments 9000");
  g_clear_error (&error);

  /* "--args FD true" is 3, the file brings the rest: 8997 fits, 8998 does not. */
  for (guint i = 0; i < 8997; i++)
    g_string_append_len (data, "--unshare-pid", sizeof "--unshare-pid");
  {
    int fd = memfd_with (data->str, data->len, TRUE);
    g_autofree char *line = g_strdup_printf ("--args %d true", fd);
    g_autoptr(SbPlan) plan = parse (line);

    assert_has_line (plan, "command: true");
  }
  g_string_append_len (data, "--unshare-pid", sizeof "--unshare-pid");
  {
    int fd = memfd_with (data->str, data->len, TRUE);
    g_autofree char *line = g_strdup_printf ("--args %d true", fd);

    assert_parse_error (line, "Exceeded maximum number of arguments 9000");
  }
}

/* --- robustness: random token soups must give a plan or a one-line error --- */

static const char *const fuzz_values[] = {
  "", "0", "1", "3", "-1", "x", "/", "/a", "a/../..", "--", "-", "0777", "07777", "10000",
  "ALL", "CAP_CHOWN", "default", "none", "0x10", "4294967295", "true", "\n", "=",
};

static const char *
fuzz_token (void)
{
  guint n_options = 0;

  while (sb_cli_options[n_options].name != NULL)
    n_options++;
  if (g_test_rand_bit ())
    return sb_cli_options[g_test_rand_int_range (0, n_options)].name;
  return fuzz_values[g_test_rand_int_range (0, G_N_ELEMENTS (fuzz_values))];
}

static void
check_outcome (SbPlan *plan, GError *error)
{
  if (plan == NULL)
    {
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, !=, "");
      g_assert_null (strchr (error->message, '\n'));
      return;
    }
  g_assert_null (error);
  {
    g_autoptr(GError) invalid = NULL;
    g_autofree char *dump = sb_plan_dump (plan);

    if (!sb_plan_validate (plan, &invalid))
      g_assert_null (strchr (invalid->message, '\n'));
    g_assert_true (g_str_has_suffix (dump, "\n"));
  }
}

static void
test_fuzz_argv (void)
{
  SbCliContext context = { SB_PERSONALITY_SANDBOX, test_env, { .uid = USER, .gid = USER, .cwd = "/w" } };

  for (guint round = 0; round < 5000; round++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(SbPlan) plan = NULL;
      guint n = g_test_rand_int_range (0, 16);

      g_ptr_array_add (argv, "sandbox");
      for (guint i = 0; i < n; i++)
        {
          const char *token = fuzz_token ();

          /* Keep away from real fds: --args would read them. */
          if (strcmp (token, "--args") != 0)
            g_ptr_array_add (argv, (gpointer) token);
        }
      context.host.uid = g_test_rand_bit () ? ROOT : USER;
      context.personality = g_test_rand_bit () ? SB_PERSONALITY_BWRAP : SB_PERSONALITY_SANDBOX;
      plan = sb_cli_parse (&context, argv->len, (const char *const *) argv->pdata, &error);
      check_outcome (plan, error);
    }
}

static void
test_fuzz_args_data (void)
{
  for (guint round = 0; round < 1000; round++)
    {
      g_autoptr(GString) data = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(SbPlan) plan = NULL;
      g_autofree char *line = NULL;
      guint n = g_test_rand_int_range (0, 16);
      int fd;

      for (guint i = 0; i < n; i++)
        {
          const char *token = fuzz_token ();

          g_string_append_len (data, token, strlen (token) + (g_test_rand_bit () || i + 1 < n));
        }
      fd = memfd_with (data->str, data->len, TRUE);
      line = g_strdup_printf ("--args %d true", fd);
      plan = parse_with (SB_PERSONALITY_BWRAP, USER, line, &error);
      check_outcome (plan, error);
      /* Closed by the parser, whatever the outcome after reading. */
      g_assert_false (fd_is_open (fd));
    }
}

/* --- what the parser implies at the end --- */

static void
test_implied_user_ns (void)
{
  g_autoptr(SbPlan) user_try = parse ("--unshare-user-try true");
  g_autoptr(SbPlan) joined = parse ("--userns 3 true");
  g_autoptr(SbPlan) sandbox_joined = parse_ok (SB_PERSONALITY_SANDBOX, ROOT, "--userns 3 true");
  g_autoptr(SbPlan) sandbox_both = parse_ok (SB_PERSONALITY_SANDBOX, ROOT,
                                             "--unshare-user --userns 3 true");
  g_autoptr(SbPlan) root_uid = parse_ok (SB_PERSONALITY_BWRAP, ROOT, "--uid 0 --gid 0 true");
  g_autoptr(SbPlan) root_uid5 = parse_ok (SB_PERSONALITY_BWRAP, ROOT, "--uid 5 true");
  g_autoptr(SbPlan) user_uid = parse ("--uid 1000 true");

  /* Non-root: a user namespace for sure, even when asked to "try". */
  assert_has_line (user_try, "unshare: user");
  /* Joining one is a user namespace; no new one (bwrap does the same). */
  assert_has_line (joined, "unshare: none");
  /* The defaults' user namespace gives way to --userns... */
  assert_has_line (sandbox_joined, "unshare: ipc pid net uts cgroup?");
  /* ...but an explicit request stays, for validation to refuse. */
  assert_has_line (sandbox_both, "unshare: user ipc pid net uts cgroup?");
  /* The caller's own id needs no user namespace (bwrap compares with getuid). */
  assert_has_line (root_uid, "uid: -1");
  assert_has_line (root_uid, "gid: -1");
  assert_has_line (root_uid5, "uid: 5");
  assert_has_line (user_uid, "uid: 1000");
}

static void
test_implied_seccomp_profile (void)
{
  g_autoptr(SbPlan) caller = parse_ok (SB_PERSONALITY_SANDBOX, USER, "--seccomp 3 true");
  g_autoptr(SbPlan) add = parse_ok (SB_PERSONALITY_SANDBOX, USER, "--add-seccomp-fd 3 true");
  g_autoptr(SbPlan) both = parse_ok (SB_PERSONALITY_SANDBOX, USER,
                                     "--seccomp-profile default --seccomp 3 true");
  g_autoptr(SbPlan) both_after = parse_ok (SB_PERSONALITY_SANDBOX, USER,
                                           "--add-seccomp-fd 3 --seccomp-profile default true");
  g_autoptr(SbPlan) bwrap_file = parse ("--seccomp-profile /p --seccomp 3 true");

  assert_has_line (caller, "seccomp-profile: none");
  assert_has_line (add, "seccomp-profile: none");
  assert_has_line (both, "seccomp-profile: default");
  assert_has_line (both_after, "seccomp-profile: default");
  assert_has_line (bwrap_file, "seccomp-profile: file");
  assert_has_line (bwrap_file, "seccomp-profile-path: /p");
  assert_parse_error ("--seccomp-profile '' true",
                      "--seccomp-profile takes default, none or the path of a policy file");
}

static void
test_implied_nesting (void)
{
  g_autoptr(SbPlan) bwrap = parse ("--unshare-user --disable-userns true");
  g_autoptr(SbPlan) sandbox = parse_ok (SB_PERSONALITY_SANDBOX, USER, "--allow-nesting true");

  assert_has_line (bwrap, "allow-nesting: no");
  assert_has_line (sandbox, "allow-nesting: yes");
  assert_parse_error ("--allow-nesting --unshare-user --disable-userns true",
                      "--allow-nesting cannot be combined with --disable-userns");
}

static void
test_explicit_user_ns (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = NULL;

  /* bwrap wants --unshare-user on the command line for these two: the
   * namespace implied for a non-root caller, or a "-try", is not enough. */
  assert_parse_error ("--disable-userns true", "--disable-userns requires --unshare-user");
  assert_parse_error ("--unshare-all --disable-userns true", "--disable-userns requires --unshare-user");
  assert_parse_error ("--unshare-user-try --disable-userns true",
                      "--disable-userns requires --unshare-user");
  assert_parse_error ("--userns 3 --disable-userns true", "--disable-userns requires --unshare-user");
  assert_parse_error ("--userns-block-fd 3 true", "--userns-block-fd requires --unshare-user");
  assert_parse_error ("--userns-block-fd 3 --info-fd 4 --unshare-all true",
                      "--userns-block-fd requires --unshare-user");
  plan = parse_with (SB_PERSONALITY_SANDBOX, USER, "--disable-userns true", &error);
  g_assert_null (plan);
  g_assert_error (error, SB_ERROR, SB_ERROR_USAGE);
  g_clear_error (&error);
  plan = parse_with (SB_PERSONALITY_BWRAP, ROOT, "--unshare-user-try --userns-block-fd 3 true", &error);
  g_assert_null (plan);
  g_assert_cmpstr (error->message, ==, "--userns-block-fd requires --unshare-user");
  g_clear_error (&error);
  plan = parse_with (SB_PERSONALITY_BWRAP, USER, "--unshare-user --disable-userns --unshare-user-try true",
                     &error);
  g_assert_no_error (error);
  assert_has_line (plan, "unshare: user");
}

static void
test_flatpak_style (void)
{
  /* What flatpak run passes: everything in a sealed memfd, then the command. */
  int fd = memfd_with (DATA ("--unshare-user\0--disable-userns\0--unshare-pid\0--unshare-ipc\0"
                             "--ro-bind-fd\0" "5\0/usr\0--perms\0" "0700\0--dir\0/run/user/1000\0"
                             "--ro-bind-data\0" "6\0/.flatpak-info\0--lock-file\0/.flatpak-info\0"
                             "--sync-fd\0" "7\0--info-fd\0" "8\0--seccomp\0" "9\0"
                             "--symlink\0usr/lib\0/lib\0--setenv\0FLATPAK_ID\0org.x\0"), TRUE);
  g_autofree char *line = g_strdup_printf ("--args %d -- /app/bin/app --flag", fd);
  g_autoptr(SbPlan) plan = parse_ok (SB_PERSONALITY_BWRAP, USER, line);
  g_autoptr(GError) error = NULL;

  assert_has_line (plan, "unshare: user ipc pid");
  assert_lines (plan, "op: ", "op: bind-fd flags=ro fd=5 dest=/usr|op: dir mode=0700 dest=/run/user/1000|"
                              "op: bind-data flags=ro fd=6 dest=/.flatpak-info|"
                              "op: symlink source=usr/lib dest=/lib");
  assert_has_line (plan, "seccomp-fd: 9");
  assert_has_line (plan, "allow-nesting: no");
  assert_lines (plan, "command: ", "command: /app/bin/app|command: --flag");
  g_assert_true (sb_plan_validate (plan, &error));
  g_assert_no_error (error);
}

/* The sandbox personality's own texts: each names its option. */
static void
assert_sandbox_error (const char *line, const char *message)
{
  assert_parse_error_as (SB_PERSONALITY_SANDBOX, line, message);
}

static void
test_sandbox_messages (void)
{
  assert_sandbox_error ("--bind /usr sh",
                        "no COMMAND after the options (\"sh\" was taken as the DEST of --bind); "
                        "sandbox --help lists the options");
  assert_sandbox_error ("--unshare-net",
                        "no COMMAND after the options (the last one is --unshare-net); "
                        "sandbox --help lists the options");
  assert_sandbox_error ("", "no COMMAND given: usage: sandbox [OPTIONS...] [--] COMMAND "
                            "[ARGS...] (sandbox --help lists the options)");
  assert_sandbox_error ("--ro-bind=/usr /usr true",
                        "Unknown option --ro-bind=/usr: write \"--ro-bind SRC DEST\", "
                        "each value a separate argument");
  assert_sandbox_error ("--userns x true",
                        "--userns: invalid fd \"x\" (a file descriptor number, e.g. 3)");
  assert_sandbox_error ("--cap-add FOO true",
                        "--cap-add: unknown capability \"FOO\" (a name of capabilities(7), "
                        "e.g. CAP_NET_BIND_SERVICE, or ALL)");
  assert_sandbox_error ("--unsetenv A=B true",
                        "--unsetenv: invalid variable name \"A=B\" (it must be non-empty, "
                        "without '=')");
  assert_sandbox_error ("--unshare-uts --hostname "
                        "12345678901234567890123456789012345678901234567890123456789012345 true",
                        "--hostname: 65 bytes is longer than the kernel's limit of 64");
}

/* The limits reach the plan under both personalities (their names are
 * not bwrap's), and a bad value is one line that names the option. */
static void
test_limits (void)
{
  g_autoptr(SbPlan) plan = parse ("--rlimit nofile=64:128 --rlimit core=0 --rlimit nofile=32 "
                                  "--memory 100M --pids 50 --cpus 0.25 --timeout 1.5 true");
  g_autoptr(SbPlan) ours = parse_ok (SB_PERSONALITY_SANDBOX, USER, "--timeout 2 --kill-after 0 true");

  assert_lines (plan, "rlimit: ", "rlimit: nofile=32:32|rlimit: core=0:0");
  assert_has_line (plan, "memory: 104857600");
  assert_has_line (plan, "pids: 50");
  assert_has_line (plan, "cpu-quota-us: 25000");
  assert_has_line (plan, "timeout-us: 1500000");
  assert_has_line (plan, "kill-after-us: 5000000");
  assert_has_line (ours, "timeout-us: 2000000");
  assert_has_line (ours, "kill-after-us: 0");

  assert_parse_error ("--rlimit nofiles=1 true",
                      "--rlimit nofiles=1: unknown limit \"nofiles\" (as, core, cpu, data, fsize, "
                      "locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
                      "sigpending, stack)");
  assert_parse_error ("--memory 100X true",
                      "--memory 100X: expected a non-zero size in bytes, with K, M, G or T");
  assert_parse_error ("--pids 0 true", "--pids 0: expected a positive whole number");
  assert_parse_error ("--cpus 0 true",
                      "--cpus 0: expected a number of CPUs of at least 0.01, e.g. 0.5 or 2");
  assert_parse_error ("--timeout -1 true",
                      "--timeout -1: expected a positive number of seconds, e.g. 1.5");
  assert_parse_error ("--kill-after 1m true",
                      "--kill-after 1m: expected a non-negative number of seconds, e.g. 1.5");
  assert_parse_error ("--memory", "--memory takes an argument");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/map/auto-implies", test_map_auto_implies);
  g_test_add_func ("/cli/map/ranges", test_map_ranges);
  g_test_add_func ("/cli/sysctl", test_sysctl);
  g_test_add_func ("/cli/time-namespace", test_time_namespace);
  g_test_add_func ("/cli/help/format", test_help_format);
  g_test_add_func ("/cli/help/every-option", test_help_lists_every_option);
  g_test_add_func ("/cli/help/stops-parsing", test_help_stops_parsing);
  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/personality", test_personality);
  g_test_add_func ("/cli/sandbox-messages", test_sandbox_messages);
  g_test_add_func ("/cli/defaults/bwrap", test_defaults_bwrap);
  g_test_add_func ("/cli/defaults/sandbox", test_defaults_sandbox);
  g_test_add_func ("/cli/defaults/no-command", test_no_command);
  g_test_add_func ("/cli/options/each", test_option_cases);
  g_test_add_func ("/cli/options/root", test_root_options);
  g_test_add_func ("/cli/options/environment", test_environment);
  g_test_add_func ("/cli/options/caps", test_caps_fold_in_order);
  g_test_add_func ("/cli/errors/missing-values", test_missing_values);
  g_test_add_func ("/cli/errors/unknown", test_unknown_options);
  g_test_add_func ("/cli/errors/fds", test_bad_fds);
  g_test_add_func ("/cli/errors/ids", test_bad_ids);
  g_test_add_func ("/cli/errors/modes-sizes", test_bad_modes_and_sizes);
  g_test_add_func ("/cli/errors/overlay", test_overlay_errors);
  g_test_add_func ("/cli/errors/bind-empty-source", test_bind_empty_source);
  g_test_add_func ("/cli/modifiers/next-op-only", test_modifiers_apply_to_next_op_only);
  g_test_add_func ("/cli/paths/canonical", test_paths);
  g_test_add_func ("/cli/paths/no-cwd", test_relative_source_without_cwd);
  g_test_add_func ("/cli/env/null", test_null_environment);
  g_test_add_func ("/cli/command", test_command);
  g_test_add_func ("/cli/ops/order", test_op_order);
  g_test_add_func ("/cli/warnings/last-wins", test_last_wins_warnings);
  g_test_add_func ("/cli/args/memfd", test_args_memfd);
  g_test_add_func ("/cli/args/pipe", test_args_pipe);
  g_test_add_func ("/cli/args/regular-file", test_args_regular_file);
  g_test_add_func ("/cli/args/repeated", test_args_repeated_and_empty);
  g_test_add_func ("/cli/args/command", test_args_with_command);
  g_test_add_func ("/cli/args/errors", test_args_errors);
  g_test_add_func ("/cli/args/limit", test_args_limit);
  g_test_add_func ("/cli/implied/user-ns", test_implied_user_ns);
  g_test_add_func ("/cli/implied/seccomp-profile", test_implied_seccomp_profile);
  g_test_add_func ("/cli/implied/nesting", test_implied_nesting);
  g_test_add_func ("/cli/implied/explicit-user-ns", test_explicit_user_ns);
  g_test_add_func ("/cli/errors/seccomp-mix", test_seccomp_mix);
  g_test_add_func ("/cli/flatpak", test_flatpak_style);
  g_test_add_func ("/cli/fuzz/argv", test_fuzz_argv);
  g_test_add_func ("/cli/fuzz/args-data", test_fuzz_args_data);
  g_test_add_func ("/cli/args/modifier-before", test_args_modifier_before);

  g_test_add_func ("/cli/limits", test_limits);
  return g_test_run ();
}
