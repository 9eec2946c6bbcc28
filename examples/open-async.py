#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""open-async.py: lease a queue from cnetd without blocking a GLib main
loop, then echo on it (MACs swapped) from a port watch, until the lease
ends or Ctrl-C. A 100 ms timer keeps ticking throughout, to show that the
loop never waits on cnetd.

  open-async.py -i IFACE [-q QUEUE] [--address ADDRESS] [RULE...]
"""
import argparse
import signal
import sys

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, Gio, GLib  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-i", "--interface", required=True)
    parser.add_argument("-q", "--queue", type=int, default=Cnet.DBUS_ANY_QUEUE)
    parser.add_argument("--address", help="cnetd's bus (default: system)")
    parser.add_argument("rules", nargs="*")
    args = parser.parse_args()

    loop = GLib.MainLoop()
    cancellable = Gio.Cancellable()
    pool = Cnet.Mempool.new(4096, 2048, 0)
    batch = Cnet.Batch.new(64)
    state = {"ticks": 0, "status": 0}

    def tick():
        state["ticks"] += 1
        return GLib.SOURCE_CONTINUE

    def on_ready(port, condition):
        try:
            if port.receive(batch):
                batch.swap_macs()
                port.send(batch)
        except GLib.Error as e:
            print(f"open-async.py: {e.message}", flush=True)
            loop.quit()
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE

    def opened(client, result):
        try:
            port = client.open_port_finish(result)
        except GLib.Error as e:
            print(f"open-async.py: {e.message}", flush=True)
            state["status"] = 1
            loop.quit()
            return
        print(f"leased {args.interface} queue {port.get_queue()}; the timer "
              f"ticked {state['ticks']} times meanwhile", flush=True)
        port.connect("lease-ended",
                     lambda p, err: print(err.message, flush=True))
        port.add_watch(GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN, 0,
                       on_ready)
        state["port"] = port

    def connected(_, result):
        try:
            client = Cnet.Client.connect_finish(result)
        except GLib.Error as e:
            print(f"open-async.py: {e.message}", flush=True)
            state["status"] = 1
            loop.quit()
            return
        state["client"] = client
        options = GLib.Variant("a{sv}", {
            "rules": GLib.Variant("as", args.rules)}) if args.rules else None
        client.open_port_async(args.interface, args.queue, pool, options,
                               cancellable, opened)

    GLib.timeout_add(100, tick)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT,
                         lambda: (cancellable.cancel(), loop.quit()) and False)
    Cnet.Client.connect_async(args.address, cancellable, connected)
    loop.run()
    sys.exit(state["status"])


if __name__ == "__main__":
    main()
