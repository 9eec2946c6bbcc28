/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's lease objects: how a lease ends, its methods (Release,
 * Activate, SetRules), and the leases of the device plugin's socket.
 */

#include "cnetd-build-config.h"

#include <string.h>
#include <unistd.h>

#include "cnetd-manager-private.h"
#include "cnetd-napi.h"

/* --- leases -------------------------------------------------------------- */

static void
cnetd_lease_free (CnetdLease *lease)
{
  if (lease->skeleton != NULL)
    g_object_set_data (G_OBJECT (lease->skeleton), "cnetd-owner", NULL);
  g_clear_object (&lease->skeleton);
  g_clear_object (&lease->object);
  g_clear_object (&lease->prog);
  g_free (lease->path);
  g_free (lease->ifname);
  g_free (lease->owner);
  g_free (lease);
}

/* Ends @lease: the socket leaves the XSKMAP (receiving stops at once), the
 * queue's rules go, the guard hangs up (the client's port reports
 * CNET_ERROR_LEASE_ENDED), cnetd's copy of the socket is closed and, with
 * the last lease on the interface, the XDP program is detached (the
 * CnetXdpProgram's last reference; with "keep-xdp-attached" the interface
 * holds one, cnetd-iface.c). The queue drains until the kernel
 * says its socket is gone. */
void
cnetd_lease_end (CnetdLease *lease, const char *why)
{
  CnetdManager *m = lease->manager;
  CnetdIface *iface;

  g_message ("lease %u (%s queue %u, %s, uid %u, pid %u) ends: %s", lease->id,
             lease->ifname, lease->queue, lease->owner, lease->caller.uid,
             lease->caller.pid, why);
  if (lease->watch_id != 0)
    g_bus_unwatch_name (lease->watch_id);
  lease->watch_id = 0;
  g_clear_handle_id (&lease->guard_source, g_source_remove);
  g_clear_handle_id (&lease->pid_source, g_source_remove);
  if (lease->active)
    cnet_xdp_program_clear_socket (lease->prog, lease->queue);
  cnet_xdp_program_release_queue (lease->prog, lease->queue, lease);
  /* Before the program may go: its NAPI instances (veth) go with it. */
  g_clear_pointer (&lease->napi, cnetd_napi_lease_free);
  if (lease->fd >= 0)
    close (lease->fd);
  lease->fd = -1;
  if (lease->guard_fd >= 0)
    close (lease->guard_fd);
  lease->guard_fd = -1;
  g_dbus_object_manager_server_unexport (m->server, lease->path);

  g_hash_table_steal (m->leases, GUINT_TO_POINTER (lease->id));
  iface = g_hash_table_lookup (m->ifaces, GUINT_TO_POINTER (lease->ifindex));
  if (iface != NULL)
    {
      CnetdDrain *d = g_new0 (CnetdDrain, 1);

      d->queue = lease->queue;
      d->lease_id = lease->id;
      d->owner = g_strdup (lease->owner);
      d->uid = lease->caller.uid;
      d->pid = lease->caller.pid;
      d->pidfd = lease->pidfd;
      lease->pidfd = -1;
      d->umem_dev = lease->umem_dev;
      d->umem_ino = lease->umem_ino;
      d->umem_bytes = lease->umem_bytes;
      g_ptr_array_add (iface->draining, d);
    }
  if (lease->pidfd >= 0)
    close (lease->pidfd);
  lease->pidfd = -1;
  cnetd_lease_free (lease);
  if (iface != NULL)
    {
      cnetd_iface_update_free_queues (iface);
      cnetd_iface_update_attached (iface);
      if (iface->draining->len > 0)
        cnetd_manager_watch_draining (m);
    }
  /* The lease may have taken the program loaded ahead: load the next. */
  cnetd_manager_preload_program (m);
}

gboolean
cnetd_lease_on_guard_hup (int fd, GIOCondition condition, gpointer user_data)
{
  CnetdLease *lease = user_data;

  lease->guard_source = 0;
  cnetd_lease_end (lease, "its owner closed its guard");
  return G_SOURCE_REMOVE;
}

gboolean
cnetd_lease_on_owner_exited (int fd, GIOCondition condition, gpointer user_data)
{
  CnetdLease *lease = user_data;

  lease->pid_source = 0;
  cnetd_lease_end (lease, "its owner process exited");
  return G_SOURCE_REMOVE;
}

void
cnetd_lease_on_owner_vanished (GDBusConnection *connection, const char *name,
                               gpointer user_data)
{
  CnetdManager *m = user_data;
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (g_str_equal (lease->owner, name))
      g_ptr_array_add (gone, lease);
  for (guint i = 0; i < gone->len; i++)
    cnetd_lease_end (g_ptr_array_index (gone, i), "its owner left the bus");
}

/* Finds the lease behind a call on a lease object, and checks that the
 * caller owns it. */
