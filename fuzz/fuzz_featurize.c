/*
 * fuzz_featurize.c - fuzz target for feature extraction.
 *
 * The first byte picks one of a few featurizer configurations (feature
 * families, hash bits, weighting, normalization steps, an IDF table that
 * drops buckets); the rest is the text. abort() is called when an
 * invariant breaks:
 *   - the result is CLF_OK, or CLF_E_UTF8 for invalid UTF-8;
 *   - vector indices strictly increase and are < 2^hash_bits, values are
 *     finite and positive, the L2 norm is 1 when normalizing and n > 0,
 *     and no bucket with idf 0 appears;
 *   - sorted and unsorted counts are the same multiset, each bucket once;
 *   - clf_featurize_text() lists as many occurrences as the counts hold,
 *     with the vector's weight for each index.
 * Built with replay.c (gcc, ctest over fuzz/corpus/featurize/) or with
 * clang -fsanitize=fuzzer.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "features/featurize_internal.h"
#include "model/model_internal.h"
#include "model_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_CONFIGS 6

typedef struct config {
    clf_feature_options fo;
    unsigned int norm_flags;
    int with_idf;
} config;

static const config configs[N_CONFIGS] = {
    /* version, word, cmin, cmax, mode, stems, bits, seed, sublinear, l2, feature revision */
    { { 2, 2, 2, 5, CLF_CHAR_WITHIN, 1, 20, 0, 1, 1, 1 }, CLF_NORM_DEFAULT, 0 },
    { { 2, 5, 1, 8, CLF_CHAR_BOTH, 1, 8, 7, 1, 1, 0 }, CLF_NORM_DEFAULT, 1 },
    { { 2, 0, 3, 3, CLF_CHAR_ACROSS, 0, 12, 0, 0, 0, 2 }, CLF_NORM_DEFAULT, 0 },
    { { 2, 1, 2, 0, CLF_CHAR_WITHIN, 1, 16, 0, 1, 1, 1 }, 0, 0 },
    { { 2, 2, 2, 5, CLF_CHAR_WITHIN, 1, 20, 0, 1, 1, 2 }, 0, 0 },
    { { 2, 3, 2, 4, CLF_CHAR_WITHIN, 0, 26, 99, 0, 1, 1 }, CLF_NORM_DEFAULT, 0 },
};

static clf_featurizer *feats[N_CONFIGS];
static clf_model *model8; /* for config 1 (hash_bits 8): every third bucket unseen */

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "fuzz_featurize: %s failed (line %d)\n", #cond, __LINE__); \
            abort();                                                             \
        }                                                                        \
    } while (0)

static void setup(void)
{
    for (int i = 0; i < N_CONFIGS; i++) {
        clf_norm_options no = CLF_NORM_OPTIONS_INIT;
        no.flags = configs[i].norm_flags;
        if (clf_featurizer_new(&feats[i], &no, &configs[i].fo) != CLF_OK) {
            fprintf(stderr, "fuzz_featurize: %s\n", clf_last_error());
            abort();
        }
    }
    uint32_t buckets[256];
    float idf[256], w[256];
    size_t nr = 0;
    for (uint32_t b = 0; b < 256; b++)
        if (b % 3 != 0) {
            buckets[nr] = b;
            idf[nr] = 1.0f + (float)b / 64.0f;
            w[nr++] = 0.0f;
        }
    clf_model_spec_category cat = {.name = "c", .threshold = 0.5, .calib_a = -1.0};
    clf_model_spec spec;
    clf_model_spec_init(&spec);
    spec.name = "fuzz";
    spec.nopts.flags = configs[1].norm_flags;
    spec.fopts = configs[1].fo;
    spec.n_cats = 1;
    spec.cats = &cat;
    spec.n_rows = nr;
    spec.buckets = buckets;
    spec.idf = idf;
    spec.weights = w;
    unsigned char *buf;
    size_t blen;
    CHECK(clf_model_write_buffer(&buf, &blen, &spec) == CLF_OK);
    CHECK(clf_model_load_buffer(&model8, buf, blen) == CLF_OK);
    free(buf);
}

