/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetctl check-config: checks a libcnet (or CNDP) configuration file and
 * shows what libcnet makes of it.
 *
 *   cnetctl [--json] check-config FILE
 *
 * Prints the mempools, ports and threads as tables (or, with --json, as
 * JSON) and any warnings, and exits 0; or prints the error and exits 1.
 * Opens nothing: no root needed.
 */
#include <stdio.h>

#include "cnetctl.h"

static const char *
nick (GType type, int value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  return v ? v->value_nick : "?";
}

static void
print_tables (CnetConfig *config)
{
  GPtrArray *pools = cnet_config_get_mempools (config);
  GPtrArray *ports = cnet_config_get_ports (config);
  GPtrArray *threads = cnet_config_get_threads (config);
  const char *app = cnet_config_get_application_name (config);

  g_print ("%s: %s dialect%s%s\n\n", cnet_config_get_name (config),
           nick (CNET_TYPE_CONFIG_DIALECT, cnet_config_get_dialect (config)),
           app ? ", application " : "", app ? app : "");

  g_print ("%s%-16s %8s %6s %8s %10s  %s%s\n", cnetctl_bold (), "MEMPOOL",
           "FRAMES", "SIZE", "HEADROOM", "BYTES", "REGIONS", cnetctl_reset ());
  for (guint i = 0; i < pools->len; i++)
    {
      CnetMempoolSpec *m = g_ptr_array_index (pools, i);
      g_autoptr (GString) regions = g_string_new (NULL);
      guint n_regions;
      const guint *r = cnet_mempool_spec_get_regions (m, &n_regions);

      for (guint j = 0; j < n_regions; j++)
        g_string_append_printf (regions, "%s%u", j ? "," : "", r[j]);
      g_print ("%-16s %8u %6u %8u %10" G_GUINT64_FORMAT "  %s\n",
               cnet_mempool_spec_get_name (m),
               cnet_mempool_spec_get_n_frames (m),
               cnet_mempool_spec_get_frame_size (m),
               cnet_mempool_spec_get_headroom (m),
               (guint64) cnet_mempool_spec_get_n_frames (m) *
                 cnet_mempool_spec_get_frame_size (m),
               n_regions ? regions->str : "-");
    }

  g_print ("\n%-16s %-15s %5s %-12s %-7s %-8s %6s %9s %s\n", "PORT",
           "INTERFACE", "QUEUE", "MEMPOOL", "XDP", "BIND", "WAKEUP",
           "BUSY-POLL", "RINGS RX/TX/FILL/COMP");
  for (guint i = 0; i < ports->len; i++)
    {
      CnetPortSpec *p = g_ptr_array_index (ports, i);
      g_autofree char *busy = NULL;
      g_autofree char *rings = NULL;

      busy =
        cnet_port_spec_get_busy_poll_usecs (p)
          ? g_strdup_printf ("%uus/%u", cnet_port_spec_get_busy_poll_usecs (p),
                             cnet_port_spec_get_busy_poll_budget (p))
          : g_strdup ("off");
      rings = g_strdup_printf ("%u/%u/%u/%u", cnet_port_spec_get_rx_size (p),
                               cnet_port_spec_get_tx_size (p),
                               cnet_port_spec_get_fill_size (p),
                               cnet_port_spec_get_comp_size (p));
      g_print ("%-16s %-15s %5u %-12s %-7s %-8s %6s %9s %s\n",
               cnet_port_spec_get_name (p), cnet_port_spec_get_interface (p),
               cnet_port_spec_get_queue (p), cnet_port_spec_get_mempool (p),
               nick (CNET_TYPE_XDP_MODE, cnet_port_spec_get_xdp_mode (p)),
               nick (CNET_TYPE_BIND_MODE, cnet_port_spec_get_bind_mode (p)),
               cnet_port_spec_get_need_wakeup (p) ? "yes" : "no", busy, rings);
    }

  g_print ("\n%-16s %s\n", "THREAD", "PORTS");
  for (guint i = 0; i < threads->len; i++)
    {
      CnetThreadSpec *t = g_ptr_array_index (threads, i);
      g_autofree char *list =
        g_strjoinv (", ", (char **) cnet_thread_spec_get_ports (t));

      g_print ("%-16s %s\n", cnet_thread_spec_get_name (t), *list ? list : "-");
    }
}

/* cnetctl check-config FILE: what the cnet-config tool was. Exit 0 with
 * the tables (and warnings on stderr), or 1 with the error. */
int
cnetctl_check_config (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;
  const char *const *warnings;

  config = cnet_config_new_from_file (argv[1], &error);
  if (config == NULL)
    return cnetctl_fail (error);

  if (cnetctl_opts.json)
    {
      g_autofree char *text = cnet_config_to_json (config);
      g_print ("%s\n", text);
      return CNETCTL_EXIT_OK;
    }
  print_tables (config);
  warnings = cnet_config_get_warnings (config);
  if (warnings[0] != NULL)
    g_print ("\n");
  for (guint i = 0; warnings[i] != NULL; i++)
    g_printerr ("warning: %s\n", warnings[i]);
  return CNETCTL_EXIT_OK;
}
