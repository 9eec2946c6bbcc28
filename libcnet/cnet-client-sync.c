/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetClient's blocking calls: each runs its _async twin in a main context
 * of its own until it answers (fwupd's fwupd-client-sync.c does the same),
 * so that there is one code path per call to cnetd. None has a timeout;
 * each takes a GCancellable.
 */
#include "config.h"

#include "cnet-client-private.h"
#include "cnet-mempool.h"

typedef struct
{
  GMainContext *context;
  GAsyncResult *result;
} SyncCall;

static void
sync_call_start (SyncCall *call)
{
  call->context = g_main_context_new ();
  g_main_context_push_thread_default (call->context);
}

static void
sync_call_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
  SyncCall *call = user_data;

  call->result = g_object_ref (res);
}

/* Runs the call's own context until it answered. */
static GAsyncResult *
sync_call_wait (SyncCall *call)
{
  while (call->result == NULL)
    g_main_context_iteration (call->context, TRUE);
  g_main_context_pop_thread_default (call->context);
  return call->result;
}

static void
sync_call_clear (SyncCall *call)
{
  g_clear_object (&call->result);
  g_clear_pointer (&call->context, g_main_context_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SyncCall, sync_call_clear)

/**
 * cnet_client_get_version:
 * @client: a #CnetClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks cnetd for its version; cnet_client_get_version_async() is the
 * same without blocking.
 *
 * Returns: (transfer full): cnetd's version, or %NULL with @error set (when
 *   cnetd does not run, %G_DBUS_ERROR_SERVICE_UNKNOWN or
 *   %G_DBUS_ERROR_NAME_HAS_NO_OWNER)
 *
 * Since: 1.0
 */
char *
cnet_client_get_version (CnetClient *client, GCancellable *cancellable,
                         GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  sync_call_start (&call);
  cnet_client_get_version_async (client, cancellable, sync_call_done, &call);
  return cnet_client_get_version_finish (client, sync_call_wait (&call), error);
}

/**
 * cnet_client_list_interfaces:
 * @client: a #CnetClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the interfaces cnetd sees; cnet_client_list_interfaces_async()
 * is the same without blocking.
 *
 * Returns: (transfer full) (array zero-terminated=1): the object paths of
 *   the interfaces cnetd sees, or %NULL with @error set
 *
 * Since: 1.0
 */
char **
cnet_client_list_interfaces (CnetClient *client, GCancellable *cancellable,
                             GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  sync_call_start (&call);
  cnet_client_list_interfaces_async (client, cancellable, sync_call_done,
                                     &call);
  return cnet_client_list_interfaces_finish (client, sync_call_wait (&call),
                                             error);
}

/**
 * cnet_client_list_leases:
 * @client: a #CnetClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists every current lease, anyone's: cnetd lets everyone read them.
 *
 * Returns: (transfer full) (array zero-terminated=1): the object paths of
 *   the leases (`/org/cnet/Cnet1/leases/N`), or %NULL with @error set
 *
 * Since: 1.0
 */
char **
cnet_client_list_leases (CnetClient *client, GCancellable *cancellable,
                         GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  sync_call_start (&call);
  cnet_client_list_leases_async (client, cancellable, sync_call_done, &call);
  return cnet_client_list_leases_finish (client, sync_call_wait (&call), error);
}

/**
 * cnet_client_get_interface_info:
 * @client: a #CnetClient
 * @interface: an interface name, such as "eth0", or the object path of an
 *   interface cnetd sees
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads what cnetd knows of one interface: the properties of its
 * `org.cnet.Cnet1.Interface` object, under their D-Bus names ("Name",
 * "Ifindex", "MAC", "Driver", "MTU", "RxQueues", "TxQueues",
 * "SupportedXdpModes", "AttachedXdpMode", "ZeroCopy", "Managed",
 * "FreeQueues", "DrainingQueues", "Stats" — see the D-Bus API's
 * documentation), each of the type given there, and "Object", the object
 * path. "Stats" is read as the call is made, so calling again gives rates.
 *
 * Returns: (transfer full): a dictionary (`a{sv}`), or %NULL with @error
 *   set (%CNET_ERROR_NOT_FOUND when cnetd sees no such interface)
 *
 * Since: 1.0
 */
GVariant *
cnet_client_get_interface_info (CnetClient *client, const char *interface,
                                GCancellable *cancellable, GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  sync_call_start (&call);
  cnet_client_get_interface_info_async (client, interface, cancellable,
                                        sync_call_done, &call);
  return cnet_client_get_interface_info_finish (client, sync_call_wait (&call),
                                                error);
}

/**
 * cnet_client_get_lease_info:
 * @client: a #CnetClient
 * @lease: a lease's number, such as "3", or its object path
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Reads one lease: the properties of its `org.cnet.Cnet1.Lease` object,
 * under their D-Bus names ("Interface", "InterfaceObject", "Kind", "Queue",
 * "Owner", "Uid", "Pid", "Active", "BindMode", "Rules", "Stats"), each of
 * the type the D-Bus API gives, and "Object", the object path. "Stats" is
 * read as the call is made.
 *
 * Returns: (transfer full): a dictionary (`a{sv}`), or %NULL with @error
 *   set (%CNET_ERROR_NOT_FOUND when there is no such lease,
 *   %CNET_ERROR_INVALID_ARGUMENT when @lease is neither a number nor a
 *   lease's path)
 *
 * Since: 1.0
 */
GVariant *
cnet_client_get_lease_info (CnetClient *client, const char *lease,
                            GCancellable *cancellable, GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (lease != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  sync_call_start (&call);
  cnet_client_get_lease_info_async (client, lease, cancellable, sync_call_done,
                                    &call);
  return cnet_client_get_lease_info_finish (client, sync_call_wait (&call),
                                            error);
}

/**
 * cnet_client_release_lease:
 * @client: a #CnetClient
 * @lease: a lease's number, such as "3", or its object path
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Ends a lease. cnetd lets only the lease's owner do so, or root: an
 * operator's tool running as root may end anyone's. The lease's port, in
 * its owner's process, then emits #CnetPort::lease-ended.
 *
 * Returns: %TRUE when the lease ended, or %FALSE with @error set
 *   (%CNET_ERROR_NOT_FOUND, %CNET_ERROR_PERMISSION_DENIED, ...)
 *
 * Since: 1.0
 */
gboolean
cnet_client_release_lease (CnetClient *client, const char *lease,
                           GCancellable *cancellable, GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (lease != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        FALSE);
  sync_call_start (&call);
  cnet_client_release_lease_async (client, lease, cancellable, sync_call_done,
                                   &call);
  return cnet_client_release_lease_finish (client, sync_call_wait (&call),
                                           error);
}

/**
 * cnet_client_start_capture:
 * @client: a #CnetClient
 * @interface: the interface name, such as "eth0"
 * @options: (nullable): a dictionary (`a{sv}`): "queue" (u: only frames
 *   received on this queue), "snaplen" (u: the most bytes kept of each,
 *   1 to 16384, the default), "rules" (as: only frames one of these
 *   steering rules matches, such as "udp dport 53"; see #CnetMatch)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Starts a capture of what @interface receives: cnetd's XDP program copies
 * each matching frame's first bytes into a ring buffer made for this
 * capture and hands the frame on as before, so the kernel still gets it.
 * cnetd asks polkit (`org.cnet.Cnet1.capture`) unless the caller is root.
 * The capture ends with cnet_capture_stop(), when the object goes, or
 * when cnetd ends it (the interface went; root released it).
 *
 * Returns: (transfer full): the capture, or %NULL with @error set
 *   (%CNET_ERROR_PERMISSION_DENIED, %CNET_ERROR_NOT_FOUND,
 *   %CNET_ERROR_BUSY when 8 captures run on the interface, ...)
 *
 * Since: 1.0
 */
CnetCapture *
cnet_client_start_capture (CnetClient *client, const char *interface,
                           GVariant *options, GCancellable *cancellable,
                           GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  sync_call_start (&call);
  cnet_client_start_capture_async (client, interface, options, cancellable,
                                   sync_call_done, &call);
  return cnet_client_start_capture_finish (client, sync_call_wait (&call),
                                           error);
}

/**
 * cnet_client_open_port_full:
 * @client: a #CnetClient
 * @interface: the interface name
 * @queue: the receive queue, or %CNET_DBUS_ANY_QUEUE for any free one
 * @mempool: the mempool to receive into and send from
 * @options: (nullable): an `a{sv}` of lease options, as
 *   org.cnet.Cnet1.Manager.AcquireQueue takes them: "xdp-mode",
 *   "bind-mode", "need-wakeup", "busy-poll-usecs", "busy-poll-budget",
 *   "rules", "rx-size", "tx-size", "fill-size", "comp-size",
 *   "multi-buffer", "tx-metadata", "rx-metadata" (the mempool gives
 *   "frame-size" and "headroom"); a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Leases a queue from cnetd in two round trips: AcquireQueue passes
 * @mempool's memory (a sealed memfd) and gets back an AF_XDP socket that
 * cnetd has already bound to exactly the leased queue, with the UMEM
 * registered and the rings made; the port maps the rings, fills the fill
 * ring, and Activate steers the queue's traffic to it. A second port on
 * the same mempool shares its UMEM. cnetd's errors arrive with their
 * %CNET_ERROR codes: %CNET_ERROR_PERMISSION_DENIED, %CNET_ERROR_BUSY,
 * %CNET_ERROR_LIMIT_EXCEEDED and the others. There is no timeout (a polkit
 * agent may ask the user); cancel @cancellable to give up.
 *
 * This blocks the calling thread; cnet_client_open_port_async() is the
 * same without blocking, and this is that in a main context of its own.
 *
 * When the lease ends (cnetd ends it, or cnetd goes), the port emits
 * #CnetPort::lease-ended and its calls fail with %CNET_ERROR_LEASE_ENDED.
 *
 * Returns: (transfer full): the port, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetPort *
cnet_client_open_port_full (CnetClient *client, const char *interface,
                            guint queue, CnetMempool *mempool,
                            GVariant *options, GCancellable *cancellable,
                            GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  sync_call_start (&call);
  cnet_client_open_port_async (client, interface, queue, mempool, options,
                               cancellable, sync_call_done, &call);
  return cnet_client_open_port_finish (client, sync_call_wait (&call), error);
}

/**
 * cnet_client_open_port:
 * @client: a #CnetClient
 * @interface: the interface name
 * @queue: the receive queue, or %CNET_DBUS_ANY_QUEUE for any free one
 * @mempool: the mempool to receive into and send from
 * @rules: (array zero-terminated=1) (nullable): steering rules (see
 *   #CnetMatch), or %NULL for the whole queue
 * @error: return location for a #GError
 *
 * Leases a queue from cnetd and opens a port on it; see
 * cnet_client_open_port_full() for more settings, and
 * cnet_client_open_port_async() for a call that does not block.
 *
 * Returns: (transfer full): the port, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetPort *
cnet_client_open_port (CnetClient *client, const char *interface, guint queue,
                       CnetMempool *mempool, const char *const *rules,
                       GError **error)
{
  g_auto (GVariantBuilder) options =
    G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

  if (rules != NULL)
    g_variant_builder_add (&options, "{sv}", "rules",
                           g_variant_new_strv (rules, -1));
  return cnet_client_open_port_full (client, interface, queue, mempool,
                                     g_variant_builder_end (&options), NULL,
                                     error);
}

/**
 * cnet_client_open_queues:
 * @client: a #CnetClient
 * @interface: the interface name
 * @first_queue: the first receive queue
 * @n_queues: how many queues, from @first_queue on
 * @mempool: the mempool all the ports share
 * @options: (nullable): lease options for each port, as for
 *   cnet_client_open_port_full(); a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Leases @n_queues consecutive queues and opens a port on each, all on
 * the one mempool, as cnet_client_open_queues_async() does without
 * blocking. All or nothing.
 *
 * Returns: (transfer container) (element-type CnetPort): the ports, in
 *   queue order, or %NULL with @error set
 *
 * Since: 1.0
 */
GPtrArray *
cnet_client_open_queues (CnetClient *client, const char *interface,
                         guint first_queue, guint n_queues,
                         CnetMempool *mempool, GVariant *options,
                         GCancellable *cancellable, GError **error)
{
  g_auto (SyncCall) call = { 0 };

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);

  sync_call_start (&call);
  cnet_client_open_queues_async (client, interface, first_queue, n_queues,
                                 mempool, options, cancellable, sync_call_done,
                                 &call);
  return cnet_client_open_queues_finish (client, sync_call_wait (&call), error);
}
