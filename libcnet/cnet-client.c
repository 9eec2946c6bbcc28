/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gunixfdlist.h>
#include <unistd.h>

#include "cnet-client.h"
#include "cnet-port.h"
#include "cnet-private.h"

/**
 * CnetClient:
 *
 * A connection to cnetd, the service that leases AF_XDP queues to programs
 * that need no privileges of their own.
 *
 * cnet_client_open_port() asks cnetd for a queue, receives the AF_XDP
 * socket it created over D-Bus, registers the mempool's UMEM on it, makes
 * the rings and activates the lease, at which point cnetd binds the socket
 * and steers the queue's traffic (what the rules match) to it. What comes
 * back is an ordinary #CnetPort. Dropping the port ends the lease.
 *
 * The caller needs no capability, but its UMEM counts against its
 * `RLIMIT_MEMLOCK` (8 MiB for unprivileged users on many systems): a
 * mempool of 2048 frames of 2048 bytes takes 4 MiB.
 *
 * Since: 1.0
 */

struct _CnetClient
{
  GObject parent_instance;
  GDBusConnection *connection;
};

G_DEFINE_FINAL_TYPE (CnetClient, cnet_client, G_TYPE_OBJECT)

static void
cnet_client_finalize (GObject *object)
{
  CnetClient *self = CNET_CLIENT (object);

  g_clear_object (&self->connection);
  G_OBJECT_CLASS (cnet_client_parent_class)->finalize (object);
}

static void
cnet_client_class_init (CnetClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cnet_client_finalize;
  /* Make GDBus map org.cnet.Cnet1.Error.* onto CNET_ERROR. */
  (void) cnet_error_quark ();
}

static void
cnet_client_init (CnetClient *self)
{
}

/**
 * cnet_client_new:
 * @address: (nullable): a D-Bus address, or %NULL for the system bus
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects to cnetd's bus.
 *
 * Returns: (transfer full): a client, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetClient *
cnet_client_new (const char *address, GCancellable *cancellable, GError **error)
{
  g_autoptr (GDBusConnection) connection = NULL;

  if (address == NULL)
    connection = g_bus_get_sync (G_BUS_TYPE_SYSTEM, cancellable, error);
  else
    connection = g_dbus_connection_new_for_address_sync (
      address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, cancellable, error);
  if (connection == NULL)
    return NULL;
  return cnet_client_new_for_connection (connection);
}

/**
 * cnet_client_new_for_connection:
 * @connection: a message bus connection on which cnetd is
 *
 * Returns: (transfer full): a client using @connection
 *
 * Since: 1.0
 */
CnetClient *
cnet_client_new_for_connection (GDBusConnection *connection)
{
  CnetClient *self;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (CNET_TYPE_CLIENT, NULL);
  self->connection = g_object_ref (connection);
  return self;
}

/**
 * cnet_client_get_connection:
 * @client: a #CnetClient
 *
 * Returns: (transfer none): the client's bus connection
 *
 * Since: 1.0
 */
GDBusConnection *
cnet_client_get_connection (CnetClient *client)
{
  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  return client->connection;
}

static GVariant *
cnet_client_call (CnetClient *self, const char *path, const char *iface,
                  const char *method, GVariant *args, const char *reply_type,
                  GUnixFDList **out_fds, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GVariant *reply;

  reply =
    g_dbus_connection_call_with_unix_fd_list_sync (self->connection,
                                                   CNET_DBUS_NAME, path, iface,
                                                   method, args,
                                                   G_VARIANT_TYPE (reply_type),
                                                   G_DBUS_CALL_FLAGS_NONE,
                                                   10000, NULL, out_fds, NULL,
                                                   &local_error);
  if (reply == NULL)
    {
      /* The message says what cnetd said; the remote error name is not
       * worth repeating in it. */
      g_dbus_error_strip_remote_error (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return reply;
}

static GVariant *
cnet_client_get_property (CnetClient *self, const char *path, const char *iface,
                          const char *name, GError **error)
{
  g_autoptr (GVariant) reply =
    cnet_client_call (self, path, "org.freedesktop.DBus.Properties", "Get",
                      g_variant_new ("(ss)", iface, name), "(v)", NULL, error);
  GVariant *value = NULL;

  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  return value;
}

/**
 * cnet_client_get_version:
 * @client: a #CnetClient
 * @error: return location for a #GError
 *
 * Returns: (transfer full): cnetd's version, or %NULL with @error set (when
 *   cnetd does not run, %G_DBUS_ERROR_SERVICE_UNKNOWN or
 *   %G_DBUS_ERROR_NAME_HAS_NO_OWNER)
 *
 * Since: 1.0
 */
char *
cnet_client_get_version (CnetClient *client, GError **error)
{
  g_autoptr (GVariant) value = NULL;

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);

  value =
    cnet_client_get_property (client, CNET_DBUS_PATH,
                              CNET_DBUS_INTERFACE_MANAGER, "Version", error);
  return value ? g_variant_dup_string (value, NULL) : NULL;
}

/**
 * cnet_client_list_interfaces:
 * @client: a #CnetClient
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (array zero-terminated=1): the object paths of
 *   the interfaces cnetd sees, or %NULL with @error set
 *
 * Since: 1.0
 */
char **
cnet_client_list_interfaces (CnetClient *client, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  char **paths = NULL;

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);

  reply = cnet_client_call (client, CNET_DBUS_PATH, CNET_DBUS_INTERFACE_MANAGER,
                            "ListInterfaces", NULL, "(ao)", NULL, error);
  if (reply != NULL)
    g_variant_get (reply, "(^ao)", &paths);
  return paths;
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
 * cnet_client_open_port_full() for more settings.
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
                                     g_variant_builder_end (&options), error);
}

