/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AcquireQueue's options (its a{sv}), read strictly: known keys, right
 * types, valid values; the rules parsed with libcnet's rule parser.
 */
#include "cnetd-build-config.h"

#include <string.h>

#include "cnetd-options.h"

/* XDP_PACKET_HEADROOM: what the kernel keeps at the start of each frame. */
#define CNETD_XDP_PACKET_HEADROOM 256

void
cnetd_acquire_options_init (CnetdAcquireOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->need_wakeup = TRUE;
  opts->busy_poll_budget = 64;
  opts->frame_size = 2048;
  opts->rx_size = opts->tx_size = 2048;
  opts->fill_size = opts->comp_size = 2048;
}

void
cnetd_acquire_options_clear (CnetdAcquireOptions *opts)
{
  g_clear_pointer (&opts->rules_text, g_strfreev);
}

static gboolean
parse_mode (const char *option, const char *value, const char *const *names,
            int *out, GError **error)
{
  for (int i = 0; names[i] != NULL; i++)
    if (g_str_equal (value, names[i]))
      {
        *out = i;
        return TRUE;
      }
  g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
               "option \"%s\": \"%s\" is not one of %s, %s, %s", option, value,
               names[0], names[1], names[2]);
  return FALSE;
}

static gboolean
is_ring_size (guint n)
{
  return n >= 64 && n <= 65536 && (n & (n - 1)) == 0;
}

/* The numeric options: each checked against its range. */
static gboolean
parse_number (CnetdAcquireOptions *opts, const char *key, guint v,
              GError **error)
{
  struct
  {
    const char *key;
    guint *field;
  } rings[] = {
    { "rx-size", &opts->rx_size },
    { "tx-size", &opts->tx_size },
    { "fill-size", &opts->fill_size },
    { "comp-size", &opts->comp_size },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rings); i++)
    if (g_str_equal (key, rings[i].key))
      {
        if (!is_ring_size (v))
          {
            g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                         "option \"%s\": %u is not a power of two from 64 "
                         "to 65536",
                         key, v);
            return FALSE;
          }
        *rings[i].field = v;
        return TRUE;
      }
  if (g_str_equal (key, "frame-size"))
    {
      if (v != 2048 && v != 4096)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                       "option \"frame-size\": %u is not 2048 or 4096", v);
          return FALSE;
        }
      opts->frame_size = v;
    }
  else if (g_str_equal (key, "headroom"))
    {
      /* The kernel wants headroom below the frame size minus its own 256
       * bytes; checked against the frame size once all options are read. */
      if (v > 4096)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                       "option \"headroom\": %u bytes is more than a frame", v);
          return FALSE;
        }
      opts->headroom = v;
    }
  else if (g_str_equal (key, "busy-poll-usecs"))
    {
      if (v > 1000000)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                       "option \"busy-poll-usecs\": %u is more than a "
                       "second",
                       v);
          return FALSE;
        }
      opts->busy_poll_usecs = v;
    }
  else if (g_str_equal (key, "busy-poll-budget"))
    {
      if (v < 1 || v > 1024)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                       "option \"busy-poll-budget\": %u is not from 1 to "
                       "1024",
                       v);
          return FALSE;
        }
      opts->busy_poll_budget = v;
    }
  return TRUE;
}

/* Parses an "as" of steering rules into the XDP program's form and their
 * canonical text (NULL for none). */
gboolean
cnetd_rules_parse (GVariant *strv, struct cnet_xdp_rule *rules, guint *n_rules,
                   GStrv *text, GError **error)
{
  g_autofree const char **strings = g_variant_get_strv (strv, NULL);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  guint n = g_strv_length ((GStrv) strings);

  if (n > CNET_MATCH_MAX_RULES)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%u rules are too many; a lease may have %u", n,
                   CNET_MATCH_MAX_RULES);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (CnetMatch) match = cnet_match_new (strings[i], error);
      g_autofree char *canonical = NULL;

      if (match == NULL)
        return FALSE;
      cnet_match_to_xdp (match, &rules[i]);
      canonical = cnet_match_to_string (match);
      g_strv_builder_add (b, canonical);
    }
  *n_rules = n;
  g_strfreev (*text);
  *text = g_strv_builder_end (b);
  return TRUE;
}

/* Reads the a{sv} of AcquireQueue strictly: known keys, right types. */
gboolean
cnetd_acquire_options_parse (CnetdAcquireOptions *opts, GVariant *options,
                             GError **error)
{
  static const char *const xdp_modes[] = { "auto", "native", "generic", NULL };
  static const char *const bind_modes[] = { "auto", "copy", "zerocopy", NULL };
  static const struct
  {
    const char *key;
    const char *type;
  } known[] = {
    { "xdp-mode", "s" },         { "bind-mode", "s" },
    { "need-wakeup", "b" },      { "busy-poll-usecs", "u" },
    { "busy-poll-budget", "u" }, { "rules", "as" },
    { "frame-size", "u" },       { "headroom", "u" },
    { "rx-size", "u" },          { "tx-size", "u" },
    { "fill-size", "u" },        { "comp-size", "u" },
  };
  GVariantIter iter;
  const char *key;
  GVariant *next;

  /* Not g_variant_iter_loop(): every early return below would leak the
   * value it holds, and a client could grow cnetd with bad options. */
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &next))
    {
      g_autoptr (GVariant) value = next;
      const char *type = NULL;
      int mode;

      for (guint i = 0; i < G_N_ELEMENTS (known); i++)
        if (g_str_equal (key, known[i].key))
          type = known[i].type;
      if (type == NULL)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                       "option \"%s\" is unknown; known: xdp-mode, "
                       "bind-mode, need-wakeup, busy-poll-usecs, "
                       "busy-poll-budget, rules, frame-size, headroom, "
                       "rx-size, tx-size, fill-size, comp-size",
                       key);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (type)))
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                       "option \"%s\" must be of type %s, not %s", key, type,
                       g_variant_get_type_string (value));
          return FALSE;
        }
      if (g_str_equal (key, "xdp-mode"))
        {
          if (!parse_mode (key, g_variant_get_string (value, NULL), xdp_modes,
                           &mode, error))
            return FALSE;
          opts->xdp_mode = mode;
        }
      else if (g_str_equal (key, "bind-mode"))
        {
          if (!parse_mode (key, g_variant_get_string (value, NULL), bind_modes,
                           &mode, error))
            return FALSE;
          opts->bind_mode = mode;
        }
      else if (g_str_equal (key, "need-wakeup"))
        opts->need_wakeup = g_variant_get_boolean (value);
      else if (g_str_equal (key, "rules"))
        {
          if (!cnetd_rules_parse (value, opts->rules, &opts->n_rules,
                                  &opts->rules_text, error))
            {
              g_prefix_error (error, "option \"rules\": ");
              return FALSE;
            }
        }
      else if (!parse_number (opts, key, g_variant_get_uint32 (value), error))
        return FALSE;
    }
  if (opts->headroom + CNETD_XDP_PACKET_HEADROOM >= opts->frame_size)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "option \"headroom\": %u bytes leave no room in a "
                   "%u-byte frame (the kernel keeps %u of it)",
                   opts->headroom, opts->frame_size, CNETD_XDP_PACKET_HEADROOM);
      return FALSE;
    }
  return TRUE;
}
