/*
 * pool.h - run n independent jobs on a few threads. Jobs are handed out in
 * index order and each writes only its own results, so the outcome does not
 * depend on the number of threads or on scheduling.
 */
#ifndef CLF_POOL_H
#define CLF_POOL_H

#include <stddef.h>

/*
 * A job: do job number `job` on worker `worker` (0..threads-1, so that a
 * worker can own scratch state such as a featurizer). Returns CLF_OK or a
 * negative error after setting the error message.
 */
typedef int (*clf_pool_job)(void *ctx, size_t job, unsigned int worker);

/*
 * clf_pool_run - run jobs 0..n_jobs-1 on `threads` threads (1 = on the
 * calling thread). After a failure no further job starts; the error of the
 * failed job with the lowest index is returned, with its message re-raised
 * on the calling thread. Errors: those of the jobs, CLF_E_INTERNAL when a
 * thread cannot be started.
 */
int clf_pool_run(unsigned int threads, size_t n_jobs, clf_pool_job fn, void *ctx);

/* clf_pool_default_threads - the number of online CPUs (at least 1). */
unsigned int clf_pool_default_threads(void);

#endif /* CLF_POOL_H */
