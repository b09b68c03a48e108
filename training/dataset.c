/*
 * dataset.c - reading a recipe's corpora, featurizing every document once
 * (in parallel, one featurizer per worker), document frequencies, IDF and
 * the liblinear vectors shared by all categories.
 */
#include "dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linear.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>
#include <xxhash.h>

#include "corpus.h"
#include "features/featurize_internal.h"
#include "internal.h"
#include "model/format.h"
#include "normalize/norm_internal.h"
#include "pool.h"
#include "classify/score.h"
#include "score/span_cut.h"

/* Documents per featurization job: small enough to balance two cores,
 * large enough that handing out jobs costs nothing. */
#define FEATURIZE_CHUNK 64

typedef struct raw_doc {
    char *text;             /* freed after featurization */
    size_t len;
    clf__count *counts;     /* sorted by bucket */
    size_t n_counts;
    const char *fold_text;  /* a span of a cut row (train_unit): the row's text, whose fold the
                               span takes (owned by the loader's parents); else NULL */
    size_t fold_len;
} raw_doc;

typedef struct loader {
    const clf_recipe *r;
    const clf_dataset_options *o;
    clf_dataset *d;
    raw_doc *raw;
    size_t cap;
    /* featurization */
    clf_featurizer **feats; /* one per worker */
    clf_normalizer **nzs;   /* one per worker: the folds of cut rows' spans */
    char **parents;         /* the texts of cut rows (train_unit), freed with the raw docs */
    size_t n_parents, cap_parents;
    size_t featurized;      /* progress, under the progress lock */
    int featurize_failed_doc;
    uint64_t *artefact;     /* drop_artefacts: bit b = bucket b holds an artefact feature */
} loader;

/* XXH3-64 of a whole file, recorded in the model so that a model names
 * exactly the data it was trained on. */
