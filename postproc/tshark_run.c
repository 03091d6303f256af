/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* setresuid, setresgid, setgroups */
#include "tshark_run.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "tshark_args.h"
#include "vocab.h"

/* tshark ignores personal plugins when run as root; nobody may load them. */
#define NOBODY 65534
/* How much of a failed tshark's stderr is shown. */
#define MESSAGE_LINES 10
#define MESSAGE_BYTES 4000

struct runner {
    const struct tshark_options *o;
    char *tshark;
    char *home; /* HOME with the plugin of --plugin-dir, or NULL */
    bool as_nobody;
    char *keylog; /* the key log as tshark opens it */
    char **env;
    unsigned copies;
    gint64 started;
};

/* Set by SIGINT, SIGTERM or SIGHUP: stop the runs and remove the copies. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void catch_signals(struct sigaction *saved)
{
    struct sigaction action = {.sa_handler = on_signal};
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < G_N_ELEMENTS(stop_signals); i++)
        sigaction(stop_signals[i], &action, &saved[i]);
}

static void restore_signals(const struct sigaction *saved)
{
    for (size_t i = 0; i < G_N_ELEMENTS(stop_signals); i++)
        sigaction(stop_signals[i], &saved[i], NULL);
}

struct job {
    pid_t pid;
    const char *capture;
    char *copy; /* the capture copied where nobody can read it, or NULL */
    FILE *out;
    FILE *err;
};

static char *find_tshark(const char *given, char **error)
{
    const char *from = given ? "--tshark" : "TSHARK";
    const char *name = given ? given : g_getenv("TSHARK");
    char *found, *absolute;

    if (!name || !*name) {
        from = NULL;
        name = "tshark";
    }
    found = strchr(name, '/') ? g_strdup(name) : g_find_program_in_path(name);
    if (!found && !from) {
        *error = g_strdup("tshark not found on PATH: install it (Debian: apt-get install "
                          "tshark), or name it with --tshark PATH or TSHARK=PATH");
        return NULL;
    }
    if (!found || access(found, X_OK) != 0) {
        *error = g_strdup_printf("%s %s: cannot run it: %s", from ? from : "PATH:", name,
                                 found ? g_strerror(errno) : "not found on PATH");
        g_free(found);
        return NULL;
    }
    /* As nobody, tshark starts in another folder. */
    absolute = g_canonicalize_filename(found, NULL);
    g_free(found);
    return absolute;
}

/* Every folder on the way searchable by others, and the file readable. */
static bool readable_by_others(const char *path)
{
    char *real = realpath(path, NULL);
    struct stat st;
    bool ok = real != NULL;

    for (char *slash = real ? strchr(real + 1, '/') : NULL; ok && slash;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        ok = stat(real, &st) == 0 && (st.st_mode & S_IXOTH);
        *slash = '/';
    }
    ok = ok && stat(real, &st) == 0 && (st.st_mode & S_IROTH);
    free(real);
    return ok;
}

static bool copy_file(const char *from, const char *to, char **error)
{
    FILE *in = fopen(from, "rb");
    FILE *out = in ? fopen(to, "wb") : NULL;
    char buf[65536];
    size_t n;
    bool ok = out != NULL;

    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    ok = ok && !ferror(in);
    if (out && fclose(out) != 0)
        ok = false;
    ok = ok && chmod(to, 0644) == 0;
    if (!ok)
        *error =
            g_strdup_printf("cannot copy %s to %s for tshark: %s", from, to, g_strerror(errno));
    if (in)
        fclose(in);
    return ok;
}

/* A path tshark can open: as nobody, a copy of what nobody may not read. */
static char *readable_path(struct runner *r, const char *path, char **copy, char **error)
{
    char *name, *target;
    *copy = NULL;
    if (!r->as_nobody)
        return g_strdup(path);
    /* tshark runs in the throwaway HOME then. */
    if (readable_by_others(path))
        return g_canonicalize_filename(path, NULL);
    name = g_path_get_basename(path);
    target = g_strdup_printf("%s/input.%u.%s", r->home, ++r->copies, name);
    g_free(name);
    if (!copy_file(path, target, error)) {
        unlink(target);
        g_free(target);
        return NULL;
    }
    *copy = target;
    return g_strdup(target);
}

