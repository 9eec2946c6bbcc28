/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AcquireQueue's options (its a{sv}), read strictly: known keys, right
 * types, valid values; the rules parsed with libcnet's rule parser.
 */
#include "cnetd-build-config.h"

#include <string.h>

#include "cnetd-options.h"

void
cnetd_acquire_options_init (CnetdAcquireOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->need_wakeup = TRUE;
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
                       "busy-poll-budget, rules",
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
          g_autofree const char **rules = g_variant_get_strv (value, NULL);
          g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
          guint n = g_strv_length ((GStrv) rules);

          if (n > CNET_MATCH_MAX_RULES)
            {
              g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                           "option \"rules\": %u rules are too many; a lease "
                           "may have %u",
                           n, CNET_MATCH_MAX_RULES);
              return FALSE;
            }
          for (guint i = 0; i < n; i++)
            {
              g_autoptr (CnetMatch) match = cnet_match_new (rules[i], error);
              g_autofree char *text = NULL;

              if (match == NULL)
                {
                  g_prefix_error (error, "option \"rules\": ");
                  return FALSE;
                }
              cnet_match_to_xdp (match, &opts->rules[i]);
              text = cnet_match_to_string (match);
              g_strv_builder_add (b, text);
            }
          opts->n_rules = n;
          g_strfreev (opts->rules_text);
          opts->rules_text = g_strv_builder_end (b);
        }
      /* busy-poll-usecs and -budget are the client's socket options; cnetd
       * accepts them so one a{sv} serves both. */
    }
  return TRUE;
}