static int file_checksum(const char *path, const char *corpus, uint64_t *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return clf__error(CLF_E_IO, "%s: cannot open (corpus %s): %s", path, corpus,
                          strerror(errno));
    XXH3_state_t *st = XXH3_createState();
    if (!st) {
        fclose(f);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    XXH3_64bits_reset(st);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        XXH3_64bits_update(st, buf, got);
    int bad = ferror(f);
    fclose(f);
    *out = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    if (bad)
        return clf__error(CLF_E_IO, "%s: read error", path);
    return CLF_OK;
}

static int push_text(loader *L, const char *text, size_t len, size_t line, uint32_t corpus,
                     int split, uint64_t uses, uint64_t positive, int rewrite)
{
    clf_dataset *d = L->d;
    if (d->n_docs == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 4096;
        clf_doc *docs = realloc(d->docs, cap * sizeof *docs);
        if (!docs)
            return clf__error(CLF_E_NOMEM, "out of memory");
        d->docs = docs;
        raw_doc *raw = realloc(L->raw, cap * sizeof *raw);
        if (!raw)
            return clf__error(CLF_E_NOMEM, "out of memory");
        L->raw = raw;
        L->cap = cap;
    }
    raw_doc *rd = &L->raw[d->n_docs];
    memset(rd, 0, sizeof *rd);
    rd->text = malloc(len + 1);
    if (!rd->text)
        return clf__error(CLF_E_NOMEM, "out of memory");
    memcpy(rd->text, text, len);
    rd->text[len] = '\0';
    rd->len = len;
    char *rw = NULL;
    size_t rl;
    if (rewrite && clf_recipe_rewrite(&L->r->corpora[corpus], rd->text, rd->len, &rw, &rl) != CLF_OK)
        return CLF_E_NOMEM;
    if (rw) {
        free(rd->text);
        rd->text = rw;
        rd->len = rl;
    }
    clf_doc *doc = &d->docs[d->n_docs++];
    memset(doc, 0, sizeof *doc);
    doc->corpus = corpus;
    doc->split = (uint8_t)split;
    doc->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    doc->uses = uses;
    doc->positive = positive;
    return CLF_OK;
}

/* Keep a copy of text for the loader's lifetime (a cut row's parent, a
 * fold text); NULL when out of memory. */
static char *keep_text(loader *L, const char *text, size_t len)
{
    if (L->n_parents == L->cap_parents) {
        size_t cap = L->cap_parents ? L->cap_parents * 2 : 256;
        char **p = realloc(L->parents, cap * sizeof *p);
        if (!p)
            return NULL;
        L->parents = p;
        L->cap_parents = cap;
    }
    char *t = malloc(len + 1);
    if (!t)
        return NULL;
    memcpy(t, text, len);
    t[len] = '\0';
    L->parents[L->n_parents++] = t;
    return t;
}

/*
 * A training row as one document (rewritten). With "rewritten_only" a row
 * the rewrite leaves as it was gives no document (*pushed stays), and a
 * rewritten one takes the fold of its original text, so that it never sits
 * on the other side of a fold from the original another corpus entry reads.
 */
static int push_doc(loader *L, const clf_record *rec, uint32_t corpus, int split, uint64_t uses,
                    uint64_t positive, size_t *pushed)
{
    const clf_recipe_corpus *cp = &L->r->corpora[corpus];
    if (cp->rewritten_only && split == CLF_SPLIT_TRAIN) {
        char *rw = NULL;
        size_t rl;
        if (clf_recipe_rewrite(cp, rec->text, rec->text_len, &rw, &rl) != CLF_OK)
            return CLF_E_NOMEM;
        if (!rw)
            return CLF_OK;
        free(rw);
        const char *orig = keep_text(L, rec->text, rec->text_len);
        if (!orig)
            return clf__error(CLF_E_NOMEM, "out of memory");
        int rc = push_text(L, rec->text, rec->text_len, rec->line, corpus, split, uses, positive, 1);
        if (rc == CLF_OK) {
            L->raw[L->d->n_docs - 1].fold_text = orig;
            L->raw[L->d->n_docs - 1].fold_len = rec->text_len;
            ++*pushed;
        }
        return rc;
    }
    int rc = push_text(L, rec->text, rec->text_len, rec->line, corpus, split, uses, positive, 1);
    if (rc == CLF_OK)
        ++*pushed;
    return rc;
}

/* Does p[0..n) contain one of the rewrite's replacement strings? */
static int has_rewrite_to(const clf_recipe_corpus *cp, const char *p, size_t n)
{
    for (size_t i = 0; i < cp->n_rewrites; i++) {
        size_t tl = strlen(cp->rewrite_to[i]);
        for (size_t k = 0; tl && k + tl <= n; k++)
            if (!memcmp(p + k, cp->rewrite_to[i], tl))
                return 1;
    }
    return 0;
}

/*
 * A training row of a corpus with "train_unit": rewritten, then cut into
 * sentences or paragraphs by the rule of clf_score_spans(); each span is a
 * document with the row's labels. Every span takes the fold of the row's
 * original text (before any rewrite), so that the spans of one row never
 * sit on both sides of a fold, and neither do a row and its spans when
 * another corpus entry reads the same file whole or rewritten. A row with
 * no span (blank) gives no document. With "rewritten_only" only the spans
 * the rewrite changed are kept: span by span when the rewrite left the
 * cuts as they were, else the spans holding a replacement.
 */
static int push_cut_doc(loader *L, const clf_record *rec, uint32_t corpus, uint64_t uses,
                        uint64_t positive, size_t *pushed)
{
    const clf_recipe_corpus *cp = &L->r->corpora[corpus];
    char *rw = NULL;
    size_t rl = 0;
    if (clf_recipe_rewrite(cp, rec->text, rec->text_len, &rw, &rl) != CLF_OK)
        return CLF_E_NOMEM;
    if (!rw && cp->rewritten_only)
        return CLF_OK;
    const char *orig = keep_text(L, rec->text, rec->text_len);
    const char *whole = rw ? keep_text(L, rw, rl) : orig;
    size_t wl = rw ? rl : rec->text_len;
    free(rw);
    if (!orig || !whole)
        return clf__error(CLF_E_NOMEM, "out of memory");
    int unit = cp->train_unit == CLF_RECIPE_UNIT_PARAGRAPHS ? CLF_SPAN_PARAGRAPHS
                                                            : CLF_SPAN_SENTENCES;
    clf__cuts cuts = {0}, ocuts = {0};
    int rc = clf__span_cuts(&cuts, (const unsigned char *)whole, wl, unit, 0);
    if (rc == CLF_OK && cp->rewritten_only)
        rc = clf__span_cuts(&ocuts, (const unsigned char *)orig, rec->text_len, unit, 0);
    const int paired = cp->rewritten_only && ocuts.n == cuts.n;
    for (size_t i = 0; i < cuts.n && rc == CLF_OK; i++) {
        const char *sp = whole + cuts.v[i].begin;
        size_t sl = cuts.v[i].end - cuts.v[i].begin;
        if (cp->rewritten_only) {
            int changed = paired ? (ocuts.v[i].end - ocuts.v[i].begin != sl ||
                                    memcmp(orig + ocuts.v[i].begin, sp, sl) != 0)
                                 : has_rewrite_to(cp, sp, sl);
            if (!changed)
                continue;
        }
        rc = push_text(L, sp, sl, rec->line, corpus, CLF_SPLIT_TRAIN, uses, positive, 0);
        if (rc == CLF_OK) {
            L->raw[L->d->n_docs - 1].fold_text = orig;
            L->raw[L->d->n_docs - 1].fold_len = rec->text_len;
            ++*pushed;
        }
    }
    free(cuts.v);
    free(ocuts.v);
    return rc;
}

static int read_file(loader *L, size_t c, int split)
{
    const clf_recipe_corpus *cp = &L->r->corpora[c];
    clf_corpus_file *cf = &L->d->files[c][split];
    const char *rel = split == CLF_SPLIT_TRAIN ? cp->train : cp->dev;
    if (!rel)
        return CLF_OK;
    cf->present = 1;
    cf->rel = rel;
    if (!(cf->path = clf_recipe_file(L->r, c, split == CLF_SPLIT_DEV, L->o->corpora_root)))
        return clf__error(CLF_E_NOMEM, "out of memory");
    int rc = file_checksum(cf->path, cp->name, &cf->xxh3);
    if (rc != CLF_OK)
        return rc;
    clf_progress_step(L->o->progress, "read", rel, -1, 0, 0);
    clf_progress_note(L->o->progress, CLF_TRAIN_DETAIL, "read", "reading %s", cf->path);

    clf_reader *rd;
    if ((rc = clf_reader_open(&rd, cf->path, cp->format, NULL)) != CLF_OK)
        return rc;
    uint64_t uses = clf_recipe_uses(L->r, c);
    clf_record rec;
    while ((rc = clf_reader_next(rd, &rec)) == 1) {
        /* Without labels every document would be a negative of what the
         * corpus annotates: its positives would silently turn into negatives. */
        if (!rec.has_labels && cp->annotates) {
            rc = clf__error(CLF_E_PARSE, "%s: corpus %s of %s lists categories under \"annotates\" "
                            "but its records have no labels (read as %s): give a labeled file "
                            "(tsv, fasttext, jsonl with labels) or move the categories to "
                            "\"negatives_for\"", cf->path, cp->name, L->r->source,
                            clf_format_name(clf_reader_format(rd)));
            break;
        }
        if (rec.error != CLF_OK) {
            if (!L->o->skip_bad_rows) {
                rc = clf__error(rec.error, "%s (use --skip-bad-rows to skip such rows)",
                                rec.error_msg);
                break;
            }
            cf->skipped++;
            clf_progress_note(L->o->progress, CLF_TRAIN_DETAIL, "read", "skipped: %s",
                              rec.error_msg);
            continue;
        }
        uint64_t positive = 0;
        const char *unknown = NULL;
        rc = clf_recipe_map_labels(L->r, c, rec.labels, rec.n_labels, &positive, &unknown);
        if (rc == CLF_E_LABEL) {
            if (!L->o->skip_bad_rows) {
                rc = clf__error(CLF_E_LABEL,
                                "%s:%zu: label \"%s\" is not in the \"labels\" of corpus %s in "
                                "%s (map it, or use --skip-bad-rows to skip such rows)",
                                cf->path, rec.line, unknown, cp->name, L->r->source);
                break;
            }
            cf->skipped++;
            clf_progress_note(L->o->progress, CLF_TRAIN_DETAIL, "read",
                              "skipped: %s:%zu: unknown label \"%s\"", cf->path, rec.line,
                              unknown);
            rc = CLF_OK;
            continue;
        }
        if (rc != CLF_OK)
            break;
        if (split == CLF_SPLIT_TRAIN && cp->train_unit != CLF_RECIPE_UNIT_DOCUMENT) {
            if ((rc = push_cut_doc(L, &rec, (uint32_t)c, uses, positive, &cf->docs)) != CLF_OK)
                break;
        } else {
            if ((rc = push_doc(L, &rec, (uint32_t)c, split, uses, positive, &cf->docs)) != CLF_OK)
                break;
        }
        cf->rows++;
    }
    clf_reader_close(rd);
    if (rc < 0)
        return rc;
    L->d->skipped += cf->skipped;
    if (cf->skipped)
        clf_progress_note(L->o->progress, CLF_TRAIN_NOTE, "read", "%s: skipped %zu bad row%s",
                          cf->path, cf->skipped, cf->skipped == 1 ? "" : "s");
    return CLF_OK;
}

unsigned int clf_fold_of(const char *norm, size_t len, uint64_t seed, unsigned int folds)
{
    return folds ? (unsigned int)(XXH3_64bits_withSeed(norm, len, seed) % folds) : 0;
}

uint64_t clf_cv_outer_seed(uint64_t recipe_seed)
{
    return recipe_seed ^ UINT64_C(0x9E3779B97F4A7C15);
}

/* Whether the UTF-8 text p[0..len) has a letter or digit. */
static int has_alnum(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        UChar32 c;
        U8_NEXT(p, i, len, c);
        if (c >= 0 && u_isalnum(c))
            return 1;
    }
    return 0;
}

