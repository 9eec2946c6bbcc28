/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "cnet-config-private.h"
#include "cnet-enums.h"

/**
 * CnetMempoolSpec:
 *
 * A mempool as a configuration describes it (`mempools.<name>`, or CNDP's
 * `umems.<name>`), with every unit converted and every default applied:
 * what cnet_mempool_new() gets when a #CnetContext creates it.
 *
 * Since: 1.0
 */

enum
{
  PROP_0,
  PROP_NAME,
  PROP_DESCRIPTION,
  PROP_N_FRAMES,
  PROP_FRAME_SIZE,
  PROP_HEADROOM,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (CnetMempoolSpec, cnet_mempool_spec, G_TYPE_OBJECT)

static void
cnet_mempool_spec_finalize (GObject *object)
{
  CnetMempoolSpec *self = CNET_MEMPOOL_SPEC (object);

  g_free (self->name);
  g_free (self->description);
  g_clear_pointer (&self->regions, g_array_unref);

  G_OBJECT_CLASS (cnet_mempool_spec_parent_class)->finalize (object);
}

static void
cnet_mempool_spec_get_property (GObject *object, guint prop_id, GValue *value,
                                GParamSpec *pspec)
{
  CnetMempoolSpec *self = CNET_MEMPOOL_SPEC (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_N_FRAMES:
      g_value_set_uint (value, self->n_frames);
      break;
    case PROP_FRAME_SIZE:
      g_value_set_uint (value, self->frame_size);
      break;
    case PROP_HEADROOM:
      g_value_set_uint (value, self->headroom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_mempool_spec_class_init (CnetMempoolSpecClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnet_mempool_spec_finalize;
  object_class->get_property = cnet_mempool_spec_get_property;

  /**
   * CnetMempoolSpec:name:
   *
   * The name the configuration gives the mempool.
   *
   * Since: 1.0
   */
  props[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetMempoolSpec:description:
   *
   * The description the configuration gives, or %NULL.
   *
   * Since: 1.0
   */
  props[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetMempoolSpec:n-frames:
   *
   * The number of frames (CNDP's `bufcnt` times 1024).
   *
   * Since: 1.0
   */
  props[PROP_N_FRAMES] =
    g_param_spec_uint ("n-frames", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetMempoolSpec:frame-size:
   *
   * The size of a frame in bytes, 2048 or 4096 (CNDP's `bufsz` times
   * 1024).
   *
   * Since: 1.0
   */
  props[PROP_FRAME_SIZE] =
    g_param_spec_uint ("frame-size", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetMempoolSpec:headroom:
   *
   * The bytes kept free in front of packet data.
   *
   * Since: 1.0
   */
  props[PROP_HEADROOM] =
    g_param_spec_uint ("headroom", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cnet_mempool_spec_init (CnetMempoolSpec *self)
{
  self->regions = g_array_new (FALSE, FALSE, sizeof (guint));
}

CnetMempoolSpec *
cnet_mempool_spec_new_internal (const char *name)
{
  CnetMempoolSpec *self = g_object_new (CNET_TYPE_MEMPOOL_SPEC, NULL);

  self->name = g_strdup (name);
  return self;
}

/**
 * cnet_mempool_spec_get_name:
 * @spec: a #CnetMempoolSpec
 *
 * The name the configuration gives the mempool.
 *
 * Returns: the value of #CnetMempoolSpec:name
 *
 * Since: 1.0
 */
const char *
cnet_mempool_spec_get_name (CnetMempoolSpec *spec)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL_SPEC (spec), NULL);
  return spec->name;
}

/**
 * cnet_mempool_spec_get_description:
 * @spec: a #CnetMempoolSpec
 *
 * The description the configuration gives, or %NULL.
 *
 * Returns: (nullable): the value of #CnetMempoolSpec:description
 *
 * Since: 1.0
 */
const char *
cnet_mempool_spec_get_description (CnetMempoolSpec *spec)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL_SPEC (spec), NULL);
  return spec->description;
}

/**
 * cnet_mempool_spec_get_n_frames:
 * @spec: a #CnetMempoolSpec
 *
 * The number of frames (CNDP's `bufcnt` times 1024).
 *
 * Returns: the value of #CnetMempoolSpec:n-frames
 *
 * Since: 1.0
 */
guint
cnet_mempool_spec_get_n_frames (CnetMempoolSpec *spec)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL_SPEC (spec), 0);
  return spec->n_frames;
}

/**
 * cnet_mempool_spec_get_frame_size:
 * @spec: a #CnetMempoolSpec
 *
 * The size of a frame in bytes, 2048 or 4096 (CNDP's `bufsz` times
 * 1024).
 *
 * Returns: the value of #CnetMempoolSpec:frame-size
 *
 * Since: 1.0
 */
guint
cnet_mempool_spec_get_frame_size (CnetMempoolSpec *spec)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL_SPEC (spec), 0);
  return spec->frame_size;
}

/**
 * cnet_mempool_spec_get_headroom:
 * @spec: a #CnetMempoolSpec
 *
 * The bytes kept free in front of packet data.
 *
 * Returns: the value of #CnetMempoolSpec:headroom
 *
 * Since: 1.0
 */
guint
cnet_mempool_spec_get_headroom (CnetMempoolSpec *spec)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL_SPEC (spec), 0);
  return spec->headroom;
}

/**
 * cnet_mempool_spec_get_regions:
 * @spec: a #CnetMempoolSpec
 * @n_regions: (out): the number of regions
 *
 * Gets the regions the mempool is split into (CNDP's `regions`, converted to
 * frames); they add up to #CnetMempoolSpec:n-frames. A mempool without
 * regions has none. The ports of a mempool share all its frames in libcnet,
 * so the regions are checked but do not partition anything.
 *
 * Returns: (array length=n_regions) (transfer none) (nullable): the number
 *   of frames of each region
 *
 * Since: 1.0
 */
const guint *
cnet_mempool_spec_get_regions (CnetMempoolSpec *spec, guint *n_regions)
{
  g_return_val_if_fail (CNET_IS_MEMPOOL_SPEC (spec), NULL);
  g_return_val_if_fail (n_regions != NULL, NULL);

  *n_regions = spec->regions ? spec->regions->len : 0;
  return *n_regions > 0 ? (const guint *) (gpointer) spec->regions->data : NULL;
}
