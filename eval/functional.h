/*
 * functional.h - functional test suites (HateCheck / CheckList style) for
 * `classify eval --functional SUITE`.
 *
 * A suite (JSON, schema libclassify-functional/1, see docs/eval.md and
 * eval/functional/arabic-functional.json) has functional classes; each
 * class is "benign" (judged by the share of items flagged) or "positive"
 * (judged by recall), lists the categories its items must trigger (must:
 * all of them) and must not trigger (must_not; "*" = every category not
 * in must), may require abstention (must_abstain), and has an optional
 * gate (max_flag_rate, min_recall, min_abstain_rate). Items are literal
 * strings, templates whose {SLOT}s are filled from the suite's slot lists
 * (every combination; fillers may contain slots themselves), or derived
 * from other classes by an obfuscation transform (item i of the sources
 * gets transform i mod T).
 *
 * Steps: clf_func_suite_load() parses and expands a suite against a
 * model's categories; clf_func_report_new() starts a report;
 * clf_func_report_set() records each item's outcome (clf_func_score_all()
 * does it through the public scoring API; tests pass synthetic outcomes);
 * clf_func_report_finish() computes the class figures and the gate. An
 * abstained item counts as not flagged, whatever its probabilities.
 */
#ifndef CLF_EVAL_FUNCTIONAL_H
#define CLF_EVAL_FUNCTIONAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bootstrap.h"
#include "classify.h"

#define CLF_FUNC_MAX_CATEGORIES 64

typedef struct clf_func_item {
    char *id;             /* "class/N" */
    char *text;
    size_t cls;           /* index into the suite's classes */
    uint64_t must;        /* categories that must all be flagged */
    uint64_t must_not;    /* categories none of which may be flagged */
    int must_abstain;
    char *origin;         /* template it was expanded from, "from:ID" for derived items, or NULL */
    const char *transform; /* static name of the obfuscation applied, or NULL */
} clf_func_item;

typedef struct clf_func_class {
    char *name;
    char *description;
    int positive;         /* 0 benign (flag rate), 1 positive (recall) */
    int must_abstain;
    double max_flag_rate; /* gate limits, NaN = none */
    double min_recall;
    double min_abstain_rate;
} clf_func_class;

typedef struct clf_func_suite {
    char *name;
    char *source;         /* path it was loaded from */
    size_t n_cats;
    char **cats;          /* the categories the masks refer to (copied) */
    size_t n_classes;
    clf_func_class *classes;
    size_t n_items;
    clf_func_item *items;
} clf_func_suite;

/*
 * clf_func_suite_parse / _load - parse a suite from memory or a file and
 * expand it; category names are resolved against cats (a model's
 * categories). A category the list lacks, an unknown slot or transform, a
 * bad gate value, a duplicate class or an expansion over 100000 items is
 * an error naming the class. Errors: CLF_E_PARSE, CLF_E_NOT_FOUND,
 * CLF_E_TOO_LARGE, CLF_E_IO, CLF_E_NOMEM (message in clf_last_error()).
 */
int clf_func_suite_parse(clf_func_suite **out, const char *json, size_t len, const char *source,
                         size_t n_cats, const char *const *cats);
int clf_func_suite_load(clf_func_suite **out, const char *path, size_t n_cats,
                        const char *const *cats);
void clf_func_suite_free(clf_func_suite *s);

/*
 * clf_func_transform - *out = text obfuscated by transform name:
 * "tatweel" (kashida after joining letters inside words), "diacritics"
 * (a haraka after each Arabic letter but alef and alef maqsura, cycling
 * fatha, damma, kasra, sukun), "zw" (zero-width non-joiner after
 * every second letter inside words), "lookalike" (Persian/Urdu look-alike
 * letters: ک ی ہ), "spaced" (the longest Arabic word spelled out letter
 * by letter). malloc'ed, NUL-terminated. Errors: CLF_E_NOT_FOUND (unknown
 * name), CLF_E_NOMEM.
 */
int clf_func_transform(char **out, const char *text, const char *name);

/* One item's outcome. */
typedef struct clf_func_outcome {
    int scored;           /* 0: not scored (an error; counts as failing) */
    int abstain;          /* the scorer's abstention reason, 0 = none */
    uint64_t flagged;     /* categories flagged (0 when abstained) */
    double prob[CLF_FUNC_MAX_CATEGORIES];
    int pass;             /* meets must / must_not / must_abstain */
} clf_func_outcome;

typedef struct clf_func_class_result {
    size_t n;             /* items */
    size_t n_flagged;     /* items flagged as one of their must_not categories */
    size_t n_hit;         /* items with every must category flagged */
    size_t n_abstained;
    size_t n_pass;        /* items meeting their whole specification */
    size_t n_unscored;
    size_t by_cat[CLF_FUNC_MAX_CATEGORIES]; /* items flagged per category */
    double value;         /* benign: n_flagged / n; positive: n_hit / n */
    clf_interval ci;      /* Wilson 95% interval of value */
    double abstain_rate;
    int gated;            /* the class has a gate */
    int gate_pass;
} clf_func_class_result;

typedef struct clf_func_report {
    const clf_func_suite *suite; /* borrowed: must outlive the report */
    char *model;          /* path, name or id of the model (set by the caller) */
    double thresholds[CLF_FUNC_MAX_CATEGORIES];
    clf_func_outcome *items;     /* suite->n_items */
    clf_func_class_result *classes; /* suite->n_classes */
    int gate_pass;        /* every gated class passed */
    size_t n_gated, n_gate_failed;
} clf_func_report;

/* clf_func_report_new - an empty report for suite s. Errors: CLF_E_NOMEM. */
int clf_func_report_new(clf_func_report **out, const clf_func_suite *s);
void clf_func_report_free(clf_func_report *r);

/*
 * clf_func_report_set - item i's outcome: prob = the suite's n_cats
 * probabilities, flagged = the categories flagged, abstain = the
 * abstention reason (an abstained item is recorded as flagging nothing).
 * Errors: CLF_E_INVALID_ARG.
 */
int clf_func_report_set(clf_func_report *r, size_t i, const double *prob, uint64_t flagged,
                        int abstain);

/* clf_func_report_finish - class figures, Wilson intervals and the gate. */
void clf_func_report_finish(clf_func_report *r);

/*
 * clf_func_score_all - score every item with scorer s (its model's
 * categories must be the suite's, in order) and finish the report. An
 * item the scorer rejects is recorded as unscored (a failure).
 * Errors: CLF_E_NOMEM.
 */
int clf_func_score_all(clf_func_report *r, clf_scorer *s);

/* clf_func_abstain_name - the name of an abstention reason ("abstained" if unknown). */
const char *clf_func_abstain_name(int reason);

/* Writers (report_functional.c): 0, or -1 on a write error. */
int clf_func_report_text(FILE *f, const clf_func_report *r, int verbose);
int clf_func_report_json(FILE *f, const clf_func_report *r);
int clf_func_report_html(FILE *f, const clf_func_report *r);

#endif /* CLF_EVAL_FUNCTIONAL_H */
