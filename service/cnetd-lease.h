/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A D-Bus lease of one queue (cnetd-lease.c), private to cnetd: a GObject
 * that owns what the lease holds (its socket, its guard, its watch on the
 * owner process, its queue in the XDP program and its XSKMAP slot, its
 * NAPI settings, its D-Bus object) and lets go of all of it when its last
 * reference goes. */
#pragma once

#include <sys/types.h>

#include "cnet-match.h"
#include "cnet-xdp-common.h"
#include "cnet-xdp-program.h"
#include "cnetd-auth.h"
#include "cnetd-dbus-generated.h"
#include "cnetd-manager.h"
#include "cnetd-napi.h"

G_BEGIN_DECLS

#define CNETD_TYPE_LEASE (cnetd_lease_get_type ())
G_DECLARE_FINAL_TYPE (CnetdLease, cnetd_lease, CNETD, LEASE, GObject)

struct _CnetdLease
{
  GObject parent_instance;

  CnetdManager *manager;
  guint id;
  char *path;
  CnetdDBusObjectSkeleton *object;
  CnetdDBusLease *skeleton;

  guint ifindex;
  char *ifname;
  guint queue;
  char *owner; /* a unique bus name; the client list holds the lease */
  CnetdCaller caller;

  int fd;       /* cnetd's copy of the socket */
  int guard_fd; /* cnetd's end of the guard; the client holds the other */
  guint guard_source;
  int pidfd; /* the owner process */
  guint pid_source;
  dev_t umem_dev; /* the client's memfd */
  ino_t umem_ino;
  guint64 umem_bytes;
  CnetXdpProgram *prog; /* holds the queue (claimed) while set */
  gboolean active;      /* its socket is in the XSKMAP */
  gboolean need_wakeup;
  gboolean zerocopy;
  gboolean multi_buffer; /* bound with XDP_USE_SG; a sharing lease inherits */
  guint tx_meta_len;     /* the UMEM's tx_metadata_len */
  CnetdNapiLease *napi;  /* its part in the interface's busy-poll settings */
  guint rx_metadata;     /* CnetRxMetadataFlags the program writes for it */
  struct cnet_xdp_rule rules[CNET_MATCH_MAX_RULES];
  guint n_rules;
};

CnetdLease *cnetd_lease_new (CnetdManager *m, const char *ifname, guint ifindex,
                             guint queue, const char *owner,
                             const CnetdCaller *caller);

G_END_DECLS
