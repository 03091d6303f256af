/* fuzz_certificate.c
 * libFuzzer harness of the certificate module: the input is cut into a
 * chain of DER certificates, which is parsed (directly and through the
 * cache, twice), judged for a server name and time taken from the input,
 * and described, as the engine does with a server's Certificate message.
 * Whatever the bytes, the module must return facts or nothing, and texts
 * that are UTF-8; a broken promise aborts.
 *
 * Built as fuzz_certificate (TLSDIAG_FUZZ=ON, clang) and as
 * fuzz_certificate_replay, which replays testdata/fuzz/certificate-corpus
 * (the DER fixtures of plugin/tests/certs as chains) in every build:
 *     build-fuzz/plugin/tests/fuzz_certificate /tmp/corpus -max_len=70000
 *
 * Input format:
 *   byte 0      number of certificates (mod TLSDIAG_MAX_CHAIN + 2)
 *   bytes 1..8  capture time in seconds (int64, little-endian)
 *   byte 9      length of the server name, then that many bytes of it
 *   then per certificate: 3-byte big-endian length, then the DER (cut short
 *   where the input ends), as in a TLS 1.2 Certificate message
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "engine/certificate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t take(size_t size, size_t *offset, size_t want)
{
    size_t available = *offset < size ? size - *offset : 0;
    size_t got = want < available ? want : available;
    *offset += got;
    return got;
}

static void check_text(const tlsdiag_cert_facts *facts, tlsdiag_cert_findings findings,
                       const char *name, int64_t time_s)
{
    GString *text = g_string_new(NULL);
    tlsdiag_cert_describe(text, facts, findings, name, time_s);
    if (!g_utf8_validate(text->str, (gssize)text->len, NULL))
        abort();
    if (findings != 0 && facts != NULL && text->len == 0 &&
        findings != ((tlsdiag_cert_findings)1u << TLSDIAG_CERT_CLOCK_BEFORE_2000))
        abort();
    g_string_free(text, TRUE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t offset = 0;
    unsigned count = size > 0 ? data[0] % (TLSDIAG_MAX_CHAIN + 2) : 0;
    offset = 1;
    int64_t time_s = 0;
    size_t start = offset;
    size_t got = take(size, &offset, 8);
    memcpy(&time_s, data + start, got);

    size_t name_length = offset < size ? data[offset] : 0;
    take(size, &offset, 1);
    start = offset;
    got = take(size, &offset, name_length);
    char *name = got > 0 ? g_strndup((const char *)data + start, got) : NULL;

    tlsdiag_der chain[TLSDIAG_MAX_CHAIN + 1];
    unsigned used = 0;
    for (; used < count; used++) {
        uint8_t length_bytes[3] = {0};
        start = offset;
        got = take(size, &offset, 3);
        memcpy(length_bytes, data + start, got);
        size_t length = (size_t)length_bytes[0] << 16 | (size_t)length_bytes[1] << 8 | length_bytes[2];
        start = offset;
        got = take(size, &offset, length);
        chain[used].der = got > 0 ? data + start : NULL;
        chain[used].length = got;
    }

    tlsdiag_cert_facts *facts = tlsdiag_cert_parse(chain, used);
    if ((facts == NULL) != (used == 0))
        abort();
    tlsdiag_cert_findings findings = tlsdiag_cert_judge(facts, name, time_s);
    if (findings >> TLSDIAG_CERT_FINDING_COUNT)
        abort();
    check_text(facts, findings, name, time_s);

    tlsdiag_cert_cache *cache = tlsdiag_cert_cache_new();
    const tlsdiag_cert_facts *cached = tlsdiag_cert_read(cache, chain, used);
    if (cached != tlsdiag_cert_read(cache, chain, used))
        abort();
    if (tlsdiag_cert_judge(cached, name, time_s) != findings)
        abort();
    tlsdiag_cert_cache_free(cache);
    tlsdiag_cert_facts_free(facts);
    g_free(name);
    return 0;
}
