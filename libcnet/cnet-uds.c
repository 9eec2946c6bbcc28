/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The client side of the AF_XDP device plugin's Unix-socket protocol
 * (intel/afxdp-plugins-for-kubernetes; CNDP's uds.c and the plugin's
 * udsserver speak it). SOCK_SEQPACKET, one text command per message, no
 * trailing NUL; a file descriptor travels as SCM_RIGHTS with the message
 * that announces it:
 *
 *   /connect,<hostname>          → /host_ok  (or /host_nak, /error)
 *   /xsk_map_fd,<ifname>         → /fd_ack + the XSKMAP fd (or /fd_nak)
 *   /config_busy_poll,<us>,<budget> + the AF_XDP socket's fd
 *                                → /config_busy_poll_ack (or _nak)
 *   /fin                         → /fin_ack, then the server closes
 *
 * A reply matches up to a comma: text after it is the server's (cnetd
 * puts its reason there; CNDP's own server answers `/fd_ack,<n>`).
 */
#include "config.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cnet-error-private.h"
#include "cnet-mempool.h"
#include "cnet-port.h"
#include "cnet-uds-private.h"

struct _CnetUdsClient
{
  char *path;
  char *ifname;
  int fd;
  int map_fd;
};

static void
cnet_uds_set_errno_error (GError **error, const char *path, const char *step,
                          int errsv)
{
  CnetError code = cnet_error_from_errno (errsv);
  const char *why = g_strerror (errsv);

  switch (errsv)
    {
    case ENOENT:
      code = CNET_ERROR_NOT_FOUND;
      why = "no such socket (is the device plugin or cnetd serving it?)";
      break;
    case ECONNREFUSED:
      code = CNET_ERROR_NOT_FOUND;
      why = "nothing listens on the socket";
      break;
    case EACCES:
    case EPERM:
      code = CNET_ERROR_PERMISSION_DENIED;
      why = "the socket's mode does not let this user connect";
      break;
    default:
      break;
    }
  g_set_error (error, CNET_ERROR, code, "uds_path %s: %s: %s (%s)", path, step,
               why, g_strerror (errsv));
}

static gboolean
cnet_uds_send (CnetUdsClient *c, const char *msg, int pass_fd, GError **error)
{
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = (void *) msg, .iov_len = strlen (msg) };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

  if (pass_fd >= 0)
    {
      struct cmsghdr *cm;

      mh.msg_control = cbuf;
      mh.msg_controllen = sizeof cbuf;
      cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &pass_fd, sizeof (int));
    }
  if (sendmsg (c->fd, &mh, MSG_NOSIGNAL) < 0)
    {
      cnet_uds_set_errno_error (error, c->path, msg, errno);
      return FALSE;
    }
  return TRUE;
}

/* Receives one reply to @step into @buf; an fd that came with it goes to
 * @fd_out (closed when @fd_out is NULL). */
static gboolean
cnet_uds_recv (CnetUdsClient *c, const char *step, char *buf, gsize len,
               int *fd_out, GError **error)
{
  char cbuf[CMSG_SPACE (sizeof (int) * 4)];
  struct iovec iov = { .iov_base = buf, .iov_len = len - 1 };
  struct msghdr mh = { .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cbuf,
                       .msg_controllen = sizeof cbuf };
  struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
  ssize_t n;
  int r;

  if (fd_out != NULL)
    *fd_out = -1;
  do
    r = poll (&pfd, 1, CNET_UDS_REPLY_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "uds_path %s: %s: no reply from the server within %d ms",
                   c->path, step, CNET_UDS_REPLY_TIMEOUT_MS);
      return FALSE;
    }
  do
    n = recvmsg (c->fd, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      cnet_uds_set_errno_error (error, c->path, step, errno);
      return FALSE;
    }
  for (struct cmsghdr *cm = CMSG_FIRSTHDR (&mh); cm != NULL;
       cm = CMSG_NXTHDR (&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      {
        gsize nfds = (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int);

        for (gsize i = 0; i < nfds; i++)
          {
            int fd;

            memcpy (&fd, CMSG_DATA (cm) + i * sizeof (int), sizeof fd);
            if (fd_out != NULL && *fd_out < 0)
              *fd_out = fd;
            else
              close (fd);
          }
      }
  if (n == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "uds_path %s: %s: the server closed the connection", c->path,
                   step);
      return FALSE;
    }
  buf[n] = '\0';
  return TRUE;
}

