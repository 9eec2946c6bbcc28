/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <linux/if_link.h>
#include <linux/netlink.h>

G_BEGIN_DECLS

/* What rtnetlink says of one interface. */
typedef struct
{
  guint ifindex;
  char name[16];
  guint mtu;
  guint8 mac[32];
  guint mac_len;
  guint n_rx_queues;
  guint n_tx_queues;
  gboolean has_stats;
  struct rtnl_link_stats64 stats;
} CnetdLinkInfo;

gboolean cnetd_link_parse (const struct nlmsghdr *nlh, CnetdLinkInfo *info);
GArray *cnetd_link_dump (GError **error);
gboolean cnetd_link_get (guint ifindex, CnetdLinkInfo *info);
int cnetd_link_monitor_open (GError **error);

G_END_DECLS
