/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's objects: the manager, one object per interface, one per lease.
 *
 * A lease's life: AcquireQueue checks the arguments, the caller and the
 * queue, attaches libcnet's XDP program (shared per interface), creates an
 * AF_XDP socket and hands the caller a copy. The caller registers its UMEM
 * and makes the rings on it; Activate binds the socket to the leased queue
 * here, in cnetd, so a client can never bind it elsewhere, and then puts
 * it in the XSKMAP. The lease ends on Release, when the owner's bus name
 * vanishes, when the owner no longer holds the socket, when the interface
 * goes, or when cnetd stops.
 */
#include "cnetd-build-config.h"

#include <dirent.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <linux/if_xdp.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnet-private.h"
#include "cnet-xdp-program.h"
#include "cnetd-auth.h"
#include "cnetd-dbus-generated.h"
#include "cnetd-link.h"
#include "cnetd-manager.h"
#include "cnetd-options.h"

typedef struct
{
  CnetdManager *manager;
  guint ifindex;
  char *name;
  char *path;
  guint n_rx_queues;
  CnetdDBusObjectSkeleton *object;
  CnetdDBusInterface *skeleton;
} CnetdIface;

typedef struct
{
  CnetdManager *manager;
  guint id;
  char *path;
  CnetdDBusObjectSkeleton *object;
  CnetdDBusLease *skeleton;

  guint ifindex;
  char *ifname;
  guint queue;
  char *owner;
  CnetdCaller caller;
  guint watch_id;

  int fd; /* cnetd's copy of the socket */
  ino_t ino;
  gint64 created; /* monotonic, µs */
  CnetXdpProgram *prog;
  gboolean active;
  gboolean need_wakeup;
  CnetBindMode bind_mode;
  struct cnet_xdp_rule rules[CNET_MATCH_MAX_RULES];
  guint n_rules;
} CnetdLease;

struct _CnetdManager
{
  GDBusConnection *connection;
  CnetdConfig *config;
  GDBusObjectManagerServer *server;
  CnetdDBusManager *skeleton;
  GHashTable *ifaces; /* ifindex → CnetdIface */
  GHashTable *leases; /* id → CnetdLease */
  guint next_lease_id;
  int nl_fd;
  guint nl_source;
  guint stats_timer;
};

/* How long a lease that is not active yet may look unheld (its socket in
 * flight to the client) before cnetd ends it. */
#define CNETD_LEASE_GRACE_USEC (5 * G_USEC_PER_SEC)

static void cnetd_lease_end (CnetdLease *lease, const char *why);
static void cnetd_lease_refresh_stats (CnetdLease *lease);
static void cnetd_iface_refresh_stats (CnetdIface *iface);

/* --- Stats read when asked for ------------------------------------------
 *
 * The Stats properties are refreshed every second, and also on each read:
 * a subclass of each generated skeleton wraps the property getter, so
 * busctl get-property and GetAll see the counters of that moment. */

typedef void (*CnetdRefreshFunc) (gpointer owner);

static GVariant *
stats_get_property (GDBusInterfaceVTable *parent, GDBusConnection *connection,
                    const char *sender, const char *path, const char *iface,
                    const char *property, GError **error, gpointer user_data)
{
  CnetdRefreshFunc refresh = g_object_get_data (user_data, "cnetd-refresh");
  gpointer owner = g_object_get_data (user_data, "cnetd-owner");

  if (refresh != NULL && owner != NULL && g_str_equal (property, "Stats"))
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

static gpointer
stats_skeleton_new (GType type, CnetdRefreshFunc refresh, gpointer owner)
{
  GObject *skeleton = g_object_new (type, NULL);

  g_object_set_data (skeleton, "cnetd-refresh", refresh);
  g_object_set_data (skeleton, "cnetd-owner", owner);
  return skeleton;
}

/* --- helpers ------------------------------------------------------------ */

static void
return_error (GDBusMethodInvocation *invocation, GError *error)
{
  g_debug ("%s: %s", g_dbus_method_invocation_get_method_name (invocation),
           error->message);
  g_dbus_method_invocation_return_gerror (invocation, error);
}

static void return_new_error (GDBusMethodInvocation *invocation, CnetError code,
                              const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static void
return_new_error (GDBusMethodInvocation *invocation, CnetError code,
                  const char *fmt, ...)
{
  g_autoptr (GError) error = NULL;
  va_list args;

  va_start (args, fmt);
  error = g_error_new_valist (CNET_ERROR, code, fmt, args);
  va_end (args);
  return_error (invocation, error);
}

static const char *
xdp_mode_name (CnetXdpMode mode)
{
  return mode == CNET_XDP_MODE_NATIVE    ? "native"
         : mode == CNET_XDP_MODE_GENERIC ? "generic"
                                         : "";
}

static CnetdIface *
find_iface_by_name (CnetdManager *m, const char *name)
{
  GHashTableIter iter;
  CnetdIface *iface;

  g_hash_table_iter_init (&iter, m->ifaces);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &iface))
    if (g_str_equal (iface->name, name))
      return iface;
  return NULL;
}

