# SPDX-License-Identifier: GPL-2.0-or-later
# scenarios-quic.sh: TLS handshakes inside QUIC (issue 18): a server that
# refuses the client's first flight, a server that requires a client
# certificate, no server at all (ICMP), UDP dropped on the way with the
# client falling back to TLS over TCP, version negotiation without a common
# version, a Retry whose token answer never reaches the server, a clean
# capture (greased version, Retry) that must stay silent, and HTTP/3 with
# mutual TLS (curl and nginx from the Debian 13 chroot, see below).
# Sourced by generate.sh after the other scenario files, whose helpers it
# uses. Needs the Debian 12 packages ngtcp2-client and ngtcp2-server
# (gtlsclient and gtlsserver: ngtcp2 with GnuTLS, SSLKEYLOGFILE support).
#
# These captures hold UDP and ICMP besides TCP (CAPTURE_FILTER below); the
# other scenarios still capture TCP only.

QUIC_PORT=443
QUIC_CAPTURE='udp or icmp or tcp'

# quic_server PORT LOG-NAME GTLSSERVER-OPTIONS...: gtlsserver on SRV:PORT.
quic_server() {
    local port=$1 name=$2 i
    shift 2
    command -v gtlsserver >/dev/null || die "missing gtlsserver (Debian package ngtcp2-server)"
    mkdir -p "$WORK/htdocs"
    echo ok >"$WORK/htdocs/index.html"
    bg "$NS_S" "$WORK/$SCEN.$name.log" gtlsserver -q -d "$WORK/htdocs" "$@" \
        "$SRV" "$port" "$WORK/server.key" "$WORK/server.pem"
    for ((i = 0; i < 50; i++)); do
        [[ -n "$(in_s ss -Hlun "src = $SRV:$port")" ]] && return 0
        sleep 0.1
    done
    die "gtlsserver does not listen on $SRV:$port (see $WORK/$SCEN.$name.log)"
}

# quic_client PORT GTLSCLIENT-OPTIONS...: one HTTP/3 request with gtlsclient,
# its TLS secrets appended to the scenario's key log. Failure is expected in
# most scenarios: the capture is checked, not the exit status.
quic_client() {
    local port=$1
    shift
    command -v gtlsclient >/dev/null || die "missing gtlsclient (Debian package ngtcp2-client)"
    in_c env SSLKEYLOGFILE="$(KEYS)" timeout 15 gtlsclient -q --exit-on-all-streams-close \
        --sni="$SNI" "$@" "$SRV" "$port" "https://$SNI/" </dev/null >>"$WORK/$SCEN.client.log" 2>&1 || true
}

# A client that falls back: it tries QUIC, and when that fails it tries
# TLS over TCP to the same server and port, as browsers do.
quic_then_tcp() { # GTLSCLIENT-OPTIONS...
    quic_client "$QUIC_PORT" "$@"
    s_client_lingering "$CLI" "$SRV" -tls1_3
}

quic_record() { CAPTURE_FILTER=$QUIC_CAPTURE record "$@"; }

scenario quic-clean "scn_quic_clean" \
    "negative: a greased QUIC version answered by Version Negotiation, then v1; a Retry, then v1"
scn_quic_clean() {
    expect_begin "Negative. Two gtlsclient connections: the first offers version 0x1a2a3a4a, which gtlsserver does" \
        "not speak; it answers with a Version Negotiation that lists v1, and the client starts again with v1 and" \
        "completes (RFC 9000 6: how clients probe; no failure). The second goes to a gtlsserver that validates" \
        "addresses (-V): Retry, the client's Initial with the token, a completed handshake. Keys embedded." \
        "why: no annotation: a Version Negotiation the client follows, and one Retry the client answers, are no failures."
    EXPECT_COLS="frame flag side stage alert quic.path"
    quic_server "$QUIC_PORT" plain
    quic_server 4433 retry -V
    quic_record quic_clean_clients
    need 1 "quic.version==0" "one Version Negotiation"
    need 1 "quic.long.packet_type==3 && ip.src==$SRV" "one Retry"
    need 2 "quic.frame_type==0x1e && ip.src==$SRV" "two HANDSHAKE_DONE frames (decrypted)"
    need 0 "quic.cc.error_code" "a CONNECTION_CLOSE"
}
quic_clean_clients() {
    quic_client "$QUIC_PORT" -v 0x1a2a3a4a --preferred-versions=v1
    quic_client 4433
}

