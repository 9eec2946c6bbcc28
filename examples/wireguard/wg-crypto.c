/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The WireGuard primitives, all from libraries: OpenSSL 3 for BLAKE2s
 * (hash, keyed MAC, HMAC), X25519 and ChaCha20-Poly1305; libsodium for
 * the XChaCha20-Poly1305 of cookie replies, which OpenSSL does not have.
 * Nothing here implements a primitive.
 */
#include "wg.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>
#include <string.h>

static EVP_MD *blake2s;
static EVP_MAC *blake2s_mac;
static EVP_MAC *hmac;
static EVP_CIPHER *chachapoly;

gboolean
wg_crypto_init (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "libsodium failed to initialise");
      return FALSE;
    }
  blake2s = EVP_MD_fetch (NULL, "BLAKE2S-256", NULL);
  blake2s_mac = EVP_MAC_fetch (NULL, "BLAKE2SMAC", NULL);
  hmac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  chachapoly = EVP_CIPHER_fetch (NULL, "ChaCha20-Poly1305", NULL);
  if (blake2s == NULL || blake2s_mac == NULL || hmac == NULL ||
      chachapoly == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "OpenSSL lacks %s",
                   blake2s == NULL       ? "BLAKE2S-256"
                   : blake2s_mac == NULL ? "BLAKE2SMAC"
                   : hmac == NULL        ? "HMAC"
                                         : "ChaCha20-Poly1305");
      return FALSE;
    }
  return TRUE;
}

void
wg_random (void *buf, gsize len)
{
  if (RAND_bytes (buf, (int) len) != 1)
    g_error ("cnet-wg: the random number generator failed");
}

void
wg_wipe (void *buf, gsize len)
{
  OPENSSL_cleanse (buf, len);
}

gboolean
wg_equal (const void *a, const void *b, gsize len)
{
  return CRYPTO_memcmp (a, b, len) == 0;
}

/* HASH(a || b) */
void
wg_hash (guint8 out[WG_HASH_LEN], const guint8 *a, gsize alen, const guint8 *b,
         gsize blen)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  unsigned int n = WG_HASH_LEN;

  if (ctx == NULL || !EVP_DigestInit_ex (ctx, blake2s, NULL) ||
      !EVP_DigestUpdate (ctx, a, alen) ||
      (blen > 0 && !EVP_DigestUpdate (ctx, b, blen)) ||
      !EVP_DigestFinal_ex (ctx, out, &n))
    g_error ("cnet-wg: BLAKE2s failed");
  EVP_MD_CTX_free (ctx);
}

/* MAC(key, data): keyed BLAKE2s with a 16-byte output. */
void
wg_mac (guint8 out[WG_COOKIE_LEN], const guint8 *key, gsize keylen,
        const guint8 *data, gsize len)
{
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new (blake2s_mac);
  size_t size = WG_COOKIE_LEN, outl = 0;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_size_t (OSSL_MAC_PARAM_SIZE, &size),
    OSSL_PARAM_construct_end (),
  };

  if (ctx == NULL || !EVP_MAC_init (ctx, key, keylen, params) ||
      !EVP_MAC_update (ctx, data, len) ||
      !EVP_MAC_final (ctx, out, &outl, WG_COOKIE_LEN) || outl != WG_COOKIE_LEN)
    g_error ("cnet-wg: keyed BLAKE2s failed");
  EVP_MAC_CTX_free (ctx);
}

static void
wg_hmac (guint8 out[WG_HASH_LEN], const guint8 key[WG_HASH_LEN],
         const guint8 *a, gsize alen, const guint8 *b, gsize blen)
{
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new (hmac);
  char digest[] = "BLAKE2S-256";
  size_t outl = 0;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, digest, 0),
    OSSL_PARAM_construct_end (),
  };

  if (ctx == NULL || !EVP_MAC_init (ctx, key, WG_HASH_LEN, params) ||
      !EVP_MAC_update (ctx, a, alen) ||
      (blen > 0 && !EVP_MAC_update (ctx, b, blen)) ||
      !EVP_MAC_final (ctx, out, &outl, WG_HASH_LEN) || outl != WG_HASH_LEN)
    g_error ("cnet-wg: HMAC-BLAKE2s failed");
  EVP_MAC_CTX_free (ctx);
}

