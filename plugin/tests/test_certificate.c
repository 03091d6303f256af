/* test_certificate.c
 * Unit tests of the certificate module on DER made by a real PKI
 * (plugin/tests/certs/make.sh: openssl ca, fixed dates): facts, findings at
 * given capture times, RFC 6125 name matching, and bad input.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include <glib.h>

#include "engine/apple.h"
#include "engine/certificate.h"
#include "engine/vocabulary.h"

static const char *certs_dir;

/* 2026-12-06T12:00:00Z: the fixtures' "capture time". */
#define CAPTURE_TIME 1796558400LL
#define DAY 86400LL

typedef struct {
    GBytes *bytes[TLSDIAG_MAX_CHAIN];
    tlsdiag_der der[TLSDIAG_MAX_CHAIN];
    unsigned count;
} chain;

static void chain_add(chain *c, const char *name)
{
    gchar *path = g_strdup_printf("%s/%s.der", certs_dir, name);
    gchar *contents;
    gsize length;
    GError *error = NULL;
    if (!g_file_get_contents(path, &contents, &length, &error))
        g_error("%s", error->message);
    g_free(path);
    c->bytes[c->count] = g_bytes_new_take(contents, length);
    c->der[c->count].der = g_bytes_get_data(c->bytes[c->count], NULL);
    c->der[c->count].length = length;
    c->count++;
}

static void chain_clear(chain *c)
{
    for (unsigned i = 0; i < c->count; i++)
        g_bytes_unref(c->bytes[i]);
    memset(c, 0, sizeof *c);
}

/* The pin openssl computed for a fixture (facts.txt). */
static gchar *expected_pin(const char *name)
{
    gchar *path = g_build_filename(certs_dir, "facts.txt", NULL);
    gchar *contents;
    if (!g_file_get_contents(path, &contents, NULL, NULL))
        g_error("cannot read %s", path);
    g_free(path);
    gchar *pin = NULL;
    gchar **lines = g_strsplit(contents, "\n", -1);
    for (gchar **line = lines; *line != NULL && pin == NULL; line++) {
        gchar **cells = g_strsplit(*line, " ", 3);
        if (g_strv_length(cells) == 3 && strcmp(cells[0], "pin") == 0 && strcmp(cells[1], name) == 0)
            pin = g_strdup(cells[2]);
        g_strfreev(cells);
    }
    g_strfreev(lines);
    g_free(contents);
    if (pin == NULL)
        g_error("no pin for %s in facts.txt", name);
    return pin;
}

#define BIT(f) ((tlsdiag_cert_findings)1u << (f))

/* Findings of leaf NAME sent with the intermediate, for SNI at time. */
static tlsdiag_cert_findings judge_leaf(const char *name, const char *sni, int64_t time_s)
{
    chain c = {0};
    chain_add(&c, name);
    chain_add(&c, "intermediate");
    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
    tlsdiag_cert_findings findings = tlsdiag_cert_judge(facts, sni, time_s);
    tlsdiag_cert_facts_free(facts);
    chain_clear(&c);
    return findings;
}

static gchar *describe_leaf(const char *name, const char *sni, int64_t time_s)
{
    chain c = {0};
    chain_add(&c, name);
    chain_add(&c, "intermediate");
    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
    GString *text = g_string_new(NULL);
    tlsdiag_cert_describe(text, facts, tlsdiag_cert_judge(facts, sni, time_s), sni, time_s);
    tlsdiag_cert_facts_free(facts);
    chain_clear(&c);
    return g_string_free(text, FALSE);
}

