/* extract.c
 * Field extraction for tlsdiag: a table of the fields it reads, resolved once,
 * and small readers over the items Wireshark tracked for them in a frame.
 * Only fields listed here are tracked for us.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <wireshark.h>
#include <epan/address.h>
#include <epan/conversation.h>
#include <epan/proto.h>

#include "engine/vocabulary.h"
#include "extract.h"

#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
#define FIELD_VALUE(fi) ((fi)->value)
#else
#define FIELD_VALUE(fi) (&(fi)->value)
#endif

/* Wireshark 4.0 names the field type tests IS_FT_*, later versions FT_IS_*. */
#ifndef FT_IS_UINT32
#define FT_IS_UINT32(ft) IS_FT_UINT32(ft)
#endif
#ifndef FT_IS_UINT64
#define FT_IS_UINT64(ft) IS_FT_UINT64(ft)
#endif

/* Wireshark 4.0: the TCP conversation's index tells connections apart as
 * tcp.stream does, without a wanted field built on every frame. Later
 * versions give some connections (TCP Fast Open, segments reordered around
 * a reset) a conversation that does not follow tcp.stream: there the field
 * is read. */
#if WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR < 2
#define STREAM_FROM_CONVERSATION 1
#endif

typedef enum {
    FIELD_TCP_STREAM,
    FIELD_TCP_FIN,
    FIELD_TCP_RST,
    FIELD_TCP_RETRANSMISSION,
    FIELD_TCP_DUPLICATE_ACK,
    FIELD_TCP_ZERO_WINDOW,
    FIELD_TLS_CONTENT_TYPE,
    FIELD_TLS_OPAQUE_TYPE,
    FIELD_TLS_HANDSHAKE_TYPE,
    FIELD_TLS_SSL2_HANDSHAKE_TYPE,
    FIELD_TLS_ALERT_DESCRIPTION,
    FIELD_HTTP_STATUS,
    FIELD_HTTP2_STATUS,
    FIELD_QUIC_CONNECTION,
    FIELD_QUIC_CLOSE_ERROR,
    FIELD_ICMP,
    FIELD_ICMPV6,
    FIELD_QUIC_APP_CLOSE_ERROR,
    FIELD_HTTP3_STATUS,
    FIELD_TLS,
    FIELD_TCP_SEGMENT_DATA,
    FIELD_COUNT
} wanted_field;

/* A wanted field is built wherever it occurs, so the table asks for items
 * that only the frames tlsdiag reads have: TCP's expert items for a FIN or
 * a RST rather than the TCP header of every segment, the handshake
 * message rather than the hello's version, cipher suites, server name and
 * supported versions (its bytes say them all).
 *
 * Some dissectors register several fields under one name (the TLS
 * dissector's tls.handshake.version is both the client's and the server's);
 * a filter matches them all, and so must we. */
#define MAX_SAME_NAME 4

typedef struct {
    const char *abbrev;
    unsigned after; /* TLSDIAG_SEEN_*: wanted once the capture showed it; 0: always */
    int hf[MAX_SAME_NAME];
    unsigned hf_count;
} field_ref;

static field_ref fields[FIELD_COUNT] = {
#ifndef STREAM_FROM_CONVERSATION
    [FIELD_TCP_STREAM] = {.abbrev = "tcp.stream"},
#endif
    [FIELD_TCP_FIN] = {.abbrev = "tcp.connection.fin"},
    [FIELD_TCP_RST] = {.abbrev = "tcp.connection.rst"},
    [FIELD_TCP_RETRANSMISSION] = {.abbrev = "tcp.analysis.retransmission"},
    [FIELD_TCP_DUPLICATE_ACK] = {.abbrev = "tcp.analysis.duplicate_ack"},
    [FIELD_TCP_ZERO_WINDOW] = {.abbrev = "tcp.analysis.zero_window"},
    /* A content or opaque type is an item on every record: until a
     * decrypted handshake shows inner types (TLS 1.3), the types are read
     * from the record headers under the tls item instead, which a filter
     * on tls builds anyway. */
    [FIELD_TLS] = {.abbrev = "tls"},
    /* The bytes TCP holds back for a later segment: the TLS dissector
     * read no record from there on (it may have asked for more than a
     * record's header says, when it took the stream for SSLv2). */
    [FIELD_TCP_SEGMENT_DATA] = {.abbrev = "tcp.segment_data"},
    [FIELD_TLS_CONTENT_TYPE] = {.abbrev = "tls.record.content_type",
                                .after = TLSDIAG_SEEN_DECRYPTION},
    [FIELD_TLS_OPAQUE_TYPE] = {.abbrev = "tls.record.opaque_type",
                               .after = TLSDIAG_SEEN_DECRYPTION},
    [FIELD_TLS_HANDSHAKE_TYPE] = {.abbrev = "tls.handshake.type"},
    /* Wireshark 4.4 on: SSLv2-format messages have their own type field. */
    [FIELD_TLS_SSL2_HANDSHAKE_TYPE] = {.abbrev = "tls.ssl2.handshake.type"},
    [FIELD_TLS_ALERT_DESCRIPTION] = {.abbrev = "tls.alert_message.desc"},
    /* A response is readable only where TLS is decrypted. */
    [FIELD_HTTP_STATUS] = {.abbrev = "http.response.code", .after = TLSDIAG_SEEN_DECRYPTION},
    [FIELD_HTTP2_STATUS] = {.abbrev = "http2.headers.status", .after = TLSDIAG_SEEN_DECRYPTION},
    /* QUIC: the connection number, at the start of each datagram, whose
     * bytes say the packets' types; the close's error code where a close
     * was readable, its reason phrase from the bytes after it. */
    [FIELD_QUIC_CONNECTION] = {.abbrev = "quic.connection.number"},
    [FIELD_QUIC_CLOSE_ERROR] = {.abbrev = "quic.cc.error_code", .after = TLSDIAG_SEEN_QUIC},
    /* An ICMP error quotes the datagram it answers, and Wireshark
     * dissects the quote: its QUIC is not new. */
    [FIELD_ICMP] = {.abbrev = "icmp", .after = TLSDIAG_SEEN_QUIC},
    [FIELD_ICMPV6] = {.abbrev = "icmpv6", .after = TLSDIAG_SEEN_QUIC},
    /* The application's close (HTTP/3 error codes), and the HTTP/3
     * response status, which only Wireshark 4.4 and later dissect: where
     * the field does not exist it is not wanted, and costs nothing. */
    [FIELD_QUIC_APP_CLOSE_ERROR] = {.abbrev = "quic.cc.error_code.app", .after = TLSDIAG_SEEN_QUIC},
    [FIELD_HTTP3_STATUS] = {.abbrev = "http3.headers.status", .after = TLSDIAG_SEEN_QUIC},
};

/* From a field's registration to its place in tlsdiag_frame_fields: a
 * small open-addressed table, built with the field table. */
#define SLOT_BITS 7

typedef struct {
    int hf; /* 0: empty */
    uint8_t field;
    uint8_t same_name;
} slot_entry;

static slot_entry slots[1u << SLOT_BITS];

