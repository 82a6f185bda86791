#include "sandbox/diag.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/glib-compat.h"

/* glibc's execvp searches this when PATH is unset (confstr _CS_PATH). */
#define DEFAULT_PATH "/bin:/usr/bin"

/* Enough of a file to hold its ELF program headers and PT_INTERP string. */
#define HEADER_BYTES 65536

static gboolean
read_uint (const guint8 *data, gsize len, guint64 offset, guint size, gboolean big_endian,
           guint64 *value)
{
  guint64 v = 0;

  if (offset > len || size > len - offset)
    return FALSE;
  for (guint i = 0; i < size; i++)
    {
      guint shift = big_endian ? 8 * (size - 1 - i) : 8 * i;
      v |= (guint64) data[offset + i] << shift;
    }
  *value = v;
  return TRUE;
}

char *
sb_diag_elf_interp (const guint8 *data, gsize len)
{
  gboolean is64, big;
  guint64 phoff, phentsize, phnum;

  if (len < EI_NIDENT || memcmp (data, ELFMAG, SELFMAG) != 0)
    return NULL;
  if (data[EI_CLASS] != ELFCLASS32 && data[EI_CLASS] != ELFCLASS64)
    return NULL;
  is64 = data[EI_CLASS] == ELFCLASS64;
  big = data[EI_DATA] == ELFDATA2MSB;

  if (!read_uint (data, len, is64 ? 32 : 28, is64 ? 8 : 4, big, &phoff)
      || !read_uint (data, len, is64 ? 54 : 42, 2, big, &phentsize)
      || !read_uint (data, len, is64 ? 56 : 44, 2, big, &phnum))
    return NULL;

  for (guint64 i = 0; i < phnum; i++)
    {
      guint64 ph = phoff + i * phentsize;
      guint64 type, offset, size;

      if (!read_uint (data, len, ph, 4, big, &type))
        return NULL;
      if (type != PT_INTERP)
        continue;
      if (!read_uint (data, len, ph + (is64 ? 8 : 4), is64 ? 8 : 4, big, &offset)
          || !read_uint (data, len, ph + (is64 ? 32 : 16), is64 ? 8 : 4, big, &size)
          || offset > len || size > len - offset || size == 0)
        return NULL;
      return g_strndup ((const char *) data + offset, size);
    }
  return NULL;
}

