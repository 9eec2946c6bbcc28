/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetctl: the operator's command line for cnetd, as fwupdmgr is fwupd's.
 * It talks to cnetd only through libcnet's public client API (CnetClient):
 * it is the proof that the API is enough. docs/cnetctl.scd is its manual.
 */
#include <locale.h>
#include <stdio.h>
#include <unistd.h>

#include "cnetctl.h"

CnetctlOptions cnetctl_opts = {
  .interval = 1.0,
  .queue = -1,
  .snaplen = 0,
};

const char *
cnetctl_bold (void)
{
  return cnetctl_opts.color ? "\033[1m" : "";
}

const char *
cnetctl_green (void)
{
  return cnetctl_opts.color ? "\033[32m" : "";
}

const char *
cnetctl_red (void)
{
  return cnetctl_opts.color ? "\033[31m" : "";
}

const char *
cnetctl_dim (void)
{
  return cnetctl_opts.color ? "\033[2m" : "";
}

const char *
cnetctl_reset (void)
{
  return cnetctl_opts.color ? "\033[0m" : "";
}

/* Prints @error (which names the thing and the cause) and gives exit
 * code 1. */
int
cnetctl_fail (GError *error)
{
  g_printerr ("%scnetctl:%s %s\n", cnetctl_red (), cnetctl_reset (),
              error->message);
  return CNETCTL_EXIT_ERROR;
}

int
cnetctl_usage (const char *fmt, ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  g_printerr ("cnetctl: %s\nTry \"cnetctl --help\".\n", msg);
  return CNETCTL_EXIT_USAGE;
}

void
cnetctl_print_json (JsonNode *node, gboolean pretty)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_pretty (gen, pretty);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
  fflush (stdout);
}

/* "RxQueues" -> "rx_queues", "MAC" -> "mac", "ZeroCopy" -> "zero_copy". */
char *
cnetctl_snake_case (const char *name)
{
  GString *s = g_string_new (NULL);

  for (const char *p = name; *p != '\0'; p++)
    {
      if (g_ascii_isupper (*p) && p != name &&
          (g_ascii_islower (p[-1]) ||
           (g_ascii_isupper (p[-1]) && g_ascii_islower (p[1]))))
        g_string_append_c (s, '_');
      g_string_append_c (s, g_ascii_tolower (*p));
    }
  return g_string_free (s, FALSE);
}

/* The lease number at the end of a lease's object path. */
static guint
lease_id (GVariant *info)
{
  const char *path = NULL;
  const char *slash;

  if (!g_variant_lookup (info, "Object", "&o", &path) ||
      (slash = strrchr (path, '/')) == NULL)
    return 0;
  return (guint) g_ascii_strtoull (slash + 1, NULL, 10);
}

static gboolean
is_lease (GVariant *info)
{
  const char *path = NULL;

  return g_variant_lookup (info, "Object", "&o", &path) &&
         g_str_has_prefix (path, CNET_DBUS_LEASES_PATH "/");
}

/* A client API dictionary as a JSON object with snake_case keys; a lease's
 * gets its number as "id". */
JsonNode *
cnetctl_info_to_json (GVariant *info)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GVariantIter iter;
  const char *key;
  GVariant *value;

  json_builder_begin_object (b);
  if (is_lease (info))
    {
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, lease_id (info));
    }
  g_variant_iter_init (&iter, info);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autofree char *name = cnetctl_snake_case (key);

      json_builder_set_member_name (b, name);
      json_builder_add_value (b, json_gvariant_serialize (value));
      g_variant_unref (value);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

CnetClient *
cnetctl_connect (GError **error)
{
  g_autofree char *address = g_strdup (cnetctl_opts.address);
  g_autoptr (GError) local_error = NULL;
  CnetClient *client;

  if (cnetctl_opts.session)
    {
      address =
        g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, error);
      if (address == NULL)
        return NULL;
    }
  client = cnet_client_new (address, NULL, &local_error);
  if (client == NULL)
    g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                 "cannot connect to %s: %s",
                 address ? address : "the system bus", local_error->message);
  return client;
}

