#include "sandbox/fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/error.h"

typedef enum {
  PROBE_UNKNOWN,
  PROBE_WORKS,
  PROBE_MISSING,
} Probe;

static gboolean
close_range_works (void)
{
  static Probe close_range_probe = PROBE_UNKNOWN;

  /* A range of one fd that no process can have: closes nothing. */
  if (close_range_probe == PROBE_UNKNOWN)
    close_range_probe = close_range (~0U, ~0U, 0) == 0 || (errno != ENOSYS && errno != EPERM)
                            ? PROBE_WORKS
                            : PROBE_MISSING;
  return close_range_probe == PROBE_WORKS;
}

gboolean
sb_fds_prepare_close (int proc_fd, int *fd_dir, GError **error)
{
  *fd_dir = -1;
  if (close_range_works ())
    return TRUE;
  *fd_dir = openat (proc_fd, "self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*fd_dir < 0)
    return sb_throw_errno (error, "opening /proc/self/fd");
  return TRUE;
}

static int
compare_fds (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

static gboolean
is_kept (const int *keep, guint n_keep, int fd)
{
  return bsearch (&fd, keep, n_keep, sizeof (int), compare_fds) != NULL;
}

/* Each entry of the fd directory is an open fd: the kernel lists them in
 * increasing order from where the last read stopped, so closing as we go
 * skips none. */
static gboolean
close_listed (const int *keep, guint n_keep, int fd_dir, GError **error)
{
  DIR *dir = fdopendir (fd_dir);
  struct dirent *entry;

  if (dir == NULL)
    {
      sb_throw_errno (error, "closing inherited fds: listing /proc/self/fd");
      close (fd_dir);
      return FALSE;
    }
  for (errno = 0; (entry = readdir (dir)) != NULL; errno = 0)
    {
      char *end;
      long fd = strtol (entry->d_name, &end, 10);

      if (*end != '\0' || end == entry->d_name || fd < 3 || fd > G_MAXINT || fd == dirfd (dir)
          || is_kept (keep, n_keep, (int) fd))
        continue;
      /* The fd is gone even when close reports an error (Linux). */
      (void) close ((int) fd);
    }
  if (errno != 0)
    {
      sb_throw_errno (error, "closing inherited fds: listing /proc/self/fd");
      closedir (dir);
      return FALSE;
    }
  closedir (dir);
  return TRUE;
}

gboolean
sb_fds_close_except (int *keep, guint n_keep, int fd_dir, GError **error)
{
  unsigned int from = 3;

  qsort (keep, n_keep, sizeof (int), compare_fds);
  if (fd_dir >= 0)
    return close_listed (keep, n_keep, fd_dir, error);
  for (guint i = 0; i <= n_keep; i++)
    {
      unsigned int to;

      if (i < n_keep && (keep[i] < 0 || (unsigned int) keep[i] < from))
        continue;
      to = i < n_keep ? (unsigned int) keep[i] - 1 : ~0U;
      if (to >= from && close_range (from, to, 0) != 0)
        return sb_throw_errno (error, "closing inherited fds");
      if (i < n_keep)
        from = keep[i] + 1;
    }
  return TRUE;
}
