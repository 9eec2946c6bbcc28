/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gunixfdlist.h>
#include <unistd.h>

#include "cnet-bus-generated.h"
#include "cnet-client-private.h"
#include "cnet-dbus.h"
#include "cnet-enums.h"
#include "cnet-error.h"
#include "cnet-mempool-private.h"
#include "cnet-port-lease-private.h"
#include "cnet-port-settings.h"
#include "cnet-port.h"
#include "cnet-xsk-private.h"

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
  guint added_id;
  guint removed_id;
};

enum
{
  SIGNAL_INTERFACE_ADDED,
  SIGNAL_INTERFACE_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (CnetClient, cnet_client, G_TYPE_OBJECT)

static void
cnet_client_finalize (GObject *object)
{
  CnetClient *self = CNET_CLIENT (object);

  if (self->added_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->added_id);
  if (self->removed_id != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->removed_id);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (cnet_client_parent_class)->finalize (object);
}

static void
cnet_client_class_init (CnetClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cnet_client_finalize;
  /* Make GDBus map org.cnet.Cnet1.Error.* onto CNET_ERROR. */
  (void) cnet_error_quark ();

  /**
   * CnetClient::interface-added:
   * @client: the client
   * @object_path: the interface's object on the bus
   * @name: the interface's name, such as "eth0"
   *
   * Emitted when cnetd starts to see a network interface (it appeared in
   * cnetd's namespace), in the thread-default main context the client was
   * made in.
   *
   * Since: 1.0
   */
  signals[SIGNAL_INTERFACE_ADDED] =
    g_signal_new ("interface-added", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_STRING);

  /**
   * CnetClient::interface-removed:
   * @client: the client
   * @object_path: the interface's object on the bus
   *
   * Emitted when a network interface cnetd saw goes (and with it every
   * lease on it: those ports emit #CnetPort::lease-ended).
   *
   * Since: 1.0
   */
  signals[SIGNAL_INTERFACE_REMOVED] =
    g_signal_new ("interface-removed", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_STRING);
}

/* ObjectManager's InterfacesAdded and InterfacesRemoved, for interface
 * objects only (leases come and go there too). */
static void
on_objects_changed (GDBusConnection *connection, const char *sender,
                    const char *path, const char *iface, const char *member,
                    GVariant *params, gpointer user_data)
{
  CnetClient *self = user_data;
  const char *iface_name = cnet_bus_interface_interface_info ()->name;
  const char *object;

  if (g_str_equal (member, "InterfacesAdded") &&
      g_variant_is_of_type (params, G_VARIANT_TYPE ("(oa{sa{sv}})")))
    {
      g_autoptr (GVariant) ifaces = NULL;
      g_autoptr (GVariant) props = NULL;
      const char *name = NULL;

      g_variant_get (params, "(&o@a{sa{sv}})", &object, &ifaces);
      props = g_variant_lookup_value (ifaces, iface_name, NULL);
      if (props != NULL && g_variant_lookup (props, "Name", "&s", &name))
        g_signal_emit (self, signals[SIGNAL_INTERFACE_ADDED], 0, object, name);
    }
  else if (g_str_equal (member, "InterfacesRemoved") &&
           g_variant_is_of_type (params, G_VARIANT_TYPE ("(oas)")))
    {
      g_autofree const char **gone = NULL;

      g_variant_get (params, "(&o^a&s)", &object, &gone);
      if (g_strv_contains (gone, iface_name))
        g_signal_emit (self, signals[SIGNAL_INTERFACE_REMOVED], 0, object);
    }
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

static void
on_connected (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GDBusConnection) connection = NULL;
  GError *error = NULL;

  if (g_task_get_task_data (task) != NULL)
    connection = g_dbus_connection_new_for_address_finish (res, &error);
  else
    connection = g_bus_get_finish (res, &error);
  if (connection == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, cnet_client_new_for_connection (connection),
                           g_object_unref);
}

/**
 * cnet_client_connect_async:
 * @address: (nullable): a D-Bus address, or %NULL for the system bus
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when connected
 * @user_data: data for @callback
 *
 * Connects to cnetd's bus without blocking, as cnet_client_new() does
 * blocking; call cnet_client_connect_finish()
 * from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_connect_async (const char *address, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, cnet_client_connect_async);
  if (address == NULL)
    {
      g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_connected, task);
      return;
    }
  g_task_set_task_data (task, g_strdup (address), g_free);
  g_dbus_connection_new_for_address (
    address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, cancellable, on_connected, task);
}

/**
 * cnet_client_connect_finish:
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a client, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetClient *
cnet_client_connect_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
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
  self->added_id =
    g_dbus_connection_signal_subscribe (connection, CNET_DBUS_NAME,
                                        "org.freedesktop.DBus.ObjectManager",
                                        "InterfacesAdded", CNET_DBUS_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_objects_changed, self, NULL);
  self->removed_id =
    g_dbus_connection_signal_subscribe (connection, CNET_DBUS_NAME,
                                        "org.freedesktop.DBus.ObjectManager",
                                        "InterfacesRemoved", CNET_DBUS_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_objects_changed, self, NULL);
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

/* Calls are typed by the D-Bus XML in introspection/, through the
 * interface descriptions gdbus-codegen makes of it (cnet-bus-generated.h):
 * a method's reply type is its out-arguments there. The generated proxy
 * objects are not used: a GDBusProxy of a well-known name follows its owner
 * only while the main context it was made in runs, which a program that
 * uses the sync API (or cnet-echo) never does, and after a cnetd restart it
 * would call a name that is gone. */
GVariantType *
cnet_client_reply_type (const GDBusInterfaceInfo *iface, const char *method)
{
  const GDBusMethodInfo *info =
    g_dbus_interface_info_lookup_method ((GDBusInterfaceInfo *) iface, method);
  g_autoptr (GString) sig = g_string_new ("(");

  g_assert (info != NULL);
  for (guint i = 0; info->out_args != NULL && info->out_args[i] != NULL; i++)
    g_string_append (sig, info->out_args[i]->signature);
  g_string_append_c (sig, ')');
  return g_variant_type_new (sig->str);
}

void
cnet_client_strip_error (GError *error)
{
  /* The message says what cnetd said; the remote error name is not worth
   * repeating in it. */
  if (error != NULL)
    g_dbus_error_strip_remote_error (error);
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

/* --- opening a leased port: AcquireQueue, map, Activate ----------------- */

typedef struct
{
  char *interface;
  CnetMempool *mempool;
  guint ring_sizes[4];
  guint tx_metadata; /* CnetTxMetadataFlags asked for */
  CnetPort *port;    /* once AcquireQueue answered */
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_free (data->interface);
  g_clear_object (&data->mempool);
  /* A port not handed out releases its lease as it goes. */
  g_clear_object (&data->port);
  g_free (data);
}

static void
on_activated (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  GError *error = NULL;

  reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  if (reply == NULL)
    {
      cnet_client_strip_error (error);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&data->port), g_object_unref);
}

static void
on_acquired (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CnetClient *self = g_task_get_source_object (task);
  OpenData *data = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) info = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariantType) activate_type = NULL;
  g_autofree char *lease = NULL;
  g_autofree const char **rules = NULL;
  const char *bind_mode = "copy";
  gboolean need_wakeup = TRUE;
  gboolean multi_buffer = FALSE;
  guint tx_meta_len = 0;
  guint ifindex = 0, queue = 0;
  gint32 h_socket, h_guard;
  GError *error = NULL;
  int fd, guard;

  reply =
    g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source),
                                                     &fds, res, &error);
  if (reply == NULL)
    {
      cnet_client_strip_error (error);
      g_task_return_error (task, error);
      return;
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
      /* The guard went with the reply: cnetd ends the lease. */
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_FAILED,
                               "%s: cnetd's reply carries no socket or guard",
                               data->interface);
      return;
    }
  g_variant_lookup (info, "queue", "u", &queue);
  g_variant_lookup (info, "ifindex", "u", &ifindex);
  g_variant_lookup (info, "need-wakeup", "b", &need_wakeup);
  g_variant_lookup (info, "multi-buffer", "b", &multi_buffer);
  g_variant_lookup (info, "tx-metadata-len", "u", &tx_meta_len);
  g_variant_lookup (info, "bind-mode", "&s", &bind_mode);
  if (!g_variant_lookup (info, "rules", "^a&s", &rules))
    rules = g_new0 (const char *, 1);

  /* The port takes the socket and the guard; dropping it, or its guard,
   * ends the lease: also when the caller cancels from here on. */
  data->port =
    cnet_port_new_leased (fd, guard, data->interface, ifindex, queue,
                          data->mempool, need_wakeup, data->ring_sizes, &error);
  if (data->port == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cnet_port_set_lease (data->port, self->connection, lease,
                       bind_mode_from_string (bind_mode), rules);
  cnet_port_set_lease_socket (data->port, multi_buffer, data->tx_metadata,
                              tx_meta_len);
  {
    g_autofree const char **meta = NULL;
    guint flags = 0;

    if (g_variant_lookup (info, "rx-metadata", "^a&s", &meta))
      cnet_flags_from_nicks (CNET_TYPE_RX_METADATA_FLAGS,
                             (const char *const *) meta, &flags, NULL);
    cnet_port_set_lease_rx_metadata (data->port, flags);
  }
  if (g_task_return_error_if_cancelled (task))
    return;

  activate_type =
    cnet_client_reply_type (cnet_bus_lease_interface_info (), "Activate");
  g_dbus_connection_call (self->connection, CNET_DBUS_NAME, lease,
                          cnet_bus_lease_interface_info ()->name, "Activate",
                          NULL, activate_type, G_DBUS_CALL_FLAGS_NONE, G_MAXINT,
                          g_task_get_cancellable (task), on_activated,
                          g_object_ref (task));
}

