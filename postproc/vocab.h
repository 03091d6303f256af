/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_VOCAB_H
#define TLSDIAG_VOCAB_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "flows.h"
#include "vocabulary.h"

/* Names people know for the numbers the plugin prints. */

/* "TLS 1.2" for 0x0303; NULL when unknown. */
const char *vocab_version_name(int32_t version);
/* "unknown_ca" for 48; NULL when unknown. */
const char *vocab_alert_name(int32_t alert);
/* The flag the plugin names NAME is FLAG (names of newer plugins are no flag). */
bool vocab_flag_is(const char *name, tlsdiag_flag flag);

/* How a flagged frame ended things: "server RST at client_hello". */
void vocab_describe_end(GString *out, const struct flow_event *ev);
/* "after the ClientHello" for client_hello; the stage itself when unknown. */
const char *vocab_stage_phrase(const char *stage);

/* "ServerHello", "server flight", "client flight", "completion": step i of ROW_STEPS. */
const char *vocab_step_name(int step);
/* The longest step of an event; -1 when it has none. */
int vocab_slowest_step(const struct flow_event *ev);
/* What a stalled handshake waits for, from who owes it and the stage: "the ServerHello". */
const char *vocab_awaited(const char *side, const char *stage);
/* Retransmissions and other loss an event counts; 0 when it has none or says nothing. */
int64_t vocab_retransmissions(const struct flow_event *ev);
/* "1 ClientHello retransmission, 2 duplicate ACKs"; empty when none. */
void vocab_describe_loss(GString *out, const struct flow_event *ev);
/*
 * resumption_refused and resumption_other_server cover a failed handshake (an
 * alert before any ServerHello) and a declined one (a full handshake instead).
 */
bool vocab_resumption_failed(const struct flow_event *ev);
/* "session ticket" for ticket, as tlsdiag.resumption.offered says it. */
const char *vocab_resumption_name(const char *offered);

/* "10 min", "6 h", "2 d": a bucket size or time span, rounded for reading. */
const char *vocab_duration(int64_t seconds, char *buf, size_t size);

/*
 * UTC time of epoch nanoseconds: "2024-09-09T18:15:56.316962000Z" exact,
 * or "2024-09-09 18:15:56.316" for people.
 */
const char *vocab_time(int64_t ns, bool exact, char *buf, size_t size);

/* "1 h 54 min", "3 d 4 h", "12 s": an arbitrary span, two units at most. */
const char *vocab_span(int64_t seconds, char *buf, size_t size);

#endif
