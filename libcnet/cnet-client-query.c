/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetClient's questions to cnetd and its lease release and capture start,
 * each as _async/_finish: one D-Bus call (or a few in a row) in the
 * thread-default main context. The blocking twins are in
 * cnet-client-sync.c and wrap these.
 */
#include "config.h"

#include <gio/gunixfdlist.h>
#include <unistd.h>

#include "cnet-bus-generated.h"
#include "cnet-capture-private.h"
#include "cnet-client-private.h"
#include "cnet-dbus.h"
#include "cnet-error.h"

/* One method call on cnetd, its reply typed by the D-Bus XML. No timeout:
 * a polkit agent may ask the user; cancel instead. */
static void
call_async (CnetClient *self, const char *path, const GDBusInterfaceInfo *iface,
            const char *method, GVariant *args, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GVariantType) reply_type = cnet_client_reply_type (iface, method);

  g_dbus_connection_call (cnet_client_get_connection (self), CNET_DBUS_NAME,
                          path, iface->name, method, args, reply_type,
                          G_DBUS_CALL_FLAGS_NONE, G_MAXINT, cancellable,
                          callback, user_data);
}

static GVariant *
call_finish (GObject *source, GAsyncResult *res, GError **error)
{
  GVariant *reply;

  reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, error);
  if (reply == NULL && error != NULL)
    cnet_client_strip_error (*error);
  return reply;
}

static GTask *
task_new (CnetClient *self, GCancellable *cancellable, gpointer tag,
          GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  return task;
}

