#include "plan/idranges.h"

#include <string.h>

#include "base/error.h"

/* The highest id of a range: (uid_t) -1 is no id. */
#define LAST_ID (G_MAXUINT32 - 1)

void
sb_idmapping_init (SbIdMapping *mapping)
{
  *mapping = (SbIdMapping) {
    .users = g_array_new (FALSE, FALSE, sizeof (SbIdRange)),
    .groups = g_array_new (FALSE, FALSE, sizeof (SbIdRange)),
  };
}

void
sb_idmapping_clear (SbIdMapping *mapping)
{
  g_clear_pointer (&mapping->users, g_array_unref);
  g_clear_pointer (&mapping->groups, g_array_unref);
}

bool
sb_idmapping_wanted (const SbIdMapping *mapping)
{
  return mapping->map_auto || mapping->users->len > 0 || mapping->groups->len > 0;
}

/* Plain decimal, at most LAST_ID; *END is what follows. */
static gboolean
read_id (const char *text, guint64 *id, const char **end)
{
  guint64 value = 0;
  const char *c = text;

  if (!g_ascii_isdigit (*c))
    return FALSE;
  for (; g_ascii_isdigit (*c); c++)
    {
      value = value * 10 + (guint64) (*c - '0');
      if (value > LAST_ID)
        return FALSE;
    }
  *id = value;
  *end = c;
  return TRUE;
}

/* Three ids separated by SEP; *END is what follows. */
static gboolean
read_triple (const char *text, char sep, guint64 value[3], const char **end)
{
  const char *c = text;

  for (int i = 0; i < 3; i++)
    {
      if (!read_id (c, &value[i], &c))
        return FALSE;
      if (i < 2 && *c++ != sep)
        return FALSE;
    }
  *end = c;
  return TRUE;
}

static gboolean
range_fits (guint64 start, guint64 count)
{
  return count >= 1 && start + count - 1 <= LAST_ID;
}

gboolean
sb_idranges_parse (const char *option, const char *text, GArray *ranges, GError **error)
{
  guint64 value[3];
  const char *end;
  SbIdRange range;

  if (!read_triple (text, ':', value, &end) || *end != '\0')
    return sb_throw (error, SB_ERROR_USAGE,
                     "%s %s: expected IN:OUT:COUNT in decimal, e.g. 0:100000:65536",
                     option, text);
  if (!range_fits (value[0], value[2]) || !range_fits (value[1], value[2]))
    return sb_throw (error, SB_ERROR_USAGE,
                     "%s %s: COUNT must be at least 1 and both ranges end by id %u", option,
                     text, LAST_ID);
  range = (SbIdRange) { (guint32) value[0], (guint32) value[1], (guint32) value[2] };
  g_array_append_val (ranges, range);
  return TRUE;
}

/* "NAME:START:COUNT": NAME is a user name or a decimal uid. */
static gboolean
subid_line_matches (const char *line, const char *user, guint32 id, SbIdRange *grant)
{
  const char *colon = strchr (line, ':');
  g_autofree char *name = NULL;
  guint64 value[2], uid;
  const char *end;

  if (colon == NULL)
    return FALSE;
  name = g_strndup (line, (gsize) (colon - line));
  if (!read_id (colon + 1, &value[0], &end) || *end != ':' || !read_id (end + 1, &value[1], &end)
      || *end != '\0' || !range_fits (value[0], value[1]))
    return FALSE;
  if (!(user != NULL && strcmp (name, user) == 0)
      && !(read_id (name, &uid, &end) && *end == '\0' && uid == id))
    return FALSE;
  *grant = (SbIdRange) { .outside = (guint32) value[0], .count = (guint32) value[1] };
  return TRUE;
}

guint
sb_subids_parse (const char *text, const char *user, guint32 id, GArray *grants)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint found = 0;

  for (char **line = lines; *line != NULL; line++)
    {
      SbIdRange grant;

      g_strstrip (*line);
      if (**line == '#' || !subid_line_matches (*line, user, id, &grant))
        continue;
      g_array_append_val (grants, grant);
      found++;
    }
  return found;
}

char *
sb_idrange_describe (const SbIdRange *range)
{
  return g_strdup_printf ("%u:%u:%u", range->inside, range->outside, range->count);
}

/* Who the file is about, for messages: the name, else the uid. */
static char *
describe_user (const char *user, guint32 own)
{
  return user != NULL ? g_strdup (user) : g_strdup_printf ("uid %u", own);
}

static gboolean
throw_no_grant (const char *option, const char *file, const char *user, guint32 own,
                GError **error)
{
  g_autofree char *who = describe_user (user, own);
  g_autofree char *name = user != NULL ? g_strdup (user) : g_strdup_printf ("%u", own);

  return sb_throw (error, SB_ERROR_INVALID,
                   "%s: %s grants no subordinate ids to %s (add a line such as "
                   "\"%s:100000:65536\", e.g. with usermod --add-subuids and --add-subgids)",
                   option, file, who, name);
}

static gboolean
throw_too_many (const char *option, GError **error)
{
  return sb_throw (error, SB_ERROR_INVALID, "%s: more than %u ranges, the kernel's limit",
                   option, SB_IDRANGES_MAX);
}