/* When cnetd is not on the bus, say that rather than GDBus's words. */
static int
fail_call (GError *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    {
      g_printerr ("%scnetctl:%s cnetd (%s) is not running on %s: %s\n",
                  cnetctl_red (), cnetctl_reset (), CNET_DBUS_NAME,
                  cnetctl_opts.address   ? cnetctl_opts.address
                  : cnetctl_opts.session ? "the session bus"
                                         : "the system bus",
                  error->message);
      return CNETCTL_EXIT_ERROR;
    }
  return cnetctl_fail (error);
}

/* --- what the tables show ------------------------------------------- */

static char *
join_queues (GVariant *info, const char *key)
{
  g_autoptr (GVariant) v =
    g_variant_lookup_value (info, key, G_VARIANT_TYPE ("au"));
  GString *s = g_string_new (NULL);
  gsize n = 0;
  const guint32 *q =
    v ? g_variant_get_fixed_array (v, &n, sizeof (guint32)) : NULL;

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%s%u", i ? "," : "", q[i]);
  if (s->len == 0)
    g_string_append_c (s, '-');
  return g_string_free (s, FALSE);
}

static char *
join_strv (GVariant *info, const char *key, const char *sep)
{
  g_autofree const char **v = NULL;

  if (!g_variant_lookup (info, key, "^a&s", &v) || v[0] == NULL)
    return g_strdup ("-");
  return g_strjoinv (sep, (char **) v);
}

static const char *
lookup_s (GVariant *info, const char *key)
{
  const char *s = NULL;

  /* Strings and object paths alike. */
  if ((!g_variant_lookup (info, key, "&s", &s) &&
       !g_variant_lookup (info, key, "&o", &s)) ||
      s[0] == '\0')
    return "-";
  return s;
}

static guint32
lookup_u (GVariant *info, const char *key)
{
  guint32 u = 0;

  g_variant_lookup (info, key, "u", &u);
  return u;
}

static gboolean
lookup_b (GVariant *info, const char *key)
{
  gboolean b = FALSE;

  g_variant_lookup (info, key, "b", &b);
  return b;
}

