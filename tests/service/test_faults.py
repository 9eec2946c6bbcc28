# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnetd under attack and under faults: many clients coming and going, clients
and cnetd killed mid-lease, hostile calls, and the security boundaries. Same
harness as test_cnetd.py (conftest.py): the real cnetd on a real bus, real
AF_XDP sockets on a veth pair in namespaces of the test's own."""
import ctypes
import os
import signal
import socket
import subprocess
import time

import gi
import pytest

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

from conftest import NOBODY, run  # noqa: E402

MANAGER = "org.cnet.Cnet1.Manager"
LEASE = "org.cnet.Cnet1.Lease"
IFACE = "org.cnet.Cnet1.Interface"

# The figures docs/reliability.md quotes come from these.
CYCLES = int(os.environ.get("CNET_TEST_CYCLES", "1000"))
KILLED = int(os.environ.get("CNET_TEST_KILLED", "50"))


def dbus_error_name(excinfo):
    return Gio.DBusError.get_remote_error(excinfo.value)


def cnetd_pid(env):
    # `ip netns exec` execs cnetd: the Popen's pid is cnetd's.
    with open(f"/proc/{env.cnetd.pid}/comm", encoding="ascii") as f:
        assert f.read().strip() == "cnetd"
    return env.cnetd.pid


def fds_of(pid):
    return sorted(os.listdir(f"/proc/{pid}/fd"), key=int)


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# Under AddressSanitizer freed memory waits in a quarantine and RSS says
# nothing about leaks; LeakSanitizer checks cnetd at its exit instead.
SANITIZED = "CNET_CHILD_ASAN_OPTIONS" in os.environ


def assert_rss_bounded(growth, what):
    if not SANITIZED:
        # Bounded: a leak of even 1 KiB a cycle would show.
        assert growth < 1024, f"cnetd grew by {growth} KiB in {what}"


def settle(env, pid, want_fds, timeout=5.0):
    """Waits for cnetd to hold no lease and no more fds than @want_fds."""
    env.wait_for(lambda: env.leases() == [] and
                 len(fds_of(pid)) <= want_fds,
                 f"cnetd to drop its leases and fds (has {fds_of(pid)})",
                 timeout=timeout)


def test_acquire_release_cycles(env):
    """CYCLES AcquireQueue/Release rounds: no fd, memory or program left."""
    env.start_cnetd()
    pid = cnetd_pid(env)
    # A few rounds first, so one-time allocations are made.
    for _ in range(5):
        lease, sock, guard, _ = env.acquire(0)
        env.call(lease, LEASE, "Release")
        os.close(sock)
        os.close(guard)
        env.wait_for(lambda: env.get(env.iface_path(), IFACE,
                                     "FreeQueues") == [0],
                     "the queue to drain", timeout=60)
    fds_before = len(fds_of(pid))
    rss_before = rss_kib(pid)
    path = env.iface_path()
    start = time.monotonic()
    for i in range(CYCLES):
        lease, sock, guard, info = env.acquire(0, {
            "rules": GLib.Variant("as", ["udp dport %d" % (i % 60000 + 1)])})
        assert info["queue"] == 0
        env.call(lease, LEASE, "Release")
        os.close(sock)
        os.close(guard)
        # The kernel frees the closed socket's buffer pool after an RCU
        # grace period, from a work queue; only then is the queue free.
        env.wait_for(lambda: env.get(path, IFACE, "FreeQueues") == [0],
                     "the queue to drain", timeout=60)
    elapsed = time.monotonic() - start
    settle(env, pid, fds_before)
    growth = rss_kib(pid) - rss_before
    print(f"\n{CYCLES} acquire/release cycles in {elapsed:.1f} s; cnetd: "
          f"{len(fds_of(pid))} fds (was {fds_before}), RSS "
          f"{rss_kib(pid)} KiB ({growth:+d} KiB)")
    assert len(fds_of(pid)) == fds_before
    assert_rss_bounded(growth, f"{CYCLES} cycles")
    assert not env.xdp_attached()
    assert env.leases() == []


