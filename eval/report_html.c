/*
 * report_html.c - the evaluation report as one self-contained HTML page:
 * inline CSS and SVG only (no scripts, fonts or links, so it opens offline
 * and can be attached to a ticket), with an overview matrix, per-corpus
 * tables, precision-recall / ROC / reliability charts, operating points,
 * a threshold sweep and the error analysis (Arabic text right-to-left).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "report.h"
#include "svg.h"

#define COLOR_A "#1f5fa8"
#define COLOR_B "#d0591c"
#define EXCERPT_BYTES 600

static const char CSS[] =
    "*{box-sizing:border-box}"
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI','Noto Sans','DejaVu Sans',sans-serif;"
    "color:#1d2330;background:#f4f6f9;margin:0}"
    "main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}"
    "header{background:#1d2b45;color:#fff;padding:22px 28px}"
    "header h1{margin:0 0 6px;font-size:22px;font-weight:600}"
    "header .meta{margin:0;color:#c9d3e6;font-size:13px}"
    "h2{font-size:18px;margin:34px 0 10px;padding-bottom:6px;border-bottom:2px solid #d5dbe5}"
    "h2 small,h3 small{font-weight:400;color:#667085;font-size:13px}"
    "h3{font-size:16px;margin:0 0 10px}"
    "h4{font-size:13px;margin:14px 0 6px;color:#3b4658;text-transform:uppercase;letter-spacing:.04em}"
    "section.card,div.card{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:16px 18px;"
    "margin:14px 0;box-shadow:0 1px 2px rgba(16,24,40,.04)}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}"
    "th,td{padding:5px 8px;border-bottom:1px solid #e8ebf0;text-align:right;vertical-align:top}"
    "th{background:#f0f3f7;font-weight:600;color:#3b4658;font-size:12.5px}"
    "th:first-child,td:first-child{text-align:left}"
    "tr.avg td{background:#fafbfc;font-weight:600}"
    ".ci{color:#7a8499;font-size:11.5px;white-space:nowrap}"
    ".na{color:#98a2b3}"
    ".good{color:#127a3e}.bad{color:#b42318}"
    ".charts{display:flex;flex-wrap:wrap;gap:10px;margin:6px 0}"
    ".chart{background:#fff}"
    ".chart .grid{stroke:#eceff3}.chart .frame{fill:none;stroke:#9aa4b5}"
    ".chart .tick{font-size:10px;fill:#667085}.chart .axis{font-size:11.5px;fill:#3b4658}"
    ".chart .ct{font-size:12.5px;font-weight:600;fill:#1d2330}.chart .legend{font-size:11px;fill:#3b4658}"
    ".chart .diag{stroke:#98a2b3;stroke-dasharray:4 4}.chart .bar{fill:#a9bfe3}"
    ".chart .bc{font-size:10px;fill:#1d2b45}.chart .vline{stroke:#b42318;stroke-width:1.5;stroke-dasharray:5 3}"
    ".charts svg{max-width:100%;height:auto}"
    ".chart .mark{fill:#fff;stroke:#111;stroke-width:2}"
    ".kv{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:6px 18px;margin:8px 0}"
    ".kv div{background:#f7f8fa;border-radius:6px;padding:6px 10px}"
    ".kv b{display:block;font-size:16px}.kv span{color:#667085;font-size:12px}"
    "details{margin:8px 0}summary{cursor:pointer;color:#1f5fa8;font-weight:600}"
    "td.text{text-align:right;font-family:'Noto Naskh Arabic','Noto Sans Arabic','DejaVu Sans',serif;"
    "font-size:15px;line-height:1.6;max-width:560px;unicode-bidi:plaintext}"
    "td.feat{text-align:left;font-size:12px;color:#3b4658;min-width:200px}"
    "td.feat span{display:inline-block;background:#eef2f8;border-radius:4px;padding:1px 6px;margin:1px 2px}"
    "td.feat span.dn{background:#fbeee8}"
    ".note{color:#667085;font-size:12.5px}"
    "nav{font-size:13px;margin:10px 0}nav a{margin-right:12px;color:#1f5fa8;text-decoration:none}"
    "footer{color:#667085;font-size:12px;margin-top:30px}"
    /* Narrow screens: tighter cells so the tables fit an 800 px window; on a
     * phone a table scrolls inside its card instead of running off it. */
    "@media (max-width:960px){main{padding:16px 12px 36px}header{padding:16px 14px}"
    "section.card,div.card{padding:12px 10px}th,td{padding:4px 4px}th{font-size:11.5px}"
    "td{font-size:12px}.ci{font-size:10px;white-space:normal}.kv{grid-template-columns:repeat(2,minmax(0,1fr))}}"
    "@media (max-width:640px){table{display:block;overflow-x:auto;max-width:100%}"
    "td.text{max-width:260px;font-size:14px}nav a{display:inline-block}}"
    /* Print: white paper, no navigation; the overview and per-corpus tables, and each
     * category's title, figures, charts and operating points, kept whole on a page; only
     * the lists of errors flow on to the next page, row by row, their header repeated. */
    "@page{size:A4;margin:12mm}"
    "@media print{body{background:#fff;font-size:11px}header{background:none;color:#000;padding:0 0 8px}"
    "header .meta{color:#333}nav{display:none}main{max-width:none;padding:0}"
    "section.card,div.card{box-shadow:none;border-color:#bbb;padding:8px 10px;margin:8px 0}"
    ".kv{grid-template-columns:repeat(4,minmax(0,1fr))}"
    "section.card,.head,.ops,.charts,.kv,tr,svg{break-inside:avoid}"
    "h2,h3,h4{break-after:avoid}th,td{padding:2px 4px}.charts svg{width:31%;height:auto}"
    "td.text{font-size:11px;line-height:1.35;max-width:none}td.feat{font-size:9.5px;min-width:0}"
    "td.feat span{padding:0 3px;margin:0 1px}a{color:inherit;text-decoration:none}}";

