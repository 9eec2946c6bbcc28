/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

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
#include "cnet-match.h"
#include "cnet-mempool.h"
#include "cnet-port-private.h"
#include "cnet-port.h"
#include "cnet-private.h"
#include "cnet-uds-private.h"
#include "cnet-xdp-program.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
/* Linux 6.17 (linux/if_xdp.h); Debian 12's headers are older. */
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

/**
 * CnetPort:
 *
 * One AF_XDP socket on one receive queue of an interface, receiving into
 * and sending from the frames of a #CnetMempool.
 *
 * Creating a port attaches libcnet's #CnetXdpProgram to the interface (or
 * shares the one this process has there), creates the socket on the kernel
 * UAPI (`linux/if_xdp.h`: UMEM registration, four rings, bind) and puts the
 * socket in the program's XSKMAP slot for the queue. Dropping the last
 * reference undoes all of it, in reverse, and gives every frame back to the
 * mempool.
 *
 * The C data path is cnet_port_rx_burst() and cnet_port_tx_burst(), which
 * move arrays of #CnetPacket pointers and transfer their ownership. They
 * allocate nothing. Receiving is single-consumer: one thread at a time
 * (a second concurrent caller is refused with a critical warning). Sending
 * may be done from several threads at once; a mutex, taken once per burst,
 * orders them.
 *
 * Bindings receive and send through a #CnetBatch, with cnet_port_receive()
 * and cnet_port_send(), which report misuse as a #GError instead.
 *
 * To wait for packets, poll cnet_port_get_fd() for `POLLIN`, call
 * cnet_port_wait(), or let a main loop do it: cnet_port_add_watch() and
 * cnet_port_create_source() call back when packets are there.
 *
 * Since: 1.0
 */

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
  CnetXdpMode xdp_mode;
  CnetBindMode bind_mode; /* asked for, then the one used */
  CnetXdpAttachFlags attach_flags;
  gboolean need_wakeup;
  guint busy_poll_usecs;
  guint busy_poll_budget;
  guint rx_size;
  guint tx_size;
  guint fill_size;
  guint comp_size;

  guint ifindex;
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

enum
{
  PROP_0,
  PROP_INTERFACE,
  PROP_QUEUE,
  PROP_MEMPOOL,
  PROP_XDP_MODE,
  PROP_BIND_MODE,
  PROP_ATTACH_FLAGS,
  PROP_NEED_WAKEUP,
  PROP_BUSY_POLL_USECS,
  PROP_BUSY_POLL_BUDGET,
  PROP_RX_SIZE,
  PROP_TX_SIZE,
  PROP_FILL_SIZE,
  PROP_COMP_SIZE,
  PROP_RULES,
  PROP_IFINDEX,
  PROP_XDP_PROGRAM,
  PROP_UDS_PATH,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_LEASE_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void cnet_port_initable_iface_init (GInitableIface *iface);

G_STATIC_ASSERT (G_N_ELEMENTS (((CnetPortStats *) NULL)->rule_hits) ==
                 CNET_MATCH_MAX_RULES);
G_STATIC_ASSERT (CNET_MATCH_MAX_RULES == CNET_XDP_MAX_RULES);

G_DEFINE_FINAL_TYPE_WITH_CODE (
  CnetPort, cnet_port, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, cnet_port_initable_iface_init))

#define CNET_BURST_MAX 256
/* The fewest free fill-ring slots worth a refill (see cnet_port_refill). */
#define CNET_REFILL_BATCH 32

static guint32 next_tag = 1;

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

/* --- setup on the kernel UAPI ----------------------------------------- */

static gboolean
cnet_port_fail (CnetPort *self, GError **error, int errsv, const char *what)
{
  g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
               "%s queue %u: %s: %s", self->interface, self->queue, what,
               g_strerror (errsv));
  return FALSE;
}

static gboolean
cnet_port_map_ring (CnetPort *self, CnetRing *ring, guint size,
                    const struct xdp_ring_offset *off, gsize desc_size,
                    off_t pgoff, GError **error)
{
  ring->map_size = off->desc + size * desc_size;
  ring->map = mmap (NULL, ring->map_size, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, self->fd, pgoff);
  if (ring->map == MAP_FAILED)
    {
      ring->map = NULL;
      return cnet_port_fail (self, error, errno, "cannot map a ring");
    }
  ring->producer = (guint32 *) ((guint8 *) ring->map + off->producer);
  ring->consumer = (guint32 *) ((guint8 *) ring->map + off->consumer);
  ring->flags = (guint32 *) ((guint8 *) ring->map + off->flags);
  ring->descs = (guint8 *) ring->map + off->desc;
  ring->size = size;
  ring->mask = size - 1;
  ring->cached_prod = *ring->producer;
  ring->cached_cons = *ring->consumer;
  return TRUE;
}

static void
cnet_port_unmap_ring (CnetRing *ring)
{
  if (ring->map != NULL)
    munmap (ring->map, ring->map_size);
  memset (ring, 0, sizeof *ring);
}

static gboolean
cnet_port_register_umem (CnetPort *self, GError **error)
{
  struct xdp_umem_reg reg = {
    .addr = (guint64) (guintptr) self->pool->area,
    .len = self->pool->area_size,
    .chunk_size = self->pool->frame_size,
    .headroom = self->pool->umem_headroom,
  };

  if (setsockopt (self->fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) < 0)
    {
      int errsv = errno;
      struct rlimit rl;

      if ((errsv == ENOBUFS || errsv == ENOMEM || errsv == EPERM) &&
          getrlimit (RLIMIT_MEMLOCK, &rl) == 0 &&
          rl.rlim_cur != RLIM_INFINITY && geteuid () != 0)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_NO_MEMORY,
                       "%s queue %u: cannot register the UMEM: the mempool's "
                       "%" G_GSIZE_FORMAT " bytes exceed what RLIMIT_MEMLOCK "
                       "(%llu bytes) lets this process lock; use fewer or "
                       "smaller frames (%s)",
                       self->interface, self->queue, self->pool->area_size,
                       (unsigned long long) rl.rlim_cur, g_strerror (errsv));
          return FALSE;
        }
      return cnet_port_fail (self, error, errsv, "cannot register the UMEM");
    }
  return TRUE;
}

static gboolean
cnet_port_set_ring_size (CnetPort *self, int opt, guint size, const char *name,
                         GError **error)
{
  if (setsockopt (self->fd, SOL_XDP, opt, &size, sizeof size) < 0)
    {
      g_autofree char *what =
        g_strdup_printf ("cannot create the %s ring of %u entries", name, size);
      return cnet_port_fail (self, error, errno, what);
    }
  return TRUE;
}

/* In copy mode the kernel sends at most XDP_MAX_TX_SKB_BUDGET frames per
 * sendto() (32 unless raised) and answers EAGAIN for the rest, so a burst of
 * 64 costs two system calls. Kernels from 6.17 take a per-socket budget up
 * to the TX ring's size; raising it makes one kick send the whole ring.
 * Older kernels say ENOPROTOOPT: they keep 32, which works, only slower. */
static void
cnet_port_set_tx_budget (CnetPort *self)
{
  guint budget = self->tx_size;

  if (setsockopt (self->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget,
                  sizeof budget) < 0)
    g_debug ("%s queue %u: TX budget stays at the kernel's default: %s",
             self->interface, self->queue, g_strerror (errno));
}

