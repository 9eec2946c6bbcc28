/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steering-rule parser: what it accepts, how it writes rules back, and
 * the error each kind of mistake gets. No root needed.
 */
#include <cnet/cnet.h>
#include <string.h>

static void
test_good (void)
{
  const struct
  {
    const char *rule, *canonical;
  } cases[] = {
    { "udp dport 4789", "udp dport 4789" },
    { "  udp   dport\t4789 ", "udp dport 4789" },
    { "dport 80-89 tcp", "tcp dport 80-89" },
    { "ip udp", "ip udp" },
    { "ip6 tcp dport 443", "ip6 tcp dport 443" },
    { "icmp", "ip icmp" },
    { "icmpv6", "ip6 icmpv6" },
    { "arp", "arp" },
    { "ether type 0x88b5", "ether type 0x88b5" },
    { "ether type 2048", "ip" },
    { "proto 47", "gre" },
    { "proto 253", "proto 253" },
    /* Found by fuzz-match: "proto 1" matches IPv4 and IPv6 alike, and must
     * not print as "icmp", which is IPv4 only. */
    { "proto 1", "proto 1" },
    { "proto 58", "proto 58" },
    { "ip proto 1", "ip icmp" },
    { "ip6 proto 1", "ip6 proto 1" },
    { "ip6 proto 58", "ip6 icmpv6" },
    { "ether type 0x0800 proto 1", "ip icmp" },
    { "daddr 192.0.2.7", "ip daddr 192.0.2.7" },
    { "ip daddr 192.0.2.0/24 udp dport 7000",
      "ip udp dport 7000 daddr 192.0.2.0/24" },
    { "daddr 2001:db8::/32 sctp dport 1-65535",
      "ip6 sctp dport 1-65535 daddr 2001:db8::/32" },
    { "daddr 0.0.0.0/0", "ip daddr 0.0.0.0/0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CnetMatch) m = cnet_match_new (cases[i].rule, &error);
      g_autoptr (CnetMatch) again = NULL;
      g_autofree char *text = NULL;
      g_autofree char *text_again = NULL;

      g_assert_no_error (error);
      text = cnet_match_to_string (m);
      g_assert_cmpstr (text, ==, cases[i].canonical);
      /* The canonical form parses back to the same rule. */
      again = cnet_match_new (text, &error);
      g_assert_no_error (error);
      text_again = cnet_match_to_string (again);
      g_assert_cmpstr (text_again, ==, text);
    }
}

static void
test_bad (void)
{
  const struct
  {
    const char *rule, *message;
  } cases[] = {
    { "", "the rule is empty" },
    { "   ", "the rule is empty" },
    { "udp dport 0", "port 0 is out of range (1 to 65535)" },
    { "udp dport 70000", "port 70000 is out of range (1 to 65535)" },
    { "udp dport 99999999999999999999", "is not a port or a range" },
    { "udp dport 90-80", "the port range 90-80 runs backwards" },
    { "udp dport -5", "is not a port or a range" },
    { "udp dport 5-", "is not a port or a range" },
    { "udp dport http", "\"http\" is not a port" },
    { "udp dport", "\"dport\" needs a value" },
    { "dport 53", "\"dport\" needs udp, tcp or sctp" },
    { "icmp dport 1", "\"dport\" needs udp, tcp or sctp" },
    { "udp dport 1 dport 2", "\"dport\" is given twice" },
    { "udp tcp", "\"tcp\" gives a second IP protocol" },
    { "proto 256", "IP protocol \"256\" is out of range (0 to 255)" },
    { "ip ip6", "\"ip6\" gives a second ethertype" },
    { "ip6 icmp", "icmp is IPv4, but the rule is for IPv6" },
    { "ip daddr 2001:db8::1", "2001:db8::1 is IPv6, but the rule is for IPv4" },
    { "daddr 192.0.2.300", "\"192.0.2.300\" is not an IPv4 or IPv6 address" },
    { "daddr 192.0.2.1/33", "prefix length \"33\" is out of range for IPv4" },
    { "daddr 2001:db8::/129",
      "prefix length \"129\" is out of range for IPv6" },
    { "daddr 192.0.2.1/24", "192.0.2.1/24 has bits set beyond the /24 prefix" },
    { "daddr 192.0.2.0/24 daddr 192.0.2.0/25", "\"daddr\" is given twice" },
    { "ether type 0x0500", "ethertype \"0x0500\" is out of range" },
    { "ether type", "\"ether\" takes \"type N\"" },
    { "ether proto 5", "\"ether\" takes \"type N\"" },
    { "arp udp", "ethertype 0x0806 is not IP, but the rule matches IP fields" },
    { "vxlan", "unknown word \"vxlan\"" },
    { "UDP dport 53", "unknown word \"UDP\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CnetMatch) m = cnet_match_new (cases[i].rule, &error);
      g_autofree char *quoted =
        g_strdup_printf ("rule \"%s\": ", cases[i].rule);

      g_assert_null (m);
      g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT);
      if (strstr (error->message, cases[i].message) == NULL ||
          !g_str_has_prefix (error->message, quoted))
        g_error ("rule \"%s\": message \"%s\" lacks \"%s\"", cases[i].rule,
                 error->message, cases[i].message);
    }
}

static void
test_copy (void)
{
  g_autoptr (CnetMatch) m = cnet_match_new ("tcp dport 22", NULL);
  g_autoptr (CnetMatch) c = cnet_match_copy (m);
  g_autofree char *a = cnet_match_to_string (m);
  g_autofree char *b = cnet_match_to_string (c);

  g_assert_cmpstr (a, ==, b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cnet/match/good", test_good);
  g_test_add_func ("/cnet/match/bad", test_bad);
  g_test_add_func ("/cnet/match/copy", test_copy);

  return g_test_run ();
}
