#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench.sh [BINARY [ROWS]]: time and peak memory of tlsdiag-report on large
# synthetic -T fields input, at 1x and 10x ROWS (default 1,000,000).
#
# The input replicates the data rows of tests/fixtures/field-notes.tsv with
# frame numbers moved on and streamed through a pipe, so no large file is
# written. Two shapes:
#   distinct  every copy gets new stream numbers: flagged flows grow with the
#             input (the worst case; memory follows the number of flows)
#   repeated  copies reuse 1,000 copies' worth of streams: flows stay fixed
#             while the input grows (memory must stay flat)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/postproc/tlsdiag-report}
rows=${2:-1000000}
fixture=$here/tests/fixtures/field-notes.tsv
[[ -x $bin ]] || { echo "bench.sh: no binary at $bin (pass its path)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

# generate ROWS SHAPE: header, then ROWS data rows
generate() {
    awk -F'\t' -v OFS='\t' -v want="$1" -v shape="$2" '
        NR == FNR { if (FNR == 1) header = $0; else row[++n] = $0; next }
        END {
            print header
            for (copy = 0; printed < want; copy++) {
                base = copy * 1000
                streams = (shape == "distinct" ? copy : copy % 1000) * 13
                for (i = 1; i <= n && printed < want; i++) {
                    split(row[i], c, "\t")
                    c[1] += base; c[3] += streams
                    c[2] = sprintf("%.9f", c[2] + copy * 0.01)
                    for (k = 13; k <= 22; k++)
                        if ((k == 13 || k == 16 || k == 17 || k == 22) && c[k] != "")
                            c[k] += base
                    line = c[1]
                    for (k = 2; k <= 22; k++) line = line OFS c[k]
                    print line
                    printed++
                }
            }
        }' "$fixture" "$fixture"
}

printf '%-9s %-6s %10s %12s %12s %12s\n' shape scale rows "CPU s" "peak RSS" "rows/s"
for shape in distinct repeated; do
    for scale in 1 10; do
        n=$((rows * scale))
        stats=$(mktemp)
        generate "$n" "$shape" |
            /usr/bin/time -v -o "$stats" "$bin" ${BENCH_ARGS:---json} >/dev/null || [[ $? -le 1 ]]
        # CPU time of the report alone; wall time would include the generator
        secs=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$stats")
        kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$stats")
        printf '%-9s %-6s %10d %12.2f %8.1f MiB %12.0f\n' "$shape" "${scale}x" "$n" "$secs" \
            "$(echo "$kb / 1024" | bc -l)" "$(echo "$n / $secs" | bc -l)"
        rm -f "$stats"
    done
done
