/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Non-destructive capture in libcnet's XDP program, for cnetd's capture
 * leases: a capture slot has a filter (queue, rules, snaplen), a ring
 * buffer of its own that the program copies matching frames into, and
 * counters; frames go on as if no capture ran. See bpf/cnet-xdp-common.h.
 */
#pragma once

#include "cnet-xdp-common.h"
#include "cnet-xdp-program.h"

G_BEGIN_DECLS

/* Claims a free slot for @owner, gives it a new ring buffer of
 * CNET_XDP_CAPTURE_RING_SIZE bytes and turns it on. Returns the ring
 * buffer's fd (the caller's to close) and the slot, or -1 with @error set
 * (CNET_ERROR_BUSY when every slot is taken). @queue may be
 * CNET_XDP_CAPTURE_ANY_QUEUE. */
int cnet_xdp_program_start_capture (CnetXdpProgram *prog, guint32 queue,
                                    guint snaplen,
                                    const struct cnet_xdp_rule *rules,
                                    guint n_rules, gpointer owner,
                                    guint *slot, GError **error);

/* Turns @slot off and drops the program's reference to its ring buffer;
 * nothing when @owner does not hold it. */
void cnet_xdp_program_stop_capture (CnetXdpProgram *prog, guint slot,
                                    gpointer owner);

gboolean cnet_xdp_program_get_capture_counters (CnetXdpProgram *prog,
                                                guint slot, guint64 *captured,
                                                guint64 *lost, GError **error);

G_END_DECLS