G_STATIC_ASSERT((FIELD_COUNT * MAX_SAME_NAME) <= TLSDIAG_EXTRACT_SLOTS);
G_STATIC_ASSERT(FIELD_COUNT <= TLSDIAG_EXTRACT_FIELDS && TLSDIAG_EXTRACT_FIELDS <= 32);
G_STATIC_ASSERT((FIELD_COUNT * MAX_SAME_NAME) < (1u << SLOT_BITS));

static unsigned slot_index(int hf)
{
    return ((guint32)hf * 2654435761u) >> (32 - SLOT_BITS);
}

static const slot_entry *slot_of(int hf)
{
    for (unsigned i = slot_index(hf);; i = (i + 1) & ((1u << SLOT_BITS) - 1)) {
        if (slots[i].hf == hf)
            return &slots[i];
        if (slots[i].hf == 0)
            return NULL;
    }
}

static void add_slot(int hf, unsigned field, unsigned same_name)
{
    unsigned i = slot_index(hf);
    while (slots[i].hf != 0 && slots[i].hf != hf)
        i = (i + 1) & ((1u << SLOT_BITS) - 1);
    slots[i] = (slot_entry){hf, (uint8_t)field, (uint8_t)same_name};
}

void tlsdiag_extract_resolve_fields(void)
{
    memset(slots, 0, sizeof slots);
    for (unsigned i = 0; i < FIELD_COUNT; i++) {
        field_ref *ref = &fields[i];
        ref->hf_count = 0;
        if (ref->abbrev == NULL)
            continue;
        int hf = proto_registrar_get_id_byname(ref->abbrev);
        while (hf > 0 && ref->hf_count < MAX_SAME_NAME) {
            add_slot(hf, i, ref->hf_count);
            ref->hf[ref->hf_count++] = hf;
            hf = proto_registrar_get_nth(hf)->same_name_prev_id;
        }
    }
}

/* Whether tls.record.content_type is wanted: record types come from it. */
static bool types_from_field;

GArray *tlsdiag_extract_wanted_fields(unsigned seen)
{
    types_from_field = (fields[FIELD_TLS_CONTENT_TYPE].after & seen) != 0;
    GArray *wanted = g_array_sized_new(FALSE, FALSE, (guint)sizeof(int), FIELD_COUNT);
    for (unsigned i = 0; i < FIELD_COUNT; i++) {
        if ((fields[i].after & seen) == fields[i].after)
            g_array_append_vals(wanted, fields[i].hf, fields[i].hf_count);
    }
    return wanted;
}

/* Without keys, Finished and EncryptedExtensions show no handshake type. */
bool tlsdiag_extract_shows_decryption(const tlsdiag_observation *obs)
{
    for (unsigned i = 0; i < obs->handshake_count; i++) {
        if (obs->handshake_types[i] == TLSDIAG_HS_FINISHED ||
            obs->handshake_types[i] == TLSDIAG_HS_ENCRYPTED_EXTENSIONS)
            return true;
    }
    return false;
}

/* Calls visit for every value of the field in this frame, in tree order
 * within each registration; stops early when visit returns false. */
typedef bool (*field_visitor)(const field_info *fi, void *data);

static void visit_field(const tlsdiag_frame_fields *frame, wanted_field field, field_visitor visit,
                        void *data)
{
    if (!(frame->present & (1u << field)))
        return;
    for (unsigned h = 0; h < fields[field].hf_count; h++) {
        GPtrArray *found = frame->items[field * MAX_SAME_NAME + h];
        if (found == NULL)
            continue;
        for (guint i = 0; i < found->len; i++) {
            if (!visit(g_ptr_array_index(found, i), data))
                return;
        }
    }
}

/* Guards against a field whose type differs in another Wireshark version:
 * reading an integer through the wrong getter aborts the whole program. */
static bool holds_uint(const field_info *fi)
{
    return fi != NULL && fi->hfinfo != NULL && FT_IS_UINT32(fi->hfinfo->type);
}

static guint32 uint_value(const field_info *fi)
{
    return fvalue_get_uinteger(FIELD_VALUE((field_info *)fi));
}

#ifndef STREAM_FROM_CONVERSATION
typedef struct {
    bool found;
    uint32_t value;
} first_uint_result;

static bool take_first_uint(const field_info *fi, void *data)
{
    first_uint_result *result = data;
    if (!holds_uint(fi))
        return true;
    result->found = true;
    result->value = uint_value(fi);
    return false;
}

static bool first_uint(const tlsdiag_frame_fields *frame, wanted_field field, uint32_t *value)
{
    first_uint_result result = {false, 0};
    visit_field(frame, field, take_first_uint, &result);
    *value = result.value;
    return result.found;
}
#endif

static unsigned count_values(const tlsdiag_frame_fields *frame, wanted_field field)
{
    return frame->present & (1u << field) ? frame->counts[field] : 0;
}

typedef struct {
    uint8_t *values;
    unsigned count;
    unsigned max;
} uint8_list;

static bool append_uint8(const field_info *fi, void *data)
{
    uint8_list *list = data;
    if (list->count >= list->max)
        return false;
    if (holds_uint(fi))
        list->values[list->count++] = (uint8_t)uint_value(fi);
    return true;
}

/* Reads up to max values of a small unsigned field, in tree order. */
static unsigned all_uint8(const tlsdiag_frame_fields *frame, wanted_field field, uint8_t *values,
                          unsigned max)
{
    uint8_list list = {values, 0, max};
    visit_field(frame, field, append_uint8, &list);
    return list.count;
}

typedef struct {
    uint16_t *values;
    unsigned count;
    unsigned max;
} uint16_list;

static bool append_uint16(const field_info *fi, void *data)
{
    uint16_list *list = data;
    if (list->count >= list->max)
        return false;
    if (holds_uint(fi))
        list->values[list->count++] = (uint16_t)uint_value(fi);
    return true;
}

static void read_http_statuses(const tlsdiag_frame_fields *frame, tlsdiag_observation *obs)
{
    uint16_list list = {obs->http_statuses, 0, TLSDIAG_MAX_HTTP_STATUSES};
    visit_field(frame, FIELD_HTTP_STATUS, append_uint16, &list);
    visit_field(frame, FIELD_HTTP2_STATUS, append_uint16, &list);
    obs->http_status_count = (uint8_t)list.count;
}

/* How many of the bytes a field covers were captured: a cut frame has fewer. */
static gint captured_field_length(const field_info *fi)
{
    if (fi == NULL || fi->ds_tvb == NULL || fi->start < 0 || fi->length <= 0)
        return 0;
    return MIN(fi->length, tvb_captured_length_remaining(fi->ds_tvb, fi->start));
}

/* The TLS dissector reads an alert's level and description from two
 * adjacent bytes of one tvb (plaintext or decrypted): the level is the
 * byte before the description, and need not be a wanted field. */
static bool append_alert(const field_info *fi, void *data)
{
    tlsdiag_observation *obs = data;
    if (obs->alert_count >= TLSDIAG_MAX_ALERTS)
        return false;
    if (!holds_uint(fi))
        return true;
    tlsdiag_alert *alert = &obs->alerts[obs->alert_count++];
    alert->description = (uint8_t)uint_value(fi);
    alert->level =
        fi->ds_tvb != NULL && fi->start > 0 && tvb_captured_length(fi->ds_tvb) >= (guint)fi->start
            ? *tvb_get_ptr(fi->ds_tvb, fi->start - 1, 1)
            : 0;
    return true;
}

