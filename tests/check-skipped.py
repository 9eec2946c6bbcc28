#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fails when a test was skipped although we run as root.

Root-only tests skip with a reason when not root. CI runs as root, where a
skip means a test silently did not run, so it is an error there (as in
power-profiles-daemon's fail_skipped_tests.py). Reads meson's testlog.json:
whole tests marked SKIP, and TAP subtests ("ok N name # SKIP reason").
"""
import json
import os
import re
import sys

TAP_SKIP = re.compile(r"^ok \d+ (\S+) # SKIP(.*)$", re.MULTILINE)


def main(path):
    if os.geteuid() != 0:
        return 0
    skipped = []
    with open(path, encoding="utf-8") as log:
        for line in log:
            test = json.loads(line)
            if test.get("result") == "SKIP":
                skipped.append(f"{test['name']}: the whole test")
            for name, reason in TAP_SKIP.findall(test.get("stdout") or ""):
                skipped.append(f"{test['name']}: {name}:{reason}")
    if skipped:
        print("check-skipped: as root no test may skip, but these did:")
        for s in skipped:
            print("  " + s)
        return 1
    print("check-skipped: no test skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
