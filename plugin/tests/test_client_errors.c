/* test_client_errors.c
 * Unit tests of the client error table: which wire events map to which
 * strings, and which map to nothing. With --dump, prints every flag and
 * string the table can produce (for check_client_errors_doc.py).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "engine/client_errors.h"

static tlsdiag_wire_event closed(tlsdiag_side side, tlsdiag_close close, tlsdiag_stage stage)
{
    tlsdiag_wire_event event = {
        .flag = TLSDIAG_FLAG_HANDSHAKE_ABORTED, .side = side, .close = close, .stage = stage};
    return event;
}

static tlsdiag_wire_event alerted(tlsdiag_flag flag, tlsdiag_side side, tlsdiag_stage stage,
                                  uint8_t alert)
{
    tlsdiag_wire_event event = {.flag = flag,
                                .side = side,
                                .stage = stage,
                                .has_alert = true,
                                .alert = alert,
                                .alert_level = TLSDIAG_ALERT_LEVEL_FATAL};
    return event;
}

/* The string of one stack, "" when the table has none. */
static char *text_of(const tlsdiag_wire_event *event, tlsdiag_stack stack)
{
    char *text = tlsdiag_client_error(event, stack);
    return text != NULL ? text : g_strdup("");
}

#define assert_stack(event, stack, expected)                                                       \
    do {                                                                                           \
        char *got_ = text_of((event), (stack));                                                    \
        g_assert_cmpstr(got_, ==, (expected));                                                     \
        g_free(got_);                                                                              \
    } while (0)

static unsigned count_of(const tlsdiag_wire_event *event)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    unsigned count = tlsdiag_client_errors(event, lines);
    g_assert_cmpuint(count, ==, lines->len);
    g_ptr_array_free(lines, TRUE);
    return count;
}

static void test_server_fin_in_handshake(void)
{
    tlsdiag_wire_event event =
        closed(TLSDIAG_SIDE_SERVER, TLSDIAG_CLOSE_FIN, TLSDIAG_STAGE_SERVER_FLIGHT);
    assert_stack(&event, TLSDIAG_STACK_APPLE,
                 "iOS/macOS: errSSLClosedNoNotify (-9816) or errSSLClosedAbort (-9806), "
                 "NSURLErrorSecureConnectionFailed (-1200)");
    assert_stack(&event, TLSDIAG_STACK_CHROME, "Chrome: ERR_CONNECTION_CLOSED (-100)");
    assert_stack(&event, TLSDIAG_STACK_FIREFOX, "Firefox: PR_END_OF_FILE_ERROR");
    assert_stack(&event, TLSDIAG_STACK_ANDROID,
                 "Android: SSLHandshakeException: Connection closed by peer");
    assert_stack(&event, TLSDIAG_STACK_CURL, "curl: (35) OpenSSL SSL_connect: SSL_ERROR_SYSCALL");
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: unexpected eof while reading");
    g_assert_cmpuint(count_of(&event), ==, TLSDIAG_STACK_COUNT);
}

static void test_server_rst_in_handshake(void)
{
    tlsdiag_wire_event event =
        closed(TLSDIAG_SIDE_SERVER, TLSDIAG_CLOSE_RST, TLSDIAG_STAGE_CLIENT_HELLO);
    assert_stack(&event, TLSDIAG_STACK_CHROME, "Chrome: ERR_CONNECTION_RESET (-101)");
    assert_stack(&event, TLSDIAG_STACK_FIREFOX, "Firefox: PR_CONNECT_RESET_ERROR");
    assert_stack(&event, TLSDIAG_STACK_CURL, "curl: (35) Recv failure: Connection reset by peer");
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: errno=104 (ECONNRESET)");

    /* TLS 1.2: the client's key exchange is still inside its handshake call. */
    event.stage = TLSDIAG_STAGE_CLIENT_FLIGHT;
    assert_stack(&event, TLSDIAG_STACK_CHROME, "Chrome: ERR_CONNECTION_RESET (-101)");
}

