/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_TSHARK_ARGS_H
#define TLSDIAG_TSHARK_ARGS_H

#include <glib.h>
#include <stdio.h>

/*
 * The tshark options that print what the report reads: two passes, the
 * tlsdiag frames, -T fields with a header, and one -e per field of the
 * report's field table (row.c). Everything after "tshark -r CAPTURE".
 * Appends borrowed strings to args.
 */
void tshark_args_append(GPtrArray *args);

/* The same, on one line as a shell takes it: for scripts that run tshark. */
void tshark_args_print(FILE *out);

#endif
