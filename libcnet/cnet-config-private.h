/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of the configuration code that the library shares with itself:
 * the JSONC lexer (cnet-config-lexer.c) and the fields of the spec objects,
 * which CnetConfig fills and CnetContext reads.
 */
#pragma once

#include "cnet-config.h"
#include "cnet-mempool-spec.h"
#include "cnet-port-settings.h"
#include "cnet-port-spec.h"
#include "cnet-thread-spec.h"

G_BEGIN_DECLS

/* Where a member of the document is: its key (for array elements, the
 * element itself) and its value, 1-based, columns in characters. */
typedef struct
{
  guint key_line;
  guint key_col;
  guint value_line;
  guint value_col;
} CnetConfigPos;

/* The nesting limit of a document; deeper is refused, not recursed into. */
#define CNET_CONFIG_MAX_DEPTH 32

/* Replaces each comment by spaces (a multi-byte character by one space),
 * keeping every newline, so that a line and column in the result is the
 * same line and column in @text. */
char *cnet_config_strip_comments (const char *name, const char *text,
                                  gsize length, gsize *out_length,
                                  GError **error);

/* A comma before a closing '}' or ']': JSON has none, CNDP's loader
 * (json-c, not strict) takes them. */
typedef struct
{
  gsize offset; /* in the text scanned */
  guint line;
  guint col;
  char path[128]; /* of the object or array it closes */
} CnetConfigComma;

/* Checks the syntax of the comment-free @text strictly (RFC 8259, with
 * duplicate keys refused) and records the position of every member, keyed
 * by its path (see cnet_config_path_append_key()). Trailing commas are
 * taken, and each is appended to @trailing_commas (CnetConfigComma): the
 * caller decides, by dialect, whether they are an error. */
GHashTable *cnet_config_scan (const char *name, const char *text, gsize length,
                              GArray *trailing_commas, GError **error);

/* Paths as error messages show them: `ports."eth0:0".mempool`,
 * `umems.umem0.regions[1]`. Keys that are identifiers (letters, digits,
 * `_` and `-`, not starting with a digit or `-`) appear bare, others quoted.
 * An empty @parent is the top level. */
char *cnet_config_path_append_key (const char *parent, const char *key);
char *cnet_config_path_append_index (const char *parent, guint index);

/* Formats `name:line:column: path: reason`, leaving out an empty path. */
char *cnet_config_format_message (const char *name, guint line, guint col,
                                  const char *path, const char *reason);

struct _CnetMempoolSpec
{
  GObject parent_instance;

  char *name;
  char *description;
  guint n_frames;
  guint frame_size;
  guint headroom;
  GArray *regions; /* guint: frames per region; empty when not split */
};

struct _CnetPortSpec
{
  GObject parent_instance;

  char *name;
  char *description;
  char *interface;
  guint queue;
  char *mempool;
  guint region;
  CnetPortSettings settings;
  CnetXdpAttachFlags attach_flags;
  GStrv rules;
  char *uds_path; /* the device plugin's socket, or NULL */
  char *origin;   /* the path of the port-groups entry it came from, or NULL */
};

struct _CnetThreadSpec
{
  GObject parent_instance;

  char *name;
  char *description;
  char *group;
  GStrv ports;
};

CnetMempoolSpec *cnet_mempool_spec_new_internal (const char *name);
CnetPortSpec *cnet_port_spec_new_internal (const char *name);
CnetThreadSpec *cnet_thread_spec_new_internal (const char *name);

G_END_DECLS
