/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "cnet-config-private.h"
#include "cnet-enums.h"
#include "cnet-mempool.h"
#include "cnet-port.h"
#include "cnet-private.h"
#include "cnet-xdp-program.h"

/**
 * CnetConfig:
 *
 * A configuration: the mempools, ports and worker threads of a program,
 * read from JSON with comments (`//` and `/ * * /`), from a file or a
 * string.
 *
 * Two shapes are read, libcnet's own and CNDP's (a file written for CNDP's
 * cndpfwd loads unchanged; see #CnetConfigDialect). Everything is checked
 * when the configuration is read and the first problem is reported as a
 * %CNET_ERROR_INVALID_CONFIG error reading
 * `file:line:column: key.path: reason`, where the position is that of the
 * offending key (an unknown or duplicate key) or value (anything else), or
 * of the object that lacks a required key. Keys that libcnet reads but does
 * not act on (CNDP's lcore groups, memory types, …) are not dropped
 * silently: each is named in cnet_config_get_warnings().
 *
 * A configuration is immutable once read. #CnetContext creates the
 * mempools and ports it describes.
 *
 * Since: 1.0
 */

struct _CnetConfig
{
  GObject parent_instance;

  char *path;
  GBytes *data;
  char *name;

  CnetConfigDialect dialect;
  char *app_name;
  char *app_description;
  GPtrArray *mempools; /* CnetMempoolSpec */
  GPtrArray *ports;    /* CnetPortSpec */
  GPtrArray *threads;  /* CnetThreadSpec */
  JsonNode *options;   /* an object */
  GVariant *options_variant;
  GPtrArray *warnings; /* char *, NULL-terminated */
};

enum
{
  PROP_0,
  PROP_PATH,
  PROP_DATA,
  PROP_NAME,
  PROP_DIALECT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void cnet_config_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (
  CnetConfig, cnet_config, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, cnet_config_initable_iface_init))

/* The limits of what a configuration may ask for. */
#define MAX_QUEUE (CNET_XDP_PROGRAM_MAX_QUEUES - 1)
#define MIN_RING 64
#define MAX_RING 65536
#define MAX_BUSY_POLL_USECS 1000000
#define MAX_HEADROOM 4096
#define DEFAULT_N_FRAMES 4096
#define DEFAULT_BUSY_POLL_USECS_CNDP 20

/* --- the walk ----------------------------------------------------------- */

typedef struct
{
  CnetConfig *self;
  GHashTable *pos;
  GArray *trailing_commas; /* CnetConfigComma */
  GError **error;
} Ctx;

/* Settings a port starts from: libcnet's defaults, then `defaults`. */
typedef struct
{
  guint n_frames;
  guint frame_size;
  guint headroom;
  CnetPortSettings port;
  CnetXdpAttachFlags attach_flags;
} Defaults;

/* Where @path is. A path the scanner did not record (it always does) points
 * at the top of the file rather than nowhere. */
static void
lookup_pos (Ctx *c, const char *path, gboolean at_key, guint *line, guint *col)
{
  CnetConfigPos *pos = g_hash_table_lookup (c->pos, path ? path : "");

  *line = pos ? (at_key ? pos->key_line : pos->value_line) : 1;
  *col = pos ? (at_key ? pos->key_col : pos->value_col) : 1;
}

/* Sets the error for @path; fail_at() is this and FALSE, as one expression,
 * so that `return fail_at (…)` visibly returns FALSE (the static analyzer
 * does not follow variadic calls, and took every getter as able to return
 * TRUE without setting its result). */
G_GNUC_PRINTF (4, 5)
static void
set_error_at (Ctx *c, const char *path, gboolean at_key, const char *format,
              ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *msg = NULL;
  va_list args;
  guint line, col;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  lookup_pos (c, path, at_key, &line, &col);
  msg = cnet_config_format_message (c->self->name, line, col, path, reason);
  g_set_error_literal (c->error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, msg);
}

#define fail_at(...) (set_error_at (__VA_ARGS__), FALSE)

G_GNUC_PRINTF (3, 4)
static void
warn_at (Ctx *c, const char *path, const char *format, ...)
{
  g_autofree char *reason = NULL;
  va_list args;
  guint line, col;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  lookup_pos (c, path, TRUE, &line, &col);
  /* Keep the NULL terminator last. */
  g_ptr_array_insert (c->self->warnings, (gint) c->self->warnings->len - 1,
                      cnet_config_format_message (c->self->name, line, col,
                                                  path, reason));
}

static const char *
describe_node (JsonNode *node)
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
is_value_of (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == type;
}

static char *
join_keys (const char *const *keys)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; keys[i] != NULL; i++)
    g_string_append_printf (s, "%s%s", i ? ", " : "", keys[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
fail_unknown_key (Ctx *c, const char *path, const char *key,
                  const char *const *known)
{
  g_autofree char *list = join_keys (known);
  return fail_at (c, path, TRUE, "unknown key \"%s\"; known here: %s", key,
                  list);
}

static gboolean
get_object (Ctx *c, const char *path, JsonNode *node, JsonObject **out)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail_at (c, path, FALSE, "expected an object, found %s",
                    describe_node (node));
  *out = json_node_get_object (node);
  return TRUE;
}

static gboolean
get_string (Ctx *c, const char *path, JsonNode *node, gboolean allow_empty,
            char **out)
{
  if (!is_value_of (node, G_TYPE_STRING))
    return fail_at (c, path, FALSE, "expected a string, found %s",
                    describe_node (node));
  if (!allow_empty && *json_node_get_string (node) == '\0')
    return fail_at (c, path, FALSE, "must not be empty");
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static gboolean
get_bool (Ctx *c, const char *path, JsonNode *node, gboolean *out)
{
  if (!is_value_of (node, G_TYPE_BOOLEAN))
    return fail_at (c, path, FALSE, "expected true or false, found %s",
                    describe_node (node));
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* An integer from @min to @max; @unit names what it counts. */
static gboolean
get_uint (Ctx *c, const char *path, JsonNode *node, guint min, guint max,
          const char *unit, guint *out)
{
  gint64 v;

  if (!is_value_of (node, G_TYPE_INT64))
    return fail_at (c, path, FALSE, "expected an integer (%s), found %s", unit,
                    describe_node (node));
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

static gboolean
get_enum (Ctx *c, const char *path, JsonNode *node, GType type, int *out)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  g_autoptr (GString) nicks = g_string_new (NULL);
  GEnumValue *v;

  if (!is_value_of (node, G_TYPE_STRING))
    return fail_at (c, path, FALSE, "expected a string, found %s",
                    describe_node (node));
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

/* A ring size: @scale descriptors per unit (1024 for CNDP), a power of two
 * the kernel takes. */
static gboolean
get_ring_size (Ctx *c, const char *path, JsonNode *node, guint scale,
               gboolean zero_is_default, guint *out)
{
  guint v, max = MAX_RING / scale;

  if (!get_uint (c, path, node, 0, max,
                 scale == 1 ? "descriptors" : "units of 1024 descriptors", &v))
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

static gboolean
check_frame_size (Ctx *c, const char *path, guint bytes, const char *given)
{
  if (bytes == 2048 || bytes == 4096)
    return TRUE;
  return fail_at (c, path, FALSE,
                  "%s is not a frame size the kernel takes: AF_XDP in "
                  "aligned mode takes 2048 or 4096 bytes",
                  given);
}

static gboolean
check_headroom (Ctx *c, const char *path, guint frame_size, guint headroom)
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

static gboolean
check_interface_name (Ctx *c, const char *path, gboolean at_key,
                      const char *name)
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
static char *
split_port_name (const char *name, gint64 *number)
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

/* --- sections common to both dialects --------------------------------- */

static gboolean
parse_application (Ctx *c, JsonNode *node)
{
  static const char *const known[] = { "name", "description", "desc", NULL };
  JsonObject *obj = NULL;
  g_autoptr (GList) members = NULL;

  if (!get_object (c, "application", node, &obj))
    return FALSE;
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key ("application", key);
      JsonNode *v = json_object_get_member (obj, key);

      if (g_str_equal (key, "name"))
        {
          if (!get_string (c, path, v, FALSE, &c->self->app_name))
            return FALSE;
        }
      else if (g_str_equal (key, "description") ||
               (g_str_equal (key, "desc") &&
                c->self->dialect == CNET_CONFIG_DIALECT_CNDP))
        {
          if (!get_string (c, path, v, TRUE, &c->self->app_description))
            return FALSE;
        }
      else
        return fail_unknown_key (c, path, key, known);
    }
  return TRUE;
}

static gboolean
parse_options (Ctx *c, JsonNode *node)
{
  g_autoptr (GError) local = NULL;
  JsonObject *obj = NULL;
  GVariant *v;

  if (!get_object (c, "options", node, &obj))
    return FALSE;
  /* Options are the application's: any key, any value. */
  g_clear_pointer (&c->self->options, json_node_unref);
  c->self->options = json_node_copy (node);
  v = json_gvariant_deserialize (node, "a{sv}", &local);
  if (v == NULL)
    return fail_at (c, "options", FALSE,
                    "cannot be represented as a dictionary: %s",
                    local->message);
  g_clear_pointer (&c->self->options_variant, g_variant_unref);
  c->self->options_variant = g_variant_ref_sink (v);
  return TRUE;
}

/* Names the keys of a section libcnet reads but does not act on. */
static void
warn_ignored_section (Ctx *c, const char *section, const char *why)
{
  warn_at (c, section, "ignored: %s", why);
}

/* --- libcnet's dialect ------------------------------------------------ */

static gboolean get_uds_path (Ctx *c, const char *path, JsonNode *v,
                              char **out);

/* A key of `defaults` or of a port: a port setting (cnet-port-settings.c)
 * or `replace-foreign-program`; returns -1 when @key is not one. */
static int
parse_port_setting (Ctx *c, const char *path, const char *key, JsonNode *v,
                    Defaults *d)
{
  const CnetPortSettingInfo *info = cnet_port_setting_lookup (key);
  gboolean b;
  guint u;
  int e;

  if (g_str_equal (key, "replace-foreign-program"))
    {
      if (!get_bool (c, path, v, &b))
        return FALSE;
      d->attach_flags = b ? CNET_XDP_ATTACH_REPLACE : CNET_XDP_ATTACH_NONE;
      return TRUE;
    }
  if (info == NULL)
    return -1;
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      if (!get_enum (c, path, v, info->enum_type (), &e))
        return FALSE;
      u = (guint) e;
      break;
    case CNET_PORT_SETTING_BOOLEAN:
      if (!get_bool (c, path, v, &b))
        return FALSE;
      u = b;
      break;
    case CNET_PORT_SETTING_UINT:
    default:
      if (info->flags & CNET_PORT_SETTING_POWER_OF_TWO)
        {
          if (!get_ring_size (c, path, v, 1, FALSE, &u))
            return FALSE;
        }
      else if (!get_uint (c, path, v, info->min, info->max, info->unit, &u))
        return FALSE;
      break;
    }
  cnet_port_settings_set (&d->port, info, u);
  return TRUE;
}

/* Fails for an unknown key of `defaults` or of a port: @known, and the
 * port settings. */
static gboolean
fail_unknown_port_key (Ctx *c, const char *path, const char *key,
                       const char *const *known)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) all = NULL;

  g_strv_builder_addv (b, (const char **) known);
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    g_strv_builder_add (b, cnet_port_setting_infos[i].name);
  g_strv_builder_add (b, "replace-foreign-program");
  all = g_strv_builder_end (b);
  return fail_unknown_key (c, path, key, (const char *const *) all);
}

/* `frames`, `frame-size`, `headroom`: -1 when @key is not one. */
static int
parse_mempool_setting (Ctx *c, const char *path, const char *key, JsonNode *v,
                       guint *n_frames, guint *frame_size, guint *headroom)
{
  if (g_str_equal (key, "frames"))
    return get_uint (c, path, v, 1, CNET_MEMPOOL_MAX_FRAMES, "frames",
                     n_frames);
  if (g_str_equal (key, "frame-size"))
    {
      g_autofree char *given = NULL;
      if (!get_uint (c, path, v, 1, G_MAXINT, "bytes", frame_size))
        return FALSE;
      given = g_strdup_printf ("%u bytes", *frame_size);
      return check_frame_size (c, path, *frame_size, given);
    }
  if (g_str_equal (key, "headroom"))
    return get_uint (c, path, v, 0, MAX_HEADROOM, "bytes", headroom);
  return -1;
}

static gboolean
parse_cnet_defaults (Ctx *c, JsonNode *node, Defaults *d)
{
  static const char *const known[] = { "frames", "frame-size", "headroom",
                                       NULL };
  g_autoptr (GList) members = NULL;
  JsonObject *obj = NULL;
  g_autofree char *headroom_path = NULL;

  if (!get_object (c, "defaults", node, &obj))
    return FALSE;
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key ("defaults", key);
      JsonNode *v = json_object_get_member (obj, key);
      int r = parse_mempool_setting (c, path, key, v, &d->n_frames,
                                     &d->frame_size, &d->headroom);

      if (r < 0)
        r = parse_port_setting (c, path, key, v, d);
      if (r < 0)
        return fail_unknown_port_key (c, path, key, known);
      if (!r)
        return FALSE;
      if (g_str_equal (key, "headroom"))
        headroom_path = g_steal_pointer (&path);
    }
  return headroom_path == NULL ||
         check_headroom (c, headroom_path, d->frame_size, d->headroom);
}

