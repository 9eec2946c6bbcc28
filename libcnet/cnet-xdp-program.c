/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <gio/gio.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>
#include <xdp/libxdp.h>

#include "cnet-enums.h"
#include "cnet-error-private.h"
#include "cnet-netdev-private.h"
#include "cnet-xdp-capture-private.h"
#include "cnet-xdp-common.h"
#include "cnet-xdp-program-private.h"
#include "cnet-xdp-program.h"

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

G_STATIC_ASSERT ((int) CNET_RX_METADATA_ARRIVAL_TIME ==
                 CNET_XDP_META_ARRIVAL_TIME);
G_STATIC_ASSERT ((int) CNET_RX_METADATA_HASH == CNET_XDP_META_HASH);
G_STATIC_ASSERT ((int) CNET_RX_METADATA_HW_TIMESTAMP ==
                 CNET_XDP_META_HW_TIMESTAMP);
G_STATIC_ASSERT ((int) CNET_RX_METADATA_VLAN_TAG == CNET_XDP_META_VLAN_TAG);
G_STATIC_ASSERT (sizeof (struct cnet_xdp_rx_meta) == 32);

/* The builds of bpf/cnet-xdp.bpf.c, by RX metadata level. */
static const char *const object_paths[] = {
  "/org/cnet/bpf/cnet-xdp.bpf.o",            /* no metadata */
  "/org/cnet/bpf/cnet-xdp-meta.bpf.o",       /* arrival time */
  "/org/cnet/bpf/cnet-xdp-meta-kfunc.bpf.o", /* and the kfuncs, dev-bound */
};

/**
 * CnetXdpProgram:
 *
 * libcnet's XDP program attached to one interface.
 *
 * The program (`bpf/cnet-xdp.bpf.c`, compiled at build time and embedded in
 * the library) hands every frame that arrives on receive queue N to the
 * AF_XDP socket in slot N of its XSKMAP and passes frames of queues without
 * a socket on to the kernel stack. Per-queue counters tell how many frames
 * went each way.
 *
 * Ports attach the program themselves; one process shares one
 * #CnetXdpProgram per interface, and the program is detached when its last
 * user drops it. When an XDP program that libcnet did not attach (in this
 * process) is found on the interface, attaching fails with
 * %CNET_ERROR_FOREIGN_PROGRAM unless %CNET_XDP_ATTACH_REPLACE is given.
 *
 * Since: 1.0
 */

enum
{
  PROP_0,
  PROP_INTERFACE,
  PROP_IFINDEX,
  PROP_MODE,
  PROP_FLAGS,
  PROP_ID,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_STATIC_ASSERT (CNET_XDP_PROGRAM_MAX_QUEUES == CNET_XDP_MAX_QUEUES);

/* The programs this process has attached, by ifindex (not owned). */
static GMutex registry_lock;
static GHashTable *registry;

static void cnet_xdp_program_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (
  CnetXdpProgram, cnet_xdp_program, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, cnet_xdp_program_initable_iface_init))

/* libbpf and libxdp print to stderr by default; route them to the GLib log
 * (G_MESSAGES_DEBUG=libcnet shows them). This is process-wide: an
 * application that sets its own print functions afterwards keeps them. */
G_GNUC_PRINTF (2, 0)
static int
cnet_libbpf_print (enum libbpf_print_level level, const char *fmt, va_list args)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, args);

  g_strchomp (msg);
  g_debug ("libbpf: %s", msg);
  return 0;
}

G_GNUC_PRINTF (2, 0)
static int
cnet_libxdp_print (enum libxdp_print_level level, const char *fmt, va_list args)
{
  g_autofree char *msg = g_strdup_vprintf (fmt, args);

  g_strchomp (msg);
  g_debug ("%s", msg);
  return 0;
}

static void
cnet_xdp_program_init_logging (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      libbpf_set_print (cnet_libbpf_print);
      libxdp_set_print (cnet_libxdp_print);
      g_once_init_leave (&once, 1);
    }
}

