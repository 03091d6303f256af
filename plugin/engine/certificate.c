/* certificate.c
 * The server's certificate chain: facts read with GnuTLS's X.509 parser,
 * and findings judged at the capture time of the Certificate message.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "certificate.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <inttypes.h>
#include <string.h>

/* Captures from a machine whose clock was never set start in 1970: judging
 * validity there would call every certificate not yet valid. */
#define CLOCK_PLAUSIBLE_FROM 946684800 /* 2000-01-01T00:00:00Z */

#define MAX_DNS_NAMES 64
#define SECONDS_PER_DAY 86400

static const char *const finding_names[TLSDIAG_CERT_FINDING_COUNT] = {
    [TLSDIAG_CERT_EXPIRED] = "expired",
    [TLSDIAG_CERT_NOT_YET_VALID] = "not_yet_valid",
    [TLSDIAG_CERT_CLOCK_BEFORE_2000] = "clock_before_2000",
    [TLSDIAG_CERT_NAME_MISMATCH] = "name_mismatch",
    [TLSDIAG_CERT_CN_ONLY] = "cn_only",
    [TLSDIAG_CERT_INCOMPLETE_CHAIN] = "incomplete_chain",
    [TLSDIAG_CERT_SELF_SIGNED] = "self_signed",
    [TLSDIAG_CERT_WEAK_KEY] = "weak_key",
    [TLSDIAG_CERT_WEAK_SIGNATURE] = "weak_signature",
    [TLSDIAG_CERT_UNPARSABLE] = "unparsable",
    [TLSDIAG_CERT_UNTRUSTED_ROOT] = "untrusted_root",
    [TLSDIAG_CERT_APPLE_TLS_VERSION] = "apple_tls_version",
    [TLSDIAG_CERT_APPLE_FORWARD_SECRECY] = "apple_forward_secrecy",
    [TLSDIAG_CERT_APPLE_VALIDITY] = "apple_validity",
};

const char *tlsdiag_cert_finding_name(tlsdiag_cert_finding finding)
{
    return (unsigned)finding < TLSDIAG_CERT_FINDING_COUNT ? finding_names[finding] : "";
}

static tlsdiag_cert_findings bit(tlsdiag_cert_finding finding)
{
    return (tlsdiag_cert_findings)1u << finding;
}

/* ---- reading one certificate ---------------------------------------------- */

/* Certificate fields are attacker-controlled bytes shown to people: keep
 * them printable. */
static char *printable_copy(const char *bytes, size_t length)
{
    char *copy = g_strndup(bytes, length);
    for (char *c = copy; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
            *c = '?';
    }
    return copy;
}

void tlsdiag_append_printable(GString *out, const char *text)
{
    for (; text != NULL && *text != '\0'; text++)
        g_string_append_c(out, (unsigned char)*text < 0x20 || (unsigned char)*text >= 0x7f ? '?' : *text);
}

static char *take_datum(gnutls_datum_t *datum)
{
    char *copy = printable_copy((const char *)datum->data, datum->size);
    gnutls_free(datum->data);
    datum->data = NULL;
    return copy;
}

/* In the order of the DER, as openssl and Wireshark show it, not the
 * reversed order of RFC 4514. */
#define DN_ORDER GNUTLS_X509_DN_FLAG_COMPAT

static char *read_dn(gnutls_x509_crt_t crt, bool issuer)
{
    gnutls_datum_t dn = {NULL, 0};
    int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn, DN_ORDER)
                    : gnutls_x509_crt_get_dn3(crt, &dn, DN_ORDER);
    if (rc < 0) {
        gnutls_free(dn.data);
        return NULL;
    }
    return take_datum(&dn);
}

static char *read_common_name(gnutls_x509_crt_t crt)
{
    char buffer[256];
    size_t size = sizeof buffer;
    if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buffer, &size) < 0)
        return NULL;
    return printable_copy(buffer, MIN(size, sizeof buffer));
}

