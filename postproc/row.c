/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "row.h"

#include <glib.h>
#include <string.h>

static const struct {
    const char *name;
    bool required;
} fields[RF_COUNT] = {
    [RF_FRAME] = {"frame.number", true},
    [RF_TIME] = {"frame.time_epoch", false},
    [RF_STREAM] = {"tcp.stream", true},
    [RF_FLAG] = {"tlsdiag.flag", true},
    [RF_SIDE] = {"tlsdiag.side", false},
    [RF_CLOSE] = {"tlsdiag.close", false},
    [RF_STAGE] = {"tlsdiag.stage", false},
    [RF_VERSION] = {"tlsdiag.version", false},
    [RF_ALERT] = {"tlsdiag.alert", false},
    [RF_CLIENT] = {"tlsdiag.client", false},
    [RF_SERVER] = {"tlsdiag.server", false},
    [RF_SNI] = {"tlsdiag.sni", false},
    [RF_CLIENT_HELLO] = {"tlsdiag.client_hello", false},
    [RF_ELAPSED] = {"tlsdiag.elapsed", false},
    [RF_RETRANSMISSIONS] = {"tlsdiag.retransmissions", false},
    [RF_FB_PREVIOUS] = {"tlsdiag.fallback.previous", false},
    [RF_FB_FAILURE] = {"tlsdiag.fallback.failure", false},
    [RF_FB_FROM] = {"tlsdiag.fallback.from", false},
    [RF_FB_TO] = {"tlsdiag.fallback.to", false},
    [RF_FB_SCSV] = {"tlsdiag.fallback.scsv", false},
    [RF_FB_ATTEMPT] = {"tlsdiag.fallback.attempt", false},
    [RF_HTTP403] = {"tlsdiag.http403", false},
    [RF_RES_OFFERED] = {"tlsdiag.resumption.offered", false},
    [RF_RES_ISSUED] = {"tlsdiag.resumption.issued", false},
    [RF_RES_ISSUER] = {"tlsdiag.resumption.issuer", false},
    [RF_LAST_PROGRESS] = {"tlsdiag.last_progress", false},
    [RF_IDLE] = {"tlsdiag.idle", false},
    [RF_CAPTURE_END] = {"tlsdiag.capture_end", false},
    [RF_STEP_SERVER_HELLO] = {"tlsdiag.step.server_hello", false},
    [RF_STEP_SERVER_FLIGHT] = {"tlsdiag.step.server_flight", false},
    [RF_STEP_CLIENT_FLIGHT] = {"tlsdiag.step.client_flight", false},
    [RF_STEP_COMPLETION] = {"tlsdiag.step.completion", false},
    [RF_LOSS_CLIENT_HELLO] = {"tlsdiag.loss.client_hello_retransmissions", false},
    [RF_LOSS_SERVER] = {"tlsdiag.loss.server_retransmissions", false},
    [RF_LOSS_CLIENT] = {"tlsdiag.loss.client_retransmissions", false},
    [RF_LOSS_DUPLICATE_ACKS] = {"tlsdiag.loss.duplicate_acks", false},
    [RF_LOSS_ZERO_WINDOWS] = {"tlsdiag.loss.zero_windows", false},
    [RF_QUIC_CONNECTION] = {"tlsdiag.quic.connection", false},
    [RF_CERT_PROBLEM] = {"tlsdiag.cert.problem", false},
    [RF_CERT_SUBJECT] = {"tlsdiag.cert.subject", false},
    [RF_CERT_SAN] = {"tlsdiag.cert.san", false},
    [RF_CERT_SPKI_SHA256] = {"tlsdiag.cert.spki_sha256", false},
    [RF_UNREADABLE] = {"tlsdiag.unreadable", false},
    [RF_UNRECORDED] = {"tlsdiag.unrecorded", false},
};

const char *row_field_name(enum row_field f)
{
    return fields[f].name;
}

const char *row_field_suffix(enum row_field f)
{
    return strrchr(fields[f].name, '.') + 1;
}

bool row_field_required(enum row_field f)
{
    return fields[f].required;
}

