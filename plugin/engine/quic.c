/* quic.c
 * QUIC connections, one state per quic.connection.number: how far the
 * handshake got, the close that ended it, Initials without an answer,
 * version negotiation and Retry; and the attempts a client abandoned, so
 * that its next TLS-over-TCP ClientHello to that server is seen as the
 * fallback it is.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "quic.h"

#include <string.h>

#include "number_set.h"
#include "reports.h"

/* RFC 8879: a certificate sent compressed; a client that has none sends
 * an empty Certificate, which nobody compresses. */
#define HS_COMPRESSED_CERTIFICATE 25

/* RFC 9114 8.1 */
#define H3_NO_ERROR 0x0100u

/* What a Version Negotiation offered, kept only by connections that got one. */
typedef struct {
    uint32_t frame;
    uint32_t versions[TLSDIAG_QUIC_MAX_VERSIONS];
    uint8_t count;
    bool followed; /* the client came back with a listed version */
} negotiation;

typedef struct {
    uint32_t number;
    tlsdiag_endpoint client;
    tlsdiag_endpoint server;
    const char *server_name;
    uint32_t version;
    uint32_t hello;          /* the first client Initial */
    int64_t hello_time;
    uint32_t initials;       /* client datagrams with an Initial */
    int64_t last_initial_time;
    uint32_t last_client;    /* the latest client datagram */
    int64_t last_client_time;
    uint32_t icmp;           /* the first ICMP unreachable quoting the client */
    uint32_t retry;          /* the first Retry */
    uint32_t retries;
    uint32_t token_initials; /* client datagrams with an Initial and the Retry's token */
    int64_t first_token_time;
    int64_t last_token_time;
    negotiation *negotiation;
    tlsdiag_failure failure; /* frame 0 while nothing ended the attempt */
    int64_t failure_time;
    uint32_t fallback;       /* the TCP ClientHello that followed it */
    bool port_closed;
    bool answered;           /* a server packet other than Retry and VN */
    bool server_handshake;   /* a Handshake packet from the server */
    bool client_short;       /* a 1-RTT packet from the client */
    bool certificate_requested;
    bool client_certificate_sent;
    bool client_certificate_empty;
    bool client_finished;
    bool established;        /* mutual TLS, handshake done: a 403 and a close may follow */
    uint32_t http403;        /* the latest HTTP/3 response while it is a 403 */
    bool over;               /* completed or ended: nothing more to tell */
} quic_connection;

/* The latest attempt of a client at a server, by address and port, or by
 * server name and port (a server name may stand for several addresses). */
typedef struct {
    tlsdiag_peer_key peer;   /* no server address when found by name */
    const char *server_name; /* interned: compared by pointer */
} attempt_key;

struct tlsdiag_quic {
    GHashTable *connections;      /* number -> quic_connection of a live story */
    tlsdiag_number_set completed; /* a bit per completed connection */
    GHashTable *latest;      /* attempt_key -> number of the latest attempt */
    GStringChunk *strings;
};

static guint attempt_key_hash(gconstpointer key)
{
    const attempt_key *k = key;
    uint64_t digest = tlsdiag_digest((const uint8_t *)k, offsetof(attempt_key, server_name));
    return (guint)(digest ^ (digest >> 32)) ^ g_direct_hash(k->server_name);
}

static gboolean attempt_key_equal(gconstpointer a, gconstpointer b)
{
    const attempt_key *ka = a, *kb = b;
    return memcmp(ka, kb, offsetof(attempt_key, server_name)) == 0 &&
           ka->server_name == kb->server_name;
}

static void connection_free(gpointer data)
{
    quic_connection *conn = data;
    g_free(conn->negotiation);
    g_free(conn);
}

tlsdiag_quic *tlsdiag_quic_new(void)
{
    tlsdiag_quic *quic = g_new0(tlsdiag_quic, 1);
    quic->connections = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, connection_free);
    quic->latest = g_hash_table_new_full(attempt_key_hash, attempt_key_equal, g_free, NULL);
    quic->strings = g_string_chunk_new(1024);
    return quic;
}

