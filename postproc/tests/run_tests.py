#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests for tlsdiag-report.

  run_tests.py --report BIN                      run every test
  run_tests.py --report BIN --only NAME          run one test (as ctest does)
  run_tests.py --report BIN --update-docs           write the tshark command into the docs
  run_tests.py --report BIN --compare INPUT EXPECTED.json [--label NAME] [--update]
      report INPUT (tshark -T fields or -T ek output) with --json and compare
      it with EXPECTED.json exactly; the capture label defaults to INPUT's
      file name so the expectation does not depend on where INPUT lives.

Inputs are the hand-written fixtures in fixtures/ (tshark -T fields output
as the plugin's contract describes it) and variants derived from them here:
ek renderings, broken lines, splits. Standard library only.
"""

import argparse
import csv
import difflib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
MAIN = os.path.join(FIXTURES, "field-notes.tsv")
# Session resumption, stalls and slow handshakes, with every column the plugin has for them.
TIMING = os.path.join(FIXTURES, "resumption-timing.tsv")
# Issue 17: the server's certificate on the refusals (tlsdiag.cert.*).
CERTS = os.path.join(FIXTURES, "certificates.tsv")
CERT_COLUMNS = ["tlsdiag.cert.problem", "tlsdiag.cert.subject", "tlsdiag.cert.san",
                "tlsdiag.cert.spki_sha256"]
REPORT = None
TESTS = {}


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


# Sanitizer reports must not hide behind exit status 1, which means "found".
ENV = dict(os.environ)
ENV.setdefault("ASAN_OPTIONS", "exitcode=86:detect_leaks=1")
ENV.setdefault("UBSAN_OPTIONS", "exitcode=87:print_stacktrace=1")
TROUBLE = ("Sanitizer", "runtime error:", "CRITICAL **", "WARNING **", "Segmentation")


def run(args, stdin=None):
    """Runs the report; returns (exit code, stdout bytes, stderr text)."""
    p = subprocess.run([REPORT] + args, input=stdin, capture_output=True, timeout=300, env=ENV)
    err = p.stderr.decode("utf-8", "replace")
    for sign in TROUBLE:
        check(sign not in err and p.returncode >= 0, f"crash or sanitizer report: {err[-3000:]}")
    return p.returncode, p.stdout, err


def report_json(args, stdin=None, want=(0, 1)):
    code, out, err = run(["--json"] + args, stdin)
    check(code in want, f"exit {code} not in {want}; stderr: {err}")
    return json.loads(out)


def read_lines(path=MAIN):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def write(tmp, name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def lines_to_bytes(lines):
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---- tshark -T ek renderings of a fields file ------------------------------

def fields_rows(lines):
    header = lines[0].split("\t")
    for line in lines[1:]:
        yield dict(zip(header, line.split("\t")))


def ek_line_with_e(row):
    """What tshark -T ek -e ... prints: flat names, arrays of strings, absent when empty."""
    layers = {k.replace(".", "_"): [v] for k, v in row.items() if v != ""}
    return json.dumps({"timestamp": "0", "layers": layers}, separators=(",", ":"))


def ek_line_full(row):
    """A full dissection: members grouped by protocol, "proto_" prefixed, scalars, booleans."""
    layers = {}
    for k, v in row.items():
        if v == "":
            continue
        proto = k.split(".")[0]
        key = proto + "_" + k.replace(".", "_")
        value = v
        if k in ("tlsdiag.fallback.scsv", "tlsdiag.capture_end"):
            value = v == "1"
        layers.setdefault(proto, {"text": "subtree"})[key] = value
    layers["eth"] = {"eth_eth_src": "02:00:00:00:00:01"}
    return json.dumps({"timestamp": "0", "layers": layers}, separators=(",", ":"))


def to_ek(lines, render=ek_line_with_e):
    out = []
    for row in fields_rows(lines):
        out.append('{"index":{"_index":"packets-2024-09-09","_type":"doc"}}')
        out.append(render(row))
    return out


# ---- tests -----------------------------------------------------------------

@test
def exit_codes(tmp):
    code, _, _ = run([MAIN])
    check(code == 1, f"flagged flows: exit {code}, want 1")
    lines = read_lines()
    header_only = write(tmp, "h.tsv", lines[0] + "\n")
    code, out, err = run([header_only])
    check(code == 0, f"no rows: exit {code}, want 0 ({err})")
    check(b"no flagged TLS handshakes" in out, "no-rows text")
    notes = [l for l in lines if l.split("\t")[3] == ""]
    check(notes, "fixture has note rows")
    code, _, _ = run([write(tmp, "n.tsv", lines_to_bytes([lines[0]] + notes))])
    check(code == 0, f"note rows only: exit {code}, want 0")
    code, _, err = run([os.path.join(tmp, "does-not-exist.tsv")])
    check(code == 2 and "does-not-exist.tsv" in err, f"missing file: {code} {err}")
    code, _, err = run(["--no-such-option"])
    check(code == 2, f"bad option: exit {code}")


@test
def abandoned_apart(tmp):
    """Connections a client closed as surplus are counted apart, not as failures."""
    lines = read_lines()
    header = lines[0].split("\t")
    flag = header.index("tlsdiag.flag")
    aborted = [l.split("\t") for l in lines[1:] if l.split("\t")[flag] == "handshake_aborted"]
    check(len(aborted) >= 2, "fixture has aborted rows")
    abandoned = []
    for cells in aborted[:2]:
        cells = list(cells)
        cells[flag] = "handshake_abandoned"
        abandoned.append("\t".join(cells))
    only = write(tmp, "abandoned.tsv", lines_to_bytes([lines[0]] + abandoned))
    code, out, err = run([only])
    check(code == 0, f"abandoned rows only: exit {code}, want 0 ({err})")
    check(b"no flagged TLS handshakes" in out, "abandoned rows are no flagged flow")
    check(b"2 connections abandoned by the client, not failures" in out, f"text {out!r}")
    doc = report_json([only])
    check(doc["input"]["abandoned_rows"] == 2 and doc["summary"]["flagged_flows"] == 0,
          f"json {doc['input']}")
    mixed = write(tmp, "mixed.tsv", lines_to_bytes(lines + abandoned))
    doc = report_json([mixed])
    check(doc["input"]["abandoned_rows"] == 2, "abandoned counted beside failures")
    code, _, _ = run([mixed])
    check(code == 1, f"failures still make exit 1, got {code}")
    check("abandoned_rows" not in report_json([MAIN])["input"], "absent when there are none")


@test
def quiet(tmp):
    code, out, err = run(["-q", MAIN])
    check((code, out, err) == (1, b"", ""), f"-q found: {code} {out!r} {err!r}")
    lines = read_lines()
    code, out, err = run(["-q", write(tmp, "h.tsv", lines[0] + "\n")])
    check((code, out) == (0, b""), "-q none found")
    bad = write(tmp, "bad.tsv", lines_to_bytes(lines + ["x\ty"]))
    code, out, err = run(["-q", bad])
    check((code, out, err) == (1, b"", ""), f"-q hides malformed lines: {err!r}")
    code, out, err = run(["-q", write(tmp, "junk.txt", "hello\n")])
    check(code == 2 and out == b"" and "junk.txt" in err, "-q still reports errors")
    code, out, _ = run(["--quiet", "-"], stdin=open(MAIN, "rb").read())
    check((code, out) == (1, b""), "--quiet on stdin")


@test
def formats_agree(tmp):
    doc = report_json([MAIN])
    code, out, _ = run(["--csv", MAIN])
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    code2, text, _ = run([MAIN])
    check(code == code2 == 1, "exit codes")
    check(len(rows) == len(doc["flows"]) == doc["summary"]["flagged_flows"] == 13, "flow counts")
    check(f"{len(rows)} flagged flows".encode() in text, "text flow count")
    for r, f in zip(rows, doc["flows"]):
        check((r["capture"], int(r["stream"]), r["pattern"]) ==
              (f["capture"], f["stream"], f["pattern"]), f"row order {r} {f}")


@test
def json_shape(tmp):
    doc = report_json(["--label", "cap", MAIN])
    check(doc["schema_version"] == 1, "schema_version")
    for key in ("generator", "input", "summary", "look_here_first", "top_servers", "top_clients",
                "histogram", "flows"):
        check(key in doc, f"missing {key}")
    check(doc["input"] == {"captures": ["cap"], "rows": 18, "flagged_rows": 17, "note_rows": 1,
                           "malformed_lines": 0}, f"input {doc['input']}")
    s = doc["summary"]
    check(s["by_pattern"] == {"handshake_aborted": 5, "version_fallback": 4, "handshake_alert": 2,
                              "alert_after_403": 1, "client_cert_rejected": 1}, f"{s['by_pattern']}")
    check(s["by_flag"]["fallback_rejected"] == 2 and s["by_flag"]["handshake_aborted"] == 7,
          "by_flag")
    check(s["first_time"] == "2024-09-09T18:15:55.894120000Z", s["first_time"])
    flows = {f["stream"]: f for f in doc["flows"]}
    chain = flows[2]
    check(chain["flags"] == ["version_fallback", "fallback_rejected"], f"{chain['flags']}")
    check(chain["pattern"] == "version_fallback" and chain["events_total"] == 2, "chain pattern")
    fb = chain["events"][0]["fallback"]
    check(fb == {"previous": 10, "failure": 11, "from": "0x0302", "to": "0x0301", "scsv": True,
                 "attempt": 3}, f"fallback {fb}")
    rejected = chain["events"][1]
    check((rejected["alert"], rejected["alert_name"], rejected["side"]) ==
          (86, "inappropriate_fallback", "server"), f"{rejected}")
    check(rejected["time_ns"] == 1725905756191552000, "time_ns exact")
    check(rejected["version"] == "0x0301" and rejected["version_name"] == "TLS 1.0", "version")
    aborted = flows[6]["events"][0]
    check(aborted["elapsed_ns"] == 2804113000 and aborted["retransmissions"] == 2, "elapsed")
    check(flows[8]["events"][0]["http403"] == 410, "http403")
    check(flows[12]["client"] == "[2001:db8::5]:51000", "ipv6 endpoint")
    check("fallback" not in flows[0]["events"][0] and "alert" not in flows[0]["events"][0],
          "absent members are left out")
    ids = [h["id"] for h in doc["look_here_first"]]
    for want in ("aborts", "fallback_after_reset", "fallback_rejected", "alerts", "alert_after_403",
                 "client_cert_rejected", "one_server"):
        check(want in ids, f"hint {want} missing from {ids}")
    check(ids[-1] == "one_server", "context hints come last")
    check(doc["top_servers"][0] == {"server": "192.0.2.10:443", "sni": "shop.example.com",
                                    "flows": 9, "pattern": "handshake_aborted"}, "top server")
    check(doc["top_clients"][0]["client"] == "198.51.100.7", "clients by address, not port")
    h = doc["histogram"]
    check(sum(h["counts"]) == 13 and h["untimed"] == 0 and h["bucket_seconds"] == 300, f"{h}")


@test
def csv_shape(tmp):
    lines = read_lines()
    cells = lines[1 + 1].split("\t")
    cells[11] = 'we,ird "name"'
    weird = write(tmp, "w.tsv", lines_to_bytes([lines[0], "\t".join(cells)]))
    code, out, _ = run(["--csv", weird])
    check(code == 1, "exit")
    text = out.decode()
    check('"we,ird ""name"""' in text, f"RFC 4180 quoting: {text}")
    rows = list(csv.reader(io.StringIO(text)))
    check(rows[0][:4] == ["capture", "stream", "first_frame", "time"], f"header {rows[0]}")
    check(all(len(r) == len(rows[0]) for r in rows), "same column count")
    code, out, _ = run(["--csv", MAIN])
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    check(len(rows) == 13, "one row per flow")
    r = [r for r in rows if r["stream"] == "2"][0]
    check((r["flags"], r["alert"], r["alert_name"], r["fallback_from"], r["fallback_to"],
           r["fallback_scsv"], r["flagged_frames"]) ==
          ("version_fallback;fallback_rejected", "86", "inappropriate_fallback", "TLS 1.1",
           "TLS 1.0", "1", "2"), f"{r}")


@test
def text_content(tmp):
    code, out, _ = run([MAIN])
    text = out.decode()
    flat = " ".join(text.split())
    for want in ("Patterns", "Look here first", "Flagged flows", "Top servers", "Top clients",
                 "Failures over time", "reset from the server side right after the",
                 "Answer 401", "unknown_ca", "retry of f10", "HTTP 403 f410",
                 "TLS 1.1 -> TLS 1.0 +SCSV", "2001:db8::5"):
        check(want in flat, f"text lacks {want!r}")
    lines = read_lines()
    cells = lines[2].split("\t")
    cells[11] = "evil\\x1b]0;pwned\\x07.example"
    cells[11] = "evil\x1b]0;pwned\x07\u0085.example"
    evil = write(tmp, "e.tsv", lines_to_bytes([lines[0], "\t".join(cells)]))
    code, out, _ = run([evil])
    check(b"\x1b" not in out and b"\x07" not in out and "\u0085".encode() not in out,
          "control characters reach the terminal")
    check(b"evil?]0;pwned??.example" in out, "control characters shown as ?")
    code, out, _ = run(["--limit", "2", MAIN])
    check(b"first 2 of 13" in out, "--limit")


@test
def missing_column(tmp):
    lines = read_lines()
    for drop in ("frame.number", "tcp.stream", "tlsdiag.flag"):
        i = lines[0].split("\t").index(drop)
        cut = ["\t".join(c for j, c in enumerate(l.split("\t")) if j != i) for l in lines]
        path = write(tmp, f"no-{drop}.tsv", lines_to_bytes(cut))
        code, out, err = run([path])
        check(code == 2, f"missing {drop}: exit {code}")
        check(f"no-{drop}.tsv:1:" in err and drop in err, f"message names file, line, column: {err}")
    # optional columns may be absent: a warning, and the report still works
    keep = [0, 2, 3]
    slim = ["\t".join(l.split("\t")[j] for j in keep) for l in lines]
    code, out, err = run([write(tmp, "slim.tsv", lines_to_bytes(slim))])
    check(code == 1 and "optional columns absent" in err and "tlsdiag.sni" in err, f"{code} {err}")
    check(b"13 flagged flows" in out, "slim input still reports")
    # ek: a field no record carries
    ek = [l for l in to_ek(lines) if '"index"' in l or True]
    ek = [l.replace('"tcp_stream"', '"tcp_streamx"') for l in ek]
    code, _, err = run([write(tmp, "nostream.ek", lines_to_bytes(ek))])
    check(code == 2 and "tcp.stream" in err and "nostream.ek" in err, f"ek missing: {err}")


@test
def not_tshark(tmp):
    cases = {
        "prose.txt": ("Hello, this is not tshark output\nat all\n", "not tshark output"),
        # a pcap is a capture for tshark (tests/captures.py); other binaries are neither
        "program.bin": (b"\x7fELF\x02\x01\x01\x00" + bytes(16) + b"\n", "not a pcap or pcapng"),
        "commas.csv": ("frame.number,tcp.stream,tlsdiag.flag\n1,0,x\n", "separator=/t"),
        "data-first.tsv": ("5\t0\thandshake_aborted\n", "no header line"),
        "other.json": ('{"foo": 1}\n', "not tshark -T ek output"),
    }
    for name, (data, msg) in cases.items():
        code, out, err = run([write(tmp, name, data)])
        check(code == 2 and name in err and msg in err, f"{name}: {code} {err}")
        check(out == b"", f"{name}: a report after unreadable input: {out[:200]!r}")
    report = write(tmp, "report.json", run(["--json", MAIN])[1])
    code, _, err = run([report])
    check(code == 2 and "--merge" in err, f"a report fed as input: {err}")
    # one bad file among good ones: the others are still read, exit 2
    code, out, err = run(["--json", MAIN, os.path.join(tmp, "prose.txt")])
    check(code == 2 and json.loads(out)["summary"]["flagged_flows"] == 13, "partial report")


@test
def malformed_lines(tmp):
    lines = read_lines()
    good = lines[2].split("\t")
    bad = [
        "only\ttwo",                                                   # column count
        "\t".join(["x5"] + good[1:]),                                  # frame not a number
        "\t".join(good[:7] + ["0xzz"] + good[8:]),                     # version
        "\t".join(good[:2] + ["1,2"] + good[3:]),                      # -E occurrence=a
        "\t".join(good[:8] + ["300"] + good[9:]),                      # alert out of range
        "\t".join(good[:9] + ["no-port"] + good[10:]),                 # endpoint
        "\t".join(good[:3] + ["bad flag!"] + good[4:]),                # flag shape
        "\t".join(good[:1] + ["12:00"] + good[2:]),                    # time
        "\t".join(good[:19] + ["maybe"] + good[20:]),                  # boolean
        "\t".join(["0"] + good[1:]),                                   # frame 0
        "\t".join(good[:2] + [""] + good[3:]),                         # empty stream
        "\t".join(good[:2] + ["99999999999999999999"] + good[3:]),     # overflow
    ]
    mixed = lines[:3] + bad + lines[3:]
    path = write(tmp, "mixed.tsv", lines_to_bytes(mixed))
    code, out, err = run(["--json", path])
    check(code == 1, f"malformed lines do not stop the report: {code}")
    doc = json.loads(out)
    check(doc["input"]["malformed_lines"] == len(bad), f"count {doc['input']}")
    check(doc["summary"]["flagged_flows"] == 13, "good rows still counted")
    for n in range(4, 4 + 10):
        check(f"mixed.tsv:{n}:" in err, f"line {n} named: {err}")
    check("2 more malformed lines not shown" in err, f"limit on shown lines: {err}")
    for reason in ("2 columns, the header has 22", "column frame.number", "tlsdiag.version",
                   "occurrence=f", "number out of range", "not an endpoint", "not a keyword",
                   "not decimal seconds", "not a boolean", "frame numbers start at 1"):
        check(reason in err, f"reason {reason!r} missing: {err}")
    code, text, _ = run([path])
    check(b"12 malformed lines skipped" in text, "text mentions malformed lines")


@test
def nul_bytes(tmp):
    lines = read_lines()
    data = lines_to_bytes(lines[:3]) + b"17\x00\t1\t2\n" + lines_to_bytes(lines[3:])
    code, out, err = run(["--json", write(tmp, "nul.tsv", data)])
    check(code == 1 and "nul.tsv:4:" in err and "NUL byte" in err, f"{code} {err}")
    check(json.loads(out)["input"]["malformed_lines"] == 1, "counted")
    code, _, err = run([write(tmp, "nul-first.tsv", b"\x00\x00\x00\n" + lines_to_bytes(lines))])
    check(code == 2 and "nul-first.tsv:1:" in err, f"NUL in first line: {err}")


@test
def invalid_utf8(tmp):
    lines = read_lines()
    cells = lines[2].split("\t")
    cells[11] = "shop\udcff"
    raw = "\t".join(cells).encode("utf-8", "surrogateescape")
    data = lines_to_bytes(lines[:2]) + raw + b"\n" + lines_to_bytes(lines[3:])
    code, out, err = run(["--json", write(tmp, "utf8.tsv", data)])
    check(code == 1 and "utf8.tsv:3:" in err and "invalid UTF-8" in err, f"{code} {err}")
    doc = json.loads(out)
    check(doc["input"]["malformed_lines"] == 1 and doc["summary"]["flagged_flows"] == 12, "rest")


@test
def crlf(tmp):
    lines = read_lines()
    path = write(tmp, "crlf.tsv", ("\r\n".join(lines) + "\r\n").encode())
    a = report_json(["--label", "x", MAIN])
    b = report_json(["--label", "x", path])
    check(a == b, "CRLF input gives the same report")
    ek = write(tmp, "crlf.ek", ("\r\n".join(to_ek(lines)) + "\r\n").encode())
    check(report_json(["--label", "x", ek]) == a, "CRLF ek input gives the same report")


@test
def empty_input(tmp):
    for name, data in (("empty.tsv", b""), ("blank.tsv", b"\n\n  \n")):
        path = write(tmp, name, data)
        code, out, err = run([path])
        check(code == 2 and name in err and "empty input" in err, f"{name}: {code} {err}")
        check(out == b"", f"{name}: a report after empty input: {out[:200]!r}")
        code, out, err = run(["--allow-empty", "--json", path])
        check(code == 0 and json.loads(out)["summary"]["flagged_flows"] == 0, f"{name} allowed")
    code, _, err = run([], stdin=b"")
    check(code == 2 and "<stdin>" in err, f"empty stdin: {err}")


@test
def truncated_last_line(tmp):
    lines = read_lines()
    data = lines_to_bytes(lines[:-1]) + lines[-1][:40].encode()
    code, out, err = run(["--json", write(tmp, "cut.tsv", data)])
    check(code == 1 and f"cut.tsv:{len(lines)}:" in err and "no newline" in err, f"{err}")
    doc = json.loads(out)
    check(doc["input"]["malformed_lines"] == 1 and doc["summary"]["flagged_flows"] == 12, "rest")
    ek = to_ek(lines)
    data = lines_to_bytes(ek[:-1]) + ek[-1][:-7].encode()
    code, out, err = run(["--json", write(tmp, "cut.ek", data)])
    check(code == 1 and "cut.ek:" in err, f"ek cut: {code} {err}")


@test
def long_line(tmp):
    lines = read_lines()
    huge = "1\t" + "A" * (10 * 1024 * 1024)
    data = lines_to_bytes(lines[:3] + [huge] + lines[3:])
    code, out, err = run(["--json", write(tmp, "huge.tsv", data)])
    check(code == 1 and "huge.tsv:4:" in err and "longer than" in err, f"{code} {err[:300]}")
    doc = json.loads(out)
    check(doc["input"]["malformed_lines"] == 1 and doc["summary"]["flagged_flows"] == 13, "rest")
    code, _, err = run([write(tmp, "huge-first.tsv", lines_to_bytes([huge] + lines))])
    check(code == 2 and "huge-first.tsv:1:" in err, "huge first line")
    # a long but legal ek record (a full dissection can be large) is processed
    row = dict(next(fields_rows(lines[:1] + lines[2:3])))
    rec = json.loads(ek_line_full(row))
    rec["layers"]["data"] = {"data_data_data": "ab" * (1024 * 1024)}
    code, out, err = run(["--json", write(tmp, "big.ek", json.dumps(rec) + "\n")])
    check(code == 1 and json.loads(out)["summary"]["flagged_flows"] == 1, f"big ek: {err}")
    deep = '{"layers":' + "[" * 100000 + "]" * 100000 + "}"
    code, out, err = run(["--json", write(tmp, "deep.ek", lines_to_bytes(to_ek(lines)[:4] + [deep]))])
    check(code == 1 and "nested too deeply" in err, f"deep JSON: {code} {err}")


@test
def many_columns(tmp):
    lines = read_lines()
    extra = [f"x.col{i}" for i in range(3000)]
    wide = []
    for n, line in enumerate(lines):
        cells = line.split("\t")
        pad = extra if n == 0 else ["v"] * len(extra)
        wide.append("\t".join(pad[:1500] + cells[::-1] + pad[1500:]))
    a = report_json(["--label", "x", MAIN])
    b = report_json(["--label", "x", write(tmp, "wide.tsv", lines_to_bytes(wide))])
    check(a == b, "reordered columns and unknown extra columns give the same report")
    dup = [l + "\t" + l.split("\t")[3] for l in lines]
    dup[0] = lines[0] + "\ttlsdiag.flag"
    c = report_json(["--label", "x", write(tmp, "dup.tsv", lines_to_bytes(dup))])
    check(a == c, "a repeated column: the first counts")


@test
def sections(tmp):
    lines = read_lines()
    twice = write(tmp, "two-runs.tsv", lines_to_bytes(lines + lines))
    doc = report_json([twice])
    check(doc["input"]["captures"] == ["%s" % twice, "%s#2" % twice], f"{doc['input']['captures']}")
    check(doc["summary"]["flagged_flows"] == 26, "stream numbers restart: separate flows")
    ek = to_ek(lines)
    doc = report_json([write(tmp, "two-runs.ek", lines_to_bytes(ek + ek))])
    check(doc["summary"]["flagged_flows"] == 26 and len(doc["input"]["captures"]) == 2,
          "ek: frame numbers starting over begin a new capture")
    code, out, _ = run([twice])
    check(b"CAPTURE" in out, "text shows the capture column when there are several")
    doc = report_json(["-", MAIN], stdin=lines_to_bytes(lines))
    check(doc["input"]["captures"] == ["-", MAIN], f"stdin and a file: {doc['input']['captures']}")


@test
def ek_equivalence(tmp):
    lines = read_lines()
    a = report_json(["--label", "x", MAIN])
    b = report_json(["--label", "x", write(tmp, "e.ek", lines_to_bytes(to_ek(lines)))])
    check(a == b, "ek (-e fields) gives the same report as -T fields")
    tf = []
    for l in lines:
        c = l.split("\t")
        if len(c) > 19 and c[19] in ("1", "0"):
            c[19] = "True" if c[19] == "1" else "False"
        tf.append("\t".join(c))
    c = report_json(["--label", "x", write(tmp, "tf.tsv", lines_to_bytes(tf))])
    check(a == c, "True/False booleans")


@test
def ek_full_dissection(tmp):
    lines = read_lines()
    a = report_json(["--label", "x", MAIN])
    b = report_json(["--label", "x",
                     write(tmp, "full.ek", lines_to_bytes(to_ek(lines, ek_line_full)))])
    check(a == b, "ek of a full dissection gives the same report")


def split_by_client(lines):
    halves = ([lines[0]], [lines[0]])
    header = lines[0].split("\t")
    ci = header.index("tlsdiag.client")
    for line in lines[1:]:
        client = line.split("\t")[ci]
        address = client.rsplit(":", 1)[0]
        halves[sum(map(ord, address)) % 2].append(line)
    return halves


@test
def merge_halves(tmp):
    lines = read_lines()
    whole = report_json(["--label", "cap", MAIN])
    for split_name, halves in (("client", split_by_client(lines)),
                               ("rows", ([lines[0]] + lines[1:10], [lines[0]] + lines[10:]))):
        check(len(halves[0]) > 2 and len(halves[1]) > 2, "both halves have rows")
        parts = []
        for n, half in enumerate(halves):
            path = write(tmp, f"{split_name}{n}.tsv", lines_to_bytes(half))
            code, out, _ = run(["--json", "--label", "cap", path])
            check(code in (0, 1), "half report")
            parts.append(write(tmp, f"{split_name}{n}.json", out))
        merged = report_json(["--merge"] + parts)
        if merged != whole:
            diff = "\n".join(difflib.unified_diff(json.dumps(whole, indent=1).splitlines(),
                                                  json.dumps(merged, indent=1).splitlines(),
                                                  lineterm="", n=2))
            raise Failure(f"merge of halves split by {split_name} differs:\n{diff[:3000]}")
        again = report_json(["--merge", write(tmp, "merged.json", json.dumps(merged))])
        check(again == whole, "merging a merged report changes nothing")
    code, out, _ = run(["--merge", "--csv"] + parts)
    check(code == 1 and len(out.decode().splitlines()) == 14, "merge renders CSV")
    code, out, _ = run(["--merge"] + parts)
    check(code == 1 and b"13 flagged flows" in out, "merge renders text")
    # separate captures stay separate
    other = write(tmp, "other.json", run(["--json", "--label", "other", MAIN])[1])
    both = report_json(["--merge", parts[0], parts[1], other])
    check(both["summary"]["flagged_flows"] == 26 and both["input"]["captures"] == ["cap", "other"],
          "two captures")


@test
def merge_errors(tmp):
    good = write(tmp, "good.json", run(["--json", "--label", "g", MAIN])[1])
    doc = json.load(open(good))
    cases = {}
    cases["tshark.tsv"] = (open(MAIN).read(), "not a tlsdiag-report JSON report")
    cases["empty.json"] = ("", "not a tlsdiag-report JSON report")
    d = json.loads(json.dumps(doc)); d["schema_version"] = 99
    cases["future.json"] = (json.dumps(d), "schema_version 99")
    d = json.loads(json.dumps(doc)); d["flows"][3]["stream"] = "three"
    cases["stream.json"] = (json.dumps(d), "flows[3].stream")
    d = json.loads(json.dumps(doc)); d["flows"][1]["events"][0]["fallback"]["from"] = "TLS 9"
    cases["version.json"] = (json.dumps(d), "flows[1].events[0].from")
    d = json.loads(json.dumps(doc)); d["flows"][0]["events"] = []
    cases["noevents.json"] = (json.dumps(d), "flows[0].events")
    d = json.loads(json.dumps(doc)); del d["input"]
    cases["noinput.json"] = (json.dumps(d), "input")
    cases["deep.json"] = ("[" * 200000 + "]" * 200000, "not a tlsdiag-report JSON report")
    for name, (data, msg) in cases.items():
        code, out, err = run(["--merge", write(tmp, name, data)])
        check(code == 2 and name in err and msg in err, f"{name}: {code} {err}")
    # a bad report adds nothing to the good ones
    code, out, err = run(["--merge", "--json", good, os.path.join(tmp, "stream.json")])
    check(code == 2 and json.loads(out)["summary"]["flagged_flows"] == 13, "bad report adds nothing")
    # two unlabelled stdin reports may be different captures
    a = write(tmp, "a.json", run(["--json", "-"], stdin=open(MAIN, "rb").read())[1])
    b = write(tmp, "b.json", run(["--json", "-"], stdin=open(MAIN, "rb").read())[1])
    code, _, err = run(["--merge", a, b])
    check(code == 2 and "--label" in err, f"stdin ambiguity: {err}")
    code, out, err = run(["--merge", "-"], stdin=open(good, "rb").read())
    check(code == 1, f"--merge reads stdin: {err}")


@test
def unknown_flags(tmp):
    lines = read_lines()
    cells = lines[2].split("\t")
    cells[0] = "999"
    cells[3] = "tls13_middlebox_compat_broken"
    doc = report_json([write(tmp, "u.tsv", lines_to_bytes(lines + ["\t".join(cells)]))])
    check(doc["summary"]["by_pattern"].get("tls13_middlebox_compat_broken") is None,
          "an added frame on an existing stream is not a pattern")
    cells[2] = "99"
    doc = report_json([write(tmp, "u2.tsv", lines_to_bytes(lines + ["\t".join(cells)]))])
    check(doc["summary"]["by_pattern"]["tls13_middlebox_compat_broken"] == 1, "counted as-is")
    check("unknown_flags" in [h["id"] for h in doc["look_here_first"]], "mentioned")


@test
def options(tmp):
    code, out, _ = run(["--help"])
    check(code == 0 and b"Usage: tlsdiag-report" in out and b"--merge" in out, "--help")
    code, out, _ = run(["--version"])
    check(code == 0 and out.startswith(b"tlsdiag-report ") and out.strip()[-1:].isdigit(),
          "--version")
    code, _, err = run(["--label", "x", MAIN, MAIN])
    check(code == 2 and "--label" in err, "--label with two inputs")
    code, _, err = run(["--limit", "lots", MAIN])
    check(code == 2 and "--limit" in err, "--limit number")
    code, out, _ = run([], stdin=open(MAIN, "rb").read())
    check(code == 1 and b"13 flagged flows" in out, "stdin without arguments")


def keep_columns(lines, names):
    """The same rows with only the named columns, as an older tshark command prints them."""
    header = lines[0].split("\t")
    keep = [header.index(n) for n in names]
    return ["\t".join(line.split("\t")[i] for i in keep) for line in lines]


def keep_streams(lines, streams):
    si = lines[0].split("\t").index("tcp.stream")
    return [lines[0]] + [l for l in lines[1:] if int(l.split("\t")[si]) in streams]


def hints_by_id(doc):
    return {h["id"]: h["text"] for h in doc["look_here_first"]}


@test
def resumption_hints(tmp):
    doc = report_json(["--label", "t", TIMING])
    s = doc["summary"]
    check(s["by_variant"] == {"resumption_refused": {"failed": 1, "declined": 1},
                              "resumption_other_server": {"failed": 1, "declined": 1},
                              "handshake_stalled": {"stalled": 2, "capture_end": 1}},
          f"by_variant {s.get('by_variant')}")
    ids = [h["id"] for h in doc["look_here_first"]]
    hints = hints_by_id(doc)
    check(ids[0] == "resumption_other_server", f"the pool comes first: {ids}")
    check(ids[-1] == "resumption_declined", f"declines come last, below context: {ids}")
    check(ids.index("resumption_failed") < ids.index("one_server"), "failures before context")
    other = " ".join(hints["resumption_other_server"].split())
    for want in ("2 resumptions offered to a different server than the one that issued them",
                 "not shared across the pool (servers 192.0.2.11, 192.0.2.12)",
                 "1 of them failed the handshake"):
        check(want in other, f"{want!r} not in {other!r}")
    check("alert 40 handshake_failure" in hints["resumption_failed"] and
          "session ticket in stream 2" in hints["resumption_failed"], hints["resumption_failed"])
    check("1 resumption offer was declined with a full handshake" in
          hints["resumption_declined"], hints["resumption_declined"])
    flows = {f["stream"]: f for f in doc["flows"]}
    check(flows[0]["events"][0]["resumption"] ==
          {"offered": "ticket", "issued": 6, "issuer": "192.0.2.11"},
          f"{flows[0]['events'][0].get('resumption')}")
    check(flows[3]["events"][0]["resumption"] == {"offered": "session_id"}, "issued outside")
    code, out, _ = run([TIMING])
    flat = " ".join(out.decode().split())
    for want in ("failed with an alert 1 1", "declined: full handshake 1 1",
                 "server declined the session ticket: full handshake",
                 "session issued f6 by 192.0.2.11"):
        check(want in flat, f"text lacks {want!r}")
    # Declines alone: counted and shown, but as what they are.
    only = write(tmp, "declines.tsv", lines_to_bytes(keep_streams(read_lines(TIMING), {3})))
    doc = report_json([only])
    check([h["id"] for h in doc["look_here_first"]] == ["resumption_declined"],
          f"{doc['look_here_first']}")


@test
def stall_hints(tmp):
    doc = report_json(["--label", "t", TIMING])
    ids = [h["id"] for h in doc["look_here_first"]]
    hints = hints_by_id(doc)
    stalls = " ".join(hints["stalls"].split())
    for want in ("2 handshakes stalled", "waiting for the ServerHello after the ClientHello",
                 "silent 7.200 s since frame 80",
                 "1 of them saw retransmissions (3 ClientHello retransmissions)"):
        check(want in stalls, f"{want!r} not in {stalls!r}")
    check(hints["capture_end"].startswith("The capture ended during 1 handshake (stream 6, "
                                          "waiting for the server's flight"), hints["capture_end"])
    check(ids.index("capture_end") > ids.index("stalls") and
          ids.index("capture_end") > ids.index("one_server"), f"capture end is context: {ids}")
    check("it stalled first" in hints["aborts"], hints["aborts"])
    flows = {f["stream"]: f for f in doc["flows"]}
    ended = flows[6]["events"][0]
    check((ended["capture_end"], ended["idle_ns"], ended["last_progress"]) ==
          (True, 2100000000, 122), f"{ended}")
    check(flows[4]["flags"] == ["handshake_stalled", "handshake_aborted"], "stall then abort")
    code, out, _ = run([TIMING])
    flat = " ".join(out.decode().split())
    for want in ("silent mid-handshake 2 2", "capture ended mid-handshake 1 1",
                 "capture ended waiting for the server's flight at server_hello, silent 2.100 s",
                 "stalled waiting for the client's key exchange at server_flight",
                 "client FIN at client_hello after 15.200 s", "last progress f80"):
        check(want in flat, f"text lacks {want!r}")


def check_stall_variant(tmp, field, cell, variant, hint, member, value, text):
    """The timing fixture with the plugin's FIELD set to CELL on stream 5's
    stall alone: that stall is variant and hint VARIANT, not a stall; its
    event carries MEMBER = VALUE through JSON, --merge and CSV; the flow
    table says TEXT."""
    lines = read_lines(TIMING)
    si = lines[0].split("\t").index("tcp.stream")
    marked = [lines[0] + "\t" + field]
    marked += [l + ("\t" + cell if l.split("\t")[si] == "5" else "\t") for l in lines[1:]]
    path = write(tmp, variant + ".tsv", "\n".join(marked) + "\n")
    doc = report_json(["--label", "t", path])
    check(doc["summary"]["by_variant"]["handshake_stalled"] ==
          {"stalled": 1, "capture_end": 1, variant: 1}, f"{doc['summary']['by_variant']}")
    hints = hints_by_id(doc)
    check(hints["stalls"].startswith("1 handshake stalled"), hints["stalls"])
    check(flat(hints[variant]).startswith(hint), hints[variant])
    ids = [h["id"] for h in doc["look_here_first"]]
    check(ids.index(variant) > ids.index("stalls"), f"{variant} is context: {ids}")
    flows = {f["stream"]: f for f in doc["flows"]}
    check(flows[5]["events"][0][member] == value, f"{flows[5]['events'][0]}")
    check(member not in flows[4]["events"][0], "only where the plugin says so")
    merged = report_json(["--merge", write(tmp, variant + ".json", json.dumps(doc))])
    check(merged["flows"] == doc["flows"], f"merge keeps {member}")
    code, out, _ = run(["--csv", path])
    header = out.decode().splitlines()[0].split(",")
    rows = {r[1]: dict(zip(header, r)) for r in csv.reader(io.StringIO(out.decode()))}
    check(rows["5"][variant] == cell and rows["4"][variant] == "", f"CSV: {rows['5'][variant]!r}")
    code, out, _ = run([path])
    check(text in flat(out.decode()), f"the flow table says {text!r}")


@test
def unreadable_stalls(tmp):
    """A stall after bytes Wireshark could not read as records (teams.pcap
    stream 18 in the plugin's tests)."""
    check_stall_variant(
        tmp, "tlsdiag.unreadable", "106", "unreadable",
        "1 handshake looked stalled, but Wireshark could not read its records from frame 106 "
        "on (stream 5)", "unreadable", 106,
        "records unreadable from frame 106 at server_flight, not known to have stalled")


@test
def unrecorded_stalls(tmp):
    """A stall at the capture's end after which the capture holds no packet
    of the connection (reddit.pcap in the plugin's tests)."""
    check_stall_variant(
        tmp, "tlsdiag.unrecorded", "12.455830000", "unrecorded",
        "1 handshake looked stalled at the end of the capture, but the capture holds no packet "
        "of its connection after its last frame, not even a TCP acknowledgment or a "
        "retransmission (stream 5; the longest silence: 12.456 s)", "unrecorded_ns", 12455830000,
        "no packet of the connection recorded for the last 12.456 s")


@test
def slow_hints(tmp):
    doc = report_json(["--label", "t", TIMING])
    slow = " ".join(hints_by_id(doc)["slow"].split())
    for want in ("2 handshakes completed, but slowly (median 5.600 s)",
                 "stream 7: 2 server retransmissions, 3 duplicate ACKs",
                 "weak link evidence"):
        check(want in slow, f"{want!r} not in {slow!r}")
    flows = {f["stream"]: f for f in doc["flows"]}
    ev = flows[7]["events"][0]
    check(ev["steps_ns"] == {"server_hello": 300000000, "server_flight": 4100000000,
                             "client_flight": 200000000, "completion": 1000000000}, f"{ev}")
    check(ev["loss"] == {"server_retransmissions": 2, "duplicate_acks": 3}, f"{ev['loss']}")
    code, out, _ = run(["--csv", TIMING])
    rows = list(csv.reader(io.StringIO(out.decode())))
    check(rows[0][25] == "flagged_frames" and rows[0][40] == "loss_zero_windows" and
          rows[0][41:] == ["cert_problem", "cert_subject", "cert_san", "cert_spki_sha256",
                           "unreadable", "unrecorded"],
          f"new CSV columns are appended: {rows[0]}")
    r = [dict(zip(rows[0], r)) for r in rows[1:] if r[1] == "7"][0]
    check((r["step_server_flight"], r["loss_server_retransmissions"], r["idle"]) ==
          ("4.100000000", "2", ""), f"{r}")
    one = write(tmp, "slow.tsv", lines_to_bytes(keep_streams(read_lines(TIMING), {7})))
    code, out, _ = run([one])
    flat = " ".join(out.decode().split())
    check("its slowest step is the server flight (4.100 s, stream 7)" in flat and
          "It saw retransmissions" in flat, flat)


def half_reports(tmp, lines, split, label):
    """--json reports of the rows before line split and of the rest: two paths."""
    parts = []
    for n, half in enumerate(([lines[0]] + lines[1:split], [lines[0]] + lines[split:])):
        code, out, _ = run(["--json", "--label", label, write(tmp, f"h{n}.tsv",
                                                              lines_to_bytes(half))])
        parts.append(write(tmp, f"h{n}.json", out))
    return parts


@test
def new_columns_optional(tmp):
    lines = read_lines(TIMING)
    full = report_json(["--label", "t", TIMING])
    # The tshark command from before these columns existed.
    old = keep_columns(lines, read_lines(MAIN)[0].split("\t"))
    code, out, err = run(["--json", "--label", "t", write(tmp, "old.tsv", lines_to_bytes(old))])
    check(code == 1, f"exit {code}: {err}")
    doc = json.loads(out)
    check("tlsdiag.resumption.offered" in err and "tlsdiag.loss.zero_windows" in err,
          f"absent optional columns are named once: {err}")
    check(doc["summary"]["by_pattern"] == full["summary"]["by_pattern"], "same patterns")
    for f in doc["flows"]:
        for ev in f["events"]:
            for key in ("resumption", "steps_ns", "loss", "idle_ns", "capture_end"):
                check(key not in ev, f"{key} without its column")
    check("resumption_other_server" not in hints_by_id(doc) or
          "servers 192.0.2.11" in hints_by_id(doc)["resumption_other_server"], "pool hint")
    check("capture_end" not in hints_by_id(doc), "capture end needs its column")
    code, out, _ = run([write(tmp, "old2.tsv", lines_to_bytes(old))])
    check(code == 1 and b"Look here first" in out, "text from old columns")
    # Older reports and inputs keep their shape.
    main = report_json([MAIN])
    check("by_variant" not in main["summary"], "no by_variant without such flags")
    check(all("loss" not in ev for f in main["flows"] for ev in f["events"]), "no loss keys")
    # ek, both renderings, and merging halves give the same report.
    b = report_json(["--label", "t", write(tmp, "t.ek", lines_to_bytes(to_ek(lines)))])
    check(b == full, "ek (-e fields)")
    c = report_json(["--label", "t",
                     write(tmp, "f.ek", lines_to_bytes(to_ek(lines, ek_line_full)))])
    check(c == full, "ek of a full dissection (capture_end a boolean)")
    parts = half_reports(tmp, lines, 5, "t")
    check(report_json(["--merge"] + parts) == full, "merged halves keep the new details")


# ---- the server's certificate (issue 17) ------------------------------------

def flat(text):
    return " ".join(text.split())


@test
def certificate_findings(tmp):
    doc = report_json(["--label", "c", CERTS])
    hints = hints_by_id(doc)
    ids = [h["id"] for h in doc["look_here_first"]]
    mismatch = flat(hints["certificate_name_mismatch"])
    for want in ("3 of 9 rejected connections got a certificate for shop.example while asking "
                 "for www.example", "1 more got certificates for other names",
                 "check its SNI configuration"):
        check(want in mismatch, f"{want!r} not in {mismatch!r}")
    check({h["id"]: h["flows"] for h in doc["look_here_first"]}["certificate_name_mismatch"] == 4,
          "the hint counts every name mismatch")
    chain = flat(hints["certificate_incomplete_chain"])
    check("1 of 9 rejected connections got a chain without the intermediate CA" in chain and
          "(stream 3)" in chain and "The server did not send the intermediate CA" in chain, chain)
    # Four findings by flows (ties by name), the rest in one line.
    check([i for i in ids if i.startswith("certificate_") and i != "certificate_changed"] ==
          ["certificate_name_mismatch", "certificate_expired", "certificate_incomplete_chain",
           "certificate_self_signed", "certificate_other"], f"{ids}")
    check(hints["certificate_other"].endswith("weak_key (1)."), hints["certificate_other"])
    flows = {f["stream"]: f for f in doc["flows"]}
    check(flows[0]["events"][0]["certificate"] ==
          {"problem": "name_mismatch", "subject": "CN=shop.example,O=Example Shop",
           "san": "shop.example", "spki_sha256": "Kt5sApjSYfVRiAfihW04cfC/JqaKrncSqssj1VLuzzM="},
          f"{flows[0]['events'][0].get('certificate')}")
    check("problem" not in flows[4]["events"][0]["certificate"], "no finding, no problem member")
    check("certificate" not in flows[5]["events"][0], "no certificate on an abort")
    check("certificate" not in flows[2]["events"][0] and
          flows[2]["events"][1]["certificate"]["problem"] == "name_mismatch", "per frame")
    code, out, _ = run(["--csv", CERTS])
    rows = list(csv.reader(io.StringIO(out.decode())))
    by_stream = {r[1]: dict(zip(rows[0], r)) for r in rows[1:]}
    # A flow's certificate is that of its latest frame that shows one.
    check((by_stream["2"]["cert_problem"], by_stream["2"]["cert_san"]) ==
          ("name_mismatch", "shop.example"), f"{by_stream['2']}")
    check(by_stream["2"]["cert_subject"] == "CN=shop.example,O=Example Shop", "quoted subject")
    check(by_stream["4"]["cert_problem"] == "" and by_stream["4"]["cert_spki_sha256"] ==
          "d9XIw5F+z5WgA6Zklq0RhC+0ilQegEgTl8n2vtwGeZw=", f"{by_stream['4']}")
    check(all(by_stream["5"][c] == "" for c in ("cert_problem", "cert_subject", "cert_san",
                                                 "cert_spki_sha256")), "abort: empty")
    code, out, _ = run([CERTS])
    text = flat(out.decode())
    for want in ("at server_flight after 0.002 s, certificate name_mismatch (for shop.example)",
                 "certificate incomplete_chain",
                 "server key sha256//d9XIw5F+z5WgA6Zklq0RhC+0ilQegEgTl8n2vtwGeZw=",
                 "3 of 9 rejected connections got a certificate for shop.example"):
        check(want in text, f"text lacks {want!r}")
    check("server rst at client_hello after 0.002 s TLS 1.2" in text, "abort without certificate")


@test
def certificate_columns_optional(tmp):
    lines = read_lines(CERTS)
    full = report_json(["--label", "c", CERTS])
    header = lines[0].split("\t")
    old = keep_columns(lines, [c for c in header if c not in CERT_COLUMNS])
    code, out, err = run(["--json", "--label", "c", write(tmp, "old.tsv", lines_to_bytes(old))])
    check(code == 1 and "tlsdiag.cert.spki_sha256" in err, f"exit {code}, missing named: {err}")
    doc = json.loads(out)
    check(doc["summary"] == full["summary"], "same summary without the certificate")
    check(all("certificate" not in ev for f in doc["flows"] for ev in f["events"]), "no members")
    check(not [h for h in doc["look_here_first"] if h["id"].startswith("certificate_") and
               h["id"] != "certificate_changed"], f"no finding hints: {doc['look_here_first']}")
    # ek, both renderings, and merged halves keep the certificate.
    check(report_json(["--label", "c", write(tmp, "c.ek", lines_to_bytes(to_ek(lines)))]) ==
          full, "ek (-e fields)")
    check(report_json(["--label", "c", write(tmp, "f.ek", lines_to_bytes(
        to_ek(lines, ek_line_full)))]) == full, "ek of a full dissection")
    parts = half_reports(tmp, lines, 4, "c")
    check(report_json(["--merge"] + parts) == full, "merged halves keep the certificates")
    # A merged report read back is the same report; a report without them merges too.
    code, out, _ = run(["--json", "--merge"] + parts)
    again = report_json(["--merge", write(tmp, "m.json", out)])
    check(again == full, "a merged report merges again")
    code, out, _ = run(["--json", "--label", "old", write(tmp, "o.tsv", lines_to_bytes(old))])
    both = report_json(["--merge", parts[0], write(tmp, "o.json", out)])
    check(both["summary"]["flagged_flows"] == 3 + 10, f"{both['summary']}")


@test
def certificate_bad_values(tmp):
    lines = read_lines(CERTS)
    header = lines[0].split("\t")

    def with_cell(column, value):
        cells = lines[1].split("\t")
        cells[header.index(column)] = value
        return write(tmp, "bad.tsv", lines_to_bytes([lines[0], "\t".join(cells)]))

    for column, value, reason in (
            ("tlsdiag.cert.problem", "name mismatch", "not a keyword"),
            ("tlsdiag.cert.san", "a.example,b.example", "several values"),
            ("tlsdiag.cert.san", "x" * 300, "text too long"),
            ("tlsdiag.cert.subject", "CN=a\x1b[31m", "not a certificate name"),
            ("tlsdiag.cert.spki_sha256", "not base64!", "not a base64 pin")):
        code, out, err = run(["--json", with_cell(column, value)])
        check(code == 0 and column in err and reason in err,
              f"{column}={value!r}: exit {code}, {err}")
        check(strict_json(out)["input"]["malformed_lines"] == 1, "counted as malformed")
    # A SAN is the server's to choose: bidi overrides never reach the terminal.
    code, out, _ = run([with_cell("tlsdiag.cert.san", "shop\u202eelpmaxe.www")])
    check(code == 1 and "\u202e" not in out.decode() and "(for shop?elpmaxe.www)" in out.decode(),
          f"text: {out.decode()[-600:]}")
    # A report cannot bring in what tshark's text could not.
    good = report_json(["--label", "c", CERTS])
    good["flows"][0]["events"][0]["certificate"]["spki_sha256"] = "a pin\nwith a newline"
    code, out, err = run(["--merge", write(tmp, "r.json", json.dumps(good))])
    check(code == 2 and "certificate.spki_sha256" in err, f"exit {code}: {err}")
    good["flows"][0]["events"][0]["certificate"] = "name_mismatch"
    code, out, err = run(["--merge", write(tmp, "r2.json", json.dumps(good))])
    check(code == 2 and "certificate: not an object" in err, f"exit {code}: {err}")


# ---- hostile input: every error path, and output that stays well-formed -----

def strict_json(out):
    """--json output must be UTF-8 and JSON by the letter, whatever came in."""
    return json.loads(out.decode("utf-8", "strict"))


@test
def error_paths(tmp):
    """Every way the report gives up on an input: exit 2, the file and line named."""
    lines = read_lines()
    header = lines[0]
    no_stream = "\t".join(c for c in header.split("\t") if c != "tcp.stream")
    ek = to_ek(lines)
    cases = [
        # (file name, data, extra args, what the message says, line named or None)
        ("commas.csv", "frame.number,tcp.stream,tlsdiag.flag\n", [], "separator=/t", 1),
        ("prose.txt", "hello\n", [], "no header line", 1),
        ("data-first.tsv", "5\t0\thandshake_aborted\n", [], "no header line", 1),
        ("other.json", '{"foo": 1}\n', [], "not tshark -T ek output", 1),
        ("report.json", "{\n", [], "use --merge", 1),
        ("no-stream.tsv", lines_to_bytes([no_stream]), [], "lacks required column tcp.stream", 1),
        ("late-header.tsv", lines_to_bytes(lines + [no_stream] + lines[1:]), [],
         "lacks required column tcp.stream", len(lines) + 1),
        ("nul-first.tsv", b"\x00" + lines_to_bytes(lines), [], "NUL byte", 1),
        ("utf8-first.tsv", b"\xff" + lines_to_bytes(lines), [], "invalid UTF-8", 1),
        ("huge-first.tsv", b"x" * (9 << 20) + b"\n", [], "longer than", 1),
        ("empty.tsv", b"", [], "empty input", None),
        ("no-stream.ek", lines_to_bytes([l.replace('"tcp_stream"', '"tcp_streamx"') for l in ek]),
         [], "required field tcp.stream", None),
    ]
    for name, data, args, msg, line in cases:
        code, out, err = run(args + [write(tmp, name, data)])
        where = f"{name}:{line}:" if line else f"{name}: error:"
        check(code == 2 and where in err and msg in err, f"{name}: exit {code}, want 2 and "
              f"{where!r} {msg!r} in: {err[-500:]}")
        check(out == b"" or name == "late-header.tsv", f"{name}: output after bad input")
    # the rows before a header that cannot be read still count, as grep
    code, out, _ = run(["--json", os.path.join(tmp, "late-header.tsv")])
    check(code == 2 and strict_json(out)["summary"]["flagged_flows"] == 13, "rows before")
    # not readable at all
    code, _, err = run([os.path.join(tmp, "missing.tsv")])
    check(code == 2 and "missing.tsv: error: cannot open" in err, f"missing: {err}")
    empty = os.path.join(tmp, "no-captures")
    os.mkdir(empty)
    code, _, err = run([empty])
    check(code == 2 and f"{empty}: error: no capture" in err, f"a folder without captures: {err}")
    # the report cannot be written
    with open("/dev/full", "wb") as full:
        p = subprocess.run([REPORT, "--json", MAIN], stdout=full, stderr=subprocess.PIPE,
                           timeout=60, env=ENV)
    err = p.stderr.decode()
    check(p.returncode == 2 and "<stdout>: error: write error: No space" in err, f"/dev/full: {err}")
    # usage
    for args, msg in ((["--limit", "-1", MAIN], "--limit"), (["--label", "", MAIN], "--label"),
                      (["-j", "0", MAIN], "--jobs"), (["--jobs", "4294967297", MAIN], "--jobs"),
                      (["-j", MAIN], "--jobs"), (["-o", "no-colon", MAIN], "PREF:VALUE"),
                      (["--label", "x", MAIN, MAIN], "--label"), (["--bogus"], "--help")):
        code, _, err = run(args)
        check(code == 2 and msg in err, f"{args}: {code} {err}")


@test
def malformed_reasons(tmp):
    """Each reason a line is skipped names the file and line; the rest is reported."""
    lines = read_lines()
    good = lines[2].split("\t")
    ek = to_ek(lines)

    def cell(i, value):
        return "\t".join(good[:i] + [value] + good[i + 1:])

    bad_fields = [
        (cell(3, "x" * 65), "keyword too long"),
        (cell(7, "0x03031"), "16-bit hex"),
        (cell(7, "0x0303,0x0304"), "occurrence=f"),
        (cell(0, ""), "no frame.number"),
        (cell(1, "99999999999.5"), "number out of range"),        # beyond the year 2262
        (cell(13, "10000000000"), "number out of range"),         # elapsed
        (cell(9, "[2001:db8::1]:65536"), "not an endpoint"),
        ("\t".join(good + ["extra"]), "23 columns, the header has 22"),
        ("5" + "\t" * 1999999, "2000000 columns, the header has 22"),
        ("1\t" + "x" * (9 << 20), "longer than"),
        ("5\t\x00", "NUL byte"),
    ]
    data = lines_to_bytes(lines[:2] + [b for b, _ in bad_fields] + lines[2:])
    code, out, err = run(["--json", write(tmp, "bad.tsv", data)])
    doc = strict_json(out)
    check(code == 1 and doc["input"]["malformed_lines"] == len(bad_fields), f"{code} {doc['input']}")
    check(doc["summary"]["flagged_flows"] == 13, "good rows still counted")
    check("more malformed lines not shown" in err, "the first ten are shown")
    for n, (_, reason) in enumerate(bad_fields[:10]):
        check(f"bad.tsv:{n + 3}:" in err and reason in err, f"line {n + 3}: {reason!r}: {err[-2000:]}")

    layers = '"frame_number":["7"],"tcp_stream":["1"],"tlsdiag_flag":["handshake_aborted"]'
    bad_ek = [
        ('[1, 2]', "not a JSON object"),
        ('{"timestamp": "0"}', 'no "layers" object'),
        # json-glib 1.6 (Debian 12) passes a lone surrogate on as bytes that
        # are not UTF-8; later versions refuse it while parsing.
        ('{"layers": {' + layers + ', "tlsdiag_sni": ["\\ud800x"]}}',
         ("not valid UTF-8", "malformed surrogate pair")),
        ('{"layers": {' + layers + ', "tlsdiag_alert": ["999"]}}', "number out of range"),
        ('{"layers": {' + layers + ', "tlsdiag_sni": "\\udc00"', "not JSON"),
        ('{"layers": ' + "[" * 100 + "]" * 100 + "}", "nested too deeply"),
        ('{"layers": {"tcp_stream": ["1"], "tlsdiag_flag": ["x"]}}', "no frame.number"),
    ]
    data = lines_to_bytes(ek[:2] + [b for b, _ in bad_ek] + ek[2:])
    code, out, err = run(["--json", write(tmp, "bad.ek", data)])
    doc = strict_json(out)
    check(code == 1 and doc["input"]["malformed_lines"] == len(bad_ek), f"{code} {doc['input']}")
    for n, (_, reasons) in enumerate(bad_ek):
        line = next((l for l in err.splitlines() if f"bad.ek:{n + 3}:" in l), "")
        reasons = reasons if isinstance(reasons, tuple) else (reasons,)
        check(any(reason in line for reason in reasons), f"ek line {n + 3}: {reasons!r}: {err}")


@test
def millions_of_columns(tmp):
    lines = read_lines()
    pad = 1500000
    wide = ["x.c\t" * pad + lines[0]] + ["\t" * pad + l for l in lines[1:]]
    a = report_json(["--label", "x", MAIN])
    b = report_json(["--label", "x", write(tmp, "wide.tsv", lines_to_bytes(wide))])
    check(a == b, "1.5 million unknown columns before the known ones change nothing")
    # a header too long to be a header: the input is refused, line 1 named
    code, out, err = run([write(tmp, "wider.tsv", ("x.c\t" * 3000000 + "\n").encode())])
    check(code == 2 and "wider.tsv:1:" in err and "longer than" in err and out == b"", err)


@test
def hostile_strings(tmp):
    """Strings the plugin never writes but an attacker's SNI could: output stays well-formed."""
    lines = read_lines()
    evil = ["bell\x07esc\x1b[31m", "bidi\u202egnp.exe", "quote\"back\\slash", "c1\u0085x", "nl\\nx",
            "emoji\U0001F600", "a,b\"c"]
    rows = [lines[0]]
    for i, sni in enumerate(evil):
        cells = lines[2].split("\t")
        cells[2] = str(100 + i)
        cells[11] = sni
        rows.append("\t".join(cells))
    path = write(tmp, "evil.tsv", lines_to_bytes(rows))
    code, out, _ = run(["--json", path])
    doc = strict_json(out)
    check(code == 1 and sorted(f["sni"] for f in doc["flows"]) == sorted(evil), "SNI kept as is")
    code, out, _ = run([path])
    text = out.decode("utf-8", "strict")
    for c in "\x07\x1b\u0085\u202e":
        check(c not in text, f"{c!r} reaches the terminal")
    code, out, _ = run(["--csv", path])
    got = sorted(r["sni"] for r in csv.DictReader(io.StringIO(out.decode("utf-8", "strict"))))
    check(got == sorted(evil), f"CSV round-trips the values: {got}")
    # the same through ek, where JSON escapes can say more than UTF-8 can
    ek = to_ek(rows)
    ek.append('{"layers":{"frame_number":["200"],"tcp_stream":["200"],'
              '"tlsdiag_flag":["handshake_aborted"],"tlsdiag_sni":["nul\\u0000cut"]}}')
    code, out, err = run(["--json", write(tmp, "evil.ek", lines_to_bytes(ek))])
    doc = strict_json(out)
    check(code == 1 and len(doc["flows"]) == len(evil) + 1, f"ek: {err}")


@test
def truncated_mid(tmp):
    lines = read_lines()
    sni = lines[-1].split("\t")
    sni[11] = "caf\u00e9.example"
    last = "\t".join(sni).encode()
    cut = last[:last.index(b"\xc3") + 1]
    code, out, err = run(["--json", write(tmp, "cut-utf8.tsv", lines_to_bytes(lines[:-1]) + cut)])
    check(code == 1 and f"cut-utf8.tsv:{len(lines)}:" in err, f"cut in a character: {err}")
    check(strict_json(out)["input"]["malformed_lines"] == 1, "counted")
    # ek records close themselves: a complete last record without its newline counts
    ek = lines_to_bytes(to_ek(lines))[:-1]
    a = report_json(["--label", "x", MAIN])
    b = report_json(["--label", "x", write(tmp, "no-newline.ek", ek)])
    check(a == b, "complete last ek record without newline")
    code, out, err = run(["--json", write(tmp, "cut-string.ek", ek[:-30])])
    check(code == 1 and "cut-string.ek:" in err and "not JSON" in err, f"cut in a string: {err}")


# ---- driver ----------------------------------------------------------------

SOURCE = os.path.dirname(os.path.dirname(HERE))
DOCUMENTED = ["README.md", "postproc/README.md", "postproc/tlsdiag-report.1"]


# A full command: "tshark -r CAPTURE", then options and continuation lines up to the pipe.
COMMAND = r"tshark {dash}r \S+ ((?:[^\n|]*\\{e}\n)*[^\n|]*)"


def command_pattern(roff):
    return re.compile(COMMAND.format(dash="\\\\-" if roff else "-", e="e" if roff else ""))


def is_report_command(args):
    """The report's command: all of the plugin's frames, as fields."""
    return "-Y" in args and args[args.index("-Y") + 1:][:1] == ["tlsdiag"] and "fields" in args


def command_args(text, roff):
    if roff:
        text = text.replace("\\-", "-").replace("\\e", "")
    return [a for a in text.split() if a != "\\"]


def documented_tshark_commands(path):
    """The options of each full 'tshark -r CAPTURE -n -2 -Y tlsdiag -T fields ...' command of a
    document, continuation lines joined, up to the pipe."""
    roff = path.endswith(".1")
    with open(os.path.join(SOURCE, path), encoding="utf-8") as f:
        text = f.read()
    found = (command_args(m.group(1), roff) for m in command_pattern(roff).finditer(text))
    return [args for args in found if is_report_command(args)]


def format_command(args, roff):
    """The options as the documents show them: a line of options, then the -e fields."""
    first = args.index("-e")
    lines, line = [" ".join(args[:first]) + " \\"], " "
    for i in range(first, len(args), 2):
        if len(line) + len(args[i + 1]) + 4 > 86:
            lines.append(line + " \\")
            line = " "
        line += f" -e {args[i + 1]}"
    lines.append(line + " \\")
    text = "\n".join(lines) + "\n  "
    return text.replace("-", "\\-").replace(" \\\n", " \\e\n") if roff else text


def update_docs(args):
    """Writes the report's tshark command into each document that shows it."""
    for path in DOCUMENTED:
        roff = path.endswith(".1")
        full = os.path.join(SOURCE, path)
        with open(full, encoding="utf-8") as f:
            text = f.read()

        def replace(m):
            if not is_report_command(command_args(m.group(1), roff)):
                return m.group(0)
            return m.group(0)[: m.start(1) - m.start(0)] + format_command(args, roff)

        with open(full, "w", encoding="utf-8") as f:
            f.write(command_pattern(roff).sub(replace, text))


@test
def fifo_input(tmp):
    """A pipe, as <(tshark ...) gives, is tshark output: sniffing for a capture would eat it."""
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as f, open(MAIN, "rb") as src:
            f.write(src.read())

    writer = threading.Thread(target=feed)
    writer.start()
    doc = report_json([fifo])
    writer.join()
    check(doc["summary"]["flagged_flows"] == 13, f"from a pipe: {doc['summary']}")


@test
def print_tshark_args(tmp):
    """The one field list: the report's tshark options are the documented ones."""
    code, out, err = run(["--print-tshark-args"])
    check(code == 0 and err == "", f"exit {code}: {err}")
    args = out.decode().split()
    fields = [a for i, a in enumerate(args) if i and args[i - 1] == "-e"]
    check(args[:3] == ["-n", "-2", "-Y"] and "tlsdiag.flag" in fields, f"options: {args}")
    check(len(fields) == len(set(fields)), f"a field asked for twice: {fields}")
    for path in DOCUMENTED:
        commands = documented_tshark_commands(path)
        check(commands, f"{path}: no full tshark command for tlsdiag-report")
        for command in commands:
            check(command == args, f"{path}: the tshark command is\n  {' '.join(command)}\n"
                  f"want (tlsdiag-report --print-tshark-args)\n  {' '.join(args)}\n"
                  "(run_tests.py --report BIN --update-docs writes it)")
    code, out, _ = run(["--help"])
    # no tshark command cut short with "...": --print-tshark-args has it whole
    check(code == 0 and b"-e " not in out and b"--print-tshark-args" in out, "--help")


def compare(input_path, expected_path, label, update):
    label = label or os.path.basename(input_path)
    code, out, err = run(["--json", "--label", label, input_path])
    if code not in (0, 1):
        print(f"FAIL: tlsdiag-report exited {code}: {err}")
        return 1
    if update:
        with open(expected_path, "wb") as f:
            f.write(out)
        print(f"wrote {expected_path}")
        return 0
    with open(expected_path, encoding="utf-8") as f:
        want = json.load(f)
    got = json.loads(out)
    # The version that wrote the report is not part of what it found.
    want.pop("generator", None)
    got.pop("generator", None)
    if got == want:
        print(f"ok: {input_path} matches {expected_path}")
        return 0
    diff = difflib.unified_diff(json.dumps(want, indent=1, sort_keys=True).splitlines(),
                                json.dumps(got, indent=1, sort_keys=True).splitlines(),
                                "expected", "got", lineterm="")
    print("FAIL: report differs from expectation\n" + "\n".join(diff))
    return 1


def main():
    global REPORT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--report", required=True, help="the tlsdiag-report binary")
    ap.add_argument("--only", action="append", help="run only this test (repeatable)")
    ap.add_argument("--compare", nargs=2, metavar=("INPUT", "EXPECTED"))
    ap.add_argument("--label", help="capture label for --compare (default: INPUT's file name)")
    ap.add_argument("--update", action="store_true", help="with --compare: write EXPECTED")
    ap.add_argument("--update-docs", action="store_true",
                    help="write the report's tshark command into the README, postproc/README.md "
                         "and the man page")
    args = ap.parse_args()
    REPORT = os.path.abspath(args.report)
    if args.update_docs:
        return update_docs(run(["--print-tshark-args"])[1].decode().split())
    if args.compare:
        return compare(args.compare[0], args.compare[1], args.label, args.update)
    names = args.only or list(TESTS)
    failed = 0
    for name in names:
        if name not in TESTS:
            print(f"no such test: {name}")
            return 2
        with tempfile.TemporaryDirectory(prefix="tlsdiag-report-") as tmp:
            try:
                TESTS[name](tmp)
                print(f"ok   {name}")
            except Failure as e:
                failed += 1
                print(f"FAIL {name}: {e}")
    print(f"{len(names) - failed} of {len(names)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
