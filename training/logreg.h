/*
 * logreg.h - one binary L2-regularized logistic regression fitted with
 * liblinear (solver L2R_LR: trust-region Newton on the primal problem, which
 * uses no random numbers). The only training file that calls liblinear.
 */
#ifndef CLF_LOGREG_H
#define CLF_LOGREG_H

#include <stddef.h>

struct feature_node;

typedef struct clf_logreg_params {
    double C;
    double eps;            /* stopping tolerance (liblinear's -e) */
    double weight_pos;     /* class weights multiplying C */
    double weight_neg;
} clf_logreg_params;

/*
 * clf_logreg_silence - make liblinear print nothing, process-wide. Called
 * once (thread-safe, idempotent) before any fit: liblinear's print function
 * is a global that must not change while fits run on other threads.
 */
void clf_logreg_silence(void);

/*
 * clf_logreg_fit - fit on n examples x[i] (liblinear vectors whose last
 * node before the terminator is the bias node, index n_features) with
 * labels y[i] in {0,1}. n_features counts the bias. init, if not NULL,
 * holds n_features starting weights (warm start). On success w receives
 * n_features weights oriented so that w.x > 0 means positive; w[n_features-1]
 * is the bias weight.
 * Errors: CLF_E_TRAIN (one class only, or liblinear rejected the
 * parameters), CLF_E_NOMEM.
 * Thread safety: concurrent fits on different data are safe.
 */
int clf_logreg_fit(struct feature_node *const *x, const unsigned char *y, size_t n,
                   int n_features, const clf_logreg_params *prm, const double *init, double *w);

/*
 * clf_linear_fit - clf_logreg_fit with the loss chosen by solver: 0 =
 * logistic (liblinear L2R_LR, what clf_logreg_fit fits), 1 = squared hinge
 * (liblinear L2R_L2LOSS_SVC, primal trust-region Newton: deterministic, and
 * warm-startable like L2R_LR). Any other value is CLF_E_INVALID.
 */
int clf_linear_fit(struct feature_node *const *x, const unsigned char *y, size_t n,
                   int n_features, const clf_logreg_params *prm, int solver, const double *init,
                   double *w);

/* clf_linear_solver_name - "liblinear L2R_LR ..." / "liblinear L2R_L2LOSS_SVC ..." */
const char *clf_linear_solver_name(int solver);

/*
 * clf_logreg_class_weights - set prm's class weights for n examples, npos
 * of them positive (0 < npos < n): with balanced, n / (2 * n_class) for
 * each class, as scikit-learn's class_weight="balanced"; without, 1 for both.
 */
void clf_logreg_class_weights(clf_logreg_params *prm, int balanced, size_t n, size_t npos);

/* clf_logreg_margin - w.x over a liblinear vector (bias node included). */
double clf_logreg_margin(const double *w, const struct feature_node *x);

#endif /* CLF_LOGREG_H */
