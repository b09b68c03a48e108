/*
 * report_text.c - the evaluation report as plain-text tables for a
 * terminal: one table per corpus and for the pool, the averages, the
 * comparison of two models, and with verbose output the operating points,
 * threshold sweep, calibration and error analysis.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "report.h"

const char *clf_eval_fmt(char *buf, size_t size, double v, int decimals)
{
    if (isnan(v))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%.*f", decimals, v);
    return buf;
}

/* "0.612 [0.551, 0.668]" or "0.612" without an interval. */
static const char *fmt_stat(char *buf, size_t size, const clf_eval_stat *s)
{
    if (isnan(s->value))
        snprintf(buf, size, "n/a");
    else if (isnan(s->ci.lo))
        snprintf(buf, size, "%.3f", s->value);
    else
        snprintf(buf, size, "%.3f [%.3f,%.3f]", s->value, s->ci.lo, s->ci.hi);
    return buf;
}

static const char *fmt_delta(char *buf, size_t size, const clf_eval_delta *d)
{
    char a[32];
    if (isnan(d->diff))
        snprintf(buf, size, "n/a");
    else if (isnan(d->ci.lo))
        snprintf(buf, size, "%+.3f", d->diff);
    else
        snprintf(buf, size, "%+.3f [%+.3f,%+.3f] %s", d->diff, d->ci.lo, d->ci.hi,
                 clf_eval_fmt(a, sizeof a, d->frac_b_better, 2));
    return buf;
}

/* Print at most max bytes of s on one line, cut at a UTF-8 boundary. */
static void put_excerpt(FILE *f, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++)
        fputc(s[i] == '\n' || s[i] == '\t' || s[i] == '\r' ? ' ' : s[i], f);
    if (n < strlen(s))
        fputs(" ...", f);
}

static void print_errors(FILE *f, const char *what, const clf_eval_error *e, size_t n, int up)
{
    if (n == 0)
        return;
    fprintf(f, "    %s:\n", what);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "      %.3f  %s:%s  ", e[i].score, e[i].source, e[i].id);
        put_excerpt(f, e[i].text, 160);
        fputc('\n', f);
        size_t nf = up ? e[i].n_up : e[i].n_down;
        const clf_eval_feature *ft = up ? e[i].up : e[i].down;
        if (nf) {
            fprintf(f, "             %s:", up ? "pushed up by" : "held down by");
            for (size_t j = 0; j < nf; j++)
                fprintf(f, "%s %s \"%s\" %+.3f", j ? "," : "", clf_family_name(ft[j].family),
                        ft[j].text, ft[j].contribution);
            fputc('\n', f);
        }
    }
}

static void print_details(FILE *f, const clf_eval_report *r, const clf_eval_cat *c)
{
    char a[32], b[32], cc[32];
    fprintf(f, "  %s:\n", c->name);
    if (c->has_positives) {
        fprintf(f, "    calibration: ECE %s, Brier %s\n", clf_eval_fmt(a, sizeof a, c->ece, 4),
                clf_eval_fmt(b, sizeof b, c->brier, 4));
        for (size_t i = 0; i < r->n_levels; i++) {
            const clf_eval_op *pr = &c->p_at_r[i], *rp = &c->r_at_p[i];
            fprintf(f, "    precision at recall >= %.2f: %s (threshold %s)   "
                       "recall at precision >= %.2f: %s (threshold %s)\n",
                    r->levels[i], pr->found ? clf_eval_fmt(a, sizeof a, pr->op.precision, 3) : "unreachable",
                    pr->found ? clf_eval_fmt(b, sizeof b, pr->op.threshold, 4) : "-",
                    r->levels[i], rp->found ? clf_eval_fmt(cc, sizeof cc, rp->op.recall, 3) : "unreachable",
                    rp->found ? clf_eval_fmt(a, sizeof a, rp->op.threshold, 4) : "-");
        }
        if (!isnan(r->target_precision))
            fprintf(f, "    target precision %.2f: %s\n", r->target_precision,
                    c->target_p.found ? "" : "not reachable");
        if (!isnan(r->target_precision) && c->target_p.found)
            fprintf(f, "      threshold %.4f gives precision %.3f, recall %.3f, flag rate %.3f\n",
                    c->target_p.op.threshold, c->target_p.op.precision, c->target_p.op.recall,
                    c->target_p.op.flag_rate);
        if (!isnan(r->target_recall))
            fprintf(f, "    target recall %.2f: %s\n", r->target_recall,
                    c->target_r.found ? "" : "not reachable");
        if (!isnan(r->target_recall) && c->target_r.found)
            fprintf(f, "      threshold %.4f gives precision %.3f, recall %.3f, flag rate %.3f\n",
                    c->target_r.op.threshold, c->target_r.op.precision, c->target_r.op.recall,
                    c->target_r.op.flag_rate);
        fprintf(f, "    sweep  threshold precision recall    F1  flag-rate\n");
        for (size_t i = 0; i < c->n_sweep; i++) {
            const clf_eval_sweep_row *s = &c->sweep[i];
            char p[16], rr[16], f1[16], fr[16];
            fprintf(f, "           %9.2f %9s %6s %5s %10s\n", s->threshold,
                    clf_eval_fmt(p, sizeof p, s->precision, 3), clf_eval_fmt(rr, sizeof rr, s->recall, 3),
                    clf_eval_fmt(f1, sizeof f1, s->f1, 3), clf_eval_fmt(fr, sizeof fr, s->flag_rate, 3));
        }
    }
    print_errors(f, "top false positives (flagged, not labeled)", c->top_fp, c->n_fp, 1);
    print_errors(f, "top false negatives (labeled, missed)", c->top_fn, c->n_fn, 0);
}

