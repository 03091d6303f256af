/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hints.h"

#include <stdarg.h>
#include <string.h>

#include "certificates.h"
#include "vocab.h"

static void add_hint(struct summary *s, const char *id, uint64_t flows, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void add_hint(struct summary *s, const char *id, uint64_t flows, const char *fmt, ...)
{
    struct hint *h = g_new0(struct hint, 1);
    va_list ap;
    va_start(ap, fmt);
    h->id = id;
    h->flows = flows;
    h->text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(s->hints, h);
}

static const struct flow_event *find_flag(const struct flow *f, tlsdiag_flag flag)
{
    for (uint32_t i = 0; i < f->n_events; i++) {
        if (vocab_flag_is(f->events[i].flag, flag))
            return &f->events[i];
    }
    return NULL;
}

static bool is_fallback(const char *flag)
{
    return tlsdiag_flag_is_retry(tlsdiag_flag_from_name(flag));
}

/* Counts keyed by a description; the most common wins, ties by name. */
struct votes {
    GHashTable *counts;
    const char *best;
    uint64_t best_n;
    uint64_t total;
    const struct flow *example;
    const struct flow_event *example_event;
};

static void votes_init(struct votes *v)
{
    *v = (struct votes){.counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL)};
}

static void votes_add(struct votes *v, const char *key, const struct flow *f,
                      const struct flow_event *ev)
{
    uint64_t n = GPOINTER_TO_SIZE(g_hash_table_lookup(v->counts, key)) + 1;
    char *owned = g_strdup(key);
    g_hash_table_replace(v->counts, owned, GSIZE_TO_POINTER(n));
    v->total++;
    if (n > v->best_n || (n == v->best_n && strcmp(owned, v->best) < 0)) {
        v->best = owned;
        v->best_n = n;
        v->example = f;
        v->example_event = ev;
    }
}

static void votes_clear(struct votes *v)
{
    g_hash_table_destroy(v->counts);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * "3", or "3 of CAPTURE" when the report holds several captures: stream
 * numbers restart in each. The summary keeps the text.
 */
static const char *stream_of(struct summary *s, const struct flow *f)
{
    char *text = s->captures->len > 1
                     ? g_strdup_printf("%" G_GINT64_FORMAT " of %s", f->stream, f->capture)
                     : g_strdup_printf("%" G_GINT64_FORMAT, f->stream);
    g_ptr_array_add(s->strings, text);
    return text;
}

/* An example among several, or the only one. */
static const char *eg(uint64_t n)
{
    return n == 1 ? "" : "e.g. ";
}

static bool most(uint64_t part, uint64_t whole)
{
    return whole > 0 && part * 2 > whole;
}

/* A frame of a capture and the flagged frame that ended its connection. */
struct ending {
    const struct flow *flow;
    const struct flow_event *event;
};

static char *frame_key(const struct flow *f, int64_t frame)
{
    return g_strdup_printf("%s\t%" G_GINT64_FORMAT, f->capture, frame);
}

/* The frame that closed or alerted, not a fallback note on the ClientHello. */
static const struct flow_event *ending_event(const struct flow *f)
{
    for (uint32_t e = 0; e < f->n_events; e++) {
        if (*f->events[e].close || f->events[e].alert >= 0)
            return &f->events[e];
    }
    return &f->events[0];
}

static void index_add(GHashTable *index, const struct flow *f, int64_t frame,
                      const struct flow_event *ev)
{
    char *key = frame_key(f, frame);
    struct ending *e;
    if (g_hash_table_contains(index, key)) {
        g_free(key);
        return;
    }
    e = g_new(struct ending, 1);
    *e = (struct ending){f, ev};
    g_hash_table_insert(index, key, e);
}

/*
 * A fallback names the frame that failed the attempt before it and that
 * attempt's ClientHello; index both, the flagged frames taking precedence.
 */
static GHashTable *index_frames(const struct summary *s)
{
    GHashTable *index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        for (uint32_t e = 0; e < f->n_events; e++)
            index_add(index, f, f->events[e].frame, &f->events[e]);
    }
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        for (uint32_t e = 0; e < f->n_events; e++) {
            if (f->events[e].client_hello > 0)
                index_add(index, f, f->events[e].client_hello, ending_event(f));
        }
    }
    return index;
}

static const struct ending *lookup_frame(GHashTable *index, const struct flow *f, int64_t frame)
{
    char *key;
    const struct ending *found;
    if (frame <= 0)
        return NULL;
    key = frame_key(f, frame);
    found = g_hash_table_lookup(index, key);
    g_free(key);
    return found;
}