static gboolean
parse_cnet_mempools (Ctx *c, JsonNode *node, const Defaults *d)
{
  static const char *const known[] = { "frames", "frame-size", "headroom",
                                       "description", NULL };
  g_autoptr (GList) pools = NULL;
  JsonObject *obj = NULL;

  if (!get_object (c, "mempools", node, &obj))
    return FALSE;
  pools = json_object_get_members (obj);
  for (GList *p = pools; p != NULL; p = p->next)
    {
      const char *name = p->data;
      g_autofree char *pool_path =
        cnet_config_path_append_key ("mempools", name);
      g_autoptr (CnetMempoolSpec) spec = cnet_mempool_spec_new_internal (name);
      g_autoptr (GList) members = NULL;
      JsonObject *pobj = NULL;

      if (*name == '\0')
        return fail_at (c, pool_path, TRUE, "a mempool needs a name");
      if (!get_object (c, pool_path, json_object_get_member (obj, name), &pobj))
        return FALSE;
      spec->n_frames = d->n_frames;
      spec->frame_size = d->frame_size;
      spec->headroom = d->headroom;
      members = json_object_get_members (pobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (pool_path, key);
          JsonNode *v = json_object_get_member (pobj, key);
          int r = parse_mempool_setting (c, path, key, v, &spec->n_frames,
                                         &spec->frame_size, &spec->headroom);

          if (r < 0 && g_str_equal (key, "description"))
            r = get_string (c, path, v, TRUE, &spec->description);
          if (r < 0)
            return fail_unknown_key (c, path, key, known);
          if (!r)
            return FALSE;
        }
      {
        const char *at = json_object_has_member (pobj, "headroom") ? "headroom"
                         : json_object_has_member (pobj, "frame-size")
                           ? "frame-size"
                           : NULL;
        g_autofree char *hpath =
          at ? cnet_config_path_append_key (pool_path, at) : NULL;

        if (!check_headroom (c, hpath ? hpath : pool_path, spec->frame_size,
                             spec->headroom))
          return FALSE;
      }
      g_ptr_array_add (c->self->mempools, g_steal_pointer (&spec));
    }
  return TRUE;
}

/* `rules`: an array of steering rules (see CnetMatch), each checked and
 * kept in canonical form. */
static gboolean
get_rules (Ctx *c, const char *path, JsonNode *v, GStrv *out)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (v))
    return fail_at (c, path, FALSE,
                    "expected an array of steering rules, found %s",
                    describe_node (v));
  array = json_node_get_array (v);
  if (json_array_get_length (array) > CNET_MATCH_MAX_RULES)
    return fail_at (c, path, FALSE, "%u rules are too many; a port may have %u",
                    json_array_get_length (array), CNET_MATCH_MAX_RULES);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *epath = cnet_config_path_append_index (path, i);
      g_autofree char *rule = NULL;
      g_autofree char *canonical = NULL;
      g_autoptr (GError) local = NULL;
      g_autoptr (CnetMatch) match = NULL;

      if (!get_string (c, epath, json_array_get_element (array, i), FALSE,
                       &rule))
        return FALSE;
      match = cnet_match_new (rule, &local);
      if (match == NULL)
        return fail_at (c, epath, FALSE, "%s", local->message);
      canonical = cnet_match_to_string (match);
      g_strv_builder_add (builder, canonical);
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}

static void
port_spec_apply_defaults (CnetPortSpec *spec, const Defaults *d)
{
  spec->settings = d->port;
  spec->attach_flags = d->attach_flags;
}

