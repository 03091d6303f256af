/* client_errors.c
 * From a wire event to what client stacks report for it. Every string here
 * comes from a source named in docs/client-errors.md (a header or source
 * file of the stack, or a lab capture of curl and openssl s_client);
 * tests/check_client_errors_doc.py keeps the two in step.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "client_errors.h"

#include <stddef.h>

static const char *const stack_names[TLSDIAG_STACK_COUNT] = {
    [TLSDIAG_STACK_APPLE] = "iOS/macOS", [TLSDIAG_STACK_CHROME] = "Chrome",
    [TLSDIAG_STACK_FIREFOX] = "Firefox", [TLSDIAG_STACK_ANDROID] = "Android",
    [TLSDIAG_STACK_CURL] = "curl",       [TLSDIAG_STACK_OPENSSL] = "OpenSSL",
};

const char *tlsdiag_stack_name(tlsdiag_stack stack)
{
    return stack < TLSDIAG_STACK_COUNT ? stack_names[stack] : "";
}

/* A fatal alert the client received. apple: Secure Transport's
 * SSLProcessAlert; chrome: Chromium's MapOpenSSLErrorSSL (NULL: its
 * default, ERR_SSL_PROTOCOL_ERROR); openssl: OpenSSL 3.0's reason string
 * for that alert (error code 0x0A000000 + 1000 + description); firefox:
 * NSS's ssl3_HandleAlert. */
typedef struct {
    uint8_t description;
    const char *apple;
    const char *chrome;
    const char *openssl;
    const char *firefox;
} received_alert;

#define CHROME_CLIENT_AUTH "ERR_BAD_SSL_CLIENT_AUTH_CERT (-117)"
#define CHROME_MISMATCH "ERR_SSL_VERSION_OR_CIPHER_MISMATCH (-113)"
#define CHROME_PROTOCOL "ERR_SSL_PROTOCOL_ERROR (-107)"
#define APPLE_FATAL_ALERT "errSSLFatalAlert (-9802)"