static void hint_fallbacks(struct summary *s)
{
    GHashTable *index = index_frames(s);
    struct votes causes;
    uint64_t fallbacks = 0, rejected = 0;
    GString *cause = g_string_new(NULL);

    votes_init(&causes);
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        const struct flow_event *ev = NULL;
        for (uint32_t e = 0; e < f->n_events && !ev; e++) {
            if (is_fallback(f->events[e].flag))
                ev = &f->events[e];
        }
        if (find_flag(f, TLSDIAG_FLAG_FALLBACK_REJECTED))
            rejected++;
        if (!ev)
            continue;
        fallbacks++;
        const struct ending *before = lookup_frame(index, f, ev->fb_failure);
        if (!before)
            before = lookup_frame(index, f, ev->fb_previous);
        if (!before || before->flow == f)
            continue;
        g_string_truncate(cause, 0);
        vocab_describe_end(cause, before->event);
        votes_add(&causes, cause->str, before->flow, before->event);
    }

    if (fallbacks && causes.total) {
        const char *unlinked = "";
        char *note = NULL;
        if (causes.total < fallbacks)
            unlinked = note =
                g_strdup_printf(" The failed attempt before %" G_GUINT64_FORMAT
                                " of them is not flagged in this report (capture split by time?).",
                                fallbacks - causes.total);
        if (g_str_has_prefix(causes.best, "server RST at client_hello"))
            add_hint(s, "fallback_after_reset", fallbacks,
                     "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                     " fallback retries follow a reset from the server side right after the "
                     "ClientHello (e.g. stream %s"
                     "): something on the path resets ClientHellos (firewall, IPS, anti-DDoS "
                     "filtering, load balancer). The TLS configuration is not the cause; find "
                     "who sends those resets.%s",
                     causes.best_n, fallbacks, stream_of(s, causes.example), unlinked);
        else
            add_hint(s, "fallback_after_failure", fallbacks,
                     "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                     " fallback retries follow a failed attempt ended by: %s (e.g. stream "
                     "%s). Clients fall back because of those failures; fix them "
                     "and the fallbacks stop.%s",
                     causes.best_n, fallbacks, causes.best, stream_of(s, causes.example), unlinked);
        g_free(note);
    } else if (fallbacks) {
        add_hint(s, "fallback_unlinked", fallbacks,
                 "%" G_GUINT64_FORMAT " fallback retries, but the failed attempts they retry are "
                 "not flagged in this report: was the capture split by time, or the failure "
                 "outside the capture?",
                 fallbacks);
    }
    if (rejected)
        add_hint(s, "fallback_rejected", rejected,
                 "%" G_GUINT64_FORMAT " fallback retr%s refused with alert 86 "
                 "inappropriate_fallback: the downgrade protection works as designed. Do not "
                 "disable it; fix why clients fall back.",
                 rejected, rejected == 1 ? "y was" : "ies were");
    g_string_free(cause, TRUE);
    votes_clear(&causes);
    g_hash_table_destroy(index);
}

static const char *abort_advice(const char *side, const char *stage)
{
    bool server = !strcmp(side, "server");
    bool client = !strcmp(side, "client");
    if (server && !strcmp(stage, "client_hello"))
        return "The server, or a device in front of it, refuses the ClientHello: check "
               "firewalls, IPS and load balancers on the path, and the server's error log "
               "(SNI, version or cipher policy)";
    if (server)
        return "The server ends the handshake without an alert: check its error log and any "
               "TLS-terminating proxy in front of it";
    if (client && !strcmp(stage, "client_hello"))
        return "The client gives up before any answer: the server or the path is slow or "
               "drops packets; compare elapsed times and retransmissions";
    if (client && (!strcmp(stage, "server_hello") || !strcmp(stage, "server_flight")))
        return "The client rejects what the server sent (certificate trust, pinning, "
               "security policy) or lost part of it: check the client's logs";
    if (client)
        return "The client closes after its own flight: check the client's logs";
    return "Check the logs at both ends";
}

static gint compare_int64(gconstpointer a, gconstpointer b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void hint_aborts(struct summary *s)
{
    struct votes how;
    uint64_t retransmitted = 0, silent = 0;
    const struct flow *retransmitted_example = NULL;
    const struct flow *silent_example = NULL;
    const struct flow_event *silent_event = NULL;
    GArray *elapsed = g_array_new(FALSE, FALSE, sizeof(int64_t));

    votes_init(&how);
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        const struct flow_event *ev = find_flag(f, TLSDIAG_FLAG_HANDSHAKE_ABORTED);
        char *key;
        if (!ev)
            continue;
        key = g_strdup_printf("%s\t%s\t%s", ev->side, ev->close, ev->stage);
        votes_add(&how, key, f, ev);
        g_free(key);
        if (ev->retransmissions > 0 && retransmitted++ == 0)
            retransmitted_example = f;
        if (ev->has_elapsed)
            g_array_append_val(elapsed, ev->elapsed_ns);
        /* The plugin gives the last progress of a failure only after a stall. */
        if (ev->last_progress > 0 && ev->idle_ns >= 0 && silent++ == 0) {
            silent_example = f;
            silent_event = ev;
        }
    }
    if (how.total) {
        const struct flow_event *top = how.example_event;
        const char *close = *top->close ? top->close : "close";
        const char *side = *top->side ? top->side : "unknown side";
        GString *text = g_string_new(NULL);
        if (most(how.best_n, how.total))
            g_string_printf(text,
                            "Most aborted handshakes (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                            ") end with a %s from the %s %s. %s.",
                            how.best_n, how.total, close, side, vocab_stage_phrase(top->stage),
                            abort_advice(top->side, top->stage));
        else
            g_string_printf(text,
                            "%" G_GUINT64_FORMAT " aborted handshakes end in different ways; the "
                            "most common (%" G_GUINT64_FORMAT ") is a %s from the %s %s. %s.",
                            how.total, how.best_n, close, side, vocab_stage_phrase(top->stage),
                            abort_advice(top->side, top->stage));
        if (retransmitted)
            g_string_append_printf(text,
                                   " %" G_GUINT64_FORMAT " saw retransmissions before the end "
                                   "(e.g. stream %s): packet loss on the path "
                                   "(a weak mobile link?).",
                                   retransmitted, stream_of(s, retransmitted_example));
        if (elapsed->len) {
            g_array_sort(elapsed, compare_int64);
            g_string_append_printf(text, " Median time from the ClientHello to the end: %.3f s.",
                                   g_array_index(elapsed, int64_t, elapsed->len / 2) / 1e9);
        }
        if (silent)
            g_string_append_printf(text,
                                   " %" G_GUINT64_FORMAT " had made no progress for longer than "
                                   "the stall timeout before %s end (%sstream %s"
                                   ", %.3f s since frame %" G_GINT64_FORMAT "): %s stalled "
                                   "first; find out why, not only who closed.",
                                   silent, silent == 1 ? "its" : "their", eg(silent),
                                   stream_of(s, silent_example), silent_event->idle_ns / 1e9,
                                   silent_event->last_progress, silent == 1 ? "it" : "they");
        add_hint(s, "aborts", how.total, "%s", text->str);
        g_string_free(text, TRUE);
    }
    g_array_free(elapsed, TRUE);
    votes_clear(&how);
}

