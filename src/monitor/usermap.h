/* The maps of --map-auto, --map-users and --map-groups: resolved against
 * /etc/subuid and /etc/subgid before anything starts, then written into the
 * child's new user namespace right after clone, while the child waits for
 * them (SB_MSG_MAPPED).  An unprivileged caller's maps are written by the
 * setuid newuidmap and newgidmap (Debian's uidmap package), which check the
 * same files; a caller with CAP_SETUID and CAP_SETGID writes them itself. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "plan/plan.h"

typedef struct {
  GArray *uids;     /* of SbIdRange: the whole uid map */
  GArray *gids;
  char *newuidmap;  /* the helpers' paths; NULL when the monitor writes the maps */
  char *newgidmap;
} SbUserMap;

/* NULL without error when the plan asks for no such maps. */
SbUserMap *sb_usermap_prepare (const SbPlan *plan, guint64 caller_caps, GError **error);
void sb_usermap_free (SbUserMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbUserMap, sb_usermap_free)

/* Writes the maps of PID (in our pid namespace), whose user namespace is new. */
gboolean sb_usermap_write (const SbUserMap *map, pid_t pid, GError **error);
