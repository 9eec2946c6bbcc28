# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnetd, end to end: the real service on a real bus, real AF_XDP sockets
on a veth link between two namespaces, unprivileged clients."""
import json
import os
import signal
import socket
import struct
import subprocess
import time

import gi
import pytest

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

from conftest import ADDR_A, ADDR_B, NOBODY, run  # noqa: E402

MANAGER = "org.cnet.Cnet1.Manager"
LEASE = "org.cnet.Cnet1.Lease"
IFACE = "org.cnet.Cnet1.Interface"


def dbus_error_name(excinfo):
    return Gio.DBusError.get_remote_error(excinfo.value)


def dbus_error_name_of(error):
    return Gio.DBusError.get_remote_error(error)


def result_of(proc, timeout=30):
    out, _ = proc.communicate(timeout=timeout)
    lines = [l for l in out.splitlines() if l.startswith("{")]
    assert lines, out
    return json.loads(lines[-1])


def udp_echo_check(env, port, count):
    """From namespace B, sends COUNT datagrams to A:port and expects each
    back, byte-exact, from the client's echo; returns the replies."""
    script = f"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# No UDP checksum: veth hands the frame on with the checksum left to
# offload, and the echo sends it back as it is (SO_NO_CHECK).
s.setsockopt(socket.SOL_SOCKET, 11, 1)
s.bind(("{ADDR_B}", 0))
s.settimeout(5)
got = 0
for i in range({count}):
    msg = b"datagram %06d " % i + bytes(range(40))
    s.sendto(msg, ("{ADDR_A}", {port}))
    data, peer = s.recvfrom(2048)
    assert data == msg and peer == ("{ADDR_A}", {port}), (data, peer)
    got += 1
print(got)
"""
    out = env.ns_run(env.ns_b, ["/usr/bin/python3", "-c", script]).stdout
    return int(out.strip())


def test_busctl_operator(env):
    env.start_cnetd()
    tree = env.busctl("tree", "org.cnet.Cnet1").stdout
    assert "/org/cnet/Cnet1/interfaces" in tree
    intro = env.busctl("introspect", "org.cnet.Cnet1", "/org/cnet/Cnet1").stdout
    assert "AcquireQueue" in intro and "org.freedesktop.DBus.ObjectManager" in intro
    out = env.busctl("call", "org.cnet.Cnet1", "/org/cnet/Cnet1", MANAGER,
                     "ListInterfaces").stdout
    paths = out.split()[2:]
    names = [env.get(json.loads(p), IFACE, "Name") for p in paths]
    assert env.veth_a in names

    # The interface as busctl shows it.
    path = json.loads(paths[names.index(env.veth_a)])
    out = env.busctl("get-property", "org.cnet.Cnet1", path, IFACE, "Driver",
                     "Managed", "RxQueues", "SupportedXdpModes").stdout
    assert out.splitlines() == ['s "veth"', "b true", "u 1",
                                'as 2 "native" "generic"']

    # A client holds a lease; busctl reads its stats and may not release it.
    proc, line = env.client("hold", 0, "udp dport 4789")
    assert line.startswith("ready"), line
    (lease,) = env.leases()
    out = env.busctl("get-property", "org.cnet.Cnet1", lease, LEASE,
                     "Active", "Rules", "Uid", "BindMode").stdout
    assert out.splitlines() == ["b true", 'as 1 "udp dport 4789"',
                                "u 65534", 's "copy"']
    out = env.busctl("get-property", "org.cnet.Cnet1", lease, LEASE,
                     "Stats").stdout
    assert out.startswith("a{st}") and '"rx_ring_full"' in out and \
        '"xdp_redirected"' in out and '"rule0_hits"' in out
    # busctl as someone else than the owner (or root) may not release it.
    res = run(NOBODY + ["busctl", "--address=" + env.address, "call",
                        "org.cnet.Cnet1", lease, LEASE, "Release"],
              check=False)
    assert res.returncode != 0
    assert "belongs to" in res.stderr
    assert env.leases() == [lease]

    # Another client (root here) is refused the held queue, and told who
    # holds it. (busctl itself cannot lease: it cannot pass the UMEM's fd.)
    with pytest.raises(GLib.Error) as excinfo:
        env.acquire(0)
    assert dbus_error_name(excinfo) == "org.cnet.Cnet1.Error.Busy"
    assert "is leased to" in excinfo.value.message and \
        "uid 65534" in excinfo.value.message, excinfo.value.message
    proc.kill()
    proc.wait()
    env.wait_for(lambda: env.leases() == [], "the lease to go")

    # Then any queue is granted, and busctl shows the new lease.
    lease, sock, guard, info = env.acquire(0xFFFFFFFF)
    assert info["queue"] == 0
    out = env.busctl("get-property", "org.cnet.Cnet1", lease, LEASE, "Uid",
                     "Active").stdout
    assert out.splitlines() == ["u 0", "b false"]
    env.call(lease, LEASE, "Release")
    os.close(sock)
    os.close(guard)
    path = env.iface_path()
    env.wait_for(lambda: env.get(path, IFACE, "FreeQueues") == [0],
                 "queue 0 to be free", timeout=30)


@pytest.mark.parametrize("python", [False, True], ids=["c", "python"])
def test_unprivileged_echo(env, python):
    """nobody, without capabilities, echoes through a lease with a rule
    while the kernel keeps answering ping and ARP."""
    n = 200
    env.start_cnetd()
    if python:
        proc, line = env.client(None, n, "udp dport 4789", python=True)
    else:
        proc, line = env.client("echo", 0, n, "udp dport 4789")
    assert line.startswith("ready"), line + proc.stdout.read()
    assert env.xdp_attached()

    ping = env.spawn(["ip", "netns", "exec", env.ns_b, "ping", "-c", "5",
                      "-i", "0.2", "-W", "2", ADDR_A])
    if python:
        # The Python echo swaps MACs only: check it at layer 2.
        replies = l2_echo_check(env, n)
    else:
        replies = udp_echo_check(env, 4789, n)
    assert replies == n
    assert ping.wait(timeout=10) == 0, ping.stdout.read()

    res = result_of(proc)
    assert res["uid"] == 65534
    assert res["echoed"] == n and res["rx_packets"] == n, res
    assert res["xdp_redirected"] == n and res["n_rules"] == 1, res
    env.wait_for(lambda: env.leases() == [], "the lease to end with the client")
    env.wait_for(lambda: not env.xdp_attached(), "the program to go")


def l2_echo_check(env, count):
    """Sends COUNT raw UDP frames from B to A's MAC, port 4789, and expects
    each back with the MACs swapped."""
    script = f"""
