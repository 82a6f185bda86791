/* The default policy as BPF, compiled at build time: seccomp-gen.c writes
 * seccomp-builtin.c (in the build directory) with sb_seccomp_compile, so a
 * start with the default policy runs no libseccomp code and allocates none of
 * its memory.  Cross builds, whose generator could not run, get
 * seccomp-builtin-none.c instead and compile at run time. */
#pragma once

#include <glib.h>
#include <linux/filter.h>

/* The program sb_seccomp_compile gives for sb_seccomp_policy_new_default
 * (allow_nesting), after sb_seccomp_policy_log_denials when log, with its
 * length in instructions in *len; NULL when this build has none for it. */
const struct sock_filter *sb_seccomp_builtin (gboolean allow_nesting, gboolean log, gsize *len);
