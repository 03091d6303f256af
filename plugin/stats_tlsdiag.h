/* stats_tlsdiag.h
 * The "tlsdiag" tap and the statistics tree that counts its verdicts.
 *
 * The dissector queues one const tlsdiag_verdict * per frame that carries a
 * flag, from the verdict it stored on the first pass, so every pass and both
 * tshark modes count the same frames.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef STATS_TLSDIAG_H
#define STATS_TLSDIAG_H

#define TLSDIAG_TAP_NAME "tlsdiag"

/* Registers the statistics tree; a tap plugin's register_tap_listener. */
void register_tlsdiag_stats_tree(void);

#endif /* STATS_TLSDIAG_H */
