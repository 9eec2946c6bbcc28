/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a batch does to every packet at once, in C, for bindings: swap
 * MACs, keep or drop by a header field, copy payloads out, write data and
 * lengths in, and read the RX metadata of the burst. cnet-batch.c holds
 * the batch itself.
 */
#include "config.h"

#include <string.h>

#include "cnet-batch-private.h"
#include "cnet-batch.h"
#include "cnet-mempool-private.h"
#include "cnet-mempool.h"
#include "cnet-packet-private.h"
#include "cnet-packet.h"
#include "cnet-rx-metadata-private.h"

#define CNET_ETH_HLEN 14
#define CNET_ETHERTYPE_IPV4 0x0800
#define CNET_ETHERTYPE_IPV6 0x86dd
#define CNET_ETHERTYPE_VLAN 0x8100
#define CNET_ETHERTYPE_QINQ 0x88a8
#define CNET_IPPROTO_TCP 6
#define CNET_IPPROTO_UDP 17

/**
 * cnet_batch_swap_macs:
 * @batch: a #CnetBatch
 *
 * Swaps the destination and source MAC addresses of every frame, as
 * cnet_packet_swap_macs() does: what an echo or a reflector does before
 * sending a batch back. Frames shorter than 12 bytes and packets that were
 * sent are left alone.
 *
 * Returns: the number of frames changed
 *
 * Since: 1.0
 */
guint
cnet_batch_swap_macs (CnetBatch *batch)
{
  guint n = 0;

  g_return_val_if_fail (cnet_batch_is_valid (batch), 0);

  for (guint i = 0; i < batch->n_packets; i++)
    {
      CnetPacket *pkt = batch->packets[i];
      guint8 tmp[6];
      guint8 *d;

      if (G_UNLIKELY (pkt->state != CNET_PACKET_STATE_OWNED || pkt->len < 12))
        continue;
      d = cnet_packet_data_ptr (pkt);
      memcpy (tmp, d, 6);
      memcpy (d, d + 6, 6);
      memcpy (d + 6, tmp, 6);
      n++;
    }
  return n;
}

static inline guint
cnet_be16 (const guint8 *p)
{
  return (guint) p[0] << 8 | p[1];
}

/* Reads the field @match names from a frame. FALSE when the frame does
 * not have it. */
static gboolean
cnet_batch_read_field (const guint8 *d, guint len, CnetBatchMatch match,
                       guint *value)
{
  guint l3 = CNET_ETH_HLEN;
  guint ethertype, l4, proto;
  gboolean has_l4;

  if (len < CNET_ETH_HLEN)
    return FALSE;
  ethertype = cnet_be16 (d + 12);
  if (ethertype == CNET_ETHERTYPE_VLAN || ethertype == CNET_ETHERTYPE_QINQ)
    {
      if (len < CNET_ETH_HLEN + 4)
        return FALSE;
      ethertype = cnet_be16 (d + 16);
      l3 += 4;
    }
  if (match == CNET_BATCH_MATCH_ETHERTYPE)
    {
      *value = ethertype;
      return TRUE;
    }

  if (ethertype == CNET_ETHERTYPE_IPV4)
    {
      guint ihl;

      if (len < l3 + 20 || (d[l3] >> 4) != 4)
        return FALSE;
      ihl = (d[l3] & 0x0fu) * 4;
      if (ihl < 20)
        return FALSE;
      proto = d[l3 + 9];
      l4 = l3 + ihl;
      /* Only the first fragment carries the ports. */
      has_l4 = (cnet_be16 (d + l3 + 6) & 0x1fffu) == 0;
    }
  else if (ethertype == CNET_ETHERTYPE_IPV6)
    {
      if (len < l3 + 40 || (d[l3] >> 4) != 6)
        return FALSE;
      proto = d[l3 + 6];
      l4 = l3 + 40;
      has_l4 = TRUE;
    }
  else
    return FALSE;

  switch (match)
    {
    case CNET_BATCH_MATCH_IP_PROTOCOL:
      *value = proto;
      return TRUE;
    case CNET_BATCH_MATCH_UDP_DST_PORT:
    case CNET_BATCH_MATCH_TCP_DST_PORT:
      if (proto != (match == CNET_BATCH_MATCH_UDP_DST_PORT
                      ? CNET_IPPROTO_UDP
                      : CNET_IPPROTO_TCP) ||
          !has_l4 || len < l4 + 4)
        return FALSE;
      *value = cnet_be16 (d + l4 + 2);
      return TRUE;
    case CNET_BATCH_MATCH_ETHERTYPE:
    default:
      return FALSE;
    }
}

