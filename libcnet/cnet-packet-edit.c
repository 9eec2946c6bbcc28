/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changing a packet: its bounds (length, resize across frames, prepend,
 * append, pull, trim) and its bytes (read, write, swap MACs).
 */
#include "config.h"

#include <string.h>

#include "cnet-mempool-private.h"
#include "cnet-packet-private.h"
#include "cnet-packet.h"

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
