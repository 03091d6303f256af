#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# valgrind-lab.sh: tshark with the tlsdiag plugin under valgrind memcheck
# over every lab capture; reports invalid accesses and definite leaks that
# tlsdiag causes, apart from tshark's and GLib's own.
#
# Usage:
#   testdata/fuzz/valgrind-lab.sh [options] [CAPTURE...]
#
# Options:
#   --tshark PATH     tlsdiag-tshark of a build WITHOUT the sanitizers
#                     (default: $TLSDIAG_TSHARK, else build/tlsdiag-tshark)
#   --two-pass LIST   captures (names without .pcapng, space-separated) also
#                     run with -2; "all" for every one (default: a handful
#                     covering fallback chains, mutual TLS, loss, TLS 1.3)
#   --jobs J          runs in parallel (default 1; a run takes ~15-30 s)
#   --results DIR     XML reports and the summary (default: valgrind-results)
#
# Without CAPTURE arguments, every testdata/captures/*.pcapng is run single
# pass with -V (tree and expert texts), plus -2 -V for the two-pass list,
# with each capture's keys and options from its .expect file. tshark runs
# as "valgrind --leak-check=full --errors-for-leak-kinds=definite
# --error-exitcode=99 --suppressions=testdata/fuzz/valgrind.supp --xml=yes"
# (through tlsdiag-tshark's TSHARK variable, so the plugin is loaded as in
# the tests). tshark's exit status 99 only says valgrind saw some error:
# valgrind-summary.py tells tlsdiag's (a stack through tlsdiag.so or a
# tlsdiag_ function) from tshark's own.
#
# Exit status: 0 when tlsdiag shows no run-time error, 1 when it does,
# 2 on a setup problem.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

die() { echo "valgrind-lab: $*" >&2; exit 2; }

tshark="${TLSDIAG_TSHARK:-$repo/build/tlsdiag-tshark}"
two_pass="fallback-chain-12-11-10 mtls-403-alert-tls13 mtls-403-close-tls12 lossy-clienthello-then-reset-tls12 client-rejects-cert-tls13 fallback-neg-two-clients"
jobs=1
results="valgrind-results"
captures=()

while [ $# -gt 0 ]; do
    case "$1" in
        --tshark) tshark="$2"; shift 2 ;;
        --two-pass) two_pass="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --results) results="$2"; shift 2 ;;
        -h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *) captures+=("$1"); shift ;;
    esac
done

command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"
[ -x "$tshark" ] || die "$tshark is missing: build first (cmake -S . -B build && cmake --build build)"
plugin=$(sed -n 's/^plugin="\(.*\)"$/\1/p' "$tshark")
if [ -n "$plugin" ] && readelf -d "$plugin" 2>/dev/null | grep -q libasan; then
    die "$plugin is built with the sanitizers: valgrind needs a plain build"
fi
real_tshark=$(sed -n 's/^tshark="\${TSHARK:-\(.*\)}"$/\1/p' "$tshark")
[ -n "$real_tshark" ] || real_tshark=$(command -v tshark)
[ "${#captures[@]}" -gt 0 ] || captures=("$repo"/testdata/captures/*.pcapng)

mkdir -p "$results" || die "cannot create $results"
results=$(cd "$results" && pwd)
rm -f "$results"/*.xml "$results"/*.log

# tlsdiag-tshark runs tshark as nobody when root: the valgrind shim and its
# output directory must be usable by nobody.
shim_dir=$(mktemp -d "${TMPDIR:-/tmp}/tlsdiag-valgrind.XXXXXX")
trap 'rm -rf "$shim_dir"' EXIT
cp "$here/valgrind.supp" "$shim_dir/valgrind.supp"
mkdir "$shim_dir/xml"
cat >"$shim_dir/tshark" <<EOF
#!/bin/sh
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \\
    --errors-for-leak-kinds=definite --error-exitcode=99 --num-callers=40 \\
    --suppressions="$shim_dir/valgrind.supp" --xml=yes \\
    --xml-file="$shim_dir/xml/\$TLSDIAG_VG_TAG.xml" "$real_tshark" "\$@"
EOF
chmod -R a+rwX "$shim_dir"
chmod 755 "$shim_dir/tshark"

# One run: NAME MODE CAPTURE (MODE single or two-pass).
run_one() {
    local name="$1" mode="$2" capture="$3" expect line keylog="" rc started
    local -a args=()
    expect="${capture%.pcapng}.expect"
    if [ -r "$expect" ]; then
        while IFS= read -r line; do
            case "$line" in
                "#! tshark-args:"*) read -r -a more <<<"${line#*:}"; args+=("${more[@]}") ;;
                "#! keylog:"*) line=${line#*:}; keylog="$(dirname "$capture")/${line# }" ;;
            esac
        done <"$expect"
    fi
    [ -n "$keylog" ] && [ -r "$keylog" ] && args+=(-o "tls.keylog_file:$keylog")
    [ "$mode" = two-pass ] && args+=(-2)
    started=$(date +%s)
    TSHARK="$shim_dir/tshark" TLSDIAG_VG_TAG="$name.$mode" \
        "$tshark" -r "$capture" -n "${args[@]}" -V >/dev/null 2>"$results/$name.$mode.log"
    rc=$?
    mv "$shim_dir/xml/$name.$mode.xml" "$results/" 2>/dev/null
    echo "$name $mode: exit $rc, $(( $(date +%s) - started )) s"
}

jobs_file="$results/runs.txt"
: >"$jobs_file"
for capture in "${captures[@]}"; do
    name=$(basename "$capture" .pcapng)
    printf '%s\t%s\t%s\n' "$name" single "$capture" >>"$jobs_file"
    if [ "$two_pass" = all ] || [[ " $two_pass " == *" $name "* ]]; then
        printf '%s\t%s\t%s\n' "$name" two-pass "$capture" >>"$jobs_file"
    fi
done

echo "valgrind-lab: $(wc -l <"$jobs_file") runs, $jobs at a time, plugin $plugin"
export -f run_one
export tshark shim_dir results
started=$(date +%s)
tr '\t' '\n' <"$jobs_file" | xargs -d '\n' -n 3 -P "$jobs" bash -c 'run_one "$@"' _
echo "valgrind-lab: $(( $(date +%s) - started )) s"
python3 "$here/valgrind-summary.py" "$results"/*.xml | tee "$results/summary.txt"
exit "${PIPESTATUS[0]}"
