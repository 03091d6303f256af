/* server_keys.h
 * Which leaf keys the servers behind one name presented to connections that
 * went on to use them: a pool whose members present different keys breaks
 * clients that pin one of them (certificate_changed).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_SERVER_KEYS_H
#define TLSDIAG_SERVER_KEYS_H

#include <stdint.h>

#include "observation.h"

/* A connection that completed and carried data with this key. */
typedef struct {
    const char *pin; /* base64 SHA-256 of the SPKI, owned by the certificate cache */
    uint32_t frame;  /* the frame that showed the connection in use */
} tlsdiag_key_use;

typedef struct tlsdiag_server_keys tlsdiag_server_keys;

tlsdiag_server_keys *tlsdiag_server_keys_new(void);
void tlsdiag_server_keys_free(tlsdiag_server_keys *keys);

/* The server is the SNI when there is one, else the address and port. */
void tlsdiag_server_keys_used(tlsdiag_server_keys *keys, const char *server_name,
                              const tlsdiag_endpoint *server, const char *pin, uint32_t frame);

/* The latest use of a key other than pin for that server; NULL if none. */
const tlsdiag_key_use *tlsdiag_server_keys_other(const tlsdiag_server_keys *keys,
                                                 const char *server_name,
                                                 const tlsdiag_endpoint *server, const char *pin);

#endif /* TLSDIAG_SERVER_KEYS_H */
