/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetPort and CnetXdpProgram on a real veth pair in a network namespace of
 * the test's own: real AF_XDP sockets, real frames, no mocks.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cnet/cnet.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cnet-test-netns.h"

typedef struct
{
  CnetTestNetns *ns;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  if (cnet_test_skip_unless_root ())
    return;
  f->ns = cnet_test_netns_new (1);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->ns != NULL)
    cnet_test_netns_free (f->ns);
}

static CnetPort *
open_port (const char *ifname, guint queue, CnetMempool *pool,
           CnetXdpMode xdp_mode, guint ring_size)
{
  g_autoptr (GError) error = NULL;
  CnetPort *port;

  port = g_initable_new (CNET_TYPE_PORT, NULL, &error, "interface", ifname,
                         "queue", queue, "mempool", pool, "xdp-mode", xdp_mode,
                         "rx-size", ring_size, "tx-size", ring_size,
                         "fill-size", ring_size, "comp-size", ring_size, NULL);
  g_assert_no_error (error);
  g_assert_nonnull (port);
  return port;
}

/* Receives until @n packets came or @timeout_ms passed. */
static guint
receive_n (CnetPort *port, CnetPacket **pkts, guint n, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  guint got = 0;

  while (got < n && g_get_monotonic_time () < deadline)
    {
      guint r = cnet_port_rx_burst (port, pkts + got, MIN (64, n - got));
      if (r == 0)
        {
          g_autoptr (GError) error = NULL;
          cnet_port_wait (port, 10, NULL, &error);
          g_assert_no_error (error);
        }
      got += r;
    }
  return got;
}

static void
send_frames (CnetTestNetns *ns, int fd, guint32 stream, guint n, gsize len)
{
  guint8 buf[2048];

  for (guint i = 0; i < n; i++)
    {
      gsize l =
        cnet_test_frame_build (buf, len, ns->mac_a, ns->mac_b, stream, i);
      g_assert_true (cnet_test_packet_send (fd, buf, l));
    }
}

/* N frames injected at the peer arrive, each exactly once and byte-exact,
 * and the counters agree. */
static void
check_receive (Fixture *f, CnetXdpMode mode)
{
  const guint n = 1000;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autofree CnetPacket **pkts = g_new0 (CnetPacket *, n + 1);
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  CnetPortStats stats;
  guint64 bytes = 0;
  guint got;
  int fd;

  pool = cnet_mempool_new (4096, 2048, 0, &error);
  g_assert_no_error (error);
  port = open_port (f->ns->veth_a, 0, pool, mode, 2048);
  g_assert_cmpint (cnet_xdp_program_get_mode (cnet_port_get_xdp_program (port)),
                   ==, mode);
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==,
                    cnet_xdp_program_get_id (cnet_port_get_xdp_program (port)));
  /* veth has no zero-copy: auto fell back to copy and says so. */
  g_assert_cmpint (cnet_port_get_bind_mode (port), ==, CNET_BIND_MODE_COPY);

  fd = cnet_test_packet_socket (f->ns->veth_b);
  send_frames (f->ns, fd, 7, n, 60 + 14 + 4);
  got = receive_n (port, pkts, n + 1, 2000);
  g_assert_cmpuint (got, ==, n);

  for (guint i = 0; i < got; i++)
    {
      gsize len;
      const guint8 *data = cnet_packet_get_data (pkts[i], &len);
      guint32 stream, seq;

      g_assert_true (cnet_test_frame_parse (data, len, &stream, &seq));
      g_assert_cmpuint (stream, ==, 7);
      g_assert_cmpuint (seq, <, n);
      g_assert_false (seen[seq]);
      seen[seq] = TRUE;
      g_assert_cmpmem (data, 6, f->ns->mac_a, 6);
      bytes += len;
    }
  cnet_packet_free_bulk (pkts, got);

  g_assert_true (cnet_port_get_stats (port, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.rx_packets, ==, n);
  g_assert_cmpuint (stats.rx_bytes, ==, bytes);
  g_assert_cmpuint (stats.xdp_redirected, ==, n);
  g_assert_cmpuint (stats.xdp_dropped, ==, 0);
  g_assert_cmpuint (stats.rx_dropped, ==, 0);
  g_assert_cmpuint (stats.rx_ring_full, ==, 0);
  g_assert_cmpuint (stats.tx_packets, ==, 0);
  close (fd);

  g_clear_object (&port);
  /* Every frame is back: none was lost to the kernel. */
  g_assert_cmpuint (cnet_mempool_get_n_free (pool), ==, 4096);
}