static void test_clean_chain_facts(void)
{
    chain c = {0};
    chain_add(&c, "ok");
    chain_add(&c, "intermediate");
    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
    g_assert_nonnull(facts);
    g_assert_cmpuint(facts->chain_length, ==, 2);
    g_assert_cmpstr(facts->subject, ==, "CN=www.example,O=tlsdiag lab");
    g_assert_cmpstr(facts->issuer, ==, "CN=tlsdiag Test Intermediate,O=tlsdiag lab");
    g_assert_cmpuint(g_strv_length(facts->dns_names), ==, 2);
    g_assert_cmpstr(facts->dns_names[0], ==, "www.example");
    g_assert_cmpstr(facts->dns_names[1], ==, "*.api.example");
    g_assert_cmpstr(facts->key, ==, "EC P-256");
    g_assert_cmpstr(facts->signature, ==, "RSA-SHA256");
    g_assert_cmpint(facts->entries[0].not_before, ==, 1767225600); /* 2026-01-01 */
    g_assert_cmpint(facts->entries[0].not_after, ==, 1798761600);  /* 2027-01-01 */
    gchar *pin = expected_pin("ok");
    g_assert_cmpstr(facts->spki_sha256, ==, pin);
    g_free(pin);

    /* No finding at all for the name it was issued for, inside its dates. */
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", CAPTURE_TIME), ==, 0);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "WWW.Example.", CAPTURE_TIME), ==, 0);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "v1.api.example", CAPTURE_TIME), ==, 0);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, NULL, CAPTURE_TIME), ==, 0);
    tlsdiag_cert_facts_free(facts);
    chain_clear(&c);
}

static void test_pins_match_openssl(void)
{
    const char *names[] = {"rsa1024", "selfsigned"};
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
        chain c = {0};
        chain_add(&c, names[i]);
        tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
        gchar *pin = expected_pin(names[i]);
        g_assert_cmpstr(facts->spki_sha256, ==, pin);
        g_free(pin);
        tlsdiag_cert_facts_free(facts);
        chain_clear(&c);
    }
}

static void test_expired(void)
{
    /* Not after 2026-11-27T00:00:00Z. */
    g_assert_cmpuint(judge_leaf("expired", "www.example", CAPTURE_TIME), ==, BIT(TLSDIAG_CERT_EXPIRED));
    /* The day before it expired, it was fine. */
    g_assert_cmpuint(judge_leaf("expired", "www.example", 1795651200 - DAY), ==, 0);
    gchar *text = describe_leaf("expired", "www.example", CAPTURE_TIME);
    g_assert_cmpstr(text, ==,
                    "certificate expired 9 days before this capture (not after 2026-11-27T00:00:00Z)");
    g_free(text);
}

