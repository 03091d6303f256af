# SPDX-License-Identifier: GPL-2.0-or-later
# scenarios-certs.sh: clients that refuse the server's certificate (issue 17).
# Sourced by generate.sh after scenarios.sh, whose helpers it uses.
#
# A real PKI (testdata/pki/pki.sh: openssl ca, root -> intermediate ->
# leaves, validity dates set explicitly) issues one certificate per fault;
# one nginx serves each on its own address, with the intermediate unless
# the fault is its absence. Clients: openssl s_client -verify_return_error
# -verify_hostname (checks everything in the handshake and answers with an
# alert) and curl (checks the host name after the handshake, then closes).
# The truth lines name the certificate problem the PKI issued, not what the
# plugin finds.

# shellcheck source=testdata/pki/pki.sh
source "$LAB_DIR/../pki/pki.sh"

CERT_NAME=www.example.test
CERT_ADDR_BASE=$NET.2 # .21, .22, ...: one address per certificate

# cert_pki: the PKI and one leaf per fault, in $WORK/pki.
cert_pki() {
    local d=$WORK/pki
    [[ -s $d/clean.pem ]] && return
    pki_init "$d"
    local valid_from valid_to
    valid_from=$(pki_utc '-30 days')
    valid_to=$(pki_utc '+60 days')
    pki_issue "$d" clean ec:P-256 "$valid_from" "$valid_to" "/CN=$CERT_NAME" "DNS:$CERT_NAME"
    pki_issue "$d" expired ec:P-256 "$(pki_utc '-1 year')" "$(pki_utc '-9 days')" "/CN=$CERT_NAME" \
        "DNS:$CERT_NAME"
    pki_issue "$d" future ec:P-256 "$(pki_utc '+30 days')" "$(pki_utc '+1 year')" "/CN=$CERT_NAME" \
        "DNS:$CERT_NAME"
    pki_issue "$d" wrongname ec:P-256 "$valid_from" "$valid_to" "/CN=shop.example.test" \
        "DNS:shop.example.test"
    pki_issue "$d" rsa1024 rsa:1024 "$valid_from" "$valid_to" "/CN=$CERT_NAME" "DNS:$CERT_NAME"
    pki_self_signed "$d" selfsigned ec:P-256 60 "/CN=$CERT_NAME" "DNS:$CERT_NAME"
    local name
    for name in clean expired future wrongname rsa1024; do # leaf + intermediate
        cat "$d/$name.pem" "$d/intermediate.pem" >"$d/$name.chain.pem"
    done
    cp "$d/clean.pem" "$d/leafonly.chain.pem" # the intermediate not sent
    cp "$d/clean.key" "$d/leafonly.key"
    cp "$d/selfsigned.pem" "$d/selfsigned.chain.pem"
}

# The certificates served, one address each: NAME:ADDRESS.
CERT_SERVERS=(clean:21 expired:22 future:23 wrongname:24 leafonly:25 selfsigned:26 rsa1024:27)

cert_addr() { # NAME
    local entry
    for entry in "${CERT_SERVERS[@]}"; do
        [[ ${entry%%:*} == "$1" ]] && { echo "$NET.${entry#*:}"; return; }
    done
    die "no certificate server $1"
}

