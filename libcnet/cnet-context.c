/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>

#include "cnet-config-private.h"
#include "cnet-context.h"
#include "cnet-enums.h"
#include "cnet-error.h"
#include "cnet-xdp-program.h"

/**
 * CnetContext:
 *
 * The data plane of a process, as a configuration describes it: the
 * mempools and ports a #CnetConfig names, created together, looked up by
 * name, and torn down together.
 *
 * A program usually has one, cnet_context_get_default(), loads its
 * configuration file into it at start-up, starts one worker thread per
 * thread of the configuration, and has each ask
 * cnet_context_get_thread_ports() for the ports it receives on.
 *
 * cnet_context_shutdown() (called at exit for the default context) closes
 * every port, which detaches libcnet's XDP program from every interface
 * where no other port of the process remains, then drops the mempools.
 * Stop the worker threads and free their packets first: the ports and
 * mempools are gone afterwards.
 *
 * Since: 1.0
 */

struct _CnetContext
{
  GObject parent_instance;

  GMutex lock;
  CnetConfig *config;
  GPtrArray *mempools;         /* CnetMempool, in the config's order */
  GPtrArray *ports;            /* CnetPort, in the config's order */
  GHashTable *mempool_by_name; /* name → CnetMempool (not owned) */
  GHashTable *port_by_name;    /* name → CnetPort (not owned) */
};

