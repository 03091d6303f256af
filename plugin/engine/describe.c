/* describe.c
 * Expert-info text: one sentence a person can act on, per verdict.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "reports.h"
#include "verdict.h"

#include <inttypes.h>
#include <string.h>

static void append_duration(GString *out, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    double ms = (double)ns / 1e6;
    if (ms < 10.0)
        g_string_append_printf(out, "%.3f ms", ms);
    else if (ms < 10000.0)
        g_string_append_printf(out, "%.0f ms", ms);
    else if (ms < 86400e3)
        g_string_append_printf(out, "%.1f s", ms / 1000.0);
    else if (ms < 365 * 86400e3)
        g_string_append_printf(out, "%.1f days", ms / 86400e3);
    else
        g_string_append_printf(out, "%.1f years", ms / (365.25 * 86400e3));
}

void tlsdiag_append_version(GString *out, uint16_t version)
{
    const char *name = tlsdiag_version_name(version);
    if (name != NULL)
        g_string_append(out, name);
    else
        g_string_append_printf(out, "version 0x%04x", version);
}

/* "(TLS 1.2)" once the server chose, "(client offered up to TLS 1.3)" before. */
static void append_negotiation(GString *out, const tlsdiag_verdict *verdict)
{
    g_string_append(out, " (");
    if (verdict->negotiated_version != 0) {
        tlsdiag_append_version(out, verdict->negotiated_version);
    } else {
        g_string_append(out, "client offered up to ");
        tlsdiag_append_version(out, verdict->offered_version);
    }
    g_string_append_c(out, ')');
}

static void append_alert(GString *out, bool readable, uint8_t description)
{
    if (!readable) {
        g_string_append(out, "an encrypted alert");
        return;
    }
    const char *name = tlsdiag_alert_name(description);
    g_string_append_printf(out, "alert %s (%u)", name ? name : "unknown", description);
}

static void append_times(GString *out, unsigned count)
{
    if (count == 1)
        g_string_append(out, " once");
    else
        g_string_append_printf(out, " %u times", count);
}

