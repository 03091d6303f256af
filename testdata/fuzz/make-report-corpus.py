#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpus of the report's fuzz harness (fuzz_report.c).

  make-report-corpus.py [DIR]     (default: report-corpus beside this script)

Seeds are seed-*.txt: the report tests' fixture as tshark -T fields and -T ek
(with -e, and a full dissection) output, and the shapes the tests break it
into, small enough for -max_len=65536. found-* files are libFuzzer finds and
are left alone.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "postproc", "tests"))
import run_tests as rt  # noqa: E402


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "report-corpus")
    os.makedirs(out, exist_ok=True)
    lines = rt.read_lines()
    good = lines[2].split("\t")
    seeds = {
        "fields": rt.lines_to_bytes(lines),
        "fields-crlf": ("\r\n".join(lines) + "\r\n").encode(),
        "fields-two-runs": rt.lines_to_bytes(lines + lines),
        "fields-slim": rt.lines_to_bytes(["\t".join(l.split("\t")[j] for j in (0, 2, 3))
                                          for l in lines]),
        "fields-header-only": rt.lines_to_bytes(lines[:1]),
        "fields-cut": rt.lines_to_bytes(lines[:-1]) + lines[-1][:40].encode(),
        "fields-malformed": rt.lines_to_bytes(lines[:3] + [
            "only\ttwo",
            "\t".join(good[:7] + ["0xzz"] + good[8:]),
            "\t".join(good[:2] + ["1,2"] + good[3:]),
            "\t".join(good[:9] + ["[2001:db8::1]:99999"] + good[10:]),
            "\t".join(good[:1] + ["1725905756.123456789123"] + good[2:]),
            "\t".join(good[:19] + ["True"] + good[20:]),
        ] + lines[3:]),
        "ek": rt.lines_to_bytes(rt.to_ek(lines)),
        "ek-full": rt.lines_to_bytes(rt.to_ek(lines, rt.ek_line_full)),
        "ek-cut": rt.lines_to_bytes(rt.to_ek(lines)[:-1]) + rt.to_ek(lines)[-1][:-7].encode(),
        "empty": b"",
        "ek-deep": rt.lines_to_bytes(rt.to_ek(lines)[:2] + ['{"layers":' + "[" * 70 + "]" * 70 + "}"]),
        "ek-escapes": rt.lines_to_bytes(rt.to_ek(lines)[:4] + [
            '{"layers":{"frame_number":["7"],"tcp_stream":["1"],"tlsdiag_flag":'
            '["handshake_aborted"],"tlsdiag_sni":["a\\u0000b\\u00e9\\u001b\\n"]}}',
            '{"layers":{"frame_number":["7"],"tcp_stream":["1"],"tlsdiag_flag":'
            '["handshake_aborted"],"tlsdiag_sni":["\\ud800"]}}',
            '{"layers":{"frame_number":[8],"tcp_stream":[2.5],"tlsdiag_flag":[true]}}',
        ]),
        # Issue 17: the certificate columns, as fields and as ek.
        "fields-certificates": rt.lines_to_bytes(rt.read_lines(rt.CERTS)),
        "ek-certificates": rt.lines_to_bytes(rt.to_ek(rt.read_lines(rt.CERTS))),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, f"seed-{name}.txt"), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {out}")


if __name__ == "__main__":
    main()
