#include "base/error.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK (sb-error-quark, sb_error)
G_DEFINE_QUARK (sb-errno-error-quark, sb_errno_error)

G_GNUC_PRINTF (3, 0) static gboolean
throw_errno_valist (GError **error, int errsv, const char *format, va_list args)
{
  g_autofree char *what = g_strdup_vprintf (format, args);

  g_set_error (error, SB_ERRNO_ERROR, errsv, "%s: %s", what, g_strerror (errsv));
  return FALSE;
}

gboolean
sb_throw_errno (GError **error, const char *format, ...)
{
  int errsv = errno;
  va_list args;

  va_start (args, format);
  throw_errno_valist (error, errsv, format, args);
  va_end (args);
  errno = errsv;
  return FALSE;
}

gboolean
sb_throw_errno_value (GError **error, int errsv, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  throw_errno_valist (error, errsv, format, args);
  va_end (args);
  return FALSE;
}

gboolean
sb_throw (GError **error, SbErrorCode code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_set_error_literal (error, SB_ERROR, code, "");
  if (error != NULL && *error != NULL)
    {
      g_free ((*error)->message);
      (*error)->message = g_strdup_vprintf (format, args);
    }
  va_end (args);
  return FALSE;
}

void
sb_error_add_hint (GError *error, const char *format, ...)
{
  g_autofree char *hint = NULL;
  char *message;
  va_list args;

  va_start (args, format);
  hint = g_strdup_vprintf (format, args);
  va_end (args);
  message = g_strdup_printf ("%s (%s)", error->message, hint);
  g_free (error->message);
  error->message = message;
}
