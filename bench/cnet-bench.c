/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-bench: the benchmark's one tool, driven by bench/run.
 *
 *   cnet-bench gen  -i VETH [...]   the in-kernel traffic generator and sink
 *   cnet-bench run  -i VETH -c CASE -m IMPL [...]   one consumer
 *   cnet-bench ping -i VETH [...]   the latency client
 *
 * `run` sets the implementation up, prints "ready", starts its loop, takes
 * the start of its measuring window at SIGUSR1 and stops at SIGTERM or
 * SIGINT, then prints one JSON line with what it counted in the window.
 * Implementations are rows of BenchImpl tables (cnet-bench-libcnet.c,
 * cnet-bench-raw.c, cnet-bench-kernel.c).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <locale.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cnet-bench.h"

volatile sig_atomic_t bench_stop;
volatile sig_atomic_t bench_mark_pending;

static void
on_stop (int sig)
{
  bench_stop = 1;
}

static void
on_mark (int sig)
{
  bench_mark_pending = 1;
}

static void
cpu_times (double *user, double *sys)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void
bench_mark (Bench *b)
{
  bench_mark_pending = 0;
  b->impl->read (b, &b->start);
  cpu_times (&b->start_cpu_user, &b->start_cpu_sys);
  b->start_allocs = bench_malloc_count ();
  b->start_polls = b->polls;
  b->start_empty_polls = b->empty_polls;
  b->start_time = g_get_monotonic_time ();
  b->marked = TRUE;
}

static const BenchImpl *
find_impl (const char *mode, const char *name)
{
  const BenchImpl *tables[] = { bench_libcnet_impls, bench_raw_impls,
                                bench_kernel_impls };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (const BenchImpl *i = tables[t]; i->mode != NULL; i++)
      if (g_str_equal (i->mode, mode) && g_str_equal (i->name, name))
        return i;
  return NULL;
}

static void
list_impls (void)
{
  const BenchImpl *tables[] = { bench_libcnet_impls, bench_raw_impls,
                                bench_kernel_impls };

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (const BenchImpl *i = tables[t]; i->mode != NULL; i++)
      g_print ("%s %s\n", i->mode, i->name);
}

