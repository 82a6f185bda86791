/* Our seccomp policies compiled to classic BPF with libseccomp: at run time
 * for policy files, and at build time (seccomp-gen.c) for the default policy,
 * so that a default start never runs libseccomp (seccomp-builtin.h). */
#pragma once

#include <glib.h>

#include "confine/seccomp-policy.h"

/* The policy as one BPF program covering every architecture this build can
 * run (sock_filter words in host byte order); NULL on error. */
GByteArray *sb_seccomp_compile (const SbSeccompPolicy *policy, GError **error);
