/*
 * metrics.h - the one metrics module of training/ and eval/: binary
 * classification metrics as pure functions over arrays, with one meaning
 * for undefined values, ties and threshold placement wherever a model is
 * selected (training) or measured (eval).
 *
 * Every function takes n items: scores (higher = more likely positive; for
 * calibration metrics, probabilities in [0,1]), labels (0 = negative,
 * anything else = positive) and optional weights (NULL = every item has
 * weight 1; the bootstrap passes resampling counts here). A decision at
 * threshold t flags an item when score >= t, as clf_score() does.
 *
 * The definitions follow scikit-learn (1.2) and are checked against it by
 * tests/test_metrics.c; docs/eval.md states each one. A metric that is
 * undefined on the data (precision with nothing flagged, recall or average
 * precision without positives, ROC AUC with one class) is NaN, never a
 * made-up 0: callers print it as "n/a" and write it as JSON null.
 * Tied scores always form one step (one curve point): no metric depends on
 * the order of tied items. A threshold chosen from a curve point (training's
 * threshold, eval's operating points) is placed halfway between the point's
 * score and the next lower score (clf_operating_point.placed), so it never
 * sits on an example and flags the same items of this data as the point.
 *
 * Scores must not be NaN (the functions that sort reject them).
 * Nothing here allocates except clf_curve_build() and clf_eval_order().
 */
#ifndef CLF_METRICS_H
#define CLF_METRICS_H

#include <stddef.h>

/* Weighted confusion counts (integers unless weights are fractional). */
typedef struct clf_eval_confusion {
    double tp, fp, fn, tn;
} clf_eval_confusion;

/* clf_eval_confusion_at - counts of the decision score >= threshold. */
void clf_eval_confusion_at(clf_eval_confusion *out, const double *scores, const unsigned char *labels,
                      const double *weights, size_t n, double threshold);

/* clf_eval_confusion_add - *acc += *c (for micro averages and pooling). */
void clf_eval_confusion_add(clf_eval_confusion *acc, const clf_eval_confusion *c);

/* tp / (tp + fp); NaN when nothing is flagged. */
double clf_eval_precision(const clf_eval_confusion *c);
/* tp / (tp + fn); NaN when there are no positives. */
double clf_eval_recall(const clf_eval_confusion *c);
/* 2tp / (2tp + fp + fn), the harmonic mean of precision and recall where
 * both exist; 0 when positives exist but none is found; NaN when there are
 * no positives and nothing is flagged. */
double clf_eval_f1(const clf_eval_confusion *c);
/* (tp + fp) / total: the share of items flagged; NaN when total is 0. */
double clf_eval_flag_rate(const clf_eval_confusion *c);

/*
 * clf_eval_order - *order receives a malloc'ed permutation of 0..n-1 that
 * sorts scores in decreasing order (ties by increasing index). Returns 0,
 * or -1 on allocation failure or a NaN score (*order is then NULL).
 */
int clf_eval_order(size_t **order, const double *scores, size_t n);

/*
 * The ranking curve: one point per distinct score, in decreasing order of
 * score, with the weighted counts of positives (tp) and negatives (fp) whose
 * score is >= that threshold. Tied scores share one point, so ties are
 * handled as scikit-learn's _binary_clf_curve does. Items of weight 0 are
 * left out.
 */
typedef struct clf_curve_point {
    double threshold;
    double tp, fp;
} clf_curve_point;

typedef struct clf_curve {
    size_t n;                /* number of points */
    clf_curve_point *points; /* malloc'ed; reused across clf_curve_build calls */
    size_t cap;
    double pos, neg;         /* total weight of positives and negatives */
} clf_curve;

#define CLF_CURVE_INIT { 0, NULL, 0, 0.0, 0.0 }

/*
 * clf_curve_build - compute the curve of (scores, labels, weights). order,
 * if not NULL, is clf_eval_order()'s permutation for these scores (saves
 * the sort when the same scores are re-weighted many times). The curve's
 * buffer is grown as needed and reused. Returns 0, or -1 on allocation
 * failure or a NaN score.
 */
int clf_curve_build(clf_curve *c, const double *scores, const unsigned char *labels,
                    const double *weights, size_t n, const size_t *order);

