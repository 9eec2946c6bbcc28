/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <gio/gio.h>

#include "cnet-mempool-spec.h"
#include "cnet-port-spec.h"
#include "cnet-thread-spec.h"
#include "cnet-types.h"

G_BEGIN_DECLS

/**
 * CnetConfigDialect:
 * @CNET_CONFIG_DIALECT_CNET: libcnet's own keys: `mempools`, `ports`,
 *   `threads` with `ports`, sizes in frames and descriptors
 * @CNET_CONFIG_DIALECT_CNDP: the keys of CNDP's `jcfg` files (`umems`,
 *   `lports`, `lcore-groups`, …), counts in units of 1024 and buffer sizes
 *   in KiB, as cndpfwd reads them
 *
 * The shape a configuration was written in. It is told from the top-level
 * sections; a file may not mix the two.
 *
 * Since: 1.0
 */
typedef enum
{
  CNET_CONFIG_DIALECT_CNET,
  CNET_CONFIG_DIALECT_CNDP,
} CnetConfigDialect;

#define CNET_TYPE_CONFIG (cnet_config_get_type ())
G_DECLARE_FINAL_TYPE (CnetConfig, cnet_config, CNET, CONFIG, GObject)

G_GNUC_WARN_UNUSED_RESULT
CnetConfig *cnet_config_new_from_file (const char *path, GError **error);
G_GNUC_WARN_UNUSED_RESULT
CnetConfig *cnet_config_new_from_data (const char *data, gssize length,
                                       const char *name, GError **error);

const char *cnet_config_get_name (CnetConfig *config);
CnetConfigDialect cnet_config_get_dialect (CnetConfig *config);
const char *cnet_config_get_application_name (CnetConfig *config);
const char *cnet_config_get_application_description (CnetConfig *config);

GPtrArray *cnet_config_get_mempools (CnetConfig *config);
CnetMempoolSpec *cnet_config_lookup_mempool (CnetConfig *config,
                                             const char *name);
GPtrArray *cnet_config_get_ports (CnetConfig *config);
CnetPortSpec *cnet_config_lookup_port (CnetConfig *config, const char *name);
GPtrArray *cnet_config_get_threads (CnetConfig *config);
CnetThreadSpec *cnet_config_lookup_thread (CnetConfig *config,
                                           const char *name);

GVariant *cnet_config_get_options (CnetConfig *config);
GVariant *cnet_config_lookup_option (CnetConfig *config, const char *name);

const char *const *cnet_config_get_warnings (CnetConfig *config);

char *cnet_config_to_json (CnetConfig *config);

G_END_DECLS
