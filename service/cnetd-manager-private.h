/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What cnetd-manager.c, cnetd-iface.c, cnetd-lease.c and cnetd-acquire.c
 * share: the manager's, interfaces' and leases' state. */
#pragma once

#include <sys/types.h>

#include "cnet-error.h"
#include "cnet-xdp-program.h"
#include "cnetd-auth.h"
#include "cnetd-client.h"
#include "cnetd-dbus-generated.h"
#include "cnetd-iface.h"
#include "cnetd-lease.h"
#include "cnetd-link.h"
#include "cnetd-manager.h"
#include "cnetd-napi.h"
#include "cnetd-uds.h"
#include "cnetd-xsk.h"

G_BEGIN_DECLS

/* A queue whose lease ended while its socket may still be open somewhere:
 * not leased again until the kernel says no socket is bound to it. Its
 * UMEM stays pinned meanwhile and still counts against its user. */
typedef struct
{
  guint queue;
  guint lease_id;
  char *owner;
  guint uid;
  guint pid;
  int pidfd; /* the owner process, to tell whether it still lives */
  dev_t umem_dev;
  ino_t umem_ino;
  guint64 umem_bytes;
} CnetdDrain;

struct _CnetdManager
{
  GDBusConnection *connection;
  CnetdConfig *config;
  GDBusObjectManagerServer *server;
  CnetdDBusManager *skeleton;
  GHashTable *ifaces;    /* ifindex → CnetdIface, a reference */
  GHashTable *leases;    /* id → CnetdLease, a reference */
  CnetdClients *clients; /* who holds leases and captures */
  guint next_lease_id;
  int nl_fd;
  guint nl_source;
  guint stats_timer;
  guint drain_timer;
  GHashTable *uds_leases; /* id → CnetdUdsLease (cnetd-uds.c's clients) */
  GHashTable *captures;   /* id → CnetdCapture (cnetd-capture.c) */
  CnetdUdsServer *uds;
  const CnetdMethodRule *rules; /* cnetd-bouncer.c's table */
  gboolean stopping;            /* no program is loaded ahead any more */
};

/* What a client of the device plugin's socket holds (cnetd-uds.c): an
 * interface's XSKMAP; shown as a lease of kind "uds" and counted in its
 * user's limits. */
typedef struct
{
  guint id;
  guint uid;
  char *path;
  CnetdDBusObjectSkeleton *object;
  CnetdDBusLease *skeleton;
} CnetdUdsLease;

/* How often draining queues are looked at (netdev netlink; the kernel
 * sends no event when a socket's buffer pool goes). */
#define CNETD_DRAIN_POLL_MS 100
/* How long AcquireQueue waits for a draining queue whose owner process
 * has exited before it says Busy: the kernel's release of the socket runs
 * after an RCU grace period, from a work queue that takes the RTNL lock,
 * which a busy machine (namespaces coming and going) can hold for long. */
#define CNETD_DRAIN_WAIT_USEC (30 * G_USEC_PER_SEC)
#define CNETD_DRAIN_RETRY_MS 10

typedef enum
{
  QUEUE_FREE,
  QUEUE_LEASED,
  QUEUE_DRAINING, /* a lease of ours ended; its socket may still be open */
  QUEUE_OCCUPIED, /* a socket cnetd did not lease is bound to it */
} QueueState;

/* The Stats properties are refreshed on each read: cnetd-manager.c
 * subclasses the generated skeletons to call @refresh(@owner) first. */
typedef void (*CnetdRefreshFunc) (gpointer owner);
GType cnetd_lease_skeleton_get_type (void);
GType cnetd_iface_skeleton_get_type (void);

/* cnetd-manager.c */
gpointer cnetd_stats_skeleton_new (GType type, CnetdRefreshFunc refresh,
                                   gpointer owner);
void cnetd_return_error (GDBusMethodInvocation *invocation, GError *error);
void cnetd_return_new_error (GDBusMethodInvocation *invocation, CnetError code,
                             const char *fmt, ...) G_GNUC_PRINTF (3, 4);
