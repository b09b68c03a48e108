/*
 * analyze.c - from collected scores and labels to a report: per corpus and
 * pooled, per category every metric, the averages, the bootstrap intervals
 * and, when comparing, the paired differences (see evaluate.h, report.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_internal.h"
#include "evaluate.h"
#include "internal.h"

void clf_eval_options_init(clf_eval_options *o)
{
    memset(o, 0, sizeof *o);
    o->resamples = 1000;
    o->seed = 1;
    o->level = 0.95;
    o->n_levels = 3;
    o->levels[0] = 0.8;
    o->levels[1] = 0.9;
    o->levels[2] = 0.95;
    o->sweep_step = 0.05;
    o->target_precision = NAN;
    o->target_recall = NAN;
    o->curve_points = 400;
}

/* ---- freeing ------------------------------------------------------------ */

static void free_errors(clf_eval_error *e, size_t n)
{
    if (!e)
        return;
    for (size_t i = 0; i < n; i++) {
        free(e[i].id);
        free(e[i].source);
        free(e[i].text);
        for (size_t j = 0; j < e[i].n_up; j++)
            free(e[i].up[j].text);
        for (size_t j = 0; j < e[i].n_down; j++)
            free(e[i].down[j].text);
        free(e[i].up);
        free(e[i].down);
    }
    free(e);
}

void clf_eval_report_free(clf_eval_report *r)
{
    if (!r)
        return;
    for (size_t g = 0; g < r->n_groups; g++) {
        clf_eval_group *gr = &r->groups[g];
        for (size_t k = 0; gr->cats && k < r->n_cats; k++) {
            clf_eval_cat *c = &gr->cats[k];
            free(c->sweep);
            free(c->curves.pr);
            free(c->curves.roc);
            free(c->curves_b.pr);
            free(c->curves_b.roc);
            free_errors(c->top_fp, c->n_fp);
            free_errors(c->top_fn, c->n_fn);
        }
        free(gr->cats);
        free(gr->name);
    }
    free(r->groups);
    if (r->cats)
        for (size_t k = 0; k < r->n_cats; k++)
            free(r->cats[k]);
    free(r->cats);
    free(r->model);
    free(r->model_name);
    free(r->model_b);
    free(r->model_b_name);
    free(r->mode);
    free(r->split);
    for (size_t i = 0; i < r->n_changes; i++) {
        clf_eval_change *c = &r->changes[i];
        for (size_t j = 0; j < c->n_cats; j++)
            for (size_t w = 0; w < c->cats[j].n_words; w++)
                free(c->cats[j].words[w]);
        free(c->cats);
        free(c->id);
        free(c->source);
        free(c->text);
    }
    free(r->changes);
    for (size_t i = 0; i < r->n_pairing; i++)
        free(r->pairing[i].source);
    free(r->pairing);
    free(r);
}

/* ---- one category of one group ----------------------------------------- */

/* The judged documents of one category within a group. */
typedef struct view {
    size_t n;
    double *sa, *sb;
    unsigned char *y;
    size_t *gpos;           /* position of the document within the group */
    size_t *order_a, *order_b;
    double *w;              /* scratch: resample weights */
} view;

static void view_free(view *v)
{
    free(v->sa);
    free(v->sb);
    free(v->y);
    free(v->gpos);
    free(v->order_a);
    free(v->order_b);
    free(v->w);
    memset(v, 0, sizeof *v);
}

static int judges(const clf_eval_source *s, size_t k)
{
    return (int)(((s->annotates | s->negatives) >> k) & 1);
}

static int view_build(view *v, const clf_eval_data *d, const size_t *docs, size_t n_docs,
                      size_t k)
{
    memset(v, 0, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < n_docs; i++)
        n += judges(&d->sources[d->src[docs[i]]], k);
    size_t m = n ? n : 1;
    v->sa = malloc(m * sizeof *v->sa);
    v->sb = d->has_b ? malloc(m * sizeof *v->sb) : NULL;
    v->y = malloc(m);
    v->gpos = malloc(m * sizeof *v->gpos);
    v->w = malloc(m * sizeof *v->w);
    if (!v->sa || (d->has_b && !v->sb) || !v->y || !v->gpos || !v->w)
        return CLF_E_NOMEM;
    for (size_t i = 0; i < n_docs; i++) {
        size_t doc = docs[i];
        if (!judges(&d->sources[d->src[doc]], k))
            continue;
        v->sa[v->n] = d->sa[doc * d->n_cats + k];
        if (d->has_b)
            v->sb[v->n] = d->sb[doc * d->n_cats + k];
        v->y[v->n] = (unsigned char)((d->pos[doc] >> k) & 1);
        v->gpos[v->n] = i;
        v->n++;
    }
    if (clf_eval_order(&v->order_a, v->sa, v->n) != 0 ||
        (d->has_b && clf_eval_order(&v->order_b, v->sb, v->n) != 0))
        return CLF_E_NOMEM;
    return CLF_OK;
}

