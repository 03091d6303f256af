/* engine.c
 * Per-stream handshake state machines, the per-client history of failed
 * attempts, and the detections that turn them into verdicts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "engine.h"
#include "apple.h"
#include "server_keys.h"

#include "recording.h"
#include "siblings.h"
#include "number_set.h"
#include "quic.h"
#include "reports.h"

#include <string.h>

typedef struct {
    tlsdiag_failure previous; /* the failure this attempt retries */
    tlsdiag_failure origin;   /* the failure that started the chain */
} retry_link;

/* Only handshakes in progress, and mutual-TLS connections after theirs,
 * keep a state; finished streams keep this marker so that a late or
 * renegotiated hello does not start a new story. */
typedef struct {
    tlsdiag_endpoint client;
    tlsdiag_endpoint server;
    const char *server_name;
    retry_link *retry; /* set when this attempt retries a failure */
    int64_t client_hello_time;
    uint32_t client_hello;
    uint32_t attempt;
    uint32_t client_hello_retransmissions;
    uint32_t client_retransmissions;
    uint32_t server_retransmissions;
    uint32_t http403;         /* latest 403 while it is the latest response */
    uint32_t duplicate_acks;
    uint32_t zero_windows;
    uint32_t last_frame;     /* the latest frame seen of this handshake */
    int64_t last_frame_time;
    bool last_frame_may_wait; /* a retransmission, duplicate ACK or zero window */
    uint32_t last_progress;  /* the latest frame that carried it forward */
    int64_t last_progress_time;
    uint32_t unreadable; /* the first frame after it whose records were lost to the dissector */
    int64_t stage_time[TLSDIAG_STAGE_COUNT];
    uint64_t offered_session; /* digest of the session ID, ticket or PSK offered */
    uint32_t session_issued;
    tlsdiag_endpoint session_issuer;
    uint16_t offered_version;
    uint16_t negotiated_version;
    uint16_t cipher_suite; /* the ServerHello's, when it was read */
    uint8_t stage;              /* tlsdiag_stage */
    uint8_t client_certificate; /* tlsdiag_client_cert */
    uint8_t stages_reached;     /* bit (1 << stage) */
    uint8_t resumption;         /* tlsdiag_resumption offered */
    bool resumption_answered;   /* the server accepted or refused it */
    bool stall_reported;
    bool certificate_requested;
    bool http_status_seen;
    bool server_data_seen;       /* application data after the handshake */
    bool client_spoke_after_data;
    bool tls13;
    bool fallback_scsv;
    bool client_ccs;
    bool server_ccs;
    bool client_finished;
    bool server_finished;
    bool ready_noted; /* told the siblings story the client can use it */
    bool watching_rejection; /* completed: does the client leave at once? */
    /* The server's certificate chain, judged at its frame's time. */
    const tlsdiag_cert_facts *certificate;
    tlsdiag_cert_findings certificate_findings;
    int64_t certificate_time_s;
} stream_state;


typedef tlsdiag_peer_key attempt_key;

typedef struct {
    attempt_key key;
    const char *server_name;
    int64_t failure_time;
    uint16_t offered_version;
    uint32_t attempt;
    tlsdiag_failure failure;
    tlsdiag_failure origin;
} failed_attempt;

/* Where a session ID or ticket was issued. */
typedef struct {
    uint32_t frame;
    tlsdiag_endpoint server; /* address only */
} issued_session;

#define SPARE_STATES 16

struct tlsdiag_engine {
    tlsdiag_settings settings;
    GHashTable *streams;  /* tcp.stream -> stream_state of a live story */
    tlsdiag_number_set finished; /* streams whose story is over */
    GHashTable *failures; /* attempt_key -> latest failed_attempt */
    tlsdiag_report_store *reports;
    GHashTable *sessions; /* digest -> 1 + index into issued */
    GArray *issued;       /* issued_session */
    /* Stalls at the end of the capture, made by tlsdiag_engine_capture_end;
     * NULL while the capture is read. */
    tlsdiag_report_store *end_reports;
    int64_t last_time; /* the latest time seen: the end of the capture */
    bool any_time;
    GStringChunk *server_names;
    tlsdiag_siblings *siblings;
    tlsdiag_recording *recording;
    tlsdiag_cert_cache *certificates;
    tlsdiag_server_keys *server_keys;
    tlsdiag_quic *quic;
    /* States of finished handshakes, for the next ones: malloc's free
     * lists are cold by then, after a frame's worth of Wireshark's work. */
    stream_state *spare_states[SPARE_STATES];
    unsigned spare_count;
};

/* A client that refuses a server after the handshake (host name or pin
 * checked late) closes within its processing time of the server's last
 * handshake message, plus a round trip when the capture is the server's;
 * an unused connection is closed seconds later. */
#define REJECTION_WINDOW_NS 1000000000

bool tlsdiag_endpoint_equal(const tlsdiag_endpoint *a, const tlsdiag_endpoint *b)
{
    return a->family == b->family && a->port == b->port &&
           memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

bool tlsdiag_observation_has_record(const tlsdiag_observation *obs, uint8_t type)
{
    for (unsigned i = 0; i < obs->record_count; i++) {
        if (obs->record_types[i] == type)
            return true;
    }
    return false;
}

tlsdiag_peer_key tlsdiag_peer_key_of(const tlsdiag_endpoint *client, const tlsdiag_endpoint *server)
{
    tlsdiag_peer_key key;
    memset(&key, 0, sizeof key);
    key.family = client->family;
    memcpy(key.client_addr, client->addr, sizeof key.client_addr);
    memcpy(key.server_addr, server->addr, sizeof key.server_addr);
    key.server_port = server->port;
    return key;
}

bool tlsdiag_same_address(const tlsdiag_endpoint *a, const tlsdiag_endpoint *b)
{
    return a->family == b->family && memcmp(a->addr, b->addr, sizeof a->addr) == 0;
}

/* Eight bytes a step: tickets run to hundreds of bytes, and a digest is
 * only ever compared with others of the same capture. */
uint64_t tlsdiag_digest(const uint8_t *bytes, size_t length)
{
    uint64_t hash = (0x9E3779B97F4A7C15u ^ length) * 0xBF58476D1CE4E5B9u;
    size_t i = 0;
    for (; length - i >= 8; i += 8) {
        uint64_t word;
        memcpy(&word, bytes + i, sizeof word);
        hash = (hash ^ word) * 0xBF58476D1CE4E5B9u;
        hash ^= hash >> 31;
    }
    uint64_t tail = 0;
    if (length > i)
        memcpy(&tail, bytes + i, length - i);
    hash = (hash ^ tail) * 0x94D049BB133111EBu;
    hash ^= hash >> 29;
    return hash != 0 ? hash : 1;
}

static guint attempt_key_hash(gconstpointer key)
{
    const uint8_t *bytes = key;
    guint hash = 2166136261u;
    for (size_t i = 0; i < sizeof(attempt_key); i++)
        hash = (hash ^ bytes[i]) * 16777619u;
    return hash;
}

static gboolean attempt_key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(attempt_key)) == 0;
}

static void stream_state_free(gpointer data)
{
    stream_state *state = data;
    g_free(state->retry);
    g_free(state);
}

