/*
 * report_functional.c - the functional test report (functional.h) as a
 * terminal table, JSON (schema libclassify-functional-report/1) and a
 * self-contained HTML page. Kept apart from the corpus report writers:
 * the two reports share nothing but the escaping helper.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "classify.h"
#include "functional.h"
#include "svg.h"

#define SCHEMA "libclassify-functional-report/1"

/* "flagged" for benign classes, "recall" for positive ones. */
static const char *measure(const clf_func_class *c)
{
    return c->positive ? "recall" : "flagged";
}

/* The gate of a class as text: "<= 2.0%", ">= 90.0%", "abstain >= 100%". */
static void gate_text(char *buf, size_t size, const clf_func_class *c)
{
    size_t n = 0;
    buf[0] = '\0';
    if (!isnan(c->max_flag_rate))
        n += (size_t)snprintf(buf + n, size - n, "<= %.1f%%", 100 * c->max_flag_rate);
    if (!isnan(c->min_recall) && n < size)
        n += (size_t)snprintf(buf + n, size - n, "%s>= %.1f%%", n ? ", " : "", 100 * c->min_recall);
    if (!isnan(c->min_abstain_rate) && n < size)
        snprintf(buf + n, size - n, "%sabstain >= %.0f%%", n ? ", " : "", 100 * c->min_abstain_rate);
}

/* Category names of a mask, comma-separated. */
static void cats_text(char *buf, size_t size, const clf_func_suite *s, uint64_t mask)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < s->n_cats && n < size; k++)
        if (mask >> k & 1)
            n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "", s->cats[k]);
    if (!n)
        snprintf(buf, size, "-");
}

/* ---- text ---------------------------------------------------------------- */

static void text_failures(FILE *f, const clf_func_report *r, size_t cls)
{
    const clf_func_suite *s = r->suite;
    for (size_t i = 0; i < s->n_items; i++) {
        const clf_func_item *it = &s->items[i];
        const clf_func_outcome *o = &r->items[i];
        if (it->cls != cls || o->pass)
            continue;
        char got[512];
        cats_text(got, sizeof got, s, o->flagged);
        fprintf(f, "    %-28s flagged %-22s%s  %s\n", it->id, o->abstain ? "(abstained)" : got,
                !o->scored ? " (not scored)" : it->must_abstain && !o->abstain ? " (no abstention)" : "",
                it->text);
    }
}

int clf_func_report_text(FILE *f, const clf_func_report *r, int verbose)
{
    const clf_func_suite *s = r->suite;
    fprintf(f, "Functional suite %s (%zu classes, %zu items), model %s\n", s->name, s->n_classes,
            s->n_items, r->model ? r->model : "?");
    fputs("benign classes: share of items flagged as a category they must not trigger; positive "
          "classes: recall\n(every must category flagged); abstained items count as not flagged; "
          "Wilson 95% intervals\n\n", f);
    fprintf(f, "%-28s %-8s %5s  %-7s %7s  %-15s %8s  %-30s %s\n", "class", "kind", "items", "measure",
            "value", "95% interval", "abstain", "gate", "flagged as");
    for (size_t c = 0; c < s->n_classes; c++) {
        const clf_func_class *cl = &s->classes[c];
        const clf_func_class_result *cr = &r->classes[c];
        char gate[64], ci[40], by[512];
        gate_text(gate, sizeof gate, cl);
        snprintf(ci, sizeof ci, "[%.1f, %.1f]", 100 * cr->ci.lo, 100 * cr->ci.hi);
        size_t n = 0;
        by[0] = '\0';
        for (size_t k = 0; k < s->n_cats && n < sizeof by; k++)
            if (cr->by_cat[k])
                n += (size_t)snprintf(by + n, sizeof by - n, "%s%s %zu", n ? ", " : "", s->cats[k],
                                      cr->by_cat[k]);
        char verdict[96];
        if (cr->gated)
            snprintf(verdict, sizeof verdict, "%s %s", cr->gate_pass ? "pass" : "FAIL", gate);
        else
            snprintf(verdict, sizeof verdict, "-");
        fprintf(f, "%-28s %-8s %5zu  %-7s %6.1f%%  %-15s %7.1f%%  %-30s %s\n", cl->name,
                cl->positive ? "positive" : "benign", cr->n, measure(cl), 100 * cr->value, ci,
                100 * cr->abstain_rate, verdict, n ? by : "-");
        if (cr->n_unscored)
            fprintf(f, "    (%zu items could not be scored: counted as failures)\n", cr->n_unscored);
        if (verbose && cr->n_pass < cr->n)
            text_failures(f, r, c);
    }
    if (r->n_gated)
        fprintf(f, "\ngate: %s (%zu of %zu gated classes failed)\n", r->gate_pass ? "passed" : "FAILED",
                r->n_gate_failed, r->n_gated);
    return ferror(f) ? -1 : 0;
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *num(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *cat_array(const clf_func_suite *s, uint64_t mask)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < s->n_cats; k++)
        if (mask >> k & 1)
            json_array_append_new(a, json_string(s->cats[k]));
    return a;
}

