/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "line_reader.h"

#include <glib.h>
#include <string.h>

struct line_reader {
    FILE *fp;
    size_t max_line;
    char chunk[65536];
    size_t chunk_pos;
    size_t chunk_len;
    GByteArray *line;
    uint64_t lineno;
    bool eof;
};

struct line_reader *line_reader_new(FILE *fp, size_t max_line)
{
    struct line_reader *lr = g_new0(struct line_reader, 1);
    lr->fp = fp;
    lr->max_line = max_line;
    lr->line = g_byte_array_new();
    return lr;
}

void line_reader_free(struct line_reader *lr)
{
    if (!lr)
        return;
    g_byte_array_free(lr->line, TRUE);
    g_free(lr);
}

uint64_t line_reader_lineno(const struct line_reader *lr)
{
    return lr->lineno;
}

static bool refill(struct line_reader *lr)
{
    if (lr->eof)
        return false;
    lr->chunk_len = fread(lr->chunk, 1, sizeof lr->chunk, lr->fp);
    lr->chunk_pos = 0;
    if (lr->chunk_len == 0) {
        lr->eof = true;
        return false;
    }
    return true;
}

enum line_status line_reader_next(struct line_reader *lr, char **line, size_t *len)
{
    bool too_long = false;
    bool newline = false;
    static const guint8 nul = 0;

    g_byte_array_set_size(lr->line, 0);
    while (!newline) {
        if (lr->chunk_pos == lr->chunk_len && !refill(lr))
            break;
        const char *start = lr->chunk + lr->chunk_pos;
        size_t avail = lr->chunk_len - lr->chunk_pos;
        const char *nl = memchr(start, '\n', avail);
        size_t take = nl ? (size_t)(nl - start) : avail;
        newline = nl != NULL;
        lr->chunk_pos += take + (newline ? 1 : 0);
        if (too_long || lr->line->len + take > lr->max_line) {
            too_long = true;
            g_byte_array_set_size(lr->line, 0);
            continue;
        }
        g_byte_array_append(lr->line, (const guint8 *)start, (guint)take);
    }
    if (ferror(lr->fp))
        return LINE_IO_ERROR;
    if (!newline && lr->line->len == 0 && !too_long)
        return LINE_EOF;
    lr->lineno++;
    if (too_long)
        return LINE_TOO_LONG;
    if (lr->line->len > 0 && lr->line->data[lr->line->len - 1] == '\r')
        g_byte_array_set_size(lr->line, lr->line->len - 1);
    *len = lr->line->len;
    g_byte_array_append(lr->line, &nul, 1);
    *line = (char *)lr->line->data;
    return newline ? LINE_OK : LINE_TRUNCATED;
}
