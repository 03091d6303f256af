/* packet-tlsdiag.c
 * TLS Handshake Diagnostics: a postdissector that names the reason a TLS
 * handshake failed, from what the TCP and TLS dissectors already found.
 *
 * The engine (engine/) decides; this file feeds it on the first pass and
 * shows, on every pass, what it stored for the frame.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define WS_BUILD_DLL

#include <wireshark.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/tap.h>
#include <epan/to_str.h>

#include "engine/client_errors.h"
#include "engine/engine.h"
#include "extract.h"
#include "packet-tlsdiag.h"
#include "stats_tlsdiag.h"

static int proto_tlsdiag = -1;
static int tlsdiag_tap = -1;
/* Wireshark's own readers of expert texts, found at init. */
static int expert_tap = -1;
static int proto_ws_expert = -1;
static int hf_ws_expert_message = -1;

static int hf_tlsdiag_flag = -1;
static int hf_tlsdiag_side = -1;
static int hf_tlsdiag_close = -1;
static int hf_tlsdiag_stage = -1;
static int hf_tlsdiag_version = -1;
static int hf_tlsdiag_negotiated_version = -1;
static int hf_tlsdiag_client_hello = -1;
static int hf_tlsdiag_elapsed = -1;
static int hf_tlsdiag_alert = -1;
static int hf_tlsdiag_alert_level = -1;
static int hf_tlsdiag_retransmissions = -1;
static int hf_tlsdiag_client = -1;
static int hf_tlsdiag_server = -1;
static int hf_tlsdiag_sni = -1;
static int hf_tlsdiag_ended_by = -1;
static int hf_tlsdiag_fallback_previous = -1;
static int hf_tlsdiag_fallback_failure = -1;
static int hf_tlsdiag_fallback_origin = -1;
static int hf_tlsdiag_fallback_from = -1;
static int hf_tlsdiag_fallback_to = -1;
static int hf_tlsdiag_fallback_scsv = -1;
static int hf_tlsdiag_fallback_attempt = -1;
static int hf_tlsdiag_fallback_retry = -1;
static int hf_tlsdiag_fallback_completed = -1;
static int hf_tlsdiag_certificate_requested = -1;
static int hf_tlsdiag_client_certificate = -1;
static int hf_tlsdiag_http403 = -1;
static int hf_tlsdiag_resumption_offered = -1;
static int hf_tlsdiag_resumption_issued = -1;
static int hf_tlsdiag_resumption_issuer = -1;
static int hf_tlsdiag_last_progress = -1;
static int hf_tlsdiag_idle = -1;
static int hf_tlsdiag_capture_end = -1;
static int hf_tlsdiag_unreadable = -1;
static int hf_tlsdiag_unrecorded = -1;
static int hf_tlsdiag_step_server_hello = -1;
static int hf_tlsdiag_step_server_flight = -1;
static int hf_tlsdiag_step_client_flight = -1;
static int hf_tlsdiag_step_completion = -1;
static int hf_tlsdiag_loss_client_hello = -1;
static int hf_tlsdiag_loss_server = -1;
static int hf_tlsdiag_loss_client = -1;
static int hf_tlsdiag_loss_duplicate_acks = -1;
static int hf_tlsdiag_loss_zero_windows = -1;
static int hf_tlsdiag_detail = -1;
static int hf_tlsdiag_abandoned_sibling = -1;
static int hf_tlsdiag_abandoned_closed_together = -1;
static int hf_tlsdiag_recording_gap = -1;
static int hf_tlsdiag_client_error = -1;
static int hf_tlsdiag_cert_problem = -1;
static int hf_tlsdiag_cert_subject = -1;
static int hf_tlsdiag_cert_issuer = -1;
static int hf_tlsdiag_cert_san = -1;
static int hf_tlsdiag_cert_not_before = -1;
static int hf_tlsdiag_cert_not_after = -1;
static int hf_tlsdiag_cert_key = -1;
static int hf_tlsdiag_cert_signature = -1;
static int hf_tlsdiag_cert_chain_length = -1;
static int hf_tlsdiag_cert_spki_sha256 = -1;
static int hf_tlsdiag_cert_other_frame = -1;
static int hf_tlsdiag_cert_other_spki_sha256 = -1;
static int hf_tlsdiag_fallback_since_failure = -1;
static int hf_tlsdiag_quic_connection = -1;
static int hf_tlsdiag_quic_error = -1;
static int hf_tlsdiag_quic_reason = -1;
static int hf_tlsdiag_quic_initials = -1;
static int hf_tlsdiag_quic_span = -1;
static int hf_tlsdiag_quic_icmp = -1;
static int hf_tlsdiag_quic_path = -1;
static int hf_tlsdiag_quic_version = -1;
static int hf_tlsdiag_quic_retry = -1;

static gint ett_tlsdiag = -1;
static gint ett_tlsdiag_fallback = -1;
static gint ett_tlsdiag_resumption = -1;
static gint ett_tlsdiag_steps = -1;
static gint ett_tlsdiag_loss = -1;
static gint ett_tlsdiag_cert = -1;
static gint ett_tlsdiag_quic = -1;

static expert_field ei_tlsdiag_handshake_aborted = EI_INIT;
static expert_field ei_tlsdiag_handshake_alert = EI_INIT;
static expert_field ei_tlsdiag_version_fallback = EI_INIT;
static expert_field ei_tlsdiag_retry_after_failure = EI_INIT;
static expert_field ei_tlsdiag_fallback_scsv = EI_INIT;
static expert_field ei_tlsdiag_fallback_rejected = EI_INIT;
static expert_field ei_tlsdiag_alert_after_403 = EI_INIT;
static expert_field ei_tlsdiag_close_after_403 = EI_INIT;
static expert_field ei_tlsdiag_possible_alert_after_403 = EI_INIT;
static expert_field ei_tlsdiag_client_cert_rejected = EI_INIT;
static expert_field ei_tlsdiag_resumption_refused = EI_INIT;
static expert_field ei_tlsdiag_resumption_failed = EI_INIT;
static expert_field ei_tlsdiag_resumption_other_server = EI_INIT;
static expert_field ei_tlsdiag_handshake_stalled = EI_INIT;
static expert_field ei_tlsdiag_handshake_incomplete = EI_INIT;
static expert_field ei_tlsdiag_handshake_unreadable = EI_INIT;
static expert_field ei_tlsdiag_handshake_unrecorded = EI_INIT;
static expert_field ei_tlsdiag_handshake_slow = EI_INIT;
static expert_field ei_tlsdiag_handshake_failed_later = EI_INIT;
static expert_field ei_tlsdiag_retried_later = EI_INIT;
static expert_field ei_tlsdiag_retry_completed = EI_INIT;
static expert_field ei_tlsdiag_handshake_abandoned = EI_INIT;
static expert_field ei_tlsdiag_handshake_cut_by_recording = EI_INIT;
static expert_field ei_tlsdiag_resumption_other_server_failed = EI_INIT;
static expert_field ei_tlsdiag_rejected_after_handshake = EI_INIT;
static expert_field ei_tlsdiag_certificate_changed = EI_INIT;
static expert_field ei_tlsdiag_quic_handshake_closed = EI_INIT;
static expert_field ei_tlsdiag_quic_handshake_refused = EI_INIT;
static expert_field ei_tlsdiag_quic_unanswered = EI_INIT;
static expert_field ei_tlsdiag_quic_unanswered_short = EI_INIT;
static expert_field ei_tlsdiag_quic_fallback_to_tcp = EI_INIT;
static expert_field ei_tlsdiag_quic_no_common_version = EI_INIT;
static expert_field ei_tlsdiag_quic_retry_loop = EI_INIT;
static expert_field ei_tlsdiag_quic_version_probe = EI_INIT;

static dissector_handle_t tlsdiag_handle;
static protocol_t *tlsdiag_protocol;
static unsigned fields_seen; /* TLSDIAG_SEEN_*: what this capture file showed */

/* Wireshark 4.2 registers boolean preferences as bool, 4.0 as gboolean. */
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
typedef bool pref_bool;
#else
typedef gboolean pref_bool;
#endif

static struct {
    guint fallback_window_s;
    guint stall_timeout_s;
    guint slow_handshake_s;
    pref_bool untrusted_root;
} tlsdiag_prefs = {
    .fallback_window_s = TLSDIAG_DEFAULT_FALLBACK_WINDOW_S,
    .stall_timeout_s = TLSDIAG_DEFAULT_STALL_TIMEOUT_S,
    .slow_handshake_s = TLSDIAG_DEFAULT_SLOW_HANDSHAKE_S,
};

/* Analysis state of the open capture file: made in init, freed in cleanup. */
static tlsdiag_engine *engine;

