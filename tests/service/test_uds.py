# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnetd as a server of the AF_XDP device plugin's socket protocol: the
real cnetd, libcnet's client and a raw client that speaks the protocol as
CNDP does (raw-uds-client.py), unprivileged, on a veth link between two
namespaces (conftest.py)."""
import ctypes
import json
import os
import signal
import subprocess

import pytest
from gi.repository import Gio, GLib

from conftest import HERE, NOBODY, run

PYTHON_TESTS = os.path.join(HERE, "..", "python")
RAW_CLIENT = os.path.join(HERE, "raw-uds-client.py")
UDS_ECHO = os.path.join(PYTHON_TESTS, "uds-echo.py")
LEASE = "org.cnet.Cnet1.Lease"
NET_RAW = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
           "--inh-caps=-all,+net_raw", "--ambient-caps=+net_raw",
           "--bounding-set=-all,+net_raw"]
# uid 1 (daemon), not in group nogroup.
OTHER_USER = ["setpriv", "--reuid=daemon", "--regid=daemon", "--clear-groups",
              "--inh-caps=-all,+net_raw", "--ambient-caps=+net_raw",
              "--bounding-set=-all,+net_raw"]

libbpf = ctypes.CDLL("libbpf.so.1", use_errno=True)


def uds_config(env, mode="0666", extra=""):
    env.sock = os.path.join(env.dir, "afxdp_dp", env.veth_a, "afxdp.sock")
    return ('{ "interfaces": [], "authorization": "group", '
            '"group": "nogroup", ' + extra +
            '"uds": [ { "interface": "' + env.veth_a + '", "path": "' +
            env.sock + '", "mode": "' + mode + '" } ] }')


class Raw:
    """raw-uds-client.py in namespace A: one JSON line per step."""

    def __init__(self, env, user=None, busy=False):
        self.proc = env.spawn(["ip", "netns", "exec", env.ns_a] +
                              (user or NET_RAW) +
                              ["/usr/bin/python3", RAW_CLIENT, env.sock,
                               env.veth_a] + (["busy"] if busy else []),
                              stdin=subprocess.PIPE)

    def next(self):
        line = self.proc.stdout.readline()
        assert line.startswith("{"), line + self.proc.stdout.read()
        return json.loads(line)

    def until_ready(self):
        steps = []
        while True:
            step = self.next()
            steps.append(step)
            if step.get("step") == "ready" or self.proc.poll() is not None:
                return steps
            if "error" in step or step.get("reply") not in (
                    None, "/host_ok", "/fd_ack", "/config_busy_poll_ack"):
                return steps

    def tell(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()


def send_frames(env, frames):
    script = f"""
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("{env.veth_b}", 0))
for f in {[f.hex() for f in frames]!r}:
    s.send(bytes.fromhex(f))
