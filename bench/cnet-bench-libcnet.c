/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libcnet implementations: what an application writes with the public
 * C API (CnetPort rx/tx bursts, cnet_packet_free_bulk), the same loops as
 * examples/cnet-echo.c. Idle loops spin (as the raw loop, CNDP and testpmd
 * do), so the rates are peak rates.
 */
#include <cnet/cnet.h>
#include <string.h>

#include "cnet-bench.h"

typedef struct
{
  CnetMempool *pool;
  CnetPort *port;
} LibcnetState;

/* --rules N: N-1 rules that never match (other UDP ports), then one that
 * matches the generator's frames (UDP to 9001), so every frame is tested
 * against all of them: the worst case of the steering cost. */
static GStrv
libcnet_rules (guint n)
{
  GStrv rules = g_new0 (char *, n + 1);

  for (guint i = 0; i + 1 < n; i++)
    rules[i] = g_strdup_printf ("udp dport %u", 20000 + i);
  if (n > 0)
    rules[n - 1] = g_strdup ("udp dport 9001");
  return rules;
}

static gboolean
libcnet_setup (Bench *b, GError **error)
{
  LibcnetState *st = g_new0 (LibcnetState, 1);
  g_auto (GStrv) rules = libcnet_rules (b->n_rules);
  guint frames = b->frames ? b->frames : BENCH_FRAMES;
  guint ring = b->ring ? b->ring : BENCH_RING_SIZE;
  g_autoptr (CnetClient) client = NULL;

  b->priv = st;
  st->pool =
    cnet_mempool_new (frames, b->multi_buffer ? 4096 : BENCH_FRAME_SIZE, 0,
                      error);
  if (st->pool == NULL)
    return FALSE;
  if (b->cnetd != NULL)
    {
      g_auto (GVariantBuilder) opts =
        G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
      gint64 t0;

      client = cnet_client_new (b->cnetd, NULL, error);
      if (client == NULL)
        return FALSE;
      if (b->multi_buffer)
        g_variant_builder_add (&opts, "{sv}", "multi-buffer",
                               g_variant_new_boolean (TRUE));
      if (b->busy_poll > 0)
        {
          /* cnetd also sets the interface's NAPI settings for it. */
          g_variant_builder_add (&opts, "{sv}", "busy-poll-usecs",
                                 g_variant_new_uint32 (b->busy_poll));
        }
      if (b->n_rules > 0)
        g_variant_builder_add (&opts, "{sv}", "rules",
                               g_variant_new_strv ((const char *const *) rules,
                                                   -1));
      /* AcquireQueue (cnetd registers the UMEM, makes the rings and
       * binds), then Activate: the lease's set-up cost. */
      t0 = g_get_monotonic_time ();
      st->port =
        cnet_client_open_port_full (client, b->ifname, b->queue, st->pool,
                                    g_variant_builder_end (&opts), NULL, error);
      b->setup_ms = (g_get_monotonic_time () - t0) / 1000.0;
      return st->port != NULL;
    }
  /* The socket of the run before may take a moment to let the queue go. */
  for (guint tries = 0;; tries++)
    {
      g_autoptr (GError) local_error = NULL;
      gint64 t0 = g_get_monotonic_time ();

      st->port =
        g_initable_new (CNET_TYPE_PORT, NULL, &local_error, "interface",
                        b->ifname, "queue", b->queue, "mempool", st->pool,
                        "xdp-mode", CNET_XDP_MODE_NATIVE, "bind-mode",
                        CNET_BIND_MODE_COPY, "busy-poll-usecs", b->busy_poll,
                        "rx-size", ring, "tx-size", ring, "fill-size", ring,
                        "comp-size", ring, "multi-buffer", b->multi_buffer,
                        "rx-metadata", (CnetRxMetadataFlags) b->rx_metadata,
                        "rules", b->n_rules > 0 ? rules : NULL, NULL);
      b->setup_ms = (g_get_monotonic_time () - t0) / 1000.0;
      if (st->port != NULL)
        return TRUE;
      if (!g_error_matches (local_error, CNET_ERROR, CNET_ERROR_BUSY) ||
          tries == 40)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_usleep (50000);
    }
}

static void
libcnet_read (Bench *b, BenchCounters *c)
{
  LibcnetState *st = b->priv;
  CnetPortStats s;

  memset (c, 0, sizeof *c);
  c->rx = b->rx;
  c->tx = b->tx;
  c->drops = b->drops;
  if (cnet_port_get_stats (st->port, &s, NULL))
    {
      c->rx_ring_full = s.rx_ring_full;
      c->fill_empty = s.rx_fill_ring_empty_descs;
      c->drops += s.rx_dropped;
    }
}

static void
libcnet_teardown (Bench *b)
{
  LibcnetState *st = b->priv;

  if (st == NULL)
    return;
  g_clear_object (&st->port);
  g_clear_object (&st->pool);
  g_free (st);
  b->priv = NULL;
}

