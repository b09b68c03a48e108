/*
 * test_reader.c - the corpus record reader (io/corpus.h): every format,
 * detection, CRLF/BOM/blank lines, truncation, bad bytes and bad records.
 * Inputs are small examples written here, never excerpts of real corpora.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "classify/common.h"
#include "corpus.h"
#include "testutil.h"

/* write_tmp - data (len bytes) into a fresh file of the test tmpdir. */
static const char *write_tmp(const char *data, size_t len)
{
    static char path[512];
    static int seq;
    snprintf(path, sizeof path, "%s/reader-%d-%d.txt", clf_test_tmpdir(), (int)getpid(), seq++);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* open_str - a reader over the string s (sizeof-1 style: NULs allowed via len). */
static clf_reader *open_buf(const char *data, size_t len, clf_format fmt, size_t max)
{
    clf_reader_options o = CLF_READER_OPTIONS_INIT;
    o.max_record_bytes = max;
    clf_reader *r = NULL;
    int rc = clf_reader_open(&r, write_tmp(data, len), fmt, &o);
    ck_assert_msg(rc == CLF_OK, "open: %s", clf_last_error());
    return r;
}
#define OPEN_LIT(lit, fmt) open_buf((lit), sizeof(lit) - 1, (fmt), 0)

/* next_ok - read one record that must have no error. */
static void next_ok(clf_reader *r, clf_record *rec)
{
    int rc = clf_reader_next(r, rec);
    ck_assert_int_eq(rc, 1);
    ck_assert_msg(rec->error == CLF_OK, "unexpected error record: %s", rec->error_msg);
    ck_assert_str_eq(rec->error_msg, "");
}

/* next_err - read one record that must carry error code `code`. */
static void next_err(clf_reader *r, clf_record *rec, int code)
{
    ck_assert_int_eq(clf_reader_next(r, rec), 1);
    ck_assert_msg(rec->error == code, "expected error %d, got %d (%s)", code, rec->error,
                  rec->error_msg);
    ck_assert_uint_eq(rec->text_len, 0);
    ck_assert_uint_eq(rec->n_labels, 0);
}

static void expect_end(clf_reader *r)
{
    clf_record rec;
    ck_assert_int_eq(clf_reader_next(r, &rec), 0);
    ck_assert_int_eq(clf_reader_next(r, &rec), 0);  /* end stays end */
}

#define ck_text_eq(rec, lit)                                                   \
    do {                                                                       \
        ck_assert_uint_eq((rec).text_len, sizeof(lit) - 1);                    \
        ck_assert(memcmp((rec).text, (lit), sizeof(lit) - 1) == 0);            \
        ck_assert_int_eq((rec).text[(rec).text_len], '\0');                    \
    } while (0)

START_TEST(format_names)
{
    const char *names[] = { "auto", "text", "tsv", "fasttext", "jsonl" };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(clf_format_parse(names[i]), i);
        ck_assert_str_eq(clf_format_name((clf_format)i), names[i]);
    }
    ck_assert_int_eq(clf_format_parse("csv"), -1);
    ck_assert_int_eq(clf_format_parse(""), -1);
    ck_assert_int_eq(clf_format_parse(NULL), -1);
    ck_assert_str_eq(clf_format_name((clf_format)42), "unknown");
}
END_TEST

/* ids of lines past 9 (the reader writes the decimal itself): 10, 99, 100, 12345 */
START_TEST(line_ids_decimal)
{
    enum { N = 12345 };
    char *data = malloc(2 * N);
    ck_assert_ptr_nonnull(data);
    for (size_t i = 0; i < N; i++) {
        data[2 * i] = 'x';
        data[2 * i + 1] = '\n';
    }
    clf_reader *r = open_buf(data, 2 * N, CLF_FORMAT_TEXT, 0);
    clf_record rec;
    for (size_t line = 1; line <= N; line++) {
        next_ok(r, &rec);
        char want[24];
        snprintf(want, sizeof want, "%zu", line);
        ck_assert_str_eq(rec.id, want);
    }
    expect_end(r);
    clf_reader_close(r);
    free(data);
}
END_TEST

START_TEST(text_format)
{
    clf_reader *r = OPEN_LIT("hello\n\nنص عربي قصير\nlast", CLF_FORMAT_TEXT);
    clf_record rec;
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_TEXT);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 1);
    ck_assert_str_eq(rec.id, "1");
    ck_text_eq(rec, "hello");
    ck_assert_int_eq(rec.has_labels, 0);
    ck_assert_uint_eq(rec.n_labels, 0);
    ck_assert_ptr_nonnull(rec.labels);
    ck_assert_ptr_null(rec.json);
    next_ok(r, &rec);  /* an empty line is an empty document */
    ck_assert_uint_eq(rec.line, 2);
    ck_assert_str_eq(rec.id, "2");
    ck_text_eq(rec, "");
    next_ok(r, &rec);
    ck_text_eq(rec, "نص عربي قصير");
    next_ok(r, &rec);  /* no final newline */
    ck_assert_uint_eq(rec.line, 4);
    ck_text_eq(rec, "last");
    expect_end(r);
    ck_assert_uint_eq(clf_reader_skipped_blank(r), 0);
    clf_reader_close(r);
}
END_TEST

