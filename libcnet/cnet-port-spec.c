/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "cnet-config-private.h"
#include "cnet-enums.h"

/**
 * CnetPortSpec:
 *
 * A port as a configuration describes it (`ports.<name>`, or CNDP's
 * `lports."<netdev>:<n>"`), with every unit converted and every default
 * applied: the #CnetPort properties a #CnetContext opens it with.
 *
 * Since: 1.0
 */

enum
{
  PROP_0,
  PROP_NAME,
  PROP_DESCRIPTION,
  PROP_INTERFACE,
  PROP_QUEUE,
  PROP_MEMPOOL,
  PROP_REGION,
  PROP_ATTACH_FLAGS,
  PROP_RULES,
  PROP_UDS_PATH,
  /* Then one per row of cnet_port_setting_infos. */
  PROP_FIRST_SETTING,
  N_PROPS = PROP_FIRST_SETTING + CNET_PORT_N_SETTINGS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (CnetPortSpec, cnet_port_spec, G_TYPE_OBJECT)

static void
cnet_port_spec_finalize (GObject *object)
{
  CnetPortSpec *self = CNET_PORT_SPEC (object);

  g_free (self->name);
  g_free (self->description);
  g_free (self->interface);
  g_free (self->mempool);
  g_strfreev (self->rules);
  g_free (self->uds_path);
  g_free (self->origin);

  G_OBJECT_CLASS (cnet_port_spec_parent_class)->finalize (object);
}

static void
cnet_port_spec_get_property (GObject *object, guint prop_id, GValue *value,
                             GParamSpec *pspec)
{
  CnetPortSpec *self = CNET_PORT_SPEC (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_INTERFACE:
      g_value_set_string (value, self->interface);
      break;
    case PROP_QUEUE:
      g_value_set_uint (value, self->queue);
      break;
    case PROP_MEMPOOL:
      g_value_set_string (value, self->mempool);
      break;
    case PROP_REGION:
      g_value_set_uint (value, self->region);
      break;
    case PROP_ATTACH_FLAGS:
      g_value_set_flags (value, self->attach_flags);
      break;
    case PROP_RULES:
      g_value_set_boxed (value, self->rules);
      break;
    case PROP_UDS_PATH:
      g_value_set_string (value, self->uds_path);
      break;
    default:
      if (prop_id >= PROP_FIRST_SETTING && prop_id < N_PROPS)
        cnet_port_settings_get_value (&self->settings,
                                      &cnet_port_setting_infos
                                        [prop_id - PROP_FIRST_SETTING],
                                      value);
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_port_spec_class_init (CnetPortSpecClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnet_port_spec_finalize;
  object_class->get_property = cnet_port_spec_get_property;

  /**
   * CnetPortSpec:name:
   *
   * The name the configuration gives the port, such as `eth0:0`.
   *
   * Since: 1.0
   */
  props[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPortSpec:description:
   *
   * The description the configuration gives, or %NULL.
   *
   * Since: 1.0
   */
  props[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPortSpec:interface:
   *
   * The interface to open the port on (#CnetPort:interface).
   *
   * Since: 1.0
   */
  props[PROP_INTERFACE] =
    g_param_spec_string ("interface", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPortSpec:queue:
   *
   * The receive queue (#CnetPort:queue; CNDP's `qid`).
   *
   * Since: 1.0
   */
  props[PROP_QUEUE] =
    g_param_spec_uint ("queue", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPortSpec:mempool:
   *
   * The name of the port's mempool (CNDP's `umem`).
   *
   * Since: 1.0
   */
  props[PROP_MEMPOOL] =
    g_param_spec_string ("mempool", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPortSpec:region:
   *
   * The index of the mempool region the port uses (CNDP's `region`); 0
   * when the mempool has no regions.
   *
   * Since: 1.0
   */
  props[PROP_REGION] =
    g_param_spec_uint ("region", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPortSpec:xdp-mode:
   *
   * How to attach the XDP program (#CnetPort:xdp-mode).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:bind-mode:
   *
   * How to bind the socket (#CnetPort:bind-mode).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:attach-flags:
   *
   * What to do about a foreign XDP program (#CnetPort:attach-flags).
   *
   * Since: 1.0
   */
  props[PROP_ATTACH_FLAGS] =
    g_param_spec_flags ("attach-flags", NULL, NULL, CNET_TYPE_XDP_ATTACH_FLAGS,
                        CNET_XDP_ATTACH_NONE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPortSpec:need-wakeup:
   *
   * Whether the socket uses need-wakeup (#CnetPort:need-wakeup; off
   * with CNDP's `force_wakeup`).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:busy-poll-usecs:
   *
   * Busy polling time in microseconds, 0 for off (#CnetPort:busy-poll-
   * usecs).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:busy-poll-budget:
   *
   * Frames per busy poll (#CnetPort:busy-poll-budget).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:rx-size:
   *
   * Descriptors of the RX ring (#CnetPort:rx-size).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:tx-size:
   *
   * Descriptors of the TX ring (#CnetPort:tx-size).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:fill-size:
   *
   * Descriptors of the fill ring (#CnetPort:fill-size).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:comp-size:
   *
   * Descriptors of the completion ring (#CnetPort:comp-size).
   *
   * Since: 1.0
   */

  /**
   * CnetPortSpec:rules:
   *
   * The steering rules (#CnetPort:rules), in canonical form; %NULL when
   * the whole queue goes to the port.
   *
   * Since: 1.0
   */
  props[PROP_RULES] =
    g_param_spec_boxed ("rules", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPortSpec:uds-path:
   *
   * The AF_XDP device plugin's socket the port is opened through
   * (#CnetPort:uds-path; `uds_path` in both dialects), or %NULL.
   *
   * Since: 1.0
   */
  props[PROP_UDS_PATH] =
    g_param_spec_string ("uds-path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /* The settings' pspecs come from their table (cnet-port-settings.c);
   * their documentation is above. */
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    props[PROP_FIRST_SETTING + i] =
      cnet_port_setting_pspec (&cnet_port_setting_infos[i], TRUE);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cnet_port_spec_init (CnetPortSpec *self)
{
  cnet_port_settings_init (&self->settings);
}

CnetPortSpec *
cnet_port_spec_new_internal (const char *name)
{
  CnetPortSpec *self = g_object_new (CNET_TYPE_PORT_SPEC, NULL);

  self->name = g_strdup (name);
  return self;
}

/**
 * cnet_port_spec_get_name:
 * @spec: a #CnetPortSpec
 *
 * The name the configuration gives the port, such as `eth0:0`.
 *
 * Returns: the value of #CnetPortSpec:name
 *
 * Since: 1.0
 */
const char *
cnet_port_spec_get_name (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), NULL);
  return spec->name;
}

/**
 * cnet_port_spec_get_description:
 * @spec: a #CnetPortSpec
 *
 * The description the configuration gives, or %NULL.
 *
 * Returns: (nullable): the value of #CnetPortSpec:description
 *
 * Since: 1.0
 */
const char *
cnet_port_spec_get_description (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), NULL);
  return spec->description;
}

/**
 * cnet_port_spec_get_interface:
 * @spec: a #CnetPortSpec
 *
 * The interface to open the port on (#CnetPort:interface).
 *
 * Returns: the value of #CnetPortSpec:interface
 *
 * Since: 1.0
 */
const char *
cnet_port_spec_get_interface (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), NULL);
  return spec->interface;
}

/**
 * cnet_port_spec_get_queue:
 * @spec: a #CnetPortSpec
 *
 * The receive queue (#CnetPort:queue; CNDP's `qid`).
 *
 * Returns: the value of #CnetPortSpec:queue
 *
 * Since: 1.0
 */
guint
cnet_port_spec_get_queue (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), 0);
  return spec->queue;
}

/**
 * cnet_port_spec_get_mempool:
 * @spec: a #CnetPortSpec
 *
 * The name of the port's mempool (CNDP's `umem`).
 *
 * Returns: the value of #CnetPortSpec:mempool
 *
 * Since: 1.0
 */
const char *
cnet_port_spec_get_mempool (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), NULL);
  return spec->mempool;
}

/**
 * cnet_port_spec_get_region:
 * @spec: a #CnetPortSpec
 *
 * The index of the mempool region the port uses (CNDP's `region`); 0
 * when the mempool has no regions.
 *
 * Returns: the value of #CnetPortSpec:region
 *
 * Since: 1.0
 */
guint
cnet_port_spec_get_region (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), 0);
  return spec->region;
}

/**
 * cnet_port_spec_get_xdp_mode:
 * @spec: a #CnetPortSpec
 *
 * How to attach the XDP program (#CnetPort:xdp-mode).
 *
 * Returns: the value of #CnetPortSpec:xdp-mode
 *
 * Since: 1.0
 */
CnetXdpMode
cnet_port_spec_get_xdp_mode (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), CNET_XDP_MODE_AUTO);
  return spec->settings.xdp_mode;
}

/**
 * cnet_port_spec_get_bind_mode:
 * @spec: a #CnetPortSpec
 *
 * How to bind the socket (#CnetPort:bind-mode).
 *
 * Returns: the value of #CnetPortSpec:bind-mode
 *
 * Since: 1.0
 */
CnetBindMode
cnet_port_spec_get_bind_mode (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), CNET_BIND_MODE_AUTO);
  return spec->settings.bind_mode;
}

/**
 * cnet_port_spec_get_attach_flags:
 * @spec: a #CnetPortSpec
 *
 * What to do about a foreign XDP program (#CnetPort:attach-flags).
 *
 * Returns: the value of #CnetPortSpec:attach-flags
 *
 * Since: 1.0
 */
CnetXdpAttachFlags
cnet_port_spec_get_attach_flags (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), CNET_XDP_ATTACH_NONE);
  return spec->attach_flags;
}

/**
 * cnet_port_spec_get_need_wakeup:
 * @spec: a #CnetPortSpec
 *
 * Whether the socket uses need-wakeup (#CnetPort:need-wakeup; off with
 * CNDP's `force_wakeup`).
 *
 * Returns: the value of #CnetPortSpec:need-wakeup
 *
 * Since: 1.0
 */
gboolean
cnet_port_spec_get_need_wakeup (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), FALSE);
  return spec->settings.need_wakeup;
}

/**
 * cnet_port_spec_get_busy_poll_usecs:
 * @spec: a #CnetPortSpec
 *
 * Busy polling time in microseconds, 0 for off (#CnetPort:busy-poll-
 * usecs).
 *
 * Returns: the value of #CnetPortSpec:busy-poll-usecs
 *
 * Since: 1.0
 */
guint
cnet_port_spec_get_busy_poll_usecs (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), 0);
  return spec->settings.busy_poll_usecs;
}

/**
 * cnet_port_spec_get_busy_poll_budget:
 * @spec: a #CnetPortSpec
 *
 * Frames per busy poll (#CnetPort:busy-poll-budget).
 *
 * Returns: the value of #CnetPortSpec:busy-poll-budget
 *
 * Since: 1.0
 */
guint
cnet_port_spec_get_busy_poll_budget (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), 0);
  return spec->settings.busy_poll_budget;
}

/**
 * cnet_port_spec_get_rx_size:
 * @spec: a #CnetPortSpec
 *
 * Descriptors of the RX ring (#CnetPort:rx-size).
 *
 * Returns: the value of #CnetPortSpec:rx-size
 *
 * Since: 1.0
 */
guint
cnet_port_spec_get_rx_size (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), 0);
  return spec->settings.rx_size;
}

