/* The seccomp policy as data: the default table, the file parser, the printer. */
#include <errno.h>
#include <glib.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/personality.h>

#include "base/error.h"
#include "confine/seccomp-policy.h"

/* The rules of `policy` for `syscall`, in order. */
static GPtrArray *
rules_for (const SbSeccompPolicy *policy, const char *syscall)
{
  GPtrArray *found = g_ptr_array_new ();

  for (guint i = 0; i < policy->rules->len; i++)
    {
      SbSeccompRule *rule = &g_array_index (policy->rules, SbSeccompRule, i);

      if (g_str_equal (rule->syscall, syscall))
        g_ptr_array_add (found, rule);
    }
  return found;
}

static void
assert_denied_always (const SbSeccompPolicy *policy, const char *syscall, int errnum)
{
  g_autoptr(GPtrArray) rules = rules_for (policy, syscall);
  const SbSeccompRule *rule;

  g_test_message ("%s", syscall);
  g_assert_cmpuint (rules->len, ==, 1);
  rule = rules->pdata[0];
  g_assert_cmpint (rule->action, ==, SB_SECCOMP_DENY);
  g_assert_cmpint (rule->errnum, ==, errnum);
  g_assert_cmpuint (rule->n_conds, ==, 0);
}

/* The flags of `syscall` refused by one masked rule each. */
static guint64
denied_flags (const SbSeccompPolicy *policy, const char *syscall, guint arg)
{
  g_autoptr(GPtrArray) rules = rules_for (policy, syscall);
  guint64 flags = 0;

  for (guint i = 0; i < rules->len; i++)
    {
      const SbSeccompRule *rule = rules->pdata[i];

      g_assert_cmpint (rule->action, ==, SB_SECCOMP_DENY);
      g_assert_cmpint (rule->errnum, ==, EPERM);
      g_assert_cmpuint (rule->n_conds, ==, 1);
      g_assert_cmpuint (rule->conds[0].arg, ==, arg);
      g_assert_cmpint (rule->conds[0].op, ==, SB_SECCOMP_MASKED_EQ);
      g_assert_cmpuint (rule->conds[0].mask, ==, rule->conds[0].value);
      g_assert_cmpuint (rule->conds[0].mask & (rule->conds[0].mask - 1), ==, 0); /* one bit */
      flags |= rule->conds[0].mask;
    }
  return flags;
}

static void
test_default_denied (void)
{
  g_autoptr(SbSeccompPolicy) policy = sb_seccomp_policy_new_default (FALSE);
  const char *eperm[] = {
    "keyctl", "add_key", "request_key", "bpf", "userfaultfd", "kexec_load", "kexec_file_load",
    "init_module", "finit_module", "delete_module", "open_by_handle_at", "acct", "quotactl",
    "syslog", "uselib", "swapon", "swapoff", "reboot", "settimeofday", "clock_settime",
    "clock_adjtime", "adjtimex", "io_uring_setup",
  };
  const char *enosys[] = {
    "clone3", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
  };

  g_assert_cmpint (policy->default_action, ==, SB_SECCOMP_ALLOW);
  for (gsize i = 0; i < G_N_ELEMENTS (eperm); i++)
    assert_denied_always (policy, eperm[i], EPERM);
  for (gsize i = 0; i < G_N_ELEMENTS (enosys); i++)
    assert_denied_always (policy, enosys[i], ENOSYS);
  g_assert_cmpuint (denied_flags (policy, "personality", 0), ==, READ_IMPLIES_EXEC | MMAP_PAGE_ZERO);
}

/* TIOCSTI and TIOCLINUX compared on the low 32 bits only (CVE-2019-10063). */
static void
test_default_tty (void)
{
  g_autoptr(SbSeccompPolicy) policy = sb_seccomp_policy_new_default (TRUE);
  g_autoptr(GPtrArray) rules = rules_for (policy, "ioctl");
  guint64 requests[] = { TIOCSTI, TIOCLINUX };

  g_assert_cmpuint (rules->len, ==, G_N_ELEMENTS (requests));
  for (guint i = 0; i < rules->len; i++)
    {
      const SbSeccompRule *rule = rules->pdata[i];

      g_assert_cmpint (rule->action, ==, SB_SECCOMP_DENY);
      g_assert_cmpint (rule->errnum, ==, EPERM);
      g_assert_cmpuint (rule->n_conds, ==, 1);
      g_assert_cmpuint (rule->conds[0].arg, ==, 1);
      g_assert_cmpint (rule->conds[0].op, ==, SB_SECCOMP_MASKED_EQ);
      g_assert_cmphex (rule->conds[0].mask, ==, 0xffffffff);
      g_assert_cmphex (rule->conds[0].value, ==, requests[i]);
    }
}