static const received_alert received_alerts[] = {
    {10, "errSSLPeerUnexpectedMsg (-9819)", NULL, "sslv3 alert unexpected message",
     "SSL_ERROR_HANDSHAKE_UNEXPECTED_ALERT"},
    {20, "errSSLPeerBadRecordMac (-9820)", "ERR_SSL_BAD_RECORD_MAC_ALERT (-126)",
     "sslv3 alert bad record mac", "SSL_ERROR_BAD_MAC_ALERT"},
    {21, "errSSLPeerDecryptionFail (-9821)", NULL, "tlsv1 alert decryption failed",
     "SSL_ERROR_DECRYPTION_FAILED_ALERT"},
    {22, "errSSLPeerRecordOverflow (-9822)", NULL, "tlsv1 alert record overflow",
     "SSL_ERROR_RECORD_OVERFLOW_ALERT"},
    {30, "errSSLPeerDecompressFail (-9823)", "ERR_SSL_DECOMPRESSION_FAILURE_ALERT (-125)",
     "sslv3 alert decompression failure", "SSL_ERROR_DECOMPRESSION_FAILURE_ALERT"},
    {40, "errSSLPeerHandshakeFail (-9824)", NULL, "sslv3 alert handshake failure",
     "SSL_ERROR_HANDSHAKE_FAILURE_ALERT"},
    {42, "errSSLPeerBadCert (-9825)", CHROME_CLIENT_AUTH, "sslv3 alert bad certificate",
     "SSL_ERROR_BAD_CERT_ALERT"},
    {43, "errSSLPeerUnsupportedCert (-9826)", CHROME_CLIENT_AUTH,
     "sslv3 alert unsupported certificate", "SSL_ERROR_UNSUPPORTED_CERT_ALERT"},
    {44, "errSSLPeerCertRevoked (-9827)", CHROME_CLIENT_AUTH, "sslv3 alert certificate revoked",
     "SSL_ERROR_REVOKED_CERT_ALERT"},
    {45, "errSSLPeerCertExpired (-9828)", CHROME_CLIENT_AUTH, "sslv3 alert certificate expired",
     "SSL_ERROR_EXPIRED_CERT_ALERT"},
    {46, "errSSLPeerCertUnknown (-9829)", CHROME_CLIENT_AUTH, "sslv3 alert certificate unknown",
     "SSL_ERROR_CERTIFICATE_UNKNOWN_ALERT"},
    {47, "errSSLIllegalParam (-9830)", NULL, "sslv3 alert illegal parameter",
     "SSL_ERROR_ILLEGAL_PARAMETER_ALERT"},
    {48, "errSSLPeerUnknownCA (-9831)", CHROME_CLIENT_AUTH, "tlsv1 alert unknown ca",
     "SSL_ERROR_UNKNOWN_CA_ALERT"},
    {49, "errSSLPeerAccessDenied (-9832)", CHROME_CLIENT_AUTH, "tlsv1 alert access denied",
     "SSL_ERROR_ACCESS_DENIED_ALERT"},
    {50, "errSSLPeerDecodeError (-9833)", NULL, "tlsv1 alert decode error",
     "SSL_ERROR_DECODE_ERROR_ALERT"},
    {51, "errSSLPeerDecryptError (-9834)", "ERR_SSL_DECRYPT_ERROR_ALERT (-153)",
     "tlsv1 alert decrypt error", "SSL_ERROR_DECRYPT_ERROR_ALERT"},
    {60, "errSSLPeerExportRestriction (-9835)", NULL, "tlsv1 alert export restriction",
     "SSL_ERROR_EXPORT_RESTRICTION_ALERT"},
    {70, "errSSLPeerProtocolVersion (-9836)", CHROME_MISMATCH, "tlsv1 alert protocol version",
     "SSL_ERROR_PROTOCOL_VERSION_ALERT"},
    {71, "errSSLPeerInsufficientSecurity (-9837)", CHROME_MISMATCH,
     "tlsv1 alert insufficient security", "SSL_ERROR_INSUFFICIENT_SECURITY_ALERT"},
    {80, "errSSLPeerInternalError (-9838)", NULL, "tlsv1 alert internal error",
     "SSL_ERROR_INTERNAL_ERROR_ALERT"},
    {86, APPLE_FATAL_ALERT, NULL, "tlsv1 alert inappropriate fallback",
     "SSL_ERROR_INAPPROPRIATE_FALLBACK_ALERT"},
    {90, "errSSLPeerUserCancelled (-9839)", NULL, "tlsv1 alert user cancelled",
     "SSL_ERROR_USER_CANCELED_ALERT"},
    {100, "errSSLPeerNoRenegotiation (-9840)", NULL, "tlsv1 alert no renegotiation",
     "SSL_ERROR_NO_RENEGOTIATION_ALERT"},
    {109, APPLE_FATAL_ALERT, NULL, "tlsv13 alert missing extension",
     "SSL_ERROR_MISSING_EXTENSION_ALERT"},
    {110, APPLE_FATAL_ALERT, NULL, "tlsv1 unsupported extension",
     "SSL_ERROR_UNSUPPORTED_EXTENSION_ALERT"},
    {111, APPLE_FATAL_ALERT, NULL, "tlsv1 certificate unobtainable",
     "SSL_ERROR_CERTIFICATE_UNOBTAINABLE_ALERT"},
    {112, APPLE_FATAL_ALERT, "ERR_SSL_UNRECOGNIZED_NAME_ALERT (-159)", "tlsv1 unrecognized name",
     "SSL_ERROR_UNRECOGNIZED_NAME_ALERT"},
    {113, APPLE_FATAL_ALERT, NULL, "tlsv1 bad certificate status response",
     "SSL_ERROR_BAD_CERT_STATUS_RESPONSE_ALERT"},
    {114, APPLE_FATAL_ALERT, NULL, "tlsv1 bad certificate hash value",
     "SSL_ERROR_BAD_CERT_HASH_VALUE_ALERT"},
    {115, APPLE_FATAL_ALERT, NULL, "tlsv1 alert unknown psk identity",
     "SSL_ERROR_RX_UNKNOWN_ALERT"},
    {116, APPLE_FATAL_ALERT, CHROME_CLIENT_AUTH, "tlsv13 alert certificate required",
     "SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT"},
    {120, APPLE_FATAL_ALERT, NULL, "tlsv1 alert no application protocol",
     "SSL_ERROR_NEXT_PROTOCOL_NO_PROTOCOL"},
};

static const received_alert *find_received_alert(uint8_t description)
{
    for (size_t i = 0; i < G_N_ELEMENTS(received_alerts); i++) {
        if (received_alerts[i].description == description)
            return &received_alerts[i];
    }
    return NULL;
}

/* In TLS 1.3 the client's handshake call returns once it has sent its
 * Finished: what comes after reaches the application's first read. */
static bool in_handshake_call(const tlsdiag_wire_event *event)
{
    return !(event->tls13 && event->stage >= TLSDIAG_STAGE_CLIENT_FLIGHT);
}

