/* Errors of the tool: one domain for semantic failures, one that keeps the
 * errno of a failed syscall so diag.c can explain it. */
#pragma once

#include <glib.h>

#define SB_ERROR (sb_error_quark ())
#define SB_ERRNO_ERROR (sb_errno_error_quark ())

typedef enum {
  SB_ERROR_USAGE,   /* bad command line: unknown option, missing argument */
  SB_ERROR_INVALID, /* well-formed but impossible plan, bad input data */
  SB_ERROR_SETUP,   /* setting up the sandbox failed for a non-errno reason */
  SB_ERROR_EXEC,    /* the command could not be executed */
  SB_ERROR_USERNS_REFUSED, /* the host refused a new user namespace (EPERM, ENOSPC): under
                              the sandbox personality, main.c may confine in place */
} SbErrorCode;

GQuark sb_error_quark (void);
GQuark sb_errno_error_quark (void);

/* Sets *error to SB_ERRNO_ERROR with code errno and message "<what>: <strerror>",
 * and returns FALSE.  errno is read first, so the caller may pass it untouched. */
gboolean sb_throw_errno (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Same, with an explicit errno value. */
gboolean sb_throw_errno_value (GError **error, int errsv, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Sets *error to SB_ERROR/code with the formatted message, returns FALSE. */
gboolean sb_throw (GError **error, SbErrorCode code, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Appends " (HINT)" to ERROR's message: why it failed or what would help.
 * The one way to add to an error on its way up. */
void sb_error_add_hint (GError *error, const char *format, ...) G_GNUC_PRINTF (2, 3);
