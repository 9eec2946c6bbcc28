/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetctl monitor [IFACE|N]: every --interval seconds, the rates of the
 * counters cnetd publishes (an interface's link counters, a lease's socket
 * and XDP program counters), as a table that fits 80 columns and is
 * redrawn in place on a terminal, or with --json as one JSON object per
 * line and interval.
 */
#include <stdio.h>

#include "cnetctl.h"

typedef struct
{
  gint64 when;       /* monotonic, µs */
  GPtrArray *ifaces; /* a{sv} from the client API */
  GPtrArray *leases;
} Sample;

static void
sample_free (Sample *s)
{
  g_clear_pointer (&s->ifaces, g_ptr_array_unref);
  g_clear_pointer (&s->leases, g_ptr_array_unref);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sample, sample_free)

static const char *
info_s (GVariant *info, const char *key)
{
  const char *s = "";

  g_variant_lookup (info, key, "&s", &s);
  return s;
}

static guint32
info_u (GVariant *info, const char *key)
{
  guint32 u = 0;

  g_variant_lookup (info, key, "u", &u);
  return u;
}

static const char *
info_path (GVariant *info)
{
  const char *path = "";

  g_variant_lookup (info, "Object", "&o", &path);
  return path;
}

static guint
info_lease_id (GVariant *info)
{
  g_autofree char *base = g_path_get_basename (info_path (info));

  return (guint) g_ascii_strtoull (base, NULL, 10);
}

static Sample *
take_sample (CnetClient *client, const char *what, GError **error)
{
  g_autoptr (Sample) s = g_new0 (Sample, 1);
  gboolean lease_only =
    what != NULL &&
    (g_ascii_string_to_unsigned (what, 10, 0, G_MAXUINT32, NULL, NULL) ||
     g_str_has_prefix (what, CNET_DBUS_LEASES_PATH "/"));
  g_auto (GStrv) lease_paths = NULL;

  s->ifaces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  s->leases = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  if (lease_only)
    {
      GVariant *info = cnet_client_get_lease_info (client, what, NULL, error);

      if (info == NULL)
        return NULL;
      s->when = g_get_monotonic_time ();
      g_ptr_array_add (s->leases, info);
      return g_steal_pointer (&s);
    }

  if (what != NULL)
    {
      GVariant *info =
        cnet_client_get_interface_info (client, what, NULL, error);

      if (info == NULL)
        return NULL;
      g_ptr_array_add (s->ifaces, info);
    }
  else
    {
      g_auto (GStrv) paths = cnet_client_list_interfaces (client, NULL, error);

      if (paths == NULL)
        return NULL;
      for (guint i = 0; paths[i] != NULL; i++)
        {
          GVariant *info =
            cnet_client_get_interface_info (client, paths[i], NULL, NULL);
          /* Gone since listed: left out. */
          if (info != NULL)
            g_ptr_array_add (s->ifaces, info);
        }
    }
  lease_paths = cnet_client_list_leases (client, NULL, error);
  if (lease_paths == NULL)
    return NULL;
  for (guint i = 0; lease_paths[i] != NULL; i++)
    {
      GVariant *info =
        cnet_client_get_lease_info (client, lease_paths[i], NULL, NULL);

      if (info == NULL)
        continue;
      if (what != NULL && !g_str_equal (info_s (info, "Interface"), what))
        g_variant_unref (info);
      else
        g_ptr_array_add (s->leases, info);
    }
  s->when = g_get_monotonic_time ();
  return g_steal_pointer (&s);
}

static GVariant *
find_same (GPtrArray *infos, GVariant *info)
{
  for (guint i = 0; infos != NULL && i < infos->len; i++)
    if (g_str_equal (info_path (g_ptr_array_index (infos, i)),
                     info_path (info)))
      return g_ptr_array_index (infos, i);
  return NULL;
}

/* The rate of counter @key between @prev and @cur; FALSE when it cannot be
 * had (no earlier sample, or the counter went back: a new lease, say). */