static char **read_dns_names(gnutls_x509_crt_t crt)
{
    GPtrArray *names = g_ptr_array_new();
    for (unsigned seq = 0; names->len < MAX_DNS_NAMES; seq++) {
        char buffer[256];
        size_t size = sizeof buffer;
        int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buffer, &size, NULL);
        if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
            continue; /* no host name is that long */
        if (type < 0)
            break;
        if (type == GNUTLS_SAN_DNSNAME)
            g_ptr_array_add(names, printable_copy(buffer, MIN(size, sizeof buffer)));
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

static const char *curve_label(gnutls_ecc_curve_t curve)
{
    switch (curve) {
        case GNUTLS_ECC_CURVE_SECP256R1:
            return "P-256";
        case GNUTLS_ECC_CURVE_SECP384R1:
            return "P-384";
        case GNUTLS_ECC_CURVE_SECP521R1:
            return "P-521";
        default:
            return gnutls_ecc_curve_get_name(curve);
    }
}

/* "RSA 2048", "EC P-256", "EdDSA (Ed25519)"; weak: below what clients
 * accept today (RSA and DSA 2048 bits, EC 256). */
static char *read_key(gnutls_x509_crt_t crt, bool *weak)
{
    unsigned bits = 0;
    int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
    *weak = false;
    if (pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS || pk == GNUTLS_PK_DSA) {
        *weak = bits < 2048;
        return g_strdup_printf("%s %u", pk == GNUTLS_PK_DSA ? "DSA" : "RSA", bits);
    }
    if (pk == GNUTLS_PK_ECDSA) {
        *weak = bits < 256;
        gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
        gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
        if (gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y) < 0)
            curve = GNUTLS_ECC_CURVE_INVALID;
        gnutls_free(x.data);
        gnutls_free(y.data);
        const char *label = curve_label(curve);
        return label != NULL ? g_strdup_printf("EC %s", label) : g_strdup_printf("EC %u", bits);
    }
    if (pk < 0)
        return g_strdup("unknown");
    const char *name = gnutls_pk_get_name((gnutls_pk_algorithm_t)pk);
    return g_strdup(name != NULL ? name : "unknown");
}

/* "RSA-SHA256"; weak: MD5 (and MD2), or SHA-1. */
static char *read_signature(gnutls_x509_crt_t crt, bool *md5, bool *sha1)
{
    int sign = gnutls_x509_crt_get_signature_algorithm(crt);
    *md5 = *sha1 = false;
    if (sign > 0 && gnutls_sign_get_name((gnutls_sign_algorithm_t)sign) != NULL) {
        gnutls_digest_algorithm_t hash = gnutls_sign_get_hash_algorithm((gnutls_sign_algorithm_t)sign);
        *md5 = hash == GNUTLS_DIG_MD5 || hash == GNUTLS_DIG_MD2;
        *sha1 = hash == GNUTLS_DIG_SHA1;
        return g_strdup(gnutls_sign_get_name((gnutls_sign_algorithm_t)sign));
    }
    char oid[128];
    size_t size = sizeof oid;
    if (gnutls_x509_crt_get_signature_oid(crt, oid, &size) < 0)
        return g_strdup("unknown");
    oid[sizeof oid - 1] = '\0';
    return printable_copy(oid, strlen(oid));
}

/* One DER element at *at, before end: where its content starts, and
 * where the element after it starts. */
static bool der_element(const uint8_t *at, const uint8_t *end, uint8_t *tag, const uint8_t **content,
                        const uint8_t **after)
{
    if (end - at < 2)
        return false;
    *tag = at[0];
    size_t length = at[1];
    const uint8_t *c = at + 2;
    if (length & 0x80) {
        size_t octets = length & 0x7f;
        if (octets == 0 || octets > 4 || (size_t)(end - c) < octets)
            return false;
        length = 0;
        for (size_t i = 0; i < octets; i++)
            length = (length << 8) | c[i];
        c += octets;
    }
    if ((size_t)(end - c) < length)
        return false;
    *content = c;
    *after = c + length;
    return true;
}

/* The SubjectPublicKeyInfo's bytes as sent: the seventh element of the
 * TBSCertificate (sixth without the explicit version). */
static bool find_spki(const tlsdiag_der *der, const uint8_t **spki, size_t *length)
{
    const uint8_t *end = der->der + der->length, *content, *after, *tbs_end;
    uint8_t tag;
    if (!der_element(der->der, end, &tag, &content, &after) || tag != 0x30)
        return false;
    if (!der_element(content, after, &tag, &content, &tbs_end) || tag != 0x30)
        return false;
    const uint8_t *at = content;
    if (!der_element(at, tbs_end, &tag, &content, &after))
        return false;
    if (tag == 0xa0) /* version */
        at = after;
    /* serial, signature algorithm, issuer, validity, subject */
    for (unsigned skipped = 0; skipped < 5; skipped++) {
        if (!der_element(at, tbs_end, &tag, &content, &after))
            return false;
        at = after;
    }
    if (!der_element(at, tbs_end, &tag, &content, &after) || tag != 0x30)
        return false;
    *spki = at;
    *length = (size_t)(after - at);
    return true;
}

