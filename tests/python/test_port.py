# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ports from Python on a veth pair, each test in a network namespace of
its own (see conftest.py): echo byte-exact, errors as GLib.Error, and the
port's main-loop source."""
import socket
import threading
import time

import pytest
from gi.repository import Gio, GLib

from frames import packet_socket, swap_macs, udp_frame

pytestmark = pytest.mark.netns


def assert_cnet_error(excinfo, cnet, code):
    err = excinfo.value
    assert err.domain == "cnet-error-quark"
    assert err.matches(cnet.error_quark(), code), (err.code, err.message)


def expect_echoes(sock, sent):
    """Every frame of @sent comes back once, byte-exact but for the MACs."""
    want = {swap_macs(f) for f in sent}
    sock.settimeout(2)
    got = []
    for _ in sent:
        got.append(sock.recv(4096))
    assert set(got) == want
    assert len(got) == len(set(got))
    sock.settimeout(0.1)
    with pytest.raises(socket.timeout):
        sock.recv(4096)


def test_echo(cnet, netns):
    n = 300
    pool = cnet.Mempool.new(4096, 2048, 0)
    port = cnet.Port.new(netns.veth_a, 0, pool)
    assert port.get_bind_mode() == cnet.BindMode.COPY  # veth: no zero-copy
    batch = cnet.Batch.new(64)
    sock = packet_socket(netns.veth_b)
    frames = [udp_frame(netns.mac_a, netns.mac_b, i, 64 + i * 3)
              for i in range(n)]
    echoed = 0
    for start in range(0, n, 30):
        for frame in frames[start:start + 30]:
            sock.send(frame)
        while echoed < start + 30:
            got = port.receive(batch)
            if got == 0:
                assert port.wait(1000)
                continue
            assert batch.swap_macs() == got
            assert port.send(batch) == got
            assert batch.get_n_packets() == 0
            echoed += got
    expect_echoes(sock, frames)
    while port.tx_flush() > 0:
        pass
    stats = port.get_stats()
    assert stats.rx_packets == n
    assert stats.tx_packets == n
    assert stats.tx_completed == n
    assert stats.rx_bytes == stats.tx_bytes == sum(len(f) for f in frames)
    del port
    assert not netns.xdp_attached(netns.veth_a)


def test_errors(cnet, netns):
    pool = cnet.Mempool.new(4096, 2048, 0)
    with pytest.raises(GLib.Error) as excinfo:
        cnet.Port.new("cnetnosuch0", 0, pool)
    assert_cnet_error(excinfo, cnet, cnet.Error.NOT_FOUND)
    with pytest.raises(GLib.Error) as excinfo:
        cnet.Port.new(netns.veth_a, 5, pool)
    assert_cnet_error(excinfo, cnet, cnet.Error.OUT_OF_RANGE)
    assert netns.veth_a in excinfo.value.message

    port = cnet.Port.new(netns.veth_a, 0, pool)
    with pytest.raises(GLib.Error) as excinfo:
        cnet.Port.new(netns.veth_a, 0, pool)
    assert_cnet_error(excinfo, cnet, cnet.Error.BUSY)

    frame = udp_frame(netns.mac_b, netns.mac_a, 1)
    # A packet of another mempool.
    other = cnet.Mempool.new(16, 2048, 0)
    batch = cnet.Batch.new(8)
    batch.alloc(pool, 2)
    batch.alloc(other, 1)
    batch.set_data(frame)
    with pytest.raises(GLib.Error) as excinfo:
        port.send(batch)
    assert_cnet_error(excinfo, cnet, cnet.Error.WRONG_MEMPOOL)
    assert batch.get_n_packets() == 3  # nothing was sent
    batch.remove(2)

    # Writing to a packet after it was sent.
    pkt = batch.get_packet(0)
    assert port.send(batch) == 2
    with pytest.raises(GLib.Error) as excinfo:
        pkt.write(0, b"x")
    assert_cnet_error(excinfo, cnet, cnet.Error.INVALID_STATE)
    with pytest.raises(GLib.Error) as excinfo:
        pkt.read_bytes(0, 1)
    assert_cnet_error(excinfo, cnet, cnet.Error.INVALID_STATE)
    with pytest.raises(GLib.Error) as excinfo:
        pkt.get_data()
    assert_cnet_error(excinfo, cnet, cnet.Error.INVALID_STATE)
    assert "is sent" in excinfo.value.message
    resend = cnet.Batch.new(1)
    with pytest.raises(GLib.Error) as excinfo:
        resend.add(pkt)
    assert_cnet_error(excinfo, cnet, cnet.Error.INVALID_STATE)
    while port.tx_flush() > 0:
        pass
    del pkt, port
    assert pool.get_n_in_use() == 0
    assert other.get_n_in_use() == 0


