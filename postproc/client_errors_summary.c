/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "client_errors_summary.h"

#include <string.h>

#include "../plugin/engine/client_errors.h"
#include "flows.h"

/* The vocabulary's enum value of a name, or 0 (NONE) for an unknown one. */
static int enum_of(const char *name, int count, const char *(*name_of)(int))
{
    for (int i = 1; i < count; i++) {
        if (!strcmp(name, name_of(i)))
            return i;
    }
    return 0;
}

static const char *flag_name(int i)
{
    return tlsdiag_flag_name((tlsdiag_flag)i);
}

static const char *side_name(int i)
{
    return tlsdiag_side_name((tlsdiag_side)i);
}

static const char *close_name(int i)
{
    return tlsdiag_close_name((tlsdiag_close)i);
}

static const char *stage_name(int i)
{
    return tlsdiag_stage_name((tlsdiag_stage)i);
}

/* The report reads no alert level and no negotiated version: a flagged alert
 * other than close_notify and user_canceled is fatal (the plugin flags no
 * other warning), and a string that depends on the version is kept only
 * when both versions give it. */
static char *line_of(const struct flow *f, const struct flow_event *ev, tlsdiag_stack stack)
{
    const char *problem = ev->cert_problem != NULL ? ev->cert_problem : "";
    tlsdiag_wire_event event = {
        .flag = (tlsdiag_flag)enum_of(ev->flag, TLSDIAG_FLAG_COUNT, flag_name),
        .side = (tlsdiag_side)enum_of(ev->side, TLSDIAG_SIDE_COUNT, side_name),
        .close = (tlsdiag_close)enum_of(ev->close, TLSDIAG_CLOSE_COUNT, close_name),
        .stage = (tlsdiag_stage)enum_of(ev->stage, TLSDIAG_STAGE_COUNT, stage_name),
        .has_alert = ev->alert >= 0 && ev->alert != TLSDIAG_ALERT_USER_CANCELED,
        .alert = (uint8_t)(ev->alert >= 0 ? ev->alert : 0),
        .alert_level = TLSDIAG_ALERT_LEVEL_FATAL,
        .server_name = f->sni != NULL && f->sni[0] ? f->sni : NULL,
        .cert_findings = (strstr(problem, "name_mismatch") ? 1u << TLSDIAG_CERT_NAME_MISMATCH : 0) |
                         (strstr(problem, "cn_only") ? 1u << TLSDIAG_CERT_CN_ONLY : 0),
        .cert_has_dns_names = ev->cert_san != NULL && ev->cert_san[0] != '\0',
    };
    if (event.flag == TLSDIAG_FLAG_CLIENT_CERT_REJECTED) {
        event.tls13 = true;
        return tlsdiag_client_error(&event, stack);
    }
    char *tls12 = tlsdiag_client_error(&event, stack);
    event.tls13 = true;
    char *tls13 = tlsdiag_client_error(&event, stack);
    if (tls12 != NULL && tls13 != NULL && !strcmp(tls12, tls13)) {
        g_free(tls13);
        return tls12;
    }
    g_free(tls12);
    g_free(tls13);
    return NULL;
}

static void count_line(GArray *counts, const char *flag, int stack, char *line,
                       GHashTable *flow_lines)
{
    char *key = g_strconcat(flag, "\t", line, NULL);
    if (!g_hash_table_add(flow_lines, key)) {
        g_free(line);
        return;
    }
    for (guint i = 0; i < counts->len; i++) {
        struct client_error_count *c = &g_array_index(counts, struct client_error_count, i);
        if (!strcmp(c->flag, flag) && !strcmp(c->line, line)) {
            c->flows++;
            g_free(line);
            return;
        }
    }
    struct client_error_count c = {flag, stack, line, 1};
    g_array_append_val(counts, c);
}

static int by_flag_then_stack(gconstpointer a, gconstpointer b, gpointer first_seen)
{
    const struct client_error_count *x = a, *y = b;
    int fx = GPOINTER_TO_INT(g_hash_table_lookup(first_seen, x->flag));
    int fy = GPOINTER_TO_INT(g_hash_table_lookup(first_seen, y->flag));
    if (fx != fy)
        return fx - fy;
    if (x->stack != y->stack)
        return x->stack - y->stack;
    if (x->flows != y->flows)
        return x->flows > y->flows ? -1 : 1;
    return strcmp(x->line, y->line);
}

GArray *client_errors_count(const GPtrArray *flows)
{
    GArray *counts = g_array_new(FALSE, FALSE, sizeof(struct client_error_count));
    GHashTable *first_seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < flows->len; i++) {
        const struct flow *f = g_ptr_array_index(flows, i);
        /* A flow counts once per flag and line, however many frames. */
        GHashTable *flow_lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (uint32_t e = 0; e < f->n_events; e++) {
            const struct flow_event *ev = &f->events[e];
            for (int stack = 0; stack < TLSDIAG_STACK_COUNT; stack++) {
                char *line = line_of(f, ev, (tlsdiag_stack)stack);
                if (line == NULL)
                    continue;
                if (!g_hash_table_contains(first_seen, ev->flag))
                    g_hash_table_insert(first_seen, (gpointer)ev->flag,
                                        GINT_TO_POINTER(g_hash_table_size(first_seen)));
                count_line(counts, ev->flag, stack, line, flow_lines);
            }
        }
        g_hash_table_destroy(flow_lines);
    }
    g_array_sort_with_data(counts, by_flag_then_stack, first_seen);
    g_hash_table_destroy(first_seen);
    return counts;
}

void client_errors_free(GArray *counts)
{
    for (guint i = 0; i < counts->len; i++)
        g_free(g_array_index(counts, struct client_error_count, i).line);
    g_array_free(counts, TRUE);
}
