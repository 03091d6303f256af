/* test_siblings.c
 * Unit tests of the siblings story (connections a client abandoned) and of
 * recording gaps: the story's own rules, then the engine's verdicts for
 * scripted captures of several connections, positive and negative.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <string.h>

#include <glib.h>

#include "engine/engine.h"
#include "engine/recording.h"
#include "engine/siblings.h"
#include "engine_fixture.h"


/* ---- the story alone ------------------------------------------------------ */

static tlsdiag_endpoint host(uint8_t family, uint8_t last, uint16_t port)
{
    tlsdiag_endpoint endpoint = {.family = family, .port = port};
    endpoint.addr[0] = family == 4 ? 10 : 0xfd;
    endpoint.addr[family == 4 ? 3 : 15] = last;
    return endpoint;
}

typedef struct {
    tlsdiag_endpoint client;
    tlsdiag_endpoint server;
    tlsdiag_sibling_of of;
} peer;

static peer make_peer(uint8_t family, uint8_t client_last, uint16_t client_port,
                      uint8_t server_last, const char *name, uint32_t stream)
{
    peer p = {.client = host(family, client_last, client_port), .server = host(family, server_last, 443)};
    p.of.server_name = name;
    p.of.stream = stream;
    return p;
}

/* The pointers of p.of point into p: fix them after every copy. */
static const tlsdiag_sibling_of *of(peer *p)
{
    p->of.client = &p->client;
    p->of.server = &p->server;
    return &p->of;
}

static void test_story_ready_window(void)
{
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    peer winner = make_peer(4, 1, 50000, 2, NULL, 0);
    peer surplus = make_peer(4, 1, 50001, 2, NULL, 1);
    peer late = make_peer(4, 1, 50002, 2, NULL, 2);

    tlsdiag_siblings_note_ready(siblings, of(&winner), 10, 1 * SEC);
    tlsdiag_sibling_evidence e =
        tlsdiag_siblings_note_close(siblings, of(&surplus), 1 * SEC + TLSDIAG_SIBLING_READY_WINDOW_NS,
                                    TLSDIAG_CLOSE_AWAITING_SERVER);
    g_assert_true(e.abandoned);
    g_assert_cmpuint(e.sibling_frame, ==, 10);
    g_assert_cmpuint(e.sibling_client_port, ==, 50000);
    g_assert_cmpint(e.since_sibling_ns, ==, TLSDIAG_SIBLING_READY_WINDOW_NS);
    g_assert_false(e.sibling_by_name);
    g_assert_cmpuint(e.closed_together, ==, 1);

    /* One nanosecond later than the window, and far from the close before. */
    e = tlsdiag_siblings_note_close(siblings, of(&late),
                                    1 * SEC + TLSDIAG_SIBLING_READY_WINDOW_NS +
                                        TLSDIAG_CLOSED_TOGETHER_WINDOW_NS + 1,
                                    TLSDIAG_CLOSE_AWAITING_SERVER);
    g_assert_false(e.abandoned);
    g_assert_cmpuint(e.sibling_frame, ==, 10);
    g_assert_cmpuint(e.closed_together, ==, 1);
    tlsdiag_siblings_free(siblings);
}

static void test_story_own_finished_is_no_sibling(void)
{
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    peer a = make_peer(4, 1, 50000, 2, NULL, 0);
    peer b = make_peer(4, 1, 50001, 2, NULL, 1);

    /* b is the latest that got ready; a the one before it. */
    tlsdiag_siblings_note_ready(siblings, of(&a), 10, 1 * SEC);
    tlsdiag_siblings_note_ready(siblings, of(&b), 11, 1 * SEC + 1 * MS);
    tlsdiag_sibling_evidence e = tlsdiag_siblings_note_close(siblings, of(&b), 1 * SEC + 2 * MS,
                                                             TLSDIAG_CLOSE_AFTER_CLIENT_DONE);
    g_assert_true(e.abandoned);
    g_assert_cmpuint(e.sibling_frame, ==, 10);

    /* Alone, its own Finished explains nothing. */
    tlsdiag_siblings *alone = tlsdiag_siblings_new();
    tlsdiag_siblings_note_ready(alone, of(&b), 11, 1 * SEC);
    e = tlsdiag_siblings_note_close(alone, of(&b), 1 * SEC + 1 * MS,
                                    TLSDIAG_CLOSE_AFTER_CLIENT_DONE);
    g_assert_false(e.abandoned);
    g_assert_cmpuint(e.sibling_frame, ==, 0);
    tlsdiag_siblings_free(alone);
    tlsdiag_siblings_free(siblings);
}