# server_nginx_certs VERSION: one nginx, a server block per certificate.
# OpenSSL's default security level refuses to load an RSA-1024 key: the
# server runs at level 0 (an old server), the clients at Debian's default.
server_nginx_certs() {
    local v=$1 entry name addr dir=$WORK/nginx-certs
    mkdir -p "$dir/logs"
    {
        nginx_conf_head | sed "s#$WORK/nginx/#$dir/#g"
        for entry in "${CERT_SERVERS[@]}"; do
            name=${entry%%:*}
            addr=$NET.${entry#*:}
            in_s ip addr add "$addr/24" dev "$VETH_S"
            cat <<EOF
    server {
        listen $addr:443 ssl;
        ssl_certificate $WORK/pki/$name.chain.pem;
        ssl_certificate_key $WORK/pki/$name.key;
        ssl_protocols TLSv$v;
        ssl_ciphers "DEFAULT@SECLEVEL=0";
        location / { return 200 "ok\n"; }
    }
EOF
        done
        echo "}"
    } >"$dir/nginx.conf"
    cat >"$dir/openssl.cnf" <<EOF
openssl_conf = init
[init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = sys
[sys]
CipherString = DEFAULT@SECLEVEL=0
EOF
    bg "$NS_S" "$WORK/nginx-certs.log" env OPENSSL_CONF="$dir/openssl.cnf" nginx -p "$dir" \
        -e "$dir/logs/error.log" -c "$dir/nginx.conf"
    for entry in "${CERT_SERVERS[@]}"; do
        wait_listen "$NET.${entry#*:}:443"
    done
}

# cert_s_client NAME VERSION: s_client that verifies the chain and the name
# in the handshake, sends nothing, closes.
cert_s_client() {
    client_run_begin OpenSSL
    in_c timeout 10 openssl s_client -connect "$(cert_addr "$1"):443" -servername "$CERT_NAME" \
        -verify_hostname "$CERT_NAME" -verify_return_error -CAfile "$WORK/pki/root.pem" \
        "$(vflag "$2")" -keylogfile "$(KEYS)" </dev/null >"$CLIENT_LOG" 2>&1 || true
    cat "$CLIENT_LOG" >>"$WORK/$SCEN.client.log"
    sleep 0.2
}

# cert_curl NAME VERSION: curl GET / from the second client address (so it
# is no retry of s_client's failed attempt); its exit status in CURL_STATUS
# (not in a subshell: client_run_begin counts the runs).
cert_curl() {
    CURL_STATUS=0
    client_run_begin curl
    in_c env SSLKEYLOGFILE="$(KEYS)" timeout 10 curl -sS --http1.1 -o /dev/null --interface "$CLI2" \
        --cacert "$WORK/pki/root.pem" --resolve "$CERT_NAME:443:$(cert_addr "$1")" \
        "--tlsv$2" --tls-max "$2" "https://$CERT_NAME/" 2>"$CLIENT_LOG" || CURL_STATUS=$?
    cat "$CLIENT_LOG" >>"$WORK/$SCEN.client.log"
    sleep 0.2
}

# stream_to NAME N: the Nth (0-based) TCP stream to that certificate's server.
stream_to() {
    tsh -Y "ip.dst==$(cert_addr "$1") && tcp.flags.syn==1 && tcp.flags.ack==0" -T fields -e tcp.stream |
        sed -n "$(($2 + 1))p"
}

# truth_alert NAME PROBLEM: the client's alert on the stream to NAME's server
# (found by filter) is a handshake_alert whose certificate problem is PROBLEM.
truth_alert() {
    local stream got k frame side desc stage
    stream=$(stream_to "$1" 0)
    got=$(handshake_end "$stream")
    read -r k frame side desc stage <<<"$got"
    [[ $k == alert && $side == client ]] || die "$1: expected a client alert, capture shows '$got'"
    truth "$frame" handshake_alert client "$stage" "$desc" "$2"
    client_truth "$stream" "$frame"
}

# truth_rejected NAME N PROBLEM: on that stream the client sent its Finished
# and no application data, and closed with close_notify: after the completed
# handshake (TLS 1.2), or in TLS 1.3 before the server's first record after
# the client's Finished (stage client_flight, as handshake_end reads it).
truth_rejected() {
    local stream frame got stage
    stream=$(stream_to "$1" "$2")
    need 1 "tcp.stream==$stream && ip.src==$CLI2 && tls.handshake.type==20" "the client's Finished"
    need 0 "tcp.stream==$stream && ip.src==$CLI2 && tls.record.content_type==23" \
        "application data from the client on stream $stream"
    frame=$(first "tcp.stream==$stream && ip.src==$CLI2 && tls.alert_message.desc==0")
    [[ -n $frame ]] || die "$1: no close_notify from the client on stream $stream"
    got=$(handshake_end "$stream")
    case $got in
    complete) stage=established ;;
    "alert $frame client 0 client_flight") stage=client_flight ;;
    *) die "$1: stream $stream ended '$got'" ;;
    esac
    truth "$frame" rejected_after_handshake client "$stage" 0 "$3"
    client_truth "$stream" "$frame"
}

