/* siblings.h
 * Connections a client abandoned: browsers open several connections to one
 * server at once (preconnects, racing, Happy Eyeballs) and close the ones
 * they no longer need as soon as one is ready. This story remembers, per
 * client and server, which connection got ready last and which the client
 * closed, so that such a close is told apart from a failed handshake.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_SIBLINGS_H
#define TLSDIAG_SIBLINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "observation.h"

/* A sibling's client Finished or completion this long before a client
 * close makes the closed connection surplus (README: "Abandoned
 * connections" says why these values). */
#define TLSDIAG_SIBLING_READY_WINDOW_NS (20LL * 1000000)
/* Client closes of unfinished handshakes to one server this close to each
 * other were closed together. */
#define TLSDIAG_CLOSED_TOGETHER_WINDOW_NS (5LL * 1000000)

typedef struct tlsdiag_siblings tlsdiag_siblings;

/* One connection, as the story knows it. server_name is interned (pointer
 * equality means the same name) or NULL. */
typedef struct {
    const tlsdiag_endpoint *client;
    const tlsdiag_endpoint *server;
    const char *server_name;
    uint32_t stream;
} tlsdiag_sibling_of;

/* Where the handshake stood when the client closed it. */
typedef enum {
    TLSDIAG_CLOSE_AWAITING_SERVER,   /* after the ClientHello, nothing from the server yet */
    TLSDIAG_CLOSE_AFTER_SERVER,      /* the server's hello or flight came, the client did not answer */
    TLSDIAG_CLOSE_AFTER_CLIENT_DONE, /* the client sent its Finished: it accepted the server */
    TLSDIAG_CLOSE_AFTER_SILENCE,     /* no progress for longer than the stall timeout */
} tlsdiag_close_point;

/* What the capture shows, up to and including a client close, about why the
 * client did not need the connection. */
typedef struct {
    uint32_t sibling_frame;       /* latest sibling's client Finished or completion; 0: none */
    uint16_t sibling_client_port; /* the sibling's client port, to find it by */
    bool sibling_by_name;         /* found by server name on another server address */
    uint8_t sibling_family;       /* 4 or 6: another than ours means a dual-stack race */
    bool abandoned;
    int64_t since_sibling_ns;     /* from that frame to the close */
    uint32_t closed_together;     /* client closes to this server in a row, this one included */
} tlsdiag_sibling_evidence;

tlsdiag_siblings *tlsdiag_siblings_new(void);
void tlsdiag_siblings_free(tlsdiag_siblings *siblings);

/* The client sent its Finished, or the handshake completed: the client has
 * a connection it can use. Call once per connection. */
void tlsdiag_siblings_note_ready(tlsdiag_siblings *siblings, const tlsdiag_sibling_of *connection,
                                 uint32_t frame, int64_t time_ns);

/* The client closed this connection's unfinished handshake (FIN or RST, no
 * alert): count the close and judge it from the evidence seen so far. The
 * client abandoned the connection when
 * - a sibling got ready at most TLSDIAG_SIBLING_READY_WINDOW_NS before, or
 * - it closed this one together with an abandoned one, or
 * - it closed this one together with another after sending its own
 *   Finished (closes of unanswered ClientHellos together are a client giving
 *   up on a server; closes after the server's flight together are a client
 *   rejecting the server's certificate on each connection);
 * never after a silence longer than the stall timeout. */
tlsdiag_sibling_evidence tlsdiag_siblings_note_close(tlsdiag_siblings *siblings,
                                                     const tlsdiag_sibling_of *connection,
                                                     int64_t time_ns, tlsdiag_close_point point);

/* Entries held (client-server pairs and server names): for tests of the
 * bound on memory. */
unsigned tlsdiag_siblings_size(const tlsdiag_siblings *siblings);

#endif /* TLSDIAG_SIBLINGS_H */