START_TEST(tsv_format)
{
    clf_reader *r = OPEN_LIT("id\tlabels\ttext\n"
                             "a1\thate\tنص أول\n"
                             "a2\t\tنص ثان\n"
                             "\n"
                             "a3\t offensive , hate,vulgar \tthird\n"
                             "a4\t  \t\n"
                             "\tx\tno id\n",
                             CLF_FORMAT_TSV);
    clf_record rec;
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 2);
    ck_assert_str_eq(rec.id, "a1");
    ck_assert_int_eq(rec.has_labels, 1);
    ck_assert_uint_eq(rec.n_labels, 1);
    ck_assert_str_eq(rec.labels[0], "hate");
    ck_text_eq(rec, "نص أول");
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "a2");
    ck_assert_int_eq(rec.has_labels, 1);
    ck_assert_uint_eq(rec.n_labels, 0);  /* empty field = benign */
    ck_text_eq(rec, "نص ثان");
    next_ok(r, &rec);  /* the blank line 4 is skipped */
    ck_assert_uint_eq(rec.line, 5);
    ck_assert_uint_eq(rec.n_labels, 3);
    ck_assert_str_eq(rec.labels[0], "offensive");
    ck_assert_str_eq(rec.labels[1], "hate");
    ck_assert_str_eq(rec.labels[2], "vulgar");
    ck_assert_ptr_null(rec.labels[3]);
    ck_text_eq(rec, "third");
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "a4");
    ck_assert_uint_eq(rec.n_labels, 0);  /* all-space field = benign */
    ck_text_eq(rec, "");
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "7");  /* empty id: the line number */
    ck_text_eq(rec, "no id");
    expect_end(r);
    ck_assert_uint_eq(clf_reader_skipped_blank(r), 1);
    clf_reader_close(r);
}
END_TEST

START_TEST(tsv_header_only_first)
{
    /* Without a header the first line is data; a later header-like line too. */
    clf_reader *r = OPEN_LIT("\nx\ty\tz\nid\tlabels\ttext\n", CLF_FORMAT_TSV);
    clf_record rec;
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 2);
    ck_assert_str_eq(rec.id, "x");
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 3);
    ck_assert_str_eq(rec.id, "id");
    ck_assert_str_eq(rec.labels[0], "labels");
    expect_end(r);
    clf_reader_close(r);

    /* A header after leading blank lines is still the header. */
    r = OPEN_LIT("\n\nid\tlabels\ttext\nq\t\tt\n", CLF_FORMAT_TSV);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 4);
    ck_assert_str_eq(rec.id, "q");
    expect_end(r);
    ck_assert_uint_eq(clf_reader_skipped_blank(r), 2);
    clf_reader_close(r);
}
END_TEST

START_TEST(tsv_bad_columns)
{
    clf_reader *r = OPEN_LIT("id\tlabels\ttext\n"
                             "only one field\n"
                             "two\tfields\n"
                             "a\tb\tc\td\n"
                             "ok\thate\tfine\n"
                             "e\t,x\tempty label\n",
                             CLF_FORMAT_TSV);
    const char *name = clf_reader_name(r);
    char want[600];
    clf_record rec;
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_uint_eq(rec.line, 2);
    snprintf(want, sizeof want, "%s:2: ", name);
    ck_assert_msg(strncmp(rec.error_msg, want, strlen(want)) == 0, "%s", rec.error_msg);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "found 1"));
    ck_assert_str_eq(rec.id, "2");
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_uint_eq(rec.line, 3);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "found 2"));
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_uint_eq(rec.line, 4);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "found 4"));
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "tabs"));
    next_ok(r, &rec);  /* errors do not shift the following lines */
    ck_assert_uint_eq(rec.line, 5);
    ck_assert_str_eq(rec.id, "ok");
    ck_text_eq(rec, "fine");
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_uint_eq(rec.line, 6);
    ck_assert_str_eq(rec.id, "e");  /* the id is kept when it was valid */
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "empty"));
    expect_end(r);
    clf_reader_close(r);
}
END_TEST

