/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSONC front end of CnetConfig.
 *
 * json-glib 1.6 neither accepts comments nor keeps the position of what it
 * parsed. So the text goes through two passes here before json-glib builds
 * the tree: the first blanks out the comments without moving anything, the
 * second checks the syntax strictly and records where each member's key and
 * value are, by path. Every later error then points at the exact key or
 * value, whichever is at fault.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cnet-config-private.h"
#include "cnet-error.h"

char *
cnet_config_format_message (const char *name, guint line, guint col,
                            const char *path, const char *reason)
{
  if (path == NULL || *path == '\0')
    return g_strdup_printf ("%s:%u:%u: %s", name, line, col, reason);
  return g_strdup_printf ("%s:%u:%u: %s: %s", name, line, col, path, reason);
}

static gboolean
is_identifier (const char *key)
{
  if (!g_ascii_isalpha (*key) && *key != '_')
    return FALSE;
  for (const char *p = key; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

char *
cnet_config_path_append_key (const char *parent, const char *key)
{
  g_autofree char *quoted = NULL;
  const char *seg = key;

  if (!is_identifier (key))
    {
      g_autofree char *escaped = g_strescape (key, NULL);
      quoted = g_strdup_printf ("\"%s\"", escaped);
      seg = quoted;
    }
  if (parent == NULL || *parent == '\0')
    return g_strdup (seg);
  return g_strdup_printf ("%s.%s", parent, seg);
}

char *
cnet_config_path_append_index (const char *parent, guint index)
{
  return g_strdup_printf ("%s[%u]", parent ? parent : "", index);
}

/* --- pass 1: comments ------------------------------------------------- */

static void
advance_pos (const char *p, guint *line, guint *col)
{
  if (*p == '\n')
    {
      (*line)++;
      *col = 1;
    }
  else if (((guchar) *p & 0xc0) != 0x80)
    (*col)++;
}

char *
cnet_config_strip_comments (const char *name, const char *text, gsize length,
                            gsize *out_length, GError **error)
{
  GString *out = g_string_sized_new (length + 1);
  /* Empty text may come as NULL (cnet_config_new_from_data allows it), and
   * NULL + 0 is undefined. */
  const char *p = text != NULL ? text : "";
  const char *end = p + length;
  gboolean in_string = FALSE;
  guint line = 1, col = 1;

  while (p < end)
    {
      if (in_string)
        {
          if (*p == '\\' && p + 1 < end && p[1] != '\n')
            {
              g_string_append_len (out, p, 2);
              advance_pos (p, &line, &col);
              advance_pos (p + 1, &line, &col);
              p += 2;
              continue;
            }
          if (*p == '"' || *p == '\n')
            in_string = FALSE; /* an unterminated string is pass 2's */
          g_string_append_c (out, *p);
          advance_pos (p, &line, &col);
          p++;
        }
      else if (*p == '"')
        {
          in_string = TRUE;
          g_string_append_c (out, *p);
          advance_pos (p, &line, &col);
          p++;
        }
      else if (*p == '/' && p + 1 < end && p[1] == '/')
        {
          /* To the end of the line; the newline stays. */
          while (p < end && *p != '\n')
            {
              if (((guchar) *p & 0xc0) != 0x80)
                g_string_append_c (out, ' ');
              advance_pos (p, &line, &col);
              p++;
            }
        }
      else if (*p == '/' && p + 1 < end && p[1] == '*')
        {
          guint start_line = line, start_col = col;
          gboolean closed = FALSE;

          g_string_append (out, "  ");
          advance_pos (p, &line, &col);
          advance_pos (p + 1, &line, &col);
          p += 2;
          while (p < end)
            {
              if (*p == '*' && p + 1 < end && p[1] == '/')
                {
                  g_string_append (out, "  ");
                  advance_pos (p, &line, &col);
                  advance_pos (p + 1, &line, &col);
                  p += 2;
                  closed = TRUE;
                  break;
                }
              if (*p == '\n')
                g_string_append_c (out, '\n');
              else if (((guchar) *p & 0xc0) != 0x80)
                g_string_append_c (out, ' ');
              advance_pos (p, &line, &col);
              p++;
            }
          if (!closed)
            {
              g_autofree char *msg =
                cnet_config_format_message (name, start_line, start_col, NULL,
                                            "syntax error: the comment is not "
                                            "closed with */");
              g_set_error_literal (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG,
                                   msg);
              g_string_free (out, TRUE);
              return NULL;
            }
        }
      else
        {
          g_string_append_c (out, *p);
          advance_pos (p, &line, &col);
          p++;
        }
    }
  *out_length = out->len;
  return g_string_free (out, FALSE);
}

/* --- pass 2: syntax and positions ------------------------------------- */

typedef struct
{
  const char *name;
  const char *p;
  const char *end;
  guint line;
  guint col;
  GHashTable *positions;
  GArray *trailing; /* CnetConfigComma: commas before a '}' or ']' */
  const char *start;
  GError **error;
} Scanner;

/* A trailing comma was met: note where, and take it (see
 * cnet_config_scan()). */
static void
scan_note_trailing_comma (Scanner *s, const char *path, const char *comma,
                          guint line, guint col)
{
  CnetConfigComma c = {
    .offset = (gsize) (comma - s->start),
    .line = line,
    .col = col,
  };

  g_strlcpy (c.path, path ? path : "", sizeof c.path);
  g_array_append_val (s->trailing, c);
}

static gboolean scan_value (Scanner *s, const char *path, guint depth);

G_GNUC_PRINTF (3, 4)
static gboolean
scan_fail (Scanner *s, const char *path, const char *format, ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  msg = cnet_config_format_message (s->name, s->line, s->col, path, reason);
  g_set_error_literal (s->error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, msg);
  return FALSE;
}

static void
scan_advance (Scanner *s)
{
  advance_pos (s->p, &s->line, &s->col);
  s->p++;
}

static void
scan_skip_ws (Scanner *s)
{
  while (s->p < s->end &&
         (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    scan_advance (s);
}

/* Describes the character at the scanner for a message. */
static char *
scan_describe (Scanner *s)
{
  if (s->p >= s->end)
    return g_strdup ("the end of the input");
  if ((guchar) *s->p < 0x20)
    return g_strdup_printf ("control character 0x%02x", (guchar) *s->p);
  if (((guchar) *s->p & 0x80) != 0)
    {
      gunichar c = g_utf8_get_char (s->p);
      char buf[8] = { 0 };
      g_unichar_to_utf8 (c, buf);
      return g_strdup_printf ("'%s'", buf);
    }
  return g_strdup_printf ("'%c'", *s->p);
}

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

/* Scans a string at the scanner; with @out, stores its decoded text. */
static gboolean
scan_string (Scanner *s, const char *path, GString *out)
{
  scan_advance (s); /* the opening quote */
  while (TRUE)
    {
      if (s->p >= s->end || *s->p == '\n')
        return scan_fail (s, path,
                          "syntax error: the string is not closed with \"");
      if ((guchar) *s->p < 0x20)
        return scan_fail (s, path,
                          "syntax error: control character 0x%02x in a "
                          "string; write it as an escape",
                          (guchar) *s->p);
      if (*s->p == '"')
        {
          scan_advance (s);
          return TRUE;
        }
      if (*s->p != '\\')
        {
          if (out != NULL)
            g_string_append_c (out, *s->p);
          scan_advance (s);
          continue;
        }
      scan_advance (s);
      if (s->p >= s->end)
        return scan_fail (s, path,
                          "syntax error: the string is not closed with \"");
      switch (*s->p)
        {
        case '"':
        case '\\':
        case '/':
          if (out != NULL)
            g_string_append_c (out, *s->p);
          break;
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          if (out != NULL)
            g_string_append_c (out, *s->p == 'b'   ? '\b'
                                    : *s->p == 'f' ? '\f'
                                    : *s->p == 'n' ? '\n'
                                    : *s->p == 'r' ? '\r'
                                                   : '\t');
          break;
        case 'u':
          {
            gunichar c = 0;

            for (int i = 1; i <= 4; i++)
              {
                int v = s->p + i < s->end ? hex_value (s->p[i]) : -1;
                if (v < 0)
                  return scan_fail (s, path,
                                    "syntax error: \\u needs four hexadecimal "
                                    "digits");
                c = (c << 4) | (gunichar) v;
              }
            /* UTF-16 surrogates only come in pairs (json-glib refuses a
             * lone one, and leaks while doing so: refuse it here, where the
             * position is known). The error points at the "u". */
            if (c >= 0xdc00 && c <= 0xdfff)
              return scan_fail (s, path,
                                "syntax error: \\u%04X is the second half "
                                "of a UTF-16 surrogate pair without the "
                                "first",
                                c);
            if (c >= 0xd800 && c <= 0xdbff)
              {
                gunichar lo = 0;
                gboolean paired =
                  s->p + 10 < s->end && s->p[5] == '\\' && s->p[6] == 'u';

                for (int i = 7; paired && i <= 10; i++)
                  {
                    int v = hex_value (s->p[i]);
                    paired = v >= 0;
                    lo = (lo << 4) | (gunichar) MAX (v, 0);
                  }
                if (!paired || lo < 0xdc00 || lo > 0xdfff)
                  return scan_fail (s, path,
                                    "syntax error: \\u%04X is the first "
                                    "half of a UTF-16 surrogate pair "
                                    "without the second",
                                    c);
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
                for (int i = 0; i < 6; i++)
                  scan_advance (s);
              }
            for (int i = 0; i < 4; i++)
              scan_advance (s);
            if (out != NULL)
              g_string_append_unichar (out, c);
          }
          break;
        default:
          return scan_fail (s, path,
                            "syntax error: \\%c is not a JSON escape (\\\" "
                            "\\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                            g_ascii_isprint (*s->p) ? *s->p : '?');
        }
      scan_advance (s);
    }
}

static gboolean
scan_number (Scanner *s, const char *path)
{
  const char *start = s->p;
  gboolean is_integer = TRUE;

  if (*s->p == '-')
    scan_advance (s);
  if (s->p >= s->end || !g_ascii_isdigit (*s->p))
    return scan_fail (s, path, "syntax error: a digit must follow '-'");
  if (*s->p == '0' && s->p + 1 < s->end && g_ascii_isdigit (s->p[1]))
    return scan_fail (s, path,
                      "syntax error: numbers do not start with 0 (octal is "
                      "not JSON)");
  while (s->p < s->end && g_ascii_isdigit (*s->p))
    scan_advance (s);
  if (s->p < s->end && *s->p == '.')
    {
      is_integer = FALSE;
      scan_advance (s);
      if (s->p >= s->end || !g_ascii_isdigit (*s->p))
        return scan_fail (s, path,
                          "syntax error: a digit must follow the decimal "
                          "point");
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        scan_advance (s);
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      is_integer = FALSE;
      scan_advance (s);
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        scan_advance (s);
      if (s->p >= s->end || !g_ascii_isdigit (*s->p))
        return scan_fail (s, path,
                          "syntax error: a digit must follow the exponent");
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        scan_advance (s);
    }
  if (is_integer)
    {
      g_autofree char *digits = g_strndup (start, (gsize) (s->p - start));
      gint64 v;

      errno = 0;
      v = g_ascii_strtoll (digits, NULL, 10);
      if (errno == ERANGE)
        {
          /* Point at the number, not past it. */
          s->col -= (guint) (s->p - start);
          return scan_fail (s, path, "%s does not fit in 64 bits", digits);
        }
      (void) v;
    }
  return TRUE;
}

static gboolean
scan_literal (Scanner *s, const char *path)
{
  static const char *const words[] = { "true", "false", "null" };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      gsize len = strlen (words[i]);
      if ((gsize) (s->end - s->p) >= len &&
          strncmp (s->p, words[i], len) == 0 &&
          (s->p + len == s->end || !g_ascii_isalnum (s->p[len])))
        {
          for (gsize j = 0; j < len; j++)
            scan_advance (s);
          return TRUE;
        }
    }
  return scan_fail (s, path,
                    "syntax error: expected a value (a string, a number, an "
                    "object, an array, true, false or null)%s",
                    g_ascii_isalpha (*s->p) ? "; strings need double quotes"
                                            : "");
}

static void
record (Scanner *s, const char *path, guint key_line, guint key_col,
        guint value_line, guint value_col)
{
  CnetConfigPos *pos = g_new (CnetConfigPos, 1);

  pos->key_line = key_line;
  pos->key_col = key_col;
  pos->value_line = value_line;
  pos->value_col = value_col;
  g_hash_table_replace (s->positions, g_strdup (path), pos);
}

static gboolean
scan_object (Scanner *s, const char *path, guint depth)
{
  scan_advance (s); /* { */
  scan_skip_ws (s);
  if (s->p < s->end && *s->p == '}')
    {
      scan_advance (s);
      return TRUE;
    }
  while (TRUE)
    {
      g_autoptr (GString) key = g_string_new (NULL);
      g_autofree char *member = NULL;
      guint key_line, key_col, value_line, value_col;

      scan_skip_ws (s);
      if (s->p >= s->end || *s->p != '"')
        {
          g_autofree char *what = scan_describe (s);
          return scan_fail (s, path,
                            "syntax error: expected a key in double quotes, "
                            "found %s%s",
                            what,
                            s->p < s->end && *s->p == '}'
                              ? " (a comma before it?)"
                              : "");
        }
      key_line = s->line;
      key_col = s->col;
      if (!scan_string (s, path, key))
        return FALSE;
      member = cnet_config_path_append_key (path, key->str);
      if (g_hash_table_contains (s->positions, member))
        {
          s->line = key_line;
          s->col = key_col;
          return scan_fail (s, member,
                            "duplicate key: \"%s\" appears twice in the "
                            "same object",
                            key->str);
        }
      scan_skip_ws (s);
      if (s->p >= s->end || *s->p != ':')
        {
          g_autofree char *what = scan_describe (s);
          return scan_fail (s, member,
                            "syntax error: expected ':' after the key, found "
                            "%s",
                            what);
        }
      scan_advance (s);
      scan_skip_ws (s);
      value_line = s->line;
      value_col = s->col;
      record (s, member, key_line, key_col, value_line, value_col);
      if (!scan_value (s, member, depth + 1))
        return FALSE;
      scan_skip_ws (s);
      if (s->p < s->end && *s->p == ',')
        {
          const char *comma = s->p;
          guint line = s->line, col = s->col;

          scan_advance (s);
          scan_skip_ws (s);
          if (s->p < s->end && *s->p == '}')
            {
              scan_note_trailing_comma (s, path, comma, line, col);
              scan_advance (s);
              return TRUE;
            }
          continue;
        }
      if (s->p < s->end && *s->p == '}')
        {
          scan_advance (s);
          return TRUE;
        }
      {
        g_autofree char *what = scan_describe (s);
        return scan_fail (s, path,
                          "syntax error: expected ',' or '}' after a member, "
                          "found %s",
                          what);
      }
    }
}

static gboolean
scan_array (Scanner *s, const char *path, guint depth)
{
  scan_advance (s); /* [ */
  scan_skip_ws (s);
  if (s->p < s->end && *s->p == ']')
    {
      scan_advance (s);
      return TRUE;
    }
  for (guint i = 0;; i++)
    {
      g_autofree char *element = cnet_config_path_append_index (path, i);

      scan_skip_ws (s);
      if (s->p < s->end && *s->p == ']')
        return scan_fail (s, path,
                          "syntax error: expected a value, found ']' (a "
                          "comma before it?)");
      record (s, element, s->line, s->col, s->line, s->col);
      if (!scan_value (s, element, depth + 1))
        return FALSE;
      scan_skip_ws (s);
      if (s->p < s->end && *s->p == ',')
        {
          const char *comma = s->p;
          guint line = s->line, col = s->col;

          scan_advance (s);
          scan_skip_ws (s);
          if (s->p < s->end && *s->p == ']')
            {
              scan_note_trailing_comma (s, path, comma, line, col);
              scan_advance (s);
              return TRUE;
            }
          continue;
        }
      if (s->p < s->end && *s->p == ']')
        {
          scan_advance (s);
          return TRUE;
        }
      {
        g_autofree char *what = scan_describe (s);
        return scan_fail (s, path,
                          "syntax error: expected ',' or ']' after an "
                          "element, found %s",
                          what);
      }
    }
}

static gboolean
scan_value (Scanner *s, const char *path, guint depth)
{
  scan_skip_ws (s);
  if (depth > CNET_CONFIG_MAX_DEPTH)
    return scan_fail (s, path, "nested more than %u levels deep",
                      CNET_CONFIG_MAX_DEPTH);
  if (s->p >= s->end)
    return scan_fail (s, path,
                      "syntax error: the input ends where a value should be");
  switch (*s->p)
    {
    case '{':
      return scan_object (s, path, depth);
    case '[':
      return scan_array (s, path, depth);
    case '"':
      return scan_string (s, path, NULL);
    default:
      if (*s->p == '-' || g_ascii_isdigit (*s->p))
        return scan_number (s, path);
      if (g_ascii_isalpha (*s->p))
        return scan_literal (s, path);
      {
        g_autofree char *what = scan_describe (s);
        return scan_fail (s, path, "syntax error: expected a value, found %s",
                          what);
      }
    }
}

GHashTable *
cnet_config_scan (const char *name, const char *text, gsize length,
                  GArray *trailing_commas, GError **error)
{
  g_autoptr (GHashTable) positions =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  Scanner s = {
    .name = name,
    .p = text,
    .end = text + length,
    .line = 1,
    .col = 1,
    .positions = positions,
    .trailing = trailing_commas,
    .start = text,
    .error = error,
  };
  const char *bad;

  if (!g_utf8_validate (text, (gssize) length, &bad))
    {
      while (s.p < bad)
        scan_advance (&s);
      if (bad < s.end && *bad == '\0')
        scan_fail (&s, NULL, "the text has a NUL byte");
      else
        scan_fail (&s, NULL, "the text is not valid UTF-8");
      return NULL;
    }

  scan_skip_ws (&s);
  if (s.p >= s.end)
    {
      scan_fail (&s, NULL, "the configuration is empty: expected an object");
      return NULL;
    }
  if (*s.p != '{')
    {
      scan_fail (&s, NULL, "the configuration must be an object, {...}");
      return NULL;
    }
  record (&s, "", s.line, s.col, s.line, s.col);
  if (!scan_value (&s, "", 0))
    return NULL;
  scan_skip_ws (&s);
  if (s.p < s.end)
    {
      g_autofree char *what = scan_describe (&s);
      scan_fail (&s, NULL,
                 "syntax error: %s after the end of the top-level object",
                 what);
      return NULL;
    }
  return g_steal_pointer (&positions);
}