void row_clear(struct flagged_row *row)
{
    *row = (struct flagged_row){
        .frame = -1,
        .stream = -1,
        .flag = "",
        .side = "",
        .close = "",
        .stage = "",
        .version = -1,
        .alert = -1,
        .client = "",
        .server = "",
        .sni = "",
        .client_hello = -1,
        .retransmissions = -1,
        .fb_previous = -1,
        .fb_failure = -1,
        .fb_from = -1,
        .fb_to = -1,
        .fb_scsv = -1,
        .fb_attempt = -1,
        .http403 = -1,
        .resumption = "",
        .resumption_issued = -1,
        .resumption_issuer = "",
        .last_progress = -1,
        .idle_ns = -1,
        .capture_end = -1,
        .unreadable = -1,
        .unrecorded_ns = -1,
        .quic_connection = -1,
        .cert_problem = "",
        .cert_subject = "",
        .cert_san = "",
        .cert_pin = "",
    };
    for (int i = 0; i < ROW_STEPS; i++)
        row->step_ns[i] = -1;
    for (int i = 0; i < ROW_LOSSES; i++)
        row->loss[i] = -1;
}

/* -E occurrence=a joins values with commas; say so instead of "not a number". */
static const char *occurrence_reason(const char *value, const char *otherwise)
{
    return strchr(value, ',') ? "several values (run tshark with -E occurrence=f)" : otherwise;
}

static bool parse_count(const char *value, int64_t max, int64_t *out, const char **reason)
{
    int64_t v = 0;
    for (const char *p = value; *p; p++) {
        if (*p < '0' || *p > '9' || p - value > 17) {
            *reason = occurrence_reason(value, "not a decimal number");
            return false;
        }
        v = v * 10 + (*p - '0');
    }
    if (v > max) {
        *reason = "number out of range";
        return false;
    }
    *out = v;
    return true;
}

/* Accept what BASE_HEX prints ("0x0303") and plain decimal. */
static bool parse_uint16(const char *value, int32_t *out, const char **reason)
{
    int64_t v = 0;
    if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
        const char *p = value + 2;
        if (!*p || strlen(p) > 4) {
            *reason = occurrence_reason(value, "not a 16-bit hex value like 0x0303");
            return false;
        }
        for (; *p; p++) {
            if (!g_ascii_isxdigit(*p)) {
                *reason = occurrence_reason(value, "not a 16-bit hex value like 0x0303");
                return false;
            }
            v = v * 16 + g_ascii_xdigit_value(*p);
        }
    } else if (!parse_count(value, 0xffff, &v, reason)) {
        return false;
    }
    *out = (int32_t)v;
    return true;
}

/* "1725905756.316962000" to nanoseconds, digits beyond the ninth dropped. */
static bool parse_seconds(const char *value, int64_t *out, const char **reason)
{
    const char *p = value;
    int64_t seconds = 0, nanos = 0;
    int int_digits = 0, frac_digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, int_digits++) {
        if (int_digits < 11)
            seconds = seconds * 10 + (*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, frac_digits++) {
            if (frac_digits < 9)
                nanos = nanos * 10 + (*p - '0');
        }
    }
    if (*p || int_digits + frac_digits == 0 || int_digits > 11 || frac_digits > 30) {
        *reason = occurrence_reason(value, "not decimal seconds");
        return false;
    }
    for (int i = frac_digits; i < 9; i++)
        nanos *= 10;
    /* Nanoseconds in an int64 reach the year 2262; tshark's times fit. */
    if (seconds > (INT64_MAX - nanos) / 1000000000) {
        *reason = "number out of range";
        return false;
    }
    *out = seconds * 1000000000 + nanos;
    return true;
}

/* Vocabulary grows with the plugin: check the shape, not the word. */
static bool parse_token(const char *value, const char **reason)
{
    size_t n = 0;
    for (const char *p = value; *p; p++, n++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.') {
            *reason = occurrence_reason(value, "not a keyword");
            return false;
        }
    }
    if (n > 64) {
        *reason = "keyword too long";
        return false;
    }
    return true;
}