static void read_alerts(const tlsdiag_frame_fields *frame, tlsdiag_observation *obs)
{
    visit_field(frame, FIELD_TLS_ALERT_DESCRIPTION, append_alert, obs);
}

/* ---- handshake messages, read from their bytes ------------------------------
 * The hello fields tlsdiag needs (versions, cipher suites, server name, and
 * for resumption the session ID, the ticket and PSK extensions, the
 * HelloRetryRequest random) would be a dozen more wanted fields, built
 * wherever they occur; the message bytes are already there, under
 * tls.handshake.type. */

/* SSLv2 numbers its CLIENT-HELLO 1, as TLS numbers its ClientHello. */
#define SSL2_CLIENT_HELLO 1

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define HS_NEW_SESSION_TICKET 4
#define HS_CERTIFICATE 11
#define EXT_SERVER_NAME 0
#define EXT_SUPPORTED_VERSIONS 43
#define EXT_SESSION_TICKET 35
#define EXT_PRE_SHARED_KEY 41

/* A bounded cursor: reading past the end clears ok instead of throwing.
 * The bytes are fetched once: data holds those from base to end. */
typedef struct {
    tvbuff_t *tvb;
    const guint8 *data;
    gint base;
    gint offset;
    gint end;
    bool ok;
} cursor;

static cursor cursor_over(tvbuff_t *tvb, gint start, gint length)
{
    cursor c = {tvb, NULL, start, start, start + MAX(length, 0), length > 0};
    if (length > 0)
        c.data = tvb_get_ptr(tvb, start, length);
    return c;
}

static const guint8 *cursor_bytes(const cursor *c, gint offset)
{
    return c->data + (offset - c->base);
}

static bool cursor_has(cursor *c, guint32 size)
{
    if (c->ok && size <= (guint32)(c->end - c->offset))
        return true;
    c->ok = false;
    return false;
}

static guint32 cursor_uint(cursor *c, gint size)
{
    guint32 value = 0;
    if (!cursor_has(c, (guint32)size))
        return 0;
    const guint8 *bytes = cursor_bytes(c, c->offset);
    for (gint i = 0; i < size; i++)
        value = value << 8 | bytes[i];
    c->offset += size;
    return value;
}

/* Skips size bytes; returns where they start. */
static gint cursor_skip(cursor *c, guint32 size)
{
    gint start = c->offset;
    if (cursor_has(c, size))
        c->offset += (gint)size;
    return start;
}

static uint64_t cursor_digest(cursor *c, guint32 size)
{
    gint start = cursor_skip(c, size);
    if (!c->ok || size == 0)
        return 0;
    return tlsdiag_digest(cursor_bytes(c, start), size);
}

static cursor sub_cursor(cursor *c, guint32 size)
{
    cursor sub = *c;
    sub.end = c->offset;
    sub.ok = false;
    if (cursor_has(c, size)) {
        sub.end = c->offset + (gint)size;
        sub.ok = true;
        c->offset = sub.end;
    }
    return sub;
}

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest. */
static const guint8 hello_retry_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

typedef struct {
    uint64_t session_id;
    uint64_t ticket;
    uint64_t psk;
    bool selected_psk;
    bool hello_retry_request;
    uint16_t cipher_suite; /* ServerHello */
} hello_facts;

/* What a filter on tls.handshake.version, .ciphersuites,
 * .extensions_server_name and .extensions.supported_version finds in a
 * frame, read as the TLS dissector reads it: as far as the bytes go. */
typedef struct {
    bool has_version;
    uint16_t version;
    uint16_t max_supported_version; /* GREASE skipped */
    bool offers_fallback_scsv;
    const char *server_name; /* the first non-empty name */
} hello_fields;

static void note_supported_version(hello_fields *said, guint32 raw)
{
    uint16_t version = tlsdiag_version_normalize((uint16_t)raw);
    if (!tlsdiag_version_is_grease(version) && version > said->max_supported_version)
        said->max_supported_version = version;
}

/* A ClientHello lists versions; a ServerHello or HelloRetryRequest names one. */
static void read_supported_versions(cursor *c, guint8 type, hello_fields *said)
{
    if (type != HS_CLIENT_HELLO) {
        if (cursor_has(c, 2))
            note_supported_version(said, cursor_uint(c, 2));
        return;
    }
    cursor list = sub_cursor(c, cursor_uint(c, 1));
    while (list.ok && list.end - list.offset >= 2)
        note_supported_version(said, cursor_uint(&list, 2));
}

/* The dissector's ENC_ASCII string; names are plain ASCII but for a few. */
static const char *ascii_string(const cursor *c, gint start, guint32 length, wmem_allocator_t *pool)
{
    const guint8 *bytes = cursor_bytes(c, start);
    for (guint32 i = 0; i < length; i++) {
        if (bytes[i] >= 0x80)
            return (const char *)tvb_get_string_enc(pool, c->tvb, start, (gint)length, ENC_ASCII);
    }
    return wmem_strndup(pool, (const char *)bytes, length);
}

/* Every name of the list, whatever its type, is a server name to the
 * dissector; names are ASCII to it as well. */
static void read_server_names(cursor *c, hello_fields *said, wmem_allocator_t *pool)
{
    cursor_skip(c, 2); /* server_name_list length */
    while (c->ok && c->offset < c->end && said->server_name == NULL) {
        cursor_skip(c, 1); /* name_type */
        guint32 length = cursor_uint(c, 2);
        gint start = cursor_skip(c, length);
        if (c->ok && length > 0)
            said->server_name = ascii_string(c, start, length, pool);
    }
}

static void scan_cipher_suites(cursor c, hello_fields *said)
{
    while (!said->offers_fallback_scsv && c.end - c.offset >= 2)
        said->offers_fallback_scsv = cursor_uint(&c, 2) == TLSDIAG_CIPHER_FALLBACK_SCSV;
}

/* The list may run past the captured bytes; the dissector shows what is there. */
static cursor bounded_cursor(cursor *c, guint32 size)
{
    cursor sub = *c;
    if ((guint32)(c->end - c->offset) > size)
        sub.end = c->offset + (gint)size;
    cursor_skip(c, size);
    return sub;
}

static void read_extensions(cursor *c, guint8 type, hello_facts *facts, hello_fields *said,
                            wmem_allocator_t *pool)
{
    cursor list = sub_cursor(c, cursor_uint(c, 2));
    while (list.ok && list.offset < list.end) {
        guint32 ext_type = cursor_uint(&list, 2);
        cursor body = sub_cursor(&list, cursor_uint(&list, 2));
        if (!body.ok)
            break;
        if (ext_type == EXT_SERVER_NAME) {
            read_server_names(&body, said, pool);
        } else if (ext_type == EXT_SUPPORTED_VERSIONS) {
            read_supported_versions(&body, type, said);
        } else if (type == HS_CLIENT_HELLO && ext_type == EXT_SESSION_TICKET) {
            facts->ticket = cursor_digest(&body, (guint32)(body.end - body.offset));
        } else if (type == HS_CLIENT_HELLO && ext_type == EXT_PRE_SHARED_KEY) {
            cursor identities = sub_cursor(&body, cursor_uint(&body, 2));
            facts->psk = cursor_digest(&identities, cursor_uint(&identities, 2));
        } else if (type == HS_SERVER_HELLO && ext_type == EXT_PRE_SHARED_KEY) {
            facts->selected_psk = true;
        }
    }
    if (!list.ok)
        c->ok = false;
}

