/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Facts about a network interface, from the kernel of the calling thread's
 * network namespace (ioctl on a socket, never sysfs, which shows the
 * namespace sysfs was mounted in).
 */
#include "config.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-private.h"

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
