# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/run's `wireguard` case: cnet-wg against the wireguard-go end it
replaces, side by side in rounds.

Two network namespaces joined by a veth pair (names carry the PID; removed
on every way out). Namespace B always runs Debian's wireguard-go and the
iperf3 server, pinned to CPU 0. Namespace A runs the end under test,
pinned to CPU 1 with the iperf3 client: cnet-wg (its UDP side an AF_XDP
port on the veth) or wireguard-go. Each round starts both ends afresh for
each implementation and measures, through the tunnel:

  tcp-tx   TCP from A to B (iperf3, MSS from the 1420-byte tunnel MTU): A seals
  tcp-rx   TCP from B to A (iperf3 -R): A opens
  udp-tx   64-byte inner packets (UDP payload 36) from A to B, unlimited
           rate: packets received by B per second
  udp-rx   the same from B to A

and the CPU seconds the A end used (all its threads), so that both speed
and cost per byte are compared. Used by bench/run; runnable alone:

  cnet-bench-wireguard.py BUILD_DIR ROUNDS DURATION
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

PORT_A = 51820
PORT_B = 51821
TESTS = ("tcp-tx", "tcp-rx", "udp-tx", "udp-rx")


def _run(*args, check=True, timeout=60, **kw):
    return subprocess.run(list(args), check=check, capture_output=True,
                          text=True, timeout=timeout, **kw)