static gboolean
parse_cnet_ports (Ctx *c, JsonNode *node, const Defaults *defaults)
{
  static const char *const known[] = { "interface",   "queue", "mempool",
                                       "description", "rules", "uds_path",
                                       "uds-path",    NULL };
  g_autoptr (GList) ports = NULL;
  JsonObject *obj = NULL;

  if (!get_object (c, "ports", node, &obj))
    return FALSE;
  ports = json_object_get_members (obj);
  for (GList *p = ports; p != NULL; p = p->next)
    {
      const char *name = p->data;
      g_autofree char *port_path = cnet_config_path_append_key ("ports", name);
      g_autoptr (CnetPortSpec) spec = cnet_port_spec_new_internal (name);
      g_autoptr (GList) members = NULL;
      Defaults d = *defaults;
      JsonObject *pobj = NULL;
      gint64 number;

      if (*name == '\0')
        return fail_at (c, port_path, TRUE, "a port needs a name");
      if (!get_object (c, port_path, json_object_get_member (obj, name), &pobj))
        return FALSE;
      /* `eth0:1` is queue 1 of eth0 unless the port says otherwise. */
      spec->interface = split_port_name (name, &number);
      spec->queue = number >= 0 ? (guint) number : 0;
      members = json_object_get_members (pobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (port_path, key);
          JsonNode *v = json_object_get_member (pobj, key);
          int r = parse_port_setting (c, path, key, v, &d);

          if (r < 0)
            {
              if (g_str_equal (key, "interface"))
                r = get_string (c, path, v, FALSE, &spec->interface) &&
                    check_interface_name (c, path, FALSE, spec->interface);
              else if (g_str_equal (key, "queue"))
                r = get_uint (c, path, v, 0, MAX_QUEUE, "a queue index",
                              &spec->queue);
              else if (g_str_equal (key, "mempool"))
                r = get_string (c, path, v, FALSE, &spec->mempool);
              else if (g_str_equal (key, "description"))
                r = get_string (c, path, v, TRUE, &spec->description);
              else if (g_str_equal (key, "rules"))
                r = get_rules (c, path, v, &spec->rules);
              /* CNDP's spelling, and libcnet's. */
              else if (g_str_equal (key, "uds_path") ||
                       g_str_equal (key, "uds-path"))
                r = get_uds_path (c, path, v, &spec->uds_path);
            }
          if (r < 0)
            return fail_unknown_port_key (c, path, key, known);
          if (!r)
            return FALSE;
        }
      if (!json_object_has_member (pobj, "interface") &&
          !check_interface_name (c, port_path, TRUE, spec->interface))
        return FALSE;
      if (!json_object_has_member (pobj, "queue") && spec->queue > MAX_QUEUE)
        return fail_at (c, port_path, TRUE,
                        "queue %u (from the name) is beyond the %u queues "
                        "libcnet's XDP program serves",
                        spec->queue, CNET_XDP_PROGRAM_MAX_QUEUES);
      if (spec->uds_path != NULL && spec->rules != NULL && spec->rules[0])
        {
          g_autofree char *path =
            cnet_config_path_append_key (port_path, "rules");
          return fail_at (c, path, TRUE,
                          "a port with a uds_path takes no rules: the "
                          "device plugin's XDP program decides what the "
                          "queue gets");
        }
      port_spec_apply_defaults (spec, &d);
      g_ptr_array_add (c->self->ports, g_steal_pointer (&spec));
    }
  return TRUE;
}

/* `uds_path`: the AF_XDP device plugin's socket, an absolute path that
 * fits a Unix socket address. */
static gboolean
get_uds_path (Ctx *c, const char *path, JsonNode *v, char **out)
{
  g_autofree char *s = NULL;

  if (!get_string (c, path, v, FALSE, &s))
    return FALSE;
  if (s[0] != '/')
    return fail_at (c, path, FALSE,
                    "\"%s\" is not an absolute path to a Unix socket", s);
  if (strlen (s) >= 108)
    return fail_at (c, path, FALSE,
                    "\"%s\" is longer than a Unix socket path may be "
                    "(107 bytes)",
                    s);
  g_free (*out);
  *out = g_steal_pointer (&s);
  return TRUE;
}

/* An array of non-empty strings, such as port or thread names. */
static gboolean
get_names (Ctx *c, const char *path, JsonNode *v, const char *what, GStrv *out)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (v))
    return fail_at (c, path, FALSE, "expected an array of %s names, found %s",
                    what, describe_node (v));
  array = json_node_get_array (v);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *epath = cnet_config_path_append_index (path, i);
      g_autofree char *name = NULL;

      if (!get_string (c, epath, json_array_get_element (array, i), FALSE,
                       &name))
        return FALSE;
      g_strv_builder_add (builder, name);
    }
  g_strfreev (*out);
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* `ports` of a thread (`lports` in CNDP's dialect). */
static gboolean
parse_thread_ports (Ctx *c, const char *path, JsonNode *v, CnetThreadSpec *spec)
{
  return get_names (c, path, v, "port", &spec->ports);
}

static gboolean
parse_cnet_threads (Ctx *c, JsonNode *node)
{
  static const char *const known[] = { "ports", "description", NULL };
  g_autoptr (GList) threads = NULL;
  JsonObject *obj = NULL;

  if (!get_object (c, "threads", node, &obj))
    return FALSE;
  threads = json_object_get_members (obj);
  for (GList *t = threads; t != NULL; t = t->next)
    {
      const char *name = t->data;
      g_autofree char *tpath = cnet_config_path_append_key ("threads", name);
      g_autoptr (CnetThreadSpec) spec = cnet_thread_spec_new_internal (name);
      g_autoptr (GList) members = NULL;
      JsonObject *tobj = NULL;

      if (*name == '\0')
        return fail_at (c, tpath, TRUE, "a thread needs a name");
      if (!get_object (c, tpath, json_object_get_member (obj, name), &tobj))
        return FALSE;
      spec->ports = g_new0 (char *, 1);
      members = json_object_get_members (tobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (tpath, key);
          JsonNode *v = json_object_get_member (tobj, key);

          if (g_str_equal (key, "ports"))
            {
              if (!parse_thread_ports (c, path, v, spec))
                return FALSE;
            }
          else if (g_str_equal (key, "description"))
            {
              if (!get_string (c, path, v, TRUE, &spec->description))
                return FALSE;
            }
          else
            return fail_unknown_key (c, path, key, known);
        }
      g_ptr_array_add (c->self->threads, g_steal_pointer (&spec));
    }
  return TRUE;
}

/* Adds @port to the thread named @name, creating the thread if the file
 * has none of that name. */
static void
thread_add_port (Ctx *c, const char *name, const char *port)
{
  CnetThreadSpec *spec = cnet_config_lookup_thread (c->self, name);
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  if (spec == NULL)
    {
      spec = cnet_thread_spec_new_internal (name);
      spec->ports = g_new0 (char *, 1);
      g_ptr_array_add (c->self->threads, spec);
    }
  g_strv_builder_addv (builder, (const char **) spec->ports);
  g_strv_builder_add (builder, port);
  g_strfreev (spec->ports);
  spec->ports = g_strv_builder_end (builder);
}

/* `port-groups.<name>`: a port per queue of a range (CNDP's lport-groups),
 * named "<interface>:<queue>", spread over `threads` round-robin. */
static gboolean
parse_cnet_port_groups (Ctx *c, JsonNode *node, const Defaults *defaults)
{
  static const char *const known[] = { "interface",   "first-queue", "queues",
                                       "mempool",     "threads",     "rules",
                                       "description", NULL };
  g_autoptr (GList) groups = NULL;
  JsonObject *obj = NULL;

  if (!get_object (c, "port-groups", node, &obj))
    return FALSE;
  groups = json_object_get_members (obj);
  for (GList *g = groups; g != NULL; g = g->next)
    {
      const char *name = g->data;
      g_autofree char *gpath =
        cnet_config_path_append_key ("port-groups", name);
      g_autoptr (GList) members = NULL;
      g_autofree char *interface = NULL;
      g_autofree char *mempool = NULL;
      g_autofree char *description = NULL;
      g_auto (GStrv) threads = NULL;
      g_auto (GStrv) rules = NULL;
      guint first = 0, n_queues = 0;
      Defaults d = *defaults;
      JsonObject *gobj = NULL;

      if (*name == '\0')
        return fail_at (c, gpath, TRUE, "a port group needs a name");
      if (!get_object (c, gpath, json_object_get_member (obj, name), &gobj))
        return FALSE;
      members = json_object_get_members (gobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (gpath, key);
          JsonNode *v = json_object_get_member (gobj, key);
          int r = parse_port_setting (c, path, key, v, &d);

          if (r < 0)
            {
              if (g_str_equal (key, "interface"))
                r = get_string (c, path, v, FALSE, &interface) &&
                    check_interface_name (c, path, FALSE, interface);
              else if (g_str_equal (key, "first-queue"))
                r =
                  get_uint (c, path, v, 0, MAX_QUEUE, "a queue index", &first);
              else if (g_str_equal (key, "queues"))
                r =
                  get_uint (c, path, v, 1, MAX_QUEUE + 1, "queues", &n_queues);
              else if (g_str_equal (key, "mempool"))
                r = get_string (c, path, v, FALSE, &mempool);
              else if (g_str_equal (key, "threads"))
                r = get_names (c, path, v, "thread", &threads);
              else if (g_str_equal (key, "rules"))
                r = get_rules (c, path, v, &rules);
              else if (g_str_equal (key, "description"))
                r = get_string (c, path, v, TRUE, &description);
            }
          if (r < 0)
            return fail_unknown_port_key (c, path, key, known);
          if (!r)
            return FALSE;
        }
      if (interface == NULL)
        return fail_at (c, gpath, TRUE, "missing \"interface\"");
      if (n_queues == 0)
        return fail_at (c, gpath, TRUE,
                        "missing \"queues\": how many queues, from "
                        "\"first-queue\" (0) on");
      if (first + n_queues > MAX_QUEUE + 1)
        {
          g_autofree char *qpath =
            cnet_config_path_append_key (gpath, "queues");
          return fail_at (c, qpath, FALSE,
                          "queues %u to %u go beyond the %u queues "
                          "libcnet's XDP program serves",
                          first, first + n_queues - 1,
                          CNET_XDP_PROGRAM_MAX_QUEUES);
        }
      for (guint q = first; q < first + n_queues; q++)
        {
          g_autofree char *port_name = g_strdup_printf ("%s:%u", interface, q);
          g_autoptr (CnetPortSpec) spec = NULL;

          if (cnet_config_lookup_port (c->self, port_name) != NULL)
            return fail_at (c, gpath, TRUE,
                            "queue %u of %s is already the port \"%s\"", q,
                            interface, port_name);
          spec = cnet_port_spec_new_internal (port_name);
          spec->interface = g_strdup (interface);
          spec->queue = q;
          spec->mempool = g_strdup (mempool);
          spec->description = g_strdup (description);
          spec->rules = g_strdupv (rules);
          spec->origin = g_strdup (gpath);
          port_spec_apply_defaults (spec, &d);
          if (threads != NULL && threads[0] != NULL)
            thread_add_port (c, threads[(q - first) % g_strv_length (threads)],
                             port_name);
          g_ptr_array_add (c->self->ports, g_steal_pointer (&spec));
        }
    }
  return TRUE;
}

/* --- CNDP's dialect ------------------------------------------------------ */

/* CNDP's `defaults`: counts in units of 1024, buffer sizes in KiB. */
static gboolean
parse_cndp_defaults (Ctx *c, JsonNode *node, Defaults *d)
{
  static const char *const known[] = { "bufcnt", "bufsz", "rxdesc", "txdesc",
                                       "cache",  "mtype", NULL };
  g_autoptr (GList) members = NULL;
  JsonObject *obj = NULL;

  if (!get_object (c, "defaults", node, &obj))
    return FALSE;
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key ("defaults", key);
      JsonNode *v = json_object_get_member (obj, key);
      guint u;

      if (g_str_equal (key, "bufcnt"))
        {
          if (!get_uint (c, path, v, 1, CNET_MEMPOOL_MAX_FRAMES / 1024,
                         "units of 1024 frames", &u))
            return FALSE;
          d->n_frames = u * 1024;
        }
      else if (g_str_equal (key, "bufsz"))
        {
          g_autofree char *given = NULL;
          if (!get_uint (c, path, v, 1, 64, "KiB", &u))
            return FALSE;
          given = g_strdup_printf ("%u KiB", u);
          if (!check_frame_size (c, path, u * 1024, given))
            return FALSE;
          d->frame_size = u * 1024;
        }
      else if (g_str_equal (key, "rxdesc"))
        {
          if (!get_ring_size (c, path, v, 1024, TRUE, &d->port.rx_size))
            return FALSE;
          d->port.fill_size = d->port.rx_size;
        }
      else if (g_str_equal (key, "txdesc"))
        {
          if (!get_ring_size (c, path, v, 1024, TRUE, &d->port.tx_size))
            return FALSE;
          d->port.comp_size = d->port.tx_size;
        }
      else if (g_str_equal (key, "cache"))
        {
          if (!get_uint (c, path, v, 0, G_MAXINT, "entries", &u))
            return FALSE;
          warn_at (c, path,
                   "ignored: libcnet's per-port frame caches have a fixed "
                   "size");
        }
      else if (g_str_equal (key, "mtype"))
        {
          g_autofree char *s = NULL;
          if (!get_string (c, path, v, TRUE, &s))
            return FALSE;
          warn_at (c, path,
                   "ignored: libcnet maps mempools in pages of the "
                   "system's default size");
        }
      else
        return fail_unknown_key (c, path, key, known);
    }
  return TRUE;
}

