/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Facts about a network interface (cnet-netdev.c), for the port, the XDP
 * program and cnetd: its index, queues and driver, its XDP features,
 * whether a queue has an AF_XDP socket, which bind mode to try. The
 * NETDEV_XDP_ACT_* bits are in cnet-features-private.h.
 */
#pragma once

#include <glib.h>

#include "cnet-types.h"

G_BEGIN_DECLS

typedef struct
{
  char name[16];
  guint ifindex;
  guint n_rx_queues; /* 0: unknown */
  char driver[32];
} CnetNetdevInfo;

gboolean cnet_netdev_lookup (const char *ifname, CnetNetdevInfo *info,
                             GError **error);
gboolean cnet_netdev_exists (guint ifindex);
gboolean cnet_netdev_xdp_features (guint ifindex, guint64 *features);
CnetBindMode cnet_bind_mode_choose (CnetBindMode asked, guint ifindex,
                                    gboolean can_retry);
gboolean cnet_netdev_queue_has_xsk (guint ifindex, guint queue,
                                    gboolean *has_xsk);

G_END_DECLS
