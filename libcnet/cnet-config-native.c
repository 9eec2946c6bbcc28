/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcnet's own dialect, and the sections both dialects share.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "cnet-config-private.h"
#include "cnet-enums.h"
#include "cnet-match-private.h"
#include "cnet-mempool.h"
#include "cnet-port.h"
#include "cnet-xdp-program.h"
#include "cnet-config-reader.h"

/* --- sections common to both dialects --------------------------------- */

gboolean
cnet_config_parse_application (CnetReader *c, JsonNode *node)
{
  static const char *const known[] = { "name", "description", "desc", NULL };
  JsonObject *obj = NULL;
  g_autoptr (GList) members = NULL;

  if (!cnet_reader_get_object (c, "application", node, &obj))
    return FALSE;
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key ("application", key);
      JsonNode *v = json_object_get_member (obj, key);

      if (g_str_equal (key, "name"))
        {
          if (!cnet_reader_get_string (c, path, v, FALSE, &c->self->app_name))
            return FALSE;
        }
      else if (g_str_equal (key, "description") ||
               (g_str_equal (key, "desc") &&
                c->self->dialect == CNET_CONFIG_DIALECT_CNDP))
        {
          if (!cnet_reader_get_string (c, path, v, TRUE,
                                       &c->self->app_description))
            return FALSE;
        }
      else
        return cnet_reader_fail_unknown_key (c, path, key, known);
    }
  return TRUE;
}

gboolean
cnet_config_parse_options (CnetReader *c, JsonNode *node)
{
  g_autoptr (GError) local = NULL;
  JsonObject *obj = NULL;
  GVariant *v;

  if (!cnet_reader_get_object (c, "options", node, &obj))
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
void
cnet_reader_warn_ignored_section (CnetReader *c, const char *section,
                                  const char *why)
{
  cnet_reader_warn_at (c, section, "ignored: %s", why);
}

/* --- libcnet's dialect ------------------------------------------------ */

/* A key of `defaults` or of a port: a port setting (cnet-port-settings.c)
 * or `replace-foreign-program`; returns -1 when @key is not one. */
static int
cnet_config_parse_port_setting (CnetReader *c, const char *path,
                                const char *key, JsonNode *v,
                                CnetConfigDefaults *d)
{
  const CnetPortSettingInfo *info = cnet_port_setting_lookup (key);
  gboolean b;
  guint u;
  int e;

  if (g_str_equal (key, "replace-foreign-program"))
    {
      if (!cnet_reader_get_bool (c, path, v, &b))
        return FALSE;
      d->attach_flags = b ? CNET_XDP_ATTACH_REPLACE : CNET_XDP_ATTACH_NONE;
      return TRUE;
    }
  if (info == NULL)
    return -1;
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      if (!cnet_reader_get_enum (c, path, v, info->enum_type (), &e))
        return FALSE;
      u = (guint) e;
      break;
    case CNET_PORT_SETTING_BOOLEAN:
      if (!cnet_reader_get_bool (c, path, v, &b))
        return FALSE;
      u = b;
      break;
    case CNET_PORT_SETTING_FLAGS:
      if (!cnet_reader_get_flags (c, path, v, info->enum_type (), &u))
        return FALSE;
      break;
    case CNET_PORT_SETTING_UINT:
    default:
      if (info->flags & CNET_PORT_SETTING_POWER_OF_TWO)
        {
          if (!cnet_reader_get_ring_size (c, path, v, 1, FALSE, &u))
            return FALSE;
        }
      else if (!cnet_reader_get_uint (c, path, v, info->min, info->max,
                                      info->unit, &u))
        return FALSE;
      break;
    }
  cnet_port_settings_set (&d->port, info, u);
  return TRUE;
}

/* Fails for an unknown key of `defaults` or of a port: @known, and the
 * port settings. */
static gboolean
cnet_reader_fail_unknown_port_key (CnetReader *c, const char *path,
                                   const char *key, const char *const *known)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) all = NULL;

  g_strv_builder_addv (b, (const char **) known);
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    g_strv_builder_add (b, cnet_port_setting_infos[i].name);
  g_strv_builder_add (b, "replace-foreign-program");
  all = g_strv_builder_end (b);
  return cnet_reader_fail_unknown_key (c, path, key, (const char *const *) all);
}

