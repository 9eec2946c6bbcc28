/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sandbox of the root-only tests: a network namespace of their own
 * with a veth pair in it, and helpers to put real frames on the wire.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char name[16];   /* a unique prefix, also used for the veths */
  char veth_a[16]; /* the end libcnet ports open */
  char veth_b[16]; /* the peer, where traffic is injected and seen */
  guint ifindex_a;
  guint ifindex_b;
  guint8 mac_a[6];
  guint8 mac_b[6];
  int orig_netns_fd;
  int netns_fd;
  guint n_fds_before;
  int peer_pid; /* holds the peer namespace, when there is one */
  int peer_netns_fd;
} CnetTestNetns;

/* Addresses of the two ends once the peer has a namespace of its own
 * (TEST-NET-1, never routed anywhere). */
#define CNET_TEST_ADDR_A "192.0.2.1"
#define CNET_TEST_ADDR_B "192.0.2.2"

gboolean cnet_test_skip_unless_root (void);
CnetTestNetns *cnet_test_netns_new (guint n_queues);
void cnet_test_netns_free (CnetTestNetns *ns);
void cnet_test_netns_split (CnetTestNetns *ns);
gboolean cnet_test_netns_run_in_peer (CnetTestNetns *ns, const char *cmdline);
int cnet_test_netns_peer_socket (CnetTestNetns *ns, int domain, int type);

guint cnet_test_count_fds (void);
void cnet_test_print_fds (void);
guint cnet_test_xdp_prog_id (const char *ifname);
gboolean cnet_test_run (const char *cmdline);

/* Test frames: Ethernet + IPv4 + UDP, with a payload that carries a marker,
 * a stream id and a sequence number, then a pattern derived from them. */
#define CNET_TEST_FRAME_MIN 64
gsize cnet_test_frame_build (guint8 *buf, gsize len, const guint8 *dst,
                             const guint8 *src, guint32 stream, guint32 seq);
gboolean cnet_test_frame_parse (const guint8 *buf, gsize len, guint32 *stream,
                                guint32 *seq);

int cnet_test_packet_socket (const char *ifname);
gboolean cnet_test_packet_send (int fd, const guint8 *buf, gsize len);
gssize cnet_test_packet_recv (int fd, guint8 *buf, gsize len, int timeout_ms);

G_END_DECLS
