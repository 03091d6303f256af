/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "flows.h"
#include "input.h"
#include "merge.h"
#include "render.h"
#include "summary.h"

/* As grep and diff: scripts tell "clean" from "found" from "could not tell". */
enum { EXIT_NONE_FOUND = 0, EXIT_FOUND = 1, EXIT_TROUBLE = 2 };

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV };

enum { OPT_ALLOW_EMPTY = 256 };

struct options {
    enum format format;
    bool quiet;
    bool merge;
    bool allow_empty;
    const char *label;
    uint64_t limit;
};

static const char usage_text[] =
    "Usage: tlsdiag-report [OPTION]... [FILE]...\n"
    "Summarize failing TLS handshakes flagged by the tlsdiag Wireshark plugin.\n"
    "\n"
    "FILE is the output of tshark -T fields (with a header line) or -T ek\n"
    "over the tlsdiag fields; with no FILE, or when FILE is -, read stdin:\n"
    "\n"
    "  tshark -r CAPTURE -Y tlsdiag -T fields -E header=y -E separator=/t \\\n"
    "    -E occurrence=f -e frame.number -e frame.time_epoch -e tcp.stream \\\n"
    "    -e tlsdiag.flag -e tlsdiag.side ... | tlsdiag-report\n"
    "\n"
    "(the full command is in tlsdiag-report(1)).\n"
    "\n"
    "Output:\n"
    "  -t, --text           a report for people (default)\n"
    "  -j, --json           one JSON document (schema_version 1), mergeable\n"
    "  -c, --csv            one CSV row per flagged flow, with a header line\n"
    "  -q, --quiet          print nothing; exit status only (errors still print)\n"
    "  -n, --limit=N        show at most N flows in the text table (default 50,\n"
    "                       0 for all)\n"
    "\n"
    "Input:\n"
    "  -m, --merge          FILEs are reports written by --json: combine them\n"
    "  -l, --label=NAME     name the capture of the single input FILE (default: the\n"
    "                       file name, - for stdin); reports to merge need names\n"
    "      --allow-empty    accept an empty input as no flagged frames (tshark -T ek\n"
    "                       prints nothing when no frame matches)\n"
    "\n"
    "  -h, --help           show this help and exit\n"
    "  -V, --version        show the version and exit\n"
    "\n"
    "Exit status: 0 no flagged flow, 1 flagged flows found, 2 usage or input error.\n";

static void usage_error(const char *fmt, const char *arg)
{
    fputs("tlsdiag-report: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'tlsdiag-report --help' for more information.\n", stderr);
    exit(EXIT_TROUBLE);
}

static void parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"text", no_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"csv", no_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"limit", required_argument, NULL, 'n'},
        {"merge", no_argument, NULL, 'm'},
        {"label", required_argument, NULL, 'l'},
        {"allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    char *end;

    *o = (struct options){.format = FORMAT_TEXT, .limit = 50};
    while ((c = getopt_long(argc, argv, "tjcqn:ml:hV", longopts, NULL)) != -1) {
        switch (c) {
            case 't':
                o->format = FORMAT_TEXT;
                break;
            case 'j':
                o->format = FORMAT_JSON;
                break;
            case 'c':
                o->format = FORMAT_CSV;
                break;
            case 'q':
                o->quiet = true;
                break;
            case 'n':
                o->limit = g_ascii_strtoull(optarg, &end, 10);
                if (!*optarg || *end || optarg[0] == '-')
                    usage_error("--limit wants a number, not '%s'", optarg);
                break;
            case 'm':
                o->merge = true;
                break;
            case 'l':
                if (!*optarg)
                    usage_error("--label wants a name%s", "");
                o->label = optarg;
                break;
            case OPT_ALLOW_EMPTY:
                o->allow_empty = true;
                break;
            case 'h':
                fputs(usage_text, stdout);
                exit(EXIT_NONE_FOUND);
            case 'V':
                puts("tlsdiag-report " TLSDIAG_VERSION);
                exit(EXIT_NONE_FOUND);
            default:
                fputs("Try 'tlsdiag-report --help' for more information.\n", stderr);
                exit(EXIT_TROUBLE);
        }
    }
}

static const char *begin_capture(void *ctx, const char *label)
{
    return flows_begin_capture(ctx, label);
}

static void add_row(void *ctx, const char *capture, const struct flagged_row *row)
{
    flows_add_row(ctx, capture, row);
}

static bool read_inputs(struct flows *flows, const struct options *o, char **files, int n)
{
    const struct input_handler handler = {flows, begin_capture, add_row};
    const struct input_options input_options = {o->label, o->allow_empty};
    struct merge *merge = o->merge ? merge_new(flows) : NULL;
    bool ok = true;

    for (int i = 0; i < n; i++) {
        struct input_stats stats = {0};
        if (merge) {
            ok &= merge_read(merge, files[i]);
            continue;
        }
        /* A file that failed midway still contributes what it delivered. */
        ok &= input_read(files[i], &input_options, &handler, &stats);
        flows_add_stats(flows, &stats);
    }
    merge_free(merge);
    return ok;
}

static bool render(const struct summary *s, const struct options *o)
{
    const struct text_options text_options = {o->limit};
    errno = 0; /* the reason of a failed write, if one fails */
    switch (o->format) {
        case FORMAT_TEXT:
            render_text(stdout, s, &text_options);
            break;
        case FORMAT_JSON:
            render_json(stdout, s);
            break;
        case FORMAT_CSV:
            render_csv(stdout, s);
            break;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        diag_error("<stdout>", 0, "write error%s%s", errno ? ": " : "",
                   errno ? g_strerror(errno) : "");
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    static char *stdin_only[] = {"-"};
    struct options o;
    struct flows *flows = flows_new();
    struct summary *s;
    char **files;
    int n, status;
    bool ok;

    parse_options(argc, argv, &o);
    files = optind < argc ? argv + optind : stdin_only;
    n = optind < argc ? argc - optind : 1;
    if (o.label && (n > 1 || o.merge))
        usage_error("--label names the capture of a single tshark output%s", "");
    diag_set_quiet(o.quiet);

    ok = read_inputs(flows, &o, files, n);
    diag_finish();
    status = flows_count(flows) ? EXIT_FOUND : EXIT_NONE_FOUND;
    /* As grep, what the good inputs delivered is shown with exit status 2;
     * but "nothing flagged" after unreadable input would be a false all-clear. */
    if (!o.quiet && (ok || flows_count(flows) > 0)) {
        s = summary_build(flows);
        ok &= render(s, &o);
        summary_free(s);
    }
    if (!ok)
        status = EXIT_TROUBLE;
    flows_free(flows);
    return status;
}
