/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The table of a port's settings (cnet-port-settings.h says what reads
 * it).
 */
#include "config.h"

#include <stddef.h>

#include "cnet-enums.h"
#include "cnet-error.h"
#include "cnet-port-settings.h"
#include "cnet-port.h"

#define SETTING(field) offsetof (CnetPortSettings, field)

const CnetPortSettingInfo cnet_port_setting_infos[CNET_PORT_N_SETTINGS] = {
  { "xdp-mode", CNET_PORT_SETTING_ENUM, cnet_xdp_mode_get_type, 0, 0,
    CNET_XDP_MODE_AUTO, 0, NULL, SETTING (xdp_mode) },
  { "bind-mode", CNET_PORT_SETTING_ENUM, cnet_bind_mode_get_type, 0, 0,
    CNET_BIND_MODE_AUTO, 0, NULL, SETTING (bind_mode) },
  { "need-wakeup", CNET_PORT_SETTING_BOOLEAN, NULL, 0, 1, TRUE, 0, NULL,
    SETTING (need_wakeup) },
  /* SO_BUSY_POLL; more than a second of spinning in one call is a
   * mistake. */
  { "busy-poll-usecs", CNET_PORT_SETTING_UINT, NULL, 0, 1000000, 0, 0,
    "microseconds", SETTING (busy_poll_usecs) },
  /* SO_BUSY_POLL_BUDGET; cnetd sets it for its lessees, and a NAPI poll
   * of more than 1024 frames only delays everyone else on the CPU. */
  { "busy-poll-budget", CNET_PORT_SETTING_UINT, NULL, 1, 1024, 64, 0, "frames",
    SETTING (busy_poll_budget) },
  { "rx-size", CNET_PORT_SETTING_UINT, NULL, 64, 65536,
    CNET_PORT_DEFAULT_RING_SIZE, CNET_PORT_SETTING_POWER_OF_TWO, "descriptors",
    SETTING (rx_size) },
  { "tx-size", CNET_PORT_SETTING_UINT, NULL, 64, 65536,
    CNET_PORT_DEFAULT_RING_SIZE, CNET_PORT_SETTING_POWER_OF_TWO, "descriptors",
    SETTING (tx_size) },
  { "fill-size", CNET_PORT_SETTING_UINT, NULL, 64, 65536,
    CNET_PORT_DEFAULT_RING_SIZE, CNET_PORT_SETTING_POWER_OF_TWO, "descriptors",
    SETTING (fill_size) },
  { "comp-size", CNET_PORT_SETTING_UINT, NULL, 64, 65536,
    CNET_PORT_DEFAULT_RING_SIZE, CNET_PORT_SETTING_POWER_OF_TWO, "descriptors",
    SETTING (comp_size) },
  /* XDP_USE_SG (Linux 6.6): frames larger than a UMEM frame as chains. */
  { "multi-buffer", CNET_PORT_SETTING_BOOLEAN, NULL, 0, 1, FALSE, 0, NULL,
    SETTING (multi_buffer) },
  /* AF_XDP TX metadata (Linux 6.11 in copy mode): what packets may ask. */
  { "tx-metadata", CNET_PORT_SETTING_FLAGS, cnet_tx_metadata_flags_get_type, 0,
    0, CNET_TX_METADATA_NONE, 0, NULL, SETTING (tx_metadata) },
  /* RX metadata the XDP program writes before each frame
   * (docs/data-path.md); a port reads back what it got. */
  { "rx-metadata", CNET_PORT_SETTING_FLAGS, cnet_rx_metadata_flags_get_type, 0,
    0, CNET_RX_METADATA_NONE, 0, NULL, SETTING (rx_metadata) },
};

/* Every field is an int-sized enum, gboolean or guint. */
G_STATIC_ASSERT (sizeof (CnetXdpMode) == sizeof (guint));
G_STATIC_ASSERT (sizeof (CnetBindMode) == sizeof (guint));
G_STATIC_ASSERT (sizeof (CnetTxMetadataFlags) == sizeof (guint));
G_STATIC_ASSERT (sizeof (CnetRxMetadataFlags) == sizeof (guint));
G_STATIC_ASSERT (sizeof (gboolean) == sizeof (guint));
G_STATIC_ASSERT (sizeof (CnetPortSettings) ==
                 CNET_PORT_N_SETTINGS * sizeof (guint));

