/*
 * evaluate.h - from labeled corpora and a model (or two) to a report.
 *
 * Three steps:
 *   1. clf_eval_data_new() fixes the categories (model A's), the thresholds
 *      and how many errors to keep; clf_eval_data_add_source() declares a
 *      corpus and which categories it judges.
 *   2. Documents go in with their positive categories and their scores:
 *      clf_eval_score_file() reads a corpus with the record readers, maps its
 *      labels (a recipe corpus or an ad-hoc map) and scores it through the
 *      public API; clf_eval_data_add() takes scores computed elsewhere
 *      (cross-validation, synthetic tests).
 *   3. clf_eval_compute() computes every metric, interval and comparison of
 *      report.h; clf_eval_explain() then asks clf_explain() why each kept
 *      error was scored as it was.
 *
 * Memory: per document only its scores and labels are kept (plus the
 * source), so large corpora are fine; texts are copied only for the
 * candidates of the error analysis (K per corpus and category).
 */
#ifndef CLF_EVAL_EVALUATE_H
#define CLF_EVAL_EVALUATE_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "corpus.h"
#include "recipe.h"
#include "report.h"

#define CLF_EVAL_MAX_CATEGORIES 64

typedef struct clf_eval_data clf_eval_data;

/*
 * clf_eval_data_new - n_cats categories named cats (copied), the decision
 * thresholds of model A (thr_a) and, when comparing, of model B (thr_b,
 * NaN where B lacks the category; NULL = no model B). errors_k = how many
 * false positives and false negatives to keep per corpus and category.
 * Errors: CLF_E_INVALID_ARG, CLF_E_NOMEM.
 */
int clf_eval_data_new(clf_eval_data **out, size_t n_cats, const char *const *cats,
                      const double *thr_a, const double *thr_b, size_t errors_k);
void clf_eval_data_free(clf_eval_data *d);

/*
 * clf_eval_data_add_source - declare a corpus: annotates = categories it
 * labels (positives and negatives), negatives = categories all of its
 * documents are negatives of (bit k = category k). Returns the source
 * index (>= 0) or a negative error.
 */
int clf_eval_data_add_source(clf_eval_data *d, const char *name, uint64_t annotates,
                             uint64_t negatives);

/*
 * clf_eval_data_add - one document of source `source`: its positive
 * categories and the probabilities of model A (n_cats values) and of model
 * B (NULL unless comparing). id and text are copied only if the document
 * becomes an error candidate. Errors: CLF_E_INVALID_ARG (NaN score, bad
 * source), CLF_E_NOMEM.
 */
int clf_eval_data_add(clf_eval_data *d, size_t source, const char *id, const char *text,
                      size_t len, uint64_t positives, const double *scores_a,
                      const double *scores_b);

/*
 * clf_eval_data_pair - give d (model A's data) the scores of b as model
 * B's, for a paired comparison of two runs (`eval --cv K --recipe A
 * --compare-recipe B`). Documents are matched by identity: the corpus (a
 * source of the same name) and the document id, the n-th repeat of an id
 * with the n-th. d keeps only the documents both runs scored, in its
 * order (its error candidates too); the others, and the corpora only one
 * run has, are counted per corpus for the report (clf_eval_pairing) and
 * left out of every figure. b's categories are matched to d's by name
 * (NaN threshold, not compared, where b lacks one). The labels stay d's.
 * d must not have a model B yet. The documents whose decision differs
 * between the two (some category flagged by one and not the other) are
 * counted, not listed: the report's n_changed, with n_changes 0.
 * Refused, d unchanged, when the runs share no document, or when a corpus
 * that labels a category (annotates, in either run) was scored by one run
 * only, or shares fewer than half of the documents of the run that scored
 * fewer of them: the two runs did not read the same documents.
 * Errors: CLF_E_INVALID_ARG (the message names the corpus and counts),
 * CLF_E_NOMEM.
 */
int clf_eval_data_pair(clf_eval_data *d, const clf_eval_data *b);

/* clf_eval_data_docs - documents added so far. */
size_t clf_eval_data_docs(const clf_eval_data *d);

/*
 * How a file's labels become categories: either corpus `corpus` of a
 * recipe (recipe != NULL; cat_map[k] = the data's category index of recipe
 * category k, or -1 when the model lacks it), or an ad-hoc list of
 * label -> categories pairs (label "*" = any other label). With neither
 * (recipe NULL, n_map 0) a label must be a category name.
 */
typedef struct clf_eval_label_map {
    char *label;
    uint64_t cats;
} clf_eval_label_map;

typedef struct clf_eval_mapping {
    const clf_recipe *recipe;
    size_t corpus;
    const int *cat_map;
    size_t n_map;
    const clf_eval_label_map *map;
} clf_eval_mapping;

