/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "cnetd-manager.h"

G_BEGIN_DECLS

/* Capture leases (Manager.StartCapture, cnetd-capture.c): set up after
 * cnetd_manager_new(), torn down (every capture ended) before
 * cnetd_manager_free(). */
void cnetd_capture_setup (CnetdManager *m);
void cnetd_capture_teardown (CnetdManager *m);

G_END_DECLS
