/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Waiting for packets: poll() on the socket, a leased port's guard and a
 * GCancellable's fd; and noticing that the interface went, which poll()
 * does not report.
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <sys/socket.h>

#include "cnet-error.h"
#include "cnet-port-private.h"

/* Whether the port's interface is still there. When a device goes, the
 * kernel unbinds its AF_XDP sockets and sets ENETDOWN as their error, but
 * poll() then reports nothing at all on them (it returns early for an
 * unbound socket) and the statistics still read: look at SO_ERROR, and
 * remember the answer, since reading the error clears it. */
gboolean
cnet_port_check_gone (CnetPort *port, GError **error)
{
  int err = 0;
  socklen_t len = sizeof err;

  if (!__atomic_load_n (&port->gone, __ATOMIC_RELAXED) &&
      getsockopt (port->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
      (err == ENETDOWN || err == ENODEV || err == ENXIO))
    __atomic_store_n (&port->gone, TRUE, __ATOMIC_RELAXED);
  if (__atomic_load_n (&port->gone, __ATOMIC_RELAXED))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INTERFACE_GONE,
                   "%s queue %u: the interface is gone; the port can no "
                   "longer receive or send",
                   port->interface, port->queue);
      return FALSE;
    }
  return TRUE;
}

/* The poll of cnet_port_wait(): @pfds holds the socket, then the guard
 * of a leased port (when @guard is set), then the cancellable's fd (when
 * @cancel is set). */
static int
cnet_port_wait_poll (CnetPort *port, struct pollfd *pfds, nfds_t n_fds,
                     gboolean guard, gboolean cancel, GCancellable *cancellable,
                     int timeout_ms, GError **error)
{
  struct pollfd *pfd = &pfds[0];
  gint64 deadline =
    timeout_ms < 0 ? -1 : g_get_monotonic_time () + timeout_ms * 1000LL;
  int r;

  /* In slices of at most a second: a socket whose interface went is never
   * woken (see cnet_port_check_gone), so a long wait looks in between. */
  for (;;)
    {
      int slice = 1000;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      /* Without a pollable cancellable (no fd to spare), look often. */
      if (cancellable != NULL && !cancel)
        slice = 50;
      if (deadline >= 0)
        slice = (int) CLAMP ((deadline - g_get_monotonic_time () + 999) / 1000,
                             0, slice);
      do
        r = poll (pfds, n_fds, slice);
      while (r < 0 && errno == EINTR);
      if (r < 0)
        {
          cnet_port_fail (port, error, errno, "cannot poll the socket");
          return -1;
        }
      if (guard && pfds[1].revents != 0 && !cnet_port_check_lease (port, error))
        return -1;
      if (cancel && pfds[n_fds - 1].revents != 0 &&
          g_cancellable_set_error_if_cancelled (cancellable, error))
        return -1;
      r = pfd->revents != 0 ? 1 : 0;
      /* Nothing came, or an error: the interface may have gone. */
      if ((r == 0 || (pfd->revents & POLLERR)) &&
          !cnet_port_check_gone (port, error))
        return -1;
      if (r > 0 || (deadline >= 0 && g_get_monotonic_time () >= deadline))
        break;
    }
  if (r > 0 && (pfd->revents & (POLLERR | POLLNVAL)))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INTERFACE_GONE,
                   "%s queue %u: the socket reports an error; the interface "
                   "may be gone",
                   port->interface, port->queue);
      return -1;
    }
  return r;
}

/**
 * cnet_port_wait:
 * @port: a #CnetPort
 * @timeout_ms: how long to wait, in milliseconds; -1 waits without limit
 * @cancellable: (nullable): a #GCancellable to end the wait early, or %NULL
 * @error: return location for a #GError
 *
 * Waits until the RX ring has packets, @timeout_ms has passed or
 * @cancellable is cancelled (from any thread: the wait polls its fd, see
 * g_cancellable_make_pollfd()). A leased port also stops waiting when its
 * lease ends.
 *
 * Returns: %TRUE when packets are ready; %FALSE on timeout (with @error
 *   unset) or with @error set: %G_IO_ERROR_CANCELLED when @cancellable was
 *   cancelled (also before the call), %CNET_ERROR_LEASE_ENDED when the
 *   lease ended, %CNET_ERROR_INTERFACE_GONE when the interface went away
 *   (a wait without limit notices within a second), or when polling failed
 *
 * Since: 1.0
 */
gboolean
cnet_port_wait (CnetPort *port, int timeout_ms, GCancellable *cancellable,
                GError **error)
{
  /* A leased port waits on its guard too, which hangs up when the lease
   * ends: no time passes before the port says so. */
  struct pollfd pfds[3] = {
    { .fd = port->fd, .events = POLLIN },
  };
  nfds_t n_fds = 1;
  GPollFD cpfd;
  gboolean guard = FALSE, cancel = FALSE;
  int r;

  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cnet_port_check_lease (port, error) ||
      g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (port->guard_fd >= 0)
    {
      pfds[n_fds++] = (struct pollfd){ .fd = port->guard_fd, .events = 0 };
      guard = TRUE;
    }
  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &cpfd))
    {
      pfds[n_fds++] = (struct pollfd){ .fd = cpfd.fd, .events = POLLIN };
      cancel = TRUE;
    }
  r = cnet_port_wait_poll (port, pfds, n_fds, guard, cancel, cancellable,
                           timeout_ms, error);
  if (cancel)
    g_cancellable_release_fd (cancellable);
  return r > 0;
}
