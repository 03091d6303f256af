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
    GPtrArray *reports; /* copies handed out by fixture_report */
} fixture;

/* The plugin's default preferences. */
static inline tlsdiag_settings fixture_settings(void)
{
    tlsdiag_settings settings = {
        .fallback_window_ns = 60 * SEC,
        .stall_timeout_ns = 5 * SEC,
        .slow_handshake_ns = 3 * SEC,
    };
    return settings;
}

static inline void fixture_set_up(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    tlsdiag_settings settings = fixture_settings();
    f->engine = tlsdiag_engine_new(&settings);
    f->reports = g_ptr_array_new_with_free_func(g_free);
}

static inline void fixture_tear_down(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    tlsdiag_engine_free(f->engine);
    g_ptr_array_free(f->reports, TRUE);
}

/* What frame shows as the engine sees it now, kept until the test ends;
 * NULL when it shows nothing. */
static inline const tlsdiag_frame_report *fixture_report(fixture *f, uint32_t frame)
{
    tlsdiag_frame_report *report = g_new(tlsdiag_frame_report, 1);
    if (!tlsdiag_engine_report(f->engine, frame, report)) {
        g_free(report);
        return NULL;
    }
    g_ptr_array_add(f->reports, report);
    return report;
}

/* 10.0.0.last_octet:port */
static inline tlsdiag_endpoint ipv4(uint8_t last_octet, uint16_t port)
{
    tlsdiag_endpoint endpoint = {.family = 4, .addr = {10, 0, 0, last_octet}, .port = port};
    return endpoint;
}

#endif /* TLSDIAG_ENGINE_FIXTURE_H */
