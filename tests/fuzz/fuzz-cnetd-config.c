/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's own configuration reader (cnetd_config_load_data): any text
 * gives a configuration or a CNET_ERROR_INVALID_CONFIG error with a
 * position; a configuration that loads is consistent (group authorization
 * names a group, the lease limit is in range, the globs are short).
 */
#include "cnetd-config.h"
#include "cnet-error.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_log_quietly ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetdConfig) config = NULL;

  if (size > 1 << 16)
    return 0;
  text = fuzz_strndup (data, size);
  config = cnetd_config_load_data ("cnetd.jsonc", text, &error);
  if (config == NULL)
    {
      g_assert (g_error_matches (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG));
      g_assert (g_str_has_prefix (error->message, "cnetd.jsonc:"));
      return 0;
    }
  g_assert (config->interfaces != NULL);
  for (guint i = 0; config->interfaces[i] != NULL; i++)
    g_assert (*config->interfaces[i] != '\0' &&
              strlen (config->interfaces[i]) <= 15);
  g_assert (config->auth_mode != CNETD_AUTH_GROUP || config->group != NULL);
  g_assert (config->max_leases_per_user >= 1 &&
            config->max_leases_per_user <= 1024);
  (void) cnetd_config_manages (config, "eth0");
  (void) cnetd_config_manages (config, text);
  return 0;
}
