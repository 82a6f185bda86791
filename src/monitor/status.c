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
  const char *text;  /* a string value instead of VALUE, or NULL */
} Member;

#define MAX_MEMBERS 10

/* The members in bwrap's order (its keys sorted), then ours. */
static guint
info_members (const SbStatusInfo *info, Member members[MAX_MEMBERS])
{
  const Member all[] = {
    { "child-pid", (guint64) info->child_pid },
    { "cgroup-namespace", info->cgroup_ns },
    { "ipc-namespace", info->ipc_ns },
    { "mnt-namespace", info->mnt_ns },
    { "net-namespace", info->net_ns },
    { "pid-namespace", info->pid_ns },
    { "uts-namespace", info->uts_ns },
    { "command-pid", (guint64) info->command_pid },
  };
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (i == 0 || all[i].value != 0)
      members[n++] = all[i];
  if (info->confinement_keys)
    members[n++] = (Member) { "confinement", 0,
                              info->landlock_abi != 0 ? "landlock" : "namespaces" };
  if (info->confinement_keys && info->landlock_abi != 0)
    members[n++] = (Member) { "landlock-abi", (guint64) info->landlock_abi, NULL };
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
  guint n = info_members (info, members);

  return format_object (members, n, "{\n", "    ", ",\n", "\n}\n");
}

char *
sb_status_format_start (const SbStatusInfo *info)
{
  Member members[MAX_MEMBERS];
  guint n = info_members (info, members);

  return format_object (members, n, "{", " ", ",", " }\n");
}

char *
sb_status_format_exit (int exit_code)
{
  const Member member = { "exit-code", (guint64) exit_code, NULL };

  return format_object (&member, 1, "{", " ", ",", " }\n");
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
  const struct {
    SbNamespace flag;
    const char *kind;
    guint64 *inode;
  } table[] = {
    { SB_NS_CGROUP, "cgroup", &info->cgroup_ns },
    { SB_NS_IPC, "ipc", &info->ipc_ns },
    { 0, "mnt", &info->mnt_ns },
    { SB_NS_NET, "net", &info->net_ns },
    { SB_NS_PID, "pid", &info->pid_ns },
    { SB_NS_UTS, "uts", &info->uts_ns },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      *table[i].inode = 0;
      if (info->landlock_abi != 0 || (table[i].flag != 0 && (unshared & table[i].flag) == 0))
        continue;
      if (!read_namespace (info->child_pid, table[i].kind, table[i].inode, error))
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
