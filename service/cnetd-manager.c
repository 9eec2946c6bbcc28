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

#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <linux/if_xdp.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cnet-private.h"
#include "cnet-xdp-program.h"
#include "cnetd-auth.h"
#include "cnetd-bouncer.h"
#include "cnetd-dbus-generated.h"
#include "cnetd-link.h"
#include "cnetd-manager.h"
#include "cnetd-options.h"
#include "cnetd-uds.h"
#include "cnetd-xsk.h"

typedef struct
{
  CnetdManager *manager;
  guint ifindex;
  char *name;
  char *path;
  guint n_rx_queues;
  CnetdDBusObjectSkeleton *object;
  CnetdDBusInterface *skeleton;
  GPtrArray *draining; /* CnetdDrain *, owned */
} CnetdIface;

/* A queue whose lease ended while its socket may still be open somewhere:
 * not leased again until the kernel says no socket is bound to it. Its
 * UMEM stays pinned meanwhile and still counts against its user. */
typedef struct
{
  guint queue;
  guint lease_id;
  char *owner;
  guint uid;
  guint pid;
  int pidfd; /* the owner process, to tell whether it still lives */
  dev_t umem_dev;
  ino_t umem_ino;
  guint64 umem_bytes;
} CnetdDrain;

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

  int fd;       /* cnetd's copy of the socket */
  int guard_fd; /* cnetd's end of the guard; the client holds the other */
  guint guard_source;
  int pidfd; /* the owner process */
  guint pid_source;
  dev_t umem_dev; /* the client's memfd */
  ino_t umem_ino;
  guint64 umem_bytes;
  CnetXdpProgram *prog;
  gboolean active;
  gboolean need_wakeup;
  gboolean zerocopy;
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
  guint drain_timer;
  GHashTable *uds_leases; /* id → CnetdUdsLease (cnetd-uds.c's clients) */
  CnetdUdsServer *uds;
  const CnetdMethodRule *rules; /* cnetd-bouncer.c's table */
};

static void cnetd_manager_guard_skeleton (CnetdManager *m, gpointer skeleton);

/* What a client of the device plugin's socket holds (cnetd-uds.c): an
 * interface's XSKMAP; shown as a lease of kind "uds" and counted in its
 * user's limits. */
typedef struct
{
  guint id;
  guint uid;
  char *path;
  CnetdDBusObjectSkeleton *object;
  CnetdDBusLease *skeleton;
} CnetdUdsLease;

/* How often draining queues are looked at (netdev netlink; the kernel
 * sends no event when a socket's buffer pool goes). */
#define CNETD_DRAIN_POLL_MS 100
/* How long AcquireQueue waits for a draining queue whose owner process
 * has exited before it says Busy: the kernel's release of the socket runs
 * after an RCU grace period, from a work queue that takes the RTNL lock,
 * which a busy machine (namespaces coming and going) can hold for long. */
#define CNETD_DRAIN_WAIT_USEC (30 * G_USEC_PER_SEC)
#define CNETD_DRAIN_RETRY_MS 10

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
count_leases_of_user (CnetdManager *m, guint uid)
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
  return n;
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
static guint64
umem_bytes_of_user (CnetdManager *m, guint uid)
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
static CnetdLease *
find_umem_lease (CnetdManager *m, const char *owner, const CnetdUmem *umem)
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

/* --- interfaces ---------------------------------------------------------- */

static void
cnetd_drain_free (CnetdDrain *d)
{
  if (d->pidfd >= 0)
    close (d->pidfd);
  g_free (d->owner);
  g_free (d);
}

static CnetdDrain *
cnetd_iface_find_drain (CnetdIface *iface, guint queue)
{
  for (guint i = 0; i < iface->draining->len; i++)
    {
      CnetdDrain *d = g_ptr_array_index (iface->draining, i);
      if (d->queue == queue)
        return d;
    }
  return NULL;
}

typedef enum
{
  QUEUE_FREE,
  QUEUE_LEASED,
  QUEUE_DRAINING, /* a lease of ours ended; its socket may still be open */
  QUEUE_OCCUPIED, /* a socket cnetd did not lease is bound to it */
} QueueState;

/* What @queue is now. A draining queue whose socket the kernel no longer
 * has is free: its entry goes here. */
