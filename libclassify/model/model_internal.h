/*
 * model_internal.h - the in-memory form of a loaded model, read by the
 * scorer. All of the fields of this struct are private. Not installed.
 */
#ifndef CLF_MODEL_INTERNAL_H
#define CLF_MODEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "classify/model.h"
#include "format.h"

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
    uint64_t checksum;         /* the verified XXH3-64 of the file */
    char id[CLF__MAX_NAME + 24]; /* "name@1a2b3c4d" (clf_model_id) */
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
     * Both have 2^hash_bits entries. idf is built even for a model trained
     * without IDF (has_idf = 0: 1.0 for every known bucket) so the scorer
     * needs no branch; clf_model_idf() returns NULL for such a model.
     */
    uint32_t *row_of;
    float *idf;
    int has_idf;
    /* row_of and idf live in one block (load.c allocates it, large ones
     * with mmap so that they can use huge pages) */
    void *tables;
    size_t tables_size;
    int tables_mapped;
    /* n_rows x n_cats weights, row-major; points into the file for f32
     * weights, or to an owned dequantized copy (weights_owned = 1). */
    const float *weights;
    int weights_owned;
    int weights_mapped;        /* the owned copy is an mmap (load.c) */
    /*
     * The scorer's layout, built at load: row r is rows[r * row_stride]
     * = { idf, w_0 .. w_{n_cats-1} }, so one lookup of row_of[] and one
     * cache line give everything a feature needs.
     */
    float *rows;
    size_t row_stride;         /* n_cats + 1 */
    size_t rows_size;
    int rows_mapped;
};

/* clf__model_row - row + 1 of a bucket the model knows, 0 otherwise. */
static inline uint32_t clf__model_row(const clf_model *m, uint32_t bucket)
{
    return m->row_of[bucket];
}

/* clf__model_row_idf - the IDF of row r (1 for a model without IDF). */
static inline float clf__model_row_idf(const clf_model *m, uint32_t r)
{
    return m->rows[(size_t)r * m->row_stride];
}

/* clf__model_row_weight - category k's weight of row r. */
static inline float clf__model_row_weight(const clf_model *m, uint32_t r, size_t k)
{
    return m->rows[(size_t)r * m->row_stride + 1 + k];
}

/*
 * Checks shared by the loader and the writer (training/model_write.c), so
 * that the writer can never produce a file the loader rejects. Each returns
 * CLF_OK or records a message beginning with `where` and returns the code.
 */

/* clf__model_check_options - option values within features.h/normalize.h ranges. */
int clf__model_check_options(const clf_norm_options *n, const clf_feature_options *f,
                             const char *where);

/* clf__model_check_name - 1..CLF__MAX_NAME bytes of valid UTF-8 without
 * control characters; `what` names the string ("category 2 name"). */
int clf__model_check_name(const char *s, size_t len, const char *what, const char *where);

/* clf__model_check_meta - a JSON object as the runtime accepts it without
 * parsing: valid UTF-8 without NUL, '{' first, '}' last before trailing
 * whitespace. */
int clf__model_check_meta(const char *s, size_t len, const char *where);

/* clf__model_checksum - XXH3-64 of a size >= 64 byte file with the header's
 * checksum field taken as zero. CLF_OK or CLF_E_NOMEM. */
int clf__model_checksum(const unsigned char *file, size_t size, uint64_t *out);

/* clf__host_little_endian - 1 on little-endian hosts, the only ones that
 * read or write model files (a clear error elsewhere). */
int clf__host_little_endian(void);

#endif /* CLF_MODEL_INTERNAL_H */