/* the model's IDF of a bucket, 0 when it has no such row */
static float idf_of(const clf_model *m, uint32_t b)
{
    uint32_t r = clf__model_row(m, b);
    return r ? clf__model_row_idf(m, r - 1) : 0.0f;
}

static int cmp_count(const void *a, const void *b)
{
    const clf__count *x = a, *y = b;
    if (x->bucket != y->bucket)
        return x->bucket < y->bucket ? -1 : 1;
    return (x->count > y->count) - (x->count < y->count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!feats[0])
        setup();
    if (size < 1)
        return 0;
    const int ci = data[0] % N_CONFIGS;
    const config *cf = &configs[ci];
    clf_featurizer *f = feats[ci];
    const char *text = (const char *)data + 1;
    const size_t len = size - 1;
    const clf_model *idf = cf->with_idf ? model8 : NULL;
    const uint32_t nb = 1u << cf->fo.hash_bits;

    /* the weighted vector */
    const clf_feature *vec;
    size_t n;
    int rc = clf_featurize(f, text, len, idf, &vec, &n);
    if (rc == CLF_E_UTF8)
        return 0;
    CHECK(rc == CLF_OK);
    double norm2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        CHECK(vec[i].index < nb);
        CHECK(i == 0 || vec[i - 1].index < vec[i].index);
        CHECK(isfinite(vec[i].value) && vec[i].value > 0.0f);
        CHECK(!idf || idf_of(idf, vec[i].index) != 0.0f);
        norm2 += (double)vec[i].value * vec[i].value;
    }
    if (cf->fo.l2_normalize && n > 0)
        CHECK(fabs(sqrt(norm2) - 1.0) < 1e-4);
    clf_feature *v = malloc((n + 1) * sizeof *v);
    CHECK(v != NULL);
    memcpy(v, vec, n * sizeof *v);
    const size_t nv = n;

    /* sorted and unsorted counts */
    const clf__count *c;
    size_t nu, ns;
    CHECK(clf__featurize_counts(f, text, len, 0, &c, &nu, NULL) == CLF_OK);
    clf__count *u = malloc((nu + 1) * sizeof *u);
    CHECK(u != NULL);
    memcpy(u, c, nu * sizeof *u);
    CHECK(clf__featurize_counts(f, text, len, 1, &c, &ns, NULL) == CLF_OK);
    CHECK(nu == ns);
    CHECK(idf ? nv <= ns : nv == ns);
    qsort(u, nu, sizeof *u, cmp_count);
    uint64_t total = 0;
    for (size_t i = 0; i < ns; i++) {
        CHECK(c[i].bucket < nb && c[i].count > 0);
        CHECK(i == 0 || c[i - 1].bucket < c[i].bucket);
        CHECK(u[i].bucket == c[i].bucket && u[i].count == c[i].count);
        total += c[i].count;
    }
    free(u);

    /* the texts behind the features (slower: short inputs only) */
    if (len <= 4096) {
        const clf_feature_text *ft;
        size_t nt;
        CHECK(clf_featurize_text(f, text, len, idf, &ft, &nt) == CLF_OK);
        uint64_t ttotal = 0;
        for (size_t i = 0; i < nt; i++) {
            CHECK(ft[i].family < 4 && ft[i].text && ft[i].text[0] && ft[i].count > 0);
            CHECK(ft[i].index < nb);
            ttotal += ft[i].count;
            size_t lo = 0, hi = nv;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (v[mid].index < ft[i].index)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < nv && v[lo].index == ft[i].index)
                CHECK(v[lo].value == ft[i].value);
            else
                CHECK(idf && idf_of(idf, ft[i].index) == 0.0f && ft[i].value == 0.0f);
        }
        CHECK(ttotal == total);
    }
    free(v);
    return 0;
}