static const char *
cnet_xdp_mode_name (CnetXdpMode mode)
{
  switch (mode)
    {
    case CNET_XDP_MODE_NATIVE:
      return "native";
    case CNET_XDP_MODE_GENERIC:
      return "generic";
    case CNET_XDP_MODE_AUTO:
    default:
      return "auto";
    }
}

static char *
cnet_xdp_prog_name_by_id (guint id)
{
  struct bpf_prog_info info = { 0 };
  guint32 len = sizeof info;
  int fd = bpf_prog_get_fd_by_id (id);
  char *name;

  if (fd < 0)
    return g_strdup ("?");
  if (bpf_obj_get_info_by_fd (fd, &info, &len) == 0 && info.name[0] != '\0')
    name = g_strndup (info.name, sizeof info.name);
  else
    name = g_strdup ("?");
  close (fd);
  return name;
}

/* Refuses (or, when asked, removes) an XDP program already on the
 * interface. */
static gboolean
cnet_xdp_program_handle_existing (CnetXdpProgram *self, GError **error)
{
  LIBBPF_OPTS (bpf_xdp_query_opts, query);
  g_autofree char *name = NULL;
  guint32 detach_flags;
  const char *where;
  guint id;
  int err;

  err = bpf_xdp_query ((int) self->ifindex, 0, &query);
  if (err < 0)
    {
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (-err),
                   "%s: cannot query its XDP programs: %s", self->interface,
                   g_strerror (-err));
      return FALSE;
    }

  if (query.drv_prog_id != 0)
    {
      id = query.drv_prog_id;
      detach_flags = XDP_FLAGS_DRV_MODE;
      where = "native";
    }
  else if (query.skb_prog_id != 0)
    {
      id = query.skb_prog_id;
      detach_flags = XDP_FLAGS_SKB_MODE;
      where = "generic";
    }
  else if (query.hw_prog_id != 0)
    {
      id = query.hw_prog_id;
      detach_flags = XDP_FLAGS_HW_MODE;
      where = "offloaded";
    }
  else
    return TRUE;

  name = cnet_xdp_prog_name_by_id (id);
  if (!(self->flags & CNET_XDP_ATTACH_REPLACE))
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FOREIGN_PROGRAM,
                   "%s: a foreign XDP program is attached in %s mode "
                   "(id %u, \"%s\")%s; detach it, or ask to replace it "
                   "(CNET_XDP_ATTACH_REPLACE)",
                   self->interface, where, id, name,
                   g_str_equal (name, CNET_XDP_PROG_NAME)
                     ? ", held by another libcnet process or cnetd"
                     : "");
      return FALSE;
    }

  g_info ("%s: replacing XDP program %u (\"%s\") attached in %s mode",
          self->interface, id, name, where);
  err = bpf_xdp_detach ((int) self->ifindex, detach_flags, NULL);
  if (err < 0)
    {
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (-err),
                   "%s: cannot detach XDP program %u (\"%s\"): %s",
                   self->interface, id, name, g_strerror (-err));
      return FALSE;
    }
  return TRUE;
}

/* Which of the capabilities a port needs this process lacks, from its
 * effective set, as " (this process lacks CAP_X, CAP_Y)", or "" when it
 * has them all (or cannot tell). */
