/*
 * train.c - from a recipe to a model file: per category, cross-validated
 * liblinear fits over a grid of C (jobs (category, fold) on a thread pool,
 * each fold warm-starting C from the previous, smaller C), selection by
 * out-of-fold average precision, Platt calibration, threshold choice, the
 * final fit, dev metrics measured on the weights as written (f32 or i16),
 * metadata and the model file.
 */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <linear.h>

#include "calibrate.h"
#include "classify/model.h"
#include "classify/version.h"
#include "dataset.h"
#include "gate.h"
#include "internal.h"
#include "logreg.h"
#include "metrics.h"
#include "model/model_internal.h"
#include "model_write.h"
#include "pool.h"
#include "threshold.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: what a fit costs, whatever the load. */
static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* How many times c_grid may grow at each end (c_grid_extend). */
#define MAX_EXTEND 3
#define MAX_GRID (CLF_RECIPE_MAX_C + 2 * MAX_EXTEND)

/* One category's training state. */
typedef struct cat {
    size_t k;
    const char *name;
    size_t n, npos;               /* training examples */
    size_t *doc;                  /* their dataset indices */
    unsigned char *y;
    unsigned char *sel;           /* 1 = counts in the selection metrics (in-domain) */
    unsigned char *fit;           /* 1 = in the category's own fits (0: a gate's corpus) */
    int nb;                       /* nb_scaling: features scaled by NB log-count ratios */
    int solver;                   /* training.solver: a clf_solver */
    double cgrid[MAX_GRID];       /* the recipe's c_grid, then any extensions, in fit order */
    size_t n_c;                   /* values of C in cgrid */
    size_t c_lo;                  /* first C of cgrid the current phase fits */
    double *oof;                  /* MAX_GRID x n out-of-fold margins */
    double *cv_ap;                /* MAX_GRID: in-domain (or pooled) out-of-fold AP */
    double cv_sel[MAX_GRID];      /* what chooses C: cv_ap, or with select_metric
                                     "capped_average_precision" the AP above the caps' floor */
    int capped;                   /* select_metric "capped_average_precision" */
    size_t best;                  /* index of the chosen C */
    double t_min;                 /* thresholds must exceed this (flag-rate caps) */
    double a, b;                  /* Platt, constrained to A <= 0 */
    double a_free;                /* Platt's A without the constraint (>= 0: degenerate) */
    clf_threshold_choice choice;
    double *w;                    /* final weights, n_rows + 1 (bias last) */
    double *w_fold0;              /* MAX_GRID x (n_rows + 1): fold 1's fits, to warm-start
                                     the final fit */
    size_t n_dev;
    size_t *dev_doc;              /* indices into the dev list */
    unsigned char *dev_y;
    /* genre gates (training.gates): recipe gates g0 .. g0 + ng - 1 */
    size_t g0, ng;
    double *gz;                   /* ng x n out-of-fold gate margins */
    double *gw;                   /* ng x (n_rows + 1) final gate weights, bias last */
    double *ga, *gtau;            /* ng chosen weights and thresholds */
    double *score;                /* n gated out-of-fold margins (NULL without gates) */
    double gate_before, gate_after; /* the tuning objective without and with the gates */
    double gate_ap_before, gate_ap_after; /* in-domain out-of-fold AP, no caps */
} cat;

/* training.evidence_words of category k (0: none). */
static uint32_t evidence_k(const clf_recipe *r, size_t k)
{
    return r->evidence_words ? r->evidence_words[k] : 0u;
}

/* The out-of-fold margins calibration and thresholds use: the chosen C's,
 * less the gates' penalties when the category has gates. */
static const double *chosen_oof(const cat *c)
{
    return c->score ? c->score : c->oof + c->best * c->n;
}

typedef struct job {
    size_t cat;
    int fold;                     /* -1: the final fit on all training examples */
    size_t cost;                  /* feature nodes, to start the big jobs first */
} job;

typedef struct trainer {
    const clf_recipe *r;
    const clf_dataset *d;
    clf_progress *prog;
    unsigned int threads;
    size_t K;
    cat *cats;
    job *jobs;
    size_t n_jobs, jobs_done;
    const char *stage;
    pthread_mutex_t lock;
} trainer;

static size_t vec_len(const struct feature_node *x)
{
    size_t n = 0;
    while (x[n].index != -1)
        n++;
    return n;
}

static int cmp_job(const void *a, const void *b)
{
    const job *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    if (x->cat != y->cat)
        return x->cat < y->cat ? -1 : 1;
    return x->fold < y->fold ? -1 : x->fold > y->fold;
}

static void job_done(trainer *t, const cat *c, int fold)
{
    pthread_mutex_lock(&t->lock);
    size_t done = ++t->jobs_done;
    pthread_mutex_unlock(&t->lock);
    clf_progress_step(t->prog, t->stage, c->name, fold, done, t->n_jobs);
}

/*
 * The training rows of category c outside fold `fold` (every row when fold
 * is -1). A corpus's recipe "weight" w repeats each of its rows w times:
 * liblinear 2.3 has no instance weights, and L2R_LR with a row repeated w
 * times is the same objective as that row's loss multiplied by w. Folds
 * are assigned before the repetition, so copies never straddle folds.
 */
