/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AcquireQueue's options (its a{sv}), read strictly: known keys, right
 * types, valid values; the rules parsed with libcnet's rule parser.
 */
#include "cnetd-build-config.h"

#include <string.h>

#include "cnet-error.h"
#include "cnet-match-private.h"
#include "cnetd-options.h"

/* XDP_PACKET_HEADROOM: what the kernel keeps at the start of each frame. */
#define CNETD_XDP_PACKET_HEADROOM 256

void
cnetd_acquire_options_init (CnetdAcquireOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  cnet_port_settings_init (&opts->port);
  opts->frame_size = 2048;
}

void
cnetd_acquire_options_clear (CnetdAcquireOptions *opts)
{
  g_clear_pointer (&opts->rules_text, g_strfreev);
}

/* The mempool's options, which the port settings do not have. */
static gboolean
parse_umem_option (CnetdAcquireOptions *opts, const char *key, guint v,
                   GError **error)
{
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
  else
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
  return TRUE;
}

/* Parses an "as" of steering rules into the XDP program's form and their
 * canonical text (NULL for none). */
gboolean
cnetd_rules_parse (GVariant *strv, struct cnet_xdp_rule *rules, guint *n_rules,
                   GStrv *text, GError **error)
{
  g_autofree const char **strings = g_variant_get_strv (strv, NULL);

  return cnet_match_compile_rules (strings, rules, n_rules, text, NULL, error);
}

static char *
known_options (void)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    g_string_append_printf (s, "%s, ", cnet_port_setting_infos[i].name);
  g_string_append (s, "rules, frame-size, headroom");
  return g_string_free (s, FALSE);
}

/* Reads the a{sv} of AcquireQueue strictly: known keys, right types. The
 * port settings are those of libcnet's table, checked the same way. */
gboolean
cnetd_acquire_options_parse (CnetdAcquireOptions *opts, GVariant *options,
                             GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *next;

  /* Not g_variant_iter_loop(): every early return below would leak the
   * value it holds, and a client could grow cnetd with bad options. */
  g_variant_iter_init (&iter, options);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &next))
    {
      g_autoptr (GVariant) value = next;
      const CnetPortSettingInfo *info = cnet_port_setting_lookup (key);
      const char *type =
        info                         ? NULL
        : g_str_equal (key, "rules") ? "as"
        : g_str_equal (key, "frame-size") || g_str_equal (key, "headroom")
          ? "u"
          : NULL;

      if (info != NULL)
        {
          if (!cnet_port_settings_set_variant (&opts->port, info, value, error))
            return FALSE;
          continue;
        }
      if (type == NULL)
        {
          g_autofree char *known = known_options ();
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                       "option \"%s\" is unknown; known: %s", key, known);
          return FALSE;
        }
      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (type)))
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                       "option \"%s\" must be of type %s, not %s", key, type,
                       g_variant_get_type_string (value));
          return FALSE;
        }
      if (g_str_equal (key, "rules"))
        {
          if (!cnetd_rules_parse (value, opts->rules, &opts->n_rules,
                                  &opts->rules_text, error))
            {
              g_prefix_error (error, "option \"rules\": ");
              return FALSE;
            }
        }
      else if (!parse_umem_option (opts, key, g_variant_get_uint32 (value),
                                   error))
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
