# scenarios.sh: the scenarios of generate.sh (sourced by it; not run alone).
#
# A scenario function starts servers, installs the middlebox's iptables
# rules, captures on the client side while clients run, then checks the
# capture with display filters and records the expected tlsdiag verdicts.
# Stream numbers are tshark's tcp.stream, in the order the connections were
# made by the scenario; frame numbers always come from filters.

declare -a SCENARIOS=()
declare -A SCENARIO_FN=() SUMMARY=()
scenario() { # NAME "FUNCTION [ARGS]" SUMMARY
    SCENARIOS+=("$1")
    SCENARIO_FN[$1]=$2
    SUMMARY[$1]=$3
}

vflag() { echo "-tls1_${1#1.}"; } # 1.2 -> -tls1_2 (s_client/s_server)
vhex() { case $1 in 1.0) echo 0x0301 ;; 1.1) echo 0x0302 ;; 1.2) echo 0x0303 ;; 1.3) echo 0x0304 ;; esac; }
LEGACY=(-cipher 'DEFAULT@SECLEVEL=0') # OpenSSL 3 offers TLS 1.0/1.1 only with this

reset_rule() { # MATCH-ARGS...: the middlebox resets client packets that match
    mbox -A INPUT -p tcp --dport 443 "$@" -j REJECT --reject-with tcp-reset
}

# record FUNCTION ARGS...: one capture around a client run.
record() {
    capture_start main
    "$@"
    capture_stop
    finish_capture "$WORK/$SCEN.main.raw.pcapng"
}

need_negotiated() { # STREAM VERSION: the handshake on STREAM used VERSION
    if [[ $2 == 1.3 ]]; then
        need 1 "tcp.stream==$1 && tls.handshake.type==2 && tls.handshake.extensions.supported_version==0x0304" \
            "a TLS 1.3 ServerHello"
        check_tls_decrypted
    else
        need 1 "tcp.stream==$1 && tls.handshake.type==2 && tls.handshake.version==$(vhex "$2")" \
            "a TLS $2 ServerHello"
    fi
}

need_offered_max() { # STREAM VERSION: the ClientHello on STREAM offers at most VERSION
    local ch="tcp.stream==$1 && tls.handshake.type==1 && !tcp.analysis.retransmission"
    if [[ $2 == 1.3 ]]; then
        need 1 "$ch && tls.handshake.extensions.supported_version==0x0304" "a ClientHello offering TLS 1.3"
    else
        need 1 "$ch && tls.handshake.version==$(vhex "$2") && !tls.handshake.extensions.supported_version" \
            "a ClientHello offering TLS $2 at most"
    fi
}

# ================================================================ issue 2

scenario rst-after-clienthello-tls12 "scn_rst_after_clienthello 1.2" \
    "middlebox matches the SNI and resets the TLS 1.2 ClientHello"
scenario rst-after-clienthello-tls13 "scn_rst_after_clienthello 1.3" \
    "middlebox matches the SNI and resets the TLS 1.3 ClientHello"
scn_rst_after_clienthello() {
    local v=$1
    expect_begin "TLS $v ClientHello with SNI blocked.tlsdiag.test; a middlebox (iptables -m string on the SNI," \
        "REJECT --reject-with tcp-reset) answers it with a RST from the server's address. No server message."
    server_openssl "$SRV" -www
    reset_rule -m string --string blocked.tlsdiag.test --algo bm
    CLIENT_SNI=blocked.tlsdiag.test record s_client "$CLI" "$SRV" "$(vflag "$v")"
    need_offered_max 0 "$v"
    need 1 "tcp.flags.reset==1 && ip.src==$SRV" "one RST from the server"
    need 0 "tls.handshake.type==2" "no ServerHello"
    expect_end 0 aborted server RST client_hello
}

scenario server-reset-after-flight-tls12 "scn_server_reset_after_flight 1.2" \
    "server side resets when the client sends its TLS 1.2 key exchange flight"
scenario server-reset-after-flight-tls13 "scn_server_reset_after_flight 1.3" \
    "server side resets when the client sends its TLS 1.3 CCS/Finished flight"
scn_server_reset_after_flight() {
    local v=$1
    expect_begin "TLS $v: the server sends its whole flight; the client's answering flight (1.2: ClientKeyExchange," \
        "CCS, Finished; 1.3: CCS, Finished) is reset by iptables in front of the server (u32 match, tcp-reset)."
    server_openssl "$SRV" -www
    if [[ $v == 1.2 ]]; then
        reset_rule -m u32 --u32 "$U32_CLIENT_KEY_EXCHANGE"
    else
        reset_rule -m u32 --u32 "$U32_CCS_RECORD"
    fi
    record s_client "$CLI" "$SRV" "$(vflag "$v")"
    need_negotiated 0 "$v"
    need 1 "tcp.flags.reset==1 && ip.src==$SRV" "one RST from the server"
    if [[ $v == 1.2 ]]; then
        need 1 "tls.handshake.type==14" "a ServerHelloDone"
        need 1 "tls.handshake.type==16 && ip.src==$CLI" "the client's ClientKeyExchange"
    else
        need 1 "tls.handshake.type==20 && ip.src==$SRV" "the server's Finished"
        need 1 "tls.handshake.type==20 && ip.src==$CLI" "the client's Finished (sent, never acknowledged)"
    fi
    expect_end 0 aborted server RST client_flight
}

scenario server-fin-after-flight-tls12 "scn_server_fin_after_flight 1.2" \
    "server closes (FIN) right after its TLS 1.2 flight, before the client answers"
scenario server-fin-after-flight-tls13 "scn_server_fin_after_flight 1.3" \
    "server closes (FIN) right after its TLS 1.3 flight, before the client answers"
scn_server_fin_after_flight() {
    local v=$1
    expect_begin "TLS $v: the server (tls_server.py --close-after-flight) sends its whole flight and closes with a FIN;" \
        "the scripted client (tls_client.py --hold-flight) holds its own flight back on purpose, so the FIN comes first."
    server_python --min-version "$v" --max-version "$v" --close-after-flight 0.3
    record py_client --min-version "$v" --max-version "$v" --hold-flight 3
    need_negotiated 0 "$v"
    need 1 "tcp.flags.fin==1 && ip.src==$SRV" "one FIN from the server"
    need 0 "tcp.flags.reset==1" "no RST"
    expect_end 0 aborted server FIN server_flight
}

