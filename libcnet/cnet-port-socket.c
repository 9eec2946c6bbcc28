/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A port's socket on the kernel UAPI (linux/if_xdp.h): UMEM registration,
 * the four rings, socket options and the bind.
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-error.h"
#include "cnet-match-private.h"
#include "cnet-mempool-private.h"
#include "cnet-netdev-private.h"
#include "cnet-port-private.h"
#include "cnet-xsk-private.h"

static guint32 next_tag = 1;

/* --- setup on the kernel UAPI ----------------------------------------- */

gboolean
cnet_port_fail (CnetPort *self, GError **error, int errsv, const char *what)
{
  return cnet_xsk_fail (error, errsv, self->interface, self->queue, what);
}

static gboolean
cnet_port_map_ring (CnetPort *self, CnetRing *ring, guint size,
                    const struct xdp_ring_offset *off, gsize desc_size,
                    off_t pgoff, GError **error)
{
  ring->map_size = off->desc + size * desc_size;
  ring->map = mmap (NULL, ring->map_size, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_POPULATE, self->fd, pgoff);
  if (ring->map == MAP_FAILED)
    {
      ring->map = NULL;
      return cnet_port_fail (self, error, errno, "cannot map a ring");
    }
  ring->producer = (guint32 *) ((guint8 *) ring->map + off->producer);
  ring->consumer = (guint32 *) ((guint8 *) ring->map + off->consumer);
  ring->flags = (guint32 *) ((guint8 *) ring->map + off->flags);
  ring->descs = (guint8 *) ring->map + off->desc;
  ring->size = size;
  ring->mask = size - 1;
  ring->cached_prod = *ring->producer;
  ring->cached_cons = *ring->consumer;
  return TRUE;
}

static void
cnet_port_unmap_ring (CnetRing *ring)
{
  if (ring->map != NULL)
    munmap (ring->map, ring->map_size);
  memset (ring, 0, sizeof *ring);
}

static gboolean
cnet_port_register_umem (CnetPort *self, GError **error)
{
  if (!cnet_xsk_register_umem (self->fd, self->interface, self->queue,
                               self->pool->area, self->pool->area_size,
                               self->pool->frame_size,
                               self->pool->umem_headroom,
                               self->settings.tx_metadata !=
                                 CNET_TX_METADATA_NONE,
                               &self->tx_meta_len, error))
    return FALSE;
  self->tx_min_data_off = CNET_PACKET_HEADER_SIZE + self->tx_meta_len;
  return TRUE;
}

/* Registers the UMEM on the socket (unless it will share @shared_fd's),
 * creates the four rings and maps them. A leased socket comes with its
 * UMEM and rings made by cnetd: then it only maps them. */
gboolean
cnet_port_setup_rings (CnetPort *self, int shared_fd, GError **error)
{
  struct xdp_mmap_offsets off;
  socklen_t optlen = sizeof off;

  if (self->guard_fd >= 0)
    goto map;
  if ((shared_fd < 0 && !cnet_port_register_umem (self, error)) ||
      !cnet_xsk_make_rings (self->fd, self->interface, self->queue,
                            &self->settings, error))
    return FALSE;

map:
  if (getsockopt (self->fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen) < 0)
    return cnet_port_fail (self, error, errno, "cannot read the ring offsets");

  if (!cnet_port_map_ring (self, &self->fill, self->settings.fill_size, &off.fr,
                           sizeof (guint64), XDP_UMEM_PGOFF_FILL_RING, error) ||
      !cnet_port_map_ring (self, &self->comp, self->settings.comp_size, &off.cr,
                           sizeof (guint64), XDP_UMEM_PGOFF_COMPLETION_RING,
                           error) ||
      !cnet_port_map_ring (self, &self->rx, self->settings.rx_size, &off.rx,
                           sizeof (struct xdp_desc), XDP_PGOFF_RX_RING,
                           error) ||
      !cnet_port_map_ring (self, &self->tx, self->settings.tx_size, &off.tx,
                           sizeof (struct xdp_desc), XDP_PGOFF_TX_RING, error))
    return FALSE;

  return TRUE;
}

/* Creates the socket, registers the UMEM (or shares @shared_fd's: then
 * the socket gets a fill and a completion ring of its own, as the kernel
 * requires for another queue, and inherits that socket's bind flags),
 * creates and maps the four rings and binds. */

