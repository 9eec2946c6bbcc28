/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's own paths, for reference:
 *
 * - xdp-drop: an XDP program that counts and drops (cnet_bench_drop), the
 *   ceiling: nothing reaches user space.
 * - xdp-tx (echo): an XDP program that swaps the MACs and returns XDP_TX
 *   (cnet_bench_xdp_tx): the echo the kernel alone can do on this path.
 * - kernel-tx (tx-only): the in-kernel generator run on the consumer's CPU,
 *   sending out of the consumer's veth (BPF_PROG_RUN live frames with
 *   XDP_REDIRECT): what the kernel alone can send from that core, with no
 *   socket buffer and no copy.
 * - afpacket: AF_PACKET with a TPACKET_V3 receive ring (rx-drop), and a
 *   plain recv()/send() echo server (pong). The interface gets
 *   cnet_bench_pass, a counting XDP_PASS program, because frames redirected
 *   into a veth need an XDP program on its peer.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-bench.h"

typedef struct
{
  struct bpf_object *obj;
  gboolean attached;
  int fd;
  guint8 *ring;
  gsize ring_size;
  guint block_size;
  guint n_blocks;
  guint block;
  guint8 touched; /* keeps the frame reads of rx-drop */
} KernelState;

static gboolean
kernel_attach (Bench *b, const char *prog, GError **error)
{
  KernelState *st = g_new0 (KernelState, 1);

  b->priv = st;
  st->fd = -1;
  st->obj = bench_bpf_open (0, error);
  if (st->obj == NULL || !bench_xdp_attach (st->obj, prog, b->ifindex, error))
    return FALSE;
  st->attached = TRUE;
  return TRUE;
}

static void
kernel_teardown (Bench *b)
{
  KernelState *st = b->priv;

  if (st == NULL)
    return;
  if (st->ring != NULL)
    munmap (st->ring, st->ring_size);
  if (st->fd >= 0)
    close (st->fd);
  if (st->attached)
    bench_xdp_detach (b->ifindex);
  if (st->obj != NULL)
    bpf_object__close (st->obj);
  g_free (st);
  b->priv = NULL;
}

/* --- xdp-drop ---------------------------------------------------------- */

static gboolean
xdp_drop_setup (Bench *b, GError **error)
{
  return kernel_attach (b, "cnet_bench_drop", error);
}

static void
xdp_drop_read (Bench *b, BenchCounters *c)
{
  KernelState *st = b->priv;

  memset (c, 0, sizeof *c);
  c->rx = bench_bpf_count (st->obj);
}

static void
xdp_drop_loop (Bench *b)
{
  while (!bench_stop)
    {
      g_usleep (1000);
      bench_check_mark (b);
    }
}

/* --- xdp-tx: the echo's ceiling ---------------------------------------- */

static gboolean
xdp_tx_setup (Bench *b, GError **error)
{
  return kernel_attach (b, "cnet_bench_xdp_tx", error);
}

/* --- kernel-tx: the tx-only ceiling -------------------------------------- */

static gboolean
kernel_tx_setup (Bench *b, GError **error)
{
  static const guint8 dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
  static const guint8 src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
  KernelState *st = g_new0 (KernelState, 1);

  b->priv = st;
  st->fd = -1;
  bench_build_frame (b->frame, b->size, dst, src, 0x010200c0, 0x020200c0, 0);
  /* The generator's program, redirecting into our own veth: the frames
   * leave through it and arrive at the peer's sink. */
  st->obj = bench_bpf_open (b->ifindex, error);
  return st->obj != NULL;
}

static void
kernel_tx_read (Bench *b, BenchCounters *c)
{
  KernelState *st = b->priv;

  memset (c, 0, sizeof *c);
  c->tx = bench_bpf_count_map (st->obj, "cnet_bench_gen_count");
}

/* One long BPF_PROG_RUN (each call costs a page-pool set-up), cut short by
 * the window's signals; the program counts the frames it ran on. */
static void
kernel_tx_loop (Bench *b)
{
  KernelState *st = b->priv;
  int prog_fd = bpf_program__fd (
    bpf_object__find_program_by_name (st->obj, "cnet_bench_gen"));

  while (!bench_stop)
    {
      LIBBPF_OPTS (bpf_test_run_opts, opts, .data_in = b->frame,
                   .data_size_in = b->size, .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
                   .batch_size = 64, .repeat = G_MAXINT);

      bpf_prog_test_run_opts (prog_fd, &opts);
      bench_check_mark (b);
    }
}

/* --- AF_PACKET ----------------------------------------------------------- */

static gboolean
packet_socket (Bench *b, KernelState *st, GError **error)
{
  int one = 1;

  st->fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (ETH_P_ALL));
  if (st->fd < 0 || setsockopt (st->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING,
                                &one, sizeof one) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "AF_PACKET socket: %s", g_strerror (errsv));
      return FALSE;
    }
  /* Bound by packet_bind(), after the ring is set up. */
  return TRUE;
}