static void test_story_other_client_or_server(void)
{
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    peer ready = make_peer(4, 1, 50000, 2, NULL, 0);
    peer other_client = make_peer(4, 7, 50001, 2, NULL, 1);
    peer other_server = make_peer(4, 1, 50002, 3, NULL, 2);

    tlsdiag_siblings_note_ready(siblings, of(&ready), 10, 1 * SEC);
    g_assert_false(tlsdiag_siblings_note_close(siblings, of(&other_client), 1 * SEC + 1 * MS,
                                               TLSDIAG_CLOSE_AWAITING_SERVER)
                       .abandoned);
    g_assert_false(tlsdiag_siblings_note_close(siblings, of(&other_server), 1 * SEC + 2 * MS,
                                               TLSDIAG_CLOSE_AWAITING_SERVER)
                       .abandoned);
    tlsdiag_siblings_free(siblings);
}

static void test_story_same_name(void)
{
    /* The name is interned by the engine: one pointer per name. */
    static const char name[] = "www.example.test";
    static const char other_name[] = "api.example.test";
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    peer v6_winner = make_peer(6, 1, 50000, 2, name, 0);
    peer v4_loser = make_peer(4, 1, 50001, 9, name, 1);
    peer v4_other_client = make_peer(4, 5, 50002, 8, name, 2);
    peer v4_other_name = make_peer(4, 1, 50003, 7, other_name, 3);
    peer v4_round_robin = make_peer(4, 1, 50004, 6, name, 4);

    tlsdiag_siblings_note_ready(siblings, of(&v6_winner), 10, 1 * SEC);
    tlsdiag_sibling_evidence e = tlsdiag_siblings_note_close(siblings, of(&v4_loser), 1 * SEC + 1 * MS,
                                                             TLSDIAG_CLOSE_AWAITING_SERVER);
    g_assert_true(e.abandoned);
    g_assert_true(e.sibling_by_name);
    g_assert_cmpuint(e.sibling_frame, ==, 10);
    g_assert_cmpuint(e.sibling_family, ==, 6);

    /* Happy Eyeballs links the families; within one family, only the same
     * client address counts. */
    tlsdiag_siblings_note_ready(siblings, of(&v4_loser), 20, 2 * SEC);
    g_assert_false(tlsdiag_siblings_note_close(siblings, of(&v4_other_client), 2 * SEC + 1 * MS,
                                               TLSDIAG_CLOSE_AWAITING_SERVER)
                       .abandoned);
    g_assert_false(tlsdiag_siblings_note_close(siblings, of(&v4_other_name), 2 * SEC + 30 * MS,
                                               TLSDIAG_CLOSE_AWAITING_SERVER)
                       .abandoned);
    e = tlsdiag_siblings_note_close(siblings, of(&v4_round_robin), 2 * SEC + 2 * MS,
                                    TLSDIAG_CLOSE_AWAITING_SERVER);
    g_assert_true(e.abandoned);
    g_assert_cmpuint(e.sibling_frame, ==, 20);
    g_assert_cmpuint(e.sibling_family, ==, 4);
    tlsdiag_siblings_free(siblings);
}

/* Shared hosting: one address, two names. After the server's flight a
 * close may reject that name's certificate, which the other name's
 * connection never saw; before it, the other name's connection counts. */
static void test_story_other_name_same_address(void)
{
    static const char a[] = "a.example.test";
    static const char b[] = "b.example.test";
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    peer ready = make_peer(4, 1, 50000, 2, a, 0);
    peer after_flight = make_peer(4, 1, 50001, 2, b, 1);
    peer before_answer = make_peer(4, 1, 50002, 2, b, 2);
    peer same_name = make_peer(4, 1, 50003, 2, a, 3);

    tlsdiag_siblings_note_ready(siblings, of(&ready), 10, 1 * SEC);
    g_assert_false(tlsdiag_siblings_note_close(siblings, of(&after_flight), 1 * SEC + 1 * MS,
                                               TLSDIAG_CLOSE_AFTER_SERVER)
                       .abandoned);
    g_assert_true(tlsdiag_siblings_note_close(siblings, of(&before_answer), 1 * SEC + 9 * MS,
                                              TLSDIAG_CLOSE_AWAITING_SERVER)
                      .abandoned);
    g_assert_true(tlsdiag_siblings_note_close(siblings, of(&same_name), 1 * SEC + 18 * MS,
                                              TLSDIAG_CLOSE_AFTER_SERVER)
                      .abandoned);
    tlsdiag_siblings_free(siblings);
}

