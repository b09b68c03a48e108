/*
 * threshold.h - choosing a category's decision threshold on calibrated
 * probabilities: the best-F1 threshold, or the highest-recall threshold that
 * reaches a target precision.
 */
#ifndef CLF_THRESHOLD_H
#define CLF_THRESHOLD_H

#include <stddef.h>

#include "recipe.h"

typedef struct clf_threshold_choice {
    double threshold;  /* flag p >= threshold */
    double precision, recall, f1; /* on the data it was chosen on */
    int target_reached; /* precision rule: 0 when no threshold reached it (best F1 used) */
} clf_threshold_choice;

/*
 * clf_choose_threshold - choose a threshold for probabilities p with 0/1
 * labels y: the point of best F1, or with the precision rule the point of
 * highest recall whose precision reaches target (best F1 when none does).
 * Ties go to the higher threshold, and the threshold is placed halfway
 * between the lowest flagged probability and the next lower one, so that
 * it does not sit on a training example (metrics.h: the same rules as the
 * operating points eval reports).
 * Errors: CLF_E_NOMEM, CLF_E_TRAIN when y has no positive.
 */
int clf_choose_threshold(const double *p, const unsigned char *y, size_t n,
                         clf_threshold_rule rule, double target, clf_threshold_choice *out);

/*
 * clf_choose_threshold_above - the same, among thresholds above t_min only
 * (the lowest threshold that keeps every hard-negative corpus within its
 * flag-rate cap). When no probability exceeds t_min the threshold is just
 * above t_min, nothing is flagged and f1 is 0.
 */
int clf_choose_threshold_above(const double *p, const unsigned char *y, size_t n,
                               clf_threshold_rule rule, double t_min, double target,
                               clf_threshold_choice *out);

#endif /* CLF_THRESHOLD_H */
