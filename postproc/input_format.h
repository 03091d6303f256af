/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_INPUT_FORMAT_H
#define TLSDIAG_INPUT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "row.h"

/* What one line of tshark output turned out to be. */
enum line_kind {
    LINE_ROW,       /* *row is filled; its strings borrow from the parser */
    LINE_NOTE,      /* a tlsdiag row without a flag: a back-reference note */
    LINE_IGNORED,   /* ek index line */
    LINE_HEADER,    /* a fields header: a new tshark run begins */
    LINE_MALFORMED, /* *why says what is wrong */
    LINE_FATAL,     /* the input cannot be read on: *why says why */
};

/* tshark -T fields -E header=y -E separator=/t: columns found by header name. */
struct fields_parser;
struct fields_parser *fields_parser_new(void);
void fields_parser_free(struct fields_parser *p);
bool fields_line_is_header(const char *line);
/* line is split in place; *why is owned by the parser until the next call. */
enum line_kind fields_parse_line(struct fields_parser *p, char *line, struct flagged_row *row,
                                 const char **why);
/* Optional columns the current header lacks, comma-separated, or NULL. */
const char *fields_missing_optional(struct fields_parser *p);

/* tshark -T ek: one JSON document per line, with or without -e. */
struct ek_parser;
struct ek_parser *ek_parser_new(void);
void ek_parser_free(struct ek_parser *p);
enum line_kind ek_parse_line(struct ek_parser *p, const char *line, size_t len,
                             struct flagged_row *row, const char **why);
/* A required field no record carried (NULL if all were seen). */
const char *ek_never_seen_required(const struct ek_parser *p);

#endif
