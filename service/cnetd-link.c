/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Interfaces as rtnetlink reports them: a dump at start, one interface on
 * demand (for its counters), and a socket that hears of every change.
 */
#include "cnetd-build-config.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-error-private.h"
#include "cnetd-link.h"

gboolean
cnetd_link_parse (const struct nlmsghdr *nlh, CnetdLinkInfo *info)
{
  const struct ifinfomsg *ifi = NLMSG_DATA (nlh);
  const struct rtattr *rta;
  int len;

  if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
      nlh->nlmsg_len < NLMSG_LENGTH (sizeof *ifi))
    return FALSE;
  memset (info, 0, sizeof *info);
  info->ifindex = (guint) ifi->ifi_index;
  len = (int) (nlh->nlmsg_len - NLMSG_LENGTH (sizeof *ifi));
  for (rta = IFLA_RTA (ifi); RTA_OK (rta, len); rta = RTA_NEXT (rta, len))
    {
      const void *data = RTA_DATA (rta);
      gsize dlen = RTA_PAYLOAD (rta);

      switch (rta->rta_type)
        {
        case IFLA_IFNAME:
          g_strlcpy (info->name, data, MIN (dlen + 1, sizeof info->name));
          break;
        case IFLA_MTU:
          if (dlen >= 4)
            memcpy (&info->mtu, data, 4);
          break;
        case IFLA_ADDRESS:
          info->mac_len = (guint) MIN (dlen, sizeof info->mac);
          memcpy (info->mac, data, info->mac_len);
          break;
        case IFLA_NUM_RX_QUEUES:
          if (dlen >= 4)
            memcpy (&info->n_rx_queues, data, 4);
          break;
        case IFLA_NUM_TX_QUEUES:
          if (dlen >= 4)
            memcpy (&info->n_tx_queues, data, 4);
          break;
        case IFLA_STATS64:
          if (dlen >= sizeof info->stats)
            {
              memcpy (&info->stats, data, sizeof info->stats);
              info->has_stats = TRUE;
            }
          break;
        default:
          break;
        }
    }
  return info->name[0] != '\0';
}

static int
link_request (guint ifindex, guint16 flags)
{
  struct
  {
    struct nlmsghdr nlh;
    struct ifinfomsg ifi;
  } req = {
    .nlh = { .nlmsg_len = NLMSG_LENGTH (sizeof (struct ifinfomsg)),
             .nlmsg_type = RTM_GETLINK,
             .nlmsg_flags = NLM_F_REQUEST | flags,
             .nlmsg_seq = 1 },
    .ifi = { .ifi_family = AF_UNSPEC, .ifi_index = (int) ifindex },
  };
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

  if (fd < 0)
    return -1;
  if (send (fd, &req, req.nlh.nlmsg_len, 0) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

GArray *
cnetd_link_dump (GError **error)
{
  g_autoptr (GArray) links = g_array_new (FALSE, TRUE, sizeof (CnetdLinkInfo));
  static char buf[65536];
  int fd = link_request (0, NLM_F_DUMP);

  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "cannot list the interfaces: %s", g_strerror (errsv));
      return NULL;
    }
  for (;;)
    {
      gssize n = recv (fd, buf, sizeof buf, 0);
      struct nlmsghdr *nlh = (struct nlmsghdr *) buf;

      if (n <= 0)
        break;
      for (; NLMSG_OK (nlh, (guint) n); nlh = NLMSG_NEXT (nlh, n))
        {
          CnetdLinkInfo info;

          if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
            {
              close (fd);
              return g_steal_pointer (&links);
            }
          if (cnetd_link_parse (nlh, &info))
            g_array_append_val (links, info);
        }
    }
  close (fd);
  return g_steal_pointer (&links);
}

gboolean
cnetd_link_get (guint ifindex, CnetdLinkInfo *info)
{
  char buf[16384];
  int fd = link_request (ifindex, 0);
  gssize n;
  gboolean ok = FALSE;

  if (fd < 0)
    return FALSE;
  n = recv (fd, buf, sizeof buf, 0);
  if (n > 0 && NLMSG_OK ((struct nlmsghdr *) buf, (guint) n))
    ok = cnetd_link_parse ((struct nlmsghdr *) buf, info);
  close (fd);
  return ok;
}

int
cnetd_link_monitor_open (GError **error)
{
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
  int fd =
    socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

  if (fd < 0 || bind (fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    {
      int errsv = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "cannot listen to interface changes: %s",
                   g_strerror (errsv));
      return -1;
    }
  return fd;
}