/* IPv4 dotted, IPv6 in RFC 5952 short form. */
static void append_address(GString *out, const tlsdiag_endpoint *endpoint)
{
    const uint8_t *a = endpoint->addr;
    if (endpoint->family == 4) {
        g_string_append_printf(out, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        return;
    }
    if (endpoint->family != 6) {
        g_string_append(out, "?");
        return;
    }
    unsigned groups[8], best = 8, best_length = 1;
    for (unsigned i = 0; i < 8; i++)
        groups[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    for (unsigned i = 0; i < 8;) {
        unsigned j = i;
        while (j < 8 && groups[j] == 0)
            j++;
        if (j - i > best_length) {
            best = i;
            best_length = j - i;
        }
        i = j > i ? j : i + 1;
    }
    for (unsigned i = 0; i < 8; i++) {
        if (i == best) {
            g_string_append(out, "::");
            i += best_length - 1;
            continue;
        }
        if (i > 0 && i != best + best_length)
            g_string_append_c(out, ':');
        g_string_append_printf(out, "%x", groups[i]);
    }
}

static void append_retransmissions(GString *out, const tlsdiag_verdict *verdict)
{
    if (verdict->client_hello_retransmissions > 0) {
        g_string_append(out, "; ClientHello retransmitted");
        append_times(out, verdict->client_hello_retransmissions);
    }
    if (verdict->server_retransmissions > 0) {
        g_string_append(out, "; server retransmitted");
        append_times(out, verdict->server_retransmissions);
    }
    if (verdict->client_retransmissions > 0) {
        g_string_append(out, "; client flight retransmitted");
        append_times(out, verdict->client_retransmissions);
    }
    if (verdict->duplicate_acks > 0)
        g_string_append_printf(out, "; %" PRIu32 " duplicate ACK%s", verdict->duplicate_acks,
                               verdict->duplicate_acks == 1 ? "" : "s");
    if (verdict->zero_windows > 0)
        g_string_append_printf(out, "; zero window%s", verdict->zero_windows == 1 ? "" : "s");
}

static const char *resumption_phrase(tlsdiag_resumption resumption)
{
    switch (resumption) {
        case TLSDIAG_RESUMPTION_SESSION_ID:
            return "a TLS session ID";
        case TLSDIAG_RESUMPTION_TICKET:
            return "a session ticket";
        case TLSDIAG_RESUMPTION_PSK:
            return "a TLS 1.3 pre-shared key (ticket)";
        case TLSDIAG_RESUMPTION_NONE:
        case TLSDIAG_RESUMPTION_COUNT:
            break;
    }
    return "nothing";
}

/* "a session ticket issued by 10.0.0.1 in frame 12" */
static void append_offered_session(GString *out, const tlsdiag_verdict *verdict)
{
    g_string_append(out, resumption_phrase(verdict->resumption));
    if (verdict->session_issued == 0) {
        g_string_append(out, " issued before the capture started");
        return;
    }
    if (tlsdiag_same_address(&verdict->session_issuer, &verdict->server)) {
        g_string_append_printf(out, " this server issued in frame %" PRIu32,
                               verdict->session_issued);
        return;
    }
    g_string_append(out, " issued by ");
    append_address(out, &verdict->session_issuer);
    g_string_append_printf(out, " in frame %" PRIu32, verdict->session_issued);
}

/* Context every failure verdict carries: the silence before it and the
 * session it tried to resume. */
static void append_context(GString *out, const tlsdiag_verdict *verdict)
{
    if (verdict->stalled) {
        g_string_append(out, "; no progress for ");
        append_duration(out, verdict->idle_ns);
        g_string_append_printf(out, " before it (last progress: frame %" PRIu32 ")",
                               verdict->last_progress);
    }
    if (verdict->resumption != TLSDIAG_RESUMPTION_NONE) {
        g_string_append(out, "; the ClientHello offered to resume ");
        append_offered_session(out, verdict);
    }
}

/* "server RST after the ClientHello (frame 12)" */
static void append_failure(GString *out, const tlsdiag_failure *failure)
{
    g_string_append_printf(out, "%s ", tlsdiag_side_name(failure->side));
    if (failure->flag == TLSDIAG_FLAG_HANDSHAKE_ABORTED)
        g_string_append(out, tlsdiag_close_name(failure->close));
    else
        append_alert(out, failure->has_alert, failure->alert);
    g_string_append_printf(out, " %s (frame %" PRIu32 ")",
                           tlsdiag_stage_phrase(failure->stage, failure->tls13), failure->frame);
}

static void append_close(GString *out, const char *title, const tlsdiag_verdict *verdict)
{
    g_string_append_printf(out, "%s: %s sent %s %s", title, tlsdiag_side_name(verdict->side),
                           tlsdiag_close_name(verdict->close),
                           tlsdiag_stage_phrase(verdict->stage, verdict->tls13));
    append_negotiation(out, verdict);
    g_string_append(out, ", ");
    append_duration(out, verdict->elapsed_ns);
    g_string_append_printf(out, " after ClientHello (frame %" PRIu32 "), no alert",
                           verdict->client_hello);
}

/* "the connection from client port 51234 got ready (...) in frame 170, 0.210 ms before".
 * A sibling over the other IP family comes from another client address too:
 * its port alone would not find it. */
static void append_sibling(GString *out, const tlsdiag_verdict *verdict)
{
    const tlsdiag_sibling_evidence *siblings = &verdict->siblings;
    g_string_append_printf(out, "the connection from client port %u",
                           siblings->sibling_client_port);
    if (siblings->sibling_by_name && siblings->sibling_family != verdict->client.family)
        g_string_append_printf(out, " (same server name, over IPv%u)", siblings->sibling_family);
    else if (siblings->sibling_by_name)
        g_string_append(out, " (same server name, other address)");
    g_string_append_printf(out,
                           " got ready (client Finished or completed handshake) in frame %" PRIu32
                           ", ",
                           siblings->sibling_frame);
    append_duration(out, siblings->since_sibling_ns);
    g_string_append(out, " before");
}

static void append_closed_together(GString *out, const tlsdiag_sibling_evidence *siblings)
{
    if (siblings->closed_together >= 2)
        g_string_append_printf(out, "; the client closed %" PRIu32 " unfinished connections to "
                                    "this server together (this one and the %" PRIu32
                                    " just before it)",
                               siblings->closed_together, siblings->closed_together - 1);
}

/* What a client-side close shows of other connections: none ready, or
 * one that got ready too long before to explain this close. */
static void append_client_close_evidence(GString *out, const tlsdiag_verdict *verdict)
{
    if (verdict->side != TLSDIAG_SIDE_CLIENT)
        return;
    if (verdict->siblings.sibling_frame == 0)
        g_string_append(out, "; no other connection to this server completed");
    else {
        g_string_append(out, "; of the other connections to this server, ");
        append_sibling(out, verdict);
        g_string_append(out, ", too long before to explain this close");
    }
    append_closed_together(out, &verdict->siblings);
}

static void describe_aborted(const tlsdiag_verdict *verdict, GString *out)
{
    append_close(out, "TLS handshake aborted", verdict);
    append_retransmissions(out, verdict);
    append_context(out, verdict);
    append_client_close_evidence(out, verdict);
    tlsdiag_describe_certificate(verdict, out);
}

static void describe_abandoned(const tlsdiag_verdict *verdict, GString *out)
{
    append_close(out, "Connection abandoned by the client, not a failure", verdict);
    if (verdict->siblings.sibling_frame != 0) {
        g_string_append(out, "; ");
        append_sibling(out, verdict);
    }
    append_closed_together(out, &verdict->siblings);
    g_string_append(out, ". Browsers open several connections to a server at once and close "
                         "the ones they do not need as soon as one is ready");
    append_retransmissions(out, verdict);
}

static void describe_alert(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append_printf(out, "TLS handshake failed: %s sent ", tlsdiag_side_name(verdict->side));
    if (!verdict->alert_encrypted)
        g_string_append(out, verdict->alert_level == TLSDIAG_ALERT_LEVEL_FATAL ? "fatal " : "warning ");
    append_alert(out, !verdict->alert_encrypted, verdict->alert);
    g_string_append_printf(out, " %s", tlsdiag_stage_phrase(verdict->stage, verdict->tls13));
    append_negotiation(out, verdict);
    g_string_append(out, ", ");
    append_duration(out, verdict->elapsed_ns);
    g_string_append_printf(out, " after ClientHello (frame %" PRIu32 ")", verdict->client_hello);
    if (!verdict->alert_encrypted)
        g_string_append_printf(out, ": %s", tlsdiag_alert_meaning(verdict->alert, verdict->side));
    append_retransmissions(out, verdict);
    append_context(out, verdict);
    tlsdiag_describe_certificate(verdict, out);
}

static void describe_retry(const tlsdiag_verdict *verdict, GString *out)
{
    if (verdict->flag == TLSDIAG_FLAG_VERSION_FALLBACK) {
        g_string_append(out, "Version fallback: the client retries with at most ");
        tlsdiag_append_version(out, verdict->fallback_to);
        g_string_append(out, " instead of ");
        tlsdiag_append_version(out, verdict->fallback_from);
    } else {
        g_string_append(out, "Retry after failure: the client tries ");
        tlsdiag_append_version(out, verdict->fallback_to);
        g_string_append(out, " again");
    }
    g_string_append(out, ", ");
    append_duration(out, verdict->since_failure_ns);
    g_string_append_printf(out, " after its attempt with ClientHello frame %" PRIu32 " failed: ",
                           verdict->previous.client_hello);
    append_failure(out, &verdict->previous);
    g_string_append_printf(out, "; retry %" PRIu32, verdict->attempt);
    if (verdict->origin.frame != verdict->previous.frame) {
        g_string_append(out, " of a chain that started with ");
        append_failure(out, &verdict->origin);
    }
    if (verdict->fallback_scsv)
        g_string_append(out, "; offers TLS_FALLBACK_SCSV");
}

static void describe_scsv(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "ClientHello offers TLS_FALLBACK_SCSV with at most ");
    tlsdiag_append_version(out, verdict->offered_version);
    g_string_append(out, ": the client is retrying at a lower version after a failure this capture "
                         "does not hold");
}

static void describe_rejected(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "Fallback rejected: server sent inappropriate_fallback (86) to the ");
    tlsdiag_append_version(out, verdict->offered_version);
    g_string_append_printf(out, " retry in ClientHello frame %" PRIu32 "", verdict->client_hello);
    if (verdict->origin.frame == 0) {
        g_string_append(out, ", a fallback after a failure this capture does not hold; the server "
                             "supports a higher version, so find why the client's first attempt "
                             "failed");
        return;
    }
    g_string_append_printf(out, " (attempt %" PRIu32 "). Investigate the failure that started "
                                "the fallback, not the cipher or protocol configuration: ",
                           verdict->attempt);
    append_failure(out, &verdict->origin);
    g_string_append_printf(out, " of the attempt with ClientHello frame %" PRIu32,
                           verdict->origin.client_hello);
}

