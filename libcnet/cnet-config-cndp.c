/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CNDP's dialect (cndpfwd's jsonc files): its keys mapped onto libcnet's
 * mempools, ports and threads, and what is not acted on named in warnings.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "cnet-config-private.h"
#include "cnet-enums.h"
#include "cnet-mempool.h"
#include "cnet-port.h"
#include "cnet-xdp-program.h"
#include "cnet-config-reader.h"

/* --- CNDP's dialect ------------------------------------------------------ */

/* CNDP's `defaults`: counts in units of 1024, buffer sizes in KiB. */
gboolean
cnet_config_parse_cndp_defaults (CnetReader *c, JsonNode *node,
                                 CnetConfigDefaults *d)
{
  static const char *const known[] = { "bufcnt", "bufsz", "rxdesc", "txdesc",
                                       "cache",  "mtype", NULL };
  g_autoptr (GList) members = NULL;
  JsonObject *obj = NULL;

  if (!cnet_reader_get_object (c, "defaults", node, &obj))
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
          if (!cnet_reader_get_uint (c, path, v, 1,
                                     CNET_MEMPOOL_MAX_FRAMES / 1024,
                                     "units of 1024 frames", &u))
            return FALSE;
          d->n_frames = u * 1024;
        }
      else if (g_str_equal (key, "bufsz"))
        {
          g_autofree char *given = NULL;
          if (!cnet_reader_get_uint (c, path, v, 1, 64, "KiB", &u))
            return FALSE;
          given = g_strdup_printf ("%u KiB", u);
          if (!cnet_reader_check_frame_size (c, path, u * 1024, given))
            return FALSE;
          d->frame_size = u * 1024;
        }
      else if (g_str_equal (key, "rxdesc"))
        {
          if (!cnet_reader_get_ring_size (c, path, v, 1024, TRUE,
                                          &d->port.rx_size))
            return FALSE;
          d->port.fill_size = d->port.rx_size;
        }
      else if (g_str_equal (key, "txdesc"))
        {
          if (!cnet_reader_get_ring_size (c, path, v, 1024, TRUE,
                                          &d->port.tx_size))
            return FALSE;
          d->port.comp_size = d->port.tx_size;
        }
      else if (g_str_equal (key, "cache"))
        {
          if (!cnet_reader_get_uint (c, path, v, 0, G_MAXINT, "entries", &u))
            return FALSE;
          cnet_reader_warn_at (c, path,
                               "ignored: libcnet's per-port frame caches have "
                               "a fixed "
                               "size");
        }
      else if (g_str_equal (key, "mtype"))
        {
          g_autofree char *s = NULL;
          if (!cnet_reader_get_string (c, path, v, TRUE, &s))
            return FALSE;
          cnet_reader_warn_at (c, path,
                               "ignored: libcnet maps mempools in pages of the "
                               "system's default size");
        }
      else
        return cnet_reader_fail_unknown_key (c, path, key, known);
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
cnet_config_parse_cndp_regions (CnetReader *c, const char *path, JsonNode *v,
                                CnetMempoolSpec *spec)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (v))
    return fail_at (c, path, FALSE,
                    "expected an array of region sizes (units of 1024 "
                    "frames), found %s",
                    cnet_reader_describe_node (v));
  array = json_node_get_array (v);
  g_array_set_size (spec->regions, 0);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *epath = cnet_config_path_append_index (path, i);
      guint u, frames;

      if (!cnet_reader_get_uint (c, epath, json_array_get_element (array, i), 1,
                                 CNET_MEMPOOL_MAX_FRAMES / 1024,
                                 "units of 1024 frames", &u))
        return FALSE;
      frames = u * 1024;
      g_array_append_val (spec->regions, frames);
    }
  return TRUE;
}

