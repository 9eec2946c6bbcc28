/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lease side of a port on a socket leased from cnetd: the guard,
 * lease-ended, and the counters and rules that live in cnetd.
 */
#include "config.h"

#include <gio/gio.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-dbus.h"
#include "cnet-error.h"
#include "cnet-match.h"
#include "cnet-mempool-private.h"
#include "cnet-port-private.h"

/* A socket from cnetd, bound, with its UMEM and rings: map the rings and
 * fill; cnetd steers to it when the client activates the lease. No XDP
 * program here: the interface may not even be visible in this process's
 * namespace. */
gboolean
cnet_port_init_leased (CnetPort *self, GError **error)
{
  self->fd = self->leased_fd;
  self->leased_fd = -1;
  if (!cnet_port_setup_rings (self, -1, error))
    return FALSE;
  cnet_port_start (self);
  return TRUE;
}

static void
cnet_port_set_lease_ended_error (CnetPort *port, GError **error)
{
  g_set_error (error, CNET_ERROR, CNET_ERROR_LEASE_ENDED,
               "%s queue %u: the lease from cnetd has ended (released, the "
               "interface went, or cnetd stopped); the port can no longer "
               "receive or send",
               port->interface, port->queue);
}

/* The lease ended: say so once, to every listener. */
static void
cnet_port_lease_ended (CnetPort *port)
{
  g_autoptr (GError) error = NULL;

  if (__atomic_exchange_n (&port->lease_ended, 1, __ATOMIC_ACQ_REL))
    return;
  g_debug ("%s queue %u: the lease has ended", port->interface, port->queue);
  cnet_port_set_lease_ended_error (port, &error);
  g_signal_emit_by_name (port, "lease-ended", error);
}

gboolean
cnet_port_check_lease (CnetPort *port, GError **error)
{
  struct pollfd pfd = { .fd = port->guard_fd, .events = 0 };

  if (port->guard_fd < 0)
    return TRUE;
  if (!__atomic_load_n (&port->lease_ended, __ATOMIC_ACQUIRE) &&
      poll (&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)))
    cnet_port_lease_ended (port);
  if (__atomic_load_n (&port->lease_ended, __ATOMIC_ACQUIRE))
    {
      cnet_port_set_lease_ended_error (port, error);
      return FALSE;
    }
  return TRUE;
}

int
cnet_port_get_guard_fd (CnetPort *port)
{
  return port->guard_fd;
}

/* The XDP counters from the reply to Properties.Get (Lease, "Stats"). */
static void
cnet_port_apply_lease_stats (CnetPortStats *stats, GVariant *reply)
{
  g_autoptr (GVariant) counters = NULL;
  char key[32];

  g_variant_get (reply, "(v)", &counters);
  if (!g_variant_is_of_type (counters, G_VARIANT_TYPE ("a{st}")))
    return;
  g_variant_lookup (counters, "xdp_redirected", "t", &stats->xdp_redirected);
  g_variant_lookup (counters, "xdp_passed", "t", &stats->xdp_passed);
  g_variant_lookup (counters, "xdp_dropped", "t", &stats->xdp_dropped);
  for (guint i = 0; i < MIN (stats->n_rules, CNET_MATCH_MAX_RULES); i++)
    {
      g_snprintf (key, sizeof key, "rule%u_hits", i);
      g_variant_lookup (counters, key, "t", &stats->rule_hits[i]);
    }
}

/* A failed Stats call: when the lease ended meanwhile, that is the error
 * to report; else cnetd's, without the D-Bus decoration. */
static void
cnet_port_lease_stats_failed (CnetPort *port, GError **error,
                              GError *call_error)
{
  g_autoptr (GError) owned = call_error;

  if (!g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !cnet_port_check_lease (port, error))
    return;
  g_dbus_error_strip_remote_error (owned);
  g_propagate_error (error, g_steal_pointer (&owned));
}

static GVariant *
cnet_port_lease_stats_args (void)
{
  return g_variant_new ("(ss)", CNET_DBUS_INTERFACE_LEASE, "Stats");
}

/* A leased port's XDP counters live in cnetd: read the lease's Stats, one
 * property, one round trip (cnetd reads the counters as it answers). The
 * number of rules is the port's own: it changes them through cnetd. */
gboolean
cnet_port_get_lease_stats (CnetPort *port, CnetPortStats *stats, GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  GError *call_error = NULL;

  if (port->lease_connection == NULL)
    return TRUE; /* not active yet: nothing counted */
  reply = g_dbus_connection_call_sync (port->lease_connection, CNET_DBUS_NAME,
                                       port->lease_path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       cnet_port_lease_stats_args (),
                                       G_VARIANT_TYPE ("(v)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                                       NULL, &call_error);
  if (reply == NULL)
    {
      cnet_port_lease_stats_failed (port, error, call_error);
      return FALSE;
    }
  cnet_port_apply_lease_stats (stats, reply);
  return TRUE;
}

static void
cnet_port_lease_stats_done (GObject *source, GAsyncResult *result,
                            gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GVariant) reply = NULL;
  GError *call_error = NULL;
  GError *error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                         &call_error);
  if (reply == NULL)
    {
      cnet_port_lease_stats_failed (g_task_get_source_object (task), &error,
                                    call_error);
      g_task_return_error (task, error);
      return;
    }
  cnet_port_apply_lease_stats (g_task_get_task_data (task), reply);
  g_task_return_boolean (task, TRUE);
}

