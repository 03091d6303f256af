/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_JSON_GUARD_H
#define TLSDIAG_JSON_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/*
 * json-glib parses recursively: text nested deeper than any tshark record
 * or report could exhaust the stack. Check before handing text to it.
 */
bool json_nesting_ok(const char *text, size_t len);

#endif
