/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's lease objects (CnetdLease, cnetd-lease.h): what a lease holds
 * and how it lets go of it, its methods (Release, Activate, SetRules),
 * and the leases of the device plugin's socket.
 */

#include "cnetd-build-config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-dbus.h"
#include "cnet-error-private.h"
#include "cnet-xdp-program-private.h"
#include "cnetd-manager-private.h"
#include "cnetd-napi.h"

/* --- leases -------------------------------------------------------------- */

G_DEFINE_FINAL_TYPE (CnetdLease, cnetd_lease, G_TYPE_OBJECT)

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (g_steal_fd (fd));
}

static void
cnetd_lease_init (CnetdLease *lease)
{
  lease->fd = -1;
  lease->guard_fd = -1;
  lease->pidfd = -1;
}

/* Lets go of everything the lease holds; safe to run twice (run at its
 * end, and again when its last reference goes). Receiving stops first:
 * the socket leaves the XSKMAP, the queue's rules go; then the program
 * may go (the CnetXdpProgram's last reference; with "keep-xdp-attached"
 * the interface holds one, cnetd-iface.c), the guard hangs up (the
 * client's port reports CNET_ERROR_LEASE_ENDED) and cnetd's copy of the
 * socket is closed. */
static void
cnetd_lease_dispose (GObject *object)
{
  CnetdLease *lease = CNETD_LEASE (object);
  CnetdManager *m = lease->manager;

  if (lease->owner != NULL)
    cnetd_clients_let_go (m->clients, lease->owner, lease);
  g_clear_handle_id (&lease->guard_source, g_source_remove);
  g_clear_handle_id (&lease->pid_source, g_source_remove);
  if (lease->prog != NULL)
    {
      if (lease->active)
        cnet_xdp_program_clear_socket (lease->prog, lease->queue);
      lease->active = FALSE;
      cnet_xdp_program_release_queue (lease->prog, lease->queue, lease);
    }
  /* Before the program may go: its NAPI instances (veth) go with it. */
  g_clear_pointer (&lease->napi, cnetd_napi_lease_free);
  close_fd (&lease->fd);
  close_fd (&lease->guard_fd);
  close_fd (&lease->pidfd);
  if (lease->object != NULL)
    g_dbus_object_manager_server_unexport (m->server, lease->path);
  if (lease->skeleton != NULL)
    g_object_set_data (G_OBJECT (lease->skeleton), "cnetd-owner", NULL);
  g_clear_object (&lease->skeleton);
  g_clear_object (&lease->object);
  g_clear_object (&lease->prog);
  G_OBJECT_CLASS (cnetd_lease_parent_class)->dispose (object);
}

static void
cnetd_lease_finalize (GObject *object)
{
  CnetdLease *lease = CNETD_LEASE (object);

  g_free (lease->path);
  g_free (lease->ifname);
  g_free (lease->owner);
  G_OBJECT_CLASS (cnetd_lease_parent_class)->finalize (object);
}

static void
cnetd_lease_class_init (CnetdLeaseClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cnetd_lease_dispose;
  G_OBJECT_CLASS (klass)->finalize = cnetd_lease_finalize;
}

/* A lease of @queue of @ifname for @owner (a unique bus name), with a new
 * id; it holds nothing yet. */
CnetdLease *
cnetd_lease_new (CnetdManager *m, const char *ifname, guint ifindex,
                 guint queue, const char *owner, const CnetdCaller *caller)
{
  CnetdLease *lease = g_object_new (CNETD_TYPE_LEASE, NULL);

  lease->manager = m;
  lease->id = ++m->next_lease_id;
  lease->path = g_strdup_printf (CNET_DBUS_LEASES_PATH "/%u", lease->id);
  lease->ifindex = ifindex;
  lease->ifname = g_strdup (ifname);
  lease->queue = queue;
  lease->owner = g_strdup (owner);
  lease->caller = *caller;
  return lease;
}

/* Ends @lease: it lets go of all it holds (cnetd_lease_dispose) and the
 * queue drains until the kernel says its socket is gone (cnetd-iface.c). */
