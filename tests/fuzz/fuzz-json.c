/* libFuzzer target: the JSON string writer of --info-fd and
 * --json-status-fd (sb_status_json_escape), and the status objects.
 *
 * Input: the bytes of a string (up to the first NUL byte), then, after
 * that NUL, 8 bytes per status field.  Properties:
 *  - the output is one valid JSON string literal, valid UTF-8, with no raw
 *    control character;
 *  - decoded, it gives back the input when the input was valid UTF-8, and
 *    the input with U+FFFD for each invalid byte otherwise;
 *  - the status objects are valid UTF-8 and one line where promised. */
#include "fuzz-common.h"
#include "monitor/status.h"

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (const char *p, gunichar *out)
{
  gunichar v = 0;

  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (p[i]);
      if (h < 0)
        return FALSE;
      v = v * 16 + (gunichar) h;
    }
  *out = v;
  return TRUE;
}

/* A strict decoder of one JSON string literal spanning all of TEXT;
 * NULL when it is not one. */
static GString *
json_decode_string (const char *text, size_t len)
{
  g_autoptr(GString) out = g_string_new (NULL);
  size_t i = 1;

  if (len < 2 || text[0] != '"' || text[len - 1] != '"')
    return NULL;
  while (i < len - 1)
    {
      guchar c = (guchar) text[i];

      if (c < 0x20 || c == '"')
        return NULL;
      if (c != '\\')
        {
          g_string_append_c (out, (char) c);
          i++;
          continue;
        }
      if (i + 1 >= len - 1)
        return NULL;
      switch (text[i + 1])
        {
        case '"': g_string_append_c (out, '"'); i += 2; break;
        case '\\': g_string_append_c (out, '\\'); i += 2; break;
        case '/': g_string_append_c (out, '/'); i += 2; break;
        case 'b': g_string_append_c (out, '\b'); i += 2; break;
        case 'f': g_string_append_c (out, '\f'); i += 2; break;
        case 'n': g_string_append_c (out, '\n'); i += 2; break;
        case 'r': g_string_append_c (out, '\r'); i += 2; break;
        case 't': g_string_append_c (out, '\t'); i += 2; break;
        case 'u':
          {
            gunichar u, low;

            if (i + 6 > len - 1 || !read_hex4 (text + i + 2, &u))
              return NULL;
            i += 6;
            if (u >= 0xd800 && u <= 0xdbff)
              {
                if (i + 6 > len - 1 || text[i] != '\\' || text[i + 1] != 'u'
                    || !read_hex4 (text + i + 2, &low) || low < 0xdc00 || low > 0xdfff)
                  return NULL;
                u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
                i += 6;
              }
            else if (u >= 0xdc00 && u <= 0xdfff)
              return NULL;
            g_string_append_unichar (out, u);
            break;
          }
        default:
          return NULL;
        }
    }
  return g_steal_pointer (&out);
}

/* What the writer promises to encode: the input, invalid bytes replaced. */
static GString *
expected_text (const char *s)
{
  GString *out = g_string_new (NULL);
  const char *end = s + strlen (s);

  for (const char *p = s; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_unichar (out, 0xfffd);
          p++;
          continue;
        }
      g_string_append_unichar (out, c);
      p = g_utf8_next_char (p);
    }
  return out;
}

static guint64
take64 (const uint8_t **data, size_t *size)
{
  guint64 v = 0;

  for (int i = 0; i < 8 && *size > 0; i++)
    {
      v = (v << 8) | **data;
      (*data)++;
      (*size)--;
    }
  return v;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, '\0', size);
  size_t text_len = nul != NULL ? (size_t) (nul - data) : size;
  g_autofree char *text = g_strndup ((const char *) data, text_len);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) decoded = NULL;
  g_autoptr(GString) expected = NULL;

  sb_status_json_escape (out, text);
  FUZZ_CHECK (g_utf8_validate (out->str, out->len, NULL), "not UTF-8: %s", out->str);
  decoded = json_decode_string (out->str, out->len);
  FUZZ_CHECK (decoded != NULL, "not one JSON string: %s", out->str);
  expected = expected_text (text);
  FUZZ_CHECK (g_string_equal (decoded, expected), "decodes to something else: %s", out->str);

  if (nul != NULL)
    {
      const uint8_t *rest = nul + 1;
      size_t left = size - text_len - 1;
      SbStatusInfo info = { 0 };
      g_autofree char *pretty = NULL;
      g_autofree char *start = NULL;
      g_autofree char *exit_line = NULL;

      info.child_pid = (pid_t) take64 (&rest, &left);
      info.command_pid = (pid_t) take64 (&rest, &left);
      for (guint i = 0; i < SB_N_NAMESPACE_KINDS; i++)
        info.ns_inode[i] = take64 (&rest, &left);
      pretty = sb_status_format_info (&info);
      start = sb_status_format_start (&info);
      exit_line = sb_status_format_exit (&(SbStatusExit) {
        .exit_code = (int) take64 (&rest, &left) });
      FUZZ_CHECK (g_utf8_validate (pretty, -1, NULL), "info: %s", pretty);
      FUZZ_CHECK (strchr (start, '\n') == NULL || strchr (start, '\n')[1] == '\0',
                  "start is not one line: %s", start);
      FUZZ_CHECK (strchr (exit_line, '\n') == NULL || strchr (exit_line, '\n')[1] == '\0',
                  "exit is not one line: %s", exit_line);
    }
  return 0;
}
