/*
 * worker.c - one clf_scorer per worker thread (a scorer holds scratch state
 * and a libstemmer object, so it must not be shared). The scorer lives in
 * thread-specific data, is rebuilt when the served generation changes (after
 * a reload) and is freed when libmicrohttpd joins its pool threads.
 */
#include <stdlib.h>

#include "serve.h"
#include "../signals.h"

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void worker_free(void *p)
{
    srv_worker *w = p;
    if (!w)
        return;
    clf_scorer_free(w->scorer);
    free(w->res);
    srv_model_release(w->model);
    free(w);
}

static void make_key(void)
{
    pthread_key_create(&key, worker_free);
}

int srv_workers_init(void)
{
    return pthread_once(&once, make_key);
}

srv_worker *srv_worker_get(srv_state *st)
{
    srv_worker *w = pthread_getspecific(key);
    if (!w) {
        w = calloc(1, sizeof *w);
        if (!w || pthread_setspecific(key, w) != 0) {
            free(w);
            return NULL;
        }
    }
    /* the common case: no reload since this thread's last request */
    if (w->model && w->model->generation == atomic_load(&st->generation))
        return w;
    srv_model *m = srv_model_acquire(st);
    clf_scorer *s = NULL;
    clf_score_result *res = calloc(m->ncat, sizeof *res);
    if (!res || clf_scorer_new(&s, m->m) != CLF_OK) {
        free(res);
        srv_model_release(m);
        return NULL; /* keep the old scorer; the caller answers 500 */
    }
    clf_scorer_free(w->scorer);
    free(w->res);
    srv_model_release(w->model);
    w->model = m;
    w->scorer = s;
    w->res = res;
    return w;
}

int srv_score(srv_worker *w, const char *text, size_t len, clf_score_result *res,
              clf_doc_info *info)
{
    return clf_score(w->scorer, text, len, res, w->model->ncat, info);
}

json_t *srv_signals_json(const srv_worker *w, int abstain)
{
    if (!clf_cli_has_report_only(w->scorer, w->model->ncat))
        return NULL;
    json_t *signals = json_array();
    for (size_t k = 0; k < w->model->ncat; k++)
        if (clf_cli_signal(w->scorer, &w->res[k], k, abstain))
            json_array_append_new(signals, json_string(clf_model_category_name(w->model->m, k)));
    return signals;
}
