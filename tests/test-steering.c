/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Steering rules on a real veth link between two network namespaces: the
 * port gets what its rules match, the kernel keeps the rest (ICMP, other
 * UDP ports), and bad rules are refused.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <cnet/cnet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-test-netns.h"

typedef struct
{
  CnetTestNetns *ns;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  if (cnet_test_skip_unless_root ())
    return;
  f->ns = cnet_test_netns_new (1);
  cnet_test_netns_split (f->ns);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->ns != NULL)
    cnet_test_netns_free (f->ns);
}

static void
send_udp (int fd, const char *addr, guint16 port, const char *payload)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };

  g_assert_cmpint (inet_pton (AF_INET, addr, &sin.sin_addr), ==, 1);
  g_assert_cmpint (sendto (fd, payload, strlen (payload), 0,
                           (struct sockaddr *) &sin, sizeof sin),
                   ==, (gssize) strlen (payload));
}

static int
bind_udp (guint16 port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port) };
  struct timeval tv = { .tv_sec = 2 };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_assert_cmpint (fd, >=, 0);
  g_assert_no_errno (bind (fd, (struct sockaddr *) &sin, sizeof sin));
  g_assert_no_errno (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  return fd;
}

static guint
receive_all (CnetPort *port, GPtrArray *payloads, guint want, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  CnetPacket *pkts[64];

  while (payloads->len < want && g_get_monotonic_time () < deadline)
    {
      guint n = cnet_port_rx_burst (port, pkts, G_N_ELEMENTS (pkts));

      for (guint i = 0; i < n; i++)
        {
          gsize len;
          const guint8 *d = cnet_packet_get_data (pkts[i], &len);
          /* Ethernet + IPv4 (no options from this sender) + UDP. */
          g_assert_cmpuint (len, >=, 42);
          g_ptr_array_add (payloads,
                           g_strndup ((const char *) d + 42, len - 42));
        }
      cnet_packet_free_bulk (pkts, n);
      if (n == 0)
        cnet_port_wait (port, 10, NULL, NULL);
    }
  return payloads->len;
}

/* With "udp dport 4789", UDP to 4789 reaches the port, UDP to 5000 reaches
 * a kernel socket and ping keeps working. */
static void
test_udp_port_rule (Fixture *f, gconstpointer data)
{
  const char *const rules[] = { "udp dport 4789", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) got_rules = NULL;
  CnetPortStats stats;
  char buf[64];
  int tx, rx;

  if (f->ns == NULL)
    return;

  pool = cnet_mempool_new (1024, 2048, 0, &error);
  g_assert_no_error (error);
  port =
    g_initable_new (CNET_TYPE_PORT, NULL, &error, "interface", f->ns->veth_a,
                    "queue", 0, "mempool", pool, "rules", rules, NULL);
  g_assert_no_error (error);
  got_rules = cnet_port_get_rules (port);
  g_assert_cmpstrv (got_rules,
                    ((const char *const[]){ "udp dport 4789", NULL }));

  /* ARP and ICMP go through the kernel: ping works both ways. */
  g_assert_true (
    cnet_test_netns_run_in_peer (f->ns,
                                 "ping -c 3 -i 0.2 -W 2 " CNET_TEST_ADDR_A));
  g_assert_true (cnet_test_run ("ping -c 2 -i 0.2 -W 2 " CNET_TEST_ADDR_B));

  rx = bind_udp (5000);
  tx = cnet_test_netns_peer_socket (f->ns, AF_INET, SOCK_DGRAM);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *steered = g_strdup_printf ("to-port-%u", i);
      g_autofree char *kept = g_strdup_printf ("to-kernel-%u", i);

      send_udp (tx, CNET_TEST_ADDR_A, 4789, steered);
      send_udp (tx, CNET_TEST_ADDR_A, 5000, kept);
    }

  /* The kernel socket gets exactly its 20, in order. */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *expect = g_strdup_printf ("to-kernel-%u", i);
      gssize n = recv (rx, buf, sizeof buf - 1, 0);

      g_assert_cmpint (n, >, 0);
      buf[n] = '\0';
      g_assert_cmpstr (buf, ==, expect);
    }
  /* The port gets exactly its 20. */
  g_assert_cmpuint (receive_all (port, payloads, 21, 500), ==, 20);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *expect = g_strdup_printf ("to-port-%u", i);
      g_assert_cmpstr (g_ptr_array_index (payloads, i), ==, expect);
    }

  g_assert_true (cnet_port_get_stats (port, &stats, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.n_rules, ==, 1);
  g_assert_cmpuint (stats.rule_hits[0], ==, 20);
  g_assert_cmpuint (stats.xdp_redirected, ==, 20);
  g_assert_cmpuint (stats.rx_packets, ==, 20);
  /* ARP, ICMP and the other UDP went to the kernel. */
  g_assert_cmpuint (stats.xdp_passed, >=, 20 + 3);

  /* Without rules the whole queue goes to the port. */
  g_assert_true (cnet_port_set_rules (port, NULL, &error));
  send_udp (tx, CNET_TEST_ADDR_A, 5000, "to-port-now");
  g_ptr_array_set_size (payloads, 0);
  g_assert_cmpuint (receive_all (port, payloads, 1, 2000), ==, 1);
  g_assert_cmpstr (g_ptr_array_index (payloads, 0), ==, "to-port-now");

  close (tx);
  close (rx);
}