static void print_verdict(FILE *f, const clf_eval_report *r, const clf_eval_group *g);

/* The width of the category column: 12, or the longest category name
 * (a model of persuasion techniques has names such as
 * obfuscation_vagueness_confusion), so that the columns stay aligned. */
static int name_cols(const clf_eval_report *r)
{
    size_t w = 12;
    for (size_t k = 0; k < r->n_cats; k++) {
        size_t l = strlen(r->cats[k]);
        if (l > w)
            w = l;
    }
    return w > 64 ? 64 : (int)w;
}

static void print_group(FILE *f, const clf_eval_report *r, const clf_eval_group *g, int verbose)
{
    char s1[64], s2[64], s3[64], s4[64], a[32], b[32];
    size_t judged = 0, with_pos = 0;
    for (size_t k = 0; k < r->n_cats; k++) {
        judged += g->cats[k].judged;
        with_pos += g->cats[k].judged && g->cats[k].has_positives;
    }
    int nw = name_cols(r);
    fprintf(f, "\n== %s: %zu documents ==\n", g->name, g->n_docs);
    if (with_pos) {
        fprintf(f, "%-*s %6s %5s %6s %5s %5s %5s %6s  %-21s %-21s %-21s %6s %6s %6s\n", nw,
                "category", "n", "pos", "thr", "TP", "FP", "FN", "TN", "precision", "recall", "F1",
                "AP", "AUC", "flag%");
        for (size_t k = 0; k < r->n_cats; k++) {
            const clf_eval_cat *c = &g->cats[k];
            if (!c->judged || !c->has_positives)
                continue;
            fprintf(f, "%-*s %6zu %5zu %6.3f %5.0f %5.0f %5.0f %6.0f  %-21s %-21s %-21s %6s %6s %6.2f\n", nw,
                    c->name, c->n, c->n_pos, c->threshold, c->cm.tp, c->cm.fp, c->cm.fn, c->cm.tn,
                    fmt_stat(s1, sizeof s1, &c->precision), fmt_stat(s2, sizeof s2, &c->recall),
                    fmt_stat(s3, sizeof s3, &c->f1), clf_eval_fmt(a, sizeof a, c->ap.value, 3),
                    clf_eval_fmt(b, sizeof b, c->roc_auc, 3), 100 * c->flag_rate.value);
        }
        if (g->avg.n_cats > 1) {
            fprintf(f, "%-*s %6s %5s %6s %5.0f %5.0f %5.0f %6.0f  %-21s %-21s %-21s\n", nw, "micro avg", "",
                    "", "", g->avg.cm.tp, g->avg.cm.fp, g->avg.cm.fn, g->avg.cm.tn,
                    fmt_stat(s1, sizeof s1, &g->avg.micro_p), fmt_stat(s2, sizeof s2, &g->avg.micro_r),
                    fmt_stat(s3, sizeof s3, &g->avg.micro_f1));
            fprintf(f, "%-*s %6s %5s %6s %5s %5s %5s %6s  %-21s %-21s %-21s %6s %6s\n", nw, "macro avg", "", "",
                    "", "", "", "", "", fmt_stat(s1, sizeof s1, &g->avg.macro_p),
                    fmt_stat(s2, sizeof s2, &g->avg.macro_r), fmt_stat(s3, sizeof s3, &g->avg.macro_f1),
                    clf_eval_fmt(a, sizeof a, g->avg.macro_ap.value, 3),
                    clf_eval_fmt(b, sizeof b, g->avg.macro_auc, 3));
        }
    }
    if (judged > with_pos) {
        fprintf(f, "no positives here, judged by flag rate (the share flagged is the false-positive rate):\n");
        for (size_t k = 0; k < r->n_cats; k++) {
            const clf_eval_cat *c = &g->cats[k];
            if (!c->judged || c->has_positives)
                continue;
            fprintf(f, "  %-*s %6zu documents, threshold %.3f: %.0f flagged, flag rate %s\n", nw, c->name,
                    c->n, c->threshold, c->cm.fp, fmt_stat(s1, sizeof s1, &c->flag_rate));
        }
    }
    int any_cmp = 0;
    for (size_t k = 0; k < r->n_cats; k++)
        any_cmp |= g->cats[k].judged && g->cats[k].compared;
    if (r->model_b && any_cmp) {
        fprintf(f, "comparison: %s minus %s; paired bootstrap %.0f%% interval, then the share of "
                   "resamples where B is better\n",
                r->model_b_name ? r->model_b_name : "B", r->model_name ? r->model_name : "A",
                100 * r->level);
        fprintf(f, "%-*s %-30s %-30s %-30s %-30s\n", nw, "category", "dF1", "dAP", "dprecision", "drecall");
        for (size_t k = 0; k < r->n_cats; k++) {
            const clf_eval_cat *c = &g->cats[k];
            if (!c->judged || !c->compared)
                continue;
            if (!c->has_positives) {
                fprintf(f, "%-*s flag rate %s -> %s (%s)\n", nw, c->name,
                        clf_eval_fmt(a, sizeof a, c->d_flag_rate.a, 3),
                        clf_eval_fmt(b, sizeof b, c->d_flag_rate.b, 3),
                        fmt_delta(s1, sizeof s1, &c->d_flag_rate));
                continue;
            }
            fprintf(f, "%-*s %-30s %-30s %-30s %-30s\n", nw, c->name, fmt_delta(s1, sizeof s1, &c->d_f1),
                    fmt_delta(s2, sizeof s2, &c->d_ap), fmt_delta(s3, sizeof s3, &c->d_precision),
                    fmt_delta(s4, sizeof s4, &c->d_recall));
        }
        fprintf(f, "thresholds (A -> B):");
        for (size_t k = 0; k < r->n_cats; k++) {
            const clf_eval_cat *c = &g->cats[k];
            if (c->judged && c->compared)
                fprintf(f, " %s %s -> %s", c->name, clf_eval_fmt(a, sizeof a, c->threshold, 4),
                        clf_eval_fmt(b, sizeof b, c->threshold_b, 4));
        }
        fputc('\n', f);
        print_verdict(f, r, g);
        if (g->avg.n_cats > 1)
            fprintf(f, "%-*s micro F1 %s   macro F1 %s   macro AP %s\n", nw, "averages",
                    fmt_delta(s1, sizeof s1, &g->avg.d_micro_f1), fmt_delta(s2, sizeof s2, &g->avg.d_macro_f1),
                    fmt_delta(s3, sizeof s3, &g->avg.d_macro_ap));
    }
    if (verbose)
        for (size_t k = 0; k < r->n_cats; k++)
            if (g->cats[k].judged)
                print_details(f, r, &g->cats[k]);
}

