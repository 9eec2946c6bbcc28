/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Several queues of one interface, ports sharing one mempool's UMEM, and
 * forwarding between ports: without a copy (and without a heap allocation)
 * on one mempool, with a copy between two.
 */
#include <cnet/cnet.h>
#include <stdatomic.h>
#include <string.h>

#include "cnet-test-netns.h"

#define N_QUEUES 4

/* Counts heap allocations. Normally this executable's malloc family wins
 * over libc's for every library in the process, and hands on to glibc's
 * own. AddressSanitizer owns malloc itself (a second interposer aborts
 * it at start-up), so under ASan its allocator hook counts instead. */
static atomic_uint n_allocs;

#if defined(__SANITIZE_ADDRESS__)
#define CNET_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CNET_TEST_ASAN 1
#endif
#endif

#ifdef CNET_TEST_ASAN
int __sanitizer_install_malloc_and_free_hooks (
  void (*malloc_hook) (const volatile void *, size_t),
  void (*free_hook) (const volatile void *));

static void
count_malloc (const volatile void *ptr, size_t size)
{
  atomic_fetch_add (&n_allocs, 1);
}

static void
count_free (const volatile void *ptr)
{
}

static void
install_alloc_counter (void)
{
  __sanitizer_install_malloc_and_free_hooks (count_malloc, count_free);
}
#else
extern void *__libc_malloc (size_t size);
extern void *__libc_calloc (size_t n, size_t size);
extern void *__libc_realloc (void *ptr, size_t size);

void *malloc (size_t size);
void *calloc (size_t n, size_t size);
void *realloc (void *ptr, size_t size);

void *
malloc (size_t size)
{
  atomic_fetch_add (&n_allocs, 1);
  return __libc_malloc (size);
}

void *
calloc (size_t n, size_t size)
{
  atomic_fetch_add (&n_allocs, 1);
  return __libc_calloc (n, size);
}

void *
realloc (void *ptr, size_t size)
{
  atomic_fetch_add (&n_allocs, 1);
  return __libc_realloc (ptr, size);
}

static void
install_alloc_counter (void)
{
}
#endif

typedef struct
{
  CnetTestNetns *ns;
  CnetMempool *pool_a;
  CnetMempool *pool_b;
  GPtrArray *a; /* ports on veth_a queues 0..3, on pool_a */
  GPtrArray *b; /* ports on veth_b queues 0..3, on pool_b */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  if (cnet_test_skip_unless_root ())
    return;
  f->ns = cnet_test_netns_new (N_QUEUES);
  f->pool_a = cnet_mempool_new (16384, 2048, 0, &error);
  g_assert_no_error (error);
  f->pool_b = cnet_mempool_new (16384, 2048, 0, &error);
  g_assert_no_error (error);
  f->a = cnet_port_open_queues (f->ns->veth_a, 0, N_QUEUES, f->pool_a, &error);
  g_assert_no_error (error);
  f->b = cnet_port_open_queues (f->ns->veth_b, 0, N_QUEUES, f->pool_b, &error);
  g_assert_no_error (error);
  g_ptr_array_set_free_func (f->a, g_object_unref);
  g_ptr_array_set_free_func (f->b, g_object_unref);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->ns == NULL)
    return;
  g_clear_pointer (&f->a, g_ptr_array_unref);
  g_clear_pointer (&f->b, g_ptr_array_unref);
  /* Every frame came back to its mempool when the ports went. */
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool_a), ==, 0);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool_b), ==, 0);
  g_object_unref (f->pool_a);
  g_object_unref (f->pool_b);
  cnet_test_netns_free (f->ns);
}

#define PORT(arr, q) ((CnetPort *) g_ptr_array_index ((arr), (q)))

/* Sends @n frames of @stream from @port (an AF_XDP socket sends on the TX
 * queue of its own queue number, and veth delivers it to the peer's RX
 * queue of the same number). */
static void
send_stream (CnetPort *port, const guint8 *dst, const guint8 *src,
             guint32 stream, guint n, gsize len)
{
  CnetMempool *pool = cnet_port_get_mempool (port);

  for (guint sent = 0; sent < n;)
    {
      CnetPacket *pkts[32];
      guint k = cnet_mempool_alloc_bulk (pool, pkts, MIN (32, n - sent));
      guint done = 0;

      g_assert_cmpuint (k, >, 0);
      for (guint i = 0; i < k; i++)
        {
          gsize l;
          guint8 *d;

          g_assert_true (cnet_packet_set_length (pkts[i], (guint) len, NULL));
          d = cnet_packet_get_data (pkts[i], &l);
          cnet_test_frame_build (d, l, dst, src, stream, sent + i);
        }
      while (done < k)
        done += cnet_port_tx_burst (port, pkts + done, k - done);
      sent += k;
    }
  while (cnet_port_tx_flush (port) > 0)
    g_usleep (100);
}