static void
test_receive_native (Fixture *f, gconstpointer data)
{
  if (f->ns == NULL)
    return;
  check_receive (f, CNET_XDP_MODE_NATIVE);
}

static void
test_receive_generic (Fixture *f, gconstpointer data)
{
  if (f->ns == NULL)
    return;
  check_receive (f, CNET_XDP_MODE_GENERIC);
}

/* Frames arrive, have their MACs swapped and go back out the same port;
 * the peer gets each one back byte-exact but for the swapped MACs. */
static void
test_echo (Fixture *f, gconstpointer data)
{
  const guint n = 500;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  CnetPacket *pkts[64];
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  guint8 buf[2048];
  guint echoed = 0, returned = 0;
  CnetPortStats stats;
  gint64 deadline;
  int fd;

  if (f->ns == NULL)
    return;

  pool = cnet_mempool_new (4096, 2048, 0, &error);
  g_assert_no_error (error);
  port = open_port (f->ns->veth_a, 0, pool, CNET_XDP_MODE_NATIVE, 2048);
  fd = cnet_test_packet_socket (f->ns->veth_b);

  /* Send in rounds so the peer's socket never overflows. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  for (guint sent = 0; sent < n && g_get_monotonic_time () < deadline;)
    {
      guint round = MIN (50, n - sent);
      guint want = echoed + round;

      for (guint i = 0; i < round; i++)
        {
          gsize l =
            cnet_test_frame_build (buf, 64 + (sent + i) % 1400, f->ns->mac_a,
                                   f->ns->mac_b, 3, sent + i);
          g_assert_true (cnet_test_packet_send (fd, buf, l));
        }
      sent += round;
      while (echoed < want && g_get_monotonic_time () < deadline)
        {
          guint r = cnet_port_rx_burst (port, pkts, G_N_ELEMENTS (pkts));
          for (guint i = 0; i < r; i++)
            cnet_packet_swap_macs (pkts[i]);
          g_assert_cmpuint (cnet_port_tx_burst (port, pkts, r), ==, r);
          echoed += r;
        }
    }
  g_assert_cmpuint (echoed, ==, n);

  while (returned < n)
    {
      gssize len = cnet_test_packet_recv (fd, buf, sizeof buf, 2000);
      guint32 stream, seq;

      g_assert_cmpint (len, >, 0);
      g_assert_true (cnet_test_frame_parse (buf, (gsize) len, &stream, &seq));
      g_assert_cmpuint (stream, ==, 3);
      g_assert_cmpuint (seq, <, n);
      g_assert_cmpint (len, ==, 64 + seq % 1400);
      g_assert_false (seen[seq]);
      seen[seq] = TRUE;
      /* Swapped: the frame now goes to b and comes from a. */
      g_assert_cmpmem (buf, 6, f->ns->mac_b, 6);
      g_assert_cmpmem (buf + 6, 6, f->ns->mac_a, 6);
      returned++;
    }
  /* Nothing more. */
  g_assert_cmpint (cnet_test_packet_recv (fd, buf, sizeof buf, 100), <, 0);

  g_assert_cmpuint (cnet_port_tx_flush (port), ==, 0);
  g_assert_true (cnet_port_get_stats (port, &stats, &error));
  g_assert_cmpuint (stats.rx_packets, ==, n);
  g_assert_cmpuint (stats.tx_packets, ==, n);
  g_assert_cmpuint (stats.tx_completed, ==, n);
  g_assert_cmpuint (stats.tx_bytes, ==, stats.rx_bytes);
  g_assert_cmpuint (stats.tx_invalid_descs, ==, 0);
  close (fd);
}

/* Four threads send at once through one port; the peer (a second port)
 * receives every frame exactly once. */
#define TX_THREADS 4
#define TX_PER_THREAD 2500

