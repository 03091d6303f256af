#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tlsdiag-report on captures: it runs the real tshark with the built plugin.

  captures.py --report BIN --plugin-dir DIR --tlsdiag-tshark WRAPPER
              --captures testdata/captures [--only NAME]

Every result is compared with what the documented pipeline gives (the build's
tlsdiag-tshark with the options --print-tshark-args prints, piped into the
report), so the tests hold whatever the plugin flags. Exit 77: skipped.
"""

import argparse
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ARGS = None
TESTS = {}
SKIP = 77
CHAIN = "fallback-chain-12-11-10.pcapng"
CLEAN = "ok-http200-tls13.pcapng"
# Mutual TLS 1.3, the server rejects the client's certificate: only the keys
# show the CertificateRequest, so without them the plugin stays silent.
KEYED = "mtls13-cert-rejected.pcapng"


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def test(fn):
    TESTS[fn.__name__] = fn
    return fn


def check(cond, what):
    if not cond:
        raise Failure(what)


def env(**changes):
    e = dict(os.environ, LC_ALL="C", TZ="UTC")
    # The sanitizer build's tests name the runtimes that a tshark loading
    # its plugin needs first; tshark runs here below the report (or GNU
    # parallel), so they are preloaded for all of these commands.
    if e.get("TLSDIAG_TSHARK_PRELOAD"):
        e["LD_PRELOAD"] = e["TLSDIAG_TSHARK_PRELOAD"]
    for key, value in changes.items():
        if value is None:
            e.pop(key, None)
        else:
            e[key] = value
    return e


def run(cmd, environ=None, stdin=None, cwd=None):
    p = subprocess.run(cmd, capture_output=True, timeout=600, env=environ or env(), input=stdin,
                       cwd=cwd)
    err = p.stderr.decode("utf-8", "replace")
    for sign in ("Sanitizer", "runtime error:", "Segmentation"):
        check(sign not in err, f"{cmd[0]}: crash or sanitizer report: {err[-3000:]}")
    return p.returncode, p.stdout, err


def report(args, environ=None, cwd=None):
    return run([ARGS.report, "--plugin-dir", ARGS.plugin_dir] + args, environ, cwd=cwd)


def report_json(args, want=(0, 1)):
    code, out, err = report(["--json"] + args)
    check(code in want, f"exit {code}, want {want}: {err}")
    return json.loads(out)


def capture(name):
    return os.path.join(ARGS.captures, name)


def pipeline_json(path, label, tmp, extra=()):
    """The documented pipeline over one capture: tshark output into the report."""
    code, tshark_args, err = run([ARGS.report, "--print-tshark-args"])
    check(code == 0, f"--print-tshark-args: {err}")
    code, out, err = run([ARGS.tlsdiag_tshark, "-r", path, *extra,
                          *tshark_args.decode().split()])
    check(code == 0, f"tshark on {path}: {err}")
    tsv = os.path.join(tmp, os.path.basename(label) + ".tsv")
    with open(tsv, "wb") as f:
        f.write(out)
    code, out, err = run([ARGS.report, "--json", "--label", label, tsv])
    check(code in (0, 1), f"report of the pipeline: {err}")
    return json.loads(out)


def merged_pipeline_json(captures, tmp):
    reports = []
    for i, path in enumerate(captures):
        doc = pipeline_json(path, path, tmp)
        reports.append(os.path.join(tmp, f"part{i}.json"))
        with open(reports[-1], "w") as f:
            json.dump(doc, f)
    code, out, err = run([ARGS.report, "--merge", "--json", *reports])
    check(code in (0, 1), f"--merge: {err}")
    return json.loads(out)


def same_report(got, want, what):
    for key in want:
        check(got.get(key) == want[key], f"{what}: '{key}' differs:\n got  {got.get(key)}\n"
              f" want {want[key]}")


@test
def one_capture(tmp):
    path = capture(CHAIN)
    got = report_json([path])
    same_report(got, pipeline_json(path, path, tmp), "one capture vs the tshark pipeline")
    check(got["summary"]["flagged_flows"] > 0, "the fallback chain has flagged flows")
    code, out, err = report([path])
    check(code == 1 and err == "" and b"Look here first" in out, f"text: exit {code}, {err}")


def folder_of_captures(tmp):
    """A folder with a subfolder, a gzip'd capture and files that are no capture."""
    names = [CHAIN, "retry-same-version.pcapng", "rst-after-clienthello-tls12.pcapng",
             "handshake-stalled-capture-end.pcapng", CLEAN]
    folder = os.path.join(tmp, "captures")
    os.makedirs(os.path.join(folder, "more"))
    paths = []
    for i, name in enumerate(names):
        target = os.path.join(folder, "more" if i % 2 else "", name)
        if i == 2:
            target += ".gz"
            with open(capture(name), "rb") as src, gzip.open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            shutil.copy(capture(name), target)
        paths.append(target)
    shutil.copy(capture(CHAIN.replace(".pcapng", ".expect")), folder)
    with open(os.path.join(folder, "notes.txt"), "w") as f:
        f.write("not a capture\n")
    return folder, sorted(paths)


