#!/usr/bin/env bash
# generate.sh: record tlsdiag's test captures from real TLS stacks.
#
# Needs: root (network namespaces, iptables), Debian 12 with
#   iproute2 iptables ethtool tshark (dumpcap, editcap, mergecap)
#   openssl curl nginx-light (with http_ssl and http_v2, see nginx -V)
#   python3 python3-h2 (system /usr/bin/python3, its ssl module)
# Run:
#   sudo testdata/lab/generate.sh              # every scenario
#   sudo testdata/lab/generate.sh NAME...      # only these scenarios
#   testdata/lab/generate.sh --list            # names and one-line summaries
#   TLSDIAG_LAB_KEEP=DIR generate.sh ...       # also keep raw captures (no keys) and key logs
#
# Each scenario builds its own lab (client and server network namespaces
# joined by one veth pair, private 10.213.0.0/24 addresses, offloads off),
# starts real servers, injects its fault with iptables in the server's
# namespace (the "middlebox" in front of the server), captures on the CLIENT's
# interface, embeds the client's TLS key log into the capture with
# `editcap --inject-secrets`, checks with tshark display filters that the
# capture shows what the scenario intends (fails loudly otherwise), and writes
# testdata/captures/NAME.pcapng and NAME.expect (the expected tlsdiag
# verdicts, found with the same filters). Namespaces and processes are
# removed on every exit path. Re-running regenerates the files.
set -Eeuo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT_DIR=$(cd "$LAB_DIR/.." && pwd)/captures
PY=/usr/bin/python3

NET=10.213.0
SRV=$NET.1      # server (and the address the middlebox resets from)
SRV2=$NET.11    # a second server
CLI=$NET.2      # client
CLI2=$NET.3     # a second client
SNI=server.tlsdiag.test

TAG=$$
NS_C=tlsdiag-c-$TAG
NS_S=tlsdiag-s-$TAG
NS_R=tlsdiag-r-$TAG # a router between them, for the scenarios that need one
VETH_C=tdc$TAG
VETH_S=tds$TAG
WORK=
PIDS=()
CLEANUP_DIRS=() # removed on every exit path (files a scenario put outside WORK)
CAPTURE_PID=
EXPECT_403_COLS=0
EXTRA_OUT=()
NEWER_EXPECT= # a scenario's NAME.wireshark-X.Y.expect, moved beside NAME.expect
SCEN=
# Per-scenario knobs (reset before each scenario): the address field the
# checks read ("ipv6" for IPv6), and extra tshark options that the checks use
# and the .expect carries as "#! tshark-args:" (e.g. -d tcp.port==8080,tls).
IP_FIELD=ip
TSHARK_ARGS=()

# u32 locations inside the TCP payload (see shared/docs/lab-notes.md).
PAY='0>>22&0x3C@12>>26&0x3C@'
U32_CLIENT_HELLO="${PAY}0>>24=0x16&&${PAY}5>>24=0x01"
U32_CLIENT_KEY_EXCHANGE="${PAY}0>>24=0x16&&${PAY}5>>24=0x10"
U32_CCS_RECORD="${PAY}0>>24=0x14"
# ClientHello legacy_version (bytes 9-10 of the payload).
u32_hello_version() { echo "${U32_CLIENT_HELLO}&&${PAY}8>>8&0xFFFF=$1"; }

die() {
    echo "generate.sh: ${SCEN:+$SCEN: }$*" >&2
    exit 1
}
say() { echo "== ${SCEN:+$SCEN: }$*" >&2; }

# ---------------------------------------------------------------- cleanup

