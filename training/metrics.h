/*
 * metrics.h - the ranking and decision metrics training selects by:
 * average precision (model selection), and precision / recall / F1 at a
 * threshold (threshold choice and dev reports). Labels are 0/1 bytes.
 */
#ifndef CLF_METRICS_H
#define CLF_METRICS_H

#include <stddef.h>

typedef struct clf_confusion {
    size_t tp, fp, fn, tn;
} clf_confusion;

/*
 * clf_rank_desc - the indices 0..n-1 ordered by decreasing score, ties by
 * increasing index (deterministic). *order is malloc'ed; the caller frees.
 * Errors: CLF_E_NOMEM.
 */
int clf_rank_desc(const double *score, size_t n, size_t **order);

/*
 * clf_average_precision - AP as scikit-learn computes it: the sum over
 * distinct score thresholds, from high to low, of (R_i - R_{i-1}) * P_i.
 * Tied scores form one step. *ap is NaN when there is no positive.
 * Errors: CLF_E_NOMEM.
 */
int clf_average_precision(const double *score, const unsigned char *y, size_t n, double *ap);

/* clf_confusion_at - counts when flagging score >= threshold. */
void clf_confusion_at(const double *score, const unsigned char *y, size_t n, double threshold,
                      clf_confusion *c);

/* Precision, recall and F1 of a confusion; 0 when undefined (no flag, no positive). */
double clf_precision(const clf_confusion *c);
double clf_recall(const clf_confusion *c);
double clf_f1(const clf_confusion *c);

#endif /* CLF_METRICS_H */
