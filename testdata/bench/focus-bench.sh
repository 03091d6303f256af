#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# focus-bench.sh: what the tlsdiag plugin costs tshark on QUIC-heavy or
# certificate-heavy input (issue 20): CPU time (user + system) and peak
# memory with and without the plugin, and the callgrind instruction ratio
# with start-up taken off both sides. bench.sh measures the mixed TCP capture.
#
# Usage: testdata/bench/focus-bench.sh quic|cert [BUILD_DIR]
#   BUILD_DIR default <repo>/build (a Release build is the fair one).
# Environment (all optional):
#   WORK=/tmp/tlsdiag-focus-bench  inputs (cached per mode and copies), homes,
#                                  raw results
#   COPIES       copies of the lab flows (default: enough for MIN_PACKETS)
#   MIN_PACKETS=300000
#   RUNS=5       rounds; each round runs both variants once (hyperfine)
#   CALLGRIND=1  instruction counts (valgrind)
#   SLICE=20000  packets of the input run under callgrind (0: all of it;
#                callgrind runs tshark about 50 times slower)
#   RESULTS=<repo>/testdata/bench/RESULTS-focus.md  its "quic" or "cert"
#                section is replaced (RESULTS.md is bench.sh's, written whole)
# Needs the same packages as bench.sh (common.sh checks them).
#
# The inputs, from the lab's own captures in testdata/captures, read by
# tcprewrite (keys dropped: as most captures come), each copy with its own
# client /31 (tcprewrite --pnat 10.213.0.2/31 -> 10.64.0.0/10) and 10 s
# later than the one before (editcap -t), merged by mergecap:
#  quic  the QUIC flows: a greased version then v1 with a Retry, a refusal
#        at the Initial level, Initials dropped and the TCP fallback. Filter
#        -Y quic. Wireshark knows QUIC connections by connection ID, and the
#        copies carry the same IDs (rewriting them would break the Initial
#        protection, which is keyed by the client's first ID): most of the
#        copies' packets join earlier copies' connections (3 copies: 7
#        connections, not 3 x 5), so the engine sees few QUIC connections
#        and the per-frame cost (the bulk) is what this measures; bytes per
#        QUIC connection (over the connections Wireshark counts) are an
#        upper bound, printed with that caveat.
#  cert  TLS 1.2 flows whose server Certificate is in plaintext: the
#        certificate refusals (expired, wrong name, unknown CA, ...), pool
#        pinning, completed handshakes, client refusals, resumption across
#        servers, mTLS. Filter -Y tls. 14 distinct certificate chains
#        (counted again and printed): the plugin caches a parsed chain, so
#        after the first copy every Certificate costs the lookup, the
#        designed per-connection cost, not a parse.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mode=${1:-}
case $mode in
quic)
    flows=(quic-clean quic-refused-initial quic-udp-dropped-fallback)
    filter=quic
    ;;
cert)
    flows=(cert-refused-tls12 cert-pool-pinning ok-close-notify-tls12 ok-http200-tls12
        ok-http403-tls12 client-rejects-cert-tls12 rst-after-complete-tls12
        server-fin-after-flight-tls12 server-reset-after-flight-tls12
        mtls-403-close-tls12-nokeys resume-other-server-tls12-ticket)
    filter=tls
    ;;
*)
    echo "usage: ${0##*/} quic|cert [BUILD_DIR]" >&2
    exit 2
    ;;
esac
build=$(cd "${2:-$repo/build}" 2>/dev/null && pwd) || {
    echo "${0##*/}: build directory ${2:-$repo/build} not found: build the project first" >&2
    exit 2
}
captures=$repo/testdata/captures
WORK=${WORK:-/tmp/tlsdiag-focus-bench}
MIN_PACKETS=${MIN_PACKETS:-300000}
RUNS=${RUNS:-5}
CALLGRIND=${CALLGRIND:-1}
SLICE=${SLICE:-20000}
RESULTS=${RESULTS:-$here/RESULTS-focus.md}
TSHARK=${TSHARK:-$(command -v tshark || true)}
plugin_so=$build/plugins/4.0/epan/tlsdiag.so

# shellcheck source=testdata/bench/common.sh
. "$here/common.sh"
need_bench_tools
abi=$(basename "$(dirname "$(dirname "$plugin_so")")")

umask 022
mkdir -p "$WORK/$mode"
chmod 755 "$WORK" "$WORK/$mode"

# ---- the input -------------------------------------------------------------------

# One copy: every flow, pcap, without keys, merged.
tdir=$WORK/$mode
if [ ! -s "$tdir/template.pcap" ]; then
    list=()
    for name in "${flows[@]}"; do
        tcprewrite -i "$captures/$name.pcapng" -o "$tdir/$name.pcap"
        list+=("$tdir/$name.pcap")
    done
    mergecap -F pcap -w "$tdir/template.pcap" "${list[@]}"
    rm -f "${list[@]}"