static char *
cnet_missing_caps (void)
{
  static const struct
  {
    guint bit;
    const char *name;
  } needed[] = {
    { 12, "CAP_NET_ADMIN" }, /* XDP programs, attaching them */
    { 13, "CAP_NET_RAW" },   /* AF_XDP sockets */
    { 38, "CAP_PERFMON" },   /* the verifier, for the rule matching */
    { 39, "CAP_BPF" },       /* maps and programs */
  };
  g_autofree char *status = NULL;
  g_autoptr (GString) missing = g_string_new (NULL);
  const char *line;
  guint64 eff;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "\nCapEff:")) == NULL)
    return g_strdup ("");
  eff = g_ascii_strtoull (line + strlen ("\nCapEff:"), NULL, 16);
  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    if (!(eff & (G_GUINT64_CONSTANT (1) << needed[i].bit)))
      g_string_append_printf (missing, "%s%s", missing->len ? ", " : "",
                              needed[i].name);
  if (missing->len == 0)
    return g_strdup ("");
  return g_strdup_printf (" (this process lacks %s; a port needs "
                          "CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and "
                          "CAP_PERFMON, or root)",
                          missing->str);
}

/* Opens and loads (the kernel verifies it) the build of the program for RX
 * metadata @level (object_paths); @what names the interface in errors.
 * Level 2 is loaded bound to @ifindex. With @maps_from, the new object
 * reuses that object's maps (so an upgrade keeps the sockets, rules,
 * counters and captures). */
struct bpf_object *
cnet_xdp_object_load (const char *what, int level, guint ifindex,
                      struct bpf_object *maps_from, GError **error)
{
  static const char *const shared_maps[] = {
    "cnet_xsks",
    "cnet_counters",
    "cnet_rules",
    "cnet_rule_hits",
    "cnet_capture_mask",
    "cnet_captures",
    "cnet_capture_counters",
    "cnet_capture_rings",
    "cnet_rx_meta",
  };
  g_autoptr (GBytes) bytes = NULL;
  struct bpf_object *obj;
  struct bpf_program *prog;
  gconstpointer data;
  gsize size;
  long err;

  bytes = g_resources_lookup_data (object_paths[level],
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);

  {
    LIBBPF_OPTS (bpf_object_open_opts, open_opts,
                 .object_name = CNET_XDP_PROG_NAME);
    obj = bpf_object__open_mem (data, size, &open_opts);
  }
  err = libbpf_get_error (obj);
  if (err)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "%s: cannot open the embedded XDP program: %s", what,
                   g_strerror ((int) -err));
      return NULL;
    }

  prog = bpf_object__find_program_by_name (obj, "cnet_xdp");
  if (prog == NULL)
    prog = bpf_object__next_program (obj, NULL);
  if (prog == NULL)
    {
      bpf_object__close (obj);
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "%s: the embedded object has no XDP program", what);
      return NULL;
    }
  /* The metadata kfuncs are resolved to the driver's at load time: the
   * program is bound to this device (and native mode). */
  if (level >= 2)
    {
      bpf_program__set_ifindex (prog, ifindex);
      bpf_program__set_flags (prog, bpf_program__flags (prog) |
                                      BPF_F_XDP_DEV_BOUND_ONLY);
    }
  if (maps_from != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (shared_maps); i++)
      {
        struct bpf_map *map =
          bpf_object__find_map_by_name (obj, shared_maps[i]);
        int fd = bpf_object__find_map_fd_by_name (maps_from, shared_maps[i]);

        /* cnet_rx_meta is only in the metadata builds. */
        if (fd < 0 && g_str_equal (shared_maps[i], "cnet_rx_meta"))
          continue;
        if (map == NULL || fd < 0 || bpf_map__reuse_fd (map, fd) < 0)
          {
            bpf_object__close (obj);
            g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                         "%s: cannot share map %s with the new XDP program",
                         what, shared_maps[i]);
            return NULL;
          }
      }

  err = bpf_object__load (obj);
  if (err)
    {
      g_autofree char *caps = cnet_missing_caps ();

      bpf_object__close (obj);
      /* EPERM without CAP_BPF or CAP_NET_ADMIN; EACCES when the verifier,
       * without CAP_PERFMON, refuses the rule matching. */
      g_set_error (error, CNET_ERROR, cnet_error_from_errno ((int) -err),
                   "%s: cannot load the embedded XDP program%s: %s%s", what,
                   level >= 2 ? " (device-bound, with the RX metadata kfuncs)"
                              : "",
                   g_strerror ((int) -err), caps);
      return NULL;
    }
  return obj;
}

