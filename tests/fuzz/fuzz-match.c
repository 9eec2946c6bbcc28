/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steering-rule parser (cnet_match_new, as ports and cnetd's
 * AcquireQueue use it): any text gives a rule or a CNET_ERROR; a rule
 * that parses prints (cnet_match_to_string) as text that parses back to
 * the very same rule, and converts to the XDP program's form.
 */
#include <cnet/cnet.h>

#include "cnet-match-private.h"
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
  g_autofree char *rule = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetMatch) match = NULL;
  g_autoptr (CnetMatch) again = NULL;
  g_autoptr (CnetMatch) copy = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_again = NULL;
  struct cnet_xdp_rule x1, x2;

  if (size > 4096)
    return 0;
  rule = fuzz_strndup (data, size);
  match = cnet_match_new (rule, &error);
  if (match == NULL)
    {
      g_assert (error != NULL && error->domain == CNET_ERROR);
      return 0;
    }
  g_assert (error == NULL);

  /* Printed, it reads back as the same rule. */
  text = cnet_match_to_string (match);
  again = cnet_match_new (text, &error);
  if (again == NULL)
    g_error ("\"%s\" parses, but its printed form \"%s\" does not: %s", rule,
             text, error->message);
  text_again = cnet_match_to_string (again);
  if (!g_str_equal (text, text_again))
    g_error ("\"%s\" prints as \"%s\", which prints as \"%s\"", rule, text,
             text_again);
  memset (&x1, 0, sizeof x1);
  memset (&x2, 0, sizeof x2);
  cnet_match_to_xdp (match, &x1);
  cnet_match_to_xdp (again, &x2);
  if (memcmp (&x1, &x2, sizeof x1) != 0)
    g_error ("\"%s\" and its printed form \"%s\" steer differently", rule,
             text);
  copy = cnet_match_copy (match);
  g_assert (copy != NULL);
  return 0;
}
