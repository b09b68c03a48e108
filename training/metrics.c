/*
 * metrics.c - binary classification metrics for training and evaluation
 * (see metrics.h for the definitions).
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

static double weight_of(const double *weights, size_t i)
{
    return weights ? weights[i] : 1.0;
}

void clf_eval_confusion_at(clf_eval_confusion *out, const double *scores, const unsigned char *labels,
                      const double *weights, size_t n, double threshold)
{
    clf_eval_confusion c = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        double w = weight_of(weights, i);
        int flagged = scores[i] >= threshold;
        if (labels[i])
            *(flagged ? &c.tp : &c.fn) += w;
        else
            *(flagged ? &c.fp : &c.tn) += w;
    }
    *out = c;
}

void clf_eval_confusion_add(clf_eval_confusion *acc, const clf_eval_confusion *c)
{
    acc->tp += c->tp;
    acc->fp += c->fp;
    acc->fn += c->fn;
    acc->tn += c->tn;
}

double clf_eval_precision(const clf_eval_confusion *c)
{
    double d = c->tp + c->fp;
    return d > 0 ? c->tp / d : NAN;
}

double clf_eval_recall(const clf_eval_confusion *c)
{
    double d = c->tp + c->fn;
    return d > 0 ? c->tp / d : NAN;
}

double clf_eval_f1(const clf_eval_confusion *c)
{
    /* This form needs no special case when precision is undefined but
     * positives exist (F1 = 0), unlike 2PR/(P+R). */
    double d = 2 * c->tp + c->fp + c->fn;
    return d > 0 ? 2 * c->tp / d : NAN;
}

double clf_eval_flag_rate(const clf_eval_confusion *c)
{
    double d = c->tp + c->fp + c->fn + c->tn;
    return d > 0 ? (c->tp + c->fp) / d : NAN;
}

/* ---- sorting ---------------------------------------------------------- */

typedef struct scored {
    double score;
    size_t index;
} scored;

static int cmp_scored_desc(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->score > y->score) return -1;
    if (x->score < y->score) return 1;
    return (x->index > y->index) - (x->index < y->index);
}

int clf_eval_order(size_t **order, const double *scores, size_t n)
{
    *order = NULL;
    size_t *o = malloc((n ? n : 1) * sizeof *o);
    scored *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!o || !tmp) {
        free(o);
        free(tmp);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (isnan(scores[i])) {
            free(o);
            free(tmp);
            return -1;
        }
        tmp[i].score = scores[i];
        tmp[i].index = i;
    }
    qsort(tmp, n, sizeof *tmp, cmp_scored_desc);
    for (size_t i = 0; i < n; i++)
        o[i] = tmp[i].index;
    free(tmp);
    *order = o;
    return 0;
}

/* ---- ranking curve ---------------------------------------------------- */

int clf_curve_build(clf_curve *c, const double *scores, const unsigned char *labels,
                    const double *weights, size_t n, const size_t *order)
{
    size_t *own = NULL;
    if (!order) {
        if (clf_eval_order(&own, scores, n) != 0)
            return -1;
        order = own;
    }
    if (c->cap < n || !c->points) {
        size_t cap = n ? n : 1;
        clf_curve_point *p = realloc(c->points, cap * sizeof *p);
        if (!p) {
            free(own);
            return -1;
        }
        c->points = p;
        c->cap = cap;
    }
    double tp = 0, fp = 0;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        double w = weight_of(weights, i);
        if (w == 0)
            continue;
        if (labels[i])
            tp += w;
        else
            fp += w;
        /* A point closes where the next kept item has a lower score. */
        size_t next = k + 1;
        while (next < n && weight_of(weights, order[next]) == 0)
            next++;
        if (next == n || scores[order[next]] < scores[i]) {
            c->points[m].threshold = scores[i];
            c->points[m].tp = tp;
            c->points[m].fp = fp;
            m++;
        }
    }
    c->n = m;
    c->pos = tp;
    c->neg = fp;
    free(own);
    return 0;
}

void clf_curve_free(clf_curve *c)
{
    if (!c)
        return;
    free(c->points);
    c->points = NULL;
    c->cap = c->n = 0;
}

double clf_curve_average_precision(const clf_curve *c)
{
    if (!(c->pos > 0))
        return NAN;
    double ap = 0, prev_recall = 0;
    for (size_t i = 0; i < c->n; i++) {
        const clf_curve_point *p = &c->points[i];
        double recall = p->tp / c->pos;
        /* Points with tp = 0 add no recall, so their undefined precision
         * never matters. */
        if (recall > prev_recall)
            ap += (recall - prev_recall) * (p->tp / (p->tp + p->fp));
        prev_recall = recall;
    }
    return ap;
}

double clf_curve_roc_auc(const clf_curve *c)
{
    if (!(c->pos > 0) || !(c->neg > 0))
        return NAN;
    /* Trapezoids on raw counts, normalized once at the end. */
    double area = 0, tp0 = 0, fp0 = 0;
    for (size_t i = 0; i < c->n; i++) {
        const clf_curve_point *p = &c->points[i];
        area += (p->fp - fp0) * (p->tp + tp0) / 2;
        tp0 = p->tp;
        fp0 = p->fp;
    }
    return area / (c->pos * c->neg);
}

