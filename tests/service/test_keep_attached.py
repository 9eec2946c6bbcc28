# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnetd's "keep-xdp-attached": the program stays on managed interfaces
while cnetd runs (so a lease need not wait for the kernel to verify and
attach it), passes all traffic that is not leased to the kernel, and is
gone when cnetd stops, however it stops: the interface is left as found."""
import json
import os
import signal
import subprocess

import pytest

from conftest import ADDR_A, CNETD, run

KEEP = ('{ "interfaces": ["cs*"], "authorization": "group", '
        '"group": "nogroup", "keep-xdp-attached": true }')



def prog_id(env):
    out = run(["ip", "-n", env.ns_a, "-j", "-d", "link", "show",
               env.veth_a]).stdout
    return json.loads(out)[0].get("xdp", {}).get("prog", {}).get("id")


def ping_ok(env):
    """Kernel traffic from B to A and back (ICMP echo, A's stack answers)."""
    r = run(["ip", "netns", "exec", env.ns_b, "ping", "-c", "3", "-i", "0.2",
             "-W", "10", ADDR_A], check=False)
    return r.returncode == 0, r.stdout + r.stderr


def udp_to_a(env):
    """A datagram from B to a socket of A's stack, as the kernel delivers
    it with the program on A and no lease."""
    recv = subprocess.Popen(
        ["ip", "netns", "exec", env.ns_a, "/usr/bin/python3", "-c",
         "import socket,sys\n"
         "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
         f"s.bind(('{ADDR_A}',9300))\n"
         "print('ready',flush=True)\n"
         "s.settimeout(30)\n"
         "print(s.recvfrom(100)[0].decode(),flush=True)\n"],
        stdout=subprocess.PIPE, text=True)
    env.procs.append(recv)
    assert recv.stdout.readline().strip() == "ready"
    # One datagram every 100 ms until the receiver has one (the first may
    # wait on ARP); the receiver's exit ends the wait, not a sleep.
    sender = subprocess.Popen(
        ["ip", "netns", "exec", env.ns_b, "/usr/bin/python3", "-c",
         "import socket,time\n"
         "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
         "for i in range(300):\n"
         f"    s.sendto(b'hello kernel',('{ADDR_A}',9300)); time.sleep(0.1)\n"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env.procs.append(sender)
    try:
        got = recv.stdout.readline().strip()
        recv.wait(timeout=30)
    finally:
        sender.kill()
        sender.wait()
    return got


def test_kept_attached_and_kernel_traffic_flows(env):
    """With the option the program is on the interface as soon as cnetd
    serves, before any lease; with no lease it passes everything, so A's
    own stack still answers pings and receives datagrams; a lease and its
    end leave the same program attached."""
    env.start_cnetd(KEEP)
    env.wait_for(lambda: prog_id(env) is not None, "cnetd's program")
    first = prog_id(env)
    ok, out = ping_ok(env)
    assert ok, out
    assert udp_to_a(env) == "hello kernel"
    path = env.iface_path()
    assert env.get(path, "org.cnet.Cnet1.Interface",
                   "AttachedXdpMode") == "native"

    lease, sock, guard, _ = env.acquire(0)
    assert prog_id(env) == first
    env.call(lease, "org.cnet.Cnet1.Lease", "Release")
    os.close(sock)
    os.close(guard)
    env.wait_for(lambda: env.leases() == [], "the lease to end")
    assert prog_id(env) == first
    ok, out = ping_ok(env)
    assert ok, out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT,
                                 signal.SIGKILL])
def test_nothing_left_after_cnetd_stops(env, sig):
    """However cnetd stops, with or without a lease open, the interface is
    left bare: SIGTERM and SIGINT detach the program on the way out, and
    SIGKILL leaves the bpf_link to the kernel, which detaches it with
    cnetd's last fd."""
    env.start_cnetd(KEEP)
    env.wait_for(lambda: prog_id(env) is not None, "cnetd's program")
    lease, sock, guard, _ = env.acquire(0)
    env.cnetd.send_signal(sig)
    code = env.cnetd.wait(timeout=30)
    env.cnetd = None
    assert code == (-signal.SIGKILL if sig == signal.SIGKILL else 0), code
    os.close(sock)
    os.close(guard)
    env.wait_for(lambda: prog_id(env) is None,
                 f"the program to be gone after {sig.name}", timeout=30)
    ok, out = ping_ok(env)
    assert ok, out


def test_off_by_default(env):
    """Without the option the program is attached only while a lease is
    open, as before."""
    env.start_cnetd()
    assert prog_id(env) is None
    lease, sock, guard, _ = env.acquire(0)
    assert prog_id(env) is not None
    env.call(lease, "org.cnet.Cnet1.Lease", "Release")
    os.close(sock)
    os.close(guard)
    env.wait_for(lambda: prog_id(env) is None, "the program to go")


def test_foreign_program_left_alone_then_taken_over(env):
    """A program cnetd did not attach (a direct libcnet user's) is left
    alone; once its owner is gone, cnetd attaches its own."""
    script = f"""
import gi, sys
gi.require_version("Cnet", "1.0")
from gi.repository import Cnet
prog = Cnet.XdpProgram.attach("{env.veth_a}", Cnet.XdpMode.AUTO,
                              Cnet.XdpAttachFlags.NONE)
print(prog.get_id(), flush=True)
sys.stdin.read()
"""
    direct = subprocess.Popen(
        ["ip", "netns", "exec", env.ns_a, "/usr/bin/python3", "-c", script],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    env.procs.append(direct)
    theirs = int(direct.stdout.readline())
    env.start_cnetd(KEEP)
    assert prog_id(env) == theirs
    direct.stdin.close()
    assert direct.wait(timeout=30) == 0
    env.wait_for(lambda: prog_id(env) not in (None, theirs),
                 "cnetd to attach its program", timeout=30)
    assert env.stop_cnetd() == 0
    env.wait_for(lambda: prog_id(env) is None, "the program to go")


def test_bad_value_is_refused(env):
    path = env.write_config('{ "interfaces": ["cs*"],\n'
                            '  "keep-xdp-attached": "yes" }')
    r = run(["ip", "netns", "exec", env.ns_a, CNETD, "--address", env.address,
             "--config", path], check=False)
    assert r.returncode != 0
    assert "keep-xdp-attached" in r.stderr and "expected true or false" in \
        r.stderr, r.stderr