/* A token that carries no words: a placeholder (<url>, <user>, <email>)
 * or one without a letter or digit (punctuation, emoji, other symbols). */
static int artefact_token(const char *p, size_t len)
{
    if ((len == 5 && !memcmp(p, "<url>", 5)) || (len == 6 && !memcmp(p, "<user>", 6)) ||
        (len == 7 && !memcmp(p, "<email>", 7)))
        return 1;
    return !has_alnum(p, len);
}

/* A feature that comes only from source artefacts: a word n-gram with an
 * artefact token in it, or a character n-gram without a letter or digit
 * (those of emoji runs). Stems are always of Arabic words. */
static int artefact_feature(const clf_feature_text *ft)
{
    const char *t = ft->text;
    size_t len = strlen(t);
    if (ft->family == CLF_FAMILY_WORD) {
        size_t i = 0;
        while (i < len) {
            size_t j = i;
            while (j < len && t[j] != ' ')
                j++;
            if (j > i && artefact_token(t + i, j - i))
                return 1;
            i = j + 1;
        }
        return 0;
    }
    if (ft->family == CLF_FAMILY_CHAR || ft->family == CLF_FAMILY_CHAR_CROSS)
        return !has_alnum(t, len);
    return 0;
}

/* Mark the buckets of a training document's artefact features. */
static int mark_artefacts(loader *L, clf_featurizer *f, const raw_doc *rd)
{
    const clf_feature_text *ft;
    size_t n;
    int rc = clf_featurize_text(f, rd->text, rd->len, NULL, &ft, &n);
    if (rc != CLF_OK)
        return rc;
    for (size_t j = 0; j < n; j++)
        if (artefact_feature(&ft[j]))
            __atomic_fetch_or(&L->artefact[ft[j].index >> 6], UINT64_C(1) << (ft[j].index & 63),
                              __ATOMIC_RELAXED);
    return CLF_OK;
}

