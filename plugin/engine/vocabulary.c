/* vocabulary.c
 * String tables for the tlsdiag vocabularies.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "vocabulary.h"

#include <stddef.h>
#include <string.h>

static const char *const flag_names[TLSDIAG_FLAG_COUNT] = {
    [TLSDIAG_FLAG_NONE] = "",
    [TLSDIAG_FLAG_HANDSHAKE_ABORTED] = "handshake_aborted",
    [TLSDIAG_FLAG_HANDSHAKE_ALERT] = "handshake_alert",
    [TLSDIAG_FLAG_VERSION_FALLBACK] = "version_fallback",
    [TLSDIAG_FLAG_RETRY_AFTER_FAILURE] = "retry_after_failure",
    [TLSDIAG_FLAG_FALLBACK_SCSV] = "fallback_scsv",
    [TLSDIAG_FLAG_FALLBACK_REJECTED] = "fallback_rejected",
    [TLSDIAG_FLAG_ALERT_AFTER_403] = "alert_after_403",
    [TLSDIAG_FLAG_POSSIBLE_ALERT_AFTER_403] = "possible_alert_after_403",
    [TLSDIAG_FLAG_CLIENT_CERT_REJECTED] = "client_cert_rejected",
    [TLSDIAG_FLAG_RESUMPTION_REFUSED] = "resumption_refused",
    [TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER] = "resumption_other_server",
    [TLSDIAG_FLAG_HANDSHAKE_STALLED] = "handshake_stalled",
    [TLSDIAG_FLAG_HANDSHAKE_SLOW] = "handshake_slow",
    [TLSDIAG_FLAG_HANDSHAKE_ABANDONED] = "handshake_abandoned",
    [TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE] = "rejected_after_handshake",
    [TLSDIAG_FLAG_CERTIFICATE_CHANGED] = "certificate_changed",
    [TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED] = "quic_handshake_closed",
    [TLSDIAG_FLAG_QUIC_UNANSWERED] = "quic_unanswered",
    [TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP] = "quic_fallback_to_tcp",
    [TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION] = "quic_no_common_version",
    [TLSDIAG_FLAG_QUIC_RETRY_LOOP] = "quic_retry_loop",
};

static const char *const resumption_names[TLSDIAG_RESUMPTION_COUNT] = {
    [TLSDIAG_RESUMPTION_NONE] = "",
    [TLSDIAG_RESUMPTION_SESSION_ID] = "session_id",
    [TLSDIAG_RESUMPTION_TICKET] = "ticket",
    [TLSDIAG_RESUMPTION_PSK] = "psk",
};

static const char *const client_cert_names[TLSDIAG_CLIENT_CERT_COUNT] = {
    [TLSDIAG_CLIENT_CERT_UNKNOWN] = "",
    [TLSDIAG_CLIENT_CERT_EMPTY] = "empty",
    [TLSDIAG_CLIENT_CERT_SENT] = "sent",
};

static const char *const side_names[TLSDIAG_SIDE_COUNT] = {
    [TLSDIAG_SIDE_NONE] = "",
    [TLSDIAG_SIDE_CLIENT] = "client",
    [TLSDIAG_SIDE_SERVER] = "server",
};

static const char *const close_names[TLSDIAG_CLOSE_COUNT] = {
    [TLSDIAG_CLOSE_NONE] = "",
    [TLSDIAG_CLOSE_FIN] = "FIN",
    [TLSDIAG_CLOSE_RST] = "RST",
};

static const char *const stage_names[TLSDIAG_STAGE_COUNT] = {
    [TLSDIAG_STAGE_NONE] = "",
    [TLSDIAG_STAGE_CLIENT_HELLO] = "client_hello",
    [TLSDIAG_STAGE_SERVER_HELLO] = "server_hello",
    [TLSDIAG_STAGE_SERVER_FLIGHT] = "server_flight",
    [TLSDIAG_STAGE_CLIENT_FLIGHT] = "client_flight",
    [TLSDIAG_STAGE_ESTABLISHED] = "established",
    [TLSDIAG_STAGE_QUIC_INITIAL] = "initial",
    [TLSDIAG_STAGE_QUIC_HANDSHAKE] = "handshake",
};

static const char *const stage_phrases_tls12[TLSDIAG_STAGE_COUNT] = {
    [TLSDIAG_STAGE_NONE] = "before the ClientHello",
    [TLSDIAG_STAGE_CLIENT_HELLO] = "after the ClientHello",
    [TLSDIAG_STAGE_SERVER_HELLO] = "after the ServerHello",
    [TLSDIAG_STAGE_SERVER_FLIGHT] = "after the server's flight (Certificate to ServerHelloDone)",
    [TLSDIAG_STAGE_CLIENT_FLIGHT] = "after the client's key exchange and Finished",
    [TLSDIAG_STAGE_ESTABLISHED] = "after the handshake completed",
    [TLSDIAG_STAGE_QUIC_INITIAL] = "at the Initial level (no Handshake packet from the server yet)",
    [TLSDIAG_STAGE_QUIC_HANDSHAKE] = "at the Handshake level (after the server's encrypted flight)",
};

static const char *const stage_phrases_tls13[TLSDIAG_STAGE_COUNT] = {
    [TLSDIAG_STAGE_NONE] = "before the ClientHello",
    [TLSDIAG_STAGE_CLIENT_HELLO] = "after the ClientHello",
    [TLSDIAG_STAGE_SERVER_HELLO] = "after the ServerHello",
    [TLSDIAG_STAGE_SERVER_FLIGHT] = "after the server's encrypted flight",
    [TLSDIAG_STAGE_CLIENT_FLIGHT] = "after the client's Finished",
    [TLSDIAG_STAGE_ESTABLISHED] = "after the handshake completed",
    [TLSDIAG_STAGE_QUIC_INITIAL] = "at the Initial level (no Handshake packet from the server yet)",
    [TLSDIAG_STAGE_QUIC_HANDSHAKE] = "at the Handshake level (after the server's encrypted flight)",
};

static const char *name_or_empty(const char *const *table, unsigned count, unsigned index)
{
    if (index >= count || table[index] == NULL)
        return "";
    return table[index];
}

const char *tlsdiag_flag_name(tlsdiag_flag flag)
{
    return name_or_empty(flag_names, TLSDIAG_FLAG_COUNT, flag);
}

const char *tlsdiag_side_name(tlsdiag_side side)
{
    return name_or_empty(side_names, TLSDIAG_SIDE_COUNT, side);
}

const char *tlsdiag_close_name(tlsdiag_close close)
{
    return name_or_empty(close_names, TLSDIAG_CLOSE_COUNT, close);
}

const char *tlsdiag_stage_name(tlsdiag_stage stage)
{
    return name_or_empty(stage_names, TLSDIAG_STAGE_COUNT, stage);
}

const char *tlsdiag_client_cert_name(tlsdiag_client_cert cert)
{
    return name_or_empty(client_cert_names, TLSDIAG_CLIENT_CERT_COUNT, cert);
}

const char *tlsdiag_resumption_name(tlsdiag_resumption resumption)
{
    return name_or_empty(resumption_names, TLSDIAG_RESUMPTION_COUNT, resumption);
}

const char *tlsdiag_stage_phrase(tlsdiag_stage stage, bool tls13)
{
    return name_or_empty(tls13 ? stage_phrases_tls13 : stage_phrases_tls12, TLSDIAG_STAGE_COUNT,
                         stage);
}

bool tlsdiag_version_is_grease(uint16_t version)
{
    /* RFC 8701: 0x0A0A, 0x1A1A, ..., 0xFAFA */
    return (version & 0x0F0F) == 0x0A0A && (version >> 8) == (version & 0xFF);
}

