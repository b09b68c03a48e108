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
    clf_operating_point op;
    double f1 = 0;
    out->target_reached = 1;
    int have = rule == CLF_THRESHOLD_PRECISION && clf_curve_best_recall_at_precision(&c, target, &op);
    if (have) {
        f1 = 2 * op.tp / (op.tp + op.fp + c.pos);
    } else {
        if (rule == CLF_THRESHOLD_PRECISION)
            out->target_reached = 0;
        clf_curve_best_f1(&c, &op, &f1);
    }
    clf_curve_free(&c);
    out->threshold = op.placed;
    out->precision = op.precision;
    out->recall = op.recall;
    out->f1 = f1;
    return CLF_OK;
}