/* Whether @reply is @want, or @want followed by a comma and more. */
static gboolean
cnet_uds_reply_is (const char *reply, const char *want)
{
  gsize n = strlen (want);

  return strncmp (reply, want, n) == 0 && (reply[n] == '\0' || reply[n] == ',');
}

/* The server's reason, after the first comma of a nak, for messages. */
static const char *
cnet_uds_reason (const char *reply)
{
  const char *comma = strchr (reply, ',');

  return comma != NULL ? comma + 1 : "no reason given";
}

/* Sends @cmd and expects @ok; anything else fails with @code. */
static gboolean
cnet_uds_transact (CnetUdsClient *c, const char *cmd, int pass_fd,
                   const char *ok, CnetError code, int *fd_out, GError **error)
{
  char reply[CNET_UDS_MAX_MESSAGE + 1];
  int fd = -1;

  if (!cnet_uds_send (c, cmd, pass_fd, error) ||
      !cnet_uds_recv (c, cmd, reply, sizeof reply, fd_out ? &fd : NULL, error))
    return FALSE;
  if (!cnet_uds_reply_is (reply, ok))
    {
      if (fd >= 0)
        close (fd);
      g_set_error (error, CNET_ERROR,
                   cnet_uds_reply_is (reply, "/nak") ? CNET_ERROR_NOT_SUPPORTED
                                                     : code,
                   "uds_path %s: %s: the server answered \"%s\", not %s (%s)",
                   c->path, cmd, reply, ok, cnet_uds_reason (reply));
      return FALSE;
    }
  if (fd_out != NULL)
    *fd_out = fd;
  return TRUE;
}

CnetUdsClient *
cnet_uds_client_connect (const char *path, const char *ifname, GError **error)
{
  g_autoptr (CnetUdsClient) c = g_new0 (CnetUdsClient, 1);
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  struct bpf_map_info info = { 0 };
  __u32 info_len = sizeof info;
  char host[256] = "";
  g_autofree char *cmd = NULL;

  c->path = g_strdup (path);
  c->ifname = g_strdup (ifname);
  c->map_fd = -1;
  c->fd = -1;
  if (strlen (path) >= sizeof sun.sun_path)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "uds_path %s: longer than a Unix socket path may be (%zu "
                   "bytes)",
                   path, sizeof sun.sun_path - 1);
      return NULL;
    }
  strcpy (sun.sun_path, path);
  c->fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    {
      cnet_uds_set_errno_error (error, path, "socket", errno);
      return NULL;
    }
  if (connect (c->fd, (struct sockaddr *) &sun, sizeof sun) < 0)
    {
      cnet_uds_set_errno_error (error, path, "connect", errno);
      return NULL;
    }

  /* The plugin checks the pod's name, which is its hostname. */
  if (gethostname (host, sizeof host - 1) < 0)
    g_strlcpy (host, "localhost", sizeof host);
  cmd = g_strdup_printf ("/connect,%s", host);
  if (strlen (cmd) > CNET_UDS_MAX_MESSAGE)
    cmd[CNET_UDS_MAX_MESSAGE] = '\0';
  if (!cnet_uds_transact (c, cmd, -1, "/host_ok", CNET_ERROR_PERMISSION_DENIED,
                          NULL, error))
    return NULL;

  g_free (cmd);
  cmd = g_strdup_printf ("/xsk_map_fd,%s", ifname);
  if (!cnet_uds_transact (c, cmd, -1, "/fd_ack", CNET_ERROR_PERMISSION_DENIED,
                          &c->map_fd, error))
    return NULL;
  if (c->map_fd < 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "uds_path %s: %s: /fd_ack came without a file descriptor",
                   path, cmd);
      return NULL;
    }
  if (bpf_obj_get_info_by_fd (c->map_fd, &info, &info_len) < 0 ||
      info.type != BPF_MAP_TYPE_XSKMAP)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "uds_path %s: %s: the file descriptor that came with "
                   "/fd_ack is not an XSKMAP",
                   path, cmd);
      return NULL;
    }
  g_debug ("uds_path %s: %s's XSKMAP is map %u (%u entries)", path, ifname,
           info.id, info.max_entries);
  return g_steal_pointer (&c);
}

