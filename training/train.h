/*
 * train.h - training a model from a recipe: one liblinear logistic
 * regression per category, C chosen by k-fold cross-validation on average
 * precision, Platt calibration on the out-of-fold margins, a decision
 * threshold, dev-split metrics, and the model file with its metadata.
 * docs/training.md describes the algorithm; the same recipe, corpora and
 * build give a byte-identical model file whatever the number of threads.
 */
#ifndef CLF_TRAIN_H
#define CLF_TRAIN_H

#include <stddef.h>

#include "progress.h"
#include "recipe.h"

typedef struct clf_train_options {
    const char *corpora_root;     /* required: clf_recipe_root() (plain relative paths) */
    unsigned int threads;         /* 0 = the number of online CPUs */
    int skip_bad_rows;            /* skip and count malformed rows and unknown labels */
    clf_train_progress_fn progress; /* may be NULL; called from several threads, serialized */
    void *progress_ud;
} clf_train_options;

#define CLF_TRAIN_OPTIONS_INIT { NULL, 0, 0, NULL, NULL }

/* Metrics of one category on one set of documents (NaN when undefined). */
typedef struct clf_train_metrics {
    size_t documents, positives, flagged;
    double precision, recall, f1, average_precision;
} clf_train_metrics;

typedef struct clf_train_category {
    const char *name;
    double C;                     /* chosen by cross-validation */
    double cv_average_precision;  /* out-of-fold AP at that C */
    double calib_a, calib_b;
    double threshold;
    int threshold_target_reached; /* 0: precision target missed, best F1 used */
    clf_train_metrics train;      /* out-of-fold, at the threshold */
    clf_train_metrics dev;        /* final model on the dev splits (shipped weights) */
    double dev_f1_f32, dev_f1_i16;/* dev F1 with each weight encoding */
} clf_train_category;

/* The names in a result point into the recipe: keep it alive while using it. */
typedef struct clf_train_result {
    size_t n_categories;
    clf_train_category *categories;
    size_t n_corpora;
    const char **corpus_names;    /* the recipe's corpora */
    double *dev_flag_rate;        /* [category * n_corpora + corpus]: share of the corpus's
                                     dev documents flagged; NaN without a dev split */
    size_t documents, train_documents, skipped_rows;
    size_t rows;                  /* kept feature buckets */
    double quant_max_abs_dp;      /* max |p_f32 - p_i16| over dev documents and categories */
    int weights_i16;              /* the encoding written */
    size_t file_size;             /* bytes of the model file */
} clf_train_result;

/*
 * clf_train - train the recipe's model and write it to out_path (atomically:
 * temporary file and rename). *result, if result is not NULL, receives a
 * summary to free with clf_train_result_free().
 * Errors: those of clf_dataset_load (missing file, malformed row, unknown
 * label: "file:line: ..."), CLF_E_TRAIN (a category without positive or
 * negative training examples, or a fold that leaves one class only; the
 * message names the category and the corpora), CLF_E_NOMEM, and the
 * model writer's errors (CLF_E_IO).
 */
int clf_train(const clf_recipe *r, const clf_train_options *o, const char *out_path,
              clf_train_result **result);

void clf_train_result_free(clf_train_result *res);

#endif /* CLF_TRAIN_H */
