/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-send: a small traffic source for trying libcnet out. Sends UDP
 * frames from an interface with an AF_PACKET socket, counts the frames that
 * come back (from an echo such as cnet-echo) and checks they are intact.
 * It uses plain system calls, so it tops out at a few hundred thousand
 * frames per second; bench/ has the in-kernel generator for measuring.
 *
 *   cnet-send -i veth1 [-n 10000] [-s 64] [--dst MAC]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MARKER 0x434e4553u /* "CNES" */
#define HDR_LEN                                                                \
  (sizeof (struct ethhdr) + sizeof (struct iphdr) + sizeof (struct udphdr))

/* The headers are built in aligned locals and copied in: after the
 * 14-byte Ethernet header, the IP header in @buf is not 4-byte aligned. */
static void
build_frame (guint8 *buf, gsize len, const guint8 *dst, const guint8 *src,
             guint32 seq)
{
  struct ethhdr eth = { 0 };
  struct iphdr ip = { 0 };
  struct udphdr udp = { 0 };
  guint32 words[2] = { htonl (MARKER), htonl (seq) };
  guint16 halves[sizeof ip / 2];
  guint32 sum = 0;

  memcpy (eth.h_dest, dst, 6);
  memcpy (eth.h_source, src, 6);
  eth.h_proto = htons (ETH_P_IP);
  ip.version = 4;
  ip.ihl = 5;
  ip.ttl = 64;
  ip.protocol = IPPROTO_UDP;
  ip.tot_len = htons ((guint16) (len - sizeof eth));
  ip.saddr = htonl (0xc0000201); /* 192.0.2.1: TEST-NET-1 */
  ip.daddr = htonl (0xc0000202);
  memcpy (halves, &ip, sizeof ip);
  for (guint i = 0; i < G_N_ELEMENTS (halves); i++)
    sum += halves[i];
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  ip.check = (guint16) ~sum;
  udp.source = htons (9000);
  udp.dest = htons (9001);
  udp.len = htons ((guint16) (len - sizeof eth - sizeof ip));
  memcpy (buf, &eth, sizeof eth);
  memcpy (buf + sizeof eth, &ip, sizeof ip);
  memcpy (buf + sizeof eth + sizeof ip, &udp, sizeof udp);
  memcpy (buf + HDR_LEN, words, sizeof words);
  for (gsize i = HDR_LEN + sizeof words; i < len; i++)
    buf[i] = (guint8) (seq + i);
}

/* Returns the sequence number of an intact frame of ours, or -1. */
static gint64
check_frame (const guint8 *buf, gsize len)
{
  guint32 words[2];
  guint32 seq;

  if (len < HDR_LEN + sizeof words)
    return -1;
  memcpy (words, buf + HDR_LEN, sizeof words);
  if (ntohl (words[0]) != MARKER)
    return -1;
  seq = ntohl (words[1]);
  for (gsize i = HDR_LEN + sizeof words; i < len; i++)
    if (buf[i] != (guint8) (seq + i))
      return -1;
  return seq;
}

static gboolean
parse_mac (const char *s, guint8 *mac)
{
  unsigned int b[6];

  if (sscanf (s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
              &b[5]) != 6)
    return FALSE;
  for (int i = 0; i < 6; i++)
    mac[i] = (guint8) b[i];
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *interface = NULL;
  g_autofree char *dst_str = NULL;
  int count = 10000, size = 64, wait_ms = 1000;
  const GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &interface,
      "The interface to send from", "IFACE" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Frames to send (10000)",
      "N" },
    { "size", 's', 0, G_OPTION_ARG_INT, &size,
      "Frame size without FCS, 60 to 1514 (64)", "BYTES" },
    { "dst", 0, 0, G_OPTION_ARG_STRING, &dst_str, "Destination MAC (broadcast)",
      "MAC" },
    { "wait", 'w', 0, G_OPTION_ARG_INT, &wait_ms,
      "How long to wait for the last echoes (1000)", "MS" },
    G_OPTION_ENTRY_NULL
  };
  guint8 dst[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, src[6];
  guint8 buf[2048];
  struct ifreq ifr = { 0 };
  struct sockaddr_ll sll = { .sll_family = AF_PACKET };
  g_autofree guint8 *seen = NULL;
  guint64 sent = 0, back = 0, intact = 0, dups = 0;
  int fd, one = 1, rcvbuf = 32 << 20;
  gint64 start, last_rx;

  context = g_option_context_new ("- send UDP frames and count the echoes");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cnet-send: %s\n", error->message);
      return 2;
    }
  if (interface == NULL || count <= 0 || size < 60 || size > 1514 ||
      (dst_str && !parse_mac (dst_str, dst)))
    {
      g_printerr ("cnet-send: give -i IFACE, a count > 0, a size from 60 "
                  "to 1514 and a MAC like 02:00:00:00:00:01\n");
      return 2;
    }

  fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (ETH_P_ALL));
  if (fd < 0)
    {
      g_printerr ("cnet-send: cannot open a packet socket: %s (needs "
                  "CAP_NET_RAW)\n",
                  g_strerror (errno));
      return 1;
    }
  g_strlcpy (ifr.ifr_name, interface, sizeof ifr.ifr_name);
  sll.sll_protocol = htons (ETH_P_ALL);
  sll.sll_ifindex = (int) if_nametoindex (interface);
  if (sll.sll_ifindex == 0 || ioctl (fd, SIOCGIFHWADDR, &ifr) < 0 ||
      bind (fd, (struct sockaddr *) &sll, sizeof sll) < 0)
    {
      g_printerr ("cnet-send: %s: %s\n", interface, g_strerror (errno));
      return 1;
    }
  memcpy (src, ifr.ifr_hwaddr.sa_data, 6);
  setsockopt (fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  if (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  seen = g_new0 (guint8, count);
  start = last_rx = g_get_monotonic_time ();
  while (TRUE)
    {
      gssize r;

      if (sent < (guint64) count)
        {
          build_frame (buf, (gsize) size, dst, src, (guint32) sent);
          if (send (fd, buf, (gsize) size, MSG_DONTWAIT) == size)
            sent++;
          else if (errno != EAGAIN && errno != ENOBUFS)
            {
              g_printerr ("cnet-send: send: %s\n", g_strerror (errno));
              break;
            }
        }
      else
        {
          struct pollfd pfd = { .fd = fd, .events = POLLIN };
          if (g_get_monotonic_time () - last_rx > wait_ms * 1000 ||
              back >= (guint64) count)
            break;
          poll (&pfd, 1, 10);
        }
      while ((r = recv (fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
        {
          gint64 seq = check_frame (buf, (gsize) r);

          if (seq < 0 || seq >= count)
            continue; /* not ours */
          back++;
          last_rx = g_get_monotonic_time ();
          if (seen[seq]++)
            dups++;
          else if (memcmp (buf, src, 6) == 0)
            intact++; /* addressed back to us: the echo swapped the MACs */
        }
    }

  g_print ("cnet-send: %s: sent %" G_GUINT64_FORMAT " frames of %d bytes in "
           "%.2f s; %" G_GUINT64_FORMAT " came back (%" G_GUINT64_FORMAT
           " intact and addressed to us, %" G_GUINT64_FORMAT " duplicates)\n",
           interface, sent, size, (g_get_monotonic_time () - start) / 1e6, back,
           intact, dups);
  close (fd);
  return back == sent && intact == sent ? 0 : 1;
}