/* "addr:port" or "[addr]:port", as the plugin prints endpoints. */
static bool parse_endpoint(const char *value, const char **reason)
{
    const char *colon = strrchr(value, ':');
    int64_t port;
    const char *port_reason;
    *reason = "not an endpoint like 192.0.2.1:443 or [2001:db8::1]:443";
    if (!colon || colon == value || strlen(value) > 128 ||
        !parse_count(colon + 1, 65535, &port, &port_reason) || colon[1] == '\0')
        return false;
    for (const char *p = value; p < colon; p++) {
        if (*p <= ' ' || *p > '~' || *p == ',')
            return false;
    }
    return true;
}

/* An IPv4 or IPv6 address as tshark prints it, without a port. */
static bool parse_address(const char *value, const char **reason)
{
    size_t n = 0;
    for (const char *p = value; *p; p++, n++) {
        if (!g_ascii_isxdigit(*p) && *p != '.' && *p != ':') {
            *reason = occurrence_reason(value, "not an address like 192.0.2.1 or 2001:db8::1");
            return false;
        }
    }
    if (n > 45) {
        *reason = "address too long";
        return false;
    }
    return true;
}

static bool parse_bool(const char *value, int *out, const char **reason)
{
    if (!strcmp(value, "1") || !g_ascii_strcasecmp(value, "true")) {
        *out = 1;
    } else if (!strcmp(value, "0") || !g_ascii_strcasecmp(value, "false")) {
        *out = 0;
    } else {
        *reason = occurrence_reason(value, "not a boolean (1/0 or True/False)");
        return false;
    }
    return true;
}

/* A certificate's text: UTF-8 without control characters; a SAN also without
 * the separators that would hide several names in one cell. */
static bool parse_cert_text(const char *value, size_t max, bool one_name, const char **reason)
{
    if (!g_utf8_validate(value, -1, NULL)) {
        *reason = "not valid UTF-8";
        return false;
    }
    if (strlen(value) > max) {
        *reason = "text too long";
        return false;
    }
    for (const char *p = value; *p; p++) {
        if ((unsigned char)*p < ' ' || *p == 0x7f || (one_name && (*p == ',' || *p == ' '))) {
            *reason = occurrence_reason(value, "not a certificate name");
            return false;
        }
    }
    return true;
}

/* Base64 of a SHA-256: 44 characters. */
static bool parse_pin(const char *value, const char **reason)
{
    size_t n = strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=");
    if (value[n] || n > 64) {
        *reason = occurrence_reason(value, "not a base64 pin");
        return false;
    }
    return true;
}

