/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CnetBatch CnetBatch;
typedef struct _CnetMempool CnetMempool;
typedef struct _CnetPacket CnetPacket;
typedef struct _CnetPort CnetPort;
typedef struct _CnetPortStats CnetPortStats;
typedef struct _CnetXdpProgram CnetXdpProgram;

/**
 * CnetXdpMode:
 * @CNET_XDP_MODE_AUTO: native mode where the driver supports it, generic
 *   otherwise
 * @CNET_XDP_MODE_NATIVE: the driver runs the program (`XDP_FLAGS_DRV_MODE`)
 * @CNET_XDP_MODE_GENERIC: the kernel runs the program on socket buffers
 *   (`XDP_FLAGS_SKB_MODE`); works on every interface, slower
 *
 * How the XDP program is attached to an interface.
 *
 * Since: 1.0
 */
typedef enum
{
  CNET_XDP_MODE_AUTO,
  CNET_XDP_MODE_NATIVE,
  CNET_XDP_MODE_GENERIC,
} CnetXdpMode;

/**
 * CnetBindMode:
 * @CNET_BIND_MODE_AUTO: zero-copy where the driver supports it, copy
 *   otherwise (the port's #CnetPort:bind-mode then says which was used)
 * @CNET_BIND_MODE_COPY: the kernel copies each frame between the driver and
 *   the UMEM (`XDP_COPY`)
 * @CNET_BIND_MODE_ZEROCOPY: the driver uses the UMEM directly
 *   (`XDP_ZEROCOPY`); refused by drivers without support, such as veth
 *
 * How an AF_XDP socket is bound to its queue.
 *
 * Since: 1.0
 */
typedef enum
{
  CNET_BIND_MODE_AUTO,
  CNET_BIND_MODE_COPY,
  CNET_BIND_MODE_ZEROCOPY,
} CnetBindMode;

/**
 * CnetXdpAttachFlags:
 * @CNET_XDP_ATTACH_NONE: refuse to touch an interface that has a foreign
 *   XDP program
 * @CNET_XDP_ATTACH_REPLACE: detach a foreign XDP program and attach
 *   libcnet's in its place
 *
 * Flags for attaching libcnet's XDP program.
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  CNET_XDP_ATTACH_NONE = 0,
  CNET_XDP_ATTACH_REPLACE = 1 << 0,
} CnetXdpAttachFlags;

/**
 * CnetTxMetadataFlags:
 * @CNET_TX_METADATA_NONE: no TX metadata
 * @CNET_TX_METADATA_TIMESTAMP: the kernel reports when the frame was sent
 *   (`XDP_TXMD_FLAGS_TIMESTAMP`; in copy mode a software timestamp taken at
 *   completion)
 * @CNET_TX_METADATA_CHECKSUM: the device (or, in copy mode, the kernel's
 *   socket buffer path) fills in an L4 checksum (`XDP_TXMD_FLAGS_CHECKSUM`)
 * @CNET_TX_METADATA_LAUNCH_TIME: the device sends the frame at a given time
 *   (`XDP_TXMD_FLAGS_LAUNCH_TIME`)
 *
 * What a port's packets may ask of the device when they are sent (AF_XDP
 * TX metadata, Linux 6.11 in copy mode). The values are the kernel's.
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  CNET_TX_METADATA_NONE = 0,
  CNET_TX_METADATA_TIMESTAMP = 1 << 0,
  CNET_TX_METADATA_CHECKSUM = 1 << 1,
  CNET_TX_METADATA_LAUNCH_TIME = 1 << 2,
} CnetTxMetadataFlags;

/**
 * CnetRxMetadataFlags:
 * @CNET_RX_METADATA_NONE: no metadata
 * @CNET_RX_METADATA_ARRIVAL_TIME: when the XDP program saw the frame
 *   (`CLOCK_MONOTONIC`, as g_get_monotonic_time() but in nanoseconds);
 *   works on every interface and in both XDP modes
 * @CNET_RX_METADATA_HASH: the device's RX hash and its type
 *   (`bpf_xdp_metadata_rx_hash()`); native mode, Linux 6.8 for libcnet's
 *   program, and a driver that offers it (veth: frames that arrive as
 *   socket buffers)
 * @CNET_RX_METADATA_HW_TIMESTAMP: the device's receive timestamp
 *   (`bpf_xdp_metadata_rx_timestamp()`); as for the hash, and only where
 *   the device stamped the frame
 * @CNET_RX_METADATA_VLAN_TAG: the VLAN tag the device stripped
 *   (`bpf_xdp_metadata_rx_vlan_tag()`); as for the hash
 *
 * RX metadata that libcnet's XDP program writes in front of each received
 * frame when a port asks for it (#CnetPort:rx-metadata). Each field of a
 * packet's metadata comes with a flag saying whether it is valid
 * (cnet_packet_get_rx_metadata_flags()).
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  CNET_RX_METADATA_NONE = 0,
  CNET_RX_METADATA_ARRIVAL_TIME = 1 << 0,
  CNET_RX_METADATA_HASH = 1 << 1,
  CNET_RX_METADATA_HW_TIMESTAMP = 1 << 2,
  CNET_RX_METADATA_VLAN_TAG = 1 << 3,
} CnetRxMetadataFlags;

G_END_DECLS
