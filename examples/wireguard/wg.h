/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnet-wg: a WireGuard endpoint whose outer (UDP) side is a libcnet port.
 * The parts share this header: wg-crypto.c (OpenSSL and libsodium
 * wrappers), wg-noise.c (handshake, keypairs, replay window, cookies),
 * wg-allowedips.c (the longest-prefix-match table), wg-uapi.c (the wg
 * configuration file and the cross-platform userspace API), wg-netlink.c
 * (routes and neighbours) and cnet-wg.c (threads, data path, timers).
 */
#pragma once

#include <cnet/cnet.h>
#include <netinet/in.h>
#include <stdbool.h>

#define WG_KEY_LEN 32
#define WG_HASH_LEN 32
#define WG_TAG_LEN 16
#define WG_COOKIE_LEN 16
#define WG_TIMESTAMP_LEN 12
#define WG_COOKIE_NONCE_LEN 24

#define WG_MSG_INITIATION 1
#define WG_MSG_RESPONSE 2
#define WG_MSG_COOKIE 3
#define WG_MSG_DATA 4

#define WG_INITIATION_LEN 148
#define WG_RESPONSE_LEN 92
#define WG_COOKIE_REPLY_LEN 64
#define WG_DATA_HEADER_LEN 16
#define WG_DATA_MIN_LEN (WG_DATA_HEADER_LEN + WG_TAG_LEN)

/* The protocol's constants (the WireGuard paper, section 6.1), in
 * microseconds where they are times. */
#define WG_REKEY_AFTER_MESSAGES (G_GUINT64_CONSTANT (1) << 60)
#define WG_REJECT_AFTER_MESSAGES (G_MAXUINT64 - (G_GUINT64_CONSTANT (1) << 13))
#define WG_REKEY_AFTER_TIME (120 * G_USEC_PER_SEC)
#define WG_REJECT_AFTER_TIME (180 * G_USEC_PER_SEC)
#define WG_REKEY_ATTEMPT_TIME (90 * G_USEC_PER_SEC)
#define WG_REKEY_TIMEOUT (5 * G_USEC_PER_SEC)
#define WG_KEEPALIVE_TIMEOUT (10 * G_USEC_PER_SEC)
#define WG_COOKIE_SECRET_MAX_AGE (120 * G_USEC_PER_SEC)
#define WG_COOKIE_MAX_AGE (120 * G_USEC_PER_SEC - 5 * G_USEC_PER_SEC)

/* The replay window of the Linux implementation: 8192 bits, of which the
 * last word is kept free for the rollover. */
#define WG_REPLAY_BITS 8192
#define WG_REPLAY_WORDS (WG_REPLAY_BITS / 64)
#define WG_REPLAY_WINDOW (WG_REPLAY_BITS - 64)

/* Packets that wait for a handshake, per peer (wireguard-go keeps 128). */
#define WG_STAGED_MAX 128

/* Where a frame built from a TUN read keeps its plaintext: after room for
 * Ethernet + IPv6 + UDP + the data message header, whatever the endpoint's
 * family. The headers are written in front and the start pulled up. */
#define WG_ETH_LEN 14
#define WG_PLAIN_OFF (WG_ETH_LEN + 40 + 8 + WG_DATA_HEADER_LEN)

typedef struct _WgDevice WgDevice;
typedef struct _WgPeer WgPeer;

typedef struct
{
  int family; /* 0 (none), AF_INET or AF_INET6 */
  union
  {
    struct in_addr v4;
    struct in6_addr v6;
    guint8 bytes[16];
  } addr;
  guint16 port; /* host order */
} WgEndpoint;

/* How to reach an endpoint: the routing table's answer for it. */
typedef struct
{
  gboolean valid;
  guint ifindex;
  guint8 dst_mac[6];
  guint8 src_mac[6];
  WgEndpoint src; /* our address (port: the listen port) */
  WgEndpoint dst;
  guint8 header[WG_ETH_LEN + 40 + 8]; /* Ethernet + IP + UDP template */
  guint header_len;
} WgRoute;

typedef struct
{
  guint64 counter;
  guint64 bits[WG_REPLAY_WORDS];
} WgReplay;

