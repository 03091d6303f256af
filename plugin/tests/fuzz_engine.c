/* fuzz_engine.c
 * libFuzzer harness of the tlsdiag engine: the fuzz input is decoded into an
 * arbitrary sequence of observations (any order, any stream ids, frame
 * numbers going backwards or repeating, absurd versions, lengths and
 * timestamps, full arrays, odd or missing server names) fed to one engine.
 * After each observation, reports are looked up for the frame just seen, for
 * random frames and for frames reported earlier, and every report is turned
 * into text as the plugin does (tlsdiag_describe_verdict, _ended_by,
 * _retried_by, _retry_completed).
 *
 * The harness only builds observations the epan glue could build: counts
 * never exceed their arrays, server_name is NULL or a NUL-terminated string.
 * It checks what the API promises: a report pointer stays the same and
 * readable until the engine is freed, enums stay in range, texts are UTF-8.
 * A broken promise aborts, so libFuzzer records the input.
 *
 * Built two ways (plugin/tests/fuzz.cmake):
 *   - clang -fsanitize=fuzzer,address,undefined (TLSDIAG_FUZZ=ON): fuzz_engine,
 *     the libFuzzer binary. Run it on a copy of the seed corpus:
 *         cp -r testdata/fuzz/engine-corpus /tmp/corpus
 *         build-fuzz/plugin/tests/fuzz_engine /tmp/corpus -max_len=4096
 *   - any compiler, with testdata/fuzz/replay_main.c: fuzz_engine_replay
 *     FILE|DIR... runs the harness once over each input (the seed corpus as
 *     a ctest, or a crash file under gcc and valgrind).
 *
 * Input format (all integers little-endian, missing bytes read as zero):
 *   byte 0..7   fallback window in ns (int64; the glue only makes 0..4.3e18,
 *               but the engine must not care)
 *   then ops: one byte each, low 3 bits choose
 *     0-4  an observation (see read_observation); op 0xFC a QUIC one
 *          (read_quic_observation)
 *     5    look up a frame given as 4 raw bytes
 *     6    look up frames around the last one seen
 *     7    a vocabulary call with raw values
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "engine/engine.h"

#define OP_QUIC 0xFC

/* ---- reading the input ----------------------------------------------------- */

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
} reader;

static bool more(const reader *r)
{
    return r->pos < r->size;
}

static uint8_t u8(reader *r)
{
    return r->pos < r->size ? r->data[r->pos++] : 0;
}

static uint16_t u16(reader *r)
{
    uint16_t lo = u8(r);
    return (uint16_t)(lo | (uint16_t)u8(r) << 8);
}

static uint32_t u32(reader *r)
{
    uint32_t lo = u16(r);
    return lo | (uint32_t)u16(r) << 16;
}

static uint64_t u64(reader *r)
{
    uint64_t lo = u32(r);
    return lo | (uint64_t)u32(r) << 32;
}

static int64_t i64(reader *r)
{
    uint64_t v = u64(r);
    int64_t out;
    memcpy(&out, &v, sizeof out);
    return out;
}

static bool boolean(reader *r)
{
    return (u8(r) & 1) != 0;
}

/* ---- building observations ----------------------------------------------- */

/* Hosts and ports the fuzzer can name in one byte, so that streams, clients
 * and servers meet again; a raw endpoint now and then. */
static void read_endpoint(reader *r, tlsdiag_endpoint *endpoint)
{
    static const uint16_t ports[] = {443, 8443, 50000, 50001, 50002, 0, 65535, 1};
    uint8_t choice = u8(r);

    memset(endpoint, 0, sizeof *endpoint);
    if ((choice & 0xC0) == 0xC0) {
        endpoint->family = u8(r); /* 0, 4, 6 or nonsense */
        for (size_t i = 0; i < sizeof endpoint->addr; i++)
            endpoint->addr[i] = u8(r);
        endpoint->port = u16(r);
        return;
    }
    endpoint->family = (choice & 0x20) ? 6 : 4;
    endpoint->addr[endpoint->family == 6 ? 15 : 3] = (uint8_t)(1 + (choice & 0x3)); /* 4 hosts */
    if (endpoint->family == 6)
        endpoint->addr[0] = 0xfd;
    else
        endpoint->addr[0] = 10;
    endpoint->port = ports[(choice >> 2) & 0x7];
}

