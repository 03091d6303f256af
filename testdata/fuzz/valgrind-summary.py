#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Summarize valgrind memcheck XML files of tshark runs with tlsdiag.

    valgrind-summary.py FILE.xml...

An error is tlsdiag's when one of its stacks (where it happened, where the
block was allocated or freed) passes through tlsdiag.so or a tlsdiag_
function; the rest is tshark's or GLib's own. tlsdiag's errors are split:
'runtime' (found while dissecting: a real bug) and 'registration' (leaks
of proto_register/prefs data that Wireshark keeps until exit, once per
process, like every dissector's). Prints one line per file, the stacks of
tlsdiag's errors, and a total. Exit 1 when tlsdiag has runtime errors.
"""

import os
import sys
import xml.etree.ElementTree as ET

REGISTRATION = ("proto_register_", "proto_reg_handoff_", "plugin_register", "prefs_register",
                "register_all_", "expert_register")


def frames_of(error):
    out = []
    for stack in error.findall("stack"):
        for frame in stack.findall("frame"):
            out.append({
                "fn": frame.findtext("fn") or "??",
                "obj": frame.findtext("obj") or "",
                "file": frame.findtext("file") or "",
                "line": frame.findtext("line") or "",
            })
        out.append(None)  # stack separator
    return out


def is_ours(frame):
    return frame is not None and (os.path.basename(frame["obj"]) == "tlsdiag.so" or
                                  frame["fn"].startswith("tlsdiag_") or
                                  "tlsdiag" in frame["fn"])


def what(error):
    return error.findtext("what") or error.findtext("xwhat/text") or error.findtext("kind")


def main(paths):
    totals = {"ours-runtime": 0, "ours-registration": 0, "tshark": 0}
    reports = []
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as e:
            print(f"{path}: unreadable XML ({e}): valgrind or tshark died early?")
            totals["tshark"] += 0
            continue
        counts = {"ours-runtime": 0, "ours-registration": 0, "tshark": 0}
        for error in root.findall("error"):
            frames = frames_of(error)
            if not any(is_ours(f) for f in frames):
                counts["tshark"] += 1
                continue
            registration = any(f is not None and f["fn"].startswith(REGISTRATION) for f in frames)
            key = "ours-registration" if registration else "ours-runtime"
            counts[key] += 1
            lines = [f"{path}: {error.findtext('kind')}: {what(error)}"]
            for f in frames:
                if f is None:
                    lines.append("   --")
                    continue
                where = f"{f['file']}:{f['line']}" if f["file"] else os.path.basename(f["obj"])
                lines.append(f"   {f['fn']} ({where})")
            reports.append((key, "\n".join(lines)))
        for k in totals:
            totals[k] += counts[k]
        print(f"{os.path.basename(path)}: tlsdiag runtime {counts['ours-runtime']}, "
              f"tlsdiag registration {counts['ours-registration']}, tshark/GLib {counts['tshark']}")
    for key, text in reports:
        print(f"\n[{key}] {text}")
    print(f"\nvalgrind: {len(paths)} runs; tlsdiag errors at run time: {totals['ours-runtime']}, "
          f"tlsdiag registration leaks: {totals['ours-registration']}, "
          f"tshark/GLib errors (not ours): {totals['tshark']}")
    return 1 if totals["ours-runtime"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
