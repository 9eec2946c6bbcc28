# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnetd's Interface objects say what the interface and kernel support,
as the kernel's netdev netlink family does (read here, in cnetd's
namespace, without libcnet); cnetd applies the NAPI settings preferred
busy polling needs for a lease and restores them when the lease goes."""
import json
import os
import socket
import subprocess
import sys
import time

from gi.repository import GLib

IFACE = "org.cnet.Cnet1.Interface"
ADDR_A = "192.0.2.1"
HERE = os.path.dirname(os.path.abspath(__file__))
NETDEV_PY = os.path.join(HERE, "..", "python")
sys.path.insert(0, NETDEV_PY)
from udsref import getsockopt_int  # noqa: E402  pylint: disable=wrong-import-position
from conftest import CNETD  # noqa: E402


def netlink(env, code):
    """Runs CODE (with `nl`, a netdev.Netdev, and `ifindex` of veth A) in
    namespace A; returns what it prints, as JSON."""
    script = (f"import json, socket, sys\nsys.path.insert(0, {NETDEV_PY!r})\n"
              "import netdev\nnl = netdev.Netdev()\n"
              f"ifindex = socket.if_nametoindex({env.veth_a!r})\n" + code)
    out = env.ns_run(env.ns_a, ["/usr/bin/python3", "-c", script]).stdout
    return json.loads(out)


def test_interface_features_match_netlink(env):
    env.start_cnetd()
    path = env.iface_path()
    dev = netlink(env, "print(json.dumps(nl.dev_get(ifindex)))")
    assert env.get(path, IFACE, "XdpFeatures") == dev["xdp-features"]
    assert env.get(path, IFACE, "XdpRxMetadataFeatures") == \
        dev["xdp-rx-metadata-features"]
    assert env.get(path, IFACE, "XskFeatures") == dev["xsk-features"]
    features = env.get(path, IFACE, "Features")
    # veth: native XDP (basic + redirect), no zero-copy, the three RX
    # metadata fields, no TX offloads.
    assert (dev["xdp-features"] & 3) == 3
    assert "native-xdp" in features
    assert ("zero-copy" in features) == bool(dev["xdp-features"] & 8)
    for bit, name in ((1, "rx-hw-timestamp"), (2, "rx-hash"),
                      (4, "rx-vlan-tag")):
        assert (name in features) == bool(
            dev["xdp-rx-metadata-features"] & bit), (name, features)
    for bit, name in ((1, "tx-timestamp"), (2, "tx-checksum"),
                      (4, "tx-launch-time")):
        assert (name in features) == bool(dev["xsk-features"] & bit)
    assert "rx-arrival-time" in features and "busy-poll" in features
    # busctl shows the same.
    out = env.busctl("get-property", "org.cnet.Cnet1", path, IFACE,
                     "XdpFeatures").stdout
    assert out.strip() == f"t {dev['xdp-features']}"


def test_interface_features_old_kernel(env):
    """cnetd on a faked Debian 12 kernel claims nothing the driver has a
    say in, and nothing 6.1 lacks."""
    env.start_cnetd(env={"CNET_KERNEL_RELEASE": "6.1.0-28-amd64"})
    path = env.iface_path()
    features = env.get(path, IFACE, "Features")
    assert sorted(features) == ["busy-poll", "rx-arrival-time"]
    assert env.get(path, IFACE, "XdpFeatures") == 0
    assert env.get(path, IFACE, "XdpRxMetadataFeatures") == 0


def napis(env):
    return {int(k): v for k, v in netlink(
        env, "print(json.dumps(nl.napis(ifindex)))").items()}


def test_busy_poll_napi_settings(env):
    """A lease with busy polling gets defer-hard-irqs, gro-flush-timeout
    and irq-suspend-timeout on the interface's NAPI instances; they go back
    to what they were when the lease ends. (--busy-poll-napi=always: by
    default cnetd waits for the socket to show busy polling reaches an
    instance, which on veth it never does; the next test.)"""
    # GRO gives veth NAPI instances that outlive the XDP program, so the
    # restore is seen, not only the instances going away.
    netlink(env, f"netdev.set_gro({env.veth_a!r}, True)\nprint('{{}}')")
    before = napis(env)
    assert before, "veth with GRO has NAPI instances"
    env.start_cnetd(args=["--busy-poll-napi=always"])
    lease, sock, guard, info = env.acquire(
        0, {"busy-poll-usecs": GLib.Variant("u", 50),
            "busy-poll-budget": GLib.Variant("u", 64)})
    assert info["busy-poll-napi"] is True
    # The socket's own options (SO_PREFER_BUSY_POLL 69, SO_BUSY_POLL 46).
    assert getsockopt_int(sock, socket.SOL_SOCKET, 69) == 1
    assert getsockopt_int(sock, socket.SOL_SOCKET, 46) == 50
    during = napis(env)
    assert during, "NAPI instances during the lease"
    for napi_id, values in during.items():
        assert values == [2, 200000, 20000000], (napi_id, values)

    # A lease without busy polling changes nothing of it.
    env.call(lease, "org.cnet.Cnet1.Lease", "Release")
    os.close(sock)
    os.close(guard)
    env.wait_for(lambda: napis(env) == before,
                 "the NAPI settings to be restored")
    lease, sock, guard, info = env.acquire(0)
    assert info["busy-poll-napi"] is False
    assert napis(env) == before
    env.call(lease, "org.cnet.Cnet1.Lease", "Release")
    os.close(sock)
    os.close(guard)


def test_busy_poll_napi_auto_leaves_veth_alone(env):
    """By default cnetd applies the NAPI settings only once the lease's
    socket has received a frame through a NAPI instance
    (SO_INCOMING_NAPI_ID). On veth frames arrive but name no instance,
    so the settings stay as they were, and a busy-polling lessee's frames
    are not held until the gro-flush-timeout watchdog (docs/data-path.md).
    cnetd applying them when the lease starts, as --busy-poll-napi=always
    does, fails this test."""
    netlink(env, f"netdev.set_gro({env.veth_a!r}, True)\nprint('{{}}')")
    before = napis(env)
    assert before, "veth with GRO has NAPI instances"
    env.start_cnetd()
    lessee = env.lessee()
    res = lessee("openbusy", env.veth_a, 0, 50)
    assert res["busy-poll-usecs"] == 50, res
    assert lessee("napiid")["napi-id"] == 0
    env.ns_run(env.ns_b, ["ip", "neigh", "replace", ADDR_A, "lladdr",
                          env.mac_a, "dev", env.veth_b])
    script = f"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"x" * 32, ("{ADDR_A}", 9999))
"""
    env.ns_run(env.ns_b, ["/usr/bin/python3", "-c", script])
    received = 0
    deadline = time.monotonic() + 10
    while received < 20 and time.monotonic() < deadline:
        received += lessee("receive")["received"]
    assert received >= 20, received
    # What cnetd decides by: the frames came through no NAPI instance.
    assert lessee("napiid")["napi-id"] == 0
    assert napis(env) == before


