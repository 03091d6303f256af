/* engine.h
 * The tlsdiag detection engine: observations in, frame reports out.
 * One engine per capture file; feed it every frame of the first pass in
 * capture order, then look reports up by frame number as often as needed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_ENGINE_H
#define TLSDIAG_ENGINE_H

#include "observation.h"
#include "verdict.h"

typedef struct {
    /* A later ClientHello links to a failed attempt only this soon after it. */
    int64_t fallback_window_ns;
} tlsdiag_settings;

#define TLSDIAG_DEFAULT_FALLBACK_WINDOW_S 60

typedef struct tlsdiag_engine tlsdiag_engine;

tlsdiag_engine *tlsdiag_engine_new(const tlsdiag_settings *settings);
void tlsdiag_engine_free(tlsdiag_engine *engine);

void tlsdiag_engine_observe(tlsdiag_engine *engine, const tlsdiag_observation *obs);

/* NULL when the frame shows nothing. Valid until the engine is freed. */
const tlsdiag_frame_report *tlsdiag_engine_report(const tlsdiag_engine *engine, uint32_t frame);

#endif /* TLSDIAG_ENGINE_H */
