#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Regenerates libcnet's exported-symbol list from the GIR and diffs it.

The version script (libcnet/libcnet.map) decides what libcnet-1.so
exports; the GIR says what the public headers declare. Every function,
method and constructor the GIR knows (C-only ones marked (skip) included:
they are there with introspectable="0"), every GType getter and every
error-domain quark must be exported, and nothing else, so that adding,
renaming or removing public API without updating the map fails
`meson test` (as fwupd's fwupd-exported-api test does). The map must also
stay sorted. Given the library too, it checks that what the library
really exports is what the map lists: a stale map entry names no symbol,
and GNU ld does not complain about it.

  check-exported-api.py Cnet-1.0.gir libcnet.map [libcnet-1.so]
"""
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = {
    "core": "http://www.gtk.org/introspection/core/1.0",
    "c": "http://www.gtk.org/introspection/c/1.0",
    "glib": "http://www.gtk.org/introspection/glib/1.0",
}
C_IDENTIFIER = "{%s}identifier" % NS["c"]
GET_TYPE = "{%s}get-type" % NS["glib"]


def symbols_from_gir(path):
    root = ET.parse(path).getroot()
    symbols = set()
    for tag in ("function", "method", "constructor"):
        for node in root.iter("{%s}%s" % (NS["core"], tag)):
            ident = node.get(C_IDENTIFIER)
            # Macros turned into functions have no symbol (none here yet).
            if ident and node.get("moved-to") is None:
                symbols.add(ident)
    for node in root.iter():
        get_type = node.get(GET_TYPE)
        # "intern" is the fundamental types' pseudo getter.
        if get_type and get_type != "intern":
            symbols.add(get_type)
    return symbols


def symbols_from_map(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"global:(.*?)local:", text, re.S)
    if match is None:
        sys.exit(f"{path}: no global: ... local: section")
    listed = [s.strip() for s in match.group(1).split(";") if s.strip()]
    return listed


def symbols_from_library(path):
    out = subprocess.run(["nm", "--dynamic", "--defined-only", path],
                         check=True, capture_output=True, text=True).stdout
    symbols = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRVWiu" and "@@CNET_" in parts[2]:
            symbols.add(parts[2].split("@")[0])
    return symbols


def main(gir, map_path, library=None):
    expected = symbols_from_gir(gir)
    listed = symbols_from_map(map_path)
    status = 0
    if not expected:
        print(f"{gir}: no symbols found; is this a GIR file?")
        return 1
    missing = sorted(expected - set(listed))
    extra = sorted(set(listed) - expected)
    if missing:
        print(f"{map_path}: public symbols missing (add them, sorted):")
        print("".join(f"    {s};\n" for s in missing), end="")
        status = 1
    if extra:
        print(f"{map_path}: exported but not in the public API (remove "
              "them, or declare and document them in a public header):")
        print("".join(f"    {s};\n" for s in extra), end="")
        status = 1
    if listed != sorted(listed):
        print(f"{map_path}: the symbols are not sorted")
        status = 1
    dups = sorted({s for s in listed if listed.count(s) > 1})
    if dups:
        print(f"{map_path}: listed twice: {' '.join(dups)}")
        status = 1
    if library is not None:
        exported = symbols_from_library(library)
        absent = sorted(set(listed) - exported)
        if absent:
            print(f"{map_path}: listed but not defined in {library}: "
                  f"{' '.join(absent)}")
            status = 1
        unlisted = sorted(exported - set(listed))
        if unlisted:
            print(f"{library}: exports symbols the map does not list: "
                  f"{' '.join(unlisted)}")
            status = 1
    if status == 0:
        print(f"{map_path}: the {len(listed)} exported symbols match the GIR")
    return status


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
