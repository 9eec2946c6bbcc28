# SPDX-License-Identifier: LGPL-2.1-or-later
"""Ports opened through the AF_XDP device plugin's Unix socket (uds_path),
against a reference server written from the protocol table (udsref.py:
its own XDP program and XSKMAP, nothing of libcnet's or cnetd's), each
test in a network namespace of its own (see conftest.py)."""
import errno
import json
import os
import socket
import subprocess
import tempfile
import time

import pytest
from gi.repository import GLib

from frames import packet_socket, udp_frame
from test_port import assert_cnet_error, expect_echoes
from udsref import (SO_BUSY_POLL, SO_BUSY_POLL_BUDGET, SO_PREFER_BUSY_POLL,
                    RefProgram, RefServer, getsockopt_int)

pytestmark = pytest.mark.netns

HERE = os.path.dirname(os.path.abspath(__file__))
CAP_NET_RAW_ONLY = ["setpriv", "--reuid=nobody", "--regid=nogroup",
                    "--clear-groups", "--inh-caps=-all,+net_raw",
                    "--ambient-caps=+net_raw", "--bounding-set=-all,+net_raw"]


@pytest.fixture
def plugin(netns):
    """The reference device plugin on veth_a: program, map, server."""
    if netns is None:
        yield None
        return
    tmp = tempfile.mkdtemp(prefix="cnet-uds-")
    os.chmod(tmp, 0o755)
    prog = RefProgram(netns.veth_a)

    class Plugin:
        path = os.path.join(tmp, "afxdp.sock")
        server = None

        def serve(self, replies=None):
            self.server = RefServer(self.path, prog.map_fd, replies)
            return self.server

    p = Plugin()
    yield p
    if p.server is not None:
        p.server.close()
    prog.close()
    os.rmdir(tmp)


def echo_through(cnet, port, netns, n):
    batch = cnet.Batch.new(64)
    sock = packet_socket(netns.veth_b)
    frames = [udp_frame(netns.mac_a, netns.mac_b, i, 64 + i * 5)
              for i in range(n)]
    for f in frames:
        sock.send(f)
    echoed = 0
    while echoed < n:
        got = port.receive(batch)
        if got == 0:
            assert port.wait(1000)
            continue
        batch.swap_macs()
        assert port.send(batch) == got
        echoed += got
    expect_echoes(sock, frames)
    sock.close()


def test_uds_echo(cnet, netns, plugin):
    server = plugin.serve()
    pool = cnet.Mempool.new(4096, 2048, 0)
    port = cnet.Port.new_uds(plugin.path, netns.veth_a, 0, pool)
    assert port.get_uds_path() == plugin.path
    assert port.get_xdp_program() is None  # the plugin's program steers
    # The protocol byte for byte: no NUL, the hostname, the interface.
    assert server.received == [
        b"/connect," + socket.gethostname().encode(),
        b"/xsk_map_fd," + netns.veth_a.encode()]
    echo_through(cnet, port, netns, 120)
    stats = port.get_stats()
    assert stats.rx_packets == stats.tx_packets == 120
    del port
    # /fin closes the conversation; the entry is gone (set_socket refuses
    # to replace one), so a new port takes the same map slot once the
    # kernel has freed the old socket's buffer pool (asynchronously).
    assert server.received[-1] == b"/fin"
    deadline = time.monotonic() + 5
    while True:
        try:
            port = cnet.Port.new_uds(plugin.path, netns.veth_a, 0, pool)
            break
        except GLib.Error as e:
            if not e.matches(cnet.error_quark(), cnet.Error.BUSY) or \
                    time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    echo_through(cnet, port, netns, 10)
    del port


def test_uds_busy_poll(cnet, netns, plugin):
    server = plugin.serve()
    pool = cnet.Mempool.new(4096, 2048, 0)
    port = cnet.Port(uds_path=plugin.path, interface=netns.veth_a, queue=0,
                     mempool=pool, busy_poll_usecs=20, busy_poll_budget=32)
    port.init(None)
    assert b"/config_busy_poll,20,32" in server.received
    assert server.busy_poll_done == [(20, 32, True)]
    fd = port.get_fd()
    assert getsockopt_int(fd, socket.SOL_SOCKET, SO_PREFER_BUSY_POLL) == 1
    assert getsockopt_int(fd, socket.SOL_SOCKET, SO_BUSY_POLL) == 20
    # The kernel has no getsockopt for SO_BUSY_POLL_BUDGET (ENOPROTOOPT):
    # the server's setsockopt of the 32 asked for succeeded (above).
    with pytest.raises(OSError) as excinfo:
        getsockopt_int(fd, socket.SOL_SOCKET, SO_BUSY_POLL_BUDGET)
    assert excinfo.value.errno == errno.ENOPROTOOPT
    echo_through(cnet, port, netns, 20)
    del port


