#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""list-async.py: list the interfaces cnetd sees and every lease, without
blocking a GLib main loop: each question to cnetd is an _async call whose
callback calls _finish (the Gio.Task style), and a 10 ms timer keeps
ticking throughout to show that the loop never waits on cnetd.

  list-async.py [--address ADDRESS]
"""
import argparse
import sys

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, Gio, GLib  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", help="cnetd's bus (default: system)")
    args = parser.parse_args()

    loop = GLib.MainLoop()
    cancellable = Gio.Cancellable()
    state = {"ticks": 0, "pending": 0, "status": 0}

    def tick():
        state["ticks"] += 1
        return GLib.SOURCE_CONTINUE

    def fail(e):
        print(f"list-async.py: {e.message}", file=sys.stderr, flush=True)
        state["status"] = 1
        cancellable.cancel()

    def begin():
        state["pending"] += 1

    def end():
        state["pending"] -= 1
        if state["pending"] == 0:
            loop.quit()

    def got_interface(client, result):
        try:
            info = client.get_interface_info_finish(result).unpack()
            print(f"interface {info['Name']}: driver {info['Driver']}, "
                  f"{info['RxQueues']} queues, free {info['FreeQueues']}",
                  flush=True)
        except GLib.Error as e:
            fail(e)
        end()

    def got_lease(client, result):
        try:
            info = client.get_lease_info_finish(result).unpack()
            n = info["Object"].rsplit("/", 1)[1]
            print(f"lease {n}: {info['Interface']} queue {info['Queue']}, "
                  f"uid {info['Uid']}, {info['BindMode']}", flush=True)
        except GLib.Error as e:
            fail(e)
        end()

    def listed(client, result, info_async, on_info, finish):
        try:
            for path in finish(result):
                begin()
                info_async(path, cancellable, on_info)
        except GLib.Error as e:
            fail(e)
        end()

    def connected(_, result):
        try:
            client = Cnet.Client.connect_finish(result)
        except GLib.Error as e:
            fail(e)
            end()
            return
        state["client"] = client
        begin()
        client.list_interfaces_async(
            cancellable, lambda c, r: listed(
                c, r, c.get_interface_info_async, got_interface,
                c.list_interfaces_finish))
        begin()
        client.list_leases_async(
            cancellable, lambda c, r: listed(
                c, r, c.get_lease_info_async, got_lease,
                c.list_leases_finish))
        end()

    GLib.timeout_add(10, tick)
    begin()
    Cnet.Client.connect_async(args.address, cancellable, connected)
    loop.run()
    print(f"done; the timer ticked {state['ticks']} times meanwhile",
          flush=True)
    sys.exit(state["status"])


if __name__ == "__main__":
    main()
