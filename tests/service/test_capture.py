# SPDX-License-Identifier: LGPL-2.1-or-later
"""Capture (cnetctl capture, Manager.StartCapture) against the real cnetd:
known traffic between two namespaces, the pcap file read back with tshark,
the kernel still getting every packet; authorization; and what a client can
do with the ring buffer fd it receives, tried as nobody."""
import json
import os
import subprocess

import pytest
from gi.repository import Gio, GLib

from conftest import ADDR_A, ADDR_B, NOBODY, run  # noqa: E402

CNETCTL = os.environ.get("CNETCTL", "cnetctl")
HERE = os.path.dirname(os.path.abspath(__file__))
ATTACKER = os.path.join(HERE, "capture-attacker.py")
PORT = 40001
OTHER = 40002


def send_known(env, port, n, tag=b"cnet-capture"):
    """From B, N datagrams of known content to A:PORT; returns them."""
    payloads = [tag + b" %04d " % i + bytes(range(i % 50)) for i in range(n)]
    script = f"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("{ADDR_B}", 0))
for p in {payloads!r}:
    s.sendto(p, ("{ADDR_A}", {port}))
"""
    env.ns_run(env.ns_b, ["/usr/bin/python3", "-c", script])
    return payloads


def receiver(env, port, n):
    """A UDP socket in A on PORT that counts datagrams until it has N or
    none came for 10 s; prints the count."""
    script = f"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("{ADDR_A}", {port}))
print("bound", flush=True)
s.settimeout(10)
got = []
try:
    while len(got) < {n}:
        got.append(s.recv(4096).hex())
except socket.timeout:
    pass
print(len(got), flush=True)
"""
    p = env.spawn(["ip", "netns", "exec", env.ns_a, "/usr/bin/python3", "-c",
                   script])
    assert p.stdout.readline().strip() == "bound"
    return p


def capture(env, *args, user=None):
    cmd = ["ip", "netns", "exec", env.ns_a] + (user or []) + \
        [CNETCTL, "--address", env.address, "--json", "capture"] + \
        [str(a) for a in args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def captures(env):
    """The capture leases, from the object manager."""
    objs = env.call("/org/cnet/Cnet1", "org.freedesktop.DBus.ObjectManager",
                    "GetManagedObjects")[0]
    return sorted(path for path, ifaces in objs.items()
                  if ifaces.get("org.cnet.Cnet1.Lease", {}).get("Kind") ==
                  "capture")


def wait_capture_lease(env, n=1):
    env.wait_for(lambda: len(captures(env)) >= n, "the capture lease",
                 timeout=30)


def tshark(path, *fields):
    out = run(["tshark", "-r", path, "-T", "fields"] +
              [a for f in fields for a in ("-e", f)]).stdout
    return [l.split("\t") for l in out.splitlines()]


def polkit_mock(env, allowed=()):
    env.spawn(["/usr/bin/python3", "-m", "dbusmock", "--template", "polkitd",
               "--system"],
              env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=env.address))
    env.wait_for(lambda: env.name_has_owner("org.freedesktop.PolicyKit1"),
                 "the polkit mock")
    if allowed:
        env.conn.call_sync("org.freedesktop.PolicyKit1",
                           "/org/freedesktop/PolicyKit1/Authority",
                           "org.freedesktop.DBus.Mock", "SetAllowed",
                           GLib.Variant("(as)", (list(allowed),)),
                           None, Gio.DBusCallFlags.NONE, -1, None)


