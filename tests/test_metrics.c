/*
 * test_metrics.c - eval/metrics and eval/bootstrap: hand-computed small
 * cases, and generated cases compared with scikit-learn (an independent
 * implementation) through tests/sklearn_metrics.py.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <jansson.h>

#include "../eval/bootstrap.h"
#include "../eval/eval_internal.h"
#include "../eval/evaluate.h"
#include "metrics.h"
#include "threshold.h"
#include "testutil.h"

#define EPS 1e-12
#define SKLEARN_TOL 1e-9
/* Debian's interpreter, which has python3-sklearn (not a pyenv on PATH);
 * $CLF_TEST_PYTHON overrides it. */
#define PYTHON "/usr/bin/python3"

#define ck_close(a, b) ck_assert_msg(fabs((a) - (b)) < EPS, "%s = %.17g, expected %.17g", #a, \
                                     (double)(a), (double)(b))

static double ap_of(const double *s, const unsigned char *y, const double *w, size_t n)
{
    clf_curve c = CLF_CURVE_INIT;
    ck_assert_int_eq(clf_curve_build(&c, s, y, w, n, NULL), 0);
    double v = clf_curve_average_precision(&c);
    clf_curve_free(&c);
    return v;
}

static double auc_of(const double *s, const unsigned char *y, const double *w, size_t n)
{
    clf_curve c = CLF_CURVE_INIT;
    ck_assert_int_eq(clf_curve_build(&c, s, y, w, n, NULL), 0);
    double v = clf_curve_roc_auc(&c);
    clf_curve_free(&c);
    return v;
}

START_TEST(test_confusion_by_hand)
{
    const double s[] = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    const unsigned char y[] = {1, 0, 1, 1, 0, 0};
    clf_eval_confusion c;
    clf_eval_confusion_at(&c, s, y, NULL, 6, 0.65);
    ck_close(c.tp, 2); ck_close(c.fp, 1); ck_close(c.fn, 1); ck_close(c.tn, 2);
    ck_close(clf_eval_precision(&c), 2.0 / 3);
    ck_close(clf_eval_recall(&c), 2.0 / 3);
    ck_close(clf_eval_f1(&c), 2.0 / 3);
    ck_close(clf_eval_flag_rate(&c), 0.5);
    /* The threshold is inclusive: score 0.7 >= 0.7 is flagged. */
    clf_eval_confusion_at(&c, s, y, NULL, 6, 0.7);
    ck_close(c.tp, 2);
    /* Nothing flagged: precision undefined, recall and F1 are 0. */
    clf_eval_confusion_at(&c, s, y, NULL, 6, 0.95);
    ck_assert(isnan(clf_eval_precision(&c)));
    ck_close(clf_eval_recall(&c), 0);
    ck_close(clf_eval_f1(&c), 0);
    ck_close(clf_eval_flag_rate(&c), 0);
}
END_TEST

START_TEST(test_no_positives)
{
    /* A corpus of negatives only (news): judged by flag rate. */
    const double s[] = {0.9, 0.2, 0.1, 0.05};
    const unsigned char y[] = {0, 0, 0, 0};
    clf_eval_confusion c;
    clf_eval_confusion_at(&c, s, y, NULL, 4, 0.5);
    ck_close(clf_eval_flag_rate(&c), 0.25);
    ck_close(clf_eval_precision(&c), 0);
    ck_assert(isnan(clf_eval_recall(&c)));
    ck_close(clf_eval_f1(&c), 0);
    clf_eval_confusion_at(&c, s, y, NULL, 4, 0.95);
    ck_assert(isnan(clf_eval_precision(&c)));
    ck_assert(isnan(clf_eval_f1(&c)));
    ck_assert(isnan(ap_of(s, y, NULL, 4)));
    ck_assert(isnan(auc_of(s, y, NULL, 4)));
    clf_operating_point op;
    clf_curve cv = CLF_CURVE_INIT;
    ck_assert_int_eq(clf_curve_build(&cv, s, y, NULL, 4, NULL), 0);
    ck_assert_int_eq(clf_curve_best_precision_at_recall(&cv, 0.8, &op), 0);
    ck_assert_int_eq(clf_curve_best_recall_at_precision(&cv, 0.8, &op), 0);
    clf_curve_free(&cv);
}
END_TEST

