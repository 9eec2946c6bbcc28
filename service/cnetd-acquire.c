/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AcquireQueue: from the call to a bound socket and a guard in the
 * client's hands (docs/cnetd.md, "Lease protocol").
 */

#include "cnetd-build-config.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cnet-dbus.h"
#include "cnet-error.h"
#include "cnetd-manager-private.h"
#include "cnet-enums.h"
#include "cnet-port-settings.h"
#include "cnet-xdp-program-private.h"
#include "cnetd-napi.h"

/* --- AcquireQueue ------------------------------------------------------- */

typedef struct
{
  CnetdManager *manager;
  GDBusMethodInvocation *invocation;
  char *ifname;
  guint queue;
  CnetdAcquireOptions opts;
  CnetdCaller caller;
  CnetdUmem umem;
  gint64 drain_deadline; /* monotonic µs; 0 until it first meets a drain */
} AcquireRequest;

static void
acquire_request_free (AcquireRequest *req)
{
  g_object_unref (req->invocation);
  g_free (req->ifname);
  cnetd_acquire_options_clear (&req->opts);
  cnetd_umem_clear (&req->umem);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AcquireRequest, acquire_request_free)

static const char *
queue_busy_reason (CnetdIface *iface, guint queue, char *buf, gsize len)
{
  CnetdLease *other;
  CnetdDrain *d;

  switch (cnetd_iface_queue_state (iface, queue))
    {
    case QUEUE_LEASED:
      other = cnetd_manager_find_lease (iface->manager, iface->ifindex, queue);
      g_return_val_if_fail (other != NULL, "queue is leased");
      g_snprintf (buf, len, "queue is leased to %s (uid %u, pid %u)",
                  other->owner, other->caller.uid, other->caller.pid);
      return buf;
    case QUEUE_DRAINING:
      d = cnetd_iface_find_drain (iface, queue);
      g_return_val_if_fail (d != NULL, "queue is draining");
      g_snprintf (buf, len,
                  "queue is draining: lease %u of %s (uid %u, pid %u) ended, "
                  "but its socket may still be open and send; it can be "
                  "leased again once every fd and ring mapping of that "
                  "socket is closed",
                  d->lease_id, d->owner, d->uid, d->pid);
      return buf;
    case QUEUE_OCCUPIED:
      g_snprintf (buf, len,
                  "another AF_XDP socket is bound to the queue (not one cnetd "
                  "leased: a program of its own, or a client of an earlier "
                  "cnetd that still holds its socket)");
      return buf;
    case QUEUE_FREE:
    default:
      return NULL;
    }
}

static gboolean on_drain_retry (gpointer user_data);

/* Whether the owner of the lease that left @queue draining has exited. */
static gboolean
drain_owner_exited (CnetdIface *iface, guint queue)
{
  CnetdDrain *d = cnetd_iface_find_drain (iface, queue);
  struct pollfd pfd;

  if (d == NULL || d->pidfd < 0)
    return TRUE;
  pfd.fd = d->pidfd;
  pfd.events = POLLIN;
  return poll (&pfd, 1, 0) > 0;
}

/* A queue that drains because its owner died frees itself as soon as the
 * kernel has released the dead process's socket; a request for it waits
 * that out (without blocking the main loop) for up to
 * CNETD_DRAIN_WAIT_USEC before it says Busy. While the owner lives, it
 * most likely still holds the socket: Busy at once. Returns TRUE when it
 * took @req to try again later. */
static gboolean
acquire_wait_for_drain (AcquireRequest *req, CnetdIface *iface, guint queue)
{
  gint64 now = g_get_monotonic_time ();

  if (!drain_owner_exited (iface, queue))
    return FALSE;
  if (req->drain_deadline == 0)
    req->drain_deadline = now + CNETD_DRAIN_WAIT_USEC;
  if (now >= req->drain_deadline)
    return FALSE;
  g_timeout_add (CNETD_DRAIN_RETRY_MS, on_drain_retry, req);
  return TRUE;
}

