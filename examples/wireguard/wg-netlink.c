/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How to reach an endpoint, from the kernel's tables over rtnetlink: the
 * route (output interface, gateway, preferred source) and the next hop's
 * link-layer address. When the neighbour table has no usable entry the
 * kernel is asked to resolve it (RTM_NEWNEIGH with NTF_USE, as `ip neigh
 * ... use` would), and the caller tries again later: cnet-wg has no ARP or
 * neighbour discovery of its own.
 */
#include "wg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
wg_netlink_open (GError **error)
{
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  struct timeval tv = { .tv_sec = 1 };

  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "rtnetlink socket: %s", g_strerror (errsv));
      return -1;
    }
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

typedef struct
{
  struct nlmsghdr nh;
  union
  {
    struct rtmsg rt;
    struct ndmsg nd;
  };
  char attrs[64];
} NlRequest;

static void
add_attr (NlRequest *req, guint16 type, const void *data, gsize len)
{
  struct rtattr *rta =
    (struct rtattr *) ((char *) req + NLMSG_ALIGN (req->nh.nlmsg_len));

  rta->rta_type = type;
  rta->rta_len = RTA_LENGTH (len);
  memcpy (RTA_DATA (rta), data, len);
  req->nh.nlmsg_len =
    NLMSG_ALIGN (req->nh.nlmsg_len) + RTA_ALIGN (rta->rta_len);
}

/* Sends @req and reads the answer into @buf: the reply message, or 0 with
 * a negative errno for an acknowledgement or error. */
static int
transact (int fd, NlRequest *req, char *buf, gsize size, struct nlmsghdr **out)
{
  static guint32 seq;
  ssize_t n;

  req->nh.nlmsg_seq = ++seq;
  if (send (fd, req, req->nh.nlmsg_len, 0) < 0)
    return -errno;
  for (;;)
    {
      n = recv (fd, buf, size, 0);
      if (n < 0)
        return -errno;
      for (struct nlmsghdr *nh = (struct nlmsghdr *) buf; NLMSG_OK (nh, n);
           nh = NLMSG_NEXT (nh, n))
        {
          if (nh->nlmsg_seq != req->nh.nlmsg_seq)
            continue;
          if (nh->nlmsg_type == NLMSG_ERROR)
            return ((struct nlmsgerr *) NLMSG_DATA (nh))->error;
          *out = nh;
          return 1;
        }
    }
}

static int
lookup_route (int fd, const WgEndpoint *dst, guint *oif, guint8 *gateway,
              gboolean *has_gateway, guint8 *prefsrc, gboolean *has_prefsrc)
{
  NlRequest req = { 0 };
  char buf[4096];
  struct nlmsghdr *nh = NULL;
  struct rtattr *rta;
  int len, r;
  gsize alen = dst->family == AF_INET ? 4 : 16;

  req.nh.nlmsg_len = NLMSG_LENGTH (sizeof (struct rtmsg));
  req.nh.nlmsg_type = RTM_GETROUTE;
  req.nh.nlmsg_flags = NLM_F_REQUEST;
  req.rt.rtm_family = (guint8) dst->family;
  req.rt.rtm_dst_len = (guint8) (alen * 8);
  add_attr (&req, RTA_DST, dst->addr.bytes, alen);
  r = transact (fd, &req, buf, sizeof buf, &nh);
  if (r <= 0)
    return r;
  *has_gateway = *has_prefsrc = FALSE;
  *oif = 0;
  len = RTM_PAYLOAD (nh);
  for (rta = RTM_RTA (NLMSG_DATA (nh)); RTA_OK (rta, len);
       rta = RTA_NEXT (rta, len))
    {
      if (rta->rta_type == RTA_OIF && RTA_PAYLOAD (rta) >= 4)
        memcpy (oif, RTA_DATA (rta), 4);
      else if (rta->rta_type == RTA_GATEWAY && RTA_PAYLOAD (rta) == alen)
        {
          memcpy (gateway, RTA_DATA (rta), alen);
          *has_gateway = TRUE;
        }
      else if (rta->rta_type == RTA_PREFSRC && RTA_PAYLOAD (rta) == alen)
        {
          memcpy (prefsrc, RTA_DATA (rta), alen);
          *has_prefsrc = TRUE;
        }
    }
  return 0;
}

static int
lookup_neighbour (int fd, int family, const guint8 *addr, guint ifindex,
                  guint8 mac[6])
{
  NlRequest req = { 0 };
  char buf[4096];
  struct nlmsghdr *nh = NULL;
  struct ndmsg *nd;
  struct rtattr *rta;
  int len, r;
  gsize alen = family == AF_INET ? 4 : 16;
  gboolean found = FALSE;

  req.nh.nlmsg_len = NLMSG_LENGTH (sizeof (struct ndmsg));
  req.nh.nlmsg_type = RTM_GETNEIGH;
  req.nh.nlmsg_flags = NLM_F_REQUEST;
  req.nd.ndm_family = (guint8) family;
  req.nd.ndm_ifindex = (int) ifindex;
  add_attr (&req, NDA_DST, addr, alen);
  r = transact (fd, &req, buf, sizeof buf, &nh);
  if (r <= 0)
    return r == 0 ? -ENOENT : r;
  nd = NLMSG_DATA (nh);
  if (!(nd->ndm_state & (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE |
                         NUD_STALE | NUD_DELAY)))
    return -EAGAIN;
  len = (int) nh->nlmsg_len - NLMSG_LENGTH (sizeof *nd);
  for (rta = (struct rtattr *) ((char *) nd + NLMSG_ALIGN (sizeof *nd));
       RTA_OK (rta, len); rta = RTA_NEXT (rta, len))
    if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD (rta) == 6)
      {
        memcpy (mac, RTA_DATA (rta), 6);
        found = TRUE;
      }
  return found ? 0 : -EAGAIN;
}

