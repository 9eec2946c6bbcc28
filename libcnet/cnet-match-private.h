/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rule compiler (cnet-match.c) in the XDP program's form, for the
 * port, the configuration and cnetd.
 */
#pragma once

#include "cnet-match.h"
#include "cnet-xdp-common.h"

G_BEGIN_DECLS

void cnet_match_to_xdp (const CnetMatch *match, struct cnet_xdp_rule *rule);
gboolean cnet_match_compile_rules (const char *const *rules,
                                   struct cnet_xdp_rule *xdp, guint *n_rules,
                                   GStrv *canonical, guint *bad_index,
                                   GError **error);

G_END_DECLS
