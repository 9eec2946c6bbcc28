/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetctl capture IFACE -w FILE: placeholder until cnetd can capture.
 */
#include "cnetctl.h"

int
cnetctl_capture (CnetClient *client, int argc, char **argv)
{
  g_autoptr (GError) error =
    g_error_new (CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                 "%s: capture is not built yet", argv[1]);
  return cnetctl_fail (error);
}
