/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "cnet-packet.h"
#include "cnet-private.h"
#include "cnet-rx-metadata-private.h"

/**
 * CnetPacket:
 *
 * One packet: a frame of a #CnetMempool and the bounds of the data in it.
 *
 * The header lives in the frame's own headroom, so receiving a packet
 * allocates nothing. A packet is owned by exactly one party at a time: the
 * application after cnet_port_rx_burst() or cnet_mempool_alloc_bulk(), the
 * kernel after cnet_port_tx_burst(), the mempool after
 * cnet_packet_free_bulk().
 *
 * For bindings the type is a refcounted boxed type: cnet_packet_unref()
 * dropping the last reference frees the frame back to its mempool. Every
 * accessor that can fail checks that the packet is still owned by the
 * application and stays within the frame, and reports misuse as a #GError
 * (%CNET_ERROR_INVALID_STATE, %CNET_ERROR_OUT_OF_RANGE) instead of touching
 * memory it must not.
 *
 * Since: 1.0
 */

G_DEFINE_BOXED_TYPE (CnetPacket, cnet_packet, cnet_packet_ref,
                     cnet_packet_unref)

static gboolean
cnet_packet_is_valid (CnetPacket *pkt)
{
  return pkt != NULL && pkt->magic == CNET_PACKET_MAGIC;
}

static gboolean
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

/* Makes @pkt keep its mempool alive: a binding may drop its mempool before
 * the packets it holds. The reference goes when the frame goes back. */
void
cnet_packet_pin_pool (CnetPacket *pkt)
{
  if (!pkt->pool_ref)
    {
      pkt->pool_ref = 1;
      g_object_ref (pkt->pool);
    }
}

/* Gives @n free frames back to @pool and then drops @n_pool_refs
 * references on it (the last may finalize it, so this comes last). */
static void
cnet_packet_return (CnetMempool *pool, const guint64 *addrs, guint n,
                    guint n_pool_refs)
{
  cnet_mempool_put_addrs (pool, addrs, n);
  while (n_pool_refs-- > 0)
    g_object_unref (pool);
}

/**
 * cnet_packet_ref:
 * @packet: a #CnetPacket
 *
 * Takes a reference on @packet, for bindings and for code that hands a
 * packet to several holders. The frame goes back to its mempool when the
 * last reference is dropped, and the mempool stays alive while a packet
 * someone took a reference on exists.
 *
 * Returns: (transfer full): @packet
 *
 * Since: 1.0
 */
CnetPacket *
cnet_packet_ref (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), NULL);
  g_return_val_if_fail (packet->state != CNET_PACKET_STATE_FREE &&
                          packet->state != CNET_PACKET_STATE_KERNEL,
                        NULL);

  g_atomic_int_inc (&packet->ref_count);
  cnet_packet_pin_pool (packet);
  return packet;
}

/**
 * cnet_packet_unref:
 * @packet: (transfer full): a #CnetPacket
 *
 * Drops a reference on @packet. Dropping the last one frees the frame back
 * to its mempool. A packet that was sent stays with the kernel until the
 * send completes, whoever else holds a reference.
 *
 * Since: 1.0
 */
void
cnet_packet_unref (CnetPacket *packet)
{
  CnetMempool *pool;
  gboolean pinned;

  g_return_if_fail (cnet_packet_is_valid (packet));
  g_return_if_fail (packet->state != CNET_PACKET_STATE_FREE &&
                    packet->state != CNET_PACKET_STATE_KERNEL);

  /* In flight, the kernel holds a reference too, so this is not the last:
   * the send completion (cnet_packet_drop_ref()) frees the frame then. */
  pool = packet->pool;
  pinned = packet->pool_ref;
  if (!g_atomic_int_dec_and_test (&packet->ref_count))
    return;
  packet->state = CNET_PACKET_STATE_FREE;
  packet->pool_ref = 0;
  cnet_packet_return (pool, &packet->addr, 1, pinned ? 1 : 0);
}

