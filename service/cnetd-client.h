/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cnetd's clients: what each unique bus name holds (leases, captures),
 * with one watch on that name, which ends all of it when the name goes;
 * and the watches on an owner's process and guard. */
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

/* The other ways a thing ends with its owner: @fd (its process's pidfd,
 * its guard) becoming ready for @condition ends @thing with @why, once;
 * *@source_id holds the watch, and is 0 again once it fired. */
void cnetd_end_on_fd (guint *source_id, int fd, GIOCondition condition,
                      gpointer thing, CnetdClientEndFunc end, const char *why);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetdClients, cnetd_clients_free)

G_END_DECLS
