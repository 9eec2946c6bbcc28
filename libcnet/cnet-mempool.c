/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/if_xdp.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cnet-error.h"
#include "cnet-mempool-private.h"
#include "cnet-mempool.h"

/**
 * CnetMempool:
 *
 * A UMEM: one memory area cut into frames of equal size (2048 or 4096
 * bytes), which AF_XDP sockets receive into and send from.
 *
 * Each frame starts with the header of the #CnetPacket it carries, kept in
 * the frame's headroom (as CNDP keeps its pktmbuf), then the headroom the
 * application asked for, then the packet data. Free frames are kept on a
 * stack; ports exchange them with the mempool in bulk through caches of
 * their own, so the data path takes the mempool's lock once per hundreds of
 * frames and never allocates.
 *
 * One mempool may serve several ports; it must outlive them (each port holds
 * a reference).
 *
 * Since: 1.0
 */

enum
{
  PROP_0,
  PROP_N_FRAMES,
  PROP_FRAME_SIZE,
  PROP_HEADROOM,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void cnet_mempool_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (
  CnetMempool, cnet_mempool, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, cnet_mempool_initable_iface_init))

/* The kernel needs headroom < chunk size - XDP_PACKET_HEADROOM (256). Keep
 * room for a full-size Ethernet frame after it, too. */
#define CNET_XDP_PACKET_HEADROOM 256
#define CNET_MIN_DATA_ROOM 1518

static gboolean
cnet_mempool_initable_init (GInitable *initable, GCancellable *cancellable,
                            GError **error)
{
  CnetMempool *self = CNET_MEMPOOL (initable);
  guint max_headroom;

  if (self->frame_size != 2048 && self->frame_size != 4096)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "mempool: frame size %u is not allowed: AF_XDP in aligned "
                   "mode takes 2048 or 4096 bytes",
                   self->frame_size);
      return FALSE;
    }
  if (self->n_frames == 0 || self->n_frames > CNET_MEMPOOL_MAX_FRAMES)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "mempool: %u frames is out of range: from 1 to %u",
                   self->n_frames, CNET_MEMPOOL_MAX_FRAMES);
      return FALSE;
    }
  max_headroom = self->frame_size - CNET_XDP_PACKET_HEADROOM -
                 CNET_PACKET_HEADER_SIZE - CNET_MIN_DATA_ROOM;
  if (self->headroom > max_headroom)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "mempool: headroom of %u bytes is too large for %u-byte "
                   "frames: at most %u, so that a %u-byte frame still fits",
                   self->headroom, self->frame_size, max_headroom,
                   CNET_MIN_DATA_ROOM);
      return FALSE;
    }

  self->frame_shift = g_bit_nth_msf (self->frame_size, -1);
  /* A port has two caches: in a small pool, frames parked there would be
   * missed by the fill ring, so caches hold at most an eighth each. */
  self->cache_max = CLAMP (self->n_frames / 8, 1, CNET_CACHE_SIZE);
  self->umem_headroom = CNET_PACKET_HEADER_SIZE + self->headroom;
  self->area_size = (gsize) self->n_frames * self->frame_size;
  /* A sealed memfd rather than anonymous memory: a lease passes it to
   * cnetd, which maps and registers it (so its pinned pages are charged to
   * cnetd's limits, not to this process's RLIMIT_MEMLOCK), and the seals
   * let cnetd trust that its size never changes under the kernel. */
  self->memfd = memfd_create ("cnet-mempool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (self->memfd < 0 || ftruncate (self->memfd, (off_t) self->area_size) < 0 ||
      fcntl (self->memfd, F_ADD_SEALS,
             F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, CNET_ERROR_NO_MEMORY,
                   "mempool: cannot make a memfd of %" G_GSIZE_FORMAT
                   " bytes for %u frames: %s",
                   self->area_size, self->n_frames, g_strerror (errsv));
      return FALSE;
    }
  self->area = mmap (NULL, self->area_size, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_POPULATE, self->memfd, 0);
  if (self->area == MAP_FAILED)
    {
      int errsv = errno;
      self->area = NULL;
      g_set_error (error, CNET_ERROR, CNET_ERROR_NO_MEMORY,
                   "mempool: cannot map %" G_GSIZE_FORMAT " bytes for %u "
                   "frames: %s",
                   self->area_size, self->n_frames, g_strerror (errsv));
      return FALSE;
    }

  /* Allocated once here; the data path never allocates. */
  self->stack = g_new (guint64, self->n_frames);
  for (guint i = 0; i < self->n_frames; i++)
    {
      guint64 addr = (guint64) i << self->frame_shift;
      CnetPacket *pkt = (CnetPacket *) (self->area + addr);

      pkt->pool = self;
      pkt->addr = addr;
      pkt->magic = CNET_PACKET_MAGIC;
      pkt->buf_len = self->frame_size;
      pkt->state = CNET_PACKET_STATE_FREE;
      pkt->pool_ref = 0;
      /* Lowest addresses on top, so a small pool use stays compact. */
      self->stack[self->n_frames - 1 - i] = addr;
    }
  self->n_stack = self->n_frames;
  return TRUE;
}

