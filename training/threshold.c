/*
 * threshold.c - threshold selection by F1 or by a precision target, on the
 * ranking curve of the one metrics module (metrics.h), so that training
 * chooses thresholds by the same ties and placement that eval reports.
 */
#include "threshold.h"

#include <math.h>

#include "internal.h"
#include "metrics.h"

int clf_choose_threshold(const double *p, const unsigned char *y, size_t n,
                         clf_threshold_rule rule, double target, clf_threshold_choice *out)
{
    return clf_choose_threshold_above(p, y, n, rule, -INFINITY, target, out);
}

int clf_choose_threshold_above(const double *p, const unsigned char *y, size_t n,
                               clf_threshold_rule rule, double t_min, double target,
                               clf_threshold_choice *out)
{
    size_t npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += y[i] != 0;
    if (npos == 0)
        return clf__error(CLF_E_TRAIN, "cannot choose a threshold without positive examples");
    clf_curve c = CLF_CURVE_INIT;
    if (clf_curve_build(&c, p, y, NULL, n, NULL) != 0) {
        clf_curve_free(&c);
        return clf__error(CLF_E_NOMEM, "out of memory (or a NaN probability) choosing a threshold");
    }
    /* Only thresholds above t_min keep the flag-rate caps: the points are
     * in decreasing order of score, so keep the head of the curve. */
    size_t keep = 0;
    while (keep < c.n && c.points[keep].threshold > t_min)
        keep++;
    out->target_reached = 1;
    if (keep == 0) {
        /* nothing can be flagged within the caps */
        clf_curve_free(&c);
        if (rule == CLF_THRESHOLD_PRECISION)
            out->target_reached = 0;
        out->threshold = nextafter(t_min, INFINITY);
        out->precision = NAN;
        out->recall = 0.0;
        out->f1 = 0.0;
        return CLF_OK;
    }
    int truncated = keep < c.n;
    c.n = keep;
    clf_operating_point op;
    double f1 = 0;
    int have = rule == CLF_THRESHOLD_PRECISION && clf_curve_best_recall_at_precision(&c, target, &op);
    if (have) {
        f1 = 2 * op.tp / (op.tp + op.fp + c.pos);
    } else {
        if (rule == CLF_THRESHOLD_PRECISION)
            out->target_reached = 0;
        clf_curve_best_f1(&c, &op, &f1);
    }
    clf_curve_free(&c);
    /* the last kept point was placed towards 0: keep it above the floor */
    if (truncated && !(op.placed > t_min)) {
        op.placed = 0.5 * (op.threshold + t_min);
        if (!(op.placed > t_min && op.placed <= op.threshold))
            op.placed = op.threshold;
    }
    out->threshold = op.placed;
    out->precision = op.precision;
    out->recall = op.recall;
    out->f1 = f1;
    return CLF_OK;
}