static CnetdLease *
lease_of_call (CnetdManager *m, GDBusMethodInvocation *invocation)
{
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (g_str_equal (lease->path, path))
      {
        if (g_strcmp0 (sender, lease->owner) != 0)
          {
            cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                                    "lease %u (%s queue %u) belongs to %s, not "
                                    "to "
                                    "%s",
                                    lease->id, lease->ifname, lease->queue,
                                    lease->owner, sender);
            return NULL;
          }
        return lease;
      }
  cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND, "no lease at %s",
                          path);
  return NULL;
}

static CnetdLease *
lease_at (CnetdManager *m, const char *path)
{
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (g_str_equal (lease->path, path))
      return lease;
  return NULL;
}

typedef struct
{
  CnetdManager *manager;
  CnetdDBusLease *skeleton;
  GDBusMethodInvocation *invocation;
} ReleaseRequest;

/* Release by someone else than the owner: root may (the operator's
 * `cnetctl release N`); the lease is looked up again, as it may have ended
 * while the bus said who the caller is. */
static void
on_release_caller (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ReleaseRequest *req = user_data;
  g_autoptr (GDBusMethodInvocation) invocation = req->invocation;
  g_autoptr (CnetdDBusLease) skeleton = req->skeleton;
  g_autoptr (GError) error = NULL;
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  CnetdCaller caller;
  CnetdLease *lease;

  if (!cnetd_auth_get_caller_finish (res, &caller, &error))
    {
      cnetd_return_error (invocation, error);
      g_free (req);
      return;
    }
  lease = lease_at (req->manager, path);
  g_free (req);
  if (lease == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                              "no lease at %s", path);
      return;
    }
  if (caller.uid != 0)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                              "lease %u (%s queue %u) belongs to %s, not to "
                              "%s; only its owner or root may release it",
                              lease->id, lease->ifname, lease->queue,
                              lease->owner, sender);
      return;
    }
  g_message ("lease %u (%s queue %u) of %s released by root (%s, pid %u)",
             lease->id, lease->ifname, lease->queue, lease->owner, sender,
             caller.pid);
  cnetd_lease_end (lease, "released by root");
  cnetd_dbus_lease_complete_release (skeleton, invocation);
}

gboolean
cnetd_lease_handle_release (CnetdDBusLease *skeleton,
                            GDBusMethodInvocation *invocation,
                            gpointer user_data)
{
  CnetdManager *m = user_data;
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  CnetdLease *lease = lease_at (m, path);
  ReleaseRequest *req;

  if (lease == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                              "no lease at %s", path);
      return TRUE;
    }
  if (g_strcmp0 (sender, lease->owner) == 0)
    {
      cnetd_lease_end (lease, "released");
      cnetd_dbus_lease_complete_release (skeleton, invocation);
      return TRUE;
    }
  req = g_new0 (ReleaseRequest, 1);
  req->manager = m;
  req->skeleton = g_object_ref (skeleton);
  req->invocation = g_object_ref (invocation);
  cnetd_auth_get_caller_async (g_dbus_method_invocation_get_connection (
                                 invocation),
                               sender, on_release_caller, req);
  return TRUE;
}

gboolean
cnetd_lease_handle_activate (CnetdDBusLease *skeleton,
                             GDBusMethodInvocation *invocation,
                             gpointer user_data)
{
  CnetdLease *lease = lease_of_call (user_data, invocation);
  g_autoptr (GError) error = NULL;

  if (lease == NULL)
    return TRUE;
  if (lease->active)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_INVALID_STATE,
                              "lease %u (%s queue %u) is active already",
                              lease->id, lease->ifname, lease->queue);
      return TRUE;
    }
  /* The socket was bound at AcquireQueue; steer to it now that the client
   * has put frames on its fill ring. Rules first: it gets only what they
   * match. */
  if (!cnet_xdp_program_set_rules (lease->prog, lease->queue, lease->rules,
                                   lease->n_rules, &error) ||
      !cnet_xdp_program_set_socket (lease->prog, lease->queue, lease->fd,
                                    &error))
    {
      cnetd_return_error (invocation, error);
      cnetd_lease_end (lease, "its socket cannot be steered to");
      return TRUE;
    }
  lease->active = TRUE;
  cnetd_dbus_lease_set_active (skeleton, TRUE);
  cnetd_lease_refresh_stats (lease);
  g_message ("lease %u (%s queue %u) active, %s bind", lease->id, lease->ifname,
             lease->queue, lease->zerocopy ? "zero-copy" : "copy");
  cnetd_dbus_lease_complete_activate (skeleton, invocation);
  return TRUE;
}

