/* --proc and --dev: the kernel's filesystems, made as bwrap makes them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "rootfs/internal.h"

/* Old corners of /proc that act on the whole machine (sysrq-trigger can
 * reboot it): bound read-only over themselves when writable. */
static const char *const proc_covered[] = { "sys", "sysrq-trigger", "irq", "bus" };

/* Device nodes every program expects, bound from the host's /dev. */
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

static gboolean
bind_inside (SbRootfs *rootfs, const SbMountOp *op, int dir_fd, const char *name, int source_dir_fd,
             const char *source, SbMountFlags flags, GError **error)
{
  g_auto (SbMountTree) tree = SB_MOUNT_TREE_INIT;

  /* DIR_FD is a directory we made or mounted just now: no one else's
   * symlink can be in the way. */
  if (sb_mountapi_clone (rootfs->api, source_dir_fd, source, TRUE, &tree) != 0
      || sb_mountapi_attach_at (rootfs->api, &tree, flags, dir_fd, name) != 0)
    return sb_rootfs_throw_mount (error, "Can't bind mount %s on %s/%s", source, op->dest, name);
  return TRUE;
}

/* Whether our effective uid is the host's root.  Global sysctls check the
 * uid alone: that uid writes them (drop_caches...) without any capability,
 * even inside a user namespace that maps 0 to 0. */
static gboolean
euid_is_host_root (void)
{
  g_autofree char *map = NULL;
  g_auto (GStrv) lines = NULL;
  uid_t euid = geteuid ();

  if (!g_file_get_contents ("/proc/self/uid_map", &map, NULL, NULL))
    return euid == 0;
  lines = g_strsplit (map, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      unsigned int inside, outside, count;

      if (sscanf (lines[i], "%u %u %u", &inside, &outside, &count) == 3 && euid >= inside
          && euid - inside < count)
        return outside + (euid - inside) == 0;
    }
  return FALSE;
}

