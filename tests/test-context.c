/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetContext: the default instance, loading and shutting down, and a
 * two-port forwarder run by two worker threads from a configuration, on
 * two veth pairs in a network namespace of the test's own.
 */
#include <cnet/cnet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-test-netns.h"

static gpointer
get_default_thread (gpointer data)
{
  return cnet_context_get_default ();
}

/* Every thread gets the same instance, created once. */
static void
test_default (void)
{
  GThread *threads[8];
  CnetContext *ctx = cnet_context_get_default ();

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("default", get_default_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_assert_true (g_thread_join (threads[i]) == ctx);
  g_assert_null (cnet_context_get_config (ctx));
}

/* A configuration without ports needs no privilege: mempools only. */
static void
test_load_mempools (void)
{
  static const char text[] =
    "{ \"mempools\": { \"a\": { \"frames\": 256 }, \"b\": { \"frames\": 512, "
    "\"frame-size\": 4096 } }, \"threads\": { \"idle\": {} } }";
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetContext) ctx = cnet_context_new ();
  g_autoptr (CnetConfig) config =
    cnet_config_new_from_data (text, -1, "pools.jsonc", &error);
  g_autoptr (GPtrArray) ports = NULL;
  CnetMempool *b;

  g_assert_no_error (error);
  g_assert_true (cnet_context_load (ctx, config, &error));
  g_assert_no_error (error);
  g_assert_true (cnet_context_get_config (ctx) == config);
  g_assert_cmpuint (cnet_mempool_get_n_frames (
                      cnet_context_lookup_mempool (ctx, "a")),
                    ==, 256);
  b = cnet_context_lookup_mempool (ctx, "b");
  g_assert_cmpuint (cnet_mempool_get_n_frames (b), ==, 512);
  g_assert_cmpuint (cnet_mempool_get_frame_size (b), ==, 4096);
  g_assert_null (cnet_context_lookup_mempool (ctx, "c"));
  g_assert_null (cnet_context_lookup_port (ctx, "a"));
  ports = cnet_context_get_thread_ports (ctx, "idle", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ports->len, ==, 0);

  /* Loaded already: refused, and the first stays. */
  g_assert_false (cnet_context_load (ctx, config, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_clear_error (&error);
  g_assert_nonnull (cnet_context_lookup_mempool (ctx, "a"));

  cnet_context_shutdown (ctx);
  g_assert_null (cnet_context_get_config (ctx));
  g_assert_null (cnet_context_lookup_mempool (ctx, "a"));
  cnet_context_shutdown (ctx); /* twice is fine */

  /* And it loads again. */
  g_assert_true (cnet_context_load (ctx, config, &error));
  g_assert_no_error (error);
}

static void
test_not_loaded (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetContext) ctx = cnet_context_new ();
  g_autoptr (GPtrArray) ports = NULL;

  ports = cnet_context_get_thread_ports (ctx, "fwd:0", &error);
  g_assert_null (ports);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE);
  g_assert_false (cnet_context_load_file (ctx, "/nonexistent.jsonc", NULL));
  g_assert_null (cnet_context_get_config (ctx));
}

/* --- with root, in a network namespace -------------------------------- */

typedef struct
{
  CnetTestNetns *ns;
  char veth_c[16]; /* a second pair, c <-> d */
  char veth_d[16];
  guint8 mac_c[6];
  guint8 mac_d[6];
} Fixture;

