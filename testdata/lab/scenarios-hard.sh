# scenarios-hard.sh: issue 7, the hard cases (sourced by generate.sh after
# scenarios.sh; not run alone). Same conventions as scenarios.sh: real
# stacks, faults by iptables in the server namespace, checks by display
# filter, frame numbers from filters.

# s_client_at FROM-ADDR:PORT TO-ADDR:PORT EXTRA-ARGS...: like s_client, with an
# explicit source port (0: any) and server port. IPv6 addresses in brackets.
s_client_at() {
    local from=$1 to=$2
    shift 2
    client_run_begin OpenSSL
    in_c timeout 10 openssl s_client -connect "$to" -bind "$from" -servername "${CLIENT_SNI:-$SNI}" \
        -keylogfile "$(KEYS)" "$@" </dev/null >"$CLIENT_LOG" 2>&1 || true
    cat "$CLIENT_LOG" >>"$WORK/$SCEN.client.log"
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

# ---------------------------------------------------------------- IPv6

CLI6=fd00:213::2
SRV6=fd00:213::1

scenario ipv6-reset-after-flight "scn_ipv6_reset_after_flight" \
    "IPv6 (ULA): TLS 1.2 client flight answered by a RST from the server's address"
scn_ipv6_reset_after_flight() {
    expect_begin "IPv6: the lab's veth gets ULA addresses ($CLI6 client, $SRV6 server; IPv6 is off in the other scenarios)." \
        "TLS 1.2 (openssl s_client/s_server): the server sends its whole flight; the client's ClientKeyExchange record is" \
        "reset by ip6tables in front of the server (-m string on its record and handshake header 16 03 03 00 25 10, i.e." \
        "an X25519 key exchange; REJECT tcp-reset). Only IPv6 TCP in the capture."
    local CLI=$CLI6 SRV=$SRV6 ifc
    IP_FIELD=ipv6
    ipv6_up
    server_openssl_at "[$SRV6]:443" -www
    in_s ip6tables -A INPUT -p tcp --dport 443 -m string --algo bm --hex-string '|16030300251000|' \
        -j REJECT --reject-with tcp-reset
    record s_client_at "[$CLI6]:0" "[$SRV6]:443" -tls1_2
    need 0 "ip" "no IPv4"
    need_some "ipv6.src==$CLI6 && tcp.flags.syn==1" "an IPv6 SYN from the client"
    need_negotiated 0 1.2
    need 1 "tls.handshake.type==14" "a ServerHelloDone"
    need 1 "tls.handshake.type==16 && ipv6.src==$CLI6" "the client's ClientKeyExchange"
    need 1 "tcp.flags.reset==1 && ipv6.src==$SRV6" "one RST from the server"
    expect_end 0 aborted server RST client_flight
}
ipv6_up() { # ULA addresses on the veth pair, no duplicate address detection delay
    local ns ifc
    for ifc in "$VETH_C:$NS_C:$CLI6" "$VETH_S:$NS_S:$SRV6"; do
        IFS=: read -r dev ns _ <<<"$ifc"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=0"
    done
    in_c ip -6 addr add "$CLI6/64" dev "$VETH_C" nodad
    in_s ip -6 addr add "$SRV6/64" dev "$VETH_S" nodad
}

scenario ipv6-fallback-13-to-12-scsv "scn_ipv6_fallback" \
    "IPv6: TLS 1.3 ClientHello reset; retry at TLS 1.2 with SCSV; nginx alert inappropriate_fallback"
scn_ipv6_fallback() {
    fallback_begin "IPv6 ($CLI6 -> $SRV6), as fallback-13-to-12-scsv: ip6tables resets ClientHellos whose supported_versions" \
        "offers 1.3 (OpenSSL's default list, -m string on its bytes); the script retries 0.3 s later with s_client -tls1_2" \
        "-fallback_scsv; nginx (listening on [$SRV6]:443) answers inappropriate_fallback (86). Fallback driven by the script." \
        "The fallback link is keyed on IPv6 addresses."
    local CLI=$CLI6 SRV=$SRV6
    IP_FIELD=ipv6
    ipv6_up
    mkdir -p "$WORK/nginx/logs"
    {
        nginx_conf_head
        cat <<NGINX
    server {
        listen [$SRV6]:443 ssl;
        server_name $SNI;
        ssl_certificate $WORK/server.pem;
        ssl_certificate_key $WORK/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
    }
}
NGINX
    } >"$WORK/nginx/nginx.conf"
    bg "$NS_S" "$WORK/nginx.log" nginx -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf"
    wait_listen "[$SRV6]:443"
    in_s ip6tables -A INPUT -p tcp --dport 443 -m string --algo bm --hex-string '|002b0009080304030303020301|' \
        -j REJECT --reject-with tcp-reset
    record ipv6_fallback
    need 0 "ip" "no IPv4"
    need_fallback_13_to_12_rejected
}
ipv6_fallback() {
    s_client_at "[$CLI6]:0" "[$SRV6]:443"
    sleep "$FALLBACK_DELAY"
    s_client_at "[$CLI6]:0" "[$SRV6]:443" -tls1_2 -fallback_scsv
}

