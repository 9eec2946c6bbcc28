/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A port's counters: the CnetPortStats boxed type, and reading them,
 * synchronously or (for a port leased from cnetd, whose XDP counters are
 * a D-Bus call away) without blocking the caller.
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/if_xdp.h>
#include <string.h>
#include <sys/socket.h>

#include "cnet-port-private.h"
#include "cnet-port-stats.h"
#include "cnet-xdp-program-private.h"

G_DEFINE_BOXED_TYPE (CnetPortStats, cnet_port_stats, cnet_port_stats_copy,
                     cnet_port_stats_free)

/**
 * cnet_port_stats_copy:
 * @stats: a #CnetPortStats
 *
 * Returns: (transfer full): a copy of @stats
 *
 * Since: 1.0
 */
CnetPortStats *
cnet_port_stats_copy (const CnetPortStats *stats)
{
  g_return_val_if_fail (stats != NULL, NULL);
  return g_memdup2 (stats, sizeof *stats);
}

/**
 * cnet_port_stats_free:
 * @stats: (transfer full): a #CnetPortStats
 *
 * Frees a copy made by cnet_port_stats_copy().
 *
 * Since: 1.0
 */
void
cnet_port_stats_free (CnetPortStats *stats)
{
  g_free (stats);
}

/* The counters a port keeps itself or reads from the kernel at once: the
 * library's, the socket's XDP_STATISTICS and, when the program is its own,
 * the XDP program's. A leased port's XDP counters live in cnetd (see
 * cnet-port-lease.c). */
static gboolean
cnet_port_read_stats (CnetPort *port, CnetPortStats *stats, GError **error)
{
  struct xdp_statistics xs = { 0 };
  socklen_t len = sizeof xs;

  memset (stats, 0, sizeof *stats);
  if (!cnet_port_check_lease (port, error) ||
      !cnet_port_check_gone (port, error))
    return FALSE;
  stats->rx_packets = port->rx_packets;
  stats->rx_bytes = port->rx_bytes;
  stats->fill_ring_empty = port->fill_ring_empty;
  stats->alloc_failures = port->alloc_failures;
  stats->rx_wakeups = port->rx_wakeups;
  stats->source_dispatches =
    __atomic_load_n (&port->source_events[CNET_PORT_SOURCE_DISPATCH],
                     __ATOMIC_RELAXED);
  stats->source_wakeups =
    __atomic_load_n (&port->source_events[CNET_PORT_SOURCE_WAKEUP],
                     __ATOMIC_RELAXED);
  stats->source_sleeps =
    __atomic_load_n (&port->source_events[CNET_PORT_SOURCE_SLEEP],
                     __ATOMIC_RELAXED);
  stats->source_spins =
    __atomic_load_n (&port->source_events[CNET_PORT_SOURCE_SPIN],
                     __ATOMIC_RELAXED);

  g_mutex_lock (&port->tx_lock);
  stats->tx_packets = port->tx_packets;
  stats->tx_bytes = port->tx_bytes;
  stats->tx_completed = port->tx_completed;
  stats->tx_kicks = port->tx_kicks;
  stats->tx_kick_errors = port->tx_kick_errors;
  stats->tx_ring_full = port->tx_ring_full;
  g_mutex_unlock (&port->tx_lock);

  if (getsockopt (port->fd, SOL_XDP, XDP_STATISTICS, &xs, &len) < 0)
    return cnet_port_fail (port, error, errno,
                           "cannot read the socket's statistics");
  stats->rx_dropped = xs.rx_dropped;
  stats->rx_invalid_descs = xs.rx_invalid_descs;
  stats->tx_invalid_descs = xs.tx_invalid_descs;
  stats->rx_ring_full = xs.rx_ring_full;
  stats->rx_fill_ring_empty_descs = xs.rx_fill_ring_empty_descs;
  stats->tx_ring_empty_descs = xs.tx_ring_empty_descs;

  /* The rules the port knows are the ones its program (or cnetd's, for a
   * lease) runs: cnet_port_set_rules() changes both. */
  g_mutex_lock (&port->rules_lock);
  stats->n_rules = port->rules ? g_strv_length (port->rules) : 0;
  g_mutex_unlock (&port->rules_lock);

  if (port->prog == NULL)
    return TRUE;
  if (!cnet_xdp_program_get_queue_counters (port->prog, port->queue,
                                            &stats->xdp_redirected,
                                            &stats->xdp_passed,
                                            &stats->xdp_dropped, error))
    return FALSE;
  return cnet_xdp_program_get_rule_hits (port->prog, port->queue,
                                         stats->rule_hits, stats->n_rules,
                                         error);
}

