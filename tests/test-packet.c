/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetPacket: bounds and state checks. No root needed.
 */
#include <cnet/cnet.h>
#include <string.h>

typedef struct
{
  CnetMempool *pool;
  CnetPacket *pkt;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->pool = cnet_mempool_new (16, 2048, 128, &error);
  g_assert_no_error (error);
  f->pkt = cnet_mempool_alloc (f->pool, &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->pkt != NULL)
    cnet_packet_unref (f->pkt);
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 0);
  g_object_unref (f->pool);
}

static void
test_rooms (Fixture *f, gconstpointer data)
{
  CnetPacket *p = f->pkt;
  g_autoptr (GError) error = NULL;
  guint buffer = cnet_packet_get_buffer_size (p);

  g_assert_cmpuint (buffer, ==, 2048 - 64);
  g_assert_cmpuint (cnet_packet_get_headroom (p), ==, 128);
  g_assert_cmpuint (cnet_packet_get_tailroom (p), ==, buffer - 128);

  g_assert_true (cnet_packet_append (p, 100, &error));
  g_assert_true (cnet_packet_prepend (p, 14, &error));
  g_assert_cmpuint (cnet_packet_get_length (p), ==, 114);
  g_assert_cmpuint (cnet_packet_get_headroom (p), ==, 114);
  g_assert_true (cnet_packet_pull (p, 14, &error));
  g_assert_true (cnet_packet_trim (p, 50, &error));
  g_assert_cmpuint (cnet_packet_get_length (p), ==, 50);
  g_assert_cmpuint (cnet_packet_get_headroom (p) + cnet_packet_get_length (p) +
                      cnet_packet_get_tailroom (p),
                    ==, buffer);
  g_assert_no_error (error);
}

static void
test_bounds (Fixture *f, gconstpointer data)
{
  CnetPacket *p = f->pkt;
  g_autoptr (GError) error = NULL;
  guint8 buf[64];

  g_assert_false (cnet_packet_prepend (p, 129, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_assert_nonnull (
    strstr (error->message, "cannot prepend 129 bytes, only 128"));
  g_clear_error (&error);

  g_assert_false (cnet_packet_append (p, 5000, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  g_assert_false (cnet_packet_set_length (p, 2048, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  g_assert_false (cnet_packet_pull (p, 1, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_false (cnet_packet_trim (p, 1, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);

  g_assert_true (cnet_packet_set_length (p, 32, &error));
  g_assert_false (cnet_packet_write (p, 30, (const guint8 *) "abc", 3, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_assert_nonnull (
    strstr (error->message,
            "cannot write 3 bytes at offset 30: the data is 32 bytes long"));
  g_clear_error (&error);
  g_assert_false (cnet_packet_read (p, 0, buf, 33, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  /* An offset past the end with a length that wraps around. */
  g_assert_false (cnet_packet_read (p, 40, buf, G_MAXSIZE - 10, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_clear_error (&error);
  g_assert_null (cnet_packet_read_bytes (p, 33, 0, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
}

static void
test_read_write (Fixture *f, gconstpointer data)
{
  CnetPacket *p = f->pkt;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  const guint8 hello[] = "hello, frame";
  guint8 buf[sizeof hello];
  gsize len;

  g_assert_true (cnet_packet_append (p, sizeof hello, &error));
  g_assert_true (cnet_packet_write (p, 0, hello, sizeof hello, &error));
  g_assert_true (cnet_packet_read (p, 0, buf, sizeof buf, &error));
  g_assert_cmpmem (buf, sizeof buf, hello, sizeof hello);
  bytes = cnet_packet_read_bytes (p, 7, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 5, "frame", 5);
  g_assert_cmpmem (cnet_packet_get_data (p, &len), len, hello, sizeof hello);

  /* Prepended bytes come in front of what is there. */
  g_assert_true (cnet_packet_prepend (p, 2, &error));
  g_assert_true (cnet_packet_write (p, 0, (const guint8 *) ">>", 2, &error));
  g_assert_cmpmem (cnet_packet_get_data (p, &len), 4, ">>he", 4);
  g_assert_no_error (error);
}

static void
test_swap_macs (Fixture *f, gconstpointer data)
{
  CnetPacket *p = f->pkt;
  const guint8 frame[14] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8, 0 };
  const guint8 swapped[14] = { 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 8, 0 };
  gsize len;

  g_assert_true (cnet_packet_append (p, sizeof frame, NULL));
  g_assert_true (cnet_packet_write (p, 0, frame, sizeof frame, NULL));
  cnet_packet_swap_macs (p);
  g_assert_cmpmem (cnet_packet_get_data (p, &len), len, swapped,
                   sizeof swapped);
}

/* Use after free through a second reference is an error, not a crash. */
static void
test_use_after_free (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  CnetPacket *p = f->pkt;
  gsize len;

  cnet_packet_ref (p);
  g_assert_true (cnet_packet_append (p, 10, &error));
  cnet_packet_free_bulk (&p, 1); /* drops one of two references */
  g_assert_true (cnet_packet_append (p, 10, &error)); /* still held */
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 1);
  cnet_packet_unref (p);
  f->pkt = NULL;
  g_assert_cmpuint (cnet_mempool_get_n_in_use (f->pool), ==, 0);

  /* The frame is free now: a stale pointer is refused. */
  g_assert_false (cnet_packet_append (p, 10, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_assert_nonnull (strstr (error->message, "freed"));
  g_assert_null (cnet_packet_get_data (p, &len));
  g_assert_cmpuint (len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cnet/packet/rooms", Fixture, NULL, setup, test_rooms, teardown);
  g_test_add ("/cnet/packet/bounds", Fixture, NULL, setup, test_bounds,
              teardown);
  g_test_add ("/cnet/packet/read-write", Fixture, NULL, setup, test_read_write,
              teardown);
  g_test_add ("/cnet/packet/swap-macs", Fixture, NULL, setup, test_swap_macs,
              teardown);
  g_test_add ("/cnet/packet/use-after-free", Fixture, NULL, setup,
              test_use_after_free, teardown);

  return g_test_run ();
}