/*
 * clf_eval_parse_map - parse "label=cat[+cat...],..." (an empty right side
 * maps a label to no category) against the data's categories. On success
 * *out is a malloc'ed array of *n entries (free with clf_eval_map_free) and
 * *targets the union of the categories named. Errors: CLF_E_PARSE,
 * CLF_E_NOT_FOUND (unknown category, named in clf_last_error()),
 * CLF_E_NOMEM.
 */
int clf_eval_parse_map(const char *spec, size_t n_cats, const char *const *cats,
                       clf_eval_label_map **out, size_t *n, uint64_t *targets);
void clf_eval_map_free(clf_eval_label_map *m, size_t n);

/*
 * clf_eval_parse_cats - parse "cat,cat,..." into a mask of the data's
 * categories. Errors: CLF_E_NOT_FOUND, CLF_E_PARSE.
 */
int clf_eval_parse_cats(const char *spec, size_t n_cats, const char *const *cats,
                        uint64_t *mask);

/* Counters of one clf_eval_score_file() run. */
typedef struct clf_eval_file_stats {
    size_t records;   /* records scored */
    size_t skipped;   /* records skipped (only with skip_bad_rows) */
    size_t truncated; /* records cut at the scorer's byte limit (scored) */
} clf_eval_file_stats;

/*
 * Notes for the caller (the library never writes to stderr): msg is one
 * line without a newline, valid during the call.
 */
typedef void (*clf_eval_note_fn)(void *ctx, const char *msg);

/*
 * How clf_eval_score_file() treats bad rows: the rule of training
 * (clf_train_options.skip_bad_rows), so that eval and train never disagree
 * on what a corpus holds. A row the reader reports as malformed, a text
 * the scorer rejects (invalid UTF-8) or a label the mapping does not know
 * stops the run with an error naming the file, line and problem; with
 * skip_bad_rows it is skipped and counted, and note (if set) hears of the
 * first few and of the total.
 */
typedef struct clf_eval_read_options {
    int skip_bad_rows;
    clf_eval_note_fn note;
    void *note_ctx;
} clf_eval_read_options;

/*
 * clf_eval_score_file - read path in format fmt, map each record's labels
 * with *map, score its text with scorer a (and b, NULL unless comparing;
 * bidx[k] = model B's index of category k or -1) and add it to source.
 * Bad rows follow *ro (NULL = stop at the first). A file without labels
 * fails with CLF_E_PARSE. Errors: CLF_E_PARSE and CLF_E_UTF8 (a bad row),
 * CLF_E_LABEL (an unmapped label), those of the reader and clf_score,
 * CLF_E_NOMEM.
 */
int clf_eval_score_file(clf_eval_data *d, size_t source, const char *path, clf_format fmt,
                        const clf_eval_mapping *map, clf_scorer *a, clf_scorer *b,
                        const int *bidx, const clf_eval_read_options *ro,
                        clf_eval_file_stats *stats);

/* Options of clf_eval_compute(). */
typedef struct clf_eval_options {
    unsigned int resamples;   /* bootstrap resamples; 0 = no intervals (default 1000) */
    uint64_t seed;            /* default 1 */
    double level;             /* interval level, default 0.95 */
    size_t n_levels;          /* precision at recall / recall at precision levels */
    double levels[CLF_EVAL_MAX_LEVELS]; /* default 0.8, 0.9, 0.95 */
    double sweep_step;        /* thresholds step..1-step by step, default 0.05 */
    double target_precision;  /* NaN = not asked */
    double target_recall;
    size_t curve_points;      /* at most this many points per plotted curve (default 400) */
} clf_eval_options;

/* clf_eval_options_init - the defaults above. */
void clf_eval_options_init(clf_eval_options *o);

/*
 * clf_eval_compute - every metric of every group. The report's model and
 * mode strings are left NULL for the caller to set (strdup'ed; freed with
 * the report). Errors: CLF_E_INVALID_ARG (no documents), CLF_E_NOMEM.
 */
int clf_eval_compute(const clf_eval_data *d, const clf_eval_options *o,
                     clf_eval_report **out);

/*
 * clf_eval_explain - fill the features of every kept error of the report
 * (top_k pushing up and top_k pushing down), scoring its text again with
 * scorer s of model A. Errors: those of clf_explain.
 */
int clf_eval_explain(clf_eval_report *r, clf_scorer *s, const clf_model *m, size_t top_k);

/*
 * clf_eval_changes - with model B: list in r the documents whose decision
 * differs between the models (the first CLF_EVAL_CHANGED_KEEP read; all are
 * counted in r->n_changed), each changed category with both probabilities,
 * its label when the source judges it, and the words whose contribution
 * moved most towards B's decision (clf_explain with both scorers; bidx[k]
 * is category k's index in B). Errors: CLF_E_NOMEM, those of clf_explain.
 */
int clf_eval_changes(clf_eval_report *r, const clf_eval_data *d, clf_scorer *sa, clf_scorer *sb,
                     const int *bidx);

#endif /* CLF_EVAL_EVALUATE_H */
