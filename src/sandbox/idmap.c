#include "sandbox/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"

char *
sb_idmap_format (guint32 inside, guint32 outside)
{
  return g_strdup_printf ("%" G_GUINT32_FORMAT " %" G_GUINT32_FORMAT " 1\n", inside, outside);
}

/* A map file takes the whole map in one write(2); a short write is an error. */
static gboolean
write_proc_file (int proc_fd, const char *pid, const char *name, const char *text, int *errsv)
{
  g_autofree char *path = g_strdup_printf ("%s/%s", pid, name);
  g_autofd int fd = openat (proc_fd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  size_t len = strlen (text);
  ssize_t n;

  if (fd < 0)
    {
      *errsv = errno;
      return FALSE;
    }
  do
    n = write (fd, text, len);
  while (n < 0 && errno == EINTR);
  if (n < 0 || (size_t) n != len)
    {
      *errsv = n < 0 ? errno : EIO;
      return FALSE;
    }
  return TRUE;
}

/* bwrap's order, so that a refused namespace fails on the uid map with the
 * message callers know.  Kernels before 3.19 have no setgroups file and
 * need no "deny". */
static gboolean
write_maps (int proc_fd, const char *pid, const char *uid_map, const char *gid_map,
            gboolean deny_setgroups, GError **error)
{
  int errsv = 0;

  if (!write_proc_file (proc_fd, pid, "uid_map", uid_map, &errsv))
    return sb_throw_errno_value (error, errsv, "setting up uid map");
  if (deny_setgroups && !write_proc_file (proc_fd, pid, "setgroups", "deny\n", &errsv)
      && errsv != ENOENT)
    return sb_throw_errno_value (error, errsv, "error writing to setgroups");
  if (!write_proc_file (proc_fd, pid, "gid_map", gid_map, &errsv))
    return sb_throw_errno_value (error, errsv, "setting up gid map");
  return TRUE;
}

gboolean
sb_idmap_write (int proc_fd, const char *pid, const SbIdMap *map, GError **error)
{
  g_autofree char *uid_line = sb_idmap_format (map->uid_inside, map->uid_outside);
  g_autofree char *gid_line = sb_idmap_format (map->gid_inside, map->gid_outside);

  return write_maps (proc_fd, pid, uid_line, gid_line, TRUE, error);
}

gboolean
sb_idmap_write_ranges (int proc_fd, const char *pid, const GArray *uids, const GArray *gids,
                       GError **error)
{
  g_autofree char *uid_map = sb_idranges_format (uids);
  g_autofree char *gid_map = sb_idranges_format (gids);

  return write_maps (proc_fd, pid, uid_map, gid_map, FALSE, error);
}
