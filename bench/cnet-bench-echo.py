#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The benchmark's Python echo: examples/echo.py's loop as a consumer of
bench/run (print "ready", start the window at SIGUSR1, stop at SIGTERM,
print one JSON line).

    cnet-bench-echo.py IFACE [CPU]

PyGObject on the Cnet typelib; a CnetBatch per burst, so Python pays the
call overhead once per 64 packets and never touches a packet.
"""
import json
import os
import resource
import signal
import sys
import time

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet  # noqa: E402

state = {"stop": False, "mark": False}


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    iface = sys.argv[1]
    if len(sys.argv) > 2:
        os.sched_setaffinity(0, {int(sys.argv[2])})
    signal.signal(signal.SIGTERM, lambda *a: state.update(stop=True))
    signal.signal(signal.SIGINT, lambda *a: state.update(stop=True))
    signal.signal(signal.SIGUSR1, lambda *a: state.update(mark=True))

    pool = Cnet.Mempool.new(4096, 2048, 0)
    port = None
    for _ in range(40):  # the run before may still hold the queue
        try:
            port = Cnet.Port.new(iface, 0, pool)
            break
        except gi.repository.GLib.Error as e:
            if not e.matches(Cnet.error_quark(), Cnet.Error.BUSY):
                raise
            time.sleep(0.05)
    batch = Cnet.Batch.new(64)
    print("ready", flush=True)

    rx = tx = 0
    start = (0, 0, time.monotonic(), cpu_s())
    receive, send, swap = port.receive, port.send, batch.swap_macs
    while not state["stop"]:
        n = receive(batch)
        if n:
            swap()
            tx += send(batch)
            rx += n
        if state["mark"]:
            state["mark"] = False
            start = (rx, tx, time.monotonic(), cpu_s())
    stats = port.get_stats()
    print(json.dumps({
        "case": "echo", "impl": "python",
        "window_s": time.monotonic() - start[2],
        "rx": rx - start[0], "tx": tx - start[1],
        "cpu_s": cpu_s() - start[3],
        "rx_ring_full": stats.rx_ring_full,
        "fill_empty": stats.rx_fill_ring_empty_descs,
    }), flush=True)


if __name__ == "__main__":
    main()
