/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * libcnet's XDP program. A frame that arrives on receive queue N goes to the
 * AF_XDP socket in slot N of cnet_xsks when the slot has a socket and the
 * queue's steering rules (if it has any) match it; everything else goes on
 * to the kernel stack. Per-queue and per-rule counters say what happened.
 *
 * Multi-buffer: the program is in section "xdp.frags" (libbpf loads it with
 * BPF_F_XDP_HAS_FRAGS), so drivers hand it frames larger than one page as
 * a first buffer plus fragments: veth refuses native XDP above MTU 3506
 * without that flag. The program only ever reads the first buffer
 * (data..data_end), so rules match on the first segment and frames of any
 * size cost the same; AF_XDP sockets bound with XDP_USE_SG receive such a
 * frame as a chain of descriptors (XDP_PKT_CONTD), the others drop it.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "cnet-xdp-common.h"

struct
{
  __uint (type, BPF_MAP_TYPE_XSKMAP);
  __uint (max_entries, CNET_XDP_MAX_QUEUES);
  __type (key, __u32);
  __type (value, __u32);
} cnet_xsks SEC (".maps");

struct
{
  __uint (type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint (max_entries, CNET_XDP_MAX_QUEUES);
  __type (key, __u32);
  __type (value, struct cnet_xdp_queue_counters);
} cnet_counters SEC (".maps");

struct
{
  __uint (type, BPF_MAP_TYPE_ARRAY);
  __uint (max_entries, CNET_XDP_MAX_QUEUES);
  __type (key, __u32);
  __type (value, struct cnet_xdp_queue_rules);
} cnet_rules SEC (".maps");

/* Hits per rule: index queue * CNET_XDP_MAX_RULES + rule. */
struct
{
  __uint (type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint (max_entries, CNET_XDP_MAX_QUEUES *CNET_XDP_MAX_RULES);
  __type (key, __u32);
  __type (value, __u64);
} cnet_rule_hits SEC (".maps");

/* --- capture: see cnet-xdp-common.h ------------------------------------ */

struct
{
  __uint (type, BPF_MAP_TYPE_ARRAY);
  __uint (max_entries, 1);
  __type (key, __u32);
  __type (value, __u32);
} cnet_capture_mask SEC (".maps");

struct
{
  __uint (type, BPF_MAP_TYPE_ARRAY);
  __uint (max_entries, CNET_XDP_MAX_CAPTURES);
  __type (key, __u32);
  __type (value, struct cnet_xdp_capture);
} cnet_captures SEC (".maps");

struct
{
  __uint (type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint (max_entries, CNET_XDP_MAX_CAPTURES);
  __type (key, __u32);
  __type (value, struct cnet_xdp_capture_counters);
} cnet_capture_counters SEC (".maps");

struct cnet_capture_ring
{
  __uint (type, BPF_MAP_TYPE_RINGBUF);
  __uint (max_entries, CNET_XDP_CAPTURE_RING_SIZE);
};

struct
{
  __uint (type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint (max_entries, CNET_XDP_MAX_CAPTURES);
  __type (key, __u32);
  __array (values, struct cnet_capture_ring);
} cnet_capture_rings SEC (".maps");

/* A record and its packet bytes, put together here (one per CPU) and then
 * copied into the ring buffer with bpf_ringbuf_output(), so a record takes
 * only the room its bytes need. */
struct capture_scratch
{
  struct cnet_xdp_capture_record rec;
  __u8 data[CNET_XDP_CAPTURE_MAX_SNAPLEN];
};

struct
{
  __uint (type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint (max_entries, 1);
  __type (key, __u32);
  __type (value, struct capture_scratch);
} cnet_capture_scratch SEC (".maps");

#ifdef CNET_XDP_RX_META
/* RX metadata, only in the builds with -DCNET_XDP_RX_META (1: arrival
 * time; 2: also the metadata kfuncs, loaded device-bound). libcnet loads
 * such a build only once a port asks for metadata, so the plain program
 * pays nothing for it. Which fields each queue wants
 * (CNET_XDP_META_*), 0 for none. */
struct
{
  __uint (type, BPF_MAP_TYPE_ARRAY);
  __uint (max_entries, CNET_XDP_MAX_QUEUES);
  __type (key, __u32);
  __type (value, __u32);
} cnet_rx_meta SEC (".maps");

#if CNET_XDP_RX_META >= 2
enum xdp_rss_hash_type
{
  CNET_XDP_RSS_TYPE_NONE = 0,
};
extern int bpf_xdp_metadata_rx_timestamp (const struct xdp_md *ctx,
                                          __u64 *timestamp) __ksym;
extern int bpf_xdp_metadata_rx_hash (const struct xdp_md *ctx, __u32 *hash,
                                     enum xdp_rss_hash_type *rss_type) __ksym;
extern int bpf_xdp_metadata_rx_vlan_tag (const struct xdp_md *ctx,
                                         __be16 *vlan_proto,
                                         __u16 *vlan_tci) __ksym;
#endif

static __always_inline void
cnet_xdp_rx_meta_write (struct xdp_md *ctx, __u32 queue)
{
  struct cnet_xdp_rx_meta *meta;
  __u32 *want = bpf_map_lookup_elem (&cnet_rx_meta, &queue);
  __u32 fields;

  if (!want || *want == 0)
    return;
  fields = *want;
  if (bpf_xdp_adjust_meta (ctx, -(int) sizeof (struct cnet_xdp_rx_meta)))
    return;
  meta = (void *) (long) ctx->data_meta;
  if ((void *) (meta + 1) > (void *) (long) ctx->data)
    return;
  meta->valid = CNET_XDP_META_MAGIC;
  /* The clock only for ports that ask for it: in a guest a TSC read costs
   * 20-30 ns, a large share of a frame (docs/benchmarks.md). */
  if (fields & CNET_XDP_META_ARRIVAL_TIME)
    {
      meta->arrival_ns = bpf_ktime_get_ns ();
      meta->valid |= CNET_XDP_META_ARRIVAL_TIME;
    }
#if CNET_XDP_RX_META >= 2
  if (fields & CNET_XDP_META_HASH)
    {
      enum xdp_rss_hash_type type = CNET_XDP_RSS_TYPE_NONE;

      if (bpf_xdp_metadata_rx_hash (ctx, &meta->hash, &type) == 0)
        {
          meta->hash_type = type;
          meta->valid |= CNET_XDP_META_HASH;
        }
    }
  /* veth answers 0 for frames without a hardware stamp: not a time. */
  if ((fields & CNET_XDP_META_HW_TIMESTAMP) &&
      bpf_xdp_metadata_rx_timestamp (ctx, &meta->hw_timestamp) == 0 &&
      meta->hw_timestamp != 0)
    meta->valid |= CNET_XDP_META_HW_TIMESTAMP;
  if (fields & CNET_XDP_META_VLAN_TAG)
    {
      __be16 proto = 0;

      if (bpf_xdp_metadata_rx_vlan_tag (ctx, &proto, &meta->vlan_tci) == 0)
        {
          meta->vlan_proto = bpf_ntohs (proto);
          meta->valid |= CNET_XDP_META_VLAN_TAG;
        }
    }
#endif
}
#endif

/* What the rules look at, parsed once per frame. */
struct frame_info
{
  __u32 daddr[4];
  __u16 ethertype;
  __u16 dport;
  __u8 ip_proto;
  __u8 has_dport;
  __u8 family; /* 4, 6 or 0 */
};

static __always_inline void
parse_frame (void *data, void *data_end, struct frame_info *info)
{
  struct ethhdr *eth = data;
  void *l4 = 0;

  info->ethertype = bpf_ntohs (eth->h_proto);
  if (info->ethertype == ETH_P_IP)
    {
      struct iphdr *ip = (void *) (eth + 1);

      if ((void *) (ip + 1) > data_end || ip->ihl < 5)
        return;
      info->family = 4;
      info->ip_proto = ip->protocol;
      info->daddr[0] = ip->daddr;
      /* Only the first fragment carries the ports. */
      if ((ip->frag_off & bpf_htons (0x1fff)) == 0)
        l4 = (void *) ip + ip->ihl * 4;
    }
  else if (info->ethertype == ETH_P_IPV6)
    {
      struct ipv6hdr *ip6 = (void *) (eth + 1);

      if ((void *) (ip6 + 1) > data_end)
        return;
      info->family = 6;
      info->ip_proto = ip6->nexthdr;
      __builtin_memcpy (info->daddr, &ip6->daddr, 16);
      l4 = ip6 + 1;
    }

  if (l4 != 0 &&
      (info->ip_proto == IPPROTO_UDP || info->ip_proto == IPPROTO_TCP ||
       info->ip_proto == IPPROTO_SCTP))
    {
      /* UDP, TCP and SCTP all start with source and destination port. */
      struct udphdr *ports = l4;

      if ((void *) (ports + 1) <= data_end)
        {
          info->dport = bpf_ntohs (ports->dest);
          info->has_dport = 1;
        }
    }
}

static __always_inline int
rule_matches (const struct cnet_xdp_rule *rule, const struct frame_info *info)
{
  if ((rule->fields & CNET_XDP_RULE_ETHERTYPE) &&
      rule->ethertype != info->ethertype)
    return 0;
  if ((rule->fields & CNET_XDP_RULE_IP_PROTO) &&
      (info->family == 0 || rule->ip_proto != info->ip_proto))
    return 0;
  if ((rule->fields & CNET_XDP_RULE_DPORT) &&
      (!info->has_dport || info->dport < rule->dport_min ||
       info->dport > rule->dport_max))
    return 0;
  if ((rule->fields & CNET_XDP_RULE_DADDR4) &&
      (info->family != 4 ||
       (info->daddr[0] & rule->dmask[0]) != rule->daddr[0]))
    return 0;
  if ((rule->fields & CNET_XDP_RULE_DADDR6) &&
      (info->family != 6 ||
       (info->daddr[0] & rule->dmask[0]) != rule->daddr[0] ||
       (info->daddr[1] & rule->dmask[1]) != rule->daddr[1] ||
       (info->daddr[2] & rule->dmask[2]) != rule->daddr[2] ||
       (info->daddr[3] & rule->dmask[3]) != rule->daddr[3]))
    return 0;
  return 1;
}

/* Whether capture @cap wants a frame. A global function: the verifier
 * checks it once, not once per path through its callers. */
__noinline int
cnet_capture_matches (const struct cnet_xdp_capture *cap,
                      const struct frame_info *info)
{
  if (!cap || !info)
    return 0;
  if (cap->n_rules == 0)
    return 1;
  for (__u32 i = 0; i < CNET_XDP_MAX_RULES; i++)
    {
      if (i >= cap->n_rules)
        break;
      if (rule_matches (&cap->rules[i], info))
        return 1;
    }
  return 0;
}

/* Copies the first snaplen bytes of the frame into the ring buffer of
 * every capture slot in @mask whose queue and rules match it. The frame
 * itself goes on as if no capture ran. Global, for the same reason. */
__noinline int
cnet_capture_frame (struct xdp_md *ctx, __u32 mask)
{
  void *data = (void *) (long) ctx->data;
  void *data_end = (void *) (long) ctx->data_end;
  __u32 queue = ctx->rx_queue_index;
  __u32 len = bpf_xdp_get_buff_len (ctx);
  struct frame_info info = {};
  struct capture_scratch *scratch;
  __u32 loaded = 0; /* bytes of the frame in scratch->data */
  __u32 zero = 0;

  if (data + sizeof (struct ethhdr) > data_end)
    return 0;
  scratch = bpf_map_lookup_elem (&cnet_capture_scratch, &zero);
  if (!scratch)
    return 0;
  parse_frame (data, data_end, &info);

  for (__u32 slot = 0; slot < CNET_XDP_MAX_CAPTURES; slot++)
    {
      struct cnet_xdp_capture *cap;
      struct cnet_xdp_capture_counters *counters;
      void *ring;
      __u32 caplen;

      if (!(mask & (1u << slot)))
        continue;
      cap = bpf_map_lookup_elem (&cnet_captures, &slot);
      counters = bpf_map_lookup_elem (&cnet_capture_counters, &slot);
      ring = bpf_map_lookup_elem (&cnet_capture_rings, &slot);
      if (!cap || !counters || !ring)
        continue;
      if (cap->queue != CNET_XDP_CAPTURE_ANY_QUEUE && cap->queue != queue)
        continue;
      if (!cnet_capture_matches (cap, &info))
        continue;

      caplen = len < cap->snaplen ? len : cap->snaplen;
      if (caplen == 0 || caplen > CNET_XDP_CAPTURE_MAX_SNAPLEN)
        continue;
      /* The same value, in a form the verifier sees is 1 to the buffer's
       * size (CNET_XDP_CAPTURE_MAX_SNAPLEN is a power of two). */
      caplen = ((caplen - 1) & (CNET_XDP_CAPTURE_MAX_SNAPLEN - 1)) + 1;
      /* The bytes are read once, for the longest snaplen asked so far. */
      if (caplen > loaded)
        {
          if (bpf_xdp_load_bytes (ctx, 0, scratch->data, caplen) < 0)
            continue;
          loaded = caplen;
        }
      scratch->rec.tstamp_ns = bpf_ktime_get_ns ();
      scratch->rec.len = len;
      scratch->rec.caplen = caplen;
      scratch->rec.queue = queue;
      scratch->rec.ifindex = ctx->ingress_ifindex;
      if (bpf_ringbuf_output (ring, scratch,
                              sizeof (struct cnet_xdp_capture_record) + caplen,
                              0) == 0)
        counters->captured++;
      else
        counters->lost++;
    }
  return 0;
}

SEC ("xdp.frags")
int
cnet_xdp (struct xdp_md *ctx)
{
  void *data = (void *) (long) ctx->data;
  void *data_end = (void *) (long) ctx->data_end;
  __u32 queue = ctx->rx_queue_index;
  struct cnet_xdp_queue_counters *counters;
  struct cnet_xdp_queue_rules *rules;
  long action;

  counters = bpf_map_lookup_elem (&cnet_counters, &queue);
  if (!counters)
    return XDP_PASS; /* queue beyond CNET_XDP_MAX_QUEUES */

#ifndef CNET_XDP_NO_CAPTURE /* bench/cnet-bench-capture's baseline */
  /* Capture (cnetctl capture): one load and a branch when none runs. */
  __u32 zero = 0;
  __u32 *capturing = bpf_map_lookup_elem (&cnet_capture_mask, &zero);
  if (capturing && *capturing)
    cnet_capture_frame (ctx, *capturing);
#endif

  if (data + sizeof (struct ethhdr) > data_end)
    {
      counters->dropped++;
      return XDP_DROP;
    }

  rules = bpf_map_lookup_elem (&cnet_rules, &queue);
  if (rules && rules->n_rules > 0)
    {
      struct frame_info info = {};
      int matched = -1;

      parse_frame (data, data_end, &info);
      for (__u32 i = 0; i < CNET_XDP_MAX_RULES; i++)
        {
          if (i >= rules->n_rules)
            break;
          if (rule_matches (&rules->rules[i], &info))
            {
              matched = (int) i;
              break;
            }
        }
      if (matched < 0)
        {
          counters->passed++;
          return XDP_PASS;
        }
      __u32 key = queue * CNET_XDP_MAX_RULES + (__u32) matched;
      __u64 *hits = bpf_map_lookup_elem (&cnet_rule_hits, &key);
      if (hits)
        (*hits)++;
    }

#ifdef CNET_XDP_RX_META
  cnet_xdp_rx_meta_write (ctx, queue);
#endif
  __u32 len = bpf_xdp_get_buff_len (ctx);
  action = bpf_redirect_map (&cnet_xsks, queue, XDP_PASS);
  if (action == XDP_REDIRECT)
    {
      counters->redirected++;
      counters->redirected_bytes += len;
    }
  else
    counters->passed++;
  return action;
}

char LICENSE[] SEC ("license") = "Dual BSD/GPL";