# ---------------------------------------------------------------- VLAN
#
# This kernel has no 8021q module (no "type vlan" links), no bridge and no tc
# vlan action, so the lab cannot put real 802.1Q subinterfaces on the veth.
# The frames are recorded as usual and the tag is inserted into every frame
# of the raw capture afterwards with tcprewrite (tcpreplay package), before
# the keys are embedded: same bytes and timing, plus the 4-byte tag.

VLAN_ID=213

scenario vlan-reset-after-flight "scn_vlan_reset_after_flight" \
    "802.1Q VLAN $VLAN_ID (tag added with tcprewrite): TLS 1.3 client flight (CCS, Finished) answered by a RST"
scn_vlan_reset_after_flight() {
    expect_begin "802.1Q VLAN $VLAN_ID: every frame carries a VLAN tag. The tag is INSERTED AFTERWARDS (tcprewrite" \
        "--enet-vlan=add on the raw capture): the lab kernel has no 8021q, bridge or tc vlan support. The frames" \
        "themselves are real: TLS 1.3 (openssl s_client/s_server); the server sends its whole flight; the client's" \
        "CCS/Finished flight is reset by iptables in front of the server (u32 on the CCS record, REJECT tcp-reset)."
    command -v tcprewrite >/dev/null || die "missing tool: tcprewrite (Debian package tcpreplay)"
    server_openssl "$SRV" -www
    reset_rule -m u32 --u32 "$U32_CCS_RECORD"
    capture_start main
    s_client "$CLI" "$SRV" -tls1_3
    capture_stop
    tcprewrite --enet-vlan=add --enet-vlan-tag="$VLAN_ID" --enet-vlan-cfi=0 --enet-vlan-pri=0 \
        -i "$WORK/$SCEN.main.raw.pcapng" -o "$WORK/$SCEN.vlan.pcap"
    finish_capture "$WORK/$SCEN.vlan.pcap"
    need 0 "!vlan" "no untagged frame"
    need_some "vlan.id==$VLAN_ID && tcp.flags.syn==1" "a tagged SYN"
    need_negotiated 0 1.3
    need 1 "tls.handshake.type==20 && ip.src==$SRV" "the server's Finished"
    need 1 "tls.handshake.type==20 && ip.src==$CLI" "the client's Finished (sent, never acknowledged)"
    need 1 "tcp.flags.reset==1 && ip.src==$SRV" "one RST from the server"
    expect_end 0 aborted server RST client_flight
}

# ---------------------------------------------------------------- non-standard port
#
# Wireshark 4.0 finds TLS on most unknown ports by itself (its TCP heuristic
# "tls_tcp" is on and recognizes a ClientHello): 8443 or 4433 decode as TLS
# without -d. It does not when the port belongs to another dissector: 8080
# is HTTP's, which takes the TLS bytes as HTTP continuation data. That is
# where a user needs -d tcp.port==8080,tls.

ALT_PORT=8080

scenario nonstandard-port-alert "scn_nonstandard_port_alert" \
    "TLS 1.2 on port $ALT_PORT (HTTP's port to tshark; needs -d tcp.port==$ALT_PORT,tls): client alert unknown_ca"
scn_nonstandard_port_alert() {
    expect_begin "TLS on port $ALT_PORT, which Wireshark 4.0 gives to its HTTP dissector: without" \
        "'-d tcp.port==$ALT_PORT,tls' (carried by this .expect) tshark shows no TLS at all and the plugin has nothing to see." \
        "TLS 1.2: openssl s_client -verify_return_error trusts another CA, rejects the certificate of openssl s_server" \
        "on $SRV:$ALT_PORT with a fatal alert unknown_ca (48) and closes."
    server_openssl_at "$SRV:$ALT_PORT" -www
    record s_client_at "$CLI:0" "$SRV:$ALT_PORT" -tls1_2 -verify_return_error -CAfile "$WORK/other-ca.pem"
    need 0 "tls" "no TLS without -d (port $ALT_PORT is HTTP's)"
    TSHARK_ARGS=(-d "tcp.port==$ALT_PORT,tls")
    need_some "tcp.port==$ALT_PORT" "traffic on port $ALT_PORT"
    need_negotiated 0 1.2
    need 1 "tls.alert_message.desc==48 && ip.src==$CLI" "one unknown_ca alert from the client"
    expect_end 0 alert client 48 server_flight
}