void
cnetd_lease_end (CnetdLease *lease, const char *why)
{
  CnetdManager *m = lease->manager;
  CnetdIface *iface;

  g_message ("lease %u (%s queue %u, %s, uid %u, pid %u) ends: %s", lease->id,
             lease->ifname, lease->queue, lease->owner, lease->caller.uid,
             lease->caller.pid, why);
  /* Ours until the end of this function; the table lets go of its own.
   * (A plain ref and unref: scan-build took a g_autoptr only assigned for
   * a dead store.) */
  g_object_ref (lease);
  g_hash_table_remove (m->leases, GUINT_TO_POINTER (lease->id));
  iface = g_hash_table_lookup (m->ifaces, GUINT_TO_POINTER (lease->ifindex));
  if (iface != NULL)
    {
      CnetdDrain *d = g_new0 (CnetdDrain, 1);

      d->queue = lease->queue;
      d->lease_id = lease->id;
      d->owner = g_strdup (lease->owner);
      d->uid = lease->caller.uid;
      d->pid = lease->caller.pid;
      d->pidfd = g_steal_fd (&lease->pidfd);
      d->umem_dev = lease->umem_dev;
      d->umem_ino = lease->umem_ino;
      d->umem_bytes = lease->umem_bytes;
      g_ptr_array_add (iface->draining, d);
    }
  g_object_run_dispose (G_OBJECT (lease));
  if (iface != NULL)
    {
      cnetd_iface_update_free_queues (iface);
      cnetd_iface_update_attached (iface);
      if (iface->draining->len > 0)
        cnetd_manager_watch_draining (m);
    }
  /* The lease may have taken the program loaded ahead: load the next. */
  cnetd_manager_preload_program (m);
  g_object_unref (lease);
}

/* Makes a guard pair: cnetd keeps one end, watched for the client hanging
 * up; its own reading side is shut so that a client cannot queue data in
 * cnetd's memory. Returns the client's end, or -1. */
int
cnetd_lease_make_guard (CnetdLease *lease, GError **error)
{
  int pair[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "cannot make a guard for the lease: %s", g_strerror (errsv));
      return -1;
    }
  shutdown (pair[0], SHUT_RD);
  lease->guard_fd = pair[0];
  cnetd_end_on_fd (&lease->guard_source, pair[0], G_IO_HUP | G_IO_ERR, lease,
                   (CnetdClientEndFunc) cnetd_lease_end,
                   "its owner closed its guard");
  return pair[1];
}

/* Puts @skeleton on @object, behind the authorization hook every call
 * passes (cnetd-manager.c), with a handler for each of the Lease
 * interface's methods (each gets @m): every kind of lease object (D-Bus
 * lease, capture, device plugin lease) answers all three, if only to
 * refuse. */
void
cnetd_lease_object_serve (CnetdManager *m, CnetdDBusObjectSkeleton *object,
                          CnetdDBusLease *skeleton, GCallback activate,
                          GCallback release, GCallback set_rules)
{
  cnetd_manager_guard_skeleton (m, skeleton);
  g_signal_connect (skeleton, "handle-activate", activate, m);
  g_signal_connect (skeleton, "handle-release", release, m);
  g_signal_connect (skeleton, "handle-set-rules", set_rules, m);
  cnetd_dbus_object_skeleton_set_lease (object, skeleton);
}

/* Makes @lease's D-Bus object and exports it; the manager's table takes
 * the caller's reference. From then on the lease ends with its owner:
 * its bus name going (one watch per client, cnetd-client.c) or its
 * process exiting. */
void
cnetd_lease_publish (CnetdLease *lease, const char *iface_path,
                     const char *const *rules_text)
{
  CnetdManager *m = lease->manager;

  lease->object = cnetd_dbus_object_skeleton_new (lease->path);
  lease->skeleton =
    cnetd_stats_skeleton_new (cnetd_lease_skeleton_get_type (),
                              (CnetdRefreshFunc) cnetd_lease_refresh_stats,
                              lease);
  cnetd_dbus_lease_set_interface (lease->skeleton, lease->ifname);
  cnetd_dbus_lease_set_interface_object (lease->skeleton, iface_path);
  cnetd_dbus_lease_set_queue (lease->skeleton, lease->queue);
  cnetd_dbus_lease_set_kind (lease->skeleton, "dbus");
  cnetd_dbus_lease_set_owner (lease->skeleton, lease->owner);
  cnetd_dbus_lease_set_uid (lease->skeleton, lease->caller.uid);
  cnetd_dbus_lease_set_pid (lease->skeleton, lease->caller.pid);
  cnetd_dbus_lease_set_active (lease->skeleton, FALSE);
  cnetd_dbus_lease_set_bind_mode (lease->skeleton,
                                  lease->zerocopy ? "zerocopy" : "copy");
  cnetd_dbus_lease_set_rules (lease->skeleton,
                              rules_text ? rules_text
                                         : (const char *const[]){ NULL });
  /* The handlers find the lease by the call's path: a call dispatched
   * after the lease ended finds none. */
  cnetd_lease_object_serve (m, lease->object, lease->skeleton,
                            G_CALLBACK (cnetd_lease_handle_activate),
                            G_CALLBACK (cnetd_lease_handle_release),
                            G_CALLBACK (cnetd_lease_handle_set_rules));
  cnetd_lease_refresh_stats (lease);
  g_hash_table_insert (m->leases, GUINT_TO_POINTER (lease->id), lease);
  g_dbus_object_manager_server_export (m->server,
                                       G_DBUS_OBJECT_SKELETON (lease->object));
  cnetd_clients_hold (m->clients, lease->owner, lease,
                      (CnetdClientEndFunc) cnetd_lease_end);
  cnetd_end_on_fd (&lease->pid_source, lease->pidfd, G_IO_IN, lease,
                   (CnetdClientEndFunc) cnetd_lease_end,
                   "its owner process exited");
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

/* Finds the lease behind a call on a lease object, and checks that the
 * caller owns it (g-authorize-method checked already, cnetd-manager.c;
 * the lease may have ended since). */
static CnetdLease *
lease_of_call (CnetdManager *m, GDBusMethodInvocation *invocation)
{
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  CnetdLease *lease = lease_at (m, path);

  if (lease == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                              "no lease at %s", path);
      return NULL;
    }
  if (g_strcmp0 (sender, lease->owner) != 0)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                              "lease %u (%s queue %u) belongs to %s, not to %s",
                              lease->id, lease->ifname, lease->queue,
                              lease->owner, sender);
      return NULL;
    }
  return lease;
}