/* Every interface's dictionary, in ifindex order. */
static GPtrArray *
all_interfaces (CnetClient *client, GError **error)
{
  g_auto (GStrv) paths = cnet_client_list_interfaces (client, NULL, error);
  g_autoptr (GPtrArray) out = NULL;

  if (paths == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr (GError) local_error = NULL;
      GVariant *info =
        cnet_client_get_interface_info (client, paths[i], NULL, &local_error);

      if (info != NULL)
        g_ptr_array_add (out, info);
      else if (!g_error_matches (local_error, CNET_ERROR, CNET_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  return g_steal_pointer (&out);
}

/* Every lease's dictionary; one that ends while being read is left out. */
static GPtrArray *
all_leases (CnetClient *client, GError **error)
{
  g_auto (GStrv) paths = cnet_client_list_leases (client, NULL, error);
  g_autoptr (GPtrArray) out = NULL;

  if (paths == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  for (guint i = 0; paths[i] != NULL; i++)
    {
      g_autoptr (GError) local_error = NULL;
      GVariant *info =
        cnet_client_get_lease_info (client, paths[i], NULL, &local_error);

      if (info != NULL)
        g_ptr_array_add (out, info);
      else if (!g_error_matches (local_error, CNET_ERROR, CNET_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  return g_steal_pointer (&out);
}

static void
print_json_array (GPtrArray *infos)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < infos->len; i++)
    json_array_add_element (array, cnetctl_info_to_json (
                                     g_ptr_array_index (infos, i)));
  json_node_take_array (node, array);
  cnetctl_print_json (node, TRUE);
}

static void
print_stats (GVariant *info, const char *indent)
{
  g_autoptr (GVariant) stats =
    g_variant_lookup_value (info, "Stats", G_VARIANT_TYPE ("a{st}"));
  GVariantIter iter;
  const char *key;
  guint64 value;

  if (stats == NULL || g_variant_n_children (stats) == 0)
    {
      g_print ("%s%s(no counters)%s\n", indent, cnetctl_dim (),
               cnetctl_reset ());
      return;
    }
  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_next (&iter, "{&st}", &key, &value))
    g_print ("%s%-26s %20" G_GUINT64_FORMAT "\n", indent, key, value);
}

/* --- commands --------------------------------------------------------- */

static int
cmd_status (CnetClient *client)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *version = cnet_client_get_version (client, NULL, &error);
  g_autoptr (GPtrArray) ifaces = NULL;
  g_autoptr (GPtrArray) leases = NULL;
  guint managed = 0, attached = 0, active = 0;
  const char *bus = cnetctl_opts.address   ? cnetctl_opts.address
                    : cnetctl_opts.session ? "session"
                                           : "system";

  if (version == NULL)
    return fail_call (error);
  if ((ifaces = all_interfaces (client, &error)) == NULL ||
      (leases = all_leases (client, &error)) == NULL)
    return fail_call (error);
  for (guint i = 0; i < ifaces->len; i++)
    {
      GVariant *info = g_ptr_array_index (ifaces, i);

      managed += lookup_b (info, "Managed");
      attached += g_strcmp0 (lookup_s (info, "AttachedXdpMode"), "-") != 0;
    }
  for (guint i = 0; i < leases->len; i++)
    active += lookup_b (g_ptr_array_index (leases, i), "Active");

  if (cnetctl_opts.json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, version);
      json_builder_set_member_name (b, "bus");
      json_builder_add_string_value (b, bus);
      json_builder_set_member_name (b, "interfaces");
      json_builder_add_int_value (b, ifaces->len);
      json_builder_set_member_name (b, "managed_interfaces");
      json_builder_add_int_value (b, managed);
      json_builder_set_member_name (b, "attached_interfaces");
      json_builder_add_int_value (b, attached);
      json_builder_set_member_name (b, "leases");
      json_builder_add_int_value (b, leases->len);
      json_builder_set_member_name (b, "active_leases");
      json_builder_add_int_value (b, active);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cnetctl_print_json (root, TRUE);
      return CNETCTL_EXIT_OK;
    }
  g_print ("%scnetd%s %s%s%s on the %s%s%s\n", cnetctl_bold (),
           cnetctl_reset (), cnetctl_green (), version, cnetctl_reset (),
           cnetctl_opts.address ? "bus at " : "", bus,
           cnetctl_opts.address ? "" : " bus");
  g_print ("interfaces: %u seen, %u managed, %u with cnetd's XDP program\n",
           ifaces->len, managed, attached);
  g_print ("leases:     %u (%u active)\n", leases->len, active);
  return CNETCTL_EXIT_OK;
}

static guint
count_leases_on (GPtrArray *leases, const char *ifname)
{
  guint n = 0;

  for (guint i = 0; leases != NULL && i < leases->len; i++)
    n += g_strcmp0 (lookup_s (g_ptr_array_index (leases, i), "Interface"),
                    ifname) == 0;
  return n;
}

static int
cmd_interfaces (CnetClient *client)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ifaces = all_interfaces (client, &error);
  g_autoptr (GPtrArray) leases = NULL;

  if (ifaces == NULL || (leases = all_leases (client, &error)) == NULL)
    return fail_call (error);
  if (cnetctl_opts.json)
    {
      print_json_array (ifaces);
      return CNETCTL_EXIT_OK;
    }
  /* 79 columns at most. */
  g_print ("%s%5s %-15s %-8s %5s %3s %-7s %-7s %6s %s%s\n", cnetctl_bold (),
           "INDEX", "NAME", "DRIVER", "MTU", "RXQ", "XDP", "MANAGED", "LEASES",
           "FREE-QUEUES", cnetctl_reset ());
  for (guint i = 0; i < ifaces->len; i++)
    {
      GVariant *info = g_ptr_array_index (ifaces, i);
      g_autofree char *free_q = join_queues (info, "FreeQueues");
      gboolean managed = lookup_b (info, "Managed");

      g_print ("%5u %-15s %-8.8s %5u %3u %-7s %s%-7s%s %6u %s\n",
               lookup_u (info, "Ifindex"), lookup_s (info, "Name"),
               lookup_s (info, "Driver"), lookup_u (info, "MTU"),
               lookup_u (info, "RxQueues"), lookup_s (info, "AttachedXdpMode"),
               managed ? cnetctl_green () : cnetctl_dim (),
               managed ? "yes" : "no", cnetctl_reset (),
               count_leases_on (leases, lookup_s (info, "Name")), free_q);
    }
  return CNETCTL_EXIT_OK;
}

static int
cmd_interface (CnetClient *client, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) info =
    cnet_client_get_interface_info (client, name, NULL, &error);
  g_autofree char *modes = NULL;
  g_autofree char *free_q = NULL;
  g_autofree char *draining = NULL;

  if (info == NULL)
    return fail_call (error);
  if (cnetctl_opts.json)
    {
      g_autoptr (JsonNode) node = cnetctl_info_to_json (info);
      cnetctl_print_json (node, TRUE);
      return CNETCTL_EXIT_OK;
    }
  modes = join_strv (info, "SupportedXdpModes", ", ");
  free_q = join_queues (info, "FreeQueues");
  draining = join_queues (info, "DrainingQueues");
  g_print ("%s%s%s (index %u)\n", cnetctl_bold (), lookup_s (info, "Name"),
           cnetctl_reset (), lookup_u (info, "Ifindex"));
  g_print ("  object:          %s\n", lookup_s (info, "Object"));
  g_print ("  MAC:             %s\n", lookup_s (info, "MAC"));
  g_print ("  driver:          %s\n", lookup_s (info, "Driver"));
  g_print ("  MTU:             %u\n", lookup_u (info, "MTU"));
  g_print ("  queues:          %u rx, %u tx\n", lookup_u (info, "RxQueues"),
           lookup_u (info, "TxQueues"));
  g_print ("  XDP modes:       %s\n", modes);
  g_print ("  cnetd's program: %s\n", lookup_s (info, "AttachedXdpMode"));
  g_print ("  zero-copy:       %s\n",
           lookup_b (info, "ZeroCopy") ? "yes" : "no");
  g_print ("  managed:         %s\n",
           lookup_b (info, "Managed") ? "yes" : "no");
  g_print ("  free queues:     %s\n", free_q);
  g_print ("  draining queues: %s\n", draining);
  g_print ("  counters:\n");
  print_stats (info, "    ");
  return CNETCTL_EXIT_OK;
}