/* Pick at most max points of n, always the first and the last. */
static int thin(clf_eval_xy **out, size_t *n_out, const clf_eval_xy *pts, size_t n, size_t max)
{
    if (max < 2)
        max = 2;
    size_t m = n <= max ? n : max;
    *out = malloc((m ? m : 1) * sizeof **out);
    if (!*out)
        return CLF_E_NOMEM;
    for (size_t j = 0; j < m; j++) {
        size_t i = m == n ? j : (size_t)llround((double)j * (double)(n - 1) / (double)(m - 1));
        (*out)[j] = pts[i];
    }
    *n_out = m;
    return CLF_OK;
}

static int make_curves(clf_eval_curves *cv, const clf_curve *c, size_t max)
{
    size_t n = c->n;
    clf_eval_xy *pr = malloc((n + 1) * sizeof *pr), *roc = malloc((n + 1) * sizeof *roc);
    int rc = CLF_E_NOMEM;
    if (pr && roc) {
        size_t npr = 0;
        roc[0].x = roc[0].y = 0;
        for (size_t i = 0; i < n; i++) {
            clf_operating_point op;
            clf_curve_point_at(c, i, &op);
            if (c->pos > 0 && !isnan(op.precision)) {
                pr[npr].x = op.recall;
                pr[npr].y = op.precision;
                npr++;
            }
            roc[i + 1].x = c->neg > 0 ? c->points[i].fp / c->neg : 0;
            roc[i + 1].y = c->pos > 0 ? c->points[i].tp / c->pos : 0;
        }
        rc = thin(&cv->pr, &cv->n_pr, pr, npr, max);
        if (rc == CLF_OK)
            rc = thin(&cv->roc, &cv->n_roc, roc, n + 1, max);
    }
    free(pr);
    free(roc);
    return rc;
}

static void fill_stats(clf_eval_cat *c, const clf_eval_confusion *cm)
{
    c->cm = *cm;
    c->precision.value = clf_eval_precision(cm);
    c->recall.value = clf_eval_recall(cm);
    c->f1.value = clf_eval_f1(cm);
    c->flag_rate.value = clf_eval_flag_rate(cm);
}

