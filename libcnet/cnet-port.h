/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-batch.h"
#include "cnet-features.h"
#include "cnet-port-stats.h"
#include "cnet-types.h"

G_BEGIN_DECLS

/**
 * CNET_PORT_DEFAULT_RING_SIZE:
 *
 * The number of descriptors of each ring (RX, TX, fill, completion) when
 * none is given.
 *
 * Since: 1.0
 */
#define CNET_PORT_DEFAULT_RING_SIZE 2048

#define CNET_TYPE_PORT (cnet_port_get_type ())
G_DECLARE_FINAL_TYPE (CnetPort, cnet_port, CNET, PORT, GObject)

/**
 * CnetPortSourceFunc:
 * @port: the port whose socket is ready
 * @condition: what is ready: %G_IO_IN when the RX ring has packets,
 *   %G_IO_OUT when the TX ring has room, %G_IO_ERR or %G_IO_HUP when the
 *   socket failed (the interface went away)
 * @user_data: the data given with the callback
 *
 * The callback of a port's #GSource, cnet_port_create_source() and
 * cnet_port_add_watch().
 *
 * Returns: %G_SOURCE_CONTINUE to keep watching, %G_SOURCE_REMOVE to stop
 *
 * Since: 1.0
 */
typedef gboolean (*CnetPortSourceFunc) (CnetPort *port, GIOCondition condition,
                                        gpointer user_data);

G_GNUC_WARN_UNUSED_RESULT
CnetPort *cnet_port_new (const char *interface, guint queue,
                         CnetMempool *mempool, GError **error);

G_GNUC_WARN_UNUSED_RESULT
CnetPort *cnet_port_new_uds (const char *uds_path, const char *interface,
                             guint queue, CnetMempool *mempool, GError **error);

const char *cnet_port_get_interface (CnetPort *port);
const char *cnet_port_get_uds_path (CnetPort *port);
guint cnet_port_get_ifindex (CnetPort *port);
guint cnet_port_get_queue (CnetPort *port);
CnetMempool *cnet_port_get_mempool (CnetPort *port);
CnetXdpProgram *cnet_port_get_xdp_program (CnetPort *port);
CnetBindMode cnet_port_get_bind_mode (CnetPort *port);
gboolean cnet_port_get_need_wakeup (CnetPort *port);
gboolean cnet_port_get_multi_buffer (CnetPort *port);
CnetTxMetadataFlags cnet_port_get_tx_metadata (CnetPort *port);
int cnet_port_get_fd (CnetPort *port);
CnetFeatures cnet_port_get_features (CnetPort *port);

guint cnet_port_rx_burst (CnetPort *port, CnetPacket **packets,
                          guint n_packets);
guint cnet_port_tx_burst (CnetPort *port, CnetPacket **packets,
                          guint n_packets);
guint cnet_port_tx_flush (CnetPort *port);
gboolean cnet_port_wait (CnetPort *port, int timeout_ms,
                         GCancellable *cancellable, GError **error);

guint cnet_port_receive (CnetPort *port, CnetBatch *batch, GError **error);
guint cnet_port_send (CnetPort *port, CnetBatch *batch, GError **error);

G_GNUC_WARN_UNUSED_RESULT
GSource *cnet_port_create_source (CnetPort *port, GIOCondition condition,
                                  GCancellable *cancellable);
void cnet_port_source_set_adaptive (GSource *source, guint spin_usecs);
guint cnet_port_add_watch (CnetPort *port, int priority, GIOCondition condition,
                           guint spin_usecs, CnetPortSourceFunc func,
                           gpointer user_data, GDestroyNotify notify);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_port_set_rules (CnetPort *port, const char *const *rules,
                              GError **error);
char **cnet_port_get_rules (CnetPort *port);

G_GNUC_WARN_UNUSED_RESULT
GPtrArray *cnet_port_open_queues (const char *interface, guint first_queue,
                                  guint n_queues, CnetMempool *mempool,
                                  GError **error);
guint cnet_port_forward_burst (CnetPort *port, CnetPacket **packets,
                               guint n_packets);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_port_get_stats (CnetPort *port, CnetPortStats *stats,
                              GError **error);
void cnet_port_get_stats_async (CnetPort *port, GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_port_get_stats_finish (CnetPort *port, GAsyncResult *result,
                                     CnetPortStats *stats, GError **error);

G_END_DECLS