static int
cmd_leases (CnetClient *client)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) leases = all_leases (client, &error);

  if (leases == NULL)
    return fail_call (error);
  if (cnetctl_opts.json)
    {
      print_json_array (leases);
      return CNETCTL_EXIT_OK;
    }
  g_print ("%s%5s %-13s %5s %-7s %-6s %-8s %-10s %6s %7s %s%s\n",
           cnetctl_bold (), "LEASE", "INTERFACE", "QUEUE", "KIND", "ACTIVE",
           "BIND", "OWNER", "UID", "PID", "RULES", cnetctl_reset ());
  for (guint i = 0; i < leases->len; i++)
    {
      GVariant *info = g_ptr_array_index (leases, i);
      g_autofree char *rules = join_strv (info, "Rules", ", ");
      guint32 queue = lookup_u (info, "Queue");
      g_autofree char *q = queue == CNET_DBUS_ANY_QUEUE
                             ? g_strdup ("any")
                             : g_strdup_printf ("%u", queue);
      gboolean active = lookup_b (info, "Active");

      g_print ("%5u %-13s %5s %-7s %s%-6s%s %-8s %-10s %6u %7u %s\n",
               lease_id (info), lookup_s (info, "Interface"), q,
               lookup_s (info, "Kind"), active ? cnetctl_green () : "",
               active ? "yes" : "no", cnetctl_reset (),
               lookup_s (info, "BindMode"), lookup_s (info, "Owner"),
               lookup_u (info, "Uid"), lookup_u (info, "Pid"), rules);
    }
  return CNETCTL_EXIT_OK;
}

