/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How CnetClient (cnet-client.c) makes a port on a socket leased from
 * cnetd: the constructor and the setters of cnet-port-lease.c, without the
 * port's state (cnet-port-private.h), which the client has no business
 * with.
 */
#pragma once

#include <gio/gio.h>

#include "cnet-mempool.h"
#include "cnet-port.h"
#include "cnet-types.h"

G_BEGIN_DECLS

CnetPort *cnet_port_new_leased (int fd, int guard_fd, const char *interface,
                                guint ifindex, guint queue,
                                CnetMempool *mempool, gboolean need_wakeup,
                                const guint ring_sizes[4], GError **error);
/* The RX metadata cnetd's program writes for the lease. */
void cnet_port_set_lease_rx_metadata (CnetPort *port, guint flags);
void cnet_port_set_lease (CnetPort *port, GDBusConnection *connection,
                          const char *lease_path, CnetBindMode bind_mode,
                          const char *const *rules);
void cnet_port_set_lease_socket (CnetPort *port, gboolean multi_buffer,
                                 CnetTxMetadataFlags tx_metadata,
                                 guint tx_meta_len);

G_END_DECLS
