/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "cnetd-options.h"

G_BEGIN_DECLS

/* A client's UMEM as it arrives in AcquireQueue: a sealed memfd. */
typedef struct
{
  int fd; /* owned */
  dev_t dev;
  ino_t ino;
  guint64 size;
} CnetdUmem;

gboolean cnetd_umem_check (CnetdUmem *umem, int fd, guint frame_size,
                           GError **error);
void cnetd_umem_clear (CnetdUmem *umem);

/* What bind() made of the socket. */
typedef struct
{
  gboolean zerocopy;
  gboolean need_wakeup;
  gboolean multi_buffer; /* bound with XDP_USE_SG */
  guint tx_meta_len;     /* the UMEM's tx_metadata_len, or 0 */
} CnetdXskBound;

int cnetd_xsk_open (const char *ifname, guint ifindex, guint queue,
                    const CnetdAcquireOptions *opts, const CnetdUmem *umem,
                    int shared_fd, CnetdXskBound *bound, GError **error);

G_END_DECLS
