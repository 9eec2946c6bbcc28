/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd denies by default: every method call on its objects is checked
 * against the table in service/cnetd-bouncer.c before any handler runs.
 * The real CnetdManager serves on a private bus (GTestDBus); a table that
 * lacks a method makes that method refused, which is what a method added
 * to the D-Bus XML without a rule gets. And every method of the XML has a
 * rule, so the table is complete for the API as it stands.
 */
#include "cnetd-build-config.h"

#include <gio/gio.h>

#include "cnet-dbus.h"
#include "cnet-error.h"
#include "cnetd-bouncer.h"
#include "cnetd-dbus-generated.h"
#include "cnetd-manager.h"

typedef struct
{
  GTestDBus *bus;
  GDBusConnection *server;
  GDBusConnection *client;
  CnetdManager *manager;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  CnetdConfig *config;

  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->server = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (f->bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
  config = cnetd_config_load_data ("t", "{ \"interfaces\": [] }", &error);
  g_assert_no_error (error);
  f->manager = cnetd_manager_new (f->server, config, &error);
  g_assert_no_error (error);
  reply =
    g_dbus_connection_call_sync (f->server, "org.freedesktop.DBus",
                                 "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "RequestName",
                                 g_variant_new ("(su)", CNET_DBUS_NAME, 0),
                                 NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                 &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
  f->client = g_dbus_connection_new_for_address_sync (
    g_test_dbus_get_bus_address (f->bus),
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
      G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_dbus_connection_close_sync (f->client, NULL, NULL);
  g_clear_object (&f->client);
  cnetd_manager_free (f->manager);
  g_dbus_connection_close_sync (f->server, NULL, NULL);
  g_clear_object (&f->server);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
}

/* Calls @method on the manager from another thread's connection (the
 * manager answers in this thread's main context, iterated meanwhile). */
typedef struct
{
  GVariant *reply;
  GError *error;
  gboolean done;
} Call;

static void
on_reply (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Call *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res,
                                               &call->error);
  call->done = TRUE;
}

static void
call (Fixture *f, const char *iface, const char *method, GVariant *args,
      Call *out)
{
  memset (out, 0, sizeof *out);
  g_dbus_connection_call (f->client, CNET_DBUS_NAME, CNET_DBUS_PATH, iface,
                          method, args, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          on_reply, out);
  while (!out->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_default_table (Fixture *f, gconstpointer data)
{
  Call c;

  call (f, CNET_DBUS_INTERFACE_MANAGER, "ListLeases", NULL, &c);
  g_assert_no_error (c.error);
  g_variant_unref (c.reply);
  call (f, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new ("(ss)", CNET_DBUS_INTERFACE_MANAGER, "Version"), &c);
  g_assert_no_error (c.error);
  g_variant_unref (c.reply);
  /* Properties do not pass g-authorize-method: every one is read-only,
   * and GDBus refuses writing one. */
  call (f, "org.freedesktop.DBus.Properties", "Set",
        g_variant_new ("(ssv)", CNET_DBUS_INTERFACE_MANAGER, "Version",
                       g_variant_new_string ("6.6.6")),
        &c);
  g_assert_nonnull (c.error);
  g_test_message ("Set: %s", c.error->message);
  g_clear_error (&c.error);
}

static void
test_unlisted_method_refused (Fixture *f, gconstpointer data)
{
  /* The table without ListLeases: as a new method without a rule is. */
  static const CnetdMethodRule without[] = {
    { CNET_DBUS_INTERFACE_MANAGER, "ListInterfaces", CNETD_RULE_ANYONE },
    { NULL, NULL, CNETD_RULE_ANYONE },
  };
  Call c;

  cnetd_manager_set_method_rules (f->manager, without);
  call (f, CNET_DBUS_INTERFACE_MANAGER, "ListInterfaces", NULL, &c);
  g_assert_no_error (c.error);
  g_variant_unref (c.reply);
  call (f, CNET_DBUS_INTERFACE_MANAGER, "ListLeases", NULL, &c);
  g_assert_error (c.error, CNET_ERROR, CNET_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (c.error->message, "ListLeases"));
  g_assert_nonnull (strstr (c.error->message, "not allowed"));
  g_clear_error (&c.error);
}

static void
test_every_method_has_a_rule (void)
{
  GDBusInterfaceInfo *infos[] = {
    cnetd_dbus_manager_interface_info (),
    cnetd_dbus_lease_interface_info (),
    cnetd_dbus_interface_interface_info (),
  };

  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    for (guint j = 0; infos[i]->methods && infos[i]->methods[j]; j++)
      {
        const char *method = infos[i]->methods[j]->name;

        if (cnetd_bouncer_lookup (cnetd_method_rules, infos[i]->name, method) ==
            NULL)
          g_error ("%s.%s has no rule in service/cnetd-bouncer.c",
                   infos[i]->name, method);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  (void) cnet_error_quark ();
  g_test_add_func ("/cnetd/bouncer/every-method-has-a-rule",
                   test_every_method_has_a_rule);
  g_test_add ("/cnetd/bouncer/default-table", Fixture, NULL, setup,
              test_default_table, teardown);
  g_test_add ("/cnetd/bouncer/unlisted-method-refused", Fixture, NULL, setup,
              test_unlisted_method_refused, teardown);
  return g_test_run ();
}
