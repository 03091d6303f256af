/* quic_text.c
 * Expert texts of the QUIC story (quic.c): what ended the handshake, in
 * words, and where to look next.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "quic.h"

#include <inttypes.h>

/* RFC 9000 20.1 and RFC 9368 (VERSION_NEGOTIATION_ERROR). */
static const char *const transport_errors[] = {
    "NO_ERROR",
    "INTERNAL_ERROR",
    "CONNECTION_REFUSED",
    "FLOW_CONTROL_ERROR",
    "STREAM_LIMIT_ERROR",
    "STREAM_STATE_ERROR",
    "FINAL_SIZE_ERROR",
    "FRAME_ENCODING_ERROR",
    "TRANSPORT_PARAMETER_ERROR",
    "CONNECTION_ID_LIMIT_ERROR",
    "PROTOCOL_VIOLATION",
    "INVALID_TOKEN",
    "APPLICATION_ERROR",
    "CRYPTO_BUFFER_EXCEEDED",
    "KEY_UPDATE_ERROR",
    "AEAD_LIMIT_REACHED",
    "NO_VIABLE_PATH",
    "VERSION_NEGOTIATION_ERROR",
};

/* "CRYPTO_ERROR 0x128 (TLS alert handshake_failure (40))", "PROTOCOL_VIOLATION (0xa)" */
static void append_error(GString *out, const tlsdiag_verdict *verdict)
{
    if (verdict->quic_application && verdict->quic_error == 0x100) {
        g_string_append(out, "H3_NO_ERROR (0x100)");
    } else if (verdict->quic_application) {
        g_string_append_printf(out, "application error 0x%" PRIx64, verdict->quic_error);
    } else if (verdict->has_alert) {
        const char *name = tlsdiag_alert_name(verdict->alert);
        g_string_append_printf(out, "CRYPTO_ERROR 0x%" PRIx64 " (TLS alert %s (%u))",
                               verdict->quic_error, name ? name : "unknown", verdict->alert);
    } else if (verdict->quic_error < G_N_ELEMENTS(transport_errors)) {
        g_string_append_printf(out, "%s (0x%" PRIx64 ")", transport_errors[verdict->quic_error],
                               verdict->quic_error);
    } else {
        g_string_append_printf(out, "error 0x%" PRIx64, verdict->quic_error);
    }
    if (verdict->quic_reason != NULL)
        g_string_append_printf(out, ", reason \"%s\"", verdict->quic_reason);
}

/* "3 Initials over 2.0 s" */
static void append_initials(GString *out, const tlsdiag_verdict *verdict)
{
    g_string_append_printf(out, "%" PRIu32 " Initial%s", verdict->quic_initials,
                           verdict->quic_initials == 1 ? "" : "s");
    if (verdict->quic_initials > 1) {
        g_string_append(out, " over ");
        tlsdiag_append_duration(out, verdict->quic_span_ns);
    }
}

/* The Initials and what answered them: an ICMP port unreachable says
 * nothing listens there; silence says the datagrams are dropped. */
static void append_silence(GString *out, const tlsdiag_verdict *verdict)
{
    append_initials(out, verdict);
    if (verdict->quic_icmp != 0 && verdict->quic_port_closed)
        g_string_append_printf(out, "; ICMP port unreachable in frame %" PRIu32
                                    ": port closed (no QUIC server listens on UDP port %u)",
                               verdict->quic_icmp, verdict->server.port);
    else if (verdict->quic_icmp != 0)
        g_string_append_printf(out, "; ICMP unreachable in frame %" PRIu32
                                    ": the path to the server refuses them",
                               verdict->quic_icmp);
    else
        g_string_append_printf(out, "; no ICMP error either: UDP filtered (a firewall drops UDP "
                                    "to port %u, or the path loses it)",
                               verdict->server.port);
}

const char *tlsdiag_quic_path_name(const tlsdiag_verdict *verdict)
{
    if (verdict->quic_icmp == 0)
        return "udp_filtered";
    return verdict->quic_port_closed ? "port_closed" : "icmp_unreachable";
}

