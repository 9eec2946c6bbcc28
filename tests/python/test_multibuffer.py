# SPDX-License-Identifier: LGPL-2.1-or-later
"""Jumbo frames and TX metadata from Python (PyGObject on the real typelib):
the kernel in a second namespace sends a 9000-byte UDP datagram over a veth
with MTU 9000; the port receives it as one chained packet, Python reads it
whole, writes the reply as one 9014-byte write, and the peer's kernel gets
it back byte-exact. Each test runs in a network namespace of its own (see
conftest.py) and makes the peer's namespace itself."""
import json
import os
import socket
import struct
import subprocess
import time

import pytest
from gi.repository import GLib

pytestmark = pytest.mark.netns

ADDR_A = "192.0.2.1"
ADDR_B = "192.0.2.2"
MTU = 9000
PAYLOAD = bytes((i * 7 + i // 251 + 3) & 0xFF for i in range(MTU - 28))

# The peer: sends the datagram to the port, then reports what came back.
PEER = """
import json, socket, sys
payload = bytes((i * 7 + i // 251 + 3) & 0xFF for i in range(%d))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("%s", 5555))
s.settimeout(20)
for _ in range(int(sys.argv[1])):
    s.sendto(payload, ("%s", 4789))
    data, addr = s.recvfrom(65536)
    print(json.dumps({"len": len(data), "exact": data == payload,
                      "from": list(addr)}), flush=True)
""" % (MTU - 28, ADDR_B, ADDR_A)


class Peer:
    """veth_b moved into a namespace of its own, MTU 9000 on both ends."""

    def __init__(self, netns):
        self.name = f"cnmb{os.getpid()}"
        self.netns = netns
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        ip = netns.ip
        ip("link", "set", netns.veth_b, "netns", self.name)
        ip("link", "set", netns.veth_a, "mtu", str(MTU))
        ip("addr", "add", ADDR_A + "/24", "dev", netns.veth_a)
        for cmd in (["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
                    ["ip", "link", "set", netns.veth_b, "mtu", str(MTU)],
                    ["ip", "addr", "add", ADDR_B + "/24", "dev",
                     netns.veth_b],
                    ["ip", "link", "set", netns.veth_b, "up"]):
            self.run(cmd)

    def run(self, cmd):
        return subprocess.run(["ip", "netns", "exec", self.name] + cmd,
                              check=True, capture_output=True, text=True)

    def start(self, count=1):
        return subprocess.Popen(
            ["ip", "netns", "exec", self.name, "/usr/bin/python3", "-c", PEER,
             str(count)], stdout=subprocess.PIPE, text=True)

    def udp_csum_errors(self):
        lines = self.run(["cat", "/proc/net/snmp"]).stdout.splitlines()
        for names, values in zip(lines, lines[1:]):
            if names.startswith("Udp: InDatagrams"):
                table = dict(zip(names.split(), values.split()))
                return int(table["InCsumErrors"])
        raise AssertionError("no Udp line in /proc/net/snmp")

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], check=False)


@pytest.fixture
def peer(netns):
    if netns is None:
        yield None  # the parent: the test body runs in a child (conftest.py)
        return
    p = Peer.__new__(Peer)
    p.name = f"cnmb{os.getpid()}"
    try:
        p.__init__(netns)
        yield p
    finally:
        p.close()


def open_port(cnet, netns, pool, **props):
    port = cnet.Port(interface=netns.veth_a, queue=0, mempool=pool,
                     rules=["udp dport 4789"], rx_size=256, tx_size=256,
                     fill_size=256, comp_size=256, **props)
    port.init(None)
    return port


def receive_one(port, batch):
    while port.receive(batch) == 0:
        assert port.wait(10000)
    assert batch.get_n_packets() == 1
    return batch.get_packet(0)


def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def reply_of(frame, checksum=True):
    """The frame with MACs, addresses and ports swapped, and the UDP
    checksum computed: the peer's kernel left it to the device (veth hands
    on CHECKSUM_PARTIAL), so the received frame holds only the
    pseudo-header's sum. With checksum=False that sum stays, for offload."""
    eth = frame[6:12] + frame[0:6] + frame[12:14]
    ip = frame[14:26] + frame[30:34] + frame[26:30]
    udp = bytearray(frame[36:38] + frame[34:36] + frame[38:])
    pseudo = ip[12:20] + struct.pack("!HH", 17, len(udp))
    if checksum:
        udp[6:8] = b"\0\0"
        udp[6:8] = struct.pack("!H", (~ones_sum(pseudo + bytes(udp)) & 0xFFFF)
                               or 0xFFFF)
    else:
        udp[6:8] = struct.pack("!H", ones_sum(pseudo))
    return eth + ip + bytes(udp)


def test_jumbo_echo(cnet, netns, peer):
    pool = cnet.Mempool.new(1024, 4096, 0)
    port = open_port(cnet, netns, pool, multi_buffer=True)
    assert port.get_multi_buffer()
    batch = cnet.Batch.new(4)
    proc = peer.start(2)

    # Echo 1: the received chain, read whole and rewritten in place.
    pkt = receive_one(port, batch)
    assert pkt.get_length() == MTU + 14
    assert pkt.get_n_segments() == 3  # 3712 + 3712 + 1590 bytes
    segments = [pkt.get_segment(i) for i in range(pkt.get_n_segments())]
    assert all(len(s) > 0 for s in segments)
    frame = pkt.read_bytes(0, pkt.get_length()).get_data()
    assert b"".join(bytes(s) for s in segments) == frame
    assert frame[42:] == PAYLOAD
    pkt.write(0, reply_of(frame))
    del pkt
    assert port.send(batch) == 1

    # Echo 2: a new packet, written as one 9014-byte write: set_data_at
    # chains the frames it needs.
    pkt = receive_one(port, batch)
    frame = pkt.read_bytes(0, pkt.get_length()).get_data()
    batch.clear()
    del pkt
    assert batch.alloc(pool, 1) == 1
    batch.set_data_at(0, reply_of(frame))
    assert batch.get_packet(0).get_n_segments() == 3
    assert batch.copy_payloads(0)[0].get_data() == reply_of(frame)
    assert port.send(batch) == 1
    while port.tx_flush() > 0:
        port.wait(10)

    for _ in range(2):
        got = json.loads(proc.stdout.readline())
        assert got == {"len": MTU - 28, "exact": True,
                       "from": [ADDR_A, 4789]}
    assert proc.wait() == 0
    stats = port.get_stats()
    assert stats.rx_packets == 2 and stats.tx_packets == 2


def test_tx_metadata(cnet, netns, peer):
    pool = cnet.Mempool.new(1024, 4096, 32)  # room for the metadata
    flags = cnet.TxMetadataFlags.CHECKSUM | cnet.TxMetadataFlags.TIMESTAMP
    port = open_port(cnet, netns, pool, multi_buffer=True, tx_metadata=flags)
    assert port.get_tx_metadata() == flags
    batch = cnet.Batch.new(4)
    proc = peer.start(1)

    # Control: the pseudo-header sum in the checksum field, not offloaded,
    # is dropped by the peer's kernel.
    # (The peer's kernel checks the checksum when its reader reads: the
    # peer is blocked in recvfrom().)
    errors = peer.udp_csum_errors()
    pkt = receive_one(port, batch)
    frame = reply_of(pkt.read_bytes(0, pkt.get_length()).get_data(),
                     checksum=False)
    pkt.write(0, frame)
    del pkt
    assert port.send(batch) == 1
    deadline = time.monotonic() + 20
    while peer.udp_csum_errors() == errors:  # awaits the peer's counter
        assert time.monotonic() < deadline
        time.sleep(0.001)

    # Offloaded and timestamped: arrives byte-exact.
    assert batch.alloc(pool, 1) == 1
    batch.set_data_at(0, frame)
    pkt = batch.get_packet(0)
    pkt.request_tx_checksum(34, 6)
    pkt.request_tx_timestamp()
    assert pkt.get_tx_requests() == flags
    with pytest.raises(GLib.Error):
        pkt.get_tx_timestamp()
    before = time.clock_gettime_ns(time.CLOCK_TAI)
    assert port.send(batch) == 1
    while port.tx_flush() > 0:
        port.wait(10)
    after = time.clock_gettime_ns(time.CLOCK_TAI)
    got = json.loads(proc.stdout.readline())
    assert got["exact"] and got["len"] == MTU - 28
    stamp = pkt.get_tx_timestamp()
    assert before <= stamp <= after
    assert proc.wait() == 0


def test_refused(cnet, netns, peer):
    pool = cnet.Mempool.new(1024, 2048, 0)
    with pytest.raises(GLib.Error) as excinfo:
        open_port(cnet, netns, pool,
                  tx_metadata=cnet.TxMetadataFlags.LAUNCH_TIME)
    assert excinfo.value.matches(cnet.error_quark(),
                                 cnet.Error.NOT_SUPPORTED)
    assert netns.veth_a in excinfo.value.message
