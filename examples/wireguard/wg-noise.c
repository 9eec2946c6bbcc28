/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Noise_IKpsk2 handshake of WireGuard (the paper, section 5.4), the
 * keypairs it yields with their rotation (as the Linux implementation's
 * noise.c: current, previous and a responder's unconfirmed next), the
 * replay window (the kernel's algorithm and size), and the mac1/mac2/cookie
 * machinery (section 5.4.4 and 5.4.7). Everything here runs under the
 * device lock.
 */
#include "wg.h"

#include <string.h>

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
static const char label_mac1[] = "mac1----";
static const char label_cookie[] = "cookie--";

static guint8 initial_chain_key[WG_HASH_LEN];
static guint8 initial_hash[WG_HASH_LEN];

static void
ensure_initial (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      wg_hash (initial_chain_key, (const guint8 *) construction,
               strlen (construction), NULL, 0);
      wg_hash (initial_hash, initial_chain_key, WG_HASH_LEN,
               (const guint8 *) identifier, strlen (identifier));
      g_once_init_leave (&done, 1);
    }
}

static void
mix_hash (guint8 h[WG_HASH_LEN], const guint8 *data, gsize len)
{
  wg_hash (h, h, WG_HASH_LEN, data, len);
}

static void
put32 (guint8 *p, guint32 v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static guint32
get32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static void
tai64n (guint8 out[WG_TIMESTAMP_LEN])
{
  gint64 now = g_get_real_time ();
  guint64 secs = GUINT64_TO_BE (G_GUINT64_CONSTANT (0x400000000000000a) +
                                (guint64) (now / G_USEC_PER_SEC));
  guint32 nsecs = GUINT32_TO_BE ((guint32) (now % G_USEC_PER_SEC) * 1000);

  memcpy (out, &secs, 8);
  memcpy (out + 8, &nsecs, 4);
}

guint32
wg_device_new_index (WgDevice *dev, WgPeer *peer)
{
  guint32 index;

  do
    wg_random (&index, sizeof index);
  while (index == 0 ||
         g_hash_table_contains (dev->indices, GUINT_TO_POINTER (index)));
  g_hash_table_insert (dev->indices, GUINT_TO_POINTER (index), peer);
  return index;
}

void
wg_device_set_private_key (WgDevice *dev, const guint8 key[WG_KEY_LEN])
{
  ensure_initial ();
  if (key == NULL)
    {
      wg_wipe (dev->private_key, WG_KEY_LEN);
      memset (dev->public_key, 0, WG_KEY_LEN);
      dev->has_private_key = FALSE;
    }
  else
    {
      memcpy (dev->private_key, key, WG_KEY_LEN);
      dev->has_private_key = wg_x25519_public (dev->public_key, key);
    }
  wg_hash (dev->mac1_key, (const guint8 *) label_mac1, 8, dev->public_key,
           WG_KEY_LEN);
  wg_hash (dev->cookie_key, (const guint8 *) label_cookie, 8, dev->public_key,
           WG_KEY_LEN);
  /* A peer with our own public key is dropped, as wireguard-go does; the
   * others get their static-static secret again and start over. */
  for (guint i = dev->peers->len; i > 0; i--)
    {
      WgPeer *peer = g_ptr_array_index (dev->peers, i - 1);

      if (dev->has_private_key &&
          wg_equal (peer->public_key, dev->public_key, WG_KEY_LEN))
        {
          wg_device_remove_peer (dev, peer);
          continue;
        }
      wg_peer_init_keys (peer);
    }
}

/* The values derived from the peer's public key and our private key. */
void
wg_peer_init_keys (WgPeer *peer)
{
  WgDevice *dev = peer->device;

  ensure_initial ();
  wg_hash (peer->mac1_key, (const guint8 *) label_mac1, 8, peer->public_key,
           WG_KEY_LEN);
  wg_hash (peer->cookie_key, (const guint8 *) label_cookie, 8, peer->public_key,
           WG_KEY_LEN);
  peer->ss_valid = dev->has_private_key &&
                   wg_x25519 (peer->ss, dev->private_key, peer->public_key);
  wg_peer_clear_handshake (peer);
  wg_peer_clear_keys (peer);
  /* New keys: a handshake may start at once (as wireguard-go's
   * ExpireCurrentKeypairs allows). */
  peer->handshake_sent = 0;
}

static void
keypair_free (WgDevice *dev, WgKeypair *kp)
{
  if (kp == NULL || !kp->in_use)
    return;
  g_hash_table_remove (dev->indices, GUINT_TO_POINTER (kp->local_index));
  wg_wipe (kp, sizeof *kp);
}

void
wg_peer_clear_keys (WgPeer *peer)
{
  for (guint i = 0; i < G_N_ELEMENTS (peer->slots); i++)
    keypair_free (peer->device, &peer->slots[i]);
  peer->current = peer->previous = peer->next = NULL;
}

void
wg_peer_clear_handshake (WgPeer *peer)
{
  WgHandshake *hs = &peer->hs;
  guint8 ts[WG_TIMESTAMP_LEN];
  gint64 last = hs->last_initiation_consumed;

  if (hs->local_index != 0)
    g_hash_table_remove (peer->device->indices,
                         GUINT_TO_POINTER (hs->local_index));
  memcpy (ts, hs->latest_timestamp, sizeof ts);
  wg_wipe (hs, sizeof *hs);
  memcpy (hs->latest_timestamp, ts, sizeof ts);
  hs->last_initiation_consumed = last;
}

WgKeypair *
wg_peer_keypair_by_index (WgPeer *peer, guint32 index)
{
  WgKeypair *kps[] = { peer->current, peer->previous, peer->next };

  for (guint i = 0; i < G_N_ELEMENTS (kps); i++)
    if (kps[i] != NULL && kps[i]->local_index == index)
      return kps[i];
  return NULL;
}

/* A packet authenticated with @kp arrived: a responder's next keypair is
 * confirmed by it. Returns TRUE when that happened. */
gboolean
wg_peer_receive_with (WgPeer *peer, WgKeypair *kp)
{
  if (kp == NULL || kp != peer->next)
    return FALSE;
  keypair_free (peer->device, peer->previous);
  peer->previous = peer->current;
  peer->current = peer->next;
  peer->next = NULL;
  return TRUE;
}

gboolean
wg_noise_create_initiation (WgPeer *peer, guint8 msg[WG_INITIATION_LEN])
{
  WgDevice *dev = peer->device;
  WgHandshake *hs = &peer->hs;
  guint8 key[WG_KEY_LEN], dh[WG_KEY_LEN], epub[WG_KEY_LEN];
  guint8 ts[WG_TIMESTAMP_LEN];

  if (!dev->has_private_key || !peer->ss_valid)
    return FALSE;
  wg_peer_clear_handshake (peer);
  memcpy (hs->chaining_key, initial_chain_key, WG_HASH_LEN);
  wg_hash (hs->hash, initial_hash, WG_HASH_LEN, peer->public_key, WG_KEY_LEN);

  memset (msg, 0, WG_INITIATION_LEN);
  msg[0] = WG_MSG_INITIATION;
  wg_x25519_generate (hs->ephemeral_private);
  if (!wg_x25519_public (epub, hs->ephemeral_private))
    return FALSE;
  memcpy (msg + 8, epub, WG_KEY_LEN);
  wg_kdf (hs->chaining_key, NULL, NULL, hs->chaining_key, epub, WG_KEY_LEN);
  mix_hash (hs->hash, epub, WG_KEY_LEN);

  if (!wg_x25519 (dh, hs->ephemeral_private, peer->public_key))
    return FALSE;
  wg_kdf (hs->chaining_key, key, NULL, hs->chaining_key, dh, WG_KEY_LEN);
  wg_aead_seal (msg + 40, key, 0, dev->public_key, WG_KEY_LEN, hs->hash,
                WG_HASH_LEN);
  mix_hash (hs->hash, msg + 40, WG_KEY_LEN + WG_TAG_LEN);

  wg_kdf (hs->chaining_key, key, NULL, hs->chaining_key, peer->ss, WG_KEY_LEN);
  tai64n (ts);
  wg_aead_seal (msg + 88, key, 0, ts, WG_TIMESTAMP_LEN, hs->hash, WG_HASH_LEN);
  mix_hash (hs->hash, msg + 88, WG_TIMESTAMP_LEN + WG_TAG_LEN);

  hs->local_index = wg_device_new_index (dev, peer);
  put32 (msg + 4, hs->local_index);
  hs->state = WG_HS_CREATED_INITIATION;
  wg_noise_add_macs (peer, msg, WG_INITIATION_LEN);
  wg_wipe (key, sizeof key);
  wg_wipe (dh, sizeof dh);
  return TRUE;
}

WgPeer *
wg_noise_consume_initiation (WgDevice *dev, const guint8 msg[WG_INITIATION_LEN])
{
  guint8 ck[WG_HASH_LEN], h[WG_HASH_LEN], key[WG_KEY_LEN], dh[WG_KEY_LEN];
  guint8 spub[WG_KEY_LEN], ts[WG_TIMESTAMP_LEN];
  const guint8 *e = msg + 8;
  WgPeer *peer = NULL;
  gint64 now = g_get_monotonic_time ();

  if (!dev->has_private_key)
    return NULL;
  ensure_initial ();
  memcpy (ck, initial_chain_key, WG_HASH_LEN);
  wg_hash (h, initial_hash, WG_HASH_LEN, dev->public_key, WG_KEY_LEN);
  wg_kdf (ck, NULL, NULL, ck, e, WG_KEY_LEN);
  mix_hash (h, e, WG_KEY_LEN);
  if (!wg_x25519 (dh, dev->private_key, e))
    goto fail;
  wg_kdf (ck, key, NULL, ck, dh, WG_KEY_LEN);
  if (!wg_aead_open (spub, key, 0, msg + 40, WG_KEY_LEN, h, WG_HASH_LEN))
    goto fail;
  mix_hash (h, msg + 40, WG_KEY_LEN + WG_TAG_LEN);
  peer = wg_device_find_peer (dev, spub);
  if (peer == NULL || !peer->ss_valid)
    goto fail;
  wg_kdf (ck, key, NULL, ck, peer->ss, WG_KEY_LEN);
  if (!wg_aead_open (ts, key, 0, msg + 88, WG_TIMESTAMP_LEN, h, WG_HASH_LEN))
    goto fail;
  mix_hash (h, msg + 88, WG_TIMESTAMP_LEN + WG_TAG_LEN);
  /* A replayed initiation carries an old timestamp; a flood, too many per
   * second (wireguard-go and Linux allow 50). */
  if (memcmp (ts, peer->hs.latest_timestamp, WG_TIMESTAMP_LEN) <= 0 ||
      (peer->hs.last_initiation_consumed != 0 &&
       now - peer->hs.last_initiation_consumed < G_USEC_PER_SEC / 50))
    goto fail;

  wg_peer_clear_handshake (peer);
  memcpy (peer->hs.latest_timestamp, ts, WG_TIMESTAMP_LEN);
  peer->hs.last_initiation_consumed = now;
  memcpy (peer->hs.chaining_key, ck, WG_HASH_LEN);
  memcpy (peer->hs.hash, h, WG_HASH_LEN);
  memcpy (peer->hs.remote_ephemeral, e, WG_KEY_LEN);
  peer->hs.remote_index = get32 (msg + 4);
  peer->hs.state = WG_HS_CONSUMED_INITIATION;
  wg_wipe (ck, sizeof ck);
  wg_wipe (key, sizeof key);
  wg_wipe (dh, sizeof dh);
  return peer;

fail:
  wg_wipe (ck, sizeof ck);
  wg_wipe (key, sizeof key);
  wg_wipe (dh, sizeof dh);
  return NULL;
}

gboolean
wg_noise_create_response (WgPeer *peer, guint8 msg[WG_RESPONSE_LEN])
{
  WgDevice *dev = peer->device;
  WgHandshake *hs = &peer->hs;
  guint8 dh[WG_KEY_LEN], tau[WG_HASH_LEN], key[WG_KEY_LEN], epub[WG_KEY_LEN];
  gboolean ok = FALSE;

  if (hs->state != WG_HS_CONSUMED_INITIATION)
    return FALSE;
  memset (msg, 0, WG_RESPONSE_LEN);
  msg[0] = WG_MSG_RESPONSE;
  put32 (msg + 8, hs->remote_index);
  wg_x25519_generate (hs->ephemeral_private);
  if (!wg_x25519_public (epub, hs->ephemeral_private))
    goto out;
  memcpy (msg + 12, epub, WG_KEY_LEN);
  wg_kdf (hs->chaining_key, NULL, NULL, hs->chaining_key, epub, WG_KEY_LEN);
  mix_hash (hs->hash, epub, WG_KEY_LEN);
  if (!wg_x25519 (dh, hs->ephemeral_private, hs->remote_ephemeral))
    goto out;
  wg_kdf (hs->chaining_key, NULL, NULL, hs->chaining_key, dh, WG_KEY_LEN);
  if (!wg_x25519 (dh, hs->ephemeral_private, peer->public_key))
    goto out;
  wg_kdf (hs->chaining_key, NULL, NULL, hs->chaining_key, dh, WG_KEY_LEN);
  wg_kdf (hs->chaining_key, tau, key, hs->chaining_key, peer->psk, WG_KEY_LEN);
  mix_hash (hs->hash, tau, WG_HASH_LEN);
  wg_aead_seal (msg + 44, key, 0, NULL, 0, hs->hash, WG_HASH_LEN);
  mix_hash (hs->hash, msg + 44, WG_TAG_LEN);

  hs->local_index = wg_device_new_index (dev, peer);
  put32 (msg + 4, hs->local_index);
  wg_noise_add_macs (peer, msg, WG_RESPONSE_LEN);
  ok = TRUE;
out:
  wg_wipe (dh, sizeof dh);
  wg_wipe (tau, sizeof tau);
  wg_wipe (key, sizeof key);
  return ok;
}

WgPeer *
wg_noise_consume_response (WgDevice *dev, const guint8 msg[WG_RESPONSE_LEN])
{
  guint32 receiver = get32 (msg + 8);
  WgPeer *peer =
    g_hash_table_lookup (dev->indices, GUINT_TO_POINTER (receiver));
  guint8 ck[WG_HASH_LEN], h[WG_HASH_LEN], dh[WG_KEY_LEN], tau[WG_HASH_LEN];
  guint8 key[WG_KEY_LEN];
  const guint8 *e = msg + 12;
  gboolean ok = FALSE;

  if (peer == NULL || peer->hs.state != WG_HS_CREATED_INITIATION ||
      peer->hs.local_index != receiver)
    return NULL;
  memcpy (ck, peer->hs.chaining_key, WG_HASH_LEN);
  memcpy (h, peer->hs.hash, WG_HASH_LEN);
  wg_kdf (ck, NULL, NULL, ck, e, WG_KEY_LEN);
  mix_hash (h, e, WG_KEY_LEN);
  if (!wg_x25519 (dh, peer->hs.ephemeral_private, e))
    goto out;
  wg_kdf (ck, NULL, NULL, ck, dh, WG_KEY_LEN);
  if (!wg_x25519 (dh, dev->private_key, e))
    goto out;
  wg_kdf (ck, NULL, NULL, ck, dh, WG_KEY_LEN);
  wg_kdf (ck, tau, key, ck, peer->psk, WG_KEY_LEN);
  mix_hash (h, tau, WG_HASH_LEN);
  if (!wg_aead_open (NULL, key, 0, msg + 44, 0, h, WG_HASH_LEN))
    goto out;
  mix_hash (h, msg + 44, WG_TAG_LEN);
  memcpy (peer->hs.chaining_key, ck, WG_HASH_LEN);
  memcpy (peer->hs.hash, h, WG_HASH_LEN);
  peer->hs.remote_index = get32 (msg + 4);
  ok = TRUE;
out:
  wg_wipe (ck, sizeof ck);
  wg_wipe (dh, sizeof dh);
  wg_wipe (tau, sizeof tau);
  wg_wipe (key, sizeof key);
  return ok ? peer : NULL;
}

/* Derives the transport keys from a finished handshake and files the new
 * keypair as the Linux implementation does. */
gboolean
wg_noise_begin_session (WgPeer *peer, gboolean initiator)
{
  WgDevice *dev = peer->device;
  WgKeypair *kp = NULL;
  guint8 t1[WG_KEY_LEN], t2[WG_KEY_LEN];

  for (guint i = 0; i < G_N_ELEMENTS (peer->slots); i++)
    if (!peer->slots[i].in_use)
      {
        kp = &peer->slots[i];
        break;
      }
  /* Four slots and at most three keypairs kept: one is always free. */
  g_assert (kp != NULL);
  wg_kdf (t1, t2, NULL, peer->hs.chaining_key, NULL, 0);
  memset (kp, 0, sizeof *kp);
  kp->in_use = TRUE;
  kp->initiator = initiator;
  memcpy (kp->send_key, initiator ? t1 : t2, WG_KEY_LEN);
  memcpy (kp->recv_key, initiator ? t2 : t1, WG_KEY_LEN);
  kp->local_index = peer->hs.local_index;
  kp->remote_index = peer->hs.remote_index;
  kp->created = g_get_monotonic_time ();
  wg_wipe (t1, sizeof t1);
  wg_wipe (t2, sizeof t2);
  /* The index now names the keypair: the handshake lets go of it. */
  peer->hs.local_index = 0;
  wg_peer_clear_handshake (peer);

  if (initiator)
    {
      if (peer->next != NULL)
        {
          keypair_free (dev, peer->previous);
          peer->previous = peer->next;
          peer->next = NULL;
          keypair_free (dev, peer->current);
        }
      else
        {
          keypair_free (dev, peer->previous);
          peer->previous = peer->current;
        }
      peer->current = kp;
    }
  else
    {
      keypair_free (dev, peer->next);
      peer->next = kp;
      keypair_free (dev, peer->previous);
      peer->previous = NULL;
    }
  peer->last_handshake_completed = kp->created;
  peer->last_handshake_wall = g_get_real_time ();
  peer->sent_lastminute_handshake = FALSE;
  return TRUE;
}

void
wg_noise_add_macs (WgPeer *peer, guint8 *msg, gsize len)
{
  guint8 *mac1 = msg + len - 2 * WG_COOKIE_LEN;
  guint8 *mac2 = msg + len - WG_COOKIE_LEN;

  wg_mac (mac1, peer->mac1_key, WG_HASH_LEN, msg, len - 2 * WG_COOKIE_LEN);
  memcpy (peer->last_mac1, mac1, WG_COOKIE_LEN);
  peer->last_mac1_valid = TRUE;
  if (peer->cookie_time != 0 &&
      g_get_monotonic_time () - peer->cookie_time < WG_COOKIE_MAX_AGE)
    wg_mac (mac2, peer->cookie, WG_COOKIE_LEN, msg, len - WG_COOKIE_LEN);
  else
    memset (mac2, 0, WG_COOKIE_LEN);
}

gboolean
wg_noise_check_mac1 (WgDevice *dev, const guint8 *msg, gsize len)
{
  guint8 mac[WG_COOKIE_LEN];

  wg_mac (mac, dev->mac1_key, WG_HASH_LEN, msg, len - 2 * WG_COOKIE_LEN);
  return wg_equal (mac, msg + len - 2 * WG_COOKIE_LEN, WG_COOKIE_LEN);
}

static void
make_cookie (WgDevice *dev, guint8 cookie[WG_COOKIE_LEN], const WgEndpoint *src)
{
  guint8 who[18];
  gsize n = src->family == AF_INET ? 4 : 16;
  guint16 port = g_htons (src->port);
  gint64 now = g_get_monotonic_time ();

  if (dev->cookie_secret_time == 0 ||
      now - dev->cookie_secret_time > WG_COOKIE_SECRET_MAX_AGE)
    {
      wg_random (dev->cookie_secret, sizeof dev->cookie_secret);
      dev->cookie_secret_time = now;
    }
  memcpy (who, src->addr.bytes, n);
  memcpy (who + n, &port, 2);
  wg_mac (cookie, dev->cookie_secret, WG_HASH_LEN, who, n + 2);
}

gboolean
wg_noise_check_mac2 (WgDevice *dev, const guint8 *msg, gsize len,
                     const WgEndpoint *src)
{
  guint8 cookie[WG_COOKIE_LEN], mac[WG_COOKIE_LEN];
  gboolean ok;

  if (dev->cookie_secret_time == 0)
    return FALSE;
  make_cookie (dev, cookie, src);
  wg_mac (mac, cookie, WG_COOKIE_LEN, msg, len - WG_COOKIE_LEN);
  ok = wg_equal (mac, msg + len - WG_COOKIE_LEN, WG_COOKIE_LEN);
  wg_wipe (cookie, sizeof cookie);
  return ok;
}

void
wg_noise_create_cookie_reply (WgDevice *dev, guint8 out[WG_COOKIE_REPLY_LEN],
                              const guint8 *msg, gsize len,
                              guint32 sender_index, const WgEndpoint *src)
{
  guint8 cookie[WG_COOKIE_LEN];

  make_cookie (dev, cookie, src);
  memset (out, 0, WG_COOKIE_REPLY_LEN);
  out[0] = WG_MSG_COOKIE;
  put32 (out + 4, sender_index);
  wg_random (out + 8, WG_COOKIE_NONCE_LEN);
  wg_xaead_seal (out + 32, dev->cookie_key, out + 8, cookie, WG_COOKIE_LEN,
                 msg + len - 2 * WG_COOKIE_LEN, WG_COOKIE_LEN);
  wg_wipe (cookie, sizeof cookie);
}

gboolean
wg_noise_consume_cookie_reply (WgDevice *dev,
                               const guint8 msg[WG_COOKIE_REPLY_LEN])
{
  WgPeer *peer =
    g_hash_table_lookup (dev->indices, GUINT_TO_POINTER (get32 (msg + 4)));
  guint8 cookie[WG_COOKIE_LEN];

  if (peer == NULL || !peer->last_mac1_valid ||
      !wg_xaead_open (cookie, peer->cookie_key, msg + 8, msg + 32,
                      WG_COOKIE_LEN, peer->last_mac1, WG_COOKIE_LEN))
    return FALSE;
  memcpy (peer->cookie, cookie, WG_COOKIE_LEN);
  peer->cookie_time = g_get_monotonic_time ();
  peer->last_mac1_valid = FALSE;
  wg_wipe (cookie, sizeof cookie);
  return TRUE;
}

/* Would @counter pass? (Before spending a decryption on it.) */
gboolean
wg_replay_check (const WgReplay *r, guint64 counter)
{
  guint64 c = counter + 1;
  guint64 index;

  if (r->counter >= WG_REJECT_AFTER_MESSAGES + 1 ||
      counter >= WG_REJECT_AFTER_MESSAGES)
    return FALSE;
  if (WG_REPLAY_WINDOW + c < r->counter)
    return FALSE;
  if (c > r->counter)
    return TRUE;
  index = (c >> 6) & (WG_REPLAY_WORDS - 1);
  return !(r->bits[index] & (G_GUINT64_CONSTANT (1) << (c & 63)));
}

/* The kernel's counter_validate(): accepts each counter once, within a
 * window of WG_REPLAY_WINDOW behind the highest seen. */
gboolean
wg_replay_update (WgReplay *r, guint64 counter)
{
  guint64 c = counter + 1;
  guint64 index, index_current, top, bit;

  if (r->counter >= WG_REJECT_AFTER_MESSAGES + 1 ||
      counter >= WG_REJECT_AFTER_MESSAGES)
    return FALSE;
  if (WG_REPLAY_WINDOW + c < r->counter)
    return FALSE;
  index = c >> 6;
  if (c > r->counter)
    {
      index_current = r->counter >> 6;
      top = MIN (index - index_current, (guint64) WG_REPLAY_WORDS);
      for (guint64 i = 1; i <= top; i++)
        r->bits[(i + index_current) & (WG_REPLAY_WORDS - 1)] = 0;
      r->counter = c;
    }
  index &= WG_REPLAY_WORDS - 1;
  bit = G_GUINT64_CONSTANT (1) << (c & 63);
  if (r->bits[index] & bit)
    return FALSE;
  r->bits[index] |= bit;
  return TRUE;
}
