/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cnetd-config.h"
#include "cnetd-manager.h"

G_BEGIN_DECLS

/* cnetd as a server of the AF_XDP device plugin's Unix-socket protocol:
 * one listening socket per `uds` entry of the configuration. */
typedef struct _CnetdUdsServer CnetdUdsServer;

CnetdUdsServer *cnetd_uds_server_new (CnetdManager *manager,
                                      GDBusConnection *connection,
                                      const CnetdConfig *config,
                                      GError **error);
void cnetd_uds_server_free (CnetdUdsServer *server);
/* @ifname went: its clients' connections close (their leases end). */
void cnetd_uds_server_interface_gone (CnetdUdsServer *server,
                                      const char *ifname);

G_END_DECLS