tlsdiag_engine *tlsdiag_engine_new(const tlsdiag_settings *settings)
{
    tlsdiag_engine *engine = g_new0(tlsdiag_engine, 1);
    engine->settings = *settings;
    engine->streams = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stream_state_free);
    engine->failures = g_hash_table_new_full(attempt_key_hash, attempt_key_equal, NULL, g_free);
    engine->reports = tlsdiag_report_store_new();
    engine->sessions = g_hash_table_new(g_direct_hash, g_direct_equal);
    engine->issued = g_array_new(FALSE, FALSE, sizeof(issued_session));
    engine->server_names = g_string_chunk_new(4096);
    engine->siblings = tlsdiag_siblings_new();
    engine->recording = tlsdiag_recording_new();
    engine->certificates = tlsdiag_cert_cache_new();
    if (settings->check_trust)
        tlsdiag_cert_cache_check_trust(engine->certificates);
    engine->server_keys = tlsdiag_server_keys_new();
    engine->quic = tlsdiag_quic_new();
    return engine;
}

void tlsdiag_engine_free(tlsdiag_engine *engine)
{
    if (engine == NULL)
        return;
    g_hash_table_destroy(engine->streams);
    for (unsigned i = 0; i < engine->spare_count; i++)
        g_free(engine->spare_states[i]);
    g_hash_table_destroy(engine->failures);
    tlsdiag_report_store_free(engine->reports);
    g_hash_table_destroy(engine->sessions);
    g_array_free(engine->issued, TRUE);
    tlsdiag_report_store_free(engine->end_reports);
    tlsdiag_number_set_clear(&engine->finished);
    g_string_chunk_free(engine->server_names);
    tlsdiag_siblings_free(engine->siblings);
    tlsdiag_recording_free(engine->recording);
    tlsdiag_cert_cache_free(engine->certificates);
    tlsdiag_server_keys_free(engine->server_keys);
    tlsdiag_quic_free(engine->quic);
    g_free(engine);
}

bool tlsdiag_engine_report(const tlsdiag_engine *engine, uint32_t frame,
                           tlsdiag_frame_report *report)
{
    if (engine->end_reports != NULL && tlsdiag_report_store_get(engine->end_reports, frame, report))
        return true;
    return tlsdiag_report_store_get(engine->reports, frame, report);
}

/* Corrupt captures carry any timestamps at all: differences saturate
 * instead of overflowing. */
int64_t tlsdiag_time_between(int64_t later, int64_t earlier)
{
    int64_t difference;
    if (__builtin_sub_overflow(later, earlier, &difference))
        return later > earlier ? INT64_MAX : INT64_MIN;
    return difference;
}

static tlsdiag_frame_report *report_for_frame(tlsdiag_engine *engine, uint32_t frame)
{
    return tlsdiag_report_for_frame(engine->reports, frame);
}

static bool observed_handshake(const tlsdiag_observation *obs, uint8_t type)
{
    for (unsigned i = 0; i < obs->handshake_count; i++) {
        if (obs->handshake_types[i] == type)
            return true;
    }
    return false;
}

static uint16_t hello_max_version(const tlsdiag_observation *obs)
{
    uint16_t version = obs->max_supported_version ? obs->max_supported_version : obs->hello_version;
    return tlsdiag_version_normalize(version);
}


static bool same_server_name(const char *a, const char *b)
{
    return a == NULL || b == NULL || strcmp(a, b) == 0;
}

/* ---- verdicts ---------------------------------------------------------- */

static bool reached(const stream_state *state, tlsdiag_stage stage)
{
    return (state->stages_reached & (1u << stage)) != 0;
}

/* How long each step took: from the step reached before it. */
static void fill_steps(tlsdiag_verdict *verdict, const stream_state *state)
{
    int64_t previous = state->client_hello_time;
    for (unsigned stage = TLSDIAG_STAGE_SERVER_HELLO; stage < TLSDIAG_STAGE_COUNT; stage++) {
        if (!reached(state, stage))
            continue;
        verdict->steps |= (uint8_t)(1u << stage);
        verdict->step_ns[stage] = tlsdiag_time_between(state->stage_time[stage], previous);
        previous = state->stage_time[stage];
    }
}

static void fill_verdict(tlsdiag_verdict *verdict, const stream_state *state, uint32_t stream,
                         int64_t time_ns, tlsdiag_flag flag, tlsdiag_side side)
{
    verdict->flag = flag;
    verdict->side = side;
    verdict->stage = state->stage;
    verdict->tls13 = state->tls13;
    verdict->stream = stream;
    verdict->client = state->client;
    verdict->server = state->server;
    verdict->server_name = state->server_name;
    verdict->offered_version = state->offered_version;
    verdict->negotiated_version = state->negotiated_version;
    verdict->client_hello = state->client_hello;
    verdict->elapsed_ns = tlsdiag_time_between(time_ns, state->client_hello_time);
    verdict->resumption = state->resumption;
    verdict->session_issued = state->session_issued;
    verdict->session_issuer = state->session_issuer;
    verdict->last_progress = state->last_progress;
    verdict->idle_ns = tlsdiag_time_between(time_ns, state->last_progress_time);
    verdict->unreadable = state->unreadable;
    fill_steps(verdict, state);
    verdict->duplicate_acks = state->duplicate_acks;
    verdict->zero_windows = state->zero_windows;
    verdict->client_hello_retransmissions = state->client_hello_retransmissions;
    verdict->client_retransmissions = state->client_retransmissions;
    verdict->server_retransmissions = state->server_retransmissions;
    verdict->fallback_scsv = state->fallback_scsv;
    verdict->attempt = state->attempt;
    verdict->certificate_requested = state->certificate_requested;
    verdict->client_certificate = state->client_certificate;
    verdict->certificate = state->certificate;
    verdict->certificate_findings = state->certificate_findings;
    verdict->certificate_time_s = state->certificate_time_s;
    if (state->retry != NULL) {
        verdict->previous = state->retry->previous;
        verdict->origin = state->retry->origin;
    }
}

/* A silence that the recording's gaps explain is no stall. */
/* The silence after a handshake's last progress, up to now or to the end
 * of the recording that holds that progress, whichever comes first. */
static int64_t silence_in_recording(const tlsdiag_engine *engine, int64_t last_progress_ns,
                                    int64_t now_ns)
{
    int64_t end = tlsdiag_recording_end_after(engine->recording, last_progress_ns, now_ns);
    return tlsdiag_time_between(end, last_progress_ns);
}

static void judge_silence(const tlsdiag_engine *engine, tlsdiag_verdict *verdict,
                          int64_t last_progress_ns, int64_t now_ns)
{
    verdict->recording_gap_ns =
        tlsdiag_recording_gap_within(engine->recording, last_progress_ns, now_ns);
    verdict->stalled = silence_in_recording(engine, last_progress_ns, now_ns) >
                       engine->settings.stall_timeout_ns;
}

static tlsdiag_verdict *new_verdict(tlsdiag_engine *engine, const stream_state *state,
                                    const tlsdiag_observation *obs, tlsdiag_flag flag,
                                    tlsdiag_side side)
{
    tlsdiag_frame_report *report = report_for_frame(engine, obs->frame);

    /* One verdict per frame: the first detection that fires tells the story. */
    if (report->verdict.flag != TLSDIAG_FLAG_NONE)
        return NULL;
    fill_verdict(&report->verdict, state, obs->stream, obs->time_ns, flag, side);
    judge_silence(engine, &report->verdict, state->last_progress_time, obs->time_ns);
    return &report->verdict;
}

static tlsdiag_failure failure_of(const tlsdiag_verdict *verdict, uint32_t frame)
{
    tlsdiag_failure failure = {
        .frame = frame,
        .client_hello = verdict->client_hello,
        .flag = verdict->flag,
        .side = verdict->side,
        .close = verdict->close,
        .stage = verdict->stage,
        .tls13 = verdict->tls13,
        .has_alert = verdict->has_alert && !verdict->alert_encrypted,
        .alert = verdict->alert,
        .version = verdict->negotiated_version ? verdict->negotiated_version
                                               : verdict->offered_version,
    };
    return failure;
}

