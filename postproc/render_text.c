/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "render.h"

#include <string.h>

#include "client_errors_summary.h"
#include "certificates.h"
#include "vocab.h"

enum { WRAP = 78, SNI_WIDTH = 32, BAR_WIDTH = 50 };

/*
 * Names and SNIs come from the network: never let them drive the terminal.
 * Control characters (C0, DEL, C1) become '?', and so do format characters
 * (bidirectional overrides, zero-width joiners) and line separators, which
 * make text read other than it is.
 */
static char *printable(const char *s, glong max_chars)
{
    GString *out = g_string_new(NULL);
    glong total = g_utf8_strlen(s, -1);
    glong keep = total > max_chars ? max_chars - 3 : total;
    const char *p = s;
    for (glong n = 0; n < keep; n++, p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        GUnicodeType type = g_unichar_type(c);
        if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT ||
            type == G_UNICODE_LINE_SEPARATOR || type == G_UNICODE_PARAGRAPH_SEPARATOR)
            g_string_append_c(out, '?');
        else
            g_string_append_unichar(out, c);
    }
    if (keep < total)
        g_string_append(out, "...");
    return g_string_free(out, FALSE);
}

/* A table of owned cells, columns padded to their widest cell. */
struct table {
    guint ncols;
    guint right_aligned; /* bit mask of numeric columns */
    GPtrArray *cells;
};

static void table_init(struct table *t, guint ncols, guint right_aligned)
{
    t->ncols = ncols;
    t->right_aligned = right_aligned;
    t->cells = g_ptr_array_new_with_free_func(g_free);
}

static void table_add(struct table *t, char *owned)
{
    g_ptr_array_add(t->cells, owned);
}

static void table_print(FILE *out, struct table *t)
{
    glong *width = g_new0(glong, t->ncols);
    for (guint i = 0; i < t->cells->len; i++)
        width[i % t->ncols] =
            MAX(width[i % t->ncols], g_utf8_strlen(g_ptr_array_index(t->cells, i), -1));
    for (guint i = 0; i < t->cells->len; i++) {
        guint col = i % t->ncols;
        const char *cell = g_ptr_array_index(t->cells, i);
        int pad = (int)(width[col] - g_utf8_strlen(cell, -1));
        bool last = col == t->ncols - 1;
        if (col == 0)
            fputs("  ", out);
        if (t->right_aligned & (1u << col))
            fprintf(out, "%*s%s", pad, "", cell);
        else
            fprintf(out, "%s%*s", cell, last ? 0 : pad, "");
        fputs(last ? "\n" : "  ", out);
    }
    g_free(width);
    g_ptr_array_unref(t->cells);
}

static void wrapped(FILE *out, const char *first_prefix, const char *text)
{
    size_t indent = strlen(first_prefix), col = indent;
    char **words = g_strsplit(text, " ", -1);
    fputs(first_prefix, out);
    for (char **w = words; *w; w++) {
        size_t n = g_utf8_strlen(*w, -1);
        if (col > indent && col + 1 + n > WRAP) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        fputs(*w, out);
        col += n;
    }
    fputc('\n', out);
    g_strfreev(words);
}

static void render_heading(FILE *out, const struct summary *s)
{
    char a[64], b[64], span[32];
    const struct input_stats *st = &s->stats;

    if (s->flows->len == 0)
        fprintf(out, "tlsdiag-report: no flagged TLS handshakes\n");
    else
        fprintf(out,
                "tlsdiag-report: %u flagged flow%s (TLS handshakes with a problem)\n",
                s->flows->len, s->flows->len == 1 ? "" : "s");
    fprintf(out,
            "  input: %u capture%s, %" G_GUINT64_FORMAT " rows (%" G_GUINT64_FORMAT
            " flagged, %" G_GUINT64_FORMAT " notes)",
            s->captures->len, s->captures->len == 1 ? "" : "s", st->rows, st->flagged_rows,
            st->note_rows);
    if (st->malformed_lines)
        fprintf(out, ", %" G_GUINT64_FORMAT " malformed line%s skipped (see stderr)",
                st->malformed_lines, st->malformed_lines == 1 ? "" : "s");
    fputc('\n', out);
    if (st->abandoned_rows > 0)
        fprintf(out, "  %" G_GUINT64_FORMAT " connection%s abandoned by the client, not failures\n",
                st->abandoned_rows, st->abandoned_rows == 1 ? "" : "s");
    if (s->has_time)
        fprintf(out, "  time:  %s to %s UTC (%s)\n",
                vocab_time(s->first_time_ns, false, a, sizeof a),
                vocab_time(s->last_time_ns, false, b, sizeof b),
                vocab_span((s->last_time_ns - s->first_time_ns) / 1000000000, span, sizeof span));
}

