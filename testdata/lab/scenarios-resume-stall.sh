# SPDX-License-Identifier: GPL-2.0-or-later
# scenarios-resume-stall.sh: session resumption refused behind a server pool,
# stalled and slow handshakes (issue 9). Sourced by generate.sh after
# scenarios.sh, whose helpers it uses.

# server_nginx_one ADDR NAME: an nginx of its own on ADDR:443, with its own
# session cache and its own (random) ticket keys, as each member of a pool
# without shared ticket keys has. NGINX_ONE_PID holds its PID.
server_nginx_one() {
    local addr=$1 dir=$WORK/nginx-$2
    mkdir -p "$dir/logs"
    {
        nginx_conf_head | sed "s#$WORK/nginx/#$dir/#g"
        cat <<EOF
    ssl_session_cache shared:$2:1m;
    ssl_session_tickets on;
    server {
        listen $addr:443 ssl;
        server_name $SNI;
        ssl_certificate $WORK/server.pem;
        ssl_certificate_key $WORK/server.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / { return 200 "ok\n"; }
    }
}
EOF
    } >"$dir/nginx.conf"
    bg "$NS_S" "$WORK/nginx-$2.log" nginx -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf"
    NGINX_ONE_PID=$BG_PID
    wait_listen "$addr:443"
}

stop_nginx_one() { # PID
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

SESSION_FILE() { echo "$WORK/$SCEN.session.pem"; }

# truth FRAME VALUES...: one expected row, its values in EXPECT_COLS order.
truth() { EXPECT_ROWS+=("$(printf '%s\t' "$@")"); }

# s_client_lingering FROM TO ARGS...: like s_client, but keeps the connection
# a second, so TLS 1.3 tickets (sent after the handshake) arrive.
s_client_lingering() {
    local from=$1 to=$2
    shift 2
    client_run_begin OpenSSL
    sleep 1 | in_c timeout 10 openssl s_client -connect "$to:443" -bind "$from:0" -servername "$SNI" \
        -keylogfile "$(KEYS)" "$@" >"$CLIENT_LOG" 2>&1 || true
    cat "$CLIENT_LOG" >>"$WORK/$SCEN.client.log"
}

# resume_twice FIRST-SERVER SECOND-SERVER S_CLIENT-ARGS...: a full handshake
# with FIRST that saves the session, then one with SECOND that offers it.
resume_twice() {
    local first=$1 second=$2
    shift 2
    s_client_lingering "$CLI" "$first" "$@" -sess_out "$(SESSION_FILE)"
    [[ -s "$(SESSION_FILE)" ]] || die "s_client saved no session"
    sleep 0.3
    s_client_lingering "$CLI" "$second" "$@" -sess_in "$(SESSION_FILE)"
}

# client_reused: what s_client said of its second connection.
client_reused() {
    grep -E '^(New|Reused), ' "$WORK/$SCEN.client.log" | sed -n 2p | cut -d, -f1
}

# The frame where stream 1's server shows it runs a full handshake: TLS 1.3
# in the ServerHello (no pre_shared_key), TLS 1.2 in its first Certificate,
# ServerKeyExchange or ServerHelloDone.
refusal_frame() { # VERSION
    if [[ $1 == 1.3 ]]; then
        first "tcp.stream==1 && ip.src==$2 && tls.handshake.type==2"
    else
        first "tcp.stream==1 && ip.src==$2 && tls.handshake.type in {11,12,14}"
    fi
}

# The frame that issued the session stream 1 offers.
issuing_frame() { # KIND
    case $1 in
    session_id) first "tcp.stream==0 && tls.handshake.type==2" ;;
    ticket) first "tcp.stream==0 && tls.handshake.type==4" ;;
    psk)
        local identity
        identity=$(tsh -Y "tcp.stream==1 && tls.handshake.type==1" -T fields \
            -e tls.handshake.extensions.psk.identity.identity | tr -d ':')
        [[ -n $identity ]] || die "stream 1's ClientHello offers no PSK identity"
        tsh -Y "tcp.stream==0 && tls.handshake.type==4" -T fields -E occurrence=a \
            -e frame.number -e tls.handshake.session_ticket |
            tr -d ':' | awk -F'\t' -v id="$identity" 'index($2, id) { print $1; exit }'
        ;;
    esac
}

