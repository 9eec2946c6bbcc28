/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bringing a port up: from its settings to a socket in the XSKMAP (the
 * GInitable of CnetPort) — rules, the interface, the XDP program or a
 * device plugin's socket, the UMEM (own or shared), busy polling, RX
 * metadata — and opening a group of ports on consecutive queues.
 */
#include "config.h"

#include <gio/gio.h>
#include <linux/if_xdp.h>
#include <unistd.h>

#include "cnet-error.h"
#include "cnet-match.h"
#include "cnet-mempool-private.h"
#include "cnet-netdev-private.h"
#include "cnet-port-private.h"
#include "cnet-xdp-program-private.h"
#include "cnet-xsk-private.h"

/* Asks the XDP program for the RX metadata the port wants; keeps what it
 * got (the property reads it back) and says why the rest is missing. */
static gboolean
cnet_port_ask_rx_metadata (CnetPort *self, GError **error)
{
  g_autofree char *why = NULL;
  gint64 granted;

  if (self->settings.rx_metadata == 0)
    return TRUE;
  granted =
    cnet_xdp_program_set_rx_metadata (self->prog, self->queue,
                                      self->settings.rx_metadata, &why, error);
  if (granted < 0)
    return FALSE;
  if (why != NULL)
    g_message ("%s queue %u: RX metadata limited to what the kernel and "
               "driver offer: %s",
               self->interface, self->queue, why);
  self->settings.rx_metadata = (CnetRxMetadataFlags) granted;
  self->rx_meta = granted != 0;
  return TRUE;
}

