/*
 * score.c - the scoring hot path: featurize, look up each bucket's row of
 * weights (all categories of one feature are adjacent), accumulate the
 * margins, calibrate.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "classify/score.h"
#include "features/featurize_internal.h"
#include "internal.h"
#include "model/model_internal.h"
#include "score_internal.h"

CLF_API int clf_scorer_new(clf_scorer **out, const clf_model *m)
{
    if (!out || !m)
        return clf__error(CLF_E_INVALID_ARG, "clf_scorer_new: NULL argument");
    *out = NULL;
    clf_scorer *s = calloc(1, sizeof *s);
    if (!s)
        return clf__error(CLF_E_NOMEM, "out of memory");
    s->model = m;
    s->thresholds = malloc(m->n_cats * sizeof *s->thresholds);
    s->acc = malloc(m->n_cats * sizeof *s->acc);
    if (!s->thresholds || !s->acc) {
        clf_scorer_free(s);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->n_cats; i++)
        s->thresholds[i] = m->cats[i].threshold;
    for (uint32_t c = 0; c < 64; c++)
        s->tf[c] = clf__tf_weight(&m->fopts, c);
    int rc = clf_featurizer_new(&s->feat, &m->nopts, &m->fopts);
    if (rc != CLF_OK) {
        clf_scorer_free(s);
        return rc;
    }
    *out = s;
    return CLF_OK;
}

CLF_API void clf_scorer_free(clf_scorer *s)
{
    if (!s)
        return;
    clf_featurizer_free(s->feat);
    free(s->thresholds);
    free(s->acc);
    free(s);
}

CLF_API int clf_scorer_set_threshold(clf_scorer *s, size_t i, double t)
{
    if (!s || i >= s->model->n_cats)
        return clf__error(CLF_E_INVALID_ARG, "threshold: category index out of range");
    if (isnan(t) || t > 1.0)
        return clf__error(CLF_E_INVALID_ARG, "threshold must be in [0,1]");
    s->thresholds[i] = t < 0 ? s->model->cats[i].threshold : t;
    return CLF_OK;
}

CLF_API double clf_scorer_threshold(const clf_scorer *s, size_t i)
{
    if (!s || i >= s->model->n_cats)
        return -1.0;
    return s->thresholds[i];
}

double clf__calibrate(const clf__category *c, double margin)
{
    double z = c->calib_a * margin + c->calib_b;
    /* exp() of a large z overflows to inf, which still gives p = 0 */
    return 1.0 / (1.0 + exp(z));
}

int clf__score_margins(clf_scorer *s, const char *text, size_t len, double *margins,
                       int *truncated)
{
    const clf_model *m = s->model;
    const size_t K = m->n_cats;
    const clf__count *counts;
    size_t n;
    int rc = clf__featurize_counts(s->feat, text, len, 0, &counts, &n, truncated);
    if (rc != CLF_OK)
        return rc;

    double *acc = s->acc;
    memset(acc, 0, K * sizeof *acc);
    double norm2 = 0.0;
    const clf_feature_options *fo = &m->fopts;
    /*
     * The lookups are random accesses into tables of megabytes: prefetch
     * the bucket's row index PF1 features ahead and its row (idf and
     * weights, adjacent) PF2 ahead, so that the misses overlap instead of
     * stalling one by one.
     */
    enum { PF1 = 16, PF2 = 8 };
    const uint32_t *row_of = m->row_of;
    const float *rows = m->rows;
    const size_t stride = m->row_stride;
    for (size_t j = 0; j < n; j++) {
        if (j + PF1 < n)
            __builtin_prefetch(&row_of[counts[j + PF1].bucket]);
        if (j + PF2 < n) {
            uint32_t pr = row_of[counts[j + PF2].bucket];
            if (pr)
                __builtin_prefetch(rows + (size_t)(pr - 1) * stride);
        }
        uint32_t r = row_of[counts[j].bucket];
        if (!r)
            continue; /* never seen in training: dropped, as in training */
        const float *row = rows + (size_t)(r - 1) * stride;
        uint32_t c = counts[j].count;
        double v = (double)(c < 64 ? s->tf[c] : clf__tf_weight(fo, c)) * row[0];
        norm2 += v * v;
        for (size_t k = 0; k < K; k++)
            acc[k] += v * row[1 + k];
    }
    double scale = (fo->l2_normalize && norm2 > 0.0) ? 1.0 / sqrt(norm2) : 1.0;
    for (size_t k = 0; k < K; k++)
        margins[k] = acc[k] * scale + m->cats[k].bias;
    return CLF_OK;
}

void clf__fill_results(const clf_scorer *s, const double *margins, clf_score_result *res,
                       int *nflagged)
{
    int f = 0;
    for (size_t k = 0; k < s->model->n_cats; k++) {
        res[k].margin = margins[k];
        res[k].probability = clf__calibrate(&s->model->cats[k], margins[k]);
        res[k].flagged = res[k].probability >= s->thresholds[k];
        f += res[k].flagged;
    }
    *nflagged = f;
}

CLF_API int clf_score(clf_scorer *s, const char *text, size_t len, clf_score_result *results,
                      int *truncated)
{
    if (!s || !results || (!text && len))
        return clf__error(CLF_E_INVALID_ARG, "clf_score: NULL argument");
    if (!text)
        text = "";
    double stackm[16];
    double *margins = s->model->n_cats <= 16 ? stackm : malloc(s->model->n_cats * sizeof *margins);
    if (!margins)
        return clf__error(CLF_E_NOMEM, "out of memory");
    int rc = clf__score_margins(s, text, len, margins, truncated);
    int nflagged = 0;
    if (rc == CLF_OK)
        clf__fill_results(s, margins, results, &nflagged);
    if (margins != stackm)
        free(margins);
    return rc == CLF_OK ? nflagged : rc;
}

CLF_API int clf_score_batch(clf_scorer *s, const char *const *texts, const size_t *lens,
                            size_t n, clf_score_result *results, int *status)
{
    if (!s || (n && (!texts || !lens || !results || !status)))
        return clf__error(CLF_E_INVALID_ARG, "clf_score_batch: NULL argument");
    const size_t K = s->model->n_cats;
    for (size_t j = 0; j < n; j++)
        status[j] = clf_score(s, texts[j], lens[j], results + j * K, NULL);
    return CLF_OK;
}