gboolean
cnet_port_open_socket (CnetPort *self, guint16 bind_flags, int shared_fd,
                       GError **error)
{
  struct sockaddr_xdp sxdp = {
    .sxdp_family = AF_XDP,
    .sxdp_ifindex = self->ifindex,
    .sxdp_queue_id = self->queue,
    .sxdp_flags = shared_fd >= 0 ? XDP_SHARED_UMEM : bind_flags,
    .sxdp_shared_umem_fd = shared_fd >= 0 ? (guint32) shared_fd : 0,
  };

  /* Multi-buffer is the UMEM's: a socket sharing one inherits it. */
  if (shared_fd < 0 && self->settings.multi_buffer)
    sxdp.sxdp_flags |= XDP_USE_SG;
  else if (shared_fd >= 0 &&
           self->settings.multi_buffer != !!(bind_flags & XDP_USE_SG))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "%s queue %u: the mempool's UMEM is bound %s multi-buffer "
                   "by another port, and a port sharing it must match",
                   self->interface, self->queue,
                   self->settings.multi_buffer ? "without" : "with");
      return FALSE;
    }
  if (shared_fd >= 0 && self->settings.tx_metadata != CNET_TX_METADATA_NONE)
    {
      /* The UMEM's tx_metadata_len is the first socket's, which this one
       * cannot read back. */
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s queue %u: TX metadata on a port sharing another "
                   "port's UMEM is not supported; give it a mempool of its "
                   "own",
                   self->interface, self->queue);
      return FALSE;
    }
  if ((sxdp.sxdp_flags & XDP_ZEROCOPY) &&
      self->settings.tx_metadata != CNET_TX_METADATA_NONE)
    {
      /* Zero-copy TX metadata is the driver's (netdev xsk-features);
       * without a probe for it, only copy mode's is offered. Auto mode
       * falls back to copy mode on this error. */
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s queue %u: TX metadata in zero-copy mode depends on "
                   "the driver, which libcnet does not probe yet; bind in "
                   "copy or auto mode",
                   self->interface, self->queue);
      return FALSE;
    }

  self->fd = socket (AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (self->fd < 0)
    {
      int errsv = errno;
      if (errsv == EPERM || errsv == EACCES)
        return cnet_port_fail (self, error, errsv,
                               "creating an AF_XDP socket needs CAP_NET_RAW");
      return cnet_port_fail (self, error, errsv,
                             "cannot create an AF_XDP socket");
    }
  if (!cnet_port_setup_rings (self, shared_fd, error))
    return FALSE;

  if (bind (self->fd, (struct sockaddr *) &sxdp, sizeof sxdp) < 0)
    {
      int errsv = errno;
      CnetNetdevInfo netdev;

      switch (errsv)
        {
        case EBUSY:
          g_set_error (error, CNET_ERROR, CNET_ERROR_BUSY,
                       "%s queue %u: the queue has an AF_XDP socket already "
                       "(%s)",
                       self->interface, self->queue, g_strerror (errsv));
          return FALSE;
        case EOPNOTSUPP:
          if (sxdp.sxdp_flags & XDP_USE_SG)
            {
              cnet_netdev_lookup (self->interface, &netdev, NULL);
              g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                           "%s queue %u: multi-buffer AF_XDP (XDP_USE_SG) is "
                           "not supported here (driver %s; Linux 6.6 or "
                           "later, and zero-copy needs driver support): %s",
                           self->interface, self->queue, netdev.driver,
                           g_strerror (errsv));
              return FALSE;
            }
          if (bind_flags & XDP_ZEROCOPY)
            {
              cnet_netdev_lookup (self->interface, &netdev, NULL);
              g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                           "%s queue %u: driver %s does not support "
                           "zero-copy AF_XDP; bind in copy or auto mode (%s)",
                           self->interface, self->queue, netdev.driver,
                           g_strerror (errsv));
              return FALSE;
            }
          break;
        default:
          break;
        }
      return cnet_port_fail (self, error, errsv, "cannot bind the socket");
    }
  return TRUE;
}

