/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>

#include "cnet-dbus.h"
#include "cnet-error-private.h"
#include "cnet-error.h"

/* One entry per CnetError value, in order: the D-Bus error names under which
 * the codes cross the bus (see DESIGN.md, "Naming"). */
static const GDBusErrorEntry cnet_error_entries[] = {
  { CNET_ERROR_FAILED, CNET_DBUS_ERROR_PREFIX "Failed" },
  { CNET_ERROR_INVALID_ARGUMENT, CNET_DBUS_ERROR_PREFIX "InvalidArgument" },
  { CNET_ERROR_NOT_FOUND, CNET_DBUS_ERROR_PREFIX "NotFound" },
  { CNET_ERROR_NOT_SUPPORTED, CNET_DBUS_ERROR_PREFIX "NotSupported" },
  { CNET_ERROR_BUSY, CNET_DBUS_ERROR_PREFIX "Busy" },
  { CNET_ERROR_PERMISSION_DENIED, CNET_DBUS_ERROR_PREFIX "PermissionDenied" },
  { CNET_ERROR_NO_MEMORY, CNET_DBUS_ERROR_PREFIX "NoMemory" },
  { CNET_ERROR_OUT_OF_RANGE, CNET_DBUS_ERROR_PREFIX "OutOfRange" },
  { CNET_ERROR_INVALID_STATE, CNET_DBUS_ERROR_PREFIX "InvalidState" },
  { CNET_ERROR_WRONG_MEMPOOL, CNET_DBUS_ERROR_PREFIX "WrongMempool" },
  { CNET_ERROR_EXHAUSTED, CNET_DBUS_ERROR_PREFIX "Exhausted" },
  { CNET_ERROR_FOREIGN_PROGRAM, CNET_DBUS_ERROR_PREFIX "ForeignProgram" },
  { CNET_ERROR_INTERFACE_GONE, CNET_DBUS_ERROR_PREFIX "InterfaceGone" },
  { CNET_ERROR_INVALID_CONFIG, CNET_DBUS_ERROR_PREFIX "InvalidConfig" },
  { CNET_ERROR_LIMIT_EXCEEDED, CNET_DBUS_ERROR_PREFIX "LimitExceeded" },
  { CNET_ERROR_LEASE_ENDED, CNET_DBUS_ERROR_PREFIX "LeaseEnded" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (cnet_error_entries) ==
                 CNET_ERROR_LEASE_ENDED + 1);

/**
 * cnet_error_quark:
 *
 * Returns the quark of the %CNET_ERROR domain, registered with GDBus so that
 * a #GError of this domain crosses the bus and arrives with the same code.
 *
 * Returns: the error quark
 *
 * Since: 1.0
 */
GQuark
cnet_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("cnet-error-quark", &quark,
                                      cnet_error_entries,
                                      G_N_ELEMENTS (cnet_error_entries));
  return (GQuark) quark;
}

/* Maps a kernel errno onto the code a caller can act on. */
CnetError
cnet_error_from_errno (int errsv)
{
  switch (errsv)
    {
    case ENODEV:
    case ENOENT:
    case ENXIO:
      return CNET_ERROR_NOT_FOUND;
    case EOPNOTSUPP:
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
      return CNET_ERROR_NOT_SUPPORTED;
    case EBUSY:
    case EEXIST:
      return CNET_ERROR_BUSY;
    case EPERM:
    case EACCES:
      return CNET_ERROR_PERMISSION_DENIED;
    case ENOMEM:
    case ENOBUFS:
      return CNET_ERROR_NO_MEMORY;
    case EINVAL:
      return CNET_ERROR_INVALID_ARGUMENT;
    case ERANGE:
      return CNET_ERROR_OUT_OF_RANGE;
    case ENETDOWN:
      return CNET_ERROR_INTERFACE_GONE;
    default:
      return CNET_ERROR_FAILED;
    }
}
