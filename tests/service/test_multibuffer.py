# SPDX-License-Identifier: LGPL-2.1-or-later
"""Jumbo frames and TX metadata through a cnetd lease, as nobody without
capabilities: the multi-buffer and tx-metadata AcquireQueue options reach
the socket cnetd makes, and 9000-byte datagrams from the kernel in
namespace B come back byte-exact. Same harness as test_cnetd.py."""
import json
import os
import subprocess

from conftest import ADDR_A, ADDR_B, NOBODY  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
JUMBO_CLIENT = os.path.join(HERE, "jumbo-client.py")
MTU = 9000

PEER = """
import json, socket, sys
payload = bytes((i * 7 + i // 251 + 3) & 0xFF for i in range(%d))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("%s", 5555))
s.settimeout(20)
out = []
for _ in range(int(sys.argv[1])):
    s.sendto(payload, ("%s", 4789))
    data, addr = s.recvfrom(65536)
    out.append({"len": len(data), "exact": data == payload,
                "from": list(addr)})
print(json.dumps(out), flush=True)
""" % (MTU - 28, ADDR_B, ADDR_A)


def test_jumbo_echo_through_a_lease(env):
    n = 4
    env.ns_run(env.ns_a, ["ip", "link", "set", env.veth_a, "mtu", str(MTU)])
    env.ns_run(env.ns_b, ["ip", "link", "set", env.veth_b, "mtu", str(MTU)])
    env.start_cnetd()
    client = env.spawn(["ip", "netns", "exec", env.ns_a] + NOBODY +
                       ["/usr/bin/python3", JUMBO_CLIENT, env.address,
                        env.veth_a, str(n)], env=dict(os.environ))
    line = client.stdout.readline()
    assert line.startswith("ready"), line + client.stdout.read()
    assert env.xdp_attached()

    peer = subprocess.run(["ip", "netns", "exec", env.ns_b,
                           "/usr/bin/python3", "-c", PEER, str(n)],
                          capture_output=True, text=True, timeout=60,
                          check=True)
    echoes = json.loads(peer.stdout)
    assert echoes == [{"len": MTU - 28, "exact": True,
                       "from": [ADDR_A, 4789]}] * n

    res = json.loads(client.stdout.readline())
    assert "error" not in res, res
    assert res["uid"] == 65534
    assert res["multi_buffer"] is True
    assert res["tx_metadata"] == 3  # checksum | timestamp
    assert res["segments"] == [3] * n  # 4096-byte frames: 3712 + 3712 + 1590
    assert res["lengths"] == [MTU + 14] * n
    assert res["payload_ok"] == [True] * n
    assert res["stamps_ok"] == [True] * (n // 2)
    assert res["rx_packets"] == n and res["tx_packets"] == n
    env.wait_for(lambda: env.leases() == [], "the lease to end with the client")
    env.wait_for(lambda: not env.xdp_attached(), "the program to go")


def test_launch_time_refused_through_a_lease(env):
    """An option the device cannot do fails AcquireQueue with NotSupported,
    naming the interface."""
    env.start_cnetd()
    import gi  # noqa: E402  pylint: disable=import-outside-toplevel
    from gi.repository import GLib  # noqa: E402
    try:
        env.acquire(options={"tx-metadata": GLib.Variant("as",
                                                         ["launch-time"])})
        raise AssertionError("AcquireQueue took launch-time")
    except GLib.Error as e:
        assert "NotSupported" in e.message, e.message
        assert env.veth_a in e.message, e.message
