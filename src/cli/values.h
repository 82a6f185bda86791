/* Readers of option values (numbers, fds, modes) and the one way an option
 * reports a bad value.  Pure: no I/O.  Used by the parse loop and by the
 * option table alike, so that neither needs the other for them. */
#pragma once

#include <glib.h>

#include "cli/options.h"

/* Plain decimal, no sign, no blanks, no base prefix: what bwrap-options.md
 * promises for FD arguments, and the safe reading of ids. */
gboolean sb_cli_read_decimal (const char *text, guint64 max, guint64 *out);

/* Octal digits only, at most MAX. */
gboolean sb_cli_read_octal (const char *text, guint32 max, guint32 *out);

/* An fd number for OPTION: bwrap's "Invalid fd: X" under its personality;
 * ours names the option. */
gboolean sb_cli_read_fd (const SbCliParser *parser, const SbCliOption *option, const char *text,
                         int *fd, GError **error);

/* A usage error about OPTION.  Under the sandbox personality the message
 * starts with the option's name (unless it already does), so that every
 * error says which option it is about; under bwrap's, the text is as given:
 * callers match bubblewrap's exact words. */
gboolean sb_cli_throw (const SbCliParser *parser, const SbCliOption *option, GError **error,
                       const char *format, ...) G_GNUC_PRINTF (4, 5);