import socket, struct
mac_a = bytes.fromhex("{env.mac_a}".replace(":", ""))
mac_b = bytes.fromhex("{env.mac_b}".replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("{env.veth_b}", 0))
s.setsockopt(263, 23, 1)  # PACKET_IGNORE_OUTGOING
s.settimeout(5)
def frame(i):
    payload = b"frame %06d" % i
    udp = struct.pack("!HHHH", 9000, 4789, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     socket.inet_aton("{ADDR_B}"), socket.inet_aton("{ADDR_A}"))
    return mac_a + mac_b + b"\\x08\\x00" + ip + udp
got = 0
for i in range({count}):
    f = frame(i)
    s.send(f)
    while True:
        data = s.recv(2048)
        if data[12:14] == b"\\x08\\x00" and data[23] == 17:
            break
    assert data == mac_b + mac_a + f[12:], data
    got += 1
print(got)
"""
    out = env.ns_run(env.ns_b, ["/usr/bin/python3", "-c", script]).stdout
    return int(out.strip())


def test_vanishing_client(env):
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "nogroup" }')
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    assert len(env.leases()) == 1 and env.xdp_attached()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    start = time.monotonic()
    # SIGKILL → the kernel closes its fds → pidfd and bus name → cnetd: a
    # generous bound for a busy machine; the latency is reported.
    env.wait_for(lambda: env.leases() == [] and not env.xdp_attached(),
                 "the lease and the program to go", timeout=30)
    print(f"\nlease ended {1000 * (time.monotonic() - start):.1f} ms after "
          "the client was killed")


def test_closed_guard_ends_lease(env):
    """A client that closes its guard but keeps its socket loses the lease
    (receiving stops) and the queue drains until the socket is closed too;
    nothing else of cnetd's watches (bus name, process) fires here, since
    the client stays on the bus and alive."""
    env.start_cnetd()
    lease, sock, guard, info = env.acquire(0)
    assert info["queue"] == 0 and info["bind-mode"] == "copy"
    env.call(lease, LEASE, "Activate")
    os.close(guard)
    env.wait_for(lambda: env.leases() == [], "the lease to end", timeout=30)
    path = env.iface_path()
    assert env.get(path, IFACE, "DrainingQueues") == [0]
    assert env.get(path, IFACE, "FreeQueues") == []
    with pytest.raises(GLib.Error) as excinfo:
        env.acquire(0)
    assert dbus_error_name(excinfo) == "org.cnet.Cnet1.Error.Busy"
    assert "draining" in excinfo.value.message
    os.close(sock)
    env.wait_for(lambda: env.get(path, IFACE, "FreeQueues") == [0],
                 "the queue to drain", timeout=30)
    assert env.get(path, IFACE, "DrainingQueues") == []
    lease, sock, guard, _ = env.acquire(0)
    env.call(lease, LEASE, "Release")
    os.close(sock)
    os.close(guard)
    with open(env.cnetd_log, encoding="utf-8") as f:
        assert "ends: its owner closed its guard" in f.read()


def test_bad_calls(env):
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "nogroup", "max-leases-per-user": 1 }')
    cases = [
        (("nosuch0", 0, {}), "NotFound", "nosuch0: no such interface"),
        (("lo", 0, {}), "PermissionDenied", "does not let it manage"),
        ((env.veth_a, 7, {}), "OutOfRange", "queue 7: the interface has 1"),
        ((env.veth_a, 0, {"bogus": GLib.Variant("s", "x")}), "InvalidArgument",
         'option "bogus" is unknown'),
        ((env.veth_a, 0, {"rules": GLib.Variant("s", "udp")}),
         "InvalidArgument", 'option "rules" must be of type as, not s'),
        ((env.veth_a, 0, {"rules": GLib.Variant("as", ["udp dport 0"])}),
         "InvalidArgument", "port 0 is out of range"),
        ((env.veth_a, 0, {"rules": GLib.Variant("as", ["udp"] * 17)}),
         "OutOfRange", "17 steering rules are too many"),
        ((env.veth_a, 0, {"xdp-mode": GLib.Variant("s", "turbo")}),
         "InvalidArgument", '"turbo" is not one of auto, native, generic'),
        ((env.veth_a, 0, {"rx-size": GLib.Variant("u", 100)}),
         "InvalidArgument", '"rx-size": 100 is not a power of two'),
        ((env.veth_a, 0, {"frame-size": GLib.Variant("u", 1024)}),
         "InvalidArgument", '"frame-size": 1024 is not 2048 or 4096'),
        ((env.veth_a, 0, {"headroom": GLib.Variant("u", 1900)}),
         "InvalidArgument", "leave no room in a 2048-byte frame"),
    ]
    for (iface, queue, opts), name, message in cases:
        with pytest.raises(GLib.Error) as excinfo:
            env.acquire(queue, opts, iface=iface)
        assert dbus_error_name(excinfo) == "org.cnet.Cnet1.Error." + name, \
            excinfo.value.message
        assert message in excinfo.value.message, excinfo.value.message

    # Wrong types are refused by the bus layer; huge arrays too.
    res = env.busctl("call", "org.cnet.Cnet1", "/org/cnet/Cnet1", MANAGER,
                     "AcquireQueue", "s", "x", check=False)
    assert res.returncode != 0
    assert "does not match expected type" in res.stderr, res.stderr
    with pytest.raises(GLib.Error) as excinfo:
        env.acquire(0, {"rules": GLib.Variant("as", ["udp dport 1"] * 100000)})
    assert dbus_error_name(excinfo) == "org.cnet.Cnet1.Error.OutOfRange"

    # One lease per user: a second one is refused while the first is held,
    # on any connection of that user.
    lease, sock, guard, _ = env.acquire(0)
    other = Gio.DBusConnection.new_for_address_sync(
        env.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    for conn in (env.conn, other):
        with pytest.raises(GLib.Error) as excinfo:
            env.acquire(0, conn=conn)
        assert dbus_error_name(excinfo) == \
            "org.cnet.Cnet1.Error.LimitExceeded"
        assert "uid 0 holds 1 leases" in excinfo.value.message
    other.close_sync(None)

    # Activating twice is a clear error; a foreign fd sent along is ignored.
    env.call(lease, LEASE, "Activate")
    r, w = os.pipe()
    fds = Gio.UnixFDList.new_from_array([r])
    with pytest.raises(GLib.Error) as excinfo:
        env.call(lease, LEASE, "Activate", fds=fds)
    assert dbus_error_name(excinfo) == "org.cnet.Cnet1.Error.InvalidState"
    assert "is active already" in excinfo.value.message
    os.close(w)
    env.call(lease, LEASE, "Release")
    for fd in (sock, guard):
        os.close(fd)
    assert env.leases() == []
    assert env.name_has_owner("org.cnet.Cnet1")


def test_others_lease(env):
    """Another client can neither release, activate nor re-rule a lease it
    does not own; a queue that is leased is busy for everyone else."""
    env.start_cnetd()
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    (lease,) = env.leases()
    res = run(NOBODY + ["busctl", "--address=" + env.address, "call",
                        "org.cnet.Cnet1", lease, LEASE, "Release"],
              check=False)
    assert res.returncode != 0
    assert "belongs to" in res.stderr and "only its owner or root" in \
        res.stderr, res.stderr
    # Root may release it (cnetctl release); not activate or re-rule it.
    for method, sig, args in (("Activate", None, None),
                              ("SetRules", "(as)", (["udp dport 1"],))):
        with pytest.raises(GLib.Error) as excinfo:
            env.call(lease, LEASE, method, args, sig)
        assert dbus_error_name(excinfo) == \
            "org.cnet.Cnet1.Error.PermissionDenied"
        assert "belongs to" in excinfo.value.message
    with pytest.raises(GLib.Error) as excinfo:
        env.acquire(0)
    assert dbus_error_name(excinfo) == "org.cnet.Cnet1.Error.Busy"
    assert "is leased to" in excinfo.value.message
    assert env.leases() == [lease]
    assert env.get(lease, LEASE, "Rules") == []
    env.call(lease, LEASE, "Release")
    env.wait_for(lambda: env.leases() == [], "root's release")


def test_group_authorization(env):
    """Group membership comes from the caller's own credentials (the bus's
    UnixGroupIDs), never from /etc/group: nobody running with group
    "users" (100) may lease; the same user after dropping it may not, and
    neither may nobody in its own groups."""
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "users" }')
    with_users = ["setpriv", "--reuid=nobody", "--regid=nogroup",
                  "--groups=100", "--inh-caps=-all", "--bounding-set=-all",
                  "--no-new-privs"]
    dropped = ["setpriv", "--reuid=nobody", "--regid=nogroup",
               "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
               "--no-new-privs"]
    lessee = env.lessee(user=with_users)
    res = lessee("open", env.veth_a, 0)
    assert res.get("queue") == 0, res
    lessee("drop")
    env.wait_for(lambda: env.leases() == [], "the lease to go")

    lessee = env.lessee(user=dropped)
    res = lessee("open", env.veth_a, 0)
    assert res["code"] == 5, res  # CNET_ERROR_PERMISSION_DENIED
    assert 'is not in group "users"' in res["error"], res
    assert env.leases() == []
    env.wait_for(lambda: not env.xdp_attached(), "the program to go")


def test_polkit_authorization(env):
    """python3-dbusmock's polkitd template plays polkit on the bus."""
    mock = env.spawn(["/usr/bin/python3", "-m", "dbusmock", "--template",
                      "polkitd", "--system"],
                     env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=env.address))
    env.wait_for(lambda: env.name_has_owner("org.freedesktop.PolicyKit1"),
                 "the polkit mock")
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "polkit" }')

    proc, line = env.client("hold", 0)
    res = json.loads(line)
    assert "polkit does not authorize org.cnet.Cnet1.acquire-queue" in \
        res["error"], res
    assert res["code"] == 5  # CNET_ERROR_PERMISSION_DENIED

    env.conn.call_sync("org.freedesktop.PolicyKit1",
                       "/org/freedesktop/PolicyKit1/Authority",
                       "org.freedesktop.DBus.Mock", "SetAllowed",
                       GLib.Variant("(as)", (["org.cnet.Cnet1.acquire-queue"],)),
                       None, Gio.DBusCallFlags.NONE, -1, None)
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    assert len(env.leases()) == 1