static void test_story_closed_together(void)
{
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    peer p[5];
    for (unsigned i = 0; i < 5; i++)
        p[i] = make_peer(4, 1, (uint16_t)(50000 + i), 2, NULL, i);

    /* Unanswered ClientHellos closed together: a client giving up. */
    g_assert_false(tlsdiag_siblings_note_close(siblings, of(&p[0]), 1 * SEC,
                                               TLSDIAG_CLOSE_AWAITING_SERVER)
                       .abandoned);
    tlsdiag_sibling_evidence e = tlsdiag_siblings_note_close(siblings, of(&p[1]), 1 * SEC + 100 * US,
                                                             TLSDIAG_CLOSE_AWAITING_SERVER);
    g_assert_false(e.abandoned);
    g_assert_cmpuint(e.closed_together, ==, 2);
    /* After the server's flight: a certificate rejected on each. */
    e = tlsdiag_siblings_note_close(siblings, of(&p[2]), 1 * SEC + 200 * US,
                                    TLSDIAG_CLOSE_AFTER_SERVER);
    g_assert_false(e.abandoned);
    g_assert_cmpuint(e.closed_together, ==, 3);
    /* After its own Finished, together with others: not needed. */
    e = tlsdiag_siblings_note_close(siblings, of(&p[3]), 1 * SEC + 300 * US,
                                    TLSDIAG_CLOSE_AFTER_CLIENT_DONE);
    g_assert_true(e.abandoned);
    g_assert_cmpuint(e.closed_together, ==, 4);
    /* The row now holds an abandoned close: the next one is surplus too. */
    e = tlsdiag_siblings_note_close(siblings, of(&p[4]), 1 * SEC + 400 * US,
                                    TLSDIAG_CLOSE_AWAITING_SERVER);
    g_assert_true(e.abandoned);
    g_assert_cmpuint(e.closed_together, ==, 5);

    /* A pause longer than the window starts a new row. */
    e = tlsdiag_siblings_note_close(siblings, of(&p[0]),
                                    1 * SEC + 400 * US + TLSDIAG_CLOSED_TOGETHER_WINDOW_NS + 1,
                                    TLSDIAG_CLOSE_AWAITING_SERVER);
    g_assert_false(e.abandoned);
    g_assert_cmpuint(e.closed_together, ==, 1);
    tlsdiag_siblings_free(siblings);
}

static void test_story_silence_is_never_abandoned(void)
{
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    peer winner = make_peer(4, 1, 50000, 2, NULL, 0);
    peer timed_out = make_peer(4, 1, 50001, 2, NULL, 1);
    tlsdiag_siblings_note_ready(siblings, of(&winner), 10, 1 * SEC);
    g_assert_false(tlsdiag_siblings_note_close(siblings, of(&timed_out), 1 * SEC + 1 * MS,
                                               TLSDIAG_CLOSE_AFTER_SILENCE)
                       .abandoned);
    tlsdiag_siblings_free(siblings);
}

/* A client per connection, one every millisecond for a minute of capture
 * time (the benchmark's shape): the story holds only the recent ones, and a
 * sibling within the window still counts right after a sweep. */
static void test_story_memory_bounded(void)
{
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    unsigned most = 0;
    for (uint32_t i = 0; i < 60000; i++) {
        peer p = make_peer(4, 0, 50000, 2, "a.example", i);
        p.client.addr[1] = (uint8_t)(i >> 16);
        p.client.addr[2] = (uint8_t)(i >> 8);
        p.client.addr[3] = (uint8_t)i;
        tlsdiag_siblings_note_ready(siblings, of(&p), i + 1, 1 * SEC + (int64_t)i * 1000000);
        unsigned size = tlsdiag_siblings_size(siblings);
        most = size > most ? size : most;
    }
    /* Clients and pairs of about two seconds (2000 connections, three
     * entries each at most), never all 60,000. */
    g_assert_cmpuint(most, <, 3 * 2 * 2100);

    peer winner = make_peer(4, 1, 40000, 3, NULL, 70000);
    peer surplus = make_peer(4, 1, 40001, 3, NULL, 70001);
    int64_t now = 61 * SEC + 3 * SEC;
    tlsdiag_siblings_note_ready(siblings, of(&winner), 70000, now);
    tlsdiag_sibling_evidence e = tlsdiag_siblings_note_close(siblings, of(&surplus), now + 1000000,
                                                            TLSDIAG_CLOSE_AWAITING_SERVER);
    g_assert_true(e.abandoned);
    g_assert_cmpuint(e.sibling_frame, ==, 70000);
    tlsdiag_siblings_free(siblings);
}

/* Sweeps free stale entries in the middle of clusters of colliding slots:
 * every recent client must still be found afterwards, with its own event. */