/* "4.0" of build/plugins/4.0/epan: the Wireshark version the plugin is for. */
static char *plugin_abi(const char *epan_dir)
{
    char *parent = g_path_get_dirname(epan_dir);
    char *abi = g_path_get_basename(parent);
    g_free(parent);
    if (!g_regex_match_simple("^[0-9]+\\.[0-9]+$", abi, 0, 0)) {
        g_free(abi);
        abi = g_strdup(TLSDIAG_WIRESHARK_ABI);
    }
    return abi;
}

/*
 * A throwaway HOME whose personal plugin folder holds the plugin (its
 * preferences are then the defaults, as in the tests). DIR may be the epan
 * folder or the version folder above it.
 */
static bool make_home(struct runner *r, char **error)
{
    char *dir = g_strdup(r->o->plugin_dir);
    char *plugin, *abi, *target_dir, *target;
    GError *gerror = NULL;
    bool ok;

    while (strlen(dir) > 1 && g_str_has_suffix(dir, "/"))
        dir[strlen(dir) - 1] = '\0';
    plugin = g_build_filename(dir, "tlsdiag.so", NULL);
    if (access(plugin, R_OK) != 0) {
        char *epan = g_build_filename(dir, "epan", NULL);
        g_free(plugin);
        plugin = g_build_filename(epan, "tlsdiag.so", NULL);
        g_free(dir);
        dir = epan;
    }
    if (access(plugin, R_OK) != 0) {
        *error = g_strdup_printf("--plugin-dir %s: no tlsdiag.so there (build the project, "
                                 "then give build/plugins/X.Y/epan)",
                                 r->o->plugin_dir);
        g_free(plugin);
        g_free(dir);
        return false;
    }
    r->home = g_dir_make_tmp("tlsdiag-report.XXXXXX", &gerror);
    if (!r->home) {
        *error = g_strdup_printf("cannot make a temporary folder: %s", gerror->message);
        g_error_free(gerror);
        g_free(plugin);
        g_free(dir);
        return false;
    }
    abi = plugin_abi(dir);
    /* nobody must read what it loads, whatever the caller's umask. */
    umask(022);
    target_dir = g_build_filename(r->home, ".local/lib/wireshark/plugins", abi, "epan", NULL);
    target = g_build_filename(target_dir, "tlsdiag.so", NULL);
    ok = g_mkdir_with_parents(target_dir, 0755) == 0 && chmod(r->home, 0755) == 0;
    if (!ok)
        *error = g_strdup_printf("cannot make %s: %s", target_dir, g_strerror(errno));
    ok = ok && copy_file(plugin, target, error);
    g_free(target);
    g_free(target_dir);
    g_free(abi);
    g_free(plugin);
    g_free(dir);
    return ok;
}

static bool runner_init(struct runner *r, const struct tshark_options *o, char **error)
{
    char *copy = NULL;
    *r = (struct runner){.o = o, .started = g_get_monotonic_time()};
    r->tshark = find_tshark(o->tshark, error);
    if (!r->tshark)
        return false;
    r->env = g_get_environ();
    if (o->plugin_dir) {
        r->as_nobody = geteuid() == 0;
        if (!make_home(r, error))
            return false;
        r->env = g_environ_setenv(r->env, "HOME", r->home, TRUE);
        r->env = g_environ_unsetenv(r->env, "XDG_CONFIG_HOME");
    }
    if (o->keylog) {
        if (access(o->keylog, R_OK) != 0) {
            *error = g_strdup_printf("--keylog %s: %s", o->keylog, g_strerror(errno));
            return false;
        }
        r->keylog = readable_path(r, o->keylog, &copy, error);
        g_free(copy); /* removed with the folder */
        if (!r->keylog)
            return false;
    }
    return true;
}

static void remove_tree(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        char *child = g_build_filename(path, name, NULL);
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(child);
        else
            unlink(child);
        g_free(child);
    }
    if (dir)
        g_dir_close(dir);
    rmdir(path);
}

static void runner_free(struct runner *r)
{
    if (r->home)
        remove_tree(r->home);
    g_free(r->home);
    g_free(r->tshark);
    g_free(r->keylog);
    g_strfreev(r->env);
}

