/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetConfig: bad inputs, each reported with its code, line, column, key
 * path and reason; good files of both dialects giving the expected specs.
 * Opens nothing, so it needs no root.
 */
#include <cnet/cnet.h>
#include <string.h>

typedef struct
{
  const char *name;
  const char *text;
  guint line;
  guint column;
  const char *path;
  const char *reason;
} BadCase;

static const BadCase bad_cases[] = {
  { "syntax/unclosed-comment", "{ /* x", 1, 3, "", "comment is not closed" },
  { "syntax/unclosed-comment-line-3", "{\n  // fine\n  /* open\n", 3, 3, "",
    "comment is not closed" },
  { "syntax/unclosed-string", "{\"a\": \"abc", 1, 11, "a",
    "string is not closed" },
  { "syntax/trailing-comma-object", "{\"a\": 1,}", 1, 8, "",
    "a comma before the closing bracket (JSON has none; only CNDP files "
    "may)" },
  { "syntax/trailing-comma-array", "{\"a\": [1, 2,]}", 1, 12, "a",
    "a comma before the closing bracket" },
  { "syntax/missing-colon", "{\"a\" 1}", 1, 6, "a", "expected ':'" },
  { "syntax/missing-comma", "{\"a\": 1 \"b\": 2}", 1, 9, "",
    "expected ',' or '}'" },
  { "syntax/lone-low-surrogate", "{\"application\": {\"name\": \"a\\udc00b\"}}",
    1, 29, "application.name",
    "\\uDC00 is the second half of a UTF-16 surrogate pair without the first" },
  { "syntax/lone-high-surrogate",
    "{\"application\": {\"name\": \"a\\ud83db\"}}", 1, 29, "application.name",
    "\\uD83D is the first half of a UTF-16 surrogate pair without the second" },
  { "syntax/single-quotes", "{\'a\': 1}", 1, 2, "",
    "expected a key in double quotes" },
  { "syntax/bare-word", "{\"a\": yes}", 1, 7, "a",
    "strings need double quotes" },
  { "syntax/leading-zero", "{\"a\": 012}", 1, 7, "a", "do not start with 0" },
  { "syntax/bad-escape", "{\"a\": \"x\\q\"}", 1, 10, "a",
    "\\q is not a JSON escape" },
  { "syntax/control-character", "{\"a\": \"x\ty\"}", 1, 9, "a",
    "control character 0x09" },
  { "syntax/after-the-end", "{} x", 1, 4, "",
    "after the end of the top-level object" },
  { "syntax/empty", "// nothing\n", 2, 1, "", "the configuration is empty" },
  { "syntax/not-an-object", "[1]", 1, 1, "", "must be an object" },
  { "syntax/duplicate-key", "{\"ports\": {}, \"ports\": {}}", 1, 15, "ports",
    "duplicate key" },
  { "syntax/invalid-utf8", "{\"a\": \"\xff\"}", 1, 8, "", "not valid UTF-8" },
  { "syntax/number-too-large", "{\"options\": {\"x\": 99999999999999999999}}",
    1, 19, "options.x", "does not fit in 64 bits" },
  { "syntax/comment-keeps-columns", "{ /* h\u00e9llo */ \"a\": nope }", 1, 20,
    "a", "expected a value" },
  { "syntax/slashes-in-string", "{\"a\": \"http://x\", \"b\": ?}", 1, 24, "b",
    "expected a value, found '?'" },
  { "key/unknown-section", "{\"mempool\": {}}", 1, 2, "mempool",
    "unknown key \"mempool\"" },
  { "key/unknown-port-key",
    "{\n  \"mempools\": { \"p\": {} },\n  \"ports\": {\n    \"eth0:0\": { "
    "\"mempol\": \"p\" }\n  }\n}\n",
    4, 17, "ports.\"eth0:0\".mempol", "unknown key \"mempol\"" },
  { "key/cndp-key-in-cnet-dialect", "{\"mempools\": {\"p\": {\"bufcnt\": 16}}}",
    1, 21, "mempools.p.bufcnt", "unknown key \"bufcnt\"" },
  { "key/unknown-lport-key",
    "{\"lports\": {\"eth0:0\": {\"pmd\": \"net_af_xdp\", \"qdi\": 1}}}", 1, 45,
    "lports.\"eth0:0\".qdi", "unknown key \"qdi\"" },
  { "key/mixed-dialects", "{\"umems\": {}, \"ports\": {}}", 1, 15, "ports",
    "mixes CNDP's \"umems\" with libcnet's \"ports\"" },
  { "type/frames-string", "{\"mempools\": {\"p\": {\"frames\": \"4096\"}}}", 1,
    31, "mempools.p.frames", "expected an integer (frames), found a string" },
  { "type/frames-fraction", "{\"mempools\": {\"p\": {\"frames\": 2.5}}}", 1, 31,
    "mempools.p.frames", "found a fractional number" },
  { "type/need-wakeup-string", "{\"defaults\": {\"need-wakeup\": \"yes\"}}", 1,
    30, "defaults.need-wakeup", "expected true or false, found a string" },
  { "type/application-string", "{\"application\": \"fwd\"}", 1, 17,
    "application", "expected an object, found a string" },
  { "type/options-array", "{\"options\": [1]}", 1, 13, "options",
    "expected an object, found an array" },
  { "range/frames-zero", "{\"mempools\": {\"p\": {\"frames\": 0}}}", 1, 31,
    "mempools.p.frames", "must not be zero" },
  { "range/frames-negative", "{\"mempools\": {\"p\": {\"frames\": -5}}}", 1, 31,
    "mempools.p.frames", "-5 is negative" },
  { "range/frames-too-many", "{\"mempools\": {\"p\": {\"frames\": 2000000}}}",
    1, 31, "mempools.p.frames", "2000000 is too large" },
  { "range/frame-size", "{\"mempools\": {\"p\": {\"frame-size\": 3000}}}", 1,
    35, "mempools.p.frame-size",
    "3000 bytes is not a frame size the kernel takes" },
  { "range/headroom", "{\"mempools\": {\"p\": {\"headroom\": 1000}}}", 1, 33,
    "mempools.p.headroom", "a headroom of 1000 bytes is too large" },
  { "range/xdp-mode", "{\"defaults\": {\"xdp-mode\": \"fast\"}}", 1, 27,
    "defaults.xdp-mode",
    "\"fast\" is not one of \"auto\", \"native\", \"generic\"" },
  { "range/ring-size", "{\"defaults\": {\"rx-size\": 1000}}", 1, 26,
    "defaults.rx-size", "1000 descriptors is not a ring size" },
  { "range/busy-poll-budget", "{\"defaults\": {\"busy-poll-budget\": 0}}", 1,
    35, "defaults.busy-poll-budget", "must not be zero" },
  { "range/queue", "{\"ports\": {\"eth0:0\": {\"queue\": 64}}}", 1, 32,
    "ports.\"eth0:0\".queue", "64 is too large" },
  { "range/interface-name", "{\"ports\": {\"averyveryverylongname:0\": {}}}", 1,
    12, "ports.\"averyveryverylongname:0\"",
    "longer than the kernel's 15 characters" },
  { "range/empty-mempool-name", "{\"mempools\": {\"\": {}}}", 1, 15,
    "mempools.\"\"", "a mempool needs a name" },
  { "rules/not-an-array", "{\"ports\": {\"eth0:0\": {\"rules\": \"udp\"}}}", 1,
    32, "ports.\"eth0:0\".rules",
    "expected an array of steering rules, found a string" },
  { "rules/bad-port",
    "{\"ports\": {\"eth0:0\": {\"rules\": [\"tcp dport 22\", \"udp dport "
    "0\"]}}}",
    1, 49, "ports.\"eth0:0\".rules[1]",
    "rule \"udp dport 0\": port 0 is out of range (1 to 65535)" },
  { "rules/not-a-string", "{\"ports\": {\"eth0:0\": {\"rules\": [4789]}}}", 1,
    33, "ports.\"eth0:0\".rules[0]", "expected a string" },
  { "groups/missing-queues",
    "{\"port-groups\": {\"g\": {\"interface\": \"eth0\"}}}", 1, 18,
    "port-groups.g", "missing \"queues\"" },
  { "groups/beyond-64",
    "{\"port-groups\": {\"g\": {\"interface\": \"eth0\", \"first-queue\": 60, "
    "\"queues\": 8}}}",
    1, 74, "port-groups.g.queues", "queues 60 to 67 go beyond the 64 queues" },
  { "groups/threads-not-names",
    "{\"port-groups\": {\"g\": {\"interface\": \"eth0\", \"queues\": 2, "
    "\"threads\": [1]}}}",
    1, 70, "port-groups.g.threads[0]", "expected a string" },
  { "groups/clash-with-port",
    "{\"mempools\": {\"p\": {}}, \"ports\": {\"eth0:1\": {}}, \"port-groups\": "
    "{\"g\": {\"interface\": \"eth0\", \"queues\": 2}}}",
    1, 66, "port-groups.g", "queue 1 of eth0 is already the port \"eth0:1\"" },
  { "ref/missing-mempool",
    "{\n  \"mempools\": { \"umem0\": {} },\n  \"ports\": {\n    \"eth0:0\": "
    "{\n      \"mempool\": \"umem9\"\n    }\n  }\n}\n",
    5, 18, "ports.\"eth0:0\".mempool", "no mempool named \"umem9\"" },
  { "ref/same-queue",
    "{\n  \"mempools\": { \"p\": {} },\n  \"ports\": {\n    \"a\": { "
    "\"interface\": \"eth0\", \"queue\": 1 },\n    \"b\": { \"interface\": "
    "\"eth0\", \"queue\": 1 }\n  }\n}\n",
    5, 42, "ports.b.queue", "queue 1 of eth0 is already used by port \"a\"" },
  { "ref/same-queue-from-name",
    "{\"mempools\": {\"p\": {}}, \"ports\": {\"x\": {\"interface\": \"eth0\", "
    "\"queue\": 1}, \"eth0:1\": {}}}",
    1, 75, "ports.\"eth0:1\"",
    "queue 1 of eth0 is already used by port \"x\"" },
  { "ref/thread-missing-port",
    "{\"mempools\": {\"p\": {}}, \"ports\": {\"eth0:0\": {}}, \"threads\": "
    "{\"t\": {\"ports\": [\"eth0:1\"]}}}",
    1, 78, "threads.t.ports[0]", "no port named \"eth0:1\"" },
  { "ref/port-in-two-threads",
    "{\"mempools\": {\"p\": {}}, \"ports\": {\"eth0:0\": {}}, \"threads\": "
    "{\"t\": {\"ports\": [\"eth0:0\"]}, \"u\": {\"ports\": [\"eth0:0\"]}}}",
    1, 106, "threads.u.ports[0]", "already belongs to thread \"t\"" },
  { "cndp/regions-do-not-add-up",
    "{\n  \"umems\": {\n    \"umem0\": { \"bufcnt\": 32, \"bufsz\": 2, "
    "\"regions\": [16, 8] }\n  }\n}\n",
    3, 53, "umems.umem0.regions",
    "the regions add up to 24 Ki frames, but bufcnt is 32 Ki frames" },
  { "cndp/bufsz", "{\"umems\": {\"u\": {\"bufcnt\": 1, \"bufsz\": 3}}}", 1, 40,
    "umems.u.bufsz", "3 KiB is not a frame size" },
  { "cndp/pmd",
    "{\"umems\": {\"u\": {\"bufcnt\": 1}}, \"lports\": {\"eth0:0\": {\"pmd\": "
    "\"ring\", \"qid\": 0, \"umem\": \"u\"}}}",
    1, 62, "lports.\"eth0:0\".pmd", "pmd \"ring\" is not supported" },
  { "cndp/missing-qid",
    "{\"umems\": {\"u\": {\"bufcnt\": 1}}, \"lports\": {\"eth0:0\": {\"pmd\": "
    "\"net_af_xdp\", \"umem\": \"u\"}}}",
    1, 54, "lports.\"eth0:0\"", "missing \"qid\"" },
  { "cndp/missing-umem",
    "{\"umems\": {\"u\": {\"bufcnt\": 1}}, \"lports\": {\"eth0:0\": {\"pmd\": "
    "\"net_af_xdp\", \"qid\": 0, \"umem\": \"umem9\"}}}",
    1, 94, "lports.\"eth0:0\".umem", "no umem named \"umem9\"" },
  { "cndp/region-out-of-range",
    "{\"umems\": {\"u\": {\"bufcnt\": 1, \"regions\": [1]}}, \"lports\": "
    "{\"eth0:0\": {\"pmd\": \"net_af_xdp\", \"qid\": 0, \"umem\": \"u\", "
    "\"region\": 1}}}",
    1, 125, "lports.\"eth0:0\".region", "region 1 does not exist" },
  { "cndp/rxdesc", "{\"umems\": {}, \"defaults\": {\"rxdesc\": 3}}", 1, 38,
    "defaults.rxdesc", "3072 descriptors is not a ring size" },
  { "cndp/lcore-group",
    "{\"lcore-groups\": {\"g\": [1]}, \"threads\": {\"t\": {\"group\": "
    "\"h\"}}}",
    1, 57, "threads.t.group", "no lcore group named \"h\"" },
  { "uds/relative",
    "{\"mempools\": {\"p\": {}}, \"ports\": {\"eth0:0\": {\"uds_path\": "
    "\"afxdp.sock\"}}}",
    1, 58, "ports.\"eth0:0\".uds_path", "is not an absolute path" },
  { "uds/with-rules",
    "{\"mempools\": {\"p\": {}}, \"ports\": {\"eth0:0\": {\"uds-path\": "
    "\"/a.sock\", \"rules\": [\"udp\"]}}}",
    1, 69, "ports.\"eth0:0\".rules", "takes no rules" },
  { "cndp/missing-bufcnt", "{\"umems\": {\"u\": {\"bufsz\": 2}}}", 1, 17,
    "umems.u", "missing \"bufcnt\"" },
};