const char *cnetd_xdp_mode_name (CnetXdpMode mode);
CnetdIface *cnetd_manager_find_iface (CnetdManager *m, const char *name);
guint64 cnetd_manager_umem_bytes_of_user (CnetdManager *m, guint uid);
CnetdLease *cnetd_manager_find_lease (CnetdManager *m, guint ifindex,
                                      guint queue);
guint cnetd_manager_count_leases_of_user (CnetdManager *m, guint uid);
CnetdLease *cnetd_manager_find_umem_lease (CnetdManager *m, const char *owner,
                                           const CnetdUmem *umem);
void cnetd_manager_guard_skeleton (CnetdManager *m, gpointer skeleton);
void cnetd_iface_refresh_stats (CnetdIface *iface);
void cnetd_lease_refresh_stats (CnetdLease *lease);
void cnetd_manager_watch_draining (CnetdManager *m);
void cnetd_manager_preload_program (CnetdManager *m);

/* cnetd-iface.c */
CnetdDrain *cnetd_iface_find_drain (CnetdIface *iface, guint queue);
QueueState cnetd_iface_queue_state (CnetdIface *iface, guint queue);
void cnetd_iface_update_free_queues (CnetdIface *iface);
void cnetd_iface_update_attached (CnetdIface *iface);
void cnetd_iface_add_or_update (CnetdManager *m, const CnetdLinkInfo *link);
gboolean cnetd_iface_on_netlink (int fd, GIOCondition condition,
                                 gpointer user_data);

/* cnetd-lease.c */
/* What cnetd_release() needs of a kind of lease object. */
typedef struct
{
  gpointer (*find) (CnetdManager *m, const char *path); /* NULL: none */
  const char *(*owner_of) (gpointer thing);             /* a unique bus name */
  char *(*describe) (gpointer thing); /* "lease 3 (eth0 queue 0)" */
  CnetdClientEndFunc end;
} CnetdReleasable;

void cnetd_release (CnetdManager *m, const CnetdReleasable *kind,
                    CnetdDBusLease *skeleton,
                    GDBusMethodInvocation *invocation);
void cnetd_lease_end (CnetdLease *lease, const char *why);
int cnetd_lease_make_guard (CnetdLease *lease, GError **error);
void cnetd_lease_object_serve (CnetdManager *m, CnetdDBusObjectSkeleton *object,
                               CnetdDBusLease *skeleton, GCallback activate,
                               GCallback release, GCallback set_rules);
void cnetd_lease_publish (CnetdLease *lease, const char *iface_path,
                          const char *const *rules_text);
gboolean cnetd_lease_handle_release (CnetdDBusLease *skeleton,
                                     GDBusMethodInvocation *invocation,
                                     gpointer user_data);
gboolean cnetd_lease_handle_activate (CnetdDBusLease *skeleton,
                                      GDBusMethodInvocation *invocation,
                                      gpointer user_data);
gboolean cnetd_lease_handle_set_rules (CnetdDBusLease *skeleton,
                                       GDBusMethodInvocation *invocation,
                                       const char *const *rules,
                                       gpointer user_data);
void cnetd_uds_lease_free (CnetdUdsLease *ul);

/* cnetd-capture.c: capture leases (Manager.StartCapture) */
void cnetd_capture_setup (CnetdManager *m);
void cnetd_capture_teardown (CnetdManager *m);
void cnetd_capture_list (CnetdManager *m, GPtrArray *paths);
void cnetd_capture_end_on_interface (CnetdManager *m, guint ifindex);
guint cnetd_capture_count_of_user (CnetdManager *m, guint uid);

/* cnetd-acquire.c */
gboolean cnetd_manager_handle_acquire_queue (
  CnetdDBusManager *skeleton, GDBusMethodInvocation *invocation,
  GUnixFDList *fd_list, const char *ifname, guint queue, GVariant *options,
  GVariant *umem_handle, gpointer user_data);

G_END_DECLS
