/*
 * evaluate.c - collecting what an evaluation needs: per document its
 * source, positive categories and scores, and per corpus and category the
 * error-analysis candidates (see evaluate.h). The metrics are computed in
 * analyze.c.
 */
#include "evaluate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "eval_internal.h"
#include "internal.h"

int clf_eval_data_new(clf_eval_data **out, size_t n_cats, const char *const *cats,
                      const double *thr_a, const double *thr_b, size_t errors_k)
{
    if (!out || !cats || !thr_a || n_cats == 0 || n_cats > CLF_EVAL_MAX_CATEGORIES)
        return clf__error(CLF_E_INVALID_ARG, "eval: between 1 and %d categories needed",
                          CLF_EVAL_MAX_CATEGORIES);
    *out = NULL;
    clf_eval_data *d = calloc(1, sizeof *d);
    if (!d)
        return clf__error(CLF_E_NOMEM, "eval: out of memory");
    d->n_cats = n_cats;
    d->errors_k = errors_k;
    d->has_b = thr_b != NULL;
    d->cats = calloc(n_cats, sizeof *d->cats);
    d->thr_a = malloc(n_cats * sizeof *d->thr_a);
    d->thr_b = malloc(n_cats * sizeof *d->thr_b);
    if (!d->cats || !d->thr_a || !d->thr_b) {
        clf_eval_data_free(d);
        return clf__error(CLF_E_NOMEM, "eval: out of memory");
    }
    for (size_t k = 0; k < n_cats; k++) {
        if (!(d->cats[k] = strdup(cats[k]))) {
            clf_eval_data_free(d);
            return clf__error(CLF_E_NOMEM, "eval: out of memory");
        }
        d->thr_a[k] = thr_a[k];
        d->thr_b[k] = thr_b ? thr_b[k] : NAN;
    }
    *out = d;
    return CLF_OK;
}

static void free_cands(clf_eval_cand *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].id);
        free(c[i].text);
    }
}

void clf_eval_data_free(clf_eval_data *d)
{
    if (!d)
        return;
    free_cands(d->changed, d->n_changed_kept);
    free(d->changed);
    free(d->changed_mask);
    for (size_t s = 0; s < d->n_sources; s++) {
        clf_eval_source *src = &d->sources[s];
        free(src->name);
        for (size_t k = 0; k < d->n_cats; k++) {
            free_cands(src->fp[k], src->n_fp[k]);
            free_cands(src->fn[k], src->n_fn[k]);
            free(src->fp[k]);
            free(src->fn[k]);
        }
        free(src->fp);
        free(src->fn);
        free(src->n_fp);
        free(src->n_fn);
    }
    free(d->sources);
    if (d->cats)
        for (size_t k = 0; k < d->n_cats; k++)
            free(d->cats[k]);
    free(d->cats);
    free(d->thr_a);
    free(d->thr_b);
    free(d->sa);
    free(d->sb);
    free(d->pos);
    free(d->src);
    free(d->key);
    for (size_t i = 0; i < d->n_pairing; i++)
        free(d->pairing[i].source);
    free(d->pairing);
    free(d);
}

int clf_eval_data_add_source(clf_eval_data *d, const char *name, uint64_t annotates,
                             uint64_t negatives)
{
    if (!d || !name)
        return clf__error(CLF_E_INVALID_ARG, "eval: bad source");
    if (d->n_sources == d->cap_sources) {
        size_t cap = d->cap_sources ? d->cap_sources * 2 : 8;
        clf_eval_source *p = realloc(d->sources, cap * sizeof *p);
        if (!p)
            return clf__error(CLF_E_NOMEM, "eval: out of memory");
        d->sources = p;
        d->cap_sources = cap;
    }
    clf_eval_source *s = &d->sources[d->n_sources];
    memset(s, 0, sizeof *s);
    uint64_t all = d->n_cats >= 64 ? UINT64_MAX : (((uint64_t)1 << d->n_cats) - 1);
    s->annotates = annotates & all;
    s->negatives = negatives & all & ~annotates;
    s->name = strdup(name);
    s->fp = calloc(d->n_cats, sizeof *s->fp);
    s->fn = calloc(d->n_cats, sizeof *s->fn);
    s->n_fp = calloc(d->n_cats, sizeof *s->n_fp);
    s->n_fn = calloc(d->n_cats, sizeof *s->n_fn);
    d->n_sources++; /* counted now so that free() releases a partial source */
    if (!s->name || !s->fp || !s->fn || !s->n_fp || !s->n_fn)
        return clf__error(CLF_E_NOMEM, "eval: out of memory");
    return (int)(d->n_sources - 1);
}