static QueueState
cnetd_iface_queue_state (CnetdIface *iface, guint queue)
{
  CnetdDrain *d;
  gboolean has_xsk = FALSE;
  gboolean known;

  if (find_lease (iface->manager, iface->ifindex, queue) != NULL)
    return QUEUE_LEASED;
  known = cnet_netdev_queue_has_xsk (iface->ifindex, queue, &has_xsk);
  d = cnetd_iface_find_drain (iface, queue);
  if (d != NULL)
    {
      /* Without the kernel's word (before Linux 6.13), bind() decides. */
      if (!known || !has_xsk)
        {
          g_message ("%s queue %u: drained; the socket of lease %u is closed",
                     iface->name, queue, d->lease_id);
          g_ptr_array_remove (iface->draining, d);
          return QUEUE_FREE;
        }
      return QUEUE_DRAINING;
    }
  return known && has_xsk ? QUEUE_OCCUPIED : QUEUE_FREE;
}

static void
cnetd_iface_update_free_queues (CnetdIface *iface)
{
  GVariantBuilder free_b, drain_b;

  g_variant_builder_init (&free_b, G_VARIANT_TYPE ("au"));
  g_variant_builder_init (&drain_b, G_VARIANT_TYPE ("au"));
  for (guint q = 0; q < MIN (iface->n_rx_queues, CNET_XDP_PROGRAM_MAX_QUEUES);
       q++)
    switch (cnetd_iface_queue_state (iface, q))
      {
      case QUEUE_FREE:
        g_variant_builder_add (&free_b, "u", q);
        break;
      case QUEUE_DRAINING:
        g_variant_builder_add (&drain_b, "u", q);
        break;
      case QUEUE_LEASED:
      case QUEUE_OCCUPIED:
      default:
        break;
      }
  cnetd_dbus_interface_set_free_queues (iface->skeleton,
                                        g_variant_builder_end (&free_b));
  cnetd_dbus_interface_set_draining_queues (iface->skeleton,
                                            g_variant_builder_end (&drain_b));
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
      iface->draining =
        g_ptr_array_new_with_free_func ((GDestroyNotify) cnetd_drain_free);
      iface->path =
        g_strdup_printf (CNET_DBUS_INTERFACES_PATH "/%u", link->ifindex);
      iface->object = cnetd_dbus_object_skeleton_new (iface->path);
      iface->skeleton =
        stats_skeleton_new (cnetd_iface_skeleton_get_type (),
                            (CnetdRefreshFunc) cnetd_iface_refresh_stats,
                            iface);
      cnetd_manager_guard_skeleton (m, iface->skeleton);
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
  g_ptr_array_unref (iface->draining);
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
  if (m->uds != NULL)
    cnetd_uds_server_interface_gone (m->uds, iface->name);
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

static void
cnetd_manager_watch_draining (CnetdManager *m)
{
  if (m->drain_timer == 0)
    m->drain_timer = g_timeout_add (CNETD_DRAIN_POLL_MS, on_drain_timer, m);
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

/* Ends @lease: the socket leaves the XSKMAP (receiving stops at once), the
 * queue's rules go, the guard hangs up (the client's port reports
 * CNET_ERROR_LEASE_ENDED), cnetd's copy of the socket is closed and, with
 * the last lease on the interface, the XDP program is detached (the
 * CnetXdpProgram's last reference). The queue drains until the kernel
 * says its socket is gone. */
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
  g_clear_handle_id (&lease->guard_source, g_source_remove);
  g_clear_handle_id (&lease->pid_source, g_source_remove);
  if (lease->active)
    cnet_xdp_program_clear_socket (lease->prog, lease->queue);
  cnet_xdp_program_release_queue (lease->prog, lease->queue, lease);
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
}

static gboolean
on_guard_hup (int fd, GIOCondition condition, gpointer user_data)
{
  CnetdLease *lease = user_data;

  lease->guard_source = 0;
  cnetd_lease_end (lease, "its owner closed its guard");
  return G_SOURCE_REMOVE;
}

static gboolean
on_owner_exited (int fd, GIOCondition condition, gpointer user_data)
{
  CnetdLease *lease = user_data;

  lease->pid_source = 0;
  cnetd_lease_end (lease, "its owner process exited");
  return G_SOURCE_REMOVE;
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
      return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                        "%s.%s on %s is not allowed: cnetd answers only the "
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
        return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                          "lease %u (%s queue %u) belongs to %s, not to %s",
                          lease->id, lease->ifname, lease->queue, lease->owner,
                          sender);
        return FALSE;
      }
  return TRUE;
}

