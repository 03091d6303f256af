/* ten_captures.c
 * Does opening capture after capture in one Wireshark process grow memory?
 *
 * tlsdiag keeps its state in file scope, freed when the capture closes.
 * tshark reads one file per process, so it cannot show that; Wireshark can
 * (File > Open, again and again). This program does what Wireshark does for
 * each file, in one process: a new epan session, every frame dissected with
 * a tree (the tlsdiag fields primed, as by a display filter or a column),
 * then every frame again (as when the user clicks through the packet list),
 * and the session freed. One round opens each capture given once; after
 * each round it records the heap in use (mallinfo2) and the RSS.
 *
 * The tlsdiag plugin is registered from the file given with -p before epan
 * starts (as Wireshark's plugin loader would, but without its rules on
 * plugin folders and root, so the build tree's plugin is the one tested).
 *
 *   ten_captures -p tlsdiag.so [-r ROUNDS] [-t TOLERANCE_KIB] CAPTURE...
 *
 * Wireshark 4.0 itself keeps about 11 MB per capture opened (epan_new, name
 * resolution and other tables re-created, the old ones not all freed), so
 * the same rounds run twice, in two child processes: with the plugin and
 * without it. Passes (exit 0) when, from round 2 (round 1 fills one-time
 * caches) to the last, the heap grew by at most TOLERANCE KiB more with
 * tlsdiag than without, and tlsdiag flagged the same number of frames in
 * every round (state left over from an earlier file would change them).
 * Exit 1 when not, 2 on a setup error or when tlsdiag flagged nothing.
 * Built with AddressSanitizer, it counts the sanitizer's allocations
 * instead, and a use of one file's state after its session was freed aborts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#ifdef __SANITIZE_ADDRESS__
/* sanitizer/allocator_interface.h, which gcc does not install */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#include <epan/dfilter/dfilter.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/frame_data.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/secrets.h>
#include <epan/tvbuff.h>
#include <wiretap/wtap.h>
#include <wsutil/buffer.h>
#include <wsutil/filesystem.h>
#include <wsutil/privileges.h>
#include <wsutil/wslog.h>

/* What a capture file is to epan: its frames, for time stamp lookups. */
struct packet_provider_data {
    GPtrArray *frames; /* frame_data *, frame number - 1 */
};

static const nstime_t *frame_ts(struct packet_provider_data *prov, guint32 frame_num)
{
    if (frame_num == 0 || frame_num > prov->frames->len)
        return NULL;
    return &((const frame_data *)g_ptr_array_index(prov->frames, frame_num - 1))->abs_ts;
}

static const struct packet_provider_funcs provider_funcs = {frame_ts, NULL, NULL, NULL};

struct sample {
    long frames;  /* dissected in the round */
    long flagged; /* frames with a tlsdiag.flag */
    size_t heap;  /* bytes in use by malloc */
    size_t rss;   /* bytes */
};

static struct sample sample_memory(long frames, long flagged)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
#ifdef __SANITIZE_ADDRESS__
    /* AddressSanitizer's allocator stands in for malloc's. */
    size_t heap = __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    size_t heap = mi.uordblks + mi.hblkhd;
#endif
    return (struct sample){frames, flagged, heap, (size_t)resident * (size_t)sysconf(_SC_PAGESIZE)};
}

/* Returns whether tlsdiag flagged the frame. */
static gboolean dissect_frame(epan_t *session, dfilter_t *primer, int file_type, wtap_rec *rec,
                              Buffer *buf, frame_data *fd)
{
    gboolean flagged;
    epan_dissect_t *edt = epan_dissect_new(session, TRUE, TRUE);
    tvbuff_t *tvb;

    epan_dissect_prime_with_dfilter(edt, primer);
    /* As tshark and Wireshark do: the fields tlsdiag reads must be in the tree. */
    if (postdissectors_want_hfids())
        prime_epan_dissect_with_postdissector_wanted_hfids(edt);
    tvb = tvb_new_real_data(ws_buffer_start_ptr(buf), fd->cap_len, fd->pkt_len);
    epan_dissect_run(edt, file_type, rec, tvb, fd, NULL);
    flagged = dfilter_apply_edt(primer, edt);
    epan_dissect_free(edt);
    return flagged;
}

/*
 * One capture, as Wireshark opens, shows and closes it. Returns the frame
 * count or -1; adds the frames tlsdiag flagged (seen again) to *flagged.
 */