START_TEST(test_ranking_by_hand)
{
    const double s[] = {0.9, 0.8, 0.7, 0.6, 0.5, 0.4};
    const unsigned char y[] = {1, 0, 1, 1, 0, 0};
    /* AP = 1/3*1 + 1/3*2/3 + 1/3*3/4 */
    ck_close(ap_of(s, y, NULL, 6), 29.0 / 36);
    /* 7 of the 9 positive-negative pairs are ordered right. */
    ck_close(auc_of(s, y, NULL, 6), 7.0 / 9);

    clf_curve c = CLF_CURVE_INIT;
    clf_operating_point op;
    ck_assert_int_eq(clf_curve_build(&c, s, y, NULL, 6, NULL), 0);
    ck_assert_uint_eq(c.n, 6);
    ck_assert_int_eq(clf_curve_best_precision_at_recall(&c, 0.8, &op), 1);
    ck_close(op.precision, 0.75); ck_close(op.threshold, 0.6); ck_close(op.recall, 1);
    ck_assert_int_eq(clf_curve_best_recall_at_precision(&c, 0.9, &op), 1);
    ck_close(op.recall, 1.0 / 3); ck_close(op.threshold, 0.9);
    ck_assert_int_eq(clf_curve_best_recall_at_precision(&c, 0.7, &op), 1);
    ck_close(op.recall, 1); ck_close(op.threshold, 0.6); ck_close(op.flag_rate, 4.0 / 6);
    /* a chosen threshold is placed halfway to the next lower score */
    ck_close(op.placed, 0.55);
    double f1;
    ck_assert_int_eq(clf_curve_best_f1(&c, &op, &f1), 1);
    ck_close(f1, 6.0 / 7); ck_close(op.threshold, 0.6); ck_close(op.placed, 0.55);
    clf_curve_free(&c);
}
END_TEST

/*
 * Issue 8 finding 16: training chooses thresholds with the metrics eval
 * reports. On random scores clf_choose_threshold gives exactly the placed
 * threshold, precision and recall of eval's best-F1 and recall-at-precision
 * operating points.
 */
START_TEST(test_training_uses_eval_metrics)
{
    clf_rng r;
    clf_rng_seed(&r, 5);
    for (int round = 0; round < 50; round++) {
        size_t n = 5 + clf_rng_below(&r, 200);
        double s[205];
        unsigned char y[205];
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            /* coarse scores: many ties */
            s[i] = (double)clf_rng_below(&r, 20) / 20.0;
            y[i] = clf_rng_below(&r, 3) == 0 || (i == 0 && !any);
            any |= y[i];
        }
        clf_curve c = CLF_CURVE_INIT;
        ck_assert_int_eq(clf_curve_build(&c, s, y, NULL, n, NULL), 0);
        clf_operating_point op;
        double f1;
        ck_assert_int_eq(clf_curve_best_f1(&c, &op, &f1), 1);
        clf_threshold_choice ch;
        ck_assert_int_eq(clf_choose_threshold(s, y, n, CLF_THRESHOLD_BEST_F1, 0, &ch), CLF_OK);
        ck_assert_double_eq(ch.threshold, op.placed);
        ck_assert_double_eq(ch.f1, f1);
        ck_assert_double_eq(ch.precision, op.precision);
        /* the placed threshold flags exactly the items of the point */
        clf_eval_confusion cm;
        clf_eval_confusion_at(&cm, s, y, NULL, n, ch.threshold);
        ck_assert_double_eq(cm.tp, op.tp);
        ck_assert_double_eq(cm.fp, op.fp);
        if (clf_curve_best_recall_at_precision(&c, 0.6, &op)) {
            ck_assert_int_eq(clf_choose_threshold(s, y, n, CLF_THRESHOLD_PRECISION, 0.6, &ch), CLF_OK);
            ck_assert(ch.target_reached);
            ck_assert_double_eq(ch.threshold, op.placed);
            ck_assert_double_eq(ch.recall, op.recall);
        }
        clf_curve_free(&c);
    }
    /* Equal recall: the higher threshold wins (training used to take the
     * lowest threshold reaching the precision, flagging a needless negative). */
    const double s2[] = {0.9, 0.8, 0.7};
    const unsigned char y2[] = {1, 1, 0};
    clf_threshold_choice ch;
    ck_assert_int_eq(clf_choose_threshold(s2, y2, 3, CLF_THRESHOLD_PRECISION, 0.6, &ch), CLF_OK);
    ck_close(ch.threshold, 0.75);
    ck_close(ch.precision, 1.0);
}
END_TEST

START_TEST(test_ties)
{
    const double s1[] = {0.5, 0.5, 0.5, 0.5};
    const unsigned char y1[] = {1, 0, 1, 0};
    ck_close(ap_of(s1, y1, NULL, 4), 0.5);
    ck_close(auc_of(s1, y1, NULL, 4), 0.5);

    /* A tie across classes is one point, not an optimistic order. */
    const double s2[] = {0.8, 0.8, 0.2};
    const unsigned char y2[] = {1, 0, 1};
    ck_close(ap_of(s2, y2, NULL, 3), 7.0 / 12);
    ck_close(auc_of(s2, y2, NULL, 3), 0.25);
    const unsigned char y3[] = {0, 1, 1}; /* order within a tie must not matter */
    const double s3[] = {0.8, 0.8, 0.2};
    ck_close(ap_of(s3, y3, NULL, 3), 7.0 / 12);
}
END_TEST

