/* The time namespace's offsets (--monotonic-offset, --boottime-offset), as
 * time_namespaces(7) reads them from /proc/PID/timens_offsets.  Pure. */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct {
  bool has_monotonic;
  gint64 monotonic_ns;   /* --monotonic-offset in nanoseconds */
  bool has_boottime;
  gint64 boottime_ns;    /* --boottime-offset */
} SbTimeOffsets;

/* Seconds, signed, with an optional fraction of at most nine digits
 * ("-3600", "1.5"), within the kernel's range (a tenth of a billion years
 * would overflow; the kernel refuses any offset that takes the clock below
 * 0 itself).  OPTION is named in the error. */
gboolean sb_time_offset_parse (const char *option, const char *text, gint64 *ns, GError **error);

/* "monotonic SECS NANOSECS\nboottime ...\n" for the offsets given, the
 * nanoseconds always in [0, 1e9) as the kernel wants them; NULL when
 * none is. */
char *sb_time_offsets_format (const SbTimeOffsets *offsets);
