/* observation.h
 * What the engine sees of one frame: TCP facts and the TLS content the
 * dissectors found in it, in order. Plain C, filled by the epan glue or by a
 * unit test; the engine never sees Wireshark types.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_OBSERVATION_H
#define TLSDIAG_OBSERVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "certificate.h"

typedef struct {
    uint8_t family; /* 0 unknown, 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
} tlsdiag_endpoint;

/* Frames rarely carry more than a handful of records; the rest of an
 * unusually long frame is summarized by the counters, not stored. */
#define TLSDIAG_MAX_RECORDS 16
#define TLSDIAG_MAX_HANDSHAKES 16
#define TLSDIAG_MAX_ALERTS 4
#define TLSDIAG_MAX_HTTP_STATUSES 8

typedef struct {
    uint8_t level;
    uint8_t description;
} tlsdiag_alert;

typedef struct {
    uint32_t frame;
    int64_t time_ns; /* absolute capture time */
    uint32_t stream; /* tcp.stream */
    tlsdiag_endpoint src;
    tlsdiag_endpoint dst;

    bool fin;
    bool rst;
    bool retransmission;
    bool duplicate_ack;
    bool zero_window;

    /* tls.record.content_type in order: the outer type of plaintext and
     * TLS 1.2 records, the inner type of decrypted TLS 1.3 records. */
    uint8_t record_types[TLSDIAG_MAX_RECORDS];
    uint8_t record_count;
    /* TLS 1.3 records whose real type is hidden (tls.record.opaque_type). */
    uint8_t opaque_record_count;
    /* Set when the types were read from the record headers, as before any
     * decryption: TLS 1.3's hidden records are then among them as
     * application data, of which the frame had app_data_records (all,
     * not only the first TLSDIAG_MAX_RECORDS), and opaque_record_count
     * is 0. The engine tells them apart as the TLS dissector does. */
    bool outer_types;
    uint8_t app_data_records;
    /* TLS bytes that start with no record header: the dissector lost the
     * record boundaries (a segment missing or out of order, a stream it
     * took for SSLv2) or the bytes are no TLS; it reads no record after. */
    bool unreadable;

    uint8_t handshake_types[TLSDIAG_MAX_HANDSHAKES];
    uint8_t handshake_count;

    /* Set when the frame holds a ClientHello or a ServerHello. */
    uint16_t hello_version;          /* legacy_version field */
    uint16_t max_supported_version;  /* highest of supported_versions, GREASE skipped; 0 if absent */
    bool offers_fallback_scsv;
    const char *server_name; /* SNI, borrowed for the duration of the call */

    /* Session resumption. Session IDs and tickets are kept as 64-bit
     * digests (tlsdiag_digest): only equality matters, and a ticket can be
     * kilobytes long. A digest of 0 means absent. */
    uint64_t session_id;       /* hello's legacy_session_id */
    uint64_t offered_ticket;   /* ClientHello: SessionTicket extension data */
    uint64_t offered_psk;      /* ClientHello: first pre_shared_key identity */
    bool hello_read;           /* the hello's bytes were read to the end */
    bool server_selected_psk;  /* ServerHello: pre_shared_key extension */
    bool hello_retry_request;  /* a ServerHello that is a HelloRetryRequest */
    uint64_t issued_ticket;    /* NewSessionTicket (TLS 1.3: only with keys) */

    /* A Certificate message's list length: 0 when the client had none. */
    bool has_certificate_list;
    uint32_t certificate_list_length;

    /* Alerts the dissector could read (plaintext or decrypted). */
    tlsdiag_alert alerts[TLSDIAG_MAX_ALERTS];
    uint8_t alert_count;

    /* HTTP/1.x and HTTP/2 response status codes, seen through decryption. */
    uint16_t http_statuses[TLSDIAG_MAX_HTTP_STATUSES];
    uint8_t http_status_count;

    uint8_t certificate_count; /* of certificates */
    /* ServerHello: the cipher suite the server selected (hello_read). */
    uint16_t cipher_suite;

    /* Last, and not zeroed with the rest on every frame (128 bytes): a
     * Certificate message's certificates, in the order sent (the first
     * TLSDIAG_MAX_CHAIN), borrowed for the call; only the first
     * certificate_count are set. */
    tlsdiag_der certificates[TLSDIAG_MAX_CHAIN];
} tlsdiag_observation;

/* What an extraction clears before it fills an observation. */
#define TLSDIAG_OBSERVATION_CLEARED offsetof(tlsdiag_observation, certificates)

/* TLS record content types and handshake message types (RFC 8446). */
enum {
    TLSDIAG_RECORD_CHANGE_CIPHER_SPEC = 20,
    TLSDIAG_RECORD_ALERT = 21,
    TLSDIAG_RECORD_HANDSHAKE = 22,
    TLSDIAG_RECORD_APPLICATION_DATA = 23,
};

enum {
    TLSDIAG_HS_CLIENT_HELLO = 1,
    TLSDIAG_HS_SERVER_HELLO = 2,
    TLSDIAG_HS_NEW_SESSION_TICKET = 4,
    TLSDIAG_HS_ENCRYPTED_EXTENSIONS = 8,
    TLSDIAG_HS_CERTIFICATE = 11,
    TLSDIAG_HS_SERVER_KEY_EXCHANGE = 12,
    TLSDIAG_HS_CERTIFICATE_REQUEST = 13,
    TLSDIAG_HS_SERVER_HELLO_DONE = 14,
    TLSDIAG_HS_CERTIFICATE_VERIFY = 15,
    TLSDIAG_HS_CLIENT_KEY_EXCHANGE = 16,
    TLSDIAG_HS_FINISHED = 20,
};

bool tlsdiag_endpoint_equal(const tlsdiag_endpoint *a, const tlsdiag_endpoint *b);

/* Who tried to reach whom: the client's address (not its port: every retry
 * comes from a new port) and the server's address and port. Zeroed before
 * it is filled, so that it compares and hashes as bytes. */
typedef struct {
    uint8_t family;
    uint8_t client_addr[16];
    uint8_t server_addr[16];
    uint16_t server_port;
} tlsdiag_peer_key;

tlsdiag_peer_key tlsdiag_peer_key_of(const tlsdiag_endpoint *client, const tlsdiag_endpoint *server);

/* Whether one of the frame's records (its first TLSDIAG_MAX_RECORDS) has this type. */
bool tlsdiag_observation_has_record(const tlsdiag_observation *obs, uint8_t type);
bool tlsdiag_same_address(const tlsdiag_endpoint *a, const tlsdiag_endpoint *b);

/* FNV-1a over bytes, never 0 (0 means absent). */
uint64_t tlsdiag_digest(const uint8_t *bytes, size_t length);

#endif /* TLSDIAG_OBSERVATION_H */