static void
test_default_allowed (void)
{
  g_autoptr(SbSeccompPolicy) policy = sb_seccomp_policy_new_default (FALSE);
  const char *allowed[] = {
    "ptrace", "perf_event_open", "prctl", "seccomp", "execve", "process_vm_readv", "name_to_handle_at",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (allowed); i++)
    {
      g_autoptr(GPtrArray) rules = rules_for (policy, allowed[i]);

      g_assert_cmpuint (rules->len, ==, 0);
    }

  /* Every rule refuses with an errno and says why. */
  for (guint i = 0; i < policy->rules->len; i++)
    {
      const SbSeccompRule *rule = &g_array_index (policy->rules, SbSeccompRule, i);

      g_assert_cmpint (rule->action, ==, SB_SECCOMP_DENY);
      g_assert_true (rule->errnum == EPERM || rule->errnum == ENOSYS);
      g_assert_nonnull (rule->comment);
      g_assert_cmpstr (rule->comment, !=, "");
    }
}

static void
test_default_nesting (void)
{
  g_autoptr(SbSeccompPolicy) closed = sb_seccomp_policy_new_default (FALSE);
  g_autoptr(SbSeccompPolicy) open = sb_seccomp_policy_new_default (TRUE);
  const char *calls[] = { "mount", "umount", "umount2", "pivot_root", "chroot", "setns" };
  guint64 ns = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER
               | CLONE_NEWPID | CLONE_NEWNET;
  guint clone_arg = 0;

#if defined(__s390__) || defined(__s390x__)
  clone_arg = 1;
#endif

  for (gsize i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autoptr(GPtrArray) rules = rules_for (open, calls[i]);

      assert_denied_always (closed, calls[i], EPERM);
      g_assert_cmpuint (rules->len, ==, 0);
    }
  g_assert_cmphex (denied_flags (closed, "unshare", 0), ==, ns | 0x80 /* CLONE_NEWTIME */);
  g_assert_cmphex (denied_flags (closed, "clone", clone_arg), ==, ns);
  g_assert_cmphex (denied_flags (open, "unshare", 0), ==, 0);
  g_assert_cmphex (denied_flags (open, "clone", clone_arg), ==, 0);
  g_assert_cmpuint (closed->rules->len, >, open->rules->len);
}

static void
test_groups (void)
{
  const char *const *groups = sb_seccomp_policy_groups ();
  g_autoptr(SbSeccompPolicy) all = sb_seccomp_policy_new ();
  g_autoptr(SbSeccompPolicy) unknown = sb_seccomp_policy_new ();
  g_autoptr(SbSeccompPolicy) def = sb_seccomp_policy_new_default (FALSE);
  g_autofree char *all_text = NULL;
  g_autofree char *def_text = NULL;
  guint total = 0;

  g_assert_cmpuint (g_strv_length ((char **) groups), >=, 10);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(SbSeccompPolicy) one = sb_seccomp_policy_new ();

      g_assert_true (sb_seccomp_policy_include (one, groups[i], TRUE));
      g_test_message ("group %s: %u rules", groups[i], one->rules->len);
      g_assert_cmpuint (one->rules->len, >, 0);
      for (guint j = 0; j < one->rules->len; j++)
        g_assert_true (g_str_has_prefix (g_array_index (one->rules, SbSeccompRule, j).comment, groups[i]));
      total += one->rules->len;
      g_assert_true (sb_seccomp_policy_include (all, groups[i], TRUE));
    }

  /* The groups partition the default policy, in its order. */
  all_text = sb_seccomp_policy_format (all);
  def_text = sb_seccomp_policy_format (def);
  g_assert_cmpstr (all_text, ==, def_text);
  g_assert_cmpuint (total, ==, def->rules->len);

  g_assert_false (sb_seccomp_policy_include (unknown, "nonsense", FALSE));
  g_assert_cmpuint (unknown->rules->len, ==, 0);
}

static SbSeccompPolicy *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  SbSeccompPolicy *policy = sb_seccomp_policy_parse (text, "test.policy", FALSE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (policy);
  return policy;
}

