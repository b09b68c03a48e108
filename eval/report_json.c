/*
 * report_json.c - the evaluation report as one JSON document (schema
 * "libclassify-eval/1", described field by field in docs/eval.md).
 * Undefined metrics are null, never 0.
 */
#include <math.h>
#include <stdio.h>

#include <jansson.h>

#include "classify.h"
#include "report.h"

#define SCHEMA "libclassify-eval/1"

/* A number, or null for NaN (jansson refuses NaN). */
static json_t *num(double v)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *interval(const clf_interval *ci)
{
    if (isnan(ci->lo))
        return json_null();
    return json_pack("[o, o]", num(ci->lo), num(ci->hi));
}

static json_t *stat(const clf_eval_stat *s)
{
    return json_pack("{s:o, s:o}", "value", num(s->value), "ci", interval(&s->ci));
}

static json_t *delta(const clf_eval_delta *d)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "a", num(d->a), "b", num(d->b), "diff",
                     num(d->diff), "ci", interval(&d->ci), "fraction_b_better",
                     num(d->frac_b_better));
}

static json_t *counts(const clf_eval_confusion *c)
{
    return json_pack("{s:I, s:I, s:I, s:I}", "tp", (json_int_t)llround(c->tp), "fp",
                     (json_int_t)llround(c->fp), "fn", (json_int_t)llround(c->fn), "tn",
                     (json_int_t)llround(c->tn));
}

static json_t *op(const clf_eval_op *o, double level)
{
    if (!o->found)
        return isnan(level) ? json_null() : json_pack("{s:o, s:b}", "level", num(level), "reachable", 0);
    json_t *j = json_pack("{s:b, s:o, s:o, s:o, s:o}", "reachable", 1, "threshold",
                          num(o->op.threshold), "precision", num(o->op.precision), "recall",
                          num(o->op.recall), "flag_rate", num(o->op.flag_rate));
    if (j && !isnan(level))
        json_object_set_new(j, "level", num(level));
    return j;
}

static json_t *xy(const clf_eval_xy *p, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("[o, o]", num(p[i].x), num(p[i].y)));
    return a;
}

static json_t *features(const clf_eval_feature *f, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:o}", "feature", f[i].text, "family",
                                           clf_family_name(f[i].family), "contribution",
                                           num(f[i].contribution)));
    return a;
}

static json_t *errors(const clf_eval_error *e, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:s, s:o, s:o}", "id", e[i].id, "corpus",
                                           e[i].source, "score", num(e[i].score), "text", e[i].text,
                                           "up", features(e[i].up, e[i].n_up), "down",
                                           features(e[i].down, e[i].n_down)));
    return a;
}

