#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench.sh: what the tlsdiag plugin costs tshark on large captures, measured
# side by side in one run and printed as ratios (issue 8).
#
# Usage (from anywhere, as root or as a normal user):
#   testdata/bench/bench.sh [BUILD_DIR]        default BUILD_DIR: <repo>/build
# Best with a Release build:
#   cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release && cmake --build build-release -j2
#   testdata/bench/bench.sh build-release
#
# Environment (all optional):
#   WORK=/tmp/tlsdiag-bench  generated captures (cached: reruns reuse them),
#                            homes, raw results. About 0.4 GB per 1x of input.
#   RUNS=3                   hyperfine rounds for the 1x measurements
#   SCALE_RUNS=2             hyperfine rounds for the 2x and 4x inputs
#   SCALES="1 2 4"           input sizes for the scaling rows
#   MIN_PACKETS=1000000 MIN_CONNECTIONS=100000   size of the 1x input
#   CALLGRIND=1              instruction counts with valgrind --tool=callgrind
#   SLICE=50000              packets of the slice run under callgrind
#   RESULTS=<repo>/testdata/bench/RESULTS.md     where the table goes
#   INPUT_ONLY=1             build (or check) the cached inputs and stop
#   LOAD_NOTE="..."          what else ran on the machine, for the table's header
#
# The QUIC-heavy and certificate-heavy inputs: testdata/bench/focus-bench.sh.
#
# Needs (Debian 12 package): tshark, editcap, mergecap, capinfos (tshark,
# wireshark-common), tcprewrite (tcpreplay), hyperfine (hyperfine),
# /usr/bin/time (time), python3, setpriv (util-linux); valgrind (valgrind) for
# instruction counts, optional. It installs nothing: it lists what is missing.
#
# What it does:
#  1. Builds a large capture from the lab's own flows (testdata/captures):
#     every capture is read by tcprewrite (libpcap reads the pcapng, skips the
#     Decryption Secrets Block and writes pcap: keys are dropped, which is
#     fine here, undecrypted TLS still exercises the plugin). A block of 1024
#     flow slots, about 96% completed handshakes (ok-*, mTLS, plain and
#     mid-stream TCP) and 4% failures (rst-*, fallback-*, client-*, server-*,
#     lossy-*), each slot with its own client /31 (tcprewrite --pnat) and
#     start time 5 ms after the previous one (editcap -t). Copies of the block
#     get new client networks (--pnat 10.0.0.0/21 -> next /21) and follow
#     each other in time; mergecap joins them. 1x holds at least MIN_PACKETS
#     packets and MIN_CONNECTIONS ClientHellos; 2x and 4x have 2 and 4 times
#     the blocks.
#  2. Runs tshark as the same unprivileged user for every variant (as root:
#     setpriv to nobody; a personal plugin is ignored for root), HOME set to
#     a directory with the plugin or to an empty one, so both sides differ
#     only in the plugin. The build's tlsdiag-tshark wrapper is not used: it
#     copies the input file on every run.
#     The report pipeline is measured twice: tshark -T fields into a file,
#     and the one command tlsdiag-report CAPTURE (it runs tshark itself,
#     two-pass), each against tshark -Y tls -T fields without the plugin
#     (for the one command: with -n -2 as well).
#  3. Times each group with hyperfine (RUNS rounds; each round is one
#     hyperfine call over all variants of the group, so the variants
#     alternate and load from other processes hits them alike), records
#     peak RSS of every run with /usr/bin/time -v, and counts instructions
#     on a SLICE-packet slice with callgrind (the stable measure on a busy
#     machine).
#  4. Prints a markdown table of ratios with PASS/MISS against the targets
#     and writes it, with the machine, tshark version and commands, to
#     RESULTS.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$repo/build}" 2>/dev/null && pwd) || {
    echo "bench.sh: build directory ${1:-$repo/build} not found: build the project first" >&2
    exit 2
}
captures=$repo/testdata/captures
WORK=${WORK:-/tmp/tlsdiag-bench}
RUNS=${RUNS:-3}
SCALE_RUNS=${SCALE_RUNS:-2}
SCALES=${SCALES:-"1 2 4"}
MIN_PACKETS=${MIN_PACKETS:-1000000}
MIN_CONNECTIONS=${MIN_CONNECTIONS:-100000}
CALLGRIND=${CALLGRIND:-1}
SLICE=${SLICE:-50000}
RESULTS=${RESULTS:-$here/RESULTS.md}
TSHARK=${TSHARK:-$(command -v tshark || true)}

