/*
 * test_atomic.c - the atomic file writer (io/atomic.h): replace on commit
 * only, symlinks followed, devices and FIFOs written through, directories
 * refused, temp files removed on abort, on errors and on SIGINT/SIGTERM.
 */
#define _XOPEN_SOURCE 700 /* mknod, S_IFCHR */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic.h"
#include "classify.h"
#include "testutil.h"

static char dir[600];

static void fresh_dir(const char *name)
{
    snprintf(dir, sizeof dir, "%s/%s", clf_test_tmpdir(), name);
    mkdir(dir, 0755);
}

static const char *in_dir(const char *name)
{
    static char p[2][900];
    static int k;
    k ^= 1;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* entries of dir whose name contains "tmp" */
static int temp_files(void)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, "tmp") != NULL;
    closedir(d);
    return n;
}

static void write_file(const char *path, const char *text)
{
    clf_atomic *a;
    ck_assert_int_eq(clf_atomic_open(&a, path), CLF_OK);
    fputs(text, clf_atomic_file(a));
    ck_assert_msg(clf_atomic_commit(a) == CLF_OK, "%s", clf_last_error());
}

static void expect_content(const char *path, const char *text)
{
    char *got = clf_test_read_file(path, NULL);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, text);
    free(got);
}

START_TEST(replace_on_commit_only)
{
    fresh_dir("replace");
    const char *p = in_dir("out.json");
    write_file(p, "one");
    expect_content(p, "one");
    clf_atomic *a;
    ck_assert_int_eq(clf_atomic_open(&a, p), CLF_OK);
    fputs("two", clf_atomic_file(a));
    fflush(clf_atomic_file(a));
    expect_content(p, "one"); /* not yet */
    ck_assert_int_eq(temp_files(), 1);
    clf_atomic_abort(a);
    expect_content(p, "one");
    ck_assert_int_eq(temp_files(), 0);
    clf_atomic_abort(NULL);
    chmod(p, 0600);
    write_file(p, "three");
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600); /* a replaced file keeps its mode */
}
END_TEST

START_TEST(symlinks_are_followed)
{
    fresh_dir("links");
    write_file(in_dir("real"), "old");
    ck_assert_int_eq(symlink("real", in_dir("link")), 0);
    ck_assert_int_eq(symlink("link", in_dir("link2")), 0);
    write_file(in_dir("link2"), "new");
    struct stat st;
    ck_assert_int_eq(lstat(in_dir("link"), &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(lstat(in_dir("link2"), &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    expect_content(in_dir("real"), "new");
    /* a dangling link: the file is created where it points */
    mkdir(in_dir("sub"), 0755);
    ck_assert_int_eq(symlink("sub/target", in_dir("dangling")), 0);
    write_file(in_dir("dangling"), "made");
    expect_content(in_dir("sub/target"), "made");
    ck_assert_int_eq(lstat(in_dir("dangling"), &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    /* a loop is an error, not a hang */
    ck_assert_int_eq(symlink("loop2", in_dir("loop1")), 0);
    ck_assert_int_eq(symlink("loop1", in_dir("loop2")), 0);
    clf_atomic *a;
    ck_assert_int_eq(clf_atomic_open(&a, in_dir("loop1")), CLF_E_IO);
}
END_TEST

START_TEST(non_regular_targets)
{
    fresh_dir("devices");
    clf_atomic *a;
    /* a directory is refused */
    ck_assert_int_eq(clf_atomic_open(&a, dir), CLF_E_IO);
    ck_assert_int_eq(clf_atomic_check(in_dir("missing/x")), CLF_E_IO);
    ck_assert_int_eq(clf_atomic_check(in_dir("fine")), CLF_OK);
    ck_assert_int_eq(temp_files(), 0);
    ck_assert(access(in_dir("fine"), F_OK) != 0); /* the probe leaves nothing */
    /* a device node (as /dev/null) is written through and stays a device */
    if (mknod(in_dir("null"), S_IFCHR | 0666, makedev(1, 3)) == 0) {
        write_file(in_dir("null"), "gone");
        struct stat st;
        ck_assert_int_eq(stat(in_dir("null"), &st), 0);
        ck_assert(S_ISCHR(st.st_mode));
        ck_assert_int_eq(clf_atomic_check(in_dir("null")), CLF_OK);
    } else {
        ck_assert_msg(errno == EPERM, "mknod: %s", strerror(errno)); /* not root */
    }
    /* /dev/full: the write error is reported */
    ck_assert_int_eq(clf_atomic_open(&a, "/dev/full"), CLF_OK);
    fputs("x", clf_atomic_file(a));
    ck_assert_int_eq(clf_atomic_commit(a), CLF_E_IO);
    /* a FIFO is written through */
    ck_assert_int_eq(mkfifo(in_dir("fifo"), 0644), 0);
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = fopen(in_dir("fifo"), "r");
        char buf[16] = {0};
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        _exit(n == 4 && !strcmp(buf, "pipe") ? 0 : 1);
    }
    write_file(in_dir("fifo"), "pipe");
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    struct stat st;
    ck_assert_int_eq(stat(in_dir("fifo"), &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
}
END_TEST

/* A process killed while writing leaves no temp file and dies of the signal. */
static void killed_while_writing(int sig)
{
    fresh_dir(sig == SIGINT ? "sigint" : "sigterm");
    write_file(in_dir("model"), "old");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        clf_atomic *a;
        if (clf_atomic_open(&a, in_dir("model")) != CLF_OK)
            _exit(3);
        fputs("partial", clf_atomic_file(a));
        fflush(clf_atomic_file(a));
        raise(sig);
        _exit(4); /* not reached: the handler re-raises with the default action */
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sig, "status %d", status);
    ck_assert_int_eq(temp_files(), 0);
    expect_content(in_dir("model"), "old");
}

START_TEST(sigterm_removes_temp)
{
    killed_while_writing(SIGTERM);
}
END_TEST

START_TEST(sigint_removes_temp)
{
    killed_while_writing(SIGINT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("atomic");
    TCase *tc = tcase_create("writer");
    tcase_add_test(tc, replace_on_commit_only);
    tcase_add_test(tc, symlinks_are_followed);
    tcase_add_test(tc, non_regular_targets);
    tcase_add_test(tc, sigterm_removes_temp);
    tcase_add_test(tc, sigint_removes_temp);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