static json_t *category(const clf_eval_report *r, const clf_eval_cat *c)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    json_object_set_new(j, "has_positives", json_boolean(c->has_positives));
    json_object_set_new(j, "documents", json_integer((json_int_t)c->n));
    json_object_set_new(j, "positives", json_integer((json_int_t)c->n_pos));
    json_object_set_new(j, "threshold", num(c->threshold));
    json_object_set_new(j, "counts", counts(&c->cm));
    json_object_set_new(j, "precision", stat(&c->precision));
    json_object_set_new(j, "recall", stat(&c->recall));
    json_object_set_new(j, "f1", stat(&c->f1));
    json_object_set_new(j, "flag_rate", stat(&c->flag_rate));
    json_object_set_new(j, "average_precision", stat(&c->ap));
    json_object_set_new(j, "roc_auc", num(c->roc_auc));
    json_object_set_new(j, "brier", num(c->brier));
    json_object_set_new(j, "ece", num(c->ece));
    json_t *bins = json_array();
    for (size_t b = 0; bins && b < CLF_EVAL_BINS; b++)
        json_array_append_new(bins, json_pack("{s:o, s:o, s:I, s:o, s:o}", "lo", num(c->bins[b].lo),
                                              "hi", num(c->bins[b].hi), "count",
                                              (json_int_t)llround(c->bins[b].weight),
                                              "mean_probability", num(c->bins[b].mean_score),
                                              "fraction_positive", num(c->bins[b].frac_pos)));
    json_object_set_new(j, "reliability", bins);
    json_t *par = json_array(), *rap = json_array();
    for (size_t i = 0; par && rap && i < r->n_levels; i++) {
        json_array_append_new(par, op(&c->p_at_r[i], r->levels[i]));
        json_array_append_new(rap, op(&c->r_at_p[i], r->levels[i]));
    }
    json_object_set_new(j, "precision_at_recall", par);
    json_object_set_new(j, "recall_at_precision", rap);
    json_object_set_new(j, "target_precision",
                        isnan(r->target_precision) ? json_null() : op(&c->target_p, r->target_precision));
    json_object_set_new(j, "target_recall",
                        isnan(r->target_recall) ? json_null() : op(&c->target_r, r->target_recall));
    json_t *sweep = json_array();
    for (size_t i = 0; sweep && i < c->n_sweep; i++) {
        const clf_eval_sweep_row *s = &c->sweep[i];
        json_array_append_new(sweep, json_pack("{s:o, s:o, s:o, s:o, s:o}", "threshold",
                                               num(s->threshold), "precision", num(s->precision),
                                               "recall", num(s->recall), "f1", num(s->f1),
                                               "flag_rate", num(s->flag_rate)));
    }
    json_object_set_new(j, "sweep", sweep);
    json_object_set_new(j, "pr_curve", xy(c->curves.pr, c->curves.n_pr));
    json_object_set_new(j, "roc_curve", xy(c->curves.roc, c->curves.n_roc));
    json_object_set_new(j, "false_positives", errors(c->top_fp, c->n_fp));
    json_object_set_new(j, "false_negatives", errors(c->top_fn, c->n_fn));
    if (r->model_b && c->compared) {
        json_t *cmp = json_object();
        json_object_set_new(cmp, "threshold_b", num(c->threshold_b));
        json_object_set_new(cmp, "counts_b", counts(&c->cm_b));
        json_object_set_new(cmp, "roc_auc_b", num(c->roc_auc_b));
        json_object_set_new(cmp, "precision", delta(&c->d_precision));
        json_object_set_new(cmp, "recall", delta(&c->d_recall));
        json_object_set_new(cmp, "f1", delta(&c->d_f1));
        json_object_set_new(cmp, "average_precision", delta(&c->d_ap));
        json_object_set_new(cmp, "flag_rate", delta(&c->d_flag_rate));
        json_object_set_new(cmp, "pr_curve_b", xy(c->curves_b.pr, c->curves_b.n_pr));
        json_object_set_new(cmp, "roc_curve_b", xy(c->curves_b.roc, c->curves_b.n_roc));
        json_object_set_new(j, "comparison", cmp);
    }
    return j;
}

static json_t *group(const clf_eval_report *r, const clf_eval_group *g)
{
    json_t *cats = json_object();
    for (size_t k = 0; cats && k < r->n_cats; k++)
        if (g->cats[k].judged)
            json_object_set_new(cats, r->cats[k], category(r, &g->cats[k]));
    const clf_eval_avg *a = &g->avg;
    json_t *avg = json_pack("{s:I, s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o, s:o}}",
                            "categories", (json_int_t)a->n_cats,
                            "micro", "counts", counts(&a->cm), "precision", stat(&a->micro_p),
                            "recall", stat(&a->micro_r), "f1", stat(&a->micro_f1),
                            "macro", "precision", stat(&a->macro_p), "recall", stat(&a->macro_r),
                            "f1", stat(&a->macro_f1), "average_precision", stat(&a->macro_ap),
                            "roc_auc", num(a->macro_auc));
    if (avg && r->model_b)
        json_object_set_new(avg, "comparison",
                            json_pack("{s:o, s:o, s:o}", "micro_f1", delta(&a->d_micro_f1), "macro_f1",
                                      delta(&a->d_macro_f1), "macro_average_precision",
                                      delta(&a->d_macro_ap)));
    return json_pack("{s:s, s:b, s:I, s:o, s:o}", "name", g->name, "pooled", g->pooled, "documents",
                     (json_int_t)g->n_docs, "categories", cats, "averages", avg);
}

