/* test_engine.c
 * Unit tests of the tlsdiag engine: handshakes written as sequences of
 * observations, the verdicts and links they must produce.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include <glib.h>

#include "engine/engine.h"
#include "engine/number_set.h"
#include "engine/reports.h"
#include "engine_fixture.h"

/* ---- building observations ---------------------------------------------- */

#define CLIENT_HOST 1
#define SERVER_HOST 2
#define SERVER_PORT 443

/* One TCP connection: client CLIENT_HOST:port to SERVER_HOST:443. */
typedef struct {
    uint32_t stream;
    tlsdiag_endpoint client;
    tlsdiag_endpoint server;
} connection;

static connection connect_from(uint8_t client_host, uint16_t client_port, uint32_t stream,
                               uint16_t server_port)
{
    connection c = {stream, ipv4(client_host, client_port), ipv4(SERVER_HOST, server_port)};
    return c;
}

static tlsdiag_observation from_client(const connection *c, uint32_t frame, int64_t time_ns)
{
    tlsdiag_observation obs;
    memset(&obs, 0, sizeof obs);
    obs.frame = frame;
    obs.time_ns = time_ns;
    obs.stream = c->stream;
    obs.src = c->client;
    obs.dst = c->server;
    return obs;
}

static tlsdiag_observation from_server(const connection *c, uint32_t frame, int64_t time_ns)
{
    tlsdiag_observation obs = from_client(c, frame, time_ns);
    obs.src = c->server;
    obs.dst = c->client;
    return obs;
}

static void add_record(tlsdiag_observation *obs, uint8_t type)
{
    g_assert_cmpuint(obs->record_count, <, TLSDIAG_MAX_RECORDS);
    obs->record_types[obs->record_count++] = type;
}

static void add_handshake(tlsdiag_observation *obs, uint8_t type)
{
    g_assert_cmpuint(obs->handshake_count, <, TLSDIAG_MAX_HANDSHAKES);
    obs->handshake_types[obs->handshake_count++] = type;
}

static void client_hello(fixture *f, const connection *c, uint32_t frame, int64_t time_ns,
                         uint16_t max_version, bool scsv, const char *sni)
{
    tlsdiag_observation obs = from_client(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&obs, TLSDIAG_HS_CLIENT_HELLO);
    obs.hello_version = max_version > TLSDIAG_VERSION_TLS12 ? TLSDIAG_VERSION_TLS12 : max_version;
    obs.max_supported_version = max_version > TLSDIAG_VERSION_TLS12 ? max_version : 0;
    obs.offers_fallback_scsv = scsv;
    obs.server_name = sni;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void server_hello_tls12_flight(fixture *f, const connection *c, uint32_t frame,
                                      int64_t time_ns, uint16_t version)
{
    tlsdiag_observation obs = from_server(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&obs, TLSDIAG_HS_SERVER_HELLO);
    add_handshake(&obs, TLSDIAG_HS_CERTIFICATE);
    add_handshake(&obs, TLSDIAG_HS_SERVER_KEY_EXCHANGE);
    add_handshake(&obs, TLSDIAG_HS_SERVER_HELLO_DONE);
    obs.hello_version = version;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void client_key_exchange_and_finished(fixture *f, const connection *c, uint32_t frame,
                                             int64_t time_ns)
{
    tlsdiag_observation obs = from_client(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&obs, TLSDIAG_HS_CLIENT_KEY_EXCHANGE);
    add_record(&obs, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE); /* encrypted Finished */
    tlsdiag_engine_observe(f->engine, &obs);
}

static void server_ccs_and_finished(fixture *f, const connection *c, uint32_t frame, int64_t time_ns)
{
    tlsdiag_observation obs = from_server(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE);
    tlsdiag_engine_observe(f->engine, &obs);
}

/* TLS 1.3 server flight as seen without keys: ServerHello, CCS, then
 * opaque records. */
static void server_hello_tls13_flight(fixture *f, const connection *c, uint32_t frame,
                                      int64_t time_ns)
{
    tlsdiag_observation obs = from_server(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE);
    add_record(&obs, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC);
    add_handshake(&obs, TLSDIAG_HS_SERVER_HELLO);
    obs.hello_version = TLSDIAG_VERSION_TLS12;
    obs.max_supported_version = TLSDIAG_VERSION_TLS13;
    obs.opaque_record_count = 1;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void opaque_records(fixture *f, const connection *c, bool client, uint32_t frame,
                           int64_t time_ns)
{
    tlsdiag_observation obs = client ? from_client(c, frame, time_ns) : from_server(c, frame, time_ns);
    obs.opaque_record_count = 1;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void tcp_close(fixture *f, const connection *c, bool client, bool rst, uint32_t frame,
                      int64_t time_ns)
{
    tlsdiag_observation obs = client ? from_client(c, frame, time_ns) : from_server(c, frame, time_ns);
    obs.fin = !rst;
    obs.rst = rst;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void alert(fixture *f, const connection *c, bool client, uint32_t frame, int64_t time_ns,
                  uint8_t level, uint8_t description)
{
    tlsdiag_observation obs = client ? from_client(c, frame, time_ns) : from_server(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_ALERT);
    obs.alerts[0].level = level;
    obs.alerts[0].description = description;
    obs.alert_count = 1;
    tlsdiag_engine_observe(f->engine, &obs);
}

static const tlsdiag_verdict *verdict_at(fixture *f, uint32_t frame)
{
    const tlsdiag_frame_report *report = fixture_report(f, frame);
    if (report == NULL || report->verdict.flag == TLSDIAG_FLAG_NONE)
        return NULL;
    return &report->verdict;
}

static void assert_no_verdict(fixture *f, uint32_t frame)
{
    g_assert_null(verdict_at(f, frame));
}

static char *describe(const tlsdiag_verdict *verdict)
{
    GString *text = g_string_new(NULL);
    tlsdiag_describe_verdict(verdict, text);
    return g_string_free(text, FALSE);
}

/* ---- handshake_aborted and handshake_alert ------------------------------- */

static void test_rst_after_client_hello(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 4, 1 * SEC, TLSDIAG_VERSION_TLS13, false, "example.test");
    tcp_close(f, &c, false, true, 5, 1 * SEC + 412 * MS);

    const tlsdiag_verdict *v = verdict_at(f, 5);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_SERVER);
    g_assert_cmpint(v->close, ==, TLSDIAG_CLOSE_RST);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_CLIENT_HELLO);
    g_assert_cmpuint(v->offered_version, ==, TLSDIAG_VERSION_TLS13);
    g_assert_cmpuint(v->client_hello, ==, 4);
    g_assert_cmpint(v->elapsed_ns, ==, 412 * MS);
    g_assert_cmpstr(v->server_name, ==, "example.test");

    char *text = describe(v);
    g_assert_cmpstr(text, ==,
                    "TLS handshake aborted: server sent RST after the ClientHello (client offered "
                    "up to TLS 1.3), 412 ms after ClientHello (frame 4), no alert");
    g_free(text);

    const tlsdiag_frame_report *hello = fixture_report(f, 4);
    g_assert_nonnull(hello);
    g_assert_cmpint(hello->verdict.flag, ==, TLSDIAG_FLAG_NONE);
    g_assert_cmpuint(hello->ended_by, ==, 5);
}

static void test_tls12_complete_then_fin_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 4, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &c, 6, 10 * MS, TLSDIAG_VERSION_TLS12);
    client_key_exchange_and_finished(f, &c, 8, 20 * MS);
    server_ccs_and_finished(f, &c, 9, 30 * MS);
    /* An idle connection closed seconds later is no rejection. */
    tcp_close(f, &c, true, true, 12, 3 * SEC);

    assert_no_verdict(f, 12);
    g_assert_null(fixture_report(f, 4));
}

/* ---- rejected after the handshake, and the server's certificate ---------- */

static void client_data(fixture *f, const connection *c, uint32_t frame, int64_t time_ns)
{
    tlsdiag_observation obs = from_client(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_APPLICATION_DATA);
    tlsdiag_engine_observe(f->engine, &obs);
}

/* A TLS 1.2 server flight whose Certificate message carries der (NULL:
 * none readable). */
static void server_flight_with_certificate(fixture *f, const connection *c, uint32_t frame,
                                           int64_t time_ns, const uint8_t *der, size_t length)
{
    tlsdiag_observation obs = from_server(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&obs, TLSDIAG_HS_SERVER_HELLO);
    add_handshake(&obs, TLSDIAG_HS_CERTIFICATE);
    add_handshake(&obs, TLSDIAG_HS_SERVER_HELLO_DONE);
    obs.hello_version = TLSDIAG_VERSION_TLS12;
    if (der != NULL) {
        obs.certificates[0].der = der;
        obs.certificates[0].length = length;
        obs.certificate_count = 1;
    }
    tlsdiag_engine_observe(f->engine, &obs);
}

/* A completed TLS 1.2 handshake with a server Certificate message of the
 * given DER (NULL: none readable). */
static void complete_tls12(fixture *f, const connection *c, uint32_t first_frame, const char *sni,
                           const uint8_t *der, size_t der_length)
{
    client_hello(f, c, first_frame, 0, TLSDIAG_VERSION_TLS12, false, sni);
    server_flight_with_certificate(f, c, first_frame + 1, 10 * MS, der, der_length);
    client_key_exchange_and_finished(f, c, first_frame + 2, 20 * MS);
    server_ccs_and_finished(f, c, first_frame + 3, 30 * MS);
}

static const uint8_t *fixture_der(const char *name, size_t *length)
{
    gchar *path = g_strdup_printf("%s/%s.der", g_getenv("TLSDIAG_CERTS_DIR"), name);
    gchar *contents = NULL;
    gsize size = 0;
    if (!g_file_get_contents(path, &contents, &size, NULL))
        g_error("cannot read %s (TLSDIAG_CERTS_DIR)", path);
    g_free(path);
    *length = size;
    return (const uint8_t *)contents;
}

