/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcnet as a client of the AF_XDP device plugin's Unix socket (the
 * protocol CNDP and DPDK's af_xdp PMD speak; docs/kubernetes.md): the
 * server passes the XSKMAP of the XDP program it attached, the client
 * binds its own socket and puts it in the map.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest command or reply of the protocol. */
#define CNET_UDS_MAX_MESSAGE 64
/* How long the client waits for a reply: the server answers at once. */
#define CNET_UDS_REPLY_TIMEOUT_MS 5000

typedef struct _CnetUdsClient CnetUdsClient;

/* Connects to @path, says /connect,<hostname> and asks for @ifname's
 * XSKMAP (/xsk_map_fd,<ifname>). */
CnetUdsClient *cnet_uds_client_connect (const char *path, const char *ifname,
                                        GError **error);
/* /config_busy_poll,<usecs>,<budget> with @xsk_fd attached. */
gboolean cnet_uds_client_config_busy_poll (CnetUdsClient *client, int xsk_fd,
                                           guint usecs, guint budget,
                                           GError **error);
/* XSKMAP[@queue] = @xsk_fd, refusing to replace another socket's entry. */
gboolean cnet_uds_client_set_socket (CnetUdsClient *client, guint queue,
                                     int xsk_fd, GError **error);
void cnet_uds_client_clear_socket (CnetUdsClient *client, guint queue);
/* /fin, wait for /fin_ack (briefly), close. */
void cnet_uds_client_free (CnetUdsClient *client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetUdsClient, cnet_uds_client_free)

G_END_DECLS
