/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the packet's files share: cnet-packet.c (references, freeing,
 * accessors), cnet-packet-edit.c (bounds and bytes) and
 * cnet-packet-metadata.c (RX metadata, TX requests), and the multi-buffer
 * chain helpers the batch and the port's data path use too. The packet's
 * layout is in cnet-mempool-private.h (it lives in the mempool's frames).
 */
#pragma once

#include "cnet-error.h"
#include "cnet-mempool-private.h"

G_BEGIN_DECLS

static inline gboolean
cnet_packet_is_valid (CnetPacket *pkt)
{
  return pkt != NULL && pkt->magic == CNET_PACKET_MAGIC;
}

static inline gboolean
cnet_packet_check_owned (CnetPacket *pkt, GError **error)
{
  if (G_LIKELY (pkt->state == CNET_PACKET_STATE_OWNED))
    return TRUE;
  g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
               "packet in frame %" G_GUINT64_FORMAT " is %s: it may no "
               "longer be used",
               pkt->addr >> pkt->pool->frame_shift,
               pkt->state == CNET_PACKET_STATE_IN_FLIGHT ||
                   pkt->state == CNET_PACKET_STATE_SENT
                 ? "sent"
                 : "freed");
  return FALSE;
}

/* Gives the frames of the segments from @seg on back to @pool. */
void cnet_packet_free_chain (CnetMempool *pool, CnetPacket *seg);

/* cnet-packet.c: multi-buffer chains */
void cnet_packet_free_segments (CnetPacket *head);
guint cnet_packet_total_length (CnetPacket *pkt);
gboolean cnet_packet_change_length (CnetPacket *pkt, const char *what,
                                    guint length, gboolean grow,
                                    GError **error);
void cnet_packet_copy_chain (CnetPacket *pkt, guint offset, guint8 *buf,
                             gsize length, gboolean to_packet);

G_END_DECLS
