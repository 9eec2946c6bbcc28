# SPDX-License-Identifier: LGPL-2.1-or-later
"""CnetClient's _async/_finish calls from a running GLib.MainLoop against
the real cnetd: the same answers as their blocking twins, errors through
the callback, and G_IO_ERROR_CANCELLED when cancelled before the call or
while cnetd holds it (cnetd stopped with SIGSTOP, so nothing can answer
until the test lets it go on)."""
import os
import signal
import subprocess
import sys

import gi
import pytest

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, Gio, GLib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "list-async.py")


class Loop:
    """Runs async calls in a GLib.MainLoop and records their outcomes, so
    that a failed assertion is raised after the loop, not lost in a
    callback."""

    def __init__(self):
        self.loop = GLib.MainLoop()
        self.results = {}
        self.pending = 0
        self.ticks = 0

    def start(self, name, begin, finish, *args, cancellable=None):
        def done(source, res):
            try:
                self.results[name] = ("ok", finish(res))
            except GLib.Error as e:
                self.results[name] = ("error", e)
            self.pending -= 1
            if self.pending == 0:
                self.loop.quit()
        self.pending += 1
        begin(*args, cancellable, done)

    def tick(self):
        self.ticks += 1
        return GLib.SOURCE_CONTINUE

    def run(self, on_started=None):
        """Runs the loop until every call has answered (at most 60 s)."""
        timer = GLib.timeout_add(5, self.tick)
        guard = GLib.timeout_add_seconds(60, self.loop.quit)
        if on_started is not None:
            GLib.idle_add(on_started)
        self.loop.run()
        GLib.source_remove(timer)
        GLib.source_remove(guard)
        assert self.pending == 0, f"{self.pending} calls never answered"
        return self.results


def calls(client, iface, lease):
    """Every query, as (name, begin, finish, args...)."""
    return [
        ("version", client.get_version_async, client.get_version_finish),
        ("interfaces", client.list_interfaces_async,
         client.list_interfaces_finish),
        ("leases", client.list_leases_async, client.list_leases_finish),
        ("iface-by-name", client.get_interface_info_async,
         client.get_interface_info_finish, iface),
        ("lease", client.get_lease_info_async, client.get_lease_info_finish,
         lease),
    ]


def without_stats(info):
    """An info dictionary minus its Stats (read anew on each call)."""
    d = info.unpack()
    d.pop("Stats")
    return d


def test_async_queries_equal_sync(env):
    """Each async query, from a running loop, answers what its blocking
    twin answers."""
    env.start_cnetd()
    lease, sock, guard, _ = env.acquire(0)
    try:
        client = Cnet.Client.new(env.address, None)
        iface_path = env.iface_path()
        loop = Loop()
        for name, begin, finish, *args in calls(client, env.veth_a, lease):
            loop.start(name, begin, finish, *args)
        loop.start("iface-by-path", client.get_interface_info_async,
                   client.get_interface_info_finish, iface_path)
        got = loop.run()
        for name, (kind, value) in got.items():
            assert kind == "ok", (name, value)

        assert got["version"][1] == client.get_version(None)
        assert got["interfaces"][1] == client.list_interfaces(None)
        assert iface_path in got["interfaces"][1]
        assert got["leases"][1] == client.list_leases(None) == [lease]
        by_name = got["iface-by-name"][1]
        assert by_name.unpack()["Name"] == env.veth_a
        assert by_name.unpack()["Object"] == iface_path
        assert without_stats(by_name) == without_stats(
            client.get_interface_info(env.veth_a, None))
        assert without_stats(got["iface-by-path"][1]) == \
            without_stats(by_name)
        info = got["lease"][1].unpack()
        assert info["Object"] == lease and info["Queue"] == 0
        assert info["Interface"] == env.veth_a
        assert without_stats(got["lease"][1]) == without_stats(
            client.get_lease_info(lease, None))
    finally:
        os.close(sock)
        os.close(guard)


