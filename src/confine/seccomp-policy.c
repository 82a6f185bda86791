/* The built-in seccomp policy as a table, and the rule set it and policy
 * files build (the file format itself is in seccomp-format.c). */
#include "confine/seccomp-policy.h"

#include <errno.h>
#include <seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* clone's flags are its first argument, but the second on s390. */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

/* The namespace bits of clone.  CLONE_NEWTIME is left out: clone(2) cannot
 * create a time namespace, and the value overlaps its exit-signal byte. */
#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC \
                        | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

typedef enum {
  GROUP_TTY,
  GROUP_KEYRING,
  GROUP_BPF,
  GROUP_USERFAULTFD,
  GROUP_MODULES,
  GROUP_KEXEC,
  GROUP_HANDLES,
  GROUP_ADMIN,
  GROUP_CLOCK,
  GROUP_PERSONALITY,
  GROUP_IO_URING,
  GROUP_CLONE3,
  GROUP_MOUNT_API,
  GROUP_NESTING,
} Group;

static const char *const group_names[] = {
  [GROUP_TTY] = "tty",
  [GROUP_KEYRING] = "keyring",
  [GROUP_BPF] = "bpf",
  [GROUP_USERFAULTFD] = "userfaultfd",
  [GROUP_MODULES] = "modules",
  [GROUP_KEXEC] = "kexec",
  [GROUP_HANDLES] = "handles",
  [GROUP_ADMIN] = "admin",
  [GROUP_CLOCK] = "clock",
  [GROUP_PERSONALITY] = "personality",
  [GROUP_IO_URING] = "io_uring",
  [GROUP_CLONE3] = "clone3",
  [GROUP_MOUNT_API] = "mount-api",
  [GROUP_NESTING] = "nesting",
  NULL,
};

/* Which calls of a row's system call it refuses. */
typedef enum {
  EVERY_CALL,
  REQUEST_IS, /* argument `arg`, as the kernel's 32-bit request number, is `value` */
  ANY_FLAG,   /* argument `arg` has any bit of `value` set: one rule per bit */
} Match;

typedef struct {
  Group group;
  const char *syscall;
  int errnum;
  Match match;
  guint arg;
  guint64 value;
  const char *why;
} Row;

#define ALWAYS EVERY_CALL, 0, 0
#define IOCTL(request) REQUEST_IS, 1, request
#define ANY_OF(arg, bits) ANY_FLAG, arg, bits

/* The default policy.  Everything not listed is allowed: ptrace and
 * perf_event_open too, which debuggers and profilers of ordinary programs
 * need.  A refused call fails with an errno, so a program can report it or
 * fall back; nothing is killed.  ENOSYS means "this kernel lacks it" and makes
 * libc and libmount use an older call that this filter can inspect. */