/* The fd of @obj's XDP program (loaded), or -1. */
int
cnet_xdp_object_prog_fd (struct bpf_object *obj)
{
  struct bpf_program *prog = bpf_object__find_program_by_name (obj, "cnet_xdp");

  if (prog == NULL)
    prog = bpf_object__next_program (obj, NULL);
  return prog ? bpf_program__fd (prog) : -1;
}

/* A loaded (verified) program object (the plain build) that no interface
 * has yet, taken by the next attach in this process: see
 * cnet_xdp_program_preload(). */
static GMutex spare_lock;
static struct bpf_object *spare_obj;

/* Loads one program object ahead of need, not attached anywhere, so that
 * the next attach in this process pays only for the kernel's attach, not
 * for the verifier (about half of what opening a lease on an idle
 * interface takes; docs/benchmarks.md, "Opening a lease"). cnetd calls it
 * when it starts and when a lease ends. Does nothing when one is ready.
 * Thread-safe. */
gboolean
cnet_xdp_program_preload (GError **error)
{
  struct bpf_object *obj;
  gboolean have;

  cnet_xdp_program_init_logging ();
  g_mutex_lock (&spare_lock);
  have = spare_obj != NULL;
  g_mutex_unlock (&spare_lock);
  if (have)
    return TRUE;
  obj = cnet_xdp_object_load ("the preloaded program", 0, 0, NULL, error);
  if (obj == NULL)
    return FALSE;
  g_mutex_lock (&spare_lock);
  if (spare_obj == NULL)
    {
      spare_obj = obj;
      obj = NULL;
    }
  g_mutex_unlock (&spare_lock);
  if (obj != NULL)
    bpf_object__close (obj);
  return TRUE;
}

/* Loads the plain build (no RX metadata) for attaching: the preloaded one
 * when there is one. */
static gboolean
cnet_xdp_program_load (CnetXdpProgram *self, GError **error)
{
  g_mutex_lock (&spare_lock);
  self->obj = g_steal_pointer (&spare_obj);
  g_mutex_unlock (&spare_lock);
  if (self->obj != NULL)
    g_debug ("%s: using the preloaded program", self->interface);
  else
    self->obj = cnet_xdp_object_load (self->interface, 0, 0, NULL, error);
  if (self->obj == NULL)
    return FALSE;
  self->meta_level = 0;
  self->prog_fd = cnet_xdp_object_prog_fd (self->obj);
  if (self->prog_fd < 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "%s: the embedded object has no XDP program",
                   self->interface);
      return FALSE;
    }
  return TRUE;
}

/* Attaches through a bpf_link, not netlink: the kernel detaches the
 * program when the link's last fd closes, so a process that dies (even by
 * SIGKILL) leaves nothing on the interface, and nobody ever has to guess
 * whether a program they find is stale. Returns 0 or -errno. */
static int
cnet_xdp_program_attach_mode (CnetXdpProgram *self, CnetXdpMode mode)
{
  LIBBPF_OPTS (bpf_link_create_opts, opts,
               .flags = mode == CNET_XDP_MODE_NATIVE ? XDP_FLAGS_DRV_MODE
                                                     : XDP_FLAGS_SKB_MODE);
  int fd = bpf_link_create (self->prog_fd, (int) self->ifindex, BPF_XDP, &opts);

  if (fd < 0)
    return -errno;
  self->link_fd = fd;
  return 0;
}

