#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tabulate.py RESULTS_DIR RESULTS_MD: the ratio table of bench.sh.

Reads what bench.sh left in RESULTS_DIR (hyperfine JSON per group and round,
/usr/bin/time -v output per variant, callgrind output files, meta.txt),
prints a markdown report and writes it to RESULTS_MD.
"""

import glob
import json
import os
import re
import statistics
import sys

res, out_path = sys.argv[1], sys.argv[2]

meta = {}
with open(os.path.join(res, "meta.txt"), encoding="utf-8") as f:
    for line in f:
        key, _, value = line.rstrip("\n").partition("=")
        meta[key] = value

# name -> list of (round id, wall s, cpu s)
runs = {}
for path in sorted(glob.glob(os.path.join(res, "*.json"))):
    group_round = os.path.basename(path)[: -len(".json")]
    with open(path, encoding="utf-8") as f:
        for r in json.load(f)["results"]:
            runs.setdefault(r["command"], []).append(
                (group_round, r["mean"], r["user"] + r["system"]))


def wall(name):
    return statistics.median(t for _, t, _ in runs[name]) if name in runs else None


def cpu(name):
    return statistics.median(c for _, _, c in runs[name]) if name in runs else None


def paired_ratio(a, b, index):
    """Median over rounds of a/b, a and b measured in the same hyperfine call."""
    if a not in runs or b not in runs:
        return None
    rb = {g: x for g, *x in runs[b]}
    ratios = [x[index - 1] / rb[g][index - 1] for g, *x in runs[a] if g in rb]
    if ratios:
        return statistics.median(ratios)
    return (wall(a) / wall(b)) if index == 1 else (cpu(a) / cpu(b))


def rss_kb(name):
    path = os.path.join(res, name + ".time")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        values = [int(m.group(1)) for m in
                  re.finditer(r"Maximum resident set size \(kbytes\): (\d+)", f.read())]
    return statistics.median(values) if values else None


def instructions(name):
    path = os.path.join(res, name + ".cg")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    return None


def instr_ratio(a, b, dissecting):
    """Instruction ratio on the slice. For dissecting runs the instructions of
    plain -q without the plugin (start-up, reading the file) are taken off
    both sides first: what is left scales with the packets, as in a big file."""
    ia, ib = instructions("cg_" + a), instructions("cg_" + b)
    if not ia or not ib:
        return None
    base = instructions("cg_q_none") if dissecting else 0
    if base is None or ib - base <= 0:
        return None
    return (ia - base) / (ib - base)


def instr_per_packet(a, b):
    ia, ib = instructions("cg_" + a), instructions("cg_" + b)
    return (ia - ib) / int(meta["slice"]) if ia and ib else None


def verdict(value, limit):
    if value is None:
        return "n/a"
    return "PASS" if value <= limit else "MISS"


def fmt(x, spec=".3f", unit=""):
    return "n/a" if x is None else f"{x:{spec}}{unit}"


blocks = int(meta["blocks_1x"])
block_packets = int(meta["block_packets"])
block_streams = int(meta["block_streams"])
block_hellos = int(meta["block_hellos"])
flagged = int(meta["flagged_frames"])
scales = [int(s) for s in meta["scales"].split()]

lines = []
p = lines.append
p("# tlsdiag benchmark: tshark with vs without the plugin")
p("")
p(f"- Date: {meta['date']}")
p(f"- Machine: {meta['machine']} ({meta.get('load_note') or 'whether other work ran at the same time is not recorded: wall-clock ratios may be noisy, instruction counts are not'})")
p(f"- {meta['tshark']}")
p(f"- Plugin: {meta['plugin']}")
p(f"- Input 1x: {blocks} blocks x {meta['slots']} flows = {blocks * block_packets:,} packets, "
  f"{blocks * block_streams:,} TCP streams, {blocks * block_hellos:,} ClientHellos, "
  f"{flagged:,} frames flagged (single pass); built from testdata/captures "
  f"(about 4% failed handshakes). 2x, 4x: twice and four times the blocks.")
p(f"- Timing: hyperfine, {meta['runs']} rounds at 1x and {meta['scale_runs']} at 2x/4x; "
  "each round runs every variant of a group once, so ratios are paired per round "
  "(median of the per-round ratios). CPU = user + system. Peak RSS: /usr/bin/time -v, "
  "median over runs.")
if meta.get("callgrind") == "1":
    p(f"- Instructions: valgrind --tool=callgrind on the first {int(meta['slice']):,} packets "
      f"({int(meta['slice_streams']):,} TCP streams) of the 1x input; whole tshark process.")
p("- Both sides run as the same user with the same tshark: HOME with the plugin in "
  "~/.local/lib/wireshark/plugins, or an empty HOME (\"without\"); \"disabled\" = plugin "
  "loaded, `--disable-protocol tlsdiag`.")
p("")

# ---- time ratios -------------------------------------------------------------
rows = [
    ("`-Y tls -q`", "tls_plugin", "tls_none", 1.10),
    ("`-Y tls -q`, plugin vs disabled", "tls_plugin", "tls_disabled", 1.10),
    ("`-Y tls -q`, disabled vs without", "tls_disabled", "tls_none", 1.02),
    ("`-2 -Y tls -q`", "tls2_plugin", "tls2_none", 1.10),
    ("`-2 -Y tls -q`, plugin vs disabled", "tls2_plugin", "tls2_disabled", 1.10),
    ("report pipeline (`-Y tlsdiag -T fields ...` vs `-Y tls -T fields -e tls.handshake.type`)",
     "fields_plugin", "fields_none", 1.10),
    ("report pipeline, one command (`tlsdiag-report CAPTURE`, runs tshark -n -2 itself) vs "
     "`-n -2 -Y tls -T fields -e tls.handshake.type`", "report_capture", "report_none", 1.10),
    ("plain `-q` (no dissection)", "q_plugin", "q_none", 1.02),
    ("plain `-w OUT` (no dissection)", "w_plugin", "w_none", 1.02),
]
p("## Time: with / without the plugin (1x input)")
p("")
p("| Run | without: wall s | with: wall s | wall ratio | CPU ratio | instr. ratio (slice) "
  "| instr./packet added | target | wall | CPU | instr. |")
p("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|")
for label, a, b, limit in rows:
    rw = paired_ratio(a, b, 1)
    rc = paired_ratio(a, b, 2)
    ri = ipp = None
    if "disabled" not in a + b:
        ri = instr_ratio(a, b, not a.startswith(("q_", "w_")))
        ipp = instr_per_packet(a, b)
    p(f"| {label} | {fmt(wall(b), '.2f')} | {fmt(wall(a), '.2f')} | {fmt(rw)} | {fmt(rc)} "
      f"| {fmt(ri, '.4f')} | {fmt(ipp, ',.0f')} | <= {limit:.2f} | {verdict(rw, limit)} "
      f"| {verdict(rc, limit)} | {verdict(ri, limit)} |")
p("")
p("Wall and CPU ratios: whole runs on the 1x input. Instruction ratios: the slice under "
  "callgrind; for dissecting runs with the instructions of plain `-q` without the plugin "
  "(start-up and reading) taken off both sides, so they stand for a large file; "
  "instr./packet added = (with - without) / packets of the slice.")
p("")

# ---- report share -------------------------------------------------------------
if meta.get("report") == "1" and "report" in runs:
    share = wall("report") / wall("fields_plugin")
    p(f"tlsdiag-report over the saved fields output ({flagged:,} rows): {wall('report'):.3f} s "
      f"= **{share * 100:.2f}%** of the tshark run that fed it ({wall('fields_plugin'):.2f} s); "
      f"target <= 5%: **{verdict(share, 0.05)}**")
else:
    p("tlsdiag-report: not built (no BUILD/postproc/tlsdiag-report): not measured")
p("")

# ---- memory -------------------------------------------------------------------
p("## Peak memory (`-Y tls -q`)")
p("")
p("| Input | TCP streams | flagged frames | without: RSS MiB | with: RSS MiB | ratio "
  "| with - without | per TCP stream | target | result |")
p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
deltas = {}
for s in scales:
    a, b = ("tls_plugin", "tls_none") if s == 1 else (f"tls_plugin_{s}x", f"tls_none_{s}x")
    ra, rb = rss_kb(a), rss_kb(b)
    streams = s * blocks * block_streams
    frames = s * flagged
    if ra is None or rb is None:
        continue
    delta = (ra - rb) * 1024
    deltas[s] = (delta, streams, frames)
    per = delta / streams
    p(f"| {s}x | {streams:,} | {frames:,} | {rb / 1024:.1f} | {ra / 1024:.1f} | {ra / rb:.3f} "
      f"| {delta / 1048576:.1f} MiB | {per:.0f} B | <= 64 B | {verdict(per, 64)} |")
if 1 in deltas and len(deltas) > 1:
    top = max(deltas)
    d1, s1, f1 = deltas[1]
    dn, sn, fn = deltas[top]
    slope = (dn - d1) / (sn - s1)
    p("")
    p(f"Marginal cost from 1x to {top}x (removes the fixed cost of loading the plugin): "
      f"{slope:.0f} B per added TCP stream, the flagged frames' reports included.")
p("")

# ---- scaling -------------------------------------------------------------------
if len(scales) > 1:
    p("## Scaling (`-Y tls -q`): growth against the 1x input")
    p("")
    p("| Input | packets | without: CPU s | with: CPU s | with/without (CPU) | CPU growth "
      "without | CPU growth with | wall growth with | RSS growth without | RSS growth with "
      "| target | result |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    base_c = {"with": cpu("tls_plugin"), "without": cpu("tls_none")}
    base_w = {"with": wall("tls_plugin"), "without": wall("tls_none")}
    base_r = {"with": rss_kb("tls_plugin"), "without": rss_kb("tls_none")}
    for s in scales:
        a, b = ("tls_plugin", "tls_none") if s == 1 else (f"tls_plugin_{s}x", f"tls_none_{s}x")
        if wall(a) is None or wall(b) is None:
            continue
        tg_w, tg_n = cpu(a) / base_c["with"], cpu(b) / base_c["without"]
        wg_w = wall(a) / base_w["with"]
        rg_w, rg_n = rss_kb(a) / base_r["with"], rss_kb(b) / base_r["without"]
        limit = 1.05 * s
        worst = max(tg_w, rg_w)
        p(f"| {s}x | {s * blocks * block_packets:,} | {cpu(b):.2f} | {cpu(a):.2f} "
          f"| {paired_ratio(a, b, 2):.3f} | {tg_n:.2f}x | {tg_w:.2f}x | {wg_w:.2f}x | {rg_n:.2f}x "
          f"| {rg_w:.2f}x | <= {limit:.1f}x | {verdict(worst, limit) if s > 1 else '-'} |")
    p("")
    p("Growth is judged on CPU time (user + system) and peak RSS with the plugin: on a shared "
      "machine wall-clock time follows the other load more than the input.")
    p("")

# ---- raw numbers ------------------------------------------------------------------
p("## All variants")
p("")
p("| Variant | rounds | wall s (median) | CPU s (median) | peak RSS MiB | instructions (slice) |")
p("|---|---:|---:|---:|---:|---:|")
for name in sorted(runs):
    r = rss_kb(name)
    i = instructions("cg_" + name)
    p(f"| {name} | {len(runs[name])} | {wall(name):.3f} | {cpu(name):.3f} "
      f"| {fmt(r / 1024 if r else None, '.1f')} | {fmt(i, ',')} |")
p("")
p("## Commands")
p("")
p("As root every tshark runs as nobody; HOME_PLUGIN holds the plugin, HOME_EMPTY nothing:")
p("")
p("```")
for key in ("cmd_tls_none", "cmd_tls_plugin", "cmd_fields_plugin"):
    p(meta[key].replace("\\$", "$").rstrip())
p("```")
p("")
p("The other variants add `-2`, `--disable-protocol tlsdiag`, drop `-Y tls` (plain `-q`), "
  "or replace `-q` with `-w OUT`. The baseline of the report pipeline is "
  "`tshark -r BIG -Y tls -T fields -e tls.handshake.type` without the plugin; "
  "`tlsdiag-report --tshark=TSHARK -j 1 --quiet BIG` runs as the same user with HOME_PLUGIN, "
  "against `tshark -r BIG -n -2 -Y tls -T fields -e tls.handshake.type` without the plugin"
  + (f" (its tshark options: `{meta['report_tshark_args']}`). " if meta.get("report_tshark_args")
     else ". ") +
  "Instruction counts: the same commands under `valgrind --tool=callgrind` on the slice. "
  "Everything: testdata/bench/bench.sh. The QUIC-heavy and certificate-heavy inputs: "
  "testdata/bench/focus-bench.sh quic|cert, results in testdata/bench/RESULTS-focus.md.")

text = "\n".join(lines) + "\n"
sys.stdout.write(text)

# The profile write-ups below this line are people's, not the run's: a new
# table replaces the one above it and keeps them.
KEEP = "<!-- written by hand below: tabulate.py keeps it -->"
if os.path.exists(out_path):
    with open(out_path, encoding="utf-8") as f:
        old = f.read()
    if KEEP in old:
        text += "\n" + old[old.index(KEEP):]
with open(out_path, "w", encoding="utf-8") as f:
    f.write(text)
