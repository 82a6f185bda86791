/* The capabilities of the command and of pid 1 (libcap). */
#pragma once

#include <sys/types.h>

#include "plan.h"

/* What the command keeps: (start | --cap-add) & ~--cap-drop, where start is
 * CALLER_CAPS (the caller's permitted set) for a root caller whose root
 * keeps its capabilities (bwrap's rule; not under the sandbox personality,
 * see plan->drop_root_caps), and nothing otherwise.  *AMBIENT tells whether
 * they are also made inheritable and ambient, as bwrap does whenever
 * --cap-add/--cap-drop is used or the caller is not root: a non-zero uid
 * keeps capabilities across exec only as ambient ones. */
guint64 sb_caps_wanted (const SbPlan *plan, uid_t caller_uid, guint64 caller_caps,
                        gboolean *ambient);

/* The permitted set of this process. */
gboolean sb_caps_get_permitted (guint64 *permitted, GError **error);

/* Empties the bounding set but KEEP (when SHRINK_BOUNDING), then sets
 * permitted and effective to KEEP (limited to what the process holds), and
 * the inheritable and ambient sets to KEEP when AMBIENT, else empties them.
 * Needs CAP_SETPCAP to shrink the bounding set.  Makes no capset call when nothing changes: some container
 * seccomp policies refuse capset, and bwrap run by root works there. */
gboolean sb_caps_apply (guint64 keep, gboolean ambient, gboolean shrink_bounding, GError **error);

/* Effective = permitted, after a uid change emptied the effective set. */
gboolean sb_caps_raise_effective (GError **error);
