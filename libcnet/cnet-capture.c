/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/bpf.h>
#include <poll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cnet-capture-private.h"
#include "cnet-dbus.h"
#include "cnet-error-private.h"
#include "cnet-error.h"
#include "cnet-xdp-common.h"

/**
 * CnetCapture:
 *
 * A capture of the frames an interface receives, from cnetd
 * (cnet_client_start_capture()): cnetd's XDP program copies the first
 * snaplen bytes of each frame the capture's rules match into a ring buffer
 * of this capture's own and hands the frame on as it would have, so the
 * kernel (or a lease) still gets every one. Read the copies with
 * cnet_capture_read(), wait for them with cnet_capture_wait(), end the
 * capture with cnet_capture_stop() or by dropping the object.
 *
 * The ring buffer is a BPF ring buffer map; the capture maps it and reads
 * it without any bpf() call, so it needs no capability. What it takes to
 * start a capture is cnetd's polkit action `org.cnet.Cnet1.capture` (or
 * root): packets are private.
 *
 * Since: 1.0
 */

struct _CnetCapture
{
  GObject parent_instance;

  GDBusConnection *connection;
  char *interface;
  char *object_path;
  char **rules;
  guint snaplen;
  int ring_fd;
  int guard_fd;
  gsize ring_size; /* the data area, a power of two */
  gsize page_size;
  /* Page 0: the consumer position, ours to write. */
  volatile guint64 *consumer_pos;
  /* From page 1, read-only: the producer position, then the data area
   * mapped twice so a record that wraps reads as one. */
  void *producer_map;
  volatile guint64 *producer_pos;
  guint8 *data;
  gint64 realtime_offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC, in ns */
  gboolean stopped;
};

G_DEFINE_FINAL_TYPE (CnetCapture, cnet_capture, G_TYPE_OBJECT)

#ifndef BPF_RINGBUF_BUSY_BIT
#define BPF_RINGBUF_BUSY_BIT (1U << 31)
#define BPF_RINGBUF_DISCARD_BIT (1U << 30)
#define BPF_RINGBUF_HDR_SZ 8
#endif

static void
cnet_capture_release_on_bus (CnetCapture *self)
{
  if (self->stopped || self->connection == NULL)
    return;
  self->stopped = TRUE;
  /* Fire and forget: closing the guard ends the capture anyway. */
  g_dbus_connection_call (self->connection, CNET_DBUS_NAME, self->object_path,
                          CNET_DBUS_INTERFACE_LEASE, "Release", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL,
                          NULL);
}

static void
cnet_capture_finalize (GObject *object)
{
  CnetCapture *self = CNET_CAPTURE (object);

  cnet_capture_release_on_bus (self);
  if (self->producer_map != NULL)
    munmap (self->producer_map, self->page_size + 2 * self->ring_size);
  if (self->consumer_pos != NULL)
    munmap ((void *) self->consumer_pos, self->page_size);
  if (self->ring_fd >= 0)
    close (self->ring_fd);
  if (self->guard_fd >= 0)
    close (self->guard_fd);
  g_clear_object (&self->connection);
  g_free (self->interface);
  g_free (self->object_path);
  g_strfreev (self->rules);
  G_OBJECT_CLASS (cnet_capture_parent_class)->finalize (object);
}

static void
cnet_capture_class_init (CnetCaptureClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cnet_capture_finalize;
}

static void
cnet_capture_init (CnetCapture *self)
{
  self->ring_fd = -1;
  self->guard_fd = -1;
}

