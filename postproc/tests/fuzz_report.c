/* fuzz_report.c
 * libFuzzer harness of tlsdiag-report's input: the fuzz input is one file
 * handed to the reader as the tool would get it (tshark -T fields with its
 * header, or -T ek, detected from the first line), followed by everything
 * the tool does with what it read: flows, summary, and the three renderings.
 *
 * Besides memory errors and undefined behaviour, it checks what the man page
 * promises whatever the input: every rendering is valid UTF-8, and --json is
 * one JSON document json-glib reads back. A broken promise aborts, so
 * libFuzzer records the input.
 *
 * Built two ways (postproc/tests/fuzz.cmake):
 *   - clang -fsanitize=fuzzer,address,undefined (TLSDIAG_FUZZ=ON): fuzz_report,
 *     the libFuzzer binary. Run it on a copy of the seed corpus:
 *         cp -r testdata/fuzz/report-corpus /tmp/report-corpus
 *         build-fuzz/postproc/fuzz_report /tmp/report-corpus -max_len=65536
 *     (-close_fd_mask=2 keeps the report's own messages off the terminal;
 *     sanitizer reports still show.)
 *   - any compiler, with testdata/fuzz/replay_main.c: fuzz_report_replay
 *     FILE|DIR... runs the harness once over each input (ctest
 *     report.fuzz-corpus).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

/* fmemopen, open_memstream */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "diag.h"
#include "flows.h"
#include "input.h"
#include "json_guard.h"
#include "render.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *text, size_t len)
{
    fprintf(stderr, "fuzz_report: %s\n%.*s\n", what, (int)MIN(len, 4096), text);
    abort();
}

typedef void (*renderer)(FILE *out, const struct summary *s);

static void render_text_all(FILE *out, const struct summary *s)
{
    const struct text_options options = {0};
    render_text(out, s, &options);
}

/* Returns the rendering, valid UTF-8 or the run aborts; g_free it. */
static char *render_to_memory(renderer render, const struct summary *s, size_t *len)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, len);
    if (!out)
        abort();
    render(out, s);
    if (fclose(out) != 0)
        abort();
    if (!g_utf8_validate(text, (gssize)*len, NULL))
        fail("rendering is not valid UTF-8", text, *len);
    return text;
}

static void check_json(const char *text, size_t len)
{
    JsonParser *parser = json_parser_new();
    GError *error = NULL;
    if (!json_nesting_ok(text, len))
        fail("--json nests deeper than the report schema", text, len);
    if (!json_parser_load_from_data(parser, text, (gssize)len, &error))
        fail(error->message, text, len);
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root))
        fail("--json is not one object", text, len);
    g_object_unref(parser);
}

static const char *begin_capture(void *ctx, const char *label)
{
    return flows_begin_capture(ctx, label);
}

static void add_row(void *ctx, const char *capture, const struct flagged_row *row)
{
    flows_add_row(ctx, capture, row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char empty[1];
    struct flows *flows = flows_new();
    const struct input_handler handler = {flows, begin_capture, add_row};
    const struct input_options options = {"fuzz", false};
    struct input_stats stats = {0};
    /* fmemopen refuses a zero size on older C libraries. */
    FILE *fp = size ? fmemopen((void *)data, size, "rb") : fmemopen((void *)empty, 1, "r");
    size_t len;
    char *text;

    diag_set_quiet(TRUE);
    if (!fp)
        abort();
    if (!size)
        fgetc(fp);
    input_read_stream(fp, "fuzz", &options, &handler, &stats);
    fclose(fp);
    flows_add_stats(flows, &stats);

    struct summary *s = summary_build(flows);
    text = render_to_memory(render_json, s, &len);
    check_json(text, len);
    free(text);
    free(render_to_memory(render_text_all, s, &len));
    free(render_to_memory(render_csv, s, &len));
    summary_free(s);
    flows_free(flows);
    return 0;
}