resume_args() { # VERSION KIND: s_client options
    local args=("$(vflag "$1")")
    [[ $2 == session_id ]] && args+=(-no_ticket)
    echo "${args[@]}"
}

# ================================================================ issue 9

scenario resume-other-server-tls12-ticket "scn_resume_other_server 1.2 ticket" \
    "TLS 1.2 ticket from one nginx offered to a second nginx with other ticket keys"
scenario resume-other-server-tls12-session-id "scn_resume_other_server 1.2 session_id" \
    "TLS 1.2 session ID cached by one nginx offered to a second nginx"
scenario resume-other-server-tls13 "scn_resume_other_server 1.3 psk" \
    "TLS 1.3 PSK (ticket) from one nginx offered to a second nginx with other ticket keys"
scn_resume_other_server() {
    local v=$1 kind=$2 frame issued
    expect_begin "Round-robin pool without shared ticket keys: two nginx servers ($SRV, $SRV2), each with its" \
        "own session cache and ticket keys. s_client $(resume_args "$v" "$kind") saves the session from $SRV" \
        "(-sess_out), then offers it ($kind) to $SRV2 (-sess_in), which runs a full handshake."
    EXPECT_COLS="frame flag side resumption.offered resumption.issued"
    server_nginx_one "$SRV" a
    server_nginx_one "$SRV2" b
    # shellcheck disable=SC2046
    record resume_twice "$SRV" "$SRV2" $(resume_args "$v" "$kind")
    [[ $(client_reused) == New ]] || die "the second server resumed the session: $(client_reused)"
    need_negotiated 0 "$v"
    need_negotiated 1 "$v"
    need 1 "tcp.stream==1 && ip.dst==$SRV2 && tls.handshake.type==1" "the ClientHello to the second server"
    frame=$(refusal_frame "$v" "$SRV2")
    issued=$(issuing_frame "$kind")
    [[ -n $frame && -n $issued ]] || die "no full handshake ($frame) or no issuing frame ($issued)"
    truth "$frame" resumption_other_server server "$kind" "$issued"
    client_truth 1 "$frame"
}

scenario resume-refused-after-restart "scn_resume_refused_after_restart" \
    "TLS 1.2 ticket offered to the same nginx after a restart (new ticket keys, empty cache)"
scn_resume_refused_after_restart() {
    local frame issued
    expect_begin "The same nginx ($SRV) restarted between two connections: the ticket s_client saved from the" \
        "first is unknown to the new process (new ticket keys, empty cache), which runs a full handshake."
    EXPECT_COLS="frame flag side resumption.offered resumption.issued"
    server_nginx_one "$SRV" a
    record restart_between
    [[ $(client_reused) == New ]] || die "the restarted server resumed the session: $(client_reused)"
    need_negotiated 1 1.2
    frame=$(refusal_frame 1.2 "$SRV")
    issued=$(issuing_frame ticket)
    truth "$frame" resumption_refused server ticket "$issued"
    client_truth 1 "$frame"
}
restart_between() {
    s_client_lingering "$CLI" "$SRV" -tls1_2 -sess_out "$(SESSION_FILE)"
    stop_nginx_one "$NGINX_ONE_PID"
    server_nginx_one "$SRV" a
    s_client_lingering "$CLI" "$SRV" -tls1_2 -sess_in "$(SESSION_FILE)"
}

scenario resume-ok-same-server "scn_resume_ok_same_server" \
    "Negative: TLS 1.2 and 1.3 sessions resumed on the nginx that issued them"
scn_resume_ok_same_server() {
    expect_begin "Negative: s_client saves a TLS 1.2 ticket session, a TLS 1.2 session ID and a TLS 1.3 session" \
        "from nginx ($SRV) and resumes each on the same server: abbreviated handshakes, nothing to flag."
    server_nginx_one "$SRV" a
    record resume_three_ways
    [[ $(grep -c '^Reused, ' "$WORK/$SCEN.client.log") == 3 ]] ||
        die "expected 3 resumed sessions: $(grep -E '^(New|Reused), ' "$WORK/$SCEN.client.log" | paste -sd' ')"
    need_streams 6
    need 0 "ip.src==$SRV && tls.handshake.type==11 && tcp.stream in {1,3}" "a certificate in a resumed TLS 1.2 handshake"
    need 0 "tls.alert_message.level==2" "a fatal alert"
    need 0 "tcp.flags.reset==1" "a reset"
}
resume_three_ways() {
    local args
    for args in "-tls1_2" "-tls1_2 -no_ticket" "-tls1_3"; do
        # shellcheck disable=SC2086
        resume_twice "$SRV" "$SRV" $args
        rm -f "$(SESSION_FILE)"
    done
}

