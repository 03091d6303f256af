/* siblings.c
 * Which connection of a client to a server got ready last, and which the
 * client closed together: the evidence that a close was a browser dropping
 * connections it did not need, not a failed handshake.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "siblings.h"

#include <stddef.h>
#include <string.h>

#include <glib.h>

typedef struct {
    uint32_t stream;
    uint32_t frame;
    int64_t time_ns;
    uint16_t client_port;
    uint8_t family;
    const char *server_name;
} ready_event;

/* The latest connection that got ready, and the latest before it from
 * another stream: the closing connection may be the latest itself (it sent
 * its own Finished), and then the one before it is its sibling. */
typedef struct {
    ready_event latest;
    ready_event before;
} ready_events;

/* Same client address to the same server address and port. */
typedef tlsdiag_peer_key pair_key;

typedef struct {
    pair_key key;
    ready_events ready;
    int64_t touched_ns;
    int64_t last_close_ns;
    uint32_t closes_in_row;
    bool row_abandoned; /* a close of the current row was abandoned */
} pair_state;

/* Same server name and port, from one client address (another server
 * address of the name: DNS round robin), or from any client address of a
 * family (client_addr zero: racing over IPv4 and IPv6, where the client's
 * addresses differ). */
typedef struct {
    const char *server_name;
    uint8_t family;
    uint8_t client_addr[16];
    uint16_t server_port;
} name_key;

typedef struct {
    name_key key;
    ready_events ready;
    int64_t touched_ns;
    uint8_t server_addr[16]; /* of the latest */
} name_state;

/* Evidence older than both windows can never decide a close again: the
 * entries not touched for this long are dropped, so that the story holds
 * the clients active in the last seconds, not every client of the capture. */
#define SIBLINGS_FORGET_AFTER_NS (2LL * 1000000000)

/* Entries live inline in an open-addressed table (linear probing, at most
 * three quarters full, shrunk below a quarter): every completed handshake notes itself, and a malloc and a
 * GHashTable node per note cost more than the rest of its frame. Each entry
 * starts with its key; touched_ns says when it may be forgotten. */
typedef struct {
    uint8_t *entries;
    uint32_t *hashes; /* of each slot's key, never 0; 0: the slot is free */
    size_t entry_size;
    size_t key_size;
    size_t touched_offset;
    uint32_t capacity; /* a power of two */
    uint32_t count;
} slot_table;

#define SLOT_TABLE_MIN_CAPACITY 64u

struct tlsdiag_siblings {
    slot_table pairs; /* pair_state, by pair_key */
    slot_table names; /* name_state, by name_key */
    int64_t swept_ns; /* capture time of the last sweep */
};

/* Every completed handshake looks its keys up: a word at a time, not the
 * byte-wise digest of session tickets. Keys are zeroed before they are
 * filled, so their padding hashes alike. */
static guint words_hash(const void *key, size_t size)
{
    const uint8_t *bytes = key;
    guint hash = 0x9747b28cu;
    for (size_t i = 0; i + 4 <= size; i += 4) {
        uint32_t word;
        memcpy(&word, bytes + i, sizeof word);
        hash = (hash ^ word) * 0x9e3779b1u;
        hash ^= hash >> 15;
    }
    return hash;
}

G_STATIC_ASSERT(sizeof(pair_key) % 4 == 0);
G_STATIC_ASSERT(sizeof(name_key) % 4 == 0);

static void slot_table_init(slot_table *table, size_t entry_size, size_t key_size,
                            size_t touched_offset, uint32_t capacity)
{
    table->entry_size = entry_size;
    table->key_size = key_size;
    table->touched_offset = touched_offset;
    table->capacity = capacity;
    table->count = 0;
    /* An entry is written whole when it is taken: only the hashes need
     * zeroing. */
    table->entries = g_malloc((gsize)capacity * entry_size);
    table->hashes = g_new0(uint32_t, capacity);
}

static uint8_t *slot_entry(const slot_table *table, uint32_t index)
{
    return table->entries + (size_t)index * table->entry_size;
}

