/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Capture leases (Manager.StartCapture): a slot in the interface's XDP
 * program that copies the first snaplen bytes of matching frames into a
 * BPF ring buffer made for this capture alone, whose fd the client gets.
 * The frames go on as if nothing watched. A capture ends as a lease does:
 * Release (owner or root), its owner leaving the bus or exiting, its guard
 * closed, the interface gone, cnetd stopping.
 *
 * What the client holds, and what it can do with it (tested as nobody in
 * tests/service/test_capture.py): the ring buffer's fd. It can map the
 * consumer page read-write and the producer page and data read-only (the
 * kernel refuses a writable mapping of those); it cannot call bpf() on it
 * without CAP_BPF; a consumer position it scribbles only loses it its own
 * records. When the capture ends cnetd takes the ring out of the program
 * first: a client that keeps the fd keeps a ring nothing writes to again,
 * and a later capture, anyone's, gets a ring of its own.
 */
#include "cnetd-build-config.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cnet-dbus.h"
#include "cnet-error.h"
#include "cnet-xdp-capture-private.h"
#include "cnetd-manager-private.h"
#include "cnetd-options.h"

typedef struct
{
  CnetdManager *manager;
  guint id;
  char *path;
  char *ifname;
  guint ifindex;
  char *owner;
  CnetdCaller caller;
  CnetXdpProgram *prog;
  guint slot;
  int guard_fd;
  int pidfd;
  guint guard_source;
  guint pid_source;
  gboolean held; /* in the client list, which ends it with its owner */
  CnetdDBusObjectSkeleton *object;
  CnetdDBusLease *skeleton;
} CnetdCapture;

typedef struct
{
  CnetdManager *manager;
  GDBusMethodInvocation *invocation;
  char *ifname;
  GVariant *options;
  CnetdCaller caller;
} CaptureRequest;

static void
capture_request_free (CaptureRequest *req)
{
  g_clear_object (&req->invocation);
  g_free (req->ifname);
  g_clear_pointer (&req->options, g_variant_unref);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CaptureRequest, capture_request_free)

static void
cnetd_capture_free (CnetdCapture *c)
{
  if (c->prog != NULL)
    cnet_xdp_program_stop_capture (c->prog, c->slot, c);
  g_clear_object (&c->prog);
  g_clear_handle_id (&c->guard_source, g_source_remove);
  g_clear_handle_id (&c->pid_source, g_source_remove);
  if (c->held)
    cnetd_clients_let_go (c->manager->clients, c->owner, c);
  if (c->guard_fd >= 0)
    close (c->guard_fd);
  if (c->pidfd >= 0)
    close (c->pidfd);
  if (c->object != NULL)
    g_dbus_object_manager_server_unexport (c->manager->server, c->path);
  g_clear_object (&c->skeleton);
  g_clear_object (&c->object);
  g_free (c->path);
  g_free (c->ifname);
  g_free (c->owner);
  g_free (c);
}

static void
cnetd_capture_end (CnetdCapture *c, const char *why)
{
  g_message ("capture %u (%s) of %s ended: %s", c->id, c->ifname, c->owner,
             why);
  /* The slot is turned off and the ring taken out of the program before
   * the guard hangs up (in cnetd_capture_free). */
  g_hash_table_remove (c->manager->captures, GUINT_TO_POINTER (c->id));
}

static void
capture_refresh_stats (gpointer owner)
{
  CnetdCapture *c = owner;
  guint64 captured = 0, lost = 0;
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
  if (cnet_xdp_program_get_capture_counters (c->prog, c->slot, &captured, &lost,
                                             NULL))
    {
      g_variant_builder_add (&b, "{st}", "captured", captured);
      g_variant_builder_add (&b, "{st}", "lost", lost);
    }
  cnetd_dbus_lease_set_stats (c->skeleton, g_variant_builder_end (&b));
}

static CnetdCapture *
capture_at (CnetdManager *m, const char *path)
{
  GHashTableIter iter;
  CnetdCapture *c;

  g_hash_table_iter_init (&iter, m->captures);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    if (g_str_equal (c->path, path))
      return c;
  return NULL;
}

static gpointer
capture_find (CnetdManager *m, const char *path)
{
  return capture_at (m, path);
}