/* The pin: SHA-256 of the SubjectPublicKeyInfo, hashed from the bytes sent
 * (GnuTLS's key id re-encodes the key, a third of a chain's parsing); from
 * GnuTLS when the bytes are not laid out as expected. */
static char *read_spki_sha256(gnutls_x509_crt_t crt, const tlsdiag_der *der)
{
    unsigned char digest[32];
    size_t size = sizeof digest;
    const uint8_t *spki;
    size_t length;
    if (find_spki(der, &spki, &length)) {
        if (gnutls_hash_fast(GNUTLS_DIG_SHA256, spki, length, digest) < 0)
            return NULL;
        return g_base64_encode(digest, sizeof digest);
    }
    if (gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, digest, &size) < 0 ||
        size != sizeof digest)
        return NULL;
    return g_base64_encode(digest, size);
}

static int64_t time_or_zero(time_t value)
{
    return value == (time_t)-1 ? 0 : (int64_t)value;
}

static gnutls_x509_crt_t import_der(const tlsdiag_der *der)
{
    gnutls_x509_crt_t crt;
    if (der->der == NULL || der->length == 0 || der->length > UINT_MAX ||
        gnutls_x509_crt_init(&crt) < 0)
        return NULL;
    gnutls_datum_t datum = {(unsigned char *)der->der, (unsigned int)der->length};
    if (gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_DER) < 0) {
        gnutls_x509_crt_deinit(crt);
        return NULL;
    }
    return crt;
}

/* ---- the chain ----------------------------------------------------------- */

static void read_entry(tlsdiag_cert_entry *entry, gnutls_x509_crt_t crt)
{
    unsigned critical;
    entry->parsed = true;
    entry->self_issued = gnutls_x509_crt_check_issuer(crt, crt) == 1;
    entry->is_ca = gnutls_x509_crt_get_ca_status(crt, &critical) > 0;
    entry->not_before = time_or_zero(gnutls_x509_crt_get_activation_time(crt));
    entry->not_after = time_or_zero(gnutls_x509_crt_get_expiration_time(crt));
    entry->common_name = read_common_name(crt);
}

static void read_leaf(tlsdiag_cert_facts *facts, gnutls_x509_crt_t crt, const tlsdiag_der *der)
{
    facts->subject = read_dn(crt, false);
    facts->issuer = read_dn(crt, true);
    facts->dns_names = read_dns_names(crt);
    facts->spki_sha256 = read_spki_sha256(crt, der);
}

/* Key and signature strength, for the leaf and the CAs that sign it; a
 * self-issued root's own signature is never checked by clients. */
static void judge_strength(tlsdiag_cert_facts *facts, unsigned index, gnutls_x509_crt_t crt)
{
    bool weak_key, md5, sha1;
    char *key = read_key(crt, &weak_key);
    char *signature = read_signature(crt, &md5, &sha1);
    if (weak_key && (index == 0 || !facts->entries[index].self_issued) &&
        !(facts->static_findings & bit(TLSDIAG_CERT_WEAK_KEY))) {
        facts->static_findings |= bit(TLSDIAG_CERT_WEAK_KEY);
        facts->weak_key_index = index;
    }
    if (!facts->entries[index].self_issued && (md5 || sha1) &&
        !(facts->static_findings & bit(TLSDIAG_CERT_WEAK_SIGNATURE))) {
        facts->static_findings |= bit(TLSDIAG_CERT_WEAK_SIGNATURE);
        facts->weak_signature_index = index;
    }
    if (index == 0) {
        facts->key = key;
        facts->signature = signature;
    } else {
        g_free(key);
        g_free(signature);
    }
}

/* Follows issuers from the leaf through what was sent. The chain is
 * incomplete when that path ends at a certificate that is no CA and not
 * self-issued: the CA that signed it was not sent (an intermediate the
 * server should send, or the wrong one was sent). A path that ends at a CA
 * lacks only the root, which clients have. */