const CnetPortSettingInfo *
cnet_port_setting_lookup (const char *name)
{
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    if (g_str_equal (cnet_port_setting_infos[i].name, name))
      return &cnet_port_setting_infos[i];
  return NULL;
}

static guint *
field (CnetPortSettings *settings, const CnetPortSettingInfo *info)
{
  return (guint *) (gpointer) ((char *) settings + info->offset);
}

void
cnet_port_settings_init (CnetPortSettings *settings)
{
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    *field (settings, &cnet_port_setting_infos[i]) =
      cnet_port_setting_infos[i].default_value;
}

guint
cnet_port_settings_get (const CnetPortSettings *settings,
                        const CnetPortSettingInfo *info)
{
  return *field ((CnetPortSettings *) settings, info);
}

void
cnet_port_settings_set (CnetPortSettings *settings,
                        const CnetPortSettingInfo *info, guint value)
{
  *field (settings, info) = value;
}

char *
cnet_port_setting_describe_range (const CnetPortSettingInfo *info)
{
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      {
        g_autofree char *nicks = cnet_enum_list_nicks (info->enum_type ());
        return g_strdup_printf ("one of %s", nicks);
      }
    case CNET_PORT_SETTING_BOOLEAN:
      return g_strdup ("true or false");
    case CNET_PORT_SETTING_FLAGS:
      {
        g_autofree char *nicks = cnet_flags_list_nicks (info->enum_type ());
        return g_strdup_printf ("any of %s", nicks);
      }
    case CNET_PORT_SETTING_UINT:
    default:
      return g_strdup_printf ("%s from %u to %u",
                              info->flags & CNET_PORT_SETTING_POWER_OF_TWO
                                ? "a power of two"
                                : info->unit,
                              info->min, info->max);
    }
}

gboolean
cnet_port_setting_check (const CnetPortSettingInfo *info, guint value,
                         GError **error)
{
  g_autofree char *allowed = NULL;
  g_autoptr (GEnumClass) klass = NULL;

  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      klass = g_type_class_ref (info->enum_type ());
      if (g_enum_get_value (klass, (int) value) != NULL)
        return TRUE;
      break;
    case CNET_PORT_SETTING_BOOLEAN:
      if (value <= 1)
        return TRUE;
      break;
    case CNET_PORT_SETTING_FLAGS:
      {
        g_autoptr (GFlagsClass) fclass = g_type_class_ref (info->enum_type ());
        if ((value & ~fclass->mask) == 0)
          return TRUE;
        break;
      }
    case CNET_PORT_SETTING_UINT:
    default:
      if (value >= info->min && value <= info->max &&
          (!(info->flags & CNET_PORT_SETTING_POWER_OF_TWO) ||
           (value & (value - 1)) == 0))
        return TRUE;
      break;
    }
  allowed = cnet_port_setting_describe_range (info);
  g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
               "\"%s\": %u is not %s", info->name, value, allowed);
  return FALSE;
}

gboolean
cnet_port_settings_check (const CnetPortSettings *settings, GError **error)
{
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    {
      const CnetPortSettingInfo *info = &cnet_port_setting_infos[i];

      if (!cnet_port_setting_check (info,
                                    cnet_port_settings_get (settings, info),
                                    error))
        return FALSE;
    }
  return TRUE;
}

GParamSpec *
cnet_port_setting_pspec (const CnetPortSettingInfo *info, gboolean read_only)
{
  GParamFlags flags =
    G_PARAM_STATIC_STRINGS |
    (read_only ? G_PARAM_READABLE : G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY);

  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      return g_param_spec_enum (info->name, NULL, NULL, info->enum_type (),
                                (int) info->default_value, flags);
    case CNET_PORT_SETTING_BOOLEAN:
      return g_param_spec_boolean (info->name, NULL, NULL, info->default_value,
                                   flags);
    case CNET_PORT_SETTING_FLAGS:
      return g_param_spec_flags (info->name, NULL, NULL, info->enum_type (),
                                 info->default_value, flags);
    case CNET_PORT_SETTING_UINT:
    default:
      return g_param_spec_uint (info->name, NULL, NULL, 0, G_MAXUINT,
                                info->default_value, flags);
    }
}

