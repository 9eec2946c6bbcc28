/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cnetd-config.h"

G_BEGIN_DECLS

#define CNETD_ACTION_ACQUIRE_QUEUE "org.cnet.Cnet1.acquire-queue"

typedef struct
{
  guint uid;
  guint pid;
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

gboolean cnetd_auth_uid_in_group (guint uid, const char *group, GError **error);

G_END_DECLS