/* A document of one run, for matching it with the other run's: its corpus
 * (an index shared by the two runs), the hash of its id and its position. */
typedef struct pair_ref {
    size_t src, doc;
    uint64_t key;
} pair_ref;

static int cmp_ref(const void *pa, const void *pb)
{
    const pair_ref *a = pa, *b = pb;
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

/* The corpus of either run by name: d's sources first, then b's own. */
static int pairing_table(clf_eval_data *d, const clf_eval_data *b, size_t *b_src)
{
    size_t n = d->n_sources;
    for (size_t s = 0; s < b->n_sources; s++) {
        b_src[s] = SIZE_MAX;
        for (size_t t = 0; t < d->n_sources; t++)
            if (!strcmp(b->sources[s].name, d->sources[t].name))
                b_src[s] = t;
        if (b_src[s] == SIZE_MAX)
            b_src[s] = n++;
    }
    d->pairing = calloc(n ? n : 1, sizeof *d->pairing);
    if (!d->pairing)
        return CLF_E_NOMEM;
    d->n_pairing = n;
    for (size_t t = 0; t < d->n_sources; t++) {
        d->pairing[t].annotates = d->sources[t].annotates != 0;
        if (!(d->pairing[t].source = strdup(d->sources[t].name)))
            return CLF_E_NOMEM;
    }
    for (size_t s = 0; s < b->n_sources; s++) {
        clf_eval_pairing *p = &d->pairing[b_src[s]];
        p->annotates |= b->sources[s].annotates != 0;
        if (!p->source && !(p->source = strdup(b->sources[s].name)))
            return CLF_E_NOMEM;
    }
    return CLF_OK;
}

/*
 * Match the documents of the two runs: same corpus, same id; a corpus that
 * repeats an id pairs its n-th occurrence in one run with its n-th in the
 * other (both runs read the same file in the same order). match[i] = b's
 * document paired with d's document i, or SIZE_MAX.
 */
static int match_documents(clf_eval_data *d, const clf_eval_data *b, const size_t *b_src, size_t *match)
{
    pair_ref *ra = malloc((d->n_docs ? d->n_docs : 1) * sizeof *ra);
    pair_ref *rb = malloc((b->n_docs ? b->n_docs : 1) * sizeof *rb);
    if (!ra || !rb) {
        free(ra);
        free(rb);
        return CLF_E_NOMEM;
    }
    for (size_t i = 0; i < d->n_docs; i++) {
        ra[i] = (pair_ref){d->src[i], i, d->key[i]};
        match[i] = SIZE_MAX;
        d->pairing[d->src[i]].n_a++;
    }
    for (size_t j = 0; j < b->n_docs; j++) {
        rb[j] = (pair_ref){b_src[b->src[j]], j, b->key[j]};
        d->pairing[rb[j].src].n_b++;
    }
    qsort(ra, d->n_docs, sizeof *ra, cmp_ref);
    qsort(rb, b->n_docs, sizeof *rb, cmp_ref);
    for (size_t i = 0, j = 0; i < d->n_docs && j < b->n_docs;) {
        const pair_ref *x = &ra[i], *y = &rb[j];
        if (x->src == y->src && x->key == y->key) {
            match[x->doc] = y->doc;
            d->pairing[x->src].paired++;
            i++;
            j++;
        } else if (x->src < y->src || (x->src == y->src && x->key < y->key)) {
            i++;
        } else {
            j++;
        }
    }
    free(ra);
    free(rb);
    return CLF_OK;
}

/*
 * Almost nothing shared where it matters: a labelling corpus that one run
 * did not score at all, or of whose documents fewer than half of the
 * smaller run's are in both (the runs read different files or ids).
 */
static int check_shared(const clf_eval_data *d)
{
    size_t paired = 0;
    for (size_t s = 0; s < d->n_pairing; s++) {
        const clf_eval_pairing *p = &d->pairing[s];
        size_t least = p->n_a < p->n_b ? p->n_a : p->n_b;
        paired += p->paired;
        if (!p->annotates || (p->n_a == 0 && p->n_b == 0))
            continue;
        if (least == 0)
            return clf__error(CLF_E_INVALID_ARG, "eval: corpus %s labels documents but only run %s scored it "
                              "(%zu documents): nothing to pair them with (evaluate the corpora both runs "
                              "have with --corpus)", p->source, p->n_a ? "A" : "B", p->n_a ? p->n_a : p->n_b);
        if (p->paired * 2 < least)
            return clf__error(CLF_E_INVALID_ARG, "eval: corpus %s: run A scored %zu documents, run B %zu, and "
                              "only %zu are the same documents (corpus and id): not the same documents, "
                              "cannot pair them", p->source, p->n_a, p->n_b, p->paired);
    }
    if (paired == 0)
        return clf__error(CLF_E_INVALID_ARG, "eval: the two runs scored no document in common (corpus and "
                          "id): cannot pair them");
    return CLF_OK;
}

/* Keep the documents with a match, in order; the error candidates follow them. */
static int keep_matched(clf_eval_data *d, const clf_eval_data *b, const size_t *match, const int *bk)
{
    size_t nc = d->n_cats, *renum = malloc((d->n_docs ? d->n_docs : 1) * sizeof *renum);
    double *sb = malloc((d->n_docs ? d->n_docs : 1) * nc * sizeof *sb);
    if (!renum || !sb) {
        free(renum);
        free(sb);
        return CLF_E_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < d->n_docs; i++) {
        renum[i] = SIZE_MAX;
        if (match[i] == SIZE_MAX)
            continue;
        renum[i] = m;
        memmove(d->sa + m * nc, d->sa + i * nc, nc * sizeof *d->sa);
        for (size_t k = 0; k < nc; k++)
            sb[m * nc + k] = bk[k] >= 0 ? b->sa[match[i] * b->n_cats + (size_t)bk[k]] : 0.0;
        d->pos[m] = d->pos[i];
        d->src[m] = d->src[i];
        d->key[m] = d->key[i];
        m++;
    }
    for (size_t s = 0; s < d->n_sources; s++) {
        clf_eval_source *src = &d->sources[s];
        for (size_t k = 0; k < nc; k++) {
            clf_eval_cand *lists[] = {src->fp[k], src->fn[k]};
            size_t *counts[] = {&src->n_fp[k], &src->n_fn[k]};
            for (size_t l = 0; l < 2; l++) {
                size_t kept = 0;
                for (size_t c = 0; c < *counts[l]; c++) {
                    clf_eval_cand cd = lists[l][c];
                    if (renum[cd.doc] == SIZE_MAX) {
                        free(cd.id);
                        free(cd.text);
                        continue;
                    }
                    cd.doc = renum[cd.doc];
                    lists[l][kept++] = cd;
                }
                *counts[l] = kept;
            }
        }
    }
    free(renum);
    free(d->sb);
    d->sb = sb;
    d->n_docs = m;
    d->cap_docs = m;
    return CLF_OK;
}

int clf_eval_data_pair(clf_eval_data *d, const clf_eval_data *b)
{
    if (!d || !b || d->has_b || d->n_pairing)
        return clf__error(CLF_E_INVALID_ARG, "eval: bad arguments to clf_eval_data_pair");
    int bk[CLF_EVAL_MAX_CATEGORIES];
    for (size_t k = 0; k < d->n_cats; k++) {
        bk[k] = -1;
        for (size_t j = 0; j < b->n_cats; j++)
            if (!strcmp(d->cats[k], b->cats[j]))
                bk[k] = (int)j;
    }
    size_t *b_src = malloc((b->n_sources ? b->n_sources : 1) * sizeof *b_src);
    size_t *match = malloc((d->n_docs ? d->n_docs : 1) * sizeof *match);
    int rc = b_src && match ? pairing_table(d, b, b_src) : CLF_E_NOMEM;
    if (rc == CLF_OK)
        rc = match_documents(d, b, b_src, match);
    if (rc == CLF_OK)
        rc = check_shared(d); /* sets its own message */
    else
        rc = clf__error(rc, "eval: out of memory");
    if (rc == CLF_OK && keep_matched(d, b, match, bk) != CLF_OK)
        rc = clf__error(CLF_E_NOMEM, "eval: out of memory");
    free(b_src);
    free(match);
    if (rc != CLF_OK) { /* d as it was */
        for (size_t i = 0; i < d->n_pairing; i++)
            free(d->pairing[i].source);
        free(d->pairing);
        d->pairing = NULL;
        d->n_pairing = 0;
        return rc;
    }
    for (size_t k = 0; k < d->n_cats; k++)
        d->thr_b[k] = bk[k] >= 0 ? b->thr_a[bk[k]] : NAN;
    /* documents with a decision that differs between the two runs, by the rule of
     * clf_eval_data_add; counted only (no text is kept here to list them by) */
    size_t changed = 0;
    for (size_t i = 0; i < d->n_docs; i++)
        for (size_t k = 0; k < d->n_cats; k++) {
            double pa = d->sa[i * d->n_cats + k], pb = d->sb[i * d->n_cats + k];
            if (!isnan(d->thr_b[k]) && (pa >= d->thr_a[k]) != (pb >= d->thr_b[k])) {
                changed++;
                break;
            }
        }
    d->has_b = 1;
    d->n_changed = changed;
    return CLF_OK;
}

size_t clf_eval_data_docs(const clf_eval_data *d)
{
    return d ? d->n_docs : 0;
}

/*
 * Keep the k worst errors seen so far in an unsorted array: for false
 * positives the highest scores, for false negatives the lowest. Equal
 * scores keep the earlier document, so the choice does not depend on
 * anything but input order.
 */
static int offer(clf_eval_cand **arr, size_t *n, size_t k, int want_high, size_t doc,
                 double score, const char *id, const char *text, size_t len)
{
    if (k == 0)
        return CLF_OK;
    size_t slot = *n;
    if (*n == k) {
        size_t worst = 0;
        for (size_t i = 1; i < *n; i++) {
            double a = (*arr)[i].score, b = (*arr)[worst].score;
            /* the entry that would be dropped first: least bad, latest doc */
            if (want_high ? (a < b || (a == b && (*arr)[i].doc > (*arr)[worst].doc))
                          : (a > b || (a == b && (*arr)[i].doc > (*arr)[worst].doc)))
                worst = i;
        }
        double w = (*arr)[worst].score;
        if (want_high ? !(score > w) : !(score < w))
            return CLF_OK;
        slot = worst;
        free((*arr)[slot].id);
        free((*arr)[slot].text);
    } else if (!*arr) {
        *arr = calloc(k, sizeof **arr);
        if (!*arr)
            return clf__error(CLF_E_NOMEM, "eval: out of memory");
    }
    clf_eval_cand *c = &(*arr)[slot];
    c->doc = doc;
    c->score = score;
    c->id = strdup(id ? id : "");
    c->text = clf__memdup(text ? text : "", text ? len : 0);
    if (slot == *n)
        (*n)++;
    if (!c->id || !c->text)
        return clf__error(CLF_E_NOMEM, "eval: out of memory");
    return CLF_OK;
}

int clf_eval_data_add(clf_eval_data *d, size_t source, const char *id, const char *text,
                      size_t len, uint64_t positives, const double *scores_a,
                      const double *scores_b)
{
    if (!d || source >= d->n_sources || !scores_a || (d->has_b && !scores_b))
        return clf__error(CLF_E_INVALID_ARG, "eval: bad document");
    for (size_t k = 0; k < d->n_cats; k++)
        if (isnan(scores_a[k]) || (d->has_b && isnan(scores_b[k])))
            return clf__error(CLF_E_INVALID_ARG, "eval: document %s has a NaN score",
                              id ? id : "?");
    if (d->n_docs == d->cap_docs) {
        size_t cap = d->cap_docs ? d->cap_docs * 2 : 1024;
        double *sa = realloc(d->sa, cap * d->n_cats * sizeof *sa);
        if (sa)
            d->sa = sa;
        double *sb = d->has_b ? realloc(d->sb, cap * d->n_cats * sizeof *sb) : NULL;
        if (sb)
            d->sb = sb;
        uint64_t *pos = realloc(d->pos, cap * sizeof *pos);
        if (pos)
            d->pos = pos;
        uint32_t *src = realloc(d->src, cap * sizeof *src);
        if (src)
            d->src = src;
        uint64_t *key = realloc(d->key, cap * sizeof *key);
        if (key)
            d->key = key;
        if (!sa || (d->has_b && !sb) || !pos || !src || !key)
            return clf__error(CLF_E_NOMEM, "eval: out of memory");
        d->cap_docs = cap;
    }
    size_t doc = d->n_docs, nc = d->n_cats;
    clf_eval_source *s = &d->sources[source];
    memcpy(d->sa + doc * nc, scores_a, nc * sizeof *scores_a);
    if (d->has_b)
        memcpy(d->sb + doc * nc, scores_b, nc * sizeof *scores_b);
    d->pos[doc] = positives & s->annotates;
    d->src[doc] = (uint32_t)source;
    d->key[doc] = id ? XXH3_64bits(id, strlen(id)) : 0;
    d->n_docs++;
    if (d->has_b) {
        /* a decision that differs between the models: the list people read */
        uint64_t mask = 0;
        for (size_t k = 0; k < nc; k++)
            if (!isnan(d->thr_b[k]) && (scores_a[k] >= d->thr_a[k]) != (scores_b[k] >= d->thr_b[k]))
                mask |= (uint64_t)1 << k;
        if (mask && d->n_changed++ < CLF_EVAL_CHANGED_KEEP) {
            if (!d->changed) {
                d->changed = calloc(CLF_EVAL_CHANGED_KEEP, sizeof *d->changed);
                d->changed_mask = calloc(CLF_EVAL_CHANGED_KEEP, sizeof *d->changed_mask);
                if (!d->changed || !d->changed_mask)
                    return clf__error(CLF_E_NOMEM, "eval: out of memory");
            }
            clf_eval_cand *c = &d->changed[d->n_changed_kept];
            c->doc = doc;
            c->id = strdup(id ? id : "");
            c->text = malloc(len + 1);
            d->changed_mask[d->n_changed_kept++] = mask;
            if (!c->id || !c->text)
                return clf__error(CLF_E_NOMEM, "eval: out of memory");
            if (len)
                memcpy(c->text, text, len);
            c->text[len] = '\0';
        }
    }
    for (size_t k = 0; k < nc; k++) {
        uint64_t bit = (uint64_t)1 << k;
        if (!((s->annotates | s->negatives) & bit))
            continue;
        int y = (d->pos[doc] & bit) != 0, flagged = scores_a[k] >= d->thr_a[k];
        int rc = CLF_OK;
        if (!y && flagged)
            rc = offer(&s->fp[k], &s->n_fp[k], d->errors_k, 1, doc, scores_a[k], id, text, len);
        else if (y && !flagged)
            rc = offer(&s->fn[k], &s->n_fn[k], d->errors_k, 0, doc, scores_a[k], id, text, len);
        if (rc != CLF_OK)
            return rc;
    }
    return CLF_OK;
}

/* ---- label maps ---------------------------------------------------------- */

static int find_cat(size_t n_cats, const char *const *cats, const char *name, size_t len)
{
    for (size_t k = 0; k < n_cats; k++)
        if (strlen(cats[k]) == len && !strncmp(cats[k], name, len))
            return (int)k;
    return -1;
}

/* Parse "a+b+c" (or "a,b" when sep is ',') of category names into a mask. */
static int parse_cat_list(const char *s, size_t len, char sep, size_t n_cats,
                          const char *const *cats, uint64_t *mask)
{
    *mask = 0;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != sep)
            j++;
        if (j == i)
            return clf__error(CLF_E_PARSE, "eval: empty category name in \"%.*s\"", (int)len, s);
        int k = find_cat(n_cats, cats, s + i, j - i);
        if (k < 0)
            return clf__error(CLF_E_NOT_FOUND, "eval: the model has no category \"%.*s\"",
                              (int)(j - i), s + i);
        *mask |= (uint64_t)1 << k;
        i = j + 1;
    }
    return CLF_OK;
}

