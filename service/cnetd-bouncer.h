/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Who may call a method of cnetd's objects. */
typedef enum
{
  CNETD_RULE_ANYONE,        /* read-only: everyone */
  CNETD_RULE_AUTHORIZED,    /* the handler asks root / polkit / the group */
  CNETD_RULE_OWNER,         /* the lease's owner (its unique bus name) only */
  CNETD_RULE_OWNER_OR_ROOT, /* the owner, or root: the handler checks */
} CnetdRule;

typedef struct
{
  const char *interface;
  const char *method;
  CnetdRule rule;
} CnetdMethodRule;

/* Every method cnetd answers, with its rule; what is not here is refused
 * before any handler runs (deny by default). Ends with a NULL interface. */
extern const CnetdMethodRule cnetd_method_rules[];

const CnetdMethodRule *cnetd_bouncer_lookup (const CnetdMethodRule *table,
                                             const char *interface,
                                             const char *method);

G_END_DECLS
