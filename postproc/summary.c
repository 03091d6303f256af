/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "summary.h"

#include <string.h>

#include "client_errors_summary.h"
#include "hints.h"
#include "vocab.h"

/* Few enough bars for one screen, enough to show a burst or a start date. */
enum { MAX_BUCKETS = 24 };

#define NS INT64_C(1000000000)

struct tally_builder {
    GHashTable *by_key; /* key -> struct tally_entry * */
};

struct tally_entry {
    struct tally tally;
    GHashTable *patterns; /* pattern -> count */
};

static void entry_free(gpointer p)
{
    struct tally_entry *e = p;
    if (e->patterns)
        g_hash_table_destroy(e->patterns);
    g_free((char *)e->tally.key);
    g_free(e);
}

static GHashTable *tally_table(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
}

static void tally_add(GHashTable *table, const char *key, const struct flow *f, bool patterns,
                      const char *sni)
{
    struct tally_entry *e = g_hash_table_lookup(table, key);
    if (!e) {
        e = g_new0(struct tally_entry, 1);
        e->tally.key = g_strdup(key);
        e->tally.sni = "";
        if (patterns)
            e->patterns = g_hash_table_new(g_str_hash, g_str_equal);
        g_hash_table_insert(table, (gpointer)e->tally.key, e);
    }
    e->tally.flows++;
    if (!*e->tally.sni && sni)
        e->tally.sni = sni;
    if (patterns) {
        const char *p = f->events[0].flag;
        gpointer n = g_hash_table_lookup(e->patterns, p);
        g_hash_table_insert(e->patterns, (gpointer)p, GSIZE_TO_POINTER(GPOINTER_TO_SIZE(n) + 1));
    }
}

/* Most flows first; ties by key so output never depends on hash order. */
static gint compare_tally(gconstpointer a, gconstpointer b)
{
    const struct tally *ta = a, *tb = b;
    if (ta->flows != tb->flows)
        return ta->flows > tb->flows ? -1 : 1;
    return strcmp(ta->key, tb->key);
}

static const char *dominant(GHashTable *patterns)
{
    GHashTableIter iter;
    gpointer key, value;
    const char *best = "";
    gsize best_n = 0;
    g_hash_table_iter_init(&iter, patterns);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        gsize n = GPOINTER_TO_SIZE(value);
        if (n > best_n || (n == best_n && strcmp(key, best) < 0)) {
            best = key;
            best_n = n;
        }
    }
    return best;
}

/* Keys stay valid: they are interned flow strings or copies kept in the result. */
static GArray *tally_finish(GHashTable *table, GPtrArray *keep)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(struct tally));
    GHashTableIter iter;
    gpointer value;
    g_hash_table_iter_init(&iter, table);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        struct tally_entry *e = value;
        struct tally t = e->tally;
        t.key = g_strdup(t.key);
        g_ptr_array_add(keep, (gpointer)t.key);
        t.pattern = e->patterns ? dominant(e->patterns) : "";
        g_array_append_val(out, t);
    }
    g_array_sort(out, compare_tally);
    g_hash_table_destroy(table);
    return out;
}

const char *summary_address(const char *endpoint, char *buf, size_t size)
{
    const char *colon = strrchr(endpoint, ':');
    size_t n = colon ? (size_t)(colon - endpoint) : strlen(endpoint);
    if (n >= 2 && endpoint[0] == '[' && endpoint[n - 1] == ']') {
        endpoint++;
        n -= 2;
    }
    g_strlcpy(buf, endpoint, MIN(size, n + 1));
    return buf;
}

static void build_histogram(struct summary *s)
{
    static const int64_t steps[] = {
        1,    2,    5,    10,    15,    30,    60,    120,    300,    600,     900,
        1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2592000,
    };
    struct histogram *h = &s->histogram;
    int64_t first, last, size = 0;

    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        if (!f->events[0].has_time) {
            h->untimed++;
            continue;
        }
        if (!s->has_time || f->events[0].time_ns < s->first_time_ns)
            s->first_time_ns = f->events[0].time_ns;
        if (!s->has_time || f->events[0].time_ns > s->last_time_ns)
            s->last_time_ns = f->events[0].time_ns;
        s->has_time = true;
    }
    if (!s->has_time)
        return;
    first = s->first_time_ns / NS;
    last = s->last_time_ns / NS;
    for (size_t i = 0; i < G_N_ELEMENTS(steps) && !size; i++) {
        if (last / steps[i] - first / steps[i] < MAX_BUCKETS)
            size = steps[i];
    }
    if (!size)
        size = ((last - first) / (MAX_BUCKETS - 1) / 86400 + 1) * 86400;
    h->bucket_seconds = size;
    h->start = first / size * size;
    h->n_buckets = (uint32_t)(last / size - first / size + 1);
    h->counts = g_new0(uint64_t, h->n_buckets);
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        if (f->events[0].has_time)
            h->counts[(f->events[0].time_ns / NS - h->start) / size]++;
    }
}