scenario client-fin-after-serverhello-tls12 "scn_client_fin_after_serverhello 1.2" \
    "client closes (bare FIN, no alert) right after the TLS 1.2 ServerHello"
scenario client-fin-after-serverhello-tls13 "scn_client_fin_after_serverhello 1.3" \
    "client closes (bare FIN, no alert) right after the TLS 1.3 ServerHello"
scn_client_fin_after_serverhello() {
    local v=$1
    expect_begin "TLS $v: the server (tls_server.py --pace-serverhello) sends its ServerHello alone; the scripted client" \
        "(tls_client.py --close-after-serverhello) closes its socket on purpose as soon as it has it: bare FIN, no alert."
    server_python --min-version "$v" --max-version "$v" --pace-serverhello 1
    record py_client --min-version "$v" --max-version "$v" --close-after-serverhello
    need 1 "tls.handshake.type==2" "one ServerHello"
    need 0 "tls.handshake.type==11 || tls.record.content_type==23" "no server message after the ServerHello"
    need 1 "tcp.flags.fin==1 && ip.src==$CLI" "one FIN from the client"
    need 0 "tls.alert_message" "no alert"
    expect_end 0 aborted client FIN server_hello
}

scenario client-rejects-cert-tls12 "scn_client_rejects_cert 1.2" \
    "client does not trust the server certificate: fatal alert unknown_ca (TLS 1.2)"
scenario client-rejects-cert-tls13 "scn_client_rejects_cert 1.3" \
    "client does not trust the server certificate: fatal alert unknown_ca (TLS 1.3, encrypted alert)"
scn_client_rejects_cert() {
    local v=$1
    expect_begin "TLS $v: openssl s_client -verify_return_error trusts another CA, rejects the server's certificate" \
        "with a fatal alert unknown_ca (48) and closes. The FIN/RST after the alert is not flagged."
    server_openssl "$SRV" -www
    record s_client "$CLI" "$SRV" "$(vflag "$v")" -verify_return_error -CAfile "$WORK/other-ca.pem"
    need_negotiated 0 "$v"
    need 1 "tls.alert_message.desc==48 && ip.src==$CLI" "one unknown_ca alert from the client"
    expect_end 0 alert client 48 server_flight
}

scenario server-no-shared-cipher-tls12 "scn_server_no_shared_cipher 1.2" \
    "no cipher suite in common: server alert handshake_failure (TLS 1.2)"
scenario server-no-shared-cipher-tls13 "scn_server_no_shared_cipher 1.3" \
    "no cipher suite in common: server alert handshake_failure (TLS 1.3)"
scn_server_no_shared_cipher() {
    local v=$1
    expect_begin "TLS $v: client and server (openssl s_client/s_server) have no cipher suite in common;" \
        "the server answers the ClientHello with a fatal alert handshake_failure (40)."
    if [[ $v == 1.2 ]]; then
        server_openssl "$SRV" -www -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
        record s_client "$CLI" "$SRV" -tls1_2 -cipher AES128-SHA
    else
        server_openssl "$SRV" -www -tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384
        record s_client "$CLI" "$SRV" -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
    fi
    need_offered_max 0 "$v"
    need 1 "tls.alert_message.desc==40 && ip.src==$SRV" "one handshake_failure alert from the server"
    expect_end 0 alert server 40 client_hello
}

scenario server-protocol-version "scn_server_protocol_version" \
    "TLS 1.3-only server, TLS 1.2-only client: server alert protocol_version"
scn_server_protocol_version() {
    expect_begin "The server (openssl s_server -tls1_3) accepts only TLS 1.3; the client offers TLS 1.2 at most;" \
        "the server answers the ClientHello with a fatal alert protocol_version (70)."
    server_openssl "$SRV" -www -tls1_3
    record s_client "$CLI" "$SRV" -tls1_2
    need_offered_max 0 1.2
    need 1 "tls.alert_message.desc==70 && ip.src==$SRV" "one protocol_version alert from the server"
    expect_end 0 alert server 70 client_hello
}

scenario lossy-clienthello-then-reset-tls12 "scn_lossy_clienthello 1.2" \
    "first TLS 1.2 ClientHello dropped, its retransmission reset"
scenario lossy-clienthello-then-reset-tls13 "scn_lossy_clienthello 1.3" \
    "first TLS 1.3 ClientHello dropped, its retransmission reset"
scn_lossy_clienthello() {
    local v=$1
    expect_begin "TLS $v: the middlebox drops the first ClientHello (iptables u32 + statistic nth, DROP); the client's" \
        "TCP retransmits it; the retransmission is reset (REJECT tcp-reset) from the server's address."
    server_openssl "$SRV" -www
    mbox -A INPUT -p tcp --dport 443 -m u32 --u32 "$U32_CLIENT_HELLO" \
        -m statistic --mode nth --every 1000 --packet 0 -j DROP
    reset_rule -m u32 --u32 "$U32_CLIENT_HELLO"
    record s_client "$CLI" "$SRV" "$(vflag "$v")"
    # tshark 4.0 does not hand a retransmitted segment to TLS: the second copy
    # of the ClientHello is only "Retransmitted TCP segment data".
    need 1 "tls.handshake.type==1" "one dissected ClientHello"
    local len
    len=$(tsh -Y "tls.handshake.type==1" -T fields -e tcp.len)
    need 1 "tcp.analysis.retransmission && ip.src==$CLI && tcp.seq==1 && tcp.len==$len" \
        "the retransmitted ClientHello (same sequence number and length)"
    need 1 "tcp.flags.reset==1 && ip.src==$SRV" "one RST from the server"
    expect_end 0 aborted server RST client_hello
}

# ---------------------------------------------------------------- negatives