/* The message is `t.jsonc:LINE:COLUMN: PATH: REASON`, without `PATH: ` for
 * errors outside any key. */
static void
test_bad (gconstpointer data)
{
  const BadCase *bc = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;
  g_autofree char *prefix = NULL;

  config = cnet_config_new_from_data (bc->text, -1, "t.jsonc", &error);
  g_assert_null (config);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG);
  prefix =
    *bc->path
      ? g_strdup_printf ("t.jsonc:%u:%u: %s: ", bc->line, bc->column, bc->path)
      : g_strdup_printf ("t.jsonc:%u:%u: ", bc->line, bc->column);
  if (!g_str_has_prefix (error->message, prefix) ||
      strstr (error->message + strlen (prefix), bc->reason) == NULL)
    g_error ("%s: got \"%s\", expected \"%s...%s...\"", bc->name,
             error->message, prefix, bc->reason);
}

/* Nested deeper than the limit: refused where the limit is crossed. */
static void
test_bad_too_deep (void)
{
  g_autoptr (GString) text = g_string_new ("{\"a\": ");
  g_autoptr (GString) path = g_string_new ("a");
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;
  g_autofree char *prefix = NULL;

  for (guint i = 0; i < 40; i++)
    g_string_append_c (text, '[');
  /* The root object is depth 0 and "a" depth 1, at column 7: the value at
   * depth 33 is the 33rd bracket, 32 elements into "a". */
  for (guint i = 0; i < 32; i++)
    g_string_append (path, "[0]");
  config = cnet_config_new_from_data (text->str, -1, "t.jsonc", &error);
  g_assert_null (config);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG);
  prefix = g_strdup_printf ("t.jsonc:1:39: %s: nested more than 32 levels deep",
                            path->str);
  g_assert_cmpstr (error->message, ==, prefix);
}

