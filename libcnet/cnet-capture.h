/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include "cnet-types.h"

G_BEGIN_DECLS

#define CNET_TYPE_CAPTURE (cnet_capture_get_type ())
G_DECLARE_FINAL_TYPE (CnetCapture, cnet_capture, CNET, CAPTURE, GObject)

G_GNUC_WARN_UNUSED_RESULT
GBytes *cnet_capture_read (CnetCapture *capture, gint64 *timestamp_ns,
                           guint *length, guint *queue, GError **error);
gboolean cnet_capture_wait (CnetCapture *capture, int timeout_ms,
                            GCancellable *cancellable, GError **error);
gboolean cnet_capture_stop (CnetCapture *capture, GCancellable *cancellable,
                            GError **error);
const char *cnet_capture_get_interface (CnetCapture *capture);
const char *cnet_capture_get_object_path (CnetCapture *capture);
guint cnet_capture_get_snaplen (CnetCapture *capture);
const char *const *cnet_capture_get_rules (CnetCapture *capture);

G_END_DECLS
