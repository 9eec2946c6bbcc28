/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-wg: a WireGuard endpoint whose outer UDP side is a libcnet port
 * (AF_XDP) with the steering rule `udp dport <ListenPort>`, so ARP, ICMP
 * and everything else stay with the kernel, and whose inner side is a TUN
 * device. Configured with a wg(8) file and the userspace API socket that
 * `wg` talks to. See docs/wireguard.md.
 *
 *   cnet-wg -i eth0 [-q 0] [-c wg0.conf] [--mtu 1420] [--cnetd ADDRESS] NAME
 *
 * Threads:
 *   - main: a GMainLoop with the API socket, the timers (every 100 ms and
 *     when a data thread asks), route and neighbour look-ups;
 *   - rx: the port's receive side: handshakes, then each burst's data
 *     messages checked, opened and written to the TUN device;
 *   - tun: reads the TUN device in bursts straight into UMEM frames,
 *     seals them in place and sends them as one TX burst.
 * The protocol state sits under one device lock, taken twice per burst by
 * a data thread (keys are copied out, the crypto runs unlocked).
 */
#include "wg.h"
#include "wg-offload.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <locale.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define BURST 64
/* The outer headers end, and the WireGuard message starts, here in every
 * frame we build (room for Ethernet + IPv6 + UDP). */
#define WG_MSG_OFF (WG_ETH_LEN + 40 + 8)

typedef struct
{
  CnetPacket *pkt;
  guint8 key[WG_KEY_LEN];
  guint64 counter;
  guint32 receiver;
  guint8 header[WG_ETH_LEN + 40 + 8];
  guint header_len;
} SealJob;

typedef struct
{
  WgDevice *dev;
  WgCipher *cipher;
  int nlfd;
  const char *name;
} WgWorker;

typedef struct
{
  CnetPacket *pkt;
  guint8 *msg;
  guint len;
  WgEndpoint src, local;
  WgPeer *peer;
  WgKeypair *kp;
  guint32 index;
  guint64 counter;
  guint8 key[WG_KEY_LEN];
  gboolean ok;
} OpenJob;

static WgDevice device;
static int tun_fd = -1;
static gboolean tun_offload; /* IFF_VNET_HDR with TSO and checksum offload */
static gint stopping;
static GMainLoop *loop;
static WgWorker main_worker;

void
wg_device_wake (WgDevice *dev)
{
  guint64 one = 1;

  if (dev->wake_fd >= 0 && write (dev->wake_fd, &one, sizeof one) < 0)
    {
      /* The counter is full: the main thread has wakeups pending anyway. */
    }
}

static inline guint8 *
pkt_data (CnetPacket *pkt)
{
  gsize len;

  return cnet_packet_get_data (pkt, &len);
}

/* Writes the outer headers in front of the message at @msg (@len bytes)
 * from a route's template; returns where the frame starts. */
static guint8 *
write_headers (guint8 *msg, gsize len, const guint8 *tmpl, guint tmpl_len)
{
  guint8 *frame = msg - tmpl_len;
  guint8 *ip = frame + WG_ETH_LEN;
  guint8 *udp = msg - 8;
  guint16 udp_len = (guint16) (len + 8);

  memcpy (frame, tmpl, tmpl_len);
  udp[4] = (guint8) (udp_len >> 8);
  udp[5] = (guint8) udp_len;
  if (tmpl_len == WG_ETH_LEN + 20 + 8)
    {
      guint16 tot = (guint16) (udp_len + 20);
      guint32 sum = (guint32) (ip[10] << 8 | ip[11]) + tot;

      ip[2] = (guint8) (tot >> 8);
      ip[3] = (guint8) tot;
      sum = ~wg_csum_fold (sum) & 0xffff;
      ip[10] = (guint8) (sum >> 8);
      ip[11] = (guint8) sum;
      /* UDP checksum 0: none, which IPv4 allows. */
    }
  else
    {
      guint8 pseudo[8] = {
        0, 0, (guint8) (udp_len >> 8), (guint8) udp_len, 0, 0, 0, IPPROTO_UDP
      };
      guint64 sum;
      guint16 c;

      ip[4] = (guint8) (udp_len >> 8);
      ip[5] = (guint8) udp_len;
      sum = wg_csum_partial (ip + 8, 32, 0);
      sum = wg_csum_partial (pseudo, 8, sum);
      sum = wg_csum_partial (udp, udp_len, sum);
      c = (guint16) ~wg_csum_fold (sum);
      if (c == 0)
        c = 0xffff;
      memcpy (udp + 6, &c, 2);
    }
  return frame;
}

/* Puts the headers on a frame whose message starts at WG_MSG_OFF and makes
 * the packet exactly the frame. */
static void
finish_frame (CnetPacket *pkt, gsize msg_len, const guint8 *tmpl,
              guint tmpl_len)
{
  guint8 *d = pkt_data (pkt);

  write_headers (d + WG_MSG_OFF, msg_len, tmpl, tmpl_len);
  if (!cnet_packet_set_length (pkt, WG_MSG_OFF + msg_len, NULL) ||
      !cnet_packet_pull (pkt, WG_MSG_OFF - tmpl_len, NULL))
    g_assert_not_reached ();
}

static void
put_u32 (guint8 *p, guint32 v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static void
put_u64 (guint8 *p, guint64 v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, 8);
}

/* Seals the plaintext at WG_PLAIN_OFF (the packet's length says how much)
 * into a data message and adds the outer headers. */
static void
seal_job (WgCipher *cipher, guint mtu, SealJob *job)
{
  guint8 *d = pkt_data (job->pkt);
  guint plen = cnet_packet_get_length (job->pkt) - WG_PLAIN_OFF;
  guint padded = (plen + 15) & ~15u;
  guint8 *msg = d + WG_MSG_OFF;

  if (padded > mtu)
    padded = MAX (plen, mtu);
  memset (d + WG_PLAIN_OFF + plen, 0, padded - plen);
  wg_cipher_seal (cipher, job->key, job->counter, d + WG_PLAIN_OFF, padded,
                  d + WG_PLAIN_OFF + padded);
  msg[0] = WG_MSG_DATA;
  msg[1] = msg[2] = msg[3] = 0;
  put_u32 (msg + 4, job->receiver);
  put_u64 (msg + 8, job->counter);
  finish_frame (job->pkt, WG_DATA_HEADER_LEN + padded + WG_TAG_LEN, job->header,
                job->header_len);
  wg_wipe (job->key, sizeof job->key);
}

static inline guint
sealed_len (guint plen, guint mtu)
{
  guint padded = (plen + 15) & ~15u;

  if (padded > mtu)
    padded = MAX (plen, mtu);
  return WG_DATA_HEADER_LEN + padded + WG_TAG_LEN;
}