typedef struct
{
  gboolean in_use;
  gboolean initiator;
  guint8 send_key[WG_KEY_LEN];
  guint8 recv_key[WG_KEY_LEN];
  guint32 local_index;
  guint32 remote_index;
  gint64 created;
  guint64 send_counter;
  WgReplay replay;
} WgKeypair;

typedef enum
{
  WG_HS_NONE,
  WG_HS_CREATED_INITIATION,
  WG_HS_CONSUMED_INITIATION,
} WgHandshakeState;

typedef struct
{
  WgHandshakeState state;
  guint8 hash[WG_HASH_LEN];
  guint8 chaining_key[WG_HASH_LEN];
  guint8 ephemeral_private[WG_KEY_LEN];
  guint8 remote_ephemeral[WG_KEY_LEN];
  guint32 local_index;
  guint32 remote_index;
  guint8 latest_timestamp[WG_TIMESTAMP_LEN];
  gint64 last_initiation_consumed;
} WgHandshake;

typedef struct
{
  int family;
  guint8 addr[16];
  guint8 cidr;
} WgPrefix;

struct _WgPeer
{
  WgDevice *device;
  guint8 public_key[WG_KEY_LEN];
  guint8 psk[WG_KEY_LEN];
  guint8 ss[WG_KEY_LEN]; /* DH(our static, their static) */
  gboolean ss_valid;
  guint8 mac1_key[WG_HASH_LEN];   /* for messages we send them */
  guint8 cookie_key[WG_HASH_LEN]; /* to open their cookie replies */
  WgEndpoint endpoint;
  WgEndpoint local; /* the address they last reached us at */
  WgRoute route;
  guint keepalive_interval; /* seconds, 0: off */
  GArray *allowed;          /* WgPrefix */

  WgHandshake hs;
  WgKeypair slots[4];
  WgKeypair *current, *previous, *next;

  /* Cookies they sent us, and the mac1 of our last handshake message. */
  guint8 cookie[WG_COOKIE_LEN];
  gint64 cookie_time;
  guint8 last_mac1[WG_COOKIE_LEN];
  gboolean last_mac1_valid;

  /* Timers, all monotonic microseconds, 0: never. */
  gint64 handshake_sent;
  gint64 handshake_attempts_since;
  gint64 last_handshake_completed;
  gint64 last_handshake_wall; /* g_get_real_time () */
  gint64 last_sent;           /* any authenticated packet */
  gint64 last_received;       /* any authenticated packet */
  gint64 last_data_received;
  gint64 unanswered_data_since;
  gboolean want_handshake;
  gboolean sent_lastminute_handshake;

  guint64 rx_bytes;
  guint64 tx_bytes;

  CnetPacket *staged[WG_STAGED_MAX];
  guint n_staged;
};

typedef struct _WgTrieNode WgTrieNode;

/* Under the device lock, except tx_packets, drop_tx_full and tun_writes,
 * which are added to atomically by whoever sends or writes. */
typedef struct
{
  guint64 rx_packets;     /* data packets opened and accepted */
  guint64 rx_keepalives;  /* of which empty */
  guint64 tx_packets;     /* data packets sealed and sent */
  guint64 tx_keepalives;  /* of which empty */
  guint64 handshakes_rx;  /* handshake messages accepted */
  guint64 handshakes_tx;  /* handshake messages sent */
  guint64 cookies_rx;     /* cookie replies accepted */
  guint64 cookies_tx;     /* cookie replies sent */
  guint64 drop_replay;    /* data with a counter seen before or too old */
  guint64 drop_mac1;      /* handshake message with a bad mac1 */
  guint64 drop_mac2;      /* under load, without a valid mac2 */
  guint64 drop_malformed; /* truncated, wrong length, unknown type */
  guint64 drop_handshake; /* handshake that did not authenticate */
  guint64 drop_no_key;    /* data for an unknown receiver index */
  guint64 drop_decrypt;   /* data that did not authenticate */
  guint64 drop_source;    /* inner source address not allowed for peer */
  guint64 drop_no_peer;   /* TUN packet no peer's AllowedIPs route */
  guint64 drop_no_route;  /* no route or neighbour to the endpoint */
  guint64 drop_staged;    /* staged packets given up */
  guint64 drop_tx_full;   /* the port's TX ring was full */
  guint64 drop_not_ip;    /* TUN or inner packet not IPv4/IPv6 */
  guint64 tun_reads;      /* TUN reads that gave packets (TSO: several) */
  guint64 tun_writes;     /* TUN writes (GRO: of several packets) */
} WgStats;