gboolean
cnet_uds_client_config_busy_poll (CnetUdsClient *c, int xsk_fd, guint usecs,
                                  guint budget, GError **error)
{
  g_autofree char *cmd =
    g_strdup_printf ("/config_busy_poll,%u,%u", usecs, budget);

  return cnet_uds_transact (c, cmd, xsk_fd, "/config_busy_poll_ack",
                            CNET_ERROR_FAILED, NULL, error);
}

gboolean
cnet_uds_client_set_socket (CnetUdsClient *c, guint queue, int xsk_fd,
                            GError **error)
{
  __u32 key = queue;
  __u32 value = (__u32) xsk_fd;

  if (bpf_map_update_elem (c->map_fd, &key, &value, BPF_NOEXIST) < 0)
    {
      int errsv = errno;

      g_set_error (error, CNET_ERROR,
                   errsv == EEXIST ? CNET_ERROR_BUSY
                                   : cnet_error_from_errno (errsv),
                   "uds_path %s: %s queue %u: cannot put the socket in the "
                   "XSKMAP the server passed: %s",
                   c->path, c->ifname, queue,
                   errsv == EEXIST  ? "another socket holds the queue's entry"
                   : errsv == E2BIG ? "the map has no entry for that queue"
                                    : g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

void
cnet_uds_client_clear_socket (CnetUdsClient *c, guint queue)
{
  __u32 key = queue;

  if (bpf_map_delete_elem (c->map_fd, &key) < 0 && errno != ENOENT)
    g_debug ("uds_path %s: %s queue %u: cannot clear the XSKMAP entry: %s",
             c->path, c->ifname, queue, g_strerror (errno));
}

void
cnet_uds_client_free (CnetUdsClient *c)
{
  if (c == NULL)
    return;
  if (c->fd >= 0 && c->map_fd >= 0)
    {
      g_autoptr (GError) error = NULL;
      char reply[CNET_UDS_MAX_MESSAGE + 1];

      /* The server cleans up when the connection closes in any case; /fin
       * says it was on purpose, and waiting for /fin_ack orders it after
       * the socket's close. */
      if (!cnet_uds_send (c, "/fin", -1, &error) ||
          !cnet_uds_recv (c, "/fin", reply, sizeof reply, NULL, &error))
        g_debug ("%s", error->message);
    }
  if (c->map_fd >= 0)
    close (c->map_fd);
  if (c->fd >= 0)
    close (c->fd);
  g_free (c->path);
  g_free (c->ifname);
  g_free (c);
}

/* --- the public constructor ------------------------------------------ */

/**
 * cnet_port_new_uds:
 * @uds_path: the path of the device plugin's Unix socket
 * @interface: the interface name
 * @queue: the receive queue
 * @mempool: the mempool to receive into and send from
 * @error: return location for a #GError
 *
 * Opens a port through an AF_XDP device plugin's Unix socket (see
 * #CnetPort:uds-path), with default settings otherwise. Errors name the
 * socket path and the step of the protocol that failed.
 *
 * Needs CAP_NET_RAW (or root) only.
 *
 * Returns: (transfer full): the port, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetPort *
cnet_port_new_uds (const char *uds_path, const char *interface, guint queue,
                   CnetMempool *mempool, GError **error)
{
  g_return_val_if_fail (uds_path != NULL, NULL);
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);

  return g_initable_new (CNET_TYPE_PORT, NULL, error, "uds-path", uds_path,
                         "interface", interface, "queue", queue, "mempool",
                         mempool, NULL);
}