/* Receives until @want packets or a quiet spell; returns how many. */
static guint
receive (CnetPort *port, CnetPacket **pkts, guint want)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  guint got = 0;

  while (got < want && g_get_monotonic_time () < deadline)
    {
      guint n = cnet_port_rx_burst (port, pkts + got, MIN (64, want - got));
      if (n == 0)
        cnet_port_wait (port, 10, NULL, NULL);
      got += n;
    }
  return got;
}

static void
check_stream (CnetPacket **pkts, guint n, guint32 want_stream)
{
  g_autofree gboolean *seen = g_new0 (gboolean, n);

  for (guint i = 0; i < n; i++)
    {
      gsize len;
      const guint8 *d = cnet_packet_get_data (pkts[i], &len);
      guint32 stream, seq;

      g_assert_nonnull (d);
      g_assert_true (cnet_test_frame_parse (d, len, &stream, &seq));
      g_assert_cmpuint (stream, ==, want_stream);
      g_assert_cmpuint (seq, <, n);
      g_assert_false (seen[seq]);
      seen[seq] = TRUE;
    }
}

/* Traffic on each queue arrives on that queue's port, and only there. */
static void
test_queues (Fixture *f, gconstpointer data)
{
  CnetPacket *pkts[300];

  if (f->ns == NULL)
    return;
  for (guint q = 0; q < N_QUEUES; q++)
    send_stream (PORT (f->b, q), f->ns->mac_a, f->ns->mac_b, 100 + q, 200,
                 64 + q * 100);
  for (guint q = 0; q < N_QUEUES; q++)
    {
      g_autoptr (GError) error = NULL;
      CnetPortStats stats;
      guint n = receive (PORT (f->a, q), pkts, G_N_ELEMENTS (pkts));

      g_assert_cmpuint (n, ==, 200);
      check_stream (pkts, n, 100 + q);
      cnet_packet_free_bulk (pkts, n);
      g_assert_true (cnet_port_get_stats (PORT (f->a, q), &stats, &error));
      g_assert_cmpuint (stats.xdp_redirected, ==, 200);
      g_assert_cmpuint (stats.rx_packets, ==, 200);
    }
}

/* Frames received on queue 0 go out of queue 1's port on the same mempool
 * as they lie: the same frames, byte-exact at the far end, and not one heap
 * allocation on the way. */
static void
test_forward_zero_copy (Fixture *f, gconstpointer data)
{
  const guint n = 2000;
  g_autofree CnetPacket **pkts = g_new0 (CnetPacket *, n);
  g_autofree CnetPacket **back = g_new0 (CnetPacket *, n + 1);
  g_autofree CnetPacket **held = NULL;
  guint got, forwarded = 0, allocs, n_held;

  if (f->ns == NULL)
    return;
  send_stream (PORT (f->b, 0), f->ns->mac_a, f->ns->mac_b, 7, n, 200);
  got = receive (PORT (f->a, 0), pkts, n);
  g_assert_cmpuint (got, ==, n);

  /* Take every free frame of the mempool first: a forward that copied
   * would find none to copy into and stall. */
  held = g_new0 (CnetPacket *, 16384);
  n_held = cnet_mempool_alloc_bulk (f->pool_a, held, 16384);
  g_assert_cmpuint (n_held, >, 0);
  {
    CnetPacket *one;
    /* What is left sits in the ports' caches, out of an allocation's
     * reach, as a copy's would be. */
    g_assert_cmpuint (cnet_mempool_alloc_bulk (f->pool_a, &one, 1), ==, 0);
  }

  atomic_store (&n_allocs, 0);
  for (guint tries = 0; forwarded < n && tries < 100000; tries++)
    forwarded += cnet_port_forward_burst (PORT (f->a, 1), pkts + forwarded,
                                          MIN (64, n - forwarded));
  g_assert_cmpuint (forwarded, ==, n);
  while (cnet_port_tx_flush (PORT (f->a, 1)) > 0)
    ;
  allocs = atomic_load (&n_allocs);
  g_assert_cmpuint (allocs, ==, 0);
  cnet_packet_free_bulk (held, n_held);

  /* The very frames were sent: they are no longer the application's. */
  for (guint i = 0; i < n; i++)
    {
      gsize len;
      g_assert_null (cnet_packet_get_data (pkts[i], &len));
    }

  got = receive (PORT (f->b, 1), back, n + 1);
  g_assert_cmpuint (got, ==, n);
  check_stream (back, got, 7);
  cnet_packet_free_bulk (back, got);
}

