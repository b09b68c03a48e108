/*
 * gate.h - genre gates of a category (recipe training.gates): fitting each
 * gate's logistic regression (out-of-fold on the trainer's folds, then on
 * everything), and choosing the gates' weights a and thresholds tau on
 * out-of-fold margins only. docs/training.md, "Gates", has the method.
 */
#ifndef CLF_GATE_H
#define CLF_GATE_H

#include <stddef.h>

#include "dataset.h"
#include "recipe.h"

/*
 * clf_gate_fit - fit gate g of recipe r: positives are the training rows
 * of the gate's corpora, negatives those of the corpora that annotate its
 * category (among the n documents doc[], the category's training
 * examples). oof[i] receives doc[i]'s gate margin v.x + c from the fit
 * without doc[i]'s fold (a document outside the gate's training set gets
 * the margin of its fold's fit too), w the final fit on all of the gate's
 * rows (d->n_rows + 1 weights, the bias last). Jobs run on `threads`.
 * Errors: CLF_E_TRAIN (a gate or one of its folds without both classes),
 * CLF_E_NOMEM, liblinear's.
 */
int clf_gate_fit(const clf_dataset *d, const clf_recipe *r, size_t g, const size_t *doc,
                 size_t n, unsigned int threads, double *oof, double *w);

/* What the tuning looks at, for the n documents of a category. */
typedef struct clf_gate_problem {
    size_t n;
    const double *margin;       /* the category's out-of-fold margins */
    const unsigned char *y;     /* 0/1 */
    const unsigned char *sel;   /* 1 = counts in the in-domain figure */
    const size_t *cap_group;    /* index of the capped corpus a document belongs to, or
                                   SIZE_MAX */
    size_t n_caps;
    const double *cap;          /* per capped corpus: its max_flag_rate */
    size_t n_gates;
    const double *const *gz;    /* per gate: n out-of-fold gate margins */
} clf_gate_problem;

/*
 * clf_gate_objective - the in-domain out-of-fold AP that the flag-rate
 * caps allow: documents are ranked by s = margin - sum_g a_g * max(0,
 * sigmoid(gz_g) - tau_g); the caps give the lowest admissible threshold
 * (at most floor(cap * n_c) of each capped corpus's n_c documents at or
 * above it), and the step-wise average precision of the in-domain ranking
 * counts only the positives strictly above that threshold (the others
 * cannot be flagged). Without binding caps it is the in-domain AP.
 * s (n doubles) receives the scores; scratch is 2n doubles + n indices.
 * Returns NaN without in-domain positives or on out of memory.
 */
double clf_gate_objective(const clf_gate_problem *p, const double *a, const double *tau,
                          double *s);

/*
 * clf_gate_in_domain_ap - the step-wise average precision of the in-domain
 * documents (sel) ranked by the scores s (n doubles), no caps. NaN without
 * in-domain positives or on out of memory.
 */
double clf_gate_in_domain_ap(const clf_gate_problem *p, const double *s);

/*
 * clf_gate_tune - choose a[g] in the recipe's gate_weights and tau[g] in
 * gate_taus that maximize clf_gate_objective, by coordinate ascent from
 * a = 0 (no gate): gate after gate, every (a, tau) of the grid is tried
 * with the others fixed, until a full round changes nothing (at most 8
 * rounds). Only strict improvements are taken, so ties keep the weaker
 * gate. With the recipe's gate_max_ap_loss L >= 0, only settings whose
 * gated in-domain AP (clf_gate_in_domain_ap, no caps) is at least the
 * ungated one minus L are taken (the other start, every gate at its
 * strongest, counts as nothing until a step makes it admissible). *before and *after receive the objective without gates and with
 * the choice; s receives the gated scores.
 * Errors: CLF_E_NOMEM.
 */
int clf_gate_tune(const clf_gate_problem *p, const clf_recipe *r, double *a, double *tau,
                  double *s, double *before, double *after);

#endif /* CLF_GATE_H */
