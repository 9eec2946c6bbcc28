/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's own configuration, read with libcnet's JSONC reader (comments,
 * strict syntax, positions in errors).
 */
#include "cnetd-build-config.h"

#include <grp.h>
#include <json-glib/json-glib.h>
#include <pwd.h>
#include <string.h>
#include <sys/un.h>

#include "cnet-config-private.h"
#include "cnet-private.h"
#include "cnetd-config.h"

static void
cnetd_uds_config_free (gpointer data)
{
  CnetdUdsConfig *u = data;

  g_free (u->interface);
  g_free (u->path);
  g_free (u);
}

CnetdConfig *
cnetd_config_new_default (void)
{
  CnetdConfig *config = g_new0 (CnetdConfig, 1);

  /* Nothing is managed until the configuration says so. */
  config->interfaces = g_new0 (char *, 1);
  config->auth_mode = CNETD_AUTH_POLKIT;
  config->max_leases_per_user = CNETD_DEFAULT_MAX_LEASES;
  config->max_umem_bytes_per_user = CNETD_DEFAULT_MAX_UMEM_BYTES;
  config->uds = g_ptr_array_new_with_free_func (cnetd_uds_config_free);
  return config;
}

void
cnetd_config_free (CnetdConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->path);
  g_strfreev (config->interfaces);
  g_free (config->group);
  g_clear_pointer (&config->uds, g_ptr_array_unref);
  g_free (config);
}

typedef struct
{
  const char *name;
  GHashTable *positions;
  GError **error;
} Reader;

static gboolean fail (Reader *r, const char *path, gboolean at_key,
                      const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
fail (Reader *r, const char *path, gboolean at_key, const char *fmt, ...)
{
  CnetConfigPos *pos = g_hash_table_lookup (r->positions, path);
  g_autofree char *reason = NULL;
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, fmt);
  reason = g_strdup_vprintf (fmt, args);
  va_end (args);
  msg =
    cnet_config_format_message (r->name,
                                pos ? (at_key ? pos->key_line : pos->value_line)
                                    : 1,
                                pos ? (at_key ? pos->key_col : pos->value_col)
                                    : 1,
                                path, reason);
  g_set_error_literal (r->error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, msg);
  return FALSE;
}

static const char *
get_str (JsonObject *obj, const char *key)
{
  JsonNode *v = json_object_get_member (obj, key);

  return v != NULL && JSON_NODE_HOLDS_VALUE (v) &&
             json_node_get_value_type (v) == G_TYPE_STRING
           ? json_node_get_string (v)
           : NULL;
}

/* One entry of `uds`: { interface, path, mode, user, group, shared }. */
static gboolean
read_uds_entry (Reader *r, const char *epath, JsonNode *e, CnetdConfig *config)
{
  g_autoptr (GList) members = NULL;
  CnetdUdsConfig *u;
  JsonObject *obj;

  if (!JSON_NODE_HOLDS_OBJECT (e))
    return fail (r, epath, FALSE,
                 "expected an object: { \"interface\": \"eth1\", \"path\": "
                 "\"/run/afxdp_dp/eth1/afxdp.sock\" }");
  obj = json_node_get_object (e);
  u = g_new0 (CnetdUdsConfig, 1);
  u->mode = 0600;
  u->uid = u->gid = -1;
  g_ptr_array_add (config->uds, u);
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key (epath, key);
      JsonNode *v = json_object_get_member (obj, key);
      const char *s = get_str (obj, key);

      if (g_str_equal (key, "interface"))
        {
          if (s == NULL || *s == '\0' || strlen (s) > 15 ||
              strpbrk (s, "*?[/") != NULL)
            return fail (r, path, FALSE,
                         "expected an interface name of 1 to 15 characters "
                         "(not a glob)");
          u->interface = g_strdup (s);
        }
      else if (g_str_equal (key, "path"))
        {
          if (s == NULL || s[0] != '/' ||
              strlen (s) >= sizeof ((struct sockaddr_un *) NULL)->sun_path)
            return fail (r, path, FALSE,
                         "expected an absolute path of at most 107 bytes");
          u->path = g_strdup (s);
        }
      else if (g_str_equal (key, "mode"))
        {
          char *end = NULL;
          guint64 mode = s ? g_ascii_strtoull (s, &end, 8) : G_MAXUINT64;

          if (s == NULL || *s == '\0' || *end != '\0' || mode > 0777)
            return fail (r, path, FALSE,
                         "expected the socket file's mode as an octal "
                         "string, such as \"0660\"");
          u->mode = (guint) mode;
        }
      else if (g_str_equal (key, "user"))
        {
          struct passwd *pw = s ? getpwnam (s) : NULL;

          if (pw == NULL)
            return fail (r, path, FALSE, "expected the name of a user");
          u->uid = pw->pw_uid;
        }
      else if (g_str_equal (key, "group"))
        {
          struct group *gr = s ? getgrnam (s) : NULL;

          if (gr == NULL)
            return fail (r, path, FALSE, "expected the name of a group");
          u->gid = gr->gr_gid;
        }
      else if (g_str_equal (key, "shared"))
        {
          if (!JSON_NODE_HOLDS_VALUE (v) ||
              json_node_get_value_type (v) != G_TYPE_BOOLEAN)
            return fail (r, path, FALSE, "expected true or false");
          u->shared = json_node_get_boolean (v);
        }
      else
        return fail (r, path, TRUE,
                     "unknown key \"%s\"; known here: interface, path, "
                     "mode, user, group, shared",
                     key);
    }
  if (u->interface == NULL || u->path == NULL)
    return fail (r, epath, FALSE, "an entry needs \"%s\"",
                 u->interface == NULL ? "interface" : "path");
  for (guint i = 0; i + 1 < config->uds->len; i++)
    {
      const CnetdUdsConfig *o = g_ptr_array_index (config->uds, i);

      if (g_str_equal (o->interface, u->interface) ||
          g_str_equal (o->path, u->path))
        return fail (r, epath, FALSE,
                     "%s is served by an earlier entry already",
                     g_str_equal (o->path, u->path) ? u->path : u->interface);
    }
  return TRUE;
}

