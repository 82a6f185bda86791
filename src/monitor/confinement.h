/* Which confinement the command gets: namespaces (with Landlock's abstract
 * socket scope on top where it closes a hole), or, where the host refuses
 * user namespaces, Landlock and seccomp in place of them. */
#pragma once

#include "plan/plan.h"
#include "confine/seccomp-programs.h"
#include "monitor/launch.h"

/* Told, in one line, before the command starts without namespaces. */
typedef void (*SbConfinementNotify) (const char *notice, gpointer data);

/* sb_launch_run with the confinement the Plan's personality asks for.
 * Under the sandbox personality a refused user namespace is not the end:
 * unless --strict forbids it, the plan asks for what only namespaces give,
 * or Landlock is missing, NOTIFY hears why and the command runs in place.
 * FILTERS then gains the socket filter that stands for the network
 * namespace. */
gboolean sb_confinement_run (const SbPlan *plan, SbSeccompSet *filters, SbConfinementNotify notify,
                             gpointer data, SbExitStatus *exit_status, char **note, GError **error);