static const char *alert_advice(int32_t alert)
{
    switch (alert) {
        case 42:
        case 46:
        case 48:
            return "The peer does not trust the certificate chain: check the chain the server "
                   "sends (a missing intermediate?) and the clients' trust stores";
        case 45:
            return "A certificate in the chain has expired, or a clock is wrong";
        case 44:
            return "A certificate in the chain is revoked";
        case 40:
        case 71:
            return "No cipher suite or parameters in common: compare what the clients offer "
                   "with the server's policy";
        case 70:
            return "No TLS version in common: the clients offer versions the server disabled, "
                   "or the reverse";
        case 112:
            return "The server has no certificate for the requested name (SNI)";
        case 116:
            return "The server requires a client certificate the client did not send";
        case 120:
            return "No application protocol (ALPN) in common";
        case 20:
        case 51:
            return "Records arrive corrupted or the keys disagree: a middlebox that alters "
                   "traffic, or a TLS stack bug";
        case 80:
            return "The sender hit an internal error: check its logs";
        default:
            return "Check the sender's logs for why it sent it";
    }
}

static void hint_alerts(struct summary *s)
{
    struct votes which;
    votes_init(&which);
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        const struct flow_event *ev = &f->events[0];
        char *key;
        if (!vocab_flag_is(ev->flag, TLSDIAG_FLAG_HANDSHAKE_ALERT))
            continue;
        key = g_strdup_printf("%s\t%d", ev->side, ev->alert);
        votes_add(&which, key, f, ev);
        g_free(key);
    }
    if (which.total) {
        const struct flow_event *top = which.example_event;
        const char *name = vocab_alert_name(top->alert);
        char *what = g_strdup_printf("alert %d%s%s from the %s", top->alert, name ? " " : "",
                                     name ? name : "", *top->side ? top->side : "unknown side");
        if (most(which.best_n, which.total))
            add_hint(s, "alerts", which.total,
                     "Most handshake alerts (%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                     ") are %s. %s.",
                     which.best_n, which.total, what, alert_advice(top->alert));
        else
            add_hint(s, "alerts", which.total,
                     "%" G_GUINT64_FORMAT " handshake alerts of different kinds; the most "
                     "common (%" G_GUINT64_FORMAT ") is %s. %s.",
                     which.total, which.best_n, what, alert_advice(top->alert));
        g_free(what);
    }
    votes_clear(&which);
}

static uint64_t count_flag(const struct summary *s, tlsdiag_flag flag, const struct flow_event **ev)
{
    uint64_t n = 0;
    *ev = NULL;
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow_event *found = find_flag(g_ptr_array_index(s->flows, i), flag);
        if (found && !*ev)
            *ev = found;
        n += found != NULL;
    }
    return n;
}

static void hint_client_certificates(struct summary *s)
{
    const struct flow_event *ev;
    uint64_t n = count_flag(s, TLSDIAG_FLAG_ALERT_AFTER_403, &ev);
    if (n)
        add_hint(s, "alert_after_403", n,
                 "%" G_GUINT64_FORMAT " mutual-TLS connection%s got an HTTP 403 and then an "
                 "alert or close: some clients (iOS URLSession among them) report a "
                 "403 on a client-certificate connection as a certificate failure. Answer 401 "
                 "instead of 403 for authorization failures.",
                 n, n == 1 ? "" : "s");
    n = count_flag(s, TLSDIAG_FLAG_POSSIBLE_ALERT_AFTER_403, &ev);
    if (n)
        add_hint(s, "possible_alert_after_403", n,
                 "%" G_GUINT64_FORMAT " mutual-TLS connection%s without keys: the client sent "
                 "an encrypted alert right after the first response. If that response was a "
                 "403, see above; capture with a key log (SSLKEYLOGFILE) to confirm.",
                 n, n == 1 ? "" : "s");
    n = count_flag(s, TLSDIAG_FLAG_CLIENT_CERT_REJECTED, &ev);
    if (n) {
        const char *name = vocab_alert_name(ev->alert);
        add_hint(s, "client_cert_rejected", n,
                 "%" G_GUINT64_FORMAT " client certificate%s rejected by the server%s%s%s: "
                 "check the clients' certificate chains against the CAs the server trusts. In "
                 "TLS 1.3 the rejection arrives after the client's Finished, on its first read.",
                 n, n == 1 ? " was" : "s were", name ? " (e.g. alert " : "", name ? name : "",
                 name ? ")" : "");
    }
}