scenario quic-refused-initial "scn_quic_refused_initial" \
    "QUIC: no key-exchange group in common; the server closes at the Initial level (handshake_failure)"
scn_quic_refused_initial() {
    local frame
    expect_begin "gtlsclient offers only X25519, gtlsserver accepts only secp521r1: the server answers the client's" \
        "Initial with a CONNECTION_CLOSE in an Initial packet, CRYPTO_ERROR 0x128 (TLS alert handshake_failure," \
        "40). Readable without keys (Initial packets are protected with keys derived from the client's DCID)." \
        "why: quic_handshake_closed on the close, stage initial (no Handshake packet from the server): the server" \
        "refused the first exchange, so its expert item is an Error."
    EXPECT_COLS="frame flag side stage alert"
    quic_server "$QUIC_PORT" plain --groups=-GROUP-ALL:+GROUP-SECP521R1
    quic_record quic_client "$QUIC_PORT" --groups=-GROUP-ALL:+GROUP-X25519
    need 0 "quic.long.packet_type==2 && ip.src==$SRV" "a Handshake packet from the server"
    frame=$(first "ip.src==$SRV && quic.long.packet_type==0 && quic.cc.error_code==0x128")
    [[ -n $frame ]] || die "no Initial-level CONNECTION_CLOSE 0x128 from the server"
    truth "$frame" quic_handshake_closed server initial 40
}

scenario quic-client-cert-required "scn_quic_client_cert_required" \
    "QUIC with keys: the server requires a client certificate, the client has none (certificate_required)"
scn_quic_client_cert_required() {
    local frame
    expect_begin "gtlsserver --verify-client asks for a client certificate; gtlsclient has none, sends an empty" \
        "Certificate and its Finished; the server closes with CRYPTO_ERROR 0x174 (certificate_required, 116) in" \
        "Handshake and 1-RTT packets, and repeats the close. Only the key log (embedded) makes the close readable." \
        "The client is gone by then: its ICMP port unreachable errors quote the later closes (not new closes)." \
        "why: client_cert_rejected on the first close only: certificate_required after the client's empty Certificate."
    EXPECT_COLS="frame flag side stage alert client_certificate"
    quic_server "$QUIC_PORT" mtls --verify-client
    quic_record quic_client "$QUIC_PORT"
    need_some "tls.handshake.type==13" "a decrypted CertificateRequest"
    frame=$(first "ip.src==$SRV && quic.long.packet_type==2 && quic.cc.error_code==0x174 && !icmp")
    [[ -n $frame ]] || die "no Handshake-level CONNECTION_CLOSE 0x174 from the server"
    truth "$frame" client_cert_rejected server handshake 116 empty
}

scenario quic-no-server "scn_quic_no_server" \
    "QUIC to a port where nothing listens: ICMP port unreachable; the client gives up after 3 s"
scn_quic_no_server() {
    local frame
    expect_begin "No QUIC server on $SRV:$QUIC_PORT: the server host answers each Initial with ICMP port unreachable," \
        "which gtlsclient ignores; it retransmits its Initial and gives up at its 3 s handshake timeout with a" \
        "CONNECTION_CLOSE in an Initial packet. The quoted Initials inside the ICMP errors are not new packets." \
        "why: quic_unanswered on the client's close (it stops there), path port_closed (ICMP port unreachable)."
    EXPECT_COLS="frame flag side stage quic.path"
    quic_record quic_client "$QUIC_PORT" --handshake-timeout=3s
    need 0 "ip.src==$SRV && quic && !icmp" "a QUIC packet from the server"
    need_some "icmp.type==3 && icmp.code==3" "ICMP port unreachable"
    frame=$(first "ip.src==$CLI && quic.cc.error_code && !icmp")
    [[ -n $frame ]] || die "the client did not close"
    truth "$frame" quic_unanswered client initial port_closed
}

scenario quic-udp-dropped-fallback "scn_quic_udp_dropped_fallback" \
    "UDP to the server dropped (iptables); the client gives up QUIC and falls back to TLS over TCP"