/* --- Under the device lock ------------------------------------------- */

static gboolean
peer_resolve_locked (WgWorker *w, WgPeer *peer)
{
  WgDevice *dev = w->dev;
  g_autoptr (GError) error = NULL;

  if (peer->route.valid)
    return TRUE;
  if (peer->endpoint.family == 0)
    return FALSE;
  if (!wg_route_resolve (w->nlfd, &peer->endpoint,
                         peer->local.family != 0 ? &peer->local : NULL,
                         dev->ifindex, dev->if_mac, dev->listen_port,
                         &peer->route, &error))
    {
      g_debug ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* Our outgoing data's keypair, or FALSE when a handshake is needed. */
static gboolean
peer_job_locked (WgPeer *peer, SealJob *job, gint64 now)
{
  WgKeypair *kp = peer->current;

  if (kp == NULL || now - kp->created >= WG_REJECT_AFTER_TIME ||
      kp->send_counter >= WG_REJECT_AFTER_MESSAGES)
    {
      peer->want_handshake = TRUE;
      return FALSE;
    }
  if (!peer->route.valid)
    return FALSE; /* the main thread's timer resolves it and flushes */
  job->counter = kp->send_counter++;
  memcpy (job->key, kp->send_key, WG_KEY_LEN);
  job->receiver = kp->remote_index;
  memcpy (job->header, peer->route.header, peer->route.header_len);
  job->header_len = peer->route.header_len;
  if (kp->send_counter > WG_REKEY_AFTER_MESSAGES ||
      (kp->initiator && now - kp->created >= WG_REKEY_AFTER_TIME))
    peer->want_handshake = TRUE;
  return TRUE;
}

static void
peer_sent_locked (WgPeer *peer, guint msg_len, gboolean data, gint64 now)
{
  peer->tx_bytes += msg_len;
  peer->last_sent = now;
  if (data && peer->unanswered_data_since == 0)
    peer->unanswered_data_since = now;
}

/* Sends a handshake message to the peer's endpoint. */
static gboolean
send_message_locked (WgWorker *w, WgPeer *peer, const guint8 *msg, gsize len)
{
  WgDevice *dev = w->dev;
  CnetPacket *pkt;

  if (!peer_resolve_locked (w, peer))
    {
      dev->stats.drop_no_route++;
      return FALSE;
    }
  pkt = cnet_mempool_alloc (cnet_port_get_mempool (dev->port), NULL);
  if (pkt == NULL)
    return FALSE;
  if (!cnet_packet_set_length (pkt, WG_MSG_OFF + len, NULL))
    g_assert_not_reached ();
  memcpy (pkt_data (pkt) + WG_MSG_OFF, msg, len);
  finish_frame (pkt, len, peer->route.header, peer->route.header_len);
  if (cnet_port_tx_burst (dev->port, &pkt, 1) != 1)
    {
      cnet_packet_unref (pkt);
      __atomic_fetch_add (&dev->stats.drop_tx_full, 1, __ATOMIC_RELAXED);
      return FALSE;
    }
  peer_sent_locked (peer, len, FALSE, g_get_monotonic_time ());
  return TRUE;
}

static void
send_initiation_locked (WgWorker *w, WgPeer *peer, gboolean retry)
{
  guint8 msg[WG_INITIATION_LEN];
  gint64 now = g_get_monotonic_time ();

  if (!retry)
    {
      if (peer->handshake_sent != 0 &&
          now - peer->handshake_sent < WG_REKEY_TIMEOUT)
        return;
      if (peer->hs.state != WG_HS_CREATED_INITIATION)
        peer->handshake_attempts_since = now;
    }
  if (!wg_noise_create_initiation (peer, msg))
    return;
  /* The retransmission timer runs from here whether or not the message
   * left (no route yet: it is sent again). */
  peer->handshake_sent = now;
  if (send_message_locked (w, peer, msg, sizeof msg))
    w->dev->stats.handshakes_tx++;
}

/* Seals and sends what waited for a keypair; a keepalive when nothing did
 * and @keepalive says to confirm the session. */
static void
peer_flush_locked (WgWorker *w, WgPeer *peer, gboolean keepalive)
{
  WgDevice *dev = w->dev;
  CnetPort *port = dev->port;
  gint64 now = g_get_monotonic_time ();
  SealJob jobs[WG_STAGED_MAX];
  CnetPacket *out[WG_STAGED_MAX];
  guint n = 0, sent;

  if (!peer_resolve_locked (w, peer) || peer->current == NULL)
    return;
  if (peer->n_staged == 0 && keepalive)
    {
      CnetPacket *pkt = cnet_mempool_alloc (cnet_port_get_mempool (port), NULL);

      if (pkt == NULL)
        return;
      if (!cnet_packet_set_length (pkt, WG_PLAIN_OFF, NULL))
        g_assert_not_reached ();
      peer->staged[peer->n_staged++] = pkt;
      dev->stats.tx_keepalives++;
    }
  for (guint i = 0; i < peer->n_staged; i++)
    {
      CnetPacket *pkt = peer->staged[i];

      jobs[n].pkt = pkt;
      if (!peer_job_locked (peer, &jobs[n], now))
        {
          /* No usable keypair after all: keep them staged. */
          memmove (peer->staged, peer->staged + i,
                   (peer->n_staged - i) * sizeof (CnetPacket *));
          peer->n_staged -= i;
          goto send;
        }
      peer_sent_locked (peer,
                        sealed_len (cnet_packet_get_length (pkt) - WG_PLAIN_OFF,
                                    dev->mtu),
                        cnet_packet_get_length (pkt) > WG_PLAIN_OFF, now);
      seal_job (w->cipher, dev->mtu, &jobs[n]);
      out[n] = jobs[n].pkt;
      n++;
    }
  peer->n_staged = 0;
send:
  sent = cnet_port_tx_burst (port, out, n);
  __atomic_fetch_add (&dev->stats.tx_packets, sent, __ATOMIC_RELAXED);
  if (sent < n)
    {
      __atomic_fetch_add (&dev->stats.drop_tx_full, n - sent, __ATOMIC_RELAXED);
      cnet_packet_free_bulk (out + sent, n - sent);
    }
}

static void
peer_stage_locked (WgDevice *dev, WgPeer *peer, CnetPacket *pkt)
{
  if (peer->n_staged == WG_STAGED_MAX)
    {
      /* Drop the oldest, as wireguard-go does. */
      cnet_packet_unref (peer->staged[0]);
      memmove (peer->staged, peer->staged + 1,
               (WG_STAGED_MAX - 1) * sizeof (CnetPacket *));
      peer->n_staged--;
      dev->stats.drop_staged++;
    }
  peer->staged[peer->n_staged++] = pkt;
}

/* An authenticated packet came from @src to our @local address: roaming
 * follows it. */
static void
peer_seen_at_locked (WgWorker *w, WgPeer *peer, const WgEndpoint *src,
                     const WgEndpoint *local)
{
  if (wg_endpoint_equal (src, &peer->endpoint) &&
      wg_endpoint_equal (local, &peer->local))
    return;
  if (!wg_endpoint_equal (src, &peer->endpoint))
    {
      g_autofree char *from = wg_endpoint_to_string (&peer->endpoint);
      g_autofree char *to = wg_endpoint_to_string (src);

      g_message ("%s: peer endpoint %s -> %s", w->name, from, to);
    }
  peer->endpoint = *src;
  peer->local = *local;
  peer->route.valid = FALSE;
  peer_resolve_locked (w, peer);
}

/* --- The receive thread ---------------------------------------------- */

/* Finds the WireGuard message in a received frame. */
static gboolean
parse_frame (WgDevice *dev, CnetPacket *pkt, OpenJob *job)
{
  gsize len;
  guint8 *d = cnet_packet_get_data (pkt, &len);
  guint8 *udp;
  guint16 ethertype, udp_len;
  gsize ip_len;

  if (len < WG_ETH_LEN + 20 + 8)
    return FALSE;
  ethertype = (guint16) (d[12] << 8 | d[13]);
  memset (&job->src, 0, sizeof job->src);
  memset (&job->local, 0, sizeof job->local);
  if (ethertype == 0x0800)
    {
      guint8 *ip = d + WG_ETH_LEN;
      guint ihl = (ip[0] & 0xf) * 4u;
      guint16 tot = (guint16) (ip[2] << 8 | ip[3]);

      if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != IPPROTO_UDP ||
          (((ip[6] << 8) | ip[7]) & 0x3fff) != 0 || tot < ihl + 8 ||
          WG_ETH_LEN + (gsize) tot > len)
        return FALSE;
      job->src.family = job->local.family = AF_INET;
      memcpy (job->src.addr.bytes, ip + 12, 4);
      memcpy (job->local.addr.bytes, ip + 16, 4);
      udp = ip + ihl;
      ip_len = tot - ihl;
    }
  else if (ethertype == 0x86dd)
    {
      guint8 *ip = d + WG_ETH_LEN;
      guint16 pl = (guint16) (ip[4] << 8 | ip[5]);

      if (len < WG_ETH_LEN + 40 + 8 || (ip[0] >> 4) != 6 ||
          ip[6] != IPPROTO_UDP || pl < 8 || WG_ETH_LEN + 40 + (gsize) pl > len)
        return FALSE;
      job->src.family = job->local.family = AF_INET6;
      memcpy (job->src.addr.bytes, ip + 8, 16);
      memcpy (job->local.addr.bytes, ip + 24, 16);
      udp = ip + 40;
      ip_len = pl;
    }
  else
    return FALSE;
  udp_len = (guint16) (udp[4] << 8 | udp[5]);
  if (udp_len < 8 || udp_len > ip_len ||
      (guint16) (udp[2] << 8 | udp[3]) != dev->listen_port)
    return FALSE;
  job->src.port = (guint16) (udp[0] << 8 | udp[1]);
  job->local.port = dev->listen_port;
  job->msg = udp + 8;
  job->len = udp_len - 8u;
  return TRUE;
}

/* Updates the handshake load figure; under load, handshakes must carry a
 * valid mac2 (a cookie) before any Curve25519 work is spent on them. */
static gboolean
under_load_locked (WgDevice *dev, gint64 now)
{
  if (now - dev->load_second >= G_USEC_PER_SEC)
    {
      dev->under_load = dev->handshakes_this_second > 100;
      dev->handshakes_this_second = 0;
      dev->load_second = now;
    }
  dev->handshakes_this_second++;
  return dev->under_load || dev->force_under_load;
}

/* A cookie reply goes straight back where the message came from: the
 * frame it arrived in is turned around. */
static void
send_cookie_reply_locked (WgDevice *dev, OpenJob *job, guint32 sender)
{
  guint8 reply[WG_COOKIE_REPLY_LEN];
  gsize len;
  guint8 *d = cnet_packet_get_data (job->pkt, &len);
  guint8 tmpl[WG_ETH_LEN + 40 + 8];
  guint tmpl_len = job->msg - d;

  wg_noise_create_cookie_reply (dev, reply, job->msg, job->len, sender,
                                &job->src);
  memcpy (tmpl, d + 6, 6);
  memcpy (tmpl + 6, d, 6);
  memcpy (tmpl + 12, d + 12, tmpl_len - 12);
  if (job->src.family == AF_INET)
    {
      guint32 sum = 0;

      memcpy (tmpl + WG_ETH_LEN + 12, d + WG_ETH_LEN + 16, 4);
      memcpy (tmpl + WG_ETH_LEN + 16, d + WG_ETH_LEN + 12, 4);
      /* Options are not echoed: the template is a plain 20-byte header. */
      tmpl[WG_ETH_LEN] = 0x45;
      memmove (tmpl + WG_ETH_LEN + 20, d + tmpl_len - 8, 8);
      tmpl_len = WG_ETH_LEN + 20 + 8;
      tmpl[WG_ETH_LEN + 8] = 64;
      tmpl[WG_ETH_LEN + 10] = tmpl[WG_ETH_LEN + 11] = 0;
      tmpl[WG_ETH_LEN + 2] = tmpl[WG_ETH_LEN + 3] = 0;
      for (guint i = 0; i < 20; i += 2)
        sum += (guint32) (tmpl[WG_ETH_LEN + i] << 8 | tmpl[WG_ETH_LEN + i + 1]);
      sum = wg_csum_fold (sum);
      tmpl[WG_ETH_LEN + 10] = (guint8) (sum >> 8);
      tmpl[WG_ETH_LEN + 11] = (guint8) sum;
    }
  else
    {
      memcpy (tmpl + WG_ETH_LEN + 8, d + WG_ETH_LEN + 24, 16);
      memcpy (tmpl + WG_ETH_LEN + 24, d + WG_ETH_LEN + 8, 16);
      tmpl[WG_ETH_LEN + 7] = 64;
    }
  {
    guint8 *udp = tmpl + tmpl_len - 8;
    guint8 p0 = udp[0], p1 = udp[1];

    udp[0] = udp[2];
    udp[1] = udp[3];
    udp[2] = p0;
    udp[3] = p1;
    udp[6] = udp[7] = 0;
  }
  /* Reuse the frame: write the reply where a built frame's message goes. */
  if (!cnet_packet_set_length (job->pkt, WG_MSG_OFF + sizeof reply, NULL))
    return;
  d = pkt_data (job->pkt);
  memcpy (d + WG_MSG_OFF, reply, sizeof reply);
  finish_frame (job->pkt, sizeof reply, tmpl, tmpl_len);
  if (cnet_port_tx_burst (dev->port, &job->pkt, 1) == 1)
    {
      job->pkt = NULL;
      dev->stats.cookies_tx++;
    }
}

static void
handle_handshake_locked (WgWorker *w, OpenJob *job)
{
  WgDevice *dev = w->dev;
  guint8 type = job->msg[0];
  gint64 now = g_get_monotonic_time ();
  WgPeer *peer;
  guint32 sender;

  if ((type == WG_MSG_INITIATION && job->len != WG_INITIATION_LEN) ||
      (type == WG_MSG_RESPONSE && job->len != WG_RESPONSE_LEN) ||
      (type == WG_MSG_COOKIE && job->len != WG_COOKIE_REPLY_LEN))
    {
      dev->stats.drop_malformed++;
      return;
    }
  if (type == WG_MSG_COOKIE)
    {
      if (wg_noise_consume_cookie_reply (dev, job->msg))
        dev->stats.cookies_rx++;
      else
        dev->stats.drop_handshake++;
      return;
    }
  if (!wg_noise_check_mac1 (dev, job->msg, job->len))
    {
      dev->stats.drop_mac1++;
      return;
    }
  memcpy (&sender, job->msg + 4, 4);
  sender = GUINT32_FROM_LE (sender);
  if (under_load_locked (dev, now) &&
      !wg_noise_check_mac2 (dev, job->msg, job->len, &job->src))
    {
      dev->stats.drop_mac2++;
      send_cookie_reply_locked (dev, job, sender);
      return;
    }
  if (type == WG_MSG_INITIATION)
    {
      guint8 resp[WG_RESPONSE_LEN];

      peer = wg_noise_consume_initiation (dev, job->msg);
      if (peer == NULL)
        {
          dev->stats.drop_handshake++;
          return;
        }
      dev->stats.handshakes_rx++;
      peer->rx_bytes += job->len;
      peer->last_received = now;
      peer_seen_at_locked (w, peer, &job->src, &job->local);
      if (!wg_noise_create_response (peer, resp) ||
          !wg_noise_begin_session (peer, FALSE))
        return;
      peer->handshake_sent = now;
      if (send_message_locked (w, peer, resp, sizeof resp))
        dev->stats.handshakes_tx++;
      wg_wipe (resp, sizeof resp);
    }
  else
    {
      peer = wg_noise_consume_response (dev, job->msg);
      if (peer == NULL)
        {
          dev->stats.drop_handshake++;
          return;
        }
      dev->stats.handshakes_rx++;
      peer->rx_bytes += job->len;
      peer->last_received = now;
      peer->unanswered_data_since = 0;
      wg_noise_begin_session (peer, TRUE);
      peer->handshake_attempts_since = 0;
      peer->want_handshake = FALSE;
      peer_seen_at_locked (w, peer, &job->src, &job->local);
      /* Confirm the session to the responder, with data if some waited. */
      peer_flush_locked (w, peer, TRUE);
    }
}

/* The inner packet's source must be one the peer is allowed to use; trims
 * the padding. Returns the inner length, or 0 to drop. */
static guint
check_inner_locked (WgDevice *dev, WgPeer *peer, guint8 *p, guint len)
{
  if (len >= 20 && (p[0] >> 4) == 4)
    {
      guint tot = (guint) (p[2] << 8 | p[3]);

      if (tot < 20 || tot > len)
        goto bad;
      if (wg_allowedips_lookup (dev, AF_INET, p + 12) != peer)
        {
          dev->stats.drop_source++;
          return 0;
        }
      return tot;
    }
  if (len >= 40 && (p[0] >> 4) == 6)
    {
      guint tot = 40u + (guint) (p[4] << 8 | p[5]);

      if (tot > len)
        goto bad;
      if (wg_allowedips_lookup (dev, AF_INET6, p + 8) != peer)
        {
          dev->stats.drop_source++;
          return 0;
        }
      return tot;
    }
bad:
  dev->stats.drop_not_ip++;
  return 0;
}

static gpointer
rx_thread (gpointer data)
{
  WgWorker *w = data;
  WgDevice *dev = w->dev;
  CnetPort *port = dev->port;
  CnetPacket *pkts[BURST];
  OpenJob jobs[BURST];
  guint8 *tun_data[BURST];
  guint tun_len[BURST];

  while (!g_atomic_int_get (&stopping))
    {
      g_autoptr (GError) error = NULL;
      guint n = cnet_port_rx_burst (port, pkts, BURST);
      guint n_data = 0, n_tun = 0, writes = 0;
      guint64 gen;
      gint64 now;
      gboolean flush[BURST];

      if (n == 0)
        {
          if (!cnet_port_wait (port, 100, NULL, &error) && error != NULL)
            {
              g_printerr ("cnet-wg: %s: %s\n", w->name, error->message);
              g_main_loop_quit (loop);
              break;
            }
          continue;
        }

      /* Sort the burst: handshakes are handled at once (they are rare and
       * cost a few Curve25519 operations), data messages are collected. */
      for (guint i = 0; i < n; i++)
        {
          OpenJob *job = &jobs[n_data];

          job->pkt = pkts[i];
          job->ok = FALSE;
          job->peer = NULL;
          job->kp = NULL;
          if (!parse_frame (dev, pkts[i], job) || job->len < 4)
            {
              g_mutex_lock (&dev->lock);
              dev->stats.drop_malformed++;
              g_mutex_unlock (&dev->lock);
              cnet_packet_unref (pkts[i]);
              continue;
            }
          if (job->msg[0] == WG_MSG_DATA && job->len >= WG_DATA_MIN_LEN &&
              job->msg[1] == 0 && job->msg[2] == 0 && job->msg[3] == 0)
            {
              guint32 index;
              guint64 counter;

              memcpy (&index, job->msg + 4, 4);
              memcpy (&counter, job->msg + 8, 8);
              job->index = GUINT32_FROM_LE (index);
              job->counter = GUINT64_FROM_LE (counter);
              n_data++;
              continue;
            }
          g_mutex_lock (&dev->lock);
          if (job->msg[0] >= WG_MSG_INITIATION &&
              job->msg[0] <= WG_MSG_COOKIE && job->msg[1] == 0 &&
              job->msg[2] == 0 && job->msg[3] == 0)
            handle_handshake_locked (w, job);
          else
            dev->stats.drop_malformed++;
          g_mutex_unlock (&dev->lock);
          if (job->pkt != NULL)
            cnet_packet_unref (job->pkt);
        }
      if (n_data == 0)
        continue;

      /* Take the keys, check the counters before spending a decryption. */
      now = g_get_monotonic_time ();
      g_mutex_lock (&dev->lock);
      gen = dev->peers_gen;
      for (guint i = 0; i < n_data; i++)
        {
          OpenJob *job = &jobs[i];
          WgPeer *peer =
            g_hash_table_lookup (dev->indices, GUINT_TO_POINTER (job->index));
          WgKeypair *kp =
            peer != NULL ? wg_peer_keypair_by_index (peer, job->index) : NULL;

          if (kp == NULL || now - kp->created >= WG_REJECT_AFTER_TIME)
            {
              dev->stats.drop_no_key++;
              continue;
            }
          if (!wg_replay_check (&kp->replay, job->counter))
            {
              dev->stats.drop_replay++;
              continue;
            }
          job->peer = peer;
          job->kp = kp;
          memcpy (job->key, kp->recv_key, WG_KEY_LEN);
          job->ok = TRUE;
        }
      g_mutex_unlock (&dev->lock);

      for (guint i = 0; i < n_data; i++)
        {
          OpenJob *job = &jobs[i];
          guint clen = job->len - WG_DATA_MIN_LEN;

          if (!job->ok)
            continue;
          job->ok = wg_cipher_open (w->cipher, job->key, job->counter,
                                    job->msg + WG_DATA_HEADER_LEN, clen,
                                    job->msg + WG_DATA_HEADER_LEN + clen);
          wg_wipe (job->key, sizeof job->key);
          if (!job->ok)
            job->kp = NULL; /* counted below */
        }

      g_mutex_lock (&dev->lock);
      now = g_get_monotonic_time ();
      for (guint i = 0; i < n_data; i++)
        {
          OpenJob *job = &jobs[i];
          WgPeer *peer = job->peer;
          WgKeypair *kp = job->kp;
          guint clen = job->len - WG_DATA_MIN_LEN, inner;

          flush[i] = FALSE;
          if (!job->ok)
            {
              if (job->peer != NULL)
                dev->stats.drop_decrypt++;
              continue;
            }
          job->ok = FALSE;
          /* The keypair may have been replaced, or the peer removed, while
           * the lock was let go. */
          if (gen != dev->peers_gen || !kp->in_use ||
              kp->local_index != job->index)
            {
              dev->stats.drop_no_key++;
              continue;
            }
          if (!wg_replay_update (&kp->replay, job->counter))
            {
              dev->stats.drop_replay++;
              continue;
            }
          if (wg_peer_receive_with (peer, kp))
            {
              /* The responder's session is confirmed: usable now. */
              flush[i] = TRUE;
              peer->want_handshake = FALSE;
            }
          peer_seen_at_locked (w, peer, &job->src, &job->local);
          peer->rx_bytes += job->len;
          peer->last_received = now;
          peer->unanswered_data_since = 0;
          if (kp == peer->current && kp->initiator &&
              !peer->sent_lastminute_handshake &&
              now - kp->created >=
                WG_REJECT_AFTER_TIME - WG_KEEPALIVE_TIMEOUT - WG_REKEY_TIMEOUT)
            {
              peer->sent_lastminute_handshake = TRUE;
              peer->want_handshake = TRUE;
              wg_device_wake (dev);
            }
          if (clen == 0)
            {
              dev->stats.rx_keepalives++;
              continue;
            }
          peer->last_data_received = now;
          inner =
            check_inner_locked (dev, peer, job->msg + WG_DATA_HEADER_LEN, clen);
          if (inner == 0)
            continue;
          dev->stats.rx_packets++;
          tun_data[n_tun] = job->msg + WG_DATA_HEADER_LEN;
          tun_len[n_tun++] = inner;
        }
      for (guint i = 0; i < n_data; i++)
        if (flush[i] && jobs[i].peer->n_staged > 0)
          peer_flush_locked (w, jobs[i].peer, FALSE);
      g_mutex_unlock (&dev->lock);

      if (tun_offload)
        /* One flow's consecutive TCP segments go as one GSO write; every
         * packet has the data message header (16 bytes) free before it
         * for the virtio_net_hdr. */
        writes = wg_gro_write (tun_fd, tun_data, tun_len, n_tun);
      else
        for (guint i = 0; i < n_tun; i++, writes++)
          if (write (tun_fd, tun_data[i], tun_len[i]) < 0 && errno != EIO)
            g_debug ("TUN write: %s", g_strerror (errno));
      __atomic_fetch_add (&dev->stats.tun_writes, writes, __ATOMIC_RELAXED);
      for (guint i = 0; i < n_data; i++)
        pkts[i] = jobs[i].pkt;
      cnet_packet_free_bulk (pkts, n_data);
    }
  return NULL;
}

/* --- The TUN thread -------------------------------------------------- */

/* Reads one packet (or, with offloads, one TCP segment of up to 64 KiB,
 * cut into MSS-sized packets) into frames from @frames, each plaintext at
 * WG_PLAIN_OFF. Returns the number of frames filled, 0 when nothing was
 * read, or -1 with *again FALSE when the read was dropped. */
static int
tun_read (CnetPacket **frames, guint n_frames, guint8 *scratch,
          gsize scratch_size, guint64 *dropped)
{
  CnetPacket *f = frames[0];
  guint room = cnet_packet_get_length (f) + cnet_packet_get_tailroom (f);
  guint cap = room - WG_PLAIN_OFF - 16 - WG_TAG_LEN;
  WgVnetHdr vh;
  guint8 *d;
  ssize_t r;
  gsize plen;
  guint k;

  /* Read the plaintext where it will be sealed in place. */
  if (!cnet_packet_set_length (f, room, NULL))
    g_assert_not_reached ();
  d = pkt_data (f) + WG_PLAIN_OFF;
  if (!tun_offload)
    {
      r = read (tun_fd, d, cap);
      if (r <= 0)
        return 0;
      if (!cnet_packet_set_length (f, WG_PLAIN_OFF + (guint) r, NULL))
        g_assert_not_reached ();
      return 1;
    }
  {
    struct iovec iov[3] = {
      { &vh, sizeof vh },
      { d, cap },
      { scratch + cap, scratch_size - cap },
    };

    r = readv (tun_fd, iov, 3);
  }
  if (r <= (ssize_t) sizeof vh)
    return 0;
  plen = (gsize) r - sizeof vh;
  if (vh.gso_type == WG_VNET_GSO_NONE)
    {
      if (plen > cap || ((vh.flags & WG_VNET_F_NEEDS_CSUM) &&
                         !wg_csum_complete (d, plen, &vh)))
        goto drop;
      if (!cnet_packet_set_length (f, WG_PLAIN_OFF + (guint) plen, NULL))
        g_assert_not_reached ();
      return 1;
    }
  /* A TSO segment: make it contiguous in the scratch buffer, then cut. */
  memcpy (scratch, d, MIN (plen, (gsize) cap));
  k = wg_gso_split (scratch, plen, &vh, frames, n_frames, WG_PLAIN_OFF);
  if (k == 0)
    goto drop;
  return (int) k;

drop:
  (*dropped)++;
  return -1;
}

#define TUN_BURST 128
#define TUN_SPARE 256
/* Room for one TSO segment beyond the spare frames: 64 KiB at an MSS of
 * 536 (the smallest IPv4 allows) is 123 packets. */
#define TUN_GSO_RESERVE 128

static gpointer
tun_thread (gpointer data)
{
  WgWorker *w = data;
  WgDevice *dev = w->dev;
  CnetMempool *pool = cnet_port_get_mempool (dev->port);
  CnetPacket *spare[TUN_SPARE], *out[TUN_SPARE], *drop[TUN_SPARE];
  SealJob *jobs = g_new (SealJob, TUN_SPARE);
  gsize scratch_size = 65536 + 4096;
  guint8 *scratch = g_malloc (scratch_size);
  guint n_spare = 0;
  struct pollfd pfd = { .fd = tun_fd, .events = POLLIN };

  while (!g_atomic_int_get (&stopping))
    {
      guint n = 0, n_out = 0, n_drop = 0, sent;
      guint64 bad = 0, reads = 0;
      gboolean wake = FALSE;
      gint64 now;

      if (n_spare < TUN_SPARE)
        n_spare +=
          cnet_mempool_alloc_bulk (pool, spare + n_spare, TUN_SPARE - n_spare);
      while (n < TUN_BURST &&
             n_spare - n >= (tun_offload ? TUN_GSO_RESERVE : 1))
        {
          int k =
            tun_read (spare + n, n_spare - n, scratch, scratch_size, &bad);

          if (k == 0)
            break;
          if (k > 0)
            {
              n += (guint) k;
              reads++;
            }
        }
      if (n == 0)
        {
          if (bad > 0)
            {
              g_mutex_lock (&dev->lock);
              dev->stats.drop_not_ip += bad;
              g_mutex_unlock (&dev->lock);
            }
          else if (n_spare < (tun_offload ? TUN_GSO_RESERVE : 1))
            g_usleep (1000); /* the frames are in flight: let them complete */
          else
            poll (&pfd, 1, 100);
          continue;
        }

      now = g_get_monotonic_time ();
      g_mutex_lock (&dev->lock);
      dev->stats.drop_not_ip += bad;
      dev->stats.tun_reads += reads;
      for (guint i = 0; i < n; i++)
        {
          CnetPacket *pkt = spare[i];
          guint8 *p = pkt_data (pkt) + WG_PLAIN_OFF;
          guint plen = cnet_packet_get_length (pkt) - WG_PLAIN_OFF;
          WgPeer *peer = NULL;

          if (plen >= 20 && (p[0] >> 4) == 4)
            peer = wg_allowedips_lookup (dev, AF_INET, p + 16);
          else if (plen >= 40 && (p[0] >> 4) == 6)
            peer = wg_allowedips_lookup (dev, AF_INET6, p + 24);
          else
            {
              dev->stats.drop_not_ip++;
              drop[n_drop++] = pkt;
              continue;
            }
          if (peer == NULL)
            {
              dev->stats.drop_no_peer++;
              drop[n_drop++] = pkt;
              continue;
            }
          jobs[n_out].pkt = pkt;
          if (peer->n_staged == 0 && peer_job_locked (peer, &jobs[n_out], now))
            {
              peer_sent_locked (peer, sealed_len (plen, dev->mtu), TRUE, now);
              out[n_out++] = pkt;
            }
          else
            peer_stage_locked (dev, peer, pkt);
          if (peer->want_handshake || !peer->route.valid)
            wake = TRUE;
        }
      g_mutex_unlock (&dev->lock);
      if (wake)
        wg_device_wake (dev);
      /* The spare frames' order does not matter: fill the used slots
       * from the tail rather than move the whole array. */
      {
        guint keep = n_spare - n, moved = MIN (n, keep);

        memcpy (spare, spare + n_spare - moved, moved * sizeof (CnetPacket *));
        n_spare = keep;
      }

      for (guint i = 0; i < n_out; i++)
        seal_job (w->cipher, dev->mtu, &jobs[i]);
      sent = n_out > 0 ? cnet_port_tx_burst (dev->port, out, n_out) : 0;
      /* Counters, not state: no lock for them (the stats request reads
       * them as a snapshot). */
      __atomic_fetch_add (&dev->stats.tx_packets, sent, __ATOMIC_RELAXED);
      if (sent < n_out)
        __atomic_fetch_add (&dev->stats.drop_tx_full, n_out - sent,
                            __ATOMIC_RELAXED);
      cnet_packet_free_bulk (out + sent, n_out - sent);
      cnet_packet_free_bulk (drop, n_drop);
    }
  cnet_packet_free_bulk (spare, n_spare);
  g_free (scratch);
  g_free (jobs);
  return NULL;
}

/* --- The main thread: timers and configuration ------------------------ */

static void
apply_listen_port (WgDevice *dev)
{
  g_autofree char *rule = NULL;
  g_autoptr (GError) error = NULL;
  const char *rules[2] = { NULL, NULL };

  g_mutex_lock (&dev->lock);
  if (!dev->listen_port_changed)
    {
      g_mutex_unlock (&dev->lock);
      return;
    }
  dev->listen_port_changed = FALSE;
  rule = g_strdup_printf ("udp dport %u", dev->listen_port);
  for (guint i = 0; i < dev->peers->len; i++)
    ((WgPeer *) g_ptr_array_index (dev->peers, i))->route.valid = FALSE;
  g_mutex_unlock (&dev->lock);
  rules[0] = rule;
  if (!cnet_port_set_rules (dev->port, rules, &error))
    g_printerr ("cnet-wg: %s: listen port: %s\n", dev->name, error->message);
  else
    g_message ("%s: steering \"%s\" to %s queue %u", dev->name, rule,
               cnet_port_get_interface (dev->port),
               cnet_port_get_queue (dev->port));
}

static void
peer_timers_locked (WgWorker *w, WgPeer *peer, gint64 now)
{
  WgDevice *dev = w->dev;
  gint64 last_auth = MAX (peer->last_sent, peer->last_received);

  if (peer->endpoint.family != 0 && !peer->route.valid)
    peer_resolve_locked (w, peer);

  /* Retransmit the initiation, or give up after REKEY_ATTEMPT_TIME. */
  if (peer->hs.state == WG_HS_CREATED_INITIATION &&
      now - peer->handshake_sent >=
        WG_REKEY_TIMEOUT + g_random_int_range (0, 333) * 1000)
    {
      if (now - peer->handshake_attempts_since >= WG_REKEY_ATTEMPT_TIME)
        {
          wg_peer_clear_handshake (peer);
          dev->stats.drop_staged += peer->n_staged;
          cnet_packet_free_bulk (peer->staged, peer->n_staged);
          peer->n_staged = 0;
          peer->want_handshake = FALSE;
        }
      else
        send_initiation_locked (w, peer, TRUE);
    }
  /* Data went out and nothing came back for KEEPALIVE + REKEY_TIMEOUT. */
  if (peer->unanswered_data_since != 0 &&
      now - peer->unanswered_data_since >=
        WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT)
    {
      peer->unanswered_data_since = 0;
      peer->want_handshake = TRUE;
    }
  /* Persistent keepalive. */
  if (peer->keepalive_interval > 0 &&
      now - last_auth >= (gint64) peer->keepalive_interval * G_USEC_PER_SEC)
    {
      if (peer->current != NULL)
        peer_flush_locked (w, peer, TRUE);
      else
        peer->want_handshake = TRUE;
    }
  /* Passive keepalive: data came and we sent nothing for 10 s. */
  else if (peer->last_data_received > peer->last_sent &&
           now - peer->last_data_received >= WG_KEEPALIVE_TIMEOUT &&
           peer->current != NULL)
    peer_flush_locked (w, peer, TRUE);
  /* A handshake is wanted: start one, at most one per REKEY_TIMEOUT (the
   * wish waits until then, so what is staged goes out as soon as it may);
   * one in progress is left to the retransmission above. */
  if (peer->want_handshake && peer->hs.state == WG_HS_CREATED_INITIATION)
    peer->want_handshake = FALSE;
  else if (peer->want_handshake &&
           (peer->handshake_sent == 0 ||
            now - peer->handshake_sent >= WG_REKEY_TIMEOUT))
    {
      peer->want_handshake = FALSE;
      send_initiation_locked (w, peer, FALSE);
    }
  /* A route found since data was staged, with a session to send it. */
  if (peer->n_staged > 0 && peer->current != NULL && peer->route.valid)
    peer_flush_locked (w, peer, FALSE);
  /* Nothing new for three times REJECT_AFTER_TIME: forget the keys. */
  if (peer->last_handshake_completed != 0 &&
      now - peer->last_handshake_completed >= 3 * WG_REJECT_AFTER_TIME)
    {
      wg_peer_clear_keys (peer);
      wg_peer_clear_handshake (peer);
      peer->last_handshake_completed = 0;
    }
}

static gboolean
on_tick (gpointer data)
{
  WgDevice *dev = data;
  gint64 now = g_get_monotonic_time ();
  static gint64 last_refresh;

  apply_listen_port (dev);
  g_mutex_lock (&dev->lock);
  /* Routes and neighbours change: look them up again every few seconds. */
  if (now - last_refresh >= 5 * G_USEC_PER_SEC)
    {
      last_refresh = now;
      for (guint i = 0; i < dev->peers->len; i++)
        ((WgPeer *) g_ptr_array_index (dev->peers, i))->route.valid = FALSE;
    }
  for (guint i = 0; i < dev->peers->len; i++)
    peer_timers_locked (&main_worker, g_ptr_array_index (dev->peers, i), now);
  g_mutex_unlock (&dev->lock);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_wake (int fd, GIOCondition cond, gpointer data)
{
  guint64 v;

  if (read (fd, &v, sizeof v) < 0)
    {
      /* Nothing to read: woken twice. */
    }
  on_tick (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static int
tun_open (const char *name, guint mtu, gboolean offload, GError **error)
{
  struct ifreq ifr = { 0 };
  int fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  int s;

  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "/dev/net/tun: %s", g_strerror (errsv));
      return -1;
    }
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  if (ioctl (fd, TUNSETIFF, &ifr) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "TUN device %s: %s", name, g_strerror (errsv));
      close (fd);
      return -1;
    }
  /* TCP segmentation and checksums left to us: wg-offload.c does them. */
  if (offload &&
      ioctl (fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "TUN device %s: offloads: %s (try --no-offload)", name,
                   g_strerror (errsv));
      close (fd);
      return -1;
    }
  s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifr.ifr_mtu = (int) mtu;
  if (s < 0 || ioctl (s, SIOCSIFMTU, &ifr) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "TUN device %s: MTU %u: %s", name, mtu, g_strerror (errsv));
      if (s >= 0)
        close (s);
      close (fd);
      return -1;
    }
  close (s);
  return fd;
}