bool tlsdiag_quic_seen(const tlsdiag_quic *quic)
{
    return g_hash_table_size(quic->latest) > 0;
}

void tlsdiag_quic_free(tlsdiag_quic *quic)
{
    if (quic == NULL)
        return;
    g_hash_table_destroy(quic->connections);
    tlsdiag_number_set_clear(&quic->completed);
    g_hash_table_destroy(quic->latest);
    g_string_chunk_free(quic->strings);
    g_free(quic);
}

bool tlsdiag_quic_version_is_greased(uint32_t version)
{
    return (version & 0x0F0F0F0Fu) == 0x0A0A0A0Au;
}

bool tlsdiag_alert_rejects_certificate(uint8_t alert)
{
    switch (alert) {
        case 42: /* bad_certificate */
        case 43: /* unsupported_certificate */
        case 44: /* certificate_revoked */
        case 45: /* certificate_expired */
        case 46: /* certificate_unknown */
        case 48: /* unknown_ca */
        case 49: /* access_denied */
        case TLSDIAG_ALERT_CERTIFICATE_REQUIRED:
            return true;
        default:
            return false;
    }
}

static const char *intern(tlsdiag_quic *quic, const char *text)
{
    return text != NULL && text[0] != '\0' ? g_string_chunk_insert_const(quic->strings, text) : NULL;
}

/* A reason phrase is the peer's bytes: the texts and fields made from it
 * must be UTF-8 whatever it sent. */
static const char *intern_text(tlsdiag_quic *quic, const char *text)
{
    if (text == NULL || g_utf8_validate(text, -1, NULL))
        return intern(quic, text);
    char *valid = g_utf8_make_valid(text, -1);
    const char *interned = intern(quic, valid);
    g_free(valid);
    return interned;
}

/* A completed handshake has nothing more to tell, and no fallback follows
 * it: its state goes, a bit stays so that its later datagrams (a late
 * Initial among them) start nothing. */
static void complete_connection(tlsdiag_quic *quic, quic_connection *conn)
{
    tlsdiag_number_set_add(&quic->completed, conn->number);
    g_hash_table_remove(quic->connections, GUINT_TO_POINTER(conn->number));
}

/* ---- attempts by client and server ------------------------------------------ */

static attempt_key address_key(const tlsdiag_endpoint *client, const tlsdiag_endpoint *server)
{
    attempt_key key;
    memset(&key, 0, sizeof key);
    key.peer = tlsdiag_peer_key_of(client, server);
    return key;
}

static attempt_key name_key(const tlsdiag_endpoint *client, uint16_t port, const char *name)
{
    tlsdiag_endpoint nameless = {.family = client->family, .port = port};
    attempt_key key;
    memset(&key, 0, sizeof key);
    key.peer = tlsdiag_peer_key_of(client, &nameless);
    key.server_name = name;
    return key;
}

static quic_connection *latest_attempt(tlsdiag_quic *quic, const attempt_key *key)
{
    gpointer number;
    if (!g_hash_table_lookup_extended(quic->latest, key, NULL, &number))
        return NULL;
    return g_hash_table_lookup(quic->connections, number);
}

static void remember_attempt(tlsdiag_quic *quic, const attempt_key *key, uint32_t number)
{
    g_hash_table_replace(quic->latest, g_memdup2(key, sizeof *key), GUINT_TO_POINTER(number));
}

static bool lists_version(const negotiation *vn, uint32_t version)
{
    for (unsigned i = 0; i < vn->count; i++) {
        if (vn->versions[i] == version)
            return true;
    }
    return false;
}

/* A client that comes back with a version the server listed has
 * negotiated: the Version Negotiation was no failure (a greased or
 * unsupported first version is how clients probe). */
static void follow_negotiation(quic_connection *previous, uint32_t version)
{
    if (previous != NULL && previous->negotiation != NULL && lists_version(previous->negotiation, version))
        previous->negotiation->followed = true;
}