static void test_rejected_after_handshake(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* curl's wrong-name refusal: close_notify 2 ms after the server's
     * Finished, no request. */
    size_t length;
    const uint8_t *der = fixture_der("wrongname", &length);
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    complete_tls12(f, &c, 1, "www.example", der, length);
    alert(f, &c, true, 5, 32 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    tcp_close(f, &c, true, false, 6, 32 * MS);
    const tlsdiag_verdict *v = verdict_at(f, 5);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_ESTABLISHED);
    g_assert_true(v->has_alert);
    g_assert_cmpuint(v->alert, ==, TLSDIAG_ALERT_CLOSE_NOTIFY);
    char *text = describe(v);
    g_assert_true(g_str_has_prefix(text, "Client rejected the server after the handshake: client "
                                         "sent warning alert close_notify (0) 2.000 ms after the "
                                         "handshake completed (TLS 1.2), without sending any "
                                         "application data"));
    g_assert_nonnull(strstr(text, "certificate for shop.example only, client asked for www.example"));
    g_free(text);
    assert_no_verdict(f, 6);

    /* A bare RST as fast is the same refusal. */
    connection d = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    complete_tls12(f, &d, 11, "www.example", der, length);
    tcp_close(f, &d, true, true, 15, 40 * MS);
    g_assert_cmpint(verdict_at(f, 15)->flag, ==, TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE);
    g_assert_cmpint(verdict_at(f, 15)->close, ==, TLSDIAG_CLOSE_RST);

    /* A fatal alert is a refusal whatever the certificate. */
    connection e = connect_from(CLIENT_HOST, 40002, 2, SERVER_PORT);
    complete_tls12(f, &e, 21, NULL, NULL, 0);
    alert(f, &e, true, 25, 31 * MS, TLSDIAG_ALERT_LEVEL_FATAL, 46);
    g_assert_cmpint(verdict_at(f, 25)->flag, ==, TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE);
    g_free((gpointer)der);
}

static void test_probe_is_no_rejection(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* A health check or openssl s_client: handshake, close_notify, gone,
     * with a certificate that covers the name asked for. */
    size_t length;
    const uint8_t *der = fixture_der("ok", &length);
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    complete_tls12(f, &c, 1, "www.example", der, length);
    alert(f, &c, true, 5, 32 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    assert_no_verdict(f, 5);
    g_free((gpointer)der);
}

static void test_not_rejected_after_handshake(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* A request, then a close: the client used the connection. */
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    complete_tls12(f, &c, 1, NULL, NULL, 0);
    client_data(f, &c, 5, 31 * MS);
    alert(f, &c, true, 6, 32 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    assert_no_verdict(f, 6);

    /* The request and the close in one frame. */
    connection d = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    complete_tls12(f, &d, 11, NULL, NULL, 0);
    tlsdiag_observation obs = from_client(&d, 15, 31 * MS);
    add_record(&obs, TLSDIAG_RECORD_APPLICATION_DATA);
    obs.fin = true;
    tlsdiag_engine_observe(f->engine, &obs);
    assert_no_verdict(f, 15);

    /* The server closes first: not the client's refusal. */
    connection e = connect_from(CLIENT_HOST, 40002, 2, SERVER_PORT);
    complete_tls12(f, &e, 21, NULL, NULL, 0);
    tcp_close(f, &e, false, false, 25, 31 * MS);
    tcp_close(f, &e, true, false, 26, 32 * MS);
    assert_no_verdict(f, 25);
    assert_no_verdict(f, 26);

    /* TLS 1.3 without keys: the client's first record after the handshake
     * may be a request or a close_notify; tlsdiag does not guess. */
    connection g = connect_from(CLIENT_HOST, 40003, 3, SERVER_PORT);
    client_hello(f, &g, 31, 0, TLSDIAG_VERSION_TLS13, false, NULL);
    server_hello_tls13_flight(f, &g, 32, 10 * MS);
    opaque_records(f, &g, true, 33, 20 * MS);
    opaque_records(f, &g, false, 34, 30 * MS);
    tlsdiag_observation close13 = from_client(&g, 35, 31 * MS);
    close13.opaque_record_count = 1;
    close13.fin = true;
    tlsdiag_engine_observe(f->engine, &close13);
    assert_no_verdict(f, 35);
}

static void test_certificate_explains_alert(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    size_t length;
    const uint8_t *der = fixture_der("wrongname", &length);
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 1796558400LL * SEC, TLSDIAG_VERSION_TLS12, false, "www.example");
    server_flight_with_certificate(f, &c, 2, 1796558400LL * SEC + 10 * MS, der, length);
    alert(f, &c, true, 3, 1796558400LL * SEC + 11 * MS, TLSDIAG_ALERT_LEVEL_FATAL, 42);

    const tlsdiag_verdict *v = verdict_at(f, 3);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ALERT);
    g_assert_nonnull(v->certificate);
    /* Sent alone, signed by an intermediate: the chain is incomplete too. */
    g_assert_cmpuint(v->certificate_findings, ==,
                     (1u << TLSDIAG_CERT_NAME_MISMATCH) | (1u << TLSDIAG_CERT_INCOMPLETE_CHAIN));
    g_assert_true(tlsdiag_verdict_concerns_certificate(v));
    char *text = describe(v);
    g_assert_nonnull(strstr(text, "; the server's certificate: certificate for shop.example only, "
                                  "client asked for www.example; server did not send the "
                                  "intermediate CA"));
    g_free(text);
    g_free((gpointer)der);
}

static void test_certificate_not_on_server_failures(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* A server RST after its own flight is not the client's judgement. */
    size_t length;
    const uint8_t *der = fixture_der("expired", &length);
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 1796558400LL * SEC, TLSDIAG_VERSION_TLS12, false, "www.example");
    server_flight_with_certificate(f, &c, 2, 1796558400LL * SEC + 10 * MS, der, length);
    tcp_close(f, &c, false, true, 3, 1796558400LL * SEC + 11 * MS);
    const tlsdiag_verdict *v = verdict_at(f, 3);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_false(tlsdiag_verdict_concerns_certificate(v));
    char *text = describe(v);
    g_assert_null(strstr(text, "certificate"));
    g_free(text);

    /* A clean completed handshake with an expired certificate raises
     * nothing: a finding alone is no failure. */
    connection d = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    complete_tls12(f, &d, 11, "www.example", der, length);
    client_data(f, &d, 15, 31 * MS);
    for (uint32_t frame = 11; frame <= 15; frame++)
        assert_no_verdict(f, frame);
    g_free((gpointer)der);
}

