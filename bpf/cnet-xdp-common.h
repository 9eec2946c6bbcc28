/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Layout shared by the XDP program (bpf/cnet-xdp.bpf.c) and libcnet.
 * Keep it free of anything but fixed-width kernel types.
 */
#pragma once

#include <linux/types.h>

/* The number of receive queues one program serves: the size of the XSKMAP
 * and of the counter maps. Queues at or above it are passed to the kernel. */
#define CNET_XDP_MAX_QUEUES 64

/* The number of steering rules one queue may have. */
#define CNET_XDP_MAX_RULES 16

/* The name libcnet gives its program; used to recognise it on an interface. */
#define CNET_XDP_PROG_NAME "cnet_xdp"

/* Per-queue, per-CPU counters (a BPF_MAP_TYPE_PERCPU_ARRAY value). */
struct cnet_xdp_queue_counters
{
  __u64 redirected; /* handed to the AF_XDP socket in the queue's slot */
  __u64 passed;     /* no socket in the slot, or no rule matched: XDP_PASS */
  __u64 dropped;    /* shorter than an Ethernet header: XDP_DROP */
  __u64 redirected_bytes; /* the bytes of those redirected, all fragments */
};

/* What a rule looks at; a rule matches when every field it sets matches. */
enum
{
  CNET_XDP_RULE_ETHERTYPE = 1 << 0,
  CNET_XDP_RULE_IP_PROTO = 1 << 1,
  CNET_XDP_RULE_DPORT = 1 << 2,
  CNET_XDP_RULE_DADDR4 = 1 << 3,
  CNET_XDP_RULE_DADDR6 = 1 << 4,
};

/* One steering rule. Addresses and masks are in network byte order, ports
 * and the ethertype in host order. */
struct cnet_xdp_rule
{
  __u32 fields; /* CNET_XDP_RULE_* */
  __u16 ethertype;
  __u8 ip_proto;
  __u8 pad;
  __u16 dport_min;
  __u16 dport_max;
  __u32 daddr[4]; /* IPv4 in daddr[0] */
  __u32 dmask[4];
};

/* The rules of one queue (a BPF_MAP_TYPE_ARRAY value, indexed by queue). A
 * frame goes to the queue's socket when any rule matches; with no rules,
 * every frame does. */
struct cnet_xdp_queue_rules
{
  __u32 n_rules;
  __u32 pad;
  struct cnet_xdp_rule rules[CNET_XDP_MAX_RULES];
};

/* Non-destructive capture (cnetctl capture, a "capture" lease of cnetd).
 * Up to CNET_XDP_MAX_CAPTURES captures at a time per interface, one slot
 * each: the slot's filter in cnet_captures, its own ring buffer in
 * cnet_capture_rings (a fresh BPF_MAP_TYPE_RINGBUF per capture, which is
 * what its client receives), its counters in cnet_capture_counters, and
 * its bit in cnet_capture_mask[0]. A mask of 0 is the whole cost of
 * capture when none runs. */
#define CNET_XDP_MAX_CAPTURES 8

/* Every capture's ring buffer has this size (an inner map's size is the
 * template's). */
#define CNET_XDP_CAPTURE_RING_SIZE (4u << 20)

/* The most bytes of one packet a capture copies. */
#define CNET_XDP_CAPTURE_MAX_SNAPLEN 16384u

/* Any queue. */
#define CNET_XDP_CAPTURE_ANY_QUEUE 0xffffffffu

struct cnet_xdp_capture
{
  __u32 queue;   /* CNET_XDP_CAPTURE_ANY_QUEUE or a receive queue */
  __u32 snaplen; /* 1 to CNET_XDP_CAPTURE_MAX_SNAPLEN */
  __u32 n_rules; /* 0: every packet */
  __u32 pad;
  struct cnet_xdp_rule rules[CNET_XDP_MAX_RULES];
};

/* Per slot, per CPU. */
struct cnet_xdp_capture_counters
{
  __u64 captured; /* records written to the ring buffer */
  __u64 lost;     /* matched, but the ring buffer was full */
};

/* One ring buffer record: this header, then caplen bytes of the packet. */
struct cnet_xdp_capture_record
{
  __u64 tstamp_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
  __u32 len;       /* the packet's length */
  __u32 caplen;    /* the bytes that follow */
  __u32 queue;     /* the receive queue */
  __u32 ifindex;
};

/* RX metadata (docs/data-path.md, "RX metadata"): what the metadata build
 * of the program writes right before a frame's data when the frame's queue
 * asked for it in cnet_rx_meta. Exactly 32 bytes, the most
 * bpf_xdp_adjust_meta() allows; `valid` lies next to the data. */
enum
{
  CNET_XDP_META_ARRIVAL_TIME = 1 << 0, /* bpf_ktime_get_ns() */
  CNET_XDP_META_HASH = 1 << 1,         /* bpf_xdp_metadata_rx_hash() */
  CNET_XDP_META_HW_TIMESTAMP = 1 << 2, /* bpf_xdp_metadata_rx_timestamp() */
  CNET_XDP_META_VLAN_TAG = 1 << 3,     /* bpf_xdp_metadata_rx_vlan_tag() */
  CNET_XDP_META_KFUNCS =
    CNET_XDP_META_HASH | CNET_XDP_META_HW_TIMESTAMP | CNET_XDP_META_VLAN_TAG,
};

/* In the high half of `valid`: the program wrote this area. */
#define CNET_XDP_META_MAGIC 0xc3e70000u
#define CNET_XDP_META_MAGIC_MASK 0xffff0000u

struct cnet_xdp_rx_meta
{
  __u64 arrival_ns;   /* CLOCK_MONOTONIC */
  __u64 hw_timestamp; /* the device's clock, ns */
  __u32 hash;
  __u32 hash_type;  /* enum xdp_rss_hash_type */
  __u16 vlan_proto; /* host order, e.g. 0x8100 */
  __u16 vlan_tci;   /* PCP, DEI and VID */
  __u32 valid;      /* CNET_XDP_META_MAGIC | CNET_XDP_META_* that are set */
};
