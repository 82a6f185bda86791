/* Mounting, through the new mount API (open_tree, mount_setattr, move_mount,
 * fsopen/fsmount: Linux 5.12) or mount(2) on older kernels.
 *
 * Destinations are always O_PATH fds resolved inside the new root by
 * pathsafe.c (or a name just made in one), never paths; mount(2) reaches them as /proc/self/fd/N, which
 * names exactly that dentry.  A bind is two steps, as the new API does it:
 * clone the source into a tree that is attached nowhere yet (its fd tells the
 * source's type), then set the flags on every mount of the tree and attach it.
 *
 * New filesystems (tmpfs, proc, devpts) are mounted with mount(2) by both
 * backends: one call costs half as much as fsopen to move_mount.
 *
 * mount(2) cannot set flags on a whole tree: the legacy backend binds onto a
 * scratch directory, remounts each submount, found in a snapshot of the host's
 * mount table taken once at the start (so the cost stays linear in the number
 * of ops), then moves the tree to its destination.  A submount under a
 * directory the caller may not search keeps its flags: nothing reaches it.
 *
 * The tests run the legacy backend inside a sandbox whose seccomp policy
 * answers ENOSYS (or EPERM) for the new calls, as an old kernel or a
 * container's profile does (tests/integration/sbouter.py). */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef enum {
  SB_MOUNT_RDONLY = 1 << 0,
  SB_MOUNT_NOSUID = 1 << 1,
  SB_MOUNT_NODEV = 1 << 2,
  SB_MOUNT_NOEXEC = 1 << 3,
} SbMountFlags;

typedef struct SbMountApi SbMountApi;

/* A copy of a tree of mounts, attached nowhere yet. */
typedef struct {
  int fd;           /* new API: the detached tree; legacy: O_PATH on the source */
  gboolean recursive;
  char *host_path;  /* legacy, recursive: the source as the mount table names it */
} SbMountTree;

#define SB_MOUNT_TREE_INIT { -1, FALSE, NULL }

/* Chooses the backend: legacy when open_tree, move_mount or mount_setattr
 * is missing (ENOSYS) or hidden (ENOSYS, EPERM).  Must run while "/" is
 * still the host's root: the legacy backend reads the host's mount table
 * here. */
SbMountApi *sb_mountapi_new (GError **error);
void sb_mountapi_free (SbMountApi *api);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SbMountApi, sb_mountapi_free)

gboolean sb_mountapi_is_legacy (const SbMountApi *api);

/* Where the legacy backend may create its temporary mount points: a directory
 * of our own, invisible to the sandbox. */
void sb_mountapi_set_scratch (SbMountApi *api, int dir_fd);

/* Mounts a tmpfs (by mount(2) with either backend) over the process's
 * root directory, where path lookups from "/" do not see it, and returns an
 * O_PATH fd on it, or -1 with errno set. */
int sb_mountapi_mount_over_root (SbMountFlags flags);

/* Clones the tree at DIR_FD/PATH (PATH "" for DIR_FD itself, which may be
 * any fd; symlinks are followed), with its submounts when RECURSIVE.
 * 0, or -1 with errno set. */
int sb_mountapi_clone (SbMountApi *api, int dir_fd, const char *path, gboolean recursive, SbMountTree *tree);

/* Adds FLAGS to every mount of TREE and attaches it on DEST_FD. */
int sb_mountapi_attach (SbMountApi *api, SbMountTree *tree, SbMountFlags flags, int dest_fd);

/* The same on NAME in DIR_FD, for a NAME made there just now: one open fewer.
 * NAME itself is not followed if a symlink: a swap cannot redirect the mount. */
int sb_mountapi_attach_at (SbMountApi *api, SbMountTree *tree, SbMountFlags flags, int dir_fd, const char *name);

void sb_mount_tree_clear (SbMountTree *tree);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SbMountTree, sb_mount_tree_clear)

/* A new filesystem of type FSTYPE on DEST_FD.  OPTIONS: NULL, or key, value
 * pairs ending with a NULL key; a NULL value is a flag ("newinstance"). */
int sb_mountapi_mount_fs (SbMountApi *api, const char *fstype, const char *const *options,
                          SbMountFlags flags, int dest_fd);

/* mount(2) with a ready-made option string, for filesystems whose options are
 * a language of their own (overlayfs). */
int sb_mountapi_mount_data (const char *fstype, const char *data, int dest_fd);

/* Makes the mount whose root is FD read-only, and only that one. */
int sb_mountapi_remount_ro (SbMountApi *api, int fd);

/* Adds FLAGS to the mount whose root is FD and to every mount below it, in
 * one call.  New API only: the legacy backend says ENOSYS. */
int sb_mountapi_add_flags_recursive (SbMountApi *api, int fd, SbMountFlags flags);

/* Pure helpers, exposed for the unit tests. */

/* The mount points of a /proc/self/mountinfo text, unescaped, sorted, unique. */
GPtrArray *sb_mountapi_parse_mount_points (const char *mountinfo);

/* The range [*first, *end) of SORTED (as returned above) strictly below PATH. */
void sb_mountapi_mounts_below (GPtrArray *sorted, const char *path, guint *first, guint *end);

/* OPTIONS (as for sb_mountapi_mount_fs) as a mount(2) option string. */
char *sb_mountapi_join_options (const char *const *options);
