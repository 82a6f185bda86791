/* The mount ops of the plan, one function per kind, with bwrap's semantics
 * and wording (the overlays, --proc and --dev have files of their own). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "rootfs/pathsafe.h"
#include "rootfs/internal.h"

int
sb_rootfs_open (SbRootfs *rootfs, const char *dest, int flags)
{
  /* Looked up by name from base, the new root is the topmost mount on it,
   * even right after an op mounted something there.  Without base, the new
   * root is the process's own, on which no op mounts anything (rootfs.c). */
  if (strcmp (dest, "/") == 0 && rootfs->base_fd < 0)
    return open ("/", flags | O_CLOEXEC);
  if (strcmp (dest, "/") == 0)
    return openat (rootfs->base_fd, SB_ROOTFS_NEWROOT, flags | O_CLOEXEC);
  return sb_pathsafe_open (rootfs->root_fd, dest, flags, 0);
}

/* Programs that drop to another uid (apt among them) need a /tmp that
 * everyone may write to, as every distribution's is. */
static gboolean
is_shared_tmp (const char *dest)
{
  return strcmp (dest, "/tmp") == 0 || strcmp (dest, "/var/tmp") == 0;
}

guint32
sb_rootfs_op_mode (const SbPlan *plan, const SbMountOp *op)
{
  guint32 fallback;

  switch (op->kind)
    {
    case SB_OP_TMPFS:
      /* bwrap's 0755 for its personality. */
      fallback = plan->personality == SB_PERSONALITY_SANDBOX && is_shared_tmp (op->dest) ? 01777 : 0755;
      break;
    case SB_OP_DIR:
      fallback = 0755;
      break;
    case SB_OP_FILE:
      fallback = 0666;
      break;
    case SB_OP_BIND_DATA:
      fallback = 0600;
      break;
    case SB_OP_BIND:
    case SB_OP_BIND_FD:
    case SB_OP_REMOUNT_RO:
    case SB_OP_PROC:
    case SB_OP_DEV:
    case SB_OP_MQUEUE:
    case SB_OP_SYMLINK:
    case SB_OP_CHMOD:
    case SB_OP_OVERLAY:
    case SB_OP_TMP_OVERLAY:
    case SB_OP_RO_OVERLAY:
    default:
      /* bwrap's ops are zero-initialised: 0 makes missing parents 0700. */
      return 0;
    }
  return op->mode != SB_MODE_UNSET ? op->mode : fallback;
}

G_GNUC_PRINTF (3, 0) static gboolean
throw_hint_valist (GError **error, const char *hint, const char *format, va_list args)
{
  int errsv = errno;
  g_autofree char *what = g_strdup_vprintf (format, args);

  sb_throw_errno_value (error, errsv, "%s", what);
  if (hint != NULL && error != NULL)
    sb_error_add_hint (*error, "%s", hint);
  errno = errsv;
  return FALSE;
}

gboolean
sb_rootfs_throw_hint (GError **error, const char *hint, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  throw_hint_valist (error, hint, format, args);
  va_end (args);
  return FALSE;
}

gboolean
sb_rootfs_throw_mount (GError **error, const char *format, ...)
{
  const char *hint = errno == ENOSPC ? "the namespace has as many mounts as /proc/sys/fs/mount-max allows" : NULL;
  va_list args;

  va_start (args, format);
  throw_hint_valist (error, hint, format, args);
  va_end (args);
  return FALSE;
}

int
sb_rootfs_open_parent (SbRootfs *rootfs, const SbMountOp *op, char **name, GError **error)
{
  g_autofree char *parent = NULL;
  int fd;

  if (strcmp (op->dest, "/") == 0)
    {
      /* Creating "." fails with EEXIST or EISDIR, as creating "/" does. */
      *name = g_strdup (".");
      fd = fcntl (rootfs->root_fd, F_DUPFD_CLOEXEC, 3);
    }
  else
    {
      parent = g_path_get_dirname (op->dest);
      *name = g_path_get_basename (op->dest);
      fd = sb_pathsafe_mkdirs (rootfs->root_fd, parent, sb_pathsafe_parent_mode (sb_rootfs_op_mode (rootfs->plan, op)));
    }
  if (fd < 0)
    {
      sb_throw_errno (error, "Can't mkdir parents for %s", op->dest);
      g_clear_pointer (name, g_free);
    }
  return fd;
}