typedef struct
{
  CnetPort *port;
  CnetMempool *pool;
  CnetTestNetns *ns;
  guint32 stream;
} TxThread;

static gpointer
tx_thread (gpointer user_data)
{
  TxThread *t = user_data;
  guint sent = 0;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (sent < TX_PER_THREAD && g_get_monotonic_time () < deadline)
    {
      CnetPacket *pkts[16];
      guint want = MIN (G_N_ELEMENTS (pkts), TX_PER_THREAD - sent);
      guint n = cnet_mempool_alloc_bulk (t->pool, pkts, want);
      guint done = 0;

      for (guint i = 0; i < n; i++)
        {
          gsize len;
          guint8 *data;

          g_assert_true (cnet_packet_set_length (pkts[i], 128, NULL));
          data = cnet_packet_get_data (pkts[i], &len);
          cnet_test_frame_build (data, len, t->ns->mac_b, t->ns->mac_a,
                                 t->stream, sent + i);
        }
      while (done < n && g_get_monotonic_time () < deadline)
        {
          done += cnet_port_tx_burst (t->port, pkts + done, n - done);
          if (done < n)
            g_usleep (100);
        }
      g_assert_cmpuint (done, ==, n);
      sent += n;
      /* The receiver drains in its own time: don't outrun it. */
      g_usleep (50);
    }
  g_assert_cmpuint (sent, ==, TX_PER_THREAD);
  return NULL;
}

static void
test_tx_threads (Fixture *f, gconstpointer data)
{
  const guint total = TX_THREADS * TX_PER_THREAD;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) tx_pool = NULL;
  g_autoptr (CnetMempool) rx_pool = NULL;
  g_autoptr (CnetPort) tx_port = NULL;
  g_autoptr (CnetPort) rx_port = NULL;
  g_autofree guint8 *seen = g_new0 (guint8, total);
  TxThread threads[TX_THREADS];
  GThread *handles[TX_THREADS];
  CnetPacket *pkts[64];
  CnetPortStats stats;
  guint received = 0;
  gint64 deadline;

  if (f->ns == NULL)
    return;

  tx_pool = cnet_mempool_new (4096, 2048, 0, &error);
  g_assert_no_error (error);
  rx_pool = cnet_mempool_new (4096, 2048, 0, &error);
  g_assert_no_error (error);
  tx_port = open_port (f->ns->veth_a, 0, tx_pool, CNET_XDP_MODE_NATIVE, 512);
  rx_port = open_port (f->ns->veth_b, 0, rx_pool, CNET_XDP_MODE_NATIVE, 2048);

  for (guint i = 0; i < TX_THREADS; i++)
    {
      threads[i] = (TxThread){ tx_port, tx_pool, f->ns, i };
      handles[i] = g_thread_new ("tx", tx_thread, &threads[i]);
    }

  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (received < total && g_get_monotonic_time () < deadline)
    {
      guint n = cnet_port_rx_burst (rx_port, pkts, G_N_ELEMENTS (pkts));

      for (guint i = 0; i < n; i++)
        {
          gsize len;
          const guint8 *d = cnet_packet_get_data (pkts[i], &len);
          guint32 stream, seq;

          g_assert_true (cnet_test_frame_parse (d, len, &stream, &seq));
          g_assert_cmpuint (stream, <, TX_THREADS);
          g_assert_cmpuint (seq, <, TX_PER_THREAD);
          g_assert_cmpuint (seen[stream * TX_PER_THREAD + seq], ==, 0);
          seen[stream * TX_PER_THREAD + seq] = 1;
        }
      cnet_packet_free_bulk (pkts, n);
      received += n;
      if (n == 0)
        g_usleep (20);
    }
  for (guint i = 0; i < TX_THREADS; i++)
    g_thread_join (handles[i]);

  while (cnet_port_tx_flush (tx_port) > 0)
    g_usleep (1000);
  /* Late stragglers, if any, would be duplicates or strays. */
  g_usleep (50000);
  {
    guint n = cnet_port_rx_burst (rx_port, pkts, G_N_ELEMENTS (pkts));
    cnet_packet_free_bulk (pkts, n);
    g_assert_cmpuint (n, ==, 0);
  }

  g_assert_cmpuint (received, ==, total);
  g_assert_true (cnet_port_get_stats (tx_port, &stats, &error));
  g_assert_cmpuint (stats.tx_packets, ==, total);
  g_assert_cmpuint (stats.tx_completed, ==, total);
  g_assert_cmpuint (stats.tx_bytes, ==, (guint64) total * 128);
  g_assert_true (cnet_port_get_stats (rx_port, &stats, &error));
  g_assert_cmpuint (stats.rx_packets, ==, total);
  g_assert_cmpuint (stats.xdp_redirected, ==, total);

  g_clear_object (&tx_port);
  g_clear_object (&rx_port);
  g_assert_cmpuint (cnet_mempool_get_n_free (tx_pool), ==, 4096);
  g_assert_cmpuint (cnet_mempool_get_n_free (rx_pool), ==, 4096);
}

