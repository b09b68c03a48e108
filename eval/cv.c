/*
 * cv.c - K-fold cross-validation of a recipe through the training API and
 * the public scoring API (see cv.h).
 */
#include "cv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <xxhash.h>

#include "internal.h"
#include "dataset.h"
#include "train.h"

void clf_eval_cv_options_init(clf_eval_cv_options *o)
{
    memset(o, 0, sizeof *o);
    o->folds = 5;
    o->errors_k = 5;
}

/* One training document of a recipe corpus, kept in memory. */
typedef struct cv_doc {
    char *id;
    char *text;
    size_t len;
    size_t n_labels;
    char **labels;
    unsigned int fold;
} cv_doc;

typedef struct cv_corpus {
    size_t n, cap;
    cv_doc *docs;
    size_t skipped;
} cv_corpus;

static void free_corpus(cv_corpus *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->docs[i].id);
        free(c->docs[i].text);
        for (size_t j = 0; j < c->docs[i].n_labels; j++)
            free(c->docs[i].labels[j]);
        free(c->docs[i].labels);
    }
    free(c->docs);
}

static void note(const clf_eval_cv_options *o, const char *fmt, ...) CLF_PRINTF(2, 3);
static void note(const clf_eval_cv_options *o, const char *fmt, ...)
{
    if (!o->note)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->note(o->note_ctx, msg);
}

/*
 * Corpus c's train split. Each text is rewritten by rw, the evaluated
 * recipe's rules for the corpus (what its training, and so its fold models,
 * see, and what the held-out fold is scored on); the fold comes from the
 * text as the fold recipe rewrites it (fold_rw, its corpus of that name, or
 * none) and normalizes it, training's rule, so that two recipes compared on
 * the same folds get the same folds.
 */
static int read_corpus(cv_corpus *c, const char *path, clf_format fmt, const clf_recipe *rcp,
                       const clf_recipe_corpus *rw, const clf_recipe_corpus *fold_rw,
                       const clf_eval_cv_options *o, clf_normalizer *nz)
{
    clf_reader *r = NULL;
    int rc = clf_reader_open(&r, path, fmt, NULL);
    if (rc != CLF_OK)
        return rc;
    const uint64_t seed = clf_cv_outer_seed(rcp->seed);
    clf_record rec;
    int got;
    while ((got = clf_reader_next(r, &rec)) == 1) {
        if (rec.error != CLF_OK) {
            /* the rule of training and of holdout eval: stop, or skip and count */
            if (!o->skip_bad_rows) {
                rc = clf__error(rec.error, "%s (use --skip-bad-rows to skip such rows)", rec.error_msg);
                break;
            }
            if (c->skipped++ < 5)
                note(o, "skipped: %s", rec.error_msg);
            continue;
        }
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 1024;
            cv_doc *p = realloc(c->docs, cap * sizeof *p);
            if (!p) {
                rc = clf__error(CLF_E_NOMEM, "eval --cv: out of memory");
                break;
            }
            c->docs = p;
            c->cap = cap;
        }
        cv_doc *d = &c->docs[c->n++];
        memset(d, 0, sizeof *d);
        d->id = clf__memdup(rec.id, strlen(rec.id));
        char *t = NULL, *ft = NULL;
        size_t tl, ftl;
        if ((rc = clf_recipe_rewrite(rw, rec.text, rec.text_len, &t, &tl)) != CLF_OK ||
            (fold_rw && fold_rw != rw &&
             (rc = clf_recipe_rewrite(fold_rw, rec.text, rec.text_len, &ft, &ftl)) != CLF_OK)) {
            free(t);
            break;
        }
        d->text = t ? t : clf__memdup(rec.text, rec.text_len);
        d->len = t ? tl : rec.text_len;
        d->labels = calloc(rec.n_labels ? rec.n_labels : 1, sizeof *d->labels);
        /* training's fold rule: texts that normalize alike share a fold */
        const char *norm = "";
        size_t nlen = 0;
        int nrc = ft                ? clf_normalize(nz, ft, ftl, &norm, &nlen, NULL)
                  : fold_rw == rw && t ? clf_normalize(nz, t, tl, &norm, &nlen, NULL)
                                       : clf_normalize(nz, rec.text, rec.text_len, &norm, &nlen, NULL);
        free(ft);
        if (nrc != CLF_OK) {
            rc = clf__error(nrc, "%s:%zu: %s", path, rec.line, clf_last_error());
            break;
        }
        d->fold = clf_fold_of(norm, nlen, seed, o->folds);
        if (!d->id || !d->text || !d->labels) {
            rc = clf__error(CLF_E_NOMEM, "eval --cv: out of memory");
            break;
        }
        for (size_t j = 0; j < rec.n_labels; j++) {
            if (!(d->labels[j] = clf__memdup(rec.labels[j], strlen(rec.labels[j])))) {
                rc = clf__error(CLF_E_NOMEM, "eval --cv: out of memory");
                break;
            }
            d->n_labels = j + 1;
        }
        if (rc != CLF_OK)
            break;
    }
    if (got < 0 && rc == CLF_OK)
        rc = got;
    clf_reader_close(r);
    return rc;
}