/* Registers the UMEM on the socket (unless it will share @shared_fd's),
 * creates the four rings and maps them. A leased socket comes with its
 * UMEM and rings made by cnetd: then it only maps them. */
static gboolean
cnet_port_setup_rings (CnetPort *self, int shared_fd, GError **error)
{
  struct xdp_mmap_offsets off;
  socklen_t optlen = sizeof off;

  if (self->guard_fd >= 0)
    goto map;
  if ((shared_fd < 0 && !cnet_port_register_umem (self, error)) ||
      !cnet_port_set_ring_size (self, XDP_UMEM_FILL_RING, self->fill_size,
                                "fill", error) ||
      !cnet_port_set_ring_size (self, XDP_UMEM_COMPLETION_RING, self->comp_size,
                                "completion", error) ||
      !cnet_port_set_ring_size (self, XDP_RX_RING, self->rx_size, "RX",
                                error) ||
      !cnet_port_set_ring_size (self, XDP_TX_RING, self->tx_size, "TX", error))
    return FALSE;

  cnet_port_set_tx_budget (self);

map:
  if (getsockopt (self->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen) < 0)
    return cnet_port_fail (self, error, errno, "cannot read the ring offsets");

  if (!cnet_port_map_ring (self, &self->fill, self->fill_size, &off.fr,
                           sizeof (guint64), XDP_UMEM_PGOFF_FILL_RING, error) ||
      !cnet_port_map_ring (self, &self->comp, self->comp_size, &off.cr,
                           sizeof (guint64), XDP_UMEM_PGOFF_COMPLETION_RING,
                           error) ||
      !cnet_port_map_ring (self, &self->rx, self->rx_size, &off.rx,
                           sizeof (struct xdp_desc), XDP_PGOFF_RX_RING,
                           error) ||
      !cnet_port_map_ring (self, &self->tx, self->tx_size, &off.tx,
                           sizeof (struct xdp_desc), XDP_PGOFF_TX_RING, error))
    return FALSE;

  return TRUE;
}

/* Creates the socket, registers the UMEM (or shares @shared_fd's: then
 * the socket gets a fill and a completion ring of its own, as the kernel
 * requires for another queue, and inherits that socket's bind flags),
 * creates and maps the four rings and binds. */
static gboolean cnet_port_setup_rings (CnetPort *self, int shared_fd,
                                       GError **error);

static gboolean
cnet_port_open_socket (CnetPort *self, guint16 bind_flags, int shared_fd,
                       GError **error)
{
  struct sockaddr_xdp sxdp = {
    .sxdp_family = AF_XDP,
    .sxdp_ifindex = self->ifindex,
    .sxdp_queue_id = self->queue,
    .sxdp_flags = shared_fd >= 0 ? XDP_SHARED_UMEM : bind_flags,
    .sxdp_shared_umem_fd = shared_fd >= 0 ? (guint32) shared_fd : 0,
  };

  self->fd = socket (AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (self->fd < 0)
    {
      int errsv = errno;
      if (errsv == EPERM || errsv == EACCES)
        return cnet_port_fail (self, error, errsv,
                               "creating an AF_XDP socket needs CAP_NET_RAW");
      return cnet_port_fail (self, error, errsv,
                             "cannot create an AF_XDP socket");
    }
  if (!cnet_port_setup_rings (self, shared_fd, error))
    return FALSE;

  if (bind (self->fd, (struct sockaddr *) &sxdp, sizeof sxdp) < 0)
    {
      int errsv = errno;
      CnetNetdevInfo netdev;

      switch (errsv)
        {
        case EBUSY:
          g_set_error (error, CNET_ERROR, CNET_ERROR_BUSY,
                       "%s queue %u: the queue has an AF_XDP socket already "
                       "(%s)",
                       self->interface, self->queue, g_strerror (errsv));
          return FALSE;
        case EOPNOTSUPP:
          if (bind_flags & XDP_ZEROCOPY)
            {
              cnet_netdev_lookup (self->interface, &netdev, NULL);
              g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                           "%s queue %u: driver %s does not support "
                           "zero-copy AF_XDP; bind in copy or auto mode (%s)",
                           self->interface, self->queue, netdev.driver,
                           g_strerror (errsv));
              return FALSE;
            }
          break;
        default:
          break;
        }
      return cnet_port_fail (self, error, errsv, "cannot bind the socket");
    }
  return TRUE;
}

static void
cnet_port_close_socket (CnetPort *self)
{
  cnet_port_unmap_ring (&self->rx);
  cnet_port_unmap_ring (&self->tx);
  cnet_port_unmap_ring (&self->fill);
  cnet_port_unmap_ring (&self->comp);
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

static gboolean
cnet_port_set_busy_poll (CnetPort *self, GError **error)
{
  int one = 1;
  int usecs = (int) self->busy_poll_usecs;
  int budget = (int) self->busy_poll_budget;

  if (self->busy_poll_usecs == 0)
    return TRUE;
  if (setsockopt (self->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof one) <
        0 ||
      setsockopt (self->fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof usecs) <
        0 ||
      setsockopt (self->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget,
                  sizeof budget) < 0)
    return cnet_port_fail (self, error, errno,
                           "cannot enable busy polling (a busy-poll budget "
                           "above the default needs CAP_NET_ADMIN)");
  return TRUE;
}

/* Puts frames from the RX cache on the fill ring, as many as there is
 * room for. Only the receiving thread calls this. */
static void
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

static gboolean
cnet_port_check_settings (CnetPort *self, GError **error)
{
  const struct
  {
    const char *name;
    guint size;
  } rings[] = {
    { "rx-size", self->rx_size },
    { "tx-size", self->tx_size },
    { "fill-size", self->fill_size },
    { "comp-size", self->comp_size },
  };

  if (self->interface == NULL || self->pool == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "a port needs an interface and a mempool");
      return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (rings); i++)
    if (rings[i].size < 64 || rings[i].size > 65536 ||
        (rings[i].size & (rings[i].size - 1)) != 0)
      {
        g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                     "%s queue %u: %s %u is not allowed: a power of two "
                     "from 64 to 65536",
                     self->interface, self->queue, rings[i].name,
                     rings[i].size);
        return FALSE;
      }
  return TRUE;
}

/* Binds with a UMEM of the socket's own, in the bind mode asked for. */
static gboolean
cnet_port_bind_own_umem (CnetPort *self, const CnetNetdevInfo *netdev,
                         guint16 flags, GError **error)
{
  g_autoptr (GError) zc_error = NULL;
  guint64 features;

  switch (self->bind_mode)
    {
    case CNET_BIND_MODE_ZEROCOPY:
      return cnet_port_open_socket (self, flags | XDP_ZEROCOPY, -1, error);
    case CNET_BIND_MODE_COPY:
      return cnet_port_open_socket (self, flags | XDP_COPY, -1, error);
    case CNET_BIND_MODE_AUTO:
    default:
      break;
    }

  /* When the kernel says the driver has no zero-copy, do not try. */
  if (cnet_netdev_xdp_features (self->ifindex, &features) &&
      !(features & CNET_NETDEV_XDP_ACT_XSK_ZEROCOPY))
    {
      self->bind_mode = CNET_BIND_MODE_COPY;
      return cnet_port_open_socket (self, flags | XDP_COPY, -1, error);
    }

  /* A socket whose bind failed cannot be bound again: start over. */
  if (cnet_port_open_socket (self, flags | XDP_ZEROCOPY, -1, &zc_error))
    {
      self->bind_mode = CNET_BIND_MODE_ZEROCOPY;
      return TRUE;
    }
  if (!g_error_matches (zc_error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED))
    {
      g_propagate_error (error, g_steal_pointer (&zc_error));
      return FALSE;
    }
  g_info ("%s queue %u: zero-copy not supported by driver %s, using copy "
          "mode",
          self->interface, self->queue, netdev->driver);
  cnet_port_close_socket (self);
  if (!cnet_port_open_socket (self, flags | XDP_COPY, -1, error))
    return FALSE;
  self->bind_mode = CNET_BIND_MODE_COPY;
  return TRUE;
}

