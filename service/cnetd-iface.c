/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's interface objects (CnetdIface, cnetd-iface.h): one per network
 * interface, kept up to date from rtnetlink, with the queues that are
 * free, leased and draining.
 */

#include "cnetd-build-config.h"

#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-dbus.h"
#include "cnet-features-private.h"
#include "cnet-netdev-private.h"
#include "cnetd-manager-private.h"

/* --- interfaces ---------------------------------------------------------- */

static void
cnetd_drain_free (CnetdDrain *d)
{
  if (d->pidfd >= 0)
    close (d->pidfd);
  g_free (d->owner);
  g_free (d);
}

CnetdDrain *
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

/* What @queue is now. A draining queue whose socket the kernel no longer
 * has is free: its entry goes here. */
QueueState
cnetd_iface_queue_state (CnetdIface *iface, guint queue)
{
  CnetdDrain *d;
  gboolean has_xsk = FALSE;
  gboolean known;

  if (cnetd_manager_find_lease (iface->manager, iface->ifindex, queue) != NULL)
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

void
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

  if (iface->kept != NULL)
    return iface->kept;
  g_hash_table_iter_init (&iter, iface->manager->leases);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &lease))
    if (lease->ifindex == iface->ifindex)
      return lease->prog;
  return NULL;
}

void
cnetd_iface_update_attached (CnetdIface *iface)
{
  CnetXdpProgram *prog = cnetd_iface_program (iface);

  cnetd_dbus_interface_set_attached_xdp_mode (iface->skeleton,
                                              prog
                                                ? cnetd_xdp_mode_name (
                                                    cnet_xdp_program_get_mode (
                                                      prog))
                                                : "");
}

/* "keep-xdp-attached" (docs/cnetd.md): libcnet's program stays on a
 * managed interface while cnetd runs, passing every frame of a queue
 * without a lease to the kernel, so a lease does not wait for the kernel
 * to verify and attach it. Leases share it (cnet_xdp_program_attach()
 * returns this process's program). It goes with the interface, when the
 * interface stops being managed, and when cnetd stops (the manager frees
 * its interfaces; on a crash the kernel closes the bpf_link). A program
 * cnetd did not attach is left alone, and cnetd tries again every second
 * until that program is gone (the kernel sends no event when an XDP
 * program leaves). Interfaces served over the device plugin's socket are
 * not touched. */
static gboolean cnetd_iface_keep_retry (gpointer user_data);

static void
cnetd_iface_keep_program (CnetdIface *iface)
{
  const CnetdConfig *config = iface->manager->config;
  g_autoptr (GError) error = NULL;

  if (!config->keep_xdp_attached ||
      !cnetd_config_manages (config, iface->name) ||
      cnetd_config_find_uds (config, iface->name) != NULL)
    {
      if (iface->kept != NULL)
        g_message ("%s: XDP program no longer kept attached", iface->name);
      g_clear_object (&iface->kept);
      g_clear_handle_id (&iface->keep_retry, g_source_remove);
      iface->keep_failed = FALSE;
      return;
    }
  if (iface->kept != NULL)
    return;
  iface->kept = cnet_xdp_program_attach (iface->name, CNET_XDP_MODE_AUTO,
                                         CNET_XDP_ATTACH_NONE, &error);
  if (iface->kept == NULL)
    {
      if (!iface->keep_failed)
        g_message ("%s: cannot keep the XDP program attached (trying again "
                   "every second): %s",
                   iface->name, error->message);
      iface->keep_failed = TRUE;
      if (iface->keep_retry == 0)
        iface->keep_retry =
          g_timeout_add_seconds (1, cnetd_iface_keep_retry, iface);
      return;
    }
  iface->keep_failed = FALSE;
  g_clear_handle_id (&iface->keep_retry, g_source_remove);
  g_message ("%s: XDP program %u kept attached in %s mode", iface->name,
             cnet_xdp_program_get_id (iface->kept),
             cnetd_xdp_mode_name (cnet_xdp_program_get_mode (iface->kept)));
}

