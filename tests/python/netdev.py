# SPDX-License-Identifier: LGPL-2.1-or-later
"""The kernel's netdev generic-netlink family, read independently of
libcnet: what the tests compare libcnet's answers with.

Only the few requests the tests need (dev-get, napi-get), in the current
network namespace, on a raw NETLINK_GENERIC socket.
"""
import socket
import struct

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3

NETDEV_CMD_DEV_GET = 1
NETDEV_CMD_NAPI_GET = 11
NETDEV_A_DEV_IFINDEX = 1
NETDEV_A_DEV_XDP_FEATURES = 3
NETDEV_A_DEV_XDP_RX_METADATA_FEATURES = 5
NETDEV_A_DEV_XSK_FEATURES = 6
NETDEV_A_NAPI_IFINDEX = 1
NETDEV_A_NAPI_ID = 2
NETDEV_A_NAPI_DEFER_HARD_IRQS = 5
NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT = 6
NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT = 7


def _attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + \
        b"\0" * ((4 - length % 4) % 4)


def _attrs(data):
    out = {}
    while len(data) >= 4:
        length, kind = struct.unpack_from("=HH", data)
        if length < 4:
            break
        payload = data[4:length]
        out[kind & 0x3fff] = payload
        data = data[(length + 3) & ~3:]
    return out


def _uint(payload):
    return int.from_bytes(payload, "little")


class Netdev:
    """A socket on the netdev family."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.seq = 0
        reply = self._request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0,
                              _attr(CTRL_ATTR_FAMILY_NAME, b"netdev\0"))
        self.family = _uint(reply[0][CTRL_ATTR_FAMILY_ID])

    def close(self):
        self.sock.close()

    def _request(self, kind, cmd, flags, payload):
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        msg = struct.pack("=IHHII", 16 + len(body), kind,
                          NLM_F_REQUEST | flags, self.seq, 0) + body
        self.sock.send(msg)
        replies = []
        while True:
            data = self.sock.recv(65536)
            while len(data) >= 16:
                length, mtype, _, _, _ = struct.unpack_from("=IHHII", data)
                if mtype == NLMSG_DONE:
                    return replies
                if mtype == NLMSG_ERROR:
                    err = struct.unpack_from("=i", data, 16)[0]
                    if err:
                        raise OSError(-err, f"netlink error {err}")
                    return replies
                replies.append(_attrs(data[20:length]))
                data = data[(length + 3) & ~3:]
            if not flags & NLM_F_DUMP:
                return replies

    def dev_get(self, ifindex):
        """The interface's xdp-features, xdp-rx-metadata-features and
        xsk-features (0 where the kernel does not send one)."""
        reply = self._request(self.family, NETDEV_CMD_DEV_GET, 0,
                              _attr(NETDEV_A_DEV_IFINDEX,
                                    struct.pack("=I", ifindex)))[0]
        return {
            "xdp-features": _uint(reply.get(NETDEV_A_DEV_XDP_FEATURES, b"")),
            "xdp-rx-metadata-features":
                _uint(reply.get(NETDEV_A_DEV_XDP_RX_METADATA_FEATURES, b"")),
            "xsk-features": _uint(reply.get(NETDEV_A_DEV_XSK_FEATURES, b"")),
        }

    def napis(self, ifindex):
        """The interface's NAPI instances: id -> (defer-hard-irqs,
        gro-flush-timeout, irq-suspend-timeout)."""
        out = {}
        for reply in self._request(self.family, NETDEV_CMD_NAPI_GET,
                                   NLM_F_DUMP,
                                   _attr(NETDEV_A_NAPI_IFINDEX,
                                         struct.pack("=I", ifindex))):
            if _uint(reply.get(NETDEV_A_NAPI_IFINDEX, b"")) != ifindex:
                continue
            out[_uint(reply[NETDEV_A_NAPI_ID])] = (
                _uint(reply.get(NETDEV_A_NAPI_DEFER_HARD_IRQS, b"")),
                _uint(reply.get(NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT, b"")),
                _uint(reply.get(NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT, b"")))
        return out


def set_gro(ifname, on):
    """Turns GRO on or off (ETHTOOL_SGRO): veth then runs NAPI instances
    of its own even without an XDP program."""
    import fcntl  # pylint: disable=import-outside-toplevel
    ethtool_sgro = 0x2c
    siocethtool = 0x8946
    value = bytearray(struct.pack("=II", ethtool_sgro, 1 if on else 0))
    buf = ctypes_buffer(value)
    ifreq = struct.pack("=16sQ", ifname.encode(), buf[1]) + b"\0" * 16
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s.fileno(), siocethtool, ifreq)


def ctypes_buffer(data):
    """A C buffer holding DATA, and its address (kept alive by the
    caller holding the first element)."""
    import ctypes  # pylint: disable=import-outside-toplevel
    buf = ctypes.create_string_buffer(bytes(data), len(data))
    _KEEP.append(buf)
    return buf, ctypes.addressof(buf)


_KEEP = []
