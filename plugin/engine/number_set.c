/* number_set.c
 * Connection numbers as bits (number_set.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "number_set.h"

#include <string.h>

#define BITMAP_LIMIT TLSDIAG_NUMBER_SET_BITMAP_LIMIT

bool tlsdiag_number_set_contains_beyond(const tlsdiag_number_set *set, uint32_t number)
{
    return set->beyond != NULL && g_hash_table_contains(set->beyond, GUINT_TO_POINTER(number));
}

void tlsdiag_number_set_add(tlsdiag_number_set *set, uint32_t number)
{
    if (number >= BITMAP_LIMIT) {
        if (set->beyond == NULL)
            set->beyond = g_hash_table_new(g_direct_hash, g_direct_equal);
        g_hash_table_add(set->beyond, GUINT_TO_POINTER(number));
        return;
    }
    if (number / 8 >= set->byte_count) {
        uint32_t count = MAX(set->byte_count * 2, 1024u);
        while (number / 8 >= count)
            count *= 2;
        set->bits = g_realloc(set->bits, count);
        memset(set->bits + set->byte_count, 0, count - set->byte_count);
        set->byte_count = count;
    }
    set->bits[number / 8] |= (uint8_t)(1u << (number % 8));
}

void tlsdiag_number_set_clear(tlsdiag_number_set *set)
{
    g_free(set->bits);
    if (set->beyond != NULL)
        g_hash_table_destroy(set->beyond);
    memset(set, 0, sizeof *set);
}