static void
test_parse_good (void)
{
  g_autoptr(SbSeccompPolicy) policy = parse_ok (
    "# a comment line\n"
    "\n"
    "   default deny EACCES   # everything else\n"
    "allow read\n"
    "allow write if arg0 == 1 and arg2<=4096  # stdout only\n"
    "deny socket EAFNOSUPPORT if arg0 == AF_VSOCK\n"
    "deny ioctl if arg1&0xffffffff==TIOCSTI\n"
    "deny clone3 ENOSYS\n"
    "deny keyctl 38\n"
    "log getppid if arg5 != 0x10 and arg0 > 010 and arg1 >= 7 and arg2 < 9\n"
    "deny stime\n");
  const SbSeccompRule *r;

  g_assert_cmpint (policy->default_action, ==, SB_SECCOMP_DENY);
  g_assert_cmpint (policy->default_errnum, ==, EACCES);
  g_assert_cmpuint (policy->rules->len, ==, 8);

  r = &g_array_index (policy->rules, SbSeccompRule, 0);
  g_assert_cmpstr (r->syscall, ==, "read");
  g_assert_cmpint (r->action, ==, SB_SECCOMP_ALLOW);
  g_assert_cmpuint (r->n_conds, ==, 0);
  g_assert_null (r->comment);

  r = &g_array_index (policy->rules, SbSeccompRule, 1);
  g_assert_cmpstr (r->syscall, ==, "write");
  g_assert_cmpuint (r->n_conds, ==, 2);
  g_assert_cmpuint (r->conds[0].arg, ==, 0);
  g_assert_cmpint (r->conds[0].op, ==, SB_SECCOMP_EQ);
  g_assert_cmpuint (r->conds[0].value, ==, 1);
  g_assert_cmpuint (r->conds[1].arg, ==, 2);
  g_assert_cmpint (r->conds[1].op, ==, SB_SECCOMP_LE);
  g_assert_cmpuint (r->conds[1].value, ==, 4096);
  g_assert_cmpstr (r->comment, ==, "stdout only");

  r = &g_array_index (policy->rules, SbSeccompRule, 2);
  g_assert_cmpint (r->action, ==, SB_SECCOMP_DENY);
  g_assert_cmpint (r->errnum, ==, EAFNOSUPPORT);
  g_assert_cmpuint (r->conds[0].value, ==, 40);

  r = &g_array_index (policy->rules, SbSeccompRule, 3);
  g_assert_cmpint (r->errnum, ==, EPERM);
  g_assert_cmpint (r->conds[0].op, ==, SB_SECCOMP_MASKED_EQ);
  g_assert_cmphex (r->conds[0].mask, ==, 0xffffffff);
  g_assert_cmphex (r->conds[0].value, ==, TIOCSTI);

  r = &g_array_index (policy->rules, SbSeccompRule, 4);
  g_assert_cmpint (r->errnum, ==, ENOSYS);
  r = &g_array_index (policy->rules, SbSeccompRule, 5);
  g_assert_cmpint (r->errnum, ==, 38);

  r = &g_array_index (policy->rules, SbSeccompRule, 6);
  g_assert_cmpint (r->action, ==, SB_SECCOMP_LOG);
  g_assert_cmpuint (r->n_conds, ==, 4);
  g_assert_cmpint (r->conds[0].op, ==, SB_SECCOMP_NE);
  g_assert_cmpuint (r->conds[0].value, ==, 16);
  g_assert_cmpint (r->conds[1].op, ==, SB_SECCOMP_GT);
  g_assert_cmpuint (r->conds[1].value, ==, 8);
  g_assert_cmpint (r->conds[2].op, ==, SB_SECCOMP_GE);
  g_assert_cmpint (r->conds[3].op, ==, SB_SECCOMP_LT);

  r = &g_array_index (policy->rules, SbSeccompRule, 7);
  g_assert_cmpstr (r->syscall, ==, "stime"); /* i386 only, still a name */
}

static void
test_parse_empty (void)
{
  g_autoptr(SbSeccompPolicy) policy = parse_ok ("");
  g_autoptr(SbSeccompPolicy) comments = parse_ok ("# nothing\n\n  # at all\n");

  g_assert_cmpint (policy->default_action, ==, SB_SECCOMP_ALLOW);
  g_assert_cmpuint (policy->rules->len, ==, 0);
  g_assert_cmpuint (comments->rules->len, ==, 0);
}

