/*
 * classify/features.h - tokens and hashed n-gram features.
 *
 * A featurizer normalizes a text (classify/normalize.h), splits it into
 * tokens and emits hashed features of up to four families:
 *   word n-grams   "w:"  1..word_ngram_max consecutive tokens
 *   char n-grams   "c:"  char_ngram_min..char_ngram_max code points, either
 *                        inside each token padded with one space on each side
 *                        (like scikit-learn's char_wb) or over the whole
 *                        normalized text, across token boundaries
 *   stems          "s:"  libstemmer's Arabic stem of each Arabic token
 * Each feature's text is hashed (seeded, with the family in the seed; the
 * rule is the feature revision's) into one of 2^hash_bits buckets. Term frequencies are sublinear
 * (1 + ln tf), optionally multiplied by IDF weights, and the vector is
 * L2-normalized. The result has sorted, unique 0-based indices; add 1 for
 * liblinear's 1-based feature_node indices.
 */
#ifndef CLASSIFY_FEATURES_H
#define CLASSIFY_FEATURES_H

#include "common.h"
#include "normalize.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Character n-gram modes (clf_feature_options.char_mode). */
#define CLF_CHAR_WITHIN 0  /* inside tokens, padded with spaces (char_wb) */
#define CLF_CHAR_ACROSS 1  /* over the whole normalized text */
#define CLF_CHAR_BOTH   2  /* both (as separate families) */

/* Feature families (clf_feature_text.family). */
#define CLF_FAMILY_WORD       0
#define CLF_FAMILY_CHAR       1
#define CLF_FAMILY_CHAR_CROSS 2
#define CLF_FAMILY_STEM       3

#define CLF_FEATURE_OPTIONS_VERSION 2
/*
 * The newest revision of normalization + feature extraction (tokens,
 * n-grams, hashing, stems) that this library computes, and the oldest one
 * it still computes. A revision changes whenever any text may get a
 * different feature vector under the same options; a model records the
 * revision it was trained with and loads only where it is computed.
 *   1: XXH3 of each feature's UTF-8 bytes (docs/features.md, Hashing)
 *   2: a multiplicative hash chained over each feature's code points,
 *      char n-grams enumerated by position, then length
 */
#define CLF_FEATURE_REVISION 2
#define CLF_FEATURE_REVISION_MIN 1
#define CLF_MAX_WORD_NGRAM 5
#define CLF_MAX_CHAR_NGRAM 8
#define CLF_MIN_HASH_BITS 8
#define CLF_MAX_HASH_BITS 26

/*
 * Feature options. Initialize with CLF_FEATURE_OPTIONS_INIT or
 * clf_feature_options_init(). Every version from 1 to
 * CLF_FEATURE_OPTIONS_VERSION is accepted: a program built against an
 * older header passes its smaller struct and the newer fields keep their
 * defaults. Setting word_ngram_max or char_ngram_max to 0
 * switches that family off; stems = 0 switches stems off.
 */
typedef struct clf_feature_options {
    unsigned int version;        /* CLF_FEATURE_OPTIONS_VERSION */
    unsigned int word_ngram_max; /* 0..CLF_MAX_WORD_NGRAM, default 2 */
    unsigned int char_ngram_min; /* 1..char_ngram_max, default 2 */
    unsigned int char_ngram_max; /* 0..CLF_MAX_CHAR_NGRAM, default 5 */
    unsigned int char_mode;      /* CLF_CHAR_*, default CLF_CHAR_WITHIN */
    unsigned int stems;          /* 1 = Arabic stems, default 1 */
    unsigned int hash_bits;      /* CLF_MIN_HASH_BITS..CLF_MAX_HASH_BITS, default 20 */
    uint64_t hash_seed;          /* default 0 */
    unsigned int sublinear_tf;   /* 1 = 1 + ln(tf), 0 = raw tf; default 1 */
    unsigned int l2_normalize;   /* default 1 */
    /* Version 2. The feature revision to compute: 0 (the default) =
     * CLF_FEATURE_REVISION, else CLF_FEATURE_REVISION_MIN..
     * CLF_FEATURE_REVISION. clf_model_options() gives the model's, so a
     * featurizer built from it computes what the model was trained on.
     * A version-1 struct (without it) means 0. */
    unsigned int feature_revision;
} clf_feature_options;