uint16_t tlsdiag_version_normalize(uint16_t version)
{
    /* 0x7Fxx: IETF drafts; 0x7Exx and 0xFBxx: Facebook's drafts (Fizz) */
    uint8_t major = (uint8_t)(version >> 8);
    if (major == 0x7F || major == 0x7E || major == 0xFB)
        return TLSDIAG_VERSION_TLS13;
    return version;
}

const char *tlsdiag_version_name(uint16_t version)
{
    switch (version) {
        case 0x0002:
            return "SSL 2.0";
        case TLSDIAG_VERSION_SSL3:
            return "SSL 3.0";
        case TLSDIAG_VERSION_TLS10:
            return "TLS 1.0";
        case TLSDIAG_VERSION_TLS11:
            return "TLS 1.1";
        case TLSDIAG_VERSION_TLS12:
            return "TLS 1.2";
        case TLSDIAG_VERSION_TLS13:
            return "TLS 1.3";
        default:
            if (tlsdiag_version_normalize(version) == TLSDIAG_VERSION_TLS13)
                return "TLS 1.3 (draft)";
            return NULL;
    }
}

typedef struct {
    uint8_t description;
    const char *name;
    /* The sender's view: what sending this alert says about the peer. */
    const char *from_client;
    const char *from_server;
} alert_entry;

