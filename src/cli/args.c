#include "cli/args.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/read.h"

/* Far above any real use (Flatpak passes a few KiB), low enough that a
 * runaway producer fails with a message instead of exhausting memory. */
#define MAX_ARGS_DATA (64 * 1024 * 1024)

GPtrArray *
sb_args_read (int fd, GError **error)
{
  g_autoptr(GByteArray) data = sb_read_to_eof (fd, MAX_ARGS_DATA);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  gsize start = 0;

  if (data == NULL && errno == EFBIG)
    {
      sb_throw (error, SB_ERROR_USAGE, "--args: more than %d bytes of arguments", MAX_ARGS_DATA);
      return NULL;
    }
  if (data == NULL)
    {
      sb_throw_errno (error, "Can't read --args data");
      return NULL;
    }

  while (start < data->len)
    {
      const guint8 *nul = memchr (data->data + start, '\0', data->len - start);
      gsize end = nul != NULL ? (gsize) (nul - data->data) : data->len;

      g_ptr_array_add (args, g_strndup ((const char *) data->data + start, end - start));
      start = end + 1;
    }
  return g_steal_pointer (&args);
}
