/* recording.c
 * Gaps in the recording, found from the times of all frames.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "recording.h"

typedef struct {
    int64_t start_ns;
    int64_t end_ns;
} gap;

tlsdiag_recording *tlsdiag_recording_new(void)
{
    tlsdiag_recording *recording = g_new0(tlsdiag_recording, 1);
    recording->gaps = g_array_new(FALSE, FALSE, sizeof(gap));
    return recording;
}

void tlsdiag_recording_free(tlsdiag_recording *recording)
{
    if (recording == NULL)
        return;
    g_array_free(recording->gaps, TRUE);
    g_free(recording);
}

void tlsdiag_recording_add_gap(tlsdiag_recording *recording, int64_t start_ns, int64_t end_ns)
{
    gap found = {.start_ns = start_ns, .end_ns = end_ns};
    g_array_append_val(recording->gaps, found);
}

int64_t tlsdiag_recording_end_after(const tlsdiag_recording *recording, int64_t from_ns,
                                    int64_t to_ns)
{
    for (guint i = 0; i < recording->gaps->len; i++) {
        const gap *g = &g_array_index(recording->gaps, gap, i);
        if (g->start_ns >= from_ns && g->start_ns < to_ns)
            return g->start_ns;
    }
    return to_ns;
}

int64_t tlsdiag_recording_gap_within(const tlsdiag_recording *recording, int64_t from_ns,
                                     int64_t to_ns)
{
    int64_t total = 0;
    for (guint i = 0; i < recording->gaps->len; i++) {
        const gap *g = &g_array_index(recording->gaps, gap, i);
        int64_t start = MAX(g->start_ns, from_ns);
        int64_t end = MIN(g->end_ns, to_ns);
        int64_t length;
        if (end <= start)
            continue;
        if (__builtin_sub_overflow(end, start, &length) ||
            __builtin_add_overflow(total, length, &total))
            return INT64_MAX;
    }
    return total;
}
