/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cnet-test-netns.h"

#define MARKER 0x434e4554u /* "CNET" */

gboolean
cnet_test_skip_unless_root (void)
{
  if (geteuid () == 0)
    return FALSE;
  g_test_skip ("needs root: creates a network namespace, a veth pair and "
               "AF_XDP sockets");
  return TRUE;
}

gboolean
cnet_test_run (const char *cmdline)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  if (!g_spawn_command_line_sync (cmdline, &out, &err, &status, &error))
    {
      g_printerr ("cannot run %s: %s\n", cmdline, error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_printerr ("%s failed: %s%s\n", cmdline, out, err);
      return FALSE;
    }
  return TRUE;
}

static void
write_sysctl (const char *path, const char *value)
{
  g_autoptr (GError) error = NULL;

  /* Absent when IPv6 is off in this kernel: nothing to silence then. */
  if (!g_file_set_contents_full (path, value, -1, G_FILE_SET_CONTENTS_NONE,
                                 0644, &error))
    g_test_message ("%s: %s", path, error->message);
}

static void
read_mac (int fd, const char *ifname, guint8 *mac)
{
  struct ifreq ifr = { 0 };

  g_strlcpy (ifr.ifr_name, ifname, sizeof ifr.ifr_name);
  g_assert_no_errno (ioctl (fd, SIOCGIFHWADDR, &ifr));
  memcpy (mac, ifr.ifr_hwaddr.sa_data, 6);
}

/* Moves the calling thread (and so every process and thread it starts from
 * now on) into a new, anonymous network namespace, and creates a veth pair
 * there. The namespace has no name in /run/netns: it lives only as long as
 * this process, so it and everything in it — veths, XDP programs — go away
 * even when a failing assertion aborts the test. */
