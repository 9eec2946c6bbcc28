/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnetd as a server of the AF_XDP device plugin's Unix-socket protocol, so
 * that unchanged CNDP applications (and libcnet ports with a uds_path) get
 * their queues from cnetd on a box without Kubernetes. The protocol, as
 * the plugin and CNDP speak it (docs/kubernetes.md): SOCK_SEQPACKET, one
 * text command per message, no trailing NUL, an fd as SCM_RIGHTS.
 *
 *   /connect,<host>            → /host_ok, or /host_nak (not authorized)
 *   /version                   → 0.1
 *   /xsk_map_fd,<ifname>       → /fd_ack + the XSKMAP fd, or /fd_nak,<why>
 *   /config_busy_poll,<us>,<budget> + an AF_XDP socket
 *                              → /config_busy_poll_ack or _nak,<why>
 *   /fin                       → /fin_ack, and the connection closes
 *   anything else              → /nak
 *
 * Who may: the peer's credentials (SO_PEERCRED, SO_PEERGROUPS) under the
 * rules of D-Bus leases (root; the configured group; polkit for the
 * process). /connect is answered at once (CNDP waits ~25 ms for it): from
 * the credentials alone when they decide, and otherwise /host_ok, with the
 * answer to polkit given at /xsk_map_fd (CNDP polls for that once a
 * second).
 *
 * What a client holds: the interface's XSKMAP, with which it can point any
 * queue of the interface at its own sockets. So by default one client
 * process at a time holds an interface (`"shared": false`); its hold is a
 * lease of kind "uds" on D-Bus, counted in max-leases-per-user. When its
 * last connection closes (with /fin or not: a client that dies closes it
 * too), every XSKMAP entry is cleared and cnetd drops the program, which
 * the kernel detaches with its bpf_link.
 */
#include "cnetd-build-config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cnet-error-private.h"
#include "cnet-xdp-program-private.h"
#include "cnet-xdp-program.h"
#include "cnet-xsk-private.h"
#include "cnetd-auth.h"
#include "cnetd-uds.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

/* Commands are at most 56 bytes in the plugin and CNDP; replies are kept
 * as short, so that a client's small buffer holds them whole. */
#define CNETD_UDS_MAX_MESSAGE 64
#define CNETD_UDS_MAX_REPLY 56
#define CNETD_UDS_MAX_BUSY_POLL_USECS 1000000
#define CNETD_UDS_PROTOCOL_VERSION "0.1"

typedef struct _Listener Listener;

struct _CnetdUdsServer
{
  CnetdManager *manager;
  GDBusConnection *connection;
  const CnetdConfig *config;
  GPtrArray *listeners; /* Listener *, owned */
};

struct _Listener
{
  CnetdUdsServer *server;
  const CnetdUdsConfig *cfg;
  int fd;
  guint source;
  GPtrArray *conns; /* Conn *, each holding a reference */
};

typedef enum
{
  AUTH_PENDING,
  AUTH_OK,
  AUTH_DENIED,
} AuthState;

typedef struct
{
  gint ref_count;
  Listener *listener; /* NULL once closed */
  int fd;
  guint source;
  CnetdCaller caller;
  AuthState auth;
  char *auth_error;
  gboolean connected;  /* answered /host_ok */
  gboolean by_polkit;  /* polkit decides: its answer goes at /xsk_map_fd */
  gboolean map_wanted; /* /xsk_map_fd waits for polkit */
  CnetXdpProgram *prog;
  guint lease_id;
} Conn;

static Conn *
conn_ref (Conn *c)
{
  g_atomic_int_inc (&c->ref_count);
  return c;
}

static void
conn_unref (Conn *c)
{
  if (!g_atomic_int_dec_and_test (&c->ref_count))
    return;
  g_assert (c->prog == NULL && c->fd < 0);
  g_free (c->auth_error);
  g_free (c);
}

