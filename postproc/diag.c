/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diag.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

enum { MALFORMED_SHOWN = 10 };

static gboolean quiet;
static uint64_t malformed_total;

void diag_set_quiet(gboolean q)
{
    quiet = q;
}

static void vreport(const char *kind, const char *file, uint64_t line, const char *fmt, va_list ap)
{
    fputs("tlsdiag-report: ", stderr);
    if (file && line)
        fprintf(stderr, "%s:%" PRIu64 ": ", file, line);
    else if (file)
        fprintf(stderr, "%s: ", file);
    if (kind)
        fprintf(stderr, "%s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

/* Errors print even under -q: like grep -q, silence covers results, not trouble. */
void diag_error(const char *file, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("error", file, line, fmt, ap);
    va_end(ap);
}

void diag_warning(const char *file, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    if (quiet)
        return;
    va_start(ap, fmt);
    vreport("warning", file, line, fmt, ap);
    va_end(ap);
}

void diag_malformed(const char *file, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    malformed_total++;
    if (quiet || malformed_total > MALFORMED_SHOWN)
        return;
    va_start(ap, fmt);
    vreport("malformed line skipped", file, line, fmt, ap);
    va_end(ap);
}

uint64_t diag_finish(void)
{
    if (!quiet && malformed_total > MALFORMED_SHOWN)
        fprintf(stderr, "tlsdiag-report: %" PRIu64 " more malformed lines not shown\n",
                malformed_total - MALFORMED_SHOWN);
    return malformed_total;
}
