/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the files of the configuration reader share: the state of a walk
 * over a document (positions, the error, the configuration being built),
 * the typed getters that report at a position, and the dialects.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cnet-config-private.h"

G_BEGIN_DECLS

struct _CnetConfig
{
  GObject parent_instance;

  char *path;
  GBytes *data;
  char *name;

  CnetConfigDialect dialect;
  char *app_name;
  char *app_description;
  GPtrArray *mempools; /* CnetMempoolSpec */
  GPtrArray *ports;    /* CnetPortSpec */
  GPtrArray *threads;  /* CnetThreadSpec */
  JsonNode *options;   /* an object */
  GVariant *options_variant;
  GPtrArray *warnings; /* char *, NULL-terminated */
};

/* The limits of what a configuration may ask for. */
#define MAX_QUEUE (CNET_XDP_PROGRAM_MAX_QUEUES - 1)
#define MIN_RING 64
#define MAX_RING 65536
#define MAX_HEADROOM 4096
#define DEFAULT_N_FRAMES 4096
#define DEFAULT_BUSY_POLL_USECS_CNDP 20

typedef struct
{
  CnetConfig *self; /* what is read into; NULL for another document */
  const char *name; /* the document's name in messages; NULL: self's */
  GHashTable *pos;
  GArray *trailing_commas; /* CnetConfigComma */
  GError **error;
} CnetReader;

/* Settings a port starts from: libcnet's defaults, then `defaults`. */
typedef struct
{
  guint n_frames;
  guint frame_size;
  guint headroom;
  CnetPortSettings port;
  CnetXdpAttachFlags attach_flags;
} CnetConfigDefaults;

/* cnet-config-reader.c */
void cnet_reader_set_error_at (CnetReader *c, const char *path, gboolean at_key,
                               const char *format, ...) G_GNUC_PRINTF (4, 5);
void cnet_reader_warn_at (CnetReader *c, const char *path, const char *format,
                          ...) G_GNUC_PRINTF (3, 4);
const char *cnet_reader_describe_node (JsonNode *node);
gboolean cnet_reader_fail_unknown_key (CnetReader *c, const char *path,
                                       const char *key,
                                       const char *const *known);
gboolean cnet_reader_get_object (CnetReader *c, const char *path,
                                 JsonNode *node, JsonObject **out);
gboolean cnet_reader_get_string (CnetReader *c, const char *path,
                                 JsonNode *node, gboolean allow_empty,
                                 char **out);
gboolean cnet_reader_get_bool (CnetReader *c, const char *path, JsonNode *node,
                               gboolean *out);
gboolean cnet_reader_get_uint (CnetReader *c, const char *path, JsonNode *node,
                               guint min, guint max, const char *unit,
                               guint *out);
/* Checks one string of an array read by cnet_reader_get_strv(). */
typedef gboolean (*CnetReaderCheck) (CnetReader *c, const char *path,
                                     const char *value);
gboolean cnet_reader_get_strv (CnetReader *c, const char *path, JsonNode *node,
                               const char *what, CnetReaderCheck check,
                               GStrv *out);
gboolean cnet_reader_get_flags (CnetReader *c, const char *path, JsonNode *node,
                                GType type, guint *out);
gboolean cnet_reader_get_enum (CnetReader *c, const char *path, JsonNode *node,
                               GType type, int *out);
gboolean cnet_reader_get_ring_size (CnetReader *c, const char *path,
                                    JsonNode *node, guint scale,
                                    gboolean zero_is_default, guint *out);
gboolean cnet_reader_check_frame_size (CnetReader *c, const char *path,
                                       guint bytes, const char *given);
gboolean cnet_reader_check_headroom (CnetReader *c, const char *path,
                                     guint frame_size, guint headroom);
gboolean cnet_reader_check_interface_name (CnetReader *c, const char *path,
                                           gboolean at_key, const char *name);
char *cnet_reader_split_port_name (const char *name, gint64 *number);
JsonParser *cnet_reader_load (const char *name, const char *text, gsize length,
                              GArray *trailing_commas,
                              const char *commas_refused,
                              GHashTable **positions, GError **error);

/* cnet-config-native.c */
gboolean cnet_config_parse_application (CnetReader *c, JsonNode *node);
gboolean cnet_config_parse_options (CnetReader *c, JsonNode *node);
void cnet_reader_warn_ignored_section (CnetReader *c, const char *section,
                                       const char *why);
gboolean cnet_config_parse_cnet_defaults (CnetReader *c, JsonNode *node,
                                          CnetConfigDefaults *d);
gboolean cnet_config_parse_cnet_mempools (CnetReader *c, JsonNode *node,
                                          const CnetConfigDefaults *d);
void cnet_config_port_spec_apply_defaults (CnetPortSpec *spec,
                                           const CnetConfigDefaults *d);
gboolean cnet_config_parse_cnet_ports (CnetReader *c, JsonNode *node,
                                       const CnetConfigDefaults *defaults);
gboolean cnet_reader_get_uds_path (CnetReader *c, const char *path, JsonNode *v,
                                   char **out);
gboolean cnet_config_parse_thread_ports (CnetReader *c, const char *path,
                                         JsonNode *v, CnetThreadSpec *spec);
gboolean cnet_config_parse_cnet_threads (CnetReader *c, JsonNode *node);
gboolean cnet_config_parse_cnet_port_groups (
  CnetReader *c, JsonNode *node, const CnetConfigDefaults *defaults);

/* cnet-config-cndp.c */
gboolean cnet_config_parse_cndp_defaults (CnetReader *c, JsonNode *node,
                                          CnetConfigDefaults *d);
gboolean cnet_config_parse_cndp_umems (CnetReader *c, JsonNode *node,
                                       const CnetConfigDefaults *d,
                                       GHashTable *umem_rings);
gboolean cnet_config_parse_cndp_lports (CnetReader *c, JsonNode *node,
                                        const CnetConfigDefaults *defaults,
                                        GHashTable *umem_rings);
gboolean cnet_config_parse_cndp_threads (CnetReader *c, JsonNode *node,
                                         JsonObject *lcore_groups);

/* Sets the error and is FALSE, in one expression (cnet_reader_set_error_at). */
#define fail_at(...) (cnet_reader_set_error_at (__VA_ARGS__), FALSE)

G_END_DECLS