static void test_certificate_changed(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* Two servers behind www.example with different keys; the client pins
     * the first: it uses connection a, and leaves b at once. */
    size_t length_a, length_b;
    const uint8_t *der_a = fixture_der("ok", &length_a);
    const uint8_t *der_b = fixture_der("rsa1024", &length_b);
    connection a = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    complete_tls12(f, &a, 1, "www.example", der_a, length_a);
    client_data(f, &a, 5, 31 * MS);
    assert_no_verdict(f, 5);

    connection b = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    complete_tls12(f, &b, 11, "www.example", der_b, length_b);
    alert(f, &b, true, 15, 31 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    const tlsdiag_verdict *v = verdict_at(f, 15);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_CERTIFICATE_CHANGED);
    g_assert_cmpuint(v->certificate_other_frame, ==, 5);
    g_assert_cmpstr(v->certificate_other_pin, ==, "DKR92RYqPgzpb/PKt4UHtnR+KkD0EAVnuDfc1amTVUQ=");
    char *text = describe(v);
    g_assert_nonnull(strstr(text, "without sending application data; the server presented the key "
                                  "sha256//OZynhxJGJZXJ2tfx93PGX0SwoZGpVpOHcizbhebNEgE=, while the "
                                  "connection in frame 5 to www.example was used with the key "
                                  "sha256//DKR92RYqPgzpb/PKt4UHtnR+KkD0EAVnuDfc1amTVUQ="));
    g_free(text);

    /* The same key again: a probe, nothing to say. */
    connection c = connect_from(CLIENT_HOST, 40002, 2, SERVER_PORT);
    complete_tls12(f, &c, 21, "www.example", der_a, length_a);
    alert(f, &c, true, 25, 31 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    assert_no_verdict(f, 25);

    /* Without SNI the server is its address and port: another server. */
    connection d = connect_from(CLIENT_HOST, 40003, 3, SERVER_PORT);
    complete_tls12(f, &d, 31, NULL, der_b, length_b);
    alert(f, &d, true, 35, 31 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    assert_no_verdict(f, 35);

    /* A client alert in the handshake with the other key is the same story. */
    connection e = connect_from(CLIENT_HOST, 40004, 4, SERVER_PORT);
    client_hello(f, &e, 41, 0, TLSDIAG_VERSION_TLS12, false, "www.example");
    server_flight_with_certificate(f, &e, 42, 10 * MS, der_b, length_b);
    alert(f, &e, true, 43, 11 * MS, TLSDIAG_ALERT_LEVEL_FATAL, 46);
    g_assert_cmpint(verdict_at(f, 43)->flag, ==, TLSDIAG_FLAG_CERTIFICATE_CHANGED);

    /* A FIN right after the server's flight is the same story; a FIN after
     * the client's own Finished is not (it accepted the key). */
    connection g = connect_from(CLIENT_HOST, 40005, 5, SERVER_PORT);
    client_hello(f, &g, 51, 0, TLSDIAG_VERSION_TLS12, false, "www.example");
    server_flight_with_certificate(f, &g, 52, 10 * MS, der_b, length_b);
    tcp_close(f, &g, true, false, 53, 11 * MS);
    g_assert_cmpint(verdict_at(f, 53)->flag, ==, TLSDIAG_FLAG_CERTIFICATE_CHANGED);
    /* Seconds after the others, so that no sibling that got ready makes
     * this close a surplus one. */
    connection h = connect_from(CLIENT_HOST, 40006, 6, SERVER_PORT);
    client_hello(f, &h, 61, 5 * SEC, TLSDIAG_VERSION_TLS12, false, "www.example");
    server_flight_with_certificate(f, &h, 62, 5 * SEC + 10 * MS, der_b, length_b);
    client_key_exchange_and_finished(f, &h, 63, 5 * SEC + 20 * MS);
    tcp_close(f, &h, true, false, 64, 5 * SEC + 21 * MS);
    g_assert_cmpint(verdict_at(f, 64)->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_free((gpointer)der_a);
    g_free((gpointer)der_b);
}

static void test_certificate_changed_needs_earlier_use(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* The refusal comes first: the first pass cannot know of the later
     * connection, and both passes must agree. A close_notify without other
     * evidence is a probe. */
    size_t length_a, length_b;
    const uint8_t *der_a = fixture_der("ok", &length_a);
    const uint8_t *der_b = fixture_der("rsa1024", &length_b);
    connection b = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    complete_tls12(f, &b, 11, "www.example", der_b, length_b);
    alert(f, &b, true, 15, 31 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    connection a = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    complete_tls12(f, &a, 21, "www.example", der_a, length_a);
    client_data(f, &a, 25, 31 * MS);
    assert_no_verdict(f, 15);
    assert_no_verdict(f, 25);

    /* A connection that completed but was never used proves no key. */
    connection c = connect_from(CLIENT_HOST, 40002, 2, 8443);
    complete_tls12(f, &c, 31, NULL, der_a, length_a);
    alert(f, &c, true, 35, 31 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    connection d = connect_from(CLIENT_HOST, 40003, 3, 8443);
    complete_tls12(f, &d, 41, NULL, der_b, length_b);
    alert(f, &d, true, 45, 31 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    assert_no_verdict(f, 45);
    g_free((gpointer)der_a);
    g_free((gpointer)der_b);
}

static void test_apple_rules_from_the_server_hello(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* TLS 1.2 with AES128-GCM-SHA256 (0x009c, RSA key exchange): an iOS
     * app's ATS refuses it; the finding names it on the client's close. */
    size_t length;
    const uint8_t *der = fixture_der("ok", &length);
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 1796558400LL * SEC, TLSDIAG_VERSION_TLS12, false, "www.example");
    tlsdiag_observation hello = from_server(&c, 2, 1796558400LL * SEC + 10 * MS);
    add_record(&hello, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&hello, TLSDIAG_HS_SERVER_HELLO);
    hello.hello_version = TLSDIAG_VERSION_TLS12;
    hello.hello_read = true;
    hello.cipher_suite = 0x009C;
    tlsdiag_engine_observe(f->engine, &hello);
    tlsdiag_observation flight = from_server(&c, 3, 1796558400LL * SEC + 11 * MS);
    add_record(&flight, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&flight, TLSDIAG_HS_CERTIFICATE);
    add_handshake(&flight, TLSDIAG_HS_SERVER_HELLO_DONE);
    flight.certificates[0].der = der;
    flight.certificates[0].length = length;
    flight.certificate_count = 1;
    tlsdiag_engine_observe(f->engine, &flight);
    tcp_close(f, &c, true, false, 4, 1796558400LL * SEC + 12 * MS);
    const tlsdiag_verdict *v = verdict_at(f, 4);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_cmpuint(v->certificate_findings, ==,
                     (1u << TLSDIAG_CERT_INCOMPLETE_CHAIN) | (1u << TLSDIAG_CERT_APPLE_FORWARD_SECRECY));
    g_free((gpointer)der);
}

static void test_tls13_certificate_hidden(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS13, false, "www.example");
    server_hello_tls13_flight(f, &c, 2, 10 * MS);
    tcp_close(f, &c, true, false, 3, 12 * MS);
    char *text = describe(verdict_at(f, 3));
    g_assert_nonnull(strstr(text, "; in TLS 1.3 the server's certificate is encrypted: a key log "
                                  "(tls.keylog_file) would show it"));
    g_free(text);
}

static void test_tls12_stages(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* FIN from the client right after the ServerHello flight, and a server
     * RST after the client's key exchange on a second connection. */
    connection a = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &a, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &a, 2, 5 * MS, TLSDIAG_VERSION_TLS12);
    tcp_close(f, &a, true, false, 3, 6 * MS);
    g_assert_cmpint(verdict_at(f, 3)->stage, ==, TLSDIAG_STAGE_SERVER_FLIGHT);
    g_assert_cmpint(verdict_at(f, 3)->side, ==, TLSDIAG_SIDE_CLIENT);
    g_assert_cmpint(verdict_at(f, 3)->close, ==, TLSDIAG_CLOSE_FIN);
    g_assert_cmpuint(verdict_at(f, 3)->negotiated_version, ==, TLSDIAG_VERSION_TLS12);

    connection b = connect_from(3, 40001, 1, SERVER_PORT);
    client_hello(f, &b, 11, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &b, 12, 5 * MS, TLSDIAG_VERSION_TLS12);
    client_key_exchange_and_finished(f, &b, 13, 6 * MS);
    tcp_close(f, &b, false, true, 14, 7 * MS);
    g_assert_cmpint(verdict_at(f, 14)->stage, ==, TLSDIAG_STAGE_CLIENT_FLIGHT);
    char *text = describe(verdict_at(f, 14));
    g_assert_true(g_str_has_prefix(
        text, "TLS handshake aborted: server sent RST after the client's key exchange and Finished "
              "(TLS 1.2)"));
    g_free(text);
}

static void test_tls13_server_must_confirm(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* The client's Finished without any server record after it: a FIN then
     * is an abort at client_flight. With a server record, it is complete. */
    connection a = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &a, 1, 0, TLSDIAG_VERSION_TLS13, false, NULL);
    server_hello_tls13_flight(f, &a, 2, 5 * MS);
    opaque_records(f, &a, true, 3, 6 * MS);
    tcp_close(f, &a, false, false, 4, 7 * MS);
    g_assert_cmpint(verdict_at(f, 4)->stage, ==, TLSDIAG_STAGE_CLIENT_FLIGHT);
    g_assert_true(verdict_at(f, 4)->tls13);

    connection b = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    client_hello(f, &b, 11, 0, TLSDIAG_VERSION_TLS13, false, NULL);
    server_hello_tls13_flight(f, &b, 12, 5 * MS);
    opaque_records(f, &b, true, 13, 6 * MS);
    opaque_records(f, &b, false, 14, 7 * MS);
    tcp_close(f, &b, false, false, 15, 8 * MS);
    assert_no_verdict(f, 15);
}

static void test_tls13_hello_retry_request(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* HelloRetryRequest: a ServerHello and a CCS with no encryption yet,
     * then a second ClientHello. The CCS must not count as the flight. */
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS13, false, NULL);
    tlsdiag_observation hrr = from_server(&c, 2, 1 * MS);
    add_record(&hrr, TLSDIAG_RECORD_HANDSHAKE);
    add_record(&hrr, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC);
    add_handshake(&hrr, TLSDIAG_HS_SERVER_HELLO);
    hrr.hello_version = TLSDIAG_VERSION_TLS12;
    hrr.max_supported_version = TLSDIAG_VERSION_TLS13;
    tlsdiag_engine_observe(f->engine, &hrr);
    client_hello(f, &c, 3, 2 * MS, TLSDIAG_VERSION_TLS13, false, NULL);
    tcp_close(f, &c, false, true, 4, 3 * MS);

    const tlsdiag_verdict *v = verdict_at(f, 4);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_SERVER_HELLO);
    g_assert_cmpuint(v->client_hello, ==, 1);
    assert_no_verdict(f, 3);
}

static void test_fatal_alert_then_fin(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &c, 2, 5 * MS, TLSDIAG_VERSION_TLS12);
    alert(f, &c, true, 3, 6 * MS, TLSDIAG_ALERT_LEVEL_FATAL, 48);
    tcp_close(f, &c, true, false, 4, 7 * MS);

    const tlsdiag_verdict *v = verdict_at(f, 3);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ALERT);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
    g_assert_cmpuint(v->alert, ==, 48);
    g_assert_cmpint(v->close, ==, TLSDIAG_CLOSE_NONE);
    char *text = describe(v);
    g_assert_nonnull(strstr(text, "client sent fatal alert unknown_ca (48) after the server's "
                                  "flight"));
    g_assert_nonnull(strstr(text, "the client does not trust the CA of the server's certificate"));
    g_free(text);
    /* The FIN is part of the alert's story. */
    assert_no_verdict(f, 4);
}

static void test_warning_alert_does_not_end_handshake(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS12, false, "unknown.test");
    alert(f, &c, false, 2, 1 * MS, TLSDIAG_ALERT_LEVEL_WARNING, 112);
    assert_no_verdict(f, 2);
    tcp_close(f, &c, false, true, 3, 2 * MS);
    g_assert_cmpint(verdict_at(f, 3)->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
}

static void test_encrypted_alert(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &c, 2, 5 * MS, TLSDIAG_VERSION_TLS12);
    tlsdiag_observation obs = from_client(&c, 3, 6 * MS);
    add_record(&obs, TLSDIAG_RECORD_ALERT); /* no readable description */
    tlsdiag_engine_observe(f->engine, &obs);

    const tlsdiag_verdict *v = verdict_at(f, 3);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ALERT);
    g_assert_true(v->alert_encrypted);
}

static void test_retransmissions_counted_not_replayed(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 4, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    tlsdiag_observation again = from_client(&c, 6, 200 * MS);
    again.retransmission = true;
    add_record(&again, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&again, TLSDIAG_HS_CLIENT_HELLO);
    tlsdiag_engine_observe(f->engine, &again);
    tcp_close(f, &c, false, true, 7, 201 * MS);

    const tlsdiag_verdict *v = verdict_at(f, 7);
    g_assert_cmpuint(v->client_hello, ==, 4);
    g_assert_cmpuint(v->client_hello_retransmissions, ==, 1);
    g_assert_cmpuint(tlsdiag_verdict_retransmissions(v), ==, 1);
    char *text = describe(v);
    g_assert_true(g_str_has_suffix(text, "no alert; ClientHello retransmitted once"));
    g_free(text);
}

static void test_frames_without_client_hello_are_ignored(fixture *f,
                                                         gconstpointer data G_GNUC_UNUSED)
{
    /* A capture that starts mid-connection: application data and a RST. */
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    opaque_records(f, &c, false, 1, 0);
    tcp_close(f, &c, true, true, 2, 1 * MS);
    g_assert_null(fixture_report(f, 1));
    g_assert_null(fixture_report(f, 2));
}

/* ---- fallback chains ------------------------------------------------------ */

static void failed_attempt(fixture *f, uint32_t stream, uint16_t client_port, uint32_t frame,
                           int64_t time_ns, uint16_t version, bool scsv)
{
    connection c = connect_from(CLIENT_HOST, client_port, stream, SERVER_PORT);
    client_hello(f, &c, frame, time_ns, version, scsv, "www.example.test");
    tcp_close(f, &c, false, true, frame + 1, time_ns + 1 * MS);
}