START_TEST(test_all_positive)
{
    const double s[] = {0.3, 0.6, 0.1};
    const unsigned char y[] = {1, 1, 1};
    ck_close(ap_of(s, y, NULL, 3), 1);
    ck_assert(isnan(auc_of(s, y, NULL, 3)));
}
END_TEST

START_TEST(test_weights_equal_duplicates)
{
    const double s[] = {0.9, 0.7, 0.7, 0.3, 0.2};
    const unsigned char y[] = {1, 0, 1, 0, 1};
    const double w[] = {2, 0, 1, 3, 1};
    const double sd[] = {0.9, 0.9, 0.7, 0.3, 0.3, 0.3, 0.2};
    const unsigned char yd[] = {1, 1, 1, 0, 0, 0, 1};
    ck_close(ap_of(s, y, w, 5), ap_of(sd, yd, NULL, 7));
    ck_close(auc_of(s, y, w, 5), auc_of(sd, yd, NULL, 7));
    ck_close(clf_brier(s, y, w, 5), clf_brier(sd, yd, NULL, 7));
    clf_eval_confusion a, b;
    clf_eval_confusion_at(&a, s, y, w, 5, 0.5);
    clf_eval_confusion_at(&b, sd, yd, NULL, 7, 0.5);
    ck_assert(memcmp(&a, &b, sizeof a) == 0);
}
END_TEST

START_TEST(test_calibration_by_hand)
{
    const double s[] = {0.25, 0.25, 0.75, 0.75};
    const unsigned char y[] = {0, 1, 1, 1};
    clf_calib_bin bins[10];
    clf_reliability(bins, 10, s, y, NULL, 4);
    ck_close(bins[2].weight, 2); ck_close(bins[2].mean_score, 0.25); ck_close(bins[2].frac_pos, 0.5);
    ck_close(bins[7].weight, 2); ck_close(bins[7].frac_pos, 1);
    ck_assert(isnan(bins[0].mean_score));
    ck_close(bins[9].hi, 1);
    ck_close(clf_expected_calibration_error(bins, 10), 0.25);
    /* 0 and 1 land in the end bins; an edge value belongs to the lower bin. */
    const double e[] = {0.0, 1.0, 0.5};
    const unsigned char ey[] = {0, 1, 1};
    clf_reliability(bins, 10, e, ey, NULL, 3);
    ck_close(bins[0].weight, 1); ck_close(bins[9].weight, 1); ck_close(bins[4].weight, 1);
    const double b[] = {0.1, 0.9};
    const unsigned char by[] = {0, 1};
    ck_close(clf_brier(b, by, NULL, 2), 0.01);
    ck_assert(isnan(clf_brier(b, by, NULL, 0)));
}
END_TEST

START_TEST(test_nan_score_rejected)
{
    const double s[] = {0.5, NAN};
    const unsigned char y[] = {1, 0};
    clf_curve c = CLF_CURVE_INIT;
    ck_assert_int_eq(clf_curve_build(&c, s, y, NULL, 2, NULL), -1);
    clf_curve_free(&c);
    size_t *o = NULL;
    ck_assert_int_eq(clf_eval_order(&o, s, 2), -1);
    ck_assert_ptr_null(o);
}
END_TEST

START_TEST(test_quantile)
{
    double v[] = {4, NAN, 2, 1, 3};
    ck_close(clf_quantile(v, 5, 0.5), 2.5);
    double v2[] = {4, 2, 1, 3};
    ck_close(clf_quantile(v2, 4, 0.025), 1.075);
    ck_close(clf_quantile(v2, 4, 1), 4);
    ck_close(clf_quantile(v2, 4, 0), 1);
    double v3[] = {NAN, NAN};
    ck_assert(isnan(clf_quantile(v3, 2, 0.5)));
    double v4[] = {3, 1, 2, NAN};
    clf_interval ci = clf_percentile_interval(v4, 4, 0.5);
    ck_close(ci.lo, 1.5); ck_close(ci.hi, 2.5);
    ck_assert_uint_eq(ci.n_valid, 3);
}
END_TEST

