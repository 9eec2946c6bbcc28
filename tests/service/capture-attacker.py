#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A capture client that tries what it should not with the ring buffer fd
cnetd hands it (run as nobody by test_capture.py). Commands on standard
input, one JSON line back each:

  start IFACE RULE   StartCapture, keeping the raw fds
  probe              map and poke the ring; bpf() on its fd
  scribble           write a wild consumer position
  release            Lease.Release, keeping the fd and the mappings
  pos                the producer position now
"""
import ctypes
import errno
import json
import mmap
import os
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

NR_BPF = 321  # x86_64
BPF_MAP_LOOKUP_ELEM = 1
BPF_MAP_UPDATE_ELEM = 2
BPF_PROG_LOAD = 5
BPF_OBJ_GET_INFO_BY_FD = 15
PAGE = mmap.PAGESIZE
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                      ctypes.c_int, ctypes.c_int, ctypes.c_long]


def bpf(cmd, fd):
    attr = (ctypes.c_uint8 * 128)()
    ctypes.memmove(attr, ctypes.byref(ctypes.c_uint32(fd)), 4)
    rc = libc.syscall(NR_BPF, cmd, attr, 128)
    if rc >= 0:
        return "ok"
    e = ctypes.get_errno()
    return errno.errorcode.get(e, "ENOTSUPP" if e == 524 else str(e))


def try_(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


def main():
    address = sys.argv[1]
    conn = Gio.DBusConnection.new_for_address_sync(
        address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    ring = guard = None
    lease = None
    size = 0
    prod = None
    print(json.dumps({"uid": os.getuid()}), flush=True)
    for line in sys.stdin:
        words = line.split(None, 2)
        cmd = words[0]
        out = {}
        try:
            if cmd == "start":
                reply, fds = conn.call_with_unix_fd_list_sync(
                    "org.cnet.Cnet1", "/org/cnet/Cnet1",
                    "org.cnet.Cnet1.Manager", "StartCapture",
                    GLib.Variant("(sa{sv})", (words[1], {
                        "rules": GLib.Variant("as", [words[2].strip()])})),
                    None, Gio.DBusCallFlags.NONE, 10000, None, None)
                lease, h_ring, h_guard, info = reply.unpack()
                got = fds.steal_fds()
                ring, guard = got[h_ring], got[h_guard]
                size = info["ring-size"]
                prod = mmap.mmap(ring, PAGE + 2 * size, mmap.MAP_SHARED,
                                 mmap.PROT_READ, offset=PAGE)
                out = {"lease": lease, "ring_size": size}
            elif cmd == "probe":
                cons = mmap.mmap(ring, PAGE, mmap.MAP_SHARED,
                                 mmap.PROT_READ | mmap.PROT_WRITE)
                cons.close()
                out["map_consumer_rw"] = "ok"
                out["map_producer_rw"] = try_(lambda: mmap.mmap(
                    ring, PAGE, mmap.MAP_SHARED,
                    mmap.PROT_READ | mmap.PROT_WRITE, offset=PAGE))
                out["map_data_rw"] = try_(lambda: mmap.mmap(
                    ring, PAGE, mmap.MAP_SHARED,
                    mmap.PROT_READ | mmap.PROT_WRITE, offset=2 * PAGE))
                # A read-only mapping of the producer page, made writable.
                addr = libc.mmap(None, PAGE, mmap.PROT_READ, mmap.MAP_SHARED,
                                 ring, PAGE)
                assert addr not in (None, ctypes.c_void_p(-1).value)
                rc = libc.mprotect(addr, PAGE, mmap.PROT_READ | mmap.PROT_WRITE)
                out["mprotect_producer_rw"] = "ok" if rc == 0 else \
                    errno.errorcode[ctypes.get_errno()]
                out["bpf_info"] = bpf(BPF_OBJ_GET_INFO_BY_FD, ring)
                out["bpf_lookup"] = bpf(BPF_MAP_LOOKUP_ELEM, ring)
                out["bpf_update"] = bpf(BPF_MAP_UPDATE_ELEM, ring)
                # A program of its own could write into the ring.
                out["bpf_prog_load"] = bpf(BPF_PROG_LOAD, 0)
                out["producer_pos"] = int.from_bytes(prod[0:8], "little")
            elif cmd == "scribble":
                cons = mmap.mmap(ring, PAGE, mmap.MAP_SHARED,
                                 mmap.PROT_READ | mmap.PROT_WRITE)
                cons[0:8] = (2 ** 63 + 12345).to_bytes(8, "little")
                cons.close()
                out["scribbled"] = True
            elif cmd == "release":
                conn.call_sync("org.cnet.Cnet1", lease,
                               "org.cnet.Cnet1.Lease", "Release", None, None,
                               Gio.DBusCallFlags.NONE, 10000, None)
                out["producer_pos"] = int.from_bytes(prod[0:8], "little")
            elif cmd == "pos":
                out["producer_pos"] = int.from_bytes(prod[0:8], "little")
            elif cmd == "quit":
                break
        except GLib.Error as e:
            out = {"error": e.message}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
