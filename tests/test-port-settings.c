/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One truth per port setting: for every row of the table in
 * libcnet/cnet-port-settings.c, a value out of its range is refused the
 * same way by all three ways to ask for it (a CnetPort property, a
 * configuration file, cnetd's AcquireQueue options), and a value in range
 * is taken by all three and read back. Nothing here needs the kernel: a
 * port checks its settings before it touches anything.
 */
#include "cnetd-build-config.h"

#include <gio/gio.h>

#include "cnet-config-private.h"
#include "cnet-error.h"
#include "cnet-mempool.h"
#include "cnet-port-settings.h"
#include "cnet-port.h"
#include "cnetd-options.h"

/* Values of @info that must be refused; 0-terminated count in *n. */
static guint
bad_values (const CnetPortSettingInfo *info, guint *values)
{
  guint n = 0;

  if (info->kind != CNET_PORT_SETTING_UINT)
    return 0;
  values[n++] = info->max + 1;
  if (info->min > 0)
    values[n++] = info->min - 1;
  if (info->flags & CNET_PORT_SETTING_POWER_OF_TWO)
    values[n++] = info->min + 1;
  return n;
}

/* A value of @info in range, other than the default. */
static guint
good_value (const CnetPortSettingInfo *info)
{
  switch (info->kind)
    {
    case CNET_PORT_SETTING_ENUM:
      return info->default_value == 0 ? 1 : 0;
    case CNET_PORT_SETTING_BOOLEAN:
      return !info->default_value;
    case CNET_PORT_SETTING_FLAGS:
      {
        /* The two lowest flags: more than one nick. */
        g_autoptr (GFlagsClass) klass = g_type_class_ref (info->enum_type ());
        guint v = 0;

        for (guint i = 0, n = 0; i < klass->n_values && n < 2; i++)
          if (klass->values[i].value != 0)
            {
              v |= klass->values[i].value;
              n++;
            }
        return v;
      }
    case CNET_PORT_SETTING_UINT:
    default:
      return info->default_value == info->max ? info->min : info->max;
    }
}

static GError *
open_port (CnetMempool *pool, const CnetPortSettingInfo *info, guint v,
           CnetPort **out)
{
  GValue value = G_VALUE_INIT;
  const char *names[] = { "interface", "mempool", info->name };
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  GError *error = NULL;
  CnetPortSettings s;
  GObject *port;

  cnet_port_settings_init (&s);
  cnet_port_settings_set (&s, info, v);
  g_value_init (&value, cnet_port_setting_value_type (info));
  cnet_port_settings_get_value (&s, info, &value);
  g_value_init (&values[0], G_TYPE_STRING);
  g_value_set_string (&values[0], "cnet-no-such0");
  g_value_init (&values[1], CNET_TYPE_MEMPOOL);
  g_value_set_object (&values[1], pool);
  values[2] = value;
  port = g_object_new_with_properties (CNET_TYPE_PORT, 3, names, values);
  for (guint i = 0; i < 3; i++)
    g_value_unset (&values[i]);
  if (!g_initable_init (G_INITABLE (port), NULL, &error))
    {
      g_object_unref (port);
      return error;
    }
  *out = CNET_PORT (port);
  return NULL;
}

static GError *
load_config (const CnetPortSettingInfo *info, const char *json_value,
             CnetConfig **out)
{
  g_autofree char *text = g_strdup_printf ("{ \"defaults\": { \"%s\": %s },\n"
                                           "  \"mempools\": { \"p\": {} },\n"
                                           "  \"ports\": { \"cnet0:0\": {} } }",
                                           info->name, json_value);
  GError *error = NULL;

  *out = cnet_config_new_from_data (text, -1, "t.jsonc", &error);
  return error;
}

static GError *
parse_options (const CnetPortSettingInfo *info, GVariant *value,
               CnetdAcquireOptions *opts)
{
  g_autoptr (GVariant) dict = NULL;
  GVariantBuilder b;
  GError *error = NULL;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", info->name, value);
  dict = g_variant_ref_sink (g_variant_builder_end (&b));
  cnetd_acquire_options_init (opts);
  cnetd_acquire_options_parse (opts, dict, &error);
  return error;
}

static GVariant *
to_variant (const CnetPortSettingInfo *info, guint v)
{
  if (info->kind == CNET_PORT_SETTING_ENUM)
    return g_variant_new_string (
      cnet_enum_to_nick (info->enum_type (), (int) v));
  if (info->kind == CNET_PORT_SETTING_BOOLEAN)
    return g_variant_new_boolean (v);
  if (info->kind == CNET_PORT_SETTING_FLAGS)
    {
      g_auto (GStrv) nicks = cnet_flags_to_nicks (info->enum_type (), v);
      return g_variant_new_strv ((const char *const *) nicks, -1);
    }
  return g_variant_new_uint32 (v);
}

static char *
to_json (const CnetPortSettingInfo *info, guint v)
{
  if (info->kind == CNET_PORT_SETTING_ENUM)
    return g_strdup_printf ("\"%s\"",
                            cnet_enum_to_nick (info->enum_type (), (int) v));
  if (info->kind == CNET_PORT_SETTING_BOOLEAN)
    return g_strdup (v ? "true" : "false");
  if (info->kind == CNET_PORT_SETTING_FLAGS)
    {
      g_auto (GStrv) nicks = cnet_flags_to_nicks (info->enum_type (), v);
      g_autofree char *joined = g_strjoinv ("\", \"", nicks);
      return g_strdup_printf ("[\"%s\"]", joined);
    }
  return g_strdup_printf ("%u", v);
}

/* Removes spaces and newlines from @s in place. */
static char *
squeeze (char *s)
{
  char *w = s;

  for (char *r = s; *r; r++)
    if (*r != ' ' && *r != '\n')
      *w++ = *r;
  *w = '\0';
  return s;
}

static void
test_out_of_range (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMempool) pool = cnet_mempool_new (256, 2048, 0, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    {
      const CnetPortSettingInfo *info = &cnet_port_setting_infos[i];
      guint values[3];
      guint n = bad_values (info, values);

      for (guint j = 0; j < n; j++)
        {
          g_autoptr (GError) port_error = NULL;
          g_autoptr (GError) config_error = NULL;
          g_autoptr (GError) options_error = NULL;
          g_autoptr (CnetConfig) config = NULL;
          g_autofree char *json = to_json (info, values[j]);
          g_autofree char *where = g_strdup_printf ("defaults.%s", info->name);
          CnetPort *port = NULL;
          CnetdAcquireOptions opts;

          g_test_message ("%s = %u", info->name, values[j]);
          port_error = open_port (pool, info, values[j], &port);
          g_assert_error (port_error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT);
          g_assert_nonnull (strstr (port_error->message, info->name));
          g_assert_null (port);

          config_error = load_config (info, json, &config);
          g_assert_error (config_error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG);
          g_assert_true (config_error != NULL &&
                         strstr (config_error->message, where) != NULL);
          g_assert_null (config);

          options_error =
            parse_options (info, to_variant (info, values[j]), &opts);
          cnetd_acquire_options_clear (&opts);
          g_assert_error (options_error, CNET_ERROR,
                          CNET_ERROR_INVALID_ARGUMENT);
          g_assert_nonnull (strstr (options_error->message, info->name));
        }
    }
}

/* A value in range: the configuration's port spec, the CnetPort property
 * and cnetd's options all hold it, and the JSON output says it. */
static void
test_in_range (void)
{
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    {
      const CnetPortSettingInfo *info = &cnet_port_setting_infos[i];
      guint v = good_value (info);
      g_autofree char *json = to_json (info, v);
      g_autofree char *member =
        g_strdup_printf ("\"%s\" : %s", info->name, json);
      g_autoptr (CnetConfig) config = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *out = NULL;
      CnetPortSpec *spec;
      CnetdAcquireOptions opts;
      GValue value = G_VALUE_INIT;

      g_test_message ("%s = %s", info->name, json);
      g_assert_no_error (load_config (info, json, &config));
      spec = cnet_config_lookup_port (config, "cnet0:0");
      g_assert_nonnull (spec);
      g_assert_cmpuint (cnet_port_settings_get (&spec->settings, info), ==, v);
      g_value_init (&value, cnet_port_setting_value_type (info));
      g_object_get_property (G_OBJECT (spec), info->name, &value);
      {
        CnetPortSettings s;

        cnet_port_settings_init (&s);
        cnet_port_settings_set_value (&s, info, &value);
        g_assert_cmpuint (cnet_port_settings_get (&s, info), ==, v);
      }
      g_value_unset (&value);
      /* Compared without white space: an array spreads over lines. */
      out = cnet_config_to_json (config);
      g_assert_nonnull (strstr (squeeze (out), squeeze (member)));

      error = parse_options (info, to_variant (info, v), &opts);
      g_assert_no_error (error);
      g_assert_cmpuint (cnet_port_settings_get (&opts.port, info), ==, v);
      cnetd_acquire_options_clear (&opts);
    }
}

/* Every setting is a property of CnetPort and of CnetPortSpec, of the
 * table's type and default. */
static void
test_properties (void)
{
  g_autoptr (GTypeClass) port_ref = g_type_class_ref (CNET_TYPE_PORT);
  g_autoptr (GTypeClass) spec_ref = g_type_class_ref (CNET_TYPE_PORT_SPEC);
  GObjectClass *port_class = G_OBJECT_CLASS (port_ref);
  GObjectClass *spec_class = G_OBJECT_CLASS (spec_ref);

  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    {
      const CnetPortSettingInfo *info = &cnet_port_setting_infos[i];
      GParamSpec *p = g_object_class_find_property (port_class, info->name);
      GParamSpec *s = g_object_class_find_property (spec_class, info->name);
      CnetPortSettings settings;
      const GValue *def;

      g_assert_nonnull (p);
      g_assert_nonnull (s);
      g_assert_true (G_PARAM_SPEC_VALUE_TYPE (p) ==
                     cnet_port_setting_value_type (info));
      g_assert_true (G_PARAM_SPEC_VALUE_TYPE (s) ==
                     cnet_port_setting_value_type (info));
      cnet_port_settings_init (&settings);
      def = g_param_spec_get_default_value (p);
      cnet_port_settings_set_value (&settings, info, def);
      g_assert_cmpuint (cnet_port_settings_get (&settings, info), ==,
                        info->default_value);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cnet/port-settings/out-of-range", test_out_of_range);
  g_test_add_func ("/cnet/port-settings/in-range", test_in_range);
  g_test_add_func ("/cnet/port-settings/properties", test_properties);
  return g_test_run ();
}