CnetCapture *
cnet_capture_new_internal (GDBusConnection *connection, const char *interface,
                           const char *object_path, int ring_fd, int guard_fd,
                           GVariant *info, GError **error)
{
  g_autoptr (CnetCapture) self = g_object_new (CNET_TYPE_CAPTURE, NULL);
  guint32 ring_size = 0, snaplen = 0;
  void *p;

  self->connection = g_object_ref (connection);
  self->interface = g_strdup (interface);
  self->object_path = g_strdup (object_path);
  self->ring_fd = ring_fd;
  self->guard_fd = guard_fd;
  self->page_size = (gsize) sysconf (_SC_PAGESIZE);
  if (!g_variant_lookup (info, "rules", "^as", &self->rules))
    self->rules = g_new0 (char *, 1);
  if (!g_variant_lookup (info, "ring-size", "u", &ring_size) ||
      !g_variant_lookup (info, "snaplen", "u", &snaplen) || ring_size == 0 ||
      (ring_size & (ring_size - 1)) != 0 || ring_size % self->page_size != 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "%s: cnetd's capture answer lacks a ring size or snaplen",
                   interface);
      return NULL;
    }
  self->ring_size = ring_size;
  self->snaplen = snaplen;
  {
    struct timespec real, mono;

    /* Once, so that timestamps keep the kernel's order. */
    clock_gettime (CLOCK_REALTIME, &real);
    clock_gettime (CLOCK_MONOTONIC, &mono);
    self->realtime_offset =
      ((gint64) real.tv_sec - (gint64) mono.tv_sec) * 1000000000 +
      (real.tv_nsec - mono.tv_nsec);
  }

  p = mmap (NULL, self->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring_fd,
            0);
  if (p == MAP_FAILED)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot map the capture ring's consumer page: %s",
                   interface, g_strerror (errsv));
      return NULL;
    }
  self->consumer_pos = p;
  p = mmap (NULL, self->page_size + 2 * self->ring_size, PROT_READ, MAP_SHARED,
            ring_fd, (off_t) self->page_size);
  if (p == MAP_FAILED)
    {
      int errsv = errno;
      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot map the capture ring: %s", interface,
                   g_strerror (errsv));
      return NULL;
    }
  self->producer_map = p;
  self->producer_pos = p;
  self->data = (guint8 *) p + self->page_size;
  return g_steal_pointer (&self);
}