static gboolean
read_config (Reader *r, JsonNode *root, CnetdConfig *config)
{
  JsonObject *obj;
  g_autoptr (GList) members = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    return fail (r, "", FALSE, "expected an object");
  obj = json_node_get_object (root);
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key ("", key);
      JsonNode *v = json_object_get_member (obj, key);

      if (g_str_equal (key, "interfaces"))
        {
          g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
          JsonArray *array;

          if (!JSON_NODE_HOLDS_ARRAY (v))
            return fail (r, path, FALSE,
                         "expected an array of interface names or globs");
          array = json_node_get_array (v);
          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonNode *e = json_array_get_element (array, i);
              g_autofree char *epath = cnet_config_path_append_index (path, i);

              if (!JSON_NODE_HOLDS_VALUE (e) ||
                  json_node_get_value_type (e) != G_TYPE_STRING ||
                  *json_node_get_string (e) == '\0' ||
                  strlen (json_node_get_string (e)) > 15)
                return fail (r, epath, FALSE,
                             "expected an interface name or glob of 1 to 15 "
                             "characters, such as \"eth0\" or \"veth*\"");
              g_strv_builder_add (b, json_node_get_string (e));
            }
          g_strfreev (config->interfaces);
          config->interfaces = g_strv_builder_end (b);
        }
      else if (g_str_equal (key, "authorization"))
        {
          const char *mode = JSON_NODE_HOLDS_VALUE (v) &&
                                 json_node_get_value_type (v) == G_TYPE_STRING
                               ? json_node_get_string (v)
                               : NULL;

          if (g_strcmp0 (mode, "polkit") == 0)
            config->auth_mode = CNETD_AUTH_POLKIT;
          else if (g_strcmp0 (mode, "group") == 0)
            config->auth_mode = CNETD_AUTH_GROUP;
          else
            return fail (r, path, FALSE, "expected \"polkit\" or \"group\"");
        }
      else if (g_str_equal (key, "group"))
        {
          if (!JSON_NODE_HOLDS_VALUE (v) ||
              json_node_get_value_type (v) != G_TYPE_STRING ||
              *json_node_get_string (v) == '\0')
            return fail (r, path, FALSE, "expected a unix group name");
          g_free (config->group);
          config->group = g_strdup (json_node_get_string (v));
        }
      else if (g_str_equal (key, "max-leases-per-user"))
        {
          gint64 n;

          if (!JSON_NODE_HOLDS_VALUE (v) ||
              json_node_get_value_type (v) != G_TYPE_INT64 ||
              (n = json_node_get_int (v)) < 1 || n > 1024)
            return fail (r, path, FALSE, "expected a number from 1 to 1024");
          config->max_leases_per_user = (guint) n;
        }
      else if (g_str_equal (key, "max-umem-bytes-per-user"))
        {
          gint64 n;

          if (!JSON_NODE_HOLDS_VALUE (v) ||
              json_node_get_value_type (v) != G_TYPE_INT64 ||
              (n = json_node_get_int (v)) < 65536 ||
              n > (G_GINT64_CONSTANT (1) << 40))
            return fail (r, path, FALSE,
                         "expected a number of bytes from 65536 to 2^40");
          config->max_umem_bytes_per_user = (guint64) n;
        }
      else if (g_str_equal (key, "uds"))
        {
          JsonArray *array;

          if (!JSON_NODE_HOLDS_ARRAY (v))
            return fail (r, path, FALSE,
                         "expected an array of the interfaces served over "
                         "the device plugin's socket protocol");
          array = json_node_get_array (v);
          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              g_autofree char *epath = cnet_config_path_append_index (path, i);

              if (!read_uds_entry (r, epath, json_array_get_element (array, i),
                                   config))
                return FALSE;
            }
        }
      else if (g_str_equal (key, "keep-xdp-attached"))
        {
          if (!JSON_NODE_HOLDS_VALUE (v) ||
              json_node_get_value_type (v) != G_TYPE_BOOLEAN)
            return fail (r, path, FALSE, "expected true or false");
          config->keep_xdp_attached = json_node_get_boolean (v);
        }
      else if (g_str_equal (key, "max-leases-per-client"))
        return fail (r, path, FALSE,
                     "limits are per user now: use \"max-leases-per-user\"");
      else
        return fail (r, path, TRUE,
                     "unknown key \"%s\"; known here: interfaces, "
                     "authorization, group, max-leases-per-user, "
                     "max-umem-bytes-per-user, uds, keep-xdp-attached",
                     key);
    }
  if (config->auth_mode == CNETD_AUTH_GROUP && config->group == NULL)
    return fail (r, "authorization", FALSE,
                 "\"group\" authorization needs a \"group\"");
  return TRUE;
}

