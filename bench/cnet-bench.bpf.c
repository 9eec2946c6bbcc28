/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * The benchmark's XDP programs (bench/, never part of libcnet):
 *
 * - cnet_bench_gen: run with BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES,
 *   redirects each copy of the test frame into the veth the generator
 *   feeds, so the frames appear on its peer at kernel speed.
 * - cnet_bench_sink: attached to the generator's veth, counts the frames
 *   that come back (echo, tx-only) and drops them.
 * - cnet_bench_drop: the kernel's own XDP_DROP case, counting.
 * - cnet_bench_pass: counts and passes, for the AF_PACKET case (frames
 *   redirected into a veth need an XDP program on its peer).
 * - cnet_bench_xsk: the raw AF_XDP loop's program, the least a program can
 *   do to steer a queue to a socket.
 * - cnet_bench_xdp_tx: the echo done by the kernel alone (the echo case's
 *   ceiling): swaps the MACs, counts, and sends the frame back with XDP_TX.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Set by the loader before loading (.rodata). */
const volatile __u32 cnet_bench_target_ifindex = 0;

struct
{
  __uint (type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint (max_entries, 1);
  __type (key, __u32);
  __type (value, __u64);
} cnet_bench_count SEC (".maps");

/* Frames cnet_bench_gen ran on: the generator's own count, exact even when
 * a long BPF_PROG_RUN is cut short by a signal. */
struct
{
  __uint (type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint (max_entries, 1);
  __type (key, __u32);
  __type (value, __u64);
} cnet_bench_gen_count SEC (".maps");

/* Iterations of busy work per generated frame (cnet-bench gen --spin):
 * slows the generator down evenly, where pacing by system calls cannot. */
struct
{
  __uint (type, BPF_MAP_TYPE_ARRAY);
  __uint (max_entries, 1);
  __type (key, __u32);
  __type (value, __u32);
} cnet_bench_gen_spin SEC (".maps");

struct
{
  __uint (type, BPF_MAP_TYPE_XSKMAP);
  __uint (max_entries, 64);
  __type (key, __u32);
  __type (value, __u32);
} cnet_bench_xsks SEC (".maps");

static __always_inline void
count_one (void)
{
  __u32 key = 0;
  __u64 *n = bpf_map_lookup_elem (&cnet_bench_count, &key);

  if (n)
    *n += 1;
}

static long
spin_one (__u64 index, void *ctx)
{
  return 0;
}

SEC ("xdp")
int
cnet_bench_gen (struct xdp_md *ctx)
{
  __u32 key = 0;
  __u64 *n = bpf_map_lookup_elem (&cnet_bench_gen_count, &key);
  __u32 *spin = bpf_map_lookup_elem (&cnet_bench_gen_spin, &key);

  if (n)
    *n += 1;
  if (spin && *spin > 0)
    bpf_loop (*spin, spin_one, NULL, 0);
  return bpf_redirect (cnet_bench_target_ifindex, 0);
}

/* Frags-aware: it only counts, and veth refuses a program that is not on
 * the generator's end once the link's MTU is above 3506 (jumbo case). */
SEC ("xdp.frags")
int
cnet_bench_sink (struct xdp_md *ctx)
{
  count_one ();
  return XDP_DROP;
}

SEC ("xdp")
int
cnet_bench_drop (struct xdp_md *ctx)
{
  count_one ();
  return XDP_DROP;
}

SEC ("xdp")
int
cnet_bench_pass (struct xdp_md *ctx)
{
  count_one ();
  return XDP_PASS;
}

SEC ("xdp")
int
cnet_bench_xdp_tx (struct xdp_md *ctx)
{
  unsigned char *data = (unsigned char *) (long) ctx->data;
  unsigned char *end = (unsigned char *) (long) ctx->data_end;
  unsigned char tmp[6];

  if (data + 12 > end)
    return XDP_DROP;
  __builtin_memcpy (tmp, data, 6);
  __builtin_memcpy (data, data + 6, 6);
  __builtin_memcpy (data + 6, tmp, 6);
  count_one ();
  return XDP_TX;
}

SEC ("xdp")
int
cnet_bench_xsk (struct xdp_md *ctx)
{
  return bpf_redirect_map (&cnet_bench_xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC ("license") = "Dual BSD/GPL";
