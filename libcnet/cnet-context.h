/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <gio/gio.h>

#include "cnet-config.h"
#include "cnet-mempool.h"
#include "cnet-port.h"
#include "cnet-types.h"

G_BEGIN_DECLS

#define CNET_TYPE_CONTEXT (cnet_context_get_type ())
G_DECLARE_FINAL_TYPE (CnetContext, cnet_context, CNET, CONTEXT, GObject)

CnetContext *cnet_context_get_default (void);
G_GNUC_WARN_UNUSED_RESULT
CnetContext *cnet_context_new (void);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_context_load (CnetContext *context, CnetConfig *config,
                            GError **error);
G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_context_load_file (CnetContext *context, const char *path,
                                 GError **error);
CnetConfig *cnet_context_get_config (CnetContext *context);

CnetMempool *cnet_context_lookup_mempool (CnetContext *context,
                                          const char *name);
CnetPort *cnet_context_lookup_port (CnetContext *context, const char *name);
GPtrArray *cnet_context_get_ports (CnetContext *context);
GPtrArray *cnet_context_get_thread_ports (CnetContext *context,
                                          const char *thread, GError **error);

void cnet_context_shutdown (CnetContext *context);

G_END_DECLS