static void
libcnet_rx_drop_loop (Bench *b)
{
  LibcnetState *st = b->priv;
  CnetPacket *pkts[256];

  while (!bench_stop)
    {
      guint n = cnet_port_rx_burst (st->port, pkts, b->burst);

      /* With metadata: what an application that wants it reads. */
      if (b->meta_read)
        for (guint i = 0; i < n; i++)
          {
            guint64 t;

            if (cnet_packet_get_arrival_time (pkts[i], &t))
              b->meta_sum += t;
          }
      if (n > 0)
        cnet_packet_free_bulk (pkts, n);
      b->rx += n;
      bench_check_mark (b);
    }
}

/* cnet-echo's loop, without its clock and prints. */
static void
libcnet_echo_loop (Bench *b)
{
  LibcnetState *st = b->priv;
  CnetPacket *pkts[256];

  while (!bench_stop)
    {
      guint n = cnet_port_rx_burst (st->port, pkts, b->burst);

      if (n > 0)
        {
          guint sent;

          for (guint i = 0; i < n; i++)
            cnet_packet_swap_macs (pkts[i]);
          sent = cnet_port_tx_burst (st->port, pkts, n);
          if (sent < n)
            {
              cnet_packet_free_bulk (pkts + sent, n - sent);
              b->drops += n - sent;
            }
          b->rx += n;
          b->tx += sent;
        }
      else
        {
          cnet_port_tx_flush (st->port);
          b->empty_polls++;
        }
      b->polls++;
      bench_check_mark (b);
    }
}

/* Ping-pong server: waits in poll() unless busy polling. */
static void
libcnet_pong_loop (Bench *b)
{
  LibcnetState *st = b->priv;
  CnetPacket *pkts[256];

  while (!bench_stop)
    {
      guint n = cnet_port_rx_burst (st->port, pkts, b->burst);

      if (n > 0)
        {
          guint sent;

          for (guint i = 0; i < n; i++)
            cnet_packet_swap_macs (pkts[i]);
          sent = cnet_port_tx_burst (st->port, pkts, n);
          cnet_packet_free_bulk (pkts + sent, n - sent);
          b->rx += n;
          b->tx += sent;
        }
      else
        {
          cnet_port_tx_flush (st->port);
          if (b->busy_poll == 0)
            cnet_port_wait (st->port, 100, NULL, NULL);
        }
      bench_check_mark (b);
    }
}

/* One TX burst of the bench frame: frames from the mempool, filled,
 * sent; what the ring did not take goes back. */
static void
send_frames (Bench *b, LibcnetState *st, CnetPacket **pkts)
{
  guint n = cnet_mempool_alloc_bulk (st->pool, pkts, b->burst);
  guint sent;

  for (guint i = 0; i < n; i++)
    {
      gsize len;
      guint8 *data;

      if (!cnet_packet_set_length (pkts[i], b->size, NULL))
        g_assert_not_reached ();
      data = cnet_packet_get_data (pkts[i], &len);
      memcpy (data, b->frame, b->size);
    }
  sent = cnet_port_tx_burst (st->port, pkts, n);
  if (sent < n)
    cnet_packet_free_bulk (pkts + sent, n - sent);
  b->tx += sent;
}

static void
libcnet_tx_only_loop (Bench *b)
{
  LibcnetState *st = b->priv;
  CnetPacket *pkts[256];

  while (!bench_stop)
    {
      send_frames (b, st, pkts);
      bench_check_mark (b);
    }
  while (cnet_port_tx_flush (st->port) > 0 && !bench_stop)
    ;
}

/* tx-only while the generator floods the same socket, whose frames are
 * received and freed: the send path with the socket's receive path busy
 * on the other core, but no frame of the one touched by the other. */
static void
libcnet_tx_rx_loop (Bench *b)
{
  LibcnetState *st = b->priv;
  CnetPacket *pkts[256];

  while (!bench_stop)
    {
      guint n = cnet_port_rx_burst (st->port, pkts, b->burst);

      if (n > 0)
        cnet_packet_free_bulk (pkts, n);
      b->rx += n;
      send_frames (b, st, pkts);
      bench_check_mark (b);
    }
}

static gboolean
libcnet_tx_setup (Bench *b, GError **error)
{
  static const guint8 dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
  static const guint8 src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

  bench_build_frame (b->frame, b->size, dst, src, 0x010200c0, 0x020200c0, 0);
  return libcnet_setup (b, error);
}

const BenchImpl bench_libcnet_impls[] = {
  { "rx-drop", "libcnet", libcnet_setup, libcnet_rx_drop_loop, libcnet_read,
    libcnet_teardown },
  { "echo", "libcnet", libcnet_setup, libcnet_echo_loop, libcnet_read,
    libcnet_teardown },
  { "tx-only", "libcnet", libcnet_tx_setup, libcnet_tx_only_loop, libcnet_read,
    libcnet_teardown },
  { "tx-rx", "libcnet", libcnet_tx_setup, libcnet_tx_rx_loop, libcnet_read,
    libcnet_teardown },
  { "pong", "libcnet", libcnet_setup, libcnet_pong_loop, libcnet_read,
    libcnet_teardown },
  { NULL },
};