/* Only a hello read to its last byte counts for resumption: SSLv2-format
 * hellos and damaged ones say nothing. Draft TLS 1.3 ServerHellos (before
 * draft 22) have neither session ID nor compression method. */
static bool read_hello(cursor *c, guint8 type, bool draft_layout, hello_facts *facts,
                       hello_fields *said, wmem_allocator_t *pool)
{
    if (cursor_has(c, 2)) {
        said->has_version = true;
        said->version = (uint16_t)cursor_uint(c, 2); /* legacy_version */
    }
    gint random = cursor_skip(c, 32);
    if (type == HS_SERVER_HELLO && c->ok)
        facts->hello_retry_request =
            memcmp(cursor_bytes(c, random), hello_retry_random, sizeof hello_retry_random) == 0;
    if (!draft_layout)
        facts->session_id = cursor_digest(c, cursor_uint(c, 1));
    if (type == HS_CLIENT_HELLO) {
        scan_cipher_suites(bounded_cursor(c, cursor_uint(c, 2)), said);
        cursor_skip(c, cursor_uint(c, 1)); /* compression_methods */
    } else {
        facts->cipher_suite = (uint16_t)cursor_uint(c, 2);
        if (!draft_layout)
            cursor_skip(c, 1); /* compression_method */
    }
    if (c->ok && c->offset < c->end)
        read_extensions(c, type, facts, said, pool);
    return c->ok && c->offset == c->end;
}

/* TLS 1.2 (RFC 5077): lifetime, ticket. TLS 1.3 (RFC 8446): lifetime,
 * age_add, nonce, ticket, extensions. */
static uint64_t read_new_session_ticket(cursor *c)
{
    cursor tls12 = *c;
    cursor_skip(&tls12, 4);
    uint64_t ticket = cursor_digest(&tls12, cursor_uint(&tls12, 2));
    if (tls12.ok && tls12.offset == tls12.end)
        return ticket;

    cursor_skip(c, 8);
    cursor_skip(c, cursor_uint(c, 1));
    ticket = cursor_digest(c, cursor_uint(c, 2));
    cursor_skip(c, cursor_uint(c, 2));
    return c->ok && c->offset == c->end ? ticket : 0;
}

/* Certificate entries, in order: the DER, borrowed from the message's
 * tvb for this frame. TLS 1.3 entries carry extensions after the DER. */
static bool read_certificate_list(cursor c, bool tls13, tlsdiag_der *certificates, uint8_t *count_out)
{
    uint8_t count = 0;
    tlsdiag_der found[TLSDIAG_MAX_CHAIN];
    if (tls13)
        cursor_skip(&c, cursor_uint(&c, 1)); /* certificate_request_context */
    cursor list = sub_cursor(&c, cursor_uint(&c, 3));
    if (!list.ok || c.offset != c.end)
        return false;
    while (list.ok && list.offset < list.end) {
        guint32 length = cursor_uint(&list, 3);
        gint start = cursor_skip(&list, length);
        if (tls13)
            cursor_skip(&list, cursor_uint(&list, 2));
        if (list.ok && count < TLSDIAG_MAX_CHAIN && length > 0) {
            found[count].der = cursor_bytes(&list, start);
            found[count].length = length;
            count++;
        }
    }
    if (!list.ok || count == 0)
        return false;
    memcpy(certificates, found, count * sizeof found[0]);
    *count_out = count;
    return true;
}

/* The length of the message's certificate_list (0: an empty client
 * certificate), as Wireshark's tls.handshake.certificates_length says it. */
static bool read_certificate_list_length(cursor c, bool tls13, uint32_t *length)
{
    if (tls13)
        cursor_skip(&c, cursor_uint(&c, 1)); /* certificate_request_context */
    *length = cursor_uint(&c, 3);
    return c.ok && c.end - c.offset == (gint)*length;
}

/* The message does not say its version: the TLS 1.2 layout is tried first,
 * a TLS 1.3 one (context, then entries with extensions) after it. A TLS
 * 1.3 body never fits the TLS 1.2 layout: its first three bytes, read as a
 * length, fall short of the rest. */
static void read_certificate_message(const cursor *body, tlsdiag_observation *obs)
{
    if (!read_certificate_list(*body, false, obs->certificates, &obs->certificate_count))
        read_certificate_list(*body, true, obs->certificates, &obs->certificate_count);
}

/* What a frame's handshake messages say. obs is NULL for QUIC, which
 * needs the hello's fields only. */
typedef struct {
    tlsdiag_observation *obs;
    hello_fields said;
    wmem_allocator_t *pool;
    bool ssl2; /* the frame's hello is in the SSLv2 format */
    uint8_t *types; /* the frame's handshake types, in tree order */
    uint8_t count;
    bool has_certificate_list; /* of the frame's first Certificate */
    uint32_t certificate_list_length;
} message_reader;

static void merge_hello_fields(hello_fields *frame, const hello_fields *message)
{
    if (!frame->has_version) {
        frame->has_version = message->has_version;
        frame->version = message->version;
    }
    frame->max_supported_version = MAX(frame->max_supported_version, message->max_supported_version);
    frame->offers_fallback_scsv = frame->offers_fallback_scsv || message->offers_fallback_scsv;
    if (frame->server_name == NULL)
        frame->server_name = message->server_name;
}

static void read_hello_message(const cursor *body, bool complete, guint8 type,
                               message_reader *reader)
{
    hello_facts facts = {0};
    hello_fields said = {0};
    cursor normal = *body;
    bool read = read_hello(&normal, type, false, &facts, &said, reader->pool);
    if (!read && type == HS_SERVER_HELLO) {
        hello_facts draft_facts = {0};
        hello_fields draft_fields = {0};
        cursor draft = *body;
        if (read_hello(&draft, type, true, &draft_facts, &draft_fields, reader->pool)) {
            read = true;
            facts = draft_facts;
            said = draft_fields;
        }
    }
    merge_hello_fields(&reader->said, &said);
    tlsdiag_observation *obs = reader->obs;
    if (!read || !complete || obs == NULL)
        return;
    obs->hello_read = true;
    obs->session_id = facts.session_id;
    obs->offered_ticket = facts.ticket;
    obs->offered_psk = facts.psk;
    obs->server_selected_psk = facts.selected_psk;
    obs->hello_retry_request = facts.hello_retry_request;
    obs->cipher_suite = facts.cipher_suite;
}

/* SSLv2 (RFC 6101 E, draft-hickman): type, version, then the lengths of
 * the cipher specs, session ID and challenge; specs are three bytes. */