/* Parses @rules into the XDP program's form and the canonical text. */
static gboolean
cnet_port_parse_rules (CnetPort *self, const char *const *rules,
                       struct cnet_xdp_rule *xdp_rules, guint *n_rules,
                       GStrv *canonical, GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint n = rules ? g_strv_length ((GStrv) rules) : 0;

  if (n > CNET_MATCH_MAX_RULES)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%s queue %u: %u steering rules are too many; a port may "
                   "have %u",
                   self->interface, self->queue, n, CNET_MATCH_MAX_RULES);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (CnetMatch) match = cnet_match_new (rules[i], &local_error);

      if (match == NULL)
        {
          g_set_error (error, CNET_ERROR, local_error->code, "%s queue %u: %s",
                       self->interface, self->queue, local_error->message);
          return FALSE;
        }
      cnet_match_to_xdp (match, &xdp_rules[i]);
      {
        g_autofree char *text = cnet_match_to_string (match);
        g_strv_builder_add (builder, text);
      }
    }
  *n_rules = n;
  *canonical = g_strv_builder_end (builder);
  return TRUE;
}

/* Puts the first frames on the fill ring and starts counting. */
static void
cnet_port_start (CnetPort *self)
{
  self->tag = g_atomic_int_add (&next_tag, 1);
  cnet_mempool_register_cache (self->pool, &self->rx_cache);
  cnet_mempool_register_cache (self->pool, &self->tx_cache);
  while (cnet_ring_free (&self->fill, 1) > 0)
    {
      guint32 before = self->fill.cached_prod;
      cnet_port_refill (self);
      if (self->fill.cached_prod == before)
        break; /* mempool empty */
    }
  self->alloc_failures = 0;
  self->fill_ring_empty = 0;
}

/* A socket from cnetd, bound, with its UMEM and rings: map the rings and
 * fill; cnetd steers to it when the client activates the lease. No XDP
 * program here: the interface may not even be visible in this process's
 * namespace. */
static gboolean
cnet_port_init_leased (CnetPort *self, GError **error)
{
  self->fd = self->leased_fd;
  self->leased_fd = -1;
  if (!cnet_port_setup_rings (self, -1, error))
    return FALSE;
  cnet_port_start (self);
  return TRUE;
}

static gboolean
cnet_port_initable_init (GInitable *initable, GCancellable *cancellable,
                         GError **error)
{
  CnetPort *self = CNET_PORT (initable);
  struct cnet_xdp_rule xdp_rules[CNET_MATCH_MAX_RULES];
  g_auto (GStrv) canonical = NULL;
  CnetNetdevInfo netdev;
  guint16 flags = self->need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
  guint16 shared_flags = 0;
  guint n_rules = 0;
  int shared_fd;

  if (!cnet_port_check_settings (self, error))
    return FALSE;
  if (self->leased_fd >= 0)
    return cnet_port_init_leased (self, error);
  if (!cnet_port_parse_rules (self, (const char *const *) self->rules,
                              xdp_rules, &n_rules, &canonical, error))
    return FALSE;
  g_strfreev (self->rules);
  self->rules = g_steal_pointer (&canonical);
  if (!cnet_netdev_lookup (self->interface, &netdev, error))
    return FALSE;
  self->ifindex = netdev.ifindex;
  if (netdev.n_rx_queues != 0 && self->queue >= netdev.n_rx_queues)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%s queue %u: the interface has %u receive queue%s "
                   "(0 to %u)",
                   self->interface, self->queue, netdev.n_rx_queues,
                   netdev.n_rx_queues == 1 ? "" : "s", netdev.n_rx_queues - 1);
      return FALSE;
    }

  if (self->uds_path != NULL)
    {
      if (n_rules > 0)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                       "%s queue %u: a port on a device plugin's socket "
                       "(uds_path %s) takes no steering rules: the server's "
                       "XDP program decides what the queue gets",
                       self->interface, self->queue, self->uds_path);
          return FALSE;
        }
      self->uds =
        cnet_uds_client_connect (self->uds_path, self->interface, error);
      if (self->uds == NULL)
        return FALSE;
    }
  else
    {
      self->prog = cnet_xdp_program_attach (self->interface, self->xdp_mode,
                                            self->attach_flags, error);
      if (self->prog == NULL)
        return FALSE;
      if (!cnet_xdp_program_claim_queue (self->prog, self->queue, self, error))
        return FALSE;
      self->queue_claimed = TRUE;
    }

  shared_fd = cnet_mempool_dup_umem_socket (self->pool, &shared_flags);
  if (shared_fd >= 0)
    {
      gboolean ok = cnet_port_open_socket (self, 0, shared_fd, error);

      /* Shared means the first socket's bind mode and need-wakeup. */
      close (shared_fd);
      if (!ok)
        return FALSE;
      self->shares_umem = TRUE;
      self->bind_mode = (shared_flags & XDP_ZEROCOPY) ? CNET_BIND_MODE_ZEROCOPY
                                                      : CNET_BIND_MODE_COPY;
      self->need_wakeup = (shared_flags & XDP_USE_NEED_WAKEUP) != 0;
    }
  else if (!cnet_port_bind_own_umem (self, &netdev, flags, error))
    return FALSE;
  self->umem_socket.fd = self->fd;
  self->umem_socket.flags =
    (self->need_wakeup ? XDP_USE_NEED_WAKEUP : 0) |
    (self->bind_mode == CNET_BIND_MODE_ZEROCOPY ? XDP_ZEROCOPY : XDP_COPY);
  cnet_mempool_add_umem_socket (self->pool, &self->umem_socket);

  if (self->uds != NULL && self->busy_poll_usecs != 0)
    {
      if (!cnet_uds_client_config_busy_poll (self->uds, self->fd,
                                             self->busy_poll_usecs,
                                             self->busy_poll_budget, error))
        return FALSE;
    }
  else if (!cnet_port_set_busy_poll (self, error))
    return FALSE;

  cnet_port_start (self);

  if (self->uds != NULL)
    {
      if (!cnet_uds_client_set_socket (self->uds, self->queue, self->fd, error))
        return FALSE;
      self->in_xskmap = TRUE;
      g_debug ("%s queue %u: port up on uds_path %s, %s mode", self->interface,
               self->queue, self->uds_path,
               self->bind_mode == CNET_BIND_MODE_ZEROCOPY ? "zero-copy"
                                                          : "copy");
      return TRUE;
    }

  /* Rules first: the socket gets only what they steer to it. */
  if (!cnet_xdp_program_set_rules (self->prog, self->queue, xdp_rules, n_rules,
                                   error) ||
      !cnet_xdp_program_set_socket (self->prog, self->queue, self->fd, error))
    return FALSE;
  self->in_xskmap = TRUE;

  g_debug ("%s queue %u: port up, %s mode, XDP program %u", self->interface,
           self->queue,
           self->bind_mode == CNET_BIND_MODE_ZEROCOPY ? "zero-copy" : "copy",
           cnet_xdp_program_get_id (self->prog));
  return TRUE;
}

