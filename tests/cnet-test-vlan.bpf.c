/* SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause */
/*
 * For tests/python/test_rx_metadata.py: a TC egress program that tags each
 * frame with VLAN 100, priority 5, out of band (bpf_skb_vlan_push() puts
 * the tag in the socket buffer, as a VLAN device with offload would; this
 * kernel has no 8021q), so that veth hands the peer's XDP program a
 * stripped tag.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC ("tc")
int
cnet_test_vlan_push (struct __sk_buff *skb)
{
  bpf_skb_vlan_push (skb, bpf_htons (ETH_P_8021Q), (5 << 13) | 100);
  return TC_ACT_OK;
}

char LICENSE[] SEC ("license") = "Dual BSD/GPL";