/* tshark -r CAPTURE, the user's preferences, and the report's own options. */
static GPtrArray *tshark_argv(const struct runner *r, const char *capture, GPtrArray *owned)
{
    GPtrArray *argv = g_ptr_array_new();
    g_ptr_array_add(argv, r->tshark);
    g_ptr_array_add(argv, "-r");
    g_ptr_array_add(argv, (gpointer)capture);
    for (guint i = 0; r->o->prefs && i < r->o->prefs->len; i++) {
        g_ptr_array_add(argv, "-o");
        g_ptr_array_add(argv, g_ptr_array_index(r->o->prefs, i));
    }
    if (r->keylog) {
        char *pref = g_strconcat("tls.keylog_file:", r->keylog, NULL);
        g_ptr_array_add(owned, pref);
        g_ptr_array_add(argv, "-o");
        g_ptr_array_add(argv, pref);
    }
    for (guint i = 0; r->o->decode_as && i < r->o->decode_as->len; i++) {
        g_ptr_array_add(argv, "-d");
        g_ptr_array_add(argv, g_ptr_array_index(r->o->decode_as, i));
    }
    tshark_args_append(argv);
    g_ptr_array_add(argv, NULL);
    return argv;
}

static FILE *scratch_file(void)
{
    FILE *fp = tmpfile();
    /* Only the tshark it belongs to gets it, as its stdout or stderr. */
    if (fp)
        fcntl(fileno(fp), F_SETFD, FD_CLOEXEC);
    return fp;
}

/* In the child: only async-signal-safe calls until exec. */
static void exec_tshark(const struct runner *r, char **argv, int out, int err)
{
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
        dup2(err, STDERR_FILENO) < 0)
        _exit(127);
    if (r->as_nobody &&
        (chdir(r->home) != 0 || setgroups(0, NULL) != 0 || setresgid(NOBODY, NOBODY, NOBODY) != 0 ||
         setresuid(NOBODY, NOBODY, NOBODY) != 0)) {
        static const char msg[] = "cannot run tshark as nobody\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    execve(argv[0], argv, r->env);
    {
        static const char msg[] = "cannot execute tshark\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
    }
    _exit(127);
}

static void job_clear(struct job *job)
{
    if (job->out)
        fclose(job->out);
    if (job->err)
        fclose(job->err);
    if (job->copy)
        unlink(job->copy);
    g_free(job->copy);
    *job = (struct job){.pid = -1};
}

static bool job_start(struct runner *r, struct job *job, const char *capture)
{
    char *error = NULL;
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    char *path = readable_path(r, capture, &job->copy, &error);
    GPtrArray *argv;

    job->capture = capture;
    job->pid = -1;
    if (!path) {
        diag_error(capture, 0, "%s", error);
        g_free(error);
        g_ptr_array_unref(owned);
        return false;
    }
    g_ptr_array_add(owned, path);
    job->out = scratch_file();
    job->err = scratch_file();
    argv = tshark_argv(r, path, owned);
    if (job->out && job->err)
        job->pid = fork();
    if (job->pid == 0)
        exec_tshark(r, (char **)argv->pdata, fileno(job->out), fileno(job->err));
    if (job->pid < 0) {
        diag_error(capture, 0, "cannot start tshark: %s", g_strerror(errno));
        job_clear(job);
    }
    g_ptr_array_free(argv, TRUE);
    g_ptr_array_unref(owned);
    return job->pid > 0;
}

/*
 * tshark's stderr, without its warning about root, the copy named as the
 * original. The error comes first; what follows may be a list of thousands
 * (every protocol, after a bad -d), so only the first lines are shown.
 */
static char *tshark_message(struct job *job)
{
    GString *text = g_string_new(NULL);
    char line[1024];
    unsigned lines = 0;
    rewind(job->err);
    while (fgets(line, sizeof line, job->err)) {
        /* Without the plugin, tshark lists every field the report asks for. */
        if (g_str_has_prefix(line, "\ttlsdiag.flag")) {
            g_string_assign(text, "tshark does not know the tlsdiag fields: the tlsdiag plugin "
                                  "is not loaded. Install it, or give --plugin-dir with the "
                                  "build's plugin folder (build/plugins/X.Y/epan)");
            break;
        }
        if (g_str_has_prefix(line, "Running as user ") || lines > MESSAGE_LINES)
            continue;
        if (++lines > MESSAGE_LINES || text->len > MESSAGE_BYTES) {
            g_string_append(text, "  ...\n");
            lines = MESSAGE_LINES + 1;
            continue;
        }
        g_string_append(text, line);
    }
    while (text->len && g_ascii_isspace(text->str[text->len - 1]))
        g_string_truncate(text, text->len - 1);
    if (job->copy && strstr(text->str, job->copy)) {
        char **parts = g_strsplit(text->str, job->copy, -1);
        char *joined = g_strjoinv(job->capture, parts);
        g_string_assign(text, joined);
        g_free(joined);
        g_strfreev(parts);
    }
    return g_string_free(text, FALSE);
}