/* Sends @reply (no NUL), with @fd attached when not -1. */
static void
conn_reply (Conn *c, const char *reply, int fd)
{
  char text[CNETD_UDS_MAX_REPLY + 1];
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { .iov_base = text };
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

  g_strlcpy (text, reply, sizeof text);
  iov.iov_len = strlen (text);
  if (fd >= 0)
    {
      struct cmsghdr *cm;

      mh.msg_control = cbuf;
      mh.msg_controllen = sizeof cbuf;
      cm = CMSG_FIRSTHDR (&mh);
      cm->cmsg_level = SOL_SOCKET;
      cm->cmsg_type = SCM_RIGHTS;
      cm->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cm), &fd, sizeof (int));
    }
  if (sendmsg (c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
    g_debug ("%s: cannot answer pid %u: %s", c->listener->cfg->path,
             c->caller.pid, g_strerror (errno));
}

/* Whether another connection of @c's listener holds the program. */
static gboolean
listener_program_held_by_other (Listener *l, Conn *c)
{
  for (guint i = 0; i < l->conns->len; i++)
    {
      Conn *o = g_ptr_array_index (l->conns, i);

      if (o != c && o->prog != NULL)
        return TRUE;
    }
  return FALSE;
}

/* Ends @c: its lease goes and, with the last holder, every XSKMAP entry
 * and the program. */
static void
conn_close (Conn *c, const char *why)
{
  Listener *l = c->listener;

  if (l == NULL)
    return;
  g_clear_handle_id (&c->source, g_source_remove);
  if (c->prog != NULL)
    {
      g_message ("%s: %s's XSKMAP no longer held by pid %u (uid %u): %s",
                 l->cfg->path, l->cfg->interface, c->caller.pid, c->caller.uid,
                 why);
      if (!listener_program_held_by_other (l, c))
        for (guint q = 0; q < CNET_XDP_PROGRAM_MAX_QUEUES; q++)
          cnet_xdp_program_clear_socket (c->prog, q);
      g_clear_object (&c->prog);
      cnetd_manager_remove_uds_lease (l->server->manager, c->lease_id);
      c->lease_id = 0;
    }
  if (c->fd >= 0)
    close (c->fd);
  c->fd = -1;
  c->listener = NULL;
  g_ptr_array_remove (l->conns, c); /* drops the listener's reference */
}

/* Hands @c the interface's XSKMAP: the program attached (or shared with
 * the holder's other connections) and the lease recorded. */
static void
conn_grant_map (Conn *c)
{
  Listener *l = c->listener;
  const CnetdUdsConfig *cfg = l->cfg;
  g_autoptr (GError) error = NULL;
  g_autofree char *nak = NULL;

  if (c->auth == AUTH_DENIED)
    {
      g_message ("%s: /xsk_map_fd of pid %u (uid %u) refused: %s", cfg->path,
                 c->caller.pid, c->caller.uid, c->auth_error);
      conn_reply (c, "/fd_nak,not authorized", -1);
      return;
    }
  if (c->prog == NULL)
    {
      if (!cfg->shared)
        for (guint i = 0; i < l->conns->len; i++)
          {
            Conn *o = g_ptr_array_index (l->conns, i);

            if (o->prog != NULL && o->caller.pid != c->caller.pid)
              {
                g_message ("%s: /xsk_map_fd of pid %u (uid %u) refused: %s "
                           "is held by pid %u (uid %u), and the socket "
                           "serves one client at a time",
                           cfg->path, c->caller.pid, c->caller.uid,
                           cfg->interface, o->caller.pid, o->caller.uid);
                nak = g_strdup_printf ("/fd_nak,%s held by pid %u",
                                       cfg->interface, o->caller.pid);
                conn_reply (c, nak, -1);
                return;
              }
          }
      c->prog = cnet_xdp_program_attach (cfg->interface, CNET_XDP_MODE_AUTO,
                                         CNET_XDP_ATTACH_NONE, &error);
      if (c->prog == NULL ||
          !cnetd_manager_add_uds_lease (l->server->manager, cfg->interface,
                                        cfg->path, c->caller.uid, c->caller.pid,
                                        &c->lease_id, &error))
        {
          g_clear_object (&c->prog);
          g_message ("%s: /xsk_map_fd of pid %u (uid %u) refused: %s",
                     cfg->path, c->caller.pid, c->caller.uid, error->message);
          nak = g_strdup_printf ("/fd_nak,%s", error->message);
          conn_reply (c, nak, -1);
          return;
        }
      g_message ("%s: %s's XSKMAP to pid %u (uid %u), lease %u", cfg->path,
                 cfg->interface, c->caller.pid, c->caller.uid, c->lease_id);
    }
  conn_reply (c, "/fd_ack", cnet_xdp_program_get_xsks_fd (c->prog));
}

static void
on_authorized (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Conn *c = user_data;
  g_autoptr (GError) error = NULL;

  if (cnetd_auth_check_finish (res, &error))
    c->auth = AUTH_OK;
  else
    {
      c->auth = AUTH_DENIED;
      c->auth_error = g_strdup (error->message);
    }
  if (c->listener != NULL && c->map_wanted)
    {
      c->map_wanted = FALSE;
      conn_grant_map (c);
    }
  conn_unref (c);
}

/* /config_busy_poll,<usecs>,<budget> on the AF_XDP socket @fd. */
static void
conn_config_busy_poll (Conn *c, const char *args, int fd)
{
  g_auto (GStrv) parts = g_strsplit (args, ",", -1);
  guint64 usecs = 0, budget = 0;
  int domain = 0, one = 1, v;
  socklen_t len = sizeof domain;
  const char *why = NULL;

  if (c->prog == NULL)
    why = "ask for the XSKMAP first";
  else if (g_strv_length (parts) != 2 ||
           !g_ascii_string_to_unsigned (parts[0], 10, 0,
                                        CNETD_UDS_MAX_BUSY_POLL_USECS, &usecs,
                                        NULL) ||
           !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT16, &budget,
                                        NULL))
    why = "expected <usecs>,<budget>";
  else if (fd < 0)
    why = "no socket attached";
  else if (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
           domain != AF_XDP)
    why = "not an AF_XDP socket";
  else if (setsockopt (fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof one) <
             0 ||
           (v = (int) usecs,
            setsockopt (fd, SOL_SOCKET, SO_BUSY_POLL, &v, sizeof v) < 0) ||
           (v = (int) budget,
            setsockopt (fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &v, sizeof v) < 0))
    why = g_strerror (errno);

  if (why != NULL)
    {
      g_autofree char *nak = g_strdup_printf ("/config_busy_poll_nak,%s", why);

      g_message ("%s: /config_busy_poll,%s of pid %u refused: %s",
                 c->listener->cfg->path, args, c->caller.pid, why);
      conn_reply (c, nak, -1);
      return;
    }
  g_debug ("%s: busy polling for pid %u: %" G_GUINT64_FORMAT
           " us, budget %" G_GUINT64_FORMAT,
           c->listener->cfg->path, c->caller.pid, usecs, budget);
  conn_reply (c, "/config_busy_poll_ack", -1);
}