/* Issue 17: clients that refused the server's certificate after the
 * handshake; the certificate's problem is in tlsdiag.cert.problem. */
static void hint_server_certificates(struct summary *s)
{
    const struct flow_event *ev;
    uint64_t n = count_flag(s, TLSDIAG_FLAG_CERTIFICATE_CHANGED, &ev);
    if (n)
        add_hint(s, "certificate_changed", n,
                 "%" G_GUINT64_FORMAT " connection%s refused by the client with a server key "
                 "other than the one an earlier connection to the same server used: the servers "
                 "behind that name present different certificates, which breaks clients that "
                 "pin a key now and then. Give every member of the pool the same key, or pin "
                 "the CA.",
                 n, n == 1 ? " was" : "s were");
    n = count_flag(s, TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE, &ev);
    if (n)
        add_hint(s, "rejected_after_handshake", n,
                 "%" G_GUINT64_FORMAT " connection%s closed by the client right after a "
                 "completed handshake, without a request: clients that check the host name or a "
                 "pinned key after the handshake (curl, OkHttp) fail this way. "
                 "The flows' certificate findings say what the client may have refused (e.g. "
                 "name_mismatch).",
                 n, n == 1 ? " was" : "s were");
}

/* Flows that got one certificate finding; for name_mismatch, by the names. */
struct cert_finding {
    const char *problem; /* interned by the flows */
    struct votes names;  /* "SAN\tSNI" for name_mismatch, "" otherwise */
};

static gint compare_cert_findings(gconstpointer a, gconstpointer b)
{
    const struct cert_finding *fa = a, *fb = b;
    if (fa->names.total != fb->names.total)
        return fa->names.total > fb->names.total ? -1 : 1;
    return strcmp(fa->problem, fb->problem);
}

static struct cert_finding *cert_finding_get(GArray *found, const char *problem)
{
    for (guint i = 0; i < found->len; i++) {
        struct cert_finding *c = &g_array_index(found, struct cert_finding, i);
        if (!strcmp(c->problem, problem))
            return c;
    }
    struct cert_finding c = {.problem = problem};
    votes_init(&c.names);
    g_array_append_val(found, c);
    return &g_array_index(found, struct cert_finding, found->len - 1);
}

/* "3 of 3 rejected connections got a certificate for shop.example while asking for www.example
 * (e.g. stream 3). Advice." */
static void cert_finding_hint(struct summary *s, const struct cert_finding *c, uint64_t rejected)
{
    GString *text = g_string_new(NULL);
    char **names = g_strsplit(c->names.best, "\t", 2);
    char *id = g_strdup_printf("certificate_%s", c->problem);

    g_ptr_array_add(s->strings, id);
    g_string_append_printf(text,
                           "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " rejected connection%s ",
                           c->names.best_n, rejected, rejected == 1 ? "" : "s");
    cert_problem_phrase(text, c->problem, names[0] ? names[0] : "",
                        names[0] && names[1] ? names[1] : "");
    g_string_append_printf(text, " (%sstream %s).", eg(c->names.best_n),
                           stream_of(s, c->names.example));
    if (c->names.total > c->names.best_n)
        g_string_append_printf(text,
                               " %" G_GUINT64_FORMAT " more got certificates for other "
                               "names than they asked for.",
                               c->names.total - c->names.best_n);
    g_string_append_printf(text, " %s.", cert_problem_advice(c->problem));
    add_hint(s, id, c->names.total, "%s", text->str);
    g_strfreev(names);
    g_string_free(text, TRUE);
}

/*
 * Issue 17: what the rejected connections got from the server. The plugin
 * shows the certificate only on the refusals it can explain, so the flows
 * that show one are the rejected connections.
 */
static void hint_certificate_problems(struct summary *s)
{
    enum { SHOWN = 4 };
    GArray *found = g_array_new(FALSE, FALSE, sizeof(struct cert_finding));
    uint64_t rejected = 0;

    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        struct flow_event o;
        flow_overview(f, &o);
        if (!cert_shown(&o))
            continue;
        rejected++;
        if (!*o.cert_problem)
            continue;
        bool named = !strcmp(o.cert_problem, "name_mismatch");
        char *key =
            named ? g_strdup_printf("%s\t%s", *o.cert_san ? o.cert_san : o.cert_subject, f->sni)
                  : g_strdup("");
        votes_add(&cert_finding_get(found, o.cert_problem)->names, key, f, f->events);
        g_free(key);
    }
    g_array_sort(found, compare_cert_findings);
    for (guint i = 0; i < found->len && i < SHOWN; i++)
        cert_finding_hint(s, &g_array_index(found, struct cert_finding, i), rejected);
    if (found->len > SHOWN) {
        GString *rest = g_string_new(NULL);
        uint64_t flows = 0;
        for (guint i = SHOWN; i < found->len; i++) {
            const struct cert_finding *c = &g_array_index(found, struct cert_finding, i);
            g_string_append_printf(rest, "%s%s (%" G_GUINT64_FORMAT ")", rest->len ? ", " : "",
                                   c->problem, c->names.total);
            flows += c->names.total;
        }
        add_hint(s, "certificate_other", flows,
                 "Other certificate findings of rejected connections (flows): %s.", rest->str);
        g_string_free(rest, TRUE);
    }
    for (guint i = 0; i < found->len; i++)
        votes_clear(&g_array_index(found, struct cert_finding, i).names);
    g_array_free(found, TRUE);
}