/**
 * cnet_client_open_port_async:
 * @client: a #CnetClient
 * @interface: the interface name
 * @queue: the receive queue, or %CNET_DBUS_ANY_QUEUE for any free one
 * @mempool: the mempool to receive into and send from
 * @options: (nullable): lease options, as for cnet_client_open_port_full();
 *   a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the port is open or opening failed
 * @user_data: data for @callback
 *
 * Leases a queue from cnetd and opens a port on it without blocking: the
 * two calls to cnetd (AcquireQueue, then Activate) run in the thread-default
 * main context, and the only other work, mapping the rings, takes
 * microseconds. Cancelling at any point leaves no lease behind (a lease
 * cnetd granted meanwhile ends with its guard). Call
 * cnet_client_open_port_finish() from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_open_port_async (CnetClient *client, const char *interface,
                             guint queue, CnetMempool *mempool,
                             GVariant *options, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GVariant) opts = NULL;
  g_autoptr (GUnixFDList) in_fds = NULL;
  g_autoptr (GVariantType) reply_type = NULL;
  g_autoptr (GError) error = NULL;
  OpenData *data;

  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (interface != NULL);
  g_return_if_fail (CNET_IS_MEMPOOL (mempool));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnet_client_open_port_async);
  data = g_new0 (OpenData, 1);
  data->interface = g_strdup (interface);
  data->mempool = g_object_ref (mempool);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  if (options != NULL)
    g_variant_ref_sink (options);
  opts = g_variant_ref_sink (
    cnet_client_lease_options (options, mempool, data->ring_sizes));
  if (options != NULL)
    g_variant_unref (options);

  /* TX metadata sits in front of each frame's data (cnet-port-socket.c
   * checks the same for a direct port). */
  {
    g_autofree const char **nicks = NULL;
    const char *bad = NULL;

    if (g_variant_lookup (opts, "tx-metadata", "^a&s", &nicks) &&
        cnet_flags_from_nicks (CNET_TYPE_TX_METADATA_FLAGS, nicks,
                               &data->tx_metadata, &bad) &&
        data->tx_metadata != 0 && mempool->headroom < CNET_TX_METADATA_LEN)
      {
        g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                                 "%s: tx-metadata needs a mempool with at "
                                 "least %u bytes of "
                                 "headroom; this one has %u",
                                 interface, CNET_TX_METADATA_LEN,
                                 mempool->headroom);
        return;
      }
  }

  in_fds = g_unix_fd_list_new ();
  if (g_unix_fd_list_append (in_fds, mempool->memfd, &error) < 0)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  reply_type =
    cnet_client_reply_type (cnet_bus_manager_interface_info (), "AcquireQueue");
  g_dbus_connection_call_with_unix_fd_list (client->connection, CNET_DBUS_NAME,
                                            CNET_DBUS_PATH,
                                            cnet_bus_manager_interface_info ()
                                              ->name,
                                            "AcquireQueue",
                                            g_variant_new ("(su@a{sv}h)",
                                                           interface, queue,
                                                           opts, 0),
                                            reply_type, G_DBUS_CALL_FLAGS_NONE,
                                            G_MAXINT, in_fds, cancellable,
                                            on_acquired,
                                            g_steal_pointer (&task));
}