static void test_fallback_chain_of_the_report(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* 1.2 reset, 1.1 reset, 1.0 + SCSV refused with inappropriate_fallback. */
    failed_attempt(f, 0, 50000, 4, 0, TLSDIAG_VERSION_TLS12, false);
    failed_attempt(f, 1, 50001, 14, 100 * MS, TLSDIAG_VERSION_TLS11, false);
    connection last = connect_from(CLIENT_HOST, 50002, 2, SERVER_PORT);
    client_hello(f, &last, 24, 200 * MS, TLSDIAG_VERSION_TLS10, true, "www.example.test");
    alert(f, &last, false, 26, 201 * MS, TLSDIAG_ALERT_LEVEL_FATAL, 86);

    const tlsdiag_verdict *first_retry = verdict_at(f, 14);
    g_assert_cmpint(first_retry->flag, ==, TLSDIAG_FLAG_VERSION_FALLBACK);
    g_assert_cmpuint(first_retry->previous.client_hello, ==, 4);
    g_assert_cmpuint(first_retry->previous.frame, ==, 5);
    g_assert_cmpuint(first_retry->fallback_from, ==, TLSDIAG_VERSION_TLS12);
    g_assert_cmpuint(first_retry->fallback_to, ==, TLSDIAG_VERSION_TLS11);
    g_assert_cmpuint(first_retry->attempt, ==, 1);
    g_assert_false(first_retry->fallback_scsv);

    const tlsdiag_verdict *second_retry = verdict_at(f, 24);
    g_assert_cmpint(second_retry->flag, ==, TLSDIAG_FLAG_VERSION_FALLBACK);
    g_assert_cmpuint(second_retry->previous.client_hello, ==, 14);
    g_assert_cmpuint(second_retry->previous.frame, ==, 15);
    g_assert_cmpuint(second_retry->origin.frame, ==, 5);
    g_assert_cmpuint(second_retry->attempt, ==, 2);
    g_assert_true(second_retry->fallback_scsv);

    char *retry_text = describe(second_retry);
    g_assert_cmpstr(retry_text, ==,
                    "Version fallback: the client retries with at most TLS 1.0 instead of TLS 1.1, "
                    "99 ms after its attempt with ClientHello frame 14 failed: server RST after "
                    "the ClientHello (frame 15); retry 2 of a chain that started with server RST "
                    "after the ClientHello (frame 5); offers TLS_FALLBACK_SCSV");
    g_free(retry_text);

    const tlsdiag_verdict *rejected = verdict_at(f, 26);
    g_assert_cmpint(rejected->flag, ==, TLSDIAG_FLAG_FALLBACK_REJECTED);
    g_assert_cmpuint(rejected->origin.frame, ==, 5);
    g_assert_cmpint(rejected->origin.close, ==, TLSDIAG_CLOSE_RST);
    char *text = describe(rejected);
    g_assert_nonnull(strstr(text, "Investigate the failure that started the fallback, not the "
                                  "cipher or protocol configuration: server RST after the "
                                  "ClientHello (frame 5)"));
    g_free(text);

    /* Forward links, shown from the second pass on. */
    g_assert_cmpuint(fixture_report(f, 5)->retried_by, ==, 14);
    g_assert_cmpuint(fixture_report(f, 15)->retried_by, ==, 24);
    g_assert_cmpuint(fixture_report(f, 24)->ended_by, ==, 26);
}

static void test_same_version_retries(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    failed_attempt(f, 0, 50000, 1, 0, TLSDIAG_VERSION_TLS12, false);
    failed_attempt(f, 1, 50001, 11, 1 * SEC, TLSDIAG_VERSION_TLS12, false);
    failed_attempt(f, 2, 50002, 21, 2 * SEC, TLSDIAG_VERSION_TLS12, false);

    g_assert_cmpint(verdict_at(f, 11)->flag, ==, TLSDIAG_FLAG_RETRY_AFTER_FAILURE);
    g_assert_cmpuint(verdict_at(f, 11)->attempt, ==, 1);
    g_assert_cmpint(verdict_at(f, 21)->flag, ==, TLSDIAG_FLAG_RETRY_AFTER_FAILURE);
    g_assert_cmpuint(verdict_at(f, 21)->attempt, ==, 2);
    g_assert_cmpuint(verdict_at(f, 21)->previous.client_hello, ==, 11);
    g_assert_cmpuint(verdict_at(f, 21)->origin.client_hello, ==, 1);
}

static void test_window(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    failed_attempt(f, 0, 50000, 1, 0, TLSDIAG_VERSION_TLS12, false);
    connection late = connect_from(CLIENT_HOST, 50001, 1, SERVER_PORT);
    client_hello(f, &late, 11, 61 * SEC, TLSDIAG_VERSION_TLS11, false, "www.example.test");
    assert_no_verdict(f, 11);

    /* Inside the window by a hair. */
    failed_attempt(f, 2, 50002, 21, 100 * SEC, TLSDIAG_VERSION_TLS12, false);
    connection in_time = connect_from(CLIENT_HOST, 50003, 3, SERVER_PORT);
    client_hello(f, &in_time, 31, 160 * SEC + 1 * MS, TLSDIAG_VERSION_TLS11, false,
                 "www.example.test");
    g_assert_cmpint(verdict_at(f, 31)->flag, ==, TLSDIAG_FLAG_VERSION_FALLBACK);
}

static void test_absurd_timestamps(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* A corrupt capture: the ClientHello at the far past, the RST at the
     * far future, the retry back in the past. No overflow, no link. */
    connection c = connect_from(CLIENT_HOST, 50000, 0, SERVER_PORT);
    client_hello(f, &c, 1, INT64_MIN + 1, TLSDIAG_VERSION_TLS12, false, NULL);
    tcp_close(f, &c, false, true, 2, INT64_MAX);
    g_assert_cmpint(verdict_at(f, 2)->elapsed_ns, ==, INT64_MAX);

    connection retry = connect_from(CLIENT_HOST, 50001, 1, SERVER_PORT);
    client_hello(f, &retry, 3, INT64_MIN, TLSDIAG_VERSION_TLS11, false, NULL);
    assert_no_verdict(f, 3);
}

static void test_scsv_without_failure(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 50000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS11, true, NULL);
    const tlsdiag_verdict *v = verdict_at(f, 1);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_FALLBACK_SCSV);
    g_assert_cmpuint(v->previous.frame, ==, 0);
}

static void test_not_the_same_client_or_server(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    failed_attempt(f, 0, 50000, 1, 0, TLSDIAG_VERSION_TLS12, false);

    /* Another client address (two users behind different addresses). */
    connection other_client = connect_from(7, 50000, 1, SERVER_PORT);
    client_hello(f, &other_client, 11, 1 * SEC, TLSDIAG_VERSION_TLS11, false, "www.example.test");
    assert_no_verdict(f, 11);

    /* Same client, another service on the same host. */
    connection other_port = connect_from(CLIENT_HOST, 50001, 2, 8443);
    client_hello(f, &other_port, 21, 1 * SEC, TLSDIAG_VERSION_TLS11, false, "www.example.test");
    assert_no_verdict(f, 21);

    /* Same client and server address, another name (virtual hosts). */
    connection other_name = connect_from(CLIENT_HOST, 50002, 3, SERVER_PORT);
    client_hello(f, &other_name, 31, 1 * SEC, TLSDIAG_VERSION_TLS11, false, "api.example.test");
    assert_no_verdict(f, 31);

    /* A higher version is no fallback and no retry. */
    connection higher = connect_from(CLIENT_HOST, 50003, 4, SERVER_PORT);
    client_hello(f, &higher, 41, 1 * SEC, TLSDIAG_VERSION_TLS13, false, "www.example.test");
    assert_no_verdict(f, 41);

    /* The failure still waits for its retry. */
    connection retry = connect_from(CLIENT_HOST, 50004, 5, SERVER_PORT);
    client_hello(f, &retry, 51, 2 * SEC, TLSDIAG_VERSION_TLS11, false, "www.example.test");
    g_assert_cmpint(verdict_at(f, 51)->flag, ==, TLSDIAG_FLAG_VERSION_FALLBACK);
}

static void test_downgrade_succeeded(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    failed_attempt(f, 0, 50000, 1, 0, TLSDIAG_VERSION_TLS12, false);
    connection retry = connect_from(CLIENT_HOST, 50001, 1, SERVER_PORT);
    client_hello(f, &retry, 11, 1 * SEC, TLSDIAG_VERSION_TLS11, false, "www.example.test");
    server_hello_tls12_flight(f, &retry, 12, 1 * SEC, TLSDIAG_VERSION_TLS11);
    client_key_exchange_and_finished(f, &retry, 13, 1 * SEC);
    server_ccs_and_finished(f, &retry, 14, 1 * SEC);

    const tlsdiag_frame_report *hello = fixture_report(f, 11);
    g_assert_cmpuint(hello->retry_completed, ==, 14);
    g_assert_cmpuint(hello->retry_completed_version, ==, TLSDIAG_VERSION_TLS11);
    GString *text = g_string_new(NULL);
    tlsdiag_describe_retry_completed(hello, text);
    g_assert_cmpstr(text->str, ==,
                    "This retry completed its handshake in frame 14 (TLS 1.1): the downgrade "
                    "succeeded; without TLS_FALLBACK_SCSV the server could not tell it from a "
                    "client that supports no more");
    g_string_free(text, TRUE);
}

static void test_one_failure_one_retry(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    failed_attempt(f, 0, 50000, 1, 0, TLSDIAG_VERSION_TLS12, false);
    connection first = connect_from(CLIENT_HOST, 50001, 1, SERVER_PORT);
    client_hello(f, &first, 11, 1 * SEC, TLSDIAG_VERSION_TLS11, false, "www.example.test");
    connection parallel = connect_from(CLIENT_HOST, 50002, 2, SERVER_PORT);
    client_hello(f, &parallel, 12, 1 * SEC, TLSDIAG_VERSION_TLS11, false, "www.example.test");
    g_assert_cmpint(verdict_at(f, 11)->flag, ==, TLSDIAG_FLAG_VERSION_FALLBACK);
    assert_no_verdict(f, 12);
}

/* ---- mutual TLS and HTTP 403 ---------------------------------------------- */

/* A TLS 1.2 handshake where the server asks for a client certificate and
 * the client answers with one (certificate_list_length 0: an empty one). */
