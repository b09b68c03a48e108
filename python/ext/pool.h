/*
 * pool.h - the scorers of one Model, shared by the Python threads using it.
 *
 * A clf_scorer must be used by one thread at a time, and Python threads
 * come and go, so a Model keeps idle scorers in a pool instead of one per
 * thread: a call takes one (creating it when none is idle), scores without
 * the GIL and gives it back. The pool never holds more scorers than the
 * most threads that ever scored at once.
 */
#ifndef CLFPY_POOL_H
#define CLFPY_POOL_H

#include <classify.h>
#include <pthread.h>

typedef struct clfpy_pool {
    pthread_mutex_t lock;
    const clf_model *model;
    size_t max_bytes;      /* applied to every new scorer (0: no limit) */
    size_t nthr;           /* threshold overrides applied to every new scorer */
    size_t *thr_index;
    double *thr_value;
    clf_scorer **idle;
    size_t nidle, cap;
} clfpy_pool;

/* Initialize an empty pool for model m; returns CLF_OK or CLF_E_NOMEM. */
int clfpy_pool_init(clfpy_pool *p, const clf_model *m, size_t max_bytes);

/* Add a threshold override for category i (before the first get). */
int clfpy_pool_set_threshold(clfpy_pool *p, size_t i, double t);

/*
 * clfpy_pool_get - take an idle scorer or create one. Callable without the
 * GIL from any thread. Returns CLF_OK or the error of clf_scorer_new()
 * (message in the calling thread's clf_last_error()).
 */
int clfpy_pool_get(clfpy_pool *p, clf_scorer **out);

/* clfpy_pool_put - give a scorer back (NULL is a no-op). */
void clfpy_pool_put(clfpy_pool *p, clf_scorer *s);

/* clfpy_pool_destroy - free the idle scorers; none may be taken. */
void clfpy_pool_destroy(clfpy_pool *p);

#endif /* CLFPY_POOL_H */
