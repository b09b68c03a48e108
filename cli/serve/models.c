/*
 * models.c - the served model. Each load is one immutable generation with
 * a reference count; requests never see a half-loaded model because a new
 * file is loaded and validated completely before it is published, and a
 * generation is freed only when the last worker scorer built on it is gone
 * (an RCU-like scheme: readers take a reference under a short lock).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

static srv_model *load(const char *path, unsigned long gen, char *err, size_t errlen)
{
    clf_model *m;
    int rc = clf_model_load(&m, path);
    if (rc != CLF_OK) {
        snprintf(err, errlen, "%s", clf_last_error()[0] ? clf_last_error() : clf_strerror(rc));
        return NULL;
    }
    srv_model *sm = calloc(1, sizeof *sm);
    if (!sm) {
        clf_model_free(m);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sm->m = m;
    sm->generation = gen;
    atomic_init(&sm->refs, 1);
    sm->ncat = clf_model_num_categories(m);
    snprintf(sm->id, sizeof sm->id, "%s", clf_model_id(m));
    snprintf(sm->checksum, sizeof sm->checksum, "%016" PRIx64, clf_model_checksum(m));
    sm->loaded_at = time(NULL);
    return sm;
}

int srv_models_init(srv_state *st, char *err, size_t errlen)
{
    pthread_mutex_init(&st->model_lock, NULL);
    st->current = load(st->cfg.model_path, 1, err, errlen);
    if (!st->current)
        return -1;
    atomic_store(&st->generation, 1);
    return 0;
}

int srv_models_reload(srv_state *st, char *err, size_t errlen)
{
    srv_model *nm = load(st->cfg.model_path, atomic_load(&st->generation) + 1, err, errlen);
    pthread_mutex_lock(&st->model_lock);
    if (!nm) {
        snprintf(st->reload_error, sizeof st->reload_error, "%s", err);
        pthread_mutex_unlock(&st->model_lock);
        atomic_fetch_add(&st->n.reloads_failed, 1);
        return -1; /* the old model keeps serving */
    }
    srv_model *old = st->current;
    st->current = nm;
    atomic_store(&st->generation, nm->generation);
    st->reload_error[0] = '\0';
    pthread_mutex_unlock(&st->model_lock);
    srv_model_release(old);
    atomic_fetch_add(&st->n.reloads_ok, 1);
    return 0;
}

srv_model *srv_model_acquire(srv_state *st)
{
    pthread_mutex_lock(&st->model_lock);
    srv_model *m = st->current;
    atomic_fetch_add(&m->refs, 1);
    pthread_mutex_unlock(&st->model_lock);
    return m;
}

void srv_model_release(srv_model *m)
{
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) {
        clf_model_free(m->m);
        free(m);
    }
}

void srv_models_shutdown(srv_state *st)
{
    srv_model_release(st->current);
    st->current = NULL;
    pthread_mutex_destroy(&st->model_lock);
}

json_t *srv_model_json(const srv_model *m)
{
    return json_pack("{s:s, s:s, s:s}", "id", m->id, "name", clf_model_name(m->m), "checksum",
                     m->checksum);
}