/**
 * cnet_packet_free_bulk: (skip)
 * @packets: (array length=n_packets): the packets to free
 * @n_packets: the number of packets
 *
 * Drops the caller's reference on each of @n_packets packets, as
 * cnet_packet_unref() does, giving the frames back to their mempools: this
 * is the C data path's way to drop packets after cnet_port_rx_burst().
 * Consecutive packets of the same mempool go back under one lock.
 *
 * Since: 1.0
 */
void
cnet_packet_free_bulk (CnetPacket **packets, guint n_packets)
{
  guint64 addrs[CNET_CACHE_BULK];
  CnetMempool *pool = NULL;
  guint n = 0;
  guint n_pool_refs = 0;

  for (guint i = 0; i < n_packets; i++)
    {
      CnetPacket *pkt = packets[i];
      gboolean pinned;

      g_return_if_fail (cnet_packet_is_valid (pkt));
      if (G_UNLIKELY (pkt->state != CNET_PACKET_STATE_OWNED &&
                      pkt->state != CNET_PACKET_STATE_SENT))
        {
          g_critical ("cnet_packet_free_bulk: packet in frame "
                      "%" G_GUINT64_FORMAT
                      " is not held by the application (double free, or "
                      "freed after sending?)",
                      pkt->addr >> pkt->pool->frame_shift);
          continue;
        }
      pinned = pkt->pool_ref;
      if (!cnet_packet_drop_ref (pkt, pkt->state))
        continue;
      pkt->pool_ref = 0;
      if (pkt->pool != pool || n == G_N_ELEMENTS (addrs))
        {
          if (n > 0)
            cnet_packet_return (pool, addrs, n, n_pool_refs);
          pool = pkt->pool;
          n = 0;
          n_pool_refs = 0;
        }
      addrs[n++] = pkt->addr;
      n_pool_refs += pinned ? 1 : 0;
    }
  if (n > 0)
    cnet_packet_return (pool, addrs, n, n_pool_refs);
}

/**
 * cnet_packet_get_mempool:
 * @packet: a #CnetPacket
 *
 * Returns: (transfer none): the mempool whose frame @packet is
 *
 * Since: 1.0
 */
CnetMempool *
cnet_packet_get_mempool (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), NULL);
  return packet->pool;
}

/**
 * cnet_packet_get_data:
 * @packet: a #CnetPacket
 * @length: (out): the number of data bytes
 *
 * Gets the packet's data in place. In C the pointer may be written through,
 * up to @length bytes; it stays valid while the application owns the
 * packet.
 *
 * Returns: (array length=length) (transfer none) (nullable): the data, or
 *   %NULL when the packet is not owned by the application
 *
 * Since: 1.0
 */
guint8 *
cnet_packet_get_data (CnetPacket *packet, gsize *length)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), NULL);
  g_return_val_if_fail (length != NULL, NULL);

  if (packet->state != CNET_PACKET_STATE_OWNED)
    {
      *length = 0;
      return NULL;
    }
  *length = packet->len;
  return cnet_packet_data_ptr (packet);
}

/**
 * cnet_packet_get_length:
 * @packet: a #CnetPacket
 *
 * Returns: the number of data bytes
 *
 * Since: 1.0
 */
guint
cnet_packet_get_length (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), 0);
  return packet->len;
}

/**
 * cnet_packet_get_headroom:
 * @packet: a #CnetPacket
 *
 * Returns: the number of bytes free in front of the data, which
 *   cnet_packet_prepend() may claim
 *
 * Since: 1.0
 */
guint
cnet_packet_get_headroom (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), 0);
  return packet->data_off - CNET_PACKET_HEADER_SIZE;
}

/**
 * cnet_packet_get_tailroom:
 * @packet: a #CnetPacket
 *
 * Returns: the number of bytes free after the data, which
 *   cnet_packet_append() may claim
 *
 * Since: 1.0
 */
guint
cnet_packet_get_tailroom (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), 0);
  return packet->buf_len - packet->data_off - packet->len;
}

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
 * cnet_packet_get_buffer_size:
 * @packet: a #CnetPacket
 *
 * Returns: the room for headroom, data and tailroom together: the frame
 *   size less the packet header
 *
 * Since: 1.0
 */
guint
cnet_packet_get_buffer_size (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), 0);
  return packet->buf_len - CNET_PACKET_HEADER_SIZE;
}

