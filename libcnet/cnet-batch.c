/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "cnet-batch-private.h"
#include "cnet-batch.h"
#include "cnet-error.h"
#include "cnet-mempool-private.h"
#include "cnet-mempool.h"
#include "cnet-packet.h"

/**
 * CnetBatch:
 *
 * A reusable, refcounted array of packets, for bindings.
 *
 * One wrapper object per packet costs more than a Python program can pay
 * at millions of packets per second. A batch lets it pay the call overhead
 * once per burst instead: cnet_port_receive() fills a batch,
 * cnet_port_send() drains it, and the vectorised operations in between —
 * cnet_batch_swap_macs(), cnet_batch_keep(), cnet_batch_drop(),
 * cnet_batch_write(), cnet_batch_set_data(), cnet_batch_copy_payloads() —
 * touch every packet in C. An echo in Python is three calls per burst:
 *
 * ```python
 * batch = Cnet.Batch.new(64)
 * while True:
 *     if port.receive(batch) == 0:
 *         port.wait(100)
 *         continue
 *     batch.swap_macs()
 *     port.send(batch)
 * ```
 *
 * The batch is allocated once, with room for its capacity; filling and
 * draining it allocate nothing.
 *
 * The batch holds one reference on each of its packets. A packet taken out
 * with cnet_batch_get_packet() gets a reference of its own, so it outlives
 * the batch, the port and the mempool if need be; once the batch sent it,
 * writing to it fails with %CNET_ERROR_INVALID_STATE. Every operation is
 * bounds-checked and reports misuse as a #GError; none can touch memory
 * outside a packet's frame.
 *
 * A batch is not thread-safe: use it from one thread at a time.
 *
 * Since: 1.0
 */

G_DEFINE_BOXED_TYPE (CnetBatch, cnet_batch, cnet_batch_ref, cnet_batch_unref)

/* Drops the batch's reference on @n packets. A packet the batch holds may
 * have been sent from another batch meanwhile (a binding added it to
 * both): cnet_packet_unref() knows what to do with those, the bulk free
 * handles the rest. Reorders @packets. */
void
cnet_batch_release (CnetPacket **packets, guint n)
{
  guint w = 0;

  for (guint i = 0; i < n; i++)
    {
      if (G_UNLIKELY (packets[i]->state == CNET_PACKET_STATE_IN_FLIGHT))
        cnet_packet_unref (packets[i]);
      else
        packets[w++] = packets[i];
    }
  cnet_packet_free_bulk (packets, w);
}

/* Makes @pool the mempool the batch covers when the batch is empty.
 * Returns whether packets of @pool in the batch are covered; if not, each
 * needs a pin of its own. */
static gboolean
cnet_batch_cover (CnetBatch *batch, CnetMempool *pool)
{
  if (batch->pool == pool)
    return TRUE;
  if (batch->n_packets > 0)
    return FALSE;
  g_set_object (&batch->pool, pool);
  return TRUE;
}

void
cnet_batch_reset (CnetBatch *batch, CnetMempool *pool)
{
  cnet_batch_clear (batch);
  cnet_batch_cover (batch, pool);
}

void
cnet_batch_consume (CnetBatch *batch, guint n)
{
  g_assert (n <= batch->n_packets);
  batch->n_packets -= n;
  if (n > 0 && batch->n_packets > 0)
    memmove (batch->packets, batch->packets + n,
             batch->n_packets * sizeof (CnetPacket *));
}

gboolean
cnet_batch_check_all_owned (CnetBatch *batch, GError **error)
{
  for (guint i = 0; i < batch->n_packets; i++)
    if (!cnet_batch_check_owned (batch, i, error))
      return FALSE;
  return TRUE;
}

gboolean
cnet_batch_check_sendable (CnetBatch *batch, CnetMempool *pool,
                           const char *interface, guint queue, GError **error)
{
  for (guint i = 0; i < batch->n_packets; i++)
    {
      CnetPacket *pkt = batch->packets[i];

      if (G_UNLIKELY (pkt->pool != pool))
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_WRONG_MEMPOOL,
                       "%s queue %u: packet %u of the batch belongs to "
                       "another mempool than the port's; nothing was sent",
                       interface, queue, i);
          return FALSE;
        }
      if (G_UNLIKELY (pkt->state != CNET_PACKET_STATE_OWNED))
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
                       "%s queue %u: packet %u of the batch was sent "
                       "already; nothing was sent",
                       interface, queue, i);
          return FALSE;
        }
    }
  return TRUE;
}