static void mutual_tls12_handshake(fixture *f, const connection *c, uint32_t first_frame,
                                   uint32_t client_certificate_length)
{
    client_hello(f, c, first_frame, 0, TLSDIAG_VERSION_TLS12, false, NULL);

    tlsdiag_observation flight = from_server(c, first_frame + 1, 1 * MS);
    add_record(&flight, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&flight, TLSDIAG_HS_SERVER_HELLO);
    add_handshake(&flight, TLSDIAG_HS_CERTIFICATE);
    add_handshake(&flight, TLSDIAG_HS_CERTIFICATE_REQUEST);
    add_handshake(&flight, TLSDIAG_HS_SERVER_HELLO_DONE);
    flight.hello_version = TLSDIAG_VERSION_TLS12;
    flight.has_certificate_list = true;
    flight.certificate_list_length = 800;
    tlsdiag_engine_observe(f->engine, &flight);

    tlsdiag_observation answer = from_client(c, first_frame + 2, 2 * MS);
    add_record(&answer, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&answer, TLSDIAG_HS_CERTIFICATE);
    add_handshake(&answer, TLSDIAG_HS_CLIENT_KEY_EXCHANGE);
    add_record(&answer, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC);
    add_record(&answer, TLSDIAG_RECORD_HANDSHAKE);
    answer.has_certificate_list = true;
    answer.certificate_list_length = client_certificate_length;
    tlsdiag_engine_observe(f->engine, &answer);

    server_ccs_and_finished(f, c, first_frame + 3, 3 * MS);
}

static void application_data(fixture *f, const connection *c, bool client, uint32_t frame,
                             uint16_t http_status)
{
    tlsdiag_observation obs = client ? from_client(c, frame, 10 * MS) : from_server(c, frame, 10 * MS);
    add_record(&obs, TLSDIAG_RECORD_APPLICATION_DATA);
    if (http_status != 0)
        obs.http_statuses[obs.http_status_count++] = http_status;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void encrypted_alert(fixture *f, const connection *c, bool client, uint32_t frame)
{
    tlsdiag_observation obs = client ? from_client(c, frame, 11 * MS) : from_server(c, frame, 11 * MS);
    add_record(&obs, TLSDIAG_RECORD_ALERT);
    tlsdiag_engine_observe(f->engine, &obs);
}

static void test_alert_after_403(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    mutual_tls12_handshake(f, &c, 1, 1500);
    application_data(f, &c, true, 5, 0);
    application_data(f, &c, false, 6, 403);
    alert(f, &c, true, 7, 11 * MS, TLSDIAG_ALERT_LEVEL_FATAL, 20);
    tcp_close(f, &c, true, false, 8, 12 * MS);

    const tlsdiag_verdict *v = verdict_at(f, 7);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_ALERT_AFTER_403);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
    g_assert_cmpuint(v->http403, ==, 6);
    g_assert_cmpuint(v->alert, ==, 20);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_ESTABLISHED);
    g_assert_cmpint(v->client_certificate, ==, TLSDIAG_CLIENT_CERT_SENT);
    char *text = describe(v);
    g_assert_true(g_str_has_prefix(text, "TLS alert after HTTP 403 on mutual TLS: client sent fatal "
                                         "alert bad_record_mac (20) after the 403 response in "
                                         "frame 6; "));
    g_free(text);
    assert_no_verdict(f, 8);
    /* Not a handshake failure: nothing to link from the ClientHello. */
    g_assert_null(fixture_report(f, 1));
}

static void test_close_after_403(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    mutual_tls12_handshake(f, &c, 1, 1500);
    application_data(f, &c, false, 6, 403);
    tcp_close(f, &c, false, false, 7, 12 * MS);
    const tlsdiag_verdict *v = verdict_at(f, 7);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_ALERT_AFTER_403);
    g_assert_cmpint(v->close, ==, TLSDIAG_CLOSE_FIN);
    g_assert_false(v->has_alert);
}

static void test_403_then_200_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    mutual_tls12_handshake(f, &c, 1, 1500);
    application_data(f, &c, false, 6, 403);
    application_data(f, &c, true, 7, 0);
    application_data(f, &c, false, 8, 200);
    alert(f, &c, true, 9, 11 * MS, TLSDIAG_ALERT_LEVEL_WARNING, TLSDIAG_ALERT_CLOSE_NOTIFY);
    assert_no_verdict(f, 9);
}

static void test_403_without_client_certificate(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* The server asked, the client sent an empty Certificate: no mutual TLS. */
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    mutual_tls12_handshake(f, &c, 1, 0);
    application_data(f, &c, false, 6, 403);
    alert(f, &c, true, 7, 11 * MS, TLSDIAG_ALERT_LEVEL_FATAL, 20);
    assert_no_verdict(f, 7);

    /* Nobody asked for a certificate at all. */
    connection plain = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    client_hello(f, &plain, 11, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &plain, 12, 1 * MS, TLSDIAG_VERSION_TLS12);
    client_key_exchange_and_finished(f, &plain, 13, 2 * MS);
    server_ccs_and_finished(f, &plain, 14, 3 * MS);
    application_data(f, &plain, false, 15, 403);
    alert(f, &plain, true, 16, 11 * MS, TLSDIAG_ALERT_LEVEL_FATAL, 20);
    assert_no_verdict(f, 16);
}

static void test_possible_alert_without_keys(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    mutual_tls12_handshake(f, &c, 1, 1500);
    application_data(f, &c, true, 5, 0);
    application_data(f, &c, false, 6, 0);
    encrypted_alert(f, &c, true, 7);
    const tlsdiag_verdict *v = verdict_at(f, 7);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_POSSIBLE_ALERT_AFTER_403);
    g_assert_true(v->alert_encrypted);
    g_assert_cmpuint(v->http403, ==, 0);

    /* The client spoke again after the response: not "right after" it. */
    connection later = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    mutual_tls12_handshake(f, &later, 11, 1500);
    application_data(f, &later, false, 16, 0);
    application_data(f, &later, true, 17, 0);
    encrypted_alert(f, &later, true, 18);
    assert_no_verdict(f, 18);
}

/* TLS 1.3 with keys: the decrypted CertificateRequest and client
 * Certificate are visible; the client's Finished is an encrypted record. */
static void mutual_tls13_until_client_finished(fixture *f, const connection *c, bool empty)
{
    client_hello(f, c, 1, 0, TLSDIAG_VERSION_TLS13, false, NULL);
    tlsdiag_observation flight = from_server(c, 2, 1 * MS);
    add_record(&flight, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&flight, TLSDIAG_HS_SERVER_HELLO);
    add_handshake(&flight, TLSDIAG_HS_ENCRYPTED_EXTENSIONS);
    add_handshake(&flight, TLSDIAG_HS_CERTIFICATE_REQUEST);
    flight.hello_version = TLSDIAG_VERSION_TLS12;
    flight.max_supported_version = TLSDIAG_VERSION_TLS13;
    flight.opaque_record_count = 2;
    tlsdiag_engine_observe(f->engine, &flight);

    tlsdiag_observation finished = from_client(c, 3, 2 * MS);
    add_record(&finished, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC);
    add_record(&finished, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&finished, TLSDIAG_HS_CERTIFICATE);
    add_handshake(&finished, TLSDIAG_HS_FINISHED);
    finished.has_certificate_list = true;
    finished.certificate_list_length = empty ? 0 : 1500;
    finished.opaque_record_count = 2;
    tlsdiag_engine_observe(f->engine, &finished);
}

static void test_tls13_client_cert_rejected(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    mutual_tls13_until_client_finished(f, &c, true);
    tlsdiag_observation rejection = from_server(&c, 4, 3 * MS);
    add_record(&rejection, TLSDIAG_RECORD_ALERT);
    rejection.opaque_record_count = 1;
    rejection.alerts[0].level = TLSDIAG_ALERT_LEVEL_FATAL;
    rejection.alerts[0].description = TLSDIAG_ALERT_CERTIFICATE_REQUIRED;
    rejection.alert_count = 1;
    tlsdiag_engine_observe(f->engine, &rejection);
    tcp_close(f, &c, false, false, 5, 4 * MS);

    const tlsdiag_verdict *v = verdict_at(f, 4);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_CLIENT_CERT_REJECTED);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_CLIENT_FLIGHT);
    g_assert_cmpint(v->client_certificate, ==, TLSDIAG_CLIENT_CERT_EMPTY);
    g_assert_cmpuint(v->alert, ==, TLSDIAG_ALERT_CERTIFICATE_REQUIRED);
    assert_no_verdict(f, 5);
    g_assert_cmpuint(fixture_report(f, 1)->ended_by, ==, 4);
}

static void test_tls13_client_cert_rejected_by_close(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    mutual_tls13_until_client_finished(f, &c, false);
    tcp_close(f, &c, false, true, 4, 3 * MS);
    const tlsdiag_verdict *v = verdict_at(f, 4);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_CLIENT_CERT_REJECTED);
    g_assert_cmpint(v->close, ==, TLSDIAG_CLOSE_RST);
    g_assert_cmpint(v->client_certificate, ==, TLSDIAG_CLIENT_CERT_SENT);
}

/* ---- issue 9: resumption, stalls, slow handshakes --------------------------- */

static void hello_offering(fixture *f, const connection *c, uint32_t frame, int64_t time_ns,
                           uint64_t ticket)
{
    tlsdiag_observation obs = from_client(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&obs, TLSDIAG_HS_CLIENT_HELLO);
    obs.hello_version = TLSDIAG_VERSION_TLS12;
    obs.session_id = 77; /* random, as clients send with a ticket */
    obs.offered_ticket = ticket;
    obs.hello_read = true;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void new_session_ticket(fixture *f, const connection *c, uint32_t frame, int64_t time_ns,
                               uint64_t ticket)
{
    tlsdiag_observation obs = from_server(c, frame, time_ns);
    add_record(&obs, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&obs, TLSDIAG_HS_NEW_SESSION_TICKET);
    obs.issued_ticket = ticket;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void test_resumption_other_server(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection first = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    connection second = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    second.server = ipv4(SERVER_HOST + 1, SERVER_PORT);

    client_hello(f, &first, 1, 0, TLSDIAG_VERSION_TLS12, false, "pool.test");
    server_hello_tls12_flight(f, &first, 2, 10 * MS, TLSDIAG_VERSION_TLS12);
    client_key_exchange_and_finished(f, &first, 3, 20 * MS);
    new_session_ticket(f, &first, 4, 30 * MS, 0xabc);
    server_ccs_and_finished(f, &first, 5, 30 * MS);
    assert_no_verdict(f, 4);

    hello_offering(f, &second, 10, SEC, 0xabc);
    server_hello_tls12_flight(f, &second, 11, SEC + 10 * MS, TLSDIAG_VERSION_TLS12);
    const tlsdiag_verdict *v = verdict_at(f, 11);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER);
    g_assert_cmpint(v->resumption, ==, TLSDIAG_RESUMPTION_TICKET);
    g_assert_cmpuint(v->session_issued, ==, 4);
    g_assert_true(tlsdiag_same_address(&v->session_issuer, &first.server));
    char *text = describe(v);
    g_assert_nonnull(strstr(text, "issued by 10.0.0.2 in frame 4, and 10.0.0.3 answered"));
    g_free(text);
}

static void test_resumption_accepted_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection first = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    connection again = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);

    client_hello(f, &first, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &first, 2, 10 * MS, TLSDIAG_VERSION_TLS12);
    new_session_ticket(f, &first, 3, 30 * MS, 0xabc);

    hello_offering(f, &again, 10, SEC, 0xabc);
    tlsdiag_observation abbreviated = from_server(&again, 11, SEC + MS);
    add_record(&abbreviated, TLSDIAG_RECORD_HANDSHAKE);
    add_handshake(&abbreviated, TLSDIAG_HS_SERVER_HELLO);
    add_record(&abbreviated, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC);
    add_record(&abbreviated, TLSDIAG_RECORD_HANDSHAKE);
    abbreviated.hello_version = TLSDIAG_VERSION_TLS12;
    tlsdiag_engine_observe(f->engine, &abbreviated);
    client_key_exchange_and_finished(f, &again, 12, SEC + 2 * MS);
    assert_no_verdict(f, 11);
    assert_no_verdict(f, 12);
}