/* Later lines win; conditional rules add up. */
static void
test_parse_override (void)
{
  g_autoptr(SbSeccompPolicy) policy = parse_ok (
    "include default\n"
    "allow keyctl\n"
    "deny ioctl ENOTTY if arg1 & 0xffffffff == 0x5412\n"  /* replaces the TIOCSTI rule */
    "deny ioctl if arg1 == 0x1234\n"                     /* adds */
    "deny bpf\n"
    "deny bpf EACCES\n"                                  /* replaces */
    "deny unshare\n"                                     /* replaces the 8 flag rules */
    "deny setns ENOSYS if arg1 == 0\n");                 /* replaces the unconditional one */
  g_autoptr(GPtrArray) keyctl = rules_for (policy, "keyctl");
  g_autoptr(GPtrArray) ioctl = rules_for (policy, "ioctl");
  g_autoptr(GPtrArray) bpf = rules_for (policy, "bpf");
  g_autoptr(GPtrArray) unshare = rules_for (policy, "unshare");
  g_autoptr(GPtrArray) setns = rules_for (policy, "setns");
  const SbSeccompRule *r;

  g_assert_cmpuint (keyctl->len, ==, 1);
  g_assert_cmpint (((SbSeccompRule *) keyctl->pdata[0])->action, ==, SB_SECCOMP_ALLOW);

  g_assert_cmpuint (ioctl->len, ==, 3);
  r = ioctl->pdata[0];
  g_assert_cmphex (r->conds[0].value, ==, TIOCLINUX);
  r = ioctl->pdata[1];
  g_assert_cmphex (r->conds[0].value, ==, TIOCSTI);
  g_assert_cmpint (r->errnum, ==, ENOTTY);
  g_assert_null (r->comment);
  r = ioctl->pdata[2];
  g_assert_cmpint (r->conds[0].op, ==, SB_SECCOMP_EQ);

  g_assert_cmpuint (bpf->len, ==, 1);
  g_assert_cmpint (((SbSeccompRule *) bpf->pdata[0])->errnum, ==, EACCES);
  g_assert_cmpuint (unshare->len, ==, 1);
  g_assert_cmpuint (((SbSeccompRule *) unshare->pdata[0])->n_conds, ==, 0);
  g_assert_cmpuint (setns->len, ==, 1);
  g_assert_cmpuint (((SbSeccompRule *) setns->pdata[0])->n_conds, ==, 1);
}