START_TEST(fasttext_format)
{
    clf_reader *r = OPEN_LIT("__label__hate __label__offensive  نص مع وسمين\n"
                             "no labels here\n"
                             "\n"
                             "__label__x\n"
                             "__label__ alone\n"
                             "text then __label__late\n",
                             CLF_FORMAT_FASTTEXT);
    clf_record rec;
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "1");
    ck_assert_int_eq(rec.has_labels, 1);
    ck_assert_uint_eq(rec.n_labels, 2);
    ck_assert_str_eq(rec.labels[0], "hate");
    ck_assert_str_eq(rec.labels[1], "offensive");
    ck_text_eq(rec, "نص مع وسمين");
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.n_labels, 0);
    ck_assert_int_eq(rec.has_labels, 1);
    ck_text_eq(rec, "no labels here");
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 4);
    ck_assert_uint_eq(rec.n_labels, 1);
    ck_assert_str_eq(rec.labels[0], "x");
    ck_text_eq(rec, "");
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_uint_eq(rec.line, 5);
    next_ok(r, &rec);  /* only leading __label__ tokens are labels */
    ck_assert_uint_eq(rec.n_labels, 0);
    ck_text_eq(rec, "text then __label__late");
    expect_end(r);
    ck_assert_uint_eq(clf_reader_skipped_blank(r), 1);
    clf_reader_close(r);
}
END_TEST

START_TEST(jsonl_format)
{
    clf_reader *r = OPEN_LIT("{\"id\":\"d1\",\"text\":\"نص\",\"labels\":[\"hate\",\"offensive\"],"
                             "\"source\":\"forum\"}\n"
                             "{\"id\":42,\"text\":\"int id\",\"labels\":[]}\n"
                             "\n"
                             "{\"text\":\"no id, no labels\"}\n"
                             "{\"id\":1.5,\"text\":\"real id\",\"labels\":null}\n",
                             CLF_FORMAT_JSONL);
    clf_record rec;
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "d1");
    ck_text_eq(rec, "نص");
    ck_assert_int_eq(rec.has_labels, 1);
    ck_assert_uint_eq(rec.n_labels, 2);
    ck_assert_str_eq(rec.labels[0], "hate");
    ck_assert_str_eq(rec.labels[1], "offensive");
    ck_assert_ptr_nonnull(rec.json);  /* pass-through of the other fields */
    json_t *src = json_object_get((json_t *)rec.json, "source");
    ck_assert_str_eq(json_string_value(src), "forum");
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "42");
    ck_assert_int_eq(rec.has_labels, 1);
    ck_assert_uint_eq(rec.n_labels, 0);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 4);
    ck_assert_str_eq(rec.id, "4");
    ck_assert_int_eq(rec.has_labels, 0);
    ck_text_eq(rec, "no id, no labels");
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "5");  /* neither string nor integer: line number */
    ck_assert_int_eq(rec.has_labels, 0);
    expect_end(r);
    ck_assert_uint_eq(clf_reader_skipped_blank(r), 1);
    clf_reader_close(r);
}
END_TEST

START_TEST(jsonl_field_options)
{
    const char data[] = "{\"doc\":\"abc\",\"tags\":[\"t\"],\"key\":\"k9\",\"text\":5}\n";
    clf_reader_options o = CLF_READER_OPTIONS_INIT;
    o.text_field = "doc";
    o.labels_field = "tags";
    o.id_field = "key";
    clf_reader *r = NULL;
    ck_assert_int_eq(clf_reader_open(&r, write_tmp(data, sizeof data - 1), CLF_FORMAT_JSONL, &o),
                     CLF_OK);
    clf_record rec;
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "k9");
    ck_text_eq(rec, "abc");
    ck_assert_uint_eq(rec.n_labels, 1);
    ck_assert_str_eq(rec.labels[0], "t");
    expect_end(r);
    clf_reader_close(r);
}
END_TEST

START_TEST(jsonl_errors)
{
    clf_reader *r = OPEN_LIT("{\"text\": \"a\",}\n"
                             "{\"id\":\"x\"}\n"
                             "{\"text\": 7}\n"
                             "{\"text\":\"t\",\"labels\":\"hate\"}\n"
                             "{\"text\":\"t\",\"labels\":[\"a\",3]}\n"
                             "{\"text\":\"a\",\"text\":\"b\"}\n"
                             "[\"text\"]\n"
                             "{\"text\":\"a\"} {\"text\":\"b\"}\n"
                             "{\"text\":\"good\",\"id\":\"g\"}\n",
                             CLF_FORMAT_JSONL);
    const char *name = clf_reader_name(r);
    char want[600];
    clf_record rec;
    next_err(r, &rec, CLF_E_PARSE);
    snprintf(want, sizeof want, "%s:1: invalid JSON at column ", name);
    ck_assert_msg(strncmp(rec.error_msg, want, strlen(want)) == 0, "%s", rec.error_msg);
    ck_assert_ptr_null(rec.json);
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, ":2: missing text field \"text\""));
    ck_assert_str_eq(rec.id, "x");
    ck_assert_ptr_nonnull(rec.json);  /* the object is lent even for an error record */
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, ":3: text is not a string"));
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "not an array"));
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "element 1"));
    next_err(r, &rec, CLF_E_PARSE);  /* duplicate keys are rejected */
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "duplicate"));
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "expected a JSON object"));
    next_err(r, &rec, CLF_E_PARSE);  /* one object per line */
    ck_assert_uint_eq(rec.line, 8);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 9);
    ck_assert_str_eq(rec.id, "g");
    ck_text_eq(rec, "good");
    expect_end(r);
    clf_reader_close(r);
}
END_TEST

