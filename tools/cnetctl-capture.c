/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetctl capture IFACE -w FILE|-: the frames an interface receives, to a
 * pcap file with nanosecond timestamps, written with libpcap. By default
 * non-destructive (a CnetCapture: cnetd's XDP program copies frames into a
 * ring buffer and hands them on); with --steal through an AF_XDP lease (a
 * CnetPort), which takes the frames off the kernel's path.
 */
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>

#include "cnetctl.h"

static volatile sig_atomic_t stop_requested;

static void
on_signal (int sig)
{
  stop_requested = 1;
}

typedef struct
{
  pcap_t *dead;
  pcap_dumper_t *dumper;
  guint64 packets;
  guint64 bytes;
} Writer;

static gboolean
writer_open (Writer *w, guint snaplen, GError **error)
{
  const char *out = cnetctl_opts.output;

  w->dead = pcap_open_dead_with_tstamp_precision (DLT_EN10MB, (int) snaplen,
                                                  PCAP_TSTAMP_PRECISION_NANO);
  if (w->dead == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NO_MEMORY,
                   "libpcap cannot make a pcap handle");
      return FALSE;
    }
  if (g_str_equal (out, "-"))
    w->dumper = pcap_dump_fopen (w->dead, stdout);
  else
    w->dumper = pcap_dump_open (w->dead, out);
  if (w->dumper == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED, "%s: %s", out,
                   pcap_geterr (w->dead));
      return FALSE;
    }
  return TRUE;
}

static void
writer_add (Writer *w, gint64 ts_ns, guint len, const guint8 *data,
            gsize caplen)
{
  struct pcap_pkthdr h = { 0 };

  /* With nanosecond precision, tv_usec holds nanoseconds. */
  h.ts.tv_sec = ts_ns / 1000000000;
  h.ts.tv_usec = ts_ns % 1000000000;
  h.caplen = (bpf_u_int32) caplen;
  h.len = len;
  pcap_dump ((u_char *) w->dumper, &h, data);
  w->packets++;
  w->bytes += caplen;
  if (g_str_equal (cnetctl_opts.output, "-"))
    pcap_dump_flush (w->dumper);
}

static gboolean
writer_close (Writer *w, GError **error)
{
  gboolean ok = TRUE;

  if (w->dumper != NULL)
    {
      if (pcap_dump_flush (w->dumper) < 0)
        {
          int errsv = errno;
          g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED, "%s: %s",
                       cnetctl_opts.output, g_strerror (errsv));
          ok = FALSE;
        }
      if (g_str_equal (cnetctl_opts.output, "-"))
        pcap_dump_flush (w->dumper);
      else
        pcap_dump_close (w->dumper);
    }
  if (w->dead != NULL)
    pcap_close (w->dead);
  return ok;
}

static gboolean
done (Writer *w, gint64 deadline)
{
  return stop_requested ||
         (cnetctl_opts.packets > 0 &&
          w->packets >= (guint64) cnetctl_opts.packets) ||
         (deadline > 0 && g_get_monotonic_time () >= deadline);
}

static int
wait_ms (gint64 deadline)
{
  gint64 left;

  if (deadline == 0)
    return 200;
  left = (deadline - g_get_monotonic_time ()) / 1000;
  return (int) CLAMP (left, 0, 200);
}

static void
report (Writer *w, const char *iface, const char *how, guint64 lost,
        gboolean have_lost)
{
  if (cnetctl_opts.json && !g_str_equal (cnetctl_opts.output, "-"))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "interface");
      json_builder_add_string_value (b, iface);
      json_builder_set_member_name (b, "mode");
      json_builder_add_string_value (b, how);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, cnetctl_opts.output);
      json_builder_set_member_name (b, "packets");
      json_builder_add_int_value (b, (gint64) w->packets);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) w->bytes);
      json_builder_set_member_name (b, "lost");
      if (have_lost)
        json_builder_add_int_value (b, (gint64) lost);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cnetctl_print_json (root, TRUE);
      return;
    }
  g_printerr ("cnetctl: %" G_GUINT64_FORMAT " packets (%" G_GUINT64_FORMAT
              " bytes) captured on %s, %s",
              w->packets, w->bytes, iface, how);
  if (have_lost)
    g_printerr (", %" G_GUINT64_FORMAT " lost to a full ring buffer", lost);
  g_printerr ("\n");
}