static gboolean
cnet_batch_matches (CnetPacket *pkt, CnetBatchMatch match, guint value)
{
  guint field;

  return pkt->state == CNET_PACKET_STATE_OWNED &&
         cnet_batch_read_field (cnet_packet_data_ptr (pkt), pkt->len, match,
                                &field) &&
         field == value;
}

/* Keeps the packets whose match equals @keep_matching, in order, and drops
 * the batch's reference on the others. */
static guint
cnet_batch_filter (CnetBatch *batch, CnetBatchMatch match, guint value,
                   gboolean keep_matching)
{
  CnetPacket *removed[64];
  guint n_removed = 0, total = 0, w = 0;

  for (guint i = 0; i < batch->n_packets; i++)
    {
      CnetPacket *pkt = batch->packets[i];

      if (cnet_batch_matches (pkt, match, value) == keep_matching)
        {
          batch->packets[w++] = pkt;
          continue;
        }
      if (n_removed == G_N_ELEMENTS (removed))
        {
          cnet_batch_release (removed, n_removed);
          n_removed = 0;
        }
      removed[n_removed++] = pkt;
      total++;
    }
  batch->n_packets = w;
  cnet_batch_release (removed, n_removed);
  return total;
}

/**
 * cnet_batch_keep:
 * @batch: a #CnetBatch
 * @match: the field to compare
 * @value: the value to keep, in host byte order
 *
 * Keeps the packets whose @match field equals @value and drops the others
 * (the batch lets go of them: packets nobody else holds go back to their
 * mempool). The kept packets stay in order. A UDP service keeps its own
 * traffic with `cnet_batch_keep (batch, CNET_BATCH_MATCH_UDP_DST_PORT,
 * 4789)`.
 *
 * Returns: the number of packets dropped
 *
 * Since: 1.0
 */
guint
cnet_batch_keep (CnetBatch *batch, CnetBatchMatch match, guint value)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), 0);
  g_return_val_if_fail (match <= CNET_BATCH_MATCH_TCP_DST_PORT, 0);

  return cnet_batch_filter (batch, match, value, TRUE);
}

/**
 * cnet_batch_drop:
 * @batch: a #CnetBatch
 * @match: the field to compare
 * @value: the value to drop, in host byte order
 *
 * Drops the packets whose @match field equals @value and keeps the others,
 * in order: the opposite of cnet_batch_keep().
 *
 * Returns: the number of packets dropped
 *
 * Since: 1.0
 */
guint
cnet_batch_drop (CnetBatch *batch, CnetBatchMatch match, guint value)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), 0);
  g_return_val_if_fail (match <= CNET_BATCH_MATCH_TCP_DST_PORT, 0);

  return cnet_batch_filter (batch, match, value, FALSE);
}

/* The bytes of a packet's data from @offset on, over all its segments. */
static inline guint
cnet_batch_tail_length (CnetPacket *pkt, guint offset)
{
  guint len =
    G_LIKELY (pkt->next == NULL) ? pkt->len : cnet_packet_total_length (pkt);

  return len > offset ? len - offset : 0;
}

/**
 * cnet_batch_copy_payloads:
 * @batch: a #CnetBatch
 * @offset: where each copy starts, from the start of the packet's data: 0
 *   for whole frames, 42 for the payload of UDP over IPv4 without options
 * @error: return location for a #GError
 *
 * Copies the data of every packet, from @offset to its end, into a #GBytes
 * each. Packets shorter than @offset give empty bytes.
 *
 * Returns: (transfer container) (element-type GBytes): the copies, in
 *   the batch's order, or %NULL with %CNET_ERROR_INVALID_STATE when a
 *   packet was sent. The array owns its #GBytes (it has g_bytes_unref()
 *   as its free function): g_ptr_array_unref() frees them all. (The
 *   annotation says "container" because PyGObject 3.42 frees the
 *   elements of a "full" array a second time when it has a free
 *   function.)
 *
 * Since: 1.0
 */