static void test_story_sweep_keeps_recent(void)
{
    tlsdiag_siblings *siblings = tlsdiag_siblings_new();
    const uint32_t count = 20000; /* 250 us apart: 5 s, two sweeps and more */
    for (uint32_t i = 0; i < count; i++) {
        peer p = make_peer(4, 0, 50000, 2, NULL, i);
        p.client.addr[1] = (uint8_t)(i >> 16);
        p.client.addr[2] = (uint8_t)(i >> 8);
        p.client.addr[3] = (uint8_t)i;
        tlsdiag_siblings_note_ready(siblings, of(&p), i + 1, 1 * SEC + (int64_t)i * 250 * US);
    }
    g_assert_cmpuint(tlsdiag_siblings_size(siblings), <, count); /* a sweep forgot some */
    int64_t close_ns = 1 * SEC + (int64_t)(count - 1) * 250 * US + 1 * MS;
    for (uint32_t i = count - 4000; i < count; i++) {
        peer p = make_peer(4, 0, 50001, 2, NULL, count + i);
        p.client.addr[1] = (uint8_t)(i >> 16);
        p.client.addr[2] = (uint8_t)(i >> 8);
        p.client.addr[3] = (uint8_t)i;
        tlsdiag_sibling_evidence e =
            tlsdiag_siblings_note_close(siblings, of(&p), close_ns, TLSDIAG_CLOSE_AWAITING_SERVER);
        g_assert_cmpuint(e.sibling_frame, ==, i + 1);
    }
    tlsdiag_siblings_free(siblings);
}

static void test_recording_gaps(void)
{
    tlsdiag_recording *recording = tlsdiag_recording_new();
    int64_t year = 365LL * 24 * 3600 * SEC;
    tlsdiag_recording_observe(recording, 1 * SEC);
    tlsdiag_recording_observe(recording, 2 * SEC);
    /* A live silence of 9 minutes is no gap; one over 10 minutes is. */
    tlsdiag_recording_observe(recording, 2 * SEC + 540 * SEC);
    g_assert_cmpint(tlsdiag_recording_gap_within(recording, 0, 600 * SEC), ==, 0);
    tlsdiag_recording_observe(recording, 542 * SEC + year);
    g_assert_cmpint(tlsdiag_recording_gap_within(recording, 0, 543 * SEC + year), ==, year);
    /* Only the part of the gap inside the interval counts. */
    g_assert_cmpint(tlsdiag_recording_gap_within(recording, 542 * SEC + year / 2, 543 * SEC + year),
                    ==, year - year / 2);
    g_assert_cmpint(tlsdiag_recording_gap_within(recording, 0, 100 * SEC), ==, 0);
    /* Time that goes backwards makes no gap. */
    tlsdiag_recording_observe(recording, 3 * SEC);
    g_assert_cmpint(tlsdiag_recording_gap_within(recording, 0, INT64_MAX), ==, year);
    tlsdiag_recording_free(recording);
}

/* ---- the engine: scripted captures ----------------------------------------- */

/* What a frame carries, in the shapes browsers and servers send. */
typedef enum {
    HELLO,         /* ClientHello, offering TLS 1.3 */
    FLIGHT12,      /* server: ServerHello to ServerHelloDone, TLS 1.2 */
    FINISHED12,    /* client: key exchange, ChangeCipherSpec, Finished */
    CONFIRM12,     /* server: ChangeCipherSpec, Finished */
    CLIENT_FIN,
    CLIENT_RST,
    SERVER_RST,
    SERVER_ACK,    /* a bare segment: no progress */
} step;

typedef struct {
    uint32_t frame;
    int64_t time_ns;
    uint8_t conn;
    step what;
} event;

/* Connection i: client 10.0.0.1 (or .client_last) port 50000 + i to server .2:443. */
typedef struct {
    uint8_t family;
    uint8_t client_last;
    uint8_t server_last;
    const char *name;
} endpoint_plan;

