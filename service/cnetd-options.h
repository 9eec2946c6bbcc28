/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "cnet-match.h"
#include "cnet-port-settings.h"
#include "cnet-xdp-common.h"

G_BEGIN_DECLS

/* What AcquireQueue's a{sv} asks for. Apart from cnetd-manager.c so that the
 * fuzz target tests/fuzz/fuzz-cnetd-options.c reaches the parser directly. */
typedef struct
{
  CnetPortSettings port; /* the port settings (cnet-port-settings.c) */
  guint frame_size;      /* the UMEM's chunk size */
  guint headroom;        /* the UMEM's headroom */
  struct cnet_xdp_rule rules[CNET_MATCH_MAX_RULES];
  guint n_rules;
  GStrv rules_text; /* the rules, normalised; NULL when none was given */
} CnetdAcquireOptions;

void cnetd_acquire_options_init (CnetdAcquireOptions *opts);
gboolean cnetd_acquire_options_parse (CnetdAcquireOptions *opts,
                                      GVariant *options, GError **error);
void cnetd_acquire_options_clear (CnetdAcquireOptions *opts);

gboolean cnetd_rules_parse (GVariant *strv, struct cnet_xdp_rule *rules,
                            guint *n_rules, GStrv *text, GError **error);

G_END_DECLS