bool row_set_field(struct flagged_row *row, enum row_field f, const char *value,
                   const char **reason)
{
    int64_t n;
    if (!*value)
        return true;
    switch (f) {
        case RF_FRAME:
            if (!parse_count(value, INT64_MAX, &row->frame, reason))
                return false;
            if (row->frame == 0) {
                *reason = "frame numbers start at 1";
                return false;
            }
            return true;
        case RF_TIME:
            row->has_time = parse_seconds(value, &row->time_ns, reason);
            return row->has_time;
        case RF_STREAM:
            return parse_count(value, INT64_MAX, &row->stream, reason);
        case RF_FLAG:
            row->flag = value;
            return parse_token(value, reason);
        case RF_SIDE:
            row->side = value;
            return parse_token(value, reason);
        case RF_CLOSE:
            row->close = value;
            return parse_token(value, reason);
        case RF_STAGE:
            row->stage = value;
            return parse_token(value, reason);
        case RF_VERSION:
            return parse_uint16(value, &row->version, reason);
        case RF_FB_FROM:
            return parse_uint16(value, &row->fb_from, reason);
        case RF_FB_TO:
            return parse_uint16(value, &row->fb_to, reason);
        case RF_ALERT:
            if (!parse_count(value, 255, &n, reason))
                return false;
            row->alert = (int32_t)n;
            return true;
        case RF_CLIENT:
            row->client = value;
            return parse_endpoint(value, reason);
        case RF_SERVER:
            row->server = value;
            return parse_endpoint(value, reason);
        case RF_SNI:
            row->sni = value;
            /* ek's "\ud800x" reaches here as bytes that are not UTF-8 (json-glib 1.6). */
            if (!g_utf8_validate(value, -1, NULL)) {
                *reason = "not valid UTF-8";
                return false;
            }
            return true;
        case RF_CLIENT_HELLO:
            return parse_count(value, INT64_MAX, &row->client_hello, reason);
        case RF_ELAPSED:
            row->has_elapsed = parse_seconds(value, &row->elapsed_ns, reason);
            return row->has_elapsed;
        case RF_RETRANSMISSIONS:
            return parse_count(value, INT64_MAX, &row->retransmissions, reason);
        case RF_FB_PREVIOUS:
            return parse_count(value, INT64_MAX, &row->fb_previous, reason);
        case RF_FB_FAILURE:
            return parse_count(value, INT64_MAX, &row->fb_failure, reason);
        case RF_FB_SCSV:
            return parse_bool(value, &row->fb_scsv, reason);
        case RF_FB_ATTEMPT:
            return parse_count(value, INT64_MAX, &row->fb_attempt, reason);
        case RF_HTTP403:
            return parse_count(value, INT64_MAX, &row->http403, reason);
        case RF_RES_OFFERED:
            row->resumption = value;
            return parse_token(value, reason);
        case RF_RES_ISSUED:
            return parse_count(value, INT64_MAX, &row->resumption_issued, reason);
        case RF_RES_ISSUER:
            row->resumption_issuer = value;
            return parse_address(value, reason);
        case RF_LAST_PROGRESS:
            return parse_count(value, INT64_MAX, &row->last_progress, reason);
        case RF_IDLE:
            return parse_seconds(value, &row->idle_ns, reason);
        case RF_CAPTURE_END:
            return parse_bool(value, &row->capture_end, reason);
        case RF_UNREADABLE:
            return parse_count(value, INT64_MAX, &row->unreadable, reason);
        case RF_UNRECORDED:
            return parse_seconds(value, &row->unrecorded_ns, reason);
        case RF_STEP_SERVER_HELLO:
        case RF_STEP_SERVER_FLIGHT:
        case RF_STEP_CLIENT_FLIGHT:
        case RF_STEP_COMPLETION:
            return parse_seconds(value, &row->step_ns[f - RF_STEP_SERVER_HELLO], reason);
        case RF_LOSS_CLIENT_HELLO:
        case RF_LOSS_SERVER:
        case RF_LOSS_CLIENT:
        case RF_LOSS_DUPLICATE_ACKS:
        case RF_LOSS_ZERO_WINDOWS:
            return parse_count(value, UINT32_MAX, &row->loss[f - RF_LOSS_CLIENT_HELLO], reason);
        case RF_QUIC_CONNECTION:
            return parse_count(value, UINT32_MAX, &row->quic_connection, reason);
        case RF_CERT_PROBLEM:
            row->cert_problem = value;
            return parse_token(value, reason);
        case RF_CERT_SUBJECT:
            row->cert_subject = value;
            return parse_cert_text(value, 1024, false, reason);
        case RF_CERT_SAN:
            row->cert_san = value;
            return parse_cert_text(value, 255, true, reason);
        case RF_CERT_SPKI_SHA256:
            row->cert_pin = value;
            return parse_pin(value, reason);
        case RF_COUNT:
            break;
    }
    *reason = "unknown field";
    return false;
}

void row_explain(GString *out, const char *what, enum row_field f, const char *value,
                 const char *reason)
{
    char *shown = g_strescape(value, NULL);
    if (strlen(shown) > 40)
        strcpy(shown + 37, "...");
    g_string_printf(out, "%s %s: %s ('%s')", what, row_field_name(f), reason, shown);
    g_free(shown);
}

bool row_complete(const struct flagged_row *row, const char **reason)
{
    if (row->frame < 0) {
        *reason = "no frame.number";
        return false;
    }
    if (row->stream < 0 && row->flag[0] && row->quic_connection < 0) {
        *reason = "no tcp.stream";
        return false;
    }
    return true;
}

int64_t row_flow_key(const struct flagged_row *row)
{
    if (row->stream < 0 && row->quic_connection >= 0)
        return ROW_QUIC_STREAM_BASE + row->quic_connection;
    return row->stream;
}
