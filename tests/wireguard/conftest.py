# SPDX-License-Identifier: LGPL-2.1-or-later
"""cnet-wg's tests: policies as in tests/python/conftest.py.

Every test needs root (network namespaces, a veth pair, AF_XDP, TUN) and
skips with the reason when not root; as root no test may skip, and a run
that collects nothing fails.
"""
import os

import pytest

NOT_ROOT = ("needs root: creates network namespaces, a veth pair, TUN "
            "devices, AF_XDP sockets and runs wireguard-go")


def pytest_runtest_setup(item):
    if os.geteuid() != 0:
        pytest.skip(NOT_ROOT)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("\nconftest: no test was collected; that is a failure")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif os.geteuid() == 0 and reporter is not None and \
            reporter.stats.get("skipped"):
        print("\nconftest: as root no test may skip, but some did")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
