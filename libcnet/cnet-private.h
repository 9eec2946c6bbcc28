/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of libcnet share and users never see.
 */
#pragma once

#include <errno.h>
#include <stdalign.h>

#include "cnet-dbus.h"
#include "cnet-error.h"
#include "cnet-match.h"
#include "cnet-mempool.h"
#include "cnet-packet.h"
#include "cnet-types.h"
#include "cnet-xdp-common.h"

G_BEGIN_DECLS

#define CNET_CACHE_LINE 64

/* Multi-buffer (Linux 6.6) and TX metadata (6.8; the UMEM flag 6.11). */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif
#ifndef XDP_TX_METADATA
#define XDP_TX_METADATA (1 << 1)
#endif
#ifndef XDP_UMEM_TX_METADATA_LEN
#define XDP_UMEM_TX_METADATA_LEN (1 << 2)
#endif
/* The size libcnet registers: struct xsk_tx_metadata with launch_time
 * (Linux 6.15), a multiple of 8 as the kernel wants. */
#define CNET_TX_METADATA_LEN 24

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

/* cnet-packet.c: multi-buffer chains */
void cnet_packet_free_segments (CnetPacket *head);
guint cnet_packet_total_length (CnetPacket *pkt);
gboolean cnet_packet_change_length (CnetPacket *pkt, const char *what,
                                    guint length, gboolean grow,
                                    GError **error);
void cnet_packet_copy_chain (CnetPacket *pkt, guint offset, guint8 *buf,
                             gsize length, gboolean to_packet);

/* cnet-error.c */
CnetError cnet_error_from_errno (int errsv);

/* cnet-netdev.c: facts about an interface */
typedef struct
{
  char name[16];
  guint ifindex;
  guint n_rx_queues; /* 0: unknown */
  char driver[32];
} CnetNetdevInfo;

gboolean cnet_netdev_lookup (const char *ifname, CnetNetdevInfo *info,
                             GError **error);
gboolean cnet_netdev_exists (guint ifindex);
gboolean cnet_netdev_xdp_features (guint ifindex, guint64 *features);
CnetBindMode cnet_bind_mode_choose (CnetBindMode asked, guint ifindex,
                                    gboolean can_retry);
gboolean cnet_netdev_queue_has_xsk (guint ifindex, guint queue,
                                    gboolean *has_xsk);

/* NETDEV_XDP_ACT_* of linux/netdev.h (kernel 6.3) */
#define CNET_NETDEV_XDP_ACT_BASIC (1u << 0)
#define CNET_NETDEV_XDP_ACT_XSK_ZEROCOPY (1u << 3)

/* cnet-xdp-program.c: the part ports use */
CnetXdpProgram *cnet_xdp_program_acquire (const char *ifname, CnetXdpMode mode,
                                          CnetXdpAttachFlags flags,
                                          GError **error);
gboolean cnet_xdp_program_claim_queue (CnetXdpProgram *prog, guint queue,
                                       gpointer owner, GError **error);
void cnet_xdp_program_release_queue (CnetXdpProgram *prog, guint queue,
                                     gpointer owner);
gboolean cnet_xdp_program_set_socket (CnetXdpProgram *prog, guint queue, int fd,
                                      GError **error);
void cnet_xdp_program_clear_socket (CnetXdpProgram *prog, guint queue);
int cnet_xdp_program_get_xsks_fd (CnetXdpProgram *prog);
gboolean cnet_xdp_program_preload (GError **error);
gboolean cnet_xdp_program_set_rules (CnetXdpProgram *prog, guint queue,
                                     const struct cnet_xdp_rule *rules,
                                     guint n_rules, GError **error);
gboolean cnet_xdp_program_get_rule_hits (CnetXdpProgram *prog, guint queue,
                                         guint64 *hits, guint n_hits,
                                         GError **error);
gboolean cnet_xdp_program_read_queue_counters (
  CnetXdpProgram *prog, guint queue, struct cnet_xdp_queue_counters *sum,
  GError **error);

/* cnet-port.c: ports on sockets leased from cnetd */
CnetPort *cnet_port_new_leased (int fd, int guard_fd, const char *interface,
                                guint ifindex, guint queue,
                                CnetMempool *mempool, gboolean need_wakeup,
                                const guint ring_sizes[4], GError **error);
/* For CnetClient: the RX metadata cnetd's program writes for the lease. */
void cnet_port_set_lease_rx_metadata (CnetPort *port, guint flags);
void cnet_port_set_lease (CnetPort *port, GDBusConnection *connection,
                          const char *lease_path, CnetBindMode bind_mode,
                          const char *const *rules);
void cnet_port_set_lease_socket (CnetPort *port, gboolean multi_buffer,
                                 CnetTxMetadataFlags tx_metadata,
                                 guint tx_meta_len);

/* cnet-match.c */
void cnet_match_to_xdp (const CnetMatch *match, struct cnet_xdp_rule *rule);
gboolean cnet_match_compile_rules (const char *const *rules,
                                   struct cnet_xdp_rule *xdp, guint *n_rules,
                                   GStrv *canonical, guint *bad_index,
                                   GError **error);

G_END_DECLS