/* "client sent fatal alert bad_record_mac (20)" or "server closed (FIN)" */
static void append_ending(GString *out, const tlsdiag_verdict *verdict)
{
    if (!verdict->has_alert) {
        g_string_append_printf(out, "%s closed the connection (%s)",
                               tlsdiag_side_name(verdict->side), tlsdiag_close_name(verdict->close));
        return;
    }
    g_string_append_printf(out, "%s sent ", tlsdiag_side_name(verdict->side));
    if (!verdict->alert_encrypted)
        g_string_append(out, verdict->alert_level == TLSDIAG_ALERT_LEVEL_FATAL ? "fatal " : "warning ");
    append_alert(out, !verdict->alert_encrypted, verdict->alert);
}

const char tlsdiag_ios_403_advice[] =
    "some clients (iOS among them) fail a request as a client-certificate error when a "
    "connection that sent a client certificate answers 403; answering 401 instead avoids it";

static void describe_after_403(const tlsdiag_verdict *verdict, GString *out)
{
    bool is_close = !verdict->has_alert || (!verdict->alert_encrypted &&
                                            verdict->alert == TLSDIAG_ALERT_CLOSE_NOTIFY);
    g_string_append(out, is_close ? "Connection closed after HTTP 403 on mutual TLS: "
                                  : "TLS alert after HTTP 403 on mutual TLS: ");
    append_ending(out, verdict);
    g_string_append_printf(out, " after the 403 response in frame %" PRIu32 "; %s",
                           verdict->http403, tlsdiag_ios_403_advice);
}

