/* engine_fixture.h
 * What the engine's unit tests share: time units, an engine with the
 * default preferences per test, and the addresses of scripted hosts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_ENGINE_FIXTURE_H
#define TLSDIAG_ENGINE_FIXTURE_H

#include <glib.h>

#include "engine/engine.h"

#define US 1000LL
#define MS 1000000LL
#define SEC (1000 * MS)

typedef struct {
    tlsdiag_engine *engine;
} fixture;

/* The plugin's default preferences. */
static inline void fixture_set_up(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    tlsdiag_settings settings = {
        .fallback_window_ns = 60 * SEC,
        .stall_timeout_ns = 5 * SEC,
        .slow_handshake_ns = 3 * SEC,
    };
    f->engine = tlsdiag_engine_new(&settings);
}

static inline void fixture_tear_down(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    tlsdiag_engine_free(f->engine);
}

/* 10.0.0.last_octet:port */
static inline tlsdiag_endpoint ipv4(uint8_t last_octet, uint16_t port)
{
    tlsdiag_endpoint endpoint = {.family = 4, .addr = {10, 0, 0, last_octet}, .port = port};
    return endpoint;
}

#endif /* TLSDIAG_ENGINE_FIXTURE_H */
