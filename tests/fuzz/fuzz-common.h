/* Shared by the libFuzzer targets: the entry point's prototype (the build
 * wants one for every non-static function) and small helpers. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A property the code under test promised does not hold: crash loudly, so
 * that libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...)                                           \
  G_STMT_START                                                          \
  {                                                                     \
    if (!(cond))                                                        \
      {                                                                 \
        g_printerr ("fuzz property failed: %s: ", #cond);               \
        g_printerr (__VA_ARGS__);                                       \
        g_printerr ("\n");                                              \
        abort ();                                                       \
      }                                                                 \
  }                                                                     \
  G_STMT_END

/* TRUE when TEXT is one line with nothing a terminal would interpret. */
static inline gboolean
fuzz_is_one_clean_line (const char *text)
{
  for (const char *c = text; *c != '\0'; c++)
    if ((guchar) *c < 0x20 || *c == 0x7f)
      return FALSE;
  return TRUE;
}

/* Splits DATA at NUL bytes into newly allocated strings (an unterminated
 * last piece counts), at most MAX of them. */
static inline GPtrArray *
fuzz_split (const uint8_t *data, size_t size, guint max)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  size_t start = 0;

  while (start < size && out->len < max)
    {
      const uint8_t *nul = memchr (data + start, '\0', size - start);
      size_t end = nul != NULL ? (size_t) (nul - data) : size;

      g_ptr_array_add (out, g_strndup ((const char *) data + start, end - start));
      start = end + 1;
    }
  return out;
}