static uint8_t read_record_type(reader *r)
{
    uint8_t b = u8(r);
    if (b & 0x80)
        return u8(r);
    return (uint8_t)(TLSDIAG_RECORD_CHANGE_CIPHER_SPEC + (b & 0x3)); /* 20..23 */
}

static uint8_t read_handshake_type(reader *r)
{
    static const uint8_t common[] = {
        TLSDIAG_HS_CLIENT_HELLO,         TLSDIAG_HS_SERVER_HELLO,
        TLSDIAG_HS_NEW_SESSION_TICKET,   TLSDIAG_HS_ENCRYPTED_EXTENSIONS,
        TLSDIAG_HS_CERTIFICATE,          TLSDIAG_HS_SERVER_KEY_EXCHANGE,
        TLSDIAG_HS_CERTIFICATE_REQUEST,  TLSDIAG_HS_SERVER_HELLO_DONE,
        TLSDIAG_HS_CERTIFICATE_VERIFY,   TLSDIAG_HS_CLIENT_KEY_EXCHANGE,
        TLSDIAG_HS_FINISHED,             0,
        255,                             TLSDIAG_HS_CLIENT_HELLO,
        TLSDIAG_HS_SERVER_HELLO,         TLSDIAG_HS_FINISHED,
    };
    uint8_t b = u8(r);
    if (b & 0x80)
        return u8(r);
    return common[b & 0xF];
}

static uint16_t read_version(reader *r)
{
    static const uint16_t common[] = {
        0,      0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f12, 0x7f1c,
        0xfb1a, 0x0a0a, 0xfafa, 0xffff, 0x0200, 0x0305, 0xfeff, 0x0303,
    };
    uint8_t b = u8(r);
    if (b & 0x80)
        return u16(r);
    return common[b & 0xF];
}

static int64_t read_time(reader *r, int64_t previous)
{
    uint8_t b = u8(r);
    switch (b & 0x7) {
        case 0:
        case 1:
        case 2: {
            /* Forward by up to ~17 minutes: the common case. */
            int64_t step = (int64_t)u16(r) * (b & 0x8 ? 1000000000LL : 1000000LL);
            return previous <= INT64_MAX - step ? previous + step : previous;
        }
        case 3:
            return previous; /* same instant */
        case 4: {
            int64_t step = (int64_t)u16(r) * 1000000000LL;
            return previous >= INT64_MIN + step ? previous - step : previous; /* backwards */
        }
        case 5: {
            static const int64_t odd[] = {0, -1, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
                                          9223372035000000000LL, -9223372035000000000LL};
            return odd[(b >> 3) & 0x7];
        }
        default:
            return i64(r);
    }
}

/* server_name: NULL, empty, one of a few names, or raw bytes (any byte but
 * NUL, non-UTF-8 included) up to a long length. */
static const char *read_server_name(reader *r, char *buffer, size_t buffer_size)
{
    static const char *const names[] = {"a.example", "b.example", "A.EXAMPLE", "a.example."};
    uint8_t b = u8(r);
    switch (b & 0x7) {
        case 0:
        case 1:
            return NULL;
        case 2:
            return "";
        case 3:
        case 4:
        case 5:
            return names[(b >> 3) & 0x3];
        default: {
            size_t length = u8(r);
            if (b & 0x80)
                length = length * 16 + (b & 0xF);
            if (length >= buffer_size)
                length = buffer_size - 1;
            size_t i = 0;
            while (i < length && more(r)) {
                uint8_t c = u8(r);
                buffer[i++] = (char)(c ? c : 0xff);
            }
            buffer[i] = '\0';
            return buffer;
        }
    }
}

typedef struct {
    uint32_t frame;
    int64_t time_ns;
    uint32_t stream;
} sequence;

/* DER certificates borrowed from the input, as the glue borrows them from
 * the message's bytes: a count, then a 2-byte length and that many bytes
 * each (fewer where the input ends). */
static void read_certificates(reader *r, tlsdiag_observation *obs)
{
    obs->certificate_count = (uint8_t)(u8(r) % (TLSDIAG_MAX_CHAIN + 1));
    for (unsigned i = 0; i < obs->certificate_count; i++) {
        size_t length = u16(r);
        size_t available = r->size - r->pos;
        if (length > available)
            length = available;
        obs->certificates[i].der = length > 0 ? r->data + r->pos : NULL;
        obs->certificates[i].length = length;
        r->pos += length;
    }
}

