/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Non-destructive capture slots in CnetXdpProgram, for cnetd's capture
 * leases (see cnet-xdp-capture-private.h).
 */
#include "config.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "cnet-error-private.h"
#include "cnet-xdp-capture-private.h"
#include "cnet-xdp-common.h"
#include "cnet-xdp-program-private.h"
#include "cnet-xdp-program.h"

/* --- capture (cnet-xdp-capture-private.h) ------------------------------- */

static gboolean
capture_set_mask (CnetXdpProgram *prog, GError **error)
{
  guint32 key = 0, mask = 0;

  /* Under prog->lock. */
  for (guint i = 0; i < CNET_XDP_MAX_CAPTURES; i++)
    if (prog->capture_owners[i] != NULL)
      mask |= 1u << i;
  if (bpf_map_update_elem (prog->capture_mask_fd, &key, &mask, BPF_ANY) < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot write the capture mask: %s", prog->interface,
                   g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

int
cnet_xdp_program_start_capture (CnetXdpProgram *prog, guint32 queue,
                                guint snaplen,
                                const struct cnet_xdp_rule *rules,
                                guint n_rules, gpointer owner, guint *slot,
                                GError **error)
{
  struct cnet_xdp_capture cap = { .queue = queue,
                                  .snaplen = snaplen,
                                  .n_rules = n_rules };
  g_autofree struct cnet_xdp_capture_counters *zeros =
    g_new0 (struct cnet_xdp_capture_counters, prog->n_cpus);
  LIBBPF_OPTS (bpf_map_create_opts, opts);
  guint32 key;
  int ring_fd;
  int errsv;

  g_return_val_if_fail (CNET_IS_XDP_PROGRAM (prog), -1);
  g_return_val_if_fail (owner != NULL, -1);
  g_return_val_if_fail (n_rules <= CNET_XDP_MAX_RULES, -1);
  g_return_val_if_fail (snaplen >= 1 && snaplen <= CNET_XDP_CAPTURE_MAX_SNAPLEN,
                        -1);

  if (n_rules > 0)
    memcpy (cap.rules, rules, n_rules * sizeof *rules);

  g_mutex_lock (&prog->lock);
  for (key = 0; key < CNET_XDP_MAX_CAPTURES; key++)
    if (prog->capture_owners[key] == NULL)
      break;
  if (key == CNET_XDP_MAX_CAPTURES)
    {
      g_mutex_unlock (&prog->lock);
      g_set_error (error, CNET_ERROR, CNET_ERROR_BUSY,
                   "%s: %u captures run on it already, the most one "
                   "interface has room for",
                   prog->interface, CNET_XDP_MAX_CAPTURES);
      return -1;
    }

  /* A ring buffer of this capture's own: its client keeps no window on
   * any other capture's packets, earlier or later. */
  ring_fd = bpf_map_create (BPF_MAP_TYPE_RINGBUF, "cnet_capture", 0, 0,
                            CNET_XDP_CAPTURE_RING_SIZE, &opts);
  if (ring_fd < 0)
    {
      errsv = errno;
      g_mutex_unlock (&prog->lock);
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot create a capture ring buffer: %s",
                   prog->interface, g_strerror (errsv));
      return -1;
    }
  if (bpf_map_update_elem (prog->captures_fd, &key, &cap, BPF_ANY) < 0 ||
      bpf_map_update_elem (prog->capture_counters_fd, &key, zeros, BPF_ANY) <
        0 ||
      bpf_map_update_elem (prog->capture_rings_fd, &key, &ring_fd, BPF_ANY) < 0)
    {
      errsv = errno;
      g_mutex_unlock (&prog->lock);
      close (ring_fd);
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot set up capture slot %u: %s", prog->interface,
                   key, g_strerror (errsv));
      return -1;
    }
  prog->capture_owners[key] = owner;
  if (!capture_set_mask (prog, error))
    {
      prog->capture_owners[key] = NULL;
      bpf_map_delete_elem (prog->capture_rings_fd, &key);
      g_mutex_unlock (&prog->lock);
      close (ring_fd);
      return -1;
    }
  g_mutex_unlock (&prog->lock);
  *slot = key;
  return ring_fd;
}

void
cnet_xdp_program_stop_capture (CnetXdpProgram *prog, guint slot, gpointer owner)
{
  guint32 key = slot;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (CNET_IS_XDP_PROGRAM (prog));
  g_return_if_fail (slot < CNET_XDP_MAX_CAPTURES);

  g_mutex_lock (&prog->lock);
  if (prog->capture_owners[slot] != owner)
    {
      g_mutex_unlock (&prog->lock);
      return;
    }
  prog->capture_owners[slot] = NULL;
  /* The bit first, then the ring: no record reaches the old ring after
   * this returns but what a CPU was writing just then. */
  if (!capture_set_mask (prog, &error))
    g_debug ("%s", error->message);
  if (bpf_map_delete_elem (prog->capture_rings_fd, &key) < 0 && errno != ENOENT)
    g_debug ("%s: cannot clear capture slot %u: %s", prog->interface, slot,
             g_strerror (errno));
  g_mutex_unlock (&prog->lock);
}

gboolean
cnet_xdp_program_get_capture_counters (CnetXdpProgram *prog, guint slot,
                                       guint64 *captured, guint64 *lost,
                                       GError **error)
{
  g_autofree struct cnet_xdp_capture_counters *percpu =
    g_new0 (struct cnet_xdp_capture_counters, prog->n_cpus);
  guint32 key = slot;

  if (bpf_map_lookup_elem (prog->capture_counters_fd, &key, percpu) < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot read the counters of capture slot %u: %s",
                   prog->interface, slot, g_strerror (errsv));
      return FALSE;
    }
  *captured = *lost = 0;
  for (int c = 0; c < prog->n_cpus; c++)
    {
      *captured += percpu[c].captured;
      *lost += percpu[c].lost;
    }
  return TRUE;
}
