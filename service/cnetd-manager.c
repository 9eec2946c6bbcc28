/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's objects: the manager, one object per interface, one per lease.
 *
 * A lease's life (protocol v2, docs/cnetd.md): AcquireQueue checks the
 * arguments, the caller, its user's limits and the queue, attaches
 * libcnet's XDP program (shared per interface), registers the client's
 * memfd as the UMEM of a new AF_XDP socket, binds it to exactly the leased
 * queue (cnetd-xsk.c) and only then hands the client the bound socket and
 * a guard. Activate puts the socket in the XSKMAP. The lease ends on
 * Release, when the owner's bus name vanishes, when its process exits
 * (pidfd), when it closes its guard, when the interface goes, or when
 * cnetd stops. Receiving stops at once; the kernel cannot take back a
 * bound socket's TX, so the queue then drains: it is not leased again
 * until the kernel's netdev family says no socket is bound to it.
 */

#include "cnetd-build-config.h"

#include <glib-unix.h>
#include <linux/if_xdp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-dbus.h"
#include "cnet-error.h"
#include "cnet-xdp-program-private.h"
#include "cnetd-manager-private.h"

/* --- Stats read when asked for ------------------------------------------
 *
 * The Stats properties are refreshed every second, and also on each read:
 * a subclass of each generated skeleton wraps the property getter, so
 * busctl get-property and GetAll see the counters of that moment. */

static GVariant *
stats_get_property (GDBusInterfaceVTable *parent, GDBusConnection *connection,
                    const char *sender, const char *path, const char *iface,
                    const char *property, GError **error, gpointer user_data)
{
  CnetdRefreshFunc refresh = g_object_get_data (user_data, "cnetd-refresh");
  gpointer owner = g_object_get_data (user_data, "cnetd-owner");

  if (refresh != NULL && owner != NULL &&
      (g_str_equal (property, "Stats") ||
       g_str_equal (property, "FreeQueues") ||
       g_str_equal (property, "DrainingQueues")))
    refresh (owner);
  return parent->get_property (connection, sender, path, iface, property, error,
                               user_data);
}

#define CNETD_DEFINE_STATS_SKELETON(Name, name, PARENT, ParentClass)           \
  typedef struct                                                               \
  {                                                                            \
    ParentClass##Skeleton parent_instance;                                     \
  } Name;                                                                      \
  typedef struct                                                               \
  {                                                                            \
    ParentClass##SkeletonClass parent_class;                                   \
  } Name##Class;                                                               \
  GType name##_get_type (void);                                                \
  G_DEFINE_TYPE (Name, name, PARENT)                                           \
  static GDBusInterfaceVTable *name##_parent_vtable;                           \
  static GVariant *name##_get_property (GDBusConnection *connection,           \
                                        const char *sender, const char *path,  \
                                        const char *iface,                     \
                                        const char *property, GError **error,  \
                                        gpointer user_data)                    \
  {                                                                            \
    return stats_get_property (name##_parent_vtable, connection, sender, path, \
                               iface, property, error, user_data);             \
  }                                                                            \
  static GDBusInterfaceVTable *name##_get_vtable (                             \
    GDBusInterfaceSkeleton *skeleton)                                          \
  {                                                                            \
    static GDBusInterfaceVTable vtable;                                        \
    if (name##_parent_vtable == NULL)                                          \
      {                                                                        \
        name##_parent_vtable =                                                 \
          G_DBUS_INTERFACE_SKELETON_CLASS (name##_parent_class)                \
            ->get_vtable (skeleton);                                           \
        vtable = *name##_parent_vtable;                                        \
        vtable.get_property = name##_get_property;                             \
      }                                                                        \
    return &vtable;                                                            \
  }                                                                            \
  static void name##_class_init (Name##Class *klass)                           \
  {                                                                            \
    G_DBUS_INTERFACE_SKELETON_CLASS (klass)->get_vtable = name##_get_vtable;   \
  }                                                                            \
  static void name##_init (Name *self)                                         \
  {                                                                            \
  }

CNETD_DEFINE_STATS_SKELETON (CnetdLeaseSkeleton, cnetd_lease_skeleton,
                             CNETD_DBUS_TYPE_LEASE_SKELETON, CnetdDBusLease)
CNETD_DEFINE_STATS_SKELETON (CnetdIfaceSkeleton, cnetd_iface_skeleton,
                             CNETD_DBUS_TYPE_INTERFACE_SKELETON,
                             CnetdDBusInterface)

gpointer
cnetd_stats_skeleton_new (GType type, CnetdRefreshFunc refresh, gpointer owner)
{
  GObject *skeleton = g_object_new (type, NULL);

  g_object_set_data (skeleton, "cnetd-refresh", refresh);
  g_object_set_data (skeleton, "cnetd-owner", owner);
  return skeleton;
}

/* --- helpers ------------------------------------------------------------ */

void
cnetd_return_error (GDBusMethodInvocation *invocation, GError *error)
{
  g_debug ("%s: %s", g_dbus_method_invocation_get_method_name (invocation),
           error->message);
  g_dbus_method_invocation_return_gerror (invocation, error);
}

void
cnetd_return_new_error (GDBusMethodInvocation *invocation, CnetError code,
                        const char *fmt, ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  va_start (args, fmt);
  error = g_error_new_valist (CNET_ERROR, code, fmt, args);
  va_end (args);
  cnetd_return_error (invocation, error);
}

const char *
cnetd_xdp_mode_name (CnetXdpMode mode)
{
  return mode == CNET_XDP_MODE_NATIVE    ? "native"
         : mode == CNET_XDP_MODE_GENERIC ? "generic"
                                         : "";
}

CnetdIface *
cnetd_manager_find_iface (CnetdManager *m, const char *name)
{
  GHashTableIter iter;
  CnetdIface *iface;

  g_hash_table_iter_init (&iter, m->ifaces);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &iface))
    if (g_str_equal (iface->name, name))
      return iface;
  return NULL;
}