static void describe_closed(const tlsdiag_verdict *verdict, GString *out)
{
    bool refused = verdict->side == TLSDIAG_SIDE_SERVER &&
                   verdict->stage == TLSDIAG_STAGE_QUIC_INITIAL;
    g_string_append(out, refused ? "QUIC handshake refused: " : "QUIC handshake closed: ");
    g_string_append_printf(out, "%s sent CONNECTION_CLOSE with ", tlsdiag_side_name(verdict->side));
    append_error(out, verdict);
    g_string_append_printf(out, " %s, ", tlsdiag_stage_phrase(verdict->stage, true));
    tlsdiag_append_duration(out, verdict->elapsed_ns);
    g_string_append_printf(out, " after the client's first Initial (frame %" PRIu32 ")",
                           verdict->client_hello);
    if (verdict->has_alert)
        g_string_append_printf(out, ": %s", tlsdiag_alert_meaning(verdict->alert, verdict->side));
}

static void describe_cert_rejected(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "Client certificate rejected in the QUIC handshake: server sent "
                         "CONNECTION_CLOSE with ");
    append_error(out, verdict);
    if (verdict->client_certificate == TLSDIAG_CLIENT_CERT_EMPTY)
        g_string_append(out, " after the client's empty Certificate (it had none to send)");
    else if (verdict->client_certificate == TLSDIAG_CLIENT_CERT_SENT)
        g_string_append(out, " after the client's Certificate");
    g_string_append_printf(out, ": %s. The server checks the client certificate after the "
                                "client's Finished, so the client meets this as a failed "
                                "connection, not as a failed handshake",
                           tlsdiag_alert_meaning(verdict->alert, verdict->side));
}

static void describe_unanswered(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "QUIC Initials unanswered: no QUIC packet from ");
    tlsdiag_append_address(out, &verdict->server);
    g_string_append_printf(out, ":%u to the client's ", verdict->server.port);
    append_silence(out, verdict);
    if (verdict->has_quic_error) {
        g_string_append(out, "; the client gave up and closed with ");
        append_error(out, verdict);
    } else if (verdict->capture_end) {
        g_string_append(out, "; still none when the capture ends");
        if (verdict->quic_initials < 2 && verdict->quic_icmp == 0)
            g_string_append(out, " (one Initial only: the capture may just end too early)");
    }
}

static void describe_no_common_version(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append_printf(out, "QUIC version negotiation without a result: the server does not "
                                "speak version 0x%08" PRIx32 " of the client's first Initial "
                                "(frame %" PRIu32 "), and the client never came back with a "
                                "version the server listed",
                           verdict->quic_version, verdict->client_hello);
    if (tlsdiag_quic_version_is_greased(verdict->quic_version))
        g_string_append(out, ". That version is a reserved (greased) one, sent to ask for the "
                             "list: either the client only probed, or it has no version in "
                             "common with the server");
    else
        g_string_append(out, ": no QUIC version in common");
}

static void describe_retry_loop(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append_printf(out, "QUIC Retry without progress: the client ");
    if (verdict->side == TLSDIAG_SIDE_SERVER) {
        g_string_append_printf(out, "answered the server's Retry (frame %" PRIu32 ") with its "
                                    "token and got another Retry: the server does not accept "
                                    "its own tokens (servers behind one address that do not "
                                    "share the token key?)",
                               verdict->quic_retry);
        return;
    }
    if (verdict->quic_initials == 0) {
        g_string_append_printf(out, "never answered the server's Retry (frame %" PRIu32 ") with "
                                    "its token: it discarded the Retry (one it could not verify?)",
                               verdict->quic_retry);
    } else {
        g_string_append_printf(out, "answered the server's Retry (frame %" PRIu32 ") with its "
                                    "token in ",
                               verdict->quic_retry);
        append_initials(out, verdict);
        g_string_append(out, " and heard nothing more. The server answered the first Initial, "
                             "so UDP reaches it: the Initials with the token were lost on the way "
                             "or dropped (a load balancer that cannot route the connection ID "
                             "the Retry gave the client, or a server that drops its own token)");
        if (verdict->quic_icmp != 0)
            g_string_append_printf(out, "; ICMP unreachable in frame %" PRIu32, verdict->quic_icmp);
    }
    if (verdict->has_quic_error) {
        g_string_append(out, "; the client gave up and closed with ");
        append_error(out, verdict);
    } else if (verdict->capture_end) {
        g_string_append(out, "; no answer when the capture ends");
    }
}