static void fill_step(tlsdiag_observation *obs, step what, const char *name)
{
    switch (what) {
        case HELLO:
            obs->record_types[obs->record_count++] = TLSDIAG_RECORD_HANDSHAKE;
            obs->handshake_types[obs->handshake_count++] = TLSDIAG_HS_CLIENT_HELLO;
            obs->hello_version = TLSDIAG_VERSION_TLS12;
            obs->max_supported_version = TLSDIAG_VERSION_TLS13;
            obs->server_name = name;
            break;
        case FLIGHT12:
            obs->record_types[obs->record_count++] = TLSDIAG_RECORD_HANDSHAKE;
            obs->handshake_types[obs->handshake_count++] = TLSDIAG_HS_SERVER_HELLO;
            obs->handshake_types[obs->handshake_count++] = TLSDIAG_HS_CERTIFICATE;
            obs->handshake_types[obs->handshake_count++] = TLSDIAG_HS_SERVER_HELLO_DONE;
            obs->hello_version = TLSDIAG_VERSION_TLS12;
            break;
        case FINISHED12:
            obs->record_types[obs->record_count++] = TLSDIAG_RECORD_HANDSHAKE;
            obs->handshake_types[obs->handshake_count++] = TLSDIAG_HS_CLIENT_KEY_EXCHANGE;
            obs->record_types[obs->record_count++] = TLSDIAG_RECORD_CHANGE_CIPHER_SPEC;
            obs->record_types[obs->record_count++] = TLSDIAG_RECORD_HANDSHAKE;
            break;
        case CONFIRM12:
            obs->record_types[obs->record_count++] = TLSDIAG_RECORD_CHANGE_CIPHER_SPEC;
            obs->record_types[obs->record_count++] = TLSDIAG_RECORD_HANDSHAKE;
            break;
        case CLIENT_FIN:
            obs->fin = true;
            break;
        case CLIENT_RST:
        case SERVER_RST:
            obs->rst = true;
            break;
        case SERVER_ACK:
            obs->retransmission = true;
            break;
    }
}

static bool from_server(step what)
{
    return what == FLIGHT12 || what == CONFIRM12 || what == SERVER_RST || what == SERVER_ACK;
}

static void play(fixture *f, const endpoint_plan *plans, const event *events, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const endpoint_plan *plan = &plans[events[i].conn];
        tlsdiag_endpoint client = host(plan->family ? plan->family : 4,
                                       plan->client_last ? plan->client_last : 1,
                                       (uint16_t)(50000 + events[i].conn));
        tlsdiag_endpoint server = host(plan->family ? plan->family : 4,
                                       plan->server_last ? plan->server_last : 2, 443);
        tlsdiag_observation obs;
        memset(&obs, 0, sizeof obs);
        obs.frame = events[i].frame;
        obs.time_ns = events[i].time_ns;
        obs.stream = events[i].conn;
        obs.src = from_server(events[i].what) ? server : client;
        obs.dst = from_server(events[i].what) ? client : server;
        fill_step(&obs, events[i].what, plan->name);
        tlsdiag_engine_observe(f->engine, &obs);
    }
}

static const tlsdiag_frame_report *report_at(fixture *f, uint32_t frame)
{
    return fixture_report(f, frame);
}

static tlsdiag_flag flag_at(fixture *f, uint32_t frame)
{
    const tlsdiag_frame_report *report = report_at(f, frame);
    return report != NULL ? report->verdict.flag : TLSDIAG_FLAG_NONE;
}

static char *text_at(fixture *f, uint32_t frame)
{
    GString *text = g_string_new(NULL);
    tlsdiag_describe_verdict(&report_at(f, frame)->verdict, text);
    return g_string_free(text, FALSE);
}

static const endpoint_plan one_server[8] = {{0}};

/* reddit.pcap's shape: four connections at once; the first to send its
 * Finished wins, the others are closed with a FIN right after. */
static void test_surplus_closed_after_winner(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 100 * US, 1, HELLO},
        {3, 200 * US, 2, HELLO},
        {4, 300 * US, 3, HELLO},
        {5, 30 * MS, 0, FLIGHT12},
        {6, 31 * MS, 1, FLIGHT12},
        {7, 33 * MS, 0, FINISHED12},
        {8, 33 * MS + 200 * US, 2, CLIENT_FIN}, /* ClientHello stage */
        {9, 33 * MS + 230 * US, 1, CLIENT_FIN}, /* after the server's flight */
        {10, 33 * MS + 250 * US, 3, CLIENT_RST},
        {11, 35 * MS, 0, CONFIRM12},
        /* A new ClientHello right after: no retry of an abandoned one. */
        {12, 40 * MS, 4, HELLO},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));

    for (uint32_t frame = 8; frame <= 10; frame++) {
        const tlsdiag_verdict *v = &report_at(f, frame)->verdict;
        g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABANDONED);
        g_assert_cmpint(v->side, ==, TLSDIAG_SIDE_CLIENT);
        g_assert_cmpuint(v->siblings.sibling_frame, ==, 7);
        g_assert_cmpuint(v->siblings.sibling_client_port, ==, 50000);
        g_assert_cmpuint(v->siblings.closed_together, ==, frame - 7);
    }
    g_assert_cmpint(report_at(f, 10)->verdict.close, ==, TLSDIAG_CLOSE_RST);
    g_assert_cmpint(report_at(f, 9)->verdict.stage, ==, TLSDIAG_STAGE_SERVER_FLIGHT);

    /* The ClientHello links to the close that ended it, without calling it a failure. */
    g_assert_cmpuint(report_at(f, 3)->ended_by, ==, 8);
    g_assert_cmpint(report_at(f, 3)->ended_how, ==, TLSDIAG_FLAG_HANDSHAKE_ABANDONED);
    g_assert_cmpuint(report_at(f, 8)->retried_by, ==, 0);
    g_assert_cmpint(flag_at(f, 12), ==, TLSDIAG_FLAG_NONE);

    char *text = text_at(f, 9);
    g_assert_cmpstr(text, ==,
                    "Connection abandoned by the client, not a failure: client sent FIN after the "
                    "server's flight (Certificate to ServerHelloDone) (TLS 1.2), 33 ms after "
                    "ClientHello (frame 2), no alert; the connection from client port 50000 got "
                    "ready (client Finished or completed handshake) in frame 7, 0.230 ms before; "
                    "the client closed 2 unfinished connections to this server together (this "
                    "one and the 1 just before it). Browsers open several connections to a server "
                    "at once and close the ones they do not need as soon as one is ready");
    g_free(text);
}

