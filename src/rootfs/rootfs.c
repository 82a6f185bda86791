/* The new root, built from the plan's mount ops.
 *
 * Two kinds of path meet here.  Host paths (bind sources, overlay layers)
 * must resolve exactly as the caller sees them: absolute symlinks in them,
 * /proc/self/... magic links, paths relative to the working directory.
 * Destinations must resolve inside the new root and nowhere else.  bwrap
 * pivots into a tmpfs first and reaches the host as /oldroot/PATH, which breaks
 * absolute symlinks unless every source is canonicalised beforehand (racy, and
 * wrong for magic links).  We do this instead:
 *
 *  1. Make every host mount a slave: nothing we mount propagates back.
 *  2. Mount a tmpfs, "base", over "/" (lookups from "/" still start below it)
 *     and pivot_root into it, which moves the host's root R to base/oldroot.
 *     Base now holds R, not the reverse, so a recursive bind of the host's "/"
 *     copies host mounts only.
 *  3. chroot into base/oldroot and go back to the caller's working directory:
 *     host paths resolve as the caller's would.
 *  4. The new root is base/newroot bound onto itself (as bwrap's), reached
 *     only through fds; every destination is resolved from it by pathsafe.c.
 *     What the sandbox must never see (--bind-data files, --tmp-overlay upper
 *     layers) lives in base beside it: only the newroot subtree is bound.
 *  5. chroot back into base, pivot_root(".", ".") from the new root, which puts
 *     base (and R within it) on top of the new root, and detach that with
 *     umount2(".", MNT_DETACH).  The working directory is left at the new "/".
 *
 * A shortcut when the first op binds the host's "/" onto "/" (--ro-bind / /
 * and the like): the clone that made our mount namespace already copied every
 * mount of the caller's.  Steps 2 to 5 would copy all of them again into the
 * new root and then detach the first copy, twice the cost of the host's mount
 * table (a host with thousands of mounts pays milliseconds each time).  R
 * itself becomes the new root instead: the bind's flags are set on each of
 * its mounts and the other ops run on it.  The result is the general path's
 * (test_rootfs_reuse.py compares the mount tables) when:
 *
 *  - the process's root is a mount root with nothing mounted over it.  The
 *    general path's pivot_root demands the first and would pick up what is
 *    mounted over "/" (the clone copies it) instead of R.  Mounts of the
 *    namespace outside the process's root (a caller chrooted into a mount)
 *    stay in both paths, as the parents of R: pivot_root keeps them too.  A
 *    caller that got a new user namespace passes anyway (the kernel refuses
 *    CLONE_NEWUSER to a chrooted process); root without one is checked.
 *  - no later op reads the host's tree.  The general path resolves sources in
 *    R, which the ops never change; here the ops change R itself (a --tmpfs
 *    over a source, the bind's nodev on the host's /dev/null).  So binds,
 *    overlays, --dev, --proc bound from the host and mounts over "/" itself
 *    take the general path, as does the legacy backend, which cannot set
 *    flags on a whole tree at once.
 *  - nothing opened on R before the build is written to afterwards: the
 *    bind's flags change R's mounts, where the general path changes copies.
 *
 * One difference remains: a recursive bind leaves out the host's unbindable
 * mounts (and fails on them inside a user namespace), R keeps them.  Finding
 * them would mean reading the whole mount table, the very cost avoided.
 * Unbindable limits propagation, not access: the caller sees them anyway. */
#include "rootfs/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "rootfs/mountapi.h"
#include "rootfs/pathsafe.h"
#include "rootfs/internal.h"

#define OLDROOT "oldroot"

