/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetBatch, cnet_port_receive()/cnet_port_send() and the port's GSource.
 * The batch's own operations need no root; receiving, sending and the
 * main-loop source run on a veth pair in a network namespace of their own.
 */
#include <cnet/cnet.h>
#include <string.h>
#include <unistd.h>

#include "cnet-test-netns.h"

typedef struct
{
  CnetTestNetns *ns;
  CnetMempool *pool;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->pool = cnet_mempool_new (64, 2048, 0, &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->pool != NULL)
    {
      g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 0);
      g_object_add_weak_pointer (G_OBJECT (f->pool), (gpointer *) &f->pool);
      g_object_unref (f->pool);
      g_assert_null (f->pool);
    }
}

static void
netns_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  if (cnet_test_skip_unless_root ())
    return;
  f->ns = cnet_test_netns_new (1);
  /* Enough frames for the fill ring, the TX side's cache and the test. */
  f->pool = cnet_mempool_new (4096, 2048, 0, &error);
  g_assert_no_error (error);
}

static void
netns_teardown (Fixture *f, gconstpointer data)
{
  teardown (f, data);
  if (f->ns != NULL)
    cnet_test_netns_free (f->ns);
}

static const guint8 template[16] = { 1, 2,  3,  4,  5,  6,  7,  8,
                                     9, 10, 11, 12, 13, 14, 15, 16 };

