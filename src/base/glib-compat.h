/* What GLib 2.74 (Debian 12) lacks and we use. */
#pragma once

#include <errno.h>
#include <glib.h>
#include <unistd.h>

#if !GLIB_CHECK_VERSION (2, 76, 0)
static inline gboolean
sb_compat_clear_fd (int *fd_ptr, GError **error)
{
  int fd = *fd_ptr;

  *fd_ptr = -1;
  if (fd < 0)
    return TRUE;
  /* An interrupted close has still closed the fd on Linux. */
  if (close (fd) < 0 && errno != EINTR)
    {
      int errsv = errno;
      g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (errsv), g_strerror (errsv));
      errno = errsv;
      return FALSE;
    }
  return TRUE;
}
#define g_clear_fd sb_compat_clear_fd

static inline void
sb_compat_autofd_cleanup (int *fd_ptr)
{
  int errsv = errno;
  sb_compat_clear_fd (fd_ptr, NULL);
  errno = errsv;
}
#define g_autofd __attribute__ ((cleanup (sb_compat_autofd_cleanup)))
#endif