static long read_capture(const char *path, dfilter_t *primer, long *flagged)
{
    struct packet_provider_data provider = {g_ptr_array_new_with_free_func(g_free)};
    int err = 0;
    gchar *err_info = NULL;
    gint64 offset;
    wtap *wth = wtap_open_offline(path, WTAP_TYPE_AUTO, &err, &err_info, TRUE);
    wtap_rec rec;
    Buffer buf;
    guint32 cum_bytes = 0;
    nstime_t elapsed = NSTIME_INIT_ZERO;
    const frame_data *ref = NULL;
    const frame_data *prev_dis = NULL;
    long frames;

    if (!wth) {
        fprintf(stderr, "ten_captures: %s: cannot open (%d: %s)\n", path, err,
                err_info ? err_info : "");
        g_free(err_info);
        g_ptr_array_free(provider.frames, TRUE);
        return -1;
    }
    /* Decryption Secrets Blocks reach the TLS dissector this way. */
    wtap_set_cb_new_secrets(wth, secrets_wtap_callback);
    epan_t *session = epan_new(&provider, &provider_funcs);
    int file_type = wtap_file_type_subtype(wth);
    wtap_rec_init(&rec);
    ws_buffer_init(&buf, 1514);

    while (wtap_read(wth, &rec, &buf, &err, &err_info, &offset)) {
        frame_data *fd = g_new0(frame_data, 1);
        frame_data_init(fd, provider.frames->len + 1, &rec, offset, cum_bytes);
        g_ptr_array_add(provider.frames, fd);
        frame_data_set_before_dissect(fd, &elapsed, &ref, prev_dis);
        dissect_frame(session, primer, file_type, &rec, &buf, fd);
        frame_data_set_after_dissect(fd, &cum_bytes);
        prev_dis = fd;
        wtap_rec_reset(&rec);
    }
    g_free(err_info);
    err_info = NULL;

    /* Frames seen again: what the user does clicking through the list. */
    for (guint i = 0; i < provider.frames->len; i++) {
        frame_data *fd = g_ptr_array_index(provider.frames, i);
        if (!wtap_seek_read(wth, fd->file_off, &rec, &buf, &err, &err_info))
            break;
        *flagged += dissect_frame(session, primer, file_type, &rec, &buf, fd);
        wtap_rec_reset(&rec);
    }
    g_free(err_info);

    frames = (long)provider.frames->len;
    epan_free(session);
    for (guint i = 0; i < provider.frames->len; i++)
        frame_data_destroy(g_ptr_array_index(provider.frames, i));
    g_ptr_array_free(provider.frames, TRUE);
    ws_buffer_free(&buf);
    wtap_rec_cleanup(&rec);
    wtap_close(wth);
    return frames;
}

/* The plugin's own entry point, as epan's plugin loader calls it. */
static gboolean register_plugin(const char *path)
{
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    void (*plugin_register)(void);
    if (!handle) {
        fprintf(stderr, "ten_captures: %s\n", dlerror());
        return FALSE;
    }
    *(void **)&plugin_register = dlsym(handle, "plugin_register");
    if (!plugin_register) {
        fprintf(stderr, "ten_captures: %s: no plugin_register\n", path);
        return FALSE;
    }
    plugin_register();
    return TRUE;
}

/*
 * In a child process (epan cannot be set up twice in one): epan with the
 * plugin (or without it when plugin is NULL), the captures opened round
 * after round. Writes one struct sample per round to fd.
 */
static int measure(const char *argv0, const char *plugin, char **captures, int n_captures,
                   long rounds, int fd)
{
    char *err_msg = NULL;
    dfilter_t *primer = NULL;

    ws_log_init("ten_captures", NULL);
    init_process_policies();
    g_free(configuration_init(argv0, NULL));
    if (plugin && !register_plugin(plugin))
        return 2;
    wtap_init(FALSE);
    if (!epan_init(NULL, NULL, FALSE))
        return 2;
    epan_load_settings();
    prefs_apply_all();
    if (!dfilter_compile(plugin ? "tlsdiag.flag" : "frame", &primer, &err_msg)) {
        fprintf(stderr, "ten_captures: %s\n", err_msg ? err_msg : "no display filter");
        return 2;
    }
    for (long r = 0; r < rounds; r++) {
        struct sample sample = {0};
        for (int i = 0; i < n_captures; i++) {
            long n = read_capture(captures[i], primer, &sample.flagged);
            if (n < 0)
                return 2;
            sample.frames += n;
        }
        malloc_trim(0);
        sample = sample_memory(sample.frames, sample.flagged);
        if (write(fd, &sample, sizeof sample) != (ssize_t)sizeof sample)
            return 2;
    }
    dfilter_free(primer);
    epan_cleanup();
    wtap_cleanup();
    return 0;
}