static void
cnet_mempool_initable_iface_init (GInitableIface *iface)
{
  iface->init = cnet_mempool_initable_init;
}

static void
cnet_mempool_finalize (GObject *object)
{
  CnetMempool *self = CNET_MEMPOOL (object);

  if (self->area != NULL)
    munmap (self->area, self->area_size);
  if (self->memfd >= 0)
    close (self->memfd);
  g_free (self->stack);
  g_ptr_array_unref (self->caches);
  g_ptr_array_unref (self->sockets);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cnet_mempool_parent_class)->finalize (object);
}

static void
cnet_mempool_get_property (GObject *object, guint prop_id, GValue *value,
                           GParamSpec *pspec)
{
  CnetMempool *self = CNET_MEMPOOL (object);

  switch (prop_id)
    {
    case PROP_N_FRAMES:
      g_value_set_uint (value, self->n_frames);
      break;
    case PROP_FRAME_SIZE:
      g_value_set_uint (value, self->frame_size);
      break;
    case PROP_HEADROOM:
      g_value_set_uint (value, self->headroom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_mempool_set_property (GObject *object, guint prop_id, const GValue *value,
                           GParamSpec *pspec)
{
  CnetMempool *self = CNET_MEMPOOL (object);

  switch (prop_id)
    {
    case PROP_N_FRAMES:
      self->n_frames = g_value_get_uint (value);
      break;
    case PROP_FRAME_SIZE:
      self->frame_size = g_value_get_uint (value);
      break;
    case PROP_HEADROOM:
      self->headroom = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_mempool_class_init (CnetMempoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnet_mempool_finalize;
  object_class->get_property = cnet_mempool_get_property;
  object_class->set_property = cnet_mempool_set_property;

  /**
   * CnetMempool:n-frames:
   *
   * The number of frames, from 1 to %CNET_MEMPOOL_MAX_FRAMES.
   *
   * Since: 1.0
   */
  props[PROP_N_FRAMES] =
    g_param_spec_uint ("n-frames", NULL, NULL, 0, G_MAXUINT, 4096,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetMempool:frame-size:
   *
   * The size of one frame in bytes: 2048 or 4096.
   *
   * Since: 1.0
   */
  props[PROP_FRAME_SIZE] =
    g_param_spec_uint ("frame-size", NULL, NULL, 0, G_MAXUINT,
                       CNET_MEMPOOL_DEFAULT_FRAME_SIZE,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetMempool:headroom:
   *
   * Bytes kept free in front of the data of a packet the application
   * allocates, for headers it will prepend. Received packets have at least
   * this much too.
   *
   * Since: 1.0
   */
  props[PROP_HEADROOM] =
    g_param_spec_uint ("headroom", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cnet_mempool_init (CnetMempool *self)
{
  g_mutex_init (&self->lock);
  self->memfd = -1;
  self->caches = g_ptr_array_new ();
  self->sockets = g_ptr_array_new ();
}

/**
 * cnet_mempool_new:
 * @n_frames: the number of frames
 * @frame_size: the size of a frame in bytes, 2048 or 4096
 * @headroom: bytes to keep free in front of packet data
 * @error: return location for a #GError
 *
 * Creates a mempool and maps its memory. The memory is pinned (and counted
 * against `RLIMIT_MEMLOCK`) when the first port registers it.
 *
 * Returns: (transfer full): a new #CnetMempool, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetMempool *
cnet_mempool_new (guint n_frames, guint frame_size, guint headroom,
                  GError **error)
{
  return g_initable_new (CNET_TYPE_MEMPOOL, NULL, error, "n-frames", n_frames,
                         "frame-size", frame_size, "headroom", headroom, NULL);
}

/**
 * cnet_mempool_get_n_frames:
 * @mempool: a #CnetMempool
 *
 * Returns: the number of frames
 *
 * Since: 1.0
 */
guint
cnet_mempool_get_n_frames (CnetMempool *mempool)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), 0);
  return mempool->n_frames;
}

/**
 * cnet_mempool_get_frame_size:
 * @mempool: a #CnetMempool
 *
 * Returns: the size of one frame in bytes
 *
 * Since: 1.0
 */
guint
cnet_mempool_get_frame_size (CnetMempool *mempool)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), 0);
  return mempool->frame_size;
}

/**
 * cnet_mempool_get_headroom:
 * @mempool: a #CnetMempool
 *
 * Returns: the headroom the application asked for, in bytes
 *
 * Since: 1.0
 */
guint
cnet_mempool_get_headroom (CnetMempool *mempool)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), 0);
  return mempool->headroom;
}