def test_large_mempool_as_nobody(env):
    """nobody's RLIMIT_MEMLOCK is 8 MiB, but cnetd pins the UMEM: a 16 MiB
    mempool leases and echoes; cnetd's own per-user limit is what stops a
    larger one, with a message that names it."""
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "nogroup", "max-umem-bytes-per-user": 20971520 }')
    proc, line = env.client("echo", 0, 50, "udp dport 4789",
                            env={"FRAMES": "8192"})  # 16 MiB
    assert line.startswith("ready"), line + proc.stdout.read()
    assert udp_echo_check(env, 4789, 50) == 50
    assert result_of(proc)["echoed"] == 50
    env.wait_for(lambda: env.leases() == [], "the lease to go")

    proc, line = env.client("hold", 0, env={"FRAMES": "16384"})  # 32 MiB
    res = json.loads(line)
    assert res["code"] == 14, res  # CNET_ERROR_LIMIT_EXCEEDED
    assert "max-umem-bytes-per-user (20971520 bytes)" in res["error"], res
    assert env.leases() == []


def test_restart_leaves_nothing(env):
    """cnetd killed with SIGKILL leaves no program (its bpf_link went with
    it); the old client learns at once that its lease ended; the next cnetd
    finds the queue occupied while the old socket lives, and free once it
    is closed; a new client then leases it and echoes."""
    env.start_cnetd()
    old = env.lessee()
    res = old("open", env.veth_a, 0, "udp dport 4789")
    assert res.get("queue") == 0, res
    assert env.xdp_attached()
    env.cnetd.send_signal(signal.SIGKILL)
    env.cnetd.wait()
    env.cnetd = None
    env.wait_for(lambda: not env.xdp_attached(), "the program to go",
                 timeout=30)
    res = old("receive")
    assert res["code"] == 15 and res["ended"] == [15], res  # LEASE_ENDED
    assert "lease from cnetd has ended" in res["error"]
    assert old("wait", 10)["code"] == 15
    assert old("send", "00" * 60)["code"] == 15

    env.start_cnetd()
    assert not env.xdp_attached() and env.leases() == []
    path = env.iface_path()
    assert env.get(path, IFACE, "FreeQueues") == []
    proc, line = env.client("hold", 0)
    res = json.loads(line)
    assert res["code"] == 4, res  # CNET_ERROR_BUSY
    assert "another AF_XDP socket is bound" in res["error"], res
    old("drop")
    env.wait_for(lambda: env.get(path, IFACE, "FreeQueues") == [0],
                 "the old socket to go", timeout=30)
    proc, line = env.client("echo", 0, 20, "udp dport 4789")
    assert line.startswith("ready"), line
    assert udp_echo_check(env, 4789, 20) == 20
    assert result_of(proc)["echoed"] == 20