# The clean control taken by s_client: its only alert is its close_notify,
# after its Finished.
need_probe_clean() {
    local stream
    stream=$(stream_to clean 0)
    need 1 "tcp.stream==$stream && ip.src==$CLI && tls.handshake.type==20" "s_client's Finished (clean)"
    need 0 "tcp.stream==$stream && tls.alert_message.desc!=0" "an alert other than close_notify (clean)"
}

scenario cert-refused-tls12 "scn_cert_refused 1.2" \
    "clients refuse expired, not-yet-valid, wrong-name, chain-less, self-signed, RSA-1024 certificates (TLS 1.2)"
scenario cert-refused-tls13 "scn_cert_refused 1.3" \
    "the same refusals in TLS 1.3, keys embedded (curl's close_notify comes before the server's tickets)"
scn_cert_refused() {
    local v=$1 name
    expect_begin "A real PKI (openssl ca: root, intermediate, leaves for $CERT_NAME) and one nginx address per" \
        "certificate: clean (control), expired 9 days ago, valid only from 30 days on, issued for" \
        "shop.example.test, leaf sent without its intermediate, self-signed, RSA-1024. openssl s_client" \
        "-verify_return_error -verify_hostname $CERT_NAME (CA: the root) refuses in the handshake with an" \
        "alert; curl (CA: the root) checks the host name after the handshake, then sends close_notify and no" \
        "request (exit 60). The clean control is taken by s_client (handshake, close_notify: a probe, no flag)" \
        "and by curl (HTTP 200, no flag)."
    EXPECT_COLS="frame flag side stage alert cert.problem"
    cert_pki
    server_nginx_certs "$v"
    capture_start main
    for name in clean expired future wrongname leafonly selfsigned rsa1024; do
        cert_s_client "$name" "$v"
    done
    cert_curl wrongname "$v"
    [[ $CURL_STATUS == 60 ]] || die "curl to the wrong name exited $CURL_STATUS, not 60"
    cert_curl clean "$v"
    [[ $CURL_STATUS == 0 ]] || die "curl to the clean server exited $CURL_STATUS"
    capture_stop
    finish_capture "$WORK/$SCEN.main.raw.pcapng"

    need_negotiated "$(stream_to clean 0)" "$v"
    need_probe_clean
    need_some "tcp.stream==$(stream_to clean 1) && ip.src==$CLI2 && tls.record.content_type==23" \
        "curl's request to the clean server"
    truth_alert expired expired
    truth_alert future not_yet_valid
    truth_alert wrongname name_mismatch
    truth_alert leafonly incomplete_chain
    truth_alert selfsigned self_signed
    truth_alert rsa1024 weak_key
    truth_rejected wrongname 1 name_mismatch
}

# ---------------------------------------------------------------- a pool, pinned

POOL_VIP=$NET.30
POOL_BACKENDS=($NET.31 $NET.32)

# server_nginx_pool: two nginx servers for the same name with different keys
# (pool-a, pool-b) behind one address: iptables DNAT in the server's
# namespace sends new connections to them in turn (round robin).
server_nginx_pool() {
    local dir=$WORK/nginx-pool i addr
    mkdir -p "$dir/logs"
    in_s ip addr add "$POOL_VIP/24" dev "$VETH_S"
    {
        nginx_conf_head | sed "s#$WORK/nginx/#$dir/#g"
        for i in 0 1; do
            addr=${POOL_BACKENDS[$i]}
            in_s ip addr add "$addr/24" dev "$VETH_S"
            cat <<EOF2
    server {
        listen $addr:443 ssl;
        ssl_certificate $WORK/pki/pool-$i.chain.pem;
        ssl_certificate_key $WORK/pki/pool-$i.key;
        ssl_protocols TLSv1.2;
        location / { return 200 "ok from $i\n"; }
    }
EOF2
        done
        echo "}"
    } >"$dir/nginx.conf"
    bg "$NS_S" "$WORK/nginx-pool.log" nginx -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf"
    wait_listen "${POOL_BACKENDS[0]}:443"
    wait_listen "${POOL_BACKENDS[1]}:443"
    in_s iptables -t nat -A PREROUTING -d "$POOL_VIP" -p tcp --dport 443 \
        -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination "${POOL_BACKENDS[0]}:443"
    in_s iptables -t nat -A PREROUTING -d "$POOL_VIP" -p tcp --dport 443 \
        -j DNAT --to-destination "${POOL_BACKENDS[1]}:443"
}