static int full_metrics(clf_eval_cat *c, const view *v, const clf_eval_data *d, size_t k,
                        const clf_eval_options *o)
{
    c->n = v->n;
    c->n_pos = 0;
    for (size_t i = 0; i < v->n; i++)
        c->n_pos += v->y[i] != 0;
    c->has_positives = c->n_pos > 0;
    c->threshold = d->thr_a[k];
    clf_eval_confusion cm;
    clf_eval_confusion_at(&cm, v->sa, v->y, NULL, v->n, c->threshold);
    fill_stats(c, &cm);

    clf_curve cv = CLF_CURVE_INIT;
    if (clf_curve_build(&cv, v->sa, v->y, NULL, v->n, v->order_a) != 0)
        return CLF_E_NOMEM;
    c->ap.value = clf_curve_average_precision(&cv);
    c->roc_auc = clf_curve_roc_auc(&cv);
    clf_reliability(c->bins, CLF_EVAL_BINS, v->sa, v->y, NULL, v->n);
    c->ece = clf_expected_calibration_error(c->bins, CLF_EVAL_BINS);
    c->brier = clf_brier(v->sa, v->y, NULL, v->n);
    for (size_t i = 0; i < o->n_levels; i++) {
        c->p_at_r[i].found = clf_curve_best_precision_at_recall(&cv, o->levels[i], &c->p_at_r[i].op);
        c->r_at_p[i].found = clf_curve_best_recall_at_precision(&cv, o->levels[i], &c->r_at_p[i].op);
    }
    if (!isnan(o->target_precision))
        c->target_p.found = clf_curve_best_recall_at_precision(&cv, o->target_precision,
                                                               &c->target_p.op);
    if (!isnan(o->target_recall))
        c->target_r.found = clf_curve_best_precision_at_recall(&cv, o->target_recall,
                                                               &c->target_r.op);
    int rc = make_curves(&c->curves, &cv, o->curve_points);

    /* Threshold sweep: step, 2*step, ... below 1 (rounded so 0.15 prints as 0.15). */
    size_t steps = o->sweep_step > 0 ? (size_t)floor((1.0 - 1e-9) / o->sweep_step) : 0;
    c->sweep = calloc(steps ? steps : 1, sizeof *c->sweep);
    if (rc == CLF_OK && !c->sweep)
        rc = CLF_E_NOMEM;
    for (size_t i = 0; rc == CLF_OK && i < steps; i++) {
        double t = round((double)(i + 1) * o->sweep_step * 1e9) / 1e9;
        clf_eval_confusion sc;
        clf_eval_confusion_at(&sc, v->sa, v->y, NULL, v->n, t);
        clf_eval_sweep_row *row = &c->sweep[c->n_sweep++];
        row->threshold = t;
        row->precision = clf_eval_precision(&sc);
        row->recall = clf_eval_recall(&sc);
        row->f1 = clf_eval_f1(&sc);
        row->flag_rate = clf_eval_flag_rate(&sc);
    }

    /* Model B on the same documents. */
    c->compared = d->has_b && !isnan(d->thr_b[k]);
    if (rc == CLF_OK && c->compared) {
        c->threshold_b = d->thr_b[k];
        clf_eval_confusion_at(&c->cm_b, v->sb, v->y, NULL, v->n, c->threshold_b);
        if (clf_curve_build(&cv, v->sb, v->y, NULL, v->n, v->order_b) != 0)
            rc = CLF_E_NOMEM;
        else {
            c->flag_rate_b = clf_eval_flag_rate(&c->cm_b);
            c->roc_auc_b = clf_curve_roc_auc(&cv);
            c->d_precision.b = clf_eval_precision(&c->cm_b);
            c->d_recall.b = clf_eval_recall(&c->cm_b);
            c->d_f1.b = clf_eval_f1(&c->cm_b);
            c->d_ap.b = clf_curve_average_precision(&cv);
            c->d_flag_rate.b = c->flag_rate_b;
            rc = make_curves(&c->curves_b, &cv, o->curve_points);
        }
        c->d_precision.a = c->precision.value;
        c->d_recall.a = c->recall.value;
        c->d_f1.a = c->f1.value;
        c->d_ap.a = c->ap.value;
        c->d_flag_rate.a = c->flag_rate.value;
        clf_eval_delta *ds[] = {&c->d_precision, &c->d_recall, &c->d_f1, &c->d_ap, &c->d_flag_rate};
        for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++)
            ds[i]->diff = ds[i]->b - ds[i]->a;
    }
    clf_curve_free(&cv);
    return rc;
}

/* ---- error analysis ------------------------------------------------------ */

typedef struct cand_ref {
    const clf_eval_cand *c;
    const char *source;
    int high; /* sort by decreasing score */
} cand_ref;

static int cmp_cand(const void *pa, const void *pb)
{
    const cand_ref *a = pa, *b = pb;
    if (a->c->score != b->c->score)
        return (a->c->score > b->c->score) == a->high ? -1 : 1;
    return (a->c->doc > b->c->doc) - (a->c->doc < b->c->doc);
}

static int collect_errors(clf_eval_error **out, size_t *n_out, const clf_eval_data *d,
                          const unsigned char *in_group, size_t k, int fp)
{
    size_t total = 0;
    for (size_t s = 0; s < d->n_sources; s++)
        if (in_group[s])
            total += fp ? d->sources[s].n_fp[k] : d->sources[s].n_fn[k];
    *out = NULL;
    *n_out = 0;
    if (total == 0 || d->errors_k == 0)
        return CLF_OK;
    cand_ref *refs = malloc(total * sizeof *refs);
    if (!refs)
        return CLF_E_NOMEM;
    size_t m = 0;
    for (size_t s = 0; s < d->n_sources; s++) {
        if (!in_group[s])
            continue;
        const clf_eval_source *src = &d->sources[s];
        size_t n = fp ? src->n_fp[k] : src->n_fn[k];
        for (size_t i = 0; i < n; i++) {
            refs[m].c = fp ? &src->fp[k][i] : &src->fn[k][i];
            refs[m].source = src->name;
            refs[m].high = fp;
            m++;
        }
    }
    qsort(refs, m, sizeof *refs, cmp_cand);
    size_t keep = m < d->errors_k ? m : d->errors_k;
    clf_eval_error *e = calloc(keep, sizeof *e);
    int rc = e ? CLF_OK : CLF_E_NOMEM;
    for (size_t i = 0; rc == CLF_OK && i < keep; i++) {
        e[i].score = refs[i].c->score;
        e[i].id = strdup(refs[i].c->id);
        e[i].text = strdup(refs[i].c->text);
        e[i].source = strdup(refs[i].source);
        *n_out = i + 1;
        if (!e[i].id || !e[i].text || !e[i].source)
            rc = CLF_E_NOMEM;
    }
    free(refs);
    *out = e;
    return rc;
}

