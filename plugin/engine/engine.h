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
#include "quic.h"
#include "verdict.h"

typedef struct {
    /* A later ClientHello links to a failed attempt only this soon after it. */
    int64_t fallback_window_ns;
    /* A handshake without progress for longer than this has stalled. */
    int64_t stall_timeout_ns;
    /* A handshake that took longer than this to complete was slow. */
    int64_t slow_handshake_ns;
    /* Judge server chains against this machine's trust store (untrusted_root). */
    bool check_trust;
    /* The frame of the last packet of any kind (bare ACKs included, which
     * the engine never sees) of the TCP connection that holds frame; 0 when
     * unknown. NULL: never known. Asked only when the capture ends. */
    uint32_t (*last_packet)(const tlsdiag_endpoint *client, const tlsdiag_endpoint *server,
                            uint32_t frame);
} tlsdiag_settings;

#define TLSDIAG_DEFAULT_FALLBACK_WINDOW_S 60
#define TLSDIAG_DEFAULT_STALL_TIMEOUT_S 5
#define TLSDIAG_DEFAULT_SLOW_HANDSHAKE_S 3

typedef struct tlsdiag_engine tlsdiag_engine;

tlsdiag_engine *tlsdiag_engine_new(const tlsdiag_settings *settings);
void tlsdiag_engine_free(tlsdiag_engine *engine);

void tlsdiag_engine_observe(tlsdiag_engine *engine, const tlsdiag_observation *obs);

/* A frame with QUIC (quic.h): observed in capture order with the rest. */
void tlsdiag_engine_observe_quic(tlsdiag_engine *engine, const tlsdiag_quic_observation *obs);

/* Whether the engine reads more of a QUIC frame than its connection
 * number: not once the connection completed its handshake (pass the frame
 * then, tlsdiag_engine_pass_frame). */
bool tlsdiag_engine_wants_quic_content(const tlsdiag_engine *engine,
                                       const tlsdiag_quic_observation *obs);

/* Whether the engine reads an observation's handshake messages, alerts and
 * HTTP responses (tlsdiag_observation after record_types): not on a stream
 * whose story is over, except for tickets issued after the handshake.
 * Reading them costs more than the rest of the observation. */
bool tlsdiag_engine_wants_content(const tlsdiag_engine *engine, const tlsdiag_observation *obs);

/* Instead of tlsdiag_engine_observe or _observe_quic, for a frame whose
 * content the engine does not want (a story that is over): the frame only
 * moves the capture's clock on, and shows nothing. Many frames of a
 * capture are such frames (two in five of the TLS segments of the
 * benchmark's); this spares them the rest of the engine's code. */
void tlsdiag_engine_pass_frame(tlsdiag_engine *engine, int64_t time_ns);

/* The first pass is over: handshakes still incomplete stalled at the end
 * of the capture. Cheap to call again; a later observation undoes it (a
 * GUI shows frames while it still reads the file). */
void tlsdiag_engine_capture_end(tlsdiag_engine *engine);

/* Copies what frame shows into *report; false when it shows nothing
 * (*report is then left as it was). Asked on every frame: a bit test when
 * the frame shows nothing. */
bool tlsdiag_engine_report(const tlsdiag_engine *engine, uint32_t frame,
                           tlsdiag_frame_report *report);

#endif /* TLSDIAG_ENGINE_H */
