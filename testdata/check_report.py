#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The documented pipeline end to end: the real tshark with the built plugin
over lab captures, its -T fields and -T ek output fed to tlsdiag-report, and
the report compared with reviewed expected files:

- the JSON report of all the captures together, field by field;
- text reports of chosen captures, line by line;
- the same flows from the ek input as from the fields input;
- one CSV row per flagged flow, and exit status 1 (flagged flows found);
- the tshark commands of the README, postproc/README.md and the man page ask
  for exactly these fields.

--update rewrites the expected files from the current output (review the diff).
"""

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

# The README's tshark command for tlsdiag-report, minus -r and the output form.
FIELDS = [
    "frame.number", "frame.time_epoch", "tcp.stream",
    "tlsdiag.flag", "tlsdiag.side", "tlsdiag.close", "tlsdiag.stage",
    "tlsdiag.version", "tlsdiag.alert", "tlsdiag.client", "tlsdiag.server", "tlsdiag.sni",
    "tlsdiag.client_hello", "tlsdiag.elapsed", "tlsdiag.retransmissions",
    "tlsdiag.fallback.previous", "tlsdiag.fallback.failure", "tlsdiag.fallback.from",
    "tlsdiag.fallback.to", "tlsdiag.fallback.scsv", "tlsdiag.fallback.attempt", "tlsdiag.http403",
    "tlsdiag.resumption.offered", "tlsdiag.resumption.issued", "tlsdiag.resumption.issuer",
    "tlsdiag.last_progress", "tlsdiag.idle", "tlsdiag.capture_end",
    "tlsdiag.step.server_hello", "tlsdiag.step.server_flight", "tlsdiag.step.client_flight",
    "tlsdiag.step.completion", "tlsdiag.loss.client_hello_retransmissions",
    "tlsdiag.loss.server_retransmissions", "tlsdiag.loss.client_retransmissions",
    "tlsdiag.loss.duplicate_acks", "tlsdiag.loss.zero_windows", "tlsdiag.quic.connection",
]


SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCUMENTED = ["README.md", "postproc/README.md", "postproc/tlsdiag-report.1"]


def documented_fields(path):
    """The -e fields of each 'tshark -r ... -Y tlsdiag -T fields' command in a document."""
    with open(os.path.join(SOURCE, path)) as f:
        text = f.read().replace("\\-", "-")
    commands = re.findall(r"tshark -r \S+ -Y tlsdiag -T fields(?:[^\n]*\\(?:e)?\n)+[^\n]*", text)
    return [re.findall(r"-e (\S+)", command) for command in commands]


def run(cmd, stdout=None, cwd=None):
    result = subprocess.run(cmd, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, LC_ALL="C", TZ="UTC"), cwd=cwd)
    return result.returncode, result.stdout, result.stderr


def tshark_output(tshark, capture, form, path, two_pass):
    fields = [arg for field in FIELDS for arg in ("-e", field)]
    passes = ["-2"] if two_pass else []
    if form == "fields":
        options = ["-T", "fields", "-E", "header=y", "-E", "separator=/t", "-E", "occurrence=f"]
    else:
        options = ["-T", "ek"]
    with open(path, "w") as out:
        status, _, err = run([tshark, "-r", capture, *passes, "-Y", "tlsdiag", *options, *fields],
                             out)
    if status != 0:
        sys.exit(f"tshark failed on {capture}: {err}")


def report(binary, options, inputs):
    """Runs the report where the inputs are: captures are labelled by the
    names given, which are then the capture names for both input forms."""
    directory = os.path.dirname(inputs[0])
    names = [os.path.basename(path) for path in inputs]
    status, out, err = run([os.path.abspath(binary), *options, *names], cwd=directory)
    if status not in (0, 1):
        sys.exit(f"tlsdiag-report {' '.join(options)} exited {status}: {err}")
    return status, out


def compare_or_update(path, got, update, failures):
    if update:
        with open(path, "w") as f:
            f.write(got)
        return
    with open(path) as f:
        want = f.read()
    if want != got:
        failures.append(f"{path} differs from the report:\n" +
                        "".join(f"  want: {a}\n  got:  {b}\n"
                                for a, b in zip(want.splitlines(), got.splitlines()) if a != b)[:4000])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tshark", required=True, help="the build's tlsdiag-tshark")
    parser.add_argument("--report", required=True, help="the tlsdiag-report binary")
    parser.add_argument("--expected-json", required=True)
    parser.add_argument("--expected-text", required=True, action="append",
                        help="a text report to compare (repeat, paired with --text-capture)")
    parser.add_argument("--text-capture", required=True, action="append",
                        help="the captures of the text report, separated by commas")
    parser.add_argument("--two-pass", action="append", default=[],
                        help="a capture to run tshark on with -2 (what only the end of the "
                             "capture tells, such as handshake_stalled with capture_end)")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("captures", nargs="+")
    args = parser.parse_args()
    if len(args.expected_text) != len(args.text_capture):
        parser.error("give one --text-capture per --expected-text")
    failures = []

    with tempfile.TemporaryDirectory(prefix="tlsdiag-report-") as tmp:
        fields_inputs, ek_inputs = [], []
        for capture in args.captures:
            name = os.path.basename(capture).rsplit(".", 1)[0]
            for form, inputs in (("fields", fields_inputs), ("ek", ek_inputs)):
                os.makedirs(os.path.join(tmp, form), exist_ok=True)
                path = os.path.join(tmp, form, name)
                tshark_output(args.tshark, capture, form, path, capture in args.two_pass)
                inputs.append(path)

        status, out = report(args.report, ["--json", "--allow-empty"], fields_inputs)
        if status != 1:
            failures.append(f"exit status {status} with flagged flows, want 1")
        compare_or_update(args.expected_json, out, args.update, failures)
        from_fields = json.loads(out)

        _, out = report(args.report, ["--json", "--allow-empty"], ek_inputs)
        from_ek = json.loads(out)
        for key in ("summary", "flows", "look_here_first"):
            if from_ek[key] != from_fields[key]:
                failures.append(f"ek input gives another '{key}' than fields input")

        _, out = report(args.report, ["--csv", "--allow-empty"], fields_inputs)
        rows = list(csv.DictReader(io.StringIO(out)))
        if len(rows) != len(from_fields["flows"]):
            failures.append(f"CSV has {len(rows)} rows for {len(from_fields['flows'])} flows")

        for expected, captures in zip(args.expected_text, args.text_capture):
            text_inputs = [fields_inputs[args.captures.index(c)] for c in captures.split(",")]
            _, out = report(args.report, [], text_inputs)
            compare_or_update(expected, out, args.update, failures)

    for path in DOCUMENTED:
        commands = documented_fields(path)
        if not commands:
            failures.append(f"{path}: no tshark command for tlsdiag-report found")
        for fields in commands:
            if fields != FIELDS:
                failures.append(f"{path}: the tshark command asks for {fields}, want {FIELDS}")

    for failure in failures:
        print("FAIL: " + failure)
    if not failures:
        print(f"PASS: {len(from_fields['flows'])} flows from {len(args.captures)} captures, "
              "fields and ek, JSON, CSV and text")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
