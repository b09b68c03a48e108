/*
 * fuzz_model.c - the model loader on arbitrary bytes: it must reject them
 * with an error or load a model whose every accessor and weight is valid.
 *
 * Input: one mode byte, then the model file. Random damage is almost always
 * caught by the checksum, which would hide the structural checks from the
 * fuzzer, so:
 *   mode bit 0 set: recompute the checksum before loading;
 *   mode bit 1 set: also set the header's file_size to the real size.
 * With mode 0 the bytes are loaded as they are. Seeds (fuzz/corpus/model/)
 * are small models written by tests/test_model.c (CLF_MODEL_SEED_DIR).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "model/format.h"
#include "model/model_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                   \
    do {                           \
        if (!(x))                  \
            __builtin_trap();      \
    } while (0)

static double touch(const clf_model *m)
{
    double sum = 0;
    size_t K = clf_model_num_categories(m);
    CHECK(K >= 1 && K <= CLF__MAX_CATEGORIES);
    for (size_t i = 0; i < K; i++) {
        const char *nm = clf_model_category_name(m, i);
        CHECK(nm != NULL && nm[0] != '\0');
        size_t idx = K;
        CHECK(clf_model_category_index(m, nm, &idx) == CLF_OK && idx == i);
        double t = clf_model_threshold(m, i);
        CHECK(t >= 0 && t <= 1);
        CHECK(isfinite(m->cats[i].calib_a) && isfinite(m->cats[i].calib_b) &&
              isfinite(m->cats[i].bias) && m->cats[i].calib_a <= 0.0);
        sum += t + m->cats[i].bias;
    }
    CHECK(clf_model_category_name(m, K) == NULL);
    clf_norm_options no;
    clf_feature_options fo;
    clf_model_options(m, &no, &fo);
    CHECK(fo.hash_bits >= CLF_MIN_HASH_BITS && fo.hash_bits <= CLF_MAX_HASH_BITS);
    CHECK((no.flags & ~(unsigned)CLF_NORM_ALL) == 0);
    const char *meta = clf_model_metadata(m);
    CHECK(meta && meta[0] == '{');
    sum += (double)strlen(meta);
    CHECK(clf_model_name(m) && clf_model_name(m)[0]);
    CHECK(clf_model_format_version(m) >= 1 && clf_model_format_version(m) <= CLF__FORMAT_VERSION);
    CHECK(clf_model_id(m) && strncmp(clf_model_id(m), clf_model_name(m),
                                     strlen(clf_model_name(m))) == 0);
    /* The full scan of 2^26 buckets would make such inputs 1000x slower
     * than the rest and starve the fuzzer: smaller tables are enough. */
    size_t nb = fo.hash_bits <= 16 ? (size_t)1 << fo.hash_bits : 0, known = 0;
    for (size_t b = 0; b < nb; b++) {
        uint32_t r = clf__model_row(m, (uint32_t)b);
        if (r) {
            CHECK(r <= m->n_rows);
            float v = clf__model_row_idf(m, r - 1);
            CHECK(v > 0 && isfinite(v));
            sum += v;
            known++;
        }
    }
    CHECK(nb == 0 || known == m->n_rows);
    for (size_t i = 0; i < m->n_rows * K; i++) {
        float w = clf__model_row_weight(m, (uint32_t)(i / K), i % K);
        CHECK(isfinite(w));
        sum += w;
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    data++;
    size--;
    uint8_t *copy = NULL;
    if ((mode & 1) && size >= CLF__HEADER_SIZE) {
        copy = malloc(size);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        if (mode & 2) {
            uint64_t fs = size;
            memcpy(copy + offsetof(clf__file_header, file_size), &fs, 8);
        }
        uint64_t sum;
        if (clf__model_checksum(copy, size, &sum) == CLF_OK)
            memcpy(copy + offsetof(clf__file_header, checksum), &sum, 8);
        data = copy;
    }
    clf_model *m = NULL;
    int rc = clf_model_load_buffer(&m, data, size);
    if (rc == CLF_OK) {
        volatile double sink = touch(m);
        (void)sink;
        clf_model_free(m);
    } else {
        CHECK(m == NULL);
        CHECK(rc == CLF_E_MODEL_FORMAT || rc == CLF_E_MODEL_VERSION || rc == CLF_E_CHECKSUM ||
              rc == CLF_E_NOMEM);
        CHECK(clf_last_error()[0] != '\0');
    }
    free(copy);
    return 0;
}
