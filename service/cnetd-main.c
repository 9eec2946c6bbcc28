/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd: leases AF_XDP queues to programs over D-Bus. See docs/cnetd.md.
 */
#include "cnetd-build-config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>

#include "cnet-dbus.h"
#include "cnet-error.h"
#include "cnetd-manager.h"
#include "cnetd-napi.h"

typedef struct
{
  GMainLoop *loop;
  CnetdManager *manager;
  CnetdConfig *config;
  int status;
} Daemon;

static gboolean
on_signal (gpointer user_data)
{
  Daemon *d = user_data;

  g_message ("stopping on a signal");
  g_main_loop_quit (d->loop);
  return G_SOURCE_REMOVE;
}

static void
on_bus_acquired (GDBusConnection *connection, const char *name,
                 gpointer user_data)
{
  Daemon *d = user_data;
  g_autoptr (GError) error = NULL;

  d->manager =
    cnetd_manager_new (connection, g_steal_pointer (&d->config), &error);
  if (d->manager == NULL)
    {
      g_printerr ("cnetd: %s\n", error->message);
      d->status = 1;
      g_main_loop_quit (d->loop);
      return;
    }
}

static void
on_name_acquired (GDBusConnection *connection, const char *name,
                  gpointer user_data)
{
  g_message ("cnetd %s owns %s", PACKAGE_VERSION, name);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Daemon *d = user_data;

  if (connection == NULL)
    g_printerr ("cnetd: cannot connect to the bus\n");
  else
    g_printerr ("cnetd: lost (or could not own) the name %s\n", name);
  d->status = 1;
  g_main_loop_quit (d->loop);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) connection = NULL;
  g_autofree char *address = NULL;
  g_autofree char *busy_poll_napi = NULL;
  g_autofree char *config_path = NULL;
  gboolean session = FALSE, replace = FALSE, verbose = FALSE;
  Daemon d = { 0 };
  guint owner_id;
  const GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &session,
      "Use the session bus instead of the system bus", NULL },
    { "address", 0, 0, G_OPTION_ARG_STRING, &address,
      "Use the bus at this D-Bus address", "ADDRESS" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path,
      "The configuration file (" CNETD_DEFAULT_CONFIG ")", "FILE" },
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, "Replace a running cnetd",
      NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages",
      NULL },
    { "busy-poll-napi", 0, 0, G_OPTION_ARG_STRING, &busy_poll_napi,
      "When to set a leased interface's NAPI settings for busy polling: "
      "auto (once the lease's frames show busy polling reaches them), "
      "always, never",
      "auto|always|never" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("- lease AF_XDP queues over D-Bus");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cnetd: %s\n", error->message);
      return 2;
    }
  if (busy_poll_napi != NULL &&
      !cnetd_napi_set_policy_from_string (busy_poll_napi, &error))
    {
      g_printerr ("cnetd: %s\n", error->message);
      return 2;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);
  /* GDBus maps org.cnet.Cnet1.Error.* from here on. */
  (void) cnet_error_quark ();

  if (config_path == NULL &&
      g_file_test (CNETD_DEFAULT_CONFIG, G_FILE_TEST_EXISTS))
    config_path = g_strdup (CNETD_DEFAULT_CONFIG);
  d.config = config_path ? cnetd_config_load (config_path, &error)
                         : cnetd_config_new_default ();
  if (d.config == NULL)
    {
      g_printerr ("cnetd: %s\n", error->message);
      return 1;
    }
  if (config_path == NULL)
    g_message ("no %s: cnetd manages no interface", CNETD_DEFAULT_CONFIG);

  if (address != NULL)
    connection = g_dbus_connection_new_for_address_sync (
      address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, &error);
  else
    connection =
      g_bus_get_sync (session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL,
                      &error);
  if (connection == NULL)
    {
      g_printerr ("cnetd: cannot connect to the bus: %s\n", error->message);
      cnetd_config_free (d.config);
      return 1;
    }
  /* Losing the bus means there is nobody to serve: stop cleanly. */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_signal_connect_swapped (connection, "closed", G_CALLBACK (g_main_loop_quit),
                            NULL);

  d.loop = g_main_loop_new (NULL, FALSE);
  g_signal_handlers_disconnect_by_func (connection, g_main_loop_quit, NULL);
  g_signal_connect_swapped (connection, "closed", G_CALLBACK (g_main_loop_quit),
                            d.loop);
  g_unix_signal_add (SIGTERM, on_signal, &d);
  g_unix_signal_add (SIGINT, on_signal, &d);

  on_bus_acquired (connection, CNET_DBUS_NAME, &d);
  if (d.manager == NULL)
    {
      g_main_loop_unref (d.loop);
      return d.status;
    }
  owner_id =
    g_bus_own_name_on_connection (connection, CNET_DBUS_NAME,
                                  G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT |
                                    (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE
                                             : 0),
                                  on_name_acquired, on_name_lost, &d, NULL);

  g_main_loop_run (d.loop);

  g_bus_unown_name (owner_id);
  /* Every lease ends, every program is detached. */
  g_clear_pointer (&d.manager, cnetd_manager_free);
  g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_main_loop_unref (d.loop);
  g_message ("stopped");
  return d.status;
}