/* After NAME was made in PARENT_FD just now: that very entry, not followed
 * (someone who swapped a symlink in gets an error, never a mount elsewhere). */
static int
open_made (int parent_fd, const char *name, int flags)
{
  return openat (parent_fd, name, flags | O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* A destination: an fd on it when it was there, else the directory it was
 * made in just now and its name there (which saves opening it). */
typedef struct {
  int fd;
  int parent_fd;
  char *name;
} Dest;

#define DEST_INIT { -1, -1, NULL }

static void
dest_clear (Dest *dest)
{
  g_clear_fd (&dest->fd, NULL);
  g_clear_fd (&dest->parent_fd, NULL);
  g_clear_pointer (&dest->name, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Dest, dest_clear)

static gboolean
throw_dest (const SbMountOp *op, gboolean dir, GError **error)
{
  if (dir)
    return sb_throw_errno (error, "Can't mkdir %s", op->dest);
  return sb_throw_errno (error, "Can't create file at %s", op->dest);
}

/* bwrap's ensure_dir (DIR, with MODE) or ensure_file on op->dest.  Most
 * destinations are new: making them first saves a lookup.  mkdirat does not
 * follow a dangling symlink, as bwrap's mkdir; a file is made through one,
 * inside the new root, as bwrap's creat(). */
static gboolean
ensure_dest (SbRootfs *rootfs, const SbMountOp *op, gboolean dir, mode_t mode, Dest *dest, GError **error)
{
  g_autofd int created_fd = -1;
  struct stat st;

  dest->parent_fd = sb_rootfs_open_parent (rootfs, op, &dest->name, error);
  if (dest->parent_fd < 0)
    return FALSE;
  if ((dir ? mkdirat (dest->parent_fd, dest->name, mode) : mknodat (dest->parent_fd, dest->name, S_IFREG | 0444, 0))
      == 0)
    return TRUE;
  if (errno == EEXIST || errno == EISDIR)
    {
      dest->fd = sb_rootfs_open (rootfs, op->dest, O_PATH | (dir ? O_DIRECTORY : 0));
      if (!dir && dest->fd >= 0 && fstat (dest->fd, &st) == 0 && S_ISDIR (st.st_mode))
        {
          g_clear_fd (&dest->fd, NULL);
          errno = EISDIR;
        }
      else if (!dir && dest->fd < 0 && errno == ENOENT)
        {
          created_fd = sb_pathsafe_open (rootfs->root_fd, op->dest, O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK, 0444);
          if (created_fd >= 0)
            dest->fd = sb_rootfs_open (rootfs, op->dest, O_PATH);
        }
      if (dest->fd >= 0)
        return TRUE;
    }
  return throw_dest (op, dir, error);
}

static int
ensure_fd (SbRootfs *rootfs, const SbMountOp *op, gboolean dir, mode_t mode, GError **error)
{
  g_auto (Dest) dest = DEST_INIT;
  int fd;

  if (!ensure_dest (rootfs, op, dir, mode, &dest, error))
    return -1;
  fd = dest.fd >= 0 ? g_steal_fd (&dest.fd) : open_made (dest.parent_fd, dest.name, dir ? O_DIRECTORY : 0);
  if (fd < 0)
    throw_dest (op, dir, error);
  return fd;
}

int
sb_rootfs_ensure_dir (SbRootfs *rootfs, const SbMountOp *op, mode_t mode, GError **error)
{
  return ensure_fd (rootfs, op, TRUE, mode, error);
}

int
sb_rootfs_ensure_file (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  return ensure_fd (rootfs, op, FALSE, 0, error);
}

gboolean
sb_rootfs_attach (SbRootfs *rootfs, const SbMountOp *op, SbMountTree *tree, SbMountFlags flags,
                  const char *source, GError **error)
{
  g_auto (Dest) dest = DEST_INIT;
  struct stat st;
  int result;

  if (fstat (tree->fd, &st) != 0)
    return sb_throw_errno (error, "Can't get type of source %s", source);
  if (!ensure_dest (rootfs, op, S_ISDIR (st.st_mode), 0755, &dest, error))
    return FALSE;
  /* One made just now is reached by name, not followed, as open_made. */
  if (dest.fd >= 0)
    result = sb_mountapi_attach (rootfs->api, tree, flags, dest.fd);
  else
    result = sb_mountapi_attach_at (rootfs->api, tree, flags, dest.parent_fd, dest.name);
  if (result != 0)
    return sb_rootfs_throw_mount (error, "Can't bind mount %s on %s", source, op->dest);
  return TRUE;
}

gboolean
sb_rootfs_mount_fs (SbRootfs *rootfs, const SbMountOp *op, const char *fstype, const char *const *options,
                    SbMountFlags flags, int dest_fd, GError **error)
{
  if (sb_mountapi_mount_fs (rootfs->api, fstype, options, flags, dest_fd) != 0)
    return sb_rootfs_throw_mount (error, "Can't mount %s on %s", fstype, op->dest);
  return TRUE;
}

static SbMountFlags
bind_flags (const SbMountOp *op)
{
  return SB_MOUNT_NOSUID | ((op->flags & SB_OP_FLAG_DEV) ? 0 : SB_MOUNT_NODEV)
         | ((op->flags & SB_OP_FLAG_RO) ? SB_MOUNT_RDONLY : 0);
}

/* Errors of the lookup rather than of the mount, for bwrap's wording. */
static gboolean
is_lookup_errno (int errsv)
{
  return errsv == ENOENT || errsv == ENOTDIR || errsv == EACCES || errsv == ELOOP || errsv == ENAMETOOLONG;
}

gboolean
sb_rootfs_op_bind (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_auto (SbMountTree) tree = SB_MOUNT_TREE_INIT;
  const char *source = op->source;

  if (*source == '\0')
    {
      /* bwrap binds the host's root for an empty source of a -try op
       * (bubblewrap #715); without -try it is just missing. */
      if (!(op->flags & SB_OP_FLAG_TRY))
        return sb_throw_errno_value (error, ENOENT, "Can't find source path %s", op->source);
      source = "/";
    }
  if (sb_mountapi_clone (rootfs->api, AT_FDCWD, source, TRUE, &tree) != 0)
    {
      if (errno == ENOENT && (op->flags & SB_OP_FLAG_TRY))
        return TRUE;
      if (is_lookup_errno (errno))
        return sb_throw_errno (error, "Can't find source path %s", op->source);
      return sb_rootfs_throw_mount (error, "Can't bind mount %s on %s", source, op->dest);
    }
  return sb_rootfs_attach (rootfs, op, &tree, bind_flags (op), source, error);
}

gboolean
sb_rootfs_op_bind_host_root (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  if (sb_mountapi_add_flags_recursive (rootfs->api, rootfs->root_fd, bind_flags (op)) != 0)
    return sb_rootfs_throw_mount (error, "Can't bind mount %s on %s", op->source, op->dest);
  return TRUE;
}

gboolean
sb_rootfs_op_bind_fd (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_auto (SbMountTree) tree = SB_MOUNT_TREE_INIT;
  g_autofree char *source = NULL;
  char fd_link[32];
  char path[PATH_MAX];
  struct stat fd_st, tree_st;
  ssize_t len;

  /* bwrap's words for an fd that is not open: it resolves its path. */
  g_snprintf (fd_link, sizeof fd_link, "/proc/self/fd/%d", op->fd);
  if (fstat (op->fd, &fd_st) != 0)
    return sb_throw_errno_value (error, ENOENT, "Can't find source path %s", fd_link);
  len = readlinkat (rootfs->proc_fd, fd_link + strlen ("/proc/"), path, sizeof path - 1);
  if (len < 0)
    return sb_throw_errno (error, "Can't find source path %s", fd_link);
  path[len] = '\0';
  source = g_strdup_printf ("fd %d (%s)", op->fd, path);

  /* The kernel clones the mounts of our own namespace only (and namespace
   * files, which have no path).  The caller opened the fd in its namespace,
   * so, as bwrap does: clone our copy of the path the fd names, then insist
   * that it is the very file the fd is, or a swap raced us. */
  if (path[0] != '/')
    {
      if (sb_mountapi_clone (rootfs->api, op->fd, "", TRUE, &tree) != 0)
        return sb_rootfs_throw_mount (error, "Can't bind mount %s on %s", source, op->dest);
    }
  else
    {
      if (sb_mountapi_clone (rootfs->api, AT_FDCWD, path, TRUE, &tree) != 0)
        return sb_rootfs_throw_mount (error, "Can't bind mount %s on %s", source, op->dest);
      if (fstat (tree.fd, &tree_st) != 0)
        return sb_throw_errno (error, "Can't stat mount at %s", path);
      if (tree_st.st_dev != fd_st.st_dev || tree_st.st_ino != fd_st.st_ino)
        return sb_throw (error, SB_ERROR_SETUP, "Race condition binding dirfd");
    }
  return sb_rootfs_attach (rootfs, op, &tree, bind_flags (op), source, error);
}

static int
copy_fd (int in_fd, int out_fd)
{
  char buf[65536];

  for (;;)
    {
      ssize_t n = read (in_fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return (int) n;
      for (ssize_t done = 0; done < n;)
        {
          ssize_t w = write (out_fd, buf + done, (size_t) (n - done));

          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return -1;
          done += w;
        }
    }
}

/* mkstemp's names in base's root, where bwrap makes its own (the name shows
 * in mountinfo as the root of the bind). */
static int
create_bind_file (int base_fd, char **name)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

  for (int attempt = 0; attempt < 100; attempt++)
    {
      char suffix[7];
      int fd;

      for (guint i = 0; i < sizeof suffix - 1; i++)
        suffix[i] = chars[g_random_int_range (0, (gint32) (sizeof chars - 1))];
      suffix[sizeof suffix - 1] = '\0';
      *name = g_strconcat ("bindfile", suffix, NULL);
      fd = openat (base_fd, *name, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd >= 0 || errno != EEXIST)
        return fd;
      g_clear_pointer (name, g_free);
    }
  errno = EEXIST;
  return -1;
}

gboolean
sb_rootfs_op_bind_data (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_auto (SbMountTree) tree = SB_MOUNT_TREE_INIT;
  g_autofree char *name = NULL;
  guint32 mode = sb_rootfs_op_mode (rootfs->plan, op);
  g_autofd int fd = -1;
  gboolean ok;

  /* In base, so the sandbox can never reach the file but through DEST. */
  fd = create_bind_file (rootfs->base_fd, &name);
  if (fd < 0)
    return sb_throw_errno (error, "Can't create tmpfile for %s", op->dest);
  if (fchmod (fd, mode) != 0)
    ok = sb_throw_errno (error, "Can't set mode %#o on file to be used for %s", mode, op->dest);
  else if (copy_fd (op->fd, fd) != 0)
    ok = sb_throw_errno (error, "Can't write data to file %s", op->dest);
  else if (sb_mountapi_clone (rootfs->api, rootfs->base_fd, name, FALSE, &tree) != 0)
    ok = sb_rootfs_throw_mount (error, "Can't bind mount data on %s", op->dest);
  else
    ok = sb_rootfs_attach (rootfs, op, &tree, bind_flags (op), "data", error);
  (void) unlinkat (rootfs->base_fd, name, 0);
  return ok;
}

gboolean
sb_rootfs_op_remount_ro (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_autofd int fd = sb_rootfs_open (rootfs, op->dest, O_PATH);

  if (fd < 0)
    return sb_throw_errno (error, "Can't remount readonly on %s", op->dest);
  if (sb_mountapi_remount_ro (rootfs->api, fd) != 0)
    {
      if (errno == EINVAL)
        return sb_throw (error, SB_ERROR_SETUP, "Can't remount readonly on %s: not a mount point", op->dest);
      return sb_throw_errno (error, "Can't remount readonly on %s", op->dest);
    }
  return TRUE;
}

char **
sb_rootfs_tmpfs_options (guint32 mode, guint64 size, const char *label)
{
  GPtrArray *options = g_ptr_array_new ();

  g_ptr_array_add (options, g_strdup ("mode"));
  g_ptr_array_add (options, g_strdup_printf ("%o", mode));
  if (size != 0)
    {
      g_ptr_array_add (options, g_strdup ("size"));
      g_ptr_array_add (options, g_strdup_printf ("%" G_GUINT64_FORMAT, size));
    }
  if (label != NULL)
    {
      g_ptr_array_add (options, g_strdup ("context"));
      g_ptr_array_add (options, g_strdup (label));
    }
  g_ptr_array_add (options, NULL);
  return (char **) g_ptr_array_free (options, FALSE);
}

gboolean
sb_rootfs_op_tmpfs (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_auto (GStrv) options = sb_rootfs_tmpfs_options (sb_rootfs_op_mode (rootfs->plan, op), op->size, rootfs->plan->file_label);
  g_autofd int fd = sb_rootfs_ensure_dir (rootfs, op, 0755, error);

  if (fd < 0)
    return FALSE;
  return sb_rootfs_mount_fs (rootfs, op, "tmpfs", (const char *const *) options, SB_MOUNT_NOSUID | SB_MOUNT_NODEV,
                             fd, error);
}

gboolean
sb_rootfs_op_mqueue (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_autofd int fd = sb_rootfs_ensure_dir (rootfs, op, 0755, error);

  if (fd < 0)
    return FALSE;
  return sb_rootfs_mount_fs (rootfs, op, "mqueue", NULL, 0, fd, error);
}

gboolean
sb_rootfs_op_dir (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_autofd int fd = sb_rootfs_ensure_dir (rootfs, op, sb_rootfs_op_mode (rootfs->plan, op), error);

  return fd >= 0;
}

gboolean
sb_rootfs_op_file (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_autofree char *name = NULL;
  g_autofd int parent_fd = sb_rootfs_open_parent (rootfs, op, &name, error);
  g_autofd int fd = -1;

  if (parent_fd < 0)
    return FALSE;
  /* creat() as bwrap: an existing file is truncated, a symlink followed
   * (inside the new root). */
  fd = sb_pathsafe_open (rootfs->root_fd, op->dest, O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY, sb_rootfs_op_mode (rootfs->plan, op));
  if (fd < 0)
    return sb_throw_errno (error, "Can't create file %s", op->dest);
  if (copy_fd (op->fd, fd) != 0)
    return sb_throw_errno (error, "Can't write data to file %s", op->dest);
  return TRUE;
}

gboolean
sb_rootfs_op_symlink (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_autofree char *name = NULL;
  g_autofd int parent_fd = sb_rootfs_open_parent (rootfs, op, &name, error);
  char existing[PATH_MAX];
  ssize_t len;

  if (parent_fd < 0)
    return FALSE;
  if (symlinkat (op->source, parent_fd, name) == 0)
    return TRUE;
  if (errno != EEXIST)
    return sb_throw_errno (error, "Can't make symlink at %s", op->dest);

  /* Since bwrap 0.9, an identical symlink is not an error. */
  len = readlinkat (parent_fd, name, existing, sizeof existing - 1);
  if (len < 0 && errno == EINVAL)
    return sb_throw (error, SB_ERROR_SETUP, "Can't make symlink at %s: destination exists and is not a symlink",
                     op->dest);
  if (len < 0)
    return sb_throw_errno (error, "Can't make symlink at %s: destination exists, and cannot read symlink target",
                           op->dest);
  existing[len] = '\0';
  if (strcmp (existing, op->source) != 0)
    return sb_throw (error, SB_ERROR_SETUP, "Can't make symlink at %s: existing destination is %s", op->dest,
                     existing);
  return TRUE;
}

gboolean
sb_rootfs_op_chmod (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_autofd int fd = sb_rootfs_open (rootfs, op->dest, O_PATH);
  char path[32];

  if (fd < 0)
    return sb_throw_errno (error, "Can't chmod %#o %s", op->mode, op->dest);
  /* chmod needs a path; this one is exactly the file resolved above, on
   * a procfs that an op on /proc cannot have covered. */
  g_snprintf (path, sizeof path, "self/fd/%d", fd);
  if (fchmodat (rootfs->proc_fd, path, op->mode, 0) != 0)
    return sb_throw_errno (error, "Can't chmod %#o %s", op->mode, op->dest);
  return TRUE;
}