static gpointer
task_finish (CnetClient *self, GAsyncResult *result, gpointer tag,
             GError **error)
{
  g_return_val_if_fail (CNET_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- version ------------------------------------------------------------ */

static void
on_version (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const GDBusPropertyInfo *prop = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  GError *error = NULL;

  reply = call_finish (source, res, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_variant_get (reply, "(v)", &value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (prop->signature)))
    {
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_FAILED,
                               "cnetd's Version is of type %s, not %s",
                               g_variant_get_type_string (value),
                               prop->signature);
      return;
    }
  g_task_return_pointer (task, g_variant_dup_string (value, NULL), g_free);
}

/**
 * cnet_client_get_version_async:
 * @client: a #CnetClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Asks cnetd for its version without blocking; call
 * cnet_client_get_version_finish() from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_get_version_async (CnetClient *client, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  const GDBusInterfaceInfo *manager = cnet_bus_manager_interface_info ();
  const GDBusPropertyInfo *prop =
    g_dbus_interface_info_lookup_property ((GDBusInterfaceInfo *) manager,
                                           "Version");
  GTask *task;

  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = task_new (client, cancellable, cnet_client_get_version_async, callback,
                   user_data);
  g_task_set_task_data (task, (gpointer) prop, NULL);
  g_dbus_connection_call (cnet_client_get_connection (client), CNET_DBUS_NAME,
                          CNET_DBUS_PATH, "org.freedesktop.DBus.Properties",
                          "Get",
                          g_variant_new ("(ss)", manager->name, prop->name),
                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE,
                          G_MAXINT, cancellable, on_version, task);
}

/**
 * cnet_client_get_version_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): cnetd's version, or %NULL with @error set (when
 *   cnetd does not run, %G_DBUS_ERROR_SERVICE_UNKNOWN or
 *   %G_DBUS_ERROR_NAME_HAS_NO_OWNER; %G_IO_ERROR_CANCELLED when cancelled)
 *
 * Since: 1.0
 */
char *
cnet_client_get_version_finish (CnetClient *client, GAsyncResult *result,
                                GError **error)
{
  return task_finish (client, result, cnet_client_get_version_async, error);
}

/* --- lists of object paths ---------------------------------------------- */

static void
on_paths (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) reply = NULL;
  GError *error = NULL;
  char **paths = NULL;

  reply = call_finish (source, res, &error);
  if (reply == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_variant_get (reply, "(^ao)", &paths);
  g_task_return_pointer (task, paths, (GDestroyNotify) g_strfreev);
}

/**
 * cnet_client_list_interfaces_async:
 * @client: a #CnetClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Lists the interfaces cnetd sees, without blocking; call
 * cnet_client_list_interfaces_finish() from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_list_interfaces_async (CnetClient *client,
                                   GCancellable *cancellable,
                                   GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_async (client, CNET_DBUS_PATH, cnet_bus_manager_interface_info (),
              "ListInterfaces", NULL, cancellable, on_paths,
              task_new (client, cancellable, cnet_client_list_interfaces_async,
                        callback, user_data));
}

/**
 * cnet_client_list_interfaces_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (array zero-terminated=1): the object paths of
 *   the interfaces cnetd sees, or %NULL with @error set
 *   (%G_IO_ERROR_CANCELLED when cancelled)
 *
 * Since: 1.0
 */
char **
cnet_client_list_interfaces_finish (CnetClient *client, GAsyncResult *result,
                                    GError **error)
{
  return task_finish (client, result, cnet_client_list_interfaces_async, error);
}

/**
 * cnet_client_list_leases_async:
 * @client: a #CnetClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Lists every current lease, anyone's, without blocking; call
 * cnet_client_list_leases_finish() from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_list_leases_async (CnetClient *client, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  call_async (client, CNET_DBUS_PATH, cnet_bus_manager_interface_info (),
              "ListLeases", NULL, cancellable, on_paths,
              task_new (client, cancellable, cnet_client_list_leases_async,
                        callback, user_data));
}

/**
 * cnet_client_list_leases_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (array zero-terminated=1): the object paths of
 *   the leases (`/org/cnet/Cnet1/leases/N`), or %NULL with @error set
 *   (%G_IO_ERROR_CANCELLED when cancelled)
 *
 * Since: 1.0
 */
char **
cnet_client_list_leases_finish (CnetClient *client, GAsyncResult *result,
                                GError **error)
{
  return task_finish (client, result, cnet_client_list_leases_async, error);
}

/* --- one object's properties --------------------------------------------- */

/* Properties.GetAll of one object's interface, each value checked against
 * the type the XML gives it; the object's path is added as "Object". */
static GVariant *
props_from_reply (const char *path, const GDBusInterfaceInfo *iface,
                  GVariant *reply, GError **error)
{
  g_autoptr (GVariant) props = NULL;
  g_auto (GVariantBuilder) b = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_get (reply, "(@a{sv})", &props);
  g_variant_iter_init (&iter, props);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      const GDBusPropertyInfo *info =
        g_dbus_interface_info_lookup_property ((GDBusInterfaceInfo *) iface,
                                               key);

      /* A newer cnetd may have more; a property of the wrong type is
       * cnetd's bug and said so. */
      if (info != NULL &&
          !g_variant_is_of_type (value, G_VARIANT_TYPE (info->signature)))
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                       "%s: cnetd's %s is of type %s, not %s", path, key,
                       g_variant_get_type_string (value), info->signature);
          g_variant_unref (value);
          return NULL;
        }
      g_variant_builder_add (&b, "{sv}", key, value);
      g_variant_unref (value);
    }
  g_variant_builder_add (&b, "{sv}", "Object",
                         g_variant_new_object_path (path));
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

typedef struct
{
  char *path;
  const GDBusInterfaceInfo *iface;
} GetAllData;

static void
get_all_data_free (GetAllData *data)
{
  g_free (data->path);
  g_free (data);
}

static void
on_get_all (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GetAllData *data = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) local_error = NULL;
  GError *error = NULL;
  GVariant *info;

  reply = call_finish (source, res, &local_error);
  if (reply == NULL)
    {
      if (g_error_matches (local_error, G_DBUS_ERROR,
                           G_DBUS_ERROR_UNKNOWN_METHOD) ||
          g_error_matches (local_error, G_DBUS_ERROR,
                           G_DBUS_ERROR_UNKNOWN_OBJECT) ||
          g_error_matches (local_error, G_DBUS_ERROR,
                           G_DBUS_ERROR_INVALID_ARGS))
        g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                                 "%s: cnetd has no such object (%s)",
                                 data->path, local_error->message);
      else
        g_task_return_error (task, g_steal_pointer (&local_error));
      return;
    }
  info = props_from_reply (data->path, data->iface, reply, &error);
  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) g_variant_unref);
}

/* The properties of @path's @iface, as props_from_reply() gives them;
 * CNET_ERROR_NOT_FOUND when there is no such object. The task's callback
 * gets the client as its source. */
