/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Configuration: the wg(8) configuration file, read by translating it to
 * the cross-platform userspace API's `set=1` request (one parser of
 * settings, not two), and that API itself on
 * /var/run/wireguard/<name>.sock, so that `wg show`, `wg set` and
 * `wg setconf` work against cnet-wg as against wireguard-go
 * (https://www.wireguard.com/xplatform/).
 *
 * Besides `get=1` and `set=1` the socket answers `stats=1` with cnet-wg's
 * own counters (drops by cause), in the same key=value form.
 */
#include "wg.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define WG_SOCKET_DIR "/var/run/wireguard"

static int listen_fd = -1;
static guint listen_watch;
static char *socket_path;

gboolean
wg_endpoint_parse (const char *text, WgEndpoint *ep, GError **error)
{
  g_autofree char *host = NULL;
  const char *colon;
  guint64 port;

  memset (ep, 0, sizeof *ep);
  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        goto bad;
      host = g_strndup (text + 1, close - text - 1);
      colon = close + 1;
    }
  else
    {
      colon = strrchr (text, ':');
      if (colon == NULL)
        goto bad;
      host = g_strndup (text, colon - text);
    }
  if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
    goto bad;
  ep->port = (guint16) port;
  if (inet_pton (AF_INET, host, &ep->addr.v4) == 1)
    ep->family = AF_INET;
  else if (inet_pton (AF_INET6, host, &ep->addr.v6) == 1)
    ep->family = AF_INET6;
  else
    {
      struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res = NULL;
      int r = getaddrinfo (host, NULL, &hints, &res);

      if (r != 0 || res == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "endpoint \"%s\": cannot resolve \"%s\": %s", text, host,
                       gai_strerror (r));
          return FALSE;
        }
      ep->family = res->ai_family;
      if (res->ai_family == AF_INET)
        ep->addr.v4 = ((struct sockaddr_in *) res->ai_addr)->sin_addr;
      else
        ep->addr.v6 = ((struct sockaddr_in6 *) res->ai_addr)->sin6_addr;
      freeaddrinfo (res);
    }
  return TRUE;

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "endpoint \"%s\": expected ADDRESS:PORT or [IPV6]:PORT", text);
  return FALSE;
}

char *
wg_endpoint_to_string (const WgEndpoint *ep)
{
  char buf[INET6_ADDRSTRLEN];

  if (ep->family == 0)
    return g_strdup ("(none)");
  inet_ntop (ep->family, ep->addr.bytes, buf, sizeof buf);
  return ep->family == AF_INET6 ? g_strdup_printf ("[%s]:%u", buf, ep->port)
                                : g_strdup_printf ("%s:%u", buf, ep->port);
}

gboolean
wg_endpoint_equal (const WgEndpoint *a, const WgEndpoint *b)
{
  return a->family == b->family && a->port == b->port &&
         memcmp (a->addr.bytes, b->addr.bytes, a->family == AF_INET ? 4 : 16) ==
           0;
}

static char *
hex_of (const guint8 *b, gsize len)
{
  GString *s = g_string_sized_new (len * 2);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", b[i]);
  return g_string_free (s, FALSE);
}

