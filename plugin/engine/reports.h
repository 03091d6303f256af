/* reports.h
 * Helpers the engine's stories share: the per-frame report store and time
 * arithmetic that survives corrupt timestamps.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_REPORTS_H
#define TLSDIAG_REPORTS_H

#include <glib.h>

#include "verdict.h"

/* Frame number -> tlsdiag_frame_report. A report has room for every
 * story's facts and a frame uses one story's, so reports are kept packed;
 * the frames being written are kept whole until tlsdiag_report_store_settle. */
typedef struct tlsdiag_report_store tlsdiag_report_store;

tlsdiag_report_store *tlsdiag_report_store_new(void);
void tlsdiag_report_store_free(tlsdiag_report_store *store);

/* The report of a frame to write to, made empty when there is none yet.
 * Valid until tlsdiag_report_store_settle, as are the others written
 * since the last settle. */
tlsdiag_frame_report *tlsdiag_report_for_frame(tlsdiag_report_store *store, uint32_t frame);

/* Packs the reports written since the last settle: call it when the frame
 * they were written for is over. */
void tlsdiag_report_store_settle(tlsdiag_report_store *store);

/* Whether frame has a report: a bit test, asked on every frame. */
bool tlsdiag_report_store_has(const tlsdiag_report_store *store, uint32_t frame);

/* Copies the report of frame into *report; false, leaving *report as it
 * was, when there is none. */
bool tlsdiag_report_store_get(const tlsdiag_report_store *store, uint32_t frame,
                              tlsdiag_frame_report *report);

/* later - earlier, saturated instead of overflowing. */
int64_t tlsdiag_time_between(int64_t later, int64_t earlier);

#endif /* TLSDIAG_REPORTS_H */