/* HTTP statuses (TCP's HTTP/1.x and HTTP/2, QUIC's HTTP/3): a count, then
 * each from a table or raw. */
static uint8_t read_http_statuses(reader *r, uint16_t statuses[TLSDIAG_MAX_HTTP_STATUSES])
{
    static const uint16_t common[] = {200, 403, 401, 0, 404, 500, 65535, 403};
    uint8_t count = (uint8_t)(u8(r) % (TLSDIAG_MAX_HTTP_STATUSES + 1));
    for (unsigned i = 0; i < count; i++) {
        uint8_t b = u8(r);
        statuses[i] = (b & 0x80) ? u16(r) : common[b & 0x7];
    }
    return count;
}

/* Frames after which the capture holds no packet of their connection
 * (flag bit 1): the glue's answer when the capture ends. */
static GHashTable *last_recorded;

static uint32_t last_packet(const tlsdiag_endpoint *client G_GNUC_UNUSED,
                            const tlsdiag_endpoint *server G_GNUC_UNUSED, uint32_t frame)
{
    return g_hash_table_contains(last_recorded, GUINT_TO_POINTER(frame)) ? frame : frame + 1;
}

static void read_observation(reader *r, uint8_t op, sequence *seq, tlsdiag_observation *obs,
                             char *name_buffer, size_t name_buffer_size)
{
    memset(obs, 0, sizeof *obs);

    /* Frame numbers: mostly the next one, sometimes the same, earlier or any. */
    uint8_t how = u8(r);
    switch (how & 0x7) {
        case 0:
        case 1:
        case 2:
            seq->frame++; /* wraps at UINT32_MAX like the counter it models */
            break;
        case 3:
            break;
        case 4:
            seq->frame -= u8(r);
            break;
        case 5:
            seq->frame = (how & 0x8) ? UINT32_MAX : 0;
            break;
        default:
            seq->frame = u32(r);
            break;
    }
    obs->frame = seq->frame;
    seq->time_ns = read_time(r, seq->time_ns);
    obs->time_ns = seq->time_ns;

    /* Streams: a handful, with an occasional raw id (wrapped counters). */
    uint8_t s = u8(r);
    if ((s & 0xF0) == 0xF0)
        seq->stream = u32(r);
    else if ((s & 0x80) == 0)
        seq->stream = s & 0x7;
    obs->stream = seq->stream;

    read_endpoint(r, &obs->src);
    read_endpoint(r, &obs->dst);

    uint8_t flags = u8(r);
    /* Bit 1 (once ACK, which the engine never read) says nothing of the
     * connection was recorded after this frame; bit 0 (once SYN) is
     * unreadable bytes, below. */
    if (flags & 0x02)
        g_hash_table_add(last_recorded, GUINT_TO_POINTER(obs->frame));
    obs->fin = flags & 0x04;
    obs->rst = flags & 0x08;
    obs->retransmission = flags & 0x10;
    obs->duplicate_ack = flags & 0x20;
    obs->zero_window = flags & 0x40;

    /* Counts up to the array sizes (the glue's promise), opaque count any. */
    obs->record_count = (uint8_t)(u8(r) % (TLSDIAG_MAX_RECORDS + 1));
    for (unsigned i = 0; i < obs->record_count; i++)
        obs->record_types[i] = read_record_type(r);
    obs->opaque_record_count = (op & 0x8) ? u8(r) : (uint8_t)(u8(r) & 0x3);
    /* Types read from the record headers: the hidden records' count is
     * then one of all application data records, any number. */
    if (flags & 0x80) {
        obs->outer_types = true;
        obs->app_data_records = obs->opaque_record_count;
        obs->opaque_record_count = 0;
    }
    /* The glue's promise: only a frame without a readable record. */
    obs->unreadable = (flags & 0x01) && obs->record_count == 0 && obs->opaque_record_count == 0 &&
                      obs->app_data_records == 0;

    obs->handshake_count = (uint8_t)(u8(r) % (TLSDIAG_MAX_HANDSHAKES + 1));
    for (unsigned i = 0; i < obs->handshake_count; i++)
        obs->handshake_types[i] = read_handshake_type(r);

    if (op & 0x10) {
        obs->hello_version = read_version(r);
        obs->max_supported_version = read_version(r);
        obs->offers_fallback_scsv = boolean(r);
        obs->server_name = read_server_name(r, name_buffer, name_buffer_size);
        /* Few distinct sessions, so offers meet their issuers. */
        uint8_t session = u8(r);
        obs->session_id = session & 0x3;
        obs->offered_ticket = (session >> 2) & 0x3;
        obs->offered_psk = (session >> 4) & 0x3;
        obs->server_selected_psk = session & 0x40;
        obs->hello_retry_request = session & 0x80;
        uint8_t issued = u8(r);
        obs->issued_ticket = issued & 0x3;
        obs->hello_read = issued & 0x4;
    }
    if (op & 0x20) {
        uint8_t list = u8(r);
        obs->has_certificate_list = list & 1;
        obs->certificate_list_length = (u8(r) & 1) ? u32(r) : 0;
        if (list & 2)
            read_certificates(r, obs);
    }
    if (op & 0x40) {
        obs->alert_count = (uint8_t)(u8(r) % (TLSDIAG_MAX_ALERTS + 1));
        for (unsigned i = 0; i < obs->alert_count; i++) {
            obs->alerts[i].level = u8(r);
            obs->alerts[i].description = u8(r);
        }
    }
    if (op & 0x80)
        obs->http_status_count = read_http_statuses(r, obs->http_statuses);
}