static expert_field *const flag_experts[TLSDIAG_FLAG_COUNT] = {
    [TLSDIAG_FLAG_HANDSHAKE_ABORTED] = &ei_tlsdiag_handshake_aborted,
    [TLSDIAG_FLAG_HANDSHAKE_ALERT] = &ei_tlsdiag_handshake_alert,
    [TLSDIAG_FLAG_VERSION_FALLBACK] = &ei_tlsdiag_version_fallback,
    [TLSDIAG_FLAG_RETRY_AFTER_FAILURE] = &ei_tlsdiag_retry_after_failure,
    [TLSDIAG_FLAG_FALLBACK_SCSV] = &ei_tlsdiag_fallback_scsv,
    [TLSDIAG_FLAG_FALLBACK_REJECTED] = &ei_tlsdiag_fallback_rejected,
    [TLSDIAG_FLAG_ALERT_AFTER_403] = &ei_tlsdiag_alert_after_403,
    [TLSDIAG_FLAG_POSSIBLE_ALERT_AFTER_403] = &ei_tlsdiag_possible_alert_after_403,
    [TLSDIAG_FLAG_CLIENT_CERT_REJECTED] = &ei_tlsdiag_client_cert_rejected,
    [TLSDIAG_FLAG_RESUMPTION_REFUSED] = &ei_tlsdiag_resumption_refused,
    [TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER] = &ei_tlsdiag_resumption_other_server,
    [TLSDIAG_FLAG_HANDSHAKE_STALLED] = &ei_tlsdiag_handshake_stalled,
    [TLSDIAG_FLAG_HANDSHAKE_SLOW] = &ei_tlsdiag_handshake_slow,
    [TLSDIAG_FLAG_HANDSHAKE_ABANDONED] = &ei_tlsdiag_handshake_abandoned,
    [TLSDIAG_FLAG_REJECTED_AFTER_HANDSHAKE] = &ei_tlsdiag_rejected_after_handshake,
    [TLSDIAG_FLAG_CERTIFICATE_CHANGED] = &ei_tlsdiag_certificate_changed,
    [TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED] = &ei_tlsdiag_quic_handshake_closed,
    [TLSDIAG_FLAG_QUIC_UNANSWERED] = &ei_tlsdiag_quic_unanswered,
    [TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP] = &ei_tlsdiag_quic_fallback_to_tcp,
    [TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION] = &ei_tlsdiag_quic_no_common_version,
    [TLSDIAG_FLAG_QUIC_RETRY_LOOP] = &ei_tlsdiag_quic_retry_loop,
};

/* Where one flag covers a mild and a grave case, the severity follows:
 * a close_notify or bare close after a 403 says less than a fatal alert,
 * a declined resumption with a full handshake less than a failed one, a
 * capture that ends mid-handshake less than a handshake that went silent. */
static expert_field *verdict_expert(const tlsdiag_verdict *verdict)
{
    if (verdict->flag == TLSDIAG_FLAG_ALERT_AFTER_403 &&
        (verdict->quic ? tlsdiag_quic_close_is_clean(verdict)
                       : !verdict->has_alert || (!verdict->alert_encrypted &&
                                                 verdict->alert == TLSDIAG_ALERT_CLOSE_NOTIFY)))
        return &ei_tlsdiag_close_after_403;
    if (verdict->flag == TLSDIAG_FLAG_RESUMPTION_REFUSED && verdict->has_alert)
        return &ei_tlsdiag_resumption_failed;
    /* A full handshake instead costs a round trip; failing it costs the connection. */
    if (verdict->flag == TLSDIAG_FLAG_RESUMPTION_OTHER_SERVER && verdict->has_alert)
        return &ei_tlsdiag_resumption_other_server_failed;
    if (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED && verdict->recording_gap_ns > 0 &&
        !verdict->stalled)
        return &ei_tlsdiag_handshake_cut_by_recording;
    /* Silence after bytes the dissector could not read is no evidence. */
    if (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED && verdict->unreadable != 0)
        return &ei_tlsdiag_handshake_unreadable;
    /* So is silence in which nothing of the connection was recorded. */
    if (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED && verdict->unrecorded_ns > 0)
        return &ei_tlsdiag_handshake_unrecorded;
    if (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED && verdict->capture_end &&
        !verdict->stalled)
        return &ei_tlsdiag_handshake_incomplete;
    /* A server that refuses the client's first flight is a configuration
     * mismatch, not a transient; one Initial before the capture ends may
     * be a capture cut too early. */
    if (verdict->flag == TLSDIAG_FLAG_QUIC_HANDSHAKE_CLOSED && verdict->side == TLSDIAG_SIDE_SERVER &&
        verdict->stage == TLSDIAG_STAGE_QUIC_INITIAL)
        return &ei_tlsdiag_quic_handshake_refused;
    if (verdict->flag == TLSDIAG_FLAG_QUIC_UNANSWERED && verdict->capture_end &&
        verdict->quic_initials < 2 && verdict->quic_icmp == 0)
        return &ei_tlsdiag_quic_unanswered_short;
    /* A greased version asks for the list; the client may only probe. */
    if (verdict->flag == TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION &&
        tlsdiag_quic_version_is_greased(verdict->quic_version))
        return &ei_tlsdiag_quic_version_probe;
    return flag_experts[verdict->flag];
}

/* Wireshark builds a postdissector's wanted fields on every frame even when
 * the protocol is disabled: a disabled tlsdiag wants none, so it costs
 * nothing. Init runs for every capture file, after any change of state
 * (enabling or disabling a protocol redissects from init on). */
static bool want_fields_if_enabled(void)
{
    bool enabled = proto_is_protocol_enabled(tlsdiag_protocol);
    fields_seen = 0;
    set_postdissector_wanted_hfids(tlsdiag_handle,
                                   enabled ? tlsdiag_extract_wanted_fields(fields_seen) : NULL);
    return enabled;
}

/* A capture without QUIC pays for one QUIC field only; from the first QUIC
 * frame on (a client's first Initial: nothing to close yet), the fields of
 * closes and ICMP errors are built too. HTTP responses are wanted from the
 * first decrypted handshake on (a response follows its handshake). */
static void want_fields_of(unsigned seen)
{
    if ((fields_seen | seen) == fields_seen)
        return;
    fields_seen |= seen;
    set_postdissector_wanted_hfids(tlsdiag_handle, tlsdiag_extract_wanted_fields(fields_seen));
}

static void tlsdiag_init(void)
{
    bool enabled = want_fields_if_enabled();
    expert_tap = find_tap_id("expert");
    proto_ws_expert = proto_get_id_by_filter_name("_ws.expert");
    hf_ws_expert_message = proto_registrar_get_id_byname("_ws.expert.message");
    tlsdiag_extract_forget_streams();
    tlsdiag_settings settings = {
        .fallback_window_ns = (int64_t)tlsdiag_prefs.fallback_window_s * 1000000000,
        .stall_timeout_ns = (int64_t)tlsdiag_prefs.stall_timeout_s * 1000000000,
        .slow_handshake_ns = (int64_t)tlsdiag_prefs.slow_handshake_s * 1000000000,
        .check_trust = tlsdiag_prefs.untrusted_root,
        .last_packet = tlsdiag_extract_last_packet,
    };
    /* Without an engine, a disabled tlsdiag returns at once on every frame. */
    engine = enabled ? tlsdiag_engine_new(&settings) : NULL;
}

static void tlsdiag_cleanup(void)
{
    tlsdiag_extract_forget_streams();
    tlsdiag_engine_free(engine);
    engine = NULL;
}

/* ---- tree ---------------------------------------------------------------- */

/* NULL for an endpoint without an IP address. */
static const char *endpoint_address_to_str(wmem_allocator_t *pool, const tlsdiag_endpoint *endpoint)
{
    address addr;
    if (endpoint->family == 4)
        set_address(&addr, AT_IPv4, 4, endpoint->addr);
    else if (endpoint->family == 6)
        set_address(&addr, AT_IPv6, 16, endpoint->addr);
    else
        return NULL;
    return address_to_str(pool, &addr);
}

const char *tlsdiag_endpoint_to_str(wmem_allocator_t *pool, const tlsdiag_endpoint *endpoint)
{
    const char *address = endpoint_address_to_str(pool, endpoint);
    if (address == NULL)
        return wmem_strdup_printf(pool, "?:%u", endpoint->port);
    if (endpoint->family == 6)
        return wmem_strdup_printf(pool, "[%s]:%u", address, endpoint->port);
    return wmem_strdup_printf(pool, "%s:%u", address, endpoint->port);
}

static proto_item *add_generated_uint(proto_tree *tree, int hf, tvbuff_t *tvb, guint32 value)
{
    proto_item *item = proto_tree_add_uint(tree, hf, tvb, 0, 0, value);
    proto_item_set_generated(item);
    return item;
}

static proto_item *add_generated_string(proto_tree *tree, int hf, tvbuff_t *tvb, const char *value)
{
    proto_item *item = proto_tree_add_string(tree, hf, tvb, 0, 0, value);
    proto_item_set_generated(item);
    return item;
}

