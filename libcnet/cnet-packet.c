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

static void cnet_packet_free_chain (CnetMempool *pool, CnetPacket *seg);

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

/* Gives the segments after @head back to the mempool and unlinks them: a
 * multi-buffer packet's frames go back together. The segments never carry
 * references of their own (only the head does), so this is the only way
 * they go back while the application owns the packet. */
void
cnet_packet_free_segments (CnetPacket *head)
{
  CnetPacket *first = head->next;

  head->next = NULL;
  cnet_packet_free_chain (head->pool, first);
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
  if (G_UNLIKELY (packet->next != NULL))
    cnet_packet_free_segments (packet);
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
      if (G_UNLIKELY (pkt->next != NULL))
        cnet_packet_free_segments (pkt);
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
 * cnet_packet_get_data: (skip)
 * @packet: a #CnetPacket
 * @length: (out): the number of data bytes
 *
 * Gets the packet's data in place. In C the pointer may be written through,
 * up to @length bytes; it stays valid while the application owns the
 * packet. This is the data path's accessor: it does not report why it
 * returns %NULL; cnet_packet_get_data_checked() does (and is what bindings
 * call `get_data`).
 *
 * For a multi-buffer packet (one received on a port with
 * #CnetPort:multi-buffer, or grown with cnet_packet_resize()) this is the
 * first segment only, which holds the headers; cnet_packet_get_segment()
 * gives the others, cnet_packet_read() and cnet_packet_write() work across
 * them.
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

/* The data bytes of every segment. */
guint
cnet_packet_total_length (CnetPacket *pkt)
{
  guint total = pkt->len;

  for (CnetPacket *seg = pkt->next; seg != NULL; seg = seg->next)
    total += seg->len;
  return total;
}

/**
 * cnet_packet_get_data_checked: (rename-to cnet_packet_get_data)
 * @packet: a #CnetPacket
 * @length: (out): the number of data bytes
 * @error: return location for a #GError
 *
 * Gets the packet's data, as cnet_packet_get_data() does, but says why
 * when it cannot: a packet that was sent or freed is no longer the
 * application's (%CNET_ERROR_INVALID_STATE), like every other accessor
 * that can fail. Bindings know this as `get_data`.
 *
 * Returns: (array length=length) (transfer none): the data, or %NULL with
 *   @error set
 *
 * Since: 1.0
 */
guint8 *
cnet_packet_get_data_checked (CnetPacket *packet, gsize *length,
                              GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), NULL);
  g_return_val_if_fail (length != NULL, NULL);

  *length = 0;
  if (!cnet_packet_check_owned (packet, error))
    return NULL;
  *length = packet->len;
  return cnet_packet_data_ptr (packet);
}

/**
 * cnet_packet_get_length:
 * @packet: a #CnetPacket
 *
 * Returns: the number of data bytes, of all segments of a multi-buffer
 *   packet
 *
 * Since: 1.0
 */
guint
cnet_packet_get_length (CnetPacket *packet)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), 0);
  if (G_LIKELY (packet->next == NULL))
    return packet->len;
  return cnet_packet_total_length (packet);
}

/**
 * cnet_packet_get_n_segments:
 * @packet: a #CnetPacket
 *
 * A packet larger than one frame (multi-buffer, see #CnetPort:multi-buffer)
 * is a chain of frames, each holding one segment of the data; the first
 * holds the headers.
 *
 * Returns: the number of segments: 1 for a packet in one frame
 *
 * Since: 1.0
 */
guint
cnet_packet_get_n_segments (CnetPacket *packet)
{
  guint n = 1;

  g_return_val_if_fail (cnet_packet_is_valid (packet), 0);
  for (CnetPacket *seg = packet->next; seg != NULL; seg = seg->next)
    n++;
  return n;
}

/**
 * cnet_packet_get_segment:
 * @packet: a #CnetPacket
 * @index: the segment, from 0
 * @length: (out): the number of data bytes in the segment
 *
 * Gets one segment of the packet's data in place, without copying: in C
 * the pointer may be written through, up to @length bytes, while the
 * application owns the packet. Segment 0 is what cnet_packet_get_data()
 * gives.
 *
 * Returns: (array length=length) (transfer none) (nullable): the segment's
 *   data, or %NULL when @index is not a segment of @packet or the packet is
 *   not owned by the application
 *
 * Since: 1.0
 */
