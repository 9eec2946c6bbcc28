/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of libcnet share and users never see: now only the
 * per-module private headers, until each includer names its own.
 */
#pragma once

#include <errno.h>
#include <stdalign.h>

#include "cnet-dbus.h"
#include "cnet-error-private.h"
#include "cnet-features-private.h"
#include "cnet-match-private.h"
#include "cnet-mempool-private.h"
#include "cnet-netdev-private.h"
#include "cnet-packet-private.h"
#include "cnet-port-private.h"
#include "cnet-types.h"
#include "cnet-xdp-common.h"
#include "cnet-xdp-program-private.h"
#include "cnet-xsk-private.h"
