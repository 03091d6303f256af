/* vocabulary.h
 * The words tlsdiag users filter on: flags, sides, closes, stages, and the
 * plain-language meaning of TLS alerts and versions. One enum per vocabulary,
 * one table per enum (vocabulary.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_VOCABULARY_H
#define TLSDIAG_VOCABULARY_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    TLSDIAG_FLAG_NONE = 0,
    TLSDIAG_FLAG_HANDSHAKE_ABORTED,
    TLSDIAG_FLAG_HANDSHAKE_ALERT,
    TLSDIAG_FLAG_VERSION_FALLBACK,
    TLSDIAG_FLAG_RETRY_AFTER_FAILURE,
    TLSDIAG_FLAG_FALLBACK_SCSV,
    TLSDIAG_FLAG_FALLBACK_REJECTED,
    TLSDIAG_FLAG_ALERT_AFTER_403,
    TLSDIAG_FLAG_POSSIBLE_ALERT_AFTER_403,
    TLSDIAG_FLAG_CLIENT_CERT_REJECTED,
    TLSDIAG_FLAG_RESUMPTION_REFUSED,
    TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER,
    TLSDIAG_FLAG_HANDSHAKE_STALLED,
    TLSDIAG_FLAG_HANDSHAKE_SLOW,
    TLSDIAG_FLAG_HANDSHAKE_ABANDONED,
    TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE,
    TLSDIAG_FLAG_CERTIFICATE_CHANGED,
    TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED,
    TLSDIAG_FLAG_QUIC_UNANSWERED,
    TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP,
    TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION,
    TLSDIAG_FLAG_QUIC_RETRY_LOOP,
    TLSDIAG_FLAG_COUNT
} tlsdiag_flag;

typedef enum {
    TLSDIAG_SIDE_NONE = 0,
    TLSDIAG_SIDE_CLIENT,
    TLSDIAG_SIDE_SERVER,
    TLSDIAG_SIDE_COUNT
} tlsdiag_side;

typedef enum {
    TLSDIAG_CLOSE_NONE = 0,
    TLSDIAG_CLOSE_FIN,
    TLSDIAG_CLOSE_RST,
    TLSDIAG_CLOSE_COUNT
} tlsdiag_close;

/* The last handshake step reached, in the order a handshake reaches them. */
typedef enum {
    TLSDIAG_STAGE_NONE = 0,
    TLSDIAG_STAGE_CLIENT_HELLO,
    TLSDIAG_STAGE_SERVER_HELLO,
    TLSDIAG_STAGE_SERVER_FLIGHT,
    TLSDIAG_STAGE_CLIENT_FLIGHT,
    TLSDIAG_STAGE_ESTABLISHED,
    /* QUIC: the highest packet level the server reached. */
    TLSDIAG_STAGE_QUIC_INITIAL,
    TLSDIAG_STAGE_QUIC_HANDSHAKE,
    TLSDIAG_STAGE_COUNT
} tlsdiag_stage;

/* What the client answered to a CertificateRequest. */
typedef enum {
    TLSDIAG_CLIENT_CERT_UNKNOWN = 0, /* no Certificate message seen */
    TLSDIAG_CLIENT_CERT_EMPTY,
    TLSDIAG_CLIENT_CERT_SENT,
    TLSDIAG_CLIENT_CERT_COUNT
} tlsdiag_client_cert;

/* How a ClientHello asked to resume an earlier session. */
typedef enum {
    TLSDIAG_RESUMPTION_NONE = 0,
    TLSDIAG_RESUMPTION_SESSION_ID, /* TLS 1.2 and below: a cached session */
    TLSDIAG_RESUMPTION_TICKET,     /* TLS 1.2 SessionTicket extension */
    TLSDIAG_RESUMPTION_PSK,        /* TLS 1.3 pre_shared_key */
    TLSDIAG_RESUMPTION_COUNT
} tlsdiag_resumption;

/* Filter words, as users type them: tlsdiag.flag == "handshake_aborted". */
const char *tlsdiag_flag_name(tlsdiag_flag flag);
const char *tlsdiag_side_name(tlsdiag_side side);
const char *tlsdiag_close_name(tlsdiag_close close);
const char *tlsdiag_stage_name(tlsdiag_stage stage);
const char *tlsdiag_client_cert_name(tlsdiag_client_cert cert);
const char *tlsdiag_resumption_name(tlsdiag_resumption resumption);

/* Where the handshake stood, as a phrase: "after the ServerHello". */
const char *tlsdiag_stage_phrase(tlsdiag_stage stage, bool tls13);

/* "TLS 1.2", "SSL 3.0", "TLS 1.3 (draft)"; NULL for unknown values. */
const char *tlsdiag_version_name(uint16_t version);

/* Draft and experimental TLS 1.3 code points count as TLS 1.3. */
uint16_t tlsdiag_version_normalize(uint16_t version);

bool tlsdiag_version_is_grease(uint16_t version);

/* "handshake_failure"; NULL for descriptions no RFC assigns. */
const char *tlsdiag_alert_name(uint8_t description);

/* What the alert means when this side sends it, in words a person can act
 * on: "the client does not trust the server's certificate (unknown CA)". */
const char *tlsdiag_alert_meaning(uint8_t description, tlsdiag_side sender);

#define TLSDIAG_ALERT_CLOSE_NOTIFY          0
#define TLSDIAG_ALERT_CERTIFICATE_REQUIRED  116
#define TLSDIAG_ALERT_INAPPROPRIATE_FALLBACK 86
#define TLSDIAG_ALERT_USER_CANCELED         90

#define TLSDIAG_ALERT_LEVEL_WARNING 1
#define TLSDIAG_ALERT_LEVEL_FATAL   2

#define TLSDIAG_VERSION_SSL3  0x0300
#define TLSDIAG_VERSION_TLS10 0x0301
#define TLSDIAG_VERSION_TLS11 0x0302
#define TLSDIAG_VERSION_TLS12 0x0303
#define TLSDIAG_VERSION_TLS13 0x0304

#define TLSDIAG_CIPHER_FALLBACK_SCSV 0x5600

#define TLSDIAG_HTTP_FORBIDDEN 403

/*
 * The other direction, for tools that read the words back (tlsdiag-report):
 * the value whose name is NAME, or the NONE value for a word not in the
 * table (a flag of a newer plugin, say).
 */
tlsdiag_flag tlsdiag_flag_from_name(const char *name);
tlsdiag_side tlsdiag_side_from_name(const char *name);
tlsdiag_stage tlsdiag_stage_from_name(const char *name);
tlsdiag_resumption tlsdiag_resumption_from_name(const char *name);

/* The flags on the ClientHello of a retry: the attempt did not fail there. */
bool tlsdiag_flag_is_retry(tlsdiag_flag flag);

/* Where the handshake stood when the TLS version is not known:
 * "after the server's certificate flight". */
const char *tlsdiag_stage_phrase_unversioned(tlsdiag_stage stage);

/* The step that reaches a stage, as timings name it: "ServerHello",
 * "server flight", "client flight", "completion"; "" for the others. */
const char *tlsdiag_step_name(tlsdiag_stage stage);

/* What a stalled handshake waits for, from who owes the next message and
 * the stage reached: "the ServerHello". */
const char *tlsdiag_awaited_phrase(tlsdiag_side owes, tlsdiag_stage stage);

#endif /* TLSDIAG_VOCABULARY_H */