scn_quic_udp_dropped_fallback() {
    local close hello
    expect_begin "gtlsserver listens on UDP $SRV:$QUIC_PORT and openssl s_server on TCP $SRV:$QUIC_PORT, but the" \
        "middlebox drops UDP to that port (iptables DROP, no ICMP). gtlsclient retransmits its Initial and gives up" \
        "after 2 s with a CONNECTION_CLOSE; the client script then connects with openssl s_client over TCP, and" \
        "that TLS 1.3 handshake completes: the fallback browsers make when QUIC is blocked." \
        "why: quic_unanswered on the client's close (path udp_filtered: silence, no ICMP); quic_fallback_to_tcp on the" \
        "TCP ClientHello, linked to the QUIC attempt's first Initial and to that close."
    EXPECT_COLS="frame flag side stage quic.path fallback.previous"
    quic_server "$QUIC_PORT" plain
    server_openssl "$SRV"
    mbox -A INPUT -p udp --dport "$QUIC_PORT" -j DROP
    quic_record quic_then_tcp --handshake-timeout=2s
    need 0 "ip.src==$SRV && udp" "a UDP datagram from the server"
    need 0 "icmp" "an ICMP error"
    close=$(first "ip.src==$CLI && quic.cc.error_code")
    hello=$(first "tcp && tls.handshake.type==1")
    [[ -n $close && -n $hello ]] || die "no client close or no TCP ClientHello"
    need 1 "tcp && tls.handshake.type==20 && ip.src==$CLI" "the client's Finished over TCP (decrypted)"
    truth "$close" quic_unanswered client initial udp_filtered
    truth "$hello" quic_fallback_to_tcp client "" "" "$(first "quic.long.packet_type==0 && ip.src==$CLI")"
}

scenario quic-version-mismatch "scn_quic_version_mismatch" \
    "QUIC version negotiation without a common version; the client falls back to TLS over TCP"
scn_quic_version_mismatch() {
    local vn hello
    expect_begin "gtlsclient offers version 0x1a2a3a4a and accepts only the v2 draft after a Version Negotiation;" \
        "gtlsserver lists v1 (and a greased version). No version in common: the client gives up (\"Unable to" \
        "select a version\") and the script falls back to TLS over TCP. The negotiation is known to have failed" \
        "only when the capture ends (the client could still come back): two-pass mode." \
        "why: quic_no_common_version on the Version Negotiation (two-pass); quic_fallback_to_tcp on the TCP ClientHello," \
        "whose failure is that negotiation." \
        "ngtcp2 only lets its client offer a version it does not support when that version is greased (0x?a?a?a?a), so" \
        "the negotiation verdict is a Note whose text says the client may only have probed; the fallback says more."
    EXPECT_COLS="frame flag side capture_end fallback.previous"
    quic_server "$QUIC_PORT" plain --preferred-versions=v1
    server_openssl "$SRV"
    quic_record quic_then_tcp -v 0x1a2a3a4a --preferred-versions=v2draft
    vn=$(first "quic.version==0 && ip.src==$SRV")
    hello=$(first "tcp && tls.handshake.type==1")
    [[ -n $vn && -n $hello ]] || die "no Version Negotiation or no TCP ClientHello"
    need 0 "quic.long.packet_type==0 && quic.version==1" "a v1 Initial"
    need 1 "tcp && tls.handshake.type==20 && ip.src==$CLI" "the client's Finished over TCP (decrypted)"
    truth "$vn" quic_no_common_version server 1
    truth "$hello" quic_fallback_to_tcp client "" 1
}

# u32 (from the IPv4 header): a UDP datagram whose first packet is a long-header
# Initial (first byte 0xC?) with a token (its first token length byte is not 0).
# The token length sits after the two connection IDs, whose lengths the match
# follows with "@": payload byte 5 is the DCID length, byte 6+DCID the SCID
# length, byte 7+DCID+SCID the token length (RFC 9000 17.2.2).
U32_QUIC_INITIAL_WITH_TOKEN='0>>22&0x3C@8>>24&0xF0=0xC0&&0>>22&0x3C@10&0xFF@11&0xFF@12&0xFF=0x1:0xFF'

scenario quic-retry-token-dropped "scn_quic_retry_token_dropped" \
    "QUIC Retry; a middlebox drops the client's Initials that carry the token; the client gives up"