struct _WgDevice
{
  GMutex lock; /* every field below, and the peers' */
  char *name;
  gboolean has_private_key;
  guint8 private_key[WG_KEY_LEN];
  guint8 public_key[WG_KEY_LEN];
  guint8 mac1_key[WG_HASH_LEN];   /* checks mac1 of messages to us */
  guint8 cookie_key[WG_HASH_LEN]; /* seals our cookie replies */
  guint8 cookie_secret[WG_HASH_LEN];
  gint64 cookie_secret_time;
  guint16 listen_port;
  guint32 fwmark;
  guint mtu;
  GPtrArray *peers;    /* WgPeer, owned */
  guint64 peers_gen;   /* bumped when a peer goes */
  GHashTable *indices; /* local index -> WgPeer */
  WgTrieNode *trie4, *trie6;
  gboolean under_load; /* send cookie replies instead of responses */
  gboolean force_under_load;
  guint handshakes_this_second;
  gint64 load_second;
  WgStats stats;
  /* Set by the data threads, read by the main thread's timers. */
  int wake_fd;
  /* The outer port and the values the data path needs. */
  CnetPort *port;
  guint ifindex;
  guint8 if_mac[6];
  gboolean listen_port_changed;
  gboolean leased; /* from cnetd: the rules cannot change */
};

/* wg-crypto.c */
gboolean wg_crypto_init (GError **error);
void wg_hash (guint8 out[WG_HASH_LEN], const guint8 *a, gsize alen,
              const guint8 *b, gsize blen);
void wg_mac (guint8 out[WG_COOKIE_LEN], const guint8 *key, gsize keylen,
             const guint8 *data, gsize len);
void wg_kdf (guint8 *t1, guint8 *t2, guint8 *t3,
             const guint8 chaining_key[WG_HASH_LEN], const guint8 *data,
             gsize len);
void wg_aead_seal (guint8 *dst, const guint8 key[WG_KEY_LEN], guint64 counter,
                   const guint8 *src, gsize len, const guint8 *ad, gsize adlen);
gboolean wg_aead_open (guint8 *dst, const guint8 key[WG_KEY_LEN],
                       guint64 counter, const guint8 *src, gsize len,
                       const guint8 *ad, gsize adlen);
void wg_xaead_seal (guint8 *dst, const guint8 key[WG_KEY_LEN],
                    const guint8 nonce[WG_COOKIE_NONCE_LEN], const guint8 *src,
                    gsize len, const guint8 *ad, gsize adlen);
gboolean wg_xaead_open (guint8 *dst, const guint8 key[WG_KEY_LEN],
                        const guint8 nonce[WG_COOKIE_NONCE_LEN],
                        const guint8 *src, gsize len, const guint8 *ad,
                        gsize adlen);
gboolean wg_x25519 (guint8 out[WG_KEY_LEN], const guint8 priv[WG_KEY_LEN],
                    const guint8 pub[WG_KEY_LEN]);
gboolean wg_x25519_public (guint8 pub[WG_KEY_LEN],
                           const guint8 priv[WG_KEY_LEN]);
void wg_x25519_generate (guint8 priv[WG_KEY_LEN]);
void wg_random (void *buf, gsize len);
void wg_wipe (void *buf, gsize len);
gboolean wg_equal (const void *a, const void *b, gsize len);

/* The per-thread bulk cipher: a ChaCha20-Poly1305 context kept across
 * packets, so sealing and opening a packet allocates nothing. */
typedef struct _WgCipher WgCipher;
WgCipher *wg_cipher_new (void);
void wg_cipher_free (WgCipher *c);
void wg_cipher_seal (WgCipher *c, const guint8 key[WG_KEY_LEN], guint64 counter,
                     guint8 *buf, gsize len, guint8 tag[WG_TAG_LEN]);