#define CLF_FEATURE_OPTIONS_INIT \
    { CLF_FEATURE_OPTIONS_VERSION, 2, 2, 5, CLF_CHAR_WITHIN, 1, 20, 0, 1, 1, 0 }

/* clf_feature_options_init - fill *opts with the defaults. */
CLF_API void clf_feature_options_init(clf_feature_options *opts);

/* One entry of a sparse vector: a 0-based bucket and its weight. */
typedef struct clf_feature {
    uint32_t index;
    float value;
} clf_feature;

/* The text behind one feature, for explanations and inspection. */
typedef struct clf_feature_text {
    uint32_t index;      /* bucket */
    unsigned int family; /* CLF_FAMILY_* */
    const char *text;    /* n-gram as it appears after normalization (NUL-terminated) */
    uint32_t count;      /* raw term frequency in this document */
    float value;         /* final weight in the vector */
} clf_feature_text;

/* An opaque featurizer: a normalizer, a stemmer and scratch buffers. */
typedef struct clf_featurizer clf_featurizer;

/* A loaded model (classify/model.h); features.h only passes it along. */
typedef struct clf_model clf_model;

/*
 * clf_featurizer_new - create a featurizer.
 * nopts/fopts may be NULL for defaults; both are copied.
 * Errors: CLF_E_INVALID_ARG (bad option values, named in clf_last_error()),
 *         CLF_E_NOMEM, CLF_E_ICU, CLF_E_STEMMER.
 * Thread safety: holds a libstemmer object and scratch space, which must
 * not be shared: use one featurizer per thread.
 */
CLF_API int clf_featurizer_new(clf_featurizer **out, const clf_norm_options *nopts,
                               const clf_feature_options *fopts);

/* clf_featurizer_free - free a featurizer; NULL is a no-op. */
CLF_API void clf_featurizer_free(clf_featurizer *f);

/*
 * clf_featurize - normalize and featurize len bytes of UTF-8 text.
 *
 * model, when not NULL, gives the vector a model's view of the text: each
 * term frequency is multiplied by the model's IDF weight of its bucket,
 * and buckets the model never saw are dropped from the vector and from the
 * L2 norm, exactly as scoring does. The featurizer must have been created
 * with that model's options (clf_model_options()), else CLF_E_INVALID_ARG:
 * another model's tables would be read with the wrong buckets. NULL gives
 * unweighted features (idf 1, nothing dropped). Word n-grams never span
 * punctuation tokens.
 * On success *vec points to *n entries with strictly increasing indices.
 * The array belongs to the featurizer and stays valid until the next call
 * on it. An empty text gives *n == 0.
 * Errors: CLF_E_INVALID_ARG, those of clf_normalize(), CLF_E_NOMEM,
 * CLF_E_STEMMER, CLF_E_TOO_LARGE (over 2^31 distinct buckets; cannot
 * happen with the default max_bytes).
 */
CLF_API int clf_featurize(clf_featurizer *f, const char *text, size_t len,
                          const clf_model *model, const clf_feature **vec, size_t *n);

/*
 * clf_featurize_text - like clf_featurize(), but lists every distinct
 * (family, text) feature with its bucket, count and final weight, in order
 * of first appearance. Two texts that collide in one bucket are listed
 * separately with the same index and the bucket's weight. Features the
 * model never saw are listed with value 0.
 * The array and its strings belong to the featurizer, valid until the next
 * call on it. Slower than clf_featurize(): meant for inspection.
 */
CLF_API int clf_featurize_text(clf_featurizer *f, const char *text, size_t len,
                               const clf_model *model, const clf_feature_text **feats,
                               size_t *n);

/* clf_family_name - "word", "char", "char_cross", "stem", or "?"; static. */
CLF_API const char *clf_family_name(unsigned int family);

#ifdef __cplusplus
}
#endif
#endif /* CLASSIFY_FEATURES_H */
