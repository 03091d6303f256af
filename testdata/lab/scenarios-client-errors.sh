# SPDX-License-Identifier: GPL-2.0-or-later
# scenarios-client-errors.sh: what the client printed (issue 21). Sourced by
# generate.sh after scenarios.sh, whose helpers it uses.
#
# For the scenarios in CLIENT_ERROR_SCENARIOS, each client run (openssl
# s_client, curl, tls_client.py) keeps its own output, and expect_end (or
# the scenario itself) turns the output of the run that made stream N into
# a "#! client: frame=F STACK: TEXT" line for the frame that ended stream N:
# the truth that check_capture.py compares with the plugin's
# tlsdiag.client_error. Those scenarios make one connection per client run,
# in order, so run N made stream N. What is kept of the output
# (docs/client-errors.md, "Lab proof"):
#   curl:      its "curl: (N) ..." line, without " in connection to HOST:PORT",
#              "OpenSSL/3.0.x" written "OpenSSL", (60) cut after
#              "SSL certificate problem";
#   s_client:  the REASON of its first "...:error:CODE:SSL routines:FUNC:REASON:"
#              line, else "errno=N (NAME)" from its "read:errno=N" or
#              "write:errno=N" line;
#   tls_client.py (Python's ssl, OpenSSL underneath): the OpenSSL reason of
#              its "[SSL: NAME] REASON (_ssl.c:N)" error, as "OpenSSL: REASON";
#              a run that printed no such error gives no line (the script,
#              not OpenSSL, decided how that connection ended);
#   nothing printed (curl, s_client): "STACK:" alone, and the plugin must
#              give no string.
#
# Left out, because their client is neither curl nor OpenSSL, or what it
# printed is the script's own doing: the crafted hellos (crafted_hello.py
# writes raw bytes), many-connections (many_clients.py), the siblings-*
# scenarios (siblings_client.py drives each connection step by step and
# closes them on purpose), the quic-* scenarios (ngtcp2), and the
# tls_client.py runs that stop the handshake themselves (--hold-flight,
# --close-after-serverhello, --finish bad-record-mac). Negatives without a
# flagged frame (ok-*, plain-http, midstream-start, midstream-reset,
# resume-ok-same-server, starttls-postgres-ok, mtls-200-close, ...) have no
# frame to put a line on.

CLIENT_ERROR_SCENARIOS=" server-reset-after-flight-tls12
    server-reset-after-flight-tls13 client-rejects-cert-tls12 server-no-shared-cipher-tls13
    fallback-12-to-11-scsv rst-after-clienthello-tls13 server-no-shared-cipher-tls12
    fallback-13-to-12-scsv fallback-accepted fallback-neg-two-clients curl-rst-after-clienthello
    server-fin-after-flight-clients curl-server-protocol-version curl-rejects-cert
    curl-mtls13-no-client-cert ipv6-reset-after-flight nonstandard-port-alert starttls-smtp-reset
    starttls-imap-alert starttls-postgres-reset
    rst-after-clienthello-tls12 client-rejects-cert-tls13 server-protocol-version
    lossy-clienthello-then-reset-tls12 lossy-clienthello-then-reset-tls13 fallback-chain-12-11-10
    retry-same-version fallback-after-client-fin fallback-neg-different-servers
    fallback-neg-outside-window mtls13-cert-rejected mtls13-no-client-cert
    resume-other-server-tls12-ticket resume-other-server-tls12-session-id resume-other-server-tls13
    resume-refused-after-restart handshake-stalled-client-flight handshake-stalled-capture-end
    handshake-slow-lossy port-reuse port-reuse-after-complete ipv6-fallback-13-to-12-scsv
    vlan-reset-after-flight small-mss-reorder-tls12 small-mss-reorder-tls13
    midstream-before-clienthello small-mss-lost-serverhello-tls12
    lost-clienthello-segment-server-side cert-refused-tls12 cert-refused-tls13 cert-pool-pinning "
CLIENT_RUN=0
CLIENT_LOG=
CLIENT_LINES=()