def test_async_errors(env):
    """Errors arrive through the callback, as the blocking calls give
    them: no such interface or lease, a lease name that is not one."""
    env.start_cnetd()
    client = Cnet.Client.new(env.address, None)
    loop = Loop()
    loop.start("iface", client.get_interface_info_async,
               client.get_interface_info_finish, "nosuch0")
    loop.start("lease", client.get_lease_info_async,
               client.get_lease_info_finish, "4242")
    loop.start("bad-lease", client.get_lease_info_async,
               client.get_lease_info_finish, "four")
    loop.start("release", client.release_lease_async,
               client.release_lease_finish, "4242")
    got = loop.run()
    expect = {"iface": Cnet.Error.NOT_FOUND, "lease": Cnet.Error.NOT_FOUND,
              "bad-lease": Cnet.Error.INVALID_ARGUMENT,
              "release": Cnet.Error.NOT_FOUND}
    for name, code in expect.items():
        kind, e = got[name]
        assert kind == "error", (name, e)
        assert e.matches(Cnet.error_quark(), code), (name, e.message)
    assert "nosuch0" in got["iface"][1].message
    assert "4242" in got["lease"][1].message
    # The blocking twins say the same.
    with pytest.raises(GLib.Error) as excinfo:
        client.get_interface_info("nosuch0", None)
    assert excinfo.value.message == got["iface"][1].message
    with pytest.raises(GLib.Error) as excinfo:
        client.release_lease("4242", None)
    assert excinfo.value.message == got["release"][1].message


def test_async_release(env):
    """release_lease_async ends the lease: cnetd lists it no more."""
    env.start_cnetd()
    lease, sock, guard, _ = env.acquire(0)
    try:
        client = Cnet.Client.new(env.address, None)
        loop = Loop()
        loop.start("release", client.release_lease_async,
                   client.release_lease_finish, lease)
        got = loop.run()
        assert got["release"] == ("ok", True)
        assert env.leases() == []
    finally:
        os.close(sock)
        os.close(guard)


def assert_all_cancelled(got, names):
    for name in names:
        kind, e = got[name]
        assert kind == "error", (name, e)
        assert e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED), \
            (name, e.message)


def test_async_cancelled_before(env):
    """A call whose cancellable is already cancelled answers
    G_IO_ERROR_CANCELLED, and so does its blocking twin."""
    env.start_cnetd()
    lease, sock, guard, _ = env.acquire(0)
    try:
        client = Cnet.Client.new(env.address, None)
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        loop = Loop()
        todo = calls(client, env.veth_a, lease) + [
            ("release", client.release_lease_async,
             client.release_lease_finish, lease)]
        for name, begin, finish, *args in todo:
            loop.start(name, begin, finish, *args, cancellable=cancellable)
        got = loop.run()
        assert_all_cancelled(got, [t[0] for t in todo])
        with pytest.raises(GLib.Error) as excinfo:
            client.list_interfaces(cancellable)
        assert excinfo.value.matches(Gio.io_error_quark(),
                                     Gio.IOErrorEnum.CANCELLED)
        with pytest.raises(GLib.Error) as excinfo:
            client.release_lease(lease, cancellable)
        assert excinfo.value.matches(Gio.io_error_quark(),
                                     Gio.IOErrorEnum.CANCELLED)
        # Nothing was released.
        assert env.leases() == [lease]
    finally:
        os.close(sock)
        os.close(guard)


def test_async_cancelled_in_flight(env):
    """With cnetd stopped (SIGSTOP), every call is in flight until it is
    cancelled: none answers before the cancel, each then answers
    G_IO_ERROR_CANCELLED, and the loop's timer kept firing throughout."""
    env.start_cnetd()
    lease, sock, guard, _ = env.acquire(0)
    client = Cnet.Client.new(env.address, None)
    cancellable = Gio.Cancellable()
    loop = Loop()
    state = {}

    def cancel_later():
        # Every call is under way and cnetd cannot answer any: wait for
        # the timer to fire a few times with all of them pending, then
        # cancel.
        def check():
            if loop.ticks < 5:
                return GLib.SOURCE_CONTINUE
            state["pending_at_cancel"] = loop.pending
            state["answered_before_cancel"] = dict(loop.results)
            cancellable.cancel()
            return GLib.SOURCE_REMOVE
        GLib.timeout_add(5, check)
        return GLib.SOURCE_REMOVE

    todo = calls(client, env.veth_a, lease) + [
        ("release", client.release_lease_async, client.release_lease_finish,
         lease)]
    os.kill(env.cnetd.pid, signal.SIGSTOP)
    try:
        for name, begin, finish, *args in todo:
            loop.start(name, begin, finish, *args, cancellable=cancellable)
        got = loop.run(on_started=cancel_later)
    finally:
        os.kill(env.cnetd.pid, signal.SIGCONT)
    assert state["answered_before_cancel"] == {}
    assert state["pending_at_cancel"] == len(todo)
    assert_all_cancelled(got, [t[0] for t in todo])
    assert loop.ticks >= 5
    # cnetd, let go on, answers the calls nobody waits for any more; the
    # Release it received still ends the lease (a cancel does not unsend).
    env.wait_for(lambda: env.leases() == [], "cnetd to handle the Release",
                 timeout=30)
    os.close(sock)
    os.close(guard)


