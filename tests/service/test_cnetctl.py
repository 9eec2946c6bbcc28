# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnetctl against the real cnetd on a private bus: every command's table
and --json (parsed here), errors and exit codes, monitor with traffic."""
import json
import os
import re
import subprocess

import pytest

from conftest import ADDR_A, ADDR_B, NOBODY, run  # noqa: E402

CNETCTL = os.environ.get("CNETCTL", "cnetctl")
SRCDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def cnetctl(env, *args, ns=None, user=None, check=None, extra_env=None):
    """Runs cnetctl on ENV's bus (in namespace NS, as USER: setpriv
    options); returns the CompletedProcess. CHECK: the exit code wanted."""
    cmd = [CNETCTL, "--address", env.address] + [str(a) for a in args]
    if user is not None:
        cmd = user + cmd
    if ns is not None:
        cmd = ["ip", "netns", "exec", ns] + cmd
    e = dict(os.environ, **(extra_env or {}))
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                         env=e)
    if check is not None:
        assert res.returncode == check, (res.returncode, res.stdout,
                                         res.stderr)
    return res


def cnetctl_json(env, *args, **kw):
    res = cnetctl(env, "--json", *args, check=0, **kw)
    return json.loads(res.stdout)


def hold_lease(env, *rules):
    proc, line = env.client("hold", 0, *rules)
    assert line.startswith("ready"), line + proc.stdout.read()
    env.wait_for(lambda: len(env.leases()) == 1, "the lease")
    return proc


def udp_flood(env, port, count, payload=b"x" * 64):
    """Sends COUNT datagrams from B to A:PORT."""
    script = f"""
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("{ADDR_B}", 0))
for i in range({count}):
    s.sendto({payload!r}, ("{ADDR_A}", {port}))