static int64_t slot_touched(const slot_table *table, const uint8_t *entry)
{
    int64_t touched;
    memcpy(&touched, entry + table->touched_offset, sizeof touched);
    return touched;
}

static uint32_t slot_hash(const slot_table *table, const void *key)
{
    return words_hash(key, table->key_size) | 1u;
}

/* The slot of key (hash: slot_hash of it): its entry, or the free slot
 * where it would go. Keys are compared only where the hashes agree. */
static uint32_t slot_probe(const slot_table *table, const void *key, uint32_t hash)
{
    uint32_t mask = table->capacity - 1;
    uint32_t index = hash & mask;
    while (table->hashes[index] != 0 &&
           (table->hashes[index] != hash ||
            memcmp(slot_entry(table, index), key, table->key_size) != 0))
        index = (index + 1) & mask;
    return index;
}

/* Moves the entries into a table of capacity slots. */
static void slot_table_rebuild(slot_table *table, uint32_t capacity)
{
    slot_table old = *table;
    slot_table_init(table, old.entry_size, old.key_size, old.touched_offset, capacity);
    uint32_t mask = capacity - 1;
    for (uint32_t i = 0; i < old.capacity; i++) {
        if (old.hashes[i] == 0)
            continue;
        uint32_t index = old.hashes[i] & mask;
        while (table->hashes[index] != 0)
            index = (index + 1) & mask;
        memcpy(slot_entry(table, index), slot_entry(&old, i), table->entry_size);
        table->hashes[index] = old.hashes[i];
        table->count++;
    }
    g_free(old.entries);
    g_free(old.hashes);
}

static void slot_table_clear(slot_table *table)
{
    g_free(table->entries);
    g_free(table->hashes);
}

static void *slot_lookup(const slot_table *table, const void *key)
{
    uint32_t index = slot_probe(table, key, slot_hash(table, key));
    return table->hashes[index] != 0 ? slot_entry(table, index) : NULL;
}

/* A new entry is zeroed but for its key. The pointer is valid until the
 * next insertion or sweep of this table. */
static void *slot_lookup_or_insert(slot_table *table, const void *key)
{
    uint32_t hash = slot_hash(table, key);
    uint32_t index = slot_probe(table, key, hash);
    if (table->hashes[index] != 0)
        return slot_entry(table, index);
    if (4 * (uint64_t)(table->count + 1) > 3 * (uint64_t)table->capacity) {
        slot_table_rebuild(table, table->capacity * 2);
        index = slot_probe(table, key, hash);
    }
    uint8_t *entry = slot_entry(table, index);
    memset(entry, 0, table->entry_size);
    memcpy(entry, key, table->key_size);
    table->hashes[index] = hash;
    table->count++;
    return entry;
}

/* Empties slot hole and moves later entries of its cluster back into it
 * where their home slot allows, so that every entry stays reachable. */
static void slot_remove_at(slot_table *table, uint32_t hole)
{
    uint32_t mask = table->capacity - 1;
    for (uint32_t next = (hole + 1) & mask; table->hashes[next] != 0; next = (next + 1) & mask) {
        uint32_t home = table->hashes[next] & mask;
        if (((next - home) & mask) >= ((next - hole) & mask)) {
            memcpy(slot_entry(table, hole), slot_entry(table, next), table->entry_size);
            table->hashes[hole] = table->hashes[next];
            hole = next;
        }
    }
    table->hashes[hole] = 0;
    table->count--;
}

/* Drops stale entries in place (an entry moved into a freed slot is looked
 * at again there); a table the sweep left mostly empty shrinks. */
static void slot_table_forget(slot_table *table, int64_t cutoff)
{
    for (uint32_t i = 0; i < table->capacity;) {
        if (table->hashes[i] != 0 && slot_touched(table, slot_entry(table, i)) < cutoff)
            slot_remove_at(table, i);
        else
            i++;
    }
    uint32_t capacity = table->capacity;
    while (capacity > SLOT_TABLE_MIN_CAPACITY && 4 * table->count < capacity)
        capacity /= 2;
    if (capacity != table->capacity)
        slot_table_rebuild(table, capacity);
}