/**
 * cnet_mempool_get_size:
 * @mempool: a #CnetMempool
 *
 * Returns: the size of the memory area in bytes, which is what counts
 *   against `RLIMIT_MEMLOCK`
 *
 * Since: 1.0
 */
gsize
cnet_mempool_get_size (CnetMempool *mempool)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), 0);
  return mempool->area_size;
}

/**
 * cnet_mempool_get_n_free:
 * @mempool: a #CnetMempool
 *
 * Counts the frames nobody uses: those in the mempool and in the ports'
 * caches. Frames on a port's fill ring wait for the kernel and count as in
 * use. The count is a snapshot; other threads may move frames meanwhile.
 *
 * Returns: the number of free frames
 *
 * Since: 1.0
 */
guint
cnet_mempool_get_n_free (CnetMempool *mempool)
{
  guint n;

  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), 0);

  g_mutex_lock (&mempool->lock);
  n = mempool->n_stack;
  for (guint i = 0; i < mempool->caches->len; i++)
    {
      CnetFrameCache *cache = g_ptr_array_index (mempool->caches, i);
      n += g_atomic_int_get ((gint *) &cache->count);
    }
  g_mutex_unlock (&mempool->lock);
  return n;
}

/**
 * cnet_mempool_get_n_in_use:
 * @mempool: a #CnetMempool
 *
 * Counts the frames in use: held by the application, on a ring, or in
 * flight in the kernel. This is cnet_mempool_get_n_frames() less
 * cnet_mempool_get_n_free().
 *
 * Returns: the number of frames in use
 *
 * Since: 1.0
 */
guint
cnet_mempool_get_n_in_use (CnetMempool *mempool)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), 0);
  return mempool->n_frames - cnet_mempool_get_n_free (mempool);
}

guint
cnet_mempool_get_addrs (CnetMempool *pool, guint64 *addrs, guint n)
{
  g_mutex_lock (&pool->lock);
  n = MIN (n, pool->n_stack);
  pool->n_stack -= n;
  memcpy (addrs, pool->stack + pool->n_stack, n * sizeof (guint64));
  g_mutex_unlock (&pool->lock);
  return n;
}

void
cnet_mempool_put_addrs (CnetMempool *pool, const guint64 *addrs, guint n)
{
  g_mutex_lock (&pool->lock);
  g_assert (pool->n_stack + n <= pool->n_frames);
  memcpy (pool->stack + pool->n_stack, addrs, n * sizeof (guint64));
  pool->n_stack += n;
  g_mutex_unlock (&pool->lock);
}

/* A cache's count is written by its owner only; cnet_mempool_get_n_free()
 * reads it from other threads as a snapshot. A relaxed store is all that
 * needs: g_atomic_int_set() is sequentially consistent, a locked exchange
 * on x86, and cnet_mempool_cache_put() paid one per sent packet. */
static inline void
cnet_cache_set_count (CnetFrameCache *cache, guint count)
{
  __atomic_store_n (&cache->count, count, __ATOMIC_RELAXED);
}

/* Takes up to @n frames from @cache, refilling it from the mempool when it
 * runs low. Only the cache's owner calls this. */
