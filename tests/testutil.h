/*
 * testutil.h - helpers shared by the Check test programs.
 */
#ifndef CLF_TESTUTIL_H
#define CLF_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* CLF_TEST_SANITIZED - 1 under ASan or TSan (gcc says so with
 * __SANITIZE_*__, clang only through __has_feature): memory bounds that
 * shadow memory and redzones would break are not checked there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CLF_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CLF_TEST_SANITIZED 1
#endif
#endif
#ifndef CLF_TEST_SANITIZED
#define CLF_TEST_SANITIZED 0
#endif

/*
 * clf_test_corpora_dir - the directory holding the shared labeled corpora:
 * $CLF_CORPORA, else $CLF_CORPORA_DEFAULT (set by ctest), else
 * ../shared/corpora beside the source tree. Returns NULL when it does not
 * exist, after printing why; when $CI is set (and not "false") a missing
 * directory is a hard failure (ck_abort), never a silent skip.
 */
const char *clf_test_corpora_dir(void);

/*
 * clf_test_corpora_or_skip - for the corpus-level programs (test_corpus_*):
 * when the corpora directory is missing, exit 77 (ctest shows the test as
 * skipped) outside CI and 1 under CI (CI=true must have them).
 */
void clf_test_corpora_or_skip(void);

/* clf_test_path - join source-tree-relative path onto CLF_SOURCE_DIR. */
const char *clf_test_source_path(const char *rel);

/* clf_test_tmpdir - a fresh temporary directory for this process (created once). */
const char *clf_test_tmpdir(void);

/*
 * clf_test_dir - the folder tmpdir/sub, created (with its parents) if need be.
 * clf_test_tmp_path - the path tmpdir/name (nothing is created).
 * Both return one of a few static buffers in turn: use the result before
 * the 4th (clf_test_dir) or 8th (clf_test_tmp_path) next call.
 */
const char *clf_test_dir(const char *sub);
const char *clf_test_tmp_path(const char *name);

/*
 * clf_test_run_cmd - run a shell command line; its stdout (at most size - 1
 * bytes, NUL-terminated) goes to out. Returns its exit status, -1 when it
 * did not exit normally.
 */
int clf_test_run_cmd(const char *cmd, char *out, size_t size);

/* clf_test_read_file - whole file into a malloc'ed buffer (NUL-terminated). */
char *clf_test_read_file(const char *path, size_t *len);

/* clf_test_write_file - write text to dir/name (replacing it); a test failure
 * when the file cannot be created or written. */
void clf_test_write_file(const char *dir, const char *name, const char *text);

struct clf_model;
struct clf_model_spec;
/* clf_test_model_from_spec - the model file spec describes, written in memory
 * (clf_model_write_buffer) and loaded back (clf_model_load_buffer); a test
 * failure, with the library's message, when either step fails. */
struct clf_model *clf_test_model_from_spec(const struct clf_model_spec *spec);

/* clf_test_run - run a Suite with CK_NORMAL output; returns the exit status. */
int clf_test_run(Suite *s);

#endif