static void
test_fill (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetBatch) batch = cnet_batch_new (8, NULL);
  g_autoptr (GPtrArray) copies = NULL;
  g_autoptr (GBytes) joined = NULL;
  g_autofree guint *lengths = NULL;
  const guint8 patch[2] = { 0xaa, 0xbb };
  guint n_lengths = 0;
  gsize size;
  const guint8 *p;

  g_assert_cmpuint (cnet_batch_get_capacity (batch), ==, 8);
  g_assert_cmpuint (cnet_batch_alloc (batch, f->pool, 5, &error), ==, 5);
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_batch_get_n_packets (batch), ==, 5);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 5);

  g_assert_true (
    cnet_batch_set_data (batch, template, sizeof template, &error));
  g_assert_true (cnet_batch_set_data_at (batch, 4, template, 14, &error));
  g_assert_true (cnet_batch_write (batch, 1, patch, sizeof patch, &error));
  g_assert_no_error (error);

  copies = cnet_batch_copy_payloads (batch, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (copies->len, ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      p = g_bytes_get_data (copies->pdata[i], &size);
      g_assert_cmpuint (size, ==, i == 4 ? 14 : 16);
      g_assert_cmpuint (p[0], ==, 1);
      g_assert_cmpmem (p + 1, 2, patch, 2);
      g_assert_cmpmem (p + 3, size - 3, template + 3, size - 3);
    }

  /* Swapping exchanges bytes 0-5 with 6-11. */
  g_assert_cmpuint (cnet_batch_swap_macs (batch), ==, 5);
  joined = cnet_batch_copy_joined (batch, 12, &lengths, &n_lengths, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_lengths, ==, 5);
  p = g_bytes_get_data (joined, &size);
  g_assert_cmpuint (size, ==, 4 * 4 + 2);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (lengths[i], ==, 4);
  g_assert_cmpuint (lengths[4], ==, 2);
  g_assert_cmpmem (p, 4, template + 12, 4);
  g_clear_pointer (&joined, g_bytes_unref);
  g_clear_pointer (&lengths, g_free);
  /* An offset past the data gives empty parts. */
  joined = cnet_batch_copy_joined (batch, 100, &lengths, &n_lengths, &error);
  g_assert_cmpuint (g_bytes_get_size (joined), ==, 0);
  g_assert_cmpuint (lengths[0], ==, 0);

  {
    g_autoptr (CnetPacket) pkt = cnet_batch_get_packet (batch, 0, &error);
    guint8 buf[6];

    g_assert_no_error (error);
    g_assert_true (cnet_packet_read (pkt, 0, buf, 6, &error));
    g_assert_cmpmem (buf, 6, template + 6, 6);
  }

  g_assert_true (cnet_batch_set_length (batch, 3, &error));
  g_assert_true (cnet_batch_set_length_at (batch, 2, 60, &error));
  g_assert_no_error (error);
  {
    g_autoptr (CnetPacket) p0 = cnet_batch_get_packet (batch, 0, NULL);
    g_autoptr (CnetPacket) p2 = cnet_batch_get_packet (batch, 2, NULL);

    g_assert_cmpuint (cnet_packet_get_length (p0), ==, 3);
    g_assert_cmpuint (cnet_packet_get_length (p2), ==, 60);
  }

  g_assert_true (cnet_batch_remove (batch, 1, &error));
  g_assert_cmpuint (cnet_batch_get_n_packets (batch), ==, 4);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 4);

  cnet_batch_clear (batch);
  g_assert_cmpuint (cnet_batch_get_n_packets (batch), ==, 0);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 0);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (CnetBatch) batch = cnet_batch_new (4, NULL);
  g_autoptr (CnetBatch) big = cnet_batch_new (128, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetPacket) pkt = NULL;
  g_autofree guint8 *huge = g_malloc0 (4096);

  g_assert_null (cnet_batch_get_packet (batch, 0, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  g_assert_cmpuint (cnet_batch_alloc (batch, f->pool, 10, &error), ==, 4);
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_batch_alloc (batch, f->pool, 1, &error), ==, 0);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  /* All or nothing: a template too big for the frames changes nothing. */
  g_assert_true (cnet_batch_set_data (batch, template, 16, &error));
  g_assert_false (cnet_batch_set_data (batch, huge, 4096, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (cnet_batch_set_data_at (batch, 9, template, 16, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (cnet_batch_write (batch, 10, template, 7, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (cnet_batch_set_length (batch, 4096, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (cnet_batch_set_length_at (batch, 0, 65535, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (cnet_batch_remove (batch, 4, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  {
    g_autoptr (GPtrArray) copies = cnet_batch_copy_payloads (batch, 0, NULL);
    for (guint i = 0; i < copies->len; i++)
      g_assert_cmpmem (g_bytes_get_data (copies->pdata[i], NULL), 16, template,
                       16);
  }

  /* A packet may be in a batch once. */
  pkt = cnet_batch_get_packet (batch, 0, &error);
  g_assert_true (cnet_batch_remove (batch, 3, &error));
  g_assert_false (cnet_batch_add (batch, pkt, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_true (cnet_batch_add (big, pkt, &error));
  g_assert_no_error (error);

  /* The mempool runs dry. */
  g_assert_cmpuint (cnet_batch_alloc (big, f->pool, 128, &error), ==, 61);
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_batch_alloc (big, f->pool, 1, &error), ==, 0);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_EXHAUSTED);
  g_clear_error (&error);

  cnet_batch_clear (big);
  cnet_batch_clear (batch);
  /* pkt is still ours. */
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 1);
  g_assert_cmpuint (cnet_packet_get_length (pkt), ==, 16);
}

/* Frames to match against, in order; @expect_udp9001 says which ones a
 * keep (UDP_DST_PORT, 9001) keeps. */
static gsize
build_match_frame (guint8 *f, guint kind)
{
  gsize l3 = 14;

  memset (f, 0, 128);
  memcpy (f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
  switch (kind)
    {
    case 0: /* IPv4 UDP to 9001 */
    case 1: /* IPv4 UDP to 53 */
    case 2: /* IPv4 TCP to 9001 */
    case 3: /* IPv4 UDP to 9001, but a later fragment: no ports */
    case 4: /* VLAN, IPv4 UDP to 9001 */
      if (kind == 4)
        {
          memcpy (f + 12, "\x81\x00\x00\x05", 4);
          l3 += 4;
        }
      f[l3 - 2] = 0x08;
      f[l3 - 1] = 0x00;
      f[l3] = 0x45;
      f[l3 + 9] = kind == 2 ? 6 : 17;
      if (kind == 3)
        f[l3 + 7] = 0x10;
      f[l3 + 22] = kind == 1 ? 0 : 0x23;
      f[l3 + 23] = kind == 1 ? 53 : 0x29;
      return l3 + 28 + 8;
    case 5: /* IPv6 UDP to 9001 */
      f[12] = 0x86;
      f[13] = 0xdd;
      f[l3] = 0x60;
      f[l3 + 6] = 17;
      f[l3 + 42] = 0x23;
      f[l3 + 43] = 0x29;
      return l3 + 48;
    case 6: /* ARP */
      f[12] = 0x08;
      f[13] = 0x06;
      return 60;
    case 7: /* runt: IPv4 ethertype, no room for the header */
    default:
      f[12] = 0x08;
      f[13] = 0x00;
      return 20;
    }
}

#define N_MATCH_KINDS 8

static CnetBatch *
match_batch (Fixture *f)
{
  CnetBatch *batch = cnet_batch_new (N_MATCH_KINDS, NULL);
  guint8 frame[128];

  g_assert_cmpuint (cnet_batch_alloc (batch, f->pool, N_MATCH_KINDS, NULL), ==,
                    N_MATCH_KINDS);
  for (guint i = 0; i < N_MATCH_KINDS; i++)
    {
      gsize len = build_match_frame (frame, i);
      g_assert_true (cnet_batch_set_data_at (batch, i, frame, len, NULL));
      /* Mark each with its kind, at the end of the frame. */
      frame[len - 1] = (guint8) (0xc0 + i);
      g_assert_true (cnet_batch_set_data_at (batch, i, frame, len, NULL));
    }
  return batch;
}

static void
assert_kinds (CnetBatch *batch, const char *kinds)
{
  g_autoptr (GPtrArray) copies = cnet_batch_copy_payloads (batch, 0, NULL);
  GString *got = g_string_new (NULL);

  for (guint i = 0; i < copies->len; i++)
    {
      gsize size;
      const guint8 *p = g_bytes_get_data (copies->pdata[i], &size);
      g_string_append_c (got, (char) ('0' + p[size - 1] - 0xc0));
    }
  g_assert_cmpstr (got->str, ==, kinds);
  g_string_free (got, TRUE);
}

static void
test_match (Fixture *f, gconstpointer data)
{
  struct
  {
    CnetBatchMatch match;
    guint value;
    gboolean keep;
    const char *left;
  } cases[] = {
    { CNET_BATCH_MATCH_UDP_DST_PORT, 9001, TRUE, "045" },
    { CNET_BATCH_MATCH_UDP_DST_PORT, 9001, FALSE, "12367" },
    { CNET_BATCH_MATCH_UDP_DST_PORT, 53, TRUE, "1" },
    { CNET_BATCH_MATCH_TCP_DST_PORT, 9001, TRUE, "2" },
    { CNET_BATCH_MATCH_IP_PROTOCOL, 17, TRUE, "01345" },
    { CNET_BATCH_MATCH_IP_PROTOCOL, 6, FALSE, "0134567" },
    { CNET_BATCH_MATCH_ETHERTYPE, 0x0800, TRUE, "012347" },
    { CNET_BATCH_MATCH_ETHERTYPE, 0x0806, FALSE, "0123457" },
    { CNET_BATCH_MATCH_ETHERTYPE, 0x86dd, TRUE, "5" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (CnetBatch) batch = match_batch (f);
      guint dropped;

      if (cases[i].keep)
        dropped = cnet_batch_keep (batch, cases[i].match, cases[i].value);
      else
        dropped = cnet_batch_drop (batch, cases[i].match, cases[i].value);
      g_test_message ("case %u", i);
      g_assert_cmpuint (dropped, ==, N_MATCH_KINDS - strlen (cases[i].left));
      assert_kinds (batch, cases[i].left);
      g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==,
                        strlen (cases[i].left));
    }
}

/* Packets taken out of a batch, and the batch itself, keep their mempools
 * alive; the last reference frees the frame and the mempool. */
static void
test_lifetime (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  CnetMempool *pool2 = cnet_mempool_new (8, 2048, 0, &error);
  CnetBatch *batch = cnet_batch_new (16, NULL);
  CnetPacket *pkt;

  g_assert_no_error (error);
  g_object_add_weak_pointer (G_OBJECT (pool2), (gpointer *) &pool2);

  /* Packets of two mempools in one batch: the second's are pinned. */
  g_assert_cmpuint (cnet_batch_alloc (batch, pool2, 3, &error), ==, 3);
  g_assert_cmpuint (cnet_batch_alloc (batch, f->pool, 3, &error), ==, 3);
  g_assert_true (cnet_batch_set_data (batch, template, 16, &error));
  pkt = cnet_batch_get_packet (batch, 1, &error);
  g_assert_no_error (error);

  g_object_unref (pool2);
  g_assert_nonnull (pool2); /* the batch holds it */
  cnet_batch_unref (batch);
  g_assert_nonnull (pool2); /* the packet holds it */
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool2), ==, 1);
  g_assert_cmpuint (cnet_packet_get_length (pkt), ==, 16);
  cnet_packet_unref (pkt);
  g_assert_null (pool2);
}

static CnetPort *
open_port (Fixture *f, CnetMempool *pool)
{
  g_autoptr (GError) error = NULL;
  CnetPort *port = cnet_port_new (f->ns->veth_a, 0, pool, &error);

  g_assert_no_error (error);
  return port;
}

static void
send_frames (Fixture *f, int fd, guint first, guint n)
{
  guint8 buf[2048];

  for (guint i = first; i < first + n; i++)
    {
      gsize l = cnet_test_frame_build (buf, 64 + i % 1000, f->ns->mac_a,
                                       f->ns->mac_b, 5, i);
      g_assert_true (cnet_test_packet_send (fd, buf, l));
    }
}

static void
expect_echoes (Fixture *f, int fd, guint n)
{
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  guint8 buf[2048];

  for (guint i = 0; i < n; i++)
    {
      gssize len = cnet_test_packet_recv (fd, buf, sizeof buf, 2000);
      guint32 stream, seq;

      g_assert_cmpint (len, >, 0);
      g_assert_true (cnet_test_frame_parse (buf, (gsize) len, &stream, &seq));
      g_assert_cmpuint (stream, ==, 5);
      g_assert_cmpuint (seq, <, n);
      g_assert_cmpint (len, ==, 64 + seq % 1000);
      g_assert_false (seen[seq]);
      seen[seq] = TRUE;
      g_assert_cmpmem (buf, 6, f->ns->mac_b, 6);
      g_assert_cmpmem (buf + 6, 6, f->ns->mac_a, 6);
    }
  g_assert_cmpint (cnet_test_packet_recv (fd, buf, sizeof buf, 100), <, 0);
}

static void
test_echo (Fixture *f, gconstpointer data)
{
  const guint n = 400;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (CnetBatch) batch = cnet_batch_new (32, NULL);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint echoed = 0;
  int fd;

  if (f->ns == NULL)
    return;
  port = open_port (f, f->pool);
  fd = cnet_test_packet_socket (f->ns->veth_b);

  for (guint sent = 0; sent < n && g_get_monotonic_time () < deadline;)
    {
      guint round = MIN (40, n - sent);

      send_frames (f, fd, sent, round);
      sent += round;
      while (echoed < sent && g_get_monotonic_time () < deadline)
        {
          guint got = cnet_port_receive (port, batch, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (got, ==, cnet_batch_get_n_packets (batch));
          if (got == 0)
            {
              cnet_port_wait (port, 10, NULL, &error);
              continue;
            }
          g_assert_cmpuint (cnet_batch_swap_macs (batch), ==, got);
          g_assert_cmpuint (cnet_port_send (port, batch, &error), ==, got);
          g_assert_no_error (error);
          g_assert_cmpuint (cnet_batch_get_n_packets (batch), ==, 0);
          echoed += got;
        }
    }
  g_assert_cmpuint (echoed, ==, n);
  expect_echoes (f, fd, n);
  close (fd);
  g_assert_cmpuint (cnet_port_tx_flush (port), ==, 0);
}

/* Misuse that a binding can commit is a GError, never a crash or a
 * critical warning (the tests run with fatal criticals). */
static void
test_misuse (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (CnetMempool) other = NULL;
  g_autoptr (CnetBatch) batch = cnet_batch_new (8, NULL);
  g_autoptr (CnetBatch) batch2 = cnet_batch_new (8, NULL);
  g_autoptr (CnetPacket) pkt = NULL;
  guint8 frame[64];
  gsize len;

  if (f->ns == NULL)
    return;
  port = open_port (f, f->pool);
  other = cnet_mempool_new (16, 2048, 0, &error);
  g_assert_no_error (error);
  len = cnet_test_frame_build (frame, sizeof frame, f->ns->mac_b, f->ns->mac_a,
                               1, 1);

  /* A packet of another mempool: refused, nothing sent, nothing lost. */
  g_assert_cmpuint (cnet_batch_alloc (batch, f->pool, 2, &error), ==, 2);
  g_assert_cmpuint (cnet_batch_alloc (batch, other, 1, &error), ==, 1);
  g_assert_true (cnet_batch_set_data (batch, frame, len, &error));
  g_assert_cmpuint (cnet_port_send (port, batch, &error), ==, 0);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_WRONG_MEMPOOL);
  g_clear_error (&error);
  g_assert_cmpuint (cnet_batch_get_n_packets (batch), ==, 3);
  g_assert_true (cnet_batch_remove (batch, 2, &error));
  g_assert_cmpuint (cnet_mempool_get_n_in_use (other), ==, 0);

  /* A packet held outside the batch and in a second batch, then sent. */
  pkt = cnet_batch_get_packet (batch, 0, &error);
  g_assert_true (cnet_batch_add (batch2, pkt, &error));
  g_assert_cmpuint (cnet_port_send (port, batch, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_false (cnet_packet_write (pkt, 0, frame, 6, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (cnet_packet_set_length (pkt, 10, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (cnet_batch_add (batch, pkt, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_cmpuint (cnet_port_send (port, batch2, &error), ==, 0);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_false (cnet_batch_write (batch2, 0, frame, 6, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_null (cnet_batch_copy_payloads (batch2, 0, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_cmpuint (cnet_batch_swap_macs (batch2), ==, 0);
  /* Letting go of it in any order frees the frame once. */
  while (cnet_port_tx_flush (port) > 0)
    g_usleep (100);
  cnet_batch_clear (batch2);
  g_clear_pointer (&pkt, cnet_packet_unref);
  g_clear_object (&port);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 0);
}

typedef struct
{
  Fixture *f;
  CnetBatch *batch;
  GCancellable *cancellable;
  guint echoed;
  guint want;
  gboolean cancelled_seen;
} SourceData;

static gboolean
on_port_ready (CnetPort *port, GIOCondition condition, gpointer user_data)
{
  SourceData *d = user_data;
  g_autoptr (GError) error = NULL;
  guint n;

  if (g_cancellable_is_cancelled (d->cancellable))
    {
      d->cancelled_seen = TRUE;
      return G_SOURCE_REMOVE;
    }
  g_assert_true (condition & G_IO_IN);
  n = cnet_port_receive (port, d->batch, &error);
  g_assert_no_error (error);
  cnet_batch_swap_macs (d->batch);
  g_assert_cmpuint (cnet_port_send (port, d->batch, &error), ==, n);
  d->echoed += n;
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* The source delivers packets in a main loop: first plain (sleeping in
 * poll() between bursts), then adaptive (spinning for a while). */
static void
test_source (Fixture *f, gconstpointer data)
{
  const guint n = 200;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GSource) source = NULL;
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (10);
  g_autoptr (CnetBatch) batch = cnet_batch_new (64, NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  SourceData d = { f, batch, cancellable, 0, 0, FALSE };
  CnetPortStats stats;
  int fd;

  if (f->ns == NULL)
    return;
  port = open_port (f, f->pool);
  fd = cnet_test_packet_socket (f->ns->veth_b);

  g_source_set_callback (timeout, on_timeout, NULL, NULL);
  g_source_attach (timeout, context);
  source = cnet_port_create_source (port, G_IO_IN, cancellable);
  g_source_set_callback (source, G_SOURCE_FUNC (on_port_ready), &d, NULL);
  g_source_attach (source, context);

  /* Idle: the loop sleeps, nothing is dispatched. */
  g_assert_false (g_main_context_iteration (context, FALSE));

  for (guint round = 0; round < 2; round++)
    {
      guint64 spins_before;

      g_assert_true (cnet_port_get_stats (port, &stats, &error));
      spins_before = stats.source_spins;
      if (round == 1)
        cnet_port_source_set_adaptive (source, 200 * 1000);
      for (guint sent = 0; sent < n; sent += 20)
        {
          send_frames (f, fd, sent, 20);
          while (d.echoed < round * n + sent + 20)
            g_main_context_iteration (context, TRUE);
          /* Nothing more to do: a plain source lets the loop sleep, an
           * adaptive one spins. */
          for (guint i = 0; i < 3; i++)
            g_main_context_iteration (context, FALSE);
        }
      expect_echoes (f, fd, n);
      g_assert_true (cnet_port_get_stats (port, &stats, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (stats.source_dispatches, >, 0);
      g_assert_cmpuint (stats.source_wakeups, >, 0);
      g_assert_cmpuint (stats.source_wakeups, <=, stats.source_dispatches);
      if (round == 0)
        {
          g_assert_cmpuint (stats.source_spins, ==, 0);
          g_assert_cmpuint (stats.source_sleeps, >, 0);
        }
      else
        g_assert_cmpuint (stats.source_spins, >, spins_before);
    }
  g_assert_cmpuint (stats.rx_packets, ==, 2 * n);
  g_assert_cmpuint (stats.tx_packets, ==, 2 * n);

  /* Cancelling calls back once more, and the callback removes it. */
  g_cancellable_cancel (cancellable);
  while (!d.cancelled_seen)
    g_main_context_iteration (context, TRUE);
  g_assert_true (g_source_is_destroyed (source));
  g_source_destroy (timeout);
  close (fd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cnet/batch/fill", Fixture, NULL, setup, test_fill, teardown);
  g_test_add ("/cnet/batch/errors", Fixture, NULL, setup, test_errors,
              teardown);
  g_test_add ("/cnet/batch/match", Fixture, NULL, setup, test_match, teardown);
  g_test_add ("/cnet/batch/lifetime", Fixture, NULL, setup, test_lifetime,
              teardown);
  g_test_add ("/cnet/batch/port/echo", Fixture, NULL, netns_setup, test_echo,
              netns_teardown);
  g_test_add ("/cnet/batch/port/misuse", Fixture, NULL, netns_setup,
              test_misuse, netns_teardown);
  g_test_add ("/cnet/batch/port/source", Fixture, NULL, netns_setup,
              test_source, netns_teardown);

  return g_test_run ();
}