static void
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

  if (lease == NULL)
    return TRUE;
  if (lease->active)
    {
      return_new_error (invocation, CNET_ERROR_INVALID_STATE,
                        "lease %u (%s queue %u) is active already", lease->id,
                        lease->ifname, lease->queue);
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
      return_error (invocation, error);
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

static gboolean
handle_set_rules (CnetdDBusLease *skeleton, GDBusMethodInvocation *invocation,
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
      return_error (invocation, error);
      return TRUE;
    }
  if (lease->active && !cnet_xdp_program_set_rules (lease->prog, lease->queue,
                                                    parsed, n, &error))
    {
      return_error (invocation, error);
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
      other = find_lease (iface->manager, iface->ifindex, queue);
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

/* Makes a guard pair: cnetd keeps one end, watched for the client hanging
 * up; its own reading side is shut so that a client cannot queue data in
 * cnetd's memory. Returns the client's end, or -1. */
static int
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
  lease->guard_source =
    g_unix_fd_add (pair[0], G_IO_HUP | G_IO_ERR, on_guard_hup, lease);
  return pair[1];
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
  iface = find_iface_by_name (m, req->ifname);
  if (iface == NULL)
    {
      return_new_error (invocation, CNET_ERROR_NOT_FOUND,
                        "%s: no such interface", req->ifname);
      return FALSE;
    }
  if (count_leases_of_user (m, req->caller.uid) >= config->max_leases_per_user)
    {
      return_new_error (invocation, CNET_ERROR_LIMIT_EXCEEDED,
                        "uid %u holds %u leases, the most cnetd allows one "
                        "user (max-leases-per-user)",
                        req->caller.uid, config->max_leases_per_user);
      return FALSE;
    }
  sharing = find_umem_lease (m, sender, &req->umem);
  user_bytes = umem_bytes_of_user (m, req->caller.uid);
  if (sharing == NULL &&
      user_bytes + req->umem.size > config->max_umem_bytes_per_user)
    {
      return_new_error (invocation, CNET_ERROR_LIMIT_EXCEEDED,
                        "uid %u has %" G_GUINT64_FORMAT " bytes of UMEM "
                        "pinned through cnetd; %" G_GUINT64_FORMAT " more "
                        "would pass max-umem-bytes-per-user (%" G_GUINT64_FORMAT
                        " bytes)",
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
          return_new_error (invocation, CNET_ERROR_BUSY,
                            "%s: none of its %u queues is free (leased, "
                            "draining, or with a socket of another program)",
                            req->ifname, iface->n_rx_queues);
          return FALSE;
        }
    }
  else if (queue >= n_queues)
    {
      return_new_error (invocation, CNET_ERROR_OUT_OF_RANGE,
                        "%s queue %u: the interface has %u receive queues "
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
      return_new_error (invocation, CNET_ERROR_BUSY, "%s queue %u: %s",
                        req->ifname, queue, reason);
      return FALSE;
    }

  /* The owner process, to end the lease when it exits. The bus saw this
   * pid when the caller connected; if it is gone, so is the caller. */
  pidfd = (int) syscall (SYS_pidfd_open, (pid_t) req->caller.pid, 0);
  if (pidfd < 0)
    {
      int errsv = errno;
      return_new_error (invocation, CNET_ERROR_INVALID_STATE,
                        "%s queue %u: cannot watch the caller's process %u: "
                        "%s",
                        req->ifname, queue, req->caller.pid,
                        g_strerror (errsv));
      return FALSE;
    }

  prog = cnet_xdp_program_attach (req->ifname, req->opts.xdp_mode,
                                  CNET_XDP_ATTACH_NONE, &error);
  if (prog == NULL || !cnet_xdp_program_claim_queue (prog, queue, req, &error))
    {
      close (pidfd);
      return_error (invocation, error);
      return FALSE;
    }
  if (sharing != NULL)
    req->opts.need_wakeup = sharing->need_wakeup;
  fd = cnetd_xsk_open (req->ifname, iface->ifindex, queue, &req->opts,
                       &req->umem, sharing ? sharing->fd : -1, &bound, &error);
  if (fd < 0)
    {
      close (pidfd);
      cnet_xdp_program_release_queue (prog, queue, req);
      return_error (invocation, error);
      return FALSE;
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
  lease->guard_fd = -1;
  lease->pidfd = pidfd;
  lease->umem_dev = req->umem.dev;
  lease->umem_ino = req->umem.ino;
  lease->umem_bytes = req->umem.size;
  lease->prog = g_steal_pointer (&prog);
  lease->need_wakeup = bound.need_wakeup;
  lease->zerocopy = bound.zerocopy;
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
  cnetd_dbus_lease_set_kind (lease->skeleton, "dbus");
  cnetd_dbus_lease_set_owner (lease->skeleton, sender);
  cnetd_dbus_lease_set_uid (lease->skeleton, req->caller.uid);
  cnetd_dbus_lease_set_pid (lease->skeleton, req->caller.pid);
  cnetd_dbus_lease_set_active (lease->skeleton, FALSE);
  cnetd_dbus_lease_set_bind_mode (lease->skeleton,
                                  bound.zerocopy ? "zerocopy" : "copy");
  cnetd_dbus_lease_set_rules (lease->skeleton,
                              req->opts.rules_text
                                ? (const char *const *) req->opts.rules_text
                                : (const char *const[]){ NULL });
  cnetd_manager_guard_skeleton (m, lease->skeleton);
  g_signal_connect (lease->skeleton, "handle-activate",
                    G_CALLBACK (handle_activate), m);
  g_signal_connect (lease->skeleton, "handle-release",
                    G_CALLBACK (handle_release), m);
  g_signal_connect (lease->skeleton, "handle-set-rules",
                    G_CALLBACK (handle_set_rules), m);
  cnetd_dbus_object_skeleton_set_lease (lease->object, lease->skeleton);
  cnetd_lease_refresh_stats (lease);
  g_hash_table_insert (m->leases, GUINT_TO_POINTER (lease->id), lease);
  g_dbus_object_manager_server_export (m->server,
                                       G_DBUS_OBJECT_SKELETON (lease->object));
  lease->watch_id =
    g_bus_watch_name_on_connection (m->connection, sender,
                                    G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                    on_owner_vanished, m, NULL);
  lease->pid_source =
    g_unix_fd_add (lease->pidfd, G_IO_IN, on_owner_exited, lease);
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
      return_error (invocation, error);
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
      return_error (req->invocation, error);
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
  if (cnetd_config_find_uds (m->config, ifname) != NULL)
    {
      return_new_error (invocation, CNET_ERROR_PERMISSION_DENIED,
                        "%s: cnetd serves this interface over the device "
                        "plugin's socket %s, whose clients may write any "
                        "queue's XSKMAP entry; it leases none of its queues "
                        "over D-Bus",
                        ifname,
                        cnetd_config_find_uds (m->config, ifname)->path);
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
  if (fd_list == NULL || handle < 0 ||
      handle >= g_unix_fd_list_get_length (fd_list))
    {
      return_new_error (invocation, CNET_ERROR_INVALID_ARGUMENT,
                        "%s: the UMEM handle %d names no file descriptor of "
                        "the call",
                        ifname, handle);
      return TRUE;
    }
  fd = g_unix_fd_list_get (fd_list, handle, &error);
  if (fd < 0 ||
      !cnetd_umem_check (&req->umem, fd, req->opts.frame_size, &error))
    {
      g_prefix_error (&error, "%s: ", ifname);
      return_error (invocation, error);
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
  g_hash_table_iter_init (&iter, m->uds_leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    g_ptr_array_add (paths, ((CnetdUdsLease *) lease)->path);
  g_ptr_array_add (paths, NULL);
  cnetd_dbus_manager_complete_list_leases (skeleton, invocation,
                                           (const char *const *) paths->pdata);
  return TRUE;
}

/* --- leases of the device plugin's socket (cnetd-uds.c) ------------------ */

static gboolean
handle_uds_lease_method (CnetdDBusLease *skeleton,
                         GDBusMethodInvocation *invocation, gpointer user_data)
{
  return_new_error (invocation, CNET_ERROR_NOT_SUPPORTED,
                    "%s is held through the device plugin's socket (%s); it "
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

static void
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
  CnetdIface *iface = find_iface_by_name (m, ifname);
  g_autofree char *owner = g_strdup_printf ("uds:%s", socket_path);
  CnetdUdsLease *ul;

  if (iface == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                   "%s: no such interface", ifname);
      return FALSE;
    }
  if (count_leases_of_user (m, uid) >= m->config->max_leases_per_user)
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
  m->uds_leases = g_hash_table_new_full (NULL, NULL, NULL,
                                         (GDestroyNotify) cnetd_uds_lease_free);
  m->server = g_dbus_object_manager_server_new (CNET_DBUS_PATH);

  m->rules = cnetd_method_rules;
  m->skeleton = cnetd_dbus_manager_skeleton_new ();
  cnetd_manager_guard_skeleton (m, m->skeleton);
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
  /* Its clients' leases are the manager's: end them first. */
  g_clear_pointer (&m->uds, cnetd_uds_server_free);
  g_clear_pointer (&m->uds_leases, g_hash_table_unref);
  if (m->leases != NULL)
    {
      g_autoptr (GList) all = g_hash_table_get_values (m->leases);

      for (GList *l = all; l != NULL; l = l->next)
        cnetd_lease_end (l->data, "cnetd stops");
      g_hash_table_unref (m->leases);
    }
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
