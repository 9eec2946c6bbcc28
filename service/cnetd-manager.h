/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cnetd-bouncer.h"
#include "cnetd-config.h"

G_BEGIN_DECLS

typedef struct _CnetdManager CnetdManager;

CnetdManager *cnetd_manager_new (GDBusConnection *connection,
                                 CnetdConfig *config, GError **error);
void cnetd_manager_free (CnetdManager *manager);
guint cnetd_manager_get_n_leases (CnetdManager *manager);

/* For tests: check method calls against @rules instead of
 * cnetd_method_rules. */
void cnetd_manager_set_method_rules (CnetdManager *manager,
                                     const CnetdMethodRule *rules);

/* For cnetd-uds.c: a client of the device plugin's socket holds
 * @ifname's XSKMAP; checked against its user's max-leases-per-user. */
gboolean cnetd_manager_add_uds_lease (CnetdManager *manager, const char *ifname,
                                      const char *socket_path, guint uid,
                                      guint pid, guint *id, GError **error);
void cnetd_manager_remove_uds_lease (CnetdManager *manager, guint id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetdManager, cnetd_manager_free)

G_END_DECLS