/* clf_curve_free - free the points (the struct itself is the caller's). */
void clf_curve_free(clf_curve *c);

/*
 * clf_curve_average_precision - sum over the points of
 * (R_i - R_{i-1}) * P_i with R_0 = 0: the step-wise area under the
 * precision-recall curve (sklearn average_precision_score; no
 * interpolation). NaN without positives.
 */
double clf_curve_average_precision(const clf_curve *c);

/*
 * clf_curve_roc_auc - trapezoidal area under the ROC curve through (0,0)
 * and every point (FPR_i, TPR_i) (sklearn roc_auc_score); equals the
 * probability that a random positive outscores a random negative, ties
 * counting one half. NaN unless both classes are present.
 */
double clf_curve_roc_auc(const clf_curve *c);

/* An operating point of the curve. */
typedef struct clf_operating_point {
    double threshold;   /* the point's score: flag score >= threshold */
    double placed;      /* where a chosen threshold goes: halfway to the next lower score
                         * (to 0 below the last point); flags the same items here */
    double precision, recall, flag_rate;
    double tp, fp;
} clf_operating_point;

/* clf_curve_point_at - the operating point of point i. */
void clf_curve_point_at(const clf_curve *c, size_t i, clf_operating_point *op);

/*
 * clf_curve_best_precision_at_recall - among thresholds whose recall is
 * >= min_recall, the one with the highest precision (ties: the highest
 * threshold). Returns 1 and fills *op, or 0 when no threshold reaches that
 * recall (never happens for min_recall <= 1 with positives) or without
 * positives.
 */
int clf_curve_best_precision_at_recall(const clf_curve *c, double min_recall,
                                       clf_operating_point *op);

/*
 * clf_curve_best_recall_at_precision - among thresholds whose precision is
 * >= min_precision, the one with the highest recall (ties: the highest
 * threshold). Returns 1 and fills *op, or 0 when no threshold is that
 * precise.
 */
int clf_curve_best_recall_at_precision(const clf_curve *c, double min_precision,
                                       clf_operating_point *op);

/*
 * clf_curve_best_f1 - the point of highest F1 = 2tp / (tp + fp + pos)
 * (ties: the highest threshold). Returns 1 and fills *op, or 0 without
 * positives.
 */
int clf_curve_best_f1(const clf_curve *c, clf_operating_point *op, double *f1);

/*
 * Calibration. Bin k of nbins holds the probabilities p with
 * e_k < p <= e_{k+1}, where e_k = k * (1.0 / nbins) in double precision,
 * and bin 0 also holds p <= e_1 (p = 0): the bins of sklearn's
 * calibration_curve(strategy="uniform"). Probabilities outside [0,1] are
 * clamped into the first or last bin.
 */
typedef struct clf_calib_bin {
    double lo, hi;       /* bin edges */
    double weight;       /* items in the bin */
    double mean_score;   /* mean predicted probability (NaN when empty) */
    double frac_pos;     /* observed share of positives (NaN when empty) */
} clf_calib_bin;

/* clf_reliability - fill bins[0..nbins-1]; nbins >= 1. */
void clf_reliability(clf_calib_bin *bins, size_t nbins, const double *scores,
                     const unsigned char *labels, const double *weights, size_t n);

/*
 * clf_expected_calibration_error - sum over bins of
 * (weight_b / total) * |frac_pos_b - mean_score_b|. NaN when empty.
 */
double clf_expected_calibration_error(const clf_calib_bin *bins, size_t nbins);

/* clf_brier - weighted mean of (p - y)^2 (sklearn brier_score_loss). NaN when empty. */
double clf_brier(const double *scores, const unsigned char *labels, const double *weights,
                 size_t n);

/*
 * clf_wilson_interval - the Wilson score interval at 95% (z = 1.959964) of
 * a proportion of k successes in n trials: unlike the normal
 * approximation it stays inside [0,1] and is not empty at k = 0 or k = n,
 * which is where functional test classes live. NaN bounds when n = 0.
 */
void clf_wilson_interval(size_t k, size_t n, double *lo, double *hi);

#endif /* CLF_METRICS_H */