static int
cmd_lease (CnetClient *client, const char *lease)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) info =
    cnet_client_get_lease_info (client, lease, NULL, &error);
  g_autofree char *rules = NULL;

  if (info == NULL)
    return fail_call (error);
  if (cnetctl_opts.json)
    {
      g_autoptr (JsonNode) node = cnetctl_info_to_json (info);
      cnetctl_print_json (node, TRUE);
      return CNETCTL_EXIT_OK;
    }
  rules = join_strv (info, "Rules", "\n                ");
  g_print ("%slease %u%s\n", cnetctl_bold (), lease_id (info),
           cnetctl_reset ());
  g_print ("  object:       %s\n", lookup_s (info, "Object"));
  g_print ("  kind:         %s\n", lookup_s (info, "Kind"));
  g_print ("  interface:    %s\n", lookup_s (info, "Interface"));
  if (lookup_u (info, "Queue") == CNET_DBUS_ANY_QUEUE)
    g_print ("  queue:        any\n");
  else
    g_print ("  queue:        %u\n", lookup_u (info, "Queue"));
  g_print ("  owner:        %s (uid %u, pid %u)\n", lookup_s (info, "Owner"),
           lookup_u (info, "Uid"), lookup_u (info, "Pid"));
  g_print ("  active:       %s\n", lookup_b (info, "Active") ? "yes" : "no");
  g_print ("  bind mode:    %s\n", lookup_s (info, "BindMode"));
  g_print ("  rules:        %s\n", rules);
  g_print ("  counters:\n");
  print_stats (info, "    ");
  return CNETCTL_EXIT_OK;
}

static gboolean
looks_like_lease (const char *what)
{
  return g_ascii_string_to_unsigned (what, 10, 0, G_MAXUINT32, NULL, NULL) ||
         g_str_has_prefix (what, CNET_DBUS_LEASES_PATH "/");
}

static int
cmd_stats (CnetClient *client, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ifaces = NULL;
  g_autoptr (GPtrArray) leases = NULL;

  if (what != NULL && looks_like_lease (what))
    {
      GVariant *info = cnet_client_get_lease_info (client, what, NULL, &error);
      if (info == NULL)
        return fail_call (error);
      leases =
        g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_ptr_array_add (leases, info);
      ifaces = g_ptr_array_new ();
    }
  else if (what != NULL)
    {
      GVariant *info =
        cnet_client_get_interface_info (client, what, NULL, &error);
      if (info == NULL)
        return fail_call (error);
      ifaces =
        g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_ptr_array_add (ifaces, info);
      leases = g_ptr_array_new ();
    }
  else if ((ifaces = all_interfaces (client, &error)) == NULL ||
           (leases = all_leases (client, &error)) == NULL)
    return fail_call (error);

  if (cnetctl_opts.json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "interfaces");
      json_builder_begin_object (b);
      for (guint i = 0; i < ifaces->len; i++)
        {
          GVariant *info = g_ptr_array_index (ifaces, i);
          g_autoptr (GVariant) stats =
            g_variant_lookup_value (info, "Stats", G_VARIANT_TYPE ("a{st}"));

          json_builder_set_member_name (b, lookup_s (info, "Name"));
          json_builder_add_value (b, json_gvariant_serialize (stats));
        }
      json_builder_end_object (b);
      json_builder_set_member_name (b, "leases");
      json_builder_begin_object (b);
      for (guint i = 0; i < leases->len; i++)
        {
          GVariant *info = g_ptr_array_index (leases, i);
          g_autoptr (GVariant) stats =
            g_variant_lookup_value (info, "Stats", G_VARIANT_TYPE ("a{st}"));
          char id[16];

          g_snprintf (id, sizeof id, "%u", lease_id (info));
          json_builder_set_member_name (b, id);
          json_builder_add_value (b, json_gvariant_serialize (stats));
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      cnetctl_print_json (root, TRUE);
      return CNETCTL_EXIT_OK;
    }
  for (guint i = 0; i < ifaces->len; i++)
    {
      GVariant *info = g_ptr_array_index (ifaces, i);

      g_print ("%sinterface %s%s\n", cnetctl_bold (), lookup_s (info, "Name"),
               cnetctl_reset ());
      print_stats (info, "  ");
    }
  for (guint i = 0; i < leases->len; i++)
    {
      GVariant *info = g_ptr_array_index (leases, i);

      g_print ("%slease %u%s (%s queue %u)\n", cnetctl_bold (), lease_id (info),
               cnetctl_reset (), lookup_s (info, "Interface"),
               lookup_u (info, "Queue"));
      print_stats (info, "  ");
    }
  return CNETCTL_EXIT_OK;
}

