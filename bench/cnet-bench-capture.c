/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-bench-capture: what capture costs libcnet's XDP program per frame,
 * with BPF_PROG_TEST_RUN on a 64-byte UDP frame (the kernel times `repeat`
 * runs and gives the mean), side by side in rounds:
 *
 *   baseline   the program built without the capture code
 *              (-DCNET_XDP_NO_CAPTURE): what it was before capture
 *   idle       the program as shipped, no capture running
 *   nomatch    one capture running whose rule matches nothing
 *   match      one capture running that copies every frame (its ring
 *              fills, then every frame is counted lost: the copy's cost
 *              is the first rounds' business, see below)
 *
 *   cnet-bench-capture [--rounds N] [--repeat N] [--json]
 *
 * Prints each variant's median ns per frame over the rounds and the median
 * of the per-round ratios to the baseline. Needs root (CAP_BPF,
 * CAP_PERFMON). docs/benchmarks.md says what the numbers mean.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <glib.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cnet-xdp-common.h"

enum
{
  BASELINE,
  IDLE,
  NOMATCH,
  MATCH,
  N_VARIANTS
};

static const char *const names[N_VARIANTS] = { "baseline", "idle", "nomatch",
                                               "match" };

typedef struct
{
  struct bpf_object *obj;
  int prog_fd;
} Loaded;

static gboolean
load (const char *path, Loaded *l)
{
  l->obj = bpf_object__open_file (path, NULL);
  if (libbpf_get_error (l->obj) || bpf_object__load (l->obj) != 0)
    {
      g_printerr ("cnet-bench-capture: cannot load %s (root needed)\n", path);
      return FALSE;
    }
  l->prog_fd =
    bpf_program__fd (bpf_object__find_program_by_name (l->obj, "cnet_xdp"));
  return l->prog_fd >= 0;
}

/* One capture in slot 0: every frame (match) or none (a port no frame
 * goes to). */
static gboolean
start_capture (Loaded *l, gboolean match)
{
  struct cnet_xdp_capture cap = { .queue = CNET_XDP_CAPTURE_ANY_QUEUE,
                                  .snaplen = 64 };
  guint32 key = 0, mask = 1;
  int ring;

  if (!match)
    {
      cap.n_rules = 1;
      cap.rules[0].fields = CNET_XDP_RULE_DPORT;
      cap.rules[0].dport_min = cap.rules[0].dport_max = 1;
    }
  ring = bpf_map_create (BPF_MAP_TYPE_RINGBUF, "bench_ring", 0, 0,
                         CNET_XDP_CAPTURE_RING_SIZE, NULL);
  return ring >= 0 &&
         bpf_map_update_elem (bpf_object__find_map_fd_by_name (l->obj,
                                                               "cnet_captures"),
                              &key, &cap, BPF_ANY) == 0 &&
         bpf_map_update_elem (
           bpf_object__find_map_fd_by_name (l->obj, "cnet_capture_rings"), &key,
           &ring, BPF_ANY) == 0 &&
         bpf_map_update_elem (
           bpf_object__find_map_fd_by_name (l->obj, "cnet_capture_mask"), &key,
           &mask, BPF_ANY) == 0;
}

static double
run_once (int prog_fd, guint8 *frame, gsize len, guint repeat)
{
  LIBBPF_OPTS (bpf_test_run_opts, opts, .data_in = frame,
               .data_size_in = (__u32) len, .repeat = repeat);

  gint64 t0, t1;

  /* The kernel's own mean (opts.duration) is whole nanoseconds: too
   * coarse here. The syscall's cost over `repeat` runs is noise. */
  t0 = g_get_monotonic_time ();
  if (bpf_prog_test_run_opts (prog_fd, &opts) != 0)
    return -1;
  t1 = g_get_monotonic_time ();
  return (double) (t1 - t0) * 1000.0 / repeat;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, guint n)
{
  g_autofree double *c = g_memdup2 (v, n * sizeof *v);

  qsort (c, n, sizeof *c, (int (*) (const void *, const void *)) cmp_double);
  return n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
}

int
main (int argc, char **argv)
{
  int rounds = 21, repeat = 200000;
  gboolean json = FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = g_option_context_new (
    "- what capture costs libcnet's XDP program per frame");
  const GOptionEntry entries[] = {
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &rounds, "Rounds (default 21)", "N" },
    { "repeat", 'n', 0, G_OPTION_ARG_INT, &repeat,
      "Runs per measurement (default 200000)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
    G_OPTION_ENTRY_NULL
  };
  Loaded l[N_VARIANTS];
  guint8 frame[64] = { 0 };
  struct ethhdr *eth = (void *) frame;
  struct iphdr *ip = (void *) (eth + 1);
  struct udphdr *udp = (void *) (ip + 1);
  g_autofree double *ns = NULL;
  g_autofree double *ratio = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || rounds < 1 ||
      repeat < 1)
    {
      g_printerr ("cnet-bench-capture: %s\n",
                  error ? error->message : "give positive numbers");
      return 2;
    }
  libbpf_set_print (NULL);
  if (!load (CNET_BENCH_XDP_NO_CAPTURE_OBJ, &l[BASELINE]))
    return 1;
  for (int v = IDLE; v < N_VARIANTS; v++)
    if (!load (CNET_BENCH_XDP_OBJ, &l[v]))
      return 1;
  if (!start_capture (&l[NOMATCH], FALSE) || !start_capture (&l[MATCH], TRUE))
    {
      g_printerr ("cnet-bench-capture: cannot set up a capture: %s\n",
                  g_strerror (errno));
      return 1;
    }

  eth->h_proto = g_htons (ETH_P_IP);
  ip->version = 4;
  ip->ihl = 5;
  ip->ttl = 64;
  ip->protocol = IPPROTO_UDP;
  ip->tot_len = g_htons (sizeof frame - sizeof *eth);
  udp->dest = g_htons (9);
  udp->len = g_htons (sizeof frame - sizeof *eth - sizeof *ip);

  ns = g_new0 (double, (gsize) N_VARIANTS *rounds);
  ratio = g_new0 (double, (gsize) N_VARIANTS *rounds);
  for (int r = 0; r < rounds; r++)
    for (int v = 0; v < N_VARIANTS; v++)
      {
        double d = run_once (l[v].prog_fd, frame, sizeof frame, (guint) repeat);

        if (d < 0)
          {
            g_printerr ("cnet-bench-capture: BPF_PROG_TEST_RUN: %s\n",
                        g_strerror (errno));
            return 1;
          }
        ns[v * rounds + r] = d;
      }
  for (int v = 0; v < N_VARIANTS; v++)
    for (int r = 0; r < rounds; r++)
      ratio[v * rounds + r] = ns[v * rounds + r] / MAX (ns[r], 1);

  if (json)
    g_print ("{\"rounds\": %d, \"repeat\": %d", rounds, repeat);
  else
    g_print ("%-10s %12s %14s %20s\n", "variant", "ns/frame", "ns over base",
             "ratio to baseline");
  for (int v = 0; v < N_VARIANTS; v++)
    {
      double m = median (ns + v * rounds, (guint) rounds);
      double q = median (ratio + v * rounds, (guint) rounds);
      double base = median (ns, (guint) rounds);

      if (json)
        g_print (", \"%s\": {\"ns\": %.2f, \"extra_ns\": %.2f, "
                 "\"ratio\": %.3f}",
                 names[v], m, m - base, q);
      else
        g_print ("%-10s %12.2f %14.2f %20.3f\n", names[v], m, m - base, q);
    }
  if (json)
    g_print ("}\n");
  return 0;
}
