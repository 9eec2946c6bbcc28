/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib.h>

/* The D-Bus names of cnetd, in one place for the service and its clients
 * (see introspection/org.cnet.Cnet1.*.xml). */

/**
 * CNET_DBUS_NAME:
 *
 * cnetd's well-known bus name.
 *
 * Since: 1.0
 */
#define CNET_DBUS_NAME "org.cnet.Cnet1"

/**
 * CNET_DBUS_PATH:
 *
 * The object path of cnetd's manager, also its object manager.
 *
 * Since: 1.0
 */
#define CNET_DBUS_PATH "/org/cnet/Cnet1"

/**
 * CNET_DBUS_INTERFACES_PATH:
 *
 * The path under which cnetd puts one object per network interface,
 * named by its index.
 *
 * Since: 1.0
 */
#define CNET_DBUS_INTERFACES_PATH "/org/cnet/Cnet1/interfaces"

/**
 * CNET_DBUS_LEASES_PATH:
 *
 * The path under which cnetd puts one object per lease.
 *
 * Since: 1.0
 */
#define CNET_DBUS_LEASES_PATH "/org/cnet/Cnet1/leases"

/**
 * CNET_DBUS_INTERFACE_MANAGER:
 *
 * The D-Bus interface of the manager.
 *
 * Since: 1.0
 */
#define CNET_DBUS_INTERFACE_MANAGER "org.cnet.Cnet1.Manager"

/**
 * CNET_DBUS_INTERFACE_INTERFACE:
 *
 * The D-Bus interface of a network interface object.
 *
 * Since: 1.0
 */
#define CNET_DBUS_INTERFACE_INTERFACE "org.cnet.Cnet1.Interface"

/**
 * CNET_DBUS_INTERFACE_LEASE:
 *
 * The D-Bus interface of a lease object.
 *
 * Since: 1.0
 */
#define CNET_DBUS_INTERFACE_LEASE "org.cnet.Cnet1.Lease"

/**
 * CNET_DBUS_ERROR_PREFIX:
 *
 * The prefix of cnetd's D-Bus error names; each #CnetError code crosses
 * the bus as this prefix and the code's name, such as
 * `org.cnet.Cnet1.Error.Busy`.
 *
 * Since: 1.0
 */
#define CNET_DBUS_ERROR_PREFIX "org.cnet.Cnet1.Error."

/**
 * CNET_DBUS_ANY_QUEUE:
 *
 * The queue number that asks cnetd for any free queue.
 *
 * Since: 1.0
 */
#define CNET_DBUS_ANY_QUEUE ((guint32) 4294967295u)
