/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "flows.h"

#include <string.h>

struct flows {
    GHashTable *by_key;   /* struct flow * -> itself */
    GHashTable *captures; /* interned label -> uses of it as a base label */
    GStringChunk *strings;
    struct input_stats stats;
};

static guint flow_hash(gconstpointer p)
{
    const struct flow *f = p;
    return g_direct_hash(f->capture) ^ g_int64_hash(&f->stream);
}

/* Labels are interned, so equal labels are equal pointers. */
static gboolean flow_equal(gconstpointer a, gconstpointer b)
{
    const struct flow *fa = a, *fb = b;
    return fa->capture == fb->capture && fa->stream == fb->stream;
}

static void flow_free(gpointer p)
{
    struct flow *f = p;
    g_free(f->events);
    g_free(f);
}

struct flows *flows_new(void)
{
    struct flows *flows = g_new0(struct flows, 1);
    flows->by_key = g_hash_table_new_full(flow_hash, flow_equal, flow_free, NULL);
    flows->captures = g_hash_table_new(g_direct_hash, g_direct_equal);
    flows->strings = g_string_chunk_new(4096);
    return flows;
}

void flows_free(struct flows *flows)
{
    if (!flows)
        return;
    g_hash_table_destroy(flows->by_key);
    g_hash_table_destroy(flows->captures);
    g_string_chunk_free(flows->strings);
    g_free(flows);
}

static const char *intern(struct flows *flows, const char *s)
{
    return g_string_chunk_insert_const(flows->strings, s ? s : "");
}

const char *flows_capture(struct flows *flows, const char *label)
{
    const char *interned = intern(flows, label);
    if (!g_hash_table_contains(flows->captures, interned))
        g_hash_table_insert(flows->captures, (gpointer)interned, GUINT_TO_POINTER(0));
    return interned;
}

const char *flows_begin_capture(struct flows *flows, const char *label)
{
    const char *base = intern(flows, label);
    guint uses = GPOINTER_TO_UINT(g_hash_table_lookup(flows->captures, base));
    const char *unique = base;

    if (g_hash_table_contains(flows->captures, base)) {
        do {
            char *candidate = g_strdup_printf("%s#%u", base, ++uses + 1);
            unique = intern(flows, candidate);
            g_free(candidate);
        } while (g_hash_table_contains(flows->captures, unique));
    }
    g_hash_table_insert(flows->captures, (gpointer)base, GUINT_TO_POINTER(uses));
    if (unique != base)
        g_hash_table_insert(flows->captures, (gpointer)unique, GUINT_TO_POINTER(0));
    return unique;
}

static struct flow *flow_get(struct flows *flows, const char *capture, int64_t stream)
{
    struct flow key = {.capture = capture, .stream = stream};
    struct flow *f = g_hash_table_lookup(flows->by_key, &key);
    if (!f) {
        f = g_new0(struct flow, 1);
        f->capture = capture;
        f->stream = stream;
        f->client = f->server = f->sni = "";
        g_hash_table_add(flows->by_key, f);
    }
    return f;
}

static void fill_endpoint(struct flows *flows, const char **slot, const char *value)
{
    if (!**slot && value && *value)
        *slot = intern(flows, value);
}

/* Keeps the earliest frames whatever the arrival order, so merging is order-free. */
static void flow_add_event(struct flows *flows, struct flow *f, const struct flow_event *ev)
{
    uint32_t at = f->n_events;
    while (at > 0 && f->events[at - 1].frame > ev->frame)
        at--;
    if (at == FLOW_MAX_EVENTS)
        return;
    if (f->n_events < FLOW_MAX_EVENTS)
        f->events = g_renew(struct flow_event, f->events, ++f->n_events);
    memmove(&f->events[at + 1], &f->events[at], (f->n_events - 1 - at) * sizeof(struct flow_event));
    f->events[at] = *ev;
    f->events[at].flag = intern(flows, ev->flag);
    f->events[at].side = intern(flows, ev->side);
    f->events[at].close = intern(flows, ev->close);
    f->events[at].stage = intern(flows, ev->stage);
    f->events[at].resumption = intern(flows, ev->resumption);
    f->events[at].resumption_issuer = intern(flows, ev->resumption_issuer);
    f->events[at].cert_problem = intern(flows, ev->cert_problem);
    f->events[at].cert_subject = intern(flows, ev->cert_subject);
    f->events[at].cert_san = intern(flows, ev->cert_san);
    f->events[at].cert_pin = intern(flows, ev->cert_pin);
}