/* Issue 18: QUIC attempts that failed, and the clients that went to TCP. */
static void hint_quic(struct summary *s)
{
    const struct flow_event *ev;
    uint64_t unanswered = count_flag(s, TLSDIAG_FLAG_QUIC_UNANSWERED, &ev);
    uint64_t fallbacks = count_flag(s, TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP, &ev);
    uint64_t closed = count_flag(s, TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED, &ev);
    if (unanswered)
        add_hint(s, "quic_unanswered", unanswered,
                 "%" G_GUINT64_FORMAT " QUIC connection%s got no answer to the client's Initials"
                 "%s: UDP to the server's port is dropped or refused on the path (a firewall, "
                 "a network that blocks UDP 443) or nothing listens there. tlsdiag.quic.path "
                 "tells port_closed (ICMP) from udp_filtered (silence).",
                 unanswered, unanswered == 1 ? "" : "s",
                 fallbacks ? "; the clients fell back to TLS over TCP (quic_fallback_to_tcp)" : "");
    else if (fallbacks)
        add_hint(s, "quic_fallback_to_tcp", fallbacks,
                 "%" G_GUINT64_FORMAT " client%s fell back from QUIC to TLS over TCP after a "
                 "failed QUIC attempt: the QUIC failure is the one to fix.",
                 fallbacks, fallbacks == 1 ? "" : "s");
    if (closed) {
        const char *name = vocab_alert_name(ev->alert);
        add_hint(s, "quic_handshake_closed", closed,
                 "%" G_GUINT64_FORMAT " QUIC handshake%s closed before completing%s%s%s: the "
                 "same TLS failures as over TCP, carried in a CONNECTION_CLOSE.",
                 closed, closed == 1 ? " was" : "s were", name ? " (e.g. alert " : "",
                 name ? name : "", name ? ")" : "");
    }
}

/* Addresses, sorted and unique, joined by ", "; at most a few, then "...". */
static void append_addresses(GString *out, GPtrArray *addresses)
{
    enum { SHOWN = 6 };
    guint shown = 0;
    g_ptr_array_sort(addresses, (GCompareFunc)compare_strings);
    for (guint i = 0; i < addresses->len; i++) {
        const char *a = g_ptr_array_index(addresses, i);
        if (i > 0 && !strcmp(a, g_ptr_array_index(addresses, i - 1)))
            continue;
        if (shown++ == SHOWN) {
            g_string_append(out, ", ...");
            break;
        }
        g_string_append_printf(out, "%s%s", shown > 1 ? ", " : "", a);
    }
}

static void hint_resumption(struct summary *s)
{
    uint64_t elsewhere = 0, elsewhere_failed = 0, failed = 0, declined = 0;
    const struct flow *elsewhere_example = NULL, *failed_example = NULL, *declined_example = NULL;
    const struct flow_event *failed_event = NULL;
    GPtrArray *pool = g_ptr_array_new_with_free_func(g_free);
    char addr[256];

    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        const struct flow_event *other = find_flag(f, TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER);
        const struct flow_event *refused = find_flag(f, TLSDIAG_FLAG_RESUMPTION_REFUSED);
        if (other) {
            elsewhere++;
            elsewhere_failed += vocab_resumption_failed(other);
            if (!elsewhere_example)
                elsewhere_example = f;
            if (*f->server)
                g_ptr_array_add(pool, g_strdup(summary_address(f->server, addr, sizeof addr)));
            if (*other->resumption_issuer)
                g_ptr_array_add(pool, g_strdup(other->resumption_issuer));
        }
        if (refused && vocab_resumption_failed(refused)) {
            if (!failed++) {
                failed_example = f;
                failed_event = refused;
            }
        } else if (refused && !declined++) {
            declined_example = f;
        }
    }
    if (elsewhere) {
        GString *text = g_string_new(NULL);
        g_string_printf(text,
                        "%" G_GUINT64_FORMAT " resumption%s offered to a different server than "
                        "the one that issued %s (%sstream %s): ticket keys / "
                        "session cache not shared across the pool (servers ",
                        elsewhere, elsewhere == 1 ? "" : "s", elsewhere == 1 ? "it" : "them",
                        eg(elsewhere), stream_of(s, elsewhere_example));
        append_addresses(text, pool);
        g_string_append(text, "). Share the ticket keys and the session cache across the "
                              "servers behind the name, or keep each client on one server.");
        if (elsewhere_failed)
            g_string_append_printf(text,
                                   " %" G_GUINT64_FORMAT " of them failed the handshake instead "
                                   "of falling back to a full one.",
                                   elsewhere_failed);
        add_hint(s, "resumption_other_server", elsewhere, "%s", text->str);
        g_string_free(text, TRUE);
    }
    if (failed) {
        GString *end = g_string_new(NULL);
        vocab_describe_end(end, failed_event);
        add_hint(s, "resumption_failed", failed,
                 "%" G_GUINT64_FORMAT " handshake%s failed when the client offered to resume a "
                 "session (%s%s in stream %s: %s): a server that cannot "
                 "resume "
                 "a session must run a full handshake instead. Check the server's error log "
                 "(nginx: \"required cipher missing\") and its session cache or ticket "
                 "settings.",
                 failed, failed == 1 ? "" : "s", eg(failed),
                 *failed_event->resumption ? vocab_resumption_name(failed_event->resumption)
                                           : "a session",
                 stream_of(s, failed_example), end->str);
        g_string_free(end, TRUE);
    }
    if (declined)
        add_hint(s, "resumption_declined", declined,
                 "%" G_GUINT64_FORMAT " resumption offer%s declined with a full handshake (%s"
                 "stream %s): no failure, but a full handshake each time. Many "
                 "of them mean a restarted server, a small session cache, short ticket "
                 "lifetimes or ticket key rotation.",
                 declined, declined == 1 ? " was" : "s were", eg(declined),
                 stream_of(s, declined_example));
    g_ptr_array_unref(pool);
}

