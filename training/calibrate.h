/*
 * calibrate.h - Platt scaling: fit p = 1 / (1 + exp(A*margin + B)) to
 * out-of-fold margins, with Platt's smoothed targets and the Newton method
 * of Lin, Lin and Weng (2007), "A note on Platt's probabilistic outputs for
 * support vector machines" (the algorithm LIBSVM uses).
 */
#ifndef CLF_CALIBRATE_H
#define CLF_CALIBRATE_H

#include <stddef.h>

/*
 * clf_platt_fit - fit A and B on margins f with 0/1 labels y, constrained to
 * a non-decreasing sigmoid (A <= 0: the probability never falls as the
 * margin rises). The unconstrained optimum is found first; when its A is
 * positive (margins that anti-correlate with the labels) the constrained
 * optimum of the convex objective lies on A = 0, the flat sigmoid at the
 * (smoothed) base rate, which is returned. *a_free, when not NULL, receives
 * the unconstrained A, so that a caller can tell a ranking calibration
 * (*a < 0) from a degenerate one (*a_free >= 0: flat or inverted).
 * Returns CLF_OK, or CLF_E_TRAIN when a class is missing. Converges for any
 * finite input (the objective is convex); the iteration count is bounded.
 */
int clf_platt_fit(const double *f, const unsigned char *y, size_t n, double *a, double *b,
                  double *a_free);

/* clf_platt_prob - the calibrated probability of a margin (overflow-safe). */
double clf_platt_prob(double a, double b, double margin);

#endif /* CLF_CALIBRATE_H */