# client_run_begin STACK: the next client run writes its output to CLIENT_LOG.
client_run_begin() {
    CLIENT_LOG=$WORK/$SCEN.run.$CLIENT_RUN.$1.log
    CLIENT_RUN=$((CLIENT_RUN + 1))
}

client_runs_reset() {
    CLIENT_RUN=0
    CLIENT_LINES=()
    rm -f "$WORK/$SCEN".run.*.log
}

client_says() { # STACK LOG: the kept part of what the client printed
    local line n
    case $1 in
    curl)
        line=$(grep -m1 '^curl: (' "$2" || true)
        line=${line%% in connection to *}
        line=$(sed -E 's#OpenSSL/[0-9][0-9a-z.]*:#OpenSSL:#g; s#^(curl: \(60\) SSL certificate problem):.*#\1#; s# +$##' <<<"$line")
        echo "${line:-curl:}"
        ;;
    OpenSSL)
        line=$(grep -m1 -E '^[0-9A-F]+:error:[0-9A-F]+:' "$2" || true)
        if [[ -n $line ]]; then
            echo "OpenSSL: $(cut -d: -f6 <<<"$line")"
            return
        fi
        n=$(grep -m1 -oE '^(read|write):errno=[0-9]+' "$2" | cut -d= -f2 || true)
        if [[ -n $n ]]; then
            echo "OpenSSL: errno=$n ($("$PY" -c 'import errno, sys; print(errno.errorcode[int(sys.argv[1])])' "$n"))"
            return
        fi
        echo "OpenSSL:"
        ;;
    Python)
        line=$(grep -m1 -oE '\[SSL: [A-Z0-9_]+\] [^(]+ \(_ssl\.c:[0-9]+\)' "$2" || true)
        [[ -z $line ]] && return
        line=${line#*] }
        echo "OpenSSL: ${line% (_ssl.c:*}"
        ;;
    esac
}

# client_truth STREAM FRAME: the client line of the run that made STREAM.
client_truth() {
    local wanted
    wanted=" $(tr -s ' \n' '  ' <<<"$CLIENT_ERROR_SCENARIOS") "
    [[ $wanted == *" $SCEN "* ]] || return 0
    local log said
    for log in "$WORK/$SCEN.run.$1".*.log; do
        [[ -e $log ]] || die "stream $1: no client run log (one run per stream?)"
        log=${log%.log}
        said=$(client_says "${log##*.}" "$log.log")
        [[ -z $said ]] || CLIENT_LINES+=("frame=$2 $said")
    done
}

client_lines_write() {
    local line
    for line in "${CLIENT_LINES[@]}"; do echo "#! client: $line"; done
}

# curl_fails PATH CURL-ARGS...: one curl connection that is expected to fail.
curl_fails() {
    local path=$1
    shift
    client_run_begin curl
    in_c env SSLKEYLOGFILE="$(KEYS)" timeout 10 curl -sS --http1.1 -o /dev/null \
        --resolve "${CLIENT_SNI:-$SNI}:443:$SRV" "$@" "https://${CLIENT_SNI:-$SNI}$path" \
        >"$CLIENT_LOG" 2>&1 && die "curl succeeded, a failure was wanted"
    cat "$CLIENT_LOG" >>"$WORK/$SCEN.client.log"
}

# ================================================================ issue 21

scenario curl-rst-after-clienthello "scn_curl_rst_after_clienthello" \
    "curl's TLS 1.3 ClientHello reset by the middlebox (SNI match)"
scn_curl_rst_after_clienthello() {
    expect_begin "curl (OpenSSL 3) sends a TLS 1.3 ClientHello with SNI blocked.tlsdiag.test; the middlebox" \
        "(iptables -m string on the SNI, REJECT tcp-reset) answers with a RST from the server's address." \
        "The '#! client:' line is what curl printed."
    server_nginx
    reset_rule -m string --string blocked.tlsdiag.test --algo bm
    CLIENT_SNI=blocked.tlsdiag.test record curl_fails / --cacert "$WORK/ca.pem"
    need_offered_max 0 1.3
    need 1 "tcp.flags.reset==1 && ip.src==$SRV" "one RST from the server"
    expect_end 0 aborted server RST client_hello
}