/* An interval that excludes 0: the difference is not noise. */
static int significant(const clf_eval_delta *d)
{
    return !isnan(d->ci.lo) && !isnan(d->ci.hi) && (d->ci.lo > 0 || d->ci.hi < 0);
}

/* Plain words on what the comparison found: which model is better where,
 * and a tie said as a tie. */
static void print_verdict(FILE *f, const clf_eval_report *r, const clf_eval_group *g)
{
    char better[512] = "", worse[512] = "";
    size_t nb = 0, nw = 0;
    for (size_t k = 0; k < r->n_cats; k++) {
        const clf_eval_cat *c = &g->cats[k];
        if (!c->judged || !c->compared)
            continue;
        const clf_eval_delta *d[3] = {&c->d_f1, &c->d_ap, &c->d_flag_rate};
        int up = 0, down = 0;
        for (int i = c->has_positives ? 0 : 2; i < (c->has_positives ? 2 : 3); i++) {
            if (!significant(d[i]))
                continue;
            /* a lower flag rate on documents without positives is better */
            int b_better = i == 2 ? d[i]->diff < 0 : d[i]->diff > 0;
            up |= b_better;
            down |= !b_better;
        }
        if (up && !down)
            nb += (size_t)snprintf(better + strlen(better), sizeof better - strlen(better), "%s%s",
                                   nb ? ", " : "", c->name) > 0;
        else if (down && !up)
            nw += (size_t)snprintf(worse + strlen(worse), sizeof worse - strlen(worse), "%s%s",
                                   nw ? ", " : "", c->name) > 0;
    }
    if (!nb && !nw)
        fprintf(f, "verdict: the models tie: no category's F1, AP (or flag rate, without "
                   "positives) differs beyond the interval\n");
    else
        fprintf(f, "verdict: B is better on %s; B is worse on %s; the others tie\n",
                nb ? better : "no category", nw ? worse : "no category");
}

