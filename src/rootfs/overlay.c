/* --overlay, --tmp-overlay, --ro-overlay: overlayfs over host layers. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "rootfs/internal.h"

/* overlayfs splits its options at "," and its layer lists at ":", and takes
 * a backslash as the escape of both (and of itself). */
static void
append_escaped (GString *s, const char *path)
{
  for (const char *p = path; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == ',' || *p == ':')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
}

char *
sb_overlay_options (const SbMountOp *op, const char *tmp_upper, const char *tmp_work)
{
  GString *s = g_string_new (NULL);
  guint n = op->overlay_sources != NULL ? g_strv_length (op->overlay_sources) : 0;

  if (op->kind == SB_OP_OVERLAY || op->kind == SB_OP_TMP_OVERLAY)
    {
      gboolean tmp = op->kind == SB_OP_TMP_OVERLAY;

      g_string_append (s, "upperdir=");
      append_escaped (s, tmp ? tmp_upper : op->source);
      g_string_append (s, ",workdir=");
      append_escaped (s, tmp ? tmp_work : op->overlay_workdir);
      g_string_append_c (s, ',');
    }
  /* The plan lists layers bottom first; lowerdir wants the top first. */
  g_string_append (s, "lowerdir=");
  for (guint i = n; i > 0; i--)
    {
      append_escaped (s, op->overlay_sources[i - 1]);
      if (i > 1)
        g_string_append_c (s, ':');
    }
  /* Whiteouts and opaque dirs as user.* xattrs: we are not root outside. */
  g_string_append (s, ",userxattr");
  return g_string_free (s, FALSE);
}

/* The upper and work directories of --tmp-overlay live in base: the writes
 * land in memory that the sandbox cannot reach except through DEST. */
static gboolean
make_tmp_layer (SbRootfs *rootfs, const char *kind, guint serial, int *fd, char **path, GError **error)
{
  g_autofree char *name = g_strdup_printf ("tmp-overlay-%s-%u", kind, serial);

  if (mkdirat (rootfs->base_fd, name, 0755) != 0)
    return sb_throw_errno (error, "Can't create the %s directory of a --tmp-overlay", kind);
  *fd = openat (rootfs->base_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (*fd < 0)
    return sb_throw_errno (error, "Can't create the %s directory of a --tmp-overlay", kind);
  /* overlayfs takes paths; these name exactly the directories in base. */
  *path = g_strdup_printf ("/proc/self/fd/%d", *fd);
  return TRUE;
}

gboolean
sb_overlay_op (SbRootfs *rootfs, const SbMountOp *op, GError **error)
{
  g_autofd int dest_fd = -1;
  g_autofd int upper_fd = -1;
  g_autofd int work_fd = -1;
  g_autofree char *upper = NULL;
  g_autofree char *work = NULL;
  g_autofree char *options = NULL;

  dest_fd = sb_rootfs_ensure_dir (rootfs, op, 0755, error);
  if (dest_fd < 0)
    return FALSE;
  if (op->kind == SB_OP_TMP_OVERLAY)
    {
      guint serial = ++rootfs->serial;

      if (!make_tmp_layer (rootfs, "upper", serial, &upper_fd, &upper, error)
          || !make_tmp_layer (rootfs, "work", serial, &work_fd, &work, error))
        return FALSE;
    }
  options = sb_overlay_options (op, upper, work);
  if (sb_mountapi_mount_data ("overlay", options, dest_fd) != 0)
    return sb_rootfs_throw_mount (error, "Can't make overlay mount on %s with options %s", op->dest, options);
  return TRUE;
}