CnetdConfig *
cnetd_config_load_data (const char *name, const char *data, GError **error)
{
  g_autoptr (CnetdConfig) config = cnetd_config_new_default ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GHashTable) positions = NULL;
  g_autoptr (GError) json_error = NULL;
  g_autoptr (GArray) trailing =
    g_array_new (FALSE, FALSE, sizeof (CnetConfigComma));
  g_autofree char *clean = NULL;
  gsize clean_len;
  Reader r = { name, NULL, error };

  clean =
    cnet_config_strip_comments (name, data, strlen (data), &clean_len, error);
  if (clean == NULL)
    return NULL;
  positions = cnet_config_scan (name, clean, clean_len, trailing, error);
  if (positions == NULL)
    return NULL;
  if (trailing->len > 0)
    {
      CnetConfigComma *c = &g_array_index (trailing, CnetConfigComma, 0);
      g_autofree char *msg =
        cnet_config_format_message (name, c->line, c->col, c->path,
                                    "syntax error: a comma before the closing "
                                    "bracket (JSON has none)");

      g_set_error_literal (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, msg);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, clean, (gssize) clean_len,
                                   &json_error))
    {
      /* The scanner took it (a lone UTF-16 surrogate escape, say), so this
       * is json-glib's own limit; it is still the file's fault. */
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG, "%s: %s", name,
                   json_error->message);
      return NULL;
    }
  r.positions = positions;
  if (!read_config (&r, json_parser_get_root (parser), config))
    return NULL;
  return g_steal_pointer (&config);
}

CnetdConfig *
cnetd_config_load (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (GError) local = NULL;
  CnetdConfig *config;

  if (!g_file_get_contents (path, &data, NULL, &local))
    {
      g_set_error (error, CNET_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                     ? CNET_ERROR_NOT_FOUND
                     : CNET_ERROR_FAILED,
                   "%s: cannot read cnetd's configuration: %s", path,
                   local->message);
      return NULL;
    }
  config = cnetd_config_load_data (path, data, error);
  if (config != NULL)
    config->path = g_strdup (path);
  return config;
}

gboolean
cnetd_config_manages (const CnetdConfig *config, const char *ifname)
{
  for (guint i = 0; config->interfaces[i] != NULL; i++)
    if (g_pattern_match_simple (config->interfaces[i], ifname))
      return TRUE;
  return FALSE;
}

/* The `uds` entry that serves @ifname, or NULL. */
const CnetdUdsConfig *
cnetd_config_find_uds (const CnetdConfig *config, const char *ifname)
{
  for (guint i = 0; i < config->uds->len; i++)
    {
      const CnetdUdsConfig *u = g_ptr_array_index (config->uds, i);

      if (g_str_equal (u->interface, ifname))
        return u;
    }
  return NULL;
}