/* With every frame held by the application, the kernel has nowhere to put
 * new frames: they are dropped and counted, nothing crashes, and receiving
 * works again once frames are freed. */
static void
test_mempool_exhausted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  CnetPacket *held[64];
  CnetPacket *pkts[64];
  CnetPortStats stats;
  guint n_held;
  int fd;

  if (f->ns == NULL)
    return;

  pool = cnet_mempool_new (64, 2048, 0, &error);
  g_assert_no_error (error);
  port = open_port (f->ns->veth_a, 0, pool, CNET_XDP_MODE_NATIVE, 64);
  g_assert_cmpuint (cnet_mempool_get_n_free (pool), ==, 0); /* all on fill */
  fd = cnet_test_packet_socket (f->ns->veth_b);

  send_frames (f->ns, fd, 1, 100, 64);
  n_held = receive_n (port, held, 64, 2000);
  g_assert_cmpuint (n_held, ==, 64);
  /* Nothing more could arrive: the fill ring is empty, the pool too. */
  g_assert_cmpuint (receive_n (port, pkts, 1, 200), ==, 0);
  send_frames (f->ns, fd, 2, 10, 64);
  g_assert_cmpuint (receive_n (port, pkts, 1, 200), ==, 0);

  g_assert_true (cnet_port_get_stats (port, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.rx_packets, ==, 64);
  g_assert_cmpuint (stats.alloc_failures, >, 0);
  g_assert_cmpuint (stats.fill_ring_empty, >, 0);
  /* The kernel saw 46 frames it had no room for. */
  g_assert_cmpuint (stats.rx_dropped + stats.rx_fill_ring_empty_descs, >=, 46);
  g_assert_cmpuint (stats.xdp_redirected, ==, 110);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 64);

  /* Recovery. */
  cnet_packet_free_bulk (held, n_held);
  g_assert_cmpuint (receive_n (port, pkts, 1, 50), ==, 0); /* refills */
  send_frames (f->ns, fd, 3, 50, 64);
  g_assert_cmpuint (receive_n (port, pkts, 50, 2000), ==, 50);
  for (guint i = 0; i < 50; i++)
    {
      gsize len;
      const guint8 *d = cnet_packet_get_data (pkts[i], &len);
      guint32 stream, seq;
      g_assert_true (cnet_test_frame_parse (d, len, &stream, &seq));
      g_assert_cmpuint (stream, ==, 3);
    }
  cnet_packet_free_bulk (pkts, 50);
  /* Frames in flight are accounted for: none is in use once the port is
   * dropped. */
  g_clear_object (&port);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 0);
  close (fd);
}

static void
test_unknown_interface (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (256, 2048, 0, &error);
  port = cnet_port_new ("cnetnosuch0", 0, pool, &error);
  g_assert_null (port);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "cnetnosuch0"));
  g_assert_nonnull (strstr (error->message, "no such interface"));
}

static void
test_queue_out_of_range (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autofree char *expect = NULL;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (256, 2048, 0, &error);
  port = cnet_port_new (f->ns->veth_a, 5, pool, &error);
  g_assert_null (port);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  expect = g_strdup_printf ("%s queue 5: the interface has 1 receive queue",
                            f->ns->veth_a);
  g_assert_nonnull (strstr (error->message, expect));
}