/* Ring sizes a CNDP umem gives its ports, 0 for the defaults. */
typedef struct
{
  guint rx_size;
  guint tx_size;
} UmemRings;

static gboolean
parse_cndp_regions (Ctx *c, const char *path, JsonNode *v,
                    CnetMempoolSpec *spec)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (v))
    return fail_at (c, path, FALSE,
                    "expected an array of region sizes (units of 1024 "
                    "frames), found %s",
                    describe_node (v));
  array = json_node_get_array (v);
  g_array_set_size (spec->regions, 0);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *epath = cnet_config_path_append_index (path, i);
      guint u, frames;

      if (!get_uint (c, epath, json_array_get_element (array, i), 1,
                     CNET_MEMPOOL_MAX_FRAMES / 1024, "units of 1024 frames",
                     &u))
        return FALSE;
      frames = u * 1024;
      g_array_append_val (spec->regions, frames);
    }
  return TRUE;
}

static gboolean
parse_cndp_umems (Ctx *c, JsonNode *node, const Defaults *d,
                  GHashTable *umem_rings)
{
  static const char *const known[] = { "bufcnt",      "bufsz",       "mtype",
                                       "regions",     "rxdesc",      "txdesc",
                                       "shared_umem", "description", "desc",
                                       NULL };
  g_autoptr (GList) umems = NULL;
  JsonObject *obj = NULL;

  if (!get_object (c, "umems", node, &obj))
    return FALSE;
  umems = json_object_get_members (obj);
  for (GList *u = umems; u != NULL; u = u->next)
    {
      const char *name = u->data;
      g_autofree char *upath = cnet_config_path_append_key ("umems", name);
      g_autofree char *regions_path = NULL;
      g_autoptr (CnetMempoolSpec) spec = cnet_mempool_spec_new_internal (name);
      g_autoptr (GList) members = NULL;
      UmemRings *rings = g_new0 (UmemRings, 1);
      JsonObject *uobj = NULL;
      guint total = 0;

      g_hash_table_insert (umem_rings, g_strdup (name), rings);
      if (*name == '\0')
        return fail_at (c, upath, TRUE, "a umem needs a name");
      if (!get_object (c, upath, json_object_get_member (obj, name), &uobj))
        return FALSE;
      spec->n_frames = d->n_frames;
      spec->frame_size = d->frame_size;
      spec->headroom = 0;
      members = json_object_get_members (uobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (upath, key);
          JsonNode *v = json_object_get_member (uobj, key);
          guint n;

          if (g_str_equal (key, "bufcnt"))
            {
              if (!get_uint (c, path, v, 1, CNET_MEMPOOL_MAX_FRAMES / 1024,
                             "units of 1024 frames", &n))
                return FALSE;
              spec->n_frames = n * 1024;
            }
          else if (g_str_equal (key, "bufsz"))
            {
              g_autofree char *given = NULL;
              if (!get_uint (c, path, v, 1, 64, "KiB", &n))
                return FALSE;
              given = g_strdup_printf ("%u KiB", n);
              if (!check_frame_size (c, path, n * 1024, given))
                return FALSE;
              spec->frame_size = n * 1024;
            }
          else if (g_str_equal (key, "regions"))
            {
              if (!parse_cndp_regions (c, path, v, spec))
                return FALSE;
              regions_path = g_steal_pointer (&path);
            }
          else if (g_str_equal (key, "rxdesc"))
            {
              if (!get_ring_size (c, path, v, 1024, TRUE, &rings->rx_size))
                return FALSE;
            }
          else if (g_str_equal (key, "txdesc"))
            {
              if (!get_ring_size (c, path, v, 1024, TRUE, &rings->tx_size))
                return FALSE;
            }
          else if (g_str_equal (key, "mtype"))
            {
              g_autofree char *s = NULL;
              if (!get_string (c, path, v, TRUE, &s))
                return FALSE;
              warn_at (c, path,
                       "ignored: libcnet maps mempools in pages of the "
                       "system's default size");
            }
          else if (g_str_equal (key, "shared_umem"))
            {
              gboolean b;
              if (!get_bool (c, path, v, &b))
                return FALSE;
              if (b)
                warn_at (c, path,
                         "ignored: each libcnet port registers its "
                         "mempool's UMEM itself, shared or not");
            }
          else if (g_str_equal (key, "description") ||
                   g_str_equal (key, "desc"))
            {
              if (!get_string (c, path, v, TRUE, &spec->description))
                return FALSE;
            }
          else
            return fail_unknown_key (c, path, key, known);
        }
      if (spec->n_frames == 0)
        return fail_at (c, upath, FALSE,
                        "missing \"bufcnt\", and there is no "
                        "defaults.bufcnt");
      for (guint i = 0; i < spec->regions->len; i++)
        total += g_array_index (spec->regions, guint, i);
      if (regions_path != NULL && total != spec->n_frames)
        return fail_at (c, regions_path, FALSE,
                        "the regions add up to %u Ki frames, but bufcnt is "
                        "%u Ki frames",
                        total / 1024, spec->n_frames / 1024);
      if (regions_path != NULL && spec->regions->len > 1)
        warn_at (c, regions_path,
                 "not enforced: the ports of a libcnet mempool share all its "
                 "frames; the sizes are checked and each port's region "
                 "index too");
      g_ptr_array_add (c->self->mempools, g_steal_pointer (&spec));
    }
  return TRUE;
}