static CnetdLease *
find_lease (CnetdManager *m, guint ifindex, guint queue)
{
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (lease->ifindex == ifindex && lease->queue == queue)
      return lease;
  return NULL;
}

static guint
count_leases_of (CnetdManager *m, const char *owner)
{
  GHashTableIter iter;
  CnetdLease *lease;
  guint n = 0;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    n += g_str_equal (lease->owner, owner);
  return n;
}

/* --- interfaces ---------------------------------------------------------- */

static void
cnetd_iface_update_free_queues (CnetdIface *iface)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("au"));
  for (guint q = 0; q < MIN (iface->n_rx_queues, CNET_XDP_PROGRAM_MAX_QUEUES);
       q++)
    if (find_lease (iface->manager, iface->ifindex, q) == NULL)
      g_variant_builder_add (&b, "u", q);
  cnetd_dbus_interface_set_free_queues (iface->skeleton,
                                        g_variant_builder_end (&b));
}

static CnetXdpProgram *
cnetd_iface_program (CnetdIface *iface)
{
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, iface->manager->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (lease->ifindex == iface->ifindex)
      return lease->prog;
  return NULL;
}

static void
cnetd_iface_update_attached (CnetdIface *iface)
{
  CnetXdpProgram *prog = cnetd_iface_program (iface);

  cnetd_dbus_interface_set_attached_xdp_mode (iface->skeleton,
                                              prog
                                                ? xdp_mode_name (
                                                    cnet_xdp_program_get_mode (
                                                      prog))
                                                : "");
}

static void
cnetd_iface_update (CnetdIface *iface, const CnetdLinkInfo *link)
{
  CnetdDBusInterface *s = iface->skeleton;
  CnetNetdevInfo netdev;
  g_autoptr (GString) mac = g_string_new (NULL);
  const char *modes[3] = { NULL };
  guint64 features = 0;
  guint n_modes = 0;

  g_free (iface->name);
  iface->name = g_strdup (link->name);
  iface->n_rx_queues = link->n_rx_queues;
  if (cnet_netdev_lookup (link->name, &netdev, NULL) && netdev.n_rx_queues)
    iface->n_rx_queues = netdev.n_rx_queues;

  for (guint i = 0; i < link->mac_len; i++)
    g_string_append_printf (mac, "%s%02x", i ? ":" : "", link->mac[i]);
  if (cnet_netdev_xdp_features (link->ifindex, &features) &&
      (features & CNET_NETDEV_XDP_ACT_BASIC))
    modes[n_modes++] = "native";
  modes[n_modes++] = "generic";

  cnetd_dbus_interface_set_name (s, link->name);
  cnetd_dbus_interface_set_ifindex (s, link->ifindex);
  cnetd_dbus_interface_set_mac (s, mac->str);
  cnetd_dbus_interface_set_driver (s, netdev.driver[0] ? netdev.driver
                                                       : "unknown");
  cnetd_dbus_interface_set_mtu (s, link->mtu);
  cnetd_dbus_interface_set_rx_queues (s, iface->n_rx_queues);
  cnetd_dbus_interface_set_tx_queues (s, link->n_tx_queues);
  cnetd_dbus_interface_set_supported_xdp_modes (s, modes);
  cnetd_dbus_interface_set_zero_copy (s,
                                      (features &
                                       CNET_NETDEV_XDP_ACT_XSK_ZEROCOPY) != 0);
  cnetd_dbus_interface_set_managed (s, cnetd_config_manages (iface->manager
                                                               ->config,
                                                             link->name));
  cnetd_iface_update_free_queues (iface);
  cnetd_iface_update_attached (iface);
}