static void render_patterns(FILE *out, const struct summary *s)
{
    struct table t;
    table_init(&t, 3, 0x6);
    table_add(&t, g_strdup("PATTERN (first flag of a flow)"));
    table_add(&t, g_strdup("FLOWS"));
    table_add(&t, g_strdup("FLOWS WITH THE FLAG ANYWHERE"));
    for (guint i = 0; i < s->by_flag->len; i++) {
        const struct tally *flag = &g_array_index(s->by_flag, struct tally, i);
        uint64_t as_pattern = 0;
        for (guint k = 0; k < s->by_pattern->len; k++) {
            const struct tally *p = &g_array_index(s->by_pattern, struct tally, k);
            if (!strcmp(p->key, flag->key))
                as_pattern = p->flows;
        }
        table_add(&t, printable(flag->key, 64));
        table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT, as_pattern));
        table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT, flag->flows));
        for (guint k = 0; k < s->by_variant->len; k++) {
            const struct variant *v = &g_array_index(s->by_variant, struct variant, k);
            if (strcmp(v->flag, flag->key))
                continue;
            table_add(&t, g_strdup_printf("  %s", v->label));
            table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT, v->as_pattern));
            table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT, v->flows));
        }
    }
    fputs("\nPatterns\n", out);
    table_print(out, &t);
}

/* "iOS/macOS would report these 2 failures as errSSLClosedNoNotify (-9816)". */
static void render_client_errors(FILE *out, const struct summary *s)
{
    if (!s->client_errors->len)
        return;
    fputs("\nClient errors (what client stacks report for these failures; docs/client-errors.md)\n",
          out);
    const char *flag = NULL;
    for (guint i = 0; i < s->client_errors->len; i++) {
        const struct client_error_count *c =
            &g_array_index(s->client_errors, struct client_error_count, i);
        if (flag == NULL || strcmp(flag, c->flag)) {
            flag = c->flag;
            char *name = printable(flag, 64);
            fprintf(out, "  %s\n", name);
            g_free(name);
        }
        const char *colon = strchr(c->line, ':');
        int stack_len = colon ? (int)(colon - c->line) : 0;
        char *prefix = c->flows == 1
                           ? g_strdup_printf("%.*s would report this failure as ", stack_len,
                                             c->line)
                           : g_strdup_printf("%.*s would report these %" G_GUINT64_FORMAT
                                             " failures as ",
                                             stack_len, c->line, c->flows);
        char *text = g_strconcat(prefix, colon ? colon + 2 : c->line, NULL);
        wrapped(out, "    ", text);
        g_free(text);
        g_free(prefix);
    }
}

static void render_hints(FILE *out, const struct summary *s)
{
    if (!s->hints->len)
        return;
    fputs("\nLook here first\n", out);
    for (guint i = 0; i < s->hints->len; i++) {
        const struct hint *h = g_ptr_array_index(s->hints, i);
        char *prefix = g_strdup_printf("  %u. ", i + 1);
        char *text = printable(h->text, G_MAXLONG);
        wrapped(out, prefix, text);
        g_free(text);
        g_free(prefix);
    }
}

static char *versions(const struct flow_event *o)
{
    const char *from = vocab_version_name(o->fb_from), *to = vocab_version_name(o->fb_to);
    const char *v = vocab_version_name(o->version);
    char hex_from[8], hex_to[8], hex[8];
    g_snprintf(hex_from, sizeof hex_from, "0x%04x", (unsigned)o->fb_from);
    g_snprintf(hex_to, sizeof hex_to, "0x%04x", (unsigned)o->fb_to);
    g_snprintf(hex, sizeof hex, "0x%04x", (unsigned)o->version);
    if (o->fb_from >= 0 && o->fb_to >= 0)
        return g_strdup_printf("%s -> %s%s", from ? from : hex_from, to ? to : hex_to,
                               o->fb_scsv == 1 ? " +SCSV" : "");
    if (o->version >= 0)
        return g_strdup_printf("%s%s", v ? v : hex, o->fb_scsv == 1 ? " +SCSV" : "");
    return g_strdup(o->fb_scsv == 1 ? "+SCSV" : "");
}

static bool is_new_flag(const char *flag)
{
    static const tlsdiag_flag flags[] = {
        TLSDIAG_FLAG_RESUMPTION_REFUSED, TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER,
        TLSDIAG_FLAG_HANDSHAKE_STALLED, TLSDIAG_FLAG_HANDSHAKE_SLOW};
    for (size_t i = 0; i < G_N_ELEMENTS(flags); i++) {
        if (vocab_flag_is(flag, flags[i]))
            return true;
    }
    return false;
}