static void add_version(proto_tree *tree, int hf, tvbuff_t *tvb, uint16_t version)
{
    proto_item *item = add_generated_uint(tree, hf, tvb, version);
    const char *name = tlsdiag_version_name(version);
    if (name != NULL)
        proto_item_append_text(item, " (%s)", name);
}

static void add_alert(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    if (verdict->alert_encrypted)
        return;
    proto_item *item = add_generated_uint(tree, hf_tlsdiag_alert, tvb, verdict->alert);
    const char *name = tlsdiag_alert_name(verdict->alert);
    if (name != NULL)
        proto_item_append_text(item, " (%s)", name);
    add_generated_uint(tree, hf_tlsdiag_alert_level, tvb, verdict->alert_level);
}

static void add_generated_time(proto_tree *tree, int hf, tvbuff_t *tvb, int64_t ns)
{
    nstime_t time;
    time.secs = (time_t)(ns / 1000000000);
    time.nsecs = (int)(ns % 1000000000);
    proto_item *item = proto_tree_add_time(tree, hf, tvb, 0, 0, &time);
    proto_item_set_generated(item);
}

static void add_fallback(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    proto_tree *fallback;
    proto_item *item;

    fallback = proto_tree_add_subtree(tree, tvb, 0, 0, ett_tlsdiag_fallback, NULL, "Fallback");
    if (verdict->previous.frame != 0) {
        add_generated_uint(fallback, hf_tlsdiag_fallback_previous, tvb, verdict->previous.client_hello);
        add_generated_uint(fallback, hf_tlsdiag_fallback_failure, tvb, verdict->previous.frame);
    }
    if (verdict->origin.frame != 0)
        add_generated_uint(fallback, hf_tlsdiag_fallback_origin, tvb, verdict->origin.frame);
    if (verdict->fallback_from != 0)
        add_version(fallback, hf_tlsdiag_fallback_from, tvb, verdict->fallback_from);
    if (verdict->fallback_to != 0)
        add_version(fallback, hf_tlsdiag_fallback_to, tvb, verdict->fallback_to);
    item = proto_tree_add_boolean(fallback, hf_tlsdiag_fallback_scsv, tvb, 0, 0,
                                  verdict->fallback_scsv);
    proto_item_set_generated(item);
    if (verdict->attempt != 0)
        add_generated_uint(fallback, hf_tlsdiag_fallback_attempt, tvb, verdict->attempt);
    if (verdict->flag == TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP)
        add_generated_time(fallback, hf_tlsdiag_fallback_since_failure, tvb, verdict->since_failure_ns);
}


static void add_resumption(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                           const tlsdiag_verdict *verdict)
{
    proto_tree *resumption = proto_tree_add_subtree(tree, tvb, 0, 0, ett_tlsdiag_resumption,
                                                    NULL, "Session resumption");
    add_generated_string(resumption, hf_tlsdiag_resumption_offered, tvb,
                         tlsdiag_resumption_name(verdict->resumption));
    if (verdict->session_issued == 0)
        return;
    add_generated_uint(resumption, hf_tlsdiag_resumption_issued, tvb, verdict->session_issued);
    if (!proto_field_is_referenced(resumption, hf_tlsdiag_resumption_issuer))
        return;
    const char *issuer = endpoint_address_to_str(pinfo->pool, &verdict->session_issuer);
    if (issuer != NULL)
        add_generated_string(resumption, hf_tlsdiag_resumption_issuer, tvb, issuer);
}

static const int *const step_fields[TLSDIAG_STAGE_COUNT] = {
    [TLSDIAG_STAGE_SERVER_HELLO] = &hf_tlsdiag_step_server_hello,
    [TLSDIAG_STAGE_SERVER_FLIGHT] = &hf_tlsdiag_step_server_flight,
    [TLSDIAG_STAGE_CLIENT_FLIGHT] = &hf_tlsdiag_step_client_flight,
    [TLSDIAG_STAGE_ESTABLISHED] = &hf_tlsdiag_step_completion,
};

static void add_steps(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    proto_tree *steps =
        proto_tree_add_subtree(tree, tvb, 0, 0, ett_tlsdiag_steps, NULL, "Handshake steps");
    for (unsigned stage = TLSDIAG_STAGE_SERVER_HELLO; stage < TLSDIAG_STAGE_COUNT; stage++) {
        if (tlsdiag_verdict_has_step(verdict, stage))
            add_generated_time(steps, *step_fields[stage], tvb, verdict->step_ns[stage]);
    }
}

static void add_loss(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    const struct {
        int hf;
        uint32_t count;
    } counters[] = {
        {hf_tlsdiag_loss_client_hello, verdict->client_hello_retransmissions},
        {hf_tlsdiag_loss_server, verdict->server_retransmissions},
        {hf_tlsdiag_loss_client, verdict->client_retransmissions},
        {hf_tlsdiag_loss_duplicate_acks, verdict->duplicate_acks},
        {hf_tlsdiag_loss_zero_windows, verdict->zero_windows},
    };
    proto_tree *loss = NULL;
    for (size_t i = 0; i < array_length(counters); i++) {
        if (counters[i].count == 0)
            continue;
        if (loss == NULL)
            loss = proto_tree_add_subtree(tree, tvb, 0, 0, ett_tlsdiag_loss, NULL, "Loss evidence");
        add_generated_uint(loss, counters[i].hf, tvb, counters[i].count);
    }
}

static bool tells_time(const tlsdiag_verdict *verdict)
{
    return verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED ||
           verdict->flag == TLSDIAG_FLAG_HANDSHAKE_SLOW;
}

static void add_progress(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    if (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED || verdict->stalled) {
        add_generated_uint(tree, hf_tlsdiag_last_progress, tvb, verdict->last_progress);
        add_generated_time(tree, hf_tlsdiag_idle, tvb, verdict->idle_ns);
    }
    if (verdict->recording_gap_ns > 0)
        add_generated_time(tree, hf_tlsdiag_recording_gap, tvb, verdict->recording_gap_ns);
    if (verdict->capture_end) {
        proto_item *item = proto_tree_add_boolean(tree, hf_tlsdiag_capture_end, tvb, 0, 0, TRUE);
        proto_item_set_generated(item);
    }
    if (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED && verdict->unreadable != 0)
        add_generated_uint(tree, hf_tlsdiag_unreadable, tvb, verdict->unreadable);
    if (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_STALLED && verdict->unrecorded_ns > 0)
        add_generated_time(tree, hf_tlsdiag_unrecorded, tvb, verdict->unrecorded_ns);
    if (tells_time(verdict))
        add_steps(tree, tvb, verdict);
}

/* Wireshark cuts expert texts and labels at ITEM_LABEL_LENGTH bytes: the
 * expert item says as much as fits, and the rest follows in Detail items,
 * each cut after a clause, so no advice is lost. */
#define DETAIL_PART_MAX (ITEM_LABEL_LENGTH - 1 - sizeof "Detail: ")

static const char *skip_spaces(const char *text)
{
    while (*text == ' ')
        text++;
    return text;
}

static void add_expert_text(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, expert_field *ei,
                            const char *text)
{
    size_t length = tlsdiag_text_part_length(text, ITEM_LABEL_LENGTH - 1);
    proto_tree_add_expert_format(tree, pinfo, ei, tvb, 0, 0, "%.*s", (int)length, text);
    for (text = skip_spaces(text + length); *text != '\0'; text = skip_spaces(text + length)) {
        length = tlsdiag_text_part_length(text, DETAIL_PART_MAX);
        add_generated_string(tree, hf_tlsdiag_detail, tvb, wmem_strndup(pinfo->pool, text, length));
    }
}

/* A field that is not found is taken as read: the text is then written. */
static bool field_is_read(proto_tree *tree, int hf)
{
    return hf <= 0 || proto_field_is_referenced(tree, hf);
}

/* A verdict's text costs more than all its fields (a paragraph, addresses
 * formatted), and tshark -Y tls -q builds an invisible tree that nobody
 * reads. The text is written where it can be read: a shown tree, an expert
 * listener (tshark -z expert, the GUI's Expert Information), or a filter,
 * column or -e on the expert message, on this expert item or on Detail.
 * Otherwise the expert item still carries its severity, for the Expert
 * column and _ws.expert.severity, under its registered summary. */
static bool expert_text_is_read(proto_tree *tree, const expert_field *ei)
{
    if (expert_tap < 0 || have_tap_listener(expert_tap))
        return true;
    if (tree == NULL)
        return false;
    return field_is_read(tree, ei->hf) || field_is_read(tree, hf_ws_expert_message) ||
           field_is_read(tree, proto_ws_expert) || field_is_read(tree, hf_tlsdiag_detail);
}

static void add_abandoned(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    if (verdict->siblings.sibling_frame != 0)
        add_generated_uint(tree, hf_tlsdiag_abandoned_sibling, tvb, verdict->siblings.sibling_frame);
    add_generated_uint(tree, hf_tlsdiag_abandoned_closed_together, tvb,
                       verdict->siblings.closed_together);
}

