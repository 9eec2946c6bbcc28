/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A port's data path: receive, send, complete, kick, refill, forward;
 * and the batch-based calls for bindings. No allocation here. Waiting is
 * in cnet-port-wait.c.
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-batch-private.h"
#include "cnet-enums.h"
#include "cnet-mempool-private.h"
#include "cnet-packet-private.h"
#include "cnet-port-private.h"
#include "cnet-xsk-private.h"

/* Puts frames from the RX cache on the fill ring, as many as there is
 * room for. Only the receiving thread calls this. */
void
cnet_port_refill (CnetPort *self)
{
  guint64 addrs[CNET_BURST_MAX];
  guint32 room = cnet_ring_free (&self->fill, CNET_REFILL_BATCH);
  guint32 free_entries;
  guint got;

  /* Refill in batches: topping up a few slots per call would read the
   * kernel's consumer index (a cache line the receiving core writes) and
   * publish a producer index on every burst. */
  if (room < CNET_REFILL_BATCH)
    return;
  free_entries =
    self->fill.size - (self->fill.cached_prod - self->fill.cached_cons);
  room = MIN (free_entries, CNET_BURST_MAX);
  if (free_entries == self->fill.size)
    self->fill_ring_empty++;
  got = cnet_mempool_cache_get (self->pool, &self->rx_cache, addrs, room);
  /* A mempool sized to just fill the ring runs dry now and then; it
   * matters when the kernel is left with half a ring or less. */
  if (got == 0 && free_entries >= self->fill.size / 2)
    self->alloc_failures++;
  self->fill_short = got < room;
  {
    /* Locals: the header stores below may alias the port's fields as far
     * as the compiler knows, which would reload them per frame. */
    guint8 *area = self->pool->area;
    guint64 frame_mask = ~(guint64) (self->pool->frame_size - 1);
    guint64 *descs = self->fill.descs;
    guint32 prod = self->fill.cached_prod, mask = self->fill.mask;
    guint32 tag = self->tag;

    for (guint i = 0; i < got; i++)
      {
        CnetPacket *pkt = (CnetPacket *) (area + (addrs[i] & frame_mask));

        pkt->state = CNET_PACKET_STATE_KERNEL;
        pkt->port_tag = tag;
        descs[(prod + i) & mask] = addrs[i];
      }
  }
  cnet_ring_submit (&self->fill, got);
}

/**
 * cnet_port_rx_burst: (skip)
 * @port: a #CnetPort
 * @packets: (out caller-allocates) (array length=n_packets): where to store
 *   the received packets
 * @n_packets: the room in @packets
 *
 * Takes up to @n_packets received packets off the RX ring, without
 * waiting, and refills the fill ring. The caller owns the packets: it
 * sends them with cnet_port_tx_burst() or frees them with
 * cnet_packet_free_bulk().
 *
 * Only one thread at a time may receive on a port.
 *
 * Returns: the number of packets stored in @packets
 *
 * Since: 1.0
 */
/* Multi-buffer receive: a frame larger than one UMEM frame comes as
 * several descriptors, all but the last flagged XDP_PKT_CONTD, which are
 * linked here into one packet (each segment's header in its own frame's
 * headroom, as ever). The kernel publishes a frame's descriptors together,
 * but a burst may end inside one: only whole chains are taken, the rest
 * waits for the next call. Returns the packets; *n_descs the descriptors
 * to release. */
