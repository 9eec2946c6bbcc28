/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * CnetFeatures:
 * @CNET_FEATURE_NONE: nothing beyond the core
 * @CNET_FEATURE_NATIVE_XDP: the driver runs XDP programs and redirects
 *   (netdev `xdp-features` basic and redirect; Linux 6.3 to tell)
 * @CNET_FEATURE_ZERO_COPY: the driver binds AF_XDP sockets in zero-copy
 *   mode (`xdp-features` xsk-zerocopy)
 * @CNET_FEATURE_MULTI_BUFFER: frames larger than one UMEM frame arrive as
 *   chains (Linux 6.6; in native mode the driver also needs `rx-sg`)
 * @CNET_FEATURE_RX_ARRIVAL_TIME: the XDP program stamps each frame with
 *   its arrival time (the core's kernel, 5.9)
 * @CNET_FEATURE_RX_HASH: the device's RX hash through the metadata kfuncs
 *   (libcnet's program needs Linux 6.8; the driver must list `hash` in
 *   `xdp-rx-metadata-features`)
 * @CNET_FEATURE_RX_HW_TIMESTAMP: the device's RX timestamp through the
 *   metadata kfuncs (Linux 6.8; driver: `timestamp`)
 * @CNET_FEATURE_RX_VLAN_TAG: the device's stripped VLAN tag through the
 *   metadata kfuncs (Linux 6.8; driver: `vlan-tag`)
 * @CNET_FEATURE_TX_METADATA: the TX metadata area (`tx_metadata_len`;
 *   libcnet registers it with `XDP_UMEM_TX_METADATA_LEN`, Linux 6.11,
 *   which is also when copy mode began to honour it)
 * @CNET_FEATURE_TX_CHECKSUM: checksum offload asked for in TX metadata
 *   (Linux 6.11 for libcnet; `xsk-features` tx-checksum)
 * @CNET_FEATURE_TX_TIMESTAMP: TX completion timestamps in TX metadata
 *   (Linux 6.11 for libcnet; `xsk-features` tx-timestamp)
 * @CNET_FEATURE_TX_LAUNCH_TIME: launch time in TX metadata (Linux 6.15;
 *   `xsk-features` tx-launch-time-fifo)
 * @CNET_FEATURE_BUSY_POLL: preferred busy polling with a budget
 *   (`SO_PREFER_BUSY_POLL`, `SO_BUSY_POLL_BUDGET`, Linux 5.11)
 * @CNET_FEATURE_NAPI_CONFIG: per-NAPI `defer-hard-irqs`,
 *   `gro-flush-timeout` and `irq-suspend-timeout` through netdev netlink
 *   (Linux 6.13)
 * @CNET_FEATURE_TX_SKB_BUDGET: the copy-mode TX batch size socket option
 *   (`XDP_MAX_TX_SKB_BUDGET`, Linux 6.17)
 *
 * What an interface and the running kernel support beyond libcnet's core
 * (Linux 5.9). cnet_features_probe() answers at run time; see
 * docs/data-path.md for each feature's needs.
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  CNET_FEATURE_NONE = 0,
  CNET_FEATURE_NATIVE_XDP = 1 << 0,
  CNET_FEATURE_ZERO_COPY = 1 << 1,
  CNET_FEATURE_MULTI_BUFFER = 1 << 2,
  CNET_FEATURE_RX_ARRIVAL_TIME = 1 << 3,
  CNET_FEATURE_RX_HASH = 1 << 4,
  CNET_FEATURE_RX_HW_TIMESTAMP = 1 << 5,
  CNET_FEATURE_RX_VLAN_TAG = 1 << 6,
  CNET_FEATURE_TX_METADATA = 1 << 7,
  CNET_FEATURE_TX_CHECKSUM = 1 << 8,
  CNET_FEATURE_TX_TIMESTAMP = 1 << 9,
  CNET_FEATURE_TX_LAUNCH_TIME = 1 << 10,
  CNET_FEATURE_BUSY_POLL = 1 << 11,
  CNET_FEATURE_NAPI_CONFIG = 1 << 12,
  CNET_FEATURE_TX_SKB_BUDGET = 1 << 13,
} CnetFeatures;

/**
 * CNET_FEATURES_CORE_MIN_KERNEL:
 *
 * The oldest kernel libcnet's core (AF_XDP sockets, the XDP program
 * attached through a bpf_link) runs on.
 *
 * Since: 1.0
 */
#define CNET_FEATURES_CORE_MIN_KERNEL "5.9"

G_GNUC_WARN_UNUSED_RESULT
CnetFeatures cnet_features_probe (const char *interface, GError **error);

G_GNUC_WARN_UNUSED_RESULT
gboolean cnet_features_check (CnetFeatures features, const char *interface,
                              GError **error);

const char *cnet_features_get_min_kernel (CnetFeatures feature);

char *cnet_features_get_kernel_release (void);

char **cnet_features_to_strv (CnetFeatures features);

G_END_DECLS