static const char *
capture_owner (gpointer c)
{
  return ((CnetdCapture *) c)->owner;
}

static char *
capture_describe (gpointer thing)
{
  CnetdCapture *c = thing;

  return g_strdup_printf ("capture %u (%s)", c->id, c->ifname);
}

static const CnetdReleasable capture_kind = {
  capture_find,
  capture_owner,
  capture_describe,
  (CnetdClientEndFunc) cnetd_capture_end,
};

static gboolean
handle_release (CnetdDBusLease *skeleton, GDBusMethodInvocation *invocation,
                gpointer user_data)
{
  cnetd_release (user_data, &capture_kind, skeleton, invocation);
  return TRUE;
}

static gboolean
handle_not_for_captures (CnetdDBusLease *skeleton,
                         GDBusMethodInvocation *invocation, gpointer user_data)
{
  cnetd_return_new_error (invocation, CNET_ERROR_INVALID_STATE,
                          "%s is a capture: it has no socket to activate or "
                          "steer",
                          g_dbus_method_invocation_get_object_path (
                            invocation));
  return TRUE;
}

static gboolean
handle_set_rules_not_for_captures (CnetdDBusLease *skeleton,
                                   GDBusMethodInvocation *invocation,
                                   const char *const *rules, gpointer user_data)
{
  return handle_not_for_captures (skeleton, invocation, user_data);
}