/**
 * cnet_batch_new:
 * @capacity: the most packets the batch holds, 1 to
 *   %CNET_BATCH_MAX_CAPACITY
 * @error: return location for a #GError
 *
 * Creates an empty batch. The batch is meant to be reused for every burst:
 * cnet_port_receive() empties it before filling it.
 *
 * Returns: (transfer full): a new batch, or %NULL with @error set
 *   (%CNET_ERROR_OUT_OF_RANGE) when @capacity is 0 or more than
 *   %CNET_BATCH_MAX_CAPACITY
 *
 * Since: 1.0
 */
CnetBatch *
cnet_batch_new (guint capacity, GError **error)
{
  CnetBatch *batch;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (capacity == 0 || capacity > CNET_BATCH_MAX_CAPACITY)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "a batch of %u packets is not possible: from 1 to %u",
                   capacity, CNET_BATCH_MAX_CAPACITY);
      return NULL;
    }

  batch = g_malloc0 (sizeof (CnetBatch) + capacity * sizeof (CnetPacket *));
  batch->ref_count = 1;
  batch->capacity = capacity;
  return batch;
}

/**
 * cnet_batch_ref:
 * @batch: a #CnetBatch
 *
 * Takes a reference on @batch.
 *
 * Returns: (transfer full): @batch
 *
 * Since: 1.0
 */
CnetBatch *
cnet_batch_ref (CnetBatch *batch)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), NULL);

  g_atomic_int_inc (&batch->ref_count);
  return batch;
}

/**
 * cnet_batch_unref:
 * @batch: (transfer full): a #CnetBatch
 *
 * Drops a reference on @batch. Dropping the last one drops the batch's
 * reference on each of its packets, as cnet_batch_clear() does.
 *
 * Since: 1.0
 */
void
cnet_batch_unref (CnetBatch *batch)
{
  g_return_if_fail (cnet_batch_is_valid (batch));

  if (!g_atomic_int_dec_and_test (&batch->ref_count))
    return;
  cnet_batch_release (batch->packets, batch->n_packets);
  g_clear_object (&batch->pool);
  g_free (batch);
}

/**
 * cnet_batch_get_capacity:
 * @batch: a #CnetBatch
 *
 * Returns: the most packets @batch holds
 *
 * Since: 1.0
 */
guint
cnet_batch_get_capacity (CnetBatch *batch)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), 0);
  return batch->capacity;
}

/**
 * cnet_batch_get_n_packets:
 * @batch: a #CnetBatch
 *
 * Returns: the number of packets in @batch
 *
 * Since: 1.0
 */
guint
cnet_batch_get_n_packets (CnetBatch *batch)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), 0);
  return batch->n_packets;
}

/**
 * cnet_batch_get_packets: (skip)
 * @batch: a #CnetBatch
 * @n_packets: (out): the number of packets
 *
 * Gets the batch's own array of packets, for C code that works on them in
 * place between cnet_port_receive() and cnet_port_send(). The batch keeps
 * its references: do not free, send or store the packets, and do not keep
 * the array past the next change to the batch.
 *
 * Returns: (transfer none) (array length=n_packets): the packets
 *
 * Since: 1.0
 */
CnetPacket **
cnet_batch_get_packets (CnetBatch *batch, guint *n_packets)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), NULL);
  g_return_val_if_fail (n_packets != NULL, NULL);

  *n_packets = batch->n_packets;
  return batch->packets;
}

/**
 * cnet_batch_get_packet:
 * @batch: a #CnetBatch
 * @index: the packet's position, from 0
 * @error: return location for a #GError
 *
 * Gets one packet of the batch, with a reference of its own: the packet
 * stays valid when the batch is cleared, refilled or freed, and keeps its
 * mempool alive. It stays in the batch too, so sending the batch sends it;
 * after that, writing to the packet fails with %CNET_ERROR_INVALID_STATE.
 *
 * Returns: (transfer full): the packet, or %NULL with
 *   %CNET_ERROR_OUT_OF_RANGE when @index is not below the number of
 *   packets
 *
 * Since: 1.0
 */
CnetPacket *
cnet_batch_get_packet (CnetBatch *batch, guint index, GError **error)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!cnet_batch_check_index (batch, index, error))
    return NULL;
  return cnet_packet_ref (batch->packets[index]);
}

