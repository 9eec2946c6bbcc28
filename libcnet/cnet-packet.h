/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-types.h"

G_BEGIN_DECLS

#define CNET_TYPE_PACKET (cnet_packet_get_type ())

GType cnet_packet_get_type (void) G_GNUC_CONST;

CnetPacket *cnet_packet_ref (CnetPacket *packet);
void cnet_packet_unref (CnetPacket *packet);
void cnet_packet_free_bulk (CnetPacket **packets, guint n_packets);

CnetMempool *cnet_packet_get_mempool (CnetPacket *packet);
guint8 *cnet_packet_get_data (CnetPacket *packet, gsize *length);
guint8 *cnet_packet_get_data_checked (CnetPacket *packet, gsize *length,
                                      GError **error);
guint cnet_packet_get_length (CnetPacket *packet);
guint cnet_packet_get_headroom (CnetPacket *packet);
guint cnet_packet_get_tailroom (CnetPacket *packet);
guint cnet_packet_get_buffer_size (CnetPacket *packet);

CnetRxMetadataFlags cnet_packet_get_rx_metadata_flags (CnetPacket *packet);
gboolean cnet_packet_get_arrival_time (CnetPacket *packet, guint64 *nsec);
gboolean cnet_packet_get_rx_hash (CnetPacket *packet, guint32 *hash,
                                  guint32 *hash_type);
gboolean cnet_packet_get_rx_hw_timestamp (CnetPacket *packet, guint64 *nsec);
gboolean cnet_packet_get_rx_vlan_tag (CnetPacket *packet, guint16 *proto,
                                      guint16 *tci);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_set_length (CnetPacket *packet, guint length,
                                 GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_prepend (CnetPacket *packet, guint length, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_append (CnetPacket *packet, guint length, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_pull (CnetPacket *packet, guint length, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_trim (CnetPacket *packet, guint length, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_read (CnetPacket *packet, guint offset, guint8 *buffer,
                           gsize length, GError **error);
G_GNUC_WARN_UNUSED_RESULT
GBytes *cnet_packet_read_bytes (CnetPacket *packet, guint offset, gsize length,
                                GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_write (CnetPacket *packet, guint offset,
                            const guint8 *data, gsize length, GError **error);
void cnet_packet_swap_macs (CnetPacket *packet);

/**
 * CNET_PACKET_MAX_SEGMENTS:
 *
 * The most frames one multi-buffer packet may span: what the kernel's
 * copy-mode TX path takes (`MAX_SKB_FRAGS`).
 *
 * Since: 1.0
 */
#define CNET_PACKET_MAX_SEGMENTS 17

guint cnet_packet_get_n_segments (CnetPacket *packet);
guint8 *cnet_packet_get_segment (CnetPacket *packet, guint index,
                                 gsize *length);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_resize (CnetPacket *packet, guint length, GError **error);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_request_tx_checksum (CnetPacket *packet, guint start,
                                          guint offset, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_request_tx_timestamp (CnetPacket *packet, GError **error);
CnetTxMetadataFlags cnet_packet_get_tx_requests (CnetPacket *packet);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_packet_get_tx_timestamp (CnetPacket *packet, guint64 *timestamp,
                                       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetPacket, cnet_packet_unref)

G_END_DECLS