static void read_ssl2_client_hello_message(cursor *message, message_reader *reader)
{
    hello_fields said = {0};
    if (cursor_has(message, 2)) {
        said.has_version = true;
        said.version = (uint16_t)cursor_uint(message, 2);
    }
    guint32 specs_length = cursor_uint(message, 2);
    cursor_skip(message, 4); /* session ID and challenge lengths */
    cursor specs = bounded_cursor(message, specs_length);
    while (!said.offers_fallback_scsv && specs.ok && specs.end - specs.offset >= 3)
        said.offers_fallback_scsv = cursor_uint(&specs, 3) == TLSDIAG_CIPHER_FALLBACK_SCSV;
    merge_hello_fields(&reader->said, &said);
}

static bool is_read_message(uint8_t type);

static bool read_handshake_message(const field_info *fi, void *data)
{
    message_reader *reader = data;
    gint available = fi->ds_tvb != NULL && fi->start >= 0
                         ? tvb_captured_length_remaining(fi->ds_tvb, fi->start)
                         : 0;
    if (reader->ssl2) {
        cursor message = cursor_over(fi->ds_tvb, fi->start, available);
        if (cursor_uint(&message, 1) == SSL2_CLIENT_HELLO)
            read_ssl2_client_hello_message(&message, reader);
        return true;
    }
    if (available < 4)
        return true;
    const guint8 *header = tvb_get_ptr(fi->ds_tvb, fi->start, 4);
    guint8 type = header[0];
    if (!is_read_message(type))
        return true;
    guint32 length = (guint32)header[1] << 16 | (guint32)header[2] << 8 | header[3];
    bool complete = length <= (guint32)(available - 4);
    cursor body = cursor_over(fi->ds_tvb, fi->start + 4, complete ? (gint)length : available - 4);
    if (type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO) {
        read_hello_message(&body, complete, type, reader);
        return true;
    }
    if (!complete)
        return true;
    if (type == HS_CERTIFICATE && !reader->has_certificate_list)
        reader->has_certificate_list =
            read_certificate_list_length(body, false, &reader->certificate_list_length) ||
            read_certificate_list_length(body, true, &reader->certificate_list_length);
    if (reader->obs == NULL)
        return true;
    if (type == HS_NEW_SESSION_TICKET && reader->obs->issued_ticket == 0)
        reader->obs->issued_ticket = read_new_session_ticket(&body);
    else if (type == HS_CERTIFICATE && reader->obs->certificate_count == 0)
        read_certificate_message(&body, reader->obs);
    return true;
}

/* The messages whose bytes tlsdiag reads: hellos for versions, names and
 * resumption, tickets, Certificate for the server's chain. */
static bool is_read_message(uint8_t type)
{
    return type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO || type == HS_NEW_SESSION_TICKET ||
           type == HS_CERTIFICATE;
}

/* One pass over tls.handshake.type: the types, and the bytes of the
 * messages tlsdiag reads. */
static bool take_handshake_message(const field_info *fi, void *data)
{
    message_reader *reader = data;
    if (holds_uint(fi) && reader->count < TLSDIAG_MAX_HANDSHAKES)
        reader->types[reader->count++] = (uint8_t)uint_value(fi);
    return read_handshake_message(fi, data);
}

static void read_endpoint(const address *addr, uint32_t port, tlsdiag_endpoint *endpoint)
{
    memset(endpoint, 0, sizeof *endpoint);
    endpoint->port = (uint16_t)port;
    if (addr->type == AT_IPv4 && addr->len == 4) {
        endpoint->family = 4;
        memcpy(endpoint->addr, addr->data, 4);
    } else if (addr->type == AT_IPv6 && addr->len == 16) {
        endpoint->family = 6;
        memcpy(endpoint->addr, addr->data, 16);
    }
}

static int64_t time_in_ns(const nstime_t *ts)
{
    /* Corrupt captures carry absurd timestamps; keep the arithmetic defined. */
    const int64_t limit = INT64_MAX / 1000000000 - 3; /* room for nsecs up to INT_MAX */
    int64_t secs = (int64_t)ts->secs;
    if (secs > limit)
        secs = limit;
    if (secs < -limit)
        secs = -limit;
    return secs * 1000000000 + ts->nsecs;
}

static void read_ssl2_client_hello(const tlsdiag_frame_fields *frame, tlsdiag_observation *obs)
{
    uint8_t types[TLSDIAG_MAX_HANDSHAKES];
    unsigned count = all_uint8(frame, FIELD_TLS_SSL2_HANDSHAKE_TYPE, types, TLSDIAG_MAX_HANDSHAKES);
    for (unsigned i = 0; i < count; i++) {
        if (types[i] == SSL2_CLIENT_HELLO) {
            obs->handshake_types[0] = TLSDIAG_HS_CLIENT_HELLO;
            obs->handshake_count = 1;
            return;
        }
    }
}

#ifdef STREAM_FROM_CONVERSATION
/* Wireshark's conversation lookup costs about a thousand instructions, and
 * TCP has just made the same one for this frame: a small direct-mapped
 * cache remembers the conversation of each address and port pair, by a
 * 64-bit digest of the pair. An entry counts only when TCP touched that
 * conversation in this very frame (its last_frame), which a new
 * conversation for a reused port would not be. Fixed size: it does not
 * grow with the connections. */
#define STREAM_CACHE_BITS 12

typedef struct {
    uint64_t endpoints;
    conversation_t *conversation;
} stream_cache_entry;

static stream_cache_entry stream_cache[1u << STREAM_CACHE_BITS];

static uint64_t endpoint_word(const tlsdiag_endpoint *endpoint)
{
    uint64_t high, low;
    memcpy(&high, endpoint->addr, sizeof high);
    memcpy(&low, endpoint->addr + 8, sizeof low);
    return (high ^ (low * 0x9E3779B97F4A7C15ull)) + ((uint64_t)endpoint->port << 32 | endpoint->family);
}

/* A conversation holds both directions: the pair is taken in order, so
 * that a connection's two directions share one entry and one lookup. */
static uint64_t endpoints_digest(const tlsdiag_observation *obs)
{
    uint64_t low = endpoint_word(&obs->src), high = endpoint_word(&obs->dst);
    if (low > high) {
        uint64_t swap = low;
        low = high;
        high = swap;
    }
    uint64_t digest = low * 0xBF58476D1CE4E5B9ull;
    digest ^= high + (digest >> 29);
    return (digest * 0x94D049BB133111EBull) | 1; /* 0 is an empty entry */
}
#endif

/* Conversations are freed with the capture file, and the cache with them. */
void tlsdiag_extract_forget_streams(void)
{
#ifdef STREAM_FROM_CONVERSATION
    memset(stream_cache, 0, sizeof stream_cache);
#endif
}