/**
 * cnet_client_open_port_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the port, or %NULL with @error set (as
 *   cnet_client_open_port_full() says; %G_IO_ERROR_CANCELLED when
 *   cancelled)
 *
 * Since: 1.0
 */
CnetPort *
cnet_client_open_port_finish (CnetClient *client, GAsyncResult *result,
                              GError **error)
{
  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- several queues at once ---------------------------------------------- */

typedef struct
{
  char *interface;
  guint next_queue;
  guint last_queue;
  CnetMempool *mempool;
  GVariant *options;
  GPtrArray *ports;
} OpenQueuesData;

static void
open_queues_data_free (OpenQueuesData *data)
{
  g_free (data->interface);
  g_clear_object (&data->mempool);
  g_clear_pointer (&data->options, g_variant_unref);
  /* Ports not handed out end their leases as they go. */
  g_clear_pointer (&data->ports, g_ptr_array_unref);
  g_free (data);
}

static void
on_queue_opened (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CnetClient *self = CNET_CLIENT (source);
  OpenQueuesData *data = g_task_get_task_data (task);
  GError *error = NULL;
  CnetPort *port = cnet_client_open_port_finish (self, res, &error);

  if (port == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_ptr_array_add (data->ports, port);
  if (data->next_queue > data->last_queue)
    {
      g_task_return_pointer (task, g_steal_pointer (&data->ports),
                             (GDestroyNotify) g_ptr_array_unref);
      return;
    }
  /* One after the other: the first registers the mempool's memory with
   * cnetd, the others share it. */
  cnet_client_open_port_async (self, data->interface, data->next_queue++,
                               data->mempool, data->options,
                               g_task_get_cancellable (task), on_queue_opened,
                               g_steal_pointer (&task));
}

/**
 * cnet_client_open_queues_async:
 * @client: a #CnetClient
 * @interface: the interface name
 * @first_queue: the first receive queue
 * @n_queues: how many queues, from @first_queue on
 * @mempool: the mempool all the ports share
 * @options: (nullable): lease options for each port, as for
 *   cnet_client_open_port_full(); a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every port is open or opening one
 *   failed
 * @user_data: data for @callback
 *
 * Leases @n_queues consecutive queues of @interface from cnetd and opens a
 * port on each, all on @mempool (cnetd registers its memory once; each
 * port has fill and completion rings of its own), without blocking: the
 * leased twin of cnet_port_open_queues(). It is all or nothing: when one
 * fails, or the caller cancels, the leases already granted end. Call
 * cnet_client_open_queues_finish() from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_open_queues_async (CnetClient *client, const char *interface,
                               guint first_queue, guint n_queues,
                               CnetMempool *mempool, GVariant *options,
                               GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  OpenQueuesData *data;

  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (interface != NULL);
  g_return_if_fail (CNET_IS_MEMPOOL (mempool));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnet_client_open_queues_async);
  if (options != NULL)
    g_variant_ref_sink (options);
  if (n_queues == 0 || first_queue == CNET_DBUS_ANY_QUEUE ||
      n_queues - 1 > G_MAXUINT - 1 - first_queue)
    {
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                               "%s: cannot open %u queues from queue %u",
                               interface, n_queues, first_queue);
      g_clear_pointer (&options, g_variant_unref);
      return;
    }
  data = g_new0 (OpenQueuesData, 1);
  data->interface = g_strdup (interface);
  data->next_queue = first_queue + 1;
  data->last_queue = first_queue + n_queues - 1;
  data->mempool = g_object_ref (mempool);
  data->options = options;
  data->ports = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, data, (GDestroyNotify) open_queues_data_free);
  cnet_client_open_port_async (client, interface, first_queue, mempool, options,
                               cancellable, on_queue_opened,
                               g_steal_pointer (&task));
}

/**
 * cnet_client_open_queues_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer container) (element-type CnetPort): the ports, in
 *   queue order, or %NULL with @error set (as cnet_client_open_port_full()
 *   says; %G_IO_ERROR_CANCELLED when cancelled)
 *
 * Since: 1.0
 */
GPtrArray *
cnet_client_open_queues_finish (CnetClient *client, GAsyncResult *result,
                                GError **error)
{
  g_return_val_if_fail (CNET_IS_CLIENT (client), NULL);
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          cnet_client_open_queues_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
