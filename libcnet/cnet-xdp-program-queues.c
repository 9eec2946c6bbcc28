/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A queue's slot in CnetXdpProgram: its counters, its owner (one port of
 * this process per queue), its steering rules and their hit counters, and
 * the socket in the XSKMAP.
 */
#include "config.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "cnet-error-private.h"
#include "cnet-xdp-common.h"
#include "cnet-xdp-program-private.h"
#include "cnet-xdp-program.h"

/* The program's counters for @queue, summed over all CPUs (cnetd's
 * Lease.Stats also wants the bytes). */
gboolean
cnet_xdp_program_read_queue_counters (CnetXdpProgram *program, guint queue,
                                      struct cnet_xdp_queue_counters *sum,
                                      GError **error)
{
  g_autofree struct cnet_xdp_queue_counters *percpu = NULL;
  int n_cpus;
  guint32 key = queue;

  g_return_val_if_fail (CNET_IS_XDP_PROGRAM (program), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (sum, 0, sizeof *sum);
  if (queue >= CNET_XDP_MAX_QUEUES)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%s queue %u: the XDP program serves queues 0 to %u",
                   program->interface, queue, CNET_XDP_MAX_QUEUES - 1);
      return FALSE;
    }
  n_cpus = program->n_cpus;
  percpu = g_new0 (struct cnet_xdp_queue_counters, n_cpus);
  if (bpf_map_lookup_elem (program->counters_fd, &key, percpu) < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s queue %u: cannot read the XDP counters: %s",
                   program->interface, queue, g_strerror (errsv));
      return FALSE;
    }
  for (int i = 0; i < n_cpus; i++)
    {
      sum->redirected += percpu[i].redirected;
      sum->passed += percpu[i].passed;
      sum->dropped += percpu[i].dropped;
      sum->redirected_bytes += percpu[i].redirected_bytes;
    }
  return TRUE;
}

/**
 * cnet_xdp_program_get_queue_counters:
 * @program: a #CnetXdpProgram
 * @queue: a receive queue
 * @redirected: (out) (optional): frames handed to the queue's socket
 * @passed: (out) (optional): frames passed to the kernel because the queue
 *   had no socket
 * @dropped: (out) (optional): frames dropped as shorter than an Ethernet
 *   header
 * @error: return location for a #GError
 *
 * Reads the program's counters for @queue, summed over all CPUs. They count
 * from the moment the program was attached.
 *
 * Returns: %TRUE, or %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
cnet_xdp_program_get_queue_counters (CnetXdpProgram *program, guint queue,
                                     guint64 *redirected, guint64 *passed,
                                     guint64 *dropped, GError **error)
{
  struct cnet_xdp_queue_counters sum;

  if (!cnet_xdp_program_read_queue_counters (program, queue, &sum, error))
    return FALSE;
  if (redirected)
    *redirected = sum.redirected;
  if (passed)
    *passed = sum.passed;
  if (dropped)
    *dropped = sum.dropped;
  return TRUE;
}

/* Reserves @queue for @owner (a port), so that two ports of this process
 * never fight over one XSKMAP slot. */
gboolean
cnet_xdp_program_claim_queue (CnetXdpProgram *prog, guint queue, gpointer owner,
                              GError **error)
{
  gboolean ok = FALSE;

  if (queue >= CNET_XDP_MAX_QUEUES)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%s queue %u: libcnet serves queues 0 to %u only",
                   prog->interface, queue, CNET_XDP_MAX_QUEUES - 1);
      return FALSE;
    }
  g_mutex_lock (&prog->lock);
  if (prog->owners[queue] == NULL)
    {
      prog->owners[queue] = owner;
      ok = TRUE;
    }
  g_mutex_unlock (&prog->lock);
  if (!ok)
    g_set_error (error, CNET_ERROR, CNET_ERROR_BUSY,
                 "%s queue %u: this process has a port on this queue "
                 "already",
                 prog->interface, queue);
  return ok;
}

/* Frees @queue for the next port, with no rules left behind. */
void
cnet_xdp_program_release_queue (CnetXdpProgram *prog, guint queue,
                                gpointer owner)
{
  g_mutex_lock (&prog->lock);
  if (queue < CNET_XDP_MAX_QUEUES && prog->owners[queue] == owner)
    {
      guint32 key = queue, none = 0;

      prog->owners[queue] = NULL;
      if (!cnet_xdp_program_set_rules (prog, queue, NULL, 0, NULL))
        g_debug ("%s queue %u: cannot clear the rules", prog->interface, queue);
      if (prog->rx_meta_fd >= 0)
        bpf_map_update_elem (prog->rx_meta_fd, &key, &none, BPF_ANY);
    }
  g_mutex_unlock (&prog->lock);
}

/* Replaces the steering rules of @queue and zeroes their hit counters.
 * The program reads the rules while they are written, so a frame or two
 * in flight may be judged by a mix of the old and the new rules. */
gboolean
cnet_xdp_program_set_rules (CnetXdpProgram *prog, guint queue,
                            const struct cnet_xdp_rule *rules, guint n_rules,
                            GError **error)
{
  struct cnet_xdp_queue_rules value = { .n_rules = n_rules };
  g_autofree guint64 *zeros = g_new0 (guint64, prog->n_cpus);
  guint32 key = queue;

  g_return_val_if_fail (n_rules <= CNET_XDP_MAX_RULES, FALSE);
  if (n_rules > 0)
    memcpy (value.rules, rules, n_rules * sizeof *rules);
  for (guint i = 0; i < CNET_XDP_MAX_RULES; i++)
    {
      guint32 hit_key = queue * CNET_XDP_MAX_RULES + i;
      if (bpf_map_update_elem (prog->hits_fd, &hit_key, zeros, BPF_ANY) < 0)
        break;
    }
  if (bpf_map_update_elem (prog->rules_fd, &key, &value, BPF_ANY) < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s queue %u: cannot write the steering rules: %s",
                   prog->interface, queue, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* Reads the hits of the first @n_hits rules of @queue, summed over CPUs. */
gboolean
cnet_xdp_program_get_rule_hits (CnetXdpProgram *prog, guint queue,
                                guint64 *hits, guint n_hits, GError **error)
{
  g_autofree guint64 *percpu = g_new0 (guint64, prog->n_cpus);

  for (guint i = 0; i < MIN (n_hits, CNET_XDP_MAX_RULES); i++)
    {
      guint32 key = queue * CNET_XDP_MAX_RULES + i;

      if (bpf_map_lookup_elem (prog->hits_fd, &key, percpu) < 0)
        {
          int errsv = errno;
          g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                       "%s queue %u: cannot read the rule counters: %s",
                       prog->interface, queue, g_strerror (errsv));
          return FALSE;
        }
      hits[i] = 0;
      for (int c = 0; c < prog->n_cpus; c++)
        hits[i] += percpu[c];
    }
  return TRUE;
}

gboolean
cnet_xdp_program_set_socket (CnetXdpProgram *prog, guint queue, int fd,
                             GError **error)
{
  guint32 key = queue;
  guint32 value = (guint32) fd;

  if (bpf_map_update_elem (prog->xsks_fd, &key, &value, BPF_ANY) < 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s queue %u: cannot insert the socket into the XSKMAP: "
                   "%s",
                   prog->interface, queue, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

void
cnet_xdp_program_clear_socket (CnetXdpProgram *prog, guint queue)
{
  guint32 key = queue;

  if (bpf_map_delete_elem (prog->xsks_fd, &key) < 0 && errno != ENOENT)
    g_debug ("%s queue %u: cannot clear the XSKMAP slot: %s", prog->interface,
             queue, g_strerror (errno));
}