fi
per_copy=$(capinfos -c -M -T -r "$tdir/template.pcap" | awk -F'\t' '{print $2}')
COPIES=${COPIES:-$(((MIN_PACKETS + per_copy - 1) / per_copy))}
input=$tdir/input-$COPIES.pcap
if [ ! -s "$input" ]; then
    log "building $input: $COPIES copies of ${flows[*]}"
    rm -rf "$tdir/copies"
    mkdir "$tdir/copies"
    for ((i = 0; i < COPIES; i++)); do
        n=$((2 * i))
        echo "$i 10.$((64 + (n >> 16))).$(((n >> 8) & 255)).$((n & 255)) $((10 * i))"
    done >"$tdir/copies.txt"
    # shellcheck disable=SC2016
    xargs -P "$(nproc)" -L 1 bash -c '
        tcprewrite --pnat=10.213.0.2/31:"$2"/31 -i "$0/template.pcap" -o "$0/copies/$1.tmp.pcap" &&
        editcap -t "$3" "$0/copies/$1.tmp.pcap" "$0/copies/$1.pcap" && rm -f "$0/copies/$1.tmp.pcap"
    ' "$tdir" <"$tdir/copies.txt"
    list=()
    for ((i = 0; i < COPIES; i++)); do list+=("$tdir/copies/$i.pcap"); done
    merge_many "$input.tmp" "${list[@]}"
    mv "$input.tmp" "$input"
    rm -rf "$tdir/copies"
fi
editcap -r "$input" "$tdir/one.pcap" 1
slice=$input
if [ "$SLICE" -gt 0 ]; then
    slice=$tdir/slice.pcap
    editcap -r "$input" "$slice" "1-$SLICE"
