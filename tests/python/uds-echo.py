#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Opens a port through a device plugin socket and echoes N frames:
uds-echo.py UDS_PATH IFNAME QUEUE N. Prints one JSON line when the port is
up ({"ready": ...} or {"error": ...}) and one when N frames were echoed.
Run by the tests unprivileged, with only CAP_NET_RAW."""
import json
import os
import sys

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, GLib  # noqa: E402


def main():
    path, ifname, queue, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    pool = Cnet.Mempool.new(1024, 2048, 0)
    try:
        port = Cnet.Port.new_uds(path, ifname, queue, pool)
    except GLib.Error as e:
        print(json.dumps({"error": e.message, "code": e.code}), flush=True)
        return 1
    print(json.dumps({"ready": True, "uid": os.getuid(),
                      "program": port.get_xdp_program() is not None}),
          flush=True)
    batch = Cnet.Batch.new(64)
    echoed = 0
    while echoed < n:
        got = port.receive(batch)
        if got == 0:
            port.wait(1000)
            continue
        batch.swap_macs()
        echoed += port.send(batch)
    while port.tx_flush() > 0:
        pass
    print(json.dumps({"echoed": echoed}), flush=True)
    # Wait to be told to go, so the test sees the echoes first.
    sys.stdin.readline()
    del port
    return 0


if __name__ == "__main__":
    sys.exit(main())
