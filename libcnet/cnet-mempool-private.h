/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A mempool's internals and the layout of its frames: the packet header
 * every frame starts with, the frame caches ports exchange frames through,
 * the UMEM sockets sharing the area. The packet (cnet-packet.c and its
 * files, through cnet-packet-private.h), the batch and the port use the
 * header too: it is here, with the frames it lives in, so that the mempool
 * needs nothing of theirs.
 */
#pragma once

#include "cnet-mempool.h"
#include "cnet-packet.h"

G_BEGIN_DECLS

/* The packet header lives in the first CNET_PACKET_HEADER_SIZE bytes of its
 * frame, inside the UMEM headroom, where the kernel never writes (it places
 * received data at headroom + XDP_PACKET_HEADROOM). Receiving therefore
 * allocates nothing: the header of a received frame is already there. */
#define CNET_PACKET_HEADER_SIZE 64
#define CNET_PACKET_MAGIC 0x636e6574u /* "cnet" */

typedef enum
{
  CNET_PACKET_STATE_FREE = 0x0f,   /* in the mempool, a cache or a fill ring */
  CNET_PACKET_STATE_OWNED = 0x0a,  /* the application holds it */
  CNET_PACKET_STATE_KERNEL = 0x4b, /* on a port's fill ring or in its socket */
  CNET_PACKET_STATE_IN_FLIGHT =
    0x5e,                        /* on a port's TX ring, until completion */
  CNET_PACKET_STATE_SENT = 0x5d, /* sent and completed, but still referenced */
} CnetPacketState;

struct _CnetPacket
{
  CnetMempool *pool;
  guint64 addr; /* offset of the frame in the UMEM */
  guint32 magic;
  guint16 data_off; /* offset of the first data byte from the frame start */
  guint16 len;      /* bytes of data */
  gint ref_count;   /* for the boxed type; 1 while owned */
  guint16 state;    /* CnetPacketState */
  guint16 buf_len;  /* the frame size */
  guint32 port_tag; /* the port holding it, with _KERNEL and _IN_FLIGHT */
  guint8 pool_ref;  /* holds a reference on pool (taken for bindings) */
  /* Multi-buffer: the next segment of the same packet (its own frame and
   * header), or NULL. Only the first segment is ever handed out. */
  CnetPacket *next;
  /* TX metadata asked for (CnetTxMetadataFlags), written in front of the
   * data when sent; tx_meta_len is the port's, kept to read the
   * completion's timestamp. */
  guint8 tx_flags;
  guint8 tx_meta_len;
  guint16 csum_start;
  guint16 csum_offset;
  guint8 rx_meta; /* received by a port with RX metadata */
};

G_STATIC_ASSERT (sizeof (CnetPacket) <= CNET_PACKET_HEADER_SIZE);

/* A frame cache: a small stack of free frame addresses that one user (a
 * port's RX or TX side) owns and exchanges with the mempool in bulk, so the
 * mempool's lock is taken once per many frames. */
#define CNET_CACHE_SIZE 512
#define CNET_CACHE_BULK 256

typedef struct
{
  guint count;
  guint64 addrs[CNET_CACHE_SIZE];
} CnetFrameCache;

/* A socket that has the mempool's UMEM registered, so that other ports can
 * share it (XDP_SHARED_UMEM) instead of registering (and pinning) it again.
 * @flags are the bind flags the socket was bound with, which sharing
 * sockets inherit. */
typedef struct
{
  int fd;
  guint16 flags;
} CnetUmemSocket;

struct _CnetMempool
{
  GObject parent_instance;

  guint n_frames;
  guint frame_size;
  guint frame_shift;
  guint headroom;      /* the application's headroom, property */
  guint umem_headroom; /* headroom given to the kernel: header + headroom */
  guint8 *area;
  gsize area_size;
  int memfd; /* the area's memory: a memfd sealed against shrinking and
              * growing, which cnetd registers for a leased port */