GType
cnet_port_setting_value_type (const CnetPortSettingInfo *info)
{
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
    case CNET_PORT_SETTING_FLAGS:
      return info->enum_type ();
    case CNET_PORT_SETTING_BOOLEAN:
      return G_TYPE_BOOLEAN;
    case CNET_PORT_SETTING_UINT:
    default:
      return G_TYPE_UINT;
    }
}

void
cnet_port_settings_get_value (const CnetPortSettings *settings,
                              const CnetPortSettingInfo *info, GValue *value)
{
  guint v = cnet_port_settings_get (settings, info);

  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      g_value_set_enum (value, (int) v);
      break;
    case CNET_PORT_SETTING_BOOLEAN:
      g_value_set_boolean (value, (gboolean) v);
      break;
    case CNET_PORT_SETTING_FLAGS:
      g_value_set_flags (value, v);
      break;
    case CNET_PORT_SETTING_UINT:
    default:
      g_value_set_uint (value, v);
      break;
    }
}

void
cnet_port_settings_set_value (CnetPortSettings *settings,
                              const CnetPortSettingInfo *info,
                              const GValue *value)
{
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      cnet_port_settings_set (settings, info, (guint) g_value_get_enum (value));
      break;
    case CNET_PORT_SETTING_BOOLEAN:
      cnet_port_settings_set (settings, info, !!g_value_get_boolean (value));
      break;
    case CNET_PORT_SETTING_FLAGS:
      cnet_port_settings_set (settings, info, g_value_get_flags (value));
      break;
    case CNET_PORT_SETTING_UINT:
    default:
      cnet_port_settings_set (settings, info, g_value_get_uint (value));
      break;
    }
}

const char *
cnet_port_setting_dbus_type (const CnetPortSettingInfo *info)
{
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      return "s";
    case CNET_PORT_SETTING_BOOLEAN:
      return "b";
    case CNET_PORT_SETTING_FLAGS:
      return "as";
    case CNET_PORT_SETTING_UINT:
    default:
      return "u";
    }
}

static GVariant *
setting_to_variant (const CnetPortSettingInfo *info, guint v)
{
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      return g_variant_new_string (
        cnet_enum_to_nick (info->enum_type (), (int) v));
    case CNET_PORT_SETTING_BOOLEAN:
      return g_variant_new_boolean (v);
    case CNET_PORT_SETTING_FLAGS:
      {
        g_auto (GStrv) nicks = cnet_flags_to_nicks (info->enum_type (), v);
        return g_variant_new_strv ((const char *const *) nicks, -1);
      }
    case CNET_PORT_SETTING_UINT:
    default:
      return g_variant_new_uint32 (v);
    }
}

void
cnet_port_settings_to_variant (const CnetPortSettings *settings,
                               GVariantBuilder *builder)
{
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    {
      const CnetPortSettingInfo *info = &cnet_port_setting_infos[i];

      g_variant_builder_add (
        builder, "{sv}", info->name,
        setting_to_variant (info, cnet_port_settings_get (settings, info)));
    }
}

gboolean
cnet_port_settings_set_variant (CnetPortSettings *settings,
                                const CnetPortSettingInfo *info,
                                GVariant *value, GError **error)
{
  const char *type = cnet_port_setting_dbus_type (info);
  guint v;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE (type)))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "option \"%s\" must be of type %s, not %s", info->name, type,
                   g_variant_get_type_string (value));
      return FALSE;
    }
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      {
        const char *nick = g_variant_get_string (value, NULL);
        int e;

        if (!cnet_enum_from_nick (info->enum_type (), nick, &e))
          {
            g_autofree char *nicks = cnet_enum_list_nicks (info->enum_type ());
            g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                         "option \"%s\": \"%s\" is not one of %s", info->name,
                         nick, nicks);
            return FALSE;
          }
        v = (guint) e;
        break;
      }
    case CNET_PORT_SETTING_BOOLEAN:
      v = g_variant_get_boolean (value);
      break;
    case CNET_PORT_SETTING_FLAGS:
      {
        g_autofree const char **nicks = g_variant_get_strv (value, NULL);
        const char *bad = NULL;

        if (!cnet_flags_from_nicks (info->enum_type (), nicks, &v, &bad))
          {
            g_autofree char *all = cnet_flags_list_nicks (info->enum_type ());
            g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                         "option \"%s\": \"%s\" is not one of %s", info->name,
                         bad, all);
            return FALSE;
          }
        break;
      }
    case CNET_PORT_SETTING_UINT:
    default:
      v = g_variant_get_uint32 (value);
      break;
    }
  if (!cnet_port_setting_check (info, v, error))
    {
      g_prefix_error (error, "option ");
      return FALSE;
    }
  cnet_port_settings_set (settings, info, v);
  return TRUE;
}

