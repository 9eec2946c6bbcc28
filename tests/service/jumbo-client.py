#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A cnetd lessee that echoes jumbo frames, for test_multibuffer.py; run
unprivileged.

  jumbo-client.py ADDRESS IFACE COUNT

Leases queue 0 with multi-buffer and TX metadata (checksum, timestamp)
through Cnet.Client, says "ready", and echoes COUNT 9000-byte UDP datagrams
arriving on port 4789: each is read whole from Python, its reply written as
one 9014-byte packet. Even-numbered replies carry a checksum computed in
Python; odd-numbered ones leave the checksum to the device (TX metadata) and
ask for a TX timestamp. Prints one line of JSON: what it saw, or the
GLib.Error it got.
"""
import json
import os
import struct
import sys
import time

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, GLib  # noqa: E402


def ones_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def reply_of(frame, offload):
    eth = frame[6:12] + frame[0:6] + frame[12:14]
    ip = frame[14:26] + frame[30:34] + frame[26:30]
    udp = bytearray(frame[36:38] + frame[34:36] + frame[38:])
    pseudo = ip[12:20] + struct.pack("!HH", 17, len(udp))
    if offload:
        udp[6:8] = struct.pack("!H", ones_sum(pseudo))
    else:
        udp[6:8] = b"\0\0"
        udp[6:8] = struct.pack("!H",
                               (~ones_sum(pseudo + bytes(udp)) & 0xFFFF) or 0xFFFF)
    return eth + ip + bytes(udp)


def main():
    address, iface, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    result = {"uid": os.getuid(), "segments": [], "lengths": [],
              "payload_ok": [], "stamps_ok": []}
    try:
        client = Cnet.Client.new(address, None)
        pool = Cnet.Mempool.new(1024, 4096, 32)
        options = GLib.Variant("a{sv}", {
            "multi-buffer": GLib.Variant("b", True),
            "tx-metadata": GLib.Variant("as", ["checksum", "timestamp"]),
            "rules": GLib.Variant("as", ["udp dport 4789"]),
            "rx-size": GLib.Variant("u", 256), "fill-size": GLib.Variant("u", 256),
            "tx-size": GLib.Variant("u", 256), "comp-size": GLib.Variant("u", 256),
        })
        port = client.open_port_full(iface, 0, pool, options, None)
        result["multi_buffer"] = port.get_multi_buffer()
        result["tx_metadata"] = int(port.get_tx_metadata())
        print("ready", flush=True)
        batch = Cnet.Batch.new(4)
        payload = bytes((i * 7 + i // 251 + 3) & 0xFF for i in range(8972))
        for i in range(count):
            while port.receive(batch) == 0:
                port.wait(1000)
            pkt = batch.get_packet(0)
            frame = pkt.read_bytes(0, pkt.get_length()).get_data()
            result["segments"].append(pkt.get_n_segments())
            result["lengths"].append(pkt.get_length())
            result["payload_ok"].append(frame[42:] == payload)
            offload = i % 2 == 1
            pkt.write(0, reply_of(frame, offload))
            if offload:
                pkt.request_tx_checksum(34, 6)
                pkt.request_tx_timestamp()
            before = time.clock_gettime_ns(time.CLOCK_TAI)
            assert port.send(batch) == 1
            while port.tx_flush() > 0:
                port.wait(10)
            after = time.clock_gettime_ns(time.CLOCK_TAI)
            if offload:
                result["stamps_ok"].append(before <= pkt.get_tx_timestamp() <= after)
            del pkt
        stats = port.get_stats()
        result.update(rx_packets=stats.rx_packets, tx_packets=stats.tx_packets)
    except GLib.Error as e:
        result.update(error=e.message, domain=e.domain, code=e.code)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
