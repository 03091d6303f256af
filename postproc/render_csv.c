/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render.h"

#include <string.h>

#include "vocab.h"

static const char *const columns[] = {
    "capture",
    "stream",
    "first_frame",
    "time",
    "client",
    "server",
    "sni",
    "pattern",
    "flags",
    "side",
    "close",
    "stage",
    "version",
    "alert",
    "alert_name",
    "client_hello",
    "elapsed",
    "retransmissions",
    "fallback_previous",
    "fallback_failure",
    "fallback_from",
    "fallback_to",
    "fallback_scsv",
    "fallback_attempt",
    "http403",
    "flagged_frames",
    /* Later columns: appended, so scripts that count columns keep working. */
    "resumption_offered",
    "resumption_issued",
    "resumption_issuer",
    "last_progress",
    "idle",
    "capture_end",
    "step_server_hello",
    "step_server_flight",
    "step_client_flight",
    "step_completion",
    "loss_client_hello_retransmissions",
    "loss_server_retransmissions",
    "loss_client_retransmissions",
    "loss_duplicate_acks",
    "loss_zero_windows",
    "cert_problem",
    "cert_subject",
    "cert_san",
    "cert_spki_sha256",
    "unreadable",
    "unrecorded",
};

/* RFC 4180: quote only when needed, double the quotes inside. */
static void cell(FILE *out, const char *value, bool first)
{
    if (!first)
        fputc(',', out);
    if (!strpbrk(value, ",\"\r\n")) {
        fputs(value, out);
        return;
    }
    fputc('"', out);
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void number(FILE *out, int64_t value)
{
    fputc(',', out);
    if (value >= 0)
        fprintf(out, "%" G_GINT64_FORMAT, value);
}

static void version(FILE *out, int32_t v)
{
    const char *name = vocab_version_name(v);
    fputc(',', out);
    if (name)
        fputs(name, out);
    else if (v >= 0)
        fprintf(out, "0x%04x", (unsigned)v);
}

/* Seconds with nanoseconds, as tshark prints relative times. */
static void seconds(FILE *out, int64_t ns)
{
    fputc(',', out);
    if (ns >= 0)
        fprintf(out, "%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT, ns / 1000000000, ns % 1000000000);
}

static void render_flow(FILE *out, const struct flow *f)
{
    struct flow_event o;
    GString *flags = g_string_new(NULL);
    char buf[64];

    flow_overview(f, &o);
    for (uint32_t i = 0; i < f->n_events; i++) {
        bool repeated = false;
        for (uint32_t k = 0; k < i && !repeated; k++)
            repeated = f->events[k].flag == f->events[i].flag;
        if (!repeated)
            g_string_append_printf(flags, "%s%s", flags->len ? ";" : "", f->events[i].flag);
    }
    cell(out, f->capture, true);
    number(out, f->stream);
    number(out, o.frame);
    cell(out, o.has_time ? vocab_time(o.time_ns, true, buf, sizeof buf) : "", false);
    cell(out, f->client, false);
    cell(out, f->server, false);
    cell(out, f->sni, false);
    cell(out, o.flag, false);
    cell(out, flags->str, false);
    cell(out, o.side, false);
    cell(out, o.close, false);
    cell(out, o.stage, false);
    version(out, o.version);
    number(out, o.alert);
    cell(out, o.alert >= 0 && vocab_alert_name(o.alert) ? vocab_alert_name(o.alert) : "", false);
    number(out, o.client_hello);
    if (o.has_elapsed)
        g_snprintf(buf, sizeof buf, "%" G_GINT64_FORMAT ".%09" G_GINT64_FORMAT,
                   o.elapsed_ns / 1000000000, o.elapsed_ns % 1000000000);
    cell(out, o.has_elapsed ? buf : "", false);
    number(out, o.retransmissions);
    number(out, o.fb_previous);
    number(out, o.fb_failure);
    version(out, o.fb_from);
    version(out, o.fb_to);
    number(out, o.fb_scsv);
    number(out, o.fb_attempt);
    number(out, o.http403);
    number(out, (int64_t)f->events_total);
    cell(out, o.resumption, false);
    number(out, o.resumption_issued);
    cell(out, o.resumption_issuer, false);
    number(out, o.last_progress);
    seconds(out, o.idle_ns);
    number(out, o.capture_end);
    for (int i = 0; i < ROW_STEPS; i++)
        seconds(out, o.step_ns[i]);
    for (int i = 0; i < ROW_LOSSES; i++)
        number(out, o.loss[i]);
    cell(out, o.cert_problem, false);
    cell(out, o.cert_subject, false);
    cell(out, o.cert_san, false);
    cell(out, o.cert_pin, false);
    number(out, o.unreadable);
    seconds(out, o.unrecorded_ns);
    fputc('\n', out);
    g_string_free(flags, TRUE);
}

void render_csv(FILE *out, const struct summary *s)
{
    for (size_t i = 0; i < G_N_ELEMENTS(columns); i++)
        cell(out, columns[i], i == 0);
    fputc('\n', out);
    for (guint i = 0; i < s->flows->len; i++)
        render_flow(out, g_ptr_array_index(s->flows, i));
}
