/* stats_tlsdiag.c
 * Statistics > TLS diagnosis, and tshark -z tlsdiag,tree: how many frames
 * tlsdiag flagged, by pattern, by the stage a handshake died at, by the side
 * that ended it and by server. Over thousands of connections this answers
 * "which failure, where, from whom" before anyone opens a single frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define WS_BUILD_DLL

#include <wireshark.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>

#include "engine/quic.h"
#include "engine/verdict.h"
#include "packet-tlsdiag.h"
#include "stats_tlsdiag.h"

/* Node names carry the field they count, so that a count leads straight to
 * the display filter that shows those frames. */
static const gchar *st_str_pattern = "Flagged frames by pattern (tlsdiag.flag)";
static const gchar *st_str_stage = "Endings by stage reached (tlsdiag.stage)";
static const gchar *st_str_side = "Flagged frames by side (tlsdiag.side)";
static const gchar *st_str_server = "Flagged frames by server (tlsdiag.server)";

static int st_node_pattern = -1;
static int st_node_stage = -1;
static int st_node_side = -1;
static int st_node_server = -1;

static void tlsdiag_stats_tree_init(stats_tree *st)
{
    st_node_pattern = stats_tree_create_node(st, st_str_pattern, 0, STAT_DT_INT, TRUE);
    st_node_stage = stats_tree_create_node(st, st_str_stage, 0, STAT_DT_INT, TRUE);
    st_node_side = stats_tree_create_node(st, st_str_side, 0, STAT_DT_INT, TRUE);
    st_node_server = stats_tree_create_node(st, st_str_server, 0, STAT_DT_INT, TRUE);
}

static const char *name_or_unknown(const char *name)
{
    return name[0] != '\0' ? name : "unknown";
}

/* One phrase for how the frame's story went, to tell the frames of one
 * pattern apart: "server RST", "client alert unknown_ca (48)",
 * "TLS 1.2 to TLS 1.1 with SCSV", "TLS 1.2 again". */
static const char *slowest_step(const tlsdiag_verdict *verdict)
{
    unsigned slowest = TLSDIAG_STAGE_NONE;
    for (unsigned stage = TLSDIAG_STAGE_SERVER_HELLO; stage < TLSDIAG_STAGE_COUNT; stage++) {
        if (tlsdiag_verdict_has_step(verdict, stage) &&
            (slowest == TLSDIAG_STAGE_NONE || verdict->step_ns[stage] > verdict->step_ns[slowest]))
            slowest = stage;
    }
    return name_or_unknown(tlsdiag_stage_name((tlsdiag_stage)slowest));
}

/* Issue 9's patterns: what was offered, where the handshake stood, which
 * step took longest. */
static bool describe_how_timing_or_resumption(const tlsdiag_verdict *verdict, GString *out)
{
    switch (verdict->flag) {
        case TLSDIAG_FLAG_RESUMPTION_REFUSED:
        case TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER:
            if (verdict->has_alert)
                return false;
            g_string_append_printf(out, "%s, full handshake",
                                   name_or_unknown(tlsdiag_resumption_name(verdict->resumption)));
            return true;
        case TLSDIAG_FLAG_HANDSHAKE_STALLED:
            g_string_append_printf(out, "%s at %s", verdict->capture_end ? "capture ended" : "stalled",
                                   name_or_unknown(tlsdiag_stage_name(verdict->stage)));
            return true;
        case TLSDIAG_FLAG_HANDSHAKE_SLOW:
            g_string_append_printf(out, "slowest step %s", slowest_step(verdict));
            return true;
        default:
            return false;
    }
}

/* Issue 18: a QUIC connection is a flow like a TCP stream; the branch
 * says QUIC, and what answered (or did not). */