/* Through an AF_XDP lease: the frames are taken, not copied. */
static int
capture_steal (CnetClient *client, const char *iface)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  Writer w = { 0 };
  gint64 deadline = cnetctl_opts.duration > 0
                      ? g_get_monotonic_time () +
                          (gint64) (cnetctl_opts.duration * G_USEC_PER_SEC)
                      : 0;
  guint snaplen = cnetctl_opts.snaplen > 0 ? (guint) cnetctl_opts.snaplen
                                           : CNET_MEMPOOL_DEFAULT_FRAME_SIZE;
  guint queue =
    cnetctl_opts.queue >= 0 ? (guint) cnetctl_opts.queue : CNET_DBUS_ANY_QUEUE;
  CnetPacket *pkts[64];

  g_printerr ("cnetctl: --steal: the packets captured on %s do NOT reach the "
              "kernel while the capture runs\n",
              iface);
  pool = cnet_mempool_new (4096, CNET_MEMPOOL_DEFAULT_FRAME_SIZE, 0, &error);
  if (pool == NULL)
    return cnetctl_fail (error);
  port =
    cnet_client_open_port (client, iface, queue, pool,
                           (const char *const *) cnetctl_opts.rules, &error);
  if (port == NULL || !writer_open (&w, snaplen, &error))
    {
      writer_close (&w, NULL);
      return cnetctl_fail (error);
    }
  while (!done (&w, deadline))
    {
      guint n = cnet_port_rx_burst (port, pkts, G_N_ELEMENTS (pkts));
      gint64 now = g_get_real_time () * 1000;

      if (n == 0)
        {
          g_autoptr (GError) wait_error = NULL;

          if (!cnet_port_wait (port, wait_ms (deadline), NULL, &wait_error) &&
              wait_error != NULL)
            {
              writer_close (&w, NULL);
              return cnetctl_fail (wait_error);
            }
          continue;
        }
      for (guint i = 0; i < n; i++)
        {
          gsize len = 0;
          const guint8 *data = cnet_packet_get_data (pkts[i], &len);

          if (!done (&w, deadline))
            writer_add (&w, now, (guint) len, data, MIN (len, snaplen));
        }
      cnet_packet_free_bulk (pkts, n);
    }
  if (!writer_close (&w, &error))
    return cnetctl_fail (error);
  report (&w, iface, "stolen through an AF_XDP lease", 0, FALSE);
  return CNETCTL_EXIT_OK;
}

int
cnetctl_capture (CnetClient *client, int argc, char **argv)
{
  const char *iface = argv[1];
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetCapture) capture = NULL;
  g_autoptr (GVariant) lease = NULL;
  g_auto (GVariantBuilder) opts =
    G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  Writer w = { 0 };
  gint64 deadline;
  guint64 lost = 0;
  gboolean have_lost = FALSE;
  struct sigaction sa = { .sa_handler = on_signal };

  if (cnetctl_opts.output == NULL)
    return cnetctl_usage ("capture: give the pcap file to write, -w FILE "
                          "(or -w - for standard output)");
  if (cnetctl_opts.packets < 0 || cnetctl_opts.duration < 0 ||
      cnetctl_opts.snaplen < 0)
    return cnetctl_usage ("capture: --packets, --duration and --snaplen "
                          "take positive numbers");
  if (g_str_equal (cnetctl_opts.output, "-") && cnetctl_opts.tty)
    return cnetctl_usage ("capture: -w - writes a binary pcap file; send "
                          "standard output to a file or a pipe");

  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  if (cnetctl_opts.steal)
    return capture_steal (client, iface);

  if (cnetctl_opts.queue >= 0)
    g_variant_builder_add (&opts, "{sv}", "queue",
                           g_variant_new_uint32 ((guint32) cnetctl_opts.queue));
  if (cnetctl_opts.snaplen > 0)
    g_variant_builder_add (&opts, "{sv}", "snaplen",
                           g_variant_new_uint32 (
                             (guint32) cnetctl_opts.snaplen));
  if (cnetctl_opts.rules != NULL)
    g_variant_builder_add (&opts, "{sv}", "rules",
                           g_variant_new_strv ((const char *const *)
                                                 cnetctl_opts.rules,
                                               -1));
  capture =
    cnet_client_start_capture (client, iface, g_variant_builder_end (&opts),
                               NULL, &error);
  if (capture == NULL)
    return cnetctl_fail (error);
  if (!writer_open (&w, cnet_capture_get_snaplen (capture), &error))
    {
      writer_close (&w, NULL);
      return cnetctl_fail (error);
    }
  deadline = cnetctl_opts.duration > 0
               ? g_get_monotonic_time () +
                   (gint64) (cnetctl_opts.duration * G_USEC_PER_SEC)
               : 0;
  while (!done (&w, deadline))
    {
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (GError) read_error = NULL;
      gint64 ts = 0;
      guint len = 0;

      bytes = cnet_capture_read (capture, &ts, &len, NULL, &read_error);
      if (bytes != NULL)
        {
          gsize caplen;
          const guint8 *data = g_bytes_get_data (bytes, &caplen);

          writer_add (&w, ts, len, data, caplen);
          continue;
        }
      if (read_error != NULL)
        {
          /* cnetd ended it (root released it, the interface went). */
          writer_close (&w, NULL);
          return cnetctl_fail (read_error);
        }
      cnet_capture_wait (capture, wait_ms (deadline), NULL, NULL);
    }
  lease =
    cnet_client_get_lease_info (client, cnet_capture_get_object_path (capture),
                                NULL, NULL);
  if (lease != NULL)
    {
      g_autoptr (GVariant) stats =
        g_variant_lookup_value (lease, "Stats", G_VARIANT_TYPE ("a{st}"));

      have_lost = stats != NULL && g_variant_lookup (stats, "lost", "t", &lost);
    }
  if (!cnet_capture_stop (capture, NULL, &error) || !writer_close (&w, &error))
    return cnetctl_fail (error);
  report (&w, iface, "non-destructive (the kernel got them too)", lost,
          have_lost);
  return CNETCTL_EXIT_OK;
}
