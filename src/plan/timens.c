#include "plan/timens.h"

#include "base/error.h"

#define NS_PER_SEC G_GINT64_CONSTANT (1000000000)
/* About 292 years each way: far past any clock, well inside gint64. */
#define MAX_OFFSET_SEC G_GINT64_CONSTANT (9000000000)

gboolean
sb_time_offset_parse (const char *option, const char *text, gint64 *ns, GError **error)
{
  const char *c = text;
  gboolean negative = FALSE;
  gint64 seconds = 0, fraction = 0, scale = NS_PER_SEC;

  if (*c == '-' || *c == '+')
    negative = *c++ == '-';
  if (!g_ascii_isdigit (*c))
    goto bad;
  for (; g_ascii_isdigit (*c); c++)
    {
      seconds = seconds * 10 + (*c - '0');
      if (seconds > MAX_OFFSET_SEC)
        return sb_throw (error, SB_ERROR_USAGE, "%s %s: at most %" G_GINT64_FORMAT
                         " seconds either way", option, text, MAX_OFFSET_SEC);
    }
  if (*c == '.')
    {
      if (!g_ascii_isdigit (*++c))
        goto bad;
      for (; g_ascii_isdigit (*c); c++)
        {
          if (scale == 1)
            goto bad;
          scale /= 10;
          fraction += (*c - '0') * scale;
        }
    }
  if (*c != '\0')
    goto bad;
  *ns = (negative ? -1 : 1) * (seconds * NS_PER_SEC + fraction);
  return TRUE;

bad:
  return sb_throw (error, SB_ERROR_USAGE, "%s %s: expected seconds, e.g. 3600, -86400 or 0.5 "
                   "(at most nine decimals)", option, text);
}

static void
append_offset (GString *out, const char *clock, gint64 ns)
{
  /* Floor division: -1.5 s is -2 s + 0.5 s. */
  gint64 seconds = ns / NS_PER_SEC, rest = ns % NS_PER_SEC;

  if (rest < 0)
    {
      seconds--;
      rest += NS_PER_SEC;
    }
  g_string_append_printf (out, "%s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", clock, seconds,
                          rest);
}

char *
sb_time_offsets_format (const SbTimeOffsets *offsets)
{
  GString *out;

  if (!offsets->has_monotonic && !offsets->has_boottime)
    return NULL;
  out = g_string_new (NULL);
  if (offsets->has_monotonic)
    append_offset (out, "monotonic", offsets->monotonic_ns);
  if (offsets->has_boottime)
    append_offset (out, "boottime", offsets->boottime_ns);
  return g_string_free (out, FALSE);
}