static const struct {
    tlsdiag_flag flag;
    const char *variant;
    const char *label;
} variants[] = {
    {TLSDIAG_FLAG_RESUMPTION_REFUSED, "failed", "failed with an alert"},
    {TLSDIAG_FLAG_RESUMPTION_REFUSED, "declined", "declined: full handshake"},
    {TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER, "failed", "failed with an alert"},
    {TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER, "declined", "declined: full handshake"},
    {TLSDIAG_FLAG_HANDSHAKE_STALLED, "stalled", "silent mid-handshake"},
    {TLSDIAG_FLAG_HANDSHAKE_STALLED, "capture_end", "capture ended mid-handshake"},
    {TLSDIAG_FLAG_HANDSHAKE_STALLED, "unreadable", "records unreadable to Wireshark"},
    {TLSDIAG_FLAG_HANDSHAKE_STALLED, "unrecorded", "connection no longer recorded"},
};

const char *summary_variant(const struct flow_event *ev)
{
    if (vocab_flag_is(ev->flag, TLSDIAG_FLAG_RESUMPTION_REFUSED) ||
        vocab_flag_is(ev->flag, TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER))
        return vocab_resumption_failed(ev) ? "failed" : "declined";
    if (vocab_flag_is(ev->flag, TLSDIAG_FLAG_HANDSHAKE_STALLED) && ev->unreadable > 0)
        return "unreadable";
    if (vocab_flag_is(ev->flag, TLSDIAG_FLAG_HANDSHAKE_STALLED) && ev->unrecorded_ns > 0)
        return "unrecorded";
    if (vocab_flag_is(ev->flag, TLSDIAG_FLAG_HANDSHAKE_STALLED))
        return ev->capture_end == 1 ? "capture_end" : "stalled";
    return NULL;
}

static GArray *count_variants(GPtrArray *sorted)
{
    struct variant counts[G_N_ELEMENTS(variants)];
    GArray *out = g_array_new(FALSE, FALSE, sizeof(struct variant));
    for (size_t v = 0; v < G_N_ELEMENTS(counts); v++)
        counts[v] = (struct variant){tlsdiag_flag_name(variants[v].flag), variants[v].variant,
                                     variants[v].label, 0, 0};
    for (guint i = 0; i < sorted->len; i++) {
        const struct flow *f = g_ptr_array_index(sorted, i);
        for (uint32_t e = 0; e < f->n_events; e++) {
            const struct flow_event *ev = &f->events[e];
            const char *variant = summary_variant(ev);
            bool repeated = false;
            for (uint32_t k = 0; k < e && !repeated; k++)
                repeated = f->events[k].flag == ev->flag;
            if (!variant || repeated)
                continue;
            for (size_t v = 0; v < G_N_ELEMENTS(counts); v++) {
                if (strcmp(counts[v].flag, ev->flag) || strcmp(counts[v].variant, variant))
                    continue;
                counts[v].flows++;
                counts[v].as_pattern += e == 0;
            }
        }
    }
    for (size_t v = 0; v < G_N_ELEMENTS(counts); v++) {
        if (counts[v].flows)
            g_array_append_val(out, counts[v]);
    }
    return out;
}

struct summary *summary_build(const struct flows *flows)
{
    struct summary *s = g_new0(struct summary, 1);
    GHashTable *patterns = tally_table(), *flags = tally_table();
    GHashTable *servers = tally_table(), *clients = tally_table();
    GPtrArray *keep = g_ptr_array_new_with_free_func(g_free);
    char addr[256];

    s->flows = flows_sorted(flows);
    s->captures = flows_captures(flows);
    s->stats = *flows_stats(flows);
    for (guint i = 0; i < s->flows->len; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        tally_add(patterns, f->events[0].flag, f, false, NULL);
        for (uint32_t e = 0; e < f->n_events; e++) {
            bool repeated = false;
            for (uint32_t k = 0; k < e && !repeated; k++)
                repeated = f->events[k].flag == f->events[e].flag;
            if (!repeated)
                tally_add(flags, f->events[e].flag, f, false, NULL);
        }
        if (*f->server)
            tally_add(servers, f->server, f, true, f->sni);
        if (*f->client)
            tally_add(clients, summary_address(f->client, addr, sizeof addr), f, true, NULL);
    }
    s->by_pattern = tally_finish(patterns, keep);
    s->by_flag = tally_finish(flags, keep);
    s->by_variant = count_variants(s->flows);
    s->servers = tally_finish(servers, keep);
    s->clients = tally_finish(clients, keep);
    s->strings = keep;
    build_histogram(s);
    s->client_errors = client_errors_count(s->flows);
    s->hints = g_ptr_array_new();
    hints_derive(s);
    return s;
}

void summary_free(struct summary *s)
{
    if (!s)
        return;
    g_ptr_array_unref(s->flows);
    g_ptr_array_unref(s->captures);
    g_array_free(s->by_pattern, TRUE);
    g_array_free(s->by_flag, TRUE);
    g_array_free(s->by_variant, TRUE);
    g_array_free(s->servers, TRUE);
    g_array_free(s->clients, TRUE);
    g_free(s->histogram.counts);
    for (guint i = 0; i < s->hints->len; i++) {
        struct hint *h = g_ptr_array_index(s->hints, i);
        g_free(h->text);
        g_free(h);
    }
    g_ptr_array_unref(s->hints);
    g_ptr_array_unref(s->strings);
    client_errors_free(s->client_errors);
    g_free(s);
}
