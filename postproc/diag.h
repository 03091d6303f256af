/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_DIAG_H
#define TLSDIAG_DIAG_H

#include <glib.h>
#include <stdint.h>

/*
 * Messages on stderr, always "tlsdiag-report: FILE:LINE: what". Malformed
 * lines are shown up to a limit so a broken gigabyte does not flood the
 * terminal; the count is kept regardless.
 */
void diag_set_quiet(gboolean quiet);
void diag_error(const char *file, uint64_t line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void diag_warning(const char *file, uint64_t line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void diag_malformed(const char *file, uint64_t line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Prints how many malformed lines were not shown; returns the total. */
uint64_t diag_finish(void);

#endif
