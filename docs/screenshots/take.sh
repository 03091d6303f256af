#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# take.sh: the README's screenshots, taken in the real Wireshark (Qt) with
# this build's plugin and the tlsdiag profile, on the bundled capture of the
# fallback chain (TLS 1.2 reset, TLS 1.1 reset, TLS 1.0 refused with
# inappropriate_fallback):
#
#   packet-details.png  frame 9, the first fallback retry, its tlsdiag tree open
#   expert-info.png     Analyze > Expert Information, tlsdiag's items opened
#   stats-tree.png      Statistics > TLS diagnosis
#
# It installs nothing. On Debian 12, as root, once:
#
#   echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
#   apt-get install -y wireshark-qt xvfb imagemagick xdotool
#
# Usage: docs/screenshots/take.sh [BUILD_DIR [OUT_DIR]]
#   BUILD_DIR  where the plugin was built (default: build)
#   OUT_DIR    where the PNGs go (default: this directory)
#
# Wireshark runs on a private Xvfb display with no window manager, from a
# throwaway HOME that holds the plugin and the profile, so nothing of yours is
# read or changed. Wireshark ignores personal plugins when run as root: as
# root it runs as nobody. The clicks and keys below are for Wireshark 4.0 at
# this window size; a run takes about 20 s and gives the same pixels each time.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
out=$(mkdir -p "${2:-$here}" && cd "${2:-$here}" && pwd)
capture=$top/testdata/captures/fallback-chain-12-11-10.pcapng
capture_name=$(basename "$capture")
flagged_frame=9 # version_fallback: its text names the reset that made the client retry

die() {
    echo "take.sh: $*" >&2
    exit 2
}

for tool in Xvfb wireshark xdotool import setpriv; do
    command -v "$tool" >/dev/null ||
        die "$tool is missing: apt-get install wireshark-qt xvfb imagemagick xdotool"
done
plugins=("$build"/plugins/*/epan/tlsdiag.so)
[ -r "${plugins[0]}" ] || die "no tlsdiag.so under $build/plugins: build the project first"
plugin=${plugins[0]}
abi=$(basename "$(dirname "$(dirname "$plugin")")")

work=$(mktemp -d "${TMPDIR:-/tmp}/tlsdiag-screenshots.XXXXXX")
xvfb_pid=
wireshark_pid=
# Immune to set -e: a process that is already gone must not keep the
# display alive (it would also hold the caller's pipes open).
cleanup() {
    set +e
    [ -n "$wireshark_pid" ] && kill "$wireshark_pid" 2>/dev/null
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# ---- a HOME with the plugin, the profile and a fixed window layout ----------

home=$work/home
profile=$home/.config/wireshark/profiles/tlsdiag
mkdir -p "$home/.local/lib/wireshark/plugins/$abi/epan" "$home/.config/wireshark/profiles" \
    "$home/run"
cp "$plugin" "$home/.local/lib/wireshark/plugins/$abi/epan/"
cp -r "$top/docs/profile/tlsdiag" "$profile"
cp "$capture" "$home/"
# With no window manager the main window opens at 750x550 whatever the
# options say; the recent files are what it obeys.
cat >"$home/.config/wireshark/recent_common" <<'EOF'
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1600
gui.geometry_main_height: 1000
gui.geometry_main_maximized: FALSE
EOF
printf 'gui.byte_view_show: FALSE\ngui.geometry_main_upper_pane: 380\n' >>"$profile/recent"
chmod 0700 "$home/run"
chmod 0755 "$work"

run_env=(env -i HOME="$home" XDG_RUNTIME_DIR="$home/run" PATH=/usr/bin:/bin LANG=C.UTF-8)
if [ "$(id -u)" -eq 0 ]; then
    chown -R 65534:65534 "$home"
    run_env=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run_env[@]}")
fi

# ---- display ------------------------------------------------------------------

Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$work/display" \
    </dev/null >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do
    if [ -s "$work/display" ]; then
        export DISPLAY=":$(head -n 1 "$work/display")"
        xdotool getdisplaygeometry >/dev/null 2>&1 && break
    fi
    sleep 0.1
done
xdotool getdisplaygeometry >/dev/null 2>&1 || die "Xvfb did not start: $(cat "$work/xvfb.log")"

start_wireshark() {
    "${run_env[@]}" DISPLAY="$DISPLAY" wireshark -C tlsdiag -o gui.packet_list_show_minimap:FALSE \
        -r "$home/$capture_name" "$@" </dev/null >>"$work/wireshark.log" 2>&1 &
    wireshark_pid=$!
}

stop_wireshark() {
    kill "$wireshark_pid"
    wait "$wireshark_pid" 2>/dev/null || true
    wireshark_pid=
}

# Prints the id of the visible window whose title is exactly $1 (a regex).
wait_window() {
    local id
    for _ in $(seq 120); do
        if id=$(xdotool search --onlyvisible --name "^$1\$" 2>/dev/null); then
            head -n 1 <<<"$id"
            return
        fi
        sleep 0.25
    done
    die "no window '$1' after 30 s; wireshark said: $(cat "$work/wireshark.log")"
}

# Widgets settle after a click; the pointer must not hover over anything.
shoot() {
    xdotool mousemove 1599 999
    sleep 0.7
    import -window "$1" "png8:$out/$2"
    echo "take.sh: wrote $out/$2"
}

# ---- (a) packet details, (c) statistics tree ----------------------------------------

start_wireshark -g "$flagged_frame"
main=$(wait_window "$capture_name")
sleep 1.5
# A click gives the details pane keyboard focus. End selects the last row
# (a postdissector's tree is last) and shift+Right opens it with all its
# subtrees. The tree of frame 9 ends with two expert items (the verdict's,
# then the note on the link "handshake ended in frame 10"), each with a
# subtree that repeats its text: fold both again, from the last row up.
xdotool mousemove --window "$main" 300 480 click 1
sleep 0.3
xdotool key End shift+Right
sleep 0.3
xdotool key End Left Left Left Left Up Up Left Left Left Left
shoot "$main" packet-details.png

# Statistics > TLS diagnosis is the menu's last entry (plugins come last).
xdotool key alt+s
sleep 0.5
xdotool key Up Return
stats=$(wait_window "Wireshark · TLS diagnosis · $capture_name")
xdotool windowmove "$stats" 0 0 windowsize "$stats" 1000 600
sleep 1
shoot "$stats" stats-tree.png
stop_wireshark

# ---- (b) Expert Information --------------------------------------------------

start_wireshark -z expert
expert=$(wait_window "Wireshark · Expert Information · $capture_name")
sleep 1.5
xdotool windowmove "$expert" 0 0 windowsize "$expert" 1600 520
sleep 1
# Untick "Group by summary": items then group by severity and protocol and
# show each frame's own text. Open the TLSDIAG groups from the bottom up
# (Note, Warning, Error rows) so that the rows above do not move.
xdotool mousemove --window "$expert" 210 465 click 1
sleep 0.5
for row_y in 109 75 41; do
    xdotool mousemove --window "$expert" 300 "$row_y" click 1
    sleep 0.2
    xdotool key Right
    sleep 0.2
done
# Widen the Summary column: drag the border between Summary and Group.
xdotool mousemove --window "$expert" 541 21 mousedown 1 mousemove --window "$expert" 1180 21 \
    mouseup 1
shoot "$expert" expert-info.png
stop_wireshark