# ---------------------------------------------------------------- small segments, loss, reordering
#
# A segment lost on the way shows in the receiver's capture as a gap and a
# later retransmission only if it is dropped after the sender's TCP has sent
# it. iptables OUTPUT in the sender's namespace is too early (the stack sees
# the drop and just sends the data again, in order; and it sees GSO
# super-packets, not segments). So these scenarios route through a third
# namespace, NS_R, whose FORWARD chain drops one real segment:
#
#   client ns  RC_CLI --veth-- RC_RTR_C  router ns  RC_RTR_S --veth-- RC_SRV  server ns
#   (dumpcap on the client's veth)        (iptables FORWARD)

SMALL_MSS=100
RC_CLI=10.213.4.2
RC_RTR_C=10.213.4.1
RC_RTR_S=10.213.5.1
RC_SRV=10.213.5.2

# routed_lab [ROUTE-OPTIONS...]: build the routed path (options for both
# ends' routes, e.g. advmss 100). Sets RC_IF (the client's interface).
routed_lab() {
    local a=tcr$TAG b=trc$TAG c=tsr$TAG d=trs$TAG ns dev
    ip netns add "$NS_R"
    ip netns exec "$NS_R" ip link set lo up
    ip link add "$a" type veth peer name "$b"
    ip link add "$c" type veth peer name "$d"
    ip link set "$a" netns "$NS_C"
    ip link set "$b" netns "$NS_R"
    ip link set "$c" netns "$NS_S"
    ip link set "$d" netns "$NS_R"
    for dev in "$a:$NS_C" "$b:$NS_R" "$c:$NS_S" "$d:$NS_R"; do
        ns=${dev#*:} dev=${dev%%:*}
        ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null
        ip netns exec "$ns" ip link set "$dev" up
    done
    ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
    in_c ip addr add "$RC_CLI/24" dev "$a"
    ip netns exec "$NS_R" ip addr add "$RC_RTR_C/24" dev "$b"
    ip netns exec "$NS_R" ip addr add "$RC_RTR_S/24" dev "$d"
    in_s ip addr add "$RC_SRV/24" dev "$c"
    in_c ip route add "${RC_SRV%.*}.0/24" via "$RC_RTR_C" "$@"
    in_s ip route add "${RC_CLI%.*}.0/24" via "$RC_RTR_S" "$@"
    RC_IF=$a
}
router() { ip netns exec "$NS_R" iptables "$@"; }

scenario small-mss-reorder-tls12 "scn_small_mss_reorder 1.2" \
    "MSS $SMALL_MSS via a router; TLS 1.2 server flight in many segments, one lost and retransmitted after later ones; client alert unknown_ca"
scenario small-mss-reorder-tls13 "scn_small_mss_reorder 1.3" \
    "MSS $SMALL_MSS via a router; TLS 1.3 server flight in many segments, one lost and retransmitted after later ones; client alert unknown_ca"
scn_small_mss_reorder() {
    local v=$1
    expect_begin "TLS $v through a router namespace, MSS $SMALL_MSS on both ends (ip route advmss): every record longer than that" \
        "spans several segments (the certificate about 10) and small records share segments. The router drops the server's" \
        "3rd data segment once (iptables FORWARD, -m length + statistic nth), so the client receives the later segments of" \
        "the flight first and the lost one as a retransmission after them. Then openssl s_client -verify_return_error," \
        "which trusts another CA, rejects the certificate (reassembled from those segments) with alert unknown_ca (48)."
    routed_lab advmss "$SMALL_MSS"
    local CLI=$RC_CLI SRV=$RC_SRV VETH_C=$RC_IF
    server_openssl_at "$SRV:443" -www
    router -A FORWARD -p tcp --sport 443 -m length --length 120:1500 \
        -m statistic --mode nth --every 100000 --packet 2 -j DROP
    record s_client_at "$CLI:0" "$SRV:443" "$(vflag "$v")" -verify_return_error -CAfile "$WORK/other-ca.pem"
    need 0 "tcp.len > $SMALL_MSS" "no segment longer than the MSS"
    need_some "tcp.analysis.lost_segment && ip.src==$SRV" "a gap in the server's segments (previous segment not captured)"
    need_some "(tcp.analysis.retransmission || tcp.analysis.out_of_order) && ip.src==$SRV" \
        "the lost server segment, retransmitted after later ones"
    local cert
    cert=$(first "tls.handshake.type==11 && ip.src==$SRV")
    [[ -n $cert ]] || die "no server Certificate reassembled"
    [[ $(tsh -Y "frame.number==$cert" -T fields -e tcp.segment.count) -ge 5 ]] ||
        die "the server's Certificate (frame $cert) is not reassembled from 5 or more segments"
    need_negotiated 0 "$v"
    need 1 "tls.alert_message.desc==48 && ip.src==$CLI" "one unknown_ca alert from the client"
    expect_end 0 alert client 48 server_flight
}

# ---------------------------------------------------------------- hello formats no stack sends any more
#
# crafted_hello.py writes the ClientHello as raw bytes through a real socket
# (OpenSSL 3 can no longer send these); the server's answer is real.

crafted() { # KIND ARGS...: crafted_hello.py from CLI to SRV:443
    in_c timeout 15 "$PY" "$LAB_DIR/crafted_hello.py" "$@" --connect "$SRV:443" --bind "$CLI" \
        >>"$WORK/$SCEN.client.log" 2>&1 || die "crafted_hello.py failed: $(tail -n 3 "$WORK/$SCEN.client.log")"
}

scenario sslv2-hello-accepted "scn_sslv2_hello_accepted" \
    "crafted SSLv2-compatible ClientHello offering TLS 1.0; OpenSSL answers with a TLS 1.0 flight; client FIN"
scn_sslv2_hello_accepted() {
    expect_begin "CRAFTED ClientHello (crafted_hello.py sslv2): an SSLv2-compatible ClientHello (2-byte SSLv2 record" \
        "header, 3-byte cipher specs, 32-byte challenge) offering TLS 1.0 (0x0301), as pre-2014 clients sent it; no TLS" \
        "stack here can send one. The server is real: openssl s_server (TLS 1.0 allowed, @SECLEVEL=0) accepts it and sends" \
        "its TLS 1.0 flight (ServerHello .. ServerHelloDone); the crafted client cannot go on and closes (bare FIN)."
    server_openssl "$SRV" -www "${LEGACY[@]}"
    record crafted sslv2 --version 0x0301
    need_sslv2_hello 0x0301
    need 1 "tls.handshake.type==2 && tls.handshake.version==0x0301 && ip.src==$SRV" "a TLS 1.0 ServerHello"
    need 1 "tls.handshake.type==14 && ip.src==$SRV" "the server's ServerHelloDone"
    need 1 "tcp.flags.fin==1 && ip.src==$CLI" "one FIN from the client"
    # s_server answers the FIN with an alert (decode_error) and the client's
    # kernel with a RST: both after the FIN that ended the handshake.
    expect_end 0 aborted client FIN server_flight
}
need_sslv2_hello() { # VERSION: one SSLv2-format ClientHello offering VERSION
    need 1 "tls.handshake.type==1" "one ClientHello"
    need 1 "tls.handshake.type==1 && tls.record.version==0x0002 && tls.handshake.version==$1" \
        "an SSLv2-format ClientHello (record version 0x0002) offering $1"
}

scenario sslv2-hello-refused "scn_sslv2_hello_refused" \
    "crafted SSLv2-compatible ClientHello offering TLS 1.0 to a TLS 1.2+ server: alert protocol_version"
scn_sslv2_hello_refused() {
    expect_begin "CRAFTED ClientHello (crafted_hello.py sslv2, see sslv2-hello-accepted) offering TLS 1.0 (0x0301) to" \
        "openssl s_server -tls1_2: the real server refuses it with a fatal alert protocol_version (70)."
    server_openssl "$SRV" -www -tls1_2
    record crafted sslv2 --version 0x0301
    need_sslv2_hello 0x0301
    need 0 "tls.handshake.type==2" "no ServerHello"
    need 1 "tls.alert_message.desc==70 && ip.src==$SRV" "one protocol_version alert from the server"
    expect_end 0 alert server 70 client_hello
}

scenario sslv3-hello "scn_sslv3_hello" \
    "crafted SSL 3.0 ClientHello; OpenSSL 3 (no SSLv3) answers with an alert"
scn_sslv3_hello() {
    expect_begin "CRAFTED ClientHello (crafted_hello.py sslv3): record and hello version SSL 3.0 (0x0300), no extensions;" \
        "OpenSSL 3 is built without SSLv3, so s_client cannot send it. The real server (openssl s_server, @SECLEVEL=0)" "refuses it with a fatal alert handshake_failure (40), not protocol_version: it has no SSLv3 method at all."
    server_openssl "$SRV" -www "${LEGACY[@]}"
    record crafted sslv3
    need 1 "tls.handshake.type==1 && tls.record.version==0x0300 && tls.handshake.version==0x0300 && !tls.handshake.extension.type" \
        "one SSL 3.0 ClientHello without extensions"
    need 0 "tls.handshake.type==2" "no ServerHello"
    need 1 "tls.alert_message.desc==40 && ip.src==$SRV" "one handshake_failure alert from the server (OpenSSL 3: no SSLv3)"
    expect_end 0 alert server 40 client_hello
}

scenario draft13-hello "scn_draft13_hello" \
    "crafted ClientHello offering only draft TLS 1.3 (0x7f1c) in supported_versions; server alert"
scn_draft13_hello() {
    expect_begin "CRAFTED ClientHello (crafted_hello.py draft13): TLS 1.2 format, supported_versions offers only 0x7f1c" \
        "(TLS 1.3 draft 28, as early-2018 clients sent it). The real server (openssl s_server, TLS 1.2-1.3) knows no draft" \
        "versions and refuses it: fatal alert protocol_version (70). tlsdiag maps 0x7fxx to TLS 1.3 (version 0x0304)."
    server_openssl "$SRV" -www
    record crafted draft13
    need 1 "tls.handshake.type==1 && tls.handshake.extensions.supported_version==0x7f1c" "one ClientHello offering 0x7f1c"
    need 0 "tls.handshake.extensions.supported_version && tls.handshake.extensions.supported_version!=0x7f1c" \
        "no other version in supported_versions"
    need 0 "tls.handshake.type==2" "no ServerHello"
    need 1 "tls.alert_message.desc==70 && ip.src==$SRV" "one protocol_version alert from the server"
    expect_end 0 alert server 70 client_hello
}

scenario draft13-or-12-hello "scn_draft13_or_12_hello" \
    "crafted ClientHello offering draft TLS 1.3 (0x7f1c) and TLS 1.2; the server picks 1.2; client FIN"
scn_draft13_or_12_hello() {
    expect_begin "CRAFTED ClientHello (crafted_hello.py draft13 --draft 0x7f1c,0x0303): supported_versions offers TLS 1.3" \
        "draft 28 and TLS 1.2, as early-2018 clients did. The real server (openssl s_server) ignores the draft and answers" \
        "with its TLS 1.2 flight; the crafted client cannot go on and closes (bare FIN). tlsdiag's offered version is the" \
        "draft mapped to TLS 1.3 (0x0304), the negotiated one 0x0303."
    server_openssl "$SRV" -www
    record crafted draft13 --draft 0x7f1c,0x0303
    need 1 "tls.handshake.type==1 && tls.handshake.extensions.supported_version==0x7f1c && tls.handshake.extensions.supported_version==0x0303" \
        "one ClientHello offering 0x7f1c and 0x0303"
    need 1 "tls.handshake.type==2 && tls.handshake.version==0x0303 && !tls.handshake.extensions.supported_version && ip.src==$SRV" \
        "a TLS 1.2 ServerHello"
    need 1 "tls.handshake.type==14 && ip.src==$SRV" "the server's ServerHelloDone"
    need 1 "tcp.flags.fin==1 && ip.src==$CLI" "one FIN from the client"
    expect_end 0 aborted client FIN server_flight
}

# ---------------------------------------------------------------- STARTTLS
#
# starttls_server.py speaks the plaintext part (SMTP EHLO/STARTTLS, IMAP
# CAPABILITY/STARTTLS, PostgreSQL SSLRequest answered 'S') and then runs a
# real OpenSSL server (Python ssl) on the same connection; the client is
# openssl s_client -starttls. Wireshark 4.0 follows STARTTLS on the
# standard ports (smtp 25, imap 143, pgsql 5432): no -d needed.

server_starttls() { # PROTO PORT
    bg "$NS_S" "$WORK/starttls_server.log" "$PY" "$LAB_DIR/starttls_server.py" --proto "$1" \
        --listen "$SRV:$2" --cert "$WORK/server.pem" --key "$WORK/server.key"
    wait_listen "$SRV:$2"
}

scenario starttls-smtp-reset "scn_starttls smtp 25 reset" \
    "SMTP STARTTLS (EHLO, STARTTLS, 220), then the TLS 1.3 ClientHello is reset by the middlebox"
scenario starttls-imap-alert "scn_starttls imap 143 alert" \
    "IMAP STARTTLS, then the client rejects the server certificate: alert unknown_ca"
scenario starttls-postgres-reset "scn_starttls postgres 5432 reset" \
    "PostgreSQL SSLRequest answered 'S', then the TLS 1.2 ClientHello is reset by the middlebox"
scenario starttls-postgres-ok "scn_starttls postgres 5432 ok" \
    "negative: PostgreSQL SSLRequest answered 'S', TLS 1.3 handshake completes"
scn_starttls() {
    local proto=$1 port=$2 kind=$3 v=1.3 args=() what
    # TLS 1.2 where the handshake must complete: in 1.3 s_client's close_notify can beat the session tickets.
    [[ $proto == postgres ]] && v=1.2
    case $kind in
    reset)
        what="the middlebox resets the TLS $v ClientHello (u32 on the ClientHello, dport $port, REJECT tcp-reset)."
        mbox -A INPUT -p tcp --dport "$port" -m u32 --u32 "$U32_CLIENT_HELLO" -j REJECT --reject-with tcp-reset
        ;;
    alert)
        what="s_client -verify_return_error (trusting another CA) rejects the server's certificate: alert unknown_ca (48)."
        args=(-verify_return_error -CAfile "$WORK/other-ca.pem")
        ;;
    ok) what="the TLS $v handshake completes and the client closes. Negative: nothing to flag." ;;
    esac
    expect_begin "STARTTLS, $proto on port $port: openssl s_client -starttls $proto against starttls_server.py (plaintext" \
        "$proto, then a real OpenSSL server on the same connection). After the plaintext part, $what" \
        "The TLS handshake starts mid-stream (not at the stream's first byte)."
    server_starttls "$proto" "$port"
    record s_client_at "$CLI:0" "$SRV:$port" "$(vflag "$v")" -starttls "$proto" "${args[@]}"
    case $proto in
    smtp)
        # tshark 4.0 splits the command line "STARTTLS" into command "STAR" and parameter "TLS".
        need 1 "smtp.req && smtp.command_line contains \"STARTTLS\"" "the client's STARTTLS"
        need 1 "smtp.response.code==220 && frame.number > $(first 'smtp.command_line contains "STARTTLS"')" \
            "220 after STARTTLS"
        ;;
    imap)
        need 1 "imap.request.command==\"STARTTLS\" || imap.request contains \"STARTTLS\"" "the client's STARTTLS"
        ;;
    postgres)
        need 1 "pgsql.type==\"SSL request\"" "the client's SSLRequest"
        # tshark 4.0 does not dissect the one-byte answer as pgsql.
        need 1 "ip.src==$SRV && tcp.payload==53" "the server's one-byte answer 'S'"
        ;;
    esac
    local ch
    ch=$(hello_frame 0)
    [[ -n $ch ]] || die "no ClientHello"
    need 1 "tcp.seq > 1 && frame.number==$ch" "a ClientHello after plaintext data"
    need_offered_max 0 "$v"
    case $kind in
    reset)
        need 1 "tcp.flags.reset==1 && ip.src==$SRV" "one RST from the server"
        expect_end 0 aborted server RST client_hello
        ;;
    alert)
        need_negotiated 0 "$v"
        need 1 "tls.alert_message.desc==48 && ip.src==$CLI" "one unknown_ca alert from the client"
        expect_end 0 alert client 48 server_flight
        ;;
    ok)
        need_negotiated 0 "$v"
        expect_complete 0
        ;;
    esac
}

