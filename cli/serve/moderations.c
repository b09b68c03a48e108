/*
 * moderations.c - POST /v1/moderations, OpenAI's moderation endpoint for
 * batch callers: {"input": str | [str]} -> {id, model, results: [{flagged,
 * categories, category_scores}]}, categories being the model's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "serve.h"

int srv_handle_moderations(srv_state *st, const char *body, size_t len, json_t **resp,
                           srv_error *err, srv_model **used)
{
    srv_worker *w = srv_worker_get(st);
    if (!w)
        return srv_fail(err, 500, "INTERNAL", "could not create a scorer: %s", clf_last_error());
    *used = w->model;
    const clf_model *m = w->model->m;
    srv_moderation_req r;
    if (srv_parse_moderation(&r, body, len, st->cfg.max_doc, st->cfg.max_inputs, err))
        return err->http;
    json_t *results = json_array();
    for (size_t i = 0; i < r.n; i++) {
        clf_doc_info info = {0};
        int rc = srv_score(w, r.texts[i], r.lens[i], w->res, &info);
        if (rc < 0) {
            json_decref(results);
            int bad = rc == CLF_E_UTF8;
            srv_fail(err, bad ? 400 : 500, bad ? "INVALID_ARGUMENT" : "INTERNAL", "input[%zu]: %s",
                     i, clf_last_error()[0] ? clf_last_error() : clf_strerror(rc));
            srv_moderation_req_free(&r);
            return err->http;
        }
        json_t *cats = json_object(), *sc = json_object();
        for (size_t k = 0; k < w->model->ncat; k++) {
            const char *c = clf_model_category_name(m, k);
            json_object_set_new(cats, c, json_boolean(w->res[k].flagged));
            json_object_set_new(sc, c, json_real(w->res[k].probability));
        }
        json_t *x = json_pack("{s:b, s:o}", "truncated", info.truncated, "abstain",
                              info.abstain ? json_string(clf_abstain_name(info.abstain))
                                           : json_null());
        json_t *signals = srv_signals_json(w, info.abstain);
        if (signals)
            json_object_set_new(x, "signals", signals);
        json_array_append_new(results, json_pack("{s:b, s:o, s:o, s:o}", "flagged", rc > 0,
                                                 "categories", cats, "category_scores", sc,
                                                 "libclassify", x));
    }
    char id[64];
    snprintf(id, sizeof id, "modr-%lx-%lx", (unsigned long)getpid(),
             (unsigned long)atomic_fetch_add(&st->moderation_seq, 1));
    *resp = json_pack("{s:s, s:s, s:o, s:{s:o}}", "id", id, "model", w->model->id, "results",
                      results, "libclassify", "model", srv_model_json(w->model));
    srv_moderation_req_free(&r);
    return 200;
}