/* Between two mempools a frame is copied; the original is freed. */
static void
test_forward_copy (Fixture *f, gconstpointer data)
{
  const guint n = 500;
  CnetPacket *pkts[500];
  CnetPacket *back[501];
  guint got, forwarded = 0;
  guint in_use_b;

  if (f->ns == NULL)
    return;
  in_use_b = cnet_mempool_get_n_in_use (f->pool_b);
  send_stream (PORT (f->a, 2), f->ns->mac_b, f->ns->mac_a, 11, n, 1000);
  got = receive (PORT (f->b, 2), pkts, n);
  g_assert_cmpuint (got, ==, n);
  g_assert_true (cnet_packet_get_mempool (pkts[0]) == f->pool_b);

  while (forwarded < n)
    forwarded +=
      cnet_port_forward_burst (PORT (f->a, 3), pkts + forwarded, n - forwarded);
  while (cnet_port_tx_flush (PORT (f->a, 3)) > 0)
    ;
  /* The originals went back to pool B. */
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool_b), ==, in_use_b);

  got = receive (PORT (f->b, 3), back, n + 1);
  g_assert_cmpuint (got, ==, n);
  check_stream (back, got, 11);
  cnet_packet_free_bulk (back, got);
}

/* cnet_port_open_queues(), once the kernel has freed the buffer pools of
 * the sockets just closed on those queues (after an RCU grace period,
 * from a work queue): until then bind() says EBUSY. Awaited, not
 * assumed. */
static GPtrArray *
open_queues_awaiting (const char *ifname, guint first, guint n,
                      CnetMempool *pool, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  GPtrArray *ports;

  for (;;)
    {
      g_autoptr (GError) local = NULL;

      ports = cnet_port_open_queues (ifname, first, n, pool, &local);
      if (ports != NULL ||
          !g_error_matches (local, CNET_ERROR, CNET_ERROR_BUSY) ||
          g_get_monotonic_time () > deadline)
        {
          if (local != NULL)
            g_propagate_error (error, g_steal_pointer (&local));
          return ports;
        }
      g_usleep (10000);
    }
}

static void
test_group_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (GPtrArray) ports = NULL;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (1024, 2048, 0, &error);
  /* Queues 2..5 while 0..3 are open: the first is busy already. */
  ports = cnet_port_open_queues (f->ns->veth_a, 2, 4, pool, &error);
  g_assert_null (ports);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_BUSY);
  g_clear_error (&error);
  ports = cnet_port_open_queues (f->ns->veth_a, 0, 0, pool, &error);
  g_assert_null (ports);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* With veth_a's ports gone, queues 2 and 3 open and 4 is out of range:
   * all or nothing, so the two go again, and with them the program. */
  g_clear_pointer (&f->a, g_ptr_array_unref);
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==, 0);
  ports = open_queues_awaiting (f->ns->veth_a, 2, 4, pool, &error);
  g_assert_null (ports);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_assert_nonnull (strstr (error->message, "queue 4"));
  g_clear_error (&error);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 0);
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==, 0);
  /* ... and nothing is left holding them: the same queues open again. */
  ports = open_queues_awaiting (f->ns->veth_a, 2, 2, pool, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ports->len, ==, 2);
  g_ptr_array_set_free_func (ports, g_object_unref);
}

int
main (int argc, char **argv)
{
  install_alloc_counter ();
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cnet/multiqueue/queues", Fixture, NULL, setup, test_queues,
              teardown);
  g_test_add ("/cnet/multiqueue/forward-zero-copy", Fixture, NULL, setup,
              test_forward_zero_copy, teardown);
  g_test_add ("/cnet/multiqueue/forward-copy", Fixture, NULL, setup,
              test_forward_copy, teardown);
  g_test_add ("/cnet/multiqueue/group-errors", Fixture, NULL, setup,
              test_group_errors, teardown);

  return g_test_run ();
}