/* {"count": N, "documents": [{id, source, text, categories: [...]}]} */
static json_t *changes_json(const clf_eval_report *r)
{
    json_t *docs = json_array();
    for (size_t i = 0; docs && i < r->n_changes; i++) {
        const clf_eval_change *ch = &r->changes[i];
        json_t *cats = json_array();
        for (size_t j = 0; j < ch->n_cats; j++) {
            const clf_eval_change_cat *cc = &ch->cats[j];
            json_t *words = json_array();
            for (size_t w = 0; w < cc->n_words; w++)
                json_array_append_new(words, json_pack("{s:s, s:o}", "word", cc->words[w],
                                                       "delta", num(cc->delta[w])));
            json_array_append_new(
                cats, json_pack("{s:s, s:o, s:o, s:s, s:o, s:o}", "category", r->cats[cc->k],
                                "a", num(cc->pa), "b", num(cc->pb), "b_decision",
                                cc->flagged_b ? "flagged" : "cleared", "label",
                                cc->labeled ? json_boolean(cc->positive) : json_null(), "words",
                                words));
        }
        json_array_append_new(docs, json_pack("{s:s, s:s, s:s, s:o}", "id", ch->id, "source",
                                              ch->source, "text", ch->text, "categories", cats));
    }
    return json_pack("{s:I, s:I, s:o}", "count", (json_int_t)r->n_changed, "listed",
                     (json_int_t)r->n_changes, "documents", docs);
}

/* Two runs paired by document: the totals and, per corpus of either run, the counts. */
static json_t *pairing_json(const clf_eval_report *r)
{
    json_t *corpora = json_array();
    size_t only_a = 0, only_b = 0;
    for (size_t i = 0; corpora && i < r->n_pairing; i++) {
        const clf_eval_pairing *p = &r->pairing[i];
        only_a += p->n_a - p->paired;
        only_b += p->n_b - p->paired;
        json_array_append_new(corpora, json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I}", "corpus", p->source,
                                                 "annotates", p->annotates, "a", (json_int_t)p->n_a, "b",
                                                 (json_int_t)p->n_b, "paired", (json_int_t)p->paired,
                                                 "only_a", (json_int_t)(p->n_a - p->paired), "only_b",
                                                 (json_int_t)(p->n_b - p->paired)));
    }
    return json_pack("{s:s, s:I, s:I, s:I, s:o}", "by", "corpus and document id", "paired",
                     (json_int_t)r->n_records, "only_a", (json_int_t)only_a, "only_b", (json_int_t)only_b,
                     "corpora", corpora);
}

int clf_eval_report_json(FILE *f, const clf_eval_report *r)
{
    json_t *levels = json_array(), *cats = json_array(), *groups = json_array();
    for (size_t i = 0; levels && i < r->n_levels; i++)
        json_array_append_new(levels, json_real(r->levels[i]));
    for (size_t k = 0; cats && k < r->n_cats; k++)
        json_array_append_new(cats, json_string(r->cats[k]));
    for (size_t g = 0; groups && g < r->n_groups; g++)
        json_array_append_new(groups, group(r, &r->groups[g]));
    json_t *root = json_pack(
        "{s:s, s:s, s:{s:o, s:o}, s:o, s:o, s:o, s:{s:I, s:I, s:o, s:o, s:o, s:o, s:I}, s:I, s:I, s:o, s:o}",
        "schema", SCHEMA, "library_version", clf_version_string(),
        "model", "path", str_or_null(r->model), "name", str_or_null(r->model_name),
        "compare_model",
        r->model_b ? json_pack("{s:o, s:o}", "path", str_or_null(r->model_b), "name",
                               str_or_null(r->model_b_name))
                   : json_null(),
        "mode", str_or_null(r->mode), "split", str_or_null(r->split),
        "options", "resamples", (json_int_t)r->resamples, "seed", (json_int_t)r->seed,
        "level", num(r->level), "levels", levels, "target_precision", num(r->target_precision),
        "target_recall", num(r->target_recall), "errors", (json_int_t)r->errors_k,
        "records", (json_int_t)r->n_records, "skipped", (json_int_t)r->n_skipped,
        "categories", cats, "groups", groups);
    if (!root)
        return -1;
    if (r->model_b)
        json_object_set_new(root, "changed_decisions", changes_json(r));
    if (r->n_pairing)
        json_object_set_new(root, "pairing", pairing_json(r));
    int rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_decref(root);
    fputc('\n', f);
    return rc == 0 && !ferror(f) ? 0 : -1;
}