static const char *stall_advice(const char *awaited)
{
    if (!strcmp(awaited, "the ServerHello"))
        return "The ClientHello does not get through or the server does not answer: a "
               "firewall or IPS that drops ClientHellos (rather than resetting them), a path MTU "
               "problem with large ClientHellos, or an overloaded server";
    if (!strcmp(awaited, "the server's flight"))
        return "The server's flight (its certificate chain) does not arrive: typically a path "
               "MTU problem with large certificate chains (ICMP blocked), or loss on the path";
    if (!strcmp(awaited, "the client's key exchange"))
        return "The client is silent after the server's flight: it may be checking the "
               "certificate (OCSP or CRL fetches) or be stuck; check the client";
    if (!strcmp(awaited, "the server's confirmation"))
        return "The client's flight does not reach the server, or the server hangs over it: "
               "loss or a middlebox dropping it (see the retransmissions), or a slow key "
               "operation on the server";
    return "Check the path and both ends";
}

/* "stream 3: " before the loss of a flow the hint did not name yet. */
static const char *loss_example(struct summary *s, const struct flow *lossy,
                                const struct flow *named)
{
    char *text;
    if (lossy == named)
        return "";
    text = g_strdup_printf("stream %s: ", stream_of(s, lossy));
    g_ptr_array_add(s->strings, text);
    return text;
}

/* "It" for the only one, "all 3", "2 of them". */
static const char *lossy_phrase(uint64_t part, uint64_t whole, char *buf, size_t size)
{
    if (whole == 1)
        g_snprintf(buf, size, "It");
    else if (part == whole)
        g_snprintf(buf, size, "All %" G_GUINT64_FORMAT, whole);
    else
        g_snprintf(buf, size, "%" G_GUINT64_FORMAT " of them", part);
    return buf;
}

static void hint_stalls(struct summary *s)
{
    struct votes where, ended, unread, unrecorded;
    uint64_t lossy = 0;
    const struct flow *lossy_example = NULL;
    const struct flow_event *lossy_event = NULL;
    char buf[64];
    int64_t longest_end = -1;

    votes_init(&where);
    votes_init(&ended);
    votes_init(&unread);
    votes_init(&unrecorded);
    int64_t longest_unrecorded = -1;
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        const struct flow_event *ev = find_flag(f, TLSDIAG_FLAG_HANDSHAKE_STALLED);
        const char *awaited;
        if (!ev)
            continue;
        awaited = vocab_awaited(ev->side, ev->stage);
        /* Silence after bytes the dissector could not read is no stall. */
        if (ev->unreadable > 0) {
            votes_add(&unread, awaited, f, ev);
            continue;
        }
        /* So is silence in which nothing of the connection was recorded. */
        if (ev->unrecorded_ns > 0) {
            votes_add(&unrecorded, awaited, f, ev);
            longest_unrecorded = MAX(longest_unrecorded, ev->unrecorded_ns);
            continue;
        }
        if (ev->capture_end == 1) {
            votes_add(&ended, awaited, f, ev);
            longest_end = MAX(longest_end, ev->idle_ns);
            continue;
        }
        votes_add(&where, awaited, f, ev);
        if (vocab_retransmissions(ev) > 0 && lossy++ == 0) {
            lossy_example = f;
            lossy_event = ev;
        }
    }
    if (where.total) {
        const struct flow_event *top = where.example_event;
        GString *text = g_string_new(NULL);
        if (where.total == 1)
            g_string_printf(text,
                            "1 handshake stalled (no progress for longer than the stall "
                            "timeout): it was waiting for %s %s (stream %s",
                            where.best, vocab_stage_phrase(top->stage),
                            stream_of(s, where.example));
        else
            g_string_printf(text,
                            "%" G_GUINT64_FORMAT " handshakes stalled (no progress for longer "
                            "than the stall timeout); %s%" G_GUINT64_FORMAT "%s waiting for "
                            "%s %s (%sstream %s",
                            where.total, where.best_n == where.total ? "all " : "", where.best_n,
                            where.best_n == where.total ? " were"
                            : where.best_n == 1         ? " of them was"
                                                        : " of them were",
                            where.best, vocab_stage_phrase(top->stage), eg(where.best_n),
                            stream_of(s, where.example));
        if (top->idle_ns >= 0)
            g_string_append_printf(text, ", silent %.3f s", top->idle_ns / 1e9);
        if (top->last_progress > 0)
            g_string_append_printf(text, " since frame %" G_GINT64_FORMAT, top->last_progress);
        g_string_append_printf(text, "). %s.", stall_advice(where.best));
        if (lossy) {
            GString *loss = g_string_new(NULL);
            vocab_describe_loss(loss, lossy_event);
            g_string_append_printf(text,
                                   " %s saw retransmissions (%s%s): packets are lost on the path.",
                                   lossy_phrase(lossy, where.total, buf, sizeof buf),
                                   loss_example(s, lossy_example, where.example), loss->str);
            g_string_free(loss, TRUE);
        }
        add_hint(s, "stalls", where.total, "%s", text->str);
        g_string_free(text, TRUE);
    }
    if (ended.total) {
        add_hint(s, "capture_end", ended.total,
                 "The capture ended during %" G_GUINT64_FORMAT " handshake%s (%sstream "
                 "%s, waiting for %s; the longest silence before the end: "
                 "%.3f s): %s may have completed or failed later. Capture for longer to "
                 "know; silences longer than the stall timeout are the ones to look at.",
                 ended.total, ended.total == 1 ? "" : "s", eg(ended.total),
                 stream_of(s, ended.example), ended.best,
                 longest_end >= 0 ? longest_end / 1e9 : 0.0, ended.total == 1 ? "it" : "they");
    }
    votes_clear(&where);
    if (unread.total) {
        add_hint(s, "unreadable", unread.total,
                 "%" G_GUINT64_FORMAT " handshake%s looked stalled, but Wireshark could not "
                 "read %s records from frame %" G_GINT64_FORMAT " on (%sstream %s): a TCP "
                 "segment missing or out of order before them, a stream taken for SSLv2, or "
                 "bytes that are no TLS. "
                 "%s may have gone on unseen, so %s not counted as %s; the TCP stream shows "
                 "whether data flowed after.",
                 unread.total, unread.total == 1 ? "" : "s", unread.total == 1 ? "its" : "their",
                 unread.example_event->unreadable, eg(unread.total), stream_of(s, unread.example),
                 unread.total == 1 ? "It" : "They", unread.total == 1 ? "it is" : "they are",
                 unread.total == 1 ? "a stall" : "stalls");
    }
    if (unrecorded.total) {
        add_hint(s, "unrecorded", unrecorded.total,
                 "%" G_GUINT64_FORMAT " handshake%s looked stalled at the end of the capture, "
                 "but the capture holds no packet of %s connection%s after %s last frame%s, not "
                 "even a TCP acknowledgment or a retransmission (%sstream %s; the longest "
                 "silence: %.3f s): the recording lost %s (a capture filter, a trimmed "
                 "capture, one direction or one interface of several), or a peer lost its "
                 "network. Not counted as %s; a capture without filtering or trimming would "
                 "tell.",
                 unrecorded.total, unrecorded.total == 1 ? "" : "s",
                 unrecorded.total == 1 ? "its" : "their", unrecorded.total == 1 ? "" : "s",
                 unrecorded.total == 1 ? "its" : "their", unrecorded.total == 1 ? "" : "s",
                 eg(unrecorded.total), stream_of(s, unrecorded.example), longest_unrecorded / 1e9,
                 unrecorded.total == 1 ? "it" : "them",
                 unrecorded.total == 1 ? "a stall" : "stalls");
    }
    votes_clear(&ended);
    votes_clear(&unread);
    votes_clear(&unrecorded);
}