# ---------------------------------------------------------------- thousands of connections

MANY=2000
MANY_EVERY=400 # the middlebox resets every 400th ClientHello: 5 failures in 2000

scenario many-connections "scn_many_connections" \
    "$MANY short TLS 1.2 connections from one client, every ${MANY_EVERY}th ClientHello reset; the next one is a retry"
scn_many_connections() {
    fallback_begin "$MANY short TLS 1.2 connections, one after the other, from one client (many_clients.py: Python ssl," \
        "resuming the last good session so most handshakes are abbreviated; close_notify after each) to nginx. The" \
        "middlebox resets every ${MANY_EVERY}th ClientHello (u32 + statistic nth --every $MANY_EVERY --packet 200, tcp-reset):" \
        "$((MANY / MANY_EVERY)) failures; the client goes straight on with the next connection, which tlsdiag links as a" \
        "retry_after_failure (same client, server, SNI, version, within 60 s). Every other handshake completes. The table" \
        "lists annotated frames only; no key log (nothing needs decrypting). nginx still holds the server side of each reset" \
        "connection and closes it after its 60 s handshake timeout (FIN, answered by a client RST): after that stream ended."
    server_nginx
    reset_rule -m u32 --u32 "$U32_CLIENT_HELLO" -m statistic --mode nth --every "$MANY_EVERY" --packet 200
    local out
    capture_start main
    out=$(in_c timeout 300 "$PY" "$LAB_DIR/many_clients.py" --connect "$SRV:443" --sni "$SNI" \
        --cafile "$WORK/ca.pem" --count "$MANY" 2>>"$WORK/$SCEN.client.log")
    capture_stop
    finish_capture "$WORK/$SCEN.main.raw.pcapng"
    local nfail=$((MANY / MANY_EVERY))
    [[ $out == "ok $((MANY - nfail)) failed $nfail" ]] || die "many_clients.py: '$out', wanted $nfail failures"
    need_streams "$MANY"
    need "$MANY" "tls.handshake.type==1" "$MANY ClientHellos"
    need "$nfail" "tcp.flags.reset==1 && ip.src==$SRV" "$nfail RSTs from the server"
    local failed s
    failed=$(tsh -Y "tcp.flags.reset==1 && ip.src==$SRV" -T fields -e tcp.stream | paste -sd' ')
    need $((MANY - nfail)) "tls.record.content_type==20 && ip.src==$CLI" "a client ChangeCipherSpec in every other connection"
    need $((MANY - nfail)) "tls.record.content_type==20 && ip.src==$SRV" "a server ChangeCipherSpec in every other connection"
    need_some "tls.handshake.type==2 && !tls.handshake.type==11" "abbreviated (resumed) handshakes"
    need 0 "tls.alert_message.desc > 0" "no alert but close_notify"
    for s in $failed; do
        need_offered_max "$s" 1.2
        expect_end "$s" aborted server RST client_hello
        need_offered_max $((s + 1)) 1.2
        link_row $((s + 1)) retry_after_failure "$s" 1
    done
}

