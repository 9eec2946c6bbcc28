/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-types.h"

G_BEGIN_DECLS

/**
 * CNET_XDP_PROGRAM_MAX_QUEUES:
 *
 * The number of receive queues libcnet's XDP program serves on one
 * interface: queues 0 to 63. Frames on higher queues go to the kernel.
 *
 * Since: 1.0
 */
#define CNET_XDP_PROGRAM_MAX_QUEUES 64

#define CNET_TYPE_XDP_PROGRAM (cnet_xdp_program_get_type ())
G_DECLARE_FINAL_TYPE (CnetXdpProgram, cnet_xdp_program, CNET, XDP_PROGRAM,
                      GObject)

G_GNUC_WARN_UNUSED_RESULT
CnetXdpProgram *cnet_xdp_program_attach (const char *interface,
                                         CnetXdpMode mode,
                                         CnetXdpAttachFlags flags,
                                         GError **error);

const char *cnet_xdp_program_get_interface (CnetXdpProgram *program);
guint cnet_xdp_program_get_ifindex (CnetXdpProgram *program);
CnetXdpMode cnet_xdp_program_get_mode (CnetXdpProgram *program);
guint cnet_xdp_program_get_id (CnetXdpProgram *program);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_xdp_program_get_queue_counters (CnetXdpProgram *program,
                                              guint queue, guint64 *redirected,
                                              guint64 *passed, guint64 *dropped,
                                              GError **error);

G_END_DECLS
