/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The table of who may call what (bolt's bouncer): cnetd-manager.c checks
 * every method call on its objects against it in g-authorize-method, so a
 * method added to the D-Bus XML is refused until a rule here says who may
 * call it.
 */
#include "cnetd-build-config.h"

#include "cnet-dbus.h"
#include "cnetd-bouncer.h"

const CnetdMethodRule cnetd_method_rules[] = {
  { CNET_DBUS_INTERFACE_MANAGER, "ListInterfaces", CNETD_RULE_ANYONE },
  { CNET_DBUS_INTERFACE_MANAGER, "ListLeases", CNETD_RULE_ANYONE },
  { CNET_DBUS_INTERFACE_MANAGER, "AcquireQueue", CNETD_RULE_AUTHORIZED },
  { CNET_DBUS_INTERFACE_MANAGER, "StartCapture", CNETD_RULE_AUTHORIZED },
  { CNET_DBUS_INTERFACE_LEASE, "Activate", CNETD_RULE_OWNER },
  { CNET_DBUS_INTERFACE_LEASE, "SetRules", CNETD_RULE_OWNER },
  { CNET_DBUS_INTERFACE_LEASE, "Release", CNETD_RULE_OWNER_OR_ROOT },
  /* Properties do not pass g-authorize-method (GDBus answers them from
   * the skeleton): every property is read-only, open to everyone, and
   * GDBus refuses setting one. */
  { NULL, NULL, CNETD_RULE_ANYONE },
};

const CnetdMethodRule *
cnetd_bouncer_lookup (const CnetdMethodRule *table, const char *interface,
                      const char *method)
{
  for (guint i = 0; table[i].interface != NULL; i++)
    if (g_strcmp0 (table[i].interface, interface) == 0 &&
        g_strcmp0 (table[i].method, method) == 0)
      return &table[i];
  return NULL;
}