static int
cmd_release (CnetClient *client, const char *lease)
{
  g_autoptr (GError) error = NULL;

  if (!cnet_client_release_lease (client, lease, NULL, &error))
    return fail_call (error);
  if (cnetctl_opts.json)
    {
      g_autoptr (JsonNode) node =
        json_from_string ("{\"released\": true}", NULL);
      JsonObject *o = json_node_get_object (node);

      json_object_set_string_member (o, "lease", lease);
      cnetctl_print_json (node, TRUE);
    }
  else
    g_print ("lease %s released\n", lease);
  return CNETCTL_EXIT_OK;
}

/* --- main ------------------------------------------------------------- */

static const char summary[] =
  "Commands:\n"
  "  status                    cnetd's version, interfaces and leases\n"
  "  interfaces                the interfaces cnetd sees\n"
  "  interface IFACE           one interface, with its counters\n"
  "  leases                    every lease: owner, queue, rules, bind mode\n"
  "  lease N                   one lease, with its counters\n"
  "  stats [IFACE|N]           counters of everything, an interface or a "
  "lease\n"
  "  monitor [IFACE|N]         live rates every --interval seconds\n"
  "  release N                 end lease N (its owner, or root)\n"
  "  capture IFACE -w FILE     write the packets an interface receives to a\n"
  "                            pcap file; they go on to the kernel\n"
  "  check-config FILE         check a libcnet or CNDP configuration file\n"
  "\n"
  "Exit status: 0 done, 1 an error (it says what and why), 2 a usage error.\n"
  "See cnetctl(1).";

