/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-bench ping: the latency client. Sends one frame at a time on an
 * AF_PACKET socket, spins until its echo (MACs swapped, by the server on
 * the peer) comes back and records the round trip. The client's own cost is
 * the same for every server, so differences between servers are theirs.
 *
 * Prints one JSON line: n, lost, p50_us, p99_us, mean_us, min_us.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cnet-bench.h"

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
bench_ping_main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ifname = NULL;
  g_autofree double *rtts = NULL;
  int count = 10000, warmup = 200, cpu = -1, size = 64;
  const GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &ifname,
      "The veth to ping from", "IFACE" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Round trips (10000)", "N" },
    { "warmup", 'w', 0, G_OPTION_ARG_INT, &warmup,
      "Round trips not recorded first (200)", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT, &size, "Frame size (64)", "BYTES" },
    { "cpu", 0, 0, G_OPTION_ARG_INT, &cpu, "Pin to this CPU", "N" },
    G_OPTION_ENTRY_NULL
  };
  struct sockaddr_ll sll = { .sll_family = AF_PACKET };
  guint8 src[6], dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
  guint8 frame[2048], buf[2048];
  gsize len;
  guint n = 0, lost = 0;
  double sum = 0;
  int one = 1;
  int fd;

  context = g_option_context_new ("- measure round trips");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cnet-bench ping: %s\n", error->message);
      return 2;
    }
  if (ifname == NULL || if_nametoindex (ifname) == 0 || count <= 0)
    {
      g_printerr ("cnet-bench ping: give an existing veth with -i\n");
      return 2;
    }
  if (!bench_set_cpu (cpu, &error))
    {
      g_printerr ("cnet-bench ping: %s\n", error->message);
      return 1;
    }
  if (!bench_read_mac (ifname, src))
    memset (src, 0x02, 6);

  fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (ETH_P_ALL));
  sll.sll_protocol = htons (ETH_P_ALL);
  sll.sll_ifindex = (int) if_nametoindex (ifname);
  if (fd < 0 || bind (fd, (struct sockaddr *) &sll, sizeof sll) < 0 ||
      setsockopt (fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0)
    {
      g_printerr ("cnet-bench ping: AF_PACKET: %s\n", g_strerror (errno));
      return 1;
    }

  rtts = g_new (double, count);
  for (int i = 0; i < warmup + count; i++)
    {
      guint32 seq = (guint32) i + 1;
      gint64 t0, t1, deadline;
      gboolean got = FALSE;

      len = bench_build_frame (frame, (gsize) CLAMP (size, 60, 1500), dst, src,
                               0x010200c0, 0x020200c0, seq);
      t0 = now_ns ();
      deadline = t0 + 100000000; /* 100 ms: lost */
      if (send (fd, frame, len, 0) != (gssize) len)
        {
          g_printerr ("cnet-bench ping: send: %s\n", g_strerror (errno));
          return 1;
        }
      while (!got && (t1 = now_ns ()) < deadline)
        {
          gssize r = recv (fd, buf, sizeof buf, MSG_DONTWAIT);
          guint32 rseq;

          if (r < 42 + 8 || memcmp (buf + 42, "cnb!", 4) != 0)
            continue;
          memcpy (&rseq, buf + 46, 4);
          got = rseq == seq;
        }
      if (i < warmup)
        continue;
      if (!got)
        {
          lost++;
          continue;
        }
      rtts[n++] = (t1 - t0) / 1000.0;
    }
  close (fd);
  qsort (rtts, n, sizeof (double), cmp_double);
  for (guint i = 0; i < n; i++)
    sum += rtts[i];
  g_print ("{\"n\": %u, \"lost\": %u, \"p50_us\": %.2f, \"p99_us\": %.2f, "
           "\"mean_us\": %.2f, \"min_us\": %.1f}\n",
           n, lost, n ? rtts[n / 2] : -1.0, n ? rtts[(guint) (n * 0.99)] : -1.0,
           n ? sum / n : -1.0, n ? rtts[0] : -1.0);
  return 0;
}