/* A NUL byte inside the given length is not the end of the text. */
static void
test_bad_nul (void)
{
  static const char text[] = "{\"a\": 1,\0 \"b\": 2}";
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;

  config = cnet_config_new_from_data (text, sizeof text - 1, NULL, &error);
  g_assert_null (config);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "<string>:1:9: "));
  g_assert_nonnull (strstr (error->message, "has a NUL byte"));
}

/* No text at all, given as NULL: an error, not undefined behaviour (found
 * by fuzz-config under UBSan: NULL + 0 in the comment stripper). */
static void
test_bad_null (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;

  config = cnet_config_new_from_data (NULL, 0, "t.jsonc", &error);
  g_assert_null (config);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "the configuration is empty"));
}

/* The example of the documentation, from a file: the message names the
 * file as given. */
static void
test_bad_file (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "config",
                                                 "missing-mempool.jsonc", NULL);
  g_autofree char *expect = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;

  config = cnet_config_new_from_file (path, &error);
  g_assert_null (config);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_INVALID_CONFIG);
  expect = g_strdup_printf ("%s:8:18: ports.\"eth0:0\".mempool: no mempool "
                            "named \"umem9\"",
                            path);
  g_assert_cmpstr (error->message, ==, expect);
}

static void
test_missing_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = NULL;

  config = cnet_config_new_from_file ("/nonexistent/fwd.jsonc", &error);
  g_assert_null (config);
  g_assert_error (error, CNET_ERROR, CNET_ERROR_NOT_FOUND);
  g_assert_true (
    g_str_has_prefix (error->message, "/nonexistent/fwd.jsonc: cannot read"));
}

