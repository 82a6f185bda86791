#include "sandbox/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/glib-compat.h"
#include "plan/sysctls.h"

gboolean
sb_sysctls_write (int proc_fd, const GArray *sysctls, SbNamespace which, GError **error)
{
  for (guint i = 0; i < sysctls->len; i++)
    {
      const SbSysctl *sysctl = &g_array_index (sysctls, SbSysctl, i);
      g_autofree char *name = sb_sysctl_path (sysctl);
      g_autofree char *path = g_strconcat ("sys/", name, NULL);
      g_autofd int fd = -1;
      size_t len = strlen (sysctl->value);
      ssize_t n;

      if ((sysctl->ns & which) == 0)
        continue;
      fd = openat (proc_fd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
      if (fd < 0)
        return sb_throw_errno (error, "--sysctl %s: opening /proc/%s", sysctl->key, path);
      do
        n = write (fd, sysctl->value, len);
      while (n < 0 && errno == EINTR);
      if (n < 0 || (size_t) n != len)
        return sb_throw_errno_value (error, n < 0 ? errno : EIO, "--sysctl %s=%s", sysctl->key,
                                     sysctl->value);
    }
  return TRUE;
}
