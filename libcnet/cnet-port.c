/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <gio/gio.h>
#include <linux/if_xdp.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnet-dbus.h"
#include "cnet-enums.h"
#include "cnet-match.h"
#include "cnet-mempool-private.h"
#include "cnet-port-private.h"
#include "cnet-xdp-program-private.h"

/**
 * CnetPort:
 *
 * One AF_XDP socket on one receive queue of an interface, receiving into
 * and sending from the frames of a #CnetMempool.
 *
 * Creating a port attaches libcnet's #CnetXdpProgram to the interface (or
 * shares the one this process has there), creates the socket on the kernel
 * UAPI (`linux/if_xdp.h`: UMEM registration, four rings, bind) and puts the
 * socket in the program's XSKMAP slot for the queue. Dropping the last
 * reference undoes all of it, in reverse, and gives every frame back to the
 * mempool.
 *
 * The C data path is cnet_port_rx_burst() and cnet_port_tx_burst(), which
 * move arrays of #CnetPacket pointers and transfer their ownership. They
 * allocate nothing. Receiving is single-consumer: one thread at a time
 * (a second concurrent caller is refused with a critical warning). Sending
 * may be done from several threads at once; a mutex, taken once per burst,
 * orders them.
 *
 * Bindings receive and send through a #CnetBatch, with cnet_port_receive()
 * and cnet_port_send(), which report misuse as a #GError instead.
 *
 * To wait for packets, poll cnet_port_get_fd() for `POLLIN`, call
 * cnet_port_wait(), or let a main loop do it: cnet_port_add_watch() and
 * cnet_port_create_source() call back when packets are there.
 *
 * Since: 1.0
 */

enum
{
  PROP_0,
  PROP_INTERFACE,
  PROP_QUEUE,
  PROP_MEMPOOL,
  PROP_ATTACH_FLAGS,
  PROP_RULES,
  PROP_IFINDEX,
  PROP_XDP_PROGRAM,
  PROP_UDS_PATH,
  PROP_FEATURES,
  /* Then one per row of cnet_port_setting_infos. */
  PROP_FIRST_SETTING,
  N_PROPS = PROP_FIRST_SETTING + CNET_PORT_N_SETTINGS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_LEASE_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void cnet_port_initable_iface_init (GInitableIface *iface);

G_STATIC_ASSERT (G_N_ELEMENTS (((CnetPortStats *) NULL)->rule_hits) ==
                 CNET_MATCH_MAX_RULES);
G_STATIC_ASSERT (CNET_MATCH_MAX_RULES == CNET_XDP_MAX_RULES);

G_DEFINE_FINAL_TYPE_WITH_CODE (
  CnetPort, cnet_port, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, cnet_port_initable_iface_init))

/**
 * cnet_port_get_features:
 * @port: a #CnetPort
 *
 * What the port's interface and the running kernel support
 * (#CnetPort:features), probed once.
 *
 * Returns: the features
 *
 * Since: 1.0
 */
CnetFeatures
cnet_port_get_features (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), CNET_FEATURE_NONE);

  if (!port->features_probed)
    {
      g_autoptr (GError) error = NULL;

      port->features = cnet_features_probe (port->interface, &error);
      if (error != NULL)
        g_debug ("%s: cannot probe its features: %s", port->interface,
                 error->message);
      port->features_probed = TRUE;
    }
  return port->features;
}

static void
cnet_port_initable_iface_init (GInitableIface *iface)
{
  iface->init = cnet_port_initable_init;
}

static void
cnet_port_dispose (GObject *object)
{
  CnetPort *self = CNET_PORT (object);

  /* Reverse order of construction: stop the redirect, close the socket (the
   * kernel lets go of every frame), then take the frames back. */
  if (self->in_xskmap && self->uds != NULL)
    cnet_uds_client_clear_socket (self->uds, self->queue);
  else if (self->in_xskmap)
    cnet_xdp_program_clear_socket (self->prog, self->queue);
  self->in_xskmap = FALSE;
  if (self->lease_connection != NULL)
    {
      /* Tell cnetd at once; it would notice the closed socket anyway. */
      g_dbus_connection_call (self->lease_connection, CNET_DBUS_NAME,
                              self->lease_path, CNET_DBUS_INTERFACE_LEASE,
                              "Release", NULL, NULL,
                              G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL,
                              NULL);
      g_dbus_connection_flush (self->lease_connection, NULL, NULL, NULL);
      g_clear_object (&self->lease_connection);
    }
  if (self->leased_fd >= 0)
    close (self->leased_fd);
  self->leased_fd = -1;
  if (self->guard_fd >= 0)
    close (self->guard_fd);
  self->guard_fd = -1;
  if (self->umem_socket.fd >= 0)
    cnet_mempool_remove_umem_socket (self->pool, &self->umem_socket);
  self->umem_socket.fd = -1;
  cnet_port_close_socket (self);
  if (self->tag != 0)
    {
      cnet_mempool_unregister_cache (self->pool, &self->rx_cache);
      cnet_mempool_unregister_cache (self->pool, &self->tx_cache);
      cnet_mempool_reclaim (self->pool, self->tag);
      self->tag = 0;
    }
  if (self->queue_claimed)
    cnet_xdp_program_release_queue (self->prog, self->queue, self);
  self->queue_claimed = FALSE;
  g_clear_object (&self->prog);
  g_clear_pointer (&self->uds, cnet_uds_client_free);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (cnet_port_parent_class)->dispose (object);
}

