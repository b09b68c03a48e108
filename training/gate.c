/*
 * gate.c - genre gates: per gate, out-of-fold and final logistic
 * regressions of "text of the gate's corpora" against the category's
 * annotating corpora, and the choice of each gate's weight and threshold
 * on out-of-fold margins by coordinate ascent of the capped in-domain AP.
 */
#include "gate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linear.h>

#include "internal.h"
#include "logreg.h"
#include "pool.h"

typedef struct gate_ctx {
    const clf_dataset *d;
    const clf_recipe *r;
    const clf_recipe_gate *g;
    const size_t *doc;
    size_t n;
    const signed char *role;      /* per doc[i]: 1 gate positive, 0 negative, -1 not trained on */
    double *oof, *w;
} gate_ctx;

static int gate_job(void *ctx, size_t job, unsigned int worker)
{
    (void)worker;
    gate_ctx *c = ctx;
    const clf_dataset *d = c->d;
    const int fold = job < c->r->folds ? (int)job : -1; /* the last job: the final fit */
    const int nf = (int)d->n_rows + 1;
    size_t m = 0, npos = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->role[i] >= 0 && (fold < 0 || d->docs[c->doc[i]].fold != fold))
            m++;
    struct feature_node **x = malloc((m ? m : 1) * sizeof *x);
    unsigned char *y = malloc(m ? m : 1);
    double *w = fold < 0 ? c->w : malloc((size_t)nf * sizeof *w);
    if (!x || !y || !w) {
        free(x);
        free(y);
        if (fold >= 0)
            free(w);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    m = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->role[i] >= 0 && (fold < 0 || d->docs[c->doc[i]].fold != fold)) {
            x[m] = d->docs[c->doc[i]].x;
            y[m] = (unsigned char)c->role[i];
            npos += y[m++];
        }
    int rc = CLF_OK;
    if (npos == 0 || npos == m)
        rc = clf__error(CLF_E_TRAIN, "gate %s of %s%s%s: only %s examples", c->g->name,
                        c->r->categories[c->g->category], fold < 0 ? "" : ", a fold",
                        fold < 0 ? "" : " of the cross-validation",
                        npos ? "gate (positive)" : "negative");
    if (rc == CLF_OK) {
        clf_logreg_params prm;
        prm.C = c->g->C;
        prm.eps = c->r->eps;
        clf_logreg_class_weights(&prm, c->r->balanced, m, npos);
        rc = clf_logreg_fit(x, y, m, nf, &prm, NULL, w);
        if (rc != CLF_OK)
            rc = clf__error(rc, "gate %s of %s: %s", c->g->name,
                            c->r->categories[c->g->category], clf_last_error());
    }
    if (rc == CLF_OK && fold >= 0)
        for (size_t i = 0; i < c->n; i++)
            if (d->docs[c->doc[i]].fold == fold)
                c->oof[i] = clf_logreg_margin(w, d->docs[c->doc[i]].x);
    free(x);
    free(y);
    if (fold >= 0)
        free(w);
    return rc;
}

int clf_gate_fit(const clf_dataset *d, const clf_recipe *r, size_t g, const size_t *doc,
                 size_t n, unsigned int threads, double *oof, double *w)
{
    const clf_recipe_gate *gt = &r->gates[g];
    const uint64_t bit = UINT64_C(1) << gt->category;
    signed char *role = malloc(n ? n : 1);
    if (!role)
        return clf__error(CLF_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t c = d->docs[doc[i]].corpus;
        role[i] = -1;
        for (size_t j = 0; j < gt->n_corpora; j++)
            if (gt->corpora[j] == c)
                role[i] = 1;
        if (role[i] < 0 && (r->corpora[c].annotates & bit))
            role[i] = 0;
    }
    gate_ctx ctx = {d, r, gt, doc, n, role, oof, w};
    int rc = clf_pool_run(threads, (size_t)r->folds + 1, gate_job, &ctx);
    free(role);
    return rc;
}

static int by_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* (score, label) pairs, sorted by score, decreasing */
typedef struct pair {
    double s;
    int y;
} pair;

static int pair_desc(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    return x->s > y->s ? -1 : x->s < y->s;
}

/* Step-wise AP (tied scores as one group) of the in-domain rows, counting
 * only the positives whose score is strictly above floor_s; pr: n pairs. */
static double ap_above(const clf_gate_problem *p, const double *s, double floor_s, pair *pr)
{
    size_t m = 0, npos = 0;
    for (size_t i = 0; i < p->n; i++)
        if (p->sel[i]) {
            pr[m].s = s[i];
            pr[m].y = p->y[i] != 0;
            npos += (size_t)pr[m++].y;
        }
    if (npos == 0)
        return NAN;
    qsort(pr, m, sizeof *pr, pair_desc);
    double tp = 0, fp = 0, ap = 0.0;
    for (size_t i = 0; i < m && pr[i].s > floor_s;) {
        size_t j = i;
        double gtp = 0;
        while (j < m && pr[j].s == pr[i].s) {
            gtp += pr[j].y;
            fp += !pr[j].y;
            j++;
        }
        tp += gtp;
        if (gtp > 0)
            ap += gtp / (double)npos * tp / (tp + fp);
        i = j;
    }
    return ap;
}