scn_quic_retry_token_dropped() {
    local retry close
    expect_begin "gtlsserver validates addresses (-V): it answers the client's first Initial with a Retry. The" \
        "middlebox in front of it drops every Initial that carries a token (iptables u32 on the long header's token" \
        "length), as a QUIC load balancer does that cannot route the connection ID the Retry gave the client. The" \
        "client answers the Retry with its Initial and the token, retransmits it, hears nothing more and gives up at" \
        "its 2 s handshake timeout with a CONNECTION_CLOSE in an Initial packet. ngtcp2 sends that closing Initial" \
        "without the token, so it passes: the server answers it with a second Retry, and the client, gone by then," \
        "with an ICMP port unreachable that quotes it." \
        "why: quic_retry_loop on the client's close: it answered the Retry with its token and never heard from the" \
        "server again, so the Retry led nowhere; stage initial (no Handshake packet from the server). The second" \
        "Retry and the ICMP error come after the client's close, which ended the attempt: not flagged."
    EXPECT_COLS="frame flag side stage quic.retry"
    quic_server "$QUIC_PORT" retry -V
    mbox -A INPUT -p udp --dport "$QUIC_PORT" -m u32 --u32 "$U32_QUIC_INITIAL_WITH_TOKEN" -j DROP
    quic_record quic_client "$QUIC_PORT" --handshake-timeout=2s
    retry=$(first "quic.long.packet_type==3 && ip.src==$SRV")
    [[ -n $retry ]] || die "no Retry from the server"
    need 0 "ip.src==$SRV && quic && !icmp && !(quic.long.packet_type==3)" "a server packet other than Retry"
    close=$(first "ip.src==$CLI && quic.cc.error_code")
    [[ -n $close ]] || die "the client did not close"
    need_some "ip.src==$CLI && quic.long.packet_type==0 && quic.token_length>0 && frame.number<$close" \
        "client Initials with the token before its close"
    truth "$close" quic_retry_loop client initial "$retry"
}

# ---- HTTP/3 (item 6): curl and nginx from Debian 13 ----------------------------
# Debian 12 has no HTTP/3 curl or nginx; Debian 13 (the Wireshark 4.4 chroot
# of testdata/versions, with the packages curl and nginx added) has both.
# They run from that tree (chroot) inside this lab's namespaces; their files
# live in a directory under its /tmp for the scenario's duration.
H3_ROOT=${TLSDIAG_H3_ROOT:-/var/cache/tlsdiag/chroots/trixie}

h3_dir() { echo "/tmp/tlsdiag-h3-$TAG"; } # inside the chroot
in_h3() { # NS CMD...: a Debian 13 program in a lab namespace
    local ns=$1
    shift
    ip netns exec "$ns" chroot "$H3_ROOT" "$@"
}

h3_setup() {
    local d=$H3_ROOT$(h3_dir)
    [[ -x $H3_ROOT/usr/bin/curl && -x $H3_ROOT/usr/sbin/nginx ]] ||
        die "no curl or nginx in $H3_ROOT (testdata/lab/README.md: HTTP/3)"
    mkdir -p "$d/nginx/logs"
    cp "$WORK"/{server.pem,server.key,ca.pem,client.pem,client.key} "$d/"
    CLEANUP_DIRS+=("$d")
}

# nginx_h3 VERIFY-CLIENT: nginx 1.26 with HTTP/3 on SRV:443 (UDP), mutual TLS.
nginx_h3() {
    local di
    di=$(h3_dir)
    {
        WORK=$di nginx_conf_head # its paths under $di/nginx, as the chroot sees them
        cat <<CONF
    server {
        listen $SRV:443 quic;
        server_name $SNI;
        ssl_certificate $di/server.pem;
        ssl_certificate_key $di/server.key;
        ssl_protocols TLSv1.3;
        ssl_client_certificate $di/ca.pem;
        ssl_verify_client $1;
        location = /forbidden { return 403; }
    }
}
CONF
    } >"$H3_ROOT$di/nginx/nginx.conf"
    bg "$NS_S" "$WORK/nginx-h3.log" chroot "$H3_ROOT" nginx -p "$di/nginx" -e "$di/nginx/logs/error.log" \
        -c "$di/nginx/nginx.conf"
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -n "$(in_s ss -Hlun "src = $SRV:443")" ]] && return 0
        sleep 0.1
    done
    die "nginx (HTTP/3) does not listen on UDP $SRV:443: $(cat "$H3_ROOT$di/nginx/logs/error.log")"
}