static guint8 *
read_header (const char *path, gsize *len)
{
  g_autofd int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  g_autofree guint8 *data = NULL;
  ssize_t n;

  if (fd < 0)
    return NULL;
  data = g_malloc (HEADER_BYTES);
  do
    n = pread (fd, data, HEADER_BYTES, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return NULL;
  *len = n;
  return g_steal_pointer (&data);
}

/* The interpreter named by a "#!" line, or NULL. */
static char *
script_interp (const guint8 *data, gsize len)
{
  const char *start, *end;

  if (len < 3 || data[0] != '#' || data[1] != '!')
    return NULL;
  start = (const char *) data + 2;
  while (start < (const char *) data + len && (*start == ' ' || *start == '\t'))
    start++;
  end = start;
  while (end < (const char *) data + len && *end != ' ' && *end != '\t' && *end != '\n'
         && *end != '\0')
    end++;
  return end > start ? g_strndup (start, end - start) : NULL;
}

/* The directory to bind for the missing file PATH: its top-level
 * directory, or where that leads when the sandbox has it as a symlink (the
 * merged-/usr links: /lib64 -> usr/lib64). */
static char *
bind_suggestion (const char *path)
{
  g_autofree char *top = g_strndup (path, strcspn (path + 1, "/") + 1);
  g_autofree char *target = g_file_read_link (top, NULL);

  if (target == NULL)
    return g_steal_pointer (&top);
  if (!g_path_is_absolute (target))
    return g_build_filename ("/", target, NULL);
  return g_steal_pointer (&target);
}

/* Why the existing file PATH could not be run with ENOENT: a missing
 * interpreter, the only reason the kernel gives ENOENT for a file that is
 * there. */
static char *
explain_missing_interp (const char *path)
{
  gsize len = 0;
  g_autofree guint8 *data = read_header (path, &len);
  g_autofree char *interp = NULL;
  g_autofree char *top = NULL;

  if (data == NULL)
    return NULL;
  interp = script_interp (data, len);
  if (interp != NULL)
    {
      if (access (interp, F_OK) == 0)
        return NULL;
      return g_strdup_printf ("its interpreter %s (from its #! line) is missing in the sandbox",
                              interp);
    }
  interp = sb_diag_elf_interp (data, len);
  if (interp == NULL || interp[0] != '/' || access (interp, F_OK) == 0)
    return NULL;
  top = bind_suggestion (interp);
  return g_strdup_printf ("its ELF interpreter %s is missing in the sandbox; "
                          "bind it, e.g. --ro-bind %s %s", interp, top, top);
}

static char *
explain_file (const char *path, int errsv)
{
  struct stat st;
  struct statvfs vfs;

  if (lstat (path, &st) != 0)
    return errno == ENOENT ? g_strdup_printf ("%s does not exist in the sandbox", path) : NULL;
  if (S_ISLNK (st.st_mode) && stat (path, &st) != 0)
    {
      g_autofree char *target = g_file_read_link (path, NULL);
      return g_strdup_printf ("%s is a dangling symlink to %s", path,
                              target != NULL ? target : "?");
    }
  if (S_ISDIR (st.st_mode))
    return g_strdup_printf ("%s is a directory", path);

  switch (errsv)
    {
    case ENOENT:
      {
        g_autofree char *reason = explain_missing_interp (path);
        return reason != NULL ? g_strdup_printf ("%s: %s", path, reason) : NULL;
      }
    case EACCES:
      if (!S_ISREG (st.st_mode))
        return g_strdup_printf ("%s is not a regular file", path);
      if (statvfs (path, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC) != 0)
        return g_strdup_printf ("%s is on a noexec mount", path);
      if (access (path, X_OK) != 0)
        return g_strdup_printf ("%s is not executable", path);
      return NULL;
    case ENOEXEC:
      return g_strdup_printf ("%s is not a program this machine can run", path);
    default:
      return NULL;
    }
}

/* execvp's search, repeated to find the file it tripped on. */
static char *
explain_search (const char *program, const char *path_env, int errsv)
{
  const char *search = path_env != NULL ? path_env : DEFAULT_PATH;
  g_auto(GStrv) dirs = g_strsplit (search, ":", -1);

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *candidate = g_build_filename (dirs[i][0] != '\0' ? dirs[i] : ".",
                                                     program, NULL);
      struct stat st;

      if (lstat (candidate, &st) != 0)
        continue;
      return explain_file (candidate, errsv);
    }
  if (path_env == NULL)
    return g_strdup_printf ("not found in the sandbox: PATH is unset, so only %s was searched",
                            DEFAULT_PATH);
  return g_strdup_printf ("not found in the sandbox's PATH %s", path_env);
}

char *
sb_diag_exec_failure (const char *program, const char *path_env, int errsv)
{
  g_autofree char *reason = NULL;

  if (strchr (program, '/') != NULL)
    reason = explain_file (program, errsv);
  else if (program[0] != '\0')
    reason = explain_search (program, path_env, errsv);

  if (reason == NULL)
    return g_strdup_printf ("execvp %s: %s", program, g_strerror (errsv));
  return g_strdup_printf ("execvp %s: %s (%s)", program, g_strerror (errsv), reason);
}

static int
read_int_file (const char *path)
{
  g_autofree char *text = NULL;
  char *end = NULL;
  gint64 value;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  value = g_ascii_strtoll (text, &end, 10);
  if (end == text || value < 0 || value > G_MAXINT)
    return -1;
  return (int) value;
}

