#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""How long a lease takes to open, to the first packet: AcquireQueue →
first packet received, as an unprivileged client sees it.

  bench/cnet-lease-latency.py [--build DIR] [--leases N]

Makes two throwaway namespaces joined by a 2-queue veth pair, a private
system-type bus and cnetd on it, and a sender in the other namespace that
sends a UDP datagram to port 9100 every 200 µs. Then, as nobody, N times:
open a port (Cnet.Client.open_port with the rule "udp dport 9100") and wait
for the first packet; drop the port; wait until the queue is free again.
Twice: with no other lease (so each lease attaches cnetd's XDP program to
an idle interface first), and with another client holding queue 1 (the
program is already there). Prints the median and p99 of each, and the
open time alone (open_port returning). Root only; removes all it made.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
          "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]

CLIENT = r"""
import gi, json, sys, time
gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, GLib
address, iface, queue, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = Cnet.Client.new(address, None)
pool = Cnet.Mempool.new(4096, 2048, 0)
batch = Cnet.Batch.new(64)
if n == 0:                       # hold a lease until stdin closes
    port = client.open_port(iface, queue, pool, ["udp dport 9101"])
    print("ready", flush=True)
    sys.stdin.read()
    sys.exit(0)
conn = client.get_connection()
def free():
    for path in conn.call_sync("org.cnet.Cnet1", "/org/cnet/Cnet1",
                               "org.cnet.Cnet1.Manager", "ListInterfaces",
                               None, None, 0, -1, None).unpack()[0]:
        props = conn.call_sync("org.cnet.Cnet1", path,
                               "org.freedesktop.DBus.Properties", "GetAll",
                               GLib.Variant("(s)", ("org.cnet.Cnet1.Interface",)),
                               None, 0, -1, None).unpack()[0]
        if props["Name"] == iface:
            return queue in props["FreeQueues"]
    return False
out = []
for i in range(n):
    deadline = time.monotonic() + 30
    while not free():
        if time.monotonic() > deadline:
            raise SystemExit("the queue never came free")
        time.sleep(0.002)
    # One D-Bus round trip to cnetd's main loop, for scale (a lease takes
    # three: AcquireQueue, cnetd's GetConnectionCredentials, Activate).
    r0 = time.monotonic()
    conn.call_sync("org.cnet.Cnet1", "/org/cnet/Cnet1",
                   "org.cnet.Cnet1.Manager", "ListLeases", None, None, 0, -1,
                   None)
    r1 = time.monotonic()
    t0 = time.monotonic()
    port = client.open_port(iface, queue, pool, ["udp dport 9100"])
    t1 = time.monotonic()
    while port.receive(batch) == 0:
        port.wait(1000)
    t2 = time.monotonic()
    batch.clear()
    out.append({"open_ms": 1000 * (t1 - t0), "first_ms": 1000 * (t2 - t0),
                "round_trip_ms": 1000 * (r1 - r0)})
    port = None
print(json.dumps(out), flush=True)
"""