static const Row default_policy[] = {
  { GROUP_TTY, "ioctl", EPERM, IOCTL (TIOCSTI),
    "TIOCSTI types into the terminal shared with the caller (CVE-2017-5226); "
    "compared on 32 bits as the kernel does (CVE-2019-10063)" },
  { GROUP_TTY, "ioctl", EPERM, IOCTL (TIOCLINUX),
    "TIOCLINUX can paste the console selection as input" },

  { GROUP_KEYRING, "keyctl", EPERM, ALWAYS, "keyrings are not namespaced: the caller's keys are reachable" },
  { GROUP_KEYRING, "add_key", EPERM, ALWAYS, "as keyctl" },
  { GROUP_KEYRING, "request_key", EPERM, ALWAYS, "as keyctl; may also run a host upcall helper" },

  { GROUP_BPF, "bpf", EPERM, ALWAYS, "a large attack surface with a history of verifier exploits" },

  { GROUP_USERFAULTFD, "userfaultfd", EPERM, ALWAYS, "stalls kernel page faults at will, the usual way to win kernel races" },

  { GROUP_MODULES, "init_module", EPERM, ALWAYS, "loading kernel code" },
  { GROUP_MODULES, "finit_module", EPERM, ALWAYS, "loading kernel code" },
  { GROUP_MODULES, "delete_module", EPERM, ALWAYS, "unloading kernel code" },

  { GROUP_KEXEC, "kexec_load", EPERM, ALWAYS, "replacing the running kernel" },
  { GROUP_KEXEC, "kexec_file_load", EPERM, ALWAYS, "replacing the running kernel" },

  { GROUP_HANDLES, "open_by_handle_at", EPERM, ALWAYS,
    "opens files by handle, outside every mount the sandbox sees (the \"shocker\" escape)" },

  { GROUP_ADMIN, "acct", EPERM, ALWAYS, "process accounting writes to a host file" },
  { GROUP_ADMIN, "quotactl", EPERM, ALWAYS, "disk quotas are host administration" },
  { GROUP_ADMIN, "quotactl_fd", EPERM, ALWAYS, "disk quotas are host administration" },
  { GROUP_ADMIN, "syslog", EPERM, ALWAYS, "reads or clears the host's kernel log" },
  { GROUP_ADMIN, "uselib", EPERM, ALWAYS, "obsolete a.out loader, a past source of kernel bugs" },
  { GROUP_ADMIN, "swapon", EPERM, ALWAYS, "host swap" },
  { GROUP_ADMIN, "swapoff", EPERM, ALWAYS, "host swap" },
  { GROUP_ADMIN, "reboot", EPERM, ALWAYS, "restarting or halting the machine" },

  { GROUP_CLOCK, "settimeofday", EPERM, ALWAYS, "the clocks belong to the host" },
  { GROUP_CLOCK, "stime", EPERM, ALWAYS, "the clocks belong to the host (i386)" },
  { GROUP_CLOCK, "clock_settime", EPERM, ALWAYS, "the clocks belong to the host" },
  { GROUP_CLOCK, "clock_settime64", EPERM, ALWAYS, "the clocks belong to the host (i386)" },
  { GROUP_CLOCK, "clock_adjtime", EPERM, ALWAYS, "the clocks belong to the host" },
  { GROUP_CLOCK, "clock_adjtime64", EPERM, ALWAYS, "the clocks belong to the host (i386)" },
  { GROUP_CLOCK, "adjtimex", EPERM, ALWAYS, "the clocks belong to the host (reading the NTP state is refused too)" },

  { GROUP_PERSONALITY, "personality", EPERM, ANY_OF (0, READ_IMPLIES_EXEC | MMAP_PAGE_ZERO),
    "executable data or a mapped page zero undo exploit hardening; the 0xffffffff "
    "query has every bit set and is refused too (one comparison per argument)" },

  { GROUP_IO_URING, "io_uring_setup", EPERM, ALWAYS,
    "its operations bypass this filter, and it has a long history of kernel exploits; "
    "programs fall back to plain calls" },
  { GROUP_IO_URING, "io_uring_enter", EPERM, ALWAYS, "as io_uring_setup" },
  { GROUP_IO_URING, "io_uring_register", EPERM, ALWAYS, "as io_uring_setup" },

  { GROUP_CLONE3, "clone3", ENOSYS, ALWAYS,
    "its flags are in memory the filter cannot read: libc falls back to clone (CVE-2021-41133)" },

  { GROUP_MOUNT_API, "open_tree", ENOSYS, ALWAYS, "new mount API: libmount falls back to mount(2), which the filter sees" },
  { GROUP_MOUNT_API, "move_mount", ENOSYS, ALWAYS, "new mount API" },
  { GROUP_MOUNT_API, "fsopen", ENOSYS, ALWAYS, "new mount API" },
  { GROUP_MOUNT_API, "fsconfig", ENOSYS, ALWAYS, "new mount API" },
  { GROUP_MOUNT_API, "fsmount", ENOSYS, ALWAYS, "new mount API" },
  { GROUP_MOUNT_API, "fspick", ENOSYS, ALWAYS, "new mount API" },
  { GROUP_MOUNT_API, "mount_setattr", ENOSYS, ALWAYS, "new mount API" },

  /* Left out with --allow-nesting: what container tools run inside need. */
  { GROUP_NESTING, "mount", EPERM, ALWAYS, "no mounts inside the sandbox" },
  { GROUP_NESTING, "umount", EPERM, ALWAYS, "no mounts inside the sandbox (i386)" },
  { GROUP_NESTING, "umount2", EPERM, ALWAYS, "no mounts inside the sandbox" },
  { GROUP_NESTING, "pivot_root", EPERM, ALWAYS, "no new root inside the sandbox" },
  { GROUP_NESTING, "chroot", EPERM, ALWAYS, "no new root inside the sandbox" },
  { GROUP_NESTING, "setns", EPERM, ALWAYS, "no joining other namespaces" },
  { GROUP_NESTING, "unshare", EPERM, ANY_OF (0, CLONE_NS_FLAGS | CLONE_NEWTIME),
    "no new namespaces; unsharing files or fs attributes still works" },
  { GROUP_NESTING, "clone", EPERM, ANY_OF (CLONE_FLAGS_ARG, CLONE_NS_FLAGS),
    "no new namespaces; threads and fork still work" },
};

static void
rule_clear (gpointer data)
{
  SbSeccompRule *rule = data;

  g_free (rule->syscall);
  g_free (rule->comment);
}

SbSeccompPolicy *
sb_seccomp_policy_new (void)
{
  SbSeccompPolicy *policy = g_new0 (SbSeccompPolicy, 1);

  policy->default_action = SB_SECCOMP_ALLOW;
  policy->rules = g_array_new (FALSE, TRUE, sizeof (SbSeccompRule));
  g_array_set_clear_func (policy->rules, rule_clear);
  return policy;
}