scenario ok-http200-tls12 "scn_ok_http 1.2 /ok 200" "negative: curl GET over TLS 1.2 to nginx, HTTP 200"
scenario ok-http200-tls13 "scn_ok_http 1.3 /ok 200" "negative: curl GET over TLS 1.3 to nginx, HTTP 200"
scenario ok-http403-tls12 "scn_ok_http 1.2 /forbidden 403" "negative: curl GET over TLS 1.2 to nginx, HTTP 403"
scenario ok-http403-tls13 "scn_ok_http 1.3 /forbidden 403" "negative: curl GET over TLS 1.3 to nginx, HTTP 403"
scn_ok_http() {
    local v=$1 path=$2 status=$3
    expect_begin "Negative: curl GET $path over TLS $v to nginx, which answers HTTP $status; curl closes" \
        "with close_notify. A completed handshake: nothing to flag."
    server_nginx
    record curl_https_status "$path" "$v" "$status"
    need_negotiated 0 "$v"
    need 1 "http.response.code==$status" "the decrypted HTTP $status response"
    expect_complete 0
}
curl_https_status() {
    local got
    got=$(curl_https "$1" "$2")
    [[ $got == "$3" ]] || die "curl got HTTP '$got', wanted $3"
}

scenario ok-close-notify-tls12 "scn_ok_close_notify 1.2" "negative: completed TLS 1.2 exchange, both sides send close_notify"
scenario ok-close-notify-tls13 "scn_ok_close_notify 1.3" "negative: completed TLS 1.3 exchange, both sides send close_notify"
scn_ok_close_notify() {
    local v=$1
    expect_begin "Negative: TLS $v, curl GET to tls_server.py, which answers and closes with close_notify first;" \
        "curl answers with its own close_notify. Alerts after a completed handshake are not flagged."
    server_python --min-version "$v" --max-version "$v"
    record curl_https_status / "$v" 200
    need_negotiated 0 "$v"
    need 1 "tls.alert_message.desc==0 && ip.src==$SRV" "the server's close_notify"
    expect_complete 0
}

scenario rst-after-complete-tls12 "scn_rst_after_complete 1.2" "negative: TLS 1.2 handshake and HTTP exchange complete, then the client resets"
scenario rst-after-complete-tls13 "scn_rst_after_complete 1.3" "negative: TLS 1.3 handshake and HTTP exchange complete, then the client resets"
scn_rst_after_complete() {
    local v=$1
    expect_begin "Negative: TLS $v to nginx, GET /ok answered with 200 on a kept-alive connection; the scripted client" \
        "then closes with SO_LINGER 0 (RST). The RST comes after a completed handshake: not flagged."
    server_nginx
    record py_client --min-version "$v" --max-version "$v" --cafile "$WORK/ca.pem" --request /ok --abort-with-rst
    need_negotiated 0 "$v"
    need 1 "http.response.code==200" "the decrypted HTTP 200 response"
    need 1 "tcp.flags.reset==1 && ip.src==$CLI" "one RST from the client"
    expect_complete 0
}

scenario plain-http "scn_plain_http" "negative: plain HTTP, no TLS"
scn_plain_http() {
    expect_begin "Negative: curl GET over plain HTTP (port 80) to nginx. No TLS at all."
    server_nginx
    record in_c timeout 10 curl -sS -o /dev/null "http://$SRV/"
    need 0 "tls" "no TLS"
    need 1 "http.response.code==200" "an HTTP 200 response"
}

scenario midstream-start "scn_midstream_start" \
    "negative: TLS 1.2 connection that completed, capture cut to start after the ServerHello"
scn_midstream_start() {
    expect_begin "Negative: a completed TLS 1.2 curl/nginx connection whose capture starts mid-connection: the" \
        "SYNs, ClientHello and ServerHello frames are cut with editcap (keys kept). No ClientHello, nothing to flag."
    server_nginx
    capture_start main
    curl_https_status /ok 1.2 200
    capture_stop
    cut_through "tls.handshake.type==2"
    need 0 "tls.handshake.type==1 || tcp.flags.syn==1" "no ClientHello or SYN"
    need_some "tls.record.content_type==23" "application data"
}

scenario midstream-reset "scn_midstream_reset" \
    "negative: TLS 1.2 handshake reset after the client flight, capture cut to start after the ClientHello"
scn_midstream_reset() {
    expect_begin "Negative: like server-reset-after-flight-tls12 (RST from the server after the client's flight), but" \
        "the capture is cut with editcap to start after the ClientHello (keys kept). No ClientHello seen: not flagged."
    server_openssl "$SRV" -www
    reset_rule -m u32 --u32 "$U32_CLIENT_KEY_EXCHANGE"
    capture_start main
    s_client "$CLI" "$SRV" -tls1_2
    capture_stop
    cut_through "tls.handshake.type==1"
    need 0 "tls.handshake.type==1" "no ClientHello"
    need 1 "tls.handshake.type==14" "the ServerHelloDone"
    need 1 "tcp.flags.reset==1 && ip.src==$SRV" "the RST from the server"
}

# cut_through FILTER: drop every frame up to and including the first frame
# matching FILTER (found on the raw capture with the key log), then embed.
cut_through() {
    local raw=$WORK/$SCEN.main.raw.pcapng n
    n=$(tshark -r "$raw" -o "tls.keylog_file:$(KEYS)" -Y "$1" -T fields -e frame.number 2>/dev/null | head -n 1)
    [[ -n $n ]] || die "nothing matches [$1] in the raw capture"
    editcap "$raw" "$WORK/$SCEN.cut.pcapng" "1-$n"
    finish_capture "$WORK/$SCEN.cut.pcapng"
}

# ================================================================ issue 3
#
# The fallback itself is driven by this script, as a browser's connection
# logic would: after a failed attempt it runs the next openssl s_client at a
# lower maximum version (with -fallback_scsv where the scenario says so)
# FALLBACK_DELAY seconds later, from the same client address.

FALLBACK_DELAY=0.3

fallback_begin() {
    expect_begin "$@"
    EXPECT_FALLBACK_COLS=1
}

# link_row STREAM FLAG PREV-STREAM ATTEMPT: a retry's ClientHello linked to
# the ClientHello of the failed attempt before it.
link_row() {
    local ch prev
    ch=$(hello_frame "$1")
    prev=$(hello_frame "$3")
    [[ -n $ch && -n $prev ]] || die "no ClientHello on stream $1 or $3"
    row "$ch" "$2" "" "" "" "" "$prev" "$4"
}

# scsv_row STREAM: its ClientHello carries TLS_FALLBACK_SCSV (0x5600). A
# retry linked to a failure shows that as tlsdiag.fallback.scsv on its
# version_fallback row; the fallback_scsv flag is for SCSV with no failure in
# the capture, so no row of its own.
scsv_row() {
    need 1 "tcp.stream==$1 && tls.handshake.type==1 && tls.handshake.ciphersuite==0x5600" \
        "a ClientHello with TLS_FALLBACK_SCSV on stream $1"
}

