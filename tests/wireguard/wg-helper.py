#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What cnet-wg's tests run inside a namespace (`ip netns exec NS ...`).

  tcp-recv PORT                 accept one TCP stream, print "BYTES SHA256"
  tcp-send HOST PORT BYTES      send BYTES of pseudo-random data, print the same
  capture-data IFACE SPORT      print the first outgoing WireGuard data frame
                                (non-empty) sent from UDP port SPORT, as hex
  send-frame IFACE HEX          send a raw Ethernet frame
  send-udp HOST PORT HEX        send one UDP datagram
"""
import hashlib
import random
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
CHUNK = 1 << 20


def tcp_recv(port):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", int(port)))
    srv.listen(1)
    print("listening", flush=True)
    conn, _ = srv.accept()
    h = hashlib.sha256()
    total = 0
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while True:
        n = conn.recv_into(buf)
        if n == 0:
            break
        h.update(view[:n])
        total += n
    print(total, h.hexdigest(), flush=True)


def tcp_send(host, port, nbytes):
    nbytes = int(nbytes)
    block = bytearray(random.Random(nbytes).randbytes(CHUNK))
    h = hashlib.sha256()
    sock = socket.create_connection((host, int(port)), timeout=120)
    sent = 0
    i = 0
    while sent < nbytes:
        # Every megabyte differs: a reordered or repeated one changes the sum.
        block[:8] = struct.pack("<Q", i)
        n = min(CHUNK, nbytes - sent)
        data = memoryview(block)[:n]
        sock.sendall(data)
        h.update(data)
        sent += n
        i += 1
    sock.shutdown(socket.SHUT_WR)
    sock.recv(1)
    sock.close()
    print(sent, h.hexdigest(), flush=True)


def capture_data(iface, sport):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    print("capturing", flush=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        frame, addr = sock.recvfrom(65535)
        if addr[2] != PACKET_OUTGOING or len(frame) < 14:
            continue
        etype = struct.unpack("!H", frame[12:14])[0]
        if etype == 0x0800:
            ihl = (frame[14] & 0xF) * 4
            if frame[23] != 17:
                continue
            udp = 14 + ihl
        elif etype == 0x86DD:
            if frame[20] != 17:
                continue
            udp = 54
        else:
            continue
        if struct.unpack("!H", frame[udp:udp + 2])[0] != int(sport):
            continue
        msg = frame[udp + 8:]
        if len(msg) > 32 and msg[0] == 4:
            print(frame.hex(), flush=True)
            return
    sys.exit("capture-data: nothing captured in 60 s")


def send_frame(iface, hexdata):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((iface, 0))
    sock.send(bytes.fromhex(hexdata))


def send_udp(host, port, hexdata):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.sendto(bytes.fromhex(hexdata), (host, int(port)))


if __name__ == "__main__":
    {
        "tcp-recv": tcp_recv,
        "tcp-send": tcp_send,
        "capture-data": capture_data,
        "send-frame": send_frame,
        "send-udp": send_udp,
    }[sys.argv[1]](*sys.argv[2:])
