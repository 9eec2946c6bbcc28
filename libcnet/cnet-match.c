/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "cnet-error.h"
#include "cnet-match-private.h"
#include "cnet-match.h"

/**
 * CnetMatch:
 *
 * A steering rule: which frames of a receive queue go to its AF_XDP socket.
 * Frames no rule of the queue matches go on to the kernel stack, so the
 * machine's own traffic keeps working on an interface a port also serves.
 *
 * A rule is written as a few words, in the spirit of nftables; every term
 * must match, and each may appear once:
 *
 * - `ip`, `ip6`, `arp`, or `ether type N`: the ethertype (N from 0x0600 to
 *   0xffff, decimal or hexadecimal)
 * - `udp`, `tcp`, `sctp`, `icmp`, `icmpv6`, `gre`, `esp`, or `proto N`:
 *   the IP protocol (N from 0 to 255), IPv4 or IPv6 unless `ip` or `ip6`
 *   says which
 * - `dport N` or `dport N-M`: the destination port or port range (1 to
 *   65535), with `udp`, `tcp` or `sctp`
 * - `daddr A` or `daddr A/P`: the destination address or prefix, IPv4 or
 *   IPv6; host bits beyond the prefix must be zero
 *
 * For example `udp dport 4789`, `ip daddr 192.0.2.0/24 tcp dport 80-89`,
 * `ip6 udp`, `ether type 0x88b5`. A port has at most
 * %CNET_MATCH_MAX_RULES rules; a frame goes to its socket when any of them
 * matches.
 *
 * Since: 1.0
 */

struct _CnetMatch
{
  struct cnet_xdp_rule rule;
  guint family; /* 0, 4 or 6: what ip / ip6 / an address / icmp said */
};

G_DEFINE_BOXED_TYPE (CnetMatch, cnet_match, cnet_match_copy, cnet_match_free)

static const struct
{
  const char *name;
  guint8 proto;
  guint family; /* the family the protocol belongs to, 0 for both */
} protocols[] = {
  { "udp", IPPROTO_UDP, 0 },       { "tcp", IPPROTO_TCP, 0 },
  { "sctp", IPPROTO_SCTP, 0 },     { "icmp", IPPROTO_ICMP, 4 },
  { "icmpv6", IPPROTO_ICMPV6, 6 }, { "gre", IPPROTO_GRE, 0 },
  { "esp", IPPROTO_ESP, 0 },
};

static gboolean fail (GError **error, const char *rule, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const char *rule, const char *fmt, ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, fmt);
  reason = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
               "rule \"%s\": %s", rule, reason);
  return FALSE;
}

/* Decimal, or hexadecimal with 0x. */
static gboolean
parse_uint (const char *s, guint64 max, guint64 *out)
{
  if (g_str_has_prefix (s, "0x") || g_str_has_prefix (s, "0X"))
    return g_ascii_string_to_unsigned (s + 2, 16, 0, max, out, NULL);
  return g_ascii_string_to_unsigned (s, 10, 0, max, out, NULL);
}

static gboolean
set_family (CnetMatch *m, guint family, const char *why, const char *rule,
            GError **error)
{
  if (m->family != 0 && m->family != family)
    return fail (error, rule, "%s is IPv%u, but the rule is for IPv%u", why,
                 family, m->family);
  m->family = family;
  return TRUE;
}

static gboolean
parse_ports (CnetMatch *m, const char *word, const char *rule, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (word, "-", 2);
  guint64 lo, hi;

  if (!parse_uint (parts[0], G_MAXUINT64, &lo) ||
      (parts[1] != NULL && !parse_uint (parts[1], G_MAXUINT64, &hi)))
    return fail (error, rule,
                 "\"%s\" is not a port or a range of ports "
                 "like 4789 or 5000-5009",
                 word);
  if (parts[1] == NULL)
    hi = lo;
  if (lo < 1 || lo > 65535 || hi < 1 || hi > 65535)
    return fail (error, rule,
                 "port %" G_GUINT64_FORMAT " is out of range "
                 "(1 to 65535)",
                 (lo < 1 || lo > 65535) ? lo : hi);
  if (lo > hi)
    return fail (error, rule, "the port range %s runs backwards", word);
  m->rule.fields |= CNET_XDP_RULE_DPORT;
  m->rule.dport_min = (guint16) lo;
  m->rule.dport_max = (guint16) hi;
  return TRUE;
}

