#include "cli/values.h"

#include <signal.h>
#include <string.h>

#include "base/error.h"

/* Digits of BASE (8 or 10) only, at most MAX. */
static gboolean
read_unsigned (const char *text, guint base, guint64 max, guint64 *out)
{
  guint64 value = 0;

  if (*text == '\0')
    return FALSE;
  for (const char *c = text; *c != '\0'; c++)
    {
      guint digit = (guint) (*c - '0');

      if (*c < '0' || digit >= base || value > (max - digit) / base)
        return FALSE;
      value = value * base + digit;
    }
  *out = value;
  return TRUE;
}

gboolean
sb_cli_read_decimal (const char *text, guint64 max, guint64 *out)
{
  return read_unsigned (text, 10, max, out);
}

gboolean
sb_cli_read_octal (const char *text, guint32 max, guint32 *out)
{
  guint64 value;

  if (!read_unsigned (text, 8, max, &value))
    return FALSE;
  *out = (guint32) value;
  return TRUE;
}

gboolean
sb_cli_read_fd (const SbCliParser *parser, const SbCliOption *option, const char *text, int *fd,
                GError **error)
{
  guint64 value;

  if (!sb_cli_read_decimal (text, G_MAXINT, &value))
    {
      if (parser->context->personality == SB_PERSONALITY_BWRAP)
        return sb_throw (error, SB_ERROR_USAGE, "Invalid fd: %s", text);
      return sb_throw (error, SB_ERROR_USAGE,
                       "%s: invalid fd \"%s\" (a file descriptor number, e.g. 3)",
                       option->name, text);
    }
  *fd = (int) value;
  return TRUE;
}

gboolean
sb_cli_throw (const SbCliParser *parser, const SbCliOption *option, GError **error,
              const char *format, ...)
{
  g_autofree char *text = NULL;
  size_t name_len = strlen (option->name);
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  if (parser->context->personality == SB_PERSONALITY_BWRAP
      || (strncmp (text, option->name, name_len) == 0
          && (text[name_len] == ' ' || text[name_len] == ':')))
    return sb_throw (error, SB_ERROR_USAGE, "%s", text);
  return sb_throw (error, SB_ERROR_USAGE, "%s: %s", option->name, text);
}

gboolean
sb_cli_read_signal (const char *text, int *sig)
{
  static const struct { const char *name; int number; } names[] = {
    { "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
    { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "CONT", SIGCONT },
    { "STOP", SIGSTOP },
  };
  const char *name = g_str_has_prefix (text, "SIG") ? text + 3 : text;
  guint64 number;

  if (sb_cli_read_decimal (text, NSIG - 1, &number) && number > 0)
    {
      *sig = (int) number;
      return TRUE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i].name) == 0)
      {
        *sig = names[i].number;
        return TRUE;
      }
  return FALSE;
}
