/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-types.h"

G_BEGIN_DECLS

/**
 * CNET_MEMPOOL_DEFAULT_FRAME_SIZE:
 *
 * The frame size a mempool gets when none is given: 2048 bytes.
 *
 * Since: 1.0
 */
#define CNET_MEMPOOL_DEFAULT_FRAME_SIZE 2048

/**
 * CNET_MEMPOOL_MAX_FRAMES:
 *
 * The largest number of frames one mempool may have (1 Mi frames, 2 GiB of
 * UMEM at 2048 bytes a frame).
 *
 * Since: 1.0
 */
#define CNET_MEMPOOL_MAX_FRAMES (1u << 20)

#define CNET_TYPE_MEMPOOL (cnet_mempool_get_type ())
G_DECLARE_FINAL_TYPE (CnetMempool, cnet_mempool, CNET, MEMPOOL, GObject)

G_GNUC_WARN_UNUSED_RESULT
CnetMempool *cnet_mempool_new (guint n_frames, guint frame_size, guint headroom,
                               GError **error);

guint cnet_mempool_get_n_frames (CnetMempool *mempool);
guint cnet_mempool_get_frame_size (CnetMempool *mempool);
guint cnet_mempool_get_headroom (CnetMempool *mempool);
gsize cnet_mempool_get_size (CnetMempool *mempool);
guint cnet_mempool_get_n_free (CnetMempool *mempool);
guint cnet_mempool_get_n_in_use (CnetMempool *mempool);

G_GNUC_WARN_UNUSED_RESULT
CnetPacket *cnet_mempool_alloc (CnetMempool *mempool, GError **error);
guint cnet_mempool_alloc_bulk (CnetMempool *mempool, CnetPacket **packets,
                               guint n_packets);

G_END_DECLS