def test_uds_reply_after_comma(cnet, netns, plugin):
    """Text after a comma in a reply is the server's own (CNDP's server
    answers /fd_ack,<n>): ignored."""
    plugin.serve({"connect": b"/host_ok,welcome"})
    pool = cnet.Mempool.new(4096, 2048, 0)
    port = cnet.Port.new_uds(plugin.path, netns.veth_a, 0, pool)
    echo_through(cnet, port, netns, 5)
    del port


NAKS = [
    # (replies, busy poll, error code name, what the message names)
    ({"connect": b"/host_nak"}, False, "PERMISSION_DENIED",
     ["/connect,", "/host_nak"]),
    ({"connect": b"/error"}, False, "PERMISSION_DENIED",
     ["/connect,", "/error"]),
    ({"connect": b"/host_okay"}, False, "PERMISSION_DENIED",
     ["/connect,", "/host_okay"]),
    ({"xsk_map_fd": b"/fd_nak"}, False, "PERMISSION_DENIED",
     ["/xsk_map_fd,", "/fd_nak"]),
    ({"xsk_map_fd": b"/nak"}, False, "NOT_SUPPORTED",
     ["/xsk_map_fd,", "/nak"]),
    ({"xsk_map_fd": b"/fd_ack,0"}, False, "FAILED",
     ["/xsk_map_fd,", "without a file descriptor"]),
    ({"config_busy_poll": b"/config_busy_poll_nak"}, True, "FAILED",
     ["/config_busy_poll,20,64", "/config_busy_poll_nak"]),
    ({"connect": None}, False, "FAILED", ["/connect,", "no reply"]),
]


@pytest.mark.parametrize("replies,busy,code,names", NAKS,
                         ids=[f"{list(r)[0]}-{r[list(r)[0]]}"
                              for r, _, _, _ in NAKS])
def test_uds_nak(cnet, netns, plugin, replies, busy, code, names):
    plugin.serve(replies)
    pool = cnet.Mempool.new(4096, 2048, 0)
    with pytest.raises(GLib.Error) as excinfo:
        port = cnet.Port(uds_path=plugin.path, interface=netns.veth_a,
                         queue=0, mempool=pool,
                         busy_poll_usecs=20 if busy else 0)
        port.init(None)
    assert_cnet_error(excinfo, cnet, getattr(cnet.Error, code))
    msg = excinfo.value.message
    assert msg.startswith(f"uds_path {plugin.path}: "), msg
    for name in names:
        assert name in msg, msg


def test_uds_no_socket(cnet, netns, plugin):
    pool = cnet.Mempool.new(4096, 2048, 0)
    with pytest.raises(GLib.Error) as excinfo:
        cnet.Port.new_uds(plugin.path, netns.veth_a, 0, pool)
    assert_cnet_error(excinfo, cnet, cnet.Error.NOT_FOUND)
    assert plugin.path in excinfo.value.message
    assert "connect" in excinfo.value.message


def test_uds_no_rules(cnet, netns, plugin):
    plugin.serve()
    pool = cnet.Mempool.new(4096, 2048, 0)
    with pytest.raises(GLib.Error) as excinfo:
        port = cnet.Port(uds_path=plugin.path, interface=netns.veth_a,
                         queue=0, mempool=pool, rules=["udp dport 9001"])
        port.init(None)
    assert_cnet_error(excinfo, cnet, cnet.Error.NOT_SUPPORTED)
    assert "takes no steering rules" in excinfo.value.message


def test_uds_only_cap_net_raw(cnet, netns, plugin):
    """As nobody with CAP_NET_RAW alone: the port opens and echoes."""
    plugin.serve()
    os.chmod(plugin.path, 0o777)
    n = 50
    proc = subprocess.Popen(
        CAP_NET_RAW_ONLY + ["/usr/bin/python3",
                            os.path.join(HERE, "uds-echo.py"), plugin.path,
                            netns.veth_a, "0", str(n)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline() or "{}")
        assert first.get("ready"), (first, proc.stderr.read()
                                    if proc.poll() is not None else "")
        assert first["uid"] == 65534
        assert first["program"] is False
        sock = packet_socket(netns.veth_b)
        frames = [udp_frame(netns.mac_a, netns.mac_b, i, 80) for i in range(n)]
        for f in frames:
            sock.send(f)
        assert json.loads(proc.stdout.readline()) == {"echoed": n}
        expect_echoes(sock, frames)
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