SENDER = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        s.sendto(b"x" * 18, ("192.0.2.1", 9100))
    except BlockingIOError:
        pass
    time.sleep(0.0002)
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--leases", type=int, default=20)
    ap.add_argument("--strace", metavar="DIR",
                    help="run cnetd under strace -f -tt -T, one file per "
                    "scenario in DIR (slower: for the breakdown only)")
    ap.add_argument("--json", metavar="FILE", help="write every lease's times")
    ap.add_argument("--scenarios", default="idle,program,keep-xdp-attached",
                    help="which of idle, program, keep-xdp-attached to run")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("cnet-lease-latency: needs root (namespaces, cnetd)")
    tag = f"{os.getpid() % 100000}"
    ns_a, ns_b = f"cnetll{tag}a", f"cnetll{tag}b"
    va, vb = f"cl{tag}a", f"cl{tag}b"
    d = tempfile.mkdtemp(prefix="cnet-ll-")
    os.chmod(d, 0o755)
    address = f"unix:path={d}/bus"
    procs = []
    env = dict(os.environ, GI_TYPELIB_PATH=os.path.join(args.build, "libcnet"),
               LD_LIBRARY_PATH=os.path.join(args.build, "libcnet"))
    try:
        run(["ip", "netns", "add", ns_a])
        run(["ip", "netns", "add", ns_b])
        # The sender's end has one TX queue, so every datagram arrives on
        # A's queue 0, the one leased (veth picks the receive queue by the
        # sender's TX queue, which would otherwise follow the socket's
        # random flow hash); queue 1 is for the other lease.
        run(["ip", "-n", ns_a, "link", "add", va, "numrxqueues", "2",
             "numtxqueues", "2", "type", "veth", "peer", "name", vb,
             "numrxqueues", "2", "numtxqueues", "1", "netns", ns_b])
        run(["ip", "-n", ns_a, "addr", "add", "192.0.2.1/24", "dev", va])
        run(["ip", "-n", ns_b, "addr", "add", "192.0.2.2/24", "dev", vb])
        run(["ip", "-n", ns_a, "link", "set", va, "up"])
        run(["ip", "-n", ns_b, "link", "set", vb, "up"])
        old = os.umask(0)
        bus = subprocess.Popen(
            ["dbus-daemon", "--config-file=" +
             os.path.join(SRC, "tests", "service", "system-bus.conf"),
             "--address=" + address, "--nofork", "--nopidfile"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.umask(old)
        procs.append(bus)
        while not os.path.exists(f"{d}/bus"):
            time.sleep(0.01)
        def start_cnetd(keep, trace=None):
            with open(f"{d}/cnetd.jsonc", "w", encoding="utf-8") as f:
                f.write('{ "interfaces": ["cl*"], "authorization": "group", '
                        '"group": "nogroup", "keep-xdp-attached": %s }'
                        % ("true" if keep else "false"))
            argv = [os.path.join(args.build, "service", "cnetd"), "--address",
                    address, "--config", f"{d}/cnetd.jsonc"]
            # ip netns exec execs cnetd: p.pid is cnetd's.
            p = subprocess.Popen(["ip", "netns", "exec", ns_a] + argv,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            procs.append(p)
            p.tracer = None
            deadline = time.monotonic() + 10
            while subprocess.run(["busctl", "--address=" + address, "status",
                                  "org.cnet.Cnet1"],
                                 capture_output=True).returncode:
                if time.monotonic() > deadline:
                    sys.exit("cnetd did not start")
                time.sleep(0.02)
            if keep:
                await_xdp(True)
            if trace:
                p.tracer = subprocess.Popen(
                    ["strace", "-f", "-tt", "-T", "-o", trace, "-p",
                     str(p.pid)], stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
                time.sleep(0.5)  # attached to every thread
            return p

        def stop_cnetd(p):
            p.terminate()
            p.wait(timeout=30)
            procs.remove(p)
            if p.tracer is not None:
                p.tracer.wait(timeout=30)
            await_xdp(False)
            deadline = time.monotonic() + 10
            while subprocess.run(["busctl", "--address=" + address, "status",
                                  "org.cnet.Cnet1"],
                                 capture_output=True).returncode == 0:
                if time.monotonic() > deadline:
                    sys.exit("cnetd's name is still on the bus")
                time.sleep(0.02)

        def await_xdp(want, timeout=30):
            end = time.monotonic() + timeout
            while True:
                r = run(["ip", "-n", ns_a, "-d", "link", "show", "dev", va])
                if ("prog/xdp" in r.stdout) == want:
                    return
                if time.monotonic() > end:
                    sys.exit(f"{va}: XDP program "
                             f"{'never attached' if want else 'left attached'}")
                time.sleep(0.01)

        sender = subprocess.Popen(["ip", "netns", "exec", ns_b,
                                   "/usr/bin/python3", "-c", SENDER, "600"])
        procs.append(sender)

        def client(*a, stdin=None):
            return subprocess.Popen(
                ["ip", "netns", "exec", ns_a] + NOBODY +
                ["/usr/bin/python3", "-c", CLIENT, address, va] +
                [str(x) for x in a], stdin=stdin, stdout=subprocess.PIPE,
                text=True, env=env)

        results = {}
        scenarios = [("idle interface", False, False),
                     ("program already attached", False, True),
                     ("keep-xdp-attached", True, False)]
        wanted = args.scenarios.split(",")
        for label, keep, other in scenarios:
            if label.split()[0] not in wanted:
                continue
            trace = None
            if args.strace:
                os.makedirs(args.strace, exist_ok=True)
                trace = os.path.join(args.strace,
                                     label.replace(" ", "-") + ".strace")
            cnetd = start_cnetd(keep, trace)
            holder = None
            if other:
                holder = client(1, 0, stdin=subprocess.PIPE)
                procs.append(holder)
                assert holder.stdout.readline().strip() == "ready"
            p = client(0, args.leases)
            out, _ = p.communicate(timeout=600)
            results[label] = json.loads(out.strip().splitlines()[-1])
            if holder is not None:
                holder.stdin.close()
                holder.wait()
                procs.remove(holder)
            stop_cnetd(cnetd)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC",
                                                 time.gmtime()),
                           "load": os.getloadavg(), "leases": results}, f,
                          indent=2)
        print(f"cnet-lease-latency: {args.leases} leases each, as nobody, "
              f"{time.strftime('%Y-%m-%d %H:%M')}, load "
              f"{os.getloadavg()[0]:.2f}")
        for label, rows in results.items():
            first = [r["first_ms"] for r in rows]
            opened = [r["open_ms"] for r in rows]
            print(f"  {label:26s} AcquireQueue → first packet: median "
                  f"{statistics.median(first):6.2f} ms, p99 "
                  f"{pct(first, 99):6.2f} ms; open_port alone: median "
                  f"{statistics.median(opened):6.2f} ms, p99 "
                  f"{pct(opened, 99):6.2f} ms; the first lease "
                  f"{first[0]:6.2f} ms; one D-Bus round trip (ListLeases) "
                  f"median "
                  f"{statistics.median(r['round_trip_ms'] for r in rows):.2f}"
                  f" ms")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        subprocess.run(["ip", "netns", "del", ns_a], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns_b], capture_output=True)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
