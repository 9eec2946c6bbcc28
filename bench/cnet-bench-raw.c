/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw loop: the least code that drives an AF_XDP socket, written
 * against the kernel UAPI (linux/if_xdp.h) with no library in between, in
 * the manner of the kernel's xdpsock sample. It is the floor of
 * abstraction cost that libcnet is measured against: frames go from the RX
 * ring straight back to the fill ring (rx-drop), or to the TX ring and from
 * the completion ring back to the fill ring (echo). Its XDP program is
 * cnet_bench_xsk (bench/cnet-bench.bpf.c).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_xdp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-bench.h"

#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif

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
} RawRing;

typedef struct
{
  struct bpf_object *obj;
  gboolean attached;
  int fd;
  guint8 *umem;
  gsize umem_size;
  RawRing fq, cq, rx, tx;
  guint64 free_addrs[BENCH_FRAMES];
  guint n_free;
  guint outstanding; /* sent, not yet completed */
} RawState;

static gboolean
raw_fail (GError **error, const char *what)
{
  int errsv = errno;

  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s", what,
               g_strerror (errsv));
  return FALSE;
}

static gboolean
raw_map (RawState *st, RawRing *r, const struct xdp_ring_offset *off,
         gsize desc_size, off_t pgoff, GError **error)
{
  r->map_size = off->desc + BENCH_RING_SIZE * desc_size;
  r->map = mmap (NULL, r->map_size, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_POPULATE, st->fd, pgoff);
  if (r->map == MAP_FAILED)
    {
      r->map = NULL;
      return raw_fail (error, "mmap ring");
    }
  r->producer = (guint32 *) ((guint8 *) r->map + off->producer);
  r->consumer = (guint32 *) ((guint8 *) r->map + off->consumer);
  r->flags = (guint32 *) ((guint8 *) r->map + off->flags);
  r->descs = (guint8 *) r->map + off->desc;
  r->size = BENCH_RING_SIZE;
  r->mask = BENCH_RING_SIZE - 1;
  r->cached_prod = *r->producer;
  r->cached_cons = *r->consumer;
  return TRUE;
}

static inline guint32
cons_peek (RawRing *r, guint32 n)
{
  guint32 avail = r->cached_prod - r->cached_cons;

  if (avail == 0)
    {
      r->cached_prod = __atomic_load_n (r->producer, __ATOMIC_ACQUIRE);
      avail = r->cached_prod - r->cached_cons;
    }
  return MIN (avail, n);
}

static inline void
cons_release (RawRing *r, guint32 n)
{
  r->cached_cons += n;
  __atomic_store_n (r->consumer, r->cached_cons, __ATOMIC_RELEASE);
}

static inline guint32
prod_free (RawRing *r, guint32 n)
{
  guint32 free_entries = r->size - (r->cached_prod - r->cached_cons);

  if (free_entries < n)
    {
      r->cached_cons = __atomic_load_n (r->consumer, __ATOMIC_ACQUIRE);
      free_entries = r->size - (r->cached_prod - r->cached_cons);
    }
  return MIN (free_entries, n);
}

static inline void
prod_submit (RawRing *r, guint32 n)
{
  r->cached_prod += n;
  __atomic_store_n (r->producer, r->cached_prod, __ATOMIC_RELEASE);
}

static inline gboolean
needs_wakeup (RawRing *r)
{
  return (__atomic_load_n (r->flags, __ATOMIC_RELAXED) &
          XDP_RING_NEED_WAKEUP) != 0;
}

