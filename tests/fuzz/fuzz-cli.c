/* libFuzzer target: the command-line parser (sb_cli_parse) with a fixed
 * caller context, then the plan's validation and dump.
 *
 * Input: one byte of flags (bit 0: bwrap personality, bit 1: the caller is
 * root), then the arguments separated by NUL bytes.  The value after each
 * "--args" is replaced by a fresh fd on /dev/null: the parser reads and
 * closes it (the --args data itself is fuzz-args.c's job).
 *
 * Properties: no crash, no leak, no undefined behaviour; a parse error is
 * one line without control characters (main prints it as is), and so is a
 * validation error. */
#include <fcntl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/error.h"
#include "fuzz-common.h"
#include "plan/plan.h"

#define MAX_TOKENS 512

static const char *const fixed_env[] = {
  "PATH=/usr/bin:/bin", "HOME=/home/user", "LANG=C.UTF-8", NULL,
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GArray) our_fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = NULL;
  SbCliContext context;
  guint8 flags;

  if (size < 1)
    return 0;
  flags = data[0];
  tokens = fuzz_split (data + 1, size - 1, MAX_TOKENS);

  context = (SbCliContext) {
    .personality = (flags & 1) ? SB_PERSONALITY_BWRAP : SB_PERSONALITY_SANDBOX,
    .envp = fixed_env,
    .host = { .uid = (flags & 2) ? 0 : 1000, .gid = (flags & 2) ? 0 : 1000, .cwd = "/home/user" },
  };

  g_ptr_array_add (argv, (flags & 1) ? "bwrap" : "sandbox");
  for (guint i = 0; i < tokens->len; i++)
    {
      g_ptr_array_add (argv, tokens->pdata[i]);
      if (strcmp (tokens->pdata[i], "--args") == 0 && i + 1 < tokens->len)
        {
          int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

          if (fd < 0)
            abort ();
          g_array_append_val (our_fds, fd);
          g_free (tokens->pdata[i + 1]);
          tokens->pdata[i + 1] = g_strdup_printf ("%d", fd);
        }
    }
  g_ptr_array_add (argv, NULL);

  plan = sb_cli_parse (&context, (int) argv->len - 1, (const char *const *) argv->pdata, &error);
  if (plan == NULL)
    {
      FUZZ_CHECK (error != NULL, "no plan and no error");
      FUZZ_CHECK (fuzz_is_one_clean_line (error->message), "parse error: %s", error->message);
    }
  else
    {
      g_autoptr(GError) invalid = NULL;
      g_autofree char *dump = NULL;

      FUZZ_CHECK (error == NULL, "a plan and an error: %s", error->message);
      if (!sb_plan_validate (plan, &invalid))
        FUZZ_CHECK (fuzz_is_one_clean_line (invalid->message), "validation error: %s",
                    invalid->message);
      dump = sb_plan_dump (plan);
      FUZZ_CHECK (dump != NULL, "no dump");
    }

  /* The parser closes the fds it read; close what is left of ours. */
  for (guint i = 0; i < our_fds->len; i++)
    close (g_array_index (our_fds, int, i));
  return 0;
}