/* The handshake on this stream is over for good: remember the failure so a
 * retry from the same client to the same server can be linked to it. */
static void record_failure(tlsdiag_engine *engine, const stream_state *state,
                           const tlsdiag_observation *obs, const tlsdiag_verdict *verdict)
{
    tlsdiag_frame_report *hello_report = report_for_frame(engine, state->client_hello);
    hello_report->ended_by = obs->frame;
    hello_report->ended_how = verdict->flag;

    failed_attempt *attempt = g_new0(failed_attempt, 1);
    attempt->key = tlsdiag_peer_key_of(&state->client, &state->server);
    attempt->server_name = state->server_name;
    attempt->failure_time = obs->time_ns;
    attempt->offered_version = state->offered_version;
    attempt->attempt = state->attempt;
    attempt->failure = failure_of(verdict, obs->frame);
    attempt->origin = state->retry ? state->retry->origin : attempt->failure;
    g_hash_table_replace(engine->failures, &attempt->key, attempt);
}

static void record_retry_completed(tlsdiag_engine *engine, const stream_state *state,
                                   const tlsdiag_observation *obs)
{
    tlsdiag_frame_report *hello_report = report_for_frame(engine, state->client_hello);
    hello_report->retry_completed = obs->frame;
    hello_report->retry_completed_version = state->negotiated_version;
}

static void recycle_state(tlsdiag_engine *engine, stream_state *state)
{
    if (engine->spare_count == SPARE_STATES) {
        stream_state_free(state);
        return;
    }
    g_free(state->retry);
    engine->spare_states[engine->spare_count++] = state;
}

static void finish_stream(tlsdiag_engine *engine, const tlsdiag_observation *obs)
{
    gpointer state;
    if (g_hash_table_steal_extended(engine->streams, GUINT_TO_POINTER(obs->stream), NULL, &state))
        recycle_state(engine, state);
    tlsdiag_number_set_add(&engine->finished, obs->stream);
}

static tlsdiag_side sender_side(const stream_state *state, const tlsdiag_observation *obs)
{
    return tlsdiag_endpoint_equal(&obs->src, &state->client) ? TLSDIAG_SIDE_CLIENT
                                                            : TLSDIAG_SIDE_SERVER;
}

/* ---- a new handshake: is it a retry of a failed one? ---------------------- */

static void link_to_failed_attempt(tlsdiag_engine *engine, stream_state *state,
                                   const tlsdiag_observation *obs)
{
    attempt_key key = tlsdiag_peer_key_of(&state->client, &state->server);
    failed_attempt *failed = g_hash_table_lookup(engine->failures, &key);

    int64_t since_failure = failed ? tlsdiag_time_between(obs->time_ns, failed->failure_time) : 0;
    if (failed != NULL && (since_failure > engine->settings.fallback_window_ns || since_failure < 0 ||
                           !same_server_name(failed->server_name, state->server_name)))
        failed = NULL;

    if (failed == NULL || state->offered_version > failed->offered_version) {
        if (state->fallback_scsv) {
            tlsdiag_verdict *verdict =
                new_verdict(engine, state, obs, TLSDIAG_FLAG_FALLBACK_SCSV, TLSDIAG_SIDE_CLIENT);
            if (verdict != NULL)
                verdict->fallback_to = state->offered_version;
        }
        return;
    }

    tlsdiag_flag flag = state->offered_version < failed->offered_version
                            ? TLSDIAG_FLAG_VERSION_FALLBACK
                            : TLSDIAG_FLAG_RETRY_AFTER_FAILURE;
    state->attempt = failed->attempt + 1;
    state->retry = g_new(retry_link, 1);
    state->retry->previous = failed->failure;
    state->retry->origin = failed->origin;

    tlsdiag_verdict *verdict = new_verdict(engine, state, obs, flag, TLSDIAG_SIDE_CLIENT);
    if (verdict != NULL) {
        verdict->fallback_from = failed->offered_version;
        verdict->fallback_to = state->offered_version;
        verdict->since_failure_ns = since_failure;
    }

    tlsdiag_frame_report *failure_report = report_for_frame(engine, failed->failure.frame);
    failure_report->retried_by = obs->frame;
    failure_report->retried_how = flag;

    /* A failure explains one retry; the retry carries the chain on. */
    g_hash_table_remove(engine->failures, &key);
}

/* A client whose QUIC attempt failed tries TLS over TCP (quic.c). */
static void link_to_quic_attempt(tlsdiag_engine *engine, const stream_state *state,
                                 const tlsdiag_observation *obs)
{
    if (!tlsdiag_quic_seen(engine->quic))
        return;
    tlsdiag_frame_report existing;
    if (tlsdiag_report_store_get(engine->reports, obs->frame, &existing) &&
        existing.verdict.flag != TLSDIAG_FLAG_NONE)
        return;
    tlsdiag_verdict verdict;
    memset(&verdict, 0, sizeof verdict);
    fill_verdict(&verdict, state, obs->stream, obs->time_ns, TLSDIAG_FLAG_NONE, TLSDIAG_SIDE_CLIENT);
    if (tlsdiag_quic_fallback(engine->quic, engine->reports, &verdict, obs->frame, obs->time_ns,
                              engine->settings.fallback_window_ns))
        report_for_frame(engine, obs->frame)->verdict = verdict;
}

/* ---- session resumption ---------------------------------------------------- */

/* The first server to issue a session keeps it: a server that accepts a
 * session issued elsewhere echoes it without issuing it. */
static void record_issued_session(tlsdiag_engine *engine, uint64_t digest, uint32_t frame,
                                  const tlsdiag_endpoint *server)
{
    gpointer key = GSIZE_TO_POINTER((gsize)digest);
    if (digest == 0 || g_hash_table_contains(engine->sessions, key))
        return;
    issued_session issued = {.frame = frame, .server = *server};
    issued.server.port = 0;
    g_array_append_val(engine->issued, issued);
    g_hash_table_insert(engine->sessions, key, GUINT_TO_POINTER(engine->issued->len));
}

static const issued_session *find_issued_session(const tlsdiag_engine *engine, uint64_t digest)
{
    guint index = GPOINTER_TO_UINT(
        g_hash_table_lookup(engine->sessions, GSIZE_TO_POINTER((gsize)digest)));
    return index != 0 ? &g_array_index(engine->issued, issued_session, index - 1) : NULL;
}

/* A TLS 1.3 ClientHello carries a random legacy_session_id for middlebox
 * compatibility: there only a ticket or a PSK identity is an offer. */
static void note_resumption_offer(tlsdiag_engine *engine, stream_state *state,
                                  const tlsdiag_observation *obs)
{
    if (obs->offered_psk != 0) {
        state->resumption = TLSDIAG_RESUMPTION_PSK;
        state->offered_session = obs->offered_psk;
    } else if (obs->offered_ticket != 0) {
        state->resumption = TLSDIAG_RESUMPTION_TICKET;
        state->offered_session = obs->offered_ticket;
    } else if (obs->session_id != 0 && state->offered_version < TLSDIAG_VERSION_TLS13) {
        state->resumption = TLSDIAG_RESUMPTION_SESSION_ID;
        state->offered_session = obs->session_id;
    } else {
        return;
    }
    const issued_session *issued = find_issued_session(engine, state->offered_session);
    if (issued != NULL) {
        state->session_issued = issued->frame;
        state->session_issuer = issued->server;
    }
}