CnetdLease *
cnetd_manager_find_lease (CnetdManager *m, guint ifindex, guint queue)
{
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (lease->ifindex == ifindex && lease->queue == queue)
      return lease;
  return NULL;
}

guint
cnetd_manager_count_leases_of_user (CnetdManager *m, guint uid)
{
  GHashTableIter iter;
  CnetdLease *lease;
  guint n = 0;

  CnetdUdsLease *ul;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    n += lease->caller.uid == uid;
  g_hash_table_iter_init (&iter, m->uds_leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &ul))
    n += ul->uid == uid;
  /* Captures are leases too (max-leases-per-user). */
  return n + cnetd_capture_count_of_user (m, uid);
}

static void
add_umem (GHashTable *seen, guint64 *total, dev_t dev, ino_t ino, guint64 bytes)
{
  g_autofree char *key =
    g_strdup_printf ("%lu:%lu", (unsigned long) dev, (unsigned long) ino);

  if (g_hash_table_add (seen, g_steal_pointer (&key)))
    *total += bytes;
}

/* The bytes of UMEM the user's leases and draining queues keep pinned,
 * each memfd counted once however many leases share it. */
guint64
cnetd_manager_umem_bytes_of_user (CnetdManager *m, guint uid)
{
  g_autoptr (GHashTable) seen =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  CnetdLease *lease;
  CnetdIface *iface;
  guint64 total = 0;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (lease->caller.uid == uid)
      add_umem (seen, &total, lease->umem_dev, lease->umem_ino,
                lease->umem_bytes);
  g_hash_table_iter_init (&iter, m->ifaces);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &iface))
    for (guint i = 0; i < iface->draining->len; i++)
      {
        CnetdDrain *d = g_ptr_array_index (iface->draining, i);
        if (d->uid == uid)
          add_umem (seen, &total, d->umem_dev, d->umem_ino, d->umem_bytes);
      }
  return total;
}

/* A socket of the same client on the same memfd, to share its UMEM. */
CnetdLease *
cnetd_manager_find_umem_lease (CnetdManager *m, const char *owner,
                               const CnetdUmem *umem)
{
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (g_str_equal (lease->owner, owner) && lease->umem_dev == umem->dev &&
        lease->umem_ino == umem->ino)
      return lease;
  return NULL;
}

/* Every method call on cnetd's objects passes here first (the skeletons'
 * g-authorize-method): a method the table does not list is refused, and
 * an owner-only method of another client's lease too. Authorization that
 * must ask polkit happens in the handler, asynchronously. Returning FALSE
 * means the call was answered with an error. */
