# SPDX-License-Identifier: LGPL-2.1-or-later
"""Configuration from Python: a file loads into the default context, with
its rules; mistakes arrive as GLib.Error with the file, line and column."""
import os

import pytest
from gi.repository import GLib

GOOD = """// A mempool and, when there is an interface, a port with a rule.
{
  "application": { "name": "py-test" },
  "mempools": { "pool": { "frames": 2048, "frame-size": 2048 } }%s
}
"""


def write(tmp_path, text):
    path = os.path.join(str(tmp_path), "t.jsonc")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def test_bad_file(cnet, tmp_path):
    path = write(tmp_path, '{\n  "mempools": { "p": { "frames": 0 } }\n}\n')
    with pytest.raises(GLib.Error) as excinfo:
        cnet.Config.new_from_file(path)
    err = excinfo.value
    assert err.matches(cnet.error_quark(), cnet.Error.INVALID_CONFIG)
    assert err.message.startswith(path + ":2:")
    assert "mempools.p.frames" in err.message


def test_mempool_only(cnet, tmp_path):
    ctx = cnet.Context.get_default()
    assert ctx is cnet.Context.get_default()
    ctx.load_file(write(tmp_path, GOOD % ""))
    try:
        pool = ctx.lookup_mempool("pool")
        assert pool.get_n_frames() == 2048
        assert ctx.get_config().get_application_name() == "py-test"
    finally:
        ctx.shutdown()
    assert ctx.lookup_mempool("pool") is None


@pytest.mark.netns
def test_port_with_rules(cnet, netns, tmp_path):
    ports = (',\n  "ports": { "%s:0": { "mempool": "pool",\n'
             '    "rules": ["udp dport 4789"] } }' % netns.veth_a)
    ctx = cnet.Context.get_default()
    ctx.load_file(write(tmp_path, GOOD % ports))
    try:
        port = ctx.lookup_port(netns.veth_a + ":0")
        assert port.get_interface() == netns.veth_a
        assert port.get_rules() == ["udp dport 4789"]
        assert netns.xdp_attached(netns.veth_a)
    finally:
        ctx.shutdown()
    assert not netns.xdp_attached(netns.veth_a)