def test_capture_non_destructive(env):
    """Known datagrams captured with a rule, read back with tshark; the
    kernel got every one and kept answering ping meanwhile."""
    env.start_cnetd()
    n = 40
    pcap = os.path.join(env.dir, "cap.pcap")
    recv = receiver(env, PORT, n)
    cap = capture(env, env.veth_a, "-r", f"udp dport {PORT}", "-c", n,
                  "-w", pcap)
    wait_capture_lease(env)
    # A lease of its own kind, listed with the others.
    (path,) = captures(env)
    assert env.leases() == [path]
    res = run([CNETCTL, "--address", env.address, "--json", "leases"])
    (lease,) = json.loads(res.stdout)
    assert lease["kind"] == "capture" and lease["uid"] == 0
    assert lease["rules"] == [f"udp dport {PORT}"]
    assert lease["queue"] == 0xFFFFFFFF and lease["active"] is True
    assert lease["stats"] == {"captured": 0, "lost": 0}
    # Not matching: to another port, and ping.
    send_known(env, OTHER, 10, b"not-this")
    ping = env.spawn(["ip", "netns", "exec", env.ns_b, "ping", "-c", "3",
                      "-i", "0.2", "-W", "2", ADDR_A])
    payloads = send_known(env, PORT, n)
    out, err = cap.communicate(timeout=60)
    assert cap.returncode == 0, err
    summary = json.loads(out)
    assert summary["packets"] == n and summary["lost"] == 0, summary
    assert ping.wait(timeout=20) == 0, ping.stdout.read()
    assert ping.stdout.read().count("bytes from " + ADDR_A) == 3
    # The kernel received every datagram the capture saw.
    assert int(recv.stdout.read().strip()) == n

    rows = tshark(pcap, "frame.time_epoch", "frame.len", "frame.cap_len",
                  "udp.dstport", "data.data", "ip.src", "ip.dst")
    assert len(rows) == n, rows
    times = [float(r[0]) for r in rows]
    assert times == sorted(times) and times[-1] > times[0]
    for r, p in zip(rows, payloads):
        assert int(r[1]) == 14 + 20 + 8 + len(p) == int(r[2])
        assert r[3] == str(PORT) and r[5] == ADDR_B and r[6] == ADDR_A
        assert bytes.fromhex(r[4]) == p
    assert summary["bytes"] == sum(int(r[2]) for r in rows)
    # Nanosecond precision in the file header (magic a1b23c4d).
    with open(pcap, "rb") as f:
        assert f.read(4) == bytes.fromhex("4d3cb2a1")
    env.wait_for(lambda: captures(env) == [], "the capture to end")
    env.wait_for(lambda: not env.xdp_attached(), "the program to go")


def test_capture_snaplen_and_stdout(env):
    env.start_cnetd()
    cmd = ["ip", "netns", "exec", env.ns_a, CNETCTL, "--address", env.address,
           "capture", env.veth_a, "-r", f"udp dport {PORT}", "-c", "5",
           "-s", "42", "-w", "-"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    wait_capture_lease(env)
    send_known(env, PORT, 5)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert b"5 packets (210 bytes) captured" in err, err
    path = os.path.join(env.dir, "stdout.pcap")
    with open(path, "wb") as f:
        f.write(out)
    rows = tshark(path, "frame.len", "frame.cap_len")
    assert len(rows) == 5 and all(r[1] == "42" and int(r[0]) > 42
                                  for r in rows), rows


def test_capture_steal(env):
    """--steal takes the packets off the kernel's path, and says so."""
    env.start_cnetd()
    pcap = os.path.join(env.dir, "steal.pcap")
    recv = receiver(env, PORT, 10)
    cap = capture(env, env.veth_a, "--steal", "-r", f"udp dport {PORT}",
                  "-c", 10, "-w", pcap)
    env.wait_for(lambda: len(env.leases()) == 1 and env.get(
        env.leases()[0], "org.cnet.Cnet1.Lease", "Active"), "the lease",
        timeout=30)
    payloads = send_known(env, PORT, 10)
    out, err = cap.communicate(timeout=60)
    assert cap.returncode == 0, err
    assert "do NOT reach the kernel" in err
    assert json.loads(out)["packets"] == 10
    rows = tshark(pcap, "data.data")
    assert [bytes.fromhex(r[0]) for r in rows] == payloads
    assert int(recv.stdout.read().strip()) == 0


def test_capture_authorization(env):
    """A group that may lease queues may not capture: nobody is refused
    until polkit allows org.cnet.Cnet1.capture."""
    polkit_mock(env)
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "group", '
                    '"group": "nogroup" }')
    pcap = os.path.join(env.dir, "x.pcap")
    cap = capture(env, env.veth_a, "-c", 1, "-w", pcap, user=NOBODY)
    out, err = cap.communicate(timeout=60)
    assert cap.returncode == 1
    assert f"{env.veth_a}: cannot capture: polkit does not authorize " \
        "org.cnet.Cnet1.capture" in err, err
    assert captures(env) == [] and not os.path.exists(pcap)

    # nobody's queue lease is still fine (the group allows it).
    proc, line = env.client("hold", 0)
    assert line.startswith("ready"), line
    proc.kill()
    proc.wait()
    env.wait_for(lambda: env.leases() == [], "the lease to go")