/* From the interface itself: /sys shows the namespace it was mounted in. */
static void
read_mac (const char *ifname, guint8 *mac)
{
  struct ifreq ifr = { 0 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_strlcpy (ifr.ifr_name, ifname, sizeof ifr.ifr_name);
  g_assert_no_errno (ioctl (fd, SIOCGIFHWADDR, &ifr));
  memcpy (mac, ifr.ifr_hwaddr.sa_data, 6);
  close (fd);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = NULL;

  if (cnet_test_skip_unless_root ())
    return;
  f->ns = cnet_test_netns_new (1);
  g_snprintf (f->veth_c, sizeof f->veth_c, "%sC", f->ns->name);
  g_snprintf (f->veth_d, sizeof f->veth_d, "%sD", f->ns->name);
  cmd = g_strdup_printf ("ip link add %s type veth peer name %s", f->veth_c,
                         f->veth_d);
  g_assert_true (cnet_test_run (cmd));
  g_free (cmd);
  cmd = g_strdup_printf ("ip link set %s up", f->veth_c);
  g_assert_true (cnet_test_run (cmd));
  g_free (cmd);
  cmd = g_strdup_printf ("ip link set %s up", f->veth_d);
  g_assert_true (cnet_test_run (cmd));
  read_mac (f->veth_c, f->mac_c);
  read_mac (f->veth_d, f->mac_d);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = NULL;

  if (f->ns == NULL)
    return;
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->veth_c), ==, 0);
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->veth_d), ==, 0);
  cmd = g_strdup_printf ("ip link del %s", f->veth_c);
  g_assert_true (cnet_test_run (cmd));
  cnet_test_netns_free (f->ns);
}

typedef struct
{
  CnetContext *ctx;
  const char *thread; /* its name in the configuration */
  const char *peer;   /* the port it sends out of */
  gint *stop;
  guint64 forwarded;
} Worker;

/* What a worker of a forwarder does: receive on its own ports, send out of
 * the other one. */
static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) mine =
    cnet_context_get_thread_ports (w->ctx, w->thread, &error);
  CnetPort *out = cnet_context_lookup_port (w->ctx, w->peer);
  CnetPacket *pkts[64];

  g_assert_no_error (error);
  g_assert_cmpuint (mine->len, ==, 1);
  g_assert_nonnull (out);
  while (!g_atomic_int_get (w->stop))
    {
      for (guint i = 0; i < mine->len; i++)
        {
          guint n = cnet_port_rx_burst (g_ptr_array_index (mine, i), pkts,
                                        G_N_ELEMENTS (pkts));
          guint sent = cnet_port_tx_burst (out, pkts, n);

          cnet_packet_free_bulk (pkts + sent, n - sent);
          w->forwarded += sent;
          if (n == 0)
            {
              cnet_port_tx_flush (out);
              cnet_port_wait (g_ptr_array_index (mine, i), 5, NULL, NULL);
            }
        }
    }
  while (cnet_port_tx_flush (out) > 0)
    g_usleep (100);
  return NULL;
}

/* Sends @n frames into @from and checks each comes out of @to once. */
static void
check_direction (int from_fd, int to_fd, const guint8 *dst, const guint8 *src,
                 guint32 stream, guint n)
{
  g_autofree gboolean *seen = g_new0 (gboolean, n);
  guint8 buf[2048];
  guint got = 0;

  for (guint i = 0; i < n; i++)
    {
      gsize len =
        cnet_test_frame_build (buf, 64 + i % 500, dst, src, stream, i);
      g_assert_true (cnet_test_packet_send (from_fd, buf, len));
      if (i % 50 == 49)
        g_usleep (1000); /* let the forwarder and the receiver keep up */
    }
  while (got < n)
    {
      gssize len = cnet_test_packet_recv (to_fd, buf, sizeof buf, 2000);
      guint32 s, seq;

      g_assert_cmpint (len, >, 0);
      g_assert_true (cnet_test_frame_parse (buf, (gsize) len, &s, &seq));
      g_assert_cmpuint (s, ==, stream);
      g_assert_cmpuint (seq, <, n);
      g_assert_cmpint (len, ==, 64 + seq % 500);
      g_assert_false (seen[seq]);
      seen[seq] = TRUE;
      got++;
    }
}

/* Two ports, one mempool, two threads from the configuration: frames
 * entering a (from its peer b) leave by c (seen at d), and back. Shutdown
 * leaves no program attached and no descriptor open. */