/* One command; @fd is what came with it (or -1), closed by the caller. */
static void
conn_handle (Conn *c, const char *msg, int fd)
{
  const CnetdUdsConfig *cfg = c->listener->cfg;

  if (g_str_has_prefix (msg, "/connect,") || g_str_equal (msg, "/connect"))
    {
      /* At once: the credentials decide, or polkit will by /xsk_map_fd
       * (also when its answer came before this). */
      if (c->auth == AUTH_DENIED && !c->by_polkit)
        {
          g_message ("%s: pid %u (uid %u) refused: %s", cfg->path,
                     c->caller.pid, c->caller.uid, c->auth_error);
          conn_reply (c, "/host_nak", -1);
          return;
        }
      c->connected = TRUE;
      conn_reply (c, "/host_ok", -1);
    }
  else if (g_str_equal (msg, "/version"))
    conn_reply (c, CNETD_UDS_PROTOCOL_VERSION, -1);
  else if (g_str_has_prefix (msg, "/xsk_map_fd,"))
    {
      const char *ifname = msg + strlen ("/xsk_map_fd,");

      if (!c->connected)
        conn_reply (c, "/fd_nak,say /connect first", -1);
      else if (!g_str_equal (ifname, cfg->interface))
        {
          g_autofree char *nak =
            g_strdup_printf ("/fd_nak,this socket serves %s", cfg->interface);
          conn_reply (c, nak, -1);
        }
      else if (c->auth == AUTH_PENDING)
        c->map_wanted = TRUE;
      else
        conn_grant_map (c);
    }
  else if (g_str_has_prefix (msg, "/config_busy_poll,"))
    conn_config_busy_poll (c, msg + strlen ("/config_busy_poll,"), fd);
  else if (g_str_equal (msg, "/fin"))
    {
      conn_reply (c, "/fin_ack", -1);
      conn_close (c, "it said /fin");
    }
  else
    conn_reply (c, "/nak", -1);
}

