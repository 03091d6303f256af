/* test_quic.c
 * Unit tests of the QUIC story (engine/quic.c): connections written as
 * sequences of datagrams, the verdicts and links they must produce.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include <glib.h>

#include "engine/engine.h"
#include "engine_fixture.h"

#define ALERT_HANDSHAKE_FAILURE 40
#define ALERT_BAD_CERTIFICATE 42
#define PROTOCOL_VIOLATION 0x0a

#define CLIENT_HOST 1
#define SERVER_HOST 2
#define OTHER_SERVER_HOST 3

typedef struct {
    uint32_t number; /* quic.connection.number */
    tlsdiag_endpoint client;
    tlsdiag_endpoint server;
} quic_conn;

static quic_conn quic_to(uint32_t number, uint16_t client_port, uint8_t server_host)
{
    quic_conn c = {number, ipv4(CLIENT_HOST, client_port), ipv4(server_host, 443)};
    return c;
}

static tlsdiag_quic_observation datagram(const quic_conn *c, bool client, uint32_t frame,
                                         int64_t time_ns, uint8_t packets)
{
    tlsdiag_quic_observation obs;
    memset(&obs, 0, sizeof obs);
    obs.frame = frame;
    obs.time_ns = time_ns;
    obs.connection = c->number;
    obs.src = client ? c->client : c->server;
    obs.dst = client ? c->server : c->client;
    obs.packets = packets;
    obs.version = packets & TLSDIAG_QUIC_SHORT ? 0 : 1;
    return obs;
}

static void send_datagram(fixture *f, const quic_conn *c, bool client, uint32_t frame, int64_t time_ns,
                 uint8_t packets)
{
    tlsdiag_quic_observation obs = datagram(c, client, frame, time_ns, packets);
    tlsdiag_engine_observe_quic(f->engine, &obs);
}

static void client_initial(fixture *f, const quic_conn *c, uint32_t frame, int64_t time_ns)
{
    tlsdiag_quic_observation obs = datagram(c, true, frame, time_ns, TLSDIAG_QUIC_INITIAL);
    obs.handshake_types[0] = TLSDIAG_HS_CLIENT_HELLO;
    obs.handshake_count = 1;
    obs.server_name = "quic.example";
    tlsdiag_engine_observe_quic(f->engine, &obs);
}

static void close_in(fixture *f, const quic_conn *c, bool client, uint32_t frame, int64_t time_ns,
                     uint8_t packets, uint64_t error)
{
    tlsdiag_quic_observation obs = datagram(c, client, frame, time_ns, packets);
    obs.has_close = true;
    obs.close_error = error;
    obs.close_reason = "no shared group";
    tlsdiag_engine_observe_quic(f->engine, &obs);
}

static void icmp_error(fixture *f, const quic_conn *c, uint32_t frame, int64_t time_ns, bool port)
{
    tlsdiag_quic_observation obs = datagram(c, true, frame, time_ns, TLSDIAG_QUIC_INITIAL);
    obs.icmp = true;
    obs.port_unreachable = port;
    tlsdiag_engine_observe_quic(f->engine, &obs);
}

