/* apple.c
 * Apple's rules: ATS's protocol and cipher suites, and certificate validity.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "apple.h"

#include "vocabulary.h"

#define DAY 86400
#define FROM_2019_07_01 1561939200
#define FROM_2020_09_01 1598918400

/* The suites ATS accepts in TLS 1.2: ECDHE with ECDSA or RSA, AES or
 * ChaCha20. TLS 1.3 suites all have forward secrecy. */
static const uint16_t ats_suites[] = {
    0xC02C, 0xC02B, 0xC024, 0xC00A, 0xC023, 0xC009, 0xC030, 0xC02F,
    0xC028, 0xC027, 0xC014, 0xC013, 0xCCA8, 0xCCA9,
};

static tlsdiag_cert_findings bit(tlsdiag_cert_finding finding)
{
    return (tlsdiag_cert_findings)1u << finding;
}

static bool forward_secret(uint16_t version, uint16_t cipher_suite)
{
    if (version >= TLSDIAG_VERSION_TLS13)
        return true;
    for (unsigned i = 0; i < sizeof ats_suites / sizeof ats_suites[0]; i++) {
        if (ats_suites[i] == cipher_suite)
            return true;
    }
    return false;
}

/* Only publicly trusted certificates are held to the limits: a self-signed
 * one is private by definition. */
static bool too_long(const tlsdiag_cert_facts *facts)
{
    const tlsdiag_cert_entry *leaf = &facts->entries[0];
    if (!leaf->parsed || leaf->self_issued || leaf->not_after <= leaf->not_before)
        return false;
    int64_t days = (leaf->not_after - leaf->not_before) / DAY;
    if (leaf->not_before >= FROM_2020_09_01)
        return days > 398;
    return leaf->not_before >= FROM_2019_07_01 && days > 825;
}

tlsdiag_cert_findings tlsdiag_apple_judge(uint16_t version, uint16_t cipher_suite,
                                          const tlsdiag_cert_facts *facts)
{
    tlsdiag_cert_findings findings = 0;
    if (version != 0 && version < TLSDIAG_VERSION_TLS12)
        findings |= bit(TLSDIAG_CERT_APPLE_TLS_VERSION);
    if (version != 0 && cipher_suite != 0 && !forward_secret(version, cipher_suite))
        findings |= bit(TLSDIAG_CERT_APPLE_FORWARD_SECRECY);
    if (facts != NULL && too_long(facts))
        findings |= bit(TLSDIAG_CERT_APPLE_VALIDITY);
    return findings;
}