plugin_so=$build/plugins/4.0/epan/tlsdiag.so
report_bin=$build/postproc/tlsdiag-report

# shellcheck source=testdata/bench/common.sh
. "$here/common.sh"

# ---- what is needed ----------------------------------------------------------

need_bench_tools
abi=$(basename "$(dirname "$(dirname "$plugin_so")")")

umask 022
mkdir -p "$WORK"
chmod 755 "$WORK"

# ---- 1. the input --------------------------------------------------------------

# Flow mix of one block. A name twice counts twice. Failures fill every 25th
# slot (41 of 1024 slots: 4%); the completed flows fill the rest.
ok_flows=(
    ok-close-notify-tls12 ok-close-notify-tls13 ok-http200-tls12 ok-http200-tls13
    ok-http403-tls12 ok-http403-tls13
    ok-close-notify-tls12 ok-close-notify-tls13 ok-http200-tls12 ok-http200-tls13
    ok-http403-tls12 ok-http403-tls13
    ok-http200-tls13 ok-http200-tls13 ok-close-notify-tls13 ok-http200-tls12
    mtls-200-close no-mtls-403-close mtls-403-keepalive
    rst-after-complete-tls12 rst-after-complete-tls13
    plain-http midstream-start midstream-reset
)
fail_flows=(
    rst-after-clienthello-tls12 rst-after-clienthello-tls13
    rst-after-clienthello-tls12 rst-after-clienthello-tls13
    fallback-chain-12-11-10 fallback-12-to-11-scsv fallback-13-to-12-scsv
    fallback-accepted fallback-after-client-fin retry-same-version
    client-fin-after-serverhello-tls12 client-fin-after-serverhello-tls13
    client-rejects-cert-tls12 client-rejects-cert-tls13
    server-no-shared-cipher-tls12 server-no-shared-cipher-tls13 server-protocol-version
    server-reset-after-flight-tls12 server-reset-after-flight-tls13
    server-fin-after-flight-tls12 server-fin-after-flight-tls13
    lossy-clienthello-then-reset-tls12 lossy-clienthello-then-reset-tls13
    mtls13-cert-rejected-nokeys mtls13-no-client-cert-nokeys
)
SLOTS=1024          # flows per block; client /31s fill 10.0.0.0/21
SLOT_GAP=0.005      # seconds between flow starts
T0=1700000000       # every flow of block 0 starts at T0 + slot * SLOT_GAP
mix_id="v1 slots=$SLOTS gap=$SLOT_GAP ok=${ok_flows[*]} fail=${fail_flows[*]}"

make_block0() {
    local k tdir=$WORK/templates sdir=$WORK/slots
    rm -rf "$tdir" "$sdir"
    mkdir -p "$tdir" "$sdir"
    local name start
    for name in $(printf '%s\n' "${ok_flows[@]}" "${fail_flows[@]}" | sort -u); do
        [ -r "$captures/$name.pcapng" ] || { echo "bench.sh: $captures/$name.pcapng missing" >&2; exit 2; }
        # libpcap reads the pcapng even with its DSB first; output is pcap.
        tcprewrite -i "$captures/$name.pcapng" -o "$tdir/$name.raw.pcap"
        start=$(capinfos -a -S -T -r "$tdir/$name.raw.pcap" | awk -F'\t' '{print $2}')
        editcap -t "$(python3 -c "print(f'{$T0 - $start:.6f}')")" "$tdir/$name.raw.pcap" "$tdir/$name.pcap"
        rm -f "$tdir/$name.raw.pcap"
    done
    # One line per slot: template, client /31, time shift.
    python3 - "$SLOTS" "$SLOT_GAP" "${#ok_flows[@]}" "${ok_flows[@]}" "${fail_flows[@]}" >"$WORK/slots.txt" <<'EOF'
import sys
slots, gap, n_ok = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
ok, fail = sys.argv[4:4 + n_ok], sys.argv[4 + n_ok:]
n_fail = 0
for i in range(slots):
    if i % 25 == 12:
        name = fail[n_fail % len(fail)]
        n_fail += 1
    else:
        name = ok[i % len(ok)]
    host = 2 * i
    print(f"{i} {name} 10.0.{host >> 8}.{host & 255} {i * gap:.6f}")
EOF
    # shellcheck disable=SC2016
    xargs -P "$(nproc)" -L 1 bash -c '
        tcprewrite --pnat=10.213.0.2/31:"$3"/31 -i "$0/templates/$2.pcap" -o "$0/slots/$1.tmp.pcap" &&
        editcap -t "$4" "$0/slots/$1.tmp.pcap" "$0/slots/$1.pcap" && rm -f "$0/slots/$1.tmp.pcap"
    ' "$WORK" <"$WORK/slots.txt"
    local list=()
    for ((k = 0; k < SLOTS; k++)); do list+=("$sdir/$k.pcap"); done
    merge_many "$WORK/block0.pcap" "${list[@]}"
    rm -rf "$sdir"
}

