/*
 * pool.c - a mutex-protected free list of scorers.
 */
#include "pool.h"

#include <stdlib.h>

int clfpy_pool_init(clfpy_pool *p, const clf_model *m, size_t max_bytes)
{
    p->model = m;
    p->max_bytes = max_bytes;
    p->nthr = 0;
    p->thr_index = NULL;
    p->thr_value = NULL;
    p->idle = NULL;
    p->nidle = p->cap = 0;
    return pthread_mutex_init(&p->lock, NULL) == 0 ? CLF_OK : CLF_E_NOMEM;
}

int clfpy_pool_set_threshold(clfpy_pool *p, size_t i, double t)
{
    size_t *ix = realloc(p->thr_index, (p->nthr + 1) * sizeof *ix);
    if (!ix)
        return CLF_E_NOMEM;
    p->thr_index = ix;
    double *v = realloc(p->thr_value, (p->nthr + 1) * sizeof *v);
    if (!v)
        return CLF_E_NOMEM;
    p->thr_value = v;
    ix[p->nthr] = i;
    v[p->nthr] = t;
    p->nthr++;
    return CLF_OK;
}

static int scorer_create(const clfpy_pool *p, clf_scorer **out)
{
    clf_scorer *s;
    int rc = clf_scorer_new(&s, p->model);
    if (rc != CLF_OK)
        return rc;
    rc = clf_scorer_set_max_bytes(s, p->max_bytes);
    for (size_t k = 0; rc == CLF_OK && k < p->nthr; k++)
        rc = clf_scorer_set_threshold(s, p->thr_index[k], p->thr_value[k]);
    if (rc != CLF_OK) {
        clf_scorer_free(s);
        return rc;
    }
    *out = s;
    return CLF_OK;
}

int clfpy_pool_get(clfpy_pool *p, clf_scorer **out)
{
    pthread_mutex_lock(&p->lock);
    if (p->nidle) {
        *out = p->idle[--p->nidle];
        pthread_mutex_unlock(&p->lock);
        return CLF_OK;
    }
    pthread_mutex_unlock(&p->lock);
    return scorer_create(p, out); /* outside the lock: it loads ICU and a stemmer */
}

void clfpy_pool_put(clfpy_pool *p, clf_scorer *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&p->lock);
    if (p->nidle == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4;
        clf_scorer **idle = realloc(p->idle, cap * sizeof *idle);
        if (!idle) {
            pthread_mutex_unlock(&p->lock);
            clf_scorer_free(s); /* cannot keep it: the next get makes a new one */
            return;
        }
        p->idle = idle;
        p->cap = cap;
    }
    p->idle[p->nidle++] = s;
    pthread_mutex_unlock(&p->lock);
}

void clfpy_pool_destroy(clfpy_pool *p)
{
    for (size_t i = 0; i < p->nidle; i++)
        clf_scorer_free(p->idle[i]);
    free(p->idle);
    free(p->thr_index);
    free(p->thr_value);
    p->idle = NULL;
    p->nidle = p->cap = 0;
    p->thr_index = NULL;
    p->thr_value = NULL;
    p->nthr = 0;
    pthread_mutex_destroy(&p->lock);
}
