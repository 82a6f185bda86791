/* The one way the tool reads an fd or a file whole: bounded, so that a
 * caller's endless fd (/dev/zero, a producer that never stops) gets an
 * error instead of exhausting memory. */
#pragma once

#include <glib.h>

/* Reads FD from its current offset to EOF.  Returns the data, or NULL with
 * errno set: the read's errno, or EFBIG when there is more than LIMIT bytes.
 * Callers word the error: they know what the data was for. */
GByteArray *sb_read_to_eof (int fd, gsize limit);
