/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a received packet's RX metadata lies, for the packet and batch
 * accessors. The XDP program (bpf/cnet-xdp.bpf.c) writes it right before
 * the data, which the kernel always places at the UMEM headroom plus
 * XDP_PACKET_HEADROOM: so it stays at that place when the application
 * pulls, and is trusted only while nothing was prepended over it.
 */
#pragma once

#include "cnet-mempool-private.h"
#include "cnet-xdp-common.h"

G_BEGIN_DECLS

static inline const struct cnet_xdp_rx_meta *
cnet_packet_rx_meta (const CnetPacket *pkt)
{
  const struct cnet_xdp_rx_meta *meta;
  guint rx_off;

  if (!pkt->rx_meta || pkt->state != CNET_PACKET_STATE_OWNED)
    return NULL;
  rx_off = pkt->pool->umem_headroom + 256; /* XDP_PACKET_HEADROOM */
  if (pkt->data_off < rx_off)
    return NULL;
  meta = (const struct cnet_xdp_rx_meta *) ((const guint8 *) pkt + rx_off -
                                            sizeof *meta);
  if ((meta->valid & CNET_XDP_META_MAGIC_MASK) != CNET_XDP_META_MAGIC)
    return NULL;
  return meta;
}

static inline guint32
cnet_packet_rx_meta_flags (const CnetPacket *pkt)
{
  const struct cnet_xdp_rx_meta *meta = cnet_packet_rx_meta (pkt);

  return meta ? meta->valid & 0xff : 0;
}

G_END_DECLS
