/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "cnet-config-private.h"
#include "cnet-enums.h"

/**
 * CnetThreadSpec:
 *
 * A worker thread as a configuration describes it (`threads.<name>`): its
 * name and the ports it owns. Each port belongs to one thread at most; a
 * thread receives only on its own ports. libcnet starts no thread itself:
 * the application does, and asks cnet_context_get_thread_ports() which
 * ports are its own.
 *
 * Since: 1.0
 */

enum
{
  PROP_0,
  PROP_NAME,
  PROP_DESCRIPTION,
  PROP_GROUP,
  PROP_PORTS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (CnetThreadSpec, cnet_thread_spec, G_TYPE_OBJECT)

static void
cnet_thread_spec_finalize (GObject *object)
{
  CnetThreadSpec *self = CNET_THREAD_SPEC (object);

  g_free (self->name);
  g_free (self->description);
  g_free (self->group);
  g_strfreev (self->ports);

  G_OBJECT_CLASS (cnet_thread_spec_parent_class)->finalize (object);
}

static void
cnet_thread_spec_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  CnetThreadSpec *self = CNET_THREAD_SPEC (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_GROUP:
      g_value_set_string (value, self->group);
      break;
    case PROP_PORTS:
      g_value_set_boxed (value, self->ports);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_thread_spec_class_init (CnetThreadSpecClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnet_thread_spec_finalize;
  object_class->get_property = cnet_thread_spec_get_property;

  /**
   * CnetThreadSpec:name:
   *
   * The thread's name, such as `fwd:0` (CNDP's `<type>[:<id>]`).
   *
   * Since: 1.0
   */
  props[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetThreadSpec:description:
   *
   * The description the configuration gives, or %NULL.
   *
   * Since: 1.0
   */
  props[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetThreadSpec:group:
   *
   * CNDP's lcore group of the thread, or %NULL. libcnet does not place
   * threads on CPUs; it is kept for the application.
   *
   * Since: 1.0
   */
  props[PROP_GROUP] =
    g_param_spec_string ("group", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetThreadSpec:ports:
   *
   * The names of the ports the thread owns, in the order given.
   *
   * Since: 1.0
   */
  props[PROP_PORTS] =
    g_param_spec_boxed ("ports", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cnet_thread_spec_init (CnetThreadSpec *self)
{
}

CnetThreadSpec *
cnet_thread_spec_new_internal (const char *name)
{
  CnetThreadSpec *self = g_object_new (CNET_TYPE_THREAD_SPEC, NULL);

  self->name = g_strdup (name);
  return self;
}

/**
 * cnet_thread_spec_get_name:
 * @spec: a #CnetThreadSpec
 *
 * The thread's name, such as `fwd:0` (CNDP's `<type>[:<id>]`).
 *
 * Returns: the value of #CnetThreadSpec:name
 *
 * Since: 1.0
 */
const char *
cnet_thread_spec_get_name (CnetThreadSpec *spec)
{
  g_return_val_if_fail (CNET_IS_THREAD_SPEC (spec), NULL);
  return spec->name;
}

/**
 * cnet_thread_spec_get_description:
 * @spec: a #CnetThreadSpec
 *
 * The description the configuration gives, or %NULL.
 *
 * Returns: (nullable): the value of #CnetThreadSpec:description
 *
 * Since: 1.0
 */
const char *
cnet_thread_spec_get_description (CnetThreadSpec *spec)
{
  g_return_val_if_fail (CNET_IS_THREAD_SPEC (spec), NULL);
  return spec->description;
}

/**
 * cnet_thread_spec_get_group:
 * @spec: a #CnetThreadSpec
 *
 * CNDP's lcore group of the thread, or %NULL. libcnet does not place
 * threads on CPUs; it is kept for the application.
 *
 * Returns: (nullable): the value of #CnetThreadSpec:group
 *
 * Since: 1.0
 */
const char *
cnet_thread_spec_get_group (CnetThreadSpec *spec)
{
  g_return_val_if_fail (CNET_IS_THREAD_SPEC (spec), NULL);
  return spec->group;
}

/**
 * cnet_thread_spec_get_ports:
 * @spec: a #CnetThreadSpec
 *
 * The names of the ports the thread owns, in the order given.
 *
 * Returns: (array zero-terminated=1) (transfer none): the value
 *   of #CnetThreadSpec:ports
 *
 * Since: 1.0
 */
const char *const *
cnet_thread_spec_get_ports (CnetThreadSpec *spec)
{
  g_return_val_if_fail (CNET_IS_THREAD_SPEC (spec), NULL);
  return (const char *const *) spec->ports;
}
