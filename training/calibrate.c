/*
 * calibrate.c - Platt's sigmoid fitted by Newton's method with a
 * backtracking line search (Lin, Lin and Weng 2007, Algorithm 1), then
 * constrained to A <= 0 (never a probability that falls with the margin).
 */
#include "calibrate.h"

#include <math.h>
#include <stdlib.h>

#include "internal.h"

/* log(1 + exp(-|z|)) based evaluation of the cross-entropy term, stable
 * for both signs of A*f+B. */
static double objective(const double *f, const double *t, size_t n, double a, double b)
{
    double v = 0.0;
    for (size_t i = 0; i < n; i++) {
        double z = f[i] * a + b;
        if (z >= 0)
            v += t[i] * z + log1p(exp(-z));
        else
            v += (t[i] - 1.0) * z + log1p(exp(z));
    }
    return v;
}

int clf_platt_fit(const double *f, const unsigned char *y, size_t n, double *a, double *b,
                  double *a_free)
{
    size_t npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += y[i] != 0;
    size_t nneg = n - npos;
    if (npos == 0 || nneg == 0)
        return clf__error(CLF_E_TRAIN, "calibration needs both classes (%zu positive, %zu "
                                       "negative)", npos, nneg);
    /* Platt's targets: (N+ + 1)/(N+ + 2) and 1/(N- + 2), not 1 and 0, so
     * that a separable training set does not drive |A| to infinity. */
    double hi = ((double)npos + 1.0) / ((double)npos + 2.0);
    double lo = 1.0 / ((double)nneg + 2.0);
    double *t = malloc(n * sizeof *t);
    if (!t)
        return clf__error(CLF_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        t[i] = y[i] ? hi : lo;

    const int max_iter = 100;
    const double min_step = 1e-10, sigma = 1e-12, eps = 1e-5;
    double A = 0.0, B = log(((double)nneg + 1.0) / ((double)npos + 1.0));
    double fval = objective(f, t, n, A, B);
    for (int it = 0; it < max_iter; it++) {
        double h11 = sigma, h22 = sigma, h21 = 0.0, g1 = 0.0, g2 = 0.0;
        for (size_t i = 0; i < n; i++) {
            double z = f[i] * A + B, p, q;
            if (z >= 0) {
                p = exp(-z) / (1.0 + exp(-z));
                q = 1.0 / (1.0 + exp(-z));
            } else {
                p = 1.0 / (1.0 + exp(z));
                q = exp(z) / (1.0 + exp(z));
            }
            double d2 = p * q;
            h11 += f[i] * f[i] * d2;
            h22 += d2;
            h21 += f[i] * d2;
            double d1 = t[i] - p;
            g1 += f[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < eps && fabs(g2) < eps)
            break;
        double det = h11 * h22 - h21 * h21;
        double dA = -(h22 * g1 - h21 * g2) / det;
        double dB = -(-h21 * g1 + h11 * g2) / det;
        double gd = g1 * dA + g2 * dB;
        double step = 1.0;
        while (step >= min_step) {
            double nA = A + step * dA, nB = B + step * dB;
            double nf = objective(f, t, n, nA, nB);
            if (nf < fval + 0.0001 * step * gd) {
                A = nA;
                B = nB;
                fval = nf;
                break;
            }
            step /= 2.0;
        }
        if (step < min_step)
            break; /* line search failed: keep the best point found */
    }
    if (a_free)
        *a_free = A;
    if (A > 0.0) {
        /* Inverted: the objective is convex and its minimum has A > 0, so
         * over A <= 0 the minimum is on A = 0, where the gradient in B,
         * sum(t_i - p), vanishes at p = mean(t): B = log((1 - tbar) / tbar). */
        double tsum = 0.0;
        for (size_t i = 0; i < n; i++)
            tsum += t[i];
        double tbar = tsum / (double)n;
        A = 0.0;
        B = log((1.0 - tbar) / tbar);
    }
    free(t);
    *a = A;
    *b = B;
    return CLF_OK;
}

double clf_platt_prob(double a, double b, double margin)
{
    double z = a * margin + b;
    /* the same expression as the scorer, so that training and scoring agree */
    return 1.0 / (1.0 + exp(z));
}
