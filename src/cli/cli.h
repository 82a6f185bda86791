/* The command line, bwrap's and ours, parsed into a Plan. */
#pragma once

#include "plan/plan.h"

/* Everything the parser needs to know about its caller, so that parsing is a
 * pure function of its inputs (plus reading --args fds). */
typedef struct {
  SbPersonality personality;
  const char *const *envp; /* the caller's environment, the start of plan->envp */
  SbHostFacts host;        /* copied into the plan; host.uid: non-root callers always get a
                              user namespace; host.cwd: relative host paths */
  bool explain_no_command; /* a command line without COMMAND is an error saying what the last
                              argument was taken for (the sandbox personality's main); else
                              plan->command stays NULL for the caller to judge */
} SbCliContext;

/* Parses argv (argv[0] is the program name) into a new plan.  Implied
 * settings (the user namespace of a non-root caller, the personality's
 * defaults) are applied before returning.  The only I/O: each --args fd is
 * read to EOF and then closed, as bwrap does, so that it does not reach the
 * command.  Parsing stops at --help or --version (plan->show_help/version).
 * Errors are SB_ERROR_USAGE, one line, control characters escaped. */
SbPlan *sb_cli_parse (const SbCliContext *context, int argc, const char *const *argv, GError **error);

/* The usage text printed by --help (to stdout) and, on no command, to stderr. */
char *sb_cli_usage (SbPersonality personality, const char *program_name);

/* "bubblewrap 0.11.1" or "sandbox X.Y.Z (...)". */
char *sb_cli_version (SbPersonality personality);

/* The personality chosen by the name the program was invoked under. */
SbPersonality sb_cli_personality_from_argv0 (const char *argv0);

/* A signal as `sandbox kill` takes it: a number, or a name with or
 * without SIG (TERM, SIGKILL...). */
gboolean sb_cli_read_signal (const char *text, int *sig);
