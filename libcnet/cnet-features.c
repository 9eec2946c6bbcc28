/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the kernel and an interface support, probed at run time: the
 * kernel's version for what has no other probe, and the netdev generic
 * netlink family (Linux 6.3) for what the driver says of itself.
 */
#include "config.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cnet-enums.h"
#include "cnet-error.h"
#include "cnet-features-private.h"
#include "cnet-features.h"

/* The netdev family (linux/netdev.h; Debian 12's headers predate it). */
#define NETDEV_FAMILY_NAME "netdev"
#define NETDEV_CMD_DEV_GET 1
#define NETDEV_A_DEV_IFINDEX 1
#define NETDEV_A_DEV_XDP_FEATURES 3
#define NETDEV_A_DEV_XDP_ZC_MAX_SEGS 4
#define NETDEV_A_DEV_XDP_RX_METADATA_FEATURES 5
#define NETDEV_A_DEV_XSK_FEATURES 6
#define NETDEV_A_NAPI_IFINDEX 1
#define NETDEV_A_NAPI_ID 2
#define NETDEV_A_NAPI_DEFER_HARD_IRQS 5
#define NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT 6
#define NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT 7

/* ---- kernel version ---------------------------------------------------- */

char *
cnet_kernel_release (void)
{
  const char *fake = g_getenv ("CNET_KERNEL_RELEASE");
  struct utsname u;

  if (fake != NULL && *fake != '\0')
    return g_strdup (fake);
  if (uname (&u) < 0)
    return g_strdup ("0.0");
  return g_strdup (u.release);
}

static void
parse_release (const char *release, guint *major, guint *minor)
{
  char *end = NULL;

  *major = (guint) g_ascii_strtoull (release, &end, 10);
  *minor = 0;
  if (end != NULL && *end == '.')
    *minor = (guint) g_ascii_strtoull (end + 1, NULL, 10);
}

gboolean
cnet_kernel_at_least (guint major, guint minor)
{
  g_autofree char *release = cnet_kernel_release ();
  guint maj, min;

  parse_release (release, &maj, &min);
  return maj > major || (maj == major && min >= minor);
}

/* ---- generic netlink --------------------------------------------------- */

typedef struct
{
  struct nlmsghdr nlh;
  struct genlmsghdr genl;
  char attrs[128];
} GenlRequest;

static void
put_attr (GenlRequest *req, guint16 type, const void *data, guint16 len)
{
  struct nlattr *nla =
    (struct nlattr *) ((char *) &req->nlh + NLMSG_ALIGN (req->nlh.nlmsg_len));

  g_assert (NLMSG_ALIGN (req->nlh.nlmsg_len) + NLA_ALIGN (NLA_HDRLEN + len) <=
            sizeof *req);
  nla->nla_type = type;
  nla->nla_len = (guint16) (NLA_HDRLEN + len);
  memcpy ((char *) nla + NLA_HDRLEN, data, len);
  req->nlh.nlmsg_len =
    NLMSG_ALIGN (req->nlh.nlmsg_len) + NLA_ALIGN (nla->nla_len);
}

static void
init_request (GenlRequest *req, guint16 family, guint8 cmd, guint16 flags)
{
  memset (req, 0, sizeof *req);
  req->nlh.nlmsg_len = NLMSG_LENGTH (GENL_HDRLEN);
  req->nlh.nlmsg_type = family;
  req->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
  req->nlh.nlmsg_seq = 1;
  req->genl.cmd = cmd;
  req->genl.version = 1;
}

typedef void (*AttrFunc) (const struct nlattr *attrs, int len,
                          gpointer user_data);

/* Sends @req and hands the attributes of each reply message to @func.
 * Returns 0, or -errno (the kernel's error, or the socket's). */
static int
transact (int fd, GenlRequest *req, AttrFunc func, gpointer user_data)
{
  g_autofree char *buf = g_malloc (32768);
  gboolean dump = (req->nlh.nlmsg_flags & NLM_F_DUMP) != 0;

  if (send (fd, req, req->nlh.nlmsg_len, 0) < 0)
    return -errno;
  for (;;)
    {
      gssize n = recv (fd, buf, 32768, 0);
      struct nlmsghdr *nlh;
      int left;

      if (n < 0)
        return -errno;
      left = (int) n;
      for (nlh = (struct nlmsghdr *) buf; NLMSG_OK (nlh, (guint) left);
           nlh = NLMSG_NEXT (nlh, left))
        {
          if (nlh->nlmsg_type == NLMSG_DONE)
            return 0;
          if (nlh->nlmsg_type == NLMSG_ERROR)
            {
              struct nlmsgerr *err = NLMSG_DATA (nlh);
              return err->error; /* 0 for an ACK */
            }
          if (func != NULL)
            func ((const struct nlattr *) ((char *) NLMSG_DATA (nlh) +
                                           GENL_HDRLEN),
                  (int) nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, user_data);
          if (!dump)
            return 0;
        }
    }
}

