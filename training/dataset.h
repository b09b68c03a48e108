/*
 * dataset.h - the documents of a recipe, read once and featurized once,
 * shared by every category's training: which categories each document is
 * an example for, its fold, and its liblinear vector.
 *
 * Vectors are built exactly as the scorer builds them: raw bucket counts
 * (clf__featurize_counts), buckets kept when their document frequency over
 * all training documents is >= min_df, x = tf_weight(count) * idf for kept
 * buckets with idf = ln((1 + N) / (1 + df)) + 1 stored as f32, then L2
 * normalization over the kept buckets. A feature's liblinear index is its
 * row (the rank of its bucket among the kept buckets) + 1, which preserves
 * bucket order and keeps liblinear's weight vectors small; the last node
 * before the terminator is the bias node (index n_rows + 1, value 1).
 *
 * With the recipe's features.drop_artefacts, a bucket that any training
 * document fills with an artefact feature (a word n-gram containing a
 * placeholder, punctuation or symbol token, or a character n-gram without
 * a letter or digit) gets no row: no category can learn from it, and the
 * scorer drops it like any unknown bucket, so a bare link, mention, emoji
 * or punctuation mark scores as the empty text does.
 */
#ifndef CLF_DATASET_H
#define CLF_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "progress.h"
#include "recipe.h"

struct feature_node;

enum { CLF_SPLIT_TRAIN = 0, CLF_SPLIT_DEV = 1, CLF_N_SPLITS = 2 };

typedef struct clf_doc {
    uint32_t corpus;          /* recipe corpus index */
    uint8_t split;            /* CLF_SPLIT_* */
    uint8_t fold;             /* cross-validation fold, from a hash of the normalized text */
    uint16_t words;           /* Arabic words of the normalized text, counted up to
                                 CLF__EVIDENCE_MAX_WORDS (the short-text shrinkage) */
    uint32_t line;            /* line in its file, for messages */
    uint64_t uses;            /* categories it is an example for */
    uint64_t positive;        /* those of them where it is positive */
    struct feature_node *x;   /* liblinear vector (into the dataset's arena) */
} clf_doc;

/* One corpus file (a corpus's train or dev split). */
typedef struct clf_corpus_file {
    int present;              /* the recipe names it */
    char *path;               /* root/rel */
    const char *rel;          /* as written in the recipe */
    uint64_t xxh3;            /* XXH3-64 (seed 0) of the file's bytes */
    size_t rows;              /* rows read */
    size_t docs;              /* documents made of them (more than rows when train_unit cuts them) */
    size_t skipped;           /* rows skipped (--skip-bad-rows) */
} clf_corpus_file;

typedef struct clf_dataset {
    size_t n_docs;
    clf_doc *docs;            /* in recipe corpus order, train before dev, file order */
    size_t n_train;           /* training documents (the N of the IDF) */
    size_t n_corpora;
    clf_corpus_file (*files)[CLF_N_SPLITS];
    size_t skipped;           /* total rows skipped */

    size_t n_rows;            /* kept buckets */
    uint32_t *buckets;        /* n_rows, increasing */
    float *idf;               /* n_rows */
    size_t n_distinct;        /* buckets seen in training before min_df */
    size_t n_artefact_rows;   /* rows left out as source artefacts (drop_artefacts) */

    struct feature_node *arena;
    size_t arena_len;
} clf_dataset;

typedef struct clf_dataset_options {
    const char *corpora_root; /* required: clf_recipe_root() of the recipe */
    unsigned int threads;     /* >= 1 */
    int skip_bad_rows;        /* skip and count malformed rows and unknown labels */
    clf_progress *progress;   /* may be NULL */
} clf_dataset_options;

/*
 * clf_dataset_load - read every corpus file of the recipe, map labels,
 * featurize (on o->threads threads), compute document frequencies and
 * build the vectors.
 * Errors: CLF_E_IO (a file is missing: the message names it), CLF_E_PARSE
 * and CLF_E_UTF8 (a malformed row: "file:line: ..."), CLF_E_LABEL (a label
 * the recipe does not map: "file:line: ..."), CLF_E_NOMEM, CLF_E_TRAIN (no
 * training document), and the featurizer's errors.
 */
int clf_dataset_load(clf_dataset **out, const clf_recipe *r, const clf_dataset_options *o);

void clf_dataset_free(clf_dataset *d);

/*
 * clf_fold_of - the one fold rule of training (its inner folds, seed = the
 * recipe's seed) and of `classify eval --cv` (outer folds, seed =
 * clf_cv_outer_seed(recipe seed)): XXH3-64 of the document's NORMALIZED
 * text (the recipe's normalization) with seed, modulo folds. Texts that
 * normalize alike (duplicates differing in diacritics, tatweel, look-alike
 * letters) always share a fold, so none is on both sides of one.
 */
unsigned int clf_fold_of(const char *norm, size_t len, uint64_t seed, unsigned int folds);

/* clf_cv_outer_seed - the seed of eval --cv's outer folds: not the recipe's
 * own seed, or the trainer's inner folds inside an outer training set would
 * repeat the outer split (one inner fold would be empty). */
uint64_t clf_cv_outer_seed(uint64_t recipe_seed);

#endif /* CLF_DATASET_H */
