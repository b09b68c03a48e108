/*
 * cv.h - K-fold cross-validation of a recipe for `classify eval --cv K`.
 *
 * The train split of every recipe corpus is cut into K folds by training's
 * fold rule (clf_fold_of: a hash of the normalized text, so texts that
 * normalize alike share a fold), with an outer seed of its own. For each fold a
 * model is trained with training/train.h on the other K-1 folds, through a
 * temporary copy of the recipe whose corpora point at temporary TSV files,
 * and the held-out fold is scored with that model through the public API.
 * The out-of-fold scores of the selected corpora then go through the usual
 * evaluation (evaluate.h), so the report has the same metrics as a holdout
 * evaluation. Each fold model chooses its own threshold; decisions in the
 * report use one threshold per category, the median of the K fold
 * thresholds (or a --threshold override). Ranking and calibration metrics
 * do not depend on it.
 */
#ifndef CLF_EVAL_CV_H
#define CLF_EVAL_CV_H

#include <stddef.h>

#include "evaluate.h"
#include "recipe.h"

#define CLF_EVAL_CV_MAX_THRESHOLDS 64

typedef struct clf_eval_cv_options {
    unsigned int folds;             /* K, 2..20 */
    const char *corpora_root;       /* required: clf_recipe_root() of the recipe */
    unsigned int threads;           /* training threads, 0 = all CPUs */
    size_t errors_k;                /* error-analysis candidates per corpus and category */
    clf_eval_note_fn note;          /* progress and skipped rows, one line a call (NULL = silent) */
    void *note_ctx;
    int skip_bad_rows;              /* bad rows: stop (0) or skip and count (1), as training does */
    const clf_recipe *fold_recipe;  /* folds by this recipe's normalization and seed (NULL = the
                                     * recipe's own): two recipes cross-validated with the same
                                     * fold_recipe see the same folds, so they can be paired */
    const unsigned char *selected;  /* per recipe corpus: evaluate it (NULL = all); all train */
    size_t n_thr;                   /* threshold overrides */
    const char *thr_names[CLF_EVAL_CV_MAX_THRESHOLDS];
    double thr_values[CLF_EVAL_CV_MAX_THRESHOLDS];
} clf_eval_cv_options;

void clf_eval_cv_options_init(clf_eval_cv_options *o);

/*
 * clf_eval_cv_run - run the cross-validation; on success *out holds the
 * out-of-fold scores of the recipe's categories, one source per selected
 * corpus with a train split. Temporary files are removed.
 * Errors: those of the reader, clf_recipe_parse, clf_train, clf_model_load
 * and clf_score; CLF_E_IO (temporary directory), CLF_E_NOMEM.
 */
int clf_eval_cv_run(const clf_recipe *r, const clf_eval_cv_options *o, clf_eval_data **out);

#endif /* CLF_EVAL_CV_H */