gboolean
cnetd_lease_handle_set_rules (CnetdDBusLease *skeleton,
                              GDBusMethodInvocation *invocation,
                              const char *const *rules, gpointer user_data)
{
  CnetdLease *lease = lease_of_call (user_data, invocation);
  struct cnet_xdp_rule parsed[CNET_MATCH_MAX_RULES];
  g_autoptr (GVariant) strv = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) text = NULL;
  guint n = 0;

  if (lease == NULL)
    return TRUE;
  strv = g_variant_ref_sink (g_variant_new_strv (rules, -1));
  if (!cnetd_rules_parse (strv, parsed, &n, &text, &error))
    {
      g_prefix_error (&error, "lease %u (%s queue %u): ", lease->id,
                      lease->ifname, lease->queue);
      cnetd_return_error (invocation, error);
      return TRUE;
    }
  if (lease->active && !cnet_xdp_program_set_rules (lease->prog, lease->queue,
                                                    parsed, n, &error))
    {
      cnetd_return_error (invocation, error);
      return TRUE;
    }
  memcpy (lease->rules, parsed, sizeof parsed);
  lease->n_rules = n;
  cnetd_dbus_lease_set_rules (skeleton, (const char *const *) text);
  cnetd_lease_refresh_stats (lease);
  g_message ("lease %u (%s queue %u): %u rule%s", lease->id, lease->ifname,
             lease->queue, n, n == 1 ? "" : "s");
  cnetd_dbus_lease_complete_set_rules (skeleton, invocation);
  return TRUE;
}

/* --- leases of the device plugin's socket (cnetd-uds.c) ------------------ */

static gboolean
handle_uds_lease_method (CnetdDBusLease *skeleton,
                         GDBusMethodInvocation *invocation, gpointer user_data)
{
  cnetd_return_new_error (invocation, CNET_ERROR_NOT_SUPPORTED,
                          "%s is held through the device plugin's socket (%s); "
                          "it "
                          "ends when its client closes that connection",
                          g_dbus_method_invocation_get_object_path (invocation),
                          cnetd_dbus_lease_get_owner (skeleton));
  return TRUE;
}

static gboolean
handle_uds_set_rules (CnetdDBusLease *skeleton,
                      GDBusMethodInvocation *invocation, const char *const *r,
                      gpointer user_data)
{
  return handle_uds_lease_method (skeleton, invocation, user_data);
}

void
cnetd_uds_lease_free (CnetdUdsLease *ul)
{
  g_clear_object (&ul->skeleton);
  g_clear_object (&ul->object);
  g_free (ul->path);
  g_free (ul);
}

gboolean
cnetd_manager_add_uds_lease (CnetdManager *m, const char *ifname,
                             const char *socket_path, guint uid, guint pid,
                             guint *id, GError **error)
{
  CnetdIface *iface = cnetd_manager_find_iface (m, ifname);
  g_autofree char *owner = g_strdup_printf ("uds:%s", socket_path);
  CnetdUdsLease *ul;

  if (iface == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                   "%s: no such interface", ifname);
      return FALSE;
    }
  if (cnetd_manager_count_leases_of_user (m, uid) >=
      m->config->max_leases_per_user)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_LIMIT_EXCEEDED,
                   "uid %u holds %u leases, the most cnetd allows one user "
                   "(max-leases-per-user)",
                   uid, m->config->max_leases_per_user);
      return FALSE;
    }
  ul = g_new0 (CnetdUdsLease, 1);
  ul->id = ++m->next_lease_id;
  ul->uid = uid;
  ul->path = g_strdup_printf (CNET_DBUS_LEASES_PATH "/%u", ul->id);
  ul->object = cnetd_dbus_object_skeleton_new (ul->path);
  ul->skeleton = cnetd_dbus_lease_skeleton_new ();
  cnetd_dbus_lease_set_kind (ul->skeleton, "uds");
  cnetd_dbus_lease_set_interface (ul->skeleton, ifname);
  cnetd_dbus_lease_set_interface_object (ul->skeleton, iface->path);
  cnetd_dbus_lease_set_queue (ul->skeleton, CNET_DBUS_ANY_QUEUE);
  cnetd_dbus_lease_set_owner (ul->skeleton, owner);
  cnetd_dbus_lease_set_uid (ul->skeleton, uid);
  cnetd_dbus_lease_set_pid (ul->skeleton, pid);
  cnetd_dbus_lease_set_active (ul->skeleton, TRUE);
  cnetd_dbus_lease_set_bind_mode (ul->skeleton, "");
  cnetd_dbus_lease_set_rules (ul->skeleton, (const char *const[]){ NULL });
  cnetd_manager_guard_skeleton (m, ul->skeleton);
  g_signal_connect (ul->skeleton, "handle-activate",
                    G_CALLBACK (handle_uds_lease_method), m);
  g_signal_connect (ul->skeleton, "handle-release",
                    G_CALLBACK (handle_uds_lease_method), m);
  g_signal_connect (ul->skeleton, "handle-set-rules",
                    G_CALLBACK (handle_uds_set_rules), m);
  cnetd_dbus_object_skeleton_set_lease (ul->object, ul->skeleton);
  g_hash_table_insert (m->uds_leases, GUINT_TO_POINTER (ul->id), ul);
  g_dbus_object_manager_server_export (m->server,
                                       G_DBUS_OBJECT_SKELETON (ul->object));
  *id = ul->id;
  return TRUE;
}

void
cnetd_manager_remove_uds_lease (CnetdManager *m, guint id)
{
  CnetdUdsLease *ul =
    g_hash_table_lookup (m->uds_leases, GUINT_TO_POINTER (id));

  if (ul == NULL)
    return;
  g_dbus_object_manager_server_unexport (m->server, ul->path);
  g_hash_table_remove (m->uds_leases, GUINT_TO_POINTER (id));
}
