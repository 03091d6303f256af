#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run `tshark -q -z tlsdiag,tree` with the built plugin on one capture and
compare its output, byte for byte, with the committed text (NAME.txt in
testdata/stats/). The tree counts the frames the dissector stored a verdict
for, so single-pass and two-pass runs must print the same text.

Exit status: 0 pass, 1 mismatch, 2 trouble (tshark failed).
"""

import argparse
import difflib
import os
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tshark", required=True,
                        help="tshark with the plugin loaded (the build's tlsdiag-tshark)")
    parser.add_argument("--mode", choices=["single", "two-pass"], required=True)
    parser.add_argument("--write", action="store_true",
                        help="rewrite the expected text from the plugin's output (review the diff!)")
    parser.add_argument("capture")
    parser.add_argument("expected")
    args = parser.parse_args()

    cmd = [args.tshark, "-r", args.capture, "-n", "-q", "-z", "tlsdiag,tree"]
    if args.mode == "two-pass":
        cmd.append("-2")
    result = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                            env=dict(os.environ, LC_ALL="C"))
    if result.returncode != 0 or result.stderr.strip():
        print(f"FAIL: tshark exited {result.returncode}: {' '.join(cmd)}\n{result.stderr}")
        return 2

    if args.write:
        with open(args.expected, "w", encoding="utf-8") as f:
            f.write(result.stdout)
        return 0

    with open(args.expected, encoding="utf-8") as f:
        want = f.read()
    if result.stdout == want:
        print(f"PASS: {len(want.splitlines())} lines ({args.mode})")
        return 0
    print(f"FAIL: {args.capture} ({args.mode}): -z tlsdiag,tree differs from {args.expected}")
    sys.stdout.writelines(difflib.unified_diff(want.splitlines(True),
                                               result.stdout.splitlines(True),
                                               "expected", "tshark"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