static bool issued_elsewhere(const stream_state *state)
{
    return state->session_issued != 0 &&
           !tlsdiag_same_address(&state->session_issuer, &state->server);
}

static tlsdiag_flag resumption_flag(const stream_state *state)
{
    return issued_elsewhere(state) ? TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER
                                   : TLSDIAG_FLAG_RESUMPTION_REFUSED;
}

static bool awaits_resumption_answer(const stream_state *state)
{
    return state->resumption != TLSDIAG_RESUMPTION_NONE && !state->resumption_answered;
}

/* TLS 1.3 accepts a PSK in the ServerHello. Below, an abbreviated handshake
 * goes from the ServerHello straight to ChangeCipherSpec; a full one sends
 * a certificate or key exchange first. */
typedef enum { ANSWER_PENDING, ANSWER_ACCEPTED, ANSWER_REFUSED, ANSWER_UNKNOWN } resumption_answer;

static resumption_answer read_resumption_answer(const stream_state *state,
                                                const tlsdiag_observation *obs)
{
    if (state->tls13) {
        if (!observed_handshake(obs, TLSDIAG_HS_SERVER_HELLO) || obs->hello_retry_request)
            return ANSWER_PENDING;
        if (!obs->hello_read)
            return ANSWER_UNKNOWN;
        return obs->server_selected_psk ? ANSWER_ACCEPTED : ANSWER_REFUSED;
    }
    if (observed_handshake(obs, TLSDIAG_HS_CERTIFICATE) ||
        observed_handshake(obs, TLSDIAG_HS_SERVER_KEY_EXCHANGE) ||
        observed_handshake(obs, TLSDIAG_HS_SERVER_HELLO_DONE))
        return ANSWER_REFUSED;
    if (tlsdiag_observation_has_record(obs, TLSDIAG_RECORD_CHANGE_CIPHER_SPEC))
        return ANSWER_ACCEPTED;
    return ANSWER_PENDING;
}

/* A refusal is a verdict of its own unless the frame already tells a
 * bigger story (an alert or a close): that verdict carries the context. */
static void detect_resumption_refused(tlsdiag_engine *engine, stream_state *state,
                                      const tlsdiag_observation *obs)
{
    if (!awaits_resumption_answer(state) || state->negotiated_version == 0)
        return;
    resumption_answer answer = read_resumption_answer(state, obs);
    if (answer == ANSWER_PENDING)
        return;
    state->resumption_answered = true;
    if (answer == ANSWER_REFUSED)
        new_verdict(engine, state, obs, resumption_flag(state), TLSDIAG_SIDE_SERVER);
}

/* ---- a new handshake --------------------------------------------------------- */

static void reach_stage(stream_state *state, tlsdiag_stage stage, int64_t time_ns)
{
    if (state->stage < stage)
        state->stage = stage;
    if (!reached(state, stage)) {
        state->stages_reached |= (uint8_t)(1u << stage);
        state->stage_time[stage] = time_ns;
    }
}

static stream_state *start_handshake(tlsdiag_engine *engine, const tlsdiag_observation *obs)
{
    stream_state *state = engine->spare_count > 0 ? engine->spare_states[--engine->spare_count]
                                                  : g_new(stream_state, 1);
    memset(state, 0, sizeof *state);
    state->client = obs->src;
    state->server = obs->dst;
    if (obs->server_name != NULL && obs->server_name[0] != '\0')
        state->server_name = g_string_chunk_insert_const(engine->server_names, obs->server_name);
    state->client_hello = obs->frame;
    state->client_hello_time = obs->time_ns;
    state->offered_version = hello_max_version(obs);
    state->fallback_scsv = obs->offers_fallback_scsv;
    state->last_progress = obs->frame;
    state->last_progress_time = obs->time_ns;
    reach_stage(state, TLSDIAG_STAGE_CLIENT_HELLO, obs->time_ns);
    g_hash_table_replace(engine->streams, GUINT_TO_POINTER(obs->stream), state);

    note_resumption_offer(engine, state, obs);
    link_to_failed_attempt(engine, state, obs);
    link_to_quic_attempt(engine, state, obs);
    return state;
}

/* ---- handshake progress ------------------------------------------------- */

/* The chain is read once per connection, from the server's first
 * Certificate message, and judged at that frame's capture time. */
static void note_server_certificate(tlsdiag_engine *engine, stream_state *state,
                                    const tlsdiag_observation *obs)
{
    if (state->certificate != NULL || obs->certificate_count == 0)
        return;
    state->certificate = tlsdiag_cert_read(engine->certificates, obs->certificates,
                                           MIN(obs->certificate_count, TLSDIAG_MAX_CHAIN));
    state->certificate_time_s = obs->time_ns / 1000000000;
    state->certificate_findings =
        tlsdiag_cert_judge(state->certificate, state->server_name, state->certificate_time_s) |
        tlsdiag_apple_judge(state->negotiated_version, state->cipher_suite, state->certificate);
}

static void observe_handshake_messages(tlsdiag_engine *engine, stream_state *state,
                                       const tlsdiag_observation *obs, tlsdiag_side side)
{
    if (side == TLSDIAG_SIDE_SERVER) {
        /* A HelloRetryRequest selects the version too; the ServerHello
         * after it is not always readable. */
        if (observed_handshake(obs, TLSDIAG_HS_SERVER_HELLO) && state->negotiated_version == 0) {
            state->negotiated_version = hello_max_version(obs);
            state->tls13 = state->negotiated_version == TLSDIAG_VERSION_TLS13;
            if (obs->hello_read)
                state->cipher_suite = obs->cipher_suite;
            reach_stage(state, TLSDIAG_STAGE_SERVER_HELLO, obs->time_ns);
            /* TLS 1.3 servers echo the client's random session ID. */
            if (!state->tls13 && obs->hello_read)
                record_issued_session(engine, obs->session_id, obs->frame, &state->server);
        }
        if (observed_handshake(obs, TLSDIAG_HS_SERVER_HELLO_DONE))
            reach_stage(state, TLSDIAG_STAGE_SERVER_FLIGHT, obs->time_ns);
        /* Visible in TLS 1.2, and in TLS 1.3 only with keys. */
        if (observed_handshake(obs, TLSDIAG_HS_CERTIFICATE_REQUEST))
            state->certificate_requested = true;
        if (observed_handshake(obs, TLSDIAG_HS_CERTIFICATE))
            note_server_certificate(engine, state, obs);
        return;
    }
    if (state->stage < TLSDIAG_STAGE_SERVER_HELLO)
        return;
    if (observed_handshake(obs, TLSDIAG_HS_CERTIFICATE)) {
        bool empty = obs->has_certificate_list && obs->certificate_list_length == 0;
        state->client_certificate = empty ? TLSDIAG_CLIENT_CERT_EMPTY : TLSDIAG_CLIENT_CERT_SENT;
    }
    if (!state->tls13 && state->stage >= TLSDIAG_STAGE_SERVER_FLIGHT &&
        (observed_handshake(obs, TLSDIAG_HS_CERTIFICATE) ||
         observed_handshake(obs, TLSDIAG_HS_CLIENT_KEY_EXCHANGE)))
        reach_stage(state, TLSDIAG_STAGE_CLIENT_FLIGHT, obs->time_ns);
}

/* TLS 1.2 and below: each side is done once it sent ChangeCipherSpec and
 * then a handshake record (its Finished, encrypted). */
