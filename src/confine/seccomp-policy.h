/* Seccomp policies as data: the built-in default policy and policy files,
 * parsed into rules that seccomp-compile.c compiles with libseccomp.  Pure
 * code (no syscall), so all of it is unit-tested.
 *
 * THE POLICY FILE FORMAT (--seccomp-profile FILE; --seccomp-print writes it)
 *
 * One statement per line.  '#' starts a comment that runs to the end of the
 * line; a comment after a rule is kept as the rule's reason and printed back.
 * Blank lines are ignored.  Statements:
 *
 *   default allow | default deny [ERRNO] | default log
 *       What happens to system calls that no rule matches.  At most once;
 *       "default allow" when absent.
 *   deny SYSCALL [ERRNO] [if CONDITION [and CONDITION]...]
 *       The call fails with ERRNO, a name (EPERM, ENOSYS, EACCES...) or a
 *       number from 0 to 4095; EPERM when omitted.  Nothing is ever killed.
 *   allow SYSCALL [if CONDITION [and CONDITION]...]
 *       The call runs (useful after "default deny", or to lift an included rule).
 *   log SYSCALL [if CONDITION [and CONDITION]...]
 *       The call runs and the kernel logs it to the audit log.
 *   include GROUP
 *       The rules of a built-in group, as if written at this point.
 *       "include default" is the whole built-in policy, with the "nesting"
 *       group unless --allow-nesting is given.
 *
 * SYSCALL is a name libseccomp knows, for any architecture the filter covers
 * (e.g. "umount" or "stime", which only i386 has).  A CONDITION looks at one
 * argument of the call, counting from arg0:
 *       argN == VALUE   (also !=, <, <=, >, >=; unsigned 64-bit)
 *       argN & MASK == VALUE   (only the bits of MASK are compared)
 * VALUE and MASK are numbers (decimal, 0x hexadecimal, 0 octal) or one of the
 * constants TIOCSTI, TIOCLINUX, CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS,
 * CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME,
 * PER_LINUX, PER_LINUX32, ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO,
 * READ_IMPLIES_EXEC, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET,
 * AF_VSOCK.  All the conditions of a rule must hold, and an argument may
 * appear once per rule (a libseccomp limit); write several rules to match
 * several values.  Compare ioctl requests as "arg1 & 0xffffffff == ..."
 * because the kernel ignores the upper 32 bits.
 *
 * Later lines win.  A rule without conditions replaces every earlier rule for
 * its system call.  A rule with conditions replaces the earlier rule for that
 * call that has no conditions or exactly the same ones, and adds to the others.
 * --seccomp-log turns every "deny" into "log".
 *
 * Built-in groups: tty, keyring, bpf, userfaultfd, modules, kexec, handles,
 * admin, clock, personality, io_uring, clone3, mount-api, nesting (see the
 * table in seccomp-policy.c, or run "sandbox --seccomp-print").
 *
 * Example:
 *   # the default, but let this tool manage keyrings, and no AF_VSOCK sockets
 *   include default
 *   allow keyctl
 *   deny socket EAFNOSUPPORT if arg0 == AF_VSOCK   # no host vsock
 */
#pragma once

#include <glib.h>

typedef enum {
  SB_SECCOMP_ALLOW,
  SB_SECCOMP_DENY, /* fail with errnum */
  SB_SECCOMP_LOG,  /* run and log */
} SbSeccompAction;

typedef enum {
  SB_SECCOMP_EQ,
  SB_SECCOMP_NE,
  SB_SECCOMP_LT,
  SB_SECCOMP_LE,
  SB_SECCOMP_GT,
  SB_SECCOMP_GE,
  SB_SECCOMP_MASKED_EQ,
} SbSeccompOp;

typedef struct {
  guint arg;     /* 0 to 5 */
  SbSeccompOp op;
  guint64 mask;  /* SB_SECCOMP_MASKED_EQ only, else 0 */
  guint64 value;
} SbSeccompCond;

#define SB_SECCOMP_MAX_CONDS 6

typedef struct {
  char *syscall;
  SbSeccompAction action;
  int errnum;                  /* SB_SECCOMP_DENY only, else 0 */
  guint n_conds;
  SbSeccompCond conds[SB_SECCOMP_MAX_CONDS];
  char *comment;               /* the reason, or NULL */
} SbSeccompRule;

/* The effective rules: later statements are already folded into earlier ones,
 * so every rule here is compiled, and printing gives an equivalent file. */
typedef struct {
  SbSeccompAction default_action;
  int default_errnum;
  GArray *rules;               /* of SbSeccompRule */
} SbSeccompPolicy;

/* An empty policy: default allow, no rule. */
SbSeccompPolicy *sb_seccomp_policy_new (void);
void sb_seccomp_policy_free (SbSeccompPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbSeccompPolicy, sb_seccomp_policy_free)

/* The built-in policy; the "nesting" group only when !allow_nesting. */
SbSeccompPolicy *sb_seccomp_policy_new_default (gboolean allow_nesting);

/* Adds a copy of *rule with the "later lines win" semantics above. */
void sb_seccomp_policy_add_rule (SbSeccompPolicy *policy, const SbSeccompRule *rule);

/* Adds the rules of a built-in group; FALSE when there is no such group. */
gboolean sb_seccomp_policy_include (SbSeccompPolicy *policy, const char *group, gboolean allow_nesting);

/* The names of the built-in groups, NULL-terminated, in policy order. */
const char *const *sb_seccomp_policy_groups (void);

/* Parses a policy file.  Errors are one line: "FILENAME:LINE: reason". */
SbSeccompPolicy *sb_seccomp_policy_parse (const char *text,
                                          const char *filename,
                                          gboolean allow_nesting,
                                          GError **error);

/* --seccomp-log: every deny, the default included, becomes log. */
void sb_seccomp_policy_log_denials (SbSeccompPolicy *policy);

/* The policy in the file format, one rule per line; parses back to the same. */
char *sb_seccomp_policy_format (const SbSeccompPolicy *policy);
