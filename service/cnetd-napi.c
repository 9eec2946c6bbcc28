/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The interface settings preferred busy polling needs (docs/data-path.md,
 * "Preferred busy polling"): while a lease with busy polling exists on an
 * interface, cnetd sets its NAPI instances' defer-hard-irqs,
 * gro-flush-timeout and irq-suspend-timeout (netdev netlink napi-set,
 * Linux 6.13: a client cannot, it needs CAP_NET_ADMIN); when the last such
 * lease goes, it puts back what it found.
 *
 * When (cnetd --busy-poll-napi): by default once the lease's socket has
 * received a frame through a NAPI instance (SO_INCOMING_NAPI_ID), since
 * only then does its busy polling drive that instance; on veth it never
 * does (docs/data-path.md), and deferring its interrupts would only hold
 * every frame until the gro-flush-timeout watchdog. `always` applies them
 * when the lease starts, `never` not at all.
 *
 * Only netlink, never sysfs: /sys/class/net shows the network namespace
 * sysfs was mounted in, which need not be cnetd's, and writing there
 * could change a same-named interface elsewhere.
 */
#include "config.h"

#include "cnet-error-private.h"
#include "cnet-features-private.h"
#include "cnetd-napi.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct
{
  guint ifindex;
  guint n_holds;
  GArray *saved; /* CnetNapi: what each instance had before */
} NapiHold;

static GHashTable *holds; /* ifindex -> NapiHold */
static CnetdNapiPolicy policy = CNETD_NAPI_POLICY_AUTO;

struct _CnetdNapiLease
{
  guint ifindex;
  guint lease_id;
  char *ifname;
  int fd;           /* a duplicate of the lease's socket, while waiting */
  guint watch_id;   /* the SO_INCOMING_NAPI_ID check, while waiting */
  gboolean applied; /* holds the interface's settings */
};

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

gboolean
cnetd_napi_set_policy_from_string (const char *name, GError **error)
{
  if (g_strcmp0 (name, "auto") == 0)
    policy = CNETD_NAPI_POLICY_AUTO;
  else if (g_strcmp0 (name, "always") == 0)
    policy = CNETD_NAPI_POLICY_ALWAYS;
  else if (g_strcmp0 (name, "never") == 0)
    policy = CNETD_NAPI_POLICY_NEVER;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--busy-poll-napi: \"%s\" is not one of auto, always, "
                   "never",
                   name);
      return FALSE;
    }
  return TRUE;
}

/* The NAPI instance the socket's received frames came through: 0 until
 * one arrived, and on drivers whose XDP receive queues name none (veth
 * registers them before its instance has an id), for good. */
static guint
napi_lease_socket_napi_id (CnetdNapiLease *nl)
{
  guint napi_id = 0;
  socklen_t len = sizeof napi_id;

  if (getsockopt (nl->fd, SOL_SOCKET, SO_INCOMING_NAPI_ID, &napi_id, &len) < 0)
    return 0;
  return napi_id;
}

static void
napi_lease_stop_watch (CnetdNapiLease *nl)
{
  g_clear_handle_id (&nl->watch_id, g_source_remove);
  if (nl->fd >= 0)
    close (nl->fd);
  nl->fd = -1;
}

static gboolean
napi_lease_apply (CnetdNapiLease *nl)
{
  g_autoptr (GError) error = NULL;

  nl->applied = cnetd_napi_hold (nl->ifindex, nl->ifname, &error);
  if (!nl->applied)
    g_message ("lease %u: busy polling without cnetd's NAPI settings: %s",
               nl->lease_id, error->message);
  return nl->applied;
}

static gboolean
napi_lease_check (gpointer user_data)
{
  CnetdNapiLease *nl = user_data;
  guint napi_id = napi_lease_socket_napi_id (nl);

  if (napi_id == 0)
    return G_SOURCE_CONTINUE;
  g_debug ("lease %u: the socket's frames come through NAPI %u", nl->lease_id,
           napi_id);
  nl->watch_id = 0;
  napi_lease_stop_watch (nl);
  napi_lease_apply (nl);
  return G_SOURCE_REMOVE;
}

/* How often a waiting lease's socket is asked; what is lost by asking
 * rarely is the settings' effect for that long after the first frame. */
#define CNETD_NAPI_CHECK_MS 200

CnetdNapiLease *
cnetd_napi_lease_new (guint ifindex, const char *ifname, guint lease_id,
                      int xsk_fd, GError **error)
{
  g_autoptr (CnetdNapiLease) nl = NULL;

  if (policy == CNETD_NAPI_POLICY_NEVER)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s: cnetd runs with --busy-poll-napi=never; busy "
                   "polling without its interface settings",
                   ifname);
      return NULL;
    }
  nl = g_new0 (CnetdNapiLease, 1);
  nl->ifindex = ifindex;
  nl->lease_id = lease_id;
  nl->ifname = g_strdup (ifname);
  nl->fd = -1;
  /* AUTO waits for the first frame the socket receives to tell; a kernel
   * that cannot apply them at all is said at once. */
  if (policy == CNETD_NAPI_POLICY_ALWAYS || !cnet_kernel_at_least (6, 13))
    {
      nl->applied = cnetd_napi_hold (ifindex, ifname, error);
      return nl->applied ? g_steal_pointer (&nl) : NULL;
    }
  nl->fd = fcntl (xsk_fd, F_DUPFD_CLOEXEC, 3);
  if (nl->fd < 0)
    {
      int errsv = errno;

      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot watch the lease's socket: %s", ifname,
                   g_strerror (errsv));
      return NULL;
    }
  if (napi_lease_socket_napi_id (nl) != 0)
    {
      napi_lease_stop_watch (nl);
      napi_lease_apply (nl);
      return g_steal_pointer (&nl);
    }
  nl->watch_id = g_timeout_add (CNETD_NAPI_CHECK_MS, napi_lease_check, nl);
  return g_steal_pointer (&nl);
}

gboolean
cnetd_napi_lease_is_applied (const CnetdNapiLease *nl)
{
  return nl != NULL && nl->applied;
}

void
cnetd_napi_lease_free (CnetdNapiLease *nl)
{
  if (nl == NULL)
    return;
  napi_lease_stop_watch (nl);
  if (nl->applied)
    cnetd_napi_release (nl->ifindex);
  g_free (nl->ifname);
  g_free (nl);
}