static gboolean
raw_setup (Bench *b, GError **error)
{
  RawState *st = g_new0 (RawState, 1);
  struct xdp_umem_reg reg = { 0 };
  struct xdp_mmap_offsets off;
  socklen_t optlen = sizeof off;
  struct sockaddr_xdp sxdp = { 0 };
  guint32 size = BENCH_RING_SIZE;
  guint32 key = 0;
  int fd;

  b->priv = st;
  st->fd = -1;
  st->obj = bench_bpf_open (0, error);
  if (st->obj == NULL)
    return FALSE;
  if (!bench_xdp_attach (st->obj, "cnet_bench_xsk", b->ifindex, error))
    return FALSE;
  st->attached = TRUE;

  st->umem_size = (gsize) BENCH_FRAMES * BENCH_FRAME_SIZE;
  st->umem = mmap (NULL, st->umem_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (st->umem == MAP_FAILED)
    {
      st->umem = NULL;
      return raw_fail (error, "mmap UMEM");
    }
  st->fd = socket (AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (st->fd < 0)
    return raw_fail (error, "socket(AF_XDP)");
  reg.addr = (guint64) (guintptr) st->umem;
  reg.len = st->umem_size;
  reg.chunk_size = BENCH_FRAME_SIZE;
  if (setsockopt (st->fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) < 0 ||
      setsockopt (st->fd, SOL_XDP, XDP_UMEM_FILL_RING, &size, sizeof size) <
        0 ||
      setsockopt (st->fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &size,
                  sizeof size) < 0 ||
      setsockopt (st->fd, SOL_XDP, XDP_RX_RING, &size, sizeof size) < 0 ||
      setsockopt (st->fd, SOL_XDP, XDP_TX_RING, &size, sizeof size) < 0)
    return raw_fail (error, "setsockopt(SOL_XDP)");
  if (getsockopt (st->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen) < 0)
    return raw_fail (error, "XDP_MMAP_OFFSETS");
  if (!raw_map (st, &st->fq, &off.fr, sizeof (guint64),
                XDP_UMEM_PGOFF_FILL_RING, error) ||
      !raw_map (st, &st->cq, &off.cr, sizeof (guint64),
                XDP_UMEM_PGOFF_COMPLETION_RING, error) ||
      !raw_map (st, &st->rx, &off.rx, sizeof (struct xdp_desc),
                XDP_PGOFF_RX_RING, error) ||
      !raw_map (st, &st->tx, &off.tx, sizeof (struct xdp_desc),
                XDP_PGOFF_TX_RING, error))
    return FALSE;
  if (b->tx_budget)
    {
      guint32 budget = BENCH_RING_SIZE;

      if (setsockopt (st->fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget,
                      sizeof budget) < 0)
        return raw_fail (error, "XDP_MAX_TX_SKB_BUDGET");
    }

  sxdp.sxdp_family = AF_XDP;
  sxdp.sxdp_ifindex = b->ifindex;
  sxdp.sxdp_queue_id = b->queue;
  sxdp.sxdp_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
  /* The socket of the run before may take a moment to let the queue go. */
  for (guint tries = 0;
       bind (st->fd, (struct sockaddr *) &sxdp, sizeof sxdp) < 0; tries++)
    {
      if (errno != EBUSY || tries == 40)
        return raw_fail (error, "bind(AF_XDP)");
      g_usleep (50000);
    }

  /* Half the frames on the fill ring, half for sending. */
  for (guint i = 0; i < BENCH_RING_SIZE; i++)
    ((guint64 *) st->fq.descs)[i] = (guint64) i * BENCH_FRAME_SIZE;
  prod_submit (&st->fq, BENCH_RING_SIZE);
  for (guint i = BENCH_RING_SIZE; i < BENCH_FRAMES; i++)
    st->free_addrs[st->n_free++] = (guint64) i * BENCH_FRAME_SIZE;

  fd = st->fd;
  if (bpf_map_update_elem (bpf_map__fd (
                             bpf_object__find_map_by_name (st->obj,
                                                           "cnet_bench_xsks")),
                           &key, &fd, 0) != 0)
    return raw_fail (error, "XSKMAP update");
  return TRUE;
}

static void
raw_read (Bench *b, BenchCounters *c)
{
  RawState *st = b->priv;
  struct xdp_statistics xs = { 0 };
  socklen_t len = sizeof xs;

  memset (c, 0, sizeof *c);
  c->rx = b->rx;
  c->tx = b->tx;
  c->drops = b->drops;
  if (getsockopt (st->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) == 0)
    {
      c->rx_ring_full = xs.rx_ring_full;
      c->fill_empty = xs.rx_fill_ring_empty_descs;
      c->drops += xs.rx_dropped;
    }
}

static void
raw_teardown (Bench *b)
{
  RawState *st = b->priv;
  RawRing *rings[] = { &st->fq, &st->cq, &st->rx, &st->tx };

  if (st == NULL)
    return;
  if (st->attached)
    bench_xdp_detach (b->ifindex);
  for (guint i = 0; i < G_N_ELEMENTS (rings); i++)
    if (rings[i]->map != NULL)
      munmap (rings[i]->map, rings[i]->map_size);
  if (st->fd >= 0)
    close (st->fd);
  if (st->umem != NULL)
    munmap (st->umem, st->umem_size);
  if (st->obj != NULL)
    bpf_object__close (st->obj);
  g_free (st);
  b->priv = NULL;
}

static void
raw_rx_drop_loop (Bench *b)
{
  RawState *st = b->priv;

  while (!bench_stop)
    {
      guint32 n = cons_peek (&st->rx, b->burst);

      /* The kernel publishes the fill slots it used lazily: take off the
       * RX ring only as many frames as the fill ring has room for now. */
      if (n > 0)
        n = prod_free (&st->fq, n);
      if (n > 0)
        {
          for (guint32 i = 0; i < n; i++)
            {
              const struct xdp_desc *d =
                &((struct xdp_desc *)
                    st->rx.descs)[(st->rx.cached_cons + i) & st->rx.mask];
              ((guint64 *)
                 st->fq.descs)[(st->fq.cached_prod + i) & st->fq.mask] =
                d->addr & ~(guint64) (BENCH_FRAME_SIZE - 1);
            }
          cons_release (&st->rx, n);
          prod_submit (&st->fq, n);
          b->rx += n;
        }
      if (needs_wakeup (&st->fq))
        recvfrom (st->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
      bench_check_mark (b);
    }
}

/* Completed frames go back to the fill ring (echo) or the free list. */
static void
raw_complete (RawState *st, gboolean to_fill)
{
  guint32 n = cons_peek (&st->cq, BENCH_RING_SIZE);

  if (n == 0)
    return;
  if (to_fill)
    {
      n = prod_free (&st->fq, n);
      for (guint32 i = 0; i < n; i++)
        ((guint64 *) st->fq.descs)[(st->fq.cached_prod + i) & st->fq.mask] =
          ((guint64 *) st->cq.descs)[(st->cq.cached_cons + i) & st->cq.mask];
      prod_submit (&st->fq, n);
    }
  else
    for (guint32 i = 0; i < n; i++)
      st->free_addrs[st->n_free++] =
        ((guint64 *) st->cq.descs)[(st->cq.cached_cons + i) & st->cq.mask];
  cons_release (&st->cq, n);
  st->outstanding -= n;
}

/* As xdpsock does: kick only with frames waiting to go. */
static inline void
raw_kick (Bench *b, RawState *st)
{
  if (st->outstanding > 0 && needs_wakeup (&st->tx))
    sendto (st->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
}

static void
raw_echo_loop (Bench *b)
{
  RawState *st = b->priv;

  while (!bench_stop)
    {
      guint32 n = cons_peek (&st->rx, b->burst);

      if (n > 0)
        {
          /* Frames in flight plus on the fill ring never exceed the ring
           * sizes, so the TX ring has room. */
          guint32 room = prod_free (&st->tx, n);

          for (guint32 i = 0; i < room; i++)
            {
              const struct xdp_desc *d =
                &((struct xdp_desc *)
                    st->rx.descs)[(st->rx.cached_cons + i) & st->rx.mask];
              struct xdp_desc *t =
                &((struct xdp_desc *)
                    st->tx.descs)[(st->tx.cached_prod + i) & st->tx.mask];

              bench_swap_macs (st->umem + d->addr);
              t->addr = d->addr;
              t->len = d->len;
              t->options = 0;
            }
          /* No room: give the rest straight back to the fill ring. */
          for (guint32 i = room; i < n; i++)
            {
              const struct xdp_desc *d =
                &((struct xdp_desc *)
                    st->rx.descs)[(st->rx.cached_cons + i) & st->rx.mask];
              while (prod_free (&st->fq, 1) == 0)
                ;
              ((guint64 *) st->fq.descs)[st->fq.cached_prod & st->fq.mask] =
                d->addr & ~(guint64) (BENCH_FRAME_SIZE - 1);
              prod_submit (&st->fq, 1);
              b->drops++;
            }
          cons_release (&st->rx, n);
          prod_submit (&st->tx, room);
          st->outstanding += room;
          b->rx += n;
          b->tx += room;
        }
      else
        b->empty_polls++;
      b->polls++;
      raw_kick (b, st);
      raw_complete (st, TRUE);
      if (needs_wakeup (&st->fq))
        recvfrom (st->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
      bench_check_mark (b);
    }
}

static void
raw_tx_only_loop (Bench *b)
{
  RawState *st = b->priv;

  while (!bench_stop)
    {
      guint32 n = prod_free (&st->tx, MIN (b->burst, st->n_free));

      for (guint32 i = 0; i < n; i++)
        {
          struct xdp_desc *t =
            &((struct xdp_desc *)
                st->tx.descs)[(st->tx.cached_prod + i) & st->tx.mask];
          guint64 addr = st->free_addrs[--st->n_free];

          memcpy (st->umem + addr, b->frame, b->size);
          t->addr = addr;
          t->len = b->size;
          t->options = 0;
        }
      prod_submit (&st->tx, n);
      st->outstanding += n;
      b->tx += n;
      raw_kick (b, st);
      raw_complete (st, FALSE);
      bench_check_mark (b);
    }
}

static gboolean
raw_tx_setup (Bench *b, GError **error)
{
  static const guint8 dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
  static const guint8 src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

  /* Sends from the half of the frames not on the fill ring. */
  bench_build_frame (b->frame, b->size, dst, src, 0x010200c0, 0x020200c0, 0);
  return raw_setup (b, error);
}

const BenchImpl bench_raw_impls[] = {
  { "rx-drop", "raw", raw_setup, raw_rx_drop_loop, raw_read, raw_teardown },
  { "echo", "raw", raw_setup, raw_echo_loop, raw_read, raw_teardown },
  { "tx-only", "raw", raw_tx_setup, raw_tx_only_loop, raw_read, raw_teardown },
  { NULL },
};