no_scsv() { # STREAM
    need 0 "tcp.stream==$1 && tls.handshake.ciphersuite==0x5600" "no TLS_FALLBACK_SCSV on stream $1"
}

need_streams() { # N
    need "$1" "tcp.flags.syn==1 && tcp.flags.ack==0" "$1 connection(s)"
}



scenario fallback-12-to-11-scsv "scn_fallback_12_to_11_scsv" \
    "TLS 1.2 ClientHello reset; retry at TLS 1.1 with SCSV; server alert inappropriate_fallback"
scn_fallback_12_to_11_scsv() {
    fallback_begin "A middlebox resets ClientHellos with legacy_version 0x0303 (u32 match, tcp-reset). The client" \
        "(openssl s_client -tls1_2) is reset; the script retries with -tls1_1 -fallback_scsv; the server" \
        "(nginx, TLS 1.0-1.3) answers inappropriate_fallback (86). Fallback driven by the script."
    server_nginx legacy
    reset_rule -m u32 --u32 "$(u32_hello_version 0x0303)"
    record fallback_12_to_11
    need_streams 2
    need_offered_max 0 1.2
    need_offered_max 1 1.1
    no_scsv 0
    expect_end 0 aborted server RST client_hello
    link_row 1 version_fallback 0 1
    scsv_row 1
    expect_end 1 alert server 86 client_hello
}
fallback_12_to_11() {
    s_client "$CLI" "$SRV" -tls1_2
    sleep "$FALLBACK_DELAY"
    s_client "$CLI" "$SRV" -tls1_1 -fallback_scsv "${LEGACY[@]}"
}

scenario fallback-chain-12-11-10 "scn_fallback_chain" \
    "TLS 1.2 reset, TLS 1.1 (+SCSV) reset, TLS 1.0 + SCSV: inappropriate_fallback"
scn_fallback_chain() {
    fallback_begin "The report's chain: the middlebox resets ClientHellos with legacy_version 0x0303 and 0x0302." \
        "s_client -tls1_2 is reset; retry -tls1_1 -fallback_scsv is reset; retry -tls1 -fallback_scsv reaches the" \
        "server, which answers inappropriate_fallback (86). Fallback driven by the script (SCSV on every fallback, as browsers do)."
    server_nginx legacy
    reset_rule -m u32 --u32 "$(u32_hello_version 0x0303)"
    reset_rule -m u32 --u32 "$(u32_hello_version 0x0302)"
    record fallback_chain
    need_streams 3
    need_offered_max 0 1.2
    need_offered_max 1 1.1
    need_offered_max 2 1.0
    no_scsv 0
    expect_end 0 aborted server RST client_hello
    link_row 1 version_fallback 0 1
    scsv_row 1
    expect_end 1 aborted server RST client_hello
    link_row 2 version_fallback 1 2
    scsv_row 2
    expect_end 2 alert server 86 client_hello
}
fallback_chain() {
    s_client "$CLI" "$SRV" -tls1_2
    sleep "$FALLBACK_DELAY"
    s_client "$CLI" "$SRV" -tls1_1 -fallback_scsv "${LEGACY[@]}"
    sleep "$FALLBACK_DELAY"
    s_client "$CLI" "$SRV" -tls1 -fallback_scsv "${LEGACY[@]}"
}

scenario fallback-13-to-12-scsv "scn_fallback_13_to_12_scsv" \
    "TLS 1.3 ClientHello reset; retry at TLS 1.2 with SCSV; server alert inappropriate_fallback"
scn_fallback_13_to_12_scsv() {
    fallback_begin "A middlebox resets ClientHellos whose supported_versions offers 1.3 (OpenSSL's default list," \
        "-m string on its bytes). The default s_client is reset; the script retries with -tls1_2 -fallback_scsv;" \
        "the server (nginx, TLS 1.0-1.3) answers inappropriate_fallback (86). Fallback driven by the script."
    server_nginx
    reset_rule -m string --algo bm --hex-string '|002b0009080304030303020301|'
    record fallback_13_to_12
    need_fallback_13_to_12_rejected
}
# The TLS 1.3 attempt is reset, the TLS 1.2 retry with SCSV is refused (86).
need_fallback_13_to_12_rejected() {
    need_streams 2
    need_offered_max 0 1.3
    need_offered_max 1 1.2
    no_scsv 0
    expect_end 0 aborted server RST client_hello
    link_row 1 version_fallback 0 1
    scsv_row 1
    expect_end 1 alert server 86 client_hello
}
fallback_13_to_12() {
    s_client "$CLI" "$SRV"
    sleep "$FALLBACK_DELAY"
    s_client "$CLI" "$SRV" -tls1_2 -fallback_scsv
}

scenario fallback-accepted "scn_fallback_accepted" \
    "TLS 1.2 ClientHello reset; retry at TLS 1.1 without SCSV; the server accepts TLS 1.1"
scn_fallback_accepted() {
    fallback_begin "The middlebox resets ClientHellos with legacy_version 0x0303; s_client -tls1_2 is reset; the" \
        "script retries with -tls1_1 and no SCSV; the server accepts and the handshake completes at TLS 1.1."
    server_nginx legacy
    reset_rule -m u32 --u32 "$(u32_hello_version 0x0303)"
    record fallback_accepted
    need_streams 2
    need_offered_max 0 1.2
    need_offered_max 1 1.1
    no_scsv 0
    no_scsv 1
    expect_end 0 aborted server RST client_hello
    link_row 1 version_fallback 0 1
    need_negotiated 1 1.1
    expect_complete 1
}
fallback_accepted() {
    s_client "$CLI" "$SRV" -tls1_2
    sleep "$FALLBACK_DELAY"
    s_client "$CLI" "$SRV" -tls1_1 "${LEGACY[@]}"
}

scenario retry-same-version "scn_retry_same_version" \
    "three TLS 1.2 ClientHellos reset, retried at the same version; the fourth completes"