static void
cnetd_iface_add_or_update (CnetdManager *m, const CnetdLinkInfo *link)
{
  CnetdIface *iface =
    g_hash_table_lookup (m->ifaces, GUINT_TO_POINTER (link->ifindex));

  if (iface == NULL)
    {
      iface = g_new0 (CnetdIface, 1);
      iface->manager = m;
      iface->ifindex = link->ifindex;
      iface->path =
        g_strdup_printf (CNET_DBUS_INTERFACES_PATH "/%u", link->ifindex);
      iface->object = cnetd_dbus_object_skeleton_new (iface->path);
      iface->skeleton =
        stats_skeleton_new (cnetd_iface_skeleton_get_type (),
                            (CnetdRefreshFunc) cnetd_iface_refresh_stats,
                            iface);
      cnetd_dbus_object_skeleton_set_interface (iface->object, iface->skeleton);
      g_hash_table_insert (m->ifaces, GUINT_TO_POINTER (link->ifindex), iface);
      cnetd_iface_update (iface, link);
      g_dbus_object_manager_server_export (m->server, G_DBUS_OBJECT_SKELETON (
                                                        iface->object));
      g_debug ("%s: interface %u appeared", link->name, link->ifindex);
      return;
    }
  cnetd_iface_update (iface, link);
}

static void
cnetd_iface_free (CnetdIface *iface)
{
  g_dbus_object_manager_server_unexport (iface->manager->server, iface->path);
  g_object_set_data (G_OBJECT (iface->skeleton), "cnetd-owner", NULL);
  g_clear_object (&iface->skeleton);
  g_clear_object (&iface->object);
  g_free (iface->name);
  g_free (iface->path);
  g_free (iface);
}