static quic_connection *start_connection(tlsdiag_quic *quic, const tlsdiag_quic_observation *obs)
{
    quic_connection *conn = g_new0(quic_connection, 1);
    conn->number = obs->connection;
    conn->client = obs->src;
    conn->server = obs->dst;
    conn->version = obs->version;
    conn->hello = obs->frame;
    conn->hello_time = obs->time_ns;
    g_hash_table_replace(quic->connections, GUINT_TO_POINTER(obs->connection), conn);

    attempt_key key = address_key(&conn->client, &conn->server);
    follow_negotiation(latest_attempt(quic, &key), obs->version);
    remember_attempt(quic, &key, conn->number);
    return conn;
}

static void note_server_name(tlsdiag_quic *quic, quic_connection *conn, const char *name)
{
    if (conn->server_name != NULL || intern(quic, name) == NULL)
        return;
    conn->server_name = intern(quic, name);
    attempt_key key = name_key(&conn->client, conn->server.port, conn->server_name);
    follow_negotiation(latest_attempt(quic, &key), conn->version);
    remember_attempt(quic, &key, conn->number);
}

/* ---- verdicts ------------------------------------------------------------- */

static tlsdiag_stage stage_of(const quic_connection *conn)
{
    return conn->server_handshake ? TLSDIAG_STAGE_QUIC_HANDSHAKE : TLSDIAG_STAGE_QUIC_INITIAL;
}

/* What an attempt's verdicts, and the fallback after it, tell of it. After
 * a Retry the server answered the first Initial, so the silence that
 * matters is the one after it: the Initials with the token. */
static void fill_attempt(tlsdiag_verdict *verdict, const quic_connection *conn)
{
    verdict->quic_connection = conn->number;
    if (conn->retries > 0) {
        verdict->quic_initials = conn->token_initials;
        verdict->quic_span_ns = tlsdiag_time_between(conn->last_token_time, conn->first_token_time);
    } else {
        verdict->quic_initials = conn->initials;
        verdict->quic_span_ns = tlsdiag_time_between(conn->last_initial_time, conn->hello_time);
    }
    verdict->quic_icmp = conn->icmp;
    verdict->quic_port_closed = conn->port_closed;
    verdict->quic_version = conn->version;
    verdict->quic_retry = conn->retry;
}

static void fill_quic_verdict(tlsdiag_verdict *verdict, const quic_connection *conn,
                              tlsdiag_flag flag, tlsdiag_side side, int64_t time_ns)
{
    verdict->flag = flag;
    verdict->side = side;
    verdict->stage = stage_of(conn);
    verdict->tls13 = true;
    verdict->quic = true;
    verdict->stream = conn->number;
    verdict->client = conn->client;
    verdict->server = conn->server;
    verdict->server_name = conn->server_name;
    verdict->offered_version = TLSDIAG_VERSION_TLS13;
    verdict->client_hello = conn->hello;
    verdict->elapsed_ns = tlsdiag_time_between(time_ns, conn->hello_time);
    fill_attempt(verdict, conn);
    if (conn->client_certificate_sent || conn->client_certificate_empty)
        verdict->client_certificate = conn->client_certificate_empty ? TLSDIAG_CLIENT_CERT_EMPTY
                                                                     : TLSDIAG_CLIENT_CERT_SENT;
    verdict->certificate_requested = conn->certificate_requested;
}

/* One verdict per frame: the first story that claims it keeps it. */
static tlsdiag_verdict *new_quic_verdict(tlsdiag_report_store *reports, const quic_connection *conn,
                                         uint32_t frame, int64_t time_ns, tlsdiag_flag flag,
                                         tlsdiag_side side)
{
    tlsdiag_frame_report *report = tlsdiag_report_for_frame(reports, frame);
    if (report->verdict.flag != TLSDIAG_FLAG_NONE)
        return NULL;
    fill_quic_verdict(&report->verdict, conn, flag, side, time_ns);
    return &report->verdict;
}

