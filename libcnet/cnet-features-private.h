/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The run-time probes behind cnet-features.c, for the rest of libcnet and
 * for cnetd: the kernel's version (which a test may fake), the netdev
 * netlink family's device and NAPI answers.
 */
#pragma once

#include <glib.h>

#include "cnet-features.h"

G_BEGIN_DECLS

/* The kernel release libcnet judges by: uname(2), unless the environment
 * variable CNET_KERNEL_RELEASE fakes another one (the tests pretend to be
 * an old kernel this way; it can only take features away). */
char *cnet_kernel_release (void);

/* Whether the kernel is at least @major.@minor; fills in the release. */
gboolean cnet_kernel_at_least (guint major, guint minor);

/* What the netdev family's dev-get says about an interface. */
typedef struct
{
  gboolean known;           /* the family exists and answered (Linux 6.3) */
  guint64 xdp_features;     /* NETDEV_XDP_ACT_* */
  guint32 xdp_zc_max_segs;  /* 6.6 */
  gboolean has_rx_metadata; /* the attribute came (6.8) */
  guint64 xdp_rx_metadata_features; /* NETDEV_XDP_RX_METADATA_* */
  gboolean has_xsk_features;        /* the attribute came (6.8) */
  guint64 xsk_features;             /* NETDEV_XSK_FLAGS_* */
} CnetNetdevDev;

gboolean cnet_netdev_dev_get (guint ifindex, CnetNetdevDev *dev);

/* Whether the netdev family has command @cmd (CNET_NETDEV_CMD_*). */
gboolean cnet_netdev_has_cmd (guint8 cmd);

#define CNET_NETDEV_CMD_NAPI_GET 11
#define CNET_NETDEV_CMD_NAPI_SET 14

#define CNET_NETDEV_XDP_ACT_BASIC (1u << 0)
#define CNET_NETDEV_XDP_ACT_REDIRECT (1 << 1)
#define CNET_NETDEV_XDP_ACT_XSK_ZEROCOPY (1u << 3)
#define CNET_NETDEV_XDP_ACT_RX_SG (1 << 5)
#define CNET_NETDEV_XDP_RX_METADATA_TIMESTAMP (1 << 0)
#define CNET_NETDEV_XDP_RX_METADATA_HASH (1 << 1)
#define CNET_NETDEV_XDP_RX_METADATA_VLAN_TAG (1 << 2)
#define CNET_NETDEV_XSK_FLAGS_TX_TIMESTAMP (1 << 0)
#define CNET_NETDEV_XSK_FLAGS_TX_CHECKSUM (1 << 1)
#define CNET_NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO (1 << 2)

/* One NAPI instance's settings (netdev napi-get / napi-set, 6.13). */
typedef struct
{
  guint32 id;
  guint32 defer_hard_irqs;
  guint64 gro_flush_timeout;   /* ns */
  guint64 irq_suspend_timeout; /* ns */
} CnetNapi;

/* The NAPI instances of @ifindex (element type CnetNapi), or NULL with
 * @error set. */
GArray *cnet_netdev_napi_list (guint ifindex, GError **error);

/* Writes @napi's three settings to the NAPI instance with its id. */
gboolean cnet_netdev_napi_set (const CnetNapi *napi, GError **error);

G_END_DECLS