START_TEST(test_rng_and_counts)
{
    clf_rng a, b;
    clf_rng_seed(&a, 42);
    clf_rng_seed(&b, 42);
    for (int i = 0; i < 100; i++)
        ck_assert(clf_rng_next(&a) == clf_rng_next(&b));
    double w[50];
    size_t hist[7] = {0};
    for (int rep = 0; rep < 200; rep++) {
        clf_bootstrap_counts(&a, 50, w);
        double sum = 0;
        for (int i = 0; i < 50; i++) {
            sum += w[i];
            hist[w[i] < 6 ? (size_t)w[i] : 6]++;
        }
        ck_close(sum, 50);
    }
    /* Poisson(1)-like: about 36.6% of items are never drawn. */
    double zero = (double)hist[0] / (200 * 50);
    ck_assert_msg(zero > 0.33 && zero < 0.40, "share never drawn %g", zero);
    for (int i = 0; i < 1000; i++)
        ck_assert(clf_rng_below(&a, 3) < 3);
}
END_TEST

/* ---- comparison with scikit-learn ------------------------------------ */

#define MAX_CASES 64
#define MAX_N 400

typedef struct gen_case {
    size_t n;
    int weighted;
    double thr;
    double s[MAX_N], w[MAX_N];
    unsigned char y[MAX_N];
} gen_case;