static gboolean
parse_cndp_lports (Ctx *c, JsonNode *node, const Defaults *defaults,
                   GHashTable *umem_rings)
{
  static const char *const known[] = {
    "pmd",          "qid",          "umem",
    "region",       "netdev",       "busy_poll",
    "busy_polling", "busy_timeout", "busy_budget",
    "force_wakeup", "skb_mode",     "unaligned_buffers",
    "unprivileged", "xsk_pin_path", "uds_path",
    "description",  "desc",         NULL
  };
  g_autoptr (GList) lports = NULL;
  JsonObject *obj = NULL;

  if (!get_object (c, "lports", node, &obj))
    return FALSE;
  lports = json_object_get_members (obj);
  for (GList *p = lports; p != NULL; p = p->next)
    {
      const char *name = p->data;
      g_autofree char *port_path = cnet_config_path_append_key ("lports", name);
      g_autoptr (CnetPortSpec) spec = cnet_port_spec_new_internal (name);
      g_autoptr (GList) members = NULL;
      gboolean busy_poll = FALSE;
      guint busy_timeout = 0, busy_budget = 0;
      JsonObject *pobj = NULL;
      gint64 number;
      UmemRings *rings;

      if (*name == '\0')
        return fail_at (c, port_path, TRUE, "an lport needs a name");
      if (!get_object (c, port_path, json_object_get_member (obj, name), &pobj))
        return FALSE;
      /* The netdev is the part of the name before the colon. */
      spec->interface = split_port_name (name, &number);
      port_spec_apply_defaults (spec, defaults);
      members = json_object_get_members (pobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (port_path, key);
          JsonNode *v = json_object_get_member (pobj, key);
          gboolean b;

          if (g_str_equal (key, "pmd"))
            {
              g_autofree char *pmd = NULL;
              if (!get_string (c, path, v, FALSE, &pmd))
                return FALSE;
              /* `net_af_xdp:opts` passes options to the PMD. */
              if (!g_str_equal (pmd, "net_af_xdp") &&
                  !g_str_has_prefix (pmd, "net_af_xdp:"))
                return fail_at (c, path, FALSE,
                                "pmd \"%s\" is not supported: libcnet "
                                "drives AF_XDP lports (\"net_af_xdp\") only",
                                pmd);
              if (strchr (pmd, ':') != NULL)
                warn_at (c, path, "ignored: the PMD options after ':'");
            }
          else if (g_str_equal (key, "qid"))
            {
              if (!get_uint (c, path, v, 0, MAX_QUEUE, "a queue index",
                             &spec->queue))
                return FALSE;
            }
          else if (g_str_equal (key, "umem"))
            {
              if (!get_string (c, path, v, FALSE, &spec->mempool))
                return FALSE;
            }
          else if (g_str_equal (key, "region"))
            {
              if (!get_uint (c, path, v, 0, 127, "a region index",
                             &spec->region))
                return FALSE;
            }
          else if (g_str_equal (key, "netdev"))
            {
              if (!get_string (c, path, v, FALSE, &spec->interface) ||
                  !check_interface_name (c, path, FALSE, spec->interface))
                return FALSE;
            }
          else if (g_str_equal (key, "busy_poll") ||
                   g_str_equal (key, "busy_polling"))
            {
              if (!get_bool (c, path, v, &b))
                return FALSE;
              busy_poll = busy_poll || b;
            }
          else if (g_str_equal (key, "busy_timeout"))
            {
              if (!get_uint (c, path, v, 0, G_MAXUINT16, "microseconds",
                             &busy_timeout))
                return FALSE;
            }
          else if (g_str_equal (key, "busy_budget"))
            {
              const CnetPortSettingInfo *info =
                cnet_port_setting_lookup ("busy-poll-budget");
              g_autoptr (GError) local = NULL;

              if (!get_uint (c, path, v, 0, G_MAXUINT16, "frames",
                             &busy_budget))
                return FALSE;
              /* 0 and 0xffff are CNDP's "the kernel's default". */
              if (busy_budget != 0 && busy_budget != 0xffff &&
                  !cnet_port_setting_check (info, busy_budget, &local))
                return fail_at (c, path, FALSE, "%s", local->message);
            }
          else if (g_str_equal (key, "force_wakeup"))
            {
              if (!get_bool (c, path, v, &b))
                return FALSE;
              spec->settings.need_wakeup = !b;
            }
          else if (g_str_equal (key, "skb_mode"))
            {
              if (!get_bool (c, path, v, &b))
                return FALSE;
              if (b)
                {
                  spec->settings.xdp_mode = CNET_XDP_MODE_GENERIC;
                  spec->settings.bind_mode = CNET_BIND_MODE_COPY;
                }
            }
          else if (g_str_equal (key, "unaligned_buffers") ||
                   g_str_equal (key, "unprivileged"))
            {
              if (!get_bool (c, path, v, &b))
                return FALSE;
              /* CNDP's unprivileged mode with a uds_path is what libcnet
               * does with the uds_path. */
              if (b &&
                  !(key[2] == 'p' && json_object_has_member (pobj, "uds_path")))
                warn_at (c, path, "ignored: %s",
                         key[1] == 'n' && key[2] == 'a'
                           ? "libcnet uses aligned frames"
                           : "libcnet loads its XDP program itself; "
                             "unprivileged programs get their queues from "
                             "cnetd");
            }
          else if (g_str_equal (key, "uds_path"))
            {
              if (!get_uds_path (c, path, v, &spec->uds_path))
                return FALSE;
            }
          else if (g_str_equal (key, "xsk_pin_path"))
            {
              g_autofree char *s = NULL;
              if (!get_string (c, path, v, TRUE, &s))
                return FALSE;
              warn_at (c, path,
                       "ignored: libcnet takes no XSKMAP from a pinned map; "
                       "use uds_path (the device plugin's socket)");
            }
          else if (g_str_equal (key, "description") ||
                   g_str_equal (key, "desc"))
            {
              if (!get_string (c, path, v, TRUE, &spec->description))
                return FALSE;
            }
          else
            return fail_unknown_key (c, path, key, known);
        }
      if (!json_object_has_member (pobj, "netdev") &&
          !check_interface_name (c, port_path, TRUE, spec->interface))
        return FALSE;
      if (!json_object_has_member (pobj, "pmd"))
        return fail_at (c, port_path, FALSE,
                        "missing \"pmd\": CNDP lports name their driver, "
                        "\"net_af_xdp\"");
      if (!json_object_has_member (pobj, "qid"))
        return fail_at (c, port_path, FALSE,
                        "missing \"qid\": the queue of %s to open",
                        spec->interface);
      if (spec->mempool == NULL)
        return fail_at (c, port_path, FALSE,
                        "missing \"umem\": the umem the lport receives into");
      /* CNDP hands busy_timeout to SO_BUSY_POLL, which counts microseconds;
       * 0 means its default. A budget of 0 is the default, 0xffff none. */
      if (busy_poll)
        {
          spec->settings.busy_poll_usecs =
            busy_timeout ? busy_timeout : DEFAULT_BUSY_POLL_USECS_CNDP;
          if (busy_budget != 0 && busy_budget != 0xffff)
            spec->settings.busy_poll_budget = busy_budget;
        }
      else if (json_object_has_member (pobj, "busy_timeout") ||
               json_object_has_member (pobj, "busy_budget"))
        {
          g_autofree char *path =
            cnet_config_path_append_key (port_path,
                                         json_object_has_member (pobj,
                                                                 "busy_timeout")
                                           ? "busy_timeout"
                                           : "busy_budget");
          warn_at (c, path, "ignored: busy polling is off (no busy_poll)");
        }
      rings = g_hash_table_lookup (umem_rings, spec->mempool);
      if (rings != NULL && rings->rx_size != 0)
        spec->settings.rx_size = spec->settings.fill_size = rings->rx_size;
      if (rings != NULL && rings->tx_size != 0)
        spec->settings.tx_size = spec->settings.comp_size = rings->tx_size;
      g_ptr_array_add (c->self->ports, g_steal_pointer (&spec));
    }
  return TRUE;
}