static gboolean
parse_hex_key (const char *text, guint8 key[WG_KEY_LEN])
{
  if (strlen (text) != 2 * WG_KEY_LEN)
    return FALSE;
  for (guint i = 0; i < WG_KEY_LEN; i++)
    {
      int hi = g_ascii_xdigit_value (text[2 * i]);
      int lo = g_ascii_xdigit_value (text[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      key[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static gboolean
base64_key_to_hex (const char *file, guint line, const char *what,
                   const char *value, GString *out, const char *uapi_key,
                   GError **error)
{
  gsize len = 0;
  g_autofree guint8 *key = NULL;
  g_autofree char *hex = NULL;

  if (strlen (value) == 44 && value[43] == '=')
    key = g_base64_decode (value, &len);
  if (key == NULL || len != WG_KEY_LEN)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s:%u: %s: not a base64 32-byte key", file, line, what);
      return FALSE;
    }
  hex = hex_of (key, len);
  g_string_append_printf (out, "%s=%s\n", uapi_key, hex);
  wg_wipe (key, len);
  wg_wipe (hex, strlen (hex));
  return TRUE;
}

/* Reads a wg(8) configuration file (the format `wg setconf` takes) and
 * returns the equivalent `set=1` request body. */
char *
wg_config_to_uapi (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GString) out = g_string_new ("replace_peers=true\n");
  g_autoptr (GString) peer = NULL;
  g_autofree char *peer_key = NULL;
  enum
  {
    NONE,
    INTERFACE,
    PEER
  } section = NONE;
  guint n = 0;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i], *hash = strchr (line, '#'), *eq;
      char *key, *value;

      n = i + 1;
      if (hash != NULL)
        *hash = '\0';
      g_strstrip (line);
      if (*line == '\0')
        continue;
      if (line[0] == '[')
        {
          if (peer != NULL)
            {
              g_string_append_printf (out, "%s", peer_key);
              g_string_append (out, peer->str);
              g_string_free (g_steal_pointer (&peer), TRUE);
              g_clear_pointer (&peer_key, g_free);
            }
          if (g_ascii_strcasecmp (line, "[Interface]") == 0)
            section = INTERFACE;
          else if (g_ascii_strcasecmp (line, "[Peer]") == 0)
            {
              section = PEER;
              peer = g_string_new ("replace_allowed_ips=true\n");
            }
          else
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "%s:%u: unknown section %s", path, n, line);
              return NULL;
            }
          continue;
        }
      eq = strchr (line, '=');
      if (eq == NULL || section == NONE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: expected Key = Value inside [Interface] or "
                       "[Peer]",
                       path, n);
          return NULL;
        }
      *eq = '\0';
      key = g_strstrip (line);
      value = g_strstrip (eq + 1);
      if (section == INTERFACE && g_ascii_strcasecmp (key, "PrivateKey") == 0)
        {
          if (!base64_key_to_hex (path, n, key, value, out, "private_key",
                                  error))
            return NULL;
        }
      else if (section == INTERFACE &&
               g_ascii_strcasecmp (key, "ListenPort") == 0)
        g_string_append_printf (out, "listen_port=%s\n", value);
      else if (section == INTERFACE && g_ascii_strcasecmp (key, "FwMark") == 0)
        g_string_append_printf (out, "fwmark=%s\n",
                                g_ascii_strcasecmp (value, "off") == 0 ? "0"
                                                                       : value);
      else if (section == PEER && g_ascii_strcasecmp (key, "PublicKey") == 0)
        {
          g_autoptr (GString) k = g_string_new (NULL);

          if (!base64_key_to_hex (path, n, key, value, k, "public_key", error))
            return NULL;
          g_free (peer_key);
          peer_key = g_string_free (g_steal_pointer (&k), FALSE);
        }
      else if (section == PEER && g_ascii_strcasecmp (key, "PresharedKey") == 0)
        {
          if (!base64_key_to_hex (path, n, key, value, peer, "preshared_key",
                                  error))
            return NULL;
        }
      else if (section == PEER && g_ascii_strcasecmp (key, "AllowedIPs") == 0)
        {
          g_auto (GStrv) ips = g_strsplit (value, ",", -1);

          for (guint j = 0; ips[j] != NULL; j++)
            {
              WgPrefix p;
              g_autofree char *canon = NULL;

              if (*g_strstrip (ips[j]) == '\0')
                continue;
              if (!wg_prefix_parse (ips[j], &p, error))
                {
                  g_prefix_error (error, "%s:%u: ", path, n);
                  return NULL;
                }
              canon = wg_prefix_to_string (&p);
              g_string_append_printf (peer, "allowed_ip=%s\n", canon);
            }
        }
      else if (section == PEER && g_ascii_strcasecmp (key, "Endpoint") == 0)
        {
          WgEndpoint ep;
          g_autofree char *canon = NULL;

          if (!wg_endpoint_parse (value, &ep, error))
            {
              g_prefix_error (error, "%s:%u: ", path, n);
              return NULL;
            }
          canon = wg_endpoint_to_string (&ep);
          g_string_append_printf (peer, "endpoint=%s\n", canon);
        }
      else if (section == PEER &&
               g_ascii_strcasecmp (key, "PersistentKeepalive") == 0)
        g_string_append_printf (peer, "persistent_keepalive_interval=%s\n",
                                g_ascii_strcasecmp (value, "off") == 0 ? "0"
                                                                       : value);
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s:%u: unknown key \"%s\" in [%s]", path, n, key,
                       section == INTERFACE ? "Interface" : "Peer");
          return NULL;
        }
    }
  if (peer != NULL)
    {
      if (peer_key == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "%s: a [Peer] has no PublicKey", path);
          return NULL;
        }
      g_string_append (out, peer_key);
      g_string_append (out, peer->str);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