static const char *slow_advice(int step)
{
    switch (step) {
        case 0:
            return "which is the ClientHello's round trip: a long or lossy path (a lost "
                   "ClientHello "
                   "costs a retransmission timeout of 1 s or more), or a busy server";
        case 1:
            return "which is the server's certificate flight: a large chain over a lossy or "
                   "small-MTU "
                   "path, or a slow signature on the server";
        case 2:
            return "which is the client's turn: certificate validation (OCSP or CRL fetches) or a "
                   "slow "
                   "client";
        case 3:
            return "which is the server's confirmation of the client's flight: loss on the path or "
                   "a "
                   "slow key operation on the server";
        default:
            return "unknown";
    }
}

static void hint_slow(struct summary *s)
{
    struct votes step;
    uint64_t lossy = 0;
    char buf[64];
    const struct flow *lossy_example = NULL;
    const struct flow_event *lossy_event = NULL;
    GArray *elapsed = g_array_new(FALSE, FALSE, sizeof(int64_t));

    votes_init(&step);
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        const struct flow_event *ev = find_flag(f, TLSDIAG_FLAG_HANDSHAKE_SLOW);
        int slowest;
        if (!ev)
            continue;
        slowest = vocab_slowest_step(ev);
        votes_add(&step, slowest >= 0 ? vocab_step_name(slowest) : "", f, ev);
        if (ev->has_elapsed)
            g_array_append_val(elapsed, ev->elapsed_ns);
        if (vocab_retransmissions(ev) > 0 && lossy++ == 0) {
            lossy_example = f;
            lossy_event = ev;
        }
    }
    if (step.total) {
        const struct flow_event *top = step.example_event;
        int slowest = vocab_slowest_step(top);
        GString *text = g_string_new(NULL);
        g_string_printf(text, "%" G_GUINT64_FORMAT " handshake%s completed, but slowly", step.total,
                        step.total == 1 ? "" : "s");
        if (elapsed->len) {
            g_array_sort(elapsed, compare_int64);
            g_string_append_printf(text, " (%s %.3f s)", elapsed->len == 1 ? "in" : "median",
                                   g_array_index(elapsed, int64_t, elapsed->len / 2) / 1e9);
        }
        if (slowest >= 0 && step.total == 1)
            g_string_append_printf(text,
                                   "; its slowest step is the %s (%.3f s, stream "
                                   "%s), %s.",
                                   step.best, top->step_ns[slowest] / 1e9,
                                   stream_of(s, step.example), slow_advice(slowest));
        else if (slowest >= 0)
            g_string_append_printf(text,
                                   "; the slowest step of %s%" G_GUINT64_FORMAT "%s is the %s "
                                   "(%s%.3f s in stream %s), %s.",
                                   step.best_n == step.total ? "all " : "", step.best_n,
                                   step.best_n == step.total ? "" : " of them", step.best,
                                   eg(step.best_n), top->step_ns[slowest] / 1e9,
                                   stream_of(s, step.example), slow_advice(slowest));
        else
            g_string_append(text, ".");
        if (lossy) {
            GString *loss = g_string_new(NULL);
            vocab_describe_loss(loss, lossy_event);
            g_string_append_printf(text,
                                   " %s saw retransmissions (%s%s): weak link evidence, packet "
                                   "loss on the path (a mobile or congested link?).",
                                   lossy_phrase(lossy, step.total, buf, sizeof buf),
                                   loss_example(s, lossy_example, step.example), loss->str);
            g_string_free(loss, TRUE);
        }
        add_hint(s, "slow", step.total, "%s", text->str);
        g_string_free(text, TRUE);
    }
    g_array_free(elapsed, TRUE);
    votes_clear(&step);
}