static int
bench_run_main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *impl = NULL;
  g_autofree char *ifname = NULL;
  g_autofree char *cnetd = NULL;
  int cpu = -1, busy_poll = 0, size = 64, burst = BENCH_BURST;
  int n_rules = 0, frames = 0, ring = 0, rx_metadata = 0;
  gboolean multi_buffer = FALSE, meta_no_read = FALSE;
  gboolean list = FALSE, tx_budget = FALSE;
  const GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &ifname,
      "The interface the traffic arrives on", "IFACE" },
    { "case", 'c', 0, G_OPTION_ARG_STRING, &mode,
      "rx-drop, echo, tx-only or pong", "CASE" },
    { "impl", 'm', 0, G_OPTION_ARG_STRING, &impl,
      "libcnet, raw, afpacket, xdp-drop, ...", "IMPL" },
    { "cpu", 0, 0, G_OPTION_ARG_INT, &cpu, "Pin to this CPU", "N" },
    { "busy-poll", 0, 0, G_OPTION_ARG_INT, &busy_poll,
      "Busy-poll microseconds (libcnet)", "USECS" },
    { "size", 's', 0, G_OPTION_ARG_INT, &size, "Frame size for tx-only (64)",
      "BYTES" },
    { "burst", 'b', 0, G_OPTION_ARG_INT, &burst, "Packets per burst (64)",
      "N" },
    { "tx-budget", 0, 0, G_OPTION_ARG_NONE, &tx_budget,
      "Raw loop: raise XDP_MAX_TX_SKB_BUDGET as libcnet does", NULL },
    { "rules", 0, 0, G_OPTION_ARG_INT, &n_rules,
      "libcnet: this many steering rules, only the last matching", "N" },
    { "rx-metadata", 0, 0, G_OPTION_ARG_INT, &rx_metadata,
      "libcnet: ask for these RX metadata fields (CnetRxMetadataFlags) and "
      "read each packet's arrival time",
      "FLAGS" },
    { "rx-metadata-no-read", 0, 0, G_OPTION_ARG_NONE, &meta_no_read,
      "libcnet: ask for the metadata but do not read it (the program's "
      "cost alone)",
      NULL },
    { "cnetd", 0, 0, G_OPTION_ARG_STRING, &cnetd,
      "libcnet: lease the queue from cnetd at this D-Bus address", "ADDRESS" },
    { "frames", 0, 0, G_OPTION_ARG_INT, &frames,
      "libcnet: frames in the mempool (4096)", "N" },
    { "ring", 0, 0, G_OPTION_ARG_INT, &ring,
      "libcnet: size of each ring (2048)", "N" },
    { "multi-buffer", 0, 0, G_OPTION_ARG_NONE, &multi_buffer,
      "libcnet: a multi-buffer port (jumbo frames as chains) on 4096-byte "
      "frames",
      NULL },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list, "List the implementations",
      NULL },
    G_OPTION_ENTRY_NULL
  };
  struct sigaction stop_sa = { .sa_handler = on_stop };
  struct sigaction mark_sa = { .sa_handler = on_mark };
  Bench b = { 0 };
  BenchCounters end;
  double user, sys;
  gint64 allocs, end_time;

  context = g_option_context_new ("- run one benchmark consumer");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cnet-bench run: %s\n", error->message);
      return 2;
    }
  if (list)
    {
      list_impls ();
      return 0;
    }
  if (ifname == NULL || mode == NULL || impl == NULL)
    {
      g_printerr ("cnet-bench run: give -i IFACE -c CASE -m IMPL\n");
      return 2;
    }
  b.impl = find_impl (mode, impl);
  if (b.impl == NULL)
    {
      g_printerr ("cnet-bench run: no implementation %s for case %s "
                  "(see --list)\n",
                  impl, mode);
      return 2;
    }
  b.ifname = ifname;
  b.ifindex = if_nametoindex (ifname);
  b.busy_poll = (guint) busy_poll;
  b.size = (guint) CLAMP (size, 60, 1500);
  b.burst = (guint) CLAMP (burst, 1, 256);
  b.tx_budget = tx_budget;
  b.n_rules = (guint) CLAMP (n_rules, 0, 16);
  b.rx_metadata = (guint) CLAMP (rx_metadata, 0, 15);
  b.meta_read = b.rx_metadata != 0 && !meta_no_read;
  b.cnetd = cnetd;
  b.frames = (guint) MAX (frames, 0);
  b.ring = (guint) MAX (ring, 0);
  b.multi_buffer = multi_buffer;
  if (b.ifindex == 0)
    {
      g_printerr ("cnet-bench run: no interface %s\n", ifname);
      return 1;
    }

  sigaction (SIGINT, &stop_sa, NULL);
  sigaction (SIGTERM, &stop_sa, NULL);
  sigaction (SIGUSR1, &mark_sa, NULL);
  if (!bench_set_cpu (cpu, &error) || !b.impl->setup (&b, &error))
    {
      g_printerr ("cnet-bench run: %s %s: %s\n", mode, impl, error->message);
      if (b.impl->teardown != NULL)
        b.impl->teardown (&b);
      return 1;
    }

  g_print ("ready\n");
  fflush (stdout);
  /* The window starts now unless SIGUSR1 starts it again later. */
  bench_mark (&b);
  b.impl->loop (&b);

  /* The allocation count first: reading counters may allocate (libbpf's
   * per-CPU map reads do), and that is not the data path's. */
  allocs = bench_malloc_count ();
  b.impl->read (&b, &end);
  cpu_times (&user, &sys);
  end_time = g_get_monotonic_time ();
  b.impl->teardown (&b);

  g_print ("{\"case\": \"%s\", \"impl\": \"%s\", \"window_s\": %.6f, "
           "\"rx\": %" G_GUINT64_FORMAT ", \"tx\": %" G_GUINT64_FORMAT ", "
           "\"cpu_s\": %.3f, \"user_s\": %.3f, \"sys_s\": %.3f, "
           "\"rx_ring_full\": %" G_GUINT64_FORMAT ", "
           "\"fill_empty\": %" G_GUINT64_FORMAT ", "
           "\"drops\": %" G_GUINT64_FORMAT ", \"allocs\": %" G_GINT64_FORMAT
           ", \"setup_ms\": %.3f, \"polls\": %" G_GUINT64_FORMAT
           ", \"empty_polls\": %" G_GUINT64_FORMAT "}\n",
           mode, impl, (end_time - b.start_time) / 1e6, end.rx - b.start.rx,
           end.tx - b.start.tx, user + sys - b.start_cpu_user - b.start_cpu_sys,
           user - b.start_cpu_user, sys - b.start_cpu_sys,
           end.rx_ring_full - b.start.rx_ring_full,
           end.fill_empty - b.start.fill_empty, end.drops - b.start.drops,
           allocs < 0 ? -1 : allocs - b.start_allocs, b.setup_ms,
           b.polls - b.start_polls, b.empty_polls - b.start_empty_polls);
  return 0;
}