WgPeer *
wg_device_find_peer (WgDevice *dev, const guint8 key[WG_KEY_LEN])
{
  for (guint i = 0; i < dev->peers->len; i++)
    {
      WgPeer *peer = g_ptr_array_index (dev->peers, i);

      if (memcmp (peer->public_key, key, WG_KEY_LEN) == 0)
        return peer;
    }
  return NULL;
}

static WgPeer *
peer_new (WgDevice *dev, const guint8 key[WG_KEY_LEN])
{
  WgPeer *peer = g_new0 (WgPeer, 1);

  peer->device = dev;
  memcpy (peer->public_key, key, WG_KEY_LEN);
  peer->allowed = g_array_new (FALSE, FALSE, sizeof (WgPrefix));
  wg_peer_init_keys (peer);
  g_ptr_array_add (dev->peers, peer);
  return peer;
}

void
wg_device_remove_peer (WgDevice *dev, WgPeer *peer)
{
  wg_allowedips_remove_peer (dev, peer);
  wg_peer_clear_handshake (peer);
  wg_peer_clear_keys (peer);
  cnet_packet_free_bulk (peer->staged, peer->n_staged);
  g_array_unref (peer->allowed);
  g_ptr_array_remove (dev->peers, peer);
  dev->peers_gen++;
  wg_wipe (peer, sizeof *peer);
  g_free (peer);
}

static gboolean
parse_bool_true (const char *value)
{
  return g_str_equal (value, "true");
}

/* Applies a `set=1` request body (without the first line) and returns 0 or
 * the errno the protocol reports, with @error saying why. */
