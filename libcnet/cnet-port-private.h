/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A port's state, shared by the files of the port: cnet-port.c (the
 * GObject), cnet-port-open.c (bringing it up), cnet-port-socket.c (kernel
 * set-up), cnet-port-datapath.c, cnet-port-wait.c, cnet-port-lease.c,
 * cnet-port-stats.c (the counters) and cnet-port-source.c (the GSource).
 */
#pragma once

#include <linux/if_xdp.h>
#include <stdalign.h>

#include "cnet-mempool-private.h"
#include "cnet-netdev-private.h"
#include "cnet-port-lease-private.h"
#include "cnet-port-settings.h"
#include "cnet-port.h"
#include "cnet-uds-private.h"
#include "cnet-xdp-common.h"
#include "cnet-xdp-program.h"

G_BEGIN_DECLS

#define CNET_CACHE_LINE 64

typedef enum
{
  CNET_PORT_SOURCE_DISPATCH,
  CNET_PORT_SOURCE_WAKEUP,
  CNET_PORT_SOURCE_SLEEP,
  CNET_PORT_SOURCE_SPIN,
  CNET_PORT_SOURCE_N_EVENTS,
} CnetPortSourceEvent;

typedef struct
{
  guint32 *producer;
  guint32 *consumer;
  guint32 *flags;
  void *descs;
  guint32 mask;
  guint32 size;
  guint32 cached_prod;
  guint32 cached_cons;
  void *map;
  gsize map_size;
} CnetRing;

struct _CnetPort
{
  GObject parent_instance;

  /* Construct-only settings. */
  char *interface;
  guint queue;
  CnetMempool *pool;
  CnetPortSettings settings; /* bind_mode: asked for, then the one used */
  CnetXdpAttachFlags attach_flags;
  guint tx_meta_len;     /* registered tx_metadata_len, or 0 */
  guint tx_min_data_off; /* header + tx_meta_len: the kernel reads the
                          * metadata area in front of every frame sent */

  guint ifindex;
  CnetFeatures features; /* cnet_port_get_features(), once probed */
  gboolean features_probed;
  CnetXdpProgram *prog;
  gboolean queue_claimed;
  gboolean in_xskmap;
  int fd;
  int gone; /* the interface went (atomic; see cnet_port_check_gone) */
  guint32 tag;
  CnetUmemSocket umem_socket; /* registered with the mempool once bound */
  gboolean shares_umem;

  /* A port on a socket leased from cnetd (see CnetClient): cnetd registered
   * the UMEM, made the rings, bound it and steers to it; the port maps the
   * rings. The guard hangs up when the lease ends. */
  int leased_fd;
  int guard_fd;
  int lease_ended; /* atomic */
  GDBusConnection *lease_connection;
  char *lease_path;

  /* A port on the XSKMAP a device plugin's socket passed (cnet-uds.c):
   * no program of libcnet's; the socket goes in that map. */
  char *uds_path;
  CnetUdsClient *uds;

  GMutex rules_lock;
  GStrv rules; /* canonical text of the steering rules */

  /* RX side: only the receiving thread touches these. */
  alignas (CNET_CACHE_LINE) CnetRing rx;
  CnetRing fill;
  gint rx_busy;
  guint8 rx_meta; /* the XDP program writes RX metadata for this queue */
  guint64 rx_packets;
  guint64 rx_bytes;
  guint64 fill_ring_empty;
  guint64 alloc_failures;
  guint64 rx_wakeups;
  gboolean fill_short; /* the last refill found the mempool empty */
  CnetFrameCache rx_cache;

  /* TX side: under tx_lock. */
  alignas (CNET_CACHE_LINE) GMutex tx_lock;
  CnetRing tx;
  CnetRing comp;
  guint outstanding_tx;
  guint64 tx_packets;
  guint64 tx_bytes;
  guint64 tx_completed;
  guint64 tx_kicks;
  guint64 tx_kick_errors;
  guint64 tx_ring_full;
  CnetFrameCache tx_cache;

  /* GSource counters (cnet-port-source.c), atomic. */
  alignas (CNET_CACHE_LINE) guint64 source_events[CNET_PORT_SOURCE_N_EVENTS];
};

#define CNET_BURST_MAX 256
/* The fewest free fill-ring slots worth a refill (see cnet_port_refill). */
#define CNET_REFILL_BATCH 32

/* --- rings: the producer/consumer protocol of linux/if_xdp.h ---------- */

static inline guint32
cnet_ring_load_acquire (const guint32 *p)
{
  return __atomic_load_n (p, __ATOMIC_ACQUIRE);
}

