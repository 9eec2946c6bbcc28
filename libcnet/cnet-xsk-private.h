/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel set-up of an AF_XDP socket (linux/if_xdp.h) that a direct
 * port (cnet-port-socket.c) and cnetd's leases (service/cnetd-xsk.c)
 * share: UMEM registration, the four rings and the TX budget, busy-poll
 * options, and the flags of linux/if_xdp.h that older headers lack.
 * Private to libcnet and cnetd; errors say "IFNAME queue N:".
 */
#pragma once

#include <gio/gio.h>
#include <linux/if_xdp.h>

#include "cnet-port-settings.h"

G_BEGIN_DECLS

/* Linux 5.11 and 6.17; Debian 12's headers lack the latter. */
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif

/* Multi-buffer (Linux 6.6) and TX metadata (6.8; the UMEM flag 6.11). */
#ifndef XDP_USE_SG
#define XDP_USE_SG (1 << 4)
#endif
#ifndef XDP_PKT_CONTD
#define XDP_PKT_CONTD (1 << 0)
#endif
#ifndef XDP_TX_METADATA
#define XDP_TX_METADATA (1 << 1)
#endif
#ifndef XDP_UMEM_TX_METADATA_LEN
#define XDP_UMEM_TX_METADATA_LEN (1 << 2)
#endif
/* The size libcnet registers: struct xsk_tx_metadata with launch_time
 * (Linux 6.15), a multiple of 8 as the kernel wants. */
#define CNET_TX_METADATA_LEN 24

gboolean cnet_xsk_fail (GError **error, int errsv, const char *ifname,
                        guint queue, const char *what);
gboolean cnet_xsk_register_umem (int fd, const char *ifname, guint queue,
                                 gpointer area, guint64 size, guint frame_size,
                                 guint headroom, gboolean tx_metadata,
                                 guint *tx_meta_len, GError **error);
gboolean cnet_xsk_make_rings (int fd, const char *ifname, guint queue,
                              const CnetPortSettings *settings, GError **error);
gboolean cnet_xsk_set_busy_poll (int fd, const char *ifname, guint queue,
                                 const CnetPortSettings *settings,
                                 GError **error);

G_END_DECLS