static void
test_zerocopy_on_veth (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (256, 2048, 0, &error);
  port = g_initable_new (CNET_TYPE_PORT, NULL, &error, "interface",
                         f->ns->veth_a, "queue", 0, "mempool", pool,
                         "bind-mode", CNET_BIND_MODE_ZEROCOPY, NULL);
  g_assert_null (port);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "driver veth"));
  g_assert_nonnull (strstr (error->message, "zero-copy"));
  g_assert_cmpuint (cnet_mempool_get_n_free (pool), ==, 256);
}

/* A minimal XDP program of somebody else's: return XDP_PASS. */
static int
load_foreign_program (void)
{
  const struct bpf_insn insns[] = {
    { .code = 0xb7, .dst_reg = 0, .imm = XDP_PASS }, /* r0 = XDP_PASS */
    { .code = 0x95 },                                /* exit */
  };
  int fd = bpf_prog_load (BPF_PROG_TYPE_XDP, "someone_else", "GPL", insns,
                          G_N_ELEMENTS (insns), NULL);
  g_assert_cmpint (fd, >=, 0);
  return fd;
}

static void
test_foreign_program (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  guint foreign_id;
  int prog_fd;

  if (f->ns == NULL)
    return;

  prog_fd = load_foreign_program ();
  g_assert_cmpint (bpf_xdp_attach ((int) f->ns->ifindex_a, prog_fd,
                                   XDP_FLAGS_SKB_MODE, NULL),
                   ==, 0);
  foreign_id = cnet_test_xdp_prog_id (f->ns->veth_a);
  g_assert_cmpuint (foreign_id, !=, 0);

  pool = cnet_mempool_new (256, 2048, 0, &error);
  port = cnet_port_new (f->ns->veth_a, 0, pool, &error);
  g_assert_null (port);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_FOREIGN_PROGRAM);
  g_assert_nonnull (strstr (error->message, "someone_else"));
  g_assert_nonnull (strstr (error->message, f->ns->veth_a));
  g_clear_error (&error);
  /* Refused means untouched. */
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==, foreign_id);

  /* Asked to, the port replaces it. */
  port = g_initable_new (CNET_TYPE_PORT, NULL, &error, "interface",
                         f->ns->veth_a, "queue", 0, "mempool", pool,
                         "attach-flags", CNET_XDP_ATTACH_REPLACE, NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==,
                    cnet_xdp_program_get_id (cnet_port_get_xdp_program (port)));
  g_clear_object (&port);
  close (prog_fd);
}

static void
test_same_queue_twice (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (CnetPort) port2 = NULL;
  g_autofree char *expect = NULL;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (1024, 2048, 0, &error);
  port = cnet_port_new (f->ns->veth_a, 0, pool, &error);
  g_assert_no_error (error);
  port2 = cnet_port_new (f->ns->veth_a, 0, pool, &error);
  g_assert_null (port2);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_BUSY);
  expect = g_strdup_printf ("%s queue 0:", f->ns->veth_a);
  g_assert_true (g_str_has_prefix (error->message, expect));
  /* The first port is unharmed. */
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==,
                    cnet_xdp_program_get_id (cnet_port_get_xdp_program (port)));
}

/* Fault: the interface is deleted under an open port. The port says so
 * with a clear error (naming the interface) from cnet_port_wait() and
 * cnet_port_get_stats(), keeps no frame, and goes without a crash. */
