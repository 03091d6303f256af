/* packet-tlsdiag.h
 * Registration entry points of the TLS Handshake Diagnostics postdissector.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef PACKET_TLSDIAG_H
#define PACKET_TLSDIAG_H

#include <wireshark.h>

#include "engine/observation.h"

void proto_register_tlsdiag(void);
void proto_reg_handoff_tlsdiag(void);

/* "10.0.0.1:443", "[2001:db8::1]:443": the form tlsdiag.client and
 * tlsdiag.server are filtered by. */
const char *tlsdiag_endpoint_to_str(wmem_allocator_t *pool, const tlsdiag_endpoint *endpoint);

#endif /* PACKET_TLSDIAG_H */
