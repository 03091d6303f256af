# shellcheck shell=bash disable=SC2154  # variables of the sourcing script
# SPDX-License-Identifier: GPL-2.0-or-later
#
# common.sh: what bench.sh and focus-bench.sh share, sourced by both. It
# defines functions only; they read the caller's WORK, TSHARK, plugin_so and
# abi, and set or use home_none, home_plugin, out and res.

missing=()
need() { # need COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install $2)")
}

# need_bench_tools: the tools of both benchmarks; exits listing what is missing.
need_bench_tools() {
    need tshark tshark
    need editcap wireshark-common
    need mergecap wireshark-common
    need capinfos wireshark-common
    need tcprewrite tcpreplay
    need hyperfine hyperfine
    need python3 python3
    need setpriv util-linux
    [ -x /usr/bin/time ] || missing+=("/usr/bin/time (apt-get install time)")
    [ -r "$plugin_so" ] || missing+=("$plugin_so (build the project first)")
    if [ "$CALLGRIND" = 1 ] && ! command -v valgrind >/dev/null 2>&1; then
        echo "${0##*/}: valgrind missing (apt-get install valgrind): no instruction counts" >&2
        CALLGRIND=0
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "${0##*/}: missing:" >&2
        printf '  %s\n' "${missing[@]}" >&2
        exit 2
    fi
}

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# merge_many OUT FILES...: mergecap in groups, so open files stay below ulimit -n.
merge_many() {
    local target=$1 group=200
    shift
    if [ $# -le $group ]; then
        mergecap -F pcap -w "$target" "$@"
        return
    fi
    local parts=() i=0
    while [ $# -gt 0 ]; do
        mergecap -F pcap -w "$target.part$i" "${@:1:$group}"
        parts+=("$target.part$i")
        shift $(($# < group ? $# : group))
        i=$((i + 1))
    done
    mergecap -F pcap -w "$target" "${parts[@]}"
    rm -f "${parts[@]}"
}

# ---- running tshark alike with and without the plugin ----------------------

# prepare_homes: an empty HOME and one with the plugin as a personal plugin,
# out/ writable by the unprivileged user, results/ empty.
prepare_homes() {
    home_none=$WORK/home-none
    home_plugin=$WORK/home-plugin
    out=$WORK/out
    res=$WORK/results
    rm -rf "$home_none" "$home_plugin" "$out" "$res"
    mkdir -p "$home_none" "$home_plugin/.local/lib/wireshark/plugins/$abi/epan" "$res"
    cp "$plugin_so" "$home_plugin/.local/lib/wireshark/plugins/$abi/epan/"
    mkdir -m 1777 "$out"
    chmod -R a+rX "$home_none" "$home_plugin" "$res"
}

# As root, tshark ignores personal plugins: every run drops to nobody.
runas=()
if [ "$(id -u)" -eq 0 ]; then
    runas=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

# ts HOME ARGS...: the tshark command line, quoted for a shell.
ts() {
    local home=$1
    shift
    local cmd=("${runas[@]}" env -i HOME="$home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8 "$TSHARK" "$@")
    printf '%q ' "${cmd[@]}"
}

check_homes() {
    local with without
    with=$(eval "$(ts "$home_plugin" -G plugins)" | grep -c tlsdiag || true)
    without=$(eval "$(ts "$home_none" -G plugins)" | grep -c tlsdiag || true)
    if [ "$with" -lt 1 ] || [ "$without" -ne 0 ]; then
        echo "${0##*/}: plugin loaded $with times with it, $without times without it" >&2
        exit 1
    fi
}

# bench GROUP ROUNDS NAME=COMMAND...: ROUNDS hyperfine calls over all
# variants; every run also appends /usr/bin/time -v output to results/NAME.time.
bench() {
    local group=$1 rounds=$2
    shift 2
    local args=() spec name cmd r
    for spec in "$@"; do
        name=${spec%%=*}
        cmd=${spec#*=}
        : >"$res/$name.time"
        args+=(-n "$name" "/usr/bin/time -v -a -o $res/$name.time $cmd")
    done
    for ((r = 1; r <= rounds; r++)); do
        log "hyperfine $group, round $r of $rounds"
        hyperfine --style basic --runs 1 --export-json "$res/$group.$r.json" "${args[@]}" >&2
    done
}

callgrind() { # callgrind NAME HOME TSHARK-ARGS...: writes results/NAME.cg
    local name=$1 home=$2
    shift 2
    log "callgrind $name"
    local cmd=("${runas[@]}" env -i HOME="$home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8
        valgrind --tool=callgrind --callgrind-out-file="$out/$name.cg" "$TSHARK" "$@")
    "${cmd[@]}" >/dev/null 2>"$res/$name.cg.log"
    cp "$out/$name.cg" "$res/$name.cg"
}