# curl_h3 PATH CURL-ARGS...: one HTTP/3 request (no fallback to TCP); the key
# log goes to the scenario's; the HTTP status to H3_STATUS, curl's exit
# status to H3_EXIT.
curl_h3() {
    local path=$1 di
    di=$(h3_dir)
    shift
    H3_STATUS=$(in_h3 "$NS_C" env SSLKEYLOGFILE="$di/keys" timeout 10 curl --http3-only -sS -o /dev/null \
        -w '%{http_code}' --cacert "$di/ca.pem" --resolve "$SNI:443:$SRV" "$@" "https://$SNI$path" \
        2>>"$WORK/$SCEN.client.log") && H3_EXIT=0 || H3_EXIT=$?
    cat "$H3_ROOT$di/keys" >>"$(KEYS)" 2>/dev/null || true
}

# tsh44 ARGS...: Wireshark 4.4's tshark (the chroot's) on the capture: the
# HTTP/3 status is dissected there only.
tsh44() {
    local di
    di=$(h3_dir)
    cp "$CAP" "$H3_ROOT$di/capture.pcapng"
    chroot "$H3_ROOT" tshark -r "$di/capture.pcapng" -o tls.keylog_file:/dev/null "$@" 2>/dev/null
}
first44() { tsh44 -Y "$1" -T fields -e frame.number | head -n 1; }

scenario quic-h3-mtls-403 "scn_quic_h3_mtls_403" \
    "HTTP/3 with mutual TLS: nginx answers 403 to curl's client certificate; curl closes (application error 0)"
scn_quic_h3_mtls_403() {
    local cr close h403 after
    h3_setup
    nginx_h3 on
    quic_record curl_h3 /forbidden --cert "$(h3_dir)/client.pem" --key "$(h3_dir)/client.key"
    [[ $H3_STATUS == 403 && $H3_EXIT == 0 ]] || die "curl: HTTP status '$H3_STATUS' (not 403), exit $H3_EXIT"
    need_some "ip.src==$SRV && tls.handshake.type==13" "a decrypted CertificateRequest"
    need_some "ip.src==$CLI && (tls.handshake.type==25 || tls.handshake.certificates_length>0)" \
        "the client's (compressed) certificate"
    need 0 "quic.cc.error_code" "a transport CONNECTION_CLOSE"
    close=$(first "ip.src==$CLI && quic.cc.error_code.app==0")
    [[ -n $close ]] || die "curl did not close with application error 0"
    need 1 "quic.cc.error_code.app" "one application CONNECTION_CLOSE"
    h403=$(first44 "ip.src==$SRV && http3.headers.status==403")
    [[ -n $h403 && $h403 -lt $close ]] || die "no HTTP/3 403 before the close (Wireshark 4.4: '$h403')"
    after=$(tsh44 -Y "frame.number>$h403 && frame.number<$close && http3.headers.status" -T fields -e frame.number)
    [[ -z $after ]] || die "another HTTP/3 response between the 403 and the close: $after"

    expect_begin "HTTP/3 on Wireshark 4.4 and later (this file: 4.4's dissection; NAME.expect is 4.0's)." \
        "nginx 1.26 (Debian 13, listen quic, ssl_verify_client on) asks for a client certificate; curl 8.14" \
        "(Debian 13, OpenSSL 3.5 QUIC, --http3-only) sends its certificate from the lab CA, compressed" \
        "(CompressedCertificate, 25), and GET /forbidden; nginx answers HTTP/3 403 (frame $h403, decoded by 4.4's" \
        "HTTP/3 dissector: http3.headers.status); curl, done, closes the connection with an application" \
        "CONNECTION_CLOSE, error 0 (frame $close): a clean close, curl exits 0. Keys embedded." \
        "why: alert_after_403 on the close, as the TCP mtls-403-close captures (close_notify after a 403 on a" \
        "connection that sent a client certificate): a Note, no failure by itself, but what some clients (iOS)" \
        "report as a certificate error."
    EXPECT_COLS="frame flag side stage http403"
    truth "$close" alert_after_403 client established "$h403"
    expect_write "$SCEN.wireshark-4.4"
    NEWER_EXPECT=$WORK/$SCEN.wireshark-4.4.expect

    expect_begin "The HTTP/3 exchange of $SCEN.wireshark-4.4.expect, as Wireshark 4.0 dissects it: mutual TLS over QUIC" \
        "(keys embedded), the client's certificate compressed, GET /forbidden answered 403 (frame $h403), curl's" \
        "application CONNECTION_CLOSE with error 0 (frame $close). Wireshark 4.0 does not decode HTTP/3 header" \
        "blocks, so the plugin cannot see the 403 (README: needs 4.4)." \
        "why: no annotation on 4.0: a completed handshake and a clean close, and no 403 in sight."
    EXPECT_COLS="frame flag"
}
