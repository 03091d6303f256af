/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "certificates.h"
#include "vocab.h"

static void member_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value);
}

static void member_int(JsonBuilder *b, const char *name, int64_t value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, value);
}

/* Absent values are left out rather than written as null. */
static void optional_string(JsonBuilder *b, const char *name, const char *value)
{
    if (value && *value)
        member_string(b, name, value);
}

static void optional_int(JsonBuilder *b, const char *name, int64_t value)
{
    if (value >= 0)
        member_int(b, name, value);
}

static void optional_version(JsonBuilder *b, const char *name, int32_t version)
{
    char hex[8];
    if (version < 0)
        return;
    g_snprintf(hex, sizeof hex, "0x%04x", (unsigned)version);
    member_string(b, name, hex);
}

/* A group of optional numbers named by the last part of their field names. */
static void add_numbers(JsonBuilder *b, const char *name, const int64_t *values, int n,
                        enum row_field first)
{
    bool any = false;
    for (int i = 0; i < n; i++)
        any |= values[i] >= 0;
    if (!any)
        return;
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
    for (int i = 0; i < n; i++)
        optional_int(b, row_field_suffix(first + i), values[i]);
    json_builder_end_object(b);
}

/* The server's certificate, on the frames the plugin shows it on. */
static void add_certificate(JsonBuilder *b, const struct flow_event *ev)
{
    const char *const members[][2] = {{"problem", ev->cert_problem},
                                      {"subject", ev->cert_subject},
                                      {"san", ev->cert_san},
                                      {"spki_sha256", ev->cert_pin}};
    if (!cert_shown(ev))
        return;
    json_builder_set_member_name(b, "certificate");
    json_builder_begin_object(b);
    for (size_t i = 0; i < G_N_ELEMENTS(members); i++)
        optional_string(b, members[i][0], members[i][1]);
    json_builder_end_object(b);
}

static void add_event(JsonBuilder *b, const struct flow_event *ev)
{
    char buf[64];
    json_builder_begin_object(b);
    member_int(b, "frame", ev->frame);
    if (ev->has_time) {
        member_int(b, "time_ns", ev->time_ns);
        member_string(b, "time", vocab_time(ev->time_ns, true, buf, sizeof buf));
    }
    member_string(b, "flag", ev->flag);
    optional_string(b, "side", ev->side);
    optional_string(b, "close", ev->close);
    optional_string(b, "stage", ev->stage);
    optional_version(b, "version", ev->version);
    optional_string(b, "version_name", vocab_version_name(ev->version));
    optional_int(b, "alert", ev->alert);
    optional_string(b, "alert_name", vocab_alert_name(ev->alert));
    optional_int(b, "client_hello", ev->client_hello);
    if (ev->has_elapsed)
        member_int(b, "elapsed_ns", ev->elapsed_ns);
    optional_int(b, "retransmissions", ev->retransmissions);
    if (ev->fb_previous >= 0 || ev->fb_failure >= 0 || ev->fb_from >= 0 || ev->fb_to >= 0 ||
        ev->fb_scsv >= 0 || ev->fb_attempt >= 0) {
        json_builder_set_member_name(b, "fallback");
        json_builder_begin_object(b);
        optional_int(b, "previous", ev->fb_previous);
        optional_int(b, "failure", ev->fb_failure);
        optional_version(b, "from", ev->fb_from);
        optional_version(b, "to", ev->fb_to);
        if (ev->fb_scsv >= 0) {
            json_builder_set_member_name(b, "scsv");
            json_builder_add_boolean_value(b, ev->fb_scsv);
        }
        optional_int(b, "attempt", ev->fb_attempt);
        json_builder_end_object(b);
    }
    optional_int(b, "http403", ev->http403);
    if (*ev->resumption || ev->resumption_issued >= 0 || *ev->resumption_issuer) {
        json_builder_set_member_name(b, "resumption");
        json_builder_begin_object(b);
        optional_string(b, "offered", ev->resumption);
        optional_int(b, "issued", ev->resumption_issued);
        optional_string(b, "issuer", ev->resumption_issuer);
        json_builder_end_object(b);
    }
    optional_int(b, "last_progress", ev->last_progress);
    optional_int(b, "idle_ns", ev->idle_ns);
    if (ev->capture_end >= 0) {
        json_builder_set_member_name(b, "capture_end");
        json_builder_add_boolean_value(b, ev->capture_end);
    }
    optional_int(b, "unreadable", ev->unreadable);
    optional_int(b, "unrecorded_ns", ev->unrecorded_ns);
    add_numbers(b, "steps_ns", ev->step_ns, ROW_STEPS, RF_STEP_SERVER_HELLO);
    add_numbers(b, "loss", ev->loss, ROW_LOSSES, RF_LOSS_CLIENT_HELLO);
    add_certificate(b, ev);
    json_builder_end_object(b);
}

