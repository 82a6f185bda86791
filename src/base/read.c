#include "base/read.h"

#include <errno.h>
#include <unistd.h>

GByteArray *
sb_read_to_eof (int fd, gsize limit)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();

  for (;;)
    {
      guint8 buffer[16384];
      ssize_t n = read (fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return NULL;
      if (n == 0)
        return g_steal_pointer (&data);
      if ((gsize) n > limit - data->len)
        {
          errno = EFBIG;
          return NULL;
        }
      g_byte_array_append (data, buffer, (guint) n);
    }
}
