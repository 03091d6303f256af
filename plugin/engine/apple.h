/* apple.h
 * Apple's rules for TLS servers, which Apple clients enforce on top of
 * chain validation: App Transport Security (TLS 1.2 or later, a cipher
 * suite with forward secrecy) and the validity limits for publicly trusted
 * certificates (825 days for those issued from 2019-07-01, 398 days from
 * 2020-09-01).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TLSDIAG_APPLE_H
#define TLSDIAG_APPLE_H

#include <stdint.h>

#include "certificate.h"

/* The Apple findings for a negotiated version and cipher suite (0 when the
 * ServerHello was not read) and the server's chain (NULL: none read). */
tlsdiag_cert_findings tlsdiag_apple_judge(uint16_t version, uint16_t cipher_suite,
                                          const tlsdiag_cert_facts *facts);

#endif /* TLSDIAG_APPLE_H */