static void add_flow(JsonBuilder *b, const struct flow *f)
{
    json_builder_begin_object(b);
    member_string(b, "capture", f->capture);
    member_int(b, "stream", f->stream);
    if (row_stream_is_quic(f->stream))
        member_int(b, "quic_connection", f->stream - ROW_QUIC_STREAM_BASE);
    optional_string(b, "client", f->client);
    optional_string(b, "server", f->server);
    optional_string(b, "sni", f->sni);
    member_string(b, "pattern", f->events[0].flag);
    json_builder_set_member_name(b, "flags");
    json_builder_begin_array(b);
    for (uint32_t i = 0; i < f->n_events; i++) {
        bool repeated = false;
        for (uint32_t k = 0; k < i && !repeated; k++)
            repeated = f->events[k].flag == f->events[i].flag;
        if (!repeated)
            json_builder_add_string_value(b, f->events[i].flag);
    }
    json_builder_end_array(b);
    member_int(b, "events_total", (int64_t)f->events_total);
    json_builder_set_member_name(b, "events");
    json_builder_begin_array(b);
    for (uint32_t i = 0; i < f->n_events; i++)
        add_event(b, &f->events[i]);
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static void add_counts(JsonBuilder *b, const char *name, const GArray *tallies)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
    for (guint i = 0; i < tallies->len; i++) {
        const struct tally *t = &g_array_index(tallies, struct tally, i);
        member_int(b, t->key, (int64_t)t->flows);
    }
    json_builder_end_object(b);
}

static void add_top(JsonBuilder *b, const char *name, const char *key_name, const GArray *tallies)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
    for (guint i = 0; i < tallies->len && i < SUMMARY_TOP; i++) {
        const struct tally *t = &g_array_index(tallies, struct tally, i);
        json_builder_begin_object(b);
        member_string(b, key_name, t->key);
        optional_string(b, "sni", t->sni);
        member_int(b, "flows", (int64_t)t->flows);
        member_string(b, "pattern", t->pattern);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void add_input(JsonBuilder *b, const struct summary *s)
{
    json_builder_set_member_name(b, "input");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "captures");
    json_builder_begin_array(b);
    for (guint i = 0; i < s->captures->len; i++)
        json_builder_add_string_value(b, g_ptr_array_index(s->captures, i));
    json_builder_end_array(b);
    member_int(b, "rows", (int64_t)s->stats.rows);
    member_int(b, "flagged_rows", (int64_t)s->stats.flagged_rows);
    member_int(b, "note_rows", (int64_t)s->stats.note_rows);
    member_int(b, "malformed_lines", (int64_t)s->stats.malformed_lines);
    if (s->stats.abandoned_rows > 0)
        member_int(b, "abandoned_rows", (int64_t)s->stats.abandoned_rows);
    json_builder_end_object(b);
}