static double uniform(clf_rng *r)
{
    return (double)(clf_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Cases of every shape that matters: continuous scores, heavy ties on a
 * grid that hits the calibration edges, one item, one class only, integer
 * weights (zeros included), imbalanced labels, thresholds on a score. */
static size_t generate(gen_case *cases)
{
    clf_rng r;
    clf_rng_seed(&r, 20240501);
    size_t m = 0;
    for (; m < 48; m++) {
        gen_case *c = &cases[m];
        int kind = (int)(m % 8);
        c->n = m < 8 ? 1 + m : 5 + clf_rng_below(&r, MAX_N - 5);
        c->weighted = kind == 3 || kind == 7;
        double base = kind == 5 ? 0.1 : 0.4; /* imbalanced */
        int any_w = 0;
        for (size_t i = 0; i < c->n; i++) {
            int y = uniform(&r) < base;
            double u = uniform(&r);
            /* Scores that lean towards the label, so metrics are not trivial. */
            double s = 0.6 * u + (y ? 0.4 * uniform(&r) : 0.0);
            if (kind == 1 || kind == 3)
                s = (double)(long)(s * 10 + 0.5) / 10; /* grid of 11 values: ties */
            if (kind == 6)
                s = uniform(&r) < 0.5 ? 0.25 : 0.75;   /* two values only */
            c->s[i] = s > 1 ? 1 : s;
            c->y[i] = (unsigned char)y;
            c->w[i] = c->weighted ? (double)clf_rng_below(&r, 4) : 1;
            any_w |= c->w[i] > 0;
        }
        if (!any_w)
            c->w[0] = 1;
        if (kind == 2) /* all negative */
            memset(c->y, 0, c->n);
        if (kind == 4) /* all positive */
            memset(c->y, 1, c->n);
        switch (m % 3) {
        case 0: c->thr = 0.5; break;
        case 1: c->thr = c->s[clf_rng_below(&r, c->n)]; break; /* on a score */
        default: c->thr = uniform(&r); break;
        }
    }
    return m;
}

static int write_cases(const char *path, const gen_case *cases, size_t m)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    for (size_t k = 0; k < m; k++) {
        const gen_case *c = &cases[k];
        fprintf(f, "case %zu %zu %d %.17g\n", k, c->n, c->weighted, c->thr);
        for (size_t i = 0; i < c->n; i++)
            fprintf(f, "%.17g %d %.17g\n", c->s[i], c->y[i], c->w[i]);
    }
    return fclose(f);
}

/* Our value for one key of one case; *known = 0 for an unknown key. */
static double our_value(const gen_case *c, const char *key, int *known)
{
    const double *w = c->weighted ? c->w : NULL;
    clf_eval_confusion cm;
    clf_eval_confusion_at(&cm, c->s, c->y, w, c->n, c->thr);
    *known = 1;
    if (!strcmp(key, "precision")) return clf_eval_precision(&cm);
    if (!strcmp(key, "recall")) return clf_eval_recall(&cm);
    if (!strcmp(key, "f1")) return clf_eval_f1(&cm);
    if (!strcmp(key, "ap")) return ap_of(c->s, c->y, w, c->n);
    if (!strcmp(key, "auc")) return auc_of(c->s, c->y, w, c->n);
    if (!strcmp(key, "brier")) return clf_brier(c->s, c->y, w, c->n);
    double lv;
    char what[8], suffix[8] = "";
    if (sscanf(key, "%1[pr]_at_%*1[rp]%lf%7s", what, &lv, suffix) >= 2) {
        clf_curve cv = CLF_CURVE_INIT;
        clf_operating_point op;
        ck_assert_int_eq(clf_curve_build(&cv, c->s, c->y, w, c->n, NULL), 0);
        int found = what[0] == 'p' ? clf_curve_best_precision_at_recall(&cv, lv, &op)
                                   : clf_curve_best_recall_at_precision(&cv, lv, &op);
        clf_curve_free(&cv);
        if (!found)
            return NAN;
        if (!strcmp(suffix, "_thr"))
            return op.threshold;
        return what[0] == 'p' ? op.precision : op.recall;
    }
    if (!strcmp(key, "f1best") || !strcmp(key, "f1best_thr")) {
        clf_curve cv = CLF_CURVE_INIT;
        clf_operating_point op;
        double f1 = NAN;
        ck_assert_int_eq(clf_curve_build(&cv, c->s, c->y, w, c->n, NULL), 0);
        int found = clf_curve_best_f1(&cv, &op, &f1);
        clf_curve_free(&cv);
        if (!found)
            return NAN;
        return key[6] ? op.threshold : f1;
    }
    clf_calib_bin bins[10];
    clf_reliability(bins, 10, c->s, c->y, w, c->n);
    if (!strcmp(key, "ece")) return clf_expected_calibration_error(bins, 10);
    int k;
    char field[8];
    if (sscanf(key, "bin%d_%7s", &k, field) == 2) {
        /* sklearn lists non-empty bins only: find the k-th non-empty one. */
        for (size_t b = 0; b < 10; b++) {
            if (bins[b].weight > 0 && k-- == 0)
                return !strcmp(field, "true") ? bins[b].frac_pos : bins[b].mean_score;
        }
        return NAN;
    }
    *known = 0;
    return NAN;
}

static int ci_is_set(void)
{
    const char *ci = getenv("CI");
    return ci && *ci && strcmp(ci, "false") != 0;
}

START_TEST(test_against_sklearn)
{
    static gen_case cases[MAX_CASES];
    size_t m = generate(cases);
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/sklearn_cases.txt", clf_test_tmpdir());
    ck_assert_int_eq(write_cases(path, cases, m), 0);
    const char *python = getenv("CLF_TEST_PYTHON");
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", python && *python ? python : PYTHON,
             clf_test_source_path("tests/sklearn_metrics.py"), path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char line[256];
    size_t compared = 0, nan_agreed = 0, failures = 0;
    while (fgets(line, sizeof line, p)) {
        size_t id;
        char key[64], val[64];
        if (sscanf(line, "%zu %63s %63s", &id, key, val) != 3 || id >= m) {
            failures++;
            fprintf(stderr, "bad line from sklearn_metrics.py: %s", line);
            continue;
        }
        int known;
        double ours = our_value(&cases[id], key, &known);
        double theirs = strcmp(val, "nan") ? strtod(val, NULL) : NAN;
        int ok = known && ((isnan(ours) && isnan(theirs)) || fabs(ours - theirs) <= SKLEARN_TOL);
        if (!ok) {
            failures++;
            fprintf(stderr, "case %zu %s: ours %.17g, sklearn %.17g\n", id, key, ours, theirs);
        }
        compared++;
        nan_agreed += isnan(theirs) && ok;
    }
    int status = pclose(p);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 3 || code == 127) {
        /* No sklearn (3) or no /usr/bin/python3 (127). */
        ck_assert_msg(!ci_is_set(), "python3-sklearn is required on CI (apt-get install python3-sklearn)");
        fprintf(stderr, "NOTE: python3-sklearn missing; sklearn comparison not run\n");
        return;
    }
    ck_assert_msg(code == 0, "sklearn_metrics.py failed with status %d", code);
    ck_assert_msg(failures == 0, "%zu of %zu values differ from scikit-learn", failures, compared);
    /* Every case gave its values, and the undefined cases were exercised. */
    ck_assert_msg(compared > m * 8, "only %zu values compared", compared);
    ck_assert_msg(nan_agreed > 10, "only %zu undefined values compared", nan_agreed);
    fprintf(stderr, "sklearn comparison: %zu values in %zu cases agree (%zu undefined)\n",
            compared, m, nan_agreed);
}
END_TEST


/* ---- evaluation of synthetic scores: groups, pooling, errors, reports ---- */

static const char *const CATS[] = {"extremism", "offensive"};