/* `frames`, `frame-size`, `headroom`: -1 when @key is not one. */
static int
cnet_config_parse_mempool_setting (CnetReader *c, const char *path,
                                   const char *key, JsonNode *v,
                                   guint *n_frames, guint *frame_size,
                                   guint *headroom)
{
  if (g_str_equal (key, "frames"))
    return cnet_reader_get_uint (c, path, v, 1, CNET_MEMPOOL_MAX_FRAMES,
                                 "frames", n_frames);
  if (g_str_equal (key, "frame-size"))
    {
      g_autofree char *given = NULL;
      if (!cnet_reader_get_uint (c, path, v, 1, G_MAXINT, "bytes", frame_size))
        return FALSE;
      given = g_strdup_printf ("%u bytes", *frame_size);
      return cnet_reader_check_frame_size (c, path, *frame_size, given);
    }
  if (g_str_equal (key, "headroom"))
    return cnet_reader_get_uint (c, path, v, 0, MAX_HEADROOM, "bytes",
                                 headroom);
  return -1;
}

gboolean
cnet_config_parse_cnet_defaults (CnetReader *c, JsonNode *node,
                                 CnetConfigDefaults *d)
{
  static const char *const known[] = { "frames", "frame-size", "headroom",
                                       NULL };
  g_autoptr (GList) members = NULL;
  JsonObject *obj = NULL;
  g_autofree char *headroom_path = NULL;

  if (!cnet_reader_get_object (c, "defaults", node, &obj))
    return FALSE;
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *path = cnet_config_path_append_key ("defaults", key);
      JsonNode *v = json_object_get_member (obj, key);
      int r = cnet_config_parse_mempool_setting (c, path, key, v, &d->n_frames,
                                                 &d->frame_size, &d->headroom);

      if (r < 0)
        r = cnet_config_parse_port_setting (c, path, key, v, d);
      if (r < 0)
        return cnet_reader_fail_unknown_port_key (c, path, key, known);
      if (!r)
        return FALSE;
      if (g_str_equal (key, "headroom"))
        headroom_path = g_steal_pointer (&path);
    }
  return headroom_path == NULL ||
         cnet_reader_check_headroom (c, headroom_path, d->frame_size,
                                     d->headroom);
}

gboolean
cnet_config_parse_cnet_mempools (CnetReader *c, JsonNode *node,
                                 const CnetConfigDefaults *d)
{
  static const char *const known[] = { "frames", "frame-size", "headroom",
                                       "description", NULL };
  g_autoptr (GList) pools = NULL;
  JsonObject *obj = NULL;

  if (!cnet_reader_get_object (c, "mempools", node, &obj))
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
      if (!cnet_reader_get_object (c, pool_path,
                                   json_object_get_member (obj, name), &pobj))
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
          int r =
            cnet_config_parse_mempool_setting (c, path, key, v, &spec->n_frames,
                                               &spec->frame_size,
                                               &spec->headroom);

          if (r < 0 && g_str_equal (key, "description"))
            r = cnet_reader_get_string (c, path, v, TRUE, &spec->description);
          if (r < 0)
            return cnet_reader_fail_unknown_key (c, path, key, known);
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

        if (!cnet_reader_check_headroom (c, hpath ? hpath : pool_path,
                                         spec->frame_size, spec->headroom))
          return FALSE;
      }
      g_ptr_array_add (c->self->mempools, g_steal_pointer (&spec));
    }
  return TRUE;
}

/* `rules`: an array of steering rules (see CnetMatch), each checked and
 * kept in canonical form. */
