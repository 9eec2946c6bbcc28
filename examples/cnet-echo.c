/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-echo: receive on one AF_XDP port, swap the MAC addresses, send each
 * frame back out of the same port. Prints rates every second and the port's
 * counters at the end; stops cleanly on SIGINT or SIGTERM, leaving nothing
 * attached to the interface.
 *
 *   cnet-echo -i eth0 [-q 0] [-m auto|native|generic] [-d SECONDS]
 *   cnet-echo -c echo.jsonc [-t THREAD] [-d SECONDS]
 *
 * With -c the ports come from a configuration file (see data/echo.jsonc and
 * docs/config.md) through the process's CnetContext: every port it names,
 * or those of thread THREAD, each echoing what it receives.
 */
#include <cnet/cnet.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define BURST 64

static volatile sig_atomic_t stop;

/* The data path is a tight loop, not a GMainLoop, so a plain signal handler
 * sets a flag the loop checks. */
static void
on_signal (int sig)
{
  stop = 1;
}

static gboolean
parse_enum (GType type, const char *nick, int *value, GError **error)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value_by_nick (klass, nick);

  if (v == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "\"%s\" is not one of the allowed values", nick);
      return FALSE;
    }
  *value = v->value;
  return TRUE;
}

static void
print_stats (CnetPort *port)
{
  g_autoptr (GError) error = NULL;
  CnetPortStats s;

  if (!cnet_port_get_stats (port, &s, &error))
    {
      g_printerr ("cnet-echo: %s\n", error->message);
      return;
    }
  g_print ("%s queue %u: received %" G_GUINT64_FORMAT
           " packets (%" G_GUINT64_FORMAT " bytes), sent %" G_GUINT64_FORMAT
           " (%" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT " completed)\n",
           cnet_port_get_interface (port), cnet_port_get_queue (port),
           s.rx_packets, s.rx_bytes, s.tx_packets, s.tx_bytes, s.tx_completed);
  g_print ("  xdp: redirected %" G_GUINT64_FORMAT ", passed %" G_GUINT64_FORMAT
           ", dropped %" G_GUINT64_FORMAT "\n",
           s.xdp_redirected, s.xdp_passed, s.xdp_dropped);
  g_print ("  kernel: rx_dropped %" G_GUINT64_FORMAT
           ", rx_ring_full %" G_GUINT64_FORMAT
           ", fill_ring_empty_descs %" G_GUINT64_FORMAT
           ", tx_ring_empty_descs %" G_GUINT64_FORMAT "\n",
           s.rx_dropped, s.rx_ring_full, s.rx_fill_ring_empty_descs,
           s.tx_ring_empty_descs);
  g_print ("  libcnet: fill_ring_empty %" G_GUINT64_FORMAT
           ", alloc_failures %" G_GUINT64_FORMAT ", tx_kicks %" G_GUINT64_FORMAT
           ", tx_ring_full %" G_GUINT64_FORMAT "\n",
           s.fill_ring_empty, s.alloc_failures, s.tx_kicks, s.tx_ring_full);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (GPtrArray) ports = NULL;
  g_autofree char *interface = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *thread = NULL;
  g_autofree char *xdp_mode_nick = NULL;
  g_autofree char *bind_mode_nick = NULL;
  g_autofree char *cnetd = NULL;
  g_autofree char *uds = NULL;
  g_auto (GStrv) rules = NULL;
  g_autoptr (CnetClient) client = NULL;
  int queue = 0, frames = 4096, seconds = 0, busy_poll = 0;
  gboolean quiet = FALSE;
  int xdp_mode = CNET_XDP_MODE_AUTO, bind_mode = CNET_BIND_MODE_AUTO;
  const GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &interface,
      "The interface to echo on", "IFACE" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file,
      "Take the ports from a configuration file instead of -i", "FILE" },
    { "thread", 't', 0, G_OPTION_ARG_STRING, &thread,
      "With -c, echo on this thread's ports only", "NAME" },
    { "queue", 'q', 0, G_OPTION_ARG_INT, &queue, "The receive queue (0)", "N" },
    { "xdp-mode", 'm', 0, G_OPTION_ARG_STRING, &xdp_mode_nick,
      "auto, native or generic (auto)", "MODE" },
    { "bind-mode", 'b', 0, G_OPTION_ARG_STRING, &bind_mode_nick,
      "auto, copy or zerocopy (auto)", "MODE" },
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames,
      "Frames in the mempool (4096)", "N" },
    { "duration", 'd', 0, G_OPTION_ARG_INT, &seconds,
      "Stop after this many seconds (0: at SIGINT or SIGTERM)", "SECONDS" },
    { "busy-poll", 0, 0, G_OPTION_ARG_INT, &busy_poll,
      "Busy-poll for this many microseconds (0: off)", "USECS" },
    { "rule", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &rules,
      "Echo only what this steering rule matches, such as \"udp dport "
      "4789\" (repeatable)",
      "RULE" },
    { "cnetd", 0, 0, G_OPTION_ARG_STRING, &cnetd,
      "Lease the queue from cnetd at this D-Bus address (\"system\": the "
      "system bus) instead of opening it directly: needs no privilege",
      "ADDRESS" },
    { "uds", 0, 0, G_OPTION_ARG_FILENAME, &uds,
      "Take the interface's XSKMAP from an AF_XDP device plugin's socket "
      "(Kubernetes, or cnetd): needs CAP_NET_RAW only",
      "PATH" },
    { "quiet", 0, 0, G_OPTION_ARG_NONE, &quiet, "No per-second rates", NULL },
    G_OPTION_ENTRY_NULL
  };
  struct sigaction sa = { .sa_handler = on_signal };
  gint64 start, last_report, deadline, flush_until;
  guint64 last_rx = 0, last_tx = 0, rx = 0, tx = 0, dropped = 0;
  CnetPacket *pkts[BURST];
  guint turn = 0;

  setlocale (LC_ALL, "");
  context = g_option_context_new ("- echo frames back with swapped MACs");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      (xdp_mode_nick &&
       !parse_enum (CNET_TYPE_XDP_MODE, xdp_mode_nick, &xdp_mode, &error)) ||
      (bind_mode_nick &&
       !parse_enum (CNET_TYPE_BIND_MODE, bind_mode_nick, &bind_mode, &error)))
    {
      g_printerr ("cnet-echo: %s\n", error->message);
      return 2;
    }
  if (config_file != NULL)
    {
      CnetContext *ctx = cnet_context_get_default ();
      const char *const *warnings;

      if (!cnet_context_load_file (ctx, config_file, &error))
        {
          g_printerr ("cnet-echo: %s\n", error->message);
          return 1;
        }
      warnings = cnet_config_get_warnings (cnet_context_get_config (ctx));
      for (guint i = 0; warnings[i] != NULL; i++)
        g_printerr ("cnet-echo: warning: %s\n", warnings[i]);
      ports = thread != NULL
                ? cnet_context_get_thread_ports (ctx, thread, &error)
                : cnet_context_get_ports (ctx);
      if (ports == NULL || ports->len == 0)
        {
          g_printerr ("cnet-echo: %s\n", ports == NULL
                                           ? error->message
                                           : "the configuration has no port to "
                                             "echo on");
          return 1;
        }
    }
  else
    {
      CnetPort *port = NULL;

      if (interface == NULL || queue < 0 || frames <= 0)
        {
          g_printerr ("cnet-echo: give an interface with -i (and a queue >= "
                      "0), or a configuration file with -c\n");
          return 2;
        }
      pool = cnet_mempool_new ((guint) frames, CNET_MEMPOOL_DEFAULT_FRAME_SIZE,
                               0, &error);
      if (pool != NULL && cnetd != NULL)
        {
          /* Through cnetd: it attaches the program and binds the socket;
           * this process needs no capability. */
          client =
            cnet_client_new (g_str_equal (cnetd, "system") ? NULL : cnetd, NULL,
                             &error);
          if (client != NULL)
            port =
              cnet_client_open_port (client, interface, (guint) queue, pool,
                                     (const char *const *) rules, &error);
        }
      else if (pool != NULL)
        port = g_initable_new (CNET_TYPE_PORT, NULL, &error, "interface",
                               interface, "queue", (guint) queue, "mempool",
                               pool, "xdp-mode", xdp_mode, "bind-mode",
                               bind_mode, "busy-poll-usecs", (guint) busy_poll,
                               "rules", rules, "uds-path", uds, NULL);
      if (port == NULL)
        {
          g_printerr ("cnet-echo: %s\n", error->message);
          return 1;
        }
      ports = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (ports, port);
    }

  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  for (guint i = 0; i < ports->len; i++)
    {
      g_autoptr (GEnumClass) xk = g_type_class_ref (CNET_TYPE_XDP_MODE);
      g_autoptr (GEnumClass) bk = g_type_class_ref (CNET_TYPE_BIND_MODE);
      CnetPort *port = g_ptr_array_index (ports, i);
      CnetXdpProgram *prog = cnet_port_get_xdp_program (port);
      g_autofree char *how = NULL;
      g_auto (GStrv) port_rules = cnet_port_get_rules (port);
      g_autofree char *rule_text = g_strjoinv ("\", \"", port_rules);

      if (prog != NULL)
        how =
          g_strdup_printf ("XDP program %u in %s mode",
                           cnet_xdp_program_get_id (prog),
                           g_enum_get_value (xk,
                                             cnet_xdp_program_get_mode (prog))
                             ->value_nick);
      else if (cnet_port_get_uds_path (port) != NULL)
        how = g_strdup_printf ("XSKMAP from %s", cnet_port_get_uds_path (port));
      else
        how = g_strdup ("leased from cnetd");
      g_print ("cnet-echo: %s queue %u, %s, %s bind, %s%s%s; echoing until "
               "%s\n",
               cnet_port_get_interface (port), cnet_port_get_queue (port), how,
               g_enum_get_value (bk, cnet_port_get_bind_mode (port))
                 ->value_nick,
               port_rules[0] ? "rules \"" : "the whole queue", rule_text,
               port_rules[0] ? "\"" : "",
               seconds > 0 ? "the time is up" : "SIGINT or SIGTERM");
    }

  if (ports->len == 0)
    {
      g_printerr ("cnet-echo: no port to echo on\n");
      return 1;
    }
  start = g_get_monotonic_time ();
  last_report = start;
  deadline =
    seconds > 0 ? start + (gint64) seconds * G_USEC_PER_SEC : G_MAXINT64;
  while (!stop)
    {
      CnetPort *port = g_ptr_array_index (ports, turn++ % ports->len);
      guint n = cnet_port_rx_burst (port, pkts, BURST);
      gint64 now;

      if (n > 0)
        {
          guint sent;

          for (guint i = 0; i < n; i++)
            cnet_packet_swap_macs (pkts[i]);
          sent = cnet_port_tx_burst (port, pkts, n);
          if (sent < n)
            {
              /* TX ring full: drop the rest rather than stall RX. */
              cnet_packet_free_bulk (pkts + sent, n - sent);
              dropped += n - sent;
            }
          rx += n;
          tx += sent;
        }
      else
        {
          cnet_port_tx_flush (port);
          /* One port waits; with several, each gets its turn quickly. */
          if (busy_poll == 0 &&
              !cnet_port_wait (port, ports->len > 1 ? 1 : 100, NULL, &error) &&
              error != NULL)
            {
              /* The interface went away, say: nothing more to echo. */
              g_printerr ("cnet-echo: %s\n", error->message);
              break;
            }
        }

      /* Look at the clock once per 16 Ki packets, or when idle. */
      if ((n == 0 || (rx & 0x3fff) < BURST) &&
          (now = g_get_monotonic_time ()) - last_report >= G_USEC_PER_SEC)
        {
          double secs = (now - last_report) / 1e6;

          if (!quiet)
            g_print ("%6.1f s: rx %.3f Mpps, tx %.3f Mpps\n",
                     (now - start) / 1e6, (rx - last_rx) / secs / 1e6,
                     (tx - last_tx) / secs / 1e6);
          last_rx = rx;
          last_tx = tx;
          last_report = now;
          if (now >= deadline)
            break;
        }
    }

  flush_until = g_get_monotonic_time () + G_USEC_PER_SEC;
  for (guint i = 0; i < ports->len; i++)
    while (cnet_port_tx_flush (g_ptr_array_index (ports, i)) > 0 &&
           g_get_monotonic_time () < flush_until)
      g_usleep (100);
  g_print ("cnet-echo: stopping after %.1f s: echoed %" G_GUINT64_FORMAT
           " of %" G_GUINT64_FORMAT " packets (%" G_GUINT64_FORMAT
           " dropped on a full TX ring)\n",
           (g_get_monotonic_time () - start) / 1e6, tx, rx, dropped);
  for (guint i = 0; i < ports->len; i++)
    print_stats (g_ptr_array_index (ports, i));
  /* Dropping the ports (and, with -c, shutting the context down) clears the
   * XSKMAP slots, closes the sockets and detaches the XDP program. */
  g_clear_pointer (&ports, g_ptr_array_unref);
  if (config_file != NULL)
    cnet_context_shutdown (cnet_context_get_default ());
  return 0;
}
