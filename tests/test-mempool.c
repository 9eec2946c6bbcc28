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

/* Several threads allocating, handing packets to each other and freeing
 * at once: a frame is never held by two owners, and none is lost. Every
 * frame has an owner slot (0: the mempool's, else a thread's number + 1),
 * claimed with a compare-and-exchange when a thread gets the frame, moved
 * when a packet is handed over, and cleared before the frame goes back: a
 * frame handed out while another thread holds it fails the exchange at
 * once, whatever the timing. Each holder also writes its number into the
 * data and checks it before letting go. */
#define THREADS 4
#define ROUNDS 3000
#define FRAMES 64
#define BURST 24

typedef struct
{
  CnetMempool *pool;
  guintptr base; /* the lowest data address of a fresh packet */
  guint frame_size;
  gint owner[FRAMES]; /* atomic */
  GAsyncQueue *handoff[THREADS];
} Owners;

typedef struct
{
  Owners *o;
  gint me; /* thread number + 1 */
  guint allocated;
  guint received;
} Churner;

static guint
frame_of (Owners *o, CnetPacket *pkt)
{
  gsize len;
  guintptr d = (guintptr) cnet_packet_get_data (pkt, &len);
  guint frame;

  /* Packets here keep the data where the allocation put it. */
  g_assert_cmpuint ((d - o->base) % o->frame_size, ==, 0);
  frame = (guint) ((d - o->base) / o->frame_size);
  g_assert_cmpuint (frame, <, FRAMES);
  return frame;
}

/* Moves @pkt's frame from @from to @to; fails if anyone else holds it. */
static void
move_owner (Owners *o, CnetPacket *pkt, gint from, gint to)
{
  gint prev = 0;

  if (!g_atomic_int_compare_and_exchange_full (&o->owner[frame_of (o, pkt)],
                                               from, to, &prev))
    g_error ("frame %u: owner %d expected %d, but %d holds it",
             frame_of (o, pkt), to, from, prev);
}

static void
mark (CnetPacket *pkt, gint me)
{
  g_assert_true (
    cnet_packet_write (pkt, 0, (const guint8 *) &me, sizeof me, NULL));
}

static void
check_mark (CnetPacket *pkt, gint me)
{
  gint got = 0;

  g_assert_true (cnet_packet_read (pkt, 0, (guint8 *) &got, sizeof got, NULL));
  g_assert_cmpint (got, ==, me);
}

static gpointer
churn_thread (gpointer data)
{
  Churner *c = data;
  Owners *o = c->o;
  GAsyncQueue *next = o->handoff[c->me % THREADS];

  for (guint r = 0; r < ROUNDS; r++)
    {
      CnetPacket *pkts[BURST + FRAMES];
      guint n = cnet_mempool_alloc_bulk (o->pool, pkts, 1 + r % BURST);
      CnetPacket *in;

      c->allocated += n;
      for (guint i = 0; i < n; i++)
        {
          move_owner (o, pkts[i], 0, c->me);
          g_assert_true (cnet_packet_set_length (pkts[i], 8, NULL));
          mark (pkts[i], c->me);
        }
      /* Packets other threads handed over become ours. */
      while (n < G_N_ELEMENTS (pkts) &&
             (in = g_async_queue_try_pop (o->handoff[c->me - 1])) != NULL)
        {
          gint from = 0;

          g_assert_true (
            cnet_packet_read (in, 0, (guint8 *) &from, sizeof from, NULL));
          move_owner (o, in, from, c->me);
          mark (in, c->me);
          pkts[n++] = in;
          c->received++;
        }
      /* Hand one on to the next thread; give the rest back. */
      if (n > 0 && r % 3 == 0)
        {
          check_mark (pkts[--n], c->me);
          g_async_queue_push (next, pkts[n]);
        }
      for (guint i = 0; i < n; i++)
        {
          check_mark (pkts[i], c->me);
          move_owner (o, pkts[i], c->me, 0);
        }
      cnet_packet_free_bulk (pkts, n);
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (CnetMempool) pool = cnet_mempool_new (FRAMES, 2048, 0, NULL);
  Owners o = { .pool = pool, .base = G_MAXSIZE, .frame_size = 2048 };
  Churner churners[THREADS];
  GThread *threads[THREADS];
  CnetPacket *all[FRAMES];
  guint allocated = 0, received = 0;

  /* Where the frames are: every frame once, then back. */
  g_assert_cmpuint (cnet_mempool_alloc_bulk (pool, all, FRAMES), ==, FRAMES);
  for (guint i = 0; i < FRAMES; i++)
    {
      gsize len;

      o.base = MIN (o.base, (guintptr) cnet_packet_get_data (all[i], &len));
    }
  cnet_packet_free_bulk (all, FRAMES);

  for (guint i = 0; i < THREADS; i++)
    o.handoff[i] = g_async_queue_new ();
  for (guint i = 0; i < THREADS; i++)
    {
      churners[i] = (Churner){ .o = &o, .me = (gint) i + 1 };
      threads[i] = g_thread_new ("churn", churn_thread, &churners[i]);
    }
  for (guint i = 0; i < THREADS; i++)
    g_thread_join (threads[i]);

  /* Packets handed over after their receiver finished. */
  for (guint i = 0; i < THREADS; i++)
    {
      CnetPacket *in;

      while ((in = g_async_queue_try_pop (o.handoff[i])) != NULL)
        {
          gint from = 0;

          g_assert_true (
            cnet_packet_read (in, 0, (guint8 *) &from, sizeof from, NULL));
          g_assert_cmpint (from % THREADS, ==, (gint) i);
          move_owner (&o, in, from, 0);
          cnet_packet_free_bulk (&in, 1);
        }
      g_async_queue_unref (o.handoff[i]);
      allocated += churners[i].allocated;
      received += churners[i].received;
    }
  g_assert_cmpuint (allocated, >, 0);
  g_assert_cmpuint (received, >, 0);
  for (guint i = 0; i < FRAMES; i++)
    g_assert_cmpint (o.owner[i], ==, 0);
  g_assert_cmpuint (cnet_mempool_get_n_free (pool), ==, FRAMES);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (pool), ==, 0);
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