gboolean
cnet_port_initable_init (GInitable *initable, GCancellable *cancellable,
                         GError **error)
{
  CnetPort *self = CNET_PORT (initable);
  struct cnet_xdp_rule xdp_rules[CNET_MATCH_MAX_RULES];
  g_auto (GStrv) canonical = NULL;
  CnetNetdevInfo netdev;
  guint16 flags = self->settings.need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
  guint16 shared_flags = 0;
  guint n_rules = 0;
  int shared_fd;

  if (!cnet_port_check_settings (self, error))
    return FALSE;
  /* Below the core's kernel, say so rather than fail somewhere inside. */
  if (!cnet_features_check (CNET_FEATURE_NONE, NULL, error))
    {
      g_prefix_error (error, "%s queue %u: ", self->interface, self->queue);
      return FALSE;
    }
  if (self->leased_fd >= 0)
    return cnet_port_init_leased (self, error);
  if (!cnet_port_parse_rules (self, (const char *const *) self->rules,
                              xdp_rules, &n_rules, &canonical, error))
    return FALSE;
  g_strfreev (self->rules);
  self->rules = g_steal_pointer (&canonical);
  if (!cnet_netdev_lookup (self->interface, &netdev, error))
    return FALSE;
  self->ifindex = netdev.ifindex;
  if (netdev.n_rx_queues != 0 && self->queue >= netdev.n_rx_queues)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%s queue %u: the interface has %u receive queue%s "
                   "(0 to %u)",
                   self->interface, self->queue, netdev.n_rx_queues,
                   netdev.n_rx_queues == 1 ? "" : "s", netdev.n_rx_queues - 1);
      return FALSE;
    }

  if (self->uds_path != NULL)
    {
      if (n_rules > 0)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                       "%s queue %u: a port on a device plugin's socket "
                       "(uds_path %s) takes no steering rules: the server's "
                       "XDP program decides what the queue gets",
                       self->interface, self->queue, self->uds_path);
          return FALSE;
        }
      self->uds =
        cnet_uds_client_connect (self->uds_path, self->interface, error);
      if (self->uds == NULL)
        return FALSE;
    }
  else
    {
      self->prog =
        cnet_xdp_program_attach (self->interface, self->settings.xdp_mode,
                                 self->attach_flags, error);
      if (self->prog == NULL)
        return FALSE;
      if (!cnet_xdp_program_claim_queue (self->prog, self->queue, self, error))
        return FALSE;
      self->queue_claimed = TRUE;
    }

  shared_fd = cnet_mempool_dup_umem_socket (self->pool, &shared_flags);
  if (shared_fd >= 0)
    {
      /* The flags tell whether the UMEM is multi-buffer. */
      gboolean ok =
        cnet_port_open_socket (self, shared_flags, shared_fd, error);

      /* Shared means the first socket's bind mode and need-wakeup. */
      close (shared_fd);
      if (!ok)
        return FALSE;
      self->shares_umem = TRUE;
      self->settings.bind_mode = (shared_flags & XDP_ZEROCOPY)
                                   ? CNET_BIND_MODE_ZEROCOPY
                                   : CNET_BIND_MODE_COPY;
      self->settings.need_wakeup = (shared_flags & XDP_USE_NEED_WAKEUP) != 0;
    }
  else if (!cnet_port_bind_own_umem (self, &netdev, flags, error))
    return FALSE;
  self->umem_socket.fd = self->fd;
  self->umem_socket.flags =
    (self->settings.need_wakeup ? XDP_USE_NEED_WAKEUP : 0) |
    (self->settings.multi_buffer ? XDP_USE_SG : 0) |
    (self->settings.bind_mode == CNET_BIND_MODE_ZEROCOPY ? XDP_ZEROCOPY
                                                         : XDP_COPY);
  cnet_mempool_add_umem_socket (self->pool, &self->umem_socket);

  if (self->uds != NULL && self->settings.busy_poll_usecs != 0)
    {
      if (!cnet_uds_client_config_busy_poll (self->uds, self->fd,
                                             self->settings.busy_poll_usecs,
                                             self->settings.busy_poll_budget,
                                             error))
        return FALSE;
    }
  else if (!cnet_port_set_busy_poll (self, error))
    return FALSE;

  cnet_port_start (self);

  if (self->uds != NULL)
    {
      if (self->settings.rx_metadata != 0)
        g_message ("%s queue %u: no RX metadata on a device plugin's socket "
                   "(uds_path %s): the server's XDP program is not libcnet's",
                   self->interface, self->queue, self->uds_path);
      self->settings.rx_metadata = CNET_RX_METADATA_NONE;
      if (!cnet_uds_client_set_socket (self->uds, self->queue, self->fd, error))
        return FALSE;
      self->in_xskmap = TRUE;
      g_debug ("%s queue %u: port up on uds_path %s, %s mode", self->interface,
               self->queue, self->uds_path,
               self->settings.bind_mode == CNET_BIND_MODE_ZEROCOPY ? "zero-copy"
                                                                   : "copy");
      return TRUE;
    }

  if (!cnet_port_ask_rx_metadata (self, error))
    return FALSE;
  /* Rules first: the socket gets only what they steer to it. */
  if (!cnet_xdp_program_set_rules (self->prog, self->queue, xdp_rules, n_rules,
                                   error) ||
      !cnet_xdp_program_set_socket (self->prog, self->queue, self->fd, error))
    return FALSE;
  self->in_xskmap = TRUE;

  g_debug ("%s queue %u: port up, %s mode, XDP program %u", self->interface,
           self->queue,
           self->settings.bind_mode == CNET_BIND_MODE_ZEROCOPY ? "zero-copy"
                                                               : "copy",
           cnet_xdp_program_get_id (self->prog));
  return TRUE;
}

/**
 * cnet_port_open_queues:
 * @interface: the interface name
 * @first_queue: the first receive queue
 * @n_queues: how many queues, from @first_queue on
 * @mempool: the mempool all the ports share
 * @error: return location for a #GError
 *
 * Opens a port on each of @n_queues consecutive queues of @interface, all
 * on @mempool (the first registers the UMEM, the others share it, each
 * with fill and completion rings of its own), with default settings. It is
 * all or nothing: on error no port stays open.
 *
 * Hand the ports to worker threads as you like; each port is
 * single-consumer for receiving.
 *
 * Returns: (transfer container) (element-type CnetPort): the ports, in
 *   queue order, or %NULL with @error set
 *
 * Since: 1.0
 */
GPtrArray *
cnet_port_open_queues (const char *interface, guint first_queue, guint n_queues,
                       CnetMempool *mempool, GError **error)
{
  g_autoptr (GPtrArray) ports = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_queues == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "%s: a group of ports needs at least one queue", interface);
      return NULL;
    }
  for (guint q = first_queue; q < first_queue + n_queues; q++)
    {
      CnetPort *port = cnet_port_new (interface, q, mempool, error);

      if (port == NULL)
        return NULL;
      g_ptr_array_add (ports, port);
    }
  /* The caller frees the array; the ports go with their last reference. */
  g_ptr_array_set_free_func (ports, NULL);
  return g_steal_pointer (&ports);
}