static void observe_tls12_records(stream_state *state, const tlsdiag_observation *obs,
                                  tlsdiag_side side)
{
    bool *ccs = side == TLSDIAG_SIDE_CLIENT ? &state->client_ccs : &state->server_ccs;
    bool *finished = side == TLSDIAG_SIDE_CLIENT ? &state->client_finished : &state->server_finished;

    for (unsigned i = 0; i < obs->record_count; i++) {
        if (obs->record_types[i] == TLSDIAG_RECORD_CHANGE_CIPHER_SPEC)
            *ccs = true;
        else if (obs->record_types[i] == TLSDIAG_RECORD_HANDSHAKE && *ccs)
            *finished = true;
    }
    if (*ccs && state->negotiated_version != 0) {
        /* A resumed session: the server's CCS and Finished are its flight. */
        reach_stage(state,
                    side == TLSDIAG_SIDE_SERVER ? TLSDIAG_STAGE_SERVER_FLIGHT
                                                : TLSDIAG_STAGE_CLIENT_FLIGHT,
                    obs->time_ns);
    }
    if (state->client_finished && state->server_finished)
        reach_stage(state, TLSDIAG_STAGE_ESTABLISHED, obs->time_ns);
}

static unsigned count_alert_records(const tlsdiag_observation *obs)
{
    unsigned count = 0;
    for (unsigned i = 0; i < obs->record_count; i++) {
        if (obs->record_types[i] == TLSDIAG_RECORD_ALERT)
            count++;
    }
    return count;
}

static bool carries_alert(const tlsdiag_observation *obs)
{
    return obs->alert_count > 0 || count_alert_records(obs) > 0;
}

/* TLS 1.3: everything after the ServerHello is encrypted. The server's first
 * encrypted record is its flight; the client's first encrypted record after
 * that is its Finished; any server record after that confirms it.
 * ChangeCipherSpec records are middlebox camouflage and prove nothing. */
static void observe_tls13_records(stream_state *state, const tlsdiag_observation *obs,
                                  tlsdiag_side side)
{
    if (obs->opaque_record_count == 0)
        return;
    if (side == TLSDIAG_SIDE_SERVER) {
        /* A server that checks the client's certificate after its Finished
         * answers with an alert: that is no confirmation. */
        if (state->client_finished && !carries_alert(obs))
            reach_stage(state, TLSDIAG_STAGE_ESTABLISHED, obs->time_ns);
        else if (state->client_finished)
            return;
        else
            reach_stage(state, TLSDIAG_STAGE_SERVER_FLIGHT, obs->time_ns);
    } else if (state->stage >= TLSDIAG_STAGE_SERVER_FLIGHT) {
        state->client_finished = true;
        reach_stage(state, TLSDIAG_STAGE_CLIENT_FLIGHT, obs->time_ns);
    }
}

/* ---- detections ---------------------------------------------------------- */

/* TLS 1.3 servers check the client's certificate after the client's
 * Finished: an alert or a close from the server then, on a connection that
 * asked for a certificate, is that check failing, not a broken handshake. */
static bool rejects_client_certificate(const stream_state *state, tlsdiag_side side)
{
    return state->tls13 && side == TLSDIAG_SIDE_SERVER && state->client_finished &&
           state->certificate_requested;
}

/* alert NULL: an alert record the dissector could not read (no keys). */
static void set_alert(tlsdiag_verdict *verdict, const tlsdiag_alert *alert)
{
    verdict->has_alert = true;
    verdict->alert_encrypted = alert == NULL;
    if (alert != NULL) {
        verdict->alert_level = alert->level;
        verdict->alert = alert->description;
    }
}

/* Fatal alerts end a handshake, and so do close_notify and user_canceled.
 * Other warnings (a server's unrecognized_name, say) let it go on. */
static bool alert_ends_handshake(const tlsdiag_alert *alert)
{
    return alert->level != TLSDIAG_ALERT_LEVEL_WARNING ||
           alert->description == TLSDIAG_ALERT_CLOSE_NOTIFY ||
           alert->description == TLSDIAG_ALERT_USER_CANCELED;
}

static const tlsdiag_alert *first_ending_alert(const tlsdiag_observation *obs)
{
    for (unsigned i = 0; i < obs->alert_count; i++) {
        if (alert_ends_handshake(&obs->alerts[i]))
            return &obs->alerts[i];
    }
    return NULL;
}

/* Application data in the frame: a readable record, or a TLS 1.3 record
 * without keys (opaque, no inner type read), which may be data. */
static bool may_carry_data(const tlsdiag_observation *obs)
{
    return tlsdiag_observation_has_record(obs, TLSDIAG_RECORD_APPLICATION_DATA) ||
           (obs->opaque_record_count > 0 && obs->record_count == 0);
}

/* A connection to the same server (name, else address and port) that was
 * used with another key than this one's: a pool whose members present
 * different certificates. Only connections seen before count, so that both
 * passes say the same. */
static const tlsdiag_key_use *other_key_in_use(const tlsdiag_engine *engine,
                                               const stream_state *state)
{
    if (state->certificate == NULL)
        return NULL;
    return tlsdiag_server_keys_other(engine->server_keys, state->server_name, &state->server,
                                     state->certificate->spki_sha256);
}

static void record_key_use(tlsdiag_engine *engine, const stream_state *state, uint32_t frame)
{
    if (state->certificate != NULL)
        tlsdiag_server_keys_used(engine->server_keys, state->server_name, &state->server,
                                 state->certificate->spki_sha256, frame);
}

static void note_key_change(tlsdiag_verdict *verdict, const tlsdiag_key_use *other)
{
    if (verdict == NULL || other == NULL)
        return;
    verdict->certificate_other_frame = other->frame;
    verdict->certificate_other_pin = other->pin;
}

/* Probes (load balancer health checks, openssl s_client) also complete a
 * handshake and leave at once with a close_notify: only a fatal alert, a
 * host name the certificate does not cover (what curl and OkHttp check
 * after the handshake), or a key other than the one a connection to the
 * same server used (a pin) tells a refusal from them. */
static tlsdiag_flag rejection_flag(const tlsdiag_engine *engine, const stream_state *state,
                                   const tlsdiag_observation *obs, const tlsdiag_key_use **other)
{
    *other = other_key_in_use(engine, state);
    if (*other != NULL)
        return TLSDIAG_FLAG_CERTIFICATE_CHANGED;
    const tlsdiag_alert *alert = first_ending_alert(obs);
    if ((alert != NULL && alert->level == TLSDIAG_ALERT_LEVEL_FATAL) ||
        (state->certificate_findings &
         ((1u << TLSDIAG_CERT_NAME_MISMATCH) | (1u << TLSDIAG_CERT_CN_ONLY))) != 0)
        return TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE;
    return TLSDIAG_FLAG_NONE;
}

static void describe_close(tlsdiag_verdict *verdict, const tlsdiag_observation *obs)
{
    if (carries_alert(obs))
        set_alert(verdict, obs->alert_count > 0 ? &obs->alerts[0] : NULL);
    else
        verdict->close = obs->rst ? TLSDIAG_CLOSE_RST : TLSDIAG_CLOSE_FIN;
}

/* TLS 1.3 with keys: a client's close_notify after its own Finished, before
 * the server's first record after it. For the client the handshake is
 * complete: a probe leaving, or a refusal after the handshake; no broken
 * handshake. Returns whether that was the case. */