/* The endpoints are read already. */
static bool read_stream(const tlsdiag_frame_fields *frame _U_, packet_info *pinfo _U_,
                        tlsdiag_observation *obs)
{
#ifdef STREAM_FROM_CONVERSATION
    stream_cache_entry *entry = NULL;
    uint64_t digest = 0;
    if (obs->src.family != 0 && obs->dst.family != 0) {
        digest = endpoints_digest(obs);
        entry = &stream_cache[digest >> (64 - STREAM_CACHE_BITS)];
        if (entry->endpoints == digest && entry->conversation->last_frame == pinfo->num) {
            obs->stream = entry->conversation->conv_index;
            return true;
        }
    }
    /* A reused port starts a new conversation, as it starts a new tcp.stream. */
    conversation_t *conversation = find_conversation_pinfo(pinfo, 0);
    if (conversation == NULL)
        return false;
    if (entry != NULL) {
        entry->endpoints = digest;
        entry->conversation = conversation;
    }
    obs->stream = conversation->conv_index;
    return true;
#else
    return first_uint(frame, FIELD_TCP_STREAM, &obs->stream);
#endif
}

static bool endpoint_address(const tlsdiag_endpoint *endpoint, address *addr)
{
    if (endpoint->family == 4)
        set_address(addr, AT_IPv4, 4, endpoint->addr);
    else if (endpoint->family == 6)
        set_address(addr, AT_IPv6, 16, endpoint->addr);
    else
        return false;
    return true;
}

/* The TCP dissector moves its conversation's last frame on with every
 * packet of the connection, the bare ACKs tlsdiag never reads included. */
uint32_t tlsdiag_extract_last_packet(const tlsdiag_endpoint *client, const tlsdiag_endpoint *server,
                                     uint32_t frame)
{
    address client_addr, server_addr;
    if (!endpoint_address(client, &client_addr) || !endpoint_address(server, &server_addr))
        return 0;
    conversation_t *conversation = find_conversation(
        frame, &client_addr, &server_addr, CONVERSATION_TCP, client->port, server->port, 0);
    return conversation != NULL ? conversation->last_frame : 0;
}

/* Wireshark tracks, per frame, the items of every wanted or filtered field
 * the frame has: most segments (bare ACKs) have none, a TLS segment a
 * handful. One walk over them finds the wanted ones, where a lookup per
 * wanted field would cost a hash lookup each on every frame. */
bool tlsdiag_extract_collect(proto_tree *tree, tlsdiag_frame_fields *frame)
{
    frame->present = 0;
    if (tree == NULL)
        return false;
    GHashTable *tracked = PTREE_DATA(tree)->interesting_hfids;
    if (tracked == NULL || g_hash_table_size(tracked) == 0)
        return false;
    GHashTableIter iter;
    gpointer key, items;
    g_hash_table_iter_init(&iter, tracked);
    while (g_hash_table_iter_next(&iter, &key, &items)) {
        const slot_entry *slot = slot_of(GPOINTER_TO_INT(key));
        if (slot == NULL)
            continue;
        GPtrArray **field_items = &frame->items[slot->field * MAX_SAME_NAME];
        if (!(frame->present & (1u << slot->field))) {
            frame->present |= 1u << slot->field;
            frame->counts[slot->field] = 0;
            memset(field_items, 0, MAX_SAME_NAME * sizeof *field_items);
        }
        field_items[slot->same_name] = items;
        frame->counts[slot->field] += ((GPtrArray *)items)->len;
    }
    return frame->present != 0;
}

/* ---- record types, read from the record headers -----------------------------
 * The TLS dissector adds its tls item over all the bytes it is handed,
 * which start at a record: a segment's first record, or a record
 * reassembled from several segments. It gives a record a type item when
 * the record's header holds a known type and the whole record is there;
 * a record still missing bytes waits for reassembly and has no item. */

#define TLS_RECORD_HEADER 5

/* The types the dissector knows (change_cipher_spec to heartbeat). */
static bool known_record_type(guint8 type)
{
    return type >= TLSDIAG_RECORD_CHANGE_CIPHER_SPEC && type <= 24;
}

/* A cut frame's last record can end past the captured bytes: the
 * dissector judges completeness by the bytes the frame had on the wire
 * (here: up to the frame's end, where its TLS bytes end but for a
 * trailer). */
static void walk_records(const field_info *tls, const field_info *held, tlsdiag_observation *obs)
{
    tvbuff_t *tvb = tls->ds_tvb;
    gint length = captured_field_length(tls);
    if (held != NULL && held->ds_tvb == tvb && held->start >= tls->start)
        length = MIN(length, held->start - tls->start);
    if (length < TLS_RECORD_HEADER)
        return;
    const guint8 *bytes = tvb_get_ptr(tvb, tls->start, length);
    gint offset = 0;
    while (length - offset >= TLS_RECORD_HEADER) {
        const guint8 *header = bytes + offset;
        gint record_end = offset + TLS_RECORD_HEADER + (header[3] << 8 | header[4]);
        if (!known_record_type(header[0]) ||
            (record_end > length && tls->start + record_end > (gint)tvb_reported_length(tvb)))
            return;
        if (obs->record_count < TLSDIAG_MAX_RECORDS)
            obs->record_types[obs->record_count++] = header[0];
        if (header[0] == TLSDIAG_RECORD_APPLICATION_DATA && obs->app_data_records < UINT8_MAX)
            obs->app_data_records++;
        offset = record_end;
    }
}

/* Bytes that start with no record header (a known type, then a version
 * of 3.x) are the middle of a record the dissector missed ("Continuation
 * Data"), what it took for SSLv2, or no TLS at all. */
static bool starts_unknown(const field_info *tls)
{
    if (captured_field_length(tls) < 2)
        return false;
    const guint8 *header = tvb_get_ptr(tls->ds_tvb, tls->start, 2);
    return !known_record_type(header[0]) || header[1] != 3;
}

static void note_unreadable(const tlsdiag_frame_fields *frame, tlsdiag_observation *obs)
{
    if (!(frame->present & (1u << FIELD_TLS)))
        return;
    const GPtrArray *tls = frame->items[FIELD_TLS * MAX_SAME_NAME];
    for (guint i = 0; tls != NULL && i < tls->len; i++)
        obs->unreadable |= starts_unknown(g_ptr_array_index(tls, i));
}

static void read_record_headers(const tlsdiag_frame_fields *frame, tlsdiag_observation *obs)
{
    obs->outer_types = true;
    if (!(frame->present & (1u << FIELD_TLS)))
        return;
    const field_info *held = NULL;
    if (frame->present & (1u << FIELD_TCP_SEGMENT_DATA)) {
        const GPtrArray *items = frame->items[FIELD_TCP_SEGMENT_DATA * MAX_SAME_NAME];
        if (items != NULL && items->len > 0)
            held = g_ptr_array_index(items, 0);
    }
    const GPtrArray *tls = frame->items[FIELD_TLS * MAX_SAME_NAME];
    for (guint i = 0; tls != NULL && i < tls->len; i++)
        walk_records(g_ptr_array_index(tls, i), held, obs);
}

/* The cheap facts come first: most segments with TLS records carry
 * application data, and need no endpoint or stream. */