/**
 * cnet_batch_add:
 * @batch: a #CnetBatch
 * @packet: the packet to append
 * @error: return location for a #GError
 *
 * Appends @packet to @batch, which takes a reference of its own on it (the
 * caller keeps its reference). A packet may be in a batch once.
 *
 * Returns: %TRUE, or %FALSE with @error set: %CNET_ERROR_OUT_OF_RANGE when
 *   the batch is full, %CNET_ERROR_INVALID_STATE when the packet was sent
 *   or is in the batch already
 *
 * Since: 1.0
 */
gboolean
cnet_batch_add (CnetBatch *batch, CnetPacket *packet, GError **error)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), FALSE);
  g_return_val_if_fail (packet != NULL && packet->magic == CNET_PACKET_MAGIC,
                        FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (packet->state != CNET_PACKET_STATE_OWNED)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
                   "batch: packet in frame %" G_GUINT64_FORMAT " was sent "
                   "and may no longer be used",
                   packet->addr >> packet->pool->frame_shift);
      return FALSE;
    }
  for (guint i = 0; i < batch->n_packets; i++)
    if (batch->packets[i] == packet)
      {
        g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
                     "batch: the packet is in the batch already, at %u", i);
        return FALSE;
      }
  if (batch->n_packets == batch->capacity)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "batch: full, it holds %u packets", batch->capacity);
      return FALSE;
    }
  /* cnet_packet_ref() pins the mempool, so the batch need not cover it. */
  batch->packets[batch->n_packets++] = cnet_packet_ref (packet);
  return TRUE;
}

/**
 * cnet_batch_remove:
 * @batch: a #CnetBatch
 * @index: the packet's position, from 0
 * @error: return location for a #GError
 *
 * Removes one packet from @batch and drops the batch's reference on it;
 * the packets after it move up by one.
 *
 * Returns: %TRUE, or %FALSE with %CNET_ERROR_OUT_OF_RANGE
 *
 * Since: 1.0
 */
gboolean
cnet_batch_remove (CnetBatch *batch, guint index, GError **error)
{
  CnetPacket *pkt;

  g_return_val_if_fail (cnet_batch_is_valid (batch), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cnet_batch_check_index (batch, index, error))
    return FALSE;
  pkt = batch->packets[index];
  memmove (batch->packets + index, batch->packets + index + 1,
           (batch->n_packets - index - 1) * sizeof (CnetPacket *));
  batch->n_packets--;
  cnet_batch_release (&pkt, 1);
  return TRUE;
}

/**
 * cnet_batch_clear:
 * @batch: a #CnetBatch
 *
 * Empties @batch, dropping its reference on each packet: packets nobody
 * else holds go back to their mempools.
 *
 * Since: 1.0
 */
void
cnet_batch_clear (CnetBatch *batch)
{
  guint n;

  g_return_if_fail (cnet_batch_is_valid (batch));

  n = batch->n_packets;
  batch->n_packets = 0;
  cnet_batch_release (batch->packets, n);
}

/**
 * cnet_batch_alloc:
 * @batch: a #CnetBatch
 * @mempool: the mempool to allocate from
 * @n_packets: how many packets to append
 * @error: return location for a #GError
 *
 * Appends up to @n_packets empty packets of @mempool, for sending: each has
 * the mempool's headroom in front of its data and a length of 0. Give them
 * data with cnet_batch_set_data() or cnet_batch_set_data_at(). Fewer are
 * appended when the batch or the mempool has less room.
 *
 * Returns: the number of packets appended; 0 with @error set when
 *   @n_packets is not 0 and none could be: %CNET_ERROR_OUT_OF_RANGE when
 *   the batch is full, %CNET_ERROR_EXHAUSTED when the mempool is
 *
 * Since: 1.0
 */
guint
cnet_batch_alloc (CnetBatch *batch, CnetMempool *mempool, guint n_packets,
                  GError **error)
{
  CnetPacket **dest;
  gboolean covered;
  guint want, got;

  g_return_val_if_fail (cnet_batch_is_valid (batch), 0);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (n_packets == 0)
    return 0;
  want = MIN (n_packets, batch->capacity - batch->n_packets);
  if (want == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "batch: full, it holds %u packets", batch->capacity);
      return 0;
    }
  covered = cnet_batch_cover (batch, mempool);
  dest = batch->packets + batch->n_packets;
  got = cnet_mempool_alloc_bulk (mempool, dest, want);
  if (got == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_EXHAUSTED,
                   "mempool: all %u frames are in use",
                   cnet_mempool_get_n_frames (mempool));
      return 0;
    }
  if (!covered)
    for (guint i = 0; i < got; i++)
      cnet_packet_pin_pool (dest[i]);
  batch->n_packets += got;
  return got;
}