static inline void
cnet_ring_store_release (guint32 *p, guint32 v)
{
  __atomic_store_n (p, v, __ATOMIC_RELEASE);
}

/* Consumer side (RX, completion): how many entries may be read. */
static inline guint32
cnet_ring_peek (CnetRing *r, guint32 n)
{
  guint32 avail = r->cached_prod - r->cached_cons;

  if (avail == 0)
    {
      r->cached_prod = cnet_ring_load_acquire (r->producer);
      avail = r->cached_prod - r->cached_cons;
    }
  return MIN (avail, n);
}

static inline void
cnet_ring_release (CnetRing *r, guint32 n)
{
  r->cached_cons += n;
  cnet_ring_store_release (r->consumer, r->cached_cons);
}

/* Producer side (fill, TX): how many entries may be written. */
static inline guint32
cnet_ring_free (CnetRing *r, guint32 n)
{
  guint32 free_entries = r->size - (r->cached_prod - r->cached_cons);

  if (free_entries < n)
    {
      r->cached_cons = cnet_ring_load_acquire (r->consumer);
      free_entries = r->size - (r->cached_prod - r->cached_cons);
    }
  return MIN (free_entries, n);
}

static inline void
cnet_ring_submit (CnetRing *r, guint32 n)
{
  r->cached_prod += n;
  cnet_ring_store_release (r->producer, r->cached_prod);
}

static inline gboolean
cnet_ring_needs_wakeup (CnetRing *r)
{
  return (__atomic_load_n (r->flags, __ATOMIC_RELAXED) &
          XDP_RING_NEED_WAKEUP) != 0;
}

/* cnet-port-datapath.c */
const char *cnet_port_tx_refusal (CnetPort *port, CnetPacket *pkt,
                                  GError **error);

/* cnet-port-open.c: GInitable.init of CnetPort */
gboolean cnet_port_initable_init (GInitable *initable,
                                  GCancellable *cancellable, GError **error);

/* cnet-port-socket.c */
gboolean cnet_port_fail (CnetPort *self, GError **error, int errsv,
                         const char *what);
gboolean cnet_port_setup_rings (CnetPort *self, int shared_fd, GError **error);
gboolean cnet_port_open_socket (CnetPort *self, guint16 bind_flags,
                                int shared_fd, GError **error);
void cnet_port_close_socket (CnetPort *self);
gboolean cnet_port_set_busy_poll (CnetPort *self, GError **error);
gboolean cnet_port_check_settings (CnetPort *self, GError **error);
gboolean cnet_port_bind_own_umem (CnetPort *self, const CnetNetdevInfo *netdev,
                                  guint16 flags, GError **error);
gboolean cnet_port_parse_rules (CnetPort *self, const char *const *rules,
                                struct cnet_xdp_rule *xdp_rules, guint *n_rules,
                                GStrv *canonical, GError **error);
void cnet_port_start (CnetPort *self);

/* cnet-port-datapath.c */
void cnet_port_refill (CnetPort *self);

/* cnet-port-wait.c */
gboolean cnet_port_check_gone (CnetPort *port, GError **error);

/* cnet-port-lease.c: the rest of the lease side (the constructor and
 * setters CnetClient uses are in cnet-port-lease-private.h). */
gboolean cnet_port_init_leased (CnetPort *self, GError **error);
gboolean cnet_port_get_lease_stats (CnetPort *port, CnetPortStats *stats,
                                    GError **error);
void cnet_port_get_lease_stats_async (CnetPort *port, GTask *task);
gboolean cnet_port_set_lease_rules (CnetPort *port,
                                    const char *const *canonical,
                                    GError **error);

/* One busy poll of the driver for a port that busy-polls; then whether
 * the RX ring has packets (cnet-port-datapath.c). */
gboolean cnet_port_busy_poll (CnetPort *port);

/* Whether the RX ring has packets, without a system call. */
gboolean cnet_port_rx_ready (CnetPort *port);

/* Counts @event in the port's stats. Sources of one port may run in
 * several threads' main contexts, so this is atomic. */
void cnet_port_count_source_event (CnetPort *port, CnetPortSourceEvent event);

/* The guard of a port leased from cnetd (it hangs up when the lease ends),
 * or -1. */
int cnet_port_get_guard_fd (CnetPort *port);

/* Whether the port's lease (if any) still lasts; when it ended, says so
 * in @error and emits CnetPort::lease-ended (once). */
gboolean cnet_port_check_lease (CnetPort *port, GError **error);

G_END_DECLS
