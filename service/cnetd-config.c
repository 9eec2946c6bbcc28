/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's own configuration, read with libcnet's JSONC reader (comments,
 * strict syntax) and its positioned typed getters (cnet_reader_*, in
 * libcnet/cnet-config-reader.h): every error names the file, line,
 * column and key.
 */
#include "cnetd-build-config.h"

#include <grp.h>
#include <json-glib/json-glib.h>
#include <pwd.h>
#include <string.h>
#include <sys/un.h>

#include "cnet-config-reader.h"
#include "cnet-error.h"
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

/* An interface name for the `uds` entries (not a glob): the reader's
 * check, and no glob characters. */
static gboolean
read_interface_name (CnetReader *r, const char *path, JsonNode *v, char **out)
{
  if (!cnet_reader_get_string (r, path, v, TRUE, out) ||
      !cnet_reader_check_interface_name (r, path, FALSE, *out))
    return FALSE;
  if (strpbrk (*out, "*?[") != NULL)
    return fail_at (r, path, FALSE,
                    "\"%s\" is a glob: a socket serves one interface, by its "
                    "name",
                    *out);
  return TRUE;
}

/* One entry of `uds`: { interface, path, mode, user, group, shared }. */
static gboolean
read_uds_entry (CnetReader *r, const char *epath, JsonNode *e,
                CnetdUdsConfig *u)
{
  static const char *const known[] = { "interface", "path",   "mode", "user",
                                       "group",     "shared", NULL };
  g_autoptr (GList) members = NULL;
  JsonObject *obj;

  if (!cnet_reader_get_object (r, epath, e, &obj))
    return FALSE;
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key (epath, key);
      g_autofree char *s = NULL;
      JsonNode *v = json_object_get_member (obj, key);

      if (g_str_equal (key, "interface"))
        {
          if (!read_interface_name (r, path, v, &u->interface))
            return FALSE;
        }
      else if (g_str_equal (key, "path"))
        {
          if (!cnet_reader_get_string (r, path, v, FALSE, &u->path))
            return FALSE;
          if (u->path[0] != '/' ||
              strlen (u->path) >=
                sizeof ((struct sockaddr_un *) NULL)->sun_path)
            return fail_at (r, path, FALSE,
                            "expected an absolute path of at most 107 bytes");
        }
      else if (g_str_equal (key, "mode"))
        {
          char *end = NULL;
          guint64 mode;

          if (!cnet_reader_get_string (r, path, v, FALSE, &s))
            return FALSE;
          mode = g_ascii_strtoull (s, &end, 8);
          if (*end != '\0' || mode > 0777)
            return fail_at (r, path, FALSE,
                            "\"%s\" is not a file mode: expected an octal "
                            "string, such as \"0660\"",
                            s);
          u->mode = (guint) mode;
        }
      else if (g_str_equal (key, "user"))
        {
          struct passwd *pw;

          if (!cnet_reader_get_string (r, path, v, FALSE, &s))
            return FALSE;
          pw = getpwnam (s);
          if (pw == NULL)
            return fail_at (r, path, FALSE,
                            "\"%s\" is not the name of a user here", s);
          u->uid = pw->pw_uid;
        }
      else if (g_str_equal (key, "group"))
        {
          struct group *gr;

          if (!cnet_reader_get_string (r, path, v, FALSE, &s))
            return FALSE;
          gr = getgrnam (s);
          if (gr == NULL)
            return fail_at (r, path, FALSE,
                            "\"%s\" is not the name of a group here", s);
          u->gid = gr->gr_gid;
        }
      else if (g_str_equal (key, "shared"))
        {
          if (!cnet_reader_get_bool (r, path, v, &u->shared))
            return FALSE;
        }
      else
        return cnet_reader_fail_unknown_key (r, path, key, known);
    }
  if (u->interface == NULL || u->path == NULL)
    return fail_at (r, epath, FALSE, "an entry needs \"%s\"",
                    u->interface == NULL ? "interface" : "path");
  return TRUE;
}

static gboolean
read_uds (CnetReader *r, const char *path, JsonNode *v, CnetdConfig *config)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (v))
    return fail_at (r, path, FALSE,
                    "expected an array of the interfaces served over the "
                    "device plugin's socket protocol, found %s",
                    cnet_reader_describe_node (v));
  array = json_node_get_array (v);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *epath = cnet_config_path_append_index (path, i);
      CnetdUdsConfig *u = g_new0 (CnetdUdsConfig, 1);

      u->mode = 0600;
      u->uid = u->gid = -1;
      g_ptr_array_add (config->uds, u);
      if (!read_uds_entry (r, epath, json_array_get_element (array, i), u))
        return FALSE;
      for (guint j = 0; j < i; j++)
        {
          const CnetdUdsConfig *o = g_ptr_array_index (config->uds, j);

          if (g_str_equal (o->interface, u->interface) ||
              g_str_equal (o->path, u->path))
            return fail_at (r, epath, FALSE,
                            "%s is served by an earlier entry already",
                            g_str_equal (o->path, u->path) ? u->path
                                                           : u->interface);
        }
    }
  return TRUE;
}