/* Two rules: a range and an address; hits are counted per rule. */
static void
test_two_rules (Fixture *f, gconstpointer data)
{
  const char *const rules[] = { "udp dport 6000-6009",
                                "ip daddr 192.0.2.0/24 udp dport 7000", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (GPtrArray) payloads = g_ptr_array_new_with_free_func (g_free);
  CnetPortStats stats;
  int tx, kernel_rx;

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (1024, 2048, 0, &error);
  port = cnet_port_new (f->ns->veth_a, 0, pool, &error);
  g_assert_no_error (error);
  g_assert_true (cnet_port_set_rules (port, rules, &error));
  g_assert_no_error (error);

  /* A second address on veth_a, outside the second rule's prefix, that
   * the peer reaches through the link. */
  {
    g_autofree char *cmd =
      g_strdup_printf ("ip addr add 198.51.100.1/24 dev %s", f->ns->veth_a);
    g_assert_true (cnet_test_run (cmd));
    g_assert_true (
      cnet_test_netns_run_in_peer (f->ns, "ip route add 198.51.100.0/24 "
                                          "via " CNET_TEST_ADDR_A));
  }

  /* The kernel's socket there gets what the port must not. */
  {
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_port = htons (7000) };

    kernel_rx = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    g_assert_cmpint (inet_pton (AF_INET, "198.51.100.1", &sin.sin_addr), ==, 1);
    g_assert_no_errno (bind (kernel_rx, (struct sockaddr *) &sin, sizeof sin));
  }

  tx = cnet_test_netns_peer_socket (f->ns, AF_INET, SOCK_DGRAM);
  send_udp (tx, CNET_TEST_ADDR_A, 6000, "a");
  send_udp (tx, CNET_TEST_ADDR_A, 6009, "b");
  send_udp (tx, CNET_TEST_ADDR_A, 6010, "not-me");
  send_udp (tx, "198.51.100.1", 7000, "not-me-either");
  {
    struct pollfd pfd = { .fd = kernel_rx, .events = POLLIN };
    char buf[64] = { 0 };

    g_assert_cmpint (poll (&pfd, 1, 5000), ==, 1);
    g_assert_cmpint (recv (kernel_rx, buf, sizeof buf - 1, 0), ==, 13);
    g_assert_cmpstr (buf, ==, "not-me-either");
    close (kernel_rx);
  }
  send_udp (tx, CNET_TEST_ADDR_A, 7000, "c");
  g_assert_cmpuint (receive_all (port, payloads, 5, 1000), ==, 3);
  for (guint i = 0; i < payloads->len; i++)
    g_assert_null (strstr (g_ptr_array_index (payloads, i), "not-me"));
  g_assert_true (cnet_port_get_stats (port, &stats, &error));
  g_assert_cmpuint (stats.n_rules, ==, 2);
  g_assert_cmpuint (stats.rule_hits[0], ==, 2);
  g_assert_cmpuint (stats.rule_hits[1], ==, 1);
  close (tx);
}

static void
test_bad_rules (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetPort) port = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) too_many = NULL;
  g_auto (GStrv) kept = NULL;
  const char *const bad[] = { "udp dport 70000", NULL };
  const char *const one[] = { "tcp dport 80", NULL };

  if (f->ns == NULL)
    return;
  pool = cnet_mempool_new (256, 2048, 0, &error);

  /* A bad rule fails the port, naming the interface, queue and rule. */
  port =
    g_initable_new (CNET_TYPE_PORT, NULL, &error, "interface", f->ns->veth_a,
                    "queue", 0, "mempool", pool, "rules", bad, NULL);
  g_assert_null (port);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, f->ns->veth_a));
  g_assert_nonnull (
    strstr (error->message, "\"udp dport 70000\": port 70000 is out of range"));
  g_clear_error (&error);
  /* ... and leaves nothing attached (checked again at teardown). */
  g_assert_cmpuint (cnet_test_xdp_prog_id (f->ns->veth_a), ==, 0);

  port =
    g_initable_new (CNET_TYPE_PORT, NULL, &error, "interface", f->ns->veth_a,
                    "queue", 0, "mempool", pool, "rules", one, NULL);
  g_assert_no_error (error);
  for (guint i = 0; i < CNET_MATCH_MAX_RULES + 1; i++)
    {
      g_autofree char *r = g_strdup_printf ("udp dport %u", 1000 + i);
      g_strv_builder_add (builder, r);
    }
  too_many = g_strv_builder_end (builder);
  g_assert_false (
    cnet_port_set_rules (port, (const char *const *) too_many, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE);
  g_assert_nonnull (strstr (error->message, "17 steering rules are too many"));
  g_clear_error (&error);
  g_assert_false (cnet_port_set_rules (port, bad, &error));
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT);
  /* The old rule stays. */
  kept = cnet_port_get_rules (port);
  g_assert_cmpstrv (kept, ((const char *const[]){ "tcp dport 80", NULL }));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/cnet/steering/udp-port", Fixture, NULL, setup,
              test_udp_port_rule, teardown);
  g_test_add ("/cnet/steering/two-rules", Fixture, NULL, setup, test_two_rules,
              teardown);
  g_test_add ("/cnet/steering/bad-rules", Fixture, NULL, setup, test_bad_rules,
              teardown);

  return g_test_run ();
}
