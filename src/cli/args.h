/* The content of an --args fd: NUL-separated arguments. */
#pragma once

#include <glib.h>

/* Reads FD until EOF (a sealed memfd, a pipe or a regular file, from its
 * current offset) and splits the data at NUL bytes.  A last argument without
 * a terminating NUL counts; empty data gives no argument.  Returns an array
 * of newly allocated strings, or NULL with *error set. */
GPtrArray *sb_args_read (int fd, GError **error);
