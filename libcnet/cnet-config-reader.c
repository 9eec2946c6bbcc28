/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The positioned typed reader: each value read is checked and, when wrong,
 * reported at its line and column with its key path.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "cnet-config-private.h"
#include "cnet-enums.h"
#include "cnet-error.h"
#include "cnet-mempool-private.h"
#include "cnet-mempool.h"
#include "cnet-port.h"
#include "cnet-xdp-program.h"
#include "cnet-config-reader.h"
#include "cnet-port-settings.h"

/* Where @path is. A path the scanner did not record (it always does) points
 * at the top of the file rather than nowhere. */
static void
cnet_reader_lookup_pos (CnetReader *c, const char *path, gboolean at_key,
                        guint *line, guint *col)
{
  CnetConfigPos *pos = g_hash_table_lookup (c->pos, path ? path : "");

  *line = pos ? (at_key ? pos->key_line : pos->value_line) : 1;
  *col = pos ? (at_key ? pos->key_col : pos->value_col) : 1;
}

/* Sets the error for @path; fail_at() is this and FALSE, as one expression,
 * so that `return fail_at (…)` visibly returns FALSE (the static analyzer
 * does not follow variadic calls, and took every getter as able to return
 * TRUE without setting its result). */
void
cnet_reader_set_error_at (CnetReader *c, const char *path, gboolean at_key,
                          const char *format, ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *msg = NULL;
  va_list args;
  guint line, col;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  cnet_reader_lookup_pos (c, path, at_key, &line, &col);
  msg = cnet_config_format_message (c->name ? c->name : c->self->name, line,
                                    col, path, reason);
  g_set_error_literal (c->error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, msg);
}

void
cnet_reader_warn_at (CnetReader *c, const char *path, const char *format, ...)
{
  g_autofree char *reason = NULL;
  va_list args;
  guint line, col;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  cnet_reader_lookup_pos (c, path, TRUE, &line, &col);
  /* Keep the NULL terminator last. */
  g_ptr_array_insert (c->self->warnings, (gint) c->self->warnings->len - 1,
                      cnet_config_format_message (c->self->name, line, col,
                                                  path, reason));
}

const char *
cnet_reader_describe_node (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_STRING:
          return "a string";
        case G_TYPE_BOOLEAN:
          return "a boolean";
        case G_TYPE_DOUBLE:
          return "a fractional number";
        case G_TYPE_INT64:
          return "an integer";
        default:
          return "a value";
        }
    }
}

static gboolean
cnet_reader_is_value_of (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == type;
}

static char *
cnet_reader_join_keys (const char *const *keys)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; keys[i] != NULL; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", keys[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
cnet_reader_fail_unknown_key (CnetReader *c, const char *path, const char *key,
                              const char *const *known)
{
  g_autofree char *list = cnet_reader_join_keys (known);
  return fail_at (c, path, TRUE, "unknown key \"%s\"; known here: %s", key,
                  list);
}

gboolean
cnet_reader_get_object (CnetReader *c, const char *path, JsonNode *node,
                        JsonObject **out)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail_at (c, path, FALSE, "expected an object, found %s",
                    cnet_reader_describe_node (node));
  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
