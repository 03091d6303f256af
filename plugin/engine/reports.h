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

/* The report of a frame in reports (frame number -> tlsdiag_frame_report),
 * made empty when there is none yet. */
tlsdiag_frame_report *tlsdiag_report_for_frame(GHashTable *reports, uint32_t frame);

/* later - earlier, saturated instead of overflowing. */
int64_t tlsdiag_time_between(int64_t later, int64_t earlier);

#endif /* TLSDIAG_REPORTS_H */
