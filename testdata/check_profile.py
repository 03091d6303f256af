#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Load the configuration profile of docs/profile/ the way a user installs it
(XDG_CONFIG_HOME/wireshark/profiles/NAME) and check, with the built plugin on
one capture, what the user would see: the packet list with the profile's
custom columns and the coloring rule of every annotated frame, byte for byte
against the committed text. Every filter button must compile, and tshark must
not complain about any file of the profile.

Exit status: 0 pass, 1 mismatch, 2 trouble (tshark failed).
"""

import argparse
import csv
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile


def filter_buttons(profile_dir):
    """The expressions of the profile's dfilter_buttons (a UAT file)."""
    path = os.path.join(profile_dir, "dfilter_buttons")
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    return [row[2].encode().decode("unicode_escape") for row in csv.reader(lines)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tshark", required=True,
                        help="tshark with the plugin loaded (the build's tlsdiag-tshark)")
    parser.add_argument("--write", action="store_true",
                        help="rewrite the expected text from tshark's output (review the diff!)")
    parser.add_argument("profile_dir", help="docs/profile/tlsdiag")
    parser.add_argument("capture")
    parser.add_argument("expected")
    args = parser.parse_args()
    name = os.path.basename(os.path.normpath(args.profile_dir))

    with tempfile.TemporaryDirectory() as config:
        shutil.copytree(args.profile_dir, os.path.join(config, "wireshark", "profiles", name))
        # As root, tlsdiag-tshark runs tshark as nobody, who must read the profile.
        for root, dirs, files in os.walk(config):
            for entry in dirs + files + ["."]:
                os.chmod(os.path.join(root, entry), 0o755)
        env = dict(os.environ, LC_ALL="C", XDG_CONFIG_HOME=config)

        def tshark(*options):
            cmd = [args.tshark, "-C", name, "-r", args.capture, "-n", "-2", *options]
            result = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                                    env=env)
            if result.returncode != 0 or result.stderr.strip():
                print(f"FAIL: tshark exited {result.returncode}: {' '.join(cmd)}\n"
                      f"{result.stderr}")
                sys.exit(2)
            return result.stdout

        # Wireshark 4.4 and later add "(SNI=...)" to a Client Hello's Info:
        # Wireshark's own text, not the profile's.
        got = re.sub(r" \(SNI=[^)]*\)", "", tshark("-Y", "tlsdiag"))
        got += "\n" + tshark("-Y", "tlsdiag", "--color", "-T", "fields", "-e", "frame.number",
                             "-e", "frame.coloring_rule.name")
        for expression in filter_buttons(args.profile_dir):
            tshark("-Y", expression)

    if args.write:
        with open(args.expected, "w", encoding="utf-8") as f:
            f.write(got)
        return 0
    with open(args.expected, encoding="utf-8") as f:
        want = f.read()
    if got == want:
        print(f"PASS: profile {name}: columns, coloring rules, filter buttons")
        return 0
    print(f"FAIL: profile {name} on {args.capture} differs from {args.expected}")
    sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                               "expected", "tshark"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
