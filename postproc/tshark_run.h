/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TLSDIAG_TSHARK_RUN_H
#define TLSDIAG_TSHARK_RUN_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * Runs tshark with the tlsdiag plugin over captures, several at once, and
 * hands each one's output to the report as it finishes. tshark is run
 * directly (fork and exec, no shell), so a capture's name is never parsed.
 */
struct tshark_options {
    const char *tshark;     /* NULL: $TSHARK, else tshark on PATH */
    const char *plugin_dir; /* a folder holding tlsdiag.so; NULL: the installed plugin */
    const char *keylog;     /* tls.keylog_file, or NULL */
    GPtrArray *prefs;       /* "PREF:VALUE" for -o */
    GPtrArray *decode_as;   /* "LAYER==VALUE,PROTO" for -d */
    unsigned jobs;          /* tshark processes at once; 0: one per processor */
    bool progress;          /* done/total, elapsed and ETA on stderr */
};

/*
 * One capture's tshark output, rewound: called in the order the runs end.
 * ok is false when tshark failed (the error was reported): out then holds
 * what it printed before, possibly nothing. Returns false if the output
 * could not be read.
 */
typedef bool (*tshark_output_fn)(void *ctx, const char *capture, FILE *out, bool ok);

/*
 * false when tshark cannot be started or failed on a capture: each such
 * capture is named with tshark's exit status and its message, and the other
 * captures are still read.
 */
bool tshark_run_captures(const struct tshark_options *options, GPtrArray *captures,
                         tshark_output_fn output, void *ctx);

#endif
