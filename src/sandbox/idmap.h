/* The id maps of a new user namespace: /proc/PID/{setgroups,uid_map,gid_map}. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "plan/idranges.h"

/* One id inside the namespace for one id of its parent: all an unprivileged
 * caller may write (after denying setgroups for the gid map). */
typedef struct {
  guint32 uid_inside;
  guint32 uid_outside;
  guint32 gid_inside;
  guint32 gid_outside;
} SbIdMap;

/* "INSIDE OUTSIDE 1\n", the line the kernel expects. */
char *sb_idmap_format (guint32 inside, guint32 outside);

/* Writes uid_map, "deny" to setgroups, then gid_map of /proc/PID (PID
 * may be "self"), through PROC_FD, a directory fd on a procfs.  Messages
 * are bwrap's ("setting up uid map: Permission denied"), which callers
 * match. */
gboolean sb_idmap_write (int proc_fd, const char *pid, const SbIdMap *map, GError **error);

/* Writes the whole maps UIDS and GIDS (of SbIdRange) of /proc/PID, leaving
 * setgroups allowed: only a writer with CAP_SETUID and CAP_SETGID over the
 * namespace's parent may (the monitor run by root, for --map-users). */
gboolean sb_idmap_write_ranges (int proc_fd, const char *pid, const GArray *uids,
                                const GArray *gids, GError **error);