static CnetConfig *
load_data_file (const char *name)
{
  g_autofree char *path =
    g_test_build_filename (G_TEST_DIST, "..", "data", name, NULL);
  g_autoptr (GError) error = NULL;
  CnetConfig *config = cnet_config_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

static void
test_good_echo (void)
{
  g_autoptr (CnetConfig) config = load_data_file ("echo.jsonc");
  CnetMempoolSpec *pool;
  CnetPortSpec *port;
  CnetThreadSpec *thread;

  g_assert_cmpint (cnet_config_get_dialect (config), ==,
                   CNET_CONFIG_DIALECT_CNET);
  g_assert_cmpstr (cnet_config_get_application_name (config), ==, "cnet-echo");
  g_assert_cmpuint (cnet_config_get_mempools (config)->len, ==, 1);
  pool = cnet_config_lookup_mempool (config, "pool0");
  g_assert_cmpuint (cnet_mempool_spec_get_n_frames (pool), ==, 4096);
  g_assert_cmpuint (cnet_mempool_spec_get_frame_size (pool), ==, 2048);
  g_assert_cmpuint (cnet_mempool_spec_get_headroom (pool), ==, 0);

  g_assert_cmpuint (cnet_config_get_ports (config)->len, ==, 1);
  port = cnet_config_lookup_port (config, "eth0:0");
  g_assert_cmpstr (cnet_port_spec_get_interface (port), ==, "eth0");
  g_assert_cmpuint (cnet_port_spec_get_queue (port), ==, 0);
  g_assert_cmpstr (cnet_port_spec_get_mempool (port), ==, "pool0");
  g_assert_cmpint (cnet_port_spec_get_xdp_mode (port), ==, CNET_XDP_MODE_AUTO);
  g_assert_cmpint (cnet_port_spec_get_bind_mode (port), ==,
                   CNET_BIND_MODE_AUTO);
  g_assert_true (cnet_port_spec_get_need_wakeup (port));
  g_assert_cmpuint (cnet_port_spec_get_busy_poll_usecs (port), ==, 0);
  g_assert_cmpuint (cnet_port_spec_get_rx_size (port), ==,
                    CNET_PORT_DEFAULT_RING_SIZE);

  thread = cnet_config_lookup_thread (config, "echo");
  g_assert_nonnull (thread);
  g_assert_cmpstrv (cnet_thread_spec_get_ports (thread),
                    ((const char *const[]){ "eth0:0", NULL }));
  g_assert_null (cnet_config_get_warnings (config)[0]);
  g_assert_cmpuint (g_variant_n_children (cnet_config_get_options (config)), ==,
                    0);
}

static void
test_good_forward (void)
{
  g_autoptr (CnetConfig) config = load_data_file ("forward.jsonc");
  g_autoptr (GVariant) burst = NULL;
  g_autoptr (GVariant) swap = NULL;
  CnetMempoolSpec *pool = cnet_config_lookup_mempool (config, "shared");
  const char *const names[] = { "lan", "wan" };

  /* The defaults apply where the mempool and ports do not say. */
  g_assert_cmpuint (cnet_mempool_spec_get_n_frames (pool), ==, 8192);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      CnetPortSpec *port = cnet_config_lookup_port (config, names[i]);
      g_autofree char *thread = g_strdup_printf ("fwd:%s", names[i]);

      g_assert_cmpstr (cnet_port_spec_get_interface (port), ==,
                       i == 0 ? "eth0" : "eth1");
      g_assert_cmpstr (cnet_port_spec_get_mempool (port), ==, "shared");
      g_assert_cmpint (cnet_port_spec_get_xdp_mode (port), ==,
                       CNET_XDP_MODE_NATIVE);
      g_assert_cmpstr (cnet_thread_spec_get_ports (
                         cnet_config_lookup_thread (config, thread))[0],
                       ==, names[i]);
    }
  burst = cnet_config_lookup_option (config, "burst");
  g_assert_true (g_variant_is_of_type (burst, G_VARIANT_TYPE_INT64));
  g_assert_cmpint (g_variant_get_int64 (burst), ==, 64);
  swap = cnet_config_lookup_option (config, "swap-macs");
  g_assert_false (g_variant_get_boolean (swap));
  g_assert_null (cnet_config_lookup_option (config, "nope"));
}

