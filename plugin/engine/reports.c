/* reports.c
 * The per-frame report store (reports.h).
 *
 * A verdict holds the facts of every story (fallback chains, timing,
 * siblings, certificates, QUIC) and one frame's verdict fills few of them:
 * most of a report's 8-byte words are zero. A packed report keeps a mask
 * of its nonzero words and those words alone, a fifth of the whole on the
 * verdicts of the benchmark capture.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "reports.h"

#include <string.h>

#include "number_set.h"

#define REPORT_WORDS ((sizeof(tlsdiag_frame_report) + 7) / 8)
#define MASK_WORDS ((REPORT_WORDS + 63) / 64)

struct tlsdiag_report_store {
    GHashTable *packed;        /* frame -> uint64_t[]: mask, then the nonzero words */
    GHashTable *open;          /* frame -> tlsdiag_frame_report, written since the last settle */
    tlsdiag_number_set frames; /* frames with a report, packed or open */
    bool any_open;             /* settle is asked on every frame */
};

typedef union {
    tlsdiag_frame_report report;
    uint64_t words[REPORT_WORDS];
} report_words;

static uint64_t *pack(const tlsdiag_frame_report *report)
{
    report_words whole;
    memset(&whole, 0, sizeof whole);
    whole.report = *report;

    uint64_t mask[MASK_WORDS];
    memset(mask, 0, sizeof mask);
    size_t count = 0;
    for (size_t i = 0; i < REPORT_WORDS; i++) {
        if (whole.words[i] != 0) {
            mask[i / 64] |= UINT64_C(1) << (i % 64);
            count++;
        }
    }

    uint64_t *packed = g_new(uint64_t, MASK_WORDS + count);
    memcpy(packed, mask, sizeof mask);
    uint64_t *next = packed + MASK_WORDS;
    for (size_t i = 0; i < REPORT_WORDS; i++) {
        if (whole.words[i] != 0)
            *next++ = whole.words[i];
    }
    return packed;
}

static void unpack(const uint64_t *packed, tlsdiag_frame_report *report)
{
    report_words whole;
    const uint64_t *next = packed + MASK_WORDS;
    for (size_t i = 0; i < REPORT_WORDS; i++)
        whole.words[i] = (packed[i / 64] >> (i % 64)) & 1 ? *next++ : 0;
    *report = whole.report;
}

tlsdiag_report_store *tlsdiag_report_store_new(void)
{
    tlsdiag_report_store *store = g_new0(tlsdiag_report_store, 1);
    store->packed = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    store->open = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return store;
}

void tlsdiag_report_store_free(tlsdiag_report_store *store)
{
    if (store == NULL)
        return;
    g_hash_table_destroy(store->packed);
    g_hash_table_destroy(store->open);
    tlsdiag_number_set_clear(&store->frames);
    g_free(store);
}

tlsdiag_frame_report *tlsdiag_report_for_frame(tlsdiag_report_store *store, uint32_t frame)
{
    gpointer key = GUINT_TO_POINTER(frame);
    tlsdiag_frame_report *report = g_hash_table_lookup(store->open, key);
    if (report != NULL)
        return report;

    report = g_new0(tlsdiag_frame_report, 1);
    const uint64_t *packed = g_hash_table_lookup(store->packed, key);
    if (packed != NULL)
        unpack(packed, report);
    else
        tlsdiag_number_set_add(&store->frames, frame);
    g_hash_table_insert(store->open, key, report);
    store->any_open = true;
    return report;
}

void tlsdiag_report_store_settle(tlsdiag_report_store *store)
{
    if (!store->any_open)
        return;
    store->any_open = false;
    GHashTableIter iter;
    gpointer frame, report;
    g_hash_table_iter_init(&iter, store->open);
    while (g_hash_table_iter_next(&iter, &frame, &report))
        g_hash_table_replace(store->packed, frame, pack(report));
    g_hash_table_remove_all(store->open);
}

bool tlsdiag_report_store_has(const tlsdiag_report_store *store, uint32_t frame)
{
    return tlsdiag_number_set_contains(&store->frames, frame);
}

bool tlsdiag_report_store_get(const tlsdiag_report_store *store, uint32_t frame,
                              tlsdiag_frame_report *report)
{
    if (!tlsdiag_report_store_has(store, frame))
        return false;
    gpointer key = GUINT_TO_POINTER(frame);
    const tlsdiag_frame_report *open = g_hash_table_lookup(store->open, key);
    if (open != NULL) {
        *report = *open;
        return true;
    }
    const uint64_t *packed = g_hash_table_lookup(store->packed, key);
    if (packed == NULL)
        return false;
    unpack(packed, report);
    return true;
}
