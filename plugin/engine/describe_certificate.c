/* describe_certificate.c
 * The server's certificate in the text of the verdicts it can explain: a
 * client that refused the server once the certificate was on the wire.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "verdict.h"

/* The client ended the handshake, or went silent when its answer to the
 * server's flight was due. */
static bool ends_from_client(const tlsdiag_verdict *verdict)
{
    return verdict->side == TLSDIAG_SIDE_CLIENT &&
           (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_ALERT ||
            verdict->flag == TLSDIAG_FLAG_HANDSHAKE_ABORTED ||
            verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED ||
            verdict->flag == TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE ||
            verdict->flag == TLSDIAG_FLAG_CERTIFICATE_CHANGED);
}

bool tlsdiag_verdict_concerns_certificate(const tlsdiag_verdict *verdict)
{
    if (!ends_from_client(verdict))
        return false;
    return verdict->certificate != NULL || verdict->stage >= TLSDIAG_STAGE_SERVER_FLIGHT;
}

/* Facts a finding does not need, for the case with no finding: the client's
 * trust store or pin decided, and the pin is what to compare. */
static void append_clean(GString *out, const tlsdiag_cert_facts *facts)
{
    g_string_append_printf(out, "; the server's certificate (%s, issued by %s) shows none of the "
                                "problems tlsdiag checks (dates, name, chain, key, signature): "
                                "look at the client's trust store or pinned key",
                           facts->subject ? facts->subject : "unreadable subject",
                           facts->issuer ? facts->issuer : "?");
    if (facts->spki_sha256 != NULL)
        g_string_append_printf(out, " (this key's pin: sha256//%s)", facts->spki_sha256);
}

void tlsdiag_describe_certificate(const tlsdiag_verdict *verdict, GString *out)
{
    if (!tlsdiag_verdict_concerns_certificate(verdict))
        return;
    const tlsdiag_cert_facts *facts = verdict->certificate;
    if (facts == NULL) {
        /* A resumed TLS 1.3 session sends no certificate at all. */
        if (verdict->tls13 && verdict->resumption == TLSDIAG_RESUMPTION_NONE)
            g_string_append(out, "; in TLS 1.3 the server's certificate is encrypted: a key log "
                                 "(tls.keylog_file) would show it");
        return;
    }
    /* certificate_changed gives both pins itself. */
    if (verdict->certificate_findings == 0) {
        if (verdict->flag != TLSDIAG_FLAG_CERTIFICATE_CHANGED)
            append_clean(out, facts);
        return;
    }
    g_string_append(out, "; the server's certificate: ");
    tlsdiag_cert_describe(out, facts, verdict->certificate_findings, verdict->server_name,
                          verdict->certificate_time_s);
}
