/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  CNETD_AUTH_POLKIT,
  CNETD_AUTH_GROUP,
} CnetdAuthMode;

/* One interface served over the AF_XDP device plugin's Unix-socket
 * protocol (cnetd-uds.c, docs/kubernetes.md). */
typedef struct
{
  char *interface; /* an interface name, not a glob */
  char *path;      /* the socket's path */
  guint mode;      /* the socket file's mode */
  gint64 uid;      /* its owner, -1 for cnetd's */
  gint64 gid;      /* its group, -1 for cnetd's */
  gboolean shared; /* several client processes at once (unsafe) */
} CnetdUdsConfig;

/* cnetd's configuration (/etc/cnet/cnetd.jsonc); see docs/cnetd.md. */
typedef struct
{
  char *path;       /* where it came from, or NULL for defaults */
  GStrv interfaces; /* globs of the interfaces cnetd may manage */
  CnetdAuthMode auth_mode;
  char *group;                     /* with CNETD_AUTH_GROUP */
  guint max_leases_per_user;       /* leases one uid may hold */
  guint64 max_umem_bytes_per_user; /* UMEM one uid may have pinned */
  GPtrArray *uds;                  /* CnetdUdsConfig *, owned */
  gboolean keep_xdp_attached;      /* the program stays on managed interfaces
                                 while cnetd runs, not only while leased */
} CnetdConfig;

#define CNETD_DEFAULT_CONFIG "/etc/cnet/cnetd.jsonc"
#define CNETD_DEFAULT_MAX_LEASES 8
#define CNETD_DEFAULT_MAX_UMEM_BYTES (G_GUINT64_CONSTANT (512) << 20)

CnetdConfig *cnetd_config_new_default (void);
CnetdConfig *cnetd_config_load (const char *path, GError **error);
CnetdConfig *cnetd_config_load_data (const char *name, const char *data,
                                     GError **error);
void cnetd_config_free (CnetdConfig *config);
gboolean cnetd_config_manages (const CnetdConfig *config, const char *ifname);
const CnetdUdsConfig *cnetd_config_find_uds (const CnetdConfig *config,
                                             const char *ifname);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CnetdConfig, cnetd_config_free)

G_END_DECLS
