/*
 * util.c - helpers shared by the classify subcommands: default model
 * lookup, option value parsing, atomic file output.
 */
#include "util.h"

#include <errno.h>
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

int clf_cli_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '-' || *s == '\0')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K') mul = 1ull << 10, end++;
    else if (*end == 'M') mul = 1ull << 20, end++;
    else if (*end == 'G') mul = 1ull << 30, end++;
    if (*end != '\0' || v > (unsigned long long)SIZE_MAX / mul)
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

int clf_cli_parse_threshold(const char *s, char *name, size_t name_size, double *value)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || (size_t)(eq - s) >= name_size)
        return -1;
    memcpy(name, s, (size_t)(eq - s));
    name[eq - s] = '\0';
    char *end;
    errno = 0;
    double v = strtod(eq + 1, &end);
    if (errno || end == eq + 1 || *end != '\0' || !(v >= 0.0 && v <= 1.0))
        return -1;
    *value = v;
    return 0;
}

int clf_cli_atomic_open(clf_cli_atomic *a, const char *path)
{
    memset(a, 0, sizeof *a);
    if (strlen(path) + 16 >= sizeof a->tmp) {
        fprintf(stderr, "classify: path too long: %s\n", path);
        return -1;
    }
    snprintf(a->path, sizeof a->path, "%s", path);
    snprintf(a->tmp, sizeof a->tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        fprintf(stderr, "classify: cannot create %s: %s\n", a->tmp, strerror(errno));
        return -1;
    }
    fchmod(fd, 0644);
    a->f = fdopen(fd, "w");
    if (!a->f) {
        close(fd);
        unlink(a->tmp);
        fprintf(stderr, "classify: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int clf_cli_atomic_commit(clf_cli_atomic *a, int ok)
{
    if (!a->f)
        return -1;
    int bad = ferror(a->f) || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0;
    bad |= fclose(a->f) != 0;
    a->f = NULL;
    if (!ok || bad) {
        if (bad)
            fprintf(stderr, "classify: write to %s failed: %s\n", a->path, strerror(errno));
        unlink(a->tmp);
        return -1;
    }
    if (rename(a->tmp, a->path) != 0) {
        fprintf(stderr, "classify: cannot rename %s to %s: %s\n", a->tmp, a->path,
                strerror(errno));
        unlink(a->tmp);
        return -1;
    }
    return 0;
}

int clf_cli_is_stream(FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return 1;
    return !S_ISREG(st.st_mode);
}