#define FOR_EACH_ATTR(nla, attrs, len)                                         \
  for (const struct nlattr *nla = (attrs);                                     \
       (len) >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&                    \
       nla->nla_len <= (len);                                                  \
       (len) -= NLA_ALIGN (nla->nla_len),                                      \
                           nla = (const struct nlattr *) ((const char *) nla + \
                                                          NLA_ALIGN (          \
                                                            nla->nla_len)))

static guint64
attr_uint (const struct nlattr *nla)
{
  const char *p = (const char *) nla + NLA_HDRLEN;
  int len = nla->nla_len - NLA_HDRLEN;

  if (len >= 8)
    {
      guint64 v;
      memcpy (&v, p, 8);
      return v;
    }
  if (len >= 4)
    {
      guint32 v;
      memcpy (&v, p, 4);
      return v;
    }
  if (len >= 2)
    {
      guint16 v;
      memcpy (&v, p, 2);
      return v;
    }
  return len >= 1 ? (guint8) *p : 0;
}

typedef struct
{
  guint16 family;
  guint64 cmds[4]; /* a bit per command id */
} FamilyInfo;

static void
family_cb (const struct nlattr *attrs, int len, gpointer user_data)
{
  FamilyInfo *info = user_data;

  FOR_EACH_ATTR (nla, attrs, len)
  {
    int type = nla->nla_type & NLA_TYPE_MASK;

    if (type == CTRL_ATTR_FAMILY_ID)
      info->family = (guint16) attr_uint (nla);
    else if (type == CTRL_ATTR_OPS)
      {
        int oplen = nla->nla_len - NLA_HDRLEN;

        FOR_EACH_ATTR (op,
                       (const struct nlattr *) ((const char *) nla +
                                                NLA_HDRLEN),
                       oplen)
        {
          int alen = op->nla_len - NLA_HDRLEN;

          FOR_EACH_ATTR (a,
                         (const struct nlattr *) ((const char *) op +
                                                  NLA_HDRLEN),
                         alen)
          {
            if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_OP_ID)
              {
                guint64 id = attr_uint (a);
                if (id < 256)
                  info->cmds[id / 64] |= G_GUINT64_CONSTANT (1) << (id % 64);
              }
          }
        }
      }
  }
}

/* Opens a generic netlink socket and resolves the netdev family; -1 when
 * the kernel has none (before 6.3). */