/* corpusA annotates offensive; news is negatives_for extremism. */
static clf_eval_data *synthetic(int with_b)
{
    const double thr[] = {0.5, 0.5};
    clf_eval_data *d = NULL;
    ck_assert_int_eq(clf_eval_data_new(&d, 2, CATS, thr, with_b ? thr : NULL, 1), CLF_OK);
    ck_assert_int_eq(clf_eval_data_add_source(d, "corpusA", 2, 0), 0);
    ck_assert_int_eq(clf_eval_data_add_source(d, "news", 0, 1), 1);
    const struct { size_t src; const char *id; uint64_t pos; double s[2]; } docs[] = {
        {0, "a", 2, {0.1, 0.9}}, {0, "b", 0, {0.1, 0.8}}, {0, "c", 2, {0.1, 0.3}}, {0, "d", 0, {0.1, 0.2}},
        {1, "n1", 0, {0.7, 0.9}}, {1, "n2", 0, {0.1, 0.9}}, {1, "n3", 0, {0.2, 0.9}},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        ck_assert_int_eq(clf_eval_data_add(d, docs[i].src, docs[i].id, "نص تجريبي", strlen("نص تجريبي"),
                                           docs[i].pos, docs[i].s, with_b ? docs[i].s : NULL), CLF_OK);
    return d;
}

static clf_eval_report *compute(const clf_eval_data *d, unsigned resamples)
{
    clf_eval_options o;
    clf_eval_options_init(&o);
    o.resamples = resamples;
    o.target_precision = 0.9;
    clf_eval_report *r = NULL;
    ck_assert_int_eq(clf_eval_compute(d, &o, &r), CLF_OK);
    return r;
}

START_TEST(test_eval_groups)
{
    clf_eval_data *d = synthetic(0);
    clf_eval_report *r = compute(d, 200);
    ck_assert_uint_eq(r->n_groups, 3);
    ck_assert_str_eq(r->groups[2].name, "pooled");
    const clf_eval_group *a = &r->groups[0], *news = &r->groups[1], *pool = &r->groups[2];
    ck_assert_int_eq(a->cats[0].judged, 0); /* corpusA says nothing about extremism */
    const clf_eval_cat *off = &a->cats[1];
    ck_assert(off->judged && off->has_positives);
    ck_close(off->cm.tp, 1); ck_close(off->cm.fp, 1); ck_close(off->cm.fn, 1);
    ck_close(off->precision.value, 0.5); ck_close(off->recall.value, 0.5);
    ck_assert(off->precision.ci.lo <= 0.5 && off->precision.ci.hi >= 0.5);
    ck_assert_uint_eq(off->n_fp, 1);
    ck_assert_str_eq(off->top_fp[0].id, "b");
    ck_assert_uint_eq(off->n_fn, 1);
    ck_assert_str_eq(off->top_fn[0].id, "c");
    ck_assert_uint_eq(off->n_sweep, 19);
    ck_close(off->sweep[2].threshold, 0.15);
    ck_assert_int_eq(off->target_p.found, 1);
    ck_close(off->target_p.op.threshold, 0.9);
    /* news: no positives, judged by its flag rate; precision stays undefined-or-0, never 1. */
    const clf_eval_cat *ext = &news->cats[0];
    ck_assert(ext->judged && !ext->has_positives);
    ck_assert_int_eq(news->cats[1].judged, 0);
    ck_close(ext->flag_rate.value, 1.0 / 3);
    ck_assert(isnan(ext->recall.value) && isnan(ext->ap.value) && isnan(ext->roc_auc));
    ck_assert_uint_eq(ext->n_fp, 1);
    ck_assert_str_eq(ext->top_fp[0].id, "n1");
    ck_assert_uint_eq(news->avg.n_cats, 0);
    /* pooled: the news documents count only for extremism. */
    ck_assert_uint_eq(pool->cats[0].n, 3);
    ck_assert_uint_eq(pool->cats[1].n, 4);
    ck_assert_uint_eq(pool->avg.n_cats, 1);
    ck_close(pool->avg.micro_f1.value, 0.5);
    clf_eval_report_free(r);
    clf_eval_data_free(d);
}
END_TEST

START_TEST(test_eval_deterministic_and_compare)
{
    clf_eval_data *d = synthetic(1);
    clf_eval_report *r1 = compute(d, 300), *r2 = compute(d, 300);
    const clf_eval_cat *c1 = &r1->groups[0].cats[1], *c2 = &r2->groups[0].cats[1];
    ck_assert(c1->f1.ci.lo == c2->f1.ci.lo && c1->f1.ci.hi == c2->f1.ci.hi);
    /* B identical to A: every difference is exactly 0 and B never wins. */
    ck_assert(c1->compared);
    ck_close(c1->d_f1.diff, 0);
    ck_close(c1->d_f1.ci.lo, 0);
    ck_close(c1->d_f1.ci.hi, 0);
    ck_close(c1->d_f1.frac_b_better, 0);
    ck_close(c1->d_ap.diff, 0);
    clf_eval_report_free(r1);
    clf_eval_report_free(r2);
    clf_eval_data_free(d);
}
END_TEST

/* One run's data: corpusA (annotates offensive) documents by id, then news (negatives_for extremism). */
static clf_eval_data *run_data(const char *const *ids, const double *off, size_t n, size_t n_news)
{
    const double thr[] = {0.5, 0.5};
    clf_eval_data *d = NULL;
    ck_assert_int_eq(clf_eval_data_new(&d, 2, CATS, thr, NULL, 1), CLF_OK);
    ck_assert_int_eq(clf_eval_data_add_source(d, "corpusA", 2, 0), 0);
    if (n_news)
        ck_assert_int_eq(clf_eval_data_add_source(d, "news", 0, 1), 1);
    for (size_t i = 0; i < n; i++) {
        double sc[2] = {0.1, off[i]};
        ck_assert_int_eq(clf_eval_data_add(d, 0, ids[i], "نص", strlen("نص"), ids[i][0] == 'p' ? 2 : 0, sc, NULL),
                         CLF_OK);
    }
    for (size_t i = 0; i < n_news; i++) {
        double sc[2] = {0.2, 0.2};
        ck_assert_int_eq(clf_eval_data_add(d, 1, "n", "نص", strlen("نص"), 0, sc, NULL), CLF_OK);
    }
    return d;
}

/* Two runs paired by corpus and id: repeats n-th with n-th, the rest counted and left out. */
START_TEST(test_eval_pair_by_id)
{
    /* A: "x" (a flagged negative: the one error kept), p1, dup, dup, p2; B in another order, without
     * x and p2, with z, and a news corpus A lacks */
    const char *ids_a[] = {"x", "p1", "dup", "dup", "p2"}, *ids_b[] = {"dup", "p1", "z", "dup"};
    const double sa[] = {0.9, 0.6, 0.3, 0.4, 0.7}, sb[] = {0.11, 0.12, 0.13, 0.14};
    clf_eval_data *a = run_data(ids_a, sa, 5, 0), *b = run_data(ids_b, sb, 4, 3);
    /* a labelling corpus whose ids differ: refused, A unchanged */
    const char *other[] = {"q1", "q2", "q3", "q4"};
    clf_eval_data *c = run_data(other, sb, 4, 0);
    ck_assert_int_eq(clf_eval_data_pair(a, c), CLF_E_INVALID_ARG);
    ck_assert_ptr_nonnull(strstr(clf_last_error(), "corpus corpusA: run A scored 5 documents, run B 4"));
    ck_assert_uint_eq(clf_eval_data_docs(a), 5);
    ck_assert_int_eq(a->has_b, 0);
    ck_assert_uint_eq(a->n_pairing, 0);
    clf_eval_data_free(c);

    ck_assert_int_eq(clf_eval_data_pair(a, b), CLF_OK);
    ck_assert_uint_eq(clf_eval_data_docs(a), 3); /* p1, dup, dup in A's order */
    ck_close(a->sa[0 * 2 + 1], 0.6);
    ck_close(a->sb[0 * 2 + 1], 0.12);
    ck_close(a->sa[1 * 2 + 1], 0.3);
    ck_close(a->sb[1 * 2 + 1], 0.11); /* the first dup with the first */
    ck_close(a->sa[2 * 2 + 1], 0.4);
    ck_close(a->sb[2 * 2 + 1], 0.14);
    ck_assert_uint_eq(a->sources[0].n_fp[1], 0); /* x's candidate left with x */
    clf_eval_report *r = compute(a, 20);
    ck_assert_uint_eq(r->n_records, 3);
    ck_assert_uint_eq(r->n_groups, 1);
    ck_assert_uint_eq(r->groups[0].cats[1].n, 3);
    ck_assert_uint_eq(r->groups[0].cats[1].n_pos, 1);
    ck_assert_uint_eq(r->n_pairing, 2);
    ck_assert_str_eq(r->pairing[0].source, "corpusA");
    ck_assert(r->pairing[0].n_a == 5 && r->pairing[0].n_b == 4 && r->pairing[0].paired == 3);
    ck_assert(r->pairing[0].annotates);
    ck_assert_str_eq(r->pairing[1].source, "news");
    ck_assert(r->pairing[1].n_a == 0 && r->pairing[1].n_b == 3 && r->pairing[1].paired == 0);
    ck_assert(!r->pairing[1].annotates);
    /* B's decisions differ from A's on p1 (0.6 -> 0.12) only */
    ck_assert_uint_eq(r->n_changed, 1);
    clf_eval_report_free(r);
    clf_eval_data_free(a);
    clf_eval_data_free(b);
}
END_TEST

START_TEST(test_eval_reports)
{
    clf_eval_data *d = synthetic(1);
    clf_eval_report *r = compute(d, 50);
    r->model = strdup("a.clf");
    r->model_name = strdup("A");
    r->model_b = strdup("b.clf");
    r->model_b_name = strdup("B");
    char path[512];
    snprintf(path, sizeof path, "%s/report.json", clf_test_tmpdir());
    FILE *f = fopen(path, "w");
    ck_assert_int_eq(clf_eval_report_json(f, r), 0);
    fclose(f);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    ck_assert_msg(j != NULL, "report.json: %s", err.text);
    ck_assert_str_eq(json_string_value(json_object_get(j, "schema")), "libclassify-eval/1");
    json_t *g0 = json_array_get(json_object_get(j, "groups"), 0);
    json_t *cats = json_object_get(g0, "categories");
    ck_assert_ptr_null(json_object_get(cats, "extremism"));
    json_t *prec = json_object_get(json_object_get(json_object_get(cats, "offensive"), "precision"), "value");
    ck_close(json_real_value(prec), 0.5);
    json_t *g1 = json_array_get(json_object_get(j, "groups"), 1);
    json_t *ext = json_object_get(json_object_get(g1, "categories"), "extremism");
    ck_assert(json_is_null(json_object_get(json_object_get(ext, "recall"), "value")));
    ck_assert(json_is_object(json_object_get(ext, "comparison")));
    json_decref(j);

    snprintf(path, sizeof path, "%s/report.html", clf_test_tmpdir());
    f = fopen(path, "w");
    ck_assert_int_eq(clf_eval_report_html(f, r), 0);
    fclose(f);
    char *html = clf_test_read_file(path, NULL);
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_nonnull(strstr(html, "<svg"));
    ck_assert_ptr_nonnull(strstr(html, "dir=\"rtl\""));
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "http://www.w3.org/1999")); /* no links besides the SVG namespace */
    ck_assert_ptr_null(strstr(html, "https://"));
    free(html);

    snprintf(path, sizeof path, "%s/report.txt", clf_test_tmpdir());
    f = fopen(path, "w");
    ck_assert_int_eq(clf_eval_report_text(f, r, 1), 0);
    fclose(f);
    char *txt = clf_test_read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(txt, "flag rate"));
    ck_assert_ptr_nonnull(strstr(txt, "== pooled"));
    free(txt);
    clf_eval_report_free(r);
    clf_eval_data_free(d);
}
END_TEST