def test_clients_killed_mid_lease(env):
    """KILLED unprivileged clients, each killed with SIGKILL while holding
    an active lease: every lease, fd and program goes each time."""
    env.start_cnetd()
    pid = cnetd_pid(env)
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    proc.kill()
    proc.wait()
    settle(env, pid, 10**6)
    # The queue drains until the kernel has released the killed client's
    # socket; cnetd holds the owner's pidfd until then. Count after.
    path = env.iface_path()
    env.wait_for(lambda: env.get(path, "org.cnet.Cnet1.Interface",
                                 "DrainingQueues") == [],
                 "the first queue to drain", timeout=30)
    fds_before = len(fds_of(pid))
    rss_before = rss_kib(pid)
    for i in range(KILLED):
        proc, line = env.client("hold", 0, "udp dport %d" % (4000 + i))
        assert line.startswith("ready"), line
        assert len(env.leases()) == 1 and env.xdp_attached()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        env.procs.remove(proc)
        settle(env, pid, fds_before)
        assert not env.xdp_attached()
    growth = rss_kib(pid) - rss_before
    print(f"\n{KILLED} clients killed mid-lease; cnetd: {len(fds_of(pid))} "
          f"fds (was {fds_before}), RSS {growth:+d} KiB")
    assert len(fds_of(pid)) == fds_before
    assert_rss_bounded(growth, f"{KILLED} killed clients")


def test_cnetd_killed_and_restarted(env):
    """cnetd killed with SIGKILL while a client holds an active lease: the
    client's calls fail at once with a clear error, the program goes with
    cnetd, and the interface ends as it was found."""
    before = run(["ip", "-n", env.ns_a, "-d", "-j", "link", "show",
                  env.veth_a]).stdout
    env.start_cnetd()
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    (lease,) = env.leases()
    env.cnetd.send_signal(signal.SIGKILL)
    env.cnetd.wait()
    env.cnetd = None
    # Its program went with it: the bpf_link's last fd was cnetd's.
    env.wait_for(lambda: not env.xdp_attached(), "the program to go",
                 timeout=30)

    # No hang: the bus answers for the dead service at once.
    start = time.monotonic()
    with pytest.raises(GLib.Error) as excinfo:
        env.call(lease, LEASE, "Release")
    assert time.monotonic() - start < 2.0
    assert dbus_error_name(excinfo) == "org.freedesktop.DBus.Error.ServiceUnknown"

    env.start_cnetd()
    assert not env.xdp_attached()
    assert env.leases() == []
    # The old lease is unknown to the new cnetd: a clear error, not a hang.
    with pytest.raises(GLib.Error) as excinfo:
        env.call(lease, LEASE, "Release")
    assert "UnknownObject" in dbus_error_name(excinfo) or \
        "UnknownMethod" in dbus_error_name(excinfo), excinfo.value.message
    proc.kill()
    proc.wait()
    env.stop_cnetd()
    after = run(["ip", "-n", env.ns_a, "-d", "-j", "link", "show",
                 env.veth_a]).stdout
    assert after == before