@pytest.mark.parametrize("spin_usecs,busy_poll_usecs",
                         [(0, 0), (100000, 0), (0, 100000)])
def test_main_loop(cnet, netns, spin_usecs, busy_poll_usecs):
    """The source sleeps between bursts; an adaptive one spins; the one of
    a port that busy-polls spins and busy-polls the driver itself."""
    n = 200
    pool = cnet.Mempool.new(4096, 2048, 0)
    port = cnet.Port(interface=netns.veth_a, queue=0, mempool=pool,
                     busy_poll_usecs=busy_poll_usecs)
    port.init(None)
    batch = cnet.Batch.new(64)
    sock = packet_socket(netns.veth_b)
    frames = [udp_frame(netns.mac_a, netns.mac_b, i, 128) for i in range(n)]
    loop = GLib.MainLoop()
    state = {"echoed": 0, "next": 0, "timed_out": False}
    # PyGObject prints and swallows what a callback raises: record what
    # the callbacks see, and assert it after the loop.
    seen = {"user_data": set(), "conditions": set()}

    def send_some():
        for frame in frames[state["next"]:state["next"] + 20]:
            sock.send(frame)
        state["next"] += 20
        return state["next"] < n

    def on_ready(port_, condition, user_data):
        seen["user_data"].add(user_data)
        seen["conditions"].add(int(condition))
        got = port_.receive(batch)
        batch.swap_macs()
        port_.send(batch)
        state["echoed"] += got
        if state["echoed"] == n:
            loop.quit()
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE

    def on_timeout():
        state["timed_out"] = True
        loop.quit()
        return GLib.SOURCE_REMOVE

    watch = port.add_watch(GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN,
                           spin_usecs, on_ready, "data")
    assert watch > 0
    GLib.timeout_add(5, send_some)
    timeout = GLib.timeout_add_seconds(10, on_timeout)
    loop.run()
    assert not state["timed_out"]
    GLib.source_remove(timeout)
    assert seen["user_data"] == {"data"}
    assert seen["conditions"] and all(c & GLib.IOCondition.IN
                                      for c in seen["conditions"]), seen

    expect_echoes(sock, frames)
    stats = port.get_stats()
    assert stats.rx_packets == n
    assert stats.source_dispatches > 0
    assert 0 < stats.source_wakeups <= stats.source_dispatches
    if busy_poll_usecs:
        # recvfrom() on the socket: the kernel's busy poll of the driver.
        assert stats.source_spins > 0
        assert stats.rx_wakeups > 0
    elif spin_usecs:
        assert stats.source_spins > 0
        assert stats.rx_wakeups == 0
    else:
        assert stats.source_spins == 0
        assert stats.source_sleeps > 0


def await_in_poll(tid):
    """Until thread @tid sleeps in poll() (x86-64: poll 7, ppoll 271)."""
    while True:
        with open(f"/proc/self/task/{tid}/syscall") as f:
            if f.read().split()[0] in ("7", "271"):
                return
        time.sleep(0.001)


def test_wait_cancellable(cnet, netns):
    """Port.wait(timeout, cancellable): CANCELLED when cancelled before the
    call, and when another thread cancels while it sleeps without limit;
    TRUE when a frame comes."""
    pool = cnet.Mempool.new(256, 2048, 0)
    port = cnet.Port.new(netns.veth_a, 0, pool)

    cancellable = Gio.Cancellable()
    cancellable.cancel()
    with pytest.raises(GLib.Error) as excinfo:
        port.wait(-1, cancellable)
    assert excinfo.value.matches(Gio.io_error_quark(),
                                 Gio.IOErrorEnum.CANCELLED)

    cancellable = Gio.Cancellable()
    waiter = threading.get_native_id()
    canceller = threading.Thread(
        target=lambda: (await_in_poll(waiter), cancellable.cancel()))
    canceller.start()
    with pytest.raises(GLib.Error) as excinfo:
        port.wait(-1, cancellable)
    canceller.join()
    assert excinfo.value.matches(Gio.io_error_quark(),
                                 Gio.IOErrorEnum.CANCELLED)

    sock = packet_socket(netns.veth_b)
    sock.send(udp_frame(netns.mac_a, netns.mac_b, 1, 64))
    assert port.wait(-1, Gio.Cancellable())
    assert port.receive(cnet.Batch.new(4)) == 1