gboolean wg_cipher_open (WgCipher *c, const guint8 key[WG_KEY_LEN],
                         guint64 counter, guint8 *buf, gsize len,
                         const guint8 tag[WG_TAG_LEN]);

/* wg-noise.c: all under device->lock. */
void wg_device_set_private_key (WgDevice *dev, const guint8 key[WG_KEY_LEN]);
void wg_peer_init_keys (WgPeer *peer);
gboolean wg_noise_create_initiation (WgPeer *peer,
                                     guint8 msg[WG_INITIATION_LEN]);
WgPeer *wg_noise_consume_initiation (WgDevice *dev,
                                     const guint8 msg[WG_INITIATION_LEN]);
gboolean wg_noise_create_response (WgPeer *peer, guint8 msg[WG_RESPONSE_LEN]);
WgPeer *wg_noise_consume_response (WgDevice *dev,
                                   const guint8 msg[WG_RESPONSE_LEN]);
gboolean wg_noise_begin_session (WgPeer *peer, gboolean initiator);
void wg_noise_add_macs (WgPeer *peer, guint8 *msg, gsize len);
gboolean wg_noise_check_mac1 (WgDevice *dev, const guint8 *msg, gsize len);
gboolean wg_noise_check_mac2 (WgDevice *dev, const guint8 *msg, gsize len,
                              const WgEndpoint *src);
void wg_noise_create_cookie_reply (WgDevice *dev,
                                   guint8 out[WG_COOKIE_REPLY_LEN],
                                   const guint8 *msg, gsize len,
                                   guint32 sender_index, const WgEndpoint *src);
gboolean wg_noise_consume_cookie_reply (WgDevice *dev,
                                        const guint8 msg[WG_COOKIE_REPLY_LEN]);
WgKeypair *wg_peer_keypair_by_index (WgPeer *peer, guint32 index);
gboolean wg_peer_receive_with (WgPeer *peer, WgKeypair *kp);
void wg_peer_clear_keys (WgPeer *peer);
void wg_peer_clear_handshake (WgPeer *peer);
gboolean wg_replay_check (const WgReplay *r, guint64 counter);
gboolean wg_replay_update (WgReplay *r, guint64 counter);
guint32 wg_device_new_index (WgDevice *dev, WgPeer *peer);

/* wg-allowedips.c: all under device->lock. */
void wg_allowedips_insert (WgDevice *dev, const WgPrefix *prefix, WgPeer *peer);
void wg_allowedips_remove_peer (WgDevice *dev, WgPeer *peer);
WgPeer *wg_allowedips_lookup (WgDevice *dev, int family, const guint8 *addr);
void wg_allowedips_free (WgDevice *dev);
gboolean wg_prefix_parse (const char *text, WgPrefix *prefix, GError **error);
char *wg_prefix_to_string (const WgPrefix *prefix);

/* wg-uapi.c */
gboolean wg_endpoint_parse (const char *text, WgEndpoint *ep, GError **error);
char *wg_endpoint_to_string (const WgEndpoint *ep);
gboolean wg_endpoint_equal (const WgEndpoint *a, const WgEndpoint *b);
char *wg_config_to_uapi (const char *path, GError **error);
int wg_uapi_set (WgDevice *dev, const char *request, GError **error);
char *wg_uapi_get (WgDevice *dev);
char *wg_uapi_stats (WgDevice *dev);
WgPeer *wg_device_find_peer (WgDevice *dev, const guint8 key[WG_KEY_LEN]);
void wg_device_remove_peer (WgDevice *dev, WgPeer *peer);
gboolean wg_uapi_listen (WgDevice *dev, GError **error);
void wg_uapi_unlisten (WgDevice *dev);

/* wg-netlink.c */
int wg_netlink_open (GError **error);
gboolean wg_route_resolve (int nlfd, const WgEndpoint *dst,
                           const WgEndpoint *preferred_src, guint ifindex,
                           const guint8 if_mac[6], guint16 src_port,
                           WgRoute *route, GError **error);

/* cnet-wg.c */
void wg_device_wake (WgDevice *dev);