/* ---- using what comes back ----------------------------------------------- */

#define KEPT_REPORTS 32

typedef struct {
    uint32_t frame;
    tlsdiag_flag flag;
    bool used;
} kept_report;

/* With TLSDIAG_FUZZ_VERBOSE set, every text is printed (to check seeds). */
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    verbose = g_getenv("TLSDIAG_FUZZ_VERBOSE") != NULL;
    return 0;
}

typedef struct {
    kept_report kept[KEPT_REPORTS];
    unsigned next;
    GString *text;
} checker;

static void check(bool condition, const char *what)
{
    if (!condition) {
        fprintf(stderr, "fuzz_engine: broken promise: %s\n", what);
        abort();
    }
}

static void check_text(GString *text)
{
    check(strlen(text->str) == text->len, "expert text without embedded NUL");
    check(g_utf8_validate(text->str, (gssize)text->len, NULL), "expert text is UTF-8");
}

/* Reads every byte of a report, as the tree of the plugin does. */
static void use_report(checker *c, const tlsdiag_frame_report *report)
{
    const tlsdiag_verdict *v = &report->verdict;

    check(v->flag < TLSDIAG_FLAG_COUNT, "verdict flag in range");
    check(v->side < TLSDIAG_SIDE_COUNT, "side in range");
    check(v->close < TLSDIAG_CLOSE_COUNT, "close in range");
    check(v->stage < TLSDIAG_STAGE_COUNT, "stage in range");
    check(v->client_certificate < TLSDIAG_CLIENT_CERT_COUNT, "client certificate in range");
    check(v->resumption < TLSDIAG_RESUMPTION_COUNT, "resumption in range");
    check(report->ended_how < TLSDIAG_FLAG_COUNT, "ended_how in range");
    check(report->retried_how < TLSDIAG_FLAG_COUNT, "retried_how in range");
    check(v->previous.flag < TLSDIAG_FLAG_COUNT && v->origin.flag < TLSDIAG_FLAG_COUNT,
          "failure flags in range");
    if (v->server_name != NULL)
        (void)strlen(v->server_name);

    /* The names the tree shows. */
    (void)tlsdiag_flag_name(v->flag);
    (void)tlsdiag_side_name(v->side);
    (void)tlsdiag_close_name(v->close);
    (void)tlsdiag_stage_name(v->stage);
    (void)tlsdiag_client_cert_name(v->client_certificate);
    (void)tlsdiag_version_name(v->offered_version);
    (void)tlsdiag_version_name(v->negotiated_version);
    (void)tlsdiag_alert_name(v->alert);
    (void)tlsdiag_verdict_retransmissions(v);

    g_string_truncate(c->text, 0);
    if (v->flag != TLSDIAG_FLAG_NONE) {
        tlsdiag_describe_verdict(v, c->text);
        check(c->text->len > 0, "a verdict has a text");
        check_text(c->text);
        if (verbose)
            printf("  %s: %s\n", tlsdiag_flag_name(v->flag), c->text->str);
    }
    if (report->ended_by != 0) {
        g_string_truncate(c->text, 0);
        tlsdiag_describe_ended_by(report, c->text);
        check_text(c->text);
    }
    if (report->retried_by != 0) {
        g_string_truncate(c->text, 0);
        tlsdiag_describe_retried_by(report, c->text);
        check_text(c->text);
    }
    if (report->retry_completed != 0) {
        (void)tlsdiag_version_name(report->retry_completed_version);
        g_string_truncate(c->text, 0);
        tlsdiag_describe_retry_completed(report, c->text);
        check_text(c->text);
    }
}

