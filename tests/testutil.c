/*
 * testutil.c - helpers shared by the Check test programs.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

const char *clf_test_corpora_dir(void)
{
    static char path[4096];
    const char *env = getenv("CLF_CORPORA");
    if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else if ((env = getenv("CLF_CORPORA_DEFAULT")) && *env)
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/../shared/corpora", CLF_SOURCE_DIR);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return path;
    const char *ci = getenv("CI");
    if (ci && *ci && strcmp(ci, "false") != 0)
        ck_abort_msg("corpora directory %s is missing, and CI must have it", path);
    fprintf(stderr, "NOTE: corpora directory %s missing; corpus checks not run\n", path);
    return NULL;
}

void clf_test_corpora_or_skip(void)
{
    char path[4096];
    const char *env = getenv("CLF_CORPORA");
    if (!(env && *env))
        env = getenv("CLF_CORPORA_DEFAULT");
    if (env && *env)
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/../shared/corpora", CLF_SOURCE_DIR);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return;
    const char *ci = getenv("CI");
    if (ci && *ci && strcmp(ci, "false") != 0) {
        fprintf(stderr, "FAIL: corpora directory %s is missing, and CI must have it\n", path);
        exit(1);
    }
    fprintf(stderr, "SKIP: corpora directory %s missing; corpus checks not run\n", path);
    exit(77);
}

const char *clf_test_source_path(const char *rel)
{
    static _Thread_local char path[4096];
    snprintf(path, sizeof path, "%s/%s", CLF_SOURCE_DIR, rel);
    return path;
}

const char *clf_test_tmpdir(void)
{
    static char dir[256];
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/clftest.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            abort();
        }
    }
    return dir;
}

const char *clf_test_dir(const char *sub)
{
    static char dir[4][4096];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(dir[slot], sizeof dir[slot], "%s/%s", clf_test_tmpdir(), sub);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir[slot]);
    ck_assert_int_eq(system(cmd), 0);
    return dir[slot];
}

const char *clf_test_tmp_path(const char *name)
{
    static char path[8][8192];
    static int slot;
    slot = (slot + 1) % 8;
    snprintf(path[slot], sizeof path[slot], "%s/%s", clf_test_tmpdir(), name);
    return path[slot];
}

int clf_test_run_cmd(const char *cmd, char *out, size_t size)
{
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *clf_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, cap * 2 + 1);
            if (!p) { free(buf); buf = NULL; break; }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int clf_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
