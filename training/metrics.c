/*
 * metrics.c - average precision and thresholded precision / recall / F1.
 */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* qsort has no context argument: the scores travel with the indices. */
typedef struct ranked {
    double score;
    size_t index;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int clf_rank_desc(const double *score, size_t n, size_t **order)
{
    *order = NULL;
    ranked *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t *o = malloc((n ? n : 1) * sizeof *o);
    if (!tmp || !o) {
        free(tmp);
        free(o);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        tmp[i].score = score[i];
        tmp[i].index = i;
    }
    qsort(tmp, n, sizeof *tmp, cmp_ranked);
    for (size_t i = 0; i < n; i++)
        o[i] = tmp[i].index;
    free(tmp);
    *order = o;
    return CLF_OK;
}

int clf_average_precision(const double *score, const unsigned char *y, size_t n, double *ap)
{
    size_t npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += y[i] != 0;
    if (npos == 0) {
        *ap = NAN;
        return CLF_OK;
    }
    size_t *o;
    int rc = clf_rank_desc(score, n, &o);
    if (rc != CLF_OK)
        return rc;
    double sum = 0.0, prev_recall = 0.0;
    size_t tp = 0, seen = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && score[o[j]] == score[o[i]]) {
            tp += y[o[j]] != 0;
            j++;
        }
        seen = j;
        double recall = (double)tp / (double)npos;
        double precision = (double)tp / (double)seen;
        sum += (recall - prev_recall) * precision;
        prev_recall = recall;
        i = j;
    }
    free(o);
    *ap = sum;
    return CLF_OK;
}

void clf_confusion_at(const double *score, const unsigned char *y, size_t n, double threshold,
                      clf_confusion *c)
{
    c->tp = c->fp = c->fn = c->tn = 0;
    for (size_t i = 0; i < n; i++) {
        int flag = score[i] >= threshold;
        if (y[i])
            flag ? c->tp++ : c->fn++;
        else
            flag ? c->fp++ : c->tn++;
    }
}

double clf_precision(const clf_confusion *c)
{
    return c->tp + c->fp ? (double)c->tp / (double)(c->tp + c->fp) : 0.0;
}

double clf_recall(const clf_confusion *c)
{
    return c->tp + c->fn ? (double)c->tp / (double)(c->tp + c->fn) : 0.0;
}

double clf_f1(const clf_confusion *c)
{
    size_t d = 2 * c->tp + c->fp + c->fn;
    return d ? 2.0 * (double)c->tp / (double)d : 0.0;
}