static gboolean
parse_address (CnetMatch *m, const char *word, const char *rule, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (word, "/", 2);
  guint8 addr[16] = { 0 };
  guint8 mask[16] = { 0 };
  guint family, bits;
  guint64 prefix;

  if (inet_pton (AF_INET, parts[0], addr) == 1)
    family = 4, bits = 32;
  else if (inet_pton (AF_INET6, parts[0], addr) == 1)
    family = 6, bits = 128;
  else
    return fail (error, rule, "\"%s\" is not an IPv4 or IPv6 address",
                 parts[0]);

  prefix = bits;
  if (parts[1] != NULL &&
      (!parse_uint (parts[1], G_MAXUINT64, &prefix) || prefix > bits))
    return fail (error, rule,
                 "prefix length \"%s\" is out of range for "
                 "IPv%u (0 to %u)",
                 parts[1], family, bits);
  for (guint i = 0; i < prefix; i++)
    mask[i / 8] |= (guint8) (0x80 >> (i % 8));
  for (guint i = 0; i < 16; i++)
    if ((addr[i] & ~mask[i]) != 0)
      return fail (error, rule,
                   "%s has bits set beyond the /%" G_GUINT64_FORMAT " prefix",
                   word, prefix);
  if (!set_family (m, family, word, rule, error))
    return FALSE;
  m->rule.fields |= family == 4 ? CNET_XDP_RULE_DADDR4 : CNET_XDP_RULE_DADDR6;
  memcpy (m->rule.daddr, addr, 16);
  memcpy (m->rule.dmask, mask, 16);
  return TRUE;
}

static gboolean
set_ethertype (CnetMatch *m, guint16 type, const char *word, const char *rule,
               GError **error)
{
  if (m->rule.fields & CNET_XDP_RULE_ETHERTYPE)
    return fail (error, rule, "\"%s\" gives a second ethertype", word);
  m->rule.fields |= CNET_XDP_RULE_ETHERTYPE;
  m->rule.ethertype = type;
  return TRUE;
}

static gboolean
set_proto (CnetMatch *m, guint8 proto, guint family, const char *word,
           const char *rule, GError **error)
{
  if (m->rule.fields & CNET_XDP_RULE_IP_PROTO)
    return fail (error, rule, "\"%s\" gives a second IP protocol", word);
  if (family != 0 && !set_family (m, family, word, rule, error))
    return FALSE;
  m->rule.fields |= CNET_XDP_RULE_IP_PROTO;
  m->rule.ip_proto = proto;
  return TRUE;
}

/* Terms that take a value: the word and the value's parser. */
static gboolean
parse_term (CnetMatch *m, char **words, guint *i, const char *rule,
            GError **error)
{
  const char *word = words[*i];
  const char *value = words[*i + 1];
  guint64 n;

  if (g_str_equal (word, "ip"))
    return set_ethertype (m, 0x0800, word, rule, error) &&
           set_family (m, 4, word, rule, error);
  if (g_str_equal (word, "ip6"))
    return set_ethertype (m, 0x86dd, word, rule, error) &&
           set_family (m, 6, word, rule, error);
  if (g_str_equal (word, "arp"))
    return set_ethertype (m, 0x0806, word, rule, error);
  for (guint p = 0; p < G_N_ELEMENTS (protocols); p++)
    if (g_str_equal (word, protocols[p].name))
      return set_proto (m, protocols[p].proto, protocols[p].family, word, rule,
                        error);

  if (g_str_equal (word, "ether"))
    {
      if (value == NULL || !g_str_equal (value, "type") ||
          words[*i + 2] == NULL)
        return fail (error, rule, "\"ether\" takes \"type N\"");
      *i += 2;
      if (!parse_uint (words[*i], 0xffff, &n) || n < 0x0600)
        return fail (error, rule,
                     "ethertype \"%s\" is out of range "
                     "(0x0600 to 0xffff)",
                     words[*i]);
      return set_ethertype (m, (guint16) n, "ether type", rule, error);
    }

  if (!g_str_equal (word, "proto") && !g_str_equal (word, "dport") &&
      !g_str_equal (word, "daddr"))
    return fail (error, rule,
                 "unknown word \"%s\"; a rule is made of ip, "
                 "ip6, arp, ether type N, udp, tcp, sctp, icmp, icmpv6, gre, "
                 "esp, proto N, dport N[-M] and daddr ADDRESS[/PREFIX]",
                 word);
  if (value == NULL)
    return fail (error, rule, "\"%s\" needs a value", word);
  *i += 1;

  if (g_str_equal (word, "proto"))
    {
      if (!parse_uint (value, 255, &n))
        return fail (error, rule,
                     "IP protocol \"%s\" is out of range "
                     "(0 to 255)",
                     value);
      return set_proto (m, (guint8) n, 0, "proto", rule, error);
    }
  if (g_str_equal (word, "dport"))
    {
      if (m->rule.fields & CNET_XDP_RULE_DPORT)
        return fail (error, rule, "\"dport\" is given twice");
      return parse_ports (m, value, rule, error);
    }
  if (m->rule.fields & (CNET_XDP_RULE_DADDR4 | CNET_XDP_RULE_DADDR6))
    return fail (error, rule, "\"daddr\" is given twice");
  return parse_address (m, value, rule, error);
}

