/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_FLOWS_H
#define TLSDIAG_FLOWS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "row.h"

/*
 * Flagged flows keyed by (capture, tcp.stream). Memory grows with the
 * number of flagged flows only; every other view of the report is derived
 * from them, which is what lets separately made reports merge exactly.
 */

/* A flow keeps at most this many flagged frames (the earliest); it counts all. */
#define FLOW_MAX_EVENTS 32

/* One flagged frame. Strings are interned and live as long as the flows. */
struct flow_event {
    int64_t frame;
    int64_t time_ns;
    bool has_time;
    bool has_elapsed;
    const char *flag;
    const char *side;
    const char *close;
    const char *stage;
    int32_t version;
    int32_t alert;
    int64_t client_hello;
    int64_t elapsed_ns;
    int64_t retransmissions;
    int64_t fb_previous;
    int64_t fb_failure;
    int32_t fb_from;
    int32_t fb_to;
    int fb_scsv;
    int64_t fb_attempt;
    int64_t http403;
    const char *resumption; /* "" when none was offered */
    int64_t resumption_issued;
    const char *resumption_issuer;
    int64_t last_progress;
    int64_t idle_ns; /* durations and counters: -1 when absent */
    int capture_end;
    int64_t unreadable; /* -1 absent */
    int64_t unrecorded_ns; /* -1 absent */
    int64_t step_ns[ROW_STEPS];
    int64_t loss[ROW_LOSSES];
    /* The server's certificate, on the frames it can explain: "" when absent. */
    const char *cert_problem;
    const char *cert_subject;
    const char *cert_san;
    const char *cert_pin;
};

struct flow {
    const char *capture;
    int64_t stream;
    const char *client; /* "" when unknown */
    const char *server;
    const char *sni;
    struct flow_event *events; /* by frame; events[0].flag is the flow's pattern */
    uint32_t n_events;
    uint64_t events_total;
};

/*
 * One line's worth of a flow: how it ended from its last flagged frame (side,
 * close, stage, alert), the chain's versions and links from the earliest
 * frame that has each.
 */
void flow_overview(const struct flow *f, struct flow_event *out);

struct flows;

struct flows *flows_new(void);
void flows_free(struct flows *flows);

/* A new tshark run: label made unique in this report ("x", "x#2", ...). */
const char *flows_begin_capture(struct flows *flows, const char *label);
/* A capture by its exact label, as a merged report names it. */
const char *flows_capture(struct flows *flows, const char *label);

void flows_add_row(struct flows *flows, const char *capture, const struct flagged_row *row);
/*
 * Merge one flow of a report: events as listed there, events_total as it
 * counted. Event strings need not be interned.
 */
void flows_merge(struct flows *flows, const char *capture, int64_t stream, const char *client,
                 const char *server, const char *sni, const struct flow_event *events,
                 uint32_t n_events, uint64_t events_total);
void flows_add_stats(struct flows *flows, const struct input_stats *stats);

const struct input_stats *flows_stats(const struct flows *flows);
uint64_t flows_count(const struct flows *flows);
/* Flows by capture label, then first frame. Free with g_ptr_array_unref. */
GPtrArray *flows_sorted(const struct flows *flows);
/* Capture labels, sorted. Free with g_ptr_array_unref. */
GPtrArray *flows_captures(const struct flows *flows);

#endif
