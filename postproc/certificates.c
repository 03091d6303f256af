/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "certificates.h"

#include <string.h>

bool cert_shown(const struct flow_event *o)
{
    return *o->cert_problem || *o->cert_subject || *o->cert_san || *o->cert_pin;
}

/* The name a certificate is for: its SAN, else its subject. */
static const char *cert_name(const struct flow_event *o)
{
    return *o->cert_san ? o->cert_san : o->cert_subject;
}

void cert_describe(GString *out, const struct flow_event *o)
{
    /* Without a finding a refusal is a pin's or a trust store's: the key is the fact. */
    if (!*o->cert_problem) {
        if (*o->cert_pin)
            g_string_append_printf(out, ", server key sha256//%s", o->cert_pin);
        return;
    }
    g_string_append_printf(out, ", certificate %s", o->cert_problem);
    /* The name is what a name_mismatch or a CN-only certificate is about. */
    if ((!strcmp(o->cert_problem, "name_mismatch") || !strcmp(o->cert_problem, "cn_only")) &&
        *cert_name(o))
        g_string_append_printf(out, " (for %s)", cert_name(o));
}

static const struct {
    const char *problem;
    const char *phrase;
    const char *advice;
} findings[] = {
    {"expired", "got an expired certificate",
     "The leaf or a CA certificate sent with it is past its end date: renew it, or check the "
     "clocks if it is not expired by the calendar"},
    {"not_yet_valid", "got a certificate that is not valid yet",
     "A clock is wrong, or the certificate was installed before its start date"},
    {"clock_before_2000", "were captured with a clock before 2000",
     "Validity was not judged: set the capturing machine's clock"},
    {"cn_only", "got a certificate that names its host only in the Common Name",
     "Chrome, iOS and Android ignore the CN: issue the certificate with a subjectAltName"},
    {"incomplete_chain", "got a chain without the intermediate CA that signs the certificate",
     "The server did not send the intermediate CA: configure it with the full chain (its "
     "certificate, then the intermediates)"},
    {"self_signed", "got a self-signed certificate",
     "Use a certificate from a CA the clients trust, or install this one on the clients"},
    {"weak_key", "got a certificate with a weak key",
     "RSA below 2048 bits or EC below 256 is refused: issue one with a stronger key"},
    {"weak_signature", "got a certificate signed with MD5 or SHA-1",
     "Reissue it with a SHA-256 signature"},
    {"unparsable", "got a certificate that does not parse",
     "Check the certificate file the server sends"},
    {"untrusted_root", "got a chain that does not lead to a CA of this machine's trust store",
     "Compare the chain with the clients' trust stores"},
    {"apple_tls_version", "negotiated a TLS version below 1.2, which Apple's ATS refuses",
     "Enable TLS 1.2 or 1.3 on the server"},
    {"apple_forward_secrecy",
     "negotiated a cipher suite without forward secrecy, which Apple's ATS refuses",
     "Enable ECDHE cipher suites on the server"},
    {"apple_validity", "got a certificate valid longer than Apple platforms accept",
     "Reissue it with a validity of at most 398 days"},
};

void cert_problem_phrase(GString *out, const char *problem, const char *san, const char *sni)
{
    if (!strcmp(problem, "name_mismatch")) {
        if (*san)
            g_string_append_printf(out, "got a certificate for %s while asking for %s", san,
                                   *sni ? sni : "another name");
        else
            g_string_append_printf(out, "got a certificate that does not name %s",
                                   *sni ? sni : "the host they asked for");
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(findings); i++) {
        if (!strcmp(problem, findings[i].problem)) {
            g_string_append(out, findings[i].phrase);
            return;
        }
    }
    g_string_append_printf(out, "got a certificate with the finding %s", problem);
}

const char *cert_problem_advice(const char *problem)
{
    if (!strcmp(problem, "name_mismatch"))
        return "The server presents the certificate of another name: check its SNI "
               "configuration (the virtual host for that name) or the DNS entry";
    for (size_t i = 0; i < G_N_ELEMENTS(findings); i++) {
        if (!strcmp(problem, findings[i].problem))
            return findings[i].advice;
    }
    return "See tlsdiag.cert.problem in the README";
}
