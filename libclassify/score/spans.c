/*
 * spans.c - scores of the parts of a text: cut it into sentences or
 * paragraphs on the original bytes, score each part, and report each span's
 * byte offsets in the text the caller passed (so a UI can highlight them).
 * The cut itself is span_cut.c (training cuts corpora by the same rule).
 */
#include <stdlib.h>
#include <string.h>

#include "classify/score.h"
#include "internal.h"
#include "score_internal.h"
#include "span_cut.h"

struct clf_spans {
    size_t n, n_cats;
    clf_span *spans;
    clf_score_result *results; /* n * n_cats, span i's at i * n_cats */
};

CLF_API int clf_score_spans(clf_spans **out, clf_scorer *s, const char *text, size_t len,
                            const clf_span_options *opts)
{
    if (!out)
        return clf__error(CLF_E_INVALID_ARG, "clf_score_spans: NULL argument");
    *out = NULL;
    if (!s || (!text && len))
        return clf__error(CLF_E_INVALID_ARG, "clf_score_spans: NULL argument");
    clf_span_options def = CLF_SPAN_OPTIONS_INIT;
    if (!opts)
        opts = &def;
    if (opts->version != CLF_SPAN_OPTIONS_VERSION)
        return clf__error(CLF_E_INVALID_ARG, "clf_score_spans: options version %u, expected %u",
                          opts->version, (unsigned)CLF_SPAN_OPTIONS_VERSION);
    if (opts->unit != CLF_SPAN_SENTENCES && opts->unit != CLF_SPAN_PARAGRAPHS)
        return clf__error(CLF_E_INVALID_ARG, "clf_score_spans: unknown span unit %d", opts->unit);
    const unsigned char *t = (const unsigned char *)(text ? text : "");
    /* validate first: the splitter decodes without checking */
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        int k = clf__utf8_decode(t + i, len - i, &cp);
        if (!k)
            return clf__error(CLF_E_UTF8, "invalid UTF-8 at byte offset %zu", i);
        i += (size_t)k;
    }
    clf__cuts c = {0};
    int rc = clf__span_cuts(&c, t, len, opts->unit, opts->max_spans);
    clf_spans *sp = rc == CLF_OK ? calloc(1, sizeof *sp) : NULL;
    if (rc == CLF_OK && !sp)
        rc = clf__error(CLF_E_NOMEM, "out of memory");
    if (rc != CLF_OK) {
        free(c.v);
        return rc;
    }
    size_t K = clf_model_num_categories(s->model);
    sp->n = c.n;
    sp->n_cats = K;
    sp->spans = calloc(c.n ? c.n : 1, sizeof *sp->spans);
    sp->results = calloc(c.n ? c.n * K : 1, sizeof *sp->results);
    if (!sp->spans || !sp->results) {
        free(c.v);
        clf_spans_free(sp);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < c.n; i++) {
        clf_score_result *res = sp->results + i * K;
        int nf = clf_score(s, text + c.v[i].begin, c.v[i].end - c.v[i].begin, res, K,
                           &sp->spans[i].info);
        if (nf < 0) {
            free(c.v);
            clf_spans_free(sp);
            return nf;
        }
        sp->spans[i].begin = c.v[i].begin;
        sp->spans[i].end = c.v[i].end;
        sp->spans[i].nflagged = nf;
        sp->spans[i].results = res;
    }
    free(c.v);
    *out = sp;
    return CLF_OK;
}

CLF_API size_t clf_spans_count(const clf_spans *sp)
{
    return sp ? sp->n : 0;
}

CLF_API const clf_span *clf_spans_get(const clf_spans *sp, size_t i)
{
    return sp && i < sp->n ? &sp->spans[i] : NULL;
}

CLF_API void clf_spans_free(clf_spans *sp)
{
    if (!sp)
        return;
    free(sp->spans);
    free(sp->results);
    free(sp);
}