guint
cnet_mempool_cache_get (CnetMempool *pool, CnetFrameCache *cache,
                        guint64 *addrs, guint n)
{
  guint got;

  if (cache->count < n)
    {
      guint want = MIN (CNET_CACHE_SIZE - cache->count,
                        MAX (n, MIN (pool->cache_max, CNET_CACHE_BULK + n)));
      guint more =
        cnet_mempool_get_addrs (pool, cache->addrs + cache->count, want);
      cnet_cache_set_count (cache, cache->count + more);
    }
  got = MIN (n, cache->count);
  memcpy (addrs, cache->addrs + cache->count - got, got * sizeof (guint64));
  cnet_cache_set_count (cache, cache->count - got);
  return got;
}

/* Gives one frame back through @cache, spilling half the cache to the
 * mempool when it is full. */
void
cnet_mempool_cache_put (CnetMempool *pool, CnetFrameCache *cache, guint64 addr)
{
  if (G_UNLIKELY (cache->count >= pool->cache_max))
    {
      /* Spill the older half, keep the recently used (cache-warm) ones. */
      guint spill = MAX (cache->count / 2, 1);

      cnet_mempool_put_addrs (pool, cache->addrs, spill);
      memmove (cache->addrs, cache->addrs + spill,
               (cache->count - spill) * sizeof (guint64));
      cache->count -= spill;
    }
  cache->addrs[cache->count] = addr;
  cnet_cache_set_count (cache, cache->count + 1);
}

/* Gives @n frames back through @cache at once (one count update), spilling
 * to the mempool as cnet_mempool_cache_put() does. */
void
cnet_mempool_cache_put_bulk (CnetMempool *pool, CnetFrameCache *cache,
                             const guint64 *addrs, guint n)
{
  guint count = cache->count;

  while (n > 0)
    {
      guint room, chunk;

      if (G_UNLIKELY (count == CNET_CACHE_SIZE))
        {
          cnet_mempool_put_addrs (pool,
                                  cache->addrs + CNET_CACHE_SIZE -
                                    CNET_CACHE_BULK,
                                  CNET_CACHE_BULK);
          count -= CNET_CACHE_BULK;
          cnet_cache_set_count (cache, count);
        }
      room = CNET_CACHE_SIZE - count;
      chunk = MIN (room, n);
      memcpy (cache->addrs + count, addrs, chunk * sizeof (guint64));
      count += chunk;
      addrs += chunk;
      n -= chunk;
    }
  cnet_cache_set_count (cache, count);
}

void
cnet_mempool_cache_flush (CnetMempool *pool, CnetFrameCache *cache)
{
  cnet_mempool_put_addrs (pool, cache->addrs, cache->count);
  cnet_cache_set_count (cache, 0);
}

void
cnet_mempool_register_cache (CnetMempool *pool, CnetFrameCache *cache)
{
  g_mutex_lock (&pool->lock);
  g_ptr_array_add (pool->caches, cache);
  g_mutex_unlock (&pool->lock);
}

/* Flushes @cache into the mempool and forgets it, in one step, so that
 * cnet_mempool_get_n_free() never counts its frames twice. */
void
cnet_mempool_unregister_cache (CnetMempool *pool, CnetFrameCache *cache)
{
  g_mutex_lock (&pool->lock);
  g_assert (pool->n_stack + cache->count <= pool->n_frames);
  memcpy (pool->stack + pool->n_stack, cache->addrs,
          cache->count * sizeof (guint64));
  pool->n_stack += cache->count;
  cache->count = 0;
  g_ptr_array_remove_fast (pool->caches, cache);
  g_mutex_unlock (&pool->lock);
}

/**
 * cnet_mempool_alloc_bulk: (skip)
 * @mempool: a #CnetMempool
 * @packets: (out caller-allocates) (array length=n_packets): where to store
 *   the packets
 * @n_packets: how many packets to allocate
 *
 * Allocates up to @n_packets empty packets for sending, taking the
 * mempool's lock once. Each packet has the mempool's headroom in front of
 * its data and a length of 0. The caller owns them until it sends them with
 * cnet_port_tx_burst() or frees them with cnet_packet_free_bulk().
 *
 * Returns: the number of packets allocated; fewer than @n_packets when the
 *   mempool runs out
 *
 * Since: 1.0
 */