static int subset(const trainer *t, const cat *c, int fold, struct feature_node *const *xs,
                  struct feature_node ***xo, unsigned char **yo, size_t *no, size_t *nposo)
{
    const clf_dataset *d = t->d;
    size_t nsub = 0, npos = 0;
    for (size_t i = 0; i < c->n; i++) {
        const clf_doc *doc = &d->docs[c->doc[i]];
        if ((fold >= 0 && doc->fold == fold) || !c->fit[i])
            continue;
        size_t w = t->r->corpora[doc->corpus].weight[c->k];
        nsub += w;
        npos += c->y[i] ? w : 0;
    }
    struct feature_node **x = malloc((nsub ? nsub : 1) * sizeof *x);
    unsigned char *y = malloc(nsub ? nsub : 1);
    if (!x || !y) {
        free(x);
        free(y);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    size_t j = 0;
    for (size_t i = 0; i < c->n; i++) {
        const clf_doc *doc = &d->docs[c->doc[i]];
        if ((fold >= 0 && doc->fold == fold) || !c->fit[i])
            continue;
        for (unsigned int rep = 0; rep < t->r->corpora[doc->corpus].weight[c->k]; rep++) {
            x[j] = xs ? xs[i] : doc->x;
            y[j++] = c->y[i];
        }
    }
    *xo = x;
    *yo = y;
    *no = nsub;
    *nposo = npos;
    return CLF_OK;
}

/*
 * Naive-Bayes log-count ratios (Wang and Manning 2012) of the category's
 * fitted rows outside `fold` (all with -1): r_j = ln((p_j / |p|_1) /
 * (q_j / |q|_1)), p_j = 1 + the positive rows containing feature j, q_j
 * the same over the negatives (repeated rows count as often as they are
 * repeated). r (n_rows + 1, the bias's 1) and, in *xs / *arena, every
 * example's vector with each value multiplied by its feature's ratio:
 * w.(r o x) = (w o r).x, so the model file holds w o r and scoring costs
 * the same. Computed per fold, so no held-out label leaks into the ratios.
 */
static int nb_scale(const trainer *t, const cat *c, int fold, double *r,
                    struct feature_node ***xs, struct feature_node **arena)
{
    const clf_dataset *d = t->d;
    const size_t R = d->n_rows;
    double *p = calloc(R + 1, sizeof *p), *q = calloc(R + 1, sizeof *q);
    size_t len = 0;
    for (size_t i = 0; i < c->n; i++)
        len += vec_len(d->docs[c->doc[i]].x) + 1;
    *xs = malloc((c->n ? c->n : 1) * sizeof **xs);
    *arena = malloc((len ? len : 1) * sizeof **arena);
    if (!p || !q || !*xs || !*arena) {
        free(p);
        free(q);
        free(*xs);
        free(*arena);
        *xs = NULL;
        *arena = NULL;
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->n; i++) {
        const clf_doc *doc = &d->docs[c->doc[i]];
        if ((fold >= 0 && doc->fold == fold) || !c->fit[i])
            continue;
        double wgt = t->r->corpora[doc->corpus].weight[c->k];
        double *acc = c->y[i] ? p : q;
        for (const struct feature_node *x = doc->x; x->index != -1; x++)
            if ((size_t)x->index <= R && x->value != 0.0)
                acc[x->index - 1] += wgt;
    }
    double sp = 0, sq = 0;
    for (size_t j = 0; j < R; j++) {
        p[j] += 1.0;
        q[j] += 1.0;
        sp += p[j];
        sq += q[j];
    }
    for (size_t j = 0; j < R; j++)
        r[j] = log((p[j] / sp) / (q[j] / sq));
    r[R] = 1.0;
    free(p);
    free(q);
    size_t pos = 0;
    for (size_t i = 0; i < c->n; i++) {
        (*xs)[i] = *arena + pos;
        for (const struct feature_node *x = d->docs[c->doc[i]].x;; x++) {
            struct feature_node *o = *arena + pos++;
            o->index = x->index;
            if (x->index == -1) {
                o->value = 0;
                break;
            }
            o->value = x->value * r[x->index - 1];
        }
    }
    return CLF_OK;
}

/* One fold of one category: fit the phase's values of C (in grid order,
 * each warm-started from the previous one) on the other folds and keep the
 * margins of this fold's documents. */
static int cv_job(trainer *t, cat *c, int fold)
{
    const clf_dataset *d = t->d;
    const clf_recipe *r = t->r;
    const int nf = (int)d->n_rows + 1;
    struct feature_node **x;
    unsigned char *y;
    size_t nsub, npos;
    struct feature_node **xs = NULL, *arena = NULL;
    double *nbr = NULL;
    int rc = CLF_OK;
    if (c->nb) {
        nbr = malloc((size_t)nf * sizeof *nbr);
        rc = nbr ? nb_scale(t, c, fold, nbr, &xs, &arena) : clf__error(CLF_E_NOMEM, "out of memory");
        free(nbr);
        if (rc != CLF_OK)
            return rc;
    }
    rc = subset(t, c, fold, xs, &x, &y, &nsub, &npos);
    if (rc != CLF_OK) {
        free(xs);
        free(arena);
        return rc;
    }
    if (npos == 0 || npos == nsub) {
        free(xs);
        free(arena);
        free(x);
        free(y);
        return clf__error(CLF_E_TRAIN,
                          "category %s: leaving out fold %d of %u leaves only %s training "
                          "examples; use fewer folds or add data",
                          c->name, fold, r->folds, npos ? "positive" : "negative");
    }
    double *w = malloc((size_t)nf * sizeof *w);
    if (!w) {
        free(xs);
        free(arena);
        free(x);
        free(y);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    clf_logreg_params prm;
    prm.eps = r->eps;
    clf_logreg_class_weights(&prm, r->balanced, nsub, npos);
    for (size_t ci = c->c_lo; ci < c->n_c && rc == CLF_OK; ci++) {
        prm.C = c->cgrid[ci];
        /* warm start from the previous C: w is read before it is written */
        double t0 = thread_seconds();
        rc = clf_linear_fit(x, y, nsub, nf, &prm, c->solver, ci > c->c_lo ? w : NULL, w);
        clf_progress_note(t->prog, CLF_TRAIN_DETAIL, "cross-validate",
                          "%s fold %d: C=%g fitted on %zu examples in %.2f s of CPU", c->name,
                          fold + 1, prm.C, nsub, thread_seconds() - t0);
        if (rc != CLF_OK) {
            rc = clf__error(rc, "category %s, fold %d, C=%g: %s", c->name, fold, prm.C,
                            clf_last_error());
            break;
        }
        /* the margins as the scorer will give them: shrunk towards the bias
         * for short texts (C, gates, calibration and threshold see these) */
        const uint32_t ek = evidence_k(r, c->k);
        const double bias = w[nf - 1];
        for (size_t i = 0; i < c->n; i++)
            if (d->docs[c->doc[i]].fold == fold) {
                double mg = clf_logreg_margin(w, xs ? xs[i] : d->docs[c->doc[i]].x);
                c->oof[ci * c->n + i] =
                    bias + (mg - bias) * clf__evidence_factor(ek, d->docs[c->doc[i]].words);
            }
        if (fold == 0)
            memcpy(c->w_fold0 + ci * (size_t)nf, w, (size_t)nf * sizeof *w);
    }
    free(xs);
    free(arena);
    free(x);
    free(y);
    free(w);
    return rc;
}

static int final_job(trainer *t, cat *c)
{
    const clf_dataset *d = t->d;
    const int nf = (int)d->n_rows + 1;
    struct feature_node **x;
    unsigned char *y;
    size_t nall, npos;
    struct feature_node **xs = NULL, *arena = NULL;
    double *nbr = NULL;
    int rc = CLF_OK;
    if (c->nb) {
        nbr = malloc((size_t)nf * sizeof *nbr);
        rc = nbr ? nb_scale(t, c, -1, nbr, &xs, &arena) : clf__error(CLF_E_NOMEM, "out of memory");
        if (rc != CLF_OK) {
            free(nbr);
            return rc;
        }
    }
    rc = subset(t, c, -1, xs, &x, &y, &nall, &npos);
    if (rc != CLF_OK) {
        free(nbr);
        free(xs);
        free(arena);
        return rc;
    }
    clf_logreg_params prm;
    prm.eps = t->r->eps;
    prm.C = c->cgrid[c->best];
    clf_logreg_class_weights(&prm, t->r->balanced, nall, npos);
    double t0 = thread_seconds();
    /* Starting from fold 1's solution at the same C saves Newton steps; the
     * stopping rule is relative to the gradient at w = 0, so the result is
     * as accurate as a cold start. */
    rc = clf_linear_fit(x, y, nall, nf, &prm, c->solver, c->w_fold0 + c->best * (size_t)nf,
                        c->w);
    free(x);
    free(y);
    free(xs);
    free(arena);
    if (rc == CLF_OK && nbr)
        for (int j = 0; j < nf - 1; j++)
            c->w[j] *= nbr[j]; /* fold the ratios into the weights (the bias keeps its own) */
    free(nbr);
    if (rc != CLF_OK)
        return clf__error(rc, "category %s, final fit, C=%g: %s", c->name, prm.C,
                          clf_last_error());
    clf_progress_note(t->prog, CLF_TRAIN_DETAIL, "fit",
                      "%s: final fit, C=%g, on %zu examples in %.2f s of CPU", c->name, prm.C,
                      nall, thread_seconds() - t0);
    return CLF_OK;
}

static int run_job(void *ctx, size_t j, unsigned int worker)
{
    (void)worker;
    trainer *t = ctx;
    const job *jb = &t->jobs[j];
    cat *c = &t->cats[jb->cat];
    int rc = jb->fold >= 0 ? cv_job(t, c, jb->fold) : final_job(t, c);
    if (rc == CLF_OK)
        job_done(t, c, jb->fold);
    return rc;
}

/* List the corpora that annotate category k, for error messages. */
static void annotators(const clf_recipe *r, size_t k, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < r->n_corpora; c++)
        if (r->corpora[c].annotates & (UINT64_C(1) << k)) {
            int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                             r->corpora[c].name);
            if (n < 0 || (size_t)n >= size - used)
                break;
            used += (size_t)n;
        }
}

static int setup_categories(trainer *t, const size_t *dev_list, size_t n_dev_all)
{
    const clf_dataset *d = t->d;
    const clf_recipe *r = t->r;
    for (size_t k = 0; k < t->K; k++) {
        cat *c = &t->cats[k];
        uint64_t bit = UINT64_C(1) << k;
        c->k = k;
        c->name = r->categories[k];
        for (size_t i = 0; i < d->n_docs; i++)
            if (d->docs[i].split == CLF_SPLIT_TRAIN && (d->docs[i].uses & bit)) {
                c->n++;
                c->npos += (d->docs[i].positive & bit) != 0;
            }
        if (c->n == 0) {
            char who[512];
            annotators(r, k, who, sizeof who);
            return clf__error(CLF_E_TRAIN,
                              "category %s: no training examples (corpora annotating it: %s; "
                              "do they have a train split?)",
                              c->name, who);
        }
        if (c->npos == 0 || c->npos == c->n) {
            char who[512];
            annotators(r, k, who, sizeof who);
            return clf__error(CLF_E_TRAIN,
                              "category %s: %zu training examples, all %s: need both positive "
                              "and negative examples (corpora annotating it: %s)",
                              c->name, c->n, c->npos ? "positive" : "negative", who);
        }
        size_t max_c = r->n_c + (r->c_grid_extend ? 2 * MAX_EXTEND : 0);
        c->n_c = r->n_c;
        memcpy(c->cgrid, r->c_grid, r->n_c * sizeof *c->cgrid);
        c->doc = malloc(c->n * sizeof *c->doc);
        c->y = malloc(c->n);
        c->sel = malloc(c->n);
        c->fit = malloc(c->n);
        c->oof = calloc(max_c * c->n, sizeof *c->oof);
        c->cv_ap = calloc(max_c, sizeof *c->cv_ap);
        c->w = calloc(d->n_rows + 1, sizeof *c->w);
        c->w_fold0 = calloc(max_c * (d->n_rows + 1), sizeof *c->w_fold0);
        if (!c->doc || !c->y || !c->sel || !c->fit || !c->oof || !c->cv_ap || !c->w ||
            !c->w_fold0)
            return clf__error(CLF_E_NOMEM, "out of memory");
        c->nb = r->nb_scaling && r->nb_scaling[k] == CLF_NB_ON;
        c->solver = r->solver ? r->solver[k] : CLF_SOLVER_LOGREG;
        c->capped = r->select_capped && r->select_capped[k];
        c->g0 = 0;
        while (c->g0 < r->n_gates && r->gates[c->g0].category < k)
            c->g0++;
        c->ng = 0;
        while (c->g0 + c->ng < r->n_gates && r->gates[c->g0 + c->ng].category == k)
            c->ng++;
        size_t j = 0, n_sel_pos = 0;
        for (size_t i = 0; i < d->n_docs; i++)
            if (d->docs[i].split == CLF_SPLIT_TRAIN && (d->docs[i].uses & bit)) {
                const clf_recipe_corpus *cp = &r->corpora[d->docs[i].corpus];
                c->doc[j] = i;
                c->y[j] = (d->docs[i].positive & bit) != 0;
                /* in-domain: the corpora that annotate the category */
                c->sel[j] = !r->select_in_domain || ((cp->annotates & bit) && cp->selection);
                /* a gate's corpora leave the category's own fits */
                c->fit[j] = clf_recipe_gate_corpus(r, k, d->docs[i].corpus) != 1;
                n_sel_pos += c->sel[j] && c->y[j];
                j++;
            }
        if (n_sel_pos == 0)
            return clf__error(CLF_E_TRAIN,
                              "category %s: select_on \"in_domain\" but no corpus with "
                              "\"selection\" annotates a positive of it", c->name);
        for (size_t i = 0; i < n_dev_all; i++)
            c->n_dev += (d->docs[dev_list[i]].uses & bit) != 0;
        c->dev_doc = malloc((c->n_dev ? c->n_dev : 1) * sizeof *c->dev_doc);
        c->dev_y = malloc(c->n_dev ? c->n_dev : 1);
        if (!c->dev_doc || !c->dev_y)
            return clf__error(CLF_E_NOMEM, "out of memory");
        j = 0;
        for (size_t i = 0; i < n_dev_all; i++)
            if (d->docs[dev_list[i]].uses & bit) {
                c->dev_doc[j] = i;
                c->dev_y[j++] = (d->docs[dev_list[i]].positive & bit) != 0;
            }
    }
    return CLF_OK;
}

