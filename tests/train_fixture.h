/*
 * train_fixture.h - tiny labeled corpora for the training tests
 * (test_train.c, test_train_select.c): TSV files of Arabic filler words in
 * which every third row is a positive carrying a marker word, written
 * reproducibly from a seed.
 */
#ifndef CLF_TRAIN_FIXTURE_H
#define CLF_TRAIN_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

/* Everyday nouns that carry no category. */
#define CLF_TEST_NFILLER 20
extern const char *const clf_test_filler[CLF_TEST_NFILLER];

/* What clf_test_write_rows writes. */
typedef struct clf_test_rows {
    size_t n;                   /* rows, after the header id<TAB>labels<TAB>text */
    const char *label;          /* the label of a positive row */
    const char *const *markers; /* a positive (row i % 3 == 0) ends with one of these; NULL: no positives */
    size_t n_markers;           /* one marker is used as is, several are drawn from the seed */
    const char *pos_extra;      /* appended to every positive, or NULL */
    const char *neg_extra;      /* appended to negative row i when i % neg_every == 1, or NULL */
    size_t neg_every;
    unsigned int words;         /* filler words per row */
    size_t n_filler;            /* drawn from the first n_filler of clf_test_filler */
    uint32_t seed;
    const char *extra_rows;     /* appended verbatim after the rows, or NULL */
} clf_test_rows;

/* clf_test_write_rows - write dir/name as spec says (ck_assert on I/O errors). */
void clf_test_write_rows(const char *dir, const char *name, const clf_test_rows *spec);

#endif
