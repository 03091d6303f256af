/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "capture.h"
#include "diag.h"
#include "flows.h"
#include "input.h"
#include "merge.h"
#include "render.h"
#include "summary.h"
#include "tshark_args.h"
#include "tshark_run.h"

/* As grep and diff: scripts tell "clean" from "found" from "could not tell". */
enum { EXIT_NONE_FOUND = 0, EXIT_FOUND = 1, EXIT_TROUBLE = 2 };

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV };

enum { OPT_ALLOW_EMPTY = 256, OPT_JSON, OPT_TSHARK, OPT_PLUGIN_DIR, OPT_PRINT_TSHARK_ARGS };

struct options {
    enum format format;
    bool quiet;
    bool merge;
    bool allow_empty;
    const char *label;
    uint64_t limit;
    struct tshark_options tshark;
};

static const char usage_text[] =
    "Usage: tlsdiag-report [OPTION]... [CAPTURE|FOLDER|FILE]...\n"
    "Summarize failing TLS handshakes flagged by the tlsdiag Wireshark plugin.\n"
    "\n"
    "A CAPTURE (pcap or pcapng, gzip'd or not; told by its content) is read by\n"
    "tshark with the plugin, several at once; a FOLDER's captures likewise, its\n"
    "subfolders included. Any other FILE is tshark's output over the tlsdiag\n"
    "fields (-T fields with a header line, or -T ek); with no argument, or -,\n"
    "read stdin. tshark's options for such output: --print-tshark-args.\n"
    "\n"
    "Output:\n"
    "  -t, --text           a report for people (default)\n"
    "      --json           one JSON document (schema_version 1), mergeable\n"
    "  -c, --csv            one CSV row per flagged flow, with a header line\n"
    "  -q, --quiet          print nothing; exit status only (errors still print)\n"
    "  -n, --limit=N        show at most N flows in the text table (default 50,\n"
    "                       0 for all)\n"
    "\n"
    "Captures:\n"
    "  -j, --jobs=N         run N tshark processes at once (default: one per\n"
    "                       processor); progress on stderr when it is a terminal\n"
    "      --tshark=PATH    the tshark to run (default: $TSHARK, else tshark on\n"
    "                       PATH)\n"
    "      --plugin-dir=DIR the plugin of a build tree (build/plugins/X.Y/epan)\n"
    "                       instead of the installed one; as root, tshark then\n"
    "                       runs as nobody (tshark ignores personal plugins for\n"
    "                       root)\n"
    "  -k, --keylog=FILE    TLS key log (tshark -o tls.keylog_file:FILE)\n"
    "  -o PREF:VALUE        a tshark preference, e.g. -o tlsdiag.stall_timeout:10\n"
    "  -d LAYER==V,PROTO    tshark's decode as, e.g. -d tcp.port==8443,tls\n"
    "      --print-tshark-args\n"
    "                       print tshark's options for this report's input and\n"
    "                       exit: tshark -r CAPTURE $(tlsdiag-report\n"
    "                       --print-tshark-args) | tlsdiag-report\n"
    "\n"
    "tshark output:\n"
    "  -m, --merge          FILEs are reports written by --json: combine them\n"
    "  -l, --label=NAME     name the capture of the single input (default: its\n"
    "                       file name, - for stdin); reports to merge need names\n"
    "      --allow-empty    accept an empty input as no flagged frames (tshark -T ek\n"
    "                       prints nothing when no frame matches)\n"
    "\n"
    "  -h, --help           show this help and exit\n"
    "  -V, --version        show the version and exit\n"
    "\n"
    "Exit status: 0 no flagged flow, 1 flagged flows found, 2 usage or input error\n"
    "(tshark failed on a capture, say).\n";

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
        {"json", no_argument, NULL, OPT_JSON},
        {"jobs", required_argument, NULL, 'j'},
        {"tshark", required_argument, NULL, OPT_TSHARK},
        {"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
        {"keylog", required_argument, NULL, 'k'},
        {"print-tshark-args", no_argument, NULL, OPT_PRINT_TSHARK_ARGS},
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
    o->tshark.prefs = g_ptr_array_new();
    o->tshark.decode_as = g_ptr_array_new();
    while ((c = getopt_long(argc, argv, "tj:cqn:ml:k:o:d:hV", longopts, NULL)) != -1) {
        switch (c) {
            case 't':
                o->format = FORMAT_TEXT;
                break;
            case OPT_JSON:
                o->format = FORMAT_JSON;
                break;
            case 'j': {
                guint64 jobs = g_ascii_strtoull(optarg, &end, 10);
                if (!*optarg || *end || optarg[0] == '-' || jobs == 0 || jobs > 1024)
                    usage_error("--jobs wants a number from 1 to 1024, not '%s'", optarg);
                o->tshark.jobs = (unsigned)jobs;
                break;
            }
            case OPT_TSHARK:
                o->tshark.tshark = optarg;
                break;
            case OPT_PLUGIN_DIR:
                o->tshark.plugin_dir = optarg;
                break;
            case 'k':
                o->tshark.keylog = optarg;
                break;
            case 'o':
                if (!strchr(optarg, ':'))
                    usage_error("-o wants PREF:VALUE, not '%s'", optarg);
                g_ptr_array_add(o->tshark.prefs, optarg);
                break;
            case 'd':
                g_ptr_array_add(o->tshark.decode_as, optarg);
                break;
            case OPT_PRINT_TSHARK_ARGS:
                tshark_args_print(stdout);
                exit(EXIT_NONE_FOUND);
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

struct capture_reader {
    struct flows *flows;
    const struct input_handler *handler;
    const char *label; /* of the single capture, or NULL */
};

/* tshark succeeded, so no output at all is no flagged frame. */
static bool read_tshark_output(void *ctx, const char *capture, FILE *out, bool ok)
{
    struct capture_reader *r = ctx;
    const struct input_options options = {r->label ? r->label : capture, true};
    struct input_stats stats = {0};
    int c = getc(out);
    if (c == EOF && !ok)
        return true;
    ungetc(c, out);
    ok = input_read_stream(out, capture, &options, r->handler, &stats);
    flows_add_stats(r->flows, &stats);
    return ok;
}

/* A capture, or the captures of a folder, for tshark; false if unreadable. */
static bool add_captures(const char *path, enum input_kind kind, GPtrArray *captures)
{
    char *error = NULL;
    guint before = captures->len;
    if (kind == INPUT_CAPTURE) {
        g_ptr_array_add(captures, g_strdup(path));
        return true;
    }
    if (!captures_in_folder(path, captures, &error)) {
        diag_error(path, 0, "%s", error);
        g_free(error);
        return false;
    }
    if (captures->len == before) {
        diag_error(path, 0, "no capture (pcap or pcapng) in this folder");
        return false;
    }
    return true;
}

static bool read_inputs(struct flows *flows, const struct options *o, char **files, int n)
{
    const struct input_handler handler = {flows, begin_capture, add_row};
    const struct input_options input_options = {o->label, o->allow_empty};
    struct capture_reader capture_reader = {flows, &handler, o->label};
    struct merge *merge = o->merge ? merge_new(flows) : NULL;
    GPtrArray *captures = g_ptr_array_new_with_free_func(g_free);
    bool ok = true;

    for (int i = 0; i < n; i++) {
        struct input_stats stats = {0};
        char *error = NULL;
        enum input_kind kind;
        if (merge) {
            ok &= merge_read(merge, files[i]);
            continue;
        }
        kind = input_kind_of(files[i], &error);
        if (kind == INPUT_UNREADABLE) {
            diag_error(files[i], 0, "%s", error);
            g_free(error);
            ok = false;
            continue;
        }
        if (kind != INPUT_TSHARK_OUTPUT) {
            ok &= add_captures(files[i], kind, captures);
            continue;
        }
        /* A file that failed midway still contributes what it delivered. */
        ok &= input_read(files[i], &input_options, &handler, &stats);
        flows_add_stats(flows, &stats);
    }
    if (o->label && captures->len > 1)
        usage_error("--label names a single capture, not those of a folder%s", "");
    if (captures->len)
        ok &= tshark_run_captures(&o->tshark, captures, read_tshark_output, &capture_reader);
    g_ptr_array_unref(captures);
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
    o.tshark.progress = !o.quiet && isatty(STDERR_FILENO);

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
    g_ptr_array_unref(o.tshark.prefs);
    g_ptr_array_unref(o.tshark.decode_as);
    return status;
}