tlsdiag_siblings *tlsdiag_siblings_new(void)
{
    tlsdiag_siblings *siblings = g_new0(tlsdiag_siblings, 1);
    slot_table_init(&siblings->pairs, sizeof(pair_state), sizeof(pair_key),
                    offsetof(pair_state, touched_ns), SLOT_TABLE_MIN_CAPACITY);
    slot_table_init(&siblings->names, sizeof(name_state), sizeof(name_key),
                    offsetof(name_state, touched_ns), SLOT_TABLE_MIN_CAPACITY);
    return siblings;
}

void tlsdiag_siblings_free(tlsdiag_siblings *siblings)
{
    if (siblings == NULL)
        return;
    slot_table_clear(&siblings->pairs);
    slot_table_clear(&siblings->names);
    g_free(siblings);
}

static pair_key make_pair_key(const tlsdiag_sibling_of *connection)
{
    return tlsdiag_peer_key_of(connection->client, connection->server);
}

static name_key make_name_key(const tlsdiag_sibling_of *connection, bool with_client)
{
    name_key key;
    memset(&key, 0, sizeof key);
    key.server_name = connection->server_name;
    key.family = connection->client->family;
    if (with_client)
        memcpy(key.client_addr, connection->client->addr, sizeof key.client_addr);
    key.server_port = connection->server->port;
    return key;
}

/* At most once per SIBLINGS_FORGET_AFTER_NS of capture time, so the sweep
 * costs a constant share of the calls. A capture whose clock jumps back
 * (merged recordings) sweeps again once it passes the last sweep. */
static void forget_stale(tlsdiag_siblings *siblings, int64_t time_ns)
{
    if (time_ns - siblings->swept_ns < SIBLINGS_FORGET_AFTER_NS)
        return;
    int64_t cutoff = time_ns - SIBLINGS_FORGET_AFTER_NS;
    slot_table_forget(&siblings->pairs, cutoff);
    slot_table_forget(&siblings->names, cutoff);
    siblings->swept_ns = time_ns;
}

unsigned tlsdiag_siblings_size(const tlsdiag_siblings *siblings)
{
    return siblings->pairs.count + siblings->names.count;
}

static pair_state *find_pair(tlsdiag_siblings *siblings, const tlsdiag_sibling_of *connection,
                             bool create)
{
    pair_key key = make_pair_key(connection);
    return create ? slot_lookup_or_insert(&siblings->pairs, &key)
                  : slot_lookup(&siblings->pairs, &key);
}

static void remember_ready(ready_events *events, const tlsdiag_sibling_of *connection,
                           uint32_t frame, int64_t time_ns)
{
    if (events->latest.frame != 0 && events->latest.stream != connection->stream)
        events->before = events->latest;
    events->latest = (ready_event){.stream = connection->stream,
                                   .frame = frame,
                                   .time_ns = time_ns,
                                   .client_port = connection->client->port,
                                   .family = connection->client->family,
                                   .server_name = connection->server_name};
}

/* The latest ready event of another connection than this stream. */
static const ready_event *sibling_ready(const ready_events *events, uint32_t stream)
{
    const ready_event *event = events->latest.stream != stream ? &events->latest : &events->before;
    return event->frame != 0 ? event : NULL;
}

static void note_ready_by_name(tlsdiag_siblings *siblings, const tlsdiag_sibling_of *connection,
                               bool with_client, uint32_t frame, int64_t time_ns)
{
    name_key key = make_name_key(connection, with_client);
    name_state *state = slot_lookup_or_insert(&siblings->names, &key);
    remember_ready(&state->ready, connection, frame, time_ns);
    state->touched_ns = time_ns;
    memcpy(state->server_addr, connection->server->addr, sizeof state->server_addr);
}

void tlsdiag_siblings_note_ready(tlsdiag_siblings *siblings, const tlsdiag_sibling_of *connection,
                                 uint32_t frame, int64_t time_ns)
{
    forget_stale(siblings, time_ns);
    pair_state *pair = find_pair(siblings, connection, true);
    remember_ready(&pair->ready, connection, frame, time_ns);
    pair->touched_ns = time_ns;
    if (connection->server_name == NULL)
        return;
    note_ready_by_name(siblings, connection, true, frame, time_ns);
    note_ready_by_name(siblings, connection, false, frame, time_ns);
}