void
cnet_port_settings_to_json (const CnetPortSettings *settings,
                            JsonBuilder *builder)
{
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    {
      const CnetPortSettingInfo *info = &cnet_port_setting_infos[i];
      guint v = cnet_port_settings_get (settings, info);

      json_builder_set_member_name (builder, info->name);
      switch (info->kind)
        {
        case CNET_PORT_SETTING_ENUM:
          json_builder_add_string_value (builder,
                                         cnet_enum_to_nick (info->enum_type (),
                                                            (int) v));
          break;
        case CNET_PORT_SETTING_BOOLEAN:
          json_builder_add_boolean_value (builder, v);
          break;
        case CNET_PORT_SETTING_FLAGS:
          {
            g_auto (GStrv) nicks = cnet_flags_to_nicks (info->enum_type (), v);

            json_builder_begin_array (builder);
            for (guint j = 0; nicks[j] != NULL; j++)
              json_builder_add_string_value (builder, nicks[j]);
            json_builder_end_array (builder);
            break;
          }
        case CNET_PORT_SETTING_UINT:
        default:
          json_builder_add_int_value (builder, v);
          break;
        }
    }
}

const char *
cnet_enum_to_nick (GType type, int value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  /* The class stays alive: GLib keeps static types' classes once made. */
  return v ? v->value_nick : "?";
}

gboolean
cnet_enum_from_nick (GType type, const char *nick, int *value)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value_by_nick (klass, nick);

  if (v == NULL)
    return FALSE;
  *value = v->value;
  return TRUE;
}

char *
cnet_enum_list_nicks (GType type)
{
  g_autoptr (GEnumClass) klass = g_type_class_ref (type);
  GString *nicks = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    g_string_append_printf (nicks, "%s%s", i ? ", " : "",
                            klass->values[i].value_nick);
  return g_string_free (nicks, FALSE);
}

gboolean
cnet_flags_from_nicks (GType type, const char *const *nicks, guint *value,
                       const char **bad)
{
  g_autoptr (GFlagsClass) klass = g_type_class_ref (type);

  *value = 0;
  for (guint i = 0; nicks != NULL && nicks[i] != NULL; i++)
    {
      GFlagsValue *v = g_flags_get_value_by_nick (klass, nicks[i]);

      if (v == NULL || v->value == 0)
        {
          if (bad != NULL)
            *bad = nicks[i];
          return FALSE;
        }
      *value |= v->value;
    }
  return TRUE;
}

GStrv
cnet_flags_to_nicks (GType type, guint value)
{
  g_autoptr (GFlagsClass) klass = g_type_class_ref (type);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < klass->n_values; i++)
    if (klass->values[i].value != 0 &&
        (value & klass->values[i].value) == klass->values[i].value)
      g_strv_builder_add (b, klass->values[i].value_nick);
  return g_strv_builder_end (b);
}

char *
cnet_flags_list_nicks (GType type)
{
  g_autoptr (GFlagsClass) klass = g_type_class_ref (type);
  GString *nicks = g_string_new (NULL);

  for (guint i = 0; i < klass->n_values; i++)
    if (klass->values[i].value != 0)
      g_string_append_printf (nicks, "%s%s", nicks->len ? ", " : "",
                              klass->values[i].value_nick);
  return g_string_free (nicks, FALSE);
}
