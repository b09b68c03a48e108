/*
 * threshold.c - threshold selection by F1 or by a precision target.
 */
#include "threshold.h"

#include <stdlib.h>

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
    size_t *o;
    int rc = clf_rank_desc(p, n, &o);
    if (rc != CLF_OK)
        return rc;

    /* Walk the distinct probabilities from high to low; after each group,
     * flagging p >= that value gives tp/fp. */
    double best_f1 = -1.0, best_f1_t = 0.0, best_f1_p = 0.0, best_f1_r = 0.0;
    int have_prec = 0;
    double prec_t = 0.0, prec_p = 0.0, prec_r = 0.0, prec_f1 = 0.0;
    size_t tp = 0, flagged = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[o[j]] == p[o[i]]) {
            tp += y[o[j]] != 0;
            j++;
        }
        flagged = j;
        double lower = j < n ? p[o[j]] : 0.0;
        double t = 0.5 * (p[o[i]] + lower);
        if (t > p[o[i]] || t <= lower) /* rounding: keep lower < t <= value */
            t = p[o[i]];
        double precision = (double)tp / (double)flagged;
        double recall = (double)tp / (double)npos;
        double f1 = 2.0 * (double)tp / (double)(flagged + npos);
        if (f1 > best_f1) {
            best_f1 = f1;
            best_f1_t = t;
            best_f1_p = precision;
            best_f1_r = recall;
        }
        if (precision >= target) {
            have_prec = 1; /* keep going: the lowest such threshold wins */
            prec_t = t;
            prec_p = precision;
            prec_r = recall;
            prec_f1 = f1;
        }
        i = j;
    }
    free(o);

    out->target_reached = 1;
    if (rule == CLF_THRESHOLD_PRECISION && have_prec) {
        out->threshold = prec_t;
        out->precision = prec_p;
        out->recall = prec_r;
        out->f1 = prec_f1;
        return CLF_OK;
    }
    if (rule == CLF_THRESHOLD_PRECISION)
        out->target_reached = 0;
    out->threshold = best_f1_t;
    out->precision = best_f1_p;
    out->recall = best_f1_r;
    out->f1 = best_f1;
    return CLF_OK;
}
