#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""echo.py: the Python twin of cnet-echo. Receives on one AF_XDP port,
swaps the MAC addresses and sends each frame back out, a CnetBatch at a
time: three calls into libcnet per burst, none per packet.

  echo.py -i IFACE [-q QUEUE] [-d SECONDS] [-b BURST] [--quiet]

Needs root (or CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and CAP_PERFMON). From the build
tree: GI_TYPELIB_PATH=build/libcnet LD_LIBRARY_PATH=build/libcnet.
"""
import argparse
import signal
import sys
import time

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, GLib  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-i", "--interface", required=True)
    parser.add_argument("-q", "--queue", type=int, default=0)
    parser.add_argument("-d", "--duration", type=float, default=0,
                        help="stop after this many seconds (0: at SIGINT)")
    parser.add_argument("-b", "--burst", type=int, default=64)
    parser.add_argument("-n", "--frames", type=int, default=4096)
    parser.add_argument("--quiet", action="store_true",
                        help="no per-second rates")
    args = parser.parse_args()

    try:
        pool = Cnet.Mempool.new(args.frames, Cnet.MEMPOOL_DEFAULT_FRAME_SIZE, 0)
        port = Cnet.Port.new(args.interface, args.queue, pool)
    except GLib.Error as e:
        sys.exit(f"echo.py: {e.message}")
    batch = Cnet.Batch.new(args.burst)

    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"echo.py: {args.interface} queue {args.queue}, "
          f"{port.get_bind_mode().value_nick} bind, bursts of {args.burst}",
          flush=True)

    # Bound methods: the loop is what Python pays per burst.
    receive, send, swap_macs = port.receive, port.send, batch.swap_macs
    clear, wait, flush = batch.clear, port.wait, port.tx_flush
    start = last = time.monotonic()
    deadline = start + args.duration if args.duration > 0 else float("inf")
    rx = tx = last_rx = last_tx = 0
    loops = 0
    while not stop:
        n = receive(batch)
        if n:
            swap_macs()
            sent = send(batch)
            if sent < n:
                clear()  # TX ring full: drop the rest rather than stall
            rx += n
            tx += sent
            loops += 1
            if loops & 0x3ff:
                continue
        else:
            flush()
            wait(100)
        now = time.monotonic()
        if now - last >= 1.0:
            if not args.quiet:
                secs = now - last
                print(f"{now - start:6.1f} s: rx {(rx - last_rx) / secs / 1e6:.3f}"
                      f" Mpps, tx {(tx - last_tx) / secs / 1e6:.3f} Mpps",
                      flush=True)
            last, last_rx, last_tx = now, rx, tx
            if now >= deadline:
                break

    while flush() > 0 and time.monotonic() < last + 1:
        time.sleep(0.0001)
    print(f"echo.py: stopping after {time.monotonic() - start:.1f} s: echoed "
          f"{tx} of {rx} packets")
    stats = port.get_stats()
    print(f"  rx_packets {stats.rx_packets}, tx_packets {stats.tx_packets}, "
          f"rx_ring_full {stats.rx_ring_full}, tx_ring_full {stats.tx_ring_full}")


if __name__ == "__main__":
    main()