/* ---- averages and bootstrap --------------------------------------------- */

/* Mean of the defined values; nan_zero counts NaN as 0 instead. */
static double mean_of(const double *v, size_t n, size_t stride, int nan_zero)
{
    double sum = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double x = v[i * stride];
        if (isnan(x)) {
            if (!nan_zero)
                continue;
            x = 0;
        }
        sum += x;
        m++;
    }
    return m ? sum / (double)m : NAN;
}

/* The per-category statistics of one model that the bootstrap tracks. */
enum { ST_P, ST_R, ST_F1, ST_FR, ST_AP, N_ST };
/* Group averages tracked. */
enum { AV_MICRO_P, AV_MICRO_R, AV_MICRO_F1, AV_MACRO_P, AV_MACRO_R, AV_MACRO_F1, AV_MACRO_AP, N_AV };

/*
 * Averages of one model from per-category confusions and APs, over the
 * categories in `use`. Macro precision counts an undefined precision (no
 * flags while positives exist) as 0, as sklearn's zero_division=0 does:
 * a model that flags nothing must not look precise.
 */
static void averages(double *av, const clf_eval_confusion *cms, const double *aps,
                     const unsigned char *use, size_t n_cats)
{
    clf_eval_confusion sum = {0, 0, 0, 0};
    double p[CLF_EVAL_MAX_CATEGORIES], r[CLF_EVAL_MAX_CATEGORIES], f[CLF_EVAL_MAX_CATEGORIES],
        a[CLF_EVAL_MAX_CATEGORIES];
    size_t m = 0;
    for (size_t k = 0; k < n_cats; k++) {
        if (!use[k])
            continue;
        clf_eval_confusion_add(&sum, &cms[k]);
        p[m] = clf_eval_precision(&cms[k]);
        r[m] = clf_eval_recall(&cms[k]);
        f[m] = clf_eval_f1(&cms[k]);
        a[m] = aps[k];
        m++;
    }
    av[AV_MICRO_P] = clf_eval_precision(&sum);
    av[AV_MICRO_R] = clf_eval_recall(&sum);
    av[AV_MICRO_F1] = clf_eval_f1(&sum);
    av[AV_MACRO_P] = mean_of(p, m, 1, 1);
    av[AV_MACRO_R] = mean_of(r, m, 1, 0);
    av[AV_MACRO_F1] = mean_of(f, m, 1, 0);
    av[AV_MACRO_AP] = mean_of(a, m, 1, 0);
}

/* The paired difference b - a over resamples. */
static void delta_from(clf_eval_delta *dl, const double *a, const double *b, size_t n,
                       double level, double *scratch)
{
    size_t better = 0, defined = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i])) {
            scratch[i] = NAN;
            continue;
        }
        scratch[i] = b[i] - a[i];
        defined++;
        better += b[i] > a[i];
    }
    dl->ci = clf_percentile_interval(scratch, n, level);
    dl->frac_b_better = defined ? (double)better / (double)defined : NAN;
}

static clf_interval no_interval(void)
{
    clf_interval ci = {NAN, NAN, 0};
    return ci;
}

static void clear_intervals(clf_eval_group *g, size_t n_cats)
{
    for (size_t k = 0; k < n_cats; k++) {
        clf_eval_cat *c = &g->cats[k];
        clf_eval_stat *st[] = {&c->precision, &c->recall, &c->f1, &c->flag_rate, &c->ap};
        for (size_t i = 0; i < N_ST; i++)
            st[i]->ci = no_interval();
        clf_eval_delta *ds[] = {&c->d_precision, &c->d_recall, &c->d_f1, &c->d_ap, &c->d_flag_rate};
        for (size_t i = 0; i < 5; i++) {
            ds[i]->ci = no_interval();
            ds[i]->frac_b_better = NAN;
        }
    }
    clf_eval_avg *a = &g->avg;
    clf_eval_stat *st[] = {&a->micro_p, &a->micro_r, &a->micro_f1, &a->macro_p, &a->macro_r,
                           &a->macro_f1, &a->macro_ap};
    for (size_t i = 0; i < N_AV; i++)
        st[i]->ci = no_interval();
    clf_eval_delta *ds[] = {&a->d_micro_f1, &a->d_macro_f1, &a->d_macro_ap};
    for (size_t i = 0; i < 3; i++) {
        ds[i]->ci = no_interval();
        ds[i]->frac_b_better = NAN;
    }
}