/* KDF_n(key, input) of the paper: up to three outputs; NULL ends. */
void
wg_kdf (guint8 *t1, guint8 *t2, guint8 *t3,
        const guint8 chaining_key[WG_HASH_LEN], const guint8 *data, gsize len)
{
  guint8 t0[WG_HASH_LEN], out[WG_HASH_LEN];
  guint8 one = 1, two = 2, three = 3;

  wg_hmac (t0, chaining_key, data, len, NULL, 0);
  wg_hmac (out, t0, &one, 1, NULL, 0);
  memcpy (t1, out, WG_HASH_LEN);
  if (t2 != NULL)
    {
      wg_hmac (out, t0, out, WG_HASH_LEN, &two, 1);
      memcpy (t2, out, WG_HASH_LEN);
    }
  if (t3 != NULL)
    {
      wg_hmac (out, t0, out, WG_HASH_LEN, &three, 1);
      memcpy (t3, out, WG_HASH_LEN);
    }
  wg_wipe (t0, sizeof t0);
  wg_wipe (out, sizeof out);
}

struct _WgCipher
{
  EVP_CIPHER_CTX *ctx;
};

WgCipher *
wg_cipher_new (void)
{
  WgCipher *c = g_new0 (WgCipher, 1);

  c->ctx = EVP_CIPHER_CTX_new ();
  if (c->ctx == NULL ||
      !EVP_CipherInit_ex (c->ctx, chachapoly, NULL, NULL, NULL, 1))
    g_error ("cnet-wg: ChaCha20-Poly1305 failed to initialise");
  return c;
}

void
wg_cipher_free (WgCipher *c)
{
  if (c == NULL)
    return;
  EVP_CIPHER_CTX_free (c->ctx);
  g_free (c);
}

static void
nonce_for (guint8 nonce[12], guint64 counter)
{
  guint64 le = GUINT64_TO_LE (counter);

  memset (nonce, 0, 4);
  memcpy (nonce + 4, &le, 8);
}

/* Seals @len bytes of @buf in place and writes the tag to @tag. */
void
wg_cipher_seal (WgCipher *c, const guint8 key[WG_KEY_LEN], guint64 counter,
                guint8 *buf, gsize len, guint8 tag[WG_TAG_LEN])
{
  guint8 nonce[12];
  int outl = 0;

  nonce_for (nonce, counter);
  if (!EVP_CipherInit_ex (c->ctx, NULL, NULL, key, nonce, 1) ||
      (len > 0 && !EVP_CipherUpdate (c->ctx, buf, &outl, buf, (int) len)) ||
      !EVP_CipherFinal_ex (c->ctx, buf + outl, &outl) ||
      !EVP_CIPHER_CTX_ctrl (c->ctx, EVP_CTRL_AEAD_GET_TAG, WG_TAG_LEN, tag))
    g_error ("cnet-wg: ChaCha20-Poly1305 sealing failed");
}

/* Opens @len bytes of @buf in place against @tag. */
gboolean
wg_cipher_open (WgCipher *c, const guint8 key[WG_KEY_LEN], guint64 counter,
                guint8 *buf, gsize len, const guint8 tag[WG_TAG_LEN])
{
  guint8 nonce[12];
  int outl = 0;

  nonce_for (nonce, counter);
  if (!EVP_CipherInit_ex (c->ctx, NULL, NULL, key, nonce, 0) ||
      !EVP_CIPHER_CTX_ctrl (c->ctx, EVP_CTRL_AEAD_SET_TAG, WG_TAG_LEN,
                            (void *) tag) ||
      (len > 0 && !EVP_CipherUpdate (c->ctx, buf, &outl, buf, (int) len)))
    return FALSE;
  return EVP_CipherFinal_ex (c->ctx, buf + outl, &outl) > 0;
}

/* The handshake's AEAD: @dst gets len + 16 bytes. */
void
wg_aead_seal (guint8 *dst, const guint8 key[WG_KEY_LEN], guint64 counter,
              const guint8 *src, gsize len, const guint8 *ad, gsize adlen)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  guint8 nonce[12];
  int outl = 0;

  nonce_for (nonce, counter);
  if (ctx == NULL || !EVP_EncryptInit_ex (ctx, chachapoly, NULL, key, nonce) ||
      !EVP_EncryptUpdate (ctx, NULL, &outl, ad, (int) adlen) ||
      (len > 0 && !EVP_EncryptUpdate (ctx, dst, &outl, src, (int) len)) ||
      !EVP_EncryptFinal_ex (ctx, dst + len, &outl) ||
      !EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, WG_TAG_LEN, dst + len))
    g_error ("cnet-wg: ChaCha20-Poly1305 sealing failed");
  EVP_CIPHER_CTX_free (ctx);
}