scn_retry_same_version() {
    fallback_begin "The middlebox resets the first three ClientHellos (three stacked REJECT rules, each u32 +" \
        "statistic nth 'first match only'). The script retries s_client -tls1_2 each time; the fourth completes."
    server_nginx
    local i
    for i in 1 2 3; do
        reset_rule -m u32 --u32 "$U32_CLIENT_HELLO" -m statistic --mode nth --every 1000 --packet 0
    done
    record retry_same_version
    need_streams 4
    for i in 0 1 2 3; do
        need_offered_max "$i" 1.2
        no_scsv "$i"
    done
    for i in 0 1 2; do
        expect_end "$i" aborted server RST client_hello
        link_row $((i + 1)) retry_after_failure "$i" $((i + 1))
    done
    need_negotiated 3 1.2
    expect_complete 3
}
retry_same_version() {
    local i
    for i in 1 2 3; do
        s_client "$CLI" "$SRV" -tls1_2
        sleep "$FALLBACK_DELAY"
    done
    s_client "$CLI" "$SRV" -tls1_2
}

scenario fallback-after-client-fin "scn_fallback_after_client_fin" \
    "client FIN right after the TLS 1.2 ServerHello, retry at TLS 1.0 refused (protocol_version)"
scn_fallback_after_client_fin() {
    fallback_begin "As in the report's iOS capture: the scripted client (tls_client.py --close-after-serverhello, TLS 1.2)" \
        "closes with a bare FIN right after the ServerHello (the server, tls_server.py --pace-serverhello, sends it alone);" \
        "the script retries at TLS 1.0 (s_client -tls1, no SCSV); the server (TLS 1.2+) refuses: protocol_version (70)."
    server_python --min-version 1.2 --max-version 1.3 --pace-serverhello 1
    record fallback_after_client_fin
    need_streams 2
    need_offered_max 0 1.2
    need_offered_max 1 1.0
    no_scsv 1
    expect_end 0 aborted client FIN server_hello
    link_row 1 version_fallback 0 1
    expect_end 1 alert server 70 client_hello
}
fallback_after_client_fin() {
    py_client --max-version 1.2 --close-after-serverhello
    sleep "$FALLBACK_DELAY"
    s_client "$CLI" "$SRV" -tls1 "${LEGACY[@]}"
}

# ---------------------------------------------------------------- negatives

scenario fallback-neg-two-clients "scn_fallback_neg_two_clients" \
    "negative: one client reset at TLS 1.2, another client connects at TLS 1.1 soon after"
scn_fallback_neg_two_clients() {
    fallback_begin "Negative for linking: client $CLI is reset at TLS 1.2 (middlebox rule for that source only);" \
        "0.3 s later client $CLI2 connects at TLS 1.1 and completes. Different clients: no fallback link."
    server_nginx legacy
    reset_rule -s "$CLI" -m u32 --u32 "$(u32_hello_version 0x0303)"
    record two_clients
    need_streams 2
    need 1 "tcp.stream==1 && tls.handshake.type==1 && ip.src==$CLI2" "the second client's ClientHello"
    expect_end 0 aborted server RST client_hello
    need_offered_max 1 1.1
    expect_complete 1
}
two_clients() {
    s_client "$CLI" "$SRV" -tls1_2
    sleep "$FALLBACK_DELAY"
    s_client "$CLI2" "$SRV" -tls1_1 "${LEGACY[@]}"
}

scenario fallback-neg-different-servers "scn_fallback_neg_different_servers" \
    "negative: reset at TLS 1.2 by one server, TLS 1.1 to another server soon after"
scn_fallback_neg_different_servers() {
    fallback_begin "Negative for linking: the client is reset at TLS 1.2 by server $SRV, then connects at TLS 1.1" \
        "(no SCSV) to another server $SRV2, which completes. Different servers: no fallback link."
    server_nginx legacy
    reset_rule -d "$SRV" -m u32 --u32 "$(u32_hello_version 0x0303)"
    record different_servers
    need_streams 2
    need 1 "tcp.stream==1 && tls.handshake.type==1 && ip.dst==$SRV2" "the ClientHello to the second server"
    expect_end 0 aborted server RST client_hello
    need_offered_max 1 1.1
    no_scsv 1
    expect_complete 1
}
different_servers() {
    s_client "$CLI" "$SRV" -tls1_2
    sleep "$FALLBACK_DELAY"
    s_client "$CLI" "$SRV2" -tls1_1 "${LEGACY[@]}"
}

WINDOW_SHIFT=90 # seconds; tlsdiag links fallbacks within 60 s

scenario fallback-neg-outside-window "scn_fallback_neg_outside_window" \
    "negative: reset at TLS 1.2, TLS 1.1 connection 90 s later (time-shifted with editcap, merged)"
scn_fallback_neg_outside_window() {
    fallback_begin "Negative for linking: s_client -tls1_2 is reset; a TLS 1.1 connection (no SCSV) from the same" \
        "client to the same server completes $WINDOW_SHIFT s later. The second part was recorded right after the first" \
        "and shifted by +$WINDOW_SHIFT s with editcap -t, then merged with mergecap (no real wait)."
    server_nginx legacy
    reset_rule -m u32 --u32 "$(u32_hello_version 0x0303)"
    capture_start first
    s_client "$CLI" "$SRV" -tls1_2
    capture_stop
    capture_start later
    s_client "$CLI" "$SRV" -tls1_1 "${LEGACY[@]}"
    capture_stop
    editcap -t "$WINDOW_SHIFT" "$WORK/$SCEN.later.raw.pcapng" "$WORK/$SCEN.later.shifted.pcapng"
    mergecap -w "$WORK/$SCEN.merged.pcapng" "$WORK/$SCEN.first.raw.pcapng" "$WORK/$SCEN.later.shifted.pcapng"
    finish_capture "$WORK/$SCEN.merged.pcapng"
    need_streams 2
    local t0 t1
    t0=$(tsh -Y "frame.number==$(hello_frame 0)" -T fields -e frame.time_epoch)
    t1=$(tsh -Y "frame.number==$(hello_frame 1)" -T fields -e frame.time_epoch)
    awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a > 60) }' ||
        die "the second ClientHello is not more than 60 s after the first ($t0, $t1)"
    expect_end 0 aborted server RST client_hello
    need_offered_max 1 1.1
    no_scsv 1
    expect_complete 1
}

# ================================================================ issue 4
#
# HTTP 403 on a mutual-TLS connection, and client certificates rejected after
# the client's Finished (TLS 1.3). Expectations use their own columns:
# frame flag side close alert http403 (see README.md).

