/*
 * explain.c - why a text got its scores: the features whose weighted value
 * pushed each category's margin up or down, and the same contributions
 * summed per word. Slower than scoring (it lists feature texts and
 * featurizes each distinct word again): meant for moderators and error
 * analysis, not the hot path.
 */
#include <math.h>
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
    clf_doc_info info;
    clf_score_result *results;
    clf_contribution *items[2];
    size_t *counts[2];        /* [cat][2] */
    size_t *word_occ;         /* word view: index of each item's first span in spans */
    clf_text_span *spans;     /* every word occurrence, grouped by word */
    char *normalized;
    char *strings;            /* every text the items point to, NUL-separated */
    clf_suppression *supp;    /* every gate, grouped by category (the model's order) */
    size_t *supp_first;       /* [cat]: its first gate in supp; [n_cats]: the number */
    char *gate_names;         /* the gates' names, NUL-separated */
    double *ungated;          /* [cat]: the probability without the gates' penalties */
    double *evidence;         /* [cat]: the share of the evidence kept (short-text shrinkage) */
    uint32_t *evidence_words; /* [cat]: its k */
    double *unshrunk;         /* [cat]: the probability with all of the evidence */
    size_t words;             /* the text's Arabic words, as the scorer counted them */
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
    unsigned kind;     /* CLF_TOKEN_* */
    size_t orig_off;   /* words: the first occurrence as written, in the pool (or SIZE_MAX) */
    size_t occ0;       /* words: its first span in the explanation's spans */
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
    free(e->word_occ);
    free(e->spans);
    free(e->normalized);
    free(e->strings);
    free(e->supp);
    free(e->supp_first);
    free(e->gate_names);
    free(e->ungated);
    free(e->evidence);
    free(e->evidence_words);
    free(e->unshrunk);
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
static void rank(clf_explanation *e, int view, entry *ents, size_t n, size_t *text_offs,
                 size_t *orig_offs)
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
                out[c].kind = x->kind;
                offs[c] = x->text_off;
                if (view == VIEW_WORDS) {
                    orig_offs[slot * top_k + c] = x->orig_off;
                    e->word_occ[slot * top_k + c] = x->occ0;
                }
                c++;
            }
            e->counts[view][slot] = c;
        }
    }
}

/* Code-point and UTF-16 offsets of the tokens' byte ranges in text: one
 * walk while starts do not go back (they never do; restart if they did). */
static void token_spans(const char *text, const clf_norm_token *tk, size_t n, clf_text_span *out)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t b = 0, cp = 0, u16 = 0;
    for (size_t i = 0; i < n; i++) {
        if (tk[i].offset < b)
            b = cp = u16 = 0;
        for (; b < tk[i].offset; b++)
            if ((t[b] & 0xC0) != 0x80) {
                cp++;
                u16 += t[b] >= 0xF0 ? 2 : 1;
            }
        size_t c = 0, u = 0;
        for (size_t k = tk[i].offset; k < tk[i].offset + tk[i].len; k++)
            if ((t[k] & 0xC0) != 0x80) {
                c++;
                u += t[k] >= 0xF0 ? 2 : 1;
            }
        out[i].offset = tk[i].offset;
        out[i].len = tk[i].len;
        out[i].cp_offset = cp;
        out[i].cp_len = c;
        out[i].u16_offset = u16;
        out[i].u16_len = u;
    }
}

#define NONE SIZE_MAX

/*
 * Word view: featurize each distinct word alone (its unigram, stem and
 * inner character n-grams are exactly the features it has in the
 * document) and give it count_in_word / count_in_document of each such
 * feature's contribution. With the normalizer's token map (tk, one entry
 * per word of norm) each word also gets its kind, its first occurrence as
 * written and the spans of all its occurrences (e->spans).
 */