static bool describe_how_quic(const tlsdiag_verdict *verdict, GString *out)
{
    switch (verdict->flag) {
        case TLSDIAG_FLAG_QUIC_UNANSWERED:
            g_string_append_printf(out, "QUIC %s", tlsdiag_quic_path_name(verdict));
            return true;
        case TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP:
            g_string_append_printf(out, "TCP after %s", tlsdiag_flag_name(verdict->previous.flag));
            return true;
        case TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION:
            g_string_append_printf(out, "QUIC version 0x%08x", verdict->quic_version);
            return true;
        case TLSDIAG_FLAG_QUIC_RETRY_LOOP:
            g_string_append_printf(out, "QUIC %s after Retry",
                                   name_or_unknown(tlsdiag_side_name(verdict->side)));
            return true;
        default:
            if (verdict->quic)
                g_string_append(out, "QUIC ");
            return false;
    }
}

static void describe_how(const tlsdiag_verdict *verdict, GString *out)
{
    const char *side = name_or_unknown(tlsdiag_side_name(verdict->side));

    if (describe_how_timing_or_resumption(verdict, out) || describe_how_quic(verdict, out))
        return;

    if (verdict->close != TLSDIAG_CLOSE_NONE) {
        g_string_append_printf(out, "%s %s", side, tlsdiag_close_name(verdict->close));
    } else if (verdict->has_alert && verdict->alert_encrypted) {
        g_string_append_printf(out, "%s encrypted alert", side);
    } else if (verdict->has_alert) {
        const char *alert = tlsdiag_alert_name(verdict->alert);
        g_string_append_printf(out, "%s alert %s (%u)", side, alert != NULL ? alert : "unknown",
                               verdict->alert);
    } else if (verdict->fallback_from != 0 && verdict->fallback_to != 0) {
        tlsdiag_append_version(out, verdict->fallback_from);
        if (verdict->fallback_to == verdict->fallback_from) {
            g_string_append(out, " again");
        } else {
            g_string_append(out, " to ");
            tlsdiag_append_version(out, verdict->fallback_to);
        }
        if (verdict->fallback_scsv)
            g_string_append(out, " with SCSV");
    } else {
        g_string_append_printf(out, "%s", side);
        if (verdict->fallback_scsv)
            g_string_append(out, " with SCSV");
    }
}

/* Ticks parent, then child under it, then grandchild under the child. */
static void tick_branch(stats_tree *st, const gchar *parent, int parent_id, const char *child,
                        const char *grandchild)
{
    tick_stat_node(st, parent, 0, TRUE);
    int child_id = tick_stat_node(st, child, parent_id, TRUE);
    tick_stat_node(st, grandchild, child_id, FALSE);
}

/* A frame that ended a handshake or connection carries a close or an alert;
 * a retry's ClientHello does not, and its stage would always read
 * client_hello. A connection the client abandoned as surplus did not fail:
 * it stays out of the endings, which are where handshakes die. */
static bool ends_connection(const tlsdiag_verdict *verdict)
{
    return (verdict->close != TLSDIAG_CLOSE_NONE || verdict->has_alert || verdict->has_quic_error) &&
           verdict->flag != TLSDIAG_FLAG_HANDSHAKE_ABANDONED;
}

static tap_packet_status tlsdiag_stats_tree_packet(stats_tree *st, packet_info *pinfo,
                                                   epan_dissect_t *edt _U_, const void *data,
                                                   tap_flags_t flags _U_)
{
    const tlsdiag_verdict *verdict = (const tlsdiag_verdict *)data;
    const char *flag = tlsdiag_flag_name(verdict->flag);
    GString *how = g_string_sized_new(64);

    describe_how(verdict, how);
    tick_branch(st, st_str_pattern, st_node_pattern, flag, how->str);
    if (ends_connection(verdict))
        tick_branch(st, st_str_stage, st_node_stage,
                    name_or_unknown(tlsdiag_stage_name(verdict->stage)), flag);
    tick_branch(st, st_str_side, st_node_side, name_or_unknown(tlsdiag_side_name(verdict->side)),
                flag);
    tick_branch(st, st_str_server, st_node_server,
                tlsdiag_endpoint_to_str(pinfo->pool, &verdict->server), flag);

    g_string_free(how, TRUE);
    return TAP_PACKET_REDRAW;
}

void register_tlsdiag_stats_tree(void)
{
    stats_tree_register_plugin(TLSDIAG_TAP_NAME, "tlsdiag", "TLS diagnosis", 0,
                               tlsdiag_stats_tree_packet, tlsdiag_stats_tree_init, NULL);
}