/* Authorized: set the slot up and answer. */
static void
start_capture (CaptureRequest *req)
{
  CnetdManager *m = req->manager;
  GDBusMethodInvocation *invocation = req->invocation;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  struct cnet_xdp_rule rules[CNET_XDP_MAX_RULES];
  g_auto (GStrv) rules_text = NULL;
  g_autoptr (GVariant) rules_v = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetXdpProgram) prog = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_auto (GVariantBuilder) info =
    G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  CnetdIface *iface;
  CnetdCapture *c;
  guint n_rules = 0;
  guint32 queue = CNET_XDP_CAPTURE_ANY_QUEUE;
  guint32 snaplen = CNET_XDP_CAPTURE_MAX_SNAPLEN;
  int pair[2];
  int ring_fd, pidfd;
  guint slot;

  iface = cnetd_manager_find_iface (m, req->ifname);
  if (iface == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                              "%s: no such interface", req->ifname);
      return;
    }
  if (!cnetd_config_manages (m->config, req->ifname))
    {
      cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                              "%s: cnetd's configuration does not let it "
                              "manage this interface",
                              req->ifname);
      return;
    }
  if (g_variant_lookup (req->options, "queue", "u", &queue) &&
      queue >= iface->n_rx_queues)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_OUT_OF_RANGE,
                              "%s: no receive queue %u (0 to %u)", req->ifname,
                              queue, iface->n_rx_queues - 1);
      return;
    }
  if (g_variant_lookup (req->options, "snaplen", "u", &snaplen) &&
      (snaplen < 1 || snaplen > CNET_XDP_CAPTURE_MAX_SNAPLEN))
    {
      cnetd_return_new_error (invocation, CNET_ERROR_INVALID_ARGUMENT,
                              "snaplen %u: give 1 to %u bytes", snaplen,
                              CNET_XDP_CAPTURE_MAX_SNAPLEN);
      return;
    }
  rules_v = g_variant_lookup_value (req->options, "rules", NULL);
  if (rules_v != NULL &&
      !cnetd_rules_parse (rules_v, rules, &n_rules, &rules_text, &error))
    {
      cnetd_return_error (invocation, error);
      return;
    }
  if (cnetd_manager_count_leases_of_user (m, req->caller.uid) >=
      m->config->max_leases_per_user)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_LIMIT_EXCEEDED,
                              "uid %u holds %u leases, the most cnetd allows "
                              "one user (max-leases-per-user)",
                              req->caller.uid, m->config->max_leases_per_user);
      return;
    }

  pidfd = (int) syscall (SYS_pidfd_open, (pid_t) req->caller.pid, 0);
  if (pidfd < 0)
    {
      int errsv = errno;
      cnetd_return_new_error (invocation, CNET_ERROR_INVALID_STATE,
                              "%s: cannot watch the caller's process %u: %s",
                              req->ifname, req->caller.pid, g_strerror (errsv));
      return;
    }
  prog = cnet_xdp_program_attach (req->ifname, CNET_XDP_MODE_AUTO,
                                  CNET_XDP_ATTACH_NONE, &error);
  if (prog == NULL)
    {
      close (pidfd);
      cnetd_return_error (invocation, error);
      return;
    }
  c = g_new0 (CnetdCapture, 1);
  c->guard_fd = -1;
  c->pidfd = pidfd;
  ring_fd = cnet_xdp_program_start_capture (prog, queue, snaplen, rules,
                                            n_rules, c, &slot, &error);
  if (ring_fd < 0)
    {
      cnetd_capture_free (c);
      cnetd_return_error (invocation, error);
      return;
    }
  c->prog = g_steal_pointer (&prog);
  c->slot = slot;
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    {
      int errsv = errno;
      close (ring_fd);
      c->manager = m;
      cnetd_capture_free (c);
      cnetd_return_new_error (invocation, CNET_ERROR_FAILED,
                              "cannot make a guard: %s", g_strerror (errsv));
      return;
    }
  /* Ours only hears the hang-up; the client's may not write to it. */
  shutdown (pair[0], SHUT_WR);
  shutdown (pair[1], SHUT_RD);
  c->manager = m;
  c->guard_fd = pair[0];
  c->id = ++m->next_lease_id;
  c->path = g_strdup_printf (CNET_DBUS_LEASES_PATH "/%u", c->id);
  c->ifname = g_strdup (req->ifname);
  c->ifindex = iface->ifindex;
  c->owner = g_strdup (sender);
  c->caller = req->caller;

  c->object = cnetd_dbus_object_skeleton_new (c->path);
  c->skeleton = cnetd_stats_skeleton_new (cnetd_lease_skeleton_get_type (),
                                          capture_refresh_stats, c);
  cnetd_dbus_lease_set_kind (c->skeleton, "capture");
  cnetd_dbus_lease_set_interface (c->skeleton, c->ifname);
  cnetd_dbus_lease_set_interface_object (c->skeleton, iface->path);
  cnetd_dbus_lease_set_queue (c->skeleton, queue);
  cnetd_dbus_lease_set_owner (c->skeleton, sender);
  cnetd_dbus_lease_set_uid (c->skeleton, c->caller.uid);
  cnetd_dbus_lease_set_pid (c->skeleton, c->caller.pid);
  cnetd_dbus_lease_set_active (c->skeleton, TRUE);
  cnetd_dbus_lease_set_bind_mode (c->skeleton, "");
  cnetd_dbus_lease_set_rules (c->skeleton, rules_text
                                             ? (const char *const *) rules_text
                                             : (const char *const[]){ NULL });
  cnetd_lease_object_serve (m, c->object, c->skeleton,
                            G_CALLBACK (handle_not_for_captures),
                            G_CALLBACK (handle_release),
                            G_CALLBACK (handle_set_rules_not_for_captures));
  capture_refresh_stats (c);
  g_hash_table_insert (m->captures, GUINT_TO_POINTER (c->id), c);
  g_dbus_object_manager_server_export (m->server,
                                       G_DBUS_OBJECT_SKELETON (c->object));
  cnetd_clients_hold (m->clients, sender, c,
                      (CnetdClientEndFunc) cnetd_capture_end);
  c->held = TRUE;
  cnetd_end_on_fd (&c->pid_source, c->pidfd, G_IO_IN, c,
                   (CnetdClientEndFunc) cnetd_capture_end, "its owner exited");
  cnetd_end_on_fd (&c->guard_source, c->guard_fd, G_IO_HUP | G_IO_ERR | G_IO_IN,
                   c, (CnetdClientEndFunc) cnetd_capture_end,
                   "its guard was closed");

  g_variant_builder_add (&info, "{sv}", "ifindex",
                         g_variant_new_uint32 (c->ifindex));
  g_variant_builder_add (&info, "{sv}", "queue", g_variant_new_uint32 (queue));
  g_variant_builder_add (&info, "{sv}", "snaplen",
                         g_variant_new_uint32 (snaplen));
  g_variant_builder_add (&info, "{sv}", "ring-size",
                         g_variant_new_uint32 (CNET_XDP_CAPTURE_RING_SIZE));
  g_variant_builder_add (&info, "{sv}", "rules",
                         g_variant_new_strv (rules_text ? (const char *const *)
                                                            rules_text
                                                        : NULL,
                                             rules_text ? -1 : 0));
  fds = g_unix_fd_list_new ();
  g_unix_fd_list_append (fds, ring_fd, NULL);
  g_unix_fd_list_append (fds, pair[1], NULL);
  close (ring_fd);
  close (pair[1]);
  g_message ("capture %u: %s (queue %s, snaplen %u, %u rules, slot %u) to %s "
             "(uid %u, pid %u)",
             c->id, c->ifname,
             queue == CNET_XDP_CAPTURE_ANY_QUEUE ? "any" : "one", snaplen,
             n_rules, slot, sender, c->caller.uid, c->caller.pid);
  cnetd_dbus_manager_complete_start_capture (m->skeleton, invocation, fds,
                                             c->path, g_variant_new_handle (0),
                                             g_variant_new_handle (1),
                                             g_variant_builder_end (&info));
}