/* An interface name or glob of `interfaces`. */
static gboolean
check_interface_glob (CnetReader *r, const char *path, const char *name)
{
  if (strlen (name) > 15)
    return fail_at (r, path, FALSE,
                    "\"%s\" is longer than the kernel's 15 characters: "
                    "expected an interface name or glob, such as "
                    "\"eth0\" or \"veth*\"",
                    name);
  return TRUE;
}

static gboolean
read_config (CnetReader *r, JsonNode *root, CnetdConfig *config)
{
  static const char *const known[] = { "interfaces",
                                       "authorization",
                                       "group",
                                       "max-leases-per-user",
                                       "max-umem-bytes-per-user",
                                       "uds",
                                       "keep-xdp-attached",
                                       NULL };
  g_autoptr (GList) members = NULL;
  JsonObject *obj;

  if (!cnet_reader_get_object (r, "", root, &obj))
    return FALSE;
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key ("", key);
      g_autofree char *s = NULL;
      JsonNode *v = json_object_get_member (obj, key);

      if (g_str_equal (key, "interfaces"))
        {
          if (!cnet_reader_get_strv (r, path, v, "interface names or globs",
                                     check_interface_glob, &config->interfaces))
            return FALSE;
        }
      else if (g_str_equal (key, "authorization"))
        {
          if (!cnet_reader_get_string (r, path, v, TRUE, &s))
            return FALSE;
          if (g_str_equal (s, "polkit"))
            config->auth_mode = CNETD_AUTH_POLKIT;
          else if (g_str_equal (s, "group"))
            config->auth_mode = CNETD_AUTH_GROUP;
          else
            return fail_at (r, path, FALSE,
                            "\"%s\" is not one of \"polkit\", \"group\"", s);
        }
      else if (g_str_equal (key, "group"))
        {
          if (!cnet_reader_get_string (r, path, v, FALSE, &config->group))
            return FALSE;
        }
      else if (g_str_equal (key, "max-leases-per-user"))
        {
          if (!cnet_reader_get_uint (r, path, v, 1, 1024, "leases",
                                     &config->max_leases_per_user))
            return FALSE;
        }
      else if (g_str_equal (key, "max-umem-bytes-per-user"))
        {
          gint64 n;

          /* Beyond the reader's 32-bit integers: checked here. */
          if (!JSON_NODE_HOLDS_VALUE (v) ||
              json_node_get_value_type (v) != G_TYPE_INT64)
            return fail_at (r, path, FALSE,
                            "expected an integer (bytes), found %s",
                            cnet_reader_describe_node (v));
          n = json_node_get_int (v);
          if (n < 65536 || n > (G_GINT64_CONSTANT (1) << 40))
            return fail_at (r, path, FALSE,
                            "%" G_GINT64_FORMAT " is out of range: expected "
                            "bytes from 65536 to 2^40",
                            n);
          config->max_umem_bytes_per_user = (guint64) n;
        }
      else if (g_str_equal (key, "uds"))
        {
          if (!read_uds (r, path, v, config))
            return FALSE;
        }
      else if (g_str_equal (key, "keep-xdp-attached"))
        {
          if (!cnet_reader_get_bool (r, path, v, &config->keep_xdp_attached))
            return FALSE;
        }
      else if (g_str_equal (key, "max-leases-per-client"))
        return fail_at (r, path, FALSE,
                        "limits are per user now: use "
                        "\"max-leases-per-user\"");
      else
        return cnet_reader_fail_unknown_key (r, path, key, known);
    }
  if (config->auth_mode == CNETD_AUTH_GROUP && config->group == NULL)
    return fail_at (r, "authorization", FALSE,
                    "\"group\" authorization needs a \"group\"");
  return TRUE;
}

CnetdConfig *
cnetd_config_load_data (const char *name, const char *data, GError **error)
{
  g_autoptr (CnetdConfig) config = cnetd_config_new_default ();
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GHashTable) positions = NULL;
  g_autoptr (GArray) trailing =
    g_array_new (FALSE, FALSE, sizeof (CnetConfigComma));
  CnetReader r = { .name = name, .error = error };

  parser = cnet_reader_load (name, data, strlen (data), trailing,
                             "JSON has none", &positions, error);
  if (parser == NULL)
    return NULL;
  r.pos = positions;
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