static char *closed_by_server(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    bool reset = event->close == TLSDIAG_CLOSE_RST;

    /* After the call returned only s_client's report is known (lab). */
    if (!in_handshake_call(event))
        return reset && stack == TLSDIAG_STACK_OPENSSL ? g_strdup("errno=104 (ECONNRESET)") : NULL;
    switch (stack) {
        case TLSDIAG_STACK_APPLE:
            return g_strdup("errSSLClosedNoNotify (-9816) or errSSLClosedAbort (-9806), "
                            "NSURLErrorSecureConnectionFailed (-1200)");
        case TLSDIAG_STACK_CHROME:
            return g_strdup(reset ? "ERR_CONNECTION_RESET (-101)" : "ERR_CONNECTION_CLOSED (-100)");
        case TLSDIAG_STACK_FIREFOX:
            return g_strdup(reset ? "PR_CONNECT_RESET_ERROR" : "PR_END_OF_FILE_ERROR");
        case TLSDIAG_STACK_ANDROID:
            return g_strdup(reset ? "SSLHandshakeException: SSL handshake aborted: ssl=0x...: "
                                    "I/O error during system call, Connection reset by peer"
                                  : "SSLHandshakeException: Connection closed by peer");
        case TLSDIAG_STACK_CURL:
            return g_strdup(reset ? "(35) Recv failure: Connection reset by peer"
                                  : "(35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL");
        case TLSDIAG_STACK_OPENSSL:
            return g_strdup(reset ? "errno=104 (ECONNRESET)" : "unexpected eof while reading");
        default:
            return NULL;
    }
}

static char *server_alert(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    const received_alert *alert = find_received_alert(event->alert);
    unsigned long openssl_code = 0x0A000000UL + 1000 + event->alert;

    if (alert == NULL || event->alert_level != TLSDIAG_ALERT_LEVEL_FATAL)
        return NULL;
    switch (stack) {
        case TLSDIAG_STACK_APPLE:
            return g_strdup(alert->apple);
        case TLSDIAG_STACK_CHROME:
            /* Chromium reads a handshake_failure in answer to the ClientHello
             * as "no common version or cipher" (HANDSHAKE_FAILURE_ON_CLIENT_HELLO). */
            if (event->alert == 40 && event->stage == TLSDIAG_STAGE_CLIENT_HELLO)
                return g_strdup(CHROME_MISMATCH);
            return g_strdup(alert->chrome != NULL ? alert->chrome : CHROME_PROTOCOL);
        case TLSDIAG_STACK_FIREFOX:
            /* NSS's own guess, the same as Chromium's. */
            if (event->alert == 40 && event->stage == TLSDIAG_STAGE_CLIENT_HELLO)
                return g_strdup("SSL_ERROR_NO_CYPHER_OVERLAP");
            return g_strdup(alert->firefox);
        case TLSDIAG_STACK_CURL:
            if (in_handshake_call(event))
                return g_strdup_printf("(35) OpenSSL: error:%08lX:SSL routines::%s", openssl_code,
                                       alert->openssl);
            return g_strdup_printf("(56) OpenSSL SSL_read: OpenSSL: error:%08lX:SSL routines::%s, "
                                   "errno 0",
                                   openssl_code, alert->openssl);
        case TLSDIAG_STACK_OPENSSL:
            return g_strdup(alert->openssl);
        default:
            return NULL;
    }
}

/* OpenSSL's client answers a failed verification of the server's
 * certificate with unknown_ca (no trusted issuer), certificate_expired or
 * bad_certificate (not yet valid, wrong name, weak key: lab), before its
 * own flight. The alert proves the certificate arrived even where the
 * capture does not show it (segments lost before the capture point, or
 * not handed to TLS: small-mss-lost-serverhello-tls12). */
static char *client_alert(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    if (event->alert != 48 && event->alert != 45 && event->alert != 42)
        return NULL;
    if (event->stage == TLSDIAG_STAGE_NONE || event->stage >= TLSDIAG_STAGE_CLIENT_FLIGHT)
        return NULL;
    switch (stack) {
        case TLSDIAG_STACK_CURL:
            return g_strdup("(60) SSL certificate problem");
        case TLSDIAG_STACK_OPENSSL:
            return g_strdup("certificate verify failed");
        default:
            return NULL;
    }
}

