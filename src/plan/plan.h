/* The Plan: everything the command line asks for, as data.
 *
 * Built by the readers (cli/) with no side effects (beyond reading --args fds), checked by
 * sb_plan_validate() without syscalls, then executed by the stages (launch,
 * rootfs, confine, exec).  Stages only read it.  Field order follows
 * bwrap-options.md; our own additions are marked "sandbox only". */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/host.h"
#include "plan/idranges.h"
#include "plan/limits.h"
#include "plan/timens.h"

typedef enum {
  SB_PERSONALITY_SANDBOX, /* safer defaults, "sandbox:" prefix */
  SB_PERSONALITY_BWRAP,   /* invoked as "bwrap": bwrap's defaults and texts */
} SbPersonality;

/* Namespace bits, used in SbPlan.unshare and SbPlan.unshare_try. */
typedef enum {
  SB_NS_USER = 1 << 0,
  SB_NS_IPC = 1 << 1,
  SB_NS_PID = 1 << 2,
  SB_NS_NET = 1 << 3,
  SB_NS_UTS = 1 << 4,
  SB_NS_CGROUP = 1 << 5,
  SB_NS_MNT = 1 << 6,    /* always created: never in unshare, named for the tables below */
  SB_NS_TIME = 1 << 7,   /* --unshare-time (sandbox only, not in --unshare-all): made by the
                            child after clone, its offsets written before anything enters */
} SbNamespace;

/* What --unshare-all and the sandbox personality's defaults unshare. */
#define SB_NS_ALL (SB_NS_USER | SB_NS_IPC | SB_NS_PID | SB_NS_NET | SB_NS_UTS | SB_NS_CGROUP)

/* Every namespace once: its bit, its name under /proc/PID/ns/ and in
 * messages, its clone flag.  In bwrap's order (user, ipc, pid, net, uts,
 * cgroup), then the mount and time namespaces. */
typedef struct {
  SbNamespace ns;
  const char *name;
  int clone_flag;
} SbNamespaceKind;

#define SB_N_NAMESPACE_KINDS 8
extern const SbNamespaceKind sb_namespace_kinds[SB_N_NAMESPACE_KINDS];

/* The index of NS (one bit) in sb_namespace_kinds. */
guint sb_namespace_index (SbNamespace ns);

/* The clone flags that create the namespaces in NS. */
unsigned long sb_namespace_clone_flags (SbNamespace ns);

typedef enum {
  SB_OP_BIND,        /* --bind, --dev-bind, --ro-bind and their -try forms (flags) */
  SB_OP_BIND_FD,     /* --bind-fd, --ro-bind-fd: fd, dest */
  SB_OP_REMOUNT_RO,  /* --remount-ro DEST */
  SB_OP_TMPFS,       /* --tmpfs DEST (mode, size) */
  SB_OP_PROC,        /* --proc DEST */
  SB_OP_DEV,         /* --dev DEST */
  SB_OP_MQUEUE,      /* --mqueue DEST */
  SB_OP_DIR,         /* --dir DEST (mode) */
  SB_OP_FILE,        /* --file FD DEST (mode) */
  SB_OP_BIND_DATA,   /* --bind-data, --ro-bind-data FD DEST (mode, flags) */
  SB_OP_SYMLINK,     /* --symlink TARGET DEST: source is the link's target */
  SB_OP_CHMOD,       /* --chmod OCTAL PATH: mode, dest */
  SB_OP_OVERLAY,     /* --overlay RWSRC WORKDIR DEST: source=RWSRC, workdir */
  SB_OP_TMP_OVERLAY, /* --tmp-overlay DEST */
  SB_OP_RO_OVERLAY,  /* --ro-overlay DEST */
} SbOpKind;

typedef enum {
  SB_OP_FLAG_RO = 1 << 0,  /* read-only, recursively for binds */
  SB_OP_FLAG_DEV = 1 << 1, /* keep device nodes (--dev-bind) */
  SB_OP_FLAG_TRY = 1 << 2, /* skip silently when the source is missing */
} SbOpFlags;

#define SB_MODE_UNSET ((guint32) -1)

typedef struct {
  SbOpKind kind;
  SbOpFlags flags;
  const char *option;      /* the option as typed, e.g. "--ro-bind-try", for messages */
  char *source;            /* host path (binds, overlay upper), symlink target; else NULL */
  char *dest;              /* absolute path inside the sandbox (canonical, no "." or "..") */
  int fd;                  /* --file, --*bind-data, --*bind-fd; else -1 */
  guint32 mode;            /* --perms, --chmod; SB_MODE_UNSET when not given */
  guint64 size;            /* --size for --tmpfs in bytes; 0 when not given */
  char **overlay_sources;  /* --overlay-src layers, bottom first; NULL-terminated or NULL */
  char *overlay_workdir;   /* --overlay WORKDIR */
} SbMountOp;

/* --cap-add/--cap-drop are order-dependent; folded at parse time into two
 * masks so that the final set is (start | add) & ~drop, whatever the start
 * (root in bwrap mode keeps everything, others start from nothing). */
typedef struct {
  guint64 add;
  guint64 drop;
} SbCapChanges;

