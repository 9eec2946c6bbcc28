/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the port's GSource (cnet-port-source.c) needs of a port.
 */
#pragma once

#include "cnet-port.h"

G_BEGIN_DECLS

typedef enum
{
  CNET_PORT_SOURCE_DISPATCH,
  CNET_PORT_SOURCE_WAKEUP,
  CNET_PORT_SOURCE_SLEEP,
  CNET_PORT_SOURCE_SPIN,
  CNET_PORT_SOURCE_N_EVENTS,
} CnetPortSourceEvent;

/* Whether the RX ring has packets, without a system call. */
gboolean cnet_port_rx_ready (CnetPort *port);

/* Counts @event in the port's stats. Sources of one port may run in
 * several threads' main contexts, so this is atomic. */
void cnet_port_count_source_event (CnetPort *port, CnetPortSourceEvent event);

/* The guard of a port leased from cnetd (it hangs up when the lease ends),
 * or -1. */
int cnet_port_get_guard_fd (CnetPort *port);

/* Whether the port's lease (if any) still lasts; when it ended, says so
 * in @error and emits CnetPort::lease-ended (once). */
gboolean cnet_port_check_lease (CnetPort *port, GError **error);

G_END_DECLS
