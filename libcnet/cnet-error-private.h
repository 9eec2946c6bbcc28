/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The error domain's helper for the rest of libcnet and for cnetd.
 */
#pragma once

#include "cnet-error.h"

G_BEGIN_DECLS

/* Maps a kernel errno onto the code a caller can act on (cnet-error.c). */
CnetError cnet_error_from_errno (int errsv);

G_END_DECLS
