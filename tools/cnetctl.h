/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetctl's parts: the commands in their own files, and what they share
 * (output: tables with or without colour, JSON).
 */
#pragma once

#include <cnet/cnet.h>
#include <json-glib/json-glib.h>

/* Exit codes: docs/cnetctl.scd. */
enum
{
  CNETCTL_EXIT_OK = 0,
  CNETCTL_EXIT_ERROR = 1,
  CNETCTL_EXIT_USAGE = 2,
};

typedef struct
{
  char *address; /* NULL: the system bus */
  gboolean session;
  gboolean json;
  gboolean color; /* on a tty, and NO_COLOR not set */
  gboolean tty;
  /* monitor */
  double interval;
  int count;
  /* capture */
  int queue;
  char **rules;
  int packets;
  double duration;
  int snaplen;
  char *output;
  gboolean steal;
} CnetctlOptions;

extern CnetctlOptions cnetctl_opts;

/* "" when colour is off. */
const char *cnetctl_bold (void);
const char *cnetctl_green (void);
const char *cnetctl_red (void);
const char *cnetctl_dim (void);
const char *cnetctl_reset (void);

int cnetctl_fail (GError *error);
int cnetctl_usage (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
void cnetctl_print_json (JsonNode *node, gboolean pretty);
char *cnetctl_snake_case (const char *name);
JsonNode *cnetctl_info_to_json (GVariant *info);
CnetClient *cnetctl_connect (GError **error);

int cnetctl_check_config (int argc, char **argv);
int cnetctl_monitor (CnetClient *client, int argc, char **argv);
int cnetctl_capture (CnetClient *client, int argc, char **argv);
