/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * libcnet's XDP program: every frame that arrives on receive queue N goes to
 * the AF_XDP socket in slot N of cnet_xsks, if there is one, and to the
 * kernel stack otherwise. Per-queue counters say which happened.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "cnet-xdp-common.h"

struct {
  __uint (type, BPF_MAP_TYPE_XSKMAP);
  __uint (max_entries, CNET_XDP_MAX_QUEUES);
  __type (key, __u32);
  __type (value, __u32);
} cnet_xsks SEC (".maps");

struct {
  __uint (type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint (max_entries, CNET_XDP_MAX_QUEUES);
  __type (key, __u32);
  __type (value, struct cnet_xdp_queue_counters);
} cnet_counters SEC (".maps");

SEC ("xdp")
int
cnet_xdp (struct xdp_md *ctx)
{
  void *data = (void *) (long) ctx->data;
  void *data_end = (void *) (long) ctx->data_end;
  __u32 queue = ctx->rx_queue_index;
  struct cnet_xdp_queue_counters *counters;
  long action;

  counters = bpf_map_lookup_elem (&cnet_counters, &queue);
  if (!counters)
    return XDP_PASS; /* queue beyond CNET_XDP_MAX_QUEUES */

  if (data + sizeof (struct ethhdr) > data_end)
    {
      counters->dropped++;
      return XDP_DROP;
    }

  action = bpf_redirect_map (&cnet_xsks, queue, XDP_PASS);
  if (action == XDP_REDIRECT)
    counters->redirected++;
  else
    counters->passed++;
  return action;
}

char LICENSE[] SEC ("license") = "Dual BSD/GPL";
