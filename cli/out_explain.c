/*
 * out_explain.c - an explanation as JSON: the words as written in the
 * input with their spans (bytes, code points, UTF-16 units for browsers),
 * the n-gram features, and the kind of each (a punctuation mark or a
 * placeholder is said to be one, never passed off as a word).
 */
#include "out.h"
#include "signals.h"

static json_t *span_json(const clf_text_span *s)
{
    return json_pack("{sIsIsIsIsIsI}", "start", (json_int_t)s->offset, "end",
                     (json_int_t)(s->offset + s->len), "cp_start", (json_int_t)s->cp_offset,
                     "cp_end", (json_int_t)(s->cp_offset + s->cp_len), "u16_start",
                     (json_int_t)s->u16_offset, "u16_end", (json_int_t)(s->u16_offset + s->u16_len));
}

static json_t *word_json(const clf_explanation *ex, size_t k, int up, size_t i,
                         const clf_contribution *c)
{
    json_t *f = json_object();
    json_object_set_new(f, "word", json_string(c->original ? c->original : c->text));
    json_object_set_new(f, "normalized", json_string(c->text));
    json_object_set_new(f, "kind", json_string(clf_token_kind_name(c->kind)));
    json_object_set_new(f, "count", json_integer((json_int_t)c->value));
    json_object_set_new(f, "contribution", json_real(c->contribution));
    size_t ns;
    const clf_text_span *sp = clf_explanation_word_spans(ex, k, up, i, &ns);
    json_t *spans = json_array();
    for (size_t j = 0; sp && j < ns; j++)
        json_array_append_new(spans, span_json(&sp[j]));
    json_object_set_new(f, "spans", spans);
    return f;
}

json_t *clf_cli_explanation_json(const clf_explanation *ex, const clf_model *m,
                                 const clf_scorer *s, int all)
{
    const clf_doc_info *info = clf_explanation_info(ex);
    const size_t K = clf_model_num_categories(m);
    json_t *o = json_object();
    for (size_t k = 0; o && k < K; k++) {
        /* a category a gate suppressed is shown too: why it is not flagged */
        size_t ng;
        const clf_suppression *sp = clf_explanation_suppressions(ex, k, &ng);
        int suppressed = 0;
        for (size_t g = 0; g < ng; g++)
            suppressed |= sp[g].penalty > 0;
        const clf_score_result *res = clf_explanation_result(ex, k);
        int signal = clf_cli_signal(s, res, k, info->abstain);
        clf_evidence ev0;
        int shrunk_under = clf_explanation_evidence(ex, k, &ev0) == CLF_OK && ev0.kept < 1.0 &&
                           res->probability < clf_scorer_threshold(s, k) &&
                           ev0.probability_unshrunk >= clf_scorer_threshold(s, k);
        if (!all && !res->flagged && !suppressed && !signal && !shrunk_under)
            continue;
        json_t *cat = json_object();
        if (clf_scorer_flagging(s, k) == 0)
            json_object_set_new(cat, "report_only", json_true());
        clf_evidence ev;
        if (clf_explanation_evidence(ex, k, &ev) == CLF_OK && ev.evidence_words > 0) {
            /* the short-text shrinkage: the contributions below are already
             * multiplied by "kept" */
            double th = clf_scorer_threshold(s, k);
            json_object_set_new(
                cat, "evidence",
                json_pack("{sIsisfsfsb}", "arabic_words", (json_int_t)ev.arabic_words,
                          "evidence_words", ev.evidence_words, "kept", ev.kept,
                          "probability_unshrunk", ev.probability_unshrunk,
                          "kept_below_threshold",
                          res->probability < th && ev.probability_unshrunk >= th));
        }
        if (ng) {
            json_t *gates = json_array();
            for (size_t g = 0; g < ng; g++)
                json_array_append_new(
                    gates, json_pack("{sssfsfsfsfsb}", "gate", sp[g].gate, "probability",
                                     sp[g].probability, "tau", sp[g].tau, "weight", sp[g].weight,
                                     "penalty", sp[g].penalty, "suppressed", sp[g].penalty > 0));
            json_object_set_new(cat, "gates", gates);
            /* what the score would have been: did the gates keep it from
             * the flags (or the signals)? */
            double pu = clf_explanation_ungated_probability(ex, k);
            json_object_set_new(cat, "probability_without_gates", json_real(pu));
            if (suppressed)
                json_object_set_new(cat, "kept_below_threshold",
                                    json_boolean(res->probability < clf_scorer_threshold(s, k) &&
                                                 pu >= clf_scorer_threshold(s, k)));
        }
        for (int view = 0; view < 2; view++) {
            json_t *lists = json_object();
            for (int up = 1; up >= 0; up--) {
                size_t n;
                const clf_contribution *c = view == 0 ? clf_explanation_words(ex, k, up, &n)
                                                      : clf_explanation_features(ex, k, up, &n);
                json_t *arr = json_array();
                for (size_t i = 0; i < n; i++) {
                    if (view == 0) {
                        json_array_append_new(arr, word_json(ex, k, up, i, &c[i]));
                        continue;
                    }
                    json_t *f = json_object();
                    json_object_set_new(f, "feature", json_string(c[i].text));
                    json_object_set_new(f, "family", json_string(clf_family_name(c[i].family)));
                    json_object_set_new(f, "kind", json_string(clf_token_kind_name(c[i].kind)));
                    json_object_set_new(f, "contribution", json_real(c[i].contribution));
                    json_array_append_new(arr, f);
                }
                json_object_set_new(lists, up ? "up" : "down", arr);
            }
            json_object_set_new(cat, view == 0 ? "words" : "features", lists);
        }
        json_object_set_new(o, clf_model_category_name(m, k), cat);
    }
    return o;
}