bool tlsdiag_extract_segment(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                             tlsdiag_observation *obs)
{
    memset(obs, 0, TLSDIAG_OBSERVATION_CLEARED);
    if (types_from_field) {
        obs->record_count = (uint8_t)all_uint8(frame, FIELD_TLS_CONTENT_TYPE, obs->record_types,
                                               TLSDIAG_MAX_RECORDS);
        obs->opaque_record_count =
            (uint8_t)MIN(count_values(frame, FIELD_TLS_OPAQUE_TYPE), UINT8_MAX);
    } else {
        read_record_headers(frame, obs);
    }
    /* Only a frame without a readable record can be lost in a record. */
    if (obs->record_count == 0 && obs->opaque_record_count == 0)
        note_unreadable(frame, obs);
    obs->fin = count_values(frame, FIELD_TCP_FIN) > 0;
    obs->rst = count_values(frame, FIELD_TCP_RST) > 0;
    obs->retransmission = count_values(frame, FIELD_TCP_RETRANSMISSION) > 0;
    obs->duplicate_ack = count_values(frame, FIELD_TCP_DUPLICATE_ACK) > 0;
    obs->zero_window = count_values(frame, FIELD_TCP_ZERO_WINDOW) > 0;

    /* An SSLv2-format ClientHello has a handshake type but no content type. */
    if (obs->record_count == 0 && obs->opaque_record_count == 0 && !obs->unreadable && !obs->fin &&
        !obs->rst && !obs->retransmission && !obs->duplicate_ack && !obs->zero_window &&
        count_values(frame, FIELD_TLS_HANDSHAKE_TYPE) == 0 &&
        count_values(frame, FIELD_TLS_SSL2_HANDSHAKE_TYPE) == 0)
        return false;
    read_endpoint(&pinfo->net_src, pinfo->srcport, &obs->src);
    read_endpoint(&pinfo->net_dst, pinfo->destport, &obs->dst);
    if (!read_stream(frame, pinfo, obs))
        return false;

    obs->frame = pinfo->num;
    obs->time_ns = time_in_ns(&pinfo->abs_ts);
    return true;
}

/* The record types say which of the handshake, alert and HTTP fields can
 * be there at all. */
void tlsdiag_extract_content(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                             tlsdiag_observation *obs)
{
    bool sslv2 = obs->record_count == 0 && obs->opaque_record_count == 0;
    /* Read from the headers, a TLS 1.3 record shows no inner type: the
     * first decrypted one's messages and alert are read all the same. */
    bool inner_unknown = obs->outer_types && obs->app_data_records > 0;
    message_reader reader = {obs, {0}, pinfo->pool, sslv2, obs->handshake_types, 0, false, 0};
    if (tlsdiag_observation_has_record(obs, TLSDIAG_RECORD_HANDSHAKE) || sslv2 || inner_unknown) {
        visit_field(frame, FIELD_TLS_HANDSHAKE_TYPE, take_handshake_message, &reader);
        obs->handshake_count = reader.count;
    }
    /* Wireshark 4.4 on: the SSLv2 hello under its own type field. */
    if (sslv2 && obs->handshake_count == 0) {
        read_ssl2_client_hello(frame, obs);
        if (obs->handshake_count > 0)
            visit_field(frame, FIELD_TLS_SSL2_HANDSHAKE_TYPE, read_handshake_message, &reader);
    }
    if (obs->handshake_count > 0) {
        obs->has_certificate_list = reader.has_certificate_list;
        obs->certificate_list_length = reader.certificate_list_length;
        obs->hello_version = reader.said.version;
        obs->max_supported_version = reader.said.max_supported_version;
        obs->offers_fallback_scsv = reader.said.offers_fallback_scsv;
        obs->server_name = reader.said.server_name;
    }
    if (tlsdiag_observation_has_record(obs, TLSDIAG_RECORD_ALERT) || inner_unknown)
        read_alerts(frame, obs);
    if (tlsdiag_observation_has_record(obs, TLSDIAG_RECORD_APPLICATION_DATA))
        read_http_statuses(frame, obs);
}

/* ---- QUIC ------------------------------------------------------------------ */

#define QUIC_V1 0x00000001u
#define QUIC_V2 0x6b3343cfu
#define QUIC_V2_DRAFT 0x709a50c4u
#define QUIC_LONG_HEADER 0x80

static bool quic_is_v2(guint32 version)
{
    return version == QUIC_V2 || version == QUIC_V2_DRAFT;
}

/* A long header's type bits: v1 numbers Initial 0, 0-RTT 1, Handshake 2,
 * Retry 3; v2 rotates them by one. */
static uint8_t quic_long_packet(guint8 first_byte, guint32 version)
{
    static const uint8_t v1_types[4] = {TLSDIAG_QUIC_INITIAL, TLSDIAG_QUIC_0RTT,
                                        TLSDIAG_QUIC_HANDSHAKE, TLSDIAG_QUIC_RETRY};
    unsigned type = (first_byte >> 4) & 3;
    if (quic_is_v2(version))
        type = (type + 3) & 3;
    return v1_types[type];
}

/* One byte; tvb_get_guint8 is deprecated from Wireshark 4.4 on and its
 * successor does not exist in 4.0. The caller checked the length. */
static guint8 byte_at(tvbuff_t *tvb, gint offset)
{
    return *tvb_get_ptr(tvb, offset, 1);
}

static guint8 cursor_byte(const cursor *c, gint offset)
{
    return *cursor_bytes(c, offset);
}

static guint64 cursor_varint(cursor *c)
{
    if (!cursor_has(c, 1))
        return 0;
    gint size = 1 << (cursor_byte(c, c->offset) >> 6);
    if (!cursor_has(c, (guint32)size))
        return 0;
    guint64 value = cursor_byte(c, c->offset) & 0x3F;
    for (gint i = 1; i < size; i++)
        value = value << 8 | cursor_byte(c, c->offset + i);
    c->offset += size;
    return value;
}

static void read_version_list(cursor *c, tlsdiag_quic_observation *obs)
{
    while (c->ok && c->end - c->offset >= 4 && obs->listed_version_count < TLSDIAG_QUIC_MAX_VERSIONS)
        obs->listed_versions[obs->listed_version_count++] = cursor_uint(c, 4);
}

#define QUIC_FIXED_BIT 0x40
/* Datagrams rarely coalesce more than Initial, Handshake and 1-RTT. */
#define QUIC_MAX_COALESCED 8

/* Reads one packet header (RFC 8999, RFC 9000 17) and moves past the packet;
 * false when the packet runs to the end of the datagram or cannot be read. */
static bool read_quic_packet(cursor *c, tlsdiag_quic_observation *obs)
{
    guint8 first_byte = (guint8)cursor_uint(c, 1);
    if (!c->ok)
        return false;
    if (!(first_byte & QUIC_LONG_HEADER)) {
        /* Zero bytes after the last packet are padding, not a packet. */
        if (first_byte & QUIC_FIXED_BIT)
            obs->packets |= TLSDIAG_QUIC_SHORT;
        return false;
    }
    guint32 version = cursor_uint(c, 4);
    if (!c->ok)
        return false;
    if (obs->packets == 0)
        obs->version = version;
    cursor_skip(c, cursor_uint(c, 1)); /* destination connection ID */
    cursor_skip(c, cursor_uint(c, 1)); /* source connection ID */
    if (version == 0) {
        obs->packets |= TLSDIAG_QUIC_VERSION_NEGOTIATION;
        read_version_list(c, obs);
        return false;
    }
    /* A greased version (RFC 9000 15) asks for a Version Negotiation: it
     * is the client's first flight all the same, in a layout of its own. */
    if ((version & 0x0F0F0F0Fu) == 0x0A0A0A0Au) {
        obs->packets |= TLSDIAG_QUIC_INITIAL;
        return false;
    }
    uint8_t packet = quic_long_packet(first_byte, version);
    obs->packets |= packet;
    if (packet == TLSDIAG_QUIC_RETRY)
        return false;
    if (packet == TLSDIAG_QUIC_INITIAL) {
        guint64 token = cursor_varint(c);
        obs->initial_token = obs->initial_token || (c->ok && token > 0);
        if (token > (guint64)(c->end - c->offset))
            return false;
        cursor_skip(c, (guint32)token);
    }
    guint64 length = cursor_varint(c);
    if (!c->ok || length > (guint64)(c->end - c->offset))
        return false;
    cursor_skip(c, (guint32)length);
    return c->ok;
}

