# SPDX-License-Identifier: LGPL-2.1-or-later
"""The privilege boundary of a lease, tried from the less privileged side.

What an unprivileged lessee receives from cnetd is an AF_XDP socket already
bound to its queue, a guard, and the lease object on the bus. For each, what
the kernel lets it do is tried here, as nobody without capabilities: bind
the socket elsewhere, set it up again, make a socket of its own, transmit
elsewhere, keep the socket after the lease ends. Same harness as
test_cnetd.py (conftest.py)."""
import json
import os
import signal
import socket
import struct
import subprocess

import gi
import pytest

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

from conftest import ADDR_A, ADDR_B  # noqa: E402

MANAGER = "org.cnet.Cnet1.Manager"
LEASE = "org.cnet.Cnet1.Lease"
IFACE = "org.cnet.Cnet1.Interface"
LEASE_ENDED = 15
MARK = b"cnet-lessee-marker"


def dbus_error_name(excinfo):
    return Gio.DBusError.get_remote_error(excinfo.value)


def frame(dst_mac, src_mac):
    """An Ethernet frame carrying MARK, as raw bytes in hex."""
    payload = MARK + bytes(30)
    udp = struct.pack("!HHHH", 9999, 9999, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton(ADDR_A), socket.inet_aton(ADDR_B))
    mac = lambda m: bytes.fromhex(m.replace(":", ""))  # noqa: E731
    return (mac(dst_mac) + mac(src_mac) + b"\x08\x00" + ip + udp).hex()


SNIFFER = """
import socket, sys, select, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
print("ready", flush=True)
n = 0
sys.stdin.readline()          # the test says when it is done sending
end = time.monotonic() + 0.5  # then what is queued is read
while True:
    r, _, _ = select.select([s], [], [], max(0, end - time.monotonic()))
    if not r:
        break
    if MARK in s.recv(65536):
        n += 1
print(n, flush=True)
"""


