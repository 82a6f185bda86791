/* Resource limits as data: --rlimit, --memory, --pids, --cpus, --timeout,
 * --kill-after.  The parsers here are pure (no syscall), so every reader
 * (the command line, later profiles) reads them the same way and the unit
 * tests reach them without a sandbox. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* One --rlimit, already checked (soft <= hard).  SB_RLIM_UNLIMITED is
 * "unlimited", RLIM_INFINITY in setrlimit's terms. */
#define SB_RLIM_UNLIMITED G_MAXUINT64

typedef struct {
  int resource;  /* RLIMIT_* */
  guint64 soft;
  guint64 hard;
} SbRlimit;

typedef struct {
  GArray *rlimits;        /* of SbRlimit, one per resource: a later --rlimit of the
                             same name replaces the earlier one */
  guint64 memory;         /* --memory in bytes, 0 when not given */
  guint64 pids;           /* --pids, 0 when not given */
  guint64 cpu_quota_us;   /* --cpus as CPU time per SB_CPU_PERIOD_US, 0 when not given */
  gint64 timeout_us;      /* --timeout, 0 when not given */
  gint64 kill_after_us;   /* --kill-after, SB_KILL_AFTER_DEFAULT_US when not given */
} SbLimits;

/* The period --cpus is counted over: the kernel's default CFS period. */
#define SB_CPU_PERIOD_US G_GUINT64_CONSTANT (100000)
#define SB_KILL_AFTER_DEFAULT_US (5 * G_USEC_PER_SEC)

void sb_limits_init (SbLimits *limits);
void sb_limits_clear (SbLimits *limits);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SbLimits, sb_limits_clear)

/* Whether a limit needs a cgroup (--memory, --pids, --cpus). */
bool sb_limits_need_cgroup (const SbLimits *limits);

/* "NAME=SOFT[:HARD]", NAME as prlimit(1) spells it; values are numbers
 * with an optional K, M or G suffix (powers of 1024) or "unlimited".
 * Replaces an earlier limit of the same resource.  Errors name --rlimit. */
gboolean sb_limits_add_rlimit (SbLimits *limits, const char *text, GError **error);

/* A byte count with an optional K, M, G or T suffix, non-zero.  OPTION is
 * named in the error. */
gboolean sb_limits_parse_size (const char *option, const char *text, guint64 *bytes,
                               GError **error);

/* A positive whole number (--pids). */
gboolean sb_limits_parse_count (const char *option, const char *text, guint64 *count,
                                GError **error);

/* A decimal number of CPUs (e.g. 0.5, 2), at least 0.01: the kernel's
 * smallest quota is 1 ms per period. */
gboolean sb_limits_parse_cpus (const char *option, const char *text, guint64 *quota_us,
                               GError **error);

/* Seconds with an optional fraction, to the microsecond.  ALLOW_ZERO for
 * --kill-after 0 (kill at once); --timeout must be positive. */
gboolean sb_limits_parse_seconds (const char *option, const char *text, gboolean allow_zero,
                                  gint64 *us, GError **error);

/* prlimit(1)'s name of an RLIMIT_* value, NULL for an unknown one. */
const char *sb_limits_rlimit_name (int resource);

/* BYTES in the largest unit that divides it exactly, as typed: "100M". */
char *sb_limits_format_size (guint64 bytes);
