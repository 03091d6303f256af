#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the real tshark with the built tlsdiag plugin on one capture and compare
every tlsdiag annotation with the capture's expectations file, both ways:
nothing missing, nothing extra.

Expectations file (NAME.expect, tab-separated):
    # comment lines say what happens in the capture and why
    #! tshark-args: -d tcp.port==8443,tls      (optional, extra tshark options)
    #! keylog: keylog.txt                      (optional, beside the capture)
    #! truth: frame=5 flag=handshake_aborted side=server   (lab captures)
    #! truth: none
    frame   flag    side    close   stage   alert   ...
    7       handshake_aborted       server  RST     client_hello

The header names tlsdiag fields without the "tlsdiag." prefix ("frame" is the
frame number). A row lists every frame the plugin annotates; an empty cell
means the field is absent. Only the columns in the header are compared.
The "#! truth:" lines are the lab generator's own reading of the capture,
made with display filters and no plugin: the flagged frames must be exactly
those, with those values. The table is the plugin's reviewed output.
"#! client: frame=F STACK: TEXT" lines are what the lab's client printed
for the failure at frame F (docs/client-errors.md, "Lab proof"): the
plugin's tlsdiag.client_error strings of that STACK on frame F must be
exactly that one ("STACK:" alone: none).
"#! expert: NAME frames=F,G" (or frames=none) pins a severity: in two-pass
mode the frames with tlsdiag's expert item NAME (a filter such as
tlsdiag.handshake_stalled, the Warning, or tlsdiag.handshake_unreadable,
its Note) must be exactly those.

Links to later frames (ended_by, fallback.retry) exist only from the second
pass on: in single-pass mode those columns are ignored, and rows that carry
nothing else are not expected. So do handshakes still incomplete when the
capture ends (capture_end=1): in single-pass mode those rows, and truth
lines, are not expected.

A newer Wireshark can dissect a capture differently (another dissector
claims a port, TCP analysis changes), and the plugin annotates what Wireshark
dissects. NAME.wireshark-X.Y.expect beside NAME.expect then replaces it, as a
whole, for Wireshark X.Y and later (until a newer such file); its comments say
what Wireshark X.Y does differently. --wireshark names the version the plugin
was built for.

Boolean fields are written 1 and 0, as tshark 4.0 prints them; tshark 4.4 and
4.6 print True and False, which are read as 1 and 0 (in boolean columns only).