void clf_curve_point_at(const clf_curve *c, size_t i, clf_operating_point *op)
{
    const clf_curve_point *p = &c->points[i];
    op->threshold = p->threshold;
    double lower = i + 1 < c->n ? c->points[i + 1].threshold : 0.0;
    op->placed = 0.5 * (p->threshold + lower);
    if (!(op->placed <= p->threshold && op->placed > lower)) /* rounding, or scores <= 0 */
        op->placed = p->threshold;
    op->tp = p->tp;
    op->fp = p->fp;
    op->precision = p->tp + p->fp > 0 ? p->tp / (p->tp + p->fp) : NAN;
    op->recall = c->pos > 0 ? p->tp / c->pos : NAN;
    double total = c->pos + c->neg;
    op->flag_rate = total > 0 ? (p->tp + p->fp) / total : NAN;
}

/*
 * The operating point that maximizes one of precision and recall among
 * those where the other reaches `level` (first such point on ties).
 */
static int best_point(const clf_curve *c, int maximize_precision, double level,
                      clf_operating_point *op)
{
    if (!(c->pos > 0))
        return 0;
    int found = 0;
    for (size_t i = 0; i < c->n; i++) {
        clf_operating_point cur;
        clf_curve_point_at(c, i, &cur);
        double floor_metric = maximize_precision ? cur.recall : cur.precision;
        double gain = maximize_precision ? cur.precision : cur.recall;
        double best = maximize_precision ? op->precision : op->recall;
        if (floor_metric >= level && (!found || gain > best)) {
            *op = cur;
            found = 1;
        }
    }
    return found;
}

int clf_curve_best_precision_at_recall(const clf_curve *c, double min_recall,
                                       clf_operating_point *op)
{
    return best_point(c, 1, min_recall, op);
}

int clf_curve_best_recall_at_precision(const clf_curve *c, double min_precision,
                                       clf_operating_point *op)
{
    return best_point(c, 0, min_precision, op);
}

int clf_curve_best_f1(const clf_curve *c, clf_operating_point *op, double *f1)
{
    if (!(c->pos > 0))
        return 0;
    double best = -1;
    for (size_t i = 0; i < c->n; i++) {
        const clf_curve_point *p = &c->points[i];
        double f = 2 * p->tp / (p->tp + p->fp + c->pos);
        if (f > best) {
            best = f;
            clf_curve_point_at(c, i, op);
        }
    }
    *f1 = best;
    return best >= 0;
}

/* ---- calibration ------------------------------------------------------ */

void clf_reliability(clf_calib_bin *bins, size_t nbins, const double *scores,
                     const unsigned char *labels, const double *weights, size_t n)
{
    double step = 1.0 / (double)nbins;
    /* mean_score and frac_pos accumulate sums first, then become means. */
    for (size_t k = 0; k < nbins; k++) {
        bins[k].lo = (double)k * step;
        bins[k].hi = k + 1 == nbins ? 1.0 : (double)(k + 1) * step;
        bins[k].weight = bins[k].mean_score = bins[k].frac_pos = 0;
    }
    for (size_t i = 0; i < n; i++) {
        double p = scores[i], w = weight_of(weights, i);
        /* Bin = number of inner edges strictly below p (numpy searchsorted,
         * side "left"), so p on an edge belongs to the lower bin. */
        size_t lo = 0, hi = nbins - 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((double)(mid + 1) * step < p)
                lo = mid + 1;
            else
                hi = mid;
        }
        bins[lo].weight += w;
        bins[lo].mean_score += w * p;
        bins[lo].frac_pos += labels[i] ? w : 0;
    }
    for (size_t k = 0; k < nbins; k++) {
        if (bins[k].weight > 0) {
            bins[k].mean_score /= bins[k].weight;
            bins[k].frac_pos /= bins[k].weight;
        } else {
            bins[k].mean_score = bins[k].frac_pos = NAN;
        }
    }
}

double clf_expected_calibration_error(const clf_calib_bin *bins, size_t nbins)
{
    double total = 0, ece = 0;
    for (size_t k = 0; k < nbins; k++)
        total += bins[k].weight;
    if (!(total > 0))
        return NAN;
    for (size_t k = 0; k < nbins; k++)
        if (bins[k].weight > 0)
            ece += bins[k].weight / total * fabs(bins[k].frac_pos - bins[k].mean_score);
    return ece;
}

double clf_brier(const double *scores, const unsigned char *labels, const double *weights,
                 size_t n)
{
    double total = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        double w = weight_of(weights, i), d = scores[i] - (labels[i] ? 1.0 : 0.0);
        total += w;
        sum += w * d * d;
    }
    return total > 0 ? sum / total : NAN;
}

void clf_wilson_interval(size_t k, size_t n, double *lo, double *hi)
{
    if (n == 0 || k > n) {
        *lo = *hi = NAN;
        return;
    }
    const double z = 1.959963984540054, z2 = z * z;
    double nn = (double)n, p = (double)k / nn;
    double denom = 1.0 + z2 / nn;
    double center = (p + z2 / (2.0 * nn)) / denom;
    double half = z / denom * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
    *lo = k == 0 ? 0.0 : center - half;
    *hi = k == n ? 1.0 : center + half;
}
