/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What cnet-client.c shares with cnet-client-query.c.
 */
#pragma once

#include "cnet-client.h"

G_BEGIN_DECLS

GVariantType *cnet_client_reply_type (const GDBusInterfaceInfo *iface,
                                      const char *method);
void cnet_client_strip_error (GError *error);

G_END_DECLS
