/* --rlimit: the limits set in the sandbox's own processes. */
#pragma once

#include <glib.h>

#include "plan/limits.h"

/* Sets every --rlimit on the calling process.  Called in pid 1 and in the
 * command's process before exec, before the caller's seccomp programs
 * (which may forbid setrlimit). */
gboolean sb_rlimits_apply (const SbLimits *limits, GError **error);
