/* The JSON written to --info-fd and --json-status-fd, with bwrap's keys. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "plan/plan.h"

/* What the monitor knows about a running sandbox.  A namespace inode of 0
 * means "not created by us" and is left out, as bwrap does. */
typedef struct {
  pid_t child_pid;     /* the sandbox's first process (pid 1 inside), our pid namespace */
  pid_t command_pid;   /* the command's process; 0 when not known yet */
  guint64 ns_inode[SB_N_NAMESPACE_KINDS];  /* indexed as sb_namespace_kinds */
  gboolean confinement_keys;  /* sandbox only: report "confinement" (and "landlock-abi") */
  gboolean in_place;          /* confined by Landlock alone, no namespace */
  int landlock_abi;           /* Landlock's ABI where it is used, else 0 */
} SbStatusInfo;

/* How the command ended, for the last --json-status-fd line.  The
 * reports of the limits are left out when false or unknown. */
typedef struct {
  int exit_code;
  gboolean timed_out;        /* --timeout ended it */
  gboolean oom_killed;       /* the kernel's OOM killer acted in the sandbox's cgroup */
  gboolean has_memory_peak;  /* the cgroup reports its peak */
  guint64 memory_peak;       /* bytes */
  gboolean has_cpu_usage;    /* the cgroup counts its CPU time */
  guint64 cpu_usage_us;
} SbStatusExit;

/* Appends S as a JSON string literal, quotes included.  Bytes that are not
 * valid UTF-8 become U+FFFD, so the output is always valid JSON. */
void sb_status_json_escape (GString *out, const char *s);

/* --info-fd: one pretty-printed object, as bwrap writes it. */
char *sb_status_format_info (const SbStatusInfo *info);

/* --json-status-fd: the first line (same keys, one line) and the last. */
char *sb_status_format_start (const SbStatusInfo *info);
char *sb_status_format_exit (const SbStatusExit *exit);

/* Fills the namespace inodes of info->child_pid for the namespaces in
 * UNSHARED (the mount namespace always, unless confined in place). */
gboolean sb_status_read_namespaces (SbStatusInfo *info, SbNamespace unshared, GError **error);

/* Writes all of TEXT to FD. */
gboolean sb_status_write (int fd, const char *text, GError **error);
