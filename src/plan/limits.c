#include "plan/limits.h"

#include <string.h>
#include <sys/resource.h>

#include "base/error.h"

/* prlimit(1)'s names, in its order. */
static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
  { "as", RLIMIT_AS },
  { "core", RLIMIT_CORE },
  { "cpu", RLIMIT_CPU },
  { "data", RLIMIT_DATA },
  { "fsize", RLIMIT_FSIZE },
  { "locks", RLIMIT_LOCKS },
  { "memlock", RLIMIT_MEMLOCK },
  { "msgqueue", RLIMIT_MSGQUEUE },
  { "nice", RLIMIT_NICE },
  { "nofile", RLIMIT_NOFILE },
  { "nproc", RLIMIT_NPROC },
  { "rss", RLIMIT_RSS },
  { "rtprio", RLIMIT_RTPRIO },
  { "rttime", RLIMIT_RTTIME },
  { "sigpending", RLIMIT_SIGPENDING },
  { "stack", RLIMIT_STACK },
};

void
sb_limits_init (SbLimits *limits)
{
  *limits = (SbLimits) {
    .rlimits = g_array_new (FALSE, FALSE, sizeof (SbRlimit)),
    .kill_after_us = SB_KILL_AFTER_DEFAULT_US,
  };
}

void
sb_limits_clear (SbLimits *limits)
{
  g_clear_pointer (&limits->rlimits, g_array_unref);
}

bool
sb_limits_need_cgroup (const SbLimits *limits)
{
  return limits->memory != 0 || limits->pids != 0 || limits->cpu_quota_us != 0;
}

const char *
sb_limits_rlimit_name (int resource)
{
  for (guint i = 0; i < G_N_ELEMENTS (rlimit_names); i++)
    if (rlimit_names[i].resource == resource)
      return rlimit_names[i].name;
  return NULL;
}

/* Digits, then an optional fraction of at most six digits: the value
 * times a million.  No sign, no blanks, no exponent.  *END is what
 * follows. */
static gboolean
parse_micro (const char *text, guint64 *micro, const char **end)
{
  guint64 whole = 0, fraction = 0, scale = 1000000;
  const char *c = text;

  if (!g_ascii_isdigit (*c))
    return FALSE;
  for (; g_ascii_isdigit (*c); c++)
    {
      if (whole > (G_MAXUINT64 / 1000000 - 9) / 10)
        return FALSE;
      whole = whole * 10 + (guint64) (*c - '0');
    }
  if (*c == '.')
    {
      c++;
      if (!g_ascii_isdigit (*c))
        return FALSE;
      for (; g_ascii_isdigit (*c); c++)
        {
          if (scale == 1)
            return FALSE;
          scale /= 10;
          fraction += (guint64) (*c - '0') * scale;
        }
    }
  *micro = whole * 1000000 + fraction;
  *end = c;
  return TRUE;
}

/* A whole number with an optional binary suffix (K, M, G, T; also in
 * lower case, as prlimit users type them). */