static gboolean
cnet_packet_check_room (CnetPacket *pkt, const char *what, guint want,
                        guint room, GError **error)
{
  if (want <= room)
    return TRUE;
  g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
               "packet in frame %" G_GUINT64_FORMAT ": cannot %s %u bytes, "
               "only %u there",
               pkt->addr >> pkt->pool->frame_shift, what, want, room);
  return FALSE;
}

/**
 * cnet_packet_set_length:
 * @packet: a #CnetPacket
 * @length: the new number of data bytes
 * @error: return location for a #GError
 *
 * Sets the length of the data, keeping its start. Growing exposes whatever
 * the frame held there before.
 *
 * Returns: %TRUE, or %FALSE with @error set when @length does not fit in
 *   the frame
 *
 * Since: 1.0
 */
gboolean
cnet_packet_set_length (CnetPacket *packet, guint length, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);

  if (!cnet_packet_check_owned (packet, error) ||
      !cnet_packet_check_room (packet, "hold", length,
                               packet->buf_len - packet->data_off, error))
    return FALSE;
  packet->len = length;
  return TRUE;
}

/**
 * cnet_packet_prepend:
 * @packet: a #CnetPacket
 * @length: bytes to add in front of the data
 * @error: return location for a #GError
 *
 * Moves the start of the data @length bytes into the headroom, for a header
 * the caller then writes with cnet_packet_write() at offset 0.
 *
 * Returns: %TRUE, or %FALSE with @error set when the headroom is too small
 *
 * Since: 1.0
 */
gboolean
cnet_packet_prepend (CnetPacket *packet, guint length, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);

  if (!cnet_packet_check_owned (packet, error) ||
      !cnet_packet_check_room (packet, "prepend", length,
                               cnet_packet_get_headroom (packet), error))
    return FALSE;
  packet->data_off -= length;
  packet->len += length;
  return TRUE;
}

/**
 * cnet_packet_append:
 * @packet: a #CnetPacket
 * @length: bytes to add after the data
 * @error: return location for a #GError
 *
 * Extends the data @length bytes into the tailroom.
 *
 * Returns: %TRUE, or %FALSE with @error set when the tailroom is too small
 *
 * Since: 1.0
 */
gboolean
cnet_packet_append (CnetPacket *packet, guint length, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);

  if (!cnet_packet_check_owned (packet, error) ||
      !cnet_packet_check_room (packet, "append", length,
                               cnet_packet_get_tailroom (packet), error))
    return FALSE;
  packet->len += length;
  return TRUE;
}

/**
 * cnet_packet_pull:
 * @packet: a #CnetPacket
 * @length: bytes to remove from the front of the data
 * @error: return location for a #GError
 *
 * Removes @length bytes from the front of the data (a header the caller has
 * read), giving them to the headroom.
 *
 * Returns: %TRUE, or %FALSE with @error set when the data is shorter
 *
 * Since: 1.0
 */
gboolean
cnet_packet_pull (CnetPacket *packet, guint length, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);

  if (!cnet_packet_check_owned (packet, error) ||
      !cnet_packet_check_room (packet, "pull", length, packet->len, error))
    return FALSE;
  packet->data_off += length;
  packet->len -= length;
  return TRUE;
}

/**
 * cnet_packet_trim:
 * @packet: a #CnetPacket
 * @length: bytes to remove from the end of the data
 * @error: return location for a #GError
 *
 * Removes @length bytes from the end of the data, giving them to the
 * tailroom.
 *
 * Returns: %TRUE, or %FALSE with @error set when the data is shorter
 *
 * Since: 1.0
 */
gboolean
cnet_packet_trim (CnetPacket *packet, guint length, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);

  if (!cnet_packet_check_owned (packet, error) ||
      !cnet_packet_check_room (packet, "trim", length, packet->len, error))
    return FALSE;
  packet->len -= length;
  return TRUE;
}