def test_busy_poll_napi_never(env):
    """--busy-poll-napi=never: a busy-polling lease is granted with its
    socket options and without the interface settings."""
    netlink(env, f"netdev.set_gro({env.veth_a!r}, True)\nprint('{{}}')")
    before = napis(env)
    env.start_cnetd(args=["--busy-poll-napi=never"])
    lease, sock, guard, info = env.acquire(
        0, {"busy-poll-usecs": GLib.Variant("u", 50)})
    assert info["busy-poll-napi"] is False
    assert getsockopt_int(sock, socket.SOL_SOCKET, 46) == 50
    assert napis(env) == before
    env.call(lease, "org.cnet.Cnet1.Lease", "Release")
    os.close(sock)
    os.close(guard)


def test_busy_poll_napi_option_refused(env):
    """A bad --busy-poll-napi value stops cnetd at once, naming it."""
    r = subprocess.run([CNETD, "--address", env.address,
                        "--busy-poll-napi=sometimes"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 2, r
    assert "--busy-poll-napi" in r.stderr and "sometimes" in r.stderr, r


def test_lease_rx_metadata(env):
    """RX metadata through a lease: the option by nicks, the reply says
    what cnetd's program writes for the queue (veth, native: all three of
    the device's fields and the arrival time), and a bad nick is named."""
    env.start_cnetd()
    lease, sock, guard, info = env.acquire(
        0, {"rx-metadata": GLib.Variant("as", ["arrival-time", "hash",
                                                "vlan-tag"])})
    assert sorted(info["rx-metadata"]) == ["arrival-time", "hash",
                                           "vlan-tag"]
    env.call(lease, "org.cnet.Cnet1.Lease", "Release")
    os.close(sock)
    os.close(guard)
    env.wait_for(lambda: env.leases() == [], "the lease to go")
    try:
        env.acquire(0, {"rx-metadata": GLib.Variant("as", ["colour"])})
    except GLib.Error as err:
        assert "rx-metadata" in err.message and "colour" in err.message and \
            "arrival-time" in err.message, err.message
    else:
        raise AssertionError("an unknown rx-metadata nick was taken")


def test_lessee_rx_metadata(env):
    """An unprivileged client (nobody) leases a queue with RX metadata
    through CnetClient and reads arrival times and flags from its batches:
    the kernel's datagrams from namespace B arrive as socket buffers, so
    the hash is valid too."""
    env.start_cnetd()
    lessee = env.lessee()
    res = lessee("openmeta", env.veth_a, 0, "arrival-time,hash")
    assert sorted(res["rx-metadata"]) == ["arrival-time", "hash"], res
    # The queue's frames go to the lessee, so A's stack answers no ARP.
    env.ns_run(env.ns_b, ["ip", "neigh", "replace", ADDR_A, "lladdr",
                          env.mac_a, "dev", env.veth_b])
    t0 = time.monotonic_ns()
    script = f"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"x" * 32, ("{ADDR_A}", 9999))
"""
    env.ns_run(env.ns_b, ["/usr/bin/python3", "-c", script])
    times, flags = [], []
    deadline = time.monotonic() + 5
    while len(times) < 20 and time.monotonic() < deadline:
        res = lessee("receivemeta")
        times += res["times"]
        flags += res["flags"]
        if res["received"] == 0:
            lessee("wait", 100)
    t1 = time.monotonic_ns()
    assert len(times) >= 20, (times, flags)
    assert all(t0 <= t <= t1 for t in times)
    assert times == sorted(times)
    assert set(flags) == {3}, flags  # arrival-time | hash