static void
test_fault_interface_deleted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  CnetPort *port;
  CnetPacket *pkts[64];
  CnetPortStats stats;
  g_autofree char *cmd = NULL;
  gboolean waited, got_stats;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (256, 2048, 0, &error);
  g_assert_no_error (error);
  port = open_port (f->ns->veth_a, 0, pool, CNET_XDP_MODE_NATIVE, 64);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), >, 0);

  cmd = g_strdup_printf ("ip link del %s", f->ns->veth_a);
  g_assert_true (cnet_test_run (cmd));

  /* Receiving finds nothing; waiting and the counters both report the
   * loss, naming the interface (the kernel sets ENETDOWN on the socket as
   * it unregisters the device, before `ip link del` returns). */
  g_assert_cmpuint (cnet_port_rx_burst (port, pkts, 64), ==, 0);
  waited = cnet_port_wait (port, 100, NULL, &error);
  g_assert_false (waited);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INTERFACE_GONE);
  g_assert_nonnull (strstr (error->message, f->ns->veth_a));
  g_clear_error (&error);
  got_stats = cnet_port_get_stats (port, &stats, &error);
  g_assert_false (got_stats);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INTERFACE_GONE);
  g_assert_nonnull (strstr (error->message, f->ns->veth_a));
  g_clear_error (&error);

  /* Dropping the port hands every frame back to the mempool. */
  g_object_unref (port);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 0);

  /* The sandbox's teardown looks for the pair again. */
  g_free (cmd);
  cmd = g_strdup_printf ("ip link add %s type veth peer name %s", f->ns->veth_a,
                         f->ns->veth_b);
  g_assert_true (cnet_test_run (cmd));
}

/* Fault: the TX ring is full. tx_burst takes what fits and counts the
 * rest; after completions it takes more; every frame it took reaches the
 * peer exactly once; and once the port is dropped no frame is in use. */
static void
test_fault_tx_ring_full (Fixture *f, gconstpointer data)
{
  const guint n = 2000;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  CnetPort *port;
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  CnetPortStats stats;
  guint sent = 0, received = 0, refused = 0;
  gint64 deadline;
  guint8 buf[2048];
  int fd;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (4096, 2048, 0, &error);
  g_assert_no_error (error);
  port = open_port (f->ns->veth_a, 0, pool, CNET_XDP_MODE_NATIVE, 64);
  fd = cnet_test_packet_socket (f->ns->veth_b);

  /* Bursts of 256 into a ring of 64: most of each burst is refused. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (sent < n && g_get_monotonic_time () < deadline)
    {
      CnetPacket *pkts[256];
      guint want = MIN (256, n - sent), got, took;

      got = cnet_mempool_alloc_bulk (pool, pkts, want);
      g_assert_cmpuint (got, ==, want);
      for (guint i = 0; i < got; i++)
        {
          gsize len;
          guint8 *d;

          g_assert_true (cnet_packet_set_length (pkts[i], 64, &error));
          d = cnet_packet_get_data (pkts[i], &len);
          cnet_test_frame_build (d, len, f->ns->mac_b, f->ns->mac_a, 9,
                                 sent + i);
        }
      took = cnet_port_tx_burst (port, pkts, got);
      refused += got - took;
      cnet_packet_free_bulk (pkts + took, got - took);
      sent += took;
      /* Drain the peer as we go, so its socket never drops. */
      while (cnet_test_packet_recv (fd, buf, sizeof buf, 0) > 0)
        {
          guint32 stream, seq;
          if (cnet_test_frame_parse (buf, 64, &stream, &seq) && stream == 9)
            {
              g_assert_cmpuint (seq, <, n);
              g_assert_false (seen[seq]);
              seen[seq] = TRUE;
              received++;
            }
        }
    }
  g_assert_cmpuint (sent, ==, n);
  g_assert_cmpuint (refused, >, 0);
  g_assert_true (cnet_port_get_stats (port, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.tx_ring_full, >, 0);

  /* Everything that was taken leaves, and arrives. */
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline &&
         (cnet_port_tx_flush (port) > 0 || received < n))
    {
      gssize r = cnet_test_packet_recv (fd, buf, sizeof buf, 10);
      guint32 stream, seq;

      if (r > 0 && cnet_test_frame_parse (buf, 64, &stream, &seq) &&
          stream == 9)
        {
          g_assert_cmpuint (seq, <, n);
          g_assert_false (seen[seq]);
          seen[seq] = TRUE;
          received++;
        }
    }
  g_assert_cmpuint (received, ==, n);
  g_assert_true (cnet_port_get_stats (port, &stats, &error));
  g_assert_cmpuint (stats.tx_packets, ==, n);
  g_assert_cmpuint (stats.tx_completed, ==, n);

  g_object_unref (port);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 0);
  close (fd);
}

/* Waits until thread @tid sleeps in poll(): the state a cancellation must
 * wake it from. A condition, not a fixed sleep. */
