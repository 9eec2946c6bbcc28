/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cnetd-config.h"

G_BEGIN_DECLS

typedef struct _CnetdManager CnetdManager;

CnetdManager *cnetd_manager_new (GDBusConnection *connection,
                                 CnetdConfig *config, GError **error);
void cnetd_manager_free (CnetdManager *manager);
guint cnetd_manager_get_n_leases (CnetdManager *manager);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetdManager, cnetd_manager_free)

G_END_DECLS
