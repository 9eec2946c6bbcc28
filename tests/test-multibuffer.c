/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Jumbo frames and TX metadata on a real veth link between two network
 * namespaces with MTU 9000: the peer's kernel sends a 9000-byte UDP
 * datagram, a port with multi-buffer receives it as one chained packet,
 * echoes it as a chain, and the peer's kernel socket gets it back
 * byte-exact. TX metadata flags either work, checked on the receiving side,
 * or are refused with NOT_SUPPORTED naming the interface.
 */
#include <arpa/inet.h>
#include <cnet/cnet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cnet-test-netns.h"

#define JUMBO_MTU 9000
#define PORT_A 4789
#define PORT_B 5555
/* Ethernet + IPv4 + UDP: the datagram that fills a 9000-byte MTU. */
#define HEADERS 42
#define PAYLOAD (JUMBO_MTU - 28)

typedef struct
{
  CnetTestNetns *ns;
  int peer; /* a UDP socket in the peer's namespace, bound to PORT_B */
  guint8 payload[PAYLOAD];
} Fixture;

static void
set_mtu (Fixture *f)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  a = g_strdup_printf ("ip link set %s mtu %u", f->ns->veth_a, JUMBO_MTU);
  b = g_strdup_printf ("ip link set %s mtu %u", f->ns->veth_b, JUMBO_MTU);
  g_assert_true (cnet_test_run (a));
  g_assert_true (cnet_test_netns_run_in_peer (f->ns, b));
}