START_TEST(crlf)
{
    clf_reader *r = OPEN_LIT("id\tlabels\ttext\r\nr1\thate\tسطر\r\n\r\nr2\t\tend\r\n", CLF_FORMAT_AUTO);
    clf_record rec;
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_TSV);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 2);
    ck_text_eq(rec, "سطر");
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 4);
    ck_text_eq(rec, "end");
    expect_end(r);
    clf_reader_close(r);

    r = OPEN_LIT("one\r\n\r\ntwo\r", CLF_FORMAT_TEXT);
    next_ok(r, &rec);
    ck_text_eq(rec, "one");
    next_ok(r, &rec);
    ck_text_eq(rec, "");
    next_ok(r, &rec);
    ck_text_eq(rec, "two");
    expect_end(r);
    clf_reader_close(r);

    /* Only the final CR goes; a CR inside a line is kept. */
    r = OPEN_LIT("a\rb\r\r\n", CLF_FORMAT_TEXT);
    next_ok(r, &rec);
    ck_text_eq(rec, "a\rb\r");
    clf_reader_close(r);
}
END_TEST

START_TEST(bom)
{
    clf_reader *r = OPEN_LIT("\xEF\xBB\xBFid\tlabels\ttext\nz\thate\tt\n", CLF_FORMAT_AUTO);
    clf_record rec;
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_TSV);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 2);
    ck_assert_str_eq(rec.id, "z");
    expect_end(r);
    clf_reader_close(r);

    r = OPEN_LIT("\xEF\xBB\xBF{\"text\":\"j\"}\n", CLF_FORMAT_AUTO);
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_JSONL);
    next_ok(r, &rec);
    ck_text_eq(rec, "j");
    clf_reader_close(r);

    r = OPEN_LIT("\xEF\xBB\xBFword\n\xEF\xBB\xBFsecond\n", CLF_FORMAT_TEXT);
    next_ok(r, &rec);
    ck_text_eq(rec, "word");
    next_ok(r, &rec);  /* only a BOM at the start of the file is dropped */
    ck_text_eq(rec, "\xEF\xBB\xBFsecond");
    clf_reader_close(r);

    r = OPEN_LIT("\xEF\xBB\xBF", CLF_FORMAT_TEXT);
    expect_end(r);  /* a BOM alone is an empty file: no lines */
    clf_reader_close(r);

    r = OPEN_LIT("\xEF\xBB\n", CLF_FORMAT_TEXT);  /* a broken BOM is text, and bad */
    next_err(r, &rec, CLF_E_UTF8);
    expect_end(r);
    clf_reader_close(r);

    r = OPEN_LIT("\xEF\n", CLF_FORMAT_TEXT);
    next_err(r, &rec, CLF_E_UTF8);
    clf_reader_close(r);
}
END_TEST

START_TEST(empty_and_blank_inputs)
{
    clf_reader *r = open_buf("", 0, CLF_FORMAT_AUTO, 0);
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_TEXT);
    expect_end(r);
    clf_reader_close(r);

    for (int f = CLF_FORMAT_TSV; f <= CLF_FORMAT_JSONL; f++) {
        r = OPEN_LIT("\n\n\r\n", (clf_format)f);
        expect_end(r);
        ck_assert_uint_eq(clf_reader_skipped_blank(r), 3);
        clf_reader_close(r);
    }
}
END_TEST