static int run_phase(trainer *t, const char *stage, int final)
{
    const clf_recipe *r = t->r;
    size_t n = 0;
    for (size_t k = 0; k < t->K; k++)
        if (final || t->cats[k].c_lo < t->cats[k].n_c)
            n += final ? 1 : r->folds;
    if (n == 0)
        return CLF_OK;
    free(t->jobs);
    t->jobs = calloc(n, sizeof *t->jobs);
    if (!t->jobs)
        return clf__error(CLF_E_NOMEM, "out of memory");
    size_t j = 0;
    for (size_t k = 0; k < t->K; k++) {
        const cat *c = &t->cats[k];
        if (!final && c->c_lo >= c->n_c)
            continue;
        for (int f = final ? -1 : 0; f < (final ? 0 : (int)r->folds); f++) {
            size_t cost = 0;
            for (size_t i = 0; i < c->n; i++)
                if (t->d->docs[c->doc[i]].fold != f)
                    cost += vec_len(t->d->docs[c->doc[i]].x);
            t->jobs[j].cat = k;
            t->jobs[j].fold = f;
            t->jobs[j].cost = cost * (final ? 1 : c->n_c - c->c_lo);
            j++;
        }
    }
    /* biggest first, so that the last job to finish is a small one */
    qsort(t->jobs, n, sizeof *t->jobs, cmp_job);
    t->n_jobs = n;
    t->jobs_done = 0;
    t->stage = stage;
    clf_progress_step(t->prog, stage, NULL, -1, 0, n);
    double t0 = now_seconds();
    int rc = clf_pool_run(t->threads, n, run_job, t);
    clf_progress_note(t->prog, CLF_TRAIN_DETAIL, stage, "%s: %zu jobs in %.1f s", stage, n,
                      now_seconds() - t0);
    return rc;
}

/* AP of the one metrics module (metrics.h); NaN without positives. */
static int average_precision(const double *score, const unsigned char *y, size_t n, double *ap)
{
    clf_curve c = CLF_CURVE_INIT;
    int rc = clf_curve_build(&c, score, y, NULL, n, NULL);
    *ap = rc == 0 ? clf_curve_average_precision(&c) : NAN;
    clf_curve_free(&c);
    return rc == 0 ? CLF_OK : clf__error(CLF_E_NOMEM, "out of memory (or a NaN score) computing AP");
}

/* The capped hard-negative corpora of a category (bit): gidx[corpus] = its
 * index among them (SIZE_MAX when uncapped), caps[] their max_flag_rate.
 * Returns how many. */
static size_t capped_corpora(const clf_recipe *r, uint64_t bit, size_t *gidx, double *caps)
{
    size_t n_caps = 0;
    for (size_t cc = 0; cc < r->n_corpora; cc++) {
        gidx[cc] = SIZE_MAX;
        if ((r->corpora[cc].negatives_for & bit) && isfinite(r->corpora[cc].max_flag_rate)) {
            gidx[cc] = n_caps;
            caps[n_caps++] = r->corpora[cc].max_flag_rate;
        }
    }
    return n_caps;
}

/*
 * select_metric "capped_average_precision": the AP of the selection rows
 * counting only the positives above the floor that the category's
 * max_flag_rate caps set on these margins (gate.h, clf_gate_objective
 * without gates). When a cap binds, the positives under its floor can never
 * be flagged, and two values of C with the same AP can differ in how many
 * positives they keep above it.
 */
static int capped_selection_ap(const trainer *t, const cat *c, const double *m, double *ap)
{
    const clf_recipe *r = t->r;
    const uint64_t bit = UINT64_C(1) << c->k;
    size_t *group = malloc((c->n ? c->n : 1) * sizeof *group);
    size_t *gidx = malloc((r->n_corpora ? r->n_corpora : 1) * sizeof *gidx);
    double *caps = malloc((r->n_corpora ? r->n_corpora : 1) * sizeof *caps);
    double *s = malloc((c->n ? c->n : 1) * sizeof *s);
    int rc = CLF_OK;
    if (!group || !gidx || !caps || !s) {
        rc = clf__error(CLF_E_NOMEM, "out of memory");
    } else {
        size_t n_caps = capped_corpora(r, bit, gidx, caps);
        for (size_t i = 0; i < c->n; i++)
            group[i] = gidx[t->d->docs[c->doc[i]].corpus];
        clf_gate_problem pb = {c->n, m, c->y, c->sel, group, n_caps, caps, 0, NULL};
        *ap = clf_gate_objective(&pb, NULL, NULL, s);
        if (isnan(*ap))
            rc = clf__error(CLF_E_NOMEM, "out of memory (or no in-domain positives) computing "
                                         "the capped AP of %s", c->name);
    }
    free(group);
    free(gidx);
    free(caps);
    free(s);
    return rc;
}

/* Out-of-fold average precision of C index ci over the selection rows
 * (the in-domain ones with "select_on": "in_domain", else all). */
static int selection_ap(const cat *c, size_t ci, double *ap)
{
    const double *m = c->oof + ci * c->n;
    double *ms = malloc((c->n ? c->n : 1) * sizeof *ms);
    unsigned char *ys = malloc(c->n ? c->n : 1);
    if (!ms || !ys) {
        free(ms);
        free(ys);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    size_t j = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->sel[i]) {
            ms[j] = m[i];
            ys[j++] = c->y[i];
        }
    int rc = average_precision(ms, ys, j, ap);
    free(ms);
    free(ys);
    return rc;
}

/* After a cross-validation phase: score its values of C, choose the best. */
static int score_grid(trainer *t, cat *c)
{
    int rc;
    for (size_t ci = c->c_lo; ci < c->n_c; ci++) {
        if ((rc = selection_ap(c, ci, &c->cv_ap[ci])) != CLF_OK)
            return rc;
        c->cv_sel[ci] = c->cv_ap[ci];
        if (c->capped) {
            if ((rc = capped_selection_ap(t, c, c->oof + ci * c->n, &c->cv_sel[ci])) != CLF_OK)
                return rc;
            clf_progress_note(t->prog, CLF_TRAIN_DETAIL, "cross-validate",
                              "%s: C=%g out-of-fold average precision %.4f, above the caps' "
                              "floor %.4f", c->name, c->cgrid[ci], c->cv_ap[ci], c->cv_sel[ci]);
        } else {
            clf_progress_note(t->prog, CLF_TRAIN_DETAIL, "cross-validate",
                              "%s: C=%g out-of-fold average precision %.4f", c->name,
                              c->cgrid[ci], c->cv_ap[ci]);
        }
    }
    c->best = 0;
    for (size_t ci = 1; ci < c->n_c; ci++) {
        /* ties go to the smaller C, the more regularized model */
        if (c->cv_sel[ci] > c->cv_sel[c->best] ||
            (c->cv_sel[ci] == c->cv_sel[c->best] && c->cgrid[ci] < c->cgrid[c->best]))
            c->best = ci;
    }
    c->c_lo = c->n_c;
    return CLF_OK;
}

/* c_grid_extend: when the best C is the largest (smallest) of the grid,
 * add one more C beyond it, at the grid's own ratio; 1 when one was added. */