/**
 * cnet_port_get_stats:
 * @port: a #CnetPort
 * @stats: (out caller-allocates): where to store the counters
 * @error: return location for a #GError
 *
 * Reads the port's counters: the library's own, the socket's
 * `XDP_STATISTICS` and the XDP program's counters for the port's queue.
 * The library's counters are read without stopping the data path, so a
 * snapshot taken while packets flow may be a few packets apart.
 *
 * On a port leased from cnetd the XDP program's counters live in cnetd:
 * this asks cnetd for them with one D-Bus round trip (the lease's `Stats`
 * property) and blocks until it answers. A main-loop application calls
 * cnet_port_get_stats_async() instead.
 *
 * Returns: (skip): %TRUE, or %FALSE with @error set when the kernel's
 *   counters cannot be read
 *
 * Since: 1.0
 */
gboolean
cnet_port_get_stats (CnetPort *port, CnetPortStats *stats, GError **error)
{
  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  if (!cnet_port_read_stats (port, stats, error))
    return FALSE;
  if (port->prog != NULL || port->lease_connection == NULL)
    return TRUE;
  return cnet_port_get_lease_stats (port, stats, error);
}

/**
 * cnet_port_get_stats_async:
 * @port: a #CnetPort
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async): called when the counters are read
 * @user_data: data for @callback
 *
 * Reads the port's counters like cnet_port_get_stats(), without blocking
 * the caller: the library's and the socket's counters are read at once;
 * on a port leased from cnetd, the XDP program's counters come with an
 * asynchronous D-Bus call, answered in the thread-default main context of
 * the caller. Call cnet_port_get_stats_finish() in @callback.
 *
 * Since: 1.0
 */
void
cnet_port_get_stats_async (CnetPort *port, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  CnetPortStats *stats;

  g_return_if_fail (CNET_IS_PORT (port));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (port, cancellable, callback, user_data);
  g_task_set_source_tag (task, cnet_port_get_stats_async);
  stats = g_new0 (CnetPortStats, 1);
  g_task_set_task_data (task, stats, g_free);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (!cnet_port_read_stats (port, stats, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (port->prog != NULL || port->lease_connection == NULL)
    g_task_return_boolean (task, TRUE);
  else
    cnet_port_get_lease_stats_async (port, g_steal_pointer (&task));
}

/**
 * cnet_port_get_stats_finish:
 * @port: a #CnetPort
 * @result: the #GAsyncResult given to the callback
 * @stats: (out caller-allocates): where to store the counters
 * @error: return location for a #GError
 *
 * Finishes cnet_port_get_stats_async().
 *
 * Returns: (skip): %TRUE, or %FALSE with @error set: as
 *   cnet_port_get_stats(), or %G_IO_ERROR_CANCELLED
 *
 * Since: 1.0
 */
gboolean
cnet_port_get_stats_finish (CnetPort *port, GAsyncResult *result,
                            CnetPortStats *stats, GError **error)
{
  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, port), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                          cnet_port_get_stats_async,
                        FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  memset (stats, 0, sizeof *stats);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  *stats = *(const CnetPortStats *) g_task_get_task_data (G_TASK (result));
  return TRUE;
}