/* Keep the more recent of two candidate events. */
static void consider(tlsdiag_sibling_evidence *evidence, const ready_event *event, int64_t time_ns,
                     bool by_name)
{
    if (event == NULL || event->time_ns > time_ns)
        return;
    if (evidence->sibling_frame != 0 && time_ns - event->time_ns >= evidence->since_sibling_ns)
        return;
    evidence->sibling_frame = event->frame;
    evidence->sibling_client_port = event->client_port;
    evidence->sibling_family = event->family;
    evidence->since_sibling_ns = time_ns - event->time_ns;
    evidence->sibling_by_name = by_name;
}

/* A close right after the server's flight may be the client rejecting the
 * server's certificate: a sibling for another name on the same address
 * (shared hosting) got another certificate and proves nothing then. */
static const ready_event *same_name_or_any(const ready_event *event, const char *server_name)
{
    if (event == NULL || server_name == NULL || event->server_name == NULL ||
        event->server_name == server_name)
        return event;
    return NULL;
}

static uint8_t other_family(uint8_t family)
{
    return family == 4 ? 6 : 4;
}

/* Same name on another server address: from this client address, or from
 * any address of the other family (the other leg of a dual-stack race). */
static void consider_by_name(const tlsdiag_siblings *siblings, const tlsdiag_sibling_of *connection,
                             int64_t time_ns, tlsdiag_sibling_evidence *evidence)
{
    if (connection->server_name == NULL)
        return;
    name_key key = make_name_key(connection, true);
    const name_state *state = slot_lookup(&siblings->names, &key);
    if (state != NULL)
        consider(evidence, sibling_ready(&state->ready, connection->stream), time_ns, true);

    key = make_name_key(connection, false);
    key.family = other_family(connection->client->family);
    state = slot_lookup(&siblings->names, &key);
    if (state != NULL)
        consider(evidence, sibling_ready(&state->ready, connection->stream), time_ns, true);
}

static bool judge(const tlsdiag_sibling_evidence *evidence, const pair_state *pair,
                  tlsdiag_close_point point)
{
    if (point == TLSDIAG_CLOSE_AFTER_SILENCE)
        return false;
    if (evidence->sibling_frame != 0 &&
        evidence->since_sibling_ns <= TLSDIAG_SIBLING_READY_WINDOW_NS)
        return true;
    if (evidence->closed_together < 2)
        return false;
    return pair->row_abandoned || point == TLSDIAG_CLOSE_AFTER_CLIENT_DONE;
}

tlsdiag_sibling_evidence tlsdiag_siblings_note_close(tlsdiag_siblings *siblings,
                                                     const tlsdiag_sibling_of *connection,
                                                     int64_t time_ns, tlsdiag_close_point point)
{
    tlsdiag_sibling_evidence evidence;
    memset(&evidence, 0, sizeof evidence);

    forget_stale(siblings, time_ns);
    pair_state *pair = find_pair(siblings, connection, true);
    pair->touched_ns = time_ns;
    const ready_event *event = sibling_ready(&pair->ready, connection->stream);
    if (point == TLSDIAG_CLOSE_AFTER_SERVER)
        event = same_name_or_any(event, connection->server_name);
    consider(&evidence, event, time_ns, false);
    consider_by_name(siblings, connection, time_ns, &evidence);

    bool in_row = pair->closes_in_row > 0 && time_ns >= pair->last_close_ns &&
                  time_ns - pair->last_close_ns <= TLSDIAG_CLOSED_TOGETHER_WINDOW_NS;
    pair->closes_in_row = in_row ? pair->closes_in_row + 1 : 1;
    pair->row_abandoned = in_row && pair->row_abandoned;
    pair->last_close_ns = time_ns;
    evidence.closed_together = pair->closes_in_row;

    evidence.abandoned = judge(&evidence, pair, point);
    pair->row_abandoned = pair->row_abandoned || evidence.abandoned;
    return evidence;
}