static gboolean
on_authorize_method (GDBusInterfaceSkeleton *skeleton,
                     GDBusMethodInvocation *invocation, gpointer user_data)
{
  CnetdManager *m = user_data;
  const char *iface = g_dbus_method_invocation_get_interface_name (invocation);
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  const char *path = g_dbus_method_invocation_get_object_path (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const CnetdMethodRule *rule = cnetd_bouncer_lookup (m->rules, iface, method);
  GHashTableIter iter;
  CnetdLease *lease;

  if (rule == NULL)
    {
      cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                              "%s.%s on %s is not allowed: cnetd answers only "
                              "the "
                              "methods its table lists",
                              iface, method, path);
      return FALSE;
    }
  if (rule->rule != CNETD_RULE_OWNER)
    return TRUE;
  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (g_str_equal (lease->path, path) &&
        g_strcmp0 (sender, lease->owner) != 0)
      {
        cnetd_return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                                "lease %u (%s queue %u) belongs to %s, not to "
                                "%s",
                                lease->id, lease->ifname, lease->queue,
                                lease->owner, sender);
        return FALSE;
      }
  return TRUE;
}

void
cnetd_manager_guard_skeleton (CnetdManager *m, gpointer skeleton)
{
  g_signal_connect (skeleton, "g-authorize-method",
                    G_CALLBACK (on_authorize_method), m);
}

/* For tests: answer only what @rules lists. */
void
cnetd_manager_set_method_rules (CnetdManager *m, const CnetdMethodRule *rules)
{
  m->rules = rules;
}

static gboolean
handle_list_interfaces (CnetdDBusManager *skeleton,
                        GDBusMethodInvocation *invocation, gpointer user_data)
{
  CnetdManager *m = user_data;
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();
  GHashTableIter iter;
  CnetdIface *iface;

  g_hash_table_iter_init (&iter, m->ifaces);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &iface))
    g_ptr_array_add (paths, iface->path);
  g_ptr_array_add (paths, NULL);
  cnetd_dbus_manager_complete_list_interfaces (skeleton, invocation,
                                               (const char *const *)
                                                 paths->pdata);
  return TRUE;
}