static gboolean
parse_scaled (const char *text, guint64 *value)
{
  guint64 number = 0;
  unsigned shift = 0;
  const char *c = text;

  if (!g_ascii_isdigit (*c))
    return FALSE;
  for (; g_ascii_isdigit (*c); c++)
    {
      if (number > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      number = number * 10 + (guint64) (*c - '0');
    }
  if (*c != '\0')
    {
      const char *units = "KMGT";
      const char *unit = strchr (units, g_ascii_toupper (*c));

      if (unit == NULL || c[1] != '\0')
        return FALSE;
      shift = 10 * (unsigned) (unit - units + 1);
    }
  if (shift > 0 && number > (G_MAXUINT64 >> shift))
    return FALSE;
  *value = number << shift;
  return TRUE;
}

static gboolean
parse_rlimit_value (const char *text, guint64 *value)
{
  if (strcmp (text, "unlimited") == 0 || strcmp (text, "infinity") == 0)
    {
      *value = SB_RLIM_UNLIMITED;
      return TRUE;
    }
  /* RLIM_INFINITY is all ones: a number that large would mean "unlimited". */
  return parse_scaled (text, value) && *value != SB_RLIM_UNLIMITED;
}

gboolean
sb_limits_add_rlimit (SbLimits *limits, const char *text, GError **error)
{
  const char *equals = strchr (text, '=');
  g_autofree char *name = NULL;
  g_auto(GStrv) values = NULL;
  SbRlimit limit = { .resource = -1 };

  if (equals == NULL)
    return sb_throw (error, SB_ERROR_USAGE, "--rlimit %s: expected NAME=SOFT[:HARD]", text);
  name = g_strndup (text, (gsize) (equals - text));
  for (guint i = 0; i < G_N_ELEMENTS (rlimit_names); i++)
    if (strcmp (rlimit_names[i].name, name) == 0)
      limit.resource = rlimit_names[i].resource;
  if (limit.resource < 0)
    return sb_throw (error, SB_ERROR_USAGE,
                     "--rlimit %s: unknown limit \"%s\" (as, core, cpu, data, fsize, locks, "
                     "memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, "
                     "stack)", text, name);

  values = g_strsplit (equals + 1, ":", 3);
  if (values[0] == NULL || (values[1] != NULL && values[2] != NULL)
      || !parse_rlimit_value (values[0], &limit.soft)
      || (values[1] != NULL && !parse_rlimit_value (values[1], &limit.hard)))
    return sb_throw (error, SB_ERROR_USAGE,
                     "--rlimit %s: a value is a number (with K, M or G) or \"unlimited\"", text);
  if (values[1] == NULL)
    limit.hard = limit.soft;
  if (limit.soft > limit.hard)
    return sb_throw (error, SB_ERROR_USAGE,
                     "--rlimit %s: the soft limit is above the hard limit", text);

  for (guint i = 0; i < limits->rlimits->len; i++)
    if (g_array_index (limits->rlimits, SbRlimit, i).resource == limit.resource)
      {
        g_array_index (limits->rlimits, SbRlimit, i) = limit;
        return TRUE;
      }
  g_array_append_val (limits->rlimits, limit);
  return TRUE;
}

gboolean
sb_limits_parse_size (const char *option, const char *text, guint64 *bytes, GError **error)
{
  if (!parse_scaled (text, bytes) || *bytes == 0)
    return sb_throw (error, SB_ERROR_USAGE,
                     "%s %s: expected a non-zero size in bytes, with K, M, G or T", option, text);
  return TRUE;
}

gboolean
sb_limits_parse_count (const char *option, const char *text, guint64 *count, GError **error)
{
  const char *end;
  guint64 micro;

  if (strchr (text, '.') != NULL || !parse_micro (text, &micro, &end) || *end != '\0'
      || micro == 0)
    return sb_throw (error, SB_ERROR_USAGE, "%s %s: expected a positive whole number", option,
                     text);
  *count = micro / 1000000;
  return TRUE;
}

gboolean
sb_limits_parse_cpus (const char *option, const char *text, guint64 *quota_us, GError **error)
{
  const char *end;
  guint64 micro;

  /* 1 CPU is SB_CPU_PERIOD_US of CPU time per period; the kernel takes no
   * quota below 1 ms. */
  if (!parse_micro (text, &micro, &end) || *end != '\0' || micro > G_MAXUINT32 * 1000000ull
      || micro * SB_CPU_PERIOD_US / 1000000 < 1000)
    return sb_throw (error, SB_ERROR_USAGE,
                     "%s %s: expected a number of CPUs of at least 0.01, e.g. 0.5 or 2", option,
                     text);
  *quota_us = micro * SB_CPU_PERIOD_US / 1000000;
  return TRUE;
}

gboolean
sb_limits_parse_seconds (const char *option, const char *text, gboolean allow_zero, gint64 *us,
                         GError **error)
{
  const char *end;
  guint64 micro;

  if (!parse_micro (text, &micro, &end) || *end != '\0' || micro > G_MAXINT64
      || (micro == 0 && !allow_zero))
    return sb_throw (error, SB_ERROR_USAGE, "%s %s: expected a %s number of seconds, e.g. 1.5",
                     option, text, allow_zero ? "non-negative" : "positive");
  *us = (gint64) micro;
  return TRUE;
}

char *
sb_limits_format_size (guint64 bytes)
{
  static const char units[] = "KMGT";
  int unit = -1;

  while (unit < 3 && bytes != 0 && bytes % 1024 == 0)
    {
      bytes /= 1024;
      unit++;
    }
  if (unit < 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "%c", bytes, units[unit]);
}
