/* Id ranges of a user namespace beyond the caller's own id: --map-auto,
 * --map-users, --map-groups, and the subordinate ids that /etc/subuid and
 * /etc/subgid grant.  Pure (no syscall): the texts of those files are read
 * by the stage that writes the maps (monitor/usermap.c), so that the unit
 * tests reach every rule here without a namespace. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* One line of /proc/PID/uid_map: COUNT ids from INSIDE up are the parent
 * namespace's ids from OUTSIDE up. */
typedef struct {
  guint32 inside;
  guint32 outside;
  guint32 count;
} SbIdRange;

/* What the command line asks for.  Each side is the explicit ranges when
 * there are any, else --map-auto's layout, else the caller's own id alone. */
typedef struct {
  const char *option;  /* the first of these options given, for messages; NULL when none */
  bool map_auto;   /* --map-auto */
  GArray *users;   /* of SbIdRange, --map-users in the order given */
  GArray *groups;  /* of SbIdRange, --map-groups */
} SbIdMapping;

/* The kernel's limit of lines in one map (Linux 4.15). */
#define SB_IDRANGES_MAX 340

void sb_idmapping_init (SbIdMapping *mapping);
void sb_idmapping_clear (SbIdMapping *mapping);

/* Whether any option asked for maps beyond the one-line ones. */
bool sb_idmapping_wanted (const SbIdMapping *mapping);

/* "INSIDE:OUTSIDE:COUNT", decimal, COUNT at least 1, neither range past
 * 4294967294: appended to RANGES.  Errors name OPTION and the text. */
gboolean sb_idranges_parse (const char *option, const char *text, GArray *ranges, GError **error);

/* The ranges that a subuid/subgid TEXT grants to the user called USER
 * (NULL when the uid has no name) or numbered ID, in the file's order,
 * appended to GRANTS; returns how many.  Comments, blank and malformed
 * lines are skipped, as shadow's own reader skips them. */
guint sb_subids_parse (const char *text, const char *user, guint32 id, GArray *grants);

/* The name of UID in a passwd TEXT, NULL when it has none: the tool is
 * linked statically, where NSS modules cannot be loaded, and /etc/subuid
 * accepts the uid itself too. */
char *sb_passwd_name (const char *text, guint32 uid);

/* podman's layout: the caller's OWN id is INSIDE_OWN, and the granted ids,
 * in order, fill every other id from 0 up.  NULL with an error when there is
 * no grant or the layout needs more than SB_IDRANGES_MAX lines; OPTION and
 * FILE are named in the error. */
GArray *sb_idranges_auto (const char *option, const char *file, const char *user, guint32 own,
                          guint32 inside_own, const GArray *grants, GError **error);

/* Refuses ranges that overlap inside or outside (the kernel would answer
 * EINVAL), more than SB_IDRANGES_MAX of them, and, unless UNCHECKED (a
 * caller who may map any id), any range that is neither the caller's OWN id
 * alone nor inside the union of GRANTS.  The error names OPTION, the range
 * and FILE. */
gboolean sb_idranges_check (const char *option, const char *file, const char *user, guint32 own,
                            const GArray *ranges, const GArray *grants, gboolean unchecked,
                            GError **error);

/* Whether ID (inside) is mapped by RANGES. */
gboolean sb_idranges_maps (const GArray *ranges, guint32 id);

/* The map as the kernel reads it: "INSIDE OUTSIDE COUNT\n" per range. */
char *sb_idranges_format (const GArray *ranges);

/* "I:O:C" for messages. */
char *sb_idrange_describe (const SbIdRange *range);