static guint
cnet_port_rx_chains (CnetPort *port, CnetPacket **packets, guint n_packets,
                     guint64 *bytes, guint32 *n_descs)
{
  guint32 avail = cnet_ring_peek (&port->rx, port->rx.size);
  const struct xdp_desc *descs = port->rx.descs;
  guint32 cons = port->rx.cached_cons, mask = port->rx.mask;
  guint8 *area = port->pool->area;
  guint64 frame_mask = ~(guint64) (port->pool->frame_size - 1);
  guint32 i = 0;
  guint n = 0;

  while (n < n_packets && i < avail)
    {
      CnetPacket *head = NULL, *tail = NULL;
      guint32 end = i;

      /* Whole chain there? */
      while (end < avail &&
             (descs[(cons + end) & mask].options & XDP_PKT_CONTD))
        end++;
      if (end == avail)
        break; /* its last descriptor is not published yet */
      /* RX metadata only for a frame in one buffer: the kernel's copy of
       * a multi-buffer frame into the UMEM leaves the metadata out, and
       * the head's frame may hold an older frame's (docs/data-path.md). */
      guint8 rx_meta = i == end ? port->rx_meta : 0;

      for (; i <= end; i++)
        {
          const struct xdp_desc *desc = &descs[(cons + i) & mask];
          guint64 frame = desc->addr & frame_mask;
          CnetPacket *pkt = (CnetPacket *) (area + frame);

          cnet_packet_init_owned (pkt, (guint16) (desc->addr - frame),
                                  (guint16) desc->len);
          *bytes += desc->len;
          if (tail != NULL)
            tail->next = pkt;
          else
            {
              pkt->rx_meta = rx_meta;
              head = pkt;
            }
          tail = pkt;
        }
      packets[n++] = head;
    }
  *n_descs = i;
  return n;
}

