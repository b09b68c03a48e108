/*
 * analyze.c - POST /v1alpha1/comments:analyze, Perspective's AnalyzeComment:
 * every requested attribute is answered under the name the client used,
 * with its summary score and, on spanAnnotations, one score per sentence
 * whose begin/end count UTF-16 code units of the original text (what
 * JavaScript's String indexes). Everything libclassify adds is under the
 * one key "libclassify", which Perspective clients ignore.
 */
#include <stdlib.h>
#include <string.h>

#include "serve.h"

static json_t *score_json(double p)
{
    return json_pack("{s:f, s:s}", "value", p, "type", "PROBABILITY");
}

static json_t *explanation_json(const clf_explanation *ex, const clf_model *m)
{
    json_t *o = json_object();
    for (size_t k = 0; k < clf_model_num_categories(m); k++) {
        json_t *cat = json_object();
        for (int up = 1; up >= 0; up--) {
            size_t n;
            const clf_contribution *c = clf_explanation_words(ex, k, up, &n);
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, json_pack("{s:s, s:I, s:f}", "word", c[i].text, "count",
                                                     (json_int_t)c[i].value, "contribution",
                                                     c[i].contribution));
            json_object_set_new(cat, up ? "up" : "down", arr);
        }
        json_object_set_new(o, clf_model_category_name(m, k), cat);
    }
    return o;
}

int srv_handle_analyze(srv_state *st, const char *body, size_t len, json_t **resp,
                       srv_error *err, srv_model **used)
{
    srv_worker *w = srv_worker_get(st);
    if (!w)
        return srv_fail(err, 500, "INTERNAL", "could not create a scorer: %s", clf_last_error());
    *used = w->model;
    const clf_model *m = w->model->m;
    srv_analyze_req r;
    if (srv_parse_analyze(&r, body, len, m, st->cfg.max_doc, err))
        return err->http;

    clf_doc_info info = {0};
    int rc = srv_score(w, r.text, r.len, w->res, &info);
    clf_spans *sp = NULL;
    if (rc >= 0 && r.spans) {
        clf_span_options so = CLF_SPAN_OPTIONS_INIT;
        so.unit = r.span_unit;
        so.max_spans = 1000; /* bounds the work of one request */
        int src = clf_score_spans(&sp, w->scorer, r.text, r.len, &so);
        if (src < 0)
            rc = src;
    }
    clf_explanation *ex = NULL;
    if (rc >= 0 && r.explain) {
        int erc = clf_explain(w->scorer, r.text, r.len, r.explain, &ex);
        if (erc < 0)
            rc = erc;
    }
    if (rc < 0) {
        /* the parser accepted the text, so this is invalid UTF-8 that jansson let
         * through (it never does) or an allocation failure */
        int bad = rc == CLF_E_UTF8;
        srv_fail(err, bad ? 400 : 500, bad ? "INVALID_ARGUMENT" : "INTERNAL", "%s",
                 clf_last_error()[0] ? clf_last_error() : clf_strerror(rc));
        clf_spans_free(sp);
        srv_analyze_req_free(&r);
        return err->http;
    }

    /* UTF-16 offsets of the span boundaries, in one pass over the text */
    size_t nsp = clf_spans_count(sp);
    size_t *u16 = nsp ? malloc(2 * nsp * sizeof *u16) : NULL;
    if (nsp && !u16) {
        srv_fail(err, 500, "INTERNAL", "out of memory");
        clf_spans_free(sp);
        clf_explanation_free(ex);
        srv_analyze_req_free(&r);
        return err->http;
    }
    if (nsp) {
        size_t pos = 0, units = 0;
        for (size_t i = 0; i < nsp; i++) {
            const clf_span *s = clf_spans_get(sp, i);
            units += srv_utf16_units(r.text + pos, s->begin - pos);
            u16[2 * i] = units;
            units += srv_utf16_units(r.text + s->begin, s->end - s->begin);
            u16[2 * i + 1] = units;
            pos = s->end;
        }
    }

    json_t *scores = json_object();
    for (size_t a = 0; a < r.nattrs; a++) {
        const srv_attr *at = &r.attrs[a];
        double p = w->res[at->cat].probability;
        if (p < at->threshold)
            continue; /* Perspective leaves out scores below scoreThreshold */
        json_t *o = json_pack("{s:o}", "summaryScore", score_json(p));
        if (r.spans) {
            json_t *arr = json_array();
            for (size_t i = 0; u16 && i < nsp; i++) {
                double q = clf_spans_get(sp, i)->results[at->cat].probability;
                if (q >= at->threshold)
                    json_array_append_new(arr, json_pack("{s:I, s:I, s:o}", "begin",
                                                         (json_int_t)u16[2 * i], "end",
                                                         (json_int_t)u16[2 * i + 1], "score",
                                                         score_json(q)));
            }
            json_object_set_new(o, "spanScores", arr);
        }
        json_object_set_new(scores, at->name, o);
    }

    json_t *x = json_object();
    json_t *cats = json_object(), *flagged = json_array(), *thr = json_object(),
           *names = json_object();
    for (size_t k = 0; k < w->model->ncat; k++) {
        const char *c = clf_model_category_name(m, k);
        json_object_set_new(cats, c, json_real(w->res[k].probability));
        json_object_set_new(thr, c, json_real(clf_scorer_threshold(w->scorer, k)));
        if (w->res[k].flagged)
            json_array_append_new(flagged, json_string(c));
    }
    for (size_t a = 0; a < r.nattrs; a++)
        json_object_set_new(names, r.attrs[a].name,
                            json_string(clf_model_category_name(m, r.attrs[a].cat)));
    json_object_set_new(x, "model", srv_model_json(w->model));
    json_object_set_new(x, "scores", cats);
    json_object_set_new(x, "flagged", flagged);
    json_t *signals = srv_signals_json(w, info.abstain);
    if (signals)
        json_object_set_new(x, "signals", signals);
    json_object_set_new(x, "thresholds", thr);
    json_object_set_new(x, "attributes", names);
    json_object_set_new(x, "truncated", json_boolean(info.truncated));
    json_object_set_new(x, "abstain", info.abstain ? json_string(clf_abstain_name(info.abstain))
                                                   : json_null());
    if (r.spans) {
        json_t *bytes = json_array();
        for (size_t i = 0; i < nsp; i++)
            json_array_append_new(bytes, json_pack("[I,I]", (json_int_t)clf_spans_get(sp, i)->begin,
                                                   (json_int_t)clf_spans_get(sp, i)->end));
        json_object_set_new(x, "spanBytes", bytes);
    }
    if (ex)
        json_object_set_new(x, "explanation", explanation_json(ex, m));

    json_t *langs = r.languages && json_array_size(r.languages) ? json_incref(r.languages)
                                                                : json_pack("[s]", "ar");
    /* no Arabic letter: nothing detected (the scores are the base rate) */
    json_t *detected = info.abstain ? json_array() : json_pack("[s]", "ar");
    json_t *o = json_pack("{s:o, s:o, s:o}", "attributeScores", scores, "languages", langs,
                          "detectedLanguages", detected);
    if (r.client_token)
        json_object_set_new(o, "clientToken", json_string(r.client_token));
    json_object_set_new(o, "libclassify", x);
    *resp = o;
    free(u16);
    clf_spans_free(sp);
    clf_explanation_free(ex);
    srv_analyze_req_free(&r);
    return 200;
}