static int word_entries(clf_explanation *e, clf_scorer *s, const char *text, const char *norm,
                        size_t nlen, const clf_norm_token *tk, size_t ntk, entry *feats,
                        size_t nf, clf__buf *pool, entry **out, size_t *nout, double **store)
{
    const size_t K = s->model->n_cats;
    size_t cap = 64, n = 0, ti = 0;
    entry *w = malloc(cap * sizeof *w);
    double *contrib = NULL;
    size_t ccap = 0;
    size_t *starts = NULL, *lens = NULL, *first = NULL, *last = NULL;
    size_t *next = calloc(ntk ? ntk : 1, sizeof *next);
    clf_text_span *tsp = NULL;
    if (!w || !next)
        goto nomem;
    /* distinct words in order of first appearance (quadratic only in the
     * number of distinct words of one document, fine for explanations) */
    for (size_t i = 0; i < nlen; ti++) {
        size_t j = i;
        while (j < nlen && norm[j] != ' ')
            j++;
        size_t l = j - i, found = n;
        for (size_t q = 0; q < n; q++)
            if (lens[q] == l && !memcmp(norm + starts[q], norm + i, l)) {
                found = q;
                break;
            }
        if (ti < ntk)
            next[ti] = NONE;
        if (found < n) {
            w[found].count++;
            if (ti < ntk && last[found] != NONE)
                next[last[found]] = ti;
            last[found] = ti < ntk ? ti : NONE;
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
            size_t *pf = pl ? realloc(first, (n + 1) * sizeof *pf) : NULL;
            if (pf) first = pf;
            size_t *pz = pf ? realloc(last, (n + 1) * sizeof *pz) : NULL;
            if (pz) last = pz;
            if (!ps || !pl || !pf || !pz)
                goto nomem;
            starts[n] = i;
            lens[n] = l;
            first[n] = last[n] = ti < ntk ? ti : NONE;
            memset(&w[n], 0, sizeof w[n]);
            w[n].index = (uint32_t)i;
            w[n].count = 1;
            w[n].family = CLF_FAMILY_WORD;
            w[n].kind = ti < ntk ? tk[ti].kind : CLF_TOKEN_WORD;
            w[n].orig_off = NONE;
            w[n].occ0 = NONE;
            n++;
        }
        i = j + 1;
    }
    /* The map matches the text token for token, or it is not used. */
    int mapped = tk && ntk == ti;
    if (mapped) {
        tsp = malloc((ntk ? ntk : 1) * sizeof *tsp);
        e->spans = malloc((ntk ? ntk : 1) * sizeof *e->spans);
        if (!tsp || !e->spans)
            goto nomem;
        token_spans(text, tk, ntk, tsp);
        size_t pos = 0;
        for (size_t q = 0; q < n; q++) {
            w[q].occ0 = pos;
            for (size_t t = first[q]; t != NONE; t = next[t])
                e->spans[pos++] = tsp[t];
            w[q].orig_off = pool->len;
            if (pool_add(pool, text + tk[first[q]].offset, tk[first[q]].len, 0) != CLF_OK)
                goto nomem;
        }
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
            free(first);
            free(last);
            free(next);
            free(tsp);
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
    free(first);
    free(last);
    free(next);
    free(tsp);
    *out = w;
    *nout = n;
    *store = contrib;
    return CLF_OK;
nomem:
    free(w);
    free(contrib);
    free(starts);
    free(lens);
    free(first);
    free(last);
    free(next);
    free(tsp);
    return CLF_E_NOMEM;
}

/* Each category's gates and the penalty each one took from this text's
 * margin (s->gz holds the gates' margins of the text just scored). */
static int suppressions(clf_explanation *e, const clf_scorer *s)
{
    const clf_model *m = s->model;
    const size_t K = m->n_cats, G = m->n_gates;
    e->supp_first = calloc(K + 1, sizeof *e->supp_first);
    e->supp = malloc((G ? G : 1) * sizeof *e->supp);
    size_t names = 1;
    for (size_t g = 0; g < G; g++)
        names += strlen(m->gates[g].name) + 1;
    e->gate_names = malloc(names);
    e->ungated = malloc((K ? K : 1) * sizeof *e->ungated);
    if (!e->supp_first || !e->supp || !e->gate_names || !e->ungated)
        return CLF_E_NOMEM;
    size_t j = 0, pos = 0;
    for (size_t k = 0; k < K; k++) {
        e->supp_first[k] = j;
        for (size_t g = 0; g < G; g++) {
            const clf__gate *gt = &m->gates[g];
            if (gt->category != k)
                continue;
            size_t l = strlen(gt->name);
            memcpy(e->gate_names + pos, gt->name, l + 1);
            clf_suppression *x = &e->supp[j++];
            x->gate = e->gate_names + pos;
            pos += l + 1;
            x->probability = clf__gate_prob(s->gz[g]);
            x->tau = gt->tau;
            x->weight = gt->weight;
            x->penalty = clf__gate_penalty(gt, s->gz[g]);
        }
        /* the margin the category had before its gates lowered it */
        double back = 0;
        for (size_t g = e->supp_first[k]; g < j; g++)
            back += e->supp[g].penalty;
        e->ungated[k] = back > 0 ? clf__calibrate(&m->cats[k], e->results[k].margin + back)
                                 : e->results[k].probability;
    }
    e->supp_first[K] = j;
    return CLF_OK;
}

/* Does p[0..l) occur in s? */
static int contains(const char *s, const char *p, size_t l)
{
    for (; *s; s++)
        if (!strncmp(s, p, l))
            return 1;
    return l == 0;
}

/*
 * The kind of a feature's text: that of the non-word tokens (punctuation,
 * emoji, placeholder) every piece of it comes from, else CLF_TOKEN_WORD.
 * A piece is a space-separated part of the text (an n-gram's word, or the
 * inside of a character n-gram, whose padding is a space).
 */
static unsigned feature_kind(const char *ft, const entry *words, size_t nw, const char *pool)
{
    unsigned kind = CLF_TOKEN_WORD;
    for (const char *p = ft; *p;) {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if (q == p)
            break;
        unsigned pk = CLF_TOKEN_WORD;
        int in_word = 0, in_other = 0;
        for (size_t i = 0; i < nw && !in_word; i++) {
            if (!contains(pool + words[i].text_off, p, (size_t)(q - p)))
                continue;
            if (words[i].kind == CLF_TOKEN_WORD || words[i].kind == CLF_TOKEN_HASHTAG) {
                in_word = 1;
            } else if (!in_other) {
                in_other = 1;
                pk = words[i].kind;
            }
        }
        if (in_word || !in_other)
            return CLF_TOKEN_WORD;
        if (kind == CLF_TOKEN_WORD)
            kind = pk;
        p = q;
    }
    return kind;
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
    size_t *text_offs = NULL, *orig_offs = NULL;
    clf_norm_token *toks = NULL;
    size_t ntoks = 0;
    size_t ni = 0, nw = 0;
    int rc = CLF_E_NOMEM;
    if (!e || !margins)
        goto done;
    e->n_cats = K;
    e->top_k = top_k;
    e->results = calloc(K, sizeof *e->results);
    e->evidence = malloc(K * sizeof *e->evidence);
    e->evidence_words = malloc(K * sizeof *e->evidence_words);
    e->unshrunk = malloc(K * sizeof *e->unshrunk);
    text_offs = calloc(2 * slots, sizeof *text_offs);
    orig_offs = calloc(slots, sizeof *orig_offs);
    e->word_occ = calloc(slots, sizeof *e->word_occ);
    for (int v = 0; v < 2; v++) {
        e->counts[v] = calloc(2 * K, sizeof *e->counts[v]);
        e->items[v] = calloc(slots, sizeof *e->items[v]);
        if (!e->counts[v] || !e->items[v])
            goto done;
    }
    if (!e->results || !e->evidence || !e->evidence_words || !e->unshrunk || !text_offs || !orig_offs || !e->word_occ)
        goto done;

    /* Scores come from the same path as clf_score(), so they agree exactly. */
    rc = clf__score_margins(s, text, len, margins, &e->info);
    if (rc != CLF_OK)
        goto done;
    int nflagged;
    if ((rc = clf__fill_results(s, margins, &e->info, e->results, &nflagged)) != CLF_OK)
        goto done;
    e->words = s->words;
    for (size_t k = 0; k < K; k++) {
        e->evidence_words[k] = m->cats[k].evidence_words;
        e->evidence[k] = clf__evidence_factor(m->cats[k].evidence_words, s->words);
    }
    rc = CLF_E_NOMEM;
    if (suppressions(e, s) != CLF_OK)
        goto done;
    for (size_t k = 0; k < K; k++) {
        /* margin = bias + kept * w.x - penalties: undo the shrinkage only
         * (the gates' penalties do not depend on it) */
        double back = 0;
        for (size_t g = e->supp_first[k]; g < e->supp_first[k + 1]; g++)
            back += e->supp[g].penalty;
        double kept = e->evidence[k], b = m->cats[k].bias;
        e->unshrunk[k] = kept > 0 && kept < 1
                             ? clf__calibrate(&m->cats[k], b + (margins[k] + back - b) / kept - back)
                             : e->results[k].probability;
    }

    /* The offset map is on for this one normalization only: scoring does
     * not pay for it. */
    const clf_feature_text *feats;
    size_t n;
    clf_normalizer *nz = clf__featurizer_normalizer(s->feat);
    clf_normalizer_set_offsets(nz, 1);
    rc = clf_featurize_text(s->feat, text, len, m, &feats, &n);
    if (rc == CLF_OK) {
        const clf_norm_token *tk = clf_normalizer_tokens(nz, &ntoks);
        toks = malloc((ntoks ? ntoks : 1) * sizeof *toks);
        if (toks)
            memcpy(toks, tk, ntoks * sizeof *toks);
        else
            rc = CLF_E_NOMEM;
    }
    clf_normalizer_set_offsets(nz, 0);
    if (rc != CLF_OK)
        goto done;
    rc = CLF_E_NOMEM;
    size_t nlen;
    const char *norm = clf__featurizer_normalized(s->feat, &nlen);
    e->normalized = malloc(nlen + 1);
    if (!e->normalized)
        goto done;
    memcpy(e->normalized, norm, nlen);
    e->normalized[nlen] = '\0';

    /* Group texts by bucket: colliding texts share one weight. */
    order = malloc((n ? n : 1) * sizeof *order);
    items = malloc((n ? n : 1) * sizeof *items);
    fcontrib = malloc((n ? n : 1) * K * sizeof *fcontrib);
    if (!order || !items || !fcontrib)
        goto done;
    if (e->info.abstain != CLF_ABSTAIN_NONE)
        n = 0; /* the scores are the base rate: no feature explains them */
    for (size_t j = 0; j < n; j++)
        order[j] = &feats[j];
    qsort(order, n, sizeof *order, by_index);
    for (size_t j = 0; j < n; j++) {
        const clf_feature_text *f = order[j];
        uint32_t r = clf__model_row(m, f->index);
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
                x->contrib[k] =
                    f->value * clf__model_row_weight(m, r - 1, k) * e->evidence[k];
        }
        items[ni - 1].count += f->count;
        if (pool_add(&pool, f->text, strlen(f->text), same) != CLF_OK)
            goto done;
    }

    /* items are sorted by bucket here, as word_entries() needs */
    rc = word_entries(e, s, text, e->normalized, nlen, toks, ntoks, items, ni, &pool, &words,
                      &nw, &wcontrib);
    if (rc != CLF_OK)
        goto done;
    rc = CLF_E_NOMEM;
    rank(e, VIEW_FEATURES, items, ni, text_offs, orig_offs);
    rank(e, VIEW_WORDS, words, nw, text_offs, orig_offs);
    for (size_t slot = 0; slot < 2 * K; slot++)
        for (size_t j = 0; j < e->counts[VIEW_FEATURES][slot]; j++)
            e->items[VIEW_FEATURES][slot * top_k + j].kind =
                feature_kind(pool.data + text_offs[slot * top_k + j], words, nw, pool.data);

    /* The pool no longer grows: turn offsets into pointers. */
    e->strings = pool.data ? pool.data : calloc(1, 1);
    pool.data = NULL;
    if (!e->strings)
        goto done;
    for (int v = 0; v < 2; v++)
        for (size_t slot = 0; slot < 2 * K; slot++)
            for (size_t j = 0; j < e->counts[v][slot]; j++)
                e->items[v][slot * top_k + j].text =
                    e->strings + text_offs[(v * 2 * K + slot) * top_k + j];
    for (size_t slot = 0; slot < 2 * K; slot++)
        for (size_t j = 0; j < e->counts[VIEW_WORDS][slot]; j++) {
            clf_contribution *c = &e->items[VIEW_WORDS][slot * top_k + j];
            size_t oo = orig_offs[slot * top_k + j], occ = e->word_occ[slot * top_k + j];
            c->original = oo == NONE ? NULL : e->strings + oo;
            if (occ != NONE)
                c->span = e->spans[occ];
        }

    *out = e;
    e = NULL; /* the caller's now */
    rc = CLF_OK;

done: /* success and failure: the scratch buffers go either way */
    if (rc == CLF_E_NOMEM)
        clf__error(CLF_E_NOMEM, "out of memory");
    free(order);
    free(items);
    free(words);
    free(fcontrib);
    free(wcontrib);
    free(text_offs);
    free(orig_offs);
    free(toks);
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

CLF_API const clf_suppression *clf_explanation_suppressions(const clf_explanation *e, size_t i,
                                                            size_t *n)
{
    if (n)
        *n = 0;
    if (!e || !n || i >= e->n_cats)
        return NULL;
    size_t a = e->supp_first[i], b = e->supp_first[i + 1];
    *n = b - a;
    return b > a ? e->supp + a : NULL;
}

CLF_API double clf_explanation_ungated_probability(const clf_explanation *e, size_t i)
{
    if (!e || i >= e->n_cats || !e->ungated)
        return NAN;
    return e->ungated[i];
}

CLF_API int clf_explanation_evidence(const clf_explanation *e, size_t i, clf_evidence *out)
{
    if (!e || !out || i >= e->n_cats)
        return clf__error(CLF_E_INVALID_ARG, "clf_explanation_evidence: NULL argument or "
                          "category index out of range");
    out->arabic_words = e->words;
    out->evidence_words = (int)e->evidence_words[i];
    out->kept = e->evidence[i];
    out->probability_unshrunk = e->unshrunk[i];
    return CLF_OK;
}

CLF_API const clf_doc_info *clf_explanation_info(const clf_explanation *e)
{
    return e ? &e->info : NULL;
}

CLF_API const char *clf_explanation_normalized(const clf_explanation *e)
{
    return e ? e->normalized : NULL;
}

CLF_API const clf_text_span *clf_explanation_word_spans(const clf_explanation *e, size_t i,
                                                        int up, size_t j, size_t *n)
{
    if (n)
        *n = 0;
    size_t count;
    const clf_contribution *w = view_list(e, VIEW_WORDS, i, up, &count);
    if (!w || !n || j >= count || !e->spans)
        return NULL;
    size_t occ = e->word_occ[(2 * i + (up ? 0 : 1)) * e->top_k + j];
    if (occ == NONE)
        return NULL;
    *n = (size_t)w[j].value;
    return e->spans + occ;
}
