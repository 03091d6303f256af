/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vocab.h"

#include <stddef.h>
#include <string.h>

/* The plugin prints uint16 and uint8 fields; other numbers have no name. */
const char *vocab_version_name(int32_t version)
{
    return version >= 0 && version <= UINT16_MAX ? tlsdiag_version_name((uint16_t)version) : NULL;
}

const char *vocab_alert_name(int32_t alert)
{
    return alert >= 0 && alert <= UINT8_MAX ? tlsdiag_alert_name((uint8_t)alert) : NULL;
}

bool vocab_flag_is(const char *name, tlsdiag_flag flag)
{
    return !strcmp(name, tlsdiag_flag_name(flag));
}

const char *vocab_step_name(int step)
{
    return step >= 0 && step < ROW_STEPS ? tlsdiag_step_name(TLSDIAG_STAGE_SERVER_HELLO + step)
                                         : "?";
}

int vocab_slowest_step(const struct flow_event *ev)
{
    int slowest = -1;
    for (int i = 0; i < ROW_STEPS; i++) {
        if (ev->step_ns[i] >= 0 && (slowest < 0 || ev->step_ns[i] > ev->step_ns[slowest]))
            slowest = i;
    }
    return slowest;
}

/* The plugin's side on a stall is who owes the next message. */
const char *vocab_awaited(const char *side, const char *stage)
{
    return tlsdiag_awaited_phrase(tlsdiag_side_from_name(side), tlsdiag_stage_from_name(stage));
}

int64_t vocab_retransmissions(const struct flow_event *ev)
{
    int64_t n = 0;
    bool detailed = false;
    /* The detailed counters split the total; older inputs have the total only. */
    for (int i = 0; i < 3; i++) {
        if (ev->loss[i] >= 0) {
            n += ev->loss[i];
            detailed = true;
        }
    }
    if (!detailed && ev->retransmissions > 0)
        n = ev->retransmissions;
    return n;
}

void vocab_describe_loss(GString *out, const struct flow_event *ev)
{
    static const char *const what[ROW_LOSSES][2] = {
        {"ClientHello retransmission", "ClientHello retransmissions"},
        {"server retransmission", "server retransmissions"},
        {"client flight retransmission", "client flight retransmissions"},
        {"duplicate ACK", "duplicate ACKs"},
        {"zero window", "zero windows"},
    };
    size_t start = out->len;
    bool detailed = false;
    for (int i = 0; i < ROW_LOSSES; i++) {
        if (ev->loss[i] >= 0)
            detailed = true;
        if (ev->loss[i] > 0)
            g_string_append_printf(out, "%s%" G_GINT64_FORMAT " %s", out->len > start ? ", " : "",
                                   ev->loss[i], what[i][ev->loss[i] != 1]);
    }
    if (!detailed && ev->retransmissions > 0)
        g_string_append_printf(out, "%" G_GINT64_FORMAT " retransmission%s", ev->retransmissions,
                               ev->retransmissions == 1 ? "" : "s");
}

bool vocab_resumption_failed(const struct flow_event *ev)
{
    /* A decline answers with a ServerHello; a failure comes before any. */
    return ev->alert >= 0 || !strcmp(ev->stage, "client_hello") || *ev->close;
}

const char *vocab_resumption_name(const char *offered)
{
    static const char *const phrases[TLSDIAG_RESUMPTION_COUNT] = {
        [TLSDIAG_RESUMPTION_SESSION_ID] = "session ID",
        [TLSDIAG_RESUMPTION_TICKET] = "session ticket",
        [TLSDIAG_RESUMPTION_PSK] = "TLS 1.3 PSK",
    };
    tlsdiag_resumption r = tlsdiag_resumption_from_name(offered);
    if (r != TLSDIAG_RESUMPTION_NONE)
        return phrases[r];
    return *offered ? offered : "session";
}

static bool is_resumption_flag(const char *flag)
{
    return vocab_flag_is(flag, TLSDIAG_FLAG_RESUMPTION_REFUSED) ||
           vocab_flag_is(flag, TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER);
}

/* Timing flags tell their own times; returns false for the other flags. */
static bool describe_timing(GString *out, const struct flow_event *ev)
{
    char idle[32] = "";
    if (ev->idle_ns >= 0)
        g_snprintf(idle, sizeof idle, ", silent %.3f s", ev->idle_ns / 1e9);
    if (vocab_flag_is(ev->flag, TLSDIAG_FLAG_HANDSHAKE_STALLED) && ev->unreadable > 0) {
        g_string_append_printf(out,
                               "records unreadable from frame %" G_GINT64_FORMAT
                               " at %s, not known to have stalled",
                               ev->unreadable, *ev->stage ? ev->stage : "?");
        return true;
    }
    if (vocab_flag_is(ev->flag, TLSDIAG_FLAG_HANDSHAKE_STALLED) && ev->unrecorded_ns > 0) {
        g_string_append_printf(out,
                               "no packet of the connection recorded for the last %.3f s, "
                               "waiting for %s at %s, not known to have stalled",
                               ev->unrecorded_ns / 1e9, vocab_awaited(ev->side, ev->stage),
                               *ev->stage ? ev->stage : "?");
        return true;
    }
    if (vocab_flag_is(ev->flag, TLSDIAG_FLAG_HANDSHAKE_STALLED)) {
        g_string_append_printf(
            out, "%s waiting for %s at %s%s", ev->capture_end == 1 ? "capture ended" : "stalled",
            vocab_awaited(ev->side, ev->stage), *ev->stage ? ev->stage : "?", idle);
        return true;
    }
    if (vocab_flag_is(ev->flag, TLSDIAG_FLAG_HANDSHAKE_SLOW)) {
        int slowest = vocab_slowest_step(ev);
        g_string_append(out, "slow handshake");
        if (ev->has_elapsed)
            g_string_append_printf(out, " of %.3f s", ev->elapsed_ns / 1e9);
        if (slowest >= 0)
            g_string_append_printf(out, ", slowest step %s %.3f s", vocab_step_name(slowest),
                                   ev->step_ns[slowest] / 1e9);
        return true;
    }
    return false;
}