static void
test_forward (Fixture *f, gconstpointer data)
{
  const guint n = 1000;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;
  g_autofree char *text = NULL;
  CnetContext *ctx;
  gint stop = 0;
  Worker workers[2];
  GThread *threads[2];
  CnetPortStats stats;
  int fd_b, fd_d;

  if (f->ns == NULL)
    return;

  text =
    g_strdup_printf ("// a forwarder between %s and %s\n"
                     "{\n"
                     "  \"mempools\": { \"shared\": { \"frames\": 8192 } },\n"
                     "  \"ports\": {\n"
                     "    \"a\": { \"interface\": \"%s\", \"queue\": 0, "
                     "\"xdp-mode\": \"native\" },\n"
                     "    \"c\": { \"interface\": \"%s\", \"queue\": 0, "
                     "\"rx-size\": 1024,\n"
                     "           \"fill-size\": 1024 }\n"
                     "  },\n"
                     "  \"threads\": {\n"
                     "    \"fwd:a\": { \"ports\": [\"a\"] },\n"
                     "    \"fwd:c\": { \"ports\": [\"c\"] }\n"
                     "  }\n"
                     "}\n",
                     f->ns->veth_a, f->veth_c, f->ns->veth_a, f->veth_c);
  config = cnet_config_new_from_data (text, -1, "forward.jsonc", &error);
  g_assert_no_error (error);

  ctx = cnet_context_get_default ();
  g_assert_true (cnet_context_load (ctx, config, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), !=, 0);
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->veth_c), !=, 0);
  g_assert_true (cnet_port_get_mempool (cnet_context_lookup_port (ctx, "a")) ==
                 cnet_context_lookup_mempool (ctx, "shared"));
  g_assert_cmpint (cnet_xdp_program_get_mode (cnet_port_get_xdp_program (
                     cnet_context_lookup_port (ctx, "a"))),
                   ==, CNET_XDP_MODE_NATIVE);

  workers[0] = (Worker){ ctx, "fwd:a", "c", &stop, 0 };
  workers[1] = (Worker){ ctx, "fwd:c", "a", &stop, 0 };
  for (guint i = 0; i < 2; i++)
    threads[i] = g_thread_new (workers[i].thread, worker_main, &workers[i]);

  fd_b = cnet_test_packet_socket (f->ns->veth_b);
  fd_d = cnet_test_packet_socket (f->veth_d);
  check_direction (fd_b, fd_d, f->ns->mac_a, f->ns->mac_b, 1, n);
  check_direction (fd_d, fd_b, f->mac_c, f->mac_d, 2, n);

  g_atomic_int_set (&stop, 1);
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  g_assert_cmpuint (workers[0].forwarded, ==, n);
  g_assert_cmpuint (workers[1].forwarded, ==, n);
  g_assert_true (
    cnet_port_get_stats (cnet_context_lookup_port (ctx, "c"), &stats, &error));
  g_assert_cmpuint (stats.tx_completed, ==, n);
  g_assert_cmpuint (stats.rx_packets, ==, n);

  cnet_context_shutdown (ctx);
  g_assert_null (cnet_context_get_config (ctx));
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==, 0);
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->veth_c), ==, 0);
  close (fd_b);
  close (fd_d);
}

/* A port that cannot be opened: the error names the file and the port and
 * keeps the cause's code, and what was created is gone again. */
static void
test_load_error (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;
  g_autoptr (CnetContext) ctx = cnet_context_new ();
  g_autofree char *text = NULL;

  if (f->ns == NULL)
    return;
  text = g_strdup_printf ("{ \"mempools\": { \"p\": {} }, \"ports\": { "
                          "\"%s:0\": {}, \"nosuchif0:0\": {} } }",
                          f->ns->veth_a);
  config = cnet_config_new_from_data (text, -1, "bad.jsonc", &error);
  g_assert_no_error (error);
  g_assert_false (cnet_context_load (ctx, config, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_NOT_FOUND);
  g_assert_true (
    g_str_has_prefix (error->message, "bad.jsonc: port \"nosuchif0:0\": "));
  g_assert_null (cnet_context_get_config (ctx));
  g_assert_null (cnet_context_lookup_mempool (ctx, "p"));
  /* The first port was closed again: nothing on its interface. */
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cnet/context/default", test_default);
  g_test_add_func ("/cnet/context/load-mempools", test_load_mempools);
  g_test_add_func ("/cnet/context/not-loaded", test_not_loaded);
  g_test_add ("/cnet/context/forward", Fixture, NULL, fixture_setup,
              test_forward, fixture_teardown);
  g_test_add ("/cnet/context/load-error", Fixture, NULL, fixture_setup,
              test_load_error, fixture_teardown);

  return g_test_run ();
}
