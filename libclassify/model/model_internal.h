/*
 * model_internal.h - the in-memory form of a loaded model, read by the
 * scorer. All of the fields of this struct are private. Not installed.
 */
#ifndef CLF_MODEL_INTERNAL_H
#define CLF_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "classify/model.h"

typedef struct clf__category {
    char *name;                /* NUL-terminated copy */
    double threshold;
    double calib_a, calib_b;
    double bias;
} clf__category;

struct clf_model {
    /* the file: either mmap'ed (mapped = 1) or a malloc'ed copy */
    const unsigned char *base;
    size_t size;
    int mapped;

    uint32_t format_version;
    char *name;
    char *meta;                /* NUL-terminated JSON */
    clf_norm_options nopts;
    clf_feature_options fopts;

    size_t n_cats;
    clf__category *cats;

    size_t n_rows;
    /*
     * Dense lookup built at load: row_of[bucket] is row+1 for buckets the
     * model knows and 0 otherwise; idf[bucket] is its IDF (0 when unknown).
     * Both have 2^hash_bits entries.
     */
    uint32_t *row_of;
    float *idf;
    /* n_rows x n_cats weights, row-major; points into the file for f32
     * weights, or to an owned dequantized copy (weights_owned = 1). */
    const float *weights;
    int weights_owned;
};

#endif /* CLF_MODEL_INTERNAL_H */