static void test_resumption_refused_by_alert(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    hello_offering(f, &c, 1, 0, 0x99);
    alert(f, &c, false, 2, MS, TLSDIAG_ALERT_LEVEL_FATAL, 40);
    const tlsdiag_verdict *v = verdict_at(f, 2);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_RESUMPTION_REFUSED);
    g_assert_true(v->has_alert);
    g_assert_cmpuint(v->session_issued, ==, 0);
    /* The failure is recorded: its ClientHello links to it. */
    g_assert_cmpuint(fixture_report(f, 1)->ended_by, ==, 2);
}

static void retransmission(fixture *f, const connection *c, bool client, uint32_t frame,
                           int64_t time_ns)
{
    tlsdiag_observation obs = client ? from_client(c, frame, time_ns) : from_server(c, frame, time_ns);
    obs.retransmission = true;
    tlsdiag_engine_observe(f->engine, &obs);
}

static void test_stalled_then_capture_end(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    connection quiet = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);

    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    retransmission(f, &c, true, 2, 3 * SEC);
    assert_no_verdict(f, 2);
    retransmission(f, &c, true, 3, 7 * SEC);
    const tlsdiag_verdict *v = verdict_at(f, 3);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_SERVER);
    g_assert_cmpuint(v->last_progress, ==, 1);
    g_assert_cmpint(v->idle_ns, ==, 7 * SEC);
    g_assert_cmpuint(v->client_hello_retransmissions, ==, 2);
    retransmission(f, &c, true, 4, 15 * SEC);
    assert_no_verdict(f, 4); /* one report per handshake */

    client_hello(f, &quiet, 5, 16 * SEC, TLSDIAG_VERSION_TLS13, false, NULL);
    server_hello_tls13_flight(f, &quiet, 6, 16 * SEC + 10 * MS);
    assert_no_verdict(f, 6);
    tlsdiag_engine_capture_end(f->engine);
    tlsdiag_engine_capture_end(f->engine);
    v = verdict_at(f, 6);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_true(v->capture_end);
    g_assert_false(v->stalled);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
    assert_no_verdict(f, 4); /* already reported as stalled */

    /* More of the file: the end was not the end. */
    opaque_records(f, &quiet, true, 7, 17 * SEC);
    assert_no_verdict(f, 6);
    tlsdiag_engine_capture_end(f->engine);
    v = verdict_at(f, 7);
    g_assert_nonnull(v);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_CLIENT_FLIGHT);
}

static void unreadable_bytes(fixture *f, const connection *c, bool client, uint32_t frame,
                             int64_t time_ns)
{
    tlsdiag_observation obs =
        client ? from_client(c, frame, time_ns) : from_server(c, frame, time_ns);
    obs.unreadable = true;
    tlsdiag_engine_observe(f->engine, &obs);
}

/* teams.pcap, stream 18: the server's answer reached the dissector as
 * bytes it could not read; the silence after is no evidence of a stall. */