static gboolean
rate_of (GVariant *prev, GVariant *cur, const char *key, double seconds,
         double *rate)
{
  g_autoptr (GVariant) ps = NULL;
  g_autoptr (GVariant) cs = NULL;
  guint64 a, b;

  if (prev == NULL)
    return FALSE;
  ps = g_variant_lookup_value (prev, "Stats", G_VARIANT_TYPE ("a{st}"));
  cs = g_variant_lookup_value (cur, "Stats", G_VARIANT_TYPE ("a{st}"));
  if (ps == NULL || cs == NULL || !g_variant_lookup (ps, key, "t", &a) ||
      !g_variant_lookup (cs, key, "t", &b) || b < a)
    return FALSE;
  *rate = (double) (b - a) / seconds;
  return TRUE;
}

/* Every counter's rate, as a JSON object. */
static JsonNode *
rates_json (GVariant *prev, GVariant *cur, double seconds)
{
  g_autoptr (GVariant) cs =
    g_variant_lookup_value (cur, "Stats", G_VARIANT_TYPE ("a{st}"));
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GVariantIter iter;
  const char *key;
  guint64 v;

  json_builder_begin_object (b);
  if (cs != NULL)
    {
      g_variant_iter_init (&iter, cs);
      while (g_variant_iter_next (&iter, "{&st}", &key, &v))
        {
          double r;

          json_builder_set_member_name (b, key);
          if (rate_of (prev, cur, key, seconds, &r))
            json_builder_add_double_value (b, r);
          else
            json_builder_add_null_value (b);
        }
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
print_json (Sample *prev, Sample *cur)
{
  double seconds = (double) (cur->when - prev->when) / G_USEC_PER_SEC;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time");
  json_builder_add_string_value (b, time);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, seconds);
  json_builder_set_member_name (b, "interfaces");
  json_builder_begin_array (b);
  for (guint i = 0; i < cur->ifaces->len; i++)
    {
      GVariant *info = g_ptr_array_index (cur->ifaces, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, info_s (info, "Name"));
      json_builder_set_member_name (b, "rates");
      json_builder_add_value (b, rates_json (find_same (prev->ifaces, info),
                                             info, seconds));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "leases");
  json_builder_begin_array (b);
  for (guint i = 0; i < cur->leases->len; i++)
    {
      GVariant *info = g_ptr_array_index (cur->leases, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, info_lease_id (info));
      json_builder_set_member_name (b, "interface");
      json_builder_add_string_value (b, info_s (info, "Interface"));
      json_builder_set_member_name (b, "queue");
      json_builder_add_int_value (b, info_u (info, "Queue"));
      json_builder_set_member_name (b, "rates");
      json_builder_add_value (b, rates_json (find_same (prev->leases, info),
                                             info, seconds));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  cnetctl_print_json (root, FALSE);
}

/* A rate in at most 8 characters: "0", "951", "12.3k", "4.56M". */
static void
format_rate (char buf[16], gboolean ok, double r)
{
  if (!ok)
    g_strlcpy (buf, "-", 16);
  else if (r < 1000)
    g_snprintf (buf, 16, "%.0f", r);
  else if (r < 1e6)
    g_snprintf (buf, 16, "%.1fk", r / 1e3);
  else if (r < 1e9)
    g_snprintf (buf, 16, "%.2fM", r / 1e6);
  else
    g_snprintf (buf, 16, "%.2fG", r / 1e9);
}

/* The columns: 14 + 8 + 9 + 8 + 9 + 7 + 7 + 8 and 7 spaces: 77. */
#define ROW "%-14.14s %8s %9s %8s %9s %7s %7s %8s\n"

static void
print_sum_row (const char *name, GVariant *prev, GVariant *cur, double seconds,
               const char *const keys[8])
{
  char cells[7][16];

  for (guint c = 0; c < 7; c++)
    {
      double total = 0;
      gboolean ok = keys[c] != NULL;

      /* A cell may add up two counters ("a+b"). */
      if (ok)
        {
          g_auto (GStrv) parts = g_strsplit (keys[c], "+", 2);

          for (guint p = 0; ok && parts[p] != NULL; p++)
            {
              double r;

              ok = rate_of (prev, cur, parts[p], seconds, &r);
              total += ok ? r : 0;
            }
        }
      format_rate (cells[c], ok, total);
    }
  g_print (ROW, name, cells[0], cells[1], cells[2], cells[3], cells[4],
           cells[5], cells[6]);
}

static void
print_table (Sample *prev, Sample *cur, int n)
{
  double seconds = (double) (cur->when - prev->when) / G_USEC_PER_SEC;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *clock = g_date_time_format (now, "%H:%M:%S");
  static const char *const iface_keys[8] = {
    "rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_dropped+tx_dropped",
    NULL,         NULL,       NULL
  };
  static const char *const capture_keys[8] = { "captured", NULL, NULL, NULL,
                                               "lost",     NULL, NULL, NULL };
  /* A lease's TX is not counted anywhere cnetd can read it. */
  static const char *const lease_keys[8] = { "xdp_redirected",
                                             "xdp_redirected_bytes",
                                             NULL,
                                             NULL,
                                             "rx_dropped+xdp_dropped",
                                             "rx_ring_full",
                                             "rx_fill_ring_empty_descs",
                                             NULL };

  if (cnetctl_opts.tty)
    g_print ("\033[H\033[2J");
  else if (n > 1)
    g_print ("\n");
  g_print ("%scnetctl monitor%s  every %g s  %s%s\n", cnetctl_bold (),
           cnetctl_reset (), cnetctl_opts.interval, clock,
           cnetctl_opts.tty ? "  (Ctrl-C ends)" : "");
  g_print ("%s" ROW "%s", cnetctl_bold (), "WHAT", "RX pkt/s", "RX B/s",
           "TX pkt/s", "TX B/s", "drop/s", "full/s", "fempty/s",
           cnetctl_reset ());
  for (guint i = 0; i < cur->ifaces->len; i++)
    {
      GVariant *info = g_ptr_array_index (cur->ifaces, i);

      print_sum_row (info_s (info, "Name"), find_same (prev->ifaces, info),
                     info, seconds, iface_keys);
    }
  for (guint i = 0; i < cur->leases->len; i++)
    {
      GVariant *info = g_ptr_array_index (cur->leases, i);
      GVariant *before = find_same (prev->leases, info);
      g_autofree const char **rules = NULL;
      const char *what =
        g_str_equal (info_s (info, "Kind"), "capture") ? "capture" : "lease";
      char name[32];

      if (info_u (info, "Queue") == CNET_DBUS_ANY_QUEUE)
        g_snprintf (name, sizeof name, " %s %u", what, info_lease_id (info));
      else
        g_snprintf (name, sizeof name, " %s %u q%u", what, info_lease_id (info),
                    info_u (info, "Queue"));
      /* A capture's row: frames copied, and lost to a full ring. */
      print_sum_row (name, before, info, seconds,
                     g_str_equal (info_s (info, "Kind"), "capture")
                       ? capture_keys
                       : lease_keys);
      if (!g_variant_lookup (info, "Rules", "^a&s", &rules))
        continue;
      for (guint r = 0; rules[r] != NULL; r++)
        {
          char key[32], cell[16];
          double rate = 0;
          gboolean ok;

          g_snprintf (key, sizeof key, "rule%u_hits", r);
          ok = rate_of (before, info, key, seconds, &rate);
          format_rate (cell, ok, rate);
          g_print ("%s   %-48.48s %8s hits/s%s\n", cnetctl_dim (), rules[r],
                   cell, cnetctl_reset ());
        }
    }
  fflush (stdout);
}

int
cnetctl_monitor (CnetClient *client, int argc, char **argv)
{
  const char *what = argc > 1 ? argv[1] : NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (Sample) prev = take_sample (client, what, &error);

  if (prev == NULL)
    return cnetctl_fail (error);
  for (int n = 1; cnetctl_opts.count == 0 || n <= cnetctl_opts.count; n++)
    {
      g_autoptr (Sample) cur = NULL;

      /* The interval is the point of a monitor, not a wait for an event. */
      g_usleep ((gulong) (cnetctl_opts.interval * G_USEC_PER_SEC));
      cur = take_sample (client, what, &error);
      if (cur == NULL)
        return cnetctl_fail (error);
      if (cnetctl_opts.json)
        print_json (prev, cur);
      else
        print_table (prev, cur, n);
      g_clear_pointer (&prev, sample_free);
      prev = g_steal_pointer (&cur);
    }
  return CNETCTL_EXIT_OK;
}