guint
cnet_port_rx_burst (CnetPort *port, CnetPacket **packets, guint n_packets)
{
  CnetMempool *pool;
  guint32 n;
  guint64 bytes = 0;

  g_return_val_if_fail (CNET_IS_PORT (port), 0);

  /* Misuse detection, not a lock: a locked compare-and-swap and exchange
   * here cost more than the rest of a small burst (two atomic
   * read-modify-writes per call, measured with perf in bench/), and the
   * rings are single-consumer whatever we do. Plain loads and stores still
   * catch two threads receiving in a loop at once. */
  if (G_UNLIKELY (__atomic_load_n (&port->rx_busy, __ATOMIC_RELAXED) != 0))
    {
      g_critical ("%s queue %u: cnet_port_rx_burst() called from two threads "
                  "at once; receiving on a port is single-consumer",
                  port->interface, port->queue);
      return 0;
    }
  __atomic_store_n (&port->rx_busy, 1, __ATOMIC_RELAXED);
  if (G_UNLIKELY (port->fd < 0 ||
                  __atomic_load_n (&port->lease_ended, __ATOMIC_RELAXED)))
    {
      __atomic_store_n (&port->rx_busy, 0, __ATOMIC_RELAXED);
      return 0;
    }

  pool = port->pool;
  if (G_UNLIKELY (port->settings.multi_buffer))
    {
      guint32 n_descs;

      n = cnet_port_rx_chains (port, packets, n_packets, &bytes, &n_descs);
      if (n_descs > 0)
        cnet_ring_release (&port->rx, n_descs);
      goto received;
    }
  n = cnet_ring_peek (&port->rx, n_packets);
  {
    const struct xdp_desc *descs = port->rx.descs;
    guint32 cons = port->rx.cached_cons, mask = port->rx.mask;
    guint8 *area = pool->area;
    guint64 frame_mask = ~(guint64) (pool->frame_size - 1);
    guint8 rx_meta = port->rx_meta;

    for (guint32 i = 0; i < n; i++)
      {
        const struct xdp_desc *desc = &descs[(cons + i) & mask];
        guint64 frame = desc->addr & frame_mask;
        CnetPacket *pkt = (CnetPacket *) (area + frame);

        cnet_packet_init_owned (pkt, (guint16) (desc->addr - frame),
                                (guint16) desc->len);
        pkt->rx_meta = rx_meta;
        bytes += desc->len;
        packets[i] = pkt;
      }
  }
  if (n > 0)
    cnet_ring_release (&port->rx, n);
received:
  port->rx_packets += n;
  port->rx_bytes += bytes;

  /* The fill ring only runs down as frames arrive, which this call then
   * sees; with nothing received, refilling would only read the kernel's
   * consumer index, a cache line the sending core is writing, on every
   * empty poll. Unless the last refill came up short: then frames may have
   * come back to the mempool since, and the kernel may be starved. */
  if (n > 0 || G_UNLIKELY (port->fill_short))
    cnet_port_refill (port);

  /* The kernel asks to be woken when it found the fill ring empty (zero-copy
   * drivers); busy polling drives the driver from here. */
  if ((port->settings.need_wakeup && cnet_ring_needs_wakeup (&port->fill)) ||
      (port->settings.busy_poll_usecs != 0 && n == 0))
    {
      port->rx_wakeups++;
      recvfrom (port->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
    }

  __atomic_store_n (&port->rx_busy, 0, __ATOMIC_RELEASE);
  return n;
}

/* For the GSource of a port that busy-polls: one busy poll of the driver
 * (the kernel's sk_busy_loop, on a recvfrom() of the socket), then whether
 * the RX ring has packets. FALSE without doing anything for other ports. */
gboolean
cnet_port_busy_poll (CnetPort *port)
{
  if (port->settings.busy_poll_usecs == 0 || port->fd < 0)
    return FALSE;
  port->rx_wakeups++;
  recvfrom (port->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
  return cnet_port_rx_ready (port);
}

/* Takes completed frames off the completion ring. Under tx_lock. The port
 * holds a reference on its mempool, so dropping a packet's pin on it here
 * never finalizes it. */
static void
cnet_port_complete_locked (CnetPort *self)
{
  guint64 addrs[CNET_BURST_MAX];
  guint32 n = cnet_ring_peek (&self->comp, self->comp.size);
  guint n_free = 0;
  const guint64 *descs = self->comp.descs;
  guint32 cons = self->comp.cached_cons, mask = self->comp.mask;
  guint8 *area = self->pool->area;
  guint64 frame_mask = ~(guint64) (self->pool->frame_size - 1);

  for (guint32 i = 0; i < n; i++)
    {
      guint64 frame = descs[(cons + i) & mask] & frame_mask;
      CnetPacket *pkt = (CnetPacket *) (area + frame);
      gboolean pinned = pkt->pool_ref;

      if (!cnet_packet_drop_ref (pkt, CNET_PACKET_STATE_SENT))
        continue; /* a binding still holds it; its last unref frees it */
      /* The frames go back in bulk: one cache update per chunk. */
      addrs[n_free++] = frame;
      if (n_free == G_N_ELEMENTS (addrs))
        {
          cnet_mempool_cache_put_bulk (self->pool, &self->tx_cache, addrs,
                                       n_free);
          n_free = 0;
        }
      if (G_UNLIKELY (pinned))
        {
          pkt->pool_ref = 0;
          g_object_unref (self->pool);
        }
    }
  if (n_free > 0)
    cnet_mempool_cache_put_bulk (self->pool, &self->tx_cache, addrs, n_free);
  if (n > 0)
    cnet_ring_release (&self->comp, n);
  self->outstanding_tx -= n;
  self->tx_completed += n;
}

/* Makes the kernel send what is on the TX ring. In copy mode the kernel
 * sends at most a small batch per call and says EAGAIN when more is left,
 * so kick until it stops asking. Under tx_lock. */
static void
cnet_port_kick_locked (CnetPort *self)
{
  for (guint tries = 0; tries < 64; tries++)
    {
      if (self->settings.need_wakeup && !cnet_ring_needs_wakeup (&self->tx))
        return;
      self->tx_kicks++;
      if (sendto (self->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
        return;
      switch (errno)
        {
        case EAGAIN:
          /* More left to send; go on unless the ring is empty. */
          if (__atomic_load_n (self->tx.consumer, __ATOMIC_ACQUIRE) ==
              self->tx.cached_prod)
            return;
          cnet_port_complete_locked (self);
          continue;
        case EBUSY:
        case ENOBUFS:
          /* The device is busy; the frames stay on the ring. */
          return;
        default:
          self->tx_kick_errors++;
          return;
        }
    }
}

/* Why @port cannot send @pkt as it is, or NULL: a chain without
 * multi-buffer, too many segments, TX metadata the port was not opened
 * for, no room in front of the data for the metadata. */
const char *
cnet_port_tx_refusal (CnetPort *port, CnetPacket *pkt, GError **error)
{
  guint n_segs = 1;

  for (CnetPacket *seg = pkt->next; seg != NULL; seg = seg->next)
    n_segs++;
  if (n_segs > 1 && !port->settings.multi_buffer)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s queue %u: a packet of %u segments needs a port opened "
                   "with multi-buffer",
                   port->interface, port->queue, n_segs);
      return "is a chain, and the port has no multi-buffer";
    }
  if (n_segs > CNET_PACKET_MAX_SEGMENTS)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%s queue %u: a packet of %u segments is more than the "
                   "kernel sends (%u)",
                   port->interface, port->queue, n_segs,
                   CNET_PACKET_MAX_SEGMENTS);
      return "has more segments than the kernel sends";
    }
  if ((pkt->tx_flags & ~port->settings.tx_metadata) != 0)
    {
      g_autoptr (GFlagsClass) klass =
        g_type_class_ref (CNET_TYPE_TX_METADATA_FLAGS);
      GFlagsValue *v =
        g_flags_get_first_value (klass,
                                 pkt->tx_flags & ~port->settings.tx_metadata);

      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s queue %u: the packet asks for TX metadata %s, which "
                   "the port was not opened for (its tx-metadata property)",
                   port->interface, port->queue, v ? v->value_nick : "?");
      return "asks for TX metadata the port was not opened for";
    }
  if (pkt->data_off < port->tx_min_data_off)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%s queue %u: with TX metadata a packet needs %u bytes of "
                   "headroom in front of its data, this one has %u",
                   port->interface, port->queue, port->tx_meta_len,
                   pkt->data_off - CNET_PACKET_HEADER_SIZE);
      return "has too little headroom for the port's TX metadata";
    }
  return NULL;
}

