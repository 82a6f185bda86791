/* Shared between the files that build the new root (rootfs.c, ops.c,
 * devfs.c, overlay.c); nothing else should need it but their tests. */
#pragma once

#include <sys/types.h>

#include "rootfs/mountapi.h"
#include "plan/plan.h"

typedef struct {
  const SbPlan *plan;
  SbMountApi *api;
  int base_fd;     /* the setup tmpfs: "/" of the namespace while we build, never seen inside;
                      -1 when the new root is the process's own root (rootfs.c) */
  int root_fd;     /* the topmost mount on the new root */
  gboolean root_is_ours;  /* that mount is a tmpfs of ours, not the caller's files */
  int proc_fd;     /* a procfs that no op can cover, for /proc/self/fd paths (not ours to close) */
  guint serial;    /* names files of ours in base */
} SbRootfs;

/* The directory of base that is bound onto itself as the new root. */
#define SB_ROOTFS_NEWROOT "newroot"

/* DEST resolved inside the new root (pathsafe.c), FLAGS as for openat: an fd
 * on whatever is mounted topmost there, or -1 with errno set. */
int sb_rootfs_open (SbRootfs *rootfs, const char *dest, int flags);

/* The mode OP creates things with, bwrap's "perms" of the op: --perms, else
 * the kind's default (0755 for --dir and --tmpfs, but 01777 for a --tmpfs on
 * /tmp or /var/tmp under the sandbox personality, 0666 for --file, 0600 for
 * --bind-data); 0 for kinds that have none, as in bwrap, so that their
 * missing parents are made 0700. */
guint32 sb_rootfs_op_mode (const SbPlan *plan, const SbMountOp *op);

/* Creates the missing parents of op->dest (sb_pathsafe_parent_mode of the
 * op's mode).  Returns an O_PATH fd on the parent and its last component in
 * *NAME ("." for the root), or -1 and sets ERROR in bwrap's words. */
int sb_rootfs_open_parent (SbRootfs *rootfs, const SbMountOp *op, char **name, GError **error);

/* bwrap's ensure_dir and ensure_file on op->dest, parents included.  An
 * existing directory is kept as is; a new one gets MODE.  Any existing
 * non-directory will do for a file; a new one is empty, mode 0444.  Returns an
 * O_PATH fd, or -1 and sets ERROR ("Can't mkdir /x: Not a directory"). */
int sb_rootfs_ensure_dir (SbRootfs *rootfs, const SbMountOp *op, mode_t mode, GError **error);
int sb_rootfs_ensure_file (SbRootfs *rootfs, const SbMountOp *op, GError **error);

/* Like sb_throw_errno, with HINT after the reason: "<what>: <why> (<hint>)". */
gboolean sb_rootfs_throw_hint (GError **error, const char *hint, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Like sb_throw_errno, with a hint when the mount table is full. */
gboolean sb_rootfs_throw_mount (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Creates the destination matching TREE's type, then attaches TREE there with
 * FLAGS on each of its mounts.  SOURCE names the source in messages. */
gboolean sb_rootfs_attach (SbRootfs *rootfs, const SbMountOp *op, SbMountTree *tree, SbMountFlags flags,
                           const char *source, GError **error);

/* A new filesystem on DEST_FD (the op's destination). */
gboolean sb_rootfs_mount_fs (SbRootfs *rootfs, const SbMountOp *op, const char *fstype, const char *const *options,
                             SbMountFlags flags, int dest_fd, GError **error);

/* One function per op kind, in ops.c unless noted. */
gboolean sb_rootfs_op_bind (SbRootfs *rootfs, const SbMountOp *op, GError **error);
/* The bind of "/" onto "/" when the new root is the process's own (rootfs.c):
 * its flags, set on every mount of that root. */
gboolean sb_rootfs_op_bind_host_root (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_bind_fd (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_bind_data (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_remount_ro (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_tmpfs (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_mqueue (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_dir (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_file (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_symlink (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_rootfs_op_chmod (SbRootfs *rootfs, const SbMountOp *op, GError **error);
gboolean sb_devfs_op_proc (SbRootfs *rootfs, const SbMountOp *op, GError **error);    /* devfs.c */
gboolean sb_devfs_op_dev (SbRootfs *rootfs, const SbMountOp *op, GError **error);     /* devfs.c */
gboolean sb_overlay_op (SbRootfs *rootfs, const SbMountOp *op, GError **error);       /* overlay.c */

/* The tmpfs options of --tmpfs and --dev: mode, size (0: none), SELinux label
 * (NULL: none).  Returns key, value pairs for sb_mountapi_mount_fs. */
char **sb_rootfs_tmpfs_options (guint32 mode, guint64 size, const char *label);

/* overlayfs's option string for OP; TMP_UPPER and TMP_WORK are the paths of
 * the private upper layer of --tmp-overlay (else NULL).  Pure. */
char *sb_overlay_options (const SbMountOp *op, const char *tmp_upper, const char *tmp_work);