static void test_not_yet_valid(void)
{
    g_assert_cmpuint(judge_leaf("future", "www.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_NOT_YET_VALID));
    g_assert_cmpuint(judge_leaf("future", "www.example", 1798761600 + DAY), ==, 0);
    gchar *text = describe_leaf("future", "www.example", CAPTURE_TIME);
    g_assert_true(g_str_has_prefix(text, "certificate not valid until 25 days after this capture"));
    g_free(text);
}

static void test_clock_before_2000(void)
{
    /* A capture from an unset clock (1970): a note, not an expiry. */
    g_assert_cmpuint(judge_leaf("future", "www.example", 3600), ==,
                     BIT(TLSDIAG_CERT_CLOCK_BEFORE_2000));
    g_assert_cmpuint(judge_leaf("ok", "www.example", 3600), ==, BIT(TLSDIAG_CERT_CLOCK_BEFORE_2000));
}

static void test_name_mismatch(void)
{
    g_assert_cmpuint(judge_leaf("wrongname", "www.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_NAME_MISMATCH));
    g_assert_cmpuint(judge_leaf("wrongname", "shop.example", CAPTURE_TIME), ==, 0);
    gchar *text = describe_leaf("wrongname", "www.example", CAPTURE_TIME);
    g_assert_cmpstr(text, ==, "certificate for shop.example only, client asked for www.example");
    g_free(text);
    /* Two labels below the wildcard do not match it. */
    g_assert_cmpuint(judge_leaf("ok", "a.b.api.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_NAME_MISMATCH));
}

static void test_cn_only(void)
{
    g_assert_cmpuint(judge_leaf("cnonly", "www.example", CAPTURE_TIME), ==, BIT(TLSDIAG_CERT_CN_ONLY));
    g_assert_cmpuint(judge_leaf("cnonly", "shop.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_CN_ONLY) | BIT(TLSDIAG_CERT_NAME_MISMATCH));
    /* Without SNI there is no name to judge, and the CN alone says nothing. */
    g_assert_cmpuint(judge_leaf("cnonly", NULL, CAPTURE_TIME), ==, 0);
}

static void test_incomplete_chain(void)
{
    chain c = {0};
    chain_add(&c, "ok");
    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_INCOMPLETE_CHAIN));
    tlsdiag_cert_facts_free(facts);

    /* The root sent as well, in any order: complete. */
    chain_add(&c, "root");
    chain_add(&c, "intermediate");
    facts = tlsdiag_cert_parse(c.der, c.count);
    g_assert_cmpuint(facts->chain_length, ==, 3);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", CAPTURE_TIME), ==, 0);
    tlsdiag_cert_facts_free(facts);
    chain_clear(&c);

    /* The wrong CA sent: the leaf's issuer is still missing. */
    chain_add(&c, "ok");
    chain_add(&c, "root");
    facts = tlsdiag_cert_parse(c.der, c.count);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_INCOMPLETE_CHAIN));
    GString *text = g_string_new(NULL);
    tlsdiag_cert_describe(text, facts, BIT(TLSDIAG_CERT_INCOMPLETE_CHAIN), "www.example", CAPTURE_TIME);
    g_assert_true(g_str_has_prefix(text->str, "server did not send the intermediate CA that signs "
                                              "its certificate (issuer CN=tlsdiag Test Intermediate"));
    g_string_free(text, TRUE);
    tlsdiag_cert_facts_free(facts);
    chain_clear(&c);
}

static void test_self_signed(void)
{
    chain c = {0};
    chain_add(&c, "selfsigned");
    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
    /* Issued when the fixtures were made, valid ten years: judge inside. */
    int64_t inside = facts->entries[0].not_before + DAY;
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", inside), ==, BIT(TLSDIAG_CERT_SELF_SIGNED));
    /* Its name is not what makes a client refuse it. */
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "other.example", inside), ==, BIT(TLSDIAG_CERT_SELF_SIGNED));
    tlsdiag_cert_facts_free(facts);
    chain_clear(&c);
}

static void test_weak_key_and_signature(void)
{
    g_assert_cmpuint(judge_leaf("rsa1024", "www.example", CAPTURE_TIME), ==, BIT(TLSDIAG_CERT_WEAK_KEY));
    gchar *text = describe_leaf("rsa1024", "www.example", CAPTURE_TIME);
    g_assert_cmpstr(text, ==, "certificate has a weak key (RSA 1024): clients refuse RSA below 2048 "
                              "bits and EC below 256");
    g_free(text);
    g_assert_cmpuint(judge_leaf("sha1", "www.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_WEAK_SIGNATURE));
    text = describe_leaf("sha1", "www.example", CAPTURE_TIME);
    g_assert_cmpstr(text, ==, "certificate is signed with MD5 or SHA-1, which clients refuse (RSA-SHA1)");
    g_free(text);
}

static void test_generalized_time(void)
{
    chain c = {0};
    chain_add(&c, "generalized");
    chain_add(&c, "intermediate");
    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
    g_assert_cmpint(facts->entries[0].not_after, ==, 2556144000LL); /* 2051-01-01 */
    g_assert_cmpstr(facts->key, ==, "EC P-384");
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", 1900000000LL), ==, 0);
    /* In 2046 the leaf is fine, the intermediate it was sent with is not. */
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", 2400000000LL), ==,
                     BIT(TLSDIAG_CERT_EXPIRED));
    GString *text = g_string_new(NULL);
    tlsdiag_cert_describe(text, facts, BIT(TLSDIAG_CERT_EXPIRED), "www.example", 2400000000LL);
    g_assert_true(g_str_has_prefix(text->str, "CA certificate \"tlsdiag Test Intermediate\" "
                                              "(chain position 2) expired "));
    g_string_free(text, TRUE);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", 2556144000LL + DAY), ==,
                     BIT(TLSDIAG_CERT_EXPIRED));
    tlsdiag_cert_facts_free(facts);
    chain_clear(&c);
}

static void test_name_rules(void)
{
    g_assert_true(tlsdiag_cert_name_matches("www.example", "www.example"));
    g_assert_true(tlsdiag_cert_name_matches("*.shop.example", "www.shop.example"));
    g_assert_true(tlsdiag_cert_name_matches("*.SHOP.example", "www.shop.example."));
    g_assert_false(tlsdiag_cert_name_matches("*.shop.example", "shop.example"));
    g_assert_false(tlsdiag_cert_name_matches("*.shop.example", "a.b.shop.example"));
    g_assert_false(tlsdiag_cert_name_matches("*.example", "www.example"));
    g_assert_false(tlsdiag_cert_name_matches("w*.shop.example", "www.shop.example"));
    g_assert_false(tlsdiag_cert_name_matches("*.*.example", "a.b.example"));
    g_assert_false(tlsdiag_cert_name_matches("www.example", "www.example.com"));
    g_assert_false(tlsdiag_cert_name_matches("", "www.example"));
    g_assert_false(tlsdiag_cert_name_matches("*", "www"));
    g_assert_false(tlsdiag_cert_name_matches("*.shop.example", ".shop.example"));
}

static void test_bad_input(void)
{
    chain c = {0};
    chain_add(&c, "ok");
    chain_add(&c, "intermediate");
    const uint8_t *leaf = c.der[0].der;
    size_t leaf_length = c.der[0].length;

    /* Truncated at every length: never a crash, the leaf unparsable. */
    for (size_t length = 0; length < leaf_length; length++) {
        tlsdiag_der cut[2] = {{leaf, length}, c.der[1]};
        tlsdiag_cert_facts *facts = tlsdiag_cert_parse(cut, 2);
        tlsdiag_cert_findings findings = tlsdiag_cert_judge(facts, "www.example", CAPTURE_TIME);
        g_assert_true(findings & BIT(TLSDIAG_CERT_UNPARSABLE));
        g_assert_null(facts->subject);
        GString *text = g_string_new(NULL);
        tlsdiag_cert_describe(text, facts, findings, "www.example", CAPTURE_TIME);
        g_string_free(text, TRUE);
        tlsdiag_cert_facts_free(facts);
    }

    /* Garbage and a 64 KiB certificate of zeros. */
    guint8 *big = g_malloc0(65536);
    for (size_t i = 0; i < 65536; i++)
        big[i] = (guint8)(i * 7919 % 251);
    tlsdiag_der garbage[2] = {{big, 65536}, {NULL, 0}};
    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(garbage, 2);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_UNPARSABLE));
    tlsdiag_cert_facts_free(facts);
    memset(big, 0, 65536);
    facts = tlsdiag_cert_parse(garbage, 1);
    g_assert_cmpuint(tlsdiag_cert_judge(facts, NULL, CAPTURE_TIME), ==, BIT(TLSDIAG_CERT_UNPARSABLE));
    tlsdiag_cert_facts_free(facts);
    g_free(big);

    /* A good leaf after an unparsable CA: the leaf's facts are still there. */
    tlsdiag_der mixed[2] = {c.der[0], {leaf, 10}};
    facts = tlsdiag_cert_parse(mixed, 2);
    g_assert_cmpstr(facts->key, ==, "EC P-256");
    g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", CAPTURE_TIME), ==,
                     BIT(TLSDIAG_CERT_UNPARSABLE) | BIT(TLSDIAG_CERT_INCOMPLETE_CHAIN));
    tlsdiag_cert_facts_free(facts);

    g_assert_null(tlsdiag_cert_parse(c.der, 0));
    chain_clear(&c);
}