static char *ending_alert(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    if (!event->has_alert || event->alert == TLSDIAG_ALERT_CLOSE_NOTIFY)
        return NULL;
    if (event->side == TLSDIAG_SIDE_SERVER)
        return server_alert(event, stack);
    if (event->side == TLSDIAG_SIDE_CLIENT)
        return client_alert(event, stack);
    return NULL;
}

/* curl checks the host name and a pinned key after the handshake, then
 * closes with close_notify: a wrong name with subjectAltNames present is
 * (60), a pin mismatch (90); with the name right, a changed key can only be
 * the pin (lab: cert-refused-tls12/13, cert-pool-pinning). */
static char *checked_after_handshake(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    tlsdiag_cert_findings name_bad =
        (1u << TLSDIAG_CERT_NAME_MISMATCH) | (1u << TLSDIAG_CERT_CN_ONLY);

    if (stack != TLSDIAG_STACK_CURL ||
        (event->has_alert && event->alert != TLSDIAG_ALERT_CLOSE_NOTIFY))
        return NULL;
    if (event->flag == TLSDIAG_FLAG_CERTIFICATE_CHANGED)
        return (event->cert_findings & name_bad) == 0
                   ? g_strdup("(90) SSL: public key does not match pinned public key")
                   : NULL;
    if ((event->cert_findings & (1u << TLSDIAG_CERT_NAME_MISMATCH)) == 0 ||
        !event->cert_has_dns_names || event->server_name == NULL)
        return NULL;
    return g_strdup_printf("(60) SSL: no alternative certificate subject name matches target host "
                           "name '%s'",
                           event->server_name);
}

/* Field notes, report 001: iOS fails a request on a mutual-TLS connection
 * answered 403 with "requires a client certificate", then alerts. */
static char *alert_after_forbidden(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    if (stack != TLSDIAG_STACK_APPLE || event->side != TLSDIAG_SIDE_CLIENT || !event->has_alert ||
        event->alert == TLSDIAG_ALERT_CLOSE_NOTIFY)
        return NULL;
    return g_strdup("NSURLErrorClientCertificateRequired (-1206)");
}

static char *stack_text(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    switch (event->flag) {
        case TLSDIAG_FLAG_HANDSHAKE_ABORTED:
            if (event->side != TLSDIAG_SIDE_SERVER || event->close == TLSDIAG_CLOSE_NONE)
                return NULL;
            return closed_by_server(event, stack);
        case TLSDIAG_FLAG_HANDSHAKE_ALERT:
        case TLSDIAG_FLAG_FALLBACK_REJECTED:
        case TLSDIAG_FLAG_CLIENT_CERT_REJECTED:
        case TLSDIAG_FLAG_RESUMPTION_REFUSED:
        case TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER:
            return ending_alert(event, stack);
        case TLSDIAG_FLAG_ALERT_AFTER_403:
            return alert_after_forbidden(event, stack);
        case TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE:
        case TLSDIAG_FLAG_CERTIFICATE_CHANGED:
            return checked_after_handshake(event, stack);
        default:
            /* Retries, stalls, slow handshakes and whatever flag comes next:
             * either the client saw no error, or no source says which. */
            return NULL;
    }
}

tlsdiag_wire_event tlsdiag_wire_event_of(const tlsdiag_verdict *verdict)
{
    tlsdiag_wire_event event = {
        .flag = verdict->flag,
        .side = verdict->side,
        .close = verdict->close,
        .stage = verdict->stage,
        .tls13 = verdict->tls13,
        .has_alert = verdict->has_alert && !verdict->alert_encrypted,
        .alert = verdict->alert,
        .alert_level = verdict->alert_level,
        .server_name = verdict->server_name,
        .cert_findings = verdict->certificate_findings,
        .cert_has_dns_names = verdict->certificate != NULL &&
                              verdict->certificate->dns_names != NULL &&
                              verdict->certificate->dns_names[0] != NULL,
    };
    return event;
}

char *tlsdiag_client_error(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    char *text = stack_text(event, stack);
    if (text == NULL)
        return NULL;
    char *line = g_strdup_printf("%s: %s", tlsdiag_stack_name(stack), text);
    g_free(text);
    return line;
}

unsigned tlsdiag_client_errors(const tlsdiag_wire_event *event, GPtrArray *out)
{
    unsigned count = 0;
    for (int stack = 0; stack < TLSDIAG_STACK_COUNT; stack++) {
        char *line = tlsdiag_client_error(event, (tlsdiag_stack)stack);
        if (line == NULL)
            continue;
        g_ptr_array_add(out, line);
        count++;
    }
    return count;
}