/**
 * cnet_port_spec_get_tx_size:
 * @spec: a #CnetPortSpec
 *
 * Descriptors of the TX ring (#CnetPort:tx-size).
 *
 * Returns: the value of #CnetPortSpec:tx-size
 *
 * Since: 1.0
 */
guint
cnet_port_spec_get_tx_size (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), 0);
  return spec->settings.tx_size;
}

/**
 * cnet_port_spec_get_fill_size:
 * @spec: a #CnetPortSpec
 *
 * Descriptors of the fill ring (#CnetPort:fill-size).
 *
 * Returns: the value of #CnetPortSpec:fill-size
 *
 * Since: 1.0
 */
guint
cnet_port_spec_get_fill_size (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), 0);
  return spec->settings.fill_size;
}

/**
 * cnet_port_spec_get_comp_size:
 * @spec: a #CnetPortSpec
 *
 * Descriptors of the completion ring (#CnetPort:comp-size).
 *
 * Returns: the value of #CnetPortSpec:comp-size
 *
 * Since: 1.0
 */
guint
cnet_port_spec_get_comp_size (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), 0);
  return spec->settings.comp_size;
}

/**
 * cnet_port_spec_get_rules:
 * @spec: a #CnetPortSpec
 *
 * Returns: (transfer none) (array zero-terminated=1) (nullable): the
 *   steering rules (#CnetPort:rules), or %NULL for the whole queue
 *
 * Since: 1.0
 */
const char *const *
cnet_port_spec_get_rules (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), NULL);
  return (const char *const *) spec->rules;
}

/**
 * cnet_port_spec_get_uds_path:
 * @spec: a #CnetPortSpec
 *
 * Returns: (nullable): the device plugin socket the port is opened through
 *   (#CnetPortSpec:uds-path), or %NULL
 *
 * Since: 1.0
 */
const char *
cnet_port_spec_get_uds_path (CnetPortSpec *spec)
{
  g_return_val_if_fail (CNET_IS_PORT_SPEC (spec), NULL);
  return spec->uds_path;
}
