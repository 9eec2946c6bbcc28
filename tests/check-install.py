#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The install layout: `meson install --destdir` into a fresh folder, then

- every file lands where Debian and Fedora expect it (library and soname
  links, headers under cnet-1/, cnet-1.pc, the GIR and the typelib, vapi,
  D-Bus XML, bus policy, activation file, systemd unit, polkit actions,
  man pages, bash completion, example configurations, programs), and
  nothing lands outside the prefix but the unit;
- examples/cnet-echo.c builds against the installed cnet-1.pc only (the
  .pc's prefix moved to where DESTDIR put it, as a relocated install) and
  runs on the installed library;
- Python imports Cnet from the installed typelib, and it is the installed
  library that gets loaded;
- cnetctl, as installed, runs; the bash completion loads; the man pages
  are roff.

  check-install.py BUILDDIR SRCDIR PREFIX LIBDIR UNITDIR COMPLETIONDIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

build, src, prefix, libdir, unitdir, compdir = sys.argv[1:7]
failures = []


def check(ok, what):
    print(("ok     " if ok else "FAILED ") + what)
    if not ok:
        failures.append(what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          **kw)


dest = tempfile.mkdtemp(prefix="cnet-install-")
try:
    res = run(["meson", "install", "-C", build, "--destdir", dest,
               "--no-rebuild", "--quiet"])
    check(res.returncode == 0, "meson install --destdir: " + res.stderr[-500:])

    def p(*parts):
        """A path under DESTDIR + the prefix (absolute PARTS are kept)."""
        path = os.path.join(prefix, *parts)
        return dest + path

    lib = libdir if os.path.isabs(libdir) else os.path.join(prefix, libdir)
    libd = dest + lib
    expected = {
        # library, soname links
        libd + "/libcnet-1.so.0.0.0": "file",
        libd + "/libcnet-1.so.0": "link",
        libd + "/libcnet-1.so": "link",
        libd + "/pkgconfig/cnet-1.pc": "file",
        libd + "/girepository-1.0/Cnet-1.0.typelib": "file",
        p("include/cnet-1/cnet/cnet.h"): "file",
        p("include/cnet-1/cnet/cnet-client.h"): "file",
        p("include/cnet-1/cnet/cnet-enums.h"): "file",
        p("include/cnet-1/cnet/cnet-version.h"): "file",
        p("share/gir-1.0/Cnet-1.0.gir"): "file",
        p("share/vala/vapi/cnet-1.vapi"): "file",
        p("share/vala/vapi/cnet-1.deps"): "file",
        p("share/dbus-1/interfaces/org.cnet.Cnet1.Manager.xml"): "file",
        p("share/dbus-1/interfaces/org.cnet.Cnet1.Interface.xml"): "file",
        p("share/dbus-1/interfaces/org.cnet.Cnet1.Lease.xml"): "file",
        p("share/dbus-1/system.d/org.cnet.Cnet1.conf"): "file",
        p("share/dbus-1/system-services/org.cnet.Cnet1.service"): "file",
        p("share/polkit-1/actions/org.cnet.Cnet1.policy"): "file",
        p("share/man/man1/cnetctl.1"): "file",
        p("share/man/man8/cnetd.8"): "file",
        p("share/doc/libcnet/examples/cnetd.jsonc"): "file",
        p("share/doc/libcnet/examples/forward.jsonc"): "file",
        p("share/doc/libcnet/examples/echo.py"): "file",
        p("share/doc/libcnet/cnetd.md"): "file",
        p("share/doc/libcnet/cnetctl.md"): "file",
        p("bin/cnetctl"): "file",
        p("bin/cnet-echo"): "file",
        p("libexec/cnetd"): "file",
        dest + os.path.join(unitdir, "cnetd.service"): "file",
        dest + os.path.join(compdir if os.path.isabs(compdir)
                            else os.path.join(prefix, compdir),
                            "cnetctl"): "file",
    }
    for path, kind in sorted(expected.items()):
        rel = path[len(dest):]
        if kind == "link":
            check(os.path.islink(path) and os.path.exists(path),
                  f"{rel} is a symbolic link to the library")
        else:
            check(os.path.isfile(path), f"{rel} installed")
    check(os.readlink(libd + "/libcnet-1.so") == "libcnet-1.so.0" and
          os.readlink(libd + "/libcnet-1.so.0") == "libcnet-1.so.0.0.0",
          "libcnet-1.so -> .so.0 -> .so.0.0.0")
    res = run(["readelf", "-d", libd + "/libcnet-1.so.0.0.0"])
    check("Library soname: [libcnet-1.so.0]" in res.stdout, "SONAME")

    # Nothing outside the prefix but the unit.
    stray = []
    for root, _, files in os.walk(dest):
        for f in files:
            path = os.path.join(root, f)[len(dest):]
            if not path.startswith(prefix.rstrip("/") + "/") and \
                    not path.startswith(unitdir.rstrip("/") + "/"):
                stray.append(path)
    check(stray == [], "nothing outside the prefix but the unit: %s" % stray)

    # The unit starts the installed cnetd.
    with open(dest + os.path.join(unitdir, "cnetd.service"),
              encoding="utf-8") as f:
        unit = f.read()
    check(f"ExecStart={prefix}/libexec/cnetd" in unit or
          re.search(r"^ExecStart=" + re.escape(prefix) + r"/\S*cnetd$", unit,
                    re.M) is not None, "the unit runs the installed cnetd")
    check("Type=dbus" in unit and "BusName=org.cnet.Cnet1" in unit,
          "the unit is Type=dbus")
    for xml in ("share/dbus-1/interfaces/org.cnet.Cnet1.Manager.xml",
                "share/dbus-1/system.d/org.cnet.Cnet1.conf",
                "share/polkit-1/actions/org.cnet.Cnet1.policy"):
        try:
            ET.parse(p(xml))
            check(True, f"{xml} is XML")
        except (ET.ParseError, OSError) as e:
            check(False, f"{xml} is XML: {e}")
    for man in ("share/man/man1/cnetctl.1", "share/man/man8/cnetd.8"):
        with open(p(man), encoding="utf-8") as f:
            check(".TH" in f.read(), f"{man} is roff")

    # The .pc, moved to where DESTDIR put it.
    pcdir = tempfile.mkdtemp(prefix="cnet-pc-", dir=dest)
    with open(libd + "/pkgconfig/cnet-1.pc", encoding="utf-8") as f:
        pc = f.read()
    check(re.search(r"^prefix=" + re.escape(prefix) + "$", pc, re.M)
          is not None, "cnet-1.pc: prefix=" + prefix)
    check("-I${includedir}/cnet-1" in pc, "cnet-1.pc: -I${includedir}/cnet-1")
    with open(os.path.join(pcdir, "cnet-1.pc"), "w", encoding="utf-8") as f:
        f.write(re.sub(r"^prefix=.*$", "prefix=" + dest + prefix, pc,
                       flags=re.M))
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
    env.pop("PKG_CONFIG_LIBDIR", None)
    flags = run(["pkg-config", "--cflags", "--libs", "cnet-1"], env=env)
    check(flags.returncode == 0, "pkg-config cnet-1: " + flags.stderr)
    check(build not in flags.stdout and src not in flags.stdout,
          "pkg-config cnet-1 names nothing of the build or source tree")
    echo = os.path.join(dest, "cnet-echo")
    res = run(["cc", "-std=c11", "-Wall", "-Werror", "-D_GNU_SOURCE",
               os.path.join(src, "examples", "cnet-echo.c"), "-o", echo] +
              flags.stdout.split())
    check(res.returncode == 0, "examples/cnet-echo.c builds against the "
          "installed cnet-1.pc: " + res.stderr[-2000:])
    if res.returncode == 0:
        runenv = dict(os.environ, LD_LIBRARY_PATH=libd)
        res = run(["ldd", echo], env=runenv)
        check(libd + "/libcnet-1.so.0" in res.stdout,
              "cnet-echo links the installed libcnet-1.so.0")
        res = run([echo, "--help"], env=runenv)
        check(res.returncode == 0, "cnet-echo --help runs: " + res.stderr)

    # Python, from the installed typelib and library only.
    script = """
import gi
gi.require_version("Cnet", "1.0")
from gi.repository import Cnet
pool = Cnet.Mempool.new(64, 2048, 0)
assert pool.get_n_frames() == 64
assert Cnet.Client.list_leases is not None
with open("/proc/self/maps") as f:
    libs = {l.split()[-1] for l in f if "libcnet-1.so" in l}
print(" ".join(sorted(libs)))
print(gi.Repository.get_default().get_typelib_path("Cnet"))
"""
    pyenv = dict(os.environ, GI_TYPELIB_PATH=libd + "/girepository-1.0",
                 LD_LIBRARY_PATH=libd, PYTHONDONTWRITEBYTECODE="1")
    res = run(["/usr/bin/python3", "-c", script], env=pyenv)
    check(res.returncode == 0, "Python imports Cnet from the installed "
          "typelib: " + res.stderr[-1000:])
    if res.returncode == 0:
        loaded, typelib = res.stdout.splitlines()[:2]
        check(loaded == libd + "/libcnet-1.so.0.0.0",
              f"Python loaded the installed library ({loaded})")
        check(typelib.startswith(libd), f"the installed typelib ({typelib})")

    # cnetctl as installed.
    res = run([p("bin/cnetctl"), "--version"],
              env=dict(os.environ, LD_LIBRARY_PATH=libd))
    check(res.returncode == 0 and res.stdout.startswith("cnetctl 1."),
          "cnetctl --version: " + res.stdout + res.stderr)
    comp = dest + os.path.join(compdir if os.path.isabs(compdir)
                               else os.path.join(prefix, compdir), "cnetctl")
    res = run(["bash", "-c", "source /usr/share/bash-completion/bash_completion"
               f" && source {comp} && complete -p cnetctl"])
    check("-F _cnetctl cnetctl" in res.stdout,
          "the bash completion loads: " + res.stderr)
finally:
    shutil.rmtree(dest, ignore_errors=True)

if failures:
    print(f"{len(failures)} failed")
    sys.exit(1)