void flows_add_row(struct flows *flows, const char *capture, const struct flagged_row *row)
{
    struct flow *f = flow_get(flows, capture, row_flow_key(row));
    struct flow_event ev = {
        .frame = row->frame,
        .time_ns = row->time_ns,
        .has_time = row->has_time,
        .has_elapsed = row->has_elapsed,
        .flag = row->flag,
        .side = row->side,
        .close = row->close,
        .stage = row->stage,
        .version = row->version,
        .alert = row->alert,
        .client_hello = row->client_hello,
        .elapsed_ns = row->elapsed_ns,
        .retransmissions = row->retransmissions,
        .fb_previous = row->fb_previous,
        .fb_failure = row->fb_failure,
        .fb_from = row->fb_from,
        .fb_to = row->fb_to,
        .fb_scsv = row->fb_scsv,
        .fb_attempt = row->fb_attempt,
        .http403 = row->http403,
        .resumption = row->resumption,
        .resumption_issued = row->resumption_issued,
        .resumption_issuer = row->resumption_issuer,
        .last_progress = row->last_progress,
        .idle_ns = row->idle_ns,
        .capture_end = row->capture_end,
        .unreadable = row->unreadable,
        .unrecorded_ns = row->unrecorded_ns,
        .cert_problem = row->cert_problem,
        .cert_subject = row->cert_subject,
        .cert_san = row->cert_san,
        .cert_pin = row->cert_pin,
    };
    memcpy(ev.step_ns, row->step_ns, sizeof ev.step_ns);
    memcpy(ev.loss, row->loss, sizeof ev.loss);
    fill_endpoint(flows, &f->client, row->client);
    fill_endpoint(flows, &f->server, row->server);
    fill_endpoint(flows, &f->sni, row->sni);
    flow_add_event(flows, f, &ev);
    f->events_total++;
}

void flows_merge(struct flows *flows, const char *capture, int64_t stream, const char *client,
                 const char *server, const char *sni, const struct flow_event *events,
                 uint32_t n_events, uint64_t events_total)
{
    struct flow *f = flow_get(flows, flows_capture(flows, capture), stream);
    fill_endpoint(flows, &f->client, client);
    fill_endpoint(flows, &f->server, server);
    fill_endpoint(flows, &f->sni, sni);
    for (uint32_t i = 0; i < n_events; i++)
        flow_add_event(flows, f, &events[i]);
    f->events_total += events_total;
}

void flows_add_stats(struct flows *flows, const struct input_stats *stats)
{
    flows->stats.rows += stats->rows;
    flows->stats.flagged_rows += stats->flagged_rows;
    flows->stats.note_rows += stats->note_rows;
    flows->stats.malformed_lines += stats->malformed_lines;
    flows->stats.abandoned_rows += stats->abandoned_rows;
}

const struct input_stats *flows_stats(const struct flows *flows)
{
    return &flows->stats;
}

uint64_t flows_count(const struct flows *flows)
{
    return g_hash_table_size(flows->by_key);
}

static gint compare_flows(gconstpointer a, gconstpointer b)
{
    const struct flow *fa = *(const struct flow *const *)a;
    const struct flow *fb = *(const struct flow *const *)b;
    int c = strcmp(fa->capture, fb->capture);
    if (c)
        return c;
    if (fa->events[0].frame != fb->events[0].frame)
        return fa->events[0].frame < fb->events[0].frame ? -1 : 1;
    return fa->stream < fb->stream ? -1 : fa->stream > fb->stream;
}