static void describe_possible_after_403(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "Possible alert after an HTTP error on mutual TLS: ");
    append_ending(out, verdict);
    g_string_append(out, " right after the server's first application data; if that response is "
                         "a 403, ");
    g_string_append(out, tlsdiag_ios_403_advice);
    g_string_append(out, ". Decrypt with a key log to confirm");
}

static void describe_cert_rejected(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "Client certificate rejected after the handshake: ");
    append_ending(out, verdict);
    g_string_append(out, verdict->client_certificate == TLSDIAG_CLIENT_CERT_EMPTY
                             ? " after the client's empty Certificate (it had no certificate to "
                               "send) and its Finished"
                             : " after the client's Certificate and Finished");
    append_negotiation(out, verdict);
    if (verdict->has_alert && !verdict->alert_encrypted)
        g_string_append_printf(out, ": %s", tlsdiag_alert_meaning(verdict->alert, verdict->side));
    g_string_append(out, ". In TLS 1.3 the server checks the client certificate after the "
                         "client's Finished, so the client meets this as a failed first read, "
                         "not as a failed handshake");
}

static void describe_resumption(const tlsdiag_verdict *verdict, GString *out)
{
    bool elsewhere = verdict->flag == TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER;
    g_string_append(out, elsewhere ? "Session resumption refused by another server: "
                                   : "Session resumption refused: ");
    g_string_append_printf(out, "the ClientHello (frame %" PRIu32 ") offered ", verdict->client_hello);
    append_offered_session(out, verdict);
    g_string_append(out, ", and ");
    append_address(out, &verdict->server);
    if (verdict->has_alert) {
        g_string_append(out, " failed the handshake with ");
        append_alert(out, !verdict->alert_encrypted, verdict->alert);
        g_string_append(out, ". A server that finds a session it cannot resume (nginx logs "
                             "\"required cipher missing\") fails the handshake instead of "
                             "starting a full one");
    } else {
        g_string_append(out, " answered with a full handshake");
        append_negotiation(out, verdict);
        g_string_append(out, elsewhere ? ""
                                       : ": it no longer holds the session (a restart, cache "
                                         "expiry, ticket key rotation, or several servers behind "
                                         "this address that share no cache)");
    }
    if (elsewhere)
        g_string_append(out, ". The servers behind this name do not share their session cache "
                             "or ticket keys (round-robin DNS or a load balancer pool)");
    append_retransmissions(out, verdict);
}

