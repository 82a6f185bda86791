/* Shared between the parser engine (cli/parse.c) and the option table
 * (cli/options.c).  Not for other modules: they see cli/cli.h only. */
#pragma once

#include <stdbool.h>

#include "cli/cli.h"

/* bwrap's limit, counting the arguments read through --args. */
#define SB_CLI_MAX_ARGS 9000

typedef struct _SbCliOption SbCliOption;

/* The state of one parse.  Modifiers (--perms, --size, --overlay-src) leave
 * their value here for the next option to consume. */
typedef struct {
  const SbCliContext *context;
  SbPlan *plan;

  /* The arguments still to parse, with --args content spliced in place.
   * Strings belong to argv or to args_data. */
  GPtrArray *args;
  guint current;         /* index in args of the option being handled */
  guint pos;             /* index of the next argument to parse */
  guint file_end;        /* args[i] comes from an --args file when i < file_end */
  GPtrArray *args_data;  /* of GPtrArray, the content read from --args fds */
  guint total_args;      /* for SB_CLI_MAX_ARGS */

  gint64 next_perms;           /* --perms, -1 when none is pending */
  guint64 next_size;           /* --size, 0 when none is pending */
  GPtrArray *overlay_sources;  /* --overlay-src layers waiting for an overlay op */

  bool user_ns_explicit;       /* an option, not the defaults, asked for a user ns */
  bool seccomp_profile_explicit;
  bool allow_nesting_explicit;
  bool stop;                   /* --help or --version: stop parsing here */

  /* The last option parsed and its last value, to say what a missing
   * COMMAND was taken for. */
  const SbCliOption *last_option;
  const char *last_value;
} SbCliParser;

typedef gboolean (*SbCliHandler) (SbCliParser *parser, const SbCliOption *option,
                                  const char *const *values, GError **error);

typedef enum {
  SB_CLI_WARN_LAST = 1 << 0,   /* single-valued: repeating it warns "Only the last..." */
  SB_CLI_SAYS_ONE = 1 << 1,    /* bwrap's text says "takes one argument", not "an argument" */
  SB_CLI_MODIFIER = 1 << 2,    /* --perms, --size, --overlay-src: applies to the next option */
  SB_CLI_USES_PERMS = 1 << 3,  /* consumes a pending --perms */
  SB_CLI_USES_SIZE = 1 << 4,   /* consumes a pending --size */
  SB_CLI_USES_LAYERS = 1 << 5, /* consumes the pending --overlay-src layers */
  SB_CLI_TRANSPARENT = 1 << 6, /* --args: neither a modifier nor the option that follows one */
  SB_CLI_ARGS_FILE = 1 << 7,   /* --args: the parse loop splices the fd's arguments in place */
} SbCliOptionFlags;

struct _SbCliOption {
  const char *name;     /* "--bind" */
  guint n_values;       /* number of arguments after the name */
  const char *metavar;  /* "SRC DEST" for --help, NULL without arguments */
  const char *help;     /* one line, or several separated by \n */
  SbCliHandler handler;  /* NULL for SB_CLI_ARGS_FILE */
  guint data;           /* handler-specific: op kind and flags, namespace bits */
  SbCliOptionFlags flags;
};

/* The table, in --help order, terminated by an entry with a NULL name. */
extern const SbCliOption sb_cli_options[];

const SbCliOption *sb_cli_option_lookup (const char *name);

/* Pure path helpers, exported for the tests. */
char *sb_cli_canonical_dest (const char *path);
