/* Seccomp: the filters to load, compiled before clone and loaded last. */
#pragma once

#include "plan/plan.h"

/* The ordered BPF programs to load, whatever their source: the default
 * policy or a policy file compiled with libseccomp, or the caller's
 * precompiled --seccomp / --add-seccomp-fd programs.  May be empty. */
typedef struct SbSeccompSet SbSeccompSet;

/* Reads and checks the caller's programs, and takes our policy: the default
 * one as compiled at build time (seccomp-builtin.h), a policy file compiled
 * now.  Every error is reported here, before any namespace exists. */
SbSeccompSet *sb_seccomp_prepare (const SbPlan *plan, GError **error);

/* Loads the first programs, those under which the tool's own last steps
 * still work (the built-in default policy, which refuses none of them),
 * once before pid 1 forks the command: both inherit them, and the kernel's
 * preparation of a filter (a fraction of a millisecond) is paid once.
 * Needs PR_SET_NO_NEW_PRIVS or CAP_SYS_ADMIN. */
gboolean sb_seccomp_load_shared (const SbSeccompSet *set, GError **error);

/* Loads the other programs in order: the last step before exec (and in
 * pid 1), as they may refuse anything the steps before need. */
gboolean sb_seccomp_load (const SbSeccompSet *set, GError **error);

/* Confinement in place without --share-net: appends a program that refuses
 * sockets of every family but AF_UNIX, which Landlock (TCP only) cannot. */
gboolean sb_seccomp_add_socket_filter (SbSeccompSet *set, GError **error);

guint sb_seccomp_set_count (const SbSeccompSet *set);
void sb_seccomp_set_free (SbSeccompSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbSeccompSet, sb_seccomp_set_free)

/* The effective policy as a policy file (--seccomp-print). */
char *sb_seccomp_describe (const SbPlan *plan, GError **error);