static gboolean
on_conn_io (int fd, GIOCondition condition, gpointer user_data)
{
  Conn *c = user_data;
  char buf[CNETD_UDS_MAX_MESSAGE + 1];
  char cbuf[CMSG_SPACE (sizeof (int) * 8)];
  struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf - 1 };
  struct msghdr mh = { .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = cbuf,
                       .msg_controllen = sizeof cbuf };
  int passed = -1;
  ssize_t n;

  n = recvmsg (fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR (&mh); n >= 0 && cm != NULL;
       cm = CMSG_NXTHDR (&mh, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
      for (gsize i = 0; i < (cm->cmsg_len - CMSG_LEN (0)) / sizeof (int); i++)
        {
          int got;

          memcpy (&got, CMSG_DATA (cm) + i * sizeof (int), sizeof got);
          if (passed < 0)
            passed = got;
          else
            close (got); /* one fd per command; the rest are ignored */
        }
  if (n <= 0)
    {
      c->source = 0;
      if (passed >= 0)
        close (passed);
      conn_close (c, n == 0 ? "the connection closed" : g_strerror (errno));
      return G_SOURCE_REMOVE;
    }
  buf[n] = '\0';
  conn_ref (c);
  if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || strlen (buf) != (gsize) n)
    conn_reply (c, "/nak", -1);
  else
    conn_handle (c, buf, passed);
  if (passed >= 0)
    close (passed);
  if (c->listener == NULL)
    {
      /* closed by /fin: the source is gone with it */
      conn_unref (c);
      return G_SOURCE_REMOVE;
    }
  conn_unref (c);
  return G_SOURCE_CONTINUE;
}

