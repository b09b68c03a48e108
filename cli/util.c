/*
 * util.c - helpers shared by the classify subcommands: default model
 * lookup, usage errors, standard streams.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MODEL_FILE "arabic-default.clf"

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *clf_cli_default_model(void)
{
    static char path[PATH_MAX + 64];
    const char *env = getenv("CLF_MODEL");
    if (env && *env)
        return env;
    snprintf(path, sizeof path, "%s/%s", CLF_MODEL_INSTALL_DIR, DEFAULT_MODEL_FILE);
    if (is_file(path))
        return path;
    /* relocatable installs: <prefix>/bin/classify -> <prefix>/share/... */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(path, sizeof path, "%s/../share/libclassify/models/%s", exe,
                     DEFAULT_MODEL_FILE);
            if (is_file(path))
                return path;
        }
    }
    snprintf(path, sizeof path, "%s/%s", CLF_MODEL_SOURCE_DIR, DEFAULT_MODEL_FILE);
    if (is_file(path))
        return path;
    fprintf(stderr, "classify: no default model found (looked in %s, beside the executable "
                    "and in %s); pass --model or set CLF_MODEL\n",
            CLF_MODEL_INSTALL_DIR, CLF_MODEL_SOURCE_DIR);
    return NULL;
}

int clf_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "classify %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'classify %s --help'.\n", cmd);
    return 2;
}

void clf_cli_sanitize_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        int nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
        if (nfd >= 0 && nfd != fd) {
            dup2(nfd, fd);
            close(nfd);
        }
    }
}

int clf_cli_close_stdout(const char *cmd)
{
    int bad = ferror(stdout);
    int err = bad ? EIO : 0;
    if (fflush(stdout) != 0) {
        bad = 1;
        err = errno;
    }
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad)
        fprintf(stderr, "classify %s: write error on stdout: %s\n", cmd, strerror(err));
    return bad ? -1 : 0;
}

char *clf_cli_memdup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

int clf_cli_is_stream(FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return 1;
    return !S_ISREG(st.st_mode);
}

int clf_cli_corpora_dir(const char *cmd, const char **dir)
{
    if (!*dir) {
        const char *env = getenv("CLF_CORPORA");
        *dir = env && *env ? env : NULL;
    }
    struct stat st;
    if (*dir && (stat(*dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, "classify %s: corpora directory %s: %s\n", cmd, *dir,
                stat(*dir, &st) != 0 ? strerror(errno) : "not a directory");
        return 2;
    }
    return 0;
}
