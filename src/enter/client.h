/* The caller's side of `sandbox enter` and `sandbox kill`, over a
 * connection to the sandbox's request socket (sb_registry_connect). */
#pragma once

#include <glib.h>

/* Runs COMMAND (empty: the sandbox's shell) inside, with our stdio and
 * TERM (NULL: unset); the signals we get (INT, TERM, HUP, QUIT, USR1,
 * USR2) are passed on to it.  *EXIT_CODE: its status, 128+N when signal N
 * ended it. */
gboolean sb_enter_command (int connection, const char *term, const char *const *command,
                           int *exit_code, GError **error);

/* SIG to every process of the sandbox. */
gboolean sb_enter_signal_sandbox (int connection, int sig, GError **error);
