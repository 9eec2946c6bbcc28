#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A leased port's counters and waits without blocking, for the service
tests; run unprivileged.

  stats-client.py ADDRESS IFACE COUNT RULE

Leases queue 0 with RULE and says "ready"; echoes COUNT frames (MACs
swapped); reads the counters with Port.get_stats and says "synced". Then
it reads a line (the test stops cnetd meanwhile), starts
Port.get_stats_async from a GLib.MainLoop whose 5 ms timer keeps firing,
and once the timer fired three times with the call pending says
"ticking" (the test lets cnetd go on); starts and cancels a second call.
Last, Port.wait(-1, cancellable) cancelled from another thread while it
sleeps in poll(). Prints one line of JSON: both readings, the ticks, the
errors of the cancelled call and wait.
"""
import json
import os
import sys
import threading
import time

import gi

gi.require_version("Cnet", "1.0")
gi.require_version("Gio", "2.0")
from gi.repository import Cnet, Gio, GLib  # noqa: E402

FIELDS = ("rx_packets", "tx_packets", "xdp_redirected", "xdp_passed",
          "n_rules")


def counters(stats):
    res = {f: getattr(stats, f) for f in FIELDS}
    res["rule_hits"] = list(stats.rule_hits)[:stats.n_rules]
    return res


def error_of(e):
    return {"domain": e.domain, "code": e.code, "message": e.message}


def await_in_poll(tid):
    """Until thread TID sleeps in poll() (x86-64: poll 7, ppoll 271)."""
    while True:
        with open(f"/proc/self/task/{tid}/syscall") as f:
            if f.read().split()[0] in ("7", "271"):
                return
        time.sleep(0.001)


def main():
    address, iface, count, rule = sys.argv[1:5]
    count = int(count)
    client = Cnet.Client.new(address, None)
    pool = Cnet.Mempool.new(1024, 2048, 0)
    port = client.open_port(iface, 0, pool, [rule])
    print("ready", flush=True)
    batch = Cnet.Batch.new(64)
    echoed = 0
    while echoed < count:
        if port.receive(batch) == 0:
            port.wait(1000)
            continue
        batch.swap_macs()
        echoed += port.send(batch)
    while port.tx_flush() > 0:
        port.wait(10)
    result = {"sync": counters(port.get_stats())}
    print("synced", flush=True)
    sys.stdin.readline()  # cnetd is stopped now

    loop = GLib.MainLoop()
    state = {"ticks": 0, "pending": True}

    def tick():
        if state["pending"]:
            state["ticks"] += 1
            if state["ticks"] == 3:
                print("ticking", flush=True)
        return GLib.SOURCE_CONTINUE

    def done(p, res):
        state["pending"] = False
        try:
            result["async"] = counters(p.get_stats_finish(res))
        except GLib.Error as e:
            result["async_error"] = error_of(e)
        loop.quit()

    def cancelled(p, res):
        try:
            p.get_stats_finish(res)
            result["cancelled"] = None
        except GLib.Error as e:
            result["cancelled"] = error_of(e)

    GLib.timeout_add(5, tick)
    port.get_stats_async(None, done)
    cancellable = Gio.Cancellable()
    port.get_stats_async(cancellable, cancelled)
    cancellable.cancel()
    loop.run()
    result["ticks"] = state["ticks"]

    cancellable = Gio.Cancellable()
    waiter = threading.get_native_id()
    canceller = threading.Thread(
        target=lambda: (await_in_poll(waiter), cancellable.cancel()))
    canceller.start()
    try:
        result["wait"] = port.wait(-1, cancellable)
    except GLib.Error as e:
        result["wait_error"] = error_of(e)
    canceller.join()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