/*
 * Resample the group's documents (all categories together, so averages and
 * the two models see the same resample) and collect each statistic.
 */
static int bootstrap_group(clf_eval_group *g, view *views, const clf_eval_data *d,
                           size_t n_docs, const clf_eval_options *o)
{
    size_t R = o->resamples, nc = d->n_cats, models = d->has_b ? 2 : 1;
    if (R == 0 || n_docs == 0)
        return CLF_OK;
    /* stats[model][cat][stat][resample]; avs[set][av][resample] with set 0 = A,
     * 1 = B and 2 = A over the categories B has too (for the deltas). */
    double *stats = malloc(models * nc * N_ST * R * sizeof *stats);
    double *avs = malloc(3 * N_AV * R * sizeof *avs);
    double *wg = malloc(n_docs * sizeof *wg);
    double *scratch = malloc(R * sizeof *scratch);
    clf_curve cv = CLF_CURVE_INIT;
    unsigned char use[CLF_EVAL_MAX_CATEGORIES] = {0}, use_b[CLF_EVAL_MAX_CATEGORIES] = {0};
    int rc = CLF_OK;
    if (!stats || !avs || !wg || !scratch) {
        rc = CLF_E_NOMEM;
        goto done;
    }
    for (size_t k = 0; k < nc; k++) {
        use[k] = g->cats[k].judged && g->cats[k].has_positives;
        use_b[k] = use[k] && g->cats[k].compared;
    }
#define STAT(m, k, s, r) stats[(((m) * nc + (k)) * N_ST + (s)) * R + (r)]
#define AV(m, a, r) avs[((m) * N_AV + (a)) * R + (r)]
    clf_rng rng;
    clf_rng_seed(&rng, o->seed);
    for (size_t r = 0; r < R && rc == CLF_OK; r++) {
        clf_bootstrap_counts(&rng, n_docs, wg);
        clf_eval_confusion cms[2][CLF_EVAL_MAX_CATEGORIES];
        double aps[2][CLF_EVAL_MAX_CATEGORIES];
        for (size_t k = 0; k < nc; k++) {
            const view *v = &views[k];
            for (size_t m = 0; m < models; m++) {
                for (size_t s = 0; s < N_ST; s++)
                    STAT(m, k, s, r) = NAN;
                memset(&cms[m][k], 0, sizeof cms[m][k]);
                aps[m][k] = NAN;
            }
            if (!g->cats[k].judged)
                continue;
            for (size_t i = 0; i < v->n; i++)
                v->w[i] = wg[v->gpos[i]];
            for (size_t m = 0; m < models; m++) {
                if (m == 1 && !g->cats[k].compared)
                    continue;
                const double *sc = m ? v->sb : v->sa;
                double thr = m ? d->thr_b[k] : d->thr_a[k];
                clf_eval_confusion_at(&cms[m][k], sc, v->y, v->w, v->n, thr);
                STAT(m, k, ST_P, r) = clf_eval_precision(&cms[m][k]);
                STAT(m, k, ST_R, r) = clf_eval_recall(&cms[m][k]);
                STAT(m, k, ST_F1, r) = clf_eval_f1(&cms[m][k]);
                STAT(m, k, ST_FR, r) = clf_eval_flag_rate(&cms[m][k]);
                if (g->cats[k].has_positives) {
                    if (clf_curve_build(&cv, sc, v->y, v->w, v->n, m ? v->order_b : v->order_a) != 0) {
                        rc = CLF_E_NOMEM;
                        break;
                    }
                    aps[m][k] = STAT(m, k, ST_AP, r) = clf_curve_average_precision(&cv);
                }
            }
        }
        double av[N_AV];
        averages(av, cms[0], aps[0], use, nc);
        for (size_t a = 0; a < N_AV; a++)
            AV(0, a, r) = av[a];
        if (models == 2) {
            /* The comparison averages both models over the categories both have. */
            averages(av, cms[1], aps[1], use_b, nc);
            for (size_t a = 0; a < N_AV; a++)
                AV(1, a, r) = av[a];
            averages(av, cms[0], aps[0], use_b, nc);
            for (size_t a = 0; a < N_AV; a++)
                AV(2, a, r) = av[a];
        }
    }
    if (rc != CLF_OK)
        goto done;

    /* Differences first: intervals reorder their input arrays. */
    if (models == 2) {
        for (size_t k = 0; k < nc; k++) {
            clf_eval_cat *c = &g->cats[k];
            if (!c->judged || !c->compared)
                continue;
            delta_from(&c->d_precision, &STAT(0, k, ST_P, 0), &STAT(1, k, ST_P, 0), R, o->level, scratch);
            delta_from(&c->d_recall, &STAT(0, k, ST_R, 0), &STAT(1, k, ST_R, 0), R, o->level, scratch);
            delta_from(&c->d_f1, &STAT(0, k, ST_F1, 0), &STAT(1, k, ST_F1, 0), R, o->level, scratch);
            delta_from(&c->d_ap, &STAT(0, k, ST_AP, 0), &STAT(1, k, ST_AP, 0), R, o->level, scratch);
            delta_from(&c->d_flag_rate, &STAT(0, k, ST_FR, 0), &STAT(1, k, ST_FR, 0), R, o->level, scratch);
        }
        delta_from(&g->avg.d_micro_f1, &AV(2, AV_MICRO_F1, 0), &AV(1, AV_MICRO_F1, 0), R, o->level, scratch);
        delta_from(&g->avg.d_macro_f1, &AV(2, AV_MACRO_F1, 0), &AV(1, AV_MACRO_F1, 0), R, o->level, scratch);
        delta_from(&g->avg.d_macro_ap, &AV(2, AV_MACRO_AP, 0), &AV(1, AV_MACRO_AP, 0), R, o->level, scratch);
    }
    for (size_t k = 0; k < nc; k++) {
        clf_eval_cat *c = &g->cats[k];
        if (!c->judged)
            continue;
        clf_eval_stat *st[] = {&c->precision, &c->recall, &c->f1, &c->flag_rate, &c->ap};
        for (size_t s = 0; s < N_ST; s++)
            st[s]->ci = clf_percentile_interval(&STAT(0, k, s, 0), R, o->level);
    }
    clf_eval_avg *a = &g->avg;
    clf_eval_stat *st[] = {&a->micro_p, &a->micro_r, &a->micro_f1, &a->macro_p, &a->macro_r,
                           &a->macro_f1, &a->macro_ap};
    for (size_t s = 0; s < N_AV; s++)
        st[s]->ci = clf_percentile_interval(&AV(0, s, 0), R, o->level);
#undef STAT
#undef AV
done:
    clf_curve_free(&cv);
    free(stats);
    free(avs);
    free(wg);
    free(scratch);
    return rc;
}