static void
cnet_port_finalize (GObject *object)
{
  CnetPort *self = CNET_PORT (object);

  g_free (self->interface);
  g_free (self->lease_path);
  g_free (self->uds_path);
  g_strfreev (self->rules);
  g_mutex_clear (&self->tx_lock);
  g_mutex_clear (&self->rules_lock);

  G_OBJECT_CLASS (cnet_port_parent_class)->finalize (object);
}

static void
cnet_port_get_property (GObject *object, guint prop_id, GValue *value,
                        GParamSpec *pspec)
{
  CnetPort *self = CNET_PORT (object);

  switch (prop_id)
    {
    case PROP_INTERFACE:
      g_value_set_string (value, self->interface);
      break;
    case PROP_QUEUE:
      g_value_set_uint (value, self->queue);
      break;
    case PROP_MEMPOOL:
      g_value_set_object (value, self->pool);
      break;
    case PROP_ATTACH_FLAGS:
      g_value_set_flags (value, self->attach_flags);
      break;
    case PROP_RULES:
      g_value_take_boxed (value, cnet_port_get_rules (self));
      break;
    case PROP_IFINDEX:
      g_value_set_uint (value, self->ifindex);
      break;
    case PROP_XDP_PROGRAM:
      g_value_set_object (value, self->prog);
      break;
    case PROP_UDS_PATH:
      g_value_set_string (value, self->uds_path);
      break;
    case PROP_FEATURES:
      g_value_set_flags (value, cnet_port_get_features (self));
      break;
    default:
      if (prop_id >= PROP_FIRST_SETTING && prop_id < N_PROPS)
        {
          const CnetPortSettingInfo *info =
            &cnet_port_setting_infos[prop_id - PROP_FIRST_SETTING];

          cnet_port_settings_get_value (&self->settings, info, value);
          /* The mode asked for until attached, then the one used. */
          if (g_str_equal (info->name, "xdp-mode") && self->prog != NULL)
            g_value_set_enum (value, cnet_xdp_program_get_mode (self->prog));
        }
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_port_set_property (GObject *object, guint prop_id, const GValue *value,
                        GParamSpec *pspec)
{
  CnetPort *self = CNET_PORT (object);

  switch (prop_id)
    {
    case PROP_INTERFACE:
      self->interface = g_value_dup_string (value);
      break;
    case PROP_QUEUE:
      self->queue = g_value_get_uint (value);
      break;
    case PROP_MEMPOOL:
      self->pool = g_value_dup_object (value);
      break;
    case PROP_ATTACH_FLAGS:
      self->attach_flags = g_value_get_flags (value);
      break;
    case PROP_RULES:
      self->rules = g_value_dup_boxed (value);
      break;
    case PROP_UDS_PATH:
      self->uds_path = g_value_dup_string (value);
      break;
    default:
      if (prop_id >= PROP_FIRST_SETTING && prop_id < N_PROPS)
        cnet_port_settings_set_value (&self->settings,
                                      &cnet_port_setting_infos
                                        [prop_id - PROP_FIRST_SETTING],
                                      value);
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cnet_port_class_init (CnetPortClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cnet_port_dispose;
  object_class->finalize = cnet_port_finalize;
  object_class->get_property = cnet_port_get_property;
  object_class->set_property = cnet_port_set_property;

  /**
   * CnetPort:interface:
   *
   * The name of the interface.
   *
   * Since: 1.0
   */
  props[PROP_INTERFACE] =
    g_param_spec_string ("interface", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:queue:
   *
   * The receive queue of the interface the socket is bound to.
   *
   * Since: 1.0
   */
  props[PROP_QUEUE] =
    g_param_spec_uint ("queue", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:mempool:
   *
   * The mempool whose frames the port receives into and sends from.
   *
   * Since: 1.0
   */
  props[PROP_MEMPOOL] =
    g_param_spec_object ("mempool", NULL, NULL, CNET_TYPE_MEMPOOL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:xdp-mode:
   *
   * How the XDP program is attached: asked for at construction, the mode
   * used afterwards.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:bind-mode:
   *
   * How the socket is bound: asked for at construction, the mode used
   * afterwards. With %CNET_BIND_MODE_AUTO on a driver without zero-copy
   * support (veth), the port falls back to copy mode and says so here.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:attach-flags:
   *
   * What to do about a foreign XDP program on the interface.
   *
   * Since: 1.0
   */
  props[PROP_ATTACH_FLAGS] =
    g_param_spec_flags ("attach-flags", NULL, NULL, CNET_TYPE_XDP_ATTACH_FLAGS,
                        CNET_XDP_ATTACH_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:need-wakeup:
   *
   * Whether the socket uses `XDP_USE_NEED_WAKEUP`: the kernel says when it
   * must be kicked, and the port makes a system call only then.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:busy-poll-usecs:
   *
   * When not 0, the socket prefers busy polling (`SO_PREFER_BUSY_POLL`,
   * `SO_BUSY_POLL` with this many microseconds): the receiving thread
   * drives the driver instead of interrupts.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:busy-poll-budget:
   *
   * The number of frames one busy poll may process
   * (`SO_BUSY_POLL_BUDGET`), from 1 to 1024.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:rx-size:
   *
   * The number of descriptors of the RX ring, a power of two.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:tx-size:
   *
   * The number of descriptors of the TX ring, a power of two.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:fill-size:
   *
   * The number of descriptors of the fill ring, a power of two. The port
   * keeps it as full as the mempool allows.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:comp-size:
   *
   * The number of descriptors of the completion ring, a power of two.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:multi-buffer:
   *
   * Whether frames larger than one mempool frame (jumbo frames) are
   * received and sent as chains of frames (`XDP_USE_SG`, Linux 6.6): see
   * cnet_packet_get_n_segments(). Without it the kernel drops such frames
   * at the socket. Ports sharing a mempool's UMEM must agree on it.
   *
   * Since: 1.0
   */

  /**
   * CnetPort:tx-metadata:
   *
   * What the port's packets may ask of the device when sent (AF_XDP TX
   * metadata, Linux 6.11 in copy mode): checksum offload
   * (cnet_packet_request_tx_checksum()) and the TX timestamp
   * (cnet_packet_request_tx_timestamp()). The metadata sits in front of
   * each frame's data, so the mempool needs 24 bytes of headroom. Opening
   * fails with %CNET_ERROR_NOT_SUPPORTED, naming the interface, when the
   * kernel or the device cannot do a flag (launch time, for now, always).
   *
   * Since: 1.0
   */

  /**
   * CnetPort:rules:
   *
   * The steering rules (see #CnetMatch): only frames that one of them
   * matches go to the port; the rest of the queue's traffic goes to the
   * kernel. Empty or unset: the whole queue goes to the port. Read back in
   * canonical form; change with cnet_port_set_rules().
   *
   * Since: 1.0
   */
  props[PROP_RULES] =
    g_param_spec_boxed ("rules", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:ifindex:
   *
   * The index of the interface.
   *
   * Since: 1.0
   */
  props[PROP_IFINDEX] =
    g_param_spec_uint ("ifindex", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:xdp-program:
   *
   * The XDP program that steers the queue's frames to this port.
   *
   * Since: 1.0
   */
  props[PROP_XDP_PROGRAM] =
    g_param_spec_object ("xdp-program", NULL, NULL, CNET_TYPE_XDP_PROGRAM,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:uds-path:
   *
   * When set, the path of an AF_XDP device plugin's Unix socket (CNDP's
   * `uds_path`; served by the Kubernetes AF_XDP device plugin or by
   * cnetd): the port takes the interface's XSKMAP from it instead of
   * attaching an XDP program, binds its own socket and puts it in that
   * map; busy polling is configured by the server. Needs only
   * CAP_NET_RAW. Such a port takes no #CnetPort:rules. See
   * `docs/kubernetes.md`.
   *
   * Since: 1.0
   */
  props[PROP_UDS_PATH] =
    g_param_spec_string ("uds-path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:features:
   *
   * What the port's interface and the running kernel support beyond
   * libcnet's core, as cnet_features_probe() answers for the interface.
   *
   * Since: 1.0
   */
  props[PROP_FEATURES] =
    g_param_spec_flags ("features", NULL, NULL, CNET_TYPE_FEATURES,
                        CNET_FEATURE_NONE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * CnetPort:rx-metadata:
   *
   * The RX metadata the XDP program is to write in front of each frame
   * the port receives (see cnet_packet_get_rx_metadata_flags()); read
   * back, what the port got: the arrival time works everywhere, the
   * device's fields need native mode, Linux 6.8 and a driver that offers
   * them, and a message says why one was left out. Through cnetd, the
   * AcquireQueue option of the same name.
   *
   * Since: 1.0
   */

  /* The settings' pspecs come from their table (cnet-port-settings.c);
   * their documentation is above. */
  for (guint i = 0; i < CNET_PORT_N_SETTINGS; i++)
    props[PROP_FIRST_SETTING + i] =
      cnet_port_setting_pspec (&cnet_port_setting_infos[i], FALSE);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * CnetPort::lease-ended:
   * @port: the port
   * @error: why: %CNET_ERROR_LEASE_ENDED, with a message naming the port
   *
   * Emitted once, on a port opened through cnetd (cnet_client_open_port()),
   * when the port finds that its lease has ended: it was released, its
   * interface went, or cnetd stopped or restarted. From then on receiving,
   * sending and waiting fail with %CNET_ERROR_LEASE_ENDED. It is emitted
   * in the thread that found out: the one calling cnet_port_wait(),
   * cnet_port_receive(), cnet_port_send() or cnet_port_get_stats(), or the
   * main context of the port's #GSource.
   *
   * Since: 1.0
   */
  signals[SIGNAL_LEASE_ENDED] =
    g_signal_new ("lease-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cnet_port_init (CnetPort *self)
{
  self->fd = -1;
  self->leased_fd = -1;
  self->guard_fd = -1;
  self->umem_socket.fd = -1;
  g_mutex_init (&self->rules_lock);
  cnet_port_settings_init (&self->settings);
  g_mutex_init (&self->tx_lock);
}

/**
 * cnet_port_new:
 * @interface: the interface name
 * @queue: the receive queue
 * @mempool: the mempool to receive into and send from
 * @error: return location for a #GError
 *
 * Opens a port with default settings: XDP and bind modes chosen
 * automatically, need-wakeup on, rings of %CNET_PORT_DEFAULT_RING_SIZE
 * descriptors. For other settings construct a port with g_initable_new()
 * and the #CnetPort properties.
 *
 * Needs CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and CAP_PERFMON (or root);
 * a port leased from cnetd (cnet_client_open_port()) needs none.
 *
 * Returns: (transfer full): the port, or %NULL with @error set
 *
 * Since: 1.0
 */
CnetPort *
cnet_port_new (const char *interface, guint queue, CnetMempool *mempool,
               GError **error)
{
  g_return_val_if_fail (interface != NULL, NULL);
  g_return_val_if_fail (CNET_IS_MEMPOOL (mempool), NULL);

  return g_initable_new (CNET_TYPE_PORT, NULL, error, "interface", interface,
                         "queue", queue, "mempool", mempool, NULL);
}

/**
 * cnet_port_get_uds_path:
 * @port: a #CnetPort
 *
 * Returns: (nullable): the device plugin socket the port was opened
 *   through (#CnetPort:uds-path), or %NULL
 *
 * Since: 1.0
 */
const char *
cnet_port_get_uds_path (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), NULL);

  return port->uds_path;
}

/**
 * cnet_port_get_interface:
 * @port: a #CnetPort
 *
 * Returns: the interface name
 *
 * Since: 1.0
 */
const char *
cnet_port_get_interface (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), NULL);
  return port->interface;
}

/**
 * cnet_port_get_ifindex:
 * @port: a #CnetPort
 *
 * Returns: the interface index
 *
 * Since: 1.0
 */
guint
cnet_port_get_ifindex (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), 0);
  return port->ifindex;
}

/**
 * cnet_port_get_queue:
 * @port: a #CnetPort
 *
 * Returns: the receive queue
 *
 * Since: 1.0
 */
guint
cnet_port_get_queue (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), 0);
  return port->queue;
}

/**
 * cnet_port_get_mempool:
 * @port: a #CnetPort
 *
 * Returns: (transfer none): the port's mempool
 *
 * Since: 1.0
 */
CnetMempool *
cnet_port_get_mempool (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), NULL);
  return port->pool;
}

/**
 * cnet_port_get_xdp_program:
 * @port: a #CnetPort
 *
 * Returns: (transfer none): the XDP program on the port's interface
 *
 * Since: 1.0
 */
CnetXdpProgram *
cnet_port_get_xdp_program (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), NULL);
  return port->prog;
}

/**
 * cnet_port_get_bind_mode:
 * @port: a #CnetPort
 *
 * Returns: the bind mode in use: %CNET_BIND_MODE_COPY or
 *   %CNET_BIND_MODE_ZEROCOPY
 *
 * Since: 1.0
 */
CnetBindMode
cnet_port_get_bind_mode (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), CNET_BIND_MODE_AUTO);
  return port->settings.bind_mode;
}

