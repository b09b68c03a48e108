/*
 * status.c - GET /status (what is served, since when, how much), /healthz
 * (the process answers) and /readyz (it has a model and is not draining:
 * what a load balancer should route on).
 */
#include <string.h>

#include "serve.h"

int srv_handle_status(srv_state *st, const char *url, json_t **resp, srv_error *err)
{
    if (!strcmp(url, "/healthz")) {
        *resp = json_pack("{s:s}", "status", "ok");
        return 200;
    }
    if (!strcmp(url, "/readyz")) {
        if (atomic_load(&st->draining))
            return srv_fail(err, 503, "UNAVAILABLE", "draining: the server is shutting down");
        *resp = json_pack("{s:s}", "status", "ready");
        return 200;
    }
    srv_model *m = srv_model_acquire(st);
    json_t *cats = json_array(), *thr = json_object(), *attrs = json_object();
    for (size_t k = 0; k < m->ncat; k++) {
        const char *c = clf_model_category_name(m->m, k);
        json_array_append_new(cats, json_string(c));
        json_object_set_new(thr, c, json_real(clf_model_threshold(m->m, k)));
        char up[64];
        size_t i = 0;
        for (; c[i] && i + 1 < sizeof up; i++)
            up[i] = (char)(c[i] >= 'a' && c[i] <= 'z' ? c[i] - 32 : c[i]);
        up[i] = '\0';
        json_object_set_new(attrs, up, json_string(c));
    }
    for (size_t i = 0; srv_aliases[i][0]; i++) {
        size_t k;
        if (srv_attr_resolve(m->m, srv_aliases[i][0], &k) == 0)
            json_object_set_new(attrs, srv_aliases[i][0], json_string(clf_model_category_name(m->m, k)));
    }
    json_t *model = srv_model_json(m);
    json_object_set_new(model, "path", json_string(st->cfg.model_path));
    json_object_set_new(model, "categories", cats);
    json_object_set_new(model, "thresholds", thr);
    json_object_set_new(model, "attributes", attrs);
    json_object_set_new(model, "generation", json_integer((json_int_t)m->generation));
    json_object_set_new(model, "loadedAt", json_integer((json_int_t)m->loaded_at));
    srv_model_release(m);
    pthread_mutex_lock(&st->model_lock);
    json_t *rl = json_pack("{s:I, s:I, s:s?}", "ok", (json_int_t)atomic_load(&st->n.reloads_ok),
                           "failed", (json_int_t)atomic_load(&st->n.reloads_failed),
                           "lastError", st->reload_error[0] ? st->reload_error : NULL);
    pthread_mutex_unlock(&st->model_lock);
    const srv_counters *n = &st->n;
    json_t *req = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "total",
                            (json_int_t)n->total, "analyze", (json_int_t)n->analyze,
                            "moderations", (json_int_t)n->moderations, "suggestscore",
                            (json_int_t)n->suggest, "status", (json_int_t)n->status, "other",
                            (json_int_t)n->other, "2xx", (json_int_t)n->s2xx, "4xx",
                            (json_int_t)n->s4xx, "5xx", (json_int_t)n->s5xx, "inFlight",
                            (json_int_t)n->in_flight);
    *resp = json_pack("{s:o, s:{s:s, s:i}, s:{s:s, s:I, s:I, s:b, s:I, s:I}, s:o, s:o}",
                      "model", model, "library", "version", clf_version_string(), "number",
                      clf_version_number(), "server", "version", CLF_VERSION_STRING,
                      "uptimeSeconds", (json_int_t)(time(NULL) - st->started), "threads",
                      (json_int_t)st->cfg.threads, "draining", atomic_load(&st->draining),
                      "maxBody", (json_int_t)st->cfg.max_body, "maxDoc",
                      (json_int_t)st->cfg.max_doc, "requests", req, "reloads", rl);
    return 200;
}
