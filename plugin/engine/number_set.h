/* number_set.h
 * A set of connection or frame numbers (tcp.stream, quic.connection.number,
 * frame.number), which Wireshark hands out densely: one bit each, and a
 * hash set for the numbers beyond the bitmap's reach (corrupt or synthetic
 * input).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_NUMBER_SET_H
#define TLSDIAG_NUMBER_SET_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

typedef struct {
    uint8_t *bits;
    uint32_t byte_count;
    GHashTable *beyond;
} tlsdiag_number_set;

#define TLSDIAG_NUMBER_SET_BITMAP_LIMIT (1u << 27)

bool tlsdiag_number_set_contains_beyond(const tlsdiag_number_set *set, uint32_t number);

/* Asked on every TCP and QUIC frame: inline, a bit test. */
static inline bool tlsdiag_number_set_contains(const tlsdiag_number_set *set, uint32_t number)
{
    if (number < TLSDIAG_NUMBER_SET_BITMAP_LIMIT)
        return number / 8 < set->byte_count && (set->bits[number / 8] & (1u << (number % 8))) != 0;
    return tlsdiag_number_set_contains_beyond(set, number);
}

void tlsdiag_number_set_add(tlsdiag_number_set *set, uint32_t number);
void tlsdiag_number_set_clear(tlsdiag_number_set *set);

#endif /* TLSDIAG_NUMBER_SET_H */
