/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A GSource for a port: packets in a GMainLoop, without a busy thread.
 */
#include "config.h"

#include "cnet-port-private.h"
#include "cnet-port.h"

/* How the source decides when to let the main loop sleep:
 *
 * - It looks at the RX ring itself in prepare() and check(), without a
 *   system call, and is ready as soon as the ring has packets.
 * - Otherwise its socket is polled with the rest of the main loop's file
 *   descriptors. The kernel's poll handler for AF_XDP honours need-wakeup:
 *   it kicks TX and wakes the driver's RX as the rings' flags ask, so a
 *   sleeping source misses nothing.
 * - An adaptive source (spin_usecs > 0) keeps the main loop from sleeping
 *   for spin_usecs after its last dispatch: prepare() asks for a poll
 *   timeout of 0, so under load the loop spins over the rings instead of
 *   paying an interrupt, a wakeup and two context switches per burst. When
 *   nothing comes for that long it lets the loop sleep in poll() again.
 * - A port that busy-polls (CnetPort:busy-poll-usecs) spins for at least
 *   that long, and while it spins it drives the driver's NAPI itself
 *   (cnet_port_busy_poll()): with preferred busy polling the interrupts
 *   stay off as long as the application polls, so nobody else would.
 */
typedef struct
{
  GSource source;
  CnetPort *port;
  GIOCondition condition;
  gpointer fd_tag;
  gpointer guard_tag; /* a leased port's guard: hangs up when it ends */
  guint spin_usecs;
  gboolean active;    /* dispatched since it last let the loop sleep */
  gint64 last_active; /* g_source_get_time() of the last dispatch */
} CnetPortSource;

#define CNET_IO_FAILURE (G_IO_ERR | G_IO_HUP | G_IO_NVAL)

static gboolean
cnet_port_source_rx_ready (CnetPortSource *self)
{
  return (self->condition & G_IO_IN) && cnet_port_rx_ready (self->port);
}

static gboolean
cnet_port_source_prepare (GSource *source, gint *timeout)
{
  CnetPortSource *self = (CnetPortSource *) source;

  *timeout = -1;
  if (cnet_port_source_rx_ready (self))
    return TRUE;
  if (!self->active)
    return FALSE;
  if (MAX (self->spin_usecs, self->port->settings.busy_poll_usecs) > 0 &&
      g_source_get_time (source) - self->last_active <
        MAX (self->spin_usecs, self->port->settings.busy_poll_usecs))
    {
      if (cnet_port_busy_poll (self->port))
        return TRUE;
      *timeout = 0;
      cnet_port_count_source_event (self->port, CNET_PORT_SOURCE_SPIN);
      return FALSE;
    }
  self->active = FALSE;
  cnet_port_count_source_event (self->port, CNET_PORT_SOURCE_SLEEP);
  return FALSE;
}

static GIOCondition
cnet_port_source_events (CnetPortSource *self)
{
  GIOCondition events = g_source_query_unix_fd (&self->source, self->fd_tag);

  events &= self->condition | CNET_IO_FAILURE;
  if (cnet_port_source_rx_ready (self))
    events |= G_IO_IN;
  /* The lease ended: dispatch, so the callback's next call says so. */
  if (self->guard_tag != NULL &&
      g_source_query_unix_fd (&self->source, self->guard_tag) != 0)
    events |= G_IO_HUP;
  return events;
}

static gboolean
cnet_port_source_check (GSource *source)
{
  return cnet_port_source_events ((CnetPortSource *) source) != 0;
}

