/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cnet-capture.h"

G_BEGIN_DECLS

/* Takes @ring_fd and @guard_fd (StartCapture's answer); maps the ring. */
CnetCapture *cnet_capture_new_internal (GDBusConnection *connection,
                                        const char *interface,
                                        const char *object_path, int ring_fd,
                                        int guard_fd, GVariant *info,
                                        GError **error);

G_END_DECLS