cnet_reader_get_string (CnetReader *c, const char *path, JsonNode *node,
                        gboolean allow_empty, char **out)
{
  if (!cnet_reader_is_value_of (node, G_TYPE_STRING))
    return fail_at (c, path, FALSE, "expected a string, found %s",
                    cnet_reader_describe_node (node));
  if (!allow_empty && *json_node_get_string (node) == '\0')
    return fail_at (c, path, FALSE, "must not be empty");
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

gboolean
cnet_reader_get_bool (CnetReader *c, const char *path, JsonNode *node,
                      gboolean *out)
{
  if (!cnet_reader_is_value_of (node, G_TYPE_BOOLEAN))
    return fail_at (c, path, FALSE, "expected true or false, found %s",
                    cnet_reader_describe_node (node));
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* An integer from @min to @max; @unit names what it counts. */
gboolean
cnet_reader_get_uint (CnetReader *c, const char *path, JsonNode *node,
                      guint min, guint max, const char *unit, guint *out)
{
  gint64 v;

  if (!cnet_reader_is_value_of (node, G_TYPE_INT64))
    return fail_at (c, path, FALSE, "expected an integer (%s), found %s", unit,
                    cnet_reader_describe_node (node));
  v = json_node_get_int (node);
  if (v < 0)
    return fail_at (c, path, FALSE,
                    "%" G_GINT64_FORMAT " is negative: expected %s from %u "
                    "to %u",
                    v, unit, min, max);
  if (v == 0 && min > 0)
    return fail_at (c, path, FALSE,
                    "must not be zero: expected %s from %u to %u", unit, min,
                    max);
  if (v < min)
    return fail_at (c, path, FALSE,
                    "%" G_GINT64_FORMAT " is too small: expected %s from %u "
                    "to %u",
                    v, unit, min, max);
  if (v > max)
    return fail_at (c, path, FALSE,
                    "%" G_GINT64_FORMAT " is too large: expected %s from %u "
                    "to %u",
                    v, unit, min, max);
  *out = (guint) v;
  return TRUE;
}

gboolean
cnet_reader_get_enum (CnetReader *c, const char *path, JsonNode *node,
                      GType type, int *out)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  g_autoptr (GString) nicks = g_string_new (NULL);
  GEnumValue *v;

  if (!cnet_reader_is_value_of (node, G_TYPE_STRING))
    return fail_at (c, path, FALSE, "expected a string, found %s",
                    cnet_reader_describe_node (node));
  v = g_enum_get_value_by_nick (klass, json_node_get_string (node));
  if (v != NULL)
    {
      *out = v->value;
      return TRUE;
    }
  for (guint i = 0; i < klass->n_values; i++)
    g_string_append_printf (nicks, "%s\"%s\"", i ? ", " : "",
                            klass->values[i].value_nick);
  return fail_at (c, path, FALSE, "\"%s\" is not one of %s",
                  json_node_get_string (node), nicks->str);
}

/* An array of non-empty strings, such as port or thread names: @what says
 * what the array holds in the error ("port names"). @check, if given,
 * checks each string in turn (its path is the element's). */
gboolean
cnet_reader_get_strv (CnetReader *c, const char *path, JsonNode *node,
                      const char *what, CnetReaderCheck check, GStrv *out)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_at (c, path, FALSE, "expected an array of %s, found %s", what,
                    cnet_reader_describe_node (node));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *epath = cnet_config_path_append_index (path, i);
      g_autofree char *s = NULL;

      if (!cnet_reader_get_string (c, epath, json_array_get_element (array, i),
                                   FALSE, &s))
        return FALSE;
      if (check != NULL && !check (c, epath, s))
        return FALSE;
      g_strv_builder_add (builder, s);
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* Flags: an array of their nicks, such as ["checksum", "timestamp"]. */
gboolean
cnet_reader_get_flags (CnetReader *c, const char *path, JsonNode *node,
                       GType type, guint *out)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) nicks = NULL;
  const char *bad = NULL;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail_at (c, path, FALSE, "expected an array of strings, found %s",
                    cnet_reader_describe_node (node));
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);

      if (!cnet_reader_is_value_of (e, G_TYPE_STRING))
        return fail_at (c, path, FALSE,
                        "expected an array of strings, found %s in it",
                        cnet_reader_describe_node (e));
      g_strv_builder_add (b, json_node_get_string (e));
    }
  nicks = g_strv_builder_end (b);
  if (!cnet_flags_from_nicks (type, (const char *const *) nicks, out, &bad))
    {
      g_autofree char *all = cnet_flags_list_nicks (type);
      return fail_at (c, path, FALSE, "\"%s\" is not one of %s", bad, all);
    }
  return TRUE;
}

/* A ring size: @scale descriptors per unit (1024 for CNDP), a power of two
 * the kernel takes. */
gboolean
cnet_reader_get_ring_size (CnetReader *c, const char *path, JsonNode *node,
                           guint scale, gboolean zero_is_default, guint *out)
{
  guint v, max = MAX_RING / scale;

  if (!cnet_reader_get_uint (c, path, node, 0, max,
                             scale == 1 ? "descriptors"
                                        : "units of 1024 descriptors",
                             &v))
    return FALSE;
  if (v == 0 && zero_is_default)
    return TRUE;
  v *= scale;
  if (v < MIN_RING || (v & (v - 1)) != 0)
    return fail_at (c, path, FALSE,
                    "%u descriptors is not a ring size the kernel takes: a "
                    "power of two from %u to %u",
                    v, MIN_RING, MAX_RING);
  *out = v;
  return TRUE;
}

