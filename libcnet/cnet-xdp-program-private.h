/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetXdpProgram's internals: its state, shared by the program's files
 * (cnet-xdp-program.c: the GObject, loading and attaching;
 * cnet-xdp-program-queues.c: a queue's slot; cnet-xdp-capture.c: capture
 * slots; cnet-xdp-program-rx-metadata.c), and what ports and cnetd's
 * leases use: a queue's slot (owner, XSKMAP socket, rules, counters) and
 * the RX metadata side.
 */
#pragma once

#include "cnet-xdp-common.h"
#include "cnet-xdp-program.h"

G_BEGIN_DECLS

struct bpf_object;

struct _CnetXdpProgram
{
  GObject parent_instance;

  char *interface;
  guint ifindex;
  CnetXdpMode mode; /* requested, then the one attached */
  CnetXdpAttachFlags flags;

  struct bpf_object *obj;
  int prog_fd;
  int link_fd; /* the bpf_link that keeps the program attached */
  guint prog_id;
  int xsks_fd;
  int counters_fd;
  int rules_fd;
  int hits_fd;
  /* capture (cnet-xdp-capture-private.h) */
  int capture_mask_fd;
  int captures_fd;
  int capture_counters_fd;
  int capture_rings_fd;
  gpointer capture_owners[CNET_XDP_MAX_CAPTURES]; /* under lock */
  int rx_meta_fd;      /* cnet_rx_meta, in the metadata builds */
  GPtrArray *old_objs; /* builds swapped out, closed at finalize */
  int meta_level;      /* which of object_paths is loaded */
  int n_cpus;
  gboolean attached;

  GMutex lock; /* protects owners */
  gpointer owners[CNET_XDP_MAX_QUEUES];
};

/* Opens and loads the build of the program for RX metadata @level;
 * with @maps_from, reusing that object's maps (cnet-xdp-program.c). */
struct bpf_object *cnet_xdp_object_load (const char *what, int level,
                                         guint ifindex,
                                         struct bpf_object *maps_from,
                                         GError **error);
/* The fd of @obj's XDP program (loaded), or -1. */
int cnet_xdp_object_prog_fd (struct bpf_object *obj);

/* --- For ports and cnetd ------------------------------------------------- */

/* cnet-xdp-program.c */
gboolean cnet_xdp_program_preload (GError **error);
int cnet_xdp_program_get_xsks_fd (CnetXdpProgram *prog);

/* cnet-xdp-program-queues.c: a queue's slot */
gboolean cnet_xdp_program_claim_queue (CnetXdpProgram *prog, guint queue,
                                       gpointer owner, GError **error);
void cnet_xdp_program_release_queue (CnetXdpProgram *prog, guint queue,
                                     gpointer owner);
gboolean cnet_xdp_program_set_socket (CnetXdpProgram *prog, guint queue, int fd,
                                      GError **error);
void cnet_xdp_program_clear_socket (CnetXdpProgram *prog, guint queue);
gboolean cnet_xdp_program_set_rules (CnetXdpProgram *prog, guint queue,
                                     const struct cnet_xdp_rule *rules,
                                     guint n_rules, GError **error);
gboolean cnet_xdp_program_get_rule_hits (CnetXdpProgram *prog, guint queue,
                                         guint64 *hits, guint n_hits,
                                         GError **error);
gboolean cnet_xdp_program_read_queue_counters (
  CnetXdpProgram *prog, guint queue, struct cnet_xdp_queue_counters *sum,
  GError **error);

/* --- RX metadata (cnet-xdp-program-rx-metadata.c) ------------------------ */

gint64 cnet_xdp_program_set_rx_metadata (CnetXdpProgram *prog, guint queue,
                                         guint32 fields, char **why_not,
                                         GError **error);
int cnet_xdp_program_get_rx_metadata_level (CnetXdpProgram *prog);

G_END_DECLS