static gboolean
cnet_reader_get_rules (CnetReader *c, const char *path, JsonNode *v, GStrv *out)
{
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  g_autofree char *epath = NULL;
  guint bad = 0;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (v))
    return fail_at (c, path, FALSE,
                    "expected an array of steering rules, found %s",
                    cnet_reader_describe_node (v));
  array = json_node_get_array (v);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      char *rule = NULL;

      epath = cnet_config_path_append_index (path, i);
      if (!cnet_reader_get_string (c, epath, json_array_get_element (array, i),
                                   FALSE, &rule))
        return FALSE;
      g_ptr_array_add (strings, rule);
      g_clear_pointer (&epath, g_free);
    }
  g_ptr_array_add (strings, NULL);
  if (cnet_match_compile_rules ((const char *const *) strings->pdata, NULL,
                                NULL, out, &bad, &local))
    return TRUE;
  if (bad == G_MAXUINT)
    return fail_at (c, path, FALSE, "%s", local->message);
  epath = cnet_config_path_append_index (path, bad);
  return fail_at (c, epath, FALSE, "%s", local->message);
}

void
cnet_config_port_spec_apply_defaults (CnetPortSpec *spec,
                                      const CnetConfigDefaults *d)
{
  spec->settings = d->port;
  spec->attach_flags = d->attach_flags;
}

gboolean
cnet_config_parse_cnet_ports (CnetReader *c, JsonNode *node,
                              const CnetConfigDefaults *defaults)
{
  static const char *const known[] = { "interface",   "queue", "mempool",
                                       "description", "rules", "uds_path",
                                       "uds-path",    NULL };
  g_autoptr (GList) ports = NULL;
  JsonObject *obj = NULL;

  if (!cnet_reader_get_object (c, "ports", node, &obj))
    return FALSE;
  ports = json_object_get_members (obj);
  for (GList *p = ports; p != NULL; p = p->next)
    {
      const char *name = p->data;
      g_autofree char *port_path = cnet_config_path_append_key ("ports", name);
      g_autoptr (CnetPortSpec) spec = cnet_port_spec_new_internal (name);
      g_autoptr (GList) members = NULL;
      CnetConfigDefaults d = *defaults;
      JsonObject *pobj = NULL;
      gint64 number;

      if (*name == '\0')
        return fail_at (c, port_path, TRUE, "a port needs a name");
      if (!cnet_reader_get_object (c, port_path,
                                   json_object_get_member (obj, name), &pobj))
        return FALSE;
      /* `eth0:1` is queue 1 of eth0 unless the port says otherwise. */
      spec->interface = cnet_reader_split_port_name (name, &number);
      spec->queue = number >= 0 ? (guint) number : 0;
      members = json_object_get_members (pobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (port_path, key);
          JsonNode *v = json_object_get_member (pobj, key);
          int r = cnet_config_parse_port_setting (c, path, key, v, &d);

          if (r < 0)
            {
              if (g_str_equal (key, "interface"))
                r = cnet_reader_get_string (c, path, v, FALSE,
                                            &spec->interface) &&
                    cnet_reader_check_interface_name (c, path, FALSE,
                                                      spec->interface);
              else if (g_str_equal (key, "queue"))
                r = cnet_reader_get_uint (c, path, v, 0, MAX_QUEUE,
                                          "a queue index", &spec->queue);
              else if (g_str_equal (key, "mempool"))
                r = cnet_reader_get_string (c, path, v, FALSE, &spec->mempool);
              else if (g_str_equal (key, "description"))
                r =
                  cnet_reader_get_string (c, path, v, TRUE, &spec->description);
              else if (g_str_equal (key, "rules"))
                r = cnet_reader_get_rules (c, path, v, &spec->rules);
              /* CNDP's spelling, and libcnet's. */
              else if (g_str_equal (key, "uds_path") ||
                       g_str_equal (key, "uds-path"))
                r = cnet_reader_get_uds_path (c, path, v, &spec->uds_path);
            }
          if (r < 0)
            return cnet_reader_fail_unknown_port_key (c, path, key, known);
          if (!r)
            return FALSE;
        }
      if (!json_object_has_member (pobj, "interface") &&
          !cnet_reader_check_interface_name (c, port_path, TRUE,
                                             spec->interface))
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
      cnet_config_port_spec_apply_defaults (spec, &d);
      g_ptr_array_add (c->self->ports, g_steal_pointer (&spec));
    }
  return TRUE;
}

/* `uds_path`: the AF_XDP device plugin's socket, an absolute path that
 * fits a Unix socket address. */
