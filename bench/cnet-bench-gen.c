/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-bench gen: the in-kernel traffic generator and the sink.
 *
 * Generating: the XDP program cnet_bench_gen is run with BPF_PROG_RUN and
 * BPF_F_TEST_XDP_LIVE_FRAMES. The kernel then runs it `repeat` times on
 * copies of one test frame, in batches of `batch_size`, and really carries
 * out its verdict: XDP_REDIRECT into the veth given with -i, whose peer
 * receives the frames as if they had come off a wire. No system call per
 * packet, no socket: one core makes millions of frames a second.
 *
 * The sink (--sink): cnet_bench_sink is attached to the same veth; it
 * counts and drops whatever comes back through it (echoed or sent frames),
 * so the return rate is measured where the packets arrive.
 *
 * With --afpacket the frames go through the kernel's ordinary transmit
 * path instead: an AF_PACKET socket on -i (PACKET_QDISC_BYPASS), sendmmsg()
 * in batches, so the peer receives socket buffers that its stack takes
 * (veth_xmit, then netif_rx or, with an XDP program on the peer, its NAPI)
 * on the sender's CPU: kernel-bound traffic, for what a program attached to
 * the peer costs the kernel's own traffic (bench/cnet-xdp-idle-cost.py).
 *
 * Jumbo frames (--size above 3000): BPF_PROG_RUN refuses live frames
 * larger than a page, so the generator sends them from user space instead:
 * an AF_PACKET socket on the veth, sendmmsg() of 64 frames a call,
 * bypassing the qdisc. Slower per frame than the in-kernel generator, but a
 * 9014-byte frame costs the receiver far more than the sender's system
 * call share.
 *
 * Prints one JSON line: generated, elapsed_s, gen_mpps, returned.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cnet-bench.h"

static volatile sig_atomic_t gen_stop;

#define JUMBO_MAX 9216

static void
on_stop (int sig)
{
  gen_stop = 1;
}

/* SIGALRM only cuts a long BPF_PROG_RUN short at the deadline. */
static void
on_alarm (int sig)
{
}

/* Every BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES sets up and tears
 * down its page pool and memory model: about 20 ms a call on the test
 * machines (a paced run of 800-frame calls made 0.033 Mpps), during which
 * no frame is generated. In 65536-frame calls that left the receiver idle
 * two thirds of the time, then flooded it. So the generator makes one call
 * for the whole run and a timer interrupts it at the deadline (the kernel
 * stops the run at a pending signal); the frames are counted by the
 * program itself. The timer repeats in case it fires between calls. */
static void
arm_deadline (gint64 usec)
{
  struct itimerval it = {
    .it_value = { .tv_sec = usec / G_USEC_PER_SEC,
                  .tv_usec = MAX (usec % G_USEC_PER_SEC, 1) },
    .it_interval = { .tv_sec = 0, .tv_usec = 10000 },
  };

  setitimer (ITIMER_REAL, &it, NULL);
}

static void
disarm_deadline (void)
{
  struct itimerval it = { 0 };

  setitimer (ITIMER_REAL, &it, NULL);
}

/* The peer of a veth: its iflink. */
static gboolean
peer_name (const char *ifname, char *peer)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/iflink", ifname);
  g_autofree char *text = NULL;
  guint64 index;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  index = g_ascii_strtoull (text, NULL, 10);
  return index != 0 && if_indextoname ((unsigned) index, peer) != NULL;
}

/* --afpacket: batches of the frame through an AF_PACKET socket until the
 * deadline, a count or a signal; returns the frames the kernel took. */
static gint64
send_afpacket (guint ifindex, const guint8 *frame, gsize frame_len, int batch,
               gint64 deadline, gint64 count, GError **error)
{
  struct sockaddr_ll sll = { .sll_family = AF_PACKET,
                             .sll_protocol = htons (ETH_P_ALL),
                             .sll_ifindex = (int) ifindex };
  struct mmsghdr msgs[256];
  struct iovec iov = { .iov_base = (void *) frame, .iov_len = frame_len };
  gint64 sent = 0;
  int one = 1;
  int fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

  if (fd < 0 || bind (fd, (struct sockaddr *) &sll, sizeof sll) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "AF_PACKET socket on ifindex %u: %s", ifindex,
                   g_strerror (errsv));
      if (fd >= 0)
        close (fd);
      return -1;
    }
  /* Straight to the driver: the qdisc is not what is measured. */
  setsockopt (fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  memset (msgs, 0, sizeof msgs);
  for (int i = 0; i < batch; i++)
    {
      msgs[i].msg_hdr.msg_iov = &iov;
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
  while (!gen_stop && g_get_monotonic_time () < deadline &&
         (count == 0 || sent < count))
    {
      int n =
        sendmmsg (fd, msgs,
                  (unsigned) (count ? MIN (batch, count - sent) : batch), 0);

      if (n > 0)
        sent += n;
      else if (n < 0 && errno != EINTR && errno != ENOBUFS && errno != EAGAIN)
        {
          int errsv = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "sendmmsg: %s", g_strerror (errsv));
          close (fd);
          return -1;
        }
    }
  close (fd);
  return sent;
}