GPtrArray *
cnet_batch_copy_payloads (CnetBatch *batch, guint offset, GError **error)
{
  GPtrArray *copies;

  g_return_val_if_fail (cnet_batch_is_valid (batch), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!cnet_batch_check_all_owned (batch, error))
    return NULL;
  copies =
    g_ptr_array_new_full (batch->n_packets, (GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < batch->n_packets; i++)
    {
      CnetPacket *pkt = batch->packets[i];
      guint len = cnet_batch_tail_length (pkt, offset);

      if (G_UNLIKELY (pkt->next != NULL))
        {
          guint8 *copy = g_malloc (len + 1);

          cnet_packet_copy_chain (pkt, offset, copy, len, FALSE);
          g_ptr_array_add (copies, g_bytes_new_take (copy, len));
          continue;
        }
      g_ptr_array_add (copies, g_bytes_new (cnet_packet_data_ptr (pkt) +
                                              (len ? offset : 0),
                                            len));
    }
  return copies;
}

/**
 * cnet_batch_copy_joined:
 * @batch: a #CnetBatch
 * @offset: where each copy starts, as for cnet_batch_copy_payloads()
 * @lengths: (out) (array length=n_lengths) (transfer full): the length of
 *   each packet's part
 * @n_lengths: (out): the number of packets
 * @error: return location for a #GError
 *
 * Copies the data of every packet, from @offset to its end, one after the
 * other into a single #GBytes, and gives the length of each part: the
 * cheapest way to hand a burst to a binding (one buffer instead of one
 * object per packet).
 *
 * Returns: (transfer full): the joined copies, or %NULL with
 *   %CNET_ERROR_INVALID_STATE when a packet was sent
 *
 * Since: 1.0
 */
GBytes *
cnet_batch_copy_joined (CnetBatch *batch, guint offset, guint **lengths,
                        guint *n_lengths, GError **error)
{
  g_autofree guint *lens = NULL;
  guint8 *buf, *p;
  gsize total = 0;

  g_return_val_if_fail (cnet_batch_is_valid (batch), NULL);
  g_return_val_if_fail (lengths != NULL && n_lengths != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  *lengths = NULL;
  *n_lengths = 0;
  if (!cnet_batch_check_all_owned (batch, error))
    return NULL;
  lens = g_new (guint, batch->n_packets + 1);
  for (guint i = 0; i < batch->n_packets; i++)
    {
      lens[i] = cnet_batch_tail_length (batch->packets[i], offset);
      total += lens[i];
    }
  p = buf = g_malloc (total + 1);
  for (guint i = 0; i < batch->n_packets; i++)
    {
      if (lens[i] > 0)
        cnet_packet_copy_chain (batch->packets[i], offset, p, lens[i], FALSE);
      p += lens[i];
    }
  *n_lengths = batch->n_packets;
  *lengths = g_steal_pointer (&lens);
  return g_bytes_new_take (buf, total);
}

/* Room for data in @pkt from the start of its data to the end of the
 * frame. */
static inline guint
cnet_batch_data_room (CnetPacket *pkt)
{
  guint room = 0;

  /* A chain: every segment as it is, the last up to its frame's end. */
  for (; pkt->next != NULL; pkt = pkt->next)
    room += pkt->len;
  return room + pkt->buf_len - pkt->data_off;
}

static gboolean
cnet_batch_check_fits (CnetBatch *batch, guint index, gsize length,
                       GError **error)
{
  CnetPacket *pkt = batch->packets[index];

  if (G_LIKELY (length <= cnet_batch_data_room (pkt)))
    return TRUE;
  g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
               "batch: packet %u (frame %" G_GUINT64_FORMAT ") cannot hold "
               "%" G_GSIZE_FORMAT " bytes, only %u",
               index, pkt->addr >> pkt->pool->frame_shift, length,
               cnet_batch_data_room (pkt));
  return FALSE;
}

/**
 * cnet_batch_set_data:
 * @batch: a #CnetBatch
 * @data: (array length=length): the bytes
 * @length: the number of bytes
 * @error: return location for a #GError
 *
 * Makes @data the data of every packet: each gets a copy and a length of
 * @length. A sender fills a batch of cnet_batch_alloc()ed packets from a
 * template this way and patches them with cnet_batch_write().
 *
 * Every packet is checked first: on error no packet was changed.
 *
 * Returns: %TRUE, or %FALSE with @error set: %CNET_ERROR_OUT_OF_RANGE when
 *   a packet's frame is too small, %CNET_ERROR_INVALID_STATE when a packet
 *   was sent
 *
 * Since: 1.0
 */
gboolean
cnet_batch_set_data (CnetBatch *batch, const guint8 *data, gsize length,
                     GError **error)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < batch->n_packets; i++)
    if (!cnet_batch_check_owned (batch, i, error) ||
        !cnet_batch_check_fits (batch, i, length, error))
      return FALSE;
  for (guint i = 0; i < batch->n_packets; i++)
    {
      CnetPacket *pkt = batch->packets[i];

      if (G_UNLIKELY (pkt->next != NULL))
        {
          /* Checked to fit above: cannot fail. */
          if (!cnet_packet_change_length (pkt, "hold", (guint) length, FALSE,
                                          NULL))
            g_assert_not_reached ();
          cnet_packet_copy_chain (pkt, 0, (guint8 *) data, length, TRUE);
          continue;
        }
      if (length > 0)
        memcpy (cnet_packet_data_ptr (pkt), data, length);
      pkt->len = (guint16) length;
    }
  return TRUE;
}