GArray *
sb_idranges_auto (const char *option, const char *file, const char *user, guint32 own,
                  guint32 inside_own, const GArray *grants, GError **error)
{
  g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (SbIdRange));
  SbIdRange self = { inside_own, own, 1 };
  guint64 next = 0;

  if (grants->len == 0)
    {
      throw_no_grant (option, file, user, own, error);
      return NULL;
    }
  g_array_append_val (ranges, self);
  for (guint i = 0; i < grants->len && next <= LAST_ID; i++)
    {
      const SbIdRange *grant = &g_array_index (grants, SbIdRange, i);
      guint64 outside = grant->outside, left = grant->count;

      /* A grant that crosses the caller's inside id is cut in two there. */
      while (left > 0 && next <= LAST_ID)
        {
          guint64 room = next <= inside_own ? (guint64) inside_own - next : LAST_ID + 1 - next;
          SbIdRange piece = { (guint32) next, (guint32) outside, 0 };

          if (room == 0)
            {
              next = (guint64) inside_own + 1;
              continue;
            }
          piece.count = (guint32) MIN (room, left);
          g_array_append_val (ranges, piece);
          next += piece.count;
          outside += piece.count;
          left -= piece.count;
        }
    }
  if (ranges->len > SB_IDRANGES_MAX)
    {
      throw_too_many (option, error);
      return NULL;
    }
  return g_steal_pointer (&ranges);
}

static gboolean
ranges_overlap (guint32 a, guint32 a_count, guint32 b, guint32 b_count)
{
  return (guint64) a < (guint64) b + b_count && (guint64) b < (guint64) a + a_count;
}

/* Whether [START, START+COUNT) lies inside the union of GRANTS, which may
 * touch or overlap each other. */
static gboolean
granted (const GArray *grants, guint64 start, guint64 count)
{
  guint64 end = start + count;
  gboolean progress = TRUE;

  /* Extend the covered prefix until no grant moves it. */
  while (start < end && progress)
    {
      progress = FALSE;
      for (guint i = 0; i < grants->len; i++)
        {
          const SbIdRange *grant = &g_array_index (grants, SbIdRange, i);
          guint64 grant_end = (guint64) grant->outside + grant->count;

          if (grant->outside <= start && start < grant_end)
            {
              start = grant_end;
              progress = TRUE;
            }
        }
    }
  return start >= end;
}

gboolean
sb_idranges_check (const char *option, const char *file, const char *user, guint32 own,
                   const GArray *ranges, const GArray *grants, gboolean unchecked,
                   GError **error)
{
  if (ranges->len > SB_IDRANGES_MAX)
    return throw_too_many (option, error);
  for (guint i = 0; i < ranges->len; i++)
    {
      const SbIdRange *range = &g_array_index (ranges, SbIdRange, i);
      g_autofree char *text = sb_idrange_describe (range);

      for (guint j = 0; j < i; j++)
        {
          const SbIdRange *other = &g_array_index (ranges, SbIdRange, j);
          g_autofree char *other_text = sb_idrange_describe (other);

          if (ranges_overlap (range->inside, range->count, other->inside, other->count))
            return sb_throw (error, SB_ERROR_INVALID, "%s %s overlaps %s inside the sandbox",
                             option, text, other_text);
          if (ranges_overlap (range->outside, range->count, other->outside, other->count))
            return sb_throw (error, SB_ERROR_INVALID, "%s %s overlaps %s outside the sandbox",
                             option, text, other_text);
        }
      if (unchecked || (range->count == 1 && range->outside == own)
          || granted (grants, range->outside, range->count))
        continue;
      if (grants->len == 0)
        return throw_no_grant (option, file, user, own, error);
      {
        g_autofree char *who = describe_user (user, own);
        return sb_throw (error, SB_ERROR_INVALID,
                         "%s %s: ids %u-%u outside are not granted to %s by %s, nor its own id",
                         option, text, range->outside,
                         (guint32) ((guint64) range->outside + range->count - 1), who, file);
      }
    }
  return TRUE;
}

gboolean
sb_idranges_maps (const GArray *ranges, guint32 id)
{
  for (guint i = 0; i < ranges->len; i++)
    {
      const SbIdRange *range = &g_array_index (ranges, SbIdRange, i);

      if (ranges_overlap (range->inside, range->count, id, 1))
        return TRUE;
    }
  return FALSE;
}

char *
sb_idranges_format (const GArray *ranges)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < ranges->len; i++)
    {
      const SbIdRange *range = &g_array_index (ranges, SbIdRange, i);

      g_string_append_printf (text, "%u %u %u\n", range->inside, range->outside, range->count);
    }
  return g_string_free (text, FALSE);
}

char *
sb_passwd_name (const char *text, guint32 uid)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (char **line = lines; *line != NULL; line++)
    {
      g_auto(GStrv) fields = g_strsplit (*line, ":", 4);
      guint64 value;
      const char *end;

      if (g_strv_length (fields) >= 3 && *fields[0] != '\0' && read_id (fields[2], &value, &end)
          && *end == '\0' && value == uid)
        return g_strdup (fields[0]);
    }
  return NULL;
}