scenario server-fin-after-flight-clients "scn_server_fin_after_flight_clients" \
    "server closes (FIN) after its TLS 1.2 flight: curl, then openssl s_client"
scn_server_fin_after_flight_clients() {
    expect_begin "TLS 1.2: the server (tls_server.py --close-after-flight 0) sends its whole flight and closes" \
        "(FIN) at once. Stream 0: curl; stream 1: openssl s_client, with SNI other.tlsdiag.test so that the" \
        "second connection is no retry of the first. The '#! client:' lines are what each client printed."
    server_python --min-version 1.2 --max-version 1.2 --close-after-flight 0
    record fin_after_flight_clients
    need_streams 2
    need_negotiated 0 1.2
    need_negotiated 1 1.2
    need 2 "tcp.flags.fin==1 && ip.src==$SRV" "two FINs from the server"
    expect_end 0 aborted server FIN "$(handshake_end 0 | awk '{print $5}')"
    expect_end 1 aborted server FIN "$(handshake_end 1 | awk '{print $5}')"
}
fin_after_flight_clients() {
    curl_fails / --cacert "$WORK/ca.pem" --tlsv1.2 --tls-max 1.2
    sleep 0.3
    CLIENT_SNI=other.tlsdiag.test s_client "$CLI" "$SRV" -tls1_2
}

scenario curl-server-protocol-version "scn_curl_server_protocol_version" \
    "TLS 1.3-only server, curl at TLS 1.2 at most: server alert protocol_version"
scn_curl_server_protocol_version() {
    expect_begin "The server (openssl s_server -tls1_3) accepts only TLS 1.3; curl offers TLS 1.2 at most" \
        "(--tls-max 1.2); the server answers the ClientHello with a fatal alert protocol_version (70)." \
        "The '#! client:' line is what curl printed."
    server_openssl "$SRV" -www -tls1_3
    record curl_fails / --cacert "$WORK/ca.pem" --tlsv1.2 --tls-max 1.2
    need_offered_max 0 1.2
    need 1 "tls.alert_message.desc==70 && ip.src==$SRV" "one protocol_version alert from the server"
    expect_end 0 alert server 70 client_hello
}

scenario curl-rejects-cert "scn_curl_rejects_cert" \
    "curl trusts another CA: client alert unknown_ca, curl (60)"
scn_curl_rejects_cert() {
    expect_begin "TLS 1.3: curl trusts another CA (--cacert other-ca.pem), rejects the server's certificate" \
        "with a fatal alert unknown_ca (48) and closes. The '#! client:' line is what curl printed."
    server_openssl "$SRV" -www -tls1_3
    record curl_fails / --cacert "$WORK/other-ca.pem" --tlsv1.3
    need_negotiated 0 1.3
    need 1 "tls.alert_message.desc==48 && ip.src==$CLI" "one unknown_ca alert from the client"
    expect_end 0 alert client 48 server_flight
}

scenario curl-mtls13-no-client-cert "scn_curl_mtls13_no_client_cert" \
    "TLS 1.3 server requires a client certificate, curl has none: certificate_required after its Finished"
scn_curl_mtls13_no_client_cert() {
    expect_begin "TLS 1.3: the server (openssl s_server -Verify 1 -verify_return_error) asks for a client" \
        "certificate; curl has none, answers with an empty Certificate and its Finished; the server" \
        "answers with a fatal alert certificate_required (116), which curl reads after its handshake" \
        "call returned. The '#! client:' line is what curl printed."
    server_openssl "$SRV" -www -tls1_3 -Verify 1 -verify_return_error -CAfile "$WORK/ca.pem"
    record curl_fails / --cacert "$WORK/ca.pem" --tlsv1.3
    need_negotiated 0 1.3
    need 1 "tls.handshake.type==13" "the server's CertificateRequest (decrypted)"
    need 1 "tls.handshake.certificates_length==0 && ip.src==$CLI" "the client's empty Certificate"
    local alert
    alert=$(first "tls.alert_message")
    need 1 "frame.number==$alert && tls.alert_message.desc==116 && ip.src==$SRV" \
        "the server's certificate_required as the first alert"
    row "$alert" client_cert_rejected server "" client_flight 116
    client_truth 0 "$alert"
}