static void test_cache_shares_chains(void)
{
    chain c = {0};
    chain_add(&c, "ok");
    chain_add(&c, "intermediate");
    tlsdiag_cert_cache *cache = tlsdiag_cert_cache_new();
    const tlsdiag_cert_facts *first = tlsdiag_cert_read(cache, c.der, 2);
    const tlsdiag_cert_facts *again = tlsdiag_cert_read(cache, c.der, 2);
    const tlsdiag_cert_facts *leaf_only = tlsdiag_cert_read(cache, c.der, 1);
    g_assert_true(first == again);
    g_assert_true(first != leaf_only);
    g_assert_cmpuint(leaf_only->chain_length, ==, 1);
    g_assert_null(tlsdiag_cert_read(cache, c.der, 0));

    /* The same bytes at another address are the same chain. */
    tlsdiag_der copy[2] = {{g_memdup2(c.der[0].der, c.der[0].length), c.der[0].length}, c.der[1]};
    g_assert_true(tlsdiag_cert_read(cache, copy, 2) == first);
    /* A chain with the same lengths and signature bytes but another byte
     * inside (the cache's cheap key alike) is another chain. */
    uint8_t *altered = (uint8_t *)copy[0].der;
    altered[copy[0].length / 2] ^= 0x01;
    const tlsdiag_cert_facts *other = tlsdiag_cert_read(cache, copy, 2);
    g_assert_true(other != first);
    g_assert_true(tlsdiag_cert_read(cache, copy, 2) == other);
    /* and the first chain still reads as itself. */
    g_assert_cmpstr(tlsdiag_cert_read(cache, c.der, 2)->subject, ==, first->subject);
    g_free(altered);
    tlsdiag_cert_cache_free(cache);
    chain_clear(&c);
}