static int
netdev_open (FamilyInfo *info)
{
  GenlRequest req;
  int fd;

  memset (info, 0, sizeof *info);
  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (fd < 0)
    return -1;
  init_request (&req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
  put_attr (&req, CTRL_ATTR_FAMILY_NAME, NETDEV_FAMILY_NAME,
            sizeof NETDEV_FAMILY_NAME);
  if (transact (fd, &req, family_cb, info) < 0 || info->family == 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

gboolean
cnet_netdev_has_cmd (guint8 cmd)
{
  FamilyInfo info;
  int fd = netdev_open (&info);

  if (fd < 0)
    return FALSE;
  close (fd);
  return (info.cmds[cmd / 64] & (G_GUINT64_CONSTANT (1) << (cmd % 64))) != 0;
}

static void
dev_cb (const struct nlattr *attrs, int len, gpointer user_data)
{
  CnetNetdevDev *dev = user_data;

  FOR_EACH_ATTR (nla, attrs, len)
  {
    switch (nla->nla_type & NLA_TYPE_MASK)
      {
      case NETDEV_A_DEV_XDP_FEATURES:
        dev->known = TRUE;
        dev->xdp_features = attr_uint (nla);
        break;
      case NETDEV_A_DEV_XDP_ZC_MAX_SEGS:
        dev->xdp_zc_max_segs = (guint32) attr_uint (nla);
        break;
      case NETDEV_A_DEV_XDP_RX_METADATA_FEATURES:
        dev->has_rx_metadata = TRUE;
        dev->xdp_rx_metadata_features = attr_uint (nla);
        break;
      case NETDEV_A_DEV_XSK_FEATURES:
        dev->has_xsk_features = TRUE;
        dev->xsk_features = attr_uint (nla);
        break;
      default:
        break;
      }
  }
}

gboolean
cnet_netdev_dev_get (guint ifindex, CnetNetdevDev *dev)
{
  FamilyInfo info;
  GenlRequest req;
  guint32 idx = ifindex;
  int fd;

  memset (dev, 0, sizeof *dev);
  fd = netdev_open (&info);
  if (fd < 0)
    return FALSE;
  init_request (&req, info.family, NETDEV_CMD_DEV_GET, 0);
  put_attr (&req, NETDEV_A_DEV_IFINDEX, &idx, sizeof idx);
  if (transact (fd, &req, dev_cb, dev) < 0)
    dev->known = FALSE;
  close (fd);
  return dev->known;
}

typedef struct
{
  GArray *napis;
  guint32 ifindex;
} NapiList;

static void
napi_cb (const struct nlattr *attrs, int len, gpointer user_data)
{
  NapiList *list = user_data;
  CnetNapi napi = { 0 };
  guint32 ifindex = 0;

  FOR_EACH_ATTR (nla, attrs, len)
  {
    switch (nla->nla_type & NLA_TYPE_MASK)
      {
      case NETDEV_A_NAPI_IFINDEX:
        ifindex = (guint32) attr_uint (nla);
        break;
      case NETDEV_A_NAPI_ID:
        napi.id = (guint32) attr_uint (nla);
        break;
      case NETDEV_A_NAPI_DEFER_HARD_IRQS:
        napi.defer_hard_irqs = (guint32) attr_uint (nla);
        break;
      case NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT:
        napi.gro_flush_timeout = attr_uint (nla);
        break;
      case NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT:
        napi.irq_suspend_timeout = attr_uint (nla);
        break;
      default:
        break;
      }
  }
  if (napi.id != 0 && ifindex == list->ifindex)
    g_array_append_val (list->napis, napi);
}

GArray *
cnet_netdev_napi_list (guint ifindex, GError **error)
{
  FamilyInfo info;
  GenlRequest req;
  NapiList list = { NULL, ifindex };
  int fd, err;

  fd = netdev_open (&info);
  if (fd < 0 ||
      !(info.cmds[0] & (G_GUINT64_CONSTANT (1) << CNET_NETDEV_CMD_NAPI_SET)))
    {
      g_autofree char *release = cnet_kernel_release ();

      if (fd >= 0)
        close (fd);
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "interface %u: per-NAPI settings need the netdev netlink "
                   "family's napi-set (Linux 6.13); this kernel (%s) has "
                   "none",
                   ifindex, release);
      return NULL;
    }
  init_request (&req, info.family, CNET_NETDEV_CMD_NAPI_GET, NLM_F_DUMP);
  put_attr (&req, NETDEV_A_NAPI_IFINDEX, &list.ifindex, sizeof list.ifindex);
  list.napis = g_array_new (FALSE, TRUE, sizeof (CnetNapi));
  err = transact (fd, &req, napi_cb, &list);
  close (fd);
  if (err < 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "interface %u: cannot list its NAPI instances: %s", ifindex,
                   g_strerror (-err));
      g_array_unref (list.napis);
      return NULL;
    }
  return list.napis;
}

gboolean
cnet_netdev_napi_set (const CnetNapi *napi, GError **error)
{
  FamilyInfo info;
  GenlRequest req;
  guint32 defer = napi->defer_hard_irqs;
  guint64 gro = napi->gro_flush_timeout;
  guint64 suspend = napi->irq_suspend_timeout;
  int fd, err;

  fd = netdev_open (&info);
  if (fd < 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "NAPI %u: the kernel has no netdev netlink family",
                   napi->id);
      return FALSE;
    }
  init_request (&req, info.family, CNET_NETDEV_CMD_NAPI_SET, NLM_F_ACK);
  put_attr (&req, NETDEV_A_NAPI_ID, &napi->id, sizeof napi->id);
  put_attr (&req, NETDEV_A_NAPI_DEFER_HARD_IRQS, &defer, sizeof defer);
  put_attr (&req, NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT, &gro, sizeof gro);
  put_attr (&req, NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT, &suspend, sizeof suspend);
  err = transact (fd, &req, NULL, NULL);
  close (fd);
  if (err < 0)
    {
      g_set_error (error, CNET_ERROR,
                   err == -EPERM ? CNET_ERROR_PERMISSION_DENIED
                                 : CNET_ERROR_FAILED,
                   "NAPI %u: cannot set defer-hard-irqs %u, gro-flush-timeout "
                   "%" G_GUINT64_FORMAT " ns, irq-suspend-timeout "
                   "%" G_GUINT64_FORMAT " ns: %s",
                   napi->id, defer, gro, suspend, g_strerror (-err));
      return FALSE;
    }
  return TRUE;
}

