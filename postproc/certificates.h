/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_CERTIFICATES_H
#define TLSDIAG_CERTIFICATES_H

#include <glib.h>
#include <stdbool.h>

#include "flows.h"

/*
 * The server's certificate as the report tells it (issue 17): the plugin
 * shows it on the refusals it can explain, with its first finding
 * (tlsdiag.cert.problem), subject, first SAN and pin.
 */

/* The flow's overview shows a certificate. */
bool cert_shown(const struct flow_event *o);

/* ", certificate name_mismatch (for shop.example)" for the flow table; without a
 * finding the key's pin (", server key sha256//..."); nothing without a certificate. */
void cert_describe(GString *out, const struct flow_event *o);

/* What the refused connections got, after "3 of 3 refused connections ":
 * "got a certificate for shop.example while asking for www.example". */
void cert_problem_phrase(GString *out, const char *problem, const char *san, const char *sni);

/* What to do about it, a sentence. */
const char *cert_problem_advice(const char *problem);

#endif
