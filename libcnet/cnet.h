/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcnet: user-space packet I/O over Linux AF_XDP for GLib.
 * Include this header only; the others refuse to be included directly.
 */
#pragma once

#define __CNET_H_INSIDE__

#include "cnet-batch.h"
#include "cnet-capture.h"
#include "cnet-client.h"
#include "cnet-config.h"
#include "cnet-context.h"
#include "cnet-dbus.h"
#include "cnet-enums.h"
#include "cnet-error.h"
#include "cnet-features.h"
#include "cnet-match.h"
#include "cnet-mempool-spec.h"
#include "cnet-mempool.h"
#include "cnet-packet.h"
#include "cnet-port-spec.h"
#include "cnet-port-stats.h"
#include "cnet-port.h"
#include "cnet-thread-spec.h"
#include "cnet-types.h"
#include "cnet-version.h"
#include "cnet-xdp-program.h"

#undef __CNET_H_INSIDE__