static void
test_parse_include (void)
{
  g_autoptr(SbSeccompPolicy) nesting_off = NULL;
  g_autoptr(SbSeccompPolicy) nesting_on = NULL;
  g_autoptr(SbSeccompPolicy) def_off = sb_seccomp_policy_new_default (FALSE);
  g_autoptr(SbSeccompPolicy) def_on = sb_seccomp_policy_new_default (TRUE);
  g_autoptr(SbSeccompPolicy) explicit = parse_ok ("include nesting\n");
  g_autoptr(GError) error = NULL;

  /* "include default" follows --allow-nesting; "include nesting" does not. */
  nesting_off = sb_seccomp_policy_parse ("include default\n", "f", FALSE, &error);
  g_assert_no_error (error);
  nesting_on = sb_seccomp_policy_parse ("include default\n", "f", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (nesting_off->rules->len, ==, def_off->rules->len);
  g_assert_cmpuint (nesting_on->rules->len, ==, def_on->rules->len);
  g_assert_cmpuint (explicit->rules->len, ==, def_off->rules->len - def_on->rules->len);
}

static void
test_parse_errors (void)
{
  const struct
  {
    const char *text;
    const char *message;
  } cases[] = {
    { "frobnicate keyctl\n", "bad.policy:1: unknown statement \"frobnicate\" (expected allow, deny, log, default or include)" },
    { "# ok\n\ndeny nosuchcall\n", "bad.policy:3: unknown system call \"nosuchcall\"" },
    { "deny\n", "bad.policy:1: \"deny\" needs a system call name" },
    { "deny keyctl EWHATEVER\n", "bad.policy:1: unknown errno \"EWHATEVER\"" },
    { "deny keyctl 4096\n", "bad.policy:1: errno 4096 is not a number from 0 to 4095" },
    { "allow keyctl EPERM\n", "bad.policy:1: expected \"if\" or the end of the line, found \"EPERM\"" },
    { "deny keyctl if\n", "bad.policy:1: expected arg0 to arg5, found \"end of line\"" },
    { "deny keyctl if arg6 == 1\n", "bad.policy:1: expected arg0 to arg5, found \"arg6\"" },
    { "deny keyctl if arg0 = 1\n", "bad.policy:1: unexpected character '='" },
    { "deny keyctl if arg0 1\n", "bad.policy:1: expected a comparison (==, !=, <, <=, >, >=, &) after arg0" },
    { "deny keyctl if arg0 ==\n", "bad.policy:1: missing value at the end of the line" },
    { "deny keyctl if arg0 == banana\n", "bad.policy:1: \"banana\" is not a number or a known constant" },
    { "deny keyctl if arg0 == 0x\n", "bad.policy:1: \"0x\" is not a number or a known constant" },
    { "deny keyctl if arg0 == 99999999999999999999999\n",
      "bad.policy:1: \"99999999999999999999999\" is not a number or a known constant" },
    { "deny keyctl if arg0 & 4 != 4\n", "bad.policy:1: expected == after the mask of arg0" },
    { "deny keyctl if arg0 == 1 arg1 == 2\n", "bad.policy:1: expected \"and\" or the end of the line, found \"arg1\"" },
    { "deny keyctl if arg0 == 1 and arg0 == 2\n",
      "bad.policy:1: arg0 is compared twice (one comparison per argument: write two rules)" },
    { "deny keyctl if arg0 == 1 and arg1 == 1 and arg2 == 1 and arg3 == 1 and arg4 == 1 and arg5 == 1 and arg0 == 2\n",
      "bad.policy:1: more than 6 conditions" },
    { "default\n", "bad.policy:1: \"default\" needs allow, deny or log" },
    { "default allow\ndefault deny\n", "bad.policy:2: a second \"default\" (the first is on line 1)" },
    { "default maybe\n", "bad.policy:1: unknown action \"maybe\" (expected allow, deny or log)" },
    { "default allow please\n", "bad.policy:1: unexpected \"please\" at the end of the line" },
    { "include\n", "bad.policy:1: \"include\" needs a group name" },
    { "include tty extra\n", "bad.policy:1: unexpected \"extra\" at the end of the line" },
    { "deny keyctl ; rm\n", "bad.policy:1: unexpected character ';'" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SbSeccompPolicy) policy = sb_seccomp_policy_parse (cases[i].text, "bad.policy", FALSE, &error);

      g_test_message ("%s", cases[i].text);
      g_assert_null (policy);
      g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_parse_unknown_group (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbSeccompPolicy) policy = sb_seccomp_policy_parse ("\ninclude everything\n", "p", FALSE, &error);

  g_assert_null (policy);
  g_assert_error (error, SB_ERROR, SB_ERROR_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "p:2: unknown group \"everything\" (known: default, tty, "));
}

static void
assert_round_trip (const SbSeccompPolicy *policy)
{
  g_autofree char *text = sb_seccomp_policy_format (policy);
  g_autoptr(SbSeccompPolicy) again = parse_ok (text);
  g_autofree char *text_again = sb_seccomp_policy_format (again);

  g_assert_cmpstr (text_again, ==, text);
  g_assert_cmpint (again->default_action, ==, policy->default_action);
  g_assert_cmpint (again->default_errnum, ==, policy->default_errnum);
  g_assert_cmpuint (again->rules->len, ==, policy->rules->len);
  for (guint i = 0; i < policy->rules->len; i++)
    {
      const SbSeccompRule *a = &g_array_index (policy->rules, SbSeccompRule, i);
      const SbSeccompRule *b = &g_array_index (again->rules, SbSeccompRule, i);

      g_assert_cmpstr (a->syscall, ==, b->syscall);
      g_assert_cmpint (a->action, ==, b->action);
      g_assert_cmpint (a->errnum, ==, b->errnum);
      g_assert_cmpstr (a->comment, ==, b->comment);
      g_assert_cmpuint (a->n_conds, ==, b->n_conds);
      g_assert_cmpmem (a->conds, sizeof a->conds[0] * a->n_conds, b->conds, sizeof b->conds[0] * b->n_conds);
    }
}

static void
test_print_round_trip (void)
{
  g_autoptr(SbSeccompPolicy) def = sb_seccomp_policy_new_default (FALSE);
  g_autoptr(SbSeccompPolicy) nesting = sb_seccomp_policy_new_default (TRUE);
  g_autoptr(SbSeccompPolicy) logged = sb_seccomp_policy_new_default (FALSE);
  g_autoptr(SbSeccompPolicy) custom = parse_ok (
    "default deny 0\n"
    "allow read\n"
    "allow write if arg0 == 1 and arg2 <= 4096  # stdout\n"
    "deny socket EAFNOSUPPORT if arg0 == AF_VSOCK\n"
    "log getppid if arg5 != 0x10 and arg0 > 010 and arg1 >= 7 and arg2 < 9 and arg3 & 0xff00 == 0x100\n"
    "deny keyctl 1234\n");
  g_autofree char *text = sb_seccomp_policy_format (custom);

  sb_seccomp_policy_log_denials (logged);
  assert_round_trip (def);
  assert_round_trip (nesting);
  assert_round_trip (logged);
  assert_round_trip (custom);

  g_assert_cmpstr (text, ==,
                   "default deny 0\n"
                   "allow read\n"
                   "allow write if arg0 == 0x1 and arg2 <= 0x1000  # stdout\n"
                   "deny socket EAFNOSUPPORT if arg0 == 0x28\n"
                   "log getppid if arg5 != 0x10 and arg0 > 0x8 and arg1 >= 0x7 and arg2 < 0x9 and arg3 & 0xff00 == 0x100\n"
                   "deny keyctl 1234\n");
}

static void
test_print_default (void)
{
  g_autoptr(SbSeccompPolicy) def = sb_seccomp_policy_new_default (FALSE);
  g_autofree char *text = sb_seccomp_policy_format (def);

  g_test_message ("%s", text);
  g_assert_true (g_str_has_prefix (text, "default allow\n"));
  g_assert_nonnull (strstr (text, "\ndeny ioctl EPERM if arg1 & 0xffffffff == 0x5412  # tty: TIOCSTI"));
  g_assert_nonnull (strstr (text, "\ndeny keyctl EPERM  # keyring: "));
  g_assert_nonnull (strstr (text, "\ndeny clone3 ENOSYS  # clone3: "));
  g_assert_nonnull (strstr (text, "\ndeny unshare EPERM if arg0 & 0x10000000 == 0x10000000  # nesting: "));
}

static void
test_log (void)
{
  g_autoptr(SbSeccompPolicy) policy = parse_ok ("default deny\nallow read\ndeny keyctl ENOSYS\nlog bpf\n");

  sb_seccomp_policy_log_denials (policy);
  g_assert_cmpint (policy->default_action, ==, SB_SECCOMP_LOG);
  g_assert_cmpint (g_array_index (policy->rules, SbSeccompRule, 0).action, ==, SB_SECCOMP_ALLOW);
  g_assert_cmpint (g_array_index (policy->rules, SbSeccompRule, 1).action, ==, SB_SECCOMP_LOG);
  g_assert_cmpint (g_array_index (policy->rules, SbSeccompRule, 1).errnum, ==, 0);
  g_assert_cmpint (g_array_index (policy->rules, SbSeccompRule, 2).action, ==, SB_SECCOMP_LOG);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/seccomp-policy/default/denied", test_default_denied);
  g_test_add_func ("/seccomp-policy/default/tty-masked", test_default_tty);
  g_test_add_func ("/seccomp-policy/default/allowed", test_default_allowed);
  g_test_add_func ("/seccomp-policy/default/nesting", test_default_nesting);
  g_test_add_func ("/seccomp-policy/groups", test_groups);
  g_test_add_func ("/seccomp-policy/parse/good", test_parse_good);
  g_test_add_func ("/seccomp-policy/parse/empty", test_parse_empty);
  g_test_add_func ("/seccomp-policy/parse/override", test_parse_override);
  g_test_add_func ("/seccomp-policy/parse/include", test_parse_include);
  g_test_add_func ("/seccomp-policy/parse/errors", test_parse_errors);
  g_test_add_func ("/seccomp-policy/parse/unknown-group", test_parse_unknown_group);
  g_test_add_func ("/seccomp-policy/print/round-trip", test_print_round_trip);
  g_test_add_func ("/seccomp-policy/print/default", test_print_default);
  g_test_add_func ("/seccomp-policy/log", test_log);

  return g_test_run ();
}