/* "ServerHello 1.5 s, server flight 0.120 ms, ..." */
static void append_steps(GString *out, const tlsdiag_verdict *verdict)
{
    const char *separator = "";
    for (unsigned stage = TLSDIAG_STAGE_SERVER_HELLO; stage < TLSDIAG_STAGE_COUNT; stage++) {
        if (!tlsdiag_verdict_has_step(verdict, stage))
            continue;
        g_string_append_printf(out, "%s%s ", separator, tlsdiag_step_name(stage));
        append_duration(out, verdict->step_ns[stage]);
        separator = ", ";
    }
}

/* The handshake's silence lies in a gap of the recording: say that first. */
static void describe_cut_by_recording(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "TLS handshake cut by the recording, not stalled: the capture has no "
                         "TCP packet at all for ");
    append_duration(out, verdict->recording_gap_ns);
    g_string_append_printf(out, " after this handshake's last progress (frame %" PRIu32
                                ", ClientHello: frame %" PRIu32 ") %s",
                           verdict->last_progress, verdict->client_hello,
                           tlsdiag_stage_phrase(verdict->stage, verdict->tls13));
    append_negotiation(out, verdict);
    g_string_append(out, "; recordings made at different times were joined (mergecap -a), so "
                         "what happened to it next was not recorded");
}

/* The dissector lost the stream's records: what looks like silence may be
 * a handshake that went on unread. */
static void describe_unreadable(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append_printf(out,
                           "TLS handshake unreadable from frame %" PRIu32
                           ", so not known to have stalled: Wireshark could not read the "
                           "TLS records from there on (a segment missing or out of order, "
                           "a stream taken for SSLv2, or bytes that are no TLS); the last "
                           "progress it read was "
                           "frame %" PRIu32 ", ",
                           verdict->unreadable, verdict->last_progress);
    append_duration(out, verdict->idle_ns);
    g_string_append_printf(out, " before %s, %s",
                           verdict->capture_end ? "the capture ends" : "this frame",
                           tlsdiag_stage_phrase(verdict->stage, verdict->tls13));
    append_negotiation(out, verdict);
    g_string_append_printf(out,
                           " (ClientHello: frame %" PRIu32 "); the TCP stream shows whether "
                           "data flowed after it",
                           verdict->client_hello);
}

/* Nothing of the connection was recorded after the handshake's last
 * frame: the silence is the recording's, or a peer's lost network. */
static void describe_unrecorded(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "TLS handshake not known to have stalled: the capture holds no packet "
                         "of this connection after this frame, not even a TCP acknowledgment "
                         "or a retransmission, in the ");
    append_duration(out, verdict->unrecorded_ns);
    g_string_append(
        out, " to its end, although a peer's TCP acknowledges data within a "
             "fraction of a second and sends unacknowledged data again within "
             "seconds: the recording lost this connection (a capture filter, a "
             "trimmed capture, one direction or one interface of several), or a peer lost its "
             "network. Last progress: ");
    g_string_append_printf(out, "frame %" PRIu32 " %s", verdict->last_progress,
                           tlsdiag_stage_phrase(verdict->stage, verdict->tls13));
    append_negotiation(out, verdict);
    g_string_append_printf(out, ", waiting for %s (ClientHello: frame %" PRIu32 ")",
                           tlsdiag_awaited_phrase(verdict->side, verdict->stage),
                           verdict->client_hello);
}