guint8 *
cnet_packet_get_segment (CnetPacket *packet, guint index, gsize *length)
{
  CnetPacket *seg = packet;

  g_return_val_if_fail (cnet_packet_is_valid (packet), NULL);
  g_return_val_if_fail (length != NULL, NULL);

  *length = 0;
  if (packet->state != CNET_PACKET_STATE_OWNED)
    return NULL;
  for (guint i = 0; i < index && seg != NULL; i++)
    seg = seg->next;
  if (seg == NULL)
    return NULL;
  *length = seg->len;
  return cnet_packet_data_ptr (seg);
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
  while (packet->next != NULL)
    packet = packet->next;
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

/* The bytes a segment may hold from its first data byte on. */
static inline guint
cnet_packet_segment_room (CnetPacket *seg)
{
  return seg->buf_len - seg->data_off;
}

/* Gives the frames of the segments from @seg on back to @pool. */
static void
cnet_packet_free_chain (CnetMempool *pool, CnetPacket *seg)
{
  guint64 addrs[CNET_PACKET_MAX_SEGMENTS];
  guint n = 0;

  for (; seg != NULL; seg = seg->next)
    {
      seg->state = CNET_PACKET_STATE_FREE;
      seg->ref_count = 0;
      addrs[n++] = seg->addr;
      if (n == G_N_ELEMENTS (addrs))
        {
          cnet_mempool_put_addrs (pool, addrs, n);
          n = 0;
        }
    }
  if (n > 0)
    cnet_mempool_put_addrs (pool, addrs, n);
}

/* Sets the total length of the chain at @pkt to @length. Only the last
 * segment changes size; segments past the new end go back to the mempool;
 * with @grow, new segments come from the mempool (full, but for the last).
 * Without @grow the data must fit the frames the packet has. */
gboolean
cnet_packet_change_length (CnetPacket *pkt, const char *what, guint length,
                           gboolean grow, GError **error)
{
  CnetPacket *last = pkt;
  guint before = 0, n = 1, room;

  /* The segment the new end falls in (or the last one). */
  while (last->next != NULL && before + last->len < length)
    {
      before += last->len;
      last = last->next;
      n++;
    }
  if (last->next != NULL)
    {
      /* Shrinking: the segments after it go. */
      cnet_packet_free_chain (pkt->pool, last->next);
      last->next = NULL;
    }
  room = cnet_packet_segment_room (last);
  if (length - before <= room)
    {
      last->len = (guint16) (length - before);
      return TRUE;
    }
  if (!grow)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "packet in frame %" G_GUINT64_FORMAT ": cannot %s %u "
                   "bytes, only %u there%s",
                   pkt->addr >> pkt->pool->frame_shift, what, length,
                   before + room,
                   n == 1 ? " (cnet_packet_resize() chains more frames)" : "");
      return FALSE;
    }

  /* Growing: fill the last segment, then chain new frames. */
  {
    guint frame_room = pkt->pool->frame_size - pkt->pool->umem_headroom;
    guint rest = length - before - room;
    guint need = (rest + frame_room - 1) / frame_room;
    guint64 addrs[CNET_PACKET_MAX_SEGMENTS];

    if (n + need > CNET_PACKET_MAX_SEGMENTS)
      {
        g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                     "packet in frame %" G_GUINT64_FORMAT ": %u bytes need "
                     "%u frames of %u bytes; a packet has at most %u",
                     pkt->addr >> pkt->pool->frame_shift, length, n + need,
                     pkt->pool->frame_size, CNET_PACKET_MAX_SEGMENTS);
        return FALSE;
      }
    /* All or nothing. */
    if (cnet_mempool_get_addrs (pkt->pool, addrs, need) < need)
      {
        g_set_error (error, CNET_ERROR, CNET_ERROR_EXHAUSTED,
                     "packet in frame %" G_GUINT64_FORMAT ": no free frames "
                     "for %u more segments (the mempool is exhausted)",
                     pkt->addr >> pkt->pool->frame_shift, need);
        return FALSE;
      }
    last->len = (guint16) room;
    for (guint i = 0; i < need; i++)
      {
        CnetPacket *seg = cnet_mempool_packet_at (pkt->pool, addrs[i]);
        guint take = MIN (rest, frame_room);

        cnet_packet_init_owned (seg, (guint16) pkt->pool->umem_headroom,
                                (guint16) take);
        last->next = seg;
        last = seg;
        rest -= take;
      }
  }
  return TRUE;
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

  return cnet_packet_check_owned (packet, error) &&
         cnet_packet_change_length (packet, "hold", length, FALSE, error);
}