/* ---- the public probe -------------------------------------------------- */

typedef struct
{
  CnetFeatures feature;
  guint major, minor;
  const char *min_kernel;
  const char *what;
} FeatureInfo;

/* One line per feature: its minimum kernel (what libcnet's use of it
 * needs) and how messages name it. */
static const FeatureInfo feature_table[] = {
  { CNET_FEATURE_NATIVE_XDP, 6, 3, "6.3",
    "native XDP (as netdev netlink "
    "xdp-features says)" },
  { CNET_FEATURE_ZERO_COPY, 6, 3, "6.3",
    "zero-copy AF_XDP (as netdev "
    "netlink xdp-features says)" },
  { CNET_FEATURE_MULTI_BUFFER, 6, 6, "6.6", "multi-buffer (jumbo) frames" },
  { CNET_FEATURE_RX_ARRIVAL_TIME, 5, 9, "5.9", "RX arrival-time metadata" },
  { CNET_FEATURE_RX_HASH, 6, 8, "6.8", "RX hash metadata" },
  { CNET_FEATURE_RX_HW_TIMESTAMP, 6, 8, "6.8",
    "RX hardware timestamp "
    "metadata" },
  { CNET_FEATURE_RX_VLAN_TAG, 6, 8, "6.8", "RX VLAN tag metadata" },
  { CNET_FEATURE_TX_METADATA, 6, 11, "6.11", "TX metadata" },
  { CNET_FEATURE_TX_CHECKSUM, 6, 11, "6.11", "TX checksum offload" },
  { CNET_FEATURE_TX_TIMESTAMP, 6, 11, "6.11", "TX completion timestamps" },
  { CNET_FEATURE_TX_LAUNCH_TIME, 6, 15, "6.15", "TX launch time" },
  { CNET_FEATURE_BUSY_POLL, 5, 11, "5.11", "preferred busy polling" },
  { CNET_FEATURE_NAPI_CONFIG, 6, 13, "6.13",
    "per-NAPI settings "
    "(irq-suspend-timeout)" },
  { CNET_FEATURE_TX_SKB_BUDGET, 6, 17, "6.17",
    "the copy-mode TX budget "
    "(XDP_MAX_TX_SKB_BUDGET)" },
};

static const FeatureInfo *
feature_info (CnetFeatures feature)
{
  for (guint i = 0; i < G_N_ELEMENTS (feature_table); i++)
    if (feature_table[i].feature == feature)
      return &feature_table[i];
  return NULL;
}

/**
 * cnet_features_get_min_kernel:
 * @feature: one feature
 *
 * The oldest Linux release on which libcnet offers @feature (the driver
 * may still lack it: see cnet_features_probe()).
 *
 * Returns: (nullable): the release, as "6.8", or %NULL when @feature is
 *   not exactly one known feature; for %CNET_FEATURE_NONE the core's
 *   minimum, %CNET_FEATURES_CORE_MIN_KERNEL
 *
 * Since: 1.0
 */
const char *
cnet_features_get_min_kernel (CnetFeatures feature)
{
  const FeatureInfo *info;

  if (feature == CNET_FEATURE_NONE)
    return CNET_FEATURES_CORE_MIN_KERNEL;
  info = feature_info (feature);
  return info ? info->min_kernel : NULL;
}

/**
 * cnet_features_get_kernel_release:
 *
 * The kernel release libcnet judges features by: the running kernel's
 * (uname(2)), or the one the environment variable `CNET_KERNEL_RELEASE`
 * names (for tests that pretend to run on an older kernel).
 *
 * Returns: (transfer full): the release, as "6.18.4"
 *
 * Since: 1.0
 */
char *
cnet_features_get_kernel_release (void)
{
  return cnet_kernel_release ();
}