static int extend_grid(const trainer *t, cat *c)
{
    const clf_recipe *r = t->r;
    double lo = c->cgrid[0], hi = c->cgrid[0];
    for (size_t ci = 1; ci < c->n_c; ci++) {
        if (c->cgrid[ci] < lo)
            lo = c->cgrid[ci];
        if (c->cgrid[ci] > hi)
            hi = c->cgrid[ci];
    }
    double up = r->n_c >= 2 ? r->c_grid[r->n_c - 1] / r->c_grid[r->n_c - 2] : 4.0;
    double down = r->n_c >= 2 ? r->c_grid[1] / r->c_grid[0] : 4.0;
    double best = c->cgrid[c->best];
    size_t cap = r->n_c + 2 * MAX_EXTEND;
    int added = 0;
    /* The neighbour of the best C inside the grid: when the edge gains
     * less than c_grid_extend_gain over it the curve is flat there, and
     * going further only buys a less regularized model. */
    double inner = -INFINITY;
    for (size_t ci = 0; ci < c->n_c; ci++) {
        if (ci == c->best)
            continue;
        double x = c->cgrid[ci];
        int nearer = best == hi ? x < best : x > best;
        if (nearer && (inner == -INFINITY || fabs(x - best) < fabs(inner - best)))
            inner = x;
    }
    double inner_ap = -INFINITY;
    for (size_t ci = 0; ci < c->n_c; ci++)
        if (c->cgrid[ci] == inner)
            inner_ap = c->cv_sel[ci];
    if (inner != -INFINITY && c->cv_sel[c->best] - inner_ap < r->c_grid_extend_gain)
        return 0;
    if (best == hi && hi * up <= 1e6 && c->n_c < cap) {
        c->cgrid[c->n_c++] = hi * up;
        added = 1;
    }
    if (best == lo && c->n_c > 1 && lo / down >= 1e-6 && c->n_c < cap) {
        c->cgrid[c->n_c++] = lo / down;
        added = 1;
    }
    return added;
}

/*
 * The lowest threshold (exclusive) that keeps each hard-negative corpus
 * of the category (negatives_for) within its "max_flag_rate" out-of-fold:
 * at most floor(cap * n) of its n rows may reach the threshold.
 */
static int flag_rate_floor(const trainer *t, const cat *c, const double *p, double *t_min)
{
    const clf_recipe *r = t->r;
    uint64_t bit = UINT64_C(1) << c->k;
    double *q = malloc((c->n ? c->n : 1) * sizeof *q);
    if (!q)
        return clf__error(CLF_E_NOMEM, "out of memory");
    *t_min = -INFINITY;
    for (size_t cc = 0; cc < r->n_corpora; cc++) {
        const clf_recipe_corpus *cp = &r->corpora[cc];
        if (!(cp->negatives_for & bit) || !isfinite(cp->max_flag_rate))
            continue;
        size_t m = 0;
        for (size_t i = 0; i < c->n; i++)
            if (t->d->docs[c->doc[i]].corpus == cc)
                q[m++] = p[i];
        size_t allowed = (size_t)floor(cp->max_flag_rate * (double)m + 1e-9);
        if (allowed >= m)
            continue;
        size_t *o;
        if (clf_eval_order(&o, q, m) != 0) {
            free(q);
            return clf__error(CLF_E_NOMEM, "out of memory (or a NaN probability)");
        }
        double v = q[o[allowed]]; /* the (allowed+1)-th highest must stay below */
        free(o);
        if (v > *t_min)
            *t_min = v;
    }
    free(q);
    return CLF_OK;
}

/*
 * Genre gates of category c (after its C is chosen): fit each gate
 * out-of-fold and on everything, then choose their weights and
 * thresholds on the out-of-fold margins (gate.h), the caps being those of
 * the category's hard negatives. c->score receives the gated margins.
 */
static int train_gates(trainer *t, cat *c)
{
    const clf_recipe *r = t->r;
    const clf_dataset *d = t->d;
    const size_t n = c->n, G = c->ng, nf = d->n_rows + 1;
    const uint64_t bit = UINT64_C(1) << c->k;
    c->gz = malloc(((G * n) != 0 ? G * n : 1) * sizeof *c->gz);
    c->gw = calloc(G * nf, sizeof *c->gw);
    c->ga = calloc(G, sizeof *c->ga);
    c->gtau = calloc(G, sizeof *c->gtau);
    c->score = malloc((n ? n : 1) * sizeof *c->score);
    size_t *group = malloc((n ? n : 1) * sizeof *group);
    size_t *gidx = malloc((r->n_corpora ? r->n_corpora : 1) * sizeof *gidx);
    double *caps = malloc((r->n_corpora ? r->n_corpora : 1) * sizeof *caps);
    const double **gz = malloc(G * sizeof *gz);
    int rc = CLF_OK;
    if (!c->gz || !c->gw || !c->ga || !c->gtau || !c->score || !group || !gidx || !caps || !gz)
        rc = clf__error(CLF_E_NOMEM, "out of memory");
    for (size_t g = 0; g < G && rc == CLF_OK; g++) {
        double t0 = now_seconds();
        rc = clf_gate_fit(d, r, c->g0 + g, c->doc, n, t->threads, c->gz + g * n, c->gw + g * nf);
        gz[g] = c->gz + g * n;
        clf_progress_note(t->prog, CLF_TRAIN_DETAIL, "gates", "%s: gate %s fitted in %.1f s",
                          c->name, r->gates[c->g0 + g].name, now_seconds() - t0);
    }
    if (rc == CLF_OK) {
        /* the capped hard-negative corpora of the category, as flag_rate_floor */
        size_t n_caps = capped_corpora(r, bit, gidx, caps);
        for (size_t i = 0; i < n; i++)
            group[i] = gidx[d->docs[c->doc[i]].corpus];
        clf_gate_problem pb = {n, c->oof + c->best * n, c->y, c->sel, group, n_caps, caps, G, gz};
        rc = clf_gate_tune(&pb, r, c->ga, c->gtau, c->score, &c->gate_before, &c->gate_after);
        if (rc == CLF_OK) {
            c->gate_ap_before = clf_gate_in_domain_ap(&pb, c->oof + c->best * n);
            c->gate_ap_after = clf_gate_in_domain_ap(&pb, c->score);
            clf_progress_note(t->prog, CLF_TRAIN_NOTE, "gates",
                              "%s: in-domain out-of-fold AP (no caps) %.4f without gates, "
                              "%.4f with them",
                              c->name, c->gate_ap_before, c->gate_ap_after);
        }
    }
    /* which capped corpus sets the floor, with and without the gates */
    for (size_t cc = 0; rc == CLF_OK && cc < r->n_corpora; cc++) {
        if (gidx[cc] == SIZE_MAX)
            continue;
        for (int gated = 0; gated < 2; gated++) {
            const double *sc = gated ? c->score : c->oof + c->best * n;
            size_t m = 0;
            double *q = malloc((n ? n : 1) * sizeof *q);
            if (!q)
                break;
            for (size_t i = 0; i < n; i++)
                if (group[i] == gidx[cc])
                    q[m++] = sc[i];
            size_t allowed = (size_t)floor(caps[gidx[cc]] * (double)m + 1e-9);
            size_t *o = NULL;
            if (allowed < m && clf_eval_order(&o, q, m) == 0)
                clf_progress_note(t->prog, CLF_TRAIN_DETAIL, "gates",
                                  "%s: %s %s: %zu rows, cap %zu, floor margin %.3f", c->name,
                                  gated ? "gated" : "ungated", r->corpora[cc].name, m, allowed,
                                  q[o[allowed]]);
            free(o);
            free(q);
        }
    }
    if (rc == CLF_OK)
        for (size_t g = 0; g < G; g++)
            clf_progress_note(t->prog, CLF_TRAIN_NOTE, "gates",
                              "%s: gate %s a=%g tau=%g (capped in-domain out-of-fold AP "
                              "%.4f -> %.4f)",
                              c->name, r->gates[c->g0 + g].name, c->ga[g], c->gtau[g],
                              c->gate_before, c->gate_after);
    free(group);
    free(gidx);
    free(caps);
    free(gz);
    return rc;
}

/* After model selection: calibrate, choose the threshold. */
static int calibrate(trainer *t, cat *c)
{
    const clf_recipe *r = t->r;
    int rc;
    const double *m = chosen_oof(c);
    if ((rc = clf_platt_fit(m, c->y, c->n, &c->a, &c->b, &c->a_free)) != CLF_OK)
        return clf__error(rc, "category %s: %s", c->name, clf_last_error());
    c->t_min = -INFINITY;
    if (r->threshold_source == CLF_THRESHOLD_SOURCE_OOF) {
        double *p = malloc(c->n * sizeof *p);
        double *ps = malloc(c->n * sizeof *ps);
        unsigned char *ys = malloc(c->n);
        if (!p || !ps || !ys) {
            free(p);
            free(ps);
            free(ys);
            return clf__error(CLF_E_NOMEM, "out of memory");
        }
        size_t ns = 0;
        for (size_t i = 0; i < c->n; i++) {
            p[i] = clf_platt_prob(c->a, c->b, m[i]);
            if (c->sel[i]) {
                ps[ns] = p[i];
                ys[ns++] = c->y[i];
            }
        }
        /* threshold_caps false: the rule alone (the caps still shaped the gates) */
        if (!(r->uncapped_threshold && r->uncapped_threshold[c->k]))
            rc = flag_rate_floor(t, c, p, &c->t_min);
        if (rc == CLF_OK)
            rc = clf_choose_threshold_above(ps, ys, ns, r->thresholds[c->k].rule, c->t_min,
                                            r->thresholds[c->k].precision, &c->choice);
        free(p);
        free(ps);
        free(ys);
        if (rc != CLF_OK)
            return clf__error(rc, "category %s: %s", c->name, clf_last_error());
    }
    return CLF_OK;
}

