#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# quic-bench.sh: what the tlsdiag plugin costs tshark on QUIC-heavy input
# (issue 18), as a ratio of instruction counts (callgrind) with and without
# the plugin, start-up taken off both sides.
#
# Usage: testdata/bench/quic-bench.sh [BUILD_DIR] [COPIES]
#   BUILD_DIR default <repo>/build (a Release build is the fair one);
#   COPIES    default 50: how many copies of the lab's QUIC flows.
# Needs: tshark, editcap, mergecap, tcprewrite (tcpreplay), valgrind,
# setpriv (util-linux). WORK=/tmp/tlsdiag-quic-bench holds everything.
#
# The input: the lab's QUIC captures (a greased version then v1, a Retry
# then v1, a refusal at the Initial level, Initials dropped and the TCP
# fallback), read by tcprewrite (keys dropped: QUIC without keys, as most
# captures are), each copy with its own client address and 10 s later than
# the one before. Wireshark knows QUIC connections by connection ID, so the
# copies' packets join the first copy's connections: the engine sees few
# connections, the per-frame cost (the bulk) is what this measures.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
copies=${2:-50}
WORK=${WORK:-/tmp/tlsdiag-quic-bench}
plugin=$(ls "$build"/plugins/*/epan/tlsdiag.so)
abi=$(basename "$(dirname "$(dirname "$plugin")")")

for tool in tshark editcap mergecap tcprewrite valgrind setpriv; do
    command -v "$tool" >/dev/null || { echo "quic-bench.sh: missing $tool" >&2; exit 2; }
done

rm -rf "$WORK"
mkdir -p "$WORK/flows" "$WORK/out" "$WORK/home-none" "$WORK/home-plugin/.local/lib/wireshark/plugins/$abi/epan"
cp "$plugin" "$WORK/home-plugin/.local/lib/wireshark/plugins/$abi/epan/"

flows=(quic-clean quic-refused-initial quic-udp-dropped-fallback)
for name in "${flows[@]}"; do
    tcprewrite -i "$repo/testdata/captures/$name.pcapng" -o "$WORK/flows/$name.pcap"
done
for ((i = 0; i < copies; i++)); do
    for name in "${flows[@]}"; do
        tcprewrite --pnat="10.213.0.2/32:10.50.$((i / 250)).$((i % 250 + 2))/32" --fixcsum \
            -i "$WORK/flows/$name.pcap" -o "$WORK/flows/tmp.pcap"
        editcap -t $((i * 10)) "$WORK/flows/tmp.pcap" "$WORK/flows/$name-$i.pcap"
    done
done
mergecap -F pcap -w "$WORK/quic.pcap" "$WORK"/flows/*-[0-9]*.pcap
editcap -r "$WORK/quic.pcap" "$WORK/one.pcap" 1
chmod -R a+rX "$WORK"
chmod 777 "$WORK/out"

# instructions HOME INPUT: tshark's instruction count as an unprivileged
# user (tshark ignores personal plugins for root).
instructions() {
    setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$WORK/$1" \
        valgrind --tool=callgrind --callgrind-out-file="$WORK/out/$1-$2.out" \
        tshark -r "$WORK/$2.pcap" -Y tls -q >/dev/null 2>"$WORK/out/$1-$2.log"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$WORK/out/$1-$2.log"
}

packets=$(capinfos -c -M "$WORK/quic.pcap" | sed -n 's/.*packets: *//p')
base=$(($(instructions home-none quic) - $(instructions home-none one)))
with=$(($(instructions home-plugin quic) - $(instructions home-plugin one)))
awk -v p="$packets" -v b="$base" -v w="$with" 'BEGIN {
    printf "QUIC-heavy input: %s packets; tshark -r IN -Y tls -q, instructions without start-up\n", p
    printf "  without the plugin %d, with %d: ratio %.4f (target <= 1.10)\n", b, w, w / b }'