int
wg_uapi_set (WgDevice *dev, const char *request, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (request, "\n", -1);
  WgPeer *peer = NULL;
  gboolean peer_created = FALSE, skip_peer = FALSE;
  int ret = 0;

  g_mutex_lock (&dev->lock);
  for (guint i = 0; lines[i] != NULL && ret == 0; i++)
    {
      char *line = lines[i], *eq = strchr (line, '=');
      const char *key, *value;
      guint64 num;
      guint8 k[WG_KEY_LEN];

      if (*line == '\0')
        continue;
      if (eq == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "line \"%s\": expected key=value", line);
          ret = EPROTO;
          break;
        }
      *eq = '\0';
      key = line;
      value = eq + 1;

      if (g_str_equal (key, "public_key"))
        {
          if (!parse_hex_key (value, k))
            goto invalid;
          skip_peer = dev->has_private_key &&
                      memcmp (k, dev->public_key, WG_KEY_LEN) == 0;
          peer = skip_peer ? NULL : wg_device_find_peer (dev, k);
          peer_created = FALSE;
          if (peer == NULL && !skip_peer)
            {
              peer = peer_new (dev, k);
              peer_created = TRUE;
            }
          continue;
        }
      if (skip_peer)
        continue;
      if (peer == NULL)
        {
          if (g_str_equal (key, "private_key"))
            {
              guint8 zero[WG_KEY_LEN] = { 0 };

              if (!parse_hex_key (value, k))
                goto invalid;
              wg_device_set_private_key (dev, memcmp (k, zero, WG_KEY_LEN)
                                                ? k
                                                : NULL);
              wg_wipe (k, sizeof k);
            }
          else if (g_str_equal (key, "listen_port"))
            {
              if (!g_ascii_string_to_unsigned (value, 10, 0, 65535, &num, NULL))
                goto invalid;
              if (num == 0)
                num = 49152 + g_random_int_range (0, 16384);
              if (num != dev->listen_port && dev->leased)
                {
                  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "listen_port=%u: the queue is leased from "
                               "cnetd with the rule \"udp dport %u\", which "
                               "a lessee cannot change; restart cnet-wg",
                               (guint) num, dev->listen_port);
                  ret = EOPNOTSUPP;
                  break;
                }
              if (num != dev->listen_port)
                {
                  dev->listen_port = (guint16) num;
                  dev->listen_port_changed = TRUE;
                }
            }
          else if (g_str_equal (key, "fwmark"))
            {
              gboolean hex = g_str_has_prefix (value, "0x");

              if (!g_ascii_string_to_unsigned (value + (hex ? 2 : 0),
                                               hex ? 16 : 10, 0, G_MAXUINT32,
                                               &num, NULL))
                goto invalid;
              dev->fwmark = (guint32) num;
            }
          else if (g_str_equal (key, "replace_peers"))
            {
              if (!parse_bool_true (value))
                goto invalid;
              while (dev->peers->len > 0)
                wg_device_remove_peer (dev, g_ptr_array_index (dev->peers, 0));
            }
          else
            goto invalid;
          continue;
        }
      if (g_str_equal (key, "update_only"))
        {
          if (!parse_bool_true (value))
            goto invalid;
          if (peer_created)
            {
              wg_device_remove_peer (dev, peer);
              peer = NULL;
              skip_peer = TRUE;
            }
        }
      else if (g_str_equal (key, "remove"))
        {
          if (!parse_bool_true (value))
            goto invalid;
          wg_device_remove_peer (dev, peer);
          peer = NULL;
          skip_peer = TRUE;
        }
      else if (g_str_equal (key, "preshared_key"))
        {
          if (!parse_hex_key (value, peer->psk))
            goto invalid;
        }
      else if (g_str_equal (key, "endpoint"))
        {
          WgEndpoint ep;

          if (!wg_endpoint_parse (value, &ep, error))
            {
              ret = EINVAL;
              break;
            }
          if (!wg_endpoint_equal (&ep, &peer->endpoint))
            {
              peer->endpoint = ep;
              memset (&peer->local, 0, sizeof peer->local);
              peer->route.valid = FALSE;
            }
        }
      else if (g_str_equal (key, "persistent_keepalive_interval"))
        {
          if (!g_ascii_string_to_unsigned (value, 10, 0, 65535, &num, NULL))
            goto invalid;
          peer->keepalive_interval = (guint) num;
        }
      else if (g_str_equal (key, "replace_allowed_ips"))
        {
          if (!parse_bool_true (value))
            goto invalid;
          wg_allowedips_remove_peer (dev, peer);
        }
      else if (g_str_equal (key, "allowed_ip"))
        {
          WgPrefix p;

          if (!wg_prefix_parse (value, &p, error))
            {
              ret = EINVAL;
              break;
            }
          wg_allowedips_insert (dev, &p, peer);
        }
      else if (g_str_equal (key, "protocol_version"))
        {
          if (!g_str_equal (value, "1"))
            goto invalid;
        }
      else
        goto invalid;
      continue;

    invalid:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s=%s: invalid key or value", key,
                   strstr (key, "key") ? "(hidden)" : value);
      ret = EINVAL;
    }
  g_mutex_unlock (&dev->lock);
  wg_device_wake (dev);
  return ret;
}

