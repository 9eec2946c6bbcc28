/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A cnetd client for the service tests, meant to run unprivileged: it
 * leases a queue with CnetClient and then
 *
 *   echo ADDRESS IFACE QUEUE COUNT [RULE...]  echoes COUNT UDP datagrams
 *       back to their sender (MACs, IPs and ports swapped, which keeps the
 *       checksums valid) and exits;
 *   hold ADDRESS IFACE QUEUE [RULE...]  says "ready" and waits to be
 *       killed;
 *   open-async|cancel-async ADDRESS IFACE QUEUE  the C twin of
 *       async-client.py: connects with cnet_client_connect_async() and
 *       opens with cnet_client_open_port_async() from a GMainLoop while a
 *       5 ms timer keeps firing; says "opening" once the open is under
 *       way, and when the timer has fired three times during it says
 *       "ticking" (open-async) or cancels it (cancel-async).
 *
 * QUEUE may be "any". With FRAMES=N in the environment the mempool has N
 * frames. The last line it prints is JSON: what it did, or the error.
 */
#include <cnet/cnet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
swap (guint8 *a, guint8 *b, gsize n)
{
  guint8 t[16];

  memcpy (t, a, n);
  memcpy (a, b, n);
  memcpy (b, t, n);
}

/* The reply to a UDP/IPv4 frame, in place. */
static void
reply_in_place (guint8 *d, gsize len)
{
  gsize l4;

  if (len < 14 + 20 + 8)
    return;
  l4 = 14 + (gsize) (d[14] & 0x0f) * 4;
  if (len < l4 + 8)
    return;
  swap (d, d + 6, 6);
  swap (d + 26, d + 30, 4);
  swap (d + l4, d + l4 + 2, 2);
}

static int
fail (GError *error)
{
  g_autofree char *message = g_strescape (error->message, NULL);

  g_print ("{\"uid\": %u, \"error\": \"%s\", \"domain\": \"%s\", \"code\": "
           "%d}\n",
           (guint) getuid (), message, g_quark_to_string (error->domain),
           error->code);
  return 1;
}

typedef struct
{
  GMainLoop *loop;
  GCancellable *cancellable;
  CnetMempool *pool;
  const char *iface;
  guint queue;
  gboolean cancel;
  gboolean opening;
  guint ticks;
  CnetPort *port;
  GError *error;
} AsyncOpen;

static gboolean
async_tick (gpointer user_data)
{
  AsyncOpen *a = user_data;

  if (a->opening && ++a->ticks == 3)
    {
      if (a->cancel)
        g_cancellable_cancel (a->cancellable);
      else
        {
          g_print ("ticking\n");
          fflush (stdout);
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
async_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncOpen *a = user_data;

  a->opening = FALSE;
  a->port =
    cnet_client_open_port_finish (CNET_CLIENT (source), result, &a->error);
  g_main_loop_quit (a->loop);
}

static void
async_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncOpen *a = user_data;
  g_autoptr (CnetClient) client =
    cnet_client_connect_finish (result, &a->error);

  if (client == NULL)
    {
      g_main_loop_quit (a->loop);
      return;
    }
  a->opening = TRUE;
  cnet_client_open_port_async (client, a->iface, a->queue, a->pool, NULL,
                               a->cancellable, async_opened, a);
  g_print ("opening\n");
  fflush (stdout);
}

static int
open_async (const char *address, const char *iface, guint queue,
            gboolean cancel)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = cnet_mempool_new (4096, 2048, 0, &error);
  AsyncOpen a = { loop, cancellable, pool, iface, queue, cancel };
  guint timer;
  int ret;

  if (pool == NULL)
    return fail (error);
  timer = g_timeout_add (5, async_tick, &a);
  cnet_client_connect_async (address, NULL, async_connected, &a);
  g_main_loop_run (loop);
  g_source_remove (timer);
  if (a.port == NULL)
    {
      ret = fail (a.error);
      g_clear_error (&a.error);
      return ret;
    }
  g_print ("{\"uid\": %u, \"queue\": %u, \"ticks\": %u}\n", (guint) getuid (),
           cnet_port_get_queue (a.port), a.ticks);
  g_object_unref (a.port);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetClient) client = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  const char *frames_env = g_getenv ("FRAMES");
  const char *mode, *address, *iface;
  guint queue, count = 0, echoed = 0, first_rule;
  CnetPortStats stats;
  CnetPacket *pkts[64];
  gint64 deadline, t0;

  if (argc < 5)
    {
      g_printerr ("usage: %s echo|hold|open-async|cancel-async ADDRESS IFACE "
                  "QUEUE "
                  "[COUNT] [RULE...]\n",
                  argv[0]);
      return 2;
    }
  mode = argv[1];
  address = argv[2];
  iface = argv[3];
  queue =
    g_str_equal (argv[4], "any") ? CNET_DBUS_ANY_QUEUE : (guint) atoi (argv[4]);
  if (g_str_equal (mode, "open-async") || g_str_equal (mode, "cancel-async"))
    return open_async (address, iface, queue,
                       g_str_equal (mode, "cancel-async"));
  if (g_str_equal (mode, "echo"))
    {
      count = (guint) atoi (argv[5]);
      first_rule = 6;
    }
  else
    first_rule = 5;

  client = cnet_client_new (address, NULL, &error);
  if (client == NULL)
    return fail (error);
  pool = cnet_mempool_new (frames_env ? (guint) atoi (frames_env) : 1024, 2048,
                           0, &error);
  if (pool == NULL)
    return fail (error);
  t0 = g_get_monotonic_time ();
  port = cnet_client_open_port (client, iface, queue, pool,
                                argc > (int) first_rule
                                  ? (const char *const *) argv + first_rule
                                  : NULL,
                                &error);
  if (port == NULL)
    return fail (error);
  g_print ("ready queue %u in %.1f ms\n", cnet_port_get_queue (port),
           (g_get_monotonic_time () - t0) / 1000.0);
  fflush (stdout);

  if (g_str_equal (mode, "hold"))
    {
      for (;;)
        pause ();
    }

  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (echoed < count && g_get_monotonic_time () < deadline)
    {
      guint n = cnet_port_rx_burst (port, pkts, G_N_ELEMENTS (pkts));
      guint sent;

      if (n == 0)
        {
          cnet_port_wait (port, 50, NULL, NULL);
          continue;
        }
      for (guint i = 0; i < n; i++)
        {
          gsize len;
          guint8 *d = cnet_packet_get_data (pkts[i], &len);
          reply_in_place (d, len);
        }
      sent = cnet_port_tx_burst (port, pkts, n);
      cnet_packet_free_bulk (pkts + sent, n - sent);
      echoed += sent;
    }
  while (cnet_port_tx_flush (port) > 0 && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  if (!cnet_port_get_stats (port, &stats, &error))
    return fail (error);
  g_print ("{\"uid\": %u, \"queue\": %u, \"echoed\": %u, \"rx_packets\": "
           "%" G_GUINT64_FORMAT ", \"tx_packets\": %" G_GUINT64_FORMAT
           ", \"xdp_redirected\": %" G_GUINT64_FORMAT
           ", \"rule0_hits\": %" G_GUINT64_FORMAT
           ", \"n_rules\": %u, \"bind_mode\": %d}\n",
           (guint) getuid (), cnet_port_get_queue (port), echoed,
           stats.rx_packets, stats.tx_packets, stats.xdp_redirected,
           stats.rule_hits[0], stats.n_rules,
           (int) cnet_port_get_bind_mode (port));
  return echoed == count ? 0 : 1;
}