static int compute_group(clf_eval_group *g, const clf_eval_data *d, const unsigned char *in_group,
                         const clf_eval_options *o, char *const *cat_names)
{
    size_t nc = d->n_cats, n_docs = 0;
    for (size_t i = 0; i < d->n_docs; i++)
        n_docs += in_group[d->src[i]];
    g->n_docs = n_docs;
    g->cats = calloc(nc, sizeof *g->cats);
    size_t *docs = malloc((n_docs ? n_docs : 1) * sizeof *docs);
    view *views = calloc(nc, sizeof *views);
    int rc = g->cats && docs && views ? CLF_OK : CLF_E_NOMEM;
    if (rc == CLF_OK) {
        size_t m = 0;
        for (size_t i = 0; i < d->n_docs; i++)
            if (in_group[d->src[i]])
                docs[m++] = i;
        clear_intervals(g, nc);
    }
    for (size_t k = 0; rc == CLF_OK && k < nc; k++) {
        clf_eval_cat *c = &g->cats[k];
        c->name = cat_names[k];
        for (size_t s = 0; s < d->n_sources; s++)
            c->judged |= in_group[s] && judges(&d->sources[s], k);
        if (!c->judged)
            continue;
        if ((rc = view_build(&views[k], d, docs, n_docs, k)) != CLF_OK)
            break;
        if (views[k].n == 0) { /* the corpora that judge it gave no document */
            c->judged = 0;
            continue;
        }
        if ((rc = full_metrics(c, &views[k], d, k, o)) != CLF_OK)
            break;
        if ((rc = collect_errors(&c->top_fp, &c->n_fp, d, in_group, k, 1)) != CLF_OK ||
            (rc = collect_errors(&c->top_fn, &c->n_fn, d, in_group, k, 0)) != CLF_OK)
            break;
    }
    if (rc == CLF_OK) {
        /* Averages on the full data. */
        clf_eval_confusion cms[CLF_EVAL_MAX_CATEGORIES] = {{0, 0, 0, 0}};
        clf_eval_confusion cms_b[CLF_EVAL_MAX_CATEGORIES] = {{0, 0, 0, 0}};
        double aps[CLF_EVAL_MAX_CATEGORIES] = {0}, aps_b[CLF_EVAL_MAX_CATEGORIES] = {0};
        double aucs[CLF_EVAL_MAX_CATEGORIES] = {0};
        unsigned char use[CLF_EVAL_MAX_CATEGORIES] = {0}, use_b[CLF_EVAL_MAX_CATEGORIES] = {0};
        size_t n_use = 0, n_auc = 0;
        for (size_t k = 0; k < nc; k++) {
            clf_eval_cat *c = &g->cats[k];
            use[k] = c->judged && c->has_positives;
            use_b[k] = use[k] && c->compared;
            cms[k] = c->cm;
            cms_b[k] = c->cm_b;
            aps[k] = c->ap.value;
            aps_b[k] = c->d_ap.b;
            n_use += use[k];
            if (use[k] && !isnan(c->roc_auc))
                aucs[n_auc++] = c->roc_auc;
        }
        double av[N_AV];
        averages(av, cms, aps, use, nc);
        clf_eval_avg *a = &g->avg;
        a->n_cats = n_use;
        memset(&a->cm, 0, sizeof a->cm);
        for (size_t k = 0; k < nc; k++)
            if (use[k])
                clf_eval_confusion_add(&a->cm, &cms[k]);
        a->micro_p.value = av[AV_MICRO_P];
        a->micro_r.value = av[AV_MICRO_R];
        a->micro_f1.value = av[AV_MICRO_F1];
        a->macro_p.value = av[AV_MACRO_P];
        a->macro_r.value = av[AV_MACRO_R];
        a->macro_f1.value = av[AV_MACRO_F1];
        a->macro_ap.value = av[AV_MACRO_AP];
        a->macro_auc = mean_of(aucs, n_auc, 1, 0);
        if (d->has_b) {
            double av_b[N_AV];
            averages(av, cms, aps, use_b, nc);
            averages(av_b, cms_b, aps_b, use_b, nc);
            a->d_micro_f1.a = av[AV_MICRO_F1];
            a->d_micro_f1.b = av_b[AV_MICRO_F1];
            a->d_macro_f1.a = av[AV_MACRO_F1];
            a->d_macro_f1.b = av_b[AV_MACRO_F1];
            a->d_macro_ap.a = av[AV_MACRO_AP];
            a->d_macro_ap.b = av_b[AV_MACRO_AP];
            a->d_micro_f1.diff = a->d_micro_f1.b - a->d_micro_f1.a;
            a->d_macro_f1.diff = a->d_macro_f1.b - a->d_macro_f1.a;
            a->d_macro_ap.diff = a->d_macro_ap.b - a->d_macro_ap.a;
        }
        rc = bootstrap_group(g, views, d, n_docs, o);
    }
    for (size_t k = 0; views && k < nc; k++)
        view_free(&views[k]);
    free(views);
    free(docs);
    return rc == CLF_OK ? CLF_OK : clf__error(rc, "eval: %s", clf_strerror(rc));
}

