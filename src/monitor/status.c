#include "monitor/status.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

void
sb_status_json_escape (GString *out, const char *s)
{
  const char *p = s;
  const char *end = s + strlen (s);

  g_string_append_c (out, '"');
  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append (out, "\\ufffd");
          p++;
          continue;
        }
      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
          break;
        }
      p = g_utf8_next_char (p);
    }
  g_string_append_c (out, '"');
}

typedef struct {
  const char *key;
  guint64 value;
  gboolean boolean;  /* written as true or false */
  const char *text;  /* a string value instead of VALUE, or NULL */
} Member;

#define MAX_MEMBERS (SB_N_NAMESPACE_KINDS + 4)

static int
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (((const Member *) a)->key, ((const Member *) b)->key);
}

/* The members in bwrap's order (the child's pid, then the namespaces by
 * name), then ours.  KEYS holds the namespace keys' text. */
static guint
info_members (const SbStatusInfo *info, Member members[MAX_MEMBERS],
              char keys[SB_N_NAMESPACE_KINDS][32])
{
  guint n = 0;

  members[n++] = (Member) { "child-pid", (guint64) info->child_pid };
  for (guint i = 0; i < SB_N_NAMESPACE_KINDS; i++)
    if (info->ns_inode[i] != 0)
      {
        g_snprintf (keys[i], sizeof keys[i], "%s-namespace", sb_namespace_kinds[i].name);
        members[n++] = (Member) { keys[i], info->ns_inode[i] };
      }
  qsort (members + 1, n - 1, sizeof *members, compare_keys);
  if (info->command_pid != 0)
    members[n++] = (Member) { "command-pid", (guint64) info->command_pid };
  if (info->confinement_keys)
    members[n++] = (Member) { "confinement", .text = info->in_place ? "landlock" : "namespaces" };
  if (info->confinement_keys && info->landlock_abi != 0)
    members[n++] = (Member) { "landlock-abi", (guint64) info->landlock_abi };
  return n;
}

static char *
format_object (const Member *members, guint n, const char *open, const char *indent,
               const char *separator, const char *close)
{
  GString *out = g_string_new (open);

  for (guint i = 0; i < n; i++)
    {
      g_string_append (out, indent);
      sb_status_json_escape (out, members[i].key);
      g_string_append (out, ": ");
      if (members[i].text != NULL)
        sb_status_json_escape (out, members[i].text);
      else if (members[i].boolean)
        g_string_append (out, members[i].value != 0 ? "true" : "false");
      else
        g_string_append_printf (out, "%" G_GUINT64_FORMAT, members[i].value);
      if (i + 1 < n)
        g_string_append (out, separator);
    }
  g_string_append (out, close);
  return g_string_free (out, FALSE);
}

char *
sb_status_format_info (const SbStatusInfo *info)
{
  Member members[MAX_MEMBERS];
  char keys[SB_N_NAMESPACE_KINDS][32];
  guint n = info_members (info, members, keys);

  return format_object (members, n, "{\n", "    ", ",\n", "\n}\n");
}

char *
sb_status_format_start (const SbStatusInfo *info)
{
  Member members[MAX_MEMBERS];
  char keys[SB_N_NAMESPACE_KINDS][32];
  guint n = info_members (info, members, keys);

  return format_object (members, n, "{", " ", ",", " }\n");
}

char *
sb_status_format_exit (const SbStatusExit *exit)
{
  Member members[5] = { { "exit-code", (guint64) exit->exit_code, FALSE } };
  guint n = 1;

  if (exit->timed_out)
    members[n++] = (Member) { "timed-out", 1, TRUE };
  if (exit->oom_killed)
    members[n++] = (Member) { "oom-killed", 1, TRUE };
  if (exit->has_memory_peak)
    members[n++] = (Member) { "memory-peak", exit->memory_peak, FALSE };
  if (exit->has_cpu_usage)
    members[n++] = (Member) { "cpu-usage-us", exit->cpu_usage_us, FALSE };
  return format_object (members, n, "{", " ", ",", " }\n");
}

static gboolean
read_namespace (pid_t pid, const char *kind, guint64 *inode, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/ns/%s", (int) pid, kind);
  struct stat st;

  if (stat (path, &st) != 0)
    return sb_throw_errno (error, "reading the %s namespace of %d", kind, (int) pid);
  *inode = st.st_ino;
  return TRUE;
}

gboolean
sb_status_read_namespaces (SbStatusInfo *info, SbNamespace unshared, GError **error)
{
  /* bwrap reports no user namespace. */
  SbNamespace reported = ((unshared | SB_NS_MNT) & ~SB_NS_USER);

  for (guint i = 0; i < SB_N_NAMESPACE_KINDS; i++)
    {
      info->ns_inode[i] = 0;
      if (!info->in_place && (reported & sb_namespace_kinds[i].ns) != 0
          && !read_namespace (info->child_pid, sb_namespace_kinds[i].name, &info->ns_inode[i],
                              error))
        return FALSE;
    }
  return TRUE;
}

gboolean
sb_status_write (int fd, const char *text, GError **error)
{
  gsize len = strlen (text);

  while (len > 0)
    {
      ssize_t n = write (fd, text, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return sb_throw_errno (error, "writing the status to fd %d", fd);
      text += n;
      len -= n;
    }
  return TRUE;
}