void
cnet_port_close_socket (CnetPort *self)
{
  cnet_port_unmap_ring (&self->rx);
  cnet_port_unmap_ring (&self->tx);
  cnet_port_unmap_ring (&self->fill);
  cnet_port_unmap_ring (&self->comp);
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

gboolean
cnet_port_set_busy_poll (CnetPort *self, GError **error)
{
  return cnet_xsk_set_busy_poll (self->fd, self->interface, self->queue,
                                 &self->settings, error);
}

gboolean
cnet_port_check_settings (CnetPort *self, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (self->interface == NULL || self->pool == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "a port needs an interface and a mempool");
      return FALSE;
    }
  if (self->settings.tx_metadata & CNET_TX_METADATA_LAUNCH_TIME)
    {
      /* Copy mode hands the frame to the driver at once, past any qdisc,
       * and veth and most drivers ignore the time; zero-copy drivers that
       * honour it say so in netdev xsk-features (tx-launch-time-fifo),
       * which libcnet does not probe yet. */
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s queue %u: TX launch time is not supported: copy mode "
                   "sends each frame at once, and zero-copy launch time "
                   "needs a driver libcnet does not detect yet",
                   self->interface, self->queue);
      return FALSE;
    }
  if (self->settings.tx_metadata != CNET_TX_METADATA_NONE &&
      cnet_mempool_get_headroom (self->pool) < CNET_TX_METADATA_LEN)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "%s queue %u: tx-metadata needs a mempool with at least "
                   "%u bytes of headroom (the kernel reads the metadata in "
                   "front of each frame's data); this one has %u",
                   self->interface, self->queue, CNET_TX_METADATA_LEN,
                   cnet_mempool_get_headroom (self->pool));
      return FALSE;
    }
  if (!cnet_port_settings_check (&self->settings, &local))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "%s queue %u: %s", self->interface, self->queue,
                   local->message);
      return FALSE;
    }
  return TRUE;
}

/* Binds with a UMEM of the socket's own, in the bind mode asked for. */
gboolean
cnet_port_bind_own_umem (CnetPort *self, const CnetNetdevInfo *netdev,
                         guint16 flags, GError **error)
{
  g_autoptr (GError) zc_error = NULL;
  CnetBindMode mode =
    cnet_bind_mode_choose (self->settings.bind_mode, self->ifindex, TRUE);

  if (mode == CNET_BIND_MODE_COPY ||
      self->settings.bind_mode != CNET_BIND_MODE_AUTO)
    {
      if (!cnet_port_open_socket (self,
                                  flags | (mode == CNET_BIND_MODE_ZEROCOPY
                                             ? XDP_ZEROCOPY
                                             : XDP_COPY),
                                  -1, error))
        return FALSE;
      self->settings.bind_mode = mode;
      return TRUE;
    }

  /* A socket whose bind failed cannot be bound again: start over. */
  if (cnet_port_open_socket (self, flags | XDP_ZEROCOPY, -1, &zc_error))
    {
      self->settings.bind_mode = CNET_BIND_MODE_ZEROCOPY;
      return TRUE;
    }
  if (!g_error_matches (zc_error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED))
    {
      g_propagate_error (error, g_steal_pointer (&zc_error));
      return FALSE;
    }
  g_info ("%s queue %u: zero-copy not supported by driver %s, using copy "
          "mode",
          self->interface, self->queue, netdev->driver);
  cnet_port_close_socket (self);
  if (!cnet_port_open_socket (self, flags | XDP_COPY, -1, error))
    return FALSE;
  self->settings.bind_mode = CNET_BIND_MODE_COPY;
  return TRUE;
}

/* Parses @rules into the XDP program's form and the canonical text. */
gboolean
cnet_port_parse_rules (CnetPort *self, const char *const *rules,
                       struct cnet_xdp_rule *xdp_rules, guint *n_rules,
                       GStrv *canonical, GError **error)
{
  if (!cnet_match_compile_rules (rules, xdp_rules, n_rules, canonical, NULL,
                                 error))
    {
      g_prefix_error (error, "%s queue %u: ", self->interface, self->queue);
      return FALSE;
    }
  return TRUE;
}

/* Puts the first frames on the fill ring and starts counting. */
void
cnet_port_start (CnetPort *self)
{
  self->tag = g_atomic_int_add (&next_tag, 1);
  cnet_mempool_register_cache (self->pool, &self->rx_cache);
  cnet_mempool_register_cache (self->pool, &self->tx_cache);
  while (cnet_ring_free (&self->fill, 1) > 0)
    {
      guint32 before = self->fill.cached_prod;
      cnet_port_refill (self);
      if (self->fill.cached_prod == before)
        break; /* mempool empty */
    }
  self->alloc_failures = 0;
  self->fill_ring_empty = 0;
}