static void
cnet_port_initable_iface_init (GInitableIface *iface)
{
  iface->init = cnet_port_initable_init;
}

static void
cnet_port_dispose (GObject *object)
{
  CnetPort *self = CNET_PORT (object);

  /* Reverse order of construction: stop the redirect, close the socket (the
   * kernel lets go of every frame), then take the frames back. */
  if (self->in_xskmap && self->uds != NULL)
    cnet_uds_client_clear_socket (self->uds, self->queue);
  else if (self->in_xskmap)
    cnet_xdp_program_clear_socket (self->prog, self->queue);
  self->in_xskmap = FALSE;
  if (self->lease_connection != NULL)
    {
      /* Tell cnetd at once; it would notice the closed socket anyway. */
      g_dbus_connection_call (self->lease_connection, CNET_DBUS_NAME,
                              self->lease_path, CNET_DBUS_INTERFACE_LEASE,
                              "Release", NULL, NULL,
                              G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL,
                              NULL);
      g_dbus_connection_flush (self->lease_connection, NULL, NULL, NULL);
      g_clear_object (&self->lease_connection);
    }
  if (self->leased_fd >= 0)
    close (self->leased_fd);
  self->leased_fd = -1;
  if (self->guard_fd >= 0)
    close (self->guard_fd);
  self->guard_fd = -1;
  if (self->umem_socket.fd >= 0)
    cnet_mempool_remove_umem_socket (self->pool, &self->umem_socket);
  self->umem_socket.fd = -1;
  cnet_port_close_socket (self);
  if (self->tag != 0)
    {
      cnet_mempool_unregister_cache (self->pool, &self->rx_cache);
      cnet_mempool_unregister_cache (self->pool, &self->tx_cache);
      cnet_mempool_reclaim (self->pool, self->tag);
      self->tag = 0;
    }
  if (self->queue_claimed)
    cnet_xdp_program_release_queue (self->prog, self->queue, self);
  self->queue_claimed = FALSE;
  g_clear_object (&self->prog);
  g_clear_pointer (&self->uds, cnet_uds_client_free);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cnet_port_parent_class)->dispose (object);
}

static void
cnet_port_finalize (GObject *object)
{
  CnetPort *self = CNET_PORT (object);

  g_free (self->interface);
  g_free (self->lease_path);
  g_free (self->uds_path);
  g_strfreev (self->rules);
  g_mutex_clear (&self->tx_lock);
  g_mutex_clear (&self->rules_lock);

  G_OBJECT_CLASS (cnet_port_parent_class)->finalize (object);
}

