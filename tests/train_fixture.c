/*
 * train_fixture.c - tiny labeled corpora for the training tests.
 */
#include "train_fixture.h"

#include <stdio.h>

#include "testutil.h"

const char *const clf_test_filler[CLF_TEST_NFILLER] = {
    "الماء",   "البيت",  "الطريق", "السوق",  "المدرسة", "الكتاب", "الشمس",
    "الحديقة", "القهوة", "الصباح", "المساء", "المدينة", "الصديق", "العمل",
    "السيارة", "الطعام", "اليوم",  "الغد",   "الشارع",  "النافذة"};

/* A fixed LCG: the same rows on every libc. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

void clf_test_write_rows(const char *dir, const char *name, const clf_test_rows *spec)
{
    char path[8192];
    int len = snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert(len > 0 && (size_t)len < sizeof path);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    size_t n_filler = spec->n_filler && spec->n_filler <= CLF_TEST_NFILLER ? spec->n_filler
                                                                          : CLF_TEST_NFILLER;
    uint32_t seed = spec->seed;
    fprintf(f, "id\tlabels\ttext\n");
    for (size_t i = 0; i < spec->n; i++) {
        int pos = spec->markers && spec->n_markers && i % 3 == 0;
        fprintf(f, "%zu\t%s\t", i + 1, pos ? spec->label : "");
        for (unsigned int w = 0; w < spec->words; w++)
            fprintf(f, "%s%s", w ? " " : "", clf_test_filler[lcg(&seed) % n_filler]);
        if (pos) {
            /* a single marker draws nothing: the filler that follows stays the same */
            size_t m = spec->n_markers > 1 ? lcg(&seed) % spec->n_markers : 0;
            fprintf(f, " %s", spec->markers[m]);
            if (spec->pos_extra)
                fprintf(f, " %s", spec->pos_extra);
        } else if (spec->neg_extra && spec->neg_every && i % spec->neg_every == 1) {
            fprintf(f, " %s", spec->neg_extra);
        }
        fprintf(f, "\n");
    }
    if (spec->extra_rows)
        fputs(spec->extra_rows, f);
    ck_assert_int_eq(fclose(f), 0);
}
