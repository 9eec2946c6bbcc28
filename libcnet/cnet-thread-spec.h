/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__CNET_H_INSIDE__) && !defined(CNET_COMPILATION)
#error "Only <cnet/cnet.h> can be included directly."
#endif

#include <glib-object.h>

#include "cnet-types.h"

G_BEGIN_DECLS

#define CNET_TYPE_THREAD_SPEC (cnet_thread_spec_get_type ())
G_DECLARE_FINAL_TYPE (CnetThreadSpec, cnet_thread_spec, CNET, THREAD_SPEC,
                      GObject)

const char *cnet_thread_spec_get_name (CnetThreadSpec *spec);
const char *cnet_thread_spec_get_description (CnetThreadSpec *spec);
const char *cnet_thread_spec_get_group (CnetThreadSpec *spec);
const char *const *cnet_thread_spec_get_ports (CnetThreadSpec *spec);

G_END_DECLS
