/*
 * eval_internal.h - the insides of clf_eval_data, shared by evaluate.c
 * (which fills it) and analyze.c (which computes the report from it).
 */
#ifndef CLF_EVAL_INTERNAL_H
#define CLF_EVAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* An error-analysis candidate: a kept false positive or false negative. */
typedef struct clf_eval_cand {
    size_t doc;
    double score;
    char *id;
    char *text;
} clf_eval_cand;

typedef struct clf_eval_source {
    char *name;
    uint64_t annotates, negatives;
    clf_eval_cand **fp, **fn; /* per category: up to errors_k candidates */
    size_t *n_fp, *n_fn;
} clf_eval_source;

struct clf_eval_data {
    size_t n_cats;
    char **cats;
    double *thr_a, *thr_b;    /* thr_b[k] NaN: model B does not have category k */
    int has_b;
    size_t errors_k;
    size_t n_sources, cap_sources;
    clf_eval_source *sources;
    size_t n_docs, cap_docs;
    double *sa, *sb;          /* n_docs x n_cats probabilities of models A and B */
    uint64_t *pos;            /* positive categories (within the source's annotates) */
    uint32_t *src;            /* source of each document */
    uint64_t *key;            /* hash of each document's id: pairs it with the other run's */
    /* after clf_eval_data_pair: per corpus of either run, what was paired */
    size_t n_pairing;
    clf_eval_pairing *pairing;
    /* with model B: the documents where a decision differs (changes.c) */
    size_t n_changed;         /* all of them */
    size_t n_changed_kept;    /* the first CLF_EVAL_CHANGED_KEEP, with their text */
    clf_eval_cand *changed;
    uint64_t *changed_mask;   /* categories whose decision differs */
};

/* Changed documents kept with their text for the report. */
#define CLF_EVAL_CHANGED_KEEP 200

#endif /* CLF_EVAL_INTERNAL_H */