START_TEST(truncation)
{
    /* max 10: "abcdefghi" + a 2-byte letter is 11 bytes, cut back to 9. */
    const char data[] = "abcdefghiس tail\nnext line\n0123456789\r\n0123456789X\r\n";
    clf_reader *r = open_buf(data, sizeof data - 1, CLF_FORMAT_TEXT, 10);
    clf_record rec;
    next_ok(r, &rec);
    ck_assert_int_eq(rec.truncated, 1);
    ck_text_eq(rec, "abcdefghi");
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 2);
    ck_assert_int_eq(rec.truncated, 0);
    ck_text_eq(rec, "next line");
    next_ok(r, &rec);  /* exactly max bytes before a CRLF: not truncated */
    ck_assert_int_eq(rec.truncated, 0);
    ck_text_eq(rec, "0123456789");
    next_ok(r, &rec);
    ck_assert_int_eq(rec.truncated, 1);
    ck_text_eq(rec, "0123456789");
    expect_end(r);
    clf_reader_close(r);

    /* A cut TSV line keeps its fields; a cut JSON line is an error that says so. */
    const char tsv[] = "id7\thate\tنص طويل جدا\nid8\t\tok\n";
    r = open_buf(tsv, sizeof tsv - 1, CLF_FORMAT_TSV, 16);
    next_ok(r, &rec);
    ck_assert_int_eq(rec.truncated, 1);
    ck_assert_str_eq(rec.id, "id7");
    ck_assert_uint_le(rec.text_len, 16);
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "id8");
    clf_reader_close(r);

    /* JSONL: the same rule on the text, not on the line (escapes included). */
    const char js[] = "{\"id\":\"j\",\"text\":\"abcdefghi\\u0645 tail\"}\n{\"text\":\"ok\"}\n";
    r = open_buf(js, sizeof js - 1, CLF_FORMAT_JSONL, 10);
    next_ok(r, &rec);
    ck_assert_int_eq(rec.truncated, 1);
    ck_assert_str_eq(rec.id, "j");
    ck_text_eq(rec, "abcdefghi");  /* the letter straddles byte 10 */
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 2);
    ck_assert_int_eq(rec.truncated, 0);
    ck_text_eq(rec, "ok");
    clf_reader_close(r);

    /* A JSON line too long to hold such a text is an error that says so. */
    size_t big = 70000;
    char *line = malloc(big + 32);
    ck_assert_ptr_nonnull(line);
    memcpy(line, "{\"text\":\"", 9);
    memset(line + 9, 'x', big);
    memcpy(line + 9 + big, "\"}\n{\"text\":\"ok\"}\n", 17);
    r = open_buf(line, 9 + big + 17, CLF_FORMAT_JSONL, 10);
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_int_eq(rec.truncated, 1);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "longer than the"));
    next_ok(r, &rec);
    ck_text_eq(rec, "ok");
    clf_reader_close(r);
    free(line);
}
END_TEST