static gboolean
cover_proc (SbRootfs *rootfs, const SbMountOp *op, gboolean new_proc, GError **error)
{
  g_autofd int proc_fd = sb_rootfs_open (rootfs, op->dest, O_PATH | O_DIRECTORY);
  /* access() always says EACCES for /proc/sys itself, whatever its files
   * allow: when root is to be confined (the sandbox personality), cover it
   * whenever its files are writable to us.  bwrap's root keeps them. */
  gboolean sysctls_writable = rootfs->plan->drop_root_caps && euid_is_host_root ();

  if (proc_fd < 0)
    return sb_throw_errno (error, "Can't mount proc on %s", op->dest);
  for (guint i = 0; i < G_N_ELEMENTS (proc_covered); i++)
    {
      const char *name = proc_covered[i];
      g_autofree char *host = g_strconcat ("/proc/", name, NULL);

      /* As bwrap: access() with the real ids decides. */
      if (!(sysctls_writable && strcmp (name, "sys") == 0) && faccessat (proc_fd, name, W_OK, 0) != 0)
        {
          if (errno == EACCES || errno == ENOENT || errno == EROFS)
            continue;
          return sb_throw_errno (error, "Can't access %s/%s", op->dest, name);
        }
      /* A host /proc bind is the host's tree: clone from the host path so
       * that the legacy backend finds its submounts in the host table. */
      if (!bind_inside (rootfs, op, proc_fd, name, new_proc ? proc_fd : AT_FDCWD, new_proc ? name : host,
                        SB_MOUNT_RDONLY | SB_MOUNT_NOSUID | SB_MOUNT_NODEV, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
sb_devfs_op_proc (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  const SbPlan *plan = rootfs->plan;
  gboolean new_proc = (plan->unshare & SB_NS_PID) != 0 || plan->pidns_fd >= 0;
  g_autofd int fd = sb_rootfs_ensure_dir (rootfs, op, 0755, error);

  if (fd < 0)
    return FALSE;
  if (new_proc)
    {
      if (sb_mountapi_mount_fs (rootfs->api, "proc", NULL, SB_MOUNT_NOSUID | SB_MOUNT_NOEXEC | SB_MOUNT_NODEV, fd)
          != 0)
        {
          /* The kernel's mount_too_revealing() rule; sharing the pid
           * namespace makes --proc bind the caller's /proc, covers and all. */
          if (errno == EPERM)
            return sb_rootfs_throw_hint (error,
                                         plan->personality == SB_PERSONALITY_BWRAP
                                           ? "the kernel refuses a new procfs while entries of the caller's /proc "
                                             "are mounted over, as inside many containers; without --unshare-pid, "
                                             "--proc binds the caller's /proc instead"
                                           : "the kernel refuses a new procfs while entries of the caller's /proc "
                                             "are mounted over, as inside many containers; with --share-pid, "
                                             "--proc binds the caller's /proc instead",
                                         "Can't mount proc on %s", op->dest);
          return sb_rootfs_throw_mount (error, "Can't mount proc on %s", op->dest);
        }
    }
  else
    {
      /* The pid namespace is the host's: its /proc is the right one. */
      g_auto (SbMountTree) tree = SB_MOUNT_TREE_INIT;

      if (sb_mountapi_clone (rootfs->api, AT_FDCWD, "/proc", TRUE, &tree) != 0
          || sb_mountapi_attach (rootfs->api, &tree, SB_MOUNT_NOSUID | SB_MOUNT_NODEV, fd) != 0)
        return sb_rootfs_throw_mount (error, "Can't bind mount /proc on %s", op->dest);
    }
  return cover_proc (rootfs, op, new_proc, error);
}

static gboolean
make_symlink (const SbMountOp *op, int dir_fd, const char *target, const char *name, GError **error)
{
  if (symlinkat (target, dir_fd, name) != 0)
    return sb_throw_errno (error, "Can't create symlink %s/%s", op->dest, name);
  return TRUE;
}

static gboolean
make_mount_point (const SbMountOp *op, int dir_fd, const char *name, GError **error)
{
  /* An empty file, as open (O_CREAT | O_EXCL) makes it, without an fd. */
  if (mknodat (dir_fd, name, S_IFREG | 0444, 0) != 0)
    return sb_throw_errno (error, "Can't create file %s/%s", op->dest, name);
  return TRUE;
}

static gboolean
populate_dev (SbRootfs *rootfs, const SbMountOp *op, int dev_fd, GError **error)
{
  static const char *const devpts_options[] = { "newinstance", NULL, "ptmxmode", "0666", "mode", "620", NULL };
  static const char *const stdio[] = { "stdin", "stdout", "stderr" };
  /* The new API sets nosuid on all of /dev in one call at the end. */
  gboolean legacy = sb_mountapi_is_legacy (rootfs->api);
  SbMountFlags node_flags = legacy ? SB_MOUNT_NOSUID : 0;
  g_autofd int pts_fd = -1;
  const char *tty;

  for (guint i = 0; i < G_N_ELEMENTS (dev_nodes); i++)
    {
      g_autofree char *host = g_strconcat ("/dev/", dev_nodes[i], NULL);

      if (!make_mount_point (op, dev_fd, dev_nodes[i], error)
          || !bind_inside (rootfs, op, dev_fd, dev_nodes[i], AT_FDCWD, host, node_flags, error))
        return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (stdio); i++)
    {
      g_autofree char *target = g_strdup_printf ("/proc/self/fd/%u", i);

      if (!make_symlink (op, dev_fd, target, stdio[i], error))
        return FALSE;
    }
  /* Legacy, but nspawn and docker make them too. */
  if (!make_symlink (op, dev_fd, "/proc/self/fd", "fd", error)
      || !make_symlink (op, dev_fd, "/proc/kcore", "core", error))
    return FALSE;

  if (mkdirat (dev_fd, "shm", 0755) != 0)
    return sb_throw_errno (error, "Can't create %s/shm", op->dest);
  if (mkdirat (dev_fd, "pts", 0755) != 0)
    /* bwrap's text names the filesystem where it means the directory. */
    return sb_throw_errno (error, rootfs->plan->personality == SB_PERSONALITY_BWRAP
                                    ? "Can't create %s/devpts" : "Can't create %s/pts",
                           op->dest);
  pts_fd = openat (dev_fd, "pts", O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
  if (pts_fd < 0 || sb_mountapi_mount_fs (rootfs->api, "devpts", devpts_options, SB_MOUNT_NOSUID | SB_MOUNT_NOEXEC,
                                          pts_fd) != 0)
    return sb_rootfs_throw_mount (error, "Can't mount devpts on %s/pts", op->dest);
  if (symlinkat ("pts/ptmx", dev_fd, "ptmx") != 0)
    return sb_throw_errno (error, "Can't make symlink at %s/ptmx", op->dest);

  /* Stdout on a terminal can already be written to; a console bound to it
   * grants nothing more and makes ttyname() work inside. */
  tty = isatty (STDOUT_FILENO) ? ttyname (STDOUT_FILENO) : NULL;
  if (tty != NULL && *tty != '\0')
    {
      g_autofree char *host_tty = g_strdup (tty);

      if (!make_mount_point (op, dev_fd, "console", error)
          || !bind_inside (rootfs, op, dev_fd, "console", AT_FDCWD, host_tty, node_flags, error))
        return FALSE;
    }
  /* The tmpfs and devpts have nosuid already: only the binds gain it. */
  if (!legacy && sb_mountapi_add_flags_recursive (rootfs->api, dev_fd, SB_MOUNT_NOSUID) != 0)
    return sb_rootfs_throw_mount (error, "Can't bind mount device nodes on %s", op->dest);
  return TRUE;
}

gboolean
sb_devfs_op_dev (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_auto (GStrv) options = sb_rootfs_tmpfs_options (0755, 0, rootfs->plan->file_label);
  g_autofd int fd = sb_rootfs_ensure_dir (rootfs, op, 0755, error);
  g_autofd int dev_fd = -1;

  if (fd < 0)
    return FALSE;
  if (!sb_rootfs_mount_fs (rootfs, op, "tmpfs", (const char *const *) options, SB_MOUNT_NOSUID | SB_MOUNT_NODEV, fd,
                           error))
    return FALSE;
  /* Resolved again: the tmpfs now covers the directory FD points to. */
  dev_fd = sb_rootfs_open (rootfs, op->dest, O_PATH | O_DIRECTORY);
  if (dev_fd < 0)
    return sb_throw_errno (error, "Can't mount tmpfs on %s", op->dest);
  return populate_dev (rootfs, op, dev_fd, error);
}