static json_t *class_json(const clf_func_report *r, size_t c)
{
    const clf_func_suite *s = r->suite;
    const clf_func_class *cl = &s->classes[c];
    const clf_func_class_result *cr = &r->classes[c];
    json_t *by = json_object();
    for (size_t k = 0; by && k < s->n_cats; k++)
        json_object_set_new(by, s->cats[k], json_integer((json_int_t)cr->by_cat[k]));
    json_t *gate = cr->gated
        ? json_pack("{s:o, s:o, s:o, s:b}", "max_flag_rate", num(cl->max_flag_rate), "min_recall",
                    num(cl->min_recall), "min_abstain_rate", num(cl->min_abstain_rate), "passed",
                    cr->gate_pass)
        : json_null();
    return json_pack("{s:s, s:s, s:s, s:b, s:I, s:s, s:o, s:[o,o], s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
                     "name", cl->name, "description", cl->description, "kind",
                     cl->positive ? "positive" : "benign", "must_abstain", cl->must_abstain, "items",
                     (json_int_t)cr->n, "measure", cl->positive ? "recall" : "flag_rate", "value",
                     num(cr->value), "interval", num(cr->ci.lo), num(cr->ci.hi), "flagged",
                     (json_int_t)cr->n_flagged, "hits", (json_int_t)cr->n_hit, "abstained",
                     (json_int_t)cr->n_abstained, "passed_items", (json_int_t)cr->n_pass, "unscored",
                     (json_int_t)cr->n_unscored, "abstain_rate", num(cr->abstain_rate),
                     "flagged_by_category", by, "gate", gate);
}

static json_t *item_json(const clf_func_report *r, size_t i)
{
    const clf_func_suite *s = r->suite;
    const clf_func_item *it = &s->items[i];
    const clf_func_outcome *o = &r->items[i];
    json_t *p = json_object();
    for (size_t k = 0; p && o->scored && k < s->n_cats; k++)
        json_object_set_new(p, s->cats[k], json_real(o->prob[k]));
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:b, s:o, s:o, s:b}", "id", it->id, "class",
                          s->classes[it->cls].name, "text", it->text, "must", cat_array(s, it->must),
                          "must_not", cat_array(s, it->must_not), "must_abstain", it->must_abstain,
                          "scored", o->scored, "flagged", cat_array(s, o->flagged), "probabilities", p,
                          "passed", o->pass);
    if (j && it->origin)
        json_object_set_new(j, "origin", json_string(it->origin));
    if (j && it->transform)
        json_object_set_new(j, "transform", json_string(it->transform));
    if (j && o->abstain)
        json_object_set_new(j, "abstain", json_string(clf_func_abstain_name(o->abstain)));
    return j;
}

