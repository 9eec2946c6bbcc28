/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetMempool: no root needed (a UMEM is ordinary memory until a socket
 * registers it).
 */
#include <cnet/cnet.h>
#include <string.h>

static void
test_new (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = cnet_mempool_new (1000, 4096, 128, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (cnet_mempool_get_n_frames (pool), ==, 1000);
  g_assert_cmpuint (cnet_mempool_get_frame_size (pool), ==, 4096);
  g_assert_cmpuint (cnet_mempool_get_headroom (pool), ==, 128);
  g_assert_cmpuint (cnet_mempool_get_size (pool), ==, 1000 * 4096);
  g_assert_cmpuint (cnet_mempool_get_n_free (pool), ==, 1000);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 0);
}

static void
test_bad_arguments (void)
{
  const struct
  {
    guint n_frames, frame_size, headroom;
    const char *message;
  } cases[] = {
    { 64, 3000, 0, "frame size 3000 is not allowed" },
    { 64, 1024, 0, "frame size 1024 is not allowed" },
    { 64, 8192, 0, "frame size 8192 is not allowed" },
    { 0, 2048, 0, "0 frames is out of range" },
    { CNET_MEMPOOL_MAX_FRAMES + 1, 2048, 0, "frames is out of range" },
    { 64, 2048, 300, "headroom of 300 bytes is too large for 2048-byte" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CnetMempool) pool =
        cnet_mempool_new (cases[i].n_frames, cases[i].frame_size,
                          cases[i].headroom, &error);

      g_assert_null (pool);
      g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT);
      g_assert_nonnull (strstr (error->message, cases[i].message));
    }
}

static void
test_alloc_free (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = cnet_mempool_new (100, 2048, 64, &error);
  CnetPacket *pkts[128];
  CnetPacket *extra;
  guint n;

  g_assert_no_error (error);
  n = cnet_mempool_alloc_bulk (pool, pkts, 60);
  g_assert_cmpuint (n, ==, 60);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 60);
  /* Distinct frames, each with the mempool's headroom and no data. */
  for (guint i = 0; i < n; i++)
    {
      g_assert_true (cnet_packet_get_mempool (pkts[i]) == pool);
      g_assert_cmpuint (cnet_packet_get_length (pkts[i]), ==, 0);
      g_assert_cmpuint (cnet_packet_get_headroom (pkts[i]), ==, 64);
      for (guint j = 0; j < i; j++)
        g_assert_true (pkts[i] != pkts[j]);
    }

  /* Asking for more than is left gives what is left. */
  g_assert_cmpuint (cnet_mempool_alloc_bulk (pool, pkts + 60, 68), ==, 40);
  g_assert_cmpuint (cnet_mempool_get_n_free (pool), ==, 0);
  extra = cnet_mempool_alloc (pool, &error);
  g_assert_null (extra);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_EXHAUSTED);
  g_clear_error (&error);

  cnet_packet_free_bulk (pkts, 100);
  g_assert_cmpuint (cnet_mempool_get_n_free (pool), ==, 100);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 0);
}

/* A packet keeps its mempool alive once a reference was taken on it, as a
 * binding does; freeing the packet lets the mempool go. */
static void
test_packet_pins_pool (void)
{
  g_autoptr (GError) error = NULL;
  CnetMempool *pool = cnet_mempool_new (8, 2048, 0, &error);
  CnetPacket *pkt;
  GWeakRef weak;

  g_assert_no_error (error);
  g_weak_ref_init (&weak, pool);
  pkt = cnet_mempool_alloc (pool, &error);
  g_assert_no_error (error);
  g_object_unref (pool);
  {
    g_autoptr (CnetMempool) alive = g_weak_ref_get (&weak);
    g_assert_nonnull (alive);
    g_assert_cmpuint (cnet_mempool_get_n_in_use (alive), ==, 1);
  }
  g_assert_true (cnet_packet_append (pkt, 100, &error));
  cnet_packet_unref (pkt);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
}

static void
test_double_free_subprocess (void)
{
  g_autoptr (CnetMempool) pool = cnet_mempool_new (8, 2048, 0, NULL);
  CnetPacket *pkt;

  g_assert_cmpuint (cnet_mempool_alloc_bulk (pool, &pkt, 1), ==, 1);
  cnet_packet_free_bulk (&pkt, 1);
  cnet_packet_free_bulk (&pkt, 1);
}

static void
test_double_free (void)
{
  g_test_trap_subprocess ("/cnet/mempool/double-free/subprocess", 0,
                          G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*not held by the application (double free*");
}

/* Several threads allocating and freeing at once never hand out one frame
 * twice and lose none. */
#define THREADS 4
#define ROUNDS 2000

static gpointer
churn_thread (gpointer data)
{
  CnetMempool *pool = data;

  for (guint r = 0; r < ROUNDS; r++)
    {
      CnetPacket *pkts[32];
      guint n = cnet_mempool_alloc_bulk (pool, pkts, G_N_ELEMENTS (pkts));

      for (guint i = 0; i < n; i++)
        {
          guint32 mark = GPOINTER_TO_UINT (g_thread_self ()) ^ r ^ i;
          gsize len;
          guint8 *d;

          g_assert_true (cnet_packet_set_length (pkts[i], 4, NULL));
          d = cnet_packet_get_data (pkts[i], &len);
          memcpy (d, &mark, 4);
        }
      for (guint i = 0; i < n; i++)
        {
          guint32 mark = GPOINTER_TO_UINT (g_thread_self ()) ^ r ^ i;
          gsize len;
          guint8 *d = cnet_packet_get_data (pkts[i], &len);
          g_assert_cmpmem (d, 4, &mark, 4);
        }
      cnet_packet_free_bulk (pkts, n);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (CnetMempool) pool = cnet_mempool_new (100, 2048, 0, NULL);
  GThread *threads[THREADS];

  for (guint i = 0; i < THREADS; i++)
    threads[i] = g_thread_new ("churn", churn_thread, pool);
  for (guint i = 0; i < THREADS; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (cnet_mempool_get_n_free (pool), ==, 100);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cnet/mempool/new", test_new);
  g_test_add_func ("/cnet/mempool/bad-arguments", test_bad_arguments);
  g_test_add_func ("/cnet/mempool/alloc-free", test_alloc_free);
  g_test_add_func ("/cnet/mempool/packet-pins-pool", test_packet_pins_pool);
  g_test_add_func ("/cnet/mempool/double-free", test_double_free);
  g_test_add_func ("/cnet/mempool/double-free/subprocess",
                   test_double_free_subprocess);
  g_test_add_func ("/cnet/mempool/threads", test_threads);

  return g_test_run ();
}
