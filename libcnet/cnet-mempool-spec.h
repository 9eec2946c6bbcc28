/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-types.h"

G_BEGIN_DECLS

#define CNET_TYPE_MEMPOOL_SPEC (cnet_mempool_spec_get_type ())
G_DECLARE_FINAL_TYPE (CnetMempoolSpec, cnet_mempool_spec, CNET, MEMPOOL_SPEC,
                      GObject)

const char *cnet_mempool_spec_get_name (CnetMempoolSpec *spec);
const char *cnet_mempool_spec_get_description (CnetMempoolSpec *spec);
guint cnet_mempool_spec_get_n_frames (CnetMempoolSpec *spec);
guint cnet_mempool_spec_get_frame_size (CnetMempoolSpec *spec);
guint cnet_mempool_spec_get_headroom (CnetMempoolSpec *spec);
const guint *cnet_mempool_spec_get_regions (CnetMempoolSpec *spec,
                                            guint *n_regions);

G_END_DECLS