/* Answers @req; returns TRUE when it keeps @req for later. */
static gboolean
finish_acquire (AcquireRequest *req)
{
  CnetdManager *m = req->manager;
  GDBusMethodInvocation *invocation = req->invocation;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const CnetdConfig *config = m->config;
  g_autoptr (GError) error = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (CnetXdpProgram) prog = NULL;
  CnetdIface *iface;
  CnetdLease *lease, *sharing;
  CnetdXskBound bound = { FALSE, FALSE };
  GVariantBuilder info;
  guint queue = req->queue, n_queues;
  guint64 user_bytes;
  char reason[512];
  int fd, pidfd, guard;

  /* The world may have changed while polkit thought. */
  iface = cnetd_manager_find_iface (m, req->ifname);
  if (iface == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                              "%s: no such interface", req->ifname);
      return FALSE;
    }
  if (cnetd_manager_count_leases_of_user (m, req->caller.uid) >=
      config->max_leases_per_user)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_LIMIT_EXCEEDED,
                              "uid %u holds %u leases, the most cnetd allows "
                              "one "
                              "user (max-leases-per-user)",
                              req->caller.uid, config->max_leases_per_user);
      return FALSE;
    }
  sharing = cnetd_manager_find_umem_lease (m, sender, &req->umem);
  user_bytes = cnetd_manager_umem_bytes_of_user (m, req->caller.uid);
  if (sharing == NULL &&
      user_bytes + req->umem.size > config->max_umem_bytes_per_user)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_LIMIT_EXCEEDED,
                              "uid %u has %" G_GUINT64_FORMAT " bytes of UMEM "
                              "pinned through cnetd; %" G_GUINT64_FORMAT
                              " more "
                              "would pass max-umem-bytes-per-user "
                              "(%" G_GUINT64_FORMAT " bytes)",
                              req->caller.uid, user_bytes, req->umem.size,
                              config->max_umem_bytes_per_user);
      return FALSE;
    }

  n_queues = MIN (iface->n_rx_queues, CNET_XDP_PROGRAM_MAX_QUEUES);
  if (queue == CNET_DBUS_ANY_QUEUE)
    {
      gboolean wait = FALSE;

      for (queue = 0; queue < n_queues; queue++)
        {
          QueueState state = cnetd_iface_queue_state (iface, queue);
          if (state == QUEUE_FREE)
            break;
          wait = wait ||
                 (state == QUEUE_DRAINING && drain_owner_exited (iface, queue));
        }
      if (queue >= n_queues && wait &&
          acquire_wait_for_drain (req, iface, CNET_DBUS_ANY_QUEUE))
        return TRUE;
      if (queue >= n_queues)
        {
          cnetd_return_new_error (invocation, CNET_ERROR_BUSY,
                                  "%s: none of its %u queues is free (leased, "
                                  "draining, or with a socket of another "
                                  "program)",
                                  req->ifname, iface->n_rx_queues);
          return FALSE;
        }
    }
  else if (queue >= n_queues)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_OUT_OF_RANGE,
                              "%s queue %u: the interface has %u receive "
                              "queues "
                              "(0 to %u)",
                              req->ifname, queue, iface->n_rx_queues,
                              iface->n_rx_queues - 1);
      return FALSE;
    }
  else if (queue_busy_reason (iface, queue, reason, sizeof reason) != NULL)
    {
      QueueState state = cnetd_iface_queue_state (iface, queue);

      if (state == QUEUE_DRAINING && acquire_wait_for_drain (req, iface, queue))
        return TRUE;
      cnetd_return_new_error (invocation, CNET_ERROR_BUSY, "%s queue %u: %s",
                              req->ifname, queue, reason);
      return FALSE;
    }

  /* The owner process, to end the lease when it exits. The bus saw this
   * pid when the caller connected; if it is gone, so is the caller. */
  pidfd = (int) syscall (SYS_pidfd_open, (pid_t) req->caller.pid, 0);
  if (pidfd < 0)
    {
      int errsv = errno;
      cnetd_return_new_error (invocation, CNET_ERROR_INVALID_STATE,
                              "%s queue %u: cannot watch the caller's process "
                              "%u: "
                              "%s",
                              req->ifname, queue, req->caller.pid,
                              g_strerror (errsv));
      return FALSE;
    }

  prog = cnet_xdp_program_attach (req->ifname, req->opts.port.xdp_mode,
                                  CNET_XDP_ATTACH_NONE, &error);
  if (prog == NULL || !cnet_xdp_program_claim_queue (prog, queue, req, &error))
    {
      close (pidfd);
      cnetd_return_error (invocation, error);
      return FALSE;
    }
  if (sharing != NULL &&
      (sharing->multi_buffer != req->opts.port.multi_buffer ||
       req->opts.port.tx_metadata != 0))
    {
      close (pidfd);
      cnet_xdp_program_release_queue (prog, queue, req);
      cnetd_return_new_error (
        invocation, CNET_ERROR_INVALID_ARGUMENT,
        "%s queue %u: this UMEM is shared with the caller's other lease, "
        "whose socket set it up %s multi-buffer and without TX metadata; a "
        "sharing lease must ask the same",
        req->ifname, queue, sharing->multi_buffer ? "with" : "without");
      return FALSE;
    }
  if (sharing != NULL)
    req->opts.port.need_wakeup = sharing->need_wakeup;
  fd = cnetd_xsk_open (req->ifname, iface->ifindex, queue, &req->opts,
                       &req->umem, sharing ? sharing->fd : -1, &bound, &error);
  if (fd < 0)
    {
      close (pidfd);
      cnet_xdp_program_release_queue (prog, queue, req);
      cnetd_return_error (invocation, error);
      return FALSE;
    }

  lease = cnetd_lease_new (m, req->ifname, iface->ifindex, queue, sender,
                           &req->caller);
  lease->fd = fd;
  lease->pidfd = pidfd;
  lease->umem_dev = req->umem.dev;
  lease->umem_ino = req->umem.ino;
  lease->umem_bytes = req->umem.size;
  lease->prog = g_steal_pointer (&prog);
  lease->need_wakeup = bound.need_wakeup;
  lease->zerocopy = bound.zerocopy;
  lease->multi_buffer = bound.multi_buffer;
  lease->tx_meta_len = bound.tx_meta_len;
  memcpy (lease->rules, req->opts.rules, sizeof lease->rules);
  lease->n_rules = req->opts.n_rules;
  /* The queue was claimed for the request; it is the lease's now. */
  cnet_xdp_program_release_queue (lease->prog, queue, req);
  if (!cnet_xdp_program_claim_queue (lease->prog, queue, lease, &error))
    g_assert_not_reached ();

  /* Preferred busy polling needs interface settings a client cannot make
   * (docs/data-path.md): cnetd makes them while such leases last. Without
   * them the socket options still work, less well: say so, go on. */
  if (req->opts.port.busy_poll_usecs != 0)
    {
      g_autoptr (GError) napi_error = NULL;

      lease->napi = cnetd_napi_lease_new (iface->ifindex, req->ifname,
                                          lease->id, lease->fd, &napi_error);
      if (lease->napi == NULL)
        g_message ("lease %u: %s", lease->id, napi_error->message);
    }

  /* RX metadata: the XDP program writes what the lessee asked for, as far
   * as the kernel and the driver allow (the reply says what). */
  if (req->opts.port.rx_metadata != 0)
    {
      g_autoptr (GError) meta_error = NULL;
      g_autofree char *why = NULL;
      gint64 granted =
        cnet_xdp_program_set_rx_metadata (lease->prog, queue,
                                          req->opts.port.rx_metadata, &why,
                                          &meta_error);

      if (granted < 0)
        g_message ("lease %u: no RX metadata: %s", lease->id,
                   meta_error->message);
      else if (why != NULL)
        g_message ("lease %u: RX metadata limited: %s", lease->id, why);
      lease->rx_metadata = granted < 0 ? 0 : (guint) granted;
    }

  cnetd_lease_publish (lease, iface->path,
                       (const char *const *) req->opts.rules_text);
  cnetd_iface_update_free_queues (iface);
  cnetd_iface_update_attached (iface);

  g_message ("lease %u: %s queue %u to %s (uid %u, pid %u), %" G_GUINT64_FORMAT
             "-byte UMEM%s, %s bind",
             lease->id, lease->ifname, queue, sender, req->caller.uid,
             req->caller.pid, req->umem.size,
             sharing ? " shared with its other lease" : "",
             bound.zerocopy ? "zero-copy" : "copy");
  guard = cnetd_lease_make_guard (lease, &error);
  fds = g_unix_fd_list_new ();
  if (guard < 0 || g_unix_fd_list_append (fds, fd, &error) < 0 ||
      g_unix_fd_list_append (fds, guard, &error) < 0)
    {
      if (guard >= 0)
        close (guard);
      cnetd_return_error (invocation, error);
      cnetd_lease_end (lease, "its socket could not be passed");
      return FALSE;
    }
  close (guard); /* the list holds a copy */

  g_variant_builder_init (&info, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&info, "{sv}", "queue", g_variant_new_uint32 (queue));
  g_variant_builder_add (&info, "{sv}", "ifindex",
                         g_variant_new_uint32 (iface->ifindex));
  g_variant_builder_add (&info, "{sv}", "bind-mode",
                         g_variant_new_string (bound.zerocopy ? "zerocopy"
                                                              : "copy"));
  g_variant_builder_add (&info, "{sv}", "need-wakeup",
                         g_variant_new_boolean (bound.need_wakeup));
  /* What the client's data path must know of the socket cnetd made. */
  g_variant_builder_add (&info, "{sv}", "multi-buffer",
                         g_variant_new_boolean (bound.multi_buffer));
  g_variant_builder_add (&info, "{sv}", "tx-metadata-len",
                         g_variant_new_uint32 (bound.tx_meta_len));
  g_variant_builder_add (&info, "{sv}", "busy-poll-napi",
                         g_variant_new_boolean (
                           cnetd_napi_lease_is_applied (lease->napi)));
  {
    g_auto (GStrv) meta =
      cnet_flags_to_nicks (CNET_TYPE_RX_METADATA_FLAGS, lease->rx_metadata);

    g_variant_builder_add (&info, "{sv}", "rx-metadata",
                           g_variant_new_strv ((const char *const *) meta, -1));
  }
  g_variant_builder_add (&info, "{sv}", "rules",
                         g_variant_new_strv (req->opts.rules_text
                                               ? (const char *const *)
                                                   req->opts.rules_text
                                               : (const char *const[]){ NULL },
                                             -1));
  /* Takes the invocation's reference; the request keeps its own. */
  cnetd_dbus_manager_complete_acquire_queue (m->skeleton, invocation, fds,
                                             lease->path,
                                             g_variant_new_handle (0),
                                             g_variant_new_handle (1),
                                             g_variant_builder_end (&info));
  return FALSE;
}

