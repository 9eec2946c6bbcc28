# SPDX-License-Identifier: LGPL-2.1-or-later
"""RX metadata written by libcnet's XDP program (docs/data-path.md): arrival
times, the device's hash and VLAN tag through the metadata kfuncs, each
with its valid flag; read per packet and per batch from Python."""
import array
import json
import os
import socket
import struct
import subprocess
import time

import pytest

from frames import packet_socket, udp_frame
from netdev import Netdev

pytestmark = pytest.mark.netns


def receive_all(port, batch, n, keep):
    """Receives N packets into KEEP (a list of (arrival times, hashes,
    flags, packets) per burst)."""
    got = 0
    while got < n:
        k = port.receive(batch)
        if k == 0:
            assert port.wait(2000), f"only {got} of {n} frames arrived"
            continue
        times = array.array("Q", batch.get_arrival_times().get_data())
        hashes = array.array("I", batch.get_rx_hashes().get_data())
        flags = bytes(batch.get_rx_metadata_flags().get_data())
        assert len(times) == len(hashes) == len(flags) == k
        keep.append((list(times), list(hashes), flags,
                     [batch.get_packet(i) for i in range(k)]))
        got += k
        batch.clear()
    return got


def open_port(cnet, netns, flags, xdp_mode=None):
    pool = cnet.Mempool.new(4096, 2048, 0)
    props = {"interface": netns.veth_a, "queue": 0, "mempool": pool,
             "rx_metadata": flags}
    if xdp_mode is not None:
        props["xdp_mode"] = xdp_mode
    port = cnet.Port(**props)
    port.init(None)
    return pool, port


def test_arrival_times_and_hash(cnet, netns):
    """Frames the peer's stack sends arrive as socket buffers: the arrival
    times are monotonic and inside the test's window, the hash is valid and
    the same within a flow, and veth has no hardware timestamp."""
    M = cnet.RxMetadataFlags
    want = M.ARRIVAL_TIME | M.HASH | M.HW_TIMESTAMP | M.VLAN_TAG
    pool, port = open_port(cnet, netns, want)
    # veth on this kernel offers all three kfuncs (netlink says so).
    nl = Netdev()
    assert nl.dev_get(socket.if_nametoindex(netns.veth_a))[
        "xdp-rx-metadata-features"] == 7
    nl.close()
    assert port.props.rx_metadata == want
    batch = cnet.Batch.new(64)
    sock = packet_socket(netns.veth_b)
    n = 200
    t0 = time.monotonic_ns()
    for i in range(n):
        # Two flows: even frames to port 9001, odd ones to 9002.
        sock.send(udp_frame(netns.mac_a, netns.mac_b, i, 64,
                            dport=9001 + i % 2))
    keep = []
    assert receive_all(port, batch, n, keep) == n
    t1 = time.monotonic_ns()

    times = [t for burst in keep for t in burst[0]]
    hashes = [h for burst in keep for h in burst[1]]
    flags = b"".join(burst[2] for burst in keep)
    assert all(t0 <= t <= t1 for t in times), (t0, times[:3], t1)
    assert times == sorted(times)
    assert all(f == int(M.ARRIVAL_TIME | M.HASH) for f in flags), set(flags)
    # The skb flow hash: one value per flow, and two flows differ.
    seqs = [struct.unpack("!I", p.get_data()[42:46])[0]
            for burst in keep for p in burst[3]]
    by_flow = {}
    for seq, h in zip(seqs, hashes):
        by_flow.setdefault(seq % 2, set()).add(h)
    assert len(by_flow[0]) == 1 and len(by_flow[1]) == 1, by_flow
    assert by_flow[0] != by_flow[1]

    # Per packet, the same answers.
    pkt = keep[0][3][0]
    ok, t = pkt.get_arrival_time()
    assert ok and t == times[0]
    ok, h, kind = pkt.get_rx_hash()
    assert ok and h == hashes[0]
    assert kind != 0  # an L3/L4 hash type
    ok, ts = pkt.get_rx_hw_timestamp()
    assert not ok and ts == 0  # veth has no clock
    ok, proto, tci = pkt.get_rx_vlan_tag()
    assert not ok and (proto, tci) == (0, 0)
    assert pkt.get_rx_metadata_flags() == M.ARRIVAL_TIME | M.HASH
    # Prepending over the area invalidates it; pulling does not.
    assert pkt.pull(14)
    assert pkt.get_arrival_time()[0]
    assert pkt.prepend(20)
    assert not pkt.get_arrival_time()[0]
    assert pkt.get_rx_metadata_flags() == M.NONE