/* put_excerpt in a bidi isolate, so that the numbers after it stay put. */
static void put_isolated(FILE *f, const char *s, size_t max)
{
    fputs("\xE2\x81\xA8", f);
    put_excerpt(f, s, max);
    fputs("\xE2\x81\xA9", f);
}

static void print_changes(FILE *f, const clf_eval_report *r)
{
    char a[32], b[32];
    fprintf(f, "\ndecisions changed (A -> B): %zu of %zu documents", r->n_changed, r->n_records);
    if (r->n_changed && !r->n_changes)
        fputs(" (counted, not listed: cross-validation keeps no pair of models to explain them)", f);
    else if (r->n_changes < r->n_changed)
        fprintf(f, " (the first %zu listed)", r->n_changes);
    fprintf(f, "%s\n", r->n_changes ? ":" : "");
    for (size_t i = 0; i < r->n_changes; i++) {
        const clf_eval_change *ch = &r->changes[i];
        fprintf(f, "  %s (%s) ", ch->id, ch->source);
        put_isolated(f, ch->text, 120);
        fputc('\n', f);
        for (size_t j = 0; j < ch->n_cats; j++) {
            const clf_eval_change_cat *cc = &ch->cats[j];
            int flagged_b = cc->flagged_b;
            fprintf(f, "    %-12s A %s -> B %s: %s by B%s", r->cats[cc->k],
                    clf_eval_fmt(a, sizeof a, cc->pa, 4), clf_eval_fmt(b, sizeof b, cc->pb, 4),
                    flagged_b ? "flagged" : "cleared",
                    !cc->labeled ? " (not labeled for it)"
                    : cc->positive == flagged_b ? " (right: the label agrees with B)"
                                                : " (wrong: the label agrees with A)");
            for (size_t w = 0; w < cc->n_words; w++) {
                fprintf(f, "%s", w ? ", " : "; moved by ");
                put_isolated(f, cc->words[w], 60);
                fprintf(f, " %+.2f", cc->delta[w]);
            }
            fputc('\n', f);
        }
    }
}

/* Two runs paired by document: what both scored, and per corpus what only one did. */
static void print_pairing(FILE *f, const clf_eval_report *r)
{
    size_t only_a = 0, only_b = 0, w = 26;
    for (size_t i = 0; i < r->n_pairing; i++) {
        const clf_eval_pairing *p = &r->pairing[i];
        only_a += p->n_a - p->paired;
        only_b += p->n_b - p->paired;
        if (strlen(p->source) > w && strlen(p->source) <= 64)
            w = strlen(p->source);
    }
    fprintf(f, "paired by document (corpus and id): %zu documents scored by both runs", r->n_records);
    if (!only_a && !only_b) {
        fputs("; none by one run only\n", f);
        return;
    }
    fprintf(f, "; %zu only by A and %zu only by B are left out of every figure:\n", only_a, only_b);
    for (size_t i = 0; i < r->n_pairing; i++) {
        const clf_eval_pairing *p = &r->pairing[i];
        if (p->n_a == p->paired && p->n_b == p->paired)
            continue;
        fprintf(f, "  %-*s %zu paired, %zu only in A, %zu only in B", (int)w, p->source, p->paired,
                p->n_a - p->paired, p->n_b - p->paired);
        if (!p->n_a || !p->n_b)
            fprintf(f, " (a corpus of %s only)", p->n_a ? "A" : "B");
        fputc('\n', f);
    }
}

int clf_eval_report_text(FILE *f, const clf_eval_report *r, int verbose)
{
    fprintf(f, "model: %s (%s)\n", r->model_name ? r->model_name : "?", r->model ? r->model : "?");
    if (r->model_b)
        fprintf(f, "compared with: %s (%s)\n", r->model_b_name ? r->model_b_name : "?", r->model_b);
    fprintf(f, "data: %s, %s; %zu documents scored", r->mode ? r->mode : "holdout",
            r->split ? r->split : "files", r->n_records);
    if (r->n_skipped)
        fprintf(f, ", %zu skipped", r->n_skipped);
    fputc('\n', f);
    if (r->n_pairing)
        print_pairing(f, r);
    if (r->resamples)
        fprintf(f, "intervals: %.0f%% percentile bootstrap, %u resamples, seed %llu\n", 100 * r->level,
                r->resamples, (unsigned long long)r->seed);
    for (size_t g = 0; g < r->n_groups; g++)
        print_group(f, r, &r->groups[g], verbose);
    if (r->model_b)
        print_changes(f, r);
    return ferror(f) ? -1 : 0;
}