static void
get_all_async (CnetClient *self, const char *path,
               const GDBusInterfaceInfo *iface, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task =
    task_new (self, cancellable, get_all_async, callback, user_data);
  GetAllData *data = g_new0 (GetAllData, 1);

  data->path = g_strdup (path);
  data->iface = iface;
  g_task_set_task_data (task, data, (GDestroyNotify) get_all_data_free);
  g_dbus_connection_call (cnet_client_get_connection (self), CNET_DBUS_NAME,
                          path, "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", iface->name),
                          G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
                          G_MAXINT, cancellable, on_get_all, task);
}

static GVariant *
get_all_finish (CnetClient *self, GAsyncResult *result, GError **error)
{
  return task_finish (self, result, get_all_async, error);
}

/* --- an interface's properties ------------------------------------------- */

/* Looking an interface up by name: its candidates, one at a time. */
typedef struct
{
  char *name;
  char **paths;
  guint next;
} FindData;

static void
find_data_free (FindData *data)
{
  g_free (data->name);
  g_strfreev (data->paths);
  g_free (data);
}

static void on_candidate (GObject *source, GAsyncResult *res,
                          gpointer user_data);

static void
find_next (GTask *task)
{
  FindData *data = g_task_get_task_data (task);

  if (data->paths[data->next] == NULL)
    {
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                               "%s: cnetd sees no such interface", data->name);
      g_object_unref (task);
      return;
    }
  get_all_async (g_task_get_source_object (task), data->paths[data->next++],
                 cnet_bus_interface_interface_info (),
                 g_task_get_cancellable (task), on_candidate, task);
}

static void
on_candidate (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  FindData *data = g_task_get_task_data (task);
  g_autoptr (GVariant) info = NULL;
  GError *error = NULL;
  const char *name;

  info = get_all_finish (CNET_CLIENT (source), res, &error);
  /* It may have gone since it was listed. */
  if (info == NULL && g_error_matches (error, CNET_ERROR, CNET_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      find_next (task);
      return;
    }
  if (info == NULL)
    g_task_return_error (task, error);
  else if (g_variant_lookup (info, "Name", "&s", &name) &&
           g_str_equal (name, data->name))
    g_task_return_pointer (task, g_steal_pointer (&info),
                           (GDestroyNotify) g_variant_unref);
  else
    {
      find_next (task);
      return;
    }
  g_object_unref (task);
}

static void
on_candidates (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GTask *task = user_data;
  FindData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->paths =
    cnet_client_list_interfaces_finish (CNET_CLIENT (source), res, &error);
  if (data->paths == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  find_next (task);
}

static void
on_interface_info (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  GVariant *info = get_all_finish (CNET_CLIENT (source), res, &error);

  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) g_variant_unref);
}

/**
 * cnet_client_get_interface_info_async:
 * @client: a #CnetClient
 * @interface: an interface name, such as "eth0", or the object path of an
 *   interface cnetd sees
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Reads what cnetd knows of one interface without blocking, as
 * cnet_client_get_interface_info() does blocking; call
 * cnet_client_get_interface_info_finish() from @callback. By name, it
 * lists the interfaces and reads them in turn until one has that name.
 *
 * Since: 1.0
 */