/* The asynchronous Stats call of cnet_port_get_stats_async(): fills the
 * task's data (a CnetPortStats) and returns @task, which it takes. */
void
cnet_port_get_lease_stats_async (CnetPort *port, GTask *task)
{
  g_dbus_connection_call (port->lease_connection, CNET_DBUS_NAME,
                          port->lease_path, "org.freedesktop.DBus.Properties",
                          "Get", cnet_port_lease_stats_args (),
                          G_VARIANT_TYPE ("(v)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          g_task_get_cancellable (task),
                          cnet_port_lease_stats_done, task);
}

/* A leased port's rules live in cnetd's program: ask cnetd to change
 * them (Lease.SetRules, which only the lease's owner may call). */
gboolean
cnet_port_set_lease_rules (CnetPort *port, const char *const *canonical,
                           GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!cnet_port_check_lease (port, error))
    return FALSE;
  if (port->lease_connection == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
                   "%s queue %u: the port has no XDP program of its own and "
                   "no lease whose rules could be changed",
                   port->interface, port->queue);
      return FALSE;
    }
  reply =
    g_dbus_connection_call_sync (port->lease_connection, CNET_DBUS_NAME,
                                 port->lease_path, CNET_DBUS_INTERFACE_LEASE,
                                 "SetRules",
                                 g_variant_new ("(^as)", (char **) canonical),
                                 G_VARIANT_TYPE ("()"),
                                 G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                                 &local_error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_mutex_lock (&port->rules_lock);
  g_strfreev (port->rules);
  port->rules = g_strdupv ((GStrv) canonical);
  g_mutex_unlock (&port->rules_lock);
  g_object_notify (G_OBJECT (port), "rules");
  return TRUE;
}

/* For CnetClient: a port on a socket cnetd leased and bound, with the
 * ring sizes cnetd made its rings with (fill, completion, RX, TX). Takes
 * @fd and @guard_fd, also on failure. */
CnetPort *
cnet_port_new_leased (int fd, int guard_fd, const char *interface,
                      guint ifindex, guint queue, CnetMempool *mempool,
                      gboolean need_wakeup, const guint ring_sizes[4],
                      GError **error)
{
  g_autoptr (CnetPort) port = NULL;

  port =
    g_object_new (CNET_TYPE_PORT, "interface", interface, "queue", queue,
                  "mempool", mempool, "need-wakeup", need_wakeup, "fill-size",
                  ring_sizes[0], "comp-size", ring_sizes[1], "rx-size",
                  ring_sizes[2], "tx-size", ring_sizes[3], NULL);
  port->leased_fd = fd;
  port->guard_fd = guard_fd;
  port->ifindex = ifindex;
  if (!g_initable_init (G_INITABLE (port), NULL, error))
    return NULL;
  return g_steal_pointer (&port);
}

/* For CnetClient: the lease is active; cnetd bound the socket. */
void
cnet_port_set_lease (CnetPort *port, GDBusConnection *connection,
                     const char *lease_path, CnetBindMode bind_mode,
                     const char *const *rules)
{
  g_set_object (&port->lease_connection, connection);
  g_free (port->lease_path);
  port->lease_path = g_strdup (lease_path);
  port->settings.bind_mode = bind_mode;
  g_mutex_lock (&port->rules_lock);
  g_strfreev (port->rules);
  port->rules = g_strdupv ((GStrv) rules);
  g_mutex_unlock (&port->rules_lock);
}

/* For CnetClient: what cnetd made of the socket the data path must know:
 * whether it is bound with XDP_USE_SG, and the UMEM's tx_metadata_len. */
void
cnet_port_set_lease_socket (CnetPort *port, gboolean multi_buffer,
                            CnetTxMetadataFlags tx_metadata, guint tx_meta_len)
{
  port->settings.multi_buffer = multi_buffer;
  port->settings.tx_metadata = tx_meta_len > 0 ? tx_metadata : 0;
  port->tx_meta_len = tx_meta_len;
  port->tx_min_data_off =
    tx_meta_len > 0 ? CNET_PACKET_HEADER_SIZE + tx_meta_len : 0;
}

void
cnet_port_set_lease_rx_metadata (CnetPort *port, guint flags)
{
  port->settings.rx_metadata = (CnetRxMetadataFlags) flags;
  port->rx_meta = flags != 0;
}
