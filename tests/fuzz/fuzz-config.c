/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcnet's configuration reader, both dialects (libcnet's own keys and
 * CNDP's jcfg keys; the reader tells them apart by the keys it finds):
 * any bytes, with NULs and without a final NUL, must give a CnetConfig or a
 * CNET_ERROR_INVALID_CONFIG error that names a position — never a crash,
 * a leak or a critical. A configuration that loads is read back whole.
 */
#include <cnet/cnet.h>

#include "fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_log_quietly ();
  return 0;
}

static void
read_back (CnetConfig *config)
{
  GPtrArray *all;
  const char *const *warnings;
  GVariant *options;

  (void) cnet_config_get_dialect (config);
  (void) cnet_config_get_application_name (config);
  (void) cnet_config_get_application_description (config);
  all = cnet_config_get_mempools (config);
  for (guint i = 0; i < all->len; i++)
    {
      CnetMempoolSpec *spec = g_ptr_array_index (all, i);
      g_assert (cnet_config_lookup_mempool (config, cnet_mempool_spec_get_name (
                                                      spec)) == spec);
    }
  all = cnet_config_get_ports (config);
  for (guint i = 0; i < all->len; i++)
    {
      CnetPortSpec *spec = g_ptr_array_index (all, i);
      g_assert (cnet_config_lookup_port (config, cnet_port_spec_get_name (
                                                   spec)) == spec);
      g_assert (cnet_port_spec_get_interface (spec) != NULL);
    }
  all = cnet_config_get_threads (config);
  for (guint i = 0; i < all->len; i++)
    {
      CnetThreadSpec *spec = g_ptr_array_index (all, i);
      g_assert (cnet_config_lookup_thread (config, cnet_thread_spec_get_name (
                                                     spec)) == spec);
    }
  options = cnet_config_get_options (config);
  if (options != NULL)
    g_free (g_variant_print (options, TRUE));
  warnings = cnet_config_get_warnings (config);
  for (guint i = 0; warnings != NULL && warnings[i] != NULL; i++)
    g_assert (*warnings[i] != '\0');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;

  if (size > 1 << 16)
    return 0;
  config = cnet_config_new_from_data ((const char *) data, (gssize) size,
                                      "fuzz.jsonc", &error);
  if (config == NULL)
    {
      g_assert (g_error_matches (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG));
      g_assert (g_str_has_prefix (error->message, "fuzz.jsonc:"));
      return 0;
    }
  read_back (config);
  return 0;
}
