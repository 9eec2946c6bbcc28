/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel side of a lease (linux/if_xdp.h): check the client's memfd,
 * register it as the socket's UMEM, make the four rings and bind the socket
 * to exactly the leased interface and queue, all before the client sees
 * the socket. A bound AF_XDP socket cannot be bound again, and after
 * SO_BINDTODEVICE (which only CAP_NET_RAW may change) not to another
 * interface either; what the client holds can only ever reach this queue.
 */
#include "cnetd-build-config.h"

#include <fcntl.h>
#include <linux/if_xdp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnet-private.h"
#include "cnetd-xsk.h"

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif
#ifndef XDP_MAX_TX_SKB_BUDGET
#define XDP_MAX_TX_SKB_BUDGET 9
#endif

/* Takes @fd (always: closed on failure) and checks that it is a memfd
 * sealed against shrinking and growing whose size is whole frames. */
gboolean
cnetd_umem_check (CnetdUmem *umem, int fd, guint frame_size, GError **error)
{
  struct stat st;
  int seals;

  memset (umem, 0, sizeof *umem);
  umem->fd = fd;
  seals = fcntl (fd, F_GET_SEALS);
  if (seals < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "the UMEM is not a memfd that allows sealing (F_GET_SEALS: "
                   "%s); make it with memfd_create (MFD_ALLOW_SEALING)",
                   g_strerror (errsv));
      return FALSE;
    }
  if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "the UMEM memfd is not sealed against shrinking and "
                   "growing (it needs F_SEAL_SHRINK and F_SEAL_GROW)");
      return FALSE;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "the UMEM memfd cannot be examined");
      return FALSE;
    }
  if (st.st_size <= 0 || st.st_size % frame_size != 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "the UMEM memfd's %lld bytes are not a whole number of "
                   "%u-byte frames",
                   (long long) st.st_size, frame_size);
      return FALSE;
    }
  umem->dev = st.st_dev;
  umem->ino = st.st_ino;
  umem->size = (guint64) st.st_size;
  return TRUE;
}

void
cnetd_umem_clear (CnetdUmem *umem)
{
  if (umem->fd >= 0)
    close (umem->fd);
  umem->fd = -1;
}

static gboolean
xsk_fail (GError **error, int errsv, const char *ifname, guint queue,
          const char *what)
{
  g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
               "%s queue %u: %s: %s", ifname, queue, what, g_strerror (errsv));
  return FALSE;
}

/* Maps the memfd and registers it; the mapping goes once registered (the
 * kernel pins the pages and keeps its own mapping of them). cnetd has
 * CAP_IPC_LOCK: the pages count against its per-user limit, not against
 * the client's RLIMIT_MEMLOCK. */
static gboolean
xsk_register_umem (int fd, const char *ifname, guint queue,
                   const CnetdAcquireOptions *opts, const CnetdUmem *umem,
                   GError **error)
{
  struct xdp_umem_reg reg = {
    .len = umem->size,
    .chunk_size = opts->frame_size,
    .headroom = opts->headroom,
  };
  void *area;
  int r, errsv;

  area =
    mmap (NULL, umem->size, PROT_READ | PROT_WRITE, MAP_SHARED, umem->fd, 0);
  if (area == MAP_FAILED)
    return xsk_fail (error, errno, ifname, queue, "cannot map the UMEM memfd");
  reg.addr = (guint64) (guintptr) area;
  r = setsockopt (fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof reg);
  errsv = errno;
  munmap (area, umem->size);
  if (r < 0)
    return xsk_fail (error, errsv, ifname, queue, "cannot register the UMEM");
  return TRUE;
}

static gboolean
xsk_ring (int fd, int opt, guint size, const char *name, const char *ifname,
          guint queue, GError **error)
{
  if (setsockopt (fd, SOL_XDP, opt, &size, sizeof size) < 0)
    {
      g_autofree char *what =
        g_strdup_printf ("cannot create the %s ring of %u entries", name, size);
      return xsk_fail (error, errno, ifname, queue, what);
    }
  return TRUE;
}

/* Creates the socket for a lease, ready for the client: UMEM registered
 * (or shared with @shared_fd, a socket of the same client on the same
 * memfd), rings made, bound to @ifindex/@queue. Returns the fd or -1. */