static gboolean
guard_hung_up (CnetCapture *self)
{
  struct pollfd pfd = { .fd = self->guard_fd, .events = 0 };

  return poll (&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

/**
 * cnet_capture_read:
 * @capture: a #CnetCapture
 * @timestamp_ns: (out) (optional): when the frame arrived, in nanoseconds
 *   since the epoch (`CLOCK_REALTIME`)
 * @length: (out) (optional): the frame's length; more than the bytes
 *   returned when the snaplen cut it
 * @queue: (out) (optional): the receive queue it arrived on
 * @error: return location for a #GError
 *
 * Takes the oldest copy from the capture's ring buffer, without waiting
 * (see cnet_capture_wait()).
 *
 * Returns: (transfer full) (nullable): the frame's first bytes (at most
 *   the snaplen), or %NULL when none waits, with @error set only when the
 *   capture has ended and nothing is left to read (%CNET_ERROR_LEASE_ENDED)
 *
 * Since: 1.0
 */
GBytes *
cnet_capture_read (CnetCapture *capture, gint64 *timestamp_ns, guint *length,
                   guint *queue, GError **error)
{
  guint64 cons, prod;

  g_return_val_if_fail (CNET_IS_CAPTURE (capture), NULL);

  cons = __atomic_load_n (capture->consumer_pos, __ATOMIC_ACQUIRE);
  for (;;)
    {
      const struct cnet_xdp_capture_record *rec;
      guint8 *hdr;
      guint32 len, total;
      GBytes *bytes;

      prod = __atomic_load_n (capture->producer_pos, __ATOMIC_ACQUIRE);
      if (cons >= prod)
        break;
      hdr = capture->data + (cons & (capture->ring_size - 1));
      len = __atomic_load_n ((guint32 *) hdr, __ATOMIC_ACQUIRE);
      if (len & BPF_RINGBUF_BUSY_BIT)
        break;
      total = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
      cons += ((guint64) total + BPF_RINGBUF_HDR_SZ + 7) / 8 * 8;
      if ((len & BPF_RINGBUF_DISCARD_BIT) || total < sizeof *rec)
        {
          __atomic_store_n (capture->consumer_pos, cons, __ATOMIC_RELEASE);
          continue;
        }
      rec = (const void *) (hdr + BPF_RINGBUF_HDR_SZ);
      /* The kernel wrote it, but trust no length without a check. */
      if (rec->caplen > total - sizeof *rec)
        {
          __atomic_store_n (capture->consumer_pos, cons, __ATOMIC_RELEASE);
          continue;
        }
      bytes = g_bytes_new (rec + 1, rec->caplen);
      if (timestamp_ns != NULL)
        *timestamp_ns = (gint64) rec->tstamp_ns + capture->realtime_offset;
      if (length != NULL)
        *length = rec->len;
      if (queue != NULL)
        *queue = rec->queue;
      __atomic_store_n (capture->consumer_pos, cons, __ATOMIC_RELEASE);
      return bytes;
    }
  if (capture->stopped || guard_hung_up (capture))
    g_set_error (error, CNET_ERROR, CNET_ERROR_LEASE_ENDED,
                 "%s: the capture (%s) has ended", capture->interface,
                 capture->object_path);
  return NULL;
}

/**
 * cnet_capture_wait:
 * @capture: a #CnetCapture
 * @timeout_ms: how long to wait at most, in milliseconds; -1 for as long
 *   as it takes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Waits until a copy waits in the ring buffer, the capture ends, the
 * timeout passes or @cancellable is cancelled.
 *
 * Returns: %TRUE when something may be read (a copy, or the capture's end:
 *   cnet_capture_read() tells), %FALSE on timeout (no error) or with
 *   @error set (%G_IO_ERROR_CANCELLED)
 *
 * Since: 1.0
 */
gboolean
cnet_capture_wait (CnetCapture *capture, int timeout_ms,
                   GCancellable *cancellable, GError **error)
{
  struct pollfd pfd[3];
  guint n = 2;
  int rc;

  g_return_val_if_fail (CNET_IS_CAPTURE (capture), FALSE);

  if (__atomic_load_n (capture->consumer_pos, __ATOMIC_ACQUIRE) <
      __atomic_load_n (capture->producer_pos, __ATOMIC_ACQUIRE))
    return TRUE;
  pfd[0] = (struct pollfd){ .fd = capture->ring_fd, .events = POLLIN };
  pfd[1] = (struct pollfd){ .fd = capture->guard_fd, .events = 0 };
  if (cancellable != NULL)
    {
      GPollFD gfd;

      if (g_cancellable_make_pollfd (cancellable, &gfd))
        {
          pfd[2] = (struct pollfd){ .fd = gfd.fd, .events = POLLIN };
          n = 3;
        }
    }
  do
    rc = poll (pfd, n, timeout_ms);
  while (rc < 0 && errno == EINTR);
  if (n == 3)
    g_cancellable_release_fd (cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return rc > 0;
}

/**
 * cnet_capture_stop:
 * @capture: a #CnetCapture
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Ends the capture: cnetd takes its ring buffer out of the XDP program.
 * What was captured before stays readable with cnet_capture_read().
 *
 * Returns: %TRUE, or %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
cnet_capture_stop (CnetCapture *capture, GCancellable *cancellable,
                   GError **error)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (CNET_IS_CAPTURE (capture), FALSE);

  if (capture->stopped)
    return TRUE;
  capture->stopped = TRUE;
  reply = g_dbus_connection_call_sync (capture->connection, CNET_DBUS_NAME,
                                       capture->object_path,
                                       CNET_DBUS_INTERFACE_LEASE, "Release",
                                       NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                                       G_MAXINT, cancellable, &local_error);
  if (reply != NULL || guard_hung_up (capture))
    return TRUE; /* ended either way */
  g_dbus_error_strip_remote_error (local_error);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "%s: cannot stop the capture: ",
                              capture->interface);
  return FALSE;
}

/**
 * cnet_capture_get_interface:
 * @capture: a #CnetCapture
 *
 * Returns: the interface's name
 *
 * Since: 1.0
 */
const char *
cnet_capture_get_interface (CnetCapture *capture)
{
  g_return_val_if_fail (CNET_IS_CAPTURE (capture), NULL);
  return capture->interface;
}

/**
 * cnet_capture_get_object_path:
 * @capture: a #CnetCapture
 *
 * Returns: the capture's lease object on the bus
 *
 * Since: 1.0
 */
const char *
cnet_capture_get_object_path (CnetCapture *capture)
{
  g_return_val_if_fail (CNET_IS_CAPTURE (capture), NULL);
  return capture->object_path;
}

/**
 * cnet_capture_get_snaplen:
 * @capture: a #CnetCapture
 *
 * Returns: the most bytes kept of a frame
 *
 * Since: 1.0
 */
guint
cnet_capture_get_snaplen (CnetCapture *capture)
{
  g_return_val_if_fail (CNET_IS_CAPTURE (capture), 0);
  return capture->snaplen;
}

/**
 * cnet_capture_get_rules:
 * @capture: a #CnetCapture
 *
 * Returns: (transfer none) (array zero-terminated=1): the rules, in
 *   canonical form; empty when every frame is captured
 *
 * Since: 1.0
 */
const char *const *
cnet_capture_get_rules (CnetCapture *capture)
{
  g_return_val_if_fail (CNET_IS_CAPTURE (capture), NULL);
  return (const char *const *) capture->rules;
}