START_TEST(test_eval_parse_map)
{
    const char *const cats[] = {"hate", "offensive"};
    clf_eval_label_map *m = NULL;
    size_t n = 0;
    uint64_t targets = 0;
    ck_assert_int_eq(clf_eval_parse_map("abusive=offensive,hate=hate+offensive,fearful=", 2, cats, &m, &n,
                                        &targets), CLF_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(m[1].label, "hate");
    ck_assert(m[1].cats == 3 && m[0].cats == 2 && m[2].cats == 0 && targets == 3);
    clf_eval_map_free(m, n);
    ck_assert_int_eq(clf_eval_parse_map("abusive=rude", 2, cats, &m, &n, &targets), CLF_E_NOT_FOUND);
    ck_assert_int_eq(clf_eval_parse_map("abusive", 2, cats, &m, &n, &targets), CLF_E_PARSE);
    uint64_t mask = 0;
    ck_assert_int_eq(clf_eval_parse_cats("offensive,hate", 2, cats, &mask), CLF_OK);
    ck_assert(mask == 3);
}
END_TEST

static Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("hand");
    tcase_add_test(tc, test_confusion_by_hand);
    tcase_add_test(tc, test_no_positives);
    tcase_add_test(tc, test_ranking_by_hand);
    tcase_add_test(tc, test_training_uses_eval_metrics);
    tcase_add_test(tc, test_ties);
    tcase_add_test(tc, test_all_positive);
    tcase_add_test(tc, test_weights_equal_duplicates);
    tcase_add_test(tc, test_calibration_by_hand);
    tcase_add_test(tc, test_nan_score_rejected);
    suite_add_tcase(s, tc);
    tc = tcase_create("bootstrap");
    tcase_add_test(tc, test_quantile);
    tcase_add_test(tc, test_rng_and_counts);
    suite_add_tcase(s, tc);
    tc = tcase_create("evaluate");
    tcase_add_test(tc, test_eval_groups);
    tcase_add_test(tc, test_eval_deterministic_and_compare);
    tcase_add_test(tc, test_eval_pair_by_id);
    tcase_add_test(tc, test_eval_reports);
    tcase_add_test(tc, test_eval_parse_map);
    suite_add_tcase(s, tc);
    tc = tcase_create("sklearn");
    tcase_add_test(tc, test_against_sklearn);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return clf_test_run(metrics_suite());
}