scenario handshake-stalled-client-flight "scn_handshake_stalled" \
    "middlebox drops the client's key exchange flight; its retransmissions show the stall"
scn_handshake_stalled() {
    local cke t stalled
    expect_begin "TLS 1.2: the middlebox drops every copy of the client's ClientKeyExchange flight (iptables u32," \
        "DROP). The client retransmits it with growing timeouts; the first retransmission more than 5 s after the" \
        "flight shows the stall. timeout(1) stops s_client at 10 s; its FIN would follow the next retransmission," \
        "after the capture ends."
    EXPECT_COLS="frame flag side close stage last_progress"
    server_openssl "$SRV"
    mbox -A INPUT -p tcp --dport 443 -m u32 --u32 "$U32_CLIENT_KEY_EXCHANGE" -j DROP
    record s_client "$CLI" "$SRV" -tls1_2
    cke=$(first "tls.handshake.type==16 && !tcp.analysis.retransmission")
    [[ -n $cke ]] || die "no ClientKeyExchange"
    t=$(tsh -Y "frame.number==$cke" -T fields -e frame.time_epoch)
    need_some "tcp.analysis.retransmission && ip.src==$CLI" "retransmissions of the client's flight"
    stalled=$(first "tcp.analysis.retransmission && ip.src==$CLI && frame.time_epoch > $t + 5")
    [[ -n $stalled ]] || die "no retransmission 5 s after the client's flight"
    truth "$stalled" handshake_stalled server "" client_flight "$cke"
    client_truth 0 "$stalled"
    # The FIN of the closed socket waits behind the unacknowledged flight:
    # in loss recovery Linux sends only the retransmissions (tried: none
    # carried the FIN within 15 s). The giving up shows on the client only.
    need 0 "tcp.stream==0 && (tcp.flags.fin==1 || tcp.flags.reset==1)" "a FIN or RST"
}

scenario handshake-stalled-capture-end "scn_stalled_capture_end" \
    "the server never answers; the capture ends 3 s after the ClientHello"
scn_stalled_capture_end() {
    local last
    expect_begin "TLS 1.3: the middlebox drops every ClientHello (iptables u32, DROP); the capture stops 3 s" \
        "later while s_client still retransmits. Incomplete at the end of the capture: flagged only in two-pass" \
        "mode (the GUI, tshark -2), on the handshake's last frame, as a note (3 s is under the stall timeout)."
    EXPECT_COLS="frame flag side stage capture_end"
    server_openssl "$SRV"
    mbox -A INPUT -p tcp --dport 443 -m u32 --u32 "$U32_CLIENT_HELLO" -j DROP
    record client_left_running
    need 1 "tls.handshake.type==1" "one ClientHello"
    need_some "tcp.analysis.retransmission && ip.src==$CLI" "retransmitted ClientHellos"
    need 0 "ip.src==$SRV && tcp.len>0" "an answer from the server"
    last=$(frames "tcp.stream==0 && (tls.record || tcp.analysis.retransmission)" | awk '{ print $NF }')
    truth "$last" handshake_stalled server client_hello 1
    client_truth 0 "$last"
}
client_left_running() {
    s_client "$CLI" "$SRV" -tls1_3 &
    sleep 3
}

scenario handshake-unrecorded "scn_handshake_unrecorded" \
    "a TLS 1.2 connection trimmed after the client's flight, then 7 s of capture: the recording lost it"