static bool client_left_after_finished(tlsdiag_engine *engine, stream_state *state,
                                       const tlsdiag_observation *obs, tlsdiag_side side,
                                       const tlsdiag_alert *alert)
{
    if (!state->tls13 || side != TLSDIAG_SIDE_CLIENT || !state->client_finished || alert == NULL ||
        alert->description != TLSDIAG_ALERT_CLOSE_NOTIFY || may_carry_data(obs))
        return false;
    const tlsdiag_key_use *other;
    tlsdiag_flag flag = rejection_flag(engine, state, obs, &other);
    if (flag != TLSDIAG_FLAG_NONE) {
        tlsdiag_verdict *verdict = new_verdict(engine, state, obs, flag, side);
        if (verdict != NULL)
            describe_close(verdict, obs);
        note_key_change(verdict, other);
    }
    return true;
}

static bool detect_handshake_alert(tlsdiag_engine *engine, stream_state *state,
                                   const tlsdiag_observation *obs, tlsdiag_side side)
{
    const tlsdiag_alert *alert = first_ending_alert(obs);
    /* Alert records the dissector could not read are encrypted; their level
     * is unknown, and an encrypted alert in a handshake is almost always fatal. */
    bool encrypted = count_alert_records(obs) > obs->alert_count;
    if (alert == NULL && !encrypted)
        return false;
    if (client_left_after_finished(engine, state, obs, side, alert))
        return true;

    tlsdiag_flag flag = TLSDIAG_FLAG_HANDSHAKE_ALERT;
    if (alert != NULL && side == TLSDIAG_SIDE_SERVER &&
        alert->description == TLSDIAG_ALERT_INAPPROPRIATE_FALLBACK)
        flag = TLSDIAG_FLAG_FALLBACK_REJECTED;
    else if (rejects_client_certificate(state, side))
        flag = TLSDIAG_FLAG_CLIENT_CERT_REJECTED;
    else if (side == TLSDIAG_SIDE_SERVER && awaits_resumption_answer(state) &&
             state->negotiated_version == 0)
        /* nginx's "required cipher missing": the server looked the
         * session up and failed the handshake over it. */
        flag = resumption_flag(state);
    const tlsdiag_key_use *other = side == TLSDIAG_SIDE_CLIENT ? other_key_in_use(engine, state) : NULL;
    if (flag == TLSDIAG_FLAG_HANDSHAKE_ALERT && other != NULL)
        flag = TLSDIAG_FLAG_CERTIFICATE_CHANGED;
    tlsdiag_verdict *verdict = new_verdict(engine, state, obs, flag, side);
    if (verdict == NULL)
        return false;
    if (flag == TLSDIAG_FLAG_CERTIFICATE_CHANGED)
        note_key_change(verdict, other);
    if (flag == TLSDIAG_FLAG_RESUMPTION_REFUSED || flag == TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER)
        state->resumption_answered = true;

    set_alert(verdict, alert);
    record_failure(engine, state, obs, verdict);
    return true;
}

static tlsdiag_sibling_of sibling_of(const stream_state *state, uint32_t stream)
{
    tlsdiag_sibling_of connection = {
        .client = &state->client,
        .server = &state->server,
        .server_name = state->server_name,
        .stream = stream,
    };
    return connection;
}

/* The client has a connection it can use once it sent its Finished. */
static void note_ready(tlsdiag_engine *engine, stream_state *state, const tlsdiag_observation *obs)
{
    if (state->ready_noted || !(state->client_finished || state->stage == TLSDIAG_STAGE_ESTABLISHED))
        return;
    tlsdiag_sibling_of connection = sibling_of(state, obs->stream);
    tlsdiag_siblings_note_ready(engine->siblings, &connection, obs->frame, obs->time_ns);
    state->ready_noted = true;
}

static tlsdiag_close_point close_point(const tlsdiag_engine *engine, const stream_state *state,
                                       const tlsdiag_observation *obs)
{
    int64_t idle = tlsdiag_time_between(obs->time_ns, state->last_progress_time);
    int64_t gap =
        tlsdiag_recording_gap_within(engine->recording, state->last_progress_time, obs->time_ns);
    if (tlsdiag_time_between(idle, gap) > engine->settings.stall_timeout_ns)
        return TLSDIAG_CLOSE_AFTER_SILENCE;
    if (state->client_finished)
        return TLSDIAG_CLOSE_AFTER_CLIENT_DONE;
    return state->stage == TLSDIAG_STAGE_CLIENT_HELLO ? TLSDIAG_CLOSE_AWAITING_SERVER
                                                      : TLSDIAG_CLOSE_AFTER_SERVER;
}

static bool detect_handshake_aborted(tlsdiag_engine *engine, stream_state *state,
                                     const tlsdiag_observation *obs, tlsdiag_side side)
{
    if (!obs->fin && !obs->rst)
        return false;
    tlsdiag_flag flag = rejects_client_certificate(state, side) ? TLSDIAG_FLAG_CLIENT_CERT_REJECTED
                                                                : TLSDIAG_FLAG_HANDSHAKE_ABORTED;
    tlsdiag_sibling_evidence evidence;
    memset(&evidence, 0, sizeof evidence);
    if (flag == TLSDIAG_FLAG_HANDSHAKE_ABORTED && side == TLSDIAG_SIDE_CLIENT) {
        tlsdiag_sibling_of connection = sibling_of(state, obs->stream);
        evidence = tlsdiag_siblings_note_close(engine->siblings, &connection, obs->time_ns,
                                               close_point(engine, state, obs));
        if (evidence.abandoned)
            flag = TLSDIAG_FLAG_HANDSHAKE_ABANDONED;
    }
    /* A client that sent its Finished accepted the key; browsers close
     * surplus connections then, and a sibling that got ready explains the
     * close better than a key seen elsewhere. */
    const tlsdiag_key_use *other = flag == TLSDIAG_FLAG_HANDSHAKE_ABORTED &&
                                           side == TLSDIAG_SIDE_CLIENT &&
                                           state->stage <= TLSDIAG_STAGE_SERVER_FLIGHT
                                       ? other_key_in_use(engine, state)
                                       : NULL;
    if (other != NULL)
        flag = TLSDIAG_FLAG_CERTIFICATE_CHANGED;
    tlsdiag_verdict *verdict = new_verdict(engine, state, obs, flag, side);
    if (verdict == NULL)
        return false;
    if (flag == TLSDIAG_FLAG_CERTIFICATE_CHANGED)
        note_key_change(verdict, other);
    verdict->close = obs->rst ? TLSDIAG_CLOSE_RST : TLSDIAG_CLOSE_FIN;
    verdict->siblings = evidence;
    if (flag != TLSDIAG_FLAG_HANDSHAKE_ABANDONED) {
        record_failure(engine, state, obs, verdict);
        return true;
    }
    /* Not a failed attempt: no later ClientHello is its retry. */
    tlsdiag_frame_report *hello_report = report_for_frame(engine, state->client_hello);
    hello_report->ended_by = obs->frame;
    hello_report->ended_how = flag;
    return true;
}

/* ---- after the handshake: mutual TLS and HTTP 403 --------------------------- */

static bool carries_application_data(const tlsdiag_observation *obs)
{
    if (obs->opaque_record_count > 0)
        return true;
    for (unsigned i = 0; i < obs->record_count; i++) {
        if (obs->record_types[i] == TLSDIAG_RECORD_APPLICATION_DATA)
            return true;
    }
    return false;
}

/* Some clients (iOS among them) fail a whole request as a certificate error
 * when a client-certificate connection answers 403, then alert or close. */