static void report_failure(struct job *job, int status)
{
    char *message = tshark_message(job);
    char how[64];
    if (WIFEXITED(status))
        g_snprintf(how, sizeof how, "tshark failed (exit status %d)", WEXITSTATUS(status));
    else
        g_snprintf(how, sizeof how, "tshark was killed by signal %d", WTERMSIG(status));
    diag_error(job->capture, 0, "%s%s%s", how, *message ? ":\n  " : "", message);
    g_free(message);
}

static bool job_finish(struct job *job, int status, tshark_output_fn output, void *ctx)
{
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok)
        report_failure(job, status);
    rewind(job->out);
    ok = output(ctx, job->capture, job->out, ok) && ok;
    job_clear(job);
    return ok;
}

static void show_progress(const struct runner *r, guint done, guint total, bool last)
{
    double elapsed = (g_get_monotonic_time() - r->started) / 1e6;
    char spent[32], left[32] = "?";
    if (!r->o->progress)
        return;
    vocab_span((int64_t)elapsed, spent, sizeof spent);
    if (done > 0)
        vocab_span((int64_t)(elapsed / done * (total - done) + 0.5), left, sizeof left);
    fprintf(stderr, "\r\033[Ktlsdiag-report: %u of %u captures, %s elapsed, ETA %s%s", done, total,
            spent, left, last ? "\n" : "");
    fflush(stderr);
}

/* The progress line goes away while a message is shown. */
static void hide_progress(const struct runner *r)
{
    if (r->o->progress)
        fputs("\r\033[K", stderr);
}

bool tshark_run_captures(const struct tshark_options *options, GPtrArray *captures,
                         tshark_output_fn output, void *ctx)
{
    struct runner r;
    char *error = NULL;
    unsigned jobs = options->jobs ? options->jobs : (unsigned)g_get_num_processors();
    struct job *running;
    struct sigaction saved[G_N_ELEMENTS(stop_signals)];
    guint next = 0, done = 0, active = 0;
    bool ok;

    if (!runner_init(&r, options, &error)) {
        diag_error(NULL, 0, "%s", error);
        g_free(error);
        runner_free(&r);
        return false;
    }
    jobs = MAX(1, MIN(jobs, captures->len));
    running = g_new(struct job, jobs);
    for (unsigned i = 0; i < jobs; i++)
        running[i] = (struct job){.pid = -1};
    ok = true;
    catch_signals(saved);
    show_progress(&r, 0, captures->len, false);
    while (!interrupted && (next < captures->len || active > 0)) {
        int status;
        pid_t pid;
        for (unsigned i = 0; i < jobs && next < captures->len; i++) {
            if (running[i].pid > 0)
                continue;
            if (job_start(&r, &running[i], g_ptr_array_index(captures, next++))) {
                active++;
            } else {
                ok = false;
                done++;
            }
        }
        if (active == 0)
            continue;
        pid = waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid < 0) {
            diag_error(NULL, 0, "waiting for tshark: %s", g_strerror(errno));
            ok = false;
            break;
        }
        for (unsigned i = 0; i < jobs && pid > 0; i++) {
            if (running[i].pid != pid)
                continue;
            hide_progress(&r);
            ok &= job_finish(&running[i], status, output, ctx);
            active--;
            done++;
            show_progress(&r, done, captures->len, done == captures->len);
        }
    }
    for (unsigned i = 0; i < jobs; i++) {
        if (running[i].pid > 0) {
            kill(running[i].pid, SIGTERM);
            waitpid(running[i].pid, NULL, 0);
            job_clear(&running[i]);
        }
    }
    g_free(running);
    runner_free(&r);
    restore_signals(saved);
    /* Copies removed, die of the signal as the caller expects. */
    if (interrupted)
        raise(interrupted);
    return ok;
}
