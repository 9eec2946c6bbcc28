/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AcquireQueue's options as cnetd reads them (cnetd_acquire_options_parse):
 * the input is the serialised a{sv} as it arrives from the bus, untrusted.
 * Any dictionary gives options or a CNET_ERROR; parsed rules fit the
 * lease's table, and each prints as a rule that parses.
 */
#include "cnet-error.h"
#include "cnet-match.h"
#include "cnetd-options.h"
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
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) options = NULL;
  g_autoptr (GBytes) bytes = NULL;
  CnetdAcquireOptions opts;

  if (size > 1 << 16)
    return 0;
  /* GDBus hands cnetd values in normal form; take the normal form of
   * whatever the bytes say, as the bus would. */
  bytes = g_bytes_new (data, size);
  options = g_variant_ref_sink (
    g_variant_new_from_bytes (G_VARIANT_TYPE ("a{sv}"), bytes, FALSE));
  {
    g_autoptr (GVariant) normal = g_variant_get_normal_form (options);
    g_variant_unref (options);
    options = g_steal_pointer (&normal);
  }

  cnetd_acquire_options_init (&opts);
  if (!cnetd_acquire_options_parse (&opts, options, &error))
    {
      g_assert (error != NULL && error->domain == CNET_ERROR);
      cnetd_acquire_options_clear (&opts);
      return 0;
    }
  g_assert (error == NULL);
  g_assert (opts.n_rules <= CNET_MATCH_MAX_RULES);
  g_assert (opts.port.xdp_mode <= CNET_XDP_MODE_GENERIC);
  g_assert (opts.port.bind_mode <= CNET_BIND_MODE_ZEROCOPY);
  for (guint i = 0; opts.rules_text != NULL && opts.rules_text[i] != NULL; i++)
    {
      g_autoptr (CnetMatch) m = cnet_match_new (opts.rules_text[i], &error);
      g_assert (m != NULL);
    }
  cnetd_acquire_options_clear (&opts);
  return 0;
}