double clf_gate_in_domain_ap(const clf_gate_problem *p, const double *s)
{
    pair *pr = malloc((p->n ? p->n : 1) * sizeof *pr);
    if (!pr)
        return NAN;
    double ap = ap_above(p, s, -INFINITY, pr);
    free(pr);
    return ap;
}

double clf_gate_objective(const clf_gate_problem *p, const double *a, const double *tau,
                          double *s)
{
    const size_t n = p->n;
    for (size_t i = 0; i < n; i++) {
        double v = p->margin[i];
        for (size_t g = 0; g < p->n_gates; g++) {
            double q = 1.0 / (1.0 + exp(-p->gz[g][i]));
            if (q > tau[g])
                v -= a[g] * (q - tau[g]);
        }
        s[i] = v;
    }
    double *q = malloc((n ? n : 1) * sizeof *q);
    pair *pr = malloc((n ? n : 1) * sizeof *pr);
    if (!q || !pr) {
        free(q);
        free(pr);
        return NAN;
    }
    /* the caps' floor: the (allowed+1)-th highest score of each capped corpus */
    double floor_s = -INFINITY;
    for (size_t c = 0; c < p->n_caps; c++) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (p->cap_group[i] == c)
                q[m++] = s[i];
        size_t allowed = (size_t)floor(p->cap[c] * (double)m + 1e-9);
        if (allowed >= m)
            continue;
        qsort(q, m, sizeof *q, by_desc);
        if (q[allowed] > floor_s)
            floor_s = q[allowed];
    }
    double ap = ap_above(p, s, floor_s, pr);
    free(q);
    free(pr);
    return ap;
}

/* Whether the gated scores s keep the in-domain AP (no caps) at least
 * min_ap (-inf: no bound). */
static int admissible(const clf_gate_problem *p, const double *s, double min_ap)
{
    if (min_ap == -INFINITY)
        return 1;
    double ap = clf_gate_in_domain_ap(p, s);
    return !isnan(ap) && ap >= min_ap - 1e-12;
}

/* Coordinate ascent from (a, tau) over the settings whose in-domain AP is
 * at least min_ap; returns the objective reached (-inf when the start is
 * not admissible and no step makes it so). */
static double ascend(const clf_gate_problem *p, const clf_recipe *r, double *a, double *tau,
                     double *s, double min_ap)
{
    const size_t G = p->n_gates;
    double best = clf_gate_objective(p, a, tau, s);
    if (!isnan(best) && !admissible(p, s, min_ap))
        best = -INFINITY;
    for (int round = 0; round < 8 && !isnan(best); round++) {
        int changed = 0;
        for (size_t g = 0; g < G; g++) {
            const double a0 = a[g], t0 = tau[g];
            double ba = a0, bt = t0;
            for (size_t i = 0; i < r->n_gate_weights; i++)
                for (size_t j = 0; j < r->n_gate_taus; j++) {
                    if (r->gate_weights[i] == 0.0 && j > 0)
                        continue; /* a = 0 is the same whatever tau */
                    a[g] = r->gate_weights[i];
                    tau[g] = r->gate_taus[j];
                    double v = clf_gate_objective(p, a, tau, s);
                    if (v > best + 1e-12 && admissible(p, s, min_ap)) {
                        best = v;
                        ba = a[g];
                        bt = tau[g];
                    }
                }
            a[g] = ba;
            tau[g] = bt;
            changed |= ba != a0 || bt != t0;
        }
        if (!changed)
            break;
    }
    return best;
}

int clf_gate_tune(const clf_gate_problem *p, const clf_recipe *r, double *a, double *tau,
                  double *s, double *before, double *after)
{
    const size_t G = p->n_gates;
    double a2[CLF_RECIPE_MAX_GATES], t2[CLF_RECIPE_MAX_GATES];
    for (size_t g = 0; g < G; g++) {
        a[g] = 0.0;
        tau[g] = r->gate_taus[0];
        /* the other start: every gate at its strongest */
        a2[g] = r->gate_weights[r->n_gate_weights - 1];
        t2[g] = r->gate_taus[0];
    }
    *before = clf_gate_objective(p, a, tau, s);
    if (isnan(*before))
        return clf__error(CLF_E_NOMEM, "out of memory (or no in-domain positive) tuning gates");
    /* training.gate_max_ap_loss: the in-domain AP (no caps) the gates must keep */
    double min_ap = -INFINITY;
    if (r->gate_max_ap_loss >= 0.0) {
        double ap0 = clf_gate_in_domain_ap(p, s);
        if (isnan(ap0))
            return clf__error(CLF_E_NOMEM, "out of memory tuning gates");
        min_ap = ap0 - r->gate_max_ap_loss;
    }
    /* Two starts: from no gate, where one gate alone may gain nothing while
     * another corpus still holds the floor up, and from the strongest
     * gates, where every cap is loose and each gate is weakened while that
     * pays. The better end wins (the first on ties). */
    double v1 = ascend(p, r, a, tau, s, min_ap);
    double v2 = ascend(p, r, a2, t2, s, min_ap);
    if (v2 > v1 + 1e-12) {
        memcpy(a, a2, G * sizeof *a);
        memcpy(tau, t2, G * sizeof *tau);
    }
    *after = clf_gate_objective(p, a, tau, s);
    if (isnan(*after))
        return clf__error(CLF_E_NOMEM, "out of memory tuning gates");
    return CLF_OK;
}