gboolean
cnet_reader_get_uds_path (CnetReader *c, const char *path, JsonNode *v,
                          char **out)
{
  g_autofree char *s = NULL;

  if (!cnet_reader_get_string (c, path, v, FALSE, &s))
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

/* `ports` of a thread (`lports` in CNDP's dialect). */
gboolean
cnet_config_parse_thread_ports (CnetReader *c, const char *path, JsonNode *v,
                                CnetThreadSpec *spec)
{
  return cnet_reader_get_strv (c, path, v, "port names", NULL, &spec->ports);
}

gboolean
cnet_config_parse_cnet_threads (CnetReader *c, JsonNode *node)
{
  static const char *const known[] = { "ports", "description", NULL };
  g_autoptr (GList) threads = NULL;
  JsonObject *obj = NULL;

  if (!cnet_reader_get_object (c, "threads", node, &obj))
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
      if (!cnet_reader_get_object (c, tpath, json_object_get_member (obj, name),
                                   &tobj))
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
              if (!cnet_config_parse_thread_ports (c, path, v, spec))
                return FALSE;
            }
          else if (g_str_equal (key, "description"))
            {
              if (!cnet_reader_get_string (c, path, v, TRUE,
                                           &spec->description))
                return FALSE;
            }
          else
            return cnet_reader_fail_unknown_key (c, path, key, known);
        }
      g_ptr_array_add (c->self->threads, g_steal_pointer (&spec));
    }
  return TRUE;
}

/* Adds @port to the thread named @name, creating the thread if the file
 * has none of that name. */
static void
thread_add_port (CnetReader *c, const char *name, const char *port)
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
gboolean
cnet_config_parse_cnet_port_groups (CnetReader *c, JsonNode *node,
                                    const CnetConfigDefaults *defaults)
{
  static const char *const known[] = { "interface",   "first-queue", "queues",
                                       "mempool",     "threads",     "rules",
                                       "description", NULL };
  g_autoptr (GList) groups = NULL;
  JsonObject *obj = NULL;

  if (!cnet_reader_get_object (c, "port-groups", node, &obj))
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
      CnetConfigDefaults d = *defaults;
      JsonObject *gobj = NULL;

      if (*name == '\0')
        return fail_at (c, gpath, TRUE, "a port group needs a name");
      if (!cnet_reader_get_object (c, gpath, json_object_get_member (obj, name),
                                   &gobj))
        return FALSE;
      members = json_object_get_members (gobj);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *key = l->data;
          g_autofree char *path = cnet_config_path_append_key (gpath, key);
          JsonNode *v = json_object_get_member (gobj, key);
          int r = cnet_config_parse_port_setting (c, path, key, v, &d);

          if (r < 0)
            {
              if (g_str_equal (key, "interface"))
                r =
                  cnet_reader_get_string (c, path, v, FALSE, &interface) &&
                  cnet_reader_check_interface_name (c, path, FALSE, interface);
              else if (g_str_equal (key, "first-queue"))
                r = cnet_reader_get_uint (c, path, v, 0, MAX_QUEUE,
                                          "a queue index", &first);
              else if (g_str_equal (key, "queues"))
                r = cnet_reader_get_uint (c, path, v, 1, MAX_QUEUE + 1,
                                          "queues", &n_queues);
              else if (g_str_equal (key, "mempool"))
                r = cnet_reader_get_string (c, path, v, FALSE, &mempool);
              else if (g_str_equal (key, "threads"))
                r = cnet_reader_get_strv (c, path, v, "thread names", NULL,
                                          &threads);
              else if (g_str_equal (key, "rules"))
                r = cnet_reader_get_rules (c, path, v, &rules);
              else if (g_str_equal (key, "description"))
                r = cnet_reader_get_string (c, path, v, TRUE, &description);
            }
          if (r < 0)
            return cnet_reader_fail_unknown_port_key (c, path, key, known);
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
          cnet_config_port_spec_apply_defaults (spec, &d);
          if (threads != NULL && threads[0] != NULL)
            thread_add_port (c, threads[(q - first) % g_strv_length (threads)],
                             port_name);
          g_ptr_array_add (c->self->ports, g_steal_pointer (&spec));
        }
    }
  return TRUE;
}
