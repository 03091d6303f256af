/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "merge.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "json_guard.h"
#include "render.h"

struct merge {
    struct flows *flows;
    /*
     * Unlabelled stdin captures ("-", "-#2") of two reports are probably
     * different captures that would be merged as one: refuse, ask for --label.
     */
    GHashTable *stdin_label_owner; /* label -> path of the report that had it */
};

struct merge *merge_new(struct flows *flows)
{
    struct merge *m = g_new0(struct merge, 1);
    m->flows = flows;
    m->stdin_label_owner = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return m;
}

void merge_free(struct merge *m)
{
    if (!m)
        return;
    g_hash_table_destroy(m->stdin_label_owner);
    g_free(m);
}

/* Where in the report a problem is, for messages: "flows[3].events[0]". */
struct place {
    const char *file;
    GString *path;
    bool ok;
};

static void fail(struct place *at, const char *member, const char *what)
{
    if (at->ok)
        diag_error(at->file, 0, "%s%s%s: %s (not a report written by tlsdiag-report --json?)",
                   at->path->str, at->path->len ? "." : "", member, what);
    at->ok = false;
}

static JsonNode *member(JsonObject *o, const char *name)
{
    return o && json_object_has_member(o, name) ? json_object_get_member(o, name) : NULL;
}

static int64_t get_int(struct place *at, JsonObject *o, const char *name, bool required,
                       int64_t min, int64_t max)
{
    JsonNode *n = member(o, name);
    if (!n) {
        if (required)
            fail(at, name, "missing");
        return -1;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64 ||
        json_node_get_int(n) < min || json_node_get_int(n) > max) {
        fail(at, name, "not an integer in range");
        return -1;
    }
    return json_node_get_int(n);
}

static const char *get_string(struct place *at, JsonObject *o, const char *name, bool required)
{
    JsonNode *n = member(o, name);
    if (!n) {
        if (required)
            fail(at, name, "missing");
        return "";
    }
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
        fail(at, name, "not a string");
        return "";
    }
    return json_node_get_string(n);
}

/* Same checks as tshark's text gets, so a report cannot smuggle in what input could not. */
static void check_field(struct place *at, const char *name, enum row_field f, const char *value)
{
    struct flagged_row scratch;
    const char *reason;
    row_clear(&scratch);
    if (!row_set_field(&scratch, f, value, &reason))
        fail(at, name, reason);
}

static int32_t get_version(struct place *at, JsonObject *o, const char *name)
{
    struct flagged_row scratch;
    const char *reason;
    const char *text = get_string(at, o, name, false);
    row_clear(&scratch);
    if (!row_set_field(&scratch, RF_VERSION, text, &reason))
        fail(at, name, reason);
    return scratch.version;
}

static JsonObject *get_object(struct place *at, JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);
    if (n && !JSON_NODE_HOLDS_OBJECT(n)) {
        fail(at, name, "not an object");
        return NULL;
    }
    return n ? json_node_get_object(n) : NULL;
}

static int get_bool(struct place *at, JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);
    if (!n)
        return -1;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
        fail(at, name, "not a boolean");
        return -1;
    }
    return json_node_get_boolean(n);
}

static void get_numbers(struct place *at, JsonObject *o, const char *name, int64_t *values, int n,
                        enum row_field first, int64_t max)
{
    JsonObject *group = get_object(at, o, name);
    for (int i = 0; i < n; i++)
        values[i] = get_int(at, group, row_field_suffix(first + i), false, 0, max);
}

/* An optional string member, checked as its tshark column would be. */
static const char *get_field(struct place *at, JsonObject *o, const char *name, const char *shown,
                             enum row_field f)
{
    const char *value = get_string(at, o, name, false);
    check_field(at, shown, f, value);
    return value;
}

