/*
 * logreg.c - the liblinear 2.3 call: problem and parameter set-up, class
 * weights, orientation of the weight vector.
 */
#include "logreg.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "liblinear_dl.h"

static void print_nothing(const char *s)
{
    (void)s;
}

static void silence_once(void)
{
    const clf_liblinear_api *ll = clf_liblinear();
    if (ll) /* else the first fit reports it */
        ll->set_print_string_function(print_nothing);
}

void clf_logreg_silence(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, silence_once);
}

int clf_logreg_fit(struct feature_node *const *x, const unsigned char *y, size_t n,
                   int n_features, const clf_logreg_params *prm, const double *init, double *w)
{
    return clf_linear_fit(x, y, n, n_features, prm, 0, init, w);
}

const char *clf_linear_solver_name(int solver)
{
    return solver == 1 ? "liblinear L2R_L2LOSS_SVC (squared hinge, primal, trust-region Newton)"
                       : "liblinear L2R_LR (primal, trust-region Newton)";
}

int clf_linear_fit(struct feature_node *const *x, const unsigned char *y, size_t n,
                   int n_features, const clf_logreg_params *prm, int solver, const double *init,
                   double *w)
{
    if (solver != 0 && solver != 1)
        return clf__error(CLF_E_INVALID_ARG, "unknown solver %d", solver);
    if (n > INT_MAX || n_features < 1)
        return clf__error(CLF_E_TOO_LARGE, "too many training examples for liblinear");
    size_t npos = 0;
    for (size_t i = 0; i < n; i++)
        npos += y[i] != 0;
    if (npos == 0 || npos == n)
        return clf__error(CLF_E_TRAIN, "training data has only %s examples",
                          npos ? "positive" : "negative");
    const clf_liblinear_api *ll = clf_liblinear();
    if (!ll)
        return CLF_E_TRAIN;
    clf_logreg_silence();

    double *yy = malloc(n * sizeof *yy);
    if (!yy)
        return clf__error(CLF_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        yy[i] = y[i] ? 1.0 : -1.0;

    struct problem prob;
    memset(&prob, 0, sizeof prob);
    prob.l = (int)n;
    prob.n = n_features;      /* the bias node has index n_features */
    prob.y = yy;
    prob.x = (struct feature_node **)x; /* liblinear does not modify it */
    prob.bias = 1.0;

    int labels[2] = {1, -1};
    double weights[2] = {prm->weight_pos, prm->weight_neg};
    struct parameter param;
    memset(&param, 0, sizeof param);
    param.solver_type = solver == 1 ? L2R_L2LOSS_SVC : L2R_LR;
    param.eps = prm->eps;
    param.C = prm->C;
    param.nr_weight = 2;
    param.weight_label = labels;
    param.weight = weights;
    param.p = 0.1;
    param.init_sol = (double *)init; /* copied by train() */

    const char *bad = ll->check_parameter(&prob, &param);
    if (bad) {
        free(yy);
        return clf__error(CLF_E_TRAIN, "liblinear rejected the parameters: %s", bad);
    }
    struct model *m = ll->train(&prob, &param);
    free(yy);
    if (!m)
        return clf__error(CLF_E_NOMEM, "liblinear: training failed (out of memory?)");
    /* Two classes give one weight vector, for label[0]; liblinear puts +1
     * first for -1/+1 labels, but do not rely on it. */
    int nr_class = m->nr_class;
    if (nr_class != 2 || !m->label) {
        ll->free_and_destroy_model(&m);
        return clf__error(CLF_E_INTERNAL, "liblinear returned %d classes, expected 2", nr_class);
    }
    double sign = m->label[0] == 1 ? 1.0 : -1.0;
    for (int j = 0; j < n_features; j++)
        w[j] = sign * m->w[j];
    ll->free_and_destroy_model(&m);
    return CLF_OK;
}

void clf_logreg_class_weights(clf_logreg_params *prm, int balanced, size_t n, size_t npos)
{
    if (balanced) {
        prm->weight_pos = (double)n / (2.0 * (double)npos);
        prm->weight_neg = (double)n / (2.0 * (double)(n - npos));
    } else {
        prm->weight_pos = prm->weight_neg = 1.0;
    }
}

double clf_logreg_margin(const double *w, const struct feature_node *x)
{
    double s = 0.0;
    for (; x->index != -1; x++)
        s += w[x->index - 1] * x->value;
    return s;
}
