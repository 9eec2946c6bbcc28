/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who is calling, and may they: the caller's uid and pid from the bus,
 * then root, polkit or membership of a unix group, as cnetd's
 * configuration says. Everything here is asynchronous: a polkit check must
 * never block the main loop (a polkit agent may take minutes).
 */
#include "cnetd-build-config.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "cnet-error.h"
#include "cnetd-auth.h"

static void
got_credentials (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) creds = NULL;
  CnetdCaller *caller = g_new0 (CnetdCaller, 1);

  reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  if (reply == NULL)
    {
      g_free (caller);
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_PERMISSION_DENIED,
                               "cannot tell who the caller is: %s",
                               error->message);
      return;
    }
  creds = g_variant_get_child_value (reply, 0);
  {
    g_autoptr (GVariant) gids =
      g_variant_lookup_value (creds, "UnixGroupIDs", G_VARIANT_TYPE ("au"));

    if (gids != NULL)
      {
        gsize n = 0;
        const guint32 *v = g_variant_get_fixed_array (gids, &n, sizeof *v);

        caller->n_gids = (guint) MIN (n, G_N_ELEMENTS (caller->gids));
        memcpy (caller->gids, v, caller->n_gids * sizeof *v);
      }
  }
  if (!g_variant_lookup (creds, "UnixUserID", "u", &caller->uid) ||
      !g_variant_lookup (creds, "ProcessID", "u", &caller->pid))
    {
      g_free (caller);
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_PERMISSION_DENIED,
                               "the bus does not tell the caller's uid and "
                               "pid");
      return;
    }
  g_task_return_pointer (task, caller, g_free);
}

void
cnetd_auth_get_caller_async (GDBusConnection *connection, const char *sender,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (connection, NULL, callback, user_data);

  g_dbus_connection_call (connection, "org.freedesktop.DBus",
                          "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "GetConnectionCredentials",
                          g_variant_new ("(s)", sender),
                          G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
                          -1, NULL, got_credentials, task);
}

gboolean
cnetd_auth_get_caller_finish (GAsyncResult *result, CnetdCaller *caller,
                              GError **error)
{
  g_autofree CnetdCaller *c = g_task_propagate_pointer (G_TASK (result), error);

  if (c == NULL)
    return FALSE;
  *caller = *c;
  return TRUE;
}

/* Whether the caller's process is in @group: from the groups the bus saw
 * on its connection (SO_PEERGROUPS), never from /etc/group, so a process
 * that dropped a group does not keep its rights. */
gboolean
cnetd_auth_caller_in_group (const CnetdCaller *caller, const char *group,
                            GError **error)
{
  struct group gr, *grp = NULL;
  char gbuf[4096];

  if (getgrnam_r (group, &gr, gbuf, sizeof gbuf, &grp) != 0 || grp == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_PERMISSION_DENIED,
                   "unix group \"%s\" of cnetd's configuration does not exist",
                   group);
      return FALSE;
    }
  if (caller->n_gids == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_PERMISSION_DENIED,
                   "the bus does not tell the groups of uid %u (pid %u), so "
                   "membership of \"%s\" cannot be checked",
                   caller->uid, caller->pid, group);
      return FALSE;
    }
  for (guint i = 0; i < caller->n_gids; i++)
    if (caller->gids[i] == gr.gr_gid)
      return TRUE;
  {
    struct passwd pw, *pwp = NULL;
    char buf[4096];

    g_set_error (error, CNET_ERROR, CNET_ERROR_PERMISSION_DENIED,
                 "user %s (uid %u, pid %u) is not in group \"%s\" (the "
                 "process's groups, as the bus saw them)",
                 getpwuid_r (caller->uid, &pw, buf, sizeof buf, &pwp) == 0 &&
                     pwp != NULL
                   ? pw.pw_name
                   : "?",
                 caller->uid, caller->pid, group);
  }
  return FALSE;
}

static void
polkit_checked (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  gboolean authorized = FALSE, challenge = FALSE;

  reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), res, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_PERMISSION_DENIED,
                               "polkit could not decide (is polkitd "
                               "running?): %s",
                               error->message);
      return;
    }
  g_variant_get (reply, "((bb@a{ss}))", &authorized, &challenge, NULL);
  if (!authorized)
    {
      g_task_return_new_error (task, CNET_ERROR, CNET_ERROR_PERMISSION_DENIED,
                               "polkit does not authorize %s for this caller",
                               (const char *) g_task_get_task_data (task));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

/* Decides whether @caller may do @action: root always; otherwise polkit or
 * group membership, as the configuration says. Denied is
 * CNET_ERROR_PERMISSION_DENIED with the reason. */
void
cnetd_auth_check_async (GDBusConnection *connection, const CnetdConfig *config,
                        const char *sender, const CnetdCaller *caller,
                        const char *action, GAsyncReadyCallback callback,
                        gpointer user_data)
{
  GTask *task = g_task_new (connection, NULL, callback, user_data);
  GError *error = NULL;
  GVariantBuilder subject;

  g_task_set_task_data (task, g_strdup (action), g_free);
  if (caller->uid == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (config->auth_mode == CNETD_AUTH_GROUP)
    {
      if (cnetd_auth_caller_in_group (caller, config->group, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* A bus caller by its name; a client of the device plugin's socket
   * (sender NULL) by the process SO_PEERCRED named. */
  g_variant_builder_init (&subject, G_VARIANT_TYPE ("a{sv}"));
  if (sender != NULL)
    g_variant_builder_add (&subject, "{sv}", "name",
                           g_variant_new_string (sender));
  else
    {
      g_variant_builder_add (&subject, "{sv}", "pid",
                             g_variant_new_uint32 (caller->pid));
      g_variant_builder_add (&subject, "{sv}", "start-time",
                             g_variant_new_uint64 (0));
      g_variant_builder_add (&subject, "{sv}", "uid",
                             g_variant_new_int32 ((gint32) caller->uid));
    }
  g_dbus_connection_call (connection, "org.freedesktop.PolicyKit1",
                          "/org/freedesktop/PolicyKit1/Authority",
                          "org.freedesktop.PolicyKit1.Authority",
                          "CheckAuthorization",
                          g_variant_new ("((sa{sv})sa{ss}us)",
                                         sender != NULL ? "system-bus-name"
                                                        : "unix-process",
                                         &subject, action, NULL,
                                         1 /* AllowUserInteraction */, ""),
                          G_VARIANT_TYPE ("((bba{ss}))"),
                          G_DBUS_CALL_FLAGS_NONE,
                          G_MAXINT /* an agent may ask the user */, NULL,
                          polkit_checked, task);
}

gboolean
cnetd_auth_check_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