declare -A NOKEYS=() # scenarios that also write NAME-nokeys (the same recording, no keys)

# server_nginx_mtls: nginx on SRV:443 requiring a client certificate from the
# lab CA (ssl_verify_client on) and on SRV2:443 without client certificates
# (no CertificateRequest). Both: TLS 1.2-1.3, HTTP/1.1 and HTTP/2 (ALPN h2),
# /ok answers 200, /forbidden answers 403.
server_nginx_mtls() {
    mkdir -p "$WORK/nginx/logs"
    {
        nginx_conf_head
        cat <<CONF
    ssl_certificate $WORK/server.pem;
    ssl_certificate_key $WORK/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers "HIGH:!aNULL:!MD5";
    server {
        listen $SRV:443 ssl http2;
        server_name $SNI;
        ssl_verify_client on;
        ssl_client_certificate $WORK/ca.pem;
        location = /ok { return 200 "ok\n"; }
        location = /forbidden { return 403; }
    }
    server {
        listen $SRV2:443 ssl http2;
        server_name $SNI;
        location = /ok { return 200 "ok\n"; }
        location = /forbidden { return 403; }
    }
}
CONF
    } >"$WORK/nginx/nginx.conf"
    bg "$NS_S" "$WORK/nginx.log" nginx -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" \
        -c "$WORK/nginx/nginx.conf"
    wait_listen "$SRV:443"
    wait_listen "$SRV2:443"
}

# mtls_client VERSION ARGS...: tls_client.py at exactly TLS VERSION with the
# lab client certificate.
mtls_client() {
    local v=$1
    shift
    py_client --min-version "$v" --max-version "$v" --cafile "$WORK/ca.pem" \
        --cert "$WORK/client.pem" --key "$WORK/client.key" "$@"
}

# with_nokeys CMD...: run a check on the capture without keys (RAW_CAP).
with_nokeys() {
    local keep=$CAP rc=0
    CAP=$RAW_CAP
    "$@" || rc=$?
    CAP=$keep
    return $rc
}

# write_nokeys: put the raw capture (no keys) in place as $SCEN-nokeys with
# the expectation rows gathered so far (the caller's expect403_begin/row403).
write_nokeys() {
    cp "$RAW_CAP" "$WORK/$SCEN-nokeys.pcapng"
    expect_write "$SCEN-nokeys"
    EXTRA_OUT+=("$SCEN-nokeys")
}

need_mtls_handshake() { # STREAM VERSION nonempty|empty: CertificateRequest and the client's Certificate
    local s=$1 v=$2 kind=$3
    need_negotiated "$s" "$v"
    need 1 "tcp.stream==$s && tls.handshake.type==13 && ip.src==$SRV" "the server's CertificateRequest"
    need 1 "tcp.stream==$s && tls.handshake.type==11 && ip.src==$CLI" "the client's Certificate"
    if [[ $kind == empty ]]; then
        need 1 "tcp.stream==$s && tls.handshake.type==11 && ip.src==$CLI && tls.handshake.certificates_length==0" \
            "an empty client Certificate (certificates_length 0)"
    else
        need 1 "tcp.stream==$s && tls.handshake.type==11 && ip.src==$CLI && tls.handshake.certificates_length>0" \
            "a non-empty client Certificate"
    fi
}

# after_403 FILTER-403 SIDE: checks that the first alert or FIN/RST after the
# (first) frame matching FILTER-403 is an alert from SIDE; sets H403 (the 403
# frame), AF (the alert frame) and AD (its description).
after_403() {
    local src
    [[ $2 == client ]] && src=$CLI || src=$SRV
    need 1 "$1" "one HTTP 403 response [$1]"
    H403=$(first "$1")
    AF=$(first "frame.number > $H403 && (tls.alert_message || tcp.flags.fin==1 || tcp.flags.reset==1)")
    [[ -n $AF ]] || die "nothing ends the connection after the 403 (frame $H403)"
    need 1 "frame.number==$AF && tls.alert_message.desc && ip.src==$src" \
        "a readable alert from the $2 as the first alert/FIN/RST after the 403 (frame $AF)"
    AD=$(tsh -Y "frame.number==$AF" -T fields -E occurrence=f -e tls.alert_message.desc)
}

scenario mtls-403-alert-tls12 "scn_mtls_403 1.2 bad-record-mac" \
    "mTLS 1.2, HTTP/1.1 403, then the client's fatal alert (scripted bad_record_mac) (+ -nokeys)"
scenario mtls-403-alert-tls13 "scn_mtls_403 1.3 bad-record-mac" \
    "mTLS 1.3, HTTP/1.1 403, then the client's fatal alert (scripted bad_record_mac) (+ -nokeys)"
scenario mtls-403-close-tls12 "scn_mtls_403 1.2 close-notify" \
    "mTLS 1.2, HTTP/1.1 403, then the client's close_notify and FIN (+ -nokeys)"
scenario mtls-403-close-tls13 "scn_mtls_403 1.3 close-notify" \
    "mTLS 1.3, HTTP/1.1 403, then the client's close_notify and FIN (+ -nokeys)"