/* struct xsk_tx_metadata of linux/if_xdp.h (Linux 6.8; launch_time 6.15),
 * which Debian 12's headers lack. */
struct cnet_xsk_tx_metadata
{
  guint64 flags;
  union
  {
    struct
    {
      guint16 csum_start;
      guint16 csum_offset;
      guint32 pad;
      guint64 launch_time;
    } request;
    struct
    {
      guint64 tx_timestamp;
    } completion;
  };
};

/* Places a chain and/or a packet with TX metadata on the TX ring: one
 * descriptor per segment, all but the last flagged XDP_PKT_CONTD, the
 * metadata in front of the first segment's data. Under tx_lock. FALSE when
 * it cannot go (no room: the caller keeps it; refused: a critical). */
static gboolean
cnet_port_tx_special (CnetPort *port, CnetPacket *pkt, guint index,
                      struct xdp_desc *descs, guint32 prod, guint32 mask,
                      guint32 *room, guint32 *used, guint64 *bytes)
{
  const char *why = cnet_port_tx_refusal (port, pkt, NULL);
  guint n_segs = 1;
  CnetPacket *seg;

  if (G_UNLIKELY (why != NULL))
    {
      g_critical ("%s queue %u: cnet_port_tx_burst(): packet %u %s",
                  port->interface, port->queue, index, why);
      return FALSE;
    }
  for (seg = pkt->next; seg != NULL; seg = seg->next)
    n_segs++;
  if (*used + n_segs > *room)
    {
      *room = cnet_ring_free (&port->tx, *used + n_segs);
      if (*used + n_segs > *room)
        return FALSE;
    }
  if (pkt->tx_flags != 0)
    {
      struct cnet_xsk_tx_metadata meta = { .flags = pkt->tx_flags };

      if (pkt->tx_flags & CNET_TX_METADATA_CHECKSUM)
        {
          meta.request.csum_start = pkt->csum_start;
          meta.request.csum_offset = pkt->csum_offset;
        }
      memset (cnet_packet_data_ptr (pkt) - port->tx_meta_len, 0,
              port->tx_meta_len);
      memcpy (cnet_packet_data_ptr (pkt) - port->tx_meta_len, &meta,
              MIN (sizeof meta, port->tx_meta_len));
      pkt->tx_meta_len = (guint8) port->tx_meta_len;
    }
  seg = pkt;
  for (guint i = 0; i < n_segs; i++, seg = seg->next)
    {
      struct xdp_desc *desc = &descs[(prod + *used + i) & mask];

      desc->addr = seg->addr + seg->data_off;
      desc->len = seg->len;
      desc->options = (i + 1 < n_segs ? XDP_PKT_CONTD : 0) |
                      (i == 0 && pkt->tx_flags != 0 ? XDP_TX_METADATA : 0);
      *bytes += seg->len;
      seg->state = CNET_PACKET_STATE_IN_FLIGHT;
      seg->port_tag = port->tag;
    }
  /* The segments complete on their own (one completion each); the head no
   * longer leads them. */
  pkt->next = NULL;
  *used += n_segs;
  return TRUE;
}