int clf_eval_compute(const clf_eval_data *d, const clf_eval_options *opts,
                     clf_eval_report **out)
{
    if (!d || !out)
        return clf__error(CLF_E_INVALID_ARG, "eval: bad arguments");
    *out = NULL;
    if (d->n_docs == 0)
        return clf__error(CLF_E_INVALID_ARG, "eval: no documents to evaluate");
    clf_eval_options o;
    if (opts)
        o = *opts;
    else
        clf_eval_options_init(&o);
    if (o.n_levels > CLF_EVAL_MAX_LEVELS)
        o.n_levels = CLF_EVAL_MAX_LEVELS;
    if (!(o.level > 0 && o.level < 1))
        o.level = 0.95;

    clf_eval_report *r = calloc(1, sizeof *r);
    if (!r)
        return clf__error(CLF_E_NOMEM, "eval: out of memory");
    r->n_cats = d->n_cats;
    r->cats = calloc(d->n_cats, sizeof *r->cats);
    int rc = r->cats ? CLF_OK : CLF_E_NOMEM;
    for (size_t k = 0; rc == CLF_OK && k < d->n_cats; k++)
        if (!(r->cats[k] = strdup(d->cats[k])))
            rc = CLF_E_NOMEM;
    r->resamples = o.resamples;
    r->seed = o.seed;
    r->level = o.level;
    r->n_levels = o.n_levels;
    memcpy(r->levels, o.levels, sizeof r->levels);
    r->target_precision = o.target_precision;
    r->target_recall = o.target_recall;
    r->errors_k = d->errors_k;
    r->n_records = d->n_docs;
    r->n_changed = d->n_changed; /* listed by clf_eval_changes when there are two models */
    if (rc == CLF_OK && d->n_pairing) {
        if (!(r->pairing = calloc(d->n_pairing, sizeof *r->pairing)))
            rc = CLF_E_NOMEM;
        for (size_t i = 0; rc == CLF_OK && i < d->n_pairing; i++) {
            r->pairing[i] = d->pairing[i];
            r->n_pairing = i + 1;
            if (!(r->pairing[i].source = strdup(d->pairing[i].source)))
                rc = CLF_E_NOMEM;
        }
    }

    /* Sources that gave documents get a group each, then the pool. */
    size_t n_used = 0;
    unsigned char *used = calloc(d->n_sources ? d->n_sources : 1, 1);
    if (!used)
        rc = CLF_E_NOMEM;
    for (size_t i = 0; rc == CLF_OK && i < d->n_docs; i++)
        used[d->src[i]] = 1;
    for (size_t s = 0; used && s < d->n_sources; s++)
        n_used += used[s];
    size_t n_groups = n_used + (n_used > 1);
    r->groups = calloc(n_groups ? n_groups : 1, sizeof *r->groups);
    unsigned char *in_group = calloc(d->n_sources ? d->n_sources : 1, 1);
    if (rc == CLF_OK && (!r->groups || !in_group))
        rc = CLF_E_NOMEM;
    for (size_t s = 0; rc == CLF_OK && s < d->n_sources; s++) {
        if (!used[s])
            continue;
        clf_eval_group *g = &r->groups[r->n_groups++];
        memset(in_group, 0, d->n_sources);
        in_group[s] = 1;
        if (!(g->name = strdup(d->sources[s].name)))
            rc = CLF_E_NOMEM;
        else
            rc = compute_group(g, d, in_group, &o, r->cats);
    }
    if (rc == CLF_OK && n_used > 1) {
        clf_eval_group *g = &r->groups[r->n_groups++];
        g->pooled = 1;
        if (!(g->name = strdup("pooled")))
            rc = CLF_E_NOMEM;
        else
            rc = compute_group(g, d, used, &o, r->cats);
    }
    free(used);
    free(in_group);
    if (rc != CLF_OK) {
        clf_eval_report_free(r);
        return rc == CLF_E_NOMEM ? clf__error(rc, "eval: out of memory") : rc;
    }
    *out = r;
    return CLF_OK;
}