static void add_summary(JsonBuilder *b, const struct summary *s)
{
    char buf[64];
    json_builder_set_member_name(b, "summary");
    json_builder_begin_object(b);
    member_int(b, "flagged_flows", s->flows->len);
    if (s->has_time) {
        member_string(b, "first_time", vocab_time(s->first_time_ns, true, buf, sizeof buf));
        member_string(b, "last_time", vocab_time(s->last_time_ns, true, buf, sizeof buf));
    }
    add_counts(b, "by_pattern", s->by_pattern);
    add_counts(b, "by_flag", s->by_flag);
    /* Flows with a flag anywhere, split by variant: {"handshake_stalled": {"capture_end": 1}};
     * absent when no flag with variants is flagged. */
    for (guint i = 0; i < s->by_variant->len; i++) {
        const struct variant *v = &g_array_index(s->by_variant, struct variant, i);
        if (i == 0) {
            json_builder_set_member_name(b, "by_variant");
            json_builder_begin_object(b);
        }
        if (i == 0 || strcmp(v->flag, g_array_index(s->by_variant, struct variant, i - 1).flag)) {
            if (i)
                json_builder_end_object(b);
            json_builder_set_member_name(b, v->flag);
            json_builder_begin_object(b);
        }
        member_int(b, v->variant, (int64_t)v->flows);
    }
    if (s->by_variant->len) {
        json_builder_end_object(b);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
}

static void add_hints(JsonBuilder *b, const struct summary *s)
{
    json_builder_set_member_name(b, "look_here_first");
    json_builder_begin_array(b);
    for (guint i = 0; i < s->hints->len; i++) {
        const struct hint *h = g_ptr_array_index(s->hints, i);
        json_builder_begin_object(b);
        member_string(b, "id", h->id);
        member_int(b, "flows", (int64_t)h->flows);
        member_string(b, "text", h->text);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void add_histogram(JsonBuilder *b, const struct summary *s)
{
    const struct histogram *h = &s->histogram;
    char buf[64];
    json_builder_set_member_name(b, "histogram");
    json_builder_begin_object(b);
    if (s->has_time) {
        member_int(b, "bucket_seconds", h->bucket_seconds);
        member_string(b, "start",
                      vocab_time(h->start * INT64_C(1000000000), true, buf, sizeof buf));
        json_builder_set_member_name(b, "counts");
        json_builder_begin_array(b);
        for (uint32_t i = 0; i < h->n_buckets; i++)
            json_builder_add_int_value(b, (int64_t)h->counts[i]);
        json_builder_end_array(b);
    }
    member_int(b, "untimed", (int64_t)h->untimed);
    json_builder_end_object(b);
}

static char *generate(JsonGenerator *gen, JsonBuilder *b)
{
    JsonNode *root = json_builder_get_root(b);
    char *text;
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    json_node_unref(root);
    json_builder_reset(b);
    return text;
}

/*
 * A tree of every flow would cost far more memory than the flows
 * themselves: write the head as one document, then each flow on its own,
 * indented to sit in the "flows" array.
 */
void render_json(FILE *out, const struct summary *s)
{
    JsonBuilder *b = json_builder_new();
    JsonGenerator *gen = json_generator_new();
    char *text, *end;

    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    json_builder_begin_object(b);
    member_int(b, "schema_version", REPORT_SCHEMA_VERSION);
    member_string(b, "generator", "tlsdiag-report " TLSDIAG_VERSION);
    add_input(b, s);
    add_summary(b, s);
    add_hints(b, s);
    add_top(b, "top_servers", "server", s->servers);
    add_top(b, "top_clients", "client", s->clients);
    add_histogram(b, s);
    json_builder_end_object(b);
    text = generate(gen, b);
    end = strrchr(text, '}');
    while (end > text && g_ascii_isspace(end[-1]))
        end--;
    fwrite(text, 1, (size_t)(end - text), out);
    fputs(",\n  \"flows\" : [", out);
    g_free(text);

    for (guint i = 0; i < s->flows->len; i++) {
        add_flow(b, g_ptr_array_index(s->flows, i));
        text = generate(gen, b);
        fputs(i ? ",\n    " : "\n    ", out);
        for (const char *p = text, *nl; *p; p = nl + 1) {
            nl = strchr(p, '\n');
            if (!nl) {
                fputs(p, out);
                break;
            }
            fwrite(p, 1, (size_t)(nl - p + 1), out);
            fputs("    ", out);
        }
        g_free(text);
    }
    fputs(s->flows->len ? "\n  ]\n}\n" : "]\n}\n", out);
    g_object_unref(gen);
    g_object_unref(b);
}