/* Issue 18: QUIC endings without a TLS alert or a TCP close. */
static bool describe_quic(GString *out, const struct flow_event *ev)
{
    static const struct {
        const char *flag;
        const char *phrase;
    } phrases[] = {
        {"quic_unanswered", "got no QUIC answer"},
        {"quic_fallback_to_tcp", "fell back to TCP after QUIC failed"},
        {"quic_no_common_version", "listed no QUIC version the client came back with"},
        {"quic_retry_loop", "made no progress after a QUIC Retry"},
        {"quic_handshake_closed", "sent a QUIC CONNECTION_CLOSE"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(phrases); i++) {
        if (!strcmp(ev->flag, phrases[i].flag) && (ev->alert < 0 || i + 1 < G_N_ELEMENTS(phrases))) {
            g_string_append_printf(out, "%s %s", *ev->side ? ev->side : "?", phrases[i].phrase);
            if (*ev->stage)
                g_string_append_printf(out, " at %s", ev->stage);
            return true;
        }
    }
    return false;
}

void vocab_describe_end(GString *out, const struct flow_event *ev)
{
    if (describe_quic(out, ev))
        return;
    const char *alert_name = vocab_alert_name(ev->alert);
    /* A flow whose last flagged frame is its retry ClientHello did not fail. */
    if (tlsdiag_flag_is_retry(tlsdiag_flag_from_name(ev->flag))) {
        g_string_append(out, "client retried; no failure flagged after it");
        return;
    }
    if (describe_timing(out, ev))
        return;
    if (is_resumption_flag(ev->flag) && !vocab_resumption_failed(ev)) {
        g_string_append_printf(out, "server declined the %s: full handshake",
                               vocab_resumption_name(ev->resumption));
        return;
    }
    g_string_append(out, *ev->side ? ev->side : "?");
    if (ev->alert >= 0)
        g_string_append_printf(out, " alert %d%s%s", ev->alert, alert_name ? " " : "",
                               alert_name ? alert_name : "");
    if (*ev->close)
        g_string_append_printf(out, " %s", ev->close);
    if (ev->alert < 0 && !*ev->close)
        g_string_append(out, " encrypted alert");
    if (*ev->stage)
        g_string_append_printf(out, " at %s", ev->stage);
}

const char *vocab_stage_phrase(const char *stage)
{
    tlsdiag_stage known = tlsdiag_stage_from_name(stage);
    if (known != TLSDIAG_STAGE_NONE)
        return tlsdiag_stage_phrase_unversioned(known);
    return *stage ? stage : "at an unknown stage";
}

const char *vocab_duration(int64_t seconds, char *buf, size_t size)
{
    if (seconds >= 86400 && seconds % 86400 == 0)
        g_snprintf(buf, size, "%" G_GINT64_FORMAT " d", seconds / 86400);
    else if (seconds >= 3600 && seconds % 3600 == 0)
        g_snprintf(buf, size, "%" G_GINT64_FORMAT " h", seconds / 3600);
    else if (seconds >= 60 && seconds % 60 == 0)
        g_snprintf(buf, size, "%" G_GINT64_FORMAT " min", seconds / 60);
    else
        g_snprintf(buf, size, "%" G_GINT64_FORMAT " s", seconds);
    return buf;
}

const char *vocab_time(int64_t ns, bool exact, char *buf, size_t size)
{
    GDateTime *t = g_date_time_new_from_unix_utc(ns / 1000000000);
    char *day;
    if (!t) {
        g_snprintf(buf, size, "%s", "out of range");
        return buf;
    }
    day = g_date_time_format(t, exact ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
    if (exact)
        g_snprintf(buf, size, "%s.%09" G_GINT64_FORMAT "Z", day, ns % 1000000000);
    else
        g_snprintf(buf, size, "%s.%03" G_GINT64_FORMAT, day, ns % 1000000000 / 1000000);
    g_free(day);
    g_date_time_unref(t);
    return buf;
}

const char *vocab_span(int64_t seconds, char *buf, size_t size)
{
    static const struct {
        int64_t seconds;
        const char *unit;
    } units[] = {{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}};
    for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
        int64_t major = seconds / units[i].seconds;
        if (major == 0 && units[i].seconds > 1)
            continue;
        if (i + 1 < G_N_ELEMENTS(units) && seconds % units[i].seconds >= units[i + 1].seconds)
            g_snprintf(buf, size, "%" G_GINT64_FORMAT " %s %" G_GINT64_FORMAT " %s", major,
                       units[i].unit, seconds % units[i].seconds / units[i + 1].seconds,
                       units[i + 1].unit);
        else
            g_snprintf(buf, size, "%" G_GINT64_FORMAT " %s", major, units[i].unit);
        break;
    }
    return buf;
}
