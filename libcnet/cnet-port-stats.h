/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-types.h"

G_BEGIN_DECLS

/**
 * CnetPortStats:
 * @rx_packets: packets handed to the application by cnet_port_rx_burst()
 * @rx_bytes: bytes of those packets
 * @tx_packets: packets placed on the TX ring by cnet_port_tx_burst()
 * @tx_bytes: bytes of those packets
 * @tx_completed: sent packets whose frames the kernel gave back
 * @rx_dropped: kernel counter: frames dropped for other reasons than a full RX
 *   ring, such as no free frame on the fill ring
 * @rx_invalid_descs: kernel counter: invalid descriptors on the fill ring
 * @tx_invalid_descs: kernel counter: invalid descriptors on the TX ring
 * @rx_ring_full: kernel counter: frames dropped because the RX ring was full: the
 *   application did not keep up
 * @rx_fill_ring_empty_descs: kernel counter: times the kernel found the fill ring
 *   empty
 * @tx_ring_empty_descs: kernel counter: times the kernel found the TX ring empty
 *   when kicked
 * @fill_ring_empty: times cnet_port_rx_burst() found that the kernel had
 *   used up every frame on the fill ring
 * @alloc_failures: times the fill ring was half empty or worse and the
 *   mempool had no frame to refill it with: all were held by the
 *   application or in flight, or the mempool is too small for the rings
 * @rx_wakeups: times the kernel was woken to refill (need-wakeup) or
 *   busy-polled
 * @tx_kicks: `sendto()` calls that made the kernel send
 * @tx_kick_errors: kicks that failed for another reason than a busy ring
 * @tx_ring_full: packets cnet_port_tx_burst() could not place because the
 *   TX ring was full; the caller kept them
 * @xdp_redirected: XDP program counter: frames of this queue handed to a socket
 * @xdp_passed: XDP program counter: frames of this queue passed to the kernel stack
 * @xdp_dropped: XDP program counter: frames of this queue dropped as malformed
 * @n_rules: the number of steering rules the port has
 * @rule_hits: XDP program counter: frames each steering rule sent to the
 *   socket, in the order of cnet_port_get_rules(); the first @n_rules count
 * @source_dispatches: times a #GSource of the port (cnet_port_create_source(),
 *   cnet_port_add_watch()) called its callback
 * @source_wakeups: times such a source was called back after it had let its
 *   main loop sleep: packets came while the loop waited in `poll()`
 * @source_sleeps: times such a source, finding nothing to do, let its main
 *   loop sleep in `poll()` until the socket is ready
 * @source_spins: main-loop iterations an adaptive source (see
 *   cnet_port_source_set_adaptive()) spent busy-polling the rings, without
 *   sleeping, while waiting for more packets after a burst
 *
 * A snapshot of a port's counters, from cnet_port_get_stats(). The kernel's
 * counters are the socket's `XDP_STATISTICS`; the XDP program's count from
 * when the program was attached, for every socket that has served the
 * queue. The `source_` counters add up over every #GSource of the port; an
 * adaptive source under load shows many dispatches and spins and few
 * sleeps, an idle one as many sleeps as wakeups.
 *
 * Since: 1.0
 */
struct _CnetPortStats
{
  guint64 rx_packets;
  guint64 rx_bytes;
  guint64 tx_packets;
  guint64 tx_bytes;
  guint64 tx_completed;

  guint64 rx_dropped;
  guint64 rx_invalid_descs;
  guint64 tx_invalid_descs;
  guint64 rx_ring_full;
  guint64 rx_fill_ring_empty_descs;
  guint64 tx_ring_empty_descs;

  guint64 fill_ring_empty;
  guint64 alloc_failures;
  guint64 rx_wakeups;
  guint64 tx_kicks;
  guint64 tx_kick_errors;
  guint64 tx_ring_full;

  guint64 xdp_redirected;
  guint64 xdp_passed;
  guint64 xdp_dropped;

  guint n_rules;
  guint64 rule_hits[16];

  guint64 source_dispatches;
  guint64 source_wakeups;
  guint64 source_sleeps;
  guint64 source_spins;
};

#define CNET_TYPE_PORT_STATS (cnet_port_stats_get_type ())

GType cnet_port_stats_get_type (void) G_GNUC_CONST;

CnetPortStats *cnet_port_stats_copy (const CnetPortStats *stats);
void cnet_port_stats_free (CnetPortStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetPortStats, cnet_port_stats_free)

G_END_DECLS
