/*
 * explain.c - why a text got its scores: the features whose weighted value
 * pushed each category's margin up or down. Slower than scoring (it lists
 * feature texts): meant for moderators and error analysis, not the hot path.
 */
#include <stdlib.h>
#include <string.h>

#include "classify/score.h"
#include "features/featurize_internal.h"
#include "internal.h"
#include "model/model_internal.h"
#include "score_internal.h"

struct clf_explanation {
    size_t n_cats, top_k;
    clf_score_result *results;
    clf_contribution *items;  /* [cat][up=0/down=1][top_k] */
    size_t *counts;           /* [cat][2] */
    char *normalized;
    char *strings;            /* every feature text, NUL-separated */
};

/* One distinct bucket of the document that the model knows. */
typedef struct bucket_item {
    uint32_t index;
    uint32_t row;      /* row + 1 */
    unsigned family;
    double value;
    size_t text_off;   /* into the explanation's string pool */
    double contrib;    /* for the category being ranked */
} bucket_item;

static int by_index(const void *a, const void *b)
{
    const clf_feature_text *x = *(const clf_feature_text *const *)a;
    const clf_feature_text *y = *(const clf_feature_text *const *)b;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return x < y ? -1 : (x > y); /* keep first appearance first */
}

static int by_contrib_desc(const void *a, const void *b)
{
    const bucket_item *x = a, *y = b;
    if (x->contrib != y->contrib)
        return x->contrib > y->contrib ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

CLF_API void clf_explanation_free(clf_explanation *e)
{
    if (!e)
        return;
    free(e->results);
    free(e->items);
    free(e->counts);
    free(e->normalized);
    free(e->strings);
    free(e);
}

/* Append s (and, for a collision, " | " first) to the pool. */
static int pool_add(clf__buf *pool, const char *s, int joiner)
{
    size_t l = strlen(s);
    if (clf__buf_reserve(pool, l + 4) != CLF_OK)
        return CLF_E_NOMEM;
    if (joiner) {
        pool->len--; /* drop the previous NUL */
        memcpy(pool->data + pool->len, " | ", 3);
        pool->len += 3;
    }
    memcpy(pool->data + pool->len, s, l + 1);
    pool->len += l + 1;
    return CLF_OK;
}

CLF_API int clf_explain(clf_scorer *s, const char *text, size_t len, size_t top_k,
                        clf_explanation **out)
{
    if (!s || !out || (!text && len))
        return clf__error(CLF_E_INVALID_ARG, "clf_explain: NULL argument");
    *out = NULL;
    if (!text)
        text = "";
    if (top_k > 10000)
        top_k = 10000;
    const clf_model *m = s->model;
    const size_t K = m->n_cats;

    clf_explanation *e = calloc(1, sizeof *e);
    double *margins = malloc(K * sizeof *margins);
    clf__buf pool = {0};
    bucket_item *items = NULL;
    const clf_feature_text **order = NULL;
    int rc = CLF_E_NOMEM;
    if (!e || !margins)
        goto fail;
    e->n_cats = K;
    e->top_k = top_k;
    e->results = calloc(K, sizeof *e->results);
    e->counts = calloc(2 * K, sizeof *e->counts);
    e->items = calloc(2 * K * (top_k ? top_k : 1), sizeof *e->items);
    if (!e->results || !e->counts || !e->items)
        goto fail;

    /* Scores come from the same path as clf_score(), so they agree exactly. */
    rc = clf__score_margins(s, text, len, margins, NULL);
    if (rc != CLF_OK)
        goto fail;
    int nflagged;
    clf__fill_results(s, margins, e->results, &nflagged);

    const clf_feature_text *feats;
    size_t n;
    rc = clf_featurize_text(s->feat, text, len, m->idf, &feats, &n);
    if (rc != CLF_OK)
        goto fail;
    size_t nlen;
    const char *norm = clf__featurizer_normalized(s->feat, &nlen);
    rc = CLF_E_NOMEM;
    e->normalized = malloc(nlen + 1);
    if (!e->normalized)
        goto fail;
    memcpy(e->normalized, norm, nlen);
    e->normalized[nlen] = '\0';

    /* Group texts by bucket: colliding texts share one weight. */
    order = malloc((n ? n : 1) * sizeof *order);
    items = malloc((n ? n : 1) * sizeof *items);
    if (!order || !items)
        goto fail;
    for (size_t j = 0; j < n; j++)
        order[j] = &feats[j];
    qsort(order, n, sizeof *order, by_index);
    size_t ni = 0;
    for (size_t j = 0; j < n; j++) {
        const clf_feature_text *f = order[j];
        uint32_t r = m->row_of[f->index];
        if (!r || f->value == 0.0f)
            continue;
        int same = ni > 0 && items[ni - 1].index == f->index;
        if (!same) {
            items[ni].index = f->index;
            items[ni].row = r;
            items[ni].family = f->family;
            items[ni].value = f->value;
            items[ni].text_off = pool.len;
            ni++;
        }
        if (pool_add(&pool, f->text, same) != CLF_OK)
            goto fail;
    }

    for (size_t k = 0; k < K; k++) {
        for (size_t j = 0; j < ni; j++)
            items[j].contrib =
                items[j].value * m->weights[(size_t)(items[j].row - 1) * K + k];
        qsort(items, ni, sizeof *items, by_contrib_desc);
        clf_contribution *up = e->items + (2 * k) * top_k;
        clf_contribution *down = e->items + (2 * k + 1) * top_k;
        size_t nu = 0, nd = 0;
        for (size_t j = 0; j < ni && nu < top_k && items[j].contrib > 0; j++, nu++) {
            up[nu].family = items[j].family;
            up[nu].value = items[j].value;
            up[nu].contribution = items[j].contrib;
            up[nu].text = (const char *)(uintptr_t)items[j].text_off; /* fixed below */
        }
        for (size_t j = ni; j-- > 0 && nd < top_k && items[j].contrib < 0; nd++) {
            down[nd].family = items[j].family;
            down[nd].value = items[j].value;
            down[nd].contribution = items[j].contrib;
            down[nd].text = (const char *)(uintptr_t)items[j].text_off;
        }
        e->counts[2 * k] = nu;
        e->counts[2 * k + 1] = nd;
    }
    /* The pool no longer grows: turn offsets into pointers. */
    e->strings = pool.data ? pool.data : calloc(1, 1);
    pool.data = NULL;
    if (!e->strings)
        goto fail;
    for (size_t k = 0; k < 2 * K; k++)
        for (size_t j = 0; j < e->counts[k]; j++) {
            clf_contribution *c = e->items + k * top_k + j;
            c->text = e->strings + (size_t)(uintptr_t)c->text;
        }

    free(order);
    free(items);
    free(margins);
    *out = e;
    return CLF_OK;

fail:
    if (rc == CLF_E_NOMEM)
        clf__error(CLF_E_NOMEM, "out of memory");
    free(order);
    free(items);
    free(margins);
    clf__buf_free(&pool);
    clf_explanation_free(e);
    return rc;
}

CLF_API const clf_score_result *clf_explanation_result(const clf_explanation *e, size_t i)
{
    if (!e || i >= e->n_cats)
        return NULL;
    return &e->results[i];
}

CLF_API const clf_contribution *clf_explanation_features(const clf_explanation *e, size_t i,
                                                         int up, size_t *n)
{
    if (n)
        *n = 0;
    if (!e || i >= e->n_cats)
        return NULL;
    size_t slot = 2 * i + (up ? 0 : 1);
    if (n)
        *n = e->counts[slot];
    return e->items + slot * e->top_k;
}

CLF_API const char *clf_explanation_normalized(const clf_explanation *e)
{
    return e ? e->normalized : NULL;
}
