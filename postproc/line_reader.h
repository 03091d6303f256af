/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_LINE_READER_H
#define TLSDIAG_LINE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Lines of any length arrive, but memory stays bounded: a line longer than
 * the limit is consumed and reported as too long, never buffered whole.
 */
struct line_reader;

enum line_status {
    LINE_OK,
    LINE_TOO_LONG,  /* content dropped; line number still counts */
    LINE_TRUNCATED, /* last line without newline: tshark was cut off */
    LINE_EOF,
    LINE_IO_ERROR,
};

struct line_reader *line_reader_new(FILE *fp, size_t max_line);
void line_reader_free(struct line_reader *lr);

/*
 * Next line without its "\n" or "\r\n", NUL-terminated; *len excludes the
 * terminator and counts embedded NUL bytes, which the caller must check.
 */
enum line_status line_reader_next(struct line_reader *lr, char **line, size_t *len);
uint64_t line_reader_lineno(const struct line_reader *lr);

#endif