static int featurize_job(void *ctx, size_t job, unsigned int worker)
{
    loader *L = ctx;
    clf_dataset *d = L->d;
    clf_featurizer *f = L->feats[worker];
    size_t lo = job * FEATURIZE_CHUNK, hi = lo + FEATURIZE_CHUNK;
    if (hi > d->n_docs)
        hi = d->n_docs;
    for (size_t i = lo; i < hi; i++) {
        raw_doc *rd = &L->raw[i];
        const clf__count *counts;
        size_t n;
        int rc = clf__featurize_counts(f, rd->text, rd->len, 1, &counts, &n, NULL);
        if (rc != CLF_OK) {
            const clf_corpus_file *cf = &d->files[d->docs[i].corpus][d->docs[i].split];
            return clf__error(rc, "%s:%u: %s", cf->path, d->docs[i].line, clf_last_error());
        }
        rd->counts = malloc((n ? n : 1) * sizeof *rd->counts);
        if (!rd->counts)
            return clf__error(CLF_E_NOMEM, "out of memory");
        memcpy(rd->counts, counts, n * sizeof *counts);
        rd->n_counts = n;
        /* Folds follow the normalized text, so that duplicates (even ones
         * that differ only in diacritics or tatweel) share a fold. */
        size_t nlen;
        const char *norm = clf__featurizer_normalized(f, &nlen);
        /* the model written is of the current format: words by letters */
        size_t words = clf__featurizer_arabic_words(f, 1);
        d->docs[i].words = (uint16_t)(words < CLF__EVIDENCE_MAX_WORDS ? words
                                                                      : CLF__EVIDENCE_MAX_WORDS);
        if (rd->fold_text &&
            (rc = clf_normalize(L->nzs[worker], rd->fold_text, rd->fold_len, &norm, &nlen, NULL)) !=
                CLF_OK) {
            const clf_corpus_file *cf = &d->files[d->docs[i].corpus][d->docs[i].split];
            return clf__error(rc, "%s:%u: %s", cf->path, d->docs[i].line, clf_last_error());
        }
        d->docs[i].fold = (uint8_t)clf_fold_of(norm, nlen, L->r->seed, L->r->folds);
        if (L->artefact && d->docs[i].split == CLF_SPLIT_TRAIN &&
            (rc = mark_artefacts(L, f, rd)) != CLF_OK) {
            const clf_corpus_file *cf = &d->files[d->docs[i].corpus][d->docs[i].split];
            return clf__error(rc, "%s:%u: %s", cf->path, d->docs[i].line, clf_last_error());
        }
        free(rd->text);
        rd->text = NULL;
    }
    if (L->o->progress) {
        pthread_mutex_lock(&L->o->progress->lock);
        L->featurized += hi - lo;
        size_t done = L->featurized;
        pthread_mutex_unlock(&L->o->progress->lock);
        clf_progress_step(L->o->progress, "featurize", NULL, -1, done, d->n_docs);
    }
    return CLF_OK;
}