static void
cnetd_iface_remove (CnetdManager *m, guint ifindex)
{
  CnetdIface *iface =
    g_hash_table_lookup (m->ifaces, GUINT_TO_POINTER (ifindex));
  g_autoptr (GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  CnetdLease *lease;

  if (iface == NULL)
    return;
  g_debug ("%s: interface %u disappeared", iface->name, ifindex);
  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (lease->ifindex == ifindex)
      g_ptr_array_add (gone, lease);
  for (guint i = 0; i < gone->len; i++)
    cnetd_lease_end (g_ptr_array_index (gone, i), "the interface is gone");
  g_hash_table_remove (m->ifaces, GUINT_TO_POINTER (ifindex));
}

static gboolean
on_netlink (int fd, GIOCondition condition, gpointer user_data)
{
  CnetdManager *m = user_data;
  char buf[32768];
  gssize n;

  while ((n = recv (fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
    {
      for (struct nlmsghdr *nlh = (struct nlmsghdr *) buf;
           NLMSG_OK (nlh, (guint) n); nlh = NLMSG_NEXT (nlh, n))
        {
          CnetdLinkInfo link;

          if (!cnetd_link_parse (nlh, &link))
            continue;
          if (nlh->nlmsg_type == RTM_DELLINK)
            cnetd_iface_remove (m, link.ifindex);
          else
            cnetd_iface_add_or_update (m, &link);
        }
    }
  return G_SOURCE_CONTINUE;
}

/* --- statistics ---------------------------------------------------------- */

static void
add_stat (GVariantBuilder *b, const char *key, guint64 value)
{
  g_variant_builder_add (b, "{st}", key, value);
}

static void
cnetd_iface_refresh_stats (CnetdIface *iface)
{
  CnetdLinkInfo link;
  GVariantBuilder b;
  GHashTableIter iter;
  CnetdLease *lease;

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

static void
cnetd_lease_refresh_stats (CnetdLease *lease)
{
  struct xdp_statistics xs = { 0 };
  socklen_t len = sizeof xs;
  guint64 hits[CNET_MATCH_MAX_RULES] = { 0 };
  guint64 r = 0, p = 0, d = 0;
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
  if (cnet_xdp_program_get_queue_counters (lease->prog, lease->queue, &r, &p,
                                           &d, NULL))
    {
      add_stat (&b, "xdp_redirected", r);
      add_stat (&b, "xdp_passed", p);
      add_stat (&b, "xdp_dropped", d);
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

/* Whether the lease's owner still holds the socket: a client may close it
 * without releasing the lease or leaving the bus. */
static gboolean
cnetd_lease_owner_holds_socket (CnetdLease *lease)
{
  g_autofree char *dir_path =
    g_strdup_printf ("/proc/%u/fd", lease->caller.pid);
  g_autofree char *want =
    g_strdup_printf ("socket:[%lu]", (unsigned long) lease->ino);
  DIR *dir = opendir (dir_path);
  struct dirent *de;
  gboolean found = FALSE;

  if (dir == NULL)
    return TRUE; /* cannot look (or gone: the bus name watch handles it) */
  while (!found && (de = readdir (dir)) != NULL)
    {
      char path[300];
      char target[64];
      gssize n;

      g_snprintf (path, sizeof path, "%s/%s", dir_path, de->d_name);
      n = readlink (path, target, sizeof target - 1);
      if (n > 0)
        {
          target[n] = '\0';
          found = g_str_equal (target, want);
        }
    }
  closedir (dir);
  return found;
}

static gboolean
on_stats_timer (gpointer user_data)
{
  CnetdManager *m = user_data;
  g_autoptr (GPtrArray) closed = g_ptr_array_new ();
  GHashTableIter iter;
  CnetdLease *lease;

  g_hash_table_iter_init (&iter, m->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    {
      /* Until it is active, a new lease's socket may still be on its way
       * (in the reply, not yet in the client's fd table): give the client
       * a grace period before concluding that it closed it. */
      gboolean settled =
        lease->active ||
        g_get_monotonic_time () - lease->created > CNETD_LEASE_GRACE_USEC;

      if (settled && !cnetd_lease_owner_holds_socket (lease))
        g_ptr_array_add (closed, lease);
      else
        cnetd_lease_refresh_stats (lease);
    }
  for (guint i = 0; i < closed->len; i++)
    cnetd_lease_end (g_ptr_array_index (closed, i),
                     "its owner closed the socket");
  /* Interfaces' Stats are read when asked for: refreshing them here would
   * put a PropertiesChanged on the bus every second for every managed
   * interface, busy or not. */
  return G_SOURCE_CONTINUE;
}

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

/* Ends @lease: the socket leaves the XSKMAP, the queue's rules go, cnetd's
 * copy of the socket is closed and, with the last lease on the interface,
 * the XDP program is detached (the CnetXdpProgram's last reference). */
static void
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
  if (lease->active)
    cnet_xdp_program_clear_socket (lease->prog, lease->queue);
  cnet_xdp_program_release_queue (lease->prog, lease->queue, lease);
  if (lease->fd >= 0)
    close (lease->fd);
  lease->fd = -1;
  g_dbus_object_manager_server_unexport (m->server, lease->path);

  g_hash_table_steal (m->leases, GUINT_TO_POINTER (lease->id));
  iface = g_hash_table_lookup (m->ifaces, GUINT_TO_POINTER (lease->ifindex));
  cnetd_lease_free (lease);
  if (iface != NULL)
    {
      cnetd_iface_update_free_queues (iface);
      cnetd_iface_update_attached (iface);
    }
}

static void
on_owner_vanished (GDBusConnection *connection, const char *name,
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
            return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                              "lease %u (%s queue %u) belongs to %s, not to "
                              "%s",
                              lease->id, lease->ifname, lease->queue,
                              lease->owner, sender);
            return NULL;
          }
        return lease;
      }
  return_new_error (invocation, CNET_ERROR_NOT_FOUND, "no lease at %s", path);
  return NULL;
}

static gboolean
handle_release (CnetdDBusLease *skeleton, GDBusMethodInvocation *invocation,
                gpointer user_data)
{
  CnetdLease *lease = lease_of_call (user_data, invocation);

  if (lease == NULL)
    return TRUE;
  cnetd_lease_end (lease, "released");
  cnetd_dbus_lease_complete_release (skeleton, invocation);
  return TRUE;
}

static gboolean
handle_activate (CnetdDBusLease *skeleton, GDBusMethodInvocation *invocation,
                 gpointer user_data)
{
  CnetdLease *lease = lease_of_call (user_data, invocation);
  g_autoptr (GError) error = NULL;
  struct sockaddr_xdp sxdp = { .sxdp_family = AF_XDP };
  guint64 features = 0;
  gboolean zerocopy;

  if (lease == NULL)
    return TRUE;
  if (lease->active)
    {
      return_new_error (invocation, CNET_ERROR_INVALID_STATE,
                        "lease %u (%s queue %u) is active already", lease->id,
                        lease->ifname, lease->queue);
      return TRUE;
    }

  zerocopy = lease->bind_mode == CNET_BIND_MODE_ZEROCOPY ||
             (lease->bind_mode == CNET_BIND_MODE_AUTO &&
              cnet_netdev_xdp_features (lease->ifindex, &features) &&
              (features & CNET_NETDEV_XDP_ACT_XSK_ZEROCOPY));
  sxdp.sxdp_ifindex = lease->ifindex;
  sxdp.sxdp_queue_id = lease->queue;
  sxdp.sxdp_flags = (zerocopy ? XDP_ZEROCOPY : XDP_COPY) |
                    (lease->need_wakeup ? XDP_USE_NEED_WAKEUP : 0);
  if (bind (lease->fd, (struct sockaddr *) &sxdp, sizeof sxdp) < 0)
    {
      int errsv = errno;
      const char *hint =
        errsv == EINVAL       ? ": register the UMEM and create the four rings "
                                "on the socket first"
        : errsv == EBUSY      ? ": the queue has another AF_XDP socket"
        : errsv == EOPNOTSUPP ? ": the driver cannot do zero-copy"
                              : "";

      return_new_error (invocation,
                        errsv == EINVAL ? CNET_ERROR_INVALID_STATE
                                        : cnet_error_from_errno (errsv),
                        "%s queue %u: cannot bind the socket: %s%s",
                        lease->ifname, lease->queue, g_strerror (errsv), hint);
      return TRUE;
    }
  if (!cnet_xdp_program_set_rules (lease->prog, lease->queue, lease->rules,
                                   lease->n_rules, &error) ||
      !cnet_xdp_program_set_socket (lease->prog, lease->queue, lease->fd,
                                    &error))
    {
      return_error (invocation, error);
      cnetd_lease_end (lease, "its socket cannot be steered to");
      return TRUE;
    }
  lease->active = TRUE;
  cnetd_dbus_lease_set_active (skeleton, TRUE);
  cnetd_dbus_lease_set_bind_mode (skeleton, zerocopy ? "zerocopy" : "copy");
  cnetd_lease_refresh_stats (lease);
  g_message ("lease %u (%s queue %u) active, %s bind", lease->id, lease->ifname,
             lease->queue, zerocopy ? "zero-copy" : "copy");
  cnetd_dbus_lease_complete_activate (skeleton, invocation);
  return TRUE;
}

/* --- AcquireQueue ------------------------------------------------------- */

typedef struct
{
  CnetdManager *manager;
  GDBusMethodInvocation *invocation;
  char *ifname;
  guint queue;
  CnetdAcquireOptions opts;
  CnetdCaller caller;
} AcquireRequest;

static void
acquire_request_free (AcquireRequest *req)
{
  g_object_unref (req->invocation);
  g_free (req->ifname);
  cnetd_acquire_options_clear (&req->opts);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AcquireRequest, acquire_request_free)

static void
finish_acquire (AcquireRequest *req)
{
  CnetdManager *m = req->manager;
  GDBusMethodInvocation *invocation = req->invocation;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr (GError) error = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (CnetXdpProgram) prog = NULL;
  CnetdIface *iface;
  CnetdLease *lease, *other;
  struct stat st;
  guint queue = req->queue;
  int fd;

  /* The world may have changed while polkit thought. */
  iface = find_iface_by_name (m, req->ifname);
  if (iface == NULL)
    {
      return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                        "%s: no such interface", req->ifname);
      return;
    }
  if (count_leases_of (m, sender) >= m->config->max_leases_per_client)
    {
      return_new_error (invocation, CNET_ERROR_LIMIT_EXCEEDED,
                        "%s holds %u leases, the most cnetd allows one "
                        "client",
                        sender, m->config->max_leases_per_client);
      return;
    }
  if (queue == CNET_DBUS_ANY_QUEUE)
    {
      for (queue = 0;
           queue < MIN (iface->n_rx_queues, CNET_XDP_PROGRAM_MAX_QUEUES);
           queue++)
        if (find_lease (m, iface->ifindex, queue) == NULL)
          break;
      if (queue >= MIN (iface->n_rx_queues, CNET_XDP_PROGRAM_MAX_QUEUES))
        {
          return_new_error (invocation, CNET_ERROR_BUSY,
                            "%s: every one of its %u queues is leased",
                            req->ifname, iface->n_rx_queues);
          return;
        }
    }
  else if (queue >= iface->n_rx_queues || queue >= CNET_XDP_PROGRAM_MAX_QUEUES)
    {
      return_new_error (invocation, CNET_ERROR_OUT_OF_RANGE,
                        "%s queue %u: the interface has %u receive queues "
                        "(0 to %u)",
                        req->ifname, queue, iface->n_rx_queues,
                        iface->n_rx_queues - 1);
      return;
    }
  other = find_lease (m, iface->ifindex, queue);
  if (other != NULL)
    {
      return_new_error (invocation, CNET_ERROR_BUSY,
                        "%s queue %u: queue is leased to %s (pid %u)",
                        req->ifname, queue, other->owner, other->caller.pid);
      return;
    }

  prog = cnet_xdp_program_attach (req->ifname, req->opts.xdp_mode,
                                  CNET_XDP_ATTACH_NONE, &error);
  if (prog == NULL)
    {
      return_error (invocation, error);
      return;
    }
  if (!cnet_xdp_program_claim_queue (prog, queue, req, &error))
    {
      return_error (invocation, error);
      return;
    }
  fd = socket (AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) < 0)
    {
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      cnet_xdp_program_release_queue (prog, queue, req);
      return_new_error (invocation, cnet_error_from_errno (errsv),
                        "%s queue %u: cannot create an AF_XDP socket: %s",
                        req->ifname, queue, g_strerror (errsv));
      return;
    }

  lease = g_new0 (CnetdLease, 1);
  lease->manager = m;
  lease->id = ++m->next_lease_id;
  lease->path = g_strdup_printf (CNET_DBUS_LEASES_PATH "/%u", lease->id);
  lease->ifindex = iface->ifindex;
  lease->ifname = g_strdup (req->ifname);
  lease->queue = queue;
  lease->owner = g_strdup (sender);
  lease->caller = req->caller;
  lease->fd = fd;
  lease->ino = st.st_ino;
  lease->created = g_get_monotonic_time ();
  lease->prog = g_steal_pointer (&prog);
  lease->need_wakeup = req->opts.need_wakeup;
  lease->bind_mode = req->opts.bind_mode;
  memcpy (lease->rules, req->opts.rules, sizeof lease->rules);
  lease->n_rules = req->opts.n_rules;
  /* The queue was claimed for the request; it is the lease's now. */
  cnet_xdp_program_release_queue (lease->prog, queue, req);
  if (!cnet_xdp_program_claim_queue (lease->prog, queue, lease, &error))
    g_assert_not_reached ();

  lease->object = cnetd_dbus_object_skeleton_new (lease->path);
  lease->skeleton =
    stats_skeleton_new (cnetd_lease_skeleton_get_type (),
                        (CnetdRefreshFunc) cnetd_lease_refresh_stats, lease);
  cnetd_dbus_lease_set_interface (lease->skeleton, lease->ifname);
  cnetd_dbus_lease_set_interface_object (lease->skeleton, iface->path);
  cnetd_dbus_lease_set_queue (lease->skeleton, queue);
  cnetd_dbus_lease_set_owner (lease->skeleton, sender);
  cnetd_dbus_lease_set_uid (lease->skeleton, req->caller.uid);
  cnetd_dbus_lease_set_pid (lease->skeleton, req->caller.pid);
  cnetd_dbus_lease_set_active (lease->skeleton, FALSE);
  cnetd_dbus_lease_set_bind_mode (lease->skeleton, "");
  cnetd_dbus_lease_set_rules (lease->skeleton,
                              req->opts.rules_text
                                ? (const char *const *) req->opts.rules_text
                                : (const char *const[]){ NULL });
  g_signal_connect (lease->skeleton, "handle-activate",
                    G_CALLBACK (handle_activate), m);
  g_signal_connect (lease->skeleton, "handle-release",
                    G_CALLBACK (handle_release), m);
  cnetd_dbus_object_skeleton_set_lease (lease->object, lease->skeleton);
  cnetd_lease_refresh_stats (lease);
  g_hash_table_insert (m->leases, GUINT_TO_POINTER (lease->id), lease);
  g_dbus_object_manager_server_export (m->server,
                                       G_DBUS_OBJECT_SKELETON (lease->object));
  lease->watch_id =
    g_bus_watch_name_on_connection (m->connection, sender,
                                    G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                    on_owner_vanished, m, NULL);
  cnetd_iface_update_free_queues (iface);
  cnetd_iface_update_attached (iface);

  g_message ("lease %u: %s queue %u to %s (uid %u, pid %u)", lease->id,
             lease->ifname, queue, sender, req->caller.uid, req->caller.pid);
  fds = g_unix_fd_list_new ();
  if (g_unix_fd_list_append (fds, fd, &error) < 0)
    {
      return_error (invocation, error);
      cnetd_lease_end (lease, "its socket could not be passed");
      return;
    }
  /* Takes the invocation's reference; the request keeps its own. */
  cnetd_dbus_manager_complete_acquire_queue (m->skeleton, invocation, fds,
                                             lease->path,
                                             g_variant_new_handle (0));
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
      return_error (req->invocation, error);
      return;
    }
  finish_acquire (req);
}

static void
on_caller (GObject *source, GAsyncResult *res, gpointer user_data)
{
  AcquireRequest *req = user_data;
  g_autoptr (GError) error = NULL;

  if (!cnetd_auth_get_caller_finish (res, &req->caller, &error))
    {
      return_error (req->invocation, error);
      acquire_request_free (req);
      return;
    }
  cnetd_auth_check_async (req->manager->connection, req->manager->config,
                          g_dbus_method_invocation_get_sender (req->invocation),
                          &req->caller, CNETD_ACTION_ACQUIRE_QUEUE,
                          on_authorized, req);
}

static gboolean
handle_acquire_queue (CnetdDBusManager *skeleton,
                      GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
                      const char *ifname, guint queue, GVariant *options,
                      gpointer user_data)
{
  CnetdManager *m = user_data;
  g_autoptr (AcquireRequest) req = g_new0 (AcquireRequest, 1);
  g_autoptr (GError) error = NULL;
  CnetdIface *iface;

  req->manager = m;
  req->invocation = g_object_ref (invocation);
  req->ifname = g_strdup (ifname);
  req->queue = queue;
  cnetd_acquire_options_init (&req->opts);

  if (!cnetd_acquire_options_parse (&req->opts, options, &error))
    {
      return_error (invocation, error);
      return TRUE;
    }
  iface = find_iface_by_name (m, ifname);
  if (iface == NULL)
    {
      return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                        "%s: no such interface", ifname);
      return TRUE;
    }
  if (!cnetd_config_manages (m->config, ifname))
    {
      return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                        "%s: cnetd's configuration (%s) does not let it "
                        "manage this interface",
                        ifname,
                        m->config->path ? m->config->path : "the defaults");
      return TRUE;
    }
  cnetd_auth_get_caller_async (m->connection,
                               g_dbus_method_invocation_get_sender (invocation),
                               on_caller, g_steal_pointer (&req));
  return TRUE;
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
  g_ptr_array_add (paths, NULL);
  cnetd_dbus_manager_complete_list_leases (skeleton, invocation,
                                           (const char *const *) paths->pdata);
  return TRUE;
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
    g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) cnetd_iface_free);
  m->leases = g_hash_table_new (NULL, NULL);
  m->server = g_dbus_object_manager_server_new (CNET_DBUS_PATH);

  m->skeleton = cnetd_dbus_manager_skeleton_new ();
  cnetd_dbus_manager_set_version (m->skeleton, PACKAGE_VERSION);
  g_signal_connect (m->skeleton, "handle-acquire-queue",
                    G_CALLBACK (handle_acquire_queue), m);
  g_signal_connect (m->skeleton, "handle-list-interfaces",
                    G_CALLBACK (handle_list_interfaces), m);
  g_signal_connect (m->skeleton, "handle-list-leases",
                    G_CALLBACK (handle_list_leases), m);
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
  m->nl_source = g_unix_fd_add (m->nl_fd, G_IO_IN, on_netlink, m);
  m->stats_timer = g_timeout_add_seconds (1, on_stats_timer, m);

  g_dbus_object_manager_server_set_connection (m->server, connection);
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
  if (m->leases != NULL)
    {
      g_autoptr (GList) all = g_hash_table_get_values (m->leases);

      for (GList *l = all; l != NULL; l = l->next)
        cnetd_lease_end (l->data, "cnetd stops");
      g_hash_table_unref (m->leases);
    }
  if (m->stats_timer)
    g_source_remove (m->stats_timer);
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