/* cnet-bench count -i IFACE: the count of the cnet-bench XDP program
 * attached to IFACE (the sink's returned frames), read from outside the
 * process that loaded it: bench/run --callgrind reads it at both ends of
 * a window. */
static int
bench_count_main (int argc, char **argv)
{
  struct bpf_prog_info info = { 0 };
  guint32 info_len = sizeof info, map_ids[16], prog_id = 0;
  guint ifindex =
    argc == 3 && g_str_equal (argv[1], "-i") ? if_nametoindex (argv[2]) : 0;
  int prog_fd;

  if (ifindex == 0)
    {
      g_printerr ("cnet-bench count: give an existing interface with -i\n");
      return 2;
    }
  if (bpf_xdp_query_id ((int) ifindex, 0, &prog_id) != 0 || prog_id == 0 ||
      (prog_fd = bpf_prog_get_fd_by_id (prog_id)) < 0)
    {
      g_printerr ("cnet-bench count: no XDP program on %s\n", argv[2]);
      return 1;
    }
  info.nr_map_ids = G_N_ELEMENTS (map_ids);
  info.map_ids = (guint64) (guintptr) map_ids;
  if (bpf_obj_get_info_by_fd (prog_fd, &info, &info_len) != 0)
    {
      g_printerr ("cnet-bench count: %s\n", g_strerror (errno));
      return 1;
    }
  close (prog_fd);
  for (guint i = 0; i < MIN (info.nr_map_ids, G_N_ELEMENTS (map_ids)); i++)
    {
      struct bpf_map_info minfo = { 0 };
      guint32 mlen = sizeof minfo, key = 0;
      int fd = bpf_map_get_fd_by_id (map_ids[i]);
      int n_cpus = libbpf_num_possible_cpus ();
      g_autofree guint64 *values = g_new0 (guint64, MAX (n_cpus, 1));
      guint64 sum = 0;

      if (fd < 0)
        continue;
      if (bpf_obj_get_info_by_fd (fd, &minfo, &mlen) == 0 &&
          g_str_equal (minfo.name, "cnet_bench_coun") &&
          bpf_map_lookup_elem (fd, &key, values) == 0)
        {
          for (int c = 0; c < n_cpus; c++)
            sum += values[c];
          g_print ("%" G_GUINT64_FORMAT "\n", sum);
          close (fd);
          return 0;
        }
      close (fd);
    }
  g_printerr ("cnet-bench count: the program on %s has no count\n", argv[2]);
  return 1;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C");
  if (argc >= 2 && g_str_equal (argv[1], "gen"))
    return bench_gen_main (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "run"))
    return bench_run_main (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "ping"))
    return bench_ping_main (argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "count"))
    return bench_count_main (argc - 1, argv + 1);
  g_printerr (
    "usage: cnet-bench gen|run|ping|count [OPTION…] (--help for each)\n");
  return 2;
}