/* A frame keeps its report, and its verdict once it has one: later frames
 * only add links. */
static void check_kept(const kept_report *kept, const tlsdiag_frame_report *report, bool found)
{
    check(found, "a frame's report stays");
    check(kept->flag == TLSDIAG_FLAG_NONE || report->verdict.flag == kept->flag,
          "a frame's verdict stays");
}

static void look_up(checker *c, const tlsdiag_engine *engine, uint32_t frame)
{
    tlsdiag_frame_report report;
    if (!tlsdiag_engine_report(engine, frame, &report))
        return;
    use_report(c, &report);
    for (unsigned i = 0; i < KEPT_REPORTS; i++) {
        if (c->kept[i].used && c->kept[i].frame == frame) {
            check_kept(&c->kept[i], &report, true);
            c->kept[i].flag = report.verdict.flag;
            return;
        }
    }
    c->kept[c->next].frame = frame;
    c->kept[c->next].flag = report.verdict.flag;
    c->kept[c->next].used = true;
    c->next = (c->next + 1) % KEPT_REPORTS;
}

/* The reports of the capture's end go when a later frame undoes the end. */
static void forget_kept(checker *c)
{
    memset(c->kept, 0, sizeof c->kept);
}

/* Frames looked up earlier still have their reports. */
static void recheck_kept(checker *c, const tlsdiag_engine *engine)
{
    for (unsigned i = 0; i < KEPT_REPORTS; i++) {
        if (!c->kept[i].used)
            continue;
        tlsdiag_frame_report report;
        bool found = tlsdiag_engine_report(engine, c->kept[i].frame, &report);
        check_kept(&c->kept[i], &report, found);
        use_report(c, &report);
    }
}

static void vocabulary_call(reader *r)
{
    uint8_t a = u8(r);
    uint16_t version = u16(r);
    unsigned small = a % 12; /* within and past every enum */

    (void)tlsdiag_alert_name(a);
    (void)tlsdiag_alert_meaning(a, (tlsdiag_side)(small % (TLSDIAG_SIDE_COUNT + 1)));
    (void)tlsdiag_version_name(version);
    (void)tlsdiag_version_normalize(version);
    (void)tlsdiag_version_is_grease(version);
    (void)tlsdiag_flag_name((tlsdiag_flag)(small % (TLSDIAG_FLAG_COUNT + 1)));
    (void)tlsdiag_side_name((tlsdiag_side)(small % (TLSDIAG_SIDE_COUNT + 1)));
    (void)tlsdiag_close_name((tlsdiag_close)(small % (TLSDIAG_CLOSE_COUNT + 1)));
    (void)tlsdiag_stage_name((tlsdiag_stage)(small % (TLSDIAG_STAGE_COUNT + 1)));
    (void)tlsdiag_client_cert_name((tlsdiag_client_cert)(small % (TLSDIAG_CLIENT_CERT_COUNT + 1)));
    (void)tlsdiag_resumption_name((tlsdiag_resumption)(small % (TLSDIAG_RESUMPTION_COUNT + 1)));
    (void)tlsdiag_stage_phrase((tlsdiag_stage)(small % (TLSDIAG_STAGE_COUNT + 1)), a & 0x80);
}

/* ---- the harness --------------------------------------------------------- */

/* A QUIC datagram: the frame, time, ends and TLS content of a TCP-style
 * observation, the connection a few ids (the stream's), and QUIC facts. */
