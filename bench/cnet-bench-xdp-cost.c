/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What libcnet's XDP program costs per frame, in the kernel alone: each
 * build of bpf/cnet-xdp.bpf.c (plain, arrival time, with the metadata
 * kfuncs) run with BPF_PROG_RUN on a 64-byte UDP frame, many times, in
 * rounds, side by side. Queue 0 has no socket, so each run ends in the
 * redirect's fallback (XDP_PASS) after doing everything else. The kernel
 * refuses BPF_PROG_RUN for device-bound programs (EINVAL), so the kfunc
 * build is only loaded, to show it loads; its cost shows in bench/run's
 * rx-meta case.
 *
 *   cnet-bench-xdp-cost IFACE PLAIN.o META.o META-KFUNC.o [ROUNDS]
 *
 * IFACE (a veth, say) is only what the kfunc build is bound to; nothing
 * is attached and no frame leaves.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <glib.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

#define REPEAT 2000000

typedef struct
{
  const char *name;
  const char *path;
  guint32 fields; /* asked for on queue 0 */
  gboolean bound;
  struct bpf_object *obj;
  int prog_fd;
  GArray *ns;
} Variant;

static int
silent (enum libbpf_print_level level, const char *fmt, va_list args)
{
  return 0;
}

static gboolean
load (Variant *v, guint ifindex)
{
  struct bpf_program *prog;
  int map_fd;
  guint32 key = 0;

  v->obj = bpf_object__open_file (v->path, NULL);
  if (libbpf_get_error (v->obj))
    return FALSE;
  prog = bpf_object__find_program_by_name (v->obj, "cnet_xdp");
  if (prog == NULL)
    return FALSE;
  if (v->bound)
    {
      bpf_program__set_ifindex (prog, ifindex);
      bpf_program__set_flags (prog, bpf_program__flags (prog) |
                                      BPF_F_XDP_DEV_BOUND_ONLY);
    }
  if (bpf_object__load (v->obj) != 0)
    return FALSE;
  v->prog_fd = bpf_program__fd (prog);
  map_fd = bpf_object__find_map_fd_by_name (v->obj, "cnet_rx_meta");
  if (map_fd >= 0)
    bpf_map_update_elem (map_fd, &key, &v->fields, BPF_ANY);
  v->ns = g_array_new (FALSE, FALSE, sizeof (double));
  return TRUE;
}

static double
run_once (Variant *v, guint8 *frame, gsize len)
{
  LIBBPF_OPTS (bpf_test_run_opts, opts, .data_in = frame,
               .data_size_in = (guint32) len, .repeat = REPEAT);

  if (bpf_prog_test_run_opts (v->prog_fd, &opts) != 0)
    return -1;
  return opts.duration; /* the kernel's mean ns per run */
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
  guint8 frame[64] = { 0 };
  guint ifindex;
  guint rounds = argc > 5 ? (guint) atoi (argv[5]) : 7;
  Variant variants[] = {
    { "plain", NULL, 0, FALSE, NULL, -1, NULL },
    { "meta-build-not-asked", NULL, 0, FALSE, NULL, -1, NULL },
    { "arrival-time", NULL, 1, FALSE, NULL, -1, NULL },
    { "kfunc-build-all", NULL, 15, TRUE, NULL, -1, NULL },
  };

  if (argc < 5)
    {
      fprintf (stderr, "usage: %s IFACE PLAIN.o META.o META-KFUNC.o [ROUNDS]\n",
               argv[0]);
      return 2;
    }
  libbpf_set_print (silent);
  ifindex = if_nametoindex (argv[1]);
  variants[0].path = argv[2];
  variants[1].path = argv[3];
  variants[2].path = argv[3];
  variants[3].path = argv[4];
  /* Ethernet, IPv4, UDP to port 9001. */
  memset (frame, 0x02, 12);
  frame[12] = 0x08;
  frame[14] = 0x45;
  frame[23] = 17;
  frame[36] = 9001 >> 8;
  frame[37] = 9001 & 0xff;

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    if (!load (&variants[i], ifindex))
      {
        fprintf (stderr, "cannot load %s (%s)\n", variants[i].name,
                 variants[i].path);
        return 1;
      }
  for (guint r = 0; r < rounds; r++)
    for (guint i = 0; i < G_N_ELEMENTS (variants) - 1; i++)
      {
        double ns = run_once (&variants[i], frame, sizeof frame);

        if (ns < 0)
          {
            fprintf (stderr, "%s: BPF_PROG_RUN failed: %s\n", variants[i].name,
                     g_strerror (errno));
            return 1;
          }
        g_array_append_val (variants[i].ns, ns);
      }
  printf ("{\"repeat\": %d, \"rounds\": %u, \"ns_per_frame\": {", REPEAT,
          rounds);
  for (guint i = 0; i < G_N_ELEMENTS (variants) - 1; i++)
    {
      GArray *a = variants[i].ns;

      g_array_sort (a, cmp_double);
      printf ("%s\"%s\": {\"median\": %.1f, \"min\": %.1f, \"max\": %.1f}",
              i ? ", " : "", variants[i].name,
              g_array_index (a, double, a->len / 2),
              g_array_index (a, double, 0),
              g_array_index (a, double, a->len - 1));
    }
  printf ("}}\n");
  return 0;
}
