/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What cnet-port.c needs of a batch to fill and drain it.
 */
#pragma once

#include "cnet-batch.h"
#include "cnet-private.h"

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

G_END_DECLS
