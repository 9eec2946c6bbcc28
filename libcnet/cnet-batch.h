/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-types.h"

G_BEGIN_DECLS

/**
 * CNET_BATCH_DEFAULT_CAPACITY:
 *
 * A batch capacity that suits most programs: 64 packets, the burst size
 * at which the per-call cost of a binding is small next to the per-packet
 * cost.
 *
 * Since: 1.0
 */
#define CNET_BATCH_DEFAULT_CAPACITY 64

/**
 * CNET_BATCH_MAX_CAPACITY:
 *
 * The largest capacity a #CnetBatch may have.
 *
 * Since: 1.0
 */
#define CNET_BATCH_MAX_CAPACITY 4096

/**
 * CnetBatchMatch:
 * @CNET_BATCH_MATCH_ETHERTYPE: the EtherType of the frame, after one
 *   802.1Q or 802.1ad tag if there is one (0x0800 for IPv4)
 * @CNET_BATCH_MATCH_IP_PROTOCOL: the protocol of an IPv4 packet or the
 *   next header of an IPv6 packet (17 for UDP); frames that are not IP do
 *   not match
 * @CNET_BATCH_MATCH_UDP_DST_PORT: the destination port of a UDP datagram
 *   over IPv4 (first fragment only) or IPv6 (no extension headers)
 * @CNET_BATCH_MATCH_TCP_DST_PORT: the destination port of a TCP segment,
 *   under the same conditions
 *
 * What cnet_batch_keep() and cnet_batch_drop() compare with their value.
 * Fields are compared in host byte order. Frames too short to hold the
 * field do not match.
 *
 * Since: 1.0
 */
typedef enum
{
  CNET_BATCH_MATCH_ETHERTYPE,
  CNET_BATCH_MATCH_IP_PROTOCOL,
  CNET_BATCH_MATCH_UDP_DST_PORT,
  CNET_BATCH_MATCH_TCP_DST_PORT,
} CnetBatchMatch;

#define CNET_TYPE_BATCH (cnet_batch_get_type ())

GType cnet_batch_get_type (void) G_GNUC_CONST;

G_GNUC_WARN_UNUSED_RESULT
CnetBatch *cnet_batch_new (guint capacity, GError **error);
CnetBatch *cnet_batch_ref (CnetBatch *batch);
void cnet_batch_unref (CnetBatch *batch);

guint cnet_batch_get_capacity (CnetBatch *batch);
guint cnet_batch_get_n_packets (CnetBatch *batch);
CnetPacket **cnet_batch_get_packets (CnetBatch *batch, guint *n_packets);
G_GNUC_WARN_UNUSED_RESULT
CnetPacket *cnet_batch_get_packet (CnetBatch *batch, guint index,
                                   GError **error);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_batch_add (CnetBatch *batch, CnetPacket *packet, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_batch_remove (CnetBatch *batch, guint index, GError **error);
void cnet_batch_clear (CnetBatch *batch);
guint cnet_batch_alloc (CnetBatch *batch, CnetMempool *mempool, guint n_packets,
                        GError **error);

guint cnet_batch_swap_macs (CnetBatch *batch);
guint cnet_batch_keep (CnetBatch *batch, CnetBatchMatch match, guint value);
guint cnet_batch_drop (CnetBatch *batch, CnetBatchMatch match, guint value);

G_GNUC_WARN_UNUSED_RESULT
GPtrArray *cnet_batch_copy_payloads (CnetBatch *batch, guint offset,
                                     GError **error);
G_GNUC_WARN_UNUSED_RESULT
GBytes *cnet_batch_copy_joined (CnetBatch *batch, guint offset, guint **lengths,
                                guint *n_lengths, GError **error);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_batch_set_data (CnetBatch *batch, const guint8 *data,
                              gsize length, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_batch_set_data_at (CnetBatch *batch, guint index,
                                 const guint8 *data, gsize length,
                                 GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_batch_write (CnetBatch *batch, guint offset, const guint8 *data,
                           gsize length, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_batch_set_length (CnetBatch *batch, guint length, GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_batch_set_length_at (CnetBatch *batch, guint index, guint length,
                                   GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetBatch, cnet_batch_unref)

GBytes *cnet_batch_get_arrival_times (CnetBatch *batch);
GBytes *cnet_batch_get_rx_hashes (CnetBatch *batch);
GBytes *cnet_batch_get_rx_metadata_flags (CnetBatch *batch);

G_END_DECLS