static void detect_end_after_403(tlsdiag_engine *engine, stream_state *state,
                                 const tlsdiag_observation *obs, tlsdiag_side side)
{
    bool alert = carries_alert(obs);
    tlsdiag_flag flag = TLSDIAG_FLAG_NONE;

    if (state->http403 != 0)
        flag = TLSDIAG_FLAG_ALERT_AFTER_403;
    else if (alert && obs->alert_count == 0 && side == TLSDIAG_SIDE_CLIENT && !state->tls13 &&
             !state->http_status_seen && state->server_data_seen && !state->client_spoke_after_data)
        /* Without keys the response is unreadable: a client alert right
         * after the server's first data is all the evidence there is. */
        flag = TLSDIAG_FLAG_POSSIBLE_ALERT_AFTER_403;
    if (flag == TLSDIAG_FLAG_NONE || state->client_certificate != TLSDIAG_CLIENT_CERT_SENT)
        return;

    tlsdiag_verdict *verdict = new_verdict(engine, state, obs, flag, side);
    if (verdict == NULL)
        return;
    verdict->http403 = state->http403;
    if (alert)
        set_alert(verdict, obs->alert_count > 0 ? &obs->alerts[0] : NULL);
    else
        verdict->close = obs->rst ? TLSDIAG_CLOSE_RST : TLSDIAG_CLOSE_FIN;
}

/* The handshake completed and the client left without a word of
 * application data, at once: it refused the server after the handshake
 * (curl's host-name check, OkHttp's and curl's pins). Returns whether the
 * connection's story is over. */
static bool watch_rejection(tlsdiag_engine *engine, stream_state *state,
                            const tlsdiag_observation *obs, tlsdiag_side side)
{
    bool ends = carries_alert(obs) || obs->fin || obs->rst;
    /* Data from either side, in this frame too, means the connection was
     * used; a server that closes tells its own story. In TLS 1.3 without
     * keys a client's close_notify looks like data: no guess then. */
    if (may_carry_data(obs)) {
        record_key_use(engine, state, obs->frame);
        state->watching_rejection = false;
        return false;
    }
    if (tlsdiag_time_between(obs->time_ns, state->stage_time[TLSDIAG_STAGE_ESTABLISHED]) >
            REJECTION_WINDOW_NS ||
        (side == TLSDIAG_SIDE_SERVER && ends)) {
        state->watching_rejection = false;
        return false;
    }
    if (side != TLSDIAG_SIDE_CLIENT || !ends)
        return false;
    const tlsdiag_key_use *other;
    tlsdiag_flag flag = rejection_flag(engine, state, obs, &other);
    if (flag == TLSDIAG_FLAG_NONE) {
        state->watching_rejection = false;
        return false;
    }
    tlsdiag_verdict *verdict = new_verdict(engine, state, obs, flag, side);
    if (verdict != NULL)
        describe_close(verdict, obs);
    note_key_change(verdict, other);
    return true;
}

static void observe_established(tlsdiag_engine *engine, stream_state *state,
                                const tlsdiag_observation *obs, tlsdiag_side side)
{
    if (state->watching_rejection) {
        if (watch_rejection(engine, state, obs, side)) {
            finish_stream(engine, obs);
            return;
        }
        if (!state->watching_rejection && !state->certificate_requested) {
            finish_stream(engine, obs);
            return;
        }
    }
    for (unsigned i = 0; i < obs->http_status_count; i++) {
        state->http_status_seen = true;
        state->http403 = obs->http_statuses[i] == TLSDIAG_HTTP_FORBIDDEN ? obs->frame : 0;
    }
    if (carries_alert(obs) || obs->fin || obs->rst) {
        detect_end_after_403(engine, state, obs, side);
        finish_stream(engine, obs);
        return;
    }
    if (!carries_application_data(obs))
        return;
    if (side == TLSDIAG_SIDE_SERVER)
        state->server_data_seen = true;
    else if (state->server_data_seen)
        state->client_spoke_after_data = true;
}

/* ---- progress and time ---------------------------------------------------- */

/* TLS content the handshake had not seen: bare retransmissions, ACKs and
 * keep-alives are not progress. */
static bool makes_progress(const tlsdiag_observation *obs)
{
    return obs->record_count > 0 || obs->opaque_record_count > 0;
}

static void detect_handshake_slow(tlsdiag_engine *engine, const stream_state *state,
                                  const tlsdiag_observation *obs)
{
    if (tlsdiag_time_between(obs->time_ns, state->client_hello_time) > engine->settings.slow_handshake_ns)
        new_verdict(engine, state, obs, TLSDIAG_FLAG_HANDSHAKE_SLOW, TLSDIAG_SIDE_NONE);
}

/* Who owes the next handshake message at this stage. */
static tlsdiag_side awaited_side(const stream_state *state)
{
    return state->stage == TLSDIAG_STAGE_SERVER_FLIGHT ? TLSDIAG_SIDE_CLIENT : TLSDIAG_SIDE_SERVER;
}

/* A frame that comes after a long silence without carrying the handshake
 * forward shows that it stalled; one report per handshake. */
static void detect_handshake_stalled(tlsdiag_engine *engine, stream_state *state,
                                     const tlsdiag_observation *obs)
{
    if (state->stall_reported || makes_progress(obs) ||
        tlsdiag_time_between(obs->time_ns, state->last_progress_time) <= engine->settings.stall_timeout_ns)
        return;
    if (new_verdict(engine, state, obs, TLSDIAG_FLAG_HANDSHAKE_STALLED, awaited_side(state)) != NULL)
        state->stall_reported = true;
}

static void count_loss(stream_state *state, const tlsdiag_observation *obs)
{
    if (obs->duplicate_ack)
        state->duplicate_acks++;
    if (obs->zero_window)
        state->zero_windows++;
}

static void count_retransmission(stream_state *state, tlsdiag_side side)
{
    if (side == TLSDIAG_SIDE_SERVER)
        state->server_retransmissions++;
    else if (state->stage == TLSDIAG_STAGE_CLIENT_HELLO)
        state->client_hello_retransmissions++;
    else
        state->client_retransmissions++;
}

static void reopen_capture(tlsdiag_engine *engine)
{
    tlsdiag_report_store_free(engine->end_reports);
    engine->end_reports = NULL;
}

/* The handshake is complete: was it slow, and does the connection have
 * more to tell (mutual TLS)? */
static void complete_handshake(tlsdiag_engine *engine, stream_state *state,
                               const tlsdiag_observation *obs, tlsdiag_side side)
{
    detect_handshake_slow(engine, state, obs);
    if (state->retry != NULL)
        record_retry_completed(engine, state, obs);
    /* A connection that asked for a client certificate has more to tell,
     * and so has the client's next move; the frame that completed the
     * handshake may carry a response. */
    state->watching_rejection = !may_carry_data(obs);
    if (!state->watching_rejection)
        record_key_use(engine, state, obs->frame);
    if (state->certificate_requested || state->watching_rejection)
        observe_established(engine, state, obs, side);
    else
        finish_stream(engine, obs);
}

bool tlsdiag_engine_wants_content(const tlsdiag_engine *engine, const tlsdiag_observation *obs)
{
    return !tlsdiag_number_set_contains(&engine->finished, obs->stream) ||
           tlsdiag_observation_has_record(obs, TLSDIAG_RECORD_HANDSHAKE);
}

/* A frame of the first pass: the capture goes on at least until then. */
static void note_frame_time(tlsdiag_engine *engine, int64_t time_ns)
{
    if (engine->end_reports != NULL)
        reopen_capture(engine);
    /* The frame before is over: what it wrote can be packed. */
    tlsdiag_report_store_settle(engine->reports);
    tlsdiag_recording_observe(engine->recording, time_ns);
    if (!engine->any_time || time_ns > engine->last_time)
        engine->last_time = time_ns;
    engine->any_time = true;
}