gboolean
cnet_reader_check_frame_size (CnetReader *c, const char *path, guint bytes,
                              const char *given)
{
  if (bytes == 2048 || bytes == 4096)
    return TRUE;
  return fail_at (c, path, FALSE,
                  "%s is not a frame size the kernel takes: AF_XDP in "
                  "aligned mode takes 2048 or 4096 bytes",
                  given);
}

gboolean
cnet_reader_check_headroom (CnetReader *c, const char *path, guint frame_size,
                            guint headroom)
{
  /* The same rule as cnet_mempool_new(): room for the kernel's headroom,
   * the packet header and a full-size Ethernet frame. */
  guint max = frame_size - 256 - CNET_PACKET_HEADER_SIZE - 1518;

  if (headroom <= max)
    return TRUE;
  return fail_at (c, path, FALSE,
                  "a headroom of %u bytes is too large for %u-byte frames: at "
                  "most %u",
                  headroom, frame_size, max);
}

gboolean
cnet_reader_check_interface_name (CnetReader *c, const char *path,
                                  gboolean at_key, const char *name)
{
  if (*name == '\0')
    return fail_at (c, path, at_key, "the interface name is empty");
  if (strlen (name) >= 16)
    return fail_at (c, path, at_key,
                    "interface name \"%s\" is longer than the kernel's 15 "
                    "characters",
                    name);
  for (const char *p = name; *p != '\0'; p++)
    if (*p == '/' || g_ascii_isspace (*p) || *p == ':')
      return fail_at (c, path, at_key,
                      "interface name \"%s\" has a character interface "
                      "names cannot have ('%c')",
                      name, *p);
  return TRUE;
}

/* Splits a port name `<netdev>:<n>` into its interface and number; without
 * a colon the whole name is the interface and @number stays -1. */
char *
cnet_reader_split_port_name (const char *name, gint64 *number)
{
  const char *colon = strrchr (name, ':');
  guint64 v;

  *number = -1;
  if (colon == NULL)
    return g_strdup (name);
  if (g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT16, &v, NULL))
    *number = (gint64) v;
  return g_strndup (name, (gsize) (colon - name));
}

/* The load sequence of a document, for CnetConfig and cnetd's
 * configuration: comments stripped (cnet_config_strip_comments()), the
 * syntax checked strictly and the position of every member recorded in
 * *@positions (cnet_config_scan()), then parsed by json-glib. The scanner
 * takes trailing commas and lists them in @trailing_commas; with
 * @commas_refused, the first is an error at its place, "syntax error: a
 * comma before the closing bracket (@commas_refused)", before parsing;
 * without, the caller decides later, and they are blanked out for
 * json-glib, which is strict. */
JsonParser *
cnet_reader_load (const char *name, const char *text, gsize length,
                  GArray *trailing_commas, const char *commas_refused,
                  GHashTable **positions, GError **error)
{
  g_autofree char *stripped = NULL;
  g_autoptr (GHashTable) pos = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local = NULL;
  gsize stripped_len;

  stripped =
    cnet_config_strip_comments (name, text, length, &stripped_len, error);
  if (stripped == NULL)
    return NULL;
  pos = cnet_config_scan (name, stripped, stripped_len, trailing_commas, error);
  if (pos == NULL)
    return NULL;
  if (commas_refused != NULL && trailing_commas->len > 0)
    {
      CnetConfigComma *comma =
        &g_array_index (trailing_commas, CnetConfigComma, 0);
      g_autofree char *reason = g_strdup_printf ("syntax error: a comma before "
                                                 "the closing bracket (%s)",
                                                 commas_refused);
      g_autofree char *msg =
        cnet_config_format_message (name, comma->line, comma->col, comma->path,
                                    reason);

      g_set_error_literal (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, msg);
      return NULL;
    }
  for (guint i = 0; i < trailing_commas->len; i++)
    stripped[g_array_index (trailing_commas, CnetConfigComma, i).offset] = ' ';

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, stripped, (gssize) stripped_len,
                                   &local))
    {
      /* The scanner took it (a lone UTF-16 surrogate escape, say), so this
       * is json-glib's own limit; it is still the file's fault. */
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, "%s: %s", name,
                   local->message);
      return NULL;
    }
  *positions = g_steal_pointer (&pos);
  return g_steal_pointer (&parser);
}