/* A sibling ready longer ago than the window explains nothing, and then a
 * client close stays a failure whose text says what the capture shows. */
static void test_sibling_ready_too_long_before(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 30 * MS, 0, FLIGHT12},
        {3, 33 * MS, 0, FINISHED12},
        {4, 35 * MS, 0, CONFIRM12},
        {5, 40 * MS, 1, HELLO},
        {6, 60 * MS, 1, CLIENT_FIN},
        {7, 90 * MS, 2, HELLO},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));

    g_assert_cmpint(flag_at(f, 6), ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_cmpuint(report_at(f, 6)->verdict.siblings.sibling_frame, ==, 3);
    /* A failure: the next ClientHello is its retry. */
    g_assert_cmpint(flag_at(f, 7), ==, TLSDIAG_FLAG_RETRY_AFTER_FAILURE);
    g_assert_cmpuint(report_at(f, 6)->retried_by, ==, 7);
    char *text = text_at(f, 6);
    g_assert_nonnull(strstr(text, "; of the other connections to this server, the connection "
                                  "from client port 50000 got ready (client Finished or "
                                  "completed handshake) in frame 3, 27 ms before, too long "
                                  "before to explain this close"));
    g_free(text);
}

static void test_no_sibling_stays_failure(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 2 * SEC, 0, CLIENT_FIN},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));
    g_assert_cmpint(flag_at(f, 2), ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    char *text = text_at(f, 2);
    g_assert_true(g_str_has_suffix(text, "; no other connection to this server completed"));
    g_free(text);
}

/* Surplus closes next to a connection the server reset: the reset stays a
 * failure, and says nothing of siblings. */
static void test_server_reset_among_surplus(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 100 * US, 1, HELLO},
        {3, 200 * US, 2, HELLO},
        {4, 30 * MS, 0, FLIGHT12},
        {5, 33 * MS, 0, FINISHED12},
        {6, 33 * MS + 100 * US, 1, SERVER_RST},
        {7, 33 * MS + 200 * US, 2, CLIENT_FIN},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));
    g_assert_cmpint(flag_at(f, 6), ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_cmpint(report_at(f, 6)->verdict.side, ==, TLSDIAG_SIDE_SERVER);
    g_assert_cmpuint(report_at(f, 6)->verdict.siblings.sibling_frame, ==, 0);
    g_assert_cmpint(flag_at(f, 7), ==, TLSDIAG_FLAG_HANDSHAKE_ABANDONED);
    /* The server's reset is no client close: the row holds only frame 7. */
    g_assert_cmpuint(report_at(f, 7)->verdict.siblings.closed_together, ==, 1);
}

/* Several connections whose certificate the client rejects, closed at once
 * right after the server's flight: failures, nothing got ready. */
static void test_closed_together_after_server_flight(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 100 * US, 1, HELLO},
        {3, 30 * MS, 0, FLIGHT12},
        {4, 30 * MS + 50 * US, 1, FLIGHT12},
        {5, 31 * MS, 0, CLIENT_FIN},
        {6, 31 * MS + 60 * US, 1, CLIENT_FIN},
        {7, 2 * SEC, 2, HELLO},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));
    g_assert_cmpint(flag_at(f, 5), ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_cmpint(flag_at(f, 6), ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_cmpint(flag_at(f, 7), ==, TLSDIAG_FLAG_RETRY_AFTER_FAILURE);
    char *text = text_at(f, 6);
    g_assert_nonnull(strstr(text, "no other connection to this server completed; the client "
                                  "closed 2 unfinished connections to this server together"));
    g_free(text);
}

/* A client that waited longer than the stall timeout gave up: even with a
 * sibling ready just before, that is a failure. */
static void test_close_after_silence(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 6 * SEC, 1, HELLO},
        {3, 6 * SEC + 30 * MS, 1, FLIGHT12},
        {4, 6 * SEC + 33 * MS, 1, FINISHED12},
        {5, 6 * SEC + 34 * MS, 0, CLIENT_FIN},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));
    g_assert_cmpint(flag_at(f, 5), ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
    g_assert_true(report_at(f, 5)->verdict.stalled);
}

