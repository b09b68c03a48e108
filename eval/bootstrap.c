/*
 * bootstrap.c - seeded resampling and percentiles (see bootstrap.h).
 */
#include "bootstrap.h"

#include <math.h>
#include <stdlib.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void clf_rng_seed(clf_rng *r, uint64_t seed)
{
    /* splitmix64 never yields an all-zero xoshiro state from any seed. */
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t clf_rng_next(clf_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t clf_rng_below(clf_rng *r, uint64_t n)
{
    /* Rejection keeps every residue equally likely: reject the top
     * partial block of 2^64 mod n values. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = clf_rng_next(r);
    while (x >= limit);
    return x % n;
}

void clf_bootstrap_counts(clf_rng *r, size_t n, double *w)
{
    for (size_t i = 0; i < n; i++)
        w[i] = 0;
    for (size_t i = 0; i < n; i++)
        w[clf_rng_below(r, n)] += 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double clf_quantile(double *v, size_t n, double q)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) /* compact the defined values to the front */
        if (!isnan(v[i])) {
            double t = v[m];
            v[m++] = v[i];
            v[i] = t;
        }
    if (m == 0)
        return NAN;
    qsort(v, m, sizeof *v, cmp_double);
    double pos = q * (double)(m - 1);
    size_t lo = (size_t)floor(pos);
    if (lo >= m - 1)
        return v[m - 1];
    double frac = pos - (double)lo;
    return v[lo] + (v[lo + 1] - v[lo]) * frac;
}

clf_interval clf_percentile_interval(double *v, size_t n, double level)
{
    clf_interval ci;
    double tail = (1 - level) / 2;
    ci.n_valid = 0;
    for (size_t i = 0; i < n; i++)
        ci.n_valid += !isnan(v[i]);
    ci.lo = clf_quantile(v, n, tail);
    ci.hi = clf_quantile(v, n, 1 - tail);
    return ci;
}