static gboolean
interface_mac (const char *name, guint8 mac[6], GError **error)
{
  struct ifreq ifr = { 0 };
  int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  g_strlcpy (ifr.ifr_name, name, IFNAMSIZ);
  if (s < 0 || ioctl (s, SIOCGIFHWADDR, &ifr) < 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "%s: no link-layer address: %s", name, g_strerror (errsv));
      if (s >= 0)
        close (s);
      return FALSE;
    }
  close (s);
  memcpy (mac, ifr.ifr_hwaddr.sa_data, 6);
  return TRUE;
}

static void
print_stats (WgDevice *dev)
{
  g_autofree char *s = wg_uapi_stats (dev);
  g_auto (GStrv) lines = g_strsplit (s, "\n", -1);
  g_autoptr (GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0' && !g_str_has_prefix (lines[i], "errno=") &&
        !g_str_has_prefix (lines[i], "allocs=") &&
        !g_str_has_suffix (lines[i], "=0"))
      g_string_append_printf (out, " %s", lines[i]);
  g_print ("cnet-wg: %s:%s\n", dev->name, out->len ? out->str : " nothing");
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = NULL;
  g_autoptr (CnetClient) client = NULL;
  g_autofree char *interface = NULL, *config = NULL, *cnetd = NULL;
  g_autofree char *rule = NULL;
  g_auto (GStrv) names = NULL;
  int queue = 0, mtu = 1420, frames = 8192;
  gboolean always_cookie = FALSE, no_offload = FALSE;
  const GOptionEntry entries[] = {
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &interface,
      "The outer interface (the UDP side)", "IFACE" },
    { "queue", 'q', 0, G_OPTION_ARG_INT, &queue, "Its receive queue (0)", "N" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "A wg(8) configuration file to apply at start", "FILE" },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &mtu, "The TUN device's MTU (1420)",
      "BYTES" },
    { "frames", 'n', 0, G_OPTION_ARG_INT, &frames,
      "Frames in the mempool (8192)", "N" },
    { "cnetd", 0, 0, G_OPTION_ARG_STRING, &cnetd,
      "Lease the queue from cnetd at this D-Bus address (\"system\": the "
      "system bus) instead of opening it directly",
      "ADDRESS" },
    { "always-cookie", 0, 0, G_OPTION_ARG_NONE, &always_cookie,
      "Act as if under load: answer handshakes without a valid mac2 with a "
      "cookie reply (for testing)",
      NULL },
    { "no-offload", 0, 0, G_OPTION_ARG_NONE, &no_offload,
      "Read and write the TUN device one plain packet at a time (no "
      "IFF_VNET_HDR, TSO or checksum offload)",
      NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &names, NULL,
      "NAME" },
    G_OPTION_ENTRY_NULL
  };
  const char *rules[2] = { NULL, NULL };
  WgWorker rx_worker, tun_worker;
  GThread *rx, *tun;
  guint frame_size;
  CnetPort *port = NULL;

  setlocale (LC_ALL, "");
  context = g_option_context_new ("NAME - a WireGuard endpoint on libcnet");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("cnet-wg: %s\n", error->message);
      return 2;
    }
  if (interface == NULL || names == NULL || names[0] == NULL ||
      names[1] != NULL || strlen (names[0]) >= IFNAMSIZ || queue < 0 ||
      mtu < 1280 || mtu > 9000 || frames < 1024)
    {
      g_printerr ("cnet-wg: give the outer interface with -i and one "
                  "interface NAME (under %d characters); the MTU must be "
                  "1280 to 9000 and the frames at least 1024\n",
                  IFNAMSIZ);
      return 2;
    }
  if (!wg_crypto_init (&error))
    {
      g_printerr ("cnet-wg: %s\n", error->message);
      return 1;
    }

  g_mutex_init (&device.lock);
  device.name = names[0];
  device.mtu = (guint) mtu;
  device.peers = g_ptr_array_new ();
  device.indices = g_hash_table_new (NULL, NULL);
  device.force_under_load = always_cookie;
  device.wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  wg_device_set_private_key (&device, NULL);
  device.listen_port = (guint16) (49152 + g_random_int_range (0, 16384));
  if (config != NULL)
    {
      g_autofree char *req = wg_config_to_uapi (config, &error);

      if (req == NULL || wg_uapi_set (&device, req, &error) != 0)
        {
          g_printerr ("cnet-wg: %s\n", error->message);
          return 1;
        }
      wg_wipe (req, strlen (req));
    }
  device.listen_port_changed = FALSE;

  /* A frame holds the outer headers, the MTU, padding and the tag after
   * the packet header and the kernel's headroom. */
  frame_size = (guint) mtu + WG_PLAIN_OFF + 16 + WG_TAG_LEN + 64 + 256 <= 2048
                 ? 2048
                 : 4096;
  if ((guint) mtu + WG_PLAIN_OFF + 16 + WG_TAG_LEN + 64 + 256 > 4096)
    {
      g_printerr ("cnet-wg: MTU %d does not fit a 4096-byte frame\n", mtu);
      return 2;
    }
  rule = g_strdup_printf ("udp dport %u", device.listen_port);
  rules[0] = rule;
  pool = cnet_mempool_new ((guint) frames, frame_size, 0, &error);
  if (pool != NULL && cnetd != NULL)
    {
      client = cnet_client_new (g_str_equal (cnetd, "system") ? NULL : cnetd,
                                NULL, &error);
      if (client != NULL)
        port = cnet_client_open_port (client, interface, (guint) queue, pool,
                                      rules, &error);
    }
  else if (pool != NULL)
    port = g_initable_new (CNET_TYPE_PORT, NULL, &error, "interface", interface,
                           "queue", (guint) queue, "mempool", pool, "rules",
                           rules, NULL);
  if (port == NULL || !interface_mac (interface, device.if_mac, &error) ||
      (tun_fd = tun_open (device.name, (guint) mtu, !no_offload, &error)) < 0 ||
      (main_worker.nlfd = wg_netlink_open (&error)) < 0 ||
      !wg_uapi_listen (&device, &error))
    {
      g_printerr ("cnet-wg: %s\n", error->message);
      g_clear_object (&port);
      return 1;
    }
  tun_offload = !no_offload;
  device.port = port;
  device.leased = cnet_port_get_xdp_program (port) == NULL;
  device.ifindex = cnet_port_get_ifindex (port);
  main_worker.dev = &device;
  main_worker.cipher = wg_cipher_new ();
  main_worker.name = device.name;
  rx_worker = main_worker;
  rx_worker.cipher = wg_cipher_new ();
  rx_worker.nlfd = wg_netlink_open (NULL);
  tun_worker = main_worker;
  tun_worker.cipher = wg_cipher_new ();
  tun_worker.nlfd = -1;
  g_print ("cnet-wg: %s: TUN %s (MTU %d), outer %s queue %u, rule \"%s\", "
           "API /var/run/wireguard/%s.sock\n",
           device.name, device.name, mtu, interface, (guint) queue, rule,
           device.name);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, NULL);
  g_unix_signal_add (SIGTERM, on_signal, NULL);
  g_timeout_add (100, on_tick, &device);
  g_unix_fd_add (device.wake_fd, G_IO_IN, on_wake, &device);
  rx = g_thread_new ("cnet-wg-rx", rx_thread, &rx_worker);
  tun = g_thread_new ("cnet-wg-tun", tun_thread, &tun_worker);
  g_main_loop_run (loop);

  g_atomic_int_set (&stopping, 1);
  g_thread_join (rx);
  g_thread_join (tun);
  wg_uapi_unlisten (&device);
  print_stats (&device);

  g_mutex_lock (&device.lock);
  while (device.peers->len > 0)
    wg_device_remove_peer (&device, g_ptr_array_index (device.peers, 0));
  wg_device_set_private_key (&device, NULL);
  g_mutex_unlock (&device.lock);
  wg_allowedips_free (&device);
  for (int i = 0; i < 100 && cnet_port_tx_flush (port) > 0; i++)
    g_usleep (1000);
  /* Dropping the port detaches the XDP program; closing the TUN fd
   * removes the device. */
  device.port = NULL;
  g_object_unref (port);
  close (tun_fd);
  wg_cipher_free (main_worker.cipher);
  wg_cipher_free (rx_worker.cipher);
  wg_cipher_free (tun_worker.cipher);
  close (main_worker.nlfd);
  if (rx_worker.nlfd >= 0)
    close (rx_worker.nlfd);
  g_hash_table_unref (device.indices);
  g_ptr_array_unref (device.peers);
  g_main_loop_unref (loop);
  return 0;
}