/**
 * cnet_batch_set_data_at:
 * @batch: a #CnetBatch
 * @index: the packet's position, from 0
 * @data: (array length=length): the bytes
 * @length: the number of bytes
 * @error: return location for a #GError
 *
 * Makes @data the data of one packet: it gets a copy and a length of
 * @length. Data longer than the packet's frame is spread over frames of
 * its mempool chained on as segments (cnet_packet_resize()): this is how a
 * binding writes a jumbo frame for a port with #CnetPort:multi-buffer.
 *
 * Returns: %TRUE, or %FALSE with @error set: %CNET_ERROR_OUT_OF_RANGE when
 *   there is no such packet or @length needs more than
 *   %CNET_PACKET_MAX_SEGMENTS frames, %CNET_ERROR_EXHAUSTED when the
 *   mempool has no frame left for a segment, %CNET_ERROR_INVALID_STATE when
 *   it was sent
 *
 * Since: 1.0
 */
gboolean
cnet_batch_set_data_at (CnetBatch *batch, guint index, const guint8 *data,
                        gsize length, GError **error)
{
  CnetPacket *pkt;

  g_return_val_if_fail (cnet_batch_is_valid (batch), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cnet_batch_check_index (batch, index, error) ||
      !cnet_batch_check_owned (batch, index, error))
    return FALSE;
  pkt = batch->packets[index];
  if (length > G_MAXUINT ||
      !cnet_packet_change_length (pkt, "hold", (guint) length, TRUE, error))
    {
      if (length > G_MAXUINT)
        g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                     "batch: packet %u cannot hold %" G_GSIZE_FORMAT " bytes",
                     index, length);
      return FALSE;
    }
  cnet_packet_copy_chain (pkt, 0, (guint8 *) data, length, TRUE);
  return TRUE;
}

/**
 * cnet_batch_write:
 * @batch: a #CnetBatch
 * @offset: where to write, from the start of each packet's data
 * @data: (array length=length): the bytes
 * @length: the number of bytes
 * @error: return location for a #GError
 *
 * Writes @data at @offset into every packet, inside its current data (as
 * cnet_packet_write() does): a forwarder rewrites the MAC addresses of a
 * burst with one call at offset 0.
 *
 * Every packet is checked first: on error no packet was changed.
 *
 * Returns: %TRUE, or %FALSE with @error set: %CNET_ERROR_OUT_OF_RANGE when
 *   a packet's data is too short, %CNET_ERROR_INVALID_STATE when a packet
 *   was sent
 *
 * Since: 1.0
 */
gboolean
cnet_batch_write (CnetBatch *batch, guint offset, const guint8 *data,
                  gsize length, GError **error)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < batch->n_packets; i++)
    {
      CnetPacket *pkt = batch->packets[i];

      guint len;

      if (!cnet_batch_check_owned (batch, i, error))
        return FALSE;
      len = G_LIKELY (pkt->next == NULL) ? pkt->len
                                         : cnet_packet_total_length (pkt);
      if (offset > len || length > len - offset)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                       "batch: cannot write %" G_GSIZE_FORMAT " bytes at "
                       "offset %u of packet %u: its data is %u bytes long",
                       length, offset, i, len);
          return FALSE;
        }
    }
  if (length > 0)
    for (guint i = 0; i < batch->n_packets; i++)
      cnet_packet_copy_chain (batch->packets[i], offset, (guint8 *) data,
                              length, TRUE);
  return TRUE;
}

/**
 * cnet_batch_set_length:
 * @batch: a #CnetBatch
 * @length: the new number of data bytes
 * @error: return location for a #GError
 *
 * Sets the length of every packet's data, keeping its start, as
 * cnet_packet_set_length() does. Growing exposes what the frame held
 * before.
 *
 * Every packet is checked first: on error no packet was changed.
 *
 * Returns: %TRUE, or %FALSE with @error set: %CNET_ERROR_OUT_OF_RANGE when
 *   a packet's frame is too small, %CNET_ERROR_INVALID_STATE when a packet
 *   was sent
 *
 * Since: 1.0
 */
gboolean
cnet_batch_set_length (CnetBatch *batch, guint length, GError **error)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < batch->n_packets; i++)
    if (!cnet_batch_check_owned (batch, i, error) ||
        !cnet_batch_check_fits (batch, i, length, error))
      return FALSE;
  for (guint i = 0; i < batch->n_packets; i++)
    if (!cnet_packet_change_length (batch->packets[i], "hold", length, FALSE,
                                    NULL))
      g_assert_not_reached (); /* checked to fit above */
  return TRUE;
}