static gboolean
cnetd_iface_keep_retry (gpointer user_data)
{
  CnetdIface *iface = user_data;

  iface->keep_retry = 0;
  cnetd_iface_keep_program (iface);
  if (iface->kept != NULL)
    cnetd_iface_update_attached (iface);
  /* Re-armed by cnetd_iface_keep_program() while it fails. */
  return G_SOURCE_REMOVE;
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
  {
    g_autoptr (GError) error = NULL;
    g_auto (GStrv) names = NULL;
    CnetNetdevDev dev;
    CnetFeatures have = cnet_features_probe (link->name, &error);

    if (error != NULL)
      g_debug ("%s: cannot probe its features: %s", link->name, error->message);
    names = cnet_features_to_strv (have);
    /* The raw bits only where the kernel's version allows asking (a faked
     * old kernel must not learn what the real one says). */
    if (cnet_kernel_at_least (6, 3))
      cnet_netdev_dev_get (link->ifindex, &dev);
    else
      memset (&dev, 0, sizeof dev);
    cnetd_dbus_interface_set_features (s, (const char *const *) names);
    cnetd_dbus_interface_set_xdp_features (s, dev.xdp_features);
    cnetd_dbus_interface_set_xdp_rx_metadata_features (
      s, dev.xdp_rx_metadata_features);
    cnetd_dbus_interface_set_xsk_features (s, dev.xsk_features);
  }
  cnetd_dbus_interface_set_managed (s, cnetd_config_manages (iface->manager
                                                               ->config,
                                                             link->name));
  cnetd_iface_keep_program (iface);
  cnetd_iface_update_free_queues (iface);
  cnetd_iface_update_attached (iface);
}

void
cnetd_iface_add_or_update (CnetdManager *m, const CnetdLinkInfo *link)
{
  CnetdIface *iface =
    g_hash_table_lookup (m->ifaces, GUINT_TO_POINTER (link->ifindex));

  if (iface == NULL)
    {
      iface = g_object_new (CNETD_TYPE_IFACE, NULL);
      iface->manager = m;
      iface->ifindex = link->ifindex;
      iface->path =
        g_strdup_printf (CNET_DBUS_INTERFACES_PATH "/%u", link->ifindex);
      iface->object = cnetd_dbus_object_skeleton_new (iface->path);
      iface->skeleton =
        cnetd_stats_skeleton_new (cnetd_iface_skeleton_get_type (),
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

G_DEFINE_FINAL_TYPE (CnetdIface, cnetd_iface, G_TYPE_OBJECT)

static void
cnetd_iface_init (CnetdIface *iface)
{
  iface->draining =
    g_ptr_array_new_with_free_func ((GDestroyNotify) cnetd_drain_free);
}

/* Unexports the interface's object and lets go of the program it keeps
 * (which detaches it, if the interface is still there). */
static void
cnetd_iface_dispose (GObject *object)
{
  CnetdIface *iface = CNETD_IFACE (object);

  if (iface->object != NULL)
    g_dbus_object_manager_server_unexport (iface->manager->server, iface->path);
  if (iface->skeleton != NULL)
    g_object_set_data (G_OBJECT (iface->skeleton), "cnetd-owner", NULL);
  g_clear_object (&iface->skeleton);
  g_clear_object (&iface->object);
  g_clear_handle_id (&iface->keep_retry, g_source_remove);
  g_clear_object (&iface->kept);
  G_OBJECT_CLASS (cnetd_iface_parent_class)->dispose (object);
}

static void
cnetd_iface_finalize (GObject *object)
{
  CnetdIface *iface = CNETD_IFACE (object);

  g_ptr_array_unref (iface->draining);
  g_free (iface->name);
  g_free (iface->path);
  G_OBJECT_CLASS (cnetd_iface_parent_class)->finalize (object);
}

static void
cnetd_iface_class_init (CnetdIfaceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cnetd_iface_dispose;
  G_OBJECT_CLASS (klass)->finalize = cnetd_iface_finalize;
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
  cnetd_capture_end_on_interface (m, ifindex);
  g_hash_table_remove (m->ifaces, GUINT_TO_POINTER (ifindex));
}

gboolean
cnetd_iface_on_netlink (int fd, GIOCondition condition, gpointer user_data)
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
