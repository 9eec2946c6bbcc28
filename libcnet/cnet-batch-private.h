/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A batch's internals: what the port needs to fill and drain it, and what
 * the batch operations (cnet-batch-ops.c) share with cnet-batch.c.
 */
#pragma once

#include "cnet-batch.h"
#include "cnet-error.h"
#include "cnet-mempool-private.h"

G_BEGIN_DECLS

struct _CnetBatch
{
  gint ref_count;
  guint capacity;
  guint n_packets;
  /* The batch holds a reference on the mempool it received or allocated
   * into last, so that its packets of that mempool need no pin of their
   * own: a binding may drop the port and the mempool before the batch.
   * Packets of other mempools (cnet_batch_add(), an allocation from a
   * second mempool) are pinned one by one. */
  CnetMempool *pool;
  CnetPacket *packets[];
};

/* Empties @batch and makes @pool the one it covers: what a receive does
 * before cnet_port_rx_burst() fills batch->packets. */
void cnet_batch_reset (CnetBatch *batch, CnetMempool *pool);

/* Checks that every packet may be sent from a port on @pool: owned by the
 * application and of that mempool. */
gboolean cnet_batch_check_sendable (CnetBatch *batch, CnetMempool *pool,
                                    const char *interface, guint queue,
                                    GError **error);

/* Forgets the first @n packets, whose ownership went to a port. */
void cnet_batch_consume (CnetBatch *batch, guint n);

/* Drops the batch's reference on @n packets; reorders @packets. */
void cnet_batch_release (CnetPacket **packets, guint n);

/* Whether @batch is a live batch (for g_return_val_if_fail). */
static inline gboolean
cnet_batch_is_valid (CnetBatch *batch)
{
  return batch != NULL && batch->ref_count > 0;
}

/* Checks that the batch holds a packet @index, and that it is still the
 * application's (not sent): each says what is wrong in @error. */
static inline gboolean
cnet_batch_check_index (CnetBatch *batch, guint index, GError **error)
{
  if (G_LIKELY (index < batch->n_packets))
    return TRUE;
  g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
               "batch: no packet %u, the batch holds %u", index,
               batch->n_packets);
  return FALSE;
}

static inline gboolean
cnet_batch_check_owned (CnetBatch *batch, guint index, GError **error)
{
  CnetPacket *pkt = batch->packets[index];

  if (G_LIKELY (pkt->state == CNET_PACKET_STATE_OWNED))
    return TRUE;
  g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
               "batch: packet %u (frame %" G_GUINT64_FORMAT ") was sent: it "
               "may no longer be used",
               index, pkt->addr >> pkt->pool->frame_shift);
  return FALSE;
}

gboolean cnet_batch_check_all_owned (CnetBatch *batch, GError **error);

G_END_DECLS
