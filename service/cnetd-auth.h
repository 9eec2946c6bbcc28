/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cnetd-config.h"

G_BEGIN_DECLS

#define CNETD_ACTION_ACQUIRE_QUEUE "org.cnet.Cnet1.acquire-queue"
#define CNETD_ACTION_CAPTURE "org.cnet.Cnet1.capture"

#define CNETD_CALLER_MAX_GROUPS 64

/* Who called, from the bus's GetConnectionCredentials: the process's uid,
 * pid and groups at the time it connected. */
typedef struct
{
  guint uid;
  guint pid;
  guint n_gids; /* 0 when the bus did not say */
  guint gids[CNETD_CALLER_MAX_GROUPS];
} CnetdCaller;

void cnetd_auth_get_caller_async (GDBusConnection *connection,
                                  const char *sender,
                                  GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean cnetd_auth_get_caller_finish (GAsyncResult *result,
                                       CnetdCaller *caller, GError **error);

void cnetd_auth_check_async (GDBusConnection *connection,
                             const CnetdConfig *config, const char *sender,
                             const CnetdCaller *caller, const char *action,
                             GAsyncReadyCallback callback, gpointer user_data);
gboolean cnetd_auth_check_finish (GAsyncResult *result, GError **error);

gboolean cnetd_auth_caller_in_group (const CnetdCaller *caller,
                                     const char *group, GError **error);

G_END_DECLS