def sniffer(env, ns, dev):
    p = subprocess.Popen(
        ["ip", "netns", "exec", ns, "/usr/bin/python3", "-c",
         SNIFFER.replace("MARK", repr(MARK)), dev],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(p)
    assert p.stdout.readline().strip() == "ready"
    return p


def sniffed(p):
    p.stdin.write("done\n")
    p.stdin.flush()
    return int(p.stdout.readline())


def test_socket_cannot_leave_its_queue(env):
    """nobody, leased queue 0 of a managed interface, tries to rebind its
    socket to an interface cnetd does not manage and to another queue, to
    re-point it with SO_BINDTODEVICE, to set it up again, and to make an
    AF_XDP socket of its own. Each fails; the frames it sends leave only
    through its own interface: a sniffer behind the other sees none."""
    # An interface the configuration ("cs*") does not list, in cnetd's and
    # the lessee's namespace, with a sniffer behind its peer.
    other, peer = f"cx{os.getpid() % 100000}a", f"cx{os.getpid() % 100000}b"
    env.ns_run(env.ns_a, ["ip", "link", "add", other, "type", "veth", "peer",
                          "name", peer, "netns", env.ns_b])
    env.ns_run(env.ns_a, ["ip", "link", "set", other, "up"])
    env.ns_run(env.ns_b, ["ip", "link", "set", peer, "up"])
    env.start_cnetd()
    lessee = env.lessee()
    assert lessee.uid == 65534
    res = lessee("open", env.veth_a, 0, "udp dport 4789")
    assert res.get("queue") == 0, res

    behind_other = sniffer(env, env.ns_b, peer)
    behind_own = sniffer(env, env.ns_b, env.veth_b)

    assert lessee("bind", other, 0)["errno_name"] in ("EINVAL", "EBUSY")
    assert lessee("bind", env.veth_a, 1)["errno_name"] in ("EINVAL", "EBUSY")
    assert lessee("bind", env.veth_a, 0)["errno_name"] == "EBUSY"
    assert lessee("bindtodevice", other)["errno_name"] == "EPERM"
    assert lessee("umemreg")["errno_name"] == "EBUSY"
    assert lessee("rxring")["errno_name"] == "EBUSY"
    assert lessee("newsocket")["errno_name"] == "EPERM"

    # Transmitting works, on its own interface only.
    mac_other = env.mac(env.ns_b, peer)
    res = lessee("send", frame(mac_other, env.mac_a), 20)
    assert res["sent"] == 20, res
    res = lessee("send", frame(env.mac_b, env.mac_a), 20)
    assert res["sent"] == 20, res
    assert sniffed(behind_other) == 0
    assert sniffed(behind_own) == 40
    lessee("drop")
    env.ns_run(env.ns_a, ["ip", "link", "del", other])


def test_release_drains_until_the_socket_closes(env):
    """The lease ends by Release while the lessee keeps a copy of its
    socket: its port says the lease ended (and emits lease-ended), the
    queue is draining and refused to others, and it is leased again only
    once the lessee has closed the socket; then a new client echoes."""
    env.start_cnetd()
    old = env.lessee()
    assert old("open", env.veth_a, 0).get("queue") == 0
    assert old("dup").get("dup")
    assert old("release") == {"released": True}
    res = old("receive")
    assert res["code"] == LEASE_ENDED and res["ended"] == [LEASE_ENDED], res
    assert "lease from cnetd has ended" in res["error"]
    assert old("send", "00" * 60)["code"] == LEASE_ENDED
    assert old("wait", 1000)["code"] == LEASE_ENDED

    path = env.iface_path()
    assert env.leases() == []
    assert env.get(path, IFACE, "DrainingQueues") == [0]
    assert env.get(path, IFACE, "FreeQueues") == []
    new = env.lessee()
    res = new("open", env.veth_a, 0)
    assert res["code"] == 4, res  # CNET_ERROR_BUSY
    assert "queue is draining: lease 1" in res["error"], res
    assert "uid 65534" in res["error"]

    # The port dropped: the dup still holds the socket, so still draining.
    old("drop")
    assert env.get(path, IFACE, "DrainingQueues") == [0]
    old("closedup")
    env.wait_for(lambda: env.get(path, IFACE, "FreeQueues") == [0],
                 "the queue to drain", timeout=30)
    proc, line = env.client("echo", 0, 20, "udp dport 4789")
    assert line.startswith("ready"), line
    from test_cnetd import result_of, udp_echo_check
    assert udp_echo_check(env, 4789, 20) == 20
    assert result_of(proc)["echoed"] == 20


def test_leased_set_rules(env):
    """A leased port's set_rules goes through cnetd (Lease.SetRules) and
    steers what the new rules say; a bad rule is a clear error. The
    mempool is 16 MiB, twice nobody's RLIMIT_MEMLOCK: cnetd pins it."""
    env.start_cnetd()
    lessee = env.lessee(env={"FRAMES": "8192"})
    assert lessee("open", env.veth_a, 0, "udp dport 4789").get("queue") == 0
    res = lessee("setrules", "udp dport 5000, ip proto 1")
    assert res == {"rules": ["udp dport 5000", "ip icmp"]}, res
    (lease,) = env.leases()
    assert env.get(lease, LEASE, "Rules") == ["udp dport 5000", "ip icmp"]
    res = lessee("setrules", "udp dport 0")
    assert res["code"] == 1 and "port 0 is out of range" in res["error"], res
    assert env.get(lease, LEASE, "Rules") == ["udp dport 5000", "ip icmp"]
    # Ping now reaches the port, not the kernel: no reply.
    out = env.ns_run(env.ns_b, ["ping", "-c", "2", "-i", "0.2", "-W", "1",
                                ADDR_A], check=False)
    assert out.returncode != 0
    assert lessee("setrules") == {"rules": []}
    assert env.get(lease, LEASE, "Rules") == []


def test_bad_umem(env):
    """A memfd without seals, with only one, of a size that is not whole
    frames, past the user's limit, a pipe, and no fd at all: each a clear
    error naming the cause; no lease, fd or program is left."""
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "nogroup", "max-umem-bytes-per-user": 1048576 }')
    import fcntl
    pid = env.cnetd.pid
    fds_before = len(os.listdir(f"/proc/{pid}/fd"))
    r, w = os.pipe()
    cases = [
        (env.memfd(seals=0), "is not sealed against shrinking and growing"),
        (env.memfd(seals=fcntl.F_SEAL_GROW),
         "is not sealed against shrinking and growing"),
        (env.memfd(size=2048 * 10 + 100), "not a whole number of 2048-byte"),
        (env.memfd(size=2 << 20), "max-umem-bytes-per-user (1048576 bytes)"),
        (r, "the UMEM is not a memfd"),
    ]
    for fd, message in cases:
        with pytest.raises(GLib.Error) as excinfo:
            env.acquire(0, umem=fd)
        assert message in excinfo.value.message, excinfo.value.message
        assert dbus_error_name(excinfo) in (
            "org.cnet.Cnet1.Error.InvalidArgument",
            "org.cnet.Cnet1.Error.LimitExceeded"), excinfo.value.message
        os.close(fd)
    os.close(w)

    # A handle that names no fd of the call.
    with pytest.raises(GLib.Error) as excinfo:
        env.conn.call_with_unix_fd_list_sync(
            "org.cnet.Cnet1", "/org/cnet/Cnet1", MANAGER, "AcquireQueue",
            GLib.Variant("(sua{sv}h)", (env.veth_a, 0, {}, 3)), None,
            Gio.DBusCallFlags.NONE, 10000, None, None)
    assert "names no file descriptor" in excinfo.value.message

    # A sealed memfd cannot be shrunk under a lease.
    umem = env.memfd()
    lease, sock, guard, _ = env.acquire(0, umem=umem)
    with pytest.raises(PermissionError):
        os.ftruncate(umem, 2048)
    env.call(lease, LEASE, "Release")
    for fd in (umem, sock, guard):
        os.close(fd)
    path = env.iface_path()
    env.wait_for(lambda: env.get(path, IFACE, "FreeQueues") == [0] and
                 len(os.listdir(f"/proc/{pid}/fd")) <= fds_before,
                 "cnetd to let go of everything", timeout=30)
    assert env.leases() == []
    env.wait_for(lambda: not env.xdp_attached(), "the program to go")