static void
cnet_port_get_property (GObject *object, guint prop_id, GValue *value,
                        GParamSpec *pspec)
{
  CnetPort *self = CNET_PORT (object);

  switch (prop_id)
    {
    case PROP_INTERFACE:
      g_value_set_string (value, self->interface);
      break;
    case PROP_QUEUE:
      g_value_set_uint (value, self->queue);
      break;
    case PROP_MEMPOOL:
      g_value_set_object (value, self->pool);
      break;
    case PROP_XDP_MODE:
      g_value_set_enum (value, self->prog
                                 ? cnet_xdp_program_get_mode (self->prog)
                                 : self->xdp_mode);
      break;
    case PROP_BIND_MODE:
      g_value_set_enum (value, self->bind_mode);
      break;
    case PROP_ATTACH_FLAGS:
      g_value_set_flags (value, self->attach_flags);
      break;
    case PROP_NEED_WAKEUP:
      g_value_set_boolean (value, self->need_wakeup);
      break;
    case PROP_BUSY_POLL_USECS:
      g_value_set_uint (value, self->busy_poll_usecs);
      break;
    case PROP_BUSY_POLL_BUDGET:
      g_value_set_uint (value, self->busy_poll_budget);
      break;
    case PROP_RX_SIZE:
      g_value_set_uint (value, self->rx_size);
      break;
    case PROP_TX_SIZE:
      g_value_set_uint (value, self->tx_size);
      break;
    case PROP_FILL_SIZE:
      g_value_set_uint (value, self->fill_size);
      break;
    case PROP_COMP_SIZE:
      g_value_set_uint (value, self->comp_size);
      break;
    case PROP_RULES:
      g_value_take_boxed (value, cnet_port_get_rules (self));
      break;
    case PROP_IFINDEX:
      g_value_set_uint (value, self->ifindex);
      break;
    case PROP_XDP_PROGRAM:
      g_value_set_object (value, self->prog);
      break;
    case PROP_UDS_PATH:
      g_value_set_string (value, self->uds_path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_port_set_property (GObject *object, guint prop_id, const GValue *value,
                        GParamSpec *pspec)
{
  CnetPort *self = CNET_PORT (object);

  switch (prop_id)
    {
    case PROP_INTERFACE:
      self->interface = g_value_dup_string (value);
      break;
    case PROP_QUEUE:
      self->queue = g_value_get_uint (value);
      break;
    case PROP_MEMPOOL:
      self->pool = g_value_dup_object (value);
      break;
    case PROP_XDP_MODE:
      self->xdp_mode = g_value_get_enum (value);
      break;
    case PROP_BIND_MODE:
      self->bind_mode = g_value_get_enum (value);
      break;
    case PROP_ATTACH_FLAGS:
      self->attach_flags = g_value_get_flags (value);
      break;
    case PROP_NEED_WAKEUP:
      self->need_wakeup = g_value_get_boolean (value);
      break;
    case PROP_BUSY_POLL_USECS:
      self->busy_poll_usecs = g_value_get_uint (value);
      break;
    case PROP_BUSY_POLL_BUDGET:
      self->busy_poll_budget = g_value_get_uint (value);
      break;
    case PROP_RX_SIZE:
      self->rx_size = g_value_get_uint (value);
      break;
    case PROP_TX_SIZE:
      self->tx_size = g_value_get_uint (value);
      break;
    case PROP_FILL_SIZE:
      self->fill_size = g_value_get_uint (value);
      break;
    case PROP_COMP_SIZE:
      self->comp_size = g_value_get_uint (value);
      break;
    case PROP_RULES:
      self->rules = g_value_dup_boxed (value);
      break;
    case PROP_UDS_PATH:
      self->uds_path = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
cnet_port_ring_pspec (const char *name)
{
  return g_param_spec_uint (name, NULL, NULL, 0, G_MAXUINT,
                            CNET_PORT_DEFAULT_RING_SIZE,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                              G_PARAM_STATIC_STRINGS);
}

static void
cnet_port_class_init (CnetPortClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnet_port_dispose;
  object_class->finalize = cnet_port_finalize;
  object_class->get_property = cnet_port_get_property;
  object_class->set_property = cnet_port_set_property;

  /**
   * CnetPort:interface:
   *
   * The name of the interface.
   *
   * Since: 1.0
   */
  props[PROP_INTERFACE] =
    g_param_spec_string ("interface", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:queue:
   *
   * The receive queue of the interface the socket is bound to.
   *
   * Since: 1.0
   */
  props[PROP_QUEUE] =
    g_param_spec_uint ("queue", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:mempool:
   *
   * The mempool whose frames the port receives into and sends from.
   *
   * Since: 1.0
   */
  props[PROP_MEMPOOL] =
    g_param_spec_object ("mempool", NULL, NULL, CNET_TYPE_MEMPOOL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:xdp-mode:
   *
   * How the XDP program is attached: asked for at construction, the mode
   * used afterwards.
   *
   * Since: 1.0
   */
  props[PROP_XDP_MODE] =
    g_param_spec_enum ("xdp-mode", NULL, NULL, CNET_TYPE_XDP_MODE,
                       CNET_XDP_MODE_AUTO,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:bind-mode:
   *
   * How the socket is bound: asked for at construction, the mode used
   * afterwards. With %CNET_BIND_MODE_AUTO on a driver without zero-copy
   * support (veth), the port falls back to copy mode and says so here.
   *
   * Since: 1.0
   */
  props[PROP_BIND_MODE] =
    g_param_spec_enum ("bind-mode", NULL, NULL, CNET_TYPE_BIND_MODE,
                       CNET_BIND_MODE_AUTO,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:attach-flags:
   *
   * What to do about a foreign XDP program on the interface.
   *
   * Since: 1.0
   */
  props[PROP_ATTACH_FLAGS] =
    g_param_spec_flags ("attach-flags", NULL, NULL, CNET_TYPE_XDP_ATTACH_FLAGS,
                        CNET_XDP_ATTACH_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:need-wakeup:
   *
   * Whether the socket uses `XDP_USE_NEED_WAKEUP`: the kernel says when it
   * must be kicked, and the port makes a system call only then.
   *
   * Since: 1.0
   */
  props[PROP_NEED_WAKEUP] =
    g_param_spec_boolean ("need-wakeup", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                            G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:busy-poll-usecs:
   *
   * When not 0, the socket prefers busy polling (`SO_PREFER_BUSY_POLL`,
   * `SO_BUSY_POLL` with this many microseconds): the receiving thread
   * drives the driver instead of interrupts.
   *
   * Since: 1.0
   */
  props[PROP_BUSY_POLL_USECS] =
    g_param_spec_uint ("busy-poll-usecs", NULL, NULL, 0, G_MAXINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:busy-poll-budget:
   *
   * The number of frames one busy poll may process
   * (`SO_BUSY_POLL_BUDGET`).
   *
   * Since: 1.0
   */
  props[PROP_BUSY_POLL_BUDGET] =
    g_param_spec_uint ("busy-poll-budget", NULL, NULL, 1, G_MAXUINT16, 64,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:rx-size:
   *
   * The number of descriptors of the RX ring, a power of two.
   *
   * Since: 1.0
   */
  props[PROP_RX_SIZE] = cnet_port_ring_pspec ("rx-size");

  /**
   * CnetPort:tx-size:
   *
   * The number of descriptors of the TX ring, a power of two.
   *
   * Since: 1.0
   */
  props[PROP_TX_SIZE] = cnet_port_ring_pspec ("tx-size");

  /**
   * CnetPort:fill-size:
   *
   * The number of descriptors of the fill ring, a power of two. The port
   * keeps it as full as the mempool allows.
   *
   * Since: 1.0
   */
  props[PROP_FILL_SIZE] = cnet_port_ring_pspec ("fill-size");

  /**
   * CnetPort:comp-size:
   *
   * The number of descriptors of the completion ring, a power of two.
   *
   * Since: 1.0
   */
  props[PROP_COMP_SIZE] = cnet_port_ring_pspec ("comp-size");

  /**
   * CnetPort:rules:
   *
   * The steering rules (see #CnetMatch): only frames that one of them
   * matches go to the port; the rest of the queue's traffic goes to the
   * kernel. Empty or unset: the whole queue goes to the port. Read back in
   * canonical form; change with cnet_port_set_rules().
   *
   * Since: 1.0
   */
  props[PROP_RULES] =
    g_param_spec_boxed ("rules", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:ifindex:
   *
   * The index of the interface.
   *
   * Since: 1.0
   */
  props[PROP_IFINDEX] =
    g_param_spec_uint ("ifindex", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:xdp-program:
   *
   * The XDP program that steers the queue's frames to this port.
   *
   * Since: 1.0
   */
  props[PROP_XDP_PROGRAM] =
    g_param_spec_object ("xdp-program", NULL, NULL, CNET_TYPE_XDP_PROGRAM,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:uds-path:
   *
   * When set, the path of an AF_XDP device plugin's Unix socket (CNDP's
   * `uds_path`; served by the Kubernetes AF_XDP device plugin or by
   * cnetd): the port takes the interface's XSKMAP from it instead of
   * attaching an XDP program, binds its own socket and puts it in that
   * map; busy polling is configured by the server. Needs only
   * CAP_NET_RAW. Such a port takes no #CnetPort:rules. See
   * `docs/kubernetes.md`.
   *
   * Since: 1.0
   */
  props[PROP_UDS_PATH] =
    g_param_spec_string ("uds-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * CnetPort::lease-ended:
   * @port: the port
   * @error: why: %CNET_ERROR_LEASE_ENDED, with a message naming the port
   *
   * Emitted once, on a port opened through cnetd (cnet_client_open_port()),
   * when the port finds that its lease has ended: it was released, its
   * interface went, or cnetd stopped or restarted. From then on receiving,
   * sending and waiting fail with %CNET_ERROR_LEASE_ENDED. It is emitted
   * in the thread that found out: the one calling cnet_port_wait(),
   * cnet_port_receive(), cnet_port_send() or cnet_port_get_stats(), or the
   * main context of the port's #GSource.
   *
   * Since: 1.0
   */
  signals[SIGNAL_LEASE_ENDED] =
    g_signal_new ("lease-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cnet_port_init (CnetPort *self)
{
  self->fd = -1;
  self->leased_fd = -1;
  self->guard_fd = -1;
  self->umem_socket.fd = -1;
  self->need_wakeup = TRUE;
  g_mutex_init (&self->rules_lock);
  self->busy_poll_budget = 64;
  self->rx_size = self->tx_size = CNET_PORT_DEFAULT_RING_SIZE;
  self->fill_size = self->comp_size = CNET_PORT_DEFAULT_RING_SIZE;
  g_mutex_init (&self->tx_lock);
}

/**
 * cnet_port_new:
 * @interface: the interface name
 * @queue: the receive queue
 * @mempool: the mempool to receive into and send from
 * @error: return location for a #GError
 *
 * Opens a port with default settings: XDP and bind modes chosen
 * automatically, need-wakeup on, rings of %CNET_PORT_DEFAULT_RING_SIZE
 * descriptors. For other settings construct a port with g_initable_new()
 * and the #CnetPort properties.
 *
 * Needs CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and CAP_PERFMON (or root);
 * a port leased from cnetd (cnet_client_open_port()) needs none.
 *
 * Returns: (transfer full): the port, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetPort *
cnet_port_new (const char *interface, guint queue, CnetMempool *mempool,
               GError **error)
{
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);

  return g_initable_new (CNET_TYPE_PORT, NULL, error, "interface", interface,
                         "queue", queue, "mempool", mempool, NULL);
}

/**
 * cnet_port_get_uds_path:
 * @port: a #CnetPort
 *
 * Returns: (nullable): the device plugin socket the port was opened
 *   through (#CnetPort:uds-path), or %NULL
 *
 * Since: 1.0
 */
const char *
cnet_port_get_uds_path (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), NULL);

  return port->uds_path;
}

/**
 * cnet_port_get_interface:
 * @port: a #CnetPort
 *
 * Returns: the interface name
 *
 * Since: 1.0
 */
const char *
cnet_port_get_interface (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), NULL);
  return port->interface;
}

/**
 * cnet_port_get_ifindex:
 * @port: a #CnetPort
 *
 * Returns: the interface index
 *
 * Since: 1.0
 */
guint
cnet_port_get_ifindex (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), 0);
  return port->ifindex;
}

/**
 * cnet_port_get_queue:
 * @port: a #CnetPort
 *
 * Returns: the receive queue
 *
 * Since: 1.0
 */
guint
cnet_port_get_queue (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), 0);
  return port->queue;
}

/**
 * cnet_port_get_mempool:
 * @port: a #CnetPort
 *
 * Returns: (transfer none): the port's mempool
 *
 * Since: 1.0
 */
CnetMempool *
cnet_port_get_mempool (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), NULL);
  return port->pool;
}

/**
 * cnet_port_get_xdp_program:
 * @port: a #CnetPort
 *
 * Returns: (transfer none): the XDP program on the port's interface
 *
 * Since: 1.0
 */
CnetXdpProgram *
cnet_port_get_xdp_program (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), NULL);
  return port->prog;
}

/**
 * cnet_port_get_bind_mode:
 * @port: a #CnetPort
 *
 * Returns: the bind mode in use: %CNET_BIND_MODE_COPY or
 *   %CNET_BIND_MODE_ZEROCOPY
 *
 * Since: 1.0
 */
CnetBindMode
cnet_port_get_bind_mode (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), CNET_BIND_MODE_AUTO);
  return port->bind_mode;
}

/**
 * cnet_port_get_need_wakeup:
 * @port: a #CnetPort
 *
 * Returns: whether the socket uses need-wakeup
 *
 * Since: 1.0
 */
gboolean
cnet_port_get_need_wakeup (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  return port->need_wakeup;
}

/**
 * cnet_port_get_fd:
 * @port: a #CnetPort
 *
 * Gets the AF_XDP socket, to poll for `POLLIN` (packets on the RX ring) or
 * `POLLOUT`. The port keeps ownership: do not close it.
 *
 * Returns: the socket's file descriptor
 *
 * Since: 1.0
 */
int
cnet_port_get_fd (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), -1);
  return port->fd;
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
  n = cnet_ring_peek (&port->rx, n_packets);
  {
    const struct xdp_desc *descs = port->rx.descs;
    guint32 cons = port->rx.cached_cons, mask = port->rx.mask;
    guint8 *area = pool->area;
    guint64 frame_mask = ~(guint64) (pool->frame_size - 1);

    for (guint32 i = 0; i < n; i++)
      {
        const struct xdp_desc *desc = &descs[(cons + i) & mask];
        guint64 frame = desc->addr & frame_mask;
        CnetPacket *pkt = (CnetPacket *) (area + frame);

        cnet_packet_init_owned (pkt, (guint16) (desc->addr - frame),
                                (guint16) desc->len);
        bytes += desc->len;
        packets[i] = pkt;
      }
  }
  if (n > 0)
    cnet_ring_release (&port->rx, n);
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
  if ((port->need_wakeup && cnet_ring_needs_wakeup (&port->fill)) ||
      (port->busy_poll_usecs != 0 && n == 0))
    {
      port->rx_wakeups++;
      recvfrom (port->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
    }

  __atomic_store_n (&port->rx_busy, 0, __ATOMIC_RELEASE);
  return n;
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
      if (self->need_wakeup && !cnet_ring_needs_wakeup (&self->tx))
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
  guint32 n = 0;
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

    for (; n < room; n++)
      {
        CnetPacket *pkt = packets[n];
        struct xdp_desc *desc = &descs[(prod + n) & mask];

        if (G_UNLIKELY (pkt->pool != pool ||
                        pkt->state != CNET_PACKET_STATE_OWNED))
          {
            g_critical ("%s queue %u: cnet_port_tx_burst(): packet %u %s",
                        port->interface, port->queue, n,
                        pkt->pool != pool ? "belongs to another mempool"
                                          : "is not owned by the application");
            break;
          }
        desc->addr = pkt->addr + pkt->data_off;
        desc->len = pkt->len;
        desc->options = 0;
        bytes += pkt->len;
        pkt->state = CNET_PACKET_STATE_IN_FLIGHT;
        pkt->port_tag = tag;
      }
  }
  if (n > 0)
    {
      cnet_ring_submit (&port->tx, n);
      port->outstanding_tx += n;
      port->tx_packets += n;
      port->tx_bytes += bytes;
    }
  port->tx_ring_full += n_packets - room;
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

static void
cnet_port_set_lease_ended_error (CnetPort *port, GError **error)
{
  g_set_error (error, CNET_ERROR, CNET_ERROR_LEASE_ENDED,
               "%s queue %u: the lease from cnetd has ended (released, the "
               "interface went, or cnetd stopped); the port can no longer "
               "receive or send",
               port->interface, port->queue);
}

/* The lease ended: say so once, to every listener. */
static void
cnet_port_lease_ended (CnetPort *port)
{
  g_autoptr (GError) error = NULL;

  if (__atomic_exchange_n (&port->lease_ended, 1, __ATOMIC_ACQ_REL))
    return;
  g_debug ("%s queue %u: the lease has ended", port->interface, port->queue);
  cnet_port_set_lease_ended_error (port, &error);
  g_signal_emit (port, signals[SIGNAL_LEASE_ENDED], 0, error);
}

gboolean
cnet_port_check_lease (CnetPort *port, GError **error)
{
  struct pollfd pfd = { .fd = port->guard_fd, .events = 0 };

  if (port->guard_fd < 0)
    return TRUE;
  if (!__atomic_load_n (&port->lease_ended, __ATOMIC_ACQUIRE) &&
      poll (&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
    cnet_port_lease_ended (port);
  if (__atomic_load_n (&port->lease_ended, __ATOMIC_ACQUIRE))
    {
      cnet_port_set_lease_ended_error (port, error);
      return FALSE;
    }
  return TRUE;
}

int
cnet_port_get_guard_fd (CnetPort *port)
{
  return port->guard_fd;
}

/* Whether the port's interface is still there. When a device goes, the
 * kernel unbinds its AF_XDP sockets and sets ENETDOWN as their error, but
 * poll() then reports nothing at all on them (it returns early for an
 * unbound socket) and the statistics still read: look at SO_ERROR, and
 * remember the answer, since reading the error clears it. */
static gboolean
cnet_port_check_gone (CnetPort *port, GError **error)
{
  int err = 0;
  socklen_t len = sizeof err;

  if (!__atomic_load_n (&port->gone, __ATOMIC_RELAXED) &&
      getsockopt (port->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
      (err == ENETDOWN || err == ENODEV || err == ENXIO))
    __atomic_store_n (&port->gone, TRUE, __ATOMIC_RELAXED);
  if (__atomic_load_n (&port->gone, __ATOMIC_RELAXED))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INTERFACE_GONE,
                   "%s queue %u: the interface is gone; the port can no "
                   "longer receive or send",
                   port->interface, port->queue);
      return FALSE;
    }
  return TRUE;
}

/**
 * cnet_port_wait:
 * @port: a #CnetPort
 * @timeout_ms: how long to wait, in milliseconds; -1 waits without limit
 * @error: return location for a #GError
 *
 * Waits until the RX ring has packets or @timeout_ms has passed.
 *
 * Returns: %TRUE when packets are ready; %FALSE on timeout (with @error
 *   unset) or when polling failed (with @error set;
 *   %CNET_ERROR_INTERFACE_GONE when the interface went away, which a
 *   wait without limit notices within a second)
 *
 * Since: 1.0
 */
gboolean
cnet_port_wait (CnetPort *port, int timeout_ms, GError **error)
{
  /* A leased port waits on its guard too, which hangs up when the lease
   * ends: no time passes before the port says so. */
  struct pollfd pfds[2] = {
    { .fd = port->fd, .events = POLLIN },
    { .fd = port->guard_fd, .events = 0 },
  };
  struct pollfd *pfd = &pfds[0];
  nfds_t n_fds = port->guard_fd >= 0 ? 2 : 1;
  gint64 deadline;
  int r;

  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);

  if (!cnet_port_check_lease (port, error))
    return FALSE;
  deadline =
    timeout_ms < 0 ? -1 : g_get_monotonic_time () + timeout_ms * 1000LL;
  /* In slices of at most a second: a socket whose interface went is never
   * woken (see cnet_port_check_gone), so a long wait looks in between. */
  for (;;)
    {
      int slice = 1000;

      if (deadline >= 0)
        slice = (int) CLAMP ((deadline - g_get_monotonic_time () + 999) / 1000,
                             0, 1000);
      do
        r = poll (pfds, n_fds, slice);
      while (r < 0 && errno == EINTR);
      if (r < 0)
        return cnet_port_fail (port, error, errno, "cannot poll the socket");
      if (n_fds == 2 && pfds[1].revents != 0 &&
          !cnet_port_check_lease (port, error))
        return FALSE;
      r = pfd->revents != 0 ? 1 : 0;
      /* Nothing came, or an error: the interface may have gone. */
      if ((r == 0 || (pfd->revents & POLLERR)) &&
          !cnet_port_check_gone (port, error))
        return FALSE;
      if (r > 0 || (deadline >= 0 && g_get_monotonic_time () >= deadline))
        break;
    }
  if (r > 0 && (pfd->revents & (POLLERR | POLLNVAL)))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INTERFACE_GONE,
                   "%s queue %u: the socket reports an error; the interface "
                   "may be gone",
                   port->interface, port->queue);
      return FALSE;
    }
  return r > 0;
}

/* A leased port's XDP counters live in cnetd: read the lease's Stats. */
static gboolean
cnet_port_get_lease_stats (CnetPort *port, CnetPortStats *stats, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) dict = NULL;
  g_autoptr (GVariant) rules = NULL;
  char key[32];

  if (port->lease_connection == NULL)
    return TRUE; /* not active yet: nothing counted */
  reply =
    g_dbus_connection_call_sync (port->lease_connection, CNET_DBUS_NAME,
                                 port->lease_path,
                                 "org.freedesktop.DBus.Properties", "GetAll",
                                 g_variant_new ("(s)",
                                                CNET_DBUS_INTERFACE_LEASE),
                                 G_VARIANT_TYPE ("(a{sv})"),
                                 G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, NULL,
                                 error);
  if (reply == NULL)
    return FALSE;
  dict = g_variant_get_child_value (reply, 0);
  {
    g_autoptr (GVariantDict) all = g_variant_dict_new (dict);
    g_autoptr (GVariant) counters =
      g_variant_dict_lookup_value (all, "Stats", G_VARIANT_TYPE ("a{st}"));

    rules = g_variant_dict_lookup_value (all, "Rules", G_VARIANT_TYPE ("as"));
    stats->n_rules = rules ? (guint) g_variant_n_children (rules) : 0;
    if (counters == NULL)
      return TRUE;
    g_variant_lookup (counters, "xdp_redirected", "t", &stats->xdp_redirected);
    g_variant_lookup (counters, "xdp_passed", "t", &stats->xdp_passed);
    g_variant_lookup (counters, "xdp_dropped", "t", &stats->xdp_dropped);
    for (guint i = 0; i < MIN (stats->n_rules, CNET_MATCH_MAX_RULES); i++)
      {
        g_snprintf (key, sizeof key, "rule%u_hits", i);
        g_variant_lookup (counters, key, "t", &stats->rule_hits[i]);
      }
  }
  return TRUE;
}

/**
 * cnet_port_get_stats:
 * @port: a #CnetPort
 * @stats: (out caller-allocates): where to store the counters
 * @error: return location for a #GError
 *
 * Reads the port's counters: the library's own, the socket's
 * `XDP_STATISTICS` and the XDP program's counters for the port's queue.
 * The library's counters are read without stopping the data path, so a
 * snapshot taken while packets flow may be a few packets apart.
 *
 * Returns: (skip): %TRUE, or %FALSE with @error set when the kernel's
 *   counters cannot be read
 *
 * Since: 1.0
 */
gboolean
cnet_port_get_stats (CnetPort *port, CnetPortStats *stats, GError **error)
{
  struct xdp_statistics xs = { 0 };
  socklen_t len = sizeof xs;

  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  memset (stats, 0, sizeof *stats);
  if (!cnet_port_check_lease (port, error) ||
      !cnet_port_check_gone (port, error))
    return FALSE;
  stats->rx_packets = port->rx_packets;
  stats->rx_bytes = port->rx_bytes;
  stats->fill_ring_empty = port->fill_ring_empty;
  stats->alloc_failures = port->alloc_failures;
  stats->rx_wakeups = port->rx_wakeups;
  stats->source_dispatches =
    __atomic_load_n (&port->source_events[CNET_PORT_SOURCE_DISPATCH],
                     __ATOMIC_RELAXED);
  stats->source_wakeups =
    __atomic_load_n (&port->source_events[CNET_PORT_SOURCE_WAKEUP],
                     __ATOMIC_RELAXED);
  stats->source_sleeps =
    __atomic_load_n (&port->source_events[CNET_PORT_SOURCE_SLEEP],
                     __ATOMIC_RELAXED);
  stats->source_spins =
    __atomic_load_n (&port->source_events[CNET_PORT_SOURCE_SPIN],
                     __ATOMIC_RELAXED);

  g_mutex_lock (&port->tx_lock);
  stats->tx_packets = port->tx_packets;
  stats->tx_bytes = port->tx_bytes;
  stats->tx_completed = port->tx_completed;
  stats->tx_kicks = port->tx_kicks;
  stats->tx_kick_errors = port->tx_kick_errors;
  stats->tx_ring_full = port->tx_ring_full;
  g_mutex_unlock (&port->tx_lock);

  if (getsockopt (port->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) < 0)
    return cnet_port_fail (port, error, errno,
                           "cannot read the socket's statistics");
  stats->rx_dropped = xs.rx_dropped;
  stats->rx_invalid_descs = xs.rx_invalid_descs;
  stats->tx_invalid_descs = xs.tx_invalid_descs;
  stats->rx_ring_full = xs.rx_ring_full;
  stats->rx_fill_ring_empty_descs = xs.rx_fill_ring_empty_descs;
  stats->tx_ring_empty_descs = xs.tx_ring_empty_descs;

  if (port->prog == NULL)
    return cnet_port_get_lease_stats (port, stats, error);
  if (!cnet_xdp_program_get_queue_counters (port->prog, port->queue,
                                            &stats->xdp_redirected,
                                            &stats->xdp_passed,
                                            &stats->xdp_dropped, error))
    return FALSE;

  g_mutex_lock (&port->rules_lock);
  stats->n_rules = port->rules ? g_strv_length (port->rules) : 0;
  g_mutex_unlock (&port->rules_lock);
  return cnet_xdp_program_get_rule_hits (port->prog, port->queue,
                                         stats->rule_hits, stats->n_rules,
                                         error);
}

/* A leased port's rules live in cnetd's program: ask cnetd to change
 * them (Lease.SetRules, which only the lease's owner may call). */
static gboolean
cnet_port_set_lease_rules (CnetPort *port, const char *const *canonical,
                           GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!cnet_port_check_lease (port, error))
    return FALSE;
  if (port->lease_connection == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
                   "%s queue %u: the port has no XDP program of its own and "
                   "no lease whose rules could be changed",
                   port->interface, port->queue);
      return FALSE;
    }
  reply =
    g_dbus_connection_call_sync (port->lease_connection, CNET_DBUS_NAME,
                                 port->lease_path, CNET_DBUS_INTERFACE_LEASE,
                                 "SetRules",
                                 g_variant_new ("(^as)", (char **) canonical),
                                 G_VARIANT_TYPE ("()"),
                                 G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                                 &local_error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_mutex_lock (&port->rules_lock);
  g_strfreev (port->rules);
  port->rules = g_strdupv ((GStrv) canonical);
  g_mutex_unlock (&port->rules_lock);
  g_object_notify_by_pspec (G_OBJECT (port), props[PROP_RULES]);
  return TRUE;
}