static void test_closes_without_mapping(void)
{
    /* The client closed: it chose to, its report is its own reason. */
    tlsdiag_wire_event event =
        closed(TLSDIAG_SIDE_CLIENT, TLSDIAG_CLOSE_FIN, TLSDIAG_STAGE_SERVER_HELLO);
    g_assert_cmpuint(count_of(&event), ==, 0);
    event.close = TLSDIAG_CLOSE_RST;
    g_assert_cmpuint(count_of(&event), ==, 0);

    /* TLS 1.3 after the client's Finished: the close reaches a read, not
     * the handshake; only s_client's report of a reset is known (lab). */
    event = closed(TLSDIAG_SIDE_SERVER, TLSDIAG_CLOSE_RST, TLSDIAG_STAGE_CLIENT_FLIGHT);
    event.tls13 = true;
    g_assert_cmpuint(count_of(&event), ==, 1);
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: errno=104 (ECONNRESET)");
    event.close = TLSDIAG_CLOSE_FIN;
    g_assert_cmpuint(count_of(&event), ==, 0);

    event = closed(TLSDIAG_SIDE_SERVER, TLSDIAG_CLOSE_NONE, TLSDIAG_STAGE_CLIENT_HELLO);
    g_assert_cmpuint(count_of(&event), ==, 0);
}

static void test_server_alerts(void)
{
    tlsdiag_wire_event event =
        alerted(TLSDIAG_FLAG_HANDSHAKE_ALERT, TLSDIAG_SIDE_SERVER, TLSDIAG_STAGE_CLIENT_HELLO, 40);
    assert_stack(&event, TLSDIAG_STACK_APPLE, "iOS/macOS: errSSLPeerHandshakeFail (-9824)");
    assert_stack(&event, TLSDIAG_STACK_CHROME, "Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH (-113)");
    assert_stack(&event, TLSDIAG_STACK_ANDROID, "");
    assert_stack(&event, TLSDIAG_STACK_CURL,
                 "curl: (35) OpenSSL: error:0A000410:SSL routines::sslv3 alert handshake failure");
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: sslv3 alert handshake failure");

    assert_stack(&event, TLSDIAG_STACK_FIREFOX, "Firefox: SSL_ERROR_NO_CYPHER_OVERLAP");

    /* handshake_failure later in the handshake is no version or cipher question. */
    event.stage = TLSDIAG_STAGE_CLIENT_FLIGHT;
    assert_stack(&event, TLSDIAG_STACK_CHROME, "Chrome: ERR_SSL_PROTOCOL_ERROR (-107)");
    assert_stack(&event, TLSDIAG_STACK_FIREFOX, "Firefox: SSL_ERROR_HANDSHAKE_FAILURE_ALERT");

    event =
        alerted(TLSDIAG_FLAG_HANDSHAKE_ALERT, TLSDIAG_SIDE_SERVER, TLSDIAG_STAGE_CLIENT_HELLO, 70);
    assert_stack(&event, TLSDIAG_STACK_APPLE, "iOS/macOS: errSSLPeerProtocolVersion (-9836)");
    assert_stack(&event, TLSDIAG_STACK_CHROME, "Chrome: ERR_SSL_VERSION_OR_CIPHER_MISMATCH (-113)");
    assert_stack(&event, TLSDIAG_STACK_CURL,
                 "curl: (35) OpenSSL: error:0A00042E:SSL routines::tlsv1 alert protocol version");

    event = alerted(TLSDIAG_FLAG_FALLBACK_REJECTED, TLSDIAG_SIDE_SERVER, TLSDIAG_STAGE_CLIENT_HELLO,
                    86);
    assert_stack(&event, TLSDIAG_STACK_APPLE, "iOS/macOS: errSSLFatalAlert (-9802)");
    assert_stack(&event, TLSDIAG_STACK_FIREFOX, "Firefox: SSL_ERROR_INAPPROPRIATE_FALLBACK_ALERT");
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: tlsv1 alert inappropriate fallback");

    /* TLS 1.3: a rejected client certificate reaches curl's first read. */
    event = alerted(TLSDIAG_FLAG_CLIENT_CERT_REJECTED, TLSDIAG_SIDE_SERVER,
                    TLSDIAG_STAGE_CLIENT_FLIGHT, 116);
    event.tls13 = true;
    assert_stack(&event, TLSDIAG_STACK_CHROME, "Chrome: ERR_BAD_SSL_CLIENT_AUTH_CERT (-117)");
    assert_stack(&event, TLSDIAG_STACK_CURL,
                 "curl: (56) OpenSSL SSL_read: OpenSSL: error:0A00045C:SSL routines::tlsv13 alert "
                 "certificate required, errno 0");

    event = alerted(TLSDIAG_FLAG_RESUMPTION_REFUSED, TLSDIAG_SIDE_SERVER,
                    TLSDIAG_STAGE_CLIENT_HELLO, 40);
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: sslv3 alert handshake failure");
}