static char *what(const struct flow *f, const struct flow_event *o)
{
    GString *s = g_string_new(NULL);
    struct flow_event end = *o;
    const char *last_flag = f->events[f->n_events - 1].flag;
    bool timing;
    /* Resumption and timing flags tell their own end, and a stall or decline then
     * failed is told by its failure; the others as the pattern does. */
    if (is_new_flag(last_flag) || is_new_flag(o->flag))
        end.flag = last_flag;
    timing = vocab_flag_is(end.flag, TLSDIAG_FLAG_HANDSHAKE_STALLED) ||
             vocab_flag_is(end.flag, TLSDIAG_FLAG_HANDSHAKE_SLOW);
    vocab_describe_end(s, &end);
    if (o->has_elapsed && !timing)
        g_string_append_printf(s, " after %.3f s", o->elapsed_ns / 1e9);
    if (is_new_flag(end.flag)) {
        size_t before = s->len;
        g_string_append(s, ", ");
        vocab_describe_loss(s, o);
        if (s->len == before + 2)
            g_string_truncate(s, before);
    } else if (o->retransmissions > 0) {
        g_string_append_printf(s, ", %" G_GINT64_FORMAT " retransmission%s", o->retransmissions,
                               o->retransmissions == 1 ? "" : "s");
    }
    /* The certificate's name comes from the wire: no control or bidi characters. */
    if (cert_shown(o)) {
        GString *cert = g_string_new(NULL);
        cert_describe(cert, o);
        char *shown = printable(cert->str, 120);
        g_string_append(s, shown);
        g_free(shown);
        g_string_free(cert, TRUE);
    }
    return g_string_free(s, FALSE);
}

/* Frame numbers to open in Wireshark: the chain a fallback belongs to, the 403. */
static char *links(const struct flow *f, const struct flow_event *o)
{
    GString *s = g_string_new(NULL);
#define SEP (s->len ? "; " : "")
    if (o->client_hello > 0 && o->client_hello != o->frame)
        g_string_append_printf(s, "%sClientHello f%" G_GINT64_FORMAT, SEP, o->client_hello);
    if (o->fb_previous > 0)
        g_string_append_printf(s, "%sretry of f%" G_GINT64_FORMAT, SEP, o->fb_previous);
    if (o->fb_failure > 0)
        g_string_append_printf(s, "%s%sfailed at f%" G_GINT64_FORMAT, SEP,
                               o->fb_previous > 0 ? "" : "retry after ", o->fb_failure);
    if (o->fb_attempt > 0)
        g_string_append_printf(s, "%sattempt %" G_GINT64_FORMAT, SEP, o->fb_attempt);
    if (o->http403 > 0)
        g_string_append_printf(s, "%sHTTP 403 f%" G_GINT64_FORMAT, SEP, o->http403);
    if (o->resumption_issued > 0)
        g_string_append_printf(s, "%ssession issued f%" G_GINT64_FORMAT "%s%s", SEP,
                               o->resumption_issued, *o->resumption_issuer ? " by " : "",
                               o->resumption_issuer);
    if (o->last_progress > 0)
        g_string_append_printf(s, "%slast progress f%" G_GINT64_FORMAT, SEP, o->last_progress);
    for (uint32_t i = 1; i < f->n_events; i++) {
        char *flag = printable(f->events[i].flag, 64);
        g_string_append_printf(s, "%sthen %s f%" G_GINT64_FORMAT, SEP, flag, f->events[i].frame);
        g_free(flag);
    }
    if (f->events_total > f->n_events)
        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT " more flagged frames", SEP,
                               f->events_total - f->n_events);
#undef SEP
    return g_string_free(s, FALSE);
}