static gboolean
warnings_have (CnetConfig *config, const char *text)
{
  const char *const *w = cnet_config_get_warnings (config);

  for (guint i = 0; w[i] != NULL; i++)
    if (strstr (w[i], text) != NULL)
      return TRUE;
  return FALSE;
}

/* A file written for cndpfwd: 1024-frame units, KiB buffer sizes, regions,
 * lport names, and a warning for each key libcnet does not act on. */
static void
test_good_cndpfwd (void)
{
  g_autoptr (CnetConfig) config = load_data_file ("cndpfwd.jsonc");
  CnetMempoolSpec *umem = cnet_config_lookup_mempool (config, "umem0");
  CnetPortSpec *eth0 = cnet_config_lookup_port (config, "eth0:0");
  CnetPortSpec *eth1 = cnet_config_lookup_port (config, "eth1:0");
  const guint *regions;
  guint n_regions;

  g_assert_cmpint (cnet_config_get_dialect (config), ==,
                   CNET_CONFIG_DIALECT_CNDP);
  g_assert_cmpstr (cnet_config_get_application_name (config), ==, "cndpfwd");
  g_assert_cmpuint (cnet_mempool_spec_get_n_frames (umem), ==, 32 * 1024);
  g_assert_cmpuint (cnet_mempool_spec_get_frame_size (umem), ==, 2048);
  regions = cnet_mempool_spec_get_regions (umem, &n_regions);
  g_assert_cmpuint (n_regions, ==, 2);
  g_assert_cmpuint (regions[0], ==, 16 * 1024);
  g_assert_cmpuint (regions[1], ==, 16 * 1024);

  g_assert_cmpstr (cnet_port_spec_get_interface (eth0), ==, "eth0");
  g_assert_cmpuint (cnet_port_spec_get_queue (eth0), ==, 11);
  g_assert_cmpstr (cnet_port_spec_get_mempool (eth0), ==, "umem0");
  g_assert_cmpuint (cnet_port_spec_get_region (eth0), ==, 0);
  g_assert_cmpuint (cnet_port_spec_get_busy_poll_usecs (eth0), ==, 20);
  g_assert_cmpuint (cnet_port_spec_get_busy_poll_budget (eth0), ==, 64);
  g_assert_cmpuint (cnet_port_spec_get_rx_size (eth0), ==, 2048);
  g_assert_cmpuint (cnet_port_spec_get_tx_size (eth0), ==, 2048);
  g_assert_cmpstr (cnet_port_spec_get_description (eth0), ==, "LAN 0");

  g_assert_cmpuint (cnet_port_spec_get_queue (eth1), ==, 12);
  g_assert_cmpuint (cnet_port_spec_get_region (eth1), ==, 1);
  g_assert_cmpint (cnet_port_spec_get_xdp_mode (eth1), ==,
                   CNET_XDP_MODE_GENERIC);
  g_assert_cmpint (cnet_port_spec_get_bind_mode (eth1), ==,
                   CNET_BIND_MODE_COPY);
  g_assert_cmpstr (cnet_port_spec_get_description (eth1), ==, "LAN 1");

  g_assert_cmpuint (cnet_config_get_threads (config)->len, ==, 3);
  g_assert_cmpstr (cnet_thread_spec_get_group (
                     cnet_config_lookup_thread (config, "fwd:1")),
                   ==, "group1");
  g_assert_null (
    cnet_thread_spec_get_ports (cnet_config_lookup_thread (config, "main"))[0]);

  g_assert_true (warnings_have (config, "defaults.cache: ignored"));
  g_assert_true (warnings_have (config, "defaults.mtype: ignored"));
  g_assert_true (warnings_have (config, "umems.umem0.mtype: ignored"));
  g_assert_true (warnings_have (config, "umems.umem0.regions: not enforced"));
  g_assert_true (warnings_have (config, "lcore-groups: ignored"));
  g_assert_true (warnings_have (config, "threads.\"fwd:0\".group: kept"));
  g_assert_true (
    warnings_have (config, "threads.\"fwd:0\".idle_timeout: ignored"));
  g_assert_true (
    warnings_have (config, "threads.\"fwd:0\".intr_timeout: ignored"));
  g_assert_cmpuint (g_strv_length ((char **) cnet_config_get_warnings (config)),
                    ==, 10);
}