/* What client stacks report for this event: one item per stack. */
static void add_client_errors(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    /* Eight formatted lines per failure: only for a tree that is shown or
     * a filter or column that asks for them (not for tshark -Y tls -q). */
    if (!proto_field_is_referenced(tree, hf_tlsdiag_client_error))
        return;
    tlsdiag_wire_event event = tlsdiag_wire_event_of(verdict);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

    tlsdiag_client_errors(&event, lines);
    for (guint i = 0; i < lines->len; i++)
        add_generated_string(tree, hf_tlsdiag_client_error, tvb, g_ptr_array_index(lines, i));
    g_ptr_array_free(lines, TRUE);
}

/* The server's certificate, on the verdicts it can explain. */
static void add_certificate(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    const tlsdiag_cert_facts *facts = verdict->certificate;
    if (facts == NULL || !tlsdiag_verdict_concerns_certificate(verdict))
        return;
    proto_tree *cert = proto_tree_add_subtree(tree, tvb, 0, 0, ett_tlsdiag_cert, NULL,
                                              "Server certificate");
    for (unsigned finding = 0; finding < TLSDIAG_CERT_FINDING_COUNT; finding++) {
        if (verdict->certificate_findings & (1u << finding))
            add_generated_string(cert, hf_tlsdiag_cert_problem, tvb,
                                 tlsdiag_cert_finding_name((tlsdiag_cert_finding)finding));
    }
    if (facts->subject != NULL)
        add_generated_string(cert, hf_tlsdiag_cert_subject, tvb, facts->subject);
    if (facts->issuer != NULL)
        add_generated_string(cert, hf_tlsdiag_cert_issuer, tvb, facts->issuer);
    for (char **name = facts->dns_names; name != NULL && *name != NULL; name++)
        add_generated_string(cert, hf_tlsdiag_cert_san, tvb, *name);
    if (facts->entries[0].parsed && (proto_field_is_referenced(cert, hf_tlsdiag_cert_not_before) ||
                                     proto_field_is_referenced(cert, hf_tlsdiag_cert_not_after))) {
        GString *time = g_string_new(NULL);
        tlsdiag_cert_append_time(time, facts->entries[0].not_before);
        add_generated_string(cert, hf_tlsdiag_cert_not_before, tvb, time->str);
        g_string_truncate(time, 0);
        tlsdiag_cert_append_time(time, facts->entries[0].not_after);
        add_generated_string(cert, hf_tlsdiag_cert_not_after, tvb, time->str);
        g_string_free(time, TRUE);
    }
    if (facts->key != NULL)
        add_generated_string(cert, hf_tlsdiag_cert_key, tvb, facts->key);
    if (facts->signature != NULL)
        add_generated_string(cert, hf_tlsdiag_cert_signature, tvb, facts->signature);
    add_generated_uint(cert, hf_tlsdiag_cert_chain_length, tvb, facts->chain_length);
    if (facts->spki_sha256 != NULL)
        add_generated_string(cert, hf_tlsdiag_cert_spki_sha256, tvb, facts->spki_sha256);
    if (verdict->certificate_other_frame != 0) {
        add_generated_uint(cert, hf_tlsdiag_cert_other_frame, tvb, verdict->certificate_other_frame);
        add_generated_string(cert, hf_tlsdiag_cert_other_spki_sha256, tvb,
                             verdict->certificate_other_pin);
    }
}

static bool is_fallback_flag(tlsdiag_flag flag)
{
    return flag == TLSDIAG_FLAG_VERSION_FALLBACK || flag == TLSDIAG_FLAG_RETRY_AFTER_FAILURE ||
           flag == TLSDIAG_FLAG_FALLBACK_SCSV || flag == TLSDIAG_FLAG_FALLBACK_REJECTED ||
           flag == TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP;
}

static bool tells_silence(tlsdiag_flag flag)
{
    return flag == TLSDIAG_FLAG_QUIC_UNANSWERED || flag == TLSDIAG_FLAG_QUIC_RETRY_LOOP ||
           flag == TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP;
}

static void add_quic(proto_tree *tree, tvbuff_t *tvb, const tlsdiag_verdict *verdict)
{
    proto_tree *quic = proto_tree_add_subtree(tree, tvb, 0, 0, ett_tlsdiag_quic, NULL, "QUIC");
    proto_item *item;

    add_generated_uint(quic, hf_tlsdiag_quic_connection, tvb, verdict->quic_connection);
    if (verdict->has_quic_error) {
        item = proto_tree_add_uint64(quic, hf_tlsdiag_quic_error, tvb, 0, 0, verdict->quic_error);
        proto_item_set_generated(item);
    }
    if (verdict->quic_reason != NULL)
        add_generated_string(quic, hf_tlsdiag_quic_reason, tvb, verdict->quic_reason);
    bool silence = tells_silence(verdict->flag) &&
                   (verdict->flag != TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP ||
                    verdict->previous.flag == TLSDIAG_FLAG_QUIC_UNANSWERED) &&
                   (verdict->flag != TLSDIAG_FLAG_QUIC_RETRY_LOOP ||
                    verdict->side == TLSDIAG_SIDE_CLIENT);
    if (silence) {
        add_generated_uint(quic, hf_tlsdiag_quic_initials, tvb, verdict->quic_initials);
        add_generated_time(quic, hf_tlsdiag_quic_span, tvb, verdict->quic_span_ns);
        if (verdict->quic_icmp != 0)
            add_generated_uint(quic, hf_tlsdiag_quic_icmp, tvb, verdict->quic_icmp);
        add_generated_string(quic, hf_tlsdiag_quic_path, tvb, tlsdiag_quic_path_name(verdict));
    }
    if (verdict->flag == TLSDIAG_FLAG_QUIC_NO_COMMON_VERSION)
        add_generated_uint(quic, hf_tlsdiag_quic_version, tvb, verdict->quic_version);
    if (verdict->quic_retry != 0)
        add_generated_uint(quic, hf_tlsdiag_quic_retry, tvb, verdict->quic_retry);
}

static void add_verdict(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                        const tlsdiag_verdict *verdict, GString *text)
{
    proto_item *item;

    add_generated_string(tree, hf_tlsdiag_flag, tvb, tlsdiag_flag_name(verdict->flag));
    add_generated_string(tree, hf_tlsdiag_side, tvb, tlsdiag_side_name(verdict->side));
    if (verdict->close != TLSDIAG_CLOSE_NONE)
        add_generated_string(tree, hf_tlsdiag_close, tvb, tlsdiag_close_name(verdict->close));
    add_generated_string(tree, hf_tlsdiag_stage, tvb, tlsdiag_stage_name(verdict->stage));
    add_version(tree, hf_tlsdiag_version, tvb, verdict->offered_version);
    if (verdict->negotiated_version != 0)
        add_version(tree, hf_tlsdiag_negotiated_version, tvb, verdict->negotiated_version);
    add_generated_uint(tree, hf_tlsdiag_client_hello, tvb, verdict->client_hello);
    add_generated_time(tree, hf_tlsdiag_elapsed, tvb, verdict->elapsed_ns);
    add_progress(tree, tvb, verdict);

    if (verdict->has_alert)
        add_alert(tree, tvb, verdict);
    add_generated_uint(tree, hf_tlsdiag_retransmissions, tvb,
                       tlsdiag_verdict_retransmissions(verdict));
    if (proto_field_is_referenced(tree, hf_tlsdiag_client))
        add_generated_string(tree, hf_tlsdiag_client, tvb,
                             tlsdiag_endpoint_to_str(pinfo->pool, &verdict->client));
    if (proto_field_is_referenced(tree, hf_tlsdiag_server))
        add_generated_string(tree, hf_tlsdiag_server, tvb,
                             tlsdiag_endpoint_to_str(pinfo->pool, &verdict->server));
    if (verdict->server_name != NULL)
        add_generated_string(tree, hf_tlsdiag_sni, tvb, verdict->server_name);
    if (is_fallback_flag(verdict->flag))
        add_fallback(tree, tvb, verdict);
    if (verdict->quic || verdict->flag == TLSDIAG_FLAG_QUIC_FALLBACK_TO_TCP)
        add_quic(tree, tvb, verdict);
    if (verdict->certificate_requested) {
        item = proto_tree_add_boolean(tree, hf_tlsdiag_certificate_requested, tvb, 0, 0, TRUE);
        proto_item_set_generated(item);
    }
    if (verdict->client_certificate != TLSDIAG_CLIENT_CERT_UNKNOWN)
        add_generated_string(tree, hf_tlsdiag_client_certificate, tvb,
                             tlsdiag_client_cert_name(verdict->client_certificate));
    if (verdict->http403 != 0)
        add_generated_uint(tree, hf_tlsdiag_http403, tvb, verdict->http403);
    if (verdict->resumption != TLSDIAG_RESUMPTION_NONE)
        add_resumption(tree, tvb, pinfo, verdict);
    add_loss(tree, tvb, verdict);
    if (verdict->flag == TLSDIAG_FLAG_HANDSHAKE_ABANDONED)
        add_abandoned(tree, tvb, verdict);
    add_client_errors(tree, tvb, verdict);
    add_certificate(tree, tvb, verdict);

    expert_field *ei = verdict_expert(verdict);
    if (expert_text_is_read(tree, ei)) {
        g_string_truncate(text, 0);
        tlsdiag_describe_verdict(verdict, text);
        add_expert_text(tree, tvb, pinfo, ei, text->str);
    } else {
        proto_tree_add_expert(tree, pinfo, ei, tvb, 0, 0);
    }
    col_append_fstr(pinfo->cinfo, COL_INFO, " [tlsdiag: %s]", tlsdiag_flag_name(verdict->flag));
}

