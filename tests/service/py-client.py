#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A cnetd client in Python, for the service tests; run unprivileged.

  py-client.py ADDRESS IFACE COUNT [RULE...]

Leases a queue through cnetd with Cnet.Client (PyGObject on the libcnet
typelib), says "ready", echoes COUNT frames back with their MAC addresses
swapped (a CnetBatch operation: Python never touches a packet), and prints
one line of JSON: what it did, or the GLib.Error it got.
"""
import json
import os
import sys

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, GLib  # noqa: E402


def main():
    address, iface, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rules = sys.argv[4:] or None
    result = {"uid": os.getuid()}
    try:
        client = Cnet.Client.new(address, None)
        pool = Cnet.Mempool.new(int(os.environ.get("FRAMES", "1024")), 2048, 0)
        port = client.open_port(iface, 0, pool, rules)
        print("ready", flush=True)
        batch = Cnet.Batch.new(64)
        echoed = 0
        deadline = GLib.get_monotonic_time() + 20 * 1000000
        while echoed < count and GLib.get_monotonic_time() < deadline:
            if port.receive(batch) == 0:
                port.wait(50)
                continue
            batch.swap_macs()
            echoed += port.send(batch)
        while port.tx_flush() > 0 and GLib.get_monotonic_time() < deadline:
            pass
        stats = port.get_stats()
        result.update(echoed=echoed, rx_packets=stats.rx_packets,
                      tx_packets=stats.tx_packets,
                      xdp_redirected=stats.xdp_redirected,
                      n_rules=stats.n_rules)
    except GLib.Error as e:
        result.update(error=e.message, domain=e.domain, code=e.code)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