@test
def folder_jobs(tmp):
    folder, paths = folder_of_captures(tmp)
    code, out, err = report(["--json", "-j", "2", folder])
    check(code == 1, f"exit {code}: {err}")
    check(err == "", f"no progress or message on a stderr that is no terminal: {err!r}")
    got = json.loads(out)
    check(got["input"]["captures"] == paths, f"captures found: {got['input']['captures']}")
    same_report(got, report_json(["-j", "1", folder]), "-j 2 vs -j 1")
    same_report(got, merged_pipeline_json(paths, tmp), "-j 2 vs per-capture pipelines merged")


@test
def clean_capture(tmp):
    code, out, err = report([capture(CLEAN)])
    check(code == 0 and err == "", f"a clean capture: exit {code}, want 0: {err}")
    check(b"no flagged TLS handshakes" in out, f"text: {out[:300]!r}")


@test
def decode_as(tmp):
    """-d and -o go to tshark: TLS on port 8080 is seen only with -d."""
    path = capture("nonstandard-port-alert.pcapng")
    code, _, err = report(["-q", path])
    check(code == 0, f"without -d, exit {code}, want 0: {err}")
    got = report_json(["-d", "tcp.port==8080,tls", "-o", "tlsdiag.stall_timeout:10", path])
    check(got["summary"]["by_flag"] == {"handshake_alert": 1}, f"with -d: {got['summary']}")
    code, _, err = report(["-o", "tlsdiag.no_such_preference:1", path])
    check(code == 2 and "no_such_preference" in err, f"a bad -o: exit {code}: {err}")
    code, _, err = report(["-d", "nonsense", path])
    check(code == 2 and err.count("\n") < 30, f"a bad -d: exit {code}, a short message: {err}")


