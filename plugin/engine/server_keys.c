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

typedef struct {
    tlsdiag_key_use uses[KEYS_PER_SERVER];
    unsigned count;
    unsigned next; /* the slot a fifth key replaces */
} server_entry;

struct tlsdiag_server_keys {
    GHashTable *servers; /* "n:NAME" or "a:FAMILY:ADDRESS:PORT" -> server_entry */
};

tlsdiag_server_keys *tlsdiag_server_keys_new(void)
{
    tlsdiag_server_keys *keys = g_new0(tlsdiag_server_keys, 1);
    keys->servers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return keys;
}

void tlsdiag_server_keys_free(tlsdiag_server_keys *keys)
{
    if (keys == NULL)
        return;
    g_hash_table_destroy(keys->servers);
    g_free(keys);
}

static char *server_key(const char *server_name, const tlsdiag_endpoint *server)
{
    if (server_name != NULL && *server_name != '\0')
        return g_strconcat("n:", server_name, NULL);
    GString *key = g_string_new("a:");
    g_string_append_printf(key, "%u:", server->family);
    for (size_t i = 0; i < sizeof server->addr; i++)
        g_string_append_printf(key, "%02x", server->addr[i]);
    g_string_append_printf(key, ":%u", server->port);
    return g_string_free(key, FALSE);
}

void tlsdiag_server_keys_used(tlsdiag_server_keys *keys, const char *server_name,
                              const tlsdiag_endpoint *server, const char *pin, uint32_t frame)
{
    if (pin == NULL)
        return;
    char *key = server_key(server_name, server);
    server_entry *entry = g_hash_table_lookup(keys->servers, key);
    if (entry == NULL) {
        entry = g_new0(server_entry, 1);
        g_hash_table_insert(keys->servers, key, entry);
    } else {
        g_free(key);
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
    char *key = server_key(server_name, server);
    const server_entry *entry = g_hash_table_lookup(keys->servers, key);
    g_free(key);
    const tlsdiag_key_use *latest = NULL;
    for (unsigned i = 0; entry != NULL && i < entry->count; i++) {
        if (strcmp(entry->uses[i].pin, pin) != 0 && (latest == NULL || entry->uses[i].frame > latest->frame))
            latest = &entry->uses[i];
    }
    return latest;
}
