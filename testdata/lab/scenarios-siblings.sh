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

scenario siblings-dual-stack-race "scn_siblings_dual_stack_race" \
    "Happy Eyeballs: the same name over IPv6 and IPv4 at once; IPv4 wins, the IPv6 loser is closed after its ClientHello"
scn_siblings_dual_stack_race() {
    local ready loser
    expect_begin "A dual-stack race, TLS 1.3, Python's ssl driven step by step: the client connects to the same" \
        "server name ($SNI) over IPv6 ($CLI6 -> $SRV6, stream 0, a relay adding 20 ms each way in front of" \
        "nginx: the slow family) and over IPv4 ($CLI -> $SRV, stream 1, nginx directly). The IPv4 connection sends" \
        "its Finished first; the client then closes the IPv6 one with a FIN, its ClientHello not answered yet:" \
        "handshake_abandoned, naming the IPv4 Finished (a sibling by name on the other family), closed 1." \
        "IPv6 is on (ULA addresses, nodad) in this scenario only. The IPv4 connection completes."
    EXPECT_COLS="frame flag side close stage abandoned.sibling abandoned.closed_together"
    SIBLINGS_VERSION=1.3
    ipv6_up
    server_nginx_one "$SRV" a
    bg "$NS_S" "$WORK/relay.log" "$PY" "$LAB_DIR/slow_relay.py" --listen "$SRV6:443" \
        --connect "$SRV:443" --delay 0.02
    wait_listen "[$SRV6]:443"
    record siblings_client "hello B; hello A; flight A; close B; wait 200; close A" \
        "B=$SRV6:443" "A=$SRV:443"
    SIBLINGS_VERSION=
    need_streams 2
    need 1 "tcp.stream==0 && ipv6.src==$CLI6 && tcp.flags.syn==1 && tcp.flags.ack==0" "the IPv6 SYN first"
    need 1 "tcp.stream==1 && ip.src==$CLI && tcp.flags.syn==1 && tcp.flags.ack==0" "the IPv4 SYN second"
    need 2 "tls.handshake.type==1 && tls.handshake.extensions_server_name==\"$SNI\"" "two ClientHellos for $SNI"
    need_negotiated 1 1.3
    expect_complete 1
    ready=$(client_frame 1 "tls.handshake.type==20")
    [[ -n $ready ]] || die "no Finished from the IPv4 connection (embedded keys)"
    loser=$(CLI=$CLI6 IP_FIELD=ipv6 end_frame 0 "aborted client FIN client_hello")
    need 0 "tcp.stream==0 && ipv6.src==$SRV6 && tls && frame.number < $loser" "a server answer before the IPv6 close"
    ((ready < loser)) || die "the IPv6 close ($loser) came before the IPv4 Finished ($ready)"
    truth "$loser" handshake_abandoned client FIN client_hello "$ready" 1
}

scenario siblings-cert-close-retry "scn_siblings_close_after_certificate" \
    "no sibling: the client closes right after the server's Certificate, then retries the same server"
scn_siblings_close_after_certificate() {
    local cert fin ms
    fallback_begin "A client that rejects the server's certificate without an alert (as an app pinning its server" \
        "does), TLS 1.3, Python's ssl driven step by step, directly to nginx: A (stream 0) reads the server's" \
        "flight (Certificate included) and closes with a FIN at once, its own flight held back; no other" \
        "connection to this server is open or ready: handshake_aborted. 300 ms later B (stream 1) tries the" \
        "same server again, same version and name, and completes: retry_after_failure of A."
    SIBLINGS_VERSION=1.3
    server_nginx_one "$SRV" a
    record siblings_client "hello A; hold A; close A; wait 300; hello B; flight B; wait 200; close B" \
        "A=$SRV:443" "B=$SRV:443"
    SIBLINGS_VERSION=
    need_streams 2
    need_offered_max 0 1.3
    need_offered_max 1 1.3
    need_negotiated 0 1.3
    need 1 "tcp.stream==0 && ip.src==$SRV && tls.handshake.type==11" "the server's Certificate on stream 0"
    need 0 "tcp.stream==0 && ip.src==$CLI && tls.handshake.type==20" "no Finished from A"
    expect_end 0 aborted client FIN server_flight
    cert=$(first "tcp.stream==0 && ip.src==$SRV && tls.handshake.type==11")
    fin=$(end_frame 0 "aborted client FIN server_flight")
    ms=$(tsh -Y "frame.number==$cert || frame.number==$fin" -T fields -e frame.time_epoch |
        awk 'NR == 1 { t = $1 } NR == 2 { printf "%d", ($1 - t) * 1000 }')
    ((ms < 10)) || die "A closed $ms ms after the server's Certificate, not at once"
    link_row 1 retry_after_failure 0 1
    need_negotiated 1 1.3
    expect_complete 1
}