/* --- Release: by its owner, or by root --------------------------------- */

typedef struct
{
  CnetdManager *manager;
  const CnetdReleasable *kind;
  CnetdDBusLease *skeleton;
  GDBusMethodInvocation *invocation;
} ReleaseRequest;

/* Release by someone else than the owner: root may (the operator's
 * `cnetctl release N`), nobody else. What is released is looked up
 * again, as it may have ended while the bus said who the caller is. */
static void
on_release_caller (GObject *source, GAsyncResult *res, gpointer user_data)
{
  ReleaseRequest *req = user_data;
  g_autoptr (GDBusMethodInvocation) invocation = req->invocation;
  g_autoptr (CnetdDBusLease) skeleton = req->skeleton;
  const CnetdReleasable *kind = req->kind;
  CnetdManager *m = req->manager;
  g_autoptr (GError) error = NULL;
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autofree char *what = NULL;
  CnetdCaller caller;
  gpointer thing;

  g_free (req);
  if (!cnetd_auth_get_caller_finish (res, &caller, &error))
    {
      cnetd_return_error (invocation, error);
      return;
    }
  thing = kind->find (m, path);
  if (thing == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                              "no lease at %s", path);
      return;
    }
  what = kind->describe (thing);
  if (caller.uid != 0)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                              "%s belongs to %s, not to %s; only its owner or "
                              "root may release it",
                              what, kind->owner_of (thing), sender);
      return;
    }
  g_message ("%s of %s released by root (%s, pid %u)", what,
             kind->owner_of (thing), sender, caller.pid);
  kind->end (thing, "released by root");
  cnetd_dbus_lease_complete_release (skeleton, invocation);
}

/* Release of a lease object of @kind (a D-Bus lease, a capture): its
 * owner (the unique bus name that made it) may, at once; anyone else is
 * asked who they are, and only root may. */
void
cnetd_release (CnetdManager *m, const CnetdReleasable *kind,
               CnetdDBusLease *skeleton, GDBusMethodInvocation *invocation)
{
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  gpointer thing = kind->find (m, path);
  ReleaseRequest *req;

  if (thing == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                              "no lease at %s", path);
      return;
    }
  if (g_strcmp0 (sender, kind->owner_of (thing)) == 0)
    {
      kind->end (thing, "released");
      cnetd_dbus_lease_complete_release (skeleton, invocation);
      return;
    }
  req = g_new0 (ReleaseRequest, 1);
  req->manager = m;
  req->kind = kind;
  req->skeleton = g_object_ref (skeleton);
  req->invocation = g_object_ref (invocation);
  cnetd_auth_get_caller_async (g_dbus_method_invocation_get_connection (
                                 invocation),
                               sender, on_release_caller, req);
}

static gpointer
lease_find (CnetdManager *m, const char *path)
{
  return lease_at (m, path);
}

static const char *
lease_owner (gpointer lease)
{
  return ((CnetdLease *) lease)->owner;
}

static char *
lease_describe (gpointer thing)
{
  CnetdLease *lease = thing;

  return g_strdup_printf ("lease %u (%s queue %u)", lease->id, lease->ifname,
                          lease->queue);
}

static const CnetdReleasable lease_kind = {
  lease_find,
  lease_owner,
  lease_describe,
  (CnetdClientEndFunc) cnetd_lease_end,
};

gboolean
cnetd_lease_handle_release (CnetdDBusLease *skeleton,
                            GDBusMethodInvocation *invocation,
                            gpointer user_data)
{
  cnetd_release (user_data, &lease_kind, skeleton, invocation);
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
  cnetd_lease_object_serve (m, ul->object, ul->skeleton,
                            G_CALLBACK (handle_uds_lease_method),
                            G_CALLBACK (handle_uds_lease_method),
                            G_CALLBACK (handle_uds_set_rules));
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