static void judge_chain(tlsdiag_cert_facts *facts, gnutls_x509_crt_t *crts)
{
    unsigned current = 0;
    uint32_t visited = 1;
    for (;;) {
        if (facts->entries[current].self_issued)
            return;
        unsigned next = facts->entry_count;
        for (unsigned j = 0; j < facts->entry_count; j++) {
            if (!(visited & (1u << j)) && crts[j] != NULL &&
                gnutls_x509_crt_check_issuer(crts[current], crts[j]) == 1) {
                next = j;
                break;
            }
        }
        if (next == facts->entry_count)
            break;
        visited |= 1u << next;
        current = next;
    }
    if (!facts->entries[current].is_ca)
        facts->static_findings |= bit(TLSDIAG_CERT_INCOMPLETE_CHAIN);
}

/* Whether the chain leads to a CA of the trust list; dates, key sizes and
 * signature algorithms are the other findings' business. Judged only when
 * the chain is otherwise whole: a missing intermediate or a self-signed leaf
 * says more. */
static void judge_trust(tlsdiag_cert_facts *facts, gnutls_x509_crt_t *crts,
                        gnutls_x509_trust_list_t trust)
{
    const tlsdiag_cert_findings says_more = bit(TLSDIAG_CERT_INCOMPLETE_CHAIN) |
                                            bit(TLSDIAG_CERT_SELF_SIGNED) | bit(TLSDIAG_CERT_UNPARSABLE);
    if (trust == NULL || (facts->static_findings & says_more))
        return;
    unsigned status = 0;
    unsigned flags = GNUTLS_VERIFY_DISABLE_TIME_CHECKS | GNUTLS_VERIFY_DISABLE_TRUSTED_TIME_CHECKS |
                     GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1 | GNUTLS_VERIFY_ALLOW_BROKEN;
    if (gnutls_x509_trust_list_verify_crt2(trust, crts, facts->entry_count, NULL, 0, flags, &status,
                                           NULL) < 0)
        return;
    if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
        facts->static_findings |= bit(TLSDIAG_CERT_UNTRUSTED_ROOT);
}

static tlsdiag_cert_facts *parse_chain(const tlsdiag_der *chain, unsigned count,
                                       gnutls_x509_trust_list_t trust)
{
    if (count == 0)
        return NULL;
    tlsdiag_cert_facts *facts = g_new0(tlsdiag_cert_facts, 1);
    gnutls_x509_crt_t crts[TLSDIAG_MAX_CHAIN] = {NULL};
    facts->chain_length = count;
    facts->entry_count = MIN(count, TLSDIAG_MAX_CHAIN);

    for (unsigned i = 0; i < facts->entry_count; i++) {
        crts[i] = import_der(&chain[i]);
        if (crts[i] == NULL) {
            facts->static_findings |= bit(TLSDIAG_CERT_UNPARSABLE);
            continue;
        }
        read_entry(&facts->entries[i], crts[i]);
        judge_strength(facts, i, crts[i]);
    }
    if (crts[0] != NULL) {
        read_leaf(facts, crts[0], &chain[0]);
        if (facts->entries[0].self_issued)
            facts->static_findings |= bit(TLSDIAG_CERT_SELF_SIGNED);
        judge_chain(facts, crts);
        judge_trust(facts, crts, trust);
    }
    for (unsigned i = 0; i < facts->entry_count; i++) {
        if (crts[i] != NULL)
            gnutls_x509_crt_deinit(crts[i]);
    }
    return facts;
}

tlsdiag_cert_facts *tlsdiag_cert_parse(const tlsdiag_der *chain, unsigned count)
{
    return parse_chain(chain, count, NULL);
}

void tlsdiag_cert_facts_free(tlsdiag_cert_facts *facts)
{
    if (facts == NULL)
        return;
    for (unsigned i = 0; i < facts->entry_count; i++)
        g_free(facts->entries[i].common_name);
    g_free(facts->subject);
    g_free(facts->issuer);
    g_strfreev(facts->dns_names);
    g_free(facts->key);
    g_free(facts->signature);
    g_free(facts->spki_sha256);
    g_free(facts);
}

/* ---- the cache ------------------------------------------------------------- */

/* A chain as it was sent, kept to tell a chain from another with the same
 * cheap key: the DERs one after the other, and their lengths. */