static void hint_concentration(struct summary *s)
{
    uint64_t total = s->flows->len;
    if (total < 4)
        return;
    if (s->servers->len > 1) {
        const struct tally *t = &g_array_index(s->servers, struct tally, 0);
        if (most(t->flows, total))
            add_hint(s, "one_server", t->flows,
                     "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " flagged flows go to one "
                     "server, %s%s%s%s: compare its path and configuration with the others'.",
                     t->flows, total, t->key, *t->sni ? " (" : "", t->sni, *t->sni ? ")" : "");
    }
    if (s->clients->len > 1) {
        const struct tally *t = &g_array_index(s->clients, struct tally, 0);
        if (most(t->flows, total))
            add_hint(s, "one_client", t->flows,
                     "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " flagged flows come from one "
                     "client, %s: look at its network path and software first.",
                     t->flows, total, t->key);
    }
}

static void hint_burst(struct summary *s)
{
    const struct histogram *h = &s->histogram;
    uint64_t timed = s->flows->len - h->untimed, peak = 0;
    char span[32];
    uint32_t at = 0;
    if (h->n_buckets < 4 || timed < 6)
        return;
    for (uint32_t i = 0; i < h->n_buckets; i++) {
        if (h->counts[i] > peak) {
            peak = h->counts[i];
            at = i;
        }
    }
    if (most(peak, timed)) {
        GDateTime *t = g_date_time_new_from_unix_utc(h->start + (int64_t)at * h->bucket_seconds);
        char *when = g_date_time_format(t, "%Y-%m-%d %H:%M:%S UTC");
        add_hint(s, "burst", peak,
                 "%" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " failures fall within %s "
                 "from %s: a burst. Look at what changed then (deployments, network incidents, "
                 "a path change).",
                 peak, timed, vocab_duration(h->bucket_seconds, span, sizeof span), when);
        g_free(when);
        g_date_time_unref(t);
    }
}

static void hint_unknown_flags(struct summary *s)
{
    GString *names = g_string_new(NULL);
    uint64_t flows = 0;
    for (guint i = 0; i < s->by_flag->len; i++) {
        const struct tally *t = &g_array_index(s->by_flag, struct tally, i);
        if (tlsdiag_flag_from_name(t->key) != TLSDIAG_FLAG_NONE)
            continue;
        g_string_append_printf(names, "%s%s", names->len ? ", " : "", t->key);
        flows += t->flows;
    }
    if (flows)
        add_hint(s, "unknown_flags", flows,
                 "Flags this tlsdiag-report does not know (%s): counted as they are; a newer "
                 "plugin? Its documentation says what they mean.",
                 names->str);
    g_string_free(names, TRUE);
}

/*
 * Diagnoses from the patterns first; context (where, when, unknowns) after;
 * last what is no failure (the plugin's notes).
 */
static int hint_rank(const struct hint *h)
{
    static const char *const context[] = {"one_server", "one_client", "burst",        "capture_end",
                                          "unreadable", "unrecorded", "unknown_flags"};
    if (!strcmp(h->id, "resumption_declined"))
        return 2;
    for (size_t i = 0; i < G_N_ELEMENTS(context); i++) {
        if (!strcmp(h->id, context[i]))
            return 1;
    }
    return 0;
}

static gint compare_hints(gconstpointer a, gconstpointer b)
{
    const struct hint *ha = *(const struct hint *const *)a;
    const struct hint *hb = *(const struct hint *const *)b;
    if (hint_rank(ha) != hint_rank(hb))
        return hint_rank(ha) - hint_rank(hb);
    if (ha->flows != hb->flows)
        return ha->flows > hb->flows ? -1 : 1;
    return 0;
}

void hints_derive(struct summary *s)
{
    hint_fallbacks(s);
    hint_aborts(s);
    /* Before the alerts: on equal flows, why the clients refused comes first. */
    hint_certificate_problems(s);
    hint_alerts(s);
    hint_client_certificates(s);
    hint_server_certificates(s);
    hint_quic(s);
    hint_resumption(s);
    hint_stalls(s);
    hint_slow(s);
    hint_concentration(s);
    hint_burst(s);
    hint_unknown_flags(s);
    g_ptr_array_sort(s->hints, compare_hints);
}
