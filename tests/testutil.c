/*
 * testutil.c - helpers shared by the Check test programs.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "testutil.h"

#include "classify.h"
#include "model_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

/* The corpora directory by the documented order: $CLF_CORPORA, then
 * $CLF_CORPORA_DEFAULT (set by ctest), then ../shared/corpora beside the
 * source tree. Returns whether it is a directory. */
static int corpora_path(char *path, size_t size)
{
    const char *env = getenv("CLF_CORPORA");
    if (!(env && *env))
        env = getenv("CLF_CORPORA_DEFAULT");
    if (env && *env)
        snprintf(path, size, "%s", env);
    else
        snprintf(path, size, "%s/../shared/corpora", CLF_SOURCE_DIR);
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int under_ci(void)
{
    const char *ci = getenv("CI");
    return ci && *ci && strcmp(ci, "false") != 0;
}

const char *clf_test_corpora_dir(void)
{
    static char path[4096];
    if (corpora_path(path, sizeof path))
        return path;
    if (under_ci())
        ck_abort_msg("corpora directory %s is missing, and CI must have it", path);
    fprintf(stderr, "NOTE: corpora directory %s missing; corpus checks not run\n", path);
    return NULL;
}

void clf_test_corpora_or_skip(void)
{
    char path[4096];
    if (corpora_path(path, sizeof path))
        return;
    if (under_ci()) {
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

static char tmpdir[256];
static pid_t tmpdir_owner;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    remove(path); /* best effort: a leftover is no test failure */
    return 0;
}

/* At exit of the process that made the directory (not of the forked Check
 * children that inherit it and exit before the other tests run): every test
 * program used to leave its directory, and the training tests' models, in
 * /tmp. CLF_TEST_KEEP_TMP=1 keeps it for a post-mortem. */
static void remove_tmpdir(void)
{
    if (getpid() != tmpdir_owner)
        return;
    const char *keep = getenv("CLF_TEST_KEEP_TMP");
    if (keep && *keep) {
        fprintf(stderr, "test files kept in %s\n", tmpdir);
        return;
    }
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *clf_test_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/clftest.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            abort();
        }
        tmpdir_owner = getpid();
        atexit(remove_tmpdir);
    }
    return tmpdir;
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

void clf_test_write_file(const char *dir, const char *name, const char *text)
{
    char path[8192];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert(n > 0 && (size_t)n < sizeof path);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    size_t len = strlen(text);
    ck_assert_msg(fwrite(text, 1, len, f) == len, "cannot write %s", path);
    ck_assert_msg(fclose(f) == 0, "cannot write %s", path);
}

clf_model *clf_test_model_from_spec(const clf_model_spec *spec)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    ck_assert_msg(clf_model_write_buffer(&buf, &len, spec) == CLF_OK, "write_buffer: %s",
                  clf_last_error());
    clf_model *m = NULL;
    int rc = clf_model_load_buffer(&m, buf, len);
    free(buf);
    ck_assert_msg(rc == CLF_OK, "load_buffer: %s", clf_last_error());
    return m;
}

int clf_test_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