void
sb_seccomp_policy_free (SbSeccompPolicy *policy)
{
  if (policy == NULL)
    return;
  g_array_unref (policy->rules);
  g_free (policy);
}

static gboolean
same_conds (const SbSeccompRule *a, const SbSeccompRule *b)
{
  if (a->n_conds != b->n_conds)
    return FALSE;
  for (guint i = 0; i < a->n_conds; i++)
    {
      const SbSeccompCond *x = &a->conds[i];
      const SbSeccompCond *y = &b->conds[i];

      if (x->arg != y->arg || x->op != y->op || x->mask != y->mask || x->value != y->value)
        return FALSE;
    }
  return TRUE;
}

void
sb_seccomp_policy_add_rule (SbSeccompPolicy *policy, const SbSeccompRule *rule)
{
  SbSeccompRule copy = *rule;

  for (guint i = policy->rules->len; i-- > 0;)
    {
      const SbSeccompRule *old = &g_array_index (policy->rules, SbSeccompRule, i);

      if (g_strcmp0 (old->syscall, rule->syscall) != 0)
        continue;
      if (rule->n_conds == 0 || old->n_conds == 0 || same_conds (old, rule))
        g_array_remove_index (policy->rules, i);
    }

  copy.syscall = g_strdup (rule->syscall);
  copy.comment = g_strdup (rule->comment);
  g_array_append_val (policy->rules, copy);
}

static void
add_row (SbSeccompPolicy *policy, const Row *row)
{
  g_autofree char *comment = g_strdup_printf ("%s: %s", group_names[row->group], row->why);
  SbSeccompRule rule = {
    .syscall = (char *) row->syscall,
    .action = SB_SECCOMP_DENY,
    .errnum = row->errnum,
    .comment = comment,
  };

  /* A libseccomp older than the table cannot name the call, so cannot filter it. */
  if (seccomp_syscall_resolve_name (row->syscall) == __NR_SCMP_ERROR)
    return;

  switch (row->match)
    {
    case EVERY_CALL:
      sb_seccomp_policy_add_rule (policy, &rule);
      break;

    case REQUEST_IS:
      rule.n_conds = 1;
      rule.conds[0] = (SbSeccompCond) { row->arg, SB_SECCOMP_MASKED_EQ, 0xffffffff, row->value };
      sb_seccomp_policy_add_rule (policy, &rule);
      break;

    case ANY_FLAG:
      /* One rule per bit: the rules of a call are alternatives, while the
       * conditions of a rule must all hold. */
      rule.n_conds = 1;
      for (guint bit = 0; bit < 64; bit++)
        {
          guint64 flag = G_GUINT64_CONSTANT (1) << bit;

          if ((row->value & flag) == 0)
            continue;
          rule.conds[0] = (SbSeccompCond) { row->arg, SB_SECCOMP_MASKED_EQ, flag, flag };
          sb_seccomp_policy_add_rule (policy, &rule);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
include_group (SbSeccompPolicy *policy, Group group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (default_policy); i++)
    if (default_policy[i].group == group)
      add_row (policy, &default_policy[i]);
}

gboolean
sb_seccomp_policy_include (SbSeccompPolicy *policy, const char *group, gboolean allow_nesting)
{
  if (g_str_equal (group, "default"))
    {
      for (Group g = 0; group_names[g] != NULL; g++)
        if (g != GROUP_NESTING || !allow_nesting)
          include_group (policy, g);
      return TRUE;
    }

  for (Group g = 0; group_names[g] != NULL; g++)
    if (g_str_equal (group, group_names[g]))
      {
        include_group (policy, g);
        return TRUE;
      }
  return FALSE;
}

const char *const *
sb_seccomp_policy_groups (void)
{
  return group_names;
}

SbSeccompPolicy *
sb_seccomp_policy_new_default (gboolean allow_nesting)
{
  SbSeccompPolicy *policy = sb_seccomp_policy_new ();

  sb_seccomp_policy_include (policy, "default", allow_nesting);
  return policy;
}

void
sb_seccomp_policy_log_denials (SbSeccompPolicy *policy)
{
  if (policy->default_action == SB_SECCOMP_DENY)
    {
      policy->default_action = SB_SECCOMP_LOG;
      policy->default_errnum = 0;
    }
  for (guint i = 0; i < policy->rules->len; i++)
    {
      SbSeccompRule *rule = &g_array_index (policy->rules, SbSeccompRule, i);

      if (rule->action == SB_SECCOMP_DENY)
        {
          rule->action = SB_SECCOMP_LOG;
          rule->errnum = 0;
        }
    }
}