GPtrArray *flows_sorted(const struct flows *flows)
{
    GPtrArray *sorted = g_ptr_array_sized_new(g_hash_table_size(flows->by_key));
    GHashTableIter iter;
    gpointer f;
    g_hash_table_iter_init(&iter, flows->by_key);
    while (g_hash_table_iter_next(&iter, &f, NULL))
        g_ptr_array_add(sorted, f);
    g_ptr_array_sort(sorted, compare_flows);
    return sorted;
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *flows_captures(const struct flows *flows)
{
    GPtrArray *labels = g_ptr_array_new();
    GHashTableIter iter;
    gpointer label;
    g_hash_table_iter_init(&iter, flows->captures);
    while (g_hash_table_iter_next(&iter, &label, NULL))
        g_ptr_array_add(labels, label);
    g_ptr_array_sort(labels, compare_strings);
    return labels;
}

void flow_overview(const struct flow *f, struct flow_event *out)
{
    /* How a flow ended is one frame's story, told by its last flagged frame
     * (a retry's ClientHello comes first, the RST or alert that ended it
     * after): side, close, stage and alert must not be mixed across frames. */
    const struct flow_event *last = &f->events[f->n_events - 1];

    *out = f->events[0];
    out->side = last->side;
    out->close = last->close;
    out->stage = last->stage;
    out->alert = last->alert;
    out->retransmissions = last->retransmissions;
    out->has_elapsed = last->has_elapsed;
    out->elapsed_ns = last->elapsed_ns;
    /* Progress, steps and loss are counted up to their frame, and only some
     * flags carry them: the latest frame that has each knows most. */
    out->last_progress = out->idle_ns = -1;
    out->capture_end = -1;
    out->unreadable = -1;
    out->unrecorded_ns = -1;
    for (int k = 0; k < ROW_STEPS; k++)
        out->step_ns[k] = -1;
    for (int k = 0; k < ROW_LOSSES; k++)
        out->loss[k] = -1;
    for (uint32_t i = f->n_events; i-- > 0;) {
        const struct flow_event *ev = &f->events[i];
        if (out->last_progress < 0 && ev->last_progress >= 0) {
            out->last_progress = ev->last_progress;
            out->idle_ns = ev->idle_ns;
        }
        if (out->capture_end < 0)
            out->capture_end = ev->capture_end;
        if (out->unreadable < 0)
            out->unreadable = ev->unreadable;
        if (out->unrecorded_ns < 0)
            out->unrecorded_ns = ev->unrecorded_ns;
        for (int k = 0; k < ROW_STEPS; k++) {
            if (out->step_ns[k] < 0)
                out->step_ns[k] = ev->step_ns[k];
        }
        for (int k = 0; k < ROW_LOSSES; k++) {
            if (out->loss[k] < 0)
                out->loss[k] = ev->loss[k];
        }
    }

    /* The certificate as the latest frame that shows it judged it: its fields
     * belong together. */
    out->cert_problem = out->cert_subject = out->cert_san = out->cert_pin = "";
    for (uint32_t i = f->n_events; i-- > 0;) {
        const struct flow_event *ev = &f->events[i];
        if (*ev->cert_problem || *ev->cert_subject || *ev->cert_san || *ev->cert_pin) {
            out->cert_problem = ev->cert_problem;
            out->cert_subject = ev->cert_subject;
            out->cert_san = ev->cert_san;
            out->cert_pin = ev->cert_pin;
            break;
        }
    }

    /* The chain's details: from the earliest frame that has each. */
    for (uint32_t i = 1; i < f->n_events; i++) {
        const struct flow_event *ev = &f->events[i];
#define FILL_NUMBER(m)                                                                             \
    if (out->m < 0)                                                                                \
        out->m = ev->m;
        FILL_NUMBER(version)
        FILL_NUMBER(client_hello)
        FILL_NUMBER(fb_previous)
        FILL_NUMBER(fb_failure)
        FILL_NUMBER(fb_from)
        FILL_NUMBER(fb_to)
        FILL_NUMBER(fb_scsv)
        FILL_NUMBER(fb_attempt)
        FILL_NUMBER(http403)
        FILL_NUMBER(resumption_issued)
#undef FILL_NUMBER
        if (!*out->resumption)
            out->resumption = ev->resumption;
        if (!*out->resumption_issuer)
            out->resumption_issuer = ev->resumption_issuer;
    }
}