/* What the kernel version allows, ignoring the device. */
static CnetFeatures
kernel_features (void)
{
  g_autofree char *release = cnet_kernel_release ();
  CnetFeatures features = CNET_FEATURE_NONE;
  guint maj, min;

  parse_release (release, &maj, &min);
  for (guint i = 0; i < G_N_ELEMENTS (feature_table); i++)
    if (maj > feature_table[i].major ||
        (maj == feature_table[i].major && min >= feature_table[i].minor))
      features |= feature_table[i].feature;
  return features;
}

/* What the device says of itself (netdev netlink); features the device
 * has no say in are left as they are. */
static CnetFeatures
device_features (CnetFeatures features, const CnetNetdevDev *dev)
{
  if (!dev->known)
    return features &
           ~(CNET_FEATURE_NATIVE_XDP | CNET_FEATURE_ZERO_COPY |
             CNET_FEATURE_RX_HASH | CNET_FEATURE_RX_HW_TIMESTAMP |
             CNET_FEATURE_RX_VLAN_TAG | CNET_FEATURE_TX_CHECKSUM |
             CNET_FEATURE_TX_TIMESTAMP | CNET_FEATURE_TX_LAUNCH_TIME);
  if ((dev->xdp_features &
       (CNET_NETDEV_XDP_ACT_BASIC | CNET_NETDEV_XDP_ACT_REDIRECT)) !=
      (CNET_NETDEV_XDP_ACT_BASIC | CNET_NETDEV_XDP_ACT_REDIRECT))
    features &= ~CNET_FEATURE_NATIVE_XDP;
  if (!(dev->xdp_features & CNET_NETDEV_XDP_ACT_XSK_ZEROCOPY))
    features &= ~CNET_FEATURE_ZERO_COPY;
  if (!(dev->xdp_rx_metadata_features & CNET_NETDEV_XDP_RX_METADATA_HASH))
    features &= ~CNET_FEATURE_RX_HASH;
  if (!(dev->xdp_rx_metadata_features & CNET_NETDEV_XDP_RX_METADATA_TIMESTAMP))
    features &= ~CNET_FEATURE_RX_HW_TIMESTAMP;
  if (!(dev->xdp_rx_metadata_features & CNET_NETDEV_XDP_RX_METADATA_VLAN_TAG))
    features &= ~CNET_FEATURE_RX_VLAN_TAG;
  /* The metadata kfuncs run only in a native, device-bound program. */
  if (!(features & CNET_FEATURE_NATIVE_XDP))
    features &= ~(CNET_FEATURE_RX_HASH | CNET_FEATURE_RX_HW_TIMESTAMP |
                  CNET_FEATURE_RX_VLAN_TAG);
  if (!(dev->xsk_features & CNET_NETDEV_XSK_FLAGS_TX_CHECKSUM))
    features &= ~CNET_FEATURE_TX_CHECKSUM;
  if (!(dev->xsk_features & CNET_NETDEV_XSK_FLAGS_TX_TIMESTAMP))
    features &= ~CNET_FEATURE_TX_TIMESTAMP;
  if (!(dev->xsk_features & CNET_NETDEV_XSK_FLAGS_TX_LAUNCH_TIME_FIFO))
    features &= ~CNET_FEATURE_TX_LAUNCH_TIME;
  return features;
}

static gboolean
lookup_ifindex (const char *interface, guint *ifindex, GError **error)
{
  if (interface == NULL || *interface == '\0' ||
      strlen (interface) >= IF_NAMESIZE)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "\"%s\" is not a valid interface name",
                   interface ? interface : "(null)");
      return FALSE;
    }
  *ifindex = if_nametoindex (interface);
  if (*ifindex == 0)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                   "%s: no such interface in this network namespace (%s)",
                   interface, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* The probe, with the device's answer for cnet_features_check()'s
 * messages. */
static CnetFeatures
probe (const char *interface, CnetNetdevDev *dev, GError **error)
{
  CnetFeatures features = kernel_features ();
  guint ifindex = 0;

  memset (dev, 0, sizeof *dev);
  /* What the running kernel has, where there is a cheaper test than the
   * version: the netlink command itself. */
  if ((features & CNET_FEATURE_NAPI_CONFIG) &&
      !cnet_netdev_has_cmd (CNET_NETDEV_CMD_NAPI_SET))
    features &= ~CNET_FEATURE_NAPI_CONFIG;
  if (interface == NULL)
    return features;
  if (!lookup_ifindex (interface, &ifindex, error))
    return CNET_FEATURE_NONE;
  /* On a kernel too old for the family, leave it unasked: a faked old
   * kernel must not learn what the real one says. */
  if (features & CNET_FEATURE_NATIVE_XDP)
    cnet_netdev_dev_get (ifindex, dev);
  return device_features (features, dev);
}

