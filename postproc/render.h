/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_RENDER_H
#define TLSDIAG_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include "summary.h"

/* One renderer per output format; each writes the whole report to out. */

/* JSON report layout version; bump on any incompatible change. */
#define REPORT_SCHEMA_VERSION 1

struct text_options {
    uint64_t limit; /* flows shown in the table; 0: all */
};

void render_text(FILE *out, const struct summary *s, const struct text_options *options);
void render_json(FILE *out, const struct summary *s);
void render_csv(FILE *out, const struct summary *s);

#endif
