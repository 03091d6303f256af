# SPDX-License-Identifier: GPL-2.0-or-later
# scenarios-siblings.sh: connections a client abandoned next to failures
# (issue 16). Sourced by generate.sh after scenarios-resume-stall.sh, whose
# helpers (server_nginx_one, truth) it uses.

# siblings_client PLAN CONN...: siblings_client.py in the client namespace.
siblings_client() {
    local plan=$1 conn args=()
    shift
    for conn in "$@"; do args+=(--conn "$conn"); done
    in_c timeout 20 "$PY" "$LAB_DIR/siblings_client.py" --sni "$SNI" --keylog "$(KEYS)" \
        --max-version "${SIBLINGS_VERSION:-1.2}" --plan "$plan" "${args[@]}" \
        >>"$WORK/$SCEN.client.log" 2>&1 ||
        die "siblings_client.py failed: $(tail -n 3 "$WORK/$SCEN.client.log")"
}

# A relay on SRV2:443 holds every chunk 20 ms each way in front of an nginx on
# SRV:443: a 40 ms round trip, so the client can close a connection whose
# ClientHello the server has not answered yet, as a browser does.
slow_path_to_nginx() {
    server_nginx_one "$SRV" a
    bg "$NS_S" "$WORK/relay.log" "$PY" "$LAB_DIR/slow_relay.py" --listen "$SRV2:443" \
        --connect "$SRV:443" --delay 0.02
    wait_listen "$SRV2:443"
}

# end_frame STREAM "KIND SIDE HOW STAGE": the frame that ended the handshake
# on STREAM, which must have ended that way (see handshake_end).
end_frame() {
    local got kind frame rest
    got=$(handshake_end "$1")
    read -r kind frame rest <<<"$got"
    [[ "$kind $rest" == "$2" ]] || die "stream $1: expected '$2', capture shows '$got'"
    echo "$frame"
}

# The client's first record of a kind on a stream, by display filter.
client_frame() { # STREAM FILTER
    first "tcp.stream==$1 && ip.src==$CLI && $2"
}

# ================================================================ issue 16

scenario siblings-surplus-closes "scn_siblings_surplus" \
    "4 connections at once to nginx: one completes, three are closed as surplus at three stages"
scn_siblings_surplus() {
    local ready c b d
    expect_begin "A browser's surplus connections, made by Python's ssl (memory BIOs) driven step by step: four" \
        "TLS 1.2 connections to nginx behind a relay that adds 20 ms each way. Connection A (stream 0) sends its" \
        "Finished; 8 ms later the client closes C (stream 3, its ClientHello sent 30 ms after the others," \
        "not answered yet), B (stream 1, after the server's flight) and D (stream 2, right after its own Finished)" \
        "with a FIN, no alert: handshake_abandoned, each naming A's Finished, closed 1, 2 and 3 in a row." \
        "A then completes."
    EXPECT_COLS="frame flag side close stage abandoned.sibling abandoned.closed_together"
    slow_path_to_nginx
    record siblings_client "hello A; hello B; hello D; wait 30; hello C; flight A; wait 8; close C; close B; flight D; close D; confirm A; wait 200; close A" \
        "A=$SRV2:443" "B=$SRV2:443" "D=$SRV2:443" "C=$SRV2:443"
    need_streams 4
    expect_complete 0
    ready=$(client_frame 0 "tls.record.content_type==20")
    [[ -n $ready ]] || die "no Finished from connection A"
    c=$(end_frame 3 "aborted client FIN client_hello")
    b=$(end_frame 1 "aborted client FIN server_flight")
    d=$(end_frame 2 "aborted client FIN client_flight")
    need 0 "tcp.stream==3 && ip.src==$SRV2 && tls && frame.number < $c" "a server answer before C's close"
    ((ready < c && c < b && b < d)) || die "closes out of order: ready $ready, C $c, B $b, D $d"
    truth "$c" handshake_abandoned client FIN client_hello "$ready" 1
    truth "$b" handshake_abandoned client FIN server_flight "$ready" 2
    truth "$d" handshake_abandoned client FIN client_flight "$ready" 3
}

scenario siblings-next-to-failures "scn_siblings_next_to_failures" \
    "a surplus close beside a ClientHello the server resets, and a client giving up on an unanswered one"
scn_siblings_next_to_failures() {
    local ready e b f
    expect_begin "Surplus and failures side by side, TLS 1.3, Python's ssl driven step by step. To the relay" \
        "(SRV2, 20 ms each way): A (stream 0) sends its Finished; then E (stream 2, source port 47016) sends its" \
        "ClientHello, which the middlebox resets (iptables REJECT tcp-reset): a server RST among surplus closes" \
        "stays handshake_aborted; B (stream 1) sends its own Finished and is closed with a FIN right after:" \
        "handshake_abandoned. F (stream 3) goes straight to nginx ($SRV) with another server name; the middlebox" \
        "drops the server's answers (iptables OUTPUT) and the client gives up 1.5 s after its ClientHello:" \
        "handshake_aborted, no sibling."
    EXPECT_COLS="frame flag side close stage abandoned.sibling"
    SIBLINGS_VERSION=1.3
    slow_path_to_nginx
    reset_rule -s "$CLI" --sport 47016 -m u32 --u32 "$U32_CLIENT_HELLO"
    # The server's answers to F are lost, not F's ClientHello: the client's
    # data is acknowledged, so its FIN leaves at once when it gives up.
    mbox -A OUTPUT -p tcp -s "$SRV" --sport 443 -d "$CLI" -m u32 --u32 "${PAY}0>>24=0x16" -j DROP
    record siblings_client "hello A; hello B; flight A; hello E; reset E; flight B; close B; hello F; wait 1500; close F; wait 300; close A" \
        "A=$SRV2:443" "B=$SRV2:443" "E=$SRV2:443@47016" "F=$SRV:443/blocked.tlsdiag.test"
    SIBLINGS_VERSION=
    need_streams 4
    ready=$(client_frame 0 "tls.handshake.type==20")
    [[ -n $ready ]] || die "no Finished from connection A (embedded keys)"
    e=$(end_frame 2 "aborted server RST client_hello")
    b=$(end_frame 1 "aborted client FIN client_flight")
    f=$(end_frame 3 "aborted client FIN client_hello")
    need 0 "tcp.stream==3 && ip.src==$SRV && tls" "a server answer to F"
    truth "$e" handshake_aborted server RST client_hello
    truth "$b" handshake_abandoned client FIN client_flight "$ready"
    truth "$f" handshake_aborted client FIN client_hello
}