def test_vlan_tag(cnet, netns):
    """A frame the peer sends with its VLAN tag out of band (as a VLAN
    device with offload would; here a TC program's bpf_skb_vlan_push(), as
    the kernel has no 8021q): veth's kfunc hands the tag over, and the data
    has none."""
    M = cnet.RxMetadataFlags
    pool, port = open_port(cnet, netns, M.ARRIVAL_TIME | M.VLAN_TAG)
    assert port.props.rx_metadata == M.ARRIVAL_TIME | M.VLAN_TAG
    for cmd in (["qdisc", "add", "dev", netns.veth_b, "clsact"],
                ["filter", "add", "dev", netns.veth_b, "egress", "bpf", "da",
                 "obj", os.environ["CNET_TEST_VLAN_BPF"], "sec", "tc"]):
        subprocess.run(["tc"] + cmd, check=True, capture_output=True)
    sock = packet_socket(netns.veth_b)
    sock.send(udp_frame(netns.mac_a, netns.mac_b, 7, 64))
    batch = cnet.Batch.new(64)
    keep = []
    receive_all(port, batch, 1, keep)
    pkt = keep[0][3][0]
    ok, proto, tci = pkt.get_rx_vlan_tag()
    assert ok, pkt.get_rx_metadata_flags()
    assert proto == 0x8100 and tci & 0xfff == 100 and tci >> 13 == 5
    assert pkt.get_data()[12:14] == b"\x08\x00"  # no tag left in the data


def test_generic_mode_has_no_device_fields(cnet, netns):
    """Where the driver's functions cannot run (generic mode), the port
    gets arrival times only, and the hash is flagged invalid."""
    M = cnet.RxMetadataFlags
    pool, port = open_port(cnet, netns, M.ARRIVAL_TIME | M.HASH,
                           xdp_mode=cnet.XdpMode.GENERIC)
    assert port.props.rx_metadata == M.ARRIVAL_TIME
    sock = packet_socket(netns.veth_b)
    for i in range(10):
        sock.send(udp_frame(netns.mac_a, netns.mac_b, i, 64))
    keep = []
    receive_all(port, cnet.Batch.new(64), 10, keep)
    for burst in keep:
        assert set(burst[2]) == {int(M.ARRIVAL_TIME)}
        assert set(burst[1]) == {0}
        assert all(t > 0 for t in burst[0])
        for pkt in burst[3]:
            assert pkt.get_rx_hash() == (False, 0, 0)


def test_hash_without_arrival_time(cnet, netns):
    """The clock is read only for ports that ask for arrival times: a port
    that asks for the hash alone gets the hash and no arrival time; in
    generic mode, where the hash cannot be had, it gets nothing at all and
    still receives."""
    M = cnet.RxMetadataFlags
    sock = packet_socket(netns.veth_b)
    for mode, granted in ((None, M.HASH), (cnet.XdpMode.GENERIC, M.NONE)):
        pool, port = open_port(cnet, netns, M.HASH, xdp_mode=mode)
        assert port.props.rx_metadata == granted
        for i in range(10):
            sock.send(udp_frame(netns.mac_a, netns.mac_b, i, 64))
        keep = []
        receive_all(port, cnet.Batch.new(64), 10, keep)
        for burst in keep:
            assert set(burst[2]) == {int(granted)}, (mode, set(burst[2]))
            assert set(burst[0]) == {0}
            assert (set(burst[1]) != {0}) == (granted == M.HASH)
            for pkt in burst[3]:
                assert pkt.get_arrival_time() == (False, 0)
        del keep, port, pool