static CnetBindMode
bind_mode_from_string (const char *s)
{
  if (g_strcmp0 (s, "zerocopy") == 0)
    return CNET_BIND_MODE_ZEROCOPY;
  if (g_strcmp0 (s, "copy") == 0)
    return CNET_BIND_MODE_COPY;
  return CNET_BIND_MODE_AUTO;
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
 *   "rules"; a floating reference is sunk
 * @error: return location for a #GError
 *
 * Leases a queue from cnetd, registers @mempool's UMEM on the socket cnetd
 * passes back, makes the rings and activates the lease. cnetd's errors
 * arrive with their %CNET_ERROR codes: %CNET_ERROR_PERMISSION_DENIED,
 * %CNET_ERROR_BUSY, %CNET_ERROR_LIMIT_EXCEEDED and the others; a UMEM too
 * large for `RLIMIT_MEMLOCK` is %CNET_ERROR_NO_MEMORY.
 *
 * Returns: (transfer full): the port, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetPort *
cnet_client_open_port_full (CnetClient *client, const char *interface,
                            guint queue, CnetMempool *mempool,
                            GVariant *options, GError **error)
{
  g_autoptr (GVariant) opts = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) ifindex = NULL;
  g_autoptr (GVariant) leased_queue = NULL;
  g_autoptr (GVariant) bind_mode = NULL;
  g_autoptr (GVariant) rules = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autofree char *lease = NULL;
  gboolean need_wakeup = TRUE;
  gint32 handle;
  int fd;

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  opts = options ? g_variant_ref_sink (options)
                 : g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  g_variant_lookup (opts, "need-wakeup", "b", &need_wakeup);

  reply =
    cnet_client_call (client, CNET_DBUS_PATH, CNET_DBUS_INTERFACE_MANAGER,
                      "AcquireQueue",
                      g_variant_new ("(su@a{sv})", interface, queue, opts),
                      "(oh)", &fds, error);
  if (reply == NULL)
    return NULL;
  g_variant_get (reply, "(oh)", &lease, &handle);
  fd = fds ? g_unix_fd_list_get (fds, handle, error) : -1;
  if (fd < 0)
    {
      if (error && *error == NULL)
        g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                     "%s: cnetd's reply carries no socket", interface);
      return NULL;
    }

  /* What cnetd leased: the queue (for "any") and its view of the ifindex. */
  leased_queue =
    cnet_client_get_property (client, lease, CNET_DBUS_INTERFACE_LEASE, "Queue",
                              error);
  if (leased_queue == NULL)
    {
      close (fd);
      return NULL;
    }
  queue = g_variant_get_uint32 (leased_queue);
  {
    g_autoptr (GVariant) obj =
      cnet_client_get_property (client, lease, CNET_DBUS_INTERFACE_LEASE,
                                "InterfaceObject", error);
    if (obj == NULL)
      {
        close (fd);
        return NULL;
      }
    ifindex =
      cnet_client_get_property (client, g_variant_get_string (obj, NULL),
                                CNET_DBUS_INTERFACE_INTERFACE, "Ifindex",
                                error);
    if (ifindex == NULL)
      {
        close (fd);
        return NULL;
      }
  }

  port = cnet_port_new_leased (fd, interface, g_variant_get_uint32 (ifindex),
                               queue, mempool, need_wakeup, error);
  if (port == NULL)
    {
      /* The fd went with the failed port; tell cnetd the lease is over. */
      g_autoptr (GVariant) released =
        cnet_client_call (client, lease, CNET_DBUS_INTERFACE_LEASE, "Release",
                          NULL, "()", NULL, NULL);
      if (released == NULL)
        g_debug ("%s: cannot release lease %s", interface, lease);
      return NULL;
    }

  /* From here on, dropping the port releases the lease. */
  cnet_port_set_lease (port, client->connection, lease, CNET_BIND_MODE_AUTO,
                       NULL);
  g_clear_pointer (&reply, g_variant_unref);
  reply = cnet_client_call (client, lease, CNET_DBUS_INTERFACE_LEASE,
                            "Activate", NULL, "()", NULL, error);
  if (reply == NULL)
    return NULL;
  bind_mode =
    cnet_client_get_property (client, lease, CNET_DBUS_INTERFACE_LEASE,
                              "BindMode", error);
  rules = cnet_client_get_property (client, lease, CNET_DBUS_INTERFACE_LEASE,
                                    "Rules", error);
  if (bind_mode == NULL || rules == NULL)
    return NULL;
  {
    g_autofree const char **strv = g_variant_get_strv (rules, NULL);
    cnet_port_set_lease (port, client->connection, lease,
                         bind_mode_from_string (
                           g_variant_get_string (bind_mode, NULL)),
                         strv);
  }
  return g_steal_pointer (&port);
}
