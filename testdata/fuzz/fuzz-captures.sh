#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fuzz-captures.sh: corrupt real captures and run tshark with the tlsdiag
# plugin, built with AddressSanitizer and UndefinedBehaviorSanitizer, over
# each corrupted copy. tlsdiag runs inside the user's Wireshark on captures
# from hostile networks: whatever the bytes, it must not crash it.
#
# Usage:
#   testdata/fuzz/fuzz-captures.sh [options]         run a bounded campaign
#   testdata/fuzz/fuzz-captures.sh --replay FILE     run one input again
#
# Options:
#   --tshark PATH    tlsdiag-tshark of a build made with -DTLSDIAG_SANITIZE=ON
#                    (default: $TLSDIAG_TSHARK, else build-sanitize/tlsdiag-tshark
#                    of the repository)
#   --cases N        number of cases (default 200; CI's bounded run)
#   --seed S         reproducible campaign (default: from the clock, printed)
#   --jobs J         cases run in parallel (default 1)
#   --results DIR    where findings and the log go (default: fuzz-results)
#   --case K         run only case K of the campaign given by --seed
#   --from K         start at case K (resume a campaign: cases K..N-1)
#   --shared DIR     public captures (default: ../shared/captures beside the
#                    repository, skipped when absent)
#   --timeout SEC    a tshark run taking longer is a finding (hang) (default 180)
#   --keep           keep every mutant, not only those of findings
#   --allow-tshark-findings  exit 0 when every finding is tshark's own
#
# A case takes one capture (round-robin over the lab captures
# testdata/captures/*.pcapng and every shared capture), applies a chain of one
# to three corruptions chosen by the seed (testdata/fuzz/mutate_capture.py:
# editcap -E at rates 0.001/0.01/0.05, editcap -s truncation, frames
# shuffled/swapped/reversed/duplicated/dropped, timestamps zeroed, maxed or
# sent backwards, payload bytes set to boundary values, one frame cut, the file
# cut at a random byte) and runs tshark on it single-pass and two-pass (-2),
# with the capture's keys and tshark options from its .expect file; every
# eighth case also runs -2 -V (every tree item and expert text) with an odd
# tlsdiag.fallback_window.
#
# A run is a finding when tshark dies of a signal (exit >= 124: 124 is the
# timeout), or prints AddressSanitizer / UndefinedBehaviorSanitizer /
# "runtime error:" / an assertion / "Dissector bug". tshark refusing a
# damaged file (exit 2, "appears to be damaged or corrupt") is not a finding.
# A finding is attributed by running the same input with
# --disable-protocol tlsdiag: when tshark fails that way too, it is tshark's
# (results/findings/tshark/), else ours (results/findings/tlsdiag/). Each
# finding directory holds the input, its keys, the tshark arguments, the
# sanitizer output and how the input was made; replay it with
#   fuzz-captures.sh --replay results/findings/tlsdiag/case-S-K/input.pcapng
#
# Output: one line per case in results/log.tsv, findings as they come, and at
# the end "N passed, M failed (tlsdiag: X, tshark: Y)", M counting the cases
# with any finding. Exit status: 0 when no case failed, 1 when some did
# (with --allow-tshark-findings: when some failed because of tlsdiag),
# 2 on a usage or setup problem.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
mutate="$here/mutate_capture.py"

die() { echo "fuzz-captures: $*" >&2; exit 2; }

tshark="${TLSDIAG_TSHARK:-$repo/build-sanitize/tlsdiag-tshark}"
cases=200
seed=""
jobs=1
results="fuzz-results"
only_case=""
from_case=0
shared="$repo/../shared/captures"
run_timeout=180
keep=0
allow_tshark=0
replay=""
internal_case=""

while [ $# -gt 0 ]; do
    case "$1" in
        --tshark) tshark="$2"; shift 2 ;;
        --cases) cases="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --results) results="$2"; shift 2 ;;
        --case) only_case="$2"; shift 2 ;;
        --from) from_case="$2"; shift 2 ;;
        --shared) shared="$2"; shift 2 ;;
        --timeout) run_timeout="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --allow-tshark-findings) allow_tshark=1; shift ;;
        --replay) replay="$2"; shift 2 ;;
        --internal-case) internal_case="$2"; shift 2 ;;
        -h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