/* The attempt is over: a later TCP ClientHello may be its fallback. */
static void end_attempt(tlsdiag_report_store *reports, quic_connection *conn,
                        const tlsdiag_verdict *verdict, uint32_t frame, int64_t time_ns)
{
    conn->over = true;
    conn->failure_time = time_ns;
    conn->failure.frame = frame;
    conn->failure.client_hello = conn->hello;
    conn->failure.flag = verdict->flag;
    conn->failure.side = verdict->side;
    conn->failure.stage = verdict->stage;
    conn->failure.tls13 = true;
    conn->failure.has_alert = verdict->has_alert;
    conn->failure.alert = verdict->alert;
    conn->failure.version = TLSDIAG_VERSION_TLS13;

    tlsdiag_frame_report *hello = tlsdiag_report_for_frame(reports, conn->hello);
    hello->ended_by = frame;
    hello->ended_how = verdict->flag;
}

static tlsdiag_flag close_flag(const quic_connection *conn, tlsdiag_side side, bool has_alert,
                               uint8_t alert)
{
    if (side == TLSDIAG_SIDE_CLIENT && !conn->answered)
        return conn->retries > 0 ? TLSDIAG_FLAG_QUIC_RETRY_LOOP : TLSDIAG_FLAG_QUIC_UNANSWERED;
    /* As over TCP, the server checks the client's certificate after the
     * client's Finished; certificate_required says it outright. */
    if (side == TLSDIAG_SIDE_SERVER && has_alert &&
        (alert == TLSDIAG_ALERT_CERTIFICATE_REQUIRED ||
         ((conn->client_finished || conn->client_certificate_sent) &&
          tlsdiag_alert_rejects_certificate(alert))))
        return TLSDIAG_FLAG_CLIENT_CERT_REJECTED;
    return TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED;
}

/* A transport close's CRYPTO_ERROR carries a TLS alert; application
 * error codes are the application's (HTTP/3's), whatever their value. */
static bool close_alert(const tlsdiag_quic_observation *obs, uint8_t *alert)
{
    *alert = (uint8_t)(obs->close_error - TLSDIAG_QUIC_CRYPTO_ERROR_BASE);
    return !obs->close_application && obs->close_error >= TLSDIAG_QUIC_CRYPTO_ERROR_BASE &&
           obs->close_error <= TLSDIAG_QUIC_CRYPTO_ERROR_BASE + 0xFF;
}

static void fill_close(tlsdiag_quic *quic, tlsdiag_verdict *verdict,
                       const tlsdiag_quic_observation *obs)
{
    uint8_t alert;
    verdict->has_quic_error = true;
    verdict->quic_error = obs->close_error;
    verdict->quic_application = obs->close_application;
    verdict->quic_reason = intern_text(quic, obs->close_reason);
    if (close_alert(obs, &alert)) {
        verdict->has_alert = true;
        verdict->alert = alert;
        verdict->alert_level = TLSDIAG_ALERT_LEVEL_FATAL;
    }
}

bool tlsdiag_quic_close_is_clean(const tlsdiag_verdict *verdict)
{
    if (verdict->quic_application)
        return verdict->quic_error == 0 || verdict->quic_error == H3_NO_ERROR;
    if (verdict->has_alert)
        return verdict->alert == TLSDIAG_ALERT_CLOSE_NOTIFY;
    return verdict->quic_error == 0;
}

/* A CONNECTION_CLOSE sent while Initial or Handshake keys are still in use
 * (RFC 9001 4.9): the handshake had not been confirmed. A close in 1-RTT
 * packets alone comes after it. */
static void detect_close(tlsdiag_quic *quic, tlsdiag_report_store *reports, quic_connection *conn,
                         const tlsdiag_quic_observation *obs, tlsdiag_side side)
{
    if (!obs->has_close || (obs->packets & (TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE)) == 0)
        return;
    uint8_t alert;
    bool has_alert = close_alert(obs, &alert);
    tlsdiag_flag flag = close_flag(conn, side, has_alert, alert);
    tlsdiag_verdict *verdict = new_quic_verdict(reports, conn, obs->frame, obs->time_ns, flag, side);
    if (verdict == NULL)
        return;
    fill_close(quic, verdict, obs);
    end_attempt(reports, conn, verdict, obs->frame, obs->time_ns);
}

/* RFC 9000 17.2.5.2: a client answers one Retry; another Retry after the
 * client sent the token means the server refused its own token. Two
 * Retries before it are answers to two copies of the first Initial. */
