/* certificate.h
 * Facts about the certificate chain a server sent, read from its DER with
 * GnuTLS, and the findings that can explain why a client refused it. Plain
 * C; the DER is borrowed for the duration of a call.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_CERTIFICATE_H
#define TLSDIAG_CERTIFICATE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One certificate of a Certificate message, in the order the server sent it. */
typedef struct {
    const uint8_t *der;
    size_t length;
} tlsdiag_der;

/* Servers send a leaf and one or two CAs; more are read as far as this. */
#define TLSDIAG_MAX_CHAIN 8

typedef enum {
    TLSDIAG_CERT_EXPIRED = 0,
    TLSDIAG_CERT_NOT_YET_VALID,
    TLSDIAG_CERT_CLOCK_BEFORE_2000, /* a note: validity not judged */
    TLSDIAG_CERT_NAME_MISMATCH,
    TLSDIAG_CERT_CN_ONLY,
    TLSDIAG_CERT_INCOMPLETE_CHAIN,
    TLSDIAG_CERT_SELF_SIGNED,
    TLSDIAG_CERT_WEAK_KEY,
    TLSDIAG_CERT_WEAK_SIGNATURE,
    TLSDIAG_CERT_UNPARSABLE,
    TLSDIAG_CERT_UNTRUSTED_ROOT, /* only with tlsdiag_cert_cache_check_trust */
    /* Apple's rules (apple.c): they explain an Apple client's refusal. */
    TLSDIAG_CERT_APPLE_TLS_VERSION,
    TLSDIAG_CERT_APPLE_FORWARD_SECRECY,
    TLSDIAG_CERT_APPLE_VALIDITY,
    TLSDIAG_CERT_FINDING_COUNT
} tlsdiag_cert_finding;

typedef uint32_t tlsdiag_cert_findings; /* bit (1 << tlsdiag_cert_finding) */

/* What one certificate of the chain says, as far as the findings need it. */
typedef struct {
    bool parsed;
    bool self_issued;
    bool is_ca;
    int64_t not_before; /* seconds since the epoch, UTC */
    int64_t not_after;
    char *common_name; /* NULL when absent */
} tlsdiag_cert_entry;

/* The chain as a whole, with the leaf's details for people. Shared by every
 * connection that received the same chain. */
typedef struct {
    unsigned chain_length; /* certificates sent */
    unsigned entry_count;  /* of them read (at most TLSDIAG_MAX_CHAIN) */
    tlsdiag_cert_entry entries[TLSDIAG_MAX_CHAIN];
    /* The leaf, when it parsed. */
    char *subject;
    char *issuer;
    char **dns_names; /* NULL-terminated SAN dNSNames */
    char *key;        /* "RSA 2048", "EC P-256" */
    char *signature;  /* "RSA-SHA256" */
    char *spki_sha256; /* base64 SHA-256 of the SubjectPublicKeyInfo: the pin */
    /* Findings that do not depend on the connection (name, time). */
    tlsdiag_cert_findings static_findings;
    unsigned weak_key_index;       /* which certificate has the weak key */
    unsigned weak_signature_index; /* which one is signed with MD5 or SHA-1 */
} tlsdiag_cert_facts;

/* Parsed chains, shared by the connections that received them. */
typedef struct tlsdiag_cert_cache tlsdiag_cert_cache;

tlsdiag_cert_cache *tlsdiag_cert_cache_new(void);
void tlsdiag_cert_cache_free(tlsdiag_cert_cache *cache);

/* From now on, chains read through the cache are also checked against this
 * machine's trust store (untrusted_root): the analyst's store, which is not
 * necessarily the client's. Returns how many trusted CAs were found; with
 * none, nothing is checked. */
unsigned tlsdiag_cert_cache_check_trust(tlsdiag_cert_cache *cache);

/* The facts of this chain (count certificates, leaf first); parsed once per
 * distinct chain. NULL for an empty chain. Valid until the cache is freed. */
const tlsdiag_cert_facts *tlsdiag_cert_read(tlsdiag_cert_cache *cache, const tlsdiag_der *chain,
                                            unsigned count);

/* Parses without a cache: the caller frees the result. */
tlsdiag_cert_facts *tlsdiag_cert_parse(const tlsdiag_der *chain, unsigned count);
void tlsdiag_cert_facts_free(tlsdiag_cert_facts *facts);

/* All findings for a client that asked for server_name (NULL: no SNI, no
 * name check) at capture time time_s. */
tlsdiag_cert_findings tlsdiag_cert_judge(const tlsdiag_cert_facts *facts, const char *server_name,
                                         int64_t time_s);

/* RFC 6125 6.4: a pattern from a dNSName against a host name. A wildcard is
 * the whole left-most label, matches exactly one label, and needs at least
 * two labels after it ("*.example" matches nothing). Case-insensitive; a
 * trailing dot on the host name is ignored. */
bool tlsdiag_cert_name_matches(const char *pattern, const char *host);

/* "expired", "name_mismatch", ... (the values of tlsdiag.cert.problem) */
const char *tlsdiag_cert_finding_name(tlsdiag_cert_finding finding);

/* The findings in words that name the fix: "certificate for shop.example
 * only, client asked for www.example; expired 9 days before this capture". */
void tlsdiag_cert_describe(GString *out, const tlsdiag_cert_facts *facts,
                           tlsdiag_cert_findings findings, const char *server_name, int64_t time_s);

/* text with bytes outside printable ASCII shown as '?': server names and
 * certificate fields come from the wire. */
void tlsdiag_append_printable(GString *out, const char *text);

/* "2026-11-27T00:00:00Z" */
void tlsdiag_cert_append_time(GString *out, int64_t time_s);

#endif /* TLSDIAG_CERTIFICATE_H */