static void describe_stalled(const tlsdiag_verdict *verdict, GString *out)
{
    if (verdict->recording_gap_ns > 0 && !verdict->stalled) {
        describe_cut_by_recording(verdict, out);
        return;
    }
    if (verdict->unreadable != 0) {
        describe_unreadable(verdict, out);
        return;
    }
    if (verdict->unrecorded_ns > 0) {
        describe_unrecorded(verdict, out);
        return;
    }
    if (verdict->capture_end) {
        g_string_append(out, "TLS handshake incomplete when the capture ends: no progress in "
                             "the last ");
    } else {
        g_string_append(out, "TLS handshake stalled: no progress for ");
    }
    append_duration(out, verdict->idle_ns);
    if (verdict->recording_gap_ns > 0) {
        /* Stalled within its own recording, then joined to a later one:
         * the years of the gap are not the handshake's. */
        g_string_append(out, ", all but ");
        append_duration(out, tlsdiag_time_between(verdict->idle_ns, verdict->recording_gap_ns));
        g_string_append(out, " of it a gap between joined recordings (mergecap -a)");
    }
    g_string_append_printf(out, " %s", tlsdiag_stage_phrase(verdict->stage, verdict->tls13));
    append_negotiation(out, verdict);
    g_string_append_printf(out, ", waiting for %s (last progress: frame %" PRIu32
                                "; ClientHello: frame %" PRIu32 ")",
                           tlsdiag_awaited_phrase(verdict->side, verdict->stage),
                           verdict->last_progress, verdict->client_hello);
    if (verdict->steps & ~(1u << TLSDIAG_STAGE_CLIENT_HELLO)) {
        g_string_append(out, "; steps: ");
        append_steps(out, verdict);
    }
    append_retransmissions(out, verdict);
    tlsdiag_describe_certificate(verdict, out);
}

/* From the handshake's completion to this frame: the steps add up to it. */
static int64_t since_completion(const tlsdiag_verdict *verdict)
{
    int64_t completed = 0;
    for (unsigned stage = TLSDIAG_STAGE_SERVER_HELLO; stage < TLSDIAG_STAGE_COUNT; stage++) {
        if (tlsdiag_verdict_has_step(verdict, stage))
            completed += verdict->step_ns[stage];
    }
    return verdict->elapsed_ns - completed;
}

static void describe_rejected_after_handshake(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "Client rejected the server after the handshake: ");
    append_ending(out, verdict);
    g_string_append(out, " ");
    append_duration(out, since_completion(verdict));
    g_string_append(out, " after the handshake completed");
    append_negotiation(out, verdict);
    g_string_append(out, ", without sending any application data. Clients that check the host "
                         "name or a pinned key after the handshake (curl, OkHttp, some iOS paths) "
                         "fail this way");
    tlsdiag_describe_certificate(verdict, out);
}

static void describe_certificate_changed(const tlsdiag_verdict *verdict, GString *out)
{
    const tlsdiag_cert_facts *facts = verdict->certificate;
    g_string_append(out, "Certificate changed: ");
    append_ending(out, verdict);
    g_string_append_printf(out, " %s", tlsdiag_stage_phrase(verdict->stage, verdict->tls13));
    append_negotiation(out, verdict);
    g_string_append_printf(out, ", without sending application data; the server presented the key "
                                "sha256//%s, while the connection in frame %" PRIu32 " to ",
                           facts && facts->spki_sha256 ? facts->spki_sha256 : "?",
                           verdict->certificate_other_frame);
    if (verdict->server_name != NULL)
        tlsdiag_append_printable(out, verdict->server_name);
    else
        append_address(out, &verdict->server);
    g_string_append_printf(out, " was used with the key sha256//%s. The servers behind this name "
                                "do not present the same certificate, which breaks clients that "
                                "pin one key (curl --pinnedpubkey, OkHttp, iOS) now and then",
                           verdict->certificate_other_pin ? verdict->certificate_other_pin : "?");
    tlsdiag_describe_certificate(verdict, out);
}

static void describe_slow(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "Slow TLS handshake: ");
    append_duration(out, verdict->elapsed_ns);
    g_string_append_printf(out, " from ClientHello (frame %" PRIu32 ") to completion",
                           verdict->client_hello);
    append_negotiation(out, verdict);
    g_string_append(out, ": ");
    append_steps(out, verdict);
    append_retransmissions(out, verdict);
    if (tlsdiag_verdict_retransmissions(verdict) > 0)
        g_string_append(out, ". Retransmissions in the handshake point to packet loss on the path");
}

