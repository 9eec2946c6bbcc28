/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CnetXdpProgram's RX metadata: which fields the kernel, the driver and
 * the attach mode allow, and swapping in the build of the program that
 * writes them, through the bpf_link.
 */
#include "config.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "cnet-error-private.h"
#include "cnet-features-private.h"
#include "cnet-xdp-common.h"
#include "cnet-xdp-program-private.h"
#include "cnet-xdp-program.h"

/* Swaps in the build of the program for RX metadata @level, keeping the
 * maps, through the bpf_link (atomically: no frame sees no program).
 * Under prog->lock. */
static gboolean
cnet_xdp_program_upgrade (CnetXdpProgram *prog, int level, GError **error)
{
  struct bpf_object *obj;
  int prog_fd;

  obj = cnet_xdp_object_load (prog->interface, level, prog->ifindex, prog->obj,
                              error);
  if (obj == NULL)
    return FALSE;
  prog_fd = cnet_xdp_object_prog_fd (obj);
  if (prog_fd < 0 || bpf_link_update (prog->link_fd, prog_fd, NULL) < 0)
    {
      int errsv = prog_fd < 0 ? ENOENT : errno;

      bpf_object__close (obj);
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot swap in the XDP program with RX metadata: %s",
                   prog->interface, g_strerror (errsv));
      return FALSE;
    }
  /* The old object stays open until the program goes: other threads may
   * be using its map fds (the same maps) right now, without the lock. */
  g_ptr_array_add (prog->old_objs, prog->obj);
  prog->obj = obj;
  prog->prog_fd = prog_fd;
  prog->meta_level = level;
  if (prog->rx_meta_fd < 0)
    prog->rx_meta_fd = bpf_object__find_map_fd_by_name (obj, "cnet_rx_meta");
  {
    struct bpf_prog_info info = { 0 };
    __u32 len = sizeof info;

    if (bpf_obj_get_info_by_fd (prog_fd, &info, &len) == 0)
      prog->prog_id = info.id;
  }
  g_debug ("%s: XDP program %u with RX metadata (level %d) swapped in",
           prog->interface, prog->prog_id, level);
  return TRUE;
}

/* The kfunc fields of @fields that the kernel, the driver and the attach
 * mode allow; why the others are not, in @why. */
static guint32
cnet_xdp_program_kfunc_fields (CnetXdpProgram *prog, guint32 fields,
                               GString *why)
{
  static const struct
  {
    guint32 field;
    CnetFeatures feature;
  } map[] = {
    { CNET_XDP_META_HASH, CNET_FEATURE_RX_HASH },
    { CNET_XDP_META_HW_TIMESTAMP, CNET_FEATURE_RX_HW_TIMESTAMP },
    { CNET_XDP_META_VLAN_TAG, CNET_FEATURE_RX_VLAN_TAG },
  };
  guint32 granted = 0;

  if ((fields & CNET_XDP_META_KFUNCS) == 0)
    return 0;
  if (prog->mode != CNET_XDP_MODE_NATIVE)
    {
      g_string_append_printf (why,
                              "%s: the RX metadata kfuncs need native XDP; "
                              "the program runs in generic mode",
                              prog->interface);
      return 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    {
      g_autoptr (GError) error = NULL;

      if (!(fields & map[i].field))
        continue;
      if (cnet_features_check (map[i].feature, prog->interface, &error))
        granted |= map[i].field;
      else
        g_string_append_printf (why, "%s%s", why->len ? "; " : "",
                                error->message);
    }
  return granted;
}

/* Asks the program to write RX metadata @fields (CNET_XDP_META_*) before
 * the frames of @queue, or none with 0. Returns the fields it will write:
 * the arrival time when asked for (it works everywhere), the device's
 * fields where the kernel, the driver and the attach mode allow (and a
 * message saying why not in *@why_not, when one was left out); -1 with
 * @error set when the program could not be changed. */
gint64
cnet_xdp_program_set_rx_metadata (CnetXdpProgram *prog, guint queue,
                                  guint32 fields, char **why_not,
                                  GError **error)
{
  g_autoptr (GString) why = g_string_new (NULL);
  guint32 granted = 0;
  guint32 key = queue;
  int level;

  if (why_not != NULL)
    *why_not = NULL;
  if (queue >= CNET_XDP_MAX_QUEUES)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_OUT_OF_RANGE,
                   "%s queue %u: libcnet serves queues 0 to %u only",
                   prog->interface, queue, CNET_XDP_MAX_QUEUES - 1);
      return -1;
    }
  g_mutex_lock (&prog->lock);
  if (fields != 0)
    {
      granted = (fields & CNET_XDP_META_ARRIVAL_TIME) |
                cnet_xdp_program_kfunc_fields (prog, fields, why);
      level = (granted & CNET_XDP_META_KFUNCS) ? 2 : granted != 0 ? 1 : 0;
      if (level > prog->meta_level)
        {
          g_autoptr (GError) local_error = NULL;

          if (!cnet_xdp_program_upgrade (prog, level, &local_error))
            {
              if (level < 2)
                {
                  g_mutex_unlock (&prog->lock);
                  g_propagate_error (error, g_steal_pointer (&local_error));
                  return -1;
                }
              /* Arrival times still work without the kfuncs. */
              g_string_append_printf (why, "%s%s", why->len ? "; " : "",
                                      local_error->message);
              granted &= ~(guint32) CNET_XDP_META_KFUNCS;
              if (granted != 0 && prog->meta_level < 1 &&
                  !cnet_xdp_program_upgrade (prog, 1, error))
                {
                  g_mutex_unlock (&prog->lock);
                  return -1;
                }
            }
        }
      if (prog->meta_level < 2)
        granted &= ~(guint32) CNET_XDP_META_KFUNCS;
    }
  if (prog->rx_meta_fd >= 0 &&
      bpf_map_update_elem (prog->rx_meta_fd, &key, &granted, BPF_ANY) < 0)
    {
      int errsv = errno;

      g_mutex_unlock (&prog->lock);
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s queue %u: cannot ask for RX metadata: %s",
                   prog->interface, queue, g_strerror (errsv));
      return -1;
    }
  g_mutex_unlock (&prog->lock);
  if (why_not != NULL && why->len > 0 && (fields & ~granted) != 0)
    *why_not = g_strdup (why->str);
  return granted;
}

/* The RX metadata build the program runs: 0 none, 1 arrival time, 2 with
 * the kfuncs. */
int
cnet_xdp_program_get_rx_metadata_level (CnetXdpProgram *prog)
{
  return prog->meta_level;
}