/**
 * cnet_port_set_rules:
 * @port: a #CnetPort
 * @rules: (array zero-terminated=1) (nullable): the new steering rules, or
 *   %NULL for none
 * @error: return location for a #GError
 *
 * Replaces the port's steering rules (see #CnetMatch and #CnetPort:rules)
 * and zeroes their hit counters. With no rules the whole queue goes to the
 * port. On error the old rules stay. On a port leased from cnetd the rules
 * live in cnetd's program: this asks cnetd (org.cnet.Cnet1.Lease.SetRules)
 * and waits for its answer.
 *
 * Returns: %TRUE, or %FALSE with @error set when a rule does not parse
 *   (%CNET_ERROR_INVALID_ARGUMENT), there are more than
 *   %CNET_MATCH_MAX_RULES (%CNET_ERROR_OUT_OF_RANGE), or a leased port's
 *   lease has ended (%CNET_ERROR_LEASE_ENDED)
 *
 * Since: 1.0
 */
gboolean
cnet_port_set_rules (CnetPort *port, const char *const *rules, GError **error)
{
  struct cnet_xdp_rule xdp_rules[CNET_MATCH_MAX_RULES];
  g_auto (GStrv) canonical = NULL;
  guint n_rules;

  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cnet_port_parse_rules (port, rules, xdp_rules, &n_rules, &canonical,
                              error))
    return FALSE;
  if (port->prog == NULL)
    return cnet_port_set_lease_rules (port, (const char *const *) canonical,
                                      error);
  g_mutex_lock (&port->rules_lock);
  if (!cnet_xdp_program_set_rules (port->prog, port->queue, xdp_rules, n_rules,
                                   error))
    {
      g_mutex_unlock (&port->rules_lock);
      return FALSE;
    }
  g_strfreev (port->rules);
  port->rules = g_steal_pointer (&canonical);
  g_mutex_unlock (&port->rules_lock);
  g_object_notify_by_pspec (G_OBJECT (port), props[PROP_RULES]);
  return TRUE;
}

