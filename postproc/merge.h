/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_MERGE_H
#define TLSDIAG_MERGE_H

#include <stdbool.h>

#include "flows.h"

/*
 * Reads reports written by --json back into flows, so reports made per
 * capture, per split or per machine combine into the report of the whole.
 * Flows of the same capture label and stream are one flow.
 */
struct merge;

struct merge *merge_new(struct flows *flows);
void merge_free(struct merge *m);
/* path "-" is stdin. Problems are reported naming the file; false if unusable. */
bool merge_read(struct merge *m, const char *path);

#endif