static gboolean
cnet_port_source_dispatch (GSource *source, GSourceFunc callback,
                           gpointer user_data)
{
  CnetPortSource *self = (CnetPortSource *) source;
  CnetPortSourceFunc func = (CnetPortSourceFunc) (void (*) (void)) callback;
  GIOCondition events = cnet_port_source_events (self);

  if (func == NULL)
    {
      g_warning ("%s queue %u: a CnetPort source was dispatched without a "
                 "callback; call g_source_set_callback()",
                 cnet_port_get_interface (self->port),
                 cnet_port_get_queue (self->port));
      return G_SOURCE_REMOVE;
    }
  /* Woken through a child source: the cancellable. Say what was asked
   * for, as GSocket's source does, so the callback runs and finds out. */
  if (events == 0)
    events = self->condition & (G_IO_IN | G_IO_OUT);

  if (self->guard_tag != NULL &&
      g_source_query_unix_fd (source, self->guard_tag) != 0)
    {
      /* Once: a hung-up guard stays readable, and the callback has been
       * told (its calls fail with CNET_ERROR_LEASE_ENDED from now on). */
      g_source_remove_unix_fd (source, self->guard_tag);
      self->guard_tag = NULL;
      cnet_port_check_lease (self->port, NULL);
    }
  cnet_port_count_source_event (self->port, CNET_PORT_SOURCE_DISPATCH);
  if (!self->active)
    cnet_port_count_source_event (self->port, CNET_PORT_SOURCE_WAKEUP);
  self->active = TRUE;
  self->last_active = g_source_get_time (source);

  return func (self->port, events, user_data);
}

static void
cnet_port_source_finalize (GSource *source)
{
  CnetPortSource *self = (CnetPortSource *) source;

  g_clear_object (&self->port);
}

/* For g_source_set_closure(), which bindings such as GJS use. */
static gboolean
cnet_port_source_closure_callback (CnetPort *port, GIOCondition condition,
                                   gpointer data)
{
  GClosure *closure = data;
  GValue params[2] = { G_VALUE_INIT, G_VALUE_INIT };
  GValue result = G_VALUE_INIT;
  gboolean ret;

  g_value_init (&result, G_TYPE_BOOLEAN);
  g_value_init (&params[0], CNET_TYPE_PORT);
  g_value_set_object (&params[0], port);
  g_value_init (&params[1], G_TYPE_IO_CONDITION);
  g_value_set_flags (&params[1], condition);

  g_closure_invoke (closure, &result, 2, params, NULL);

  ret = g_value_get_boolean (&result);
  g_value_unset (&result);
  g_value_unset (&params[0]);
  g_value_unset (&params[1]);
  return ret;
}

static GSourceFuncs cnet_port_source_funcs = {
  .prepare = cnet_port_source_prepare,
  .check = cnet_port_source_check,
  .dispatch = cnet_port_source_dispatch,
  .finalize = cnet_port_source_finalize,
  .closure_callback = G_SOURCE_FUNC (cnet_port_source_closure_callback),
  .closure_marshal = NULL,
};

/**
 * cnet_port_create_source:
 * @port: a #CnetPort
 * @condition: what to watch for: %G_IO_IN for received packets, %G_IO_OUT
 *   for room on the TX ring (both may be given)
 * @cancellable: (nullable): a #GCancellable
 *
 * Creates a #GSource that calls back when @port is ready for @condition,
 * so a GLib application receives packets in its main loop without a
 * thread of its own. Set its callback, a #CnetPortSourceFunc, with
 * g_source_set_callback() (or g_source_set_closure()), and attach it with
 * g_source_attach(). The source holds a reference on @port.
 *
 * The source checks the RX ring itself before the main loop polls, and it
 * is level-triggered: while the ring has packets, the callback is called
 * on every iteration. It calls back with %G_IO_ERR or %G_IO_HUP when the
 * socket fails (the interface went away); return %G_SOURCE_REMOVE then.
 *
 * By default the source lets the main loop sleep in `poll()` whenever the
 * rings are empty. cnet_port_source_set_adaptive() makes it busy-poll for
 * a while after each burst instead; the port's stats count both
 * (#CnetPortStats.source_sleeps, #CnetPortStats.source_spins).
 *
 * When @cancellable is cancelled the source calls back with @condition
 * (as the sources of #GSocket do); check the cancellable there and
 * return %G_SOURCE_REMOVE.
 *
 * Bindings that cannot set a callback of this type on a #GSource (PyGObject
 * cannot) use cnet_port_add_watch().
 *
 * Returns: (transfer full): a new #GSource
 *
 * Since: 1.0
 */