static void test_alerts_without_mapping(void)
{
    tlsdiag_wire_event event = alerted(TLSDIAG_FLAG_HANDSHAKE_ALERT, TLSDIAG_SIDE_SERVER,
                                       TLSDIAG_STAGE_CLIENT_HELLO, TLSDIAG_ALERT_CLOSE_NOTIFY);
    g_assert_cmpuint(count_of(&event), ==, 0);

    /* Stacks ignore warning alerts other than close_notify. */
    event.alert = TLSDIAG_ALERT_USER_CANCELED;
    event.alert_level = TLSDIAG_ALERT_LEVEL_WARNING;
    g_assert_cmpuint(count_of(&event), ==, 0);

    /* Encrypted: the description is unknown. */
    event.alert = 40;
    event.alert_level = TLSDIAG_ALERT_LEVEL_FATAL;
    event.has_alert = false;
    g_assert_cmpuint(count_of(&event), ==, 0);

    /* A description no RFC assigns. */
    event =
        alerted(TLSDIAG_FLAG_HANDSHAKE_ALERT, TLSDIAG_SIDE_SERVER, TLSDIAG_STAGE_CLIENT_HELLO, 200);
    g_assert_cmpuint(count_of(&event), ==, 0);

    /* resumption_refused on the server's full handshake: no alert, no error. */
    tlsdiag_wire_event full = {.flag = TLSDIAG_FLAG_RESUMPTION_REFUSED,
                               .side = TLSDIAG_SIDE_SERVER,
                               .stage = TLSDIAG_STAGE_SERVER_FLIGHT};
    g_assert_cmpuint(count_of(&full), ==, 0);
}

static void test_client_alerts(void)
{
    tlsdiag_wire_event event =
        alerted(TLSDIAG_FLAG_HANDSHAKE_ALERT, TLSDIAG_SIDE_CLIENT, TLSDIAG_STAGE_SERVER_FLIGHT, 48);
    assert_stack(&event, TLSDIAG_STACK_CURL, "curl: (60) SSL certificate problem");
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: certificate verify failed");
    assert_stack(&event, TLSDIAG_STACK_APPLE, "");
    assert_stack(&event, TLSDIAG_STACK_CHROME, "");
    assert_stack(&event, TLSDIAG_STACK_FIREFOX, "");
    g_assert_cmpuint(count_of(&event), ==, 2);

    /* The certificate's segments unreadable, or the whole server flight:
     * the alert still proves the certificate came. */
    event.stage = TLSDIAG_STAGE_SERVER_HELLO;
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: certificate verify failed");
    event.stage = TLSDIAG_STAGE_CLIENT_HELLO;
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: certificate verify failed");

    /* bad_certificate: a certificate not yet valid, for another name, with a weak key. */
    event.alert = 42;
    event.stage = TLSDIAG_STAGE_SERVER_FLIGHT;
    assert_stack(&event, TLSDIAG_STACK_CURL, "curl: (60) SSL certificate problem");
    assert_stack(&event, TLSDIAG_STACK_OPENSSL, "OpenSSL: certificate verify failed");
    g_assert_cmpuint(count_of(&event), ==, 2);

    /* After the client's flight the alert is about something else. */
    event.stage = TLSDIAG_STAGE_CLIENT_FLIGHT;
    g_assert_cmpuint(count_of(&event), ==, 0);

    event =
        alerted(TLSDIAG_FLAG_HANDSHAKE_ALERT, TLSDIAG_SIDE_CLIENT, TLSDIAG_STAGE_SERVER_FLIGHT, 40);
    g_assert_cmpuint(count_of(&event), ==, 0);
}