/**
 * cnet_port_tx_burst: (skip)
 * @port: a #CnetPort
 * @packets: (array length=n_packets): the packets to send
 * @n_packets: the number of packets
 *
 * Places up to @n_packets packets on the TX ring and makes the kernel send
 * them. The port takes ownership of the packets it placed and gives their
 * frames back to the mempool when the kernel has sent them; the caller
 * keeps the rest (the TX ring was full) and may retry or free them.
 *
 * Every packet must belong to the port's mempool. Safe to call from several
 * threads at once.
 *
 * Returns: the number of packets placed, from the start of @packets
 *
 * Since: 1.0
 */
guint
cnet_port_tx_burst (CnetPort *port, CnetPacket **packets, guint n_packets)
{
  guint32 room;
  guint32 n = 0, used = 0;
  guint64 bytes = 0;

  g_return_val_if_fail (CNET_IS_PORT (port), 0);
  g_return_val_if_fail (packets != NULL || n_packets == 0, 0);

  g_mutex_lock (&port->tx_lock);
  if (G_UNLIKELY (port->fd < 0 ||
                  __atomic_load_n (&port->lease_ended, __ATOMIC_RELAXED)))
    {
      g_mutex_unlock (&port->tx_lock);
      return 0;
    }
  cnet_port_complete_locked (port);
  room = cnet_ring_free (&port->tx, n_packets);
  {
    struct xdp_desc *descs = port->tx.descs;
    guint32 prod = port->tx.cached_prod, mask = port->tx.mask;
    CnetMempool *pool = port->pool;
    guint32 tag = port->tag;

    for (; n < n_packets; n++)
      {
        CnetPacket *pkt = packets[n];
        struct xdp_desc *desc;

        if (G_UNLIKELY (pkt->pool != pool ||
                        pkt->state != CNET_PACKET_STATE_OWNED))
          {
            g_critical ("%s queue %u: cnet_port_tx_burst(): packet %u %s",
                        port->interface, port->queue, n,
                        pkt->pool != pool ? "belongs to another mempool"
                                          : "is not owned by the application");
            break;
          }
        if (G_UNLIKELY (pkt->next != NULL || pkt->tx_flags != 0 ||
                        pkt->data_off < port->tx_min_data_off))
          {
            /* A chain, or TX metadata: the slower path. */
            if (!cnet_port_tx_special (port, pkt, n, descs, prod, mask, &room,
                                       &used, &bytes))
              break;
            continue;
          }
        if (used == room)
          break;
        desc = &descs[(prod + used++) & mask];
        desc->addr = pkt->addr + pkt->data_off;
        desc->len = pkt->len;
        desc->options = 0;
        bytes += pkt->len;
        pkt->state = CNET_PACKET_STATE_IN_FLIGHT;
        pkt->port_tag = tag;
      }
  }
  if (used > 0)
    {
      cnet_ring_submit (&port->tx, used);
      /* Completions come per frame, that is per descriptor. */
      port->outstanding_tx += used;
      port->tx_packets += n;
      port->tx_bytes += bytes;
    }
  port->tx_ring_full += n_packets - n;
  if (port->outstanding_tx > 0)
    cnet_port_kick_locked (port);
  g_mutex_unlock (&port->tx_lock);
  return n;
}