# ---------------------------------------------------------------- capture starting mid-connection
#
# midstream-start and midstream-reset (scenarios.sh) cut the capture after the
# ClientHello: nothing to flag. Missing was the other side of the line: a
# capture that starts after the TCP handshake but before the ClientHello
# (dumpcap started just after connect): no SYN, but the whole TLS handshake.

scenario midstream-before-clienthello "scn_midstream_before_clienthello" \
    "capture cut to start after the TCP handshake (no SYN), before the ClientHello; the ClientHello is reset"
scn_midstream_before_clienthello() {
    expect_begin "A capture that starts after the TCP handshake (SYN, SYN/ACK and the client's ACK are cut with editcap," \
        "as if dumpcap had started right after connect) but before the ClientHello. TLS 1.2 ClientHello with SNI" \
        "blocked.tlsdiag.test, reset by the middlebox (-m string, tcp-reset). No SYN is needed: the ClientHello is there," \
        "so the reset is flagged as in rst-after-clienthello-tls12."
    server_openssl "$SRV" -www
    reset_rule -m string --string blocked.tlsdiag.test --algo bm
    capture_start main
    CLIENT_SNI=blocked.tlsdiag.test s_client "$CLI" "$SRV" -tls1_2
    capture_stop
    cut_through "tcp.flags.ack==1 && tcp.flags.syn==0 && tcp.len==0 && ip.src==$CLI"
    need 0 "tcp.flags.syn==1" "no SYN"
    need 1 "frame.number==1 && tls.handshake.type==1" "the ClientHello as the first frame"
    need_offered_max 0 1.2
    need 1 "tcp.flags.reset==1 && ip.src==$SRV" "one RST from the server"
    expect_end 0 aborted server RST client_hello
}