START_TEST(huge_line_bounded)
{
    /* 100 MB of Arabic letters on one line, streamed through a pipe by a child. */
    const size_t total = (size_t)100 << 20;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        FILE *w = fdopen(fds[1], "wb");
        static char chunk[1 << 16];
        for (size_t i = 0; i < sizeof chunk; i += 2) {
            chunk[i] = (char)0xD8;  /* U+0628 ARABIC LETTER BEH */
            chunk[i + 1] = (char)0xA8;
        }
        fputs("first\n", w);
        for (size_t done = 0; done < total; done += sizeof chunk)
            fwrite(chunk, 1, sizeof chunk, w);
        fputs("\nafter\n", w);
        fclose(w);
        _exit(0);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "rb");
    ck_assert_ptr_nonnull(f);

    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    clf_reader *r = NULL;
    const size_t max = (size_t)1 << 20;
    clf_reader_options o = CLF_READER_OPTIONS_INIT;
    o.max_record_bytes = max;
    ck_assert_int_eq(clf_reader_open_file(&r, f, "pipe", CLF_FORMAT_TEXT, &o), CLF_OK);
    clf_record rec;
    next_ok(r, &rec);
    ck_text_eq(rec, "first");
    next_ok(r, &rec);
    ck_assert_int_eq(rec.truncated, 1);
    ck_assert_uint_eq(rec.text_len, max);  /* 2-byte letters: max is a boundary */
    ck_assert_int_eq((unsigned char)rec.text[0], 0xD8);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 3);
    ck_text_eq(rec, "after");
    expect_end(r);
    clf_reader_close(r);
    getrusage(RUSAGE_SELF, &after);
    /* ru_maxrss is in KiB: the line must not have been held (allow slack). */
    ck_assert_msg(after.ru_maxrss - before.ru_maxrss < 48 * 1024,
                  "max RSS grew by %ld KiB", after.ru_maxrss - before.ru_maxrss);
    fclose(f);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(invalid_utf8)
{
    clf_reader *r = OPEN_LIT("ab\xFF" "cd\nok\n\xC0\xAF overlong\n\xED\xA0\x80 surrogate\n"
                             "cut \xD8\n",
                             CLF_FORMAT_TEXT);
    const char *name = clf_reader_name(r);
    char want[600];
    clf_record rec;
    next_err(r, &rec, CLF_E_UTF8);
    snprintf(want, sizeof want, "%s:1: ", name);
    ck_assert_msg(strncmp(rec.error_msg, want, strlen(want)) == 0, "%s", rec.error_msg);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "byte offset 2"));
    ck_assert_str_eq(rec.id, "1");
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 2);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_uint_eq(rec.line, 3);
    next_err(r, &rec, CLF_E_UTF8);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "byte offset 4"));
    expect_end(r);
    clf_reader_close(r);

    /* Arabic (two-byte) and ASCII text is first checked without finding
     * where it goes wrong: the offset must still be the first bad byte's,
     * late in a line, after a lead byte at the end, before a four-byte
     * character, and in a line whose first bad byte comes before a later
     * bad one. */
    r = OPEN_LIT("\xD8\xA7\xD9\x84 \xD9\x83\xD8\xA8 ab \xD8\x41 x\n"
                 "\xD8\xA7\xD8\xA7 \xD8\n"
                 "\xD8\xA7\xC1\x81 \xF0\x9F\x98\x80\n"
                 "\xD8\xA7 \xD8\xA7\xD8 \xD8\x41\n"
                 "\xD8\xA7 \xF0\x9F\x98\x80 \xD9\x84\n",
                 CLF_FORMAT_TEXT);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "byte offset 13"));
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "byte offset 5"));
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "byte offset 2"));
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "byte offset 5"));
    next_ok(r, &rec);
    expect_end(r);
    clf_reader_close(r);

    /* 16-byte blocks of ASCII and two-byte text are checked at once: the
     * first bad byte found past whole good blocks (a lone continuation at
     * 38, a lead cut by a block's end at 15 then a second lead at 16, a
     * three-byte lead at 32), a lead ending a block whose continuation
     * opens the next (good), and a lead ending the line at a block's end. */
    r = OPEN_LIT("\xD8\xA7\xD9\x84 \xD9\x83\xD8\xA8 ab \xD8\xA7\xD9\x84\xD9\x83 "
                 "\xD8\xA7\xD9\x84 \xD9\x83\xD8\xA8 ab \xD8\xA7\xD9\x84 \xA7x\n"
                 "abcdefghijklmno\xD8\xD8\xA7 \xD8\xA7 0123456789\n"
                 "0123456789abcdef0123456789abcdef\xE0\xA0\n"
                 "abcdefghijklmno\xD8\xA7\xD9\x84 \xD9\x83\xD8\xA8 abcdefgh ij\n"
                 "abcdefghijklmno\xD8\n",
                 CLF_FORMAT_TEXT);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_msg(strstr(rec.error_msg, "byte offset 38") != NULL, "%s", rec.error_msg);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_msg(strstr(rec.error_msg, "byte offset 15") != NULL, "%s", rec.error_msg);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_msg(strstr(rec.error_msg, "byte offset 32") != NULL, "%s", rec.error_msg);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.text_len, 36);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_msg(strstr(rec.error_msg, "byte offset 15") != NULL, "%s", rec.error_msg);
    expect_end(r);
    clf_reader_close(r);

    /* TSV: the offset counts from the start of the line; the id survives. */
    r = OPEN_LIT("k1\thate\tok \xFE\n\xFF\t\tx\nk3\th\xC3\tx\n", CLF_FORMAT_TSV);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_str_eq(rec.id, "k1");
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "in the text at byte offset 11"));
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_str_eq(rec.id, "2");
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "in the id at byte offset 0"));
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "in the labels at byte offset 4"));
    expect_end(r);
    clf_reader_close(r);

    /* JSONL and fastText report bad bytes as CLF_E_UTF8 too. */
    r = OPEN_LIT("{\"text\":\"\xFF\"}\n", CLF_FORMAT_JSONL);
    next_err(r, &rec, CLF_E_UTF8);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "byte offset 9"));
    clf_reader_close(r);
    r = OPEN_LIT("__label__\xFF x\n", CLF_FORMAT_FASTTEXT);
    next_err(r, &rec, CLF_E_UTF8);
    clf_reader_close(r);
}
END_TEST

START_TEST(nul_bytes)
{
    const char text[] = "a\0b\nc\n";
    clf_reader *r = open_buf(text, sizeof text - 1, CLF_FORMAT_TEXT, 0);
    clf_record rec;
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.text_len, 3);  /* text_len is authoritative */
    ck_assert(memcmp(rec.text, "a\0b", 3) == 0);
    next_ok(r, &rec);
    ck_text_eq(rec, "c");
    clf_reader_close(r);

    const char tsv[] = "i1\tx\tt\0u\ni\0d\tx\tt\ni3\tx\0y\tt\n";
    r = open_buf(tsv, sizeof tsv - 1, CLF_FORMAT_TSV, 0);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.text_len, 3);
    ck_assert(memcmp(rec.text, "t\0u", 3) == 0);
    next_err(r, &rec, CLF_E_PARSE);  /* ids and labels are C strings: no NUL */
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "NUL"));
    next_err(r, &rec, CLF_E_PARSE);
    ck_assert_ptr_nonnull(strstr(rec.error_msg, "NUL"));
    clf_reader_close(r);

    r = OPEN_LIT("{\"text\":\"x\\u0000y\"}\n{\"text\":\"t\",\"id\":\"a\\u0000\"}\n"
                 "{\"text\":\"t\",\"labels\":[\"h\\u0000\"]}\n",
                 CLF_FORMAT_JSONL);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.text_len, 3);
    ck_assert(memcmp(rec.text, "x\0y", 3) == 0);
    next_err(r, &rec, CLF_E_PARSE);
    next_err(r, &rec, CLF_E_PARSE);
    clf_reader_close(r);
}
END_TEST

