#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A client of the device plugin's socket protocol as CNDP is one, byte by
byte and in plain system calls (no libcnet): raw-uds-client.py PATH IFNAME
[busy]. Each step's result is one JSON line on stdout; then it receives
frames and prints each one's hex, and on a line "fin" on stdin says /fin,
on "exit" leaves without it.

It sends exactly what CNDP's uds.c sends (no trailing NUL) and matches
replies exactly, as CNDP does: /connect,<hostname>, /xsk_map_fd,<ifname>,
/config_busy_poll,20,64 with its socket's fd when asked for busy polling,
/fin."""
import ctypes
import json
import os
import select
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "python"))
from udsref import RawXsk, libbpf, map_put  # noqa: E402


def say(**kw):
    print(json.dumps(kw), flush=True)


def map_id(fd):
    info = ctypes.create_string_buffer(128)
    size = ctypes.c_uint32(128)
    libbpf.bpf_obj_get_info_by_fd.argtypes = [ctypes.c_int, ctypes.c_void_p,
                                              ctypes.c_void_p]
    if libbpf.bpf_obj_get_info_by_fd(fd, info, ctypes.byref(size)) != 0:
        return None
    # struct bpf_map_info: type, id, ...
    return int.from_bytes(info.raw[4:8], "little")


def main():
    path, ifname = sys.argv[1], sys.argv[2]
    busy = len(sys.argv) > 3 and sys.argv[3] == "busy"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)
    except OSError as e:
        say(step="connect", error=e.errno)
        return 1
    s.send(b"/connect," + socket.gethostname().encode())
    reply = s.recv(64)
    say(step="/connect", reply=reply.decode())
    if reply != b"/host_ok":
        return 1
    s.send(b"/xsk_map_fd," + ifname.encode())
    reply, fds, _, _ = socket.recv_fds(s, 64, 1)
    say(step="/xsk_map_fd", reply=reply.decode(), fds=len(fds),
        map_id=map_id(fds[0]) if fds else None)
    if reply != b"/fd_ack" or len(fds) != 1:
        return 1
    xsk = RawXsk(ifname, 0)
    map_put(fds[0], 0, xsk.fd)
    if busy:
        socket.send_fds(s, [b"/config_busy_poll,20,64"], [xsk.fd])
        say(step="/config_busy_poll", reply=s.recv(64).decode())
    say(step="ready")
    poller = select.poll()
    poller.register(xsk.fd, select.POLLIN)
    poller.register(sys.stdin.fileno(), select.POLLIN)
    while True:
        for fd, _ in poller.poll(1000):
            if fd == xsk.fd:
                for frame in xsk.receive():
                    say(frame=frame.hex())
            else:
                line = sys.stdin.readline().strip()
                if line == "fin":
                    s.send(b"/fin")
                    say(step="/fin", reply=s.recv(64).decode())
                    xsk.close()
                    return 0
                os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
