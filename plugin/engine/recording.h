/* recording.h
 * Gaps in the recording: stretches where the whole capture has no TCP packet,
 * as where mergecap -a joined recordings made days or years apart. A
 * handshake whose packets stop before such a gap was cut by the recording;
 * the silence says nothing about the handshake.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_RECORDING_H
#define TLSDIAG_RECORDING_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

/* No packet at all, from any connection, for this long. TCP retransmits a
 * stalled segment at least every 2 minutes (the largest RTO), so a live
 * recording of a stalled handshake has no silence this long. */
#define TLSDIAG_RECORDING_GAP_NS (600LL * 1000000000)

/* Open so that the per-frame observation inlines: a comparison per frame,
 * a call per gap. */
typedef struct tlsdiag_recording {
    GArray *gaps; /* of start and end times, in capture order */
    int64_t latest_ns;
    bool any;
} tlsdiag_recording;

tlsdiag_recording *tlsdiag_recording_new(void);
void tlsdiag_recording_free(tlsdiag_recording *recording);

void tlsdiag_recording_add_gap(tlsdiag_recording *recording, int64_t start_ns, int64_t end_ns);

/* Every frame of the first pass, in capture order. */
static inline void tlsdiag_recording_observe(tlsdiag_recording *recording, int64_t time_ns)
{
    int64_t silence;
    if (recording->any && !__builtin_sub_overflow(time_ns, recording->latest_ns, &silence) &&
        silence > TLSDIAG_RECORDING_GAP_NS)
        tlsdiag_recording_add_gap(recording, recording->latest_ns, time_ns);
    if (!recording->any || time_ns > recording->latest_ns)
        recording->latest_ns = time_ns;
    recording->any = true;
}

/* Where the recording of from_ns ends: the start of the first gap after
 * from_ns, if one starts before to_ns; else to_ns. A handshake can only
 * have stalled within its own recording: what follows a gap is another. */
int64_t tlsdiag_recording_end_after(const tlsdiag_recording *recording, int64_t from_ns,
                                    int64_t to_ns);

/* How much of the time from from_ns to to_ns lies in gaps. */
int64_t tlsdiag_recording_gap_within(const tlsdiag_recording *recording, int64_t from_ns,
                                     int64_t to_ns);

#endif /* TLSDIAG_RECORDING_H */