static gboolean
parse_cndp_threads (Ctx *c, JsonNode *node, JsonObject *lcore_groups)
{
  static const char *const known[] = {
    "group", "lports", "idle_timeout", "intr_timeout", "description",
    "desc",  NULL
  };
  g_autoptr (GList) threads = NULL;
  JsonObject *obj = NULL;

  if (!get_object (c, "threads", node, &obj))
    return FALSE;
  threads = json_object_get_members (obj);
  for (GList *t = threads; t != NULL; t = t->next)
    {
      const char *name = t->data;
      g_autofree char *tpath = cnet_config_path_append_key ("threads", name);
      g_autoptr (CnetThreadSpec) spec = cnet_thread_spec_new_internal (name);
      g_autoptr (GList) members = NULL;
      JsonObject *tobj = NULL;

      if (*name == '\0')
        return fail_at (c, tpath, TRUE, "a thread needs a name");
      if (!get_object (c, tpath, json_object_get_member (obj, name), &tobj))
        return FALSE;
      spec->ports = g_new0 (char *, 1);
      members = json_object_get_members (tobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (tpath, key);
          JsonNode *v = json_object_get_member (tobj, key);
          guint ms;

          if (g_str_equal (key, "lports"))
            {
              if (!parse_thread_ports (c, path, v, spec))
                return FALSE;
            }
          else if (g_str_equal (key, "group"))
            {
              if (!get_string (c, path, v, FALSE, &spec->group))
                return FALSE;
              if (lcore_groups != NULL &&
                  !json_object_has_member (lcore_groups, spec->group))
                return fail_at (c, path, FALSE, "no lcore group named \"%s\"",
                                spec->group);
              warn_at (c, path,
                       "kept for the application "
                       "(cnet_thread_spec_get_group()): libcnet does not "
                       "place threads on CPUs");
            }
          else if (g_str_equal (key, "idle_timeout") ||
                   g_str_equal (key, "intr_timeout"))
            {
              if (!get_uint (c, path, v, 0, G_MAXINT, "milliseconds", &ms))
                return FALSE;
              warn_at (c, path,
                       "ignored: the worker thread decides how it waits "
                       "(cnet_port_wait())");
            }
          else if (g_str_equal (key, "description") ||
                   g_str_equal (key, "desc"))
            {
              if (!get_string (c, path, v, TRUE, &spec->description))
                return FALSE;
            }
          else
            return fail_unknown_key (c, path, key, known);
        }
      g_ptr_array_add (c->self->threads, g_steal_pointer (&spec));
    }
  return TRUE;
}

/* --- cross-references --------------------------------------------------- */

static gboolean
check_references (Ctx *c)
{
  CnetConfig *self = c->self;
  gboolean cndp = self->dialect == CNET_CONFIG_DIALECT_CNDP;
  const char *ports_key = cndp ? "lports" : "ports";
  g_autoptr (GHashTable) queues =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) owners = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < self->ports->len; i++)
    {
      CnetPortSpec *port = g_ptr_array_index (self->ports, i);
      g_autofree char *port_path =
        port->origin ? g_strdup (port->origin)
                     : cnet_config_path_append_key (ports_key, port->name);
      g_autofree char *pool_path =
        cnet_config_path_append_key (port_path, cndp ? "umem" : "mempool");
      g_autofree char *queue_path =
        cnet_config_path_append_key (port_path, cndp ? "qid" : "queue");
      g_autofree char *queue_key = NULL;
      CnetMempoolSpec *pool;
      CnetPortSpec *other;

      if (port->mempool == NULL)
        {
          if (self->mempools->len != 1)
            return fail_at (c, port_path, FALSE,
                            "missing \"mempool\": name one of the %u "
                            "mempools",
                            self->mempools->len);
          pool = g_ptr_array_index (self->mempools, 0);
          port->mempool = g_strdup (pool->name);
        }
      pool = cnet_config_lookup_mempool (self, port->mempool);
      if (pool == NULL)
        return fail_at (c, pool_path, FALSE, "no %s named \"%s\"",
                        cndp ? "umem" : "mempool", port->mempool);
      if (port->region > 0 && port->region >= MAX (pool->regions->len, 1))
        {
          g_autofree char *region_path =
            cnet_config_path_append_key (port_path, "region");
          return fail_at (c, region_path, FALSE,
                          "region %u does not exist: umem \"%s\" has %u "
                          "region%s",
                          port->region, pool->name, MAX (pool->regions->len, 1),
                          pool->regions->len > 1 ? "s" : "");
        }

      queue_key = g_strdup_printf ("%s\n%u", port->interface, port->queue);
      other = g_hash_table_lookup (queues, queue_key);
      if (other != NULL)
        {
          CnetConfigPos *has_queue = g_hash_table_lookup (c->pos, queue_path);
          return fail_at (c, has_queue ? queue_path : port_path,
                          has_queue == NULL,
                          "queue %u of %s is already used by %s \"%s\"",
                          port->queue, port->interface, cndp ? "lport" : "port",
                          other->name);
        }
      g_hash_table_insert (queues, g_steal_pointer (&queue_key), port);
    }

  for (guint i = 0; i < self->threads->len; i++)
    {
      CnetThreadSpec *thread = g_ptr_array_index (self->threads, i);
      g_autofree char *tpath =
        cnet_config_path_append_key ("threads", thread->name);
      g_autofree char *list_path =
        cnet_config_path_append_key (tpath, ports_key);

      for (guint j = 0; thread->ports[j] != NULL; j++)
        {
          g_autofree char *epath = cnet_config_path_append_index (list_path, j);
          CnetThreadSpec *owner;

          if (cnet_config_lookup_port (self, thread->ports[j]) == NULL)
            return fail_at (c, epath, FALSE, "no %s named \"%s\"",
                            cndp ? "lport" : "port", thread->ports[j]);
          owner = g_hash_table_lookup (owners, thread->ports[j]);
          if (owner == thread)
            return fail_at (c, epath, FALSE, "\"%s\" is listed twice",
                            thread->ports[j]);
          if (owner != NULL && cndp)
            {
              /* CNDP lets one thread receive on an lport and another send
               * on it (its distributor example): take the file, and say
               * which thread libcnet means to receive. */
              warn_at (c, epath,
                       "\"%s\" is in thread \"%s\" too: receiving on a "
                       "port is for one thread only, \"%s\"; this one may "
                       "send on it",
                       thread->ports[j], owner->name, owner->name);
              continue;
            }
          if (owner != NULL)
            return fail_at (c, epath, FALSE,
                            "\"%s\" already belongs to thread \"%s\": a port "
                            "is received on by one thread only",
                            thread->ports[j], owner->name);
          g_hash_table_insert (owners, thread->ports[j], thread);
        }
    }
  return TRUE;
}

/* --- the top level -------------------------------------------------------- */

static const char *const cnet_sections[] = { "application", "defaults",
                                             "mempools",    "ports",
                                             "port-groups", "threads",
                                             "options",     NULL };
static const char *const cndp_sections[] = {
  "application", "defaults",     "umems",   "lports", "lcore-groups",
  "threads",     "lport-groups", "options", "users",  NULL
};

static gboolean
is_one_of (const char *key, const char *const *list)
{
  return g_strv_contains (list, key);
}

static gboolean
detect_dialect (Ctx *c, JsonObject *root)
{
  static const char *const cndp_only[] = { "umems",        "lports",
                                           "lcore-groups", "lport-groups",
                                           "users",        NULL };
  static const char *const cnet_only[] = { "mempools", "ports", NULL };
  g_autoptr (GList) members = json_object_get_members (root);
  const char *first_cndp = NULL, *first_cnet = NULL;

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;

      if (is_one_of (key, cndp_only) && first_cndp == NULL)
        first_cndp = key;
      if (is_one_of (key, cnet_only) && first_cnet == NULL)
        first_cnet = key;
      if (first_cndp != NULL && first_cnet != NULL)
        {
          g_autofree char *path = cnet_config_path_append_key (NULL, key);
          return fail_at (c, path, TRUE,
                          "mixes CNDP's \"%s\" with libcnet's \"%s\": write "
                          "the file in one of the two shapes",
                          first_cndp, first_cnet);
        }
    }
  c->self->dialect =
    first_cndp != NULL ? CNET_CONFIG_DIALECT_CNDP : CNET_CONFIG_DIALECT_CNET;
  return TRUE;
}

