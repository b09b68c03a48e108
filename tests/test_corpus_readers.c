/*
 * test_corpus_readers.c - every shared corpus split ({train,dev}.tsv under
 * clf_test_corpora_dir()) reads with no error record, is detected as TSV,
 * and yields exactly one record per line after the header. Missing corpora
 * fail in CI (see testutil.c); the data are read in place, never copied.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "classify/common.h"
#include "corpus.h"
#include "testutil.h"

/* count_lines - physical lines, counted independently of the reader. */
static size_t count_lines(const char *path, int *has_header)
{
    size_t len = 0;
    char *data = clf_test_read_file(path, &len);
    ck_assert_msg(data != NULL, "cannot read %s", path);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    if (len > 0 && data[len - 1] != '\n')
        lines++;
    const char *h = data;
    if (len >= 3 && memcmp(h, "\xEF\xBB\xBF", 3) == 0)
        h += 3;
    *has_header = strncmp(h, "id\tlabels\ttext\n", 15) == 0 ||
                  strncmp(h, "id\tlabels\ttext\r\n", 16) == 0;
    free(data);
    return lines;
}

static void check_split(const char *path, size_t *n_files)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    ++*n_files;
    int has_header = 0;
    size_t lines = count_lines(path, &has_header);
    ck_assert_msg(has_header, "%s: no id<TAB>labels<TAB>text header", path);

    clf_reader *r = NULL;
    int rc = clf_reader_open(&r, path, CLF_FORMAT_AUTO, NULL);
    ck_assert_msg(rc == CLF_OK, "%s: %s", path, clf_last_error());
    ck_assert_msg(clf_reader_format(r) == CLF_FORMAT_TSV, "%s: detected as %s", path,
                  clf_format_name(clf_reader_format(r)));
    clf_record rec;
    size_t records = 0, errors = 0, truncated = 0, labeled = 0, last_line = 1;
    while ((rc = clf_reader_next(r, &rec)) == 1) {
        records++;
        ck_assert_msg(rec.line > last_line, "%s: line %zu after %zu", path, rec.line, last_line);
        last_line = rec.line;
        if (rec.error) {
            if (errors++ < 5)
                fprintf(stderr, "%s\n", rec.error_msg);
            continue;
        }
        truncated += rec.truncated != 0;
        labeled += rec.n_labels > 0;
        ck_assert_int_eq(rec.has_labels, 1);
    }
    ck_assert_msg(rc == 0, "%s: read failed: %s", path, clf_last_error());
    ck_assert_msg(errors == 0, "%s: %zu error records", path, errors);
    ck_assert_msg(records + clf_reader_skipped_blank(r) == lines - 1,
                  "%s: %zu records + %zu blank, but %zu lines after the header", path, records,
                  clf_reader_skipped_blank(r), lines - 1);
    ck_assert_msg(clf_reader_skipped_blank(r) == 0, "%s: %zu blank lines", path,
                  clf_reader_skipped_blank(r));
    printf("%s: %zu records, %zu labeled, %zu truncated\n", path, records, labeled, truncated);
    clf_reader_close(r);
}

START_TEST(all_corpora_read_cleanly)
{
    const char *dir = clf_test_corpora_dir();
    if (!dir)
        return;  /* testutil printed why; under CI it already failed */
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot list %s", dir);
    size_t n_files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096];
        struct stat st;
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        static const char *const splits[] = { "train.tsv", "dev.tsv" };
        for (size_t i = 0; i < 2; i++) {
            char path[4200];
            snprintf(path, sizeof path, "%s/%s", sub, splits[i]);
            check_split(path, &n_files);
        }
    }
    closedir(d);
    ck_assert_msg(n_files > 0, "no */train.tsv or */dev.tsv under %s", dir);
}
END_TEST

int main(void)
{
    clf_test_corpora_or_skip();
    Suite *s = suite_create("corpus_readers");
    TCase *tc = tcase_create("shared corpora");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, all_corpora_read_cleanly);
    suite_add_tcase(s, tc);
    return clf_test_run(s);
}
