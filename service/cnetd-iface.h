/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An interface cnetd sees (cnetd-iface.c), private to cnetd: a GObject
 * that owns its D-Bus object, its draining queues and the program it
 * keeps attached ("keep-xdp-attached"), and lets go of them when its last
 * reference (the manager's table's) goes. */
#pragma once

#include "cnet-xdp-program.h"
#include "cnetd-dbus-generated.h"
#include "cnetd-manager.h"

G_BEGIN_DECLS

#define CNETD_TYPE_IFACE (cnetd_iface_get_type ())
G_DECLARE_FINAL_TYPE (CnetdIface, cnetd_iface, CNETD, IFACE, GObject)

struct _CnetdIface
{
  GObject parent_instance;

  CnetdManager *manager;
  guint ifindex;
  char *name;
  char *path;
  guint n_rx_queues;
  CnetdDBusObjectSkeleton *object;
  CnetdDBusInterface *skeleton;
  GPtrArray *draining;  /* CnetdDrain *, owned */
  CnetXdpProgram *kept; /* "keep-xdp-attached": held while cnetd runs */
  gboolean keep_failed; /* said once why it could not be kept */
  guint keep_retry;     /* tries again every second while it fails */
};

G_END_DECLS
