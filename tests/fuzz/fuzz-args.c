/* libFuzzer target: the --args reader (sb_args_read) and the parser fed
 * through it.
 *
 * The input is the content of an --args fd, in a memfd.  Properties:
 *  - sb_args_read gives back exactly the pieces between NUL bytes (a last
 *    piece without a NUL counts, empty data gives none);
 *  - "sandbox --args FD true" parses or fails with one clean line, and the
 *    parser closes FD as bwrap does. */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "base/error.h"
#include "fuzz-common.h"
#include "plan/plan.h"

static const char *const fixed_env[] = { "PATH=/usr/bin:/bin", "HOME=/home/user", NULL };

static int
memfd_with (const uint8_t *data, size_t size)
{
  int fd = memfd_create ("fuzz-args", MFD_CLOEXEC);
  size_t done = 0;

  if (fd < 0)
    abort ();
  while (done < size)
    {
      ssize_t n = write (fd, data + done, size - done);
      if (n <= 0)
        abort ();
      done += (size_t) n;
    }
  if (lseek (fd, 0, SEEK_SET) != 0)
    abort ();
  return fd;
}

static void
check_reader (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = NULL;
  g_autoptr(GByteArray) joined = g_byte_array_new ();
  int fd = memfd_with (data, size);

  args = sb_args_read (fd, &error);
  close (fd);
  FUZZ_CHECK (args != NULL, "reading a memfd failed: %s", error->message);
  for (guint i = 0; i < args->len; i++)
    {
      const char *arg = args->pdata[i];
      g_byte_array_append (joined, (const guint8 *) arg, strlen (arg));
      if (i + 1 < args->len || (size > 0 && data[size - 1] == '\0'))
        g_byte_array_append (joined, (const guint8 *) "", 1);
    }
  FUZZ_CHECK (joined->len == size && (size == 0 || memcmp (joined->data, data, size) == 0),
              "%u arguments do not give back the %zu bytes read", args->len, size);
}

static void
check_parser (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SbPlan) plan = NULL;
  g_autofree char *fd_text = NULL;
  int fd = memfd_with (data, size);
  SbCliContext context = {
    .personality = SB_PERSONALITY_SANDBOX,
    .envp = fixed_env,
    .host = { .uid = 1000, .gid = 1000, .cwd = "/home/user" },
  };
  const char *argv[5];

  fd_text = g_strdup_printf ("%d", fd);
  argv[0] = "sandbox";
  argv[1] = "--args";
  argv[2] = fd_text;
  argv[3] = "true";
  argv[4] = NULL;
  plan = sb_cli_parse (&context, 4, argv, &error);
  if (plan == NULL)
    FUZZ_CHECK (error != NULL && fuzz_is_one_clean_line (error->message), "parse error: %s",
                error != NULL ? error->message : "(none)");
  FUZZ_CHECK (fcntl (fd, F_GETFD) < 0, "the --args fd %d was left open", fd);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  check_reader (data, size);
  check_parser (data, size);
  return 0;
}
