/* Landlock (landlock(7)): the Plan's filesystem as access rules, for a
 * sandbox that runs in place, without namespaces, where the host refuses
 * user namespaces.
 *
 * Two halves, as for seccomp: sb_landlock_rules_from_plan() is pure (the
 * Plan → rules, and the refusal of what a ruleset cannot express), unit-
 * tested; sb_landlock_apply() opens the paths and restricts the calling
 * process, in the sandbox just before the seccomp filters. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "plan/plan.h"

/* The filesystem rights, as landlock(7) numbers them (the kernel headers
 * of older build hosts lack the later ones). */
#define SB_LANDLOCK_FS_EXECUTE (G_GUINT64_CONSTANT (1) << 0)
#define SB_LANDLOCK_FS_WRITE_FILE (G_GUINT64_CONSTANT (1) << 1)
#define SB_LANDLOCK_FS_READ_FILE (G_GUINT64_CONSTANT (1) << 2)
#define SB_LANDLOCK_FS_READ_DIR (G_GUINT64_CONSTANT (1) << 3)
#define SB_LANDLOCK_FS_REMOVE_DIR (G_GUINT64_CONSTANT (1) << 4)
#define SB_LANDLOCK_FS_REMOVE_FILE (G_GUINT64_CONSTANT (1) << 5)
#define SB_LANDLOCK_FS_MAKE_CHAR (G_GUINT64_CONSTANT (1) << 6)
#define SB_LANDLOCK_FS_MAKE_DIR (G_GUINT64_CONSTANT (1) << 7)
#define SB_LANDLOCK_FS_MAKE_REG (G_GUINT64_CONSTANT (1) << 8)
#define SB_LANDLOCK_FS_MAKE_SOCK (G_GUINT64_CONSTANT (1) << 9)
#define SB_LANDLOCK_FS_MAKE_FIFO (G_GUINT64_CONSTANT (1) << 10)
#define SB_LANDLOCK_FS_MAKE_BLOCK (G_GUINT64_CONSTANT (1) << 11)
#define SB_LANDLOCK_FS_MAKE_SYM (G_GUINT64_CONSTANT (1) << 12)
#define SB_LANDLOCK_FS_REFER (G_GUINT64_CONSTANT (1) << 13)     /* ABI 2 */
#define SB_LANDLOCK_FS_TRUNCATE (G_GUINT64_CONSTANT (1) << 14)  /* ABI 3 */
#define SB_LANDLOCK_FS_IOCTL_DEV (G_GUINT64_CONSTANT (1) << 15) /* ABI 5 */

/* What each kind of bind grants under its path. */
#define SB_LANDLOCK_READ (SB_LANDLOCK_FS_READ_FILE | SB_LANDLOCK_FS_READ_DIR)
#define SB_LANDLOCK_READ_EXEC (SB_LANDLOCK_READ | SB_LANDLOCK_FS_EXECUTE)
#define SB_LANDLOCK_READ_WRITE                                                             \
  (SB_LANDLOCK_READ_EXEC | SB_LANDLOCK_FS_WRITE_FILE | SB_LANDLOCK_FS_REMOVE_DIR           \
   | SB_LANDLOCK_FS_REMOVE_FILE | SB_LANDLOCK_FS_MAKE_DIR | SB_LANDLOCK_FS_MAKE_REG         \
   | SB_LANDLOCK_FS_MAKE_SOCK | SB_LANDLOCK_FS_MAKE_FIFO | SB_LANDLOCK_FS_MAKE_SYM          \
   | SB_LANDLOCK_FS_REFER | SB_LANDLOCK_FS_TRUNCATE)
#define SB_LANDLOCK_DEVICES                                                                \
  (SB_LANDLOCK_READ_WRITE | SB_LANDLOCK_FS_IOCTL_DEV | SB_LANDLOCK_FS_MAKE_CHAR            \
   | SB_LANDLOCK_FS_MAKE_BLOCK)

/* The rights that apply to a file that is not a directory. */
#define SB_LANDLOCK_FILE_RIGHTS                                                            \
  (SB_LANDLOCK_FS_EXECUTE | SB_LANDLOCK_FS_WRITE_FILE | SB_LANDLOCK_FS_READ_FILE           \
   | SB_LANDLOCK_FS_TRUNCATE | SB_LANDLOCK_FS_IOCTL_DEV)

typedef struct {
  char *path;          /* absolute, the same inside and outside */
  guint64 access;      /* SB_LANDLOCK_FS_* for the path and everything under it */
  bool optional;       /* a -try bind or a standard device: skipped when missing */
  bool adds_only;      /* --dev, --proc: adds to what an enclosing bind grants there */
  const char *option;  /* the option that asked for it, for messages */
} SbLandlockRule;

typedef enum {
  SB_LANDLOCK_IN_PLACE,        /* the whole confinement, without namespaces */
  SB_LANDLOCK_SCOPE_ABSTRACT,  /* in namespaces, with --share-net: only the host's abstract
                                  unix sockets kept out of reach (ABI 6) */
} SbLandlockMode;

typedef struct {
  SbLandlockMode mode;
  GArray *rules;       /* of SbLandlockRule, in command-line order (in place only) */
  bool deny_tcp;       /* no --share-net: TCP bind and connect refused (ABI 4) */
  int abi;             /* the ABI to use, as sb_landlock_abi() found it */
} SbLandlockRuleset;

/* Whether RULESET (or NULL) stands for the namespaces, which are not made. */
static inline bool
sb_landlock_in_place (const SbLandlockRuleset *ruleset)
{
  return ruleset != NULL && ruleset->mode == SB_LANDLOCK_IN_PLACE;
}

void sb_landlock_ruleset_free (SbLandlockRuleset *ruleset);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbLandlockRuleset, sb_landlock_ruleset_free)

/* The rules that give the command what the Plan binds and nothing else,
 * for a caller with CALLER_UID/CALLER_GID.  An option that needs a mount
 * namespace, or that Landlock cannot express, is an error that names it,
 * followed by WHY (the reason no namespace can be made). */
SbLandlockRuleset *sb_landlock_rules_from_plan (const SbPlan *plan, uid_t caller_uid,
                                                gid_t caller_gid, const char *why,
                                                GError **error);

/* The ruleset that only scopes abstract unix sockets, for ABI (6 or later). */
SbLandlockRuleset *sb_landlock_scope_abstract (int abi);

/* The highest Landlock ABI the kernel offers; 0 with *error set when it
 * has none (not built in, disabled at boot, or hidden by a seccomp filter). */
int sb_landlock_abi (GError **error);

/* What ABI cannot enforce of a full ruleset (the ones below 6), as a phrase
 * for the start-up notice; NULL when it enforces everything. */
char *sb_landlock_gaps (int abi, bool deny_tcp);

/* Restricts the calling process (and what it execs) to RULESET, with the
 * rights of its ABI.  Needs PR_SET_NO_NEW_PRIVS. */
gboolean sb_landlock_apply (const SbLandlockRuleset *ruleset, GError **error);
