/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetXdpProgram's RX metadata side, for ports and cnetd's leases.
 */
#pragma once

#include "cnet-xdp-program.h"

G_BEGIN_DECLS

gint64 cnet_xdp_program_set_rx_metadata (CnetXdpProgram *prog, guint queue,
                                         guint32 fields, char **why_not,
                                         GError **error);
int cnet_xdp_program_get_rx_metadata_level (CnetXdpProgram *prog);

G_END_DECLS