static void render_flows(FILE *out, const struct summary *s, const struct text_options *options)
{
    guint shown = s->flows->len;
    bool captures = s->captures->len > 1;
    bool one_day =
        s->has_time && s->first_time_ns / 86400000000000 == s->last_time_ns / 86400000000000;
    struct table t;
    char buf[64];

    if (!s->flows->len)
        return;
    if (options->limit && options->limit < shown)
        shown = (guint)options->limit;
    if (shown < s->flows->len)
        fprintf(out, "\nFlagged flows (first %u of %u; --limit 0 shows all)\n", shown,
                s->flows->len);
    else
        fputs("\nFlagged flows\n", out);

    table_init(&t, captures ? 10 : 9, captures ? 0x6 : 0x3);
    if (captures)
        table_add(&t, g_strdup("CAPTURE"));
    const char *heads[] = {
        "STREAM", "FRAME",   one_day ? "TIME" : "TIME (UTC)", "CLIENT -> SERVER", "SNI", "PATTERN",
        "WHAT",   "VERSION", "LINKS (frame numbers)"};
    for (size_t i = 0; i < G_N_ELEMENTS(heads); i++)
        table_add(&t, g_strdup(heads[i]));
    for (guint i = 0; i < shown; i++) {
        const struct flow *f = g_ptr_array_index(s->flows, i);
        struct flow_event o;
        flow_overview(f, &o);
        if (captures)
            table_add(&t, printable(f->capture, 40));
        table_add(&t, row_stream_is_quic(f->stream)
                          ? g_strdup_printf("quic %" G_GINT64_FORMAT, f->stream - ROW_QUIC_STREAM_BASE)
                          : g_strdup_printf("%" G_GINT64_FORMAT, f->stream));
        table_add(&t, g_strdup_printf("%" G_GINT64_FORMAT, o.frame));
        /* Within one day the heading gives the date; the column keeps the time. */
        vocab_time(o.time_ns, false, buf, sizeof buf);
        table_add(&t, g_strdup(!o.has_time ? "-" : one_day ? buf + 11 : buf));
        table_add(&t, g_strdup_printf("%s -> %s", *f->client ? f->client : "?",
                                      *f->server ? f->server : "?"));
        table_add(&t, *f->sni ? printable(f->sni, SNI_WIDTH) : g_strdup("-"));
        table_add(&t, printable(o.flag, 64));
        table_add(&t, what(f, &o));
        table_add(&t, versions(&o));
        table_add(&t, links(f, &o));
    }
    table_print(out, &t);
}

static void render_top(FILE *out, const char *title, const char *what_head, const GArray *tallies)
{
    struct table t;
    if (!tallies->len)
        return;
    fprintf(out, "\n%s (%u in all)\n", title, tallies->len);
    table_init(&t, 3, 0x2);
    table_add(&t, g_strdup(what_head));
    table_add(&t, g_strdup("FLOWS"));
    table_add(&t, g_strdup("MOSTLY"));
    for (guint i = 0; i < tallies->len && i < SUMMARY_TOP; i++) {
        const struct tally *tl = &g_array_index(tallies, struct tally, i);
        char *sni = printable(tl->sni, SNI_WIDTH);
        table_add(&t, g_strdup_printf("%s%s%s%s", tl->key, *sni ? " (" : "", sni, *sni ? ")" : ""));
        table_add(&t, g_strdup_printf("%" G_GUINT64_FORMAT, tl->flows));
        table_add(&t, printable(tl->pattern, 64));
        g_free(sni);
    }
    table_print(out, &t);
}

static void render_histogram(FILE *out, const struct summary *s)
{
    const struct histogram *h = &s->histogram;
    const char *format = h->bucket_seconds >= 86400 ? "%Y-%m-%d"
                         : h->bucket_seconds >= 60  ? "%Y-%m-%d %H:%M"
                                                    : "%Y-%m-%d %H:%M:%S";
    uint64_t peak = 0;
    char size[32];

    if (!s->has_time)
        return;
    for (uint32_t i = 0; i < h->n_buckets; i++)
        peak = MAX(peak, h->counts[i]);
    fprintf(out, "\nFailures over time (UTC, one line per %s)\n",
            vocab_duration(h->bucket_seconds, size, sizeof size));
    for (uint32_t i = 0; i < h->n_buckets; i++) {
        GDateTime *t = g_date_time_new_from_unix_utc(h->start + (int64_t)i * h->bucket_seconds);
        char *label = t ? g_date_time_format(t, format) : g_strdup("?");
        int bar = (int)((h->counts[i] * BAR_WIDTH + peak - 1) / peak);
        fprintf(out, "  %s  %-*.*s %" G_GUINT64_FORMAT "\n", label, BAR_WIDTH, bar,
                "##################################################", h->counts[i]);
        g_free(label);
        if (t)
            g_date_time_unref(t);
    }
    if (h->untimed)
        fprintf(out, "  (%" G_GUINT64_FORMAT " flows without frame.time_epoch)\n", h->untimed);
}

void render_text(FILE *out, const struct summary *s, const struct text_options *options)
{
    render_heading(out, s);
    if (!s->flows->len)
        return;
    render_patterns(out, s);
    render_client_errors(out, s);
    render_hints(out, s);
    render_flows(out, s, options);
    render_top(out, "Top servers", "SERVER (SNI)", s->servers);
    render_top(out, "Top clients", "CLIENT", s->clients);
    render_histogram(out, s);
}
