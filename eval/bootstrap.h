/*
 * bootstrap.h - resampling for confidence intervals: a small seeded PRNG,
 * multinomial resampling counts and percentiles.
 *
 * A resample of n items draws n indices uniformly with replacement; it is
 * represented by counts w[i] (how often item i was drawn), which the
 * weighted metrics of metrics.h accept directly, so one resample costs one
 * pass over the items and no copies. The generator is xoshiro256** seeded
 * through splitmix64: the same seed gives the same intervals on every
 * platform.
 */
#ifndef CLF_EVAL_BOOTSTRAP_H
#define CLF_EVAL_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct clf_rng {
    uint64_t s[4];
} clf_rng;

/* clf_rng_seed - initialize the generator from a 64-bit seed. */
void clf_rng_seed(clf_rng *r, uint64_t seed);

/* clf_rng_next - the next 64 random bits. */
uint64_t clf_rng_next(clf_rng *r);

/* clf_rng_below - a uniform integer in [0, n) without modulo bias; n >= 1. */
uint64_t clf_rng_below(clf_rng *r, uint64_t n);

/* clf_bootstrap_counts - w[0..n-1] = how often each of n items is drawn in
 * n draws with replacement. */
void clf_bootstrap_counts(clf_rng *r, size_t n, double *w);

/*
 * clf_quantile - the q-quantile (0 <= q <= 1) of the non-NaN values of
 * v[0..n-1] by linear interpolation between order statistics (numpy's
 * default "linear" method): position q * (m - 1) among the m sorted values.
 * Reorders v (NaNs moved to the end, the rest sorted). NaN when m == 0.
 */
double clf_quantile(double *v, size_t n, double q);

/* A percentile interval and how many resamples it rests on. */
typedef struct clf_interval {
    double lo, hi;
    size_t n_valid; /* resamples where the statistic was defined */
} clf_interval;

/*
 * clf_percentile_interval - the central (level * 100)% percentile interval
 * of the defined values v[0..n-1] (e.g. level 0.95 gives the 2.5th and
 * 97.5th percentiles). Reorders v. lo = hi = NaN when none is defined.
 */
clf_interval clf_percentile_interval(double *v, size_t n, double level);

#endif /* CLF_EVAL_BOOTSTRAP_H */
