#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The async client API from a running GLib.MainLoop, for the service
tests; run unprivileged.

  async-client.py ADDRESS IFACE open|cancel

Connects with Cnet.Client.connect_async and opens a port on queue 0 with
open_port_async while a 5 ms timer keeps firing; says "opening" once the
open is under way (the test makes it wait), and once the timer has fired
three times during the open says "ticking" ("open") or cancels it
("cancel"). Prints one line of JSON: how many times
the timer fired while the open was under way, and the outcome.
"""
import json
import sys

import gi

gi.require_version("Cnet", "1.0")
from gi.repository import Cnet, Gio, GLib  # noqa: E402


def main():
    address, iface, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    loop = GLib.MainLoop()
    state = {"ticks": 0, "opening": False}
    result = {}
    cancellable = Gio.Cancellable()
    pool = Cnet.Mempool.new(4096, 2048, 0)

    def tick():
        if state["opening"]:
            state["ticks"] += 1
            if state["ticks"] == 3:
                if mode == "cancel":
                    cancellable.cancel()
                else:
                    print("ticking", flush=True)
        return GLib.SOURCE_CONTINUE

    def opened(client, res):
        state["opening"] = False
        try:
            port = client.open_port_finish(res)
            result.update(queue=port.get_queue(), ended=[])
            port.connect("lease-ended",
                         lambda p, err: result["ended"].append(err.code))
            state["port"] = port
        except GLib.Error as e:
            result.update(error=e.message, domain=e.domain, code=e.code)
        loop.quit()

    def connected(_, res):
        try:
            client = Cnet.Client.connect_finish(res)
        except GLib.Error as e:
            result.update(error=e.message)
            loop.quit()
            return
        state["client"] = client
        state["opening"] = True
        client.open_port_async(iface, 0, pool, None, cancellable, opened)
        print("opening", flush=True)

    GLib.timeout_add(5, tick)
    Cnet.Client.connect_async(address, None, connected)
    loop.run()
    result["ticks"] = state["ticks"]
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
