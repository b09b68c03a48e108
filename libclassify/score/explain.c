/*
 * explain.c - why a text got its scores: the features whose weighted value
 * pushed each category's margin up or down, and the same contributions
 * summed per word. Slower than scoring (it lists feature texts and
 * featurizes each distinct word again): meant for moderators and error
 * analysis, not the hot path.
 */
#include <stdlib.h>
#include <string.h>

#include "classify/score.h"
#include "features/featurize_internal.h"
#include "internal.h"
#include "model/model_internal.h"
#include "score_internal.h"

/* Two ranked lists (features, words), each [cat][up=0/down=1][top_k]. */
enum { VIEW_FEATURES = 0, VIEW_WORDS = 1 };

struct clf_explanation {
    size_t n_cats, top_k;
    clf_score_result *results;
    clf_contribution *items[2];
    size_t *counts[2];        /* [cat][2] */
    char *normalized;
    char *strings;            /* every text the items point to, NUL-separated */
};

/* One distinct bucket of the document that the model knows, or one word. */
typedef struct entry {
    uint32_t index;    /* bucket (features) or first occurrence (words) */
    uint32_t count;    /* occurrences in the document */
    unsigned family;
    double value;
    size_t text_off;   /* into the string pool */
    double *contrib;   /* n_cats contributions */
    double key;        /* the contribution being ranked */
} entry;

static int by_index(const void *a, const void *b)
{
    const clf_feature_text *x = *(const clf_feature_text *const *)a;
    const clf_feature_text *y = *(const clf_feature_text *const *)b;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return x < y ? -1 : (x > y); /* keep first appearance first */
}