typedef struct {
    unsigned count; /* as sent; the first TLSDIAG_MAX_CHAIN are kept */
    size_t lengths[TLSDIAG_MAX_CHAIN];
    uint8_t *bytes;
    tlsdiag_cert_facts *facts;
} cached_chain;

struct tlsdiag_cert_cache {
    GHashTable *chains; /* cheap key -> cached_chain (the latest with it) */
    GPtrArray *all;     /* cached_chain: facts stay valid until the cache is freed */
    gnutls_x509_trust_list_t trust; /* NULL: trust is not judged */
};

static void free_cached_chain(gpointer data)
{
    cached_chain *cached = data;
    tlsdiag_cert_facts_free(cached->facts);
    g_free(cached->bytes);
    g_free(cached);
}

tlsdiag_cert_cache *tlsdiag_cert_cache_new(void)
{
    tlsdiag_cert_cache *cache = g_new0(tlsdiag_cert_cache, 1);
    cache->chains = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    cache->all = g_ptr_array_new_with_free_func(free_cached_chain);
    return cache;
}

void tlsdiag_cert_cache_free(tlsdiag_cert_cache *cache)
{
    if (cache == NULL)
        return;
    g_hash_table_destroy(cache->chains);
    g_ptr_array_free(cache->all, TRUE);
    if (cache->trust != NULL)
        gnutls_x509_trust_list_deinit(cache->trust, 1);
    g_free(cache);
}

unsigned tlsdiag_cert_cache_check_trust(tlsdiag_cert_cache *cache)
{
    if (cache->trust != NULL || gnutls_x509_trust_list_init(&cache->trust, 0) < 0)
        return 0;
    int added = gnutls_x509_trust_list_add_system_trust(cache->trust, 0, 0);
    if (added <= 0) {
        gnutls_x509_trust_list_deinit(cache->trust, 1);
        cache->trust = NULL;
        return 0;
    }
    return (unsigned)added;
}

/* Bytes hashed from the end of each certificate: its signature, which
 * differs between any two certificates a CA signed. */
#define KEY_TAIL 32

static uint64_t mix(uint64_t hash, uint64_t word)
{
    hash = (hash ^ word) * 0x9E3779B97F4A7C15u;
    return hash ^ (hash >> 29);
}

/* Every connection of a TLS 1.2 capture reads its server's chain (a few
 * kilobytes): hashing all of it cost more than the rest of tlsdiag on that
 * frame. The key takes each certificate's length and signature bytes; the
 * whole chain is then compared with the one cached, far cheaper than
 * hashing it, so a chain that only shares the key is never confused. */
static gint64 chain_key(const tlsdiag_der *chain, unsigned count)
{
    uint64_t hash = count;
    for (unsigned i = 0; i < MIN(count, TLSDIAG_MAX_CHAIN); i++) {
        size_t length = chain[i].der != NULL ? chain[i].length : 0;
        hash = mix(hash, length);
        size_t from = length > KEY_TAIL ? length - KEY_TAIL : 0;
        for (size_t j = from; j < length; j += 8) {
            uint64_t word = 0;
            memcpy(&word, chain[i].der + j, MIN((size_t)8, length - j));
            hash = mix(hash, word);
        }
    }
    return (gint64)hash;
}

static bool same_chain(const cached_chain *cached, const tlsdiag_der *chain, unsigned count)
{
    if (cached->count != count)
        return false;
    const uint8_t *bytes = cached->bytes;
    for (unsigned i = 0; i < MIN(count, TLSDIAG_MAX_CHAIN); i++) {
        size_t length = chain[i].der != NULL ? chain[i].length : 0;
        if (cached->lengths[i] != length || (length > 0 && memcmp(bytes, chain[i].der, length) != 0))
            return false;
        bytes += length;
    }
    return true;
}

static cached_chain *copy_chain(const tlsdiag_der *chain, unsigned count)
{
    cached_chain *cached = g_new0(cached_chain, 1);
    size_t total = 0;
    cached->count = count;
    for (unsigned i = 0; i < MIN(count, TLSDIAG_MAX_CHAIN); i++) {
        cached->lengths[i] = chain[i].der != NULL ? chain[i].length : 0;
        total += cached->lengths[i];
    }
    cached->bytes = g_malloc(MAX(total, (size_t)1));
    uint8_t *bytes = cached->bytes;
    for (unsigned i = 0; i < MIN(count, TLSDIAG_MAX_CHAIN); i++) {
        if (cached->lengths[i] > 0)
            memcpy(bytes, chain[i].der, cached->lengths[i]);
        bytes += cached->lengths[i];
    }
    return cached;
}