static const alert_entry alert_table[] = {
    {0, "close_notify", "the client closed the connection", "the server closed the connection"},
    {10, "unexpected_message", "the client got a message it did not expect",
     "the server got a message it did not expect"},
    {20, "bad_record_mac", "a record failed the client's integrity check (corruption or tampering)",
     "a record failed the server's integrity check (corruption or tampering)"},
    {21, "decryption_failed", "the client could not decrypt a record",
     "the server could not decrypt a record"},
    {22, "record_overflow", "the client received an oversized record",
     "the server received an oversized record"},
    {30, "decompression_failure", "the client could not decompress a record",
     "the server could not decompress a record"},
    {40, "handshake_failure",
     "no cipher suite or parameters in common (the client gave up the negotiation)",
     "no cipher suite or parameters in common (the server refused the client's offer)"},
    {41, "no_certificate", "the client has no suitable certificate",
     "the server got no client certificate"},
    {42, "bad_certificate", "the server's certificate is corrupt or its signature is invalid",
     "the client's certificate is corrupt or its signature is invalid"},
    {43, "unsupported_certificate", "the client does not support the server's certificate type",
     "the server does not support the client's certificate type"},
    {44, "certificate_revoked", "the server's certificate was revoked",
     "the client's certificate was revoked"},
    {45, "certificate_expired", "the server's certificate has expired or is not yet valid",
     "the client's certificate has expired or is not yet valid"},
    {46, "certificate_unknown", "the client rejected the server's certificate",
     "the server rejected the client's certificate"},
    {47, "illegal_parameter", "the server sent a field out of range or inconsistent",
     "the client sent a field out of range or inconsistent"},
    {48, "unknown_ca", "the client does not trust the CA of the server's certificate",
     "the server does not trust the CA of the client's certificate"},
    {49, "access_denied", "the client refused the server's access after a valid certificate",
     "the server denied access after a valid client certificate"},
    {50, "decode_error", "the client could not decode a message from the server",
     "the server could not decode a message from the client"},
    {51, "decrypt_error", "a signature or key check failed at the client",
     "a signature or key check failed at the server"},
    {60, "export_restriction", "export restriction", "export restriction"},
    {70, "protocol_version", "no protocol version in common (the server chose one the client refuses)",
     "no protocol version in common (the server refuses every version the client offered)"},
    {71, "insufficient_security", "the server's parameters are too weak for the client",
     "the client's offer is too weak for the server"},
    {80, "internal_error", "internal error at the client", "internal error at the server"},
    {86, "inappropriate_fallback",
     "the client refused a downgrade",
     "the server refused a fallback retry: the client offered a lower version than both support "
     "after an earlier failure"},
    {90, "user_canceled", "the client canceled the handshake", "the server canceled the handshake"},
    {100, "no_renegotiation", "the client refused renegotiation",
     "the server refused renegotiation"},
    {109, "missing_extension", "the server omitted a required extension",
     "the client omitted a required extension"},
    {110, "unsupported_extension", "the server sent an extension the client did not offer",
     "the client sent an extension the server cannot accept"},
    {111, "certificate_unobtainable", "a certificate could not be obtained",
     "a certificate could not be obtained"},
    {112, "unrecognized_name", "the client does not recognize the server name",
     "the server does not know the requested server name (SNI)"},
    {113, "bad_certificate_status_response", "the server's OCSP status response is invalid",
     "the client's certificate status response is invalid"},
    {114, "bad_certificate_hash_value", "certificate hash mismatch",
     "certificate hash mismatch"},
    {115, "unknown_psk_identity", "the client does not know the PSK identity",
     "the server does not know the offered PSK identity"},
    {116, "certificate_required", "the client requires a certificate",
     "the server requires a client certificate and got none"},
    {120, "no_application_protocol", "no application protocol in common (ALPN)",
     "no application protocol in common (ALPN)"},
};