/* Reports made before the certificate columns lack "certificate": absent is fine. */
static void read_certificate(struct place *at, JsonObject *o, struct flow_event *ev)
{
    JsonObject *cert = get_object(at, o, "certificate");
    ev->cert_problem = get_field(at, cert, "problem", "certificate.problem", RF_CERT_PROBLEM);
    ev->cert_subject = get_field(at, cert, "subject", "certificate.subject", RF_CERT_SUBJECT);
    ev->cert_san = get_field(at, cert, "san", "certificate.san", RF_CERT_SAN);
    ev->cert_pin =
        get_field(at, cert, "spki_sha256", "certificate.spki_sha256", RF_CERT_SPKI_SHA256);
}

static void read_event(struct place *at, JsonObject *o, struct flow_event *ev)
{
    JsonNode *fb_node = member(o, "fallback");
    JsonObject *fb = NULL, *resumption;

    *ev = (struct flow_event){0};
    ev->frame = get_int(at, o, "frame", true, 1, INT64_MAX);
    ev->has_time = member(o, "time_ns") != NULL;
    ev->time_ns = get_int(at, o, "time_ns", false, 0, INT64_MAX);
    ev->flag = get_string(at, o, "flag", true);
    check_field(at, "flag", RF_FLAG, ev->flag);
    if (!*ev->flag)
        fail(at, "flag", "empty");
    ev->side = get_field(at, o, "side", "side", RF_SIDE);
    ev->close = get_field(at, o, "close", "close", RF_CLOSE);
    ev->stage = get_field(at, o, "stage", "stage", RF_STAGE);
    ev->version = get_version(at, o, "version");
    ev->alert = (int32_t)get_int(at, o, "alert", false, 0, 255);
    ev->client_hello = get_int(at, o, "client_hello", false, 1, INT64_MAX);
    ev->has_elapsed = member(o, "elapsed_ns") != NULL;
    ev->elapsed_ns = get_int(at, o, "elapsed_ns", false, 0, INT64_MAX);
    ev->retransmissions = get_int(at, o, "retransmissions", false, 0, INT64_MAX);
    ev->http403 = get_int(at, o, "http403", false, 1, INT64_MAX);
    /* Reports made before the resumption and timing flags lack these: absent is fine. */
    resumption = get_object(at, o, "resumption");
    ev->resumption = get_string(at, resumption, "offered", false);
    check_field(at, "resumption.offered", RF_RES_OFFERED, ev->resumption);
    ev->resumption_issued = get_int(at, resumption, "issued", false, 1, INT64_MAX);
    ev->resumption_issuer = get_string(at, resumption, "issuer", false);
    check_field(at, "resumption.issuer", RF_RES_ISSUER, ev->resumption_issuer);
    ev->last_progress = get_int(at, o, "last_progress", false, 1, INT64_MAX);
    ev->idle_ns = get_int(at, o, "idle_ns", false, 0, INT64_MAX);
    ev->capture_end = get_bool(at, o, "capture_end");
    ev->unreadable = get_int(at, o, "unreadable", false, 1, INT64_MAX);
    ev->unrecorded_ns = get_int(at, o, "unrecorded_ns", false, 1, INT64_MAX);
    get_numbers(at, o, "steps_ns", ev->step_ns, ROW_STEPS, RF_STEP_SERVER_HELLO, INT64_MAX);
    get_numbers(at, o, "loss", ev->loss, ROW_LOSSES, RF_LOSS_CLIENT_HELLO, UINT32_MAX);
    read_certificate(at, o, ev);
    ev->fb_scsv = -1;
    if (fb_node && !JSON_NODE_HOLDS_OBJECT(fb_node))
        fail(at, "fallback", "not an object");
    else if (fb_node)
        fb = json_node_get_object(fb_node);
    ev->fb_previous = get_int(at, fb, "previous", false, 1, INT64_MAX);
    ev->fb_failure = get_int(at, fb, "failure", false, 1, INT64_MAX);
    ev->fb_from = get_version(at, fb, "from");
    ev->fb_to = get_version(at, fb, "to");
    ev->fb_attempt = get_int(at, fb, "attempt", false, 0, INT64_MAX);
    if (member(fb, "scsv")) {
        JsonNode *n = member(fb, "scsv");
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
            fail(at, "fallback.scsv", "not a boolean");
        else
            ev->fb_scsv = json_node_get_boolean(n);
    }
}