/**
 * cnet_port_get_rules:
 * @port: a #CnetPort
 *
 * Gets the port's steering rules in canonical form, in the order their hit
 * counters have in #CnetPortStats.
 *
 * Returns: (transfer full) (array zero-terminated=1): the rules; empty
 *   when the whole queue goes to the port
 *
 * Since: 1.0
 */
char **
cnet_port_get_rules (CnetPort *port)
{
  char **rules;

  g_return_val_if_fail (CNET_IS_PORT (port), NULL);

  g_mutex_lock (&port->rules_lock);
  rules = port->rules ? g_strdupv (port->rules) : g_new0 (char *, 1);
  g_mutex_unlock (&port->rules_lock);
  return rules;
}

/**
 * cnet_port_open_queues:
 * @interface: the interface name
 * @first_queue: the first receive queue
 * @n_queues: how many queues, from @first_queue on
 * @mempool: the mempool all the ports share
 * @error: return location for a #GError
 *
 * Opens a port on each of @n_queues consecutive queues of @interface, all
 * on @mempool (the first registers the UMEM, the others share it, each
 * with fill and completion rings of its own), with default settings. It is
 * all or nothing: on error no port stays open.
 *
 * Hand the ports to worker threads as you like; each port is
 * single-consumer for receiving.
 *
 * Returns: (transfer container) (element-type CnetPort): the ports, in
 *   queue order, or %NULL with @error set
 *
 * Since: 1.0
 */