static gboolean
handle_list_leases (CnetdDBusManager *skeleton,
                    GDBusMethodInvocation *invocation, gpointer user_data)
{
  CnetdManager *m = user_data;
  g_autoptr (GPtrArray) paths = g_ptr_array_new ();
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    g_ptr_array_add (paths, lease->path);
  g_hash_table_iter_init (&iter, m->uds_leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    g_ptr_array_add (paths, ((CnetdUdsLease *) lease)->path);
  cnetd_capture_list (m, paths);
  g_ptr_array_add (paths, NULL);
  cnetd_dbus_manager_complete_list_leases (skeleton, invocation,
                                           (const char *const *) paths->pdata);
  return TRUE;
}

/* --- statistics ---------------------------------------------------------- */

static void
add_stat (GVariantBuilder *b, const char *key, guint64 value)
{
  g_variant_builder_add (b, "{st}", key, value);
}

void
cnetd_iface_refresh_stats (CnetdIface *iface)
{
  CnetdLinkInfo link;
  GVariantBuilder b;
  GHashTableIter iter;
  CnetdLease *lease;

  cnetd_iface_update_free_queues (iface);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
  if (cnetd_link_get (iface->ifindex, &link) && link.has_stats)
    {
      add_stat (&b, "rx_packets", link.stats.rx_packets);
      add_stat (&b, "rx_bytes", link.stats.rx_bytes);
      add_stat (&b, "tx_packets", link.stats.tx_packets);
      add_stat (&b, "tx_bytes", link.stats.tx_bytes);
      add_stat (&b, "rx_dropped", link.stats.rx_dropped);
      add_stat (&b, "tx_dropped", link.stats.tx_dropped);
    }
  g_hash_table_iter_init (&iter, iface->manager->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    {
      guint64 r = 0, p = 0, d = 0;
      char key[48];

      if (lease->ifindex != iface->ifindex ||
          !cnet_xdp_program_get_queue_counters (lease->prog, lease->queue, &r,
                                                &p, &d, NULL))
        continue;
      g_snprintf (key, sizeof key, "q%u_redirected", lease->queue);
      add_stat (&b, key, r);
      g_snprintf (key, sizeof key, "q%u_passed", lease->queue);
      add_stat (&b, key, p);
      g_snprintf (key, sizeof key, "q%u_dropped", lease->queue);
      add_stat (&b, key, d);
    }
  cnetd_dbus_interface_set_stats (iface->skeleton, g_variant_builder_end (&b));
}

void
cnetd_lease_refresh_stats (CnetdLease *lease)
{
  struct xdp_statistics xs = { 0 };
  socklen_t len = sizeof xs;
  guint64 hits[CNET_MATCH_MAX_RULES] = { 0 };
  struct cnet_xdp_queue_counters qc;
  GVariantBuilder b;
  char key[32];

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
  if (getsockopt (lease->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) == 0)
    {
      add_stat (&b, "rx_dropped", xs.rx_dropped);
      add_stat (&b, "rx_invalid_descs", xs.rx_invalid_descs);
      add_stat (&b, "tx_invalid_descs", xs.tx_invalid_descs);
      add_stat (&b, "rx_ring_full", xs.rx_ring_full);
      add_stat (&b, "rx_fill_ring_empty_descs", xs.rx_fill_ring_empty_descs);
      add_stat (&b, "tx_ring_empty_descs", xs.tx_ring_empty_descs);
    }
  if (cnet_xdp_program_read_queue_counters (lease->prog, lease->queue, &qc,
                                            NULL))
    {
      add_stat (&b, "xdp_redirected", qc.redirected);
      add_stat (&b, "xdp_redirected_bytes", qc.redirected_bytes);
      add_stat (&b, "xdp_passed", qc.passed);
      add_stat (&b, "xdp_dropped", qc.dropped);
    }
  if (lease->active &&
      cnet_xdp_program_get_rule_hits (lease->prog, lease->queue, hits,
                                      lease->n_rules, NULL))
    for (guint i = 0; i < lease->n_rules; i++)
      {
        g_snprintf (key, sizeof key, "rule%u_hits", i);
        add_stat (&b, key, hits[i]);
      }
  cnetd_dbus_lease_set_stats (lease->skeleton, g_variant_builder_end (&b));
}

static gboolean
on_stats_timer (gpointer user_data)
{
  CnetdManager *m = user_data;
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    cnetd_lease_refresh_stats (lease);
  /* Interfaces' Stats are read when asked for: refreshing them here would
   * put a PropertiesChanged on the bus every second for every managed
   * interface, busy or not. */
  return G_SOURCE_CONTINUE;
}

/* Looks at draining queues until none is left. */
static gboolean
on_drain_timer (gpointer user_data)
{
  CnetdManager *m = user_data;
  GHashTableIter iter;
  CnetdIface *iface;
  gboolean any = FALSE;

  g_hash_table_iter_init (&iter, m->ifaces);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &iface))
    if (iface->draining->len > 0)
      {
        cnetd_iface_update_free_queues (iface);
        any = any || iface->draining->len > 0;
      }
  if (!any)
    m->drain_timer = 0;
  return any ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void
cnetd_manager_watch_draining (CnetdManager *m)
{
  if (m->drain_timer == 0)
    m->drain_timer = g_timeout_add (CNETD_DRAIN_POLL_MS, on_drain_timer, m);
}

/* --- the preloaded program ---------------------------------------------- */

/* Loading libcnet's program makes the kernel verify it: about half of what
 * a lease on an idle interface takes (docs/benchmarks.md, "Opening a
 * lease"). So one is loaded ahead when cnetd starts and again when a lease
 * ends (when nothing waits on cnetd, and the count of its fds stays what
 * it was before the lease); the next attach takes it and pays only for
 * the kernel's attach. It is attached nowhere and costs no traffic. */
void
cnetd_manager_preload_program (CnetdManager *m)
{
  static gboolean said;
  g_autoptr (GError) error = NULL;

  if (m->stopping || m->config->interfaces[0] == NULL)
    return;
  if (!cnet_xdp_program_preload (&error) && !said)
    {
      /* Leases still load it themselves, and say why if they cannot. */
      g_message ("cannot load libcnet's XDP program ahead: %s", error->message);
      said = TRUE;
    }
}

/* --- the manager --------------------------------------------------------- */

CnetdManager *
cnetd_manager_new (GDBusConnection *connection, CnetdConfig *config,
                   GError **error)
{
  g_autoptr (CnetdManager) m = g_new0 (CnetdManager, 1);
  g_autoptr (GArray) links = NULL;

  m->connection = g_object_ref (connection);
  m->config = config;
  m->nl_fd = -1;
  m->ifaces =
    g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_object_unref);
  m->leases =
    g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_object_unref);
  m->clients = cnetd_clients_new (connection);
  m->uds_leases = g_hash_table_new_full (NULL, NULL, NULL,
                                         (GDestroyNotify) cnetd_uds_lease_free);
  m->server = g_dbus_object_manager_server_new (CNET_DBUS_PATH);

  m->rules = cnetd_method_rules;
  m->skeleton = cnetd_dbus_manager_skeleton_new ();
  cnetd_manager_guard_skeleton (m, m->skeleton);
  cnetd_dbus_manager_set_version (m->skeleton, PACKAGE_VERSION);
  g_signal_connect (m->skeleton, "handle-acquire-queue",
                    G_CALLBACK (cnetd_manager_handle_acquire_queue), m);
  g_signal_connect (m->skeleton, "handle-list-interfaces",
                    G_CALLBACK (handle_list_interfaces), m);
  g_signal_connect (m->skeleton, "handle-list-leases",
                    G_CALLBACK (handle_list_leases), m);
  cnetd_capture_setup (m);
  /* The manager lives at the object manager's own path, which the server
   * does not export objects at: export the interface by hand. */
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (
                                           m->skeleton),
                                         connection, CNET_DBUS_PATH, error))
    return NULL;

  /* Listen first, then list: no change falls between the two. */
  m->nl_fd = cnetd_link_monitor_open (error);
  if (m->nl_fd < 0)
    return NULL;
  links = cnetd_link_dump (error);
  if (links == NULL)
    return NULL;
  for (guint i = 0; i < links->len; i++)
    cnetd_iface_add_or_update (m, &g_array_index (links, CnetdLinkInfo, i));
  m->nl_source = g_unix_fd_add (m->nl_fd, G_IO_IN, cnetd_iface_on_netlink, m);
  m->stats_timer = g_timeout_add_seconds (1, on_stats_timer, m);
  cnetd_manager_preload_program (m);

  g_dbus_object_manager_server_set_connection (m->server, connection);
  /* Last: a client may connect at once, and finds everything ready. */
  m->uds = cnetd_uds_server_new (m, connection, config, error);
  if (m->uds == NULL)
    return NULL;
  return g_steal_pointer (&m);
}

