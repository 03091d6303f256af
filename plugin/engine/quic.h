/* quic.h
 * The QUIC story: TLS handshakes that run inside QUIC connections, the
 * closes that end them, the Initials nobody answers, version negotiation,
 * Retry, and the client that falls back to TLS over TCP. Plain C; the glue
 * fills a tlsdiag_quic_observation from Wireshark's QUIC fields.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_QUIC_H
#define TLSDIAG_QUIC_H

#include <glib.h>

#include "observation.h"
#include "reports.h"
#include "verdict.h"

/* The QUIC packets one UDP datagram carries (coalesced packets), as bits. */
enum {
    TLSDIAG_QUIC_INITIAL = 1u << 0,
    TLSDIAG_QUIC_0RTT = 1u << 1,
    TLSDIAG_QUIC_HANDSHAKE = 1u << 2,
    TLSDIAG_QUIC_RETRY = 1u << 3,
    TLSDIAG_QUIC_VERSION_NEGOTIATION = 1u << 4,
    TLSDIAG_QUIC_SHORT = 1u << 5, /* 1-RTT */
};

#define TLSDIAG_QUIC_MAX_VERSIONS 8

/* RFC 9000 20.1: a TLS alert travels as CRYPTO_ERROR 0x0100 + alert. */
#define TLSDIAG_QUIC_CRYPTO_ERROR_BASE 0x0100u

typedef struct {
    uint32_t frame;
    int64_t time_ns;
    uint32_t connection; /* quic.connection.number */
    tlsdiag_endpoint src;
    tlsdiag_endpoint dst;

    uint8_t packets;           /* TLSDIAG_QUIC_* bits */
    uint32_t version;          /* of the first long-header packet */
    bool initial_token;        /* an Initial carries a token (answer to a Retry) */
    uint32_t listed_versions[TLSDIAG_QUIC_MAX_VERSIONS]; /* a Version Negotiation's list */
    uint8_t listed_version_count;

    /* The frame is an ICMP error that quotes a datagram of the connection:
     * nothing in the quote is new, only the ICMP error is. */
    bool icmp;
    bool port_unreachable;

    /* A transport CONNECTION_CLOSE (frame type 0x1c) the dissector could
     * read: any Initial one, Handshake and 1-RTT ones with keys. */
    bool has_close;
    bool close_application; /* an application CONNECTION_CLOSE (frame type 0x1d) */
    uint64_t close_error;
    const char *close_reason; /* borrowed for the duration of the call */

    /* HTTP/3 response statuses (Wireshark 4.4 and later decode them; with
     * keys only). */
    uint16_t http_statuses[TLSDIAG_MAX_HTTP_STATUSES];
    uint8_t http_status_count;

    /* TLS handshake messages in CRYPTO frames (beyond the Initial level
     * only with keys). */
    uint8_t handshake_types[TLSDIAG_MAX_HANDSHAKES];
    uint8_t handshake_count;
    const char *server_name; /* borrowed */
    bool has_certificate_list;
    uint32_t certificate_list_length;
} tlsdiag_quic_observation;

typedef struct tlsdiag_quic tlsdiag_quic;

tlsdiag_quic *tlsdiag_quic_new(void);
void tlsdiag_quic_free(tlsdiag_quic *quic);

/* Whether any QUIC attempt was seen: TCP handshakes pay nothing for the
 * QUIC story in captures without QUIC. */
bool tlsdiag_quic_seen(const tlsdiag_quic *quic);

/* Whether a connection's datagrams still have a story to tell: not once
 * its handshake completed. */
bool tlsdiag_quic_wants(const tlsdiag_quic *quic, uint32_t connection);

/* Reports go into reports. */
void tlsdiag_quic_observe(tlsdiag_quic *quic, tlsdiag_report_store *reports,
                          const tlsdiag_quic_observation *obs);

/* A TLS-over-TCP ClientHello (its verdict filled with the TCP facts, flag
 * still NONE): when it follows a failed or unanswered QUIC attempt from the
 * same client to the same server within window_ns, it becomes
 * quic_fallback_to_tcp and the attempt links to it. */
bool tlsdiag_quic_fallback(tlsdiag_quic *quic, tlsdiag_report_store *reports,
                           tlsdiag_verdict *verdict, uint32_t frame, int64_t time_ns,
                           int64_t window_ns);

/* The capture is over: attempts still unanswered, Retries never answered,
 * version negotiations never followed. Their reports go into end_reports,
 * copied from reports where the frame has links already. */
void tlsdiag_quic_capture_end(tlsdiag_quic *quic, tlsdiag_report_store *reports,
                              tlsdiag_report_store *end_reports);

/* RFC 9000 15: versions 0x?a?a?a?a are reserved to make servers answer
 * with a Version Negotiation. */
bool tlsdiag_quic_version_is_greased(uint32_t version);

/* What answered unanswered Initials: "port_closed" (ICMP port unreachable),
 * "icmp_unreachable" (another ICMP unreachable), "udp_filtered" (nothing). */
const char *tlsdiag_quic_path_name(const tlsdiag_verdict *verdict);

/* Whether a QUIC verdict's CONNECTION_CLOSE says "no error": NO_ERROR, an
 * application's 0 or H3_NO_ERROR, or the TLS alert close_notify. */
bool tlsdiag_quic_close_is_clean(const tlsdiag_verdict *verdict);

/* Whether an alert from the server to a client certificate is a rejection
 * of that certificate. */
bool tlsdiag_alert_rejects_certificate(uint8_t alert);

#endif /* TLSDIAG_QUIC_H */
