/*
 * fuzz_reader.c - the corpus record reader (io/corpus.h) on arbitrary
 * bytes. The first byte picks the format (byte % 5) and max_record_bytes
 * (1..48, or 64 KiB when byte / 5 >= 48); the rest is the file, read through
 * a memory FILE. Checks the promises of the header and aborts on a broken
 * one: no line dropped, lines strictly increasing, text_len <= max, NUL
 * terminators, valid UTF-8 in records without error, a message with errors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify/common.h"
#include "corpus.h"
#include "internal.h"

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "fuzz_reader: invariant failed: %s (line %d)\n", #cond, __LINE__); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        int k = clf__utf8_decode(p + i, n - i, &cp);
        if (k == 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}

/* physical_lines - what the reader must account for: lines after a BOM. */
static size_t physical_lines(const uint8_t *d, size_t n)
{
    if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) {
        d += 3;
        n -= 3;
    }
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += d[i] == '\n';
    return lines + (n > 0 && d[n - 1] != '\n');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)  /* fmemopen of 0 bytes is not portable */
        return 0;
    clf_format fmt = (clf_format)(data[0] % 5);
    unsigned q = data[0] / 5u;
    size_t max = q < 48 ? q + 1 : (size_t)1 << 16;
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    FILE *f = fmemopen((void *)body, len, "rb");
    if (!f)
        return 0;
    clf_reader_options o = CLF_READER_OPTIONS_INIT;
    o.max_record_bytes = max;
    clf_reader *r = NULL;
    int rc = clf_reader_open_file(&r, f, "fuzz", fmt, &o);
    CHECK(rc == CLF_OK);
    clf_format used = clf_reader_format(r);
    CHECK(used != CLF_FORMAT_AUTO);
    CHECK(fmt == CLF_FORMAT_AUTO || used == fmt);

    size_t records = 0, last_line = 0;
    clf_record rec;
    while ((rc = clf_reader_next(r, &rec)) == 1) {
        records++;
        CHECK(rec.line > last_line);
        last_line = rec.line;
        CHECK(rec.id != NULL && rec.id[0] != '\0');
        CHECK(valid_utf8(rec.id, strlen(rec.id)));
        CHECK(rec.text != NULL && rec.text[rec.text_len] == '\0');
        CHECK(rec.text_len <= max);
        CHECK(rec.labels != NULL && rec.labels[rec.n_labels] == NULL);
        CHECK(rec.error_msg != NULL);
        CHECK(used == CLF_FORMAT_JSONL || rec.json == NULL);
        if (rec.error == CLF_OK) {
            CHECK(rec.error_msg[0] == '\0');
            CHECK(valid_utf8(rec.text, rec.text_len));
            for (size_t i = 0; i < rec.n_labels; i++) {
                CHECK(rec.labels[i][0] != '\0');
                CHECK(valid_utf8(rec.labels[i], strlen(rec.labels[i])));
            }
            CHECK(rec.n_labels == 0 || rec.has_labels);
        } else {
            CHECK(rec.error == CLF_E_PARSE || rec.error == CLF_E_UTF8);
            CHECK(strncmp(rec.error_msg, "fuzz:", 5) == 0);
            CHECK(rec.text_len == 0 && rec.n_labels == 0);
        }
    }
    CHECK(rc == 0);  /* a memory FILE never fails to read */
    CHECK(clf_reader_next(r, &rec) == 0);

    /* Never drop a line: records + skipped blanks + (TSV) the header. */
    size_t lines = physical_lines(body, len);
    size_t seen = records + clf_reader_skipped_blank(r);
    CHECK(seen <= lines);
    CHECK(seen == lines || (used == CLF_FORMAT_TSV && seen + 1 == lines));
    CHECK(used != CLF_FORMAT_TEXT || records == lines);
    CHECK(last_line <= lines);
    clf_reader_close(r);
    fclose(f);
    return 0;
}