/* ---- explanations ------------------------------------------------------- */

static int copy_features(clf_eval_feature **out, size_t *n_out, const clf_contribution *c,
                         size_t n)
{
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return CLF_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        (*out)[i].text = strdup(c[i].text ? c[i].text : "");
        (*out)[i].family = c[i].family;
        (*out)[i].contribution = c[i].contribution;
        *n_out = i + 1;
        if (!(*out)[i].text)
            return CLF_E_NOMEM;
    }
    return CLF_OK;
}

static int explain_one(clf_eval_error *e, clf_scorer *s, size_t cat, size_t top_k)
{
    clf_explanation *x = NULL;
    int rc = clf_explain(s, e->text, strlen(e->text), top_k, &x);
    if (rc < 0)
        return rc;
    size_t n_up = 0, n_down = 0;
    const clf_contribution *up = clf_explanation_words(x, cat, 1, &n_up);
    const clf_contribution *down = clf_explanation_words(x, (size_t)cat, 0, &n_down);
    rc = copy_features(&e->up, &e->n_up, up, n_up);
    if (rc == CLF_OK)
        rc = copy_features(&e->down, &e->n_down, down, n_down);
    clf_explanation_free(x);
    return rc;
}

int clf_eval_explain(clf_eval_report *r, clf_scorer *s, const clf_model *m, size_t top_k)
{
    if (!r || !s || !m)
        return clf__error(CLF_E_INVALID_ARG, "eval: bad arguments to clf_eval_explain");
    for (size_t g = 0; g < r->n_groups; g++)
        for (size_t k = 0; k < r->n_cats; k++) {
            clf_eval_cat *c = &r->groups[g].cats[k];
            size_t cat;
            if (!c->judged || clf_model_category_index(m, r->cats[k], &cat) != CLF_OK)
                continue;
            for (size_t i = 0; i < c->n_fp + c->n_fn; i++) {
                clf_eval_error *e = i < c->n_fp ? &c->top_fp[i] : &c->top_fn[i - c->n_fp];
                int rc = explain_one(e, s, cat, top_k);
                if (rc == CLF_E_NOMEM)
                    return clf__error(rc, "eval: out of memory");
                /* A text that cannot be explained keeps its score, without features. */
            }
        }
    return CLF_OK;
}
