/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-bench: the parts of the benchmark tool (bench/README in
 * docs/benchmarks.md). Not part of libcnet.
 */
#pragma once

#include <gio/gio.h>
#include <signal.h>

G_BEGIN_DECLS

#define BENCH_BURST 64
#define BENCH_FRAMES 4096
#define BENCH_FRAME_SIZE 2048
#define BENCH_RING_SIZE 2048

/* Set from signal handlers, read by the loops. */
extern volatile sig_atomic_t bench_stop;
extern volatile sig_atomic_t bench_mark_pending;

typedef struct
{
  guint64 rx;           /* packets received (or dropped by XDP_DROP) */
  guint64 tx;           /* packets sent */
  guint64 rx_ring_full; /* kernel: dropped, the RX ring was full */
  guint64 fill_empty;   /* kernel: times the fill ring was empty */
  guint64 drops;        /* other drops the implementation can see */
} BenchCounters;

typedef struct _Bench Bench;
typedef struct _BenchImpl BenchImpl;

struct _BenchImpl
{
  const char *mode; /* rx-drop, echo, tx-only, pong */
  const char *name; /* libcnet, raw, afpacket, xdp-drop */
  gboolean (*setup) (Bench *b, GError **error);
  /* Runs until bench_stop, calling bench_check_mark() once per iteration. */
  void (*loop) (Bench *b);
  void (*read) (Bench *b, BenchCounters *c);
  void (*teardown) (Bench *b);
};

struct _Bench
{
  const BenchImpl *impl;
  char *ifname;
  guint ifindex;
  guint queue;
  guint busy_poll;
  guint size;
  guint burst;
  gboolean tx_budget; /* raw loop: set XDP_MAX_TX_SKB_BUDGET */
  guint n_rules;      /* libcnet: steering rules, the last one matching */
  guint rx_metadata;  /* libcnet: CnetRxMetadataFlags asked for, 0 none */
  gboolean meta_read; /* libcnet: read each packet's arrival time */
  guint64 meta_sum;   /* libcnet: arrival times read, summed (kept) */
  const char *cnetd;  /* libcnet: lease the queue from cnetd at this address */
  guint frames;       /* libcnet: mempool frames */
  guint ring;         /* libcnet: ring sizes */
  gboolean multi_buffer; /* libcnet: jumbo frames as chains, 4096-byte frames */
  double setup_ms;       /* libcnet: opening the port took this long */
  guint8 frame[2048];    /* the frame tx-only sends */

  /* Kept by the loops. */
  guint64 rx;
  guint64 tx;
  guint64 drops;
  guint64 polls;       /* loop iterations (echo) */
  guint64 empty_polls; /* of which found nothing to receive */

  /* Window snapshots. */
  gboolean marked;
  BenchCounters start;
  double start_cpu_user, start_cpu_sys;
  gint64 start_time;
  gint64 start_allocs;
  guint64 start_polls, start_empty_polls;

  gpointer priv; /* the implementation's state */
};

/* Takes the window's start snapshot (SIGUSR1 asked for it). */
void bench_mark (Bench *b);

/* Called by the loops once per iteration; cheap when no mark is pending. */
static inline void
bench_check_mark (Bench *b)
{
  if (G_UNLIKELY (bench_mark_pending))
    bench_mark (b);
}

/* cnet-bench-common.c */
gboolean bench_set_cpu (int cpu, GError **error);
const char *bench_bpf_object_path (void);
struct bpf_object *bench_bpf_open (guint32 target_ifindex, GError **error);
gboolean bench_xdp_attach (struct bpf_object *obj, const char *prog_name,
                           guint ifindex, GError **error);
void bench_xdp_detach (guint ifindex);
guint64 bench_bpf_count (struct bpf_object *obj);
guint64 bench_bpf_count_map (struct bpf_object *obj, const char *name);
gboolean bench_read_mac (const char *ifname, guint8 *mac);
gboolean bench_parse_mac (const char *s, guint8 *mac);
gsize bench_build_frame (guint8 *buf, gsize len, const guint8 *dst,
                         const guint8 *src, guint32 saddr, guint32 daddr,
                         guint32 seq);
void bench_swap_macs (guint8 *frame);
gint64 bench_malloc_count (void);

/* The implementations, one file each. */
extern const BenchImpl bench_libcnet_impls[];
extern const BenchImpl bench_raw_impls[];
extern const BenchImpl bench_kernel_impls[];

/* Subcommands. */
int bench_gen_main (int argc, char **argv);
int bench_ping_main (int argc, char **argv);

G_END_DECLS