const tlsdiag_cert_facts *tlsdiag_cert_read(tlsdiag_cert_cache *cache, const tlsdiag_der *chain,
                                            unsigned count)
{
    if (count == 0)
        return NULL;
    gint64 key = chain_key(chain, count);
    cached_chain *cached = g_hash_table_lookup(cache->chains, &key);
    if (cached != NULL && same_chain(cached, chain, count))
        return cached->facts;
    cached = copy_chain(chain, count);
    cached->facts = parse_chain(chain, count, cache->trust);
    g_ptr_array_add(cache->all, cached);
    g_hash_table_insert(cache->chains, g_memdup2(&key, sizeof key), cached);
    return cached->facts;
}

/* ---- judging a connection -------------------------------------------------- */

/* Names are nearly always sent in the case the certificate has: the exact
 * comparison first, the case-blind one (a call per character) when it fails. */
static bool labels_equal(const char *a, const char *b, size_t length)
{
    return memcmp(a, b, length) == 0 || g_ascii_strncasecmp(a, b, length) == 0;
}

bool tlsdiag_cert_name_matches(const char *pattern, const char *host)
{
    if (pattern == NULL || host == NULL || *pattern == '\0' || *host == '\0')
        return false;
    size_t host_length = strlen(host);
    if (host[host_length - 1] == '.')
        host_length--;
    size_t pattern_length = strlen(pattern);
    if (pattern[pattern_length - 1] == '.')
        pattern_length--;

    if (pattern[0] != '*')
        return pattern_length == host_length && labels_equal(pattern, host, host_length);
    /* "*.rest": rest needs a dot of its own, the host one more label. */
    if (pattern_length < 2 || pattern[1] != '.')
        return false;
    const char *rest = pattern + 2;
    size_t rest_length = pattern_length - 2;
    if (memchr(rest, '.', rest_length) == NULL || memchr(rest, '*', rest_length) != NULL)
        return false;
    const char *host_rest = memchr(host, '.', host_length);
    if (host_rest == NULL || host_rest == host)
        return false;
    host_rest++;
    return (size_t)(host + host_length - host_rest) == rest_length &&
           labels_equal(rest, host_rest, rest_length);
}

static bool any_name_matches(char *const *names, const char *host)
{
    for (; names != NULL && *names != NULL; names++) {
        if (tlsdiag_cert_name_matches(*names, host))
            return true;
    }
    return false;
}

static tlsdiag_cert_findings judge_name(const tlsdiag_cert_facts *facts, const char *server_name)
{
    if (server_name == NULL || *server_name == '\0' || facts->dns_names == NULL ||
        (facts->static_findings & bit(TLSDIAG_CERT_SELF_SIGNED)))
        return 0;
    if (facts->dns_names[0] != NULL)
        return any_name_matches(facts->dns_names, server_name) ? 0 : bit(TLSDIAG_CERT_NAME_MISMATCH);
    tlsdiag_cert_findings findings = bit(TLSDIAG_CERT_CN_ONLY);
    if (!tlsdiag_cert_name_matches(facts->entries[0].common_name, server_name))
        findings |= bit(TLSDIAG_CERT_NAME_MISMATCH);
    return findings;
}

/* The first certificate a client checks the dates of and that fails: the
 * leaf, then the CAs that were sent (a self-issued root is the client's
 * own copy's business). */
static const tlsdiag_cert_entry *first_out_of_date(const tlsdiag_cert_facts *facts, int64_t time_s,
                                                   tlsdiag_cert_finding *finding)
{
    for (unsigned i = 0; i < facts->entry_count; i++) {
        const tlsdiag_cert_entry *entry = &facts->entries[i];
        if (!entry->parsed || (i > 0 && entry->self_issued))
            continue;
        if (entry->not_after != 0 && time_s > entry->not_after) {
            *finding = TLSDIAG_CERT_EXPIRED;
            return entry;
        }
        if (entry->not_before != 0 && time_s < entry->not_before) {
            *finding = TLSDIAG_CERT_NOT_YET_VALID;
            return entry;
        }
    }
    return NULL;
}

