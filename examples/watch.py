#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""watch.py: a port in a GLib main loop. Echoes what arrives, like
echo.py, but from a port watch instead of a loop of its own, and prints
the port's live counters every second from a timeout in the same loop —
no thread anywhere.

  watch.py -i IFACE [-q QUEUE] [-d SECONDS] [--spin USECS]

--spin makes the watch adaptive: after each burst it keeps the main loop
busy-polling for that long before letting it sleep in poll(); compare the
sleeps and spins columns with and without it.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, GLib  # noqa: E402

COLUMNS = ("rx_packets", "tx_packets", "source_dispatches",
           "source_wakeups", "source_sleeps", "source_spins")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-i", "--interface", required=True)
    parser.add_argument("-q", "--queue", type=int, default=0)
    parser.add_argument("-d", "--duration", type=int, default=0,
                        help="stop after this many seconds (0: at SIGINT)")
    parser.add_argument("--spin", type=int, default=0, metavar="USECS",
                        help="busy-poll this long after each burst")
    args = parser.parse_args()

    try:
        pool = Cnet.Mempool.new(4096, Cnet.MEMPOOL_DEFAULT_FRAME_SIZE, 0)
        port = Cnet.Port.new(args.interface, args.queue, pool)
    except GLib.Error as e:
        sys.exit(f"watch.py: {e.message}")
    batch = Cnet.Batch.new(64)
    loop = GLib.MainLoop()

    def on_ready(port_, condition):
        if condition & (GLib.IOCondition.ERR | GLib.IOCondition.HUP):
            print("watch.py: the socket failed; is the interface gone?")
            loop.quit()
            return GLib.SOURCE_REMOVE
        if port_.receive(batch):
            batch.swap_macs()
            port_.send(batch)
            batch.clear()
        port_.tx_flush()
        return GLib.SOURCE_CONTINUE

    previous = {}

    def on_second():
        stats = port.get_stats()
        now = {c: getattr(stats, c) for c in COLUMNS}
        if not previous:
            print("  ".join(f"{c:>17}" for c in COLUMNS) + "   (per second)")
        else:
            print("  ".join(f"{now[c] - previous[c]:>17}" for c in COLUMNS),
                  flush=True)
        previous.update(now)
        return GLib.SOURCE_CONTINUE

    print(f"watch.py: {args.interface} queue {args.queue}, "
          f"{'adaptive, spinning ' + str(args.spin) + ' us' if args.spin else 'sleeping in poll()'} "
          "between bursts; Ctrl-C stops", flush=True)
    port.add_watch(GLib.PRIORITY_DEFAULT, GLib.IOCondition.IN, args.spin,
                   on_ready)
    GLib.timeout_add_seconds(1, on_second)
    on_second()
    if args.duration > 0:
        GLib.timeout_add_seconds(args.duration, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()


if __name__ == "__main__":
    main()