NOKEYS[mtls-403-alert-tls12]=1
NOKEYS[mtls-403-alert-tls13]=1
NOKEYS[mtls-403-close-tls12]=1
NOKEYS[mtls-403-close-tls13]=1
scn_mtls_403() {
    local v=$1 how=$2 what=()
    if [[ $how == bad-record-mac ]]; then
        what=("then the client aborts with a fatal alert bad_record_mac (20) and FIN. The alert is real OpenSSL output"
            "but SCRIPTED: tls_client.py feeds its OpenSSL a copy of the last received record with one byte flipped.")
    else
        what=("then the client sends close_notify and closes (FIN); nginx answers with a plain FIN.")
    fi
    server_nginx_mtls
    record mtls_client "$v" --request /forbidden --finish "$how"
    need_streams 1
    need_mtls_handshake 0 "$v" nonempty
    after_403 "http.response.code==403" client
    [[ $how == bad-record-mac && $AD == 20 || $how == close-notify && $AD == 0 ]] ||
        die "the client's alert is $AD, not what --finish $how sends"
    need 0 "http.response.code && http.response.code!=403" "no other HTTP response"

    # The same recording without keys.
    local cr_nokeys="in TLS 1.3 the CertificateRequest and the client's Certificate are encrypted"
    if [[ $v == 1.2 ]]; then
        cr_nokeys="the TLS 1.2 CertificateRequest and the client's Certificate are in the clear"
        with_nokeys need 1 "tls.handshake.type==13 && ip.src==$SRV" "a plaintext CertificateRequest without keys"
        with_nokeys need 0 "http" "no HTTP without keys"
        # The server's first application data (the 403 response), then the
        # client's first record after it: an encrypted alert (type 21).
        local sad cnext
        sad=$(with_nokeys first "tls.record.content_type==23 && ip.src==$SRV")
        cnext=$(with_nokeys first "frame.number > $sad && ip.src==$CLI && tls.record")
        [[ $sad == "$H403" ]] || die "without keys the server's first application data is frame $sad, not the 403 ($H403)"
        [[ $cnext == "$AF" ]] || die "without keys the client's first record after frame $sad is $cnext, not the alert $AF"
        with_nokeys need 1 "frame.number==$AF && tls.record.content_type==21 && !tls.alert_message.desc" \
            "an encrypted (unreadable) alert record from the client"
    else
        with_nokeys need 0 "tls.handshake.type==13 || tls.record.content_type==21 || http" \
            "no CertificateRequest, alert or HTTP visible without keys (TLS 1.3)"
    fi
    expect403_begin "SAME RECORDING as $SCEN.pcapng, WITHOUT keys: $cr_nokeys." \
        "mTLS $v (nginx ssl_verify_client on; client certificate from the trusted lab CA), GET /forbidden over HTTP/1.1" \
        "answered 403 (frame $H403, unreadable here);" "${what[@]}"
    if [[ $v == 1.2 ]]; then
        EXPECT_COMMENTS+=("Row: possible_alert_after_403 on the client's encrypted alert record (frame $AF), the client's first"
            "record after the server's first application data (frame $H403), on a stream with a CertificateRequest."
            "Without keys close_notify and a fatal alert look the same (same record length).")
        row403 "$AF" possible_alert_after_403 client "" "" ""
    else
        EXPECT_COMMENTS+=("No rows: in TLS 1.3 without keys nothing shows mutual TLS, the 403 or the alert (all are"
            "opaque application-data records); possible_alert_after_403 is for TLS 1.2 only.")
    fi
    write_nokeys

    expect403_begin "mTLS $v: nginx (ssl_verify_client on) sends a CertificateRequest, the client (tls_client.py, certificate" \
        "from the trusted lab CA) sends a non-empty Certificate; GET /forbidden over HTTP/1.1 is answered 403 (frame $H403);" \
        "${what[@]}" \
        "Row: alert_after_403 on the client's alert (frame $AF, description $AD), the first alert/FIN/RST after the 403." \
        "Keys embedded (Decryption Secrets Block); $SCEN-nokeys.pcapng is the same recording without them."
    row403 "$AF" alert_after_403 client "" "$AD" "$H403"
}

scenario mtls-h2-403-alert "scn_mtls_h2_403_alert" \
    "mTLS 1.3, HTTP/2 (ALPN h2) :status 403, then the client's fatal alert (scripted bad_record_mac)"
scn_mtls_h2_403_alert() {
    server_nginx_mtls
    record mtls_client 1.3 --http2 --request /forbidden --finish bad-record-mac
    need_streams 1
    need_mtls_handshake 0 1.3 nonempty
    need 1 "tls.handshake.extensions_alpn_str==\"h2\" && ip.src==$SRV" "ALPN h2 selected (decrypted EncryptedExtensions)"
    after_403 "http2.headers.status==403" client
    [[ $AD == 20 ]] || die "the client's alert is $AD, not bad_record_mac (20)"
    expect403_begin "mTLS 1.3, HTTP/2: nginx (ssl_verify_client on, listen ... ssl http2) selects ALPN h2 and sends a" \
        "CertificateRequest; the client (tls_client.py --http2, python3-h2; certificate from the trusted lab CA) sends a" \
        "non-empty Certificate; GET /forbidden is answered with HEADERS :status 403 (frame $H403); then the client aborts with" \
        "a fatal alert bad_record_mac (20) and FIN. The alert is real OpenSSL output but SCRIPTED: tls_client.py feeds its" \
        "OpenSSL a copy of the last received record with one byte flipped." \
        "Row: alert_after_403 on the client's alert (frame $AF), the first alert/FIN/RST after the 403."
    row403 "$AF" alert_after_403 client "" "$AD" "$H403"
}

# TLS 1.3 client-certificate rejections: openssl s_server -Verify 1
# -verify_return_error checks the client's Certificate after the client has
# sent its Finished (the client believes the handshake is done) and answers
# with an alert encrypted under the server's application traffic keys.
scenario mtls13-cert-rejected "scn_mtls13_rejected cert" \
    "TLS 1.3: client certificate from an untrusted CA, server alert after the client's Finished (+ -nokeys)"
scenario mtls13-no-client-cert "scn_mtls13_rejected none" \
    "TLS 1.3: client sends an empty Certificate, server alert certificate_required (+ -nokeys)"