tlsdiag_cert_findings tlsdiag_cert_judge(const tlsdiag_cert_facts *facts, const char *server_name,
                                         int64_t time_s)
{
    if (facts == NULL)
        return 0;
    tlsdiag_cert_findings findings = facts->static_findings;
    if (time_s < CLOCK_PLAUSIBLE_FROM) {
        findings |= bit(TLSDIAG_CERT_CLOCK_BEFORE_2000);
    } else {
        tlsdiag_cert_finding finding;
        if (first_out_of_date(facts, time_s, &finding) != NULL)
            findings |= bit(finding);
    }
    if (facts->entries[0].parsed)
        findings |= judge_name(facts, server_name);
    return findings;
}

/* ---- words ----------------------------------------------------------------- */

void tlsdiag_cert_append_time(GString *out, int64_t time_s)
{
    GDateTime *date = g_date_time_new_from_unix_utc(time_s);
    if (date == NULL) {
        g_string_append_printf(out, "%" PRId64, time_s);
        return;
    }
    gchar *text = g_date_time_format(date, "%Y-%m-%dT%H:%M:%SZ");
    g_string_append(out, text);
    g_free(text);
    g_date_time_unref(date);
}

/* Capture clocks and certificate dates can be anything: saturate. */
static int64_t seconds_between(int64_t later, int64_t earlier)
{
    int64_t difference;
    if (__builtin_sub_overflow(later, earlier, &difference))
        return later > earlier ? INT64_MAX : INT64_MIN;
    return difference;
}

/* "9 days", "5 hours", "12 minutes" */
static void append_span(GString *out, int64_t seconds)
{
    if (seconds < 0)
        seconds = seconds == INT64_MIN ? INT64_MAX : -seconds;
    if (seconds >= 2 * SECONDS_PER_DAY)
        g_string_append_printf(out, "%" PRId64 " days", seconds / SECONDS_PER_DAY);
    else if (seconds >= 2 * 3600)
        g_string_append_printf(out, "%" PRId64 " hours", seconds / 3600);
    else
        g_string_append_printf(out, "%" PRId64 " minutes", seconds / 60);
}

static void append_certificate_name(GString *out, const tlsdiag_cert_facts *facts, unsigned index)
{
    const char *cn = facts->entries[index].common_name;
    if (index == 0)
        g_string_append(out, "certificate");
    else
        g_string_append_printf(out, "CA certificate \"%s\" (chain position %u)", cn ? cn : "?", index + 1);
}

static void append_validity(GString *out, const tlsdiag_cert_facts *facts, int64_t time_s)
{
    tlsdiag_cert_finding finding;
    const tlsdiag_cert_entry *entry = first_out_of_date(facts, time_s, &finding);
    if (entry == NULL)
        return;
    append_certificate_name(out, facts, (unsigned)(entry - facts->entries));
    if (finding == TLSDIAG_CERT_EXPIRED) {
        g_string_append(out, " expired ");
        append_span(out, seconds_between(time_s, entry->not_after));
        g_string_append(out, " before this capture (not after ");
        tlsdiag_cert_append_time(out, entry->not_after);
    } else {
        g_string_append(out, " not valid until ");
        append_span(out, seconds_between(entry->not_before, time_s));
        g_string_append(out, " after this capture (not before ");
        tlsdiag_cert_append_time(out, entry->not_before);
    }
    g_string_append(out, ")");
}

static void append_names(GString *out, char *const *names)
{
    unsigned count = names ? g_strv_length((gchar **)names) : 0;
    for (unsigned i = 0; i < count && i < 3; i++)
        g_string_append_printf(out, "%s%s", i > 0 ? ", " : "", names[i]);
    if (count > 3)
        g_string_append_printf(out, " and %u more", count - 3);
}

static void append_name_finding(GString *out, const tlsdiag_cert_facts *facts,
                                tlsdiag_cert_findings findings, const char *server_name)
{
    bool cn_only = (findings & bit(TLSDIAG_CERT_CN_ONLY)) != 0;
    const char *cn = facts->entries[0].common_name;
    if (cn_only && !(findings & bit(TLSDIAG_CERT_NAME_MISMATCH))) {
        g_string_append_printf(out, "certificate names %s only in its Common Name, without a "
                                    "subjectAltName: Chrome, iOS and Android ignore the Common Name",
                               cn ? cn : "?");
        return;
    }
    g_string_append(out, "certificate for ");
    if (cn_only)
        g_string_append_printf(out, "%s (Common Name only)", cn ? cn : "no name");
    else
        append_names(out, facts->dns_names);
    if (!cn_only && facts->dns_names != NULL && facts->dns_names[0] != NULL && facts->dns_names[1] == NULL)
        g_string_append(out, " only");
    g_string_append(out, ", client asked for ");
    tlsdiag_append_printable(out, server_name);
}