/**
 * cnet_port_get_need_wakeup:
 * @port: a #CnetPort
 *
 * Returns: whether the socket uses need-wakeup
 *
 * Since: 1.0
 */
gboolean
cnet_port_get_need_wakeup (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  return port->settings.need_wakeup;
}

/**
 * cnet_port_get_multi_buffer:
 * @port: a #CnetPort
 *
 * Returns: whether jumbo frames come and go as chains (see
 *   #CnetPort:multi-buffer)
 *
 * Since: 1.0
 */
gboolean
cnet_port_get_multi_buffer (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  return port->settings.multi_buffer;
}

/**
 * cnet_port_get_tx_metadata:
 * @port: a #CnetPort
 *
 * Returns: the TX metadata the port's packets may ask for (see
 *   #CnetPort:tx-metadata)
 *
 * Since: 1.0
 */
CnetTxMetadataFlags
cnet_port_get_tx_metadata (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), CNET_TX_METADATA_NONE);
  return port->settings.tx_metadata;
}

/**
 * cnet_port_get_fd:
 * @port: a #CnetPort
 *
 * Gets the AF_XDP socket, to poll for `POLLIN` (packets on the RX ring) or
 * `POLLOUT`. The port keeps ownership: do not close it.
 *
 * Returns: the socket's file descriptor
 *
 * Since: 1.0
 */