# The server's FIRST data segment lost: the ServerHello reaches the client
# only in the retransmission, after the rest of the flight. tshark 4.0 by
# default (no out-of-order reassembly) shows the later segments as
# "Continuation Data" and the ServerHello alone, in the retransmission frame;
# with -o tcp.reassemble_out_of_order:TRUE the whole flight in that frame.
# Either way that TLS content is new: tshark never hands a segment it has
# already seen to TLS again. One recording, two expectations.
scenario small-mss-lost-serverhello-tls12 "scn_lost_serverhello" \
    "MSS $SMALL_MSS via a router; the server's FIRST segment (ServerHello) lost, retransmitted after the rest of the flight; client alert unknown_ca (+ -ooo)"
scn_lost_serverhello() {
    local what=("TLS 1.2 through a router namespace, MSS $SMALL_MSS on both ends; the router drops the server's FIRST data segment"
        "(the start of its flight: the ServerHello) once (iptables FORWARD, length + statistic nth). The client receives the rest"
        "of the flight first and the ServerHello in the (fast) retransmission after it, then openssl s_client"
        "-verify_return_error, which trusts another CA, rejects the certificate: alert unknown_ca (48).")
    routed_lab advmss "$SMALL_MSS"
    local CLI=$RC_CLI SRV=$RC_SRV VETH_C=$RC_IF sh
    server_openssl_at "$SRV:443" -www
    router -A FORWARD -p tcp --sport 443 -m length --length 120:1500 \
        -m statistic --mode nth --every 100000 --packet 0 -j DROP
    record s_client_at "$CLI:0" "$SRV:443" -tls1_2 -verify_return_error -CAfile "$WORK/other-ca.pem"
    need_some "tcp.analysis.lost_segment && ip.src==$SRV" "a gap at the start of the server's flight"
    need 1 "tls.alert_message.desc==48 && ip.src==$CLI" "one unknown_ca alert from the client"

    expect_begin "${what[@]}" \
        "Read with -o tcp.reassemble_out_of_order:TRUE (carried below): the whole server flight (ServerHello, Certificate," \
        "ServerKeyExchange, ServerHelloDone) is dissected in the retransmission frame. That content is new (tshark does not" \
        "dissect a segment it has already seen): the handshake reached server_flight, negotiated TLS 1.2." \
        "Same recording as $SCEN.pcapng, which is read with default preferences."
    TSHARK_ARGS=(-o tcp.reassemble_out_of_order:TRUE)
    sh=$(first "tls.handshake.type==2")
    need 1 "frame.number==$sh && tcp.analysis.retransmission && tls.handshake.type==14 && ip.src==$SRV" \
        "the whole server flight in the retransmission frame"
    need_negotiated 0 1.2
    expect_end 0 alert client 48 server_flight
    cp "$CAP" "$WORK/$SCEN-ooo.pcapng"
    expect_write "$SCEN-ooo"
    EXTRA_OUT+=("$SCEN-ooo")
    CLIENT_LINES=() # the same client line again, for the default reading

    TSHARK_ARGS=()
    expect_begin "${what[@]}" \
        "Default preferences (no out-of-order reassembly): tshark shows the segments after the gap as Continuation Data and" \
        "only the ServerHello, in the retransmission frame; no Certificate or ServerHelloDone. That ServerHello is new content:" \
        "the handshake reached server_hello, negotiated TLS 1.2. $SCEN-ooo is the same recording read with" \
        "-o tcp.reassemble_out_of_order:TRUE."
    sh=$(first "tls.handshake.type==2")
    need 1 "frame.number==$sh && tcp.analysis.retransmission && ip.src==$SRV" "the ServerHello, only in the retransmission frame"
    need 0 "tls.handshake.type==11 || tls.handshake.type==14" "no Certificate or ServerHelloDone without out-of-order reassembly"
    need_negotiated 0 1.2
    expect_end 0 alert client 48 server_hello
}