void tlsdiag_engine_pass_frame(tlsdiag_engine *engine, int64_t time_ns)
{
    note_frame_time(engine, time_ns);
}

/* Types read from the record headers show TLS 1.3's encrypted records as
 * application data, as their outer type says. The TLS dissector calls them
 * opaque from the ServerHello that chose TLS 1.3 on (its records later in
 * the same frame included), and so does the engine; before it (early
 * data) and in TLS 1.2 they are application data. */
static const tlsdiag_observation *sort_records(const stream_state *state, tlsdiag_side side,
                                               const tlsdiag_observation *obs,
                                               tlsdiag_observation *sorted)
{
    if (!obs->outer_types || obs->app_data_records == 0)
        return obs;
    bool tls13 = state->tls13;
    if (state->negotiated_version == 0 && side == TLSDIAG_SIDE_SERVER &&
        observed_handshake(obs, TLSDIAG_HS_SERVER_HELLO))
        tls13 = hello_max_version(obs) == TLSDIAG_VERSION_TLS13;
    if (!tls13)
        return obs;
    *sorted = *obs;
    sorted->record_count = 0;
    for (unsigned i = 0; i < obs->record_count; i++) {
        if (obs->record_types[i] != TLSDIAG_RECORD_APPLICATION_DATA)
            sorted->record_types[sorted->record_count++] = obs->record_types[i];
    }
    sorted->opaque_record_count = obs->app_data_records;
    return sorted;
}

void tlsdiag_engine_observe(tlsdiag_engine *engine, const tlsdiag_observation *obs)
{
    note_frame_time(engine, obs->time_ns);
    /* TLS 1.3 tickets come after the handshake, when the stream is done. */
    if (obs->issued_ticket != 0)
        record_issued_session(engine, obs->issued_ticket, obs->frame, &obs->src);
    if (tlsdiag_number_set_contains(&engine->finished, obs->stream))
        return;

    stream_state *state = g_hash_table_lookup(engine->streams, GUINT_TO_POINTER(obs->stream));
    if (state == NULL) {
        if (!observed_handshake(obs, TLSDIAG_HS_CLIENT_HELLO))
            return;
        state = start_handshake(engine, obs);
    }

    tlsdiag_side side = sender_side(state, obs);
    tlsdiag_observation sorted;
    obs = sort_records(state, side, obs, &sorted);

    if (state->stage == TLSDIAG_STAGE_ESTABLISHED) {
        if (!obs->retransmission)
            observe_established(engine, state, obs, side);
        return;
    }

    state->last_frame = obs->frame;
    state->last_frame_time = obs->time_ns;
    state->last_frame_may_wait = obs->retransmission || obs->duplicate_ack || obs->zero_window;
    count_loss(state, obs);
    /* Bytes the dissector could not read as records: the handshake may go
     * on where tlsdiag cannot see it (an SSLv2-format hello is readable). */
    if (obs->unreadable && obs->handshake_count == 0 && state->unreadable == 0)
        state->unreadable = obs->frame;

    /* A retransmission is evidence of loss. TLS content in it is new all
     * the same: the dissectors hand TLS only the bytes of a segment that
     * were not seen before (the original was lost, or not captured). */
    if (obs->retransmission)
        count_retransmission(state, side);
    observe_handshake_messages(engine, state, obs, side);
    if (state->tls13)
        observe_tls13_records(state, obs, side);
    else
        observe_tls12_records(state, obs, side);
    note_ready(engine, state, obs);

    if (state->stage == TLSDIAG_STAGE_ESTABLISHED) {
        complete_handshake(engine, state, obs, side);
        return;
    }
    if (detect_handshake_alert(engine, state, obs, side)) {
        finish_stream(engine, obs);
        return;
    }

    if (detect_handshake_aborted(engine, state, obs, side)) {
        finish_stream(engine, obs);
        return;
    }
    if (side == TLSDIAG_SIDE_SERVER)
        detect_resumption_refused(engine, state, obs);
    detect_handshake_stalled(engine, state, obs);
    if (makes_progress(obs)) {
        state->last_progress = obs->frame;
        state->last_progress_time = obs->time_ns;
        state->unreadable = 0;
    }
}

/* A peer's TCP acknowledges data within a fraction of a second, and data
 * left unacknowledged is sent again within seconds. A connection with no
 * packet at all after the handshake's last frame, for longer than the
 * stall timeout, was lost by the recording (a capture filter, a trimmed
 * capture, one direction or one interface of several) or by the network
 * of a peer, not stalled by a peer that waits. After a retransmission, a
 * duplicate ACK or a zero window the sender may back off for longer: no
 * evidence then. */
static int64_t unrecorded_silence(const tlsdiag_engine *engine, const stream_state *state)
{
    if (engine->settings.last_packet == NULL || state->last_frame_may_wait)
        return 0;
    if (engine->settings.last_packet(&state->client, &state->server, state->last_frame) !=
        state->last_frame)
        return 0;
    int64_t silence = silence_in_recording(engine, state->last_frame_time, engine->last_time);
    return silence > engine->settings.stall_timeout_ns ? silence : 0;
}

/* The verdict goes on the handshake's last frame, beside whatever links
 * that frame already shows; a frame with a verdict of its own keeps it. */
static void report_stall_at_end(tlsdiag_engine *engine, uint32_t stream, const stream_state *state)
{
    if (state->stage == TLSDIAG_STAGE_ESTABLISHED || state->stall_reported)
        return;
    tlsdiag_frame_report existing;
    memset(&existing, 0, sizeof existing);
    if (tlsdiag_report_store_get(engine->reports, state->last_frame, &existing) &&
        existing.verdict.flag != TLSDIAG_FLAG_NONE)
        return;

    tlsdiag_frame_report *report = tlsdiag_report_for_frame(engine->end_reports, state->last_frame);
    *report = existing;
    fill_verdict(&report->verdict, state, stream, state->last_frame_time,
                 TLSDIAG_FLAG_HANDSHAKE_STALLED, awaited_side(state));
    report->verdict.capture_end = true;
    /* Silent until the capture ends, not only until its own last frame. */
    report->verdict.idle_ns = tlsdiag_time_between(engine->last_time, state->last_progress_time);
    judge_silence(engine, &report->verdict, state->last_progress_time, engine->last_time);
    if (report->verdict.stalled)
        report->verdict.unrecorded_ns = unrecorded_silence(engine, state);
}

void tlsdiag_engine_capture_end(tlsdiag_engine *engine)
{
    if (engine->end_reports != NULL)
        return;
    tlsdiag_report_store_settle(engine->reports);
    engine->end_reports = tlsdiag_report_store_new();

    GHashTableIter iter;
    gpointer stream, state;
    g_hash_table_iter_init(&iter, engine->streams);
    while (g_hash_table_iter_next(&iter, &stream, &state))
        report_stall_at_end(engine, GPOINTER_TO_UINT(stream), state);
    tlsdiag_quic_capture_end(engine->quic, engine->reports, engine->end_reports);
    tlsdiag_report_store_settle(engine->end_reports);
}

bool tlsdiag_engine_wants_quic_content(const tlsdiag_engine *engine,
                                       const tlsdiag_quic_observation *obs)
{
    return tlsdiag_quic_wants(engine->quic, obs->connection);
}

void tlsdiag_engine_observe_quic(tlsdiag_engine *engine, const tlsdiag_quic_observation *obs)
{
    note_frame_time(engine, obs->time_ns);
    tlsdiag_quic_observe(engine->quic, engine->reports, obs);
}
