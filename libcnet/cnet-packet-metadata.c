/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A packet's metadata: what the device says about a received packet (RX
 * metadata: arrival time, hash, hardware timestamp, VLAN tag) and what a
 * packet asks of the device when sent (TX checksum, TX timestamp).
 */
#include "config.h"

#include <string.h>

#include "cnet-mempool-private.h"
#include "cnet-packet-private.h"
#include "cnet-packet.h"
#include "cnet-rx-metadata-private.h"

/**
 * cnet_packet_get_rx_metadata_flags:
 * @packet: a #CnetPacket
 *
 * Which RX metadata fields of @packet are valid. A packet has metadata
 * when the port that received it asked for some (#CnetPort:rx-metadata)
 * and the XDP program wrote it; the device's fields are valid only where
 * the device had them for this frame (veth has a hash only for frames that
 * arrived as socket buffers). Prepending data over the metadata area (it
 * lies right before where the kernel placed the data) invalidates it;
 * pulling does not.
 *
 * Returns: the valid fields, %CNET_RX_METADATA_NONE for a packet without
 *   metadata (or no longer owned by the application)
 *
 * Since: 1.0
 */
CnetRxMetadataFlags
cnet_packet_get_rx_metadata_flags (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), CNET_RX_METADATA_NONE);
  return (CnetRxMetadataFlags) cnet_packet_rx_meta_flags (packet);
}

/**
 * cnet_packet_get_arrival_time:
 * @packet: a #CnetPacket
 * @nsec: (out) (optional): when the XDP program saw the frame, in
 *   nanoseconds of `CLOCK_MONOTONIC` (g_get_monotonic_time() * 1000 is
 *   the same clock)
 *
 * Returns: %TRUE when @packet has a valid arrival time
 *   (%CNET_RX_METADATA_ARRIVAL_TIME); %FALSE leaves @nsec 0
 *
 * Since: 1.0
 */
gboolean
cnet_packet_get_arrival_time (CnetPacket *packet, guint64 *nsec)
{
  const struct cnet_xdp_rx_meta *meta;

  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);
  meta = cnet_packet_rx_meta (packet);
  if (nsec != NULL)
    *nsec = 0;
  if (meta == NULL || !(meta->valid & CNET_XDP_META_ARRIVAL_TIME))
    return FALSE;
  if (nsec != NULL)
    *nsec = meta->arrival_ns;
  return TRUE;
}

/**
 * cnet_packet_get_rx_hash:
 * @packet: a #CnetPacket
 * @hash: (out) (optional): the device's RX hash
 * @hash_type: (out) (optional): its type, the kernel's
 *   `enum xdp_rss_hash_type` (which headers went in: L3, L4, IPv4/6, TCP,
 *   UDP ...)
 *
 * Returns: %TRUE when @packet has a valid RX hash
 *   (%CNET_RX_METADATA_HASH); %FALSE leaves the outputs 0
 *
 * Since: 1.0
 */
gboolean
cnet_packet_get_rx_hash (CnetPacket *packet, guint32 *hash, guint32 *hash_type)
{
  const struct cnet_xdp_rx_meta *meta;
  gboolean ok;

  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);
  meta = cnet_packet_rx_meta (packet);
  ok = meta != NULL && (meta->valid & CNET_XDP_META_HASH);
  if (hash != NULL)
    *hash = ok ? meta->hash : 0;
  if (hash_type != NULL)
    *hash_type = ok ? meta->hash_type : 0;
  return ok;
}

/**
 * cnet_packet_get_rx_hw_timestamp:
 * @packet: a #CnetPacket
 * @nsec: (out) (optional): the device's receive timestamp, in nanoseconds
 *   of the device's clock
 *
 * Returns: %TRUE when @packet has a valid hardware timestamp
 *   (%CNET_RX_METADATA_HW_TIMESTAMP); %FALSE leaves @nsec 0
 *
 * Since: 1.0
 */
gboolean
cnet_packet_get_rx_hw_timestamp (CnetPacket *packet, guint64 *nsec)
{
  const struct cnet_xdp_rx_meta *meta;

  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);
  meta = cnet_packet_rx_meta (packet);
  if (nsec != NULL)
    *nsec = 0;
  if (meta == NULL || !(meta->valid & CNET_XDP_META_HW_TIMESTAMP))
    return FALSE;
  if (nsec != NULL)
    *nsec = meta->hw_timestamp;
  return TRUE;
}

/**
 * cnet_packet_get_rx_vlan_tag:
 * @packet: a #CnetPacket
 * @proto: (out) (optional): the tag's protocol (0x8100 or 0x88a8)
 * @tci: (out) (optional): its tag control information: priority, DEI and
 *   VLAN id (@tci & 0xfff)
 *
 * The VLAN tag the device stripped from the frame (the data then has no
 * tag).
 *
 * Returns: %TRUE when @packet has a valid VLAN tag
 *   (%CNET_RX_METADATA_VLAN_TAG); %FALSE leaves the outputs 0
 *
 * Since: 1.0
 */