static int featurize_all(loader *L)
{
    unsigned int threads = L->o->threads ? L->o->threads : 1;
    L->feats = calloc(threads, sizeof *L->feats);
    L->nzs = calloc(threads, sizeof *L->nzs);
    if (!L->feats || !L->nzs) {
        free(L->feats);
        free(L->nzs);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    int rc = CLF_OK;
    for (unsigned int t = 0; t < threads && rc == CLF_OK; t++)
        rc = clf_featurizer_new(&L->feats[t], &L->r->nopts, &L->r->fopts);
    for (unsigned int t = 0; t < threads && rc == CLF_OK && L->n_parents; t++)
        rc = clf_normalizer_new(&L->nzs[t], &L->r->nopts);
    if (rc == CLF_OK) {
        size_t jobs = (L->d->n_docs + FEATURIZE_CHUNK - 1) / FEATURIZE_CHUNK;
        rc = clf_pool_run(threads, jobs, featurize_job, L);
    }
    for (unsigned int t = 0; t < threads; t++) {
        clf_featurizer_free(L->feats[t]);
        clf_normalizer_free(L->nzs[t]);
    }
    free(L->feats);
    free(L->nzs);
    L->feats = NULL;
    L->nzs = NULL;
    return rc;
}

/* Document frequencies over the training documents, kept rows, IDF. */
static int build_vocabulary(loader *L, uint32_t **row_of_out)
{
    clf_dataset *d = L->d;
    const size_t nb = (size_t)1 << L->r->fopts.hash_bits;
    uint32_t *df = calloc(nb, sizeof *df);
    if (!df)
        return clf__error(CLF_E_NOMEM, "out of memory");
    size_t ntrain = 0, nvoc = 0; /* training documents; those that make the vocabulary */
    for (size_t i = 0; i < d->n_docs; i++) {
        if (d->docs[i].split != CLF_SPLIT_TRAIN)
            continue;
        ntrain++;
        if (!L->r->corpora[d->docs[i].corpus].vocabulary)
            continue; /* "vocabulary": false: no say in the rows kept nor their IDF */
        nvoc++;
        for (size_t j = 0; j < L->raw[i].n_counts; j++)
            df[L->raw[i].counts[j].bucket]++;
    }
    d->n_train = ntrain;
    size_t kept = 0, distinct = 0, artefacts = 0;
    for (size_t b = 0; b < nb; b++) {
        distinct += df[b] > 0;
        if (L->artefact && (L->artefact[b >> 6] >> (b & 63) & 1) && df[b] > 0) {
            /* a source artefact: no row, so the scorer drops it too */
            artefacts += df[b] >= L->r->min_df;
            df[b] = 0;
        }
        kept += df[b] >= L->r->min_df && df[b] > 0;
    }
    d->n_artefact_rows = artefacts;
    d->n_distinct = distinct;
    d->buckets = malloc((kept ? kept : 1) * sizeof *d->buckets);
    d->idf = malloc((kept ? kept : 1) * sizeof *d->idf);
    uint32_t *row_of = df; /* reused in place: df[b] is read before row_of[b] is written */
    if (!d->buckets || !d->idf) {
        free(df);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    size_t r = 0;
    for (size_t b = 0; b < nb; b++) {
        uint32_t f = df[b];
        if (f >= L->r->min_df && f > 0) {
            d->buckets[r] = (uint32_t)b;
            /* smooth IDF, as scikit-learn's TfidfVectorizer(smooth_idf=True) */
            d->idf[r] = (float)(log((1.0 + (double)nvoc) / (1.0 + (double)f)) + 1.0);
            row_of[b] = (uint32_t)(++r);
        } else {
            row_of[b] = 0;
        }
    }
    d->n_rows = kept;
    if (kept == 0) {
        /* A model without features scores the bias alone: the same answer for
         * every document. */
        free(row_of);
        return clf__error(CLF_E_TRAIN, "%s: features.min_df = %u keeps no feature: no n-gram "
                          "occurs in %u of the %zu training documents (%zu distinct); lower "
                          "\"min_df\" in \"features\"", L->r->source, L->r->min_df, L->r->min_df,
                          ntrain, distinct);
    }
    *row_of_out = row_of;
    return CLF_OK;
}

/* The liblinear vectors: kept features, L2-normalized, then the bias. */
static int build_vectors(loader *L, const uint32_t *row_of)
{
    clf_dataset *d = L->d;
    const clf_feature_options *fo = &L->r->fopts;
    size_t total = 0;
    for (size_t i = 0; i < d->n_docs; i++) {
        for (size_t j = 0; j < L->raw[i].n_counts; j++)
            total += row_of[L->raw[i].counts[j].bucket] != 0;
        total += 2; /* bias and terminator */
    }
    d->arena = malloc(total * sizeof *d->arena);
    if (!d->arena)
        return clf__error(CLF_E_NOMEM, "out of memory (%zu feature nodes)", total);
    d->arena_len = total;
    struct feature_node *x = d->arena;
    const int bias_index = (int)d->n_rows + 1;
    for (size_t i = 0; i < d->n_docs; i++) {
        raw_doc *rd = &L->raw[i];
        d->docs[i].x = x;
        double norm2 = 0.0;
        struct feature_node *start = x;
        for (size_t j = 0; j < rd->n_counts; j++) {
            uint32_t r = row_of[rd->counts[j].bucket];
            if (!r)
                continue; /* dropped, exactly as the scorer drops unknown buckets */
            /* the scorer's arithmetic: float tf weight times float IDF, in double */
            double v = (double)clf__tf_weight(fo, rd->counts[j].count) * (double)d->idf[r - 1];
            x->index = (int)r;
            x->value = v;
            norm2 += v * v;
            x++;
        }
        if (fo->l2_normalize && norm2 > 0.0) {
            double scale = 1.0 / sqrt(norm2);
            for (struct feature_node *p = start; p < x; p++)
                p->value *= scale;
        }
        x->index = bias_index;
        x->value = 1.0;
        x++;
        x->index = -1;
        x->value = 0.0;
        x++;
        free(rd->counts);
        rd->counts = NULL;
    }
    return CLF_OK;
}

static void free_raw(loader *L)
{
    for (size_t i = 0; i < L->n_parents; i++)
        free(L->parents[i]);
    free(L->parents);
    L->parents = NULL;
    L->n_parents = 0;
    if (!L->raw)
        return;
    for (size_t i = 0; i < L->d->n_docs; i++) {
        free(L->raw[i].text);
        free(L->raw[i].counts);
    }
    free(L->raw);
    L->raw = NULL;
}

int clf_dataset_load(clf_dataset **out, const clf_recipe *r, const clf_dataset_options *o)
{
    if (!out || !r || !o || !o->corpora_root)
        return clf__error(CLF_E_INVALID_ARG, "clf_dataset_load: NULL argument");
    *out = NULL;
    clf_dataset *d = calloc(1, sizeof *d);
    if (!d)
        return clf__error(CLF_E_NOMEM, "out of memory");
    d->n_corpora = r->n_corpora;
    d->files = calloc(r->n_corpora, sizeof *d->files);
    if (!d->files) {
        free(d);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    loader L;
    memset(&L, 0, sizeof L);
    L.r = r;
    L.o = o;
    L.d = d;

    int rc = CLF_OK;
    for (size_t c = 0; c < r->n_corpora && rc == CLF_OK; c++)
        for (int s = 0; s < CLF_N_SPLITS && rc == CLF_OK; s++)
            rc = read_file(&L, c, s);
    if (rc == CLF_OK) {
        size_t ntrain = 0;
        for (size_t i = 0; i < d->n_docs; i++)
            ntrain += d->docs[i].split == CLF_SPLIT_TRAIN;
        if (ntrain == 0)
            rc = clf__error(CLF_E_TRAIN, "%s: the recipe's corpora have no training document",
                            r->source);
    }
    if (rc == CLF_OK && r->drop_artefacts) {
        L.artefact = calloc((((size_t)1 << r->fopts.hash_bits) + 63) / 64, sizeof *L.artefact);
        if (!L.artefact)
            rc = clf__error(CLF_E_NOMEM, "out of memory");
    }
    if (rc == CLF_OK)
        rc = featurize_all(&L);
    uint32_t *row_of = NULL;
    if (rc == CLF_OK)
        rc = build_vocabulary(&L, &row_of);
    if (rc == CLF_OK)
        rc = build_vectors(&L, row_of);
    free(row_of);
    free(L.artefact);
    free_raw(&L);
    if (rc != CLF_OK) {
        clf_dataset_free(d);
        return rc;
    }
    *out = d;
    return CLF_OK;
}

void clf_dataset_free(clf_dataset *d)
{
    if (!d)
        return;
    if (d->files)
        for (size_t c = 0; c < d->n_corpora; c++)
            for (int s = 0; s < CLF_N_SPLITS; s++)
                free(d->files[c][s].path);
    free(d->files);
    free(d->docs);
    free(d->buckets);
    free(d->idf);
    free(d->arena);
    free(d);
}