/* TSV field: tabs and newlines would break the row, so they become spaces. */
static void put_field(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc(s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i], f);
}

static int write_fold_file(const char *path, const cv_corpus *c, unsigned int held_out)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return clf__error(CLF_E_IO, "%s: %s", path, strerror(errno));
    fputs("id\tlabels\ttext\n", f);
    for (size_t i = 0; i < c->n; i++) {
        const cv_doc *d = &c->docs[i];
        if (d->fold == held_out)
            continue;
        put_field(f, d->id, strlen(d->id));
        fputc('\t', f);
        for (size_t j = 0; j < d->n_labels; j++) {
            if (j)
                fputc(',', f);
            put_field(f, d->labels[j], strlen(d->labels[j]));
        }
        fputc('\t', f);
        put_field(f, d->text, d->len);
        fputc('\n', f);
    }
    if (fclose(f) != 0)
        return clf__error(CLF_E_IO, "%s: %s", path, strerror(errno));
    return CLF_OK;
}

/* The recipe of fold `fold`: same options, corpora pointing at the fold files. */
static int fold_recipe(clf_recipe **out, const clf_recipe *r, const cv_corpus *corp, unsigned int fold)
{
    json_t *j = json_deep_copy(r->json);
    json_t *corpora = j ? json_object_get(j, "corpora") : NULL;
    if (!j || !json_is_array(corpora)) {
        json_decref(j);
        return clf__error(CLF_E_NOMEM, "eval --cv: cannot copy the recipe");
    }
    /* Walk backwards so removing a corpus keeps the remaining indices valid. */
    for (size_t i = json_array_size(corpora); i-- > 0;) {
        json_t *c = json_array_get(corpora, i);
        int ci = clf_recipe_corpus_index(r, json_string_value(json_object_get(c, "name")));
        if (ci < 0 || !r->corpora[ci].train || corp[ci].n == 0) {
            json_array_remove(corpora, i);
            continue;
        }
        char rel[64];
        snprintf(rel, sizeof rel, "fold%u/corpus%d.tsv", fold, ci);
        json_object_set_new(c, "train", json_string(rel));
        json_object_del(c, "dev");
        json_object_del(c, "format"); /* a plain path: under the fold's corpora root */
        json_object_del(c, "rewrite"); /* the fold files hold the texts already rewritten */
    }
    json_t *tr = json_object_get(j, "training");
    if (json_is_object(tr))
        json_object_set_new(tr, "threshold_source", json_string("oof"));
    char *text = json_dumps(j, 0);
    json_decref(j);
    if (!text)
        return clf__error(CLF_E_NOMEM, "eval --cv: out of memory");
    char source[300];
    snprintf(source, sizeof source, "%s (fold %u)", r->source ? r->source : "recipe", fold);
    int rc = clf_recipe_parse(out, text, strlen(text), source);
    free(text);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void remove_tree(const char *dir, unsigned int folds, size_t n_corpora)
{
    char path[4096];
    for (unsigned int f = 0; f < folds; f++) {
        for (size_t c = 0; c < n_corpora; c++) {
            snprintf(path, sizeof path, "%s/fold%u/corpus%zu.tsv", dir, f, c);
            unlink(path);
        }
        snprintf(path, sizeof path, "%s/fold%u.clf", dir, f);
        unlink(path);
        snprintf(path, sizeof path, "%s/fold%u", dir, f);
        rmdir(path);
    }
    rmdir(dir);
}

/* The state of one cross-validation run, shared by its steps. */
typedef struct cv_run {
    const clf_recipe *r;
    const clf_eval_cv_options *o;
    unsigned int K;
    size_t nc, ncorp;
    cv_corpus *corp;
    double *fold_thr;      /* K x nc: each fold model's thresholds */
    char dir[2048];        /* the temporary directory */
} cv_run;

/* 1. Read every train split once, folds by the fold recipe's normalization and seed. */
static int cv_read(cv_run *R)
{
    const clf_recipe *r = R->r, *fr = R->o->fold_recipe ? R->o->fold_recipe : r;
    clf_normalizer *nz = NULL;
    int rc = clf_normalizer_new(&nz, &fr->nopts);
    for (size_t c = 0; c < R->ncorp && rc == CLF_OK; c++) {
        if (!r->corpora[c].train)
            continue;
        char *file = clf_recipe_file(r, c, 0, R->o->corpora_root);
        if (!file) {
            rc = clf__error(CLF_E_NOMEM, "eval --cv: out of memory");
            break;
        }
        int fc = fr == r ? (int)c : clf_recipe_corpus_index(fr, r->corpora[c].name);
        rc = read_corpus(&R->corp[c], file, r->corpora[c].format, fr, &r->corpora[c],
                         fc >= 0 ? &fr->corpora[fc] : NULL, R->o, nz);
        free(file);
        if (rc == CLF_OK)
            note(R->o, "eval --cv: %s: %zu documents", r->corpora[c].name, R->corp[c].n);
        if (rc == CLF_OK && R->corp[c].skipped)
            note(R->o, "eval --cv: %s: skipped %zu bad row%s", r->corpora[c].name, R->corp[c].skipped,
                 R->corp[c].skipped == 1 ? "" : "s");
    }
    clf_normalizer_free(nz);
    return rc;
}

/* 2. Train the model of fold f on the other folds; keep its thresholds. */
static int cv_train_fold(cv_run *R, unsigned int f)
{
    const clf_recipe *r = R->r;
    char path[4096];
    snprintf(path, sizeof path, "%s/fold%u", R->dir, f);
    if (mkdir(path, 0700) != 0)
        return clf__error(CLF_E_IO, "%s: %s", path, strerror(errno));
    int rc = CLF_OK;
    for (size_t c = 0; c < R->ncorp && rc == CLF_OK; c++) {
        if (!r->corpora[c].train || R->corp[c].n == 0)
            continue;
        snprintf(path, sizeof path, "%s/fold%u/corpus%zu.tsv", R->dir, f, c);
        rc = write_fold_file(path, &R->corp[c], f);
    }
    clf_recipe *fr = NULL;
    if (rc == CLF_OK)
        rc = fold_recipe(&fr, r, R->corp, f);
    if (rc != CLF_OK)
        return rc;
    note(R->o, "eval --cv: fold %u/%u: training...", f + 1, R->K);
    clf_train_options to = CLF_TRAIN_OPTIONS_INIT;
    to.corpora_root = R->dir;
    to.threads = R->o->threads;
    snprintf(path, sizeof path, "%s/fold%u.clf", R->dir, f);
    rc = clf_train(fr, &to, path, NULL);
    clf_recipe_free(fr);
    clf_model *m = NULL;
    if (rc != CLF_OK || (rc = clf_model_load(&m, path)) != CLF_OK)
        return rc;
    for (size_t k = 0; k < R->nc; k++) {
        size_t mk;
        R->fold_thr[f * R->nc + k] = clf_model_category_index(m, r->categories[k], &mk) == CLF_OK
                                         ? clf_model_threshold(m, mk)
                                         : NAN;
    }
    clf_model_free(m);
    return CLF_OK;
}

/* 3. One decision threshold per category: an override, else the median fold threshold. */
static void cv_thresholds(const cv_run *R, double *thr)
{
    const clf_eval_cv_options *o = R->o;
    for (size_t k = 0; k < R->nc; k++) {
        double v[20];
        size_t m = 0;
        for (unsigned int f = 0; f < R->K; f++)
            if (!isnan(R->fold_thr[f * R->nc + k]))
                v[m++] = R->fold_thr[f * R->nc + k];
        qsort(v, m, sizeof v[0], cmp_double);
        thr[k] = m == 0 ? 0.5 : m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
        for (size_t i = 0; i < o->n_thr; i++)
            if (!strcmp(o->thr_names[i], R->r->categories[k]))
                thr[k] = o->thr_values[i];
        note(o, "eval --cv: %s: decision threshold %.4f", R->r->categories[k], thr[k]);
    }
}

/* 4. Score the held-out fold f with the model that did not see it. */
static int cv_score_fold(cv_run *R, unsigned int f, clf_eval_data *data, const int *src_of)
{
    const clf_recipe *r = R->r;
    clf_model *m = NULL;
    clf_scorer *sc = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/fold%u.clf", R->dir, f);
    int rc;
    if ((rc = clf_model_load(&m, path)) != CLF_OK || (rc = clf_scorer_new(&sc, m)) != CLF_OK) {
        clf_model_free(m);
        return rc;
    }
    int midx[CLF_EVAL_MAX_CATEGORIES];
    for (size_t k = 0; k < R->nc; k++) {
        size_t mk;
        midx[k] = clf_model_category_index(m, r->categories[k], &mk) == CLF_OK ? (int)mk : -1;
    }
    clf_score_result res[CLF_EVAL_MAX_CATEGORIES];
    double p[CLF_EVAL_MAX_CATEGORIES];
    for (size_t c = 0; c < R->ncorp && c < 256 && rc == CLF_OK; c++) {
        if (src_of[c] < 0)
            continue;
        for (size_t i = 0; i < R->corp[c].n && rc == CLF_OK; i++) {
            const cv_doc *d = &R->corp[c].docs[i];
            if (d->fold != f)
                continue;
            uint64_t pos = 0;
            const char *unknown = NULL;
            rc = clf_recipe_map_labels(r, c, (const char *const *)d->labels, d->n_labels, &pos, &unknown);
            if (rc == CLF_E_LABEL) {
                rc = clf__error(rc, "%s: document %s: label \"%s\" is not mapped by the recipe",
                                r->corpora[c].name, d->id, unknown ? unknown : "?");
                break;
            }
            int s = clf_score(sc, d->text, d->len, res, CLF_EVAL_MAX_CATEGORIES, NULL);
            if (s < 0)
                continue; /* the reader already rejected invalid text: cannot happen */
            for (size_t k = 0; k < R->nc; k++)
                p[k] = midx[k] >= 0 ? res[midx[k]].probability : 0.0;
            rc = clf_eval_data_add(data, (size_t)src_of[c], d->id, d->text, d->len, pos, p, NULL);
        }
    }
    clf_scorer_free(sc);
    clf_model_free(m);
    return rc;
}

/* 3-4: the evaluation data of the out-of-fold scores, one source per selected corpus. */
static int cv_collect(cv_run *R, clf_eval_data **out)
{
    const clf_recipe *r = R->r;
    double thr[CLF_EVAL_MAX_CATEGORIES];
    const char *cats[CLF_EVAL_MAX_CATEGORIES];
    cv_thresholds(R, thr);
    for (size_t k = 0; k < R->nc; k++)
        cats[k] = r->categories[k];
    clf_eval_data *data = NULL;
    int rc = clf_eval_data_new(&data, R->nc, cats, thr, NULL, R->o->errors_k);
    int src_of[256];
    for (size_t c = 0; c < R->ncorp && rc == CLF_OK; c++) {
        src_of[c] = -1;
        if ((R->o->selected && !R->o->selected[c]) || R->corp[c].n == 0)
            continue;
        int s = clf_eval_data_add_source(data, r->corpora[c].name, r->corpora[c].annotates,
                                         r->corpora[c].negatives_for);
        if (s < 0)
            rc = s;
        src_of[c] = s;
    }
    for (unsigned int f = 0; f < R->K && rc == CLF_OK; f++)
        rc = cv_score_fold(R, f, data, src_of);
    if (rc != CLF_OK) {
        clf_eval_data_free(data);
        return rc;
    }
    *out = data;
    return CLF_OK;
}

int clf_eval_cv_run(const clf_recipe *r, const clf_eval_cv_options *o, clf_eval_data **out)
{
    if (!r || !o || !out || !o->corpora_root || o->folds < 2 || o->folds > 20 ||
        r->n_categories > CLF_EVAL_MAX_CATEGORIES || r->n_corpora > 256)
        return clf__error(CLF_E_INVALID_ARG, "eval --cv: bad arguments");
    *out = NULL;
    cv_run R = {r, o, o->folds, r->n_categories, r->n_corpora, NULL, NULL, ""};
    R.corp = calloc(R.ncorp ? R.ncorp : 1, sizeof *R.corp);
    R.fold_thr = malloc(R.K * R.nc * sizeof *R.fold_thr);
    const char *tmp = getenv("TMPDIR");
    snprintf(R.dir, sizeof R.dir, "%s/clf-cv.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int rc = CLF_OK, have_dir = 0;
    if (!R.corp || !R.fold_thr)
        rc = clf__error(CLF_E_NOMEM, "eval --cv: out of memory");
    else if (!mkdtemp(R.dir))
        rc = clf__error(CLF_E_IO, "eval --cv: cannot create a temporary directory: %s", strerror(errno));
    else
        have_dir = 1;
    if (rc == CLF_OK)
        rc = cv_read(&R);
    for (unsigned int f = 0; f < R.K && rc == CLF_OK; f++)
        rc = cv_train_fold(&R, f);
    if (rc == CLF_OK)
        rc = cv_collect(&R, out);
    if (have_dir)
        remove_tree(R.dir, R.K, R.ncorp);
    for (size_t c = 0; R.corp && c < R.ncorp; c++)
        free_corpus(&R.corp[c]);
    free(R.corp);
    free(R.fold_thr);
    return rc;
}