"""
    return env.spawn(["ip", "netns", "exec", env.ns_b, "/usr/bin/python3",
                      "-c", script])


def test_status_interfaces_leases(env):
    env.start_cnetd()
    status = cnetctl_json(env, "status")
    assert status["version"] == "1.0.0"
    assert status["leases"] == 0 and status["interfaces"] >= 2

    proc = hold_lease(env, "udp dport 9001")
    uid = 65534

    # status: table and JSON agree.
    status = cnetctl_json(env, "status")
    assert status["leases"] == 1 and status["active_leases"] == 1
    assert status["managed_interfaces"] == 1
    assert status["attached_interfaces"] == 1
    out = cnetctl(env, "status", check=0).stdout
    assert "cnetd 1.0.0" in out and "leases:     1 (1 active)" in out, out
    assert "\033[" not in out  # not a tty: no colour

    # interfaces
    ifaces = cnetctl_json(env, "interfaces")
    mine = [i for i in ifaces if i["name"] == env.veth_a]
    assert len(mine) == 1, ifaces
    assert mine[0]["managed"] is True and mine[0]["driver"] == "veth"
    assert mine[0]["attached_xdp_mode"] in ("native", "generic")
    assert mine[0]["mac"] == env.mac_a
    assert 0 not in mine[0]["free_queues"]
    lo = [i for i in ifaces if i["name"] == "lo"]
    assert lo and lo[0]["managed"] is False
    table = cnetctl(env, "interfaces", check=0).stdout.splitlines()
    assert table[0].split()[:3] == ["INDEX", "NAME", "DRIVER"]
    row = [l.split() for l in table[1:] if l.split()[1] == env.veth_a]
    assert row and row[0][2] == "veth" and row[0][6] == "yes", table
    assert row[0][7] == "1"  # one lease on it
    assert all(len(l) <= 80 for l in table), table

    # interface IFACE
    one = cnetctl_json(env, "interface", env.veth_a)
    assert one["ifindex"] == mine[0]["ifindex"]
    assert "rx_packets" in one["stats"]
    out = cnetctl(env, "interface", env.veth_a, check=0).stdout
    assert out.startswith(f"{env.veth_a} (index {one['ifindex']})"), out
    assert re.search(r"managed:\s+yes", out) and "rx_packets" in out, out

    # leases
    leases = cnetctl_json(env, "leases")
    assert len(leases) == 1
    lease = leases[0]
    assert lease["interface"] == env.veth_a and lease["queue"] == 0
    assert lease["uid"] == uid and lease["kind"] == "dbus"
    assert lease["active"] is True and lease["rules"] == ["udp dport 9001"]
    assert lease["bind_mode"] in ("copy", "zerocopy")
    assert lease["object"] == f"/org/cnet/Cnet1/leases/{lease['id']}"
    table = cnetctl(env, "leases", check=0).stdout.splitlines()
    assert table[0].split()[:3] == ["LEASE", "INTERFACE", "QUEUE"]
    cells = table[1].split()
    assert cells[0] == str(lease["id"]) and cells[1] == env.veth_a
    assert cells[2] == "0" and cells[3] == "dbus" and cells[4] == "yes"
    assert cells[7] == str(uid) and cells[8] == str(lease["pid"])
    assert " ".join(cells[9:]) == "udp dport 9001"

    # lease N
    one = cnetctl_json(env, "lease", lease["id"])
    assert one["id"] == lease["id"] and "xdp_redirected" in one["stats"]
    out = cnetctl(env, "lease", lease["id"], check=0).stdout
    assert f"lease {lease['id']}" in out and "udp dport 9001" in out
    assert f"uid {uid}, pid {lease['pid']}" in out, out

    # stats, all, of the interface and of the lease
    stats = cnetctl_json(env, "stats")
    assert env.veth_a in stats["interfaces"]
    assert str(lease["id"]) in stats["leases"]
    stats = cnetctl_json(env, "stats", env.veth_a)
    assert list(stats["interfaces"]) == [env.veth_a] and stats["leases"] == {}
    assert "q0_redirected" in stats["interfaces"][env.veth_a]
    stats = cnetctl_json(env, "stats", lease["id"])
    assert list(stats["leases"]) == [str(lease["id"])]
    assert "rx_ring_full" in stats["leases"][str(lease["id"])]
    out = cnetctl(env, "stats", lease["id"], check=0).stdout
    assert f"lease {lease['id']}" in out and "rule0_hits" in out, out

    proc.kill()
    proc.wait()
    env.wait_for(lambda: env.leases() == [], "the lease to end")
    assert cnetctl_json(env, "leases") == []


def test_release(env):
    env.start_cnetd()
    proc = hold_lease(env)
    lease = cnetctl_json(env, "leases")[0]

    # nobody is not the owner (the owner is nobody's other connection).
    res = cnetctl(env, "release", lease["id"], user=NOBODY, check=1)
    assert f"lease {lease['id']}" in res.stderr
    assert "belongs to" in res.stderr, res.stderr
    assert len(env.leases()) == 1

    # root may.
    res = cnetctl(env, "release", lease["id"], check=0)
    assert res.stdout == f"lease {lease['id']} released\n"
    env.wait_for(lambda: env.leases() == [], "the lease to end")
    proc.kill()
    proc.wait()

    res = cnetctl(env, "release", lease["id"], check=1)
    assert res.stderr == f"cnetctl: lease {lease['id']}: no such lease\n"


def test_errors_and_usage(env):
    # cnetd not running: exit 1, saying so.
    res = cnetctl(env, "status", check=1)
    assert "cnetd (org.cnet.Cnet1) is not running on " + env.address in \
        res.stderr, res.stderr
    res = subprocess.run([CNETCTL, "--address", "unix:path=/nonexistent",
                          "status"], capture_output=True, text=True)
    assert res.returncode == 1
    assert "cannot connect to unix:path=/nonexistent" in res.stderr

    env.start_cnetd()
    res = cnetctl(env, "interface", "nosuch0", check=1)
    assert res.stderr == "cnetctl: nosuch0: cnetd sees no such interface\n"
    res = cnetctl(env, "lease", "77", check=1)
    assert res.stderr == "cnetctl: lease 77: no such lease\n"
    res = cnetctl(env, "lease", "x7", check=1)
    assert "lease \"x7\": not a lease number" in res.stderr
    res = cnetctl(env, "stats", "nosuch0", check=1)
    assert "nosuch0: cnetd sees no such interface" in res.stderr

    # usage errors: exit 2
    for args, msg in [((), "give a command"),
                      (("frobnicate",), "frobnicate: no such command"),
                      (("interface",), "interface: takes one argument"),
                      (("status", "extra"), "status: takes no argument"),
                      (("--bogus", "status"), "Unknown option --bogus"),
                      (("--session", "status"), "--address and --session"),
                      (("monitor", "--interval", "0"), "--interval 0"),
                      (("capture", env.veth_a), "capture: give the pcap "
                       "file to write, -w FILE")]:
        res = cnetctl(env, *args, check=2)
        assert msg in res.stderr, (args, res.stderr)
        assert "Try \"cnetctl --help\"" in res.stderr

    res = subprocess.run([CNETCTL, "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "check-config FILE" in res.stdout


def test_colour(env):
    """Colour only on a terminal, and never with NO_COLOR."""
    env.start_cnetd()
    script = ("import os, pty, sys\n"
              "pid, fd = pty.fork()\n"
              "if pid == 0:\n"
              "    os.execvp(sys.argv[1], sys.argv[1:])\n"
              "out = b''\n"
              "while True:\n"
              "    try:\n"
              "        d = os.read(fd, 4096)\n"
              "    except OSError:\n"
              "        break\n"
              "    if not d:\n"
              "        break\n"
              "    out += d\n"
              "os.waitpid(pid, 0)\n"
              "sys.stdout.write(out.decode())\n")
    cmd = ["/usr/bin/python3", "-c", script, CNETCTL, "--address",
           env.address, "status"]
    out = run(cmd, env=dict(os.environ, NO_COLOR="")).stdout
    assert "\033[1m" in out, out
    out = run(cmd, env=dict(os.environ, NO_COLOR="1")).stdout
    assert "\033[" not in out and "cnetd 1.0.0" in out, out


FRAME_LEN = 14 + 20 + 8 + 64  # udp_flood's frames: Ethernet, IPv4, UDP, 64


def test_monitor(env):
    """Three intervals with a UDP flow steered to a lease: the rates are
    there, positive and no more than what was sent; the lease's byte rate
    is its packet rate times the frame's length."""
    env.start_cnetd()
    proc = hold_lease(env, "udp dport 9001")
    lease = cnetctl_json(env, "leases")[0]
    sent = 3000
    flood = udp_flood(env, 9001, sent)
    mon = subprocess.run([CNETCTL, "--address", env.address, "--json",
                          "monitor", env.veth_a, "--count", "3",
                          "--interval", "0.5"],
                         capture_output=True, text=True, timeout=60)
    assert flood.wait(timeout=60) == 0
    assert mon.returncode == 0, mon.stderr
    lines = mon.stdout.splitlines()
    assert len(lines) == 3, lines
    objs = [json.loads(l) for l in lines]
    total_rx = 0.0
    total_lease = 0.0
    for o in objs:
        assert 0.4 < o["seconds"] < 30
        assert [i["name"] for i in o["interfaces"]] == [env.veth_a]
        assert [l["id"] for l in o["leases"]] == [lease["id"]]
        rates = o["interfaces"][0]["rates"]
        assert rates["rx_packets"] >= 0 and rates["rx_bytes"] >= 0
        total_rx += rates["rx_packets"] * o["seconds"]
        total_lease += o["leases"][0]["rates"]["xdp_redirected"] * \
            o["seconds"]
    # Traffic flowed while monitor ran (it starts before the flood ends)
    # and no more than was sent arrived.
    if total_lease == 0:
        # The flood may have finished before the first sample: send more
        # while a second monitor runs.
        flood = udp_flood(env, 9001, sent * 10)
        mon = subprocess.run([CNETCTL, "--address", env.address, "--json",
                              "monitor", str(lease["id"]), "--count", "3",
                              "--interval", "0.2"],
                             capture_output=True, text=True, timeout=60)
        flood.wait(timeout=60)
        objs = [json.loads(l) for l in mon.stdout.splitlines()]
        total_lease = sum(o["leases"][0]["rates"]["xdp_redirected"] *
                          o["seconds"] for o in objs)
        sent *= 11
    assert 0 < total_lease <= sent + 0.5, (total_lease, objs)
    assert total_rx <= sent * 2 + 100
    # Per-lease bytes: every frame steered to the lease is FRAME_LEN long
    # (the rule takes only the flood's UDP), so bytes / packets is that,
    # give or take a frame counted between the two counters' reads.
    total_bytes = sum(o["leases"][0]["rates"]["xdp_redirected_bytes"] *
                      o["seconds"] for o in objs)
    assert total_bytes > 0, objs
    assert abs(total_bytes / total_lease - FRAME_LEN) < FRAME_LEN * 0.02, \
        (total_bytes, total_lease, objs)

    # The table: 80 columns, three frames, the lease's row and rule.
    mon = cnetctl(env, "monitor", "--count", "3", "--interval", "0.2",
                  check=0)
    frames = mon.stdout.split("\n\n")
    assert len(frames) == 3, mon.stdout
    for f in frames:
        rows = f.splitlines()
        assert rows[0].startswith("cnetctl monitor  every 0.2 s")
        assert rows[1].split()[:3] == ["WHAT", "RX", "pkt/s"]
        assert any(r.split()[0] == env.veth_a for r in rows[2:]), rows
        lease_rows = [r.split() for r in rows
                      if r.split()[:2] == ["lease", str(lease["id"])]]
        assert len(lease_rows) == 1, rows
        # WHAT is "lease N qQ": then RX pkt/s and RX B/s, both known.
        assert lease_rows[0][3] != "-" and lease_rows[0][4] != "-", rows
        assert any("udp dport 9001" in r and r.endswith("hits/s")
                   for r in rows)
        assert all(len(r) <= 80 for r in rows), rows
    proc.kill()
    proc.wait()


def test_check_config(env):
    """check-config: what tools/cnet-config was; no bus needed."""
    good = os.path.join(SRCDIR, "data", "forward.jsonc")
    res = subprocess.run([CNETCTL, "check-config", good], capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[2].split()[0] == "MEMPOOL"
    res = subprocess.run([CNETCTL, "--json", "check-config", good],
                         capture_output=True, text=True)
    assert res.returncode == 0
    assert "ports" in json.loads(res.stdout)
    bad = os.path.join(env.dir, "bad.jsonc")
    with open(bad, "w", encoding="utf-8") as f:
        f.write('{ "mempools": { "m": { "frames": "many" } } }')
    res = subprocess.run([CNETCTL, "check-config", bad], capture_output=True,
                         text=True)
    assert res.returncode == 1
    assert res.stderr.startswith("cnetctl: " + bad + ":"), res.stderr
    res = subprocess.run([CNETCTL, "check-config"], capture_output=True,
                         text=True)
    assert res.returncode == 2
