/* --sysctl: the values written into the sandbox's own namespaces. */
#pragma once

#include <glib.h>

#include "plan/plan.h"

/* Writes each SbSysctl of SYSCTLS (plan/sysctls.h) of a namespace in WHICH under PROC_FD/sys, a
 * procfs, whose net, ipc and user entries are those of the writer's own
 * namespaces.  Needs the capabilities over them: before they are dropped. */
gboolean sb_sysctls_write (int proc_fd, const GArray *sysctls, SbNamespace which,
                           GError **error);