static gboolean
parse_root (Ctx *c, JsonNode *root_node)
{
  CnetConfig *self = c->self;
  JsonObject *root = json_node_get_object (root_node);
  gboolean cndp;
  const char *const *known;
  g_autoptr (GList) members = NULL;
  g_autoptr (GHashTable) umem_rings =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonObject *lcore_groups = NULL;
  JsonNode *n;
  Defaults d = {
    .n_frames = DEFAULT_N_FRAMES,
    .frame_size = CNET_MEMPOOL_DEFAULT_FRAME_SIZE,
    .headroom = 0,
    .attach_flags = CNET_XDP_ATTACH_NONE,
  };

  cnet_port_settings_init (&d.port);

  if (!detect_dialect (c, root))
    return FALSE;
  cndp = self->dialect == CNET_CONFIG_DIALECT_CNDP;
  /* CNDP's loader (json-c, not strict) takes a comma before '}' or ']',
   * and CNDP's own files have them; libcnet's dialect is JSON. */
  if (!cndp && c->trailing_commas->len > 0)
    {
      CnetConfigComma *comma =
        &g_array_index (c->trailing_commas, CnetConfigComma, 0);
      g_autofree char *msg = cnet_config_format_message (
        self->name, comma->line, comma->col, comma->path,
        "syntax error: a comma before the closing bracket (JSON has none; "
        "only CNDP files may)");

      g_set_error_literal (c->error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG,
                           msg);
      return FALSE;
    }
  known = cndp ? cndp_sections : cnet_sections;
  /* CNDP wants bufcnt, in the umem or in the defaults. */
  if (cndp)
    d.n_frames = 0;

  /* The sections, in the order of the file: unknown ones first. */
  members = json_object_get_members (root);
  for (GList *l = members; l != NULL; l = l->next)
    {
      g_autofree char *path = cnet_config_path_append_key (NULL, l->data);
      if (!is_one_of (l->data, known))
        return fail_unknown_key (c, path, l->data, known);
    }

  /* Then each, in an order that has what it refers to read first. */
  if ((n = json_object_get_member (root, "application")) != NULL &&
      !parse_application (c, n))
    return FALSE;
  if ((n = json_object_get_member (root, "defaults")) != NULL &&
      !(cndp ? parse_cndp_defaults (c, n, &d) : parse_cnet_defaults (c, n, &d)))
    return FALSE;

  if (cndp)
    {
      if ((n = json_object_get_member (root, "umems")) != NULL &&
          !parse_cndp_umems (c, n, &d, umem_rings))
        return FALSE;
      if ((n = json_object_get_member (root, "lcore-groups")) != NULL)
        {
          if (!get_object (c, "lcore-groups", n, &lcore_groups))
            return FALSE;
          warn_ignored_section (c, "lcore-groups",
                                "libcnet does not place threads on CPUs; "
                                "the application does");
        }
      if ((n = json_object_get_member (root, "lports")) != NULL &&
          !parse_cndp_lports (c, n, &d, umem_rings))
        return FALSE;
      if ((n = json_object_get_member (root, "threads")) != NULL &&
          !parse_cndp_threads (c, n, lcore_groups))
        return FALSE;
      if ((n = json_object_get_member (root, "lport-groups")) != NULL)
        {
          JsonObject *unused = NULL;
          if (!get_object (c, "lport-groups", n, &unused))
            return FALSE;
          warn_ignored_section (c, "lport-groups",
                                "libcnet opens the lports listed in "
                                "\"lports\" only; list each one there");
        }
      if (json_object_get_member (root, "users") != NULL)
        warn_ignored_section (c, "users",
                              "libcnet has no use for CNDP's user section");
    }
  else
    {
      if ((n = json_object_get_member (root, "mempools")) != NULL &&
          !parse_cnet_mempools (c, n, &d))
        return FALSE;
      if ((n = json_object_get_member (root, "ports")) != NULL &&
          !parse_cnet_ports (c, n, &d))
        return FALSE;
      if ((n = json_object_get_member (root, "threads")) != NULL &&
          !parse_cnet_threads (c, n))
        return FALSE;
      if ((n = json_object_get_member (root, "port-groups")) != NULL &&
          !parse_cnet_port_groups (c, n, &d))
        return FALSE;
    }
  if ((n = json_object_get_member (root, "options")) != NULL &&
      !parse_options (c, n))
    return FALSE;

  return check_references (c);
}

static gboolean
cnet_config_load (CnetConfig *self, const char *text, gsize length,
                  GError **error)
{
  g_autofree char *stripped = NULL;
  g_autoptr (GHashTable) positions = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GArray) trailing =
    g_array_new (FALSE, FALSE, sizeof (CnetConfigComma));
  gsize stripped_len;
  Ctx c = { .self = self, .error = error, .trailing_commas = trailing };

  stripped =
    cnet_config_strip_comments (self->name, text, length, &stripped_len, error);
  if (stripped == NULL)
    return FALSE;
  positions =
    cnet_config_scan (self->name, stripped, stripped_len, trailing, error);
  if (positions == NULL)
    return FALSE;
  c.pos = positions;
  /* json-glib is strict: blank the trailing commas out (the scanner took
   * them; parse_root() refuses them in libcnet's dialect). */
  for (guint i = 0; i < trailing->len; i++)
    stripped[g_array_index (trailing, CnetConfigComma, i).offset] = ' ';

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, stripped, (gssize) stripped_len,
                                   &local))
    {
      /* The scanner took it, so this is json-glib's own limit. */
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, "%s: %s",
                   self->name, local->message);
      return FALSE;
    }
  return parse_root (&c, json_parser_get_root (parser));
}

static gboolean
cnet_config_initable_init (GInitable *initable, GCancellable *cancellable,
                           GError **error)
{
  CnetConfig *self = CNET_CONFIG (initable);
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (self->path == NULL && self->data == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "a configuration needs a path or data");
      return FALSE;
    }
  if (self->name == NULL)
    self->name = g_strdup (self->path ? self->path : "<string>");

  if (self->path != NULL)
    {
      g_autoptr (GError) local = NULL;

      if (!g_file_get_contents (self->path, &contents, &length, &local))
        {
          CnetError code = CNET_ERROR_FAILED;

          if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            code = CNET_ERROR_NOT_FOUND;
          else if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_PERM))
            code = CNET_ERROR_PERMISSION_DENIED;
          g_set_error (error, CNET_ERROR, code,
                       "%s: cannot read the configuration: %s", self->name,
                       local->message);
          return FALSE;
        }
      return cnet_config_load (self, contents, length, error);
    }
  return cnet_config_load (self, g_bytes_get_data (self->data, NULL),
                           g_bytes_get_size (self->data), error);
}

static void
cnet_config_initable_iface_init (GInitableIface *iface)
{
  iface->init = cnet_config_initable_init;
}

static void
cnet_config_finalize (GObject *object)
{
  CnetConfig *self = CNET_CONFIG (object);

  g_free (self->path);
  g_clear_pointer (&self->data, g_bytes_unref);
  g_free (self->name);
  g_free (self->app_name);
  g_free (self->app_description);
  g_ptr_array_unref (self->mempools);
  g_ptr_array_unref (self->ports);
  g_ptr_array_unref (self->threads);
  g_clear_pointer (&self->options, json_node_unref);
  g_clear_pointer (&self->options_variant, g_variant_unref);
  g_ptr_array_unref (self->warnings);

  G_OBJECT_CLASS (cnet_config_parent_class)->finalize (object);
}

static void
cnet_config_get_property (GObject *object, guint prop_id, GValue *value,
                          GParamSpec *pspec)
{
  CnetConfig *self = CNET_CONFIG (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_DATA:
      g_value_set_boxed (value, self->data);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DIALECT:
      g_value_set_enum (value, self->dialect);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_config_set_property (GObject *object, guint prop_id, const GValue *value,
                          GParamSpec *pspec)
{
  CnetConfig *self = CNET_CONFIG (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_DATA:
      self->data = g_value_dup_boxed (value);
      break;
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_config_class_init (CnetConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnet_config_finalize;
  object_class->get_property = cnet_config_get_property;
  object_class->set_property = cnet_config_set_property;

  /**
   * CnetConfig:path:
   *
   * The file the configuration is read from, or %NULL when it is read from
   * #CnetConfig:data.
   *
   * Since: 1.0
   */
  props[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  /**
   * CnetConfig:data:
   *
   * The text the configuration is read from, when there is no
   * #CnetConfig:path.
   *
   * Since: 1.0
   */
  props[PROP_DATA] =
    g_param_spec_boxed ("data", NULL, NULL, G_TYPE_BYTES,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS);

  /**
   * CnetConfig:name:
   *
   * The name messages give the configuration: the path as given, or a name
   * chosen for data (`<string>` when none is).
   *
   * Since: 1.0
   */
  props[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  /**
   * CnetConfig:dialect:
   *
   * The shape the configuration is written in.
   *
   * Since: 1.0
   */
  props[PROP_DIALECT] =
    g_param_spec_enum ("dialect", NULL, NULL, CNET_TYPE_CONFIG_DIALECT,
                       CNET_CONFIG_DIALECT_CNET,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cnet_config_init (CnetConfig *self)
{
  self->mempools = g_ptr_array_new_with_free_func (g_object_unref);
  self->ports = g_ptr_array_new_with_free_func (g_object_unref);
  self->threads = g_ptr_array_new_with_free_func (g_object_unref);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->warnings, NULL);
  self->options_variant =
    g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
}

/**
 * cnet_config_new_from_file:
 * @path: (type filename): the file to read
 *
 * Reads and checks a configuration file. Messages name the file as @path
 * is given.
 *
 * Returns: (transfer full): the configuration, or %NULL with @error set:
 *   %CNET_ERROR_INVALID_CONFIG for a file that is not valid,
 *   %CNET_ERROR_NOT_FOUND or %CNET_ERROR_PERMISSION_DENIED for one that
 *   cannot be read
 *
 * Since: 1.0
 */
CnetConfig *
cnet_config_new_from_file (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  return g_initable_new (CNET_TYPE_CONFIG, NULL, error, "path", path, NULL);
}

/**
 * cnet_config_new_from_data:
 * @data: (array length=length) (element-type guint8): the text
 * @length: the length of @data in bytes, or -1 when it is NUL-terminated
 * @name: (nullable): the name messages give the text, or %NULL for
 *   `<string>`
 *
 * Reads and checks a configuration from text.
 *
 * Returns: (transfer full): the configuration, or %NULL with @error set
 *   (%CNET_ERROR_INVALID_CONFIG)
 *
 * Since: 1.0
 */
CnetConfig *
cnet_config_new_from_data (const char *data, gssize length, const char *name,
                           GError **error)
{
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  bytes = g_bytes_new (data, length < 0 ? strlen (data) : (gsize) length);
  return g_initable_new (CNET_TYPE_CONFIG, NULL, error, "data", bytes, "name",
                         name, NULL);
}

/**
 * cnet_config_get_name:
 * @config: a #CnetConfig
 *
 * Returns: the name messages give the configuration (#CnetConfig:name)
 *
 * Since: 1.0
 */
const char *
cnet_config_get_name (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  return config->name;
}

/**
 * cnet_config_get_dialect:
 * @config: a #CnetConfig
 *
 * Returns: the shape the configuration is written in
 *
 * Since: 1.0
 */
CnetConfigDialect
cnet_config_get_dialect (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), CNET_CONFIG_DIALECT_CNET);
  return config->dialect;
}

/**
 * cnet_config_get_application_name:
 * @config: a #CnetConfig
 *
 * Returns: (nullable): `application.name`, or %NULL
 *
 * Since: 1.0
 */
const char *
cnet_config_get_application_name (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  return config->app_name;
}

/**
 * cnet_config_get_application_description:
 * @config: a #CnetConfig
 *
 * Returns: (nullable): `application.description`, or %NULL
 *
 * Since: 1.0
 */
const char *
cnet_config_get_application_description (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  return config->app_description;
}

/**
 * cnet_config_get_mempools:
 * @config: a #CnetConfig
 *
 * Returns: (transfer none) (element-type CnetMempoolSpec): the mempools, in
 *   the order of the configuration
 *
 * Since: 1.0
 */
GPtrArray *
cnet_config_get_mempools (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  return config->mempools;
}

/**
 * cnet_config_lookup_mempool:
 * @config: a #CnetConfig
 * @name: a mempool name
 *
 * Returns: (transfer none) (nullable): the mempool named @name, or %NULL
 *
 * Since: 1.0
 */
CnetMempoolSpec *
cnet_config_lookup_mempool (CnetConfig *config, const char *name)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < config->mempools->len; i++)
    {
      CnetMempoolSpec *spec = g_ptr_array_index (config->mempools, i);
      if (g_str_equal (spec->name, name))
        return spec;
    }
  return NULL;
}

/**
 * cnet_config_get_ports:
 * @config: a #CnetConfig
 *
 * Returns: (transfer none) (element-type CnetPortSpec): the ports, in the
 *   order of the configuration
 *
 * Since: 1.0
 */
GPtrArray *
cnet_config_get_ports (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  return config->ports;
}

/**
 * cnet_config_lookup_port:
 * @config: a #CnetConfig
 * @name: a port name, such as `eth0:0`
 *
 * Returns: (transfer none) (nullable): the port named @name, or %NULL
 *
 * Since: 1.0
 */
CnetPortSpec *
cnet_config_lookup_port (CnetConfig *config, const char *name)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < config->ports->len; i++)
    {
      CnetPortSpec *spec = g_ptr_array_index (config->ports, i);
      if (g_str_equal (spec->name, name))
        return spec;
    }
  return NULL;
}

/**
 * cnet_config_get_threads:
 * @config: a #CnetConfig
 *
 * Returns: (transfer none) (element-type CnetThreadSpec): the threads, in
 *   the order of the configuration
 *
 * Since: 1.0
 */
GPtrArray *
cnet_config_get_threads (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  return config->threads;
}

/**
 * cnet_config_lookup_thread:
 * @config: a #CnetConfig
 * @name: a thread name, such as `fwd:0`
 *
 * Returns: (transfer none) (nullable): the thread named @name, or %NULL
 *
 * Since: 1.0
 */
CnetThreadSpec *
cnet_config_lookup_thread (CnetConfig *config, const char *name)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < config->threads->len; i++)
    {
      CnetThreadSpec *spec = g_ptr_array_index (config->threads, i);
      if (g_str_equal (spec->name, name))
        return spec;
    }
  return NULL;
}

