/* The sandbox's own cgroup, for --memory, --pids and --cpus: found,
 * created and limited by the monitor before clone, removed at the end.
 *
 * Where it comes from, in this order: (a) on cgroup v2, the tool's own
 * cgroup when it is delegated (a child per sandbox; the tool moves into a
 * leaf of its own first, for v2's no-internal-process rule); (b) a
 * transient scope of the caller's systemd user instance, delegated, which
 * the helper sandbox-scope (scope.h) moves the tool into: the scope is
 * then the tool's own cgroup of (a), and ends with the tool; (c) cgroup v1
 * hierarchies the caller may write below its own cgroup; (d) otherwise a
 * one-line refusal that says why and what would help. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "plan/limits.h"

/* What the cgroup stage reads of the host, gathered once by
 * sb_cgroup_host_read, or made up by the unit tests. */
typedef struct {
  char *prefix;       /* prepended to every cgroupfs path: "" on the host, a
                         temporary directory standing in for it in the tests */
  char *membership;   /* the text of /proc/self/cgroup (read again once (b)
                         moved the tool) */
  char *mountinfo;    /* the text of /proc/self/mountinfo */
  pid_t pid;          /* the tool's pid and start time: the cgroup's name */
  guint64 start_time;
  char *scope_helper; /* sandbox-scope for (b), NULL when it is not installed */
} SbCgroupHost;

gboolean sb_cgroup_host_read (SbCgroupHost *host, GError **error);
void sb_cgroup_host_clear (SbCgroupHost *host);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SbCgroupHost, sb_cgroup_host_clear)

/* The directory of the cgroup-v1 hierarchy holding CONTROLLER ("memory"),
 * or of the v2 hierarchy when CONTROLLER is NULL, that the tool is in,
 * without the prefix; NULL when there is none.  Pure. */
char *sb_cgroup_own_dir (const SbCgroupHost *host, const char *controller);

/* "sandbox-PID-START" names a cgroup of ours; *pid and *start_time are
 * read from it.  Pure. */
gboolean sb_cgroup_parse_name (const char *name, pid_t *pid, guint64 *start_time);

typedef struct _SbCgroup SbCgroup;

/* Finds a place for LIMITS (see above), removes what dead sandboxes left
 * there, creates the cgroup and writes the limits.  HOST's membership is
 * updated when the tool moved into a systemd scope. */
SbCgroup *sb_cgroup_create (SbCgroupHost *host, const SbLimits *limits, GError **error);

/* The v2 cgroup's directory fd, for clone3's CLONE_INTO_CGROUP; -1 on v1. */
int sb_cgroup_clone_fd (const SbCgroup *cgroup);

/* The cgroup.procs files, opened for writing: the sandbox's first process
 * writes "0" to each before it runs anything else (the kernel checks the
 * opener's rights).  On v2 only when clone3 could not put it there. */
const int *sb_cgroup_join_fds (const SbCgroup *cgroup, guint *n_fds);

/* Sends SIG to every process in the cgroup. */
void sb_cgroup_signal (const SbCgroup *cgroup, int sig);

typedef struct {
  gboolean oom_killed;
  gboolean has_memory_peak;
  guint64 memory_peak;
  gboolean has_cpu_usage;
  guint64 cpu_usage_us;
} SbCgroupReport;

/* What the cgroup counted, once the sandbox is gone. */
void sb_cgroup_report (const SbCgroup *cgroup, SbCgroupReport *report);

/* Removes the cgroup (what can be removed: a v2 tool's own leaf stays
 * while the tool lives and goes with the next run) and frees it. */
void sb_cgroup_destroy (SbCgroup *cgroup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbCgroup, sb_cgroup_destroy)
