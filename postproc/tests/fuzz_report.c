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
 *   - any compiler, TLSDIAG_FUZZ_REPLAY defined: fuzz_report_replay FILE|DIR...
 *     runs the harness once over each input (ctest report.fuzz-corpus).
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

#ifdef TLSDIAG_FUZZ_REPLAY

static int replay_file(const char *path)
{
    gchar *contents = NULL;
    gsize length = 0;
    GError *error = NULL;
    if (!g_file_get_contents(path, &contents, &length, &error)) {
        fprintf(stderr, "fuzz_report_replay: %s\n", error->message);
        g_error_free(error);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)contents, length);
    g_free(contents);
    return 0;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int replay_path(const char *path, unsigned *count)
{
    GError *error = NULL;
    GDir *dir;
    const char *name;
    int status = 0;

    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        (*count)++;
        return replay_file(path);
    }
    if (!(dir = g_dir_open(path, 0, &error))) {
        fprintf(stderr, "fuzz_report_replay: %s\n", error->message);
        g_error_free(error);
        return 1;
    }
    /* Sorted, so that a run is the same every time. */
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(dir)))
        if (name[0] != '.')
            g_ptr_array_add(names, g_strdup(name));
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        gchar *child = g_build_filename(path, (const char *)g_ptr_array_index(names, i), NULL);
        status |= replay_path(child, count);
        g_free(child);
    }
    g_ptr_array_free(names, TRUE);
    return status;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    int status = 0;

    if (argc < 2) {
        fprintf(stderr,
                "usage: %s FILE|DIR...\n"
                "Runs the report fuzz harness once over each input.\n",
                argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        status |= replay_path(argv[i], &count);
    printf("fuzz_report_replay: %u inputs\n", count);
    return status || count == 0;
}

#endif /* TLSDIAG_FUZZ_REPLAY */