GSource *
cnet_port_create_source (CnetPort *port, GIOCondition condition,
                         GCancellable *cancellable)
{
  g_autofree char *name = NULL;
  CnetPortSource *self;
  GSource *source;

  g_return_val_if_fail (CNET_IS_PORT (port), NULL);
  g_return_val_if_fail ((condition & (G_IO_IN | G_IO_OUT)) != 0, NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable),
                        NULL);
  g_return_val_if_fail (cnet_port_get_fd (port) >= 0, NULL);

  source = g_source_new (&cnet_port_source_funcs, sizeof (CnetPortSource));
  self = (CnetPortSource *) source;
  self->port = g_object_ref (port);
  self->condition = condition & (G_IO_IN | G_IO_OUT);
  self->fd_tag =
    g_source_add_unix_fd (source, cnet_port_get_fd (port), self->condition);
  if (cnet_port_get_guard_fd (port) >= 0)
    self->guard_tag =
      g_source_add_unix_fd (source, cnet_port_get_guard_fd (port), G_IO_HUP);
  name =
    g_strdup_printf ("CnetPort %s queue %u", cnet_port_get_interface (port),
                     cnet_port_get_queue (port));
  g_source_set_static_name (source, g_intern_string (name));

  if (cancellable != NULL)
    {
      g_autoptr (GSource) cancellable_source =
        g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancellable_source);
      g_source_add_child_source (source, cancellable_source);
    }
  return source;
}

/**
 * cnet_port_source_set_adaptive:
 * @source: a source made by cnet_port_create_source()
 * @spin_usecs: how long to keep busy-polling after a dispatch, in
 *   microseconds; 0 always lets the main loop sleep
 *
 * Makes @source adaptive: after it dispatched, it keeps its main loop
 * polling without sleeping (a `poll()` timeout of 0) for up to @spin_usecs,
 * so under load the next burst is picked up without an interrupt and a
 * wakeup; when nothing comes for that long it lets the loop sleep in
 * `poll()` until the socket is ready. It costs a core while it spins; 50
 * to 500 microseconds suit most loads.
 *
 * Since: 1.0
 */
void
cnet_port_source_set_adaptive (GSource *source, guint spin_usecs)
{
  g_return_if_fail (source != NULL);
  g_return_if_fail (source->source_funcs == &cnet_port_source_funcs);

  ((CnetPortSource *) source)->spin_usecs = spin_usecs;
}

/**
 * cnet_port_add_watch:
 * @port: a #CnetPort
 * @priority: the priority of the source, such as %G_PRIORITY_DEFAULT
 * @condition: what to watch for: %G_IO_IN, %G_IO_OUT or both
 * @spin_usecs: 0, or how long the source busy-polls after each dispatch
 *   (see cnet_port_source_set_adaptive())
 * @func: (scope notified) (closure user_data) (destroy notify): the
 *   function to call when @port is ready
 * @user_data: (nullable): data to pass to @func
 * @notify: (nullable): called with @user_data when the source is removed
 *
 * Calls @func from the global-default main context whenever @port is ready
 * for @condition, until @func returns %G_SOURCE_REMOVE or the source is
 * removed with g_source_remove(): a cnet_port_create_source() source set
 * up and attached in one call, and the way bindings such as PyGObject
 * watch a port:
 *
 * ```python
 * def on_ready(port, condition):
 *     if port.receive(batch):
 *         batch.swap_macs()
 *         port.send(batch)
 *     return GLib.SOURCE_CONTINUE
 *
 * port.add_watch(GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN, 0, on_ready)
 * ```
 *
 * Returns: the ID of the source in the global-default main context
 *
 * Since: 1.0
 */
guint
cnet_port_add_watch (CnetPort *port, int priority, GIOCondition condition,
                     guint spin_usecs, CnetPortSourceFunc func,
                     gpointer user_data, GDestroyNotify notify)
{
  g_autoptr (GSource) source = NULL;

  g_return_val_if_fail (CNET_IS_PORT (port), 0);
  g_return_val_if_fail (func != NULL, 0);

  source = cnet_port_create_source (port, condition, NULL);
  if (source == NULL)
    return 0;
  g_source_set_priority (source, priority);
  cnet_port_source_set_adaptive (source, spin_usecs);
  g_source_set_callback (source, G_SOURCE_FUNC (func), user_data, notify);
  return g_source_attach (source, NULL);
}