def test_shared_umem_two_queues(env):
    """Two leases of one client on one memfd share the UMEM: cnetd counts
    its bytes once, and both sockets work."""
    env.ns_run(env.ns_a, ["ip", "link", "del", env.veth_a])
    env.ns_run(env.ns_a, ["ip", "link", "add", env.veth_a, "numrxqueues", "2",
                          "numtxqueues", "2", "type", "veth", "peer", "name",
                          env.veth_b, "numrxqueues", "2", "numtxqueues", "2",
                          "netns", env.ns_b])
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "nogroup", "max-umem-bytes-per-user": 262144 }')
    umem = env.memfd(size=64 * 2048)  # 128 KiB: twice would pass the limit
    a = env.acquire(0, umem=umem)
    b = env.acquire(1, umem=umem)
    assert a[3]["queue"] == 0 and b[3]["queue"] == 1
    with open(env.cnetd_log, encoding="utf-8") as f:
        assert "shared with its other lease" in f.read()
    # A different memfd of the same size is new memory: over the limit.
    with pytest.raises(GLib.Error) as excinfo:
        env.acquire(0xFFFFFFFF)
    assert dbus_error_name(excinfo) in ("org.cnet.Cnet1.Error.LimitExceeded",
                                        "org.cnet.Cnet1.Error.Busy")
    for lease, sock, guard, _ in (a, b):
        env.call(lease, LEASE, "Release")
        os.close(sock)
        os.close(guard)
    os.close(umem)


ASYNC_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "async-client.py")


HOLDER = """
import fcntl, os, sys
from gi.repository import Gio, GLib
conn = Gio.DBusConnection.new_for_address_sync(
    sys.argv[1], Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
umem = os.memfd_create("umem", os.MFD_ALLOW_SEALING)
os.ftruncate(umem, 64 * 2048)
fcntl.fcntl(umem, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
reply, fds = conn.call_with_unix_fd_list_sync(
    "org.cnet.Cnet1", "/org/cnet/Cnet1", "org.cnet.Cnet1.Manager",
    "AcquireQueue", GLib.Variant("(sua{sv}h)", (sys.argv[2], 0, {}, 0)),
    None, 0, -1, Gio.UnixFDList.new_from_array([umem]), None)
sock = fds.steal_fds()[reply.unpack()[1]]
if os.fork() == 0:
    # The socket's keeper: outlives the lease's owner, until its standard
    # input closes.
    os.close(1)
    sys.stdin.read()
    os._exit(0)
print("leased", flush=True)
os._exit(0)
"""