int clf_eval_parse_cats(const char *spec, size_t n_cats, const char *const *cats,
                        uint64_t *mask)
{
    if (!spec || !mask)
        return clf__error(CLF_E_INVALID_ARG, "eval: bad category list");
    return parse_cat_list(spec, strlen(spec), ',', n_cats, cats, mask);
}

void clf_eval_map_free(clf_eval_label_map *m, size_t n)
{
    if (!m)
        return;
    for (size_t i = 0; i < n; i++)
        free(m[i].label);
    free(m);
}

int clf_eval_parse_map(const char *spec, size_t n_cats, const char *const *cats,
                       clf_eval_label_map **out, size_t *n, uint64_t *targets)
{
    if (!spec || !out || !n || !targets)
        return clf__error(CLF_E_INVALID_ARG, "eval: bad --map");
    *out = NULL;
    *n = 0;
    *targets = 0;
    size_t cap = 1;
    for (const char *p = spec; *p; p++)
        cap += *p == ',';
    clf_eval_label_map *m = calloc(cap, sizeof *m);
    if (!m)
        return clf__error(CLF_E_NOMEM, "eval: out of memory");
    size_t count = 0;
    const char *p = spec;
    int rc = CLF_OK;
    while (*p && rc == CLF_OK) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq || eq == p) {
            rc = clf__error(CLF_E_PARSE, "eval: --map entry \"%.*s\" is not label=category[+category]",
                            (int)len, p);
            break;
        }
        m[count].label = clf__memdup(p, (size_t)(eq - p));
        if (!m[count].label) {
            rc = clf__error(CLF_E_NOMEM, "eval: out of memory");
            break;
        }
        rc = parse_cat_list(eq + 1, len - (size_t)(eq + 1 - p), '+', n_cats, cats, &m[count].cats);
        *targets |= m[count].cats;
        count++;
        p = end ? end + 1 : p + len;
    }
    if (rc != CLF_OK) {
        clf_eval_map_free(m, count);
        *targets = 0;
        return rc;
    }
    *out = m;
    *n = count;
    return CLF_OK;
}