static void append_clause(GString *out, bool *first)
{
    if (!*first)
        g_string_append(out, "; ");
    *first = false;
}

void tlsdiag_cert_describe(GString *out, const tlsdiag_cert_facts *facts,
                           tlsdiag_cert_findings findings, const char *server_name, int64_t time_s)
{
    bool first = true;
    if (facts == NULL)
        return;
    if (findings & (bit(TLSDIAG_CERT_NAME_MISMATCH) | bit(TLSDIAG_CERT_CN_ONLY))) {
        append_clause(out, &first);
        append_name_finding(out, facts, findings, server_name ? server_name : "?");
    }
    if (findings & (bit(TLSDIAG_CERT_EXPIRED) | bit(TLSDIAG_CERT_NOT_YET_VALID))) {
        append_clause(out, &first);
        append_validity(out, facts, time_s);
    }
    if (findings & bit(TLSDIAG_CERT_CLOCK_BEFORE_2000)) {
        append_clause(out, &first);
        g_string_append(out, "the capture's clock is before 2000, so the certificate's dates "
                             "were not judged");
    }
    if (findings & bit(TLSDIAG_CERT_INCOMPLETE_CHAIN)) {
        append_clause(out, &first);
        /* A leaf that a private root signs directly looks the same on
         * the wire: the text covers both. */
        g_string_append_printf(out, "server did not send the intermediate CA that signs its "
                                    "certificate (issuer %s): a client that does not already "
                                    "hold that CA cannot build the chain (unless the issuer is "
                                    "a private root the client installed)",
                               facts->issuer ? facts->issuer : "?");
    }
    if (findings & bit(TLSDIAG_CERT_SELF_SIGNED)) {
        append_clause(out, &first);
        g_string_append(out, "certificate is self-signed: only clients that installed or pinned "
                             "it accept it");
    }
    if (findings & bit(TLSDIAG_CERT_WEAK_KEY)) {
        append_clause(out, &first);
        append_certificate_name(out, facts, facts->weak_key_index);
        g_string_append(out, " has a weak key");
        if (facts->weak_key_index == 0)
            g_string_append_printf(out, " (%s)", facts->key ? facts->key : "?");
        g_string_append(out, ": clients refuse RSA below 2048 bits and EC below 256");
    }
    if (findings & bit(TLSDIAG_CERT_WEAK_SIGNATURE)) {
        append_clause(out, &first);
        append_certificate_name(out, facts, facts->weak_signature_index);
        g_string_append(out, " is signed with MD5 or SHA-1, which clients refuse");
        if (facts->weak_signature_index == 0 && facts->signature != NULL)
            g_string_append_printf(out, " (%s)", facts->signature);
    }
    if (findings & bit(TLSDIAG_CERT_UNPARSABLE)) {
        append_clause(out, &first);
        g_string_append(out, "a certificate of the chain could not be parsed");
    }
    if (findings & bit(TLSDIAG_CERT_APPLE_TLS_VERSION)) {
        append_clause(out, &first);
        g_string_append(out, "Apple clients with App Transport Security refuse TLS below 1.2");
    }
    if (findings & bit(TLSDIAG_CERT_APPLE_FORWARD_SECRECY)) {
        append_clause(out, &first);
        g_string_append(out, "Apple clients with App Transport Security refuse this cipher "
                             "suite: they require ECDHE with AES or ChaCha20");
    }
    if (findings & bit(TLSDIAG_CERT_APPLE_VALIDITY)) {
        append_clause(out, &first);
        g_string_append(out, "certificate is valid for longer than Apple platforms accept from a "
                             "public CA (398 days if issued since 2020-09-01, 825 since "
                             "2019-07-01)");
    }
    if (findings & bit(TLSDIAG_CERT_UNTRUSTED_ROOT)) {
        append_clause(out, &first);
        g_string_append_printf(out, "the chain does not lead to a CA of this machine's trust "
                                    "store (issuer %s): a private CA, which clients must install",
                               facts->issuer ? facts->issuer : "?");
    }
}