/* What a merged-/usr host has as symlinks at its root (design.md). */
static const char *const usr_merge_links[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

static void
rootfs_clear (SbRootfs *rootfs)
{
  g_clear_fd (&rootfs->root_fd, NULL);
  g_clear_fd (&rootfs->base_fd, NULL);
  g_clear_pointer (&rootfs->api, sb_mountapi_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SbRootfs, rootfs_clear)

static int
sys_pivot_root (const char *new_root, const char *put_old)
{
  return (int) syscall (SYS_pivot_root, new_root, put_old);
}

static gboolean
refresh_root (SbRootfs *rootfs, GError **error)
{
  int fd = sb_rootfs_open (rootfs, "/", O_PATH | O_DIRECTORY);

  if (fd < 0)
    return sb_throw_errno (error, "Can't open the new root");
  g_clear_fd (&rootfs->root_fd, NULL);
  rootfs->root_fd = fd;
  return TRUE;
}

/* After the ops (or before a --remount-ro of "/"), while "/" is still the
 * host's: a new root without /bin (etc.) gets the host's symlink into /usr,
 * so that a bound /usr is enough to run programs.  Only a root of ours
 * gets them: a directory bound from the host is the caller's, left as it
 * is.  Only a link that resolves inside: a /lib32 into a /usr without
 * lib32 would only dangle.  What the plan made itself is there already and
 * kept. */
static gboolean
add_usr_merge_links (SbRootfs *rootfs, GError **error)
{
  if (!rootfs->root_is_ours)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (usr_merge_links); i++)
    {
      const char *name = usr_merge_links[i];
      g_autofree char *host = g_strconcat ("/", name, NULL);
      g_autofd int target_fd = -1;
      char target[PATH_MAX];
      struct stat st;
      ssize_t len;

      if (fstatat (rootfs->root_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
        continue;
      len = readlink (host, target, sizeof target - 1);
      if (len < 0)
        continue;
      target[len] = '\0';
      if (!g_str_has_prefix (target, "usr/") && !g_str_has_prefix (target, "/usr/"))
        continue;
      /* Both forms name the same path from the new root. */
      target_fd = sb_pathsafe_open (rootfs->root_fd, target, O_PATH, 0);
      if (target_fd < 0)
        continue;
      /* A root the plan made read-only stays as the plan made it. */
      if (symlinkat (target, rootfs->root_fd, name) != 0 && errno != EROFS)
        return sb_throw_errno (error, "Can't make symlink at %s", host);
    }
  return TRUE;
}

/* After OP mounted something on "/" (or left it): whether the root is
 * still a filesystem of ours, which nothing of the caller's lies under. */
static gboolean
root_stays_ours (const SbMountOp *op, gboolean was_ours)
{
  switch (op->kind)
    {
    case SB_OP_TMPFS:
    case SB_OP_TMP_OVERLAY:
      /* A new tmpfs; an overlay whose writes go to a tmpfs of ours. */
      return TRUE;
    case SB_OP_REMOUNT_RO:
    case SB_OP_DIR:
    case SB_OP_FILE:
    case SB_OP_SYMLINK:
    case SB_OP_CHMOD:
    case SB_OP_BIND_DATA:
      /* Nothing new on "/". */
      return was_ours;
    case SB_OP_BIND:
    case SB_OP_BIND_FD:
    case SB_OP_PROC:
    case SB_OP_DEV:
    case SB_OP_MQUEUE:
    case SB_OP_OVERLAY:
    case SB_OP_RO_OVERLAY:
    default:
      return FALSE;
    }
}

static gboolean
run_op (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  switch (op->kind)
    {
    case SB_OP_BIND:
      return sb_rootfs_op_bind (rootfs, op, error);
    case SB_OP_BIND_FD:
      return sb_rootfs_op_bind_fd (rootfs, op, error);
    case SB_OP_REMOUNT_RO:
      return sb_rootfs_op_remount_ro (rootfs, op, error);
    case SB_OP_TMPFS:
      return sb_rootfs_op_tmpfs (rootfs, op, error);
    case SB_OP_PROC:
      return sb_devfs_op_proc (rootfs, op, error);
    case SB_OP_DEV:
      return sb_devfs_op_dev (rootfs, op, error);
    case SB_OP_MQUEUE:
      return sb_rootfs_op_mqueue (rootfs, op, error);
    case SB_OP_DIR:
      return sb_rootfs_op_dir (rootfs, op, error);
    case SB_OP_FILE:
      return sb_rootfs_op_file (rootfs, op, error);
    case SB_OP_BIND_DATA:
      return sb_rootfs_op_bind_data (rootfs, op, error);
    case SB_OP_SYMLINK:
      return sb_rootfs_op_symlink (rootfs, op, error);
    case SB_OP_CHMOD:
      return sb_rootfs_op_chmod (rootfs, op, error);
    case SB_OP_OVERLAY:
    case SB_OP_TMP_OVERLAY:
    case SB_OP_RO_OVERLAY:
      return sb_overlay_op (rootfs, op, error);
    default:
      return sb_throw (error, SB_ERROR_SETUP, "unknown mount operation %d on %s", (int) op->kind, op->dest);
    }
}

static gboolean
run_ops (SbRootfs *rootfs, GError **error)
{
  const SbPlan *plan = rootfs->plan;

  for (guint i = 0; i < plan->ops->len; i++)
    {
      const SbMountOp *op = sb_plan_op (plan, i);
      gboolean on_root = strcmp (op->dest, "/") == 0;
      gboolean ok;

      /* Last chance for the merged-/usr links on a root made read-only. */
      if (op->kind == SB_OP_REMOUNT_RO && on_root && plan->usr_merge_symlinks && !add_usr_merge_links (rootfs, error))
        return FALSE;
      if (i == 0 && rootfs->base_fd < 0)
        ok = sb_rootfs_op_bind_host_root (rootfs, op, error);
      else
        ok = run_op (rootfs, op, error);
      if (!ok)
        {
          /* bwrap's messages stand alone; ours say which option failed. */
          if (plan->personality == SB_PERSONALITY_SANDBOX && op->option != NULL)
            g_prefix_error (error, "%s: ", op->option);
          return FALSE;
        }
      /* Nothing is ever mounted over the host's own root (no base). */
      if (on_root && rootfs->base_fd >= 0)
        {
          if (!refresh_root (rootfs, error))
            return FALSE;
          rootfs->root_is_ours = root_stays_ours (op, rootfs->root_is_ours);
        }
    }
  return TRUE;
}

/* Step 1 of the comment at the top, and the choice of backend. */
static gboolean
prepare (SbRootfs *rootfs, GError **error)
{
  if (mount (NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) != 0)
    return sb_throw_errno (error, "Failed to make / slave");

  rootfs->api = sb_mountapi_new (error);
  return rootfs->api != NULL;
}

/* Whether a later op may not run on the host's own root (the comment at the
 * top says why). */
static gboolean
needs_host_tree (const SbPlan *plan, const SbMountOp *op)
{
  gboolean on_root = strcmp (op->dest, "/") == 0;

  switch (op->kind)
    {
    case SB_OP_DIR:
    case SB_OP_FILE:
    case SB_OP_SYMLINK:
    case SB_OP_CHMOD:
    case SB_OP_REMOUNT_RO:
      return FALSE;
    case SB_OP_TMPFS:
    case SB_OP_MQUEUE:
      return on_root;
    case SB_OP_PROC:
      /* A new procfs; without a new pid namespace, the host's is bound. */
      return on_root || ((plan->unshare & SB_NS_PID) == 0 && plan->pidns_fd < 0);
    case SB_OP_BIND:
    case SB_OP_BIND_FD:
    case SB_OP_BIND_DATA:
    case SB_OP_DEV:
    case SB_OP_OVERLAY:
    case SB_OP_TMP_OVERLAY:
    case SB_OP_RO_OVERLAY:
    default:
      return TRUE;
    }
}

static gboolean
may_reuse_host_root (const SbRootfs *rootfs)
{
  const SbPlan *plan = rootfs->plan;
  const SbMountOp *first;
  struct statx root, above;

  /* child.c writes to the host's /proc through an fd opened before the
   * build for these (a sysctl, the exec label, the maps of the nested user
   * namespace that --sysctl may need, the time namespace's offsets): on R, a read-only bind would apply
   * to it too, as it does not to the general path's clone. */
  if (plan->ops->len == 0 || sb_mountapi_is_legacy (rootfs->api) || plan->disable_userns
      || plan->exec_label != NULL || plan->sysctls->len > 0 || (plan->unshare & SB_NS_TIME) != 0)
    return FALSE;
  first = sb_plan_op (plan, 0);
  if (first->kind != SB_OP_BIND || g_strcmp0 (first->source, "/") != 0 || strcmp (first->dest, "/") != 0)
    return FALSE;
  for (guint i = 1; i < plan->ops->len; i++)
    if (needs_host_tree (plan, sb_plan_op (plan, i)))
      return FALSE;
  /* "/.." steps onto whatever is mounted over the root, "/" does not. */
  if (statx (AT_FDCWD, "/", AT_STATX_DONT_SYNC, STATX_MNT_ID, &root) != 0
      || statx (AT_FDCWD, "/..", AT_STATX_DONT_SYNC, STATX_MNT_ID, &above) != 0)
    return FALSE;
  return (root.stx_mask & STATX_MNT_ID) != 0 && (root.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0
         && (root.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0 && above.stx_mnt_id == root.stx_mnt_id;
}

/* The shortcut of the comment at the top: R is the new root, there is no
 * base, and the working directory stays where host paths resolve as the
 * caller's. */
static gboolean
enter_host_root (SbRootfs *rootfs, GError **error)
{
  rootfs->root_fd = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfs->root_fd < 0)
    return sb_throw_errno (error, "Can't open the new root");
  return TRUE;
}

/* Steps 2 to 4 of the comment at the top. */
static gboolean
enter_base (SbRootfs *rootfs, GError **error)
{
  g_auto (SbMountTree) tree = SB_MOUNT_TREE_INIT;
  g_autofd int cwd_fd = open (".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  g_autofd int newroot_fd = -1;

  rootfs->base_fd = sb_mountapi_mount_over_root (SB_MOUNT_NOSUID | SB_MOUNT_NODEV);
  if (rootfs->base_fd < 0)
    return sb_rootfs_throw_mount (error, "Failed to mount tmpfs");
  if (mkdirat (rootfs->base_fd, OLDROOT, 0755) != 0)
    return sb_throw_errno (error, "Creating oldroot failed");
  if (mkdirat (rootfs->base_fd, SB_ROOTFS_NEWROOT, 0755) != 0)
    return sb_throw_errno (error, "Creating newroot failed");
  if (fchdir (rootfs->base_fd) != 0 || sys_pivot_root (".", OLDROOT) != 0)
    return sb_throw_errno (error, "pivot_root into the setup tmpfs");
  if (chroot (OLDROOT) != 0)
    return sb_throw_errno (error, "chroot into the old root");
  /* A working directory that can't be opened leaves relative sources
   * unresolvable, as they would be for the caller. */
  if ((cwd_fd >= 0 ? fchdir (cwd_fd) : chdir ("/")) != 0)
    return sb_throw_errno (error, "Can't go back to the working directory");
  sb_mountapi_set_scratch (rootfs->api, rootfs->base_fd);

  /* The new root is base's newroot directory bound onto itself, as bwrap
   * makes it: the sandbox's "/" is then a mount point showing only that
   * subtree of base, and mountinfo reads as bwrap's. */
  newroot_fd = openat (rootfs->base_fd, SB_ROOTFS_NEWROOT, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (newroot_fd < 0 || sb_mountapi_clone (rootfs->api, newroot_fd, "", FALSE, &tree) != 0
      || sb_mountapi_attach (rootfs->api, &tree, 0, newroot_fd) != 0)
    return sb_rootfs_throw_mount (error, "setting up newroot bind");
  rootfs->root_is_ours = TRUE;
  return refresh_root (rootfs, error);
}

/* Step 5. */
static gboolean
leave_base (SbRootfs *rootfs, GError **error)
{
  if (fchdir (rootfs->base_fd) != 0 || chroot (".") != 0)
    return sb_throw_errno (error, "chroot back into the setup tmpfs");
  if (fchdir (rootfs->root_fd) != 0 || sys_pivot_root (".", ".") != 0)
    return sb_throw_errno (error, "pivot_root into the new root");
  if (umount2 (".", MNT_DETACH) != 0)
    return sb_throw_errno (error, "umount old root");
  if (chdir ("/") != 0)
    return sb_throw_errno (error, "Can't chdir to /");
  return TRUE;
}

static gboolean
build (const SbPlan *plan, int proc_fd, GError **error)
{
  g_auto (SbRootfs) rootfs = { .plan = plan, .proc_fd = proc_fd, .base_fd = -1, .root_fd = -1 };
  gboolean reuse;

  if (!prepare (&rootfs, error))
    return FALSE;
  reuse = may_reuse_host_root (&rootfs);
  if (!(reuse ? enter_host_root (&rootfs, error) : enter_base (&rootfs, error)) || !run_ops (&rootfs, error))
    return FALSE;
  if (plan->usr_merge_symlinks && !add_usr_merge_links (&rootfs, error))
    return FALSE;
  if (reuse && chdir ("/") != 0)
    return sb_throw_errno (error, "Can't chdir to /");
  return reuse || leave_base (&rootfs, error);
}

gboolean
sb_rootfs_build (const SbPlan *plan, int proc_fd, GError **error)
{
  /* Modes are the plan's, as in bwrap: the caller's umask does not filter
   * --perms.  The command gets the umask back. */
  mode_t old_umask = umask (0);
  gboolean ok = build (plan, proc_fd, error);

  umask (old_umask);
  return ok;
}