static gboolean
packet_bind (Bench *b, KernelState *st, GError **error)
{
  struct sockaddr_ll sll = {
    .sll_family = AF_PACKET,
    .sll_protocol = htons (ETH_P_ALL),
    .sll_ifindex = (int) b->ifindex,
  };

  if (bind (st->fd, (struct sockaddr *) &sll, sizeof sll) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "AF_PACKET bind: %s", g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static gboolean
afpacket_rx_setup (Bench *b, GError **error)
{
  KernelState *st;
  int version = TPACKET_V3;
  struct tpacket_req3 req = { 0 };

  if (!kernel_attach (b, "cnet_bench_pass", error))
    return FALSE;
  st = b->priv;
  if (!packet_socket (b, st, error))
    return FALSE;
  st->block_size = 1 << 18;
  st->n_blocks = 64;
  req.tp_block_size = st->block_size;
  req.tp_block_nr = st->n_blocks;
  req.tp_frame_size = 2048;
  req.tp_frame_nr = st->block_size / 2048 * st->n_blocks;
  req.tp_retire_blk_tov = 1; /* ms */
  if (setsockopt (st->fd, SOL_PACKET, PACKET_VERSION, &version,
                  sizeof version) < 0 ||
      setsockopt (st->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "TPACKET_V3 ring: %s", g_strerror (errsv));
      return FALSE;
    }
  st->ring_size = (gsize) st->block_size * st->n_blocks;
  st->ring = mmap (NULL, st->ring_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_LOCKED | MAP_POPULATE, st->fd, 0);
  if (st->ring == MAP_FAILED)
    {
      int errsv = errno;
      st->ring = NULL;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "mmap TPACKET_V3 ring: %s", g_strerror (errsv));
      return FALSE;
    }
  return packet_bind (b, st, error);
}

static void
afpacket_read (Bench *b, BenchCounters *c)
{
  KernelState *st = b->priv;
  struct tpacket_stats_v3 ps = { 0 };
  socklen_t len = sizeof ps;

  memset (c, 0, sizeof *c);
  c->rx = b->rx;
  c->tx = b->tx;
  /* Reading PACKET_STATISTICS resets it: accumulate. */
  if (getsockopt (st->fd, SOL_PACKET, PACKET_STATISTICS, &ps, &len) == 0)
    b->drops += ps.tp_drops;
  c->rx_ring_full = b->drops;
}

static void
afpacket_rx_drop_loop (Bench *b)
{
  KernelState *st = b->priv;

  while (!bench_stop)
    {
      struct tpacket_block_desc *bd =
        (struct tpacket_block_desc *) (st->ring +
                                       (gsize) st->block * st->block_size);

      if ((__atomic_load_n (&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
           TP_STATUS_USER) != 0)
        {
          guint n = bd->hdr.bh1.num_pkts;
          struct tpacket3_hdr *h =
            (struct tpacket3_hdr *) ((guint8 *) bd +
                                     bd->hdr.bh1.offset_to_first_pkt);
          guint8 sum = 0;

          /* Touch each frame, as a consumer would. */
          for (guint i = 0; i < n; i++)
            {
              sum ^= ((guint8 *) h)[h->tp_mac];
              h = (struct tpacket3_hdr *) ((guint8 *) h + h->tp_next_offset);
            }
          st->touched ^= sum;
          b->rx += n;
          __atomic_store_n (&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
                            __ATOMIC_RELEASE);
          st->block = (st->block + 1) % st->n_blocks;
        }
      bench_check_mark (b);
    }
}

static gboolean
afpacket_pong_setup (Bench *b, GError **error)
{
  KernelState *st;

  if (!kernel_attach (b, "cnet_bench_pass", error))
    return FALSE;
  st = b->priv;
  return packet_socket (b, st, error) && packet_bind (b, st, error);
}

static void
afpacket_pong_loop (Bench *b)
{
  KernelState *st = b->priv;
  guint8 buf[2048];

  while (!bench_stop)
    {
      struct pollfd pfd = { .fd = st->fd, .events = POLLIN };
      gssize n;

      if (poll (&pfd, 1, 100) <= 0)
        {
          bench_check_mark (b);
          continue;
        }
      n = recv (st->fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n >= 14)
        {
          bench_swap_macs (buf);
          if (send (st->fd, buf, (gsize) n, 0) == n)
            b->tx++;
          b->rx++;
        }
      bench_check_mark (b);
    }
}

const BenchImpl bench_kernel_impls[] = {
  { "rx-drop", "xdp-drop", xdp_drop_setup, xdp_drop_loop, xdp_drop_read,
    kernel_teardown },
  { "echo", "xdp-tx", xdp_tx_setup, xdp_drop_loop, xdp_drop_read,
    kernel_teardown },
  { "tx-only", "kernel-tx", kernel_tx_setup, kernel_tx_loop, kernel_tx_read,
    kernel_teardown },
  { "rx-drop", "afpacket", afpacket_rx_setup, afpacket_rx_drop_loop,
    afpacket_read, kernel_teardown },
  { "pong", "afpacket", afpacket_pong_setup, afpacket_pong_loop, afpacket_read,
    kernel_teardown },
  { NULL },
};
