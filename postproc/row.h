/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_ROW_H
#define TLSDIAG_ROW_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/*
 * The plugin's contract as the report sees it: the tshark fields it reads,
 * in one table shared by the -T fields and -T ek readers, and one plain
 * struct per flagged row.
 */
enum row_field {
    RF_FRAME,
    RF_TIME,
    RF_STREAM,
    RF_FLAG,
    RF_SIDE,
    RF_CLOSE,
    RF_STAGE,
    RF_VERSION,
    RF_ALERT,
    RF_CLIENT,
    RF_SERVER,
    RF_SNI,
    RF_CLIENT_HELLO,
    RF_ELAPSED,
    RF_RETRANSMISSIONS,
    RF_FB_PREVIOUS,
    RF_FB_FAILURE,
    RF_FB_FROM,
    RF_FB_TO,
    RF_FB_SCSV,
    RF_FB_ATTEMPT,
    RF_HTTP403,
    RF_RES_OFFERED,
    RF_RES_ISSUED,
    RF_RES_ISSUER,
    RF_LAST_PROGRESS,
    RF_IDLE,
    RF_CAPTURE_END,
    RF_STEP_SERVER_HELLO,
    RF_STEP_SERVER_FLIGHT,
    RF_STEP_CLIENT_FLIGHT,
    RF_STEP_COMPLETION,
    RF_LOSS_CLIENT_HELLO,
    RF_LOSS_SERVER,
    RF_LOSS_CLIENT,
    RF_LOSS_DUPLICATE_ACKS,
    RF_LOSS_ZERO_WINDOWS,
    RF_QUIC_CONNECTION,
    RF_CERT_PROBLEM,
    RF_CERT_SUBJECT,
    RF_CERT_SAN,
    RF_CERT_SPKI_SHA256,
    RF_UNREADABLE,
    RF_UNRECORDED,
    RF_COUNT
};

/* A QUIC connection is a flow like a TCP stream: its key is this base plus
 * quic.connection.number, apart from every tcp.stream. */
#define ROW_QUIC_STREAM_BASE ((int64_t)1 << 40)

static inline bool row_stream_is_quic(int64_t stream)
{
    return stream >= ROW_QUIC_STREAM_BASE;
}

/* Handshake steps, in order: server_hello, server_flight, client_flight, completion. */
#define ROW_STEPS 4
/* Loss counters: client_hello, server, client retransmissions, duplicate ACKs, zero windows. */
#define ROW_LOSSES 5

/* tshark field name, e.g. "tlsdiag.fallback.from". */
const char *row_field_name(enum row_field f);
bool row_field_required(enum row_field f);
/* The part after the last dot: "server_hello" for tlsdiag.step.server_hello. */
const char *row_field_suffix(enum row_field f);

/* Absent optional numbers are -1 (alert 0, close_notify, is a real value). */
struct flagged_row {
    int64_t frame;
    int64_t time_ns; /* exact: doubles would round nanoseconds and break merges */
    bool has_time;
    int64_t stream;
    /* Strings borrow from the reader's line buffer: valid during the callback only. */
    const char *flag; /* empty: a note-only row */
    const char *side;
    const char *close;
    const char *stage;
    int32_t version;
    int32_t alert;
    const char *client;
    const char *server;
    const char *sni;
    int64_t client_hello;
    int64_t elapsed_ns;
    bool has_elapsed;
    int64_t retransmissions;
    int64_t fb_previous;
    int64_t fb_failure;
    int32_t fb_from;
    int32_t fb_to;
    int fb_scsv; /* -1 absent, 0, 1 */
    int64_t fb_attempt;
    int64_t http403;
    const char *resumption; /* session_id, ticket, psk */
    int64_t resumption_issued;
    const char *resumption_issuer; /* address, no port */
    int64_t last_progress;
    int64_t idle_ns; /* durations: -1 when absent */
    int capture_end; /* -1 absent, 0, 1 */
    int64_t unreadable; /* frame from which the dissector read no record */
    int64_t unrecorded_ns; /* nothing of the connection recorded after the frame */
    int64_t step_ns[ROW_STEPS];
    int64_t loss[ROW_LOSSES];
    int64_t quic_connection;
    /* The server's leaf certificate on a refusal: the first finding and SAN (tshark -E
     * occurrence=f), subject, pin. */
    const char *cert_problem;
    const char *cert_subject;
    const char *cert_san;
    const char *cert_pin;
};

void row_clear(struct flagged_row *row);

/* tcp.stream, or for a QUIC row ROW_QUIC_STREAM_BASE + its connection. */
int64_t row_flow_key(const struct flagged_row *row);

/*
 * Parse one field's text as tshark prints it into row. value must be
 * NUL-terminated and stay alive as long as row is used. Empty means absent.
 * Returns false with a static reason when the text is not a valid value.
 */
bool row_set_field(struct flagged_row *row, enum row_field f, const char *value,
                   const char **reason);

/* "column tlsdiag.version: not a ... ('0xzz')", value escaped and shortened. */
void row_explain(GString *out, const char *what, enum row_field f, const char *value,
                 const char *reason);

/* Checks that make a row usable after all fields are set. */
bool row_complete(const struct flagged_row *row, const char **reason);

#endif