/* The peer's uid, pid and groups, and what the rules say about them. */
static void
conn_authorize (Conn *c)
{
  CnetdUdsServer *s = c->listener->server;
  struct ucred cred;
  socklen_t len = sizeof cred;
  gid_t gids[CNETD_CALLER_MAX_GROUPS];
  socklen_t glen = sizeof gids;
  g_autoptr (GError) error = NULL;

  if (getsockopt (c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    {
      c->auth = AUTH_DENIED;
      c->auth_error =
        g_strdup_printf ("cannot tell who the peer is: %s", g_strerror (errno));
      return;
    }
  c->caller.uid = cred.uid;
  c->caller.pid = cred.pid;
  if (getsockopt (c->fd, SOL_SOCKET, SO_PEERGROUPS, gids, &glen) == 0)
    {
      c->caller.n_gids = MIN (glen / sizeof (gid_t), G_N_ELEMENTS (gids));
      for (guint i = 0; i < c->caller.n_gids; i++)
        c->caller.gids[i] = gids[i];
    }
  /* The primary group counts as a member of it, as for the bus. */
  if (c->caller.n_gids < G_N_ELEMENTS (c->caller.gids))
    c->caller.gids[c->caller.n_gids++] = cred.gid;

  if (cred.uid == 0)
    c->auth = AUTH_OK;
  else if (s->config->auth_mode == CNETD_AUTH_GROUP)
    {
      if (cnetd_auth_caller_in_group (&c->caller, s->config->group, &error))
        c->auth = AUTH_OK;
      else
        {
          c->auth = AUTH_DENIED;
          c->auth_error = g_strdup (error->message);
        }
    }
  else
    {
      c->auth = AUTH_PENDING;
      c->by_polkit = TRUE;
      cnetd_auth_check_async (s->connection, s->config, NULL, &c->caller,
                              CNETD_ACTION_ACQUIRE_QUEUE, on_authorized,
                              conn_ref (c));
    }
}

static gboolean
on_accept (int fd, GIOCondition condition, gpointer user_data)
{
  Listener *l = user_data;
  Conn *c;
  int cfd;

  cfd = accept4 (fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (cfd < 0)
    {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
        g_warning ("%s: accept: %s", l->cfg->path, g_strerror (errno));
      return G_SOURCE_CONTINUE;
    }
  c = g_new0 (Conn, 1);
  c->ref_count = 1; /* the listener's */
  c->listener = l;
  c->fd = cfd;
  g_ptr_array_add (l->conns, c);
  conn_authorize (c);
  g_debug ("%s: pid %u (uid %u) connected", l->cfg->path, c->caller.pid,
           c->caller.uid);
  c->source = g_unix_fd_add (cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_conn_io, c);
  return G_SOURCE_CONTINUE;
}

static void
listener_free (gpointer data)
{
  Listener *l = data;

  while (l->conns->len > 0)
    conn_close (g_ptr_array_index (l->conns, l->conns->len - 1), "cnetd stops");
  g_ptr_array_unref (l->conns);
  g_clear_handle_id (&l->source, g_source_remove);
  if (l->fd >= 0)
    {
      close (l->fd);
      g_unlink (l->cfg->path);
    }
  g_free (l);
}

static gboolean
listener_open (Listener *l, GError **error)
{
  const CnetdUdsConfig *cfg = l->cfg;
  struct sockaddr_un sun = { .sun_family = AF_UNIX };
  g_autofree char *dir = g_path_get_dirname (cfg->path);
  struct stat st;
  mode_t old_umask;
  int r;

  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED,
                   "%s: cannot make its folder: %s", cfg->path,
                   g_strerror (errno));
      return FALSE;
    }
  /* A socket left by an earlier cnetd is replaced; anything else is not
   * ours to remove. */
  if (lstat (cfg->path, &st) == 0)
    {
      if (!S_ISSOCK (st.st_mode))
        {
          g_set_error (error, CNET_ERROR, CNET_ERROR_BUSY,
                       "%s: exists and is not a socket", cfg->path);
          return FALSE;
        }
      g_unlink (cfg->path);
    }
  strcpy (sun.sun_path, cfg->path);
  l->fd = socket (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (l->fd < 0)
    {
      g_set_error (error, CNET_ERROR, CNET_ERROR_FAILED, "%s: socket: %s",
                   cfg->path, g_strerror (errno));
      return FALSE;
    }
  /* No one connects before listen(); the file gets its mode and owner
   * before then. */
  old_umask = umask (0077);
  r = bind (l->fd, (struct sockaddr *) &sun, sizeof sun);
  umask (old_umask);
  if (r < 0 ||
      ((cfg->uid >= 0 || cfg->gid >= 0) &&
       chown (cfg->path, (uid_t) cfg->uid, (gid_t) cfg->gid) < 0) ||
      chmod (cfg->path, cfg->mode) < 0 || listen (l->fd, 16) < 0)
    {
      int errsv = errno;

      g_set_error (error, CNET_ERROR, cnet_error_from_errno (errsv),
                   "%s: cannot serve the device plugin's protocol there: %s",
                   cfg->path, g_strerror (errsv));
      if (r == 0)
        g_unlink (cfg->path);
      close (l->fd);
      l->fd = -1;
      return FALSE;
    }
  l->source = g_unix_fd_add (l->fd, G_IO_IN, on_accept, l);
  g_message ("%s: serving %s's XSKMAP (mode %04o, %s)", cfg->path,
             cfg->interface, cfg->mode,
             cfg->shared ? "shared by several clients"
                         : "to one client at a time");
  return TRUE;
}

CnetdUdsServer *
cnetd_uds_server_new (CnetdManager *manager, GDBusConnection *connection,
                      const CnetdConfig *config, GError **error)
{
  CnetdUdsServer *s = g_new0 (CnetdUdsServer, 1);

  s->manager = manager;
  s->connection = connection;
  s->config = config;
  s->listeners = g_ptr_array_new_with_free_func (listener_free);
  for (guint i = 0; i < config->uds->len; i++)
    {
      Listener *l = g_new0 (Listener, 1);

      l->server = s;
      l->cfg = g_ptr_array_index (config->uds, i);
      l->fd = -1;
      l->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_unref);
      g_ptr_array_add (s->listeners, l);
      if (!listener_open (l, error))
        {
          cnetd_uds_server_free (s);
          return NULL;
        }
    }
  return s;
}

void
cnetd_uds_server_free (CnetdUdsServer *s)
{
  if (s == NULL)
    return;
  g_ptr_array_unref (s->listeners);
  g_free (s);
}

void
cnetd_uds_server_interface_gone (CnetdUdsServer *s, const char *ifname)
{
  for (guint i = 0; i < s->listeners->len; i++)
    {
      Listener *l = g_ptr_array_index (s->listeners, i);

      if (!g_str_equal (l->cfg->interface, ifname))
        continue;
      while (l->conns->len > 0)
        conn_close (g_ptr_array_index (l->conns, l->conns->len - 1),
                    "the interface is gone");
    }
}