/* A handshake to its end: server flight, client Finished, server 1-RTT. */
static void complete(fixture *f, const quic_conn *c, uint32_t frame, int64_t time_ns)
{
    send_datagram(f, c, false, frame, time_ns, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    send_datagram(f, c, true, frame + 1, time_ns + MS, TLSDIAG_QUIC_HANDSHAKE | TLSDIAG_QUIC_SHORT);
    send_datagram(f, c, false, frame + 2, time_ns + 2 * MS, TLSDIAG_QUIC_SHORT);
}

static void tcp_client_hello(fixture *f, uint32_t stream, uint8_t server_host, uint32_t frame,
                             int64_t time_ns, const char *sni)
{
    tlsdiag_observation obs;
    memset(&obs, 0, sizeof obs);
    obs.frame = frame;
    obs.time_ns = time_ns;
    obs.stream = stream;
    obs.src = ipv4(CLIENT_HOST, (uint16_t)(50000 + stream));
    obs.dst = ipv4(server_host, 443);
    obs.record_types[0] = TLSDIAG_RECORD_HANDSHAKE;
    obs.record_count = 1;
    obs.handshake_types[0] = TLSDIAG_HS_CLIENT_HELLO;
    obs.handshake_count = 1;
    obs.hello_version = TLSDIAG_VERSION_TLS12;
    obs.max_supported_version = TLSDIAG_VERSION_TLS13;
    obs.server_name = sni;
    tlsdiag_engine_observe(f->engine, &obs);
}

static const tlsdiag_verdict *verdict_at(fixture *f, uint32_t frame)
{
    const tlsdiag_frame_report *report = fixture_report(f, frame);
    if (report == NULL || report->verdict.flag == TLSDIAG_FLAG_NONE)
        return NULL;
    return &report->verdict;
}

static const tlsdiag_verdict *expect_flag(fixture *f, uint32_t frame, tlsdiag_flag flag)
{
    const tlsdiag_verdict *verdict = verdict_at(f, frame);
    g_assert_nonnull(verdict);
    g_assert_cmpstr(tlsdiag_flag_name(verdict->flag), ==, tlsdiag_flag_name(flag));
    return verdict;
}

static char *describe(const tlsdiag_verdict *verdict)
{
    GString *text = g_string_new(NULL);
    tlsdiag_describe_verdict(verdict, text);
    return g_string_free(text, FALSE);
}

static void assert_text_contains(const tlsdiag_verdict *verdict, const char *part)
{
    char *text = describe(verdict);
    if (strstr(text, part) == NULL)
        g_error("expected \"%s\" in: %s", part, text);
    g_free(text);
}

static void assert_text_lacks(const tlsdiag_verdict *verdict, const char *part)
{
    char *text = describe(verdict);
    if (strstr(text, part) != NULL)
        g_error("did not expect \"%s\" in: %s", part, text);
    g_free(text);
}

/* ---- closes ----------------------------------------------------------------- */

static void test_server_refuses_initial(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    close_in(f, &c, false, 2, MS, TLSDIAG_QUIC_INITIAL, 0x100 + ALERT_HANDSHAKE_FAILURE);
    /* The server repeats its close: the story is told once. */
    close_in(f, &c, false, 3, 2 * MS, TLSDIAG_QUIC_INITIAL, 0x100 + ALERT_HANDSHAKE_FAILURE);

    const tlsdiag_verdict *v = expect_flag(f, 2, TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_SERVER);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_QUIC_INITIAL);
    g_assert_true(v->has_alert);
    g_assert_cmpuint(v->alert, ==, ALERT_HANDSHAKE_FAILURE);
    g_assert_cmpuint(v->client_hello, ==, 1);
    g_assert_cmpstr(v->server_name, ==, "quic.example");
    g_assert_cmpstr(v->quic_reason, ==, "no shared group");
    assert_text_contains(v, "QUIC handshake refused");
    assert_text_contains(v, "handshake_failure (40)");
    g_assert_null(verdict_at(f, 3));
    g_assert_cmpuint(fixture_report(f, 1)->ended_by, ==, 2);
}

static void test_client_closes_at_handshake_level(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    send_datagram(f, &c, false, 2, MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    close_in(f, &c, true, 3, 2 * MS, TLSDIAG_QUIC_HANDSHAKE, 0x100 + ALERT_BAD_CERTIFICATE);

    const tlsdiag_verdict *v = expect_flag(f, 3, TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_QUIC_HANDSHAKE);
    assert_text_contains(v, "QUIC handshake closed: client sent");
    assert_text_contains(v, "bad_certificate (42)");
}

static void test_transport_error_named(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    close_in(f, &c, false, 2, MS, TLSDIAG_QUIC_INITIAL, PROTOCOL_VIOLATION);
    const tlsdiag_verdict *v = expect_flag(f, 2, TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED);
    g_assert_false(v->has_alert);
    assert_text_contains(v, "PROTOCOL_VIOLATION (0xa)");
}

static void test_close_after_completion_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    complete(f, &c, 2, MS);
    close_in(f, &c, false, 5, 10 * MS, TLSDIAG_QUIC_SHORT, 0);
    close_in(f, &c, true, 6, 11 * MS, TLSDIAG_QUIC_HANDSHAKE, 0);
    /* A late copy of the first Initial starts no new story. */
    client_initial(f, &c, 7, 12 * MS);
    g_assert_null(verdict_at(f, 5));
    g_assert_null(verdict_at(f, 6));
    tlsdiag_engine_capture_end(f->engine);
    for (uint32_t frame = 1; frame <= 7; frame++)
        g_assert_null(verdict_at(f, frame));
}

/* The glue reads no more of a completed connection's datagrams than the
 * connection number; a connection still in its handshake is read whole. */
