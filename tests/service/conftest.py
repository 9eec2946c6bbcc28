# SPDX-License-Identifier: LGPL-2.1-or-later
"""The service tests' harness: the real cnetd on a real dbus-daemon.

Each test gets:

- two named network namespaces, A and B, joined by a veth pair (names carry
  this process's PID), with 192.0.2.1 on A's end and 192.0.2.2 on B's;
- a private bus: dbus-daemon with a system-bus-like policy
  (tests/service/system-bus.conf, which includes data/org.cnet.Cnet1.conf)
  on a path socket, reachable from every namespace;
- cnetd in namespace A on that bus, under G_DEBUG=fatal-criticals, with a
  configuration the test chooses; its log is printed when a test fails.

Everything is removed afterwards, processes by their PID, namespaces by
name; a test that finds an XDP program left behind fails. Root only: the
tests skip (with a reason) otherwise, and as root any skip fails the run.
"""
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import gi
import pytest

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CNETD = os.environ.get("CNETD", "cnetd")
CLIENT = os.environ.get("CNET_TEST_CLIENT", "cnet-test-client")
PY_CLIENT = os.path.join(HERE, "py-client.py")
LESSEE = os.path.join(HERE, "lessee.py")
BUS_CONF = os.path.join(HERE, "system-bus.conf")
NOT_ROOT = "needs root: network namespaces, XDP programs, a system-type bus"
ADDR_A = "192.0.2.1"
ADDR_B = "192.0.2.2"
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
          "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
_counter = [0]


def c_env(**extra):
    """The environment for a C program the tests start (cnetd, the C
    client): in a sanitizer build, leak detection on (the Python processes
    run with it off, see tests/meson.build)."""
    env = dict(os.environ, **extra)
    if "CNET_CHILD_ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] = env["CNET_CHILD_ASAN_OPTIONS"]
    return env


def sanitizer_report(text):
    """Whether TEXT holds an ASan, LSan or UBSan report."""
    return "Sanitizer" in text or "runtime error:" in text


def run(cmd, check=True, **kw):
    return subprocess.run(cmd, check=check, capture_output=True, text=True,
                          timeout=60, **kw)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("\nconftest: no test was collected; that is a failure")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif os.geteuid() == 0 and reporter is not None and \
            reporter.stats.get("skipped"):
        print("\nconftest: as root no test may skip, but some did")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


