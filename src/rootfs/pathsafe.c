#include "rootfs/pathsafe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/glib-compat.h"

/* Linux's own limit on symlinks followed in one lookup. */
#define MAX_SYMLINKS 40

/* openat2 returns EAGAIN when a concurrent rename could have let ".." escape;
 * binds of host directories can see such renames, so retry a few times. */
#define MAX_RETRIES 32

static gboolean force_fallback;
static gboolean openat2_missing;

void
sb_pathsafe_set_fallback (gboolean fallback)
{
  force_fallback = fallback;
}

guint32
sb_pathsafe_parent_mode (guint32 perms)
{
  guint32 mode = 0755;

  if ((perms & 0070) == 0)
    mode &= ~0050U;
  if ((perms & 0007) == 0)
    mode &= ~0005U;
  return mode;
}

static void
push_components (GQueue *queue, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);

  /* Pushed in reverse so that the first component ends up at the head,
   * in front of whatever remained of the path being walked. */
  for (guint i = g_strv_length (parts); i > 0; i--)
    {
      const char *part = parts[i - 1];

      if (*part != '\0' && strcmp (part, ".") != 0)
        g_queue_push_head (queue, g_strdup (part));
    }
}

static void
close_fd (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

/* Follows the symlink at DIR_FD/NAME (NAME "" for an O_PATH fd on the link):
 * its target's components replace it at the head of QUEUE; an absolute
 * target restarts from the root. */
static gboolean
splice_symlink (int dir_fd, const char *name, GQueue *queue, GPtrArray *stack, guint *n_links)
{
  char target[PATH_MAX];
  ssize_t len;

  if (++*n_links > MAX_SYMLINKS)
    {
      errno = ELOOP;
      return FALSE;
    }
  len = readlinkat (dir_fd, name, target, sizeof target - 1);
  if (len < 0)
    {
      /* Not a symlink any more: someone raced us; don't guess. */
      if (errno == EINVAL)
        errno = ELOOP;
      return FALSE;
    }
  if (len == 0)
    {
      errno = ENOENT;
      return FALSE;
    }
  target[len] = '\0';
  if (target[0] == '/')
    g_ptr_array_set_size (stack, 0);
  push_components (queue, target);
  return TRUE;
}

/* The userspace equivalent of openat2 (RESOLVE_IN_ROOT): each component is
 * opened with O_NOFOLLOW from the fd of the previous one, so nothing can be
 * swapped under us, and the fds of the directories walked so far form a
 * stack that ".." pops, never below the root. */
static int
walk_open (int root_fd, const char *path, int flags, mode_t mode)
{
  g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func (close_fd);
  GQueue queue = G_QUEUE_INIT;
  guint n_links = 0;
  int result = -1;

  push_components (&queue, path);
  for (;;)
    {
      g_autofree char *component = g_queue_pop_head (&queue);
      int dir_fd = stack->len == 0 ? root_fd : GPOINTER_TO_INT (g_ptr_array_index (stack, stack->len - 1));
      gboolean last = g_queue_is_empty (&queue);
      struct stat st;
      int fd;

      if (component == NULL)
        {
          result = openat (dir_fd, ".", (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
          break;
        }
      if (strcmp (component, "..") == 0)
        {
          if (stack->len > 0)
            g_ptr_array_set_size (stack, stack->len - 1);
          continue;
        }

      /* O_DIRECTORY is checked below: with O_NOFOLLOW it would turn a
       * symlink to a directory into ENOTDIR. */
      if (last)
        fd = openat (dir_fd, component, (flags & ~O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC, mode);
      else
        fd = openat (dir_fd, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          /* Opening a symlink for anything but O_PATH gives ELOOP. */
          if (last && errno == ELOOP && !(flags & O_NOFOLLOW)
              && splice_symlink (dir_fd, component, &queue, stack, &n_links))
            continue;
          break;
        }
      if (fstat (fd, &st) != 0)
        {
          close_fd (GINT_TO_POINTER (fd));
          break;
        }
      if (S_ISLNK (st.st_mode) && !(last && (flags & O_NOFOLLOW)))
        {
          gboolean spliced = splice_symlink (fd, "", &queue, stack, &n_links);

          close_fd (GINT_TO_POINTER (fd));
          if (!spliced)
            break;
          continue;
        }
      if (last && (S_ISDIR (st.st_mode) || !(flags & O_DIRECTORY)))
        {
          result = fd;
          break;
        }
      if (!S_ISDIR (st.st_mode))
        {
          close_fd (GINT_TO_POINTER (fd));
          errno = ENOTDIR;
          break;
        }
      g_ptr_array_add (stack, GINT_TO_POINTER (fd));
    }

  {
    int errsv = errno;
    g_queue_clear_full (&queue, g_free);
    errno = errsv;
  }
  return result;
}

static int
kernel_open (int root_fd, const char *path, int flags, mode_t mode)
{
  struct open_how how = {
    .flags = (guint64) (flags | O_CLOEXEC),
    .mode = (flags & O_CREAT) ? mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  const char *relative = path;
  int fd = -1;

  while (*relative == '/')
    relative++;
  if (*relative == '\0')
    relative = ".";
  for (int i = 0; i < MAX_RETRIES; i++)
    {
      fd = (int) syscall (SYS_openat2, root_fd, relative, &how, sizeof how);
      if (fd >= 0 || errno != EAGAIN)
        break;
    }
  return fd;
}

int
sb_pathsafe_open (int root_fd, const char *path, int flags, mode_t mode)
{
  if (!force_fallback && !openat2_missing)
    {
      int fd = kernel_open (root_fd, path, flags, mode);

      /* EPERM may also be the seccomp filter of a container that predates
       * openat2: the walk below then gives the real answer. */
      if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
        return fd;
      if (errno == ENOSYS)
        openat2_missing = TRUE;
    }
  return walk_open (root_fd, path, flags, mode);
}

int
sb_pathsafe_mkdirs (int root_fd, const char *path, mode_t mode)
{
  g_autofree char *parent = NULL;
  g_autofree char *name = NULL;
  g_autofd int parent_fd = -1;
  int fd;

  fd = sb_pathsafe_open (root_fd, path, O_PATH | O_DIRECTORY, 0);
  if (fd >= 0 || errno != ENOENT)
    return fd;

  parent = g_path_get_dirname (path);
  name = g_path_get_basename (path);
  /* The root itself always exists, so PATH has a real last component. */
  parent_fd = sb_pathsafe_mkdirs (root_fd, parent, mode);
  if (parent_fd < 0)
    return -1;
  if (mkdirat (parent_fd, name, mode) != 0 && errno != EEXIST)
    return -1;
  /* From the root again: NAME may be a symlink that someone else made. */
  return sb_pathsafe_open (root_fd, path, O_PATH | O_DIRECTORY, 0);
}