def test_list_async_example(env):
    """examples/list-async.py lists interfaces and leases from a running
    loop, its timer ticking, as cnetctl does."""
    env.start_cnetd()
    lease, sock, guard, _ = env.acquire(0)
    try:
        out = subprocess.run(
            [sys.executable if "gi" in sys.modules else "/usr/bin/python3",
             EXAMPLE, "--address", env.address],
            capture_output=True, text=True, timeout=60, check=True).stdout
    finally:
        os.close(sock)
        os.close(guard)
    lines = out.splitlines()
    assert f"interface {env.veth_a}" in " ".join(lines), out
    n = lease.rsplit("/", 1)[1]
    assert any(l.startswith(f"lease {n}: {env.veth_a} queue 0") for l in
               lines), out
    assert lines[-1].startswith("done; the timer ticked"), out


def two_queue_veth(env):
    env.ns_run(env.ns_a, ["ip", "link", "del", env.veth_a])
    env.ns_run(env.ns_a, ["ip", "link", "add", env.veth_a, "numrxqueues", "2",
                          "numtxqueues", "2", "type", "veth", "peer", "name",
                          env.veth_b, "numrxqueues", "2", "numtxqueues", "2",
                          "netns", env.ns_b])
    env.ns_run(env.ns_a, ["ip", "link", "set", env.veth_a, "up"])
    env.ns_run(env.ns_b, ["ip", "link", "set", env.veth_b, "up"])


def test_open_queues(env):
    """open_queues_async leases consecutive queues on one mempool from a
    running loop; it is all or nothing (a queue too many: no lease stays),
    and so is its blocking twin; a cancelled one leases nothing."""
    two_queue_veth(env)
    env.start_cnetd()
    client = Cnet.Client.new(env.address, None)
    pool = Cnet.Mempool.new(4096, 2048, 0)

    loop = Loop()
    loop.start("both", client.open_queues_async, client.open_queues_finish,
               env.veth_a, 0, 2, pool, None)
    loop.start("too-many", client.open_queues_async,
               client.open_queues_finish, env.veth_a, 0, 3, Cnet.Mempool.new(
                   4096, 2048, 0), None)
    got = loop.run()
    kind, ports = got.pop("both")
    assert kind == "ok", ports
    assert [p.get_queue() for p in ports] == [0, 1]
    assert all(p.get_interface() == env.veth_a for p in ports)
    assert len(env.leases()) == 2
    kind, e = got.pop("too-many")
    assert kind == "error"
    # Queue 0 was the first to ask, so queues 0 and 1 are the other
    # call's: this one fails on its first lease (busy) or its third (no
    # such queue), whichever comes first, and keeps nothing.
    assert e.matches(Cnet.error_quark(), Cnet.Error.BUSY) or \
        e.matches(Cnet.error_quark(), Cnet.Error.OUT_OF_RANGE) or \
        e.matches(Cnet.error_quark(), Cnet.Error.INVALID_ARGUMENT), e.message
    del ports
    env.wait_for(lambda: env.leases() == [], "the ports' leases to end",
                 timeout=30)

    # The blocking twin: a queue too many, and nothing stays.
    with pytest.raises(GLib.Error) as excinfo:
        client.open_queues(env.veth_a, 1, 2, pool, None, None)
    assert env.veth_a in excinfo.value.message
    env.wait_for(lambda: env.leases() == [], "queue 1's lease to end",
                 timeout=30)
    ports = client.open_queues(env.veth_a, 0, 2, pool, None, None)
    assert [p.get_queue() for p in ports] == [0, 1]
    del ports
    env.wait_for(lambda: env.leases() == [], "the ports' leases to end",
                 timeout=30)

    cancellable = Gio.Cancellable()
    cancellable.cancel()
    loop = Loop()
    loop.start("cancelled", client.open_queues_async,
               client.open_queues_finish, env.veth_a, 0, 2, pool, None,
               cancellable=cancellable)
    assert_all_cancelled(loop.run(), ["cancelled"])
    env.wait_for(lambda: env.leases() == [], "no lease", timeout=30)
