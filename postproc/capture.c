/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _POSIX_C_SOURCE 200809L /* lstat */
#include "capture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>

/* Enough bytes of a gzip stream to hold the first four of its content. */
#define GZIP_PEEK 4096

static bool is_capture_magic(const unsigned char *b, size_t n)
{
    static const unsigned char magics[][4] = {
        {0x0a, 0x0d, 0x0d, 0x0a}, /* pcapng Section Header Block, either byte order */
        {0xa1, 0xb2, 0xc3, 0xd4}, /* pcap, microseconds, big endian */
        {0xd4, 0xc3, 0xb2, 0xa1}, /* pcap, microseconds, little endian */
        {0xa1, 0xb2, 0x3c, 0x4d}, /* pcap, nanoseconds, big endian */
        {0x4d, 0x3c, 0xb2, 0xa1}, /* pcap, nanoseconds, little endian */
    };
    if (n < 4)
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(magics); i++) {
        if (!memcmp(b, magics[i], 4))
            return true;
    }
    return false;
}

/* A gzip'd capture, not gzip'd text: look at what the stream inflates to. */
static bool is_gzipped_capture(const unsigned char *b, size_t n)
{
    GConverter *inflate = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP));
    unsigned char plain[4];
    gsize read = 0, written = 0;
    GConverterResult result = g_converter_convert(inflate, b, n, plain, sizeof plain,
                                                  G_CONVERTER_NO_FLAGS, &read, &written, NULL);
    g_object_unref(inflate);
    return result != G_CONVERTER_ERROR && is_capture_magic(plain, written);
}

enum input_kind input_kind_of(const char *path, char **error)
{
    unsigned char head[GZIP_PEEK];
    struct stat st;
    size_t n;
    FILE *fp;

    if (!strcmp(path, "-"))
        return INPUT_TSHARK_OUTPUT;
    if (stat(path, &st) != 0) {
        *error = g_strdup_printf("cannot open: %s", g_strerror(errno));
        return INPUT_UNREADABLE;
    }
    if (S_ISDIR(st.st_mode))
        return INPUT_FOLDER;
    /* Reading a pipe's first bytes would take them from the report: <(tshark ...) */
    if (!S_ISREG(st.st_mode))
        return INPUT_TSHARK_OUTPUT;
    fp = fopen(path, "rb");
    if (!fp) {
        *error = g_strdup_printf("cannot open: %s", g_strerror(errno));
        return INPUT_UNREADABLE;
    }
    n = fread(head, 1, sizeof head, fp);
    fclose(fp);
    if (is_capture_magic(head, n))
        return INPUT_CAPTURE;
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b && is_gzipped_capture(head, n))
        return INPUT_CAPTURE;
    return INPUT_TSHARK_OUTPUT;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool captures_in_folder(const char *folder, GPtrArray *paths, char **error)
{
    GError *gerror = NULL;
    GDir *dir = g_dir_open(folder, 0, &gerror);
    GPtrArray *names;
    const char *name;
    bool ok = true;

    if (!dir) {
        *error = g_strdup_printf("cannot read %s: %s", folder, gerror->message);
        g_error_free(gerror);
        return false;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(name));
    g_dir_close(dir);
    g_ptr_array_sort(names, compare_names);

    for (guint i = 0; i < names->len && ok; i++) {
        char *path = g_build_filename(folder, g_ptr_array_index(names, i), NULL);
        struct stat st;
        char *ignored = NULL;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            ok = captures_in_folder(path, paths, error);
        } else if (input_kind_of(path, &ignored) == INPUT_CAPTURE) {
            g_ptr_array_add(paths, path);
            path = NULL;
        }
        g_free(ignored);
        g_free(path);
    }
    g_ptr_array_unref(names);
    return ok;
}