/* The categories a record's labels make it a positive of. */
static int map_labels(const clf_eval_data *d, const clf_eval_mapping *map, const clf_record *rec,
                      uint64_t *positive, const char **unknown)
{
    *positive = 0;
    *unknown = NULL;
    if (map->recipe) {
        uint64_t rmask = 0;
        int rc = clf_recipe_map_labels(map->recipe, map->corpus, rec->labels, rec->n_labels,
                                       &rmask, unknown);
        if (rc != CLF_OK)
            return rc;
        for (size_t k = 0; k < map->recipe->n_categories && k < 64; k++)
            if ((rmask >> k & 1) && map->cat_map[k] >= 0)
                *positive |= (uint64_t)1 << map->cat_map[k];
        return CLF_OK;
    }
    for (size_t i = 0; i < rec->n_labels; i++) {
        const char *l = rec->labels[i];
        if (!l || !*l)
            continue;
        if (map->n_map) {
            const clf_eval_label_map *hit = NULL, *star = NULL;
            for (size_t j = 0; j < map->n_map && !hit; j++) {
                if (!strcmp(map->map[j].label, l))
                    hit = &map->map[j];
                else if (!strcmp(map->map[j].label, "*"))
                    star = &map->map[j];
            }
            if (!hit)
                hit = star;
            if (!hit) {
                *unknown = l;
                return CLF_E_LABEL;
            }
            *positive |= hit->cats;
        } else {
            int k = find_cat(d->n_cats, (const char *const *)d->cats, l, strlen(l));
            if (k < 0) {
                *unknown = l;
                return CLF_E_LABEL;
            }
            *positive |= (uint64_t)1 << k;
        }
    }
    return CLF_OK;
}

