# SPDX-License-Identifier: LGPL-2.1-or-later
"""Feature discovery and kernel versions: what cnet_features_probe() says
against what the kernel's netdev netlink family says (read here without
libcnet), and how libcnet degrades on a faked old kernel
(CNET_KERNEL_RELEASE, read by the probe function)."""
import os
import socket

import pytest
from gi.repository import GLib

from netdev import Netdev

pytestmark = pytest.mark.netns

# NETDEV_XDP_ACT_*, NETDEV_XDP_RX_METADATA_*, NETDEV_XSK_FLAGS_*
XDP_ACT_BASIC, XDP_ACT_REDIRECT, XDP_ACT_XSK_ZEROCOPY = 1, 2, 8
RX_META_TIMESTAMP, RX_META_HASH, RX_META_VLAN_TAG = 1, 2, 4
XSK_TX_TIMESTAMP, XSK_TX_CHECKSUM, XSK_TX_LAUNCH_TIME = 1, 2, 4


def kernel_at_least(major, minor):
    release = os.uname().release.split("-")[0].split(".")
    return (int(release[0]), int(release[1])) >= (major, minor)


def assert_not_supported(excinfo, cnet, *words):
    err = excinfo.value
    assert err.matches(cnet.error_quark(), cnet.Error.NOT_SUPPORTED), \
        (err.code, err.message)
    for word in words:
        assert word in err.message, err.message


def test_probe_matches_netlink(cnet, netns):
    nl = Netdev()
    dev = nl.dev_get(socket.if_nametoindex(netns.veth_a))
    nl.close()
    got = cnet.features_probe(netns.veth_a)
    F = cnet.Features
    xdp, meta, xsk = (dev["xdp-features"], dev["xdp-rx-metadata-features"],
                      dev["xsk-features"])
    native = (xdp & (XDP_ACT_BASIC | XDP_ACT_REDIRECT)) == \
        XDP_ACT_BASIC | XDP_ACT_REDIRECT
    expected = {
        F.NATIVE_XDP: native,
        F.ZERO_COPY: bool(xdp & XDP_ACT_XSK_ZEROCOPY),
        F.RX_HASH: native and bool(meta & RX_META_HASH),
        F.RX_HW_TIMESTAMP: native and bool(meta & RX_META_TIMESTAMP),
        F.RX_VLAN_TAG: native and bool(meta & RX_META_VLAN_TAG),
        F.TX_CHECKSUM: bool(xsk & XSK_TX_CHECKSUM),
        F.TX_TIMESTAMP: bool(xsk & XSK_TX_TIMESTAMP),
        F.TX_LAUNCH_TIME: bool(xsk & XSK_TX_LAUNCH_TIME),
        F.MULTI_BUFFER: kernel_at_least(6, 6),
        F.TX_METADATA: kernel_at_least(6, 11),
        F.BUSY_POLL: kernel_at_least(5, 11),
        F.RX_ARRIVAL_TIME: True,
    }
    for flag, want in expected.items():
        assert bool(got & flag) == want, (flag, got, dev)
    # veth on this kernel: native XDP with RX metadata, no zero-copy, no
    # TX metadata offloads (docs/data-path.md has the table).
    assert got & F.NATIVE_XDP and got & F.RX_HASH
    assert not got & F.ZERO_COPY
    names = cnet.features_to_strv(got)
    assert "rx-hash" in names and "zero-copy" not in names
    # The kernel alone (no interface) has no say of the driver's.
    assert cnet.features_probe(None) & F.MULTI_BUFFER
    with pytest.raises(GLib.Error) as excinfo:
        cnet.features_probe("nosuch0")
    assert excinfo.value.matches(cnet.error_quark(), cnet.Error.NOT_FOUND)


def test_check_names_what_is_missing(cnet, netns):
    F = cnet.Features
    assert cnet.features_check(F.RX_ARRIVAL_TIME | F.NATIVE_XDP,
                               netns.veth_a)
    with pytest.raises(GLib.Error) as excinfo:
        cnet.features_check(F.ZERO_COPY, netns.veth_a)
    assert_not_supported(excinfo, cnet, netns.veth_a, "zero-copy",
                         "xdp-features 0x")


def test_min_kernels(cnet):
    F = cnet.Features
    assert cnet.features_get_min_kernel(F.NONE) == "5.9"
    assert cnet.features_get_min_kernel(F.MULTI_BUFFER) == "6.6"
    assert cnet.features_get_min_kernel(F.RX_HASH) == "6.8"
    assert cnet.features_get_min_kernel(F.TX_METADATA) == "6.11"
    assert cnet.features_get_min_kernel(F.NAPI_CONFIG) == "6.13"
    assert cnet.features_get_min_kernel(F.TX_SKB_BUDGET) == "6.17"
    assert cnet.features_get_min_kernel(F.RX_HASH | F.TX_METADATA) is None


def test_old_kernel_degrades(cnet, netns, monkeypatch):
    """Debian 12's own kernel: the probe answers as 6.1 would, and the
    checks say what needs what."""
    F = cnet.Features
    monkeypatch.setenv("CNET_KERNEL_RELEASE", "6.1.0-28-amd64")
    assert cnet.features_get_kernel_release() == "6.1.0-28-amd64"
    got = cnet.features_probe(netns.veth_a)
    assert got & F.RX_ARRIVAL_TIME and got & F.BUSY_POLL
    for flag in (F.NATIVE_XDP, F.MULTI_BUFFER, F.RX_HASH, F.TX_METADATA,
                 F.NAPI_CONFIG, F.TX_SKB_BUDGET):
        assert not got & flag, flag
    with pytest.raises(GLib.Error) as excinfo:
        cnet.features_check(F.MULTI_BUFFER, netns.veth_a)
    assert_not_supported(excinfo, cnet, netns.veth_a, "multi-buffer",
                         "needs Linux 6.6", "this kernel is 6.1.0-28-amd64")
    with pytest.raises(GLib.Error) as excinfo:
        cnet.features_check(F.RX_HASH, netns.veth_a)
    assert_not_supported(excinfo, cnet, "RX hash", "needs Linux 6.8")

    monkeypatch.setenv("CNET_KERNEL_RELEASE", "4.19.0")
    with pytest.raises(GLib.Error) as excinfo:
        cnet.features_check(F.NONE, None)
    assert_not_supported(excinfo, cnet, "libcnet needs Linux 5.9",
                         "this kernel is 4.19.0")


def test_port_on_too_old_kernel(cnet, netns, monkeypatch):
    """A port on a kernel older than the core's (faked) fails at once with
    a message naming the interface, the minimum and the kernel."""
    monkeypatch.setenv("CNET_KERNEL_RELEASE", "5.4.0")
    pool = cnet.Mempool.new(256, 2048, 0)
    with pytest.raises(GLib.Error) as excinfo:
        cnet.Port.new(netns.veth_a, 0, pool)
    assert_not_supported(excinfo, cnet, netns.veth_a,
                         "libcnet needs Linux 5.9", "this kernel is 5.4.0")
    assert not netns.xdp_attached(netns.veth_a)
