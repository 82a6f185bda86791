#include "rootfs/mountapi.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/glib-compat.h"
#include "rootfs/pathsafe.h"

struct SbMountApi {
  gboolean legacy;
  GPtrArray *host_mounts; /* legacy: sorted mount points of the host */
  int scratch_fd;         /* legacy: where trees wait between clone and attach */
  guint scratch_serial;
};

/* Thin wrappers: glibc only has them since 2.36, and raw syscalls let an old
 * kernel answer ENOSYS instead of a link failure. */
static int
sys_open_tree (int dir_fd, const char *path, unsigned int flags)
{
  return (int) syscall (SYS_open_tree, dir_fd, path, flags);
}

static int
sys_move_mount (int from_fd, const char *from_path, int to_fd, const char *to_path, unsigned int flags)
{
  return (int) syscall (SYS_move_mount, from_fd, from_path, to_fd, to_path, flags);
}

static int
sys_mount_setattr (int dir_fd, const char *path, unsigned int flags, struct mount_attr *attr)
{
  return (int) syscall (SYS_mount_setattr, dir_fd, path, flags, attr, sizeof *attr);
}

static int
sys_fsopen (const char *fstype, unsigned int flags)
{
  return (int) syscall (SYS_fsopen, fstype, flags);
}

static int
sys_fsconfig (int fs_fd, unsigned int cmd, const char *key, const char *value)
{
  return (int) syscall (SYS_fsconfig, fs_fd, cmd, key, value, 0);
}

static int
sys_fsmount (int fs_fd, unsigned int flags, unsigned int attr)
{
  return (int) syscall (SYS_fsmount, fs_fd, flags, attr);
}

