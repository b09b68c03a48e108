/*
 * out_spans.c - span scores (clf_score_spans) in the outputs of `classify
 * score --spans`: every sentence or paragraph with its offsets in the
 * input (bytes, code points, UTF-16 units) and its scores in JSON; in the
 * table the few spans that score highest, so an analyst can jump to the
 * passage that drove the document's score.
 */
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "signals.h"

/* Code points and UTF-16 units of text[0..n). */
static void count_units(const char *text, size_t n, size_t *cp, size_t *u16)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t c = 0, u = 0;
    for (size_t i = 0; i < n; i++)
        if ((t[i] & 0xC0) != 0x80) {
            c++;
            u += t[i] >= 0xF0 ? 2 : 1;
        }
    *cp = c;
    *u16 = u;
}

json_t *clf_cli_spans_json(const clf_spans *sp, const clf_model *m, const clf_scorer *s,
                           const char *text)
{
    json_t *arr = json_array();
    size_t at = 0, cp = 0, u16 = 0; /* spans come in text order: one walk */
    size_t K = clf_model_num_categories(m);
    const int report_only = clf_cli_has_report_only(s, K);
    for (size_t i = 0; arr && i < clf_spans_count(sp); i++) {
        const clf_span *sn = clf_spans_get(sp, i);
        size_t c, u, lc, lu;
        count_units(text + at, sn->begin - at, &c, &u);
        cp += c;
        u16 += u;
        at = sn->begin;
        count_units(text + sn->begin, sn->end - sn->begin, &lc, &lu);
        json_t *o = json_pack("{sIsIsIsIsIsI}", "start", (json_int_t)sn->begin, "end",
                              (json_int_t)sn->end, "cp_start", (json_int_t)cp, "cp_end",
                              (json_int_t)(cp + lc), "u16_start", (json_int_t)u16, "u16_end",
                              (json_int_t)(u16 + lu));
        json_t *scores = json_object(), *flagged = json_array();
        for (size_t k = 0; k < K; k++) {
            json_object_set_new(scores, clf_model_category_name(m, k),
                                json_real(sn->results[k].probability));
            if (sn->results[k].flagged)
                json_array_append_new(flagged, json_string(clf_model_category_name(m, k)));
        }
        json_object_set_new(o, "scores", scores);
        json_object_set_new(o, "flagged", flagged);
        if (report_only) {
            json_t *signals = json_array();
            for (size_t k = 0; k < K; k++)
                if (clf_cli_signal(s, &sn->results[k], k, sn->info.abstain))
                    json_array_append_new(signals, json_string(clf_model_category_name(m, k)));
            json_object_set_new(o, "signals", signals);
        }
        if (sn->info.abstain)
            json_object_set_new(o, "abstain", json_string(clf_abstain_name(sn->info.abstain)));
        json_array_append_new(arr, o);
    }
    return arr;
}
