/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An AF_XDP socket's kernel set-up, shared by direct ports and cnetd
 * (cnet-xsk-private.h): one place for the UMEM registration, the rings
 * and the socket options, and for what their errors say.
 */
#include "config.h"

#include <errno.h>
#include <linux/if_xdp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-error-private.h"
#include "cnet-xsk-private.h"

gboolean
cnet_xsk_fail (GError **error, int errsv, const char *ifname, guint queue,
               const char *what)
{
  g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
               "%s queue %u: %s: %s", ifname, queue, what, g_strerror (errsv));
  return FALSE;
}

/* Registers @size bytes at @area (frames of @frame_size, @headroom before
 * each packet) as @fd's UMEM; with @tx_metadata, room for AF_XDP TX
 * metadata, whose length goes to @tx_meta_len (0 without). */
gboolean
cnet_xsk_register_umem (int fd, const char *ifname, guint queue, gpointer area,
                        guint64 size, guint frame_size, guint headroom,
                        gboolean tx_metadata, guint *tx_meta_len,
                        GError **error)
{
  /* struct xdp_umem_reg of Linux 6.8: tx_metadata_len sits where older
   * headers (Debian 12's) have padding, so the size is the same. */
  struct
  {
    guint64 addr;
    guint64 len;
    guint32 chunk_size;
    guint32 headroom;
    guint32 flags;
    guint32 tx_metadata_len;
  } reg = {
    .addr = (guint64) (guintptr) area,
    .len = size,
    .chunk_size = frame_size,
    .headroom = headroom,
  };
  G_STATIC_ASSERT (sizeof reg == sizeof (struct xdp_umem_reg));

  if (tx_metadata)
    {
      /* The metadata sits in front of each frame's data, in the headroom
       * behind the packet header. */
      reg.flags |= XDP_UMEM_TX_METADATA_LEN;
      reg.tx_metadata_len = CNET_TX_METADATA_LEN;
    }
  if (setsockopt (fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg) < 0)
    {
      int errsv = errno;
      struct rlimit rl;

      if (errsv == EINVAL && tx_metadata)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                       "%s queue %u: the kernel refuses AF_XDP TX metadata "
                       "at UMEM registration (tx_metadata_len needs Linux "
                       "6.11 or later): %s",
                       ifname, queue, g_strerror (errsv));
          return FALSE;
        }
      if ((errsv == ENOBUFS || errsv == ENOMEM || errsv == EPERM) &&
          getrlimit (RLIMIT_MEMLOCK, &rl) == 0 &&
          rl.rlim_cur != RLIM_INFINITY && geteuid () != 0)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_NO_MEMORY,
                       "%s queue %u: cannot register the UMEM: the mempool's "
                       "%" G_GUINT64_FORMAT " bytes exceed what "
                       "RLIMIT_MEMLOCK (%llu bytes) lets this process lock; "
                       "use fewer or smaller frames (%s)",
                       ifname, queue, size, (unsigned long long) rl.rlim_cur,
                       g_strerror (errsv));
          return FALSE;
        }
      return cnet_xsk_fail (error, errsv, ifname, queue,
                            "cannot register the UMEM");
    }
  *tx_meta_len = reg.tx_metadata_len;
  return TRUE;
}

static gboolean
cnet_xsk_make_ring (int fd, const char *ifname, guint queue, int opt,
                    guint size, const char *name, GError **error)
{
  if (setsockopt (fd, SOL_XDP, opt, &size, sizeof size) < 0)
    {
      g_autofree char *what =
        g_strdup_printf ("cannot create the %s ring of %u entries", name, size);
      return cnet_xsk_fail (error, errno, ifname, queue, what);
    }
  return TRUE;
}

/* Makes the fill, completion, RX and TX rings of @settings' sizes (a
 * socket sharing another's UMEM needs a fill and a completion ring of its
 * own too), and raises the TX budget: in copy mode the kernel sends at
 * most XDP_MAX_TX_SKB_BUDGET frames per sendto() (32 unless raised) and
 * answers EAGAIN for the rest. Kernels from 6.17 take a per-socket budget
 * up to the TX ring's size, so one kick sends the whole ring; older ones
 * say ENOPROTOOPT and keep 32, which works, only slower. */
gboolean
cnet_xsk_make_rings (int fd, const char *ifname, guint queue,
                     const CnetPortSettings *settings, GError **error)
{
  guint budget = settings->tx_size;

  if (!cnet_xsk_make_ring (fd, ifname, queue, XDP_UMEM_FILL_RING,
                           settings->fill_size, "fill", error) ||
      !cnet_xsk_make_ring (fd, ifname, queue, XDP_UMEM_COMPLETION_RING,
                           settings->comp_size, "completion", error) ||
      !cnet_xsk_make_ring (fd, ifname, queue, XDP_RX_RING, settings->rx_size,
                           "RX", error) ||
      !cnet_xsk_make_ring (fd, ifname, queue, XDP_TX_RING, settings->tx_size,
                           "TX", error))
    return FALSE;
  if (setsockopt (fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget, sizeof budget) <
      0)
    g_debug ("%s queue %u: TX budget stays at the kernel's default: %s", ifname,
             queue, g_strerror (errno));
  return TRUE;
}

/* Preferred busy polling with @settings' time and budget; nothing when its
 * busy-poll-usecs is 0. */
gboolean
cnet_xsk_set_busy_poll (int fd, const char *ifname, guint queue,
                        const CnetPortSettings *settings, GError **error)
{
  int one = 1;
  int usecs = (int) settings->busy_poll_usecs;
  int budget = (int) settings->busy_poll_budget;

  if (settings->busy_poll_usecs == 0)
    return TRUE;
  if (setsockopt (fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof one) < 0 ||
      setsockopt (fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof usecs) < 0 ||
      setsockopt (fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof budget) <
        0)
    return cnet_xsk_fail (error, errno, ifname, queue,
                          "cannot enable busy polling (a busy-poll budget "
                          "above the default needs CAP_NET_ADMIN)");
  return TRUE;
}