static void read_quic_observation(reader *r, sequence *seq, tlsdiag_observation *scratch,
                                  tlsdiag_quic_observation *quic, char *name_buffer,
                                  size_t name_buffer_size)
{
    static const uint32_t versions[] = {1, 0, 0x6b3343cf, 0x709a50c4, 0x1a2a3a4a, 0xff00001d, 2, UINT32_MAX};
    static const uint64_t errors[] = {0, 0x0a, 0x128, 0x174, 0x100, 0x1ff, 0x200, UINT64_MAX};

    read_observation(r, 0x10, seq, scratch, name_buffer, name_buffer_size);
    memset(quic, 0, sizeof *quic);
    quic->frame = scratch->frame;
    quic->time_ns = scratch->time_ns;
    quic->connection = scratch->stream;
    quic->src = scratch->src;
    quic->dst = scratch->dst;
    quic->packets = u8(r);
    uint8_t b = u8(r);
    quic->version = (b & 0x80) ? u32(r) : versions[b & 0x7];
    quic->initial_token = b & 0x08;
    quic->icmp = b & 0x10;
    quic->port_unreachable = b & 0x20;
    quic->listed_version_count = (uint8_t)(u8(r) % (TLSDIAG_QUIC_MAX_VERSIONS + 1));
    for (unsigned i = 0; i < quic->listed_version_count; i++)
        quic->listed_versions[i] = versions[u8(r) & 0x7];
    uint8_t close = u8(r);
    quic->has_close = close & 0x80;
    quic->close_error = (close & 0x40) ? u64(r) : errors[close & 0x7];
    quic->close_reason = (close & 0x08) ? scratch->server_name : NULL;
    quic->close_application = close & 0x10;
    if (b & 0x40)
        quic->http_status_count = read_http_statuses(r, quic->http_statuses);
    memcpy(quic->handshake_types, scratch->handshake_types, sizeof quic->handshake_types);
    quic->handshake_count = scratch->handshake_count;
    quic->server_name = scratch->server_name;
    quic->has_certificate_list = scratch->has_certificate_list;
    quic->certificate_list_length = scratch->certificate_list_length;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {.data = data, .size = size, .pos = 0};
    tlsdiag_settings settings = {
        .fallback_window_ns = i64(&r),
        .stall_timeout_ns = i64(&r),
        .slow_handshake_ns = i64(&r),
        .last_packet = last_packet,
    };
    last_recorded = g_hash_table_new(NULL, NULL);
    tlsdiag_engine *engine = tlsdiag_engine_new(&settings);
    checker c = {.next = 0, .text = g_string_new(NULL)};
    sequence seq = {.frame = 0, .time_ns = 1700000000LL * 1000000000LL, .stream = 0};
    tlsdiag_observation obs;
    tlsdiag_quic_observation quic;
    char *name_buffer = g_malloc(4097);
    unsigned steps = 0;
    bool capture_ended = false;

    while (more(&r) && steps++ < 4096) {
        uint8_t op = u8(&r);
        switch (op & 0x7) {
            case 5:
                look_up(&c, engine, u32(&r));
                break;
            case 6: {
                uint8_t spread = u8(&r);
                /* The GUI shows frames while it still reads the file. */
                if (spread & 0x80) {
                    tlsdiag_engine_capture_end(engine);
                    forget_kept(&c);
                    capture_ended = true;
                }
                for (uint32_t f = seq.frame - spread; f != seq.frame + 2; f++)
                    look_up(&c, engine, f);
                break;
            }
            case 7:
                vocabulary_call(&r);
                break;
            default:
                if (op == OP_QUIC) {
                    read_quic_observation(&r, &seq, &obs, &quic, name_buffer, 4097);
                    tlsdiag_engine_observe_quic(engine, &quic);
                } else {
                    read_observation(&r, op, &seq, &obs, name_buffer, 4097);
                    tlsdiag_engine_observe(engine, &obs);
                }
                if (capture_ended) {
                    forget_kept(&c);
                    capture_ended = false;
                }
                /* The glue's buffer is gone after the call: poison ours. */
                memset(name_buffer, 0x5a, 4096);
                name_buffer[4096] = '\0';
                look_up(&c, engine, obs.frame);
                look_up(&c, engine, obs.frame - 1);
                break;
        }
        if ((steps & 0xF) == 0)
            recheck_kept(&c, engine);
    }
    recheck_kept(&c, engine);

    tlsdiag_engine_free(engine);
    g_hash_table_destroy(last_recorded);
    g_string_free(c.text, TRUE);
    g_free(name_buffer);
    return 0;
}