int clf_func_report_json(FILE *f, const clf_func_report *r)
{
    const clf_func_suite *s = r->suite;
    json_t *classes = json_array(), *items = json_array(), *thr = json_object(), *failed = json_array();
    for (size_t c = 0; classes && c < s->n_classes; c++) {
        json_array_append_new(classes, class_json(r, c));
        if (failed && r->classes[c].gated && !r->classes[c].gate_pass)
            json_array_append_new(failed, json_string(s->classes[c].name));
    }
    for (size_t i = 0; items && i < s->n_items; i++)
        json_array_append_new(items, item_json(r, i));
    for (size_t k = 0; thr && k < s->n_cats; k++)
        json_object_set_new(thr, s->cats[k], num(r->thresholds[k]));
    json_t *root = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:{s:b, s:I, s:o}, s:o, s:o}", "schema", SCHEMA,
                             "library_version", clf_version_string(), "suite", s->name, "suite_path",
                             s->source, "model", r->model ? json_string(r->model) : json_null(),
                             "thresholds", thr, "gate", "passed", r->gate_pass, "gated_classes",
                             (json_int_t)r->n_gated, "failed", failed, "classes", classes, "items", items);
    if (!root)
        return -1;
    int rc = json_dumpf(root, f, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_decref(root);
    fputc('\n', f);
    return rc == 0 && !ferror(f) ? 0 : -1;
}

/* ---- HTML ---------------------------------------------------------------- */

static const char CSS[] =
    "body{font:14px/1.45 system-ui,'Segoe UI','Noto Sans','DejaVu Sans',sans-serif;color:#1d2330;"
    "background:#f4f6f9;margin:0}main{max-width:1240px;margin:0 auto;padding:24px 28px 48px}"
    "header{background:#1d2b45;color:#fff;padding:22px 28px}header h1{margin:0 0 6px;font-size:22px}"
    "header .meta{margin:0;color:#c9d3e6;font-size:13px}"
    "section.card{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:16px 18px;margin:14px 0}"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}"
    "th,td{padding:5px 8px;border-bottom:1px solid #e8ebf0;text-align:right;vertical-align:top}"
    "th{background:#f0f3f7;font-size:12.5px}th:first-child,td:first-child{text-align:left}"
    ".ci{color:#7a8499;font-size:11.5px}.good{color:#127a3e;font-weight:600}.bad{color:#b42318;font-weight:600}"
    ".bar{display:inline-block;height:10px;background:#1f5fa8;vertical-align:middle}"
    ".barbg{display:inline-block;width:120px;height:10px;background:#e8ebf0;margin-right:6px}"
    "td.text{font-family:'Noto Naskh Arabic','Noto Sans Arabic','DejaVu Sans',serif;font-size:15px;"
    "unicode-bidi:plaintext;max-width:560px}details{margin:6px 0}summary{cursor:pointer;color:#1f5fa8}"
    ".note{color:#667085;font-size:12.5px}";

static void esc(FILE *f, const char *s)
{
    clf_html_escape(f, s ? s : "", 0);
}

static void html_class_row(FILE *f, const clf_func_report *r, size_t c)
{
    const clf_func_suite *s = r->suite;
    const clf_func_class *cl = &s->classes[c];
    const clf_func_class_result *cr = &r->classes[c];
    char gate[64];
    gate_text(gate, sizeof gate, cl);
    fputs("<tr><td><a href=\"#c", f);
    fprintf(f, "%zu\">", c);
    esc(f, cl->name);
    fputs("</a><br><span class=\"note\">", f);
    esc(f, cl->description);
    fprintf(f, "</span></td><td>%s</td><td>%zu</td><td>%s</td><td><span class=\"barbg\"><span class=\"bar\" "
               "style=\"width:%.0fpx\"></span></span>%.1f%%<br><span class=\"ci\">%.1f&ndash;%.1f%%</span></td>"
               "<td>%.1f%%</td><td>",
            cl->positive ? "positive" : "benign", cr->n, measure(cl), isnan(cr->value) ? 0 : 120 * cr->value,
            100 * cr->value, 100 * cr->ci.lo, 100 * cr->ci.hi, 100 * cr->abstain_rate);
    for (size_t k = 0, n = 0; k < s->n_cats; k++)
        if (cr->by_cat[k]) {
            fprintf(f, "%s", n++ ? ", " : "");
            esc(f, s->cats[k]);
            fprintf(f, " %zu", cr->by_cat[k]);
        }
    fputs("</td><td>", f);
    if (cr->gated) {
        fprintf(f, "<span class=\"%s\">%s</span> ", cr->gate_pass ? "good" : "bad", cr->gate_pass ? "pass" : "FAIL");
        esc(f, gate);
    } else {
        fputs("&ndash;", f);
    }
    fputs("</td></tr>\n", f);
}