/* A link to a later frame: its field and a note that says what happened there. */
static void add_link(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, int hf,
                     uint32_t frame, expert_field *ei, const tlsdiag_frame_report *report,
                     void (*describe)(const tlsdiag_frame_report *, GString *), GString *text)
{
    if (frame == 0)
        return;
    add_generated_uint(tree, hf, tvb, frame);
    if (!expert_text_is_read(tree, ei)) {
        proto_tree_add_expert(tree, pinfo, ei, tvb, 0, 0);
        return;
    }
    g_string_truncate(text, 0);
    describe(report, text);
    add_expert_text(tree, tvb, pinfo, ei, text->str);
}

static void add_links(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo,
                      const tlsdiag_frame_report *report, GString *text)
{
    add_link(tree, tvb, pinfo, hf_tlsdiag_ended_by, report->ended_by,
             &ei_tlsdiag_handshake_failed_later, report, tlsdiag_describe_ended_by, text);
    add_link(tree, tvb, pinfo, hf_tlsdiag_fallback_retry, report->retried_by,
             &ei_tlsdiag_retried_later, report, tlsdiag_describe_retried_by, text);
    add_link(tree, tvb, pinfo, hf_tlsdiag_fallback_completed, report->retry_completed,
             &ei_tlsdiag_retry_completed, report, tlsdiag_describe_retry_completed, text);
}

static bool has_links(const tlsdiag_frame_report *report)
{
    return report->ended_by != 0 || report->retried_by != 0 || report->retry_completed != 0;
}

static void show_report(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                        const tlsdiag_frame_report *report)
{
    /* Links to later frames exist only once the first pass has seen them;
     * they are shown from the second pass on, as Wireshark users expect. */
    bool show_links = PINFO_FD_VISITED(pinfo);
    const tlsdiag_verdict *verdict = &report->verdict;

    if (verdict->flag == TLSDIAG_FLAG_NONE && !(show_links && has_links(report)))
        return;

    proto_item *root = proto_tree_add_item(tree, proto_tlsdiag, tvb, 0, 0, ENC_NA);
    proto_item_set_generated(root);
    if (verdict->flag != TLSDIAG_FLAG_NONE)
        proto_item_append_text(root, ": %s", tlsdiag_flag_name(verdict->flag));
    proto_tree *subtree = proto_item_add_subtree(root, ett_tlsdiag);

    GString *text = g_string_sized_new(256);
    if (verdict->flag != TLSDIAG_FLAG_NONE)
        add_verdict(subtree, tvb, pinfo, verdict, text);
    if (show_links)
        add_links(subtree, tvb, pinfo, report, text);
    g_string_free(text, TRUE);
}

/* The first pass: false when the engine made no report for the frame (a
 * report then comes from the frame's own observation only: links come
 * from later frames). A frame of a story that is over is passed: it moves
 * the capture's clock on, and the engine reads no more of it. */
static bool observe_tcp_frame(const tlsdiag_frame_fields *fields, packet_info *pinfo)
{
    tlsdiag_observation obs;
    if (!tlsdiag_extract_segment(fields, pinfo, &obs))
        return false;
    if (!tlsdiag_engine_wants_content(engine, &obs)) {
        tlsdiag_engine_pass_frame(engine, obs.time_ns);
        return false;
    }
    tlsdiag_extract_content(fields, pinfo, &obs);
    if (!(fields_seen & TLSDIAG_SEEN_DECRYPTION) && tlsdiag_extract_shows_decryption(&obs))
        want_fields_of(TLSDIAG_SEEN_DECRYPTION);
    tlsdiag_engine_observe(engine, &obs);
    return true;
}

static bool observe_quic_frame(const tlsdiag_frame_fields *fields, packet_info *pinfo)
{
    tlsdiag_quic_observation quic;
    const field_info *connection = tlsdiag_extract_quic(fields, pinfo, &quic);
    if (connection == NULL)
        return false;
    want_fields_of(TLSDIAG_SEEN_QUIC);
    if (!tlsdiag_engine_wants_quic_content(engine, &quic)) {
        tlsdiag_engine_pass_frame(engine, quic.time_ns);
        return false;
    }
    tlsdiag_extract_quic_content(fields, pinfo, connection, &quic);
    tlsdiag_engine_observe_quic(engine, &quic);
    return true;
}

static int dissect_tlsdiag(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (engine == NULL)
        return 0;

    if (!PINFO_FD_VISITED(pinfo)) {
        tlsdiag_frame_fields fields;
        if (!tlsdiag_extract_collect(tree, &fields))
            return 0;
        /* TLS over QUIC has handshake messages too, and no TCP header. */
        bool observed = pinfo->ptype == PT_TCP ? observe_tcp_frame(&fields, pinfo)
                                               : observe_quic_frame(&fields, pinfo);
        if (!observed)
            return 0;
    } else {
        /* A frame seen again means the first pass is over (tshark -2, or
         * the GUI after reading the file): handshakes that never finished
         * can be told now. */
        tlsdiag_engine_capture_end(engine);
    }

    tlsdiag_frame_report report;
    if (!tlsdiag_engine_report(engine, pinfo->num, &report))
        return 0;
    /* Expert items name the protocol current when they are added: with a
     * handle of no protocol, Wireshark leaves the previous dissector's. */
    pinfo->current_proto = proto_get_protocol_short_name(tlsdiag_protocol);
    show_report(tvb, pinfo, tree, &report);
    /* Taps read the verdict after the frame's dissection. */
    if (report.verdict.flag != TLSDIAG_FLAG_NONE && have_tap_listener(tlsdiag_tap))
        tap_queue_packet(tlsdiag_tap, pinfo,
                         wmem_memdup(pinfo->pool, &report.verdict, sizeof report.verdict));
    return tvb_captured_length(tvb);
}

/* ---- registration --------------------------------------------------------- */