/**
 * cnet_config_get_options:
 * @config: a #CnetConfig
 *
 * Gets the `options` section, which belongs to the application: any key,
 * any value. Integers are `x` (int64), fractions `d`, strings `s`,
 * booleans `b`, arrays `av`, objects `a{sv}`, and null `mv`.
 *
 * Returns: (transfer none): the options as an `a{sv}` dictionary, empty when
 *   there are none
 *
 * Since: 1.0
 */
GVariant *
cnet_config_get_options (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  return config->options_variant;
}

/**
 * cnet_config_lookup_option:
 * @config: a #CnetConfig
 * @name: an option name
 *
 * Returns: (transfer full) (nullable): the value of option @name (see
 *   cnet_config_get_options() for the types), or %NULL when it is not set
 *
 * Since: 1.0
 */
GVariant *
cnet_config_lookup_option (CnetConfig *config, const char *name)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return g_variant_lookup_value (config->options_variant, name, NULL);
}

/**
 * cnet_config_get_warnings:
 * @config: a #CnetConfig
 *
 * Gets the warnings about keys libcnet read but does not act on, such as
 * CNDP's `lcore-groups` or `mtype`, each as
 * `file:line:column: key.path: ignored: why`.
 *
 * Returns: (array zero-terminated=1) (transfer none): the warnings, in the
 *   order they were found; empty when there are none
 *
 * Since: 1.0
 */
const char *const *
cnet_config_get_warnings (CnetConfig *config)
{
  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);
  return (const char *const *) config->warnings->pdata;
}

/**
 * cnet_config_to_json:
 * @config: a #CnetConfig
 *
 * Describes the configuration as libcnet understood it, in its own
 * dialect, with every unit converted and every default applied: the
 * application, mempools, ports, threads and options, and the warnings.
 *
 * Returns: (transfer full): pretty-printed JSON
 *
 * Since: 1.0
 */
char *
cnet_config_to_json (CnetConfig *config)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  g_return_val_if_fail (CNET_IS_CONFIG (config), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "dialect");
  json_builder_add_string_value (b, cnet_enum_to_nick (CNET_TYPE_CONFIG_DIALECT,
                                                       config->dialect));
  json_builder_set_member_name (b, "application");
  json_builder_begin_object (b);
  if (config->app_name != NULL)
    {
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, config->app_name);
    }
  if (config->app_description != NULL)
    {
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, config->app_description);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "mempools");
  json_builder_begin_object (b);
  for (guint i = 0; i < config->mempools->len; i++)
    {
      CnetMempoolSpec *m = g_ptr_array_index (config->mempools, i);

      json_builder_set_member_name (b, m->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "frames");
      json_builder_add_int_value (b, m->n_frames);
      json_builder_set_member_name (b, "frame-size");
      json_builder_add_int_value (b, m->frame_size);
      json_builder_set_member_name (b, "headroom");
      json_builder_add_int_value (b, m->headroom);
      if (m->regions->len > 0)
        {
          json_builder_set_member_name (b, "regions");
          json_builder_begin_array (b);
          for (guint j = 0; j < m->regions->len; j++)
            json_builder_add_int_value (b,
                                        g_array_index (m->regions, guint, j));
          json_builder_end_array (b);
        }
      if (m->description != NULL)
        {
          json_builder_set_member_name (b, "description");
          json_builder_add_string_value (b, m->description);
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "ports");
  json_builder_begin_object (b);
  for (guint i = 0; i < config->ports->len; i++)
    {
      CnetPortSpec *p = g_ptr_array_index (config->ports, i);

      json_builder_set_member_name (b, p->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "interface");
      json_builder_add_string_value (b, p->interface);
      json_builder_set_member_name (b, "queue");
      json_builder_add_int_value (b, p->queue);
      json_builder_set_member_name (b, "mempool");
      json_builder_add_string_value (b, p->mempool);
      json_builder_set_member_name (b, "region");
      json_builder_add_int_value (b, p->region);
      cnet_port_settings_to_json (&p->settings, b);
      json_builder_set_member_name (b, "replace-foreign-program");
      json_builder_add_boolean_value (b, (p->attach_flags &
                                          CNET_XDP_ATTACH_REPLACE) != 0);
      if (p->rules != NULL)
        {
          json_builder_set_member_name (b, "rules");
          json_builder_begin_array (b);
          for (guint r = 0; p->rules[r] != NULL; r++)
            json_builder_add_string_value (b, p->rules[r]);
          json_builder_end_array (b);
        }
      if (p->description != NULL)
        {
          json_builder_set_member_name (b, "description");
          json_builder_add_string_value (b, p->description);
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "threads");
  json_builder_begin_object (b);
  for (guint i = 0; i < config->threads->len; i++)
    {
      CnetThreadSpec *t = g_ptr_array_index (config->threads, i);

      json_builder_set_member_name (b, t->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "ports");
      json_builder_begin_array (b);
      for (guint j = 0; t->ports[j] != NULL; j++)
        json_builder_add_string_value (b, t->ports[j]);
      json_builder_end_array (b);
      if (t->description != NULL)
        {
          json_builder_set_member_name (b, "description");
          json_builder_add_string_value (b, t->description);
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "options");
  if (config->options != NULL)
    json_builder_add_value (b, json_node_copy (config->options));
  else
    {
      json_builder_begin_object (b);
      json_builder_end_object (b);
    }

  json_builder_set_member_name (b, "warnings");
  json_builder_begin_array (b);
  for (guint i = 0; i + 1 < config->warnings->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (config->warnings, i));
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  return json_generator_to_data (gen, NULL);
}