"""
    env.ns_run(env.ns_b, ["/usr/bin/python3", "-c", script])


def frames_for(env, n):
    mac_a = bytes.fromhex(env.mac_a.replace(":", ""))
    mac_b = bytes.fromhex(env.mac_b.replace(":", ""))
    return [mac_a + mac_b + b"\x88\xb5" + b"uds frame %04d " % i +
            bytes(range(i, i + 40)) for i in range(n)]


def lease_props(env, path):
    return {k: env.get(path, LEASE, k)
            for k in ("Kind", "Interface", "Queue", "Owner", "Uid", "Pid")}


def map_exists(map_id):
    fd = libbpf.bpf_map_get_fd_by_id(ctypes.c_uint32(map_id))
    if fd >= 0:
        os.close(fd)
        return True
    return False


def test_raw_client(env):
    """A CNDP-like client, byte by byte: map, busy poll, frames through
    the map byte-exact, a uds lease on D-Bus while it lasts, /fin_ack, and
    nothing left after."""
    env.start_cnetd(uds_config(env))
    assert oct(os.stat(env.sock).st_mode & 0o777) == "0o666"
    raw = Raw(env, busy=True)
    steps = raw.until_ready()
    assert steps[0] == {"step": "/connect", "reply": "/host_ok"}, steps
    assert steps[1]["reply"] == "/fd_ack" and steps[1]["fds"] == 1, steps
    assert steps[2] == {"step": "/config_busy_poll",
                        "reply": "/config_busy_poll_ack"}, steps
    assert steps[3] == {"step": "ready"}
    assert env.xdp_attached()

    leases = env.leases()
    assert len(leases) == 1
    props = lease_props(env, leases[0])
    assert props == {"Kind": "uds", "Interface": env.veth_a,
                     "Queue": 0xffffffff, "Owner": "uds:" + env.sock,
                     "Uid": 65534, "Pid": raw.proc.pid}, props
    # Such a lease ends with its connection, not over D-Bus.
    with pytest.raises(GLib.Error) as excinfo:
        env.call(leases[0], LEASE, "Release")
    assert Gio.DBusError.get_remote_error(excinfo.value) == \
        "org.cnet.Cnet1.Error.NotSupported"
    # The interface is not leased over D-Bus meanwhile, nor ever.
    with pytest.raises(GLib.Error) as excinfo:
        env.acquire(0)
    assert "device plugin's socket" in excinfo.value.message

    frames = frames_for(env, 20)
    send_frames(env, frames)
    got = [bytes.fromhex(raw.next()["frame"]) for _ in frames]
    assert got == frames

    raw.tell("fin")
    assert raw.next() == {"step": "/fin", "reply": "/fin_ack"}
    assert raw.proc.wait(timeout=30) == 0
    env.wait_for(lambda: env.leases() == [] and not env.xdp_attached(),
                 "the uds lease and the program to go")


def test_libcnet_client(env):
    """libcnet's own client (a port with a uds_path), as nobody with
    CAP_NET_RAW only, echoes through cnetd's map."""
    env.start_cnetd(uds_config(env))
    n = 30
    proc = env.spawn(["ip", "netns", "exec", env.ns_a] + NET_RAW +
                     ["/usr/bin/python3", UDS_ECHO, env.sock, env.veth_a, "0",
                      str(n)], stdin=subprocess.PIPE)
    first = json.loads(proc.stdout.readline())
    assert first == {"ready": True, "uid": 65534, "program": False}, first
    leases = env.leases()
    assert [env.get(p, LEASE, "Kind") for p in leases] == ["uds"]

    frames = frames_for(env, n)
    script = f"""
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("{env.veth_b}", 0))
s.setsockopt(263, 23, 1)  # PACKET_IGNORE_OUTGOING
s.settimeout(5)
frames = [bytes.fromhex(f) for f in {[f.hex() for f in frames]!r}]
for f in frames:
    s.send(f)
want = {{f[6:12] + f[0:6] + f[12:] for f in frames}}
got = set()
while len(got) < len(want):
    data = s.recv(2048)
    if data[12:14] == b"\\x88\\xb5":
        got.add(data)
assert got == want
print(len(got))
"""
    out = env.ns_run(env.ns_b, ["/usr/bin/python3", "-c", script]).stdout
    assert int(out) == n
    assert json.loads(proc.stdout.readline()) == {"echoed": n}
    proc.stdin.write("\n")
    proc.stdin.flush()
    assert proc.wait(timeout=30) == 0
    env.wait_for(lambda: env.leases() == [] and not env.xdp_attached(),
                 "the uds lease and the program to go")
    assert "it said /fin" in open(env.cnetd_log, encoding="utf-8").read()


def test_client_dies_without_fin(env):
    """SIGKILL after frames arrived through the map: the lease, the map
    (and so every entry in it) and the program go."""
    env.start_cnetd(uds_config(env))
    raw = Raw(env)
    steps = raw.until_ready()
    assert steps[-1] == {"step": "ready"}, steps
    map_id = steps[1]["map_id"]
    assert map_id and map_exists(map_id)
    frames = frames_for(env, 3)
    send_frames(env, frames)
    assert [bytes.fromhex(raw.next()["frame"]) for _ in frames] == frames

    raw.proc.send_signal(signal.SIGKILL)
    raw.proc.wait()
    env.wait_for(lambda: env.leases() == [] and not env.xdp_attached(),
                 "the uds lease and the program to go", timeout=30)
    # The map goes with the program once the kernel has let go of it.
    env.wait_for(lambda: not map_exists(map_id), f"XSKMAP {map_id} to go",
                 timeout=30)
    assert "the connection closed" in open(env.cnetd_log,
                                           encoding="utf-8").read()


def test_second_client_refused(env):
    """By default one client process holds the interface's map: a second
    one gets /fd_nak (raw) or an error naming the holder (libcnet), and
    gets the map once the first is gone."""
    env.start_cnetd(uds_config(env))
    first = Raw(env)
    assert first.until_ready()[-1] == {"step": "ready"}

    second = Raw(env)
    steps = second.until_ready()
    assert steps[0]["reply"] == "/host_ok"
    assert steps[1]["reply"].startswith("/fd_nak,")
    assert f"held by pid {first.proc.pid}" in steps[1]["reply"], steps
    assert second.proc.wait(timeout=30) == 1

    proc = env.spawn(["ip", "netns", "exec", env.ns_a] + NET_RAW +
                     ["/usr/bin/python3", UDS_ECHO, env.sock, env.veth_a, "0",
                      "1"], stdin=subprocess.PIPE)
    res = json.loads(proc.stdout.readline())
    assert res["code"] == 5, res  # CNET_ERROR_PERMISSION_DENIED
    assert env.sock in res["error"] and "/fd_nak" in res["error"], res
    assert "held by pid" in res["error"], res
    assert len(env.leases()) == 1

    first.tell("fin")
    assert first.next()["reply"] == "/fin_ack"
    env.wait_for(lambda: env.leases() == [], "the first lease to go")
    third = Raw(env)
    assert third.until_ready()[-1] == {"step": "ready"}
    assert len(env.leases()) == 1


