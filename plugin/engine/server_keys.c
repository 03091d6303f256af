/* server_keys.c
 * Keys in use per server name (or address and port): a few per server,
 * since a pool rotates through a handful of certificates at most.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "server_keys.h"

#include <glib.h>
#include <string.h>

#define KEYS_PER_SERVER 4

/* A server: by name when the client sent one, else by address and port.
 * Asked on every completed handshake: no string is built to find it. */
typedef struct {
    char *name; /* NULL: by address */
    uint8_t family;
    uint8_t addr[16];
    uint16_t port;
} server_id;

typedef struct {
    server_id id; /* the table's key */
    tlsdiag_key_use uses[KEYS_PER_SERVER];
    unsigned count;
    unsigned next; /* the slot a fifth key replaces */
} server_entry;

struct tlsdiag_server_keys {
    GHashTable *servers; /* server_id -> server_entry */
};

static guint server_id_hash(gconstpointer key)
{
    const server_id *id = key;
    if (id->name != NULL)
        return g_str_hash(id->name);
    guint hash = ((guint)id->family << 16) ^ id->port;
    for (size_t i = 0; i < sizeof id->addr; i++)
        hash = hash * 31 + id->addr[i];
    return hash;
}

static gboolean server_id_equal(gconstpointer a, gconstpointer b)
{
    const server_id *x = a, *y = b;
    if (x->name != NULL || y->name != NULL)
        return x->name != NULL && y->name != NULL && strcmp(x->name, y->name) == 0;
    return x->family == y->family && x->port == y->port && memcmp(x->addr, y->addr, sizeof x->addr) == 0;
}

static void free_entry(gpointer data)
{
    server_entry *entry = data;
    g_free(entry->id.name);
    g_free(entry);
}

tlsdiag_server_keys *tlsdiag_server_keys_new(void)
{
    tlsdiag_server_keys *keys = g_new0(tlsdiag_server_keys, 1);
    keys->servers = g_hash_table_new_full(server_id_hash, server_id_equal, NULL, free_entry);
    return keys;
}

void tlsdiag_server_keys_free(tlsdiag_server_keys *keys)
{
    if (keys == NULL)
        return;
    g_hash_table_destroy(keys->servers);
    g_free(keys);
}

/* Borrows server_name: copy it before keeping the id. */
static server_id server_id_of(const char *server_name, const tlsdiag_endpoint *server)
{
    server_id id;
    memset(&id, 0, sizeof id);
    if (server_name != NULL && *server_name != '\0') {
        id.name = (char *)server_name;
        return id;
    }
    id.family = server->family;
    memcpy(id.addr, server->addr, sizeof id.addr);
    id.port = server->port;
    return id;
}

void tlsdiag_server_keys_used(tlsdiag_server_keys *keys, const char *server_name,
                              const tlsdiag_endpoint *server, const char *pin, uint32_t frame)
{
    if (pin == NULL)
        return;
    server_id id = server_id_of(server_name, server);
    server_entry *entry = g_hash_table_lookup(keys->servers, &id);
    if (entry == NULL) {
        entry = g_new0(server_entry, 1);
        entry->id = id;
        entry->id.name = g_strdup(id.name);
        g_hash_table_insert(keys->servers, &entry->id, entry);
    }
    for (unsigned i = 0; i < entry->count; i++) {
        if (strcmp(entry->uses[i].pin, pin) == 0) {
            entry->uses[i].frame = frame;
            return;
        }
    }
    unsigned slot = entry->count < KEYS_PER_SERVER ? entry->count++ : entry->next++ % KEYS_PER_SERVER;
    entry->uses[slot].pin = pin;
    entry->uses[slot].frame = frame;
}

const tlsdiag_key_use *tlsdiag_server_keys_other(const tlsdiag_server_keys *keys,
                                                 const char *server_name,
                                                 const tlsdiag_endpoint *server, const char *pin)
{
    if (pin == NULL)
        return NULL;
    server_id id = server_id_of(server_name, server);
    const server_entry *entry = g_hash_table_lookup(keys->servers, &id);
    const tlsdiag_key_use *latest = NULL;
    for (unsigned i = 0; entry != NULL && i < entry->count; i++) {
        if (strcmp(entry->uses[i].pin, pin) != 0 && (latest == NULL || entry->uses[i].frame > latest->frame))
            latest = &entry->uses[i];
    }
    return latest;
}