/**
 * cnet_batch_set_length_at:
 * @batch: a #CnetBatch
 * @index: the packet's position, from 0
 * @length: the new number of data bytes
 * @error: return location for a #GError
 *
 * Sets the length of one packet's data, keeping its start; as
 * cnet_packet_resize(), chaining frames of its mempool when it grows past
 * its frame, giving them back when it shrinks.
 *
 * Returns: %TRUE, or %FALSE with @error set: %CNET_ERROR_OUT_OF_RANGE when
 *   there is no such packet or @length needs more than
 *   %CNET_PACKET_MAX_SEGMENTS frames, %CNET_ERROR_EXHAUSTED when the
 *   mempool has no frame left, %CNET_ERROR_INVALID_STATE when it was sent
 *
 * Since: 1.0
 */
gboolean
cnet_batch_set_length_at (CnetBatch *batch, guint index, guint length,
                          GError **error)
{
  g_return_val_if_fail (cnet_batch_is_valid (batch), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return cnet_batch_check_index (batch, index, error) &&
         cnet_batch_check_owned (batch, index, error) &&
         cnet_packet_change_length (batch->packets[index], "hold", length, TRUE,
                                    error);
}

/**
 * cnet_batch_get_arrival_times:
 * @batch: a #CnetBatch
 *
 * The arrival time of every packet (cnet_packet_get_arrival_time()), in
 * the batch's order, as native-endian 64-bit nanoseconds of
 * `CLOCK_MONOTONIC`, 0 for a packet without one: one buffer for the whole
 * burst (in Python, `array.array("Q", batch.get_arrival_times().get_data())`
 * or numpy's `frombuffer(..., dtype=uint64)`).
 *
 * Returns: (transfer full): 8 bytes per packet
 *
 * Since: 1.0
 */
GBytes *
cnet_batch_get_arrival_times (CnetBatch *batch)
{
  guint64 *times;

  g_return_val_if_fail (cnet_batch_is_valid (batch), NULL);

  times = g_new (guint64, batch->n_packets);
  for (guint i = 0; i < batch->n_packets; i++)
    {
      const struct cnet_xdp_rx_meta *meta =
        cnet_packet_rx_meta (batch->packets[i]);

      times[i] = meta != NULL && (meta->valid & CNET_XDP_META_ARRIVAL_TIME)
                   ? meta->arrival_ns
                   : 0;
    }
  return g_bytes_new_take (times, batch->n_packets * sizeof *times);
}

/**
 * cnet_batch_get_rx_hashes:
 * @batch: a #CnetBatch
 *
 * The device's RX hash of every packet (cnet_packet_get_rx_hash()), as
 * native-endian 32-bit values, 0 for a packet without a valid one (see
 * cnet_batch_get_rx_metadata_flags() to tell 0 from none).
 *
 * Returns: (transfer full): 4 bytes per packet
 *
 * Since: 1.0
 */
GBytes *
cnet_batch_get_rx_hashes (CnetBatch *batch)
{
  guint32 *hashes;

  g_return_val_if_fail (cnet_batch_is_valid (batch), NULL);

  hashes = g_new (guint32, batch->n_packets);
  for (guint i = 0; i < batch->n_packets; i++)
    {
      const struct cnet_xdp_rx_meta *meta =
        cnet_packet_rx_meta (batch->packets[i]);

      hashes[i] =
        meta != NULL && (meta->valid & CNET_XDP_META_HASH) ? meta->hash : 0;
    }
  return g_bytes_new_take (hashes, batch->n_packets * sizeof *hashes);
}

/**
 * cnet_batch_get_rx_metadata_flags:
 * @batch: a #CnetBatch
 *
 * Which RX metadata fields are valid for every packet
 * (cnet_packet_get_rx_metadata_flags()), one #CnetRxMetadataFlags byte per
 * packet.
 *
 * Returns: (transfer full): 1 byte per packet
 *
 * Since: 1.0
 */
GBytes *
cnet_batch_get_rx_metadata_flags (CnetBatch *batch)
{
  guint8 *flags;

  g_return_val_if_fail (cnet_batch_is_valid (batch), NULL);

  flags = g_new (guint8, MAX (batch->n_packets, 1));
  for (guint i = 0; i < batch->n_packets; i++)
    flags[i] = (guint8) cnet_packet_rx_meta_flags (batch->packets[i]);
  return g_bytes_new_take (flags, batch->n_packets);
}