block_stats() { # packets, tcp streams, ClientHellos, flagged frames of block 0
    local packets streams hellos
    packets=$(capinfos -c -M -T -r "$WORK/block0.pcap" | awk -F'\t' '{print $2}')
    streams=$("$TSHARK" -r "$WORK/block0.pcap" -T fields -e tcp.stream 2>/dev/null | sort -un | wc -l)
    hellos=$("$TSHARK" -r "$WORK/block0.pcap" -Y 'tls.handshake.type == 1' 2>/dev/null | wc -l)
    echo "$packets $streams $hellos"
}

# Block K: block 0 with client network 10.0.0.0/21 moved to the K-th /21 of
# 10.0.0.0/8 and times moved on by K block lengths.
make_block() {
    local k=$1 net=$(($1 * 2048))
    local out=$WORK/blocks/b$k.pcap
    [ -s "$out" ] && return 0
    if [ "$k" -eq 0 ]; then
        cp "$WORK/block0.pcap" "$out"
    else
        tcprewrite --pnat="10.0.0.0/21:10.$((net >> 16)).$(((net >> 8) & 255)).0/21" \
            -i "$WORK/block0.pcap" -o "$out.tmp"
        editcap -t "$(python3 -c "print(f'{$k * $SLOTS * $SLOT_GAP:.6f}')")" "$out.tmp" "$out"
        rm -f "$out.tmp"
    fi
}

