/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_HINTS_H
#define TLSDIAG_HINTS_H

#include <glib.h>

#include "summary.h"

/*
 * "Look here first": what the mix of patterns suggests to check, most
 * affected flows first. Adds struct hint * to s->hints.
 */
void hints_derive(struct summary *s);

#endif