[ -x "$tshark" ] || die "$tshark is missing: build with cmake -S . -B build-sanitize -DTLSDIAG_SANITIZE=ON, or pass --tshark"
case "$cases$jobs$run_timeout$from_case" in *[!0-9]*) die "--cases, --jobs and --timeout take numbers" ;; esac
[ -n "$seed" ] || seed=$(( $(date +%s) % 1000000 ))
case "$seed" in *[!0-9]*|"") die "--seed takes a number" ;; esac

# The sanitizer runtime must be loaded before tshark when the plugin uses it;
# only for tshark (editcap hangs at start with libasan preloaded), which
# tlsdiag-tshark does with TLSDIAG_TSHARK_PRELOAD.
plugin=$(sed -n 's/^plugin="\(.*\)"$/\1/p' "$tshark")
preload="${TLSDIAG_TSHARK_PRELOAD:-${LD_PRELOAD:-}}"
if [ -z "$preload" ] && [ -n "$plugin" ] && [ -r "$plugin" ]; then
    if readelf -d "$plugin" 2>/dev/null | grep -q 'libasan'; then
        preload="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
    elif [ -z "$internal_case" ]; then
        echo "fuzz-captures: warning: $plugin is not built with -DTLSDIAG_SANITIZE=ON: only crashes and hangs will be seen" >&2
    fi
fi
# tshark itself does not free everything at exit: leaks are not judged here.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LC_ALL=C
# A DISSECTOR_ASSERT (ours or another dissector's) aborts instead of becoming
# a "[Dissector bug]" tree item that only -V would show.
export WIRESHARK_ABORT_ON_DISSECTOR_BUG=1

# --- the captures and what each needs (keys, decode-as) ----------------------