prepare_input() {
    if [ ! -s "$WORK/block0.pcap" ] || [ "$(cat "$WORK/mix_id" 2>/dev/null)" != "$mix_id" ]; then
        log "building block 0 ($SLOTS flows) from $captures"
        rm -rf "$WORK/blocks" "$WORK"/big-*.pcap "$WORK"/slice.pcap "$WORK/block_stats"
        make_block0
        block_stats >"$WORK/block_stats"
        printf '%s' "$mix_id" >"$WORK/mix_id"
    fi
    read -r block_packets block_streams block_hellos <"$WORK/block_stats"
    local by_packets=$(((MIN_PACKETS + block_packets - 1) / block_packets))
    local by_hellos=$(((MIN_CONNECTIONS + block_hellos - 1) / block_hellos))
    blocks_1x=$((by_packets > by_hellos ? by_packets : by_hellos))
    mkdir -p "$WORK/blocks"
    local scale n k list
    for scale in $SCALES; do
        n=$((blocks_1x * scale))
        if [ -s "$WORK/big-${scale}x.pcap" ] && [ "$(cat "$WORK/big-${scale}x.blocks" 2>/dev/null)" = "$n" ]; then
            continue
        fi
        log "building big-${scale}x.pcap: $n blocks"
        for ((k = 0; k < n; k++)); do
            make_block "$k"
        done
        list=()
        for ((k = 0; k < n; k++)); do list+=("$WORK/blocks/b$k.pcap"); done
        merge_many "$WORK/big-${scale}x.pcap.tmp" "${list[@]}"
        mv "$WORK/big-${scale}x.pcap.tmp" "$WORK/big-${scale}x.pcap"
        echo "$n" >"$WORK/big-${scale}x.blocks"
    done
    if [ ! -s "$WORK/slice.pcap" ]; then
        editcap -r "$WORK/big-1x.pcap" "$WORK/slice.pcap" "1-$SLICE"
    fi
    chmod a+r "$WORK"/*.pcap
}

# ---- 2. running tshark alike with and without the plugin ----------------------

# The report's fields, minus any this build does not register.
report_fields() {
    local want=(frame.number frame.time_epoch tcp.stream
        tlsdiag.flag tlsdiag.side tlsdiag.close tlsdiag.stage
        tlsdiag.version tlsdiag.alert tlsdiag.client tlsdiag.server tlsdiag.sni
        tlsdiag.client_hello tlsdiag.elapsed tlsdiag.retransmissions
        tlsdiag.fallback.previous tlsdiag.fallback.failure tlsdiag.fallback.from
        tlsdiag.fallback.to tlsdiag.fallback.scsv tlsdiag.fallback.attempt tlsdiag.http403)
    local known f
    known=$(eval "$(ts "$home_plugin" -G fields)" | awk -F'\t' '{print $3}')
    for f in "${want[@]}"; do
        if grep -qxF "$f" <<<"$known"; then printf -- '-e %s ' "$f"; fi
    done
}

# ---- 3. the measurements --------------------------------------------------------

prepare_input
if [ "${INPUT_ONLY:-0}" = 1 ]; then
    ls -l "$WORK"/*.pcap
    exit 0
fi
prepare_homes
check_homes
big=$WORK/big-1x.pcap
fields=$(report_fields)

# The one-command report: tlsdiag-report runs tshark itself, as the same
# user with the same HOME as the plugin variants (exit status 1 = flagged
# flows found). Its own copy, so that nobody can run it. It runs tshark with
# -n -2 (its --print-tshark-args), so its baseline, report_none, is the
# same two-pass tshark -T fields run without the plugin.
report_cmd=
if [ -x "$report_bin" ]; then
    mkdir -p "$WORK/bin"
    cp "$report_bin" "$WORK/bin/tlsdiag-report"
    chmod 755 "$WORK/bin" "$WORK/bin/tlsdiag-report"
    report_cmd="$(printf '%q ' "${runas[@]}" env -i HOME="$home_plugin" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 \
        "$WORK/bin/tlsdiag-report" --tshark="$TSHARK" -j 1 --quiet "$big") || test \$? -eq 1"
fi

log "input: $(capinfos -c -M -T -r "$big" | awk -F'\t' '{print $2}') packets in $blocks_1x blocks of $SLOTS flows"
cat "$WORK"/big-*.pcap >/dev/null # page cache: every variant reads from memory

# shellcheck disable=SC2086
{
bench tls "$RUNS" \
    "tls_none=$(ts "$home_none" -r "$big" -Y tls -q)" \
    "tls_disabled=$(ts "$home_plugin" -r "$big" -Y tls -q --disable-protocol tlsdiag)" \
    "tls_plugin=$(ts "$home_plugin" -r "$big" -Y tls -q)"
bench tls2 "$RUNS" \
    "tls2_none=$(ts "$home_none" -r "$big" -2 -Y tls -q)" \
    "tls2_disabled=$(ts "$home_plugin" -r "$big" -2 -Y tls -q --disable-protocol tlsdiag)" \
    "tls2_plugin=$(ts "$home_plugin" -r "$big" -2 -Y tls -q)"
bench fields "$RUNS" \
    "fields_none=$(ts "$home_none" -r "$big" -Y tls -T fields -e tls.handshake.type) >$out/fields-none.tsv" \
    "fields_plugin=$(ts "$home_plugin" -r "$big" -Y tlsdiag -T fields -E header=y -E separator=/t -E occurrence=f $fields) >$out/fields.tsv" \
    ${report_cmd:+"report_none=$(ts "$home_none" -r "$big" -n -2 -Y tls -T fields -e tls.handshake.type) >$out/report-none.tsv"} \
    ${report_cmd:+"report_capture=$report_cmd"}
bench plain "$RUNS" \
    "q_none=$(ts "$home_none" -r "$big" -q)" \
    "q_plugin=$(ts "$home_plugin" -r "$big" -q)" \
    "w_none=$(ts "$home_none" -r "$big" -w "$out/w-none.pcap")" \
    "w_plugin=$(ts "$home_plugin" -r "$big" -w "$out/w-plugin.pcap")"
}
rm -f "$out"/w-*.pcap
cp "$out/fields.tsv" "$res/fields.tsv"

if [ -x "$report_bin" ]; then
    # exit status as grep: 1 means flagged flows were found
    bench report "$RUNS" "report=$report_bin --text $res/fields.tsv >/dev/null || test \$? -eq 1"
fi

for scale in $SCALES; do
    [ "$scale" = 1 ] && continue
    f=$WORK/big-${scale}x.pcap
    bench "scale$scale" "$SCALE_RUNS" \
        "tls_none_${scale}x=$(ts "$home_none" -r "$f" -Y tls -q)" \
        "tls_plugin_${scale}x=$(ts "$home_plugin" -r "$f" -Y tls -q)"
done

if [ "$CALLGRIND" = 1 ]; then
    s=$WORK/slice.pcap
    # shellcheck disable=SC2086
    {
    callgrind cg_tls_none "$home_none" -r "$s" -Y tls -q
    callgrind cg_tls_plugin "$home_plugin" -r "$s" -Y tls -q
    callgrind cg_tls2_none "$home_none" -r "$s" -2 -Y tls -q
    callgrind cg_tls2_plugin "$home_plugin" -r "$s" -2 -Y tls -q
    callgrind cg_fields_none "$home_none" -r "$s" -Y tls -T fields -e tls.handshake.type
    callgrind cg_fields_plugin "$home_plugin" -r "$s" -Y tlsdiag -T fields -E header=y -E separator=/t -E occurrence=f $fields
    callgrind cg_q_none "$home_none" -r "$s" -q
    callgrind cg_q_plugin "$home_plugin" -r "$s" -q
    }
    slice_streams=$(eval "$(ts "$home_none" -r "$s" -T fields -e tcp.stream)" | sort -un | wc -l)
else
    slice_streams=0
fi

# ---- 4. the table ------------------------------------------------------------------

flagged_frames=$(awk -F'\t' 'NR > 1 && $0 != ""' "$res/fields.tsv" | wc -l)
cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
mem=$(free -g | awk '/^Mem:/{print $2 " GiB"}')

{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine=$(nproc) CPUs ($cpu), $mem RAM, $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')"
    echo "tshark=$("$TSHARK" --version | head -1)"
    echo "plugin=$plugin_so ($(sed -n 's/^CMAKE_BUILD_TYPE:[^=]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true) build, git $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'))"
    echo "blocks_1x=$blocks_1x"
    echo "slots=$SLOTS"
    echo "block_packets=$block_packets"
    echo "block_streams=$block_streams"
    echo "block_hellos=$block_hellos"
    echo "scales=$SCALES"
    echo "runs=$RUNS"
    echo "scale_runs=$SCALE_RUNS"
    echo "flagged_frames=$flagged_frames"
    echo "slice=$SLICE"
    echo "slice_streams=$slice_streams"
    echo "report=$([ -x "$report_bin" ] && echo 1 || echo 0)"
    echo "callgrind=$CALLGRIND"
    echo "load_note=${LOAD_NOTE:-}"
    if [ -x "$report_bin" ]; then
        echo "report_tshark_args=$("$report_bin" --print-tshark-args)"
    fi
    echo "cmd_tls_none=$(ts "\$HOME_EMPTY" -r BIG -Y tls -q)"
    echo "cmd_tls_plugin=$(ts "\$HOME_PLUGIN" -r BIG -Y tls -q)"
    # shellcheck disable=SC2086
    echo "cmd_fields_plugin=$(ts "\$HOME_PLUGIN" -r BIG -Y tlsdiag -T fields -E header=y -E separator=/t -E occurrence=f $fields)"
} >"$res/meta.txt"

python3 "$here/tabulate.py" "$res" "$RESULTS"
log "wrote $RESULTS (raw results in $res)"
