/*
 * report.h - the results of an evaluation, and the three ways of writing
 * them: a terminal table, JSON (schema in docs/eval.md) and a
 * self-contained HTML page with inline SVG charts.
 *
 * A report has groups: one per evaluated corpus, then "pooled" (all of
 * them together) when there is more than one. A group has one entry per
 * model category; a category is "judged" on a group when at least one of
 * its corpora annotates it or lists it under negatives_for. A judged
 * category without positives (news for extremism) is reported by its flag
 * rate only: its precision, recall, AP and AUC are NaN (undefined).
 */
#ifndef CLF_EVAL_REPORT_H
#define CLF_EVAL_REPORT_H

#include <stdio.h>

#include "bootstrap.h"
#include "metrics.h"

#define CLF_EVAL_BINS 10
#define CLF_EVAL_MAX_LEVELS 8

/* A statistic with its bootstrap interval (lo = hi = NaN without one). */
typedef struct clf_eval_stat {
    double value;
    clf_interval ci;
} clf_eval_stat;

/* Model B minus model A on the same resamples (paired bootstrap). */
typedef struct clf_eval_delta {
    double a, b;          /* the two models' values on the full data */
    double diff;          /* b - a */
    clf_interval ci;      /* percentile interval of b - a over resamples */
    double frac_b_better; /* share of resamples (where defined) with b > a */
} clf_eval_delta;

/* One feature's push on a score (from clf_explain). */
typedef struct clf_eval_feature {
    char *text;
    unsigned int family;  /* CLF_FAMILY_* */
    double contribution;
} clf_eval_feature;

/* A false positive or false negative, for error analysis. */
typedef struct clf_eval_error {
    char *id;
    char *source;         /* corpus name */
    char *text;           /* the document as read (not normalized) */
    double score;
    size_t n_up, n_down;
    clf_eval_feature *up, *down; /* features pushing the score up / down */
} clf_eval_error;

typedef struct clf_eval_sweep_row {
    double threshold;
    double precision, recall, f1, flag_rate;
} clf_eval_sweep_row;

typedef struct clf_eval_xy {
    double x, y;
} clf_eval_xy;

/* A found or missing operating point (precision at recall level, ...). */
typedef struct clf_eval_op {
    int found;
    clf_operating_point op;
} clf_eval_op;

/* The curves of one model on one category, thinned for plotting. */
typedef struct clf_eval_curves {
    size_t n_pr, n_roc;
    clf_eval_xy *pr;      /* (recall, precision), recall increasing */
    clf_eval_xy *roc;     /* (fpr, tpr), from (0,0) to (1,1) */
} clf_eval_curves;

typedef struct clf_eval_cat {
    const char *name;     /* borrowed from the report's category list */
    int judged;
    int has_positives;
    size_t n, n_pos;      /* judged documents, positives among them */
    double threshold;
    clf_eval_confusion cm;
    clf_eval_stat precision, recall, f1, flag_rate, ap;
    double roc_auc, brier, ece;
    clf_calib_bin bins[CLF_EVAL_BINS];
    clf_eval_op p_at_r[CLF_EVAL_MAX_LEVELS]; /* per report levels */
    clf_eval_op r_at_p[CLF_EVAL_MAX_LEVELS];
    clf_eval_op target_p, target_r;          /* --target-precision / --target-recall */
    size_t n_sweep;
    clf_eval_sweep_row *sweep;
    clf_eval_curves curves, curves_b;
    size_t n_fp, n_fn;
    clf_eval_error *top_fp;  /* highest-scored negatives that were flagged */
    clf_eval_error *top_fn;  /* lowest-scored positives that were missed */
    /* with --compare: */
    int compared;            /* model B has this category */
    double threshold_b;
    clf_eval_confusion cm_b;
    double flag_rate_b, roc_auc_b;
    clf_eval_delta d_precision, d_recall, d_f1, d_ap, d_flag_rate;
} clf_eval_cat;

/* Averages over the categories with positives. */
typedef struct clf_eval_avg {
    size_t n_cats;            /* categories averaged */
    clf_eval_confusion cm;    /* summed over them (micro) */
    clf_eval_stat micro_p, micro_r, micro_f1;
    clf_eval_stat macro_p, macro_r, macro_f1, macro_ap;
    double macro_auc;
    clf_eval_delta d_micro_f1, d_macro_f1, d_macro_ap; /* with --compare */
} clf_eval_avg;