/* What CNDP's loader (json-c, not strict) takes and its own files have: a
 * comma before a closing bracket, and an lport in two threads (one
 * receives, the other sends, as in CNDP's distributor example). */
static void
test_good_cndp_lenient (void)
{
  const char *text =
    "{\n"
    "  \"umems\": { \"umem0\": { \"bufcnt\": 16, \"bufsz\": 2, \"mtype\": "
    "\"4KB\", \"regions\": [16,], }, },\n"
    "  \"lports\": { \"eth0:0\": { \"pmd\": \"net_af_xdp\", \"qid\": 0, "
    "\"umem\": \"umem0\", }, },\n"
    "  \"lcore-groups\": { \"initial\": [0], },\n"
    "  \"threads\": {\n"
    "    \"main\": { \"group\": \"initial\", \"description\": \"m\" },\n"
    "    \"rx:0\": { \"group\": \"initial\", \"lports\": [\"eth0:0\"] },\n"
    "    \"tx:0\": { \"group\": \"initial\", \"lports\": [\"eth0:0\",] },\n"
    "  },\n"
    "}\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config =
    cnet_config_new_from_data (text, strlen (text), "dist.jsonc", &error);

  g_assert_no_error (error);
  g_assert_cmpint (cnet_config_get_dialect (config), ==,
                   CNET_CONFIG_DIALECT_CNDP);
  g_assert_nonnull (cnet_config_lookup_port (config, "eth0:0"));
  g_assert_true (warnings_have (config, "dist.jsonc:7:"));
  g_assert_true (warnings_have (config, "is in thread \"rx:0\" too"));
}