/* Happy Eyeballs: the IPv6 connection wins, the IPv4 one is closed after its
 * ClientHello. Same name, other family and addresses. */
static void test_dual_stack_loser(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    static const char name[] = "www.example.test";
    endpoint_plan plans[2] = {{.family = 6, .name = name}, {.family = 4, .server_last = 9, .name = name}};
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 250 * MS, 1, HELLO},
        {3, 260 * MS, 0, FLIGHT12},
        {4, 262 * MS, 0, FINISHED12},
        {5, 262 * MS + 400 * US, 1, CLIENT_FIN},
    };
    play(f, plans, events, G_N_ELEMENTS(events));
    const tlsdiag_verdict *v = &report_at(f, 5)->verdict;
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_ABANDONED);
    g_assert_true(v->siblings.sibling_by_name);
    g_assert_cmpuint(v->siblings.sibling_frame, ==, 4);
    /* The winner has another client address: the text says which family. */
    char *text = text_at(f, 5);
    g_assert_nonnull(strstr(text, "the connection from client port 50000 (same server name, "
                                  "over IPv6) got ready (client Finished or completed "
                                  "handshake) in frame 4, "));
    g_free(text);
}

/* DNS round robin within one family: the text says "other address", not a family. */
static void test_round_robin_text(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    static const char name[] = "www.example.test";
    endpoint_plan plans[2] = {{.name = name}, {.server_last = 9, .name = name}};
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 1 * MS, 1, HELLO},
        {3, 10 * MS, 0, FLIGHT12},
        {4, 12 * MS, 0, FINISHED12},
        {5, 13 * MS, 1, CLIENT_FIN},
    };
    play(f, plans, events, G_N_ELEMENTS(events));
    g_assert_cmpint(flag_at(f, 5), ==, TLSDIAG_FLAG_HANDSHAKE_ABANDONED);
    char *text = text_at(f, 5);
    g_assert_nonnull(strstr(text, "the connection from client port 50000 (same server name, "
                                  "other address) got ready"));
    g_assert_null(strstr(text, "over IPv"));
    g_free(text);
}

/* Without a name, another family is another server. */
static void test_dual_stack_without_name(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    endpoint_plan plans[2] = {{.family = 6}, {.family = 4, .server_last = 9}};
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 250 * MS, 1, HELLO},
        {3, 260 * MS, 0, FLIGHT12},
        {4, 262 * MS, 0, FINISHED12},
        {5, 262 * MS + 400 * US, 1, CLIENT_FIN},
    };
    play(f, plans, events, G_N_ELEMENTS(events));
    g_assert_cmpint(flag_at(f, 5), ==, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
}

/* mergecap -a: the handshake's packets stop, the next recording starts a
 * year later. A Note with the gap, not a stall of a year. */
static void test_recording_gap_is_no_stall(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    int64_t year = 365LL * 24 * 3600 * SEC;
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, year, 0, SERVER_ACK},
        {3, year + 10 * SEC, 1, HELLO},
        {4, year + 20 * SEC, 1, SERVER_ACK},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));
    const tlsdiag_verdict *v = &report_at(f, 2)->verdict;
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_false(v->stalled);
    g_assert_cmpint(v->recording_gap_ns, ==, year);
    char *text = text_at(f, 2);
    g_assert_true(g_str_has_prefix(text, "TLS handshake cut by the recording, not stalled: the "
                                         "capture has no TCP packet at all for 1.0 years after "
                                         "this handshake's last progress (frame 1"));
    g_free(text);

    /* A silence of 10 s inside one recording is a stall. */
    v = &report_at(f, 4)->verdict;
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_true(v->stalled);
    g_assert_cmpint(v->recording_gap_ns, ==, 0);
}

/* Only the silence inside the handshake's own recording counts: 3 s there,
 * then a later recording that runs on for 30 s, is no stall. */