static void esc(FILE *f, const char *s)
{
    clf_html_escape(f, s ? s : "", 0);
}

/* A number cell: value with decimals, or a grey n/a. */
static void num(FILE *f, double v, int decimals)
{
    if (isnan(v))
        fputs("<span class=\"na\">n/a</span>", f);
    else
        fprintf(f, "%.*f", decimals, v);
}

static void stat_cell(FILE *f, const clf_eval_stat *s)
{
    fputs("<td>", f);
    num(f, s->value, 3);
    if (!isnan(s->value) && !isnan(s->ci.lo))
        fprintf(f, "<br><span class=\"ci\">%.3f&ndash;%.3f</span>", s->ci.lo, s->ci.hi);
    fputs("</td>", f);
}

/* better: +1 when higher is better, -1 when lower is, 0 when neither. */
static void delta_cell(FILE *f, const clf_eval_delta *d, int better)
{
    fputs("<td>", f);
    if (isnan(d->diff)) {
        fputs("<span class=\"na\">n/a</span></td>", f);
        return;
    }
    /* Green or red only when the interval excludes zero. */
    int sign = !isnan(d->ci.lo) && d->ci.lo > 0 ? 1 : !isnan(d->ci.hi) && d->ci.hi < 0 ? -1 : 0;
    const char *cls = sign * better > 0 ? "good" : sign * better < 0 ? "bad" : "";
    fprintf(f, "<span class=\"%s\">%+.3f</span>", cls, d->diff);
    if (!isnan(d->ci.lo))
        fprintf(f, "<br><span class=\"ci\">[%+.3f, %+.3f] &middot; B&gt;A %.0f%%</span>", d->ci.lo, d->ci.hi,
                100 * d->frac_b_better);
    fputs("</td>", f);
}

