/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The interface settings preferred busy polling needs (docs/data-path.md,
 * "Preferred busy polling"): while a lease with busy polling exists on an
 * interface, cnetd sets its NAPI instances' defer-hard-irqs,
 * gro-flush-timeout and irq-suspend-timeout (netdev netlink napi-set,
 * Linux 6.13: a client cannot, it needs CAP_NET_ADMIN); when the last such
 * lease goes, it puts back what it found.
 *
 * Only netlink, never sysfs: /sys/class/net shows the network namespace
 * sysfs was mounted in, which need not be cnetd's, and writing there
 * could change a same-named interface elsewhere.
 */
#include "config.h"

#include "cnet-features-private.h"
#include "cnet-private.h"
#include "cnetd-napi.h"

typedef struct
{
  guint ifindex;
  guint n_holds;
  GArray *saved; /* CnetNapi: what each instance had before */
} NapiHold;

static GHashTable *holds; /* ifindex -> NapiHold */

static void
napi_hold_free (gpointer data)
{
  NapiHold *hold = data;

  g_clear_pointer (&hold->saved, g_array_unref);
  g_free (hold);
}

/* The settings a leased queue with busy polling gets: interrupts stay
 * deferred while the application polls (defer-hard-irqs, with
 * gro-flush-timeout as the watchdog) and suspended for as long as its busy
 * polls find work (irq-suspend-timeout, the kernel documentation's
 * suggestion of a value well above the application's own loop). */
void
cnetd_napi_busy_poll_settings (CnetNapi *napi)
{
  napi->defer_hard_irqs = CNETD_NAPI_DEFER_HARD_IRQS;
  napi->gro_flush_timeout = CNETD_NAPI_GRO_FLUSH_TIMEOUT_NS;
  napi->irq_suspend_timeout = CNETD_NAPI_IRQ_SUSPEND_TIMEOUT_NS;
}

gboolean
cnetd_napi_hold (guint ifindex, const char *ifname, GError **error)
{
  g_autoptr (GArray) napis = NULL;
  NapiHold *hold;

  if (holds == NULL)
    holds = g_hash_table_new_full (NULL, NULL, NULL, napi_hold_free);
  hold = g_hash_table_lookup (holds, GUINT_TO_POINTER (ifindex));
  if (hold != NULL)
    {
      hold->n_holds++;
      return TRUE;
    }

  if (!cnet_kernel_at_least (6, 13))
    {
      g_autofree char *release = cnet_kernel_release ();

      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s: busy polling without its interface settings: "
                   "per-NAPI defer-hard-irqs, gro-flush-timeout and "
                   "irq-suspend-timeout need Linux 6.13; this kernel is %s "
                   "(set napi_defer_hard_irqs and gro_flush_timeout in "
                   "/sys/class/net/%s by hand)",
                   ifname, release, ifname);
      return FALSE;
    }
  napis = cnet_netdev_napi_list (ifindex, error);
  if (napis == NULL)
    return FALSE;
  if (napis->len == 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s: the interface has no NAPI instance to configure for "
                   "busy polling (veth has them only with an XDP program "
                   "in native mode, or GRO)",
                   ifname);
      return FALSE;
    }
  for (guint i = 0; i < napis->len; i++)
    {
      CnetNapi want = g_array_index (napis, CnetNapi, i);

      cnetd_napi_busy_poll_settings (&want);
      if (!cnet_netdev_napi_set (&want, error))
        {
          /* Put back the ones already changed. */
          for (guint j = 0; j < i; j++)
            cnet_netdev_napi_set (&g_array_index (napis, CnetNapi, j), NULL);
          g_prefix_error (error, "%s: ", ifname);
          return FALSE;
        }
    }
  hold = g_new0 (NapiHold, 1);
  hold->ifindex = ifindex;
  hold->n_holds = 1;
  hold->saved = g_steal_pointer (&napis);
  g_hash_table_insert (holds, GUINT_TO_POINTER (ifindex), hold);
  g_debug ("%s: busy-poll settings applied to %u NAPI instance(s)", ifname,
           hold->saved->len);
  return TRUE;
}

void
cnetd_napi_release (guint ifindex)
{
  NapiHold *hold;
  g_autoptr (GArray) now = NULL;

  if (holds == NULL ||
      (hold = g_hash_table_lookup (holds, GUINT_TO_POINTER (ifindex))) == NULL)
    return;
  if (--hold->n_holds > 0)
    return;

  /* Instances that went meanwhile (the XDP program detached, the
   * interface gone) took their settings along. */
  now = cnet_netdev_napi_list (ifindex, NULL);
  for (guint i = 0; i < hold->saved->len; i++)
    {
      const CnetNapi *saved = &g_array_index (hold->saved, CnetNapi, i);
      gboolean exists = FALSE;
      g_autoptr (GError) error = NULL;

      for (guint j = 0; now != NULL && j < now->len; j++)
        exists |= g_array_index (now, CnetNapi, j).id == saved->id;
      if (exists && !cnet_netdev_napi_set (saved, &error))
        g_warning ("interface %u: cannot restore NAPI %u: %s", ifindex,
                   saved->id, error->message);
    }
  g_hash_table_remove (holds, GUINT_TO_POINTER (ifindex));
}

guint
cnetd_napi_get_n_holds (guint ifindex)
{
  NapiHold *hold =
    holds ? g_hash_table_lookup (holds, GUINT_TO_POINTER (ifindex)) : NULL;

  return hold ? hold->n_holds : 0;
}