static void test_checked_after_handshake(void)
{
    tlsdiag_wire_event event = {.flag = TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE,
                                .side = TLSDIAG_SIDE_CLIENT,
                                .stage = TLSDIAG_STAGE_ESTABLISHED,
                                .has_alert = true,
                                .alert = TLSDIAG_ALERT_CLOSE_NOTIFY,
                                .server_name = "www.example.test",
                                .cert_findings = 1u << TLSDIAG_CERT_NAME_MISMATCH,
                                .cert_has_dns_names = true};
    assert_stack(&event, TLSDIAG_STACK_CURL,
                 "curl: (60) SSL: no alternative certificate subject name matches target host "
                 "name 'www.example.test'");
    g_assert_cmpuint(count_of(&event), ==, 1);

    /* Without subjectAltNames curl compares the CN and says so otherwise. */
    event.cert_has_dns_names = false;
    g_assert_cmpuint(count_of(&event), ==, 0);
    /* Another reason to reject (a pin, an app's own check): nothing known. */
    event.cert_has_dns_names = true;
    event.cert_findings = 1u << TLSDIAG_CERT_EXPIRED;
    g_assert_cmpuint(count_of(&event), ==, 0);
    /* A fatal alert after the handshake is not curl's way of refusing. */
    event.cert_findings = 1u << TLSDIAG_CERT_NAME_MISMATCH;
    event.alert = 46;
    g_assert_cmpuint(count_of(&event), ==, 0);

    event.flag = TLSDIAG_FLAG_CERTIFICATE_CHANGED;
    event.alert = TLSDIAG_ALERT_CLOSE_NOTIFY;
    event.cert_findings = 0;
    assert_stack(&event, TLSDIAG_STACK_CURL,
                 "curl: (90) SSL: public key does not match pinned public key");
    g_assert_cmpuint(count_of(&event), ==, 1);
    /* The new certificate also names another host: curl stops at the name. */
    event.cert_findings = 1u << TLSDIAG_CERT_NAME_MISMATCH;
    g_assert_cmpuint(count_of(&event), ==, 0);
}

static void test_alert_after_403(void)
{
    tlsdiag_wire_event event =
        alerted(TLSDIAG_FLAG_ALERT_AFTER_403, TLSDIAG_SIDE_CLIENT, TLSDIAG_STAGE_ESTABLISHED, 20);
    assert_stack(&event, TLSDIAG_STACK_APPLE,
                 "iOS/macOS: NSURLErrorClientCertificateRequired (-1206)");
    g_assert_cmpuint(count_of(&event), ==, 1);

    /* A close_notify after a 403 is how clients end a connection. */
    event.alert = TLSDIAG_ALERT_CLOSE_NOTIFY;
    g_assert_cmpuint(count_of(&event), ==, 0);

    event =
        alerted(TLSDIAG_FLAG_ALERT_AFTER_403, TLSDIAG_SIDE_SERVER, TLSDIAG_STAGE_ESTABLISHED, 20);
    g_assert_cmpuint(count_of(&event), ==, 0);

    tlsdiag_wire_event bare = {.flag = TLSDIAG_FLAG_ALERT_AFTER_403,
                               .side = TLSDIAG_SIDE_CLIENT,
                               .close = TLSDIAG_CLOSE_FIN};
    g_assert_cmpuint(count_of(&bare), ==, 0);
}

/* Flags where the client saw no error of its own (retries, timing), and
 * flags this table does not know yet (another story adds them later):
 * whatever the rest of the event, nothing. */
static void test_other_flags_map_to_nothing(void)
{
    const tlsdiag_flag silent[] = {
        TLSDIAG_FLAG_NONE,
        TLSDIAG_FLAG_VERSION_FALLBACK,
        TLSDIAG_FLAG_RETRY_AFTER_FAILURE,
        TLSDIAG_FLAG_FALLBACK_SCSV,
        TLSDIAG_FLAG_POSSIBLE_ALERT_AFTER_403,
        TLSDIAG_FLAG_HANDSHAKE_STALLED,
        TLSDIAG_FLAG_HANDSHAKE_SLOW,
        TLSDIAG_FLAG_COUNT,
        (tlsdiag_flag)(TLSDIAG_FLAG_COUNT + 7),
    };
    for (size_t i = 0; i < G_N_ELEMENTS(silent); i++) {
        for (int side = 0; side < TLSDIAG_SIDE_COUNT; side++) {
            for (int close = 0; close < TLSDIAG_CLOSE_COUNT; close++) {
                tlsdiag_wire_event event =
                    alerted(silent[i], (tlsdiag_side)side, TLSDIAG_STAGE_CLIENT_HELLO, 40);
                event.close = (tlsdiag_close)close;
                g_assert_cmpuint(count_of(&event), ==, 0);
                event.has_alert = false;
                g_assert_cmpuint(count_of(&event), ==, 0);
            }
        }
    }
}