static void test_completed_wants_no_content(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn done = quic_to(0, 40000, SERVER_HOST);
    quic_conn going = quic_to(1, 40001, SERVER_HOST);
    client_initial(f, &done, 1, 0);
    client_initial(f, &going, 2, MS);
    tlsdiag_quic_observation later = datagram(&done, true, 3, 2 * MS, TLSDIAG_QUIC_SHORT);
    g_assert_true(tlsdiag_engine_wants_quic_content(f->engine, &later));
    complete(f, &done, 4, 3 * MS);
    later.frame = 7;
    g_assert_false(tlsdiag_engine_wants_quic_content(f->engine, &later));
    tlsdiag_quic_observation other = datagram(&going, true, 7, 6 * MS, TLSDIAG_QUIC_HANDSHAKE);
    g_assert_true(tlsdiag_engine_wants_quic_content(f->engine, &other));
}

static void test_close_in_1rtt_only_is_no_handshake_close(fixture *f,
                                                          gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    send_datagram(f, &c, false, 2, MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    close_in(f, &c, false, 3, 2 * MS, TLSDIAG_QUIC_SHORT, 0x100 + ALERT_HANDSHAKE_FAILURE);
    g_assert_null(verdict_at(f, 3));
}

static void test_close_quoted_in_icmp_is_not_new(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    send_datagram(f, &c, false, 2, MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    tlsdiag_quic_observation obs = datagram(&c, false, 3, 2 * MS, TLSDIAG_QUIC_HANDSHAKE);
    obs.icmp = true;
    obs.has_close = true;
    obs.close_error = 0x100 + ALERT_HANDSHAKE_FAILURE;
    tlsdiag_engine_observe_quic(f->engine, &obs);
    g_assert_null(verdict_at(f, 3));
}

static void test_certificate_required(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    tlsdiag_quic_observation flight =
        datagram(&c, false, 2, MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    flight.handshake_types[0] = TLSDIAG_HS_SERVER_HELLO;
    flight.handshake_types[1] = TLSDIAG_HS_CERTIFICATE_REQUEST;
    flight.handshake_count = 2;
    tlsdiag_engine_observe_quic(f->engine, &flight);
    tlsdiag_quic_observation answer =
        datagram(&c, true, 3, 2 * MS, TLSDIAG_QUIC_HANDSHAKE | TLSDIAG_QUIC_SHORT);
    answer.handshake_types[0] = TLSDIAG_HS_CERTIFICATE;
    answer.handshake_types[1] = TLSDIAG_HS_FINISHED;
    answer.handshake_count = 2;
    answer.has_certificate_list = true;
    answer.certificate_list_length = 0;
    tlsdiag_engine_observe_quic(f->engine, &answer);
    close_in(f, &c, false, 4, 3 * MS, TLSDIAG_QUIC_HANDSHAKE | TLSDIAG_QUIC_SHORT,
             0x100 + TLSDIAG_ALERT_CERTIFICATE_REQUIRED);

    const tlsdiag_verdict *v = expect_flag(f, 4, TLSDIAG_FLAG_CLIENT_CERT_REJECTED);
    g_assert_true(v->quic);
    g_assert_true(v->certificate_requested);
    g_assert_cmpint(v->client_certificate, ==, TLSDIAG_CLIENT_CERT_EMPTY);
    assert_text_contains(v, "certificate_required (116)");
    assert_text_contains(v, "empty Certificate");
}

static void test_certificate_alert_after_client_flight(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    send_datagram(f, &c, false, 2, MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    tlsdiag_quic_observation answer = datagram(&c, true, 3, 2 * MS, TLSDIAG_QUIC_HANDSHAKE);
    answer.handshake_types[0] = TLSDIAG_HS_CERTIFICATE;
    answer.handshake_types[1] = TLSDIAG_HS_FINISHED;
    answer.handshake_count = 2;
    answer.has_certificate_list = true;
    answer.certificate_list_length = 900;
    tlsdiag_engine_observe_quic(f->engine, &answer);
    close_in(f, &c, false, 4, 3 * MS, TLSDIAG_QUIC_HANDSHAKE, 0x100 + 48 /* unknown_ca */);
    const tlsdiag_verdict *v = expect_flag(f, 4, TLSDIAG_FLAG_CLIENT_CERT_REJECTED);
    g_assert_cmpint(v->client_certificate, ==, TLSDIAG_CLIENT_CERT_SENT);

    /* The same alert before any client flight is the server's handshake
     * failing, not a rejected client certificate. */
    quic_conn d = quic_to(1, 40001, SERVER_HOST);
    client_initial(f, &d, 5, 10 * MS);
    send_datagram(f, &d, false, 6, 11 * MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    close_in(f, &d, false, 7, 12 * MS, TLSDIAG_QUIC_HANDSHAKE, 0x100 + 48);
    expect_flag(f, 7, TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED);
}

/* ---- unanswered Initials ------------------------------------------------------ */

static void test_unanswered_port_closed(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    icmp_error(f, &c, 2, 1 * MS, true);
    client_initial(f, &c, 3, SEC);
    icmp_error(f, &c, 4, SEC + MS, true);
    close_in(f, &c, true, 5, 3 * SEC, TLSDIAG_QUIC_INITIAL, PROTOCOL_VIOLATION);

    const tlsdiag_verdict *v = expect_flag(f, 5, TLSDIAG_FLAG_QUIC_UNANSWERED);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
    g_assert_cmpuint(v->quic_initials, ==, 3);
    g_assert_cmpint(v->quic_span_ns, ==, 3 * SEC);
    g_assert_cmpuint(v->quic_icmp, ==, 2);
    g_assert_true(v->quic_port_closed);
    assert_text_contains(v, "port closed");
    g_assert_null(verdict_at(f, 2));
    g_assert_null(verdict_at(f, 4));
}

static void test_unanswered_at_capture_end(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    client_initial(f, &c, 2, 300 * MS);
    client_initial(f, &c, 3, 900 * MS);
    /* An answered connection still running at the end is no failure. */
    quic_conn d = quic_to(1, 40001, OTHER_SERVER_HOST);
    client_initial(f, &d, 4, SEC);
    send_datagram(f, &d, false, 5, SEC + MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    g_assert_null(verdict_at(f, 3));

    tlsdiag_engine_capture_end(f->engine);
    const tlsdiag_verdict *v = expect_flag(f, 3, TLSDIAG_FLAG_QUIC_UNANSWERED);
    g_assert_true(v->capture_end);
    g_assert_false(v->quic_port_closed);
    g_assert_cmpuint(v->quic_icmp, ==, 0);
    assert_text_contains(v, "UDP filtered");
    g_assert_null(verdict_at(f, 4));
    g_assert_null(verdict_at(f, 5));
}

static void test_answered_then_silent_is_not_unanswered(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    send_datagram(f, &c, false, 2, MS, TLSDIAG_QUIC_INITIAL);
    close_in(f, &c, true, 3, 3 * SEC, TLSDIAG_QUIC_INITIAL, PROTOCOL_VIOLATION);
    expect_flag(f, 3, TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED);
}

/* ---- fallback to TCP ---------------------------------------------------------- */

static void test_fallback_after_unanswered(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    client_initial(f, &c, 2, 300 * MS);
    tcp_client_hello(f, 0, SERVER_HOST, 3, 350 * MS, "quic.example");

    const tlsdiag_verdict *v = expect_flag(f, 3, TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP);
    g_assert_false(v->quic);
    g_assert_cmpuint(v->quic_connection, ==, 0);
    g_assert_cmpuint(v->previous.client_hello, ==, 1);
    g_assert_cmpuint(v->previous.frame, ==, 2);
    g_assert_cmpint(v->previous.flag, ==, TLSDIAG_FLAG_QUIC_UNANSWERED);
    g_assert_cmpint(v->since_failure_ns, ==, 50 * MS);
    g_assert_cmpuint(v->quic_initials, ==, 2);
    assert_text_contains(v, "went unanswered");
    const tlsdiag_frame_report *failed = fixture_report(f, 2);
    g_assert_cmpuint(failed->retried_by, ==, 3);
    g_assert_cmpint(failed->retried_how, ==, TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP);

    /* One fallback per attempt: the next TCP connection is a connection. */
    tcp_client_hello(f, 1, SERVER_HOST, 4, 400 * MS, "quic.example");
    g_assert_null(verdict_at(f, 4));
}

static void test_fallback_after_close_by_name(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    close_in(f, &c, false, 2, MS, TLSDIAG_QUIC_INITIAL, 0x100 + ALERT_HANDSHAKE_FAILURE);
    /* Another address behind the same name and port. */
    tcp_client_hello(f, 0, OTHER_SERVER_HOST, 3, 20 * MS, "quic.example");
    const tlsdiag_verdict *v = expect_flag(f, 3, TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP);
    g_assert_cmpuint(v->previous.frame, ==, 2);
    g_assert_true(v->previous.has_alert);
    assert_text_contains(v, "was closed by the server with TLS alert handshake_failure (40)");
}

static void test_no_fallback_without_failure(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    /* A completed QUIC connection, then TCP to the same server. */
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    complete(f, &c, 2, MS);
    tcp_client_hello(f, 0, SERVER_HOST, 5, 10 * MS, "quic.example");
    g_assert_null(verdict_at(f, 5));

    /* Racing: QUIC answered and still going when TCP starts. */
    quic_conn d = quic_to(1, 40001, OTHER_SERVER_HOST);
    client_initial(f, &d, 6, SEC);
    send_datagram(f, &d, false, 7, SEC + MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    tcp_client_hello(f, 1, OTHER_SERVER_HOST, 8, SEC + 2 * MS, NULL);
    g_assert_null(verdict_at(f, 8));
}

static void test_no_fallback_other_server_or_late(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    tcp_client_hello(f, 0, OTHER_SERVER_HOST, 2, 100 * MS, "other.example");
    g_assert_null(verdict_at(f, 2));
    tcp_client_hello(f, 1, SERVER_HOST, 3, 61 * SEC, "quic.example");
    g_assert_null(verdict_at(f, 3));
}

/* ---- version negotiation and Retry ---------------------------------------------- */

static void version_negotiation(fixture *f, const quic_conn *c, uint32_t frame, int64_t time_ns)
{
    tlsdiag_quic_observation vn =
        datagram(c, false, frame, time_ns, TLSDIAG_QUIC_VERSION_NEGOTIATION);
    vn.version = 0;
    vn.listed_versions[0] = 0x0a1a2a3a;
    vn.listed_versions[1] = 1;
    vn.listed_version_count = 2;
    tlsdiag_engine_observe_quic(f->engine, &vn);
}

static void test_greased_version_then_v1_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    tlsdiag_quic_observation probe = datagram(&c, true, 1, 0, TLSDIAG_QUIC_INITIAL);
    probe.version = 0x1a2a3a4a;
    tlsdiag_engine_observe_quic(f->engine, &probe);
    version_negotiation(f, &c, 2, MS);
    quic_conn d = quic_to(1, 40001, SERVER_HOST);
    client_initial(f, &d, 3, 2 * MS);
    complete(f, &d, 4, 3 * MS);
    tlsdiag_engine_capture_end(f->engine);
    for (uint32_t frame = 1; frame <= 6; frame++)
        g_assert_null(verdict_at(f, frame));
}

static void test_no_common_version(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    tlsdiag_quic_observation probe = datagram(&c, true, 1, 0, TLSDIAG_QUIC_INITIAL);
    probe.version = 0x1a2a3a4a;
    tlsdiag_engine_observe_quic(f->engine, &probe);
    version_negotiation(f, &c, 2, MS);
    g_assert_null(verdict_at(f, 2));
    tcp_client_hello(f, 0, SERVER_HOST, 3, 30 * MS, NULL);
    const tlsdiag_verdict *fallback = expect_flag(f, 3, TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP);
    g_assert_cmpint(fallback->previous.flag, ==, TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION);
    g_assert_cmpuint(fallback->previous.frame, ==, 2);

    tlsdiag_engine_capture_end(f->engine);
    const tlsdiag_verdict *v = expect_flag(f, 2, TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION);
    g_assert_cmpuint(v->quic_version, ==, 0x1a2a3a4a);
    g_assert_true(tlsdiag_quic_version_is_greased(v->quic_version));
    assert_text_contains(v, "either the client only probed");
    g_assert_true(v->capture_end);
    g_assert_cmpuint(fixture_report(f, 2)->retried_by, ==, 3);
}

/* Initial (frame 1), Retry (2; a second copy in frame 20 when twice), the
 * client's Initial with the token (3). */
static void retry_answered(fixture *f, const quic_conn *c, bool twice)
{
    client_initial(f, c, 1, 0);
    send_datagram(f, c, false, 2, MS, TLSDIAG_QUIC_RETRY);
    if (twice)
        send_datagram(f, c, false, 20, MS, TLSDIAG_QUIC_RETRY);
    tlsdiag_quic_observation token = datagram(c, true, 3, 2 * MS, TLSDIAG_QUIC_INITIAL);
    token.initial_token = true;
    tlsdiag_engine_observe_quic(f->engine, &token);
}

static void test_retry_loop(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    retry_answered(f, &c, false);
    send_datagram(f, &c, false, 4, 3 * MS, TLSDIAG_QUIC_RETRY);
    const tlsdiag_verdict *v = expect_flag(f, 4, TLSDIAG_FLAG_QUIC_RETRY_LOOP);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_SERVER);
    g_assert_cmpuint(v->quic_retry, ==, 2);
    send_datagram(f, &c, false, 5, 4 * MS, TLSDIAG_QUIC_INITIAL);
    g_assert_null(verdict_at(f, 5));
    g_assert_cmpuint(v->quic_retry, ==, 2);
    assert_text_contains(v, "got another Retry");
}

static void test_retry_then_silence(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    retry_answered(f, &c, false);
    tlsdiag_engine_capture_end(f->engine);
    const tlsdiag_verdict *v = expect_flag(f, 3, TLSDIAG_FLAG_QUIC_RETRY_LOOP);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
}

static void token_initial(fixture *f, const quic_conn *c, uint32_t frame, int64_t time_ns)
{
    tlsdiag_quic_observation token = datagram(c, true, frame, time_ns, TLSDIAG_QUIC_INITIAL);
    token.initial_token = true;
    tlsdiag_engine_observe_quic(f->engine, &token);
}

/* The lab's quic-retry-token-dropped: the Initials with the token never
 * reach the server; ngtcp2 closes without the token, the server answers
 * that close with a new Retry and the client's host with ICMP. */
static void test_retry_token_dropped(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    retry_answered(f, &c, false);
    token_initial(f, &c, 4, 2 * MS + SEC);
    close_in(f, &c, true, 5, 2 * SEC, TLSDIAG_QUIC_INITIAL, PROTOCOL_VIOLATION);
    send_datagram(f, &c, false, 6, 2 * SEC + MS, TLSDIAG_QUIC_RETRY);
    icmp_error(f, &c, 7, 2 * SEC + MS, true);
    tlsdiag_engine_capture_end(f->engine);

    const tlsdiag_verdict *v = expect_flag(f, 5, TLSDIAG_FLAG_QUIC_RETRY_LOOP);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_QUIC_INITIAL);
    g_assert_cmpuint(v->quic_retry, ==, 2);
    g_assert_cmpuint(v->quic_initials, ==, 2);
    g_assert_cmpint(v->quic_span_ns, ==, SEC);
    g_assert_cmpuint(v->quic_icmp, ==, 0);
    assert_text_contains(v, "with its token in 2 Initials over");
    assert_text_contains(v, "UDP reaches it");
    assert_text_contains(v, "closed with PROTOCOL_VIOLATION");
    assert_text_lacks(v, "UDP filtered");
    g_assert_null(verdict_at(f, 6));
    g_assert_null(verdict_at(f, 7));
}

/* A client that drops the Retry goes on with its first Initial, no token. */
static void test_retry_discarded(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    send_datagram(f, &c, false, 2, MS, TLSDIAG_QUIC_RETRY);
    send_datagram(f, &c, true, 3, SEC, TLSDIAG_QUIC_INITIAL);
    g_assert_null(verdict_at(f, 3));
    close_in(f, &c, true, 4, 2 * SEC, TLSDIAG_QUIC_INITIAL, PROTOCOL_VIOLATION);
    const tlsdiag_verdict *v = expect_flag(f, 4, TLSDIAG_FLAG_QUIC_RETRY_LOOP);
    g_assert_cmpuint(v->quic_initials, ==, 0);
    assert_text_contains(v, "never answered the server's Retry (frame 2)");
}

/* A Retry that answers an Initial without the token (a retransmission that
 * crossed the first Retry) is no loop, even after the token went out. */
static void test_retry_answering_old_initial_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    client_initial(f, &c, 1, 0);
    send_datagram(f, &c, true, 2, MS, TLSDIAG_QUIC_INITIAL);
    send_datagram(f, &c, false, 3, 2 * MS, TLSDIAG_QUIC_RETRY);
    send_datagram(f, &c, false, 4, 3 * MS, TLSDIAG_QUIC_RETRY);
    token_initial(f, &c, 5, 4 * MS);
    complete(f, &c, 6, 5 * MS);
    tlsdiag_engine_capture_end(f->engine);
    for (uint32_t frame = 1; frame <= 8; frame++)
        g_assert_null(verdict_at(f, frame));
}

/* Two copies of the first Initial get two Retries; the token then works. */
static void test_retry_then_handshake_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    retry_answered(f, &c, true);
    complete(f, &c, 4, 3 * MS);
    tlsdiag_engine_capture_end(f->engine);
    for (uint32_t frame = 1; frame <= 20; frame++)
        g_assert_null(verdict_at(f, frame));
}

/* ---- HTTP/3: a close after a 403 on mutual TLS ------------------------------------ */

#define H3_NO_ERROR 0x100
#define H3_REQUEST_CANCELLED 0x10c

/* Frames 1-4: an mTLS handshake to its completion; the client's
 * certificate is a Certificate (11) with that many bytes of list, or a
 * CompressedCertificate (25) when compressed. */
static void mtls_handshake(fixture *f, const quic_conn *c, uint32_t certificate_bytes, bool compressed)
{
    client_initial(f, c, 1, 0);
    tlsdiag_quic_observation flight =
        datagram(c, false, 2, MS, TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE);
    flight.handshake_types[0] = TLSDIAG_HS_SERVER_HELLO;
    flight.handshake_types[1] = TLSDIAG_HS_CERTIFICATE_REQUEST;
    flight.handshake_count = 2;
    tlsdiag_engine_observe_quic(f->engine, &flight);
    tlsdiag_quic_observation answer =
        datagram(c, true, 3, 2 * MS, TLSDIAG_QUIC_HANDSHAKE | TLSDIAG_QUIC_SHORT);
    answer.handshake_types[0] = compressed ? 25 : TLSDIAG_HS_CERTIFICATE;
    answer.handshake_types[1] = TLSDIAG_HS_FINISHED;
    answer.handshake_count = 2;
    answer.has_certificate_list = !compressed;
    answer.certificate_list_length = certificate_bytes;
    tlsdiag_engine_observe_quic(f->engine, &answer);
    send_datagram(f, c, false, 4, 3 * MS, TLSDIAG_QUIC_SHORT);
}

static void h3_response(fixture *f, const quic_conn *c, uint32_t frame, int64_t time_ns, uint16_t status)
{
    tlsdiag_quic_observation obs = datagram(c, false, frame, time_ns, TLSDIAG_QUIC_SHORT);
    obs.http_statuses[0] = status;
    obs.http_status_count = 1;
    tlsdiag_engine_observe_quic(f->engine, &obs);
}

static void application_close(fixture *f, const quic_conn *c, uint32_t frame, int64_t time_ns,
                              uint64_t error)
{
    tlsdiag_quic_observation obs = datagram(c, true, frame, time_ns, TLSDIAG_QUIC_SHORT);
    obs.has_close = true;
    obs.close_application = true;
    obs.close_error = error;
    tlsdiag_engine_observe_quic(f->engine, &obs);
}

/* The lab's quic-h3-mtls-403 (curl 8.14, nginx 1.26): curl closes with
 * application error 0 after the 403, as a TCP client's close_notify. */
static void test_close_after_403(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    mtls_handshake(f, &c, 1400, false);
    h3_response(f, &c, 5, 4 * MS, 403);
    g_assert_null(verdict_at(f, 5));
    application_close(f, &c, 6, 5 * MS, 0);
    const tlsdiag_verdict *v = expect_flag(f, 6, TLSDIAG_FLAG_ALERT_AFTER_403);
    g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
    g_assert_cmpint(v->stage, ==, TLSDIAG_STAGE_ESTABLISHED);
    g_assert_cmpuint(v->http403, ==, 5);
    g_assert_true(v->quic_application);
    g_assert_false(v->has_alert);
    g_assert_true(tlsdiag_quic_close_is_clean(v));
    g_assert_cmpint(v->client_certificate, ==, TLSDIAG_CLIENT_CERT_SENT);
    assert_text_contains(v, "application error 0x0 after the HTTP/3 403 response in frame 5");
    assert_text_contains(v, "a clean close, no failure by itself");
    tlsdiag_engine_capture_end(f->engine);
    for (uint32_t frame = 1; frame <= 5; frame++)
        g_assert_null(verdict_at(f, frame));
}

static void test_error_close_after_403_compressed_certificate(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    mtls_handshake(f, &c, 0, true);
    h3_response(f, &c, 5, 4 * MS, 403);
    application_close(f, &c, 6, 5 * MS, H3_REQUEST_CANCELLED);
    const tlsdiag_verdict *v = expect_flag(f, 6, TLSDIAG_FLAG_ALERT_AFTER_403);
    g_assert_false(tlsdiag_quic_close_is_clean(v));
    assert_text_contains(v, "closed with an error after HTTP 403");
    assert_text_lacks(v, "no failure by itself");
}

static void test_403_without_client_certificate_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    mtls_handshake(f, &c, 0, false);
    h3_response(f, &c, 5, 4 * MS, 403);
    application_close(f, &c, 6, 5 * MS, H3_NO_ERROR);
    tlsdiag_engine_capture_end(f->engine);
    for (uint32_t frame = 1; frame <= 6; frame++)
        g_assert_null(verdict_at(f, frame));
}

static void test_403_then_200_is_silent(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    mtls_handshake(f, &c, 1400, false);
    h3_response(f, &c, 5, 4 * MS, 403);
    h3_response(f, &c, 6, 5 * MS, 200);
    application_close(f, &c, 7, 6 * MS, H3_NO_ERROR);
    tlsdiag_engine_capture_end(f->engine);
    for (uint32_t frame = 1; frame <= 7; frame++)
        g_assert_null(verdict_at(f, frame));
}

static void test_connection_caught_midway_is_ignored(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    quic_conn c = quic_to(0, 40000, SERVER_HOST);
    send_datagram(f, &c, false, 1, 0, TLSDIAG_QUIC_SHORT);
    close_in(f, &c, false, 2, MS, TLSDIAG_QUIC_HANDSHAKE, 0x100 + ALERT_HANDSHAKE_FAILURE);
    tlsdiag_engine_capture_end(f->engine);
    g_assert_null(verdict_at(f, 1));
    g_assert_null(verdict_at(f, 2));
}

#define ADD(path, func) g_test_add(path, fixture, NULL, fixture_set_up, func, fixture_tear_down)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/quic/close/server-refuses-initial", test_server_refuses_initial);
    ADD("/quic/close/client-at-handshake-level", test_client_closes_at_handshake_level);
    ADD("/quic/close/transport-error-named", test_transport_error_named);
    ADD("/quic/close/after-completion-silent", test_close_after_completion_is_silent);
    ADD("/quic/completed-wants-no-content", test_completed_wants_no_content);
    ADD("/quic/close/1rtt-only-silent", test_close_in_1rtt_only_is_no_handshake_close);
    ADD("/quic/close/quoted-in-icmp", test_close_quoted_in_icmp_is_not_new);
    ADD("/quic/close/certificate-required", test_certificate_required);
    ADD("/quic/close/certificate-alert", test_certificate_alert_after_client_flight);
    ADD("/quic/unanswered/port-closed", test_unanswered_port_closed);
    ADD("/quic/unanswered/capture-end", test_unanswered_at_capture_end);
    ADD("/quic/unanswered/answered-is-not", test_answered_then_silent_is_not_unanswered);
    ADD("/quic/fallback/after-unanswered", test_fallback_after_unanswered);
    ADD("/quic/fallback/after-close-by-name", test_fallback_after_close_by_name);
    ADD("/quic/fallback/not-without-failure", test_no_fallback_without_failure);
    ADD("/quic/fallback/not-other-server-or-late", test_no_fallback_other_server_or_late);
    ADD("/quic/version/greased-then-v1", test_greased_version_then_v1_is_silent);
    ADD("/quic/version/no-common-version", test_no_common_version);
    ADD("/quic/retry/loop", test_retry_loop);
    ADD("/quic/retry/then-silence", test_retry_then_silence);
    ADD("/quic/retry/then-handshake", test_retry_then_handshake_is_silent);
    ADD("/quic/retry/token-dropped", test_retry_token_dropped);
    ADD("/quic/retry/discarded", test_retry_discarded);
    ADD("/quic/retry/answering-old-initial", test_retry_answering_old_initial_is_silent);
    ADD("/quic/midway", test_connection_caught_midway_is_ignored);
    ADD("/quic/h3/close-after-403", test_close_after_403);
    ADD("/quic/h3/error-close-after-403-compressed", test_error_close_after_403_compressed_certificate);
    ADD("/quic/h3/403-without-client-certificate", test_403_without_client_certificate_is_silent);
    ADD("/quic/h3/403-then-200", test_403_then_200_is_silent);
    return g_test_run();
}