static void html_class_items(FILE *f, const clf_func_report *r, size_t c)
{
    const clf_func_suite *s = r->suite;
    const clf_func_class_result *cr = &r->classes[c];
    fprintf(f, "<section class=\"card\" id=\"c%zu\"><h3>", c);
    esc(f, s->classes[c].name);
    fprintf(f, " <small>%zu of %zu items meet their specification</small></h3>\n", cr->n_pass, cr->n);
    fprintf(f, "<details%s><summary>items</summary><table><tr><th>id</th><th>text</th><th>must</th>"
               "<th>must not</th><th>flagged</th><th>highest probability</th><th>result</th></tr>\n",
            cr->n_pass < cr->n ? " open" : "");
    for (size_t i = 0; i < s->n_items; i++) {
        const clf_func_item *it = &s->items[i];
        const clf_func_outcome *o = &r->items[i];
        if (it->cls != c)
            continue;
        char must[256], mustnot[256], got[256];
        cats_text(must, sizeof must, s, it->must);
        cats_text(mustnot, sizeof mustnot, s, it->must_not);
        cats_text(got, sizeof got, s, o->flagged);
        size_t top = 0;
        for (size_t k = 1; k < s->n_cats; k++)
            if (o->prob[k] > o->prob[top])
                top = k;
        fputs("<tr><td>", f);
        esc(f, it->id);
        if (it->transform) {
            fputs("<br><span class=\"note\">", f);
            esc(f, it->transform);
            fputs("</span>", f);
        }
        fputs("</td><td class=\"text\" dir=\"auto\">", f);
        esc(f, it->text);
        fputs("</td><td>", f);
        esc(f, must);
        fputs("</td><td>", f);
        esc(f, mustnot);
        fputs("</td><td>", f);
        esc(f, o->abstain ? "abstained" : got);
        fputs("</td><td>", f);
        if (o->scored) {
            esc(f, s->cats[top]);
            fprintf(f, " %.3f", o->prob[top]);
        }
        fprintf(f, "</td><td class=\"%s\">%s</td></tr>\n", o->pass ? "good" : "bad",
                !o->scored ? "not scored" : o->pass ? "ok" : "fail");
    }
    fputs("</table></details></section>\n", f);
}

int clf_func_report_html(FILE *f, const clf_func_report *r)
{
    const clf_func_suite *s = r->suite;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Functional tests: ", f);
    esc(f, s->name);
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<header><h1>Functional tests ", CSS);
    esc(f, s->name);
    fputs(" &middot; ", f);
    esc(f, r->model);
    fprintf(f, "</h1><p class=\"meta\">%zu classes, %zu items &middot; benign classes: share flagged as a "
               "category they must not trigger; positive classes: recall &middot; abstained items count as "
               "not flagged &middot; Wilson 95%% intervals",
            s->n_classes, s->n_items);
    if (r->n_gated)
        fprintf(f, " &middot; gate %s (%zu of %zu classes failed)", r->gate_pass ? "passed" : "FAILED",
                r->n_gate_failed, r->n_gated);
    fputs("</p></header>\n<main>\n<section class=\"card\"><table><tr><th>class</th><th>kind</th><th>items</th>"
          "<th>measure</th><th>value</th><th>abstained</th><th>flagged as</th><th>gate</th></tr>\n", f);
    for (size_t c = 0; c < s->n_classes; c++)
        html_class_row(f, r, c);
    fputs("</table></section>\n", f);
    for (size_t c = 0; c < s->n_classes; c++)
        html_class_items(f, r, c);
    fprintf(f, "<footer class=\"note\">Generated by libclassify %s. Definitions: docs/eval.md "
               "(functional tests).</footer>\n</main></body></html>\n", clf_version_string());
    return ferror(f) ? -1 : 0;
}