guint
cnet_mempool_alloc_bulk (CnetMempool *mempool, CnetPacket **packets,
                         guint n_packets)
{
  guint64 addrs[CNET_CACHE_BULK];
  guint done = 0;

  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), 0);
  g_return_val_if_fail (packets != NULL || n_packets == 0, 0);

  while (done < n_packets)
    {
      guint want = MIN (n_packets - done, G_N_ELEMENTS (addrs));
      guint got = cnet_mempool_get_addrs (mempool, addrs, want);

      for (guint i = 0; i < got; i++)
        {
          CnetPacket *pkt = cnet_mempool_packet_at (mempool, addrs[i]);
          cnet_packet_init_owned (pkt, mempool->umem_headroom, 0);
          packets[done + i] = pkt;
        }
      done += got;
      if (got < want)
        break;
    }
  return done;
}

/**
 * cnet_mempool_alloc:
 * @mempool: a #CnetMempool
 * @error: return location for a #GError
 *
 * Allocates one empty packet for sending; see cnet_mempool_alloc_bulk().
 *
 * Returns: (transfer full): a packet, or %NULL with %CNET_ERROR_EXHAUSTED
 *   when no frame is free
 *
 * Since: 1.0
 */
CnetPacket *
cnet_mempool_alloc (CnetMempool *mempool, GError **error)
{
  CnetPacket *pkt = NULL;

  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (cnet_mempool_alloc_bulk (mempool, &pkt, 1) == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_EXHAUSTED,
                   "mempool: all %u frames are in use", mempool->n_frames);
      return NULL;
    }
  /* Bindings may drop the mempool before the packet. */
  cnet_packet_pin_pool (pkt);
  return pkt;
}

/* Gives back every frame that a closed port left in the kernel (on its fill
 * ring, in its socket, on its TX ring): they carry the port's tag. Not the
 * data path: runs once when a port goes. */
guint
cnet_mempool_reclaim (CnetMempool *pool, guint32 port_tag)
{
  guint n = 0;
  guint n_pool_refs = 0;

  g_mutex_lock (&pool->lock);
  for (guint i = 0; i < pool->n_frames; i++)
    {
      CnetPacket *pkt =
        (CnetPacket *) (pool->area + ((gsize) i << pool->frame_shift));
      gboolean pinned = pkt->pool_ref;

      if (pkt->port_tag != port_tag)
        continue;
      if (pkt->state == CNET_PACKET_STATE_KERNEL)
        pkt->state = CNET_PACKET_STATE_FREE;
      else if (pkt->state != CNET_PACKET_STATE_IN_FLIGHT ||
               !cnet_packet_drop_ref (pkt, CNET_PACKET_STATE_SENT))
        continue; /* not the port's, or others hold it and free it last */
      g_assert (pool->n_stack < pool->n_frames);
      pkt->port_tag = 0;
      pkt->pool_ref = 0;
      pool->stack[pool->n_stack++] = pkt->addr;
      n_pool_refs += pinned ? 1 : 0;
      n++;
    }
  g_mutex_unlock (&pool->lock);
  while (n_pool_refs-- > 0)
    g_object_unref (pool);
  return n;
}

/* Returns a duplicate of a live socket that has the UMEM registered (the
 * caller closes it once bound), or -1 when there is none. */
int
cnet_mempool_dup_umem_socket (CnetMempool *pool, guint16 *flags)
{
  int fd = -1;

  g_mutex_lock (&pool->lock);
  if (pool->sockets->len > 0)
    {
      CnetUmemSocket *sock = g_ptr_array_index (pool->sockets, 0);
      fd = fcntl (sock->fd, F_DUPFD_CLOEXEC, 3);
      *flags = sock->flags;
    }
  g_mutex_unlock (&pool->lock);
  return fd;
}

void
cnet_mempool_add_umem_socket (CnetMempool *pool, CnetUmemSocket *sock)
{
  g_mutex_lock (&pool->lock);
  g_ptr_array_add (pool->sockets, sock);
  g_mutex_unlock (&pool->lock);
}

void
cnet_mempool_remove_umem_socket (CnetMempool *pool, CnetUmemSocket *sock)
{
  g_mutex_lock (&pool->lock);
  g_ptr_array_remove (pool->sockets, sock);
  g_mutex_unlock (&pool->lock);
}