static void test_event_of_verdict(void)
{
    tlsdiag_verdict verdict = {.flag = TLSDIAG_FLAG_HANDSHAKE_ALERT,
                               .side = TLSDIAG_SIDE_SERVER,
                               .stage = TLSDIAG_STAGE_CLIENT_FLIGHT,
                               .has_alert = true,
                               .alert_encrypted = true,
                               .alert = 40,
                               .alert_level = TLSDIAG_ALERT_LEVEL_FATAL};
    tlsdiag_wire_event event = tlsdiag_wire_event_of(&verdict);
    g_assert_false(event.has_alert);
    g_assert_cmpuint(count_of(&event), ==, 0);

    verdict.alert_encrypted = false;
    verdict.tls13 = true;
    event = tlsdiag_wire_event_of(&verdict);
    g_assert_true(event.has_alert && event.tls13);
    g_assert_cmpint(event.stage, ==, TLSDIAG_STAGE_CLIENT_FLIGHT);
    assert_stack(&event, TLSDIAG_STACK_CURL,
                 "curl: (56) OpenSSL SSL_read: OpenSSL: error:0A000410:SSL routines::sslv3 alert "
                 "handshake failure, errno 0");
}

/* Every flag and string the table can produce, one "flag<TAB>string" line
 * each, over all sides, closes, stages, versions and alert descriptions,
 * with and without a wrong host name (the server name written HOST). */
static void dump(void)
{
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

    for (int wrong_name = 0; wrong_name < 2; wrong_name++)
    for (int flag = 0; flag < TLSDIAG_FLAG_COUNT; flag++)
        for (int side = 0; side < TLSDIAG_SIDE_COUNT; side++)
            for (int close = 0; close < TLSDIAG_CLOSE_COUNT; close++)
                for (int stage = 0; stage < TLSDIAG_STAGE_COUNT; stage++)
                    for (int tls13 = 0; tls13 < 2; tls13++)
                        for (int alert = -1; alert < 256; alert++) {
                            tlsdiag_wire_event event = {
                                .flag = (tlsdiag_flag)flag,
                                .side = (tlsdiag_side)side,
                                .close = (tlsdiag_close)close,
                                .stage = (tlsdiag_stage)stage,
                                .tls13 = tls13,
                                .has_alert = alert >= 0,
                                .alert = (uint8_t)(alert < 0 ? 0 : alert),
                                .alert_level = TLSDIAG_ALERT_LEVEL_FATAL,
                                .server_name = "HOST",
                                .cert_findings =
                                    wrong_name ? 1u << TLSDIAG_CERT_NAME_MISMATCH : 0,
                                .cert_has_dns_names = true,
                            };
                            g_ptr_array_set_size(lines, 0);
                            tlsdiag_client_errors(&event, lines);
                            for (guint i = 0; i < lines->len; i++) {
                                char *line =
                                    g_strdup_printf("%s\t%s", tlsdiag_flag_name((tlsdiag_flag)flag),
                                                    (const char *)g_ptr_array_index(lines, i));
                                if (g_hash_table_add(seen, line))
                                    printf("%s\n", line);
                            }
                        }
    g_ptr_array_free(lines, TRUE);
    g_hash_table_destroy(seen);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--dump") == 0) {
        dump();
        return 0;
    }
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/client-errors/server-fin", test_server_fin_in_handshake);
    g_test_add_func("/client-errors/server-rst", test_server_rst_in_handshake);
    g_test_add_func("/client-errors/closes-without-mapping", test_closes_without_mapping);
    g_test_add_func("/client-errors/server-alerts", test_server_alerts);
    g_test_add_func("/client-errors/alerts-without-mapping", test_alerts_without_mapping);
    g_test_add_func("/client-errors/client-alerts", test_client_alerts);
    g_test_add_func("/client-errors/checked-after-handshake", test_checked_after_handshake);
    g_test_add_func("/client-errors/alert-after-403", test_alert_after_403);
    g_test_add_func("/client-errors/other-flags", test_other_flags_map_to_nothing);
    g_test_add_func("/client-errors/event-of-verdict", test_event_of_verdict);
    return g_test_run();
}