static void test_untrusted_root(void)
{
    tlsdiag_cert_cache *cache = tlsdiag_cert_cache_new();
    chain c = {0};
    chain_add(&c, "ok");
    chain_add(&c, "intermediate");
    /* Without the preference, trust is nobody's business. */
    g_assert_cmpuint(tlsdiag_cert_judge(tlsdiag_cert_read(cache, c.der, 2), "www.example", CAPTURE_TIME),
                     ==, 0);
    tlsdiag_cert_cache_free(cache);

    cache = tlsdiag_cert_cache_new();
    if (tlsdiag_cert_cache_check_trust(cache) == 0) {
        g_test_skip("no system trust store (ca-certificates)");
    } else {
        /* The lab's root is in no system store, sent or not. */
        g_assert_cmpuint(tlsdiag_cert_judge(tlsdiag_cert_read(cache, c.der, 2), "www.example",
                                            CAPTURE_TIME),
                         ==, BIT(TLSDIAG_CERT_UNTRUSTED_ROOT));
        chain_add(&c, "root");
        const tlsdiag_cert_facts *facts = tlsdiag_cert_read(cache, c.der, 3);
        g_assert_cmpuint(tlsdiag_cert_judge(facts, "www.example", CAPTURE_TIME), ==,
                         BIT(TLSDIAG_CERT_UNTRUSTED_ROOT));
        GString *text = g_string_new(NULL);
        tlsdiag_cert_describe(text, facts, BIT(TLSDIAG_CERT_UNTRUSTED_ROOT), "www.example", CAPTURE_TIME);
        g_assert_true(g_str_has_prefix(text->str, "the chain does not lead to a CA of this machine's "
                                                  "trust store (issuer CN=tlsdiag Test Intermediate"));
        g_string_free(text, TRUE);
        /* A leaf alone or a self-signed one has a finding that says more. */
        g_assert_cmpuint(tlsdiag_cert_judge(tlsdiag_cert_read(cache, c.der, 1), "www.example",
                                            CAPTURE_TIME),
                         ==, BIT(TLSDIAG_CERT_INCOMPLETE_CHAIN));
    }
    tlsdiag_cert_cache_free(cache);
    chain_clear(&c);
}