gboolean
cnet_config_parse_cndp_umems (CnetReader *c, JsonNode *node,
                              const CnetConfigDefaults *d,
                              GHashTable *umem_rings)
{
  static const char *const known[] = { "bufcnt",      "bufsz",       "mtype",
                                       "regions",     "rxdesc",      "txdesc",
                                       "shared_umem", "description", "desc",
                                       NULL };
  g_autoptr (GList) umems = NULL;
  JsonObject *obj = NULL;

  if (!cnet_reader_get_object (c, "umems", node, &obj))
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
      if (!cnet_reader_get_object (c, upath, json_object_get_member (obj, name),
                                   &uobj))
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
              if (!cnet_reader_get_uint (c, path, v, 1,
                                         CNET_MEMPOOL_MAX_FRAMES / 1024,
                                         "units of 1024 frames", &n))
                return FALSE;
              spec->n_frames = n * 1024;
            }
          else if (g_str_equal (key, "bufsz"))
            {
              g_autofree char *given = NULL;
              if (!cnet_reader_get_uint (c, path, v, 1, 64, "KiB", &n))
                return FALSE;
              given = g_strdup_printf ("%u KiB", n);
              if (!cnet_reader_check_frame_size (c, path, n * 1024, given))
                return FALSE;
              spec->frame_size = n * 1024;
            }
          else if (g_str_equal (key, "regions"))
            {
              if (!cnet_config_parse_cndp_regions (c, path, v, spec))
                return FALSE;
              regions_path = g_steal_pointer (&path);
            }
          else if (g_str_equal (key, "rxdesc"))
            {
              if (!cnet_reader_get_ring_size (c, path, v, 1024, TRUE,
                                              &rings->rx_size))
                return FALSE;
            }
          else if (g_str_equal (key, "txdesc"))
            {
              if (!cnet_reader_get_ring_size (c, path, v, 1024, TRUE,
                                              &rings->tx_size))
                return FALSE;
            }
          else if (g_str_equal (key, "mtype"))
            {
              g_autofree char *s = NULL;
              if (!cnet_reader_get_string (c, path, v, TRUE, &s))
                return FALSE;
              cnet_reader_warn_at (c, path,
                                   "ignored: libcnet maps mempools in pages of "
                                   "the "
                                   "system's default size");
            }
          else if (g_str_equal (key, "shared_umem"))
            {
              gboolean b;
              if (!cnet_reader_get_bool (c, path, v, &b))
                return FALSE;
              if (b)
                cnet_reader_warn_at (c, path,
                                     "ignored: each libcnet port registers its "
                                     "mempool's UMEM itself, shared or not");
            }
          else if (g_str_equal (key, "description") ||
                   g_str_equal (key, "desc"))
            {
              if (!cnet_reader_get_string (c, path, v, TRUE,
                                           &spec->description))
                return FALSE;
            }
          else
            return cnet_reader_fail_unknown_key (c, path, key, known);
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
        cnet_reader_warn_at (
          c, regions_path,
          "not enforced: the ports of a libcnet mempool share all its "
          "frames; the sizes are checked and each port's region "
          "index too");
      g_ptr_array_add (c->self->mempools, g_steal_pointer (&spec));
    }
  return TRUE;
}