cleanup() {
    set +e +u
    trap - ERR
    lab_down
    [[ -n "$WORK" ]] && rm -rf "$WORK"
    ((${#CLEANUP_DIRS[@]} == 0)) || rm -rf "${CLEANUP_DIRS[@]}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---------------------------------------------------------------- the lab

in_c() { ip netns exec "$NS_C" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }

lab_up() {
    ip netns add "$NS_C"
    ip netns add "$NS_S"
    ip link add "$VETH_C" type veth peer name "$VETH_S"
    ip link set "$VETH_C" netns "$NS_C"
    ip link set "$VETH_S" netns "$NS_S"
    local ns ifc
    for ns in "$NS_C" "$NS_S"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
        ip netns exec "$ns" ip link set lo up
    done
    in_c ip addr add "$CLI/24" dev "$VETH_C"
    in_c ip addr add "$CLI2/24" dev "$VETH_C"
    in_s ip addr add "$SRV/24" dev "$VETH_S"
    in_s ip addr add "$SRV2/24" dev "$VETH_S"
    for ifc in "$VETH_C:$NS_C" "$VETH_S:$NS_S"; do
        ip netns exec "${ifc#*:}" ethtool -K "${ifc%%:*}" tso off gso off gro off tx off rx off >/dev/null
        ip netns exec "${ifc#*:}" ip link set "${ifc%%:*}" up
    done
}

lab_down() { # safe under set -e: every step may fail harmlessly
    local pid ns
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
    CAPTURE_PID=
    for ns in "$NS_C" "$NS_S" "$NS_R"; do
        [[ -e /run/netns/$ns ]] || continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null || true
        done
        ip netns del "$ns" 2>/dev/null || true
    done
}

# bg NS LOG CMD...: start a background process in a namespace; its PID is
# recorded for cleanup and left in BG_PID.
bg() {
    local ns=$1 log=$2
    shift 2
    ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}

wait_listen() { # ADDR:PORT, in the server namespace
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -n "$(in_s ss -Hltn "src = $1")" ]] && return 0
        sleep 0.1
    done
    die "nothing listens on $1 (see $WORK/*.log)"
}

mbox() { in_s iptables "$@"; } # the middlebox in front of the server

# ---------------------------------------------------------------- servers

server_openssl() { # ADDR EXTRA-ARGS...: openssl s_server on ADDR:443
    local addr=$1
    shift
    bg "$NS_S" "$WORK/s_server-$addr.log" openssl s_server -accept "$addr:443" \
        -cert "$WORK/server.pem" -key "$WORK/server.key" -quiet "$@"
    wait_listen "$addr:443"
}

server_python() { # EXTRA-ARGS...: tls_server.py on SRV:443
    bg "$NS_S" "$WORK/tls_server.log" "$PY" "$LAB_DIR/tls_server.py" \
        --listen "$SRV:443" --cert "$WORK/server.pem" --key "$WORK/server.key" "$@"
    wait_listen "$SRV:443"
}

# nginx_conf_head: the start of an nginx.conf that runs nginx unprivileged
# in $WORK, up to the open "http {" block; the caller adds servers and "}".
nginx_conf_head() {
    cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    default_type text/plain;
EOF
}

# server_nginx [legacy]: nginx on SRV and SRV2 port 443 (TLS 1.2-1.3; with
# "legacy" TLS 1.0-1.3 at SECLEVEL 0) and on SRV port 80 (plain HTTP).
# nginx serves connections concurrently, unlike s_server, whose one
# connection at a time would hang on a connection the middlebox reset
# (the reset reaches only the client).
server_nginx() {
    local protocols="TLSv1.2 TLSv1.3" ciphers="HIGH:!aNULL:!MD5"
    if [[ ${1:-} == legacy ]]; then
        protocols="TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"
        ciphers="DEFAULT@SECLEVEL=0"
    fi
    mkdir -p "$WORK/nginx/logs"
    {
        nginx_conf_head
        cat <<EOF
    server {
        listen $SRV:443 ssl;
        listen $SRV2:443 ssl;
        server_name $SNI;
        ssl_certificate $WORK/server.pem;
        ssl_certificate_key $WORK/server.key;
        ssl_protocols $protocols;
        ssl_ciphers "$ciphers";
        location = /ok { return 200 "ok\n"; }
        location = /forbidden { return 403; }
    }
    server {
        listen $SRV:80;
        location / { return 200 "plain\n"; }
    }
}
EOF
    } >"$WORK/nginx/nginx.conf"
    bg "$NS_S" "$WORK/nginx.log" nginx -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" \
        -c "$WORK/nginx/nginx.conf"
    wait_listen "$SRV:443"
    wait_listen "$SRV2:443"
    wait_listen "$SRV:80"
}

# ---------------------------------------------------------------- clients

KEYS() { echo "$WORK/$SCEN.keys"; }

# s_client FROM-ADDR TO-ADDR EXTRA-ARGS...: one openssl s_client connection
# that sends nothing and closes when its stdin ends. Failure is expected in
# most scenarios: the capture, not the exit status, is checked.
s_client() {
    local from=$1 to=$2
    shift 2
    client_run_begin OpenSSL
    in_c timeout 10 openssl s_client -connect "$to:443" -bind "$from:0" -servername "${CLIENT_SNI:-$SNI}" \
        -keylogfile "$(KEYS)" "$@" </dev/null >"$CLIENT_LOG" 2>&1 || true
    cat "$CLIENT_LOG" >>"$WORK/$SCEN.client.log"
}

py_client() { # tls_client.py arguments (without --connect)
    client_run_begin Python
    in_c timeout 15 "$PY" "$LAB_DIR/tls_client.py" --connect "${PY_TARGET:-$SRV}:443" --sni "$SNI" \
        --keylog "$(KEYS)" "$@" >"$CLIENT_LOG" 2>&1 || die "tls_client.py failed: $(tail -n 3 "$CLIENT_LOG")"
    cat "$CLIENT_LOG" >>"$WORK/$SCEN.client.log"
}

curl_https() { # PATH TLS-VERSION(1.2|1.3): prints the HTTP status
    in_c env SSLKEYLOGFILE="$(KEYS)" timeout 10 curl -sS --http1.1 -o /dev/null -w '%{http_code}' \
        --cacert "$WORK/ca.pem" --resolve "$SNI:443:$SRV" "--tlsv$2" --tls-max "$2" \
        "https://$SNI$1" 2>>"$WORK/$SCEN.client.log"
}

# ---------------------------------------------------------------- capture

capture_start() { # PART
    local raw=$WORK/$SCEN.$1.raw.pcapng i
    bg "$NS_C" "$WORK/$SCEN.$1.dumpcap.log" dumpcap -q -i "$VETH_C" -f "${CAPTURE_FILTER:-tcp}" -w "$raw"
    CAPTURE_PID=$BG_PID
    for ((i = 0; i < 50; i++)); do
        [[ -s "$raw" ]] && break
        sleep 0.1
    done
    [[ -s "$raw" ]] || die "dumpcap did not start: $(cat "$WORK/$SCEN.$1.dumpcap.log")"
    sleep 0.3
}

capture_stop() {
    sleep 0.5 # let the last FIN/ACK exchange finish
    kill -INT "$CAPTURE_PID"
    wait "$CAPTURE_PID" || true
    CAPTURE_PID=
}

# finish_capture RAW: embed the key log and put the capture in place as CAP.
# The capture without keys stays in RAW_CAP (a pcapng with a Decryption
# Secrets Block cannot be rewritten without it by editcap 4.0).
finish_capture() {
    local raw=$1 tmp=$WORK/$SCEN.final.pcapng
    RAW_CAP=$raw
    if [[ -n "${TLSDIAG_LAB_KEEP:-}" ]]; then # raw capture without keys, and the key log
        mkdir -p "$TLSDIAG_LAB_KEEP"
        cp "$raw" "$TLSDIAG_LAB_KEEP/$SCEN.raw.pcapng"
        cp "$(KEYS)" "$TLSDIAG_LAB_KEEP/$SCEN.keys"
    fi
    if [[ -s "$(KEYS)" ]]; then
        editcap --inject-secrets "tls,$(KEYS)" "$raw" "$tmp"
    else
        editcap "$raw" "$tmp"
    fi
    CAP=$WORK/$SCEN.pcapng # moved into captures/ once every check passed
    mv -f "$tmp" "$CAP"
}

# ---------------------------------------------------------------- checks

# tshark on the committed capture, with the embedded keys only.
tsh() { tshark -r "$CAP" -o tls.keylog_file:/dev/null "${TSHARK_ARGS[@]}" "$@" 2>/dev/null; }
frames() { tsh -Y "$1" -T fields -e frame.number | paste -sd' '; }
first() { local f; f=$(frames "$1"); echo "${f%% *}"; }
count() { tsh -Y "$1" -T fields -e frame.number | wc -l; }
need() { # N FILTER WHAT
    local n
    n=$(count "$2")
    [[ "$n" -eq "$1" ]] || die "expected $1 frame(s) with $3 [$2], found $n"
}
need_some() { # FILTER WHAT
    [[ $(count "$1") -ge 1 ]] || die "expected $2 [$1], found none"
}

# handshake_end STREAM: how the handshake on a TCP stream ended, from
# the capture alone: "aborted FRAME SIDE FIN|RST STAGE", "alert FRAME SIDE
# DESC STAGE", "complete" or "none". The rules are tlsdiag's: the first FIN
# or RST on a stream with a ClientHello and no completed handshake and no
# alert before it; or the first alert before completion.
handshake_end() {
    tsh -Y "tcp.stream==$1" -T fields -E occurrence=a -E aggregator=, \
        -e frame.number -e "$IP_FIELD.src" -e tcp.flags.fin -e tcp.flags.reset \
        -e tls.handshake.type -e tls.record.content_type -e tls.alert_message.desc |
        awk -F'\t' -v cli_a="$CLI" -v cli_b="$CLI2" '
        function stage() {
            return cflight ? "client_flight" : sflight ? "server_flight" : sh ? "server_hello" : "client_hello"
        }
        {
            client = ($2 == cli_a || $2 == cli_b); side = client ? "client" : "server"
            n = split($5, hs, ",")
            for (i = 1; i <= n; i++) {
                t = hs[i]
                if (client) {
                    if (t == 1) ch = 1
                    if (t == 16 || t == 20) cflight = 1
                    if (t == 20) cfin = 1
                } else {
                    if (t == 2) sh = 1
                    if (t == 14) sflight = 1
                    if (t == 20) { sfin = 1; if (!cflight) sflight = 1 }
                }
            }
            n = split($6, ct, ",")
            for (i = 1; i <= n; i++) {
                if (client && ct[i] == 20) cflight = 1
                if (!client && cfin && sfin) complete = 1
            }
            if ($7 != "" && ch && !complete) {
                split($7, al, ","); print "alert", $1, side, al[1], stage(); exit
            }
            if ($3 == "1" || $4 == "1" || $3 == "True" || $4 == "True") {
                # Before a ClientHello there is no handshake to end (the
                # plugin starts at the ClientHello): a reused 4-tuple can
                # show a RST on the new stream before its ClientHello.
                if (!ch) next
                if (ch && !complete)
                    print "aborted", $1, side, (($4 == "1" || $4 == "True") ? "RST" : "FIN"), stage()
                else
                    print (complete ? "complete" : "none")
                exit
            }
        }
        END { if (NR && complete) print "complete"; else if (!ch) print "none" }' | head -n 1
}

# ---------------------------------------------------------------- expectations

expect_begin() { # COMMENT-LINES...: starts NAME.expect
    EXPECT_ROWS=()
    EXPECT_COMMENTS=("$@")
    EXPECT_FALLBACK_COLS=0
    EXPECT_403_COLS=0
    EXPECT_COLS=
    EXPECT_EXTRA=() # more "#!" lines, e.g. "#! expert: ..." pinning a severity
}

row() { # FRAME FLAG SIDE CLOSE STAGE ALERT [PREVIOUS ATTEMPT]
    EXPECT_ROWS+=("$(printf '%s\t' "$1" "$2" "$3" "$4" "$5" "$6" "${7:-}" "${8:-}")")
}

# Issue 4 (HTTP 403 / client certificates) expectations have their own
# columns: frame flag side close alert http403.
expect403_begin() { # COMMENT-LINES...
    expect_begin "$@"
    EXPECT_403_COLS=1
}
row403() { # FRAME FLAG SIDE CLOSE ALERT HTTP403
    EXPECT_ROWS+=("$(printf '%s\t' "$1" "$2" "$3" "$4" "$5" "$6")")
}

# expect_write [NAME]: writes $WORK/NAME.expect (default: the scenario's).
# A scenario that writes a second capture (NAME-nokeys) calls it for that
# one itself and lists NAME in EXTRA_OUT.
#
# The rows found here by display filters become "#! truth:" lines: the
# generator's own reading of the capture, made without the plugin. The table
# under them is the plugin's full output, recorded and reviewed afterwards
# with testdata/check_capture.py --write (see README.md); the tests check
# both.
expect_write() {
    local f=$WORK/${1:-$SCEN}.expect line
    local cols="frame flag side close stage alert fallback.previous fallback.attempt"
    ((EXPECT_403_COLS)) && cols="frame flag side close alert http403"
    [[ -n "${EXPECT_COLS:-}" ]] && cols=$EXPECT_COLS
    {
        for line in "${EXPECT_COMMENTS[@]}"; do echo "# $line"; done
        ((${#TSHARK_ARGS[@]} == 0)) || echo "#! tshark-args: ${TSHARK_ARGS[*]}"
        if ((${#EXPECT_ROWS[@]} == 0)); then
            echo "#! truth: none"
        else
            printf '%s\n' "${EXPECT_ROWS[@]}" |
                awk -F'\t' -v names="$cols" 'BEGIN { n = split(names, col, " ") }
                    NF { printf "#! truth:"
                         for (i = 1; i <= n; i++) if ($i != "") printf " %s=%s", col[i], $i
                         print "" }' | sort -t= -k2,2n
        fi
        client_lines_write
        ((${#EXPECT_EXTRA[@]} == 0)) || printf '%s\n' "${EXPECT_EXTRA[@]}"
        printf 'frame\tflag\n'
    } >"$f"
}

# expect_end STREAM KIND SIDE CLOSE|ALERT STAGE: the handshake on STREAM must
# have ended that way (KIND aborted or alert); adds the expectation row.
expect_end() {
    local stream=$1 kind=$2 side=$3 how=$4 stage=$5 got k frame s h st
    got=$(handshake_end "$stream")
    read -r k frame s h st <<<"$got"
    [[ "$k $s $h $st" == "$kind $side $how $stage" ]] ||
        die "stream $stream: expected handshake end '$kind $side $how $stage', capture shows '$got'"
    case $kind in
    aborted) row "$frame" handshake_aborted "$side" "$how" "$stage" "" ;;
    alert)
        if [[ $how == 86 ]]; then
            row "$frame" fallback_rejected "$side" "" "$stage" "$how"
        else
            row "$frame" handshake_alert "$side" "" "$stage" "$how"
        fi
        ;;
    esac
    client_truth "$stream" "$frame"
}

expect_complete() { # STREAM
    local got
    got=$(handshake_end "$1")
    [[ $got == complete ]] || die "stream $1: expected a completed handshake, capture shows '$got'"
}

# ClientHello frame of a stream (the first one; a retransmission comes later).
hello_frame() { first "tcp.stream==$1 && tls.handshake.type==1 && !tcp.analysis.retransmission"; }

check_tls_decrypted() { # the embedded keys decrypt TLS 1.3 handshake messages
    need_some "tls.handshake.type==8" "a decrypted EncryptedExtensions (TLS 1.3, embedded keys)"
}

# ---------------------------------------------------------------- certificates

make_certs() {
    local d=$WORK
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" \
        -days 3 -subj "/CN=tlsdiag lab CA" 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/other-ca.key" -out "$d/other-ca.pem" \
        -days 3 -subj "/CN=tlsdiag other CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
        -subj "/CN=$SNI" 2>/dev/null
    printf 'subjectAltName=DNS:%s,DNS:blocked.tlsdiag.test\n' "$SNI" >"$d/server.ext"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
        -CAcreateserial -days 3 -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
    # Client certificates for mutual TLS: one from the lab CA (which the
    # servers trust for clients), one from the other CA (which they do not).
    printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
    local who ca
    for who in client:ca other-client:other-ca; do
        ca=${who#*:}
        who=${who%%:*}
        openssl req -newkey rsa:2048 -nodes -keyout "$d/$who.key" -out "$d/$who.csr" \
            -subj "/CN=$who.tlsdiag.test" 2>/dev/null
        openssl x509 -req -in "$d/$who.csr" -CA "$d/$ca.pem" -CAkey "$d/$ca.key" \
            -CAcreateserial -days 3 -extfile "$d/client.ext" -out "$d/$who.pem" 2>/dev/null
    done
}

# ---------------------------------------------------------------- scenarios

# shellcheck source=testdata/lab/scenarios.sh
source "$LAB_DIR/scenarios.sh"
# shellcheck source=testdata/lab/scenarios-resume-stall.sh
source "$LAB_DIR/scenarios-resume-stall.sh"
# shellcheck source=testdata/lab/scenarios-hard.sh
source "$LAB_DIR/scenarios-hard.sh"
# shellcheck source=testdata/lab/scenarios-siblings.sh
source "$LAB_DIR/scenarios-siblings.sh"
# shellcheck source=testdata/lab/scenarios-client-errors.sh
source "$LAB_DIR/scenarios-client-errors.sh"
# shellcheck source=testdata/lab/scenarios-certs.sh
source "$LAB_DIR/scenarios-certs.sh"
# shellcheck source=testdata/lab/scenarios-quic.sh
source "$LAB_DIR/scenarios-quic.sh"

# ---------------------------------------------------------------- main

list_scenarios() {
    local name
    for name in "${SCENARIOS[@]}"; do
        printf '%-34s %s\n' "$name" "${SUMMARY[$name]}"
        if [[ -n "${NOKEYS[$name]:-}" ]]; then
            printf '%-34s %s\n' "$name-nokeys" "same recording as $name, keys not embedded"
        fi
    done
}

run_scenario() {
    SCEN=$1
    say "start"
    : >"$(KEYS)"
    EXTRA_OUT=()
    IP_FIELD=ip TSHARK_ARGS=()
    client_runs_reset
    lab_up
    ${SCENARIO_FN[$SCEN]} # "function [args]", split on purpose
    expect_write
    lab_down
    mv -f "$CAP" "$OUT_DIR/$SCEN.pcapng"
    mv -f "$WORK/$SCEN.expect" "$OUT_DIR/$SCEN.expect"
    if [[ -n "${NEWER_EXPECT:-}" ]]; then # an expectation for a newer Wireshark, NAME.wireshark-X.Y.expect
        mv -f "$NEWER_EXPECT" "$OUT_DIR/"
        NEWER_EXPECT=
    fi
    say "ok: $SCEN.pcapng $(stat -c %s "$OUT_DIR/$SCEN.pcapng") bytes, ${#EXPECT_ROWS[@]} expected row(s)"
    local extra
    for extra in "${EXTRA_OUT[@]}"; do # written and checked by the scenario
        mv -f "$WORK/$extra.pcapng" "$OUT_DIR/$extra.pcapng"
        mv -f "$WORK/$extra.expect" "$OUT_DIR/$extra.expect"
        say "ok: $extra.pcapng $(stat -c %s "$OUT_DIR/$extra.pcapng") bytes"
    done
    SCEN=
}

main() {
    if [[ ${1:-} == --list ]]; then
        list_scenarios
        return
    fi
    if [[ ${1:-} == -h || ${1:-} == --help ]]; then
        sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        return
    fi
    [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, iptables)"
    local want=("$@") name
    ((${#want[@]})) || want=("${SCENARIOS[@]}")
    local i
    for i in "${!want[@]}"; do
        name=${want[$i]}
        # NAME-nokeys is written by scenario NAME (same recording, no keys embedded).
        if [[ -z "${SCENARIO_FN[$name]:-}" && $name == *-nokeys && -n "${NOKEYS[${name%-nokeys}]:-}" ]]; then
            want[$i]=${name%-nokeys}
            name=${want[$i]}
        fi
        [[ -n "${SCENARIO_FN[$name]:-}" ]] || die "unknown scenario '$name' (see --list)"
    done
    local -A seen=()
    local unique=()
    for name in "${want[@]}"; do # NAME and NAME-nokeys: one run
        [[ -n "${seen[$name]:-}" ]] || unique+=("$name")
        seen[$name]=1
    done
    want=("${unique[@]}")
    local tool
    for tool in ip iptables ethtool dumpcap editcap mergecap tshark openssl curl nginx ss "$PY"; do
        command -v "$tool" >/dev/null || die "missing tool: $tool"
    done
    "$PY" -c 'import h2' 2>/dev/null || die "missing python3-h2 (for $PY)"
    mkdir -p "$OUT_DIR"
    WORK=$(mktemp -d /tmp/tlsdiag-lab.XXXXXX)
    make_certs
    for name in "${want[@]}"; do
        run_scenario "$name"
    done
    echo "generate.sh: ${#want[@]} scenario(s) written to $OUT_DIR" >&2
}

main "$@"
