/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Facts about a network interface, from the kernel of the calling thread's
 * network namespace (ioctl on a socket, never sysfs, which shows the
 * namespace sysfs was mounted in).
 */
#include "config.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-error.h"
#include "cnet-features-private.h"
#include "cnet-netdev-private.h"

static int
cnet_netdev_ethtool (int fd, const char *ifname, void *cmd)
{
  struct ifreq ifr = { 0 };

  g_strlcpy (ifr.ifr_name, ifname, sizeof ifr.ifr_name);
  ifr.ifr_data = cmd;
  return ioctl (fd, SIOCETHTOOL, &ifr);
}

gboolean
cnet_netdev_lookup (const char *ifname, CnetNetdevInfo *info, GError **error)
{
  struct ethtool_channels channels = { .cmd = ETHTOOL_GCHANNELS };
  struct ethtool_drvinfo drvinfo = { .cmd = ETHTOOL_GDRVINFO };
  int fd;

  memset (info, 0, sizeof *info);
  if (ifname == NULL || *ifname == '\0' || strlen (ifname) >= IFNAMSIZ)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "\"%s\" is not a valid interface name",
                   ifname ? ifname : "(null)");
      return FALSE;
    }
  g_strlcpy (info->name, ifname, sizeof info->name);

  info->ifindex = if_nametoindex (ifname);
  if (info->ifindex == 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                   "%s: no such interface in this network namespace (%s)",
                   ifname, g_strerror (errsv));
      return FALSE;
    }

  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return TRUE; /* the rest is optional */

  /* Drivers count queues as "combined" (NICs) or "rx" (veth). Without
   * ETHTOOL_GCHANNELS the count stays unknown and bind() decides. */
  if (cnet_netdev_ethtool (fd, ifname, &channels) == 0)
    info->n_rx_queues = channels.combined_count + channels.rx_count;
  if (cnet_netdev_ethtool (fd, ifname, &drvinfo) == 0)
    g_strlcpy (info->driver, drvinfo.driver, sizeof info->driver);
  else
    g_strlcpy (info->driver, "unknown", sizeof info->driver);
  close (fd);
  return TRUE;
}

gboolean
cnet_netdev_exists (guint ifindex)
{
  char name[IF_NAMESIZE];

  return if_indextoname (ifindex, name) != NULL;
}

/* The netdev generic-netlink family (linux/netdev.h, kernel 6.3; the
 * Debian 12 headers predate it, so the few numbers needed are here). */
#define CNET_NETDEV_FAMILY_NAME "netdev"
#define CNET_NETDEV_CMD_DEV_GET 1
#define CNET_NETDEV_A_DEV_IFINDEX 1
#define CNET_NETDEV_A_DEV_XDP_FEATURES 3
#define CNET_NETDEV_CMD_QUEUE_GET 10
#define CNET_NETDEV_A_QUEUE_ID 1
#define CNET_NETDEV_A_QUEUE_IFINDEX 2
#define CNET_NETDEV_A_QUEUE_TYPE 3
#define CNET_NETDEV_A_QUEUE_XSK 7
#define CNET_NETDEV_QUEUE_TYPE_RX 0

typedef struct
{
  struct nlmsghdr nlh;
  struct genlmsghdr genl;
  char attrs[64];
} CnetGenlRequest;

static void
genl_put_attr (CnetGenlRequest *req, guint16 type, const void *data,
               guint16 len)
{
  struct nlattr *nla =
    (struct nlattr *) ((char *) &req->nlh + NLMSG_ALIGN (req->nlh.nlmsg_len));

  nla->nla_type = type;
  nla->nla_len = (guint16) (NLA_HDRLEN + len);
  memcpy ((char *) nla + NLA_HDRLEN, data, len);
  req->nlh.nlmsg_len =
    NLMSG_ALIGN (req->nlh.nlmsg_len) + NLA_ALIGN (nla->nla_len);
}

/* Sends @req and finds attribute @want in the reply; returns its payload
 * length (copied to @out, at most @out_len bytes), -2 when the reply does
 * not have it, or -1 when there is no reply. */
static int
genl_query (int fd, CnetGenlRequest *req, guint16 want, void *out,
            gsize out_len)
{
  char buf[8192];
  struct nlmsghdr *nlh = (struct nlmsghdr *) buf;
  gssize n;

  if (send (fd, req, req->nlh.nlmsg_len, 0) < 0)
    return -1;
  n = recv (fd, buf, sizeof buf, 0);
  if (n < (gssize) NLMSG_HDRLEN || !NLMSG_OK (nlh, (guint) n) ||
      nlh->nlmsg_type == NLMSG_ERROR)
    return -1;
  {
    char *p = (char *) NLMSG_DATA (nlh) + GENL_HDRLEN;
    char *end = (char *) nlh + nlh->nlmsg_len;

    while (p + NLA_HDRLEN <= end)
      {
        struct nlattr *nla = (struct nlattr *) p;
        int len = nla->nla_len - NLA_HDRLEN;

        if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
          break;
        if ((nla->nla_type & NLA_TYPE_MASK) == want)
          {
            memcpy (out, p + NLA_HDRLEN, MIN ((gsize) len, out_len));
            return len;
          }
        p += NLA_ALIGN (nla->nla_len);
      }
  }
  return -2;
}

