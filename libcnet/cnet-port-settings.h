/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A port's settings, each described once: its name (the GObject property
 * of #CnetPort and #CnetPortSpec, the key in libcnet's configuration
 * dialect and in JSON output, and AcquireQueue's option), its type, its
 * range and its default. Everything that reads or writes a setting goes
 * through this table; CNDP's dialect maps its own keys onto the same
 * fields.
 *
 * To add a setting: a field in CnetPortSettings, a row in the table in
 * cnet-port-settings.c, a `CnetPort:name:` doc comment in cnet-port.c,
 * and docs/config.md. The pspecs, both config readers, JSON output,
 * CnetContext and cnetd's AcquireQueue options follow.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "cnet-types.h"

G_BEGIN_DECLS

typedef struct
{
  CnetXdpMode xdp_mode;
  CnetBindMode bind_mode; /* asked for; a port stores the one used */
  gboolean need_wakeup;
  guint busy_poll_usecs; /* 0: no busy polling */
  guint busy_poll_budget;
  guint rx_size;
  guint tx_size;
  guint fill_size;
  guint comp_size;
  gboolean multi_buffer;           /* XDP_USE_SG: jumbo frames as chains */
  CnetTxMetadataFlags tx_metadata; /* what packets may ask when sent */
  CnetRxMetadataFlags rx_metadata; /* asked for; a port stores what it got */
} CnetPortSettings;

typedef enum
{
  CNET_PORT_SETTING_UINT,
  CNET_PORT_SETTING_BOOLEAN,
  CNET_PORT_SETTING_ENUM,
  CNET_PORT_SETTING_FLAGS, /* a GFlags by nicks: "as" on D-Bus, a JSON array */
} CnetPortSettingKind;

typedef enum
{
  CNET_PORT_SETTING_FLAGS_NONE = 0,
  CNET_PORT_SETTING_POWER_OF_TWO = 1 << 0,
} CnetPortSettingFlags;

typedef struct
{
  const char *name;
  CnetPortSettingKind kind;
  GType (*enum_type) (void); /* for CNET_PORT_SETTING_ENUM and _FLAGS */
  guint min, max;            /* for CNET_PORT_SETTING_UINT */
  guint default_value;
  CnetPortSettingFlags flags;
  const char *unit; /* for messages: "frames", "microseconds", … */
  gsize offset;     /* of the field in CnetPortSettings */
} CnetPortSettingInfo;

#define CNET_PORT_N_SETTINGS 12

extern const CnetPortSettingInfo cnet_port_setting_infos[CNET_PORT_N_SETTINGS];

const CnetPortSettingInfo *cnet_port_setting_lookup (const char *name);

void cnet_port_settings_init (CnetPortSettings *settings);
guint cnet_port_settings_get (const CnetPortSettings *settings,
                              const CnetPortSettingInfo *info);
void cnet_port_settings_set (CnetPortSettings *settings,
                             const CnetPortSettingInfo *info, guint value);

/* Whether @value is allowed for @info; the error names the setting, the
 * value and what is allowed, as CNET_ERROR_INVALID_ARGUMENT. */
gboolean cnet_port_setting_check (const CnetPortSettingInfo *info, guint value,
                                  GError **error);
gboolean cnet_port_settings_check (const CnetPortSettings *settings,
                                   GError **error);
/* What is allowed, for messages: "a power of two from 64 to 65536". */
char *cnet_port_setting_describe_range (const CnetPortSettingInfo *info);

/* A construct-only pspec for @info (read-only with @read_only). A UINT's
 * pspec takes any guint: the range is checked when the port is made, so a
 * binding gets a GError rather than a critical. */
GParamSpec *cnet_port_setting_pspec (const CnetPortSettingInfo *info,
                                     gboolean read_only);
GType cnet_port_setting_value_type (const CnetPortSettingInfo *info);
void cnet_port_settings_get_value (const CnetPortSettings *settings,
                                   const CnetPortSettingInfo *info,
                                   GValue *value);
void cnet_port_settings_set_value (CnetPortSettings *settings,
                                   const CnetPortSettingInfo *info,
                                   const GValue *value);

/* AcquireQueue's options: every setting as its D-Bus value (enums by
 * nick) into @builder (an a{sv}), and one option back, checked. */
void cnet_port_settings_to_variant (const CnetPortSettings *settings,
                                    GVariantBuilder *builder);
const char *cnet_port_setting_dbus_type (const CnetPortSettingInfo *info);
gboolean cnet_port_settings_set_variant (CnetPortSettings *settings,
                                         const CnetPortSettingInfo *info,
                                         GVariant *value, GError **error);

/* JSON output: each setting as a member of the object being built. */
void cnet_port_settings_to_json (const CnetPortSettings *settings,
                                 JsonBuilder *builder);

/* Enums by their GEnum nicks. */
const char *cnet_enum_to_nick (GType type, int value);
gboolean cnet_enum_from_nick (GType type, const char *nick, int *value);
/* The nicks of @type, comma-separated, for messages. */
char *cnet_enum_list_nicks (GType type);
/* Flags by their GFlags nicks: @nicks to a value (FALSE names the first
 * unknown nick in @bad), a value to a NULL-terminated array of nicks. */
gboolean cnet_flags_from_nicks (GType type, const char *const *nicks,
                                guint *value, const char **bad);
GStrv cnet_flags_to_nicks (GType type, guint value);
char *cnet_flags_list_nicks (GType type);

G_END_DECLS