def test_hostile_calls(env):
    """Every method with wrong types, out-of-range values, foreign fds and
    huge arrays: the expected error reply each (by name), no fd kept, the
    service alive."""
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "nogroup", "max-leases-per-user": 2 }')
    pid = cnetd_pid(env)
    lease, sock, guard, _ = env.acquire(0)
    env.call(lease, LEASE, "Activate")
    fds_before = len(fds_of(pid))

    # Foreign fds: a pipe, a TCP socket, an AF_XDP socket of another process.
    r, w = os.pipe()
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder = subprocess.Popen(
        ["/usr/bin/python3", "-c",
         "import socket, sys, os\n"
         "s = socket.socket(44, socket.SOCK_RAW)\n"  # AF_XDP
         "print(s.fileno(), flush=True)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    xdp_fd_no = int(holder.stdout.readline())
    # A socket cannot be opened through /proc; take it with pidfd_getfd.
    pidfd = os.pidfd_open(holder.pid)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        xdp = libc.syscall(438, pidfd, xdp_fd_no, 0)  # pidfd_getfd
        assert xdp >= 0, os.strerror(ctypes.get_errno())
    finally:
        os.close(pidfd)
    foreign = [r, tcp.fileno(), xdp]

    def expect_error(path, iface, method, sig, args, fds=None):
        msg = Gio.DBusMessage.new_method_call("org.cnet.Cnet1", path, iface,
                                              method)
        if sig is not None:
            msg.set_body(GLib.Variant(sig, args))
        if fds is not None:
            msg.set_unix_fd_list(Gio.UnixFDList.new_from_array(
                [os.dup(f) for f in fds]))
        reply, _ = env.conn.send_message_with_reply_sync(
            msg, Gio.DBusSendMessageFlags.NONE, 10000, None)
        assert reply.get_message_type() == Gio.DBusMessageType.ERROR, \
            f"{method}{sig}: {reply.print_(0)}"
        return reply.get_error_name()

    n = 0
    huge = ["udp dport 1"] * 100000
    types = "org.freedesktop.DBus.Error.InvalidArgs"
    cnet = "org.cnet.Cnet1.Error."
    mgr = "/org/cnet/Cnet1"
    acq = "(sua{sv}h)"
    # (path, interface, method, signature, arguments, expected error, whether
    # a sealed memfd goes first among the fds, as AcquireQueue's UMEM)
    cases = [
        # wrong types, for every method
        (mgr, MANAGER, "AcquireQueue", "(s)", ("x",), types, False),
        (mgr, MANAGER, "AcquireQueue", "(uus)", (1, 2, "x"), types, False),
        (mgr, MANAGER, "AcquireQueue", "(sua{sv})", (env.veth_a, 0, {}),
         types, False),
        (mgr, MANAGER, "AcquireQueue", "(sua{ss}h)",
         (env.veth_a, 0, {"rules": "udp"}, 0), types, True),
        (mgr, MANAGER, "ListInterfaces", "(s)", ("x",), types, False),
        (mgr, MANAGER, "ListLeases", "(u)", (1,), types, False),
        (lease, LEASE, "Activate", "(h)", (0,), types, False),
        (lease, LEASE, "Release", "(as)", (["x"],), types, False),
        (lease, LEASE, "SetRules", "(s)", ("udp",), types, False),
        (lease, "org.freedesktop.DBus.Properties", "Set", "(ssv)",
         (LEASE, "Queue", GLib.Variant("u", 3)), types, False),
        (lease, "org.freedesktop.DBus.Properties", "Get", "(ss)",
         (LEASE, "NoSuchProperty"), types, False),
        # out-of-range values
        (lease, LEASE, "SetRules", "(as)", (["udp dport 99999"],),
         cnet + "InvalidArgument", False),
        (lease, LEASE, "SetRules", "(as)", (["udp"] * 17,),
         cnet + "OutOfRange", False),
        (mgr, MANAGER, "AcquireQueue", acq, (env.veth_a, 1, {}, 7),
         cnet + "InvalidArgument", True),
        (mgr, MANAGER, "AcquireQueue", acq, (env.veth_a, 1, {}, -1),
         cnet + "InvalidArgument", True),
        (mgr, MANAGER, "AcquireQueue", acq, (env.veth_a, 4096, {}, 0),
         cnet + "OutOfRange", True),
        (mgr, MANAGER, "AcquireQueue", acq, (env.veth_a, 0xfffffffe, {}, 0),
         cnet + "OutOfRange", True),
        (mgr, MANAGER, "AcquireQueue", acq, ("x" * 300, 0, {}, 0),
         cnet + "NotFound", True),
        (mgr, MANAGER, "AcquireQueue", acq,
         (env.veth_a, 1, {"rules": GLib.Variant("as", ["udp dport 70000"])},
          0), cnet + "InvalidArgument", True),
        (mgr, MANAGER, "AcquireQueue", acq,
         (env.veth_a, 1, {"bind-mode": GLib.Variant("s", "")}, 0),
         cnet + "InvalidArgument", True),
        (mgr, MANAGER, "AcquireQueue", acq,
         (env.veth_a, 1, {"rx-size": GLib.Variant("u", 0xffffffff)}, 0),
         cnet + "InvalidArgument", True),
        ("/org/cnet/Cnet1/leases/999999", LEASE, "Release", None, None,
         "org.freedesktop.DBus.Error.UnknownMethod", False),
        ("/org/cnet/Cnet1/leases/999999", LEASE, "Activate", None, None,
         "org.freedesktop.DBus.Error.UnknownMethod", False),
        # huge arrays
        (mgr, MANAGER, "AcquireQueue", acq,
         (env.veth_a, 1, {"rules": GLib.Variant("as", huge)}, 0),
         cnet + "OutOfRange", True),
        (mgr, MANAGER, "AcquireQueue", acq,
         (env.veth_a, 1, {"k%d" % i: GLib.Variant("u", i)
                          for i in range(20000)}, 0),
         cnet + "InvalidArgument", True),
    ]
    umem = env.memfd()
    for path, iface, method, sig, args, want, with_umem in cases:
        for fds in (None, foreign):
            if with_umem:
                fds = [umem] + (fds or [])
            name = expect_error(path, iface, method, sig, args, fds)
            assert name == want, f"{method}{sig} {args!s:.80}: {name}"
            n += 1
    os.close(umem)
    # The right types with foreign fds attached: an error or the normal
    # answer, and the fds are not kept.
    for fds in ([r], [tcp.fileno()], [xdp]):
        name = expect_error(lease, LEASE, "Activate", None, None, fds)
        assert name == "org.cnet.Cnet1.Error.InvalidState"
        # ... and as the UMEM of AcquireQueue: not a memfd.
        name = expect_error("/org/cnet/Cnet1", MANAGER, "AcquireQueue",
                            "(sua{sv}h)", (env.veth_a, 1, {}, 0), fds)
        assert name == "org.cnet.Cnet1.Error.InvalidArgument"
        n += 2

    holder.stdin.close()
    holder.wait()
    for f in (r, w, xdp):
        os.close(f)
    tcp.close()
    print(f"\n{n} hostile calls, an error reply each")
    assert env.name_has_owner("org.cnet.Cnet1")
    assert env.leases() == [lease]
    assert len(fds_of(pid)) <= fds_before, fds_of(pid)
    env.call(lease, LEASE, "Release")
    os.close(sock)
    os.close(guard)
    settle(env, pid, fds_before - 3)


def test_only_root_owns_the_name(env):
    """The bus policy (data/org.cnet.Cnet1.conf) lets only root own
    org.cnet.Cnet1: nobody is refused, on the private system-type bus."""
    script = (
        "import sys\n"
        "from gi.repository import Gio, GLib\n"
        "c = Gio.DBusConnection.new_for_address_sync(sys.argv[1], "
        "Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | "
        "Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)\n"
        "try:\n"
        "    r = c.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', "
        "'org.freedesktop.DBus', 'RequestName', "
        "GLib.Variant('(su)', ('org.cnet.Cnet1', 0)), None, 0, -1, None)\n"
        "    print('owned', r.unpack()[0])\n"
        "except GLib.Error as e:\n"
        "    print('refused', Gio.DBusError.get_remote_error(e))\n")
    out = run(NOBODY + ["/usr/bin/python3", "-c", script, env.address]).stdout
    assert out.strip() == "refused org.freedesktop.DBus.Error.AccessDenied", out
    # Not even while cnetd is down, and not by replacing it.
    env.start_cnetd()
    out = run(NOBODY + ["/usr/bin/python3", "-c",
                        script.replace("0)), None", "2)), None"),
                        env.address]).stdout
    assert out.strip() == "refused org.freedesktop.DBus.Error.AccessDenied", out
    assert env.name_has_owner("org.cnet.Cnet1")


def test_lease_fd_is_private(env):
    """Another unprivileged user cannot get at cnetd's copies of a lease's
    socket and guard: pidfd_getfd() needs ptrace rights over cnetd, which
    nobody lacks (EPERM) and root has (so the check can tell); no method
    hands a socket out again."""
    env.start_cnetd()
    pid = cnetd_pid(env)
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    (lease,) = env.leases()
    sockets = [fd for fd in fds_of(pid)
               if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")]
    script = (
        "import ctypes, os, sys, errno\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "pidfd = os.pidfd_open(int(sys.argv[1]))\n"
        "got = []\n"
        "for fd in sys.argv[2:]:\n"
        "    r = libc.syscall(438, pidfd, int(fd), 0)\n"
        "    got.append('ok' if r >= 0 else errno.errorcode[ctypes.get_errno()])\n"
        "print(' '.join(got))\n")
    out = run(["ip", "netns", "exec", env.ns_a] + NOBODY +
              ["/usr/bin/python3", "-c", script, str(pid)] + sockets).stdout
    assert out.split() == ["EPERM"] * len(sockets), out
    out = run(["/usr/bin/python3", "-c", script, str(pid)] + sockets).stdout
    assert out.split() == ["ok"] * len(sockets), out
    # The Lease object carries no fd, and there is no method to get one.
    props = env.call(lease, "org.freedesktop.DBus.Properties", "GetAll",
                     (LEASE,), "(s)")[0]
    assert not any("fd" in k.lower() or "socket" in k.lower() for k in props)
    intro = env.call(lease, "org.freedesktop.DBus.Introspectable",
                     "Introspect")[0]
    assert 'type="h"' not in intro