/**
 * cnet_packet_resize:
 * @packet: a #CnetPacket
 * @length: the new number of data bytes
 * @error: return location for a #GError
 *
 * Sets the packet's length, as cnet_packet_set_length() does, but a packet
 * may grow past its frame: frames of the packet's mempool are chained on as
 * further segments (a multi-buffer packet, which a port sends only with
 * #CnetPort:multi-buffer), at most %CNET_PACKET_MAX_SEGMENTS in all.
 * Shrinking gives segments no longer needed back to the mempool. This is
 * how a binding writes a jumbo frame: resize, then cnet_packet_write().
 *
 * The new bytes are not cleared.
 *
 * Returns: %TRUE on success; %FALSE with %CNET_ERROR_OUT_OF_RANGE when
 *   @length needs more than %CNET_PACKET_MAX_SEGMENTS frames, or
 *   %CNET_ERROR_EXHAUSTED when the mempool has no free frame for a segment
 *
 * Since: 1.0
 */
gboolean
cnet_packet_resize (CnetPacket *packet, guint length, GError **error)
{
  g_return_val_if_fail (cnet_packet_is_valid (packet), FALSE);

  return cnet_packet_check_owned (packet, error) &&
         cnet_packet_change_length (packet, "hold", length, TRUE, error);
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

  if (G_UNLIKELY (packet->next != NULL))
    return cnet_packet_check_owned (packet, error) &&
           cnet_packet_check_room (packet, "append", length,
                                   cnet_packet_get_tailroom (packet), error) &&
           cnet_packet_change_length (packet, "append",
                                      cnet_packet_total_length (packet) +
                                        length,
                                      FALSE, error);
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

  if (G_UNLIKELY (packet->next != NULL))
    {
      guint total = cnet_packet_total_length (packet);

      return cnet_packet_check_owned (packet, error) &&
             cnet_packet_check_room (packet, "trim", length, total, error) &&
             cnet_packet_change_length (packet, "trim", total - length, FALSE,
                                        error);
    }
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
  guint total =
    G_LIKELY (pkt->next == NULL) ? pkt->len : cnet_packet_total_length (pkt);

  if (offset <= total && length <= total - offset)
    return TRUE;
  g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
               "packet in frame %" G_GUINT64_FORMAT
               ": cannot %s %" G_GSIZE_FORMAT
               " bytes at offset %u: the data is %u bytes long",
               pkt->addr >> pkt->pool->frame_shift, what, length, offset,
               total);
  return FALSE;
}

/* Copies between @buf and the chain at @pkt, from @offset on, @length bytes
 * (checked by the caller): into the packet with @to_packet. */
void
cnet_packet_copy_chain (CnetPacket *pkt, guint offset, guint8 *buf,
                        gsize length, gboolean to_packet)
{
  for (CnetPacket *seg = pkt; seg != NULL && length > 0; seg = seg->next)
    {
      gsize take;

      if (offset >= seg->len)
        {
          offset -= seg->len;
          continue;
        }
      take = MIN (length, (gsize) (seg->len - offset));
      if (to_packet)
        memcpy (cnet_packet_data_ptr (seg) + offset, buf, take);
      else
        memcpy (buf, cnet_packet_data_ptr (seg) + offset, take);
      buf += take;
      length -= take;
      offset = 0;
    }
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
  cnet_packet_copy_chain (packet, offset, buffer, length, FALSE);
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
  if (G_UNLIKELY (packet->next != NULL))
    {
      guint8 *copy = g_malloc (length + 1);

      cnet_packet_copy_chain (packet, offset, copy, length, FALSE);
      return g_bytes_new_take (copy, length);
    }
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
  cnet_packet_copy_chain (packet, offset, (guint8 *) data, length, TRUE);
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