void
cnet_client_get_interface_info_async (CnetClient *client, const char *interface,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  GTask *task;
  FindData *data;

  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (interface != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = task_new (client, cancellable, cnet_client_get_interface_info_async,
                   callback, user_data);
  if (g_variant_is_object_path (interface) &&
      g_str_has_prefix (interface, CNET_DBUS_INTERFACES_PATH "/"))
    {
      get_all_async (client, interface, cnet_bus_interface_interface_info (),
                     cancellable, on_interface_info, task);
      return;
    }
  data = g_new0 (FindData, 1);
  data->name = g_strdup (interface);
  g_task_set_task_data (task, data, (GDestroyNotify) find_data_free);
  cnet_client_list_interfaces_async (client, cancellable, on_candidates, task);
}

/**
 * cnet_client_get_interface_info_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a dictionary (`a{sv}`) as
 *   cnet_client_get_interface_info() describes it, or %NULL with @error set
 *   (%CNET_ERROR_NOT_FOUND when cnetd sees no such interface,
 *   %G_IO_ERROR_CANCELLED when cancelled)
 *
 * Since: 1.0
 */
GVariant *
cnet_client_get_interface_info_finish (CnetClient *client, GAsyncResult *result,
                                       GError **error)
{
  return task_finish (client, result, cnet_client_get_interface_info_async,
                      error);
}

/* --- leases -------------------------------------------------------------- */

static char *
lease_path (const char *lease)
{
  guint64 n;

  if (g_variant_is_object_path (lease) &&
      g_str_has_prefix (lease, CNET_DBUS_LEASES_PATH "/"))
    return g_strdup (lease);
  if (g_ascii_string_to_unsigned (lease, 10, 0, G_MAXUINT32, &n, NULL))
    return g_strdup_printf (CNET_DBUS_LEASES_PATH "/%" G_GUINT64_FORMAT, n);
  return NULL;
}

/* A task for a call on one lease, with the lease as the caller named it as
 * its data; NULL (and @callback told) when @lease names no lease. */
static GTask *
lease_task_new (CnetClient *self, const char *lease, char **path,
                GCancellable *cancellable, gpointer tag,
                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = task_new (self, cancellable, tag, callback, user_data);

  g_task_set_task_data (task, g_strdup (lease), g_free);
  *path = lease_path (lease);
  if (*path == NULL)
    {
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                               "lease \"%s\": not a lease number or a lease's "
                               "object path",
                               lease);
      g_object_unref (task);
      return NULL;
    }
  return task;
}

static void
on_lease_info (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const char *lease = g_task_get_task_data (task);
  GError *error = NULL;
  GVariant *info = get_all_finish (CNET_CLIENT (source), res, &error);

  if (info == NULL && g_error_matches (error, CNET_ERROR, CNET_ERROR_NOT_FOUND))
    {
      g_clear_error (&error);
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                               "lease %s: no such lease", lease);
    }
  else if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) g_variant_unref);
}

/**
 * cnet_client_get_lease_info_async:
 * @client: a #CnetClient
 * @lease: a lease's number, such as "3", or its object path
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the answer
 * @user_data: data for @callback
 *
 * Reads one lease without blocking, as cnet_client_get_lease_info() does
 * blocking; call cnet_client_get_lease_info_finish() from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_get_lease_info_async (CnetClient *client, const char *lease,
                                  GCancellable *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (lease != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = lease_task_new (client, lease, &path, cancellable,
                         cnet_client_get_lease_info_async, callback, user_data);
  if (task != NULL)
    get_all_async (client, path, cnet_bus_lease_interface_info (), cancellable,
                   on_lease_info, task);
}

/**
 * cnet_client_get_lease_info_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a dictionary (`a{sv}`) as
 *   cnet_client_get_lease_info() describes it, or %NULL with @error set
 *   (%CNET_ERROR_NOT_FOUND, %CNET_ERROR_INVALID_ARGUMENT,
 *   %G_IO_ERROR_CANCELLED when cancelled)
 *
 * Since: 1.0
 */
GVariant *
cnet_client_get_lease_info_finish (CnetClient *client, GAsyncResult *result,
                                   GError **error)
{
  return task_finish (client, result, cnet_client_get_lease_info_async, error);
}

static void
on_released (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  const char *lease = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  GError *error = NULL;

  reply = call_finish (source, res, &error);
  if (reply != NULL)
    g_task_return_boolean (task, TRUE);
  else if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
           g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT))
    {
      g_clear_error (&error);
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                               "lease %s: no such lease", lease);
    }
  else
    {
      g_prefix_error (&error, "lease %s: ", lease);
      g_task_return_error (task, error);
    }
}

/**
 * cnet_client_release_lease_async:
 * @client: a #CnetClient
 * @lease: a lease's number, such as "3", or its object path
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when cnetd answered
 * @user_data: data for @callback
 *
 * Ends a lease without blocking, as cnet_client_release_lease() does
 * blocking; call cnet_client_release_lease_finish() from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_release_lease_async (CnetClient *client, const char *lease,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (lease != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = lease_task_new (client, lease, &path, cancellable,
                         cnet_client_release_lease_async, callback, user_data);
  if (task != NULL)
    call_async (client, path, cnet_bus_lease_interface_info (), "Release", NULL,
                cancellable, on_released, task);
}

/**
 * cnet_client_release_lease_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE when the lease ended, or %FALSE with @error set
 *   (%CNET_ERROR_NOT_FOUND, %CNET_ERROR_PERMISSION_DENIED,
 *   %G_IO_ERROR_CANCELLED when cancelled, ...)
 *
 * Since: 1.0
 */