/*
 * A category whose out-of-fold margins do not rise with the label (Platt's
 * unconstrained A >= 0: the fit is flat, or inverted and then constrained
 * to flat) has margins that rank nothing: its probability would be the base
 * rate for every text, and its threshold would flag every text or none.
 * Training stops, naming every such category (docs/training.md,
 * "Calibration"), before the final fits, and writes no model.
 */
static int check_calibrations(trainer *t)
{
    char names[512];
    size_t len = 0, bad = 0;
    names[0] = '\0';
    for (size_t k = 0; k < t->K; k++) {
        const cat *c = &t->cats[k];
        if (c->a_free < 0.0)
            continue;
        double base = (double)c->npos / (double)c->n;
        clf_progress_note(t->prog, CLF_TRAIN_NOTE, "calibrate",
                          "WARNING: %s: degenerate calibration: out-of-fold margins %s with "
                          "the label (Platt A = %g, must be < 0; cv AP %.3f, base rate %.3f)",
                          c->name, c->a_free > 0.0 ? "fall" : "do not rise", c->a_free,
                          c->cv_ap[c->best], base);
        if (len < sizeof names) {
            int w = snprintf(names + len, sizeof names - len, "%s%s (A = %g, cv AP %.3f, base "
                             "rate %.3f)", bad ? ", " : "", c->name, c->a_free,
                             c->cv_ap[c->best], base);
            len = w > 0 ? len + (size_t)w : len;
        }
        bad++;
    }
    if (!bad)
        return CLF_OK;
    return clf__error(CLF_E_TRAIN,
                      "degenerate calibration in %zu categor%s: %s%s. Their out-of-fold margins "
                      "do not rise with the label, so their probabilities would not either; no "
                      "model written. Usually too few distinct texts (copies of a text share "
                      "a fold) or labels the features cannot predict: add distinct examples",
                      bad, bad == 1 ? "y" : "ies", names, len >= sizeof names ? "..." : "");
}

/* ---- the model as written, and what it scores on the dev splits ---- */

typedef struct built {
    float *weights;                 /* n_rows x (K + gates): the categories', then the gates' */
    clf_model_spec_category *spec_cats;
    size_t n_gates;
    clf_model_spec_gate *spec_gates;
} built;

static void fill_spec(const trainer *t, const built *b, clf_model_spec *spec,
                      clf_model_weight_type wt, const char *meta)
{
    clf_model_spec_init(spec);
    spec->name = t->r->name;
    spec->nopts = t->r->nopts;
    spec->fopts = t->r->fopts;
    spec->n_cats = t->K;
    spec->cats = b->spec_cats;
    spec->n_gates = b->n_gates;
    spec->gates = b->spec_gates;
    spec->n_rows = t->d->n_rows;
    spec->buckets = t->d->buckets;
    spec->idf = t->d->idf;
    spec->weights = b->weights;
    spec->weight_type = wt;
    spec->meta = meta;
}

/* Margins of the dev documents with the weights a model file holds (as
 * loaded, so i16 weights are dequantized exactly as the scorer sees them). */
static int dev_probs(const trainer *t, const built *b, clf_model_weight_type wt,
                     const size_t *dev_list, size_t n_dev, double *p)
{
    clf_model_spec spec;
    fill_spec(t, b, &spec, wt, NULL);
    unsigned char *buf;
    size_t len;
    int rc = clf_model_write_buffer(&buf, &len, &spec);
    if (rc != CLF_OK)
        return rc;
    clf_model *m;
    rc = clf_model_load_buffer(&m, buf, len);
    free(buf);
    if (rc != CLF_OK)
        return rc;
    const size_t K = t->K, NC = m->n_cols;
    const int bias_index = (int)t->d->n_rows + 1;
    double *acc = calloc(NC, sizeof *acc);
    double *gz = calloc(m->n_gates ? m->n_gates : 1, sizeof *gz);
    if (!acc || !gz) {
        free(acc);
        free(gz);
        clf_model_free(m);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_dev; i++) {
        memset(acc, 0, NC * sizeof *acc);
        for (const struct feature_node *x = t->d->docs[dev_list[i]].x; x->index != -1; x++) {
            if (x->index == bias_index)
                continue;
            const uint32_t r = (uint32_t)(x->index - 1);
            for (size_t k = 0; k < NC; k++)
                acc[k] += x->value * (double)clf__model_row_weight(m, r, k);
        }
        for (size_t k = 0; k < K; k++)
            acc[k] = acc[k] * clf__evidence_factor(m->cats[k].evidence_words,
                                                   t->d->docs[dev_list[i]].words) +
                     m->cats[k].bias;
        for (size_t g = 0; g < m->n_gates; g++)
            gz[g] = acc[K + g] + m->gates[g].bias;
        clf__model_apply_gates(m, gz, acc);
        for (size_t k = 0; k < K; k++)
            p[i * K + k] = clf_platt_prob(m->cats[k].calib_a, m->cats[k].calib_b, acc[k]);
    }
    free(acc);
    free(gz);
    clf_model_free(m);
    return CLF_OK;
}

static void metrics_of(const double *p, const unsigned char *y, size_t n, double threshold,
                       clf_train_metrics *out)
{
    /* undefined values are NaN (written as null), as eval reports them */
    clf_eval_confusion cf;
    clf_eval_confusion_at(&cf, p, y, NULL, n, threshold);
    out->documents = n;
    out->positives = (size_t)(cf.tp + cf.fn);
    out->flagged = (size_t)(cf.tp + cf.fp);
    out->precision = clf_eval_precision(&cf);
    out->recall = clf_eval_recall(&cf);
    out->f1 = clf_eval_f1(&cf);
    if (average_precision(p, y, n, &out->average_precision) != CLF_OK)
        out->average_precision = NAN;
}

/* ---- metadata ---- */

static json_t *jreal(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jmetrics(const clf_train_metrics *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "documents", json_integer((json_int_t)m->documents));
    json_object_set_new(o, "positives", json_integer((json_int_t)m->positives));
    json_object_set_new(o, "flagged", json_integer((json_int_t)m->flagged));
    json_object_set_new(o, "precision", jreal(m->precision));
    json_object_set_new(o, "recall", jreal(m->recall));
    json_object_set_new(o, "f1", jreal(m->f1));
    json_object_set_new(o, "average_precision", jreal(m->average_precision));
    return o;
}

static json_t *jfile(const clf_corpus_file *f)
{
    if (!f->present)
        return json_null();
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)f->xxh3);
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(f->rel));
    json_object_set_new(o, "rows", json_integer((json_int_t)f->rows));
    if (f->docs != f->rows) /* train_unit cut the rows into sentences or paragraphs */
        json_object_set_new(o, "documents", json_integer((json_int_t)f->docs));
    json_object_set_new(o, "skipped", json_integer((json_int_t)f->skipped));
    json_object_set_new(o, "xxh3_64", json_string(hex));
    return o;
}

static const char *char_mode_name(unsigned int m)
{
    return m == CLF_CHAR_ACROSS ? "across" : m == CLF_CHAR_BOTH ? "both" : "within";
}

typedef struct evaluation {
    size_t n_dev;
    size_t *dev_list;
    clf_train_metrics *dev;       /* K */
    clf_train_metrics *by_corpus; /* K x n_corpora */
    double *flag_rate;            /* K x n_corpora */
    double *f1_f32, *f1_i16;      /* K */
    double max_dp;
} evaluation;

/* metadata "corpora": each corpus's files as read (path, checksum, rows). */
static json_t *meta_corpora(const clf_recipe *r, const clf_dataset *d)
{
    json_t *corpora = json_array();
    for (size_t c = 0; c < r->n_corpora; c++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(r->corpora[c].name));
        json_object_set_new(o, "train", jfile(&d->files[c][CLF_SPLIT_TRAIN]));
        json_object_set_new(o, "dev", jfile(&d->files[c][CLF_SPLIT_DEV]));
        json_array_append_new(corpora, o);
    }
    return corpora;
}

/* metadata "normalize" and "features": what the features depend on. */
static void meta_features(json_t *root, const clf_recipe *r, const clf_dataset *d)
{
    char flags[512];
    clf_norm_flag_names(r->nopts.flags, flags, sizeof flags);
    json_t *norm = json_object();
    json_object_set_new(norm, "flags", json_string(flags));
    json_object_set_new(norm, "max_bytes", json_integer((json_int_t)r->nopts.max_bytes));
    json_object_set_new(root, "normalize", norm);

    const clf_feature_options *fo = &r->fopts;
    json_t *feat = json_object();
    json_object_set_new(feat, "word_ngram_max", json_integer(fo->word_ngram_max));
    json_object_set_new(feat, "char_ngram_min", json_integer(fo->char_ngram_min));
    json_object_set_new(feat, "char_ngram_max", json_integer(fo->char_ngram_max));
    json_object_set_new(feat, "char_mode", json_string(char_mode_name(fo->char_mode)));
    json_object_set_new(feat, "stems", json_boolean(fo->stems));
    json_object_set_new(feat, "hash_bits", json_integer(fo->hash_bits));
    json_object_set_new(feat, "hash_seed", json_integer((json_int_t)fo->hash_seed));
    json_object_set_new(feat, "sublinear_tf", json_boolean(fo->sublinear_tf));
    json_object_set_new(feat, "l2_normalize", json_boolean(fo->l2_normalize));
    json_object_set_new(feat, "min_df", json_integer(r->min_df));
    json_object_set_new(feat, "idf", json_string("ln((1+N)/(1+df))+1 over the training documents"));
    json_object_set_new(feat, "training_documents", json_integer((json_int_t)d->n_train));
    json_object_set_new(feat, "buckets_seen", json_integer((json_int_t)d->n_distinct));
    json_object_set_new(feat, "rows", json_integer((json_int_t)d->n_rows));
    json_object_set_new(feat, "drop_artefacts", json_boolean(r->drop_artefacts));
    json_object_set_new(feat, "artefact_rows_dropped",
                        json_integer((json_int_t)d->n_artefact_rows));
    json_object_set_new(root, "features", feat);
}