# pool_curl PIN: curl to the pool's address, pinned; its exit status in
# CURL_STATUS.
pool_curl() {
    CURL_STATUS=0
    client_run_begin curl
    in_c env SSLKEYLOGFILE="$(KEYS)" timeout 10 curl -sS --http1.1 -o /dev/null \
        --cacert "$WORK/pki/root.pem" --pinnedpubkey "sha256//$1" \
        --resolve "$CERT_NAME:443:$POOL_VIP" "https://$CERT_NAME/" 2>"$CLIENT_LOG" || CURL_STATUS=$?
    cat "$CLIENT_LOG" >>"$WORK/$SCEN.client.log"
    sleep 0.2
}

scenario cert-pool-pinning "scn_cert_pool_pinning" \
    "two servers behind one address present different keys; curl pins one: certificate_changed (TLS 1.2)"
scn_cert_pool_pinning() {
    local pin used close stream
    expect_begin "Two nginx servers for $CERT_NAME behind one address ($POOL_VIP, iptables DNAT round robin)," \
        "each with a valid certificate from the lab PKI but its own key. curl --pinnedpubkey pins the first" \
        "server's key: its first connection gets HTTP 200, the second lands on the other server, completes" \
        "the handshake and closes with close_notify and no request (exit 90, pin mismatch)."
    EXPECT_COLS="frame flag side stage alert cert.other_frame cert.spki_sha256 cert.other_spki_sha256"
    cert_pki
    local i
    for i in 0 1; do
        [[ -s $WORK/pki/pool-$i.pem ]] ||
            pki_issue "$WORK/pki" "pool-$i" ec:P-256 "$(pki_utc '-30 days')" "$(pki_utc '+60 days')" \
                "/CN=$CERT_NAME" "DNS:$CERT_NAME"
        cat "$WORK/pki/pool-$i.pem" "$WORK/pki/intermediate.pem" >"$WORK/pki/pool-$i.chain.pem"
    done
    pin=$(pki_pin "$WORK/pki" pool-0)
    server_nginx_pool
    capture_start main
    pool_curl "$pin"
    [[ $CURL_STATUS == 0 ]] || die "curl to the pinned server exited $CURL_STATUS"
    pool_curl "$pin"
    [[ $CURL_STATUS == 90 ]] || die "curl to the other server exited $CURL_STATUS, not 90 (pin mismatch)"
    capture_stop
    finish_capture "$WORK/$SCEN.main.raw.pcapng"

    need_negotiated 0 1.2
    need_negotiated 1 1.2
    need 2 "tls.handshake.type==11 && ip.src==$POOL_VIP" "a Certificate on each connection"
    [[ $(tsh -Y "tls.handshake.type==11" -T fields -e tls.handshake.certificate | sort -u | wc -l) == 2 ]] ||
        die "the two connections did not get different certificates"
    used=$(first "tcp.stream==0 && tls.record.content_type==23")
    need 0 "tcp.stream==1 && tls.record.content_type==23" "application data on the refused connection"
    need 1 "tcp.stream==1 && tls.handshake.type==20 && ip.src==$CLI" "the client's Finished on stream 1"
    close=$(first "tcp.stream==1 && ip.src==$CLI && tls.alert_message.desc==0")
    [[ -n $used && -n $close ]] || die "no request on stream 0 ($used) or no close_notify on stream 1 ($close)"
    [[ $(handshake_end 1) == complete ]] || die "stream 1: $(handshake_end 1)"
    truth "$close" certificate_changed client established 0 "$used" "$(pki_pin "$WORK/pki" pool-1)" "$pin"
    client_truth 1 "$close"
}
