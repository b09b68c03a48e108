/*
 * model_write.h - writing a trained model to a model file (the layout of
 * libclassify/model/format.h, described in docs/model-format.md).
 *
 * Training fills a clf_model_spec with what it learned and calls
 * clf_model_write(). The writer validates the spec with the same rules the
 * loader applies, so a file it writes always loads; the output is
 * byte-for-byte deterministic (no time stamps, no pointers, all padding
 * and reserved bytes zero), so the same spec gives the same file and the
 * same checksum.
 */
#ifndef CLF_MODEL_WRITE_H
#define CLF_MODEL_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "classify/features.h"
#include "classify/normalize.h"

/* How the weights are stored. */
typedef enum clf_model_weight_type {
    CLF_MODEL_WEIGHTS_F32 = 0, /* exact: 4 bytes per weight */
    CLF_MODEL_WEIGHTS_I16 = 1  /* per category q = round(w / scale), scale = max|w| / 32767:
                                  half the size, error <= scale / 2 per weight */
} clf_model_weight_type;

/* One category of the model. */
typedef struct clf_model_spec_category {
    const char *name;  /* 1..256 bytes of UTF-8, no control characters, unique */
    double threshold;  /* decision threshold on the probability, in [0,1] */
    double calib_a;    /* Platt: p = 1 / (1 + exp(calib_a * margin + calib_b)); finite, <= 0 */
    double calib_b;
    double bias;       /* added to w.x; finite */
    int report_only;   /* 1: scored but not flagged by default (an analyst signal,
                          clf_model_category_flags_by_default() says 0); 0 (the default):
                          flagged at its threshold */
    unsigned evidence_words; /* k of the short-text shrinkage (format version 5): a text of
                          n Arabic words has the margin bias + w.x * n / (n + k); 0 (the
                          default): none. At most 1000 */
} clf_model_spec_category;

/* One genre gate (format version 3): lowers category `category`'s margin
 * by weight * max(0, sigmoid(v.x + bias) - tau). */
typedef struct clf_model_spec_gate {
    const char *name;  /* the genre, "news": rules as category names; unique per category */
    size_t category;   /* < n_cats */
    double bias;       /* finite */
    double weight;     /* a: finite, >= 0 */
    double tau;        /* in [0,1] */
} clf_model_spec_gate;

/*
 * Everything a model file holds. Pointers are borrowed: the writer copies
 * what it needs and keeps nothing.
 *
 * Rows: the model's features are its rows, one per hashed bucket, in
 * strictly increasing bucket order. At scoring time a bucket that is not a
 * row is dropped from the vector before L2 normalization (as a word outside
 * the vocabulary would be), so the rows must be every bucket that training
 * kept, including those whose weights are all zero: do not prune rows of a
 * model that uses IDF or L2 normalization, or scores will differ from the
 * ones training measured.
 */
typedef struct clf_model_spec {
    const char *name;                     /* model name (the recipe's); rules as category names */
    clf_norm_options nopts;               /* options the model was trained with */
    clf_feature_options fopts;
    size_t n_cats;                        /* 1..256 */
    const clf_model_spec_category *cats;  /* n_cats entries */
    size_t n_rows;                        /* 0..2^hash_bits */
    const uint32_t *buckets;              /* n_rows, strictly increasing, < 2^hash_bits */
    const float *idf;                     /* n_rows IDF weights (finite, > 0), or NULL for
                                             a model trained without IDF */
    size_t n_gates;                       /* 0..64 */
    const clf_model_spec_gate *gates;     /* n_gates entries (NULL when none) */
    const float *weights;                 /* n_rows x (n_cats + n_gates), row-major (all
                                             categories of one row, then its gates); finite */
    clf_model_weight_type weight_type;
    const char *meta;                     /* training metadata: a JSON object as UTF-8 text
                                             (NULL = "{}"); stored as given */
} clf_model_spec;

/* clf_model_spec_init - zero *spec and set default options and f32 weights. */
void clf_model_spec_init(clf_model_spec *spec);

/*
 * clf_model_write - validate spec and write it as a model file at path.
 * The file is written to a temporary file in the same directory, flushed
 * to disk (fsync) and renamed over path, so readers see the old model or
 * the new one, never a partial file; on any error the temporary file is
 * removed and an existing file at path is left untouched. A new file gets
 * mode 0644; a replaced file keeps its mode. The writing is io/atomic.h's:
 * symlinks are followed, a device or FIFO is written through, the temp
 * file is removed on SIGINT/SIGTERM.
 * Errors: CLF_E_INVALID_ARG (the spec breaks a rule; clf_last_error()
 * names the field), CLF_E_IO (path and system error in the message),
 * CLF_E_NOMEM, CLF_E_INTERNAL (the written bytes failed the loader's
 * checks: a bug).
 */
int clf_model_write(const char *path, const clf_model_spec *spec);

/*
 * clf_model_write_buffer - the same file in memory: on success *out is a
 * malloc'ed buffer of *len bytes that the caller frees with free().
 * Errors: as clf_model_write() without CLF_E_IO.
 */
int clf_model_write_buffer(unsigned char **out, size_t *len, const clf_model_spec *spec);

#endif /* CLF_MODEL_WRITE_H */