fi
chmod a+r "$tdir"/*.pcap

prepare_homes
check_homes

packets=$(capinfos -c -M -T -r "$input" | awk -F'\t' '{print $2}')
chains=$(eval "$(ts "$home_none" -r "$tdir/template.pcap" -Y tls.handshake.certificate -T fields -e tls.handshake.certificate)" | sort -u | grep -c . || true)
streams=$(eval "$(ts "$home_none" -r "$input" -Y tcp -T fields -e tcp.stream)" | sort -un | grep -c . || true)
quic_conns=$(eval "$(ts "$home_none" -r "$input" -Y quic -T fields -e quic.connection.number)" | tr ',' '\n' | sort -un | grep -c . || true)
log "input: $packets packets, $COPIES copies, $streams TCP streams, $quic_conns QUIC connections, $chains certificate chains per copy"
cat "$input" >/dev/null # page cache: both variants read from memory

bench "$mode" "$RUNS" \
    "none=$(ts "$home_none" -n -r "$input" -Y "$filter" -q)" \
    "plugin=$(ts "$home_plugin" -n -r "$input" -Y "$filter" -q)"

# Instructions of the whole run and of the start-up run, per side:
# none_all,none_one,plugin_all,plugin_one (empty without callgrind).
instr_counts=,,,
if [ "$CALLGRIND" = 1 ]; then
    instr_counts=
    for side in none plugin; do
        home=$home_none
        [ $side = plugin ] && home=$home_plugin
        callgrind "cg_${side}_all" "$home" -n -r "$slice" -Y "$filter" -q
        callgrind "cg_${side}_one" "$home" -n -r "$tdir/one.pcap" -Y "$filter" -q
        for part in all one; do
            instr_counts+=$(awk '$1 == "summary:" || $1 == "totals:" { print $2; exit }' "$res/cg_${side}_$part.cg"),
        done
    done
    instr_counts=${instr_counts%,}
fi

# ---- the table -------------------------------------------------------------------

python3 - "$res" "$RESULTS" "$mode" <<EOF_PY
import os, re, statistics, sys

res, results, mode = sys.argv[1:4]

def time_records(name):
    """(CPU s, peak RSS KiB) of every run, in order: round r is record r."""
    with open(os.path.join(res, name + ".time"), encoding="utf-8") as f:
        text = f.read()
    user = [float(x) for x in re.findall(r"User time \(seconds\): ([0-9.]+)", text)]
    system = [float(x) for x in re.findall(r"System time \(seconds\): ([0-9.]+)", text)]
    rss = [int(x) for x in re.findall(r"Maximum resident set size \(kbytes\): (\d+)", text)]
    return [u + s for u, s in zip(user, system)], rss

cpu_none, rss_none = time_records("none")
cpu_with, rss_with = time_records("plugin")
cpu_ratio = statistics.median(w / n for w, n in zip(cpu_with, cpu_none))
rn, rw = statistics.median(rss_none), statistics.median(rss_with)
added = (rw - rn) * 1024
counts = dict(zip(("cg_none_all", "cg_none_one", "cg_plugin_all", "cg_plugin_one"),
                  (int(x) if x else None for x in "$instr_counts".split(","))))
instr = None
if None not in counts.values():
    instr = ((counts["cg_plugin_all"] - counts["cg_plugin_one"])
             / (counts["cg_none_all"] - counts["cg_none_one"]))

def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)

def verdict(x, limit):
    return "n/a" if x is None else ("PASS" if x <= limit else "MISS")

quic_conns, streams = int("$quic_conns"), int("$streams")
title = {"quic": "QUIC-heavy input", "cert": "certificate-heavy input"}[mode]
lines = [
    f"<!-- focus:{mode} -->",
    f"## {title}: \`tshark -n -r INPUT -Y $filter -q\`",
    "",
    f"- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)); "
    f"$("$TSHARK" --version 2>/dev/null | head -1)",
    f"- Plugin: $plugin_so (CMAKE_BUILD_TYPE '$(sed -n 's/^CMAKE_BUILD_TYPE:[^=]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)', "
    f"git $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'))",
    f"- Input: $COPIES copies of ${flows[*]} ($per_copy packets per copy), each with its own "
    f"client address and 10 s after the one before: {int('$packets'):,} packets, {streams:,} TCP streams, "
    f"{quic_conns:,} QUIC connections as Wireshark counts them, $chains distinct certificate chains.",
]
if mode == "quic":
    lines.append("- The copies share their QUIC connection IDs, so Wireshark joins most of their "
                 "packets to earlier copies' connections: it counts far fewer QUIC connections "
                 "than the copies hold (the count above), the per-frame cost is what this "
                 "measures, and bytes per QUIC connection divide by that small count: an upper "
                 "bound on the cost per connection.")
else:
    lines.append("- The plugin caches parsed certificate chains; with few distinct chains this "
                 "measures the designed per-connection cost (a cache lookup), not one parse per "
                 "connection.")
lines += [
    f"- $RUNS rounds, each running both variants once (hyperfine --runs 1); CPU = user + system "
    "from /usr/bin/time -v, ratio = median of the per-round ratios; peak RSS = median. "
    f"Instructions: callgrind on the first {int('$(capinfos -c -M -T -r "$slice" | awk -F'	' '{print $2}')'):,} "
    "packets of the input, minus a run on its first packet (start-up), on each side.",
    "",
    "| Measure | without | with | ratio | target | result |",
    "|---|---:|---:|---:|---:|---|",
    f"| CPU s (median) | {statistics.median(cpu_none):.2f} | {statistics.median(cpu_with):.2f} "
    f"| {cpu_ratio:.3f} | <= 1.10 | {verdict(cpu_ratio, 1.10)} |",
    f"| instructions, start-up off | {fmt(counts['cg_none_all'] and counts['cg_none_all'] - counts['cg_none_one'], ',')} "
    f"| {fmt(counts['cg_plugin_all'] and counts['cg_plugin_all'] - counts['cg_plugin_one'], ',')} "
    f"| {fmt(instr, '.4f')} | <= 1.10 | {verdict(instr, 1.10)} |",
    f"| peak RSS MiB | {rn / 1024:.1f} | {rw / 1024:.1f} | {rw / rn:.3f} | | |",
    "",
]
if mode == "quic":
    per = f"{added / quic_conns:,.0f} B" if quic_conns else "n/a"
    lines.append(f"Added memory: {added / 1048576:.1f} MiB, {per} per QUIC connection "
                 f"({quic_conns:,} connections; see the caveat above).")
else:
    per = f"{added / streams:,.0f} B" if streams else "n/a"
    lines.append(f"Added memory: {added / 1048576:.1f} MiB, {per} per TCP stream "
                 f"({streams:,} streams; target <= 64 B).")
lines += [f"<!-- /focus:{mode} -->", ""]
section = "\n".join(lines)
print(section)

old = open(results, encoding="utf-8").read() if os.path.exists(results) else \
    "# tlsdiag focus benchmarks\n\nWritten by testdata/bench/focus-bench.sh quic|cert.\n\n"
pattern = re.compile(rf"<!-- focus:{mode} -->.*?<!-- /focus:{mode} -->\n", re.S)
new = pattern.sub(lambda _: section, old) if pattern.search(old) else old + section + "\n"
with open(results, "w", encoding="utf-8") as f:
    f.write(new)
EOF_PY
log "wrote the $mode section of $RESULTS (raw results in $res)"
