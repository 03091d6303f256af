#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks what `cmake --install` does, into a scratch DESTDIR: tlsdiag.so
lands in the epan folder of the global plugin directory that this tshark
itself reports (tshark -G folders), and tlsdiag-report and its man page land
under the install prefix."""

import argparse
import os
import subprocess
import sys
import tempfile


def global_plugin_dir(tshark):
    result = subprocess.run([tshark, "-G", "folders"], capture_output=True, text=True,
                            errors="replace", env=dict(os.environ, LC_ALL="C"))
    for line in result.stdout.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "Global Plugins":
            return value.strip()
    sys.exit(f"tshark -G folders names no global plugin folder (exit {result.returncode}): "
             f"{result.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cmake", required=True, help="the cmake that made the build tree")
    parser.add_argument("--build", required=True, help="the build tree")
    parser.add_argument("--tshark", required=True, help="the tshark built against (not the wrapper)")
    parser.add_argument("--bindir", required=True, help="absolute install path of programs")
    parser.add_argument("--mandir", required=True, help="absolute install path of man pages")
    args = parser.parse_args()

    plugin_dir = global_plugin_dir(args.tshark)
    with tempfile.TemporaryDirectory(prefix="tlsdiag-install.") as destdir:
        result = subprocess.run([args.cmake, "--install", args.build], capture_output=True,
                                text=True, env=dict(os.environ, DESTDIR=destdir))
        if result.returncode != 0:
            print(f"FAIL: cmake --install exited {result.returncode}:\n{result.stderr}")
            return 1
        wanted = [os.path.join(plugin_dir, "epan", "tlsdiag.so"),
                  os.path.join(args.bindir, "tlsdiag-report"),
                  os.path.join(args.mandir, "man1", "tlsdiag-report.1")]
        installed = {os.path.join("/", os.path.relpath(os.path.join(top, name), destdir))
                     for top, _, names in os.walk(destdir) for name in names}
    missing = [path for path in wanted if path not in installed]
    extra = sorted(installed - set(wanted))
    for path in missing:
        print(f"FAIL: not installed: {path}")
    for path in extra:
        print(f"FAIL: installed but not expected here: {path}")
    if missing or extra:
        return 1
    print(f"PASS: plugin into {plugin_dir}/epan, tlsdiag-report and its man page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
