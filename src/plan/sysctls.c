#include "plan/sysctls.h"

#include <string.h>

#include "base/error.h"

/* What each namespace owns (sysctl(8) names), after namespaces(7) and
 * the kernel's per-namespace sysctl tables; patterns as matches() reads
 * them. */
static const struct {
  const char *pattern;
  SbNamespace ns;
} namespaced[] = {
  { "net.", SB_NS_NET },              /* each network namespace has its own net.* */
  { "kernel.shmmax", SB_NS_IPC },     /* System V shared memory, per IPC namespace */
  { "kernel.shmall", SB_NS_IPC },
  { "kernel.shmmni", SB_NS_IPC },
  { "kernel.shm_rmid_forced", SB_NS_IPC },
  { "kernel.msgmax", SB_NS_IPC },     /* System V message queues */
  { "kernel.msgmnb", SB_NS_IPC },
  { "kernel.msgmni", SB_NS_IPC },
  { "kernel.sem", SB_NS_IPC },        /* System V semaphores */
  { "fs.mqueue.", SB_NS_IPC },        /* POSIX message queues */
  { "user.max_*_namespaces", SB_NS_USER },  /* the limits of a user namespace */
};

static void
sysctl_clear (gpointer data)
{
  SbSysctl *sysctl = data;

  g_free (sysctl->key);
  g_free (sysctl->value);
}

GArray *
sb_sysctls_new (void)
{
  GArray *sysctls = g_array_new (FALSE, FALSE, sizeof (SbSysctl));

  g_array_set_clear_func (sysctls, sysctl_clear);
  return sysctls;
}

/* A star stands for one word (no dot); a pattern ending with a dot is a
 * prefix; anything else is a whole key. */
static gboolean
matches (const char *pattern, const char *key)
{
  const char *star = strchr (pattern, '*');

  if (star != NULL)
    {
      gsize head = (gsize) (star - pattern), tail = strlen (star + 1), len = strlen (key);
      g_autofree char *word = NULL;

      if (len <= head + tail || strncmp (key, pattern, head) != 0
          || strcmp (key + len - tail, star + 1) != 0)
        return FALSE;
      word = g_strndup (key + head, len - head - tail);
      return strchr (word, '.') == NULL;
    }
  if (g_str_has_suffix (pattern, "."))
    return g_str_has_prefix (key, pattern);
  return strcmp (key, pattern) == 0;
}

/* Dot-separated words of letters, digits, '_' and '-', as sysctl(8)
 * spells them: nothing that could climb out of /proc/sys. */
static gboolean
plain_key (const char *key)
{
  gboolean word_start = TRUE;

  for (const char *c = key; *c != '\0'; c++)
    {
      if (*c == '.')
        {
          if (word_start)
            return FALSE;
          word_start = TRUE;
          continue;
        }
      if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-')
        return FALSE;
      word_start = FALSE;
    }
  return !word_start;
}

gboolean
sb_sysctl_parse (const char *text, GArray *sysctls, GError **error)
{
  const char *equals = strchr (text, '=');
  g_autofree char *key = NULL;
  SbSysctl sysctl = { 0 };

  if (equals == NULL)
    return sb_throw (error, SB_ERROR_USAGE, "--sysctl %s: expected KEY=VALUE, e.g. "
                     "net.ipv4.ip_unprivileged_port_start=80", text);
  key = g_strndup (text, (gsize) (equals - text));
  if (!plain_key (key))
    return sb_throw (error, SB_ERROR_USAGE, "--sysctl %s: not a sysctl name (dotted words, "
                     "as sysctl(8) spells them)", key);
  if (strchr (equals + 1, '\n') != NULL)
    return sb_throw (error, SB_ERROR_USAGE, "--sysctl %s: the value holds a newline", key);
  for (guint i = 0; i < G_N_ELEMENTS (namespaced); i++)
    if (matches (namespaced[i].pattern, key))
      {
        sysctl = (SbSysctl) { g_steal_pointer (&key), g_strdup (equals + 1), namespaced[i].ns };
        g_array_append_val (sysctls, sysctl);
        return TRUE;
      }
  return sb_throw (error, SB_ERROR_USAGE, "--sysctl %s: not a sysctl of a namespace the sandbox "
                   "can make (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, "
                   "user.max_*_namespaces): it would change the host", key);
}

char *
sb_sysctl_path (const SbSysctl *sysctl)
{
  char *path = g_strdup (sysctl->key);

  g_strdelimit (path, ".", '/');
  return path;
}

const SbSysctl *
sb_sysctls_find_unowned (const GArray *sysctls, SbNamespace created)
{
  for (guint i = 0; i < sysctls->len; i++)
    {
      const SbSysctl *sysctl = &g_array_index (sysctls, SbSysctl, i);

      if ((sysctl->ns & created) == 0)
        return sysctl;
    }
  return NULL;
}

SbNamespace
sb_sysctls_namespaces (const GArray *sysctls)
{
  SbNamespace ns = 0;

  for (guint i = 0; i < sysctls->len; i++)
    ns |= g_array_index (sysctls, SbSysctl, i).ns;
  return ns;
}
