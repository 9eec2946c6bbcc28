/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel side of a lease (linux/if_xdp.h): check the client's memfd,
 * register it as the socket's UMEM, make the four rings (with libcnet's
 * own set-up, cnet-xsk-private.h, as a direct port does) and bind the socket
 * to exactly the leased interface and queue, all before the client sees
 * the socket. A bound AF_XDP socket cannot be bound again, and after
 * SO_BINDTODEVICE (which only CAP_NET_RAW may change) not to another
 * interface either; what the client holds can only ever reach this queue.
 */
#include "cnetd-build-config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_xdp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnet-error-private.h"
#include "cnet-netdev-private.h"
#include "cnet-xsk-private.h"
#include "cnetd-xsk.h"

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

/* Maps the memfd and registers it; the mapping goes once registered (the
 * kernel pins the pages and keeps its own mapping of them). cnetd has
 * CAP_IPC_LOCK: the pages count against its per-user limit, not against
 * the client's RLIMIT_MEMLOCK. */
static gboolean
xsk_register_umem (int fd, const char *ifname, guint queue,
                   const CnetdAcquireOptions *opts, const CnetdUmem *umem,
                   CnetdXskBound *bound, GError **error)
{
  void *area =
    mmap (NULL, umem->size, PROT_READ | PROT_WRITE, MAP_SHARED, umem->fd, 0);
  gboolean ok;

  if (area == MAP_FAILED)
    return cnet_xsk_fail (error, errno, ifname, queue,
                          "cannot map the UMEM memfd");
  ok = cnet_xsk_register_umem (fd, ifname, queue, area, umem->size,
                               opts->frame_size, opts->headroom,
                               opts->port.tx_metadata != 0, &bound->tx_meta_len,
                               error);
  munmap (area, umem->size);
  return ok;
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

  if (opts->port.tx_metadata & CNET_TX_METADATA_LAUNCH_TIME)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s queue %u: TX launch time is not supported: copy mode "
                   "sends each frame at once, and zero-copy launch time needs "
                   "a driver cnetd does not detect yet",
                   ifname, queue);
      return -1;
    }

  fd = socket (AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      cnet_xsk_fail (error, errno, ifname, queue,
                     "cannot create an AF_XDP socket");
      return -1;
    }
  if ((shared_fd < 0 &&
       !xsk_register_umem (fd, ifname, queue, opts, umem, bound, error)) ||
      !cnet_xsk_make_rings (fd, ifname, queue, &opts->port, error))
    goto fail;

  /* Only CAP_NET_RAW may change this, and bind() then refuses any other
   * interface (EINVAL): a second line behind bound-once. */
  if (setsockopt (fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen (ifname)) < 0)
    {
      cnet_xsk_fail (error, errno, ifname, queue,
                     "cannot bind the socket to the device");
      goto fail;
    }
  if (!cnet_xsk_set_busy_poll (fd, ifname, queue, &opts->port, error))
    goto fail;

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
                        (opts->port.need_wakeup ? XDP_USE_NEED_WAKEUP : 0) |
                        (opts->port.multi_buffer ? XDP_USE_SG : 0);
      if (zerocopy && opts->port.tx_metadata != 0)
        {
          /* As a direct port (cnet-port-socket.c): zero-copy TX metadata
           * is the driver's, not probed yet. */
          if (opts->port.bind_mode == CNET_BIND_MODE_ZEROCOPY)
            {
              g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                           "%s queue %u: TX metadata in zero-copy mode "
                           "depends on the driver, which cnetd does not probe "
                           "yet; bind in copy or auto mode",
                           ifname, queue);
              goto fail;
            }
          zerocopy = FALSE;
          sxdp.sxdp_flags = (sxdp.sxdp_flags & ~XDP_ZEROCOPY) | XDP_COPY;
        }
    }
  if (bind (fd, (struct sockaddr *) &sxdp, sizeof sxdp) < 0)
    {
      int errsv = errno;
      const char *hint =
        errsv == EBUSY ? ": the queue has another AF_XDP socket"
        : errsv == EOPNOTSUPP && (sxdp.sxdp_flags & XDP_USE_SG)
          ? ": multi-buffer AF_XDP (XDP_USE_SG) is not supported here "
            "(Linux 6.6 or later; zero-copy needs driver support)"
        : errsv == EOPNOTSUPP ? ": the driver cannot do zero-copy"
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
  bound->multi_buffer = opts->port.multi_buffer;
  return fd;

fail:
  close (fd);
  return -1;
}