/**
 * cnet_port_tx_flush:
 * @port: a #CnetPort
 *
 * Takes back the frames the kernel has sent and kicks it to send what is
 * still on the TX ring. A sender that stops sending calls this until it
 * returns 0 to be sure everything went out. With several sending threads
 * the count is a snapshot that includes the others' packets.
 *
 * Returns: the number of packets still waiting to be sent or completed
 *
 * Since: 1.0
 */
guint
cnet_port_tx_flush (CnetPort *port)
{
  guint outstanding;

  g_return_val_if_fail (CNET_IS_PORT (port), 0);

  /* Nothing outstanding: nothing to take back or kick, and no lock to take
   * (an idle echo loop calls this on every empty poll). The count only
   * changes under tx_lock; a relaxed read is exact for the thread that
   * sent, and a snapshot for others, as the documentation says. */
  if (__atomic_load_n (&port->outstanding_tx, __ATOMIC_RELAXED) == 0)
    return 0;

  g_mutex_lock (&port->tx_lock);
  if (port->fd >= 0)
    {
      cnet_port_complete_locked (port);
      if (port->outstanding_tx > 0)
        {
          cnet_port_kick_locked (port);
          cnet_port_complete_locked (port);
        }
    }
  outstanding = port->outstanding_tx;
  g_mutex_unlock (&port->tx_lock);
  return outstanding;
}

/**
 * cnet_port_forward_burst: (skip)
 * @port: the port to send from
 * @packets: (array length=n_packets): the packets to send
 * @n_packets: the number of packets
 *
 * Sends packets that may come from another port. Packets of @port's
 * mempool go as they are, without copying (a received frame is sent from
 * where it lies); packets of other mempools are copied into frames of
 * @port's mempool, and the originals freed once the copies are on the TX
 * ring. Allocates nothing on the heap.
 *
 * Returns: the number of packets sent, from the start of @packets; the
 *   caller keeps the rest (the TX ring or @port's mempool was full)
 *
 * Since: 1.0
 */
guint
cnet_port_forward_burst (CnetPort *port, CnetPacket **packets, guint n_packets)
{
  guint done = 0;

  g_return_val_if_fail (CNET_IS_PORT (port), 0);

  while (done < n_packets)
    {
      CnetPacket *copies[64];
      guint n_same = 0, n_other = 0, n_copies, sent;

      /* A run of packets of our mempool goes out as it is. */
      while (done + n_same < n_packets &&
             packets[done + n_same]->pool == port->pool)
        n_same++;
      if (n_same > 0)
        {
          sent = cnet_port_tx_burst (port, packets + done, n_same);
          done += sent;
          if (sent < n_same)
            break;
          continue;
        }

      /* A run of foreign packets goes out as copies. */
      while (done + n_other < n_packets && n_other < G_N_ELEMENTS (copies) &&
             packets[done + n_other]->pool != port->pool)
        n_other++;
      n_copies = cnet_mempool_alloc_bulk (port->pool, copies, n_other);
      for (guint i = 0; i < n_copies; i++)
        {
          CnetPacket *src = packets[done + i];
          CnetPacket *dst = copies[i];

          if (G_UNLIKELY (src->next != NULL))
            {
              guint len = cnet_packet_total_length (src);

              /* A chain: as many frames of ours as it needs. */
              if (!cnet_packet_change_length (dst, "hold", len, TRUE, NULL))
                {
                  cnet_packet_free_bulk (copies + i, n_copies - i);
                  n_copies = i;
                  break;
                }
              len = 0;
              for (CnetPacket *seg = dst; seg != NULL; seg = seg->next)
                {
                  cnet_packet_copy_chain (src, len, cnet_packet_data_ptr (seg),
                                          seg->len, FALSE);
                  len += seg->len;
                }
              continue;
            }
          dst->len = src->len;
          memcpy (cnet_packet_data_ptr (dst), cnet_packet_data_ptr (src),
                  MIN (src->len, (guint) (dst->buf_len - dst->data_off)));
        }
      sent = cnet_port_tx_burst (port, copies, n_copies);
      cnet_packet_free_bulk (copies + sent, n_copies - sent);
      cnet_packet_free_bulk (packets + done, sent);
      done += sent;
      if (sent < n_other)
        break;
    }
  return done;
}

