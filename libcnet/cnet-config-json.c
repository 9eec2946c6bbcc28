/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A configuration as libcnet understood it, as JSON.
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
