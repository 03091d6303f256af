/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "input.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "input_format.h"
#include "line_reader.h"
#include "vocabulary.h"

/*
 * Longer than any line tshark writes for the fields we ask for (ek of a
 * full dissection included), short enough that one bad line cannot
 * exhaust memory.
 */
#define MAX_LINE (8u * 1024 * 1024)

#define EXPECTED                                                                                   \
    "expected the output of tshark -T fields -E header=y -E separator=/t (see "                    \
    "tlsdiag-report(1)) or of tshark -T ek"

enum format { FORMAT_UNKNOWN, FORMAT_FIELDS, FORMAT_EK };

struct reader {
    const char *name;
    const char *label;
    const struct input_handler *handler;
    struct input_stats *stats;
    enum format format;
    struct fields_parser *fields;
    struct ek_parser *ek;
    const char *capture;
    int64_t last_frame;
    bool warned_optional;
};

static void begin_capture(struct reader *r)
{
    r->capture = r->handler->begin_capture(r->handler->ctx, r->label);
    r->last_frame = 0;
}

static bool is_blank(const char *line)
{
    for (; *line; line++) {
        if (!g_ascii_isspace(*line))
            return false;
    }
    return true;
}

/* Bytes no tshark writes: reject the line, or the whole input if it is the first. */
static const char *binary_reason(const char *line, size_t len, GString *buf)
{
    const char *nul = memchr(line, '\0', len);
    const char *end;
    if (nul) {
        g_string_printf(buf, "NUL byte at byte %zu", (size_t)(nul - line) + 1);
        return buf->str;
    }
    if (!g_utf8_validate_len(line, len, &end)) {
        g_string_printf(buf, "invalid UTF-8 at byte %zu", (size_t)(end - line) + 1);
        return buf->str;
    }
    return NULL;
}

static bool detect_format(struct reader *r, const char *line, uint64_t lineno)
{
    if (line[0] == '{') {
        r->format = FORMAT_EK;
        r->ek = ek_parser_new();
        return true;
    }
    if (fields_line_is_header(line)) {
        r->format = FORMAT_FIELDS;
        r->fields = fields_parser_new();
        return true;
    }
    if (!strchr(line, '\t') && strstr(line, "frame.number"))
        diag_error(
            r->name, lineno,
            "not tshark output: the header is not tab-separated (run tshark with -E separator=/t)");
    else
        diag_error(r->name, lineno,
                   "not tshark output: no header line naming the columns; " EXPECTED);
    return false;
}

static void deliver(struct reader *r, const struct flagged_row *row)
{
    /* Frame numbers only grow within one tshark run; a restart is a new capture. */
    if (!r->capture || row->frame <= r->last_frame)
        begin_capture(r);
    r->last_frame = row->frame;
    r->stats->rows++;
    if (tlsdiag_flag_from_name(row->flag) == TLSDIAG_FLAG_HANDSHAKE_ABANDONED) {
        r->stats->abandoned_rows++;
    } else if (row->flag[0]) {
        r->stats->flagged_rows++;
        r->handler->row(r->handler->ctx, r->capture, row);
    } else {
        r->stats->note_rows++;
    }
}

static bool handle_line(struct reader *r, char *line, size_t len, bool truncated, uint64_t lineno)
{
    struct flagged_row row;
    const char *why = NULL;
    enum line_kind kind;
    bool first = r->format == FORMAT_UNKNOWN;

    if (first && !detect_format(r, line, lineno))
        return false;
    if (r->format == FORMAT_EK) {
        kind = ek_parse_line(r->ek, line, len, &row, &why);
    } else if (truncated && !fields_line_is_header(line)) {
        kind = LINE_MALFORMED;
        why = "last line has no newline (tshark output cut off?)";
    } else {
        kind = fields_parse_line(r->fields, line, &row, &why);
    }

    switch (kind) {
        case LINE_HEADER: {
            const char *missing = fields_missing_optional(r->fields);
            begin_capture(r);
            if (missing && !r->warned_optional)
                diag_warning(r->name, lineno,
                             "optional columns absent, their details stay empty: %s", missing);
            r->warned_optional = true;
            return true;
        }
        case LINE_ROW:
        case LINE_NOTE:
            deliver(r, &row);
            return true;
        case LINE_IGNORED:
            return true;
        case LINE_MALFORMED:
            if (first) {
                diag_error(r->name, lineno, "not tshark -T ek output: %s%s", why,
                           is_blank(line + 1) ? " (a tlsdiag-report --json report? use --merge)"
                                              : "");
                return false;
            }
            r->stats->malformed_lines++;
            diag_malformed(r->name, lineno, "%s", why);
            return true;
        case LINE_FATAL:
            diag_error(r->name, lineno, "%s", why);
            return false;
    }
    return false;
}

