#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# pairs.sh: CPU time of tshark with the plugin against tshark without it,
# with an A/A control, for a machine whose CPU time swings by 15% from one
# run to the next (a shared host): bench.sh's rounds cannot tell 1.10 from
# 1.13 there.
#
# Usage:
#   testdata/bench/pairs.sh [OPTIONS] INPUT [TSHARK-ARGS...]
#       default TSHARK-ARGS: -Y tls -q
# Options:
#   --build DIR    the build with the plugin (default: <repo>/build-release)
#   --cycles N     cycles of four pairs (default: 20)
#   --work DIR     homes and raw times (default: /tmp/tlsdiag-pairs)
#   -h, --help
#
# A pair runs two tshark processes at once, each pinned to its own CPU
# (taskset), on the same input, so both see the same host; each process's
# CPU time (user + system) is its own. A cycle runs four pairs: plugin on
# CPU 0 and none on CPU 1, then the other way round, then none against none
# (two empty HOMEs) both ways. The none/none ratios are the control: their
# spread is the method's resolution, their centre its bias. Needs two CPUs,
# taskset (util-linux), /usr/bin/time (time), python3.
#
# Prints one line per pair to WORK/pairs.log and, at the end, for plugin/none
# and none/none: pairs, median, geometric mean and its standard error.

set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$repo/build-release
cycles=20
WORK=/tmp/tlsdiag-pairs

usage() { sed -n '4,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        --build) build=$2; shift 2 ;;
        --cycles) cycles=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "pairs.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) break ;;
    esac
done
if [ $# -lt 1 ]; then
    echo "pairs.sh: no INPUT capture (see --help)" >&2
    exit 2
fi
input=$(realpath "$1")
shift
[ $# -gt 0 ] || set -- -Y tls -q
[ -r "$input" ] || { echo "pairs.sh: cannot read $input" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "pairs.sh: needs two CPUs" >&2; exit 2; }

# shellcheck source=testdata/bench/common.sh
. "$repo/testdata/bench/common.sh"
missing=()
need taskset util-linux
need /usr/bin/time time
need python3 python3
if [ ${#missing[@]} -gt 0 ]; then
    printf 'pairs.sh: missing: %s\n' "${missing[@]}" >&2
    exit 2
fi
TSHARK=${TSHARK:-$(command -v tshark)}
abi=$("$TSHARK" --version | sed -n 's/^TShark (Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
plugin_so=$build/plugins/$abi/epan/tlsdiag.so
[ -f "$plugin_so" ] || { echo "pairs.sh: no $plugin_so (build first)" >&2; exit 2; }
mkdir -p "$WORK"
prepare_homes
home_control=$WORK/home-none-2
rm -rf "$home_control" && mkdir -p "$home_control" && chmod a+rX "$home_control"
check_homes

# pair NAME0 HOME0 NAME1 HOME1: both at once, one per CPU.
pair() {
    eval "/usr/bin/time -f '%U %S' -o '$res/cpu0' taskset -c 0 $(ts "$2" -n -r "$input" "${args[@]}") >/dev/null 2>&1" &
    local first=$!
    eval "/usr/bin/time -f '%U %S' -o '$res/cpu1' taskset -c 1 $(ts "$4" -n -r "$input" "${args[@]}") >/dev/null 2>&1" &
    wait "$first" $!
    echo "$1 $(awk '{print $1 + $2}' "$res/cpu0") $3 $(awk '{print $1 + $2}' "$res/cpu1")" >>"$WORK/pairs.log"
}

args=("$@")
: >"$WORK/pairs.log"
log "$cycles cycles of 4 pairs: $input ${args[*]}"
for ((i = 1; i <= cycles; i++)); do
    pair plugin "$home_plugin" none "$home_none"
    pair none "$home_none" plugin "$home_plugin"
    pair none "$home_none" control "$home_control"
    pair control "$home_control" none "$home_none"
done

python3 - "$WORK/pairs.log" <<'EOF'
import math, statistics, sys
ratios = {"plugin/none": [], "none/none": []}
for line in open(sys.argv[1]):
    a, ta, b, tb = line.split()
    cpu = {a: float(ta), b: float(tb)}
    if "plugin" in cpu:
        ratios["plugin/none"].append(cpu["plugin"] / cpu["none"])
    else:
        ratios["none/none"].append(cpu["control"] / cpu["none"])
for name, r in ratios.items():
    logs = [math.log(x) for x in r]
    se = statistics.stdev(logs) / math.sqrt(len(logs)) if len(logs) > 1 else float("nan")
    print(f"{name:12} pairs {len(r):4}  median {statistics.median(r):.4f}  "
          f"geometric mean {math.exp(statistics.mean(logs)):.4f} (+/- {se * 100:.1f}% s.e.)")
EOF