START_TEST(auto_detection)
{
    struct { const char *data; clf_format want; } cases[] = {
        { "{\"text\":\"x\"}\n", CLF_FORMAT_JSONL },
        { "__label__a b\n", CLF_FORMAT_FASTTEXT },
        { "1\t\tb\n", CLF_FORMAT_TSV },
        { "plain words\n", CLF_FORMAT_TEXT },
        { "one\ttab\n", CLF_FORMAT_TEXT },
        { "three\ttabs\there\tx\n", CLF_FORMAT_TEXT },
        { " {not json at column 1}\n", CLF_FORMAT_TEXT },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clf_reader *r = open_buf(cases[i].data, strlen(cases[i].data), CLF_FORMAT_AUTO, 0);
        ck_assert_msg(clf_reader_format(r) == cases[i].want, "case %zu: got %s", i,
                      clf_format_name(clf_reader_format(r)));
        clf_record rec;
        next_ok(r, &rec);
        ck_assert_uint_eq(rec.line, 1);
        expect_end(r);
        clf_reader_close(r);
    }

    /* Leading blank lines: records in text, skipped (and counted) otherwise. */
    clf_reader *r = OPEN_LIT("\n\r\nfirst\n", CLF_FORMAT_AUTO);
    clf_record rec;
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_TEXT);
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 1);
    ck_text_eq(rec, "");
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 2);
    ck_assert_str_eq(rec.id, "2");
    next_ok(r, &rec);
    ck_assert_uint_eq(rec.line, 3);
    ck_text_eq(rec, "first");
    expect_end(r);
    clf_reader_close(r);

    r = OPEN_LIT("\n\n__label__x y\n", CLF_FORMAT_AUTO);
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_FASTTEXT);
    next_ok(r, &rec);
    ck_assert_uint_eq(clf_reader_skipped_blank(r), 2);
    ck_assert_uint_eq(rec.line, 3);
    ck_text_eq(rec, "y");
    clf_reader_close(r);

    r = OPEN_LIT("\n\n", CLF_FORMAT_AUTO);  /* only blank lines: text */
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_TEXT);
    next_ok(r, &rec);
    next_ok(r, &rec);
    expect_end(r);
    clf_reader_close(r);
}
END_TEST

START_TEST(read_from_pipe_file)
{
    const char data[] = "id\tlabels\ttext\np1\thate\tمن أنبوب\n";
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], data, sizeof data - 1), (ssize_t)(sizeof data - 1));
    close(fds[1]);
    FILE *f = fdopen(fds[0], "rb");
    clf_reader *r = NULL;
    ck_assert_int_eq(clf_reader_open_file(&r, f, "<pipe>", CLF_FORMAT_AUTO, NULL), CLF_OK);
    ck_assert_str_eq(clf_reader_name(r), "<pipe>");
    ck_assert_int_eq(clf_reader_format(r), CLF_FORMAT_TSV);
    clf_record rec;
    next_ok(r, &rec);
    ck_assert_str_eq(rec.id, "p1");
    ck_text_eq(rec, "من أنبوب");
    expect_end(r);
    clf_reader_close(r);
    ck_assert_int_eq(fclose(f), 0);  /* the reader did not close it */
}
END_TEST

START_TEST(read_stdin_dash)
{
    const char data[] = "x\ny\n";
    /* Check forks each test, so replacing stdin here is local to this test. */
    ck_assert_ptr_nonnull(freopen(write_tmp(data, sizeof data - 1), "rb", stdin));
    clf_reader *r = NULL;
    ck_assert_int_eq(clf_reader_open(&r, "-", CLF_FORMAT_TEXT, NULL), CLF_OK);
    ck_assert_str_eq(clf_reader_name(r), "-");
    clf_record rec;
    next_ok(r, &rec);
    ck_text_eq(rec, "x");
    next_ok(r, &rec);
    ck_text_eq(rec, "y");
    expect_end(r);
    clf_reader_close(r);
    clf_record bad;
    ck_assert_int_eq(clf_reader_open(&r, "-", CLF_FORMAT_JSONL, NULL), CLF_OK);
    ck_assert_int_eq(clf_reader_next(r, &bad), 0);
    clf_reader_close(r);
}
END_TEST

