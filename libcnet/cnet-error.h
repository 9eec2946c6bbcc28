/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * CNET_ERROR:
 *
 * The error domain of libcnet and of cnetd. The same codes cross D-Bus as
 * `org.cnet.Cnet1.Error.*` names.
 *
 * Since: 1.0
 */
#define CNET_ERROR (cnet_error_quark ())

/**
 * CnetError:
 * @CNET_ERROR_FAILED: An operation failed for a reason without a code of its
 *   own; the message says which.
 * @CNET_ERROR_INVALID_ARGUMENT: An argument or setting is out of its allowed
 *   set, such as a frame size the kernel refuses.
 * @CNET_ERROR_NOT_FOUND: The named thing, such as an interface, does not
 *   exist.
 * @CNET_ERROR_NOT_SUPPORTED: The driver or kernel cannot do what was asked,
 *   such as a zero-copy bind on veth.
 * @CNET_ERROR_BUSY: The resource is in use, such as a queue that already has
 *   an AF_XDP socket.
 * @CNET_ERROR_PERMISSION_DENIED: The caller lacks a capability or an
 *   authorization.
 * @CNET_ERROR_NO_MEMORY: Memory could not be had, such as a UMEM larger than
 *   `RLIMIT_MEMLOCK` allows.
 * @CNET_ERROR_OUT_OF_RANGE: An index or length is beyond its bounds, such as
 *   a queue beyond the interface's queue count or a write past the frame.
 * @CNET_ERROR_INVALID_STATE: An object was used in a state that does not
 *   allow it, such as a packet that was already sent or freed.
 * @CNET_ERROR_WRONG_MEMPOOL: A packet was handed to a port whose mempool it
 *   does not belong to.
 * @CNET_ERROR_EXHAUSTED: A mempool has no free frame left.
 * @CNET_ERROR_FOREIGN_PROGRAM: An XDP program that libcnet did not attach is
 *   attached to the interface.
 * @CNET_ERROR_INTERFACE_GONE: The interface disappeared while in use.
 * @CNET_ERROR_INVALID_CONFIG: A configuration file or string is not valid:
 *   a syntax error, an unknown key, a value of the wrong type or out of
 *   range, or a reference to something it does not define. The message
 *   reads `file:line:column: key.path: reason`.
 * @CNET_ERROR_LIMIT_EXCEEDED: A per-user limit, such as cnetd's number of
 *   leases or bytes of UMEM per user, was reached.
 * @CNET_ERROR_LEASE_ENDED: The cnetd lease a port was opened on has ended
 *   (released, its interface gone, or cnetd stopped or restarted): the port
 *   can no longer receive or send.
 *
 * Error codes in the %CNET_ERROR domain. Messages name the interface and
 * queue (or the object) and the cause, with the kernel's own error text
 * where there is one.
 *
 * Since: 1.0
 */
typedef enum
{
  CNET_ERROR_FAILED,
  CNET_ERROR_INVALID_ARGUMENT,
  CNET_ERROR_NOT_FOUND,
  CNET_ERROR_NOT_SUPPORTED,
  CNET_ERROR_BUSY,
  CNET_ERROR_PERMISSION_DENIED,
  CNET_ERROR_NO_MEMORY,
  CNET_ERROR_OUT_OF_RANGE,
  CNET_ERROR_INVALID_STATE,
  CNET_ERROR_WRONG_MEMPOOL,
  CNET_ERROR_EXHAUSTED,
  CNET_ERROR_FOREIGN_PROGRAM,
  CNET_ERROR_INTERFACE_GONE,
  CNET_ERROR_INVALID_CONFIG,
  CNET_ERROR_LIMIT_EXCEEDED,
  CNET_ERROR_LEASE_ENDED,
} CnetError;

GQuark cnet_error_quark (void);

G_END_DECLS