gboolean
cnet_client_release_lease_finish (CnetClient *client, GAsyncResult *result,
                                  GError **error)
{
  g_return_val_if_fail (CNET_IS_CLIENT (client), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          cnet_client_release_lease_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* --- captures ------------------------------------------------------------ */

static void
on_capture_started (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CnetClient *self = g_task_get_source_object (task);
  const char *interface = g_task_get_task_data (task);
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) info = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  const char *path;
  gint32 h_ring, h_guard;
  int ring_fd, guard_fd;
  GError *error = NULL;
  CnetCapture *capture;

  reply =
    g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source),
                                                     &fds, res, &error);
  if (reply == NULL)
    {
      cnet_client_strip_error (error);
      g_prefix_error (&error, "%s: cannot capture: ", interface);
      g_task_return_error (task, error);
      return;
    }
  g_variant_get (reply, "(&ohh@a{sv})", &path, &h_ring, &h_guard, &info);
  if (fds == NULL || h_ring < 0 || h_guard < 0 ||
      h_ring >= g_unix_fd_list_get_length (fds) ||
      h_guard >= g_unix_fd_list_get_length (fds))
    {
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_FAILED,
                               "%s: cnetd's capture answer lacks its fds",
                               interface);
      return;
    }
  ring_fd = g_unix_fd_list_get (fds, h_ring, &error);
  guard_fd = ring_fd < 0 ? -1 : g_unix_fd_list_get (fds, h_guard, &error);
  if (guard_fd < 0)
    {
      if (ring_fd >= 0)
        close (ring_fd);
      g_task_return_error (task, error);
      return;
    }
  /* The capture takes both fds; dropping it (also when the caller has
   * cancelled meanwhile) ends the capture. */
  capture =
    cnet_capture_new_internal (cnet_client_get_connection (self), interface,
                               path, ring_fd, guard_fd, info, &error);
  if (capture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, capture, g_object_unref);
}

/**
 * cnet_client_start_capture_async:
 * @client: a #CnetClient
 * @interface: the interface name, such as "eth0"
 * @options: (nullable): a dictionary (`a{sv}`), as for
 *   cnet_client_start_capture(); a floating reference is sunk
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the capture runs or starting it
 *   failed
 * @user_data: data for @callback
 *
 * Starts a capture without blocking, as cnet_client_start_capture() does
 * blocking (polkit may ask the user meanwhile); call
 * cnet_client_start_capture_finish() from @callback.
 *
 * Since: 1.0
 */
void
cnet_client_start_capture_async (CnetClient *client, const char *interface,
                                 GVariant *options, GCancellable *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  g_autoptr (GVariant) opts = NULL;
  g_autoptr (GVariantType) reply_type = NULL;
  GTask *task;

  g_return_if_fail (CNET_IS_CLIENT (client));
  g_return_if_fail (interface != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = task_new (client, cancellable, cnet_client_start_capture_async,
                   callback, user_data);
  g_task_set_task_data (task, g_strdup (interface), g_free);
  opts = options ? g_variant_ref_sink (options)
                 : g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  reply_type =
    cnet_client_reply_type (cnet_bus_manager_interface_info (), "StartCapture");
  g_dbus_connection_call_with_unix_fd_list (cnet_client_get_connection (client),
                                            CNET_DBUS_NAME, CNET_DBUS_PATH,
                                            cnet_bus_manager_interface_info ()
                                              ->name,
                                            "StartCapture",
                                            g_variant_new ("(s@a{sv})",
                                                           interface, opts),
                                            reply_type, G_DBUS_CALL_FLAGS_NONE,
                                            G_MAXINT, NULL, cancellable,
                                            on_capture_started, task);
}

/**
 * cnet_client_start_capture_finish:
 * @client: a #CnetClient
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the capture, or %NULL with @error set (as
 *   cnet_client_start_capture() says; %G_IO_ERROR_CANCELLED when
 *   cancelled)
 *
 * Since: 1.0
 */
CnetCapture *
cnet_client_start_capture_finish (CnetClient *client, GAsyncResult *result,
                                  GError **error)
{
  return task_finish (client, result, cnet_client_start_capture_async, error);
}
