/* verdict.h
 * What the engine concludes about a frame, and what a frame shows: at most
 * one verdict plus links to other frames written after it was seen.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_VERDICT_H
#define TLSDIAG_VERDICT_H

#include <glib.h>

#include "certificate.h"
#include "observation.h"
#include "siblings.h"
#include "vocabulary.h"

/* The handshake failure a later verdict refers to. */
typedef struct {
    uint32_t frame; /* the FIN, RST or alert; 0 when there is none */
    uint32_t client_hello;
    tlsdiag_flag flag;
    tlsdiag_side side;
    tlsdiag_close close;
    tlsdiag_stage stage;
    bool tls13;
    bool has_alert;
    uint8_t alert;
    uint16_t version; /* negotiated, else the highest offered */
} tlsdiag_failure;

typedef struct {
    tlsdiag_flag flag;
    tlsdiag_side side;   /* who sent the FIN, RST or alert */
    tlsdiag_close close;
    tlsdiag_stage stage; /* last step reached */
    bool tls13;          /* the ServerHello selected TLS 1.3 */

    uint32_t stream;
    tlsdiag_endpoint client;
    tlsdiag_endpoint server;
    const char *server_name; /* interned by the engine; NULL without SNI */

    uint16_t offered_version;    /* highest the client offered */
    uint16_t negotiated_version; /* 0 before a ServerHello */
    uint32_t client_hello;       /* frame of this handshake's ClientHello */
    int64_t elapsed_ns;          /* from that ClientHello to this frame */

    bool has_alert;
    bool alert_encrypted; /* level and description unreadable without keys */
    uint8_t alert_level;
    uint8_t alert;

    /* Handshake segments retransmitted before this frame. */
    uint32_t client_hello_retransmissions;
    uint32_t client_retransmissions; /* later client flights */
    uint32_t server_retransmissions;

    /* Fallback chains: version_fallback, retry_after_failure and
     * fallback_rejected refer to the failure that made the client retry
     * and to the one that started the chain. */
    tlsdiag_failure previous;
    tlsdiag_failure origin;
    uint16_t fallback_from;
    uint16_t fallback_to;
    bool fallback_scsv;
    uint32_t attempt; /* 1 for the first retry after the origin */
    int64_t since_failure_ns;

    /* Mutual TLS: the server asked for a client certificate. */
    bool certificate_requested;
    tlsdiag_client_cert client_certificate;
    uint32_t http403; /* the 403 response an alert or close follows */

    /* Session resumption the ClientHello offered, and where that session
     * was issued in this capture (0: not in the capture). */
    tlsdiag_resumption resumption;
    uint32_t session_issued;
    tlsdiag_endpoint session_issuer; /* address only */

    /* Progress: the handshake's last step forward before this frame, and
     * how long each step took (step_ns[stage]: from the step before to
     * reaching stage; valid where the bit (1 << stage) of steps is set). */
    uint32_t last_progress;
    int64_t idle_ns;
    bool stalled;     /* idle_ns is past the stall timeout */
    bool capture_end; /* handshake_stalled: the capture ends first */
    /* The first frame after the last progress whose TLS bytes the
     * dissector could not read as records; 0 if none. */
    uint32_t unreadable;
    /* handshake_stalled at the capture end: how long the recording holds
     * no packet at all of the connection after this frame; 0 when it holds
     * one, or when that proves nothing. */
    int64_t unrecorded_ns;
    uint8_t steps;
    int64_t step_ns[TLSDIAG_STAGE_COUNT];

    /* Loss evidence on the connection before this frame, beside the
     * retransmissions above. */
    uint32_t duplicate_acks;
    uint32_t zero_windows;

    /* A client close of an unfinished handshake: the sibling connections
     * that got ready before it and the closes next to it. */
    tlsdiag_sibling_evidence siblings;
    /* Time in the silence before this frame during which the whole capture
     * has no packet (recordings merged with mergecap -a). */
    int64_t recording_gap_ns;
    /* The server's certificate chain (shared; valid while the engine is)
     * and its findings, judged at the capture time of its Certificate
     * message (certificate_time_s). NULL when none was readable. */
    const tlsdiag_cert_facts *certificate;
    tlsdiag_cert_findings certificate_findings;
    int64_t certificate_time_s;
    /* certificate_changed: a connection to the same server that was used
     * with another key, and that key's pin. */
    uint32_t certificate_other_frame;
    const char *certificate_other_pin;
    /* QUIC (quic.c): a QUIC verdict's stream is quic.connection.number.
     * quic_fallback_to_tcp, a TCP verdict, describes with these the QUIC
     * attempt it follows. */
    bool quic;
    uint32_t quic_connection;
    bool has_quic_error;
    uint64_t quic_error;      /* CONNECTION_CLOSE error code */
    const char *quic_reason;  /* its reason phrase, interned; NULL without one */
    uint32_t quic_initials;   /* client datagrams with an Initial, retransmissions too */
    int64_t quic_span_ns;     /* from the first of them to the last */
    uint32_t quic_icmp;       /* the first ICMP unreachable that answered them */
    bool quic_port_closed;    /* it was port unreachable */
    uint32_t quic_version;    /* the version the client offered */
    uint32_t quic_retry;      /* the server's first Retry */
    bool quic_application;    /* the close is an application CONNECTION_CLOSE (HTTP/3 codes) */
} tlsdiag_verdict;

