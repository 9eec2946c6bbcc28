/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd's own configuration (service/cnetd-config.c): what it takes, and
 * that each error names the file, line, column and key, then the cause.
 */
#include "cnetd-build-config.h"

#include <gio/gio.h>
#include <string.h>

#include "cnet-error.h"
#include "cnetd-config.h"

static void
test_good (void)
{
  g_autoptr (GError) error = NULL;
  CnetdConfig *config = cnetd_config_load_data (
    "c.jsonc",
    "{\n"
    "  // comments are fine\n"
    "  \"interfaces\": [\"veth*\", \"eth1\"],\n"
    "  \"authorization\": \"group\", \"group\": \"nogroup\",\n"
    "  \"max-leases-per-user\": 7,\n"
    "  \"max-umem-bytes-per-user\": 1099511627776,\n"
    "  \"keep-xdp-attached\": true,\n"
    "  \"uds\": [ { \"interface\": \"eth2\", \"path\": \"/run/x.sock\",\n"
    "             \"mode\": \"0660\", \"user\": \"root\", \"shared\": true } "
    "]\n"
    "}\n",
    &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpstrv (config->interfaces,
                    ((const char *const[]){ "veth*", "eth1", NULL }));
  g_assert_cmpint (config->auth_mode, ==, CNETD_AUTH_GROUP);
  g_assert_cmpstr (config->group, ==, "nogroup");
  g_assert_cmpuint (config->max_leases_per_user, ==, 7);
  g_assert_cmpuint (config->max_umem_bytes_per_user, ==,
                    G_GUINT64_CONSTANT (1) << 40);
  g_assert_true (config->keep_xdp_attached);
  g_assert_cmpuint (config->uds->len, ==, 1);
  {
    const CnetdUdsConfig *u = g_ptr_array_index (config->uds, 0);

    g_assert_cmpstr (u->interface, ==, "eth2");
    g_assert_cmpstr (u->path, ==, "/run/x.sock");
    g_assert_cmpuint (u->mode, ==, 0660);
    g_assert_cmpint (u->uid, ==, 0);
    g_assert_cmpint (u->gid, ==, -1);
    g_assert_true (u->shared);
  }
  g_assert_true (cnetd_config_manages (config, "veth3"));
  g_assert_false (cnetd_config_manages (config, "eth0"));
  g_assert_nonnull (cnetd_config_find_uds (config, "eth2"));
  cnetd_config_free (config);
}

typedef struct
{
  const char *text;
  const char *prefix; /* file:line:column: key: */
  const char *reason; /* a part of the cause */
} BadCase;

static const BadCase bad_cases[] = {
  { "{ \"interfaces\": \"eth0\" }", "c.jsonc:1:17: interfaces: ",
    "expected an array of interface names or globs" },
  { "{ \"interfaces\": [\"eth0\", 3] }",
    "c.jsonc:1:26: interfaces[1]: ", "expected a string, found an integer" },
  { "{ \"interfaces\": [\"\"] }",
    "c.jsonc:1:18: interfaces[0]: ", "must not be empty" },
  { "{ \"interfaces\": [\"a-very-long-interface\"] }",
    "c.jsonc:1:18: interfaces[0]: ", "longer than the kernel's 15 characters" },
  { "{\n  \"authorization\": \"root\" }", "c.jsonc:2:20: authorization: ",
    "\"root\" is not one of \"polkit\", \"group\"" },
  { "{ \"group\": \"\" }", "c.jsonc:1:12: group: ", "must not be empty" },
  { "{ \"max-leases-per-user\": 0 }", "c.jsonc:1:26: max-leases-per-user: ",
    "must not be zero: expected leases from 1 to 1024" },
  { "{ \"max-leases-per-user\": 1025 }", "c.jsonc:1:26: max-leases-per-user: ",
    "1025 is too large: expected leases from 1 to 1024" },
  { "{ \"max-leases-per-user\": \"2\" }", "c.jsonc:1:26: max-leases-per-user: ",
    "expected an integer (leases), found a string" },
  { "{ \"max-umem-bytes-per-user\": 100 }",
    "c.jsonc:1:30: max-umem-bytes-per-user: ", "65536 to 2^40" },
  { "{ \"max-umem-bytes-per-user\": 1099511627777 }",
    "c.jsonc:1:30: max-umem-bytes-per-user: ", "65536 to 2^40" },
  { "{ \"keep-xdp-attached\": 1 }",
    "c.jsonc:1:24: keep-xdp-attached: ", "expected true or false" },
  { "{ \"max-leases-per-client\": 2 }",
    "c.jsonc:1:28: max-leases-per-client: ", "max-leases-per-user" },
  { "{\n\n   \"intrefaces\": [] }", "c.jsonc:3:4: intrefaces: ",
    "unknown key \"intrefaces\"; known here: interfaces," },
  { "{ \"authorization\": \"group\" }", "c.jsonc:1:20: authorization: ",
    "\"group\" authorization needs a \"group\"" },
  { "[]", "c.jsonc:1:1: ", "must be an object" },
  { "{ \"uds\": {} }", "c.jsonc:1:10: uds: ", "expected an array" },
  { "{ \"uds\": [ 1 ] }", "c.jsonc:1:12: uds[0]: ", "expected an object" },
  { "{ \"uds\": [ { \"interface\": \"eth*\", \"path\": \"/x\" } ] }",
    "c.jsonc:1:27: uds[0].interface: ", "\"eth*\" is a glob" },
  { "{ \"uds\": [ { \"interface\": \"eth1\", \"path\": \"x\" } ] }",
    "c.jsonc:1:43: uds[0].path: ", "an absolute path" },
  { "{ \"uds\": [ { \"interface\": \"eth1\", \"path\": \"/x\",\n"
    "  \"mode\": \"0999\" } ] }",
    "c.jsonc:2:11: uds[0].mode: ", "octal" },
  { "{ \"uds\": [ { \"interface\": \"eth1\", \"path\": \"/x\",\n"
    "  \"user\": \"no-such-user-here\" } ] }",
    "c.jsonc:2:11: uds[0].user: ", "the name of a user" },
  { "{ \"uds\": [ { \"interface\": \"eth1\", \"path\": \"/x\",\n"
    "  \"group\": \"no-such-group-here\" } ] }",
    "c.jsonc:2:12: uds[0].group: ", "the name of a group" },
  { "{ \"uds\": [ { \"interface\": \"eth1\", \"path\": \"/x\",\n"
    "  \"shared\": \"yes\" } ] }",
    "c.jsonc:2:13: uds[0].shared: ", "expected true or false" },
  { "{ \"uds\": [ { \"interface\": \"eth1\", \"path\": \"/x\",\n"
    "  \"mdoe\": \"0600\" } ] }",
    "c.jsonc:2:3: uds[0].mdoe: ", "unknown key \"mdoe\"; known here: " },
  { "{ \"uds\": [ { \"interface\": \"eth1\" } ] }",
    "c.jsonc:1:12: uds[0]: ", "an entry needs \"path\"" },
  { "{ \"uds\": [ { \"interface\": \"eth1\", \"path\": \"/x\" },\n"
    "           { \"interface\": \"eth1\", \"path\": \"/y\" } ] }",
    "c.jsonc:2:12: uds[1]: ", "eth1 is served by an earlier entry already" },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *bc = data;
  g_autoptr (GError) error = NULL;
  CnetdConfig *config = cnetd_config_load_data ("c.jsonc", bc->text, &error);

  g_assert_null (config);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG);
  if (!g_str_has_prefix (error->message, bc->prefix) ||
      strstr (error->message, bc->reason) == NULL)
    g_error ("for %s\n got \"%s\"\n want \"%s…%s…\"", bc->text, error->message,
             bc->prefix, bc->reason);
}

static void
test_syntax (void)
{
  g_autoptr (GError) error = NULL;
  CnetdConfig *config =
    cnetd_config_load_data ("c.jsonc", "{ \"interfaces\": [\"a\",] }", &error);

  g_assert_null (config);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "c.jsonc:1:"));
  g_assert_nonnull (strstr (error->message, "comma"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cnetd-config/good", test_good);
  g_test_add_func ("/cnetd-config/syntax", test_syntax);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/cnetd-config/bad/%u", i);

      g_test_add_data_func (name, &bad_cases[i], test_bad);
    }
  return g_test_run ();
}