void proto_register_tlsdiag(void)
{
    static hf_register_info hf[] = {
        {&hf_tlsdiag_flag,
         {"Flag", "tlsdiag.flag", FT_STRING, BASE_NONE, NULL, 0x0,
          "What went wrong: handshake_aborted, handshake_alert, version_fallback, "
          "retry_after_failure, fallback_scsv, fallback_rejected, alert_after_403, "
          "possible_alert_after_403, client_cert_rejected, resumption_refused, "
          "resumption_other_server, handshake_stalled, handshake_slow, handshake_abandoned, "
          "rejected_after_handshake, certificate_changed, quic_handshake_closed, "
          "quic_unanswered, quic_fallback_to_tcp, quic_no_common_version, quic_retry_loop",
          HFILL}},
        {&hf_tlsdiag_side,
         {"Side", "tlsdiag.side", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who sent the FIN, RST, alert or ClientHello (client: the sender of the ClientHello; "
          "server); for a stalled handshake, who owes the next message",
          HFILL}},
        {&hf_tlsdiag_close,
         {"Close", "tlsdiag.close", FT_STRING, BASE_NONE, NULL, 0x0,
          "How TCP ended the handshake: FIN or RST", HFILL}},
        {&hf_tlsdiag_stage,
         {"Stage", "tlsdiag.stage", FT_STRING, BASE_NONE, NULL, 0x0,
          "Last handshake step reached: client_hello, server_hello, server_flight, client_flight, "
          "established",
          HFILL}},
        {&hf_tlsdiag_version,
         {"Client's highest version", "tlsdiag.version", FT_UINT16, BASE_HEX, NULL, 0x0,
          "Highest version the client offered (supported_versions when present)", HFILL}},
        {&hf_tlsdiag_negotiated_version,
         {"Negotiated version", "tlsdiag.negotiated_version", FT_UINT16, BASE_HEX, NULL, 0x0,
          "Version the ServerHello selected", HFILL}},
        {&hf_tlsdiag_client_hello,
         {"ClientHello in frame", "tlsdiag.client_hello", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, "The ClientHello of this handshake", HFILL}},
        {&hf_tlsdiag_elapsed,
         {"Time since ClientHello", "tlsdiag.elapsed", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from this handshake's ClientHello to this frame", HFILL}},
        {&hf_tlsdiag_alert,
         {"Alert", "tlsdiag.alert", FT_UINT8, BASE_DEC, NULL, 0x0,
          "Description of the alert that ended the handshake", HFILL}},
        {&hf_tlsdiag_alert_level,
         {"Alert level", "tlsdiag.alert_level", FT_UINT8, BASE_DEC, NULL, 0x0, "1 warning, 2 fatal",
          HFILL}},
        {&hf_tlsdiag_retransmissions,
         {"Retransmissions", "tlsdiag.retransmissions", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Handshake segments retransmitted on this connection before this frame", HFILL}},
        {&hf_tlsdiag_client,
         {"Client", "tlsdiag.client", FT_STRING, BASE_NONE, NULL, 0x0, "Client address and port",
          HFILL}},
        {&hf_tlsdiag_server,
         {"Server", "tlsdiag.server", FT_STRING, BASE_NONE, NULL, 0x0, "Server address and port",
          HFILL}},
        {&hf_tlsdiag_sni,
         {"Server name", "tlsdiag.sni", FT_STRING, BASE_NONE, NULL, 0x0,
          "Server name (SNI) of the ClientHello", HFILL}},
        {&hf_tlsdiag_ended_by,
         {"Handshake ended in frame", "tlsdiag.ended_by", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
          "On a ClientHello: the FIN, RST or alert that ended its handshake", HFILL}},
        {&hf_tlsdiag_fallback_previous,
         {"Failed attempt's ClientHello", "tlsdiag.fallback.previous", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RETRANS_PREV), 0x0,
          "ClientHello of the failed attempt this one retries", HFILL}},
        {&hf_tlsdiag_fallback_failure,
         {"Failed attempt ended in frame", "tlsdiag.fallback.failure", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
          "The FIN, RST or alert that ended the failed attempt", HFILL}},
        {&hf_tlsdiag_fallback_origin,
         {"Chain started in frame", "tlsdiag.fallback.origin", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0, "The failure that started this chain of retries",
          HFILL}},
        {&hf_tlsdiag_fallback_from,
         {"From version", "tlsdiag.fallback.from", FT_UINT16, BASE_HEX, NULL, 0x0,
          "Highest version of the failed attempt", HFILL}},
        {&hf_tlsdiag_fallback_to,
         {"To version", "tlsdiag.fallback.to", FT_UINT16, BASE_HEX, NULL, 0x0,
          "Highest version of this attempt", HFILL}},
        {&hf_tlsdiag_fallback_scsv,
         {"TLS_FALLBACK_SCSV", "tlsdiag.fallback.scsv", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The ClientHello offers TLS_FALLBACK_SCSV (0x5600)", HFILL}},
        {&hf_tlsdiag_fallback_attempt,
         {"Attempt", "tlsdiag.fallback.attempt", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Position in the chain of retries: 1 for the first retry after the failure", HFILL}},
        {&hf_tlsdiag_fallback_retry,
         {"Client retried in frame", "tlsdiag.fallback.retry", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RETRANS_NEXT), 0x0,
          "On a failure: the ClientHello with which the client tried again", HFILL}},
        {&hf_tlsdiag_fallback_completed,
         {"Retry completed in frame", "tlsdiag.fallback.completed", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
          "On a retry's ClientHello: the frame that completed its handshake", HFILL}},
        {&hf_tlsdiag_certificate_requested,
         {"Client certificate requested", "tlsdiag.certificate_requested", FT_BOOLEAN, BASE_NONE,
          NULL, 0x0, "The server sent a CertificateRequest (mutual TLS)", HFILL}},
        {&hf_tlsdiag_client_certificate,
         {"Client certificate", "tlsdiag.client_certificate", FT_STRING, BASE_NONE, NULL, 0x0,
          "What the client answered to the CertificateRequest: sent or empty", HFILL}},
        {&hf_tlsdiag_http403,
         {"HTTP 403 in frame", "tlsdiag.http403", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
          "The HTTP 403 response that this alert or close follows", HFILL}},
        {&hf_tlsdiag_resumption_offered,
         {"Resumption offered", "tlsdiag.resumption.offered", FT_STRING, BASE_NONE, NULL, 0x0,
          "What the ClientHello offered to resume: session_id (TLS 1.2 session cache), ticket "
          "(TLS 1.2 SessionTicket) or psk (TLS 1.3 pre-shared key)",
          HFILL}},
        {&hf_tlsdiag_resumption_issued,
         {"Session issued in frame", "tlsdiag.resumption.issued", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
          "The ServerHello or NewSessionTicket that issued the offered session", HFILL}},
        {&hf_tlsdiag_resumption_issuer,
         {"Session issued by", "tlsdiag.resumption.issuer", FT_STRING, BASE_NONE, NULL, 0x0,
          "Address of the server that issued the offered session", HFILL}},
        {&hf_tlsdiag_last_progress,
         {"Last progress in frame", "tlsdiag.last_progress", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
          "The last frame that carried this handshake forward (new TLS content)", HFILL}},
        {&hf_tlsdiag_idle,
         {"Time without progress", "tlsdiag.idle", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from the handshake's last progress to this frame (with capture_end: to the end "
          "of the capture)",
          HFILL}},
        {&hf_tlsdiag_capture_end,
         {"Incomplete at end of capture", "tlsdiag.capture_end", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The capture ends before this handshake completes (shown from the second pass on)",
          HFILL}},
        {&hf_tlsdiag_unreadable,
         {"Records unreadable from frame", "tlsdiag.unreadable", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "handshake_stalled: the first frame after the last progress whose TLS bytes Wireshark "
          "could not read as records (a segment missing or out of order, a stream taken for "
          "SSLv2, or bytes that are no TLS); the handshake may have gone on unseen",
          HFILL}},
        {&hf_tlsdiag_unrecorded,
         {"Nothing recorded of the connection for", "tlsdiag.unrecorded", FT_RELATIVE_TIME,
          BASE_NONE, NULL, 0x0,
          "handshake_stalled at the end of the capture: the time from this frame to the end of "
          "the recording without a single packet of the connection, not even a TCP ACK or a "
          "retransmission; the recording lost the connection, not known to have stalled",
          HFILL}},
        {&hf_tlsdiag_step_server_hello,
         {"ServerHello after", "tlsdiag.step.server_hello", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from the ClientHello to the ServerHello", HFILL}},
        {&hf_tlsdiag_step_server_flight,
         {"Server flight after", "tlsdiag.step.server_flight", FT_RELATIVE_TIME, BASE_NONE, NULL,
          0x0, "Time from the ServerHello to the end of the server's flight", HFILL}},
        {&hf_tlsdiag_step_client_flight,
         {"Client flight after", "tlsdiag.step.client_flight", FT_RELATIVE_TIME, BASE_NONE, NULL,
          0x0, "Time from the server's flight to the client's (key exchange and Finished)", HFILL}},
        {&hf_tlsdiag_step_completion,
         {"Completion after", "tlsdiag.step.completion", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from the client's flight to the handshake's completion", HFILL}},
        {&hf_tlsdiag_loss_client_hello,
         {"ClientHello retransmissions", "tlsdiag.loss.client_hello_retransmissions", FT_UINT32,
          BASE_DEC, NULL, 0x0, "Retransmitted segments of the ClientHello before this frame",
          HFILL}},
        {&hf_tlsdiag_loss_server,
         {"Server retransmissions", "tlsdiag.loss.server_retransmissions", FT_UINT32, BASE_DEC,
          NULL, 0x0, "Retransmitted segments of the server's handshake flights before this frame",
          HFILL}},
        {&hf_tlsdiag_loss_client,
         {"Client flight retransmissions", "tlsdiag.loss.client_retransmissions", FT_UINT32,
          BASE_DEC, NULL, 0x0,
          "Retransmitted segments of the client's later flights before this frame", HFILL}},
        {&hf_tlsdiag_loss_duplicate_acks,
         {"Duplicate ACKs", "tlsdiag.loss.duplicate_acks", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Duplicate ACKs on this connection during the handshake, before this frame", HFILL}},
        {&hf_tlsdiag_loss_zero_windows,
         {"Zero windows", "tlsdiag.loss.zero_windows", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Zero-window segments on this connection during the handshake, before this frame",
          HFILL}},
        {&hf_tlsdiag_detail,
         {"Detail", "tlsdiag.detail", FT_STRING, BASE_NONE, NULL, 0x0,
          "The rest of the expert text, where it is longer than Wireshark shows in one line",
          HFILL}},
        {&hf_tlsdiag_abandoned_sibling,
         {"Sibling ready in frame", "tlsdiag.abandoned.sibling", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
          "On handshake_abandoned: the client Finished or completion of the sibling connection "
          "(same client to the same server, or same server name) that made this one surplus",
          HFILL}},
        {&hf_tlsdiag_abandoned_closed_together,
         {"Closed together", "tlsdiag.abandoned.closed_together", FT_UINT32, BASE_DEC, NULL, 0x0,
          "On handshake_abandoned: unfinished connections to this server the client closed in a "
          "row, each within 5 ms of the one before, this one included",
          HFILL}},
        {&hf_tlsdiag_recording_gap,
         {"Recording gap", "tlsdiag.recording_gap", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time in the handshake's silence during which the capture has no TCP packet at all "
          "(recordings joined with mergecap -a)",
          HFILL}},
        {&hf_tlsdiag_client_error,
         {"Client error", "tlsdiag.client_error", FT_STRING, BASE_NONE, NULL, 0x0,
          "What a client stack reports for this event (one per stack; see docs/client-errors.md)",
          HFILL}},
        {&hf_tlsdiag_cert_problem,
         {"Certificate problem", "tlsdiag.cert.problem", FT_STRING, BASE_NONE, NULL, 0x0,
          "What tlsdiag found in the server's certificate chain, judged at the capture time of "
          "its Certificate message: expired, not_yet_valid, clock_before_2000, name_mismatch, "
          "cn_only, incomplete_chain, self_signed, weak_key, weak_signature, unparsable, "
          "untrusted_root (preference), apple_tls_version, apple_forward_secrecy, apple_validity",
          HFILL}},
        {&hf_tlsdiag_cert_subject,
         {"Subject", "tlsdiag.cert.subject", FT_STRING, BASE_NONE, NULL, 0x0,
          "Subject of the server's certificate (the leaf)", HFILL}},
        {&hf_tlsdiag_cert_issuer,
         {"Issuer", "tlsdiag.cert.issuer", FT_STRING, BASE_NONE, NULL, 0x0,
          "Issuer of the server's certificate", HFILL}},
        {&hf_tlsdiag_cert_san,
         {"Subject alternative name", "tlsdiag.cert.san", FT_STRING, BASE_NONE, NULL, 0x0,
          "A DNS name of the server's certificate (subjectAltName dNSName)", HFILL}},
        {&hf_tlsdiag_cert_not_before,
         {"Not before", "tlsdiag.cert.not_before", FT_STRING, BASE_NONE, NULL, 0x0,
          "Start of the certificate's validity, UTC", HFILL}},
        {&hf_tlsdiag_cert_not_after,
         {"Not after", "tlsdiag.cert.not_after", FT_STRING, BASE_NONE, NULL, 0x0,
          "End of the certificate's validity, UTC", HFILL}},
        {&hf_tlsdiag_cert_key,
         {"Public key", "tlsdiag.cert.key", FT_STRING, BASE_NONE, NULL, 0x0,
          "Algorithm and size of the certificate's key: RSA 2048, EC P-256", HFILL}},
        {&hf_tlsdiag_cert_signature,
         {"Signature", "tlsdiag.cert.signature", FT_STRING, BASE_NONE, NULL, 0x0,
          "Signature algorithm of the certificate (GnuTLS name)", HFILL}},
        {&hf_tlsdiag_cert_chain_length,
         {"Chain length", "tlsdiag.cert.chain_length", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Certificates the server sent (counted up to 8)", HFILL}},
        {&hf_tlsdiag_cert_spki_sha256,
         {"Public key pin (SHA-256)", "tlsdiag.cert.spki_sha256", FT_STRING, BASE_NONE, NULL, 0x0,
          "Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo: the pin value of "
          "curl --pinnedpubkey sha256//, OkHttp and iOS pinning",
          HFILL}},
        {&hf_tlsdiag_cert_other_frame,
         {"Other key used in frame", "tlsdiag.cert.other_frame", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
          "certificate_changed: a frame of an earlier connection to the same server that was "
          "used with another key",
          HFILL}},
        {&hf_tlsdiag_cert_other_spki_sha256,
         {"Other key's pin (SHA-256)", "tlsdiag.cert.other_spki_sha256", FT_STRING, BASE_NONE, NULL,
          0x0, "certificate_changed: the pin of the key that connection used", HFILL}},
        {&hf_tlsdiag_fallback_since_failure,
         {"Time since the failure", "tlsdiag.fallback.since_failure", FT_RELATIVE_TIME, BASE_NONE,
          NULL, 0x0,
          "quic_fallback_to_tcp: from the failed QUIC attempt's close (or, unanswered, its latest "
          "datagram) to this ClientHello",
          HFILL}},
        {&hf_tlsdiag_quic_connection,
         {"QUIC connection", "tlsdiag.quic.connection", FT_UINT32, BASE_DEC, NULL, 0x0,
          "quic.connection.number of the QUIC connection (for quic_fallback_to_tcp: of the failed "
          "attempt)",
          HFILL}},
        {&hf_tlsdiag_quic_error,
         {"CONNECTION_CLOSE error", "tlsdiag.quic.error", FT_UINT64, BASE_HEX, NULL, 0x0,
          "Error code of the CONNECTION_CLOSE (0x100 + TLS alert for CRYPTO_ERROR)", HFILL}},
        {&hf_tlsdiag_quic_reason,
         {"Reason phrase", "tlsdiag.quic.reason", FT_STRING, BASE_NONE, NULL, 0x0,
          "Reason phrase of the CONNECTION_CLOSE", HFILL}},
        {&hf_tlsdiag_quic_initials,
         {"Client Initials", "tlsdiag.quic.initials", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Client datagrams with an Initial packet in the attempt, retransmissions included",
          HFILL}},
        {&hf_tlsdiag_quic_span,
         {"Initials span", "tlsdiag.quic.span", FT_RELATIVE_TIME, BASE_NONE, NULL, 0x0,
          "Time from the client's first Initial to its last", HFILL}},
        {&hf_tlsdiag_quic_icmp,
         {"ICMP unreachable in frame", "tlsdiag.quic.icmp", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0,
          "The first ICMP unreachable error that answered the client's Initials", HFILL}},
        {&hf_tlsdiag_quic_path,
         {"Path", "tlsdiag.quic.path", FT_STRING, BASE_NONE, NULL, 0x0,
          "What answered the unanswered Initials: port_closed (ICMP port unreachable), "
          "icmp_unreachable (another ICMP unreachable), udp_filtered (nothing)",
          HFILL}},
        {&hf_tlsdiag_quic_version,
         {"Offered QUIC version", "tlsdiag.quic.version", FT_UINT32, BASE_HEX, NULL, 0x0,
          "The QUIC version of the client's Initial", HFILL}},
        {&hf_tlsdiag_quic_retry,
         {"Retry in frame", "tlsdiag.quic.retry", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_NONE), 0x0, "The server's first Retry packet", HFILL}},
    };

    static gint *ett[] = {
        &ett_tlsdiag,
        &ett_tlsdiag_fallback,
        &ett_tlsdiag_resumption,
        &ett_tlsdiag_steps,
        &ett_tlsdiag_loss,
        &ett_tlsdiag_cert,
        &ett_tlsdiag_quic,
    };

    static ei_register_info ei[] = {
        {&ei_tlsdiag_handshake_aborted,
         {"tlsdiag.handshake_aborted", PI_SEQUENCE, PI_WARN, "TLS handshake aborted by FIN or RST",
          EXPFILL}},
        {&ei_tlsdiag_handshake_alert,
         {"tlsdiag.handshake_alert", PI_RESPONSE_CODE, PI_WARN, "TLS handshake ended by an alert",
          EXPFILL}},
        {&ei_tlsdiag_version_fallback,
         {"tlsdiag.version_fallback", PI_SEQUENCE, PI_WARN,
          "ClientHello retries a failed attempt with a lower version", EXPFILL}},
        {&ei_tlsdiag_retry_after_failure,
         {"tlsdiag.retry_after_failure", PI_SEQUENCE, PI_NOTE,
          "ClientHello retries a failed attempt with the same version", EXPFILL}},
        {&ei_tlsdiag_fallback_scsv,
         {"tlsdiag.fallback_scsv", PI_SEQUENCE, PI_NOTE,
          "ClientHello offers TLS_FALLBACK_SCSV after a failure not in the capture", EXPFILL}},
        {&ei_tlsdiag_fallback_rejected,
         {"tlsdiag.fallback_rejected", PI_RESPONSE_CODE, PI_ERROR,
          "Server refused a fallback retry (inappropriate_fallback)", EXPFILL}},
        {&ei_tlsdiag_alert_after_403,
         {"tlsdiag.alert_after_403", PI_RESPONSE_CODE, PI_WARN,
          "TLS alert after an HTTP 403 on a mutual-TLS connection", EXPFILL}},
        {&ei_tlsdiag_close_after_403,
         {"tlsdiag.close_after_403", PI_RESPONSE_CODE, PI_NOTE,
          "Connection closed after an HTTP 403 on a mutual-TLS connection", EXPFILL}},
        {&ei_tlsdiag_possible_alert_after_403,
         {"tlsdiag.possible_alert_after_403", PI_RESPONSE_CODE, PI_NOTE,
          "Encrypted client alert right after the first response on a mutual-TLS connection",
          EXPFILL}},
        {&ei_tlsdiag_client_cert_rejected,
         {"tlsdiag.client_cert_rejected", PI_SECURITY, PI_WARN,
          "Server rejected the client certificate after the client's Finished (TLS 1.3)", EXPFILL}},
        {&ei_tlsdiag_resumption_refused,
         {"tlsdiag.resumption_refused", PI_SEQUENCE, PI_NOTE,
          "Server declined to resume the offered session and ran a full handshake", EXPFILL}},
        {&ei_tlsdiag_resumption_failed,
         {"tlsdiag.resumption_failed", PI_RESPONSE_CODE, PI_WARN,
          "Server failed the handshake of a ClientHello that offered to resume a session",
          EXPFILL}},
        {&ei_tlsdiag_resumption_other_server,
         {"tlsdiag.resumption_other_server", PI_SEQUENCE, PI_NOTE,
          "Session resumption offered to a server other than the one that issued the session; "
          "full handshake instead",
          EXPFILL}},
        {&ei_tlsdiag_handshake_stalled,
         {"tlsdiag.handshake_stalled", PI_SEQUENCE, PI_WARN,
          "TLS handshake made no progress for longer than the stall timeout", EXPFILL}},
        {&ei_tlsdiag_handshake_incomplete,
         {"tlsdiag.handshake_incomplete", PI_SEQUENCE, PI_NOTE,
          "TLS handshake still incomplete when the capture ends", EXPFILL}},
        {&ei_tlsdiag_handshake_unreadable,
         {"tlsdiag.handshake_unreadable", PI_SEQUENCE, PI_NOTE,
          "Wireshark could not read the handshake's records after its last progress: the "
          "handshake may have gone on unseen, not stalled",
          EXPFILL}},
        {&ei_tlsdiag_handshake_unrecorded,
         {"tlsdiag.handshake_unrecorded", PI_SEQUENCE, PI_NOTE,
          "Nothing of the connection was recorded after the handshake's last frame, not even a "
          "TCP ACK or a retransmission: the recording lost it, not known to have stalled",
          EXPFILL}},
        {&ei_tlsdiag_handshake_slow,
         {"tlsdiag.handshake_slow", PI_SEQUENCE, PI_WARN,
          "TLS handshake took longer than the slow-handshake threshold", EXPFILL}},
        {&ei_tlsdiag_handshake_failed_later,
         {"tlsdiag.handshake_failed_later", PI_SEQUENCE, PI_NOTE,
          "The handshake of this ClientHello failed later", EXPFILL}},
        {&ei_tlsdiag_retried_later,
         {"tlsdiag.retried_later", PI_SEQUENCE, PI_NOTE, "The client retried after this failure",
          EXPFILL}},
        {&ei_tlsdiag_retry_completed,
         {"tlsdiag.retry_completed", PI_SEQUENCE, PI_NOTE,
          "The retry after a failure completed its handshake", EXPFILL}},
        {&ei_tlsdiag_handshake_abandoned,
         {"tlsdiag.handshake_abandoned", PI_SEQUENCE, PI_NOTE,
          "The client closed an unfinished handshake it no longer needed (a sibling connection "
          "was ready)",
          EXPFILL}},
        {&ei_tlsdiag_handshake_cut_by_recording,
         {"tlsdiag.handshake_cut_by_recording", PI_SEQUENCE, PI_NOTE,
          "The handshake's silence is a gap in the recording, not a stall", EXPFILL}},
        {&ei_tlsdiag_resumption_other_server_failed,
         {"tlsdiag.resumption_other_server_failed", PI_RESPONSE_CODE, PI_WARN,
          "Server failed the handshake of a resumption offered with another server's session",
          EXPFILL}},
        {&ei_tlsdiag_rejected_after_handshake,
         {"tlsdiag.rejected_after_handshake", PI_SECURITY, PI_WARN,
          "Client closed right after the handshake without sending data (rejected the server)",
          EXPFILL}},
        {&ei_tlsdiag_certificate_changed,
         {"tlsdiag.certificate_changed", PI_SECURITY, PI_WARN,
          "Client refused a server key other than one an earlier connection to the same server "
          "used (servers of a pool present different certificates)",
          EXPFILL}},
        {&ei_tlsdiag_quic_handshake_closed,
         {"tlsdiag.quic_handshake_closed", PI_RESPONSE_CODE, PI_WARN,
          "QUIC CONNECTION_CLOSE before the handshake completed", EXPFILL}},
        {&ei_tlsdiag_quic_handshake_refused,
         {"tlsdiag.quic_handshake_refused", PI_RESPONSE_CODE, PI_ERROR,
          "QUIC server closed the connection at its first answer (Initial level)", EXPFILL}},
        {&ei_tlsdiag_quic_unanswered,
         {"tlsdiag.quic_unanswered", PI_SEQUENCE, PI_WARN,
          "QUIC client Initials without any answer from the server", EXPFILL}},
        {&ei_tlsdiag_quic_unanswered_short,
         {"tlsdiag.quic_unanswered_short", PI_SEQUENCE, PI_NOTE,
          "One QUIC client Initial without an answer before the capture ends", EXPFILL}},
        {&ei_tlsdiag_quic_fallback_to_tcp,
         {"tlsdiag.quic_fallback_to_tcp", PI_SEQUENCE, PI_WARN,
          "TLS over TCP after a failed or unanswered QUIC attempt to the same server", EXPFILL}},
        {&ei_tlsdiag_quic_no_common_version,
         {"tlsdiag.quic_no_common_version", PI_PROTOCOL, PI_WARN,
          "QUIC version negotiation found no version in common", EXPFILL}},
        {&ei_tlsdiag_quic_version_probe,
         {"tlsdiag.quic_version_probe", PI_PROTOCOL, PI_NOTE,
          "QUIC client sent a greased version and did not come back after the Version Negotiation",
          EXPFILL}},
        {&ei_tlsdiag_quic_retry_loop,
         {"tlsdiag.quic_retry_loop", PI_SEQUENCE, PI_WARN,
          "QUIC client answered a Retry and got no further", EXPFILL}},
    };

    module_t *tlsdiag_module;
    expert_module_t *expert_tlsdiag;

    proto_tlsdiag = proto_register_protocol("TLS Handshake Diagnostics", "TLSDIAG", "tlsdiag");
    proto_register_field_array(proto_tlsdiag, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_tlsdiag = expert_register_protocol(proto_tlsdiag);
    expert_register_field_array(expert_tlsdiag, ei, array_length(ei));
    tlsdiag_tap = register_tap(TLSDIAG_TAP_NAME);

    tlsdiag_module = prefs_register_protocol(proto_tlsdiag, NULL);
    /* The preference page is where people look for what a plugin does. */
    prefs_register_static_text_preference(
        tlsdiag_module, "summary",
        "Names why TLS handshakes fail: filter on tlsdiag, or see Analyze > Expert Information "
        "and Statistics > TLS diagnosis.",
        "tlsdiag annotates the frame that ended a failed handshake (FIN, RST or alert), "
        "fallback retries and alerts after an HTTP 403 on mutual TLS");
    prefs_register_uint_preference(
        tlsdiag_module, "fallback_window", "Fallback window (seconds)",
        "How soon after a failed handshake (FIN, RST or alert) a new ClientHello from the same "
        "client address to the same server address, port and server name counts as its retry "
        "(version_fallback, retry_after_failure, fallback_rejected). Raise it for clients that "
        "wait longer before they retry.",
        10, &tlsdiag_prefs.fallback_window_s);
    prefs_register_uint_preference(
        tlsdiag_module, "stall_timeout", "Stall timeout (seconds)",
        "A handshake that makes no progress (no new TLS content; retransmissions do not count) "
        "for longer than this many seconds is reported as stalled",
        10, &tlsdiag_prefs.stall_timeout_s);
    prefs_register_uint_preference(
        tlsdiag_module, "slow_handshake", "Slow handshake (seconds)",
        "A handshake that takes longer than this many seconds from ClientHello to completion is "
        "reported as slow, with the time of each step",
        10, &tlsdiag_prefs.slow_handshake_s);
    prefs_register_bool_preference(
        tlsdiag_module, "untrusted_root", "Check server certificates against this machine's CAs",
        "Report a server certificate chain that does not lead to a CA of this machine's trust "
        "store (tlsdiag.cert.problem untrusted_root). It is the analyst's trust store, not the "
        "client's: a private CA the clients installed is reported too",
        &tlsdiag_prefs.untrusted_root);

    register_init_routine(tlsdiag_init);
    register_cleanup_routine(tlsdiag_cleanup);
}

void proto_reg_handoff_tlsdiag(void)
{
    /* A handle without a protocol spares every frame Wireshark's
     * per-protocol bookkeeping of a dissector call (the enabled check, the
     * layer list, a map of protocol depths): on most frames more work than
     * tlsdiag's own. Init makes no engine for a disabled tlsdiag, and
     * dissect_tlsdiag names it for its expert items. A postdissector's
     * layer is not in frame.protocols, which is written before
     * postdissectors run. */
    tlsdiag_protocol = find_protocol_by_id(proto_tlsdiag);
    tlsdiag_handle = create_dissector_handle(dissect_tlsdiag, -1);
    register_postdissector(tlsdiag_handle);
    tlsdiag_extract_resolve_fields();
}