static gboolean
cnet_xdp_program_initable_init (GInitable *initable, GCancellable *cancellable,
                                GError **error)
{
  CnetXdpProgram *self = CNET_XDP_PROGRAM (initable);
  CnetNetdevInfo netdev;
  CnetXdpMode mode;
  int err;

  cnet_xdp_program_init_logging ();

  if (!cnet_netdev_lookup (self->interface, &netdev, error))
    return FALSE;
  self->ifindex = netdev.ifindex;

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (NULL, NULL);
  if (g_hash_table_contains (registry, GUINT_TO_POINTER (self->ifindex)))
    {
      g_mutex_unlock (&registry_lock);
      g_set_error (error, CNET_ERROR, CNET_ERROR_BUSY,
                   "%s: this process has already attached libcnet's XDP "
                   "program; share it through cnet_xdp_program_attach()",
                   self->interface);
      return FALSE;
    }

  if (!cnet_xdp_program_handle_existing (self, error) ||
      !cnet_xdp_program_load (self, error))
    {
      g_mutex_unlock (&registry_lock);
      return FALSE;
    }

  mode = self->mode == CNET_XDP_MODE_AUTO ? CNET_XDP_MODE_NATIVE : self->mode;
  err = cnet_xdp_program_attach_mode (self, mode);
  if (err < 0 && self->mode == CNET_XDP_MODE_AUTO)
    {
      g_debug ("%s: native XDP failed (%s), trying generic", self->interface,
               g_strerror (-err));
      mode = CNET_XDP_MODE_GENERIC;
      err = cnet_xdp_program_attach_mode (self, mode);
    }
  if (err < 0)
    {
      g_mutex_unlock (&registry_lock);
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (-err),
                   "%s: cannot attach the XDP program in %s mode (driver "
                   "%s): %s%s",
                   self->interface, cnet_xdp_mode_name (mode), netdev.driver,
                   g_strerror (-err),
                   -err == EPERM ? " (needs CAP_NET_ADMIN)" : "");
      return FALSE;
    }
  self->attached = TRUE;
  self->mode = mode;
  {
    struct bpf_prog_info info = { 0 };
    __u32 len = sizeof info;

    if (bpf_obj_get_info_by_fd (self->prog_fd, &info, &len) == 0)
      self->prog_id = info.id;
  }
  self->xsks_fd = bpf_object__find_map_fd_by_name (self->obj, "cnet_xsks");
  self->counters_fd =
    bpf_object__find_map_fd_by_name (self->obj, "cnet_counters");
  self->rules_fd = bpf_object__find_map_fd_by_name (self->obj, "cnet_rules");
  self->hits_fd = bpf_object__find_map_fd_by_name (self->obj, "cnet_rule_hits");
  self->capture_mask_fd =
    bpf_object__find_map_fd_by_name (self->obj, "cnet_capture_mask");
  self->captures_fd =
    bpf_object__find_map_fd_by_name (self->obj, "cnet_captures");
  self->capture_counters_fd =
    bpf_object__find_map_fd_by_name (self->obj, "cnet_capture_counters");
  self->capture_rings_fd =
    bpf_object__find_map_fd_by_name (self->obj, "cnet_capture_rings");
  self->n_cpus = MAX (libbpf_num_possible_cpus (), 1);
  g_hash_table_insert (registry, GUINT_TO_POINTER (self->ifindex), self);
  g_mutex_unlock (&registry_lock);

  g_debug ("%s: XDP program %u attached in %s mode", self->interface,
           self->prog_id, cnet_xdp_mode_name (mode));
  if (self->xsks_fd < 0 || self->counters_fd < 0 || self->rules_fd < 0 ||
      self->hits_fd < 0 || self->capture_mask_fd < 0 || self->captures_fd < 0 ||
      self->capture_counters_fd < 0 || self->capture_rings_fd < 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "%s: the XDP program lacks one of its maps",
                   self->interface);
      return FALSE;
    }
  return TRUE;
}

static void
cnet_xdp_program_initable_iface_init (GInitableIface *iface)
{
  iface->init = cnet_xdp_program_initable_init;
}

/* Detaches the program by closing its bpf_link: the kernel detaches it
 * unless the interface already went (and took it along). */