/* "was closed by the server with CRYPTO_ERROR ... (frame 2)" */
static void append_quic_failure(GString *out, const tlsdiag_verdict *verdict)
{
    const tlsdiag_failure *failure = &verdict->previous;
    switch (failure->flag) {
        case TLSDIAG_FLAG_QUIC_UNANSWERED:
            g_string_append(out, "went unanswered: ");
            append_silence(out, verdict);
            return;
        case TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION:
            g_string_append_printf(out, "got a Version Negotiation with no version in common "
                                        "(frame %" PRIu32 ")",
                                   failure->frame);
            return;
        case TLSDIAG_FLAG_QUIC_RETRY_LOOP:
            g_string_append_printf(out, "never got past the server's Retry (frame %" PRIu32 ")",
                                   verdict->quic_retry);
            return;
        default:
            break;
    }
    g_string_append_printf(out, "was closed by the %s", tlsdiag_side_name(failure->side));
    if (failure->has_alert) {
        const char *name = tlsdiag_alert_name(failure->alert);
        g_string_append_printf(out, " with TLS alert %s (%u)", name ? name : "unknown",
                               failure->alert);
    }
    g_string_append_printf(out, " %s (frame %" PRIu32 ")",
                           tlsdiag_stage_phrase(failure->stage, true), failure->frame);
}

static void describe_fallback(const tlsdiag_verdict *verdict, GString *out)
{
    g_string_append(out, "Fallback from QUIC to TLS over TCP: the client tries TCP ");
    tlsdiag_append_duration(out, verdict->since_failure_ns);
    g_string_append_printf(out, " after its QUIC attempt (connection %" PRIu32
                                ", first Initial frame %" PRIu32 ") ",
                           verdict->quic_connection, verdict->previous.client_hello);
    append_quic_failure(out, verdict);
    g_string_append(out, ". The TCP connection works around it at the cost of a slower start; "
                         "find what stops QUIC on this path or server");
}

static void describe_after_403(const tlsdiag_verdict *verdict, GString *out)
{
    bool clean = tlsdiag_quic_close_is_clean(verdict);
    g_string_append(out, clean ? "QUIC connection closed after HTTP 403 on mutual TLS: "
                               : "QUIC connection closed with an error after HTTP 403 on mutual TLS: ");
    g_string_append_printf(out, "%s sent CONNECTION_CLOSE with ", tlsdiag_side_name(verdict->side));
    append_error(out, verdict);
    g_string_append_printf(out, " after the HTTP/3 403 response in frame %" PRIu32 "; ",
                           verdict->http403);
    if (clean)
        g_string_append(out, "a clean close, no failure by itself, but ");
    g_string_append(out, tlsdiag_ios_403_advice);
}

void tlsdiag_describe_quic(const tlsdiag_verdict *verdict, GString *out)
{
    switch (verdict->flag) {
        case TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED:
            describe_closed(verdict, out);
            break;
        case TLSDIAG_FLAG_CLIENT_CERT_REJECTED:
            describe_cert_rejected(verdict, out);
            break;
        case TLSDIAG_FLAG_QUIC_UNANSWERED:
            describe_unanswered(verdict, out);
            break;
        case TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP:
            describe_fallback(verdict, out);
            break;
        case TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION:
            describe_no_common_version(verdict, out);
            break;
        case TLSDIAG_FLAG_QUIC_RETRY_LOOP:
            describe_retry_loop(verdict, out);
            break;
        case TLSDIAG_FLAG_ALERT_AFTER_403:
            describe_after_403(verdict, out);
            break;
        default:
            break;
    }
}
