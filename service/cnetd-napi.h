/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cnet-features-private.h"

G_BEGIN_DECLS

/* What cnetd sets on a leased interface's NAPI instances while a lease
 * with busy polling exists (cnetd-napi.c). */
#define CNETD_NAPI_DEFER_HARD_IRQS 2
#define CNETD_NAPI_GRO_FLUSH_TIMEOUT_NS 200000u     /* 200 us */
#define CNETD_NAPI_IRQ_SUSPEND_TIMEOUT_NS 20000000u /* 20 ms */

void cnetd_napi_busy_poll_settings (CnetNapi *napi);

/* Takes a hold on @ifindex's busy-poll settings: the first applies them
 * (remembering what was there), later ones count. FALSE with @error set
 * (CNET_ERROR_NOT_SUPPORTED on kernels before 6.13) when they cannot be
 * applied; nothing is held then. */
gboolean cnetd_napi_hold (guint ifindex, const char *ifname, GError **error);

/* Drops a hold; the last one restores what the instances had. */
void cnetd_napi_release (guint ifindex);

guint cnetd_napi_get_n_holds (guint ifindex);

/* When cnetd applies those settings for a lease with busy polling
 * (cnetd --busy-poll-napi): */
typedef enum
{
  /* once the lease's socket shows that busy polling reaches a NAPI
   * instance (SO_INCOMING_NAPI_ID set by a received frame); never on veth,
   * where it does not and the settings would only delay every frame to
   * the gro-flush-timeout watchdog */
  CNETD_NAPI_POLICY_AUTO,
  CNETD_NAPI_POLICY_ALWAYS, /* when the lease starts */
  CNETD_NAPI_POLICY_NEVER,
} CnetdNapiPolicy;

gboolean cnetd_napi_set_policy_from_string (const char *name, GError **error);

/* A lease's part in the settings: applied (a hold) or waiting for the
 * socket's first frame to tell (AUTO). */
typedef struct _CnetdNapiLease CnetdNapiLease;

CnetdNapiLease *cnetd_napi_lease_new (guint ifindex, const char *ifname,
                                      guint lease_id, int xsk_fd,
                                      GError **error);
gboolean cnetd_napi_lease_is_applied (const CnetdNapiLease *nl);
void cnetd_napi_lease_free (CnetdNapiLease *nl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetdNapiLease, cnetd_napi_lease_free)

G_END_DECLS
