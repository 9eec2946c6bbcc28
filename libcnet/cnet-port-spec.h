/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-types.h"

G_BEGIN_DECLS

#define CNET_TYPE_PORT_SPEC (cnet_port_spec_get_type ())
G_DECLARE_FINAL_TYPE (CnetPortSpec, cnet_port_spec, CNET, PORT_SPEC, GObject)

const char *cnet_port_spec_get_name (CnetPortSpec *spec);
const char *cnet_port_spec_get_description (CnetPortSpec *spec);
const char *cnet_port_spec_get_interface (CnetPortSpec *spec);
guint cnet_port_spec_get_queue (CnetPortSpec *spec);
const char *cnet_port_spec_get_mempool (CnetPortSpec *spec);
guint cnet_port_spec_get_region (CnetPortSpec *spec);
CnetXdpMode cnet_port_spec_get_xdp_mode (CnetPortSpec *spec);
CnetBindMode cnet_port_spec_get_bind_mode (CnetPortSpec *spec);
CnetXdpAttachFlags cnet_port_spec_get_attach_flags (CnetPortSpec *spec);
gboolean cnet_port_spec_get_need_wakeup (CnetPortSpec *spec);
guint cnet_port_spec_get_busy_poll_usecs (CnetPortSpec *spec);
guint cnet_port_spec_get_busy_poll_budget (CnetPortSpec *spec);
guint cnet_port_spec_get_rx_size (CnetPortSpec *spec);
guint cnet_port_spec_get_tx_size (CnetPortSpec *spec);
guint cnet_port_spec_get_fill_size (CnetPortSpec *spec);
guint cnet_port_spec_get_comp_size (CnetPortSpec *spec);
const char *const *cnet_port_spec_get_rules (CnetPortSpec *spec);
const char *cnet_port_spec_get_uds_path (CnetPortSpec *spec);

G_END_DECLS