def test_direct_user_left_alone(env):
    """A program that uses a managed interface directly (its own XDP
    program and socket, through libcnet) keeps running when cnetd starts
    and stops; a lease of its queue is refused with a clear error."""
    script = f"""
import gi, sys
gi.require_version("Cnet", "1.0")
from gi.repository import Cnet
pool = Cnet.Mempool.new(1024, 2048, 0)
port = Cnet.Port.new("{env.veth_a}", 0, pool)
print(port.get_xdp_program().get_id(), flush=True)
sys.stdin.read()
"""
    direct = subprocess.Popen(
        ["ip", "netns", "exec", env.ns_a, "/usr/bin/python3", "-c", script],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(direct)
    prog_id = int(direct.stdout.readline())

    def attached_id():
        out = run(["ip", "-n", env.ns_a, "-j", "-d", "link", "show",
                   env.veth_a]).stdout
        return json.loads(out)[0].get("xdp", {}).get("prog", {}).get("id")

    assert attached_id() == prog_id
    env.start_cnetd()
    assert attached_id() == prog_id
    with pytest.raises(GLib.Error) as excinfo:
        env.acquire(0)
    assert dbus_error_name(excinfo) == "org.cnet.Cnet1.Error.Busy"
    assert "another AF_XDP socket is bound to the queue" in \
        excinfo.value.message, excinfo.value.message
    assert env.stop_cnetd() == 0
    assert attached_id() == prog_id
    direct.stdin.close()
    assert direct.wait(timeout=30) == 0
    env.wait_for(lambda: not env.xdp_attached(), "the direct program to go")


def test_interface_vanishes(env):
    env.start_cnetd()
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    env.ns_run(env.ns_a, ["ip", "link", "del", env.veth_a])
    env.wait_for(lambda: env.leases() == [], "the lease to end")
    paths = env.manager("ListInterfaces")[0]
    names = [env.get(p, IFACE, "Name") for p in paths]
    assert env.veth_a not in names
    assert env.name_has_owner("org.cnet.Cnet1")
    # Put a veth back so the teardown finds an interface to check.
    env.ns_run(env.ns_a, ["ip", "link", "add", env.veth_a, "type", "veth",
                          "peer", "name", env.veth_a + "x"])


def test_sigterm_releases_everything(env):
    env.start_cnetd()
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    assert env.stop_cnetd() == 0
    assert not env.xdp_attached()


def test_client_with_two_leases_leaves_the_bus(env):
    """A client holding two leases leaves the bus (its process lives on and
    keeps its sockets and guards): both its leases end, and only its; their
    queues come free once the sockets are closed. Another
    client's lease on the same interface stays."""
    env.ns_run(env.ns_a, ["ip", "link", "del", env.veth_a])
    env.ns_run(env.ns_a, ["ip", "link", "add", env.veth_a, "numrxqueues", "3",
                          "numtxqueues", "3", "type", "veth", "peer", "name",
                          env.veth_b, "numrxqueues", "3", "numtxqueues", "3",
                          "netns", env.ns_b])
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "nogroup", "max-leases-per-user": 3 }')
    path = env.iface_path()
    leaving = Gio.DBusConnection.new_for_address_sync(
        env.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    a = env.acquire(0, conn=leaving)
    b = env.acquire(1, conn=leaving)
    stays = env.acquire(2)
    for lease, _, _, _ in (a, b):
        leaving.call_sync("org.cnet.Cnet1", lease, LEASE, "Activate", None,
                          None, Gio.DBusCallFlags.NONE, 10000, None)
    env.call(stays[0], LEASE, "Activate")
    assert sorted(env.leases()) == sorted([a[0], b[0], stays[0]])
    assert env.get(path, IFACE, "FreeQueues") == []

    leaving.close_sync(None)
    env.wait_for(lambda: env.leases() == [stays[0]],
                 "the leaving client's two leases to end", timeout=30)
    # Their objects are gone from the bus, not only from the list.
    for lease in (a[0], b[0]):
        with pytest.raises(GLib.Error) as excinfo:
            env.get(lease, LEASE, "Queue")
        assert "Object does not exist" in excinfo.value.message, \
            excinfo.value.message
    assert env.get(stays[0], LEASE, "Active")
    # (Whether they drain while the sockets stay open is the kernel's word:
    # its netdev family reports no AF_XDP socket on a multi-queue veth's
    # queues. test_closed_guard_ends_lease checks draining.)
    for _, sock, guard, _ in (a, b):
        os.close(sock)
        os.close(guard)
    env.wait_for(lambda: sorted(env.get(path, IFACE, "FreeQueues")) == [0, 1],
                 "both queues to drain", timeout=30)
    assert env.get(path, IFACE, "DrainingQueues") == []
    with open(env.cnetd_log, encoding="utf-8") as f:
        log = f.read()
    assert log.count("ends: its owner left the bus") == 2, log
    # The queues can be leased again once the kernel has let go of the
    # closed sockets (asynchronously: bind says Busy until then).
    got = []

    def acquired():
        try:
            got.append(env.acquire(0))
            return True
        except GLib.Error as e:
            assert dbus_error_name_of(e) == "org.cnet.Cnet1.Error.Busy", e
            return False
    env.wait_for(acquired, "queue 0 to be leased again", timeout=30)
    again = got[0]
    for lease, sock, guard, _ in (again, stays):
        env.call(lease, LEASE, "Release")
        os.close(sock)
        os.close(guard)