/* metadata "training": solver, folds, grid, calibration, threshold rules. */
static json_t *meta_training(const trainer *t)
{
    const clf_recipe *r = t->r;
    json_t *tr = json_object();
    /* one string when every category has the same solver, else {category: solver} */
    int mixed = 0;
    for (size_t k = 1; k < t->K; k++)
        mixed |= t->cats[k].solver != t->cats[0].solver;
    if (!mixed) {
        json_object_set_new(tr, "solver", json_string(clf_linear_solver_name(t->cats[0].solver)));
    } else {
        json_t *sv = json_object();
        for (size_t k = 0; k < t->K; k++)
            json_object_set_new(sv, r->categories[k],
                                json_string(clf_linear_solver_name(t->cats[k].solver)));
        json_object_set_new(tr, "solver", sv);
    }
    json_object_set_new(tr, "liblinear_version", json_integer(LIBLINEAR_VERSION));
    json_object_set_new(tr, "eps", json_real(r->eps));
    json_object_set_new(tr, "bias", json_real(1.0));
    json_object_set_new(tr, "class_weight", json_string(r->balanced ? "balanced" : "none"));
    json_object_set_new(tr, "folds", json_integer(r->folds));
    json_object_set_new(tr, "fold_assignment",
                        json_string("XXH3-64(normalized text, seed) mod folds"));
    json_object_set_new(tr, "seed", json_integer((json_int_t)r->seed));
    json_t *grid = json_array();
    for (size_t ci = 0; ci < r->n_c; ci++)
        json_array_append_new(grid, json_real(r->c_grid[ci]));
    json_object_set_new(tr, "c_grid", grid);
    json_object_set_new(tr, "select_metric",
                        json_string(r->select_in_domain
                                        ? "out-of-fold average_precision, in-domain rows"
                                        : "out-of-fold average_precision"));
    json_object_set_new(tr, "c_grid_extend", json_boolean(r->c_grid_extend));
    json_object_set_new(tr, "calibration",
                        json_string("Platt sigmoid on out-of-fold margins of the chosen C"));
    json_t *rules = json_object();
    for (size_t k = 0; k < t->K; k++) {
        char rule[64];
        clf_recipe_threshold_name(r, k, rule, sizeof rule);
        json_object_set_new(rules, r->categories[k], json_string(rule));
    }
    json_object_set_new(tr, "threshold", rules);
    json_object_set_new(tr, "threshold_source",
                        json_string(r->threshold_source == CLF_THRESHOLD_SOURCE_DEV ? "dev"
                                                                                    : "oof"));
    return tr;
}

/* metadata "categories"[k]: C and its cross-validation, calibration, threshold, metrics. */
static json_t *meta_category(const trainer *t, const evaluation *ev, size_t k)
{
    const clf_recipe *r = t->r;
    const clf_dataset *d = t->d;
    const cat *c = &t->cats[k];
    json_t *o = json_object();
    json_object_set_new(o, "C", json_real(c->cgrid[c->best]));
    json_t *cv = json_array();
    for (size_t ci = 0; ci < c->n_c; ci++) {
        json_t *e = json_object();
        json_object_set_new(e, "C", json_real(c->cgrid[ci]));
        json_object_set_new(e, "average_precision", jreal(c->cv_ap[ci]));
        if (c->capped)
            json_object_set_new(e, "capped_average_precision", jreal(c->cv_sel[ci]));
        json_array_append_new(cv, e);
    }
    json_object_set_new(o, "select_metric", json_string(c->capped ? "capped_average_precision"
                                                                  : "average_precision"));
    json_object_set_new(o, "cv_average_precision", jreal(c->cv_ap[c->best]));
    json_object_set_new(o, "cv", cv);
    json_object_set_new(o, "nb_scaling", json_boolean(c->nb));
    json_object_set_new(o, "evidence_words", json_integer((json_int_t)evidence_k(t->r, c->k)));
    json_object_set_new(o, "solver", json_string(c->solver == CLF_SOLVER_SVM ? "svm" : "logreg"));
    json_object_set_new(o, "flag_by_default",
                        json_boolean(!(r->report_only && r->report_only[k])));
    /* the corpus weights in force for this category (recipe "weight", per category) */
    json_t *cw = json_object();
    for (size_t j = 0; j < r->n_corpora; j++)
        if ((r->corpora[j].annotates | r->corpora[j].negatives_for) & (UINT64_C(1) << k))
            json_object_set_new(cw, r->corpora[j].name,
                                json_integer((json_int_t)r->corpora[j].weight[k]));
    json_object_set_new(o, "corpus_weights", cw);
    if (c->ng) {
        json_t *gs = json_array();
        for (size_t g = 0; g < c->ng; g++) {
            const clf_recipe_gate *rg = &r->gates[c->g0 + g];
            json_t *e = json_object();
            json_object_set_new(e, "name", json_string(rg->name));
            json_t *cs = json_array();
            for (size_t i = 0; i < rg->n_corpora; i++)
                json_array_append_new(cs, json_string(r->corpora[rg->corpora[i]].name));
            json_object_set_new(e, "corpora", cs);
            json_object_set_new(e, "C", json_real(rg->C));
            json_object_set_new(e, "keep_in_fit", json_boolean(rg->keep_in_fit));
            json_object_set_new(e, "weight", json_real(c->ga[g]));
            json_object_set_new(e, "tau", json_real(c->gtau[g]));
            json_array_append_new(gs, e);
        }
        json_object_set_new(o, "gates", gs);
        json_t *go = json_object();
        json_object_set_new(go, "objective",
                            json_string("in-domain out-of-fold AP above the flag-rate caps' floor"));
        json_object_set_new(go, "without_gates", jreal(c->gate_before));
        json_object_set_new(go, "with_gates", jreal(c->gate_after));
        json_object_set_new(go, "in_domain_ap_without_gates", jreal(c->gate_ap_before));
        json_object_set_new(go, "in_domain_ap_with_gates", jreal(c->gate_ap_after));
        if (r->gate_max_ap_loss >= 0.0)
            json_object_set_new(go, "max_ap_loss", json_real(r->gate_max_ap_loss));
        json_object_set_new(o, "gate_tuning", go);
    }
    json_t *cal = json_object();
    json_object_set_new(cal, "method", json_string("platt"));
    json_object_set_new(cal, "A", json_real(c->a));
    json_object_set_new(cal, "B", json_real(c->b));
    json_object_set_new(o, "calibration", cal);
    char rule[64];
    clf_recipe_threshold_name(r, k, rule, sizeof rule);
    json_t *th = json_object();
    json_object_set_new(th, "value", json_real(c->choice.threshold));
    json_object_set_new(th, "rule", json_string(rule));
    json_object_set_new(th, "source", json_string(r->threshold_source ==
                                                          CLF_THRESHOLD_SOURCE_DEV
                                                      ? "dev"
                                                      : "oof"));
    if (r->thresholds[k].rule == CLF_THRESHOLD_PRECISION)
        json_object_set_new(th, "target_reached", json_boolean(c->choice.target_reached));
    json_object_set_new(o, "threshold", th);

    /* out-of-fold metrics at the threshold */
    double *p = malloc(c->n * sizeof *p);
    if (p) {
        clf_train_metrics tm;
        const double *om = chosen_oof(c);
        for (size_t i = 0; i < c->n; i++)
            p[i] = clf_platt_prob(c->a, c->b, om[i]);
        metrics_of(p, c->y, c->n, c->choice.threshold, &tm);
        json_object_set_new(o, "train_out_of_fold", jmetrics(&tm));
        /* per corpus: quality where it annotates, flag rates where it is
         * a hard negative (what the caps constrain) */
        double *pc = malloc(c->n * sizeof *pc);
        unsigned char *yc = malloc(c->n);
        json_t *byc = json_object();
        for (size_t cc = 0; pc && yc && cc < r->n_corpora; cc++) {
            size_t m = 0;
            for (size_t i = 0; i < c->n; i++)
                if (d->docs[c->doc[i]].corpus == cc) {
                    pc[m] = p[i];
                    yc[m++] = c->y[i];
                }
            if (m == 0)
                continue;
            clf_train_metrics cm;
            metrics_of(pc, yc, m, c->choice.threshold, &cm);
            json_t *e = jmetrics(&cm);
            json_object_set_new(e, "flag_rate", jreal((double)cm.flagged / (double)m));
            if (isfinite(r->corpora[cc].max_flag_rate) &&
                (r->corpora[cc].negatives_for & (UINT64_C(1) << k)))
                json_object_set_new(e, "max_flag_rate", jreal(r->corpora[cc].max_flag_rate));
            json_object_set_new(byc, r->corpora[cc].name, e);
        }
        free(pc);
        free(yc);
        json_object_set_new(o, "out_of_fold_by_corpus", byc);
        json_object_set_new(o, "threshold_floor", jreal(c->t_min));
        json_object_set_new(o, "threshold_caps",
                            json_boolean(!(r->uncapped_threshold && r->uncapped_threshold[k])));
        free(p);
    }
    json_t *dev = jmetrics(&ev->dev[k]);
    json_t *byc = json_object();
    json_t *rates = json_object();
    for (size_t cc = 0; cc < r->n_corpora; cc++) {
        if (!d->files[cc][CLF_SPLIT_DEV].present)
            continue;
        json_object_set_new(rates, r->corpora[cc].name,
                            jreal(ev->flag_rate[k * r->n_corpora + cc]));
        if (clf_recipe_uses(r, cc) & (UINT64_C(1) << k))
            json_object_set_new(byc, r->corpora[cc].name,
                                jmetrics(&ev->by_corpus[k * r->n_corpora + cc]));
    }
    json_object_set_new(dev, "by_corpus", byc);
    json_object_set_new(o, "dev", dev);
    json_object_set_new(o, "dev_flag_rate", rates);
    return o;
}

