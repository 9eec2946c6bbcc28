/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * Layout shared by the XDP program (bpf/cnet-xdp.bpf.c) and libcnet.
 * Keep it free of anything but fixed-width kernel types.
 */
#pragma once

#include <linux/types.h>

/* The number of receive queues one program serves: the size of the XSKMAP
 * and of the counter map. Queues at or above it are passed to the kernel. */
#define CNET_XDP_MAX_QUEUES 64

/* The name libcnet gives its program; used to recognise it on an interface. */
#define CNET_XDP_PROG_NAME "cnet_xdp"

/* Per-queue, per-CPU counters (a BPF_MAP_TYPE_PERCPU_ARRAY value). */
struct cnet_xdp_queue_counters {
  __u64 redirected; /* handed to the AF_XDP socket in the queue's slot */
  __u64 passed;     /* no socket in the slot: XDP_PASS to the kernel stack */
  __u64 dropped;    /* shorter than an Ethernet header: XDP_DROP */
};
