/*
 * atomic.c - the atomic file writer of atomic.h: symlinks resolved,
 * non-regular targets written through, temporary files removed on signals.
 */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify/common.h"
#include "internal.h"

struct clf_atomic {
    FILE *f;
    int direct;       /* writing through a non-regular file: no temp, no rename */
    int slot;         /* index in the signal registry, or -1 */
    char *path;       /* the real target (symlinks resolved) */
    char *tmp;        /* the temporary file, or NULL */
};

/* ---- temporary files removed on SIGINT/SIGTERM ---------------------------- */

#define MAX_PENDING 8
static char *volatile pending[MAX_PENDING];
static int handlers_installed;

static void on_signal(int sig)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        char *p = pending[i];
        if (p)
            unlink(p); /* async-signal-safe */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_handlers(void)
{
    if (handlers_installed)
        return;
    handlers_installed = 1;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue; /* keep an ignored signal ignored (nohup) */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

static int register_tmp(char *tmp)
{
    for (int i = 0; i < MAX_PENDING; i++)
        if (!pending[i]) {
            pending[i] = tmp;
            return i;
        }
    return -1; /* more than MAX_PENDING at once: still removed on errors, not on signals */
}

static void unregister(clf_atomic *a)
{
    if (a->slot >= 0)
        pending[a->slot] = NULL;
    a->slot = -1;
}

/* ---- paths ---------------------------------------------------------------- */

static int io_error(const char *path, const char *what, int err)
{
    return clf__error(CLF_E_IO, "%s: %s: %s", path, what, strerror(err));
}

/* dir_of - the directory part of path ("." when none), malloc'ed. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return clf__memdup(path, (size_t)(slash - path));
}

/*
 * resolve - follow path through symlinks (dangling ones too) to the name
 * that will really be written. Returns a malloc'ed path or NULL (error set).
 */
static char *resolve(const char *path, int *rc)
{
    *rc = CLF_E_IO;
    char *cur = strdup(path);
    for (int hops = 0; cur && hops < 40; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) {
            *rc = CLF_OK;
            return cur;
        }
        char target[PATH_MAX];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n < 0) {
            *rc = io_error(cur, "cannot read the symlink", errno);
            free(cur);
            return NULL;
        }
        target[n] = '\0';
        char *next;
        if (target[0] == '/') {
            next = strdup(target);
        } else {
            char *dir = dir_of(cur);
            size_t dl = dir ? strlen(dir) : 0;
            next = dir ? malloc(dl + 1 + (size_t)n + 1) : NULL;
            if (next) {
                memcpy(next, dir, dl);
                next[dl] = '/';
                memcpy(next + dl + 1, target, (size_t)n + 1);
            }
            free(dir);
        }
        free(cur);
        cur = next;
    }
    if (!cur) {
        *rc = clf__error(CLF_E_NOMEM, "out of memory");
        return NULL;
    }
    *rc = io_error(path, "cannot resolve", ELOOP);
    free(cur);
    return NULL;
}

static void sync_dir(const char *path)
{
    char *dir = dir_of(path);
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd); /* best effort: some file systems refuse it on directories */
        close(fd);
    }
    free(dir);
}

/* ---- the writer ----------------------------------------------------------- */

static void release(clf_atomic *a)
{
    unregister(a);
    free(a->path);
    free(a->tmp);
    free(a);
}

int clf_atomic_open(clf_atomic **out, const char *path)
{
    if (!out || !path || !*path)
        return clf__error(CLF_E_INVALID_ARG, "clf_atomic_open: %s", out ? "empty path" : "NULL");
    *out = NULL;
    clf_atomic *a = calloc(1, sizeof *a);
    if (!a)
        return clf__error(CLF_E_NOMEM, "out of memory");
    a->slot = -1;
    int rc;
    if (!(a->path = resolve(path, &rc))) {
        free(a);
        return rc;
    }
    struct stat st;
    int exists = stat(a->path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        rc = io_error(path, "cannot write", EISDIR);
        release(a);
        return rc;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        /* a device or FIFO: replacing it would destroy it, so write through */
        int fd = open(a->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 || !(a->f = fdopen(fd, "w"))) {
            rc = io_error(path, "cannot open for writing", errno);
            if (fd >= 0)
                close(fd);
            release(a);
            return rc;
        }
        a->direct = 1;
        *out = a;
        return CLF_OK;
    }
    size_t pl = strlen(a->path);
    if (!(a->tmp = malloc(pl + sizeof ".tmpXXXXXX"))) {
        release(a);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    memcpy(a->tmp, a->path, pl);
    memcpy(a->tmp + pl, ".tmpXXXXXX", sizeof ".tmpXXXXXX");
    install_handlers();
    /* signals are held while the name is created and registered */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    int fd = mkstemp(a->tmp);
    int err = errno;
    if (fd >= 0)
        a->slot = register_tmp(a->tmp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        rc = io_error(a->tmp, "cannot create a temporary file", err);
        release(a);
        return rc;
    }
    /* mkstemp makes 0600; outputs are not secrets, and a replaced file keeps its mode */
    mode_t mode = exists ? (st.st_mode & 07777) : 0644;
    if (fchmod(fd, mode) != 0 || !(a->f = fdopen(fd, "w"))) {
        rc = io_error(a->tmp, "cannot write", errno);
        close(fd);
        unlink(a->tmp);
        release(a);
        return rc;
    }
    *out = a;
    return CLF_OK;
}

FILE *clf_atomic_file(clf_atomic *a)
{
    return a ? a->f : NULL;
}

int clf_atomic_commit(clf_atomic *a)
{
    if (!a)
        return clf__error(CLF_E_INVALID_ARG, "clf_atomic_commit: NULL");
    int err = 0;
    if (ferror(a->f))
        err = errno ? errno : EIO;
    if (!err && fflush(a->f) != 0)
        err = errno;
    /* a device may not support fsync (EINVAL): that is not a failed write */
    if (!err && fsync(fileno(a->f)) != 0 && !(a->direct && (errno == EINVAL || errno == EROFS)))
        err = errno;
    if (fclose(a->f) != 0 && !err)
        err = errno;
    a->f = NULL;
    if (err) {
        int rc = io_error(a->path, "write failed", err);
        if (a->tmp)
            unlink(a->tmp);
        release(a);
        return rc;
    }
    if (!a->direct) {
        if (rename(a->tmp, a->path) != 0) {
            int rc = io_error(a->path, "cannot replace", errno);
            unlink(a->tmp);
            release(a);
            return rc;
        }
        unregister(a);
        sync_dir(a->path);
    }
    release(a);
    return CLF_OK;
}

void clf_atomic_abort(clf_atomic *a)
{
    if (!a)
        return;
    if (a->f)
        fclose(a->f);
    if (a->tmp)
        unlink(a->tmp);
    release(a);
}

int clf_atomic_check(const char *path)
{
    clf_atomic *a;
    int rc = clf_atomic_open(&a, path);
    if (rc != CLF_OK)
        return rc;
    clf_atomic_abort(a); /* the probe: nothing is written to a direct target */
    return CLF_OK;
}
