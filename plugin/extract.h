/* extract.h
 * Reads the TCP and TLS fields tlsdiag needs from a dissected frame and
 * fills an engine observation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_EXTRACT_H
#define TLSDIAG_EXTRACT_H

#include <epan/packet.h>

#include "engine/observation.h"
#include "engine/quic.h"

/* Resolves the field ids once all protocols are registered (handoff). */
void tlsdiag_extract_resolve_fields(void);

/* What the capture showed so far (bits): some fields are wanted only then. */
enum {
    TLSDIAG_SEEN_QUIC = 1u << 0,       /* a QUIC connection */
    TLSDIAG_SEEN_DECRYPTION = 1u << 1, /* a decrypted TLS handshake: responses are readable */
};

/* The field ids for set_postdissector_wanted_hfids(): those every frame
 * needs, and those of what the capture showed (seen: TLSDIAG_SEEN_* bits).
 * Every wanted field costs on every frame. */
GArray *tlsdiag_extract_wanted_fields(unsigned seen);

/* Whether the observation's handshake messages could only be read with
 * the session's keys. */
bool tlsdiag_extract_shows_decryption(const tlsdiag_observation *obs);

/* The wanted fields one frame has: Wireshark's lists of their items, by
 * field and registration. Filled by tlsdiag_extract_collect(), read by the
 * extract functions below for the same frame. */
#define TLSDIAG_EXTRACT_SLOTS 96
#define TLSDIAG_EXTRACT_FIELDS 32

typedef struct {
    uint32_t present; /* a bit per field; items and counts of other fields are not set */
    /* The field's items, all registrations: summed once during the walk,
     * cheaper than walking the lists again for each test of a frame. */
    uint32_t counts[TLSDIAG_EXTRACT_FIELDS];
    GPtrArray *items[TLSDIAG_EXTRACT_SLOTS];
} tlsdiag_frame_fields;

/* false: the frame has none of the wanted fields (most TCP segments). */
bool tlsdiag_extract_collect(proto_tree *tree, tlsdiag_frame_fields *frame);

/* Fills the TCP facts and TLS record types of a TCP segment's observation;
 * false when the segment has nothing for the engine. */
bool tlsdiag_extract_segment(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                             tlsdiag_observation *obs);

/* Before a capture file is read, and after it is closed. */
void tlsdiag_extract_forget_streams(void);

/* The last frame of the TCP connection between client and server that
 * holds frame, of any kind; 0 when no such connection is known. */
uint32_t tlsdiag_extract_last_packet(const tlsdiag_endpoint *client, const tlsdiag_endpoint *server,
                                     uint32_t frame);

/* Adds the handshake messages, alerts and HTTP responses, where the
 * record types show there can be some. */
void tlsdiag_extract_content(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                             tlsdiag_observation *obs);

/* Starts a QUIC observation: the connection, the frame and its time.
 * Returns the connection number's item, where the datagram starts; NULL
 * when the frame has no QUIC connection (a bit test: the cheap test for
 * frames that are not TCP). */
const field_info *tlsdiag_extract_quic(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                                       tlsdiag_quic_observation *obs);

/* Adds the rest: endpoints, the packets' headers, an ICMP error's quote,
 * closes, HTTP/3 responses and handshake messages. */
void tlsdiag_extract_quic_content(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                                  const field_info *connection, tlsdiag_quic_observation *obs);

#endif /* TLSDIAG_EXTRACT_H */
