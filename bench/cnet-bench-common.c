/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the benchmark's parts share: CPU pinning, the benchmark's own BPF
 * object (bench/cnet-bench.bpf.c), test frames.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cnet-bench.h"

gboolean
bench_set_cpu (int cpu, GError **error)
{
  cpu_set_t set;

  if (cpu < 0)
    return TRUE;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "cannot pin to CPU %d: %s", cpu, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* The object is built next to this program; CNET_BENCH_BPF_OBJ overrides. */
const char *
bench_bpf_object_path (void)
{
  const char *env = g_getenv ("CNET_BENCH_BPF_OBJ");

  return env != NULL ? env : CNET_BENCH_BPF_OBJ;
}

struct bpf_object *
bench_bpf_open (guint32 target_ifindex, GError **error)
{
  const char *path = bench_bpf_object_path ();
  struct bpf_object *obj;
  struct bpf_map *map;
  int err;

  libbpf_set_print (NULL);
  obj = bpf_object__open_file (path, NULL);
  if (obj == NULL)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "cannot open the BPF object %s: %s", path,
                   g_strerror (errsv));
      return NULL;
    }
  /* The generator's redirect target, a constant the verifier folds in. */
  bpf_object__for_each_map (map, obj)
  {
    if (bpf_map__is_internal (map) &&
        g_str_has_suffix (bpf_map__name (map), ".rodata"))
      {
        size_t size = 0;
        const void *init = bpf_map__initial_value (map, &size);
        g_autofree guint8 *copy = g_memdup2 (init, size);

        if (size >= sizeof target_ifindex)
          {
            memcpy (copy, &target_ifindex, sizeof target_ifindex);
            bpf_map__set_initial_value (map, copy, size);
          }
      }
  }
  err = bpf_object__load (obj);
  if (err != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-err),
                   "cannot load the BPF object %s: %s", path,
                   g_strerror (-err));
      bpf_object__close (obj);
      return NULL;
    }
  return obj;
}

gboolean
bench_xdp_attach (struct bpf_object *obj, const char *prog_name, guint ifindex,
                  GError **error)
{
  struct bpf_program *prog = bpf_object__find_program_by_name (obj, prog_name);
  int err;

  g_assert (prog != NULL);
  err = bpf_xdp_attach ((int) ifindex, bpf_program__fd (prog),
                        XDP_FLAGS_DRV_MODE, NULL);
  if (err != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-err),
                   "cannot attach XDP program %s to ifindex %u: %s", prog_name,
                   ifindex, g_strerror (-err));
      return FALSE;
    }
  return TRUE;
}

void
bench_xdp_detach (guint ifindex)
{
  bpf_xdp_detach ((int) ifindex, XDP_FLAGS_DRV_MODE, NULL);
}

/* Sums the per-CPU counter of the programs that count. */
guint64
bench_bpf_count (struct bpf_object *obj)
{
  return bench_bpf_count_map (obj, "cnet_bench_count");
}

guint64
bench_bpf_count_map (struct bpf_object *obj, const char *name)
{
  struct bpf_map *map = bpf_object__find_map_by_name (obj, name);
  int n_cpus = libbpf_num_possible_cpus ();
  g_autofree guint64 *values = g_new0 (guint64, MAX (n_cpus, 1));
  guint32 key = 0;
  guint64 sum = 0;

  if (map == NULL || n_cpus <= 0 ||
      bpf_map_lookup_elem (bpf_map__fd (map), &key, values) != 0)
    return 0;
  for (int i = 0; i < n_cpus; i++)
    sum += values[i];
  return sum;
}

gboolean
bench_parse_mac (const char *s, guint8 *mac)
{
  unsigned int m[6];

  if (sscanf (s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
              &m[5]) != 6)
    return FALSE;
  for (guint i = 0; i < 6; i++)
    mac[i] = (guint8) m[i];
  return TRUE;
}

gboolean
bench_read_mac (const char *ifname, guint8 *mac)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/address", ifname);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  return bench_parse_mac (g_strstrip (text), mac);
}

static guint16
ip_checksum (const void *data, gsize len)
{
  const guint16 *p = data;
  guint32 sum = 0;

  for (; len > 1; len -= 2)
    sum += *p++;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

/* Ethernet + IPv4 + UDP (9000 -> 9001); the payload starts with @seq. The
 * headers are built in aligned locals and copied in: after the 14-byte
 * Ethernet header the IP header of @buf is not 4-byte aligned. */
gsize
bench_build_frame (guint8 *buf, gsize len, const guint8 *dst, const guint8 *src,
                   guint32 saddr, guint32 daddr, guint32 seq)
{
  struct ethhdr eth = { 0 };
  struct iphdr ip = { 0 };
  struct udphdr udp = { 0 };
  const gsize hdrs = sizeof eth + sizeof ip + sizeof udp;
  guint8 *payload = buf + hdrs;

  len = MAX (len, hdrs + 8);
  memset (buf, 0, len);
  memcpy (eth.h_dest, dst, 6);
  memcpy (eth.h_source, src, 6);
  eth.h_proto = htons (ETH_P_IP);
  ip.version = 4;
  ip.ihl = 5;
  ip.ttl = 64;
  ip.protocol = IPPROTO_UDP;
  ip.tot_len = htons ((guint16) (len - sizeof eth));
  ip.saddr = saddr;
  ip.daddr = daddr;
  ip.check = ip_checksum (&ip, sizeof ip);
  udp.source = htons (9000);
  udp.dest = htons (9001);
  udp.len = htons ((guint16) (len - sizeof eth - sizeof ip));
  memcpy (buf, &eth, sizeof eth);
  memcpy (buf + sizeof eth, &ip, sizeof ip);
  memcpy (buf + sizeof eth + sizeof ip, &udp, sizeof udp);
  memcpy (payload, "cnb!", 4);
  memcpy (payload + 4, &seq, 4);
  return len;
}

void
bench_swap_macs (guint8 *frame)
{
  guint8 tmp[6];

  memcpy (tmp, frame, 6);
  memcpy (frame, frame + 6, 6);
  memcpy (frame + 6, tmp, 6);
}

/* The number of heap allocations so far, when bench/malloc-count.so is
 * preloaded; -1 otherwise. */
gint64
bench_malloc_count (void)
{
  static gint64 (*fn) (void) = NULL;
  static gboolean looked = FALSE;

  if (!looked)
    {
      fn = (gint64 (*) (void)) dlsym (RTLD_DEFAULT, "cnet_bench_malloc_count");
      looked = TRUE;
    }
  return fn != NULL ? fn () : -1;
}
