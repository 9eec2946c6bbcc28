#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A scriptable cnetd client for the service tests, run unprivileged: the
party on the less privileged side of cnetd. It reads one command a line on
standard input and answers each with one line of JSON:

  open IFACE QUEUE [RULE,...]  lease a queue (Cnet.Client.open_port)
  openmeta IFACE QUEUE NICK,...  lease a queue with RX metadata
                               (open_port_full, option rx-metadata)
  receive | send HEXFRAME [N]  one receive, or N sends of a frame
  receivemeta                  one receive: the batch's arrival times and
                               RX metadata flags
  wait MS                      Port.wait
  release                      Lease.Release on the bus, keeping the port
  dup | closedup               keep a copy of the socket fd / close it
  drop                         drop the port (Release, close the socket)
  setrules [RULE,...]          Port.set_rules (rules apart by commas)
  bind IFACE QUEUE             bind() the leased socket elsewhere
  bindtodevice IFACE           SO_BINDTODEVICE on the leased socket
  umemreg | rxring             register a UMEM / size a ring again
  newsocket                    socket(AF_XDP) of its own
  quit

Errors are {"error": message, "domain": ..., "code": ...} or
{"errno": name} for system calls. FRAMES=N sets the mempool's size.
"""
import ctypes
import json
import os
import socket
import struct
import sys

import gi

gi.require_version("Cnet", "1.0")
gi.require_version("Gio", "2.0")
from gi.repository import Cnet, Gio, GLib  # noqa: E402

AF_XDP = 44
SOL_XDP = 283
XDP_RX_RING = 2
XDP_UMEM_REG = 4
SO_BINDTODEVICE = 25

libc = ctypes.CDLL(None, use_errno=True)


def sockopt_int(fd, opt):
    """An int SOL_SOCKET option of FD (Python's socket module cannot
    wrap an AF_XDP socket)."""
    val = ctypes.c_int(0)
    size = ctypes.c_uint32(4)
    if libc.getsockopt(fd, socket.SOL_SOCKET, opt, ctypes.byref(val),
                       ctypes.byref(size)) < 0:
        raise OSError(ctypes.get_errno(), f"getsockopt({opt})")
    return val.value


def errno_result(rc):
    if rc == 0:
        return {"ok": True}
    return {"errno": os.strerror(ctypes.get_errno()),
            "errno_name": __import__("errno").errorcode[ctypes.get_errno()]}


class Lessee:
    def __init__(self, address):
        self.client = Cnet.Client.new(address, None)
        self.conn = self.client.get_connection()
        frames = int(os.environ.get("FRAMES", "4096"))
        self.pool = Cnet.Mempool.new(frames, 2048, 0)
        self.port = None
        self.dup = None
        self.ended = []
        self.batch = Cnet.Batch.new(64)

    def my_lease(self):
        for path in self.conn.call_sync(
                "org.cnet.Cnet1", "/org/cnet/Cnet1", "org.cnet.Cnet1.Manager",
                "ListLeases", None, None, 0, -1, None).unpack()[0]:
            owner = self.conn.call_sync(
                "org.cnet.Cnet1", path, "org.freedesktop.DBus.Properties",
                "Get", GLib.Variant("(ss)", ("org.cnet.Cnet1.Lease", "Owner")),
                None, 0, -1, None).unpack()[0]
            if owner == self.conn.get_unique_name():
                return path
        raise RuntimeError("no lease of mine")

    def fd(self):
        return self.port.get_fd() if self.port is not None else self.dup

    def do(self, cmd, args):
        if cmd == "open":
            rules = [r.strip() for r in " ".join(args[2:]).split(",")
                     if r.strip()] or None
            self.port = self.client.open_port(args[0], int(args[1]),
                                              self.pool, rules)
            self.port.connect("lease-ended",
                              lambda port, err: self.ended.append(err.code))
            return {"queue": self.port.get_queue(),
                    "uid": os.getuid()}
        if cmd == "openmeta":
            opts = GLib.Variant("a{sv}", {"rx-metadata": GLib.Variant(
                "as", [n for n in args[2].split(",") if n])})
            self.port = self.client.open_port_full(args[0], int(args[1]),
                                                   self.pool, opts, None)
            return {"queue": self.port.get_queue(),
                    "rx-metadata": [n for n in self.port.props.rx_metadata
                                    .value_nicks if n != "none"]}
        if cmd == "openbusy":
            opts = GLib.Variant("a{sv}", {
                "busy-poll-usecs": GLib.Variant("u", int(args[2])),
                "busy-poll-budget": GLib.Variant("u", 64)})
            self.port = self.client.open_port_full(args[0], int(args[1]),
                                                   self.pool, opts, None)
            # SO_BUSY_POLL (46), which cnetd set on the socket.
            return {"queue": self.port.get_queue(),
                    "busy-poll-usecs": sockopt_int(self.fd(), 46)}
        if cmd == "napiid":
            # SO_INCOMING_NAPI_ID (56): the NAPI instance the socket's
            # frames came through, 0 for none.
            return {"napi-id": sockopt_int(self.fd(), 56)}
        if cmd == "receive":
            n = self.port.receive(self.batch)
            return {"received": n, "ended": self.ended}
        if cmd == "receivemeta":
            n = self.port.receive(self.batch)
            times = list(struct.unpack(
                f"={n}Q", self.batch.get_arrival_times().get_data()))
            flags = list(self.batch.get_rx_metadata_flags().get_data())
            self.batch.clear()
            return {"received": n, "times": times, "flags": flags}
        if cmd == "send":
            frame = bytes.fromhex(args[0])
            count = int(args[1]) if len(args) > 1 else 1
            sent = 0
            for _ in range(count):
                self.batch.clear()
                self.batch.alloc(self.pool, 1)
                self.batch.set_data(frame)
                sent += self.port.send(self.batch)
                self.batch.clear()
            while self.port.tx_flush() > 0:
                self.port.wait(10)
            return {"sent": sent, "ended": self.ended}
        if cmd == "wait":
            return {"ready": self.port.wait(int(args[0])),
                    "ended": self.ended}
        if cmd == "release":
            self.conn.call_sync("org.cnet.Cnet1", self.my_lease(),
                                "org.cnet.Cnet1.Lease", "Release", None, None,
                                0, -1, None)
            return {"released": True}
        if cmd == "dup":
            self.dup = os.dup(self.port.get_fd())
            return {"dup": self.dup}
        if cmd == "closedup":
            os.close(self.dup)
            self.dup = None
            return {"closed": True}
        if cmd == "drop":
            self.port = None
            self.batch = Cnet.Batch.new(64)
            import gc
            gc.collect()
            return {"dropped": True}
        if cmd == "setrules":
            self.port.set_rules([r.strip() for r in " ".join(args).split(",")
                                 if r.strip()])
            return {"rules": self.port.get_rules()}
        if cmd == "bind":
            ifindex = socket.if_nametoindex(args[0])
            sxdp = struct.pack("=HHIII", AF_XDP, 0, ifindex, int(args[1]), 0)
            return errno_result(libc.bind(self.fd(), sxdp, len(sxdp)))
        if cmd == "bindtodevice":
            name = args[0].encode()
            return errno_result(libc.setsockopt(self.fd(), socket.SOL_SOCKET,
                                                SO_BINDTODEVICE, name,
                                                len(name)))
        if cmd == "umemreg":
            area = ctypes.create_string_buffer(64 * 4096 + 4096)
            addr = (ctypes.addressof(area) + 4095) & ~4095
            reg = struct.pack("=QQIII", addr, 64 * 4096, 2048, 0, 0)
            return errno_result(libc.setsockopt(self.fd(), SOL_XDP,
                                                XDP_UMEM_REG, reg, len(reg)))
        if cmd == "rxring":
            n = ctypes.c_int(64)
            return errno_result(libc.setsockopt(self.fd(), SOL_XDP,
                                                XDP_RX_RING, ctypes.byref(n),
                                                4))
        if cmd == "newsocket":
            fd = libc.socket(AF_XDP, socket.SOCK_RAW, 0)
            if fd >= 0:
                os.close(fd)
                return {"ok": True}
            return errno_result(-1)
        raise ValueError(f"unknown command {cmd}")


def main():
    lessee = Lessee(sys.argv[1])
    print(json.dumps({"uid": os.getuid()}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            result = lessee.do(words[0], words[1:])
        except GLib.Error as e:
            result = {"error": e.message, "domain": e.domain, "code": e.code,
                      "ended": lessee.ended}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