#define MAX_NOTES 5

static void note(const clf_eval_read_options *ro, const char *fmt, ...) CLF_PRINTF(2, 3);
static void note(const clf_eval_read_options *ro, const char *fmt, ...)
{
    if (!ro || !ro->note)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ro->note(ro->note_ctx, msg);
}

/* A bad row: an error naming it, or (skip_bad_rows) skipped and counted. */
static int bad_row(const clf_eval_read_options *ro, clf_eval_file_stats *st, int code, const char *path,
                   size_t line, const char *what)
{
    if (!ro || !ro->skip_bad_rows)
        return clf__error(code, "%s:%zu: %s (use --skip-bad-rows to skip such rows)", path, line, what);
    if (st->skipped++ < MAX_NOTES)
        note(ro, "%s:%zu: skipped: %s", path, line, what);
    return CLF_OK;
}

int clf_eval_score_file(clf_eval_data *d, size_t source, const char *path, clf_format fmt,
                        const clf_eval_mapping *map, clf_scorer *a, clf_scorer *b,
                        const int *bidx, const clf_eval_read_options *ro,
                        clf_eval_file_stats *stats)
{
    if (!d || !path || !map || !a || source >= d->n_sources || (d->has_b && (!b || !bidx)))
        return clf__error(CLF_E_INVALID_ARG, "eval: bad arguments to clf_eval_score_file");
    clf_eval_file_stats st = {0, 0, 0};
    clf_reader *r = NULL;
    int rc = clf_reader_open(&r, path, fmt, NULL);
    if (rc != CLF_OK)
        return rc;
    /* model B may have more categories than A: room for any model */
    enum { NB = 256 };
    const size_t nb = NB;
    clf_score_result res_a[CLF_EVAL_MAX_CATEGORIES], res_b[NB];
    double sa[CLF_EVAL_MAX_CATEGORIES], sb[CLF_EVAL_MAX_CATEGORIES];
    clf_record rec;
    int got;
    while ((got = clf_reader_next(r, &rec)) == 1) {
        if (rec.error != CLF_OK) {
            /* the reader's message already names the file and line */
            if (!ro || !ro->skip_bad_rows) {
                rc = clf__error(rec.error, "%s (use --skip-bad-rows to skip such rows)", rec.error_msg);
                break;
            }
            if (st.skipped++ < MAX_NOTES)
                note(ro, "skipped: %s", rec.error_msg);
            continue;
        }
        if (!rec.has_labels) {
            rc = clf__error(CLF_E_PARSE, "%s: records have no labels (format %s): eval needs "
                            "labeled data (tsv, fasttext or jsonl with labels)",
                            path, clf_format_name(clf_reader_format(r)));
            break;
        }
        uint64_t positive;
        const char *unknown;
        if ((rc = map_labels(d, map, &rec, &positive, &unknown)) != CLF_OK) {
            if (rc != CLF_E_LABEL)
                break;
            char what[600];
            snprintf(what, sizeof what, "label \"%s\" is not mapped to a category%s",
                     unknown ? unknown : "?", map->recipe ? " by the recipe" :
                     " (use --map label=category, or label= to ignore it)");
            if ((rc = bad_row(ro, &st, CLF_E_LABEL, path, rec.line, what)) != CLF_OK)
                break;
            continue;
        }
        /* the corpus's recipe "rewrite" rules, exactly as training applies them */
        const char *text = rec.text;
        size_t tlen = rec.text_len;
        char *rw = NULL;
        if (map->recipe) {
            if ((rc = clf_recipe_rewrite(&map->recipe->corpora[map->corpus], rec.text, rec.text_len,
                                         &rw, &tlen)) != CLF_OK)
                break;
            if (rw)
                text = rw;
        }
        clf_doc_info info = {0, 0, 0};
        int s1 = clf_score(a, text, tlen, res_a, CLF_EVAL_MAX_CATEGORIES, &info);
        int s2 = b ? clf_score(b, text, tlen, res_b, nb, NULL) : 0;
        if (s1 == CLF_E_NOMEM || s2 == CLF_E_NOMEM) {
            free(rw);
            rc = CLF_E_NOMEM;
            break;
        }
        if (s1 < 0 || s2 < 0) {
            char what[600];
            snprintf(what, sizeof what, "%s", clf_last_error()[0] ? clf_last_error() : clf_strerror(s1 < 0 ? s1 : s2));
            free(rw);
            if ((rc = bad_row(ro, &st, s1 < 0 ? s1 : s2, path, rec.line, what)) != CLF_OK)
                break;
            continue;
        }
        st.truncated += info.truncated != 0 || rec.truncated;
        for (size_t k = 0; k < d->n_cats; k++) {
            sa[k] = res_a[k].probability;
            sb[k] = b && bidx[k] >= 0 && (size_t)bidx[k] < nb ? res_b[bidx[k]].probability : 0.0;
        }
        rc = clf_eval_data_add(d, source, rec.id, text, tlen, positive, sa, b ? sb : NULL);
        free(rw);
        if (rc != CLF_OK)
            break;
        st.records++;
    }
    if (got < 0 && rc == CLF_OK)
        rc = got;
    clf_reader_close(r);
    if (st.skipped)
        note(ro, "%s: skipped %zu bad row%s", path, st.skipped, st.skipped == 1 ? "" : "s");
    if (stats)
        *stats = st;
    return rc;
}