@test
def truncated_capture(tmp):
    with open(capture(CHAIN), "rb") as f:
        data = f.read()
    path = os.path.join(tmp, "cut.pcapng")
    with open(path, "wb") as f:
        f.write(data[: len(data) * 2 // 3])
    code, _, err = report([path])
    check(code == 2, f"exit {code}, want 2")
    check(f"{path}: error: tshark failed" in err and "cut short" in err,
          f"the capture and tshark's message named: {err}")
    # the other captures are still reported
    code, out, err = report(["--json", path, capture(CHAIN)])
    check(code == 2 and json.loads(out)["summary"]["flagged_flows"] > 0, f"others: {err}")


@test
def missing_tshark(tmp):
    path = capture(CLEAN)
    cases = [
        (["--tshark", "/nonexistent/tshark"], env(), "--tshark /nonexistent/tshark: cannot run"),
        ([], env(TSHARK="/nonexistent/tshark"), "TSHARK /nonexistent/tshark: cannot run"),
        ([], env(TSHARK=None, PATH="/nonexistent"), "tshark not found on PATH"),
    ]
    for args, environ, msg in cases:
        code, out, err = report(args + [path], environ)
        check(code == 2 and msg in err, f"{args}: exit {code}, want 2 and {msg!r}: {err}")
        check(out == b"", f"no report after tshark could not run: {out[:200]!r}")
    code, _, err = run([ARGS.report, path])
    if code == 2:
        check("plugin is not loaded" in err and path in err, f"without the plugin: {err}")


def split_secrets(path, tmp):
    """The capture without its Decryption Secrets Block, and the key log it held."""
    with open(path, "rb") as f:
        data = f.read()
    order = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    kept, keys, i = [], b"", 0
    while i + 12 <= len(data):
        kind, length = struct.unpack(order + "II", data[i:i + 8])
        if kind == 10:
            size = struct.unpack(order + "I", data[i + 12:i + 16])[0]
            keys += data[i + 16:i + 16 + size]
        else:
            kept.append(data[i:i + length])
        i += length
    check(keys, f"{path} holds no key log")
    stripped, keylog = os.path.join(tmp, "nokeys.pcapng"), os.path.join(tmp, "keys.log")
    with open(stripped, "wb") as f:
        f.write(b"".join(kept))
    with open(keylog, "wb") as f:
        f.write(keys)
    return stripped, keylog


def flows(path):
    """The flows of the report on one capture, without its label."""
    found = report_json([path])["flows"]
    for flow in found:
        flow.pop("capture")
    return found


def big_endian_pcap(path, target):
    """The same pcap written by a big-endian machine: every header field swapped."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"), f"{path}: a little-endian pcap")
    out = [struct.pack(">IHHiIII", *struct.unpack("<IHHiIII", data[:24]))]
    i = 24
    while i + 16 <= len(data):
        seconds, fraction, captured, length = struct.unpack("<IIII", data[i:i + 16])
        out.append(struct.pack(">IIII", seconds, fraction, captured, length))
        out.append(data[i + 16:i + 16 + captured])
        i += 16 + captured
    with open(target, "wb") as f:
        f.write(b"".join(out))


@test
def capture_formats(tmp):
    """Captures are told by content: pcap of either byte order and resolution, gzip'd or not;
    tshark output named like a capture is read as tshark output."""
    stripped, _ = split_secrets(capture(CHAIN), tmp)
    variants = {}
    for name, form in (("micro.pcap", "pcap"), ("nano.pcap", "nsecpcap")):
        variants[name] = os.path.join(tmp, name)
        # Wireshark's own tools hang under a preloaded sanitizer runtime; editcap is not ours.
        code, _, err = run(["editcap", "-F", form, stripped, variants[name]],
                           env(LD_PRELOAD=None))
        check(code == 0, f"editcap -F {form}: {err}")
    for name in ("micro.pcap", "nano.pcap"):
        variants["big-endian-" + name] = os.path.join(tmp, "big-endian-" + name)
        big_endian_pcap(variants[name], variants["big-endian-" + name])
    variants["gzipped.pcap.gz"] = os.path.join(tmp, "gzipped.pcap.gz")
    with open(variants["micro.pcap"], "rb") as src, gzip.open(variants["gzipped.pcap.gz"],
                                                             "wb") as dst:
        shutil.copyfileobj(src, dst)
    with open(variants["micro.pcap"], "rb") as src, open(variants["big-endian-micro.pcap"],
                                                         "rb") as big:
        check(src.read()[:4] != big.read()[:4], "the byte orders differ")
    want = flows(stripped)
    # microseconds round the times: those variants are compared among themselves
    micro = flows(variants["micro.pcap"])
    check([f["pattern"] for f in micro] == [f["pattern"] for f in want], f"micro.pcap: {micro}")
    for name, path in variants.items():
        got = flows(path)
        expected = micro if "micro" in name or "gzip" in name else want
        check(got == expected, f"{name}: other flows:\n got  {got}\n want {expected}")
    code, tshark_args, _ = run([ARGS.report, "--print-tshark-args"])
    code, out, err = run([ARGS.tlsdiag_tshark, "-r", stripped, *tshark_args.decode().split()])
    named_like_a_capture = os.path.join(tmp, "output.pcapng")
    with open(named_like_a_capture, "wb") as f:
        f.write(out)
    code, out, err = run([ARGS.report, "--json", "--tshark", "/nonexistent", named_like_a_capture])
    check(code == 1 and json.loads(out)["summary"]["flagged_flows"] == len(want),
          f"tshark output named .pcapng: exit {code}: {err}")


@test
def keylog(tmp):
    stripped, keys = split_secrets(capture(KEYED), tmp)
    without = report_json([stripped])
    with_keys = report_json(["-k", keys, stripped])
    same_report(with_keys, pipeline_json(stripped, stripped, tmp,
                                         ["-o", f"tls.keylog_file:{keys}"]), "-k vs tshark -o")
    check(with_keys["summary"]["by_flag"] != without["summary"]["by_flag"],
          f"the keys change what is flagged: {without['summary']['by_flag']}")
    check("client_cert_rejected" in with_keys["summary"]["by_flag"],
          f"with keys: {with_keys['summary']['by_flag']}")
    code, _, err = report(["-k", os.path.join(tmp, "missing.log"), stripped])
    check(code == 2 and "missing.log" in err, f"a missing key log: {err}")


@test
def gnu_parallel(tmp):
    """The fan-out of the README: a --json report per capture with GNU parallel, merged."""
    parallel = shutil.which("parallel")
    if not parallel:
        raise Skip("GNU parallel is not installed (Debian package parallel)")
    folder, paths = folder_of_captures(tmp)
    out_dir = os.path.join(tmp, "reports")
    os.mkdir(out_dir)
    code, _, err = run([parallel, "--will-cite", "-j", "2",
                        f"{ARGS.report} --json --plugin-dir {ARGS.plugin_dir} {{}} > "
                        f"{out_dir}/{{#}}.json; test $? -le 1", ":::", *paths])
    check(code == 0, f"parallel: exit {code}: {err}")
    parts = sorted(os.path.join(out_dir, name) for name in os.listdir(out_dir))
    code, out, err = run([ARGS.report, "--merge", "--json", *parts])
    check(code == 1, f"--merge: exit {code}: {err}")
    same_report(json.loads(out), report_json(["-j", "2", folder]), "parallel + --merge vs -j 2")


@test
def lua_tap(tmp):
    """docs/lua/failures-per-server.lua counts what tshark -T fields shows."""
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))), "docs", "lua", "failures-per-server.lua")
    readable = os.path.join(tmp, "lua")
    os.mkdir(readable)
    shutil.copy(script, readable)
    os.chmod(tmp, 0o755)
    os.chmod(readable, 0o755)
    path = capture(CHAIN)
    code, out, err = run([ARGS.tlsdiag_tshark, "-r", path, "-2", "-q", "-X",
                          f"lua_script:{os.path.join(readable, os.path.basename(script))}"])
    check(code == 0, f"tshark with the Lua tap: {err}")
    got = {}
    for line in out.decode().splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[2].isdigit():
            got[(fields[0], fields[1])] = int(fields[2])
    code, out, err = run([ARGS.tlsdiag_tshark, "-r", path, "-2", "-Y", "tlsdiag.flag", "-T",
                          "fields", "-e", "tlsdiag.server", "-e", "tlsdiag.flag"])
    check(code == 0, f"tshark -T fields: {err}")
    want = {}
    for line in out.decode().splitlines():
        server, flag = line.split("\t")
        want[(server, flag)] = want.get((server, flag), 0) + 1
    check(want and got == want, f"Lua tap counts {got}, tshark -T fields {want}")


def truths(name):
    """The lab's truth lines of a capture's .expect: {frame: {key: value}}."""
    found = {}
    with open(capture(name.replace(".pcapng", ".expect")), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#! truth:"):
                pairs = dict(p.split("=", 1) for p in line.split(":", 1)[1].split())
                found[int(pairs["frame"])] = pairs
    return found


@test
def certificates(tmp):
    """Issue 17: the certificates the lab's PKI issued, as the report tells them."""
    name = "cert-refused-tls12.pcapng"
    path = capture(name)
    got = report_json([path])
    same_report(got, pipeline_json(path, path, tmp), "report vs the tshark pipeline")
    events = {ev["frame"]: ev for f in got["flows"] for ev in f["events"]}
    want = truths(name)
    check(want, "truth lines")
    for frame, truth in want.items():
        cert = events.get(frame, {}).get("certificate", {})
        check(cert.get("problem") == truth["cert.problem"], f"frame {frame}: {cert}, {truth}")
    hints = {h["id"]: " ".join(h["text"].split()) for h in got["look_here_first"]}
    mismatches = sum(t["cert.problem"] == "name_mismatch" for t in want.values())
    check(f"{mismatches} of {len(want)} rejected connections got a certificate for "
          "shop.example.test while asking for www.example.test"
          in hints.get("certificate_name_mismatch", ""), f"{hints}")
    check("without the intermediate CA" in hints.get("certificate_incomplete_chain", ""),
          f"{hints}")
    code, out, err = report(["--csv", path])
    check(code == 1 and out.count(b",name_mismatch,CN=shop.example.test,shop.example.test,") ==
          mismatches, f"CSV: exit {code}, {err}")
    # Pinning: the failing connection's key, as the lab's truth names it.
    name = "cert-pool-pinning.pcapng"
    (frame, truth), = truths(name).items()
    code, out, err = report([capture(name)])
    check(code == 1 and f"server key sha256//{truth['cert.spki_sha256']}".encode() in out,
          f"pin in the flow table: exit {code}, {err}")


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", required=True)
    parser.add_argument("--plugin-dir", required=True)
    parser.add_argument("--tlsdiag-tshark", required=True)
    parser.add_argument("--captures", required=True)
    parser.add_argument("--only", choices=sorted(TESTS))
    ARGS = parser.parse_args()
    ARGS.report = os.path.abspath(ARGS.report)
    status = 0
    for name in [ARGS.only] if ARGS.only else TESTS:
        with tempfile.TemporaryDirectory(prefix="tlsdiag-captures-") as tmp:
            try:
                TESTS[name](tmp)
                print(f"PASS {name}")
            except Skip as e:
                print(f"SKIP {name}: {e}")
                status = status or (SKIP if ARGS.only else 0)
            except Failure as e:
                print(f"FAIL {name}: {e}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