static void test_apple_rules(void)
{
    /* ATS: TLS 1.2 or later, ECDHE suites; TLS 1.3 suites all qualify. */
    g_assert_cmpuint(tlsdiag_apple_judge(TLSDIAG_VERSION_TLS12, 0xC02F, NULL), ==, 0);
    g_assert_cmpuint(tlsdiag_apple_judge(TLSDIAG_VERSION_TLS13, 0x1301, NULL), ==, 0);
    g_assert_cmpuint(tlsdiag_apple_judge(TLSDIAG_VERSION_TLS11, 0xC013, NULL), ==,
                     BIT(TLSDIAG_CERT_APPLE_TLS_VERSION));
    g_assert_cmpuint(tlsdiag_apple_judge(TLSDIAG_VERSION_TLS12, 0x009C, NULL), ==,
                     BIT(TLSDIAG_CERT_APPLE_FORWARD_SECRECY));
    /* Unknown: no ServerHello read, no judgement. */
    g_assert_cmpuint(tlsdiag_apple_judge(0, 0, NULL), ==, 0);
    g_assert_cmpuint(tlsdiag_apple_judge(TLSDIAG_VERSION_TLS12, 0, NULL), ==, 0);

    /* Validity: 25 years from 2026 is too long, one year is not, and a
     * self-signed certificate is no public CA's. */
    const char *names[] = {"generalized", "ok", "selfsigned"};
    const tlsdiag_cert_findings expected[] = {BIT(TLSDIAG_CERT_APPLE_VALIDITY), 0, 0};
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
        chain c = {0};
        chain_add(&c, names[i]);
        tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
        g_assert_cmpuint(tlsdiag_apple_judge(TLSDIAG_VERSION_TLS13, 0x1301, facts), ==, expected[i]);
        tlsdiag_cert_facts_free(facts);
        chain_clear(&c);
    }
    GString *text = g_string_new(NULL);
    tlsdiag_cert_describe(text, NULL, BIT(TLSDIAG_CERT_APPLE_TLS_VERSION), NULL, CAPTURE_TIME);
    g_assert_cmpstr(text->str, ==, "");
    chain c = {0};
    chain_add(&c, "ok");
    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(c.der, c.count);
    tlsdiag_cert_describe(text, facts,
                          BIT(TLSDIAG_CERT_APPLE_TLS_VERSION) | BIT(TLSDIAG_CERT_APPLE_FORWARD_SECRECY),
                          NULL, CAPTURE_TIME);
    g_assert_cmpstr(text->str, ==, "Apple clients with App Transport Security refuse TLS below 1.2; "
                                   "Apple clients with App Transport Security refuse this cipher "
                                   "suite: they require ECDHE with AES or ChaCha20");
    g_string_free(text, TRUE);
    tlsdiag_cert_facts_free(facts);
    chain_clear(&c);
}

static void test_finding_names(void)
{
    g_assert_cmpstr(tlsdiag_cert_finding_name(TLSDIAG_CERT_NAME_MISMATCH), ==, "name_mismatch");
    g_assert_cmpstr(tlsdiag_cert_finding_name(TLSDIAG_CERT_INCOMPLETE_CHAIN), ==, "incomplete_chain");
    g_assert_cmpstr(tlsdiag_cert_finding_name(TLSDIAG_CERT_FINDING_COUNT), ==, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    certs_dir = g_getenv("TLSDIAG_CERTS_DIR");
    if (certs_dir == NULL)
        g_error("TLSDIAG_CERTS_DIR must name plugin/tests/certs");
    g_test_add_func("/certificate/clean-chain-facts", test_clean_chain_facts);
    g_test_add_func("/certificate/pins-match-openssl", test_pins_match_openssl);
    g_test_add_func("/certificate/expired", test_expired);
    g_test_add_func("/certificate/not-yet-valid", test_not_yet_valid);
    g_test_add_func("/certificate/clock-before-2000", test_clock_before_2000);
    g_test_add_func("/certificate/name-mismatch", test_name_mismatch);
    g_test_add_func("/certificate/cn-only", test_cn_only);
    g_test_add_func("/certificate/incomplete-chain", test_incomplete_chain);
    g_test_add_func("/certificate/self-signed", test_self_signed);
    g_test_add_func("/certificate/weak-key-and-signature", test_weak_key_and_signature);
    g_test_add_func("/certificate/generalized-time", test_generalized_time);
    g_test_add_func("/certificate/name-rules", test_name_rules);
    g_test_add_func("/certificate/bad-input", test_bad_input);
    g_test_add_func("/certificate/cache", test_cache_shares_chains);
    g_test_add_func("/certificate/untrusted-root", test_untrusted_root);
    g_test_add_func("/certificate/apple-rules", test_apple_rules);
    g_test_add_func("/certificate/finding-names", test_finding_names);
    return g_test_run();
}
