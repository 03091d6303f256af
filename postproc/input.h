/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_INPUT_H
#define TLSDIAG_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "row.h"

/* Reads tshark -T fields or -T ek output (detected from the first line). */

struct input_stats {
    uint64_t rows; /* data rows, flagged or not */
    uint64_t flagged_rows;
    uint64_t note_rows;
    uint64_t malformed_lines;
    /* handshake_abandoned rows: connections the client closed as surplus,
     * counted apart and kept out of the flagged flows. */
    uint64_t abandoned_rows;
};

struct input_handler {
    void *ctx;
    /*
     * One tshark run begins (a header, or frame numbers starting over):
     * tcp.stream numbers restart. Returns the run's label, unique in this
     * report and alive until the end; rows of the run carry it.
     */
    const char *(*begin_capture)(void *ctx, const char *label);
    void (*row)(void *ctx, const char *capture, const struct flagged_row *row);
};

struct input_options {
    const char *label; /* NULL: the path ("-" for stdin) */
    bool allow_empty;
};

/*
 * path "-" is stdin. Problems are reported on stderr naming the file and
 * line. Returns false if the input could not be read as tshark output;
 * rows delivered before that still count.
 */
bool input_read(const char *path, const struct input_options *options,
                const struct input_handler *handler, struct input_stats *stats);

/* The same over an open stream; name is what messages call it. */
bool input_read_stream(FILE *fp, const char *name, const struct input_options *options,
                       const struct input_handler *handler, struct input_stats *stats);

#endif
