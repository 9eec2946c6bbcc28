# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python tests' sandbox and policies.

Run by /usr/bin/python3 -m pytest with GI_TYPELIB_PATH and LD_LIBRARY_PATH
pointing at the build tree (tests/meson.build does that).

Tests marked `netns` need root. Each runs in a child pytest process of its
own, which first moves into a new network namespace (unshare(CLONE_NEWNET)
through ctypes: os.unshare is Python 3.12 and Debian 12 has 3.11) and
makes a veth pair there, with names that carry the child's PID. Nothing
the test does can reach another interface, and when the child exits the
namespace goes with everything in it — veths, XDP programs, sockets —
even when the test failed half-way. The parent only reports the result.

As root no test may skip (a skip there means a test silently did not run),
and a run that collects no test fails instead of exiting with pytest's 5.
"""
import ctypes
import json
import os
import re
import subprocess
import sys

import gi
import pytest

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet  # noqa: E402  pylint: disable=wrong-import-position

CHILD_ENV = "CNET_TEST_NETNS_CHILD"
IN_CHILD = os.environ.get(CHILD_ENV) == "1"
CLONE_NEWNET = 0x40000000
NOT_ROOT = "needs root: creates a network namespace, a veth pair and AF_XDP sockets"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "netns: needs root; runs in a child process in a network namespace "
        "of its own with a veth pair (the netns fixture)")


def pytest_runtest_setup(item):
    if item.get_closest_marker("netns") is not None and os.geteuid() != 0:
        pytest.skip(NOT_ROOT)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Runs a netns test in a child pytest that first unshares."""
    if IN_CHILD or pyfuncitem.get_closest_marker("netns") is None:
        return None
    config = pyfuncitem.config
    env = dict(os.environ, **{CHILD_ENV: "1"})
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           "--rootdir", str(config.rootpath), pyfuncitem.nodeid]
    result = subprocess.run(cmd, env=env, cwd=str(config.rootpath),
                            capture_output=True, text=True, timeout=300,
                            check=False)
    if result.returncode != 0 or not re.search(r"\b1 passed\b",
                                               result.stdout):
        pytest.fail(f"{pyfuncitem.nodeid}, in its network namespace "
                    f"(exit status {result.returncode}):\n"
                    f"{result.stdout}\n{result.stderr}", pytrace=False)
    return True


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("\nconftest: no test was collected; that is a failure")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif os.geteuid() == 0 and reporter is not None and \
            reporter.stats.get("skipped"):
        print("\nconftest: as root no test may skip, but some did")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


class Netns:
    """The child's network namespace: veth_a for libcnet, veth_b for the
    test's own traffic."""

    def __init__(self):
        libc = ctypes.CDLL(None, use_errno=True)
        # Only this (the main) thread moves, and the processes it starts.
        if libc.unshare(CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"unshare(CLONE_NEWNET): {os.strerror(err)}")
        # No router solicitations or MLD reports: tests count frames.
        for name in ("all", "default"):
            path = f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6"
            if os.path.exists(path):
                with open(path, "w", encoding="ascii") as f:
                    f.write("1")
        prefix = f"cp{os.getpid() % 1000000}"
        self.veth_a = prefix + "A"
        self.veth_b = prefix + "B"
        self.ip("link", "add", self.veth_a, "type", "veth", "peer", "name",
                self.veth_b)
        self.ip("link", "set", self.veth_a, "up")
        self.ip("link", "set", self.veth_b, "up")
        self.mac_a = self.mac(self.veth_a)
        self.mac_b = self.mac(self.veth_b)

    @staticmethod
    def ip(*args):
        return subprocess.run(["ip", *args], check=True, capture_output=True,
                              text=True).stdout

    def mac(self, ifname):
        # Not /sys/class/net: sysfs shows the namespace that mounted it.
        info = json.loads(self.ip("-j", "link", "show", "dev", ifname))
        return bytes.fromhex(info[0]["address"].replace(":", ""))

    def xdp_attached(self, ifname):
        info = json.loads(self.ip("-j", "link", "show", "dev", ifname))
        return "xdp" in info[0]

    def close(self):
        subprocess.run(["ip", "link", "del", self.veth_a], check=False,
                       capture_output=True)


@pytest.fixture
def netns():
    """A network namespace with a veth pair, in the child process."""
    if not IN_CHILD:
        # The parent does not run the test body; pytest_pyfunc_call hands
        # it to a child.
        yield None
        return
    ns = Netns()
    yield ns
    ns.close()


@pytest.fixture
def cnet():
    return Cnet
