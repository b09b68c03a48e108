/*
 * report_decision.c - the comparison of two models or recipes by corpus,
 * the signal a recipe choice should rest on (issue 9, section 6): per
 * annotating corpus and category the paired-bootstrap difference of AP and
 * F1, and per hard-negative corpus the flag rate of each model, which a
 * choice must keep under its cap. Pooled figures stay in the main report;
 * they are not repeated here because they hide what one corpus loses.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

/* "B", "A" or "-" by whether the interval of B - A excludes zero. */
static const char *verdict(const clf_eval_delta *d, int higher_is_better)
{
    if (isnan(d->ci.lo) || isnan(d->ci.hi))
        return "-";
    if (d->ci.lo > 0)
        return higher_is_better ? "B" : "A";
    if (d->ci.hi < 0)
        return higher_is_better ? "A" : "B";
    return "-";
}

static void delta_cols(FILE *f, const clf_eval_delta *d)
{
    if (isnan(d->diff)) {
        fprintf(f, " %6s %6s %-24s", "n/a", "n/a", "");
        return;
    }
    char ci[64] = "";
    if (!isnan(d->ci.lo))
        snprintf(ci, sizeof ci, "%+.3f [%+.3f,%+.3f]", d->diff, d->ci.lo, d->ci.hi);
    else
        snprintf(ci, sizeof ci, "%+.3f", d->diff);
    fprintf(f, " %6.3f %6.3f %-24s", d->a, d->b, ci);
}

/* Column widths: 26 for corpora and 12 for categories, or the longest
 * name (araieval2023-task1-persuasion, obfuscation_vagueness_confusion). */
static int cols(size_t w, size_t l)
{
    return (int)(l > 64 ? 64 : l > w ? l : w);
}

int clf_eval_report_decision_text(FILE *f, const clf_eval_report *r)
{
    if (!r->model_b)
        return 0;
    int cw = 26, nw = 12;
    for (size_t g = 0; g < r->n_groups; g++)
        if (!r->groups[g].pooled)
            cw = cols((size_t)cw, strlen(r->groups[g].name));
    for (size_t k = 0; k < r->n_cats; k++)
        nw = cols((size_t)nw, strlen(r->cats[k]));
    fprintf(f, "\n== by corpus: %s (B) minus %s (A) ==\n", r->model_b_name ? r->model_b_name : "B",
            r->model_name ? r->model_name : "A");
    fprintf(f, "the decision signal: per annotating corpus, paired bootstrap %.0f%% intervals; \"better\" only "
               "where the interval excludes 0\n", 100 * r->level);
    int left_out = 0; /* two runs paired by document: what one run only scored */
    for (size_t i = 0; i < r->n_pairing; i++) {
        const clf_eval_pairing *p = &r->pairing[i];
        if (p->n_a == p->paired && p->n_b == p->paired)
            continue;
        fprintf(f, "%s%s %zu only in A, %zu only in B", left_out ? "; " : "on the documents both runs scored; "
                "left out: ", p->source, p->n_a - p->paired, p->n_b - p->paired);
        left_out = 1;
    }
    if (left_out)
        fputc('\n', f);
    fprintf(f, "%-*s %-*s %6s %6s %-24s %6s %6s %-24s %s\n", cw, "corpus", nw, "category", "AP A", "AP B", "dAP",
            "F1 A", "F1 B", "dF1", "better");
    int any_neg = 0;
    for (size_t g = 0; g < r->n_groups; g++) {
        const clf_eval_group *gr = &r->groups[g];
        if (gr->pooled)
            continue;
        for (size_t k = 0; k < r->n_cats; k++) {
            const clf_eval_cat *c = &gr->cats[k];
            if (!c->judged || !c->compared)
                continue;
            if (!c->has_positives) {
                any_neg = 1;
                continue;
            }
            fprintf(f, "%-*s %-*s", cw, gr->name, nw, c->name);
            delta_cols(f, &c->d_ap);
            delta_cols(f, &c->d_f1);
            fprintf(f, " AP %s, F1 %s\n", verdict(&c->d_ap, 1), verdict(&c->d_f1, 1));
        }
    }
    if (any_neg) {
        fprintf(f, "constraints: flag rate on hard-negative corpora (every document a negative)\n");
        fprintf(f, "%-*s %-*s %6s %6s %-24s %s\n", cw, "corpus", nw, "category", "A", "B", "B - A", "lower");
        for (size_t g = 0; g < r->n_groups; g++) {
            const clf_eval_group *gr = &r->groups[g];
            if (gr->pooled)
                continue;
            for (size_t k = 0; k < r->n_cats; k++) {
                const clf_eval_cat *c = &gr->cats[k];
                if (!c->judged || !c->compared || c->has_positives)
                    continue;
                fprintf(f, "%-*s %-*s", cw, gr->name, nw, c->name);
                delta_cols(f, &c->d_flag_rate);
                fprintf(f, " %s\n", verdict(&c->d_flag_rate, 0));
            }
        }
    }
    return ferror(f) ? -1 : 0;
}