scn_handshake_unrecorded() {
    local flight end lost=()
    expect_begin "TLS 1.2: s_client completes a handshake with s_server and, 7 s later, a second one. The lab then" \
        "trims the capture as nDPI trims its test captures: it deletes every frame of the first connection after" \
        "the client's key exchange flight (editcap). The capture holds no packet of that connection after the" \
        "flight, not even the server's ACK, for over 7 s while it goes on." \
        "why: handshake_stalled at the capture end (two-pass only) as the Note tlsdiag.handshake_unrecorded," \
        "not the Warning: the lab deleted the packets, so the silence is the recording's, not the server's." \
        "The second connection completes: no annotation."
    EXPECT_COLS="frame flag side stage capture_end"
    server_openssl "$SRV" -www
    record two_clients_apart
    flight=$(first "tcp.stream==0 && tls.handshake.type==16")
    [[ -n $flight ]] || die "no ClientKeyExchange on stream 0"
    read -ra lost <<<"$(frames "tcp.stream==0 && frame.number > $flight")"
    ((${#lost[@]} > 0)) || die "nothing of stream 0 after its flight"
    trim_frames "${lost[@]}"
    need 0 "tcp.stream==0 && frame.number > $flight" "a packet of stream 0 after its flight"
    need 0 "tcp.analysis.retransmission || tcp.analysis.duplicate_ack" "a retransmission or duplicate ACK"
    expect_complete 1
    end=$(tsh -T fields -e frame.time_relative | tail -n 1)
    [[ $(tsh -Y "frame.number==$flight" -T fields -e frame.time_relative |
        awk -v end="$end" '{ print (end - $1 > 5) }') == 1 ]] || die "under 5 s from the flight to the end"
    truth "$flight" handshake_stalled server client_flight 1
    # shellcheck disable=SC2034 # read by expect_write (generate.sh)
    EXPECT_EXTRA=("#! expert: tlsdiag.handshake_unrecorded frames=$flight"
        "#! expert: tlsdiag.handshake_stalled frames=none")
}
two_clients_apart() {
    s_client "$CLI" "$SRV" -tls1_2
    sleep 7
    s_client "$CLI" "$SRV" -tls1_2
}
# trim_frames FRAME...: deletes these frames from the capture. editcap 4.0
# cannot rewrite a capture with embedded keys: the raw one is trimmed and
# the keys embedded again.
trim_frames() {
    local raw=$WORK/$SCEN.trimmed.raw.pcapng
    editcap "$RAW_CAP" "$raw" "$@" || die "editcap could not delete frames $*"
    finish_capture "$raw"
}

scenario handshake-slow-lossy "scn_handshake_slow" \
    "a relay holds every segment 1 s and the middlebox drops the first ClientHello: a 4 s handshake"
scn_handshake_slow() {
    local done_frame
    expect_begin "A weak link: slow_relay.py in front of s_server holds every chunk 1 s each way, and the" \
        "middlebox drops the first copy of the ClientHello (iptables statistic nth, DROP), so the client's" \
        "TCP retransmits it. The TLS 1.2 handshake completes after about 4 s: slow, with the time of each step" \
        "and the retransmission."
    EXPECT_COLS="frame flag stage loss.client_hello_retransmissions"
    bg "$NS_S" "$WORK/s_server-relay.log" openssl s_server -accept "$SRV:8443" \
        -cert "$WORK/server.pem" -key "$WORK/server.key" -quiet -www
    wait_listen "$SRV:8443"
    bg "$NS_S" "$WORK/relay.log" "$PY" "$LAB_DIR/slow_relay.py" --listen "$SRV:443" \
        --connect "$SRV:8443" --delay 1.0
    wait_listen "$SRV:443"
    mbox -A INPUT -p tcp --dport 443 -m u32 --u32 "$U32_CLIENT_HELLO" \
        -m statistic --mode nth --every 1000 --packet 0 -j DROP
    record s_client "$CLI" "$SRV" -tls1_2
    need 1 "tcp.analysis.retransmission && ip.src==$CLI && tcp.seq==1" "the retransmitted ClientHello"
    need_negotiated 0 1.2
    expect_complete 0
    # Complete with the server's ChangeCipherSpec and Finished, after the client's.
    done_frame=$(first "ip.src==$SRV && tls.record.content_type==20 && tls.record.content_type==22")
    [[ -n $done_frame ]] || die "no server Finished"
    local t0 t1
    t0=$(tsh -Y "tls.handshake.type==1" -T fields -e frame.time_epoch)
    t1=$(tsh -Y "frame.number==$done_frame" -T fields -e frame.time_epoch)
    awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a > 3) }' || die "the handshake took only $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s"
    truth "$done_frame" handshake_slow established 1
    client_truth 0 "$done_frame"
}