def test_ring_fd_as_attacker(env):
    """nobody, allowed to capture, tries what the ring buffer fd might let
    it do: write the producer's pages, write or read it with bpf(), load a
    program that writes into it, keep it after the capture ends and see a
    later capture's packets, upset the kernel with a wild consumer
    position."""
    polkit_mock(env, ["org.cnet.Cnet1.capture"])
    env.start_cnetd('{ "interfaces": ["cs*"], "authorization": "polkit" }')
    p = subprocess.Popen(
        ["ip", "netns", "exec", env.ns_a] + NOBODY +
        ["/usr/bin/python3", ATTACKER, env.address],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    env.procs.append(p)

    def ask(*words):
        p.stdin.write(" ".join(str(w) for w in words) + "\n")
        p.stdin.flush()
        line = p.stdout.readline()
        assert line.startswith("{"), line + p.stdout.read()
        return json.loads(line)

    assert json.loads(p.stdout.readline())["uid"] == 65534
    res = ask("start", env.veth_a, f"udp dport {PORT}")
    assert "lease" in res, res
    send_known(env, PORT, 10)
    env.wait_for(lambda: ask("pos")["producer_pos"] > 0, "records")
    res = ask("probe")
    assert res["map_consumer_rw"] == "ok"
    assert res["map_producer_rw"] == "EPERM", res
    assert res["map_data_rw"] == "EPERM", res
    assert res["mprotect_producer_rw"] == "EACCES", res
    # This kernel lets anyone use a map fd they hold; a ring buffer has no
    # elements to read or write through bpf(), and loading a program (that
    # could write records into it) needs CAP_BPF.
    assert res["bpf_lookup"] == "ENOTSUPP" and \
        res["bpf_update"] == "ENOTSUPP", res
    assert res["bpf_prog_load"] == "EPERM", res
    written = res["producer_pos"]
    assert written > 0

    # A wild consumer position costs it its own records, nothing else: the
    # kernel still gets the traffic and answers ping.
    assert ask("scribble")["scribbled"]
    recv = receiver(env, PORT, 10)
    send_known(env, PORT, 10)
    assert int(recv.stdout.read().strip()) == 10
    run(["ip", "netns", "exec", env.ns_b, "ping", "-c", "1", "-W", "2",
         ADDR_A])

    # It keeps the fd and its mappings after the capture ends...
    before = ask("release")["producer_pos"]
    env.wait_for(lambda: captures(env) == [], "the capture to end")
    # ...and a later capture (root's) does not write into its ring.
    pcap = os.path.join(env.dir, "root.pcap")
    cap = capture(env, env.veth_a, "-r", f"udp dport {PORT}", "-c", 5, "-w",
                  pcap)
    wait_capture_lease(env)
    send_known(env, PORT, 5)
    out, err = cap.communicate(timeout=60)
    assert cap.returncode == 0 and json.loads(out)["packets"] == 5, err
    assert ask("pos")["producer_pos"] == before
    p.stdin.write("quit\n")
    p.stdin.flush()
    assert p.wait(timeout=30) == 0


def test_capture_from_python(env):
    """CnetCapture through PyGObject on the real typelib: start, read the
    known datagrams with their lengths and queue, stop; the capture's
    lease goes."""
    env.start_cnetd()
    script = f"""
import json, sys
import gi
gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, GLib
client = Cnet.Client.new("{env.address}", None)
cap = client.start_capture("{env.veth_a}", GLib.Variant("a{{sv}}", {{
    "rules": GLib.Variant("as", ["udp dport {PORT}"]),
    "snaplen": GLib.Variant("u", 64)}}), None)
print(json.dumps({{"path": cap.get_object_path(),
                   "rules": list(cap.get_rules()),
                   "snaplen": cap.get_snaplen()}}), flush=True)
got = []
while len(got) < 5:
    if not cap.wait(10000, None):
        break
    data, ts, length, queue = cap.read()
    if data is not None:
        got.append([data.get_data().hex(), ts, length, queue])
cap.stop(None)
print(json.dumps(got), flush=True)
"""
    p = env.spawn(["ip", "netns", "exec", env.ns_a, "/usr/bin/python3", "-c",
                   script])
    first = p.stdout.readline()
    assert first.startswith("{"), first + p.stdout.read()
    info = json.loads(first)
    assert info["rules"] == [f"udp dport {PORT}"] and info["snaplen"] == 64
    payloads = send_known(env, PORT, 5, tag=b"from python capture")
    assert p.wait(timeout=60) == 0
    got = json.loads(p.stdout.read().strip().splitlines()[-1])
    assert len(got) == 5, got
    for (data, ts, length, queue), payload in zip(got, payloads):
        frame = bytes.fromhex(data)
        assert length == 42 + len(payload) and len(frame) == min(64, length)
        assert frame[42:] == payload[:64 - 42]
        assert queue == 0 and ts > 1.7e18
    assert [g[1] for g in got] == sorted(g[1] for g in got)
    env.wait_for(lambda: captures(env) == [], "the capture to end")


def xdp_program(env):
    """What ip(8) says of the XDP program on A's veth (its id among it)."""
    out = run(["ip", "-n", env.ns_a, "-j", "-d", "link", "show",
               env.veth_a]).stdout
    return json.loads(out)[0].get("xdp")


def test_capture_survives_rx_metadata_build(env):
    """A lease asking for RX metadata makes cnetd swap the metadata build
    of the XDP program in through its bpf_link while a capture runs: the
    capture's slot, rules and ring buffer go along, so it gets every
    datagram from before and after the swap."""
    env.start_cnetd()
    n = 10
    pcap = os.path.join(env.dir, "swap.pcap")
    cap = capture(env, env.veth_a, "-r", f"udp dport {PORT}", "-c", 2 * n,
                  "-w", pcap)
    wait_capture_lease(env)
    before = xdp_program(env)
    assert before is not None
    payloads = send_known(env, PORT, n, b"before the swap")
    lease, sock, guard, info = env.acquire(
        0, {"rx-metadata": GLib.Variant("as", ["arrival-time"])})
    assert list(info["rx-metadata"]) == ["arrival-time"]
    after = xdp_program(env)
    assert after is not None and after != before, (before, after)
    payloads += send_known(env, PORT, n, b"after the swap")
    out, err = cap.communicate(timeout=60)
    assert cap.returncode == 0, err
    summary = json.loads(out)
    assert summary["packets"] == 2 * n and summary["lost"] == 0, summary
    rows = tshark(pcap, "data.data")
    assert [bytes.fromhex(r[0]) for r in rows] == payloads
    env.call(lease, "org.cnet.Cnet1.Lease", "Release")
    os.close(sock)
    os.close(guard)
    env.wait_for(lambda: env.leases() == [], "the leases to go")


def test_capture_ends_with_its_interface(env):
    """The interface goes: cnetd ends the capture, and cnetctl says so and
    exits 1, keeping what it wrote."""
    env.start_cnetd()
    pcap = os.path.join(env.dir, "gone.pcap")
    cap = capture(env, env.veth_a, "-r", f"udp dport {PORT}", "-w", pcap)
    wait_capture_lease(env)
    send_known(env, PORT, 3)
    env.wait_for(lambda: env.get(captures(env)[0], "org.cnet.Cnet1.Lease",
                                 "Stats")["captured"] == 3, "3 copies")
    env.ns_run(env.ns_a, ["ip", "link", "del", env.veth_a])
    out, err = cap.communicate(timeout=60)
    assert cap.returncode == 1, err
    assert f"{env.veth_a}: the capture (/org/cnet/Cnet1/leases/" in err and \
        "has ended" in err, err
    assert captures(env) == []
    assert len(tshark(pcap, "frame.len")) == 3
    # Put a veth back so the teardown finds an interface to check.
    env.ns_run(env.ns_a, ["ip", "link", "add", env.veth_a, "type", "veth",
                          "peer", "name", env.veth_a + "x"])


def test_capture_release_by_others(env):
    """A capture is released as a queue lease is (one function decides):
    nobody may not release someone else's capture, and it keeps running;
    root may, and the capture ends."""
    env.start_cnetd()
    pcap = os.path.join(env.dir, "others.pcap")
    cap = capture(env, env.veth_a, "-c", 1000, "-w", pcap)
    wait_capture_lease(env)
    (lease,) = captures(env)
    res = run(NOBODY + ["busctl", "--address=" + env.address, "call",
                        "org.cnet.Cnet1", lease, "org.cnet.Cnet1.Lease",
                        "Release"], check=False)
    assert res.returncode != 0
    assert "belongs to" in res.stderr and "only its owner or root" in \
        res.stderr, res.stderr
    assert captures(env) == [lease]
    # Root (another connection than cnetctl's) may.
    env.call(lease, "org.cnet.Cnet1.Lease", "Release")
    env.wait_for(lambda: captures(env) == [], "root's release")
    cap.communicate(timeout=60)
    with open(env.cnetd_log, encoding="utf-8") as f:
        assert "released by root" in f.read()
