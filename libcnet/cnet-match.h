/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include "cnet-types.h"

G_BEGIN_DECLS

/**
 * CNET_MATCH_MAX_RULES:
 *
 * The number of steering rules one port (one receive queue) may have.
 *
 * Since: 1.0
 */
#define CNET_MATCH_MAX_RULES 16

typedef struct _CnetMatch CnetMatch;

#define CNET_TYPE_MATCH (cnet_match_get_type ())

GType cnet_match_get_type (void) G_GNUC_CONST;

G_GNUC_WARN_UNUSED_RESULT
CnetMatch *cnet_match_new (const char *rule, GError **error);
CnetMatch *cnet_match_copy (const CnetMatch *match);
void cnet_match_free (CnetMatch *match);
char *cnet_match_to_string (const CnetMatch *match);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetMatch, cnet_match_free)

G_END_DECLS