static void
on_authorized (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (CaptureRequest) req = user_data;
  g_autoptr (GError) error = NULL;

  if (!cnetd_auth_check_finish (res, &error))
    {
      cnetd_return_error (req->invocation, error);
      return;
    }
  start_capture (req);
}

static void
on_caller (GObject *source, GAsyncResult *res, gpointer user_data)
{
  g_autoptr (CaptureRequest) req = user_data;
  g_autoptr (GError) error = NULL;
  CnetdConfig polkit_only;

  if (!cnetd_auth_get_caller_finish (res, &req->caller, &error))
    {
      cnetd_return_error (req->invocation, error);
      return;
    }
  /* Packets are private: a group that may lease queues may not watch
   * them. Root, or polkit's org.cnet.Cnet1.capture. */
  polkit_only = *req->manager->config;
  polkit_only.auth_mode = CNETD_AUTH_POLKIT;
  cnetd_auth_check_async (req->manager->connection, &polkit_only,
                          g_dbus_method_invocation_get_sender (req->invocation),
                          &req->caller, CNETD_ACTION_CAPTURE, on_authorized,
                          req);
  g_steal_pointer (&req);
}

static gboolean
handle_start_capture (CnetdDBusManager *skeleton,
                      GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
                      const char *ifname, GVariant *options, gpointer user_data)
{
  CnetdManager *m = user_data;
  CaptureRequest *req = g_new0 (CaptureRequest, 1);

  req->manager = m;
  /* The handler's reference is the one the answer takes; the request
   * holds one of its own. */
  req->invocation = g_object_ref (invocation);
  req->ifname = g_strdup (ifname);
  req->options = g_variant_ref (options);
  cnetd_auth_get_caller_async (m->connection,
                               g_dbus_method_invocation_get_sender (invocation),
                               on_caller, req);
  return TRUE;
}

void
cnetd_capture_setup (CnetdManager *m)
{
  m->captures = g_hash_table_new_full (NULL, NULL, NULL,
                                       (GDestroyNotify) cnetd_capture_free);
  g_signal_connect (m->skeleton, "handle-start-capture",
                    G_CALLBACK (handle_start_capture), m);
}

void
cnetd_capture_list (CnetdManager *m, GPtrArray *paths)
{
  GHashTableIter iter;
  CnetdCapture *c;

  g_hash_table_iter_init (&iter, m->captures);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    g_ptr_array_add (paths, c->path);
}

guint
cnetd_capture_count_of_user (CnetdManager *m, guint uid)
{
  GHashTableIter iter;
  CnetdCapture *c;
  guint n = 0;

  g_hash_table_iter_init (&iter, m->captures);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    n += c->caller.uid == uid;
  return n;
}

void
cnetd_capture_end_on_interface (CnetdManager *m, guint ifindex)
{
  GHashTableIter iter;
  CnetdCapture *c;

  g_hash_table_iter_init (&iter, m->captures);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &c))
    if (c->ifindex == ifindex)
      {
        g_message ("capture %u (%s) of %s ended: the interface went", c->id,
                   c->ifname, c->owner);
        g_hash_table_iter_remove (&iter);
      }
}

void
cnetd_capture_teardown (CnetdManager *m)
{
  g_clear_pointer (&m->captures, g_hash_table_unref);
}