static void detect_retry_loop(tlsdiag_report_store *reports, quic_connection *conn,
                              const tlsdiag_quic_observation *obs)
{
    if (!(obs->packets & TLSDIAG_QUIC_RETRY) || conn->token_initials == 0)
        return;
    tlsdiag_verdict *verdict = new_quic_verdict(reports, conn, obs->frame, obs->time_ns,
                                                TLSDIAG_FLAG_QUIC_RETRY_LOOP, TLSDIAG_SIDE_SERVER);
    if (verdict != NULL)
        end_attempt(reports, conn, verdict, obs->frame, obs->time_ns);
}

static bool observed(const tlsdiag_quic_observation *obs, uint8_t type)
{
    for (unsigned i = 0; i < obs->handshake_count; i++) {
        if (obs->handshake_types[i] == type)
            return true;
    }
    return false;
}

static void observe_client(tlsdiag_quic *quic, quic_connection *conn,
                           const tlsdiag_quic_observation *obs)
{
    conn->last_client = obs->frame;
    conn->last_client_time = obs->time_ns;
    if (obs->packets & TLSDIAG_QUIC_INITIAL) {
        conn->initials++;
        conn->last_initial_time = obs->time_ns;
        if (conn->retries > 0 && obs->initial_token) {
            if (conn->token_initials++ == 0)
                conn->first_token_time = obs->time_ns;
            conn->last_token_time = obs->time_ns;
        }
        if (conn->negotiation != NULL)
            follow_negotiation(conn, obs->version);
    }
    if (obs->packets & TLSDIAG_QUIC_SHORT)
        conn->client_short = true;
    if (obs->server_name != NULL)
        note_server_name(quic, conn, obs->server_name);
    if (observed(obs, TLSDIAG_HS_CERTIFICATE) && obs->has_certificate_list) {
        conn->client_certificate_empty = obs->certificate_list_length == 0;
        conn->client_certificate_sent = !conn->client_certificate_empty;
    }
    if (observed(obs, HS_COMPRESSED_CERTIFICATE) && !conn->client_certificate_empty)
        conn->client_certificate_sent = true;
    if (observed(obs, TLSDIAG_HS_FINISHED))
        conn->client_finished = true;
}

static void observe_server(quic_connection *conn, const tlsdiag_quic_observation *obs)
{
    if (obs->packets & TLSDIAG_QUIC_VERSION_NEGOTIATION && conn->negotiation == NULL &&
        !conn->answered) {
        conn->negotiation = g_new0(negotiation, 1);
        conn->negotiation->frame = obs->frame;
        conn->negotiation->count = obs->listed_version_count;
        memcpy(conn->negotiation->versions, obs->listed_versions,
               sizeof obs->listed_versions[0] * obs->listed_version_count);
    }
    if (obs->packets & TLSDIAG_QUIC_RETRY) {
        if (conn->retries++ == 0)
            conn->retry = obs->frame;
    }
    if (obs->packets & (TLSDIAG_QUIC_INITIAL | TLSDIAG_QUIC_HANDSHAKE | TLSDIAG_QUIC_SHORT))
        conn->answered = true;
    if (obs->packets & TLSDIAG_QUIC_HANDSHAKE)
        conn->server_handshake = true;
    if (observed(obs, TLSDIAG_HS_CERTIFICATE_REQUEST))
        conn->certificate_requested = true;
}

/* The server sends 1-RTT packets alone once it dropped its Handshake keys:
 * after the client's first 1-RTT packet that means the handshake is done. */
static bool completes(const quic_connection *conn, const tlsdiag_quic_observation *obs)
{
    return conn->client_short && obs->packets == TLSDIAG_QUIC_SHORT;
}

/* As over TCP (engine.c): some clients fail a request as a certificate
 * error when a connection that sent a client certificate answers 403 and
 * then closes. HTTP/3 statuses come from Wireshark 4.4 on, with keys. */
