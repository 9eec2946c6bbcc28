/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include "cnet-capture.h"
#include "cnet-types.h"

G_BEGIN_DECLS

#define CNET_TYPE_CLIENT (cnet_client_get_type ())
G_DECLARE_FINAL_TYPE (CnetClient, cnet_client, CNET, CLIENT, GObject)

G_GNUC_WARN_UNUSED_RESULT
CnetClient *cnet_client_new (const char *address, GCancellable *cancellable,
                             GError **error);
void cnet_client_connect_async (const char *address, GCancellable *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
CnetClient *cnet_client_connect_finish (GAsyncResult *result, GError **error);
G_GNUC_WARN_UNUSED_RESULT
CnetClient *cnet_client_new_for_connection (GDBusConnection *connection);

GDBusConnection *cnet_client_get_connection (CnetClient *client);
G_GNUC_WARN_UNUSED_RESULT
char *cnet_client_get_version (CnetClient *client, GCancellable *cancellable,
                               GError **error);
void cnet_client_get_version_async (CnetClient *client,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
char *cnet_client_get_version_finish (CnetClient *client, GAsyncResult *result,
                                      GError **error);

G_GNUC_WARN_UNUSED_RESULT
char **cnet_client_list_interfaces (CnetClient *client,
                                    GCancellable *cancellable, GError **error);
void cnet_client_list_interfaces_async (CnetClient *client,
                                        GCancellable *cancellable,
                                        GAsyncReadyCallback callback,
                                        gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
char **cnet_client_list_interfaces_finish (CnetClient *client,
                                           GAsyncResult *result,
                                           GError **error);

G_GNUC_WARN_UNUSED_RESULT
GVariant *cnet_client_get_interface_info (CnetClient *client,
                                          const char *interface,
                                          GCancellable *cancellable,
                                          GError **error);
void cnet_client_get_interface_info_async (CnetClient *client,
                                           const char *interface,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback,
                                           gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
GVariant *cnet_client_get_interface_info_finish (CnetClient *client,
                                                 GAsyncResult *result,
                                                 GError **error);

G_GNUC_WARN_UNUSED_RESULT
char **cnet_client_list_leases (CnetClient *client, GCancellable *cancellable,
                                GError **error);
void cnet_client_list_leases_async (CnetClient *client,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
char **cnet_client_list_leases_finish (CnetClient *client, GAsyncResult *result,
                                       GError **error);

G_GNUC_WARN_UNUSED_RESULT
GVariant *cnet_client_get_lease_info (CnetClient *client, const char *lease,
                                      GCancellable *cancellable,
                                      GError **error);
void cnet_client_get_lease_info_async (CnetClient *client, const char *lease,
                                       GCancellable *cancellable,
                                       GAsyncReadyCallback callback,
                                       gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
GVariant *cnet_client_get_lease_info_finish (CnetClient *client,
                                             GAsyncResult *result,
                                             GError **error);

gboolean cnet_client_release_lease (CnetClient *client, const char *lease,
                                    GCancellable *cancellable, GError **error);
void cnet_client_release_lease_async (CnetClient *client, const char *lease,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean cnet_client_release_lease_finish (CnetClient *client,
                                           GAsyncResult *result,
                                           GError **error);

G_GNUC_WARN_UNUSED_RESULT
CnetCapture *cnet_client_start_capture (CnetClient *client,
                                        const char *interface,
                                        GVariant *options,
                                        GCancellable *cancellable,
                                        GError **error);
void cnet_client_start_capture_async (CnetClient *client, const char *interface,
                                      GVariant *options,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
CnetCapture *cnet_client_start_capture_finish (CnetClient *client,
                                               GAsyncResult *result,
                                               GError **error);

G_GNUC_WARN_UNUSED_RESULT
CnetPort *cnet_client_open_port (CnetClient *client, const char *interface,
                                 guint queue, CnetMempool *mempool,
                                 const char *const *rules, GError **error);
G_GNUC_WARN_UNUSED_RESULT
CnetPort *cnet_client_open_port_full (CnetClient *client, const char *interface,
                                      guint queue, CnetMempool *mempool,
                                      GVariant *options,
                                      GCancellable *cancellable,
                                      GError **error);
void cnet_client_open_port_async (CnetClient *client, const char *interface,
                                  guint queue, CnetMempool *mempool,
                                  GVariant *options, GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
CnetPort *cnet_client_open_port_finish (CnetClient *client,
                                        GAsyncResult *result, GError **error);

G_GNUC_WARN_UNUSED_RESULT
GPtrArray *cnet_client_open_queues (CnetClient *client, const char *interface,
                                    guint first_queue, guint n_queues,
                                    CnetMempool *mempool, GVariant *options,
                                    GCancellable *cancellable, GError **error);
void cnet_client_open_queues_async (CnetClient *client, const char *interface,
                                    guint first_queue, guint n_queues,
                                    CnetMempool *mempool, GVariant *options,
                                    GCancellable *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer user_data);
G_GNUC_WARN_UNUSED_RESULT
GPtrArray *cnet_client_open_queues_finish (CnetClient *client,
                                           GAsyncResult *result,
                                           GError **error);

G_END_DECLS