static gboolean run_measure(const char *argv0, const char *plugin, char **captures, int n_captures,
                            long rounds, struct sample *samples)
{
    int fds[2], status;
    pid_t pid;
    size_t want = sizeof samples[0] * (size_t)rounds, got = 0;

    if (pipe(fds) != 0 || (pid = fork()) < 0)
        return FALSE;
    if (pid == 0) {
        close(fds[0]);
        _exit(measure(argv0, plugin, captures, n_captures, rounds, fds[1]));
    }
    close(fds[1]);
    while (got < want) {
        ssize_t n = read(fds[0], (char *)samples + got, want - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "ten_captures: the run %s tlsdiag failed\n", plugin ? "with" : "without");
        return FALSE;
    }
    return got == want;
}

static long kib(size_t bytes)
{
    return (long)(bytes / 1024);
}

int main(int argc, char **argv)
{
    const char *plugin = NULL;
    long rounds = 10, tolerance_kib = 256;
    int opt;

    while ((opt = getopt(argc, argv, "p:r:t:")) != -1) {
        switch (opt) {
            case 'p':
                plugin = optarg;
                break;
            case 'r':
                rounds = strtol(optarg, NULL, 10);
                break;
            case 't':
                tolerance_kib = strtol(optarg, NULL, 10);
                break;
            default:
                return 2;
        }
    }
    if (!plugin || optind >= argc || rounds < 3) {
        fprintf(stderr, "usage: ten_captures -p tlsdiag.so [-r ROUNDS>=3] [-t TOLERANCE_KIB] "
                        "CAPTURE...\n");
        return 2;
    }

    char **captures = argv + optind;
    int n_captures = argc - optind;
    struct sample *with = g_new0(struct sample, rounds);
    struct sample *without = g_new0(struct sample, rounds);
    if (!run_measure(argv[0], plugin, captures, n_captures, rounds, with) ||
        !run_measure(argv[0], NULL, captures, n_captures, rounds, without))
        return 2;

    printf("%d captures a round; KiB in use after each round, with and without tlsdiag:\n",
           n_captures);
    printf("round\tframes\tflagged\theap\theap_without\ttlsdiag\trss\trss_without\n");
    for (long r = 0; r < rounds; r++)
        printf("%ld\t%ld\t%ld\t%ld\t%ld\t%+ld\t%ld\t%ld\n", r + 1, with[r].frames, with[r].flagged,
               kib(with[r].heap), kib(without[r].heap), kib(with[r].heap) - kib(without[r].heap),
               kib(with[r].rss), kib(without[r].rss));

    long growth = kib(with[rounds - 1].heap) - kib(with[1].heap);
    long base = kib(without[rounds - 1].heap) - kib(without[1].heap);
    long ours = growth - base;
    printf("from round 2 to %ld: heap %+ld KiB with tlsdiag, %+ld KiB without (Wireshark's "
           "own); tlsdiag's share %+ld KiB = %+.0f B per capture opened; tolerance %ld KiB\n",
           rounds, growth, base, ours, ours * 1024.0 / (double)((rounds - 2) * n_captures),
           tolerance_kib);
    int status = 0;
    if (with[0].flagged == 0) {
        printf("FAIL: tlsdiag flagged nothing: the plugin did not run\n");
        status = 2;
    }
    for (long r = 1; r < rounds; r++) {
        if (with[r].flagged != with[0].flagged) {
            /* State left over from the previous file changes the verdicts. */
            printf("FAIL: round %ld flagged %ld frames, round 1 %ld\n", r + 1, with[r].flagged,
                   with[0].flagged);
            status = 1;
        }
    }
    g_free(with);
    g_free(without);
    if (ours > tolerance_kib) {
        printf("FAIL: with tlsdiag, memory grows from capture to capture\n");
        return 1;
    }
    return status;
}