/* Every CNDP key libcnet reads, with its mapping and its warning. */
static void
test_good_cndp_full (void)
{
  g_autofree char *path =
    g_test_build_filename (G_TEST_DIST, "config", "cndp-full.jsonc", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config = cnet_config_new_from_file (path, &error);
  g_autoptr (GVariant) list = NULL;
  CnetMempoolSpec *u1;
  CnetPortSpec *p0, *p1;
  const char *const *w;
  g_autofree char *expect = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (cnet_config_get_application_description (config), ==,
                   "every CNDP key");
  u1 = cnet_config_lookup_mempool (config, "u1");
  g_assert_cmpuint (cnet_mempool_spec_get_n_frames (u1), ==, 4096);
  g_assert_cmpuint (cnet_mempool_spec_get_frame_size (u1), ==, 4096);
  g_assert_cmpstr (cnet_mempool_spec_get_description (
                     cnet_config_lookup_mempool (config, "u0")),
                   ==, "split");

  p0 = cnet_config_lookup_port (config, "veth0:0");
  g_assert_cmpuint (cnet_port_spec_get_queue (p0), ==, 3);
  g_assert_cmpuint (cnet_port_spec_get_region (p0), ==, 1);
  g_assert_cmpuint (cnet_port_spec_get_busy_poll_usecs (p0), ==, 50);
  g_assert_cmpuint (cnet_port_spec_get_busy_poll_budget (p0), ==, 128);
  g_assert_false (cnet_port_spec_get_need_wakeup (p0));
  /* rxdesc from the umem, txdesc from the defaults. */
  g_assert_cmpuint (cnet_port_spec_get_rx_size (p0), ==, 2048);
  g_assert_cmpuint (cnet_port_spec_get_fill_size (p0), ==, 2048);
  g_assert_cmpuint (cnet_port_spec_get_tx_size (p0), ==, 4096);
  g_assert_cmpuint (cnet_port_spec_get_comp_size (p0), ==, 4096);

  p1 = cnet_config_lookup_port (config, "veth1:0");
  g_assert_cmpstr (cnet_port_spec_get_interface (p1), ==, "other1");
  g_assert_cmpuint (cnet_port_spec_get_rx_size (p1), ==, 1024);
  g_assert_cmpint (cnet_port_spec_get_xdp_mode (p1), ==, CNET_XDP_MODE_GENERIC);
  g_assert_true (cnet_port_spec_get_need_wakeup (p1));
  g_assert_cmpuint (cnet_port_spec_get_busy_poll_usecs (p1), ==, 0);
  /* uds_path is read, not warned about (docs/kubernetes.md). */
  g_assert_cmpstr (cnet_port_spec_get_uds_path (p1), ==, "/tmp/s");
  g_assert_null (cnet_port_spec_get_uds_path (p0));

  g_assert_cmpstrv (cnet_thread_spec_get_ports (
                      cnet_config_lookup_thread (config, "fwd:0")),
                    ((const char *const[]){ "veth0:0", "veth1:0", NULL }));
  list = cnet_config_lookup_option (config, "list");
  g_assert_cmpuint (g_variant_n_children (list), ==, 2);

  w = cnet_config_get_warnings (config);
  for (guint i = 0; w[i] != NULL; i++)
    g_test_message ("warning: %s", w[i]);
  /* Positions of warnings are those of their keys. */
  expect = g_strdup_printf ("%s:7:13: umems.u0.shared_umem: ignored", path);
  g_assert_true (warnings_have (config, expect));
  g_assert_true (warnings_have (config, "lports.\"veth1:0\".pmd: ignored"));
  g_assert_true (
    warnings_have (config, "lports.\"veth1:0\".unaligned_buffers: ignored"));
  g_assert_true (
    warnings_have (config, "lports.\"veth1:0\".xsk_pin_path: ignored"));
  g_assert_true (
    warnings_have (config, "lports.\"veth1:0\".busy_budget: ignored"));
  g_assert_true (warnings_have (config, "lport-groups: ignored"));
  g_assert_true (warnings_have (config, "users: ignored"));
  g_assert_true (warnings_have (config, "umems.u0.regions: not enforced"));
  g_assert_cmpuint (g_strv_length ((char **) w), ==, 8);
}

/* Comments anywhere, strings with comment markers, escapes. */
static void
test_good_comments (void)
{
  static const char text[] =
    "/* leading */ { // a\n"
    "  \"application\": { \"name\": \"a // b /* c */ \\\"d\\\" \\u00e9\" },\n"
    "  /* \"ports\": { broken */\n"
    "  \"options\": { \"k\": \"v\" } /* trailing */ }\n"
    "// done";
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config =
    cnet_config_new_from_data (text, -1, NULL, &error);
  g_autoptr (GVariant) k = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (cnet_config_get_application_name (config), ==,
                   "a // b /* c */ \"d\" \u00e9");
  k = cnet_config_lookup_option (config, "k");
  g_assert_cmpstr (g_variant_get_string (k, NULL), ==, "v");
  g_assert_cmpstr (cnet_config_get_name (config), ==, "<string>");
}

/* cnet-config --json: the result in libcnet's units, and the warnings. */
static void
test_to_json (void)
{
  g_autoptr (CnetConfig) config = load_data_file ("cndpfwd.jsonc");
  g_autofree char *json = cnet_config_to_json (config);

  g_assert_nonnull (strstr (json, "\"dialect\" : \"cndp\""));
  g_assert_nonnull (strstr (json, "\"frames\" : 32768"));
  g_assert_nonnull (strstr (json, "\"queue\" : 11"));
  g_assert_nonnull (strstr (json, "lcore-groups: ignored"));
  g_assert_nonnull (strstr (json, "\"pkt_api\" : \"xskdev\""));
}

/* A group opens a port per queue and spreads them over threads. */
static void
test_good_port_groups (void)
{
  const char *text =
    "{ \"mempools\": { \"p\": {} },\n"
    "  \"threads\": { \"w0\": { \"ports\": [\"eth1:0\"] } },\n"
    "  \"ports\": { \"eth1:0\": {} },\n"
    "  \"port-groups\": { \"rx\": { \"interface\": \"eth0\",\n"
    "      \"first-queue\": 2, \"queues\": 3, \"rx-size\": 512,\n"
    "      \"rules\": [\"udp\"], \"threads\": [\"w0\", \"w1\"] } } }\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config =
    cnet_config_new_from_data (text, -1, "t.jsonc", &error);
  CnetPortSpec *spec;

  g_assert_no_error (error);
  for (guint q = 2; q < 5; q++)
    {
      g_autofree char *name = g_strdup_printf ("eth0:%u", q);
      spec = cnet_config_lookup_port (config, name);
      g_assert_nonnull (spec);
      g_assert_cmpstr (cnet_port_spec_get_interface (spec), ==, "eth0");
      g_assert_cmpuint (cnet_port_spec_get_queue (spec), ==, q);
      g_assert_cmpstr (cnet_port_spec_get_mempool (spec), ==, "p");
      g_assert_cmpuint (cnet_port_spec_get_rx_size (spec), ==, 512);
      g_assert_cmpstrv (cnet_port_spec_get_rules (spec),
                        ((const char *const[]){ "udp", NULL }));
    }
  g_assert_null (cnet_config_lookup_port (config, "eth0:5"));
  g_assert_cmpstrv (cnet_thread_spec_get_ports (
                      cnet_config_lookup_thread (config, "w0")),
                    ((const char *const[]){ "eth1:0", "eth0:2", "eth0:4",
                                            NULL }));
  g_assert_cmpstrv (cnet_thread_spec_get_ports (
                      cnet_config_lookup_thread (config, "w1")),
                    ((const char *const[]){ "eth0:3", NULL }));
}

/* Steering rules come back in canonical form; no rules means none. */
static void
test_good_rules (void)
{
  const char *text = "{ \"mempools\": { \"p\": {} },\n"
                     "  \"ports\": { \"eth0:0\": { \"mempool\": \"p\",\n"
                     "                // only VXLAN and DNS to the port\n"
                     "                \"rules\": [\"udp  dport 4789\", \"ip "
                     "daddr 192.0.2.0/24 udp dport 53\"] },\n"
                     "             \"eth0:1\": { \"mempool\": \"p\" } } }\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetConfig) config =
    cnet_config_new_from_data (text, -1, "t.jsonc", &error);
  CnetPortSpec *spec;

  g_assert_no_error (error);
  spec = cnet_config_lookup_port (config, "eth0:0");
  g_assert_nonnull (spec);
  g_assert_cmpstrv (cnet_port_spec_get_rules (spec),
                    ((const char *const[]){
                      "udp dport 4789", "ip udp dport 53 daddr 192.0.2.0/24",
                      NULL }));
  spec = cnet_config_lookup_port (config, "eth0:1");
  g_assert_null (cnet_port_spec_get_rules (spec));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/cnet/config/bad/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad);
    }
  g_test_add_func ("/cnet/config/bad/syntax/too-deep", test_bad_too_deep);
  g_test_add_func ("/cnet/config/bad/syntax/nul-byte", test_bad_nul);
  g_test_add_func ("/cnet/config/bad/syntax/null", test_bad_null);
  g_test_add_func ("/cnet/config/bad/file", test_bad_file);
  g_test_add_func ("/cnet/config/bad/missing-file", test_missing_file);
  g_test_add_func ("/cnet/config/good/echo", test_good_echo);
  g_test_add_func ("/cnet/config/good/forward", test_good_forward);
  g_test_add_func ("/cnet/config/good/cndpfwd", test_good_cndpfwd);
  g_test_add_func ("/cnet/config/good/cndp-full", test_good_cndp_full);
  g_test_add_func ("/cnet/config/good/cndp-lenient", test_good_cndp_lenient);
  g_test_add_func ("/cnet/config/good/comments", test_good_comments);
  g_test_add_func ("/cnet/config/to-json", test_to_json);
  g_test_add_func ("/cnet/config/good/rules", test_good_rules);
  g_test_add_func ("/cnet/config/good/port-groups", test_good_port_groups);

  return g_test_run ();
}