/**
 * cnet_features_probe:
 * @interface: (nullable): an interface name, or %NULL for what the kernel
 *   alone supports
 * @error: return location for a #GError
 *
 * Finds out which features the running kernel and (when given) the
 * driver of @interface support: from the kernel's version, from the
 * netdev netlink family (`xdp-features`, `xdp-rx-metadata-features`,
 * `xsk-features`, its commands), so that an application can decide
 * before opening a port. On a kernel without the netdev family (before
 * 6.3) nothing the driver has a say in is reported.
 *
 * Returns: the supported features, or %CNET_FEATURE_NONE with @error set
 *   when @interface does not exist
 *
 * Since: 1.0
 */
CnetFeatures
cnet_features_probe (const char *interface, GError **error)
{
  CnetNetdevDev dev;

  g_return_val_if_fail (error == NULL || *error == NULL, CNET_FEATURE_NONE);
  return probe (interface, &dev, error);
}

static char *
feature_nick (CnetFeatures feature)
{
  GFlagsClass *klass = g_type_class_ref (CNET_TYPE_FEATURES);
  GFlagsValue *value = g_flags_get_first_value (klass, feature);
  char *nick = g_strdup (value ? value->value_nick : "?");

  g_type_class_unref (klass);
  return nick;
}

/**
 * cnet_features_check:
 * @features: the features wanted
 * @interface: (nullable): the interface, or %NULL for kernel features only
 * @error: return location for a #GError
 *
 * Checks that the kernel and @interface support every one of @features,
 * and says which is missing and why otherwise: the minimum kernel and the
 * running one, or what the driver reports.
 *
 * Returns: %TRUE when all are supported, or %FALSE with @error set
 *   (%CNET_ERROR_NOT_SUPPORTED, naming the interface and the feature)
 *
 * Since: 1.0
 */
gboolean
cnet_features_check (CnetFeatures features, const char *interface,
                     GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *release = NULL;
  CnetFeatures have, kernel, missing;
  CnetNetdevDev dev;
  const FeatureInfo *info = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  release = cnet_kernel_release ();
  if (!cnet_kernel_at_least (5, 9))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "libcnet needs Linux %s or later; this kernel is %s",
                   CNET_FEATURES_CORE_MIN_KERNEL, release);
      return FALSE;
    }
  have = probe (interface, &dev, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  missing = features & ~have;
  if (missing == 0)
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (feature_table); i++)
    if (missing & feature_table[i].feature)
      {
        info = &feature_table[i];
        break;
      }
  if (info == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_ARGUMENT,
                   "unknown features 0x%x", (guint) missing);
      return FALSE;
    }
  kernel = kernel_features ();
  if (!(kernel & info->feature))
    g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                 "%s%s%s needs Linux %s or later; this kernel is %s",
                 interface ? interface : "", interface ? ": " : "", info->what,
                 info->min_kernel, release);
  else if (interface != NULL && !dev.known)
    g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                 "%s: %s: the kernel (%s) does not say whether the driver "
                 "supports it (no netdev netlink family)",
                 interface, info->what, release);
  else if (interface != NULL)
    {
      g_autofree char *nick = feature_nick (info->feature);

      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                   "%s: the driver does not support %s (netdev netlink: "
                   "xdp-features 0x%" G_GINT64_MODIFIER
                   "x, xdp-rx-metadata-features 0x%" G_GINT64_MODIFIER
                   "x, xsk-features 0x%" G_GINT64_MODIFIER "x; feature %s)",
                   interface, info->what, dev.xdp_features,
                   dev.xdp_rx_metadata_features, dev.xsk_features, nick);
    }
  else
    g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_SUPPORTED,
                 "%s is not available on this kernel (%s)", info->what,
                 release);
  return FALSE;
}

/**
 * cnet_features_to_strv:
 * @features: features
 *
 * Names @features by their nicks (`rx-hash`, `busy-poll`, ...), as cnetd's
 * Interface object lists them.
 *
 * Returns: (transfer full) (array zero-terminated=1): the names
 *
 * Since: 1.0
 */
char **
cnet_features_to_strv (CnetFeatures features)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (feature_table); i++)
    if (features & feature_table[i].feature)
      {
        g_autofree char *nick = feature_nick (feature_table[i].feature);
        g_strv_builder_add (builder, nick);
      }
  return g_strv_builder_end (builder);
}
