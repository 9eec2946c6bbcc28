#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What cnetd's XDP program costs the kernel's own traffic while it sits on
an interface with no lease (cnetd.jsonc "keep-xdp-attached").

  bench/cnet-xdp-idle-cost.py [--build DIR] [--rounds N] [--duration S]
                              [--holder cnetd|python] [--json FILE]

Makes two throwaway namespaces joined by a veth pair: A (192.0.2.2, the
interface cnetd manages, in cnlA) and B (192.0.2.1, the traffic's source,
in cnlB). In every round, side by side, once without a program on A and
once with libcnet's program attached to A and no socket in its XSKMAP
(everything passed to the kernel):

- udp-rx: `cnet-bench gen --afpacket` floods A from B with 64-byte UDP
  frames to a port nobody listens on, on CPU 0 (veth hands each socket
  buffer to A's stack on the sending CPU: netif_rx, or A's NAPI and the
  XDP program when one is attached). The rate is what A's UDP layer took
  in (UdpNoPorts of A's namespace) over the sender's time: rx-drop of
  kernel-bound traffic.
- tcp: iperf3 from B (CPU 0) to A (CPU 1), Gbit/s of goodput.

The program is held by cnetd (`"keep-xdp-attached": true`, the real
thing) or, with --holder python, by a process that attaches the same
program through Cnet.XdpProgram. Prints per-round rates, the medians of
the per-round ratios (with / without) and what they say: a difference
only when every round agrees on its sign. Root only; removes all it made.
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

HOLDER = r"""
import gi, sys
gi.require_version("Cnet", "1.0")
from gi.repository import Cnet
prog = Cnet.XdpProgram.attach(sys.argv[1], Cnet.XdpMode.AUTO,
                              Cnet.XdpAttachFlags.NONE)
print("ready", flush=True)
sys.stdin.read()
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw)


def verdict(ratios):
    if min(ratios) > 1:
        return "higher in every round"
    if max(ratios) < 1:
        return "lower in every round"
    return "no difference measurable here"


class Setup:
    def __init__(self, args):
        tag = f"{os.getpid() % 100000}"
        self.args = args
        self.ns_a, self.ns_b = f"cnic{tag}A", f"cnic{tag}B"
        self.va, self.vb = f"ci{tag}a", f"ci{tag}b"
        self.procs = []
        self.dir = tempfile.mkdtemp(prefix="cnet-ic-")
        os.chmod(self.dir, 0o755)
        self.address = f"unix:path={self.dir}/bus"
        self.holder = None

    def __enter__(self):
        try:
            run(["ip", "netns", "add", self.ns_a])
            run(["ip", "netns", "add", self.ns_b])
            run(["ip", "-n", self.ns_a, "link", "add", self.va, "type", "veth",
                 "peer", "name", self.vb, "netns", self.ns_b])
            run(["ip", "-n", self.ns_a, "addr", "add", "192.0.2.2/24", "dev",
                 self.va])
            run(["ip", "-n", self.ns_b, "addr", "add", "192.0.2.1/24", "dev",
                 self.vb])
            run(["ip", "-n", self.ns_a, "link", "set", self.va, "up"])
            run(["ip", "-n", self.ns_b, "link", "set", self.vb, "up"])
            for ns in (self.ns_a, self.ns_b):
                run(["ip", "netns", "exec", ns, "sysctl", "-qw",
                     "net.ipv6.conf.all.disable_ipv6=1"])
            r = run(["ip", "-n", self.ns_a, "-j", "link", "show", "dev",
                     self.va])
            self.mac_a = json.loads(r.stdout)[0]["address"]
            if self.args.holder == "cnetd":
                self.start_bus()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.stop_holder()
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        subprocess.run(["ip", "netns", "del", self.ns_a], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns_b], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self):
        lib = os.path.join(self.args.build, "libcnet")
        return dict(os.environ, GI_TYPELIB_PATH=lib, LD_LIBRARY_PATH=lib)

    def start_bus(self):
        old = os.umask(0)
        bus = subprocess.Popen(
            ["dbus-daemon", "--config-file=" +
             os.path.join(SRC, "tests", "service", "system-bus.conf"),
             "--address=" + self.address, "--nofork", "--nopidfile"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.umask(old)
        self.procs.append(bus)
        while not os.path.exists(f"{self.dir}/bus"):
            time.sleep(0.01)

    def xdp_attached(self):
        r = run(["ip", "-n", self.ns_a, "-d", "link", "show", "dev", self.va])
        return "prog/xdp" in r.stdout

    def await_xdp(self, want, timeout=30):
        end = time.monotonic() + timeout
        while self.xdp_attached() != want:
            if time.monotonic() > end:
                raise RuntimeError(f"{self.va}: XDP program "
                                   f"{'never attached' if want else 'still attached'}")
            time.sleep(0.01)

    def start_holder(self):
        """libcnet's program on A, no socket: every frame passed."""
        if self.args.holder == "cnetd":
            conf = os.path.join(self.dir, "cnetd.jsonc")
            with open(conf, "w", encoding="utf-8") as f:
                f.write('{ "interfaces": ["%s"], "keep-xdp-attached": true }'
                        % self.va)
            self.holder = subprocess.Popen(
                ["ip", "netns", "exec", self.ns_a,
                 os.path.join(self.args.build, "service", "cnetd"),
                 "--address", self.address, "--config", conf],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                env=self.env())
        else:
            self.holder = subprocess.Popen(
                ["ip", "netns", "exec", self.ns_a, "/usr/bin/python3", "-c",
                 HOLDER, self.va], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, text=True, env=self.env())
            if self.holder.stdout.readline().strip() != "ready":
                raise RuntimeError("the holder did not attach the program")
        self.await_xdp(True)

    def stop_holder(self):
        if self.holder is None:
            return
        if self.holder.stdin is not None:
            self.holder.stdin.close()
        else:
            self.holder.terminate()
        try:
            self.holder.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.holder.kill()
            self.holder.wait()
        self.holder = None
        self.await_xdp(False)

    def udp_noports(self):
        r = run(["ip", "netns", "exec", self.ns_a, "cat", "/proc/net/snmp"])
        lines = [l.split() for l in r.stdout.splitlines() if l.startswith("Udp:")]
        return int(lines[1][lines[0].index("NoPorts")])

    def udp_rx(self):
        bench = os.path.join(self.args.build, "bench", "cnet-bench")
        before = self.udp_noports()
        r = run(["ip", "netns", "exec", self.ns_b, bench, "gen", "-i",
                 self.vb, "--afpacket", "--cpu", "0", "--duration",
                 str(self.args.duration), "--dst-mac", self.mac_a])
        time.sleep(0.05)  # what is still in a backlog or ring
        got = self.udp_noports() - before
        g = json.loads(r.stdout.strip().splitlines()[-1])
        return {"mpps": got / g["elapsed_s"] / 1e6,
                "sent_mpps": g["gen_mpps"]}

    def rx_counters(self):
        r = run(["ip", "-n", self.ns_a, "-s", "-j", "link", "show", "dev",
                 self.va])
        st = json.loads(r.stdout)[0]["stats64"]["rx"]
        return st["packets"], st["bytes"]

    def tcp(self):
        p0, b0 = self.rx_counters()
        server = subprocess.Popen(
            ["ip", "netns", "exec", self.ns_a, "taskset", "-c", "1", "iperf3",
             "-s", "-1", "-B", "192.0.2.2"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        self.procs.append(server)
        try:
            for _ in range(200):
                r = subprocess.run(
                    ["ip", "netns", "exec", self.ns_a, "ss", "-ltn",
                     "sport = :5201"], capture_output=True, text=True)
                if "5201" in r.stdout:
                    break
                time.sleep(0.02)
            r = run(["ip", "netns", "exec", self.ns_b, "taskset", "-c", "0",
                     "iperf3", "-c", "192.0.2.2", "-t",
                     str(max(1, int(self.args.duration + 0.5))), "-J"])
            out = json.loads(r.stdout)
            p1, b1 = self.rx_counters()
            # Bytes per packet veth handed A: a GSO super-packet counts once.
            return {"gbps": out["end"]["sum_received"]["bits_per_second"] / 1e9,
                    "bytes_per_rx_packet": (b1 - b0) / max(1, p1 - p0)}
        finally:
            server.wait(timeout=30)
            self.procs.remove(server)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=float, default=2.0)
    ap.add_argument("--holder", choices=("cnetd", "python"), default="cnetd")
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("cnet-xdp-idle-cost: needs root (namespaces, XDP)")
    load0 = os.getloadavg()
    rounds = []
    with Setup(args) as s:
        for rnd in range(args.rounds):
            row = {}
            for variant in ("none", "program"):
                if variant == "program":
                    s.start_holder()
                u = s.udp_rx()
                t = s.tcp()
                if variant == "program":
                    s.stop_holder()
                row[variant] = {"udp_mpps": u["mpps"],
                                "udp_sent_mpps": u["sent_mpps"],
                                "tcp_gbps": t["gbps"],
                                "tcp_bytes_per_rx_packet":
                                    t["bytes_per_rx_packet"]}
                print(f"round {rnd + 1}/{args.rounds} {variant:8} udp-rx "
                      f"{u['mpps']:.3f} Mpps (sent {u['sent_mpps']:.3f}), "
                      f"tcp {t['gbps']:.2f} Gbit/s ({t['bytes_per_rx_packet']:.0f} "
                      f"bytes per packet A received)", flush=True)
            rounds.append(row)
    load1 = os.getloadavg()
    out = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "holder": args.holder, "rounds": rounds,
           "load_start": load0, "load_end": load1, "readings": []}
    print(f"\n{args.rounds} rounds of {args.duration:g} s, holder "
          f"{args.holder}, load {load0[0]:.2f} at start, {load1[0]:.2f} at "
          f"end")
    for key, what in (("udp_mpps", "udp-rx (64-byte frames, Mpps)"),
                      ("tcp_gbps", "tcp B->A (Gbit/s)")):
        without = [r["none"][key] for r in rounds]
        with_ = [r["program"][key] for r in rounds]
        ratios = [w / n for w, n in zip(with_, without) if n > 0]
        reading = {"what": what, "without": statistics.median(without),
                   "with": statistics.median(with_),
                   "ratio": statistics.median(ratios), "min": min(ratios),
                   "max": max(ratios), "verdict": verdict(ratios)}
        out["readings"].append(reading)
        print(f"  {what}: without {reading['without']:.3f}, with "
              f"{reading['with']:.3f}; with / without {reading['ratio']:.2f} "
              f"({reading['min']:.2f}-{reading['max']:.2f}): "
              f"{reading['verdict']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
