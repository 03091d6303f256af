/* replay_main.c
 * A main for a libFuzzer harness built without libFuzzer: it runs the
 * harness's LLVMFuzzerTestOneInput once over each file named, and over every
 * file under each directory named, in name order so that a run is the same
 * every time. This is how every build replays the seed corpora as tests, and
 * how a crash file is looked at under gcc or valgrind.
 *
 *     fuzz_engine_replay testdata/fuzz/engine-corpus
 *     TLSDIAG_FUZZ_VERBOSE=1 fuzz_report_replay crash-0123abcd
 *
 * As libFuzzer does, it calls the harness's LLVMFuzzerInitialize first when
 * the harness has one. With TLSDIAG_FUZZ_VERBOSE set it prints each input's
 * name before running it.
 *
 * Exit status: 0 when every input was run, 2 when one could not be read or
 * none was found. A harness that finds a broken promise aborts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static gboolean verbose;

static gboolean replay_file(const char *path)
{
    gchar *contents = NULL;
    gsize length = 0;
    GError *error = NULL;

    if (!g_file_get_contents(path, &contents, &length, &error)) {
        fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
        g_error_free(error);
        return FALSE;
    }
    if (verbose)
        printf("%s\n", path);
    LLVMFuzzerTestOneInput((const uint8_t *)contents, length);
    g_free(contents);
    return TRUE;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gboolean replay_path(const char *path, unsigned *count)
{
    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        (*count)++;
        return replay_file(path);
    }

    GError *error = NULL;
    GDir *dir = g_dir_open(path, 0, &error);
    if (dir == NULL) {
        fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
        g_error_free(error);
        return FALSE;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
        if (name[0] != '.')
            g_ptr_array_add(names, g_strdup(name));
    }
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_names);

    gboolean all_read = TRUE;
    for (guint i = 0; i < names->len; i++) {
        gchar *child = g_build_filename(path, (const char *)g_ptr_array_index(names, i), NULL);
        all_read &= replay_path(child, count);
        g_free(child);
    }
    g_ptr_array_free(names, TRUE);
    return all_read;
}

int main(int argc, char **argv)
{
    gchar *program = g_path_get_basename(argv[0]);
    g_set_prgname(program);
    g_free(program);

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n"
                        "Runs the fuzz harness once over each input.\n",
                g_get_prgname());
        return 2;
    }
    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    verbose = g_getenv("TLSDIAG_FUZZ_VERBOSE") != NULL;

    unsigned count = 0;
    gboolean all_read = TRUE;
    for (int i = 1; i < argc; i++)
        all_read &= replay_path(argv[i], &count);
    printf("%s: %u inputs%s\n", g_get_prgname(), count, all_read ? "" : ", some unreadable");
    return all_read && count > 0 ? 0 : 2;
}
