/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_SUMMARY_H
#define TLSDIAG_SUMMARY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "flows.h"

/* Everything a renderer shows, derived from the flows alone. */

#define SUMMARY_TOP 10

/* A count of flows under one key: a pattern, a flag, a server or a client. */
struct tally {
    const char *key;
    uint64_t flows;
    const char *pattern; /* the most common pattern among them (servers, clients) */
    const char *sni;     /* the first SNI seen (servers) */
};

/*
 * Flags that cover a grave and a mild case, counted apart: a resumption that
 * failed the handshake or was declined, a stall or a capture that ended.
 */
struct variant {
    const char *flag;
    const char *variant; /* stable, for scripts: "failed", "declined", ... */
    const char *label;   /* for people */
    uint64_t as_pattern; /* flows with it as their pattern */
    uint64_t flows;      /* flows with it anywhere */
};

/* The variant of a flagged frame; NULL for flags without variants. */
const char *summary_variant(const struct flow_event *ev);

struct histogram {
    int64_t start; /* epoch seconds, a multiple of bucket_seconds */
    int64_t bucket_seconds;
    uint32_t n_buckets;
    uint64_t *counts; /* flows whose first flagged frame falls in each bucket */
    uint64_t untimed; /* flows without frame.time_epoch */
};

struct hint {
    const char *id; /* stable, for scripts */
    uint64_t flows;
    char *text;
};

struct summary {
    GPtrArray *flows;    /* const struct flow *, as flows_sorted() */
    GPtrArray *captures; /* labels */
    struct input_stats stats;
    GArray *by_pattern; /* struct tally, most flows first */
    GArray *by_flag;    /* flows carrying the flag at any frame */
    GArray *by_variant; /* struct variant, in a fixed order, those seen only */
    GArray *servers;
    GArray *clients; /* by address, ports dropped: ports are ephemeral */
    bool has_time;
    int64_t first_time_ns;
    int64_t last_time_ns;
    struct histogram histogram;
    GPtrArray *hints;   /* struct hint *, most important first */
    GPtrArray *strings; /* owns the tally keys */
    GArray *client_errors; /* struct client_error_count */
};

struct summary *summary_build(const struct flows *flows);
void summary_free(struct summary *s);

/* The address of "addr:port" or "[addr]:port", in a caller buffer. */
const char *summary_address(const char *endpoint, char *buf, size_t size);

#endif