static void
on_authorized (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (AcquireRequest) req = user_data;
  g_autoptr (GError) error = NULL;

  if (!cnetd_auth_check_finish (res, &error))
    {
      if (req->queue == CNET_DBUS_ANY_QUEUE)
        g_prefix_error (&error, "%s (any queue): ", req->ifname);
      else
        g_prefix_error (&error, "%s queue %u: ", req->ifname, req->queue);
      cnetd_return_error (req->invocation, error);
      return;
    }
  if (finish_acquire (req))
    g_steal_pointer (&req);
}

static gboolean
on_drain_retry (gpointer user_data)
{
  AcquireRequest *req = user_data;

  if (!finish_acquire (req))
    acquire_request_free (req);
  return G_SOURCE_REMOVE;
}

static void
on_caller (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AcquireRequest *req = user_data;
  g_autoptr (GError) error = NULL;

  if (!cnetd_auth_get_caller_finish (res, &req->caller, &error))
    {
      cnetd_return_error (req->invocation, error);
      acquire_request_free (req);
      return;
    }
  cnetd_auth_check_async (req->manager->connection, req->manager->config,
                          g_dbus_method_invocation_get_sender (req->invocation),
                          &req->caller, CNETD_ACTION_ACQUIRE_QUEUE,
                          on_authorized, req);
}