static void test_silence_in_own_recording(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    int64_t year = 365LL * 24 * 3600 * SEC;
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 2 * SEC, 1, HELLO},
        {3, 3 * SEC, 1, SERVER_ACK},
        {4, year, 2, HELLO},
        {5, year + 30 * SEC, 0, SERVER_ACK},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));
    const tlsdiag_verdict *v = &report_at(f, 5)->verdict;
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_false(v->stalled);
    g_assert_cmpint(v->recording_gap_ns, ==, year - 3 * SEC);
    char *text = text_at(f, 5);
    g_assert_true(g_str_has_prefix(text, "TLS handshake cut by the recording, not stalled"));
    g_free(text);
}

/* A stall that goes on past the end of its recording: the text says how
 * much of the silence is the gap between the recordings. */
static void test_stall_then_gap_text(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    int64_t year = 365LL * 24 * 3600 * SEC;
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 8 * SEC, 1, HELLO},
        {3, year, 1, SERVER_ACK},
        {4, year + 1 * SEC, 0, SERVER_ACK},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));
    /* Stream 1 started right before the gap: cut by the recording. */
    const tlsdiag_verdict *v = &report_at(f, 3)->verdict;
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_false(v->stalled);
    /* Stream 0 had waited 8 s when its recording ended. */
    v = &report_at(f, 4)->verdict;
    g_assert_cmpint(v->flag, ==, TLSDIAG_FLAG_HANDSHAKE_STALLED);
    g_assert_true(v->stalled);
    char *text = text_at(f, 4);
    g_assert_nonnull(strstr(text, ", all but 9000 ms of it a gap between joined recordings"));
    g_free(text);
}

/* Both tshark modes feed the engine the same frames in the same order: a
 * second engine fed the same script gives the same verdicts. */
static void test_same_verdicts_twice(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    const event events[] = {
        {1, 0, 0, HELLO},
        {2, 100 * US, 1, HELLO},
        {3, 30 * MS, 0, FLIGHT12},
        {4, 33 * MS, 0, FINISHED12},
        {5, 33 * MS + 200 * US, 1, CLIENT_FIN},
    };
    play(f, one_server, events, G_N_ELEMENTS(events));
    fixture again;
    fixture_set_up(&again, NULL);
    play(&again, one_server, events, G_N_ELEMENTS(events));
    for (uint32_t frame = 1; frame <= 5; frame++)
        g_assert_cmpint(flag_at(f, frame), ==, flag_at(&again, frame));
    g_assert_cmpint(flag_at(f, 5), ==, TLSDIAG_FLAG_HANDSHAKE_ABANDONED);
    fixture_tear_down(&again, NULL);
}

#define ADD(path, func) g_test_add(path, fixture, NULL, fixture_set_up, func, fixture_tear_down)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/siblings/story/ready-window", test_story_ready_window);
    g_test_add_func("/siblings/story/own-finished", test_story_own_finished_is_no_sibling);
    g_test_add_func("/siblings/story/other-client-or-server", test_story_other_client_or_server);
    g_test_add_func("/siblings/story/same-name", test_story_same_name);
    g_test_add_func("/siblings/story/other-name-same-address", test_story_other_name_same_address);
    g_test_add_func("/siblings/story/closed-together", test_story_closed_together);
    g_test_add_func("/siblings/story/silence", test_story_silence_is_never_abandoned);
    g_test_add_func("/siblings/story/memory-bounded", test_story_memory_bounded);
    g_test_add_func("/siblings/story/sweep-keeps-recent", test_story_sweep_keeps_recent);
    g_test_add_func("/recording/gaps", test_recording_gaps);
    ADD("/siblings/engine/surplus-after-winner", test_surplus_closed_after_winner);
    ADD("/siblings/engine/ready-too-long-before", test_sibling_ready_too_long_before);
    ADD("/siblings/engine/no-sibling", test_no_sibling_stays_failure);
    ADD("/siblings/engine/server-reset", test_server_reset_among_surplus);
    ADD("/siblings/engine/closed-after-server-flight", test_closed_together_after_server_flight);
    ADD("/siblings/engine/close-after-silence", test_close_after_silence);
    ADD("/siblings/engine/dual-stack-loser", test_dual_stack_loser);
    ADD("/siblings/engine/round-robin-text", test_round_robin_text);
    ADD("/siblings/engine/dual-stack-without-name", test_dual_stack_without_name);
    ADD("/recording/engine/gap-is-no-stall", test_recording_gap_is_no_stall);
    ADD("/recording/engine/silence-in-own-recording", test_silence_in_own_recording);
    ADD("/recording/engine/stall-then-gap-text", test_stall_then_gap_text);
    ADD("/siblings/engine/same-verdicts-twice", test_same_verdicts_twice);
    return g_test_run();
}
