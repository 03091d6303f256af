/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vocab.h"

#include <stddef.h>
#include <string.h>

const char *vocab_version_name(int32_t version)
{
    switch (version) {
        case 0x0002:
            return "SSL 2.0";
        case 0x0300:
            return "SSL 3.0";
        case 0x0301:
            return "TLS 1.0";
        case 0x0302:
            return "TLS 1.1";
        case 0x0303:
            return "TLS 1.2";
        case 0x0304:
            return "TLS 1.3";
        default:
            return NULL;
    }
}

/* RFC 8446 section 6 and its predecessors' retired codes. */
static const struct {
    int32_t code;
    const char *name;
} alerts[] = {
    {0, "close_notify"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
};

const char *vocab_alert_name(int32_t alert)
{
    for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++) {
        if (alerts[i].code == alert)
            return alerts[i].name;
    }
    return NULL;
}

static bool is_retry_flag(const char *flag)
{
    return !strcmp(flag, "version_fallback") || !strcmp(flag, "retry_after_failure") ||
           !strcmp(flag, "fallback_scsv");
}

const char *vocab_step_name(int step)
{
    static const char *const names[ROW_STEPS] = {"ServerHello", "server flight", "client flight",
                                                 "completion"};
    return step >= 0 && step < ROW_STEPS ? names[step] : "?";
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
    if (!strcmp(side, "client"))
        return "the client's key exchange";
    if (!strcmp(stage, "client_flight"))
        return "the server's confirmation";
    if (!strcmp(stage, "client_hello"))
        return "the ServerHello";
    if (!strcmp(stage, "server_hello"))
        return "the server's flight";
    return "the next handshake message";
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
    if (!strcmp(offered, "session_id"))
        return "session ID";
    if (!strcmp(offered, "ticket"))
        return "session ticket";
    if (!strcmp(offered, "psk"))
        return "TLS 1.3 PSK";
    return *offered ? offered : "session";
}

static bool is_resumption_flag(const char *flag)
{
    return !strcmp(flag, "resumption_refused") || !strcmp(flag, "resumption_other_server");
}

/* Timing flags tell their own times; returns false for the other flags. */
static bool describe_timing(GString *out, const struct flow_event *ev)
{
    char idle[32] = "";
    if (ev->idle_ns >= 0)
        g_snprintf(idle, sizeof idle, ", silent %.3f s", ev->idle_ns / 1e9);
    if (!strcmp(ev->flag, "handshake_stalled")) {
        g_string_append_printf(
            out, "%s waiting for %s at %s%s", ev->capture_end == 1 ? "capture ended" : "stalled",
            vocab_awaited(ev->side, ev->stage), *ev->stage ? ev->stage : "?", idle);
        return true;
    }
    if (!strcmp(ev->flag, "handshake_slow")) {
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
    if (is_retry_flag(ev->flag)) {
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
    static const struct {
        const char *stage;
        const char *phrase;
    } phrases[] = {
        {"client_hello", "after the ClientHello"},
        {"server_hello", "after the ServerHello"},
        {"server_flight", "after the server's certificate flight"},
        {"client_flight", "after the client's key exchange and Finished"},
        {"established", "after the handshake completed"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(phrases); i++) {
        if (!strcmp(stage, phrases[i].stage))
            return phrases[i].phrase;
    }
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
