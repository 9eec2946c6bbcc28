# SPDX-License-Identifier: LGPL-2.1-or-later
"""Nothing outlives its process: libcnet attaches its XDP program through a
bpf_link, so the kernel detaches it when the process goes, however it goes
(each test in a network namespace of its own, see conftest.py)."""
import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.netns

HERE = os.path.dirname(os.path.abspath(__file__))
WATCH = os.path.join(HERE, "..", "..", "examples", "watch.py")

HOLD = """
import sys, gi
gi.require_version("Cnet", "1.0")
from gi.repository import Cnet
pool = Cnet.Mempool.new(4096, 2048, 0)
port = Cnet.Port.new(sys.argv[1], 0, pool)
print("ready", flush=True)
sys.stdin.read()
"""


def await_detached(netns, what):
    """The kernel releases a link when the last fd closes, as the process
    exits; await it rather than assume it."""
    deadline = time.monotonic() + 30
    while netns.xdp_attached(netns.veth_a):
        assert time.monotonic() < deadline, f"the program stayed after {what}"
        time.sleep(0.01)


def test_sigkill_leaves_nothing(netns):
    for _ in range(2):  # the second run finds the interface as it was
        p = subprocess.Popen([sys.executable, "-c", HOLD, netns.veth_a],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
        assert p.stdout.readline().strip() == "ready"
        assert netns.xdp_attached(netns.veth_a)
        p.send_signal(signal.SIGKILL)
        p.wait()
        await_detached(netns, "SIGKILL")


def test_watch_example_exits_clean(netns):
    """The guide's watch example (a port watch in a GLib.MainLoop, which
    keeps the port alive to the end) exits normally and leaves nothing;
    a second run works."""
    for _ in range(2):
        r = subprocess.run([sys.executable, WATCH, "-i", netns.veth_a, "-d",
                            "1"], capture_output=True, text=True, timeout=60,
                           check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        assert "foreign" not in r.stdout + r.stderr
        await_detached(netns, "a normal exit")


OPEN = """
import sys, gi
gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, GLib
try:
    Cnet.Port.new(sys.argv[1], 0, Cnet.Mempool.new(1024, 2048, 0))
    print("opened")
except GLib.Error as e:
    print(e.message)
"""


@pytest.mark.parametrize("caps,missing", [
    ("+net_admin,+net_raw,+bpf,+perfmon", None),
    ("+net_admin,+net_raw,+bpf", "CAP_PERFMON"),
    ("+net_raw,+bpf,+perfmon", "CAP_NET_ADMIN"),
    ("+net_admin,+net_raw,+perfmon", "CAP_BPF"),
    ("+net_admin,+bpf,+perfmon", "CAP_NET_RAW"),
], ids=["all", "no-perfmon", "no-net-admin", "no-bpf", "no-net-raw"])
def test_capabilities(netns, caps, missing):
    """Root held to exactly the capabilities a port needs opens one; with
    any of them missing the error names the one it lacks."""
    r = subprocess.run(["setpriv", "--bounding-set=-all," + caps,
                        "--inh-caps=-all," + caps,
                        "--ambient-caps=-all," + caps,
                        sys.executable, "-c", OPEN, netns.veth_a],
                       capture_output=True, text=True, timeout=60,
                       check=False)
    out = r.stdout.strip()
    if missing is None:
        assert out == "opened", out + r.stderr
    else:
        assert missing in out, out + r.stderr
    await_detached(netns, "the process")
