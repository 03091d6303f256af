/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_CLIENT_ERRORS_SUMMARY_H
#define TLSDIAG_CLIENT_ERRORS_SUMMARY_H

#include <glib.h>
#include <stdint.h>

/*
 * What client stacks report for the flagged frames, counted in flows: the
 * engine's table (plugin/engine/client_errors.c) applied to each event.
 */
struct client_error_count {
    const char *flag;
    int stack;  /* tlsdiag_stack */
    char *line; /* "iOS/macOS: errSSLClosedNoNotify (-9816) ..." */
    uint64_t flows;
};

/* flows: const struct flow *. Grouped by flag in order of first appearance,
 * then by stack. Free with client_errors_free. */
GArray *client_errors_count(const GPtrArray *flows);
void client_errors_free(GArray *counts);

#endif