Exit status: 0 pass, 1 mismatch, 2 trouble (tshark failed, bad file),
77 skipped (the capture is not there, e.g. without ../shared).
"""

import argparse
import os
import re
import sys

import subprocess

TWO_PASS_ONLY = {"ended_by", "fallback.retry", "fallback.completed"}
# What --write records: every field a test should pin down.
FULL_HEADER = ["frame", "flag", "side", "close", "stage", "alert", "version",
               "negotiated_version", "client_hello", "elapsed", "retransmissions",
               "ended_by", "fallback.previous", "fallback.failure", "fallback.origin",
               "fallback.from", "fallback.to", "fallback.scsv", "fallback.attempt",
               "fallback.retry", "fallback.completed", "certificate_requested", "client_certificate", "http403",
               "resumption.offered", "resumption.issued", "resumption.issuer", "last_progress", "idle",
               "capture_end", "step.server_hello", "step.server_flight", "step.client_flight",
               "step.completion", "loss.client_hello_retransmissions", "loss.server_retransmissions",
               "loss.client_retransmissions", "loss.duplicate_acks", "loss.zero_windows",
               "abandoned.sibling", "abandoned.closed_together", "recording_gap", "unreadable", "unrecorded",
               "cert.problem", "cert.spki_sha256", "cert.other_frame", "cert.other_spki_sha256",
               "fallback.since_failure", "quic.connection", "quic.error", "quic.reason", "quic.initials",
               "quic.span", "quic.icmp", "quic.path", "quic.version", "quic.retry"]
SKIP = 77
# tshark -T fields spells booleans 1/0 in 4.0, True/False in 4.4 and 4.6.
BOOLEAN_COLUMNS = {"fallback.scsv", "certificate_requested", "capture_end"}
BOOLEAN_SPELLINGS = {"True": "1", "False": "0"}


def read_expectations(path):
    header, rows, tshark_args, keylog, truth = None, [], [], None, None
    global CLIENT_LINES, EXPERT_LINES
    CLIENT_LINES = []
    EXPERT_LINES = []
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#! client:"):
                frame, said = line.split(":", 1)[1].strip().split(" ", 1)
                stack, text = said.split(":", 1)
                CLIENT_LINES.append((frame.split("=", 1)[1], stack, said if text.strip() else None))
                continue
            if line.startswith("#! expert:"):
                name, frames = line.split(":", 1)[1].split()
                frames = frames.split("=", 1)[1]
                EXPERT_LINES.append((name, [] if frames == "none" else frames.split(",")))
                continue
            if line.startswith("#! tshark-args:"):
                tshark_args += line.split(":", 1)[1].split()
                continue
            if line.startswith("#! truth:"):
                truth = truth if truth is not None else []
                cells = line.split(":", 1)[1].split()
                if cells != ["none"]:
                    truth.append(dict(cell.split("=", 1) for cell in cells))
                continue
            if line.startswith("#! keylog:"):
                keylog = line.split(":", 1)[1].strip()
                continue
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
                if header[0] != "frame" or "flag" not in header:
                    sys.exit(f"{path}:{lineno}: header must start with 'frame' and name 'flag'")
                continue
            if len(cells) > len(header):
                sys.exit(f"{path}:{lineno}: {len(cells)} cells, header has {len(header)}")
            rows.append(cells + [""] * (len(header) - len(cells)))
    if header is None:
        sys.exit(f"{path}: no header line")
    return header, rows, tshark_args, keylog, truth


def tshark_command(args, capture, header, tshark_args, keylog, display_filter="tlsdiag"):
    cmd = [args.tshark, "-r", capture, "-n"] + tshark_args
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    if args.mode == "two-pass":
        cmd.append("-2")
    cmd += ["-Y", display_filter, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
            "-E", "aggregator=,", "-e", "frame.number"]
    for column in header[1:]:
        cmd += ["-e", "tlsdiag." + column]
    return cmd


def seen_at_capture_end(cells):
    return cells.get("capture_end", "") not in ("", "0")


def expected_for_mode(header, rows, mode):
    if mode == "two-pass":
        return header, rows
    keep = [i for i, name in enumerate(header) if name not in TWO_PASS_ONLY]
    flag = header.index("flag")
    kept = [[row[i] for i in keep] for row in rows
            if row[flag] and not seen_at_capture_end(dict(zip(header, row)))]
    return [header[i] for i in keep], kept


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tshark", required=True,
                        help="tshark with the plugin loaded (the build's tlsdiag-tshark)")
    parser.add_argument("--mode", choices=["single", "two-pass"], required=True)
    parser.add_argument("--wireshark", metavar="X.Y", type=parse_version,
                        help="Wireshark version the plugin was built for: selects "
                             "NAME.wireshark-X.Y.expect overrides")
    parser.add_argument("--write", action="store_true",
                        help="rewrite the expectations from the plugin's output (review the diff!)")
    parser.add_argument("capture")
    parser.add_argument("expect")
    args = parser.parse_args()

    if args.write and args.mode != "two-pass":
        parser.error("--write needs --mode two-pass: links show only from the second pass on")
    if not os.path.exists(args.capture):
        print(f"SKIP: {args.capture} is not there")
        return SKIP
    args.expect = expectations_for_version(args.expect, args.wireshark)
    header, rows, tshark_args, keylog, truth = read_expectations(args.expect)
    if args.write:
        header = FULL_HEADER

    if keylog:
        keylog = os.path.join(os.path.dirname(args.capture), keylog)
    cmd = tshark_command(args, args.capture, header, tshark_args, keylog)
    result = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                            env=dict(os.environ, LC_ALL="C"))
    status, stdout, stderr = result.returncode, result.stdout, result.stderr

    if status != 0 or stderr.strip():
        print(f"FAIL: tshark exited {status}: {' '.join(cmd)}\n{stderr}")
        return 2

    got = [normalize_booleans(header, line.split("\t")) for line in stdout.splitlines() if line]
    if args.write:
        write_expectations(args.expect, header, got)
        return 0

    if truth is not None and args.mode == "single":
        truth = [fact for fact in truth if not seen_at_capture_end(fact)]
    failures = check_truth(truth, header, got)
    failures += check_client_lines(args, tshark_args, keylog)
    failures += check_expert_lines(args, tshark_args, keylog)
    want_header, want = expected_for_mode(header, rows, args.mode)
    got_header, got = expected_for_mode(header, got, args.mode)
    assert want_header == got_header
    want_set = {tuple(r) for r in want}
    got_set = {tuple(r) for r in got}
    missing = [r for r in want if tuple(r) not in got_set]
    extra = [r for r in got if tuple(r) not in want_set]
    if not missing and not extra and not failures:
        print(f"PASS: {len(want)} annotated frames ({args.mode}, {args.expect})")
        return 0
    print(f"FAIL: {args.capture} ({args.mode}, {args.expect})")
    for failure in failures:
        print("truth:   " + failure)
    print("columns: " + "\t".join(want_header))
    for r in missing:
        print("missing: " + "\t".join(r))
    for r in extra:
        print("extra:   " + "\t".join(r))
    return 1


def parse_version(text):
    match = re.fullmatch(r"(\d+)\.(\d+)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a version like 4.6: {text!r}")
    return int(match[1]), int(match[2])


def expectations_for_version(path, version):
    """The newest NAME.wireshark-X.Y.expect with X.Y <= version, else path."""
    if version is None or not path.endswith(".expect"):
        return path
    directory, stem = os.path.split(path[:-len(".expect")])
    override = re.compile(re.escape(stem) + r"\.wireshark-(\d+)\.(\d+)\.expect")
    best = None
    for entry in os.listdir(directory or "."):
        match = override.fullmatch(entry)
        if match:
            since = int(match[1]), int(match[2])
            if since <= version and (best is None or since > best[0]):
                best = since, entry
    return os.path.join(directory, best[1]) if best else path


def normalize_booleans(header, row):
    return [BOOLEAN_SPELLINGS.get(cell, cell) if name in BOOLEAN_COLUMNS else cell
            for name, cell in zip(header, row)]


def check_truth(truth, header, got):
    """The generator's truth, both ways: every flagged frame it found, with
    its values, and no other flagged frame."""
    if truth is None:
        return []
    failures = []
    flag = header.index("flag")
    flagged = {row[0]: dict(zip(header, row)) for row in got if row[flag]}
    for fact in truth:
        row = flagged.get(fact["frame"])
        if row is None:
            failures.append(f"frame {fact['frame']}: not flagged, the generator says {fact}")
            continue
        for key, value in fact.items():
            if key not in row:
                failures.append(f"frame {fact['frame']}: column {key} is not in the header")
            elif row[key] != value:
                failures.append(f"frame {fact['frame']}: {key} is {row[key]!r}, the generator "
                                f"says {value!r}")
    known = {fact["frame"] for fact in truth}
    failures += [f"frame {frame}: flagged {row['flag']}, the generator found nothing there"
                 for frame, row in flagged.items() if frame not in known]
    return failures


CLIENT_LINES = []


def check_client_lines(args, tshark_args, keylog):
    """The plugin's client error strings against what the lab's client printed."""
    if not CLIENT_LINES:
        return []
    cmd = tshark_command(args, args.capture, ["frame", "client_error"], tshark_args, keylog)
    cmd[cmd.index("aggregator=,")] = "aggregator=\x1f"
    result = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                            env=dict(os.environ, LC_ALL="C"))
    if result.returncode != 0:
        return [f"client: tshark exited {result.returncode}: {result.stderr}"]
    strings = {}
    for line in result.stdout.splitlines():
        frame, _, joined = line.partition("\t")
        strings[frame] = [s for s in joined.split("\x1f") if s]
    failures = []
    for frame, stack, said in CLIENT_LINES:
        got = [s for s in strings.get(frame, []) if s.split(":", 1)[0] == stack]
        want = [said] if said else []
        if got != want:
            failures.append(f"frame {frame}: {stack} printed {want}, tlsdiag.client_error has {got}")
    return failures


EXPERT_LINES = []


def check_expert_lines(args, tshark_args, keylog):
    """Which frames carry one of tlsdiag's expert items (its severity)."""
    if not EXPERT_LINES or args.mode != "two-pass":
        return []
    failures = []
    for name, want in EXPERT_LINES:
        cmd = tshark_command(args, args.capture, ["frame"], tshark_args, keylog, name)
        result = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                                env=dict(os.environ, LC_ALL="C"))
        if result.returncode != 0 or result.stderr.strip():
            failures.append(f"expert: tshark exited {result.returncode}: {result.stderr}")
            continue
        got = [line for line in result.stdout.splitlines() if line]
        if got != want:
            failures.append(f"expert {name}: frames {got}, expected {want}")
    return failures


def write_expectations(path, header, got):
    with open(path, encoding="utf-8") as f:
        preamble = [l for l in f.read().splitlines() if l.startswith("#")]
    with open(path, "w", encoding="utf-8") as f:
        for line in preamble:
            f.write(line + "\n")
        f.write("\t".join(header) + "\n")
        for row in got:
            f.write("\t".join(row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