static void test_unreadable_is_no_stall(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection lost = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    connection recovered = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    connection silent = connect_from(CLIENT_HOST, 40002, 2, SERVER_PORT);

    client_hello(f, &lost, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    unreadable_bytes(f, &lost, false, 2, 40 * MS);
    unreadable_bytes(f, &lost, false, 3, 41 * MS);
    assert_no_verdict(f, 3);
    retransmission(f, &lost, true, 4, 7 * SEC);
    const tlsdiag_verdict *v = verdict_at(f, 4);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_cmpuint(v->unreadable, ==, 2);
    char *text = describe(v);
    g_assert_true(g_str_has_prefix(text, "TLS handshake unreadable from frame 2, so not known to "
                                         "have stalled"));
    g_free(text);

    /* Records read again after the unreadable bytes: the stall is real. */
    client_hello(f, &recovered, 5, 8 * SEC, TLSDIAG_VERSION_TLS12, false, NULL);
    unreadable_bytes(f, &recovered, false, 6, 8 * SEC + 40 * MS);
    server_hello_tls12_flight(f, &recovered, 7, 8 * SEC + 50 * MS, TLSDIAG_VERSION_TLS12);
    retransmission(f, &recovered, false, 8, 15 * SEC);
    v = verdict_at(f, 8);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_cmpuint(v->unreadable, ==, 0);

    /* At the capture's end too. */
    client_hello(f, &silent, 9, 16 * SEC, TLSDIAG_VERSION_TLS12, false, NULL);
    unreadable_bytes(f, &silent, true, 10, 16 * SEC + MS);
    connection later = connect_from(CLIENT_HOST, 40003, 3, SERVER_PORT);
    client_hello(f, &later, 11, 30 * SEC, TLSDIAG_VERSION_TLS12, false, NULL);
    tlsdiag_engine_capture_end(f->engine);
    v = verdict_at(f, 10);
    g_assert_nonnull(v);
    g_assert_true(v->capture_end);
    g_assert_true(v->stalled);
    g_assert_cmpuint(v->unreadable, ==, 10);
}

/* What the glue would answer: the last packet of any kind of the
 * connection from client port 40000 + i (0: unknown). */
static uint32_t recorded_last[4];

static uint32_t last_recorded_packet(const tlsdiag_endpoint *client,
                                     const tlsdiag_endpoint *server G_GNUC_UNUSED,
                                     uint32_t frame G_GNUC_UNUSED)
{
    unsigned i = client->port - 40000u;
    return i < G_N_ELEMENTS(recorded_last) ? recorded_last[i] : 0;
}

/* reddit.pcap, streams 5, 14, 30, 41: the client's flight, then not one
 * packet of the connection until the capture ends. */
static void test_unrecorded_is_no_stall(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    tlsdiag_engine_free(f->engine);
    tlsdiag_settings settings = fixture_settings();
    settings.last_packet = last_recorded_packet;
    f->engine = tlsdiag_engine_new(&settings);
    connection lost = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    connection acked = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    connection backing_off = connect_from(CLIENT_HOST, 40002, 2, SERVER_PORT);
    connection late = connect_from(CLIENT_HOST, 40003, 3, SERVER_PORT);
    connection last = connect_from(CLIENT_HOST, 40009, 9, SERVER_PORT);

    client_hello(f, &lost, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &lost, 2, 40 * MS, TLSDIAG_VERSION_TLS12);
    client_key_exchange_and_finished(f, &lost, 3, 45 * MS);
    /* The server's bare ACK, frame 5, is a packet the engine never sees. */
    client_hello(f, &acked, 4, SEC, TLSDIAG_VERSION_TLS12, false, NULL);
    /* A sender that retransmits backs off: its next try may be far off. */
    client_hello(f, &backing_off, 6, 2 * SEC, TLSDIAG_VERSION_TLS12, false, NULL);
    retransmission(f, &backing_off, true, 7, 3 * SEC);
    /* Silent for less than the stall timeout: incomplete, nothing more. */
    client_hello(f, &late, 8, 17 * SEC, TLSDIAG_VERSION_TLS12, false, NULL);
    client_hello(f, &last, 9, 20 * SEC, TLSDIAG_VERSION_TLS12, false, NULL);
    recorded_last[0] = 3;
    recorded_last[1] = 5;
    recorded_last[2] = 7;
    recorded_last[3] = 8;
    tlsdiag_engine_capture_end(f->engine);

    const tlsdiag_verdict *v = verdict_at(f, 3);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_true(v->capture_end && v->stalled);
    g_assert_cmpint(v->unrecorded_ns, ==, 20 * SEC - 45 * MS);
    char *text = describe(v);
    g_assert_true(g_str_has_prefix(text, "TLS handshake not known to have stalled: the capture "
                                         "holds no packet of this connection after this frame"));
    g_free(text);
    static const uint32_t still_stalls[] = {4, 7, 8}; /* acked, backing_off, late */
    for (size_t i = 0; i < G_N_ELEMENTS(still_stalls); i++) {
        v = verdict_at(f, still_stalls[i]);
        g_assert_nonnull(v);
        g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
        g_assert_true(v->capture_end);
        g_assert_cmpint(v->unrecorded_ns, ==, 0);
    }
    g_assert_true(verdict_at(f, 4)->stalled && verdict_at(f, 7)->stalled);
    g_assert_false(verdict_at(f, 8)->stalled);
    memset(recorded_last, 0, sizeof recorded_last);
}

/* The glue passes a frame whose content the engine does not want, instead
 * of observing it: such a frame must still move the capture's clock on,
 * which judges every handshake left at the capture's end. */
static void test_passed_frames_move_the_clock(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection stalled = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    connection done = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    client_hello(f, &stalled, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    complete_tls12(f, &done, 2, NULL, NULL, 0);
    client_data(f, &done, 6, 40 * MS);

    tlsdiag_observation later = from_server(&done, 7, 20 * SEC);
    add_record(&later, TLSDIAG_RECORD_APPLICATION_DATA);
    g_assert_false(tlsdiag_engine_wants_content(f->engine, &later));
    tlsdiag_engine_pass_frame(f->engine, later.time_ns);
    g_assert_null(fixture_report(f, 7));
    /* A handshake record on a finished stream may carry a ticket. */
    add_record(&later, TLSDIAG_RECORD_HANDSHAKE);
    g_assert_true(tlsdiag_engine_wants_content(f->engine, &later));

    tlsdiag_engine_capture_end(f->engine);
    const tlsdiag_verdict *v = verdict_at(f, 1);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_true(v->capture_end && v->stalled);
    g_assert_cmpint(v->idle_ns, ==, 20 * SEC);
    for (uint32_t frame = 2; frame <= 7; frame++)
        assert_no_verdict(f, frame);
}

static void test_slow_handshake_steps(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    retransmission(f, &c, true, 2, SEC);
    server_hello_tls12_flight(f, &c, 3, 2 * SEC, TLSDIAG_VERSION_TLS12);
    client_key_exchange_and_finished(f, &c, 4, 2 * SEC + MS);
    server_ccs_and_finished(f, &c, 5, 4 * SEC);
    const tlsdiag_verdict *v = verdict_at(f, 5);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_SLOW);
    g_assert_true(tlsdiag_verdict_has_step(v, TLSDIAG_STAGE_SERVER_HELLO));
    g_assert_cmpint(v->step_ns[TLSDIAG_STAGE_SERVER_HELLO], ==, 2 * SEC);
    g_assert_cmpint(v->step_ns[TLSDIAG_STAGE_SERVER_FLIGHT], ==, 0);
    g_assert_cmpint(v->step_ns[TLSDIAG_STAGE_CLIENT_FLIGHT], ==, MS);
    g_assert_cmpint(v->step_ns[TLSDIAG_STAGE_ESTABLISHED], ==, 2 * SEC - MS);
    g_assert_cmpuint(v->client_hello_retransmissions, ==, 1);

    connection quick = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    client_hello(f, &quick, 10, 10 * SEC, TLSDIAG_VERSION_TLS12, false, NULL);
    server_hello_tls12_flight(f, &quick, 11, 10 * SEC + MS, TLSDIAG_VERSION_TLS12);
    client_key_exchange_and_finished(f, &quick, 12, 10 * SEC + 2 * MS);
    server_ccs_and_finished(f, &quick, 13, 10 * SEC + 3 * MS);
    assert_no_verdict(f, 13);
}

static void test_loss_context(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    connection c = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    client_hello(f, &c, 1, 0, TLSDIAG_VERSION_TLS12, false, NULL);
    tlsdiag_observation dup = from_server(&c, 2, MS);
    dup.duplicate_ack = true;
    tlsdiag_engine_observe(f->engine, &dup);
    tlsdiag_observation zero = from_server(&c, 3, 2 * MS);
    zero.zero_window = true;
    tlsdiag_engine_observe(f->engine, &zero);
    tcp_close(f, &c, false, true, 4, 3 * MS);
    const tlsdiag_verdict *v = verdict_at(f, 4);
    g_assert_nonnull(v);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_cmpuint(v->duplicate_acks, ==, 1);
    g_assert_cmpuint(v->zero_windows, ==, 1);
    char *text = describe(v);
    g_assert_nonnull(strstr(text, "; 1 duplicate ACK; zero window"));
    g_free(text);
}

static void test_text_parts(void)
{
    g_assert_cmpuint(tlsdiag_text_part_length("short", 239), ==, 5);
    /* The last clause boundary that fits, punctuation included. */
    const char *clauses = "aaaa bbbb; cccc dddd, eeee";
    g_assert_cmpuint(tlsdiag_text_part_length(clauses, 22), ==, 21);
    g_assert_cmpuint(tlsdiag_text_part_length(clauses, 12), ==, 10);
    /* No boundary late enough: the last space; no space: never inside a
     * UTF-8 character. */
    g_assert_cmpuint(tlsdiag_text_part_length("aaaaaaaaaa; bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb cc", 45), ==, 11);
    g_assert_cmpuint(tlsdiag_text_part_length("abc\xc3\xa9" "def", 4), ==, 3);
}

static void test_vocabulary(void)
{
    g_assert_cmpstr(tlsdiag_flag_name(TLSDIAG_FLAG_VERSION_FALLBACK), ==, "version_fallback");
    g_assert_cmpstr(tlsdiag_stage_name(TLSDIAG_STAGE_CLIENT_FLIGHT), ==, "client_flight");
    g_assert_cmpstr(tlsdiag_flag_name((tlsdiag_flag)999), ==, "");
    g_assert_cmpuint(tlsdiag_version_normalize(0x7f1c), ==, TLSDIAG_VERSION_TLS13);
    g_assert_cmpuint(tlsdiag_version_normalize(0x7e02), ==, TLSDIAG_VERSION_TLS13);
    g_assert_cmpuint(tlsdiag_version_normalize(0xfb1a), ==, TLSDIAG_VERSION_TLS13);
    g_assert_true(tlsdiag_version_is_grease(0x3a3a));
    g_assert_false(tlsdiag_version_is_grease(0x0303));
    g_assert_cmpstr(tlsdiag_alert_name(86), ==, "inappropriate_fallback");
    g_assert_null(tlsdiag_alert_name(255));
    g_assert_cmpstr(tlsdiag_version_name(0x7f17), ==, "TLS 1.3 (draft)");
}

/* Packed reports come back word for word, links added to a packed report
 * stay, and frames beyond the bitmap are found as well. */
static void test_report_store(void)
{
    tlsdiag_report_store *store = tlsdiag_report_store_new();
    const uint32_t far = TLSDIAG_NUMBER_SET_BITMAP_LIMIT + 7;

    tlsdiag_frame_report *report = tlsdiag_report_for_frame(store, 12);
    report->verdict.flag = TLSDIAG_FLAG_HANDSHAKE_ABORTED;
    report->verdict.server_name = "www.example";
    report->verdict.step_ns[TLSDIAG_STAGE_COUNT - 1] = -1;
    report->verdict.certificate_findings = 1u << 3;
    report->retry_completed_version = 0x0303;
    tlsdiag_frame_report expected = *report;
    tlsdiag_report_for_frame(store, far)->ended_by = 12;
    tlsdiag_report_store_settle(store);

    tlsdiag_frame_report got;
    memset(&got, 0, sizeof got);
    g_assert_true(tlsdiag_report_store_get(store, 12, &got));
    g_assert_cmpmem(&got.verdict, sizeof got.verdict, &expected.verdict, sizeof expected.verdict);
    g_assert_cmpuint(got.retry_completed_version, ==, 0x0303);
    g_assert_true(tlsdiag_report_store_get(store, far, &got));
    g_assert_cmpuint(got.ended_by, ==, 12);
    g_assert_cmpint(got.verdict.flag, ==, TLSDIAG_FLAG_NONE);
    g_assert_false(tlsdiag_report_store_has(store, 11));
    g_assert_false(tlsdiag_report_store_get(store, far + 1, &got));

    /* A link written after the frame was packed. */
    tlsdiag_report_for_frame(store, 12)->retried_by = 40;
    g_assert_true(tlsdiag_report_store_get(store, 12, &got));
    g_assert_cmpuint(got.retried_by, ==, 40);
    tlsdiag_report_store_settle(store);
    g_assert_true(tlsdiag_report_store_get(store, 12, &got));
    g_assert_cmpuint(got.retried_by, ==, 40);
    g_assert_cmpstr(got.verdict.server_name, ==, "www.example");
    g_assert_cmpint(got.verdict.step_ns[TLSDIAG_STAGE_COUNT - 1], ==, -1);
    tlsdiag_report_store_free(store);
}

/* Session IDs and tickets are told apart by their digests alone: a byte
 * anywhere, in the words or the tail, and the length must each change it. */
static void test_digest(void)
{
    uint8_t bytes[40], copy[40];
    for (unsigned i = 0; i < sizeof bytes; i++)
        bytes[i] = (uint8_t)(i * 7 + 1);
    memcpy(copy, bytes, sizeof copy);

    for (size_t length = 0; length <= sizeof bytes; length++) {
        uint64_t digest = tlsdiag_digest(bytes, length);
        g_assert_cmpuint(digest, !=, 0);
        g_assert_cmpuint(tlsdiag_digest(copy, length), ==, digest);
        if (length > 0) {
            g_assert_cmpuint(tlsdiag_digest(bytes, length - 1), !=, digest);
            /* A shorter input padded with a zero byte is another input. */
            uint8_t zero_tail[41] = {0};
            memcpy(zero_tail, bytes, length - 1);
            g_assert_cmpuint(tlsdiag_digest(zero_tail, length), !=,
                             tlsdiag_digest(bytes, length - 1));
        }
        for (size_t at = 0; at < length; at++) {
            copy[at] ^= 0x20;
            g_assert_cmpuint(tlsdiag_digest(copy, length), !=, digest);
            copy[at] ^= 0x20;
        }
    }
}

/* ---- record types read from the record headers ----------------------------- */

/* The same frame as the glue gives it before any decryption: outer types
 * only, TLS 1.3's hidden records among them as application data (they
 * follow the frame's plaintext records). */
static tlsdiag_observation with_outer_types(const tlsdiag_observation *obs)
{
    tlsdiag_observation outer = *obs;
    outer.outer_types = true;
    outer.app_data_records = obs->opaque_record_count;
    for (unsigned i = 0; i < obs->record_count; i++) {
        if (obs->record_types[i] == TLSDIAG_RECORD_APPLICATION_DATA)
            outer.app_data_records++;
    }
    /* The glue keeps the first TLSDIAG_MAX_RECORDS types, and counts on. */
    for (unsigned i = 0; i < obs->opaque_record_count && outer.record_count < TLSDIAG_MAX_RECORDS;
         i++)
        add_record(&outer, TLSDIAG_RECORD_APPLICATION_DATA);
    outer.opaque_record_count = 0;
    return outer;
}

typedef struct {
    fixture *told;  /* opaque records told by the dissector */
    fixture *outer; /* outer types only */
} two_engines;

static void observe_both(two_engines *both, const tlsdiag_observation *obs)
{
    tlsdiag_observation outer = with_outer_types(obs);
    tlsdiag_engine_observe(both->told->engine, obs);
    tlsdiag_engine_observe(both->outer->engine, &outer);
}

static tlsdiag_observation records_of(const connection *c, bool client, uint32_t frame,
                                      const uint8_t *types, unsigned count, unsigned opaque)
{
    tlsdiag_observation obs =
        client ? from_client(c, frame, frame * MS) : from_server(c, frame, frame * MS);
    for (unsigned i = 0; i < count; i++)
        add_record(&obs, types[i]);
    obs.opaque_record_count = (uint8_t)opaque;
    return obs;
}

static void hello_both(two_engines *both, const connection *c, bool client, uint32_t frame,
                       uint16_t version, const uint8_t *types, unsigned count, unsigned opaque)
{
    tlsdiag_observation obs = records_of(c, client, frame, types, count, opaque);
    add_handshake(&obs, client ? TLSDIAG_HS_CLIENT_HELLO : TLSDIAG_HS_SERVER_HELLO);
    obs.hello_version = TLSDIAG_VERSION_TLS12;
    obs.max_supported_version = version > TLSDIAG_VERSION_TLS12 ? version : 0;
    observe_both(both, &obs);
}

static void records_both(two_engines *both, const connection *c, bool client, uint32_t frame,
                         const uint8_t *types, unsigned count, unsigned opaque)
{
    tlsdiag_observation obs = records_of(c, client, frame, types, count, opaque);
    observe_both(both, &obs);
}

static void close_both(two_engines *both, const connection *c, bool client, uint32_t frame)
{
    tlsdiag_observation obs =
        client ? from_client(c, frame, frame * MS) : from_server(c, frame, frame * MS);
    obs.fin = true;
    observe_both(both, &obs);
}

static GString *described(fixture *f, uint32_t frame)
{
    GString *text = g_string_new(NULL);
    const tlsdiag_frame_report *report = fixture_report(f, frame);
    if (report != NULL) {
        g_string_append_printf(text, "%s: ", tlsdiag_flag_name(report->verdict.flag));
        tlsdiag_describe_verdict(&report->verdict, text);
        g_string_append_printf(text, " (ended by %u)", report->ended_by);
    }
    return text;
}

static void assert_same_reports(two_engines *both, uint32_t last_frame)
{
    for (uint32_t frame = 1; frame <= last_frame; frame++) {
        GString *told = described(both->told, frame);
        GString *outer = described(both->outer, frame);
        g_assert_cmpstr(outer->str, ==, told->str);
        g_string_free(told, TRUE);
        g_string_free(outer, TRUE);
    }
}

/* The engine tells TLS 1.3's hidden records from application data as the
 * dissector does: opaque from the ServerHello that chose TLS 1.3 on (in
 * its own frame too), application data before it (early data) and in
 * TLS 1.2. Every verdict must read the same either way. */
static void test_outer_record_types(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    fixture outer_fixture;
    fixture_set_up(&outer_fixture, NULL);
    two_engines both = {f, &outer_fixture};
    static const uint8_t hs[] = {TLSDIAG_RECORD_HANDSHAKE};
    static const uint8_t hs_ccs[] = {TLSDIAG_RECORD_HANDSHAKE, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC};
    static const uint8_t ccs[] = {TLSDIAG_RECORD_CHANGE_CIPHER_SPEC};
    static const uint8_t hs_data[] = {TLSDIAG_RECORD_HANDSHAKE, TLSDIAG_RECORD_APPLICATION_DATA};
    static const uint8_t app[] = {TLSDIAG_RECORD_APPLICATION_DATA};
    static const uint8_t hs_ccs_hs[] = {TLSDIAG_RECORD_HANDSHAKE, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC,
                                        TLSDIAG_RECORD_HANDSHAKE};
    static const uint8_t ccs_hs[] = {TLSDIAG_RECORD_CHANGE_CIPHER_SPEC, TLSDIAG_RECORD_HANDSHAKE};

    /* TLS 1.3, flight in the ServerHello's frame; the client gives up. */
    connection aborted = connect_from(CLIENT_HOST, 40000, 0, SERVER_PORT);
    hello_both(&both, &aborted, true, 1, TLSDIAG_VERSION_TLS13, hs, 1, 0);
    hello_both(&both, &aborted, false, 2, TLSDIAG_VERSION_TLS13, hs_ccs, 2, 2);
    close_both(&both, &aborted, true, 3);

    /* TLS 1.3, flight after the ServerHello's frame; completes, data, FIN. */
    connection split = connect_from(CLIENT_HOST, 40001, 1, SERVER_PORT);
    hello_both(&both, &split, true, 11, TLSDIAG_VERSION_TLS13, hs, 1, 0);
    hello_both(&both, &split, false, 12, TLSDIAG_VERSION_TLS13, hs_ccs, 2, 0);
    records_both(&both, &split, false, 13, NULL, 0, 3);
    records_both(&both, &split, true, 14, ccs, 1, 1);
    records_both(&both, &split, false, 15, NULL, 0, 2);
    records_both(&both, &split, true, 16, NULL, 0, 1);
    close_both(&both, &split, true, 17);

    /* Early data in the ClientHello's frame is application data. */
    connection early = connect_from(CLIENT_HOST, 40002, 2, SERVER_PORT);
    hello_both(&both, &early, true, 21, TLSDIAG_VERSION_TLS13, hs_data, 2, 0);
    hello_both(&both, &early, false, 22, TLSDIAG_VERSION_TLS13, hs_ccs, 2, 1);
    close_both(&both, &early, true, 23);

    /* TLS 1.2: application data is application data. */
    connection tls12 = connect_from(CLIENT_HOST, 40003, 3, SERVER_PORT);
    hello_both(&both, &tls12, true, 31, TLSDIAG_VERSION_TLS12, hs, 1, 0);
    hello_both(&both, &tls12, false, 32, TLSDIAG_VERSION_TLS12, hs, 1, 0);
    records_both(&both, &tls12, true, 33, hs_ccs_hs, 3, 0);
    records_both(&both, &tls12, false, 34, ccs_hs, 2, 0);
    records_both(&both, &tls12, true, 35, app, 1, 0);
    close_both(&both, &tls12, true, 36);

    /* TLS 1.3 that stops at the server's flight: a stall at the end. */
    connection stalled = connect_from(CLIENT_HOST, 40004, 4, SERVER_PORT);
    hello_both(&both, &stalled, true, 41, TLSDIAG_VERSION_TLS13, hs, 1, 0);
    hello_both(&both, &stalled, false, 42, TLSDIAG_VERSION_TLS13, hs_ccs, 2, 1);
    records_both(&both, &stalled, false, 43, NULL, 0, 2);

    assert_same_reports(&both, 43);
    tlsdiag_engine_capture_end(f->engine);
    tlsdiag_engine_capture_end(outer_fixture.engine);
    assert_same_reports(&both, 43);

    /* Not vacuous: the outer types led to the flight, as opaque ones do. */
    const tlsdiag_verdict *v = verdict_at(&outer_fixture, 3);
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_SERVER_FLIGHT);
    v = verdict_at(&outer_fixture, 23);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_SERVER_FLIGHT);
    fixture_tear_down(&outer_fixture, NULL);
}