gboolean
cnet_packet_get_rx_vlan_tag (CnetPacket *packet, guint16 *proto, guint16 *tci)
{
  const struct cnet_xdp_rx_meta *meta;
  gboolean ok;

  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);
  meta = cnet_packet_rx_meta (packet);
  ok = meta != NULL && (meta->valid & CNET_XDP_META_VLAN_TAG);
  if (proto != NULL)
    *proto = ok ? meta->vlan_proto : 0;
  if (tci != NULL)
    *tci = ok ? meta->vlan_tci : 0;
  return ok;
}

/**
 * cnet_packet_request_tx_checksum:
 * @packet: a #CnetPacket
 * @start: where the checksummed bytes start, from the start of the data
 *   (for UDP or TCP: the L4 header)
 * @offset: where the checksum field is, from @start (6 for UDP, 16 for TCP)
 * @error: return location for a #GError
 *
 * Asks the device to fill in the checksum over the bytes from @start to the
 * end of the packet, as hardware checksum offload does: the field must
 * hold the checksum of the pseudo-header (not inverted) when the packet is
 * sent. The port must have %CNET_TX_METADATA_CHECKSUM in
 * #CnetPort:tx-metadata. The field must lie in the first segment.
 *
 * Returns: %TRUE on success; %FALSE with %CNET_ERROR_OUT_OF_RANGE when the
 *   field is not within the first segment's data
 *
 * Since: 1.0
 */
gboolean
cnet_packet_request_tx_checksum (CnetPacket *packet, guint start, guint offset,
                                 GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);

  if (!cnet_packet_check_owned (packet, error))
    return FALSE;
  if (start > G_MAXUINT16 || offset > G_MAXUINT16 ||
      (guint64) start + offset + 2 > packet->len)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "packet in frame %" G_GUINT64_FORMAT ": a checksum field "
                   "at %u + %u is not within the first segment's %u bytes",
                   packet->addr >> packet->pool->frame_shift, start, offset,
                   packet->len);
      return FALSE;
    }
  packet->tx_flags |= CNET_TX_METADATA_CHECKSUM;
  packet->csum_start = (guint16) start;
  packet->csum_offset = (guint16) offset;
  return TRUE;
}

/**
 * cnet_packet_request_tx_timestamp:
 * @packet: a #CnetPacket
 * @error: return location for a #GError
 *
 * Asks the kernel to report when @packet was sent: keep a reference on the
 * packet (bindings do), send it, and once the port took its completion
 * back (cnet_port_tx_flush() returns 0) cnet_packet_get_tx_timestamp()
 * gives the time. The port must have %CNET_TX_METADATA_TIMESTAMP in
 * #CnetPort:tx-metadata.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
cnet_packet_request_tx_timestamp (CnetPacket *packet, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);

  if (!cnet_packet_check_owned (packet, error))
    return FALSE;
  packet->tx_flags |= CNET_TX_METADATA_TIMESTAMP;
  return TRUE;
}

/**
 * cnet_packet_get_tx_requests:
 * @packet: a #CnetPacket
 *
 * Returns: what @packet asks of the device when it is sent; a received or
 *   newly allocated packet asks nothing
 *
 * Since: 1.0
 */
CnetTxMetadataFlags
cnet_packet_get_tx_requests (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), CNET_TX_METADATA_NONE);
  return (CnetTxMetadataFlags) packet->tx_flags;
}

/**
 * cnet_packet_get_tx_timestamp:
 * @packet: a #CnetPacket
 * @timestamp: (out): when the packet was sent, in nanoseconds of
 *   `CLOCK_TAI`
 * @error: return location for a #GError
 *
 * Gets the time the kernel reported for a packet sent with
 * cnet_packet_request_tx_timestamp(). In copy mode it is the time the
 * kernel freed the frame's socket buffer after the device took it (a
 * software timestamp); in zero-copy mode, the device's.
 *
 * Returns: (skip): %TRUE on success; %FALSE with %CNET_ERROR_INVALID_STATE
 *   when the packet has not been sent and completed, or did not ask for a
 *   timestamp (bindings raise the error and return the timestamp)
 *
 * Since: 1.0
 */
gboolean
cnet_packet_get_tx_timestamp (CnetPacket *packet, guint64 *timestamp,
                              GError **error)
{
  const guint8 *meta;

  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);
  g_return_val_if_fail (timestamp != NULL, FALSE);

  *timestamp = 0;
  if (packet->state != CNET_PACKET_STATE_SENT ||
      !(packet->tx_flags & CNET_TX_METADATA_TIMESTAMP) ||
      packet->tx_meta_len == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
                   "packet in frame %" G_GUINT64_FORMAT ": no TX timestamp: "
                   "%s",
                   packet->addr >> packet->pool->frame_shift,
                   !(packet->tx_flags & CNET_TX_METADATA_TIMESTAMP)
                     ? "none was requested"
                     : "it has not been sent and completed yet");
      return FALSE;
    }
  /* struct xsk_tx_metadata: __u64 flags, then the completion's
   * tx_timestamp, which the kernel wrote in front of the data. */
  meta = cnet_packet_data_ptr (packet) - packet->tx_meta_len;
  memcpy (timestamp, meta + 8, sizeof *timestamp);
  return TRUE;
}