static JsonArray *get_array(struct place *at, JsonObject *o, const char *name)
{
    JsonNode *n = member(o, name);
    if (!n || !JSON_NODE_HOLDS_ARRAY(n)) {
        fail(at, name, "missing or not an array");
        return NULL;
    }
    return json_node_get_array(n);
}

/* A validated flow waiting for the rest of its report to validate too. */
struct pending_flow {
    const char *capture;
    int64_t stream;
    const char *client;
    const char *server;
    const char *sni;
    struct flow_event *events;
    uint32_t n_events;
    uint64_t total;
};

static void pending_clear(gpointer p)
{
    g_free(((struct pending_flow *)p)->events);
}

static void read_flow(struct place *at, JsonObject *o, GArray *pending)
{
    struct flow_event events[FLOW_MAX_EVENTS];
    JsonArray *list = get_array(at, o, "events");
    const char *capture = get_string(at, o, "capture", true);
    int64_t stream = get_int(at, o, "stream", true, 0, INT64_MAX);
    const char *client = get_string(at, o, "client", false);
    const char *server = get_string(at, o, "server", false);
    const char *sni = get_string(at, o, "sni", false);
    int64_t total = get_int(at, o, "events_total", true, 1, INT64_MAX);
    guint n = list ? json_array_get_length(list) : 0;
    gsize base = at->path->len;

    check_field(at, "client", RF_CLIENT, client);
    check_field(at, "server", RF_SERVER, server);
    if (list && (n == 0 || n > FLOW_MAX_EVENTS || (int64_t)n > total))
        fail(at, "events", "wrong number of events");
    for (guint i = 0; at->ok && i < n; i++) {
        JsonNode *e = json_array_get_element(list, i);
        g_string_append_printf(at->path, ".events[%u]", i);
        if (JSON_NODE_HOLDS_OBJECT(e))
            read_event(at, json_node_get_object(e), &events[i]);
        else
            fail(at, "", "not an object");
        g_string_truncate(at->path, base);
    }
    if (at->ok) {
        struct pending_flow p = {
            capture, stream,         client, server, sni, g_memdup2(events, n * sizeof events[0]),
            n,       (uint64_t)total};
        g_array_append_val(pending, p);
    }
}

static bool claim_stdin_label(struct merge *m, const char *file, const char *label)
{
    const char *owner;
    if (strcmp(label, "-") && !g_str_has_prefix(label, "-#"))
        return true;
    owner = g_hash_table_lookup(m->stdin_label_owner, label);
    if (owner && strcmp(owner, file)) {
        diag_error(file, 0,
                   "capture \"%s\" (unlabelled stdin) is also in %s: they may be different "
                   "captures; make the reports with --label NAME",
                   label, owner);
        return false;
    }
    g_hash_table_replace(m->stdin_label_owner, g_strdup(label), g_strdup(file));
    return true;
}

