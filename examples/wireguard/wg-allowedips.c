/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AllowedIPs: a binary trie per family, one level per address bit, each
 * node naming the peer whose prefix ends there. A lookup walks the
 * address's bits and keeps the deepest peer it met: the longest prefix
 * match. Nodes are made when the configuration changes, never on the data
 * path; every peer also keeps its list of prefixes for `wg show`.
 */
#include "wg.h"

#include <arpa/inet.h>
#include <string.h>

struct _WgTrieNode
{
  WgTrieNode *child[2];
  WgPeer *peer;
};

static inline guint
bit_at (const guint8 *addr, guint i)
{
  return (addr[i / 8] >> (7 - i % 8)) & 1;
}

static void
peer_forget_prefix (WgPeer *peer, const WgPrefix *prefix)
{
  for (guint i = 0; i < peer->allowed->len; i++)
    {
      WgPrefix *p = &g_array_index (peer->allowed, WgPrefix, i);

      if (p->family == prefix->family && p->cidr == prefix->cidr &&
          memcmp (p->addr, prefix->addr, 16) == 0)
        {
          g_array_remove_index (peer->allowed, i);
          return;
        }
    }
}

void
wg_allowedips_insert (WgDevice *dev, const WgPrefix *prefix, WgPeer *peer)
{
  WgTrieNode **root = prefix->family == AF_INET ? &dev->trie4 : &dev->trie6;
  WgTrieNode *node;

  if (*root == NULL)
    *root = g_new0 (WgTrieNode, 1);
  node = *root;
  for (guint i = 0; i < prefix->cidr; i++)
    {
      guint b = bit_at (prefix->addr, i);

      if (node->child[b] == NULL)
        node->child[b] = g_new0 (WgTrieNode, 1);
      node = node->child[b];
    }
  if (node->peer == peer)
    return;
  /* A prefix belongs to one peer: setting it on another moves it. */
  if (node->peer != NULL)
    peer_forget_prefix (node->peer, prefix);
  node->peer = peer;
  g_array_append_val (peer->allowed, *prefix);
}

static void
clear_peer (WgTrieNode *node, WgPeer *peer)
{
  if (node == NULL)
    return;
  if (node->peer == peer)
    node->peer = NULL;
  clear_peer (node->child[0], peer);
  clear_peer (node->child[1], peer);
}

void
wg_allowedips_remove_peer (WgDevice *dev, WgPeer *peer)
{
  clear_peer (dev->trie4, peer);
  clear_peer (dev->trie6, peer);
  g_array_set_size (peer->allowed, 0);
}

WgPeer *
wg_allowedips_lookup (WgDevice *dev, int family, const guint8 *addr)
{
  WgTrieNode *node = family == AF_INET ? dev->trie4 : dev->trie6;
  guint bits = family == AF_INET ? 32 : 128;
  WgPeer *best = NULL;

  for (guint i = 0; node != NULL; i++)
    {
      if (node->peer != NULL)
        best = node->peer;
      if (i == bits)
        break;
      node = node->child[bit_at (addr, i)];
    }
  return best;
}

static void
free_node (WgTrieNode *node)
{
  if (node == NULL)
    return;
  free_node (node->child[0]);
  free_node (node->child[1]);
  g_free (node);
}

void
wg_allowedips_free (WgDevice *dev)
{
  free_node (dev->trie4);
  free_node (dev->trie6);
  dev->trie4 = dev->trie6 = NULL;
}

gboolean
wg_prefix_parse (const char *text, WgPrefix *prefix, GError **error)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *slash = strchr (copy, '/');
  guint64 cidr;
  guint max;

  memset (prefix, 0, sizeof *prefix);
  if (slash != NULL)
    *slash = '\0';
  if (inet_pton (AF_INET, copy, prefix->addr) == 1)
    prefix->family = AF_INET;
  else if (inet_pton (AF_INET6, copy, prefix->addr) == 1)
    prefix->family = AF_INET6;
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "allowed IP \"%s\": \"%s\" is not an IPv4 or IPv6 address",
                   text, copy);
      return FALSE;
    }
  max = prefix->family == AF_INET ? 32 : 128;
  if (slash == NULL)
    cidr = max;
  else if (!g_ascii_string_to_unsigned (slash + 1, 10, 0, max, &cidr, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "allowed IP \"%s\": the prefix length must be 0 to %u", text,
                   max);
      return FALSE;
    }
  prefix->cidr = (guint8) cidr;
  /* Keep the network part only, as wg does. */
  for (guint i = prefix->cidr; i < max; i++)
    prefix->addr[i / 8] &= (guint8) ~(0x80 >> (i % 8));
  return TRUE;
}

char *
wg_prefix_to_string (const WgPrefix *prefix)
{
  char buf[INET6_ADDRSTRLEN];

  inet_ntop (prefix->family, prefix->addr, buf, sizeof buf);
  return g_strdup_printf ("%s/%u", buf, prefix->cidr);
}