char *
wg_uapi_get (WgDevice *dev)
{
  GString *s = g_string_new (NULL);

  g_mutex_lock (&dev->lock);
  if (dev->has_private_key)
    {
      g_autofree char *hex = hex_of (dev->private_key, WG_KEY_LEN);

      g_string_append_printf (s, "private_key=%s\n", hex);
      wg_wipe (hex, strlen (hex));
    }
  g_string_append_printf (s, "listen_port=%u\n", dev->listen_port);
  if (dev->fwmark != 0)
    g_string_append_printf (s, "fwmark=%u\n", dev->fwmark);
  for (guint i = 0; i < dev->peers->len; i++)
    {
      WgPeer *peer = g_ptr_array_index (dev->peers, i);
      g_autofree char *pub = hex_of (peer->public_key, WG_KEY_LEN);
      g_autofree char *psk = hex_of (peer->psk, WG_KEY_LEN);

      g_string_append_printf (s,
                              "public_key=%s\npreshared_key=%s\n"
                              "protocol_version=1\n",
                              pub, psk);
      wg_wipe (psk, strlen (psk));
      if (peer->endpoint.family != 0)
        {
          g_autofree char *ep = wg_endpoint_to_string (&peer->endpoint);
          g_string_append_printf (s, "endpoint=%s\n", ep);
        }
      g_string_append_printf (s,
                              "last_handshake_time_sec=%" G_GINT64_FORMAT
                              "\nlast_handshake_time_nsec=%" G_GINT64_FORMAT
                              "\ntx_bytes=%" G_GUINT64_FORMAT
                              "\nrx_bytes=%" G_GUINT64_FORMAT
                              "\npersistent_keepalive_interval=%u\n",
                              peer->last_handshake_wall / G_USEC_PER_SEC,
                              (peer->last_handshake_wall % G_USEC_PER_SEC) *
                                1000,
                              peer->tx_bytes, peer->rx_bytes,
                              peer->keepalive_interval);
      for (guint j = 0; j < peer->allowed->len; j++)
        {
          g_autofree char *p =
            wg_prefix_to_string (&g_array_index (peer->allowed, WgPrefix, j));
          g_string_append_printf (s, "allowed_ip=%s\n", p);
        }
    }
  g_mutex_unlock (&dev->lock);
  g_string_append (s, "errno=0\n\n");
  return g_string_free (s, FALSE);
}

/* With bench/malloc-count.so preloaded, the number of heap allocations so
 * far (-1 without it): how the tests and the benchmark show that the data
 * path allocates nothing per packet. */
static gint64
malloc_count (void)
{
  static gint64 (*fn) (void);
  static gsize looked;

  if (g_once_init_enter (&looked))
    {
      fn = (gint64 (*) (void)) dlsym (RTLD_DEFAULT, "cnet_bench_malloc_count");
      g_once_init_leave (&looked, 1);
    }
  return fn != NULL ? fn () : -1;
}

char *
wg_uapi_stats (WgDevice *dev)
{
  gint64 allocs = malloc_count (); /* before this call allocates */
  GString *s = g_string_new (NULL);
  WgStats st;

  g_mutex_lock (&dev->lock);
  st = dev->stats;
  g_mutex_unlock (&dev->lock);
#define STAT(f) g_string_append_printf (s, #f "=%" G_GUINT64_FORMAT "\n", st.f)
  STAT (rx_packets);
  STAT (rx_keepalives);
  STAT (tx_packets);
  STAT (tx_keepalives);
  STAT (handshakes_rx);
  STAT (handshakes_tx);
  STAT (cookies_rx);
  STAT (cookies_tx);
  STAT (drop_replay);
  STAT (drop_mac1);
  STAT (drop_mac2);
  STAT (drop_malformed);
  STAT (drop_handshake);
  STAT (drop_no_key);
  STAT (drop_decrypt);
  STAT (drop_source);
  STAT (drop_no_peer);
  STAT (drop_no_route);
  STAT (drop_staged);
  STAT (drop_tx_full);
  STAT (drop_not_ip);
  STAT (tun_reads);
  STAT (tun_writes);
#undef STAT
  g_string_append_printf (s, "allocs=%" G_GINT64_FORMAT "\n", allocs);
  g_string_append (s, "errno=0\n\n");
  return g_string_free (s, FALSE);
}