  guint cache_max; /* frames a port's cache may hold: less for small pools */
  GMutex lock;     /* protects stack, n_stack and caches */
  guint64 *stack;  /* free frame addresses */
  guint n_stack;
  GPtrArray *caches;  /* CnetFrameCache * registered by ports, not owned */
  GPtrArray *sockets; /* CnetUmemSocket * of ports, not owned */
};

static inline CnetPacket *
cnet_mempool_packet_at (CnetMempool *pool, guint64 addr)
{
  return (CnetPacket *) (pool->area +
                         (addr & ~(guint64) (pool->frame_size - 1)));
}

static inline guint8 *
cnet_packet_data_ptr (CnetPacket *pkt)
{
  return (guint8 *) pkt + pkt->data_off;
}

/* Frame exchange for the data path (cnet-mempool.c). Addresses, not packets:
 * the rings speak in addresses. */
guint cnet_mempool_get_addrs (CnetMempool *pool, guint64 *addrs, guint n);
void cnet_mempool_put_addrs (CnetMempool *pool, const guint64 *addrs, guint n);
guint cnet_mempool_cache_get (CnetMempool *pool, CnetFrameCache *cache,
                              guint64 *addrs, guint n);
void cnet_mempool_cache_put (CnetMempool *pool, CnetFrameCache *cache,
                             guint64 addr);
void cnet_mempool_cache_put_bulk (CnetMempool *pool, CnetFrameCache *cache,
                                  const guint64 *addrs, guint n);
void cnet_mempool_cache_flush (CnetMempool *pool, CnetFrameCache *cache);
void cnet_mempool_register_cache (CnetMempool *pool, CnetFrameCache *cache);
void cnet_mempool_unregister_cache (CnetMempool *pool, CnetFrameCache *cache);
guint cnet_mempool_reclaim (CnetMempool *pool, guint32 port_tag);
int cnet_mempool_dup_umem_socket (CnetMempool *pool, guint16 *flags);
void cnet_mempool_add_umem_socket (CnetMempool *pool, CnetUmemSocket *sock);
void cnet_mempool_remove_umem_socket (CnetMempool *pool, CnetUmemSocket *sock);

/* Drops the reference of a party that lets go of @pkt: the application
 * freeing it, or the kernel completing its send. Returns TRUE when that was
 * the last reference: the frame is free, and the caller gives it back to
 * the mempool (and then drops the mempool reference if pkt->pool_ref was
 * set). Otherwise the packet lives on in @keep_state for the other holders;
 * the state is set before the decrement, so that whoever drops the last
 * reference (cnet_packet_unref() in another thread) never has it
 * overwritten after the frame went back. The usual case, one reference,
 * costs no atomic operation: with one reference nobody else can be
 * touching the count. */
static inline gboolean
cnet_packet_drop_ref (CnetPacket *pkt, CnetPacketState keep_state)
{
  if (G_LIKELY (pkt->ref_count == 1))
    {
      pkt->ref_count = 0;
      pkt->state = CNET_PACKET_STATE_FREE;
      return TRUE;
    }
  pkt->state = keep_state;
  if (g_atomic_int_dec_and_test (&pkt->ref_count))
    {
      pkt->state = CNET_PACKET_STATE_FREE;
      return TRUE;
    }
  return FALSE;
}

/* cnet-packet.c: makes @pkt hold a reference on its mempool. */
void cnet_packet_pin_pool (CnetPacket *pkt);

static inline void
cnet_packet_init_owned (CnetPacket *pkt, guint16 data_off, guint16 len)
{
  pkt->data_off = data_off;
  pkt->len = len;
  pkt->ref_count = 1;
  pkt->state = CNET_PACKET_STATE_OWNED;
  pkt->next = NULL;
  pkt->tx_flags = 0;
  pkt->rx_meta = 0;
}

G_END_DECLS