static unsigned int
mount_attr_from_flags (SbMountFlags flags)
{
  return ((flags & SB_MOUNT_RDONLY) ? MOUNT_ATTR_RDONLY : 0)
         | ((flags & SB_MOUNT_NOSUID) ? MOUNT_ATTR_NOSUID : 0)
         | ((flags & SB_MOUNT_NODEV) ? MOUNT_ATTR_NODEV : 0)
         | ((flags & SB_MOUNT_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
}

static unsigned long
ms_from_flags (SbMountFlags flags)
{
  return ((flags & SB_MOUNT_RDONLY) ? MS_RDONLY : 0)
         | ((flags & SB_MOUNT_NOSUID) ? MS_NOSUID : 0)
         | ((flags & SB_MOUNT_NODEV) ? MS_NODEV : 0)
         | ((flags & SB_MOUNT_NOEXEC) ? MS_NOEXEC : 0);
}

/* mount(2) takes paths: /proc/self/fd/N is the exact dentry behind fd N. */
typedef struct {
  char path[32];
} FdPath;

static FdPath
fd_path (int fd)
{
  FdPath p;

  snprintf (p.path, sizeof p.path, "/proc/self/fd/%d", fd);
  return p;
}

/* Whether the kernel itself answered: one older than the call says ENOSYS,
 * a container's seccomp profile written before it ENOSYS or EPERM. */
static gboolean
kernel_answered (int result)
{
  return result == 0 || (errno != ENOSYS && errno != EPERM);
}

/* Each call the binds use, asked for nothing: an empty change succeeds,
 * unknown flags are EINVAL.  open_tree and move_mount are Linux 5.2,
 * mount_setattr 5.12; a filter may hide any of them. */
static gboolean
new_api_available (void)
{
  struct mount_attr attr = { 0 };

  return kernel_answered (sys_mount_setattr (-1, "", AT_EMPTY_PATH, &attr))
         && kernel_answered (sys_open_tree (-1, "", ~0U))
         && kernel_answered (sys_move_mount (-1, "", -1, "", ~0U));
}

static char *
unescape_octal (const char *escaped)
{
  GString *s = g_string_new (NULL);

  for (const char *p = escaped; *p != '\0'; p++)
    {
      if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0'
          && p[3] <= '7')
        {
          g_string_append_c (s, (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0')));
          p += 3;
        }
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
sb_mountapi_parse_mount_points (const char *mountinfo)
{
  g_auto (GStrv) lines = g_strsplit (mountinfo, "\n", -1);
  GPtrArray *points = g_ptr_array_new_with_free_func (g_free);
  guint kept = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": spaces inside are \040. */
      g_auto (GStrv) fields = g_strsplit (lines[i], " ", 6);

      if (g_strv_length (fields) >= 5)
        g_ptr_array_add (points, unescape_octal (fields[4]));
    }
  g_ptr_array_sort (points, compare_strings);
  for (guint i = 0; i < points->len; i++)
    {
      if (kept > 0 && strcmp (points->pdata[kept - 1], points->pdata[i]) == 0)
        continue;
      if (kept != i)
        {
          g_free (points->pdata[kept]);
          points->pdata[kept] = points->pdata[i];
          points->pdata[i] = NULL;
        }
      kept++;
    }
  g_ptr_array_set_size (points, kept);
  return points;
}

void
sb_mountapi_mounts_below (GPtrArray *sorted, const char *path, guint *first, guint *end)
{
  g_autofree char *prefix = g_str_has_suffix (path, "/") ? g_strdup (path) : g_strconcat (path, "/", NULL);
  guint lo = 0, hi = sorted->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (strcmp (sorted->pdata[mid], prefix) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  /* Only "/" itself can equal the prefix. */
  if (lo < sorted->len && strcmp (sorted->pdata[lo], path) == 0)
    lo++;
  *first = lo;
  for (hi = lo; hi < sorted->len && g_str_has_prefix (sorted->pdata[hi], prefix); hi++)
    ;
  *end = hi;
}

char *
sb_mountapi_join_options (const char *const *options)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; options != NULL && options[i] != NULL; i += 2)
    {
      const char *value = options[i + 1];

      if (s->len > 0)
        g_string_append_c (s, ',');
      g_string_append (s, options[i]);
      /* Quoting keeps a comma inside a value (an SELinux context) whole. */
      if (value != NULL)
        g_string_append_printf (s, strchr (value, ',') != NULL ? "=\"%s\"" : "=%s", value);
    }
  return g_string_free (s, FALSE);
}

SbMountApi *
sb_mountapi_new (GError **error)
{
  g_autoptr (SbMountApi) api = g_new0 (SbMountApi, 1);
  g_autofree char *mountinfo = NULL;

  api->scratch_fd = -1;
  api->legacy = !new_api_available ();
  if (!api->legacy)
    return g_steal_pointer (&api);

  if (!g_file_get_contents ("/proc/self/mountinfo", &mountinfo, NULL, error))
    return NULL;
  api->host_mounts = sb_mountapi_parse_mount_points (mountinfo);
  return g_steal_pointer (&api);
}

void
sb_mountapi_free (SbMountApi *api)
{
  if (api == NULL)
    return;
  if (api->host_mounts != NULL)
    g_ptr_array_unref (api->host_mounts);
  g_free (api);
}

gboolean
sb_mountapi_is_legacy (const SbMountApi *api)
{
  return api->legacy;
}

void
sb_mountapi_set_scratch (SbMountApi *api, int dir_fd)
{
  api->scratch_fd = dir_fd;
}

void
sb_mount_tree_clear (SbMountTree *tree)
{
  int errsv = errno;

  g_clear_fd (&tree->fd, NULL);
  g_clear_pointer (&tree->host_path, g_free);
  errno = errsv;
}

/* fsopen, fsconfig, fsmount: a detached mount of a new filesystem. */
static int
new_fs_detached (const char *fstype, const char *const *options, SbMountFlags flags)
{
  g_autofd int fs_fd = sys_fsopen (fstype, FSOPEN_CLOEXEC);

  if (fs_fd < 0)
    return -1;
  /* mount(2) names the source; the same name in mountinfo as bwrap's. */
  if (sys_fsconfig (fs_fd, FSCONFIG_SET_STRING, "source", fstype) != 0)
    return -1;
  for (guint i = 0; options != NULL && options[i] != NULL; i += 2)
    {
      const char *value = options[i + 1];

      if (sys_fsconfig (fs_fd, value != NULL ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, options[i], value) != 0)
        return -1;
    }
  if (sys_fsconfig (fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL) != 0)
    return -1;
  return sys_fsmount (fs_fd, FSMOUNT_CLOEXEC, mount_attr_from_flags (flags));
}

static int
legacy_mount_fs (const char *fstype, const char *const *options, SbMountFlags flags, const char *target)
{
  g_autofree char *data = sb_mountapi_join_options (options);

  return mount (fstype, target, fstype, ms_from_flags (flags), data);
}

/* A new filesystem costs mount(2) half the time of fsopen, fsconfig,
 * fsmount and move_mount, in one call instead of five or more: the new API is
 * only worth it for binds, whose flags it sets on a whole tree at once. */
int
sb_mountapi_mount_over_root (SbMountFlags flags)
{
  if (legacy_mount_fs ("tmpfs", NULL, flags, "/") != 0)
    return -1;
  /* Lookups start at the root dentry under the new mount, but ".." at the
   * root steps onto whatever is mounted on it. */
  return open ("/..", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int
sb_mountapi_mount_fs (SbMountApi *api, const char *fstype, const char *const *options,
                      SbMountFlags flags, int dest_fd)
{
  g_autofd int mount_fd = -1;

  if (legacy_mount_fs (fstype, options, flags, fd_path (dest_fd).path) == 0)
    return 0;
  /* Without /proc/self/fd (an op covered /proc), the new API needs no path. */
  if (api->legacy || errno != ENOENT)
    return -1;
  mount_fd = new_fs_detached (fstype, options, flags);
  if (mount_fd < 0)
    return -1;
  return sys_move_mount (mount_fd, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int
sb_mountapi_mount_data (const char *fstype, const char *data, int dest_fd)
{
  return mount (fstype, fd_path (dest_fd).path, fstype, 0, data);
}

int
sb_mountapi_clone (SbMountApi *api, int dir_fd, const char *path, gboolean recursive, SbMountTree *tree)
{
  char link[PATH_MAX];
  ssize_t len;

  tree->recursive = recursive;
  if (!api->legacy)
    {
      tree->fd = sys_open_tree (dir_fd, path,
                                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0)
                                    | (*path == '\0' ? AT_EMPTY_PATH : 0));
      return tree->fd < 0 ? -1 : 0;
    }

  if (*path == '\0')
    tree->fd = fcntl (dir_fd, F_DUPFD_CLOEXEC, 3);
  else
    tree->fd = openat (dir_fd, path, O_PATH | O_CLOEXEC);
  if (tree->fd < 0)
    return -1;
  if (!recursive)
    return 0;
  len = readlink (fd_path (tree->fd).path, link, sizeof link - 1);
  if (len < 0)
    return -1;
  link[len] = '\0';
  tree->host_path = g_strdup (link);
  return 0;
}

/* MS_REMOUNT of a bind must repeat the flags the mount has: those locked by
 * a more privileged namespace cannot be cleared, not even by omission. */
static int
legacy_add_flags (int fd, SbMountFlags flags)
{
  struct statfs sfs;
  unsigned long kept;

  if (fstatfs (fd, &sfs) != 0)
    return -1;
  kept = (unsigned long) sfs.f_flags & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC);
  return mount (NULL, fd_path (fd).path, NULL, MS_REMOUNT | MS_BIND | kept | ms_from_flags (flags), NULL);
}

static int
legacy_add_flags_below (SbMountApi *api, const SbMountTree *tree, int top_fd, SbMountFlags flags)
{
  size_t prefix_len = strlen (tree->host_path);
  guint first, end;

  sb_mountapi_mounts_below (api->host_mounts, tree->host_path, &first, &end);
  for (guint i = first; i < end; i++)
    {
      const char *below = (const char *) api->host_mounts->pdata[i] + prefix_len;
      g_autofd int fd = -1;

      /* Inside the tree, whatever the host changed since the snapshot.
       * EACCES: under a directory the caller may not search (another
       * user's private mount, /run/user/UID/doc), which it cannot reach in
       * the sandbox either; bwrap skips these too. */
      fd = sb_pathsafe_open (top_fd, below, O_PATH | O_NOFOLLOW, 0);
      if (fd < 0 && (errno == ENOENT || errno == EACCES))
        continue;
      if (fd < 0)
        return -1;
      /* EINVAL: no longer a mount point, there is nothing to protect. */
      if (legacy_add_flags (fd, flags) != 0 && errno != EINVAL)
        return -1;
    }
  return 0;
}

static int
legacy_attach (SbMountApi *api, SbMountTree *tree, SbMountFlags flags, int dest_fd)
{
  g_autofree char *name = g_strdup_printf ("mount-%u", ++api->scratch_serial);
  g_autofd int spot_fd = -1;
  g_autofd int top_fd = -1;
  struct stat source_st, top_st;
  gboolean is_dir;
  int result = -1;

  if (fstat (tree->fd, &source_st) != 0)
    return -1;
  is_dir = S_ISDIR (source_st.st_mode);
  if (is_dir ? mkdirat (api->scratch_fd, name, 0700) != 0
             : mknodat (api->scratch_fd, name, S_IFREG | 0600, 0) != 0)
    return -1;

  spot_fd = openat (api->scratch_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (spot_fd < 0)
    goto out;
  if (mount (fd_path (tree->fd).path, fd_path (spot_fd).path, NULL, MS_BIND | (tree->recursive ? MS_REC : 0),
             NULL) != 0)
    goto out;
  /* Looking the name up again steps onto the new mount. */
  top_fd = openat (api->scratch_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (top_fd < 0 || fstat (top_fd, &top_st) != 0)
    goto out;
  if (top_st.st_dev != source_st.st_dev || top_st.st_ino != source_st.st_ino)
    {
      errno = ESTALE;
      goto out;
    }
  if (flags != 0 && legacy_add_flags (top_fd, flags) != 0)
    goto out;
  if (flags != 0 && tree->host_path != NULL && legacy_add_flags_below (api, tree, top_fd, flags) != 0)
    goto out;
  result = mount (fd_path (top_fd).path, fd_path (dest_fd).path, NULL, MS_MOVE, NULL);

out:
  {
    int errsv = errno;
    /* Fails while still mounted after an error: the scratch tmpfs goes away
     * with the old root anyway. */
    (void) unlinkat (api->scratch_fd, name, is_dir ? AT_REMOVEDIR : 0);
    errno = errsv;
  }
  return result;
}

/* One call for the whole tree, before anyone can see it. */
static int
set_tree_flags (SbMountTree *tree, SbMountFlags flags)
{
  struct mount_attr attr = { .attr_set = mount_attr_from_flags (flags) };

  if (attr.attr_set == 0)
    return 0;
  return sys_mount_setattr (tree->fd, "", AT_EMPTY_PATH | (tree->recursive ? AT_RECURSIVE : 0), &attr);
}

int
sb_mountapi_attach (SbMountApi *api, SbMountTree *tree, SbMountFlags flags, int dest_fd)
{
  if (api->legacy)
    return legacy_attach (api, tree, flags, dest_fd);
  if (set_tree_flags (tree, flags) != 0)
    return -1;
  return sys_move_mount (tree->fd, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int
sb_mountapi_attach_at (SbMountApi *api, SbMountTree *tree, SbMountFlags flags, int dir_fd, const char *name)
{
  g_autofd int dest_fd = -1;

  if (api->legacy)
    {
      struct stat st;

      /* mount(2) would follow a symlink swapped in at NAME. */
      dest_fd = openat (dir_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (dest_fd < 0 || fstat (dest_fd, &st) != 0)
        return -1;
      if (S_ISLNK (st.st_mode))
        {
          errno = ELOOP;
          return -1;
        }
      return legacy_attach (api, tree, flags, dest_fd);
    }
  if (set_tree_flags (tree, flags) != 0)
    return -1;
  /* Without MOVE_MOUNT_T_SYMLINKS, a symlink at NAME is not followed. */
  return sys_move_mount (tree->fd, "", dir_fd, name, MOVE_MOUNT_F_EMPTY_PATH);
}

int
sb_mountapi_remount_ro (SbMountApi *api, int fd)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  if (api->legacy)
    return legacy_add_flags (fd, SB_MOUNT_RDONLY);
  return sys_mount_setattr (fd, "", AT_EMPTY_PATH, &attr);
}

int
sb_mountapi_add_flags_recursive (SbMountApi *api, int fd, SbMountFlags flags)
{
  struct mount_attr attr = { .attr_set = mount_attr_from_flags (flags) };

  if (api->legacy)
    {
      errno = ENOSYS;
      return -1;
    }
  return sys_mount_setattr (fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr);
}
