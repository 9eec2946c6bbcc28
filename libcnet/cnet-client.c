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
 * cnet_client_open_port() asks cnetd for a queue, passing the mempool's
 * memory (a sealed memfd); cnetd registers it as the UMEM of a new AF_XDP
 * socket, binds the socket to exactly the leased queue and passes it back;
 * the port maps the rings and activates the lease, at which point cnetd
 * steers the queue's traffic (what the rules match) to it. What comes back
 * is an ordinary #CnetPort. Dropping the port ends the lease.
 *
 * The caller needs no capability, and its UMEM does not count against its
 * `RLIMIT_MEMLOCK`: cnetd pins it, within its own per-user limit
 * (`max-umem-bytes-per-user`).
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

/* The caller's options, plus what the mempool says (frame size, headroom)
 * and the default ring sizes where the caller named none. */
static GVariant *
cnet_client_lease_options (GVariant *options, CnetMempool *mempool,
                           guint ring_sizes[4])
{
  static const char *const ring_keys[4] = { "fill-size", "comp-size", "rx-size",
                                            "tx-size" };
  GVariantBuilder b;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < 4; i++)
    ring_sizes[i] = CNET_PORT_DEFAULT_RING_SIZE;
  if (options != NULL)
    {
      g_variant_iter_init (&iter, options);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          for (guint i = 0; i < 4; i++)
            if (g_str_equal (key, ring_keys[i]) &&
                g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
              ring_sizes[i] = g_variant_get_uint32 (value);
          if (!g_str_equal (key, "frame-size") &&
              !g_str_equal (key, "headroom"))
            g_variant_builder_add (&b, "{sv}", key, value);
          g_variant_unref (value);
        }
    }
  for (guint i = 0; i < 4; i++)
    if (options == NULL || !g_variant_lookup (options, ring_keys[i], "u", NULL))
      g_variant_builder_add (&b, "{sv}", ring_keys[i],
                             g_variant_new_uint32 (ring_sizes[i]));
  g_variant_builder_add (&b, "{sv}", "frame-size",
                         g_variant_new_uint32 (mempool->frame_size));
  g_variant_builder_add (&b, "{sv}", "headroom",
                         g_variant_new_uint32 (mempool->umem_headroom));
  return g_variant_builder_end (&b);
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
 *   "rules", "rx-size", "tx-size", "fill-size", "comp-size" (the mempool
 *   gives "frame-size" and "headroom"); a floating reference is sunk
 * @error: return location for a #GError
 *
 * Leases a queue from cnetd in two round trips: AcquireQueue passes
 * @mempool's memory (a sealed memfd) and gets back an AF_XDP socket that
 * cnetd has already bound to exactly the leased queue, with the UMEM
 * registered and the rings made; the port maps the rings, fills the fill
 * ring, and Activate steers the queue's traffic to it. A second port on
 * the same mempool shares its UMEM. cnetd's errors arrive with their
 * %CNET_ERROR codes: %CNET_ERROR_PERMISSION_DENIED, %CNET_ERROR_BUSY,
 * %CNET_ERROR_LIMIT_EXCEEDED and the others.
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
                            GVariant *options, GError **error)
{
  g_autoptr (GVariant) opts = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) info = NULL;
  g_autoptr (GUnixFDList) in_fds = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autofree char *lease = NULL;
  g_autofree const char **rules = NULL;
  const char *bind_mode = "copy";
  gboolean need_wakeup = TRUE;
  guint ring_sizes[4];
  guint ifindex = 0;
  gint32 h_socket, h_guard;
  int fd, guard;

  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options != NULL)
    g_variant_ref_sink (options);
  opts = g_variant_ref_sink (
    cnet_client_lease_options (options, mempool, ring_sizes));
  if (options != NULL)
    g_variant_unref (options);

  in_fds = g_unix_fd_list_new ();
  if (g_unix_fd_list_append (in_fds, mempool->memfd, error) < 0)
    return NULL;
  reply =
    g_dbus_connection_call_with_unix_fd_list_sync (client->connection,
                                                   CNET_DBUS_NAME,
                                                   CNET_DBUS_PATH,
                                                   CNET_DBUS_INTERFACE_MANAGER,
                                                   "AcquireQueue",
                                                   g_variant_new ("(su@a{sv}h)",
                                                                  interface,
                                                                  queue, opts,
                                                                  0),
                                                   G_VARIANT_TYPE (
                                                     "(ohha{sv})"),
                                                   G_DBUS_CALL_FLAGS_NONE, -1,
                                                   in_fds, &fds, NULL, error);
  if (reply == NULL)
    {
      if (error != NULL && *error != NULL)
        g_dbus_error_strip_remote_error (*error);
      return NULL;
    }
  g_variant_get (reply, "(ohh@a{sv})", &lease, &h_socket, &h_guard, &info);
  fd = fds ? g_unix_fd_list_get (fds, h_socket, NULL) : -1;
  guard = fds ? g_unix_fd_list_get (fds, h_guard, NULL) : -1;
  if (fd < 0 || guard < 0)
    {
      if (fd >= 0)
        close (fd);
      if (guard >= 0)
        close (guard);
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "%s: cnetd's reply carries no socket or guard", interface);
      return NULL;
    }
  g_variant_lookup (info, "queue", "u", &queue);
  g_variant_lookup (info, "ifindex", "u", &ifindex);
  g_variant_lookup (info, "need-wakeup", "b", &need_wakeup);
  g_variant_lookup (info, "bind-mode", "&s", &bind_mode);
  if (!g_variant_lookup (info, "rules", "^a&s", &rules))
    rules = g_new0 (const char *, 1);

  /* The port takes the socket and the guard; dropping it, or its guard,
   * ends the lease. */
  port = cnet_port_new_leased (fd, guard, interface, ifindex, queue, mempool,
                               need_wakeup, ring_sizes, error);
  if (port == NULL)
    return NULL;
  cnet_port_set_lease (port, client->connection, lease,
                       bind_mode_from_string (bind_mode), rules);

  g_clear_pointer (&reply, g_variant_unref);
  reply = g_dbus_connection_call_sync (client->connection, CNET_DBUS_NAME,
                                       lease, CNET_DBUS_INTERFACE_LEASE,
                                       "Activate", NULL, G_VARIANT_TYPE ("()"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    {
      if (error != NULL && *error != NULL)
        g_dbus_error_strip_remote_error (*error);
      return NULL;
    }
  return g_steal_pointer (&port);
}