static bool read_lines(struct reader *r, FILE *fp)
{
    struct line_reader *lr = line_reader_new(fp, MAX_LINE);
    GString *buf = g_string_new(NULL);
    bool ok = true;
    char *line;
    size_t len;
    enum line_status status;

    while (ok && (status = line_reader_next(lr, &line, &len)) != LINE_EOF) {
        uint64_t lineno = line_reader_lineno(lr);
        const char *binary;
        if (status == LINE_IO_ERROR) {
            /* The line being read when it failed: it was not counted. */
            diag_error(r->name, lineno + 1, "read error: %s", g_strerror(errno));
            ok = false;
        } else if (status == LINE_TOO_LONG) {
            if (r->format == FORMAT_UNKNOWN) {
                diag_error(r->name, lineno, "not tshark output: first line longer than %u bytes",
                           MAX_LINE);
                ok = false;
            } else {
                r->stats->malformed_lines++;
                diag_malformed(r->name, lineno, "line longer than %u bytes", MAX_LINE);
            }
        } else if ((binary = binary_reason(line, len, buf))) {
            if (r->format == FORMAT_UNKNOWN) {
                diag_error(r->name, lineno,
                           "not tshark output (%s): " EXPECTED "; not a pcap or pcapng capture "
                           "either (convert other formats: editcap -F pcapng FILE OUT)",
                           binary);
                ok = false;
            } else {
                r->stats->malformed_lines++;
                diag_malformed(r->name, lineno, "%s", binary);
            }
        } else if (!is_blank(line)) {
            ok = handle_line(r, line, len, status == LINE_TRUNCATED, lineno);
        }
    }
    line_reader_free(lr);
    g_string_free(buf, TRUE);
    return ok;
}

static bool finish(struct reader *r, const struct input_options *options)
{
    const char *never;
    if (r->format == FORMAT_UNKNOWN) {
        if (options->allow_empty) {
            begin_capture(r);
            return true;
        }
        diag_error(r->name, 0,
                   "empty input: no tshark output (did tshark fail? tshark -T ek prints nothing "
                   "when no frame matches: use --allow-empty)");
        return false;
    }
    if (r->format == FORMAT_EK && r->stats->rows + r->stats->malformed_lines > 0 &&
        (never = ek_never_seen_required(r->ek))) {
        diag_error(r->name, 0,
                   "no ek record has the required field %s (add -e %s to the tshark command)",
                   never, never);
        return false;
    }
    return true;
}

bool input_read_stream(FILE *fp, const char *name, const struct input_options *options,
                       const struct input_handler *handler, struct input_stats *stats)
{
    struct reader r = {
        .name = name,
        .label = options->label ? options->label : name,
        .handler = handler,
        .stats = stats,
    };
    bool ok = read_lines(&r, fp) && finish(&r, options);
    fields_parser_free(r.fields);
    ek_parser_free(r.ek);
    return ok;
}

bool input_read(const char *path, const struct input_options *options,
                const struct input_handler *handler, struct input_stats *stats)
{
    bool is_stdin = !strcmp(path, "-");
    struct input_options named = *options;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    bool ok;

    if (!fp) {
        diag_error(path, 0, "cannot open: %s", g_strerror(errno));
        return false;
    }
    if (!named.label)
        named.label = path;
    ok = input_read_stream(fp, is_stdin ? "<stdin>" : path, &named, handler, stats);
    if (!is_stdin)
        fclose(fp);
    return ok;
}
