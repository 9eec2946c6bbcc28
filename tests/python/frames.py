# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test frames (Ethernet, IPv4, UDP) and an AF_PACKET socket to put them
on a veth and read what comes back."""
import socket
import struct

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23


def checksum(data):
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def udp_frame(dst, src, seq, size=64, dport=9001):
    """A frame of @size bytes whose payload carries @seq and a pattern."""
    payload_len = size - 14 - 20 - 8
    payload = struct.pack("!I", seq) + bytes(
        (seq * 7 + i) & 0xff for i in range(payload_len - 4))
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + payload_len, 0, 0,
                     64, 17, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    udp = struct.pack("!HHHH", 9000, dport, 8 + payload_len, 0)
    return dst + src + b"\x08\x00" + ip + udp + payload


def swap_macs(frame):
    return frame[6:12] + frame[0:6] + frame[12:]


def packet_socket(ifname):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_ALL))
    sock.bind((ifname, 0))
    sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    return sock