static const alert_entry *find_alert(uint8_t description)
{
    for (size_t i = 0; i < sizeof alert_table / sizeof alert_table[0]; i++) {
        if (alert_table[i].description == description)
            return &alert_table[i];
    }
    return NULL;
}

const char *tlsdiag_alert_name(uint8_t description)
{
    const alert_entry *entry = find_alert(description);
    return entry ? entry->name : NULL;
}

const char *tlsdiag_alert_meaning(uint8_t description, tlsdiag_side sender)
{
    const alert_entry *entry = find_alert(description);
    if (entry == NULL)
        return "an alert no standard defines";
    return sender == TLSDIAG_SIDE_SERVER ? entry->from_server : entry->from_client;
}

static unsigned index_of(const char *const *table, unsigned count, const char *name)
{
    for (unsigned i = 1; i < count; i++) {
        if (table[i] != NULL && strcmp(table[i], name) == 0)
            return i;
    }
    return 0;
}

tlsdiag_flag tlsdiag_flag_from_name(const char *name)
{
    return (tlsdiag_flag)index_of(flag_names, TLSDIAG_FLAG_COUNT, name);
}

tlsdiag_side tlsdiag_side_from_name(const char *name)
{
    return (tlsdiag_side)index_of(side_names, TLSDIAG_SIDE_COUNT, name);
}

tlsdiag_stage tlsdiag_stage_from_name(const char *name)
{
    return (tlsdiag_stage)index_of(stage_names, TLSDIAG_STAGE_COUNT, name);
}

tlsdiag_resumption tlsdiag_resumption_from_name(const char *name)
{
    return (tlsdiag_resumption)index_of(resumption_names, TLSDIAG_RESUMPTION_COUNT, name);
}

bool tlsdiag_flag_is_retry(tlsdiag_flag flag)
{
    return flag == TLSDIAG_FLAG_VERSION_FALLBACK || flag == TLSDIAG_FLAG_RETRY_AFTER_FAILURE ||
           flag == TLSDIAG_FLAG_FALLBACK_SCSV;
}

static const char *const stage_phrases_unversioned[TLSDIAG_STAGE_COUNT] = {
    [TLSDIAG_STAGE_CLIENT_HELLO] = "after the ClientHello",
    [TLSDIAG_STAGE_SERVER_HELLO] = "after the ServerHello",
    [TLSDIAG_STAGE_SERVER_FLIGHT] = "after the server's certificate flight",
    [TLSDIAG_STAGE_CLIENT_FLIGHT] = "after the client's key exchange and Finished",
    [TLSDIAG_STAGE_ESTABLISHED] = "after the handshake completed",
};

const char *tlsdiag_stage_phrase_unversioned(tlsdiag_stage stage)
{
    return name_or_empty(stage_phrases_unversioned, TLSDIAG_STAGE_COUNT, stage);
}

static const char *const step_names[TLSDIAG_STAGE_COUNT] = {
    [TLSDIAG_STAGE_SERVER_HELLO] = "ServerHello",
    [TLSDIAG_STAGE_SERVER_FLIGHT] = "server flight",
    [TLSDIAG_STAGE_CLIENT_FLIGHT] = "client flight",
    [TLSDIAG_STAGE_ESTABLISHED] = "completion",
};

const char *tlsdiag_step_name(tlsdiag_stage stage)
{
    return name_or_empty(step_names, TLSDIAG_STAGE_COUNT, stage);
}

const char *tlsdiag_awaited_phrase(tlsdiag_side owes, tlsdiag_stage stage)
{
    if (owes == TLSDIAG_SIDE_CLIENT)
        return "the client's key exchange";
    switch (stage) {
        case TLSDIAG_STAGE_CLIENT_HELLO:
            return "the ServerHello";
        case TLSDIAG_STAGE_SERVER_HELLO:
            return "the server's flight";
        case TLSDIAG_STAGE_CLIENT_FLIGHT:
            return "the server's confirmation";
        default:
            return "the next handshake message";
    }
}