CnetTestNetns *
cnet_test_netns_new (guint n_queues)
{
  static guint counter = 0;
  CnetTestNetns *ns = g_new0 (CnetTestNetns, 1);
  g_autofree char *cmd = NULL;
  int fd;

  ns->n_fds_before = cnet_test_count_fds ();
  g_snprintf (ns->name, sizeof ns->name, "cn%u%c", (guint) getpid () % 1000000,
              'a' + (counter++ % 26));
  g_snprintf (ns->veth_a, sizeof ns->veth_a, "%sA", ns->name);
  g_snprintf (ns->veth_b, sizeof ns->veth_b, "%sB", ns->name);

  ns->orig_netns_fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (ns->orig_netns_fd, >=, 0);
  g_assert_no_errno (unshare (CLONE_NEWNET));
  ns->netns_fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (ns->netns_fd, >=, 0);

  /* No router solicitations or MLD reports: the tests count every frame. */
  write_sysctl ("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
  write_sysctl ("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");

  cmd = g_strdup_printf ("ip link add %s numtxqueues %u numrxqueues %u type "
                         "veth peer name %s numtxqueues %u numrxqueues %u",
                         ns->veth_a, n_queues, n_queues, ns->veth_b, n_queues,
                         n_queues);
  g_assert_true (cnet_test_run (cmd));
  g_free (cmd);
  cmd = g_strdup_printf ("ip link set %s up", ns->veth_a);
  g_assert_true (cnet_test_run (cmd));
  g_free (cmd);
  cmd = g_strdup_printf ("ip link set %s up", ns->veth_b);
  g_assert_true (cnet_test_run (cmd));

  ns->ifindex_a = if_nametoindex (ns->veth_a);
  ns->ifindex_b = if_nametoindex (ns->veth_b);
  g_assert_cmpuint (ns->ifindex_a, !=, 0);
  g_assert_cmpuint (ns->ifindex_b, !=, 0);
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  read_mac (fd, ns->veth_a, ns->mac_a);
  read_mac (fd, ns->veth_b, ns->mac_b);
  close (fd);
  return ns;
}

/* Checks that nothing was left behind — no XDP program on either veth, no
 * file descriptor — and destroys the namespace. */
void
cnet_test_netns_free (CnetTestNetns *ns)
{
  g_assert_cmpuint (cnet_test_xdp_prog_id (ns->veth_a), ==, 0);
  if (ns->peer_pid != 0)
    {
      g_assert_no_errno (setns (ns->peer_netns_fd, CLONE_NEWNET));
      g_assert_cmpuint (cnet_test_xdp_prog_id (ns->veth_b), ==, 0);
      g_assert_no_errno (setns (ns->netns_fd, CLONE_NEWNET));
      kill (ns->peer_pid, SIGKILL);
      waitpid (ns->peer_pid, NULL, 0);
      close (ns->peer_netns_fd);
    }
  else
    g_assert_cmpuint (cnet_test_xdp_prog_id (ns->veth_b), ==, 0);

  g_assert_no_errno (setns (ns->orig_netns_fd, CLONE_NEWNET));
  close (ns->orig_netns_fd);
  close (ns->netns_fd);
  if (cnet_test_count_fds () != ns->n_fds_before)
    cnet_test_print_fds ();
  g_assert_cmpuint (cnet_test_count_fds (), ==, ns->n_fds_before);
  g_free (ns);
}

void
cnet_test_print_fds (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *de;

  while ((de = readdir (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/fd/%s", de->d_name);
      g_autofree char *target = g_file_read_link (path, NULL);
      g_printerr ("# fd %s -> %s\n", de->d_name, target ? target : "?");
    }
  closedir (dir);
}

/* Moves the peer end into a second namespace of its own, held by a child
 * process that dies with this one (PR_SET_PDEATHSIG), and gives both ends
 * an address, so that the two namespaces are two hosts on a link. */
void
cnet_test_netns_split (CnetTestNetns *ns)
{
  g_autofree char *cmd = NULL;
  g_autofree char *path = NULL;
  int pipefd[2];
  char c;
  pid_t pid;

  g_assert_no_errno (pipe2 (pipefd, O_CLOEXEC));
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      /* Only async-signal-safe calls here: the parent may have threads. */
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (unshare (CLONE_NEWNET) < 0)
        _exit (1);
      if (write (pipefd[1], "x", 1) != 1)
        _exit (1);
      for (;;)
        pause ();
    }
  close (pipefd[1]);
  g_assert_cmpint (read (pipefd[0], &c, 1), ==, 1);
  close (pipefd[0]);
  ns->peer_pid = pid;
  path = g_strdup_printf ("/proc/%d/ns/net", pid);
  ns->peer_netns_fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (ns->peer_netns_fd, >=, 0);

  cmd = g_strdup_printf ("ip link set %s netns %d", ns->veth_b, pid);
  g_assert_true (cnet_test_run (cmd));
  g_free (cmd);
  cmd =
    g_strdup_printf ("ip addr add " CNET_TEST_ADDR_A "/24 dev %s", ns->veth_a);
  g_assert_true (cnet_test_run (cmd));
  g_free (cmd);
  cmd =
    g_strdup_printf ("ip addr add " CNET_TEST_ADDR_B "/24 dev %s", ns->veth_b);
  g_assert_true (cnet_test_netns_run_in_peer (ns, cmd));
  g_free (cmd);
  g_assert_true (
    cnet_test_netns_run_in_peer (ns, "sysctl -qw "
                                     "net.ipv6.conf.all.disable_ipv6=1"));
  cmd = g_strdup_printf ("ip link set %s up", ns->veth_b);
  g_assert_true (cnet_test_netns_run_in_peer (ns, cmd));
}

gboolean
cnet_test_netns_run_in_peer (CnetTestNetns *ns, const char *cmdline)
{
  g_autofree char *cmd =
    g_strdup_printf ("nsenter -t %d -n %s", ns->peer_pid, cmdline);

  return cnet_test_run (cmd);
}

/* A socket in the peer's namespace: a socket stays in the namespace it was
 * created in, so step in, create it, step back. */
int
cnet_test_netns_peer_socket (CnetTestNetns *ns, int domain, int type)
{
  int fd;

  g_assert_no_errno (setns (ns->peer_netns_fd, CLONE_NEWNET));
  fd = socket (domain, type | SOCK_CLOEXEC, 0);
  g_assert_no_errno (setns (ns->netns_fd, CLONE_NEWNET));
  g_assert_cmpint (fd, >=, 0);
  return fd;
}

guint
cnet_test_count_fds (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *de;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((de = readdir (dir)) != NULL)
    if (de->d_name[0] != '.')
      n++;
  closedir (dir);
  return n - 1; /* the directory's own fd */
}

guint
cnet_test_xdp_prog_id (const char *ifname)
{
  LIBBPF_OPTS (bpf_xdp_query_opts, query);
  guint ifindex = if_nametoindex (ifname);

  g_assert_cmpuint (ifindex, !=, 0);
  g_assert_cmpint (bpf_xdp_query ((int) ifindex, 0, &query), ==, 0);
  return query.prog_id != 0 ? query.prog_id
                            : query.drv_prog_id | query.skb_prog_id;
}

static guint16
ip_checksum (const void *data, gsize len)
{
  const guint16 *p = data;
  guint32 sum = 0;

  for (; len > 1; len -= 2)
    sum += *p++;
  if (len)
    sum += *(const guint8 *) p;
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) ~sum;
}

gsize
cnet_test_frame_build (guint8 *buf, gsize len, const guint8 *dst,
                       const guint8 *src, guint32 stream, guint32 seq)
{
  /* The headers are built in aligned locals and copied in: the IP header
   * sits 14 bytes into the frame, which UBSan rightly calls misaligned
   * for a struct iphdr. */
  struct ethhdr eth;
  struct iphdr ip = { 0 };
  struct udphdr udp;
  guint8 *payload = buf + sizeof eth + sizeof ip + sizeof udp;
  gsize payload_len;
  guint32 words[3] = { htonl (MARKER), htonl (stream), htonl (seq) };

  g_assert_cmpuint (len, >=, CNET_TEST_FRAME_MIN);
  payload_len = len - (gsize) (payload - buf);

  memcpy (eth.h_dest, dst, 6);
  memcpy (eth.h_source, src, 6);
  eth.h_proto = htons (ETH_P_IP);
  ip.version = 4;
  ip.ihl = 5;
  ip.ttl = 64;
  ip.protocol = IPPROTO_UDP;
  ip.tot_len = htons ((guint16) (len - sizeof eth));
  ip.saddr = htonl (0xc0000201); /* 192.0.2.1, TEST-NET-1, never routed */
  ip.daddr = htonl (0xc0000202);
  ip.check = ip_checksum (&ip, sizeof ip);
  udp.source = htons (9000);
  udp.dest = htons (9001);
  udp.len = htons ((guint16) (sizeof udp + payload_len));
  udp.check = 0;
  memcpy (buf, &eth, sizeof eth);
  memcpy (buf + sizeof eth, &ip, sizeof ip);
  memcpy (buf + sizeof eth + sizeof ip, &udp, sizeof udp);
  memcpy (payload, words, sizeof words);
  for (gsize i = sizeof words; i < payload_len; i++)
    payload[i] = (guint8) (stream * 31 + seq * 7 + i);
  return len;
}

gboolean
cnet_test_frame_parse (const guint8 *buf, gsize len, guint32 *stream,
                       guint32 *seq)
{
  gsize off =
    sizeof (struct ethhdr) + sizeof (struct iphdr) + sizeof (struct udphdr);
  guint32 words[3];

  if (len < off + sizeof words)
    return FALSE;
  memcpy (words, buf + off, sizeof words);
  if (ntohl (words[0]) != MARKER)
    return FALSE;
  *stream = ntohl (words[1]);
  *seq = ntohl (words[2]);
  for (gsize i = off + sizeof words; i < len; i++)
    if (buf[i] != (guint8) (*stream * 31 + *seq * 7 + (i - off)))
      return FALSE;
  return TRUE;
}

int
cnet_test_packet_socket (const char *ifname)
{
  struct sockaddr_ll sll = {
    .sll_family = AF_PACKET,
    .sll_protocol = htons (ETH_P_ALL),
    .sll_ifindex = (int) if_nametoindex (ifname),
  };
  int one = 1;
  int size = 8 << 20;
  int fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (ETH_P_ALL));

  g_assert_cmpint (fd, >=, 0);
  g_assert_no_errno (bind (fd, (struct sockaddr *) &sll, sizeof sll));
  /* Only what arrives, not what this socket's interface sends. */
  g_assert_no_errno (
    setsockopt (fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one));
  g_assert_no_errno (
    setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size));
  return fd;
}

gboolean
cnet_test_packet_send (int fd, const guint8 *buf, gsize len)
{
  return send (fd, buf, len, 0) == (gssize) len;
}

gssize
cnet_test_packet_recv (int fd, guint8 *buf, gsize len, int timeout_ms)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };

  if (poll (&pfd, 1, timeout_ms) <= 0)
    return -1;
  return recv (fd, buf, len, MSG_DONTWAIT);
}