/* The QUIC dissector puts the connection number at the start of the
 * datagram: the packets' headers follow from there, without a wanted
 * field per packet. */
static void read_quic_datagram(const field_info *fi, tlsdiag_quic_observation *obs)
{
    gint available = fi->ds_tvb != NULL && fi->start >= 0
                         ? tvb_captured_length_remaining(fi->ds_tvb, fi->start)
                         : 0;
    cursor datagram = cursor_over(fi->ds_tvb, fi->start, available);
    for (unsigned n = 0; n < QUIC_MAX_COALESCED && datagram.ok && datagram.offset < datagram.end; n++) {
        if (!read_quic_packet(&datagram, obs))
            break;
    }
}

typedef struct {
    bool found;
    guint8 type;
    guint8 code;
} icmp_header;

static bool read_icmp_header(const field_info *fi, void *data)
{
    icmp_header *header = data;
    if (captured_field_length(fi) < 2)
        return true;
    header->found = true;
    header->type = byte_at(fi->ds_tvb, fi->start);
    header->code = byte_at(fi->ds_tvb, fi->start + 1);
    return false;
}

#define ICMP_UNREACHABLE 3
#define ICMP_PORT_UNREACHABLE 3
#define ICMPV6_UNREACHABLE 1
#define ICMPV6_PORT_UNREACHABLE 4

/* An ICMP error quoting a QUIC datagram: only such frames have these fields. */
static bool read_icmp(const tlsdiag_frame_fields *frame, tlsdiag_quic_observation *obs)
{
    icmp_header v4 = {false, 0, 0}, v6 = {false, 0, 0};
    visit_field(frame, FIELD_ICMP, read_icmp_header, &v4);
    if (!v4.found)
        visit_field(frame, FIELD_ICMPV6, read_icmp_header, &v6);
    if (!v4.found && !v6.found)
        return false;
    obs->icmp = true;
    obs->port_unreachable = (v4.found && v4.type == ICMP_UNREACHABLE && v4.code == ICMP_PORT_UNREACHABLE) ||
                            (v6.found && v6.type == ICMPV6_UNREACHABLE && v6.code == ICMPV6_PORT_UNREACHABLE);
    return true;
}

typedef struct {
    tlsdiag_quic_observation *obs;
    wmem_allocator_t *pool;
    bool application;
} close_reader;

/* RFC 9000 19.19: Error Code, Frame Type (transport closes only), Reason
 * Phrase Length, Reason Phrase; the error code item says where the frame is. */
static const char *read_reason_phrase(const field_info *fi, bool application, wmem_allocator_t *pool)
{
    gint available = captured_field_length(fi) > 0
                         ? tvb_captured_length_remaining(fi->ds_tvb, fi->start + fi->length)
                         : 0;
    cursor c = cursor_over(fi->ds_tvb, fi->start + fi->length, available);
    if (!application)
        cursor_varint(&c); /* frame type */
    guint64 length = cursor_varint(&c);
    if (!c.ok || length == 0 || length > (guint64)(c.end - c.offset))
        return NULL;
    return (const char *)tvb_get_string_enc(pool, c.tvb, c.offset, (gint)length, ENC_UTF_8);
}

static bool take_close(const field_info *fi, void *data)
{
    close_reader *reader = data;
    if (fi == NULL || fi->hfinfo == NULL || !FT_IS_UINT64(fi->hfinfo->type))
        return true;
    reader->obs->has_close = true;
    reader->obs->close_application = reader->application;
    reader->obs->close_error = fvalue_get_uinteger64(FIELD_VALUE((field_info *)fi));
    reader->obs->close_reason = read_reason_phrase(fi, reader->application, reader->pool);
    return false;
}

static void read_quic_close(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                            tlsdiag_quic_observation *obs)
{
    close_reader reader = {obs, pinfo->pool, false};
    visit_field(frame, FIELD_QUIC_CLOSE_ERROR, take_close, &reader);
    if (obs->has_close)
        return;
    reader.application = true;
    visit_field(frame, FIELD_QUIC_APP_CLOSE_ERROR, take_close, &reader);
}

/* HTTP/3 travels in 1-RTT packets only. */
static void read_http3_statuses(const tlsdiag_frame_fields *frame, tlsdiag_quic_observation *obs)
{
    if (!(obs->packets & TLSDIAG_QUIC_SHORT))
        return;
    uint16_list list = {obs->http_statuses, 0, TLSDIAG_MAX_HTTP_STATUSES};
    visit_field(frame, FIELD_HTTP3_STATUS, append_uint16, &list);
    obs->http_status_count = (uint8_t)list.count;
}

static bool take_quic_connection(const field_info *fi, void *data)
{
    const field_info **found = data;
    if (!holds_uint(fi))
        return true;
    *found = fi;
    return false;
}

const field_info *tlsdiag_extract_quic(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                                       tlsdiag_quic_observation *obs)
{
    const field_info *connection = NULL;
    visit_field(frame, FIELD_QUIC_CONNECTION, take_quic_connection, &connection);
    if (connection == NULL)
        return NULL;
    memset(obs, 0, sizeof *obs);
    obs->frame = pinfo->num;
    obs->time_ns = time_in_ns(&pinfo->abs_ts);
    obs->connection = uint_value(connection);
    return connection;
}

void tlsdiag_extract_quic_content(const tlsdiag_frame_fields *frame, packet_info *pinfo,
                                  const field_info *connection, tlsdiag_quic_observation *obs)
{
    read_endpoint(&pinfo->net_src, pinfo->srcport, &obs->src);
    read_endpoint(&pinfo->net_dst, pinfo->destport, &obs->dst);
    read_quic_datagram(connection, obs);
    if (read_icmp(frame, obs))
        return;
    read_quic_close(frame, pinfo, obs);
    read_http3_statuses(frame, obs);
    message_reader reader = {NULL, {0}, pinfo->pool, false, obs->handshake_types, 0, false, 0};
    visit_field(frame, FIELD_TLS_HANDSHAKE_TYPE, take_handshake_message, &reader);
    obs->handshake_count = reader.count;
    if (obs->handshake_count > 0) {
        obs->has_certificate_list = reader.has_certificate_list;
        obs->certificate_list_length = reader.certificate_list_length;
        obs->server_name = reader.said.server_name;
    }
}