static void
cnet_xdp_program_detach (CnetXdpProgram *self)
{
  if (!self->attached)
    return;
  self->attached = FALSE;

  g_mutex_lock (&registry_lock);
  g_hash_table_remove (registry, GUINT_TO_POINTER (self->ifindex));
  if (self->link_fd >= 0)
    close (self->link_fd);
  self->link_fd = -1;
  g_mutex_unlock (&registry_lock);
  g_debug ("%s: XDP program %u detached", self->interface, self->prog_id);
}

static void
cnet_xdp_program_finalize (GObject *object)
{
  CnetXdpProgram *self = CNET_XDP_PROGRAM (object);

  cnet_xdp_program_detach (self);
  if (self->link_fd >= 0)
    close (self->link_fd);
  if (self->obj != NULL)
    bpf_object__close (self->obj);
  for (guint i = 0; i < self->old_objs->len; i++)
    bpf_object__close (g_ptr_array_index (self->old_objs, i));
  g_ptr_array_unref (self->old_objs);
  g_free (self->interface);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cnet_xdp_program_parent_class)->finalize (object);
}

static void
cnet_xdp_program_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  CnetXdpProgram *self = CNET_XDP_PROGRAM (object);

  switch (prop_id)
    {
    case PROP_INTERFACE:
      g_value_set_string (value, self->interface);
      break;
    case PROP_IFINDEX:
      g_value_set_uint (value, self->ifindex);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    case PROP_ID:
      g_value_set_uint (value, self->prog_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_xdp_program_set_property (GObject *object, guint prop_id,
                               const GValue *value, GParamSpec *pspec)
{
  CnetXdpProgram *self = CNET_XDP_PROGRAM (object);

  switch (prop_id)
    {
    case PROP_INTERFACE:
      self->interface = g_value_dup_string (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_FLAGS:
      self->flags = g_value_get_flags (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_xdp_program_class_init (CnetXdpProgramClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnet_xdp_program_finalize;
  object_class->get_property = cnet_xdp_program_get_property;
  object_class->set_property = cnet_xdp_program_set_property;

  /**
   * CnetXdpProgram:interface:
   *
   * The name of the interface the program is attached to.
   *
   * Since: 1.0
   */
  props[PROP_INTERFACE] =
    g_param_spec_string ("interface", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  /**
   * CnetXdpProgram:ifindex:
   *
   * The index of the interface the program is attached to.
   *
   * Since: 1.0
   */
  props[PROP_IFINDEX] =
    g_param_spec_uint ("ifindex", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetXdpProgram:mode:
   *
   * The attach mode: the one asked for at construction, then the one used
   * (%CNET_XDP_MODE_AUTO resolves to native or generic).
   *
   * Since: 1.0
   */
  props[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, CNET_TYPE_XDP_MODE,
                       CNET_XDP_MODE_AUTO,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetXdpProgram:flags:
   *
   * How to treat a foreign program found on the interface.
   *
   * Since: 1.0
   */
  props[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL, CNET_TYPE_XDP_ATTACH_FLAGS,
                        CNET_XDP_ATTACH_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS);

  /**
   * CnetXdpProgram:id:
   *
   * The kernel's id of the attached program, as `ip link` and `bpftool`
   * show it.
   *
   * Since: 1.0
   */
  props[PROP_ID] =
    g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cnet_xdp_program_init (CnetXdpProgram *self)
{
  g_mutex_init (&self->lock);
  self->prog_fd = -1;
  self->link_fd = -1;
  self->xsks_fd = -1;
  self->counters_fd = -1;
  self->rules_fd = -1;
  self->hits_fd = -1;
  self->rx_meta_fd = -1;
  self->old_objs = g_ptr_array_new ();
}

/**
 * cnet_xdp_program_attach:
 * @interface: the interface name
 * @mode: the attach mode
 * @flags: what to do about a foreign program
 * @error: return location for a #GError
 *
 * Attaches libcnet's XDP program to @interface, or returns the one this
 * process has already attached there (then @mode must agree with its mode,
 * or be %CNET_XDP_MODE_AUTO). The program stays attached while a reference
 * to it exists.
 *
 * Returns: (transfer full): the program, or %NULL with @error set:
 *   %CNET_ERROR_NOT_FOUND for an unknown interface,
 *   %CNET_ERROR_FOREIGN_PROGRAM when another program is attached,
 *   %CNET_ERROR_PERMISSION_DENIED without CAP_NET_ADMIN, CAP_BPF and
 *   CAP_PERFMON
 *
 * Since: 1.0
 */
CnetXdpProgram *
cnet_xdp_program_attach (const char *interface, CnetXdpMode mode,
                         CnetXdpAttachFlags flags, GError **error)
{
  CnetXdpProgram *prog = NULL;
  guint ifindex;

  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ifindex = if_nametoindex (interface);
  if (ifindex != 0)
    {
      g_mutex_lock (&registry_lock);
      if (registry != NULL)
        prog = g_hash_table_lookup (registry, GUINT_TO_POINTER (ifindex));
      /* A program whose last reference is being dropped is not shared. */
      if (prog != NULL && g_atomic_int_get (&G_OBJECT (prog)->ref_count) > 0)
        prog = g_object_ref (prog);
      else
        prog = NULL;
      g_mutex_unlock (&registry_lock);
    }

  if (prog != NULL)
    {
      if (mode != CNET_XDP_MODE_AUTO && mode != prog->mode)
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_BUSY,
                       "%s: libcnet's XDP program is attached in %s mode "
                       "already; %s mode was asked for",
                       interface, cnet_xdp_mode_name (prog->mode),
                       cnet_xdp_mode_name (mode));
          g_object_unref (prog);
          return NULL;
        }
      return prog;
    }

  return g_initable_new (CNET_TYPE_XDP_PROGRAM, NULL, error, "interface",
                         interface, "mode", mode, "flags", flags, NULL);
}

/**
 * cnet_xdp_program_get_interface:
 * @program: a #CnetXdpProgram
 *
 * Returns: the interface name
 *
 * Since: 1.0
 */
const char *
cnet_xdp_program_get_interface (CnetXdpProgram *program)
{
  g_return_val_if_fail (CNET_IS_XDP_PROGRAM (program), NULL);
  return program->interface;
}

/**
 * cnet_xdp_program_get_ifindex:
 * @program: a #CnetXdpProgram
 *
 * Returns: the interface index
 *
 * Since: 1.0
 */
guint
cnet_xdp_program_get_ifindex (CnetXdpProgram *program)
{
  g_return_val_if_fail (CNET_IS_XDP_PROGRAM (program), 0);
  return program->ifindex;
}

/**
 * cnet_xdp_program_get_mode:
 * @program: a #CnetXdpProgram
 *
 * Returns: the mode the program is attached in: %CNET_XDP_MODE_NATIVE or
 *   %CNET_XDP_MODE_GENERIC
 *
 * Since: 1.0
 */
CnetXdpMode
cnet_xdp_program_get_mode (CnetXdpProgram *program)
{
  g_return_val_if_fail (CNET_IS_XDP_PROGRAM (program), CNET_XDP_MODE_AUTO);
  return program->mode;
}

/**
 * cnet_xdp_program_get_id:
 * @program: a #CnetXdpProgram
 *
 * Returns: the kernel's id of the program
 *
 * Since: 1.0
 */
guint
cnet_xdp_program_get_id (CnetXdpProgram *program)
{
  g_return_val_if_fail (CNET_IS_XDP_PROGRAM (program), 0);
  return program->prog_id;
}

/* For cnetd's device-plugin socket (service/cnetd-uds.c): the XSKMAP, to
 * pass to a client. Owned by @program. */
int
cnet_xdp_program_get_xsks_fd (CnetXdpProgram *program)
{
  return program->xsks_fd;
}
