/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include "cnet-mempool-private.h"
#include "cnet-packet-private.h"
#include "cnet-packet.h"

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

/* Gives the frames of the segments from @seg on back to @pool. */
void
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
cnet_packet_get_data_checked (CnetPacket *packet, gsize *length, GError **error)
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