def drain_hold(env):
    """Makes queue 0 drain with its owner dead: a process leases it (raw)
    and exits, while a child it forked keeps the socket (and a copy of
    its bus connection). Returns the keeper's standard input; closing it
    lets the socket, and so the queue, go."""
    holder = subprocess.Popen(
        ["ip", "netns", "exec", env.ns_a, "/usr/bin/python3", "-c", HOLDER,
         env.address, env.veth_a], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "leased"
    assert holder.wait(timeout=60) == 0
    path = env.iface_path()
    env.wait_for(lambda: env.get(path, IFACE, "DrainingQueues") == [0],
                 "queue 0 to drain", timeout=30)
    return holder.stdin


def async_client(env, mode, lang="python"):
    """The async open from a running main loop, in Python
    (async-client.py) or in C (cnet-test-client open-async|cancel-async)."""
    from conftest import CLIENT, NOBODY
    if lang == "c":
        argv = [CLIENT, mode + "-async", env.address, env.veth_a, "0"]
    else:
        argv = ["/usr/bin/python3", ASYNC_CLIENT, env.address, env.veth_a,
                mode]
    return env.spawn(["ip", "netns", "exec", env.ns_a] + NOBODY + argv)


@pytest.mark.parametrize("lang", ["python", "c"])
def test_async_open_keeps_the_loop_running(env, lang):
    """open_port_async from a GLib.MainLoop: while cnetd holds the open
    back (its queue drains: the last owner died, a child of it still has
    the socket), the loop's 5 ms timer keeps firing; the port opens once
    the queue is free. From Python and from C."""
    env.start_cnetd()
    keeper = drain_hold(env)
    proc = async_client(env, "open", lang)
    assert proc.stdout.readline().strip() == "opening"
    # cnetd holds the open back while the queue drains; the client's loop
    # runs meanwhile, or it could not say so.
    assert proc.stdout.readline().strip() == "ticking"
    assert env.leases() == []
    keeper.close()
    out, _ = proc.communicate(timeout=60)
    res = json.loads(out.strip().splitlines()[-1])
    assert res.get("queue") == 0, res
    assert res["ticks"] >= 3, res


@pytest.mark.parametrize("lang", ["python", "c"])
def test_async_open_cancelled(env, lang):
    """Cancelling open_port_async mid-way (while cnetd holds it back)
    gives G_IO_ERROR_CANCELLED and leaves no lease: the lease cnetd grants
    after the cancel ends with its guard, which nobody received. From
    Python and from C."""
    env.start_cnetd()
    keeper = drain_hold(env)
    proc = async_client(env, "cancel", lang)
    assert proc.stdout.readline().strip() == "opening"
    out, _ = proc.communicate(timeout=60)
    res = json.loads(out.strip().splitlines()[-1])
    assert res.get("domain") == "g-io-error-quark", res
    assert res["code"] == Gio.IOErrorEnum.CANCELLED, res
    keeper.close()
    path = env.iface_path()
    env.wait_for(lambda: env.leases() == [] and
                 env.get(path, IFACE, "FreeQueues") == [0],
                 "no lease left and the queue free", timeout=30)


def test_open_async_example(env):
    """examples/open-async.py as nobody: leases without blocking its loop,
    echoes from a port watch, and stops with the lease-ended message when
    cnetd goes."""
    from conftest import NOBODY
    from test_cnetd import l2_echo_check
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                           "..", "examples", "open-async.py")
    env.start_cnetd()
    proc = env.spawn(["ip", "netns", "exec", env.ns_a] + NOBODY +
                     ["/usr/bin/python3", example, "-i", env.veth_a,
                      "--address", env.address, "udp dport 4789"])
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    assert sel.select(timeout=60), "open-async.py said nothing in 60 s"
    line = proc.stdout.readline()
    assert line.startswith(f"leased {env.veth_a} queue 0"), line
    assert l2_echo_check(env, 20) == 20
    assert env.stop_cnetd() == 0
    out, _ = proc.communicate(timeout=60)
    assert "the lease from cnetd has ended" in out, out
    assert proc.returncode == 0, out


STATS_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "stats-client.py")


def test_leased_stats_async_and_cancellable_wait(env):
    """A leased port's counters without blocking: Port.get_stats_async
    from a GLib.MainLoop answers while cnetd is stopped only once cnetd
    goes on (the loop's timer keeps firing meanwhile), with the same
    counters as Port.get_stats; a cancelled call says CANCELLED; and
    Port.wait(-1, cancellable) on the leased port (which also polls the
    lease's guard) returns CANCELLED when another thread cancels."""
    from conftest import NOBODY
    from test_cnetd import l2_echo_check
    n = 20
    env.start_cnetd()
    proc = env.spawn(["ip", "netns", "exec", env.ns_a] + NOBODY +
                     ["/usr/bin/python3", STATS_CLIENT, env.address,
                      env.veth_a, str(n), "udp dport 4789"],
                     stdin=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "ready"
    assert l2_echo_check(env, n) == n
    assert proc.stdout.readline().strip() == "synced"
    env.cnetd.send_signal(signal.SIGSTOP)
    try:
        proc.stdin.write("go\n")
        proc.stdin.flush()
        # The timer fired three times while the call waited for cnetd.
        assert proc.stdout.readline().strip() == "ticking"
    finally:
        env.cnetd.send_signal(signal.SIGCONT)
    out, _ = proc.communicate(timeout=60)
    res = json.loads(out.strip().splitlines()[-1])
    sync, got = res["sync"], res.get("async")
    assert got is not None, res
    assert sync["rx_packets"] == sync["tx_packets"] == n, res
    assert sync["xdp_redirected"] == n and sync["n_rules"] == 1, res
    assert sync["rule_hits"] == [n], res
    # No traffic came in between: the same counters (but frames the rule
    # does not match, which cnetd's program passes on).
    assert got["xdp_passed"] >= sync["xdp_passed"], res
    del got["xdp_passed"], sync["xdp_passed"]
    assert got == sync, res
    assert res["ticks"] >= 3, res
    cancelled = Gio.IOErrorEnum.CANCELLED
    assert res["cancelled"]["domain"] == "g-io-error-quark", res
    assert res["cancelled"]["code"] == cancelled, res
    assert res["wait_error"]["domain"] == "g-io-error-quark", res
    assert res["wait_error"]["code"] == cancelled, res
