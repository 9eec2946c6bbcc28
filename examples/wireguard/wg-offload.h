/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* TUN offloads for cnet-wg: see wg-offload.c. */
#pragma once

#include <cnet/cnet.h>

/* struct virtio_net_hdr (linux/virtio_net.h), in the byte order of this
 * machine, as the TUN device uses it without TUNSETVNETLE/BE. */
typedef struct
{
  guint8 flags;
  guint8 gso_type;
  guint16 hdr_len;
  guint16 gso_size;
  guint16 csum_start;
  guint16 csum_offset;
} WgVnetHdr;

#define WG_VNET_F_NEEDS_CSUM 1
#define WG_VNET_F_DATA_VALID 2
#define WG_VNET_GSO_NONE 0
#define WG_VNET_GSO_TCPV4 1
#define WG_VNET_GSO_TCPV6 4
#define WG_VNET_GSO_ECN 0x80

#define WG_TCP_FIN 0x01
#define WG_TCP_PSH 0x08
#define WG_TCP_CWR 0x80

guint64 wg_csum_partial (const guint8 *p, gsize len, guint64 sum);
guint16 wg_csum_fold (guint64 sum);
gboolean wg_csum_complete (guint8 *p, gsize len, const WgVnetHdr *vh);
guint wg_gso_split (const guint8 *p, gsize len, const WgVnetHdr *vh,
                    CnetPacket **frames, guint max_frames, guint off);
guint wg_gro_write (int fd, guint8 **pkts, const guint *lens, guint n);
