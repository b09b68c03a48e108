/*
 * featurize_internal.h - the raw output of feature extraction, used by the
 * scorer (libclassify/score/) and training (training/). Not installed.
 */
#ifndef CLF_FEATURIZE_INTERNAL_H
#define CLF_FEATURIZE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "classify/features.h"
#include "classify/model.h"
#include "classify/normalize.h"

/* One distinct bucket of a document and its raw term frequency. */
typedef struct clf__count {
    uint32_t bucket;
    uint32_t count;
} clf__count;

/*
 * clf__featurize_counts - normalize and extract features, giving each
 * distinct bucket once with its raw count. If sorted is non-zero the array
 * is in increasing bucket order, otherwise in an unspecified order (faster:
 * the scorer does not need the order). The array belongs to the featurizer
 * and is valid until its next call. *truncated may be NULL.
 * Errors: as clf_normalize(), CLF_E_NOMEM, CLF_E_STEMMER.
 */
int clf__featurize_counts(clf_featurizer *f, const char *text, size_t len, int sorted,
                          const clf__count **counts, size_t *n, int *truncated);

/* A distinct bucket of a document that a model knows: its row
 * (clf__model_row() - 1) and raw term frequency. */
typedef struct clf__hit {
    uint32_t row;
    uint32_t count;
} clf__hit;

/*
 * clf__featurize_hits - normalize and extract features as
 * clf__featurize_counts() does, and give the distinct buckets that model m
 * knows as their rows, with their counts, in order of first appearance
 * (buckets m never saw are dropped, as in training): what the scorer
 * sums. f must compute m's features (made from clf_model_options()). The
 * array belongs to the featurizer and is valid until its next call.
 * Errors: as clf__featurize_counts().
 */
int clf__featurize_hits(clf_featurizer *f, const clf_model *m, const char *text, size_t len,
                        const clf__hit **hits, size_t *n, int *truncated);

/*
 * clf__featurize_normalized - extract features from an already-normalized
 * text (tokens separated by single spaces, no leading/trailing space), as
 * clf__featurize_counts() does after normalizing. The text must stay valid
 * until the next call. Used by tests and by callers that normalize
 * themselves. Errors: CLF_E_UTF8, CLF_E_TOO_LARGE, CLF_E_NOMEM, CLF_E_STEMMER.
 */
int clf__featurize_normalized(clf_featurizer *f, const char *norm, size_t len, int sorted,
                              const clf__count **counts, size_t *n);

/*
 * clf__featurizer_normalized - the normalized text of the last call
 * (valid until the next call).
 */
const char *clf__featurizer_normalized(const clf_featurizer *f, size_t *len);

/*
 * clf__featurizer_arabic_words - the amount of Arabic text of the last
 * call's normalized text in words, counted by its tokenizer as it went
 * (no second pass): its space-separated tokens that hold an Arabic letter
 * (clf__is_arabic_letter), each one word (format 5) or, by_letters, a
 * token of L letters as 1 + (L - 1) / CLF__EVIDENCE_WORD_LETTERS words
 * (format 6); not capped.
 */
size_t clf__featurizer_arabic_words(const clf_featurizer *f, int by_letters);

/* clf__featurizer_normalizer - the featurizer's normalizer (explanations
 * turn its offset map on around one call). */
clf_normalizer *clf__featurizer_normalizer(clf_featurizer *f);

/*
 * clf__feature_hash - the 64-bit hash of a feature text of family fam
 * (UTF-8 bytes) under f's seed and feature revision; its top hash_bits
 * bits are the bucket. For tests and tools: extraction hashes in place.
 */
uint64_t clf__feature_hash(const clf_featurizer *f, unsigned int family, const char *text,
                           size_t len);

/* clf__featurizer_options - the options the featurizer was built with
 * (feature_revision resolved: never 0). */
const clf_feature_options *clf__featurizer_options(const clf_featurizer *f);

/*
 * clf__tf_weight - the term-frequency weight of a raw count under the
 * featurizer's options (1 + ln c when sublinear, c otherwise). Shared so
 * that training, scoring and clf_featurize() weight identically.
 */
float clf__tf_weight(const clf_feature_options *o, uint32_t count);

/* clf__featurizer_set_max_bytes - the input limit of f's normalizer
 * (0 = none); see clf_scorer_set_max_bytes(). */
void clf__featurizer_set_max_bytes(clf_featurizer *f, size_t max_bytes);
size_t clf__featurizer_max_bytes(const clf_featurizer *f);

/* clf__stemmer_fingerprint - the stemmer's name and a hash of the stems it
 * gives fixed probe words ("snowball-arabic-utf8 stems:1a2b3c4d").
 * Errors: CLF_E_STEMMER, CLF_E_NOMEM. */
int clf__stemmer_fingerprint(char *out, size_t size);

#endif /* CLF_FEATURIZE_INTERNAL_H */