/* @src has len + 16 bytes; @dst gets len. */
gboolean
wg_aead_open (guint8 *dst, const guint8 key[WG_KEY_LEN], guint64 counter,
              const guint8 *src, gsize len, const guint8 *ad, gsize adlen)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  guint8 nonce[12];
  guint8 scratch[16];
  int outl = 0;
  gboolean ok;

  nonce_for (nonce, counter);
  ok = ctx != NULL && EVP_DecryptInit_ex (ctx, chachapoly, NULL, key, nonce) &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, WG_TAG_LEN,
                            (void *) (src + len)) &&
       EVP_DecryptUpdate (ctx, NULL, &outl, ad, (int) adlen) &&
       (len == 0 || EVP_DecryptUpdate (ctx, dst, &outl, src, (int) len)) &&
       EVP_DecryptFinal_ex (ctx, scratch, &outl) > 0;
  EVP_CIPHER_CTX_free (ctx);
  return ok;
}

void
wg_xaead_seal (guint8 *dst, const guint8 key[WG_KEY_LEN],
               const guint8 nonce[WG_COOKIE_NONCE_LEN], const guint8 *src,
               gsize len, const guint8 *ad, gsize adlen)
{
  crypto_aead_xchacha20poly1305_ietf_encrypt (dst, NULL, src, len, ad, adlen,
                                              NULL, nonce, key);
}

gboolean
wg_xaead_open (guint8 *dst, const guint8 key[WG_KEY_LEN],
               const guint8 nonce[WG_COOKIE_NONCE_LEN], const guint8 *src,
               gsize len, const guint8 *ad, gsize adlen)
{
  return crypto_aead_xchacha20poly1305_ietf_decrypt (dst, NULL, NULL, src,
                                                     len + WG_TAG_LEN, ad,
                                                     adlen, nonce, key) == 0;
}

static gboolean
all_zero (const guint8 *b, gsize len)
{
  guint8 acc = 0;

  for (gsize i = 0; i < len; i++)
    acc |= b[i];
  return acc == 0;
}

/* DH(priv, pub); FALSE for a low-order public key (an all-zero result). */
gboolean
wg_x25519 (guint8 out[WG_KEY_LEN], const guint8 priv[WG_KEY_LEN],
           const guint8 pub[WG_KEY_LEN])
{
  EVP_PKEY *p =
    EVP_PKEY_new_raw_private_key (EVP_PKEY_X25519, NULL, priv, WG_KEY_LEN);
  EVP_PKEY *q =
    EVP_PKEY_new_raw_public_key (EVP_PKEY_X25519, NULL, pub, WG_KEY_LEN);
  EVP_PKEY_CTX *ctx = p != NULL ? EVP_PKEY_CTX_new (p, NULL) : NULL;
  size_t outl = WG_KEY_LEN;
  gboolean ok;

  ok = ctx != NULL && q != NULL && EVP_PKEY_derive_init (ctx) > 0 &&
       EVP_PKEY_derive_set_peer (ctx, q) > 0 &&
       EVP_PKEY_derive (ctx, out, &outl) > 0 && outl == WG_KEY_LEN &&
       !all_zero (out, WG_KEY_LEN);
  EVP_PKEY_CTX_free (ctx);
  EVP_PKEY_free (p);
  EVP_PKEY_free (q);
  if (!ok)
    wg_wipe (out, WG_KEY_LEN);
  return ok;
}

gboolean
wg_x25519_public (guint8 pub[WG_KEY_LEN], const guint8 priv[WG_KEY_LEN])
{
  EVP_PKEY *p =
    EVP_PKEY_new_raw_private_key (EVP_PKEY_X25519, NULL, priv, WG_KEY_LEN);
  size_t len = WG_KEY_LEN;
  gboolean ok = p != NULL && EVP_PKEY_get_raw_public_key (p, pub, &len) > 0 &&
                len == WG_KEY_LEN;

  EVP_PKEY_free (p);
  return ok;
}

/* A fresh private key, clamped as Curve25519 keys are stored. */
void
wg_x25519_generate (guint8 priv[WG_KEY_LEN])
{
  wg_random (priv, WG_KEY_LEN);
  priv[0] &= 248;
  priv[31] = (priv[31] & 127) | 64;
}
