# SPDX-License-Identifier: LGPL-2.1-or-later
"""The AF_XDP device plugin's side of its Unix-socket protocol, written
from the protocol's table (docs/kubernetes.md) and nothing of libcnet's or
cnetd's: an XDP program and XSKMAP of its own, loaded through libbpf with
ctypes (as the plugin loads its own), and a server thread that answers the
protocol and records every message byte for byte.

Also the smallest AF_XDP socket a client could make (RawXsk): what CNDP
does with the map, in plain system calls, for the tests of cnetd's server.
"""
import ctypes
import mmap
import os
import socket
import struct
import threading

libc = ctypes.CDLL(None, use_errno=True)
libbpf = ctypes.CDLL("libbpf.so.1", use_errno=True)
libbpf.bpf_map_create.argtypes = [ctypes.c_int, ctypes.c_char_p,
                                  ctypes.c_uint32, ctypes.c_uint32,
                                  ctypes.c_uint32, ctypes.c_void_p]
libbpf.bpf_prog_load.argtypes = [ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_char_p, ctypes.c_void_p,
                                 ctypes.c_size_t, ctypes.c_void_p]
libbpf.bpf_xdp_attach.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_uint32,
                                  ctypes.c_void_p]
libbpf.bpf_xdp_detach.argtypes = [ctypes.c_int, ctypes.c_uint32,
                                  ctypes.c_void_p]
libbpf.bpf_map_lookup_elem.argtypes = [ctypes.c_int, ctypes.c_void_p,
                                       ctypes.c_void_p]
libbpf.bpf_map_get_fd_by_id.argtypes = [ctypes.c_uint32]

BPF_MAP_TYPE_XSKMAP = 17
BPF_PROG_TYPE_XDP = 6
XDP_FLAGS_DRV_MODE = 1 << 2
XDP_PASS = 2
BPF_FUNC_redirect_map = 51

SOL_XDP = 283
AF_XDP = 44
SO_BUSY_POLL = 46
SO_PREFER_BUSY_POLL = 69
SO_BUSY_POLL_BUDGET = 70


def _check(ret, what):
    if ret < 0:
        err = -ret if ret < -1 else ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


def _insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


class RefProgram:
    """An XSKMAP of 64 entries and the plugin's redirect program:
    bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS), attached in
    native mode to IFNAME."""

    def __init__(self, ifname):
        self.ifindex = socket.if_nametoindex(ifname)
        self.map_fd = _check(libbpf.bpf_map_create(
            BPF_MAP_TYPE_XSKMAP, b"ref_xsks", 4, 4, 64, None),
            "bpf_map_create(XSKMAP)")
        insns = b"".join([
            _insn(0x61, dst=2, src=1, off=16),  # r2 = ctx->rx_queue_index
            _insn(0x18, dst=1, src=1, imm=self.map_fd),  # r1 = &xsks
            _insn(0, imm=0),
            _insn(0xb7, dst=3, imm=XDP_PASS),  # r3 = XDP_PASS
            _insn(0x85, imm=BPF_FUNC_redirect_map),
            _insn(0x95),  # exit
        ])
        buf = ctypes.create_string_buffer(insns)
        self.prog_fd = _check(libbpf.bpf_prog_load(
            BPF_PROG_TYPE_XDP, b"ref_redirect", b"GPL", buf, len(insns) // 8,
            None), "bpf_prog_load")
        _check(libbpf.bpf_xdp_attach(self.ifindex, self.prog_fd,
                                     XDP_FLAGS_DRV_MODE, None),
               "bpf_xdp_attach")

    def close(self):
        libbpf.bpf_xdp_detach(self.ifindex, XDP_FLAGS_DRV_MODE, None)
        os.close(self.prog_fd)
        os.close(self.map_fd)


def getsockopt_int(fd, level, opt):
    val = ctypes.c_int(0)
    size = ctypes.c_uint32(4)
    _check(libc.getsockopt(fd, level, opt, ctypes.byref(val),
                           ctypes.byref(size)), f"getsockopt({opt})")
    return val.value


def setsockopt_int(fd, level, opt, value):
    val = ctypes.c_int(value)
    return libc.setsockopt(fd, level, opt, ctypes.byref(val), 4)


class RefServer:
    """The device plugin's server, from the protocol table, in a thread.

    REPLIES overrides the answer to a command (by its name: "connect",
    "xsk_map_fd", "config_busy_poll", "fin"); None means no answer at all.
    Every message received is kept, as bytes, in .received."""

    def __init__(self, path, map_fd, replies=None):
        self.path = path
        self.map_fd = map_fd
        self.replies = replies or {}
        self.received = []
        self.busy_poll_done = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(path)
        self.sock.listen(4)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def answer(self, conn, name, default, fds=()):
        reply = self.replies.get(name, default)
        if reply is None:
            return
        if reply == default and fds:
            socket.send_fds(conn, [reply], list(fds))
        else:
            conn.send(reply)

    def serve(self):
        try:
            while True:
                conn, _ = self.sock.accept()
                with conn:
                    self.serve_one(conn)
        except OSError:
            pass  # closed
        finally:
            self.done.set()

    def serve_one(self, conn):
        while True:
            msg, fds, _, _ = socket.recv_fds(conn, 1024, 4)
            if not msg:
                return
            self.received.append(msg)
            try:
                if msg.startswith(b"/connect,"):
                    self.answer(conn, "connect", b"/host_ok")
                elif msg == b"/version":
                    self.answer(conn, "version", b"0.1")
                elif msg.startswith(b"/xsk_map_fd,"):
                    self.answer(conn, "xsk_map_fd", b"/fd_ack",
                                fds=[self.map_fd])
                elif msg.startswith(b"/config_busy_poll,") and len(fds) == 1:
                    usecs, budget = (int(x) for x in msg.split(b",")[1:3])
                    fd = fds[0]
                    ok = (setsockopt_int(fd, socket.SOL_SOCKET,
                                         SO_PREFER_BUSY_POLL, 1) == 0 and
                          setsockopt_int(fd, socket.SOL_SOCKET, SO_BUSY_POLL,
                                         usecs) == 0 and
                          setsockopt_int(fd, socket.SOL_SOCKET,
                                         SO_BUSY_POLL_BUDGET, budget) == 0)
                    self.busy_poll_done.append((usecs, budget, ok))
                    self.answer(conn, "config_busy_poll",
                                b"/config_busy_poll_ack" if ok
                                else b"/config_busy_poll_nak")
                elif msg == b"/fin":
                    self.answer(conn, "fin", b"/fin_ack")
                    return
                else:
                    conn.send(b"/nak")
            finally:
                for fd in fds:
                    os.close(fd)

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.done.wait(5)
        if os.path.exists(self.path):
            os.unlink(self.path)


