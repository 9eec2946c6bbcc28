/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-smoke: runs the in-kernel generator and the rx-drop case (libcnet
 * and the raw loop), and the echo case (libcnet and its ceiling, the
 * xdp-tx program) with the sink, for about a second each on a veth pair in
 * a private network namespace, and checks that frames were generated and
 * counted (received, or echoed back to the sink). No rate is asserted: the
 * machine is shared and the numbers belong to bench/run.
 *
 * The tools run as plain child processes (g_spawn, waitpid) rather than
 * GSubprocess, whose worker-thread fds would upset the namespace helper's
 * check that a test leaves no fd behind.
 */
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cnet-test-netns.h"

typedef struct
{
  GPid pid;
  FILE *out; /* its stdout */
  FILE *in;  /* its stdin, when asked for */
} Child;

static void
child_start (Child *c, gboolean want_stdin, const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  int in_fd = -1, out_fd = -1;
  char buf[256];

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                            G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &c->pid,
                            want_stdin ? &in_fd : NULL, &out_fd, NULL, &error);
  g_assert_no_error (error);
  c->out = fdopen (out_fd, "r");
  c->in = want_stdin ? fdopen (in_fd, "w") : NULL;
  /* Every tool says "ready" when it is set up. */
  g_assert_nonnull (fgets (buf, sizeof buf, c->out));
  g_assert_cmpstr (g_strstrip (buf), ==, "ready");
}

/* Waits for the child to end and returns its last line, as JSON. */
static JsonObject *
child_finish (Child *c)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  char buf[1024], last[1024] = "";
  int status;

  while (fgets (buf, sizeof buf, c->out) != NULL)
    if (buf[0] == '{')
      g_strlcpy (last, buf, sizeof last);
  fclose (c->out);
  if (c->in != NULL)
    fclose (c->in);
  g_assert_cmpint (waitpid (c->pid, &status, 0), ==, c->pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_test_message ("%s", g_strstrip (last));
  json_parser_load_from_data (parser, last, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

typedef struct
{
  const char *mode; /* rx-drop or echo */
  const char *impl;
} SmokeCase;

static void
test_case (gconstpointer data)
{
  const SmokeCase *sc = data;
  const char *impl = sc->impl;
  gboolean echo = g_str_equal (sc->mode, "echo");
  const char *bench = g_getenv ("CNET_BENCH");
  g_autoptr (JsonObject) cres = NULL;
  g_autoptr (JsonObject) gres = NULL;
  CnetTestNetns *ns;
  Child consumer = { 0 }, gen = { 0 };
  gint64 generated, received;

  if (cnet_test_skip_unless_root ())
    return;
  g_assert_nonnull (bench);
  ns = cnet_test_netns_new (1);

  {
    const char *cargv[] = { bench,    "run", "-i", ns->veth_a, "-c",
                            sc->mode, "-m",  impl, NULL };
    const char *gargv[] = { bench,        "gen",
                            "-i",         ns->veth_b,
                            "--duration", "1",
                            "--wait-go",  echo ? "--sink" : NULL,
                            NULL };

    child_start (&consumer, FALSE, cargv);
    child_start (&gen, TRUE, gargv);
  }
  /* Open the consumer's window, let the generator run for a second. */
  kill (consumer.pid, SIGUSR1);
  fputs ("go\n", gen.in);
  fflush (gen.in);
  gres = child_finish (&gen);
  g_usleep (50000);
  kill (consumer.pid, SIGTERM);
  cres = child_finish (&consumer);

  generated = json_object_get_int_member (gres, "generated");
  /* Echoed frames are counted where they arrive, by the sink. */
  received = echo ? json_object_get_int_member (gres, "returned")
                  : json_object_get_int_member (cres, "rx");
  g_assert_cmpint (generated, >, 0);
  g_assert_cmpint (received, >, 0);
  g_assert_cmpint (received, <=, generated);
  cnet_test_netns_free (ns);
}

int
main (int argc, char **argv)
{
  static const SmokeCase cases[] = {
    { "rx-drop", "libcnet" },
    { "rx-drop", "raw" },
    { "echo", "libcnet" },
    { "echo", "xdp-tx" },
  };

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/cnet/bench/%s/%s", cases[i].mode, cases[i].impl);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  return g_test_run ();
}