/* metadata "quantization": how much i16 weights move the dev scores. */
static json_t *meta_quantization(const trainer *t, const evaluation *ev)
{
    const clf_recipe *r = t->r;
    json_t *q = json_object();
    json_object_set_new(q, "weights", json_string(r->weights == CLF_WEIGHTS_I16 ? "i16" : "f32"));
    json_object_set_new(q, "dev_max_abs_dp_i16_vs_f32", jreal(ev->max_dp));
    json_t *f32 = json_object(), *i16 = json_object();
    for (size_t k = 0; k < t->K; k++) {
        json_object_set_new(f32, t->cats[k].name, jreal(ev->f1_f32[k]));
        json_object_set_new(i16, t->cats[k].name, jreal(ev->f1_i16[k]));
    }
    json_object_set_new(q, "dev_f1_f32", f32);
    json_object_set_new(q, "dev_f1_i16", i16);
    return q;
}

static char *build_metadata(const trainer *t, const evaluation *ev)
{
    const clf_recipe *r = t->r;
    json_t *root = json_object();
    json_object_set_new(root, "libclassify_version", json_string(CLF_VERSION_STRING));
    json_object_set_new(root, "recipe_name", json_string(r->name));
    json_object_set(root, "recipe", r->json);
    json_object_set_new(root, "corpora", meta_corpora(r, t->d));
    json_object_set_new(root, "corpora_paths", json_string("relative to the corpora root"));
    meta_features(root, r, t->d);
    json_object_set_new(root, "training", meta_training(t));
    json_t *cats = json_object();
    for (size_t k = 0; k < t->K; k++)
        json_object_set_new(cats, t->cats[k].name, meta_category(t, ev, k));
    json_object_set_new(root, "categories", cats);
    json_object_set_new(root, "quantization", meta_quantization(t, ev));

    /* compact, six significant digits: metadata is for people and reports;
     * the exact values live in the binary sections */
    char *s = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(root);
    return s;
}

/* ---- evaluation on the dev splits ---- */

static int evaluate(trainer *t, built *b, evaluation *ev)
{
    const clf_recipe *r = t->r;
    const clf_dataset *d = t->d;
    const size_t K = t->K, NC = r->n_corpora, n = ev->n_dev;
    double *p32 = malloc((n ? n : 1) * K * sizeof *p32);
    double *p16 = malloc((n ? n : 1) * K * sizeof *p16);
    double *pk = malloc((n ? n : 1) * sizeof *pk);
    unsigned char *yk = malloc(n ? n : 1);
    ev->dev = calloc(K, sizeof *ev->dev);
    ev->by_corpus = calloc(K * NC, sizeof *ev->by_corpus);
    ev->flag_rate = calloc(K * NC, sizeof *ev->flag_rate);
    ev->f1_f32 = calloc(K, sizeof *ev->f1_f32);
    ev->f1_i16 = calloc(K, sizeof *ev->f1_i16);
    int rc = CLF_OK;
    if (!p32 || !p16 || !pk || !yk || !ev->dev || !ev->by_corpus || !ev->flag_rate ||
        !ev->f1_f32 || !ev->f1_i16)
        rc = clf__error(CLF_E_NOMEM, "out of memory");
    if (rc == CLF_OK)
        rc = dev_probs(t, b, CLF_MODEL_WEIGHTS_F32, ev->dev_list, n, p32);
    if (rc == CLF_OK)
        rc = dev_probs(t, b, CLF_MODEL_WEIGHTS_I16, ev->dev_list, n, p16);
    if (rc != CLF_OK) {
        free(p32);
        free(p16);
        free(pk);
        free(yk);
        return rc;
    }
    const double *ship = r->weights == CLF_WEIGHTS_I16 ? p16 : p32;
    ev->max_dp = 0.0;
    for (size_t i = 0; i < n * K; i++)
        if (fabs(p32[i] - p16[i]) > ev->max_dp)
            ev->max_dp = fabs(p32[i] - p16[i]);

    for (size_t k = 0; k < K && rc == CLF_OK; k++) {
        cat *c = &t->cats[k];
        for (size_t i = 0; i < c->n_dev; i++)
            pk[i] = ship[c->dev_doc[i] * K + k];
        if (r->threshold_source == CLF_THRESHOLD_SOURCE_DEV) {
            if (c->n_dev == 0) {
                rc = clf__error(CLF_E_TRAIN, "category %s: threshold_source is \"dev\" but "
                                             "no dev document is an example of it", c->name);
                break;
            }
            rc = clf_choose_threshold(pk, c->dev_y, c->n_dev, r->thresholds[k].rule,
                                      r->thresholds[k].precision, &c->choice);
            if (rc != CLF_OK) {
                rc = clf__error(rc, "category %s (dev): %s", c->name, clf_last_error());
                break;
            }
            b->spec_cats[k].threshold = c->choice.threshold;
        }
        metrics_of(pk, c->dev_y, c->n_dev, c->choice.threshold, &ev->dev[k]);
        for (int enc = 0; enc < 2; enc++) {
            const double *src = enc ? p16 : p32;
            for (size_t i = 0; i < c->n_dev; i++)
                pk[i] = src[c->dev_doc[i] * K + k];
            clf_train_metrics m;
            metrics_of(pk, c->dev_y, c->n_dev, c->choice.threshold, &m);
            (enc ? ev->f1_i16 : ev->f1_f32)[k] = m.f1;
        }
        /* per corpus: every dev document, whatever the corpus annotates */
        for (size_t cc = 0; cc < NC; cc++) {
            size_t m = 0;
            uint64_t bit = UINT64_C(1) << k;
            for (size_t i = 0; i < n; i++) {
                const clf_doc *doc = &d->docs[ev->dev_list[i]];
                if (doc->corpus != cc)
                    continue;
                pk[m] = ship[i * K + k];
                yk[m++] = (doc->positive & bit) != 0;
            }
            clf_train_metrics cm;
            metrics_of(pk, yk, m, c->choice.threshold, &cm);
            ev->flag_rate[k * NC + cc] = m ? (double)cm.flagged / (double)m : NAN;
            ev->by_corpus[k * NC + cc] = cm;
        }
    }
    free(p32);
    free(p16);
    free(pk);
    free(yk);
    return rc;
}

static void free_trainer(trainer *t)
{
    if (t->cats)
        for (size_t k = 0; k < t->K; k++) {
            cat *c = &t->cats[k];
            free(c->doc);
            free(c->y);
            free(c->sel);
            free(c->fit);
            free(c->gz);
            free(c->gw);
            free(c->ga);
            free(c->gtau);
            free(c->score);
            free(c->oof);
            free(c->cv_ap);
            free(c->w);
            free(c->w_fold0);
            free(c->dev_doc);
            free(c->dev_y);
        }
    free(t->cats);
    free(t->jobs);
}

