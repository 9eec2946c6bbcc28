/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "cnet-config-private.h"
#include "cnet-enums.h"
#include "cnet-error.h"
#include "cnet-mempool.h"
#include "cnet-port.h"
#include "cnet-xdp-program.h"
#include "cnet-config-reader.h"

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

/* --- cross-references --------------------------------------------------- */

static gboolean
cnet_config_check_references (CnetReader *c)
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
              cnet_reader_warn_at (
                c, epath,
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
cnet_config_detect_dialect (CnetReader *c, JsonObject *root)
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
cnet_config_parse_root (CnetReader *c, JsonNode *root_node)
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
  CnetConfigDefaults d = {
    .n_frames = DEFAULT_N_FRAMES,
    .frame_size = CNET_MEMPOOL_DEFAULT_FRAME_SIZE,
    .headroom = 0,
    .attach_flags = CNET_XDP_ATTACH_NONE,
  };

  cnet_port_settings_init (&d.port);

  if (!cnet_config_detect_dialect (c, root))
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
        return cnet_reader_fail_unknown_key (c, path, l->data, known);
    }

  /* Then each, in an order that has what it refers to read first. */
  if ((n = json_object_get_member (root, "application")) != NULL &&
      !cnet_config_parse_application (c, n))
    return FALSE;
  if ((n = json_object_get_member (root, "defaults")) != NULL &&
      !(cndp ? cnet_config_parse_cndp_defaults (c, n, &d)
             : cnet_config_parse_cnet_defaults (c, n, &d)))
    return FALSE;

  if (cndp)
    {
      if ((n = json_object_get_member (root, "umems")) != NULL &&
          !cnet_config_parse_cndp_umems (c, n, &d, umem_rings))
        return FALSE;
      if ((n = json_object_get_member (root, "lcore-groups")) != NULL)
        {
          if (!cnet_reader_get_object (c, "lcore-groups", n, &lcore_groups))
            return FALSE;
          cnet_reader_warn_ignored_section (c, "lcore-groups",
                                            "libcnet does not place threads on "
                                            "CPUs; "
                                            "the application does");
        }
      if ((n = json_object_get_member (root, "lports")) != NULL &&
          !cnet_config_parse_cndp_lports (c, n, &d, umem_rings))
        return FALSE;
      if ((n = json_object_get_member (root, "threads")) != NULL &&
          !cnet_config_parse_cndp_threads (c, n, lcore_groups))
        return FALSE;
      if ((n = json_object_get_member (root, "lport-groups")) != NULL)
        {
          JsonObject *unused = NULL;
          if (!cnet_reader_get_object (c, "lport-groups", n, &unused))
            return FALSE;
          cnet_reader_warn_ignored_section (
            c, "lport-groups",
            "libcnet opens the lports listed in "
            "\"lports\" only; list each one there");
        }
      if (json_object_get_member (root, "users") != NULL)
        cnet_reader_warn_ignored_section (
          c, "users", "libcnet has no use for CNDP's user section");
    }
  else
    {
      if ((n = json_object_get_member (root, "mempools")) != NULL &&
          !cnet_config_parse_cnet_mempools (c, n, &d))
        return FALSE;
      if ((n = json_object_get_member (root, "ports")) != NULL &&
          !cnet_config_parse_cnet_ports (c, n, &d))
        return FALSE;
      if ((n = json_object_get_member (root, "threads")) != NULL &&
          !cnet_config_parse_cnet_threads (c, n))
        return FALSE;
      if ((n = json_object_get_member (root, "port-groups")) != NULL &&
          !cnet_config_parse_cnet_port_groups (c, n, &d))
        return FALSE;
    }
  if ((n = json_object_get_member (root, "options")) != NULL &&
      !cnet_config_parse_options (c, n))
    return FALSE;

  return cnet_config_check_references (c);
}

static gboolean
cnet_config_load (CnetConfig *self, const char *text, gsize length,
                  GError **error)
{
  g_autoptr (GHashTable) positions = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GArray) trailing =
    g_array_new (FALSE, FALSE, sizeof (CnetConfigComma));
  CnetReader c = { .self = self, .error = error, .trailing_commas = trailing };

  /* Trailing commas are taken here: cnet_config_parse_root() refuses them
   * in libcnet's dialect, once it knows the dialect. */
  parser = cnet_reader_load (self->name, text, length, trailing, NULL,
                             &positions, error);
  if (parser == NULL)
    return FALSE;
  c.pos = positions;
  return cnet_config_parse_root (&c, json_parser_get_root (parser));
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
