/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cnetd's clients: what each unique bus name holds (leases, captures),
 * with one watch on that name, which ends all of it when the name goes. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CnetdClients CnetdClients;

/* Ends @thing because its owner left the bus; @thing must let go of its
 * client (cnetd_clients_let_go()) on the way. */
typedef void (*CnetdClientEndFunc) (gpointer thing, const char *why);

CnetdClients *cnetd_clients_new (GDBusConnection *connection);
void cnetd_clients_free (CnetdClients *clients);
void cnetd_clients_hold (CnetdClients *clients, const char *name,
                         gpointer thing, CnetdClientEndFunc end);
void cnetd_clients_let_go (CnetdClients *clients, const char *name,
                           gpointer thing);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetdClients, cnetd_clients_free)

G_END_DECLS
