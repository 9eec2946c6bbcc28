/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "cnet-port-stats.h"

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
