/*
 * fuzz_serve_request.c - the request parsers of `classify serve`
 * (cli/serve/request.c) on arbitrary bodies. The first byte picks the
 * endpoint (analyze, moderations, suggestscore) and the limits; the rest is
 * the body. Checks the parsers' promises and aborts on a broken one: a
 * result is either accepted with fields in range, or an error with an HTTP
 * status, a gRPC status and a message; error bodies serialize; accepted
 * analyze texts cut into spans that lie inside the text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "serve/serve.h"

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "fuzz_serve_request: invariant failed: %s (line %d)\n", #cond, \
                    __LINE__);                                                            \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static clf_model *model;
static clf_scorer *scorer;

static void check_error(srv_error *e, int rc)
{
    CHECK(rc == e->http);
    CHECK(e->http >= 400 && e->http < 600);
    CHECK(e->status && e->status[0]);
    CHECK(e->message[0]);
    json_t *j = srv_error_json(e, rc & 1);
    CHECK(j && !e->details);
    char *s = json_dumps(j, JSON_COMPACT);
    CHECK(s);
    free(s);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model) {
        if (clf_model_load(&model, CLF_SOURCE_DIR "/models/arabic-default.clf") != CLF_OK ||
            clf_scorer_new(&scorer, model) != CLF_OK)
            abort();
    }
    if (size < 1)
        return 0;
    unsigned sel = data[0];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    size_t max_doc = (sel & 0x10) ? 16 : 4096;
    size_t max_in = (sel & 0x20) ? 2 : 64;
    srv_error e = {0};
    int rc;
    switch (sel % 3) {
    case 0: {
        srv_analyze_req r;
        rc = srv_parse_analyze(&r, body, len, model, max_doc, &e);
        if (rc) {
            check_error(&e, rc);
            CHECK(!r.root);
            break;
        }
        CHECK(r.text && r.len > 0 && r.len <= max_doc);
        CHECK(r.nattrs >= 1 && r.nattrs <= SRV_MAX_ATTRS);
        for (size_t i = 0; i < r.nattrs; i++) {
            CHECK(r.attrs[i].cat < clf_model_num_categories(model));
            CHECK(r.attrs[i].threshold >= 0.0 && r.attrs[i].threshold <= 1.0);
        }
        CHECK(srv_utf16_units(r.text, r.len) <= r.len);
        clf_spans *sp = NULL;
        if (clf_score_spans(&sp, scorer, r.text, r.len, NULL) == CLF_OK) {
            size_t prev = 0;
            for (size_t i = 0; i < clf_spans_count(sp); i++) {
                const clf_span *s = clf_spans_get(sp, i);
                CHECK(s->begin >= prev && s->begin < s->end && s->end <= r.len);
                prev = s->end;
            }
        }
        clf_spans_free(sp);
        srv_analyze_req_free(&r);
        break;
    }
    case 1: {
        srv_moderation_req r;
        rc = srv_parse_moderation(&r, body, len, max_doc, max_in, &e);
        if (rc) {
            check_error(&e, rc);
            CHECK(!r.root && !r.texts);
            break;
        }
        CHECK(r.n >= 1 && r.n <= max_in);
        for (size_t i = 0; i < r.n; i++)
            CHECK(r.texts[i] && r.lens[i] <= max_doc);
        srv_moderation_req_free(&r);
        break;
    }
    default: {
        srv_suggest_req r;
        rc = srv_parse_suggest(&r, body, len, model, max_doc, &e);
        if (rc) {
            check_error(&e, rc);
            CHECK(!r.root);
            break;
        }
        CHECK(r.text && r.len <= max_doc && r.nattrs >= 1);
        for (size_t i = 0; i < r.nattrs; i++)
            CHECK(r.values[i] >= 0.0 && r.values[i] <= 1.0);
        srv_suggest_req_free(&r);
        break;
    }
    }
    return 0;
}
