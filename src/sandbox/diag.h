/* Turning failures into sentences a user can act on. */
#pragma once

#include <glib.h>

#include "plan/plan.h"

/* The PT_INTERP path of an ELF image (DATA holds at least its headers), or
 * NULL when DATA is not ELF or has no interpreter (static binaries). */
char *sb_diag_elf_interp (const guint8 *data, gsize len);

/* Explains why execvp (PROGRAM) failed with ERRSV, looking at the files the
 * process sees (run it inside the sandbox) and at PATH_ENV, the PATH the
 * search used (NULL: unset).  Starts with bwrap's "execvp PROGRAM: <strerror>"
 * and adds the reason when one is found: not in PATH, a missing ELF
 * interpreter or #! interpreter, no execute permission, a noexec mount. */
char *sb_diag_exec_failure (const char *program, const char *path_env, int errsv);

/* Facts that explain a refused user namespace; -1 when unknown. */
typedef struct {
  int apparmor_restrict;          /* kernel.apparmor_restrict_unprivileged_userns */
  int max_user_namespaces;        /* user.max_user_namespaces */
  int unprivileged_userns_clone;  /* kernel.unprivileged_userns_clone (Debian's old knob) */
  gboolean seccomp_filtered;       /* a seccomp filter is on this process */
  gboolean in_container;          /* we run inside a container */
} SbUsernsFacts;

void sb_diag_userns_facts_read (SbUsernsFacts *facts);

/* The likely cause of a refused user namespace, as a phrase. */
char *sb_diag_userns_cause (const SbUsernsFacts *facts, int errsv);

/* The message for a failed clone/unshare of NAMESPACES (SbNamespace bits)
 * with ERRSV.  Under BWRAP it starts with bwrap's texts ("Creating new
 * namespace failed", "No permissions to create a new namespace"), which
 * callers match. */
char *sb_diag_clone_failure (SbPersonality personality, SbNamespace namespaces, int errsv,
                             const SbUsernsFacts *facts);