gboolean
cnetd_manager_handle_acquire_queue (CnetdDBusManager *skeleton,
                                    GDBusMethodInvocation *invocation,
                                    GUnixFDList *fd_list, const char *ifname,
                                    guint queue, GVariant *options,
                                    GVariant *umem_handle, gpointer user_data)
{
  CnetdManager *m = user_data;
  g_autoptr (AcquireRequest) req = g_new0 (AcquireRequest, 1);
  g_autoptr (GError) error = NULL;
  gint32 handle = g_variant_get_handle (umem_handle);
  CnetdIface *iface;
  int fd;

  req->manager = m;
  req->invocation = g_object_ref (invocation);
  req->ifname = g_strdup (ifname);
  req->queue = queue;
  req->umem.fd = -1;
  cnetd_acquire_options_init (&req->opts);

  if (!cnetd_acquire_options_parse (&req->opts, options, &error))
    {
      cnetd_return_error (invocation, error);
      return TRUE;
    }
  iface = cnetd_manager_find_iface (m, ifname);
  if (iface == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                              "%s: no such interface", ifname);
      return TRUE;
    }
  if (cnetd_config_find_uds (m->config, ifname) != NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                              "%s: cnetd serves this interface over the device "
                              "plugin's socket %s, whose clients may write any "
                              "queue's XSKMAP entry; it leases none of its "
                              "queues "
                              "over D-Bus",
                              ifname,
                              cnetd_config_find_uds (m->config, ifname)->path);
      return TRUE;
    }
  if (!cnetd_config_manages (m->config, ifname))
    {
      cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                              "%s: cnetd's configuration (%s) does not let it "
                              "manage this interface",
                              ifname,
                              m->config->path ? m->config->path
                                              : "the defaults");
      return TRUE;
    }
  if (fd_list == NULL || handle < 0 ||
      handle >= g_unix_fd_list_get_length (fd_list))
    {
      cnetd_return_new_error (invocation, CNET_ERROR_INVALID_ARGUMENT,
                              "%s: the UMEM handle %d names no file descriptor "
                              "of "
                              "the call",
                              ifname, handle);
      return TRUE;
    }
  fd = g_unix_fd_list_get (fd_list, handle, &error);
  if (fd < 0 ||
      !cnetd_umem_check (&req->umem, fd, req->opts.frame_size, &error))
    {
      g_prefix_error (&error, "%s: ", ifname);
      cnetd_return_error (invocation, error);
      return TRUE;
    }
  cnetd_auth_get_caller_async (m->connection,
                               g_dbus_method_invocation_get_sender (invocation),
                               on_caller, g_steal_pointer (&req));
  return TRUE;
}