static gboolean
parse_ip (const char *s, guint32 *addr)
{
  struct in_addr in;

  if (inet_pton (AF_INET, s, &in) != 1)
    return FALSE;
  *addr = in.s_addr;
  return TRUE;
}

int
bench_gen_main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *ifname = NULL;
  g_autofree char *src_mac_s = NULL, *dst_mac_s = NULL;
  g_autofree char *src_ip_s = NULL, *dst_ip_s = NULL;
  double duration = 1.0, rate = 0;
  gint64 count = 0;
  int size = 64, cpu = -1, batch = 64, spin = 0;
  gboolean sink = FALSE, no_gen = FALSE, wait_go = FALSE, afpacket = FALSE;
  const GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &ifname,
      "The veth to send into (its peer receives)", "IFACE" },
    { "size", 's', 0, G_OPTION_ARG_INT, &size, "Frame size (64)", "BYTES" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, "Seconds to run (1)",
      "S" },
    { "count", 'n', 0, G_OPTION_ARG_INT64, &count,
      "Frames to send (0: as many as the duration allows)", "N" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate,
      "Frames per second at most (0: no limit)", "PPS" },
    { "src-mac", 0, 0, G_OPTION_ARG_STRING, &src_mac_s,
      "Source MAC (the veth's)", "MAC" },
    { "dst-mac", 0, 0, G_OPTION_ARG_STRING, &dst_mac_s,
      "Destination MAC (the peer's)", "MAC" },
    { "src-ip", 0, 0, G_OPTION_ARG_STRING, &src_ip_s, "Source IPv4 (192.0.2.1)",
      "IP" },
    { "dst-ip", 0, 0, G_OPTION_ARG_STRING, &dst_ip_s,
      "Destination IPv4 (192.0.2.2)", "IP" },
    { "cpu", 0, 0, G_OPTION_ARG_INT, &cpu, "Pin to this CPU", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch,
      "BPF_PROG_RUN batch size, 1 to 256 (64)", "N" },
    { "spin", 0, 0, G_OPTION_ARG_INT, &spin,
      "Busy-work iterations per frame in the generating program, to offer "
      "less than the generator's peak evenly (0)",
      "N" },
    { "sink", 0, 0, G_OPTION_ARG_NONE, &sink,
      "Count and drop frames coming back on the veth", NULL },
    { "no-gen", 0, 0, G_OPTION_ARG_NONE, &no_gen,
      "Only count returning frames (tx-only)", NULL },
    { "afpacket", 0, 0, G_OPTION_ARG_NONE, &afpacket,
      "Send through an AF_PACKET socket (the kernel's transmit path, socket "
      "buffers to the peer's stack) instead of BPF_PROG_RUN",
      NULL },
    { "wait-go", 0, 0, G_OPTION_ARG_NONE, &wait_go,
      "Print ready, start at a line on stdin", NULL },
    G_OPTION_ENTRY_NULL
  };
  struct sigaction sa = { .sa_handler = on_stop };
  struct sigaction sa_alarm = { .sa_handler = on_alarm };
  guint64 gen_start;
  struct bpf_object *obj = NULL;
  guint8 frame[JUMBO_MAX];
  guint8 src_mac[6], dst_mac[6];
  char peer[IF_NAMESIZE] = "";
  guint32 src_ip, dst_ip;
  guint ifindex;
  gsize frame_len;
  guint64 generated = 0, returned_start = 0, returned = 0;
  gint64 start, deadline, now, end;
  int status = 0;
  int prog_fd;

  context = g_option_context_new ("- generate frames in the kernel");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cnet-bench gen: %s\n", error->message);
      return 2;
    }
  if (ifname == NULL || (ifindex = if_nametoindex (ifname)) == 0)
    {
      g_printerr ("cnet-bench gen: give an existing veth with -i\n");
      return 2;
    }
  size = CLAMP (size, 60, JUMBO_MAX);
  batch = CLAMP (batch, 1, 256);
  if (!bench_read_mac (ifname, src_mac) || !peer_name (ifname, peer) ||
      !bench_read_mac (peer, dst_mac))
    memset (dst_mac, 0xff, 6);
  if ((src_mac_s && !bench_parse_mac (src_mac_s, src_mac)) ||
      (dst_mac_s && !bench_parse_mac (dst_mac_s, dst_mac)) ||
      !parse_ip (src_ip_s ? src_ip_s : "192.0.2.1", &src_ip) ||
      !parse_ip (dst_ip_s ? dst_ip_s : "192.0.2.2", &dst_ip))
    {
      g_printerr ("cnet-bench gen: bad MAC or IP address\n");
      return 2;
    }
  frame_len = bench_build_frame (frame, (gsize) size, dst_mac, src_mac, src_ip,
                                 dst_ip, 0);

  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGALRM, &sa_alarm, NULL);
  if (!bench_set_cpu (cpu, &error) ||
      (obj = bench_bpf_open (ifindex, &error)) == NULL ||
      (sink && !bench_xdp_attach (obj, "cnet_bench_sink", ifindex, &error)))
    {
      g_printerr ("cnet-bench gen: %s\n", error->message);
      if (obj != NULL)
        bpf_object__close (obj);
      return 1;
    }
  prog_fd =
    bpf_program__fd (bpf_object__find_program_by_name (obj, "cnet_bench_gen"));
  if (spin > 0)
    {
      guint32 key = 0, value = (guint32) spin;

      bpf_map_update_elem (
        bpf_map__fd (bpf_object__find_map_by_name (obj, "cnet_bench_gen_spin")),
        &key, &value, 0);
    }

  if (wait_go)
    {
      char line[16];

      g_print ("ready\n");
      fflush (stdout);
      if (fgets (line, sizeof line, stdin) == NULL)
        gen_stop = 1;
    }

  returned_start = bench_bpf_count (obj);
  gen_start = bench_bpf_count_map (obj, "cnet_bench_gen_count");
  start = g_get_monotonic_time ();
  deadline = start + (gint64) (duration * G_USEC_PER_SEC);
  now = start;
  if ((afpacket || size > 3000) && !no_gen)
    {
      gint64 sent = send_afpacket (ifindex, frame, frame_len, batch, deadline,
                                   count, &error);

      if (sent < 0)
        {
          g_printerr ("cnet-bench gen: %s\n", error->message);
          status = 1;
        }
      else
        generated = (guint64) sent;
      no_gen = TRUE;
      now = deadline;
    }
  if (!no_gen && rate <= 0)
    arm_deadline (deadline - start);
  while (!gen_stop && now < deadline &&
         (count == 0 || generated < (guint64) count))
    {
      LIBBPF_OPTS (bpf_test_run_opts, opts, .data_in = frame,
                   .data_size_in = (guint32) frame_len,
                   .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
                   .batch_size = (guint32) batch);
      /* Unpaced: one call (see arm_deadline). Paced: a millisecond's
       * worth, which the per-call cost makes coarse. */
      guint64 chunk =
        rate > 0 ? MAX ((guint64) batch, (guint64) (rate / 1000)) : G_MAXINT;
      int err;

      if (no_gen)
        {
          g_usleep (MIN (10000, deadline - now));
          now = g_get_monotonic_time ();
          continue;
        }
      if (count > 0)
        chunk = MIN (chunk, (guint64) count - generated);
      opts.repeat = (int) chunk;
      err = bpf_prog_test_run_opts (prog_fd, &opts);
      if (err != 0 && errno != EINTR)
        {
          g_printerr ("cnet-bench gen: BPF_PROG_RUN: %s\n", g_strerror (errno));
          status = 1;
          break;
        }
      generated = bench_bpf_count_map (obj, "cnet_bench_gen_count") - gen_start;
      now = g_get_monotonic_time ();
      if (rate > 0)
        {
          gint64 due = start + (gint64) (generated / rate * G_USEC_PER_SEC);

          if (due > now)
            {
              g_usleep ((gulong) (due - now));
              now = g_get_monotonic_time ();
            }
        }
    }
  end = g_get_monotonic_time ();
  disarm_deadline ();
  /* What is still on its way back (rings, queues) still counts. */
  if (sink)
    g_usleep (50000);
  returned = bench_bpf_count (obj) - returned_start;
  if (sink)
    bench_xdp_detach (ifindex);
  bpf_object__close (obj);

  g_print ("{\"generated\": %" G_GUINT64_FORMAT ", \"elapsed_s\": %.6f, "
           "\"gen_mpps\": %.4f, \"returned\": %" G_GUINT64_FORMAT ", "
           "\"returned_mpps\": %.4f}\n",
           generated, (end - start) / 1e6,
           generated / ((end - start) / 1e6) / 1e6, returned,
           returned / ((end - start) / 1e6) / 1e6);
  return status;
}