def test_wrong_user_refused(env):
    """Authorization as for D-Bus leases, by SO_PEERCRED: uid 1 (daemon),
    not in group nogroup, gets /host_nak at once; with the socket's
    default mode (0600) it cannot even connect."""
    env.start_cnetd(uds_config(env))
    raw = Raw(env, user=OTHER_USER)
    steps = raw.until_ready()
    assert steps == [{"step": "/connect", "reply": "/host_nak"}], steps
    assert env.leases() == [] and not env.xdp_attached()
    log = open(env.cnetd_log, encoding="utf-8").read()
    assert 'is not in group "nogroup"' in log
    env.stop_cnetd()

    env.start_cnetd(uds_config(env, mode="0600"))
    assert oct(os.stat(env.sock).st_mode & 0o777) == "0o600"
    proc = env.spawn(["ip", "netns", "exec", env.ns_a] + NET_RAW +
                     ["/usr/bin/python3", UDS_ECHO, env.sock, env.veth_a, "0",
                      "1"], stdin=subprocess.PIPE)
    res = json.loads(proc.stdout.readline())
    assert res["code"] == 5, res  # CNET_ERROR_PERMISSION_DENIED
    assert "the socket's mode does not let this user connect" in \
        res["error"], res


def test_uds_lease_counts_in_user_limit(env):
    """A uds lease is one of its user's max-leases-per-user: with a limit
    of 1, nobody holding veth_a's map may not lease a queue of another
    interface over D-Bus."""
    other_a, other_b = env.veth_a[:-1] + "x", env.veth_a[:-1] + "y"
    run(["ip", "-n", env.ns_a, "link", "add", other_a, "type", "veth", "peer",
         "name", other_b])
    run(["ip", "-n", env.ns_a, "link", "set", other_a, "up"])
    run(["ip", "-n", env.ns_a, "link", "set", other_b, "up"])
    env.start_cnetd(uds_config(env, extra='"max-leases-per-user": 1, ')
                    .replace('"interfaces": []',
                             '"interfaces": ["' + other_a + '"]'))
    raw = Raw(env)
    assert raw.until_ready()[-1] == {"step": "ready"}
    lessee = env.lessee(user=NOBODY)
    res = lessee("open", other_a, 0)
    assert res["code"] == 14, res  # CNET_ERROR_LIMIT_EXCEEDED
    assert "max-leases-per-user" in res["error"], res
    raw.tell("fin")
    assert raw.next()["reply"] == "/fin_ack"
    env.wait_for(lambda: env.leases() == [], "the uds lease to go")
    res = lessee("open", other_a, 0)
    assert res.get("queue") == 0, res
    lessee("drop")
    env.wait_for(lambda: env.leases() == [], "the D-Bus lease to go")


def test_interface_vanishes(env):
    """The interface goes while a client holds its map: the connection
    closes and the uds lease ends."""
    env.start_cnetd(uds_config(env))
    raw = Raw(env)
    assert raw.until_ready()[-1] == {"step": "ready"}
    assert len(env.leases()) == 1
    env.ns_run(env.ns_a, ["ip", "link", "del", env.veth_a])
    env.wait_for(lambda: env.leases() == [], "the uds lease to end")
    assert "the interface is gone" in open(env.cnetd_log,
                                           encoding="utf-8").read()
    assert env.name_has_owner("org.cnet.Cnet1")
    # Put a veth back so the teardown finds an interface to check.
    env.ns_run(env.ns_a, ["ip", "link", "add", env.veth_a, "type", "veth",
                          "peer", "name", env.veth_a + "x"])


def test_polkit_authorization(env):
    """With polkit, /connect is answered at once (/host_ok) and polkit's
    answer for the peer process is given at /xsk_map_fd."""
    mock = env.spawn(["/usr/bin/python3", "-m", "dbusmock", "--template",
                      "polkitd", "--system"],
                     env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=env.address))
    env.wait_for(lambda: env.name_has_owner("org.freedesktop.PolicyKit1"),
                 "the polkit mock")
    env.start_cnetd(uds_config(env).replace(
        '"authorization": "group", "group": "nogroup", ',
        '"authorization": "polkit", '))
    raw = Raw(env)
    steps = raw.until_ready()
    assert steps[0] == {"step": "/connect", "reply": "/host_ok"}, steps
    assert steps[1]["reply"] == "/fd_nak,not authorized", steps
    assert env.leases() == []
    log = open(env.cnetd_log, encoding="utf-8").read()
    assert "polkit does not authorize org.cnet.Cnet1.acquire-queue" in log

    env.conn.call_sync("org.freedesktop.PolicyKit1",
                       "/org/freedesktop/PolicyKit1/Authority",
                       "org.freedesktop.DBus.Mock", "SetAllowed",
                       GLib.Variant("(as)", (["org.cnet.Cnet1.acquire-queue"],)),
                       None, Gio.DBusCallFlags.NONE, -1, None)
    raw = Raw(env)
    assert raw.until_ready()[-1] == {"step": "ready"}
    assert len(env.leases()) == 1
    assert mock.poll() is None