static void overview(FILE *f, const clf_eval_report *r)
{
    fputs("<section class=\"card\"><h3>Overview <small>F1 at the decision threshold where a corpus has "
          "positives (AP below it); flag rate where it has none</small></h3>\n<table><tr><th>corpus</th>"
          "<th>documents</th>", f);
    for (size_t k = 0; k < r->n_cats; k++) {
        fputs("<th>", f);
        esc(f, r->cats[k]);
        fputs("</th>", f);
    }
    fputs("<th>macro F1</th></tr>\n", f);
    for (size_t g = 0; g < r->n_groups; g++) {
        const clf_eval_group *gr = &r->groups[g];
        fprintf(f, "<tr%s><td><a href=\"#g%zu\">", gr->pooled ? " class=\"avg\"" : "", g);
        esc(f, gr->name);
        fprintf(f, "</a></td><td>%zu</td>", gr->n_docs);
        for (size_t k = 0; k < r->n_cats; k++) {
            const clf_eval_cat *c = &gr->cats[k];
            fputs("<td>", f);
            if (!c->judged)
                fputs("<span class=\"na\">&mdash;</span>", f);
            else if (c->has_positives) {
                num(f, c->f1.value, 3);
                fputs("<br><span class=\"ci\">AP ", f);
                num(f, c->ap.value, 3);
                fputs("</span>", f);
            } else {
                fprintf(f, "%.1f%% flagged", 100 * c->flag_rate.value);
            }
            fputs("</td>", f);
        }
        fputs("<td>", f);
        num(f, gr->avg.n_cats ? gr->avg.macro_f1.value : NAN, 3);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

/* Two runs paired by document: per corpus, what both scored and what one run only did. */
static void pairing_card(FILE *f, const clf_eval_report *r)
{
    size_t only_a = 0, only_b = 0;
    for (size_t i = 0; i < r->n_pairing; i++) {
        only_a += r->pairing[i].n_a - r->pairing[i].paired;
        only_b += r->pairing[i].n_b - r->pairing[i].paired;
    }
    fprintf(f, "<section class=\"card\"><h3>Pairing <small>by document (corpus and id): %zu documents scored "
               "by both runs; %zu only by A and %zu only by B are left out of every figure</small></h3>\n"
               "<table><tr><th>corpus</th><th>A</th><th>B</th><th>paired</th><th>only in A</th>"
               "<th>only in B</th></tr>\n", r->n_records, only_a, only_b);
    for (size_t i = 0; i < r->n_pairing; i++) {
        const clf_eval_pairing *p = &r->pairing[i];
        fputs("<tr><td>", f);
        esc(f, p->source);
        fprintf(f, "</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td></tr>\n", p->n_a, p->n_b,
                p->paired, p->n_a - p->paired, p->n_b - p->paired);
    }
    fputs("</table></section>\n", f);
}

static void metrics_table(FILE *f, const clf_eval_report *r, const clf_eval_group *g)
{
    fputs("<table><tr><th>category</th><th>n</th><th>positives</th><th>threshold</th><th>TP</th><th>FP</th>"
          "<th>FN</th><th>TN</th><th>precision</th><th>recall</th><th>F1</th><th>AP</th><th>ROC AUC</th>"
          "<th>flag rate</th><th>ECE</th><th>Brier</th></tr>\n", f);
    for (size_t k = 0; k < r->n_cats; k++) {
        const clf_eval_cat *c = &g->cats[k];
        if (!c->judged)
            continue;
        fputs("<tr><td><a href=\"#", f);
        fprintf(f, "g%zu-%zu\">", (size_t)(g - r->groups), k);
        esc(f, c->name);
        fprintf(f, "</a></td><td>%zu</td><td>%zu</td><td>%.3f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td>"
                   "<td>%.0f</td>", c->n, c->n_pos, c->threshold, c->cm.tp, c->cm.fp, c->cm.fn, c->cm.tn);
        if (c->has_positives) {
            stat_cell(f, &c->precision);
            stat_cell(f, &c->recall);
            stat_cell(f, &c->f1);
            stat_cell(f, &c->ap);
            fputs("<td>", f);
            num(f, c->roc_auc, 3);
            fputs("</td>", f);
        } else {
            fputs("<td colspan=\"5\" class=\"note\">no positives: judged by flag rate</td>", f);
        }
        stat_cell(f, &c->flag_rate);
        fputs("<td>", f);
        num(f, c->ece, 3);
        fputs("</td><td>", f);
        num(f, c->brier, 3);
        fputs("</td></tr>\n", f);
    }
    const clf_eval_avg *a = &g->avg;
    if (a->n_cats > 1) {
        fprintf(f, "<tr class=\"avg\"><td>micro average</td><td colspan=\"3\" class=\"note\">%zu categories</td>"
                   "<td>%.0f</td><td>%.0f</td><td>%.0f</td><td>%.0f</td>", a->n_cats, a->cm.tp, a->cm.fp, a->cm.fn,
                a->cm.tn);
        stat_cell(f, &a->micro_p);
        stat_cell(f, &a->micro_r);
        stat_cell(f, &a->micro_f1);
        fputs("<td colspan=\"5\"></td></tr>\n<tr class=\"avg\"><td>macro average</td><td colspan=\"7\"></td>", f);
        stat_cell(f, &a->macro_p);
        stat_cell(f, &a->macro_r);
        stat_cell(f, &a->macro_f1);
        stat_cell(f, &a->macro_ap);
        fputs("<td>", f);
        num(f, a->macro_auc, 3);
        fputs("</td><td colspan=\"3\"></td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void comparison_table(FILE *f, const clf_eval_report *r, const clf_eval_group *g)
{
    fputs("<h4>Comparison: B minus A (paired bootstrap)</h4><table><tr><th>category</th><th>&Delta; F1</th>"
          "<th>&Delta; AP</th><th>&Delta; precision</th><th>&Delta; recall</th><th>&Delta; flag rate</th>"
          "<th>F1 A &rarr; B</th></tr>\n", f);
    for (size_t k = 0; k < r->n_cats; k++) {
        const clf_eval_cat *c = &g->cats[k];
        if (!c->judged || !c->compared)
            continue;
        fputs("<tr><td>", f);
        esc(f, c->name);
        fputs("</td>", f);
        delta_cell(f, &c->d_f1, 1);
        delta_cell(f, &c->d_ap, 1);
        delta_cell(f, &c->d_precision, 1);
        delta_cell(f, &c->d_recall, 1);
        /* Fewer flags is only better where every flag is a false positive. */
        delta_cell(f, &c->d_flag_rate, c->has_positives ? 0 : -1);
        fputs("<td>", f);
        num(f, c->d_f1.a, 3);
        fputs(" &rarr; ", f);
        num(f, c->d_f1.b, 3);
        fputs("</td></tr>\n", f);
    }
    if (g->avg.n_cats > 1) {
        fputs("<tr class=\"avg\"><td>micro F1 / macro F1 / macro AP</td>", f);
        delta_cell(f, &g->avg.d_micro_f1, 1);
        delta_cell(f, &g->avg.d_macro_f1, 1);
        delta_cell(f, &g->avg.d_macro_ap, 1);
        fputs("<td colspan=\"3\"></td></tr>\n", f);
    }
    fputs("</table><p class=\"note\">Green (better) or red (worse): the 95% interval of the difference excludes zero. "
          "&ldquo;B&gt;A&rdquo; is the share of resamples where B scored higher.</p>\n", f);
}

static void charts(FILE *f, const clf_eval_report *r, const clf_eval_cat *c)
{
    char mark[160];
    /* A legend only when there are two models to tell apart. */
    const char *label_a = r->model_b ? "A" : NULL, *label_b = "B";
    fputs("<div class=\"charts\">", f);
    if (c->has_positives) {
        clf_svg_chart pr;
        memset(&pr, 0, sizeof pr);
        pr.title = "Precision-recall";
        pr.xlabel = "recall";
        pr.ylabel = "precision";
        pr.legend_pos = CLF_SVG_LEGEND_BOTTOM_LEFT;
        pr.series[pr.n_series++] = (clf_svg_series){label_a, COLOR_A, c->curves.pr, c->curves.n_pr, 1, 0};
        if (r->model_b && c->compared)
            pr.series[pr.n_series++] = (clf_svg_series){label_b, COLOR_B, c->curves_b.pr, c->curves_b.n_pr, 1, 0};
        pr.has_mark = !isnan(c->precision.value);
        pr.mark.x = c->recall.value;
        pr.mark.y = c->precision.value;
        snprintf(mark, sizeof mark, "threshold %.3f: precision %.3f, recall %.3f", c->threshold,
                 c->precision.value, c->recall.value);
        pr.mark_label = mark;
        clf_svg_write(f, &pr, 368, 290);

        clf_svg_chart roc;
        memset(&roc, 0, sizeof roc);
        roc.title = "ROC";
        roc.xlabel = "false positive rate";
        roc.ylabel = "true positive rate";
        roc.diagonal = 1;
        roc.legend_pos = CLF_SVG_LEGEND_BOTTOM_RIGHT;
        roc.series[roc.n_series++] = (clf_svg_series){label_a, COLOR_A, c->curves.roc, c->curves.n_roc, 0, 0};
        if (r->model_b && c->compared)
            roc.series[roc.n_series++] = (clf_svg_series){label_b, COLOR_B, c->curves_b.roc, c->curves_b.n_roc, 0, 0};
        double neg = c->cm.fp + c->cm.tn;
        roc.has_mark = neg > 0 && !isnan(c->recall.value);
        roc.mark.x = neg > 0 ? c->cm.fp / neg : NAN;
        roc.mark.y = c->recall.value;
        roc.mark_label = mark;
        clf_svg_write(f, &roc, 368, 290);
    }
    /* Reliability: observed share of positives against mean probability per bin. */
    clf_eval_xy pts[CLF_EVAL_BINS];
    double bars[CLF_EVAL_BINS], counts[CLF_EVAL_BINS], maxw = 0;
    size_t np = 0;
    for (size_t b = 0; b < CLF_EVAL_BINS; b++)
        if (c->bins[b].weight > maxw)
            maxw = c->bins[b].weight;
    for (size_t b = 0; b < CLF_EVAL_BINS; b++) {
        bars[b] = maxw > 0 ? c->bins[b].weight / maxw : 0;
        counts[b] = c->bins[b].weight;
        if (c->bins[b].weight > 0) {
            pts[np].x = c->bins[b].mean_score;
            pts[np].y = c->bins[b].frac_pos;
            np++;
        }
    }
    clf_svg_chart rel;
    memset(&rel, 0, sizeof rel);
    rel.bars = bars;
    rel.bar_counts = counts;
    rel.n_bars = CLF_EVAL_BINS;
    char thr[64];
    snprintf(thr, sizeof thr, "threshold %.3f", c->threshold);
    if (c->has_positives) {
        rel.title = "Reliability (bars: documents per bin)";
        rel.xlabel = "mean predicted probability";
        rel.ylabel = "observed share positive";
        rel.diagonal = 1;
        rel.series[rel.n_series++] = (clf_svg_series){NULL, COLOR_A, pts, np, 0, 1};
    } else {
        /* Without positives there is nothing to calibrate against: show where
         * the scores fall and how many cross the threshold. */
        rel.title = "Score histogram (documents per bin)";
        rel.xlabel = "predicted probability";
        rel.ylabel = "documents";
        rel.bars_height = 0.85;
        rel.hide_yticks = 1;
    }
    rel.has_vline = 1;
    rel.vline = c->threshold;
    rel.vline_label = thr;
    clf_svg_write(f, &rel, 368, 290);
    fputs("</div>\n", f);
}

static void op_row(FILE *f, const char *what, double level, const clf_eval_op *o)
{
    fprintf(f, "<tr><td>%s %.2f</td>", what, level);
    if (!o->found) {
        fputs("<td colspan=\"4\" class=\"na\">not reachable</td></tr>\n", f);
        return;
    }
    fprintf(f, "<td>%.4f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n", o->op.threshold, o->op.precision,
            o->op.recall, o->op.flag_rate);
}

static void operating_points(FILE *f, const clf_eval_report *r, const clf_eval_cat *c)
{
    fputs("<div class=\"ops\"><h4>Operating points</h4><table><tr><th>goal</th><th>threshold</th>"
          "<th>precision</th><th>recall</th><th>flag rate</th></tr>\n", f);
    fprintf(f, "<tr class=\"avg\"><td>in force</td><td>%.4f</td><td>", c->threshold);
    num(f, c->precision.value, 3);
    fputs("</td><td>", f);
    num(f, c->recall.value, 3);
    fputs("</td><td>", f);
    num(f, c->flag_rate.value, 3);
    fputs("</td></tr>\n", f);
    for (size_t i = 0; i < r->n_levels; i++)
        op_row(f, "best precision at recall &ge;", r->levels[i], &c->p_at_r[i]);
    for (size_t i = 0; i < r->n_levels; i++)
        op_row(f, "best recall at precision &ge;", r->levels[i], &c->r_at_p[i]);
    if (!isnan(r->target_precision))
        op_row(f, "target precision", r->target_precision, &c->target_p);
    if (!isnan(r->target_recall))
        op_row(f, "target recall", r->target_recall, &c->target_r);
    fputs("</table></div>\n<details><summary>Threshold sweep</summary><table><tr><th>threshold</th>"
          "<th>precision</th><th>recall</th><th>F1</th><th>flag rate</th></tr>\n", f);
    for (size_t i = 0; i < c->n_sweep; i++) {
        const clf_eval_sweep_row *s = &c->sweep[i];
        fprintf(f, "<tr><td>%.2f</td><td>", s->threshold);
        num(f, s->precision, 3);
        fputs("</td><td>", f);
        num(f, s->recall, 3);
        fputs("</td><td>", f);
        num(f, s->f1, 3);
        fputs("</td><td>", f);
        num(f, s->flag_rate, 3);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></details>\n", f);
}

static void features(FILE *f, const clf_eval_feature *ft, size_t n, int down)
{
    for (size_t i = 0; i < n; i++) {
        /* The chip reads left to right: the n-gram isolated as a unit (it is
         * often Arabic), then its contribution. */
        fprintf(f, "<span%s title=\"%s\" dir=\"ltr\"><bdi>", down ? " class=\"dn\"" : "",
                clf_family_name(ft[i].family));
        esc(f, ft[i].text);
        fprintf(f, "</bdi> %+.2f</span>", ft[i].contribution);
    }
}

static void error_table(FILE *f, const char *title, const clf_eval_error *e, size_t n)
{
    if (n == 0)
        return;
    /* thead: printed again at the top of the page a long list continues on */
    fprintf(f, "<div class=\"errs\"><h4>%s</h4><table><thead><tr><th>score</th><th>document</th>"
               "<th>text</th><th>features (pushing up / down)</th></tr></thead>\n", title);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr><td>%.3f</td><td style=\"text-align:left\">", e[i].score);
        esc(f, e[i].id);
        fputs("<br><span class=\"ci\">", f);
        esc(f, e[i].source);
        fputs("</span></td><td class=\"text\" dir=\"rtl\" lang=\"ar\">", f);
        clf_html_escape(f, e[i].text, EXCERPT_BYTES);
        fputs("</td><td class=\"feat\">", f);
        features(f, e[i].up, e[i].n_up, 0);
        if (e[i].n_up && e[i].n_down)
            fputs("<br>", f);
        features(f, e[i].down, e[i].n_down, 1);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></div>\n", f);
}

static void category_card(FILE *f, const clf_eval_report *r, const clf_eval_group *g, size_t k)
{
    const clf_eval_cat *c = &g->cats[k];
    /* .head (title, figures, charts) stays on one page in print; the lists after it may flow */
    fprintf(f, "<div class=\"card\" id=\"g%zu-%zu\"><div class=\"head\"><h3>", (size_t)(g - r->groups), k);
    esc(f, c->name);
    fprintf(f, " <small>%zu documents, %zu positive, threshold %.3f</small></h3>\n", c->n, c->n_pos, c->threshold);
    fputs("<div class=\"kv\">", f);
    if (c->has_positives) {
        fputs("<div><span>precision</span><b>", f);
        num(f, c->precision.value, 3);
        fputs("</b></div><div><span>recall</span><b>", f);
        num(f, c->recall.value, 3);
        fputs("</b></div><div><span>F1</span><b>", f);
        num(f, c->f1.value, 3);
        fputs("</b></div><div><span>average precision</span><b>", f);
        num(f, c->ap.value, 3);
        fputs("</b></div>", f);
    }
    fputs("<div><span>flag rate</span><b>", f);
    num(f, 100 * c->flag_rate.value, 1);
    fputs("%</b></div><div><span>expected calibration error</span><b>", f);
    num(f, c->ece, 3);
    fputs("</b></div><div><span>Brier score</span><b>", f);
    num(f, c->brier, 3);
    fputs("</b></div>", f);
    if (c->has_positives) {
        fputs("<div><span>ROC AUC</span><b>", f);
        num(f, c->roc_auc, 3);
        fputs("</b></div>", f);
    }
    fputs("</div>\n", f);
    if (!c->has_positives)
        fputs("<p class=\"note\">No document here is a positive of this category, so precision and recall "
              "are undefined; every flagged document is a false positive.</p>\n", f);
    charts(f, r, c);
    fputs("</div>\n", f);
    if (c->has_positives)
        operating_points(f, r, c);
    error_table(f, "Top false positives (flagged, not labeled)", c->top_fp, c->n_fp);
    error_table(f, "Top false negatives (labeled, missed)", c->top_fn, c->n_fn);
    fputs("</div>\n", f);
}

int clf_eval_report_html(FILE *f, const clf_eval_report *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Evaluation: ", f);
    esc(f, r->model_name);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<header><h1>Evaluation of ", CSS);
    esc(f, r->model_name ? r->model_name : r->model);
    if (r->model_b) {
        fputs(" (A) against ", f);
        esc(f, r->model_b_name ? r->model_b_name : r->model_b);
        fputs(" (B)", f);
    }
    fputs("</h1><p class=\"meta\">", f);
    esc(f, r->model);
    if (r->model_b) {
        fputs(" &middot; B: ", f);
        esc(f, r->model_b);
    }
    fputs(" &middot; ", f);
    esc(f, r->mode ? r->mode : "holdout");
    fputs(", ", f);
    esc(f, r->split ? r->split : "files");
    fprintf(f, " &middot; %zu documents", r->n_records);
    if (r->n_skipped)
        fprintf(f, " (%zu skipped)", r->n_skipped);
    if (r->resamples)
        fprintf(f, " &middot; %.0f%% percentile bootstrap intervals, %u resamples, seed %llu", 100 * r->level,
                r->resamples, (unsigned long long)r->seed);
    fputs("</p></header>\n<main>\n<nav>", f);
    for (size_t g = 0; g < r->n_groups; g++) {
        fprintf(f, "<a href=\"#g%zu\">", g);
        esc(f, r->groups[g].name);
        fputs("</a>", f);
    }
    fputs("</nav>\n", f);
    overview(f, r);
    if (r->n_pairing)
        pairing_card(f, r);
    for (size_t g = 0; g < r->n_groups; g++) {
        const clf_eval_group *gr = &r->groups[g];
        fprintf(f, "<h2 id=\"g%zu\">", g);
        esc(f, gr->name);
        fprintf(f, " <small>%zu documents%s</small></h2>\n<section class=\"card\">", gr->n_docs,
                gr->pooled ? ", all corpora together" : "");
        metrics_table(f, r, gr);
        int any_cmp = 0;
        for (size_t k = 0; k < r->n_cats; k++)
            any_cmp |= gr->cats[k].judged && gr->cats[k].compared;
        if (r->model_b && any_cmp)
            comparison_table(f, r, gr);
        fputs("</section>\n", f);
        for (size_t k = 0; k < r->n_cats; k++)
            if (gr->cats[k].judged)
                category_card(f, r, gr, k);
    }
    fprintf(f, "<footer>Generated by libclassify %s. Metric definitions: docs/eval.md. Texts are excerpts "
               "of the evaluated data, shown for error analysis.</footer>\n</main></body></html>\n",
            clf_version_string());
    return ferror(f) ? -1 : 0;
}
