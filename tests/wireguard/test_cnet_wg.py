# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnet-wg against Debian's wireguard-go, configured with wg(8).

Two network namespaces joined by a veth pair: cnet-wg in one (its UDP side
an AF_XDP port on the veth, steered by `udp dport 51820`), wireguard-go in
the other. Everything carries the test's PID in its name: the namespaces,
the veths, and the two WireGuard interfaces, whose API sockets share
/var/run/wireguard/ across namespaces. Each test checks on the way out
that the outer addresses still ping each other (the kernel keeps
everything but WireGuard's port) and that cnet-wg, stopped with SIGTERM,
left nothing behind: no XDP program, no TUN device, no socket file; then
the namespaces go and the test checks they are gone.

CNET_WG is the cnet-wg binary (tests/meson.build sets it).
"""
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

CNET_WG = os.environ.get("CNET_WG", "cnet-wg")
HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "wg-helper.py")
PYTHON = "/usr/bin/python3"
SOCK_DIR = "/var/run/wireguard"
PORT_A = 51820
PORT_B = 51821


def run(*args, check=True, timeout=60, **kw):
    return subprocess.run(list(args), check=check, capture_output=True,
                          text=True, timeout=timeout, **kw)


def wait_for(what, cond, timeout=30.0, step=0.05):
    """Waits until cond() is true; fails naming what did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


class Pair:
    """cnet-wg in namespace a, wireguard-go in namespace b."""

    def __init__(self, tmp_path, cnet_endpoint=True, extra_args=(),
                 use_setconf=False, cnet_env=None, before_cnet=None):
        pid = os.getpid() % 1000000
        self.tmp = tmp_path
        self.ns_a, self.ns_b = f"cwa{pid}", f"cwb{pid}"
        self.veth_a, self.veth_b = f"cva{pid}", f"cvb{pid}"
        self.wg_a, self.wg_b = f"cwg{pid}", f"gwg{pid}"
        self.cnet = self.wggo = None
        self.log_a = tmp_path / "cnet-wg.log"
        try:
            self._setup(tmp_path, cnet_endpoint, extra_args, use_setconf,
                        cnet_env, before_cnet)
        except BaseException:
            self.close()
            raise

    def _setup(self, tmp_path, cnet_endpoint, extra_args, use_setconf,
               cnet_env, before_cnet):
        self._netns()
        if before_cnet is not None:
            before_cnet(self)
        self.key_a, self.pub_a = self._keys()
        self.key_b, self.pub_b = self._keys()
        conf_a = tmp_path / "a.conf"
        conf_a.write_text(
            "[Interface]\n"
            f"PrivateKey = {self.key_a}\n"
            f"ListenPort = {PORT_A}\n"
            "[Peer]\n"
            f"PublicKey = {self.pub_b}\n"
            "AllowedIPs = 10.99.0.2/32, fd99::2/128\n" +
            (f"Endpoint = 10.201.0.2:{PORT_B}\n" if cnet_endpoint else ""))
        conf_b = tmp_path / "b.conf"
        conf_b.write_text(
            "[Interface]\n"
            f"PrivateKey = {self.key_b}\n"
            f"ListenPort = {PORT_B}\n"
            "[Peer]\n"
            f"PublicKey = {self.pub_a}\n"
            "AllowedIPs = 10.99.0.1/32, fd99::1/128\n"
            f"Endpoint = 10.201.0.1:{PORT_A}\n")
        args = [CNET_WG, "-i", self.veth_a, *extra_args]
        if not use_setconf:
            args += ["-c", str(conf_a)]
        with open(self.log_a, "w", encoding="utf-8") as log:
            self.cnet = subprocess.Popen(
                ["ip", "netns", "exec", self.ns_a, *args, self.wg_a],
                stdout=log, stderr=subprocess.STDOUT,
                env=dict(os.environ, **(cnet_env or {})))
        wait_for("cnet-wg's API socket", lambda: self._answers(self.wg_a))
        if use_setconf:
            self.wg_cmd_a("setconf", self.wg_a, str(conf_a))
        self.wggo = subprocess.Popen(
            ["ip", "netns", "exec", self.ns_b, "wireguard-go", self.wg_b],
            env=dict(os.environ, WG_PROCESS_FOREGROUND="1",
                     LOG_LEVEL="error"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for("wireguard-go's API socket", lambda: self._answers(self.wg_b))
        run("ip", "netns", "exec", self.ns_b, "wg", "setconf", self.wg_b,
            str(conf_b))
        for ns, dev, v4, v6 in ((self.ns_a, self.wg_a, "10.99.0.1/24",
                                 "fd99::1/64"),
                                (self.ns_b, self.wg_b, "10.99.0.2/24",
                                 "fd99::2/64")):
            run("ip", "-n", ns, "addr", "add", v4, "dev", dev)
            run("ip", "-n", ns, "addr", "add", v6, "dev", dev, "nodad")
            run("ip", "-n", ns, "link", "set", dev, "up")

    def _netns(self):
        run("ip", "netns", "add", self.ns_a)
        run("ip", "netns", "add", self.ns_b)
        run("ip", "link", "add", self.veth_a, "netns", self.ns_a, "type",
            "veth", "peer", "name", self.veth_b, "netns", self.ns_b)
        for ns, dev, v4, v6 in ((self.ns_a, self.veth_a, "10.201.0.1/24",
                                 "fd01::1/64"),
                                (self.ns_b, self.veth_b, "10.201.0.2/24",
                                 "fd01::2/64")):
            run("ip", "-n", ns, "addr", "add", v4, "dev", dev)
            run("ip", "-n", ns, "addr", "add", v6, "dev", dev, "nodad")
            run("ip", "-n", ns, "link", "set", dev, "up")
            run("ip", "-n", ns, "link", "set", "lo", "up")

    @staticmethod
    def _keys():
        key = run("wg", "genkey").stdout.strip()
        pub = run("wg", "pubkey", input=key).stdout.strip()
        return key, pub

    @staticmethod
    def _answers(name):
        path = f"{SOCK_DIR}/{name}.sock"
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(path)
            return True
        except OSError:
            return False

    def exec_a(self, *args, **kw):
        return run("ip", "netns", "exec", self.ns_a, *args, **kw)

    def exec_b(self, *args, **kw):
        return run("ip", "netns", "exec", self.ns_b, *args, **kw)

    def wg_cmd_a(self, *args):
        return self.exec_a("wg", *args).stdout

    def wg_cmd_b(self, *args):
        return self.exec_b("wg", *args).stdout

    def stats(self):
        """cnet-wg's own counters (stats=1 on its API socket)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(f"{SOCK_DIR}/{self.wg_a}.sock")
            s.sendall(b"stats=1\n\n")
            data = b""
            while not data.endswith(b"\n\n"):
                chunk = s.recv(4096)
                assert chunk, "cnet-wg closed the API socket mid-answer"
                data += chunk
        return {k: int(v) for k, v in
                (line.split("=", 1) for line in data.decode().split("\n")
                 if "=" in line)}

    def dump_a(self):
        """`wg show NAME dump`'s peer line on cnet-wg's socket."""
        lines = self.wg_cmd_a("show", self.wg_a, "dump").strip().split("\n")
        assert len(lines) == 2, lines
        f = lines[1].split("\t")
        return {"public_key": f[0], "endpoint": f[2], "allowed_ips": f[3],
                "latest_handshake": int(f[4]), "rx": int(f[5]),
                "tx": int(f[6]), "keepalive": f[7]}

    def ping(self, side, addr, count=3, wait=5):
        args = ["ping", "-c", str(count), "-i", "0.2", "-W", str(wait), addr]
        r = (self.exec_a if side == "a" else self.exec_b)(*args, check=False)
        assert r.returncode == 0, \
            f"ping {addr} from {side}: {r.stdout}{r.stderr}\n{self.log()}"

    def log(self):
        return self.log_a.read_text(encoding="utf-8", errors="replace")

    def xdp_on_veth_a(self):
        info = json.loads(run("ip", "-n", self.ns_a, "-j", "link", "show",
                              "dev", self.veth_a).stdout)
        return "xdp" in info[0]

    def stop_cnet(self, xdp_may_stay=False):
        """SIGTERM; checks the exit status and that nothing is left (the
        XDP program is cnetd's when the queue was leased)."""
        if self.cnet is None:
            return
        self.cnet.send_signal(signal.SIGTERM)
        status = self.cnet.wait(timeout=30)
        self.cnet = None
        assert status == 0, f"cnet-wg exited with {status}:\n{self.log()}"
        assert xdp_may_stay or not self.xdp_on_veth_a(), \
            "an XDP program is left on the veth"
        links = run("ip", "-n", self.ns_a, "-j", "link", "show").stdout
        assert self.wg_a not in links, "the TUN device is left"
        assert not os.path.exists(f"{SOCK_DIR}/{self.wg_a}.sock"), \
            "the API socket file is left"

    def close(self):
        try:
            self.stop_cnet()
        finally:
            if self.cnet is not None:
                self.cnet.kill()
                self.cnet.wait()
            if self.wggo is not None:
                self.wggo.terminate()
                try:
                    self.wggo.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.wggo.kill()
                    self.wggo.wait()
            run("ip", "netns", "del", self.ns_a, check=False)
            run("ip", "netns", "del", self.ns_b, check=False)
            if os.path.exists(f"{SOCK_DIR}/{self.wg_b}.sock"):
                os.unlink(f"{SOCK_DIR}/{self.wg_b}.sock")
        names = run("ip", "netns", "list").stdout
        assert self.ns_a not in names and self.ns_b not in names, \
            "a network namespace is left"


@pytest.fixture
def make_pair(tmp_path):
    pairs = []

    def make(**kw):
        p = Pair(tmp_path, **kw)
        pairs.append(p)
        return p

    yield make
    for p in pairs:
        try:
            # The kernel still owns everything but WireGuard's UDP port.
            if p.cnet is not None:
                p.ping("a", "10.201.0.2", count=1)
                p.ping("a", "fd01::2", count=1)
        finally:
            p.close()


def test_cnet_initiates_ping_and_wg_show(make_pair):
    """cnet-wg starts the handshake; v4 and v6 pass; `wg show` on its socket
    shows the peer, the handshake and counters that grow; `wg set` works."""
    p = make_pair(use_setconf=True)
    p.ping("a", "10.99.0.2")
    p.ping("a", "fd99::2")
    s = p.stats()
    assert s["handshakes_tx"] >= 1 and s["handshakes_rx"] >= 1, s
    assert s["rx_packets"] >= 6 and s["tx_packets"] >= 6, s
    d = p.dump_a()
    assert d["public_key"] == p.pub_b
    assert d["endpoint"] == f"10.201.0.2:{PORT_B}"
    assert d["allowed_ips"] == "10.99.0.2/32,fd99::2/128"
    assert abs(time.time() - d["latest_handshake"]) < 60, d
    assert d["rx"] > 0 and d["tx"] > 0, d
    p.ping("a", "10.99.0.2", count=5)
    d2 = p.dump_a()
    assert d2["rx"] > d["rx"] and d2["tx"] > d["tx"], (d, d2)
    # The human-readable form, as an operator sees it.
    show = p.wg_cmd_a("show", p.wg_a)
    assert re.search(r"latest handshake: .*(second|minute)", show), show
    assert "transfer:" in show, show
    # wg set against cnet-wg's socket.
    p.wg_cmd_a("set", p.wg_a, "peer", p.pub_b, "persistent-keepalive", "25")
    assert p.dump_a()["keepalive"] == "25"
    # wireguard-go agrees about the session.
    assert "latest handshake" in p.wg_cmd_b("show", p.wg_b)


def test_reconfigure_with_wg(make_pair, tmp_path):
    """wg showconf, wg set … remove and wg addconf on cnet-wg's socket while
    it runs: the peer goes (its packets are dropped), comes back from the
    saved configuration and a new handshake brings the tunnel back; a new
    private key is taken and shown."""
    p = make_pair()
    p.ping("a", "10.99.0.2", count=1)
    conf = p.wg_cmd_a("showconf", p.wg_a)
    assert f"PublicKey = {p.pub_b}" in conf, conf
    assert "AllowedIPs = 10.99.0.2/32, fd99::2/128" in conf, conf
    saved = tmp_path / "saved.conf"
    saved.write_text(conf)
    p.wg_cmd_a("set", p.wg_a, "peer", p.pub_b, "remove")
    assert p.wg_cmd_a("show", p.wg_a, "peers").strip() == ""
    before = p.stats()["drop_no_peer"]
    r = p.exec_a("ping", "-c", "1", "-W", "1", "10.99.0.2", check=False)
    assert r.returncode != 0
    assert p.stats()["drop_no_peer"] > before
    p.wg_cmd_a("addconf", p.wg_a, str(saved))
    assert p.wg_cmd_a("show", p.wg_a, "peers").strip() == p.pub_b
    p.ping("a", "10.99.0.2", count=2)
    p.ping("a", "fd99::2", count=1)
    # A new private key: the public key follows, the peer (wireguard-go)
    # is told, and handshakes work with it.
    key, pub = p._keys()
    key_file = tmp_path / "new.key"
    key_file.write_text(key + "\n")
    p.wg_cmd_a("set", p.wg_a, "private-key", str(key_file))
    assert p.wg_cmd_a("show", p.wg_a, "public-key").strip() == pub
    p.wg_cmd_b("set", p.wg_b, "peer", p.pub_a, "remove")
    p.wg_cmd_b("set", p.wg_b, "peer", pub, "allowed-ips",
               "10.99.0.1/32,fd99::1/128", "endpoint",
               f"10.201.0.1:{PORT_A}")
    p.ping("a", "10.99.0.2", count=2)
    p.ping("b", "fd99::1", count=1)


def test_peer_initiates(make_pair):
    """cnet-wg knows no endpoint: wireguard-go initiates, cnet-wg answers and
    learns where the peer is."""
    p = make_pair(cnet_endpoint=False)
    assert p.dump_a()["endpoint"] == "(none)"
    p.ping("b", "10.99.0.1")
    p.ping("b", "fd99::1")
    s = p.stats()
    assert s["handshakes_rx"] >= 1 and s["handshakes_tx"] >= 1, s
    assert p.dump_a()["endpoint"] == f"10.201.0.2:{PORT_B}"
    p.ping("a", "10.99.0.2")


def transfer(p, sender, receiver_addr, nbytes):
    recv_ns = p.ns_b if sender == "a" else p.ns_a
    send_ns = p.ns_a if sender == "a" else p.ns_b
    server = subprocess.Popen(
        ["ip", "netns", "exec", recv_ns, PYTHON, HELPER, "tcp-recv", "5001"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "listening"
        out = run("ip", "netns", "exec", send_ns, PYTHON, HELPER, "tcp-send",
                  receiver_addr, "5001", str(nbytes), timeout=300).stdout
        got = server.stdout.readline().split()
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    sent = out.split()
    assert int(sent[0]) == nbytes and int(got[0]) == nbytes, (sent, got)
    assert sent[1] == got[1], "the stream arrived different from what was sent"


TRANSFER_BYTES = 128 * 1024 * 1024


def test_tcp_transfer_both_ways(make_pair):
    """128 MiB each way through the tunnel (v4 one way, v6 the other),
    byte-exact (SHA-256 of the stream on both ends)."""
    p = make_pair()
    p.ping("a", "10.99.0.2", count=1)
    # Meanwhile the kernel keeps answering ping on the outer addresses.
    outer = [subprocess.Popen(
        ["ip", "netns", "exec", p.ns_a, "ping", "-i", "0.2", "-W", "5", addr],
        stdout=subprocess.PIPE, text=True) for addr in ("10.201.0.2",
                                                        "fd01::2")]
    try:
        transfer(p, "a", "10.99.0.2", TRANSFER_BYTES)
        transfer(p, "b", "fd99::1", TRANSFER_BYTES)
    finally:
        outs = []
        for o in outer:
            o.send_signal(signal.SIGINT)
            outs.append(o.communicate(timeout=30)[0])
    for out in outs:
        m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
        assert m and int(m.group(1)) > 0 and m.group(1) == m.group(2), out
    s = p.stats()
    print("cnet-wg:", s)  # tun_reads/tun_writes against the packets: offloads
    assert s["drop_decrypt"] == 0 and s["drop_source"] == 0, s
    assert s["tun_writes"] <= s["rx_packets"], s
    d = p.dump_a()
    assert d["rx"] > TRANSFER_BYTES and d["tx"] > TRANSFER_BYTES, d


def test_replayed_data_dropped(make_pair):
    """A data message captured in wireguard-go's namespace and sent again is
    dropped by the replay window, counted, and not delivered."""
    p = make_pair()
    p.ping("a", "10.99.0.2", count=1)
    cap = subprocess.Popen(
        ["ip", "netns", "exec", p.ns_b, PYTHON, HELPER, "capture-data",
         p.veth_b, str(PORT_B)], stdout=subprocess.PIPE, text=True)
    try:
        assert cap.stdout.readline().strip() == "capturing"
        p.ping("a", "10.99.0.2", count=2)
        frame = cap.stdout.readline().strip()
        assert cap.wait(timeout=60) == 0 and frame
    finally:
        if cap.poll() is None:
            cap.kill()
            cap.wait()
    # Let the pings' own packets settle, then replay once.
    wait_for("quiet", lambda: p.stats() == p.stats(), timeout=10, step=0.3)
    before = p.stats()
    p.exec_b(PYTHON, HELPER, "send-frame", p.veth_b, frame)
    wait_for("the replay to be counted",
             lambda: p.stats()["drop_replay"] == before["drop_replay"] + 1)
    after = p.stats()
    assert after["rx_packets"] == before["rx_packets"], (before, after)
    p.ping("a", "10.99.0.2", count=1)


def test_bad_mac1_and_truncated_dropped(make_pair):
    """An initiation with a bad mac1 and truncated messages are dropped and
    counted; the tunnel keeps working."""
    p = make_pair()
    p.ping("a", "10.99.0.2", count=1)
    before = p.stats()
    bad_init = bytes([1, 0, 0, 0]) + os.urandom(144)
    p.exec_b(PYTHON, HELPER, "send-udp", "10.201.0.1", str(PORT_A),
             bad_init.hex())
    wait_for("the bad mac1 to be counted",
             lambda: p.stats()["drop_mac1"] == before["drop_mac1"] + 1)
    for short in (bytes([1, 0, 0, 0]) + os.urandom(96),   # initiation
                  bytes([4, 0, 0, 0]) + os.urandom(20),   # data
                  bytes([2, 0])):                         # response
        n = p.stats()["drop_malformed"]
        p.exec_b(PYTHON, HELPER, "send-udp", "fd01::1", str(PORT_A),
                 short.hex())
        wait_for("the truncated message to be counted",
                 lambda n=n: p.stats()["drop_malformed"] == n + 1)
    after = p.stats()
    assert after["handshakes_rx"] == before["handshakes_rx"], (before, after)
    p.ping("a", "10.99.0.2", count=2)


def test_endpoint_roaming(make_pair):
    """The peer moves to another address and port, then to IPv6: cnet-wg's
    replies follow it (the new next hop resolved by the kernel)."""
    p = make_pair()
    p.ping("a", "10.99.0.2", count=1)
    # Another address and port for wireguard-go.
    # (Deleting first: a primary address takes its secondaries with it.)
    p.exec_b("ip", "addr", "del", "10.201.0.2/24", "dev", p.veth_b)
    p.exec_b("ip", "addr", "add", "10.201.0.3/24", "dev", p.veth_b)
    p.wg_cmd_b("set", p.wg_b, "listen-port", "51999")
    p.ping("b", "10.99.0.1")
    assert p.dump_a()["endpoint"] == "10.201.0.3:51999"
    p.ping("a", "10.99.0.2")
    # And to IPv6 outside.
    p.wg_cmd_b("set", p.wg_b, "peer", p.pub_a, "endpoint",
               f"[fd01::1]:{PORT_A}")
    p.ping("b", "fd99::1")
    assert p.dump_a()["endpoint"] == "[fd01::2]:51999"
    p.ping("a", "fd99::2")
    p.ping("a", "10.99.0.2")
    # Restore for the outer ping on the way out.
    p.exec_b("ip", "addr", "add", "10.201.0.2/24", "dev", p.veth_b)


def test_cookie_reply_under_load(make_pair):
    """Under load (forced) cnet-wg answers an initiation without a valid mac2
    with a cookie reply; wireguard-go retries with the cookie's mac2 and the
    handshake completes."""
    p = make_pair(cnet_endpoint=False, extra_args=["--always-cookie"])
    # The first initiation gets a cookie; wireguard-go's retry, with mac2,
    # comes after REKEY_TIMEOUT (5 s).
    p.ping("b", "10.99.0.1", count=1, wait=20)
    s = p.stats()
    assert s["cookies_tx"] >= 1 and s["drop_mac2"] >= 1, s
    assert s["handshakes_rx"] >= 1, s


def test_through_cnetd(make_pair, tmp_path):
    """The queue leased from cnetd (on a private system-type bus) instead of
    opened directly: the same tunnel works, the lessee's listen port is
    fixed, and the lease ends with cnet-wg."""
    cnetd_bin = os.environ.get("CNETD", "cnetd")
    bus_conf = os.path.join(os.path.dirname(HELPER), "..", "service",
                            "system-bus.conf")
    address = f"unix:path={tmp_path}/bus"
    procs = []

    def start_cnetd(p):
        procs.append(subprocess.Popen(
            ["dbus-daemon", "--config-file=" + bus_conf,
             "--address=" + address, "--nofork", "--nopidfile"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for("the bus", lambda: os.path.exists(f"{tmp_path}/bus"))
        conf = tmp_path / "cnetd.jsonc"
        conf.write_text('{ "interfaces": ["%s"], "authorization": "group", '
                        '"group": "nogroup" }' % p.veth_a)
        procs.append(subprocess.Popen(
            ["ip", "netns", "exec", p.ns_a, cnetd_bin, "--address", address,
             "--config", str(conf)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for("cnetd on the bus", lambda: run(
            "busctl", "--address=" + address, "status", "org.cnet.Cnet1",
            check=False).returncode == 0)

    try:
        p = make_pair(extra_args=["--cnetd", address],
                      before_cnet=start_cnetd)
        p.ping("a", "10.99.0.2")
        p.ping("a", "fd99::2")
        leases = run("busctl", "--address=" + address, "tree",
                     "org.cnet.Cnet1").stdout
        assert "/org/cnet/Cnet1/leases/" in leases, leases
        # The lessee cannot change its rule: the port change is refused.
        r = p.exec_a("wg", "set", p.wg_a, "listen-port", "51999", check=False)
        assert r.returncode != 0
        assert "leased from cnetd" in p.log(), p.log()
        assert p.dump_a()["latest_handshake"] > 0
        p.ping("a", "10.201.0.2", count=1)
        p.stop_cnet(xdp_may_stay=True)
        wait_for("the lease to end", lambda: "/org/cnet/Cnet1/leases/" not in
                 run("busctl", "--address=" + address, "tree",
                     "org.cnet.Cnet1").stdout)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=10)
    # With cnetd gone too, its program left the veth.
    assert not p.xdp_on_veth_a(), "cnetd left its XDP program on the veth"


def test_no_allocations_per_packet(make_pair):
    """With bench/malloc-count.so preloaded, thousands of packets each way
    (flood pings, both families) cost no heap allocation: the count between
    two stats requests stays at what the requests themselves and the
    timers allocate."""
    lib = os.environ.get("CNET_MALLOC_COUNT")
    assert lib and os.path.exists(lib), "CNET_MALLOC_COUNT names no library"
    p = make_pair(cnet_env={"LD_PRELOAD": lib})
    p.ping("a", "10.99.0.2", count=1)
    p.ping("a", "fd99::2", count=1)
    idle0 = p.stats()["allocs"]
    idle1 = p.stats()["allocs"]
    assert idle0 >= 0, "the malloc counter is not preloaded"
    per_request = idle1 - idle0
    before = p.stats()
    for addr in ("10.99.0.2", "fd99::2"):
        r = p.exec_a("ping", "-f", "-c", "3000", "-s", "1000", addr,
                     timeout=120)
        assert " 0% packet loss" in r.stdout, r.stdout
    after = p.stats()
    packets = (after["rx_packets"] - before["rx_packets"] +
               after["tx_packets"] - before["tx_packets"])
    assert packets >= 12000, (before, after)
    allocs = after["allocs"] - before["allocs"]
    # The stats request's own, and nothing per packet or per timer tick.
    print(f"{allocs} allocations for {packets} packets; a stats request "
          f"costs {per_request}")
    assert allocs <= per_request + 10, \
        f"{allocs} allocations for {packets} packets"


REKEY_AFTER_TIME = 120


def test_rekey_after_time(make_pair):
    """Real time, no shortened timers: after REKEY_AFTER_TIME the initiator
    (cnet-wg) starts a new handshake while traffic flows, and traffic keeps
    flowing on the new keys."""
    p = make_pair()
    p.ping("a", "10.99.0.2", count=1)
    first = p.dump_a()["latest_handshake"]
    start = time.monotonic()
    tx0 = p.stats()["handshakes_tx"]
    # A ping every half second keeps the session busy.
    pinger = subprocess.Popen(
        ["ip", "netns", "exec", p.ns_a, "ping", "-i", "0.5", "-W", "5",
         "10.99.0.2"], stdout=subprocess.PIPE, text=True)
    try:
        wait_for("a second handshake",
                 lambda: p.dump_a()["latest_handshake"] > first,
                 timeout=REKEY_AFTER_TIME + 60, step=1)
    finally:
        pinger.send_signal(signal.SIGINT)
        out, _ = pinger.communicate(timeout=30)
    elapsed = time.monotonic() - start
    assert elapsed >= REKEY_AFTER_TIME - 15, elapsed
    assert p.stats()["handshakes_tx"] > tx0
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m and int(m.group(2)) >= int(m.group(1)) - 2, out
    p.ping("a", "10.99.0.2", count=3)