class Env:
    """Two namespaces, a bus, and (once started) cnetd."""

    def __init__(self):
        _counter[0] += 1
        tag = f"{os.getpid() % 100000}{_counter[0]}"
        self.ns_a = f"cnetsvc{tag}a"
        self.ns_b = f"cnetsvc{tag}b"
        self.veth_a = f"cs{tag}a"[:15]
        self.veth_b = f"cs{tag}b"[:15]
        self.dir = tempfile.mkdtemp(prefix="cnet-svc-")
        os.chmod(self.dir, 0o755)
        self.address = f"unix:path={self.dir}/bus"
        self.procs = []
        self.cnetd = None
        self.cnetd_log = os.path.join(self.dir, "cnetd.log")
        self.bus = None
        self.conn = None

        run(["ip", "netns", "add", self.ns_a])
        run(["ip", "netns", "add", self.ns_b])
        for ns in (self.ns_a, self.ns_b):
            self.ns_run(ns, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                             "net.ipv6.conf.default.disable_ipv6=1"])
        run(["ip", "-n", self.ns_a, "link", "add", self.veth_a, "type", "veth",
             "peer", "name", self.veth_b, "netns", self.ns_b])
        run(["ip", "-n", self.ns_a, "addr", "add", ADDR_A + "/24", "dev",
             self.veth_a])
        run(["ip", "-n", self.ns_b, "addr", "add", ADDR_B + "/24", "dev",
             self.veth_b])
        run(["ip", "-n", self.ns_a, "link", "set", self.veth_a, "up"])
        run(["ip", "-n", self.ns_b, "link", "set", self.veth_b, "up"])
        self.mac_a = self.mac(self.ns_a, self.veth_a)
        self.mac_b = self.mac(self.ns_b, self.veth_b)
        self.start_bus()

    # --- plumbing ---

    @staticmethod
    def ns_run(ns, cmd, check=True):
        return run(["ip", "netns", "exec", ns] + cmd, check=check)

    @staticmethod
    def mac(ns, dev):
        out = run(["ip", "-n", ns, "-j", "link", "show", dev]).stdout
        return json.loads(out)[0]["address"]

    def spawn(self, cmd, **kw):
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, **kw)
        self.procs.append(p)
        return p

    def start_bus(self):
        old = os.umask(0)
        try:
            self.bus = subprocess.Popen(
                ["dbus-daemon", "--config-file=" + BUS_CONF,
                 "--address=" + self.address, "--nofork", "--nopidfile"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            os.umask(old)
        for _ in range(100):
            if os.path.exists(self.dir + "/bus"):
                break
            time.sleep(0.05)
        self.conn = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
            Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

    def write_config(self, text):
        path = os.path.join(self.dir, "cnetd.jsonc")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def start_cnetd(self, config=None, wait=True, env=None, args=()):
        if config is None:
            config = ('{ "interfaces": ["cs*"], "authorization": "group", '
                      '"group": "nogroup" }')
        path = self.write_config(config)
        log = open(self.cnetd_log, "a", encoding="utf-8")
        env = c_env(G_DEBUG="fatal-criticals", **(env or {}))
        self.cnetd = subprocess.Popen(
            ["ip", "netns", "exec", self.ns_a, CNETD, "--address",
             self.address, "--config", path, "--verbose", *args],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        if wait:
            self.wait_for(lambda: self.name_has_owner("org.cnet.Cnet1"),
                          "cnetd to own org.cnet.Cnet1")

    def stop_cnetd(self):
        if self.cnetd is None:
            return None
        self.cnetd.send_signal(signal.SIGTERM)
        code = self.cnetd.wait(timeout=10)
        self.cnetd = None
        return code

    def name_has_owner(self, name):
        reply = self.conn.call_sync("org.freedesktop.DBus",
                                    "/org/freedesktop/DBus",
                                    "org.freedesktop.DBus", "NameHasOwner",
                                    GLib.Variant("(s)", (name,)), None,
                                    Gio.DBusCallFlags.NONE, -1, None)
        return reply.unpack()[0]

    @staticmethod
    def wait_for(pred, what, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")

    # --- D-Bus as a client would ---

    def call(self, path, iface, method, args=None, sig=None, fds=None):
        """Calls cnetd; returns the unpacked reply or raises GLib.Error."""
        reply, _ = self.conn.call_with_unix_fd_list_sync(
            "org.cnet.Cnet1", path, iface, method,
            GLib.Variant(sig, args) if sig else None, None,
            Gio.DBusCallFlags.NONE, 10000, fds, None)
        return reply.unpack() if reply is not None else None

    def manager(self, method, args=None, sig=None):
        return self.call("/org/cnet/Cnet1", "org.cnet.Cnet1.Manager", method,
                         args, sig)

    def get(self, path, iface, prop):
        return self.call(path, "org.freedesktop.DBus.Properties", "Get",
                         (iface, prop), "(ss)")[0]

    def leases(self):
        return self.manager("ListLeases")[0]

    @staticmethod
    def memfd(size=64 * 2048, seals=None):
        """A memfd for a UMEM, sealed as cnetd wants unless SEALS says
        otherwise."""
        fd = os.memfd_create("test-umem", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.ftruncate(fd, size)
        if seals is None:
            seals = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW
        if seals:
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
        return fd

    def acquire(self, queue=0, options=None, umem=None, conn=None,
                iface=None):
        """AcquireQueue as a client would call it (protocol v2), with a
        small sealed memfd unless UMEM (an fd) is given. Returns (lease,
        socket fd, guard fd, info); raises GLib.Error."""
        own = umem is None
        if own:
            umem = self.memfd()
        try:
            fds = Gio.UnixFDList.new_from_array([os.dup(umem)])
            reply, out = (conn or self.conn).call_with_unix_fd_list_sync(
                "org.cnet.Cnet1", "/org/cnet/Cnet1", "org.cnet.Cnet1.Manager",
                "AcquireQueue",
                GLib.Variant("(sua{sv}h)", (iface or self.veth_a, queue,
                                            options or {}, 0)),
                None, Gio.DBusCallFlags.NONE, 10000, fds, None)
        finally:
            if own:
                os.close(umem)
        lease, h_sock, h_guard, info = reply.unpack()
        got = out.steal_fds()
        return lease, got[h_sock], got[h_guard], info

    def iface_path(self, name=None):
        for p in self.manager("ListInterfaces")[0]:
            if self.get(p, "org.cnet.Cnet1.Interface", "Name") == \
                    (name or self.veth_a):
                return p
        raise AssertionError(f"no interface object for {name}")

    def busctl(self, *args, check=True):
        return run(["busctl", "--address=" + self.address] + list(args),
                   check=check)

    def xdp_attached(self, ns=None, dev=None):
        out = run(["ip", "-n", ns or self.ns_a, "-j", "-d", "link", "show",
                   dev or self.veth_a]).stdout
        return "xdp" in json.loads(out)[0]

    # --- clients ---

    def client(self, mode, *args, python=False, env=None):
        """Starts an unprivileged client in namespace A; waits for "ready"
        (or its error); returns (process, first line)."""
        if python:
            cmd = ["/usr/bin/python3", PY_CLIENT, self.address, self.veth_a]
        else:
            cmd = [CLIENT, mode, self.address, self.veth_a]
        p = self.spawn(["ip", "netns", "exec", self.ns_a] + NOBODY + cmd +
                       [str(a) for a in args],
                       env=(dict(os.environ, **(env or {})) if python
                            else c_env(**(env or {}))))
        line = p.stdout.readline()
        return p, line

    def lessee(self, user=None, env=None):
        """Starts tests/service/lessee.py unprivileged (NOBODY, or USER:
        setpriv options) in namespace A; returns a Lessee."""
        p = subprocess.Popen(
            ["ip", "netns", "exec", self.ns_a] + (user or NOBODY) +
            ["/usr/bin/python3", LESSEE, self.address],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
            env=dict(os.environ, **(env or {})))
        self.procs.append(p)
        return Lessee(p)

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
        code = self.stop_cnetd()
        if self.bus is not None:
            self.bus.terminate()
            self.bus.wait()
        leftover = self.xdp_attached()
        run(["ip", "netns", "del", self.ns_a], check=False)
        run(["ip", "netns", "del", self.ns_b], check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
        return code, leftover


class Lessee:
    """A running lessee.py: one command, one JSON answer."""

    def __init__(self, proc):
        self.proc = proc
        first = proc.stdout.readline()
        assert first.startswith("{"), first + proc.stdout.read()
        self.uid = json.loads(first)["uid"]

    def __call__(self, *words):
        self.proc.stdin.write(" ".join(str(w) for w in words) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line.startswith("{"), line + self.proc.stdout.read()
        return json.loads(line)


@pytest.fixture
def env(request):
    if os.geteuid() != 0:
        pytest.skip(NOT_ROOT)
    e = Env()
    yield e
    with open(e.cnetd_log, encoding="utf-8", errors="replace") if \
            os.path.exists(e.cnetd_log) else open(os.devnull) as f:
        log = f.read()
    code, leftover = e.close()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        print("---- cnetd's log ----\n" + log)
    assert not leftover, "an XDP program was left on the interface"
    assert code in (None, 0), f"cnetd exited with {code}:\n{log}"
    assert "CRITICAL" not in log and "WARNING" not in log, log
    assert not sanitizer_report(log), log