int
cnetd_xsk_open (const char *ifname, guint ifindex, guint queue,
                const CnetdAcquireOptions *opts, const CnetdUmem *umem,
                int shared_fd, CnetdXskBound *bound, GError **error)
{
  struct sockaddr_xdp sxdp = {
    .sxdp_family = AF_XDP,
    .sxdp_ifindex = ifindex,
    .sxdp_queue_id = queue,
  };
  gboolean zerocopy;
  int fd;

  fd = socket (AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      xsk_fail (error, errno, ifname, queue, "cannot create an AF_XDP socket");
      return -1;
    }
  if ((shared_fd < 0 &&
       !xsk_register_umem (fd, ifname, queue, opts, umem, error)) ||
      !xsk_ring (fd, XDP_UMEM_FILL_RING, opts->port.fill_size, "fill", ifname,
                 queue, error) ||
      !xsk_ring (fd, XDP_UMEM_COMPLETION_RING, opts->port.comp_size,
                 "completion", ifname, queue, error) ||
      !xsk_ring (fd, XDP_RX_RING, opts->port.rx_size, "RX", ifname, queue,
                 error) ||
      !xsk_ring (fd, XDP_TX_RING, opts->port.tx_size, "TX", ifname, queue,
                 error))
    goto fail;

  /* One kick sends a whole TX ring in copy mode (Linux 6.17; older kernels
   * keep their default of 32, which works). */
  {
    guint budget = opts->port.tx_size;
    if (setsockopt (fd, SOL_XDP, XDP_MAX_TX_SKB_BUDGET, &budget,
                    sizeof budget) < 0)
      g_debug ("%s queue %u: TX budget stays at the kernel's default: %s",
               ifname, queue, g_strerror (errno));
  }

  /* Only CAP_NET_RAW may change this, and bind() then refuses any other
   * interface (EINVAL): a second line behind bound-once. */
  if (setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen (ifname)) < 0)
    {
      xsk_fail (error, errno, ifname, queue,
                "cannot bind the socket to the device");
      goto fail;
    }
  if (opts->port.busy_poll_usecs != 0)
    {
      int one = 1, usecs = (int) opts->port.busy_poll_usecs,
          budget = (int) opts->port.busy_poll_budget;

      if (setsockopt (fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof one) <
            0 ||
          setsockopt (fd, SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof usecs) < 0 ||
          setsockopt (fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget,
                      sizeof budget) < 0)
        {
          xsk_fail (error, errno, ifname, queue, "cannot enable busy polling");
          goto fail;
        }
    }

  if (shared_fd >= 0)
    {
      /* The bind flags are the first socket's. */
      sxdp.sxdp_flags = XDP_SHARED_UMEM;
      sxdp.sxdp_shared_umem_fd = (guint32) shared_fd;
      zerocopy = FALSE;
    }
  else
    {
      /* One socket, bound once: no falling back from zero-copy. */
      zerocopy = cnet_bind_mode_choose (opts->port.bind_mode, ifindex, FALSE) ==
                 CNET_BIND_MODE_ZEROCOPY;
      sxdp.sxdp_flags = (zerocopy ? XDP_ZEROCOPY : XDP_COPY) |
                        (opts->port.need_wakeup ? XDP_USE_NEED_WAKEUP : 0);
    }
  if (bind (fd, (struct sockaddr *) &sxdp, sizeof sxdp) < 0)
    {
      int errsv = errno;
      const char *hint = errsv == EBUSY ? ": the queue has another AF_XDP "
                                          "socket"
                         : errsv == EOPNOTSUPP ? ": the driver cannot do "
                                                 "zero-copy"
                                               : "";
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s queue %u: cannot bind the socket: %s%s", ifname, queue,
                   g_strerror (errsv), hint);
      goto fail;
    }
  if (shared_fd >= 0)
    {
      struct xdp_options xo = { 0 };
      socklen_t len = sizeof xo;

      if (getsockopt (fd, SOL_XDP, XDP_OPTIONS, &xo, &len) == 0)
        zerocopy = (xo.flags & XDP_OPTIONS_ZEROCOPY) != 0;
    }
  bound->zerocopy = zerocopy;
  bound->need_wakeup = opts->port.need_wakeup;
  return fd;

fail:
  close (fd);
  return -1;
}