static void
setup (Fixture *f, gconstpointer data)
{
  struct sockaddr_in sin = { .sin_family = AF_INET,
                             .sin_port = htons (PORT_B) };
  struct timeval tv = { .tv_sec = 10 };

  if (cnet_test_skip_unless_root ())
    return;
  f->ns = cnet_test_netns_new (1);
  cnet_test_netns_split (f->ns);
  set_mtu (f);
  f->peer = cnet_test_netns_peer_socket (f->ns, AF_INET, SOCK_DGRAM);
  g_assert_no_errno (bind (f->peer, (struct sockaddr *) &sin, sizeof sin));
  g_assert_no_errno (
    setsockopt (f->peer, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  for (guint i = 0; i < PAYLOAD; i++)
    f->payload[i] = (guint8) (i * 7 + i / 251 + 3);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->ns == NULL)
    return;
  close (f->peer);
  cnet_test_netns_free (f->ns);
}

static CnetPort *
open_port (Fixture *f, CnetMempool *pool, gboolean multi_buffer,
           CnetTxMetadataFlags tx_metadata, GError **error)
{
  const char *const rules[] = { "udp dport 4789", NULL };

  return g_initable_new (CNET_TYPE_PORT, NULL, error, "interface",
                         f->ns->veth_a, "queue", 0, "mempool", pool, "rules",
                         rules, "multi-buffer", multi_buffer, "tx-metadata",
                         tx_metadata, "rx-size", 256, "fill-size", 256,
                         "tx-size", 256, "comp-size", 256, NULL);
}

/* The peer's kernel sends the jumbo datagram to the port. */
static void
peer_send (Fixture *f)
{
  struct sockaddr_in sin = { .sin_family = AF_INET,
                             .sin_port = htons (PORT_A) };

  g_assert_cmpint (inet_pton (AF_INET, CNET_TEST_ADDR_A, &sin.sin_addr), ==, 1);
  g_assert_cmpint (sendto (f->peer, f->payload, PAYLOAD, 0,
                           (struct sockaddr *) &sin, sizeof sin),
                   ==, PAYLOAD);
}

static CnetPacket *
receive_one (CnetPort *port)
{
  CnetPacket *pkt = NULL;
  g_autoptr (GError) error = NULL;

  /* Awaited, not slept on: the port's fd wakes up on arrival. */
  while (cnet_port_rx_burst (port, &pkt, 1) == 0)
    {
      g_assert_true (cnet_port_wait (port, 10000, NULL, &error));
      g_assert_no_error (error);
    }
  return pkt;
}

/* The peer's kernel socket receives the echo: byte-exact, from the port. */
static void
peer_expect (Fixture *f)
{
  g_autofree guint8 *buf = g_malloc (PAYLOAD + 1);
  struct sockaddr_in from = { 0 };
  socklen_t fromlen = sizeof from;
  gssize n;

  n = recvfrom (f->peer, buf, PAYLOAD + 1, 0, (struct sockaddr *) &from,
                &fromlen);
  g_assert_cmpint (n, ==, PAYLOAD);
  g_assert_cmpmem (buf, PAYLOAD, f->payload, PAYLOAD);
  g_assert_cmpuint (ntohs (from.sin_port), ==, PORT_A);
}

/* Turns a received frame into its reply in place: MACs, addresses and
 * ports swapped, which keeps both checksums valid. Only the first segment
 * is touched: the headers are there. */
static void
make_reply (CnetPacket *pkt)
{
  gsize len;
  guint8 *d = cnet_packet_get_segment (pkt, 0, &len);
  guint8 tmp[4];

  g_assert_nonnull (d);
  g_assert_cmpuint (len, >=, HEADERS);
  cnet_packet_swap_macs (pkt);
  memcpy (tmp, d + 26, 4);
  memmove (d + 26, d + 30, 4);
  memcpy (d + 30, tmp, 4);
  memcpy (tmp, d + 34, 2);
  memmove (d + 34, d + 36, 2);
  memcpy (d + 36, tmp, 2);
}

/* Sums 16-bit words of @len bytes at @d into @sum; @odd says whether a
 * byte is pending from the previous segment. */
static guint32
sum_words (const guint8 *d, gsize len, guint32 sum, gboolean *odd)
{
  for (gsize i = 0; i < len; i++)
    {
      sum += *odd ? d[i] : (guint32) d[i] << 8;
      *odd = !*odd;
    }
  return sum;
}

/* Puts the right UDP checksum in the reply, summing every segment in
 * place. Needed: the peer's kernel hands veth its datagram with the
 * checksum left to the device (CHECKSUM_PARTIAL), so the frame the port
 * received carries only the pseudo-header's sum, and so would its echo. */
static void
fix_udp_checksum (CnetPacket *pkt)
{
  gsize len;
  guint8 *d = cnet_packet_get_segment (pkt, 0, &len);
  guint udp_len = cnet_packet_get_length (pkt) - 34;
  guint32 sum = 17 + udp_len;
  gboolean odd = FALSE;

  d[40] = d[41] = 0;
  sum = sum_words (d + 26, 8, sum, &odd);
  sum = sum_words (d + 34, len - 34, sum, &odd);
  for (guint i = 1; i < cnet_packet_get_n_segments (pkt); i++)
    {
      const guint8 *seg = cnet_packet_get_segment (pkt, i, &len);
      sum = sum_words (seg, len, sum, &odd);
    }
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  sum = ~sum & 0xffff;
  if (sum == 0)
    sum = 0xffff;
  d[40] = (guint8) (sum >> 8);
  d[41] = (guint8) sum;
}

static void
send_all (CnetPort *port, CnetPacket *pkt)
{
  CnetPortStats stats;

  g_assert_cmpuint (cnet_port_tx_burst (port, &pkt, 1), ==, 1);
  while (cnet_port_tx_flush (port) > 0)
    cnet_port_wait (port, 10, NULL, NULL);
  g_assert_true (cnet_port_get_stats (port, &stats, NULL));
  g_assert_cmpuint (stats.tx_invalid_descs, ==, 0);
}

/* A 9000-byte datagram arrives as one chain, byte-exact, each segment in
 * place; the chain goes back out and arrives byte-exact. */
static void
test_jumbo_echo (Fixture *f, gconstpointer data)
{
  guint frame_size = GPOINTER_TO_UINT (data);
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autofree guint8 *all = g_malloc (JUMBO_MTU + 14);
  CnetPacket *pkt;
  gsize total = 0;
  guint n_segs;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (1024, frame_size, 0, &error);
  g_assert_no_error (error);
  port = open_port (f, pool, TRUE, CNET_TX_METADATA_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (cnet_port_get_multi_buffer (port));

  peer_send (f);
  pkt = receive_one (port);
  n_segs = cnet_packet_get_n_segments (pkt);
  g_test_message ("%u-byte frames: %u segments", frame_size, n_segs);
  /* The kernel fills each frame from the same offset on. */
  {
    guint room =
      cnet_packet_get_buffer_size (pkt) - cnet_packet_get_headroom (pkt);

    g_assert_cmpuint (n_segs, ==, (JUMBO_MTU + 14 + room - 1) / room);
  }
  g_assert_cmpuint (cnet_packet_get_length (pkt), ==, JUMBO_MTU + 14);

  /* The segments, in place, add up to the frame. */
  for (guint i = 0; i < n_segs; i++)
    {
      gsize len;
      const guint8 *seg = cnet_packet_get_segment (pkt, i, &len);

      g_assert_nonnull (seg);
      g_assert_cmpuint (len, >, 0);
      memcpy (all + total, seg, len);
      total += len;
    }
  g_assert_cmpuint (total, ==, JUMBO_MTU + 14);
  {
    gsize len;
    g_assert_null (cnet_packet_get_segment (pkt, n_segs, &len));
  }
  g_assert_cmpmem (all + HEADERS, PAYLOAD, f->payload, PAYLOAD);
  /* cnet_packet_read() across segments gives the same bytes. */
  {
    g_autofree guint8 *read = g_malloc (JUMBO_MTU + 14);

    g_assert_true (cnet_packet_read (pkt, 0, read, JUMBO_MTU + 14, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (read, JUMBO_MTU + 14, all, JUMBO_MTU + 14);
  }

  make_reply (pkt);
  fix_udp_checksum (pkt);
  send_all (port, pkt);
  peer_expect (f);
}

/* A jumbo frame written from scratch: resize chains frames from the
 * mempool, write fills them, the port sends the chain. */
static void
test_jumbo_build (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autofree guint8 *frame = g_malloc (JUMBO_MTU + 14);
  CnetPacket *pkt, *rx;
  guint in_use;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (1024, 2048, 0, &error);
  g_assert_no_error (error);
  port = open_port (f, pool, TRUE, CNET_TX_METADATA_NONE, &error);
  g_assert_no_error (error);

  /* The reply's headers from a received frame (the peer's MAC, addresses
   * and ports), the payload written into a new chain. */
  peer_send (f);
  rx = receive_one (port);
  g_assert_true (cnet_packet_read (rx, 0, frame, JUMBO_MTU + 14, &error));
  cnet_packet_free_bulk (&rx, 1);

  in_use = cnet_mempool_get_n_in_use (pool);
  pkt = cnet_mempool_alloc (pool, &error);
  g_assert_no_error (error);
  /* Without resize a packet stays in its frame. */
  g_assert_false (cnet_packet_set_length (pkt, JUMBO_MTU + 14, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_true (cnet_packet_resize (pkt, JUMBO_MTU + 14, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_packet_get_n_segments (pkt), >, 4);
  g_assert_cmpuint (cnet_packet_get_length (pkt), ==, JUMBO_MTU + 14);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==,
                    in_use + cnet_packet_get_n_segments (pkt));
  /* Shrinking gives segments back, growing takes them again. */
  g_assert_true (cnet_packet_resize (pkt, 100, &error));
  g_assert_cmpuint (cnet_packet_get_n_segments (pkt), ==, 1);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, in_use + 1);
  g_assert_true (cnet_packet_resize (pkt, JUMBO_MTU + 14, &error));
  g_assert_true (cnet_packet_write (pkt, 0, frame, JUMBO_MTU + 14, &error));
  g_assert_no_error (error);
  make_reply (pkt);
  fix_udp_checksum (pkt);
  send_all (port, pkt);
  peer_expect (f);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, in_use);

  /* Too long for CNET_PACKET_MAX_SEGMENTS frames. */
  pkt = cnet_mempool_alloc (pool, &error);
  g_assert_false (cnet_packet_resize (pkt, 17 * 2048, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  /* Freeing a chain frees every frame of it. */
  g_assert_true (cnet_packet_resize (pkt, 5000, &error));
  cnet_packet_unref (pkt);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, in_use);
}

/* Without multi-buffer the jumbo frame cannot reach the socket (the
 * kernel drops it), and a chain is not sent. */
static void
test_without_multi_buffer (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (CnetBatch) batch = cnet_batch_new (4, NULL);
  CnetPortStats stats;
  guint n_in_batch;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (1024, 4096, 0, &error);
  g_assert_no_error (error);
  port = open_port (f, pool, FALSE, CNET_TX_METADATA_NONE, &error);
  g_assert_no_error (error);
  g_assert_false (cnet_port_get_multi_buffer (port));

  peer_send (f);
  /* The program redirected it; the socket dropped it (awaited on the
   * socket's counter). */
  for (;;)
    {
      g_assert_true (cnet_port_get_stats (port, &stats, &error));
      if (stats.rx_dropped > 0)
        break;
      g_usleep (1000);
    }
  g_assert_cmpuint (stats.xdp_redirected, ==, 1);
  {
    CnetPacket *pkt;
    g_assert_cmpuint (cnet_port_rx_burst (port, &pkt, 1), ==, 0);
  }

  g_assert_cmpuint (cnet_batch_alloc (batch, pool, 1, &error), ==, 1);
  g_assert_true (
    cnet_packet_resize (cnet_batch_get_packets (batch, &n_in_batch)[0], 5000,
                        &error));
  g_assert_cmpuint (cnet_port_send (port, batch, &error), ==, 0);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, f->ns->veth_a));
  g_assert_nonnull (strstr (error->message, "multi-buffer"));
}

/* The peer's kernel: UDP datagrams it dropped for a bad checksum. */
static guint64
peer_udp_csum_errors (Fixture *f)
{
  g_autofree char *out = NULL;
  g_autofree char *cmd =
    g_strdup_printf ("nsenter -t %d -n cat /proc/net/snmp", f->ns->peer_pid);
  g_auto (GStrv) lines = NULL;
  guint64 value = 0;

  g_assert_true (g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    if (g_str_has_prefix (lines[i], "Udp: InDatagrams") &&
        g_str_has_prefix (lines[i + 1], "Udp: "))
      {
        g_auto (GStrv) names = g_strsplit (lines[i], " ", -1);
        g_auto (GStrv) values = g_strsplit (lines[i + 1], " ", -1);

        for (guint j = 0; names[j] && values[j]; j++)
          if (g_str_equal (names[j], "InCsumErrors"))
            value = g_ascii_strtoull (values[j], NULL, 10);
      }
  return value;
}

/* The UDP checksum field of the reply set to the pseudo-header's sum (what
 * checksum offload wants there), which is not a valid checksum. */
static void
seed_udp_checksum (CnetPacket *pkt)
{
  gsize len;
  guint8 *d = cnet_packet_get_segment (pkt, 0, &len);
  guint32 sum = 17 + cnet_packet_get_length (pkt) - 34;

  for (guint i = 26; i < 34; i += 2)
    sum += (guint32) (d[i] << 8 | d[i + 1]);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  d[40] = (guint8) (sum >> 8);
  d[41] = (guint8) sum;
}

static guint64
tai_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_TAI, &ts);
  return (guint64) ts.tv_sec * G_GUINT64_CONSTANT (1000000000) +
         (guint64) ts.tv_nsec;
}

/* Checksum offload and the TX timestamp, on a jumbo chain: without the
 * request the peer's kernel drops the reply for its checksum; with it the
 * reply arrives byte-exact, and the completion carries a time between
 * sending and completing. */
static void
test_tx_metadata (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  CnetPacket *pkt;
  guint64 errors, before, after, stamp;

  if (f->ns == NULL)
    return;
  /* The metadata lives in the headroom: a pool without is refused. */
  pool = cnet_mempool_new (1024, 4096, 0, &error);
  g_assert_no_error (error);
  port = open_port (f, pool, TRUE, CNET_TX_METADATA_TIMESTAMP, &error);
  g_assert_null (port);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, f->ns->veth_a));
  g_clear_error (&error);
  g_clear_object (&pool);

  pool = cnet_mempool_new (1024, 4096, 32, &error);
  g_assert_no_error (error);
  port =
    open_port (f, pool, TRUE,
               CNET_TX_METADATA_CHECKSUM | CNET_TX_METADATA_TIMESTAMP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_port_get_tx_metadata (port), ==,
                    CNET_TX_METADATA_CHECKSUM | CNET_TX_METADATA_TIMESTAMP);

  /* Control: the seeded checksum, not offloaded, is refused. */
  errors = peer_udp_csum_errors (f);
  peer_send (f);
  pkt = receive_one (port);
  make_reply (pkt);
  seed_udp_checksum (pkt);
  g_assert_cmpuint (cnet_packet_get_tx_requests (pkt), ==,
                    CNET_TX_METADATA_NONE);
  send_all (port, pkt);
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    guint8 byte;

    /* The kernel checks a UDP checksum the device left to it when the
     * datagram is read: read without waiting until the counter moves (and
     * nothing may be read). */
    while (peer_udp_csum_errors (f) == errors)
      {
        g_assert_cmpint (recv (f->peer, &byte, 1, MSG_DONTWAIT), ==, -1);
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (1000);
      }
  }

  /* Offloaded: arrives; timestamped. */
  peer_send (f);
  pkt = receive_one (port);
  g_assert_cmpuint (cnet_packet_get_n_segments (pkt), >, 1);
  make_reply (pkt);
  seed_udp_checksum (pkt);
  g_assert_true (cnet_packet_request_tx_checksum (pkt, 34, 6, &error));
  g_assert_no_error (error);
  g_assert_true (cnet_packet_request_tx_timestamp (pkt, &error));
  g_assert_cmpuint (cnet_packet_get_tx_requests (pkt), ==,
                    CNET_TX_METADATA_CHECKSUM | CNET_TX_METADATA_TIMESTAMP);
  g_assert_false (cnet_packet_get_tx_timestamp (pkt, &stamp, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  cnet_packet_ref (pkt); /* to read the timestamp after completion */
  before = tai_now ();
  send_all (port, pkt);
  after = tai_now ();
  peer_expect (f);
  g_assert_true (cnet_packet_get_tx_timestamp (pkt, &stamp, &error));
  g_assert_no_error (error);
  g_test_message ("TX timestamp %" G_GUINT64_FORMAT " in [%" G_GUINT64_FORMAT
                  ", %" G_GUINT64_FORMAT "]",
                  stamp, before, after);
  g_assert_cmpuint (stamp, >=, before);
  g_assert_cmpuint (stamp, <=, after);
  cnet_packet_unref (pkt);

  /* A field outside the first segment is refused. */
  pkt = cnet_mempool_alloc (pool, &error);
  g_assert_true (cnet_packet_set_length (pkt, 40, &error));
  g_assert_false (cnet_packet_request_tx_checksum (pkt, 34, 6, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  cnet_packet_unref (pkt);
}

/* A request the port was not opened for is refused when sending; launch
 * time is refused at opening, naming the interface. */
static void
test_tx_metadata_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (CnetBatch) batch = cnet_batch_new (4, NULL);
  CnetPacket *pkt;
  guint n_in_batch;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (1024, 2048, 0, &error);
  g_assert_no_error (error);

  port = open_port (f, pool, FALSE, CNET_TX_METADATA_LAUNCH_TIME, &error);
  g_assert_null (port);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, f->ns->veth_a));
  g_assert_nonnull (strstr (error->message, "launch time"));
  g_clear_error (&error);

  port = open_port (f, pool, FALSE, CNET_TX_METADATA_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_batch_alloc (batch, pool, 1, &error), ==, 1);
  pkt = cnet_batch_get_packets (batch, &n_in_batch)[0];
  g_assert_true (cnet_packet_set_length (pkt, 60, &error));
  g_assert_true (cnet_packet_request_tx_timestamp (pkt, &error));
  g_assert_cmpuint (cnet_port_send (port, batch, &error), ==, 0);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, f->ns->veth_a));
  g_assert_nonnull (strstr (error->message, "tx-metadata"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/multibuffer/jumbo-echo/2048", Fixture, GUINT_TO_POINTER (2048),
              setup, test_jumbo_echo, teardown);
  g_test_add ("/multibuffer/jumbo-echo/4096", Fixture, GUINT_TO_POINTER (4096),
              setup, test_jumbo_echo, teardown);
  g_test_add ("/multibuffer/jumbo-build", Fixture, NULL, setup,
              test_jumbo_build, teardown);
  g_test_add ("/multibuffer/without", Fixture, NULL, setup,
              test_without_multi_buffer, teardown);
  g_test_add ("/multibuffer/tx-metadata", Fixture, NULL, setup,
              test_tx_metadata, teardown);
  g_test_add ("/multibuffer/tx-metadata-refused", Fixture, NULL, setup,
              test_tx_metadata_refused, teardown);
  return g_test_run ();
}