static gboolean
cnet_packet_check_span (CnetPacket *pkt, const char *what, guint offset,
                        gsize length, GError **error)
{
  if (offset <= pkt->len && length <= pkt->len - offset)
    return TRUE;
  g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
               "packet in frame %" G_GUINT64_FORMAT
               ": cannot %s %" G_GSIZE_FORMAT
               " bytes at offset %u: the data is %u bytes long",
               pkt->addr >> pkt->pool->frame_shift, what, length, offset,
               pkt->len);
  return FALSE;
}

/**
 * cnet_packet_read: (skip)
 * @packet: a #CnetPacket
 * @offset: where to start, from the start of the data
 * @buffer: (out caller-allocates) (array length=length): where to copy to
 * @length: how many bytes to copy
 * @error: return location for a #GError
 *
 * Copies @length bytes of data, starting at @offset, into @buffer. For C;
 * bindings use cnet_packet_read_bytes() (a caller-allocated buffer whose
 * length is an argument does not map onto Python).
 *
 * Returns: %TRUE, or %FALSE with @error set when the span is not all inside
 *   the data or the packet is not owned
 *
 * Since: 1.0
 */
gboolean
cnet_packet_read (CnetPacket *packet, guint offset, guint8 *buffer,
                  gsize length, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);
  g_return_val_if_fail (buffer != NULL || length == 0, FALSE);

  if (!cnet_packet_check_owned (packet, error) ||
      !cnet_packet_check_span (packet, "read", offset, length, error))
    return FALSE;
  memcpy (buffer, cnet_packet_data_ptr (packet) + offset, length);
  return TRUE;
}

/**
 * cnet_packet_read_bytes:
 * @packet: a #CnetPacket
 * @offset: where to start, from the start of the data
 * @length: how many bytes to copy
 * @error: return location for a #GError
 *
 * Copies @length bytes of data, starting at @offset, into a new #GBytes.
 *
 * Returns: (transfer full): the bytes, or %NULL with @error set
 *
 * Since: 1.0
 */
GBytes *
cnet_packet_read_bytes (CnetPacket *packet, guint offset, gsize length,
                        GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), NULL);

  if (!cnet_packet_check_owned (packet, error) ||
      !cnet_packet_check_span (packet, "read", offset, length, error))
    return NULL;
  return g_bytes_new (cnet_packet_data_ptr (packet) + offset, length);
}

/**
 * cnet_packet_write:
 * @packet: a #CnetPacket
 * @offset: where to start, from the start of the data
 * @data: (array length=length): the bytes to write
 * @length: the number of bytes
 * @error: return location for a #GError
 *
 * Copies @length bytes from @data into the packet at @offset. The span must
 * lie inside the current data: grow it first with cnet_packet_append(),
 * cnet_packet_prepend() or cnet_packet_set_length().
 *
 * Returns: %TRUE, or %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
cnet_packet_write (CnetPacket *packet, guint offset, const guint8 *data,
                   gsize length, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (!cnet_packet_check_owned (packet, error) ||
      !cnet_packet_check_span (packet, "write", offset, length, error))
    return FALSE;
  memcpy (cnet_packet_data_ptr (packet) + offset, data, length);
  return TRUE;
}

/**
 * cnet_packet_swap_macs:
 * @packet: a #CnetPacket
 *
 * Swaps the destination and source MAC addresses of an Ethernet frame, as
 * an echo or a reflector does. Frames shorter than 12 bytes and packets not
 * owned by the application are left alone.
 *
 * Since: 1.0
 */
void
cnet_packet_swap_macs (CnetPacket *packet)
{
  guint8 *d;

  g_return_if_fail (cnet_packet_is_valid (packet));
  if (packet->state != CNET_PACKET_STATE_OWNED || packet->len < 12)
    return;
  d = cnet_packet_data_ptr (packet);
  /* Two 6-byte fields as 4 + 2 bytes each: four loads, four stores. */
  {
    guint32 dst4, src4;
    guint16 dst2, src2;

    memcpy (&dst4, d, 4);
    memcpy (&dst2, d + 4, 2);
    memcpy (&src4, d + 6, 4);
    memcpy (&src2, d + 10, 2);
    memcpy (d, &src4, 4);
    memcpy (d + 4, &src2, 2);
    memcpy (d + 6, &dst4, 4);
    memcpy (d + 10, &dst2, 2);
  }
}
