#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench-captures.sh BUILD [N]: what tlsdiag-report adds to the tshark runs it
# makes. N captures (default 200: the lab's, repeated) are read
#
#   1. by the same tshark command in a shell loop, output to /dev/null;
#   2. by tlsdiag-report -j 1;
#   3. by tlsdiag-report -j 2;
#
# with the plugin of BUILD, as the same user (nobody when run as root, as
# the report does), and prints wall-clock and CPU time (user + sys, tshark
# included) of each. Not run by the tests: it takes minutes.

set -euo pipefail

build=$(realpath "${1:?usage: $0 BUILD [N]}")
count=${2:-200}
source_dir=$(dirname "$(dirname "$(dirname "$(realpath "$0")")")")
report="$build/postproc/tlsdiag-report"
plugin_dir=$(echo "$build"/plugins/*/epan)
abi=$(basename "$(dirname "$plugin_dir")")

work=$(mktemp -d "${TMPDIR:-/tmp}/tlsdiag-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/captures" "$work/home/.local/lib/wireshark/plugins/$abi/epan"
cp "$plugin_dir/tlsdiag.so" "$work/home/.local/lib/wireshark/plugins/$abi/epan/"

mapfile -t lab < <(ls "$source_dir"/testdata/captures/*.pcapng)
for ((i = 0; i < count; i++)); do
    cp "${lab[i % ${#lab[@]}]}" "$work/captures/$(printf '%03d' "$i")-$(basename "${lab[i % ${#lab[@]}]}")"
done
chmod -R a+rX "$work"

read -r -a tshark_args < <("$report" --print-tshark-args)
as_user=()
if [ "$(id -u)" -eq 0 ]; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

loop() {
    for capture in "$work"/captures/*; do
        "${as_user[@]}" env HOME="$work/home" tshark -r "$capture" "${tshark_args[@]}" >/dev/null
    done
}

TIMEFORMAT="%R %U %S"
measure() {
    local name=$1 times
    shift
    times=$({ time "$@" >/dev/null 2>&1 || true; } 2>&1 | tail -1)
    read -r wall user sys <<<"$times"
    awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" \
        'BEGIN { printf "%-26s %8.2f s wall %8.2f s CPU\n", n, w, u + s }'
}

echo "$count captures ($(du -sh "$work/captures" | cut -f1)), $(nproc) processors, $(tshark -v 2>/dev/null | head -1 | cut -d' ' -f1-3)"
measure "tshark in a shell loop" loop
measure "tlsdiag-report -j 1" "$report" -q -j 1 --plugin-dir "$plugin_dir" "$work/captures"
measure "tlsdiag-report -j 2" "$report" -q -j 2 --plugin-dir "$plugin_dir" "$work/captures"