# The same on the other side: a ClientHello over three segments whose middle
# one is lost, recorded at the SERVER (a server-side or load-balancer
# capture: the client's own capture would show the segment sent). The
# ClientHello is complete only with the retransmission.
capture_start_server() { local NS_C=$NS_S VETH_C=$1; capture_start main; }

scenario lost-clienthello-segment-server-side "scn_lost_clienthello_segment" \
    "server-side capture, MSS $SMALL_MSS: the middle segment of a TLS 1.3 ClientHello lost and retransmitted; server alert handshake_failure"
scn_lost_clienthello_segment() {
    expect_begin "Captured at the SERVER's interface (as a server or load balancer would). TLS 1.3 through a router namespace," \
        "MSS $SMALL_MSS: the ClientHello spans three segments; the router drops the middle one once (iptables FORWARD, length +" \
        "statistic nth), so the server receives the third before the retransmitted second. Read with" \
        "-o tcp.reassemble_out_of_order:TRUE (carried below), tshark dissects the ClientHello in the retransmission frame" \
        "(new content: tshark never dissects a segment it has seen); with default preferences it never shows this ClientHello" \
        "at all (the retransmission is not reassembled), so there would be nothing to flag. Client and server have no" \
        "TLS 1.3 cipher suite in common (s_client -ciphersuites TLS_CHACHA20_POLY1305_SHA256, s_server TLS_AES_256_GCM_SHA384):" \
        "the server answers with a fatal alert handshake_failure (40)."
    routed_lab advmss "$SMALL_MSS"
    local CLI=$RC_CLI SRV=$RC_SRV ch
    server_openssl_at "$SRV:443" -www -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384
    router -A FORWARD -p tcp --dport 443 -m length --length 120:1500 \
        -m statistic --mode nth --every 100000 --packet 1 -j DROP
    capture_start_server "tsr$TAG"
    s_client_at "$CLI:0" "$SRV:443" -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
    capture_stop
    finish_capture "$WORK/$SCEN.main.raw.pcapng"
    need 0 "tls.handshake.type==1" "no ClientHello with default preferences"
    TSHARK_ARGS=(-o tcp.reassemble_out_of_order:TRUE)
    need_some "tcp.analysis.lost_segment && ip.src==$CLI" "a gap in the client's segments"
    ch=$(first "tls.handshake.type==1")
    [[ -n $ch ]] || die "no ClientHello"
    need 1 "frame.number==$ch && tcp.analysis.retransmission && ip.src==$CLI" "the ClientHello, complete only in the retransmission frame"
    [[ $(tsh -Y "frame.number==$ch" -T fields -e tcp.segment.count) -ge 3 ]] || die "the ClientHello is not in 3 or more segments"
    need 1 "tls.handshake.type==1 && tls.handshake.extensions.supported_version==0x0304" "a ClientHello offering TLS 1.3"
    need 1 "tls.alert_message.desc==40 && ip.src==$SRV" "one handshake_failure alert from the server"
    expect_end 0 alert server 40 client_hello
}