typedef enum {
  SB_SECCOMP_PROFILE_DEFAULT, /* the built-in policy (sandbox only) */
  SB_SECCOMP_PROFILE_NONE,    /* no policy of ours */
  SB_SECCOMP_PROFILE_FILE,    /* a policy file (seccomp_profile_path) */
} SbSeccompProfile;

typedef struct {
  SbPersonality personality;
  SbHostFacts host;             /* the caller and the host, as main.c found them at start */

  /* Namespaces.  unshare is what to create; unshare_try marks the subset whose
   * creation may silently be skipped (--unshare-user-try, --unshare-cgroup-try). */
  SbNamespace unshare;
  SbNamespace unshare_try;
  const char *unshare_option;   /* the first --unshare-* option given, -try ones aside; NULL
                                   when none (confinement in place refuses it) */
  int userns_fd;                /* --userns, -1 unset */
  int userns2_fd;               /* --userns2, -1 unset */
  int pidns_fd;                 /* --pidns, -1 unset */
  bool disable_userns;          /* --disable-userns */
  bool assert_userns_disabled;  /* --assert-userns-disabled */

  /* Identity.  -1 means "same as the caller". */
  gint64 uid;
  gint64 gid;
  char *hostname;               /* --hostname, needs the uts namespace */
  GArray *sysctls;              /* of SbSysctl (plan/sysctls.h), --sysctl in order (both
                                   personalities): each needs its namespace made */
  SbTimeOffsets time_offsets;   /* --monotonic-offset, --boottime-offset (imply --unshare-time) */
  SbIdMapping idmapping;        /* --map-auto, --map-users, --map-groups (both personalities):
                                   maps written from outside; --uid/--gid default to 0 then */

  /* The filesystem, in command-line order. */
  GArray *ops;                  /* of SbMountOp */
  GPtrArray *lock_files;        /* of char*, --lock-file paths inside the sandbox */
  bool usr_merge_symlinks;      /* sandbox only: add /bin -> usr/bin etc. when absent */

  /* Process. */
  char *chdir_path;             /* --chdir */
  char **envp;                  /* final environment, computed at parse time */
  char *argv0;                  /* --argv0 */
  char **command;               /* the command and its arguments, NULL-terminated */
  bool new_session;             /* --new-session */
  bool die_with_parent;         /* --die-with-parent */
  bool keep_orphans;            /* sandbox only: the sandbox outlives its command (pid 1 waits
                                   for every process) and the tool (no parent-death signal
                                   without --die-with-parent); bwrap's way, the BWRAP default */
  bool as_pid_1;                /* --as-pid-1 */
  SbCapChanges caps;            /* --cap-add / --cap-drop */
  bool drop_root_caps;          /* sandbox only: root loses capabilities too */
  SbLimits limits;              /* sandbox only: --rlimit, --memory, --pids, --cpus, --timeout */

  /* Seccomp sources. */
  int seccomp_fd;               /* --seccomp, -1 unset */
  GArray *seccomp_fds;          /* of int, --add-seccomp-fd in order */
  SbSeccompProfile seccomp_profile;  /* --seccomp-profile (sandbox only) */
  char *seccomp_profile_path;   /* for SB_SECCOMP_PROFILE_FILE */
  bool seccomp_log;             /* --seccomp-log: log instead of deny */
  bool seccomp_print;           /* --seccomp-print: print the effective policy and exit */
  bool allow_nesting;           /* sandbox only: namespaces and mounts may be created inside;
                                   off by default under "sandbox", always on under "bwrap" */
  bool share_abstract_sockets;  /* sandbox only: with --share-net, the host's abstract unix
                                   sockets stay reachable (else Landlock scopes them away) */
  bool strict;                  /* sandbox only: --strict, refuse rather than run confined
                                   less than asked (no confinement in place) */
  char *name;                   /* --name: registered for `sandbox enter`, `list`, `kill`
                                   (enter/registry.h); NULL when not given */

  /* Status and synchronisation fds, -1 unset. */
  int info_fd;
  int json_status_fd;
  int block_fd;
  int userns_block_fd;
  int sync_fd;

  /* SELinux labels. */
  char *exec_label;
  char *file_label;

  /* Messages. */
  bool level_prefix;            /* --level-prefix */
  GPtrArray *warnings;          /* of char*, printed by main.c before anything runs */

  /* Set by --help / --version: main prints and exits 0. */
  bool show_help;
  bool show_version;
} SbPlan;

SbPlan *sb_plan_new (SbPersonality personality);
void sb_plan_free (SbPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbPlan, sb_plan_free)

/* Appends a copy of *op (taking ownership of its strings) and returns it. */
SbMountOp *sb_plan_add_op (SbPlan *plan, const SbMountOp *op);

static inline SbMountOp *
sb_plan_op (const SbPlan *plan, guint i)
{
  return &g_array_index (plan->ops, SbMountOp, i);
}

/* Every error that can be known without a syscall: option combinations,
 * requirements (--uid needs a user namespace, --hostname the uts one...). */
gboolean sb_plan_validate (const SbPlan *plan, GError **error);

/* A canonical, stable text form of the plan, one fact per line, for tests. */
char *sb_plan_dump (const SbPlan *plan);