/* "12 ms", "1.5 s"; "10.0.0.1", "2001:db8::1" (describe.c). */
void tlsdiag_append_duration(GString *out, int64_t ns);
void tlsdiag_append_address(GString *out, const tlsdiag_endpoint *endpoint);

/* The expert text of a QUIC verdict (quic_text.c). */
void tlsdiag_describe_quic(const tlsdiag_verdict *verdict, GString *out);

/* What some clients make of a 403 on a client-certificate connection (describe.c). */
extern const char tlsdiag_ios_403_advice[];

typedef struct {
    tlsdiag_verdict verdict; /* flag NONE: the frame only carries links */
    /* On a ClientHello: the frame that ended its handshake. */
    uint32_t ended_by;
    tlsdiag_flag ended_how;
    /* On a failure: the ClientHello with which the client tried again. */
    uint32_t retried_by;
    tlsdiag_flag retried_how;
    /* On a retry's ClientHello: the frame that completed its handshake. */
    uint32_t retry_completed;
    uint16_t retry_completed_version;
} tlsdiag_frame_report;

static inline bool tlsdiag_verdict_has_step(const tlsdiag_verdict *verdict, tlsdiag_stage stage)
{
    return (verdict->steps & (1u << stage)) != 0;
}

static inline uint32_t tlsdiag_verdict_retransmissions(const tlsdiag_verdict *verdict)
{
    return verdict->client_hello_retransmissions + verdict->client_retransmissions +
           verdict->server_retransmissions;
}

/* "TLS 1.2", or "version 0x7e02" for a value without a name. */
void tlsdiag_append_version(GString *out, uint16_t version);

/* The expert text of a frame's verdict and of its links, for people. */
void tlsdiag_describe_verdict(const tlsdiag_verdict *verdict, GString *out);
void tlsdiag_describe_ended_by(const tlsdiag_frame_report *report, GString *out);
void tlsdiag_describe_retried_by(const tlsdiag_frame_report *report, GString *out);
void tlsdiag_describe_retry_completed(const tlsdiag_frame_report *report, GString *out);

/* Whether the server's certificate can explain this verdict: the client
 * ended the handshake, or the connection right after it, once the server's
 * certificate was on the wire (in TLS 1.3 without keys it is encrypted:
 * tlsdiag_describe_certificate then says a key log would show it). */
bool tlsdiag_verdict_concerns_certificate(const tlsdiag_verdict *verdict);

/* "; the server's certificate: ..." for such a verdict; nothing otherwise. */
void tlsdiag_describe_certificate(const tlsdiag_verdict *verdict, GString *out);

/* How much of text to show in a line of at most max bytes: up to the last
 * clause boundary (after ";", ":", "." or ","), else the last space that
 * fits, never inside a UTF-8 character. Expert texts and tree labels are
 * cut at a fixed length; a long text is shown in such parts. */
size_t tlsdiag_text_part_length(const char *text, size_t max);

#endif /* TLSDIAG_VERDICT_H */