static void observe_established(tlsdiag_quic *quic, tlsdiag_report_store *reports,
                                quic_connection *conn, const tlsdiag_quic_observation *obs,
                                tlsdiag_side side)
{
    if (side == TLSDIAG_SIDE_SERVER) {
        for (unsigned i = 0; i < obs->http_status_count; i++)
            conn->http403 = obs->http_statuses[i] == TLSDIAG_HTTP_FORBIDDEN ? obs->frame : 0;
    }
    if (!obs->has_close)
        return;
    if (conn->http403 != 0) {
        tlsdiag_verdict *verdict = new_quic_verdict(reports, conn, obs->frame, obs->time_ns,
                                                    TLSDIAG_FLAG_ALERT_AFTER_403, side);
        if (verdict != NULL) {
            verdict->stage = TLSDIAG_STAGE_ESTABLISHED;
            verdict->http403 = conn->http403;
            fill_close(quic, verdict, obs);
        }
    }
    complete_connection(quic, conn);
}

/* Only a connection that sent a client certificate has a 403 story to
 * tell; the others are done. */
static void complete_or_watch(tlsdiag_quic *quic, tlsdiag_report_store *reports,
                              quic_connection *conn, const tlsdiag_quic_observation *obs)
{
    if (!conn->certificate_requested || !conn->client_certificate_sent) {
        complete_connection(quic, conn);
        return;
    }
    conn->established = true;
    observe_established(quic, reports, conn, obs, TLSDIAG_SIDE_SERVER);
}

static void observe_icmp(quic_connection *conn, const tlsdiag_quic_observation *obs)
{
    if (conn->answered || conn->icmp != 0)
        return;
    conn->icmp = obs->frame;
    conn->port_closed = obs->port_unreachable;
}

bool tlsdiag_quic_wants(const tlsdiag_quic *quic, uint32_t connection)
{
    return !tlsdiag_number_set_contains(&quic->completed, connection);
}

void tlsdiag_quic_observe(tlsdiag_quic *quic, tlsdiag_report_store *reports,
                          const tlsdiag_quic_observation *obs)
{
    if (!tlsdiag_quic_wants(quic, obs->connection))
        return;
    quic_connection *conn = g_hash_table_lookup(quic->connections, GUINT_TO_POINTER(obs->connection));
    if (conn == NULL) {
        /* A connection starts with the client's Initial; one caught in
         * the middle has no handshake to tell about. */
        if (obs->icmp || (obs->packets & TLSDIAG_QUIC_INITIAL) == 0)
            return;
        conn = start_connection(quic, obs);
    }
    if (conn->over)
        return;
    if (obs->icmp) {
        observe_icmp(conn, obs);
        return;
    }
    tlsdiag_side side = tlsdiag_endpoint_equal(&obs->src, &conn->client) ? TLSDIAG_SIDE_CLIENT
                                                                         : TLSDIAG_SIDE_SERVER;
    if (conn->established) {
        observe_established(quic, reports, conn, obs, side);
        return;
    }
    if (side == TLSDIAG_SIDE_CLIENT) {
        observe_client(quic, conn, obs);
    } else {
        if (completes(conn, obs)) {
            complete_or_watch(quic, reports, conn, obs);
            return;
        }
        observe_server(conn, obs);
        detect_retry_loop(reports, conn, obs);
    }
    if (!conn->over)
        detect_close(quic, reports, conn, obs, side);
}

/* ---- the fallback to TCP ----------------------------------------------------- */

/* The attempt's failure as a TCP retry sees it: the close, or for an
 * attempt nobody answered, its latest datagram so far. */
static bool abandoned(const quic_connection *conn, tlsdiag_failure *failure, int64_t *failure_time)
{
    if (conn->fallback != 0)
        return false;
    if (conn->failure.frame != 0) {
        *failure = conn->failure;
        *failure_time = conn->failure_time;
        return true;
    }
    if (conn->over)
        return false;
    memset(failure, 0, sizeof *failure);
    failure->client_hello = conn->hello;
    failure->frame = conn->last_client;
    failure->side = TLSDIAG_SIDE_CLIENT;
    failure->stage = TLSDIAG_STAGE_QUIC_INITIAL;
    failure->tls13 = true;
    failure->version = TLSDIAG_VERSION_TLS13;
    *failure_time = conn->last_client_time;
    if (conn->negotiation != NULL && !conn->negotiation->followed) {
        failure->flag = TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION;
        failure->side = TLSDIAG_SIDE_SERVER;
        failure->frame = conn->negotiation->frame;
        return true;
    }
    if (conn->answered || conn->negotiation != NULL)
        return false;
    failure->flag = conn->retries > 0 ? TLSDIAG_FLAG_QUIC_RETRY_LOOP : TLSDIAG_FLAG_QUIC_UNANSWERED;
    return true;
}