enum
{
  PROP_0,
  PROP_CONFIG,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_FINAL_TYPE (CnetContext, cnet_context, G_TYPE_OBJECT)

/* How long shutdown lets the kernel finish sending what is queued. */
#define FLUSH_TIMEOUT_USECS (200 * 1000)

/* Tears down under the lock: ports first (clear the XSKMAP slot, close the
 * socket, detach the program with the last port of an interface), in the
 * reverse order of creation, then the mempools they used. */
static void
cnet_context_teardown_locked (CnetContext *self)
{
  gint64 deadline = g_get_monotonic_time () + FLUSH_TIMEOUT_USECS;

  for (guint i = 0; i < self->ports->len; i++)
    while (cnet_port_tx_flush (g_ptr_array_index (self->ports, i)) > 0 &&
           g_get_monotonic_time () < deadline)
      g_usleep (100);

  g_hash_table_remove_all (self->port_by_name);
  g_hash_table_remove_all (self->mempool_by_name);
  while (self->ports->len > 0)
    {
      g_autoptr (CnetPort) port =
        g_ptr_array_steal_index (self->ports, self->ports->len - 1);

      /* Someone else may hold a reference: close it all the same. */
      g_object_run_dispose (G_OBJECT (port));
    }
  while (self->mempools->len > 0)
    g_object_unref (
      g_ptr_array_steal_index (self->mempools, self->mempools->len - 1));
  g_clear_object (&self->config);
}

static void
cnet_context_finalize (GObject *object)
{
  CnetContext *self = CNET_CONTEXT (object);

  cnet_context_teardown_locked (self);
  g_ptr_array_unref (self->ports);
  g_ptr_array_unref (self->mempools);
  g_hash_table_unref (self->port_by_name);
  g_hash_table_unref (self->mempool_by_name);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (cnet_context_parent_class)->finalize (object);
}

static void
cnet_context_get_property (GObject *object, guint prop_id, GValue *value,
                           GParamSpec *pspec)
{
  CnetContext *self = CNET_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_mutex_lock (&self->lock);
      g_value_set_object (value, self->config);
      g_mutex_unlock (&self->lock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_context_class_init (CnetContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cnet_context_finalize;
  object_class->get_property = cnet_context_get_property;

  /**
   * CnetContext:config:
   *
   * The configuration loaded, or %NULL before cnet_context_load() and after
   * cnet_context_shutdown().
   *
   * Since: 1.0
   */
  props[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, CNET_TYPE_CONFIG,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
cnet_context_init (CnetContext *self)
{
  g_mutex_init (&self->lock);
  self->mempools = g_ptr_array_new ();
  self->ports = g_ptr_array_new ();
  self->mempool_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->port_by_name = g_hash_table_new (g_str_hash, g_str_equal);
}

static CnetContext *default_context;

static void
cnet_context_at_exit (void)
{
  if (default_context != NULL)
    cnet_context_shutdown (default_context);
}

/**
 * cnet_context_get_default:
 *
 * Gets the context of the process, creating it on the first call (from any
 * thread; every thread gets the same one). It lives until the process
 * exits, when it is shut down (see cnet_context_shutdown()).
 *
 * Returns: (transfer none): the process's context
 *
 * Since: 1.0
 */
CnetContext *
cnet_context_get_default (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      default_context = g_object_new (CNET_TYPE_CONTEXT, NULL);
      atexit (cnet_context_at_exit);
      g_once_init_leave (&once, 1);
    }
  return default_context;
}

/**
 * cnet_context_new:
 *
 * Creates a context of its own, apart from the process's default one: for
 * tests, or for a program that loads and unloads configurations as it
 * goes. Dropping the last reference shuts it down.
 *
 * Returns: (transfer full): a new, empty context
 *
 * Since: 1.0
 */
CnetContext *
cnet_context_new (void)
{
  return g_object_new (CNET_TYPE_CONTEXT, NULL);
}

static gboolean
prefix_error (GError **error, GError *local, const char *name, const char *what,
              const char *object)
{
  g_set_error (error, local->domain, local->code, "%s: %s \"%s\": %s", name,
               what, object, local->message);
  return FALSE;
}

/* A port as @spec describes it: its settings (cnet-port-settings.c) and
 * the rest. */
static CnetPort *
cnet_context_new_port (CnetPortSpec *spec, CnetMempool *pool, GError **error)
{
  const char *names[CNET_PORT_N_SETTINGS + 6];
  GValue values[CNET_PORT_N_SETTINGS + 6] = { G_VALUE_INIT };
  guint n = 0;
  GObject *port;

#define ADD(name, type, setter, v)                                             \
  G_STMT_START                                                                 \
  {                                                                            \
    names[n] = name;                                                           \
    g_value_init (&values[n], type);                                           \
    setter (&values[n], v);                                                    \
    n++;                                                                       \
  }                                                                            \
  G_STMT_END
  ADD ("interface", G_TYPE_STRING, g_value_set_string, spec->interface);
  ADD ("queue", G_TYPE_UINT, g_value_set_uint, spec->queue);
  ADD ("mempool", CNET_TYPE_MEMPOOL, g_value_set_object, pool);
  ADD ("attach-flags", CNET_TYPE_XDP_ATTACH_FLAGS, g_value_set_flags,
       spec->attach_flags);
  ADD ("rules", G_TYPE_STRV, g_value_set_boxed, spec->rules);
  ADD ("uds-path", G_TYPE_STRING, g_value_set_string, spec->uds_path);
#undef ADD
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    {
      const CnetPortSettingInfo *info = &cnet_port_setting_infos[i];

      names[n] = info->name;
      g_value_init (&values[n], cnet_port_setting_value_type (info));
      cnet_port_settings_get_value (&spec->settings, info, &values[n]);
      n++;
    }
  port = g_object_new_with_properties (CNET_TYPE_PORT, n, names, values);
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  if (!g_initable_init (G_INITABLE (port), NULL, error))
    {
      g_object_unref (port);
      return NULL;
    }
  return CNET_PORT (port);
}

static gboolean
cnet_context_create_locked (CnetContext *self, CnetConfig *config,
                            GError **error)
{
  GPtrArray *pools = cnet_config_get_mempools (config);
  GPtrArray *ports = cnet_config_get_ports (config);
  const char *name = cnet_config_get_name (config);
  gboolean cndp = cnet_config_get_dialect (config) == CNET_CONFIG_DIALECT_CNDP;

  for (guint i = 0; i < pools->len; i++)
    {
      CnetMempoolSpec *spec = g_ptr_array_index (pools, i);
      g_autoptr (GError) local = NULL;
      CnetMempool *pool;

      pool = cnet_mempool_new (spec->n_frames, spec->frame_size, spec->headroom,
                               &local);
      if (pool == NULL)
        return prefix_error (error, local, name, cndp ? "umem" : "mempool",
                             spec->name);
      g_ptr_array_add (self->mempools, pool);
      g_hash_table_insert (self->mempool_by_name, spec->name, pool);
    }

  for (guint i = 0; i < ports->len; i++)
    {
      CnetPortSpec *spec = g_ptr_array_index (ports, i);
      g_autoptr (GError) local = NULL;
      CnetMempool *pool =
        g_hash_table_lookup (self->mempool_by_name, spec->mempool);
      CnetPort *port;

      g_assert (pool != NULL); /* the config checked the reference */
      port = cnet_context_new_port (spec, pool, &local);
      if (port == NULL)
        return prefix_error (error, local, name, cndp ? "lport" : "port",
                             spec->name);
      g_ptr_array_add (self->ports, port);
      g_hash_table_insert (self->port_by_name, spec->name, port);
    }
  return TRUE;
}

/**
 * cnet_context_load:
 * @context: a #CnetContext
 * @config: the configuration to load
 *
 * Creates the mempools and opens the ports @config describes, in its
 * order. When one cannot be created, what was created is torn down again
 * and the error names the configuration, the mempool or port, and the
 * cause (keeping the code of the underlying error, such as
 * %CNET_ERROR_NOT_FOUND for a missing interface).
 *
 * Opening ports needs CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and CAP_PERFMON
 * (or root).
 *
 * Returns: %TRUE, or %FALSE with @error set; %CNET_ERROR_INVALID_STATE
 *   when a configuration is loaded already
 *
 * Since: 1.0
 */
gboolean
cnet_context_load (CnetContext *context, CnetConfig *config, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (CNET_IS_CONTEXT (context), FALSE);
  g_return_val_if_fail (CNET_IS_CONFIG (config), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&context->lock);
  if (context->config != NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
                   "%s: cannot load: the context has %s loaded already; shut "
                   "it down first",
                   cnet_config_get_name (config),
                   cnet_config_get_name (context->config));
      g_mutex_unlock (&context->lock);
      return FALSE;
    }
  context->config = g_object_ref (config);
  ok = cnet_context_create_locked (context, config, error);
  if (!ok)
    cnet_context_teardown_locked (context);
  g_mutex_unlock (&context->lock);
  g_object_notify_by_pspec (G_OBJECT (context), props[PROP_CONFIG]);
  return ok;
}

/**
 * cnet_context_load_file:
 * @context: a #CnetContext
 * @path: (type filename): a configuration file
 *
 * Reads the configuration file @path (see cnet_config_new_from_file()) and
 * loads it (see cnet_context_load()).
 *
 * Returns: %TRUE, or %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
cnet_context_load_file (CnetContext *context, const char *path, GError **error)
{
  g_autoptr (CnetConfig) config = NULL;

  g_return_val_if_fail (CNET_IS_CONTEXT (context), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  config = cnet_config_new_from_file (path, error);
  return config != NULL && cnet_context_load (context, config, error);
}

/**
 * cnet_context_get_config:
 * @context: a #CnetContext
 *
 * Returns: (transfer none) (nullable): the configuration loaded, or %NULL
 *
 * Since: 1.0
 */
CnetConfig *
cnet_context_get_config (CnetContext *context)
{
  CnetConfig *config;

  g_return_val_if_fail (CNET_IS_CONTEXT (context), NULL);

  g_mutex_lock (&context->lock);
  config = context->config;
  g_mutex_unlock (&context->lock);
  return config;
}

/**
 * cnet_context_lookup_mempool:
 * @context: a #CnetContext
 * @name: the name the configuration gives the mempool (a CNDP umem's name)
 *
 * Returns: (transfer none) (nullable): the mempool, or %NULL when the
 *   loaded configuration has none of that name
 *
 * Since: 1.0
 */
CnetMempool *
cnet_context_lookup_mempool (CnetContext *context, const char *name)
{
  CnetMempool *pool;

  g_return_val_if_fail (CNET_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  g_mutex_lock (&context->lock);
  pool = g_hash_table_lookup (context->mempool_by_name, name);
  g_mutex_unlock (&context->lock);
  return pool;
}

/**
 * cnet_context_lookup_port:
 * @context: a #CnetContext
 * @name: the name the configuration gives the port, such as `eth0:0`
 *
 * Returns: (transfer none) (nullable): the port, or %NULL when the loaded
 *   configuration has none of that name
 *
 * Since: 1.0
 */
CnetPort *
cnet_context_lookup_port (CnetContext *context, const char *name)
{
  CnetPort *port;

  g_return_val_if_fail (CNET_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  g_mutex_lock (&context->lock);
  port = g_hash_table_lookup (context->port_by_name, name);
  g_mutex_unlock (&context->lock);
  return port;
}

/**
 * cnet_context_get_ports:
 * @context: a #CnetContext
 *
 * Returns: (transfer full) (element-type CnetPort): every port, in the
 *   order of the configuration
 *
 * Since: 1.0
 */
GPtrArray *
cnet_context_get_ports (CnetContext *context)
{
  GPtrArray *ports;

  g_return_val_if_fail (CNET_IS_CONTEXT (context), NULL);

  g_mutex_lock (&context->lock);
  ports = g_ptr_array_copy (context->ports,
                            (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  g_ptr_array_set_free_func (ports, g_object_unref);
  g_mutex_unlock (&context->lock);
  return ports;
}

/**
 * cnet_context_get_thread_ports:
 * @context: a #CnetContext
 * @thread: the name the configuration gives a thread, such as `fwd:0`
 * @error: return location for a #GError
 *
 * Tells a worker thread which ports are its own: those the configuration
 * lists for @thread. Each port belongs to one thread at most, so each
 * thread may receive on its ports without further coordination; sending
 * on any port is safe from every thread.
 *
 * Returns: (transfer full) (element-type CnetPort): the thread's ports, in
 *   the order of the configuration (maybe none), or %NULL with @error set:
 *   %CNET_ERROR_NOT_FOUND when the configuration has no such thread,
 *   %CNET_ERROR_INVALID_STATE when no configuration is loaded
 *
 * Since: 1.0
 */
GPtrArray *
cnet_context_get_thread_ports (CnetContext *context, const char *thread,
                               GError **error)
{
  g_autoptr (GPtrArray) ports = NULL;
  CnetThreadSpec *spec;

  g_return_val_if_fail (CNET_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (thread != NULL, NULL);

  g_mutex_lock (&context->lock);
  if (context->config == NULL)
    {
      g_mutex_unlock (&context->lock);
      g_set_error (error, CNET_ERROR, CNET_ERROR_INVALID_STATE,
                   "thread \"%s\": no configuration is loaded", thread);
      return NULL;
    }
  spec = cnet_config_lookup_thread (context->config, thread);
  if (spec == NULL)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_NOT_FOUND,
                   "%s: no thread named \"%s\"",
                   cnet_config_get_name (context->config), thread);
      g_mutex_unlock (&context->lock);
      return NULL;
    }
  ports = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; spec->ports[i] != NULL; i++)
    g_ptr_array_add (ports,
                     g_object_ref (g_hash_table_lookup (context->port_by_name,
                                                        spec->ports[i])));
  g_mutex_unlock (&context->lock);
  return g_steal_pointer (&ports);
}

/**
 * cnet_context_shutdown:
 * @context: a #CnetContext
 *
 * Tears down what the loaded configuration created: lets the ports send
 * what they have queued (for a fraction of a second at most), closes every
 * port in the reverse order of creation — each clears its XSKMAP slot and
 * closes its socket, and libcnet's XDP program leaves an interface with
 * its last port — and drops the mempools. Ports that the application still
 * holds references to are closed all the same: receiving and sending on
 * them does nothing afterwards.
 *
 * Call it after the worker threads have stopped and freed their packets.
 * The context may then load a configuration again. Doing nothing when no
 * configuration is loaded, it is safe to call more than once.
 *
 * Since: 1.0
 */
void
cnet_context_shutdown (CnetContext *context)
{
  gboolean had_config;

  g_return_if_fail (CNET_IS_CONTEXT (context));

  g_mutex_lock (&context->lock);
  had_config = context->config != NULL;
  cnet_context_teardown_locked (context);
  g_mutex_unlock (&context->lock);
  if (had_config)
    g_object_notify_by_pspec (G_OBJECT (context), props[PROP_CONFIG]);
}