gboolean
cnet_config_parse_cndp_lports (CnetReader *c, JsonNode *node,
                               const CnetConfigDefaults *defaults,
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

  if (!cnet_reader_get_object (c, "lports", node, &obj))
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
      if (!cnet_reader_get_object (c, port_path,
                                   json_object_get_member (obj, name), &pobj))
        return FALSE;
      /* The netdev is the part of the name before the colon. */
      spec->interface = cnet_reader_split_port_name (name, &number);
      cnet_config_port_spec_apply_defaults (spec, defaults);
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
              if (!cnet_reader_get_string (c, path, v, FALSE, &pmd))
                return FALSE;
              /* `net_af_xdp:opts` passes options to the PMD. */
              if (!g_str_equal (pmd, "net_af_xdp") &&
                  !g_str_has_prefix (pmd, "net_af_xdp:"))
                return fail_at (c, path, FALSE,
                                "pmd \"%s\" is not supported: libcnet "
                                "drives AF_XDP lports (\"net_af_xdp\") only",
                                pmd);
              if (strchr (pmd, ':') != NULL)
                cnet_reader_warn_at (c, path,
                                     "ignored: the PMD options after ':'");
            }
          else if (g_str_equal (key, "qid"))
            {
              if (!cnet_reader_get_uint (c, path, v, 0, MAX_QUEUE,
                                         "a queue index", &spec->queue))
                return FALSE;
            }
          else if (g_str_equal (key, "umem"))
            {
              if (!cnet_reader_get_string (c, path, v, FALSE, &spec->mempool))
                return FALSE;
            }
          else if (g_str_equal (key, "region"))
            {
              if (!cnet_reader_get_uint (c, path, v, 0, 127, "a region index",
                                         &spec->region))
                return FALSE;
            }
          else if (g_str_equal (key, "netdev"))
            {
              if (!cnet_reader_get_string (c, path, v, FALSE,
                                           &spec->interface) ||
                  !cnet_reader_check_interface_name (c, path, FALSE,
                                                     spec->interface))
                return FALSE;
            }
          else if (g_str_equal (key, "busy_poll") ||
                   g_str_equal (key, "busy_polling"))
            {
              if (!cnet_reader_get_bool (c, path, v, &b))
                return FALSE;
              busy_poll = busy_poll || b;
            }
          else if (g_str_equal (key, "busy_timeout"))
            {
              if (!cnet_reader_get_uint (c, path, v, 0, G_MAXUINT16,
                                         "microseconds", &busy_timeout))
                return FALSE;
            }
          else if (g_str_equal (key, "busy_budget"))
            {
              const CnetPortSettingInfo *info =
                cnet_port_setting_lookup ("busy-poll-budget");
              g_autoptr (GError) local = NULL;

              if (!cnet_reader_get_uint (c, path, v, 0, G_MAXUINT16, "frames",
                                         &busy_budget))
                return FALSE;
              /* 0 and 0xffff are CNDP's "the kernel's default". */
              if (busy_budget != 0 && busy_budget != 0xffff &&
                  !cnet_port_setting_check (info, busy_budget, &local))
                return fail_at (c, path, FALSE, "%s", local->message);
            }
          else if (g_str_equal (key, "force_wakeup"))
            {
              if (!cnet_reader_get_bool (c, path, v, &b))
                return FALSE;
              spec->settings.need_wakeup = !b;
            }
          else if (g_str_equal (key, "skb_mode"))
            {
              if (!cnet_reader_get_bool (c, path, v, &b))
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
              if (!cnet_reader_get_bool (c, path, v, &b))
                return FALSE;
              /* CNDP's unprivileged mode with a uds_path is what libcnet
               * does with the uds_path. */
              if (b &&
                  !(key[2] == 'p' && json_object_has_member (pobj, "uds_path")))
                cnet_reader_warn_at (
                  c, path, "ignored: %s",
                  key[1] == 'n' && key[2] == 'a'
                    ? "libcnet uses aligned frames"
                    : "libcnet loads its XDP program itself; "
                      "unprivileged programs get their queues from "
                      "cnetd");
            }
          else if (g_str_equal (key, "uds_path"))
            {
              if (!cnet_reader_get_uds_path (c, path, v, &spec->uds_path))
                return FALSE;
            }
          else if (g_str_equal (key, "xsk_pin_path"))
            {
              g_autofree char *s = NULL;
              if (!cnet_reader_get_string (c, path, v, TRUE, &s))
                return FALSE;
              cnet_reader_warn_at (c, path,
                                   "ignored: libcnet takes no XSKMAP from a "
                                   "pinned map; "
                                   "use uds_path (the device plugin's socket)");
            }
          else if (g_str_equal (key, "description") ||
                   g_str_equal (key, "desc"))
            {
              if (!cnet_reader_get_string (c, path, v, TRUE,
                                           &spec->description))
                return FALSE;
            }
          else
            return cnet_reader_fail_unknown_key (c, path, key, known);
        }
      if (!json_object_has_member (pobj, "netdev") &&
          !cnet_reader_check_interface_name (c, port_path, TRUE,
                                             spec->interface))
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
          cnet_reader_warn_at (c, path,
                               "ignored: busy polling is off (no busy_poll)");
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

gboolean
cnet_config_parse_cndp_threads (CnetReader *c, JsonNode *node,
                                JsonObject *lcore_groups)
{
  static const char *const known[] = {
    "group", "lports", "idle_timeout", "intr_timeout", "description",
    "desc",  NULL
  };
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
          guint ms;

          if (g_str_equal (key, "lports"))
            {
              if (!cnet_config_parse_thread_ports (c, path, v, spec))
                return FALSE;
            }
          else if (g_str_equal (key, "group"))
            {
              if (!cnet_reader_get_string (c, path, v, FALSE, &spec->group))
                return FALSE;
              if (lcore_groups != NULL &&
                  !json_object_has_member (lcore_groups, spec->group))
                return fail_at (c, path, FALSE, "no lcore group named \"%s\"",
                                spec->group);
              cnet_reader_warn_at (c, path,
                                   "kept for the application "
                                   "(cnet_thread_spec_get_group()): libcnet "
                                   "does not "
                                   "place threads on CPUs");
            }
          else if (g_str_equal (key, "idle_timeout") ||
                   g_str_equal (key, "intr_timeout"))
            {
              if (!cnet_reader_get_uint (c, path, v, 0, G_MAXINT,
                                         "milliseconds", &ms))
                return FALSE;
              cnet_reader_warn_at (c, path,
                                   "ignored: the worker thread decides how it "
                                   "waits "
                                   "(cnet_port_wait())");
            }
          else if (g_str_equal (key, "description") ||
                   g_str_equal (key, "desc"))
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