static quic_connection *fallback_source(tlsdiag_quic *quic, const tlsdiag_verdict *verdict)
{
    attempt_key key = address_key(&verdict->client, &verdict->server);
    quic_connection *by_address = latest_attempt(quic, &key);
    if (verdict->server_name == NULL)
        return by_address;
    key = name_key(&verdict->client, verdict->server.port,
                   g_string_chunk_insert_const(quic->strings, verdict->server_name));
    quic_connection *by_name = latest_attempt(quic, &key);
    if (by_address == NULL || (by_name != NULL && by_name->hello_time > by_address->hello_time))
        return by_name;
    return by_address;
}

bool tlsdiag_quic_fallback(tlsdiag_quic *quic, tlsdiag_report_store *reports,
                           tlsdiag_verdict *verdict, uint32_t frame, int64_t time_ns,
                           int64_t window_ns)
{
    quic_connection *conn = fallback_source(quic, verdict);
    tlsdiag_failure failure;
    int64_t failure_time = 0;
    if (conn == NULL || !abandoned(conn, &failure, &failure_time))
        return false;
    int64_t since = tlsdiag_time_between(time_ns, failure_time);
    if (conn->hello_time > time_ns || since > window_ns)
        return false;

    conn->fallback = frame;
    verdict->flag = TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP;
    verdict->side = TLSDIAG_SIDE_CLIENT;
    verdict->previous = failure;
    verdict->origin = failure;
    verdict->since_failure_ns = since;
    fill_attempt(verdict, conn);

    tlsdiag_frame_report *failed = tlsdiag_report_for_frame(reports, failure.frame);
    failed->retried_by = frame;
    failed->retried_how = TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP;
    return true;
}

/* ---- the end of the capture ---------------------------------------------------- */

static void report_at_end(tlsdiag_report_store *reports, tlsdiag_report_store *end_reports,
                          const quic_connection *conn, uint32_t frame, tlsdiag_flag flag,
                          tlsdiag_side side, int64_t time_ns)
{
    tlsdiag_frame_report existing;
    memset(&existing, 0, sizeof existing);
    if ((tlsdiag_report_store_get(reports, frame, &existing) &&
         existing.verdict.flag != TLSDIAG_FLAG_NONE) ||
        tlsdiag_report_store_has(end_reports, frame))
        return;
    tlsdiag_frame_report *report = tlsdiag_report_for_frame(end_reports, frame);
    *report = existing;
    fill_quic_verdict(&report->verdict, conn, flag, side, time_ns);
    report->verdict.capture_end = true;
}

static void end_connection(tlsdiag_report_store *reports, tlsdiag_report_store *end_reports,
                           const quic_connection *conn)
{
    if (conn->negotiation != NULL) {
        if (!conn->negotiation->followed)
            report_at_end(reports, end_reports, conn, conn->negotiation->frame,
                          TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION, TLSDIAG_SIDE_SERVER,
                          conn->last_client_time);
        return;
    }
    if (conn->over || conn->answered || conn->initials == 0)
        return;
    report_at_end(reports, end_reports, conn, conn->last_client,
                  conn->retries > 0 ? TLSDIAG_FLAG_QUIC_RETRY_LOOP : TLSDIAG_FLAG_QUIC_UNANSWERED,
                  TLSDIAG_SIDE_CLIENT, conn->last_client_time);
}

void tlsdiag_quic_capture_end(tlsdiag_quic *quic, tlsdiag_report_store *reports,
                              tlsdiag_report_store *end_reports)
{
    GHashTableIter iter;
    gpointer conn;
    g_hash_table_iter_init(&iter, quic->connections);
    while (g_hash_table_iter_next(&iter, NULL, &conn))
        end_connection(reports, end_reports, conn);
}
