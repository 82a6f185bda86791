/* The capabilities of the command and of pid 1. */
#pragma once

#include <sys/types.h>

#include "plan/plan.h"

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

/* The capability pid 1 keeps in its permitted set, never effective, so that
 * the command cannot reach it: pid 1 stays dumpable (callers such as
 * Flatpak open its /proc/PID/ns entries from outside), and the kernel lets a
 * process of the same uid ptrace it, read its memory, environ and fds only
 * if that process holds every capability pid 1 permits (or CAP_SYS_PTRACE
 * over its user namespace).  One of HELD (pid 1's) missing from
 * COMMAND_CAPS, the least powerful; 0 if the command holds them all. */
guint64 sb_caps_ptrace_guard (guint64 held, guint64 command_caps);

/* Removes the capabilities of DROP from the bounding set.  Needs
 * CAP_SETPCAP, unless they are already gone. */
gboolean sb_caps_drop_bounding (guint64 drop, GError **error);

/* Sets the permitted set to PERMITTED and the effective one to EFFECTIVE
 * (both limited to what the process holds), the inheritable and ambient
 * sets to the permitted one when AMBIENT, else empties them.  Makes no
 * capset call when nothing changes: some container seccomp policies refuse
 * capset, and bwrap run by root works there. */
gboolean sb_caps_apply (guint64 permitted, guint64 effective, gboolean ambient, GError **error);

/* Effective = permitted, after a uid change emptied the effective set. */
gboolean sb_caps_raise_effective (GError **error);