static int by_key_desc(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

static int by_bucket(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    return x->index < y->index ? -1 : (x->index > y->index);
}

CLF_API void clf_explanation_free(clf_explanation *e)
{
    if (!e)
        return;
    free(e->results);
    for (int v = 0; v < 2; v++) {
        free(e->items[v]);
        free(e->counts[v]);
    }
    free(e->normalized);
    free(e->strings);
    free(e);
}

/* Append s (after " | " when joining a colliding text) to the pool. */
static int pool_add(clf__buf *pool, const char *s, size_t l, int joiner)
{
    if (clf__buf_reserve(pool, l + 4) != CLF_OK)
        return CLF_E_NOMEM;
    if (joiner) {
        pool->len--; /* drop the previous NUL */
        memcpy(pool->data + pool->len, " | ", 3);
        pool->len += 3;
    }
    memcpy(pool->data + pool->len, s, l);
    pool->data[pool->len + l] = '\0';
    pool->len += l + 1;
    return CLF_OK;
}

/*
 * Rank entries per category into e->items[view]: the top_k largest positive
 * contributions and the top_k most negative. Texts are stored as pool
 * offsets in text_offs until the pool stops growing.
 */
static void rank(clf_explanation *e, int view, entry *ents, size_t n, size_t *text_offs)
{
    const size_t K = e->n_cats, top_k = e->top_k;
    for (size_t k = 0; k < K; k++) {
        for (size_t j = 0; j < n; j++)
            ents[j].key = ents[j].contrib[k];
        qsort(ents, n, sizeof *ents, by_key_desc);
        for (int up = 1; up >= 0; up--) {
            size_t slot = 2 * k + (up ? 0 : 1), c = 0;
            clf_contribution *out = e->items[view] + slot * top_k;
            size_t *offs = text_offs + (view * 2 * K + slot) * top_k;
            for (size_t j = 0; j < n && c < top_k; j++) {
                const entry *x = up ? &ents[j] : &ents[n - 1 - j];
                if (up ? !(x->key > 0) : !(x->key < 0))
                    break;
                out[c].family = x->family;
                out[c].value = x->value;
                out[c].contribution = x->key;
                offs[c] = x->text_off;
                c++;
            }
            e->counts[view][slot] = c;
        }
    }
}

/*
 * Word view: featurize each distinct word alone (its unigram, stem and
 * inner character n-grams are exactly the features it has in the
 * document) and give it count_in_word / count_in_document of each such
 * feature's contribution.
 */
static int word_entries(clf_scorer *s, const char *norm, size_t nlen, entry *feats, size_t nf,
                        clf__buf *pool, entry **out, size_t *nout, double **store)
{
    const size_t K = s->model->n_cats;
    size_t cap = 64, n = 0;
    entry *w = malloc(cap * sizeof *w);
    double *contrib = NULL;
    size_t ccap = 0;
    if (!w)
        return CLF_E_NOMEM;
    /* distinct words in order of first appearance (quadratic only in the
     * number of distinct words of one document, fine for explanations) */
    size_t *starts = NULL, *lens = NULL;
    for (size_t i = 0; i < nlen;) {
        size_t j = i;
        while (j < nlen && norm[j] != ' ')
            j++;
        size_t l = j - i, found = n;
        for (size_t q = 0; q < n; q++)
            if (lens[q] == l && !memcmp(norm + starts[q], norm + i, l)) {
                found = q;
                break;
            }
        if (found < n) {
            w[found].count++;
        } else {
            if (n == cap) {
                cap *= 2;
                entry *p = realloc(w, cap * sizeof *w);
                if (!p)
                    goto nomem;
                w = p;
            }
            size_t *ps = realloc(starts, (n + 1) * sizeof *ps);
            if (ps) starts = ps;
            size_t *pl = ps ? realloc(lens, (n + 1) * sizeof *pl) : NULL;
            if (pl) lens = pl;
            if (!ps || !pl)
                goto nomem;
            starts[n] = i;
            lens[n] = l;
            memset(&w[n], 0, sizeof w[n]);
            w[n].index = (uint32_t)i;
            w[n].count = 1;
            w[n].family = CLF_FAMILY_WORD;
            n++;
        }
        i = j + 1;
    }
    ccap = n * K;
    contrib = calloc(ccap ? ccap : 1, sizeof *contrib);
    if (!contrib)
        goto nomem;
    for (size_t q = 0; q < n; q++) {
        w[q].contrib = contrib + q * K;
        w[q].value = w[q].count;
        w[q].text_off = pool->len;
        if (pool_add(pool, norm + starts[q], lens[q], 0) != CLF_OK)
            goto nomem;
        const clf__count *cs;
        size_t nc;
        int rc = clf__featurize_normalized(s->feat, norm + starts[q], lens[q], 0, &cs, &nc);
        if (rc != CLF_OK) {
            free(w);
            free(contrib);
            free(starts);
            free(lens);
            return rc;
        }
        for (size_t c = 0; c < nc; c++) {
            entry key = {.index = cs[c].bucket};
            entry *f = bsearch(&key, feats, nf, sizeof *feats, by_bucket);
            if (!f || f->count == 0)
                continue;
            double share = (double)cs[c].count * w[q].count / f->count;
            if (share > 1.0)
                share = 1.0; /* a colliding bucket: never more than all of it */
            for (size_t k = 0; k < K; k++)
                w[q].contrib[k] += share * f->contrib[k];
        }
    }
    free(starts);
    free(lens);
    *out = w;
    *nout = n;
    *store = contrib;
    return CLF_OK;
nomem:
    free(w);
    free(contrib);
    free(starts);
    free(lens);
    return CLF_E_NOMEM;
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
    const size_t slots = 2 * K * (top_k ? top_k : 1);

    clf_explanation *e = calloc(1, sizeof *e);
    double *margins = malloc(K * sizeof *margins);
    clf__buf pool = {0};
    entry *items = NULL, *words = NULL;
    double *fcontrib = NULL, *wcontrib = NULL;
    const clf_feature_text **order = NULL;
    size_t *text_offs = NULL;
    size_t ni = 0, nw = 0;
    int rc = CLF_E_NOMEM;
    if (!e || !margins)
        goto fail;
    e->n_cats = K;
    e->top_k = top_k;
    e->results = calloc(K, sizeof *e->results);
    text_offs = calloc(2 * slots, sizeof *text_offs);
    for (int v = 0; v < 2; v++) {
        e->counts[v] = calloc(2 * K, sizeof *e->counts[v]);
        e->items[v] = calloc(slots, sizeof *e->items[v]);
        if (!e->counts[v] || !e->items[v])
            goto fail;
    }
    if (!e->results || !text_offs)
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
    rc = CLF_E_NOMEM;
    size_t nlen;
    const char *norm = clf__featurizer_normalized(s->feat, &nlen);
    e->normalized = malloc(nlen + 1);
    if (!e->normalized)
        goto fail;
    memcpy(e->normalized, norm, nlen);
    e->normalized[nlen] = '\0';

    /* Group texts by bucket: colliding texts share one weight. */
    order = malloc((n ? n : 1) * sizeof *order);
    items = malloc((n ? n : 1) * sizeof *items);
    fcontrib = malloc((n ? n : 1) * K * sizeof *fcontrib);
    if (!order || !items || !fcontrib)
        goto fail;
    for (size_t j = 0; j < n; j++)
        order[j] = &feats[j];
    qsort(order, n, sizeof *order, by_index);
    for (size_t j = 0; j < n; j++) {
        const clf_feature_text *f = order[j];
        uint32_t r = m->row_of[f->index];
        if (!r || f->value == 0.0f)
            continue;
        int same = ni > 0 && items[ni - 1].index == f->index;
        if (!same) {
            entry *x = &items[ni++];
            x->index = f->index;
            x->count = 0;
            x->family = f->family;
            x->value = f->value;
            x->text_off = pool.len;
            x->contrib = fcontrib + (ni - 1) * K;
            for (size_t k = 0; k < K; k++)
                x->contrib[k] = f->value * m->weights[(size_t)(r - 1) * K + k];
        }
        items[ni - 1].count += f->count;
        if (pool_add(&pool, f->text, strlen(f->text), same) != CLF_OK)
            goto fail;
    }

    /* items are sorted by bucket here, as word_entries() needs */
    rc = word_entries(s, e->normalized, nlen, items, ni, &pool, &words, &nw, &wcontrib);
    if (rc != CLF_OK)
        goto fail;
    rc = CLF_E_NOMEM;
    rank(e, VIEW_FEATURES, items, ni, text_offs);
    rank(e, VIEW_WORDS, words, nw, text_offs);

    /* The pool no longer grows: turn offsets into pointers. */
    e->strings = pool.data ? pool.data : calloc(1, 1);
    pool.data = NULL;
    if (!e->strings)
        goto fail;
    for (int v = 0; v < 2; v++)
        for (size_t slot = 0; slot < 2 * K; slot++)
            for (size_t j = 0; j < e->counts[v][slot]; j++)
                e->items[v][slot * top_k + j].text =
                    e->strings + text_offs[(v * 2 * K + slot) * top_k + j];

    free(order);
    free(items);
    free(words);
    free(fcontrib);
    free(wcontrib);
    free(text_offs);
    free(margins);
    *out = e;
    return CLF_OK;

fail:
    if (rc == CLF_E_NOMEM)
        clf__error(CLF_E_NOMEM, "out of memory");
    free(order);
    free(items);
    free(words);
    free(fcontrib);
    free(wcontrib);
    free(text_offs);
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

static const clf_contribution *view_list(const clf_explanation *e, int view, size_t i, int up,
                                         size_t *n)
{
    if (n)
        *n = 0;
    if (!e || i >= e->n_cats)
        return NULL;
    size_t slot = 2 * i + (up ? 0 : 1);
    if (n)
        *n = e->counts[view][slot];
    return e->items[view] + slot * e->top_k;
}

CLF_API const clf_contribution *clf_explanation_features(const clf_explanation *e, size_t i,
                                                         int up, size_t *n)
{
    return view_list(e, VIEW_FEATURES, i, up, n);
}

CLF_API const clf_contribution *clf_explanation_words(const clf_explanation *e, size_t i,
                                                      int up, size_t *n)
{
    return view_list(e, VIEW_WORDS, i, up, n);
}

CLF_API const char *clf_explanation_normalized(const clf_explanation *e)
{
    return e ? e->normalized : NULL;
}