/**
 * cnet_match_new:
 * @rule: a rule such as `udp dport 4789`
 * @error: return location for a #GError
 *
 * Parses a steering rule; see #CnetMatch for the words it may use. The
 * parser is strict: anything it does not understand is an error that
 * quotes the rule and says what is wrong.
 *
 * Returns: (transfer full): the rule, or %NULL with
 *   %CNET_ERROR_INVALID_ARGUMENT
 *
 * Since: 1.0
 */
CnetMatch *
cnet_match_new (const char *rule, GError **error)
{
  g_autoptr (CnetMatch) m = g_new0 (CnetMatch, 1);
  g_auto (GStrv) words = NULL;
  guint8 proto;

  g_return_val_if_fail (rule != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  {
    g_auto (GStrv) split = g_strsplit_set (rule, " \t\n", -1);
    g_autoptr (GPtrArray) kept = g_ptr_array_new ();

    /* Runs of blanks leave empty words: keep the others. */
    for (guint i = 0; split[i] != NULL; i++)
      if (*split[i] != '\0')
        g_ptr_array_add (kept, g_strdup (split[i]));
    g_ptr_array_add (kept, NULL);
    words = (GStrv) g_ptr_array_free (g_steal_pointer (&kept), FALSE);
  }
  if (words[0] == NULL)
    return fail (error, rule, "the rule is empty"), NULL;

  for (guint i = 0; words[i] != NULL; i++)
    if (!parse_term (m, words, &i, rule, error))
      return NULL;

  proto = m->rule.ip_proto;
  if ((m->rule.fields & CNET_XDP_RULE_DPORT) &&
      (!(m->rule.fields & CNET_XDP_RULE_IP_PROTO) ||
       (proto != IPPROTO_UDP && proto != IPPROTO_TCP && proto != IPPROTO_SCTP)))
    return fail (error, rule, "\"dport\" needs udp, tcp or sctp"), NULL;
  if ((m->rule.fields & CNET_XDP_RULE_ETHERTYPE) &&
      m->rule.ethertype != 0x0800 && m->rule.ethertype != 0x86dd &&
      (m->rule.fields &
       (CNET_XDP_RULE_IP_PROTO | CNET_XDP_RULE_DADDR4 | CNET_XDP_RULE_DADDR6)))
    return fail (error, rule,
                 "ethertype 0x%04x is not IP, but the rule "
                 "matches IP fields",
                 m->rule.ethertype),
           NULL;
  /* An address or an IPv4-/IPv6-only protocol pins the ethertype. */
  if (m->family != 0 && !(m->rule.fields & CNET_XDP_RULE_ETHERTYPE))
    {
      m->rule.fields |= CNET_XDP_RULE_ETHERTYPE;
      m->rule.ethertype = m->family == 4 ? 0x0800 : 0x86dd;
    }
  return g_steal_pointer (&m);
}

/**
 * cnet_match_copy:
 * @match: a #CnetMatch
 *
 * Returns: (transfer full): a copy of @match
 *
 * Since: 1.0
 */
CnetMatch *
cnet_match_copy (const CnetMatch *match)
{
  g_return_val_if_fail (match != NULL, NULL);
  return g_memdup2 (match, sizeof *match);
}

/**
 * cnet_match_free:
 * @match: (transfer full): a #CnetMatch
 *
 * Frees @match.
 *
 * Since: 1.0
 */
void
cnet_match_free (CnetMatch *match)
{
  g_free (match);
}

/**
 * cnet_match_to_string:
 * @match: a #CnetMatch
 *
 * Writes @match in a canonical form that cnet_match_new() parses back to
 * the same rule: `ip` or `ip6` (or `ether type`), the protocol, `dport`,
 * `daddr`.
 *
 * Returns: (transfer full): the rule as text
 *
 * Since: 1.0
 */
char *
cnet_match_to_string (const CnetMatch *match)
{
  const struct cnet_xdp_rule *r;
  GString *s;

  g_return_val_if_fail (match != NULL, NULL);

  r = &match->rule;
  s = g_string_new (NULL);
  if (r->fields & CNET_XDP_RULE_ETHERTYPE)
    {
      if (r->ethertype == 0x0800)
        g_string_append (s, " ip");
      else if (r->ethertype == 0x86dd)
        g_string_append (s, " ip6");
      else if (r->ethertype == 0x0806)
        g_string_append (s, " arp");
      else
        g_string_append_printf (s, " ether type 0x%04x", r->ethertype);
    }
  if (r->fields & CNET_XDP_RULE_IP_PROTO)
    {
      const char *name = NULL;
      guint family = 0;

      /* A protocol of one family (icmp, icmpv6) goes by its name only in
       * a rule for that family: the name alone would narrow "proto 1",
       * which matches IPv4 and IPv6, to IPv4. */
      if (r->fields & CNET_XDP_RULE_ETHERTYPE)
        family = r->ethertype == 0x0800 ? 4 : r->ethertype == 0x86dd ? 6 : 0;
      for (guint p = 0; p < G_N_ELEMENTS (protocols) && !name; p++)
        if (protocols[p].proto == r->ip_proto &&
            (protocols[p].family == 0 || protocols[p].family == family))
          name = protocols[p].name;
      if (name)
        g_string_append_printf (s, " %s", name);
      else
        g_string_append_printf (s, " proto %u", r->ip_proto);
    }
  if (r->fields & CNET_XDP_RULE_DPORT)
    {
      if (r->dport_min == r->dport_max)
        g_string_append_printf (s, " dport %u", r->dport_min);
      else
        g_string_append_printf (s, " dport %u-%u", r->dport_min, r->dport_max);
    }
  if (r->fields & (CNET_XDP_RULE_DADDR4 | CNET_XDP_RULE_DADDR6))
    {
      gboolean v4 = (r->fields & CNET_XDP_RULE_DADDR4) != 0;
      char buf[INET6_ADDRSTRLEN];
      guint prefix = 0;

      for (guint i = 0; i < 16; i++)
        prefix += (guint) __builtin_popcount (((const guint8 *) r->dmask)[i]);
      inet_ntop (v4 ? AF_INET : AF_INET6, r->daddr, buf, sizeof buf);
      g_string_append_printf (s, " daddr %s", buf);
      if (prefix != (v4 ? 32u : 128u))
        g_string_append_printf (s, "/%u", prefix);
    }
  if (s->len > 0)
    g_string_erase (s, 0, 1);
  return g_string_free (s, FALSE);
}

/* The rule as the XDP program reads it. */
void
cnet_match_to_xdp (const CnetMatch *match, struct cnet_xdp_rule *rule)
{
  *rule = match->rule;
}

/* The one rule compiler: @rules (up to CNET_MATCH_MAX_RULES) into the XDP
 * program's form (@xdp may be NULL when only checking) and their canonical
 * text. On a bad rule, *@bad_index (if given) says which; too many rules
 * is CNET_ERROR_OUT_OF_RANGE with *@bad_index set to G_MAXUINT. */
gboolean
cnet_match_compile_rules (const char *const *rules, struct cnet_xdp_rule *xdp,
                          guint *n_rules, GStrv *canonical, guint *bad_index,
                          GError **error)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  guint n = rules ? g_strv_length ((GStrv) rules) : 0;

  if (n > CNET_MATCH_MAX_RULES)
    {
      if (bad_index != NULL)
        *bad_index = G_MAXUINT;
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%u steering rules are too many; at most %u", n,
                   CNET_MATCH_MAX_RULES);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CnetMatch) match = cnet_match_new (rules[i], error);

      if (match == NULL)
        {
          if (bad_index != NULL)
            *bad_index = i;
          return FALSE;
        }
      if (xdp != NULL)
        xdp[i] = match->rule;
      {
        g_autofree char *text = cnet_match_to_string (match);
        g_strv_builder_add (builder, text);
      }
    }
  if (n_rules != NULL)
    *n_rules = n;
  if (canonical != NULL)
    {
      g_strfreev (*canonical);
      *canonical = g_strv_builder_end (builder);
    }
  return TRUE;
}