# --- the smallest AF_XDP client, in system calls -------------------------

XDP_UMEM_REG = 4
XDP_UMEM_FILL_RING = 5
XDP_UMEM_COMPLETION_RING = 6
XDP_RX_RING = 2
XDP_TX_RING = 3
XDP_MMAP_OFFSETS = 1
XDP_PGOFF_RX_RING = 0
XDP_UMEM_PGOFF_FILL_RING = 0x100000000
XDP_COPY = 1 << 1


class RawXsk:
    """An AF_XDP socket on IFNAME queue QUEUE with a UMEM of its own (an
    anonymous mapping), an RX ring and a fill ring, bound in copy mode:
    what CNDP's xskdev does before it puts the socket in the map."""

    FRAMES = 64
    FRAME = 2048
    RING = 64

    def __init__(self, ifname, queue):
        self.fd = _check(libc.socket(AF_XDP, socket.SOCK_RAW, 0),
                         "socket(AF_XDP)")
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                              ctypes.c_int, ctypes.c_int, ctypes.c_long]
        self.umem_size = self.FRAMES * self.FRAME
        self.umem = libc.mmap(None, self.umem_size, 3, 0x22, -1, 0)
        reg = struct.pack("=QQIIII", self.umem, self.umem_size, self.FRAME, 0,
                          0, 0)
        self._setsockopt(XDP_UMEM_REG, reg, "XDP_UMEM_REG")
        ring = struct.pack("=I", self.RING)
        for opt in (XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING,
                    XDP_TX_RING):
            self._setsockopt(opt, ring, f"ring {opt}")
        off = ctypes.create_string_buffer(128)
        size = ctypes.c_uint32(128)
        _check(libc.getsockopt(self.fd, SOL_XDP, XDP_MMAP_OFFSETS, off,
                               ctypes.byref(size)), "XDP_MMAP_OFFSETS")
        # struct xdp_mmap_offsets: rx, tx, fr, cr; each producer, consumer,
        # desc, flags (u64).
        o = struct.unpack("=16Q", off.raw[:128])
        self.rx_off = o[0:4]
        self.fr_off = o[8:12]
        self.rx = mmap.mmap(self.fd, self.rx_off[2] + self.RING * 16,
                            offset=XDP_PGOFF_RX_RING)
        self.fr = mmap.mmap(self.fd, self.fr_off[2] + self.RING * 8,
                            offset=XDP_UMEM_PGOFF_FILL_RING)
        for i in range(self.RING):
            struct.pack_into("=Q", self.fr, self.fr_off[2] + i * 8,
                             i * self.FRAME)
        struct.pack_into("=I", self.fr, self.fr_off[0], self.RING)
        sxdp = struct.pack("=HHIII", AF_XDP, XDP_COPY,
                           socket.if_nametoindex(ifname), queue, 0)
        _check(libc.bind(self.fd, ctypes.c_char_p(sxdp), len(sxdp)),
               f"bind({ifname} queue {queue})")
        self.cons = 0

    def _setsockopt(self, opt, value, what):
        _check(libc.setsockopt(self.fd, SOL_XDP, opt, ctypes.c_char_p(value),
                               len(value)), what)

    def receive(self):
        """The frames the RX ring holds now, as bytes."""
        prod = struct.unpack_from("=I", self.rx, self.rx_off[0])[0]
        out = []
        while self.cons != prod:
            i = self.cons % self.RING
            addr, length, _ = struct.unpack_from(
                "=QII", self.rx, self.rx_off[2] + i * 16)
            out.append(ctypes.string_at(self.umem + addr, length))
            self.cons = (self.cons + 1) & 0xffffffff
        struct.pack_into("=I", self.rx, self.rx_off[1], self.cons)
        return out

    def close(self):
        self.rx.close()
        self.fr.close()
        os.close(self.fd)
        libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        libc.munmap(ctypes.c_void_p(self.umem), self.umem_size)


def map_put(map_fd, queue, xsk_fd):
    key = ctypes.c_uint32(queue)
    val = ctypes.c_uint32(xsk_fd)
    libbpf.bpf_map_update_elem.argtypes = [ctypes.c_int, ctypes.c_void_p,
                                           ctypes.c_void_p, ctypes.c_uint64]
    _check(libbpf.bpf_map_update_elem(map_fd, ctypes.byref(key),
                                      ctypes.byref(val), 0),
           f"XSKMAP[{queue}] = socket")