guint
cnetd_manager_get_n_leases (CnetdManager *manager)
{
  return g_hash_table_size (manager->leases);
}

/* Ends every lease (so every program is detached) and unexports all. */
void
cnetd_manager_free (CnetdManager *m)
{
  if (m == NULL)
    return;
  m->stopping = TRUE;
  /* Its clients' leases are the manager's: end them first. */
  cnetd_capture_teardown (m);
  g_clear_pointer (&m->uds, cnetd_uds_server_free);
  g_clear_pointer (&m->uds_leases, g_hash_table_unref);
  if (m->leases != NULL)
    {
      g_autoptr (GList) all = g_hash_table_get_values (m->leases);

      for (GList *l = all; l != NULL; l = l->next)
        cnetd_lease_end (l->data, "cnetd stops");
      g_hash_table_unref (m->leases);
    }
  g_clear_pointer (&m->clients, cnetd_clients_free);
  if (m->stats_timer)
    g_source_remove (m->stats_timer);
  if (m->drain_timer)
    g_source_remove (m->drain_timer);
  if (m->nl_source)
    g_source_remove (m->nl_source);
  if (m->nl_fd >= 0)
    close (m->nl_fd);
  g_clear_pointer (&m->ifaces, g_hash_table_unref);
  if (m->skeleton != NULL &&
      g_dbus_interface_skeleton_has_connection (G_DBUS_INTERFACE_SKELETON (
                                                  m->skeleton),
                                                m->connection))
    g_dbus_interface_skeleton_unexport (
      G_DBUS_INTERFACE_SKELETON (m->skeleton));
  g_clear_object (&m->skeleton);
  g_clear_object (&m->server);
  g_clear_object (&m->connection);
  cnetd_config_free (m->config);
  g_free (m);
}