static gboolean
want_args (const char *cmd, int argc, int min, int max, int *rc)
{
  if (argc - 1 < min || argc - 1 > max)
    {
      *rc = cnetctl_usage ("%s: takes %s", cmd,
                           max == 0               ? "no argument"
                           : min == 1 && max == 1 ? "one argument"
                           : min == 0             ? "at most one argument"
                                                  : "other arguments");
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CnetClient) client = NULL;
  gboolean version = FALSE;
  const char *no_color = g_getenv ("NO_COLOR");
  const char *cmd;
  int rc = CNETCTL_EXIT_OK;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &cnetctl_opts.json,
      "Print JSON (monitor: one object per line and interval)", NULL },
    { "address", 'a', 0, G_OPTION_ARG_STRING, &cnetctl_opts.address,
      "Talk to cnetd on the bus at ADDRESS", "ADDRESS" },
    { "session", 0, 0, G_OPTION_ARG_NONE, &cnetctl_opts.session,
      "Talk to cnetd on the session bus", NULL },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &cnetctl_opts.interval,
      "monitor: seconds between updates (default 1)", "S" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &cnetctl_opts.count,
      "monitor: stop after N updates", "N" },
    { "queue", 'q', 0, G_OPTION_ARG_INT, &cnetctl_opts.queue,
      "capture: only this receive queue", "N" },
    { "rule", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &cnetctl_opts.rules,
      "capture: only packets a rule matches (repeatable)", "RULE" },
    { "packets", 'c', 0, G_OPTION_ARG_INT, &cnetctl_opts.packets,
      "capture: stop after N packets", "N" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &cnetctl_opts.duration,
      "capture: stop after S seconds", "S" },
    { "snaplen", 's', 0, G_OPTION_ARG_INT, &cnetctl_opts.snaplen,
      "capture: bytes kept of each packet (default and most: 16384)", "N" },
    { "write", 'w', 0, G_OPTION_ARG_FILENAME, &cnetctl_opts.output,
      "capture: the pcap file, or - for standard output", "FILE" },
    { "steal", 0, 0, G_OPTION_ARG_NONE, &cnetctl_opts.steal,
      "capture: through an AF_XDP lease; the packets do NOT reach the kernel",
      NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print cnetctl's version",
      NULL },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "");
  cnetctl_opts.tty = isatty (STDOUT_FILENO);
  cnetctl_opts.color =
    cnetctl_opts.tty && (no_color == NULL || *no_color == '\0');

  context = g_option_context_new ("COMMAND [ARGUMENT] - control cnetd");
  g_option_context_set_summary (context,
                                "The operator's tool for cnetd, the service "
                                "that leases AF_XDP queues.");
  g_option_context_set_description (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return cnetctl_usage ("%s", error->message);
  if (version)
    {
      g_print ("cnetctl %d.%d.%d\n", CNET_MAJOR_VERSION, CNET_MINOR_VERSION,
               CNET_MICRO_VERSION);
      return CNETCTL_EXIT_OK;
    }
  if (argc < 2)
    return cnetctl_usage ("give a command, such as \"status\"");
  if (cnetctl_opts.address != NULL && cnetctl_opts.session)
    return cnetctl_usage ("--address and --session: give one of them");
  if (cnetctl_opts.interval <= 0 || cnetctl_opts.interval > 3600)
    return cnetctl_usage ("--interval %g: give seconds, more than 0 and at "
                          "most 3600",
                          cnetctl_opts.interval);
  if (cnetctl_opts.count < 0)
    return cnetctl_usage ("--count %d: give a number of updates, 1 or more",
                          cnetctl_opts.count);

  cmd = argv[1];
  argc--;
  argv++;

  /* check-config opens nothing and needs no bus. */
  if (g_str_equal (cmd, "check-config"))
    return want_args (cmd, argc, 1, 1, &rc) ? cnetctl_check_config (argc, argv)
                                            : rc;

  if (!g_str_equal (cmd, "status") && !g_str_equal (cmd, "interfaces") &&
      !g_str_equal (cmd, "interface") && !g_str_equal (cmd, "leases") &&
      !g_str_equal (cmd, "lease") && !g_str_equal (cmd, "stats") &&
      !g_str_equal (cmd, "monitor") && !g_str_equal (cmd, "release") &&
      !g_str_equal (cmd, "capture"))
    return cnetctl_usage ("%s: no such command", cmd);

  if ((g_str_equal (cmd, "status") || g_str_equal (cmd, "interfaces") ||
       g_str_equal (cmd, "leases")) &&
      !want_args (cmd, argc, 0, 0, &rc))
    return rc;
  if ((g_str_equal (cmd, "interface") || g_str_equal (cmd, "lease") ||
       g_str_equal (cmd, "release") || g_str_equal (cmd, "capture")) &&
      !want_args (cmd, argc, 1, 1, &rc))
    return rc;
  if ((g_str_equal (cmd, "stats") || g_str_equal (cmd, "monitor")) &&
      !want_args (cmd, argc, 0, 1, &rc))
    return rc;

  if (g_str_equal (cmd, "capture") && cnetctl_opts.output == NULL)
    return cnetctl_usage ("capture: give the pcap file to write, -w FILE "
                          "(or -w - for standard output)");

  client = cnetctl_connect (&error);
  if (client == NULL)
    return cnetctl_fail (error);

  if (g_str_equal (cmd, "status"))
    return cmd_status (client);
  if (g_str_equal (cmd, "interfaces"))
    return cmd_interfaces (client);
  if (g_str_equal (cmd, "interface"))
    return cmd_interface (client, argv[1]);
  if (g_str_equal (cmd, "leases"))
    return cmd_leases (client);
  if (g_str_equal (cmd, "lease"))
    return cmd_lease (client, argv[1]);
  if (g_str_equal (cmd, "stats"))
    return cmd_stats (client, argc > 1 ? argv[1] : NULL);
  if (g_str_equal (cmd, "release"))
    return cmd_release (client, argv[1]);
  if (g_str_equal (cmd, "monitor"))
    return cnetctl_monitor (client, argc, argv);
  return cnetctl_capture (client, argc, argv);
}