static bool read_report(struct merge *m, const char *file, JsonNode *root)
{
    struct place at = {.file = file, .path = g_string_new(NULL), .ok = true};
    JsonObject *doc = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    JsonObject *input = NULL;
    JsonArray *captures = NULL, *flows = NULL;
    struct input_stats stats = {0};
    GArray *pending = g_array_new(FALSE, FALSE, sizeof(struct pending_flow));
    int64_t version = get_int(&at, doc, "schema_version", true, 0, INT64_MAX);

    g_array_set_clear_func(pending, pending_clear);

    if (at.ok && version != REPORT_SCHEMA_VERSION) {
        diag_error(file, 0,
                   "report schema_version %" G_GINT64_FORMAT ", this tlsdiag-report reads %d",
                   version, REPORT_SCHEMA_VERSION);
        at.ok = false;
    }
    if (at.ok && member(doc, "input") && JSON_NODE_HOLDS_OBJECT(member(doc, "input")))
        input = json_node_get_object(member(doc, "input"));
    else
        fail(&at, "input", "missing or not an object");
    if (at.ok) {
        g_string_assign(at.path, "input");
        captures = get_array(&at, input, "captures");
        stats.rows = (uint64_t)get_int(&at, input, "rows", true, 0, INT64_MAX);
        stats.flagged_rows = (uint64_t)get_int(&at, input, "flagged_rows", true, 0, INT64_MAX);
        stats.note_rows = (uint64_t)get_int(&at, input, "note_rows", true, 0, INT64_MAX);
        stats.malformed_lines =
            (uint64_t)get_int(&at, input, "malformed_lines", true, 0, INT64_MAX);
        int64_t abandoned = get_int(&at, input, "abandoned_rows", false, 0, INT64_MAX);
        stats.abandoned_rows = abandoned > 0 ? (uint64_t)abandoned : 0;
        g_string_truncate(at.path, 0);
        flows = get_array(&at, doc, "flows");
    }
    for (guint i = 0; at.ok && i < json_array_get_length(captures); i++) {
        JsonNode *n = json_array_get_element(captures, i);
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
            fail(&at, "input.captures", "not a list of strings");
        else
            at.ok = claim_stdin_label(m, file, json_node_get_string(n));
    }
    for (guint i = 0; at.ok && i < json_array_get_length(flows); i++) {
        JsonNode *n = json_array_get_element(flows, i);
        g_string_printf(at.path, "flows[%u]", i);
        if (JSON_NODE_HOLDS_OBJECT(n))
            read_flow(&at, json_node_get_object(n), pending);
        else
            fail(&at, "", "not an object");
    }
    /* Merge only a report that validated whole: a bad report adds nothing. */
    if (at.ok) {
        for (guint i = 0; i < json_array_get_length(captures); i++)
            flows_capture(m->flows, json_node_get_string(json_array_get_element(captures, i)));
        flows_add_stats(m->flows, &stats);
        for (guint i = 0; i < pending->len; i++) {
            const struct pending_flow *p = &g_array_index(pending, struct pending_flow, i);
            flows_merge(m->flows, p->capture, p->stream, p->client, p->server, p->sni, p->events,
                        p->n_events, p->total);
        }
    }
    g_array_unref(pending);
    g_string_free(at.path, TRUE);
    return at.ok;
}

bool merge_read(struct merge *m, const char *path)
{
    bool is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "<stdin>" : path;
    JsonParser *parser = json_parser_new_immutable();
    GError *error = NULL;
    char *data = NULL;
    gsize len = 0;
    bool ok = false;

    if (is_stdin) {
        GString *all = g_string_new(NULL);
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            g_string_append_len(all, chunk, (gssize)n);
        len = all->len;
        data = g_string_free(all, FALSE);
    } else if (!g_file_get_contents(path, &data, &len, &error)) {
        diag_error(NULL, 0, "%s", error->message);
        goto out;
    }
    if (memchr(data, '\0', len) || !json_nesting_ok(data, len) ||
        !json_parser_load_from_data(parser, data, (gssize)len, &error)) {
        diag_error(name, 0, "not a tlsdiag-report JSON report%s%s (make one with --json)",
                   error ? ": " : "", error ? error->message : "");
        goto out;
    }
    if (!json_parser_get_root(parser)) {
        diag_error(name, 0, "not a tlsdiag-report JSON report: empty (make one with --json)");
        goto out;
    }
    ok = read_report(m, name, json_parser_get_root(parser));
out:
    g_clear_error(&error);
    g_free(data);
    g_object_unref(parser);
    return ok;
}