static int make_result(const trainer *t, const evaluation *ev, const char *out_path,
                       clf_train_result **result)
{
    const clf_recipe *r = t->r;
    clf_train_result *res = calloc(1, sizeof *res);
    if (!res)
        return clf__error(CLF_E_NOMEM, "out of memory");
    res->n_categories = t->K;
    res->n_corpora = r->n_corpora;
    res->categories = calloc(t->K, sizeof *res->categories);
    res->corpus_names = calloc(r->n_corpora, sizeof *res->corpus_names);
    res->dev_flag_rate = malloc(t->K * r->n_corpora * sizeof *res->dev_flag_rate);
    if (!res->categories || !res->corpus_names || !res->dev_flag_rate) {
        clf_train_result_free(res);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    for (size_t c = 0; c < r->n_corpora; c++)
        res->corpus_names[c] = r->corpora[c].name;
    memcpy(res->dev_flag_rate, ev->flag_rate, t->K * r->n_corpora * sizeof *res->dev_flag_rate);
    for (size_t k = 0; k < t->K; k++) {
        const cat *c = &t->cats[k];
        clf_train_category *o = &res->categories[k];
        o->name = c->name;
        o->C = c->cgrid[c->best];
        o->cv_average_precision = c->cv_ap[c->best];
        o->calib_a = c->a;
        o->calib_b = c->b;
        o->threshold = c->choice.threshold;
        o->threshold_target_reached = c->choice.target_reached;
        double *p = malloc(c->n * sizeof *p);
        if (!p) {
            clf_train_result_free(res);
            return clf__error(CLF_E_NOMEM, "out of memory");
        }
        const double *om = chosen_oof(c);
        for (size_t i = 0; i < c->n; i++)
            p[i] = clf_platt_prob(c->a, c->b, om[i]);
        metrics_of(p, c->y, c->n, c->choice.threshold, &o->train);
        free(p);
        o->dev = ev->dev[k];
        o->dev_f1_f32 = ev->f1_f32[k];
        o->dev_f1_i16 = ev->f1_i16[k];
    }
    res->documents = t->d->n_docs;
    res->train_documents = t->d->n_train;
    res->skipped_rows = t->d->skipped;
    res->rows = t->d->n_rows;
    res->quant_max_abs_dp = ev->max_dp;
    res->weights_i16 = r->weights == CLF_WEIGHTS_I16;
    struct stat st;
    if (stat(out_path, &st) == 0)
        res->file_size = (size_t)st.st_size;
    *result = res;
    return CLF_OK;
}

int clf_train(const clf_recipe *r, const clf_train_options *o, const char *out_path,
              clf_train_result **result)
{
    if (result)
        *result = NULL;
    if (!r || !o || !out_path)
        return clf__error(CLF_E_INVALID_ARG, "clf_train: NULL argument");
    if (!o->corpora_root)
        return clf__error(CLF_E_INVALID_ARG, "clf_train: no corpora root given");
    /* liblinear's L2R_LR primal solver draws no random numbers; seeding
     * anyway keeps any future solver reproducible */
    srand((unsigned int)r->seed);
    clf_logreg_silence();

    clf_progress prog;
    clf_progress_init(&prog, o->progress, o->progress_ud);
    trainer t;
    memset(&t, 0, sizeof t);
    t.r = r;
    t.prog = &prog;
    t.threads = o->threads ? o->threads : clf_pool_default_threads();
    t.K = r->n_categories;
    pthread_mutex_init(&t.lock, NULL);

    evaluation ev;
    memset(&ev, 0, sizeof ev);
    built b;
    memset(&b, 0, sizeof b);
    clf_dataset *d = NULL;
    char *meta = NULL;

    clf_dataset_options dopt = {o->corpora_root, t.threads, o->skip_bad_rows, &prog};
    double t0 = now_seconds();
    int rc = clf_dataset_load(&d, r, &dopt);
    clf_progress_note(&prog, CLF_TRAIN_DETAIL, "featurize", "read and featurized in %.1f s",
                      now_seconds() - t0);
    t.d = d;
    if (rc == CLF_OK) {
        clf_progress_note(&prog, CLF_TRAIN_NOTE, "featurize",
                          "%zu documents (%zu for training, %.0f features each on average), "
                          "%zu feature rows kept of %zu buckets seen (min_df %u)",
                          d->n_docs, d->n_train,
                          (double)(d->arena_len - 2 * d->n_docs) / (double)d->n_docs,
                          d->n_rows, d->n_distinct, r->min_df);
        for (size_t i = 0; i < d->n_docs; i++)
            ev.n_dev += d->docs[i].split == CLF_SPLIT_DEV;
        ev.dev_list = malloc((ev.n_dev ? ev.n_dev : 1) * sizeof *ev.dev_list);
        t.cats = calloc(t.K, sizeof *t.cats);
        if (!ev.dev_list || !t.cats)
            rc = clf__error(CLF_E_NOMEM, "out of memory");
    }
    if (rc == CLF_OK) {
        size_t j = 0;
        for (size_t i = 0; i < d->n_docs; i++)
            if (d->docs[i].split == CLF_SPLIT_DEV)
                ev.dev_list[j++] = i;
        rc = setup_categories(&t, ev.dev_list, ev.n_dev);
    }
    if (rc == CLF_OK)
        rc = run_phase(&t, "cross-validate", 0);
    for (size_t k = 0; k < t.K && rc == CLF_OK; k++)
        rc = score_grid(&t, &t.cats[k]);
    for (int round = 0; rc == CLF_OK && r->c_grid_extend && round < MAX_EXTEND; round++) {
        int any = 0;
        for (size_t k = 0; k < t.K; k++)
            any |= extend_grid(&t, &t.cats[k]);
        if (!any)
            break;
        rc = run_phase(&t, "cross-validate", 0);
        for (size_t k = 0; k < t.K && rc == CLF_OK; k++)
            if (t.cats[k].c_lo < t.cats[k].n_c)
                rc = score_grid(&t, &t.cats[k]);
    }
    for (size_t k = 0; k < t.K && rc == CLF_OK; k++)
        if (t.cats[k].ng)
            rc = train_gates(&t, &t.cats[k]);
    for (size_t k = 0; k < t.K && rc == CLF_OK; k++)
        rc = calibrate(&t, &t.cats[k]);
    if (rc == CLF_OK)
        rc = check_calibrations(&t);
    if (rc == CLF_OK)
        rc = run_phase(&t, "fit", 1);

    if (rc == CLF_OK) {
        clf_progress_step(&prog, "evaluate", NULL, -1, 0, 0);
        b.n_gates = r->n_gates;
        b.weights = malloc((d->n_rows ? d->n_rows : 1) * (t.K + b.n_gates) * sizeof *b.weights);
        b.spec_cats = calloc(t.K, sizeof *b.spec_cats);
        b.spec_gates = calloc(b.n_gates ? b.n_gates : 1, sizeof *b.spec_gates);
        if (!b.weights || !b.spec_cats || !b.spec_gates)
            rc = clf__error(CLF_E_NOMEM, "out of memory");
    }
    if (rc == CLF_OK) {
        const size_t NC = t.K + b.n_gates;
        for (size_t k = 0; k < t.K; k++) {
            const cat *c = &t.cats[k];
            for (size_t g = 0; g < c->ng; g++) {
                const double *gw = c->gw + g * (d->n_rows + 1);
                clf_model_spec_gate *sg = &b.spec_gates[c->g0 + g];
                sg->name = r->gates[c->g0 + g].name;
                sg->category = k;
                sg->bias = gw[d->n_rows];
                sg->weight = c->ga[g];
                sg->tau = c->gtau[g];
                for (size_t row = 0; row < d->n_rows; row++)
                    b.weights[row * NC + t.K + c->g0 + g] = (float)gw[row];
            }
            for (size_t row = 0; row < d->n_rows; row++)
                b.weights[row * NC + k] = (float)c->w[row];
            b.spec_cats[k].name = c->name;
            b.spec_cats[k].threshold = c->choice.threshold; /* dev source: set by evaluate */
            b.spec_cats[k].calib_a = c->a;
            b.spec_cats[k].calib_b = c->b;
            b.spec_cats[k].bias = c->w[d->n_rows];
            b.spec_cats[k].report_only = r->report_only && r->report_only[k];
            b.spec_cats[k].evidence_words = evidence_k(r, k);
        }
        rc = evaluate(&t, &b, &ev);
    }
    if (rc == CLF_OK) {
        for (size_t k = 0; k < t.K; k++) {
            const cat *c = &t.cats[k];
            clf_progress_note(&prog, CLF_TRAIN_DETAIL, "evaluate",
                              "%s: C=%g cv-AP %.3f threshold %.3f | dev P %.3f R %.3f F1 %.3f "
                              "AP %.3f (%zu docs, %zu positive)",
                              c->name, c->cgrid[c->best], c->cv_ap[c->best],
                              c->choice.threshold, ev.dev[k].precision, ev.dev[k].recall,
                              ev.dev[k].f1, ev.dev[k].average_precision, ev.dev[k].documents,
                              ev.dev[k].positives);
        }
        if (!(meta = build_metadata(&t, &ev)))
            rc = clf__error(CLF_E_NOMEM, "out of memory building the metadata");
    }
    if (rc == CLF_OK) {
        clf_progress_step(&prog, "write", NULL, -1, 0, 0);
        clf_model_spec spec;
        fill_spec(&t, &b, &spec,
                  r->weights == CLF_WEIGHTS_I16 ? CLF_MODEL_WEIGHTS_I16 : CLF_MODEL_WEIGHTS_F32,
                  meta);
        rc = clf_model_write(out_path, &spec);
    }
    if (rc == CLF_OK && result)
        rc = make_result(&t, &ev, out_path, result);

    free(meta);
    free(b.weights);
    free(b.spec_cats);
    free(b.spec_gates);
    free(ev.dev_list);
    free(ev.dev);
    free(ev.by_corpus);
    free(ev.flag_rate);
    free(ev.f1_f32);
    free(ev.f1_i16);
    free_trainer(&t);
    clf_dataset_free(d);
    pthread_mutex_destroy(&t.lock);
    clf_progress_destroy(&prog);
    return rc;
}

void clf_train_result_free(clf_train_result *res)
{
    if (!res)
        return;
    free(res->categories);
    free(res->corpus_names);
    free(res->dev_flag_rate);
    free(res);
}