NOKEYS[mtls13-cert-rejected]=1
NOKEYS[mtls13-no-client-cert]=1
scn_mtls13_rejected() {
    local kind=$1 certargs=() want desc what empty=""
    if [[ $kind == cert ]]; then
        certargs=(--cert "$WORK/other-client.pem" --key "$WORK/other-client.key")
        want=nonempty desc=48
        what="the client (tls_client.py) presents a certificate from ANOTHER CA, which the server does not trust"
    else
        want=empty desc=116 empty=" (empty)"
        what="the client (tls_client.py) has no certificate and answers with an empty Certificate message"
    fi
    server_openssl "$SRV" -www -tls1_3 -Verify 1 -verify_return_error -CAfile "$WORK/ca.pem"
    record py_client --min-version 1.3 --max-version 1.3 --cafile "$WORK/ca.pem" "${certargs[@]}" \
        --request / --expect-server-alert
    need_streams 1
    need_mtls_handshake 0 1.3 "$want"
    local cfin alert next
    cfin=$(first "tls.handshake.type==20 && ip.src==$CLI")
    [[ -n $cfin ]] || die "no client Finished"
    alert=$(first "tls.alert_message")
    [[ -n $alert ]] || die "no alert"
    need 1 "frame.number==$alert && ip.src==$SRV && tls.alert_message.desc==$desc && frame.number > $cfin" \
        "the server's alert $desc after the client's Finished (frame $cfin) as the first alert"
    need 0 "http.response" "no HTTP response"
    need 0 "frame.number < $alert && tls.handshake.type==4" "no session ticket before the alert"
    next=$(first "frame.number > $cfin && ip.src==$SRV && (tls.record || tcp.flags.fin==1 || tcp.flags.reset==1)")
    [[ $next == "$alert" ]] || die "the server's first record/close after the client's Finished is $next, not the alert $alert"
    # Without keys: the alert is an opaque application-data record.
    with_nokeys need 0 "tls.handshake.type==13 || tls.handshake.type==11 || tls.alert_message" \
        "no CertificateRequest, Certificate or alert visible without keys"
    with_nokeys need 1 "frame.number==$alert && tls.record.opaque_type==23 && ip.src==$SRV" \
        "the server's alert as an opaque application-data record"
    local nrec
    nrec=$(with_nokeys tsh -Y "frame.number > $(first "tls.handshake.type==2") && frame.number <= $cfin && ip.src==$CLI && tls.record.opaque_type==23" \
        -T fields -E occurrence=a -E aggregator=, -e tls.record.opaque_type | tr ',' '\n' | grep -c .)

    expect403_begin "SAME RECORDING as $SCEN.pcapng, WITHOUT keys. TLS 1.3: openssl s_server -Verify 1 -verify_return_error;" \
        "$what;" "the server rejects it after the client's Finished (frame $cfin). Without keys the CertificateRequest," \
        "the client's Certificate and the alert are opaque application-data records: the client's second flight has" \
        "$nrec encrypted records (certificate messages + Finished; 1 would be Finished alone); the server's only answer is" \
        "one short encrypted record (frame $alert; the alert, 19 bytes) and a close, with no session ticket or response." \
        "No row, by design: nothing visible says this was mutual TLS, and the server's record after the client's" \
        "Finished reads as its confirmation; the plugin does not guess from record counts and sizes."
    write_nokeys

    expect403_begin "TLS 1.3: openssl s_server -Verify 1 -verify_return_error requires a client certificate;" \
        "$what." "The client sends Certificate$empty and Finished (frame $cfin), believes the handshake is done and" \
        "writes GET / (that record may reach the wire before or after the alert, it varies between runs); the server checks" \
        "the certificate only after the client's Finished and answers with a fatal alert $desc (frame $alert, encrypted," \
        "readable with the embedded keys), then closes. No HTTP response." \
        "Row: client_cert_rejected on the server's alert. Keys embedded; $SCEN-nokeys.pcapng is the same recording without them."
    row403 "$alert" client_cert_rejected server "" "$desc" ""
    client_truth 0 "$alert"
}

# ---------------------------------------------------------------- negatives

scenario no-mtls-403-close "scn_no_mtls_403_close" \
    "negative: TLS 1.3 without client certificates, HTTP 403, then close_notify"
scn_no_mtls_403_close() {
    expect403_begin "Negative: TLS 1.3 to nginx WITHOUT client certificates (no CertificateRequest); GET /forbidden over" \
        "HTTP/1.1 answered 403; the client (tls_client.py) sends close_notify and FIN. Not mutual TLS: nothing to flag."
    server_nginx_mtls
    PY_TARGET=$SRV2 record py_client --min-version 1.3 --max-version 1.3 --cafile "$WORK/ca.pem" \
        --request /forbidden --finish close-notify
    need_streams 1
    need_negotiated 0 1.3
    need 0 "tls.handshake.type==13" "no CertificateRequest"
    need 0 "tls.handshake.type==11 && ip.src==$CLI" "no client Certificate"
    need 1 "http.response.code==403" "the HTTP 403 response"
    need 1 "tls.alert_message.desc==0 && ip.src==$CLI" "the client's close_notify"
}

scenario mtls-200-close "scn_mtls_200_close" \
    "negative: mTLS 1.2, HTTP 200, then close_notify"
scn_mtls_200_close() {
    expect403_begin "Negative: mTLS 1.2 (nginx ssl_verify_client on, trusted client certificate); GET /ok answered 200;" \
        "the client sends close_notify and FIN. No 403: nothing to flag. (Without keys this would look exactly like" \
        "mtls-403-close-tls12-nokeys, which is why that one is only possible_alert_after_403.)"
    server_nginx_mtls
    record mtls_client 1.2 --request /ok --finish close-notify
    need_streams 1
    need_mtls_handshake 0 1.2 nonempty
    need 1 "http.response.code==200" "the HTTP 200 response"
    need 0 "http.response.code==403" "no HTTP 403"
    need 1 "tls.alert_message.desc==0 && ip.src==$CLI" "the client's close_notify"
}

scenario mtls-403-keepalive "scn_mtls_403_keepalive" \
    "negative: mTLS 1.3, HTTP 403, connection kept alive and reused for a 200, then close_notify"
scn_mtls_403_keepalive() {
    server_nginx_mtls
    record mtls_client 1.3 --request /forbidden --request /ok --finish close-notify
    need_streams 1
    need_mtls_handshake 0 1.3 nonempty
    need 1 "http.response.code==403" "the HTTP 403 response"
    need 1 "http.response.code==200" "the HTTP 200 response"
    local h403 h200 cn
    h403=$(first "http.response.code==403")
    h200=$(first "http.response.code==200")
    cn=$(first "tls.alert_message")
    ((h403 < h200)) || die "the 200 (frame $h200) does not follow the 403 (frame $h403)"
    need 1 "frame.number==$cn && tls.alert_message.desc==0 && ip.src==$CLI && frame.number > $h200" \
        "the client's close_notify after the 200 as the first alert"
    need 0 "frame.number > $h403 && frame.number < $h200 && (tcp.flags.fin==1 || tcp.flags.reset==1)" \
        "no FIN/RST between the 403 and the 200"
    expect403_begin "Negative: mTLS 1.3 (nginx ssl_verify_client on, trusted client certificate); GET /forbidden answered" \
        "403 (frame $h403); the connection stays up and is reused: GET /ok answered 200 (frame $h200); then the client" \
        "sends close_notify (frame $cn) and FIN. The close follows the 200, not the 403: nothing to flag."
}