typedef struct clf_eval_group {
    char *name;
    int pooled;
    size_t n_docs;
    clf_eval_cat *cats;       /* the report's n_cats entries */
    clf_eval_avg avg;
} clf_eval_group;

/* One category of a document whose decision differs between models A and B. */
#define CLF_EVAL_CHANGE_WORDS 3
typedef struct clf_eval_change_cat {
    size_t k;                 /* category (report order) */
    double pa, pb;            /* the two probabilities */
    int labeled;              /* the source judges this category */
    int positive;             /* ... and labels the document positive */
    int flagged_b;            /* B flags it (A does not), else B clears it */
    size_t n_words;           /* words whose contribution moved most, towards B's decision */
    char *words[CLF_EVAL_CHANGE_WORDS];   /* as written in the document */
    double delta[CLF_EVAL_CHANGE_WORDS];  /* contribution in B minus in A (margin units) */
} clf_eval_change_cat;

typedef struct clf_eval_change {
    char *id, *source, *text;
    size_t n_cats;
    clf_eval_change_cat *cats;
} clf_eval_change;

/* One corpus of two runs paired by document (--cv --compare-recipe): the
 * documents each run scored and those both did; only the latter are in the
 * report's figures. */
typedef struct clf_eval_pairing {
    char *source;             /* corpus name */
    int annotates;            /* it labels some category (in either run) */
    size_t n_a, n_b;          /* documents scored by run A, by run B */
    size_t paired;            /* ... by both (n_a - paired only by A, n_b - paired only by B) */
} clf_eval_pairing;

typedef struct clf_eval_report {
    char *model;              /* model A path and name */
    char *model_name;
    char *model_b;            /* NULL unless comparing */
    char *model_b_name;
    char *mode;               /* "holdout" or "cross-validation (K folds)" */
    char *split;              /* "dev", "train", "file" ... */
    size_t n_cats;
    char **cats;
    /* options in force */
    unsigned int resamples;
    uint64_t seed;
    double level;
    size_t n_levels;
    double levels[CLF_EVAL_MAX_LEVELS];
    double target_precision, target_recall; /* NaN when not asked */
    size_t errors_k;
    /* what was read */
    size_t n_records, n_skipped;
    size_t n_groups;
    clf_eval_group *groups;
    /* with a model B: documents whose decision changed (clf_eval_compute counts them,
     * clf_eval_changes lists them; --cv --compare-recipe counts only) */
    size_t n_changed;         /* all of them */
    size_t n_changes;         /* listed (the first ones read) */
    clf_eval_change *changes;
    /* two runs paired by document (clf_eval_data_pair): one entry per corpus of
     * either run, in A's order then B's own; n_pairing 0 otherwise */
    size_t n_pairing;
    clf_eval_pairing *pairing;
} clf_eval_report;

/* clf_eval_report_free - NULL is a no-op. */
void clf_eval_report_free(clf_eval_report *r);

/*
 * clf_eval_report_text - the terminal report: per group a table of the
 * categories (counts, P/R/F1 with intervals, AP, AUC, flag rate), the
 * averages, and with verbose > 0 the sweep, operating points, calibration
 * and error analysis. Returns 0, or -1 on a write error.
 */
int clf_eval_report_text(FILE *f, const clf_eval_report *r, int verbose);

/*
 * clf_eval_report_decision_text - with a model B: per annotating corpus and
 * category AP and F1 of A and B with the paired-bootstrap interval of B - A,
 * and per hard-negative corpus the flag rates (constraints); nothing
 * without model B. Returns 0, or -1 on a write error.
 */
int clf_eval_report_decision_text(FILE *f, const clf_eval_report *r);

/* clf_eval_report_json - the JSON document of docs/eval.md. Returns 0 or -1. */
int clf_eval_report_json(FILE *f, const clf_eval_report *r);

/* clf_eval_report_html - a self-contained page (no scripts, no network).
 * Returns 0 or -1. */
int clf_eval_report_html(FILE *f, const clf_eval_report *r);

/* Formatting helpers shared by the writers. */

/* clf_eval_fmt - "%.3f" of v, or "n/a" when v is NaN, into buf. */
const char *clf_eval_fmt(char *buf, size_t size, double v, int decimals);

#endif /* CLF_EVAL_REPORT_H */
