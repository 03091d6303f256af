# scenarios-hard.sh: issue 7, the hard cases (sourced by generate.sh after
# scenarios.sh; not run alone). Same conventions as scenarios.sh: real
# stacks, faults by iptables in the server namespace, checks by display
# filter, frame numbers from filters.

# s_client_at FROM-ADDR:PORT TO-ADDR:PORT EXTRA-ARGS...: like s_client, with an
# explicit source port (0: any) and server port. IPv6 addresses in brackets.
s_client_at() {
    local from=$1 to=$2
    shift 2
    in_c timeout 10 openssl s_client -connect "$to" -bind "$from" -servername "${CLIENT_SNI:-$SNI}" \
        -keylogfile "$(KEYS)" "$@" </dev/null >>"$WORK/$SCEN.client.log" 2>&1 || true
}

# server_openssl_at ADDR:PORT EXTRA-ARGS...: openssl s_server on any address/port.
server_openssl_at() {
    local at=$1
    shift
    bg "$NS_S" "$WORK/s_server-${at//[^0-9a-f.]/_}.log" openssl s_server -accept "$at" \
        -cert "$WORK/server.pem" -key "$WORK/server.key" -quiet "$@"
    wait_listen "$at"
}

# ---------------------------------------------------------------- port reuse
#
# The plugin keys its state on tshark's tcp.stream. Two connections with the
# same 4-tuple must be two streams, and nothing of the first may carry over.

REUSE_PORT=40404

need_same_tuple() { # N: N connections, all from CLI:REUSE_PORT to SRV:443, N streams
    need "$1" "tcp.flags.syn==1 && tcp.flags.ack==0 && !tcp.analysis.retransmission" "$1 connection attempts"
    need 0 "tcp.port!=$REUSE_PORT || tcp.port!=443" "no other ports"
    local last=$(($1 - 1))
    need_some "tcp.stream==$last" "stream $last"
    need 0 "tcp.stream>$last" "no stream after $last"
    need_some "tcp.analysis.reused_ports" "tshark's 'TCP port numbers reused'"
}

scenario port-reuse "scn_port_reuse" \
    "TLS 1.2 ClientHello reset; retry on the SAME 4-tuple completes (challenge ACK, RST, new SYN)"
scn_port_reuse() {
    fallback_begin "TCP port reuse: both connections use the same 4-tuple ($CLI:$REUSE_PORT -> $SRV:443; s_client -bind)." \
        "The first TLS 1.2 ClientHello is reset by the middlebox (u32 + statistic nth: the first ClientHello only," \
        "tcp-reset): the client's socket is gone at once (RST: no TIME_WAIT), but nginx's side of it is still" \
        "ESTABLISHED (the ClientHello never reached it). 0.3 s later s_client connects again from the same port:" \
        "nginx answers the new SYN with a challenge ACK, the client's kernel answers that with a RST (which ends nginx's" \
        "old socket), retransmits its SYN, and this connection completes. tshark puts the new SYN, the challenge ACK" \
        "and the RST in stream 1 ('TCP Port numbers reused'): a RST before that stream's ClientHello, which is no" \
        "handshake's end. Rows: the first handshake_aborted; the second ClientHello is a retry_after_failure of the" \
        "first (same client, server, SNI and version) that completes; nothing else (no state carried over)."
    server_nginx
    reset_rule -m u32 --u32 "$U32_CLIENT_HELLO" -m statistic --mode nth --every 1000 --packet 0
    record port_reuse
    need_same_tuple 2
    need_offered_max 0 1.2
    need_offered_max 1 1.2
    expect_end 0 aborted server RST client_hello
    need 1 "tcp.stream==1 && tcp.flags.reset==1 && ip.src==$CLI && frame.number < $(hello_frame 1)" \
        "the client's RST answering the challenge ACK, before the second ClientHello"
    link_row 1 retry_after_failure 0 1
    need_negotiated 1 1.2
    expect_complete 1
}
port_reuse() {
    s_client_at "$CLI:$REUSE_PORT" "$SRV:443" -tls1_2
    sleep 0.3
    s_client_at "$CLI:$REUSE_PORT" "$SRV:443" -tls1_2
}

scenario port-reuse-after-complete "scn_port_reuse_after_complete" \
    "completed TLS 1.2 connection, then a new one (TLS 1.3) on the SAME 4-tuple reset after its ClientHello"
scn_port_reuse_after_complete() {
    fallback_begin "TCP port reuse the other way round: a TLS 1.2 connection from $CLI:$REUSE_PORT to $SRV:443 (s_client -bind)" \
        "completes and closes (whichever side closed first holds the 4-tuple in TIME_WAIT); 1.2 s later (tcp_tw_reuse=1 in the" \
        "client namespace; a Linux server takes a new SYN with newer timestamps on a TIME_WAIT 4-tuple) s_client connects" \
        "again from the same port, with SNI blocked.tlsdiag.test; the middlebox resets that ClientHello (-m string). It must be" \
        "judged on its own: handshake_aborted at client_hello (not 'complete', not a later stage from the first stream)." \
        "Different SNI: no retry link."
    in_c sysctl -qw net.ipv4.tcp_tw_reuse=1
    server_nginx
    reset_rule -m string --string blocked.tlsdiag.test --algo bm
    record port_reuse_after_complete
    need_same_tuple 2
    need_negotiated 0 1.2
    expect_complete 0
    need_offered_max 1 1.3
    need 1 "tcp.stream==1 && tls.handshake.extensions_server_name==\"blocked.tlsdiag.test\"" "the second ClientHello's SNI"
    need 1 "tcp.flags.reset==1" "one RST"
    expect_end 1 aborted server RST client_hello
}
port_reuse_after_complete() {
    s_client_at "$CLI:$REUSE_PORT" "$SRV:443" -tls1_2 # 1.3: s_client's close_notify may beat the tickets
    sleep 1.2
    CLIENT_SNI=blocked.tlsdiag.test s_client_at "$CLI:$REUSE_PORT" "$SRV:443"
}
