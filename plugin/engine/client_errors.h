/* client_errors.h
 * What the common client stacks report for the wire event of a verdict:
 * "iOS/macOS: errSSLClosedNoNotify (-9816), ...", "curl: (35) ...". Each
 * mapping has a source in docs/client-errors.md; a wire event without one
 * maps to nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_CLIENT_ERRORS_H
#define TLSDIAG_CLIENT_ERRORS_H

#include <glib.h>

#include "verdict.h"
#include "vocabulary.h"

/* The facts of a verdict the mapping reads. */
typedef struct {
    tlsdiag_flag flag;
    tlsdiag_side side; /* who sent the FIN, RST or alert */
    tlsdiag_close close;
    tlsdiag_stage stage; /* last step reached */
    bool tls13;          /* the ServerHello selected TLS 1.3 */
    bool has_alert;      /* a readable alert (not an encrypted one) */
    uint8_t alert;
    uint8_t alert_level;
    /* After the handshake, for clients that check the certificate then. */
    const char *server_name;            /* the SNI; NULL without one */
    tlsdiag_cert_findings cert_findings;
    bool cert_has_dns_names;            /* the leaf has subjectAltName dNSNames */
} tlsdiag_wire_event;

/* The event a verdict tells: its alert only when readable. */
tlsdiag_wire_event tlsdiag_wire_event_of(const tlsdiag_verdict *verdict);

/* The stacks, in the order their strings are listed. */
typedef enum {
    TLSDIAG_STACK_APPLE = 0,
    TLSDIAG_STACK_CHROME,
    TLSDIAG_STACK_FIREFOX,
    TLSDIAG_STACK_ANDROID,
    TLSDIAG_STACK_CURL,
    TLSDIAG_STACK_OPENSSL,
    TLSDIAG_STACK_COUNT
} tlsdiag_stack;

/* "iOS/macOS", "Chrome", ...: the prefix of that stack's strings. */
const char *tlsdiag_stack_name(tlsdiag_stack stack);

/* Appends to out (a GPtrArray of strings the caller frees) one string per
 * stack whose report for this event is known, as "STACK: text"; returns
 * how many it appended. */
unsigned tlsdiag_client_errors(const tlsdiag_wire_event *event, GPtrArray *out);

/* The same for one stack only: the string, or NULL. The caller frees it. */
char *tlsdiag_client_error(const tlsdiag_wire_event *event, tlsdiag_stack stack);

#endif /* TLSDIAG_CLIENT_ERRORS_H */