GPtrArray *
cnet_port_open_queues (const char *interface, guint first_queue, guint n_queues,
                       CnetMempool *mempool, GError **error)
{
  g_autoptr (GPtrArray) ports = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_queues == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "%s: a group of ports needs at least one queue", interface);
      return NULL;
    }
  for (guint q = first_queue; q < first_queue + n_queues; q++)
    {
      CnetPort *port = cnet_port_new (interface, q, mempool, error);

      if (port == NULL)
        return NULL;
      g_ptr_array_add (ports, port);
    }
  /* The caller frees the array; the ports go with their last reference. */
  g_ptr_array_set_free_func (ports, NULL);
  return g_steal_pointer (&ports);
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

/* For CnetClient: a port on a socket cnetd leased and bound, with the
 * ring sizes cnetd made its rings with (fill, completion, RX, TX). Takes
 * @fd and @guard_fd, also on failure. */
CnetPort *
cnet_port_new_leased (int fd, int guard_fd, const char *interface,
                      guint ifindex, guint queue, CnetMempool *mempool,
                      gboolean need_wakeup, const guint ring_sizes[4],
                      GError **error)
{
  g_autoptr (CnetPort) port = NULL;

  port =
    g_object_new (CNET_TYPE_PORT, "interface", interface, "queue", queue,
                  "mempool", mempool, "need-wakeup", need_wakeup, "fill-size",
                  ring_sizes[0], "comp-size", ring_sizes[1], "rx-size",
                  ring_sizes[2], "tx-size", ring_sizes[3], NULL);
  port->leased_fd = fd;
  port->guard_fd = guard_fd;
  port->ifindex = ifindex;
  if (!g_initable_init (G_INITABLE (port), NULL, error))
    return NULL;
  return g_steal_pointer (&port);
}

/* For CnetClient: the lease is active; cnetd bound the socket. */
void
cnet_port_set_lease (CnetPort *port, GDBusConnection *connection,
                     const char *lease_path, CnetBindMode bind_mode,
                     const char *const *rules)
{
  g_set_object (&port->lease_connection, connection);
  g_free (port->lease_path);
  port->lease_path = g_strdup (lease_path);
  port->bind_mode = bind_mode;
  g_mutex_lock (&port->rules_lock);
  g_strfreev (port->rules);
  port->rules = g_strdupv ((GStrv) rules);
  g_mutex_unlock (&port->rules_lock);
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