void tlsdiag_describe_verdict(const tlsdiag_verdict *verdict, GString *out)
{
    switch (verdict->flag) {
        case TLSDIAG_FLAG_HANDSHAKE_ABORTED:
            describe_aborted(verdict, out);
            break;
        case TLSDIAG_FLAG_HANDSHAKE_ALERT:
            describe_alert(verdict, out);
            break;
        case TLSDIAG_FLAG_VERSION_FALLBACK:
        case TLSDIAG_FLAG_RETRY_AFTER_FAILURE:
            describe_retry(verdict, out);
            break;
        case TLSDIAG_FLAG_FALLBACK_SCSV:
            describe_scsv(verdict, out);
            break;
        case TLSDIAG_FLAG_FALLBACK_REJECTED:
            describe_rejected(verdict, out);
            break;
        case TLSDIAG_FLAG_ALERT_AFTER_403:
            if (verdict->quic)
                tlsdiag_describe_quic(verdict, out);
            else
                describe_after_403(verdict, out);
            break;
        case TLSDIAG_FLAG_POSSIBLE_ALERT_AFTER_403:
            describe_possible_after_403(verdict, out);
            break;
        case TLSDIAG_FLAG_CLIENT_CERT_REJECTED:
            if (verdict->quic)
                tlsdiag_describe_quic(verdict, out);
            else
                describe_cert_rejected(verdict, out);
            break;
        case TLSDIAG_FLAG_RESUMPTION_REFUSED:
        case TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER:
            describe_resumption(verdict, out);
            break;
        case TLSDIAG_FLAG_HANDSHAKE_STALLED:
            describe_stalled(verdict, out);
            break;
        case TLSDIAG_FLAG_HANDSHAKE_SLOW:
            describe_slow(verdict, out);
            break;
        case TLSDIAG_FLAG_HANDSHAKE_ABANDONED:
            describe_abandoned(verdict, out);
            break;
        case TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE:
            describe_rejected_after_handshake(verdict, out);
            break;
        case TLSDIAG_FLAG_CERTIFICATE_CHANGED:
            describe_certificate_changed(verdict, out);
            break;
        case TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED:
        case TLSDIAG_FLAG_QUIC_UNANSWERED:
        case TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP:
        case TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION:
        case TLSDIAG_FLAG_QUIC_RETRY_LOOP:
            tlsdiag_describe_quic(verdict, out);
            break;
        case TLSDIAG_FLAG_NONE:
        case TLSDIAG_FLAG_COUNT:
            break;
    }
}

void tlsdiag_describe_ended_by(const tlsdiag_frame_report *report, GString *out)
{
    if (report->ended_how == TLSDIAG_FLAG_HANDSHAKE_ABANDONED) {
        g_string_append_printf(out, "The client abandoned this connection in frame %" PRIu32
                                    " (not a failure)",
                               report->ended_by);
        return;
    }
    g_string_append_printf(out, "This handshake failed: %s in frame %" PRIu32,
                           tlsdiag_flag_name(report->ended_how), report->ended_by);
}

void tlsdiag_describe_retried_by(const tlsdiag_frame_report *report, GString *out)
{
    g_string_append_printf(out, "The client tried again in frame %" PRIu32 " (%s)",
                           report->retried_by, tlsdiag_flag_name(report->retried_how));
}

void tlsdiag_describe_retry_completed(const tlsdiag_frame_report *report, GString *out)
{
    const tlsdiag_verdict *retry = &report->verdict;
    g_string_append_printf(out, "This retry completed its handshake in frame %" PRIu32 " (",
                           report->retry_completed);
    tlsdiag_append_version(out, report->retry_completed_version);
    g_string_append_c(out, ')');
    if (retry->flag == TLSDIAG_FLAG_VERSION_FALLBACK && !retry->fallback_scsv)
        g_string_append(out, ": the downgrade succeeded; without TLS_FALLBACK_SCSV the server "
                             "could not tell it from a client that supports no more");
    else if (retry->flag == TLSDIAG_FLAG_VERSION_FALLBACK)
        g_string_append(out, ": the downgrade succeeded; the server supports no higher version");
}

static bool is_utf8_continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

size_t tlsdiag_text_part_length(const char *text, size_t max)
{
    size_t length = strlen(text);
    if (length <= max)
        return length;
    for (size_t end = max; end > max * 2 / 5; end--) {
        if (text[end] == ' ' && strchr(";:.,", text[end - 1]) != NULL)
            return end;
    }
    for (size_t end = max; end > 0; end--) {
        if (text[end] == ' ')
            return end;
    }
    size_t end = max;
    while (end > 0 && is_utf8_continuation(text[end]))
        end--;
    return end > 0 ? end : max;
}

void tlsdiag_append_duration(GString *out, int64_t ns)
{
    append_duration(out, ns);
}

void tlsdiag_append_address(GString *out, const tlsdiag_endpoint *endpoint)
{
    append_address(out, endpoint);
}