# Prints the capture list, one path a line, in a stable order.
list_captures() {
    ls "$repo"/testdata/captures/*.pcapng 2>/dev/null | LC_ALL=C sort
    if [ -d "$shared" ]; then
        find "$shared" -type f -name '*.pcap*' | LC_ALL=C sort
    fi
}

# The .expect file describing a capture, if any.
expect_of() {
    local capture="$1" rel
    case "$capture" in
        "$repo"/testdata/captures/*) printf '%s\n' "${capture%.pcapng}.expect" ;;
        "$shared"/*) rel=${capture#"$shared"/}; printf '%s\n' "$repo/testdata/shared/$rel.expect" ;;
    esac
}

# Fills the array extra_args with the capture's tshark options and sets
# keylog to its key log file ("" without).
capture_settings() {
    local capture="$1" expect line
    extra_args=()
    keylog=""
    expect=$(expect_of "$capture")
    [ -n "$expect" ] && [ -r "$expect" ] || return 0
    while IFS= read -r line; do
        case "$line" in
            "#! tshark-args:"*) read -r -a more <<<"${line#*:}"; extra_args+=("${more[@]}") ;;
            "#! keylog:"*) line=${line#*:}; line=${line# }; keylog="$(dirname "$capture")/$line" ;;
        esac
    done <"$expect"
    [ -z "$keylog" ] || [ -r "$keylog" ] || keylog=""
}

# --- running tshark and judging a run ----------------------------------------

fields=(-T fields -e frame.number -e tlsdiag.flag -e tlsdiag.stage -e tlsdiag.sni
        -e tlsdiag.ended_by -e tlsdiag.fallback.origin -e tlsdiag.fallback.retry)

# run_tshark OUTDIR TAG INPUT ARGS...: runs tshark, leaves TAG.rc, TAG.err,
# TAG.out (last lines) in OUTDIR; returns 0 when the run is fine, 1 when it
# is a finding.
run_tshark() {
    local outdir="$1" tag="$2" input="$3" rc
    shift 3
    timeout -k 10 "$run_timeout" env TLSDIAG_TSHARK_PRELOAD="$preload" "$tshark" -r "$input" -n "$@" \
        >"$outdir/$tag.out.full" 2>"$outdir/$tag.err"
    rc=$?
    echo "$rc" >"$outdir/$tag.rc"
    # "Dissector bug" only shows in -V output; keep the lines that matter.
    grep -a -m 20 -E 'Dissector bug|AddressSanitizer|runtime error' "$outdir/$tag.out.full" >"$outdir/$tag.out"
    tail -n 20 "$outdir/$tag.out.full" >>"$outdir/$tag.out"
    rm -f "$outdir/$tag.out.full"
    judge "$rc" "$outdir/$tag.err" "$outdir/$tag.out"
}

judge() {
    local rc="$1" err="$2" out="$3"
    [ "$rc" -ge 124 ] && return 1
    grep -a -q -E 'AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|runtime error:|Assertion|assertion failed|\*\*: ERROR|:ERROR:|ws_assert|DISSECTOR_ASSERT' "$err" && return 1
    grep -a -q -E 'Dissector bug' "$err" "$out" && return 1
    return 0
}

# run_modes OUTDIR INPUT FULL ARGS...: single pass, two passes, and with
# FULL=1 two passes with the whole tree. Sets failed_modes.
run_modes() {
    local outdir="$1" input="$2" full="$3"
    shift 3
    failed_modes=""
    run_tshark "$outdir" single "$input" "$@" -Y tlsdiag "${fields[@]}" || failed_modes+=" single"
    run_tshark "$outdir" two-pass "$input" "$@" -2 -Y tlsdiag "${fields[@]}" || failed_modes+=" two-pass"
    if [ "$full" = 1 ]; then
        run_tshark "$outdir" verbose "$input" "$@" -2 -V || failed_modes+=" verbose"
    fi
}

mode_args() {
    case "$1" in
        single) echo "-Y tlsdiag ${fields[*]}" ;;
        two-pass) echo "-2 -Y tlsdiag ${fields[*]}" ;;
        verbose) echo "-2 -V" ;;
    esac
}

# attribute OUTDIR INPUT MODE ARGS...: 0 when tshark fails the same way
# without tlsdiag (tshark's finding), 1 when it does not (ours).
attribute() {
    local outdir="$1" input="$2" mode="$3"
    shift 3
    local -a margs
    read -r -a margs <<<"$(mode_args "$mode")"
    run_tshark "$outdir" "$mode.without-tlsdiag" "$input" "$@" --disable-protocol tlsdiag "${margs[@]}" && return 1
    return 0
}

# --- one case -----------------------------------------------------------------

run_case() {
    local k="$1" capture n ext work input chain case_seed full owner dir window
    mapfile -t captures < <(list_captures)
    n=${#captures[@]}
    [ "$n" -gt 0 ] || die "no captures found"
    capture=${captures[$(( (k + seed) % n ))]}
    ext=pcapng
    case "$capture" in *.pcap|*.pcap.gz) ext=pcap ;; esac
    work="$results/work/case-$seed-$k"
    rm -rf "$work"
    mkdir -p "$work"
    input="$work/input.$ext"
    case_seed=$(( seed * 1000003 + k ))
    if ! chain=$(python3 "$mutate" --seed "$case_seed" "$capture" "$input" 2>"$work/mutate.err"); then
        printf '%s\t%s\t%s\t%s\n' "$k" "skipped" "$capture" "mutator failed: $(head -c 200 "$work/mutate.err" | tr '\n\t' '  ')" >>"$results/log.tsv"
        rm -rf "$work"
        return 0
    fi

    capture_settings "$capture"
    local -a args=("${extra_args[@]}")
    if [ -n "$keylog" ]; then
        cp "$keylog" "$work/keylog.txt"
        args+=(-o "tls.keylog_file:$work/keylog.txt")
    fi
    full=0
    if [ $((k % 8)) = 0 ]; then
        full=1
        windows=(0 1 60 4294967295)
        window=${windows[$(( (k / 8) % 4 ))]}
        args+=(-o "tlsdiag.fallback_window:$window")
    fi
    # Arguments for replay, one a line; the key log is relative to the input.
    : >"$work/tshark-args"
    local a
    for a in "${args[@]}"; do
        printf '%s\n' "${a/"$work"\//@DIR@/}" >>"$work/tshark-args"
    done
    echo "$full" >"$work/verbose"
    {
        echo "source: $capture"
        echo "campaign seed: $seed, case: $k (mutator seed $case_seed)"
        echo "mutations: $chain"
        echo "regenerate: python3 testdata/fuzz/mutate_capture.py --seed $case_seed '$capture' OUT"
    } >"$work/info.txt"

    run_modes "$work" "$input" "$full" "${args[@]}"
    if [ -z "$failed_modes" ]; then
        printf '%s\t%s\t%s\t%s\n' "$k" "pass" "$capture" "$chain" >>"$results/log.tsv"
        [ "$keep" = 1 ] || rm -rf "$work"
        return 0
    fi

    owner=tshark
    local m
    for m in $failed_modes; do
        attribute "$work" "$input" "$m" "${args[@]}" || owner=tlsdiag
    done
    {
        echo "failed modes:$failed_modes"
        if [ "$owner" = tlsdiag ]; then
            echo "owner: tlsdiag (tshark runs clean with --disable-protocol tlsdiag)"
        else
            echo "owner: tshark (it fails the same way with --disable-protocol tlsdiag)"
        fi
        for m in $failed_modes; do
            echo "$m: exit $(cat "$work/$m.rc"), without tlsdiag exit $(cat "$work/$m.without-tlsdiag.rc")"
        done
    } >>"$work/info.txt"
    dir="$results/findings/$owner/case-$seed-$k"
    mkdir -p "$results/findings/$owner"
    rm -rf "$dir"
    mv "$work" "$dir"
    printf '%s\t%s\t%s\t%s\n' "$k" "FAIL:$owner" "$capture" "$chain" >>"$results/log.tsv"
    echo "FINDING ($owner) case $k: $capture [$chain]:$failed_modes -> $dir" >&2
    for m in $failed_modes; do
        grep -a -m 3 -E 'ERROR: AddressSanitizer|runtime error:|Dissector bug|Assertion|assertion' "$dir/$m.err" "$dir/$m.out" 2>/dev/null | sed 's/^/    /' >&2
    done
    return 0
}

# --- replay -------------------------------------------------------------------

do_replay() {
    local input="$1" dir out full=1 m verdict=0
    [ -r "$input" ] || die "$input: no such file"
    input=$(cd "$(dirname "$input")" && pwd)/$(basename "$input")
    dir=$(dirname "$input")
    local -a args=()
    if [ -r "$dir/tshark-args" ]; then
        mapfile -t args < <(sed "s|@DIR@|$dir|g" "$dir/tshark-args")
    fi
    out=$(mktemp -d "${TMPDIR:-/tmp}/tlsdiag-replay.XXXXXX")
    echo "replaying $input with: ${args[*]:-no extra options}"
    run_modes "$out" "$input" "$full" "${args[@]}"
    for m in single two-pass verbose; do
        if [[ " $failed_modes " == *" $m "* ]]; then
            echo "== $m: FAIL (exit $(cat "$out/$m.rc"))"
            sed -n '1,80p' "$out/$m.err"
            grep -a 'Dissector bug' "$out/$m.out" | head -5
            if attribute "$out" "$input" "$m" "${args[@]}"; then
                echo "   also fails with --disable-protocol tlsdiag: tshark's finding"
            else
                echo "   passes with --disable-protocol tlsdiag: tlsdiag's finding"
            fi
            verdict=1
        else
            echo "== $m: ok (exit $(cat "$out/$m.rc"))"
        fi
    done
    rm -rf "$out"
    return $verdict
}

# --- main ---------------------------------------------------------------------

if [ -n "$replay" ]; then
    do_replay "$replay"
    exit $?
fi

mkdir -p "$results" || die "cannot create $results"
results=$(cd "$results" && pwd)

if [ -n "$internal_case" ]; then
    run_case "$internal_case"
    exit 0
fi

if [ -n "$only_case" ]; then
    first=$only_case; last=$only_case
else
    first=$from_case; last=$((cases - 1))
fi
count=$(list_captures | wc -l)
echo "fuzz-captures: seed $seed, cases $first..$last over $count captures, $jobs job(s), tshark $tshark"
echo "fuzz-captures: replay a campaign with: $0 --seed $seed --cases $cases"
: >"$results/log.tsv"
started=$(date +%s)

export TLSDIAG_TSHARK="$tshark"
seq "$first" "$last" | xargs -P "$jobs" -I{} \
    "$BASH" "${BASH_SOURCE[0]}" --tshark "$tshark" --seed "$seed" --results "$results" \
        --shared "$shared" --timeout "$run_timeout" $([ "$keep" = 1 ] && echo --keep) \
        --internal-case {}

passed=$(awk -F'\t' '$2 == "pass"' "$results/log.tsv" | wc -l)
ours=$(awk -F'\t' '$2 == "FAIL:tlsdiag"' "$results/log.tsv" | wc -l)
theirs=$(awk -F'\t' '$2 == "FAIL:tshark"' "$results/log.tsv" | wc -l)
skipped=$(awk -F'\t' '$2 == "skipped"' "$results/log.tsv" | wc -l)
rmdir "$results/work" 2>/dev/null
echo "fuzz-captures: $(( $(date +%s) - started )) s, seed $seed, results in $results$([ "$skipped" -gt 0 ] && echo " ($skipped skipped: mutator failed)")"
echo "$passed passed, $((ours + theirs)) failed (tlsdiag: $ours, tshark: $theirs)"
[ "$ours" -eq 0 ] && { [ "$theirs" -eq 0 ] || [ "$allow_tshark" = 1 ]; }
