/*
 * pool.c - a minimal pthread job pool for training (featurization and the
 * liblinear fits of cross-validation).
 */
#include "pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

typedef struct pool {
    pthread_mutex_t lock;
    size_t next, n_jobs;
    int stop;
    clf_pool_job fn;
    void *ctx;
    /* first failure by job index */
    size_t err_job;
    int err_code;
    char err_msg[1024];
} pool;

typedef struct worker_arg {
    pool *p;
    unsigned int id;
} worker_arg;

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    pool *p = wa->p;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        if (p->stop || p->next >= p->n_jobs) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        size_t job = p->next++;
        pthread_mutex_unlock(&p->lock);

        int rc = p->fn(p->ctx, job, wa->id);
        if (rc != CLF_OK) {
            pthread_mutex_lock(&p->lock);
            p->stop = 1;
            if (!p->err_code || job < p->err_job) {
                p->err_job = job;
                p->err_code = rc;
                /* the message lives in this thread's error slot */
                snprintf(p->err_msg, sizeof p->err_msg, "%s", clf_last_error());
            }
            pthread_mutex_unlock(&p->lock);
        }
    }
    return NULL;
}

int clf_pool_run(unsigned int threads, size_t n_jobs, clf_pool_job fn, void *ctx)
{
    if (!fn)
        return clf__error(CLF_E_INVALID_ARG, "clf_pool_run: NULL job");
    if (threads == 0)
        threads = 1;
    if (threads > n_jobs)
        threads = n_jobs ? (unsigned int)n_jobs : 1;
    if (threads == 1) {
        for (size_t j = 0; j < n_jobs; j++) {
            int rc = fn(ctx, j, 0);
            if (rc != CLF_OK)
                return rc;
        }
        return CLF_OK;
    }
    pool p;
    memset(&p, 0, sizeof p);
    p.n_jobs = n_jobs;
    p.fn = fn;
    p.ctx = ctx;
    if (pthread_mutex_init(&p.lock, NULL) != 0)
        return clf__error(CLF_E_INTERNAL, "cannot create a mutex");
    pthread_t *tid = calloc(threads, sizeof *tid);
    worker_arg *args = calloc(threads, sizeof *args);
    if (!tid || !args) {
        free(tid);
        free(args);
        pthread_mutex_destroy(&p.lock);
        return clf__error(CLF_E_NOMEM, "out of memory");
    }
    unsigned int started = 0;
    int start_failed = 0;
    for (unsigned int t = 0; t < threads; t++) {
        args[t].p = &p;
        args[t].id = t;
        if (pthread_create(&tid[t], NULL, worker_main, &args[t]) != 0) {
            start_failed = 1;
            break;
        }
        started++;
    }
    if (start_failed && started == 0) {
        /* no thread at all: do the work here rather than fail */
        args[0].p = &p;
        args[0].id = 0;
        worker_main(&args[0]);
    }
    for (unsigned int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    free(tid);
    free(args);
    pthread_mutex_destroy(&p.lock);
    if (p.err_code)
        return clf__error(p.err_code, "%s", p.err_msg);
    return CLF_OK;
}

unsigned int clf_pool_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    if (n > 64)
        n = 64;
    return (unsigned int)n;
}