int
cnet_port_get_fd (CnetPort *port)
{
  g_return_val_if_fail (CNET_IS_PORT (port), -1);
  return port->fd;
}

/**
 * cnet_port_set_rules:
 * @port: a #CnetPort
 * @rules: (array zero-terminated=1) (nullable): the new steering rules, or
 *   %NULL for none
 * @error: return location for a #GError
 *
 * Replaces the port's steering rules (see #CnetMatch and #CnetPort:rules)
 * and zeroes their hit counters. With no rules the whole queue goes to the
 * port. On error the old rules stay. On a port leased from cnetd the rules
 * live in cnetd's program: this asks cnetd (org.cnet.Cnet1.Lease.SetRules)
 * and waits for its answer.
 *
 * Returns: %TRUE, or %FALSE with @error set when a rule does not parse
 *   (%CNET_ERROR_INVALID_ARGUMENT), there are more than
 *   %CNET_MATCH_MAX_RULES (%CNET_ERROR_OUT_OF_RANGE), or a leased port's
 *   lease has ended (%CNET_ERROR_LEASE_ENDED)
 *
 * Since: 1.0
 */
gboolean
cnet_port_set_rules (CnetPort *port, const char *const *rules, GError **error)
{
  struct cnet_xdp_rule xdp_rules[CNET_MATCH_MAX_RULES];
  g_auto (GStrv) canonical = NULL;
  guint n_rules;

  g_return_val_if_fail (CNET_IS_PORT (port), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!cnet_port_parse_rules (port, rules, xdp_rules, &n_rules, &canonical,
                              error))
    return FALSE;
  if (port->prog == NULL)
    return cnet_port_set_lease_rules (port, (const char *const *) canonical,
                                      error);
  g_mutex_lock (&port->rules_lock);
  if (!cnet_xdp_program_set_rules (port->prog, port->queue, xdp_rules, n_rules,
                                   error))
    {
      g_mutex_unlock (&port->rules_lock);
      return FALSE;
    }
  g_strfreev (port->rules);
  port->rules = g_steal_pointer (&canonical);
  g_mutex_unlock (&port->rules_lock);
  g_object_notify_by_pspec (G_OBJECT (port), props[PROP_RULES]);
  return TRUE;
}

/**
 * cnet_port_get_rules:
 * @port: a #CnetPort
 *
 * Gets the port's steering rules in canonical form, in the order their hit
 * counters have in #CnetPortStats.
 *
 * Returns: (transfer full) (array zero-terminated=1): the rules; empty
 *   when the whole queue goes to the port
 *
 * Since: 1.0
 */
char **
cnet_port_get_rules (CnetPort *port)
{
  char **rules;

  g_return_val_if_fail (CNET_IS_PORT (port), NULL);

  g_mutex_lock (&port->rules_lock);
  rules = port->rules ? g_strdupv (port->rules) : g_new0 (char *, 1);
  g_mutex_unlock (&port->rules_lock);
  return rules;
}