/* Opens a generic netlink socket and resolves the netdev family; returns
 * the socket, or -1. */
static int
netdev_genl_open (guint16 *family)
{
  CnetGenlRequest req = { 0 };
  int fd;

  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (fd < 0)
    return -1;
  req.nlh.nlmsg_len = NLMSG_LENGTH (GENL_HDRLEN);
  req.nlh.nlmsg_type = GENL_ID_CTRL;
  req.nlh.nlmsg_flags = NLM_F_REQUEST;
  req.genl.cmd = CTRL_CMD_GETFAMILY;
  req.genl.version = 1;
  genl_put_attr (&req, CTRL_ATTR_FAMILY_NAME, CNET_NETDEV_FAMILY_NAME,
                 sizeof CNET_NETDEV_FAMILY_NAME);
  if (genl_query (fd, &req, CTRL_ATTR_FAMILY_ID, family, sizeof *family) !=
      sizeof *family)
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* The interface's XDP features (NETDEV_XDP_ACT_*), from the kernel's
 * netdev family; FALSE when the kernel cannot tell. */
gboolean
cnet_netdev_xdp_features (guint ifindex, guint64 *features)
{
  CnetGenlRequest req = { 0 };
  guint16 family = 0;
  guint32 idx = ifindex;
  int fd;
  gboolean ok = FALSE;

  fd = netdev_genl_open (&family);
  if (fd >= 0)
    {
      memset (&req, 0, sizeof req);
      req.nlh.nlmsg_len = NLMSG_LENGTH (GENL_HDRLEN);
      req.nlh.nlmsg_type = family;
      req.nlh.nlmsg_flags = NLM_F_REQUEST;
      req.genl.cmd = CNET_NETDEV_CMD_DEV_GET;
      req.genl.version = 1;
      genl_put_attr (&req, CNET_NETDEV_A_DEV_IFINDEX, &idx, sizeof idx);
      *features = 0;
      ok = genl_query (fd, &req, CNET_NETDEV_A_DEV_XDP_FEATURES, features,
                       sizeof *features) == sizeof *features;
      close (fd);
    }
  return ok;
}

/* Whether an AF_XDP socket (any process's, in copy or zero-copy mode) has
 * its buffer pool registered on receive queue @queue: what makes a new
 * bind() there fail with EBUSY. The kernel's netdev family says so with
 * the queue's "xsk" attribute (Linux 6.13). The pool goes some time after
 * the last fd and ring mapping of its socket are closed (the kernel frees
 * it from a work queue). FALSE when the kernel cannot tell. */
gboolean
cnet_netdev_queue_has_xsk (guint ifindex, guint queue, gboolean *has_xsk)
{
  CnetGenlRequest req = { 0 };
  guint16 family = 0;
  guint32 idx = ifindex, type = CNET_NETDEV_QUEUE_TYPE_RX, id = queue;
  guint32 got_id = 0;
  char dummy[4];
  int fd, r;

  fd = netdev_genl_open (&family);
  if (fd < 0)
    return FALSE;
  req.nlh.nlmsg_len = NLMSG_LENGTH (GENL_HDRLEN);
  req.nlh.nlmsg_type = family;
  req.nlh.nlmsg_flags = NLM_F_REQUEST;
  req.genl.cmd = CNET_NETDEV_CMD_QUEUE_GET;
  req.genl.version = 1;
  genl_put_attr (&req, CNET_NETDEV_A_QUEUE_IFINDEX, &idx, sizeof idx);
  genl_put_attr (&req, CNET_NETDEV_A_QUEUE_TYPE, &type, sizeof type);
  genl_put_attr (&req, CNET_NETDEV_A_QUEUE_ID, &id, sizeof id);
  /* First make sure the kernel knows queues at all (the reply carries the
   * id); then look for the xsk attribute. */
  if (genl_query (fd, &req, CNET_NETDEV_A_QUEUE_ID, &got_id, sizeof got_id) !=
      sizeof got_id)
    {
      close (fd);
      return FALSE;
    }
  r = genl_query (fd, &req, CNET_NETDEV_A_QUEUE_XSK, dummy, sizeof dummy);
  close (fd);
  if (r == -1)
    return FALSE;
  *has_xsk = r >= 0;
  return TRUE;
}

/* The bind mode to try for @asked on @ifindex, decided here for the
 * library and cnetd alike. %CNET_BIND_MODE_AUTO is zero-copy when the
 * kernel says the driver has it and copy when it says not; when the kernel
 * cannot say (before Linux 6.3), zero-copy if the caller can fall back to
 * copy on EOPNOTSUPP (@can_retry: it opens a fresh socket, since a socket
 * whose bind failed cannot be bound again), else copy. */
CnetBindMode
cnet_bind_mode_choose (CnetBindMode asked, guint ifindex, gboolean can_retry)
{
  guint64 features;

  if (asked != CNET_BIND_MODE_AUTO)
    return asked;
  if (cnet_netdev_xdp_features (ifindex, &features))
    return (features & CNET_NETDEV_XDP_ACT_XSK_ZEROCOPY)
             ? CNET_BIND_MODE_ZEROCOPY
             : CNET_BIND_MODE_COPY;
  return can_retry ? CNET_BIND_MODE_ZEROCOPY : CNET_BIND_MODE_COPY;
}