def reason(build):
    for tool in ("wireguard-go", "wg", "iperf3", "taskset"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (tools/install-deps installs it)"
    if not os.path.exists(os.path.join(build, "examples", "wireguard",
                                       "cnet-wg")):
        return "cnet-wg was not built (needs libssl-dev and libsodium-dev)"
    return None


def proc_cpu(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def wait_for(cond, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


class Tunnel:
    """Both ends up and configured; closed on every way out."""

    def __init__(self, build, impl, cpu_a, cpu_b):
        pid = os.getpid()
        self.ns_a, self.ns_b = f"cnbwa{pid}", f"cnbwb{pid}"
        self.veth_a, self.veth_b = f"cnbw{pid}a", f"cnbw{pid}b"
        self.wg_a, self.wg_b = f"bwa{pid}", f"bwb{pid}"
        self.procs = []
        self.cpu_a, self.cpu_b = cpu_a, cpu_b
        self.end_a = None
        try:
            self._setup(build, impl)
        except BaseException:
            self.close()
            raise

    def _setup(self, build, impl):
        _run("ip", "netns", "add", self.ns_a)
        _run("ip", "netns", "add", self.ns_b)
        _run("ip", "link", "add", self.veth_a, "netns", self.ns_a, "type",
             "veth", "peer", "name", self.veth_b, "netns", self.ns_b)
        for ns, dev, addr in ((self.ns_a, self.veth_a, "10.203.0.1/24"),
                              (self.ns_b, self.veth_b, "10.203.0.2/24")):
            _run("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            _run("ip", "-n", ns, "link", "set", dev, "up")
            _run("ip", "-n", ns, "link", "set", "lo", "up")
        keys = []
        for _ in range(2):
            k = _run("wg", "genkey").stdout.strip()
            keys.append((k, _run("wg", "pubkey", input=k).stdout.strip()))
        (key_a, pub_a), (key_b, pub_b) = keys
        self.tmp = f"/tmp/cnet-bench-wg-{os.getpid()}"
        os.makedirs(self.tmp, mode=0o700, exist_ok=True)
        conf_a = os.path.join(self.tmp, "a.conf")
        conf_b = os.path.join(self.tmp, "b.conf")
        with open(conf_a, "w", encoding="ascii") as f:
            f.write(f"[Interface]\nPrivateKey = {key_a}\nListenPort = {PORT_A}\n"
                    f"[Peer]\nPublicKey = {pub_b}\nAllowedIPs = 10.98.0.2/32\n"
                    f"Endpoint = 10.203.0.2:{PORT_B}\n")
        with open(conf_b, "w", encoding="ascii") as f:
            f.write(f"[Interface]\nPrivateKey = {key_b}\nListenPort = {PORT_B}\n"
                    f"[Peer]\nPublicKey = {pub_a}\nAllowedIPs = 10.98.0.1/32\n"
                    f"Endpoint = 10.203.0.1:{PORT_A}\n")
        env = dict(os.environ, WG_PROCESS_FOREGROUND="1", LOG_LEVEL="error")
        if impl.startswith("cnet-wg"):
            extra = ["--no-offload"] if impl.endswith("no-offload") else []
            self.end_a = self._spawn(
                self.ns_a, self.cpu_a,
                [os.path.join(build, "examples", "wireguard", "cnet-wg"),
                 "-i", self.veth_a, "-c", conf_a] + extra + [self.wg_a])
        else:
            self.end_a = self._spawn(self.ns_a, self.cpu_a,
                                     ["wireguard-go", self.wg_a], env=env)
        self.end_b = end_b = self._spawn(self.ns_b, self.cpu_b,
                                         ["wireguard-go", self.wg_b], env=env)
        for name, proc in ((self.wg_a, self.end_a), (self.wg_b, end_b)):
            if not wait_for(lambda n=name: os.path.exists(
                    f"/var/run/wireguard/{n}.sock")):
                raise RuntimeError(f"{name} did not start: "
                                   f"{proc.communicate(timeout=5)}")
        if not impl.startswith("cnet-wg"):
            _run("ip", "netns", "exec", self.ns_a, "wg", "setconf", self.wg_a,
                 conf_a)
        _run("ip", "netns", "exec", self.ns_b, "wg", "setconf", self.wg_b,
             conf_b)
        for ns, dev, addr in ((self.ns_a, self.wg_a, "10.98.0.1/24"),
                              (self.ns_b, self.wg_b, "10.98.0.2/24")):
            _run("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            _run("ip", "-n", ns, "link", "set", dev, "up")
        self.server = self._spawn(self.ns_b, self.cpu_b,
                                  ["iperf3", "-s", "-p", "5201"])
        _run("ip", "netns", "exec", self.ns_a, "ping", "-c", "3", "-i", "0.2",
             "-W", "5", "10.98.0.2", timeout=30)

    def _spawn(self, ns, cpu, argv, env=None):
        p = subprocess.Popen(["ip", "netns", "exec", ns, "taskset", "-c",
                              str(cpu)] + argv, env=env,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def measure(self, test, duration):
        args = ["ip", "netns", "exec", self.ns_a, "taskset", "-c",
                str(self.cpu_a), "iperf3", "-c", "10.98.0.2", "-p", "5201",
                "-t", str(max(1, int(duration))), "-J"]
        if test.startswith("udp"):
            args += ["-u", "-l", "36", "-b", "0"]
        if test.endswith("-rx"):
            args += ["-R"]
        # The A end's pid: the process under `ip netns exec taskset`.
        pid = self.end_a.pid
        cpu0, bcpu0 = proc_cpu(pid), proc_cpu(self.end_b.pid)
        for attempt in range(3):
            r = _run(*args, check=False, timeout=duration + 60)
            if r.returncode == 0:
                break
            time.sleep(0.5)  # the server may still be closing the last test
        else:
            raise RuntimeError(f"iperf3 {test}: {r.stdout[-300:]}{r.stderr}")
        cpu1, bcpu1 = proc_cpu(pid), proc_cpu(self.end_b.pid)
        j = json.loads(r.stdout)
        end = j["end"]
        if test.startswith("tcp"):
            value = end["sum_received"]["bits_per_second"] / 1e9
            secs = end["sum_received"]["seconds"]
        else:
            s = end["sum"]
            secs = s["seconds"]
            value = (s["packets"] - s["lost_packets"]) / secs / 1e3
        cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
        bcpu = None if bcpu0 is None or bcpu1 is None else bcpu1 - bcpu0
        return value, cpu, bcpu, secs

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        _run("ip", "netns", "del", self.ns_a, check=False)
        _run("ip", "netns", "del", self.ns_b, check=False)
        for n in (self.wg_a, self.wg_b):
            try:
                os.unlink(f"/var/run/wireguard/{n}.sock")
            except OSError:
                pass
        if getattr(self, "tmp", None):
            shutil.rmtree(self.tmp, ignore_errors=True)


# cnet-wg-no-offload reads and writes its TUN device a packet at a time,
# as wireguard-go 0.0.20220316 does: it shows what the TSO offload buys.
IMPLS = ("cnet-wg", "cnet-wg-no-offload", "wireguard-go")


def run(build, rounds, duration, log=print):
    """Returns rows: one per (impl, test), with the per-round values."""
    ncpu = os.cpu_count() or 1
    cpu_b, cpu_a = 0, 1 if ncpu > 1 else 0
    results = {(i, t): [] for i in IMPLS for t in TESTS}
    cpus = {(i, t): [] for i in IMPLS for t in TESTS}
    bcpus = {(i, t): [] for i in IMPLS for t in TESTS}
    for rnd in range(rounds):
        for impl in IMPLS:
            tun = Tunnel(build, impl, cpu_a, cpu_b)
            try:
                for test in TESTS:
                    value, cpu, bcpu, secs = tun.measure(test, duration)
                    results[(impl, test)].append(value)
                    cpus[(impl, test)].append(cpu / secs if cpu else None)
                    bcpus[(impl, test)].append(bcpu / secs if bcpu else None)
                    unit = "Gbit/s" if test.startswith("tcp") else "kpps"
                    log(f"round {rnd + 1}/{rounds} wireguard {impl:18} "
                        f"{test:6} {value:8.3f} {unit}  A end "
                        f"{cpu if cpu is not None else float('nan'):.2f} cpu s, "
                        f"B end {bcpu if bcpu is not None else float('nan'):.2f}")
            finally:
                tun.close()
    rows = []
    for impl in IMPLS:
        for test in TESTS:
            vals = results[(impl, test)]
            base = results[("wireguard-go", test)]
            ratios = [v / b for v, b in zip(vals, base) if b > 0]
            c = [x for x in cpus[(impl, test)] if x is not None]
            bc = [x for x in bcpus[(impl, test)] if x is not None]
            # Work per A-end core: the rate over the A end's CPU share.
            eff = [v / x for v, x in zip(vals, cpus[(impl, test)]) if x]
            beff = [v / x for v, x in zip(base, cpus[("wireguard-go", test)])
                    if x]
            eratios = [e / b for e, b in zip(eff, beff) if b > 0]
            rows.append({
                "case": "wireguard", "impl": impl, "test": test,
                "unit": "Gbit/s" if test.startswith("tcp") else "kpps",
                "median": statistics.median(vals), "min": min(vals),
                "max": max(vals),
                "ratio_wireguard_go": statistics.median(ratios) if ratios else None,
                "a_end_cpu_per_s": statistics.median(c) if c else None,
                "b_end_cpu_per_s": statistics.median(bc) if bc else None,
                "per_a_core": statistics.median(eff) if eff else None,
                "per_a_core_ratio": statistics.median(eratios) if eratios else None,
                "rounds": vals,
                "a_end_cpu_rounds": cpus[(impl, test)],
            })
            if impl != "wireguard-go":
                rows[-1].update(reading("ratio", ratios))
                rows[-1].update(reading("per_a_core_ratio", eratios))
    return rows


def reading(key, ratios):
    """The range of per-round ratios and what they say: a difference only
    when every round agrees on its sign (docs/benchmarks.md)."""
    if not ratios:
        return {}
    if min(ratios) > 1:
        verdict = "higher in every round"
    elif max(ratios) < 1:
        verdict = "lower in every round"
    else:
        verdict = "no difference measurable here"
    return {key + "_min": min(ratios), key + "_max": max(ratios),
            key + "_verdict": verdict}


def print_rows(rows, rounds, duration):
    print()
    print(f"{'case':9} {'impl':18} {'test':7} {'median':>9} {'range':>17} "
          f"{'x wg-go':>7} {'A cpu':>6} {'B cpu':>6} {'per A core':>10} "
          f"{'x wg-go':>7}")
    for r in rows:
        rng = f"{r['min']:.3f}-{r['max']:.3f}"
        ratio = r["ratio_wireguard_go"]
        cpu = r["a_end_cpu_per_s"]
        bcpu = r["b_end_cpu_per_s"]
        eff, eratio = r["per_a_core"], r["per_a_core_ratio"]
        print(f"{r['case']:9} {r['impl']:18} {r['test']:7} "
              f"{r['median']:9.3f} {rng:>17} "
              f"{'-' if ratio is None else format(ratio, '7.2f'):>7} "
              f"{'-' if cpu is None else format(cpu, '6.2f'):>6} "
              f"{'-' if bcpu is None else format(bcpu, '6.2f'):>6} "
              f"{'-' if eff is None else format(eff, '10.3f'):>10} "
              f"{'-' if eratio is None else format(eratio, '7.2f'):>7}  {r['unit']}")
    print(f"\nwireguard: {rounds} rounds of {duration} s per test; x wg-go is "
          f"the median of per-round ratios to wireguard-go as the A end; A cpu "
          f"is the A end's CPU seconds per second of test (1.00 = a core), B cpu "
          f"the same for the wireguard-go peer; per A core is the rate over A "
          f"cpu, and its x wg-go the median of per-round ratios of that.")
    print("\nwireguard readings (per-round ratios to wireguard-go; a "
          "difference only when every round agrees on its sign):")
    for r in rows:
        if "ratio_verdict" not in r:
            continue
        print(f"  {r['impl']} {r['test']}: rate {r['ratio_wireguard_go']:.2f} "
              f"({r['ratio_min']:.2f}-{r['ratio_max']:.2f}) "
              f"{r['ratio_verdict']}"
              + (f"; per A core {r['per_a_core_ratio']:.2f} "
                 f"({r['per_a_core_ratio_min']:.2f}-"
                 f"{r['per_a_core_ratio_max']:.2f}) "
                 f"{r['per_a_core_ratio_verdict']}"
                 if "per_a_core_ratio_verdict" in r else ""))


if __name__ == "__main__":
    build_dir, n_rounds, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    why = reason(build_dir)
    if why:
        sys.exit(f"wireguard: skipped: {why}")
    print_rows(run(build_dir, n_rounds, secs), n_rounds, secs)