/* The "Seccomp:" field of /proc/self/status: 2 when filtered. */
static int
seccomp_mode (void)
{
  g_autofree char *status = NULL;
  const char *field;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  field = strstr (status, "\nSeccomp:");
  if (field == NULL)
    return -1;
  return (int) g_ascii_strtoll (field + strlen ("\nSeccomp:"), NULL, 10);
}

void
sb_diag_userns_facts_read (SbUsernsFacts *facts)
{
  facts->apparmor_restrict = read_int_file ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  facts->max_user_namespaces = read_int_file ("/proc/sys/user/max_user_namespaces");
  facts->unprivileged_userns_clone = read_int_file ("/proc/sys/kernel/unprivileged_userns_clone");
  facts->seccomp_filtered = seccomp_mode () == 2;
  facts->in_container = access ("/.dockerenv", F_OK) == 0
                        || access ("/run/.containerenv", F_OK) == 0
                        || access ("/run/systemd/container", F_OK) == 0;
}

char *
sb_diag_userns_cause (const SbUsernsFacts *facts, int errsv)
{
  if (facts->max_user_namespaces == 0)
    return g_strdup ("user namespaces are disabled by the sysctl user.max_user_namespaces=0");
  if (errsv == ENOSPC)
    return g_strdup ("the nesting depth (32) or a user.max_*_namespaces limit is reached; "
                     "inside a sandbox made with --disable-userns this is intended");
  if (errsv == EINVAL)
    return g_strdup ("this kernel was built without user namespaces (CONFIG_USER_NS)");
  if (facts->apparmor_restrict > 0)
    return g_strdup ("AppArmor restricts unprivileged user namespaces "
                     "(sysctl kernel.apparmor_restrict_unprivileged_userns=1): give this program "
                     "an AppArmor profile that allows \"userns\", or set the sysctl to 0");
  if (facts->unprivileged_userns_clone == 0)
    return g_strdup ("unprivileged user namespaces are disabled by the sysctl "
                     "kernel.unprivileged_userns_clone=0");
  if (facts->seccomp_filtered && errsv == EPERM)
    return g_strdup ("a seccomp filter on this process refuses them "
                     "(a container's or an enclosing sandbox's policy)");
  if (facts->in_container)
    return g_strdup ("this is a container whose seccomp policy probably refuses them "
                     "(Docker's and Podman's default profiles do)");
  return g_strdup ("likely causes: AppArmor's kernel.apparmor_restrict_unprivileged_userns=1, "
                   "user.max_user_namespaces=0, or a container's seccomp policy");
}

char *
sb_diag_clone_failure (SbPersonality personality, SbNamespace namespaces, int errsv,
                       const SbUsernsFacts *facts)
{
  gboolean user = (namespaces & SB_NS_USER) != 0;
  g_autofree char *cause = NULL;

  if (!user && errsv != ENOSPC)
    return g_strdup_printf ("Creating new namespace failed: %s", g_strerror (errsv));
  cause = sb_diag_userns_cause (facts, errsv);

  if (personality == SB_PERSONALITY_BWRAP)
    {
      if (user && errsv == EPERM)
        return g_strdup_printf ("No permissions to create a new namespace, likely because the "
                                "kernel does not allow non-privileged user namespaces (%s)",
                                cause);
      if (errsv == ENOSPC)
        return g_strdup_printf ("Creating new namespace failed: nesting depth or "
                                "/proc/sys/user/max_*_namespaces exceeded (ENOSPC) (%s)", cause);
      return g_strdup_printf ("Creating new namespace failed: %s (%s)", g_strerror (errsv), cause);
    }
  if (user)
    return g_strdup_printf ("creating a user namespace %s: %s; %s",
                            errsv == EPERM || errsv == EACCES ? "was refused" : "failed",
                            g_strerror (errsv), cause);
  return g_strdup_printf ("creating new namespaces failed: %s; %s", g_strerror (errsv), cause);
}