/* --- batches, for bindings -------------------------------------------- */

/**
 * cnet_port_receive:
 * @port: a #CnetPort
 * @batch: the batch to fill
 * @error: return location for a #GError
 *
 * Receives up to the batch's capacity of packets into @batch, without
 * waiting: the binding's cnet_port_rx_burst(). Packets still in @batch are
 * let go of first (see cnet_batch_clear()), so one batch serves every
 * burst; send or copy what you need before receiving again.
 *
 * Only one thread at a time may receive on a port.
 *
 * Returns: the number of packets received, 0 when none were waiting; 0
 *   with %CNET_ERROR_BUSY when another thread is receiving on @port
 *
 * Since: 1.0
 */
guint
cnet_port_receive (CnetPort *port, CnetBatch *batch, GError **error)
{
  guint n;

  g_return_val_if_fail (CNET_IS_PORT (port), 0);
  g_return_val_if_fail (batch != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  cnet_batch_reset (batch, port->pool);
  if (G_UNLIKELY (port->guard_fd >= 0) && !cnet_port_check_lease (port, error))
    return 0;
  /* cnet_port_rx_burst() refuses a second receiving thread with a
   * critical warning; a binding gets an error instead (a race between the
   * two checks still ends in the critical warning, never in corruption). */
  if (G_UNLIKELY (g_atomic_int_get (&port->rx_busy) != 0))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_BUSY,
                   "%s queue %u: another thread is receiving on the port; "
                   "receiving is single-consumer",
                   port->interface, port->queue);
      return 0;
    }
  n = cnet_port_rx_burst (port, batch->packets, batch->capacity);
  batch->n_packets = n;
  return n;
}

/**
 * cnet_port_send:
 * @port: a #CnetPort
 * @batch: the batch to send
 * @error: return location for a #GError
 *
 * Sends the packets of @batch: the binding's cnet_port_tx_burst(). The
 * port takes the packets it placed on the TX ring out of the batch; those
 * that did not fit (the ring was full) stay in it, first, to be sent again
 * or let go of with cnet_batch_clear().
 *
 * Every packet is checked first, and on error nothing is sent: a packet of
 * another mempool than the port's is refused with
 * %CNET_ERROR_WRONG_MEMPOOL (where cnet_port_tx_burst() gives a critical
 * warning), one that was sent already with %CNET_ERROR_INVALID_STATE.
 *
 * Safe to call from several threads at once, with a batch each.
 *
 * Returns: the number of packets placed on the TX ring, or 0 with @error
 *   set
 *
 * Since: 1.0
 */
guint
cnet_port_send (CnetPort *port, CnetBatch *batch, GError **error)
{
  guint sent;

  g_return_val_if_fail (CNET_IS_PORT (port), 0);
  g_return_val_if_fail (batch != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (G_UNLIKELY (port->guard_fd >= 0) && !cnet_port_check_lease (port, error))
    return 0;
  if (!cnet_batch_check_sendable (batch, port->pool, port->interface,
                                  port->queue, error))
    return 0;
  for (guint i = 0; i < batch->n_packets; i++)
    {
      CnetPacket *pkt = batch->packets[i];

      if (G_UNLIKELY (pkt->next != NULL || pkt->tx_flags != 0 ||
                      pkt->data_off < port->tx_min_data_off) &&
          cnet_port_tx_refusal (port, pkt, error) != NULL)
        return 0;
    }
  sent = cnet_port_tx_burst (port, batch->packets, batch->n_packets);
  cnet_batch_consume (batch, sent);
  return sent;
}

gboolean
cnet_port_rx_ready (CnetPort *port)
{
  return port->fd >= 0 &&
         cnet_ring_load_acquire (port->rx.producer) != port->rx.cached_cons;
}

void
cnet_port_count_source_event (CnetPort *port, CnetPortSourceEvent event)
{
  __atomic_fetch_add (&port->source_events[event], 1, __ATOMIC_RELAXED);
}