/* Asks the kernel to resolve @addr on @ifindex (it sends the ARP request
 * or neighbour solicitation itself). */
static void
request_neighbour (int fd, int family, const guint8 *addr, guint ifindex)
{
  NlRequest req = { 0 };
  char buf[1024];
  struct nlmsghdr *nh = NULL;

  req.nh.nlmsg_len = NLMSG_LENGTH (sizeof (struct ndmsg));
  req.nh.nlmsg_type = RTM_NEWNEIGH;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
  req.nd.ndm_family = (guint8) family;
  req.nd.ndm_ifindex = (int) ifindex;
  req.nd.ndm_state = NUD_NONE;
  req.nd.ndm_flags = NTF_USE;
  add_attr (&req, NDA_DST, addr, family == AF_INET ? 4 : 16);
  transact (fd, &req, buf, sizeof buf, &nh);
}

static guint16
fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

gboolean
wg_route_resolve (int nlfd, const WgEndpoint *dst,
                  const WgEndpoint *preferred_src, guint ifindex,
                  const guint8 if_mac[6], guint16 src_port, WgRoute *route,
                  GError **error)
{
  guint8 gateway[16], prefsrc[16];
  gboolean has_gateway, has_prefsrc;
  guint oif = 0;
  gsize alen = dst->family == AF_INET ? 4 : 16;
  g_autofree char *what = NULL; /* formatted only for an error: the
                                  * periodic refresh allocates nothing */
  guint8 *h = route->header;
  int r;

  memset (route, 0, sizeof *route);
  r = lookup_route (nlfd, dst, &oif, gateway, &has_gateway, prefsrc,
                    &has_prefsrc);
  if (r < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r),
                   "endpoint %s: no route: %s",
                   (what = wg_endpoint_to_string (dst)), g_strerror (-r));
      return FALSE;
    }
  if (oif != ifindex)
    {
      char name[IF_NAMESIZE] = "?";

      if_indextoname (oif, name);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                   "endpoint %s: the route goes out of %s, not the port's "
                   "interface",
                   (what = wg_endpoint_to_string (dst)), name);
      return FALSE;
    }
  route->dst = *dst;
  route->src.family = dst->family;
  route->src.port = src_port;
  if (preferred_src != NULL && preferred_src->family == dst->family)
    memcpy (route->src.addr.bytes, preferred_src->addr.bytes, alen);
  else if (has_prefsrc)
    memcpy (route->src.addr.bytes, prefsrc, alen);
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE,
                   "endpoint %s: the route gives no source address",
                   (what = wg_endpoint_to_string (dst)));
      return FALSE;
    }
  r = lookup_neighbour (nlfd, dst->family,
                        has_gateway ? gateway : dst->addr.bytes, ifindex,
                        route->dst_mac);
  if (r < 0)
    {
      request_neighbour (nlfd, dst->family,
                         has_gateway ? gateway : dst->addr.bytes, ifindex);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                   "endpoint %s: the next hop's link-layer address is not "
                   "known yet; asked the kernel to resolve it",
                   (what = wg_endpoint_to_string (dst)));
      return FALSE;
    }
  route->ifindex = ifindex;
  memcpy (route->src_mac, if_mac, 6);

  /* The outer headers, lengths and checksums filled in per packet. */
  memcpy (h, route->dst_mac, 6);
  memcpy (h + 6, if_mac, 6);
  if (dst->family == AF_INET)
    {
      guint32 sum = 0;

      h[12] = 0x08;
      h[13] = 0x00;
      h += WG_ETH_LEN;
      memset (h, 0, 20);
      h[0] = 0x45;
      h[6] = 0x40; /* don't fragment */
      h[8] = 64;
      h[9] = IPPROTO_UDP;
      memcpy (h + 12, route->src.addr.bytes, 4);
      memcpy (h + 16, dst->addr.bytes, 4);
      /* The partial checksum of the fixed fields, for the data path to
       * add the length to. */
      for (guint i = 0; i < 20; i += 2)
        sum += (guint32) (h[i] << 8 | h[i + 1]);
      h[10] = (guint8) (fold (sum) >> 8);
      h[11] = (guint8) fold (sum);
      h += 20;
      route->header_len = WG_ETH_LEN + 20 + 8;
    }
  else
    {
      h[12] = 0x86;
      h[13] = 0xdd;
      h += WG_ETH_LEN;
      memset (h, 0, 40);
      h[0] = 0x60;
      h[6] = IPPROTO_UDP;
      h[7] = 64;
      memcpy (h + 8, route->src.addr.bytes, 16);
      memcpy (h + 24, dst->addr.bytes, 16);
      h += 40;
      route->header_len = WG_ETH_LEN + 40 + 8;
    }
  h[0] = (guint8) (src_port >> 8);
  h[1] = (guint8) src_port;
  h[2] = (guint8) (dst->port >> 8);
  h[3] = (guint8) dst->port;
  h[4] = h[5] = h[6] = h[7] = 0;
  route->valid = TRUE;
  return TRUE;
}