START_TEST(io_errors)
{
    clf_reader *r = (clf_reader *)1;
    char missing[600];
    snprintf(missing, sizeof missing, "%s/does-not-exist.tsv", clf_test_tmpdir());
    ck_assert_int_eq(clf_reader_open(&r, missing, CLF_FORMAT_TSV, NULL), CLF_E_IO);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(clf_last_error(), "does-not-exist.tsv"));

    /* A directory opens but cannot be read: the error comes from next(). */
    ck_assert_int_eq(clf_reader_open(&r, clf_test_tmpdir(), CLF_FORMAT_TEXT, NULL), CLF_OK);
    clf_record rec;
    ck_assert_int_eq(clf_reader_next(r, &rec), CLF_E_IO);
    ck_assert_int_eq(clf_reader_next(r, &rec), CLF_E_IO);  /* and stays */
    clf_reader_close(r);
    /* With detection the read happens at open. */
    ck_assert_int_eq(clf_reader_open(&r, clf_test_tmpdir(), CLF_FORMAT_AUTO, NULL), CLF_E_IO);
    ck_assert_ptr_null(r);

    /* A write-only stream fails to read. */
    FILE *w = fopen(write_tmp("", 0), "wb");
    ck_assert_int_eq(clf_reader_open_file(&r, w, "wo", CLF_FORMAT_TEXT, NULL), CLF_OK);
    ck_assert_int_eq(clf_reader_next(r, &rec), CLF_E_IO);
    ck_assert_ptr_nonnull(strstr(clf_last_error(), "wo: read error"));
    clf_reader_close(r);
    fclose(w);
}
END_TEST

START_TEST(bad_arguments)
{
    clf_reader *r = NULL;
    ck_assert_int_eq(clf_reader_open(NULL, "x", CLF_FORMAT_TEXT, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_reader_open(&r, NULL, CLF_FORMAT_TEXT, NULL), CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_reader_open_file(&r, NULL, "x", CLF_FORMAT_TEXT, NULL),
                     CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_reader_open_file(&r, stdin, "x", (clf_format)9, NULL),
                     CLF_E_INVALID_ARG);
    clf_reader_options o = CLF_READER_OPTIONS_INIT;
    o.max_record_bytes = (size_t)-1;
    ck_assert_int_eq(clf_reader_open_file(&r, stdin, "x", CLF_FORMAT_TEXT, &o),
                     CLF_E_INVALID_ARG);
    ck_assert_int_eq(clf_reader_next(NULL, NULL), CLF_E_INVALID_ARG);
    clf_reader_close(NULL);
    ck_assert_int_eq(clf_reader_format(NULL), CLF_FORMAT_AUTO);
    ck_assert_str_eq(clf_reader_name(NULL), "");
    ck_assert_uint_eq(clf_reader_skipped_blank(NULL), 0);
}
END_TEST

START_TEST(line_numbers_after_errors)
{
    clf_reader *r = OPEN_LIT("{\"text\":\"1\"}\n"
                             "{bad\n"
                             "\n"
                             "{\"text\":\"\xC3\"}\n"
                             "{\"text\":\"5\"}\n",
                             CLF_FORMAT_AUTO);
    clf_record rec;
    size_t lines[] = { 1, 2, 4, 5 };
    int errs[] = { CLF_OK, CLF_E_PARSE, CLF_E_UTF8, CLF_OK };
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(clf_reader_next(r, &rec), 1);
        ck_assert_uint_eq(rec.line, lines[i]);
        ck_assert_int_eq(rec.error, errs[i]);
    }
    ck_text_eq(rec, "5");
    expect_end(r);
    clf_reader_close(r);
}
END_TEST

static Suite *reader_suite(void)
{
    Suite *s = suite_create("reader");
    TCase *tc = tcase_create("formats");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, format_names);
    tcase_add_test(tc, text_format);
    tcase_add_test(tc, line_ids_decimal);
    tcase_add_test(tc, tsv_format);
    tcase_add_test(tc, tsv_header_only_first);
    tcase_add_test(tc, tsv_bad_columns);
    tcase_add_test(tc, fasttext_format);
    tcase_add_test(tc, jsonl_format);
    tcase_add_test(tc, jsonl_field_options);
    tcase_add_test(tc, jsonl_errors);
    tcase_add_test(tc, crlf);
    tcase_add_test(tc, bom);
    tcase_add_test(tc, empty_and_blank_inputs);
    tcase_add_test(tc, truncation);
    tcase_add_test(tc, huge_line_bounded);
    tcase_add_test(tc, invalid_utf8);
    tcase_add_test(tc, nul_bytes);
    tcase_add_test(tc, auto_detection);
    tcase_add_test(tc, read_from_pipe_file);
    tcase_add_test(tc, read_stdin_dash);
    tcase_add_test(tc, io_errors);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, line_numbers_after_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return clf_test_run(reader_suite());
}