/* One connection: requests end with an empty line; answered in turn until
 * the client closes. A client gets a second to send each request. */
static void
serve (WgDevice *dev, int fd)
{
  g_autoptr (GString) buf = g_string_new (NULL);
  struct timeval tv = { .tv_sec = 1 };
  char chunk[4096];

  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  for (;;)
    {
      char *end = strstr (buf->str, "\n\n");
      ssize_t n;

      if (end != NULL)
        {
          g_autofree char *req = g_strndup (buf->str, end - buf->str + 1);
          g_autofree char *reply = NULL;

          g_string_erase (buf, 0, end - buf->str + 2);
          if (g_str_equal (req, "get=1\n"))
            reply = wg_uapi_get (dev);
          else if (g_str_equal (req, "stats=1\n"))
            reply = wg_uapi_stats (dev);
          else if (g_str_has_prefix (req, "set=1\n"))
            {
              g_autoptr (GError) error = NULL;
              int e = wg_uapi_set (dev, req + 6, &error);

              if (e != 0)
                g_printerr ("cnet-wg: %s: set: %s\n", dev->name,
                            error ? error->message : g_strerror (e));
              reply = g_strdup_printf ("errno=%d\n\n", e);
            }
          else
            reply = g_strdup_printf ("errno=%d\n\n", EINVAL);
          wg_wipe (req, strlen (req));
          if (send (fd, reply, strlen (reply), MSG_NOSIGNAL) < 0)
            break;
          continue;
        }
      n = recv (fd, chunk, sizeof chunk, 0);
      if (n <= 0)
        break;
      g_string_append_len (buf, chunk, n);
      if (buf->len > 1024 * 1024)
        break;
    }
  wg_wipe (buf->str, buf->len);
}

static gboolean
on_accept (int fd, GIOCondition cond, gpointer user_data)
{
  int c = accept4 (fd, NULL, NULL, SOCK_CLOEXEC);

  if (c >= 0)
    {
      serve (user_data, c);
      close (c);
    }
  return G_SOURCE_CONTINUE;
}

gboolean
wg_uapi_listen (WgDevice *dev, GError **error)
{
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  int fd;
  mode_t old;

  if (g_mkdir_with_parents (WG_SOCKET_DIR, 0755) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s",
                   WG_SOCKET_DIR, g_strerror (errsv));
      return FALSE;
    }
  socket_path = g_strdup_printf (WG_SOCKET_DIR "/%s.sock", dev->name);
  g_strlcpy (sun.sun_path, socket_path, sizeof sun.sun_path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    goto fail;
  /* A socket file nobody answers on is a leftover: replace it. One that
   * answers belongs to a running interface of that name. */
  if (connect (fd, (struct sockaddr *) &sun, sizeof sun) == 0)
    {
      close (fd);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   "%s: another process serves interface %s", socket_path,
                   dev->name);
      g_clear_pointer (&socket_path, g_free);
      return FALSE;
    }
  unlink (socket_path);
  old = umask (077);
  if (bind (fd, (struct sockaddr *) &sun, sizeof sun) < 0)
    {
      umask (old);
      goto fail;
    }
  umask (old);
  if (listen (fd, 16) < 0)
    goto fail;
  listen_fd = fd;
  listen_watch = g_unix_fd_add (fd, G_IO_IN, on_accept, dev);
  return TRUE;

fail:
  {
    int errsv = errno;
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "%s: %s",
                 socket_path, g_strerror (errsv));
    if (fd >= 0)
      close (fd);
    g_clear_pointer (&socket_path, g_free);
    return FALSE;
  }
}

void
wg_uapi_unlisten (WgDevice *dev)
{
  if (listen_watch != 0)
    g_source_remove (listen_watch);
  listen_watch = 0;
  if (listen_fd >= 0)
    close (listen_fd);
  listen_fd = -1;
  if (socket_path != NULL)
    unlink (socket_path);
  g_clear_pointer (&socket_path, g_free);
}
