# SPDX-License-Identifier: LGPL-2.1-or-later
"""CnetBatch and CnetPacket from Python, without a port: no root needed.
Misuse raises GLib.Error in the CNET_ERROR domain, never crashes."""
import gc

import pytest
from gi.repository import GLib

from frames import udp_frame

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def assert_cnet_error(excinfo, cnet, code):
    err = excinfo.value
    assert err.domain == "cnet-error-quark"
    assert err.code == int(code)
    assert err.matches(cnet.error_quark(), code)


@pytest.fixture
def pool(cnet):
    pool = cnet.Mempool.new(64, 2048, 0)
    yield pool
    gc.collect()
    assert pool.get_n_in_use() == 0


def test_alloc_fill_copy(cnet, pool):
    batch = cnet.Batch.new(16)
    assert batch.get_capacity() == 16
    assert batch.alloc(pool, 10) == 10
    assert batch.get_n_packets() == 10
    frame = udp_frame(MAC_A, MAC_B, 1, 100)
    batch.set_data(frame)
    batch.set_data_at(9, frame[:60])

    copies = batch.copy_payloads(0)
    assert [c.get_data() for c in copies] == [frame] * 9 + [frame[:60]]

    assert batch.swap_macs() == 10
    joined, lengths = batch.copy_joined(6)
    assert lengths == [94] * 9 + [54]
    assert joined.get_data()[:94] == MAC_A + frame[12:]

    batch.write(0, b"\xff" * 6)
    assert batch.get_packet(3).get_data()[:6] == b"\xff" * 6
    batch.set_length(20)
    batch.set_length_at(0, 30)
    assert [batch.get_packet(i).get_length() for i in range(3)] == [30, 20, 20]
    batch.remove(0)
    assert batch.get_n_packets() == 9
    batch.clear()
    assert batch.get_n_packets() == 0
    assert pool.get_n_in_use() == 0


def test_keep_drop(cnet, pool):
    batch = cnet.Batch.new(8)
    batch.alloc(pool, 6)
    for i in range(6):
        batch.set_data_at(i, udp_frame(MAC_A, MAC_B, i, 64,
                                       dport=9001 if i % 2 else 53))
    assert batch.keep(cnet.BatchMatch.ETHERTYPE, 0x0800) == 0
    assert batch.drop(cnet.BatchMatch.UDP_DST_PORT, 53) == 3
    seqs = [int.from_bytes(c.get_data()[42:46], "big")
            for c in batch.copy_payloads(0)]
    assert seqs == [1, 3, 5]
    assert batch.keep(cnet.BatchMatch.IP_PROTOCOL, 6) == 3
    assert batch.get_n_packets() == 0


def test_bounds(cnet, pool):
    batch = cnet.Batch.new(4)
    with pytest.raises(GLib.Error) as excinfo:
        batch.get_packet(0)
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
    batch.alloc(pool, 4)
    with pytest.raises(GLib.Error) as excinfo:
        batch.alloc(pool, 1)
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
    with pytest.raises(GLib.Error) as excinfo:
        batch.set_data(bytes(4000))
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
    batch.set_data(bytes(64))
    with pytest.raises(GLib.Error) as excinfo:
        batch.write(60, b"12345")
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
    with pytest.raises(GLib.Error) as excinfo:
        batch.set_length_at(7, 10)
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)

    # Reading past the end of a packet, and writing past it.
    pkt = batch.get_packet(0)
    assert pkt.read_bytes(0, 64).get_size() == 64
    with pytest.raises(GLib.Error) as excinfo:
        pkt.read_bytes(60, 5)
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
    with pytest.raises(GLib.Error) as excinfo:
        pkt.write(64, b"x")
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
    with pytest.raises(GLib.Error) as excinfo:
        pkt.set_length(100000)
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
    # A packet may be in a batch once.
    with pytest.raises(GLib.Error) as excinfo:
        batch.add(pkt)
    assert_cnet_error(excinfo, cnet, cnet.Error.INVALID_STATE)


def test_exhausted(cnet, pool):
    batch = cnet.Batch.new(128)
    assert batch.alloc(pool, 128) == 64
    with pytest.raises(GLib.Error) as excinfo:
        batch.alloc(pool, 1)
    assert_cnet_error(excinfo, cnet, cnet.Error.EXHAUSTED)


def test_packet_outlives_batch_and_pool(cnet):
    pool = cnet.Mempool.new(8, 2048, 0)
    batch = cnet.Batch.new(4)
    batch.alloc(pool, 2)
    batch.set_data(b"hello, world")
    pkt = batch.get_packet(1)
    del batch, pool
    gc.collect()
    # The packet keeps its frame and its mempool.
    assert pkt.get_data() == b"hello, world"
    assert pkt.get_mempool().get_n_in_use() == 1
    pkt.write(0, b"H")
    assert pkt.read_bytes(0, 5).get_data() == b"Hello"
    other = cnet.Batch.new(2)
    other.add(pkt)
    del pkt
    gc.collect()
    assert other.get_packet(0).get_data() == b"Hello, world"


def test_bad_capacity(cnet):
    """A batch of no packets, or of more than the most, is a GLib.Error,
    not a critical and a TypeError."""
    for capacity in (0, cnet.BATCH_MAX_CAPACITY + 1):
        with pytest.raises(GLib.Error) as excinfo:
            cnet.Batch.new(capacity)
        assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
        assert f"a batch of {capacity} packets is not possible" in \
            excinfo.value.message
    assert cnet.Batch.new(cnet.BATCH_MAX_CAPACITY).get_capacity() == \
        cnet.BATCH_MAX_CAPACITY


def test_packet_read_is_read_bytes(cnet, pool):
    """Python reads a packet with read_bytes; the C read(), whose
    caller-allocated buffer does not map onto Python, is not offered."""
    batch = cnet.Batch.new(1)
    batch.alloc(pool, 1)
    batch.set_data(b"Hello, packet")
    pkt = batch.get_packet(0)
    assert not hasattr(pkt, "read")
    assert pkt.read_bytes(7, 6).get_data() == b"packet"