#define ADD(path, func) g_test_add(path, fixture, NULL, fixture_set_up, func, fixture_tear_down)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/abort/rst-after-client-hello", test_rst_after_client_hello);
    ADD("/abort/tls12-complete-then-fin", test_tls12_complete_then_fin_is_silent);
    ADD("/rejected/after-handshake", test_rejected_after_handshake);
    ADD("/rejected/not-after-data-or-server-close", test_not_rejected_after_handshake);
    ADD("/rejected/probe-is-no-rejection", test_probe_is_no_rejection);
    ADD("/certificate/explains-client-alert", test_certificate_explains_alert);
    ADD("/certificate/not-on-server-failures", test_certificate_not_on_server_failures);
    ADD("/certificate/tls13-hidden", test_tls13_certificate_hidden);
    ADD("/certificate/apple-rules", test_apple_rules_from_the_server_hello);
    ADD("/certificate/changed", test_certificate_changed);
    ADD("/certificate/changed-needs-earlier-use", test_certificate_changed_needs_earlier_use);
    ADD("/abort/tls12-stages", test_tls12_stages);
    ADD("/abort/tls13-server-must-confirm", test_tls13_server_must_confirm);
    ADD("/abort/tls13-hello-retry-request", test_tls13_hello_retry_request);
    ADD("/abort/retransmissions", test_retransmissions_counted_not_replayed);
    ADD("/abort/mid-connection", test_frames_without_client_hello_are_ignored);
    ADD("/alert/fatal-then-fin", test_fatal_alert_then_fin);
    ADD("/alert/warning-goes-on", test_warning_alert_does_not_end_handshake);
    ADD("/alert/encrypted", test_encrypted_alert);
    ADD("/fallback/chain-of-the-report", test_fallback_chain_of_the_report);
    ADD("/fallback/same-version-retries", test_same_version_retries);
    ADD("/fallback/window", test_window);
    ADD("/fallback/scsv-without-failure", test_scsv_without_failure);
    ADD("/fallback/absurd-timestamps", test_absurd_timestamps);
    ADD("/fallback/not-the-same-pair", test_not_the_same_client_or_server);
    ADD("/fallback/one-failure-one-retry", test_one_failure_one_retry);
    ADD("/fallback/downgrade-succeeded", test_downgrade_succeeded);
    ADD("/mtls/alert-after-403", test_alert_after_403);
    ADD("/mtls/close-after-403", test_close_after_403);
    ADD("/mtls/403-then-200", test_403_then_200_is_silent);
    ADD("/mtls/403-without-client-certificate", test_403_without_client_certificate);
    ADD("/mtls/possible-alert-without-keys", test_possible_alert_without_keys);
    ADD("/mtls/tls13-client-cert-rejected", test_tls13_client_cert_rejected);
    ADD("/mtls/tls13-client-cert-rejected-by-close", test_tls13_client_cert_rejected_by_close);
    ADD("/resumption/other-server", test_resumption_other_server);
    ADD("/resumption/accepted-is-silent", test_resumption_accepted_is_silent);
    ADD("/resumption/refused-by-alert", test_resumption_refused_by_alert);
    ADD("/progress/stalled-then-capture-end", test_stalled_then_capture_end);
    ADD("/progress/unreadable-is-no-stall", test_unreadable_is_no_stall);
    ADD("/progress/unrecorded-is-no-stall", test_unrecorded_is_no_stall);
    ADD("/progress/passed-frames-move-the-clock", test_passed_frames_move_the_clock);
    ADD("/progress/slow-handshake-steps", test_slow_handshake_steps);
    ADD("/progress/loss-context", test_loss_context);
    ADD("/records/outer-types", test_outer_record_types);
    g_test_add_func("/vocabulary/names", test_vocabulary);
    g_test_add_func("/describe/text-parts", test_text_parts);
    g_test_add_func("/reports/store", test_report_store);
    g_test_add_func("/resumption/digest", test_digest);
    return g_test_run();
}