static void
await_thread_in_poll (int tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/syscall", tid);

  for (;;)
    {
      g_autofree char *text = NULL;
      long nr;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      nr = strtol (text, NULL, 10);
#ifdef SYS_poll
      if (nr == SYS_poll)
        return;
#endif
      if (nr == SYS_ppoll)
        return;
      g_usleep (1000);
    }
}

typedef struct
{
  CnetPort *port;
  GCancellable *cancellable;
  int tid; /* atomic; set once the thread runs */
  GError *error;
} WaitThread;

static gpointer
wait_thread (gpointer data)
{
  WaitThread *w = data;
  gboolean ready;

  g_atomic_int_set (&w->tid, (int) gettid ());
  ready = cnet_port_wait (w->port, -1, w->cancellable, &w->error);
  return GINT_TO_POINTER (ready);
}

/* cnet_port_wait() with a GCancellable: cancelled before the call it
 * returns CANCELLED at once; cancelled from another thread while it sleeps
 * in poll() without traffic (and without limit) it returns CANCELLED; with
 * traffic it returns TRUE, and cancelling afterwards changes nothing. */
static void
test_wait_cancellable (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (GCancellable) cancellable = NULL;
  WaitThread w = { 0 };
  GThread *thread;
  CnetPacket *pkts[4];
  guint8 buf[128];
  gsize len;
  int fd;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (256, 2048, 0, &error);
  g_assert_no_error (error);
  port = open_port (f->ns->veth_a, 0, pool, CNET_XDP_MODE_NATIVE, 64);

  /* Already cancelled: no wait at all, even without limit. */
  cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  g_assert_false (cnet_port_wait (port, -1, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&cancellable);

  /* Cancelled from another thread while the wait sleeps in poll(). */
  w.port = port;
  w.cancellable = cancellable = g_cancellable_new ();
  thread = g_thread_new ("waiter", wait_thread, &w);
  while (g_atomic_int_get (&w.tid) == 0)
    g_usleep (1000);
  await_thread_in_poll (g_atomic_int_get (&w.tid));
  g_cancellable_cancel (cancellable);
  g_assert_false (GPOINTER_TO_INT (g_thread_join (thread)));
  g_assert_error (w.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&w.error);
  g_clear_object (&cancellable);

  /* Traffic: a frame from the peer ends the wait with TRUE. */
  cancellable = g_cancellable_new ();
  fd = cnet_test_packet_socket (f->ns->veth_b);
  len = cnet_test_frame_build (buf, 64, f->ns->mac_a, f->ns->mac_b, 1, 0);
  g_assert_true (cnet_test_packet_send (fd, buf, len));
  g_assert_true (cnet_port_wait (port, -1, cancellable, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_port_rx_burst (port, pkts, 4), ==, 1);
  cnet_packet_free_bulk (pkts, 1);
  /* The wait gave its hold on the cancellable's fd back: cancelling it
   * later is harmless, and a plain wait still works. */
  g_cancellable_cancel (cancellable);
  g_assert_false (cnet_port_wait (port, 0, NULL, &error));
  g_assert_no_error (error);
  close (fd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                          \
  g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/cnet/port/receive/native", test_receive_native);
  ADD ("/cnet/port/receive/generic", test_receive_generic);
  ADD ("/cnet/port/echo", test_echo);
  ADD ("/cnet/port/tx-threads", test_tx_threads);
  ADD ("/cnet/port/mempool-exhausted", test_mempool_exhausted);
  ADD ("/cnet/port/error/unknown-interface", test_unknown_interface);
  ADD ("/cnet/port/error/queue-out-of-range", test_queue_out_of_range);
  ADD ("/cnet/port/error/zerocopy-on-veth", test_zerocopy_on_veth);
  ADD ("/cnet/port/error/foreign-program", test_foreign_program);
  ADD ("/cnet/port/error/same-queue-twice", test_same_queue_twice);
  ADD ("/cnet/port/fault/interface-deleted", test_fault_interface_deleted);
  ADD ("/cnet/port/fault/tx-ring-full", test_fault_tx_ring_full);
  ADD ("/cnet/port/wait/cancellable", test_wait_cancellable);
#undef ADD

  return g_test_run ();
}