def test_no_metadata(cnet, netns):
    """A port that asks for none gets none, even in a frame that had some
    before (the same mempool, an earlier port with metadata)."""
    M = cnet.RxMetadataFlags
    pool = cnet.Mempool.new(4096, 2048, 0)
    sock = packet_socket(netns.veth_b)
    for flags in (M.ARRIVAL_TIME, M.NONE):
        port = cnet.Port(interface=netns.veth_a, queue=0, mempool=pool,
                         rx_metadata=flags)
        port.init(None)
        assert port.props.rx_metadata == flags
        for i in range(20):
            sock.send(udp_frame(netns.mac_a, netns.mac_b, i, 64))
        keep = []
        receive_all(port, cnet.Batch.new(64), 20, keep)
        got = b"".join(burst[2] for burst in keep)
        assert set(got) == {int(flags)}
        del keep, port


def test_old_kernel_gets_arrival_times(cnet, netns, monkeypatch):
    """On a faked 6.1 kernel the kfunc build is not tried: arrival times
    only, and the port says what it got."""
    M = cnet.RxMetadataFlags
    monkeypatch.setenv("CNET_KERNEL_RELEASE", "6.1.0-28-amd64")
    pool, port = open_port(cnet, netns, M.ARRIVAL_TIME | M.HASH)
    assert port.props.rx_metadata == M.ARRIVAL_TIME


def test_two_queues_keep_their_requests(cnet, netns):
    """Queue 0 asks for arrival times (the arrival-time build goes in);
    queue 1 then asks for the hash too (the kfunc build is swapped in
    through the link): queue 0 keeps what it asked for, and each queue's
    frames carry their port's fields."""
    M = cnet.RxMetadataFlags
    a, b = netns.veth_a + "q", netns.veth_b + "q"
    subprocess.run(["ip", "link", "add", a, "numrxqueues", "2",
                    "numtxqueues", "2", "type", "veth", "peer", "name", b,
                    "numrxqueues", "2", "numtxqueues", "2"], check=True)
    for dev in (a, b):
        subprocess.run(["ip", "link", "set", dev, "up"], check=True)
    pool = cnet.Mempool.new(8192, 2048, 0)
    ports = []
    for queue, flags in ((0, M.ARRIVAL_TIME), (1, M.ARRIVAL_TIME | M.HASH)):
        port = cnet.Port(interface=a, queue=queue, mempool=pool,
                         rx_metadata=flags)
        port.init(None)
        assert port.props.rx_metadata == flags
        ports.append(port)
    sock = packet_socket(b)
    mac_a = bytes.fromhex(json.loads(subprocess.run(
        ["ip", "-j", "link", "show", a], check=True, capture_output=True,
        text=True).stdout)[0]["address"].replace(":", ""))
    # Many flows, so that the peer's transmit hash spreads them over both
    # of its queues (veth receives on the queue it sent on).
    seen = {0: set(), 1: set()}
    batch = cnet.Batch.new(64)
    for round_ in range(20):
        for i in range(64):
            sock.send(udp_frame(mac_a, netns.mac_b, i, 64,
                                dport=1000 + round_ * 64 + i))
        for queue, port in enumerate(ports):
            while port.receive(batch) > 0:
                seen[queue] |= set(bytes(
                    batch.get_rx_metadata_flags().get_data()))
                batch.clear()
        if seen[0] and seen[1]:
            break
    assert seen[0] == {int(M.ARRIVAL_TIME)}, seen
    assert seen[1] == {int(M.ARRIVAL_TIME | M.HASH)}, seen
